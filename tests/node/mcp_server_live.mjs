// mcp-server's live inventory, seen by the official TypeScript SDK client over streamable HTTP.
//   node mcp_server_live.mjs <mcp-server binary> <vcsim url> <ca bundle>
// Server `a` keeps the inventory live (the default); changes are made through `b`, a second
// mcp-server with the live inventory off and its own vCenter session. vCenter round trips of
// `a` are counted from its /metrics (vsmcp_vcenter_calls_total). Run against a simulator with
// a few hundred VMs (see tests/CMakeLists.txt).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, finish } from './harness.mjs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema, ResourceListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

const [binary, url, ca] = process.argv.slice(2);
const work = mkdtempSync(join(tmpdir(), 'vsmcp-live-'));
const rateLimits = join(work, 'rate-limits.json');
writeFileSync(rateLimits, JSON.stringify({ read: { rate: 'off' }, change: { rate: 'off' } }));
const baseEnv = { ...process.env, VCENTER_HOST: url, VCENTER_USER: 'user', VCENTER_PASSWORD: 'pass',
                  VCENTER_CA_BUNDLE: ca, MCP_RATE_LIMITS_FILE: rateLimits, MCP_AUDIT_LOG: 'off' };

const server = spawn(binary, ['--transport', 'http', '--port', '0'], { env: baseEnv, stdio: ['ignore', 'pipe', 'inherit'] });
process.on('exit', () => { server.kill(); rmSync(work, { recursive: true, force: true }); });
const mcpUrl = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    const m = /MCP_URL=(\S+)/.exec(out);
    if (m) resolve(m[1]);
  });
  server.on('exit', () => reject(new Error('mcp-server exited: ' + out)));
});

const updates = [];     // URIs of notifications/resources/updated, in order
let listChanged = 0;
const waiters = [];
function notice() { for (const w of waiters.splice(0)) w(); }
function waitUntil(pred, ms, what) {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (pred()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`not within ${ms} ms: ${what}`));
      waiters.push(poll);
      setTimeout(notice, 50);
    };
    poll();
  });
}

const a = new Client({ name: 'vsmcp-live-a', version: '1.0.0' });
a.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => { updates.push(n.params.uri); notice(); });
a.setNotificationHandler(ResourceListChangedNotificationSchema, () => { listChanged++; notice(); });
await a.connect(new StreamableHTTPClientTransport(new URL(mcpUrl)));

const b = new Client({ name: 'vsmcp-live-b', version: '1.0.0' });
await b.connect(new StdioClientTransport({ command: binary, args: [], stderr: 'inherit',
                                           env: { ...baseEnv, MCP_LIVE_INVENTORY: 'false' } }));

async function health() { return (await fetch(new URL('/health', mcpUrl))).json(); }
async function vcenterCalls(method) {
  const text = await (await fetch(new URL('/metrics', mcpUrl))).text();
  const m = new RegExp(`vsmcp_vcenter_calls_total\\{method="${method}",result="ok"\\} (\\d+)`).exec(text);
  return m ? Number(m[1]) : 0;
}
async function call(c, name, args = {}) {
  const r = await c.callTool({ name, arguments: args });
  assert.ok(!r.isError, `${name} failed: ${JSON.stringify(r.content)}`);
  return r.structuredContent;
}

await check('the server reports its live inventory in sync on /health and /metrics', async () => {
  const deadline = Date.now() + 30000;
  let h;
  while (Date.now() < deadline) {
    h = await health();
    if (h.inventory?.in_sync) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(h.inventory.state, 'live', JSON.stringify(h.inventory));
  assert.ok(h.inventory.vms >= 100, JSON.stringify(h.inventory));
  const text = await (await fetch(new URL('/metrics', mcpUrl))).text();
  assert.match(text, /vsmcp_live_inventory_in_sync 1/);
});

let vms;
await check('resources/list lists every VM and host once the inventory is live', async () => {
  const seen = [];
  let cursor;
  do {
    const page = await a.listResources(cursor ? { cursor } : {});
    seen.push(...page.resources.map((r) => r.uri));
    cursor = page.nextCursor;
  } while (cursor);
  const all = await call(a, 'vm_list', { limit: 2000 });
  vms = all.vms;
  for (const vm of vms) assert.ok(seen.includes(`vsphere://vm/${vm.id}`), `no resource for ${vm.id}`);
  assert.ok(seen.some((u) => u.startsWith('vsphere://host/')));
  assert.equal(all.freshness.source, 'live');
  const one = await a.readResource({ uri: `vsphere://vm/${vms[0].id}` });
  assert.equal(JSON.parse(one.contents[0].text).vm.name, vms[0].name);
});

await check('lists and gets answer from memory: no vCenter read, a freshness that says live', async () => {
  const before = await vcenterCalls('RetrievePropertiesEx');
  const byName = await call(a, 'vm_get', { vm: vms[1].name });
  assert.equal(byName.vm.id, vms[1].id);
  assert.equal(byName.freshness.source, 'live');
  assert.ok(Date.now() - Date.parse(byName.freshness.as_of) < 60000, byName.freshness.as_of);
  const byId = await call(a, 'vm_get', { vm: vms[1].id });
  assert.equal(byId.vm.name, vms[1].name);
  await call(a, 'host_list');
  await call(a, 'inventory_summary');
  assert.equal(await vcenterCalls('RetrievePropertiesEx'), before);
});

await check('a subscribed client hears of a power-off made through another session within 2 s', async () => {
  const vm = vms.find((v) => v.power_state === 'poweredOn');
  assert.ok(vm, 'no powered-on VM');
  await a.subscribeResource({ uri: `vsphere://vm/${vm.id}` });
  await a.subscribeResource({ uri: `vsphere://vm/${vm.name}` });
  const reads = await vcenterCalls('RetrievePropertiesEx');
  updates.length = 0;
  const started = Date.now();
  await call(b, 'vm_power_off', { vm: vm.id, confirm: true });
  await waitUntil(() => updates.includes(`vsphere://vm/${vm.id}`), 2000, `an update of vsphere://vm/${vm.id}`);
  const took = Date.now() - started;
  await waitUntil(() => updates.includes(`vsphere://vm/${vm.name}`), 500, 'the update by name');
  const now = await call(a, 'vm_get', { vm: vm.id });
  assert.equal(now.vm.power_state, 'poweredOff');
  const off = await call(a, 'vm_list', { name: vm.name });
  assert.equal(off.vms[0].power_state, 'poweredOff');
  assert.equal(await vcenterCalls('RetrievePropertiesEx'), reads, 'the list read vCenter again');
  assert.ok(took < 2000, `took ${took} ms`);
  await a.unsubscribeResource({ uri: `vsphere://vm/${vm.id}` });
});

await check('paging costs no vCenter read, and the pages hold every VM exactly once while VMs come and go', async () => {
  const reads = await vcenterCalls('RetrievePropertiesEx');
  const first = await call(a, 'vm_list', { limit: 25 });
  const ids = first.vms.map((v) => v.id);
  let cursor = first.next_cursor;
  const total = first.total;
  let page = 0;
  while (cursor) {
    // Between pages, another session creates and destroys VMs.
    if (page === 1) {
      if (first.vms[0].power_state === 'poweredOn') await call(b, 'vm_power_off', { vm: first.vms[0].id, confirm: true });
      await call(b, 'vm_destroy', { vm: first.vms[0].id, confirm: true });
    }
    if (page === 2) await call(b, 'vm_clone', { vm: first.vms[1].id, name: 'live-paging-clone' });
    const next = await call(a, 'vm_list', { limit: 25, cursor });
    ids.push(...next.vms.map((v) => v.id));
    cursor = next.next_cursor;
    page++;
  }
  assert.equal(ids.length, total);
  assert.equal(new Set(ids).size, total, 'a VM appeared twice');
  assert.equal(await vcenterCalls('RetrievePropertiesEx'), reads, 'paging read vCenter');
  // A new listing sees both changes within 2 s (b made them: a learns of them from the feed).
  const deadline = Date.now() + 2000;
  let again;
  for (;;) {
    again = await call(a, 'vm_list', { limit: 2000 });
    const done = again.vms.some((v) => v.name === 'live-paging-clone') && !again.vms.some((v) => v.id === first.vms[0].id);
    if (done || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(again.vms.some((v) => v.name === 'live-paging-clone'), 'the clone is missing');
  assert.ok(!again.vms.some((v) => v.id === first.vms[0].id), 'the destroyed VM is still listed');
  assert.ok(listChanged >= 1, 'no list_changed for VMs that came and went');
});

await a.close();
await b.close();
finish();
process.exit(0);
