#!/usr/bin/env bash
# Starts an MCP HTTP server binary on port 0, reads its "MCP_URL=" line, runs a command with
# the URL appended (from this folder), and stops the server.
#   run-http.sh <server-binary> -- <command...>
set -euo pipefail
server="$1"; shift
[[ "$1" == "--" ]] && shift
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
coproc SRV { exec "$server" --port 0; }
trap 'kill "$SRV_PID" 2>/dev/null || true; wait "$SRV_PID" 2>/dev/null || true' EXIT
url=""
while IFS= read -r line <&"${SRV[0]}"; do
  case "$line" in MCP_URL=*) url="${line#MCP_URL=}"; break ;; esac
done
[[ -n "$url" ]] || { echo "server printed no MCP_URL" >&2; exit 1; }
cd "$here"
"$@" "$url"
