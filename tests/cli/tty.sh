#!/usr/bin/env bash
# vsphere-cli on a real terminal, driven through tmux: a destructive command asks "[y/N]" on
# the terminal, 'n' changes nothing (exit 5) and 'y' does it; the progress bar of a vCenter
# task shows only once vCenter reports the task, on one line redrawn in place (100% when done);
# a blocked dry run asks nothing; Ctrl-C while a task runs asks to cancel it and exits 130.
#   tty.sh <vsphere-cli> <vcsim>
set -uo pipefail
cli="$1"
sim="$2"
command -v tmux >/dev/null || { echo "tmux is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
work=$(mktemp -d)
sock="vsmcp-cli-tty-$$"
sim_pid=""
t() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() {
  t kill-server 2>/dev/null
  [[ -n "$sim_pid" ]] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# PowerOffVM_Task answers after 2 s: long enough to see that no bar shows before vCenter has
# reported the task, and to press Ctrl-C.
"$sim" -watch-stdin=false -cert-out "$work/ca.pem" -method-delay PowerOffVM_Task:2000 \
  >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
for _ in $(seq 1 300); do grep -q VCSIM_READY "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
grep -q VCSIM_READY "$work/sim.out" || { cat "$work/sim.err"; echo "simulator did not start" >&2; exit 1; }
url=$(sed -n 's/^VCSIM_URL=//p' "$work/sim.out")

# Each step runs "vsphere-cli ARGS; echo EXIT=$?" in the terminal, from a script that sets the
# connection (so the pane's shell needs no setup).
cat >"$work/run" <<EOF
#!/usr/bin/env bash
export VCENTER_HOST='$url' VCENTER_USER=user VCENTER_PASSWORD=pass VCENTER_CA_BUNDLE='$work/ca.pem'
export VSPHERE_CLI_AUDIT_LOG='$work/audit.jsonl'
unset VSPHERE_CLI_PROFILE VSPHERE_CLI_ROLE VCENTER_INSECURE VCENTER_THUMBPRINT VCENTER_ALLOWED_HOSTS
unset GOVC_URL GOVC_USERNAME GOVC_PASSWORD GOVC_INSECURE
'$cli' "\$@"
echo "EXIT=\$?"
EOF
chmod +x "$work/run"

t new-session -d -s cli -x 120 -y 40 "env PS1='$ ' bash --norc --noprofile"
failures=0
pass() { echo "ok: $*"; }
fail() {
  echo "FAIL: $*" >&2
  echo "--- terminal:" >&2
  t capture-pane -p -t cli >&2
  failures=$((failures + 1))
}
screen() { t capture-pane -p -J -t cli; }
# wait_for REGEX [SECONDS]: until the terminal shows a line matching it.
wait_for() {
  local deadline=$((SECONDS + ${2:-20}))
  while ((SECONDS < deadline)); do
    screen | grep -qE -- "$1" && return 0
    sleep 0.05
  done
  return 1
}
step() {  # step ARGS...: clears the terminal and the audit log, then runs the CLI with ARGS in it
  t send-keys -t cli "clear" Enter
  wait_for '^\$ ?$' 5 || true
  t clear-history -t cli
  : >"$work/audit.jsonl"
  t send-keys -t cli "$work/run $*" Enter
}
# started: until the approved call started (its audit "start" record), before vCenter is asked.
started() {
  local deadline=$((SECONDS + ${1:-20}))
  while ((SECONDS < deadline)); do
    grep -q '"event":"start"' "$work/audit.jsonl" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# --- the progress bar ------------------------------------------------------------------------
# A hard power-off is destructive: it asks first; 'y' runs it.
step vm power off DC0_H0_VM0
wait_for "would power off VM 'DC0_H0_VM0' \(vm-[0-9]+\) at once.*Proceed\? \[y/N\]" &&
  pass "power off asks on the terminal" || fail "no prompt for power off"
t send-keys -t cli "y" Enter
started || fail "the power-off did not start"
sleep 0.5  # vCenter holds PowerOffVM_Task for 2 s
screen | grep -q 'Power off a VM' && fail "a bar before vCenter reported the task" ||
  pass "no bar while vCenter has not reported the task"
wait_for '^EXIT=' && true
if screen | grep -q '^EXIT=0$'; then pass "power off exits 0"; else fail "power off did not exit 0"; fi
screen | grep -qE 'Power off a VM DC0_H0_VM0 \[#{30}\] 100%$' && pass "the bar ends at 100%" || fail "no 100% bar"
[[ $(screen | grep -c 'Power off a VM') == 1 ]] && pass "the bar is redrawn in place (one line)" ||
  fail "the bar took more than one line"
screen | grep -qE '^VirtualMachine.powerOff vm-[0-9]+: success' && pass "the result follows the bar" ||
  fail "no result line"

# A blocked dry run asks nothing: the VM is off already.
step vm power off DC0_H0_VM0
wait_for '^EXIT=' && true
screen | grep -q '^EXIT=1$' && pass "powering off a VM that is off exits 1" || fail "power off twice did not exit 1"
screen | grep -q "cannot be done now: VM 'DC0_H0_VM0' is already powered off" && pass "says why" ||
  fail "no reason for the blocked power-off"
screen | grep -q 'Proceed?' && fail "asked about a call that cannot be done" || pass "asks nothing"

# --- the confirmation prompt ----------------------------------------------------------------
step vm destroy DC0_H0_VM0
wait_for "would destroy VM 'DC0_H0_VM0'.*Proceed\? \[y/N\]" && pass "destroy asks on the terminal" ||
  fail "no prompt"
t send-keys -t cli "n" Enter
wait_for '^EXIT=' && true
screen | grep -q '^EXIT=5$' && pass "'n' refuses with exit 5" || fail "'n' did not exit 5"
screen | grep -q "declined: nothing changed" && pass "says nothing changed" || fail "no 'declined'"
step vm info DC0_H0_VM0 -q
wait_for '^EXIT=' && true
screen | grep -q '^EXIT=0$' && pass "the VM is still there" || fail "the VM is gone after 'n'"

step vm destroy DC0_H0_VM0
wait_for 'Proceed\? \[y/N\]' || fail "no prompt the second time"
t send-keys -t cli "y" Enter
wait_for '^EXIT=' && true
screen | grep -q '^EXIT=0$' && pass "'y' destroys (exit 0)" || fail "'y' did not exit 0"
screen | grep -qE 'Destroy a VM DC0_H0_VM0 \[#{30}\] 100%' && pass "with its progress bar" || fail "no bar for destroy"
step vm info DC0_H0_VM0 -q
wait_for '^EXIT=' && true
screen | grep -q '^EXIT=3$' && pass "the VM is gone" || fail "the VM is still there after 'y'"

# --- Ctrl-C -----------------------------------------------------------------------------------
# With --yes nothing is asked; the bar shows only once vCenter reports the task, so the audit
# log's "start" record (before vCenter is asked) says when to press Ctrl-C.
step vm power off DC0_H0_VM1 --yes
started || fail "the power-off did not start before Ctrl-C"
sleep 0.2
t send-keys -t cli C-c
wait_for '^EXIT=' && true
screen | grep -q '^EXIT=130$' && pass "Ctrl-C exits 130" || fail "Ctrl-C did not exit 130"
screen | grep -q "cancelling the vCenter task" && pass "Ctrl-C says it cancels the task" ||
  fail "no cancelling message"

if ((failures)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
