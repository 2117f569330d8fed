#!/usr/bin/env bash
# MCP server benchmark: the same 40-tool server on libmcp (bench-mcp-server) and on the
# official TypeScript SDK (tests/node/bench/ts-server.mjs), driven side by side in one run by
# the same driver (tests/node/bench/driver.mjs) with 32 requests in flight, over stdio and over
# streamable HTTP. Prints throughput, p50/p99 for tools/list and a trivial tools/call, idle
# RSS, and the ratios.
#   bash bench/mcp.sh [STDIO_REQUESTS] [HTTP_REQUESTS]     (defaults 20000 and 5000 per phase)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
stdio_requests="${1:-20000}"
http_requests="${2:-5000}"
bash scripts/install-deps.sh
[[ -d tests/node/node_modules ]] || (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
BUILD_DIR=build/release bash scripts/build.sh >/dev/null
ours_bin="$repo/build/release/bench/bench-mcp-server"
cd tests/node/bench
export NODE_NO_WARNINGS=1
run() { node driver.mjs "$@" 2>/dev/null; }
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
