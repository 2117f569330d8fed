#!/usr/bin/env bash
# Configures and builds the project into BUILD_DIR (default build/release).
# Environment: BUILD_DIR, BUILD_TYPE (RelWithDebInfo), VSMCP_SANITIZE (e.g. address,undefined).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
build_dir="${BUILD_DIR:-build/release}"
bash scripts/build-vcsim.sh build/vcsim/vcsim
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DVSMCP_SANITIZE="${VSMCP_SANITIZE:-}" \
  -DVSMCP_VCSIM="$repo/build/vcsim/vcsim" \
  "${launcher[@]}" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
