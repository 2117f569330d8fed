#include <catch2/catch.hpp>

#include <sstream>

#include "mcp/stdio_transport.hpp"

using namespace vsmcp;
using namespace vsmcp::mcp;

TEST_CASE("stdio answers every request before it returns on EOF, one JSON message per line") {
  Server server(Implementation{"s", "1", ""});
  REQUIRE(server.addTool({"echo", "", "", Json(), Json(), {}, [](const Json& a, RequestContext&) {
                            return ToolResult::text(a.find("text") ? a.find("text")->asString() : "");
                          }}).ok());
  std::istringstream in(
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{}}})"
      "\n"
      R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
      "\r\n\n"
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi\nthere"}}})"
      "\n"
      "garbage\n");
  std::ostringstream out;
  REQUIRE(serveStdio(server, in, out).ok());
  std::istringstream lines(out.str());
  std::string line;
  std::vector<Json> msgs;
  while (std::getline(lines, line)) {
    auto j = Json::parse(line);
    REQUIRE(j.ok());
    msgs.push_back(*j);
  }
  REQUIRE(msgs.size() == 3);  // initialize result, parse error, tool result (any order after init)
  bool saw_tool = false, saw_parse_error = false;
  for (const auto& m : msgs) {
    if (m.find("id") && *m.find("id") == Json(2))
      saw_tool = m.find("result")->find("content")->items()[0].find("text")->asString() == "hi\nthere";
    if (m.find("error")) saw_parse_error = m.find("error")->find("code")->asInt() == -32700;
  }
  CHECK(saw_tool);
  CHECK(saw_parse_error);
  CHECK(server.sessionCount() == 0);
}
