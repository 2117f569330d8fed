// mcp-server's policy over streamable HTTP, driven by the official TypeScript SDK client
// against the vCenter simulator: tokens and roles, tools/list per role, refusals, rate limits,
// session ownership, the audit log (contents, approvals, secrets), elicitation approvals (a no is
// final), approval mode 'person', metrics, and configuration (config file, and bad settings that
// must stop the server naming the setting).
//   node mcp_server_policy_e2e.mjs <mcp-server binary> <vcsim url> <ca bundle>
// The simulator must run with -password "$VC_PASSWORD" below.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { check, finish } from './harness.mjs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const [binary, vcUrl, ca] = process.argv.slice(2);
export const VC_PASSWORD = 'e2e-Vc-Secret-9f3k';
const TOKENS = {
  vic: 'viewer-token-5f2a9c1e77',
  opal: 'operator-token-83bd01aa4c',
  ada: 'admin-token-c0ffee1234567',
  lim: 'limited-token-9a8b7c6d5e4f',
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsmcp-policy-'));
const auditPath = path.join(dir, 'audit.log');
const tokensPath = path.join(dir, 'tokens.json');
const limitsPath = path.join(dir, 'limits.json');
fs.writeFileSync(tokensPath, JSON.stringify({
  tokens: [
    { name: 'vic', role: 'viewer', token: TOKENS.vic },
    { name: 'opal', role: 'operator', sha256: createHash('sha256').update(TOKENS.opal).digest('hex') },
    { name: 'ada', role: 'admin', token: TOKENS.ada },
    { name: 'lim', role: 'operator', token: TOKENS.lim },
  ],
}));
fs.writeFileSync(limitsPath, JSON.stringify({
  read: { rate: '6000/min', burst: 1000 },
  change: { rate: '6000/min', burst: 1000 },
  principals: { lim: { change: { rate: '1/h', burst: 1 }, read: { rate: '1/h', burst: 3 } } },
}));

const baseEnv = { PATH: process.env.PATH, VCENTER_HOST: vcUrl, VCENTER_USER: 'user', VCENTER_PASSWORD: VC_PASSWORD,
                  VCENTER_CA_BUNDLE: ca };

// Starts mcp-server; resolves with its URL once it prints MCP_URL, or rejects with its stderr
// when it exits first.
// Servers still running when this script exits (a failed check exits at once) are stopped.
const running = new Set();
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

function start(args, env) {
  const child = spawn(binary, args, { env: { ...baseEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.on('exit', () => running.delete(child));
  let out = '', err = '';
  child.stderr.on('data', (d) => { err += d; });
  // 'close', not 'exit': it comes after stdout and stderr were read to the end.
  const exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /MCP_URL=(\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    exited.then((code) => reject(new Error(`mcp-server exited with ${code}: ${err}`)));
  });
  return { child, ready, exited, stderr: () => err };
}

// Runs mcp-server expecting it to refuse its configuration: resolves with {code, stderr}.
async function refuse(args, env) {
  const s = start(args, env);
  s.ready.catch(() => {});  // it is expected not to become ready
  const code = await s.exited;
  return { code, stderr: s.stderr() };
}

async function connect(url, token, { elicit } = {}) {
  const client = new Client({ name: 'vsmcp-policy-e2e', version: '1.0.0' },
                            { capabilities: elicit ? { elicitation: {} } : {} });
  if (elicit) client.setRequestHandler(ElicitRequestSchema, elicit);
  const transport = new StreamableHTTPClientTransport(new URL(url),
    { requestInit: { headers: token ? { Authorization: `Bearer ${token}` } : {} } });
  await client.connect(transport);
  return { client, transport };
}

const ok = async (c, name, args = {}) => {
  const r = await c.callTool({ name, arguments: args });
  if (r.isError) throw new Error(`${name}: ${r.content[0].text}`);
  return r.structuredContent;
};
const audit = () => fs.readFileSync(auditPath, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const rpcHeaders = (token, session) => ({
  'content-type': 'application/json', accept: 'application/json, text/event-stream',
  ...(token ? { authorization: `Bearer ${token}` } : {}), ...(session ? { 'mcp-session-id': session } : {}),
});
const initBody = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });

const server = start(['--transport', 'http', '--port', '0'],
  { MCP_TOKENS_FILE: tokensPath, MCP_RATE_LIMITS_FILE: limitsPath, MCP_AUDIT_LOG: auditPath });
const url = await server.ready;
const ada = await connect(url, TOKENS.ada);
const vic = await connect(url, TOKENS.vic);
const opal = await connect(url, TOKENS.opal);

try {
  await check('a missing or unknown token gets 401 and is audited without the token', async () => {
    const none = await fetch(url, { method: 'POST', headers: rpcHeaders(), body: initBody });
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /Bearer/);
    const wrong = await fetch(url, { method: 'POST', headers: rpcHeaders('not-a-real-token-at-all'), body: initBody });
    assert.equal(wrong.status, 401);
    const xkey = await fetch(url, { method: 'POST', headers: { ...rpcHeaders(), 'x-api-key': TOKENS.vic }, body: initBody });
    assert.equal(xkey.status, 200);
    const lower = await fetch(url, { method: 'POST', headers: { ...rpcHeaders(), authorization: `bearer ${TOKENS.vic}` }, body: initBody });
    assert.equal(lower.status, 200);
    // A viewer's bearer with an admin's API key is not an admin: conflicting credentials are refused.
    const mixed = await fetch(url, { method: 'POST', headers: { ...rpcHeaders(TOKENS.vic), 'x-api-key': TOKENS.ada }, body: initBody });
    assert.equal(mixed.status, 401);
    const records = audit().filter((r) => r.outcome === 'unauthenticated');
    assert.ok(records.length >= 2, JSON.stringify(records));
    assert.ok(records.every((r) => r.remote === '127.0.0.1'));
  });

  await check('tools/list shows each role only what it grants', async () => {
    const all = (await ada.client.listTools()).tools;
    const viewer = (await vic.client.listTools()).tools;
    const operator = (await opal.client.listTools()).tools;
    const reads = all.filter((t) => t.annotations.readOnlyHint).map((t) => t.name).sort();
    assert.deepEqual(viewer.map((t) => t.name).sort(), reads);
    const names = new Set(operator.map((t) => t.name));
    for (const n of ['vm_list', 'vm_power_on', 'vm_power_off', 'vm_reset', 'vm_suspend', 'vm_shutdown_guest',
                     'vm_snapshot_create', 'vm_snapshot_revert', 'vm_snapshot_delete_all'])
      assert.ok(names.has(n), `operator should see ${n}`);
    for (const n of ['vm_destroy', 'vm_clone', 'vm_create', 'vm_reconfigure', 'host_enter_maintenance'])
      assert.ok(!names.has(n), `operator should not see ${n}`);
    assert.ok(all.length > operator.length && operator.length > viewer.length);
  });

  await check('a call outside the role is refused with a clear error, changes nothing, and is audited', async () => {
    const before = (await ok(ada.client, 'vm_get', { vm: 'DC0_H0_VM0' })).vm.power_state;
    const r = await vic.client.callTool({ name: 'vm_power_off', arguments: { vm: 'DC0_H0_VM0' } });
    assert.equal(r.isError, true);
    assert.match(r.content[0].text, /permission denied: role 'viewer' of 'vic' may not call vm_power_off/);
    const id = /correlation id ([0-9a-f]+)/.exec(r.content[0].text)?.[1];
    assert.ok(id, r.content[0].text);
    assert.equal((await ok(ada.client, 'vm_get', { vm: 'DC0_H0_VM0' })).vm.power_state, before);
    const rec = audit().find((x) => x.correlation_id === id);
    assert.ok(rec, 'no audit record for ' + id);
    assert.equal(rec.outcome, 'denied');
    assert.equal(rec.principal, 'vic');
    assert.equal(rec.role, 'viewer');
    assert.equal(rec.operation, 'vm_power_off');
    assert.deepEqual(rec.arguments, { vm: 'DC0_H0_VM0' });
  });

  await check('an allowed destructive change is audited before and after, with one correlation id and its approval', async () => {
    // Without confirm: a dry run, audited as one, approved by no one.
    const dry = await ok(opal.client, 'vm_power_off', { vm: 'DC0_H0_VM0' });
    assert.equal(dry.dry_run, true);
    assert.equal((await ok(ada.client, 'vm_get', { vm: 'DC0_H0_VM0' })).vm.power_state, 'poweredOn');
    const dryRecs = audit().filter((x) => x.principal === 'opal' && x.operation === 'vm_power_off');
    assert.deepEqual(dryRecs.map((x) => [x.event, x.outcome]), [['call', 'dry_run']], JSON.stringify(dryRecs));
    assert.equal(dryRecs[0].approval, undefined);
    assert.equal(dryRecs[0].approved_by, undefined);

    const r = await ok(opal.client, 'vm_power_off', { vm: 'DC0_H0_VM0', confirm: true });
    assert.equal(r.task.state, 'success');
    assert.equal((await ok(ada.client, 'vm_get', { vm: 'DC0_H0_VM0' })).vm.power_state, 'poweredOff');
    const recs = audit().filter((x) => x.principal === 'opal' && x.operation === 'vm_power_off').slice(1);
    assert.equal(recs.length, 2, JSON.stringify(recs));
    const [startRec, done] = recs;
    assert.equal(startRec.event, 'start');
    assert.equal(done.event, 'call');
    assert.equal(done.outcome, 'ok');
    assert.equal(startRec.correlation_id, done.correlation_id);
    assert.equal(done.role, 'operator');
    assert.equal(done.action, 'destructive');
    // The model's confirm: true approved it, on behalf of the token's principal; confirm is
    // not among the arguments, and approved_by is no argument any more.
    for (const rec of [startRec, done]) {
      assert.equal(rec.approval, 'caller_confirm', JSON.stringify(rec));
      assert.equal(rec.approved_by, 'opal', JSON.stringify(rec));
      assert.deepEqual(rec.arguments, { vm: 'DC0_H0_VM0' });
    }
    assert.equal(done.transport, 'http');
    assert.equal(done.target, new URL(vcUrl).hostname);
    assert.equal(typeof done.duration_ms, 'number');
    assert.ok(!Number.isNaN(Date.parse(done.time)));
    assert.ok(done.session);
    // Reads get one record, with no start.
    await ok(vic.client, 'host_list');
    const reads = audit().filter((x) => x.principal === 'vic' && x.operation === 'host_list');
    assert.deepEqual(reads.map((x) => x.event), ['call']);
  });

  await check('rate limits refuse past the burst, say when to retry, and keep reads and changes apart', async () => {
    const lim = await connect(url, TOKENS.lim);
    await ok(lim.client, 'vm_power_on', { vm: 'DC0_H0_VM0' });
    const refused = await lim.client.callTool({ name: 'vm_power_off', arguments: { vm: 'DC0_H0_VM0' } });
    assert.equal(refused.isError, true);
    assert.match(refused.content[0].text, /rate limit reached for 'lim' on change operations .*retry after \d+ s/);
    assert.equal((await ok(ada.client, 'vm_get', { vm: 'DC0_H0_VM0' })).vm.power_state, 'poweredOn');
    // The read bucket is separate: three reads pass, the fourth is refused.
    for (let i = 0; i < 3; i++) await ok(lim.client, 'vm_list', { limit: 1 });
    const read = await lim.client.callTool({ name: 'vm_list', arguments: {} });
    assert.match(read.content[0].text, /rate limit reached for 'lim' on read operations/);
    // Others are not affected.
    await ok(opal.client, 'vm_list', { limit: 1 });
    const recs = audit().filter((x) => x.principal === 'lim' && x.outcome === 'rate_limited');
    assert.deepEqual(recs.map((x) => x.operation), ['vm_power_off', 'vm_list']);
    await lim.client.close();
  });

  await check("a session belongs to its principal: another token naming it gets 404", async () => {
    const session = vic.transport.sessionId;
    assert.ok(session);
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list', params: {} });
    const stolen = await fetch(url, { method: 'POST', headers: rpcHeaders(TOKENS.opal, session), body: ping });
    assert.equal(stolen.status, 404);
    const del = await fetch(url, { method: 'DELETE', headers: rpcHeaders(TOKENS.ada, session) });
    assert.equal(del.status, 404);
    assert.ok((await vic.client.listTools()).tools.length > 0);  // still the owner's
  });

  await check('destructive calls ask the person through elicitation: approve acts, decline changes nothing', async () => {
    const asked = [];
    const yes = await connect(url, TOKENS.ada, { elicit: async (req) => {
      asked.push(req.params.message);
      return { action: 'accept', content: { approve: true } };
    } });
    const no = await connect(url, TOKENS.ada, { elicit: async (req) => {
      asked.push(req.params.message);
      return { action: 'decline' };
    } });
    await ok(ada.client, 'vm_snapshot_create', { vm: 'DC0_C0_RP0_VM1', name: 'keep-me' });
    const declined = await no.client.callTool({ name: 'vm_snapshot_delete_all', arguments: { vm: 'DC0_C0_RP0_VM1' } });
    assert.equal(declined.isError, undefined);
    assert.equal(declined.structuredContent.declined, true);
    assert.match(declined.content[0].text, /^DECLINED by the person asked: nothing changed\. It would have delete all 1 snapshot of /);
    assert.ok(!declined.content[0].text.includes('confirm'), declined.content[0].text);
    assert.equal((await ok(ada.client, 'vm_snapshot_list', { vm: 'DC0_C0_RP0_VM1' })).snapshots.length, 1);
    await ok(ada.client, 'vm_power_off', { vm: 'DC0_C0_RP0_VM1', confirm: true });
    const done = await yes.client.callTool({ name: 'vm_destroy', arguments: { vm: 'DC0_C0_RP0_VM1' } });
    assert.equal(done.isError, undefined, done.content?.[0]?.text);
    assert.equal(done.structuredContent.task.state, 'success');
    const gone = await ada.client.callTool({ name: 'vm_get', arguments: { vm: 'DC0_C0_RP0_VM1' } });
    assert.equal(gone.isError, true);
    assert.equal(asked.length, 2);
    assert.match(asked[0], /vm_snapshot_delete_all would .*DC0_C0_RP0_VM1/);
    assert.match(asked[1], /vm_destroy would destroy VM 'DC0_C0_RP0_VM1'/);
    const recs = audit().filter((x) => x.event === 'call' && ['vm_snapshot_delete_all', 'vm_destroy'].includes(x.operation));
    assert.deepEqual(recs.map((x) => x.outcome), ['declined', 'ok']);
    assert.equal(recs[1].approval, 'person');
    assert.equal(recs[1].approved_by, 'ada');
    assert.equal(recs[1].arguments.approved_by, undefined);
    // A client without elicitation still gets a dry run.
    const dry = await ada.client.callTool({ name: 'vm_destroy', arguments: { vm: 'DC0_C0_RP0_VM0' } });
    assert.equal(dry.structuredContent.dry_run, true);
    await yes.client.close();
    await no.client.close();
  });

  await check("a person's no is final: confirm: true from an elicitation client asks again, and a second no keeps the VM", async () => {
    const asked = [];
    const no = await connect(url, TOKENS.ada, { elicit: async (req) => {
      asked.push(req.params.message);
      return { action: 'decline' };
    } });
    const vm = 'DC0_H0_VM0';  // powered off, nothing blocks its destruction but the person
    if ((await ok(ada.client, 'vm_get', { vm })).vm.power_state !== 'poweredOff')
      await ok(ada.client, 'vm_power_off', { vm, confirm: true });
    const before = await ok(ada.client, 'vm_get', { vm });
    assert.equal(before.vm.power_state, 'poweredOff');
    const first = await no.client.callTool({ name: 'vm_destroy', arguments: { vm } });
    assert.equal(first.isError, undefined, first.content?.[0]?.text);
    assert.equal(first.structuredContent.declined, true);
    assert.equal(first.structuredContent.dry_run, true);
    assert.match(first.structuredContent.would, new RegExp(`^destroy VM '${vm}' \\(${before.vm.id}, poweredOff\\)`));
    assert.ok(!first.content[0].text.includes('confirm'), `a declined result offers confirm: ${first.content[0].text}`);
    assert.equal(asked.length, 1);
    // The model insists: confirm: true does not replace the person's answer; they are asked again.
    const second = await no.client.callTool({ name: 'vm_destroy', arguments: { vm, confirm: true } });
    assert.equal(second.isError, undefined, second.content?.[0]?.text);
    assert.equal(second.structuredContent.declined, true);
    assert.equal(second.structuredContent.task, undefined);
    assert.ok(!second.content[0].text.includes('confirm'), second.content[0].text);
    assert.equal(asked.length, 2, 'confirm: true ran without asking the person');
    for (const m of asked) assert.match(m, new RegExp(`^vm_destroy would destroy VM '${vm}'.*Approve this change\\?$`));
    // The VM is still there, seen through another session.
    const after = await ok(ada.client, 'vm_get', { vm });
    assert.deepEqual([after.vm.id, after.vm.power_state], [before.vm.id, 'poweredOff']);
    const recs = audit().filter((x) => x.event === 'call' && x.operation === 'vm_destroy' && x.arguments?.vm === vm);
    assert.deepEqual(recs.map((x) => x.outcome), ['declined', 'declined']);
    assert.ok(!audit().some((x) => x.event === 'start' && x.operation === 'vm_destroy' && x.arguments?.vm === vm));
    await no.client.close();
  });

  await check('resource reads go through the policy as the operation they run', async () => {
    const narrow = fs.mkdtempSync(path.join(os.tmpdir(), 'vsmcp-policy-narrow-'));
    const file = path.join(narrow, 'tokens.json');
    fs.writeFileSync(file, JSON.stringify({ roles: { blind: { reads: true, deny: ['vm_get'] } },
                                            tokens: [{ name: 'bea', role: 'blind', token: 'blind-token-1234567890' }] }));
    const s = start(['--transport', 'http', '--port', '0'], { MCP_TOKENS_FILE: file, MCP_AUDIT_LOG: 'off' });
    try {
      const bea = await connect(await s.ready, 'blind-token-1234567890');
      await assert.rejects(bea.client.readResource({ uri: 'vsphere://vm/DC0_H0_VM1' }), /may not call vm_get/);
      const hosts = await bea.client.readResource({ uri: 'vsphere://inventory/hosts' });
      assert.ok(JSON.parse(hosts.contents[0].text).total >= 1);
      await bea.client.close();
    } finally {
      s.child.kill();
      fs.rmSync(narrow, { recursive: true, force: true });
    }
  });

  await check('metrics count refusals, failed logins and vCenter latency; health names the target', async () => {
    const text = await (await fetch(new URL('/metrics', url))).text();
    assert.match(text, /vsmcp_tool_calls_total\{tool="vm_power_off",outcome="denied"\} 1\n/);
    assert.match(text, /vsmcp_tool_calls_total\{tool="vm_power_off",outcome="rate_limited"\} 1\n/);
    assert.match(text, /vsmcp_tool_calls_total\{tool="vm_snapshot_delete_all",outcome="declined"\} 1\n/);
    assert.match(text, /vsmcp_policy_decisions_total\{filter="role",decision="refused"\} [1-9]/);
    assert.match(text, /vsmcp_policy_decisions_total\{filter="rate_limit",decision="refused"\} 2\n/);
    assert.match(text, /vsmcp_auth_failures_total [2-9]/);
    assert.match(text, /vsmcp_vcenter_calls_total\{method="PowerOffVM_Task",result="ok"\} [1-9]/);
    assert.match(text, /vsmcp_vcenter_duration_seconds_count\{method="RetrievePropertiesEx"\} [1-9]/);
    const health = await (await fetch(new URL('/health', url))).json();
    assert.equal(health.status, 'ok');
    assert.equal(health.vcenter.host, new URL(vcUrl).hostname);
    assert.equal(typeof health.uptime_seconds, 'number');
  });

  await check('no secret reaches the audit log or the server log', async () => {
    const text = fs.readFileSync(auditPath, 'utf8') + server.stderr();
    for (const secret of [VC_PASSWORD, ...Object.values(TOKENS)]) assert.ok(!text.includes(secret), 'leaked a secret');
    assert.equal((fs.statSync(auditPath).mode & 0o777), 0o600);
  });
} finally {
  for (const c of [ada, vic, opal]) await c.client.close().catch(() => {});
  server.child.kill();
}

await check('a config file sets the same options as flags', async () => {
  const cfg = path.join(dir, 'server.toml');
  fs.writeFileSync(cfg, [
    'transport = "http"', 'port = 0', `tokens-file = "${tokensPath}"`, 'read-only = true', 'audit-log = "off"',
    'deny-tools = ["*_perf"]', '',
  ].join('\n'));
  const s = start(['--config', cfg], {});
  try {
    const u = await s.ready;
    assert.equal((await fetch(u, { method: 'POST', headers: rpcHeaders(), body: initBody })).status, 401);
    const c = await connect(u, TOKENS.ada);
    const { tools } = await c.client.listTools();
    assert.ok(tools.length > 5);
    for (const t of tools) {
      assert.equal(t.annotations.readOnlyHint, true, t.name);
      assert.ok(!t.name.endsWith('_perf'), t.name);
    }
    await c.client.close();
  } finally {
    s.child.kill();
  }
});

await check("approval mode 'person': without elicitation a destructive call is refused naming MCP_APPROVAL; a person's yes runs it", async () => {
  const personAudit = path.join(dir, 'audit-person.log');
  const s = start(['--transport', 'http', '--port', '0'],
    { MCP_TOKENS_FILE: tokensPath, MCP_AUDIT_LOG: personAudit, MCP_APPROVAL: 'person' });
  try {
    const u = await s.ready;
    const plain = await connect(u, TOKENS.ada);
    const asked = [];
    const person = await connect(u, TOKENS.ada, { elicit: async (req) => {
      asked.push(req.params.message);
      return { action: 'accept', content: { approve: true } };
    } });
    const vm = 'DC0_H0_VM0';  // powered off by the checks above
    const id = (await ok(plain.client, 'vm_get', { vm })).vm.id;
    const { tools } = await plain.client.listTools();
    assert.match(tools.find((t) => t.name === 'vm_destroy').description, /runs only when the person using this client approves it/);
    for (const args of [{ vm, confirm: true }, { vm }]) {
      const r = await plain.client.callTool({ name: 'vm_destroy', arguments: args });
      assert.equal(r.isError, true, JSON.stringify(args));
      assert.match(r.content[0].text, /vm_destroy needs a person's approval: .*'person' \(MCP_APPROVAL \/ --approval\).*did not declare elicitation.*nothing was changed/);
    }
    assert.equal((await ok(plain.client, 'vm_get', { vm })).vm.id, id);  // still there
    // Changes that are not destructive are not affected.
    const noted = await ok(plain.client, 'vm_reconfigure', { vm, annotation: 'person mode' });
    assert.equal(noted.task.state, 'success');
    // With a person to ask, their yes runs it.
    const done = await person.client.callTool({ name: 'vm_destroy', arguments: { vm } });
    assert.equal(done.isError, undefined, done.content?.[0]?.text);
    assert.equal(done.structuredContent.task.state, 'success');
    assert.equal(asked.length, 1);
    assert.match(asked[0], new RegExp(`^vm_destroy would destroy VM '${vm}' \\(${id}, poweredOff\\)`));
    assert.equal((await plain.client.callTool({ name: 'vm_get', arguments: { vm } })).isError, true);
    const recs = fs.readFileSync(personAudit, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
      .filter((x) => x.event === 'call' && x.operation === 'vm_destroy');
    assert.deepEqual(recs.map((x) => [x.outcome, x.approval, x.approved_by]),
                     [['denied', undefined, undefined], ['denied', undefined, undefined], ['ok', 'person', 'ada']]);
    await plain.client.close();
    await person.client.close();
  } finally {
    s.child.kill();
  }
});

await check('bad configuration stops the server at start with a message naming the setting', async () => {
  const badTokens = path.join(dir, 'bad-tokens.json');
  fs.writeFileSync(badTokens, JSON.stringify({ tokens: [{ name: 'bob', role: 'opertor', token: 'bob-token-0123456789' }] }));
  const badLimits = path.join(dir, 'bad-limits.json');
  fs.writeFileSync(badLimits, JSON.stringify({ change: { rate: '5/fortnight' } }));
  const cases = [
    [{ MCP_TRANSPORT: 'http', MCP_PORT: '70000' }, /port/i],
    [{ MCP_TRANSPORT: 'carrier-pigeon' }, /transport/i],
    [{ MCP_TOKENS_FILE: badTokens }, /bad-tokens\.json: tokens\[0\] \('bob'\): unknown role 'opertor'/],
    [{ MCP_TOKENS_FILE: path.join(dir, 'missing.json') }, /missing\.json/],
    [{ MCP_RATE_LIMITS_FILE: badLimits }, /bad-limits\.json: change.*5\/fortnight/],
    [{ MCP_ROLE: 'superuser' }, /MCP_ROLE.*unknown role 'superuser'/],
    [{ MCP_APPROVAL: 'sometimes' }, /approval: sometimes not in \{confirm,person\}/],
    [{ VCENTER_ALLOWED_HOSTS: 'vc*.corp.example' }, /VCENTER_ALLOWED_HOSTS.*not in the allowed list/],
    [{ MCP_TRANSPORT: 'http', MCP_HOST: '0.0.0.0' }, /refusing to serve HTTP on 0\.0\.0\.0 without authentication/],
    [{ MCP_AUDIT_LOG: path.join(dir, 'no-such-dir', 'audit.log') }, /MCP_AUDIT_LOG.*no-such-dir/],
    [{ MCP_AUDIT_LOG: '-' }, /MCP_AUDIT_LOG.*stdout/],
    [{ MCP_TRANSPORT: 'http', MCP_TLS_CERT: path.join(dir, 'cert.pem') }, /MCP_TLS_CERT.*MCP_TLS_KEY/],
    [{ MCP_API_KEY: 'short' }, /MCP_API_KEY.*shorter than 16/],
    [{ VCENTER_PASSWORD: '' }, /VCENTER_PASSWORD/],
    [{ VCENTER_PASSWORD_FILE: path.join(dir, 'nope.txt') }, /VCENTER_PASSWORD_FILE.*nope\.txt/],
  ];
  for (const [env, pattern] of cases) {
    const { code, stderr } = await refuse([], env);
    assert.notEqual(code, 0, `${JSON.stringify(env)} was accepted`);
    assert.match(stderr, pattern, JSON.stringify(env));
    assert.ok(!stderr.includes(VC_PASSWORD));
  }
  // The allow-list lets the simulator's host through.
  const s = start(['--transport', 'http', '--port', '0'], { VCENTER_ALLOWED_HOSTS: 'other.example,127.0.0.*', MCP_AUDIT_LOG: 'off' });
  await s.ready;
  s.child.kill();
});

fs.rmSync(dir, { recursive: true, force: true });
finish();
