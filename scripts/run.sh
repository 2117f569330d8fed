#!/usr/bin/env bash
# The README's run command: installs, builds, and runs the main program against the vCenter
# in VCENTER_HOST, or against the bundled vCenter simulator when none is configured.
#
# Until mcp-server lands (its own issue), the main program is examples/inventory.cpp
# (vsphere-inventory), which connects, prints the server and lists every VM.
#
# Environment: VCENTER_HOST (URL or host name), VCENTER_USER, VCENTER_PASSWORD or
# VCENTER_PASSWORD_FILE, VCENTER_CA_BUNDLE, VCENTER_THUMBPRINT, VCENTER_INSECURE.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
bash scripts/install-deps.sh
BUILD_DIR=build/release bash scripts/build.sh >/dev/null
program=build/release/examples/vsphere-inventory

if [[ -n "${VCENTER_PASSWORD_FILE:-}" && -z "${VCENTER_PASSWORD:-}" ]]; then
  VCENTER_PASSWORD="$(<"$VCENTER_PASSWORD_FILE")"
  export VCENTER_PASSWORD
fi

if [[ -z "${VCENTER_HOST:-}" ]]; then
  work=$(mktemp -d)
  # The simulator stops when this script's pipe to it closes (stdin EOF), and on exit.
  coproc SIM { exec build/vcsim/vcsim -cert-out "$work/ca.pem" 2>"$work/vcsim.log"; }
  trap 'kill "$SIM_PID" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
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
"$program"
