// The Streamable HTTP transport against a raw HTTP/1.1 client on 127.0.0.1, port 0: sessions,
// SSE streams and their resumption, the GET stream, Origin/Host checks, limits, hostile input,
// HTTPS and a prompt stop(). Waits are bounded reads (10 s receive timeout), never sleeps.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/buffers_iterator.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include <thread>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "mcp/http_transport.hpp"
#include "mcp/protocol.hpp"
#include "mcp/server.hpp"
#include "vsmcp/log.hpp"

using namespace vsmcp;
using namespace vsmcp::mcp;

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct Reply {
  int status = 0;                              // 0: the connection closed before a status line
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(lower(name));
    return it == headers.end() ? "" : it->second;
  }
};

struct SseEvent {
  std::string id;
  std::string data;
  std::optional<std::string> retry;
};

std::vector<SseEvent> parseSse(const std::string& text) {
  std::vector<SseEvent> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find("\n\n", pos);
    if (end == std::string::npos) break;
    SseEvent e;
    bool any = false;
    std::string block = text.substr(pos, end - pos);
    pos = end + 2;
    size_t line_start = 0;
    while (line_start <= block.size()) {
      size_t nl = block.find('\n', line_start);
      std::string line =
          block.substr(line_start, nl == std::string::npos ? std::string::npos : nl - line_start);
      line_start = nl == std::string::npos ? block.size() + 1 : nl + 1;
      if (line.empty() || line[0] == ':') continue;  // comments (": ping")
      auto colon = line.find(':');
      std::string field = line.substr(0, colon);
      std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.erase(0, 1);
      if (field == "id") e.id = value, any = true;
      if (field == "data") e.data += value, any = true;
      if (field == "retry") e.retry = value, any = true;
    }
    if (any) out.push_back(e);
  }
  return out;
}

// A blocking HTTP/1.1 client over a POSIX socket; every read gives up after 10 s.
class Client {
 public:
  explicit Client(unsigned short port) : port_(port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    timeval tv{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~Client() { closeNow(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void closeNow() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  void send(const std::string& raw) {
    size_t off = 0;
    while (off < raw.size()) {
      ssize_t n = ::send(fd_, raw.data() + off, raw.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;  // the server may close early (413, 431): reading tells
      off += static_cast<size_t>(n);
    }
  }

  // A request with the usual headers; Content-Length when there is a body or for POST.
  void request(const std::string& method, const std::string& target, const Headers& headers,
               const std::string& body = "") {
    std::string raw = method + " " + target + " HTTP/1.1\r\n";
    bool has_host = false;
    for (const auto& [k, v] : headers) has_host = has_host || lower(k) == "host";
    if (!has_host) raw += "Host: 127.0.0.1:" + std::to_string(port_) + "\r\n";
    for (const auto& [k, v] : headers) raw += k + ": " + v + "\r\n";
    if (!body.empty() || method == "POST")
      raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    raw += "\r\n" + body;
    send(raw);
  }

  // Reads a status line and headers. status 0 if the connection ended first.
  Reply readHead() {
    Reply r;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return r;
    std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    REQUIRE(status_line.rfind("HTTP/1.1 ", 0) == 0);
    r.status = std::stoi(status_line.substr(9, 3));
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t nl = head.find("\r\n", pos);
      std::string line = head.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      pos = nl == std::string::npos ? head.size() : nl + 2;
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value[0] == ' ') value.erase(0, 1);
      r.headers[lower(line.substr(0, colon))] = value;
    }
    chunked_ = lower(r.header("Transfer-Encoding")) == "chunked";
    stream_done_ = false;
    sse_.clear();
    return r;
  }

  // The rest of a response whose head was read: Content-Length, chunked, or none.
  void readBody(Reply& r) {
    if (chunked_) {
      while (auto data = nextChunk()) r.body += *data;
      return;
    }
    if (r.status == 204 || r.status == 304) return;
    std::string cl = r.header("Content-Length");
    REQUIRE(!cl.empty());
    size_t length = std::stoul(cl);
    while (buf_.size() < length) REQUIRE(fill());
    r.body = buf_.substr(0, length);
    buf_.erase(0, length);
  }

  Reply readReply() {
    Reply r = readHead();
    if (r.status != 0) readBody(r);
    return r;
  }

  Reply roundTrip(const std::string& method, const std::string& target, const Headers& headers,
                  const std::string& body = "") {
    request(method, target, headers, body);
    return readReply();
  }

  // The next SSE event with an id or data (comments skipped) from a chunked SSE body;
  // nullopt when the stream ended.
  std::optional<SseEvent> nextEvent() {
    for (;;) {
      size_t end;
      while ((end = sse_.find("\n\n")) != std::string::npos) {
        auto events = parseSse(sse_.substr(0, end + 2));
        sse_.erase(0, end + 2);
        if (!events.empty()) return events.front();
      }
      auto data = nextChunk();
      if (!data) return std::nullopt;
      sse_ += *data;
    }
  }

  // Everything until the server closes the connection (a close-delimited body).
  std::string readToEnd() {
    while (fill()) {
    }
    std::string out = std::move(buf_);
    buf_.clear();
    return out;
  }

  // True when the server closed the connection (EOF or reset) before the read timeout.
  bool closedByServer() {
    char c;
    for (;;) {
      ssize_t n = recv(fd_, &c, 1, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET || errno == EPIPE;
    }
  }

 private:
  bool fill() {
    char tmp[8192];
    ssize_t n = recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  // One chunk's data; nullopt after the last chunk.
  std::optional<std::string> nextChunk() {
    if (stream_done_) return std::nullopt;
    size_t nl;
    while ((nl = buf_.find("\r\n")) == std::string::npos) REQUIRE(fill());
    size_t size = std::stoul(buf_.substr(0, nl), nullptr, 16);
    while (buf_.size() < nl + 2 + size + 2) REQUIRE(fill());
    std::string data = buf_.substr(nl + 2, size);
    REQUIRE(buf_.substr(nl + 2 + size, 2) == "\r\n");
    buf_.erase(0, nl + 2 + size + 2);
    if (size == 0) {
      stream_done_ = true;
      return std::nullopt;
    }
    return data;
  }

  unsigned short port_;
  int fd_ = -1;
  std::string buf_;
  std::string sse_;
  bool chunked_ = false;
  bool stream_done_ = false;
};

const Headers kPostHeaders = {{"Content-Type", "application/json"},
                              {"Accept", "application/json, text/event-stream"}};

Headers withSession(const std::string& id, Headers h = kPostHeaders) {
  h.emplace_back("Mcp-Session-Id", id);
  h.emplace_back("MCP-Protocol-Version", "2025-11-25");
  return h;
}

std::string initializeBody(int id = 1) {
  return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) +
         R"(,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},)"
         R"("clientInfo":{"name":"http-test","version":"1"}}})";
}

const std::string kInitialized = R"({"jsonrpc":"2.0","method":"notifications/initialized"})";

Json parse(const std::string& text) {
  auto j = Json::parse(text);
  REQUIRE(j.ok());
  return *j;
}

// The JSON-RPC messages of an SSE body (priming events, with empty data, skipped).
std::vector<Json> messagesOf(const std::string& sse_body) {
  std::vector<Json> out;
  for (const auto& e : parseSse(sse_body))
    if (!e.data.empty()) out.push_back(parse(e.data));
  return out;
}

std::string methodOf(const Json& m) { return m.find("method") ? m.find("method")->asString() : ""; }

// Lets a test hold a tool call until it says so.
class Gate {
 public:
  void open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool wait() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [this] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

Tool noopTool(const std::string& name) {
  Tool t;
  t.name = name;
  t.description = "does nothing";
  t.handler = [](const Json&, RequestContext&) { return ToolResult::text("ok"); };
  return t;
}

struct Fixture {
  explicit Fixture(HttpServerOptions options = {}) {
    Tool work;
    work.name = "work";
    work.description = "reports progress, then answers";
    work.handler = [](const Json&, RequestContext& ctx) {
      ctx.progress(1, 2, "half way");
      return ToolResult::text("done");
    };
    REQUIRE(server.addTool(std::move(work)).ok());
    Tool held;
    held.name = "held";
    held.description = "reports progress, then waits for the test";
    held.handler = [this](const Json&, RequestContext& ctx) {
      ctx.progress(1, 2, "waiting");
      return gate.wait() ? ToolResult::text("released") : ToolResult::error("gate timeout");
    };
    REQUIRE(server.addTool(std::move(held)).ok());
    http = std::make_unique<HttpServer>(server, std::move(options));
    Status started = http->start();
    INFO(started.toString());
    REQUIRE(started.ok());
    REQUIRE(http->port() != 0);
  }
  ~Fixture() {
    gate.open();
    http->stop();
  }

  unsigned short port() const { return http->port(); }

  // initialize + notifications/initialized on `c`; returns the session id.
  std::string openSession(Client& c) {
    Reply r = c.roundTrip("POST", "/mcp", kPostHeaders, initializeBody());
    REQUIRE(r.status == 200);
    std::string id = r.header("Mcp-Session-Id");
    REQUIRE(!id.empty());
    Reply n = c.roundTrip("POST", "/mcp", withSession(id), kInitialized);
    REQUIRE(n.status == 202);
    return id;
  }

  Gate gate;  // before the server: outlives the workers that wait on it
  Server server{Implementation{"http-test", "1.0", ""}};
  std::unique_ptr<HttpServer> http;
};

}  // namespace

TEST_CASE("initialize returns a session id and the result on an SSE stream", "[http]") {
  Fixture f;
  Client c(f.port());
  Reply r = c.roundTrip("POST", "/mcp", kPostHeaders, initializeBody(7));
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type") == "text/event-stream");
  std::string id = r.header("Mcp-Session-Id");
  REQUIRE(!id.empty());
  for (char ch : id) CHECK((ch >= 0x21 && ch <= 0x7e));
  CHECK(f.server.findSession(id) != nullptr);

  auto events = parseSse(r.body);
  REQUIRE(events.size() == 2);
  // 2025-11-25: a priming event (id, retry, empty data) comes first.
  CHECK(events[0].data.empty());
  CHECK(!events[0].id.empty());
  CHECK(events[0].retry.has_value());
  Json reply = parse(events[1].data);
  CHECK(*reply.find("id") == Json(7));
  CHECK(reply.find("result")->find("protocolVersion")->asString() == "2025-11-25");
  CHECK(events[1].id != events[0].id);
}

TEST_CASE("tools/call streams the progress notification before the response", "[http]") {
  Fixture f;
  Client c(f.port());
  std::string sid = f.openSession(c);
  Reply r = c.roundTrip(
      "POST", "/mcp", withSession(sid),
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"work","arguments":{},)"
      R"("_meta":{"progressToken":"p1"}}})");
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type") == "text/event-stream");
  CHECK(r.header("Mcp-Session-Id") == sid);
  auto events = parseSse(r.body);
  std::vector<Json> messages = messagesOf(r.body);
  REQUIRE(messages.size() == 2);
  CHECK(methodOf(messages[0]) == "notifications/progress");
  CHECK(messages[0].find("params")->find("progressToken")->asString() == "p1");
  CHECK(*messages[1].find("id") == Json(2));
  CHECK(messages[1].find("result")->find("content")->items()[0].find("text")->asString() == "done");
  // Event ids are distinct.
  for (size_t i = 0; i < events.size(); ++i)
    for (size_t j = i + 1; j < events.size(); ++j) CHECK(events[i].id != events[j].id);

  // The same keep-alive connection serves the next request.
  Reply ping =
      c.roundTrip("POST", "/mcp", withSession(sid), R"({"jsonrpc":"2.0","id":3,"method":"ping"})");
  REQUIRE(ping.status == 200);
  REQUIRE(messagesOf(ping.body).size() == 1);
  CHECK(*messagesOf(ping.body)[0].find("id") == Json(3));
}

TEST_CASE("a notification POST is accepted with 202 and no body", "[http]") {
  Fixture f;
  Client c(f.port());
  Reply r = c.roundTrip("POST", "/mcp", kPostHeaders, initializeBody());
  std::string sid = r.header("Mcp-Session-Id");
  REQUIRE(!sid.empty());
  CHECK(!f.server.findSession(sid)->initialized());
  Reply n = c.roundTrip("POST", "/mcp", withSession(sid), kInitialized);
  CHECK(n.status == 202);
  CHECK(n.body.empty());
  CHECK(f.server.findSession(sid)->initialized());
}

TEST_CASE("requests without a session id get 400, with an unknown one 404", "[http]") {
  Fixture f;
  Client c(f.port());
  Reply missing = c.roundTrip("POST", "/mcp", kPostHeaders,
                              R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
  CHECK(missing.status == 400);
  CHECK(parse(missing.body).find("error") != nullptr);

  Reply unknown = c.roundTrip("POST", "/mcp", withSession("no-such-session"),
                              R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
  CHECK(unknown.status == 404);

  Client g(f.port());
  Reply get = g.roundTrip("GET", "/mcp", {{"Accept", "text/event-stream"}});
  CHECK(get.status == 400);
  Reply get_unknown =
      g.roundTrip("GET", "/mcp", {{"Accept", "text/event-stream"}, {"Mcp-Session-Id", "nope"}});
  CHECK(get_unknown.status == 404);

  Reply garbage_init = c.roundTrip("POST", "/mcp", kPostHeaders, "{not json");
  CHECK(garbage_init.status == 400);
  CHECK(parse(garbage_init.body).find("error")->find("code")->asInt() == error::kParseError);
  CHECK(f.server.sessionCount() == 0);
}

TEST_CASE("DELETE ends the session, its id then gets 404", "[http]") {
  Fixture f;
  Client c(f.port());
  std::string sid = f.openSession(c);
  REQUIRE(f.server.sessionCount() == 1);
  Reply del = c.roundTrip("DELETE", "/mcp", {{"Mcp-Session-Id", sid}});
  CHECK(del.status == 204);
  CHECK(f.server.sessionCount() == 0);
  Reply again =
      c.roundTrip("POST", "/mcp", withSession(sid), R"({"jsonrpc":"2.0","id":5,"method":"ping"})");
  CHECK(again.status == 404);
  Reply del_again = c.roundTrip("DELETE", "/mcp", {{"Mcp-Session-Id", sid}});
  CHECK(del_again.status == 404);
  Reply del_none = c.roundTrip("DELETE", "/mcp", {});
  CHECK(del_none.status == 400);
}

TEST_CASE("a foreign Origin or Host is refused with 403, localhost ones pass", "[http]") {
  Fixture f;
  Client c(f.port());
  Headers evil = kPostHeaders;
  evil.emplace_back("Origin", "http://evil.example.com");
  CHECK(c.roundTrip("POST", "/mcp", evil, initializeBody()).status == 403);
  Headers null_origin = kPostHeaders;
  null_origin.emplace_back("Origin", "null");
  CHECK(c.roundTrip("POST", "/mcp", null_origin, initializeBody()).status == 403);
  Headers evil_host = kPostHeaders;
  evil_host.emplace_back("Host", "evil.example.com");
  CHECK(c.roundTrip("POST", "/mcp", evil_host, initializeBody()).status == 403);
  CHECK(f.server.sessionCount() == 0);

  Headers local = kPostHeaders;
  local.emplace_back("Origin", "http://localhost:6274");
  local.emplace_back("Host", "localhost:" + std::to_string(f.port()));
  Reply ok = c.roundTrip("POST", "/mcp", local, initializeBody());
  CHECK(ok.status == 200);
  CHECK(!ok.header("Mcp-Session-Id").empty());
  Headers v6 = kPostHeaders;
  v6.emplace_back("Origin", "https://[::1]:8443");
  CHECK(c.roundTrip("POST", "/mcp", v6, initializeBody()).status == 200);
}

TEST_CASE("configured allowed_origins replace the localhost default", "[http]") {
  HttpServerOptions o;
  o.allowed_origins = {"https://app.example.com"};
  Fixture f(o);
  Client c(f.port());
  Headers app = kPostHeaders;
  app.emplace_back("Origin", "https://app.example.com");
  CHECK(c.roundTrip("POST", "/mcp", app, initializeBody()).status == 200);
  Headers local = kPostHeaders;
  local.emplace_back("Origin", "http://localhost:3000");
  CHECK(c.roundTrip("POST", "/mcp", local, initializeBody()).status == 403);
}

TEST_CASE("an unsupported MCP-Protocol-Version gets 400, a wrong Accept 406", "[http]") {
  Fixture f;
  Client c(f.port());
  std::string sid = f.openSession(c);
  for (const char* bad : {"invalid-protocol-version", "2000-01-01", "2099-01-01"}) {
    Headers h = kPostHeaders;
    h.emplace_back("Mcp-Session-Id", sid);
    h.emplace_back("MCP-Protocol-Version", bad);
    CHECK(c.roundTrip("POST", "/mcp", h, R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})")
              .status == 400);
  }
  Headers json_only = {{"Content-Type", "application/json"},
                       {"Accept", "application/json"},
                       {"Mcp-Session-Id", sid}};
  CHECK(c.roundTrip("POST", "/mcp", json_only, R"({"jsonrpc":"2.0","id":1,"method":"ping"})")
            .status == 406);
  Headers any = {{"Content-Type", "application/json"}, {"Accept", "*/*"}, {"Mcp-Session-Id", sid}};
  CHECK(c.roundTrip("POST", "/mcp", any, R"({"jsonrpc":"2.0","id":1,"method":"ping"})").status ==
        200);
  Headers text = {{"Content-Type", "text/plain"}, {"Accept", "*/*"}, {"Mcp-Session-Id", sid}};
  CHECK(c.roundTrip("POST", "/mcp", text, R"({"jsonrpc":"2.0","id":1,"method":"ping"})").status ==
        415);
}

TEST_CASE("a JSON-RPC error with an id is answered 200, one without 400", "[http]") {
  Fixture f;
  Client c(f.port());
  std::string sid = f.openSession(c);
  Reply again = c.roundTrip("POST", "/mcp", withSession(sid), initializeBody(9));
  CHECK(again.status == 200);
  CHECK(again.header("Content-Type") == "application/json");
  Json body = parse(again.body);
  CHECK(*body.find("id") == Json(9));
  CHECK(body.find("error") != nullptr);
  Reply bad = c.roundTrip("POST", "/mcp", withSession(sid), "[1,2");
  CHECK(bad.status == 400);
  CHECK(parse(bad.body).find("error")->find("code")->asInt() == error::kParseError);
}

TEST_CASE("a body over max_body_bytes gets 413 before it is sent", "[http]") {
  HttpServerOptions o;
  o.max_body_bytes = 1024;
  Fixture f(o);
  Client c(f.port());
  // Only the head: the server must answer without waiting for 100000 bytes.
  c.send(
      "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Accept: application/json, text/event-stream\r\nContent-Length: 100000\r\n\r\n");
  Reply r = c.readReply();
  CHECK(r.status == 413);
  CHECK(c.closedByServer());

  // Chunked: no length announced; refused once the limit is crossed.
  Client d(f.port());
  std::string chunk(600, 'x');
  d.send(
      "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n258\r\n" +
      chunk + "\r\n258\r\n" + chunk + "\r\n");
  CHECK(d.readReply().status == 413);
}

TEST_CASE("a header block over max_header_bytes gets 431", "[http]") {
  Fixture f;
  Client c(f.port());
  c.send("GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
  Reply r = c.readReply();
  CHECK(r.status == 431);
  CHECK(c.closedByServer());
}

TEST_CASE("other methods get 405 with Allow, other paths 404 or the extra routes", "[http]") {
  HttpServerOptions o;
  o.extra_routes = [](const HttpExtraRequest& req, HttpExtraResponse& res) {
    if (req.path != "/health") return false;
    res.body = "ok " + req.query + " " + req.header("x-probe");
    res.headers.emplace_back("X-Route", "health");
    return true;
  };
  Fixture f(o);
  Client c(f.port());
  Reply put = c.roundTrip("PUT", "/mcp", {}, "x");
  CHECK(put.status == 405);
  CHECK(put.header("Allow").find("POST") != std::string::npos);
  CHECK(put.header("Allow").find("GET") != std::string::npos);
  CHECK(put.header("Allow").find("DELETE") != std::string::npos);
  CHECK(c.roundTrip("GET", "/elsewhere", {}).status == 404);
  Reply health = c.roundTrip("GET", "/health?full=1", {{"X-Probe", "yes"}});
  CHECK(health.status == 200);
  CHECK(health.body == "ok full=1 yes");
  CHECK(health.header("X-Route") == "health");
}

TEST_CASE("hostile input gets 400 and pipelined requests are answered in order", "[http]") {
  HttpServerOptions o;
  o.extra_routes = [](const HttpExtraRequest& req, HttpExtraResponse& res) {
    res.body = req.path;
    return true;
  };
  Fixture f(o);
  {
    Client c(f.port());
    c.send("\x01\x02 garbage \xff\r\n\r\n");
    CHECK(c.readReply().status == 400);
    CHECK(c.closedByServer());
  }
  {
    Client c(f.port());
    c.send(
        "GET /one HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /two HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        "GET /three HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    CHECK(c.readReply().body == "/one");
    CHECK(c.readReply().body == "/two");
    CHECK(c.readReply().body == "/three");
    CHECK(c.closedByServer());
  }
  {
    // Conflicting framing (request smuggling shape) is refused.
    Client c(f.port());
    c.send(
        "POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nContent-Length: "
        "4\r\n\r\nabcd");
    CHECK(c.readReply().status == 400);
  }
  // The server still serves after all that.
  Client ok(f.port());
  CHECK(ok.roundTrip("GET", "/alive", {}).body == "/alive");
}

TEST_CASE("a request that does not arrive within request_timeout gets 408", "[http]") {
  HttpServerOptions o;
  o.request_timeout = std::chrono::seconds(1);
  Fixture f(o);
  Client c(f.port());
  c.send("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Len");  // and then nothing
  auto start = std::chrono::steady_clock::now();
  Reply r = c.readReply();
  CHECK(r.status == 408);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(c.closedByServer());
}

TEST_CASE("the GET stream carries server notifications, a second GET gets 409", "[http]") {
  Fixture f;
  Client c(f.port());
  std::string sid = f.openSession(c);
  Client g(f.port());
  g.request("GET", "/mcp", {{"Accept", "text/event-stream"}, {"Mcp-Session-Id", sid}});
  Reply head = g.readHead();
  REQUIRE(head.status == 200);
  CHECK(head.header("Content-Type") == "text/event-stream");

  Client second(f.port());
  CHECK(second.roundTrip("GET", "/mcp", {{"Accept", "text/event-stream"}, {"Mcp-Session-Id", sid}})
            .status == 409);

  REQUIRE(f.server.addTool(noopTool("added")).ok());  // notifies initialized sessions
  std::optional<SseEvent> e;
  do {
    e = g.nextEvent();
    REQUIRE(e);
  } while (e->data.empty());  // the priming event
  CHECK(methodOf(parse(e->data)) == "notifications/tools/list_changed");
  CHECK(e->id.rfind("0-", 0) == 0);
}

TEST_CASE("a client that leaves its GET stream frees it for the next one", "[http]") {
  Fixture f;
  Client c(f.port());
  std::string sid = f.openSession(c);
  const Headers get = {{"Accept", "text/event-stream"}, {"Mcp-Session-Id", sid}};
  {
    Client g(f.port());
    g.request("GET", "/mcp", get);
    REQUIRE(g.readHead().status == 200);
  }  // closed without a word
  // The server notices the EOF and lets go; until it has, a new GET may still get 409.
  int status = 0;
  for (int attempt = 0; attempt < 2000 && status != 200; ++attempt) {
    Client again(f.port());
    again.request("GET", "/mcp", get);
    Reply r = again.readHead();
    status = r.status;
    REQUIRE((status == 200 || status == 409));
    if (status == 200) {
      REQUIRE(f.server.addTool(noopTool("seen")).ok());
      std::optional<SseEvent> e;
      do {
        e = again.nextEvent();
        REQUIRE(e);
      } while (e->data.empty());
      CHECK(methodOf(parse(e->data)) == "notifications/tools/list_changed");
    }
  }
  CHECK(status == 200);
}

TEST_CASE("one I/O thread serves many open SSE streams at once", "[http]") {
  HttpServerOptions o;
  o.threads = 1;
  Fixture f(o);
  constexpr int kStreams = 100;
  std::vector<std::unique_ptr<Client>> posts;
  std::vector<std::unique_ptr<Client>> streams;
  for (int i = 0; i < kStreams; ++i) {
    posts.push_back(std::make_unique<Client>(f.port()));
    std::string sid = f.openSession(*posts.back());
    streams.push_back(std::make_unique<Client>(f.port()));
    streams.back()->request("GET", "/mcp",
                            {{"Accept", "text/event-stream"}, {"Mcp-Session-Id", sid}});
    REQUIRE(streams.back()->readHead().status == 200);
  }
  REQUIRE(f.server.addTool(noopTool("broadcast")).ok());
  int received = 0;
  for (auto& s : streams) {
    std::optional<SseEvent> e;
    do {
      e = s->nextEvent();
      REQUIRE(e);
    } while (e->data.empty());
    received += methodOf(parse(e->data)) == "notifications/tools/list_changed";
  }
  CHECK(received == kStreams);
}

TEST_CASE("an HTTP/1.0 client gets an SSE stream that ends with the connection", "[http]") {
  Fixture f;
  Client c(f.port());
  std::string body = initializeBody(3);
  c.send(
      "POST /mcp HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Accept: application/json, text/event-stream\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body);
  Reply head = c.readHead();
  REQUIRE(head.status == 200);
  CHECK(head.header("Transfer-Encoding").empty());
  CHECK(lower(head.header("Connection")) == "close");
  std::vector<Json> messages = messagesOf(c.readToEnd());
  REQUIRE(messages.size() == 1);
  CHECK(*messages[0].find("id") == Json(3));
}

TEST_CASE("Last-Event-ID on GET replays what the standalone stream missed", "[http]") {
  Fixture f;
  Client c(f.port());
  std::string sid = f.openSession(c);
  std::string first_id;
  std::string second_id;
  {
    Client g(f.port());
    g.request("GET", "/mcp", {{"Accept", "text/event-stream"}, {"Mcp-Session-Id", sid}});
    REQUIRE(g.readHead().status == 200);
    REQUIRE(f.server.addTool(noopTool("a")).ok());
    REQUIRE(f.server.addTool(noopTool("b")).ok());
    std::vector<SseEvent> got;
    while (got.size() < 2) {
      auto e = g.nextEvent();
      REQUIRE(e);
      if (!e->data.empty()) got.push_back(*e);
    }
    first_id = got[0].id;
    second_id = got[1].id;
  }                                               // the client goes away
  REQUIRE(f.server.addTool(noopTool("c")).ok());  // sent while nobody listens

  Client r(f.port());
  r.request(
      "GET", "/mcp",
      {{"Accept", "text/event-stream"}, {"Mcp-Session-Id", sid}, {"Last-Event-ID", first_id}});
  REQUIRE(r.readHead().status == 200);
  std::vector<SseEvent> replayed;
  while (replayed.size() < 2) {
    auto e = r.nextEvent();
    REQUIRE(e);
    if (!e->data.empty()) replayed.push_back(*e);
  }
  CHECK(replayed[0].id == second_id);
  CHECK(replayed[1].id != second_id);
  CHECK(methodOf(parse(replayed[1].data)) == "notifications/tools/list_changed");
}

TEST_CASE("Last-Event-ID resumes a POST stream and delivers its response", "[http]") {
  Fixture f;
  Client c(f.port());
  std::string sid = f.openSession(c);
  Client p(f.port());
  p.request("POST", "/mcp", withSession(sid),
            R"({"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"held",)"
            R"("arguments":{},"_meta":{"progressToken":7}}})");
  REQUIRE(p.readHead().status == 200);
  std::optional<SseEvent> progress;
  do {
    progress = p.nextEvent();
    REQUIRE(progress);
  } while (progress->data.empty());
  CHECK(methodOf(parse(progress->data)) == "notifications/progress");

  // Resume from the progress event on another connection; the POST's connection is let go.
  Client r(f.port());
  r.request(
      "GET", "/mcp",
      {{"Accept", "text/event-stream"}, {"Mcp-Session-Id", sid}, {"Last-Event-ID", progress->id}});
  REQUIRE(r.readHead().status == 200);
  CHECK(!p.nextEvent().has_value());  // the old stream ended without the response

  f.gate.open();
  std::optional<SseEvent> response;
  do {
    response = r.nextEvent();
    REQUIRE(response);
  } while (response->data.empty());
  Json msg = parse(response->data);
  CHECK(*msg.find("id") == Json(11));
  CHECK(msg.find("result")->find("content")->items()[0].find("text")->asString() == "released");
  CHECK(!r.nextEvent().has_value());  // the stream ends after the response
}

TEST_CASE("resuming a POST stream that was written in full gets a stream that ends", "[http]") {
  Fixture f;
  Client c(f.port());
  std::string sid = f.openSession(c);
  Client g(f.port());  // the standalone stream is taken: a fallback to it would be 409
  g.request("GET", "/mcp", {{"Accept", "text/event-stream"}, {"Mcp-Session-Id", sid}});
  REQUIRE(g.readHead().status == 200);
  Reply r = c.roundTrip(
      "POST", "/mcp", withSession(sid),
      R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"work","arguments":{}}})");
  REQUIRE(r.status == 200);
  auto events = parseSse(r.body);
  REQUIRE(events.size() >= 2);
  Client resume(f.port());
  resume.request(
      "GET", "/mcp",
      {{"Accept", "text/event-stream"}, {"Mcp-Session-Id", sid}, {"Last-Event-ID", events[0].id}});
  Reply head = resume.readHead();
  REQUIRE(head.status == 200);
  // The server forgets a POST stream once it was written in full; a resume that races that
  // moment may still replay what followed the given id. Either way: only those events, in
  // order, then the end (never other messages, never a live stream).
  std::vector<SseEvent> replayed;
  std::optional<SseEvent> e;
  while ((e = resume.nextEvent()))
    if (!e->data.empty()) replayed.push_back(*e);
  if (!replayed.empty()) {
    REQUIRE(replayed.size() == events.size() - 1);
    for (size_t i = 0; i < replayed.size(); ++i) {
      CHECK(replayed[i].id == events[i + 1].id);
      CHECK(replayed[i].data == events[i + 1].data);
    }
  }
}

TEST_CASE("stop() with an open GET stream returns promptly and closes it", "[http]") {
  Fixture f;
  Client c(f.port());
  std::string sid = f.openSession(c);
  Client g(f.port());
  g.request("GET", "/mcp", {{"Accept", "text/event-stream"}, {"Mcp-Session-Id", sid}});
  REQUIRE(g.readHead().status == 200);
  auto start = std::chrono::steady_clock::now();
  f.http->stop();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  CHECK(g.closedByServer());
  CHECK(f.server.sessionCount() == 0);  // sessions made through HTTP went with it
  f.http->stop();                       // idempotent
}

TEST_CASE("max_sessions refuses further initialize requests with 503", "[http]") {
  HttpServerOptions o;
  o.max_sessions = 1;
  Fixture f(o);
  Client c(f.port());
  CHECK(c.roundTrip("POST", "/mcp", kPostHeaders, initializeBody()).status == 200);
  Reply r = c.roundTrip("POST", "/mcp", kPostHeaders, initializeBody());
  CHECK(r.status == 503);
  CHECK(f.server.sessionCount() == 1);
}

TEST_CASE("sessions that never finish the handshake are dropped to free their slots", "[http]") {
  HttpServerOptions o;
  o.max_sessions = 1;
  o.session_idle_timeout = std::chrono::seconds(1);  // handshake timeout = min(60 s, this)
  Fixture f(o);
  Client c(f.port());
  REQUIRE(c.roundTrip("POST", "/mcp", kPostHeaders, initializeBody()).status == 200);  // no initialized
  REQUIRE(c.roundTrip("POST", "/mcp", kPostHeaders, initializeBody()).status == 503);
  // The sweep runs every second; the slot must come back within a few (bounded wait).
  int status = 503;
  for (int i = 0; i < 100 && status == 503; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = c.roundTrip("POST", "/mcp", kPostHeaders, initializeBody()).status;
  }
  CHECK(status == 200);
}

TEST_CASE("the authorize hook refuses requests without the key with 401", "[http]") {
  HttpServerOptions o;
  o.authorize = [](const HttpExtraRequest& r) -> std::optional<std::string> {
    if (r.header("Authorization") == "Bearer s3cret") return std::string("alice");
    return std::nullopt;
  };
  Fixture f(o);
  Client c(f.port());
  Reply denied = c.roundTrip("POST", "/mcp", kPostHeaders, initializeBody());
  CHECK(denied.status == 401);
  CHECK(denied.header("WWW-Authenticate") == "Bearer");
  CHECK(f.server.sessionCount() == 0);
  Headers with = kPostHeaders;
  with.emplace_back("Authorization", "Bearer s3cret");
  Reply ok = c.roundTrip("POST", "/mcp", with, initializeBody());
  CHECK(ok.status == 200);
  auto session = f.server.findSession(ok.header("Mcp-Session-Id"));
  REQUIRE(session);
  CHECK(session->principal() == "alice");
  Headers wrong = kPostHeaders;
  wrong.emplace_back("Authorization", "Bearer s3cre");
  CHECK(c.roundTrip("POST", "/mcp", wrong, initializeBody()).status == 401);
}

namespace {

// Bearer tokens of two principals; anything else is refused.
std::optional<std::string> twoPrincipals(const HttpExtraRequest& r) {
  const std::string auth = r.header("Authorization");
  if (auth == "Bearer alice-token") return std::string("alice");
  if (auth == "Bearer bob-token") return std::string("bob");
  return std::nullopt;
}

Headers as(const std::string& token, Headers h = kPostHeaders) {
  h.emplace_back("Authorization", "Bearer " + token);
  return h;
}

// Collects warning lines of vsmcp::log while it lives (the sink is process-wide).
class WarningLog {
 public:
  WarningLog() {
    vsmcp::setLogSink([this](vsmcp::LogLevel level, std::string_view message) {
      if (level < vsmcp::LogLevel::kWarning) return;
      std::lock_guard<std::mutex> lock(mu_);
      lines_.emplace_back(message);
    });
  }
  ~WarningLog() { vsmcp::setLogSink(nullptr); }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

}  // namespace

TEST_CASE("the authenticated principal reaches the tool handler", "[http]") {
  HttpServerOptions o;
  o.authorize = twoPrincipals;
  Fixture f(o);
  Tool whoami = noopTool("whoami");
  whoami.handler = [](const Json&, RequestContext& ctx) {
    return ToolResult::text(ctx.principal() + " " + ctx.requestId().dump());
  };
  REQUIRE(f.server.addTool(whoami).ok());
  for (const std::string who : {"alice", "bob"}) {
    Client c(f.port());
    Reply init = c.roundTrip("POST", "/mcp", as(who + "-token"), initializeBody());
    REQUIRE(init.status == 200);
    std::string sid = init.header("Mcp-Session-Id");
    REQUIRE(c.roundTrip("POST", "/mcp", as(who + "-token", withSession(sid)), kInitialized).status == 202);
    Reply r = c.roundTrip("POST", "/mcp", as(who + "-token", withSession(sid)),
                          R"({"jsonrpc":"2.0","id":"call-1","method":"tools/call","params":{"name":"whoami"}})");
    REQUIRE(r.status == 200);
    auto messages = messagesOf(r.body);
    REQUIRE(messages.size() == 1);
    CHECK(messages[0].find("result")->find("content")->items()[0].find("text")->asString() ==
          who + " \"call-1\"");
  }
}

TEST_CASE("another principal naming a session gets 404 as for an unknown one", "[http]") {
  WarningLog warnings;
  HttpServerOptions o;
  o.authorize = twoPrincipals;
  Fixture f(o);
  Client alice(f.port());
  Reply init = alice.roundTrip("POST", "/mcp", as("alice-token"), initializeBody());
  REQUIRE(init.status == 200);
  const std::string sid = init.header("Mcp-Session-Id");
  REQUIRE(alice.roundTrip("POST", "/mcp", as("alice-token", withSession(sid)), kInitialized).status == 202);
  const std::string ping = R"({"jsonrpc":"2.0","id":5,"method":"ping"})";

  Client bob(f.port());
  Reply unknown = bob.roundTrip("POST", "/mcp", as("bob-token", withSession("no-such-session")), ping);
  REQUIRE(unknown.status == 404);
  CHECK(warnings.lines().empty());  // an unknown session is no one's: nothing to warn about

  Reply post = bob.roundTrip("POST", "/mcp", as("bob-token", withSession(sid)), ping);
  CHECK(post.status == 404);
  CHECK(post.body == unknown.body);
  CHECK(post.header("Mcp-Session-Id").empty());
  Reply get = bob.roundTrip("GET", "/mcp",
                            as("bob-token", {{"Accept", "text/event-stream"}, {"Mcp-Session-Id", sid}}));
  CHECK(get.status == 404);
  CHECK(get.body == unknown.body);
  Reply resume = bob.roundTrip("GET", "/mcp",
                               as("bob-token", {{"Accept", "text/event-stream"},
                                                {"Mcp-Session-Id", sid},
                                                {"Last-Event-ID", "0-0"}}));
  CHECK(resume.status == 404);
  Reply del = bob.roundTrip("DELETE", "/mcp", as("bob-token", {{"Mcp-Session-Id", sid}}));
  CHECK(del.status == 404);
  CHECK(del.body == unknown.body);
  Reply anonymous = bob.roundTrip("POST", "/mcp", withSession(sid), ping);
  CHECK(anonymous.status == 401);

  // Each refusal was logged, naming the principals but neither the session id nor a token.
  auto lines = warnings.lines();
  CHECK(lines.size() == 4);
  for (const auto& line : lines) {
    CHECK(line.find("'bob'") != std::string::npos);
    CHECK(line.find(sid) == std::string::npos);
    CHECK(line.find("token") == std::string::npos);
  }

  // The session still works for its owner, and only she can end it.
  REQUIRE(f.server.sessionCount() == 1);
  Reply still = alice.roundTrip("POST", "/mcp", as("alice-token", withSession(sid)), ping);
  REQUIRE(still.status == 200);
  REQUIRE(messagesOf(still.body).size() == 1);
  CHECK(messagesOf(still.body)[0].find("result"));
  CHECK(alice.roundTrip("DELETE", "/mcp", as("alice-token", {{"Mcp-Session-Id", sid}})).status == 204);
  CHECK(f.server.sessionCount() == 0);
}

TEST_CASE("start() reports bad options and can only run once", "[http]") {
  Server server{Implementation{"t", "1", ""}};
  HttpServerOptions half;
  half.tls_cert_file = "/nonexistent/cert.pem";
  CHECK(HttpServer(server, half).start().code() == ErrorCode::kInvalidArgument);
  HttpServerOptions missing = half;
  missing.tls_key_file = "/nonexistent/key.pem";
  CHECK(HttpServer(server, missing).start().code() == ErrorCode::kTls);
  HttpServer once(server, {});
  REQUIRE(once.start().ok());
  CHECK(once.url() == "http://127.0.0.1:" + std::to_string(once.port()) + "/mcp");
  CHECK(once.start().code() == ErrorCode::kInvalidState);
}

namespace {

const char* kCertPem = R"(-----BEGIN CERTIFICATE-----
MIIBfzCCASWgAwIBAgIUQykf7Wm0nnpL9bYU9pi+wR209/8wCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyMzA1MDEzOFoYDzIxMjYxMDMw
MDUwMTM4WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAASTVVbOGnLiZKuhnNRh6JV5l8YIDjCf0CiXplkCQjMYPAHJi/oHyHyZ
0nUPtYBVFZtsJ28mioENSxbbt18WSxpOo1MwUTAdBgNVHQ4EFgQUG/qV6ib+9ynP
Suj0h5X3BIOhSiMwHwYDVR0jBBgwFoAUG/qV6ib+9ynPSuj0h5X3BIOhSiMwDwYD
VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiB4aZaS6Lf23OQyGiyk8MRF
YuUx8rvogO2RO2fyDVP96QIhAKVd5xMn2ydDTk1L6UD77fetyX6ONQf308u09d0C
T2cA
-----END CERTIFICATE-----
)";

// Test-only key of the self-signed certificate above (CN=localhost).
const char* kKeyPem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgwa6LVjiS2LUF8nGy
mt9NKF9PkmyKnO6+SekF2d3StCuhRANCAASTVVbOGnLiZKuhnNRh6JV5l8YIDjCf
0CiXplkCQjMYPAHJi/oHyHyZ0nUPtYBVFZtsJ28mioENSxbbt18WSxpO
-----END PRIVATE KEY-----
)";

std::string writeTemp(const std::string& name, const char* text) {
  std::string path = "/tmp/vsmcp_http_test_" + std::to_string(getpid()) + "_" + name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("HTTPS serves the endpoint when a certificate and key are given", "[http]") {
  namespace asio = boost::asio;
  namespace ssl = asio::ssl;
  HttpServerOptions o;
  o.tls_cert_file = writeTemp("cert.pem", kCertPem);
  o.tls_key_file = writeTemp("key.pem", kKeyPem);
  Fixture f(o);
  std::remove(o.tls_cert_file.c_str());
  std::remove(o.tls_key_file.c_str());
  CHECK(f.http->url().rfind("https://", 0) == 0);

  asio::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_verify_mode(ssl::verify_none);  // a self-signed test certificate
  ssl::stream<asio::ip::tcp::socket> stream(ioc, ctx);
  asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), f.port());
  boost::system::error_code ec;
  stream.next_layer().connect(ep, ec);
  REQUIRE(!ec);
  stream.handshake(ssl::stream_base::client, ec);
  REQUIRE(!ec);
  std::string body = initializeBody();
  std::string req =
      "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Accept: application/json, text/event-stream\r\nConnection: close\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  asio::write(stream, asio::buffer(req), ec);
  REQUIRE(!ec);
  asio::streambuf in;
  bool done = false;
  asio::async_read(stream, in, [&](boost::system::error_code, size_t) { done = true; });
  ioc.run_for(std::chrono::seconds(10));
  REQUIRE(done);
  std::string text(asio::buffers_begin(in.data()), asio::buffers_end(in.data()));
  CHECK(text.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(lower(text).find("mcp-session-id: ") != std::string::npos);
  CHECK(text.find("\"protocolVersion\":\"2025-11-25\"") != std::string::npos);
}

TEST_CASE("a principal at its session limit loses its least recently used session, not others", "[http]") {
  HttpServerOptions o;
  o.authorize = twoPrincipals;
  o.max_sessions_per_principal = 2;
  Fixture f(o);
  Client c(f.port());
  auto open = [&](const char* token) {
    Reply init = c.roundTrip("POST", "/mcp", as(token), initializeBody());
    REQUIRE(init.status == 200);
    const std::string sid = init.header("Mcp-Session-Id");
    REQUIRE(c.roundTrip("POST", "/mcp", as(token, withSession(sid)), kInitialized).status == 202);
    return sid;
  };
  const std::string ping = R"({"jsonrpc":"2.0","id":5,"method":"ping"})";
  const std::string bob = open("bob-token");
  const std::string a1 = open("alice-token");
  const std::string a2 = open("alice-token");
  REQUIRE(c.roundTrip("POST", "/mcp", as("alice-token", withSession(a1)), ping).status == 200);  // a2 is now older
  const std::string a3 = open("alice-token");
  CHECK(c.roundTrip("POST", "/mcp", as("alice-token", withSession(a2)), ping).status == 404);
  CHECK(c.roundTrip("POST", "/mcp", as("alice-token", withSession(a1)), ping).status == 200);
  CHECK(c.roundTrip("POST", "/mcp", as("alice-token", withSession(a3)), ping).status == 200);
  // Another principal's session is untouched.
  CHECK(c.roundTrip("POST", "/mcp", as("bob-token", withSession(bob)), ping).status == 200);
}

namespace {

// Waits (bounded) for a vsmcp::log line containing a text, while it lives (the sink is
// process-wide).
class LogWatch {
 public:
  LogWatch() {
    vsmcp::setLogSink([this](vsmcp::LogLevel, std::string_view message) {
      std::lock_guard<std::mutex> lock(mu_);
      text_.append(message).append("\n");
      cv_.notify_all();
    });
  }
  ~LogWatch() { vsmcp::setLogSink(nullptr); }
  bool waitFor(const std::string& needle) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return text_.find(needle) != std::string::npos; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::string text_;
};

// The errno of a new TCP connection to the port; 0 when it connected.
int connectError(unsigned short port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  int err = rc == 0 ? 0 : errno;
  close(fd);
  return err;
}

std::string callBody(int id, const std::string& tool) {
  return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":"tools/call","params":{"name":")" + tool +
         R"(","arguments":{},"_meta":{"progressToken":"p"}}})";
}

// The JSON-RPC messages of the rest of an SSE stream whose head was read.
std::vector<Json> restOfStream(Client& c) {
  std::vector<Json> out;
  while (auto e = c.nextEvent())
    if (!e->data.empty()) out.push_back(parse(e->data));
  return out;
}

// Reads events until one with data (the first message after the priming event).
Json nextMessage(Client& c) {
  for (;;) {
    auto e = c.nextEvent();
    REQUIRE(e);
    if (!e->data.empty()) return parse(e->data);
  }
}

// A tool that waits until its request is cancelled (bounded), then says so.
Tool untilCancelledTool() {
  Tool t = noopTool("until_cancelled");
  t.handler = [](const Json&, RequestContext& ctx) {
    ctx.progress(1, 2, "running");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!ctx.cancelled() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return ctx.cancelled() ? ToolResult::error("stopped: cancelled") : ToolResult::text("not cancelled");
  };
  return t;
}

}  // namespace

TEST_CASE("shutdown delivers the response of a call in flight and refuses new work with 503", "[http]") {
  Fixture f;
  Client c(f.port());
  std::string sid = f.openSession(c);
  Client other(f.port());  // accepted before the shutdown: a ping went through it
  REQUIRE(other.roundTrip("POST", "/mcp", withSession(sid), R"({"jsonrpc":"2.0","id":9,"method":"ping"})").status == 200);
  Client getter(f.port());
  REQUIRE(getter.roundTrip("POST", "/mcp", withSession(sid), R"({"jsonrpc":"2.0","id":8,"method":"ping"})").status == 200);
  c.request("POST", "/mcp", withSession(sid), callBody(2, "held"));
  REQUIRE(c.readHead().status == 200);
  REQUIRE(methodOf(nextMessage(c)) == "notifications/progress");  // the handler runs

  LogWatch log;
  std::thread stopper([&] { f.http->shutdown(); });
  REQUIRE(log.waitFor("draining"));
  CHECK(connectError(f.port()) == ECONNREFUSED);  // no new connections
  // A new request on an open connection: 503 with a JSON-RPC error, and the connection closes.
  Reply refused = other.roundTrip("POST", "/mcp", withSession(sid), R"({"jsonrpc":"2.0","id":3,"method":"tools/list"})");
  CHECK(refused.status == 503);
  CHECK(lower(refused.header("Connection")) == "close");
  Json error = parse(refused.body);
  CHECK(error.find("jsonrpc")->asString() == "2.0");
  CHECK(error.find("error")->find("message")->asString() == "Service Unavailable: the server is shutting down");
  CHECK(other.closedByServer());
  // A new GET stream too.
  Reply get = getter.roundTrip("GET", "/mcp", {{"Accept", "text/event-stream"}, {"Mcp-Session-Id", sid}});
  CHECK(get.status == 503);

  f.gate.open();  // the call finishes: its response reaches the client, then the stream ends
  auto rest = restOfStream(c);
  REQUIRE(rest.size() == 1);
  CHECK(*rest[0].find("id") == Json(2));
  CHECK(rest[0].find("result")->find("content")->items()[0].find("text")->asString() == "released");
  stopper.join();
  CHECK(f.server.sessionCount() == 0);
}

TEST_CASE("shutdown cancels a call that outlives the drain time and delivers its answer", "[http]") {
  HttpServerOptions o;
  o.drain_timeout = std::chrono::milliseconds(200);
  Fixture f(o);
  REQUIRE(f.server.addTool(untilCancelledTool()).ok());
  Client c(f.port());
  std::string sid = f.openSession(c);
  c.request("POST", "/mcp", withSession(sid), callBody(2, "until_cancelled"));
  REQUIRE(c.readHead().status == 200);
  REQUIRE(methodOf(nextMessage(c)) == "notifications/progress");
  LogWatch log;
  std::thread stopper([&] { f.http->shutdown(); });
  auto rest = restOfStream(c);  // the stream ends with the cancelled call's answer
  REQUIRE(rest.size() == 1);
  CHECK(*rest[0].find("id") == Json(2));
  CHECK(rest[0].find("result")->find("isError")->asBool());
  CHECK(rest[0].find("result")->find("content")->items()[0].find("text")->asString() == "stopped: cancelled");
  stopper.join();
  CHECK(log.waitFor("cancelled 1 requests still running after the drain time"));
}

TEST_CASE("during shutdown the client's answer to an elicitation still reaches the waiting call", "[http]") {
  Fixture f;
  Tool ask = noopTool("ask");
  ask.handler = [](const Json&, RequestContext& ctx) {
    auto r = ctx.request("elicitation/create", Json::object().set("message", "go on?"));
    return r.ok() ? ToolResult::text("answered " + r->find("action")->asString()) : ToolResult::error(r.status().message());
  };
  REQUIRE(f.server.addTool(ask).ok());
  Client c(f.port());
  Reply init = c.roundTrip("POST", "/mcp", kPostHeaders,
                           R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",)"
                           R"("capabilities":{"elicitation":{}},"clientInfo":{"name":"t","version":"1"}}})");
  REQUIRE(init.status == 200);
  std::string sid = init.header("Mcp-Session-Id");
  REQUIRE(c.roundTrip("POST", "/mcp", withSession(sid), kInitialized).status == 202);
  Client other(f.port());
  REQUIRE(other.roundTrip("POST", "/mcp", withSession(sid), R"({"jsonrpc":"2.0","id":9,"method":"ping"})").status == 200);
  c.request("POST", "/mcp", withSession(sid), callBody(2, "ask"));
  REQUIRE(c.readHead().status == 200);
  Json question = nextMessage(c);
  REQUIRE(methodOf(question) == "elicitation/create");

  LogWatch log;
  std::thread stopper([&] { f.http->shutdown(); });
  REQUIRE(log.waitFor("draining"));
  Reply answer = other.roundTrip(
      "POST", "/mcp", withSession(sid),
      R"({"jsonrpc":"2.0","id":)" + question.find("id")->dump() + R"(,"result":{"action":"accept","content":{}}})");
  CHECK(answer.status == 202);
  auto rest = restOfStream(c);
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].find("result")->find("content")->items()[0].find("text")->asString() == "answered accept");
  stopper.join();
}

TEST_CASE("shutdown does not wait for an open GET stream", "[http]") {
  Fixture f;  // drain time 10 s
  Client c(f.port());
  std::string sid = f.openSession(c);
  Client g(f.port());
  g.request("GET", "/mcp", {{"Accept", "text/event-stream"}, {"Mcp-Session-Id", sid}});
  REQUIRE(g.readHead().status == 200);
  auto start = std::chrono::steady_clock::now();
  f.http->shutdown();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  CHECK(g.closedByServer());
  CHECK(f.server.sessionCount() == 0);
}

// --- the 2026-07-28 revision: stateless requests and their metadata headers ----------------

namespace {

const std::string kModernMeta =
    R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",)"
    R"("io.modelcontextprotocol/clientCapabilities":{}})";

std::string modernCall(int id, const std::string& tool) {
  return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) +
         R"(,"method":"tools/call","params":{"name":")" + tool + R"(","arguments":{},)" +
         kModernMeta + "}}";
}

// The same with a progressToken in its _meta: the tool's progress starts the SSE stream.
std::string modernCallWithProgress(int id, const std::string& tool) {
  std::string meta = kModernMeta;
  meta.insert(meta.size() - 1, R"(,"progressToken":"p)" + std::to_string(id) + "\"");
  return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) +
         R"(,"method":"tools/call","params":{"name":")" + tool + R"(","arguments":{},)" + meta +
         "}}";
}

// The modern request headers of a tools/call of `tool`, less the one named `without`.
Headers modernHeaders(const std::string& tool, const std::string& without = "") {
  Headers h = kPostHeaders;
  const Headers extra = {{"MCP-Protocol-Version", "2026-07-28"},
                         {"Mcp-Method", "tools/call"},
                         {"Mcp-Name", tool}};
  for (const auto& kv : extra)
    if (kv.first != without) h.push_back(kv);
  return h;
}

Headers withHeader(Headers h, const std::string& name, const std::string& value) {
  for (auto& kv : h)
    if (lower(kv.first) == lower(name)) kv.second = value;
  return h;
}

}  // namespace

TEST_CASE("a 2026-07-28 request without a session is served on a session of its own", "[http]") {
  Fixture f;
  Client c(f.port());
  Reply r = c.roundTrip("POST", "/mcp", modernHeaders("work"), modernCall(5, "work"));
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type") == "text/event-stream");
  CHECK(r.header("Mcp-Session-Id").empty());  // none minted
  auto messages = messagesOf(r.body);
  REQUIRE(!messages.empty());
  const Json& last = messages.back();
  CHECK(*last.find("id") == Json(5));
  REQUIRE(last.find("result") != nullptr);
  CHECK(last.find("result")->find("content")->items()[0].find("text")->asString() == "done");
  // The next answer on this connection comes after the stream's end was handled.
  CHECK(c.roundTrip("GET", "/elsewhere", {}).status == 404);
  CHECK(f.server.sessionCount() == 0);
}

TEST_CASE("2026-07-28 requests need Mcp-Method and Mcp-Name matching the body", "[http]") {
  Fixture f;
  Client c(f.port());
  auto mismatch = [&](const Headers& h, const std::string& body) {
    Reply r = c.roundTrip("POST", "/mcp", h, body);
    CHECK(r.status == 400);
    Json error = parse(r.body);
    CHECK(*error.find("id") == Json(7));
    CHECK(error.find("error")->find("code")->asInt() == -32020);
    return error.find("error")->find("message")->asString();
  };
  const std::string call = modernCall(7, "work");
  CHECK(mismatch(modernHeaders("work", "Mcp-Method"), call).find("Mcp-Method") != std::string::npos);
  CHECK(mismatch(withHeader(modernHeaders("work"), "Mcp-Method", "tools/list"), call)
            .find("does not match") != std::string::npos);
  CHECK(mismatch(modernHeaders("work", "Mcp-Name"), call).find("Mcp-Name") != std::string::npos);
  CHECK(mismatch(modernHeaders("other"), call).find("'other'") != std::string::npos);
  CHECK(mismatch(modernHeaders("work", "MCP-Protocol-Version"), call).find("MCP-Protocol-Version") !=
        std::string::npos);
  CHECK(mismatch(modernHeaders("=?base64?not base64?="), call).find("malformed") != std::string::npos);
  CHECK(f.server.sessionCount() == 0);
  // A name in the Base64 sentinel form is decoded before the comparison ("work").
  Reply encoded = c.roundTrip("POST", "/mcp", modernHeaders("=?base64?d29yaw==?="), call);
  CHECK(encoded.status == 200);
  // Legacy requests need none of these headers (the other tests send none).
}

TEST_CASE("a client that leaves a 2026-07-28 request's stream cancels it", "[http]") {
  Fixture f;
  {
    Client c(f.port());
    // Its response starts with its first message (the progress; see the test below for a
    // call that says nothing first).
    c.request("POST", "/mcp", modernHeaders("held"), modernCallWithProgress(3, "held"));
    REQUIRE(c.readHead().status == 200);
    REQUIRE(f.server.sessionCount() == 1);
  }  // gone without a word
  // The server notices the EOF and removes the request's session (bounded wait).
  for (int i = 0; i < 1000 && f.server.sessionCount() != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(f.server.sessionCount() == 0);
}

TEST_CASE("2026-07-28 Mcp-Param headers mirror the x-mcp-header arguments exactly", "[http]") {
  const Json schema = *Json::parse(R"({"type":"object","properties":{
      "region":{"type":"string","x-mcp-header":"Region"},
      "count":{"type":"integer","x-mcp-header":"Count"},
      "deep":{"type":"object","properties":{"on":{"type":"boolean","x-mcp-header":"On"}}},
      "list":{"type":"array","items":{"type":"string","x-mcp-header":"Ignored"}}}})");
  HttpServerOptions o;
  o.tool_input_schema = [&](const std::string& tool) { return tool == "mirrored" ? schema : Json(); };
  Fixture f(o);
  Tool mirrored = noopTool("mirrored");
  mirrored.input_schema = schema;
  REQUIRE(f.server.addTool(mirrored).ok());
  Client c(f.port());
  auto call = [&](const std::string& arguments, const Headers& params) {
    Headers h = modernHeaders("mirrored");
    for (const auto& p : params) h.push_back(p);
    return c.roundTrip("POST", "/mcp", h,
                       R"({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"mirrored","arguments":)" +
                           arguments + "," + kModernMeta + "}}");
  };
  const std::string args = R"({"region":"us-west1","count":42,"deep":{"on":true},"list":["x"]})";
  const Headers all = {{"Mcp-Param-Region", "us-west1"}, {"Mcp-Param-Count", "42.0"}, {"Mcp-Param-On", "true"}};
  CHECK(call(args, all).status == 200);  // integers compare as numbers: 42.0 = 42
  // Header names are case-insensitive; a value in the Base64 form is decoded ("us-west1").
  CHECK(call(args, {{"mcp-param-region", "=?base64?dXMtd2VzdDE=?="}, {"Mcp-Param-Count", "42"},
                    {"Mcp-Param-On", "true"}})
            .status == 200);
  auto code = [](const Reply& r) { return r.status == 400 ? parse(r.body).find("error")->find("code")->asInt() : 0; };
  CHECK(code(call(args, {{"Mcp-Param-Count", "42"}, {"Mcp-Param-On", "true"}})) == -32020);  // Region missing
  CHECK(code(call(args, {{"Mcp-Param-Region", "eu"}, {"Mcp-Param-Count", "42"}, {"Mcp-Param-On", "true"}})) == -32020);
  CHECK(code(call(args, {{"Mcp-Param-Region", "us-west1"}, {"Mcp-Param-Count", "41"}, {"Mcp-Param-On", "true"}})) ==
        -32020);
  CHECK(code(call(args, {{"Mcp-Param-Region", "us-west1"}, {"Mcp-Param-Count", "42"}, {"Mcp-Param-On", "True"}})) ==
        -32020);
  // An argument left out (or null) takes no header, and one sent anyway is refused.
  CHECK(call(R"({"region":null})", {}).status == 200);
  CHECK(code(call(R"({})", {{"Mcp-Param-Region", "us-west1"}})) == -32020);
  CHECK(f.server.sessionCount() == 0);
}

TEST_CASE("the endpoint shares libhttp's request ids and per-address connection cap", "[http]") {
  HttpServerOptions o;
  o.max_connections_per_address = 2;
  Fixture f(o);
  Client a(f.port());
  Reply first = a.roundTrip("POST", "/mcp", kPostHeaders, initializeBody());
  REQUIRE(first.status == 200);
  CHECK(!first.header("X-Request-Id").empty());
  Reply echoed = a.roundTrip("DELETE", "/mcp", {{"Mcp-Session-Id", "none"}, {"X-Request-Id", "trace-42"}});
  CHECK(echoed.status == 404);
  CHECK(echoed.header("X-Request-Id") == "trace-42");
  Client b(f.port());
  CHECK(b.roundTrip("GET", "/elsewhere", {}).status == 404);  // the second one is served
  Client c(f.port());  // the third from 127.0.0.1: answered 503 at once, then closed
  Reply refused = c.readReply();
  CHECK(refused.status == 503);
  CHECK(parse(refused.body).find("error") != nullptr);  // a JSON-RPC error, as every refusal
  CHECK(c.closedByServer());
}

namespace {

// A 2026-07-28 request of `method` with `params_json` (an object's members, then the modern
// _meta), and its headers.
std::string modernRequest(int id, const std::string& method, const std::string& params_json = "") {
  return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":")" + method +
         R"(","params":{)" + params_json + (params_json.empty() ? "" : ",") + kModernMeta + "}}";
}

Headers modernMethodHeaders(const std::string& method) {
  Headers h = kPostHeaders;
  h.emplace_back("MCP-Protocol-Version", "2026-07-28");
  h.emplace_back("Mcp-Method", method);
  return h;
}

// The JSON error reply of a 2026-07-28 request: its HTTP status, JSON body, request id.
Json modernError(const Reply& r, int status, int id, int code) {
  CHECK(r.status == status);
  CHECK(r.header("Content-Type") == "application/json");
  Json body = parse(r.body);
  CHECK(*body.find("id") == Json(id));
  REQUIRE(body.find("error") != nullptr);
  CHECK(body.find("error")->find("code")->asInt() == code);
  return body;
}

}  // namespace

TEST_CASE("2026-07-28 errors are answered as JSON with their HTTP status and the request id", "[http]") {
  Fixture f;
  Client c(f.port());
  // Method not found, also for the methods only legacy sessions have: 404.
  modernError(c.roundTrip("POST", "/mcp", modernMethodHeaders("unknown/method"),
                          modernRequest(21, "unknown/method")),
              404, 21, error::kMethodNotFound);
  for (const std::string m : {"initialize", "ping", "logging/setLevel", "resources/subscribe"}) {
    INFO(m);
    modernError(c.roundTrip("POST", "/mcp", modernMethodHeaders(m), modernRequest(22, m)), 404, 22,
                error::kMethodNotFound);
  }
  CHECK(f.server.sessionCount() == 0);  // a modern initialize opened none
  // Malformed _meta: 400 with -32602.
  const std::string no_caps =
      R"({"jsonrpc":"2.0","id":23,"method":"server/discover","params":{"_meta":{)"
      R"("io.modelcontextprotocol/protocolVersion":"2026-07-28"}}})";
  modernError(c.roundTrip("POST", "/mcp", modernMethodHeaders("server/discover"), no_caps), 400, 23,
              error::kInvalidParams);
  // An unsupported version in the header and the body: the protocol's
  // UnsupportedProtocolVersion error with its data, 400.
  const std::string v999 =
      R"({"jsonrpc":"2.0","id":24,"method":"server/discover","params":{"_meta":{)"
      R"("io.modelcontextprotocol/protocolVersion":"v999","io.modelcontextprotocol/clientCapabilities":{}}}})";
  Json unsupported =
      modernError(c.roundTrip("POST", "/mcp",
                              withHeader(modernMethodHeaders("server/discover"),
                                         "MCP-Protocol-Version", "v999"),
                              v999),
                  400, 24, error::kUnsupportedProtocolVersion);
  const Json* data = unsupported.find("error")->find("data");
  REQUIRE(data != nullptr);
  CHECK(*data->find("requested") == Json("v999"));
  REQUIRE(data->find("supported")->isArray());
  CHECK(data->find("supported")->items()[0] == Json("2026-07-28"));
  // A legacy request with that header is still refused by the transport, with its id.
  Headers v999_header = kPostHeaders;
  v999_header.emplace_back("MCP-Protocol-Version", "v999");
  Reply legacy = c.roundTrip("POST", "/mcp", v999_header,
                             R"({"jsonrpc":"2.0","id":25,"method":"tools/list"})");
  CHECK(legacy.status == 400);
  CHECK(*parse(legacy.body).find("id") == Json(25));
  // A result still comes on the SSE stream (with the progress made before it).
  Reply ok = c.roundTrip("POST", "/mcp", modernHeaders("work"), modernCall(26, "work"));
  CHECK(ok.status == 200);
  CHECK(ok.header("Content-Type") == "text/event-stream");
  // The next answer on this connection comes after the stream's end was handled.
  CHECK(c.roundTrip("GET", "/elsewhere", {}).status == 404);
  CHECK(f.server.sessionCount() == 0);
}

TEST_CASE("a 2026-07-28 error that comes after progress stays on the SSE stream", "[http]") {
  Fixture f;
  Tool late;
  late.name = "late";
  late.description = "reports progress, then fails";
  late.handler = [](const Json&, RequestContext& ctx) -> ToolResult {
    ctx.progress(1, 2, "half way");
    throw std::runtime_error("unreachable in the answer");
  };
  REQUIRE(f.server.addTool(std::move(late)).ok());
  Client c(f.port());
  Reply r = c.roundTrip("POST", "/mcp", modernHeaders("late"), modernCallWithProgress(31, "late"));
  CHECK(r.status == 200);
  CHECK(r.header("Content-Type") == "text/event-stream");
  auto messages = messagesOf(r.body);
  REQUIRE(messages.size() >= 2);
  CHECK(*messages.back().find("id") == Json(31));
}

TEST_CASE("Mcp-Name must equal params.taskId on tasks/get, tasks/update and tasks/cancel", "[http]") {
  Fixture f;
  Client c(f.port());
  for (const std::string m : {"tasks/get", "tasks/update", "tasks/cancel"}) {
    INFO(m);
    Reply r = c.roundTrip("POST", "/mcp", withHeader(modernMethodHeaders(m), "Mcp-Method", m),
                          modernRequest(41, m, R"("taskId":"t-1")"));
    // Without Mcp-Name: not a header mismatch (whatever the session answers).
    if (r.header("Content-Type") == "application/json")
      CHECK(parse(r.body).find("error")->find("code")->asInt() != error::kHeaderMismatch);
    Headers wrong = modernMethodHeaders(m);
    wrong.emplace_back("Mcp-Name", "t-2");
    Json e = modernError(c.roundTrip("POST", "/mcp", wrong, modernRequest(42, m, R"("taskId":"t-1")")),
                         400, 42, error::kHeaderMismatch);
    CHECK(e.find("error")->find("message")->asString().find("'t-2'") != std::string::npos);
    Headers right = modernMethodHeaders(m);
    right.emplace_back("Mcp-Name", "t-1");
    Reply same = c.roundTrip("POST", "/mcp", right, modernRequest(43, m, R"("taskId":"t-1")"));
    if (same.header("Content-Type") == "application/json")
      CHECK(parse(same.body).find("error")->find("code")->asInt() != error::kHeaderMismatch);
  }
}

TEST_CASE("stop() answers a 2026-07-28 request still waiting for its first message", "[http]") {
  Gate silent;  // before the fixture: outlives the worker that waits on it
  Fixture f;
  Tool quiet;
  quiet.name = "quiet";
  quiet.description = "waits for the test without a word";
  quiet.handler = [&silent](const Json&, RequestContext&) {
    silent.wait();
    return ToolResult::text("late");
  };
  REQUIRE(f.server.addTool(std::move(quiet)).ok());
  Client c(f.port());
  c.request("POST", "/mcp", modernHeaders("quiet"), modernCall(51, "quiet"));
  // The request's session exists once the worker holds its response (bounded wait).
  for (int i = 0; i < 1000 && f.server.sessionCount() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(f.server.sessionCount() == 1);
  const auto start = std::chrono::steady_clock::now();
  f.http->stop();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  Reply r = c.readReply();
  CHECK((r.status == 503 || r.status == 0));  // answered, or closed: never left hanging
  silent.open();
}
