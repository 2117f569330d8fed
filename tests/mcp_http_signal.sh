#!/usr/bin/env bash
# An HTTP MCP server stops cleanly on SIGTERM and SIGINT (exit 0, "stopped" logged), whichever
# of its threads the signal lands on; and a call in flight when the signal arrives still gets
# its response (over curl, on the POST's SSE stream) before the exit.
set -euo pipefail
server="$1"
passed=0
fail() { echo "$1"; [[ -n "${2:-}" ]] && cat "$2"; echo "$passed passed, 1 failed"; exit 1; }
for sig in TERM INT; do
  log=$(mktemp)
  coproc SRV { exec "$server" --port 0 2>"$log"; }
  pid=$SRV_PID
  IFS= read -r line <&"${SRV[0]}"
  [[ "$line" == MCP_URL=* ]] || { echo "no MCP_URL line: $line"; exit 1; }
  kill -s "$sig" "$pid"
  set +e
  wait "$pid"
  rc=$?
  set -e
  if [[ $rc -ne 0 ]] || ! grep -q "stopped" "$log"; then
    fail "SIG$sig: exit $rc" "$log"
  fi
  rm -f "$log"
  passed=$((passed + 1))
done

# A call in flight on SIGTERM: test_slow counts to 40 in about 2 s, well within the 10 s drain.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
coproc SRV { exec "$server" --port 0 2>"$work/log"; }
pid=$SRV_PID
IFS= read -r line <&"${SRV[0]}"
[[ "$line" == MCP_URL=* ]] || { echo "no MCP_URL line: $line"; exit 1; }
url=${line#MCP_URL=}
h=(-H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream')
curl -sf -D "$work/head" -o /dev/null "${h[@]}" "$url" -d \
  '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"sh","version":"1"}}}'
sid=$(grep -i '^mcp-session-id:' "$work/head" | cut -d' ' -f2 | tr -d '\r')
[[ -n "$sid" ]] || fail "no session id" "$work/head"
curl -sf -o /dev/null "${h[@]}" -H "Mcp-Session-Id: $sid" "$url" -d '{"jsonrpc":"2.0","method":"notifications/initialized"}'
: >"$work/call"  # exists before tail opens it
curl -sN "${h[@]}" -H "Mcp-Session-Id: $sid" "$url" -o "$work/call" -d \
  '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"test_slow","arguments":{"steps":40},"_meta":{"progressToken":"t"}}}' &
call=$!
# The call runs once its first progress event arrived (tail -f waits for it, at most 10 s).
{ timeout 10 tail -n +1 -f "$work/call" || true; } | grep -q -m1 '"step 1"' || fail "the call did not start" "$work/call"
kill -s TERM "$pid"
set +e
wait "$call"
wait "$pid"
rc=$?
set -e
[[ $rc -eq 0 ]] || fail "exit $rc after SIGTERM with a call in flight" "$work/log"
grep -q '"id":2,"result":{"content":\[{"type":"text","text":"counted to 40"}\]' "$work/call" ||
  fail "the call in flight lost its response on SIGTERM:" "$work/call"
grep -q "draining" "$work/log" || fail "no draining log line" "$work/log"
passed=$((passed + 1))
echo "$passed passed, 0 failed"
