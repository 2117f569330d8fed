#!/usr/bin/env bash
# vsphere-cli, the program, against the vCenter simulator: connection from the environment,
# --password-file, profiles and govc's GOVC_* variables; --json, CSV, -q; every exit code (0, 1,
# 2, 3, 4, 5, 130); destructive commands in a script (--yes, dry runs, a blocked dry run);
# Ctrl-C (SIGINT) while a task runs; the audit log.
#   program.sh <vsphere-cli> <vcsim>
set -uo pipefail
cli="$1"
sim="$2"
work=$(mktemp -d)
sim_pid=""
cleanup() {
  [[ -n "$sim_pid" ]] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The simulator answers PowerOffVM_Task after 1.5 s, so a Ctrl-C can arrive while it runs.
"$sim" -watch-stdin=false -cert-out "$work/ca.pem" -method-delay PowerOffVM_Task:1500 \
  >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
for _ in $(seq 1 300); do grep -q VCSIM_READY "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
grep -q VCSIM_READY "$work/sim.out" || { cat "$work/sim.err"; echo "simulator did not start" >&2; exit 1; }
url=$(sed -n 's/^VCSIM_URL=//p' "$work/sim.out")
thumbprint=$(sed -n 's/^VCSIM_THUMBPRINT=//p' "$work/sim.out")

unset VCENTER_PASSWORD_FILE VCENTER_INSECURE VCENTER_THUMBPRINT VCENTER_ALLOWED_HOSTS VSPHERE_CLI_PROFILE \
  VSPHERE_CLI_ROLE VSPHERE_CLI_AUDIT_LOG VSPHERE_CLI_CONFIG GOVC_URL GOVC_USERNAME GOVC_PASSWORD GOVC_INSECURE
export VCENTER_HOST="$url" VCENTER_USER=user VCENTER_PASSWORD=pass VCENTER_CA_BUNDLE="$work/ca.pem"
export XDG_CONFIG_HOME="$work/config" HOME="$work/home"

failures=0
pass() { echo "ok: $*"; }
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# expect CODE DESCRIPTION -- COMMAND...: runs it (stdin from /dev/null: no terminal), output in
# $work/out and $work/err.
expect() {
  local want="$1" what="$2"
  shift 3
  "$@" </dev/null >"$work/out" 2>"$work/err"
  local got=$?
  if [[ "$got" == "$want" ]]; then pass "$what (exit $got)"; else
    fail "$what: exit $got, wanted $want"; sed 's/^/  stderr: /' "$work/err" >&2
  fi
}
json() {  # json PYTHON-EXPRESSION: evaluates it on the JSON in $work/out as `j`
  python3 -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" "$work/out"
}

# --- output formats -------------------------------------------------------------------------
expect 0 "vm ls --json" -- "$cli" vm ls --json
json 'j["total"] == j["count"] == len(j["vms"]) > 0 and "next_offset" not in j' && pass "vm ls --json: the whole list" ||
  fail "vm ls --json shape"
total=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"])' "$work/out")
python3 -c 'import json,sys; print("\n".join(v["id"] for v in json.load(open(sys.argv[1]))["vms"]))' "$work/out" \
  >"$work/ids.json"
expect 0 "vm ls -q" -- "$cli" vm ls -q
diff -q "$work/ids.json" "$work/out" >/dev/null && pass "-q prints the ids of --json" || fail "-q ids differ"
grep -qvE '^vm-[0-9]+$' "$work/out" && fail "-q printed more than ids" || pass "-q prints only ids"
expect 0 "vm ls --format csv" -- "$cli" vm ls --format csv
python3 - "$work/out" "$total" <<'EOF' && pass "csv parses, a header and a row per VM" || fail "csv"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0][:3] == ["id", "name", "power_state"], rows[0]
assert len(rows) == int(sys.argv[2]) + 1
assert all(len(r) == len(rows[0]) for r in rows)
EOF
expect 0 "vm ls (table)" -- "$cli" vm ls
head -1 "$work/out" | grep -qE '^NAME +POWER_STATE +NUM_CPU +MEMORY_MB +HOST +IP_ADDRESS +ID$' &&
  pass "table header" || fail "table header: $(head -1 "$work/out")"
[[ $(wc -l <"$work/out") -eq $((total + 1)) ]] && pass "a table row per VM" || fail "table rows"
grep -q ' $' "$work/out" && fail "table lines end with spaces" || pass "no trailing spaces"
expect 0 "vm ls --columns name,id --format csv" -- "$cli" vm ls --columns name,id --format csv
[[ $(head -1 "$work/out") == "name,id" ]] && pass "--columns" || fail "--columns: $(head -1 "$work/out")"
expect 2 "vm ls --columns nope" -- "$cli" vm ls --columns nope
grep -q "no column 'nope' (known: id, name" "$work/err" && pass "an unknown column is named" || fail "unknown column: $(cat "$work/err")"
expect 2 "vm ls --json --format csv" -- "$cli" vm ls --json --format csv
grep -q "contradict" "$work/err" && pass "--json and --format csv conflict" || fail "format conflict: $(cat "$work/err")"
expect 2 "an unknown command" -- "$cli" bogus
grep -q "unknown command 'bogus' for 'vsphere-cli'; commands: vm, " "$work/err" && pass "the unknown command is named" ||
  fail "unknown command: $(cat "$work/err")"
expect 2 "an unknown subcommand" -- "$cli" vm power bogus
grep -q "unknown command 'bogus' for 'vsphere-cli vm power'; commands: on, off, " "$work/err" &&
  pass "the unknown subcommand is named with its group's commands" || fail "unknown subcommand: $(cat "$work/err")"
expect 2 "a group without a command" -- "$cli" vm snapshot
grep -q "'vsphere-cli vm snapshot' needs a command: " "$work/err" && pass "a bare group lists its commands" ||
  fail "bare group: $(cat "$work/err")"
expect 0 "inventory summary --json" -- "$cli" inventory summary --json
json '"by_cluster" in j and j["vms"]["total"] == '"$total" && pass "inventory summary counts the VMs" ||
  fail "inventory summary"
expect 0 "about --json" -- "$cli" about --json
json 'j["api_type"] == "VirtualCenter" and j["name"]' && pass "about" || fail "about"

# --- connection -----------------------------------------------------------------------------
printf 'pass\n' >"$work/password"
chmod 600 "$work/password"
expect 0 "--password-file" -- env -u VCENTER_PASSWORD "$cli" session login --password-file "$work/password"
grep -q "the session is stored" "$work/out" && pass "session login stores the session" || fail "session login"
session_file=$(ls "$HOME"/.cache/vsmcp/sessions/* 2>/dev/null | head -1)
[[ -n "$session_file" && $(stat -c %a "$session_file") == 600 ]] && pass "the session file is 0600" ||
  fail "session file: '$session_file'"
grep -q "pass" "$session_file" && fail "the session file holds the password" || pass "no password in the session file"
expect 0 "a stored session works without a password" -- env -u VCENTER_PASSWORD "$cli" vm ls -q
# A session vCenter no longer knows: exit 4, and the stale file goes.
python3 - "$session_file" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); j["cookie"] = 'vmware_soap_session="00000000-dead-beef"'
open(sys.argv[1], "w").write(json.dumps(j))
PY
expect 4 "an expired stored session" -- env -u VCENTER_PASSWORD "$cli" vm ls -q
grep -q "session login" "$work/err" && pass "says to log in again" || fail "expired session message"
[[ ! -e "$session_file" ]] && pass "the stale session file is removed" || fail "stale session file kept"
expect 0 "session login again" -- env -u VCENTER_PASSWORD "$cli" session login --password-file "$work/password"
expect 0 "VCENTER_PASSWORD_FILE" -- env -u VCENTER_PASSWORD VCENTER_PASSWORD_FILE="$work/password" "$cli" about -q
mkdir -p "$XDG_CONFIG_HOME/vsmcp"
cat >"$XDG_CONFIG_HOME/vsmcp/cli.toml" <<EOF
# profiles for the test
[profile.sim]
vcenter-host = "$url"
vcenter-user = "user"
password-file = "$work/password"
thumbprint = "$thumbprint"
EOF
expect 0 "a profile (pinned thumbprint, no CA bundle)" -- \
  env -u VCENTER_HOST -u VCENTER_USER -u VCENTER_PASSWORD -u VCENTER_CA_BUNDLE "$cli" --profile sim vm ls -q
expect 0 "VSPHERE_CLI_PROFILE" -- \
  env -u VCENTER_HOST -u VCENTER_PASSWORD -u VCENTER_CA_BUNDLE VSPHERE_CLI_PROFILE=sim "$cli" host ls -q
session_file=$(ls "$HOME"/.cache/vsmcp/sessions/* 2>/dev/null | head -1)
cp "$session_file" "$work/session.saved"
expect 0 "session logout" -- "$cli" session logout
grep -q "session ended" "$work/out" && pass "session logout ends the stored session" || fail "session logout: $(cat "$work/out")"
[[ ! -e "$session_file" ]] && pass "session logout removes the file" || fail "session file kept after logout"
cp "$work/session.saved" "$session_file"  # the old cookie no longer opens the session on vCenter
expect 4 "a logged-out session cannot be resumed" -- env -u VCENTER_PASSWORD "$cli" vm ls -q
rm -f "$session_file"
expect 2 "after logout, no password and no session" -- env -u VCENTER_PASSWORD "$cli" vm ls -q
# govc's variables, when the VCENTER_* ones are absent; GOVC_URL may carry user:password@.
govc_url="${url/:\/\//://user:pass@}"
[[ "$govc_url" == *"://user:pass@"* ]] || fail "GOVC_URL with credentials: '$govc_url'"
expect 0 "GOVC_URL with user:password@" -- \
  env -u VCENTER_HOST -u VCENTER_USER -u VCENTER_PASSWORD GOVC_URL="$govc_url" "$cli" about --json
json 'j["api_type"] == "VirtualCenter"' && pass "GOVC_URL reaches the simulator" || fail "GOVC_URL: $(cat "$work/out")"
expect 0 "GOVC_URL, GOVC_USERNAME, GOVC_PASSWORD" -- env -u VCENTER_HOST -u VCENTER_USER -u VCENTER_PASSWORD \
  GOVC_URL="$url" GOVC_USERNAME=user GOVC_PASSWORD=pass "$cli" vm ls -q
expect 4 "GOVC_PASSWORD wrong: login refused" -- env -u VCENTER_HOST -u VCENTER_USER -u VCENTER_PASSWORD \
  GOVC_URL="$url" GOVC_USERNAME=user GOVC_PASSWORD=Wr0ng-govc-pw "$cli" vm ls -q
grep -q "Wr0ng-govc-pw" "$work/err" && fail "the password is printed" || pass "never the password"
expect 0 "VCENTER_PASSWORD beats a wrong GOVC_PASSWORD" -- \
  env GOVC_URL="$govc_url" GOVC_PASSWORD=Wr0ng-govc-pw "$cli" vm ls -q
expect 0 "GOVC_INSECURE=1 without a CA bundle" -- env -u VCENTER_HOST -u VCENTER_USER -u VCENTER_PASSWORD \
  -u VCENTER_CA_BUNDLE GOVC_URL="$govc_url" GOVC_INSECURE=1 "$cli" vm ls -q
expect 4 "without GOVC_INSECURE the certificate is checked" -- env -u VCENTER_HOST -u VCENTER_USER \
  -u VCENTER_PASSWORD -u VCENTER_CA_BUNDLE GOVC_URL="$govc_url" "$cli" vm ls -q

# --- exit codes -----------------------------------------------------------------------------
expect 2 "usage: unknown flag" -- "$cli" vm ls --frobnicate
expect 2 "usage: bad choice" -- "$cli" vm ls --power-state sideways
expect 2 "usage: no vCenter" -- env -u VCENTER_HOST "$cli" vm ls
grep -q "VCENTER_HOST" "$work/err" && pass "says which setting is missing" || fail "missing setting message"
expect 3 "not found" -- "$cli" vm info no-such-vm
expect 3 "a change on a VM that does not exist" -- "$cli" vm power on no-such-vm
grep -qE "started|%" "$work/err" && fail "progress shown before the VM was resolved: $(cat "$work/err")" ||
  pass "no progress line for a VM that does not exist"
expect 3 "a destructive change on a VM that does not exist" -- "$cli" vm power off no-such-vm --yes
grep -qE "started|%" "$work/err" && fail "progress shown before the VM was resolved: $(cat "$work/err")" ||
  pass "no progress line before the dry run found the VM"
expect 4 "login refused" -- env VCENTER_PASSWORD=nope "$cli" vm ls
expect 4 "TLS: untrusted certificate" -- env -u VCENTER_CA_BUNDLE "$cli" vm ls
if [[ ${thumbprint:0:1} == A ]]; then wrong_pin="B${thumbprint:1}"; else wrong_pin="A${thumbprint:1}"; fi
expect 4 "TLS: wrong thumbprint" -- env -u VCENTER_CA_BUNDLE VCENTER_THUMBPRINT="$wrong_pin" "$cli" vm ls
expect 0 "--insecure" -- env -u VCENTER_CA_BUNDLE "$cli" --insecure vm ls -q
expect 1 "operation failed: already powered on" -- "$cli" vm power on DC0_H0_VM0
expect 5 "refused: role viewer" -- "$cli" --role viewer vm power off DC0_H0_VM0
expect 5 "refused: host not allowed" -- env VCENTER_ALLOWED_HOSTS='vc-prod.*' "$cli" vm ls

# --- destructive commands in a script -------------------------------------------------------
# A powered-on VM: its dry run is blocked, so the destroy fails at once with the reason, --yes
# or not, and vCenter is not asked to destroy it.
expect 1 "vm destroy of a powered-on VM, --yes" -- "$cli" vm destroy DC0_C0_RP0_VM1 --yes
grep -q "vm destroy failed: cannot 'vsphere-cli vm destroy' now: VM 'DC0_C0_RP0_VM1' is poweredOn: power it off first ('vsphere-cli vm power shutdown', or 'vsphere-cli vm power off'); nothing was changed" "$work/err" &&
  pass "says why, in commands" || fail "blocked destroy message: $(cat "$work/err")"
grep -q "started" "$work/err" && fail "a progress line for a refused destroy" || pass "no progress line"
expect 1 "vm destroy of a powered-on VM without --yes" -- "$cli" vm destroy DC0_C0_RP0_VM1 --json
json 'j["dry_run"] is True and j["blocked"][0].startswith("VM '"'"'DC0_C0_RP0_VM1'"'"' is poweredOn")' &&
  pass "prints the blocked dry run" || fail "blocked dry run: $(cat "$work/out")"
grep -q "cannot be done now: VM 'DC0_C0_RP0_VM1' is poweredOn" "$work/err" && pass "says it cannot be done now" ||
  fail "blocked message: $(cat "$work/err")"
expect 0 "the VM is still there" -- "$cli" vm info DC0_C0_RP0_VM1 -q
expect 0 "--dry-run of a change" -- "$cli" vm power on DC0_C0_RP0_VM1 --dry-run --json
json 'j["dry_run"] and j["details"]["operation"] == "vm_power_on" and j["details"]["arguments"]["vm"] == "DC0_C0_RP0_VM1" and j["details"]["resolved"]["vm"].startswith("vm-")' &&
  pass "dry run resolves the VM" || fail "dry run: $(cat "$work/out")"
expect 0 "--dry-run of a destructive change" -- "$cli" vm power off DC0_C0_RP0_VM1 --dry-run --json
json 'j["dry_run"] and j["would"].startswith("power off VM '"'"'DC0_C0_RP0_VM1'"'"' (vm-") and j["details"]["vm"].startswith("vm-") and j["details"]["power_state"] == "poweredOn" and "blocked" not in j' &&
  pass "its own dry run looks at the VM" || fail "destructive dry run: $(cat "$work/out")"
expect 5 "vm power off without --yes and no terminal" -- "$cli" vm power off DC0_C0_RP0_VM1
grep -q "refused: needs --yes (vsphere-cli vm power off would power off VM 'DC0_C0_RP0_VM1'" "$work/err" &&
  pass "a hard power-off needs --yes" || fail "power off refusal: $(cat "$work/err")"
grep -q "started" "$work/err" && fail "a progress line for a refused power-off" || pass "no progress line"
expect 0 "vm power off --yes (audited)" -- "$cli" --audit-log "$work/audit.jsonl" vm power off DC0_C0_RP0_VM1 --yes
grep -q '"outcome":"ok"' "$work/audit.jsonl" && grep -q '"transport":"cli"' "$work/audit.jsonl" &&
  grep -q '"approval":"cli_yes"' "$work/audit.jsonl" && pass "audit record" || fail "audit record: $(cat "$work/audit.jsonl")"
[[ $(stat -c %a "$work/audit.jsonl") == 600 ]] && pass "audit log mode 0600" || fail "audit log mode"
expect 1 "vm power off of a powered-off VM" -- "$cli" vm power off DC0_C0_RP0_VM1 --yes
grep -q "already powered off" "$work/err" && pass "says it is off already" || fail "power off twice: $(cat "$work/err")"
expect 5 "vm destroy without --yes and no terminal" -- "$cli" vm destroy DC0_C0_RP0_VM1 --json
json 'j["dry_run"] is True and "destroy VM" in j["would"] and "blocked" not in j' && pass "prints the dry run" ||
  fail "dry run output"
grep -q "refused: needs --yes" "$work/err" && pass "says it needs --yes" || fail "refusal message"
expect 0 "the VM is still there" -- "$cli" vm info DC0_C0_RP0_VM1 -q
expect 0 "vm destroy --yes" -- "$cli" vm destroy DC0_C0_RP0_VM1 --yes -q
expect 3 "the VM is gone" -- "$cli" vm info DC0_C0_RP0_VM1

# --- Ctrl-C ---------------------------------------------------------------------------------
# SIGINT while the task runs (the simulator holds PowerOffVM_Task for 1.5 s): the CLI asks to
# cancel it; this simulator finishes tasks at once, so it reports that and exits 130. The
# progress shows only once vCenter reports the task, so the audit log's "start" record (written
# when the approved call starts, before vCenter is asked) says when the task is on its way.
: >"$work/ctrl-c.jsonl"
"$cli" --audit-log "$work/ctrl-c.jsonl" vm power off DC0_H0_VM0 --yes </dev/null >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 1 100); do grep -q '"event":"start"' "$work/ctrl-c.jsonl" 2>/dev/null && break; sleep 0.05; done
grep -q '"event":"start"' "$work/ctrl-c.jsonl" || fail "the power-off did not start: $(cat "$work/err")"
grep -q "started" "$work/err" && fail "a progress line before vCenter reported the task" ||
  pass "no progress line while vCenter has not reported the task"
kill -INT "$pid"
wait "$pid"
code=$?
[[ $code == 130 ]] && pass "Ctrl-C during a task exits 130" || fail "Ctrl-C: exit $code"
grep -q "cancelling the vCenter task" "$work/err" && grep -q "had already finished" "$work/err" &&
  pass "Ctrl-C says it cancels, then that the task had finished" || fail "Ctrl-C messages: $(cat "$work/err")"
grep -q "Power off a VM DC0_H0_VM0: started" "$work/err" && pass "the progress shows once vCenter reports the task" ||
  fail "no progress line: $(cat "$work/err")"
expect 0 "power the VM on again" -- "$cli" vm power on DC0_H0_VM0 -q
# A second Ctrl-C quits at once.
: >"$work/ctrl-c.jsonl"
"$cli" --audit-log "$work/ctrl-c.jsonl" vm power off DC0_H0_VM0 --yes </dev/null >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 1 100); do grep -q '"event":"start"' "$work/ctrl-c.jsonl" 2>/dev/null && break; sleep 0.05; done
kill -INT "$pid"
for _ in $(seq 1 100); do grep -q "cancelling" "$work/err" 2>/dev/null && break; sleep 0.05; done
kill -INT "$pid"
wait "$pid"
code=$?
[[ $code == 130 ]] && pass "a second Ctrl-C quits at once with 130" || fail "second Ctrl-C: exit $code"

if ((failures)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
