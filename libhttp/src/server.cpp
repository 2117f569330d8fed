// http::Server on Boost.Beast's HTTP/1.1 parser and Asio.
//
// Pieces, from the inside out:
// - Connection<Stream>: one TCP (or TLS) connection, all on its own strand. It reads into a
//   buffer and feeds Beast's parser (RequestParser) by hand, so limits are checked where they
//   apply (431 while the header grows, 413 from Content-Length before the body, the framing
//   checks once the header is in; a refused Host or Origin is answered 403 once the body is
//   in, keeping the connection). A complete request goes to the InlineHandler, else to the
//   WorkerPool; the connection parses nothing more until its response is written, so
//   pipelined requests wait in the buffer and are answered in order. A streamed response
//   (Response::stream) is pulled from its StreamSource whenever the source wakes the
//   connection and the previous pieces are written, chunk-framed; meanwhile a read stays armed
//   to notice a client that leaves. One timer bounds whatever the connection waits for: the
//   TLS handshake, the next request, the rest of a request (408), the handler (504), a write,
//   the lingering close; a second one paces a stream's heartbeat.
// - Shared: what connections share (options, handlers, the pool, the registry of live
//   connections that stop() walks and waits to empty, with each client address's count for
//   max_connections_per_address: a connection past it is answered 503 at once and closed; the
//   count of responses under way that waitIdle() waits on; the Host/Origin policy).
// - Server::Impl: TLS context, listener, I/O threads, start/stop.
//
// Lifetime rule: connections belong to the io_context (their pending handlers hold them) and
// to the pool's jobs while a handler runs (a work guard keeps the I/O threads running for the
// handler's answer meanwhile). stop() joins the workers before it stops and destroys the
// io_context, so no connection outlives it. A stream's wake function may be called from any
// thread at any time: it posts to its connection only under Shared::life held shared and
// while the server has not stopped; stop() sets `stopped` under the exclusive lock first.
#include "http/server.hpp"

#include <fcntl.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/status.hpp>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <ctime>
#include <deque>
#include <exception>
#include <fstream>
#include <future>
#include <mutex>
#include <random>
#include <shared_mutex>
#include <thread>
#include <tuple>
#include <type_traits>
#include <unordered_map>

#include "request_parser.hpp"
#include "text.hpp"
#include "vsmcp/log.hpp"
#include "vsmcp/result.hpp"
#include "worker_pool.hpp"

namespace vsmcp::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr size_t kReadChunk = 16u << 10;
// While a response streams, at most this much of the next (pipelined) request is read.
constexpr size_t kMaxBufferedAhead = 64u << 10;
// After a response that closes the connection, what the client still sends is read and
// dropped for this long, so it sees the response rather than a reset.
constexpr auto kLingerTime = std::chrono::seconds(2);
// stop(): the longest it waits for the last responses to be written.
constexpr auto kMaxDrainTime = std::chrono::seconds(5);
constexpr std::string_view kRequestIdHeader = "X-Request-Id";
constexpr size_t kMaxLoggedPath = 200;

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

// IMF-fixdate (RFC 9110, 5.6.7), without locale: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string httpDate() {
  thread_local std::time_t cached_second = -1;
  thread_local std::string cached;
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    gmtime_r(&now, &tm);
    char text[40];
    std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                  tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    cached = text;
    cached_second = now;
  }
  return cached;
}

std::string reasonOf(int status) {
  auto reason = sv(bh::obsolete_reason(static_cast<bh::status>(status)));
  return reason.empty() || reason == "<unknown-status>" ? std::string("Status")
                                                        : std::string(reason);
}

// {"error":{"status":N,"message":"..."}}
std::string errorBody(int status, std::string_view message) {
  std::string out = "{\"error\":{\"status\":" + std::to_string(status) + ",\"message\":\"";
  for (char c : message) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x",
                    static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += esc;
    } else {
      out += c;
    }
  }
  out += "\"}}";
  return out;
}

std::string shortPath(std::string_view path) {
  if (path.size() <= kMaxLoggedPath) return std::string(path);
  return std::string(path.substr(0, kMaxLoggedPath)) + "...";
}

// "localhost", a 127/8 address or ::1, with or without a port ("[::1]:80", "localhost:8080").
bool isLoopbackAuthority(std::string_view authority) {
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view rest = host.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return false;
    host = host.substr(1, close - 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  if (iequals(host, "localhost") || host == "127.0.0.1" || host == "::1") return true;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(std::string(host), ec);
  return !ec && address.is_loopback();
}

// "http(s)://<loopback authority>" exactly.
bool isLoopbackOrigin(std::string_view origin) {
  std::string o = toLower(origin);
  std::string_view rest;
  if (o.rfind("http://", 0) == 0) {
    rest = std::string_view(o).substr(7);
  } else if (o.rfind("https://", 0) == 0) {
    rest = std::string_view(o).substr(8);
  } else {
    return false;  // "null", other schemes
  }
  return rest.find('/') == std::string_view::npos && isLoopbackAuthority(rest);
}

// "Host[:port]" or "[v6]:port" -> the host part, lower case, brackets kept for IPv6.
std::string hostPart(std::string_view authority) {
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    return toLower(
        authority.substr(0, close == std::string_view::npos ? authority.size() : close + 1));
  }
  return toLower(authority.substr(0, authority.find(':')));
}

// The path and query of a target in origin form ("/a?b") or absolute form ("http://h/a?b").
std::pair<std::string, std::string> splitTarget(std::string_view target) {
  std::string o = toLower(target.substr(0, 8));
  if (o.rfind("http://", 0) == 0 || o.rfind("https://", 0) == 0) {
    size_t authority = target.find("://") + 3;
    size_t slash = target.find_first_of("/?", authority);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    if (!target.empty() && target.front() == '?') {
      return {"/", std::string(target.substr(1))};
    }
  }
  size_t q = target.find('?');
  if (q == std::string_view::npos) return {std::string(target), ""};
  return {std::string(target.substr(0, q)), std::string(target.substr(q + 1))};
}

bool isReservedHeader(std::string_view name) {
  for (std::string_view reserved : {"Content-Length", "Transfer-Encoding", "Connection", "Date",
                                    "Server", "X-Request-Id", "Content-Type"})
    if (iequals(name, reserved)) return true;
  return false;
}

// Lets one event a second through, so a flood of refusals does not flood the log.
class OncePerSecond {
 public:
  bool allow() {
    int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
    int64_t last = last_.load();
    return last != now && last_.compare_exchange_strong(last, now);
  }

 private:
  std::atomic<int64_t> last_{-1};  // seconds on the steady clock
};

// --- what connections share ---------------------------------------------------------------

class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  // From any thread: the server is stopping (see Server::stop).
  virtual void notifyStop() = 0;
};

// What a stream's wake function checks before it posts to its connection (see the top).
struct Life {
  std::shared_mutex mu;
  bool stopped = false;  // guarded by mu
};

struct Shared {
  Shared(ServerOptions o, Handler h, InlineHandler ih)
      : options(std::move(o)), handler(std::move(h)), inline_handler(std::move(ih)) {
    std::random_device random;
    uint64_t prefix = (static_cast<uint64_t>(random()) << 32) ^ random();
    char text[20];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(prefix));
    id_prefix = text;
  }

  const ServerOptions options;
  const Handler handler;
  const InlineHandler inline_handler;
  bool loopback_only = false;        // set by start() before the first connection
  std::unique_ptr<WorkerPool> pool;  // set by start() before the first connection; null
                                     // without a Handler
  const std::shared_ptr<Life> life = std::make_shared<Life>();

  // drain() and waitIdle(): responses under way (a request being handled, a response being
  // written, a stream with drain_waits), counted by their connections.
  std::atomic<bool> draining{false};
  std::atomic<bool> halted{false};  // stop() came: waitIdle() waits no more
  std::atomic<std::int64_t> busy{0};
  std::atomic<int> idle_waiters{0};
  std::mutex idle_mu;
  std::condition_variable idle_cv;
  bool idle() const { return halted.load() || busy.load() <= 0; }
  // After `busy` went down or `halted` was set: wakes waitIdle(). Cheap when nobody waits
  // (the counter changes before the waiters are read, so no wake-up is lost).
  void idleChanged() {
    if (idle_waiters.load() == 0) return;
    { std::lock_guard<std::mutex> lock(idle_mu); }
    idle_cv.notify_all();
  }

  // The Host/Origin policy (ServerOptions::allowed_hosts, allowed_origins, strict_origin):
  // "" when the request may pass, else why it gets 403.
  std::string policyRefusal(const RequestParser& h) const {
    if (options.allowed_hosts.empty() ? loopback_only : true) {
      if (h.count("Host") == 1 && !hostAllowed(trimWhitespace(h.first("Host"))))
        return "Forbidden: Host not allowed";
    }
    for (const auto& [name, value] : h.fields())
      if (iequals(name, "Origin") && !originAllowed(trimWhitespace(value)))
        return "Forbidden: Origin not allowed";
    return "";
  }
  bool hostAllowed(std::string_view host) const {
    if (options.allowed_hosts.empty()) return isLoopbackAuthority(host);
    for (const auto& a : options.allowed_hosts)
      if (iequals(trimWhitespace(a), host) || iequals(trimWhitespace(a), hostPart(host)))
        return true;
    return false;
  }
  bool originAllowed(std::string_view origin) const {
    if (!options.allowed_origins.empty()) {
      for (const auto& a : options.allowed_origins)
        if (a == "*" || iequals(trimWhitespace(a), origin)) return true;
      return false;
    }
    if (!loopback_only && !options.strict_origin) return true;
    return isLoopbackOrigin(origin);
  }

  // The registry of live connections, and how many each client address holds.
  struct Live {
    std::weak_ptr<ConnectionBase> connection;
    std::string address;
    bool refused = false;  // being answered 503 for its address's cap
  };
  struct PerAddress {
    size_t admitted = 0;
    size_t refused = 0;
  };
  std::mutex mu;
  std::condition_variable emptied;                          // connections became empty
  bool stopping = false;                                    // guarded by mu
  uint64_t next_connection = 0;                             // guarded by mu
  std::unordered_map<uint64_t, Live> connections;           // guarded by mu
  std::unordered_map<std::string, PerAddress> per_address;  // guarded by mu; no zero entries

  std::atomic<uint64_t> next_request{0};
  OncePerSecond refusal_log;  // connections refused
  OncePerSecond policy_log;   // requests refused for their Host or Origin
  OncePerSecond busy_log;     // requests refused with 503

  // The client's id when sane, else a new one: "<16 hex of this server>-<counter>".
  std::string requestId(std::string_view from_client) {
    if (isSaneRequestId(from_client)) return std::string(from_client);
    char counter[24];
    auto end = std::to_chars(counter, counter + sizeof counter, ++next_request, 16).ptr;
    std::string id;
    id.reserve(id_prefix.size() + 1 + static_cast<size_t>(end - counter));
    id.append(id_prefix).append(1, '-').append(counter, end);
    return id;
  }

  // kRefused: registered, to be answered 503 (its address is at max_connections_per_address);
  // kStopping, kFull, kAddressFull: not registered, to be closed at once.
  enum class Admission { kAdmitted, kRefused, kStopping, kFull, kAddressFull };
  // Registers a new connection from `address` under a new id.
  Admission admit(uint64_t& id, const std::string& address,
                  const std::shared_ptr<ConnectionBase>& c) {
    std::lock_guard<std::mutex> lock(mu);
    if (stopping) return Admission::kStopping;
    if (connections.size() >= options.max_connections) return Admission::kFull;
    const size_t cap = options.max_connections_per_address;
    PerAddress& counts = per_address[address];
    bool refused = false;
    if (cap > 0 && counts.admitted >= cap) {
      if (counts.refused >= cap) return Admission::kAddressFull;  // counts.admitted > 0: kept
      refused = true;
      ++counts.refused;
    } else {
      ++counts.admitted;
    }
    id = ++next_connection;
    connections.emplace(id, Live{c, address, refused});
    return refused ? Admission::kRefused : Admission::kAdmitted;
  }

  void forget(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = connections.find(id);
    if (it == connections.end()) return;
    auto counts = per_address.find(it->second.address);
    if (counts != per_address.end()) {
      --(it->second.refused ? counts->second.refused : counts->second.admitted);
      if (counts->second.admitted == 0 && counts->second.refused == 0) per_address.erase(counts);
    }
    connections.erase(it);
    if (connections.empty()) emptied.notify_all();
  }

  void logRefusal(std::string_view why) {
    if (refusal_log.allow())
      vsmcp::log(LogLevel::kWarning, "HTTP: connection refused: " + std::string(why));
  }

 private:
  std::string id_prefix;
};

// --- connections --------------------------------------------------------------------------

template <class Stream>
class Connection final : public ConnectionBase,
                         public std::enable_shared_from_this<Connection<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;

 public:
  template <class... StreamArgs>
  Connection(Shared& shared, asio::any_io_executor executor, std::string remote,
             StreamArgs&&... stream_args)
      : shared_(shared),
        executor_(std::move(executor)),
        remote_(std::move(remote)),
        stream_(std::forward<StreamArgs>(stream_args)...),
        timer_(executor_),
        heartbeat_timer_(executor_) {}

  ~Connection() override {
    if (source_) endSource(false);
    setBusy(false);
    if (id_ != 0) shared_.forget(id_);
  }

  // `refuse`: the client's address is at max_connections_per_address (Shared::admit).
  void setId(uint64_t id, bool refuse) {
    id_ = id;
    refuse_ = refuse;
  }
  const asio::any_io_executor& executor() const { return executor_; }

  // On the strand: TLS handshake if any, then requests (or the refusal).
  void start() {
    if constexpr (kTls) {
      phase_ = Phase::kHandshake;
      armTimer(refuse_ ? std::min<Clock::duration>(options().request_timeout, kLingerTime)
                       : Clock::duration(options().request_timeout));
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](
                                                            const boost::system::error_code& ec) {
        if (self->phase_ != Phase::kHandshake) return;
        if (ec) {
          vsmcp::log(LogLevel::kDebug,
                     "HTTP: TLS handshake with " + self->remote_ + " failed: " + ec.message());
          self->close();
          return;
        }
        if (self->refuse_) {
          self->refuseConnection();
        } else {
          // The first request must come as promptly as the handshake.
          self->waitForRequest(self->options().request_timeout);
        }
      });
    } else if (refuse_) {
      refuseConnection();
    } else {
      waitForRequest(options().request_timeout);
    }
  }

  void notifyStop() override {
    asio::post(executor_, [self = this->shared_from_this()] { self->onStop(); });
  }

 private:
  enum class Phase { kHandshake, kRequest, kHandling, kWriting, kStreaming, kLinger, kClosed };
  using Piece = StreamSource::Piece;

  const ServerOptions& options() const { return shared_.options; }

  tcp::socket& socket() {
    if constexpr (kTls) {
      return stream_.next_layer();
    } else {
      return stream_;
    }
  }

  // --- the one timer ---

  void armTimer(Clock::duration d) {
    timer_.expires_after(d);
    timer_.async_wait(
        [self = this->shared_from_this(), gen = ++timer_gen_](boost::system::error_code ec) {
          if (!ec && gen == self->timer_gen_ && self->phase_ != Phase::kClosed) self->onDeadline();
        });
  }

  void cancelTimer() {
    ++timer_gen_;
    timer_.cancel();
  }

  void onDeadline() {
    switch (phase_) {
      case Phase::kRequest:
        if (request_started_) {
          vsmcp::log(LogLevel::kDebug,
                     "HTTP: " + remote_ + " did not send a whole request in time");
          keep_alive_ = false;
          parser_.reset();
          respondError(408, "Request Timeout: the request did not arrive within " +
                                std::to_string(options().request_timeout.count()) + " s");
        } else {
          close();  // idle keep-alive connection, or a new one that sent nothing
        }
        return;
      case Phase::kHandling:
        ++job_gen_;  // the handler's late response will be dropped
        vsmcp::log(LogLevel::kWarning, "HTTP: " + method_ + " " + shortPath(path_) +
                                           " (id=" + request_id_ + ") did not answer within " +
                                           std::to_string(options().handler_timeout.count()) +
                                           " s; answered 504");
        respondError(504, "Gateway Timeout: the handler did not answer within " +
                              std::to_string(options().handler_timeout.count()) + " s");
        return;
      case Phase::kWriting:
      case Phase::kStreaming:  // the timer runs only while a write is under way
        vsmcp::log(LogLevel::kDebug, "HTTP: " + remote_ + " stopped reading; connection closed");
        close();
        return;
      case Phase::kHandshake:
      case Phase::kLinger:
      case Phase::kClosed:
        close();
        return;
    }
  }

  void close() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    cancelTimer();
    cancelHeartbeat();
    setBusy(false);
    boost::system::error_code ec;
    socket().close(ec);  // pending operations end with an error and release this
    if (source_) endSource(false);  // out_ stays: a pending write may still refer to it
  }

  // A response is under way (waitIdle waits for it), or not.
  void setBusy(bool busy) {
    if (busy == busy_) return;
    busy_ = busy;
    if (busy) {
      ++shared_.busy;
    } else {
      --shared_.busy;
      shared_.idleChanged();
    }
  }

  void onStop() {
    stopping_ = true;
    switch (phase_) {
      case Phase::kHandling:
      case Phase::kWriting:
        keep_alive_ = false;  // answer, then close
        return;
      default:
        close();
        return;
    }
  }

  // --- reading ---

  void waitForRequest(Clock::duration wait) {
    phase_ = Phase::kRequest;
    request_started_ = false;
    http10_ = false;
    head_request_ = false;
    armTimer(wait);
    parse();
  }

  void readSome() {
    if (reading_ || phase_ == Phase::kClosed) return;
    reading_ = true;
    // Into a scratch buffer: buffer_ may be consumed while the read is pending (408, linger).
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = this->shared_from_this()](const boost::system::error_code& ec,
                                                              size_t n) { self->onRead(ec, n); });
  }

  void onRead(const boost::system::error_code& ec, size_t n) {
    reading_ = false;
    if (phase_ == Phase::kClosed) return;
    if (ec) {
      // The client left or half-closed. While a response is on its way, it is still written;
      // a stream has no end to wait for, so its source learns at once.
      if (phase_ == Phase::kRequest || phase_ == Phase::kLinger ||
          phase_ == Phase::kStreaming) {
        close();
      } else {
        keep_alive_ = false;
      }
      return;
    }
    if (phase_ == Phase::kLinger) {
      readSome();  // dropped
      return;
    }
    // Kept for the next request (a read armed while a stream was written may end later).
    auto space = buffer_.prepare(n);
    std::memcpy(space.data(), scratch_.data(), n);
    buffer_.commit(n);
    if (phase_ == Phase::kRequest) {
      parse();
    } else if (phase_ == Phase::kStreaming && buffer_.size() < kMaxBufferedAhead) {
      readSome();  // watch for the client leaving
    }
  }

  void newParser() {
    parser_.emplace();
    parser_->header_limit(
        static_cast<std::uint32_t>(std::min<size_t>(options().max_header_bytes, UINT32_MAX)));
    parser_->body_limit(static_cast<std::uint64_t>(options().max_body_bytes));
    parser_->eager(false);  // stop after the header: it is checked before any body byte
    header_checked_ = false;
    refusal_.clear();
  }

  // Feeds buffered bytes to the parser until a request is complete or more bytes are needed.
  void parse() {
    while (phase_ == Phase::kRequest) {
      if (!parser_) newParser();
      if (parser_->is_done()) {
        onRequest();
        return;
      }
      if (buffer_.size() == 0) {
        readSome();
        return;
      }
      if (!request_started_) {
        request_started_ = true;
        armTimer(options().request_timeout);
      }
      boost::system::error_code ec;
      size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec && ec != bh::error::need_more) {
        rejectMalformed(ec);
        return;
      }
      if (parser_->is_header_done() && !header_checked_) {
        if (!checkHeader()) return;
        continue;
      }
      if (!parser_->is_done() && (ec == bh::error::need_more || used == 0)) {
        readSome();
        return;
      }
    }
  }

  // Over its address's cap: 503 before anything is read (the client may never finish its
  // request), then the lingering close.
  void refuseConnection() {
    keep_alive_ = false;
    request_id_ = shared_.requestId("");
    method_.clear();
    path_.clear();
    respondError(503,
                 "Service Unavailable: too many connections from " + remote_ + " (at most " +
                     std::to_string(options().max_connections_per_address) +
                     "); retry once one of them has closed",
                 {{"Retry-After", "1"}});
  }

  // Answers a request that cannot be read (400, 413, 431) and closes.
  void rejectMalformed(const boost::system::error_code& ec) {
    keep_alive_ = false;
    request_id_ = shared_.requestId(parser_ ? parser_->first(kRequestIdHeader) : "");
    method_ = parser_ ? parser_->method() : "";
    path_ = "";
    parser_.reset();
    if (ec == bh::error::header_limit) {
      respondError(431, "Request Header Fields Too Large: the limit is " +
                            std::to_string(options().max_header_bytes) + " bytes");
    } else if (ec == bh::error::body_limit) {
      respondError(413, "Payload Too Large: the limit is " +
                            std::to_string(options().max_body_bytes) + " bytes");
    } else {
      vsmcp::log(LogLevel::kDebug, "HTTP: malformed request from " + remote_ + ": " + ec.message());
      respondError(400, "Bad Request: malformed HTTP (" + ec.message() + ")");
    }
  }

  // Once the header is in: framing, Host, target form, Origin and Expect. False when it
  // answered (and will close).
  bool checkHeader() {
    header_checked_ = true;
    const RequestParser& h = *parser_;
    request_id_ = shared_.requestId(h.first(kRequestIdHeader));
    method_ = h.method();
    path_ = "";
    auto refuse = [&](int status, std::string message) {
      keep_alive_ = false;
      parser_.reset();
      vsmcp::log(LogLevel::kDebug, "HTTP: refused a request from " + remote_ + " with " +
                                       std::to_string(status) + ": " + message);
      respondError(status, message);
      return false;
    };
    // Transfer-Encoding: only "chunked" is understood, and it must come last (RFC 9112, 6).
    if (h.count("Transfer-Encoding") > 0) {
      if (h.version() < 11)
        return refuse(400, "Bad Request: Transfer-Encoding in an HTTP/1.0 request");
      if (!h.chunked())
        return refuse(400, "Bad Request: chunked must be the final transfer coding");
      for (const auto& [name, value] : h.fields()) {
        if (!iequals(name, "Transfer-Encoding")) continue;
        std::string_view rest = value;
        while (!rest.empty()) {
          size_t comma = rest.find(',');
          std::string_view coding = trimWhitespace(rest.substr(0, comma));
          rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
          if (!coding.empty() && !iequals(coding, "chunked"))
            return refuse(501, "Not Implemented: transfer coding '" + std::string(coding) + "'");
        }
      }
    }
    const size_t hosts = h.count("Host");
    if (hosts > 1 || (hosts == 0 && h.version() >= 11))
      return refuse(400, "Bad Request: exactly one Host header is required");
    std::string_view target = h.target();
    bool origin_form = !target.empty() && target.front() == '/';
    std::string lower = toLower(target.substr(0, 8));
    bool absolute_form = lower.rfind("http://", 0) == 0 || lower.rfind("https://", 0) == 0;
    bool asterisk = target == "*" && h.verb() == bh::verb::options;
    if (!origin_form && !absolute_form && !asterisk)
      return refuse(400, "Bad Request: the request target must be a path");
    // Host and Origin: answered 403 once the body is in, so the connection stays usable.
    refusal_ = shared_.policyRefusal(h);
    if (h.count("Expect") > 0) {
      if (h.count("Expect") > 1 || !iequals(trimWhitespace(h.first("Expect")), "100-continue"))
        return refuse(417, "Expectation Failed: only 100-continue is supported");
      if (!h.is_done() && h.version() >= 11) sendContinue();
    }
    parser_->eager(true);
    return true;
  }

  // --- requests ---

  void onRequest() {
    cancelTimer();
    request_started_ = false;
    RequestParser& parsed = *parser_;
    phase_ = Phase::kHandling;
    setBusy(true);
    keep_alive_ = parsed.keep_alive();
    http10_ = parsed.version() < 11;
    head_request_ = parsed.verb() == bh::verb::head;
    started_ = Clock::now();
    if (!refusal_.empty()) {
      path_ = splitTarget(parsed.target()).first;
      parser_.reset();
      if (shared_.policy_log.allow())
        vsmcp::log(LogLevel::kWarning, "HTTP: refused " + method_ + " " + shortPath(path_) +
                                           " from " + remote_ + " with 403: " + refusal_ +
                                           " (at most one such line a second)");
      respondError(403, refusal_);
      return;
    }

    auto request = std::make_shared<Request>();
    request->method = method_;
    request->target = parsed.target();
    if (request->target == "*") {
      request->path = "*";
    } else {
      std::tie(request->path, request->query) = splitTarget(request->target);
    }
    path_ = request->path;
    request->headers = std::move(parsed.fields());
    request->headers.erase(
        std::remove_if(request->headers.begin(), request->headers.end(),
                       [](const auto& h) { return iequals(h.first, kRequestIdHeader); }),
        request->headers.end());
    request->headers.emplace_back(std::string(kRequestIdHeader), request_id_);  // the one id
    request->body = std::move(parsed.body());
    request->remote_address = remote_;
    parser_.reset();

    if (shared_.inline_handler) {
      std::optional<Response> response;
      try {
        response = shared_.inline_handler(*request);
      } catch (const std::exception& e) {
        handlerFailed(e.what());
        return;
      } catch (...) {
        handlerFailed("an exception that is not a std::exception");
        return;
      }
      if (response) {
        respond(std::move(*response));
        return;
      }
    }
    if (!shared_.handler) {
      respondError(404, "Not Found");
      return;
    }
    submit(std::move(request));
  }

  void handlerFailed(const std::string& what) {
    vsmcp::log(LogLevel::kError, "HTTP: the handler of " + method_ + " " + shortPath(path_) +
                                     " (id=" + request_id_ + ") threw: " + what);
    respondError(500, "Internal Server Error");
  }

  void submit(std::shared_ptr<Request> request) {
    const uint64_t gen = ++job_gen_;
    auto self = this->shared_from_this();
    WorkerPool::Job job;
    job.run = [self, gen, request = std::move(request)] {
      std::optional<Response> response;
      std::string failure;
      try {
        response = self->shared_.handler(*request);
      } catch (const std::exception& e) {
        failure = e.what();
      } catch (...) {
        failure = "an exception that is not a std::exception";
      }
      asio::post(self->executor_, [self, gen, response = std::move(response),
                                   failure = std::move(failure)]() mutable {
        if (self->phase_ != Phase::kHandling || gen != self->job_gen_) return;  // late or gone
        if (response) {
          self->respond(std::move(*response));
        } else {
          self->handlerFailed(failure);
        }
      });
    };
    job.refuse = [self, gen] {
      asio::post(self->executor_, [self, gen] {
        if (self->phase_ != Phase::kHandling || gen != self->job_gen_) return;
        self->keep_alive_ = false;
        self->respondError(503, "Service Unavailable: the server is stopping",
                           {{"Retry-After", "1"}});
      });
    };
    if (!shared_.pool->trySubmit(std::move(job))) {
      if (shared_.busy_log.allow())
        vsmcp::log(LogLevel::kWarning, "HTTP: " + method_ + " " + shortPath(path_) +
                                           " (id=" + request_id_ +
                                           ") refused with 503: every worker is busy and the "
                                           "queue is full (at most one such line a second)");
      respondError(503, "Service Unavailable: too many requests waiting, retry later",
                   {{"Retry-After", "1"}});
      return;
    }
    if (options().handler_timeout.count() > 0) armTimer(options().handler_timeout);
  }

  // --- responses ---

  // A handler's response, checked: an invalid one becomes 500.
  void respond(Response response) {
    bool valid = response.status >= 200 && response.status <= 599 &&
                 isSafeHeaderValue(response.content_type);
    for (const auto& [name, value] : response.headers)
      valid = valid && isToken(name) && isSafeHeaderValue(value);
    if (!valid) {
      vsmcp::log(LogLevel::kError, "HTTP: the handler of " + method_ + " " + shortPath(path_) +
                                       " (id=" + request_id_ +
                                       ") gave an invalid response (status " +
                                       std::to_string(response.status) +
                                       ", or CR, LF, NUL or a bad name in a header)");
      respondError(500, "Internal Server Error");
      return;
    }
    response.headers.erase(std::remove_if(response.headers.begin(), response.headers.end(),
                                          [](const auto& h) { return isReservedHeader(h.first); }),
                           response.headers.end());
    const bool no_body = head_request_ || response.status == 204 || response.status == 304;
    if (response.stream && !no_body) {
      startStream(std::move(response));
      return;
    }
    send(response.status, response.content_type, response.headers, std::move(response.body));
  }

  void respondError(int status, const std::string& message, const Headers& headers = {}) {
    std::string body;
    if (options().error_body) {
      try {
        body = options().error_body(status, message);
      } catch (...) {
        body.clear();  // fall back to the default body below
      }
    }
    send(status, "application/json", headers, body.empty() ? errorBody(status, message) : std::move(body));
  }

  // The status line and headers into out_head_. `content_length` nullopt: a stream (chunked,
  // or for HTTP/1.0 delimited by the connection's end).
  void writeHead(int status, std::string_view content_type, const Headers& headers,
                 std::optional<size_t> content_length) {
    std::string& h = out_head_;
    h.clear();
    h.append("HTTP/1.1 ").append(std::to_string(status)).append(" ").append(reasonOf(status));
    h.append("\r\nDate: ").append(httpDate()).append("\r\n");
    if (!options().server_header.empty())
      h.append("Server: ").append(options().server_header).append("\r\n");
    if (!content_type.empty()) h.append("Content-Type: ").append(content_type).append("\r\n");
    if (!content_length) {
      if (chunked_) h.append("Transfer-Encoding: chunked\r\n");
    } else if (status != 204) {
      h.append("Content-Length: ").append(std::to_string(*content_length)).append("\r\n");
    }
    h.append("X-Request-Id: ").append(request_id_).append("\r\n");
    for (const auto& [name, value] : headers)
      h.append(name).append(": ").append(value).append("\r\n");
    if (close_after_) {
      h.append("Connection: close\r\n");
    } else if (http10_) {
      h.append("Connection: keep-alive\r\n");
    }
    h.append("\r\n");
    if (vsmcp::shouldLog(LogLevel::kDebug)) {
      auto ms = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
      vsmcp::log(LogLevel::kDebug, "HTTP " + remote_ + " " + method_ + " " + shortPath(path_) +
                                       " -> " + std::to_string(status) +
                                       (content_length ? " (" : " (stream, ") +
                                       std::to_string(ms) + " ms, id=" + request_id_ + ")");
    }
  }

  void send(int status, std::string_view content_type, const Headers& headers, std::string body) {
    cancelTimer();
    phase_ = Phase::kWriting;
    setBusy(true);
    close_after_ = !keep_alive_ || stopping_ || shared_.draining.load();
    writeHead(status, content_type, headers, body.size());
    const bool no_body = head_request_ || status == 204 || status == 304;
    out_body_ = no_body ? std::string() : std::move(body);
    armTimer(options().idle_timeout);  // bounds the write
    if (continue_writing_) {
      response_waiting_ = true;  // after the 100 Continue
    } else {
      writeResponse();
    }
  }

  void sendContinue() {
    static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    continue_writing_ = true;
    asio::async_write(
        stream_, asio::buffer(kContinue),
        [self = this->shared_from_this()](const boost::system::error_code& ec, size_t) {
          self->continue_writing_ = false;
          if (self->phase_ == Phase::kClosed) return;
          if (ec) {
            self->close();
            return;
          }
          if (self->response_waiting_) {
            self->response_waiting_ = false;
            if (self->phase_ == Phase::kStreaming) {
              self->flushStream();
            } else {
              self->writeResponse();
            }
          }
        });
  }

  void writeResponse() {
    std::array<asio::const_buffer, 2> buffers{asio::buffer(out_head_), asio::buffer(out_body_)};
    asio::async_write(
        stream_, buffers,
        [self = this->shared_from_this()](const boost::system::error_code& ec, size_t) {
          if (self->phase_ == Phase::kClosed) return;
          if (ec) {
            self->close();  // the client left
            return;
          }
          self->afterResponse();
        });
  }

  void afterResponse() {
    cancelTimer();
    setBusy(false);
    out_body_ = std::string();  // free a large body now
    if (close_after_ || !keep_alive_ || stopping_) {
      if (stopping_) {
        close();
      } else {
        linger();
      }
      return;
    }
    started_ = Clock::now();
    waitForRequest(options().idle_timeout);  // a pipelined request may be buffered already
  }

  // --- streamed responses ---

  void startStream(Response response) {
    cancelTimer();
    phase_ = Phase::kStreaming;
    setBusy(response.drain_waits);
    chunked_ = !http10_;
    // HTTP/1.0 has no chunks: the body ends with the connection.
    close_after_ = !keep_alive_ || stopping_ || shared_.draining.load() || !chunked_;
    writeHead(response.status, response.content_type, response.headers, std::nullopt);
    out_.clear();
    out_.push_back(std::make_shared<const std::string>(std::move(out_head_)));
    out_head_.clear();
    source_ = std::move(response.stream);
    source_done_ = false;
    heartbeat_interval_ = response.heartbeat_interval;
    heartbeat_ = response.heartbeat.empty()
                     ? nullptr
                     : std::make_shared<const std::string>(std::move(response.heartbeat));
    if (!callSource("open", [&] { source_->open(makeWaker()); })) return;
    armHeartbeat();
    readSome();  // notices a client that leaves; keeps the start of a pipelined request
    pullStream();
  }

  // Runs a call into the source; an exception closes the connection (false).
  template <class F>
  bool callSource(const char* what, F&& f) {
    try {
      f();
      return true;
    } catch (const std::exception& e) {
      vsmcp::log(LogLevel::kError, std::string("HTTP: a stream's ") + what + " threw: " + e.what());
    } catch (...) {
      vsmcp::log(LogLevel::kError, std::string("HTTP: a stream's ") + what + " threw");
    }
    close();
    return false;
  }

  // The source's wake function (see the lifetime rule at the top).
  std::function<void()> makeWaker() {
    std::weak_ptr<Connection> weak = this->shared_from_this();
    return [weak, life = shared_.life] {
      std::shared_lock<std::shared_mutex> guard(life->mu);
      if (life->stopped) return;
      auto self = weak.lock();
      if (!self) return;
      if (!self->wake_posted_.exchange(true)) {
        asio::post(self->executor_, [self] {
          self->wake_posted_ = false;
          if (self->phase_ == Phase::kStreaming) self->pullStream();
        });
      }
      self.reset();  // before the guard: a connection must not outlive the io_context
    };
  }

  void pullStream() {
    if (phase_ != Phase::kStreaming || source_done_) return;
    if (writing_) {  // backpressure: pieces wait in the source until the client reads
      pull_after_write_ = true;
      return;
    }
    std::vector<Piece> pieces;
    bool complete = false;
    if (!callSource("pull", [&] { complete = source_->pull(pieces); })) return;
    for (auto& p : pieces) queuePiece(std::move(p));
    if (complete) {
      source_done_ = true;
      if (chunked_) {
        static const Piece kLastChunk = std::make_shared<const std::string>("0\r\n\r\n");
        out_.push_back(kLastChunk);
      }
    }
    flushStream();
  }

  void queuePiece(Piece piece) {
    if (!piece || piece->empty()) return;  // an empty chunk would end the body
    if (chunked_) {
      char size[24];
      auto r = std::to_chars(size, size + sizeof size - 2, piece->size(), 16);
      *r.ptr++ = '\r';
      *r.ptr++ = '\n';
      out_.push_back(std::make_shared<const std::string>(size, r.ptr));
      out_.push_back(std::move(piece));
      static const Piece kCrlf = std::make_shared<const std::string>("\r\n");
      out_.push_back(kCrlf);
    } else {
      out_.push_back(std::move(piece));
    }
  }

  void flushStream() {
    if (writing_ || phase_ != Phase::kStreaming) return;
    if (continue_writing_) {
      response_waiting_ = true;  // after the 100 Continue
      return;
    }
    if (out_.empty()) {
      cancelTimer();
      if (source_done_) finishStream();
      return;
    }
    writing_ = true;
    std::vector<asio::const_buffer> buffers;
    buffers.reserve(out_.size());
    for (const auto& p : out_) buffers.push_back(asio::buffer(*p));
    const size_t count = out_.size();
    armTimer(options().idle_timeout);  // bounds the write
    asio::async_write(stream_, std::move(buffers),
                      [self = this->shared_from_this(), count](
                          const boost::system::error_code& ec, size_t) {
                        self->writing_ = false;
                        if (self->phase_ == Phase::kClosed) return;
                        if (ec) {
                          self->close();  // the client left
                          return;
                        }
                        self->out_.erase(self->out_.begin(),
                                         self->out_.begin() + static_cast<std::ptrdiff_t>(count));
                        if (self->pull_after_write_) {
                          self->pull_after_write_ = false;
                          self->pullStream();  // flushes
                        } else {
                          self->flushStream();
                        }
                      });
  }

  // The whole body was written.
  void finishStream() {
    cancelHeartbeat();
    endSource(true);
    setBusy(false);
    chunked_ = false;
    // A drain that began after the head was written does not close the connection now (its
    // head did not say so): the next response will, or stop().
    if (close_after_ || !keep_alive_ || stopping_) {
      if (stopping_) {
        close();
      } else {
        linger();
      }
      return;
    }
    started_ = Clock::now();
    waitForRequest(options().idle_timeout);  // a pipelined request may be buffered already
  }

  void endSource(bool complete) {
    auto source = std::move(source_);
    source_.reset();
    if (!source) return;
    try {
      source->close(complete);
    } catch (const std::exception& e) {
      vsmcp::log(LogLevel::kError, std::string("HTTP: a stream's close threw: ") + e.what());
    } catch (...) {
      vsmcp::log(LogLevel::kError, "HTTP: a stream's close threw");
    }
  }

  void armHeartbeat() {
    if (!heartbeat_ || heartbeat_interval_.count() <= 0) return;
    heartbeat_timer_.expires_after(heartbeat_interval_);
    heartbeat_timer_.async_wait(
        [self = this->shared_from_this(), gen = ++heartbeat_gen_](boost::system::error_code ec) {
          if (ec || gen != self->heartbeat_gen_ || self->phase_ != Phase::kStreaming) return;
          if (!self->writing_ && self->out_.empty() && !self->source_done_) {
            self->queuePiece(self->heartbeat_);
            self->flushStream();
          }
          self->armHeartbeat();
        });
  }

  void cancelHeartbeat() {
    ++heartbeat_gen_;
    heartbeat_timer_.cancel();
  }

  // Half-closes, then reads and drops what the client still sends, so a client still sending
  // a refused body reads the response instead of a reset.
  void linger() {
    phase_ = Phase::kLinger;
    boost::system::error_code ec;
    socket().shutdown(tcp::socket::shutdown_send, ec);
    buffer_.consume(buffer_.size());
    armTimer(kLingerTime);
    readSome();
  }

  Shared& shared_;
  const asio::any_io_executor executor_;
  const std::string remote_;
  Stream stream_;
  asio::steady_timer timer_;
  asio::steady_timer heartbeat_timer_;
  uint64_t id_ = 0;
  bool refuse_ = false;  // answer 503 at once (max_connections_per_address)
  uint64_t timer_gen_ = 0;
  uint64_t job_gen_ = 0;  // the request being handled; a response of another is dropped
  Phase phase_ = Phase::kHandshake;
  beast::flat_buffer buffer_;  // received, not yet parsed
  std::vector<char> scratch_ = std::vector<char>(kReadChunk);
  std::optional<RequestParser> parser_;
  bool reading_ = false;
  bool request_started_ = false;  // bytes of the next request arrived
  bool header_checked_ = false;
  bool keep_alive_ = true;
  bool close_after_ = false;
  bool http10_ = false;
  bool head_request_ = false;
  bool stopping_ = false;
  bool continue_writing_ = false;  // a 100 Continue is being written
  bool response_waiting_ = false;  // the response waits for the 100 Continue
  bool busy_ = false;              // counted in Shared::busy
  std::string refusal_;            // the request gets 403 for its Host or Origin: why
  std::string out_head_;
  std::string out_body_;
  // A streamed response (Phase::kStreaming).
  std::shared_ptr<StreamSource> source_;  // until its close()
  bool source_done_ = false;              // pull() said complete
  bool chunked_ = false;
  bool writing_ = false;
  bool pull_after_write_ = false;  // a wake came while writing
  std::atomic<bool> wake_posted_{false};
  std::deque<Piece> out_;  // to write, in order; the head, chunk framing and pieces
  Piece heartbeat_;
  std::chrono::milliseconds heartbeat_interval_{0};
  uint64_t heartbeat_gen_ = 0;
  // The current request, for responses and logs.
  std::string request_id_;
  std::string method_;
  std::string path_;
  Clock::time_point started_ = Clock::now();
};

using PlainConnection = Connection<tcp::socket>;
using TlsConnection = Connection<ssl::stream<tcp::socket>>;

Status loadTls(ssl::context& ctx, const std::string& cert_file, const std::string& key_file) {
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                  ssl::context::no_compression | ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  auto readable = [](const char* what, const std::string& path) {
    std::ifstream probe(path);
    if (probe) return Status::Ok();
    return Status::Error(ErrorCode::kTls, std::string("cannot read the TLS ") + what + " file '" +
                                              path + "': " + std::strerror(errno));
  };
  VSMCP_RETURN_IF_ERROR(readable("certificate", cert_file));
  VSMCP_RETURN_IF_ERROR(readable("private key", key_file));
  boost::system::error_code ec;
  ctx.use_certificate_chain_file(cert_file, ec);
  if (ec)
    return Status::Error(ErrorCode::kTls, "cannot load the TLS certificate chain '" + cert_file +
                                              "': " + ec.message());
  ctx.use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec)
    return Status::Error(ErrorCode::kTls,
                         "cannot load the TLS private key '" + key_file + "': " + ec.message());
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1)
    return Status::Error(ErrorCode::kTls, "the TLS private key '" + key_file +
                                              "' does not match the certificate '" + cert_file +
                                              "'");
  return Status::Ok();
}

}  // namespace

// --- Server -------------------------------------------------------------------------------

class Server::Impl {
 public:
  Impl(ServerOptions options, Handler handler, InlineHandler inline_handler)
      : shared_(std::move(options), std::move(handler), std::move(inline_handler)) {}
  ~Impl() { stop(); }

  Status start() {
    std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
    if (used_)
      return Status::Error(ErrorCode::kInvalidState, "the HTTP server was already started");
    const ServerOptions& o = shared_.options;
    if (o.tls_cert_file.empty() != o.tls_key_file.empty())
      return Status::InvalidArgument("tls_cert_file and tls_key_file must be set together");
    if (o.workers == 0 && shared_.handler)
      return Status::InvalidArgument("workers must be at least 1");
    if (o.max_connections == 0)
      return Status::InvalidArgument("max_connections must be at least 1");
    if (o.request_timeout.count() <= 0 || o.idle_timeout.count() <= 0)
      return Status::InvalidArgument("request_timeout and idle_timeout must be positive");
    if (o.handler_timeout.count() < 0)
      return Status::InvalidArgument("handler_timeout must not be negative (0 = none)");
    if (!isSafeHeaderValue(o.server_header))
      return Status::InvalidArgument("server_header must not contain CR, LF or NUL");
    if (!shared_.handler && !shared_.inline_handler)
      return Status::InvalidArgument("the handler is empty");

    std::unique_ptr<ssl::context> tls;
    if (!o.tls_cert_file.empty()) {
      tls = std::make_unique<ssl::context>(ssl::context::tls_server);
      VSMCP_RETURN_IF_ERROR(loadTls(*tls, o.tls_cert_file, o.tls_key_file));
    }

    const unsigned io_threads = std::max(1u, o.io_threads);
    auto ioc = std::make_unique<asio::io_context>(static_cast<int>(io_threads));
    boost::system::error_code ec;
    tcp::endpoint endpoint;
    auto address = asio::ip::make_address(o.host, ec);
    if (!ec) {
      endpoint = tcp::endpoint(address, o.port);
    } else {
      tcp::resolver resolver(*ioc);
      auto found = resolver.resolve(o.host, std::to_string(o.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
      if (ec || found.empty())
        return Status::InvalidArgument("cannot resolve the bind address '" + o.host +
                                       "': " + (ec ? ec.message() : "no address"));
      endpoint = found.begin()->endpoint();
    }
    auto acceptor = std::make_unique<tcp::acceptor>(asio::make_strand(*ioc));
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return Status::Unavailable("cannot listen on " + o.host + ":" + std::to_string(o.port) +
                                 ": " + ec.message());
    port_ = acceptor->local_endpoint(ec).port();
    shared_.loopback_only = endpoint.address().is_loopback();
    std::string host = endpoint.address().is_v6() ? "[" + endpoint.address().to_string() + "]"
                                                  : endpoint.address().to_string();
    {
      std::lock_guard<std::mutex> lock(mu_);
      url_ = std::string(tls ? "https" : "http") + "://" + host + ":" + std::to_string(port_);
    }

    if (shared_.handler) shared_.pool = std::make_unique<WorkerPool>(o.workers, o.max_queued);
    // Keeps the I/O threads running while handlers hold connections that have no pending I/O.
    work_.emplace(ioc->get_executor());
    ioc_ = std::move(ioc);
    tls_ = std::move(tls);
    acceptor_ = std::move(acceptor);
    retry_timer_ = std::make_unique<asio::steady_timer>(acceptor_->get_executor());
    used_ = true;
    running_ = true;
    asio::dispatch(acceptor_->get_executor(), [this] { accept(); });
    for (unsigned i = 0; i < io_threads; ++i) threads_.emplace_back([this] { run(); });
    vsmcp::log(LogLevel::kInfo, "HTTP server listening on " + url());
    return Status::Ok();
  }

  void stop() {
    std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
    if (!running_) return;
    running_ = false;
    std::vector<std::shared_ptr<ConnectionBase>> live;
    {
      std::lock_guard<std::mutex> lock(shared_.mu);
      shared_.stopping = true;  // no connection is admitted from now on
      for (auto& [id, entry] : shared_.connections)
        if (auto c = entry.connection.lock()) live.push_back(std::move(c));
    }
    asio::post(acceptor_->get_executor(), [this] {
      boost::system::error_code ec;
      acceptor_->close(ec);
      retry_timer_->cancel();
    });
    for (auto& c : live) c->notifyStop();
    live.clear();  // the connections belong to the io_context again
    // Queued requests get 503; running handlers finish and their responses go out.
    if (shared_.pool) shared_.pool->shutdown();
    {
      std::unique_lock<std::mutex> lock(shared_.mu);
      auto drain = std::min<Clock::duration>(shared_.options.idle_timeout, kMaxDrainTime);
      shared_.emptied.wait_for(lock, drain, [this] { return shared_.connections.empty(); });
    }
    {
      std::unique_lock<std::shared_mutex> guard(shared_.life->mu);
      shared_.life->stopped = true;  // no stream wakes a connection from now on
    }
    shared_.halted = true;
    shared_.idleChanged();  // a waitIdle() returns
    work_.reset();
    ioc_->stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    retry_timer_.reset();
    acceptor_.reset();
    ioc_.reset();  // destroys the pending handlers and with them the remaining connections
    tls_.reset();
    vsmcp::log(LogLevel::kInfo, "HTTP server " + url() + " stopped");
  }

  void drain() {
    std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
    if (!running_ || shared_.draining.exchange(true)) return;
    // Closed on its strand, which the I/O threads run; returns once no connection is accepted.
    std::promise<void> closed;
    asio::post(acceptor_->get_executor(), [this, &closed] {
      boost::system::error_code ec;
      acceptor_->close(ec);
      retry_timer_->cancel();
      closed.set_value();
    });
    closed.get_future().wait();
    vsmcp::log(LogLevel::kInfo, "HTTP server " + url() + " draining: no new connections");
  }

  bool draining() const { return shared_.draining.load(); }

  bool waitIdle(std::chrono::milliseconds limit) {
    ++shared_.idle_waiters;
    bool idle;
    {
      std::unique_lock<std::mutex> lock(shared_.idle_mu);
      idle = shared_.idle_cv.wait_for(lock, limit, [this] { return shared_.idle(); });
    }
    --shared_.idle_waiters;
    return idle;
  }

  unsigned short port() const { return port_.load(); }

  std::string url() const {
    std::lock_guard<std::mutex> lock(mu_);
    return url_;
  }

 private:
  void run() {
    for (;;) {
      try {
        ioc_->run();
        return;
      } catch (const std::exception& e) {  // e.g. bad_alloc in a handler: log, keep serving
        vsmcp::log(LogLevel::kError, std::string("HTTP: an I/O thread caught: ") + e.what());
      }
    }
  }

  // On the acceptor's strand.
  void accept() {
    acceptor_->async_accept(asio::make_strand(*ioc_),
                            [this](boost::system::error_code ec, tcp::socket socket) {
                              if (ec == asio::error::operation_aborted || !acceptor_->is_open())
                                return;
                              if (ec) {
                                // E.g. out of file descriptors: retry shortly rather than spin.
                                shared_.logRefusal("accept failed: " + ec.message());
                                retry_timer_->expires_after(std::chrono::milliseconds(100));
                                retry_timer_->async_wait([this](boost::system::error_code wec) {
                                  if (!wec && acceptor_->is_open()) accept();
                                });
                                return;
                              }
                              admit(std::move(socket));
                              accept();
                            });
  }

  void admit(tcp::socket socket) {
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    auto remote = socket.remote_endpoint(ec);
    std::string peer = ec ? std::string("?") : remote.address().to_string();
    const std::string address = peer;
    auto executor = socket.get_executor();
    std::shared_ptr<ConnectionBase> base;
    std::function<void()> start;
    if (tls_) {
      auto c = std::make_shared<TlsConnection>(shared_, executor, std::move(peer),
                                               std::move(socket), *tls_);
      base = c;
      start = [c] { c->start(); };
    } else {
      auto c =
          std::make_shared<PlainConnection>(shared_, executor, std::move(peer), std::move(socket));
      base = c;
      start = [c] { c->start(); };
    }
    uint64_t id = 0;
    const auto admission = shared_.admit(id, address, base);
    const std::string per_address_limit =
        "the limit of " + std::to_string(shared_.options.max_connections_per_address) +
        " connections from " + address + " is reached";
    switch (admission) {
      case Shared::Admission::kAdmitted:
      case Shared::Admission::kRefused:
        break;
      case Shared::Admission::kFull:
        shared_.logRefusal("the limit of " + std::to_string(shared_.options.max_connections) +
                           " connections is reached");
        return;  // dropping the connection closes its socket at once
      case Shared::Admission::kAddressFull:
        shared_.logRefusal(per_address_limit + " (and as many are being answered 503)");
        return;
      case Shared::Admission::kStopping:
        return;
    }
    const bool refuse = admission == Shared::Admission::kRefused;
    if (refuse) shared_.logRefusal(per_address_limit + ": answered 503");
    if (tls_) {
      std::static_pointer_cast<TlsConnection>(base)->setId(id, refuse);
    } else {
      std::static_pointer_cast<PlainConnection>(base)->setId(id, refuse);
    }
    asio::dispatch(executor, std::move(start));
  }

  Shared shared_;            // declared first: outlives the io_context and every connection
  std::mutex lifecycle_mu_;  // serialises start and stop (held while joining threads)
  bool used_ = false;        // guarded by lifecycle_mu_
  bool running_ = false;     // guarded by lifecycle_mu_
  std::unique_ptr<ssl::context> tls_;  // outlives the io_context (TLS streams refer to it)
  std::unique_ptr<asio::io_context> ioc_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::unique_ptr<asio::steady_timer> retry_timer_;
  std::vector<std::thread> threads_;
  std::atomic<unsigned short> port_{0};
  mutable std::mutex mu_;
  std::string url_;  // guarded by mu_
};

Server::Server(ServerOptions options, Handler handler, InlineHandler inline_handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler),
                                   std::move(inline_handler))) {}
Server::~Server() = default;
Status Server::start() { return impl_->start(); }
unsigned short Server::port() const { return impl_->port(); }
std::string Server::url() const { return impl_->url(); }
void Server::stop() { impl_->stop(); }
void Server::drain() { impl_->drain(); }
bool Server::draining() const { return impl_->draining(); }
bool Server::waitIdle(std::chrono::milliseconds limit) { return impl_->waitIdle(limit); }

// --- serveUntilSignal ---------------------------------------------------------------------

namespace {
// Self-pipe: the handler only writes a byte (async-signal-safe), whichever thread the kernel
// picked; serveUntilSignal waits on the other end.
int g_signal_pipe[2] = {-1, -1};
std::atomic<bool> g_serving{false};

extern "C" void vsmcpHttpOnStopSignal(int) {
  const int saved = errno;
  const char b = 1;
  ssize_t ignored = ::write(g_signal_pipe[1], &b, 1);
  (void)ignored;
  errno = saved;
}
}  // namespace

Status serveUntilSignal(Server& server,
                        const std::function<void(const std::string& url)>& on_ready) {
  if (g_serving.exchange(true))
    return Status::Error(ErrorCode::kInvalidState, "serveUntilSignal is already serving");
  if (::pipe2(g_signal_pipe, O_CLOEXEC) != 0) {
    g_serving = false;
    return Status::Internal(std::string("cannot create the signal pipe: ") + std::strerror(errno));
  }
  // A full pipe must never block the handler; one byte is enough to wake the reader.
  ::fcntl(g_signal_pipe[1], F_SETFL, ::fcntl(g_signal_pipe[1], F_GETFL) | O_NONBLOCK);
  struct sigaction action {};
  action.sa_handler = vsmcpHttpOnStopSignal;
  sigemptyset(&action.sa_mask);
  // Puts the old handlers back and closes the pipe however this function ends.
  struct Restore {
    struct sigaction old_int {
    }, old_term{};
    ~Restore() {
      sigaction(SIGINT, &old_int, nullptr);
      sigaction(SIGTERM, &old_term, nullptr);
      ::close(g_signal_pipe[0]);
      ::close(g_signal_pipe[1]);
      g_signal_pipe[0] = g_signal_pipe[1] = -1;
      g_serving = false;
    }
  } restore;
  sigaction(SIGINT, &action, &restore.old_int);
  sigaction(SIGTERM, &action, &restore.old_term);
  VSMCP_RETURN_IF_ERROR(server.start());
  if (on_ready) on_ready(server.url());
  char b;
  while (::read(g_signal_pipe[0], &b, 1) < 0 && errno == EINTR) {
  }
  vsmcp::log(LogLevel::kInfo, "HTTP server: stop signal received");
  server.stop();
  return Status::Ok();
}

}  // namespace vsmcp::http
