#!/usr/bin/env bash
# vsphere-cli's completion scripts in the real shells: bash (calling the completion function
# as bash does, with COMP_WORDS) and zsh (typing TAB in a zsh under tmux, with compinit).
#   completion.sh <vsphere-cli>
set -uo pipefail
cli="$1"
work=$(mktemp -d)
sock="vsmcp-cli-completion-$$"
t() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() {
  t kill-server 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
pass() { echo "ok: $*"; }
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

"$cli" completion bash >"$work/vsphere-cli.bash" || fail "completion bash"
"$cli" completion zsh >"$work/_vsphere-cli" || fail "completion zsh"
bash -n "$work/vsphere-cli.bash" && pass "the bash script parses" || fail "bash syntax"

# complete WORDS...: what bash offers for the last word (COMP_WORDS as bash splits the line).
complete_bash() {
  bash --norc --noprofile -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    _vsphere_cli
    printf "%s\n" "${COMPREPLY[@]}"' _ "$work/vsphere-cli.bash" "$@" | sort | tr '\n' ' ' | sed 's/ $//'
}
check_bash() {  # check_bash "EXPECTED" WORDS...
  local want="$1"
  shift
  local got
  got=$(complete_bash "$@")
  [[ "$got" == "$want" ]] && pass "bash: '$*' -> $want" || fail "bash: '$*' -> '$got', wanted '$want'"
}
check_bash "vm" vsphere-cli v
check_bash "power" vsphere-cli vm po
check_bash "off on reboot reset shutdown suspend" vsphere-cli vm power ""
check_bash "rm rm-all" vsphere-cli vm snapshot rm
check_bash "poweredOff poweredOn suspended" vsphere-cli vm ls --power-state ""
check_bash "--power-state" vsphere-cli vm ls --power-s
check_bash "--json" vsphere-cli vm ls --js
check_bash "csv json table" vsphere-cli --format ""
check_bash "enter exit" vsphere-cli --profile lab host maintenance ""  # a flag's value is skipped
check_bash "bash zsh" vsphere-cli completion ""
check_bash "" vsphere-cli vm info --vm ""                            # a free value: nothing to offer
mkdir -p "$work/files" && touch "$work/files/secret.txt"
got=$(cd "$work/files" && complete_bash vsphere-cli --password-file sec)
[[ "$got" == "secret.txt" ]] && pass "bash: file names for --password-file" || fail "bash: files -> '$got'"

command -v zsh >/dev/null || { fail "zsh is missing (scripts/install-deps.sh installs it)"; exit 1; }
zsh -n "$work/_vsphere-cli" && pass "the zsh script parses" || fail "zsh syntax"
command -v tmux >/dev/null || { fail "tmux is missing (scripts/install-deps.sh installs it)"; exit 1; }
# A zsh with completion loaded and the script sourced; the program on PATH as vsphere-cli.
mkdir -p "$work/bin" "$work/zdot"
ln -s "$(cd "$(dirname "$cli")" && pwd)/$(basename "$cli")" "$work/bin/vsphere-cli"
cat >"$work/zdot/.zshrc" <<EOF
PS1='%% '
path=('$work/bin' \$path)
autoload -U compinit && compinit -u -d '$work/zcompdump'
source '$work/_vsphere-cli'
EOF
t new-session -d -s z -x 150 -y 40 "env ZDOTDIR='$work/zdot' zsh -i"
screen() { t capture-pane -p -J -t z; }
wait_for() {
  local deadline=$((SECONDS + ${2:-10}))
  while ((SECONDS < deadline)); do
    screen | grep -qE -- "$1" && return 0
    sleep 0.05
  done
  return 1
}
wait_for '^% ?$' || fail "zsh did not start"
# type_tab TEXT REGEX: types TEXT, presses TAB, expects the line (or the menu) to match.
type_tab() {
  t send-keys -t z C-u
  t send-keys -t z -l "$1"
  t send-keys -t z Tab
  if wait_for "$2" 5; then pass "zsh: '$1<TAB>' -> /$2/"; else
    fail "zsh: '$1<TAB>' did not show /$2/"
    screen >&2
  fi
  t send-keys -t z C-c
  wait_for '^% ?$' 5 || true
  t send-keys -t z C-l
}
type_tab "vsphere-cli vm po" '^% vsphere-cli vm power $'
type_tab "vsphere-cli vm snapshot rm-" '^% vsphere-cli vm snapshot rm-all $'
type_tab "vsphere-cli vm ls --power-state poweredOf" '^% vsphere-cli vm ls --power-state poweredOff $'
type_tab "vsphere-cli --form" '^% vsphere-cli --format $'
type_tab "vsphere-cli host maint" '^% vsphere-cli host maintenance $'
# Several candidates: zsh lists them with their descriptions.
type_tab "vsphere-cli vm power " 'shutdown +-- Shut down the guest OS'

if ((failures)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
