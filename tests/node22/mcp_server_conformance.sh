#!/usr/bin/env bash
# The official MCP conformance suite's generic server scenarios at protocol revision 2026-07-28
# against mcp-server itself (streamable HTTP, against the vCenter simulator), judged against
# expected-failures-2026-mcp-server.yml (see conformance.sh). Run through with-vcsim.sh:
#   bash tests/node/with-vcsim.sh <vcsim> -- bash ../node22/mcp_server_conformance.sh [--update-expected] <mcp-server>
# (the simulator's URL and CA bundle are appended). The scenarios are those that need no
# fixture tool of the suite's own (the example conformance-server has those).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
update=()
if [[ "${1:-}" == "--update-expected" ]]; then update=(--update-expected); shift; fi
server="$1" vc_url="$2" ca="$3"
export VCENTER_HOST="$vc_url" VCENTER_USER=user VCENTER_PASSWORD=pass VCENTER_CA_BUNDLE="$ca" MCP_AUDIT_LOG=off
coproc SRV { exec "$server" --transport http --port 0; }
trap 'kill "$SRV_PID" 2>/dev/null || true; wait "$SRV_PID" 2>/dev/null || true' EXIT
url=""
while IFS= read -r line <&"${SRV[0]}"; do
  case "$line" in MCP_URL=*) url="${line#MCP_URL=}"; break ;; esac
done
[[ -n "$url" ]] || { echo "mcp-server printed no MCP_URL" >&2; exit 1; }
scenarios="server-stateless tools-list resources-list prompts-list dns-rebinding-protection caching
           sep-2164-resource-not-found"
bash "$here/conformance.sh" "${update[@]}" --expected-failures "$here/expected-failures-2026-mcp-server.yml" \
  --scenarios "$scenarios" "$url"
