// Stateless scale-out (issue 14): two mcp-server replicas behind haproxy, round robin with no
// stickiness, serve one 2026-07-28 conversation of the official v2 client
// (@modelcontextprotocol/client 2.4.0):
//   node scaleout.mjs <mcp-server binary> <vcsim url> <ca bundle>
// (tests/CMakeLists.txt runs it through tests/node/with-vcsim.sh, which appends the last two;
// haproxy is found on PATH, in /usr/sbin or at $HAPROXY; scripts/install-deps.sh installs it.)
//
// Both replicas read the same MCP_STATE_KEY_FILE and talk to the same simulator; each writes
// its own audit log. haproxy takes its listening socket from this process (bound to port 0 and
// handed over as fd 3: `bind fd@3`), so there is no port to guess and nothing to wait for: a
// connection made before haproxy accepts waits in the socket's backlog. It closes the server
// side after every response (`option http-server-close`), so every request is balanced on its
// own, and names the replica that answered in the response header X-Vsmcp-Replica, which this
// test's fetch records for every request it sends.
//
// Checks: the client negotiates 2026-07-28 through haproxy (server/discover, tools/list,
// vm_list); the requests alternate between the replicas; a destructive call is approved through
// the client's elicitation handler with its input_required answer from one replica and its
// retry served by the other (the audit logs show approval_requested on one, ok on the other);
// a vm_clone task created on one replica is polled with tasks/get on both until complete.
// Negative: a third replica with a different key refuses the task id and the requestState the
// others issued, naming the signature; the same requestState is accepted by the other
// same-key replica (the control).
//
// A write's effect is read back from the replica that made it, straight (not through haproxy):
// each replica reads its own writes, but another replica's live inventory shows them only once
// its change feed delivers them (well under a second, not at once).
//
// Every check is reported "ok - NAME" or "not ok - NAME"; all run; ends with "N passed, N failed".
import assert from 'node:assert/strict';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  Client, StreamableHTTPClientTransport, PROTOCOL_VERSION_META_KEY, CLIENT_INFO_META_KEY,
  CLIENT_CAPABILITIES_META_KEY,
} from '@modelcontextprotocol/client';

const MODERN = '2026-07-28';
const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';
const REPLICA_HEADER = 'x-vsmcp-replica';
const [binary, vcUrl, ca] = process.argv.slice(2);
if (!binary || !vcUrl || !ca) {
  process.stderr.write('usage: node scaleout.mjs <mcp-server> <vcsim url> <ca bundle>\n');
  process.exit(2);
}

const say = (line) => writeSync(1, line + '\n');
let passed = 0, failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    say(`ok - ${name}`);
  } catch (e) {
    failed++;
    say(`not ok - ${name}: ${e?.stack ?? e}`);
  }
}
const within = (ms, what, promise) => Promise.race([promise, new Promise((_, reject) => {
  const t = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  t.unref();
})]);

function findHaproxy() {
  const candidates = process.env.HAPROXY ? [process.env.HAPROXY]
    : [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'].filter(Boolean).map((d) => join(d, 'haproxy'));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {}
  }
  throw new Error(`haproxy not found (looked at ${candidates.join(', ')}); scripts/install-deps.sh installs it`);
}

// ---- the processes --------------------------------------------------------------------------

const work = mkdtempSync(join(tmpdir(), 'vsmcp-scaleout-'));
const children = [];
const rateLimits = join(work, 'rate-limits.json');
writeFileSync(rateLimits, JSON.stringify({ read: { rate: 'off' }, change: { rate: 'off' } }));
const sharedKey = join(work, 'state.key');
const otherKey = join(work, 'other.key');
writeFileSync(sharedKey, randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
writeFileSync(otherKey, randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
const auditFile = (name) => join(work, `audit-${name}.log`);

// Starts an mcp-server on port 0; resolves to its URL (it prints MCP_URL= once it listens).
function startReplica(name, keyFile) {
  const env = { ...process.env, VCENTER_HOST: vcUrl, VCENTER_USER: 'user', VCENTER_PASSWORD: 'pass',
                VCENTER_CA_BUNDLE: ca, MCP_RATE_LIMITS_FILE: rateLimits, MCP_STATE_KEY_FILE: keyFile,
                MCP_AUDIT_LOG: auditFile(name) };
  const child = spawn(binary, ['--transport', 'http', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  return within(30000, `mcp-server ${name} printing MCP_URL=`, new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /^MCP_URL=(\S+)$/m.exec(out);
      if (m) resolve(new URL(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`mcp-server ${name} exited (${code}) before printing MCP_URL=`)));
  }));
}

// Starts haproxy in front of the replicas (haproxy server name -> URL), on a socket bound here
// to port 0 and handed over as its fd 3. Resolves to haproxy's URL for the MCP endpoint.
async function startHaproxy(replicas) {
  const haproxy = findHaproxy();
  const listener = createServer();
  await new Promise((resolve, reject) => {
    listener.once('error', reject);
    listener.listen({ port: 0, host: '127.0.0.1', backlog: 128 }, resolve);
  });
  const { port } = listener.address();
  const fd = listener._handle?.fd;
  if (!(fd >= 0)) throw new Error('cannot get the listening socket\'s file descriptor to hand to haproxy');
  const servers = Object.entries(replicas).map(([name, url]) => `  server ${name} ${url.host}`);
  const config = join(work, 'haproxy.cfg');
  writeFileSync(config, [
    'global',
    '  nbthread 1',
    'defaults',
    '  mode http',
    '  timeout connect 5s',
    '  timeout client 120s',
    '  timeout server 120s',
    'frontend mcp',
    '  bind fd@3',
    '  option http-server-close',
    '  default_backend replicas',
    'backend replicas',
    '  balance roundrobin',
    '  option http-server-close',
    `  http-response set-header ${REPLICA_HEADER} %s`,
    ...servers,
    '',
  ].join('\n'));
  let diagnostics = '';
  const child = spawn(haproxy, ['-db', '-f', config], { stdio: ['ignore', 'pipe', 'pipe', fd] });
  children.push(child);
  // haproxy holds the socket now; this process stops listening on it before its event loop
  // could accept anything (nobody knows the port yet).
  listener.close();
  for (const s of [child.stdout, child.stderr]) s.on('data', (chunk) => { diagnostics += chunk; });
  child.on('exit', (code, signal) => {
    if (!stopping) say(`# haproxy exited (${code ?? signal}): ${diagnostics.trim()}`);
  });
  const path = Object.values(replicas)[0].pathname;
  return new URL(`http://127.0.0.1:${port}${path}`);
}
let stopping = false;

// ---- the client, every request recorded with the replica that answered it -----------------

const served = [];  // {method, id, params, replica} for every POSTed JSON-RPC message, in order
async function recordingFetch(url, init) {
  const response = await fetch(url, init);
  let messages = [];
  if (typeof init?.body === 'string') {
    try {
      const parsed = JSON.parse(init.body);
      messages = Array.isArray(parsed) ? parsed : [parsed];
    } catch {}
  }
  const replica = response.headers.get(REPLICA_HEADER) ?? '(none)';
  if (messages.length === 0) served.push({ method: `${init?.method ?? 'GET'} (no body)`, replica });
  for (const m of messages) served.push({ method: m.method ?? '(response)', id: m.id, params: m.params, replica });
  return response;
}

// Own JSON-RPC requests over a transport (answers taken off before a Client sees them).
const own = new Map();  // id -> resolve
function takeOwnAnswers(transport) {
  const inner = transport.onmessage;
  transport.onmessage = (message, extra) => {
    if (!('method' in message) && own.has(message.id)) {
      own.get(message.id)(message);
      own.delete(message.id);
      return;
    }
    inner?.(message, extra);
  };
}
let nextId = 0;
const capabilities = { elicitation: {} };
const TASKS = { tasks: true };
// With {tasks: true} the client capabilities declare the tasks extension.
function request(transport, method, params = {}, { tasks = false } = {}) {
  const id = `scaleout-${++nextId}`;
  const _meta = {
    [PROTOCOL_VERSION_META_KEY]: MODERN,
    [CLIENT_INFO_META_KEY]: { name: 'vsmcp-scaleout', version: '1.0.0' },
    [CLIENT_CAPABILITIES_META_KEY]: tasks ? { ...capabilities, extensions: { [TASKS_EXTENSION]: {} } } : capabilities,
  };
  const reply = new Promise((resolve) => own.set(id, resolve));
  transport.send({ jsonrpc: '2.0', id, method, params: { ...params, _meta } }).catch((e) => {
    own.get(id)?.({ error: { code: 'transport', message: String(e?.message ?? e) } });
    own.delete(id);
  });
  return within(30000, method, reply);
}
async function result(transport, method, params, options) {
  const reply = await request(transport, method, params, options);
  if (reply.error) throw new Error(`${method}: error ${reply.error.code} ${reply.error.message}`);
  return reply.result;
}

const asked = [];
const client = new Client({ name: 'vsmcp-scaleout', version: '1.0.0' },
                          { capabilities, versionNegotiation: { mode: 'auto' } });
client.setRequestHandler('elicitation/create', async (req) => {
  asked.push(req.params.message);
  return { action: 'accept', content: { approve: true } };
});
async function call(name, args = {}) {
  const r = await client.callTool({ name, arguments: args });
  if (r.isError) throw new Error(`${name}(${JSON.stringify(args)}) failed: ${r.content?.[0]?.text}`);
  return r.structuredContent;
}

// The audit records of one replica (one JSON object a line).
const audit = (name) => {
  let text = '';
  try {
    text = readFileSync(auditFile(name), 'utf8');
  } catch {}
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
};
const other = (name) => (name === 'a' ? 'b' : 'a');

let directTransports = {};
// A transport straight to one replica (haproxy's balancing left out).
const directTo = async (name) => {
  if (!directTransports[name]) {
    const t = new StreamableHTTPClientTransport(direct[name]);
    t.onmessage = () => {};
    await t.start();
    takeOwnAnswers(t);
    directTransports[name] = t;
  }
  return directTransports[name];
};

// A tool call that must succeed, sent straight to one replica: its structuredContent. A
// replica's reads show its own writes (read your writes); another replica's show them once its
// change feed delivers them.
async function callOn(replica, name, args = {}) {
  const r = await result(await directTo(replica), 'tools/call', { name, arguments: args });
  if (r.isError) throw new Error(`${name}(${JSON.stringify(args)}) on ${replica} failed: ${r.content?.[0]?.text}`);
  return r.structuredContent;
}

let transport;  // the client's, through haproxy
let direct;     // {a, b, c}: each replica's own URL
let lbUrl;
try {
  await check('two replicas sharing a key, a third with another key, and haproxy start', async () => {
    const [a, b, c] = await Promise.all([startReplica('a', sharedKey), startReplica('b', sharedKey), startReplica('c', otherKey)]);
    direct = { a, b, c };
    lbUrl = await startHaproxy({ a, b });
    say(`# replicas a=${a} b=${b} (shared key), c=${c} (other key); haproxy ${lbUrl}`);
  });

  await check('the v2 client connects through haproxy and negotiates 2026-07-28', async () => {
    assert.ok(lbUrl, 'haproxy did not start');
    transport = new StreamableHTTPClientTransport(lbUrl, { fetch: recordingFetch });
    await within(30000, 'connect', client.connect(transport));
    takeOwnAnswers(transport);
    assert.equal(client.getNegotiatedProtocolVersion(), MODERN);
    assert.ok(!served.some((s) => s.method === 'initialize'), 'the client sent initialize');
    assert.equal(served[0]?.method, 'server/discover');
  });

  await check('server/discover and tools/list through haproxy', async () => {
    const discovered = await client.discover();
    assert.ok(discovered.supportedVersions.includes(MODERN), JSON.stringify(discovered.supportedVersions));
    assert.ok(discovered.capabilities.extensions?.[TASKS_EXTENSION], JSON.stringify(discovered.capabilities));
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const n of ['vm_list', 'vm_power_off', 'vm_clone']) assert.ok(names.includes(n), `no ${n}`);
  });

  await check('vm_list through haproxy lists the simulator\'s VMs', async () => {
    const names = (await call('vm_list', { limit: 100 })).vms.map((v) => v.name);
    for (const n of ['DC0_H0_VM0', 'DC0_H0_VM1', 'DC0_C0_RP0_VM0']) assert.ok(names.includes(n), `no ${n} in ${names}`);
  });

  await check('requests alternate between the two replicas (round robin, no stickiness)', async () => {
    say(`# served so far: ${served.map((s) => `${s.method}@${s.replica}`).join(' ')}`);
    assert.ok(served.length >= 4, `only ${served.length} requests were sent`);
    for (const s of served) assert.ok(['a', 'b'].includes(s.replica), `${s.method} answered by '${s.replica}'`);
    for (let i = 1; i < served.length; i++) {
      assert.notEqual(served[i].replica, served[i - 1].replica,
                      `requests ${i - 1} (${served[i - 1].method}) and ${i} (${served[i].method}) both went to ${served[i].replica}`);
    }
  });

  await check('an approval answered by one replica is retried on the other, which runs it', async () => {
    const before = served.length;
    const out = await call('vm_power_off', { vm: 'DC0_H0_VM0' });
    assert.equal(asked.length, 1, 'the elicitation handler was not asked once');
    assert.match(asked[0], /vm_power_off would .*DC0_H0_VM0/);
    assert.equal(out.task?.state, 'success', JSON.stringify(out));
    const calls = served.slice(before).filter((s) => s.method === 'tools/call' && s.params?.name === 'vm_power_off');
    assert.equal(calls.length, 2, `expected the call and its retry: ${JSON.stringify(calls)}`);
    const [first, retry] = calls;
    assert.ok(!first.params.inputResponses && retry.params.inputResponses, 'the second call is not the retry with inputResponses');
    assert.ok(retry.params.requestState, 'the retry carries no requestState');
    assert.notEqual(retry.replica, first.replica, `the call and its retry both went to ${first.replica}`);
    const powerOffs = (name) => audit(name).filter((r) => r.event === 'call' && r.operation === 'vm_power_off' &&
                                                         r.arguments?.vm === 'DC0_H0_VM0');
    const asking = powerOffs(first.replica), running = powerOffs(retry.replica);
    assert.deepEqual(asking.map((r) => r.outcome), ['approval_requested'], `replica ${first.replica}'s audit: ${JSON.stringify(asking)}`);
    assert.deepEqual(running.map((r) => r.outcome), ['ok'], `replica ${retry.replica}'s audit: ${JSON.stringify(running)}`);
    say(`# approval_requested on ${first.replica}, ok on ${retry.replica}`);
    assert.equal((await callOn(retry.replica, 'vm_get', { vm: 'DC0_H0_VM0' })).vm.power_state, 'poweredOff');
  });

  let taskId, taskReplica;
  await check('a vm_clone task created on one replica is polled on both to completion', async () => {
    const created = await result(transport, 'tools/call', { name: 'vm_clone', arguments: { vm: 'DC0_C0_RP0_VM0', name: 'scaleout-clone' } }, TASKS);
    assert.equal(created.resultType, 'task', JSON.stringify(created));
    assert.ok(['working', 'completed'].includes(created.status), JSON.stringify(created));
    taskId = created.taskId;
    taskReplica = served.at(-1).replica;
    assert.equal(served.at(-1).params?.name, 'vm_clone');
    const polls = [];  // {replica, status}
    const deadline = Date.now() + 60000;
    let done;
    for (;;) {
      const t = await result(transport, 'tasks/get', { taskId }, TASKS);
      polls.push({ replica: served.at(-1).replica, status: t.status });
      if (['completed', 'failed', 'cancelled'].includes(t.status)) {
        done = t;
        break;
      }
      if (Date.now() > deadline) throw new Error(`task still ${t.status} after 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.notEqual(done.result?.isError, true, JSON.stringify(done.result));
    // Once more, so the replica that did not answer the completion answers it too.
    const again = await result(transport, 'tasks/get', { taskId }, TASKS);
    polls.push({ replica: served.at(-1).replica, status: again.status });
    assert.equal(again.status, 'completed', JSON.stringify(again));
    say(`# task created ${created.status} on ${taskReplica}; tasks/get: ${polls.map((p) => `${p.status}@${p.replica}`).join(' ')}`);
    for (const r of ['a', 'b']) {
      assert.ok(polls.some((p) => p.replica === r), `no tasks/get was answered by ${r}`);
      assert.ok(polls.some((p) => p.replica === r && p.status === 'completed'), `${r} never answered completed`);
    }
    assert.equal((await callOn(taskReplica, 'vm_get', { vm: 'scaleout-clone' })).vm.name, 'scaleout-clone');
  });

  await check('every request through haproxy went to the other replica than the one before', async () => {
    const count = (r) => served.filter((s) => s.replica === r).length;
    say(`# ${served.length} requests through haproxy: ${count('a')} on a, ${count('b')} on b`);
    // discover twice, tools/list, vm_list, vm_power_off and its retry, vm_clone, tasks/get at least twice
    assert.ok(served.length >= 9, `only ${served.length} requests were sent`);
    for (let i = 1; i < served.length; i++) {
      assert.ok(['a', 'b'].includes(served[i].replica), `${served[i].method} answered by '${served[i].replica}'`);
      assert.notEqual(served[i].replica, served[i - 1].replica,
                      `requests ${i - 1} (${served[i - 1].method}) and ${i} (${served[i].method}) both went to ${served[i].replica}`);
    }
  });

  // ---- negative: another key refuses the shared key's tokens ------------------------------
  await check('a replica with a different key refuses the task id, naming the signature', async () => {
    assert.ok(taskId, 'no task was created');
    const c = await directTo('c');
    const reply = await request(c, 'tasks/get', { taskId }, TASKS);
    assert.ok(reply.error, `replica c answered ${JSON.stringify(reply.result)}`);
    assert.equal(reply.error.code, -32602, JSON.stringify(reply.error));
    assert.match(reply.error.message, /Task not found: the taskId is not one this server issued .*signature does not match/);
    // The control: the other shared-key replica, asked directly, knows it.
    const b = await directTo(other(taskReplica));
    assert.equal((await result(b, 'tasks/get', { taskId }, TASKS)).status, 'completed');
  });

  await check('a replica with a different key refuses the requestState; the other shared-key replica takes it', async () => {
    const args = { name: 'vm_power_off', arguments: { vm: 'DC0_H0_VM1' } };
    const a = await directTo('a');
    const asking = await result(a, 'tools/call', args);
    assert.equal(asking.resultType, 'input_required', JSON.stringify(asking));
    const keys = Object.keys(asking.inputRequests ?? {});
    assert.equal(keys.length, 1, JSON.stringify(asking.inputRequests));
    assert.equal(typeof asking.requestState, 'string');
    const retry = { ...args, requestState: asking.requestState,
                    inputResponses: { [keys[0]]: { action: 'accept', content: { approve: true } } } };
    const refused = await request(await directTo('c'), 'tools/call', retry);
    assert.ok(refused.error, `replica c answered ${JSON.stringify(refused.result)}`);
    assert.equal(refused.error.code, -32602, JSON.stringify(refused.error));
    assert.match(refused.error.message, /requestState refused: its signature does not match/);
    assert.ok(!audit('c').some((r) => r.operation === 'vm_power_off' && r.outcome === 'ok'), 'replica c ran vm_power_off');
    assert.equal((await callOn('c', 'vm_get', { vm: 'DC0_H0_VM1' })).vm.power_state, 'poweredOn');
    const taken = await result(await directTo('b'), 'tools/call', retry);
    assert.notEqual(taken.isError, true, JSON.stringify(taken));
    assert.equal(taken.structuredContent?.task?.state, 'success', JSON.stringify(taken));
    assert.equal((await callOn('b', 'vm_get', { vm: 'DC0_H0_VM1' })).vm.power_state, 'poweredOff');
  });
} finally {
  say(`${passed} passed, ${failed} failed`);
  stopping = true;
  await client.close().catch(() => {});
  for (const t of Object.values(directTransports)) await t.close().catch(() => {});
  const exited = children.filter((c) => c.exitCode === null && c.signalCode === null)
    .map((c) => new Promise((resolve) => c.once('exit', resolve)));
  for (const child of children) child.kill('SIGTERM');
  await within(20000, 'the replicas and haproxy exiting', Promise.all(exited)).catch((e) => say(`# ${e.message}`));
  rmSync(work, { recursive: true, force: true });
  process.exit(failed ? 1 : 0);
}
