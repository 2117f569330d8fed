// libhttp's http::Server against real clients on 127.0.0.1, port 0: a blocking raw-socket
// HTTP/1.1 client (every read gives up after 10 s) and, for HTTPS, an Asio TLS client that
// verifies a certificate generated here. Waits are bounded waits for the server's reaction
// (a reply, a closed connection, a handler that reports it started), never sleeps.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/buffers_iterator.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "http/server.hpp"
#include "vsmcp/log.hpp"

using namespace vsmcp;
using namespace vsmcp::http;
using std::chrono::steady_clock;

namespace {

using Params = std::vector<std::pair<std::string, std::string>>;
constexpr auto kWait = std::chrono::seconds(10);

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct Reply {
  int status = 0;  // 0: the connection ended before a status line
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names lower-cased
  std::string body;
  std::string header(const std::string& name) const {
    for (const auto& [k, v] : headers)
      if (k == lower(name)) return v;
    return "";
  }
  size_t count(const std::string& name) const {
    size_t n = 0;
    for (const auto& [k, v] : headers) n += k == lower(name) ? 1 : 0;
    return n;
  }
};

// Parses one response head ("HTTP/1.1 200 OK\r\n...\r\n\r\n" without the blank line).
Reply parseHead(const std::string& head) {
  Reply r;
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
    REQUIRE(colon != std::string::npos);
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    r.headers.emplace_back(lower(line.substr(0, colon)), value);
  }
  return r;
}

// A blocking HTTP/1.1 client over a POSIX socket; `source` = the local IPv4 address to send
// from (another loopback address such as 127.0.0.2 is another client address to the server).
class Client {
 public:
  explicit Client(unsigned short port, const char* source = nullptr) : port_(port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (source) {
      sockaddr_in local{};
      local.sin_family = AF_INET;
      REQUIRE(::inet_pton(AF_INET, source, &local.sin_addr) == 1);
      REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0);
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~Client() { closeNow(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void closeNow() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  void send(const std::string& raw) {
    size_t off = 0;
    while (off < raw.size()) {
      ssize_t n = ::send(fd_, raw.data() + off, raw.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;  // the server may have closed (413, refused): reading tells
      off += static_cast<size_t>(n);
    }
  }

  // A request with Host and, when there is a body, Content-Length.
  void request(const std::string& method, const std::string& target, const Params& headers = {},
               const std::string& body = "") {
    std::string raw = method + " " + target + " HTTP/1.1\r\n";
    bool has_host = false;
    for (const auto& [k, v] : headers) has_host = has_host || lower(k) == "host";
    if (!has_host) raw += "Host: 127.0.0.1:" + std::to_string(port_) + "\r\n";
    for (const auto& [k, v] : headers) raw += k + ": " + v + "\r\n";
    if (!body.empty()) raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    raw += "\r\n" + body;
    send(raw);
  }

  Reply readHead() {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return {};
    Reply r = parseHead(buf_.substr(0, end));
    buf_.erase(0, end + 4);
    return r;
  }

  // A response framed by Content-Length; `head` = the answer to a HEAD request (no body).
  Reply readReply(bool head = false) {
    Reply r = readHead();
    if (r.status == 0 || head || r.status == 204 || r.status == 304 || r.status / 100 == 1)
      return r;
    std::string cl = r.header("Content-Length");
    REQUIRE(!cl.empty());
    size_t length = std::stoul(cl);
    while (buf_.size() < length) REQUIRE(fill());
    r.body = buf_.substr(0, length);
    buf_.erase(0, length);
    return r;
  }

  Reply roundTrip(const std::string& method, const std::string& target, const Params& headers = {},
                  const std::string& body = "") {
    request(method, target, headers, body);
    return readReply(method == "HEAD");
  }

  // True when the server closed the connection (EOF or reset) before the read timeout, with
  // no bytes before that.
  // Everything received up to and including `needle` (bounded by the read timeout); "" when
  // the connection ended first.
  std::string readUntil(const std::string& needle) {
    size_t at;
    while ((at = buf_.find(needle)) == std::string::npos)
      if (!fill()) return "";
    std::string out = buf_.substr(0, at + needle.size());
    buf_.erase(0, at + needle.size());
    return out;
  }

  bool closedByServer() {
    if (!buf_.empty()) return false;
    char c;
    ssize_t n = ::recv(fd_, &c, 1, 0);
    if (n == 0) return true;
    return n < 0 && (errno == ECONNRESET || errno == EPIPE);
  }

 private:
  bool fill() {
    char tmp[8192];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  unsigned short port_;
  int fd_ = -1;
  std::string buf_;
};

bool canConnect(unsigned short port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// Holds handlers until the test opens it (10 s at most, so a failing test cannot hang).
class Gate {
 public:
  void open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool wait() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kWait, [this] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Counts events (handler started, inline handler saw a request); a test waits for a number.
class Counter {
 public:
  void add() {
    std::lock_guard<std::mutex> lock(mu_);
    ++n_;
    cv_.notify_all();
  }
  bool waitFor(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return n_ >= n; });
  }
  int value() {
    std::lock_guard<std::mutex> lock(mu_);
    return n_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int n_ = 0;
};

Response text(std::string body, int status = 200) {
  Response r;
  r.status = status;
  r.content_type = "text/plain";
  r.body = std::move(body);
  return r;
}

// "<METHOD> <path>": what most tests' handlers answer.
Response echo(const Request& req) { return text(req.method + " " + req.path); }

// A started Server; opens `gate` (if any) before stopping, so held handlers never delay it.
struct Running {
  Running(ServerOptions options, Handler handler, InlineHandler inline_handler = nullptr,
          Gate* gate = nullptr)
      : gate_(gate), server(std::move(options), std::move(handler), std::move(inline_handler)) {
    Status started = server.start();
    INFO(started.toString());
    REQUIRE(started.ok());
    REQUIRE(server.port() != 0);
  }
  ~Running() {
    if (gate_) gate_->open();
    server.stop();
  }
  unsigned short port() const { return server.port(); }

  Gate* gate_;
  Server server;
};

ServerOptions small(unsigned io_threads = 2, unsigned workers = 2) {
  ServerOptions o;
  o.io_threads = io_threads;
  o.workers = workers;
  return o;
}

// --- certificates -------------------------------------------------------------------------

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Pkey newKey() {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  REQUIRE(key);
  return key;
}

void writeKey(const std::string& path, EVP_PKEY* key) {
  std::unique_ptr<BIO, BioFree> out(BIO_new_file(path.c_str(), "w"));
  REQUIRE(out);
  REQUIRE(PEM_write_bio_PrivateKey(out.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1);
}

void addExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  REQUIRE(ext != nullptr);
  REQUIRE(X509_add_ext(cert, ext, -1) == 1);
  X509_EXTENSION_free(ext);
}

// A self-signed P-256 certificate for localhost and 127.0.0.1, valid for an hour, in a fresh
// temporary directory that goes away with this object. `other_key` holds a key that does not
// match it.
struct TlsFiles {
  TlsFiles() {
    char pattern[] = "/tmp/vsmcp-http-test-XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    dir = pattern;
    cert = dir + "/cert.pem";
    key = dir + "/key.pem";
    other_key = dir + "/other-key.pem";
    Pkey pkey = newKey();
    std::unique_ptr<X509, X509Free> x(X509_new());
    REQUIRE(x);
    X509_set_version(x.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(x.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600);
    REQUIRE(X509_set_pubkey(x.get(), pkey.get()) == 1);
    X509_NAME* name = X509_get_subject_name(x.get());
    REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                       reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                                       0) == 1);
    REQUIRE(X509_set_issuer_name(x.get(), name) == 1);
    addExtension(x.get(), NID_basic_constraints, "critical,CA:TRUE");
    addExtension(x.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
    REQUIRE(X509_sign(x.get(), pkey.get(), EVP_sha256()) > 0);
    {
      std::unique_ptr<BIO, BioFree> out(BIO_new_file(cert.c_str(), "w"));
      REQUIRE(out);
      REQUIRE(PEM_write_bio_X509(out.get(), x.get()) == 1);
    }
    writeKey(key, pkey.get());
    writeKey(other_key, newKey().get());
  }
  ~TlsFiles() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::string dir, cert, key, other_key;
};

// Sends `raw` over TLS (verifying the server against `ca_file` for the name "localhost") and
// reads until the server closes. nullopt when the connection or handshake failed.
std::optional<std::string> httpsExchange(unsigned short port, const std::string& ca_file,
                                         const std::string& raw) {
  namespace asio = boost::asio;
  namespace ssl = asio::ssl;
  asio::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(ca_file);
  ctx.set_verify_mode(ssl::verify_peer);
  ssl::stream<asio::ip::tcp::socket> stream(ioc, ctx);
  stream.set_verify_callback(ssl::host_name_verification("localhost"));
  boost::system::error_code ec;
  stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return std::nullopt;
  std::optional<boost::system::error_code> handshake;
  stream.async_handshake(ssl::stream_base::client,
                         [&](boost::system::error_code e) { handshake = e; });
  ioc.run_for(kWait);
  if (!handshake || *handshake) return std::nullopt;
  ioc.restart();
  asio::write(stream, asio::buffer(raw), ec);
  if (ec) return std::nullopt;
  asio::streambuf in;
  bool done = false;
  asio::async_read(stream, in, [&](boost::system::error_code, size_t) { done = true; });
  ioc.run_for(kWait);
  if (!done) return std::nullopt;
  return std::string(asio::buffers_begin(in.data()), asio::buffers_end(in.data()));
}

// The log lines written while it lives (at debug level).
class LogCapture {
 public:
  LogCapture() {
    vsmcp::setLogLevel(LogLevel::kDebug);
    vsmcp::setLogSink([this](LogLevel, std::string_view line) {
      std::lock_guard<std::mutex> lock(mu_);
      lines_.emplace_back(line);
    });
  }
  ~LogCapture() {
    vsmcp::setLogSink(nullptr);
    vsmcp::setLogLevel(LogLevel::kInfo);
  }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

}  // namespace

// --- Request accessors --------------------------------------------------------------------

TEST_CASE("query parameters are percent-decoded in order with repeats kept", "[http]") {
  Request r;
  r.query = "name=web%2F01&tag=a+b&tag=c%20d&flag&&empty=&x=%zz&y=50%&z=%00&%41=%4a";
  Params expected = {{"name", "web/01"}, {"tag", "a b"}, {"tag", "c d"},
                     {"flag", ""},       {"empty", ""},  {"x", "%zz"},
                     {"y", "50%"},       {"z", "%00"},   {"A", "J"}};
  CHECK(r.queryParams() == expected);
  r.query = "";
  CHECK(r.queryParams().empty());
  r.query = "a=1=2";
  CHECK(r.queryParams() == Params{{"a", "1=2"}});
}

TEST_CASE("path segments are percent-decoded and bad escapes give nullopt", "[http]") {
  Request r;
  r.path = "/vms/web%2F01";
  CHECK(r.decodedPathSegments() == std::vector<std::string>{"vms", "web/01"});
  r.path = "/vms/a+b%20c/";
  CHECK(r.decodedPathSegments() == std::vector<std::string>{"vms", "a+b c", ""});
  r.path = "/";
  auto root = r.decodedPathSegments();
  REQUIRE(root);
  CHECK(root->empty());
  r.path = "/a//b";
  CHECK(r.decodedPathSegments() == std::vector<std::string>{"a", "", "b"});
  for (const char* bad : {"/vms/%zz", "/vms/%2", "/vms/%", "/vms/a%00b", "/%g1/x"}) {
    r.path = bad;
    INFO(bad);
    CHECK_FALSE(r.decodedPathSegments().has_value());
  }
}

TEST_CASE("Request::header finds the first header whatever its case", "[http]") {
  Request r;
  r.headers = {{"Accept", "a"}, {"X-Thing", "one"}, {"x-thing", "two"}};
  CHECK(r.header("x-THING") == "one");
  CHECK(r.header("accept") == "a");
  CHECK(r.header("Missing").empty());
}

// --- serving ------------------------------------------------------------------------------

TEST_CASE("keep-alive serves several requests on one connection, pipelined ones in order",
          "[http]") {
  std::atomic<int> calls{0};
  Running srv(small(), [&](const Request& req) {
    ++calls;
    return echo(req);
  });
  Client c(srv.port());
  for (const char* path : {"/one", "/two", "/three"}) {
    Reply r = c.roundTrip("GET", path);
    CHECK(r.status == 200);
    CHECK(r.body == std::string("GET ") + path);
    CHECK(r.header("Connection").empty());
  }
  // Pipelined: all sent at once; answered in order, then closed after the last one.
  c.send(
      "GET /a HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
      "POST /b HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\nxyz"
      "GET /c HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  CHECK(c.readReply().body == "GET /a");
  CHECK(c.readReply().body == "POST /b");
  Reply last = c.readReply();
  CHECK(last.body == "GET /c");
  CHECK(last.header("Connection") == "close");
  CHECK(c.closedByServer());
  CHECK(calls == 6);
}

TEST_CASE("an HTTP/1.0 client is closed unless it asks for keep-alive", "[http]") {
  Running srv(small(), echo);
  Client keep(srv.port());
  keep.send("GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  Reply r = keep.readReply();
  CHECK(r.status == 200);
  CHECK(lower(r.header("Connection")) == "keep-alive");
  keep.send("GET /y HTTP/1.0\r\n\r\n");
  Reply second = keep.readReply();
  CHECK(second.body == "GET /y");
  CHECK(second.header("Connection") == "close");
  CHECK(keep.closedByServer());
}

TEST_CASE("every response carries Date, Server, Content-Length and X-Request-Id", "[http]") {
  ServerOptions o = small();
  o.server_header = "vsmcp-test/1";
  Running srv(o, echo);
  Client c(srv.port());
  for (const char* target : {"/ok", "/bad%zz"}) {
    Reply r = c.roundTrip("GET", target);
    CHECK(r.status == 200);
    CHECK(r.count("Date") == 1);
    std::string date = r.header("Date");
    CHECK(date.size() == 29);  // "Sun, 06 Nov 1994 08:49:37 GMT"
    CHECK(date.substr(date.size() - 4) == " GMT");
    CHECK(r.header("Server") == "vsmcp-test/1");
    CHECK(r.header("Content-Length") == std::to_string(r.body.size()));
    CHECK(r.count("X-Request-Id") == 1);
    CHECK(!r.header("X-Request-Id").empty());
    CHECK(r.header("Content-Type") == "text/plain");
  }
  // Server-made answers too.
  Client bad(srv.port());
  bad.send("BROKEN\r\n\r\n");
  Reply r = bad.readReply();
  CHECK(r.status == 400);
  CHECK(!r.header("Date").empty());
  CHECK(r.header("Server") == "vsmcp-test/1");
  CHECK(r.header("Content-Length") == std::to_string(r.body.size()));
  CHECK(!r.header("X-Request-Id").empty());
  CHECK(r.header("Content-Type") == "application/json");
  CHECK(r.body.find("\"status\":400") != std::string::npos);
}

TEST_CASE("the handler sees method, target, path, query, headers, body and peer", "[http]") {
  std::mutex mu;
  std::optional<Request> seen;
  Running srv(small(), [&](const Request& req) {
    std::lock_guard<std::mutex> lock(mu);
    seen = req;
    return text("ok");
  });
  Client c(srv.port());
  Reply r =
      c.roundTrip("PUT", "/vms/web%2F01?page_size=10&q=a+b",
                  {{"X-First", "1"}, {"Authorization", "Bearer t"}, {"x-first", "2"}}, "{\"a\":1}");
  REQUIRE(r.status == 200);
  std::lock_guard<std::mutex> lock(mu);
  REQUIRE(seen);
  CHECK(seen->method == "PUT");
  CHECK(seen->target == "/vms/web%2F01?page_size=10&q=a+b");
  CHECK(seen->path == "/vms/web%2F01");
  CHECK(seen->query == "page_size=10&q=a+b");
  CHECK(seen->body == "{\"a\":1}");
  CHECK(seen->remote_address == "127.0.0.1");
  CHECK(seen->header("x-first") == "1");
  CHECK(seen->header("authorization") == "Bearer t");
  CHECK(seen->decodedPathSegments() == std::vector<std::string>{"vms", "web/01"});
  CHECK(seen->queryParams() == Params{{"page_size", "10"}, {"q", "a b"}});
  // Arrival order, names as sent; the request id comes last.
  std::vector<std::string> names;
  for (const auto& [k, v] : seen->headers) names.push_back(k);
  CHECK(names == std::vector<std::string>{"Host", "X-First", "Authorization", "x-first",
                                          "Content-Length", "X-Request-Id"});
}

TEST_CASE("an absolute-form target gives its path and query", "[http]") {
  Running srv(small(), [](const Request& req) { return text(req.path + "|" + req.query); });
  Client c(srv.port());
  CHECK(c.roundTrip("GET", "http://127.0.0.1/vms/x?a=1").body == "/vms/x|a=1");
  CHECK(c.roundTrip("GET", "http://127.0.0.1").body == "/|");
}

TEST_CASE("the inline handler answers on the I/O thread and passes the rest to workers", "[http]") {
  std::mutex mu;
  std::set<std::thread::id> inline_threads, worker_threads;
  std::atomic<int> inline_calls{0}, worker_calls{0};
  Running srv(
      small(1, 2),
      [&](const Request& req) {
        ++worker_calls;
        std::lock_guard<std::mutex> lock(mu);
        worker_threads.insert(std::this_thread::get_id());
        return text("worker " + req.path);
      },
      [&](const Request& req) -> std::optional<Response> {
        ++inline_calls;
        {
          std::lock_guard<std::mutex> lock(mu);
          inline_threads.insert(std::this_thread::get_id());
        }
        if (req.path == "/health") return text("inline");
        return std::nullopt;
      });
  Client c(srv.port());
  CHECK(c.roundTrip("GET", "/health").body == "inline");
  CHECK(c.roundTrip("GET", "/vms").body == "worker /vms");
  CHECK(c.roundTrip("GET", "/health").body == "inline");
  CHECK(inline_calls == 3);
  CHECK(worker_calls == 1);
  std::lock_guard<std::mutex> lock(mu);
  CHECK(inline_threads.size() == 1);  // one I/O thread
  REQUIRE(worker_threads.size() == 1);
  CHECK(inline_threads.count(*worker_threads.begin()) == 0);
}

TEST_CASE("slow handlers run concurrently and do not block an inline answer", "[http]") {
  Gate gate;
  Counter started;
  Running srv(
      small(1, 2),
      [&](const Request& req) {
        started.add();
        return gate.wait() ? text("released " + req.path) : text("gate timeout", 500);
      },
      [](const Request& req) -> std::optional<Response> {
        if (req.path == "/health") return text("healthy");
        return std::nullopt;
      },
      &gate);
  Client a(srv.port()), b(srv.port()), health(srv.port());
  a.request("GET", "/slow-a");
  b.request("GET", "/slow-b");
  REQUIRE(started.waitFor(2));  // both workers hold a request at the same time
  Reply h = health.roundTrip("GET", "/health");
  CHECK(h.status == 200);
  CHECK(h.body == "healthy");
  gate.open();
  CHECK(a.readReply().body == "released /slow-a");
  CHECK(b.readReply().body == "released /slow-b");
}

TEST_CASE("a body over max_body_bytes gets 413 before the body is sent", "[http]") {
  ServerOptions o = small();
  o.max_body_bytes = 1024;
  std::atomic<int> calls{0};
  Running srv(o, [&](const Request& req) {
    ++calls;
    return text(std::to_string(req.body.size()));
  });
  {
    Client c(srv.port());
    // Only the head: the server answers without waiting for the 100000 bytes.
    c.send("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n");
    Reply r = c.readReply();
    CHECK(r.status == 413);
    CHECK(r.header("Connection") == "close");
    CHECK(c.closedByServer());
  }
  {
    // Chunked: no length announced; refused once the limit is crossed.
    Client c(srv.port());
    std::string chunk(600, 'x');
    c.send("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n" +
           chunk + "\r\n258\r\n" + chunk + "\r\n");
    CHECK(c.readReply().status == 413);
  }
  CHECK(calls == 0);
  {
    // Exactly at the limit passes, chunked or not.
    Client c(srv.port());
    CHECK(c.roundTrip("POST", "/upload", {}, std::string(1024, 'y')).body == "1024");
    c.send(
        "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        "200\r\n" +
        std::string(512, 'z') + "\r\n200\r\n" + std::string(512, 'z') + "\r\n0\r\n\r\n");
    CHECK(c.readReply().body == "1024");
  }
  CHECK(calls == 2);
}

TEST_CASE("a header block over max_header_bytes gets 431", "[http]") {
  ServerOptions o = small();
  o.max_header_bytes = 4096;
  Running srv(o, echo);
  Client c(srv.port());
  c.send("GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(8000, 'a') + "\r\n\r\n");
  Reply r = c.readReply();
  CHECK(r.status == 431);
  CHECK(c.closedByServer());
  Client ok(srv.port());
  CHECK(ok.roundTrip("GET", "/x", {{"X-Small", std::string(1000, 'a')}}).status == 200);
}

TEST_CASE("Expect 100-continue gets 100 Continue before the body is sent", "[http]") {
  Running srv(small(), [](const Request& req) { return text("got " + req.body); });
  Client c(srv.port());
  c.send(
      "POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  Reply interim = c.readHead();
  CHECK(interim.status == 100);
  c.send("hello");
  Reply r = c.readReply();
  CHECK(r.status == 200);
  CHECK(r.body == "got hello");
  // An expectation the server does not know is refused.
  Client other(srv.port());
  CHECK(other.roundTrip("POST", "/x", {{"Expect", "teapot"}}, "x").status == 417);
}

TEST_CASE("a client that sends too slowly gets 408 within request_timeout", "[http]") {
  ServerOptions o = small();
  o.request_timeout = std::chrono::seconds(1);
  std::atomic<int> calls{0};
  Running srv(o, [&](const Request& req) {
    ++calls;
    return echo(req);
  });
  {
    Client c(srv.port());
    c.send("GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Part");  // and then nothing
    auto start = steady_clock::now();
    Reply r = c.readReply();
    CHECK(r.status == 408);
    CHECK(steady_clock::now() - start < std::chrono::seconds(5));
    CHECK(c.closedByServer());
  }
  {
    // The header arrived, the body does not.
    Client c(srv.port());
    c.send("POST /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\nabc");
    CHECK(c.readReply().status == 408);
    CHECK(c.closedByServer());
  }
  {
    // A connection that never sends a byte is closed without an answer.
    Client c(srv.port());
    CHECK(c.readReply().status == 0);
  }
  CHECK(calls == 0);
}

TEST_CASE("an idle keep-alive connection is closed after idle_timeout without an answer",
          "[http]") {
  ServerOptions o = small();
  o.idle_timeout = std::chrono::seconds(1);
  Running srv(o, echo);
  Client c(srv.port());
  CHECK(c.roundTrip("GET", "/x").status == 200);
  auto start = steady_clock::now();
  CHECK(c.closedByServer());
  CHECK(steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("a full queue answers 503 with Retry-After", "[http]") {
  ServerOptions o = small(1, 1);  // one I/O thread: requests are taken in the order they come
  o.max_queued = 1;
  Gate gate;
  Counter started, seen;
  Running srv(
      o,
      [&](const Request& req) {
        started.add();
        return gate.wait() ? echo(req) : text("gate timeout", 500);
      },
      [&](const Request&) -> std::optional<Response> {
        seen.add();
        return std::nullopt;
      },
      &gate);
  Client running(srv.port()), queued(srv.port()), refused(srv.port());
  running.request("GET", "/running");
  REQUIRE(started.waitFor(1));  // the only worker is busy
  queued.request("GET", "/queued");
  REQUIRE(seen.waitFor(2));  // taken by the I/O thread, so queued before the next request
  Reply r = refused.roundTrip("GET", "/refused");
  CHECK(r.status == 503);
  CHECK(r.header("Retry-After") == "1");
  CHECK(seen.value() == 3);
  gate.open();
  CHECK(running.readReply().body == "GET /running");
  CHECK(queued.readReply().body == "GET /queued");
  // The refused client's connection stays usable.
  CHECK(refused.roundTrip("GET", "/again").body == "GET /again");
}

TEST_CASE("max_connections closes further connections at once", "[http]") {
  ServerOptions o = small();
  o.max_connections = 2;
  Running srv(o, echo);
  auto one = std::make_unique<Client>(srv.port());
  Client two(srv.port());
  CHECK(one->roundTrip("GET", "/1").status == 200);
  CHECK(two.roundTrip("GET", "/2").status == 200);
  {
    Client three(srv.port());  // the kernel accepts, the server closes
    three.request("GET", "/3");
    CHECK(three.readReply().status == 0);
  }
  one.reset();  // frees a slot once the server notices
  bool served = false;
  for (auto deadline = steady_clock::now() + kWait; !served && steady_clock::now() < deadline;) {
    Client next(srv.port());
    served = next.roundTrip("GET", "/4").status == 200;
  }
  CHECK(served);
  CHECK(two.roundTrip("GET", "/2").status == 200);
}

TEST_CASE("by default the 65th connection of one address gets 503 and other addresses are served",
          "[http]") {
  ServerOptions o = small();
  REQUIRE(o.max_connections_per_address == 64);
  Counter handled;
  Running srv(o, [&](const Request& req) {
    handled.add();
    return echo(req);
  });
  // One client holds 64 connections, each with a request it never finishes.
  std::vector<std::unique_ptr<Client>> held;
  for (int i = 0; i < 64; ++i) {
    held.push_back(std::make_unique<Client>(srv.port()));
    held.back()->send("GET /held HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  }
  // Connections are accepted in the order they were made: this one is the 65th.
  Client over(srv.port());
  Reply refused = over.readReply();  // answered before it sends anything
  CHECK(refused.status == 503);
  CHECK(refused.header("Connection") == "close");
  CHECK(refused.header("Retry-After") == "1");
  CHECK(refused.body.find("\"status\":503") != std::string::npos);
  CHECK(refused.body.find("too many connections from 127.0.0.1") != std::string::npos);
  CHECK(over.closedByServer());
  // Another address (loopback too) still reaches the server, and the held requests work.
  Client other(srv.port(), "127.0.0.2");
  CHECK(other.roundTrip("GET", "/health").body == "GET /health");
  held.back()->send("\r\n");
  CHECK(held.back()->readReply().body == "GET /held");
  CHECK(handled.value() == 2);
}

TEST_CASE("max_connections_per_address answers 503 in the error_body format, frees slots on close",
          "[http]") {
  ServerOptions o = small();
  o.max_connections_per_address = 2;
  o.error_body = [](int status, const std::string& message) {
    return "{\"success\":false,\"status\":" + std::to_string(status) + ",\"message\":\"" + message +
           "\"}";
  };
  Running srv(o, echo);
  auto one = std::make_unique<Client>(srv.port());
  Client two(srv.port());
  one->send("GET /1 HTTP/1.1\r\nHost: 127.0.0.1\r\n");  // half-sent
  CHECK(two.roundTrip("GET", "/2").body == "GET /2");   // idle keep-alive counts too
  {
    Client three(srv.port());
    three.request("GET", "/3");
    Reply r = three.readReply();
    CHECK(r.status == 503);
    CHECK(r.body.rfind("{\"success\":false,\"status\":503,\"message\":", 0) == 0);
    CHECK(r.body.find("at most 2") != std::string::npos);
    CHECK(!r.header("X-Request-Id").empty());
    CHECK(r.header("Connection") == "close");
    CHECK(three.closedByServer());
  }
  Client elsewhere(srv.port(), "127.0.0.3");
  CHECK(elsewhere.roundTrip("GET", "/x").status == 200);
  one.reset();  // frees a slot once the server notices
  bool served = false;
  for (auto deadline = steady_clock::now() + kWait; !served && steady_clock::now() < deadline;) {
    Client next(srv.port());
    served = next.roundTrip("GET", "/4").status == 200;
  }
  CHECK(served);
  CHECK(two.roundTrip("GET", "/2").status == 200);
}

TEST_CASE("an address past its cap has as many 503 answers in progress at most, then is closed",
          "[http]") {
  ServerOptions o = small();
  o.max_connections_per_address = 1;
  Running srv(o, echo);
  Client held(srv.port());
  held.send("GET /held HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  Client refused(srv.port());  // answered, then the server lingers (2 s) for it to close
  CHECK(refused.readReply().status == 503);
  Client dropped(srv.port());  // while that answer is in progress: closed without one
  CHECK(dropped.readReply().status == 0);
  held.send("\r\n");
  CHECK(held.readReply().body == "GET /held");
}

TEST_CASE("max_connections_per_address 0 means no cap per address", "[http]") {
  ServerOptions o = small();
  o.max_connections_per_address = 0;
  Running srv(o, echo);
  std::vector<std::unique_ptr<Client>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<Client>(srv.port()));
    held.back()->send("GET /held HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  }
  Client c(srv.port());
  CHECK(c.roundTrip("GET", "/x").status == 200);
}

TEST_CASE("HEAD gets the headers and Content-Length without a body", "[http]") {
  Running srv(small(), [](const Request&) { return text("twelve bytes"); });
  Client c(srv.port());
  Reply head = c.roundTrip("HEAD", "/x");
  CHECK(head.status == 200);
  CHECK(head.header("Content-Length") == "12");
  // Had a body followed, this reply would start inside it.
  Reply get = c.roundTrip("GET", "/x");
  CHECK(get.status == 200);
  CHECK(get.body == "twelve bytes");
}

TEST_CASE("204 has no body and no Content-Length", "[http]") {
  Running srv(small(), [](const Request&) { return text("dropped", 204); });
  Client c(srv.port());
  Reply r = c.roundTrip("DELETE", "/x");
  CHECK(r.status == 204);
  CHECK(r.count("Content-Length") == 0);
  Reply next = c.roundTrip("GET", "/x");  // would fail to parse after a stray body
  CHECK(next.status == 204);
}

TEST_CASE("malformed requests get 400 and the connection closes", "[http]") {
  std::atomic<int> calls{0};
  Running srv(small(), [&](const Request& req) {
    ++calls;
    return echo(req);
  });
  struct Case {
    const char* what;
    std::string raw;
    int status;
  };
  const std::vector<Case> cases = {
      {"garbage", "\x01\x02 garbage \xff\r\n\r\n", 400},
      {"conflicting Content-Length",
       "POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
       400},
      {"Content-Length and chunked",
       "POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nTransfer-Encoding: "
       "chunked\r\n\r\n"
       "3\r\nabc\r\n0\r\n\r\n",
       400},
      {"no Host in HTTP/1.1", "GET /x HTTP/1.1\r\n\r\n", 400},
      {"two Hosts", "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: localhost\r\n\r\n", 400},
      {"target not a path", "GET vms HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400},
      {"chunked not last",
       "POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400},
      {"unknown coding only",
       "POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip\r\n\r\nabc", 400},
      {"unknown coding before chunked",
       "POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip, "
       "chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
       501},
      {"Transfer-Encoding in HTTP/1.0",
       "POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 400},
      {"bad chunk size",
       "POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
  };
  for (const auto& k : cases) {
    INFO(k.what);
    Client c(srv.port());
    c.send(k.raw);
    Reply r = c.readReply();
    CHECK(r.status == k.status);
    CHECK(r.header("Connection") == "close");
    CHECK(c.closedByServer());
  }
  CHECK(calls == 0);
  Client ok(srv.port());
  CHECK(ok.roundTrip("GET", "/alive").body == "GET /alive");
  CHECK(ok.roundTrip("OPTIONS", "*").body == "OPTIONS *");
}

TEST_CASE("a handler response with CR, LF or a bad name in a header gets 500", "[http]") {
  auto with = [](std::string name, std::string value) {
    Response r = text("body");
    r.headers.emplace_back(std::move(name), std::move(value));
    return r;
  };
  Running srv(
      small(),
      [&](const Request& req) {
        if (req.path == "/crlf") return with("X-Ok", "a\r\nX-Evil: 1");
        if (req.path == "/lf") return with("X-Ok", "a\nX-Evil: 1");
        if (req.path == "/nul") return with("X-Ok", std::string("a\0b", 3));
        if (req.path == "/name") return with("X-Evil: 1\r\nX-Ok", "a");
        if (req.path == "/space") return with("X Ok", "a");
        if (req.path == "/empty") return with("", "a");
        if (req.path == "/type") {
          Response r = text("body");
          r.content_type = "text/plain\r\nX-Evil: 1";
          return r;
        }
        if (req.path == "/status") return text("body", 99);
        if (req.path == "/status600") return text("body", 600);
        return with("X-Ok", "fine");
      },
      [&](const Request& req) -> std::optional<Response> {
        if (req.path == "/inline") return with("X-Ok", "a\r\nX-Evil: 1");
        return std::nullopt;
      });
  Client c(srv.port());
  for (const char* path : {"/crlf", "/lf", "/nul", "/name", "/space", "/empty", "/type", "/status",
                           "/status600", "/inline"}) {
    INFO(path);
    Reply r = c.roundTrip("GET", path);
    CHECK(r.status == 500);
    CHECK(r.count("X-Evil") == 0);
    CHECK(r.count("X-Ok") == 0);
    CHECK(r.body.find("body") == std::string::npos);
  }
  Reply fine = c.roundTrip("GET", "/fine");
  CHECK(fine.status == 200);
  CHECK(fine.header("X-Ok") == "fine");
}

TEST_CASE("headers of the server's own override those a handler sets", "[http]") {
  Running srv(small(), [](const Request&) {
    Response r = text("four");
    r.headers = {{"Content-Length", "999"},
                 {"Connection", "close"},
                 {"X-Request-Id", "mine"},
                 {"Server", "other"},
                 {"Date", "yesterday"},
                 {"Content-Type", "x/y"},
                 {"Transfer-Encoding", "chunked"},
                 {"X-Custom", "kept"},
                 {"Set-Cookie", "a=1"},
                 {"Set-Cookie", "b=2"}};
    return r;
  });
  Client c(srv.port());
  Reply r = c.roundTrip("GET", "/x", {{"X-Request-Id", "client-id"}});
  CHECK(r.status == 200);
  CHECK(r.header("Content-Length") == "4");
  CHECK(r.body == "four");
  CHECK(r.count("Connection") == 0);
  CHECK(r.header("X-Request-Id") == "client-id");
  CHECK(r.header("Server") == "vsmcp");
  CHECK(r.header("Date") != "yesterday");
  CHECK(r.header("Content-Type") == "text/plain");
  CHECK(r.count("Transfer-Encoding") == 0);
  CHECK(r.header("X-Custom") == "kept");
  CHECK(r.count("Set-Cookie") == 2);
  CHECK(c.roundTrip("GET", "/again").status == 200);  // still open
}

TEST_CASE("handler exceptions become 500 and the connection stays usable", "[http]") {
  Running srv(
      small(),
      [](const Request& req) -> Response {
        if (req.path == "/throw") throw std::runtime_error("boom");
        if (req.path == "/throw-int") throw 42;
        return echo(req);
      },
      [](const Request& req) -> std::optional<Response> {
        if (req.path == "/inline-throw") throw std::logic_error("inline boom");
        return std::nullopt;
      });
  Client c(srv.port());
  for (const char* path : {"/throw", "/throw-int", "/inline-throw"}) {
    INFO(path);
    Reply r = c.roundTrip("GET", path);
    CHECK(r.status == 500);
    CHECK(r.body.find("boom") == std::string::npos);  // no internals to the client
  }
  CHECK(c.roundTrip("GET", "/fine").body == "GET /fine");
}

TEST_CASE("handler_timeout answers 504 and drops the late response", "[http]") {
  ServerOptions o = small(1, 1);  // one worker: the late answer is posted before the next one
  o.handler_timeout = std::chrono::seconds(1);
  Gate gate;
  Counter finished;
  Running srv(
      o,
      [&](const Request& req) {
        if (req.path == "/slow") {
          bool opened = gate.wait();
          finished.add();
          return opened ? text("late") : text("gate timeout", 500);
        }
        return text("fast");
      },
      nullptr, &gate);
  Client c(srv.port());
  auto start = steady_clock::now();
  Reply r = c.roundTrip("GET", "/slow");
  CHECK(r.status == 504);
  CHECK(steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(r.header("Connection").empty());  // the connection stays open
  c.request("GET", "/fast");
  gate.open();
  CHECK(finished.waitFor(1));  // the handler still finished
  Reply next = c.readReply();
  CHECK(next.status == 200);
  CHECK(next.body == "fast");
}

TEST_CASE("X-Request-Id is echoed when sane and generated otherwise", "[http]") {
  std::mutex mu;
  std::vector<std::string> seen;
  Running srv(small(), [&](const Request& req) {
    std::lock_guard<std::mutex> lock(mu);
    size_t ids = 0;
    for (const auto& [k, v] : req.headers) ids += lower(k) == "x-request-id" ? 1 : 0;
    seen.push_back(std::to_string(ids) + " " + req.header("X-Request-Id"));
    return text("ok");
  });
  Client c(srv.port());
  const std::string sane = "Abc.123_xyz-" + std::string(116, '9');  // 128 characters
  CHECK(c.roundTrip("GET", "/", {{"X-Request-Id", sane}}).header("X-Request-Id") == sane);
  const std::vector<std::string> insane = {std::string(129, 'a'), "has space", "semi;colon",
                                           "<script>", ""};
  std::set<std::string> generated;
  for (const auto& bad : insane) {
    INFO(bad);
    std::string id = c.roundTrip("GET", "/", {{"x-request-id", bad}}).header("X-Request-Id");
    CHECK(id != bad);
    CHECK(!id.empty());
    generated.insert(id);
  }
  generated.insert(c.roundTrip("GET", "/").header("X-Request-Id"));
  generated.insert(c.roundTrip("GET", "/").header("X-Request-Id"));
  CHECK(generated.size() == insane.size() + 2);  // all different
  for (const auto& id : generated) {
    CHECK(id.size() <= 128);
    CHECK(id.find_first_not_of("abcdefABCDEF0123456789.-_") == std::string::npos);
  }
  // A second X-Request-Id from the client is not passed on; the handler sees exactly one.
  CHECK(c.roundTrip("GET", "/", {{"X-Request-Id", "first"}, {"X-Request-Id", "second"}})
            .header("X-Request-Id") == "first");
  std::lock_guard<std::mutex> lock(mu);
  REQUIRE(seen.size() == insane.size() + 4);
  CHECK(seen.front() == "1 " + sane);
  CHECK(seen.back() == "1 first");
  for (const auto& s : seen) CHECK(s.rfind("1 ", 0) == 0);
  // What the handler saw for a generated id is what the client got.
  CHECK(generated.count(seen[1].substr(2)) == 1);
}

TEST_CASE("a Host or Origin other than loopback is refused on a loopback address", "[http]") {
  Running srv(small(), echo);
  Client c(srv.port());
  const std::string port = std::to_string(srv.port());
  CHECK(c.roundTrip("GET", "/x", {{"Host", "localhost:" + port}}).status == 200);
  CHECK(c.roundTrip("GET", "/x", {{"Host", "[::1]:" + port}}).status == 200);
  CHECK(c.roundTrip("GET", "/x", {{"Origin", "http://127.0.0.1:" + port}}).status == 200);
  CHECK(c.roundTrip("GET", "/x", {{"Origin", "https://localhost"}}).status == 200);
  Client evil_host(srv.port());
  CHECK(evil_host.roundTrip("GET", "/x", {{"Host", "evil.example:" + port}}).status == 403);
  Client evil_origin(srv.port());
  CHECK(evil_origin.roundTrip("GET", "/x", {{"Origin", "http://evil.example"}}).status == 403);
  Client null_origin(srv.port());
  CHECK(null_origin.roundTrip("GET", "/x", {{"Origin", "null"}}).status == 403);
}

TEST_CASE("on a non-loopback address any Host and Origin pass", "[http]") {
  ServerOptions o = small();
  o.host = "0.0.0.0";
  Running srv(o, echo);
  CHECK(srv.server.url() == "http://0.0.0.0:" + std::to_string(srv.port()));
  Client c(srv.port());
  CHECK(c.roundTrip("GET", "/x", {{"Host", "vsmcp.example.com"}, {"Origin", "https://ui.example"}})
            .status == 200);
}

TEST_CASE("logs name requests without bodies or Authorization values", "[http]") {
  LogCapture logs;
  {
    Running srv(small(), [](const Request& req) -> Response {
      if (req.path == "/throw") throw std::runtime_error("handler failure");
      return text("ok");
    });
    Client c(srv.port());
    Params secret = {{"Authorization", "Bearer tok-SECRET-123"}, {"X-Request-Id", "req-77"}};
    CHECK(c.roundTrip("POST", "/throw", secret, "body-SECRET-456").status == 500);
    CHECK(c.roundTrip("POST", "/ok", secret, "body-SECRET-456").status == 200);
  }
  bool failure_logged = false, access_logged = false;
  for (const auto& line : logs.lines()) {
    INFO(line);
    CHECK(line.find("SECRET") == std::string::npos);
    if (line.find("handler failure") != std::string::npos &&
        line.find("req-77") != std::string::npos)
      failure_logged = true;
    if (line.find("/ok -> 200") != std::string::npos) access_logged = true;
  }
  CHECK(failure_logged);
  CHECK(access_logged);
}

// --- TLS ----------------------------------------------------------------------------------

TEST_CASE("HTTPS serves requests with a certificate generated for the test", "[http]") {
  TlsFiles files;
  ServerOptions o = small();
  o.tls_cert_file = files.cert;
  o.tls_key_file = files.key;
  Running srv(o, [](const Request& req) { return text("secure " + req.path + " " + req.body); });
  CHECK(srv.server.url() == "https://127.0.0.1:" + std::to_string(srv.port()));
  auto text = httpsExchange(srv.port(), files.cert,
                            "POST /tls HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nhi"
                            "GET /second HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  REQUIRE(text);
  CHECK(text->rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  size_t first = text->find("secure /tls hi");
  CHECK(first != std::string::npos);
  CHECK(text->find("secure /second ", first) != std::string::npos);
  // HTTPS only: plain HTTP gets no HTTP answer.
  Client plain(srv.port());
  plain.request("GET", "/x");
  CHECK(plain.readReply().status == 0);
}

TEST_CASE("over HTTPS a connection past the per-address cap gets 503 after the handshake",
          "[http]") {
  TlsFiles files;
  ServerOptions o = small();
  o.tls_cert_file = files.cert;
  o.tls_key_file = files.key;
  o.max_connections_per_address = 1;
  Running srv(o, echo);
  Client held(srv.port());  // admitted: it waits in the TLS handshake
  auto answer = httpsExchange(srv.port(), files.cert,
                              "GET /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  REQUIRE(answer);
  CHECK(answer->rfind("HTTP/1.1 503 ", 0) == 0);
  CHECK(answer->find("too many connections from 127.0.0.1") != std::string::npos);
}

TEST_CASE("TLS file problems are kTls errors that name the file", "[http]") {
  TlsFiles files;
  auto startWith = [](const std::string& cert, const std::string& key) {
    ServerOptions o;
    o.tls_cert_file = cert;
    o.tls_key_file = key;
    Server s(o, echo);
    return s.start();
  };
  const std::string missing = files.dir + "/missing.pem";
  Status no_cert = startWith(missing, files.key);
  CHECK(no_cert.code() == ErrorCode::kTls);
  CHECK(no_cert.message().find(missing) != std::string::npos);
  Status no_key = startWith(files.cert, missing);
  CHECK(no_key.code() == ErrorCode::kTls);
  CHECK(no_key.message().find(missing) != std::string::npos);
  const std::string garbage = files.dir + "/garbage.pem";
  std::ofstream(garbage) << "not a certificate\n";
  Status bad_cert = startWith(garbage, files.key);
  CHECK(bad_cert.code() == ErrorCode::kTls);
  CHECK(bad_cert.message().find(garbage) != std::string::npos);
  Status bad_key = startWith(files.cert, garbage);
  CHECK(bad_key.code() == ErrorCode::kTls);
  CHECK(bad_key.message().find(garbage) != std::string::npos);
  Status mismatch = startWith(files.cert, files.other_key);
  CHECK(mismatch.code() == ErrorCode::kTls);
  CHECK(mismatch.message().find(files.other_key) != std::string::npos);
  CHECK(startWith(files.cert, "").code() == ErrorCode::kInvalidArgument);
  CHECK(startWith(files.cert, files.key).ok());
}

// --- lifecycle ----------------------------------------------------------------------------

TEST_CASE("start reports a bad host, a port in use and a second call", "[http]") {
  ServerOptions bad_host;
  bad_host.host = "no such host.invalid";
  CHECK(Server(bad_host, echo).start().code() == ErrorCode::kInvalidArgument);
  ServerOptions no_workers;
  no_workers.workers = 0;
  CHECK(Server(no_workers, echo).start().code() == ErrorCode::kInvalidArgument);
  ServerOptions bad_header;
  bad_header.server_header = "x\r\nEvil: 1";
  CHECK(Server(bad_header, echo).start().code() == ErrorCode::kInvalidArgument);
  ServerOptions no_connections;
  no_connections.max_connections = 0;
  CHECK(Server(no_connections, echo).start().code() == ErrorCode::kInvalidArgument);
  ServerOptions zero_timeout;
  zero_timeout.request_timeout = std::chrono::seconds(0);
  CHECK(Server(zero_timeout, echo).start().code() == ErrorCode::kInvalidArgument);
  zero_timeout = ServerOptions{};
  zero_timeout.idle_timeout = std::chrono::seconds(0);
  CHECK(Server(zero_timeout, echo).start().code() == ErrorCode::kInvalidArgument);
  CHECK(Server(ServerOptions{}, nullptr).start().code() == ErrorCode::kInvalidArgument);

  Server first(ServerOptions{}, echo);
  CHECK(first.port() == 0);
  CHECK(first.url().empty());
  REQUIRE(first.start().ok());
  CHECK(first.url() == "http://127.0.0.1:" + std::to_string(first.port()));
  ServerOptions same;
  same.port = first.port();
  Status in_use = Server(same, echo).start();
  CHECK(in_use.code() == ErrorCode::kUnavailable);
  CHECK(in_use.message().find(std::to_string(first.port())) != std::string::npos);
  CHECK(first.start().code() == ErrorCode::kInvalidState);
  first.stop();
  first.stop();  // idempotent
  CHECK(first.start().code() == ErrorCode::kInvalidState);
}

TEST_CASE("stop() with open idle connections returns promptly and closes them", "[http]") {
  auto srv = std::make_unique<Running>(small(), echo);
  Client idle(srv->port()), silent(srv->port()), partial(srv->port());
  CHECK(idle.roundTrip("GET", "/x").status == 200);
  partial.send("GET /half HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  // `silent` never sends; make sure the server has taken all three.
  CHECK(Client(srv->port()).roundTrip("GET", "/y").status == 200);
  auto start = steady_clock::now();
  srv->server.stop();
  CHECK(steady_clock::now() - start < std::chrono::seconds(2));
  CHECK(idle.closedByServer());
  CHECK(silent.closedByServer());
  CHECK(partial.readReply().status == 0);
  CHECK_FALSE(canConnect(srv->port()));
}

TEST_CASE("stop() answers a running request and refuses a queued one", "[http]") {
  ServerOptions o = small(1, 1);
  Gate gate;
  Counter started, seen;
  auto srv = std::make_unique<Running>(
      o,
      [&](const Request& req) {
        started.add();
        return gate.wait() ? echo(req) : text("gate timeout", 500);
      },
      [&](const Request&) -> std::optional<Response> {
        seen.add();
        return std::nullopt;
      },
      &gate);
  Client running(srv->port()), queued(srv->port()), idle(srv->port());
  running.request("GET", "/running");
  REQUIRE(started.waitFor(1));
  queued.request("GET", "/queued");
  REQUIRE(seen.waitFor(2));
  auto stopped = std::async(std::launch::async, [&] { srv->server.stop(); });
  CHECK(idle.closedByServer());
  Reply refused = queued.readReply();
  CHECK(refused.status == 503);
  CHECK(refused.header("Retry-After") == "1");
  CHECK(stopped.wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout);
  gate.open();
  Reply answered = running.readReply();
  CHECK(answered.status == 200);
  CHECK(answered.body == "GET /running");
  CHECK(answered.header("Connection") == "close");
  CHECK(running.closedByServer());
  CHECK(stopped.wait_for(kWait) == std::future_status::ready);
  CHECK(started.value() == 1);  // the queued request never ran
}

TEST_CASE("serveUntilSignal serves until SIGTERM, then stops", "[http]") {
  Server server(small(), echo);
  std::promise<std::string> ready;
  auto served = std::async(std::launch::async, [&] {
    return serveUntilSignal(server, [&](const std::string& url) { ready.set_value(url); });
  });
  auto url_future = ready.get_future();
  REQUIRE(url_future.wait_for(kWait) == std::future_status::ready);
  std::string url = url_future.get();
  CHECK(url == "http://127.0.0.1:" + std::to_string(server.port()));
  Client c(server.port());
  CHECK(c.roundTrip("GET", "/x").status == 200);
  REQUIRE(::kill(::getpid(), SIGTERM) == 0);
  REQUIRE(served.wait_for(kWait) == std::future_status::ready);
  Status st = served.get();
  CHECK(st.ok());
  CHECK(c.closedByServer());
  CHECK_FALSE(canConnect(server.port()));
}

TEST_CASE("serveUntilSignal returns the start error", "[http]") {
  Server busy(ServerOptions{}, echo);
  REQUIRE(busy.start().ok());
  ServerOptions same;
  same.port = busy.port();
  Server second(same, echo);
  bool called = false;
  Status st = serveUntilSignal(second, [&](const std::string&) { called = true; });
  CHECK(st.code() == ErrorCode::kUnavailable);
  CHECK_FALSE(called);
}

TEST_CASE("answers the server makes itself use the error_body format when one is given", "[http]") {
  ServerOptions o = small();
  o.max_body_bytes = 1024;
  o.error_body = [](int status, const std::string& message) {
    return "{\"success\":false,\"status\":" + std::to_string(status) + ",\"message\":\"" + message + "\"}";
  };
  Running srv(o, [](const Request&) { return text("handled"); });
  Client c(srv.port());
  c.send("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n");
  Reply r = c.readReply();
  REQUIRE(r.status == 413);
  CHECK(r.body.rfind("{\"success\":false,\"status\":413,\"message\":", 0) == 0);
  // A handler's own answers are untouched.
  Client d(srv.port());
  d.request("GET", "/x");
  CHECK(d.readReply().body == "handled");
}

// --- streamed responses, drain, the Host/Origin policy --------------------------------------

namespace {

// A StreamSource the test feeds from its own thread; records how the response ended.
class TestSource final : public StreamSource {
 public:
  void open(std::function<void()> wake) override {
    std::lock_guard<std::mutex> lock(mu_);
    wake_ = std::move(wake);
    opened_ = true;
    cv_.notify_all();
  }
  bool pull(std::vector<Piece>& out) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& p : pending_) out.push_back(std::make_shared<const std::string>(std::move(p)));
    pending_.clear();
    return complete_;
  }
  void close(bool complete) override {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = complete;
    cv_.notify_all();
  }
  // Adds a piece (and ends the body when `last`), then wakes the server.
  void push(std::string piece, bool last = false) {
    std::function<void()> wake;
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending_.push_back(std::move(piece));
      complete_ = complete_ || last;
      wake = wake_;
    }
    REQUIRE(wake);  // push only after waitOpened()
    wake();
  }
  bool waitOpened() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kWait, [this] { return opened_; });
  }
  // How close() was called: complete or not; nullopt when it was not (within the wait).
  std::optional<bool> waitClosed() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, kWait, [this] { return closed_.has_value(); });
    return closed_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::function<void()> wake_;
  std::vector<std::string> pending_;
  bool complete_ = false;
  bool opened_ = false;
  std::optional<bool> closed_;
};

Response streamOf(std::shared_ptr<StreamSource> source, bool drain_waits = true) {
  Response r;
  r.content_type = "text/event-stream";
  r.stream = std::move(source);
  r.drain_waits = drain_waits;
  return r;
}

}  // namespace

TEST_CASE("a streamed response is written as its source wakes, then the connection goes on", "[http]") {
  auto source = std::make_shared<TestSource>();
  Running srv(small(), nullptr, [&](const Request& req) -> std::optional<Response> {
    if (req.path == "/stream") return streamOf(source);
    return echo(req);
  });
  Client c(srv.port());
  c.request("GET", "/stream");
  Reply head = c.readHead();
  REQUIRE(head.status == 200);
  CHECK(lower(head.header("Transfer-Encoding")) == "chunked");
  CHECK(head.count("Content-Length") == 0);
  CHECK(!head.header("X-Request-Id").empty());
  REQUIRE(source->waitOpened());
  source->push("one");
  CHECK(c.readUntil("one\r\n") == "3\r\none\r\n");  // written before the body is complete
  source->push("");  // empty pieces are skipped: an empty chunk would end the body
  source->push("second", true);
  CHECK(c.readUntil("0\r\n\r\n") == "6\r\nsecond\r\n0\r\n\r\n");
  CHECK(source->waitClosed() == std::optional<bool>(true));
  // Keep-alive: the same connection serves the next request.
  CHECK(c.roundTrip("GET", "/after").body == "GET /after");
}

TEST_CASE("a stream's heartbeat keeps it alive and its source hears the client leave", "[http]") {
  auto source = std::make_shared<TestSource>();
  Running srv(small(), nullptr, [&](const Request&) -> std::optional<Response> {
    Response r = streamOf(source);
    r.heartbeat_interval = std::chrono::milliseconds(20);
    r.heartbeat = ": hb\n\n";
    return r;
  });
  Client c(srv.port());
  c.request("GET", "/stream");
  REQUIRE(c.readHead().status == 200);
  CHECK(c.readUntil(": hb\n\n\r\n") == "6\r\n: hb\n\n\r\n");
  CHECK(c.readUntil(": hb\n\n\r\n") == "6\r\n: hb\n\n\r\n");  // again, while nothing else comes
  c.closeNow();
  CHECK(source->waitClosed() == std::optional<bool>(false));
}

TEST_CASE("an HTTP/1.0 client gets a stream that ends with the connection", "[http]") {
  auto source = std::make_shared<TestSource>();
  Running srv(small(), nullptr, [&](const Request&) -> std::optional<Response> { return streamOf(source); });
  Client c(srv.port());
  c.send("GET /stream HTTP/1.0\r\n\r\n");
  Reply head = c.readHead();
  REQUIRE(head.status == 200);
  CHECK(head.header("Transfer-Encoding").empty());
  CHECK(lower(head.header("Connection")) == "close");
  REQUIRE(source->waitOpened());
  source->push("all of it", true);
  CHECK(c.readUntil("all of it") == "all of it");
  CHECK(c.closedByServer());
  CHECK(source->waitClosed() == std::optional<bool>(true));
}

TEST_CASE("drain refuses new connections, keeps open ones, and waitIdle waits for counted streams", "[http]") {
  auto counted = std::make_shared<TestSource>();
  auto uncounted = std::make_shared<TestSource>();
  Running srv(small(), nullptr, [&](const Request& req) -> std::optional<Response> {
    if (req.path == "/counted") return streamOf(counted);
    if (req.path == "/uncounted") return streamOf(uncounted, /*drain_waits=*/false);
    return echo(req);
  });
  Client a(srv.port());
  a.request("GET", "/counted");
  REQUIRE(a.readHead().status == 200);
  Client b(srv.port());
  b.request("GET", "/uncounted");
  REQUIRE(b.readHead().status == 200);
  Client idle(srv.port());
  REQUIRE(idle.roundTrip("GET", "/x").status == 200);
  REQUIRE(counted->waitOpened());
  REQUIRE(uncounted->waitOpened());

  CHECK(!srv.server.draining());
  srv.server.drain();
  CHECK(srv.server.draining());
  CHECK(!canConnect(srv.port()));
  CHECK(!srv.server.waitIdle(std::chrono::milliseconds(50)));  // the counted stream is open
  // An open connection is still served, and then closed.
  Reply late = idle.roundTrip("GET", "/late");
  CHECK(late.body == "GET /late");
  CHECK(lower(late.header("Connection")) == "close");
  CHECK(idle.closedByServer());

  counted->push("end", true);
  CHECK(a.readUntil("0\r\n\r\n") == "3\r\nend\r\n0\r\n\r\n");
  CHECK(srv.server.waitIdle(kWait));  // the uncounted stream is still open
  // Its head did not say close, so the connection stays; the next response closes it.
  Reply next = a.roundTrip("GET", "/next");
  CHECK(next.body == "GET /next");
  CHECK(lower(next.header("Connection")) == "close");
  CHECK(a.closedByServer());
  srv.server.stop();
  CHECK(b.closedByServer());
  CHECK(uncounted->waitClosed() == std::optional<bool>(false));
}

TEST_CASE("allowed_origins, strict_origin and allowed_hosts, and a 403 keeps the connection", "[http]") {
  {
    ServerOptions o = small();
    o.allowed_origins = {"https://app.example"};
    Running srv(o, echo);
    Client c(srv.port());
    CHECK(c.roundTrip("GET", "/x", {{"Origin", "https://app.example"}}).status == 200);
    Reply refused = c.roundTrip("POST", "/x", {{"Origin", "http://localhost"}}, "a body");
    CHECK(refused.status == 403);
    CHECK(lower(refused.header("Connection")) != "close");
    CHECK(c.roundTrip("GET", "/x").status == 200);  // the same connection
  }
  {
    ServerOptions o = small();
    o.host = "0.0.0.0";
    o.strict_origin = true;
    Running srv(o, echo);
    Client c(srv.port());
    CHECK(c.roundTrip("GET", "/x", {{"Origin", "https://ui.example"}}).status == 403);
    CHECK(c.roundTrip("GET", "/x", {{"Origin", "http://127.0.0.1:3000"}}).status == 200);
    CHECK(c.roundTrip("GET", "/x", {{"Host", "vsmcp.example.com"}}).status == 200);
  }
  {
    ServerOptions o = small();
    o.allowed_hosts = {"vsmcp.example"};
    Running srv(o, echo);
    Client c(srv.port());
    CHECK(c.roundTrip("GET", "/x", {{"Host", "vsmcp.example:8443"}}).status == 200);
    CHECK(c.roundTrip("GET", "/x", {{"Host", "localhost"}}).status == 403);
  }
}

TEST_CASE("without a Handler, what the inline handler declines gets 404", "[http]") {
  ServerOptions o = small();
  o.workers = 0;
  Running srv(o, nullptr, [](const Request& req) -> std::optional<Response> {
    if (req.path == "/known") return text("known");
    return std::nullopt;
  });
  Client c(srv.port());
  CHECK(c.roundTrip("GET", "/known").body == "known");
  CHECK(c.roundTrip("GET", "/unknown").status == 404);
  Server none(small(), nullptr);
  CHECK(none.start().code() == ErrorCode::kInvalidArgument);
}
