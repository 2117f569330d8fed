// The Beast transport against a tiny scripted HTTP peer on 127.0.0.1, port 0: retries only for
// idempotent requests, keep-alive reuse, limits and timeouts, malformed replies.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "vsphere/http_transport.hpp"

using namespace vsmcp;
using namespace vsmcp::vsphere;

namespace {

// What the peer does with one accepted connection: read a request, then act.
using Script = std::function<void(int fd)>;

class ScriptedPeer {
 public:
  explicit ScriptedPeer(std::vector<Script> scripts) : scripts_(std::move(scripts)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    REQUIRE(bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(listen_fd_, 8) == 0);
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~ScriptedPeer() {
    shutdown(listen_fd_, SHUT_RDWR);
    close(listen_fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/sdk"; }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }

  // Reads one request (headers and Content-Length body); false on EOF.
  bool readRequest(int fd) {
    std::string data;
    char buf[4096];
    while (data.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) return false;
      data.append(buf, static_cast<size_t>(n));
    }
    auto head_end = data.find("\r\n\r\n") + 4;
    size_t length = 0;
    auto cl = data.find("Content-Length: ");
    if (cl != std::string::npos) length = std::stoul(data.substr(cl + 16));
    while (data.size() < head_end + length) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) return false;
      data.append(buf, static_cast<size_t>(n));
    }
    ++requests_;
    return true;
  }

 private:
  void run() {
    for (size_t i = 0; i < scripts_.size(); ++i) {
      int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      ++connections_;
      scripts_[i](fd);
      close(fd);
    }
  }

  std::vector<Script> scripts_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> connections_{0}, requests_{0};
  std::thread thread_;
};

void writeAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

std::string ok(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

TransportOptions optionsFor(const ScriptedPeer& peer) {
  TransportOptions o;
  o.url = peer.url();
  o.retry_backoff = std::chrono::milliseconds(1);
  o.request_timeout = std::chrono::milliseconds(2000);
  return o;
}

}  // namespace

TEST_CASE("an idempotent read is retried on a fresh connection after a dropped one") {
  ScriptedPeer* self = nullptr;
  ScriptedPeer peer({[&](int fd) { self->readRequest(fd); },  // drop without a reply
                     [&](int fd) {
                       self->readRequest(fd);
                       writeAll(fd, ok("second"));
                     }});
  self = &peer;
  auto t = makeHttpTransport(optionsFor(peer));
  REQUIRE(t.ok());
  HttpRequest req;
  req.idempotent = true;
  auto r = (*t)->send(req);
  REQUIRE(r.ok());
  CHECK(r->body == "second");
  CHECK(peer.connections() == 2);
}

TEST_CASE("a non-idempotent request is not retried after the server dropped it") {
  ScriptedPeer* self = nullptr;
  ScriptedPeer peer({[&](int fd) { self->readRequest(fd); },
                     [&](int fd) {
                       self->readRequest(fd);
                       writeAll(fd, ok("must not be reached"));
                     }});
  self = &peer;
  auto t = makeHttpTransport(optionsFor(peer));
  REQUIRE(t.ok());
  HttpRequest req;  // POST, not idempotent
  auto r = (*t)->send(req);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kUnavailable);
  CHECK(r.status().message().find("127.0.0.1:") != std::string::npos);
  CHECK(peer.requests() == 1);
  // Unblock the peer's second accept.
  auto again = (*t)->send(req);
  CHECK(again.ok());
}

TEST_CASE("keep-alive reuses one connection for successive requests") {
  ScriptedPeer* self = nullptr;
  ScriptedPeer peer({[&](int fd) {
    for (int i = 0; i < 3; ++i) {
      if (!self->readRequest(fd)) return;
      writeAll(fd, ok("r" + std::to_string(i)));
    }
  }});
  self = &peer;
  auto t = makeHttpTransport(optionsFor(peer));
  REQUIRE(t.ok());
  for (int i = 0; i < 3; ++i) {
    auto r = (*t)->send(HttpRequest{});
    REQUIRE(r.ok());
    CHECK(r->body == "r" + std::to_string(i));
  }
  CHECK(peer.connections() == 1);
}

TEST_CASE("a server that never answers hits the request timeout") {
  ScriptedPeer* self = nullptr;
  std::atomic<bool> done{false};
  ScriptedPeer peer({[&](int fd) {
    self->readRequest(fd);
    char c;
    (void)read(fd, &c, 1);  // wait until the client gives up and closes
    done = true;
  }});
  self = &peer;
  auto o = optionsFor(peer);
  o.request_timeout = std::chrono::milliseconds(200);
  auto t = makeHttpTransport(o);
  REQUIRE(t.ok());
  HttpRequest req;
  req.idempotent = true;
  auto r = (*t)->send(req);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kTimeout);
  CHECK(r.status().message().find("200 ms") != std::string::npos);
}

TEST_CASE("a reply larger than the limit is refused") {
  ScriptedPeer* self = nullptr;
  const std::string chunk(1000, 'y');
  ScriptedPeer peer({[&](int fd) {
                       self->readRequest(fd);
                       writeAll(fd, ok(std::string(4096, 'x')));
                     },
                     [&](int fd) {
                       self->readRequest(fd);
                       std::string reply = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
                       for (int i = 0; i < 4; ++i) reply += "3e8\r\n" + chunk + "\r\n";
                       writeAll(fd, reply + "0\r\n\r\n");
                     }});
  self = &peer;
  auto o = optionsFor(peer);
  o.max_response_bytes = 1024;
  o.max_retries = 0;
  auto t = makeHttpTransport(o);
  REQUIRE(t.ok());
  for (const char* kind : {"content-length", "chunked"}) {
    INFO(kind);
    auto r = (*t)->send(HttpRequest{});
    INFO((r.ok() ? "body of " + std::to_string(r->body.size()) : r.status().toString()));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == ErrorCode::kProtocol);
    CHECK(r.status().message().find("exceeds the limit of 1024 bytes") != std::string::npos);
  }
}

TEST_CASE("garbage instead of HTTP and a cut-off body are errors, not crashes") {
  ScriptedPeer* self = nullptr;
  ScriptedPeer peer({[&](int fd) {
                       self->readRequest(fd);
                       writeAll(fd, "SSH-2.0-OpenSSH_9.2\r\n\r\n");
                     },
                     [&](int fd) {
                       self->readRequest(fd);
                       writeAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part");
                     }});
  self = &peer;
  auto o = optionsFor(peer);
  o.max_retries = 0;
  auto t = makeHttpTransport(o);
  REQUIRE(t.ok());
  auto garbage = (*t)->send(HttpRequest{});
  REQUIRE_FALSE(garbage.ok());
  CHECK(garbage.status().code() == ErrorCode::kProtocol);
  auto cut = (*t)->send(HttpRequest{});
  REQUIRE_FALSE(cut.ok());
  CHECK(cut.status().code() == ErrorCode::kProtocol);
  CHECK(cut.status().message().find("truncated") != std::string::npos);
}

TEST_CASE("bad transport options are refused before any connection") {
  TransportOptions o;
  o.url = "https://127.0.0.1:1/sdk";
  o.ca_bundle = "/nonexistent/ca.pem";
  auto t = makeHttpTransport(o);
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().code() == ErrorCode::kInvalidArgument);
  CHECK(t.status().message().find("/nonexistent/ca.pem") != std::string::npos);
  o.ca_bundle.clear();
  o.thumbprint = "not-hex";
  CHECK(makeHttpTransport(o).status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("a write is not sent twice when a reused connection dies after the server read it") {
  ScriptedPeer* self = nullptr;
  ScriptedPeer peer({[&](int fd) {
                       self->readRequest(fd);
                       writeAll(fd, ok("first"));
                       self->readRequest(fd);  // the second request arrives, then the line drops
                     },
                     [&](int fd) {
                       if (self->readRequest(fd)) writeAll(fd, ok("resent"));
                     }});
  self = &peer;
  auto t = makeHttpTransport(optionsFor(peer));
  REQUIRE(t.ok());
  REQUIRE((*t)->send(HttpRequest{}).ok());
  HttpRequest write;  // POST, not idempotent
  auto r = (*t)->send(write);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("may or may not have been carried out") != std::string::npos);
  CHECK(peer.requests() == 2);
  // Unblock the peer's second accept with a read, which may be resent.
  HttpRequest read;
  read.idempotent = true;
  CHECK((*t)->send(read).ok());
}

TEST_CASE("an idle connection the server closed is not reused, even for a write") {
  ScriptedPeer* self = nullptr;
  std::promise<void> closed;
  ScriptedPeer peer({[&](int fd) {
                       self->readRequest(fd);
                       writeAll(fd, ok("first"));
                       shutdown(fd, SHUT_RDWR);  // idle close, as servers do
                       closed.set_value();
                     },
                     [&](int fd) {
                       self->readRequest(fd);
                       writeAll(fd, ok("second"));
                     }});
  self = &peer;
  auto t = makeHttpTransport(optionsFor(peer));
  REQUIRE(t.ok());
  REQUIRE((*t)->send(HttpRequest{}).ok());
  closed.get_future().wait();
  auto r = (*t)->send(HttpRequest{});
  INFO(r.status().toString());
  REQUIRE(r.ok());
  CHECK(r->body == "second");
  CHECK(peer.requests() == 2);
}

TEST_CASE("TLS settings with a plain http URL are refused") {
  TransportOptions o;
  o.url = "http://127.0.0.1:1/sdk";
  o.thumbprint = std::string(64, 'A');
  auto t = makeHttpTransport(o);
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().message().find("use https://") != std::string::npos);
}

namespace {

// A chunked reply of `n` chunks of `size` bytes, chunk i filled with 'a' + i % 26.
std::string chunkedReply(int n, size_t size) {
  char hex[32];
  std::snprintf(hex, sizeof hex, "%zx", size);
  std::string reply = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < n; ++i)
    reply +=
        std::string(hex) + "\r\n" + std::string(size, static_cast<char>('a' + i % 26)) + "\r\n";
  return reply + "0\r\n\r\n";
}

// writeAll for a peer whose client may hang up midway: no SIGPIPE, the write just stops.
void writeUntilClosed(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

std::string chunkedBody(int n, size_t size) {
  std::string body;
  for (int i = 0; i < n; ++i) body += std::string(size, static_cast<char>('a' + i % 26));
  return body;
}

}  // namespace

TEST_CASE("a streamed 200 body reaches the sink in pieces as it comes and is not kept") {
  ScriptedPeer* self = nullptr;
  const std::string big(3 << 20, 'z');
  ScriptedPeer peer({[&](int fd) {
    self->readRequest(fd);
    writeAll(fd, chunkedReply(300, 7000));
    self->readRequest(fd);
    writeAll(fd, ok(big));
  }});
  self = &peer;
  auto t = makeHttpTransport(optionsFor(peer));
  REQUIRE(t.ok());
  for (const std::string& expected : {chunkedBody(300, 7000), big}) {
    std::string got;
    size_t pieces = 0, largest = 0;
    auto r = (*t)->sendStreaming(HttpRequest{}, [&](std::string_view piece) {
      got.append(piece);
      ++pieces;
      largest = std::max(largest, piece.size());
      return Status::Ok();
    });
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body.empty());
    CHECK(got == expected);
    CHECK(pieces > 1);
    CHECK(largest <= 64 * 1024);  // one read at most: the body never gathers in the transport
  }
  CHECK(peer.connections() == 1);  // kept alive after a streamed reply
}

TEST_CASE("a streamed request gets a reply of another status whole, without the sink") {
  ScriptedPeer* self = nullptr;
  ScriptedPeer peer({[&](int fd) {
    self->readRequest(fd);
    writeAll(fd, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\nfault");
  }});
  self = &peer;
  auto t = makeHttpTransport(optionsFor(peer));
  REQUIRE(t.ok());
  bool called = false;
  auto r = (*t)->sendStreaming(HttpRequest{}, [&](std::string_view) {
    called = true;
    return Status::Ok();
  });
  REQUIRE(r.ok());
  CHECK(r->status == 500);
  CHECK(r->body == "fault");
  CHECK_FALSE(called);
}

TEST_CASE("a sink's refusal stops the reading, is returned, and the connection is dropped") {
  ScriptedPeer* self = nullptr;
  ScriptedPeer peer({[&](int fd) {
                       self->readRequest(fd);
                       writeUntilClosed(fd, chunkedReply(200, 7000));  // the client hangs up midway
                     },
                     [&](int fd) {
                       self->readRequest(fd);
                       writeAll(fd, ok("fresh"));
                     }});
  self = &peer;
  auto t = makeHttpTransport(optionsFor(peer));
  REQUIRE(t.ok());
  HttpRequest read;
  read.idempotent = true;  // even a read is not sent again after the sink said no
  int pieces = 0;
  auto r = (*t)->sendStreaming(read, [&](std::string_view) {
    return ++pieces == 2 ? Status::Error(ErrorCode::kProtocol, "malformed piece") : Status::Ok();
  });
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == "malformed piece");
  CHECK(pieces == 2);
  CHECK(peer.requests() == 1);
  auto next = (*t)->send(HttpRequest{});
  REQUIRE(next.ok());
  CHECK(next->body == "fresh");
  CHECK(peer.connections() == 2);
}

TEST_CASE("a streamed reply cut off midway is an error and is not sent again") {
  ScriptedPeer* self = nullptr;
  ScriptedPeer peer({[&](int fd) {
                       self->readRequest(fd);
                       writeAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" +
                                        std::string(5000, 'p'));
                     },
                     [&](int fd) {
                       if (self->readRequest(fd)) writeAll(fd, ok("resent"));
                     }});
  self = &peer;
  auto t = makeHttpTransport(optionsFor(peer));
  REQUIRE(t.ok());
  HttpRequest read;
  read.idempotent = true;
  std::string got;
  auto r = (*t)->sendStreaming(read, [&](std::string_view piece) {
    got.append(piece);
    return Status::Ok();
  });
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kProtocol);
  CHECK(r.status().message().find("truncated") != std::string::npos);
  CHECK(got == std::string(5000, 'p'));
  CHECK(peer.requests() == 1);
}
