#!/usr/bin/env bash
# The README's run command: installs, builds, and runs mcp-server on streamable HTTP at
# 127.0.0.1 against the vCenter in VCENTER_HOST, or against the bundled vCenter simulator when
# none is configured. Prints client configuration for Claude Desktop, Claude Code and VS Code.
#
# Environment: VCENTER_HOST (URL or host name), VCENTER_USER, VCENTER_PASSWORD or
# VCENTER_PASSWORD_FILE, VCENTER_CA_BUNDLE, VCENTER_THUMBPRINT, VCENTER_INSECURE, MCP_PORT
# (default 8000).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
bash scripts/install-deps.sh
BUILD_DIR=build/release bash scripts/build.sh >/dev/null
server="$repo/build/release/apps/mcp-server"
work=$(mktemp -d)
cleanup() { [[ -n "${SIM_PID:-}" ]] && kill "$SIM_PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

if [[ -z "${VCENTER_HOST:-}" ]]; then
  # The simulator stops when this script's pipe to it closes (stdin EOF), and on exit.
  coproc SIM { exec build/vcsim/vcsim -cert-out "$work/ca.pem" 2>"$work/vcsim.log"; }
  while IFS= read -r line <&"${SIM[0]}"; do
    case "$line" in
      VCSIM_URL=*) export VCENTER_HOST="${line#VCSIM_URL=}" ;;
      VCSIM_READY) break ;;
    esac
  done
  [[ -n "${VCENTER_HOST:-}" ]] || { cat "$work/vcsim.log" >&2; echo "simulator did not start" >&2; exit 1; }
  export VCENTER_USER=user VCENTER_PASSWORD=pass VCENTER_CA_BUNDLE="$work/ca.pem"
  echo "No VCENTER_HOST set: using the bundled vCenter simulator at $VCENTER_HOST"
fi
port="${MCP_PORT:-8000}"
auth_note=""
if [[ -n "${MCP_API_KEY:-}${MCP_API_KEY_FILE:-}${MCP_TOKENS_FILE:-}" ]]; then
  auth_note="  Authentication is on: add the header \"Authorization\": \"Bearer <your token>\" to the HTTP entries
  (Claude Code: --header \"Authorization: Bearer <your token>\")."
fi
cat <<CONFIG

Client configuration (HTTP, while this runs):
  Claude Code:    claude mcp add --transport http vsphere http://127.0.0.1:$port/mcp
  VS Code (.vscode/mcp.json):
    {"servers": {"vsphere": {"type": "http", "url": "http://127.0.0.1:$port/mcp"}}}

Client configuration (stdio: the client starts mcp-server itself):
  Claude Desktop (claude_desktop_config.json):
    {"mcpServers": {"vsphere": {"command": "$server",
      "env": {"VCENTER_HOST": "https://your-vcenter/sdk", "VCENTER_USER": "...", "VCENTER_PASSWORD_FILE": "/path/to/password"}}}}
  Claude Code:
    claude mcp add vsphere --env VCENTER_HOST=https://your-vcenter/sdk --env VCENTER_USER=... \
      --env VCENTER_PASSWORD_FILE=/path/to/password -- $server
  VS Code (.vscode/mcp.json):
    {"servers": {"vsphere": {"type": "stdio", "command": "$server",
      "env": {"VCENTER_HOST": "https://your-vcenter/sdk", "VCENTER_USER": "...", "VCENTER_PASSWORD_FILE": "/path/to/password"}}}}
$auth_note
Roles, rate limits and the audit log: docs/policy.md. Audit records go to stderr unless MCP_AUDIT_LOG is set.
CONFIG
"$server" --transport http --port "$port"
