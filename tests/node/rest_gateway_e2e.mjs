// rest-gateway end to end against the vCenter simulator, with Node's fetch as the HTTP client.
//   node rest_gateway_e2e.mjs <rest-gateway binary> <vcsim binary> <vcsim url> <ca bundle>
// The simulator must run with -password "$VC_PASSWORD" below.
//
// Every route of apps/rest-gateway/routes.cpp is requested at least once, and each change is
// checked by an independent read (a GET after the task finished, the events vCenter recorded).
// Every reply is checked for the envelope (success, message, ISO 8601 timestamp, data or
// error_code + error_details); the last checks fail naming any route or any status code of the
// issue's list that was never seen. Gateways started here:
//   main    service account, no tokens (anonymous on loopback), logins, rate limits off
//   keys    API tokens with roles (tokens file), a strictly rate-limited principal, --no-login
//   doomed  its own simulator (with slow power-ons, for queued tasks), which is then stopped:
//           /health and vCenter calls must answer 503
//   short   no service account (logins only), tokens that live 60 s: checked at the end
//   faulty  its own plain-HTTP simulator behind a proxy that answers MarkAsTemplate with
//           vCenter's SystemError fault: a vCenter internal error must answer 500
// Secrets (the simulator's password, a wrong one, API tokens) must never appear in a reply, in
// a gateway's stderr or in its audit log.
//
// Simulator inventory: datacenter DC0; cluster DC0_C0 with hosts DC0_C0_H0..H2 and VMs
// DC0_C0_RP0_VM0..1; standalone host DC0_H0 with VMs DC0_H0_VM0..1; datastore LocalDS_0;
// networks "VM Network", DC0_DVPG0. Alarms armed at start (tests/CMakeLists.txt): red on
// DC0_C0_RP0_VM0, yellow on DC0_C0_H1.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { check, finish } from './harness.mjs';
import { contentLibrary } from './vapi.mjs';

const [binary, vcsimBinary, vcUrl, ca] = process.argv.slice(2);
const VC_PASSWORD = 'e2e-Rest-Pw-7Qx3k';
const WRONG_PASSWORD = 'Wrong-Pw-Zz81-unique';
const TOKENS = {
  vic: 'viewer-token-4c1d9e7b55',
  opal: 'operator-token-71aa0c3e9d',
  ada: 'admin-token-b0b0cafe4321',
  lim: 'limited-token-6e5d4c3b2a19',
};
const SECRETS = [VC_PASSWORD, WRONG_PASSWORD, ...Object.values(TOKENS)];
// A name with a space, a slash, quotes and non-ASCII letters: it must work as a path segment.
// (govmomi 0.24's simulator crashes creating a VM whose name has a '/', as it makes the VM's
// folder from the name; so the VM is created as CREATED and renamed to ODD.)
const ODD = 'e2e vm/ü "q" it\'s ✓';
const CREATED = 'e2e vm ü "q" it\'s ✓';
const CLONE = 'e2e-clone «ñ»';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsmcp-rest-'));
const children = [];
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});
const file = (name, content) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
};
const noLimits = file('no-limits.json', { read: { rate: 'off' }, change: { rate: 'off' } });
const tokensFile = file('tokens.json', {
  tokens: [
    { name: 'vic', role: 'viewer', token: TOKENS.vic },
    { name: 'opal', role: 'operator', token: TOKENS.opal },
    { name: 'ada', role: 'admin', token: TOKENS.ada },
    { name: 'lim', role: 'operator', token: TOKENS.lim },
  ],
});
const keyLimits = file('key-limits.json', {
  read: { rate: 'off' },
  change: { rate: 'off' },
  principals: { lim: { change: { rate: '1/h', burst: 1 }, read: { rate: '1/h', burst: 2 } } },
});

// ---- routes.cpp: the routes that must all be requested -----------------------------------

const routesSource = fs.readFileSync(new URL('../../apps/rest-gateway/routes.cpp', import.meta.url), 'utf8');
const ROUTES = [];
for (const m of routesSource.matchAll(/^\s*(native|op|list)\(\s*(?:"([A-Z]+)",\s*)?"(\/[^"]*)"/gm)) {
  const [, kind, method, route] = m;
  ROUTES.push({ method: kind === 'list' ? 'GET' : method, path: route, segments: route.split('/').filter(Boolean) });
}
const requested = new Set();   // "GET /vms/{id}" of every route a request reached
const statusesSeen = new Set();

// The route a request reaches, as the gateway matches it (first match in table order).
function routeOf(method, rawPath) {
  let segments;
  try {
    segments = rawPath.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return null;
  }
  if (segments.length === 1 && segments[0] === '') segments = [];
  if (method === 'HEAD') method = 'GET';
  for (const r of ROUTES) {
    if (r.method !== method || r.segments.length !== segments.length) continue;
    if (r.segments.every((p, i) => (p.startsWith('{') && p.endsWith('}') && segments[i] !== '') || p === segments[i]))
      return `${r.method} ${r.path}`;
  }
  return null;
}

// ---- starting gateways and simulators ------------------------------------------------------

// Starts a process and resolves with the first match of `pattern` on its stdout.
function startProcess(command, args, env, pattern, name) {
  const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let out = '', err = '';
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? signal)));
  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = pattern.exec(out);
      if (m) resolve(m[1]);
    });
    exited.then((code) => reject(new Error(`${name} exited with ${code}: ${err}`)));
  });
  return { child, ready, exited, stderr: () => err, stdout: () => out };
}

async function startGateway(name, { args = [], env = {}, url = vcUrl, caFile = ca, serviceAccount = true } = {}) {
  const audit = path.join(dir, `audit-${name}.log`);
  const account = serviceAccount ? { VCENTER_USER: 'user', VCENTER_PASSWORD: VC_PASSWORD } : {};
  const p = startProcess(binary, ['--port', '0', ...args],
    { PATH: process.env.PATH, VCENTER_HOST: url, ...account, VCENTER_CA_BUNDLE: caFile, MCP_AUDIT_LOG: audit, ...env },
    /REST_URL=(\S+)/, `rest-gateway (${name})`);
  const base = await p.ready;
  return { name, base, audit, ...p };
}

// A second simulator of our own (the one of with-vcsim.sh must stay up).
async function startSimulator(extraArgs, { tls = true } = {}) {
  const certOut = path.join(dir, `sim-${children.length}.pem`);
  // (its certificate is written before it says VCSIM_READY)
  const certArgs = tls ? ['-cert-out', certOut] : ['-tls=false'];
  const p = startProcess(vcsimBinary, [...certArgs, '-password', VC_PASSWORD, ...extraArgs],
    { PATH: process.env.PATH }, /VCSIM_URL=(\S+)[\s\S]*VCSIM_READY/, 'vcsim');
  return { url: await p.ready, ca: tls ? certOut : '', ...p };
}

// vCenter's answer when it fails internally (vpxd's SystemError fault).
const SYSTEM_ERROR = '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope ' +
  'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
  '<soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>A general system error ' +
  'occurred: vpxd lost its database connection</faultstring><detail><SystemErrorFault xmlns="urn:vim25" ' +
  'xsi:type="SystemError"><reason>vpxd lost its database connection</reason></SystemErrorFault></detail>' +
  '</soapenv:Fault></soapenv:Body></soapenv:Envelope>';

// A plain-HTTP proxy to a plain-HTTP simulator that answers every `method` call with
// SYSTEM_ERROR and forwards the rest; resolves with its /sdk URL.
async function faultProxy(target, method) {
  const t = new URL(target);
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (body.includes(`<${method}`)) {
        res.writeHead(500, { 'content-type': 'text/xml; charset=utf-8' });
        res.end(SYSTEM_ERROR);
        return;
      }
      const up = http.request({ host: t.hostname, port: t.port, path: req.url, method: req.method, headers: req.headers },
        (ur) => { res.writeHead(ur.statusCode, ur.headers); ur.pipe(res); });
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  proxies.push(server);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${server.address().port}/sdk`;
}
const proxies = [];

// ---- requests and the envelope -------------------------------------------------------------

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function checkEnvelope(r) {
  const b = r.body;
  const where = `${r.method} ${r.path} -> ${r.status}: ${r.text.slice(0, 300)}`;
  assert.equal(typeof b, 'object', `not a JSON object: ${where}`);
  assert.equal(b.success, r.status < 400, `success: ${where}`);
  assert.equal(typeof b.message, 'string', `message: ${where}`);
  assert.ok(b.message.length > 0, `empty message: ${where}`);
  assert.match(b.timestamp ?? '', ISO, `timestamp: ${where}`);
  assert.ok(Math.abs(Date.parse(b.timestamp) - Date.now()) < 5 * 60 * 1000, `timestamp is not now: ${where}`);
  if (b.success) {
    assert.ok('data' in b, `no data: ${where}`);
    assert.equal(b.error_code, undefined, `error_code on success: ${where}`);
  } else {
    assert.match(b.error_code ?? '', /^[A-Z][A-Z_]*$/, `error_code: ${where}`);
    assert.equal(typeof b.error_details, 'object', `error_details: ${where}`);
    assert.ok(b.error_details !== null && !Array.isArray(b.error_details), `error_details: ${where}`);
    assert.equal(b.data, undefined, `data on an error: ${where}`);
  }
  if ('total_count' in b || 'page_info' in b) {
    assert.ok(Number.isInteger(b.total_count) && b.total_count >= 0, `total_count: ${where}`);
    assert.ok(Array.isArray(b.data), `a list's data is not an array: ${where}`);
  }
  if ('page_info' in b) {
    const p = b.page_info;
    for (const k of ['page_size', 'offset', 'count']) assert.ok(Number.isInteger(p[k]), `page_info.${k}: ${where}`);
    assert.equal(typeof p.has_more, 'boolean', `page_info.has_more: ${where}`);
    assert.equal(typeof p.first_page_only, 'boolean', `page_info.first_page_only: ${where}`);
    assert.ok(p.next_cursor === null || typeof p.next_cursor === 'string', `page_info.next_cursor: ${where}`);
    assert.equal(p.count, b.data.length, `page_info.count: ${where}`);
    assert.ok(p.count <= p.page_size, `more items than page_size: ${where}`);
  }
}

// One request. `auth`: a token string (Authorization: Bearer), or {apiKey}. `body`: an object
// (sent as JSON) or a string (sent as is, with `type`). Returns {status, headers, text, body}.
async function api(gw, method, urlPath, { auth, body, type, headers = {} } = {}) {
  const h = { ...headers };
  if (typeof auth === 'string') h.authorization = `Bearer ${auth}`;
  else if (auth?.apiKey) h['x-api-key'] = auth.apiKey;
  let payload;
  if (body !== undefined) {
    payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
    h['content-type'] = type ?? 'application/json';
  }
  const res = await fetch(gw.base + urlPath, { method, headers: h, body: payload });
  const text = await res.text();
  const r = { method, path: urlPath, status: res.status, headers: res.headers, text, body: undefined };
  try {
    r.body = JSON.parse(text);
  } catch {}
  statusesSeen.add(res.status);
  const pathOnly = urlPath.split('?')[0];
  const route = routeOf(method, pathOnly);
  if (route && res.status !== 405) requested.add(route);
  for (const s of SECRETS) {
    assert.ok(!text.includes(s), `a secret in the reply to ${method} ${urlPath}`);
    for (const [, v] of res.headers) assert.ok(!v.includes(s), `a secret in a header of ${method} ${urlPath}`);
  }
  const json = (res.headers.get('content-type') ?? '').startsWith('application/json');
  if (json && pathOnly !== '/openapi.json') checkEnvelope(r);
  return r;
}

const enc = encodeURIComponent;

// A successful reply: its data.
async function data(gw, method, p, o) {
  const r = await api(gw, method, p, o);
  assert.equal(r.status, 200, `${method} ${p}: ${r.status} ${r.text.slice(0, 500)}`);
  return r.body.data;
}
const read = (gw, p, o) => data(gw, 'GET', p, o);

// An error reply with this status and error_code; returns the reply.
async function fails(gw, method, p, status, code, o = {}) {
  const r = await api(gw, method, p, o);
  assert.equal(r.status, status, `${method} ${p}: expected ${status}, got ${r.status} ${r.text.slice(0, 500)}`);
  if (code) assert.equal(r.body.error_code, code, `${method} ${p}: ${r.text.slice(0, 500)}`);
  return r;
}

// A 422 naming `field`.
async function invalid(gw, method, p, field, o = {}) {
  const r = await fails(gw, method, p, 422, 'VALIDATION_ERROR', o);
  assert.equal(r.body.error_details.field, field, `${method} ${p}: ${r.text}`);
  return r;
}

// Polls a task (with a short pause between reads, within an overall deadline) until it ends.
async function waitTask(gw, id, auth, deadlineMs = 60000) {
  const end = Date.now() + deadlineMs;
  for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
    const t = await read(gw, `/tasks/${id}`, { auth });
    assert.equal(t.id, id);
    assert.ok(Number.isInteger(t.progress) && t.progress >= 0 && t.progress <= 100, JSON.stringify(t));
    if (['success', 'error', 'cancelled'].includes(t.state)) return t;
    assert.ok(['queued', 'running'].includes(t.state), JSON.stringify(t));
    assert.ok(Date.now() < end, `task ${id} still ${t.state}`);
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

// A request answered 202 with a task; resolves with the finished task (any end state).
async function submit(gw, method, p, o = {}) {
  const r = await api(gw, method, p, o);
  assert.equal(r.status, 202, `${method} ${p}: ${r.status} ${r.text.slice(0, 500)}`);
  const t = r.body.data;
  assert.match(t.id, /^t-[0-9a-f]+$/);
  assert.equal(r.headers.get('location'), `/tasks/${t.id}`);
  assert.equal(t.href, `/tasks/${t.id}`);
  assert.ok(['queued', 'running', 'success', 'error'].includes(t.state), t.state);
  assert.match(t.created, ISO);
  return waitTask(gw, t.id, o.auth);
}
// ... that must succeed: the task's result.
async function run(gw, method, p, o = {}) {
  const t = await submit(gw, method, p, o);
  assert.equal(t.state, 'success', `${method} ${p}: ${JSON.stringify(t)}`);
  assert.equal(t.progress, 100);
  assert.match(t.finished, ISO);
  return t.result;
}

// Every page of a list, following next_cursor.
async function walk(gw, p, pageSize, o) {
  const items = [];
  let cursor = null, pages = 0, total = null;
  do {
    const sep = p.includes('?') ? '&' : '?';
    const r = await api(gw, 'GET', `${p}${sep}page_size=${pageSize}${cursor ? `&cursor=${enc(cursor)}` : ''}`, o);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.page_info.page_size, pageSize);
    assert.equal(r.body.page_info.offset, items.length);
    total ??= r.body.total_count;
    assert.equal(r.body.total_count, total);
    items.push(...r.body.data);
    cursor = r.body.page_info.next_cursor;
    assert.equal(r.body.page_info.has_more, cursor !== null);
    pages++;
    assert.ok(pages <= 1000, 'the cursor walk does not end');
  } while (cursor);
  assert.equal(items.length, total);
  return { items, pages };
}

const vmOf = async (gw, vm, o) => (await read(gw, `/vms/${enc(vm)}`, o)).vm;
const hostOf = async (gw, host) => (await read(gw, `/hosts/${enc(host)}`)).host;
const vmNames = async (gw, query = '') => (await read(gw, `/vms?page_size=2000${query}`)).map((v) => v.name);

// The events of one type vCenter recorded (newest first).
async function events(gw, type) {
  return read(gw, `/events?type=${enc(type)}&max_count=1000`);
}
// Polls until `fn` returns a truthy value (within a deadline); returns it.
async function eventually(what, fn, deadlineMs = 20000) {
  const end = Date.now() + deadlineMs;
  for (let pause = 10; ; pause = Math.min(pause * 2, 500)) {
    const v = await fn();
    if (v) return v;
    assert.ok(Date.now() < end, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}
const auditRecords = (gw) =>
  fs.readFileSync(gw.audit, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

// ---- the gateways --------------------------------------------------------------------------

// The doomed gateway's simulator answers PowerOnVM_Task slowly, so that its task workers (4)
// can all be kept busy and a further request stays queued.
const doomedSim = await startSimulator(['-method-delay', 'PowerOnVM_Task:2500']);
const faultySim = await startSimulator([], { tls: false });
const faultyUrl = await faultProxy(faultySim.url, 'MarkAsTemplate');
const [main, keys, doomed, short, faulty] = await Promise.all([
  startGateway('main', { env: { MCP_RATE_LIMITS_FILE: noLimits } }),
  startGateway('keys', { args: ['--no-login'], env: { MCP_TOKENS_FILE: tokensFile, MCP_RATE_LIMITS_FILE: keyLimits } }),
  startGateway('doomed', { url: doomedSim.url, caFile: doomedSim.ca, env: { MCP_RATE_LIMITS_FILE: noLimits } }),
  startGateway('short', { args: ['--session-ttl', '60'], serviceAccount: false }),
  startGateway('faulty', { url: faultyUrl, caFile: '', env: { MCP_RATE_LIMITS_FILE: noLimits } }),
]);
const gateways = [main, keys, doomed, short, faulty];

try {
  // ---- service routes ----------------------------------------------------------------------

  await check('GET / welcomes and points to the docs', async () => {
    const w = await read(main, '/');
    assert.equal(w.docs, '/docs');
    assert.equal(w.redoc, '/redoc');
    assert.equal(w.openapi, '/openapi.json');
    assert.equal(w.health, '/health');
    assert.equal(w.login, 'POST /auth/login');
    assert.equal(typeof w.version, 'string');
    assert.equal((await read(keys, '/')).login, 'disabled');  // public even with tokens
  });

  await check('GET /health: version, uptime, vCenter reachable', async () => {
    const h = await eventually('the first reachability check',
      async () => { const d = await read(main, '/health'); return d.vcenter.reachable === true && d; });
    assert.equal(h.status, 'ok');
    assert.equal(h.version, (await read(main, '/')).version);
    assert.ok(Number.isInteger(h.uptime_seconds) && h.uptime_seconds >= 0);
    assert.equal(h.vcenter.host, new URL(vcUrl).hostname);
    assert.match(h.vcenter.checked, ISO);
    assert.equal(typeof h.vcenter.latency_ms, 'number');
    assert.equal((await api(keys, 'GET', '/health')).status, 200);  // public with tokens too
  });

  await check('GET /openapi.json: OpenAPI 3.1 with every route of routes.cpp and its method', async () => {
    const r = await api(main, 'GET', '/openapi.json');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    const doc = JSON.parse(r.text);
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(ROUTES.length >= 50, `only ${ROUTES.length} routes parsed from routes.cpp`);
    for (const route of ROUTES) {
      // /docs and /redoc are the HTML pages that show this document, not API operations.
      if (route.path === '/docs' || route.path === '/redoc') continue;
      const o = doc.paths[route.path]?.[route.method.toLowerCase()];
      assert.ok(o, `openapi.json lacks ${route.method} ${route.path}`);
      assert.ok(['200', '201', '202'].some((c) => o.responses[c]), `${route.method} ${route.path}: no 200/201/202`);
      for (const name of route.segments.filter((s) => s.startsWith('{')))
        assert.ok(o.parameters.some((p) => p.in === 'path' && `{${p.name}}` === name), `${route.path}: ${name}`);
    }
    const vmList = doc.paths['/vms'].get;
    for (const p of ['page_size', 'cursor', 'first_page_only', 'name', 'power_state'])
      assert.ok(vmList.parameters.some((x) => x.name === p && x.in === 'query'), `GET /vms lacks ${p}`);
    assert.ok(doc.paths['/vms/{id}'].delete.parameters.some((x) => x.name === 'confirm'));
    assert.ok(doc.paths['/vms'].post.responses['202']);
    assert.ok(doc.paths['/vms/{id}'].patch.requestBody.content['application/json'].schema.properties.memory_mb);
  });

  await check('GET /docs and /redoc: HTML pages over /openapi.json', async () => {
    for (const p of ['/docs', '/redoc']) {
      const r = await api(main, 'GET', p);
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type'), /^text\/html/);
      assert.match(r.text, /<html/);
      assert.ok(r.text.includes('/openapi.json'), p);
    }
  });

  await check('unknown paths get 404, other methods 405 with Allow', async () => {
    for (const p of ['/nope', '/vms/DC0_H0_VM0/nope', '/vms/DC0_H0_VM0/power', '/tasks/x/y/z'])
      await fails(main, 'GET', p, 404, 'NOT_FOUND');
    const cases = [['PUT', '/vms', ['GET', 'POST']], ['DELETE', '/health', ['GET']],
                   ['GET', '/vms/x/power/on', ['POST']], ['PUT', '/vms/x', ['DELETE', 'GET', 'PATCH']],
                   ['GET', '/auth/login', ['POST']], ['DELETE', '/tasks/t-1', ['GET']]];
    for (const [method, p, allow] of cases) {
      const r = await fails(main, method, p, 405, 'METHOD_NOT_ALLOWED');
      assert.deepEqual(r.headers.get('allow').split(/,\s*/).sort(), allow, `${method} ${p}`);
    }
    await fails(main, 'GET', '/vms/%zz', 400, 'BAD_REQUEST');  // a bad percent-escape
  });

  await check('a trailing slash or an empty segment is no route: 404 (naming the route meant), never an empty id', async () => {
    const cases = [['GET', '/vms/', '/vms'], ['GET', '/hosts/', '/hosts'], ['GET', '/tasks/', '/tasks'],
                   ['GET', '/vms/DC0_H0_VM0/', '/vms/DC0_H0_VM0'], ['GET', '/vms/DC0_H0_VM0//', '/vms/DC0_H0_VM0'],
                   ['GET', '/health/', '/health'], ['POST', '/vms/', '/vms'], ['DELETE', '/vms/', '/vms'],
                   ['POST', '/vms/DC0_H0_VM0/power/on/', '/vms/DC0_H0_VM0/power/on']];
    for (const [method, p, meant] of cases) {
      const r = await fails(main, method, p, 404, 'NOT_FOUND', method === 'POST' ? { body: {} } : {});
      assert.equal(r.body.error_details.did_you_mean, meant, `${method} ${p}: ${r.text}`);
      assert.ok(r.body.message.includes(meant), r.body.message);
    }
    const tasksBefore = (await api(main, 'GET', '/tasks')).body.total_count;
    for (const [method, p] of [['GET', '/vms//snapshots'], ['POST', '/vms//power/on'], ['DELETE', '/vms/?confirm=true'],
                               ['GET', '/tasks//'], ['POST', '/tasks//cancel'], ['DELETE', '/resources/DC0_H0_VM0/tags/']]) {
      const r = await fails(main, method, p, 404, 'NOT_FOUND');
      assert.ok(!/VALIDATION|field/.test(r.text), `${method} ${p}: ${r.text}`);
    }
    assert.equal((await api(main, 'GET', '/tasks')).body.total_count, tasksBefore);  // nothing was submitted
    const nowhere = await fails(main, 'GET', '/nope/', 404, 'NOT_FOUND');
    assert.equal(nowhere.body.error_details.did_you_mean, undefined);
  });

  let shortToken, shortLogoutsBefore;
  await check('without a service account only logins work; a login token lives --session-ttl seconds', async () => {
    const h = await read(short, '/health');
    assert.equal(h.vcenter.reachable, null);
    assert.match(h.vcenter.note, /no service account/);
    const anonymous = await fails(short, 'GET', '/vms', 401, 'UNAUTHENTICATED');
    assert.match(anonymous.body.message, /POST \/auth\/login/);
    shortLogoutsBefore = (await events(main, 'UserLogoutSessionEvent')).events.length;
    const login = await data(short, 'POST', '/auth/login', { body: { username: 'user', password: VC_PASSWORD } });
    assert.equal(login.expires_in, 60);
    assert.ok(Math.abs(Date.parse(login.expires_at) - (Date.now() + 60000)) < 10000, login.expires_at);
    shortToken = login.token;
    assert.equal((await api(short, 'GET', '/vms', { auth: shortToken })).body.total_count, 4);
    // (it expires while the rest runs: see the end)
  });

  // ---- lists: paging, cursors, filters, validation --------------------------------------------

  const listKinds = [
    { list: '/vms', get: '/vms', key: 'vm', names: ['DC0_C0_RP0_VM0', 'DC0_C0_RP0_VM1', 'DC0_H0_VM0', 'DC0_H0_VM1'] },
    { list: '/hosts', get: '/hosts', key: 'host', names: ['DC0_C0_H0', 'DC0_C0_H1', 'DC0_C0_H2', 'DC0_H0'] },
    { list: '/clusters', get: '/clusters', key: 'cluster', names: ['DC0_C0'] },
    { list: '/datacenters', get: '/datacenters', key: 'datacenter', names: ['DC0'] },
    { list: '/datastores', get: '/datastores', key: 'datastore', names: ['LocalDS_0'] },
    { list: '/networks', get: '/networks', key: 'network', names: ['VM Network', 'DC0_DVPG0'] },
    { list: '/resource-pools', get: '/resource-pools', key: 'resource_pool', names: ['Resources'] },
    { list: '/folders', get: '/folders', key: 'folder', names: ['vm', 'host', 'datastore', 'network'] },
  ];
  for (const { list, get: getPath, key, names } of listKinds) {
    await check(`GET ${list} and GET ${getPath}/{id}: each listed object by its id (percent-encoded)`, async () => {
      const r = await api(main, 'GET', list);
      assert.equal(r.status, 200);
      const items = r.body.data;
      assert.equal(r.body.total_count, items.length);
      assert.equal(r.body.page_info.page_size, 100);  // the default
      assert.equal(r.body.page_info.has_more, false);
      assert.equal(r.body.page_info.next_cursor, null);
      for (const n of names) assert.ok(items.some((i) => i.name === n), `${list} lacks ${n}`);
      const volatile = ['free_bytes', 'cpu_mhz_used', 'memory_mb_used'];
      const strip = (o) => Object.fromEntries(Object.entries(o).filter(([k]) => !volatile.includes(k)));
      for (const item of items) {
        const got = (await read(main, `${getPath}/${enc(item.id)}`))[key];
        assert.deepEqual(strip(got), strip(item));
      }
      await fails(main, 'GET', `${getPath}/no-such-thing`, 404, 'NOT_FOUND');
    });
  }

  await check('gets by name and by inventory path: spaces and slashes percent-encoded in the segment', async () => {
    assert.equal((await read(main, `/networks/${enc('VM Network')}`)).network.name, 'VM Network');
    assert.equal((await read(main, '/networks/VM%20Network')).network.name, 'VM Network');
    assert.equal((await read(main, `/datacenters/${enc('/DC0')}`)).datacenter.path, '/DC0');
    assert.equal((await read(main, `/folders/${enc('/DC0/vm')}`)).folder.name, 'vm');
    const pool = (await read(main, `/resource-pools/${enc('/DC0/host/DC0_C0/Resources')}`)).resource_pool;
    assert.equal(pool.name, 'Resources');
    assert.equal((await read(main, `/vms/${enc('/DC0/vm/DC0_H0_VM0')}`)).vm.name, 'DC0_H0_VM0');
    assert.equal((await read(main, '/clusters/DC0_C0')).cluster.num_hosts, 3);
    // "Resources" names two pools: refused naming both, 400 (ambiguous, not missing)
    const amb = await fails(main, 'GET', '/resource-pools/Resources', 400, 'INVALID_ARGUMENT');
    assert.match(amb.body.message, /2 objects/);
    // a path segment with an encoded slash is one segment, not two
    await fails(main, 'GET', `/vms/${enc('DC0_H0_VM0/power')}`, 404, 'NOT_FOUND');
    // A name that matches nothing: 404 naming it and the route that lists what exists (not an
    // MCP tool name).
    for (const [route, list] of [['/vms', 'GET /vms'], ['/hosts', 'GET /hosts'], ['/datastores', 'GET /datastores'],
                                 ['/clusters', 'GET /clusters']]) {
      const r = await fails(main, 'GET', `${route}/no-such-thing`, 404, 'NOT_FOUND');
      assert.ok(r.body.message.includes(`no-such-thing`) && r.body.message.includes(`(${list} lists what exists)`), r.body.message);
      assert.doesNotMatch(r.body.message, /[a-z]+_list/, r.body.message);
    }
  });

  await check('page_size 1..2000 with a cursor walk; first_page_only; bad page_size -> 422', async () => {
    const all = (await read(main, '/vms?page_size=2000')).map((v) => v.id);
    for (const size of [1, 2, 3]) {
      const { items, pages } = await walk(main, '/vms', size);
      assert.deepEqual(items.map((v) => v.id), all);
      assert.equal(pages, Math.ceil(all.length / size));
    }
    const hosts = await walk(main, '/hosts?cluster=DC0_C0', 2);
    assert.deepEqual(hosts.items.map((h) => h.name).sort(), ['DC0_C0_H0', 'DC0_C0_H1', 'DC0_C0_H2']);
    const first = await api(main, 'GET', '/vms?page_size=1&first_page_only=true');
    assert.equal(first.body.data.length, 1);
    assert.equal(first.body.total_count, all.length);
    assert.equal(first.body.page_info.first_page_only, true);
    assert.equal(first.body.page_info.has_more, true);
    assert.equal(first.body.page_info.next_cursor, null);
    for (const bad of ['0', '2001', '-1', 'ten', '1.5', ''])
      await invalid(main, 'GET', `/vms?page_size=${bad}`, 'page_size');
    await invalid(main, 'GET', '/vms?first_page_only=perhaps', 'first_page_only');
  });

  await check('a cursor of another query, or a forged one, -> 422 naming cursor', async () => {
    const filtered = await api(main, 'GET', '/vms?name=DC0_*&page_size=1');
    const cursor = filtered.body.page_info.next_cursor;
    assert.equal(typeof cursor, 'string');
    assert.equal((await api(main, 'GET', `/vms?name=DC0_*&page_size=1&cursor=${enc(cursor)}`)).status, 200);
    await invalid(main, 'GET', `/vms?page_size=1&cursor=${enc(cursor)}`, 'cursor');
    await invalid(main, 'GET', `/vms?name=DC0_H*&page_size=1&cursor=${enc(cursor)}`, 'cursor');
    // a cursor of another list with the same (no) filters
    const hostCursor = (await api(main, 'GET', '/hosts?page_size=1')).body.page_info.next_cursor;
    await invalid(main, 'GET', `/vms?page_size=1&cursor=${enc(hostCursor)}`, 'cursor');
    for (const forged of ['not-a-cursor!', 'AAAA', Buffer.from('-5.x').toString('base64url')])
      await invalid(main, 'GET', `/vms?cursor=${enc(forged)}`, 'cursor');
  });

  await check('filters as query parameters; unknown or repeated parameters -> 422 naming them', async () => {
    assert.deepEqual(await vmNames(main, '&name=DC0_H0_*'), ['DC0_H0_VM0', 'DC0_H0_VM1']);
    assert.deepEqual(await vmNames(main, '&host=DC0_H0'), ['DC0_H0_VM0', 'DC0_H0_VM1']);
    assert.deepEqual(await vmNames(main, '&cluster=DC0_C0'), ['DC0_C0_RP0_VM0', 'DC0_C0_RP0_VM1']);
    assert.equal((await api(main, 'GET', `/vms?power_state=poweredOn&folder=${enc('/DC0/vm')}`)).body.total_count, 4);
    assert.equal((await api(main, 'GET', '/vms?power_state=suspended')).body.total_count, 0);
    assert.equal((await api(main, 'GET', '/hosts?name=DC0_H*')).body.total_count, 1);
    assert.equal((await api(main, 'GET', '/clusters?name=nothing*')).body.total_count, 0);
    assert.equal((await api(main, 'GET', `/networks?name=${enc('VM Net*')}`)).body.total_count, 1);
    assert.equal((await api(main, 'GET', '/networks?name=VM+Net*')).body.total_count, 1);  // '+' is a space
    await invalid(main, 'GET', '/vms?power_state=sleeping', 'power_state');
    const unknown = await invalid(main, 'GET', '/vms?colour=red', 'colour');
    assert.match(unknown.body.message, /page_size/);  // it lists what is known
    await invalid(main, 'GET', '/vms?limit=5', 'limit');        // paging is page_size + cursor here
    await invalid(main, 'GET', '/vms?name=a&name=b', 'name');
    await invalid(main, 'GET', '/vms/DC0_H0_VM0?vm=DC0_H0_VM1', 'vm');  // path arguments stay in the path
    await invalid(main, 'GET', '/vms/DC0_H0_VM0?confirm=true', 'confirm');
    await invalid(main, 'GET', '/events?max_count=0', 'max_count');
    await invalid(main, 'GET', '/events?max_count=many', 'max_count');
  });

  await check('GET /reports/inventory and /reports/datastore-usage agree with the lists', async () => {
    const s = await read(main, '/reports/inventory');
    const count = async (p) => (await api(main, 'GET', p)).body.total_count;
    assert.equal(s.datacenters, await count('/datacenters'));
    assert.equal(s.clusters, await count('/clusters'));
    assert.equal(s.hosts.total, await count('/hosts'));
    assert.equal(s.vms.total, await count('/vms'));
    assert.equal(s.vms.powered_on, await count('/vms?power_state=poweredOn'));
    assert.equal(s.templates, await count('/templates'));
    const u = await api(main, 'GET', '/reports/datastore-usage');
    const ds = await read(main, '/datastores');
    assert.equal(u.body.total_count, ds.length);
    for (const d of u.body.data) assert.equal(d.capacity_bytes, ds.find((x) => x.id === d.id).capacity_bytes);
    assert.equal((await api(main, 'GET', '/reports/datastore-usage?min_used_percent=100.5')).status, 422);
    assert.equal((await api(main, 'GET', '/reports/datastore-usage?name=LocalDS_*&min_used_percent=0')).body.total_count, 1);
  });

  // ---- the doomed gateway: queued tasks and cancelling them, then vCenter goes away ------------

  await check('POST /tasks/{id}/cancel: a queued task is cancelled and never runs', async () => {
    const vms = (await read(doomed, '/vms')).map((v) => v.name);
    assert.equal(vms.length, 4);
    // Power off all four; then four slow power-ons occupy the four task workers.
    for (const vm of vms) await run(doomed, 'POST', `/vms/${vm}/power/off?confirm=true`);
    const busy = [];
    for (const vm of vms) {
      const r = await api(doomed, 'POST', `/vms/${vm}/power/on`);
      assert.equal(r.status, 202);
      busy.push(r.body.data.id);
    }
    // A fifth waits for a worker: cancel it while it is queued. (A plain change: a destructive
    // power-off would look first, find the VM still off, and be refused at once with 409.)
    const queued = await api(doomed, 'PATCH', `/vms/${vms[0]}`, { body: { annotation: 'never written' } });
    assert.equal(queued.status, 202, queued.text);
    const id = queued.body.data.id;
    const cancelled = await data(doomed, 'POST', `/tasks/${id}/cancel`);
    assert.equal(cancelled.state, 'cancelled');
    assert.equal(cancelled.error.error_code, 'CANCELLED');
    // A running one can be asked to stop too (vCenter may still finish it).
    const running = await data(doomed, 'POST', `/tasks/${busy[1]}/cancel`);
    assert.ok(['running', 'cancelled'].includes(running.state), running.state);
    const listed = await api(doomed, 'GET', '/tasks');
    assert.equal(listed.body.total_count, listed.body.data.length);
    assert.ok(listed.body.data.some((t) => t.id === id && t.state === 'cancelled'));
    for (const t of busy) await waitTask(doomed, t, undefined);
    assert.equal((await waitTask(doomed, busy[0])).state, 'success');
    // The cancelled reconfigure never ran: the VM is on (from its power-on), its notes unchanged.
    const first = await vmOf(doomed, vms[0]);
    assert.equal(first.power_state, 'poweredOn');
    assert.notEqual(first.annotation, 'never written');
    assert.equal((await read(doomed, `/tasks/${id}`)).state, 'cancelled');
    await fails(doomed, 'POST', `/tasks/${id}/cancel`, 409, 'INVALID_STATE');  // it has ended
  });

  // From here the doomed gateway's vCenter is gone; its /health is checked at the end (the
  // gateway looks every 15 s).
  doomedSim.child.kill('SIGTERM');
  await doomedSim.exited;

  await check('vCenter unreachable: calls answer 503', async () => {
    await fails(doomed, 'GET', '/vms', 503, 'UNAVAILABLE');
    await fails(doomed, 'POST', '/auth/login', 503, 'UNAVAILABLE', { body: { username: 'user', password: VC_PASSWORD } });
  });

  // ---- VMs: create, read, reconfigure, power, guest, events, stats -----------------------------

  let oddId;
  await check('POST /vms creates a VM whose name has a space, quotes and unicode', async () => {
    const before = (await api(main, 'GET', '/vms')).body.total_count;
    const result = await run(main, 'POST', '/vms', { body: { name: CREATED, num_cpus: 1, memory_mb: 512, annotation: 'made by «e2e»' } });
    oddId = result.task.result;
    const vm = await vmOf(main, CREATED);
    assert.equal(vm.id, oddId);
    assert.equal(vm.name, CREATED);
    assert.equal(vm.memory_mb, 512);
    assert.equal(vm.annotation, 'made by «e2e»');
    assert.equal(vm.power_state, 'poweredOff');
    assert.equal((await vmOf(main, oddId)).name, CREATED);
    assert.equal((await api(main, 'GET', '/vms')).body.total_count, before + 1);
  });

  await check('PATCH /vms/{id} renames it to a name with a slash; both work as percent-encoded segments', async () => {
    await run(main, 'PATCH', `/vms/${enc(CREATED)}`, { body: { name: ODD } });
    assert.equal((await vmOf(main, ODD)).id, oddId);
    assert.equal((await vmOf(main, oddId)).name, ODD);
    await fails(main, 'GET', `/vms/${enc(CREATED)}`, 404, 'NOT_FOUND');
    assert.deepEqual(await vmNames(main, `&name=${enc('e2e vm/*')}`), [ODD]);
    // the same name with its slash as a raw '/' is two segments: no such route
    await fails(main, 'GET', `/vms/${enc('e2e vm')}/${enc('ü "q" it\'s ✓')}`, 404, 'NOT_FOUND');
  });

  await check('POST /vms: 422 names the field, 400 for bad JSON, 415 for other media types', async () => {
    await invalid(main, 'POST', '/vms', 'memory_mb', { body: { name: 'e2e-bad', memory_mb: 1001 } });
    await invalid(main, 'POST', '/vms', 'num_cpus', { body: { name: 'e2e-bad', num_cpus: 'two' } });
    await invalid(main, 'POST', '/vms', 'name', { body: { name: '' } });
    const missing = await fails(main, 'POST', '/vms', 422, 'VALIDATION_ERROR', { body: {} });
    assert.match(JSON.stringify(missing.body), /name/);
    const extra = await fails(main, 'POST', '/vms', 422, 'VALIDATION_ERROR', { body: { name: 'e2e-bad', colour: 'red' } });
    assert.match(extra.body.message, /colour/);
    await fails(main, 'POST', '/vms', 400, 'BAD_REQUEST', { body: '{"name": ' });
    await fails(main, 'POST', '/vms', 400, 'BAD_REQUEST', { body: '["e2e-bad"]' });
    await fails(main, 'POST', '/vms', 400, 'BAD_REQUEST', { body: '['.repeat(100000) });  // too deep
    await fails(main, 'POST', '/vms', 415, 'UNSUPPORTED_MEDIA_TYPE', { body: 'name=e2e-bad', type: 'application/x-www-form-urlencoded' });
    await fails(main, 'POST', '/vms', 415, 'UNSUPPORTED_MEDIA_TYPE', { body: '{"name":"e2e-bad"}', type: 'text/plain' });
    // The media type is application/json exactly (any case, with parameters), not a prefix.
    const near = await fails(main, 'POST', '/vms', 415, 'UNSUPPORTED_MEDIA_TYPE', { body: '{"name":"e2e-bad","colour":1}', type: 'application/jsonl' });
    assert.equal(near.body.error_details.expected, 'application/json');
    assert.equal(near.body.error_details.content_type, 'application/jsonl');
    await fails(main, 'POST', '/vms', 422, 'VALIDATION_ERROR', { body: '{"name":"e2e-bad","colour":1}', type: 'Application/JSON ; charset=UTF-8' });
    assert.deepEqual(await vmNames(main, '&name=e2e-bad'), []);  // nothing was made
  });

  await check('a body over the limit -> 413', async () => {
    const big = JSON.stringify({ name: 'e2e-big', annotation: 'x'.repeat(1 << 20) });
    // (libhttp answers this itself, before the gateway sees the request, in the envelope too)
    const r = await fails(main, 'POST', '/vms', 413, 'PAYLOAD_TOO_LARGE', { body: big });
    assert.match(r.body.message, /1048576/);
    assert.deepEqual(await vmNames(main, '&name=e2e-big'), []);
  });

  await check('PATCH /vms/{id} reconfigures; GET shows it', async () => {
    const r = await run(main, 'PATCH', `/vms/${enc(ODD)}`, { body: { num_cpus: 2, memory_mb: 1024, annotation: 'ünïcødé "notes"' } });
    assert.equal(r.task.state, 'success');
    const vm = await vmOf(main, ODD);
    assert.deepEqual([vm.num_cpu, vm.memory_mb, vm.annotation], [2, 1024, 'ünïcødé "notes"']);
    await invalid(main, 'PATCH', `/vms/${enc(ODD)}`, 'memory_mb', { body: { memory_mb: 1001 } });
    await invalid(main, 'PATCH', `/vms/${enc(ODD)}`, 'num_cpus', { body: { num_cpus: 0 } });
    await invalid(main, 'PATCH', `/vms/${enc(ODD)}`, 'vm', { body: { vm: 'DC0_H0_VM0' } });  // the path says which
    await fails(main, 'PATCH', `/vms/${enc(ODD)}`, 415, 'UNSUPPORTED_MEDIA_TYPE', { body: 'num_cpus=4', type: 'text/plain' });
    assert.equal((await vmOf(main, ODD)).num_cpu, 2);
    // a VM that does not exist: the task fails with NOT_FOUND
    const t = await submit(main, 'PATCH', '/vms/no-such-vm', { body: { num_cpus: 2 } });
    assert.equal(t.state, 'error');
    assert.equal(t.error.error_code, 'NOT_FOUND');
    assert.match(t.error.message, /no-such-vm/);
  });

  await check('POST /vms/{id}/power/{off,on,suspend,reset}: tasks, then GET shows the state', async () => {
    const vm = 'DC0_H0_VM0';
    const id = (await vmOf(main, vm)).id;
    assert.equal((await vmOf(main, vm)).power_state, 'poweredOn');
    // off, suspend and reset are destructive: without ?confirm=true a 400 with the dry run, at once.
    const dry = await fails(main, 'POST', `/vms/${vm}/power/off`, 400, 'CONFIRMATION_REQUIRED');
    const would = `power off VM '${vm}' (${id}) at once, without a guest shutdown: unsaved work in the guest is lost ` +
                  '(POST /vms/{id}/guest/shutdown asks the guest instead)';
    assert.equal(dry.body.error_details.would, would);
    assert.equal(dry.body.error_details.dry_run, true);
    assert.equal(dry.body.error_details.confirm, '?confirm=true');
    assert.equal(dry.body.message, `this would ${would}; repeat the request with ?confirm=true to do it`);
    assert.doesNotMatch(dry.text, /vm_shutdown_guest|vm_power_off/);
    for (const action of ['suspend', 'reset']) {
      const d = await fails(main, 'POST', `/vms/${vm}/power/${action}`, 400, 'CONFIRMATION_REQUIRED');
      assert.match(d.body.error_details.would, new RegExp(`^${action} VM '${vm}' \\(${id}\\)`));
    }
    await fails(main, 'POST', `/vms/${vm}/power/off?confirm=false`, 400, 'CONFIRMATION_REQUIRED');
    await invalid(main, 'POST', `/vms/${vm}/power/off?confirm=perhaps`, 'confirm');
    assert.equal((await vmOf(main, vm)).power_state, 'poweredOn');  // nothing changed
    const off = await run(main, 'POST', `/vms/${vm}/power/off?confirm=true`);
    assert.equal(off.task.state, 'success');
    assert.equal((await vmOf(main, vm)).power_state, 'poweredOff');
    // Already off: refused at once (409, no task), naming what is in the way.
    const again = await fails(main, 'POST', `/vms/${vm}/power/off?confirm=true`, 409, 'INVALID_STATE');
    assert.match(again.body.message, new RegExp(`VM '${vm}' is already powered off`));
    const blockedDry = await fails(main, 'POST', `/vms/${vm}/power/off`, 409, 'INVALID_STATE');
    assert.deepEqual(blockedDry.body.error_details.blocked, [`VM '${vm}' is already powered off`]);
    const resetOff = await fails(main, 'POST', `/vms/${vm}/power/reset?confirm=true`, 409, 'INVALID_STATE');
    assert.match(resetOff.body.message, /only a running VM can be reset \(POST \/vms\/\{id\}\/power\/on starts it\)/);
    await run(main, 'POST', `/vms/${vm}/power/on`);
    assert.equal((await vmOf(main, vm)).power_state, 'poweredOn');
    await run(main, 'POST', `/vms/${vm}/power/suspend?confirm=true`);
    assert.equal((await vmOf(main, vm)).power_state, 'suspended');
    await run(main, 'POST', `/vms/${vm}/power/on`);
    const reset = await run(main, 'POST', `/vms/${vm}/power/reset?confirm=true`);
    assert.equal((await vmOf(main, vm)).power_state, 'poweredOn');
    const seen = (await read(main, '/vcenter-tasks')).tasks.find((t) => t.id === reset.task.id);
    assert.equal(seen?.state, 'success');
    assert.equal(seen.entity, (await vmOf(main, vm)).id);
    // a body is optional on these; a JSON one naming the VM again is refused
    await invalid(main, 'POST', `/vms/${vm}/power/off`, 'vm', { body: { vm } });
    await invalid(main, 'POST', `/vms/${vm}/power/off?confirm=true`, 'force', { body: { force: true } });
    await invalid(main, 'POST', `/vms/${vm}/power/off`, 'confirm', { body: { confirm: true } });  // it goes in the query
    assert.equal((await vmOf(main, vm)).power_state, 'poweredOn');
  });

  await check('POST /vms/{id}/guest/shutdown and /guest/reboot', async () => {
    const vm = 'DC0_C0_RP0_VM1';
    assert.equal((await vmOf(main, vm)).power_state, 'poweredOn');
    // govmomi's simulator has no RebootGuest: then 400 UNSUPPORTED; a vCenter with it: 200.
    const reboot = await api(main, 'POST', `/vms/${vm}/guest/reboot`);
    if (reboot.status === 200) assert.equal(reboot.body.data.requested, true);
    else {
      assert.equal(reboot.status, 400, reboot.text);
      assert.equal(reboot.body.error_code, 'UNSUPPORTED');
      assert.match(reboot.body.message, /RebootGuest/);
    }
    assert.equal((await vmOf(main, vm)).power_state, 'poweredOn');
    assert.deepEqual(await data(main, 'POST', `/vms/${vm}/guest/shutdown`), { requested: true });
    assert.equal((await vmOf(main, vm)).power_state, 'poweredOff');
    const ev = await read(main, `/vms/${vm}/events?max_count=1000`);
    assert.ok(ev.events.some((e) => e.type === 'VmGuestShutdownEvent'));
    const conflict = await fails(main, 'POST', `/vms/${vm}/guest/shutdown`, 409, 'INVALID_STATE');  // already off
    assert.match(conflict.body.message, /InvalidPowerState|powered/i);
    await run(main, 'POST', `/vms/${vm}/power/on`);
    assert.equal((await vmOf(main, vm)).power_state, 'poweredOn');
  });

  await check('GET /vms/{id}/events, /events, /vms/{id}/stats, /hosts/{id}/stats, /vcenter-tasks', async () => {
    const vm = 'DC0_H0_VM0';
    const ev = await read(main, `/vms/${vm}/events?max_count=1000`);
    const types = ev.events.map((e) => e.type);
    for (const t of ['VmPoweredOffEvent', 'VmPoweredOnEvent', 'VmSuspendedEvent']) assert.ok(types.includes(t), `no ${t}`);
    const listed = await read(main, `/events?vm=${vm}&max_count=1000`);
    assert.deepEqual(listed.events.map((e) => e.type), types);
    const offs = await read(main, `/events?vm=${vm}&type=${enc('VmPowered*Event')}&max_count=1000`);
    assert.ok(offs.events.length > 0 && offs.events.every((e) => /^VmPowered(On|Off)Event$/.test(e.type)));
    const onHost = await read(main, '/events?host=DC0_H0&max_count=1000');
    assert.ok(onHost.events.length > 0 && onHost.events.every((e) => e.host === 'DC0_H0'));
    const both = await fails(main, 'GET', `/events?vm=${vm}&host=DC0_H0`, 400, 'INVALID_ARGUMENT');
    assert.match(both.body.message, /not both/);
    const stats = await read(main, `/vms/${vm}/stats?counters=cpu.usage.average,mem.usage.average&max_samples=2`);
    assert.deepEqual(stats.series.map((s) => s.counter).sort(), ['cpu.usage.average', 'mem.usage.average']);
    for (const s of stats.series) assert.ok(s.values.length >= 1 && s.values.length <= 2);
    // Percent counters are real percent (vCenter's hundredths / 100).
    for (const s of stats.series) {
      assert.equal(s.unit, 'percent', s.counter);
      for (const v of s.values) assert.ok(v >= 0 && v <= 100, `${s.counter}: ${v} is not a percent`);
    }
    const hostStats = await read(main, '/hosts/DC0_H0/stats?counters=cpu.usage.average&max_samples=1');
    assert.equal(hostStats.series[0].values.length, 1);
    assert.ok(hostStats.series[0].values[0] >= 0 && hostStats.series[0].values[0] <= 100, JSON.stringify(hostStats));
    await invalid(main, 'GET', `/vms/${vm}/stats?interval_seconds=5`, 'interval_seconds');
    const unknownCounter = await fails(main, 'GET', `/vms/${vm}/stats?counters=no.such.counter`, 400, 'INVALID_ARGUMENT');
    assert.match(unknownCounter.body.message, /no\.such\.counter/);
    const tasks = await read(main, '/vcenter-tasks');
    assert.ok(tasks.tasks.some((t) => t.name === 'VirtualMachine.powerOff' && t.state === 'success'));
    await fails(main, 'GET', '/vms/no-such-vm/events', 404, 'NOT_FOUND');
  });

  // ---- alarms (the simulator runs with -alarm DC0_C0_RP0_VM0:red,DC0_C0_H1:yellow) ----------

  await check('GET /alarms, POST /alarms/{id}/acknowledge and /reset: the armed alarms, each change read back', async () => {
    const all = await read(main, '/alarms');
    assert.deepEqual(all.map((a) => `${a.entity_name}:${a.status}`), ['DC0_C0_RP0_VM0:red', 'DC0_C0_H1:yellow']);
    const [vm, host] = all;
    assert.equal(vm.entity_path, '/DC0/vm/DC0_C0_RP0_VM0');
    assert.equal(vm.alarm_name, 'Virtual machine CPU usage');
    assert.equal(vm.acknowledged, false);
    assert.match(vm.time, ISO);
    assert.equal(host.entity_path, '/DC0/host/DC0_C0/DC0_C0_H1');
    assert.deepEqual((await read(main, '/alarms?status=yellow')).map((a) => a.id), [host.id]);
    assert.deepEqual((await read(main, '/alarms?entity=DC0_C0_RP0_VM0')).map((a) => a.id), [vm.id]);
    assert.deepEqual(await read(main, '/alarms?entity=DC0_H0'), []);
    await invalid(main, 'GET', '/alarms?status=blue', 'status');
    await fails(main, 'GET', '/alarms?entity=no-such-thing', 404, 'NOT_FOUND');

    const acked = await data(main, 'POST', `/alarms/${enc(vm.id)}/acknowledge`);
    assert.equal(acked.alarm.id, vm.id);
    assert.equal(acked.alarm.acknowledged, true);
    assert.equal(acked.alarm.acknowledged_by, 'user');
    assert.match(acked.alarm.acknowledged_time, ISO);
    assert.deepEqual((await read(main, '/alarms?acknowledged=true')).map((a) => a.id), [vm.id]);

    const reset = await data(main, 'POST', `/alarms/${enc(host.id)}/reset`);  // a change: no confirm
    assert.equal(reset.status, 'green');
    assert.equal(reset.alarm.status, 'yellow');
    assert.deepEqual((await read(main, '/alarms')).map((a) => a.id), [vm.id]);
    const again = await fails(main, 'POST', `/alarms/${enc(host.id)}/reset`, 404, 'NOT_FOUND');
    assert.match(again.body.message, /no triggered alarm has the key/);
    // By the alarm's name and the object it is on.
    const byName = await data(main, 'POST', `/alarms/${enc('Virtual machine CPU usage')}/reset`,
      { body: { entity: 'DC0_C0_RP0_VM0' } });
    assert.equal(byName.alarm.id, vm.id);
    assert.deepEqual(await read(main, '/alarms'), []);
  });

  // ---- snapshots -----------------------------------------------------------------------------

  await check('snapshots: create, list, revert and delete (dry run without confirm)', async () => {
    const vm = enc(ODD);
    const s1 = (await run(main, 'POST', `/vms/${vm}/snapshots`, { body: { name: 'snap one', description: 'first «1»' } })).task.result;
    const s2 = (await run(main, 'POST', `/vms/${vm}/snapshots`, { body: { name: 'snap/two ü' } })).task.result;
    let tree = await read(main, `/vms/${vm}/snapshots`);
    assert.equal(tree.current, s2);
    assert.equal(tree.snapshots[0].id, s1);
    assert.equal(tree.snapshots[0].name, 'snap one');
    assert.equal(tree.snapshots[0].description, 'first «1»');
    assert.equal(tree.snapshots[0].children[0].name, 'snap/two ü');
    await invalid(main, 'POST', `/vms/${vm}/snapshots`, 'name', { body: { name: 'x'.repeat(81) } });

    // revert: a dry run first
    const dry = await fails(main, 'POST', `/vms/${vm}/snapshots/${enc('snap one')}/revert`, 400, 'CONFIRMATION_REQUIRED');
    assert.equal(dry.body.error_details.dry_run, true);
    assert.ok(dry.body.error_details.would.startsWith(`revert VM '${ODD}' (${oddId}) to snapshot 'snap one' (${s1}, taken `),
              dry.body.error_details.would);
    assert.match(dry.body.error_details.would, /everything the VM wrote since then is lost/);
    assert.equal(dry.body.error_details.details.snapshot_id, s1);
    assert.match(dry.body.message, /confirm=true/);
    assert.equal((await read(main, `/vms/${vm}/snapshots`)).current, s2);
    await invalid(main, 'POST', `/vms/${vm}/snapshots/${s1}/revert?confirm=maybe`, 'confirm');
    await run(main, 'POST', `/vms/${vm}/snapshots/${enc('snap one')}/revert?confirm=true`);
    assert.equal((await read(main, `/vms/${vm}/snapshots`)).current, s1);

    // delete one (by a name with a slash and a space)
    const dryDelete = await fails(main, 'DELETE', `/vms/${vm}/snapshots/${enc('snap/two ü')}`, 400, 'CONFIRMATION_REQUIRED');
    assert.equal(dryDelete.body.error_details.would, `delete snapshot 'snap/two ü' (${s2}) of VM '${ODD}' (${oddId}) ` +
                 '(its changes are merged into the parent; nothing is lost but the ability to revert to it)');
    assert.equal((await read(main, `/vms/${vm}/snapshots`)).snapshots[0].children.length, 1);
    await run(main, 'DELETE', `/vms/${vm}/snapshots/${enc('snap/two ü')}?confirm=true`);
    tree = await read(main, `/vms/${vm}/snapshots`);
    assert.deepEqual(tree.snapshots.map((s) => [s.id, s.children.length]), [[s1, 0]]);
    await fails(main, 'DELETE', `/vms/${vm}/snapshots/no-such-snapshot`, 404, 'NOT_FOUND');

    // delete all
    await run(main, 'POST', `/vms/${vm}/snapshots`, { body: { name: 'snap three' } });
    const dryAll = await fails(main, 'DELETE', `/vms/${vm}/snapshots`, 400, 'CONFIRMATION_REQUIRED');
    assert.match(dryAll.body.error_details.would, /delete all 2 snapshots/);
    assert.equal((await read(main, `/vms/${vm}/snapshots`)).snapshots.length, 1);
    await run(main, 'DELETE', `/vms/${vm}/snapshots?confirm=true`);
    tree = await read(main, `/vms/${vm}/snapshots`);
    assert.deepEqual(tree.snapshots, []);
    assert.equal(tree.current, null);
  });

  // ---- clone, relocate, templates, hosts -------------------------------------------------------

  await check('POST /vms/{id}/clone and /relocate', async () => {
    const clone = await run(main, 'POST', `/vms/${enc(ODD)}/clone`, { body: { name: CLONE } });
    const c = await vmOf(main, CLONE);
    assert.equal(c.id, clone.task.result);
    assert.equal(c.num_cpu, 2);
    const vm = 'DC0_C0_RP0_VM0';
    const from = (await vmOf(main, vm)).host;
    const to = (await read(main, '/hosts?cluster=DC0_C0')).map((h) => h.name).find((h) => h !== from);
    await run(main, 'POST', `/vms/${vm}/relocate`, { body: { host: to } });
    assert.equal((await vmOf(main, vm)).host, to);
    await run(main, 'POST', `/vms/${vm}/relocate`, { body: { host: from, datastore: 'LocalDS_0' } });
    assert.equal((await vmOf(main, vm)).host, from);
    // No target: refused at once, before any 202.
    const nowhere = await fails(main, 'POST', `/vms/${vm}/relocate`, 422, 'VALIDATION_ERROR');
    assert.match(nowhere.body.message, /needs at least one of host, resource_pool or datastore/);
    await invalid(main, 'POST', `/vms/${vm}/relocate`, 'host', { body: { host: '' } });
  });

  await check('POST /vms/{id}/mark-template, GET /templates, /templates/{id}, POST /templates/{id}/convert-to-vm', async () => {
    const marked = await data(main, 'POST', `/vms/${enc(CLONE)}/mark-template`);
    const id = marked.vm;
    assert.deepEqual(marked, { vm: id, template: true });
    const templates = await read(main, '/templates');
    assert.deepEqual(templates.map((t) => t.name), [CLONE]);
    assert.equal((await read(main, `/templates/${enc(CLONE)}`)).template.id, id);
    assert.equal((await read(main, `/templates/${id}`)).template.template, true);
    assert.ok(!(await vmNames(main)).includes(CLONE));
    assert.equal((await api(main, 'GET', `/templates?name=${enc('e2e-clone*')}`)).body.total_count, 1);
    await fails(main, 'GET', '/templates/DC0_H0_VM1', 404, 'NOT_FOUND');  // a VM, not a template
    await fails(main, 'POST', '/vms/DC0_H0_VM1/mark-template', 409, 'INVALID_STATE');  // it is on
    await fails(main, 'POST', `/vms/${enc(CLONE)}/mark-template`, 400);  // already one
    const back = await data(main, 'POST', `/templates/${enc(CLONE)}/convert-to-vm`, { body: { host: 'DC0_C0_H2' } });
    assert.deepEqual(back, { vm: id, template: false });
    const vm = await vmOf(main, CLONE);
    assert.equal(vm.template, false);
    assert.equal(vm.host, 'DC0_C0_H2');
    assert.deepEqual(await read(main, '/templates'), []);
    await fails(main, 'POST', `/templates/${enc(CLONE)}/convert-to-vm`, 404, 'NOT_FOUND');
  });

  await check('POST /hosts/{id}/maintenance/enter and /exit; GET shows it', async () => {
    const host = 'DC0_C0_H2';
    const h = await hostOf(main, host);
    assert.equal(h.in_maintenance_mode, false);
    // Destructive: without ?confirm=true a 400 with the dry run (what runs on the host), at once.
    const dry = await fails(main, 'POST', `/hosts/${host}/maintenance/enter`, 400, 'CONFIRMATION_REQUIRED', { body: { timeout_seconds: 60 } });
    assert.ok(dry.body.error_details.would.startsWith(`put host '${host}' (${h.id}) into maintenance mode; `), dry.body.error_details.would);
    const onHost = await read(main, `/vms?host=${host}&page_size=2000`);
    assert.deepEqual(dry.body.error_details.details.vms.map((v) => v.id).sort(), onHost.map((v) => v.id).sort());
    assert.equal(dry.body.error_details.details.powered_on, onHost.filter((v) => v.power_state === 'poweredOn').length);
    assert.equal((await hostOf(main, host)).in_maintenance_mode, false);
    await run(main, 'POST', `/hosts/${host}/maintenance/enter?confirm=true`, { body: { timeout_seconds: 60 } });
    assert.equal((await hostOf(main, host)).in_maintenance_mode, true);
    assert.equal((await read(main, '/reports/inventory')).hosts.in_maintenance, 1);
    // Already in: 409 at once, naming the way out by its route.
    const again = await fails(main, 'POST', `/hosts/${host}/maintenance/enter`, 409, 'INVALID_STATE');
    assert.deepEqual(again.body.error_details.blocked,
                     [`host '${host}' is already in maintenance mode; POST /hosts/{id}/maintenance/exit takes it out`]);
    await run(main, 'POST', `/hosts/${host}/maintenance/exit`);
    assert.equal((await hostOf(main, host)).in_maintenance_mode, false);
    await invalid(main, 'POST', `/hosts/${host}/maintenance/enter`, 'timeout_seconds', { body: { timeout_seconds: -1 } });
    // The dry run looks the host up first: an unknown one is 404 at once, no task.
    const missing = await fails(main, 'POST', '/hosts/no-such-host/maintenance/enter?confirm=true', 404, 'NOT_FOUND');
    assert.match(missing.body.message, /no-such-host.*\(GET \/hosts lists what exists\)/);
  });

  // ---- tags (vCenter's tagging API) -----------------------------------------------------------

  await check('tag categories and tags: 201 on create, attach to a VM by its odd name, detach, delete', async () => {
    const catName = 'e2e cat ü/1';
    const made = await api(main, 'POST', '/tag-categories', { body: { name: catName, cardinality: 'MULTIPLE', associable_types: ['VirtualMachine'] } });
    assert.equal(made.status, 201, made.text);
    const cat = made.body.data.category;
    assert.deepEqual([cat.name, cat.cardinality, cat.associable_types], [catName, 'MULTIPLE', ['VirtualMachine']]);
    assert.equal((await read(main, `/tag-categories/${enc(cat.id)}`)).category.name, catName);
    assert.equal((await read(main, `/tag-categories/${enc(catName)}`)).category.id, cat.id);
    assert.ok((await read(main, '/tag-categories')).some((c) => c.id === cat.id));
    await invalid(main, 'POST', '/tag-categories', 'cardinality', { body: { name: 'e2e-bad', cardinality: 'SOME' } });
    assert.equal((await data(main, 'PATCH', `/tag-categories/${enc(cat.id)}`, { body: { description: 'desc «x»' } })).category.description, 'desc «x»');
    assert.equal((await read(main, `/tag-categories/${enc(cat.id)}`)).category.description, 'desc «x»');

    const tagName = 'e2e tag "t"/1';
    const t = await api(main, 'POST', '/tags', { body: { name: tagName, category: cat.id, description: 'd' } });
    assert.equal(t.status, 201, t.text);
    const tag = t.body.data.tag;
    assert.equal(tag.category_id, cat.id);
    assert.deepEqual((await read(main, `/tags?category=${enc(cat.id)}`)).map((x) => x.id), [tag.id]);
    assert.equal((await read(main, `/tags/${enc(tagName)}`)).tag.id, tag.id);
    assert.equal((await data(main, 'PATCH', `/tags/${enc(tag.id)}`, { body: { description: 'd2' } })).tag.description, 'd2');
    assert.equal((await read(main, `/tags/${enc(tag.id)}`)).tag.description, 'd2');

    // attach to the VM with a slash in its name, named in the path
    const attached = await api(main, 'POST', `/resources/${enc(ODD)}/tags`, { body: { tag: tag.id } });
    assert.equal(attached.status, 201, attached.text);
    assert.deepEqual(attached.body.data.object, { type: 'VirtualMachine', id: oddId });
    assert.deepEqual((await read(main, `/resources/${enc(ODD)}/tags`)).tags.map((x) => x.id), [tag.id]);
    assert.deepEqual((await read(main, `/tags/${enc(tag.id)}/objects`)).objects, [{ type: 'VirtualMachine', id: oddId }]);
    await fails(main, 'POST', '/resources/no-such-vm/tags', 404, 'NOT_FOUND', { body: { tag: tag.id } });
    const detached = await data(main, 'DELETE', `/resources/${enc(ODD)}/tags/${enc(tagName)}`);
    assert.equal(detached.attached, false);
    assert.deepEqual((await read(main, `/resources/${enc(ODD)}/tags`)).tags, []);
    assert.deepEqual((await read(main, `/tags/${enc(tag.id)}/objects`)).objects, []);

    // deletes: a dry run first
    const dryTag = await fails(main, 'DELETE', `/tags/${enc(tag.id)}`, 400, 'CONFIRMATION_REQUIRED');
    assert.match(dryTag.body.error_details.would, /delete tag/);
    assert.equal((await read(main, `/tags/${enc(tag.id)}`)).tag.id, tag.id);
    await data(main, 'DELETE', `/tags/${enc(tag.id)}?confirm=true`);
    await fails(main, 'GET', `/tags/${enc(tag.id)}`, 404, 'NOT_FOUND');
    const dryCat = await fails(main, 'DELETE', `/tag-categories/${enc(cat.id)}`, 400, 'CONFIRMATION_REQUIRED');
    assert.match(dryCat.body.error_details.would, /delete tag category/);
    assert.equal((await read(main, `/tag-categories/${enc(cat.id)}`)).category.id, cat.id);
    await data(main, 'DELETE', `/tag-categories/${enc(cat.id)}?confirm=true`);
    await fails(main, 'GET', `/tag-categories/${enc(cat.id)}`, 404, 'NOT_FOUND');
  });

  // ---- delete ----------------------------------------------------------------------------------

  await check('DELETE /vms/{id}: 400 with a dry run and nothing removed; ?confirm=true removes it', async () => {
    for (const name of [CLONE, ODD]) {
      const dry = await fails(main, 'DELETE', `/vms/${enc(name)}`, 400, 'CONFIRMATION_REQUIRED');
      assert.equal(dry.body.error_details.dry_run, true);
      assert.ok(dry.body.error_details.would.includes(`destroy VM '${name}'`), dry.body.error_details.would);
      assert.equal(dry.body.error_details.confirm, '?confirm=true');
      assert.equal((await vmOf(main, name)).name, name);  // still there
      await fails(main, 'DELETE', `/vms/${enc(name)}?confirm=false`, 400, 'CONFIRMATION_REQUIRED');
      await invalid(main, 'DELETE', `/vms/${enc(name)}?confirm=yes%20please`, 'confirm');
      await invalid(main, 'DELETE', `/vms/${enc(name)}?force=true`, 'force');
      const r = await run(main, 'DELETE', `/vms/${enc(name)}?confirm=true`);
      assert.equal(r.task.state, 'success');
      await fails(main, 'GET', `/vms/${enc(name)}`, 404, 'NOT_FOUND');
    }
    await fails(main, 'DELETE', '/vms/no-such-vm', 404, 'NOT_FOUND');  // the dry run finds nothing
    assert.deepEqual((await vmNames(main)).filter((n) => n.startsWith('e2e')), []);
  });

  await check('DELETE /vms/{id} of a powered-on VM: 409 naming POST /vms/{id}/power/off, with or without confirm; it stays', async () => {
    const vm = 'DC0_H0_VM1';
    const before = await vmOf(main, vm);
    assert.equal(before.power_state, 'poweredOn');
    const tasksBefore = (await api(main, 'GET', '/tasks')).body.total_count;
    const blocker = `VM '${vm}' is poweredOn: power it off first (POST /vms/{id}/guest/shutdown, or POST /vms/{id}/power/off)`;
    const dry = await fails(main, 'DELETE', `/vms/${vm}`, 409, 'INVALID_STATE');
    assert.deepEqual(dry.body.error_details.blocked, [blocker]);
    assert.equal(dry.body.error_details.dry_run, true);
    assert.equal(dry.body.error_details.would, `destroy VM '${vm}' (${before.id}, poweredOn) and delete its files on LocalDS_0`);
    assert.doesNotMatch(dry.text, /vm_power_off|vm_shutdown_guest|confirm=true/);
    const confirmed = await fails(main, 'DELETE', `/vms/${vm}?confirm=true`, 409, 'INVALID_STATE');
    assert.ok(confirmed.body.message.includes(blocker), confirmed.body.message);
    assert.match(confirmed.body.message, /nothing was changed/);
    assert.doesNotMatch(confirmed.text, /vm_power_off|vm_shutdown_guest/);
    assert.deepEqual(confirmed.body.error_details.blocked, [blocker], confirmed.text);
    const after = await vmOf(main, vm);  // still there, still on
    assert.deepEqual([after.id, after.power_state], [before.id, 'poweredOn']);
    assert.equal((await api(main, 'GET', '/tasks')).body.total_count, tasksBefore, 'a refused delete made a task');
  });

  // ---- the catalog and its deployments ------------------------------------------------------------

  await check('catalog: a template is an item; a request deploys it (202); deployments, reports, delete', async () => {
    const tmplName = 'e2e-tmpl ✓';
    const tmplId = (await run(main, 'POST', '/vms', { body: { name: tmplName } })).task.result;
    await data(main, 'POST', `/vms/${enc(tmplName)}/mark-template`);
    const items = await read(main, '/catalog/items');
    const item = items.find((i) => i.name === tmplName);
    assert.equal(item?.id, `template:${tmplId}`);
    assert.equal(item.deployable, true);
    assert.equal((await read(main, `/catalog/items/${enc(item.id)}`)).item.name, tmplName);
    const form = await read(main, `/catalog/items/${enc(item.id)}/schema`);
    assert.equal(form.type, 'object');
    assert.ok(form.properties.name && form.required.includes('name'));
    await fails(main, 'GET', `/catalog/items/${enc('template:vm-999999')}`, 404, 'NOT_FOUND');
    await invalid(main, 'GET', '/catalog/items/nonsense', 'item');
    // A malformed item id is refused up front: no task is created.
    const tasksBefore = (await api(main, 'GET', '/tasks')).body.total_count;
    await invalid(main, 'POST', '/catalog/items/nonsense/request', 'item', { body: { name: 'never' } });
    assert.equal((await api(main, 'GET', '/tasks')).body.total_count, tasksBefore);

    const depName = 'e2e dep «1»';
    const before = await read(main, '/deployments');
    const result = await run(main, 'POST', `/catalog/items/${enc(item.id)}/request`, { body: { name: depName, project: 'vm' } });
    const dep = result.deployment;
    assert.match(dep.id, /^dep-[0-9a-f]+$/);
    assert.deepEqual([dep.name, dep.status, dep.vm_count, dep.project], [depName, 'ready', 1, 'vm']);
    const vm = await vmOf(main, depName);  // the deployed VM exists
    assert.deepEqual(dep.vms, [vm.id]);
    const listed = await read(main, '/deployments');
    assert.equal(listed.length, before.length + 1);
    assert.equal(listed[0].id, dep.id);  // newest first
    assert.equal((await api(main, 'GET', '/deployments?status=ready&project=vm')).body.total_count, before.length + 1);
    assert.equal((await api(main, 'GET', '/deployments?status=failed')).body.total_count, 0);
    await invalid(main, 'GET', '/deployments?status=sleeping', 'status');
    const got = (await read(main, `/deployments/${enc(dep.id)}`)).deployment;
    assert.deepEqual(got.resources.map((r) => r.id), [vm.id]);
    const resources = await read(main, `/deployments/${enc(dep.id)}/resources`);
    assert.deepEqual(resources.map((r) => r.name), [depName]);
    const report = await read(main, '/reports/deployments');
    assert.ok(report.by_item.some((r) => r.item === tmplName && r.deployments >= 1));
    assert.ok(report.by_deployment.some((r) => r.id === dep.id && r.vms === 1));
    const activity = await read(main, `/reports/activity?type=${enc('VmClonedEvent')}&max_count=1000`);
    assert.ok(activity.events.some((e) => e.vm === depName), 'the deployment\'s clone is in the activity');
    // A request with invalid inputs is refused at once (422 naming the input, no 202, no task),
    // and nothing is deployed.
    const tasksBeforeBad = (await api(main, 'GET', '/tasks')).body.total_count;
    for (const [inputs, input] of [[{ name: 'e2e-bad', memory_mb: 1001 }, 'memory_mb'],
                                   [{ name: 'e2e-bad', num_cpus: 0 }, 'num_cpus'],
                                   [{ name: 'e2e-bad', colour: 'red' }, 'colour'],
                                   [{ name: 'e2e-bad', network: 'no-such-net' }, 'network']]) {
      const r = await fails(main, 'POST', `/catalog/items/${enc(item.id)}/request`, 422, 'VALIDATION_ERROR', { body: inputs });
      assert.match(r.body.error_details.field ?? '', new RegExp(`(^|\\.)${input}$`), `${JSON.stringify(inputs)}: ${r.text}`);
      assert.match(r.body.message, new RegExp(input));
    }
    assert.equal((await api(main, 'GET', '/tasks')).body.total_count, tasksBeforeBad, 'a refused request made a task');
    assert.deepEqual(await vmNames(main, '&name=e2e-bad'), []);

    const dry = await fails(main, 'DELETE', `/deployments/${enc(dep.id)}`, 400, 'CONFIRMATION_REQUIRED');
    assert.ok(dry.body.error_details.would.includes(depName), dry.body.error_details.would);
    assert.equal((await vmOf(main, depName)).id, vm.id);  // still there
    await run(main, 'DELETE', `/deployments/${enc(dep.id)}?confirm=true`);
    await fails(main, 'GET', `/deployments/${enc(dep.id)}`, 404, 'NOT_FOUND');
    await fails(main, 'GET', `/vms/${enc(depName)}`, 404, 'NOT_FOUND');

    await data(main, 'POST', `/templates/${enc(tmplName)}/convert-to-vm`);
    await run(main, 'DELETE', `/vms/${enc(tmplName)}?confirm=true`);
    assert.deepEqual((await vmNames(main)).filter((n) => n.startsWith('e2e')), []);
  });

  await check('catalog: an OVF library item deploys (202) with size and network; a broken OVF fails its task', async () => {
    const datastore = (await read(main, '/datastores/LocalDS_0')).datastore.id;
    const lib = await contentLibrary(vcUrl, ca, 'user', VC_PASSWORD);
    const library = await lib.library('e2e-apps', datastore);
    const tiny = await lib.ovfItem(library, 'e2e-tiny', fs.readFileSync(new URL('../fixtures/tiny.ovf', import.meta.url), 'utf8'));
    const broken = await lib.ovfItem(library, 'e2e-broken', '<not-an-ovf/>');
    const iso = await lib.item(library, 'e2e-installer', 'iso');
    await lib.close();
    const items = await read(main, '/catalog/items?kind=library');
    const item = items.find((i) => i.id === `library:${tiny}`);
    assert.deepEqual([item?.name, item?.deployable], ['e2e-tiny', true]);
    assert.equal(items.find((i) => i.id === `library:${iso}`)?.deployable, false);
    const form = await read(main, `/catalog/items/${enc(item.id)}/schema`);
    assert.deepEqual(form.required, ['name']);
    assert.ok(form.properties.network.enum.includes('DC0_DVPG0'));
    const refused = await fails(main, 'GET', `/catalog/items/${enc(`library:${iso}`)}/schema`, 400, 'UNSUPPORTED');
    assert.match(refused.body.message, /only OVF items can be deployed/);

    const name = 'e2e-ovf «1»';
    const result = await run(main, 'POST', `/catalog/items/${enc(item.id)}/request`,
      { body: { name, num_cpus: 2, memory_mb: 96, network: 'DC0_DVPG0', power_on: true } });
    assert.deepEqual([result.deployment.status, result.deployment.item_name], ['ready', 'e2e-tiny']);
    const vm = await vmOf(main, name);
    assert.deepEqual([vm.num_cpu, vm.memory_mb, vm.networks, vm.power_state], [2, 96, ['DC0_DVPG0'], 'poweredOn']);
    assert.deepEqual((await read(main, `/deployments/${enc(result.deployment.id)}/resources`)).map((r) => r.id), [vm.id]);

    // vCenter refuses the OVF: the task fails with vCenter's message, the deployment is recorded as failed.
    const bad = await submit(main, 'POST', `/catalog/items/${enc(`library:${broken}`)}/request`, { body: { name: 'e2e-ovf-broken' } });
    assert.equal(bad.state, 'error');
    assert.match(bad.error.message, /failed to deploy library item .* as 'e2e-ovf-broken'/);
    const failed = (await read(main, '/deployments?status=failed')).find((d) => d.name === 'e2e-ovf-broken');
    assert.ok(failed, 'the failed deployment is listed');
    await fails(main, 'GET', `/vms/${enc('e2e-ovf-broken')}`, 404, 'NOT_FOUND');
    await run(main, 'DELETE', `/deployments/${enc(failed.id)}?confirm=true`);
    await run(main, 'DELETE', `/deployments/${enc(result.deployment.id)}?confirm=true`);
    await fails(main, 'GET', `/vms/${enc(name)}`, 404, 'NOT_FOUND');
  });

  // ---- vCenter failing internally ------------------------------------------------------------

  await check('a vCenter internal error (SystemError) answers 500 with vCenter\'s message, and nothing else breaks', async () => {
    const r = await fails(faulty, 'POST', `/vms/${enc('DC0_H0_VM0')}/mark-template`, 500, 'INTERNAL');
    assert.match(r.body.message, /A general system error occurred: vpxd lost its database connection/);
    assert.equal(r.body.error_details.vsphere_fault, 'SystemError');
    assert.equal((await vmOf(faulty, 'DC0_H0_VM0')).template, false);  // the gateway still serves
  });

  // ---- tasks -------------------------------------------------------------------------------

  await check('GET /tasks and /tasks/{id}; unknown -> 404; an ended task cannot be cancelled (409)', async () => {
    const r = await api(main, 'GET', '/tasks?page_size=2000');
    const tasks = r.body.data;
    assert.equal(r.body.total_count, tasks.length);
    assert.equal(r.body.page_info.has_more, false);
    assert.ok(tasks.length >= 20, `${tasks.length} tasks`);
    for (let i = 1; i < tasks.length; i++) assert.ok(tasks[i - 1].created >= tasks[i].created, 'newest first');
    const t = tasks.find((x) => x.operation === 'vm_destroy');
    const one = await read(main, `/tasks/${t.id}`);
    assert.deepEqual([one.state, one.operation, one.progress], ['success', 'vm_destroy', 100]);
    assert.match(one.vcenter_task, /^task-/);
    await invalid(main, 'GET', `/tasks/${t.id}?colour=red`, 'colour');
    await fails(main, 'GET', '/tasks/t-0000000000000000', 404, 'NOT_FOUND');
    await fails(main, 'POST', '/tasks/t-0000000000000000/cancel', 404, 'NOT_FOUND');
    const c = await fails(main, 'POST', `/tasks/${t.id}/cancel`, 409, 'INVALID_STATE');
    assert.match(c.body.message, /already finished/);
    assert.equal((await read(main, `/tasks/${t.id}`)).state, 'success');
  });

  await check('GET /tasks pages like every list: page_size, cursor bound to /tasks, first_page_only, 422s', async () => {
    const all = (await read(main, '/tasks?page_size=2000')).map((t) => t.id);
    assert.ok(all.length >= 20, `${all.length} tasks`);
    const byDefault = await api(main, 'GET', '/tasks');
    assert.equal(byDefault.body.page_info.page_size, 100);
    assert.equal(byDefault.body.page_info.offset, 0);
    assert.equal(byDefault.body.total_count, all.length);
    assert.deepEqual(byDefault.body.data.map((t) => t.id), all.slice(0, 100));
    for (const size of [1, 7]) {
      const { items, pages } = await walk(main, '/tasks', size);
      assert.deepEqual(items.map((t) => t.id), all);
      assert.equal(pages, Math.ceil(all.length / size));
    }
    const first = await api(main, 'GET', '/tasks?page_size=3&first_page_only=true');
    assert.deepEqual(first.body.data.map((t) => t.id), all.slice(0, 3));
    assert.equal(first.body.total_count, all.length);
    assert.deepEqual([first.body.page_info.has_more, first.body.page_info.first_page_only, first.body.page_info.next_cursor],
                     [true, true, null]);
    assert.match(first.body.message, new RegExp(`^3 of ${all.length} tasks`));
    for (const bad of ['0', '2001', '-1', 'ten', '1.5', ''])
      await invalid(main, 'GET', `/tasks?page_size=${bad}`, 'page_size');
    await invalid(main, 'GET', '/tasks?first_page_only=perhaps', 'first_page_only');
    // A cursor belongs to its route: one of /vms (same, empty, filters) or a forged one is refused.
    const vmCursor = (await api(main, 'GET', '/vms?page_size=1')).body.page_info.next_cursor;
    assert.equal(typeof vmCursor, 'string');
    await invalid(main, 'GET', `/tasks?page_size=1&cursor=${enc(vmCursor)}`, 'cursor');
    const taskCursor = (await api(main, 'GET', '/tasks?page_size=1')).body.page_info.next_cursor;
    await invalid(main, 'GET', `/vms?page_size=1&cursor=${enc(taskCursor)}`, 'cursor');
    for (const forged of ['not-a-cursor!', 'AAAA', Buffer.from('-5.x').toString('base64url')])
      await invalid(main, 'GET', `/tasks?cursor=${enc(forged)}`, 'cursor');
    const unknown = await invalid(main, 'GET', '/tasks?colour=red', 'colour');
    assert.match(unknown.body.message, /page_size, cursor, first_page_only/);
    await invalid(main, 'GET', '/tasks?limit=5', 'limit');
    await invalid(main, 'GET', '/tasks?page_size=1&page_size=2', 'page_size');
    // Each caller pages their own tasks only.
    const keysPage = await api(keys, 'GET', '/tasks?page_size=1', { auth: TOKENS.vic });
    assert.equal(keysPage.status, 200);
    assert.equal(keysPage.body.total_count, 0);
    assert.deepEqual(keysPage.body.page_info, { page_size: 1, offset: 0, count: 0, has_more: false,
                                                first_page_only: false, next_cursor: null });
  });

  // ---- logins ---------------------------------------------------------------------------------

  const loginEvents = async () => (await events(main, 'UserLoginSessionEvent')).events.length;
  const logoutEvents = async () => (await events(main, 'UserLogoutSessionEvent')).events.length;
  let token;

  await check('anonymous on loopback without tokens; a token the gateway does not know -> 401', async () => {
    const s = await read(main, '/auth/status');
    assert.deepEqual([s.principal, s.authenticated_by, s.role], ['anonymous', 'anonymous', 'admin']);
    const r = await fails(main, 'GET', '/vms', 401, 'UNAUTHENTICATED', { auth: 'some-api-token-0123456789' });
    assert.match(r.headers.get('www-authenticate'), /Bearer/);
    await fails(main, 'GET', '/auth/status', 401, 'UNAUTHENTICATED', { auth: 'vsg_' + 'A'.repeat(43) });
    await fails(main, 'POST', '/auth/logout', 400, 'NOT_A_LOGIN');
    await fails(main, 'POST', '/auth/refresh', 400, 'NOT_A_LOGIN');
    await invalid(main, 'GET', '/auth/status?verbose=1', 'verbose');
  });

  await check('POST /auth/login opens a vCenter session and returns a bearer token that works', async () => {
    const before = await loginEvents();
    const r = await api(main, 'POST', '/auth/login', { body: { username: 'user', password: VC_PASSWORD } });
    assert.equal(r.status, 200, r.text);
    const d = r.body.data;
    assert.match(d.token, /^vsg_[A-Za-z0-9_-]{43}$/);
    assert.equal(d.token_type, 'Bearer');
    assert.equal(d.username, 'user');
    assert.equal(d.expires_in, 3600);
    assert.ok(Math.abs(Date.parse(d.expires_at) - (Date.now() + 3600 * 1000)) < 60 * 1000, d.expires_at);
    token = d.token;
    assert.equal(await loginEvents(), before + 1);  // vCenter saw a login
    const s = await read(main, '/auth/status', { auth: token });
    assert.deepEqual([s.principal, s.authenticated_by, s.username, s.role], ['vc:user', 'login', 'user', 'admin']);
    assert.equal(s.expires_at, d.expires_at);
    assert.equal((await api(main, 'GET', '/vms', { auth: token })).body.total_count, 4);
    assert.equal((await read(main, '/auth/status', { auth: { apiKey: token } })).principal, 'vc:user');
  });

  await check('tasks belong to their principal: another one gets 404', async () => {
    const mine = await run(main, 'POST', '/vms/DC0_H0_VM1/power/off?confirm=true', { auth: token });
    assert.equal(mine.task.state, 'success');
    assert.equal((await vmOf(main, 'DC0_H0_VM1')).power_state, 'poweredOff');
    const loginTasks = await read(main, '/tasks', { auth: token });
    assert.equal(loginTasks.length, 1);
    const id = loginTasks[0].id;
    await fails(main, 'GET', `/tasks/${id}`, 404, 'NOT_FOUND');           // anonymous
    await fails(main, 'POST', `/tasks/${id}/cancel`, 404, 'NOT_FOUND');
    assert.ok(!(await read(main, '/tasks?page_size=2000')).some((t) => t.id === id));
    const anonymous = (await read(main, '/tasks'))[0].id;
    await fails(main, 'GET', `/tasks/${anonymous}`, 404, 'NOT_FOUND', { auth: token });
    await run(main, 'POST', '/vms/DC0_H0_VM1/power/on', { auth: token });
  });

  await check('a wrong password -> 401 naming the user, not the password; bad login bodies', async () => {
    const before = await loginEvents();
    const r = await fails(main, 'POST', '/auth/login', 401, 'UNAUTHENTICATED', { body: { username: 'user', password: WRONG_PASSWORD } });
    assert.match(r.body.message, /'user'/);
    assert.equal(await loginEvents(), before);
    await invalid(main, 'POST', '/auth/login', 'password', { body: { username: 'user' } });
  });

  await check('POST /auth/login: 415 for a body that is not JSON (nothing logs in); application/json; charset=utf-8 works', async () => {
    const before = await loginEvents();
    const form = await fails(main, 'POST', '/auth/login', 415, 'UNSUPPORTED_MEDIA_TYPE',
                             { body: `username=user&password=${WRONG_PASSWORD}`, type: 'application/x-www-form-urlencoded' });
    assert.match(form.body.message, /application\/json/);
    assert.equal(form.body.error_details.expected, 'application/json');
    // JSON under another media type is refused too, even with the right password.
    for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/jsonp'])
      await fails(main, 'POST', '/auth/login', 415, 'UNSUPPORTED_MEDIA_TYPE',
                  { body: JSON.stringify({ username: 'user', password: VC_PASSWORD }), type });
    assert.equal(await loginEvents(), before);  // vCenter saw no login
    const r = await api(main, 'POST', '/auth/login',
                        { body: { username: 'user', password: VC_PASSWORD }, type: 'application/json; charset=utf-8' });
    assert.equal(r.status, 200, r.text);
    assert.equal(await loginEvents(), before + 1);
    await data(main, 'POST', '/auth/logout', { auth: r.body.data.token });
  });

  await check('POST /auth/refresh: a new token; the old one stops working', async () => {
    const before = await read(main, '/auth/status', { auth: token });
    const fresh = await data(main, 'POST', '/auth/refresh', { auth: token });
    assert.match(fresh.token, /^vsg_/);
    assert.notEqual(fresh.token, token);
    assert.ok(Date.parse(fresh.expires_at) >= Date.parse(before.expires_at));
    await fails(main, 'GET', '/auth/status', 401, 'UNAUTHENTICATED', { auth: token });
    await fails(main, 'POST', '/auth/refresh', 401, 'UNAUTHENTICATED', { auth: token });
    token = fresh.token;
    assert.equal((await read(main, '/auth/status', { auth: token })).principal, 'vc:user');
    assert.equal((await read(main, '/tasks', { auth: token })).length, 2);  // same principal, same tasks
  });

  await check('POST /auth/logout: the token stops working and the vCenter session ends', async () => {
    const before = await logoutEvents();
    const r = await data(main, 'POST', '/auth/logout', { auth: token });
    assert.deepEqual(r, {});
    await fails(main, 'GET', '/vms', 401, 'UNAUTHENTICATED', { auth: token });
    await fails(main, 'POST', '/auth/logout', 401, 'UNAUTHENTICATED', { auth: token });
    assert.equal(await eventually('the vCenter logout', async () => (await logoutEvents()) === before + 1 && before + 1), before + 1);
  });

  await check('logins are rate-limited per address: 429 with Retry-After', async () => {
    let limited;
    for (let i = 0; i < 12 && !limited; i++) {
      const r = await api(main, 'POST', '/auth/login', { body: { username: 'user', password: WRONG_PASSWORD } });
      if (r.status === 429) limited = r;
      else assert.equal(r.status, 401, r.text);
    }
    assert.ok(limited, 'no 429 after 12 logins');
    assert.equal(limited.body.error_code, 'RATE_LIMITED');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1, limited.headers.get('retry-after'));
  });

  // ---- API keys and roles ------------------------------------------------------------------------

  await check('API-key mode: no or a wrong token -> 401; Bearer and X-API-Key work; public routes stay open', async () => {
    const none = await fails(keys, 'GET', '/vms', 401, 'UNAUTHENTICATED');
    assert.match(none.headers.get('www-authenticate'), /Bearer/);
    await fails(keys, 'GET', '/vms', 401, 'UNAUTHENTICATED', { auth: 'not-a-real-token-at-all' });
    await fails(keys, 'GET', '/tasks', 401, 'UNAUTHENTICATED');
    await fails(keys, 'POST', '/vms/DC0_H0_VM0/power/off', 401, 'UNAUTHENTICATED');
    assert.equal((await api(keys, 'GET', '/vms', { auth: TOKENS.vic })).body.total_count, 4);
    assert.equal((await api(keys, 'GET', '/vms', { auth: { apiKey: TOKENS.vic } })).body.total_count, 4);
    // The scheme name is case-insensitive; extra blanks around the token do not matter.
    for (const authorization of [`bearer ${TOKENS.vic}`, `BEARER  ${TOKENS.vic} `])
      assert.equal((await api(keys, 'GET', '/vms', { headers: { authorization } })).status, 200, authorization);
    // Two different credentials are refused, whichever one is valid.
    await fails(keys, 'GET', '/vms', 401, 'UNAUTHENTICATED',
                { headers: { authorization: 'Bearer garbage-garbage-garbage', 'x-api-key': TOKENS.vic } });
    await fails(keys, 'GET', '/vms', 401, 'UNAUTHENTICATED',
                { headers: { authorization: `Bearer ${TOKENS.vic}`, 'x-api-key': 'garbage-garbage-garbage' } });
    assert.equal((await api(keys, 'GET', '/vms', { headers: { authorization: `Bearer ${TOKENS.vic}`, 'x-api-key': TOKENS.vic } })).status, 200);
    const s = await read(keys, '/auth/status', { auth: TOKENS.opal });
    assert.deepEqual([s.principal, s.role, s.authenticated_by], ['opal', 'operator', 'token']);
    await fails(keys, 'POST', '/auth/logout', 400, 'NOT_A_LOGIN', { auth: TOKENS.opal });
    for (const p of ['/', '/health', '/openapi.json', '/metrics', '/docs', '/redoc'])
      assert.equal((await api(keys, 'GET', p)).status, 200, p);
    await fails(keys, 'POST', '/auth/login', 403, 'LOGIN_DISABLED', { body: { username: 'user', password: VC_PASSWORD } });
  });

  await check('roles: a viewer may not change (403 naming role and operation), nothing changes', async () => {
    const vm = 'DC0_H0_VM1';
    // main's login just powered it on again; this gateway's live inventory learns of that from
    // vCenter's change feed (across gateways a change shows once the feed delivers it).
    let state;
    for (const deadline = Date.now() + 3000; Date.now() < deadline;) {
      state = (await vmOf(keys, vm, { auth: TOKENS.vic })).power_state;
      if (state === 'poweredOn') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(state, 'poweredOn');
    const denied = await fails(keys, 'POST', `/vms/${vm}/power/off`, 403, 'PERMISSION_DENIED', { auth: TOKENS.vic });
    assert.match(denied.body.message, /'viewer'/);
    assert.match(denied.body.message, /may not call POST \/vms\/\{id\}\/power\/off$/);  // the route, not the MCP tool
    await fails(keys, 'DELETE', `/vms/${vm}?confirm=true`, 403, 'PERMISSION_DENIED', { auth: TOKENS.vic });
    const op = await fails(keys, 'DELETE', `/vms/${vm}?confirm=true`, 403, 'PERMISSION_DENIED', { auth: TOKENS.opal });
    assert.match(op.body.message, /'operator'.*DELETE \/vms\/\{id\}/);
    assert.doesNotMatch(op.body.message, /vm_destroy/);
    await fails(keys, 'POST', '/vms', 403, 'PERMISSION_DENIED', { auth: TOKENS.opal, body: { name: 'e2e-denied' } });
    assert.equal((await vmOf(keys, vm, { auth: TOKENS.ada })).power_state, 'poweredOn');
    assert.deepEqual((await read(keys, '/vms?name=e2e-*', { auth: TOKENS.ada })), []);
    const denials = auditRecords(keys).filter((r) => r.outcome === 'denied');
    assert.ok(denials.some((r) => r.principal === 'vic' && r.operation === 'vm_power_off' && r.transport === 'rest'));
  });

  await check('tasks of another API principal -> 404', async () => {
    const vm = 'DC0_H0_VM1';
    const r = await api(keys, 'POST', `/vms/${vm}/power/off?confirm=true`, { auth: TOKENS.opal });
    assert.equal(r.status, 202, r.text);
    const id = r.body.data.id;
    await fails(keys, 'GET', `/tasks/${id}`, 404, 'NOT_FOUND', { auth: TOKENS.ada });
    await fails(keys, 'POST', `/tasks/${id}/cancel`, 404, 'NOT_FOUND', { auth: TOKENS.ada });
    assert.ok(!(await read(keys, '/tasks?page_size=2000', { auth: TOKENS.ada })).some((t) => t.id === id));
    assert.equal((await waitTask(keys, id, TOKENS.opal)).state, 'success');
    assert.equal((await vmOf(keys, vm, { auth: TOKENS.ada })).power_state, 'poweredOff');
    await run(keys, 'POST', `/vms/${vm}/power/on`, { auth: TOKENS.ada });
  });

  await check('rate limits: 429 with Retry-After, per principal and per class', async () => {
    const vm = 'DC0_H0_VM1';
    await run(keys, 'POST', `/vms/${vm}/power/suspend?confirm=true`, { auth: TOKENS.lim });  // the one change allowed
    const r = await fails(keys, 'POST', `/vms/${vm}/power/on`, 429, 'RATE_LIMITED', { auth: TOKENS.lim });
    assert.ok(Number(r.headers.get('retry-after')) >= 1, r.headers.get('retry-after'));
    assert.match(r.body.message, /retry after/i);
    assert.equal((await vmOf(keys, vm, { auth: TOKENS.ada })).power_state, 'suspended');  // refused: nothing ran
    // reads have their own bucket (2)
    await read(keys, '/hosts', { auth: TOKENS.lim });
    await read(keys, '/clusters', { auth: TOKENS.lim });
    const reads = await fails(keys, 'GET', '/hosts', 429, 'RATE_LIMITED', { auth: TOKENS.lim });
    assert.ok(Number(reads.headers.get('retry-after')) >= 1);
    // others are not limited by lim's budget
    await run(keys, 'POST', `/vms/${vm}/power/on`, { auth: TOKENS.ada });
    assert.equal((await vmOf(keys, vm, { auth: TOKENS.ada })).power_state, 'poweredOn');
    assert.ok(auditRecords(keys).some((x) => x.principal === 'lim' && x.outcome === 'rate_limited'));
  });

  // ---- metrics, audit, secrets -------------------------------------------------------------------

  await check('GET /metrics counts calls by outcome', async () => {
    const r = await api(keys, 'GET', '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/plain/);
    assert.match(r.text, /vsmcp_tool_calls_total\{tool="vm_power_off",outcome="denied"\} [1-9]/);
    assert.match(r.text, /vsmcp_tool_calls_total\{tool="vm_power_on",outcome="rate_limited"\} 1/);
    assert.match(r.text, /vsmcp_tool_calls_total\{tool="vm_list",outcome="ok"\} [1-9]/);
    const m = await api(main, 'GET', '/metrics');
    assert.match(m.text, /vsmcp_tool_calls_total\{tool="vm_destroy",outcome="dry_run"\} [1-9]/);
    assert.match(m.text, /vsmcp_tool_calls_total\{tool="vm_create",outcome="ok"\} [1-9]/);
    assert.match(m.text, /vsmcp_vcenter_calls_total/);
  });

  await check('the audit log records REST calls with their X-Request-Id', async () => {
    const r = await api(main, 'GET', '/clusters/DC0_C0', { headers: { 'x-request-id': 'e2e-req-4711' } });
    assert.equal(r.headers.get('x-request-id'), 'e2e-req-4711');
    const records = auditRecords(main);
    assert.ok(records.some((x) => x.correlation_id === 'e2e-req-4711' && x.operation === 'cluster_get' && x.outcome === 'ok'));
    const destroy = records.filter((x) => x.operation === 'vm_destroy');
    assert.ok(destroy.some((x) => x.outcome === 'dry_run') && destroy.some((x) => x.outcome === 'ok'));
    // A destructive call says how it was approved and by whom (here: ?confirm=true, anonymous on
    // loopback); dry runs were approved by no one, and approved_by is no argument.
    for (const x of destroy.filter((d) => d.outcome === 'ok')) {
      assert.deepEqual([x.approval, x.approved_by], ['rest_confirm', 'anonymous'], JSON.stringify(x));
      assert.equal(x.arguments?.approved_by, undefined);
    }
    for (const x of destroy.filter((d) => d.outcome === 'dry_run')) assert.equal(x.approval, undefined, JSON.stringify(x));
    const opalOff = auditRecords(keys).filter((x) => x.principal === 'opal' && x.operation === 'vm_power_off' && x.event === 'call');
    assert.deepEqual(opalOff.map((x) => [x.outcome, x.approval, x.approved_by]), [['ok', 'rest_confirm', 'opal']]);
    assert.ok(records.some((x) => x.operation === 'auth_login' && x.principal === 'vc:user' && x.outcome === 'error'));
  });

  // ---- the doomed gateway's health ----------------------------------------------------------------

  await check('GET /health answers 503 once vCenter is gone', async () => {
    const r = await eventually('/health to notice', async () => {
      const h = await api(doomed, 'GET', '/health');
      return h.status === 503 && h;
    }, 40000);
    assert.equal(r.body.error_code, 'UNAVAILABLE');
    const h = r.body.error_details;  // the health report
    assert.equal(h.status, 'degraded');
    assert.equal(h.vcenter.reachable, false);
    assert.equal(typeof h.vcenter.error, 'string');
    assert.ok(Number.isInteger(h.uptime_seconds) && typeof h.version === 'string');
  });

  await check('a login token expires: then 401, and its vCenter session is ended', async () => {
    await eventually('the token to expire', async () => {
      const r = await api(short, 'GET', '/auth/status', { auth: shortToken });
      if (r.status === 200) return false;
      assert.equal(r.status, 401, r.text);
      assert.equal(r.body.error_code, 'UNAUTHENTICATED');
      return true;
    }, 120000);
    await fails(short, 'GET', '/vms', 401, 'UNAUTHENTICATED', { auth: shortToken });
    await eventually('the vCenter logout of the expired session', async () =>
      (await events(main, 'UserLogoutSessionEvent')).events.length > shortLogoutsBefore);
  });

  await check('no secret in any gateway\'s stderr or audit log', async () => {
    for (const gw of gateways) {
      const logs = gw.stderr() + gw.stdout() + fs.readFileSync(gw.audit, 'utf8');
      for (const s of SECRETS) assert.ok(!logs.includes(s), `${gw.name}: a secret in its logs`);
    }
  });

  // ---- coverage ------------------------------------------------------------------------------------

  await check('every route of routes.cpp was requested', async () => {
    const missing = ROUTES.map((r) => `${r.method} ${r.path}`).filter((r) => !requested.has(r));
    assert.deepEqual(missing, []);
  });

  await check('every status code of the issue was seen', async () => {
    const expected = [200, 201, 202, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 503];
    assert.deepEqual(expected.filter((s) => !statusesSeen.has(s)), []);
  });
} finally {
  for (const gw of gateways) gw.child.kill('SIGTERM');
  await Promise.all(gateways.map((gw) => gw.exited));
  for (const p of proxies) {
    p.close();
    p.closeAllConnections();
  }
  faultySim.child.kill('SIGTERM');
  await faultySim.exited;
}
for (const gw of gateways) assert.equal(gw.child.exitCode, 0, `${gw.name} did not stop cleanly: ${gw.stderr()}`);
finish();
