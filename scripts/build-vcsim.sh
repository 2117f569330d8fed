#!/usr/bin/env bash
# Build the vCenter simulator harness (tests/vcsim/main.go) against Debian's
# golang-github-vmware-govmomi-dev, in GOPATH mode (no module downloads).
#
# Usage: scripts/build-vcsim.sh [OUTPUT]   (default: build/vcsim/vcsim)
# Needs golang-go and golang-github-vmware-govmomi-dev installed (not done here).
# Skips the build when OUTPUT is newer than main.go. Prints nothing on success.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$repo/tests/vcsim/main.go"
out="${1:-build/vcsim/vcsim}"
case "$out" in
  /*) ;;
  *) out="$repo/$out" ;;
esac
gocode=/usr/share/gocode

if [[ -x "$out" && "$out" -nt "$src" ]]; then
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "build-vcsim: 'go' not found (install golang-go)" >&2
  exit 1
fi
if [[ ! -d "$gocode/src/github.com/vmware/govmomi/simulator" ]]; then
  echo "build-vcsim: govmomi not found under $gocode (install golang-github-vmware-govmomi-dev)" >&2
  exit 1
fi

builddir="$(dirname "$out")"
mkdir -p "$builddir"
builddir="$(cd "$builddir" && pwd)"
pkgdir="$builddir/gopath/src/vsmcp/vcsim"
mkdir -p "$pkgdir" "$builddir/gocache"
# A copy, not a symlink: go's GOPATH resolution of symlinked sources is unreliable.
cp -p "$src" "$pkgdir/main.go"

tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
(
  cd "$pkgdir"
  GO111MODULE=off \
  GOFLAGS='' \
  GOPATH="$builddir/gopath:$gocode" \
  GOCACHE="$builddir/gocache" \
  GOPROXY=off \
  CGO_ENABLED=0 \
    go build -o "$tmp" .
)
mv -f "$tmp" "$out"
