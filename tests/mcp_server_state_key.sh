#!/usr/bin/env bash
# mcp-server's --state-key-file / MCP_STATE_KEY_FILE: a missing, empty or short file is refused
# at start with exit 2 and a message naming the option and the problem; a good key is taken
# (the server goes on to connect, here to a closed port) and never printed.
set -euo pipefail
server="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
expect() {  # expect NAME WANT_RC PATTERN -- command...
  local name="$1" want="$2" pattern="$3"
  shift 4
  set +e
  "$@" >"$work/out" 2>"$work/err" </dev/null
  local rc=$?
  set -e
  if [[ $rc -eq $want ]] && grep -q -- "$pattern" "$work/err"; then
    echo "ok - $name"
    passed=$((passed + 1))
  else
    echo "not ok - $name (exit $rc)"
    cat "$work/err"
    failed=$((failed + 1))
  fi
}
# A vCenter nobody listens on: the server fails to connect after reading its options.
export VCENTER_HOST=https://127.0.0.1:1 VCENTER_USER=u VCENTER_PASSWORD=p MCP_AUDIT_LOG=off
expect "a missing key file is refused" 2 "state-key-file '$work/none': cannot be read" -- \
  "$server" --state-key-file "$work/none"
printf 'short\n' >"$work/short"
expect "a short key is refused with its size" 2 "holds 5 bytes; a key needs at least 32" -- \
  "$server" --state-key-file "$work/short"
: >"$work/empty"
expect "an empty key file is refused, named by its variable" 2 "MCP_STATE_KEY_FILE" -- \
  env MCP_STATE_KEY_FILE="$work/empty" "$server"
key=0123456789abcdef0123456789abcdef-secret-marker
printf '%s\n' "$key" >"$work/key"
chmod 644 "$work/key"
expect "a good key is taken (the server goes on to connect) with a warning on its permissions" 2 \
  "can be read by other users" -- "$server" --state-key-file "$work/key"
grep -q "cannot connect" "$work/err" || { echo "not ok - it did not go on to connect"; failed=$((failed + 1)); }
if grep -q "secret-marker" "$work/err" "$work/out"; then
  echo "not ok - the key was printed"
  failed=$((failed + 1))
else
  echo "ok - the key is never printed"
  passed=$((passed + 1))
fi
chmod 600 "$work/key"
expect "a private key file gives no warning" 2 "cannot connect" -- "$server" --state-key-file "$work/key"
if grep -q "can be read by other users" "$work/err"; then
  echo "not ok - a private key file was warned about"
  failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
