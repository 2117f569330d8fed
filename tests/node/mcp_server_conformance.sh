#!/usr/bin/env bash
# The official MCP conformance suite's generic server scenarios against mcp-server itself
# (streamable HTTP, against the vCenter simulator). Run through with-vcsim.sh:
#   with-vcsim.sh <vcsim> -- bash mcp_server_conformance.sh <mcp-server>   (URL and CA appended)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
server="$1" vc_url="$2" ca="$3"
export VCENTER_HOST="$vc_url" VCENTER_USER=user VCENTER_PASSWORD=pass VCENTER_CA_BUNDLE="$ca" MCP_AUDIT_LOG=off
coproc SRV { exec "$server" --transport http --port 0; }
trap 'kill "$SRV_PID" 2>/dev/null || true; wait "$SRV_PID" 2>/dev/null || true' EXIT
url=""
while IFS= read -r line <&"${SRV[0]}"; do
  case "$line" in MCP_URL=*) url="${line#MCP_URL=}"; break ;; esac
done
[[ -n "$url" ]] || { echo "mcp-server printed no MCP_URL" >&2; exit 1; }
node=../node22/node_modules/.bin/node  # the suite (0.1.16) needs Node 22: the one tests/node22 pins
failed=0
for scenario in server-initialize ping logging-set-level tools-list resources-list prompts-list \
                dns-rebinding-protection; do
  if "$node" node_modules/@modelcontextprotocol/conformance/dist/index.js server --url "$url" --scenario "$scenario"; then
    echo "ok - $scenario"
  else
    echo "not ok - $scenario"
    failed=$((failed + 1))
  fi
done
echo "$((7 - failed)) passed, $failed failed"
[[ $failed -eq 0 ]]
