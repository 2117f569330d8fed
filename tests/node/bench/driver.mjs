// MCP stdio load driver: spawns a server, initializes, then sends N requests of one kind with
// K in flight over newline-delimited JSON-RPC, and prints throughput and latency percentiles.
//   node driver.mjs --requests N --inflight K -- <server command...>             (stdio)
//   node driver.mjs --http 1 --requests N --inflight K -- <server command...> --port 0
//     (streamable HTTP: the server prints MCP_URL=...; keep-alive fetch, one POST a request)
//   --modern 1 (either transport): the MCP 2026-07-28 client instead of the 2025-06-18 one: no
//     initialize; every request carries params._meta with io.modelcontextprotocol/protocolVersion
//     ("2026-07-28"), .../clientInfo and .../clientCapabilities, and over HTTP the headers
//     MCP-Protocol-Version, Mcp-Method and (tools/call) Mcp-Name; no session.
// Prints one JSON line per phase: {"phase":"tools/list","rps":...,"p50_ms":...,"p99_ms":...}
// and {"phase":"idle","rss_kb":...} measured after initialize (modern: after one tools/list).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const sep = args.indexOf('--');
const opts = Object.fromEntries(
  args.slice(0, sep).reduce((acc, v, i, a) => (i % 2 === 0 ? [...acc, [v.replace(/^--/, ''), a[i + 1]]] : acc), []));
const total = Number(opts.requests ?? 20000);
const inflight = Number(opts.inflight ?? 32);
const useHttp = 'http' in opts || args.slice(0, sep).includes('--http');
const modern = 'modern' in opts && opts.modern !== '0';
const kModernVersion = '2026-07-28';
// The per-request metadata of a 2026-07-28 request (the same object each time).
const modernMeta = {
  'io.modelcontextprotocol/protocolVersion': kModernVersion,
  'io.modelcontextprotocol/clientInfo': { name: 'driver', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const child = spawn(args[sep + 1], args.slice(sep + 2), { stdio: ['pipe', 'pipe', 'inherit'] });
// A failed run (a throw) must not leave the server behind; a finished one has already stopped it.
process.on('exit', () => { if (!child.killed) child.kill(); });

let buffer = '';
const waiting = new Map();
let url = null;
let urlReady;
const urlPromise = new Promise((r) => (urlReady = r));
child.stdout.setEncoding('utf8');
child.stdout.on('data', (chunk) => {
  buffer += chunk;
  let nl;
  while ((nl = buffer.indexOf('\n')) >= 0) {
    const line = buffer.slice(0, nl);
    buffer = buffer.slice(nl + 1);
    if (!line.trim()) continue;
    if (useHttp) {
      if (line.startsWith('MCP_URL=')) urlReady(line.slice(8));
      continue;
    }
    // Find the id without parsing the whole (possibly large) message, so the driver is not
    // the bottleneck: libmcp puts "id" first, the TypeScript SDK last.
    const head = '{"jsonrpc":"2.0","id":';
    let at = line.startsWith(head) ? head.length : line.lastIndexOf('"id":') + 5;
    const id = parseInt(line.slice(at, at + 20), 10);
    const w = waiting.get(id);
    if (w) {
      waiting.delete(id);
      w(line);
    }
  }
});

let nextId = 1;
let session = null;
let protocol = null;
// One JSON-RPC message over streamable HTTP: JSON or SSE reply; returns the response text.
async function post(message) {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  if (session) headers['mcp-session-id'] = session;
  if (protocol) headers['mcp-protocol-version'] = protocol;
  if (modern) {
    headers['mcp-method'] = message.method;
    // Mcp-Name: plain when it is printable ASCII without edge spaces (the bench's tool names).
    if (message.method === 'tools/call' || message.method === 'prompts/get') headers['mcp-name'] = message.params.name;
    if (message.method === 'resources/read') headers['mcp-name'] = message.params.uri;
  }
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(message) });
  if (res.headers.get('mcp-session-id')) session = res.headers.get('mcp-session-id');
  const text = await res.text();
  if (message.id === undefined) return text;
  if ((res.headers.get('content-type') || '').startsWith('text/event-stream')) {
    for (const line of text.split('\n'))
      if (line.startsWith('data:') && line.includes('"id"') && !line.includes('"method"')) return line.slice(5).trim();
    throw new Error('no response in SSE stream: ' + text.slice(0, 200));
  }
  return text;
}
function request(method, params) {
  const id = nextId++;
  if (modern) params = { ...params, _meta: modernMeta };
  if (useHttp) return post({ jsonrpc: '2.0', id, method, params });
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
  });
}
function notify(method) {
  if (useHttp) return post({ jsonrpc: '2.0', method });
  child.stdin.write(JSON.stringify({ jsonrpc: '2.0', method }) + '\n');
}
if (useHttp) url = await urlPromise;

if (modern) {
  // No initialize in 2026-07-28: one tools/list proves the server serves the era.
  protocol = kModernVersion;
  const first = JSON.parse(await request('tools/list', {}));
  if (!first.result || !Array.isArray(first.result.tools) || first.result.resultType !== 'complete')
    throw new Error('2026-07-28 tools/list failed: ' + JSON.stringify(first).slice(0, 400));
} else {
  const init = JSON.parse(await request('initialize', {
    protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'driver', version: '1' } }));
  if (!init.result) throw new Error('initialize failed: ' + JSON.stringify(init));
  protocol = init.result.protocolVersion;
  await notify('notifications/initialized');
  await request('ping', {});
}
await new Promise((r) => setTimeout(r, 300));  // let the server settle before reading its RSS
const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]);
console.log(JSON.stringify({ phase: 'idle', rss_kb: rss }));

async function phase(name, method, paramsFor) {
  const lat = new Array(total);
  let sent = 0;
  const started = process.hrtime.bigint();
  async function worker() {
    while (sent < total) {
      const i = sent++;
      const t0 = process.hrtime.bigint();
      const r = await request(method, paramsFor(i));
      // Spot-check every 1000th reply in full; the rest by a cheap error scan.
      if (i % 1000 === 0) {
        const m = JSON.parse(r);
        if (!m.result || m.result.isError) throw new Error(`${method} failed: ${r}`);
        // A 2026-07-28 result says so (resultType); a legacy one would mean the server fell back.
        if (modern && m.result.resultType !== 'complete') throw new Error(`${method}: not a 2026-07-28 result: ${r.slice(0, 300)}`);
      } else if (r.includes('"error":{') || r.includes('"isError":true')) {
        throw new Error(`${method} failed: ${r}`);
      }
      lat[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
  }
  await Promise.all(Array.from({ length: inflight }, worker));
  const secs = Number(process.hrtime.bigint() - started) / 1e9;
  lat.sort((a, b) => a - b);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))];
  console.log(JSON.stringify({ phase: name, requests: total, inflight, rps: Math.round(total / secs),
    p50_ms: +pct(50).toFixed(3), p99_ms: +pct(99).toFixed(3) }));
}

await phase('tools/list', 'tools/list', () => ({}));
await phase('tools/call', 'tools/call', (i) => ({ name: `tool_${i % 40}`, arguments: { name: `n${i}` } }));
child.stdin.end();
child.kill();
process.exit(0);
