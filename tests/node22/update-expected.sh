#!/usr/bin/env bash
# Regenerates both 2026-07-28 conformance baselines from the tree as built, in one command:
#   bash tests/node22/update-expected.sh [BUILD_DIR]     (default build/release)
# expected-failures-2026.yml from examples/conformance-server, expected-failures-2026-mcp-server.yml
# from apps/mcp-server on the vCenter simulator. An entry still failing keeps its reason; a new
# one gets "not yet implemented (issue 14)". Review the diff (git diff tests/node22) before committing.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$(realpath "${1:-$repo/build/release}")"
vcsim="$(sed -n 's/^VSMCP_VCSIM:FILEPATH=//p' "$build/CMakeCache.txt")"
for f in "$build/examples/conformance-server" "$build/apps/mcp-server" "$vcsim"; do
  [[ -x "$f" ]] || { echo "update-expected.sh: $f is missing: build first (BUILD_DIR=$build bash scripts/build.sh)" >&2; exit 2; }
done
bash "$repo/tests/node22/conformance.sh" --update-expected --server "$build/examples/conformance-server"
bash "$repo/tests/node/with-vcsim.sh" "$vcsim" -- \
  bash "$repo/tests/node22/mcp_server_conformance.sh" --update-expected "$build/apps/mcp-server"
