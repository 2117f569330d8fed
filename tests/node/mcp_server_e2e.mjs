// mcp-server against the vCenter simulator, driven by the official TypeScript SDK client.
//   node mcp_server_e2e.mjs <mcp-server binary> <vcsim url> <ca bundle>
// Session `a` makes the calls; every effect is checked through `b`, a second, independent
// mcp-server process with its own vCenter session. Every tool the server registers must be
// called at least once (the last check fails naming any that were not). Each successful call's
// structuredContent is checked against the tool's outputSchema, and its text must be a one-line
// summary for people, then a blank line and the result as JSON (the structuredContent again).
// Prints "N passed, 0 failed" or exits non-zero at the
// first failure.
//
// Simulator inventory: datacenter DC0; cluster DC0_C0 with hosts DC0_C0_H0..H2 and VMs
// DC0_C0_RP0_VM0..1; standalone host DC0_H0 with VMs DC0_H0_VM0..1; datastore LocalDS_0;
// networks "VM Network", DC0_DVPG0 (and the switch's uplink port group). Which cluster host a VM
// starts on is the simulator's choice, so checks read it rather than assume it. Alarms armed at
// start (tests/CMakeLists.txt): red on DC0_C0_RP0_VM1, yellow on DC0_C0_H1.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, finish, splitResultText, summaryOf } from './harness.mjs';
import { contentLibrary } from './vapi.mjs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const [binary, url, ca] = process.argv.slice(2);

// This test makes many more change calls than the default burst (10), so rate limits are off;
// the audit log is off to keep the output readable (neither is what this test is about).
const work = mkdtempSync(join(tmpdir(), 'vsmcp-e2e-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const rateLimits = join(work, 'rate-limits.json');
writeFileSync(rateLimits, JSON.stringify({ read: { rate: 'off' }, change: { rate: 'off' } }));

async function connect(extraArgs = [], extraEnv = {}) {
  const client = new Client({ name: 'vsmcp-e2e', version: '1.0.0' });
  const env = { VCENTER_HOST: url, VCENTER_USER: 'user', VCENTER_PASSWORD: 'pass', VCENTER_CA_BUNDLE: ca,
                MCP_RATE_LIMITS_FILE: rateLimits, MCP_AUDIT_LOG: 'off', ...extraEnv };
  await client.connect(new StdioClientTransport({ command: binary, args: extraArgs, env, stderr: 'inherit' }));
  return client;
}

// ---- calling tools ------------------------------------------------------------------------

const called = new Set();  // every tool name called, through a or b
const outputSchemas = {};  // tool name -> outputSchema, from tools/list

// Any call, success or tool error; records the tool as called.
async function callRaw(c, name, args = {}) {
  called.add(name);
  return c.callTool({ name, arguments: args });
}

const jsonType = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);
const hasType = (v, type) => [type].flat().some((t) => t === jsonType(v) || (t === 'number' && jsonType(v) === 'integer'));

// structuredContent has the outputSchema's required keys, and its top-level members have the
// declared types (and array items too, when declared).
function checkOutput(name, out) {
  const schema = outputSchemas[name];
  assert.ok(schema, `${name} has no outputSchema`);
  assert.equal(jsonType(out), 'object', `${name}: structuredContent is not an object`);
  for (const key of schema.required ?? []) assert.ok(key in out, `${name}: structuredContent lacks '${key}'`);
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (!(key in out) || !prop.type) continue;
    assert.ok(hasType(out[key], prop.type), `${name}: '${key}' is ${jsonType(out[key])}, not ${prop.type}`);
    if (prop.items?.type)
      for (const item of out[key]) assert.ok(hasType(item, prop.items.type), `${name}: an item of '${key}' is not ${prop.items.type}`);
  }
}

// The text content of a result is a short summary for a person: one line, not JSON.
function checkSummary(name, text) {
  assert.equal(typeof text, 'string', `${name}: no text content`);
  assert.ok(!text.includes('\n'), `${name}: summary is not one line: ${text}`);
  assert.ok(text.length <= 400, `${name}: summary of ${text.length} characters: ${text}`);
  assert.ok(!/^\s*[[{]/.test(text), `${name}: summary is raw JSON: ${text}`);
}

// A successful result's text: the summary, a blank line, then exactly the structuredContent as
// JSON. Returns the summary.
function checkResultText(name, r) {
  assert.equal(r.content?.length, 1, `${name}: ${r.content?.length} content items`);
  assert.equal(r.content[0].type, 'text');
  const { summary, json } = splitResultText(r.content[0].text);
  checkSummary(name, summary);
  assert.deepEqual(json, r.structuredContent, `${name}: the JSON after the summary is not the structuredContent`);
  return summary;
}

// A call that must succeed: { out: structuredContent, text: the summary }.
async function run(c, name, args = {}) {
  const r = await callRaw(c, name, args);
  if (r.isError) throw new Error(`${name}(${JSON.stringify(args)}) failed: ${r.content[0].text}`);
  checkOutput(name, r.structuredContent);
  return { out: r.structuredContent, text: checkResultText(name, r) };
}
const call = async (c, name, args = {}) => (await run(c, name, args)).out;

// A call that must be a tool error whose text matches `pattern`; returns the text.
async function fails(c, name, args, pattern) {
  const r = await callRaw(c, name, args);
  assert.equal(r.isError, true, `${name}(${JSON.stringify(args)}) should have failed`);
  assert.match(r.content[0].text, pattern);
  return r.content[0].text;
}

// ---- reading state through b ----------------------------------------------------------------

const vmOf = async (vm) => (await call(b, 'vm_get', { vm })).vm;
const hostOf = async (host) => (await call(b, 'host_get', { host })).host;
const vmNames = async (args = {}) => (await call(b, 'vm_list', { limit: 2000, ...args })).vms.map((v) => v.name);
const templateNames = async () => (await call(b, 'template_list', { limit: 2000 })).templates.map((t) => t.name);
const snapshotTree = (vm) => call(b, 'vm_snapshot_list', { vm });
function flatSnapshots(nodes) {
  return nodes.flatMap((n) => [n, ...flatSnapshots(n.children)]);
}
// A VM that is powered on (from a, then seen by b), whatever its state was.
async function ensureOn(vm) {
  if ((await vmOf(vm)).power_state !== 'poweredOn') await call(a, 'vm_power_on', { vm });
  assert.equal((await vmOf(vm)).power_state, 'poweredOn');
}
// The same object from a list and from a get, apart from usage that can move between calls
// (a datastore's free space is the real disk's, on which other tests write).
function sameObject(fromList, fromGet, volatile = ['free_bytes', 'cpu_mhz_used', 'memory_mb_used']) {
  const strip = (o) => Object.fromEntries(Object.entries(o).filter(([k]) => !volatile.includes(k)));
  assert.deepEqual(strip(fromGet), strip(fromList));
}
const percent = (part, whole) => (whole > 0 ? Math.round((part * 1000) / whole) / 10 : 0);

const a = await connect();
// An independent session, to check effects: it reads vCenter on every call (no live inventory),
// so it sees a change as soon as vCenter has it (a live server sees it once the feed delivers it).
const b = await connect([], { MCP_LIVE_INVENTORY: 'false' });

// ---- tools/list ---------------------------------------------------------------------------

await check('tools are listed with schemas and safety annotations', async () => {
  const { tools } = await a.listTools();
  await b.listTools();  // so the SDK validates b's results against the output schemas too
  const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
  for (const n of ['vm_list', 'vm_get', 'host_list', 'vm_power_off', 'vm_destroy', 'vm_snapshot_create'])
    assert.ok(byName[n], `missing ${n}`);
  assert.equal(byName.vm_list.annotations.readOnlyHint, true);
  assert.equal(byName.vm_destroy.annotations.destructiveHint, true);
  // Hard power operations and maintenance mode are destructive: they dry-run unless confirmed.
  for (const n of ['vm_destroy', 'vm_power_off', 'vm_reset', 'vm_suspend', 'host_enter_maintenance']) {
    assert.ok(byName[n], `missing ${n}`);
    assert.equal(byName[n].annotations.destructiveHint, true, `${n} destructiveHint`);
    assert.equal(byName[n].annotations.readOnlyHint, false, `${n} readOnlyHint`);
    assert.match(byName[n].description, /Destructive: /, `${n} description`);
  }
  // Changes that are not destructive say so too.
  for (const n of ['vm_power_on', 'vm_shutdown_guest', 'host_exit_maintenance', 'vm_clone']) {
    assert.equal(byName[n].annotations.destructiveHint, false, `${n} destructiveHint`);
    assert.equal(byName[n].annotations.readOnlyHint, false, `${n} readOnlyHint`);
  }
  // Every list tool is read-only and not destructive.
  const lists = tools.filter((t) => t.name.endsWith('_list'));
  assert.ok(lists.length >= 10, `only ${lists.length} list tools`);
  for (const t of lists) {
    assert.equal(t.annotations.readOnlyHint, true, `${t.name} readOnlyHint`);
    assert.notEqual(t.annotations.destructiveHint, true, `${t.name} destructiveHint`);
  }
  assert.equal(byName.vm_list.inputSchema.type, 'object');
  assert.ok(byName.vm_list.outputSchema);
  for (const t of tools) {
    assert.equal(t.inputSchema.type, 'object', `${t.name} inputSchema`);
    assert.equal(t.outputSchema?.type, 'object', `${t.name} outputSchema`);
    assert.ok(t.description.length > 10, `${t.name} description`);
    outputSchemas[t.name] = t.outputSchema;
  }
});

// ---- reads: lists, gets and the overviews -----------------------------------------------------

await check('vm_list lists, filters and pages', async () => {
  const { out: all, text } = await run(a, 'vm_list');
  assert.equal(all.total, 4);
  assert.equal(text, '4 of 4 vms: DC0_C0_RP0_VM0, DC0_C0_RP0_VM1, DC0_H0_VM0, DC0_H0_VM1');
  const page = await call(a, 'vm_list', { limit: 3 });
  assert.equal(page.count, 3);
  assert.equal(page.next_offset, 3);
  const rest = await call(a, 'vm_list', { limit: 3, offset: 3 });
  assert.equal(rest.count, 1);
  assert.equal(rest.next_offset, undefined);
  assert.deepEqual([...page.vms, ...rest.vms].map((v) => v.id).sort(), all.vms.map((v) => v.id).sort());
  // A cursor pages through one snapshot of the listing, for the caller and filters it was made for.
  assert.ok(page.next_cursor, 'a first page with more to come carries next_cursor');
  const { out: next, text: nextText } = await run(a, 'vm_list', { limit: 3, cursor: page.next_cursor });
  assert.equal(next.count, 1);
  assert.equal(next.next_cursor, undefined);
  assert.match(nextText, /^1 of 4 vms/);
  assert.deepEqual([...page.vms, ...next.vms].map((v) => v.id).sort(), all.vms.map((v) => v.id).sort());
  await fails(a, 'vm_list', { name: 'DC0_*', cursor: page.next_cursor }, /cursor: it belongs to a listing with other filters/);
  await fails(a, 'vm_list', { cursor: 'not-a-cursor' }, /cursor: not a cursor of this server/);
  const web = await call(a, 'vm_list', { name: 'DC0_H0_*' });
  assert.deepEqual(web.vms.map((v) => v.name), ['DC0_H0_VM0', 'DC0_H0_VM1']);
  assert.deepEqual((await call(a, 'vm_list', { host: 'DC0_H0' })).vms.map((v) => v.name), ['DC0_H0_VM0', 'DC0_H0_VM1']);
  assert.deepEqual((await call(a, 'vm_list', { cluster: 'DC0_C0' })).vms.map((v) => v.name),
                   ['DC0_C0_RP0_VM0', 'DC0_C0_RP0_VM1']);
  assert.equal((await call(a, 'vm_list', { power_state: 'poweredOn', folder: '/DC0/vm' })).total, 4);
  assert.equal((await call(a, 'vm_list', { power_state: 'suspended' })).total, 0);
  const bad = await a.callTool({ name: 'vm_list', arguments: { power_state: 'sleeping' } });
  assert.equal(bad.isError, true);
  assert.match(bad.content[0].text, /power_state: must be one of/);
});

// For each kind: the list, then a get of every listed object by the id the list gave and by
// its name (or, where names repeat, by its inventory path), each the same object as listed.
const kinds = [
  { kind: 'vm', list: 'vm_list', key: 'vms', names: ['DC0_C0_RP0_VM0', 'DC0_C0_RP0_VM1', 'DC0_H0_VM0', 'DC0_H0_VM1'] },
  { kind: 'host', list: 'host_list', key: 'hosts', names: ['DC0_C0_H0', 'DC0_C0_H1', 'DC0_C0_H2', 'DC0_H0'] },
  { kind: 'cluster', list: 'cluster_list', key: 'clusters', names: ['DC0_C0'] },
  { kind: 'datacenter', list: 'datacenter_list', key: 'datacenters', names: ['DC0'] },
  { kind: 'datastore', list: 'datastore_list', key: 'datastores', names: ['LocalDS_0'] },
  { kind: 'network', list: 'network_list', key: 'networks', names: ['DC0_DVPG0', 'VM Network'] },  // + the uplinks
  { kind: 'resource_pool', list: 'resource_pool_list', key: 'resource_pools', names: ['Resources'] },
  { kind: 'folder', list: 'folder_list', key: 'folders', names: ['datastore', 'host', 'network', 'vm'] },
];
for (const { kind, list, key, names } of kinds) {
  await check(`${list} and ${kind}_get (by id and by name)`, async () => {
    const { out, text } = await run(a, list);
    const items = out[key];
    assert.equal(out.total, items.length);
    assert.equal(out.count, items.length);
    for (const n of names) assert.ok(items.some((i) => i.name === n), `${list} lacks ${n}`);
    assert.match(text, new RegExp(`^${items.length} of ${out.total} ${key}: `));
    const nameCount = (n) => items.filter((i) => i.name === n).length;
    for (const item of items) {
      assert.match(text, new RegExp(item.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      const { out: byId, text: getText } = await run(b, `${kind}_get`, { [kind]: item.id });
      sameObject(item, byId[kind]);
      assert.ok(getText.includes(`${item.name} (${item.id})`), getText);
      if (nameCount(item.name) === 1) {
        sameObject(item, (await call(b, `${kind}_get`, { [kind]: item.name }))[kind]);
      } else {
        // "Resources" is the root pool of the cluster and of the standalone host: a name that
        // matches two objects is refused, naming both; the inventory path finds one.
        await fails(b, `${kind}_get`, { [kind]: item.name }, new RegExp(`2 objects .* named '${item.name}'.*${item.id}`));
        sameObject(item, (await call(b, `${kind}_get`, { [kind]: item.path }))[kind]);
      }
    }
    // A name that matches nothing is refused, naming it and (for the *_get tools built on the
    // shared lookup) the list that shows what exists.
    await fails(b, `${kind}_get`, { [kind]: 'no-such-thing' },
                kind === 'vm' ? /no-such-thing/ : new RegExp(`no-such-thing.*\\(${list} lists what exists\\)`));
  });
}

await check('host_list and cluster_list filters; gets give what the lists count', async () => {
  const cluster = (await call(b, 'cluster_get', { cluster: 'DC0_C0' })).cluster;
  const hosts = (await call(b, 'host_list', { cluster: 'DC0_C0' })).hosts;
  assert.deepEqual(hosts.map((h) => h.name).sort(), ['DC0_C0_H0', 'DC0_C0_H1', 'DC0_C0_H2']);
  assert.equal(cluster.num_hosts, hosts.length);
  assert.equal((await call(b, 'host_list', { name: 'DC0_H*' })).total, 1);
  assert.equal((await call(b, 'cluster_list', { name: 'nothing*' })).total, 0);
  assert.equal((await call(b, 'datacenter_get', { datacenter: '/DC0' })).datacenter.path, '/DC0');
  assert.equal((await call(b, 'folder_get', { folder: '/DC0/vm' })).folder.name, 'vm');
  const standalone = await hostOf('DC0_H0');
  assert.equal(standalone.vm_count, 2);
  assert.equal(standalone.in_maintenance_mode, false);
  assert.deepEqual((await call(b, 'template_list')).templates, []);
  assert.equal((await run(b, 'template_list')).text, '0 of 0 templates');
});

// inventory_summary and datastore_usage must agree with what the lists show.
async function checkOverviewAgainstLists() {
  const count = async (tool, args = {}) => (await call(b, tool, { limit: 2000, ...args })).total;
  const { out: s, text } = await run(b, 'inventory_summary');
  const hosts = (await call(b, 'host_list', { limit: 2000 })).hosts;
  const datastores = (await call(b, 'datastore_list', { limit: 2000 })).datastores;
  assert.equal(s.datacenters, await count('datacenter_list'));
  assert.equal(s.clusters, await count('cluster_list'));
  assert.equal(s.hosts.total, hosts.length);
  assert.equal(s.hosts.connected, hosts.filter((h) => h.connection_state === 'connected').length);
  assert.equal(s.hosts.in_maintenance, hosts.filter((h) => h.in_maintenance_mode).length);
  assert.equal(s.vms.total, await count('vm_list'));
  assert.equal(s.vms.powered_on, await count('vm_list', { power_state: 'poweredOn' }));
  assert.equal(s.vms.powered_off, await count('vm_list', { power_state: 'poweredOff' }));
  assert.equal(s.vms.suspended, await count('vm_list', { power_state: 'suspended' }));
  assert.equal(s.templates, await count('template_list'));
  const sum = (items, key) => items.reduce((t, i) => t + i[key], 0);
  assert.equal(s.cpu.total_mhz, sum(hosts, 'cpu_mhz_total'));
  assert.equal(s.memory.total_mb, sum(hosts, 'memory_mb_total'));
  assert.equal(s.storage.capacity_bytes, sum(datastores, 'capacity_bytes'));
  assert.equal(s.by_cluster.length, s.clusters);
  for (const c of s.by_cluster) {
    assert.equal(c.hosts, await count('host_list', { cluster: c.name }), `${c.name} hosts`);
    assert.equal(c.vms, await count('vm_list', { cluster: c.name }), `${c.name} VMs`);
  }
  assert.ok(text.startsWith(`${s.vms.total} VMs (${s.vms.powered_on} on), ${s.templates} templates, ` +
                            `${s.hosts.total} hosts, ${s.clusters} clusters; used: CPU `), text);

  const { out: u, text: usageText } = await run(b, 'datastore_usage');
  assert.equal(u.total, datastores.length);
  for (const d of u.datastores) {
    const listed = datastores.find((x) => x.id === d.id);
    assert.ok(listed, `datastore_usage has ${d.name}, datastore_list does not`);
    assert.equal(d.name, listed.name);
    assert.equal(d.capacity_bytes, listed.capacity_bytes);
    assert.equal(d.used_bytes, d.capacity_bytes - d.free_bytes);
    assert.equal(d.used_percent, percent(d.used_bytes, d.capacity_bytes));
    assert.ok(usageText.includes(`${d.name} (${d.used_percent.toFixed(1)}% used)`), usageText);
  }
  for (let i = 1; i < u.datastores.length; i++)
    assert.ok(u.datastores[i - 1].used_percent >= u.datastores[i].used_percent, 'fullest first');
  assert.equal(u.total_capacity_bytes, sum(u.datastores, 'capacity_bytes'));
  assert.equal(u.total_free_bytes, sum(u.datastores, 'free_bytes'));
  assert.equal(u.total_used_percent, percent(u.total_capacity_bytes - u.total_free_bytes, u.total_capacity_bytes));
  const full = await call(b, 'datastore_usage', { min_used_percent: 100 });
  assert.deepEqual(full.datastores.filter((d) => d.used_percent < 100), []);
  assert.equal((await call(b, 'datastore_usage', { name: 'LocalDS_*', min_used_percent: 0 })).total, 1);
  return s;
}

await check('inventory_summary and datastore_usage agree with the lists', async () => {
  const s = await checkOverviewAgainstLists();
  assert.deepEqual([s.datacenters, s.clusters, s.hosts.total, s.vms.total, s.templates], [1, 1, 4, 4, 0]);
});

// ---- power and guest operations -------------------------------------------------------------

await check('vm_power_off dry-runs without confirm; confirmed, it is seen by another session', async () => {
  const vm = 'DC0_H0_VM0';
  const id = (await vmOf(vm)).id;
  assert.equal((await vmOf(vm)).power_state, 'poweredOn');
  const dry = await run(a, 'vm_power_off', { vm });
  assert.equal(dry.out.dry_run, true);
  assert.equal(dry.out.task, undefined);
  assert.equal(dry.out.blocked, undefined);
  assert.equal(dry.out.would, `power off VM '${vm}' (${id}) at once, without a guest shutdown: unsaved work in the ` +
                              'guest is lost (vm_shutdown_guest asks the guest instead)');
  assert.equal(dry.out.details?.power_state, 'poweredOn');
  assert.equal(dry.text, `DRY RUN, nothing changed: would ${dry.out.would}. Call again with confirm: true to do it.`);
  assert.equal((await vmOf(vm)).power_state, 'poweredOn');  // the dry run changed nothing
  const r = await call(a, 'vm_power_off', { vm, confirm: true });
  assert.equal(r.task.state, 'success');
  const seen = await call(b, 'vm_get', { vm });
  assert.equal(seen.vm.power_state, 'poweredOff');
});

await check('vm_suspend, vm_power_on, vm_reset and vm_power_off change the power state (confirmed)', async () => {
  const vm = 'DC0_C0_RP0_VM1';
  const id = (await vmOf(vm)).id;
  await ensureOn(vm);
  // Without confirm each destructive one only says what it would do.
  const drySuspend = await run(a, 'vm_suspend', { vm });
  assert.equal(drySuspend.out.dry_run, true);
  assert.match(drySuspend.out.would, new RegExp(`^suspend VM '${vm}' \\(${id}\\): its memory is written to disk`));
  assert.match(drySuspend.text, /^DRY RUN, nothing changed: would suspend .* Call again with confirm: true to do it\.$/);
  const dryReset = await call(a, 'vm_reset', { vm });
  assert.equal(dryReset.dry_run, true);
  assert.match(dryReset.would, new RegExp(`^reset VM '${vm}' \\(${id}\\) at once, like pressing the reset button`));
  assert.equal((await vmOf(vm)).power_state, 'poweredOn');

  const { out: suspended, text } = await run(a, 'vm_suspend', { vm, confirm: true });
  assert.equal(suspended.task.state, 'success');
  assert.match(text, /^vm_suspend: task task-\S+ success$/);
  assert.equal((await vmOf(vm)).power_state, 'suspended');
  // Suspended: suspending again is blocked; powering off would discard the saved memory.
  const again = await call(a, 'vm_suspend', { vm });
  assert.deepEqual(again.blocked, [`VM '${vm}' is already suspended`]);
  assert.match((await call(a, 'vm_power_off', { vm })).would, /which is suspended: the memory state it saved .* is discarded/);
  await call(a, 'vm_power_on', { vm });
  assert.equal((await vmOf(vm)).power_state, 'poweredOn');
  const reset = await call(a, 'vm_reset', { vm, confirm: true });
  assert.equal(reset.task.state, 'success');
  assert.equal((await vmOf(vm)).power_state, 'poweredOn');  // a reset leaves it running
  const seen = (await call(b, 'tasks_recent')).tasks.find((t) => t.id === reset.task.id);
  assert.equal(seen?.state, 'success');
  assert.equal(seen.entity, (await vmOf(vm)).id);
  await call(a, 'vm_power_off', { vm, confirm: true });
  assert.equal((await vmOf(vm)).power_state, 'poweredOff');
  // Powered off: the dry runs see what is in the way, and a confirmed call fails at once, naming it.
  const dryOff = await run(a, 'vm_power_off', { vm });
  assert.deepEqual(dryOff.out.blocked, [`VM '${vm}' is already powered off`]);
  assert.match(dryOff.text, new RegExp(`^DRY RUN, nothing changed: this cannot be done now: VM '${vm}' is already powered off\\. It would power off `));
  assert.ok(!dryOff.text.includes('confirm'), dryOff.text);
  await fails(a, 'vm_power_off', { vm, confirm: true }, /InvalidState.*cannot vm_power_off now: VM '\S+' is already powered off; nothing was changed/);
  const dryResetOff = await call(a, 'vm_reset', { vm });
  assert.deepEqual(dryResetOff.blocked,
                   [`VM '${vm}' (${id}) is poweredOff: only a running VM can be reset (vm_power_on starts it)`]);
  await fails(a, 'vm_reset', { vm, confirm: true }, /InvalidState.*cannot vm_reset now: .*only a running VM can be reset \(vm_power_on starts it\)/);
  await fails(a, 'vm_suspend', { vm, confirm: true }, /InvalidState.*only a running VM can be suspended/);
  assert.equal((await vmOf(vm)).power_state, 'poweredOff');
  await call(a, 'vm_power_on', { vm });
  assert.equal((await vmOf(vm)).power_state, 'poweredOn');
});

await check('vm_shutdown_guest and vm_reboot_guest', async () => {
  const vm = 'DC0_C0_RP0_VM1';
  await ensureOn(vm);
  // The simulator (govmomi 0.24) has no RebootGuest: the server must then say clearly that
  // this vCenter does not support it. On a vCenter that has it, the request is accepted.
  const reboot = await callRaw(a, 'vm_reboot_guest', { vm });
  if (reboot.isError) {
    assert.match(reboot.content[0].text, /^vm_reboot_guest failed: Unsupported: guest reboot of vm-\S+: .*RebootGuest/);
  } else {
    checkOutput('vm_reboot_guest', reboot.structuredContent);
    assert.equal(reboot.structuredContent.requested, true);
  }
  assert.equal((await vmOf(vm)).power_state, 'poweredOn');
  const { out, text } = await run(a, 'vm_shutdown_guest', { vm });
  assert.equal(out.requested, true);
  assert.match(text, /requested/);
  // The simulator powers the VM off before it answers ShutdownGuest (a real guest takes its
  // time), so b sees the effect at once; the events say it was the guest that shut down.
  assert.equal((await vmOf(vm)).power_state, 'poweredOff');
  assert.ok((await call(b, 'vm_events', { vm })).events.some((e) => e.type === 'VmGuestShutdownEvent'));
  await fails(a, 'vm_shutdown_guest', { vm }, /InvalidPowerState/);  // nothing left to shut down
  await call(a, 'vm_power_on', { vm });
  assert.equal((await vmOf(vm)).power_state, 'poweredOn');
});

// ---- snapshots ------------------------------------------------------------------------------

await check('snapshot create and list', async () => {
  await call(a, 'vm_snapshot_create', { vm: 'DC0_H0_VM1', name: 'before-patch' });
  const list = await call(b, 'vm_snapshot_list', { vm: 'DC0_H0_VM1' });
  assert.equal(list.snapshots[0].name, 'before-patch');
});

await check('vm_snapshot_revert, _delete and _delete_all: a dry run changes nothing, confirm: true does', async () => {
  const vm = 'DC0_C0_RP0_VM0';
  const id = (await vmOf(vm)).id;
  const created = async (name, extra = {}) => {
    const { out, text } = await run(a, 'vm_snapshot_create', { vm, name, ...extra });
    assert.equal(out.task.state, 'success');
    assert.match(text, /\(result snapshot-\S+\)$/);
    return out.task.result;  // the snapshot's id
  };
  const s1 = await created('s1', { description: 'first' });
  const s2 = await created('s2', { memory: false, quiesce: false });
  let tree = await snapshotTree(vm);
  assert.equal(tree.current, s2);
  assert.deepEqual(flatSnapshots(tree.snapshots).map((n) => [n.id, n.name]), [[s1, 's1'], [s2, 's2']]);
  assert.equal(tree.snapshots[0].children[0].id, s2);  // s2 was taken on top of s1
  assert.equal(tree.snapshots[0].description, 'first');
  assert.equal((await run(b, 'vm_snapshot_list', { vm })).text, '2 snapshots: s1, s2 (current)');

  // revert
  const dry = await run(a, 'vm_snapshot_revert', { vm, snapshot: 's1' });
  assert.equal(dry.out.dry_run, true);
  assert.equal(dry.out.task, undefined);
  assert.match(dry.out.would, new RegExp(`^revert VM '${vm}' \\(${id}\\) to snapshot 's1' \\(${s1}, taken [^)]+\\): ` +
                                         'everything the VM wrote since then is lost'));
  assert.match(dry.out.would, /\(the 1 snapshot taken after it/);  // s2 stays
  assert.equal(dry.out.details.snapshot_id, s1);
  assert.equal(dry.out.details.snapshots_taken_after, 1);
  assert.match(dry.text, /^DRY RUN, nothing changed: would revert .* Call again with confirm: true to do it\.$/);
  assert.equal((await snapshotTree(vm)).current, s2);
  const reverted = await call(a, 'vm_snapshot_revert', { vm, snapshot: 's1', confirm: true });
  assert.equal(reverted.task.state, 'success');
  assert.equal((await snapshotTree(vm)).current, s1);
  // without a snapshot name: the current one
  assert.match((await call(a, 'vm_snapshot_revert', { vm })).would, new RegExp(`to snapshot 's1' \\(${s1}`));

  // delete one
  const dryDelete = await call(a, 'vm_snapshot_delete', { vm, snapshot: 's2' });
  assert.equal(dryDelete.dry_run, true);
  assert.match(dryDelete.would, new RegExp(`^delete snapshot 's2' \\(${s2}\\) of VM '${vm}' \\(${id}\\) ` +
                                           '\\(its changes are merged into the parent; nothing is lost but the ability to revert to it\\)$'));
  assert.deepEqual([dryDelete.details.snapshots_deleted, dryDelete.details.snapshots_left], [1, 1]);
  assert.equal(flatSnapshots((await snapshotTree(vm)).snapshots).length, 2);
  await call(a, 'vm_snapshot_delete', { vm, snapshot: 's2', confirm: true });
  tree = await snapshotTree(vm);
  assert.deepEqual(flatSnapshots(tree.snapshots).map((n) => n.name), ['s1']);
  // with its children
  await created('s3');
  const dryChildren = await call(a, 'vm_snapshot_delete', { vm, snapshot: 's1', remove_children: true });
  assert.match(dryChildren.would, /and all its child snapshots: 1 more, 2 snapshots in all/);
  assert.deepEqual([dryChildren.details.snapshots_deleted, dryChildren.details.snapshots_left], [2, 0]);
  assert.equal(flatSnapshots((await snapshotTree(vm)).snapshots).length, 2);
  await call(a, 'vm_snapshot_delete', { vm, snapshot: 's1', remove_children: true, confirm: true });
  assert.deepEqual((await snapshotTree(vm)).snapshots, []);

  // delete all
  await created('s4');
  await created('s5');
  const dryAll = await call(a, 'vm_snapshot_delete_all', { vm });
  assert.equal(dryAll.dry_run, true);
  assert.match(dryAll.would, new RegExp(`delete all 2 snapshots of VM '${vm}' \\(${id}\\)`));
  assert.equal(flatSnapshots((await snapshotTree(vm)).snapshots).length, 2);
  const all = await call(a, 'vm_snapshot_delete_all', { vm, confirm: true });
  assert.equal(all.task.state, 'success');
  tree = await snapshotTree(vm);
  assert.deepEqual(tree.snapshots, []);
  assert.equal(tree.current, null);
  assert.equal((await run(b, 'vm_snapshot_list', { vm })).text, 'no snapshots');
  assert.match((await call(a, 'vm_snapshot_delete_all', { vm })).would, /which has none: nothing would change/);
  await fails(a, 'vm_snapshot_revert', { vm }, /has no current snapshot/);
  await fails(a, 'vm_snapshot_delete', { vm, snapshot: 'ghost', confirm: true }, /ghost/);
});

// ---- destroy, clone, reconfigure ------------------------------------------------------------

await check('a destructive tool without confirm is a dry run that changes nothing', async () => {
  const vm = 'DC0_H0_VM0';  // powered off above
  const id = (await vmOf(vm)).id;
  const before = (await call(b, 'vm_list')).total;
  const dry = await callRaw(a, 'vm_destroy', { vm });
  assert.equal(dry.isError, undefined);
  assert.equal(dry.structuredContent.dry_run, true);
  assert.equal(dry.structuredContent.blocked, undefined);
  assert.equal(dry.structuredContent.would, `destroy VM '${vm}' (${id}, poweredOff) and delete its files on LocalDS_0`);
  assert.deepEqual(dry.structuredContent.details, { vm: id, power_state: 'poweredOff', template: false, datastores: ['LocalDS_0'] });
  assert.equal(summaryOf(dry.content[0].text),
               `DRY RUN, nothing changed: would ${dry.structuredContent.would}. Call again with confirm: true to do it.`);
  assert.equal((await call(b, 'vm_list')).total, before);
  const done = await call(a, 'vm_destroy', { vm, confirm: true });
  assert.equal(done.task.state, 'success');
  assert.equal((await call(b, 'vm_list')).total, before - 1);
  await fails(b, 'vm_get', { vm }, /DC0_H0_VM0/);
});

await check('destroying a powered-on VM: the dry run is blocked, confirmed it fails naming vm_power_off, the VM stays', async () => {
  const vm = 'DC0_C0_RP0_VM1';
  await ensureOn(vm);
  const id = (await vmOf(vm)).id;
  const blocker = `VM '${vm}' is poweredOn: power it off first (vm_shutdown_guest, or vm_power_off)`;
  const dry = await run(a, 'vm_destroy', { vm });
  assert.equal(dry.out.dry_run, true);
  assert.deepEqual(dry.out.blocked, [blocker]);
  assert.equal(dry.out.would, `destroy VM '${vm}' (${id}, poweredOn) and delete its files on LocalDS_0`);
  assert.equal(dry.text, `DRY RUN, nothing changed: this cannot be done now: ${blocker}. It would ${dry.out.would}.`);
  assert.ok(!dry.text.includes('confirm'), 'a blocked dry run does not offer confirm');
  const text = await fails(a, 'vm_destroy', { vm, confirm: true },
                          /^vm_destroy failed: .*InvalidState.*cannot vm_destroy now: .*power it off first \(vm_shutdown_guest, or vm_power_off\); nothing was changed/);
  assert.ok(text.includes(blocker), text);
  const still = await vmOf(vm);  // through b: it was not touched
  assert.deepEqual([still.id, still.power_state], [id, 'poweredOn']);
  // No task was started for it.
  assert.ok(!(await call(b, 'tasks_recent')).tasks.some((t) => t.name === 'VirtualMachine.destroy' && t.entity === id));
});

await check('clone, reconfigure, events, tasks and perf', async () => {
  const { out: clone, text: cloneText } = await run(a, 'vm_clone', { vm: 'DC0_C0_RP0_VM0', name: 'web-clone' });
  assert.equal(clone.task.state, 'success');
  assert.equal(cloneText, `vm_clone: made VM 'web-clone' (${clone.task.result}), task ${clone.task.id} success`);
  assert.equal((await call(b, 'vm_get', { vm: 'web-clone' })).vm.name, 'web-clone');
  assert.equal((await vmOf(clone.task.result)).name, 'web-clone');  // the task's result is the clone
  assert.deepEqual((await vmOf('web-clone')).networks, (await vmOf('DC0_C0_RP0_VM0')).networks);
  // network moves the clone's first NIC; the source keeps its own.
  const moved = await call(a, 'vm_clone', { vm: 'DC0_C0_RP0_VM0', name: 'web-clone-net', network: 'VM Network' });
  assert.equal(moved.task.state, 'success');
  assert.deepEqual((await vmOf('web-clone-net')).networks, ['VM Network']);
  assert.deepEqual((await vmOf('DC0_C0_RP0_VM0')).networks, ['DC0_DVPG0']);
  await fails(a, 'vm_clone', { vm: 'DC0_C0_RP0_VM0', name: 'web-clone-x', network: 'no-such-net' }, /no-such-net/);
  await call(a, 'vm_reconfigure', { vm: 'web-clone-net', network: 'DC0_DVPG0' });
  assert.deepEqual((await vmOf('web-clone-net')).networks, ['DC0_DVPG0']);
  await fails(b, 'vm_get', { vm: 'web-clone-x' }, /web-clone-x/);
  await call(a, 'vm_reconfigure', { vm: 'web-clone', num_cpus: 2, memory_mb: 2048 });
  const got = await call(b, 'vm_get', { vm: 'web-clone' });
  assert.equal(got.vm.num_cpu, 2);
  assert.equal(got.vm.memory_mb, 2048);
  await call(a, 'vm_reconfigure', { vm: 'web-clone', annotation: 'cloned by the e2e test' });
  assert.equal((await vmOf('web-clone')).annotation, 'cloned by the e2e test');
  const bad = await a.callTool({ name: 'vm_reconfigure', arguments: { vm: 'web-clone', memory_mb: 1001 } });
  assert.equal(bad.isError, true);
  assert.match(bad.content[0].text, /memory_mb: must be a multiple of 4/);
  await call(a, 'vm_power_off', { vm: 'DC0_H0_VM1', confirm: true });
  const events = await call(b, 'vm_events', { vm: 'DC0_H0_VM1' });
  assert.ok(events.events.some((e) => e.type === 'VmPoweredOffEvent'));
  const tasks = await call(a, 'tasks_recent');
  assert.ok(tasks.tasks.length > 0);
  const perf = await call(a, 'host_perf', { host: 'DC0_C0_H0', counters: ['cpu.usage.average'], max_samples: 3 });
  assert.ok(perf.series.length > 0);
  assert.equal(perf.series[0].counter, 'cpu.usage.average');
});

// ---- create, templates, relocation ----------------------------------------------------------

await check('vm_create makes the VM asked for; defaults as documented', async () => {
  const before = (await call(b, 'vm_list')).total;
  const { out, text } = await run(a, 'vm_create', {
    name: 'e2e-vm', num_cpus: 3, memory_mb: 1536, guest_id: 'ubuntu64Guest', disk_gb: 1, network: 'VM Network',
    datastore: 'LocalDS_0', folder: '/DC0/vm', host: 'DC0_C0_H1', annotation: 'made by the e2e test' });
  assert.equal(out.task.state, 'success');
  assert.equal(text, `vm_create: made VM 'e2e-vm' (${out.task.result}), task ${out.task.id} success`);
  const vm = await vmOf(out.task.result);  // the task's result is the new VM's id
  assert.equal(vm.name, 'e2e-vm');
  assert.equal(vm.num_cpu, 3);
  assert.equal(vm.memory_mb, 1536);
  assert.equal(vm.guest_id, 'ubuntu64Guest');
  assert.equal(vm.power_state, 'poweredOff');
  assert.equal(vm.host, 'DC0_C0_H1');
  assert.equal(vm.cluster, 'DC0_C0');
  assert.deepEqual(vm.datastores, ['LocalDS_0']);
  assert.equal(vm.folder, '/DC0/vm');
  assert.equal(vm.annotation, 'made by the e2e test');
  assert.equal(vm.template, false);
  assert.equal((await run(b, 'vm_get', { vm: 'e2e-vm' })).text, `VM e2e-vm (${vm.id}): poweredOff, 3 CPU, 1536 MB, host DC0_C0_H1`);
  // Without placement: the first cluster, 1 CPU, 1024 MB, otherGuest64.
  const plain = await vmOf((await call(a, 'vm_create', { name: 'e2e-plain' })).task.result);
  assert.deepEqual([plain.name, plain.num_cpu, plain.memory_mb, plain.guest_id, plain.cluster],
                   ['e2e-plain', 1, 1024, 'otherGuest64', 'DC0_C0']);
  assert.equal((await call(b, 'vm_list')).total, before + 2);
  await fails(a, 'vm_create', { name: 'e2e-bad', memory_mb: 1001 }, /memory_mb: must be a multiple of 4/);
  await fails(a, 'vm_create', { name: 'e2e-bad', datastore: 'no-such-ds' }, /no-such-ds/);
  assert.deepEqual(await vmNames({ name: 'e2e-bad' }), []);  // a refused create leaves nothing behind
});

await check('vm_mark_template and template_to_vm; template_list and template_get see it', async () => {
  const id = (await vmOf('e2e-plain')).id;
  const { out, text } = await run(a, 'vm_mark_template', { vm: 'e2e-plain' });
  assert.deepEqual(out, { vm: id, template: true });
  assert.equal(text, `${id} is now a template`);
  assert.ok((await templateNames()).includes('e2e-plain'));
  assert.ok(!(await vmNames()).includes('e2e-plain'));
  const listed = (await call(b, 'template_list', { name: 'e2e-*' })).templates;
  assert.deepEqual(listed.map((t) => t.id), [id]);
  const byId = await run(b, 'template_get', { template: listed[0].id });
  sameObject(listed[0], byId.out.template);
  assert.equal(byId.out.template.template, true);
  assert.equal(byId.text, `Template e2e-plain (${id}): 1 CPU, 1024 MB, guest otherGuest64, host ${listed[0].host}`);
  sameObject(listed[0], (await call(b, 'template_get', { template: 'e2e-plain' })).template);
  assert.match((await run(b, 'template_list')).text, /^1 of 1 templates: e2e-plain$/);
  await fails(a, 'vm_power_on', { vm: 'e2e-plain' }, /template|InvalidState/);  // a template cannot run
  await fails(b, 'template_get', { template: 'DC0_H0_VM1' }, /is a virtual machine .*not a template/);
  await fails(a, 'vm_mark_template', { vm: 'DC0_C0_RP0_VM1' }, /InvalidPowerState/);  // it is on

  const back = await run(a, 'template_to_vm', { template: 'e2e-plain', host: 'DC0_C0_H2' });
  assert.deepEqual(back.out, { vm: id, template: false });
  assert.equal(back.text, `${id} is now a virtual machine`);
  assert.ok((await vmNames()).includes('e2e-plain'));
  assert.ok(!(await templateNames()).includes('e2e-plain'));
  const vm = await vmOf(id);
  assert.equal(vm.template, false);
  assert.equal(vm.host, 'DC0_C0_H2');
  await fails(a, 'template_to_vm', { template: 'e2e-plain' }, /not a template/);
});

await check('vm_relocate moves a VM to another host', async () => {
  const vm = 'DC0_C0_RP0_VM0';
  const from = (await vmOf(vm)).host;
  const to = (await call(b, 'host_list', { cluster: 'DC0_C0' })).hosts.map((h) => h.name).find((h) => h !== from);
  const r = await call(a, 'vm_relocate', { vm, host: to });
  assert.equal(r.task.state, 'success');
  assert.equal((await vmOf(vm)).host, to);
  await call(a, 'vm_relocate', { vm, host: from, datastore: 'LocalDS_0' });
  const back = await vmOf(vm);
  assert.equal(back.host, from);
  assert.deepEqual(back.datastores, ['LocalDS_0']);
  await fails(a, 'vm_relocate', { vm }, /needs at least one of host, resource_pool or datastore/);
  await fails(a, 'vm_relocate', { vm, host: 'no-such-host' }, /no-such-host/);
});

// ---- hosts ----------------------------------------------------------------------------------

await check('host_enter_maintenance and host_exit_maintenance, seen by b', async () => {
  const host = 'DC0_C0_H2';
  const h = await hostOf(host);
  assert.equal(h.in_maintenance_mode, false);
  // The dry run says what is on the host; b's list agrees.
  const onHost = (await call(b, 'vm_list', { host, limit: 2000 })).vms;
  const running = onHost.filter((v) => v.power_state === 'poweredOn');
  const dry = await run(a, 'host_enter_maintenance', { host, timeout_seconds: 60 });
  assert.equal(dry.out.dry_run, true);
  assert.equal(dry.out.blocked, undefined);
  assert.ok(dry.out.would.startsWith(`put host '${host}' (${h.id}) into maintenance mode; `), dry.out.would);
  assert.equal(dry.out.details.powered_on, running.length);
  assert.deepEqual(dry.out.details.vms.map((v) => v.id).sort(), onHost.map((v) => v.id).sort());
  if (running.length > 0)
    assert.ok(dry.out.would.includes(`its ${running.length} powered-on VM${running.length === 1 ? '' : 's'} (`) &&
              dry.out.would.includes('else vCenter waits up to 60 seconds (timeout_seconds)'), dry.out.would);
  else
    assert.ok(dry.out.would.includes('it runs no powered-on VMs'), dry.out.would);
  assert.match(dry.text, /^DRY RUN, nothing changed: would put host .* Call again with confirm: true to do it\.$/);
  assert.equal((await hostOf(host)).in_maintenance_mode, false);  // the dry run changed nothing
  const entered = await call(a, 'host_enter_maintenance', { host, timeout_seconds: 60, confirm: true });
  assert.equal(entered.task.state, 'success');
  assert.equal((await hostOf(host)).in_maintenance_mode, true);
  // Already in maintenance: the dry run is blocked, and confirmed it fails before vCenter.
  const again = await call(a, 'host_enter_maintenance', { host });
  assert.deepEqual(again.blocked, [`host '${host}' is already in maintenance mode; host_exit_maintenance takes it out`]);
  await fails(a, 'host_enter_maintenance', { host, confirm: true },
              /InvalidState.*cannot host_enter_maintenance now: host '\S+' is already in maintenance mode; host_exit_maintenance takes it out; nothing was changed/);
  assert.match((await run(b, 'host_list')).text, new RegExp(`${host} \\(maintenance\\)`));
  assert.equal((await call(b, 'inventory_summary')).hosts.in_maintenance, 1);
  const exited = await call(a, 'host_exit_maintenance', { host });
  assert.equal(exited.task.state, 'success');
  assert.equal((await hostOf(host)).in_maintenance_mode, false);
  assert.equal((await call(b, 'inventory_summary')).hosts.in_maintenance, 0);
  await fails(a, 'host_enter_maintenance', { host: 'no-such-host' }, /no-such-host/);
  await fails(a, 'host_enter_maintenance', { host: 'no-such-host', confirm: true }, /no-such-host/);
});

await check('inventory_summary follows changes and still agrees with the lists', async () => {
  const before = await call(b, 'inventory_summary');
  await call(a, 'vm_mark_template', { vm: 'e2e-vm' });              // a VM less, a template more
  await ensureOn('DC0_C0_RP0_VM1');
  await call(a, 'vm_suspend', { vm: 'DC0_C0_RP0_VM1', confirm: true });  // on -> suspended
  await call(a, 'host_enter_maintenance', { host: 'DC0_C0_H0', confirm: true });
  const s = await checkOverviewAgainstLists();
  assert.equal(s.templates, before.templates + 1);
  assert.equal(s.vms.total, before.vms.total - 1);
  assert.equal(s.vms.suspended, before.vms.suspended + 1);
  assert.equal(s.vms.powered_on, before.vms.powered_on - 1);
  assert.equal(s.hosts.in_maintenance, before.hosts.in_maintenance + 1);
  await call(a, 'host_exit_maintenance', { host: 'DC0_C0_H0' });
  await call(a, 'vm_power_on', { vm: 'DC0_C0_RP0_VM1' });
  await call(a, 'template_to_vm', { template: 'e2e-vm' });
  const after = await checkOverviewAgainstLists();
  assert.deepEqual([after.templates, after.vms.total, after.vms.powered_on, after.hosts.in_maintenance],
                   [before.templates, before.vms.total, before.vms.powered_on, before.hosts.in_maintenance]);
});

// ---- events, tasks, performance -------------------------------------------------------------

await check('vm_events, events_list, tasks_recent, vm_perf and host_perf', async () => {
  const vm = 'DC0_C0_RP0_VM1';
  const id = (await vmOf(vm)).id;
  const { out: ev, text: evText } = await run(b, 'vm_events', { vm, max_count: 1000 });
  const types = ev.events.map((e) => e.type);
  for (const t of ['VmSuspendedEvent', 'VmPoweredOnEvent', 'VmPoweredOffEvent', 'VmGuestShutdownEvent'])
    assert.ok(types.includes(t), `no ${t} in ${types}`);
  const times = ev.events.map((e) => Date.parse(e.time));
  for (let i = 1; i < times.length; i++) assert.ok(times[i - 1] >= times[i], 'newest first');
  assert.ok(ev.events.every((e) => e.message.includes(vm)), 'each event names the VM');
  assert.match(evText, new RegExp(`^${ev.events.length} events, newest first: ${ev.events[0].type} `));
  // (max_count below the number of events is not checked: the simulator then returns the
  // newest event and the oldest ones.)

  // events_list: the same events for that VM, a type glob, and the whole inventory.
  const { out: listed, text: listedText } = await run(b, 'events_list', { vm, max_count: 1000 });
  assert.deepEqual(listed.events.map((e) => e.type), types);
  assert.ok(listed.events.every((e) => e.vm === vm), 'each event of the VM names it');
  assert.match(listedText, /^\d+ events, newest first: /);
  const offs = await call(b, 'events_list', { vm, type: 'VmPowered*Event', max_count: 1000 });
  assert.ok(offs.events.length > 0 && offs.events.every((e) => /^VmPowered(On|Off)Event$/.test(e.type)));
  const all = await call(b, 'events_list', { max_count: 1000 });
  assert.ok(new Set(all.events.map((e) => e.vm).filter(Boolean)).size > 1, 'events of several VMs');
  const onHost = await call(b, 'events_list', { host: 'DC0_H0', max_count: 1000 });
  assert.ok(onHost.events.length > 0 && onHost.events.every((e) => e.host === 'DC0_H0'));
  await fails(b, 'events_list', { vm, host: 'DC0_H0' }, /vm or host, not both/);

  const power = await call(a, 'vm_power_off', { vm, confirm: true });
  const { out: tasks, text: tasksText } = await run(b, 'tasks_recent');
  const seen = tasks.tasks.find((t) => t.id === power.task.id);
  assert.deepEqual([seen?.name, seen?.state, seen?.entity], ['VirtualMachine.powerOff', 'success', id]);
  const states = tasks.tasks.map((t) => t.state);
  assert.match(tasksText, new RegExp(`^${tasks.tasks.length} recent tasks: `));
  assert.ok(tasksText.includes(`${states.filter((s) => s === 'success').length} success`), tasksText);
  await call(a, 'vm_power_on', { vm });

  for (const target of [vm, id]) {  // by name and by id
    const { out: perf, text } = await run(b, 'vm_perf', { vm: target });
    assert.ok(perf.series.length > 0);
    for (const s of perf.series) assert.equal(s.timestamps.length, s.values.length);
    assert.match(text, new RegExp(`^${perf.series.length} series: `));
    // Percent counters are in percent (vCenter's hundredths divided by 100): 0..100, and the
    // summary gives each counter's newest sample as that same number.
    const percents = perf.series.filter((s) => s.unit === 'percent');
    assert.ok(percents.some((s) => s.counter === 'cpu.usage.average'), JSON.stringify(perf.series.map((s) => [s.counter, s.unit])));
    for (const s of percents) {
      for (const v of s.values) assert.ok(typeof v === 'number' && v >= 0 && v <= 100, `${s.counter}: ${v} is not a percent`);
      const times = s.timestamps.map((t) => Date.parse(t));
      const newest = s.values[times.indexOf(Math.max(...times))];
      const label = s.instance ? `${s.counter}[${s.instance}]` : s.counter;
      if (perf.series.indexOf(s) < 6)
        assert.ok(text.includes(`${label} ${newest.toFixed(2)}% (latest of ${s.values.length} sample${s.values.length === 1 ? '' : 's'})`),
                  `${text} lacks ${label} ${newest.toFixed(2)}%`);
    }
    // The simulator's samples are not all zero, so the percent checks above can fail.
    assert.ok(percents.flatMap((s) => s.values).some((v) => v > 0), 'every percent sample is 0');
  }
  const one = await call(b, 'vm_perf', { vm, counters: ['mem.usage.average'], max_samples: 2, interval_seconds: 20 });
  assert.deepEqual(one.series.map((s) => s.counter), ['mem.usage.average']);
  assert.ok(one.series[0].values.length >= 1 && one.series[0].values.length <= 2);
  for (const v of one.series[0].values) assert.ok(v >= 0 && v <= 100, `mem.usage.average ${v} is not a percent`);
  const { out: hostPerf, text: hostText } = await run(b, 'host_perf', { host: 'DC0_H0', counters: ['cpu.usage.average'], max_samples: 1 });
  assert.equal(hostPerf.series[0].values.length, 1);
  assert.equal(hostPerf.series[0].unit, 'percent');
  const hostValue = hostPerf.series[0].values[0];
  assert.ok(hostValue >= 0 && hostValue <= 100, `host cpu.usage.average ${hostValue} is not a percent`);
  assert.equal(hostText, `1 series: cpu.usage.average ${hostValue.toFixed(2)}% (latest of 1 sample)`);
  await fails(b, 'vm_perf', { vm, counters: ['no.such.counter'] }, /no\.such\.counter/);
});

// ---- alarms (the simulator runs with -alarm DC0_C0_RP0_VM1:red,DC0_C0_H1:yellow) -------------

await check('alarm_list, alarm_acknowledge and alarm_reset; b sees each step', async () => {
  const { out: all, text } = await run(b, 'alarm_list');
  assert.deepEqual(all.alarms.map((x) => `${x.entity_name}:${x.status}`), ['DC0_C0_RP0_VM1:red', 'DC0_C0_H1:yellow']);
  assert.equal(text, "2 of 2 alarms: 1 red, 1 yellow (2 not acknowledged); 'Virtual machine CPU usage' (red) on " +
                     "DC0_C0_RP0_VM1, 'Host connection and power state' (yellow) on DC0_C0_H1");
  const [vm, host] = all.alarms;
  assert.equal(vm.entity_path, '/DC0/vm/DC0_C0_RP0_VM1');
  assert.equal(host.entity_path, '/DC0/host/DC0_C0/DC0_C0_H1');
  const { out: acked, text: ackText } = await run(a, 'alarm_acknowledge', { alarm: vm.id });
  assert.equal(acked.alarm.acknowledged_by, 'user');
  assert.equal(ackText, "acknowledged 'Virtual machine CPU usage' (red) on DC0_C0_RP0_VM1 as user");
  assert.deepEqual((await call(b, 'alarm_list', { acknowledged: true })).alarms.map((x) => x.id), [vm.id]);
  const { text: resetText } = await run(a, 'alarm_reset', { alarm: 'Host connection and power state', entity: 'DC0_C0_H1' });
  assert.equal(resetText, "reset 'Host connection and power state' on DC0_C0_H1 from yellow to green");
  assert.deepEqual((await call(b, 'alarm_list')).alarms.map((x) => x.id), [vm.id]);
  await fails(a, 'alarm_reset', { alarm: host.id }, /no triggered alarm has the key/);
  await fails(b, 'alarm_list', { entity: 'no-such-thing' }, /no-such-thing/);
  await call(a, 'alarm_reset', { alarm: vm.id });
  assert.deepEqual((await call(b, 'alarm_list')).alarms, []);
});

// ---- tags, catalog, deployments ----------------------------------------------------------------

await check('tag categories and tags: create, update, attach, detach, delete; b sees each step', async () => {
  const cat = (await call(a, 'tag_category_create', { name: 'env', cardinality: 'SINGLE', associable_types: ['VirtualMachine'] })).category;
  assert.equal((await call(b, 'tag_category_get', { category: 'env' })).category.id, cat.id);
  assert.ok((await call(b, 'tag_category_list')).categories.some((c) => c.id === cat.id && c.cardinality === 'SINGLE'));
  await fails(a, 'tag_category_create', { name: 'env' }, /already exists|AlreadyExists/);
  await call(a, 'tag_category_update', { category: 'env', description: 'Environment' });
  assert.equal((await call(b, 'tag_category_get', { category: cat.id })).category.description, 'Environment');

  const tag = (await call(a, 'tag_create', { name: 'prod', category: 'env' })).tag;
  assert.equal(tag.category_id, cat.id);
  await call(a, 'tag_update', { tag: 'prod', category: 'env', description: 'Production' });
  assert.equal((await call(b, 'tag_get', { tag: 'prod', category: 'env' })).tag.description, 'Production');
  assert.deepEqual((await call(b, 'tag_list', { category: 'env' })).tags.map((t) => t.name), ['prod']);

  const vm = 'DC0_C0_RP0_VM0';
  const id = (await vmOf(vm)).id;
  const attached = await call(a, 'tag_attach', { tag: 'prod', category: 'env', object: vm });
  assert.deepEqual(attached.object, { type: 'VirtualMachine', id });
  assert.deepEqual((await call(b, 'tag_list_attached', { object: id })).tags.map((t) => t.name), ['prod']);
  assert.deepEqual((await call(b, 'tag_list_objects', { tag: tag.id })).objects, [{ type: 'VirtualMachine', id }]);
  await fails(a, 'tag_attach', { tag: 'prod', category: 'env', object: 'no-such-vm-anywhere' }, /no-such-vm-anywhere/);
  await call(a, 'tag_detach', { tag: 'prod', category: 'env', object: `VirtualMachine:${id}` });
  assert.deepEqual((await call(b, 'tag_list_attached', { object: vm })).tags, []);

  const dryTag = await call(a, 'tag_delete', { tag: 'prod', category: 'env' });
  assert.equal(dryTag.dry_run, true);
  assert.equal(dryTag.would, "delete tag 'prod', attached to 0 objects");
  assert.ok((await call(b, 'tag_get', { tag: tag.id })).tag);
  await call(a, 'tag_delete', { tag: 'prod', category: 'env', confirm: true });
  await fails(b, 'tag_get', { tag: tag.id }, /NotFound|no tag/);
  const dryCat = await call(a, 'tag_category_delete', { category: 'env' });
  assert.match(dryCat.would, /delete tag category 'env' and its 0 tags/);
  await call(a, 'tag_category_delete', { category: 'env', confirm: true });
  await fails(b, 'tag_category_get', { category: cat.id }, /NotFound|no category/i);
});

await check('catalog: a template becomes an item; a request makes a deployment b sees; delete and unsynced', async () => {
  const created = await call(a, 'vm_create', { name: 'catalog-src', num_cpus: 2, memory_mb: 256 });
  await call(a, 'vm_mark_template', { vm: created.task.result });
  const items = (await call(b, 'catalog_item_list', { kind: 'template' })).items;
  const item = items.find((i) => i.name === 'catalog-src');
  assert.ok(item, JSON.stringify(items));
  assert.equal(item.id, `template:${created.task.result}`);
  assert.equal(item.deployable, true);
  assert.equal((await call(b, 'catalog_item_get', { item: item.id })).item.name, 'catalog-src');
  const form = (await call(b, 'catalog_item_schema', { item: item.id })).schema;
  assert.deepEqual(form.required, ['name']);
  assert.equal(form.properties.num_cpus.default, 2);
  assert.equal(form.properties.memory_mb.default, 256);
  assert.ok(form.properties.network.enum.includes('VM Network') && form.properties.network.enum.includes('DC0_DVPG0'),
    JSON.stringify(form.properties.network));
  await fails(a, 'catalog_request', { item: item.id, inputs: { name: 'dep-bad', network: 'nope' } }, /inputs\.network/);
  await fails(a, 'catalog_request', { item: item.id, inputs: { name: 'dep-bad', memory_mb: 1001 } }, /inputs\.memory_mb/);
  await fails(a, 'catalog_item_get', { item: 'nonsense' }, /item: .*pattern/);

  const req = await call(a, 'catalog_request', { item: item.id, inputs: { name: 'dep-vm-1', project: 'vm' } });
  const dep = req.deployment;
  assert.match(dep.id, /^dep-[0-9a-f]{12}$/);
  assert.equal(dep.status, 'ready');
  assert.equal(dep.item_name, 'catalog-src');
  assert.equal(req.task.state, 'success');
  await fails(a, 'catalog_request', { item: item.id, inputs: { name: 'dep-vm-1' } }, /already exists/);
  const seen = (await call(b, 'deployment_list')).deployments.find((d) => d.id === dep.id);
  assert.deepEqual([seen?.name, seen?.status, seen?.vm_count], ['dep-vm-1', 'ready', 1]);
  const got = (await call(b, 'deployment_get', { deployment: dep.id })).deployment;
  assert.deepEqual(got.resources.map((r) => r.name), ['dep-vm-1']);
  assert.equal((await vmOf('dep-vm-1')).template, false);
  assert.deepEqual((await vmOf('dep-vm-1')).networks, []);  // the template has no NIC
  const report = await call(b, 'report_deployments');
  assert.ok(report.by_item.some((r) => r.item === 'catalog-src' && r.deployments === 1 && r.vms === 1));
  assert.ok(report.by_project.some((r) => r.project === 'vm' && r.deployments >= 1));

  const dry = await call(a, 'deployment_delete', { deployment: dep.id });
  assert.match(dry.would, /destroy deployment dep-[0-9a-f]+: 1 VMs \('dep-vm-1'\)/);
  assert.equal((await vmOf('dep-vm-1')).name, 'dep-vm-1');
  await call(a, 'deployment_delete', { deployment: dep.id, confirm: true });
  await fails(b, 'vm_get', { vm: 'dep-vm-1' }, /dep-vm-1/);
  assert.ok(!(await call(b, 'deployment_list')).deployments.some((d) => d.id === dep.id));
  await fails(b, 'deployment_get', { deployment: dep.id }, /no deployment/);

  // A deployment whose VM was destroyed behind its back is reported as unsynced.
  // A network input gives the template's clone a NIC on that network.
  const lost = (await call(a, 'catalog_request', { item: item.id, inputs: { name: 'dep-vm-2', network: 'DC0_DVPG0' } })).deployment;
  assert.deepEqual((await vmOf('dep-vm-2')).networks, ['DC0_DVPG0']);
  await call(a, 'vm_power_off', { vm: 'dep-vm-2', confirm: true }).catch(() => {});  // fails when already off
  await call(a, 'vm_destroy', { vm: 'dep-vm-2', confirm: true });
  const unsynced = await call(b, 'deployment_list', { status: 'unsynced' });
  assert.deepEqual(unsynced.deployments.map((d) => d.id), [lost.id]);
  assert.ok((await call(b, 'report_deployments')).unsynced.some((d) => d.id === lost.id));
  await call(a, 'deployment_delete', { deployment: lost.id, confirm: true });
});

await check('catalog: an OVF library item deploys with size and network; other items and a broken OVF do not', async () => {
  const ds = (await call(b, 'datastore_get', { datastore: 'LocalDS_0' })).datastore.id;
  const lib = await contentLibrary(url, ca, 'user', 'pass');
  const library = await lib.library('apps', ds);
  const tiny = await lib.ovfItem(library, 'tiny', readFileSync(new URL('../fixtures/tiny.ovf', import.meta.url), 'utf8'));
  const broken = await lib.ovfItem(library, 'broken', 'not xml');
  const iso = await lib.item(library, 'installer', 'iso');
  await lib.close();

  const items = (await call(b, 'catalog_item_list', { kind: 'library' })).items;
  const byName = Object.fromEntries(items.map((i) => [i.name, i]));
  assert.deepEqual([byName.tiny?.id, byName.tiny?.deployable, byName.tiny?.type], [`library:${tiny}`, true, 'ovf']);
  assert.deepEqual([byName.installer?.id, byName.installer?.deployable], [`library:${iso}`, false]);
  assert.match(byName.installer.note, /only OVF items can be deployed/);
  assert.equal((await call(b, 'catalog_item_get', { item: `library:${tiny}` })).item.name, 'tiny');
  const form = (await call(b, 'catalog_item_schema', { item: `library:${tiny}` })).schema;
  assert.deepEqual(form.required, ['name']);
  assert.equal(form.properties.num_cpus.default, undefined);  // the OVF's own unless given
  assert.equal(form.properties.hostname, undefined);  // guest customization is for templates
  await fails(b, 'catalog_item_schema', { item: `library:${iso}` }, /type 'iso'; only OVF items can be deployed/);
  await fails(a, 'catalog_request', { item: `library:${iso}`, inputs: { name: 'iso-vm' } }, /only OVF items/);
  await fails(a, 'catalog_request', { item: `library:${tiny}`, inputs: { name: 'ovf-x', hostname: 'h1' } },
    /inputs\.hostname: is not an allowed property/);
  await fails(b, 'catalog_item_get', { item: 'library:no-such-item' }, /no catalog item 'library:no-such-item'/);

  const req = await call(a, 'catalog_request', {
    item: `library:${tiny}`, inputs: { name: 'ovf-vm-1', project: 'vm', num_cpus: 2, memory_mb: 128, network: 'DC0_DVPG0' },
  });
  assert.equal(req.deployment.status, 'ready');
  assert.equal(req.deployment.item, `library:${tiny}`);
  assert.equal(req.deployment.item_name, 'tiny');
  assert.equal(req.task, undefined);  // an OVF deployment is one vCenter call, not a task
  const vm = await vmOf('ovf-vm-1');
  assert.deepEqual([vm.num_cpu, vm.memory_mb, vm.networks, vm.folder], [2, 128, ['DC0_DVPG0'], '/DC0/vm']);
  const listed = (await call(b, 'deployment_list')).deployments.find((d) => d.id === req.deployment.id);
  assert.deepEqual([listed?.item_name, listed?.vm_count], ['tiny', 1]);

  // vCenter refusing the OVF fails the request with its message and records a failed deployment.
  await fails(a, 'catalog_request', { item: `library:${broken}`, inputs: { name: 'ovf-broken' } },
    /failed to deploy library item .* as 'ovf-broken'/);
  const failed = (await call(b, 'deployment_list', { status: 'failed' })).deployments.find((d) => d.name === 'ovf-broken');
  assert.ok(failed, 'the failed deployment is recorded');
  assert.match(failed.error, /ovf-broken/);
  await fails(b, 'vm_get', { vm: 'ovf-broken' }, /ovf-broken/);
  await call(a, 'deployment_delete', { deployment: failed.id, confirm: true });
  await call(a, 'deployment_delete', { deployment: req.deployment.id, confirm: true });
  await fails(b, 'vm_get', { vm: 'ovf-vm-1' }, /ovf-vm-1/);
});

// ---- resources, prompts, errors, other configurations -----------------------------------------

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
  assert.match(p.messages[0].content.text, /alarm_list/);  // the VM's alarms are part of a triage
  const { prompts } = await a.listPrompts();
  assert.ok(prompts.some((x) => x.name === 'capacity_report'));
});

await check('errors name the problem', async () => {
  const r = await callRaw(a, 'vm_get', { vm: 'no-such-vm' });
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

// ---- coverage -------------------------------------------------------------------------------

await check('every registered tool was called by this test', async () => {
  const { tools } = await a.listTools();
  const missing = tools.map((t) => t.name).filter((n) => !called.has(n));
  assert.deepEqual(missing, [], `tools without a test here: ${missing.join(', ')}`);
});

await a.close();
await b.close();
finish();
