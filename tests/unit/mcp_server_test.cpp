// The MCP server core through Session::receive with a capturing sink: lifecycle, JSON-RPC
// errors, tools, resources, prompts, logging, progress, cancellation and client requests.
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>

#include "mcp/protocol.hpp"
#include "mcp/server.hpp"

using namespace vsmcp;
using namespace vsmcp::mcp;

namespace {

// Collects what the session sends; waits (no sleeps) for messages by predicate.
class CaptureSink final : public MessageSink {
 public:
  void send(const std::string& message) override {
    std::lock_guard<std::mutex> lock(mu_);
    messages_.push_back(*Json::parse(message));
    cv_.notify_all();
  }
  void requestDone() override {
    std::lock_guard<std::mutex> lock(mu_);
    ++done_;
    cv_.notify_all();
  }
  // The first message matching `pred`, waiting up to 10 s.
  Json waitFor(const std::function<bool(const Json&)>& pred) {
    std::unique_lock<std::mutex> lock(mu_);
    Json found;
    bool ok = cv_.wait_for(lock, std::chrono::seconds(10), [&] {
      for (const auto& m : messages_)
        if (pred(m)) {
          found = m;
          return true;
        }
      return false;
    });
    REQUIRE(ok);
    return found;
  }
  Json response(const Json& id) {
    return waitFor([&](const Json& m) { return m.find("id") && *m.find("id") == id && !m.find("method"); });
  }
  void waitDone(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    REQUIRE(cv_.wait_for(lock, std::chrono::seconds(10), [&] { return done_ >= n; }));
  }
  std::vector<Json> all() {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_;
  }
  int count(const std::string& method) {
    std::lock_guard<std::mutex> lock(mu_);
    int n = 0;
    for (const auto& m : messages_) n += m.find("method") && m.find("method")->asString() == method;
    return n;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Json> messages_;
  int done_ = 0;
};

std::string request(int id, const std::string& method, const std::string& params = "{}") {
  return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":")" + method + R"(","params":)" + params + "}";
}

struct Fixture {
  Server server{Implementation{"test-server", "1.0", "Test"}, [] {
                  ServerOptions o;
                  o.page_size = 2;
                  return o;
                }()};
  std::shared_ptr<CaptureSink> sink = std::make_shared<CaptureSink>();
  std::shared_ptr<Session> session = server.createSession(sink);

  Json call(int id, const std::string& method, const std::string& params = "{}") {
    auto r = session->receive(request(id, method, params), sink);
    (void)r;
    return sink->response(Json(id));
  }
  void initialize(const std::string& caps = "{}") {
    Json r = call(1, "initialize", R"({"protocolVersion":"2025-06-18","capabilities":)" + caps +
                                       R"(,"clientInfo":{"name":"t","version":"1"}})");
    REQUIRE(r.find("result"));
    REQUIRE(session->receive(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", sink).ok());
  }
};

int errorCode(const Json& response) {
  const Json* e = response.find("error");
  return e ? static_cast<int>(e->find("code")->asInt()) : 0;
}


}  // namespace

TEST_CASE("initialize negotiates the protocol version and declares capabilities") {
  Fixture f;
  Json r = f.call(1, "initialize", R"({"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"c","version":"1"}})");
  const Json& result = *r.find("result");
  CHECK(result.find("protocolVersion")->asString() == "2025-03-26");
  CHECK(result.find("serverInfo")->find("name")->asString() == "test-server");
  CHECK(result.find("capabilities")->find("tools")->find("listChanged")->asBool());
  CHECK(result.find("capabilities")->find("resources")->find("subscribe")->asBool());
  CHECK(f.session->protocolVersion() == "2025-03-26");

  Fixture g;
  Json newest = g.call(1, "initialize", R"({"protocolVersion":"1999-01-01","capabilities":{}})");
  CHECK(newest.find("result")->find("protocolVersion")->asString() == std::string(kProtocolVersions.front()));

  Fixture h;
  CHECK(errorCode(h.call(1, "initialize", R"({"capabilities":{}})")) == error::kInvalidParams);
}

TEST_CASE("requests before initialize are refused, ping is not") {
  Fixture f;
  CHECK(f.call(1, "ping").find("result"));
  Json r = f.call(2, "tools/list");
  CHECK(errorCode(r) == error::kInvalidRequest);
  CHECK(r.find("error")->find("message")->asString().find("initialize") != std::string::npos);
}

TEST_CASE("malformed JSON-RPC gets the right error codes") {
  Fixture f;
  f.initialize();
  auto first_error = [&](const std::string& text) {
    size_t before = f.sink->all().size();
    (void)f.session->receive(text, f.sink);
    auto all = f.sink->all();
    REQUIRE(all.size() == before + 1);
    return all.back();
  };
  Json parse = first_error("{not json");
  CHECK(errorCode(parse) == error::kParseError);
  CHECK(parse.find("id")->isNull());
  CHECK(errorCode(first_error("[]")) == error::kInvalidRequest);
  CHECK(errorCode(first_error("42")) == error::kInvalidRequest);
  CHECK(errorCode(first_error(R"({"jsonrpc":"1.0","id":5,"method":"ping"})")) == error::kInvalidRequest);
  CHECK(errorCode(first_error(R"({"jsonrpc":"2.0","id":{"x":1},"method":"ping"})")) == error::kInvalidRequest);
  CHECK(errorCode(first_error(R"({"jsonrpc":"2.0","id":7,"method":5})")) == error::kInvalidRequest);
  CHECK(errorCode(first_error(R"({"jsonrpc":"2.0","id":8,"method":"tools/list","params":[1]})")) == error::kInvalidParams);
  CHECK(errorCode(f.call(9, "no/such/method")) == error::kMethodNotFound);
  // String ids come back as strings.
  (void)f.session->receive(R"({"jsonrpc":"2.0","id":"abc","method":"ping"})", f.sink);
  CHECK(f.sink->response(Json("abc")).find("result"));
}

TEST_CASE("a duplicate id of a request still running is refused") {
  Fixture f;
  f.initialize();
  std::promise<void> started, release;
  auto released = release.get_future().share();
  Tool slow{"slow", "", "", Json(), Json(), {}, [&](const Json&, RequestContext&) {
              started.set_value();
              released.wait();
              return ToolResult::text("done");
            }};
  REQUIRE(f.server.addTool(slow).ok());
  REQUIRE(*f.session->receive(request(5, "tools/call", R"({"name":"slow"})"), f.sink) == 1);
  started.get_future().wait();
  auto dup = f.session->receive(request(5, "ping"), f.sink);
  CHECK_FALSE(dup.ok());
  // A slow tool does not block ping.
  CHECK(f.call(6, "ping").find("result"));
  release.set_value();
  Json done = f.sink->waitFor([](const Json& m) { return m.find("id") && *m.find("id") == Json(5) && m.find("result"); });
  CHECK(done.find("result")->find("content")->items()[0].find("text")->asString() == "done");
  int errors_for_5 = 0;
  for (const auto& m : f.sink->all()) errors_for_5 += m.find("id") && *m.find("id") == Json(5) && m.find("error");
  CHECK(errors_for_5 == 1);
}

TEST_CASE("tools list in pages and calls validate their arguments") {
  Fixture f;
  f.initialize();
  Json schema = *Json::parse(R"({"type":"object","properties":{"name":{"type":"string"},"count":{"type":"integer","minimum":1}},"required":["name"]})");
  for (const char* n : {"a_tool", "b_tool", "c_tool"}) {
    Tool t{n, std::string("Title ") + n, "desc", schema, Json(), {}, [](const Json& args, RequestContext&) {
             return ToolResult::text("hello " + args.find("name")->asString());
           }};
    t.annotations.read_only_hint = true;
    REQUIRE(f.server.addTool(t).ok());
  }
  Json page1 = f.call(2, "tools/list");
  const Json& r1 = *page1.find("result");
  REQUIRE(r1.find("tools")->size() == 2);
  CHECK(r1.find("tools")->items()[0].find("annotations")->find("readOnlyHint")->asBool());
  CHECK(r1.find("tools")->items()[0].find("inputSchema")->find("required"));
  std::string cursor = r1.find("nextCursor")->asString();
  Json page2 = f.call(3, "tools/list", R"({"cursor":")" + cursor + R"("})");
  CHECK(page2.find("result")->find("tools")->size() == 1);
  CHECK_FALSE(page2.find("result")->find("nextCursor"));
  CHECK(errorCode(f.call(4, "tools/list", R"({"cursor":"garbage"})")) == error::kInvalidParams);

  Json ok = f.call(5, "tools/call", R"({"name":"b_tool","arguments":{"name":"bob"}})");
  CHECK(ok.find("result")->find("content")->items()[0].find("text")->asString() == "hello bob");
  Json bad = f.call(6, "tools/call", R"({"name":"b_tool","arguments":{"name":"bob","count":0}})");
  CHECK(bad.find("result")->find("isError")->asBool());
  CHECK(bad.find("result")->find("content")->items()[0].find("text")->asString().find("count: must be >= 1 (minimum)") !=
        std::string::npos);
  Json unknown = f.call(7, "tools/call", R"({"name":"nope"})");
  CHECK(errorCode(unknown) == error::kInvalidParams);
  CHECK(unknown.find("error")->find("message")->asString() == "Unknown tool: nope");
}

TEST_CASE("structured output is checked against the output schema") {
  Fixture f;
  f.initialize();
  Json out = *Json::parse(R"({"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]})");
  Tool good{"good", "", "", Json(), out, {}, [](const Json&, RequestContext&) {
              ToolResult r;
              r.structured = Json::object().set("n", 3);
              return r;
            }};
  Tool bad{"bad", "", "", Json(), out, {}, [](const Json&, RequestContext&) {
             ToolResult r;
             r.structured = Json::object().set("n", "three");
             return r;
           }};
  REQUIRE(f.server.addTool(good).ok());
  REQUIRE(f.server.addTool(bad).ok());
  Json g = f.call(2, "tools/call", R"({"name":"good"})");
  CHECK(g.find("result")->find("structuredContent")->find("n")->asInt() == 3);
  CHECK(g.find("result")->find("content")->items()[0].find("text")->asString() == R"({"n":3})");
  CHECK(errorCode(f.call(3, "tools/call", R"({"name":"bad"})")) == error::kInternalError);
  Tool bad_name{"bad name!", "", "", Json(), Json(), {}, [](const Json&, RequestContext&) { return ToolResult(); }};
  CHECK_FALSE(f.server.addTool(bad_name).ok());
}

TEST_CASE("progress and log notifications reach the client, filtered by level") {
  Fixture f;
  f.initialize();
  Tool t{"work", "", "", Json(), Json(), {}, [](const Json&, RequestContext& ctx) {
           ctx.progress(1, 2, "half");
           ctx.log(LogLevel::kDebug, "hidden");
           ctx.log(LogLevel::kWarning, Json::object().set("msg", "careful"), "vsphere");
           ctx.progress(2, 2);
           return ToolResult::text("ok");
         }};
  REQUIRE(f.server.addTool(t).ok());
  CHECK(f.call(2, "logging/setLevel", R"({"level":"info"})").find("result"));
  CHECK(errorCode(f.call(3, "logging/setLevel", R"({"level":"loud"})")) == error::kInvalidParams);
  f.call(4, "tools/call", R"({"name":"work","_meta":{"progressToken":"tok-1"}})");
  Json p = f.sink->waitFor([](const Json& m) { return m.find("method") && m.find("method")->asString() == "notifications/progress"; });
  CHECK(p.find("params")->find("progressToken")->asString() == "tok-1");
  CHECK(p.find("params")->find("progress")->asDouble() == 1);
  CHECK(p.find("params")->find("total")->asDouble() == 2);
  CHECK(p.find("params")->find("message")->asString() == "half");
  CHECK(f.sink->count("notifications/progress") == 2);
  CHECK(f.sink->count("notifications/message") == 1);
  Json log = f.sink->waitFor([](const Json& m) { return m.find("method") && m.find("method")->asString() == "notifications/message"; });
  CHECK(log.find("params")->find("level")->asString() == "warning");
  CHECK(log.find("params")->find("logger")->asString() == "vsphere");
  // Without a progress token there is no progress notification.
  f.call(5, "tools/call", R"({"name":"work"})");
  CHECK(f.sink->count("notifications/progress") == 2);
}

TEST_CASE("a cancelled request reaches its handler and gets no response") {
  Fixture f;
  f.initialize();
  std::promise<void> started;
  std::promise<bool> saw_cancel;
  Tool t{"long", "", "", Json(), Json(), {}, [&](const Json&, RequestContext& ctx) {
           started.set_value();
           auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
           while (!ctx.cancelled() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
           saw_cancel.set_value(ctx.cancelled());
           return ToolResult::text("late");
         }};
  REQUIRE(f.server.addTool(t).ok());
  REQUIRE(*f.session->receive(request(7, "tools/call", R"({"name":"long"})"), f.sink) == 1);
  started.get_future().wait();
  REQUIRE(f.session->receive(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7,"reason":"user"}})", f.sink).ok());
  CHECK(saw_cancel.get_future().get());
  f.sink->waitDone(2);  // initialize + the cancelled call
  for (const auto& m : f.sink->all()) CHECK_FALSE((m.find("id") && *m.find("id") == Json(7)));
}

TEST_CASE("a tool asks the client through elicitation and uses the answer") {
  Fixture f;
  f.initialize(R"({"elicitation":{}})");
  Tool t{"ask", "", "", Json(), Json(), {}, [](const Json&, RequestContext& ctx) {
           auto answer = ctx.request(method::kElicitationCreate,
                                     Json::object().set("message", "Approve?").set("requestedSchema", Json::object().set("type", "object")));
           if (!answer.ok()) return ToolResult::error(answer.status().message());
           return ToolResult::text("action=" + answer->find("action")->asString());
         }};
  REQUIRE(f.server.addTool(t).ok());
  REQUIRE(*f.session->receive(request(3, "tools/call", R"({"name":"ask"})"), f.sink) == 1);
  Json req = f.sink->waitFor([](const Json& m) { return m.find("method") && m.find("method")->asString() == "elicitation/create"; });
  CHECK(req.find("params")->find("message")->asString() == "Approve?");
  Json reply = Json::object();
  reply.set("jsonrpc", "2.0").set("id", *req.find("id")).set("result", Json::object().set("action", "accept"));
  REQUIRE(f.session->receive(reply.dump(), f.sink).ok());
  Json r = f.sink->response(Json(3));
  CHECK(r.find("result")->find("content")->items()[0].find("text")->asString() == "action=accept");
}

TEST_CASE("client requests need the client's capability") {
  Fixture f;
  f.initialize("{}");
  Tool t{"ask", "", "", Json(), Json(), {}, [](const Json&, RequestContext& ctx) {
           auto answer = ctx.request(method::kSamplingCreateMessage, Json::object());
           return answer.ok() ? ToolResult::text("?") : ToolResult::error(answer.status().message());
         }};
  REQUIRE(f.server.addTool(t).ok());
  Json r = f.call(2, "tools/call", R"({"name":"ask"})");
  CHECK(r.find("result")->find("isError")->asBool());
  CHECK(r.find("result")->find("content")->items()[0].find("text")->asString() == "the client does not support sampling");
}

TEST_CASE("resources list, read as text or blob, match templates and notify subscribers") {
  Fixture f;
  f.initialize();
  REQUIRE(f.server.addResource({"test://text", "text", "", "a text", "text/plain", [](const std::string& uri, RequestContext&) {
                                  return Result<std::vector<ResourceContent>>(std::vector<ResourceContent>{{uri, "", std::string("hello"), std::nullopt}});
                                }}).ok());
  REQUIRE(f.server.addResource({"test://blob", "blob", "", "", "application/octet-stream", [](const std::string& uri, RequestContext&) {
                                  return Result<std::vector<ResourceContent>>(std::vector<ResourceContent>{{uri, "", std::nullopt, std::string("\x01\x02\xff", 3)}});
                                }}).ok());
  REQUIRE(f.server.addResourceTemplate({"vsphere://vm/{id}", "vm", "", "", "application/json", [](const std::string& uri, RequestContext&) -> Result<std::vector<ResourceContent>> {
                                          if (uri == "vsphere://vm/missing") return Status::NotFound("no such VM");
                                          return std::vector<ResourceContent>{{uri, "", std::string("{\"uri\":\"" + uri + "\"}"), std::nullopt}};
                                        }}).ok());
  Json list = f.call(2, "resources/list");
  CHECK(list.find("result")->find("resources")->size() == 2);
  Json templates = f.call(3, "resources/templates/list");
  CHECK(templates.find("result")->find("resourceTemplates")->items()[0].find("uriTemplate")->asString() == "vsphere://vm/{id}");
  Json text = f.call(4, "resources/read", R"({"uri":"test://text"})");
  CHECK(text.find("result")->find("contents")->items()[0].find("text")->asString() == "hello");
  CHECK(text.find("result")->find("contents")->items()[0].find("mimeType")->asString() == "text/plain");
  Json blob = f.call(5, "resources/read", R"({"uri":"test://blob"})");
  CHECK(blob.find("result")->find("contents")->items()[0].find("blob")->asString() == "AQL/");
  Json vm = f.call(6, "resources/read", R"({"uri":"vsphere://vm/vm-42"})");
  CHECK(vm.find("result")->find("contents")->items()[0].find("text")->asString() == R"({"uri":"vsphere://vm/vm-42"})");
  CHECK(errorCode(f.call(7, "resources/read", R"({"uri":"vsphere://vm/missing"})")) == error::kResourceNotFound);
  CHECK(errorCode(f.call(8, "resources/read", R"({"uri":"nope://x"})")) == error::kResourceNotFound);
  CHECK(errorCode(f.call(9, "resources/read", R"({"uri":"vsphere://vm/a/b"})")) == error::kResourceNotFound);
  CHECK(f.call(10, "resources/subscribe", R"({"uri":"test://text"})").find("result"));
  f.server.notifyResourceUpdated("test://text");
  f.server.notifyResourceUpdated("test://blob");
  Json upd = f.sink->waitFor([](const Json& m) { return m.find("method") && m.find("method")->asString() == "notifications/resources/updated"; });
  CHECK(upd.find("params")->find("uri")->asString() == "test://text");
  CHECK(f.sink->count("notifications/resources/updated") == 1);
}

TEST_CASE("prompts list and get with arguments, a missing one is refused") {
  Fixture f;
  f.initialize();
  REQUIRE(f.server.addPrompt({"triage", "Triage a VM", "Look at a VM", {{"vm", "VM name", true}},
                              [](const std::map<std::string, std::string>& args, RequestContext&) {
                                PromptResult r;
                                r.description = "triage";
                                r.messages.push(Json::object().set("role", "user").set(
                                    "content", Json::object().set("type", "text").set("text", "Check " + args.at("vm"))));
                                return Result<PromptResult>(r);
                              }}).ok());
  Json list = f.call(2, "prompts/list");
  CHECK(list.find("result")->find("prompts")->items()[0].find("arguments")->items()[0].find("required")->asBool());
  Json got = f.call(3, "prompts/get", R"({"name":"triage","arguments":{"vm":"web-01"}})");
  CHECK(got.find("result")->find("messages")->items()[0].find("content")->find("text")->asString() == "Check web-01");
  Json missing = f.call(4, "prompts/get", R"({"name":"triage"})");
  CHECK(errorCode(missing) == error::kInvalidParams);
  CHECK(missing.find("error")->find("message")->asString().find("'vm'") != std::string::npos);
}

TEST_CASE("completion suggests values and list changes are announced") {
  Fixture f;
  f.initialize();
  f.server.setCompletionHandler([](const Json&, const std::string& arg, const std::string& value, const Json&) {
    std::vector<std::string> all = {"web-01", "web-02", "db-01"};
    std::vector<std::string> out;
    for (auto& v : all)
      if (arg == "vm" && v.rfind(value, 0) == 0) out.push_back(v);
    return out;
  });
  Json c = f.call(2, "completion/complete", R"({"ref":{"type":"ref/prompt","name":"triage"},"argument":{"name":"vm","value":"web"}})");
  CHECK(c.find("result")->find("completion")->find("values")->size() == 2);
  CHECK(c.find("result")->find("completion")->find("total")->asInt() == 2);
  REQUIRE(f.server.addTool({"late", "", "", Json(), Json(), {}, [](const Json&, RequestContext&) { return ToolResult::text("x"); }}).ok());
  f.sink->waitFor([](const Json& m) { return m.find("method") && m.find("method")->asString() == "notifications/tools/list_changed"; });
  CHECK(f.server.removeTool("late"));
  CHECK(f.sink->count("notifications/tools/list_changed") == 2);
}

TEST_CASE("roots/list goes to the client and a client error comes back as an error") {
  Fixture f;
  f.initialize(R"({"roots":{"listChanged":true}})");
  Tool t{"roots", "", "", Json(), Json(), {}, [](const Json&, RequestContext& ctx) {
           auto r = ctx.request(method::kRootsList, Json());
           if (!r.ok()) return ToolResult::error(r.status().message());
           return ToolResult::text(std::to_string(r->find("roots")->size()) + " roots");
         }};
  REQUIRE(f.server.addTool(t).ok());
  REQUIRE(*f.session->receive(request(2, "tools/call", R"({"name":"roots"})"), f.sink) == 1);
  Json req = f.sink->waitFor([](const Json& m) { return m.find("method") && m.find("method")->asString() == "roots/list"; });
  Json reply = Json::object();
  reply.set("jsonrpc", "2.0").set("id", *req.find("id")).set("result", *Json::parse(R"({"roots":[{"uri":"file:///a"},{"uri":"file:///b"}]})"));
  REQUIRE(f.session->receive(reply.dump(), f.sink).ok());
  CHECK(f.sink->response(Json(2)).find("result")->find("content")->items()[0].find("text")->asString() == "2 roots");

  REQUIRE(*f.session->receive(request(3, "tools/call", R"({"name":"roots"})"), f.sink) == 1);
  Json req2 = f.sink->waitFor([&](const Json& m) {
    return m.find("method") && m.find("method")->asString() == "roots/list" && !(*m.find("id") == *req.find("id"));
  });
  Json err = Json::object();
  err.set("jsonrpc", "2.0").set("id", *req2.find("id")).set("error", Json::object().set("code", -32601).set("message", "no roots here"));
  REQUIRE(f.session->receive(err.dump(), f.sink).ok());
  Json r3 = f.sink->response(Json(3));
  CHECK(r3.find("result")->find("isError")->asBool());
  CHECK(r3.find("result")->find("content")->items()[0].find("text")->asString().find("no roots here") != std::string::npos);
}

TEST_CASE("a request cancelled while queued never starts") {
  Server server(Implementation{"s", "1", ""}, [] {
    ServerOptions o;
    o.worker_threads = 1;
    return o;
  }());
  auto sink = std::make_shared<CaptureSink>();
  auto session = server.createSession(sink);
  std::promise<void> started, release;
  auto released = release.get_future().share();
  std::atomic<int> second_runs{0};
  REQUIRE(server.addTool({"block", "", "", Json(), Json(), {}, [&](const Json&, RequestContext&) {
                            started.set_value();
                            released.wait();
                            return ToolResult::text("done");
                          }}).ok());
  REQUIRE(server.addTool({"count", "", "", Json(), Json(), {}, [&](const Json&, RequestContext&) {
                            ++second_runs;
                            return ToolResult::text("ran");
                          }}).ok());
  (void)session->receive(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{}}})", sink);
  REQUIRE(*session->receive(request(2, "tools/call", R"({"name":"block"})"), sink) == 1);
  started.get_future().wait();  // the only worker is busy
  REQUIRE(*session->receive(request(3, "tools/call", R"({"name":"count"})"), sink) == 1);
  REQUIRE(session->receive(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3}})", sink).ok());
  release.set_value();
  sink->waitDone(3);
  CHECK(second_runs.load() == 0);
}

TEST_CASE("a refusal with no reply sink goes to the default sink without deadlock") {
  Server server(Implementation{"s", "1", ""});
  auto sink = std::make_shared<CaptureSink>();
  auto session = server.createSession(sink);
  auto r = session->receive(request(1, "tools/list"), nullptr);  // before initialize
  CHECK_FALSE(r.ok());
  CHECK(errorCode(sink->response(Json(1))) == error::kInvalidRequest);
}

TEST_CASE("a failed initialize can be retried") {
  Fixture f;
  CHECK(errorCode(f.call(1, "initialize", R"({"protocolVersion":20250618})")) == error::kInvalidParams);
  Json ok = f.call(2, "initialize", R"({"protocolVersion":"2025-06-18","capabilities":{}})");
  CHECK(ok.find("result"));
  CHECK(errorCode(f.call(3, "initialize", R"({"protocolVersion":"2025-06-18","capabilities":{}})")) == error::kInvalidRequest);
}

TEST_CASE("progress tokens that are not a short string or an integer are ignored") {
  Fixture f;
  f.initialize();
  REQUIRE(f.server.addTool({"p", "", "", Json(), Json(), {}, [](const Json&, RequestContext& ctx) {
                              ctx.progress(1, 1);
                              return ToolResult::text("ok");
                            }}).ok());
  f.call(2, "tools/call", R"({"name":"p","_meta":{"progressToken":{"big":"object"}}})");
  f.call(3, "tools/call", R"({"name":"p","_meta":{"progressToken":")" + std::string(300, 'x') + R"("}})");
  CHECK(f.sink->count("notifications/progress") == 0);
  f.call(4, "tools/call", R"({"name":"p","_meta":{"progressToken":7}})");
  CHECK(f.sink->count("notifications/progress") == 1);
}

TEST_CASE("a handler waiting for one client does not starve other sessions") {
  Server server(Implementation{"s", "1", ""}, [] {
    ServerOptions o;
    o.worker_threads = 1;  // the only worker will be waiting for client A
    return o;
  }());
  REQUIRE(server.addTool({"ask", "", "", Json(), Json(), {}, [](const Json&, RequestContext& ctx) {
                            auto r = ctx.request("elicitation/create", Json::object().set("message", "?"));
                            return r.ok() ? ToolResult::text("answered") : ToolResult::error(r.status().message());
                          }}).ok());
  REQUIRE(server.addTool({"quick", "", "", Json(), Json(), {}, [](const Json&, RequestContext&) { return ToolResult::text("quick"); }}).ok());
  auto init = R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{"elicitation":{}}}})";
  auto sink_a = std::make_shared<CaptureSink>();
  auto a = server.createSession(sink_a);
  (void)a->receive(init, sink_a);
  REQUIRE(*a->receive(request(2, "tools/call", R"({"name":"ask"})"), sink_a) == 1);
  sink_a->waitFor([](const Json& m) { return m.find("method") && m.find("method")->asString() == "elicitation/create"; });
  auto sink_b = std::make_shared<CaptureSink>();
  auto b = server.createSession(sink_b);
  (void)b->receive(init, sink_b);
  REQUIRE(*b->receive(request(2, "tools/call", R"({"name":"quick"})"), sink_b) == 1);
  Json r = sink_b->response(Json(2));  // answered while A's handler still waits
  CHECK(r.find("result")->find("content")->items()[0].find("text")->asString() == "quick");
}

TEST_CASE("a handler sees the session's principal and the id of its request") {
  Server server(Implementation{"s", "1", ""});
  std::mutex mu;
  std::vector<std::pair<std::string, Json>> seen;  // principal, request id
  REQUIRE(server.addTool({"whoami", "", "", Json(), Json(), {}, [&](const Json&, RequestContext& ctx) {
                            std::lock_guard<std::mutex> lock(mu);
                            seen.emplace_back(ctx.principal(), ctx.requestId());
                            return ToolResult::text(ctx.principal());
                          }}).ok());
  auto init = R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{}}})";
  auto sink = std::make_shared<CaptureSink>();
  auto alice = server.createSession(sink, "alice");
  CHECK(alice->principal() == "alice");
  (void)alice->receive(init, sink);
  REQUIRE(*alice->receive(request(41, "tools/call", R"({"name":"whoami"})"), sink) == 1);
  CHECK(sink->response(Json(41)).find("result")->find("content")->items()[0].find("text")->asString() == "alice");
  REQUIRE(*alice->receive(R"({"jsonrpc":"2.0","id":"req-7","method":"tools/call","params":{"name":"whoami"}})", sink) == 1);
  sink->response(Json("req-7"));

  auto anonymous_sink = std::make_shared<CaptureSink>();
  auto anonymous = server.createSession(anonymous_sink);  // no principal given
  CHECK(anonymous->principal().empty());
  (void)anonymous->receive(init, anonymous_sink);
  REQUIRE(*anonymous->receive(request(0, "tools/call", R"({"name":"whoami"})"), anonymous_sink) == 1);
  anonymous_sink->response(Json(0));

  std::lock_guard<std::mutex> lock(mu);
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].first == "alice");
  CHECK(seen[0].second == Json(41));
  CHECK(seen[0].second.isInt());
  CHECK(seen[1].first == "alice");
  CHECK(seen[1].second == Json("req-7"));
  CHECK(seen[1].second.isString());
  CHECK(seen[2].first.empty());
  CHECK(seen[2].second == Json(0));
}

namespace {

// The tool names tools/list shows a session, following nextCursor from the first page; the
// names of each page go to `pages`.
std::vector<std::string> listAll(Session& session, const std::shared_ptr<CaptureSink>& sink, int& next_id,
                                 std::vector<std::vector<std::string>>* pages = nullptr) {
  std::vector<std::string> names;
  std::string params = "{}";
  for (int guard = 0; guard < 20; ++guard) {
    const int id = next_id++;
    (void)session.receive(request(id, "tools/list", params), sink);
    Json r = sink->response(Json(id));
    REQUIRE(r.find("result"));
    std::vector<std::string> page;
    for (const auto& t : r.find("result")->find("tools")->items()) page.push_back(t.find("name")->asString());
    names.insert(names.end(), page.begin(), page.end());
    if (pages) pages->push_back(page);
    const Json* cursor = r.find("result")->find("nextCursor");
    if (!cursor) return names;
    params = R"({"cursor":")" + cursor->asString() + R"("})";
  }
  FAIL("tools/list never ended");
  return names;
}

}  // namespace

TEST_CASE("a tool filter lists each principal its own tools, paged over what it sees") {
  Server server(Implementation{"s", "1", ""}, [] {
    ServerOptions o;
    o.page_size = 2;
    return o;
  }());
  for (const char* n : {"a_1", "b_1", "shared_1", "a_2", "b_2", "shared_2", "a_3"})
    REQUIRE(server.addTool({n, "", "", Json(), Json(), {}, [](const Json&, RequestContext& ctx) {
                              return ToolResult::text("called by " + ctx.principal());
                            }}).ok());
  auto init = R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{}}})";
  auto alice_sink = std::make_shared<CaptureSink>();
  auto alice = server.createSession(alice_sink, "alice");
  (void)alice->receive(init, alice_sink);
  REQUIRE(alice->receive(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", alice_sink).ok());
  auto bob_sink = std::make_shared<CaptureSink>();
  auto bob = server.createSession(bob_sink, "bob");
  (void)bob->receive(init, bob_sink);
  int next_id = 10;

  // Without a filter everyone sees everything (and the first pages are now cached).
  const std::vector<std::string> all = {"a_1", "b_1", "shared_1", "a_2", "b_2", "shared_2", "a_3"};
  CHECK(listAll(*alice, alice_sink, next_id) == all);
  CHECK(listAll(*bob, bob_sink, next_id) == all);

  server.setToolFilter([](const std::string& principal, const Tool& tool) {
    const std::string own = principal == "alice" ? "a_" : principal == "bob" ? "b_" : "none";
    return tool.name.rfind("shared_", 0) == 0 || tool.name.rfind(own, 0) == 0;
  });
  alice_sink->waitFor([](const Json& m) { return m.find("method") && m.find("method")->asString() == "notifications/tools/list_changed"; });

  // Page by page, alternating principals: no page of one leaks to the other.
  std::vector<std::vector<std::string>> alice_pages, bob_pages;
  for (int round = 0; round < 2; ++round) {
    alice_pages.clear();
    bob_pages.clear();
    CHECK(listAll(*alice, alice_sink, next_id, &alice_pages) ==
          std::vector<std::string>{"a_1", "shared_1", "a_2", "shared_2", "a_3"});
    CHECK(listAll(*bob, bob_sink, next_id, &bob_pages) ==
          std::vector<std::string>{"b_1", "shared_1", "b_2", "shared_2"});
  }
  CHECK(alice_pages == std::vector<std::vector<std::string>>{{"a_1", "shared_1"}, {"a_2", "shared_2"}, {"a_3"}});
  CHECK(bob_pages == std::vector<std::vector<std::string>>{{"b_1", "shared_1"}, {"b_2", "shared_2"}});
  // A cursor past the end of what bob sees (but not of the registry) is invalid for him.
  (void)bob->receive(request(90, "tools/list", R"({"cursor":"o5"})"), bob_sink);
  CHECK(errorCode(bob_sink->response(Json(90))) == error::kInvalidParams);

  // tools/call is not filtered: the application's handler decides.
  (void)bob->receive(request(91, "tools/call", R"({"name":"a_1"})"), bob_sink);
  CHECK(bob_sink->response(Json(91)).find("result")->find("content")->items()[0].find("text")->asString() == "called by bob");

  // A tool added later appears for whom the filter lets see it.
  REQUIRE(server.addTool({"b_3", "", "", Json(), Json(), {}, [](const Json&, RequestContext&) { return ToolResult::text("x"); }}).ok());
  CHECK(listAll(*bob, bob_sink, next_id) == std::vector<std::string>{"b_1", "shared_1", "b_2", "shared_2", "b_3"});
  CHECK(listAll(*alice, alice_sink, next_id) == std::vector<std::string>{"a_1", "shared_1", "a_2", "shared_2", "a_3"});

  // Removing the filter shows everything again.
  server.setToolFilter(nullptr);
  std::vector<std::string> with_b3 = all;
  with_b3.push_back("b_3");
  CHECK(listAll(*bob, bob_sink, next_id) == with_b3);
  // Registry changes replace the cached unfiltered pages.
  CHECK(server.removeTool("b_3"));
  CHECK(listAll(*bob, bob_sink, next_id) == all);
  REQUIRE(server.addTool({"b_3", "", "", Json(), Json(), {}, [](const Json&, RequestContext&) { return ToolResult::text("x"); }}).ok());
  CHECK(listAll(*alice, alice_sink, next_id) == with_b3);
}

TEST_CASE("shutDown cancels requests in flight but still answers them, and refuses later ones") {
  Server server(Implementation{"s", "1", ""}, [] {
    ServerOptions o;
    o.worker_threads = 1;  // a second call waits in the queue, not started
    return o;
  }());
  auto sink = std::make_shared<CaptureSink>();
  auto session = server.createSession(sink);
  std::promise<void> started;
  std::atomic<int> queued_runs{0};
  REQUIRE(server.addTool({"long", "", "", Json(), Json(), {}, [&](const Json&, RequestContext& ctx) {
                            started.set_value();
                            auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
                            while (!ctx.cancelled() && std::chrono::steady_clock::now() < deadline)
                              std::this_thread::yield();
                            return ctx.cancelled() ? ToolResult::error("stopped early") : ToolResult::text("finished");
                          }}).ok());
  REQUIRE(server.addTool({"count", "", "", Json(), Json(), {}, [&](const Json&, RequestContext&) {
                            ++queued_runs;
                            return ToolResult::text("ran");
                          }}).ok());
  (void)session->receive(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{}}})", sink);
  REQUIRE(*session->receive(request(2, "tools/call", R"({"name":"long"})"), sink) == 1);
  started.get_future().wait();
  REQUIRE(*session->receive(request(3, "tools/call", R"({"name":"count"})"), sink) == 1);
  CHECK(session->shutDown("going away") == 2);

  // The running call saw the cancellation, and its own answer is sent.
  Json running = sink->response(Json(2));
  REQUIRE(running.find("result"));
  CHECK(running.find("result")->find("isError")->asBool());
  CHECK(running.find("result")->find("content")->items()[0].find("text")->asString() == "stopped early");
  // The queued one never ran, and is answered with the reason.
  Json queued = sink->response(Json(3));
  REQUIRE(queued.find("error"));
  CHECK(queued.find("error")->find("message")->asString() == "the request was not run: going away");
  sink->waitDone(3);
  CHECK(queued_runs.load() == 0);
  // Later requests are refused at once; the session itself stays open.
  CHECK_FALSE(session->receive(request(4, "tools/call", R"({"name":"count"})"), sink).ok());
  CHECK(sink->response(Json(4)).find("error")->find("message")->asString() == "the request was not run: going away");
  CHECK(queued_runs.load() == 0);
  CHECK_FALSE(session->closed());
  CHECK(session->receive(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", sink).ok());
}

// ---------------------------------------------------------------------------------------
// The modern era (2026-07-28): stateless requests carrying their own _meta.

namespace {

// A modern request: `params` (an object's members, without braces) plus the per-request _meta.
std::string modernRequest(const Json& id, const std::string& method, const std::string& params = "",
                          const std::string& caps = "{}", const std::string& extra_meta = "") {
  std::string meta = R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",)"
                     R"("io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},)"
                     R"("io.modelcontextprotocol/clientCapabilities":)" + caps + extra_meta + "}";
  return R"({"jsonrpc":"2.0","id":)" + id.dump() + R"(,"method":")" + method + R"(","params":{)" + params +
         (params.empty() ? "" : ",") + meta + "}}";
}

struct Modern {
  explicit Modern(ServerOptions o = {}) : server(Implementation{"modern-server", "2.0", ""}, std::move(o)) {}
  Server server;
  std::shared_ptr<CaptureSink> sink = std::make_shared<CaptureSink>();

  // Serves one request on a fresh session of `principal`, as the HTTP transport does for a
  // POST without Mcp-Session-Id, and returns the response.
  Json call(int id, const std::string& method, const std::string& params = "", const std::string& caps = "{}",
            const std::string& principal = "", const std::string& extra_meta = "") {
    auto s = server.createSession(nullptr, principal);
    auto r = s->receive(modernRequest(Json(id), method, params, caps, extra_meta), sink);
    (void)r;
    Json response = sink->response(Json(id));
    server.removeSession(s->id());
    return response;
  }
};

const Json& result(const Json& response) {
  const Json* r = response.find("result");
  REQUIRE(r);
  return *r;
}

std::string text0(const Json& response) {
  return result(response).find("content")->items()[0].find("text")->asString();
}

Tool echoTool(const std::string& name) {
  return Tool{name, "", "", Json(), Json(), {}, [name](const Json&, RequestContext&) { return ToolResult::text(name); }};
}

// Asks the user's name (key "user_name") and greets them.
Tool askNameTool() {
  return Tool{"ask_name", "", "", Json(), Json(), {}, [](const Json&, RequestContext& ctx) {
                auto r = ctx.request(method::kElicitationCreate,
                                     Json::object().set("message", "Your name?").set("requestedSchema", Json::object().set("type", "object")),
                                     "user_name");
                if (!r.ok()) return ToolResult::error(r.status().message());
                return ToolResult::text("Hello, " + r->find("content")->find("name")->asString() + "!");
              }};
}

}  // namespace

TEST_CASE("a modern request is served without initialize, with resultType and serverInfo") {
  Modern m;
  REQUIRE(m.server.addTool(echoTool("echo")).ok());
  Json r = m.call(1, "tools/call", R"("name":"echo","arguments":{})");
  CHECK(text0(r) == "echo");
  CHECK(result(r).find("resultType")->asString() == "complete");
  const Json* info = result(r).find("_meta")->find("io.modelcontextprotocol/serverInfo");
  REQUIRE(info);
  CHECK(info->find("name")->asString() == "modern-server");
  CHECK(info->find("version")->asString() == "2.0");
  // The session stays uninitialized: the request carried everything it needed.
  auto s = m.server.createSession(m.sink);
  REQUIRE(s->receive(modernRequest(Json(2), "tools/list"), m.sink).ok());
  CHECK(result(m.sink->response(Json(2))).find("tools")->size() == 1);
  CHECK_FALSE(s->initialized());
  CHECK(s->protocolVersion().empty());
}

TEST_CASE("server/discover lists versions, capabilities and caching hints") {
  Modern m;
  Json r = m.call(1, "server/discover");
  const Json& d = result(r);
  REQUIRE(d.find("supportedVersions")->size() == 1);
  CHECK(d.find("supportedVersions")->items()[0].asString() == "2026-07-28");
  CHECK(d.find("capabilities")->find("tools")->find("listChanged")->asBool());
  CHECK(d.find("capabilities")->find("resources")->find("subscribe")->asBool());
  CHECK_FALSE(d.find("capabilities")->find("extensions"));  // no task tools yet
  CHECK(d.find("ttlMs")->isInt());
  CHECK(d.find("cacheScope")->asString() == "public");
  CHECK(d.find("_meta")->find("io.modelcontextprotocol/serverInfo"));
}

TEST_CASE("modern requests with a bad _meta or an unknown version are refused") {
  Modern m;
  auto s = m.server.createSession(m.sink);
  // No _meta at all on a modern-only method.
  (void)s->receive(R"({"jsonrpc":"2.0","id":1,"method":"server/discover","params":{}})", m.sink);
  CHECK(errorCode(m.sink->response(Json(1))) == error::kInvalidParams);
  // _meta without the protocol version.
  (void)s->receive(R"({"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/clientCapabilities":{}}}})", m.sink);
  Json missing_version = m.sink->response(Json(2));
  CHECK(errorCode(missing_version) == error::kInvalidParams);
  CHECK(missing_version.find("error")->find("message")->asString().find("protocolVersion") != std::string::npos);
  // _meta without the client capabilities.
  (void)s->receive(R"({"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}})", m.sink);
  CHECK(errorCode(m.sink->response(Json(3))) == error::kInvalidParams);
  // An unknown version: UnsupportedProtocolVersionError naming what is supported.
  (void)s->receive(R"({"jsonrpc":"2.0","id":4,"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"1999-01-01","io.modelcontextprotocol/clientCapabilities":{}}}})", m.sink);
  Json version = m.sink->response(Json(4));
  CHECK(errorCode(version) == error::kUnsupportedProtocolVersion);
  CHECK(version.find("error")->find("data")->find("requested")->asString() == "1999-01-01");
  CHECK(version.find("error")->find("data")->find("supported")->items()[0].asString() == "2026-07-28");
  // A bad log level.
  Json level = m.call(5, "tools/list", "", "{}", "", R"(,"io.modelcontextprotocol/logLevel":"loud")");
  CHECK(errorCode(level) == error::kInvalidParams);
}

TEST_CASE("legacy-only methods do not exist in the modern era") {
  Modern m;
  for (const char* name : {"initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe",
                           "tasks/result", "tasks/list", "no/such"}) {
    INFO(name);
    CHECK(errorCode(m.call(1, name, "", R"({"extensions":{"io.modelcontextprotocol/tasks":{}}})")) == error::kMethodNotFound);
  }
  // A legacy initialize on the same server still works.
  Fixture f;
  f.initialize();
  CHECK(f.session->initialized());
}

TEST_CASE("modern log messages follow the request's own log level, none without one") {
  Modern m;
  Tool t{"logs", "", "", Json(), Json(), {}, [](const Json&, RequestContext& ctx) {
           ctx.log(LogLevel::kDebug, "debug line");
           ctx.log(LogLevel::kWarning, "warning line");
           return ToolResult::text("ok");
         }};
  REQUIRE(m.server.addTool(t).ok());
  m.call(1, "tools/call", R"("name":"logs")");
  CHECK(m.sink->count("notifications/message") == 0);
  m.call(2, "tools/call", R"("name":"logs")", "{}", "", R"(,"io.modelcontextprotocol/logLevel":"info")");
  CHECK(m.sink->count("notifications/message") == 1);
  m.call(3, "tools/call", R"("name":"logs")", "{}", "", R"(,"io.modelcontextprotocol/logLevel":"debug")");
  CHECK(m.sink->count("notifications/message") == 3);
}

TEST_CASE("modern lists carry caching hints, private when the answer depends on the caller") {
  ServerOptions o;
  o.list_ttl = std::chrono::milliseconds(1234);
  o.read_ttl = std::chrono::milliseconds(0);
  o.private_reads = true;
  Modern m(o);
  for (const char* n : {"zeta", "alpha", "mid"}) REQUIRE(m.server.addTool(echoTool(n)).ok());
  REQUIRE(m.server.addResource({"test://r", "r", "", "", "text/plain", [](const std::string& uri, RequestContext&) {
                                  return Result<std::vector<ResourceContent>>(std::vector<ResourceContent>{{uri, "", std::string("x"), std::nullopt}});
                                }}).ok());
  Json tools = m.call(1, "tools/list");
  CHECK(result(tools).find("ttlMs")->asInt() == 1234);
  CHECK(result(tools).find("cacheScope")->asString() == "public");
  CHECK(result(tools).find("resultType")->asString() == "complete");
  // Deterministic order: by name in the modern era, whatever the registration order.
  std::vector<std::string> names;
  for (const auto& t : result(tools).find("tools")->items()) names.push_back(t.find("name")->asString());
  CHECK(names == std::vector<std::string>{"alpha", "mid", "zeta"});
  for (const char* list : {"prompts/list", "resources/list", "resources/templates/list"}) {
    Json r = m.call(2, list);
    CHECK(result(r).find("ttlMs")->asInt() == 1234);
    CHECK(result(r).find("cacheScope")->asString() == "public");
  }
  Json read = m.call(3, "resources/read", R"("uri":"test://r")");
  CHECK(result(read).find("ttlMs")->asInt() == 0);
  CHECK(result(read).find("cacheScope")->asString() == "private");
  // A tool filter makes tools/list depend on the caller.
  m.server.setToolFilter([](const std::string& principal, const Tool& t) { return principal == "alice" || t.name == "mid"; });
  Json filtered = m.call(4, "tools/list", "", "{}", "bob");
  CHECK(result(filtered).find("cacheScope")->asString() == "private");
  CHECK(result(filtered).find("tools")->size() == 1);
}

TEST_CASE("a missing resource is -32602 in the modern era and -32002 in the legacy one") {
  Modern m;
  Json modern = m.call(1, "resources/read", R"("uri":"test://missing")");
  CHECK(errorCode(modern) == error::kInvalidParams);
  CHECK(modern.find("error")->find("data")->find("uri")->asString() == "test://missing");
  Fixture f;
  f.initialize();
  CHECK(errorCode(f.call(2, "resources/read", R"({"uri":"test://missing"})")) == error::kResourceNotFound);
}

TEST_CASE("input_required: the client answers on a retry and the handler gets the answer") {
  Modern m;
  REQUIRE(m.server.addTool(askNameTool()).ok());
  const std::string caps = R"({"elicitation":{}})";
  Json r1 = m.call(1, "tools/call", R"("name":"ask_name","arguments":{})", caps, "alice");
  const Json& ir = result(r1);
  CHECK(ir.find("resultType")->asString() == "input_required");
  const Json* q = ir.find("inputRequests")->find("user_name");
  REQUIRE(q);
  CHECK(q->find("method")->asString() == "elicitation/create");
  CHECK(q->find("params")->find("message")->asString() == "Your name?");
  const std::string state = ir.find("requestState")->asString();
  CHECK_FALSE(ir.find("content"));  // the handler's own result was discarded

  const std::string answer = R"("inputResponses":{"user_name":{"action":"accept","content":{"name":"Ada"}}})";
  Json r2 = m.call(2, "tools/call", R"("name":"ask_name","arguments":{},"requestState":")" + state + "\"," + answer, caps, "alice");
  CHECK(result(r2).find("resultType")->asString() == "complete");
  CHECK(text0(r2) == "Hello, Ada!");

  // Without the capability the question cannot be asked: the handler sees kUnsupported.
  Json r3 = m.call(3, "tools/call", R"("name":"ask_name","arguments":{})", "{}", "alice");
  CHECK(errorCode(r3) == error::kMissingRequiredClientCapability);
  CHECK(r3.find("error")->find("data")->find("requiredCapabilities")->find("elicitation"));
}

TEST_CASE("a requestState that is tampered with, expired, another caller's or another request's is refused") {
  ServerOptions o;
  o.state_key = "a shared key of thirty-two bytes";
  Modern m(o);
  REQUIRE(m.server.addTool(askNameTool()).ok());
  Tool other = askNameTool();
  other.name = "ask_other";
  REQUIRE(m.server.addTool(other).ok());
  const std::string caps = R"({"elicitation":{}})";
  const std::string answer = R"(,"inputResponses":{"user_name":{"action":"accept","content":{"name":"Ada"}}})";
  auto stateFor = [&](Modern& server, int id, const std::string& principal) {
    Json r = server.call(id, "tools/call", R"("name":"ask_name","arguments":{"x":1})", caps, principal);
    return result(r).find("requestState")->asString();
  };
  auto retry = [&](Modern& server, int id, const std::string& tool, const std::string& args, const std::string& state,
                   const std::string& principal) {
    return server.call(id, "tools/call", R"("name":")" + tool + R"(","arguments":)" + args + R"(,"requestState":")" + state + "\"" + answer,
                       caps, principal);
  };
  const std::string state = stateFor(m, 1, "alice");
  // The genuine state works (arguments in another member order digest the same).
  CHECK(text0(retry(m, 2, "ask_name", R"({"x":1})", state, "alice")) == "Hello, Ada!");

  std::string tampered = state;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  Json t = retry(m, 3, "ask_name", R"({"x":1})", tampered, "alice");
  CHECK(errorCode(t) == error::kInvalidParams);
  CHECK(t.find("error")->find("message")->asString().find("requestState") != std::string::npos);
  CHECK(errorCode(retry(m, 4, "ask_name", R"({"x":1})", state + "-TAMPERED", "alice")) == error::kInvalidParams);

  Json other_caller = retry(m, 5, "ask_name", R"({"x":1})", state, "mallory");
  CHECK(errorCode(other_caller) == error::kInvalidParams);
  CHECK(other_caller.find("error")->find("message")->asString().find("another caller") != std::string::npos);

  Json other_args = retry(m, 6, "ask_name", R"({"x":2})", state, "alice");
  CHECK(errorCode(other_args) == error::kInvalidParams);
  CHECK(other_args.find("error")->find("message")->asString().find("different request") != std::string::npos);
  CHECK(errorCode(retry(m, 7, "ask_other", R"({"x":1})", state, "alice")) == error::kInvalidParams);

  // Another replica with the same key accepts it; one with another key does not.
  Modern replica(o);
  REQUIRE(replica.server.addTool(askNameTool()).ok());
  CHECK(text0(retry(replica, 8, "ask_name", R"({"x":1})", state, "alice")) == "Hello, Ada!");
  ServerOptions other_key = o;
  other_key.state_key = "another key, also 32 bytes long!";
  Modern stranger(other_key);
  REQUIRE(stranger.server.addTool(askNameTool()).ok());
  CHECK(errorCode(retry(stranger, 9, "ask_name", R"({"x":1})", state, "alice")) == error::kInvalidParams);

  // Expired.
  ServerOptions short_lived = o;
  short_lived.request_state_ttl = std::chrono::milliseconds(-1000);
  Modern expiring(short_lived);
  REQUIRE(expiring.server.addTool(askNameTool()).ok());
  const std::string old_state = stateFor(expiring, 10, "alice");
  Json expired = retry(expiring, 11, "ask_name", R"({"x":1})", old_state, "alice");
  CHECK(errorCode(expired) == error::kInvalidParams);
  CHECK(expired.find("error")->find("message")->asString().find("expired") != std::string::npos);

  // A malformed answer is refused, not passed on.
  Json bad = m.call(12, "tools/call", R"("name":"ask_name","arguments":{},"inputResponses":{"user_name":5})", caps, "alice");
  CHECK(errorCode(bad) == error::kInvalidParams);
}

TEST_CASE("input_required lists every question of a round and keeps earlier answers across rounds") {
  Modern m;
  Tool t{"two_rounds", "", "", Json(), Json(), {}, [](const Json&, RequestContext& ctx) {
           auto form = Json::object().set("message", "?").set("requestedSchema", Json::object().set("type", "object"));
           auto a = ctx.request(method::kElicitationCreate, form, "a");
           auto b = ctx.request(method::kSamplingCreateMessage, Json::object().set("maxTokens", 5), "b");
           if (!a.ok() || !b.ok()) return ToolResult::error("waiting");
           auto c = ctx.request(method::kRootsList, Json::object());  // a derived key
           if (!c.ok()) return ToolResult::error("waiting");
           return ToolResult::text(a->dump() + b->dump() + c->dump());
         }};
  REQUIRE(m.server.addTool(t).ok());
  const std::string caps = R"({"elicitation":{},"sampling":{},"roots":{}})";
  Json r1 = m.call(1, "tools/call", R"("name":"two_rounds")", caps);
  CHECK(result(r1).find("inputRequests")->size() == 2);
  Json r2 = m.call(2, "tools/call",
                   R"("name":"two_rounds","requestState":")" + result(r1).find("requestState")->asString() +
                       R"(","inputResponses":{"a":{"x":1},"b":{"y":2},"junk":{"z":3}})",
                   caps);
  const Json& round2 = result(r2);
  REQUIRE(round2.find("resultType")->asString() == "input_required");
  REQUIRE(round2.find("inputRequests")->size() == 1);
  const std::string roots_key = round2.find("inputRequests")->members()[0].first;
  CHECK(roots_key.rfind("roots-", 0) == 0);
  // Round 3 answers only the new question; a and b come from the requestState.
  Json r3 = m.call(3, "tools/call",
                   R"("name":"two_rounds","requestState":")" + round2.find("requestState")->asString() +
                       R"(","inputResponses":{")" + roots_key + R"(":{"roots":[]}})",
                   caps);
  CHECK(text0(r3) == R"({"x":1}{"y":2}{"roots":[]})");
}

TEST_CASE("prompts/get may ask for input too") {
  Modern m;
  REQUIRE(m.server.addPrompt({"ask", "", "", {}, [](const std::map<std::string, std::string>&, RequestContext& ctx) -> Result<PromptResult> {
                                auto r = ctx.request(method::kElicitationCreate, Json::object().set("message", "ctx?"), "ctx");
                                if (!r.ok()) return r.status();
                                PromptResult p;
                                p.messages.push(Json::object().set("role", "user").set("content", Json::object().set("type", "text").set("text", r->dump())));
                                return p;
                              }}).ok());
  Json r1 = m.call(1, "prompts/get", R"("name":"ask")", R"({"elicitation":{}})");
  CHECK(result(r1).find("resultType")->asString() == "input_required");
  Json r2 = m.call(2, "prompts/get", R"("name":"ask","inputResponses":{"ctx":{"action":"accept"}})", R"({"elicitation":{}})");
  CHECK(result(r2).find("messages")->size() == 1);
}

namespace {

// A task backend recording what it was asked; tasks finish when told.
class TestTasks final : public TaskBackend {
 public:
  Result<Json> start(const Tool&, const Json& args, RequestContext& ctx) override {
    std::lock_guard<std::mutex> lock(mu);
    started_by = ctx.principal();
    return Json::object().set("job", "job-" + std::to_string(++count)).set("args", args);
  }
  Result<TaskState> get(const Tool&, const Json& state, const std::string&) override {
    std::lock_guard<std::mutex> lock(mu);
    TaskState st;
    const std::string job = state.find("job")->asString();
    if (cancelled.count(job)) {
      st.status = TaskState::Status::kCancelled;
    } else if (finished) {
      st.status = TaskState::Status::kCompleted;
      st.result = ToolResult::text("done " + job);
    } else if (needs_input) {
      st.status = TaskState::Status::kInputRequired;
      st.input_requests = Json::object().set("ok", Json::object().set("method", "elicitation/create"));
    } else {
      st.status = TaskState::Status::kWorking;
      st.progress = 40;
    }
    return st;
  }
  Status cancel(const Tool&, const Json& state, const std::string&) override {
    std::lock_guard<std::mutex> lock(mu);
    cancelled.insert(state.find("job")->asString());
    return Status::Ok();
  }
  Status update(const Tool&, const Json&, const Json& responses, const std::string&) override {
    std::lock_guard<std::mutex> lock(mu);
    updates.push_back(responses);
    needs_input = false;
    return Status::Ok();
  }
  std::mutex mu;
  int count = 0;
  bool finished = false;
  bool needs_input = false;
  std::string started_by;
  std::set<std::string> cancelled;
  std::vector<Json> updates;
};

}  // namespace

TEST_CASE("tasks: a task tool returns a signed task id that tasks/get, update and cancel accept") {
  ServerOptions o;
  o.state_key = "tasks key tasks key tasks key 32";
  Modern m(o);
  auto backend = std::make_shared<TestTasks>();
  Tool job{"job", "", "", Json(), Json(), {}, nullptr};
  job.task_support = TaskSupport::kRequired;
  job.tasks = backend;
  REQUIRE(m.server.addTool(job).ok());
  Tool optional = echoTool("maybe_task");
  optional.task_support = TaskSupport::kOptional;
  optional.tasks = backend;
  REQUIRE(m.server.addTool(optional).ok());
  Tool no_backend = echoTool("broken");
  no_backend.task_support = TaskSupport::kOptional;
  CHECK_FALSE(m.server.addTool(no_backend).ok());

  CHECK(result(m.call(1, "server/discover")).find("capabilities")->find("extensions")->find("io.modelcontextprotocol/tasks"));
  const std::string tasks = R"({"extensions":{"io.modelcontextprotocol/tasks":{}}})";
  Json created = m.call(2, "tools/call", R"("name":"job","arguments":{"vm":"vm-1"})", tasks, "alice");
  const Json& c = result(created);
  CHECK(c.find("resultType")->asString() == "task");
  CHECK(c.find("status")->asString() == "working");
  CHECK(c.find("createdAt")->asString().size() == 24);
  CHECK(c.find("ttlMs")->isInt());
  CHECK(c.find("pollIntervalMs")->isInt());
  CHECK_FALSE(c.find("requestState"));
  CHECK(backend->started_by == "alice");
  const std::string task_id = c.find("taskId")->asString();
  const std::string tid = R"("taskId":")" + task_id + "\"";

  Json working = m.call(3, "tasks/get", tid, tasks, "alice");
  CHECK(result(working).find("status")->asString() == "working");
  CHECK(result(working).find("statusMessage")->asString() == "(40% done)");
  CHECK(result(working).find("resultType")->asString() == "complete");

  backend->needs_input = true;
  Json asking = m.call(4, "tasks/get", tid, tasks, "alice");
  CHECK(result(asking).find("status")->asString() == "input_required");
  CHECK(result(asking).find("inputRequests")->find("ok"));
  Json ack = m.call(5, "tasks/update", tid + R"(,"inputResponses":{"ok":{"action":"accept"}})", tasks, "alice");
  CHECK(result(ack).find("resultType")->asString() == "complete");
  CHECK_FALSE(result(ack).find("taskId"));
  REQUIRE(backend->updates.size() == 1);
  CHECK(backend->updates[0].find("ok"));

  backend->finished = true;
  Json done = m.call(6, "tasks/get", tid, tasks, "alice");
  CHECK(result(done).find("status")->asString() == "completed");
  CHECK(result(done).find("result")->find("content")->items()[0].find("text")->asString() == "done job-1");

  // Bound to its caller, and to this key.
  CHECK(errorCode(m.call(7, "tasks/get", tid, tasks, "mallory")) == error::kInvalidParams);
  CHECK(errorCode(m.call(8, "tasks/get", R"("taskId":"tk1.forged.id")", tasks, "alice")) == error::kInvalidParams);
  // The extension must be declared on the request.
  CHECK(errorCode(m.call(9, "tasks/get", tid, "{}", "alice")) == error::kMissingRequiredClientCapability);

  // Another replica with the same key answers for the task too.
  Modern replica(o);
  REQUIRE(replica.server.addTool(job).ok());
  CHECK(result(replica.call(10, "tasks/get", tid, tasks, "alice")).find("status")->asString() == "completed");

  // Cancel.
  Json second = m.call(11, "tools/call", R"("name":"job")", tasks, "alice");
  const std::string tid2 = R"("taskId":")" + result(second).find("taskId")->asString() + "\"";
  backend->finished = false;
  CHECK(result(m.call(12, "tasks/cancel", tid2, tasks, "alice")).find("resultType")->asString() == "complete");
  CHECK(result(m.call(13, "tasks/get", tid2, tasks, "alice")).find("status")->asString() == "cancelled");

  // Without the extension: a required task tool is refused with -32021; an optional one runs
  // its handler.
  Json refused = m.call(14, "tools/call", R"("name":"job")", "{}", "alice");
  CHECK(errorCode(refused) == error::kMissingRequiredClientCapability);
  CHECK(refused.find("error")->find("data")->find("requiredCapabilities")->find("extensions"));
  CHECK(text0(m.call(15, "tools/call", R"("name":"maybe_task")", "{}", "alice")) == "maybe_task");
  CHECK(result(m.call(16, "tools/call", R"("name":"maybe_task")", tasks, "alice")).find("resultType")->asString() == "task");
}

TEST_CASE("subscriptions/listen acknowledges first, then delivers only what it asked for") {
  Modern m;
  REQUIRE(m.server.addResource({"test://watched", "w", "", "", "", [](const std::string& uri, RequestContext&) {
                                  return Result<std::vector<ResourceContent>>(std::vector<ResourceContent>{{uri, "", std::string("x"), std::nullopt}});
                                }}).ok());
  auto session = m.server.createSession(nullptr);
  auto stream = std::make_shared<CaptureSink>();
  REQUIRE(*session->receive(modernRequest(Json("sub-1"), "subscriptions/listen",
                                          R"("notifications":{"toolsListChanged":true,"resourceSubscriptions":["test://watched"]})"),
                            stream) == 1);
  Json ack = stream->waitFor([](const Json&) { return true; });
  CHECK(ack.find("method")->asString() == "notifications/subscriptions/acknowledged");
  CHECK(ack.find("params")->find("_meta")->find("io.modelcontextprotocol/subscriptionId")->asString() == "sub-1");
  CHECK(ack.find("params")->find("notifications")->find("toolsListChanged")->asBool());
  CHECK_FALSE(ack.find("params")->find("notifications")->find("promptsListChanged"));

  m.server.notifyResourceUpdated("test://other");
  m.server.notifyPromptListChanged();  // not asked for
  m.server.notifyResourceUpdated("test://watched");
  Json updated = stream->waitFor([](const Json& msg) {
    return msg.find("method") && msg.find("method")->asString() == "notifications/resources/updated";
  });
  CHECK(updated.find("params")->find("uri")->asString() == "test://watched");
  CHECK(updated.find("params")->find("_meta")->find("io.modelcontextprotocol/subscriptionId")->asString() == "sub-1");
  REQUIRE(m.server.addTool(echoTool("new_tool")).ok());
  Json changed = stream->waitFor([](const Json& msg) {
    return msg.find("method") && msg.find("method")->asString() == "notifications/tools/list_changed";
  });
  CHECK(changed.find("params")->find("_meta")->find("io.modelcontextprotocol/subscriptionId")->asString() == "sub-1");
  CHECK(stream->count("notifications/resources/updated") == 1);
  CHECK(stream->count("notifications/prompts/list_changed") == 0);
  CHECK(stream->all().front().find("method")->asString() == "notifications/subscriptions/acknowledged");

  // The client closes the stream: no response, the request is done.
  REQUIRE(session->receive(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"sub-1"}})", stream).ok());
  stream->waitDone(1);
  m.server.notifyResourceUpdated("test://watched");
  CHECK(stream->count("notifications/resources/updated") == 1);

  // Bad filters are refused.
  auto bad = std::make_shared<CaptureSink>();
  (void)session->receive(modernRequest(Json(2), "subscriptions/listen", R"("notifications":{"resourceSubscriptions":"x"})"), bad);
  CHECK(errorCode(bad->response(Json(2))) == error::kInvalidParams);
  (void)session->receive(modernRequest(Json(3), "subscriptions/listen", R"("notifications":{"taskIds":["t"]})"), bad);
  CHECK(errorCode(bad->response(Json(3))) == error::kMissingRequiredClientCapability);
}

TEST_CASE("a server shutting down ends listen streams with their closing result") {
  Modern m;
  auto session = m.server.createSession(nullptr);
  auto stream = std::make_shared<CaptureSink>();
  REQUIRE(*session->receive(modernRequest(Json(7), "subscriptions/listen", R"("notifications":{"promptsListChanged":true})"), stream) == 1);
  stream->waitFor([](const Json&) { return true; });
  session->shutDown("stopping");
  Json closing = stream->response(Json(7));
  CHECK(closing.find("result")->find("resultType")->asString() == "complete");
  CHECK(closing.find("result")->find("_meta")->find("io.modelcontextprotocol/subscriptionId")->asInt() == 7);
  stream->waitDone(1);
}

TEST_CASE("the handler sees an input request as isInputRequired, and legacy sessions are not affected by it") {
  Modern m;
  std::atomic<int> input_required{0};
  Tool t{"probe", "", "", Json(), Json(), {}, [&](const Json&, RequestContext& ctx) {
           auto r = ctx.request(method::kRootsList, Json::object());
           if (!r.ok() && isInputRequired(r.status())) ++input_required;
           return ToolResult::text(ctx.modern() ? "modern" : "legacy");
         }};
  REQUIRE(m.server.addTool(t).ok());
  Json r = m.call(1, "tools/call", R"("name":"probe")", R"({"roots":{}})");
  CHECK(result(r).find("resultType")->asString() == "input_required");
  CHECK(input_required == 1);
  CHECK_FALSE(isInputRequired(Status::Cancelled("plain cancellation")));
  // A request to the client that is not an input request is refused in the modern era.
  Tool other{"other", "", "", Json(), Json(), {}, [](const Json&, RequestContext& ctx) {
               auto res = ctx.request("tools/list", Json::object());
               return ToolResult::text(res.ok() ? "sent" : res.status().message());
             }};
  REQUIRE(m.server.addTool(other).ok());
  CHECK(text0(m.call(2, "tools/call", R"("name":"other")")).find("not tools/list") != std::string::npos);
}

TEST_CASE("removing the session of a listen stream ends it without a response") {
  Modern m;
  auto session = m.server.createSession(nullptr);
  auto stream = std::make_shared<CaptureSink>();
  REQUIRE(*session->receive(modernRequest(Json(1), "subscriptions/listen", R"("notifications":{"resourcesListChanged":true})"), stream) == 1);
  m.server.notifyResourceListChanged();
  stream->waitFor([](const Json& msg) {
    return msg.find("method") && msg.find("method")->asString() == "notifications/resources/list_changed";
  });
  m.server.removeSession(session->id());
  stream->waitDone(1);
  for (const auto& msg : stream->all()) CHECK_FALSE(msg.find("result"));
  // A second listen with the same id on a live session is refused while the first runs.
  auto s2 = m.server.createSession(nullptr);
  auto a = std::make_shared<CaptureSink>();
  REQUIRE(*s2->receive(modernRequest(Json(5), "subscriptions/listen", R"("notifications":{})"), a) == 1);
  CHECK_FALSE(s2->receive(modernRequest(Json(5), "subscriptions/listen", R"("notifications":{})"), a).ok());
  CHECK(errorCode(a->response(Json(5))) == error::kInvalidRequest);
}

TEST_CASE("a legacy session sees modern-only methods as unknown, and may still send modern requests") {
  Fixture f;
  f.initialize();
  CHECK(errorCode(f.call(2, "tasks/get", R"({"taskId":"x"})")) == error::kMethodNotFound);
  CHECK(errorCode(f.call(3, "server/discover")) == error::kMethodNotFound);
  (void)f.session->receive(modernRequest(Json(4), "server/discover"), f.sink);
  CHECK(result(f.sink->response(Json(4))).find("supportedVersions"));
  // Without initialize, a modern-only method without _meta is a malformed modern request.
  Fixture g;
  CHECK(errorCode(g.call(5, "server/discover")) == error::kInvalidParams);
}

TEST_CASE("answers too large to keep in a requestState are refused with a clear error") {
  Modern m;
  Tool t{"two", "", "", Json(), Json(), {}, [](const Json&, RequestContext& ctx) {
           auto a = ctx.request(method::kElicitationCreate, Json::object().set("message", "a"), "a");
           auto b = ctx.request(method::kElicitationCreate, Json::object().set("message", "b"), "b");
           return ToolResult::text(a.ok() && b.ok() ? "both" : "waiting");
         }};
  REQUIRE(m.server.addTool(t).ok());
  const std::string big(600 * 1024, 'x');
  Json r = m.call(1, "tools/call", R"("name":"two","inputResponses":{"a":{"text":")" + big + R"("}})", R"({"elicitation":{}})");
  CHECK(errorCode(r) == error::kInvalidParams);
  CHECK(r.find("error")->find("message")->asString().find("too large") != std::string::npos);
  Json small = m.call(2, "tools/call", R"("name":"two","inputResponses":{"a":{"text":"x"}})", R"({"elicitation":{}})");
  CHECK(result(small).find("inputRequests")->find("b"));
}
