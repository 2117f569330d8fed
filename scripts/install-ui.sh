#!/usr/bin/env bash
# Installs the browser assets rest-gateway serves at /docs (swagger-ui-dist) and /redoc (redoc)
# into ui/node_modules, pinned by ui/package-lock.json; runs npm ci only when node_modules is
# missing or older than the lockfile. Point the gateway at them with
# `--ui-assets ui/node_modules` (or REST_UI_ASSETS); without them the pages use a CDN.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo/ui"
if [[ ! -d node_modules || package-lock.json -nt node_modules ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules
fi
