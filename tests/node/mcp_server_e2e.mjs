// mcp-server against the vCenter simulator, driven by the official TypeScript SDK client.
//   node mcp_server_e2e.mjs <mcp-server binary> <vcsim url> <ca bundle>
// Effects are checked through a second, independent mcp-server process (its own vCenter
// session). Prints "N passed, 0 failed" or exits non-zero at the first failure.
import assert from 'node:assert/strict';
import { check, finish } from './harness.mjs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const [binary, url, ca] = process.argv.slice(2);

async function connect(extraArgs = [], extraEnv = {}) {
  const client = new Client({ name: 'vsmcp-e2e', version: '1.0.0' });
  const env = { VCENTER_HOST: url, VCENTER_USER: 'user', VCENTER_PASSWORD: 'pass', VCENTER_CA_BUNDLE: ca, ...extraEnv };
  await client.connect(new StdioClientTransport({ command: binary, args: extraArgs, env, stderr: 'inherit' }));
  return client;
}
const call = async (c, name, args = {}) => {
  const r = await c.callTool({ name, arguments: args });
  if (r.isError) throw new Error(`${name}: ${r.content[0].text}`);
  return r.structuredContent;
};

const a = await connect();
const b = await connect();  // an independent session, to check effects

await check('tools are listed with schemas and safety annotations', async () => {
  const { tools } = await a.listTools();
  const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
  for (const n of ['vm_list', 'vm_get', 'host_list', 'vm_power_off', 'vm_destroy', 'vm_snapshot_create'])
    assert.ok(byName[n], `missing ${n}`);
  assert.equal(byName.vm_list.annotations.readOnlyHint, true);
  assert.equal(byName.vm_destroy.annotations.destructiveHint, true);
  assert.equal(byName.vm_list.inputSchema.type, 'object');
  assert.ok(byName.vm_list.outputSchema);
});

await check('vm_list lists, filters and pages', async () => {
  const all = await call(a, 'vm_list');
  assert.equal(all.total, 4);
  const page = await call(a, 'vm_list', { limit: 3 });
  assert.equal(page.count, 3);
  assert.equal(page.next_offset, 3);
  const web = await call(a, 'vm_list', { name: 'DC0_H0_*' });
  assert.deepEqual(web.vms.map((v) => v.name), ['DC0_H0_VM0', 'DC0_H0_VM1']);
  const bad = await a.callTool({ name: 'vm_list', arguments: { power_state: 'sleeping' } });
  assert.equal(bad.isError, true);
  assert.match(bad.content[0].text, /power_state: must be one of/);
});

await check('power off is seen by another session', async () => {
  const r = await call(a, 'vm_power_off', { vm: 'DC0_H0_VM0' });
  assert.equal(r.task.state, 'success');
  const seen = await call(b, 'vm_get', { vm: 'DC0_H0_VM0' });
  assert.equal(seen.vm.power_state, 'poweredOff');
});

await check('snapshot create and list', async () => {
  await call(a, 'vm_snapshot_create', { vm: 'DC0_H0_VM1', name: 'before-patch' });
  const list = await call(b, 'vm_snapshot_list', { vm: 'DC0_H0_VM1' });
  assert.equal(list.snapshots[0].name, 'before-patch');
});

await check('a destructive tool without confirm is a dry run that changes nothing', async () => {
  const dry = await a.callTool({ name: 'vm_destroy', arguments: { vm: 'DC0_H0_VM0' } });
  assert.equal(dry.isError, undefined);
  assert.equal(dry.structuredContent.dry_run, true);
  assert.match(dry.content[0].text, /DRY RUN/);
  assert.equal((await call(b, 'vm_list')).total, 4);
  const done = await call(a, 'vm_destroy', { vm: 'DC0_H0_VM0', confirm: true });
  assert.equal(done.task.state, 'success');
  assert.equal((await call(b, 'vm_list')).total, 3);
});

await check('clone, reconfigure, events, tasks and perf', async () => {
  const clone = await call(a, 'vm_clone', { vm: 'DC0_C0_RP0_VM0', name: 'web-clone' });
  assert.equal(clone.task.state, 'success');
  assert.equal((await call(b, 'vm_get', { vm: 'web-clone' })).vm.name, 'web-clone');
  await call(a, 'vm_reconfigure', { vm: 'web-clone', num_cpus: 2, memory_mb: 2048 });
  const got = await call(b, 'vm_get', { vm: 'web-clone' });
  assert.equal(got.vm.num_cpu, 2);
  assert.equal(got.vm.memory_mb, 2048);
  const bad = await a.callTool({ name: 'vm_reconfigure', arguments: { vm: 'web-clone', memory_mb: 1001 } });
  assert.equal(bad.isError, true);
  assert.match(bad.content[0].text, /memory_mb: must be a multiple of 4/);
  await call(a, 'vm_power_off', { vm: 'DC0_H0_VM1' });
  const events = await call(b, 'vm_events', { vm: 'DC0_H0_VM1' });
  assert.ok(events.events.some((e) => e.type === 'VmPoweredOffEvent'));
  const tasks = await call(a, 'tasks_recent');
  assert.ok(tasks.tasks.length > 0);
  const perf = await call(a, 'host_perf', { host: 'DC0_C0_H0', counters: ['cpu.usage.average'], max_samples: 3 });
  assert.ok(perf.series.length > 0);
  assert.equal(perf.series[0].counter, 'cpu.usage.average');
});

await check('resources and prompts', async () => {
  const { resourceTemplates } = await a.listResourceTemplates();
  assert.ok(resourceTemplates.some((t) => t.uriTemplate === 'vsphere://vm/{id}'));
  const vm = await a.readResource({ uri: 'vsphere://vm/DC0_H0_VM1' });
  assert.equal(JSON.parse(vm.contents[0].text).vm.name, 'DC0_H0_VM1');
  const stats = await a.readResource({ uri: 'vmstats://DC0_C0_RP0_VM1' });
  assert.ok(Array.isArray(JSON.parse(stats.contents[0].text).series));
  const all = await a.readResource({ uri: 'vsphere://inventory/vms' });
  assert.ok(JSON.parse(all.contents[0].text).total >= 3);
  await assert.rejects(a.readResource({ uri: 'vsphere://vm/ghost' }), /ghost/);
  const p = await a.getPrompt({ name: 'triage_vm', arguments: { vm: 'web-clone' } });
  assert.match(p.messages[0].content.text, /web-clone/);
  const { prompts } = await a.listPrompts();
  assert.ok(prompts.some((x) => x.name === 'capacity_report'));
});

await check('errors name the problem', async () => {
  const r = await a.callTool({ name: 'vm_get', arguments: { vm: 'no-such-vm' } });
  assert.equal(r.isError, true);
  assert.match(r.content[0].text, /no-such-vm/);
});

await check('--read-only registers only read tools', async () => {
  const ro = await connect(['--read-only']);
  const { tools } = await ro.listTools();
  assert.ok(tools.length > 5);
  for (const t of tools) assert.equal(t.annotations.readOnlyHint, true, t.name);
  await ro.close();
});

await check('over HTTP, MCP_API_KEY is required', async () => {
  const { spawn } = await import('node:child_process');
  const env = { ...process.env, VCENTER_HOST: url, VCENTER_USER: 'user', VCENTER_PASSWORD: 'pass',
                VCENTER_CA_BUNDLE: ca, MCP_API_KEY: 'k3y-for-tests-0123456789' };
  const child = spawn(binary, ['--transport', 'http', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const mcpUrl = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /MCP_URL=(\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on('exit', () => reject(new Error('mcp-server exited: ' + out)));
    });
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {} } };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const denied = await fetch(mcpUrl, { method: 'POST', headers, body: JSON.stringify(init) });
    assert.equal(denied.status, 401);
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    const c = new Client({ name: 'vsmcp-e2e-http', version: '1.0.0' });
    await c.connect(new StreamableHTTPClientTransport(new URL(mcpUrl),
      { requestInit: { headers: { Authorization: 'Bearer k3y-for-tests-0123456789' } } }));
    const r = await c.callTool({ name: 'vm_list', arguments: {} });
    assert.ok(r.structuredContent.total >= 3);
    await c.callTool({ name: 'vm_destroy', arguments: { vm: 'DC0_H0_VM1' } });  // a dry run
    await c.close();
    const metrics = await (await fetch(new URL('/metrics', mcpUrl))).text();
    assert.match(metrics, /vsmcp_tool_calls_total\{tool="vm_list",outcome="ok"\} 1/);
    assert.match(metrics, /vsmcp_tool_calls_total\{tool="vm_destroy",outcome="dry_run"\} 1/);
    assert.match(metrics, /vsmcp_tool_duration_seconds_count\{tool="vm_list"\} 1/);
  } finally {
    child.kill();
  }
});

await a.close();
await b.close();
finish();
