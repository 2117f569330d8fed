#include <catch2/catch.hpp>

#include <map>
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

#include <ext/stdio_filebuf.h>
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <unistd.h>

#include <thread>

namespace {
// A pipe seen as an istream (read end) plus a writer the test feeds line by line.
struct PipeInput {
  int fds[2];
  std::unique_ptr<__gnu_cxx::stdio_filebuf<char>> buf;
  std::unique_ptr<std::istream> in;
  PipeInput() {
    REQUIRE(pipe(fds) == 0);
    buf = std::make_unique<__gnu_cxx::stdio_filebuf<char>>(fds[0], std::ios::in);
    in = std::make_unique<std::istream>(buf.get());
  }
  void write(const std::string& line) {
    std::string l = line + "\n";
    REQUIRE(::write(fds[1], l.data(), l.size()) == static_cast<ssize_t>(l.size()));
  }
  void close() { ::close(fds[1]); }
};

// An ostream whose content can be polled safely while another thread writes it.
class LockedOut : public std::streambuf {
 public:
  std::string text() {
    std::lock_guard<std::mutex> lock(mu_);
    return data_;
  }
  bool waitFor(const std::string& needle) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return data_.find(needle) != std::string::npos; });
  }

 protected:
  int overflow(int c) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (c != EOF) data_ += static_cast<char>(c);
    cv_.notify_all();
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::lock_guard<std::mutex> lock(mu_);
    data_.append(s, static_cast<size_t>(n));
    cv_.notify_all();
    return n;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::string data_;
};
}  // namespace

TEST_CASE("stdio keeps reading the client's answers while requests wait in the backlog") {
  Server server(Implementation{"s", "1", ""});
  REQUIRE(server.addTool({"ask", "", "", Json(), Json(), {}, [](const Json&, RequestContext& ctx) {
                            auto r = ctx.request("elicitation/create", Json::object().set("message", "ok?"));
                            return r.ok() ? ToolResult::text("answered " + r->find("action")->asString())
                                          : ToolResult::error(r.status().message());
                          }}).ok());
  REQUIRE(server.addTool({"echo", "", "", Json(), Json(), {}, [](const Json&, RequestContext&) { return ToolResult::text("echo"); }}).ok());
  PipeInput input;
  LockedOut outbuf;
  std::ostream out(&outbuf);
  StdioOptions options;
  options.max_in_flight = 1;  // the second call waits in the backlog
  std::thread serving([&] { REQUIRE(serveStdio(server, *input.in, out, options).ok()); });
  input.write(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{"elicitation":{}}}})");
  input.write(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  input.write(R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"ask"}})");
  input.write(R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo"}})");
  REQUIRE(outbuf.waitFor(R"("method":"elicitation/create")"));
  input.write(R"({"jsonrpc":"2.0","id":"srv-1","result":{"action":"accept"}})");
  CHECK(outbuf.waitFor("answered accept"));
  CHECK(outbuf.waitFor(R"("text":"echo")"));
  input.close();
  serving.join();
}

TEST_CASE("stdio returns promptly on EOF even while a handler waits for the client") {
  Server server(Implementation{"s", "1", ""});
  REQUIRE(server.addTool({"ask", "", "", Json(), Json(), {}, [](const Json&, RequestContext& ctx) {
                            auto r = ctx.request("elicitation/create", Json::object().set("message", "ok?"));
                            return r.ok() ? ToolResult::text("answered") : ToolResult::error(r.status().message());
                          }}).ok());
  PipeInput input;
  LockedOut outbuf;
  std::ostream out(&outbuf);
  std::thread serving([&] { REQUIRE(serveStdio(server, *input.in, out).ok()); });
  input.write(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{"elicitation":{}}}})");
  input.write(R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"ask"}})");
  REQUIRE(outbuf.waitFor(R"("method":"elicitation/create")"));
  const auto t0 = std::chrono::steady_clock::now();
  input.close();  // the client goes away without answering
  serving.join();
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  CHECK(outbuf.text().find("the client closed its input") != std::string::npos);
}

TEST_CASE("an over-long stdio line is refused without buffering it whole") {
  Server server(Implementation{"s", "1", ""});
  std::istringstream in(std::string(100000, 'x') + "\n" +
                        R"({"jsonrpc":"2.0","id":1,"method":"ping"})" + "\n");
  std::ostringstream out;
  StdioOptions options;
  options.max_message_bytes = 1000;
  REQUIRE(serveStdio(server, in, out, options).ok());
  CHECK(out.str().find("exceeds the limit of 1000 bytes") != std::string::npos);
  CHECK(out.str().find(R"("id":1,"result":{})") != std::string::npos);
}

TEST_CASE("the stdio principal reaches the handlers") {
  Server server(Implementation{"s", "1", ""});
  REQUIRE(server.addTool({"whoami", "", "", Json(), Json(), {}, [](const Json&, RequestContext& ctx) {
                            return ToolResult::text("principal=" + ctx.principal() + ";");
                          }}).ok());
  auto script = std::string(
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{}}})"
      "\n"
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"whoami"}})"
      "\n");
  std::istringstream in(script);
  std::ostringstream out;
  StdioOptions options;
  options.principal = "local-operator";
  REQUIRE(serveStdio(server, in, out, options).ok());
  CHECK(out.str().find("principal=local-operator;") != std::string::npos);

  std::istringstream in_default(script);
  std::ostringstream out_default;
  REQUIRE(serveStdio(server, in_default, out_default).ok());
  CHECK(out_default.str().find("principal=;") != std::string::npos);
}

namespace {
// The stop signal of serveStdioFd: a pipe the test writes one byte to.
struct StopPipe {
  int fds[2];
  StopPipe() { REQUIRE(pipe(fds) == 0); }
  ~StopPipe() {
    ::close(fds[0]);
    ::close(fds[1]);
  }
  void fire() { REQUIRE(::write(fds[1], "x", 1) == 1); }
};

const std::string kStdioInit =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{}}})";
}  // namespace

TEST_CASE("after a stop, serveStdioFd reads no more input, lets a call in flight finish and writes its answer") {
  Server server(Implementation{"s", "1", ""});
  std::promise<void> started, release;
  auto released = release.get_future().share();
  std::atomic<bool> saw_cancel{false};
  REQUIRE(server.addTool({"held", "", "", Json(), Json(), {}, [&](const Json&, RequestContext& ctx) {
                            started.set_value();
                            released.wait();
                            saw_cancel = ctx.cancelled();
                            return ToolResult::text("released");
                          }}).ok());
  REQUIRE(server.addTool({"echo", "", "", Json(), Json(), {}, [](const Json&, RequestContext&) {
                            return ToolResult::text("echoed");
                          }}).ok());
  PipeInput input;
  StopPipe stop;
  LockedOut outbuf;
  std::ostream out(&outbuf);
  std::atomic<bool> returned{false};
  std::thread serving([&] {
    CHECK(serveStdioFd(server, input.fds[0], out, stop.fds[0]).ok());
    returned = true;
  });
  input.write(kStdioInit);
  input.write(R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"held"}})");
  started.get_future().wait();
  stop.fire();
  input.write(R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo"}})");  // after the stop
  CHECK_FALSE(returned.load());  // the call in flight holds it
  release.set_value();
  serving.join();
  const std::string text = outbuf.text();
  CHECK(text.find(R"("id":2,"result":{"content":[{"type":"text","text":"released"}])") != std::string::npos);
  CHECK(text.find("echoed") == std::string::npos);
  CHECK_FALSE(saw_cancel.load());
  CHECK(server.sessionCount() == 0);
  input.close();
}

TEST_CASE("serveStdioFd cancels what outlives the drain time after a stop, and writes its answer") {
  Server server(Implementation{"s", "1", ""});
  std::promise<void> started;
  REQUIRE(server.addTool({"long", "", "", Json(), Json(), {}, [&](const Json&, RequestContext& ctx) {
                            started.set_value();
                            auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
                            while (!ctx.cancelled() && std::chrono::steady_clock::now() < deadline)
                              std::this_thread::yield();
                            return ctx.cancelled() ? ToolResult::error("stopped: cancelled") : ToolResult::text("done");
                          }}).ok());
  PipeInput input;
  StopPipe stop;
  LockedOut outbuf;
  std::ostream out(&outbuf);
  StdioOptions options;
  options.drain_timeout = std::chrono::milliseconds(100);
  std::thread serving([&] { CHECK(serveStdioFd(server, input.fds[0], out, stop.fds[0], options).ok()); });
  input.write(kStdioInit);
  input.write(R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"long"}})");
  started.get_future().wait();
  stop.fire();  // stdin stays open: the stop alone ends serving
  serving.join();
  CHECK(outbuf.text().find(R"("id":2,"result":{"content":[{"type":"text","text":"stopped: cancelled"}],"isError":true})") !=
        std::string::npos);
  input.close();
}

TEST_CASE("a stop while serveStdioFd waits after EOF bounds the wait") {
  Server server(Implementation{"s", "1", ""});
  std::promise<void> started;
  REQUIRE(server.addTool({"long", "", "", Json(), Json(), {}, [&](const Json&, RequestContext& ctx) {
                            started.set_value();
                            auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
                            while (!ctx.cancelled() && std::chrono::steady_clock::now() < deadline)
                              std::this_thread::yield();
                            return ctx.cancelled() ? ToolResult::error("stopped: cancelled") : ToolResult::text("done");
                          }}).ok());
  PipeInput input;
  StopPipe stop;
  LockedOut outbuf;
  std::ostream out(&outbuf);
  StdioOptions options;
  options.drain_timeout = std::chrono::milliseconds(100);
  std::thread serving([&] { CHECK(serveStdioFd(server, input.fds[0], out, stop.fds[0], options).ok()); });
  input.write(kStdioInit);
  input.write(R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"long"}})");
  started.get_future().wait();
  input.close();  // EOF: it waits for the call, without a bound
  stop.fire();    // until the stop: then the drain time applies
  serving.join();
  CHECK(outbuf.text().find("stopped: cancelled") != std::string::npos);
}

TEST_CASE("stdio serves modern requests and legacy ones side by side, and ends listen streams at EOF") {
  Server server(Implementation{"s", "1", ""});
  REQUIRE(server.addTool({"echo", "", "", Json(), Json(), {}, [](const Json& a, RequestContext& ctx) {
                            return ToolResult::text(std::string(ctx.modern() ? "modern " : "legacy ") +
                                                    (a.find("text") ? a.find("text")->asString() : ""));
                          }}).ok());
  const std::string meta =
      R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}})";
  std::istringstream in(
      R"({"jsonrpc":"2.0","id":1,"method":"server/discover","params":{)" + meta + "}}\n" +
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"a"},)" + meta + "}}\n" +
      R"({"jsonrpc":"2.0","id":3,"method":"subscriptions/listen","params":{"notifications":{"toolsListChanged":true},)" + meta + "}}\n" +
      R"({"jsonrpc":"2.0","id":4,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{}}})" "\n"
      R"({"jsonrpc":"2.0","method":"notifications/initialized"})" "\n"
      R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","arguments":{"text":"b"}}})" "\n");
  std::ostringstream out;
  REQUIRE(serveStdio(server, in, out).ok());  // returns: the listen stream ended at EOF
  std::istringstream lines(out.str());
  std::string line;
  std::map<std::int64_t, Json> responses;
  bool acknowledged = false;
  while (std::getline(lines, line)) {
    auto j = Json::parse(line);
    REQUIRE(j.ok());
    if (j->find("method") && j->find("method")->asString() == "notifications/subscriptions/acknowledged") acknowledged = true;
    if (j->find("id") && !j->find("method")) responses[j->find("id")->asInt()] = *j;
  }
  CHECK(acknowledged);
  REQUIRE(responses.size() == 5);
  CHECK(responses[1].find("result")->find("supportedVersions"));
  CHECK(responses[2].find("result")->find("content")->items()[0].find("text")->asString() == "modern a");
  CHECK(responses[2].find("result")->find("resultType")->asString() == "complete");
  // The listen stream's closing result.
  CHECK(responses[3].find("result")->find("_meta")->find("io.modelcontextprotocol/subscriptionId")->asInt() == 3);
  CHECK(responses[4].find("result")->find("protocolVersion")->asString() == "2025-11-25");
  CHECK(responses[5].find("result")->find("content")->items()[0].find("text")->asString() == "legacy b");
  CHECK_FALSE(responses[5].find("result")->find("resultType"));
}
