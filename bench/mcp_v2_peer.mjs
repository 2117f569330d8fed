// The MCP benchmark's reference server on the official v2 TypeScript SDK
// (@modelcontextprotocol/server 2.4.0, protocol revision 2026-07-28 with 2025 fallback): the same
// 40 tools as bench/bench_mcp_server.cpp on libmcp, tool_0 .. tool_39, each taking
// {name: string, count?: number} and answering the text "hello NAME".
//   stdio:  <node22> bench/mcp_v2_peer.mjs
//   HTTP:   <node22> bench/mcp_v2_peer.mjs --port P     (127.0.0.1, path /mcp; P = 0 picks a
//           free port; prints MCP_URL=http://127.0.0.1:PORT/mcp once listening)
// where <node22> is tests/node22/node_modules/.bin/node (the packages are tests/node22's: run
// `cd tests/node22 && npm ci` first). Over stdio the SDK's serveStdio serves either era (the
// opening message decides; a plain McpServer.connect(StdioServerTransport) would serve only
// 2025); over HTTP createMcpHandler serves 2026-07-28 requests statelessly and 2025 ones
// with its stateless legacy fallback (no Mcp-Session-Id; GET and DELETE are 405).
// The bench driver (tests/node/bench/driver.mjs, a 2025 client) runs against it as against
// bench-mcp-server, e.g.
//   node tests/node/bench/driver.mjs --requests 20000 --inflight 32 -- tests/node22/node_modules/.bin/node bench/mcp_v2_peer.mjs
//   node tests/node/bench/driver.mjs --http 1 --requests 5000 --inflight 32 -- tests/node22/node_modules/.bin/node bench/mcp_v2_peer.mjs --port 0
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { once } from 'node:events';

// The SDK lives in tests/node22/node_modules, not beside this file.
const require = createRequire(new URL('../tests/node22/package.json', import.meta.url));
let sdk, stdio, z;
try {
  sdk = require('@modelcontextprotocol/server');
  stdio = require('@modelcontextprotocol/server/stdio');
  ({ z } = require('zod'));
} catch (e) {
  process.stderr.write(`mcp_v2_peer: the v2 SDK is not installed (cd tests/node22 && npm ci): ${e.message}\n`);
  process.exit(2);
}
const { McpServer, createMcpHandler } = sdk;

function makeServer() {
  const server = new McpServer({ name: 'ts-v2-bench-server', version: '1.0.0' });
  const input = z.object({ name: z.string(), count: z.number().optional() });
  for (let i = 0; i < 40; i++) {
    server.registerTool(`tool_${i}`, { description: `Benchmark tool ${i}`, inputSchema: input },
      async ({ name }) => ({ content: [{ type: 'text', text: `hello ${name}` }] }));
  }
  return server;
}

const args = process.argv.slice(2);
const portAt = args.indexOf('--port');
const port = portAt < 0 ? undefined : Number(args[portAt + 1]);
if (args.some((a, i) => a !== '--port' && i !== portAt + 1) || (portAt >= 0 && !(Number.isInteger(port) && port >= 0 && port < 65536))) {
  process.stderr.write('usage: mcp_v2_peer.mjs [--port P]   (P: 0..65535)\n');
  process.exit(2);
}

if (port === undefined) {
  // serveStdio picks the era from the opening message and pins one instance for the connection.
  // Its transport waits on stdout's 'drain'/'error' once per write in flight: with the bench's 32
  // requests in flight that passes Node's default listener warning threshold of 10.
  process.stdout.setMaxListeners(128);
  stdio.serveStdio(() => makeServer(), { onerror: (e) => process.stderr.write(`mcp_v2_peer: ${e.message}\n`) });
} else {
  const handler = createMcpHandler(() => makeServer(), {
    onerror: (e) => process.stderr.write(`mcp_v2_peer: ${e.message}\n`),
  });
  // Node's (req, res) to the handler's fetch shape and back, streaming the reply (SSE included).
  const http = createServer(async (req, res) => {
    try {
      const url = `http://${req.headers.host ?? '127.0.0.1'}${req.url}`;
      if (new URL(url).pathname !== '/mcp') {
        res.writeHead(404).end('not found');
        return;
      }
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const request = new Request(url, {
        method: req.method,
        headers: Object.entries(req.headers).flatMap(([k, v]) => [v].flat().map((x) => [k, x])),
        body: hasBody ? Buffer.concat(chunks) : undefined,
      });
      const response = await handler.fetch(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (!response.body) {
        res.end();
        return;
      }
      res.on('close', () => response.body.cancel().catch(() => {}));
      for await (const chunk of response.body) {
        if (!res.write(chunk)) await once(res, 'drain');
      }
      res.end();
    } catch (e) {
      process.stderr.write(`mcp_v2_peer: ${e.stack ?? e}\n`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
  http.keepAliveTimeout = 60000;
  http.listen(port, '127.0.0.1', () => {
    process.stdout.write(`MCP_URL=http://127.0.0.1:${http.address().port}/mcp\n`);
  });
  const stop = () => {
    handler.close().finally(() => http.close(() => process.exit(0)));
    http.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
