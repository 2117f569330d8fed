#!/usr/bin/env bash
# Runs the official MCP conformance suite (active server scenarios) against URL ($1), with the
# expected failures listed (with reasons) in expected-failures.yml. Exits non-zero on a new
# failure or on a listed failure that now passes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
url="$1"
args=(server --url "$url")
if grep -q '^  - ' expected-failures.yml 2>/dev/null; then args+=(--expected-failures expected-failures.yml); fi
exec npx --no-install conformance "${args[@]}"
