// HttpTransport over Boost.Beast + Asio + OpenSSL.
//
// Each pooled connection owns a private io_context; a request runs the asynchronous
// operations to completion on the calling thread, which gives real timeouts
// (beast::tcp_stream::expires_after) without a background thread. Concurrent send() calls use
// different connections; the idle pool is guarded by a mutex. sendStreaming hands a 200 body to
// the caller's sink as each read brings it (SinkBody), so a large reply never gathers here; the
// read buffer is capped at a header plus one read.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <poll.h>

#include <cctype>
#include <mutex>
#include <optional>
#include <thread>

#include "url.hpp"
#include "vsmcp/log.hpp"
#include "vsphere/http_transport.hpp"

namespace vsmcp::vsphere {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto kMaxIdleAge = std::chrono::seconds(50);

std::string hexThumbprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &len) != 1) return "";
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    if (i) out += ':';
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

std::string subjectOf(X509* cert) {
  if (!cert) return "?";
  char buf[512];
  X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
  return buf;
}

// SNI; OpenSSL's macro hides a C-style cast, kept out of our code's warnings.
bool setServerName(SSL* ssl, const std::string& host) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
  return SSL_set_tlsext_host_name(ssl, host.c_str()) == 1;
#pragma GCC diagnostic pop
}

bool isIpLiteral(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// What one read from the socket may fill. Beast asks for at most the buffer's free capacity
// (at least 512 bytes): an empty buffer meant ~500-byte reads, over 13,000 of them for a 6.8 MB
// reply. 64 KiB is Beast's own cap for one HTTP read.
constexpr size_t kReadBufferBytes = 64 * 1024;
// Reply headers may take up to this much; they must fit whole in the read buffer.
constexpr size_t kHeaderLimitBytes = 64 * 1024;
// The read buffer never grows past a whole header plus one read: the parser takes the body out
// of it as it comes, so a large reply passes through without growing it.
constexpr size_t kReadBufferLimit = kHeaderLimitBytes + kReadBufferBytes;

// A reply body that is either kept in a string (as http::string_body does) or, once the header
// says 200 and a sink was given, handed to the sink piece by piece and never held.
struct SinkBody {
  struct value_type {
    std::string text;
    const BodySink* sink = nullptr;  // set after the header, before the body is read
    Status sink_error;               // the sink's refusal, which stopped the reading
    std::size_t streamed = 0;        // bytes handed to the sink
  };

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(http::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>& length, boost::system::error_code& ec) {
      ec = {};
      // The limit was checked against the announced length before the body is read.
      if (!body_.sink && length) body_.text.reserve(static_cast<std::size_t>(*length));
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
      ec = {};
      std::size_t n = 0;
      for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers);
           ++it) {
        asio::const_buffer b = *it;
        std::string_view piece(static_cast<const char*>(b.data()), b.size());
        if (body_.sink) {
          Status st = (*body_.sink)(piece);
          if (!st.ok()) {
            body_.sink_error = std::move(st);
            ec = asio::error::operation_aborted;
            return n;
          }
          body_.streamed += piece.size();
        } else {
          body_.text.append(piece);
        }
        n += piece.size();
      }
      return n;
    }

    void finish(boost::system::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

struct Connection {
  Connection() : buffer(kReadBufferLimit) { buffer.reserve(kReadBufferBytes); }
  asio::io_context ioc;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;  // at most kReadBufferLimit
  Clock::time_point last_used = Clock::now();
  int requests = 0;
  std::string tls_error;  // set by the verify callback: why the certificate was refused

  beast::tcp_stream& tcpStream() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
};

// Runs the io_context until the operation started by `start` completes.
template <typename Start>
boost::system::error_code runOp(asio::io_context& ioc, Start&& start) {
  boost::system::error_code result = asio::error::would_block;
  start([&result](boost::system::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

class BeastTransport final : public HttpTransport {
 public:
  BeastTransport(TransportOptions options, Url url, std::unique_ptr<ssl::context> ctx,
                 std::string pin)
      : options_(std::move(options)), url_(std::move(url)), ctx_(std::move(ctx)),
        pin_(std::move(pin)) {}

  Result<HttpResponse> send(const HttpRequest& request) override {
    return sendWith(request, nullptr);
  }

  Result<HttpResponse> sendStreaming(const HttpRequest& request, const BodySink& sink) override {
    return sendWith(request, &sink);
  }

 private:
  // send and sendStreaming: `sink` (may be null) receives a 200 reply's body.
  Result<HttpResponse> sendWith(const HttpRequest& request, const BodySink* sink) {
    const int tries = 1 + (request.idempotent ? std::max(0, options_.max_retries) : 0);
    auto backoff = options_.retry_backoff;
    Status last;
    for (int attempt = 0; attempt < tries; ++attempt) {
      if (attempt > 0) {
        std::this_thread::sleep_for(backoff);
        backoff *= 2;
      }
      bool retryable = false;
      auto result = sendOnce(request, sink, retryable);
      if (result.ok()) {
        int st = result->status;
        if (request.idempotent && (st == 502 || st == 503 || st == 504) && attempt + 1 < tries) {
          last = Status::Error(ErrorCode::kUnavailable,
                               "server " + url_.hostPort() + " answered HTTP " + std::to_string(st),
                               ErrorDetails{"", st, ""});
          continue;
        }
        return result;
      }
      last = result.status();
      if (!retryable) break;
    }
    return last;
  }

  // An idle connection the server has closed (or that has unread bytes, e.g. a TLS
  // close_notify) shows up as readable; such a connection is not reused.
  static bool looksAlive(Connection& conn) {
    if (Clock::now() - conn.last_used >= kMaxIdleAge) return false;
    int fd = conn.tcpStream().socket().native_handle();
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) == 0;
  }

  std::unique_ptr<Connection> takeIdle() {
    std::lock_guard<std::mutex> lock(mu_);
    while (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      if (looksAlive(*conn)) return conn;
    }
    return nullptr;
  }

  void dropIdle() {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.clear();
  }

  void giveBack(std::unique_ptr<Connection> conn) {
    conn->last_used = Clock::now();
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(conn));
  }

  Status fail(ErrorCode code, const std::string& what) const {
    return Status::Error(code, what);
  }

  Result<std::unique_ptr<Connection>> connect() {
    auto conn = std::make_unique<Connection>();
    const std::string where = url_.hostPort();
    tcp::resolver resolver(conn->ioc);
    tcp::resolver::results_type endpoints;
    boost::system::error_code rec = asio::error::would_block;
    resolver.async_resolve(url_.host, url_.port,
                           [&](boost::system::error_code ec, tcp::resolver::results_type r) {
                             rec = ec;
                             endpoints = std::move(r);
                           });
    conn->ioc.restart();
    conn->ioc.run_for(options_.connect_timeout);
    if (rec == asio::error::would_block) {
      resolver.cancel();
      conn->ioc.restart();
      conn->ioc.run();
      return fail(ErrorCode::kTimeout, "timed out resolving " + url_.host);
    }
    if (rec) return fail(ErrorCode::kUnavailable, "cannot resolve " + url_.host + ": " + rec.message());

    if (url_.tls()) {
      conn->secure.emplace(conn->ioc, *ctx_);
    } else {
      conn->plain.emplace(conn->ioc);
    }
    auto& stream = conn->tcpStream();
    stream.expires_after(options_.connect_timeout);
    auto ec = runOp(conn->ioc, [&](auto handler) { stream.async_connect(endpoints, handler); });
    if (ec == beast::error::timeout)
      return fail(ErrorCode::kTimeout, "timed out after " +
                  std::to_string(options_.connect_timeout.count()) + " ms connecting to " + where);
    if (ec) return fail(ErrorCode::kUnavailable, "cannot connect to " + where + ": " + ec.message());
    stream.socket().set_option(tcp::no_delay(true), ec);

    if (url_.tls()) {
      auto& s = *conn->secure;
      if (!isIpLiteral(url_.host) && !setServerName(s.native_handle(), url_.host))
        return fail(ErrorCode::kTls, "cannot set TLS server name for " + url_.host);
      Connection* raw = conn.get();
      const bool verify = !options_.insecure || !pin_.empty();
      s.set_verify_mode(verify ? ssl::verify_peer : ssl::verify_none);
      if (verify) {
        s.set_verify_callback([this, raw](bool preverified, ssl::verify_context& vctx) {
          return verifyCertificate(*raw, preverified, vctx);
        });
      }
      stream.expires_after(options_.connect_timeout);
      ec = runOp(conn->ioc,
                 [&](auto handler) { s.async_handshake(ssl::stream_base::client, handler); });
      if (ec) {
        if (ec == beast::error::timeout)
          return fail(ErrorCode::kTimeout, "timed out in the TLS handshake with " + where);
        std::string msg = "TLS handshake with " + where + " failed: ";
        msg += conn->tls_error.empty() ? ec.message() : conn->tls_error;
        return fail(ErrorCode::kTls, msg);
      }
    }
    return conn;
  }

  bool verifyCertificate(Connection& conn, bool preverified, ssl::verify_context& vctx) {
    X509_STORE_CTX* sctx = vctx.native_handle();
    const int depth = X509_STORE_CTX_get_error_depth(sctx);
    X509* cert = X509_STORE_CTX_get_current_cert(sctx);
    if (!pin_.empty()) {
      if (depth != 0) return true;  // the pin alone decides
      std::string got = cert ? hexThumbprint(cert) : "";
      if (got == pin_) return true;
      conn.tls_error = "certificate thumbprint mismatch: pinned " + pin_ +
                       " but the server presented " + got + " (" + subjectOf(cert) + ")";
      return false;
    }
    if (!preverified) {
      int err = X509_STORE_CTX_get_error(sctx);
      if (conn.tls_error.empty())
        conn.tls_error = std::string("certificate verification failed: ") +
                         X509_verify_cert_error_string(err) + " (depth " + std::to_string(depth) +
                         ", subject " + subjectOf(cert) +
                         "); give a CA bundle, pin the SHA-256 thumbprint, or (unsafe) insecure";
      return false;
    }
    if (depth == 0) {
      ssl::host_name_verification check(url_.host);
      if (!check(preverified, vctx)) {
        conn.tls_error = "certificate (" + subjectOf(cert) + ") is not valid for host name " +
                         url_.host;
        return false;
      }
    }
    return true;
  }

  // `retryable` tells the caller whether another attempt may help.
  Result<HttpResponse> sendOnce(const HttpRequest& request, const BodySink* sink, bool& retryable) {
    for (int stale_retry = 0; stale_retry < 2; ++stale_retry) {
      std::unique_ptr<Connection> conn = stale_retry == 0 ? takeIdle() : nullptr;
      const bool reused = conn != nullptr;
      if (!conn) {
        auto fresh = connect();
        if (!fresh.ok()) {
          retryable = fresh.status().code() != ErrorCode::kTls;
          return fresh.status();
        }
        conn = std::move(fresh).value();
      }
      http::request<http::string_body> req;
      req.version(11);
      req.method_string(request.method);
      req.target(request.target);
      req.set(http::field::host, hostHeader());
      req.set(http::field::user_agent, options_.user_agent);
      req.keep_alive(true);
      for (const auto& [k, v] : request.headers) req.set(k, v);
      req.body() = request.body;
      req.prepare_payload();

      auto& stream = conn->tcpStream();
      stream.expires_after(options_.request_timeout);
      boost::system::error_code ec;
      if (conn->secure) {
        ec = runOp(conn->ioc, [&](auto h) { http::async_write(*conn->secure, req, h); });
      } else {
        ec = runOp(conn->ioc, [&](auto h) { http::async_write(*conn->plain, req, h); });
      }
      const bool write_failed = static_cast<bool>(ec);
      http::response_parser<SinkBody> parser;
      parser.header_limit(kHeaderLimitBytes);
      parser.body_limit(options_.max_response_bytes);
      // Header first: Boost 1.74 does not always apply body_limit to a Content-Length
      // announced in the same read, so the announced length is checked here.
      if (!ec) {
        if (conn->secure) {
          ec = runOp(conn->ioc, [&](auto h) {
            http::async_read_header(*conn->secure, conn->buffer, parser, h);
          });
        } else {
          ec = runOp(conn->ioc, [&](auto h) {
            http::async_read_header(*conn->plain, conn->buffer, parser, h);
          });
        }
      }
      if (!ec && parser.content_length() && *parser.content_length() > options_.max_response_bytes)
        ec = http::error::body_limit;
      if (!ec && sink && parser.get().result_int() == 200) parser.get().body().sink = sink;
      if (!ec && !parser.is_done()) {
        if (conn->secure) {
          ec = runOp(conn->ioc,
                     [&](auto h) { http::async_read(*conn->secure, conn->buffer, parser, h); });
        } else {
          ec = runOp(conn->ioc,
                     [&](auto h) { http::async_read(*conn->plain, conn->buffer, parser, h); });
        }
      }
      const auto& body = parser.get().body();
      if (!ec && body.text.size() + body.streamed > options_.max_response_bytes)
        ec = http::error::body_limit;
      if (ec) {
        if (!body.sink_error.ok()) {
          retryable = false;  // the caller refused the body: its answer, as it gave it
          return body.sink_error;
        }
        const bool nothing_back = !parser.got_some();
        // A reused connection that failed before any reply: the server had closed it. Send
        // again on a fresh connection when that cannot run the request twice: it is a read,
        // or the request never left (the write failed).
        if (reused && nothing_back && ec != beast::error::timeout &&
            (request.idempotent || write_failed)) {
          dropIdle();  // the others are likely as stale
          continue;
        }
        const std::string where = url_.hostPort();
        if (ec == beast::error::timeout) {
          retryable = false;
          return fail(ErrorCode::kTimeout, "no complete reply from " + where + " within " +
                                               std::to_string(options_.request_timeout.count()) +
                                               " ms");
        }
        if (ec == http::error::body_limit) {
          retryable = false;
          return fail(ErrorCode::kProtocol, "reply from " + where + " exceeds the limit of " +
                                                std::to_string(options_.max_response_bytes) +
                                                " bytes");
        }
        retryable = body.streamed == 0;  // once the sink has pieces, a resend would repeat them
        if (parser.got_some())
          return fail(ErrorCode::kProtocol, "truncated reply from " + where + ": " + ec.message());
        if (!request.idempotent && !write_failed)
          return fail(ErrorCode::kUnavailable,
                      "connection to " + where + " closed before a reply (" + ec.message() +
                          "); the request may or may not have been carried out");
        return fail(ErrorCode::kUnavailable, "request to " + where + " failed: " + ec.message());
      }
      auto res = parser.release();
      HttpResponse out;
      out.status = static_cast<int>(res.result_int());
      for (const auto& field : res) out.headers.emplace_back(field.name_string(), field.value());
      out.body = std::move(res.body().text);
      conn->requests++;
      if (res.keep_alive()) giveBack(std::move(conn));
      return out;
    }
    retryable = true;
    return fail(ErrorCode::kUnavailable, "connection to " + url_.hostPort() + " closed twice");
  }

  std::string hostHeader() const {
    const bool default_port = (url_.tls() && url_.port == "443") || (!url_.tls() && url_.port == "80");
    std::string h = url_.host.find(':') != std::string::npos ? "[" + url_.host + "]" : url_.host;
    return default_port ? h : h + ":" + url_.port;
  }

  const TransportOptions options_;
  const Url url_;
  std::unique_ptr<ssl::context> ctx_;
  const std::string pin_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

}  // namespace

Result<HttpResponse> HttpTransport::sendStreaming(const HttpRequest& request,
                                                  const BodySink& sink) {
  VSMCP_ASSIGN_OR_RETURN(HttpResponse response, send(request));
  if (response.status == 200) {
    std::string body = std::move(response.body);
    response.body.clear();
    VSMCP_RETURN_IF_ERROR(sink(body));
  }
  return response;
}

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return "";
}

std::vector<std::string> HttpResponse::headers_named(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) out.push_back(v);
  return out;
}

Result<std::string> normalizeThumbprint(std::string_view thumbprint) {
  std::string hex;
  for (char c : thumbprint) {
    if (c == ':' || c == ' ') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c)))
      return Status::InvalidArgument("thumbprint contains '" + std::string(1, c) +
                                     "': expected hex digits, optionally separated by ':'");
    hex += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (hex.size() == 40)
    return Status::InvalidArgument(
        "thumbprint has 40 hex digits (SHA-1); a SHA-256 thumbprint (64 hex digits) is required");
  if (hex.size() != 64)
    return Status::InvalidArgument("thumbprint must be a SHA-256 digest of 64 hex digits, got " +
                                   std::to_string(hex.size()));
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    if (i) out += ':';
    out += hex.substr(i, 2);
  }
  return out;
}

Result<std::unique_ptr<HttpTransport>> makeHttpTransport(const TransportOptions& options) {
  VSMCP_ASSIGN_OR_RETURN(Url url, parseUrl(options.url));
  std::string pin;
  if (!options.thumbprint.empty()) {
    VSMCP_ASSIGN_OR_RETURN(pin, normalizeThumbprint(options.thumbprint));
  }
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  if (url.tls()) {
    if (!options.ca_bundle.empty()) {
      ctx->load_verify_file(options.ca_bundle, ec);
      if (ec)
        return Status::InvalidArgument("cannot load CA bundle '" + options.ca_bundle +
                                       "': " + ec.message());
    } else if (pin.empty() && !options.insecure) {
      ctx->set_default_verify_paths(ec);
      if (ec) return Status::Error(ErrorCode::kTls, "cannot load the system CA store: " + ec.message());
    }
    if (options.insecure && pin.empty())
      log(LogLevel::kWarning, "TLS certificate verification is OFF for " + url.hostPort() +
                                  " (insecure): anyone on the path can read the credentials");
  } else {
    if (!pin.empty() || !options.ca_bundle.empty())
      return Status::InvalidArgument(
          "a thumbprint or CA bundle was given for a plain http:// URL; use https://");
    log(LogLevel::kWarning, "connecting to " + url.hostPort() +
                                " over plain http: credentials travel unencrypted");
  }
  return std::unique_ptr<HttpTransport>(
      new BeastTransport(options, std::move(url), std::move(ctx), std::move(pin)));
}

}  // namespace vsmcp::vsphere
