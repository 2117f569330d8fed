// mcp-server's graceful shutdown against the vCenter simulator, whose PowerOnVM_Task is slow
// (the simulator runs with -method-delay PowerOnVM_Task:3000): on SIGTERM a change in flight
// finishes and its response reaches the client (streamable HTTP through the official SDK
// client, and stdio), new requests are refused, the audit log says what the operation did, and
// the process exits 0 in time. With a drain time shorter than the call, the call is cancelled
// and still answered, and "cancelled" is audited only when the operation returned cancelled.
//   node mcp_server_shutdown.mjs <mcp-server binary> <vcsim url> <ca bundle>
// Waits are for conditions (an audit record, a log line, a response), never fixed sleeps.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { check, finish } from './harness.mjs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [binary, vcUrl, ca] = process.argv.slice(2);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsmcp-shutdown-'));
// A failed check exits at once: servers still running then are stopped, the folder removed.
const running = new Set();
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});
const env = { PATH: process.env.PATH, VCENTER_HOST: vcUrl, VCENTER_USER: 'user', VCENTER_PASSWORD: 'pass',
              VCENTER_CA_BUNDLE: ca };

// Resolves with `cond()` once it is truthy (checked every 20 ms); rejects after `ms`.
function until(cond, what, ms = 15000) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      const v = cond();
      if (v) return resolve(v);
      if (Date.now() - t0 > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

function start(args, auditPath, stdin = 'ignore') {
  const child = spawn(binary, args, { env: { ...env, MCP_AUDIT_LOG: auditPath }, stdio: [stdin, 'pipe', 'pipe'] });
  running.add(child);
  child.on('exit', () => running.delete(child));
  const s = { child, out: '', err: '', code: undefined, signal: undefined, exitedAt: 0 };
  child.stdout.on('data', (d) => { s.out += d; });
  child.stderr.on('data', (d) => { s.err += d; });
  s.exited = new Promise((resolve) => child.on('close', (code, signal) => {
    s.code = code; s.signal = signal; s.exitedAt = Date.now(); resolve(code);
  }));
  return s;
}

const audit = (p) => (fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : '').trim().split('\n').filter(Boolean)
  .map((l) => JSON.parse(l));
const startRecord = (p, op, vm) => audit(p).find((r) => r.event === 'start' && r.operation === op && r.arguments?.vm === vm);
const callRecord = (p, id) => audit(p).find((r) => r.event === 'call' && r.correlation_id === id);
const correlation = (text) => /correlation id ([0-9a-f]+)/.exec(text)?.[1];

async function connect(url) {
  const client = new Client({ name: 'vsmcp-shutdown-e2e', version: '1.0.0' }, { capabilities: {} });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  return { client, transport };
}

// An HTTP server with a slow vm_power_on in flight on `vm` (powered off first unless
// `alreadyOn`) when SIGTERM arrives.
async function httpCallInFlight(extraArgs, vm, auditPath, { alreadyOn = false } = {}) {
  const s = start(['--transport', 'http', '--port', '0', ...extraArgs], auditPath);
  const url = await until(() => /MCP_URL=(\S+)/.exec(s.out)?.[1], 'MCP_URL');
  const { client, transport } = await connect(url);
  if (!alreadyOn) {
    // vm_power_off is destructive: without confirm it would only dry-run.
    const off = await client.callTool({ name: 'vm_power_off', arguments: { vm, confirm: true } });
    assert.equal(off.isError, undefined, JSON.stringify(off));
    assert.equal(off.structuredContent.task?.state, 'success', JSON.stringify(off));
  }
  // The call itself gets a generous timeout: a dropped stream shows as a timeout, not a hang.
  const call = client.callTool({ name: 'vm_power_on', arguments: { vm } }, undefined, { timeout: 30000 })
    .then((r) => ({ r }), (e) => ({ e }));
  await until(() => startRecord(auditPath, 'vm_power_on', vm), 'the audit start record of vm_power_on');
  return { s, url, client, transport, call };
}

// A raw connection whose whole reply (everything read until the server closes it) is collected
// from the start, so a close that comes early is seen, never waited for.
function rawConnection(port) {
  const socket = net.connect(port, '127.0.0.1');
  let got = '';
  socket.on('data', (d) => { got += d; });
  const closed = new Promise((resolve) => socket.on('close', () => resolve(got)));
  const connected = new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  socket.on('error', () => {});  // a reset shows as an early close with what was read
  return { socket, closed, connected, got: () => got,
           write: (text) => { if (!socket.destroyed) socket.write(text); } };
}

try {
  await check('HTTP: on SIGTERM a change in flight finishes and its response arrives; new requests are ' +
              'refused (503 on an open connection, no new connections); audited ok; exit 0 in time', async () => {
    const auditPath = path.join(dir, 'http-drain.log');
    const { s, url, transport, call } = await httpCallInFlight([], 'DC0_H0_VM0', auditPath);
    const port = Number(new URL(url).port);
    // A connection the server accepted before the signal (it answered a first request on it,
    // so it is not still waiting in the listen backlog), used again after it.
    const raw = rawConnection(port);
    await raw.connected;
    const post = (id) => {
      const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list', params: {} });
      raw.write(
        `POST ${new URL(url).pathname} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
        `Accept: application/json, text/event-stream\r\nMcp-Session-Id: ${transport.sessionId}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    };
    post(98);
    // The whole first response: its chunked end, or as many body bytes as Content-Length says.
    const complete = (text) => {
      const end = text.indexOf('\r\n\r\n');
      if (end < 0 || !/"id":98/.test(text)) return false;
      const head = text.slice(0, end);
      if (/\r\ntransfer-encoding: *chunked/i.test(head)) return text.endsWith('\r\n0\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(head);
      return length !== null && Buffer.byteLength(text.slice(end + 4)) >= Number(length[1]);
    };
    await until(() => complete(raw.got()), 'the whole answer to a first request on the raw connection');
    const before = raw.got().length;
    const signalled = Date.now();
    s.child.kill('SIGTERM');
    await until(() => /draining/.test(s.err), 'the draining log line');
    post(99);
    const reply = (await raw.closed).slice(before);
    assert.match(reply, /^HTTP\/1\.1 503 /, reply);
    assert.match(reply, /\r\nConnection: close\r\n/i, reply);
    const error = JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4));
    assert.equal(error.jsonrpc, '2.0');
    assert.match(error.error.message, /shutting down/);
    const fresh = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => { c.destroy(); resolve('connected'); });
      c.once('error', (err) => resolve(err.code));
    });
    assert.equal(fresh, 'ECONNREFUSED', 'a new connection must be refused');

    const { r, e } = await call;
    assert.equal(e, undefined, `the call failed instead of being answered: ${e}`);
    assert.equal(r.isError, undefined, JSON.stringify(r));
    assert.equal(r.structuredContent.task.state, 'success');
    const rec = callRecord(auditPath, startRecord(auditPath, 'vm_power_on', 'DC0_H0_VM0').correlation_id);
    assert.ok(rec, JSON.stringify(audit(auditPath)));
    assert.equal(rec.outcome, 'ok');
    await s.exited;
    assert.equal(s.code, 0, s.err);
    assert.ok(s.exitedAt - signalled < 10000, `took ${s.exitedAt - signalled} ms to exit (drain time 10 s)`);
    assert.match(s.err, /stopped/);
    assert.doesNotMatch(s.err, /cancelled \d+ request/, 'nothing should have been cancelled');
  });

  await check('HTTP: with a drain time shorter than the call, the call is cancelled and still answered; the ' +
              'audit says cancelled only if the operation returned cancelled; exit 0 in time', async () => {
    const auditPath = path.join(dir, 'http-cancel.log');
    const { s, call } = await httpCallInFlight(['--drain-timeout', '1'], 'DC0_H0_VM1', auditPath);
    const signalled = Date.now();
    s.child.kill('SIGTERM');
    const { r, e } = await call;
    assert.equal(e, undefined, `the call failed instead of being answered: ${e}`);
    await s.exited;
    assert.equal(s.code, 0, s.err);
    assert.match(s.err, /cancelled 1 request/, 'the drain time should have run out and cancelled the call');
    // 1 s drain + the rest of the 3 s call; the cancel grace (5 s) bounds it.
    assert.ok(s.exitedAt - signalled < 1000 + 5000 + 2000, `took ${s.exitedAt - signalled} ms to exit`);
    const rec = callRecord(auditPath, startRecord(auditPath, 'vm_power_on', 'DC0_H0_VM1').correlation_id);
    assert.ok(rec, JSON.stringify(audit(auditPath)));
    const text = r.content?.[0]?.text ?? '';
    // The task (delayed with -method-delay, so it exists only once the delay is over) either
    // finished (ok), was cancelled, or cancelling it failed (error); only an operation that
    // reports cancelled may be audited so.
    if (r.isError) {
      assert.equal(rec.outcome, /\bcancelled: .* was cancelled/.test(text) ? 'cancelled' : 'error', text);
      assert.equal(correlation(text), rec.correlation_id);
    } else {
      assert.equal(rec.outcome, 'ok', JSON.stringify(rec));
      assert.equal(r.structuredContent.task.state, 'success');
    }
  });

  await check('HTTP: a vCenter failure of a call the shutdown cancelled is answered and audited error, ' +
              'not cancelled', async () => {
    const auditPath = path.join(dir, 'http-cancel-error.log');
    // The first case powered DC0_H0_VM0 on: powering it on again fails (InvalidPowerState)
    // once the slow PowerOnVM_Task returns, after the 1 s drain cancelled the call.
    const { s, call } = await httpCallInFlight(['--drain-timeout', '1'], 'DC0_H0_VM0', auditPath, { alreadyOn: true });
    s.child.kill('SIGTERM');
    const { r, e } = await call;
    assert.equal(e, undefined, `the call failed instead of being answered: ${e}`);
    await s.exited;
    assert.equal(s.code, 0, s.err);
    assert.match(s.err, /cancelled 1 request/, 'the drain time should have run out and cancelled the call');
    assert.equal(r.isError, true, JSON.stringify(r));
    assert.match(r.content[0].text, /vm_power_on failed: .*(InvalidPowerState|powered on)/i);
    const rec = callRecord(auditPath, startRecord(auditPath, 'vm_power_on', 'DC0_H0_VM0').correlation_id);
    assert.equal(rec?.outcome, 'error', JSON.stringify(audit(auditPath)));
    assert.equal(correlation(r.content[0].text), rec.correlation_id);
  });

  // Over stdio: newline-delimited JSON-RPC on the child's stdin and stdout.
  async function stdioCallInFlight(vm, auditPath) {
    const s = start(['--transport', 'stdio'], auditPath, 'pipe');
    const send = (m) => s.child.stdin.write(JSON.stringify(m) + '\n');
    const response = (id) => until(() => s.out.split('\n').filter(Boolean).map((l) => JSON.parse(l))
      .find((m) => m.id === id && !m.method), `the response to request ${id}`, 30000);
    send({ jsonrpc: '2.0', id: 1, method: 'initialize',
           params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    await response(1);
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'vm_power_off', arguments: { vm, confirm: true } } });
    const off = (await response(2)).result;
    assert.equal(off.isError, undefined, JSON.stringify(off));
    assert.equal(off.structuredContent.task?.state, 'success', JSON.stringify(off));
    send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'vm_power_on', arguments: { vm } } });
    await until(() => startRecord(auditPath, 'vm_power_on', vm), 'the audit start record of vm_power_on');
    return { s, response };
  }

  await check('stdio: on SIGTERM a change in flight finishes and its response is written before exit 0', async () => {
    const auditPath = path.join(dir, 'stdio-term.log');
    const { s, response } = await stdioCallInFlight('DC0_C0_RP0_VM0', auditPath);
    const signalled = Date.now();
    s.child.kill('SIGTERM');
    await s.exited;
    assert.equal(s.signal, null, `killed by ${s.signal}: the response was lost`);
    assert.equal(s.code, 0, s.err);
    assert.ok(s.exitedAt - signalled < 10000, `took ${s.exitedAt - signalled} ms to exit (drain time 10 s)`);
    const r = (await response(3)).result;
    assert.equal(r.isError, undefined, JSON.stringify(r));
    assert.equal(r.structuredContent.task.state, 'success');
    const started = startRecord(auditPath, 'vm_power_on', 'DC0_C0_RP0_VM0');
    assert.equal(callRecord(auditPath, started.correlation_id)?.outcome, 'ok', JSON.stringify(audit(auditPath)));
  });

  await check('stdio: closing stdin while a change runs still writes its response, exit 0', async () => {
    const auditPath = path.join(dir, 'stdio-eof.log');
    const { s, response } = await stdioCallInFlight('DC0_C0_RP0_VM1', auditPath);
    s.child.stdin.end();
    await s.exited;
    assert.equal(s.code, 0, s.err);
    const r = (await response(3)).result;
    assert.equal(r.isError, undefined, JSON.stringify(r));
    const started = startRecord(auditPath, 'vm_power_on', 'DC0_C0_RP0_VM1');
    assert.equal(callRecord(auditPath, started.correlation_id)?.outcome, 'ok', JSON.stringify(audit(auditPath)));
  });
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
finish();
