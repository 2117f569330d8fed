#!/usr/bin/env bash
# Starts the vCenter simulator (tests/vcsim), then runs a command with its URL and CA bundle
# appended, from this folder; stops the simulator afterwards.
#   with-vcsim.sh <vcsim-binary> [simulator flags...] -- <command...>
set -euo pipefail
sim="$1"; shift
sim_args=()
while [[ $# -gt 0 && "$1" != "--" ]]; do sim_args+=("$1"); shift; done
[[ "${1:-}" == "--" ]] && shift
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work=$(mktemp -d)
coproc SIM { exec "$sim" -cert-out "$work/ca.pem" "${sim_args[@]}"; }
trap 'kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; rm -rf "$work"' EXIT
url=""
while IFS= read -r line <&"${SIM[0]}"; do
  case "$line" in
    VCSIM_URL=*) url="${line#VCSIM_URL=}" ;;
    VCSIM_READY) break ;;
  esac
done
[[ -n "$url" ]] || { echo "simulator did not start" >&2; exit 1; }
cd "$here"
"$@" "$url" "$work/ca.pem"
