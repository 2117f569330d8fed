#!/usr/bin/env bash
# REST gateway benchmark: wrk against rest-gateway's GET /health and GET /vms?page_size=100 (a
# 400-VM simulator behind it), and against bench-beast-hello (the barest Boost.Beast server:
# the floor for /health), side by side in one run. Prints requests/s and latency p50/p99 for
# each, and the ratios gateway/bare for /health (target: within 2x of the bare server).
#
#   bash bench/rest.sh [SECONDS] [CONNECTIONS]      (defaults 10 s and 32 connections per phase)
#
# Environment: BUILD_DIR (build/release), WRK_THREADS (2). The gateway runs as it does by
# default (2 I/O threads, 8 workers) with rate limits and the audit log off, so what is measured
# is routing, the envelope and the vCenter round trips; the bare server gets 2 I/O threads too.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
seconds="${1:-10}"
connections="${2:-32}"
threads="${WRK_THREADS:-2}"
build_dir="${BUILD_DIR:-build/release}"
bash scripts/install-deps.sh wrk   # wrk is for benchmarks only: not installed for the tests
BUILD_DIR="$build_dir" bash scripts/build.sh >/dev/null
gateway="$build_dir/apps/rest-gateway"
bare="$build_dir/bench/bench-beast-hello"
[[ -x "$bare" ]] || { echo "bench/rest.sh: $bare was not built (bench/bare_beast_hello.cpp)" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# await FILE PREFIX: the value of the first "PREFIX..." line the process writes to FILE.
await() {
  local v=""
  for _ in $(seq 1 600); do
    v=$(sed -n "s/^$2//p" "$1" | head -1)
    [[ -n "$v" ]] && { echo "$v"; return 0; }
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench/rest.sh: no '$2' line in $1" >&2
  cat "${1%.out}.err" >&2 2>/dev/null || true
  return 1
}

build/vcsim/vcsim -watch-stdin=false -vm 200 -cert-out "$work/ca.pem" >"$work/sim.out" 2>"$work/sim.err" &
pids+=($!)
vc_url=$(await "$work/sim.out" VCSIM_URL=)
for _ in $(seq 1 600); do grep -q VCSIM_READY "$work/sim.out" && break; sleep 0.1; done
grep -q VCSIM_READY "$work/sim.out" || { cat "$work/sim.err" >&2; echo "simulator did not start" >&2; exit 1; }

echo '{"read": {"rate": "off"}, "change": {"rate": "off"}}' >"$work/limits.json"
VCENTER_HOST="$vc_url" VCENTER_USER=user VCENTER_PASSWORD=pass VCENTER_CA_BUNDLE="$work/ca.pem" \
  MCP_AUDIT_LOG=off MCP_RATE_LIMITS_FILE="$work/limits.json" \
  "$gateway" --port 0 >"$work/gateway.out" 2>"$work/gateway.err" &
pids+=($!)
gw_url=$(await "$work/gateway.out" REST_URL=)

"$bare" --port 0 --threads 2 >"$work/bare.out" 2>"$work/bare.err" &
pids+=($!)
bare_url=$(await "$work/bare.out" URL=)

vms=$(curl -sf "$gw_url/vms?page_size=100")
count=$(grep -o '"count":[0-9]*' <<<"$vms" | cut -d: -f2)
total=$(grep -o '"total_count":[0-9]*' <<<"$vms" | cut -d: -f2)
[[ "$count" == 100 ]] || { echo "bench/rest.sh: GET /vms?page_size=100 gave $count VMs: $vms" >&2; exit 1; }
echo "simulator: $total VMs; gateway $gw_url; bare Beast $bare_url"
echo "wrk: $threads threads, $connections connections, ${seconds} s per phase, on $(nproc) CPUs"

# measure NAME URL: runs wrk, prints its figures, sets rps_NAME p50_NAME p99_NAME (ms).
measure() {
  local name="$1" url="$2" out
  out=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency "$url")
  if grep -q -e 'Non-2xx' -e 'Socket errors' <<<"$out"; then
    echo "$out" >&2
    echo "bench/rest.sh: $name: errors during the run" >&2
    exit 1
  fi
  local rps p50 p99
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0;
                                else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'; }
  printf -v "rps_$name" '%s' "$rps"
  printf -v "p50_$name" '%s' "$(ms "$p50")"
  printf -v "p99_$name" '%s' "$(ms "$p99")"
  printf '%-34s %10.0f req/s   p50 %8s ms   p99 %8s ms\n' "$3" "$rps" "$(ms "$p50")" "$(ms "$p99")"
}

measure bare "$bare_url/health" "bench-beast-hello GET /health"
measure health "$gw_url/health" "rest-gateway GET /health"
measure vms "$gw_url/vms?page_size=100" "rest-gateway GET /vms?page_size=100"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
rps_ratio=$(ratio "$rps_health" "$rps_bare")
echo "GET /health, gateway/bare: throughput $(ratio "$rps_health" "$rps_bare")x," \
  "p50 $(ratio "$p50_health" "$p50_bare")x, p99 $(ratio "$p99_health" "$p99_bare")x"
if awk -v r="$rps_ratio" 'BEGIN { exit !(r >= 0.5) }'; then
  echo "target (gateway /health within 2x of the bare server's throughput): met"
else
  echo "target (gateway /health within 2x of the bare server's throughput): NOT met"
fi
