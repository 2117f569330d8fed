// rest-gateway's OpenAPI document, checked against a running gateway on the vCenter simulator:
// Redocly's `recommended` lint finds no error and no warning (bar info-license: the project
// states no license yet); every route in apps/rest-gateway/routes.cpp is documented; and real
// replies of the read routes (and of a few refusals) are valid against the schema the document
// gives for their status, checked with Ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1),
// strictly too: a member of a reply that its schema does not list fails.
//   node rest_gateway_openapi.mjs <rest-gateway binary> <vcsim url> <ca bundle>
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { check, finish } from './harness.mjs';

const [binary, vcUrl, ca] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
const routesSource = path.join(here, '..', '..', 'apps', 'rest-gateway', 'routes.cpp');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsmcp-openapi-'));

const gateway = spawn(binary, ['--port', '0'], {
  env: { PATH: process.env.PATH, VCENTER_HOST: vcUrl, VCENTER_USER: 'user', VCENTER_PASSWORD: 'pass',
         VCENTER_CA_BUNDLE: ca, MCP_AUDIT_LOG: 'off' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let stderr = '';
gateway.stderr.on('data', (d) => { stderr += d; });
const base = await new Promise((resolve, reject) => {
  let out = '';
  gateway.stdout.on('data', (d) => {
    out += d;
    const m = /REST_URL=(\S+)/.exec(out);
    if (m) resolve(m[1]);
  });
  gateway.on('exit', (code) => reject(new Error(`rest-gateway exited with ${code}: ${stderr}`)));
});
process.on('exit', () => { gateway.kill('SIGTERM'); fs.rmSync(dir, { recursive: true, force: true }); });

async function get(route, headers = {}) {
  const r = await fetch(base + route, { headers });
  const text = await r.text();
  let body;
  try { body = JSON.parse(text); } catch { body = text; }
  return { status: r.status, type: r.headers.get('content-type') || '', body };
}

let doc;
await check('GET /openapi.json answers an OpenAPI 3.1 document', async () => {
  const r = await get('/openapi.json');
  assert.equal(r.status, 200);
  assert.match(r.type, /^application\/json/);
  doc = r.body;
  assert.equal(doc.openapi, '3.1.0');
  assert.ok(Object.keys(doc.paths).length > 40, 'fewer paths than routes');
});

await check('Redocly recommended lint: no errors, no warnings', async () => {
  const file = path.join(dir, 'openapi.json');
  fs.writeFileSync(file, JSON.stringify(doc));
  const cli = path.join(here, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
  let stdout;
  try {
    ({ stdout } = await promisify(execFile)(process.execPath,
      [cli, 'lint', '--extends=recommended', '--skip-rule=info-license', '--format=json', '--max-problems=1000',
       file],
      { env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
        maxBuffer: 64 << 20 }));
  } catch (e) {
    stdout = e.stdout;  // exits 1 when there are errors; the report is still on stdout
    if (!stdout) throw e;
  }
  const report = JSON.parse(stdout.slice(stdout.indexOf('{')));
  const problems = report.problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${
    p.location.map((l) => l.pointer).join(', ')}`);
  assert.equal(report.totals.errors, 0, problems.join('\n'));
  assert.equal(report.totals.warnings, 0, problems.join('\n'));
  console.log(`# redocly lint: ${report.totals.errors} errors, ${report.totals.warnings} warnings, ` +
              `${report.totals.ignored} ignored`);
});

await check('every route of routes.cpp is documented, and nothing else', async () => {
  const source = fs.readFileSync(routesSource, 'utf8');
  const routes = new Set();
  for (const m of source.matchAll(/\b(?:op|native)\("(GET|POST|PATCH|DELETE)",\s*"([^"]+)"/g))
    routes.add(`${m[1].toLowerCase()} ${m[2]}`);
  for (const m of source.matchAll(/\blist\("([^"]+)"/g)) routes.add(`get ${m[1]}`);
  assert.ok(routes.size > 40, `only ${routes.size} routes found in routes.cpp: has its shape changed?`);
  const documented = new Set();
  for (const [p, item] of Object.entries(doc.paths))
    for (const method of Object.keys(item)) documented.add(`${method} ${p}`);
  const missing = [...routes].filter((r) => !documented.has(r));
  const extra = [...documented].filter((r) => !routes.has(r));
  assert.deepEqual(missing, [], 'routes missing from the document');
  assert.deepEqual(extra, [], 'documented operations without a route');
  const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((o) => o.operationId));
  assert.equal(new Set(ids).size, ids.length, 'operationIds are not unique');
});

// Ajv over the whole document, so the responses' $refs into components resolve.
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addFormat('password', true);
ajv.addSchema({ $id: 'openapi.json', components: doc.components });
// Strict: every object schema that lists properties and says nothing of others is closed, so a
// reply member the document does not mention fails (the document lists every field it returns).
function closed(schema) {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema;
  const out = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, closed(v)]));
  if (out.properties && out.additionalProperties === undefined && out.unevaluatedProperties === undefined)
    out.unevaluatedProperties = false;
  return out;
}
const strictAjv = new Ajv2020({ strict: false, allErrors: true });
addFormats(strictAjv);
strictAjv.addFormat('password', true);
strictAjv.addSchema({ $id: 'openapi.json', components: closed(doc.components) });

function validatorFor(route, method, status, strict = false) {
  const op = doc.paths[route]?.[method];
  assert.ok(op, `${method} ${route} is not documented`);
  let response = op.responses[String(status)] ?? op.responses[`${String(status)[0]}XX`];
  assert.ok(response, `${method} ${route}: status ${status} is not documented`);
  if (response.$ref) response = doc.components.responses[response.$ref.split('/').pop()];
  const schema = response.content?.['application/json']?.schema;
  assert.ok(schema, `${method} ${route} ${status}: no JSON schema`);
  const rewritten = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi.json#/components/'));
  return strict ? strictAjv.compile(closed(rewritten)) : ajv.compile(rewritten);
}
function assertValid(route, method, reply, documentedRoute = route) {
  const validate = validatorFor(documentedRoute, method, reply.status);
  assert.ok(validate(reply.body), `${method.toUpperCase()} ${route} (${reply.status}) does not match its documented ` +
    `schema: ${ajv.errorsText(validate.errors, { separator: '\n  ' })}\nreply: ${
    JSON.stringify(reply.body).slice(0, 2000)}`);
  const strict = validatorFor(documentedRoute, method, reply.status, true);
  if (!strict(reply.body)) assert.fail(`${method.toUpperCase()} ${route} (${reply.status}) has members its documented ` +
    `schema does not list: ${[...new Set(strict.errors.map((e) => `${e.instancePath || '/'} ${e.message} ${
    JSON.stringify(e.params)}`))].slice(0, 10).join('\n  ')}`);
}

await check('the validator can fail: a reply missing its data, or with an undocumented member, is refused', async () => {
  const validate = validatorFor('/vms', 'get', 200);
  assert.equal(validate({ success: true, message: 'x', timestamp: new Date().toISOString() }), false);
  assert.equal(validate({ success: true, message: 'x', timestamp: 'yesterday', data: [], total_count: 0,
                          page_info: {} }), false, 'a bad date-time was accepted');
  const strict = validatorFor('/vms', 'get', 200, true);
  const page = { success: true, message: 'x', timestamp: new Date().toISOString(), data: [], total_count: 0,
                 page_info: { page_size: 1, offset: 0, count: 0, has_more: false, first_page_only: false,
                              next_cursor: null } };
  assert.equal(strict(page), true, ajv.errorsText(strict.errors));
  assert.equal(strict({ ...page, surprise: 1 }), false, 'an undocumented member was accepted');
});

// Every GET route without path parameters, then the ones with an {id} taken from the lists.
const ids = {};
await check('real replies of every parameterless GET route match their documented schema, every member listed', async () => {
  const routes = Object.entries(doc.paths)
    .filter(([p, item]) => item.get && !p.includes('{'))
    .map(([p]) => p)
    .filter((p) => !['/metrics', '/docs', '/redoc'].includes(p));  // not JSON
  assert.ok(routes.includes('/vms') && routes.includes('/health') && routes.includes('/hosts'));
  for (const route of routes) {
    const listed = doc.paths[route].get.parameters?.some((p) => p.name === 'page_size');
    const reply = await get(listed ? `${route}?page_size=3` : route);
    assert.equal(reply.status, 200, `GET ${route}: ${JSON.stringify(reply.body).slice(0, 500)}`);
    assertValid(route, 'get', reply);
    if (listed && reply.body.data.length > 0) ids[route] = reply.body.data[0].id ?? reply.body.data[0].name;
  }
  assert.ok(ids['/vms'] && ids['/hosts'], 'no VM or host id from the lists');
  console.log(`# ${routes.length} routes: ${routes.join(' ')}`);
});

await check('GET /tasks is documented as a paged list and its pages match the document, cursor included', async () => {
  const names = doc.paths['/tasks'].get.parameters.map((p) => p.name);
  assert.deepEqual(names, ['page_size', 'cursor', 'first_page_only']);
  // Three tasks that change nothing: power-ons of VMs that do not exist (they end in error).
  for (let i = 0; i < 3; i++) {
    const r = await fetch(`${base}/vms/no-such-vm-${i}/power/on`, { method: 'POST' });
    const reply = { status: r.status, body: await r.json() };
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    assertValid(`/vms/no-such-vm-${i}/power/on`, 'post', reply, '/vms/{id}/power/on');
  }
  let cursor = null, pages = 0;
  const ids = [];
  do {
    const route = `/tasks?page_size=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const reply = await get(route);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assertValid(route, 'get', reply, '/tasks');
    assert.equal(reply.body.total_count, 3);
    ids.push(...reply.body.data.map((t) => t.id));
    cursor = reply.body.page_info.next_cursor;
    pages++;
  } while (cursor && pages < 10);
  assert.equal(pages, 2);
  assert.equal(new Set(ids).size, 3);
  const only = await get('/tasks?page_size=1&first_page_only=true');
  assertValid('/tasks?page_size=1&first_page_only=true', 'get', only, '/tasks');
  for (const bad of ['/tasks?page_size=0', '/tasks?cursor=forged', '/tasks?colour=red']) {
    const refused = await get(bad);
    assert.equal(refused.status, 422, bad);
    assertValid(bad, 'get', refused, '/tasks');
  }
});

await check('real replies of GET /{kind}/{id} routes match their documented schema, every member listed', async () => {
  const item = { '/vms': ['/vms/{id}', '/vms/{id}/snapshots', '/vms/{id}/events'], '/hosts': ['/hosts/{id}'],
                 '/templates': ['/templates/{id}'], '/clusters': ['/clusters/{id}'],
                 '/datacenters': ['/datacenters/{id}'], '/datastores': ['/datastores/{id}'],
                 '/networks': ['/networks/{id}'], '/resource-pools': ['/resource-pools/{id}'],
                 '/folders': ['/folders/{id}'] };
  let checked = 0;
  for (const [list, routes] of Object.entries(item)) {
    if (!ids[list]) continue;
    for (const route of routes) {
      const concrete = route.replace('{id}', encodeURIComponent(ids[list]));
      const reply = await get(concrete);
      assert.equal(reply.status, 200, `GET ${concrete}: ${JSON.stringify(reply.body).slice(0, 500)}`);
      assertValid(concrete, 'get', reply, route);
      checked++;
    }
  }
  assert.ok(checked >= 8, `only ${checked} item routes checked`);
  console.log(`# ${checked} item routes, e.g. /vms/${ids['/vms']}`);
});

await check('refusals match their documented schemas (404 with and without a trailing slash, 415, 422, a dry run\'s 400 and 409, the HTTP layer\'s 403)', async () => {
  const slash = await get('/vms/');
  assert.equal(slash.status, 404);
  assert.equal(slash.body.error_details.did_you_mean, '/vms');
  assertValid('/vms/', 'get', slash, '/vms');
  const media = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'text/plain' },
                                                   body: '{"username":"user","password":"pass"}' });
  const mediaReply = { status: media.status, body: await media.json() };
  assert.equal(mediaReply.status, 415);
  assertValid('/auth/login', 'post', mediaReply);
  const missing = await get('/vms/no-such-vm-here');
  assert.equal(missing.status, 404);
  assertValid('/vms/no-such-vm-here', 'get', missing, '/vms/{id}');
  const invalid = await get('/vms?page_size=0');
  assert.equal(invalid.status, 422);
  assertValid('/vms?page_size=0', 'get', invalid, '/vms');
  const task = await get('/tasks/t-0000');
  assert.equal(task.status, 404);
  assertValid('/tasks/t-0000', 'get', task, '/tasks/{id}');
  // Destructive routes without ?confirm=true: 400 with the dry run; on a powered-on VM the
  // delete is blocked: 409 with the dry run and what blocks it. Nothing changes.
  const send = async (method, route) => {
    const r = await fetch(base + route, { method });
    return { status: r.status, body: await r.json() };
  };
  const dry = await send('POST', '/vms/DC0_H0_VM0/power/off');
  assert.equal(dry.status, 400);
  assert.equal(dry.body.error_code, 'CONFIRMATION_REQUIRED');
  assertValid('/vms/DC0_H0_VM0/power/off', 'post', dry, '/vms/{id}/power/off');
  const blocked = await send('DELETE', '/vms/DC0_H0_VM0');
  assert.equal(blocked.status, 409);
  assert.ok(blocked.body.error_details.blocked?.length === 1, JSON.stringify(blocked.body));
  assertValid('/vms/DC0_H0_VM0', 'delete', blocked, '/vms/{id}');
  const blockedConfirmed = await send('DELETE', '/vms/DC0_H0_VM0?confirm=true');
  assert.equal(blockedConfirmed.status, 409);
  assertValid('/vms/DC0_H0_VM0?confirm=true', 'delete', blockedConfirmed, '/vms/{id}');
  assert.equal((await get('/vms/DC0_H0_VM0')).body.data.vm.power_state, 'poweredOn');
  // A loopback-bound gateway refuses other Host names (DNS rebinding) before routing.
  // (fetch sets Host itself, so this one goes through node:http.)
  const rebind = await new Promise((resolve, reject) => {
    const req = http.get(`${base}/health`, { headers: { Host: 'rebind.example' } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text) }));
    });
    req.on('error', reject);
  });
  assert.equal(rebind.status, 403);
  assertValid('/health', 'get', rebind);
});

finish();
// The gateway child and keep-alive sockets would keep the event loop alive: stop it and leave.
gateway.kill('SIGTERM');
await new Promise((resolve) => gateway.on('exit', resolve));
process.exit(0);
