// The benchmark's reference server on the official TypeScript SDK: 40 tools tool_0..tool_39,
// each taking {name: string, count?: number} and answering "hello NAME" (same as
// bench/bench_mcp_server.cpp on libmcp). Serves stdio, or streamable HTTP with --port P
// (127.0.0.1, /mcp; prints MCP_URL=...).
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

function makeServer() {
  const server = new McpServer({ name: 'ts-bench-server', version: '1.0.0' });
  for (let i = 0; i < 40; i++) {
    server.tool(`tool_${i}`, `Benchmark tool ${i}`, { name: z.string(), count: z.number().optional() },
      async ({ name }) => ({ content: [{ type: 'text', text: `hello ${name}` }] }));
  }
  return server;
}

const portArg = process.argv.indexOf('--port');
if (portArg < 0) {
  await makeServer().connect(new StdioServerTransport());
} else {
  const transports = new Map();
  const http = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const parsed = body ? JSON.parse(body) : undefined;
    const sid = req.headers['mcp-session-id'];
    let transport = sid && transports.get(sid);
    if (!transport && isInitializeRequest(parsed)) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => transports.set(id, transport),
      });
      await makeServer().connect(transport);
    }
    if (!transport) {
      res.writeHead(400).end('no session');
      return;
    }
    await transport.handleRequest(req, res, parsed);
  });
  http.listen(Number(process.argv[portArg + 1]), '127.0.0.1', () => {
    console.log(`MCP_URL=http://127.0.0.1:${http.address().port}/mcp`);
  });
}
