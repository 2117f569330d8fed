// bench-mcp-server: the benchmark's reference server on libmcp. 40 tools tool_0 .. tool_39,
// each taking {name: string, count?: number} and answering the text "hello NAME", exactly
// like bench/ts/server.mjs on the official TypeScript SDK. Serves stdio by default, or
// streamable HTTP with --port P (127.0.0.1, path /mcp).
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "mcp/http_transport.hpp"
#include "mcp/stdio_transport.hpp"

using namespace vsmcp;
using namespace vsmcp::mcp;

int main(int argc, char** argv) {
  int port = -1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      port = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: bench-mcp-server [--port P]\n");
      return 2;
    }
  }
  std::ios::sync_with_stdio(false);
  Server server(Implementation{"bench-mcp-server", "1.0", ""});
  Json schema = *Json::parse(
      R"({"type":"object","properties":{"name":{"type":"string"},"count":{"type":"number"}},"required":["name"]})");
  for (int i = 0; i < 40; ++i) {
    std::string name = "tool_" + std::to_string(i);
    Status st = server.addTool({name, "", "Benchmark tool " + std::to_string(i), schema, Json(), {},
                                [](const Json& args, RequestContext&) {
                                  return ToolResult::text("hello " + args.find("name")->asString());
                                }});
    if (!st.ok()) {
      std::fprintf(stderr, "%s\n", st.toString().c_str());
      return 1;
    }
  }
  if (port < 0) return serveStdio(server, std::cin, std::cout).ok() ? 0 : 1;
  HttpServerOptions options;
  options.port = static_cast<unsigned short>(port);
  Status served = serveHttpUntilSignal(server, options, [](const std::string& url) {
    std::printf("MCP_URL=%s\n", url.c_str());
    std::fflush(stdout);
  });
  if (!served.ok()) {
    std::fprintf(stderr, "%s\n", served.toString().c_str());
    return 1;
  }
  return 0;
}
