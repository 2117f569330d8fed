#!/usr/bin/env bash
# An HTTP MCP server stops cleanly on SIGTERM and SIGINT (exit 0, "stopped" logged), whichever
# of its threads the signal lands on.
set -euo pipefail
server="$1"
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
    echo "SIG$sig: exit $rc"; cat "$log"; rm -f "$log"
    echo "0 passed, 1 failed"; exit 1
  fi
  rm -f "$log"
done
echo "2 passed, 0 failed"
