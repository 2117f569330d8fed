// HttpServer: MCP Streamable HTTP on Boost.Beast's HTTP/1.1 parser and Asio.
//
// Pieces, from the inside out:
// - EventStream: one SSE stream of a session (the standalone GET stream, number 0, or the
//   stream of one POST). It numbers and keeps the last `replay_buffer` events, knows when it
//   has ended, and wakes the one connection currently writing it. Thread-safe: sessions
//   append from the Server's workers.
// - PostSink / StandaloneSink: the MessageSinks given to the Server; they append to a stream.
// - SessionEntry / SessionTable: the HTTP side of each session (its streams, last use).
// - Connection: one TCP (or TLS) connection, all on its own strand. It parses requests with
//   Beast's parser fed from one read loop that stays armed while responding (to notice a
//   client that leaves, and to keep pipelined requests), writes through a queue, and, while it
//   serves an SSE stream, pulls the stream's events when woken.
// - HttpServer::Impl: listener, I/O threads, session expiry, start/stop.
//
// Lifetime rule: connections belong to the io_context (their pending handlers hold them).
// Sinks may outlive it (the Server keeps them), so a stream wakes a connection only under
// Core::mu held shared and only while Core::stopped is false; stop() sets it under the
// exclusive lock before destroying the io_context.
#include "mcp/http_transport.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include "mcp/protocol.hpp"
#include "stop_signal.hpp"
#include "vsmcp/log.hpp"

namespace vsmcp::mcp {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Request = http::request<http::string_body>;
using Headers = std::vector<std::pair<std::string, std::string>>;
using Bytes = std::shared_ptr<const std::string>;
using Level = vsmcp::LogLevel;  // not mcp::LogLevel (the protocol's levels)

// Streamable HTTP header names.
constexpr std::string_view kSessionHeader = "Mcp-Session-Id";
constexpr std::string_view kProtocolHeader = "MCP-Protocol-Version";
constexpr std::string_view kLastEventIdHeader = "Last-Event-ID";
// Version assumed when a request carries none (transports spec, "Protocol Version Header").
constexpr std::string_view kDefaultProtocolVersion = "2025-03-26";
// First version whose clients expect a priming event (id, empty data) on SSE streams.
constexpr std::string_view kPrimingVersion = "2025-11-25";
// JSON-RPC "server error" code for refusals at the HTTP level (no session, wrong headers).
constexpr int kTransportError = -32000;

constexpr size_t kReadChunk = 16u << 10;
// While a response is written, at most this much of the next (pipelined) request is read.
constexpr size_t kMaxBufferedAhead = 64u << 10;
// Ended POST streams a session keeps for resumption when their connection broke.
constexpr size_t kMaxRetainedStreams = 16;
// After a response that closes the connection, the rest of the request is read and
// dropped for this long, so the client sees the response rather than a reset.
constexpr auto kLingerTime = std::chrono::seconds(2);

// --- small helpers ------------------------------------------------------------------------

std::string toLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }
beast::string_view bsv(std::string_view s) { return {s.data(), s.size()}; }

// The value of a request header, trimmed; nullopt when absent.
std::optional<std::string> headerOf(const Request& req, std::string_view name) {
  auto it = req.find(bsv(name));
  if (it == req.end()) return std::nullopt;
  return std::string(trim(sv(it->value())));
}

bool isSupportedVersion(std::string_view v) {
  for (auto known : kProtocolVersions)
    if (known == v) return true;
  return false;
}

// What an Accept header allows. An absent header accepts anything (RFC 9110, 12.5.1).
struct Acceptable {
  bool json = true;
  bool sse = true;
};

Acceptable acceptOf(const Request& req) {
  auto accept = headerOf(req, "Accept");
  if (!accept) return {};
  Acceptable out{false, false};
  std::string_view rest = *accept;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    std::string type = toLower(trim(item.substr(0, item.find(';'))));
    if (type == "*/*" || type == "application/*" || type == "application/json") out.json = true;
    if (type == "*/*" || type == "text/*" || type == "text/event-stream") out.sse = true;
  }
  return out;
}

bool isJsonContentType(const Request& req) {
  auto type = headerOf(req, "Content-Type");
  if (!type) return false;
  return toLower(trim(std::string_view(*type).substr(0, type->find(';')))) == "application/json";
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

bool isLoopbackName(std::string_view host) {
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]";
}

bool originAllowed(std::string_view origin, const std::vector<std::string>& allowed) {
  if (!allowed.empty()) {
    for (const auto& a : allowed)
      if (a == "*" || iequals(trim(a), origin)) return true;
    return false;
  }
  std::string o = toLower(origin);
  std::string_view rest;
  if (o.rfind("http://", 0) == 0) {
    rest = std::string_view(o).substr(7);
  } else if (o.rfind("https://", 0) == 0) {
    rest = std::string_view(o).substr(8);
  } else {
    return false;  // "null", other schemes
  }
  if (rest.find('/') != std::string_view::npos) return false;
  return isLoopbackName(hostPart(rest));
}

bool hostAllowed(std::string_view host, const std::vector<std::string>& allowed) {
  if (allowed.empty()) return isLoopbackName(hostPart(host));
  for (const auto& a : allowed)
    if (iequals(trim(a), host) || iequals(trim(a), hostPart(host))) return true;
  return false;
}

std::string rpcError(int code, std::string_view message) {
  Json error = Json::object();
  error.set("code", code).set("message", message);
  Json m = Json::object();
  m.set("jsonrpc", "2.0").set("id", Json()).set("error", std::move(error));
  return m.dump();
}

// One SSE event; data lines split at line breaks so no payload can end the event early.
std::string sseFrame(std::string_view id, std::string_view data) {
  std::string out;
  out.reserve(data.size() + id.size() + 16);
  out.append("id: ").append(id).append("\n");
  size_t start = 0;
  while (true) {
    size_t end = data.find_first_of("\r\n", start);
    out.append("data: ").append(data.substr(start, end - start)).append("\n");
    if (end == std::string_view::npos) break;
    start = end + (data.compare(end, 2, "\r\n") == 0 ? 2 : 1);
  }
  out.append("\n");
  return out;
}

std::string eventId(uint64_t stream, uint64_t seq) {
  return std::to_string(stream) + "-" + std::to_string(seq);
}

struct EventCursor {
  uint64_t stream = 0;
  uint64_t seq = 0;
};

std::optional<EventCursor> parseEventId(std::string_view id) {
  size_t dash = id.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  EventCursor c;
  auto a = std::from_chars(id.data(), id.data() + dash, c.stream);
  auto b = std::from_chars(id.data() + dash + 1, id.data() + id.size(), c.seq);
  if (a.ec != std::errc() || a.ptr != id.data() + dash || b.ec != std::errc() ||
      b.ptr != id.data() + id.size())
    return std::nullopt;
  return c;
}

bool safeHeaderText(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::string reasonOf(int status) {
  auto reason = http::obsolete_reason(static_cast<http::status>(status));
  return std::string(sv(reason));
}

// --- streams and sinks --------------------------------------------------------------------

struct Core {
  std::shared_mutex mu;  // held shared while waking a connection; exclusive to stop
  bool stopped = false;  // guarded by mu
  std::atomic<size_t> connections{0};

  // Graceful shutdown (HttpServer::shutdown). While `draining`, requests that would start
  // work are refused; the drain is over when no POST has a request left to answer
  // (`outstanding`) and no connection is writing a response (`busy`; an open GET stream
  // does not count), or when `halted` (stop() came first).
  std::atomic<bool> draining{false};
  std::atomic<bool> halted{false};
  std::atomic<std::int64_t> outstanding{0};  // POST sinks whose stream has not ended
  std::atomic<std::int64_t> busy{0};         // connections with a response under way
  std::mutex drain_mu;
  std::condition_variable drain_cv;  // notified on changes while draining

  bool drained() const { return halted.load() || (outstanding.load() <= 0 && busy.load() <= 0); }
  // After a counter went down: wakes a shutdown() waiting for the drain. Cheap when not
  // draining (the counters change before `draining` is read, so no wake-up is lost).
  void changed() {
    if (!draining.load()) return;
    { std::lock_guard<std::mutex> lock(drain_mu); }
    drain_cv.notify_all();
  }
};

// Whoever writes a stream to a client (a Connection).
class StreamListener {
 public:
  virtual ~StreamListener() = default;
  // New events, the stream's end, or another listener took over. Any thread.
  virtual void wake() = 0;
};

class EventStream {
 public:
  EventStream(std::shared_ptr<Core> core, uint64_t number, size_t capacity)
      : core_(std::move(core)), number_(number), capacity_(std::max<size_t>(1, capacity)) {}

  uint64_t number() const { return number_; }

  // Adds one message; dropped when the stream has ended (e.g. a late progress).
  void append(const std::string& message) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_) return;
      uint64_t seq = next_seq_++;
      events_.push_back(
          {seq, std::make_shared<const std::string>(sseFrame(eventId(number_, seq), message))});
      if (events_.size() > capacity_) events_.pop_front();
    }
    wake();
  }

  void finish() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_) return;
      finished_ = true;
    }
    wake();
  }

  bool finished() const {
    std::lock_guard<std::mutex> lock(mu_);
    return finished_;
  }

  struct Batch {
    std::vector<Bytes> frames;
    uint64_t last = 0;      // seq of the last frame, or `after` when none
    bool finished = false;  // and nothing remains after `last`
    bool gap = false;       // events after `after` were already dropped from the buffer
  };
  Batch collect(uint64_t after) {
    std::lock_guard<std::mutex> lock(mu_);
    Batch b;
    b.last = after;
    b.finished = finished_;
    if (!events_.empty() && events_.front().seq > after + 1) b.gap = true;
    for (const auto& e : events_) {
      if (e.seq <= after) continue;
      b.frames.push_back(e.frame);
      b.last = e.seq;
    }
    delivered_ = std::max(delivered_, b.last);
    return b;
  }

  // The highest seq a connection has taken for writing.
  uint64_t delivered() const {
    std::lock_guard<std::mutex> lock(mu_);
    return delivered_;
  }

  // Makes `l` the stream's writer. Without `replace`, fails when a live one exists.
  // Returns false on failure; `previous` gets the writer replaced, to be woken.
  bool attach(const std::shared_ptr<StreamListener>& l, bool replace,
              std::shared_ptr<StreamListener>& previous) {
    std::lock_guard<std::mutex> lock(mu_);
    previous = listener_.lock();
    if (previous && !replace) return false;
    listener_ = l;
    return true;
  }
  void detach(const StreamListener* l) {
    std::lock_guard<std::mutex> lock(mu_);
    if (listener_.lock().get() == l) listener_.reset();
  }
  bool isListener(const StreamListener* l) const {
    std::lock_guard<std::mutex> lock(mu_);
    return listener_.lock().get() == l;
  }
  bool hasListener() const {
    std::lock_guard<std::mutex> lock(mu_);
    return !listener_.expired();
  }

 private:
  struct Event {
    uint64_t seq;
    Bytes frame;  // the whole SSE event text
  };

  void wake() {
    std::shared_lock<std::shared_mutex> guard(core_->mu);
    if (core_->stopped) return;
    std::shared_ptr<StreamListener> listener;
    {
      std::lock_guard<std::mutex> lock(mu_);
      listener = listener_.lock();
    }
    if (listener) listener->wake();
    listener.reset();  // before the guard: a connection must not outlive the io_context
  }

  const std::shared_ptr<Core> core_;
  const uint64_t number_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::deque<Event> events_;                // guarded by mu_
  uint64_t next_seq_ = 1;                   // guarded by mu_
  uint64_t delivered_ = 0;                  // guarded by mu_
  bool finished_ = false;                   // guarded by mu_
  std::weak_ptr<StreamListener> listener_;  // guarded by mu_
};

// The sink of one POST. Its stream ends once every request of the POST was answered. Counts
// in Core::outstanding from its creation until its stream ended (or the POST turned out to
// carry no request: release()).
class PostSink final : public MessageSink {
 public:
  PostSink(std::shared_ptr<Core> core, std::shared_ptr<EventStream> stream)
      : core_(std::move(core)), stream_(std::move(stream)) {
    ++core_->outstanding;
  }
  ~PostSink() override { release(); }
  PostSink(const PostSink&) = delete;
  PostSink& operator=(const PostSink&) = delete;

  void send(const std::string& message) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (messages_++ == 0 && !expected_) first_ = message;  // only while receive() runs
    }
    stream_->append(message);
  }
  void requestDone() override {
    bool end;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++done_;
      end = expected_ && done_ >= *expected_;
    }
    if (end) {
      stream_->finish();
      release();
    }
  }
  // The number of requests Session::receive accepted (requestDone may already have come).
  void expect(size_t n) {
    bool end;
    {
      std::lock_guard<std::mutex> lock(mu_);
      expected_ = n;
      end = done_ >= n;
    }
    if (end) {
      stream_->finish();
      release();
    }
  }
  // No request of this POST is left to answer. Idempotent.
  void release() {
    if (released_.exchange(true)) return;
    --core_->outstanding;
    core_->changed();
  }
  std::string firstMessage() const {
    std::lock_guard<std::mutex> lock(mu_);
    return first_;
  }
  size_t messages() const {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_;
  }

 private:
  const std::shared_ptr<Core> core_;
  const std::shared_ptr<EventStream> stream_;
  std::atomic<bool> released_{false};
  mutable std::mutex mu_;
  std::string first_;               // guarded by mu_
  size_t messages_ = 0;             // guarded by mu_
  size_t done_ = 0;                 // guarded by mu_
  std::optional<size_t> expected_;  // guarded by mu_
};

// A session's default sink: messages that belong to no request (list_changed, updates).
class StandaloneSink final : public MessageSink {
 public:
  explicit StandaloneSink(std::shared_ptr<EventStream> stream) : stream_(std::move(stream)) {}
  void send(const std::string& message) override { stream_->append(message); }

 private:
  const std::shared_ptr<EventStream> stream_;
};

// --- sessions -----------------------------------------------------------------------------

class SessionEntry {
 public:
  SessionEntry(std::shared_ptr<Session> session, std::shared_ptr<EventStream> standalone)
      : id_(session->id()), session_(std::move(session)), standalone_(std::move(standalone)) {}

  const std::string& id() const { return id_; }
  Session& session() const { return *session_; }
  const std::shared_ptr<EventStream>& standalone() const { return standalone_; }

  std::shared_ptr<EventStream> newStream(const std::shared_ptr<Core>& core, size_t capacity) {
    std::lock_guard<std::mutex> lock(mu_);
    auto stream = std::make_shared<EventStream>(core, next_stream_++, capacity);
    streams_[stream->number()] = stream;
    // Forget the oldest ended streams nobody reads, beyond the retention limit.
    for (auto it = streams_.begin();
         streams_.size() > kMaxRetainedStreams && it != streams_.end();) {
      if (it->second->finished() && !it->second->hasListener()) {
        it = streams_.erase(it);
      } else {
        ++it;
      }
    }
    return stream;
  }
  std::shared_ptr<EventStream> findStream(uint64_t number) {
    if (number == 0) return standalone_;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = streams_.find(number);
    return it == streams_.end() ? nullptr : it->second;
  }
  // True for a POST stream this session had, even if it is forgotten now.
  bool hadStream(uint64_t number) {
    std::lock_guard<std::mutex> lock(mu_);
    return number > 0 && number < next_stream_;
  }
  void dropStream(uint64_t number) {
    std::lock_guard<std::mutex> lock(mu_);
    streams_.erase(number);
  }
  std::vector<std::shared_ptr<EventStream>> allStreams() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::shared_ptr<EventStream>> out{standalone_};
    for (auto& [n, s] : streams_) out.push_back(s);
    return out;
  }
  void touch() {
    std::lock_guard<std::mutex> lock(mu_);
    last_used_ = Clock::now();
  }
  Clock::time_point lastUsed() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_used_;
  }
  // Not used since `cutoff`, with no stream being read and no request running.
  bool idleSince(Clock::time_point cutoff) {
    std::lock_guard<std::mutex> lock(mu_);
    if (last_used_ >= cutoff || standalone_->hasListener()) return false;
    for (auto& [n, s] : streams_)
      if (!s->finished() || s->hasListener()) return false;
    return true;
  }
  // Ends every stream (the session is gone).
  void finishAll() {
    for (auto& s : allStreams()) s->finish();
  }

 private:
  const std::string id_;
  const std::shared_ptr<Session> session_;
  const std::shared_ptr<EventStream> standalone_;  // stream 0
  std::mutex mu_;
  uint64_t next_stream_ = 1;                                  // guarded by mu_
  std::map<uint64_t, std::shared_ptr<EventStream>> streams_;  // POST streams; guarded by mu_
  Clock::time_point last_used_ = Clock::now();                // guarded by mu_
};

class SessionTable {
 public:
  // Adds `entry` unless `limit` sessions exist. When its principal already holds
  // `per_principal` (0 = no limit), that principal's least recently used session is taken out
  // first and returned in `evicted`, for the caller to end.
  bool tryAdd(std::shared_ptr<SessionEntry> entry, size_t limit, size_t per_principal,
              std::shared_ptr<SessionEntry>& evicted) {
    std::lock_guard<std::mutex> lock(mu_);
    if (per_principal > 0) {
      const std::string& who = entry->session().principal();
      size_t held = 0;
      auto oldest = entries_.end();
      for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        if (it->second->session().principal() != who) continue;
        ++held;
        if (oldest == entries_.end() || it->second->lastUsed() < oldest->second->lastUsed()) oldest = it;
      }
      if (held >= per_principal && oldest != entries_.end()) {
        evicted = std::move(oldest->second);
        entries_.erase(oldest);
      }
    }
    if (entries_.size() >= limit) return false;
    const std::string id = entry->id();
    entries_[id] = std::move(entry);
    return true;
  }
  std::shared_ptr<SessionEntry> find(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(id);
    return it == entries_.end() ? nullptr : it->second;
  }
  std::shared_ptr<SessionEntry> take(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return nullptr;
    auto entry = std::move(it->second);
    entries_.erase(it);
    return entry;
  }
  // Removes and returns the entries idle since `cutoff` or whose session was closed.
  // `cutoff` applies to initialized sessions, `uninitialized_cutoff` to sessions that never
  // completed the handshake (so bare initialize requests cannot hold every slot for long).
  std::vector<std::shared_ptr<SessionEntry>> takeExpired(std::optional<Clock::time_point> cutoff,
                                                         Clock::time_point uninitialized_cutoff) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::shared_ptr<SessionEntry>> out;
    for (auto it = entries_.begin(); it != entries_.end();) {
      auto& e = it->second;
      const bool handshake_done = e->session().initialized();
      if (e->session().closed() || (cutoff && handshake_done && e->idleSince(*cutoff)) ||
          (!handshake_done && e->idleSince(uninitialized_cutoff))) {
        out.push_back(std::move(e));
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
    return out;
  }
  std::vector<std::shared_ptr<SessionEntry>> all() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::shared_ptr<SessionEntry>> out;
    for (auto& [id, e] : entries_) out.push_back(e);
    return out;
  }
  std::vector<std::shared_ptr<SessionEntry>> takeAll() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::shared_ptr<SessionEntry>> out;
    for (auto& [id, e] : entries_) out.push_back(std::move(e));
    entries_.clear();
    return out;
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<SessionEntry>> entries_;  // guarded by mu_
};

// What connections share; owned by HttpServer::Impl, outlives every connection.
struct Shared {
  Shared(Server& s, HttpServerOptions o) : server(s), options(std::move(o)) {}
  Server& server;
  const HttpServerOptions options;
  const std::shared_ptr<Core> core = std::make_shared<Core>();
  SessionTable sessions;
  bool check_host = false;  // set by start() before the first connection

  // Removes a session from the Server and ends its streams.
  void endSession(const std::shared_ptr<SessionEntry>& entry) {
    server.removeSession(entry->id());
    entry->finishAll();
  }
};

// --- connections --------------------------------------------------------------------------

using IoHandler = std::function<void(const boost::system::error_code&, std::size_t)>;

class Connection : public StreamListener, public std::enable_shared_from_this<Connection> {
 public:
  Connection(Shared& shared, const asio::any_io_executor& ex, std::string remote)
      : shared_(shared),
        executor_(ex),
        remote_(std::move(remote)),
        read_timer_(ex),
        write_timer_(ex),
        ping_timer_(ex) {
    ++shared_.core->connections;
  }
  ~Connection() override {
    if (sse_) sse_->detach(this);
    setBusy(false);
    --shared_.core->connections;
  }

  const asio::any_io_executor& executor() const { return executor_; }

  // On the strand: TLS handshake if any, then requests.
  void start() { startTransport(); }

  void wake() override {
    if (pull_posted_.exchange(true)) return;
    asio::post(executor_, [self = shared_from_this()] {
      self->pull_posted_ = false;
      self->pull();
    });
  }

 protected:
  enum class Phase { kHandshake, kRequest, kResponse, kStream, kLinger, kClosed };

  virtual void startTransport() = 0;
  virtual void asyncReadSome(asio::mutable_buffer buffer, IoHandler handler) = 0;
  virtual void asyncWrite(std::vector<asio::const_buffer> buffers, IoHandler handler) = 0;
  virtual void shutdownSend() = 0;
  virtual void closeSocket() = 0;

  // Called by startTransport once the connection can carry HTTP.
  void begin() {
    phase_ = Phase::kRequest;
    armReadTimer(shared_.options.request_timeout);  // a new connection must start promptly
    parse();
  }

  bool closed() const { return phase_ == Phase::kClosed; }
  const HttpServerOptions& options() const { return shared_.options; }

  void armReadTimer(Clock::duration d) {
    read_timer_.expires_after(d);
    read_timer_.async_wait(
        [self = shared_from_this(), gen = ++read_gen_](boost::system::error_code ec) {
          if (!ec && gen == self->read_gen_) self->onReadTimeout();
        });
  }
  void cancelReadTimer() {
    ++read_gen_;
    read_timer_.cancel();
  }

  void close() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    setBusy(false);
    ++read_gen_;
    ++write_gen_;
    ++ping_gen_;
    read_timer_.cancel();
    write_timer_.cancel();
    ping_timer_.cancel();
    if (sse_) sse_->detach(this);
    sse_.reset();
    closeSocket();  // queue_ stays: a pending write may still refer to it
  }

 private:
  // --- reading ---

  void startRead() {
    if (reading_ || phase_ == Phase::kClosed || phase_ == Phase::kHandshake) return;
    if ((phase_ == Phase::kResponse || phase_ == Phase::kStream) &&
        buffer_.size() >= kMaxBufferedAhead)
      return;  // paused until the response is done
    reading_ = true;
    // Into a scratch buffer: buffer_ may be consumed while this read is pending.
    asyncReadSome(asio::buffer(scratch_),
                  [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
                    self->onRead(ec, n);
                  });
  }

  void onRead(const boost::system::error_code& ec, size_t n) {
    reading_ = false;
    if (phase_ == Phase::kClosed) return;
    if (ec) {
      if (phase_ == Phase::kResponse) {
        // The client half-closed (or left) while we answer: finish, then close.
        peer_gone_ = true;
        keep_alive_ = false;
        return;
      }
      close();  // includes a client that left an SSE stream: its resources go now
      return;
    }
    auto space = buffer_.prepare(n);
    std::memcpy(space.data(), scratch_.data(), n);
    buffer_.commit(n);
    switch (phase_) {
      case Phase::kRequest:
        parse();
        break;
      case Phase::kLinger:
        buffer_.consume(buffer_.size());
        startRead();
        break;
      default:
        startRead();  // keep pipelined bytes; watch for the client leaving
        break;
    }
  }

  void onReadTimeout() {
    if (phase_ == Phase::kRequest && request_started_) {
      phase_ = Phase::kResponse;
      keep_alive_ = false;
      respondError(408, kTransportError, "Request Timeout: the request did not arrive in time");
      return;
    }
    if (phase_ == Phase::kRequest || phase_ == Phase::kHandshake || phase_ == Phase::kLinger)
      close();
  }

  void newParser() {
    parser_.emplace();
    parser_->header_limit(
        static_cast<std::uint32_t>(std::min<size_t>(options().max_header_bytes, UINT32_MAX)));
    parser_->body_limit(options().max_body_bytes);
    parser_->eager(true);
    header_checked_ = false;
  }

  // Feeds buffered bytes to the parser; handles each complete request.
  void parse() {
    while (phase_ == Phase::kRequest) {
      if (!parser_) newParser();
      if (buffer_.size() == 0) {
        startRead();
        return;
      }
      if (!request_started_) {
        request_started_ = true;
        armReadTimer(options().request_timeout);
      }
      boost::system::error_code ec;
      size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec && ec != http::error::need_more) {
        rejectMalformed(ec);
        return;
      }
      if (parser_->is_header_done() && !header_checked_ && !checkHeader()) return;
      if (parser_->is_done()) {
        Request req = parser_->release();
        parser_.reset();
        request_started_ = false;
        cancelReadTimer();
        handle(std::move(req));
        startRead();  // notices a client that leaves while we answer
        return;
      }
      if (ec == http::error::need_more || used == 0) {
        startRead();
        return;
      }
    }
  }

  // Once the header is in: refuse an announced oversized body before it is read.
  bool checkHeader() {
    header_checked_ = true;
    auto length = parser_->content_length();
    if (length && *length > options().max_body_bytes) {
      rejectMalformed(http::error::body_limit);
      return false;
    }
    const auto& h = parser_->get();
    auto expect = h.find(http::field::expect);
    if (expect != h.end() && iequals(trim(sv(expect->value())), "100-continue") &&
        !parser_->is_done()) {
      queue("HTTP/1.1 100 Continue\r\n\r\n");
      flush();
    }
    return true;
  }

  void rejectMalformed(const boost::system::error_code& ec) {
    phase_ = Phase::kResponse;
    keep_alive_ = false;
    parser_.reset();
    cancelReadTimer();
    if (ec == http::error::header_limit) {
      respondError(431, kTransportError,
                   "Request Header Fields Too Large: limit is " +
                       std::to_string(options().max_header_bytes) + " bytes");
    } else if (ec == http::error::body_limit) {
      respondError(
          413, kTransportError,
          "Payload Too Large: limit is " + std::to_string(options().max_body_bytes) + " bytes");
    } else {
      respondError(400, kTransportError, "Bad Request: malformed HTTP (" + ec.message() + ")");
    }
  }

  // --- requests ---

  // A response is under way (a shutdown waits for it to be written), or not.
  void setBusy(bool busy) {
    if (busy == busy_) return;
    busy_ = busy;
    if (busy) {
      ++shared_.core->busy;
    } else {
      --shared_.core->busy;
      shared_.core->changed();
    }
  }

  bool draining() const { return shared_.core->draining.load(); }

  // While the server shuts down, a request that would start something new is refused like
  // an overload: 503 with a JSON-RPC error, and the connection closes. True when refused.
  bool refuseWhileDraining() {
    if (!draining()) return false;
    keep_alive_ = false;
    respondError(503, kTransportError, "Service Unavailable: the server is shutting down");
    return true;
  }

  void handle(Request req) {
    phase_ = Phase::kResponse;
    setBusy(true);
    keep_alive_ = req.keep_alive() && !peer_gone_ && !draining();
    http10_ = req.version() < 11;
    head_request_ = req.method() == http::verb::head;
    close_after_ = false;
    try {
      route(req);
    } catch (const std::exception& e) {  // e.g. bad_alloc; answer rather than die
      vsmcp::log(Level::kError, std::string("MCP HTTP: request failed: ") + e.what());
      if (phase_ == Phase::kResponse && queue_.empty() && !response_complete_) {
        keep_alive_ = false;
        respondError(500, kTransportError, "Internal Server Error");
      } else {
        close();
      }
    }
  }

  void route(const Request& req) {
    std::string target(sv(req.target()));
    size_t q = target.find('?');
    std::string path = target.substr(0, q);
    if (auto origin = headerOf(req, "Origin");
        origin && !originAllowed(*origin, options().allowed_origins)) {
      vsmcp::log(Level::kWarning, "MCP HTTP: refused a request from Origin " + *origin);
      respondError(403, kTransportError, "Forbidden: Origin not allowed");
      return;
    }
    if (shared_.check_host) {
      auto host = headerOf(req, "Host");
      if (!host || !hostAllowed(*host, options().allowed_hosts)) {
        vsmcp::log(Level::kWarning,
                   "MCP HTTP: refused a request for Host " + host.value_or("(none)"));
        respondError(403, kTransportError, "Forbidden: Host not allowed");
        return;
      }
    }
    if (path != options().path) {
      if (refuseWhileDraining()) return;
      extraRoute(req, target, path, q == std::string::npos ? "" : target.substr(q + 1));
      return;
    }
    std::string principal;  // "" without authentication
    if (options().authorize) {
      HttpExtraRequest who;
      who.method = std::string(sv(req.method_string()));
      who.target = target;
      who.path = path;
      for (const auto& f : req) who.headers.emplace_back(sv(f.name_string()), sv(f.value()));
      who.remote_address = remote_;
      std::optional<std::string> authenticated;
      try {
        authenticated = options().authorize(who);
      } catch (const std::exception& e) {
        vsmcp::log(Level::kError, std::string("MCP HTTP: the authorize hook failed: ") + e.what());
      } catch (...) {
        vsmcp::log(Level::kError, "MCP HTTP: the authorize hook failed");
      }
      if (!authenticated) {
        respond(401, "application/json", rpcError(kTransportError, "Unauthorized: a valid bearer token or X-API-Key is required"),
                {{"WWW-Authenticate", "Bearer"}});
        return;
      }
      principal = std::move(*authenticated);
    }
    if (auto version = headerOf(req, kProtocolHeader); version && !isSupportedVersion(*version)) {
      respondError(400, kTransportError,
                   "Bad Request: unsupported MCP-Protocol-Version '" + *version + "'");
      return;
    }
    switch (req.method()) {
      case http::verb::post:
        handlePost(req, principal);
        return;
      case http::verb::get:
        handleGet(req, principal);
        return;
      case http::verb::delete_:
        handleDelete(req, principal);
        return;
      default:
        respond(405, "application/json",
                rpcError(kTransportError, "Method Not Allowed: use POST, GET or DELETE"),
                {{"Allow", "GET, POST, DELETE"}});
        return;
    }
  }

  void extraRoute(const Request& req, const std::string& target, const std::string& path,
                  const std::string& query) {
    if (!options().extra_routes) {
      respondError(404, kTransportError, "Not Found");
      return;
    }
    HttpExtraRequest xr;
    xr.method = std::string(sv(req.method_string()));
    xr.target = target;
    xr.path = path;
    xr.query = query;
    for (const auto& f : req) xr.headers.emplace_back(sv(f.name_string()), sv(f.value()));
    xr.body = req.body();
    xr.remote_address = remote_;
    HttpExtraResponse res;
    bool handled = false;
    try {
      handled = options().extra_routes(xr, res);
    } catch (const std::exception& e) {
      vsmcp::log(Level::kError, "MCP HTTP: route " + path + " failed: " + e.what());
      respondError(500, kTransportError, "Internal Server Error");
      return;
    }
    if (!handled) {
      respondError(404, kTransportError, "Not Found");
      return;
    }
    bool valid = res.status >= 200 && res.status <= 999 && safeHeaderText(res.content_type);
    for (const auto& [k, v] : res.headers)
      valid = valid && !k.empty() && safeHeaderText(k) && safeHeaderText(v) &&
              k.find(':') == std::string::npos;
    // Framing is ours.
    res.headers.erase(std::remove_if(res.headers.begin(), res.headers.end(),
                                     [](const auto& h) {
                                       return iequals(h.first, "Content-Length") ||
                                              iequals(h.first, "Transfer-Encoding") ||
                                              iequals(h.first, "Connection") ||
                                              iequals(h.first, "Content-Type");
                                     }),
                      res.headers.end());
    if (!valid) {
      vsmcp::log(Level::kError, "MCP HTTP: route " + path + " gave an invalid response");
      respondError(500, kTransportError, "Internal Server Error");
      return;
    }
    respond(res.status, res.content_type, std::move(res.body), std::move(res.headers));
  }

  // The session named by the request's Mcp-Session-Id if it belongs to `principal`; answers
  // 400/404 itself when none.
  std::shared_ptr<SessionEntry> requireSession(const Request& req, const std::string& principal) {
    auto id = headerOf(req, kSessionHeader);
    if (!id || id->empty()) {
      respondError(400, kTransportError, "Bad Request: Mcp-Session-Id header is required");
      return nullptr;
    }
    auto entry = findSession(*id, principal);
    if (!entry) respondError(404, kTransportError, "Session not found");
    return entry;
  }

  // Null for an unknown or closed session, and for another principal's session (whose
  // existence is not revealed: the caller answers 404 as for an unknown one).
  std::shared_ptr<SessionEntry> findSession(const std::string& id, const std::string& principal) {
    auto entry = shared_.sessions.find(id);
    if (entry && entry->session().closed()) {
      if (shared_.sessions.take(id)) shared_.endSession(entry);
      return nullptr;
    }
    if (entry && !ownedBy(*entry, principal)) return nullptr;
    return entry;
  }

  // Whether `principal` may use the session; logs a warning when not.
  bool ownedBy(const SessionEntry& entry, const std::string& principal) {
    const std::string& owner = entry.session().principal();
    if (owner == principal) return true;
    // Names only: the session id is a credential of its owner.
    vsmcp::log(Level::kWarning, "MCP HTTP: principal '" + principal + "' (" + remote_ +
                                    ") named a session of principal '" + owner +
                                    "'; answered 404 Session not found");
    return false;
  }

  std::string protocolVersionOf(const SessionEntry& entry, const Request& req) {
    std::string v = entry.session().protocolVersion();
    if (v.empty())
      v = headerOf(req, kProtocolHeader).value_or(std::string(kDefaultProtocolVersion));
    return v;
  }

  void handlePost(const Request& req, const std::string& principal) {
    Acceptable accept = acceptOf(req);
    if (!accept.json || !accept.sse) {
      respondError(406, kTransportError,
                   "Not Acceptable: Accept must allow application/json and text/event-stream");
      return;
    }
    if (!isJsonContentType(req)) {
      respondError(415, kTransportError,
                   "Unsupported Media Type: Content-Type must be application/json");
      return;
    }
    if (draining()) {
      // Only what lets requests in flight finish passes: the client's answers to the
      // server's requests (elicitation, ...) and its notifications (cancellation).
      auto msg = Json::parse(req.body());
      const bool request =
          !msg.ok() || !msg->isObject() || (msg->find("method") && msg->find("id"));
      if (request && refuseWhileDraining()) return;
    }
    std::shared_ptr<SessionEntry> entry;
    bool created = false;
    if (headerOf(req, kSessionHeader)) {
      entry = requireSession(req, principal);
      if (!entry) return;
    } else {
      Json::ParseLimits limits;
      limits.max_bytes = options().max_body_bytes;
      auto msg = Json::parse(req.body(), limits);
      if (!msg.ok()) {
        respondError(400, error::kParseError, "Parse error: " + msg.status().message());
        return;
      }
      const Json* method = msg->find("method");
      if (!method || method->asString() != method::kInitialize || !msg->find("id")) {
        respondError(400, kTransportError,
                     "Bad Request: Mcp-Session-Id header is required (only initialize may "
                     "come without)");
        return;
      }
      entry = createSession(principal);
      if (!entry) return;
      created = true;
    }
    entry->touch();
    auto stream = entry->newStream(shared_.core, options().replay_buffer);
    auto sink = std::make_shared<PostSink>(shared_.core, stream);
    auto accepted = entry->session().receive(req.body(), sink);
    Headers session_header{{std::string(kSessionHeader), entry->id()}};
    if (!accepted.ok()) {
      // Nothing was accepted; the error response (if any) is in the sink.
      sink->release();
      entry->dropStream(stream->number());
      if (created && shared_.sessions.take(entry->id())) shared_.endSession(entry);
      std::string body = sink->firstMessage();
      if (body.empty()) body = rpcError(error::kInvalidRequest, accepted.status().message());
      auto parsed = Json::parse(body);
      bool has_id = parsed.ok() && parsed->find("id") && !parsed->find("id")->isNull();
      // An error with an id answers a request (200); one without refuses the message (400).
      respond(has_id ? 200 : 400, "application/json", std::move(body),
              created ? Headers{} : session_header);
      return;
    }
    if (*accepted == 0) {
      sink->release();
      entry->dropStream(stream->number());
      respond(202, "", "", session_header);
      return;
    }
    sink->expect(*accepted);
    if (created && stream->finished() && sink->messages() == 1) {
      auto first = Json::parse(sink->firstMessage());
      if (first.ok() && first->find("error")) {
        // A refused initialize leaves no session behind.
        entry->dropStream(stream->number());
        if (shared_.sessions.take(entry->id())) shared_.endSession(entry);
        respond(200, "application/json", sink->firstMessage(), {});
        return;
      }
    }
    if (created) vsmcp::log(Level::kDebug, "MCP HTTP: session opened by " + remote_);
    beginStream(stream, entry, protocolVersionOf(*entry, req), 0, std::move(session_header));
  }

  std::shared_ptr<SessionEntry> createSession(const std::string& principal) {
    auto standalone = std::make_shared<EventStream>(shared_.core, 0, options().replay_buffer);
    auto session =
        shared_.server.createSession(std::make_shared<StandaloneSink>(standalone), principal);
    auto entry = std::make_shared<SessionEntry>(session, standalone);
    std::shared_ptr<SessionEntry> evicted;
    const bool added = shared_.sessions.tryAdd(entry, options().max_sessions,
                                               options().max_sessions_per_principal, evicted);
    if (evicted) {
      vsmcp::log(Level::kWarning, "MCP HTTP: ended the least recently used session of a principal that reached " +
                                      std::to_string(options().max_sessions_per_principal) + " sessions");
      shared_.endSession(evicted);
    }
    if (!added) {
      shared_.server.removeSession(session->id());
      vsmcp::log(Level::kWarning, "MCP HTTP: refused a session: the limit of " +
                                      std::to_string(options().max_sessions) + " is reached");
      respond(503, "application/json",
              rpcError(kTransportError, "Service Unavailable: too many sessions"),
              {{"Retry-After", "60"}});
      return nullptr;
    }
    return entry;
  }

  void handleGet(const Request& req, const std::string& principal) {
    if (!acceptOf(req).sse) {
      respondError(406, kTransportError, "Not Acceptable: Accept must allow text/event-stream");
      return;
    }
    // While draining, a client may resume a stream to get its answers, not open a new one.
    if (!headerOf(req, kLastEventIdHeader) && refuseWhileDraining()) return;
    auto entry = requireSession(req, principal);
    if (!entry) return;
    entry->touch();
    Headers session_header{{std::string(kSessionHeader), entry->id()}};
    std::string version = protocolVersionOf(*entry, req);
    if (auto last = headerOf(req, kLastEventIdHeader)) {
      if (auto cursor = parseEventId(*last)) {
        if (auto stream = entry->findStream(cursor->stream)) {
          // Resumption: replay after the cursor, then continue live; replaces any writer.
          beginStream(stream, entry, version, cursor->seq, std::move(session_header));
          return;
        }
        if (entry->hadStream(cursor->stream)) {
          // That stream ended and was written out in full: an SSE stream that just ends.
          auto ended = std::make_shared<EventStream>(shared_.core, cursor->stream, 1);
          ended->finish();
          beginStream(ended, entry, version, cursor->seq, std::move(session_header));
          return;
        }
      }
      // Unparsable id or a stream this session never had: serve the standalone stream.
    }
    auto& stream = entry->standalone();
    beginStream(stream, entry, version, stream->delivered(), std::move(session_header),
                /*replace=*/false);
  }

  void handleDelete(const Request& req, const std::string& principal) {
    auto id = headerOf(req, kSessionHeader);
    if (!id || id->empty()) {
      respondError(400, kTransportError, "Bad Request: Mcp-Session-Id header is required");
      return;
    }
    auto found = shared_.sessions.find(*id);
    auto entry = found && ownedBy(*found, principal) ? shared_.sessions.take(*id) : nullptr;
    if (!entry) {
      respondError(404, kTransportError, "Session not found");
      return;
    }
    shared_.endSession(entry);
    vsmcp::log(Level::kDebug, "MCP HTTP: session ended by " + remote_);
    respond(204, "", "", {});
  }

  // --- responses ---

  std::string head(int status, const Headers& headers) {
    std::string h = "HTTP/1.1 " + std::to_string(status) + " " + reasonOf(status) + "\r\n";
    for (const auto& [k, v] : headers) h.append(k).append(": ").append(v).append("\r\n");
    if (close_after_ || !keep_alive_) {
      h += "Connection: close\r\n";
    } else if (http10_) {
      h += "Connection: keep-alive\r\n";
    }
    return h;
  }

  void respond(int status, std::string_view content_type, std::string body, Headers headers) {
    if (!content_type.empty()) headers.emplace_back("Content-Type", std::string(content_type));
    if (status != 204 && status != 304)
      headers.emplace_back("Content-Length", std::to_string(body.size()));
    std::string out = head(status, headers) + "\r\n";
    if (!head_request_ && status != 204 && status != 304) out += body;
    queue(std::move(out));
    response_complete_ = true;
    flush();
  }

  void respondError(int status, int code, const std::string& message) {
    respond(status, "application/json", rpcError(code, message), {});
  }

  // Starts an SSE response that writes `stream` from after `after`.
  void beginStream(const std::shared_ptr<EventStream>& stream,
                   const std::shared_ptr<SessionEntry>& entry, const std::string& version,
                   uint64_t after, Headers headers, bool replace = true) {
    std::shared_ptr<StreamListener> previous;
    if (!stream->attach(shared_from_this(), replace, previous)) {
      respondError(409, kTransportError, "Conflict: this session already has an open GET stream");
      return;
    }
    if (previous && previous.get() != this) previous->wake();  // it sees it was replaced
    headers.emplace_back("Content-Type", "text/event-stream");
    headers.emplace_back("Cache-Control", "no-cache, no-transform");
    headers.emplace_back("X-Accel-Buffering", "no");
    chunked_ = !http10_;
    if (chunked_) {
      headers.emplace_back("Transfer-Encoding", "chunked");
    } else {
      close_after_ = true;  // HTTP/1.0: the stream ends with the connection
    }
    queue(head(200, headers) + "\r\n");
    phase_ = Phase::kStream;
    if (stream->number() == 0) setBusy(false);  // the GET stream never ends by itself
    sse_ = stream;
    sse_entry_ = entry;
    last_seq_ = after;
    if (version >= kPrimingVersion) {
      // Priming event: gives the client an id to resume from before any message.
      queueEvent(std::make_shared<const std::string>(
          "id: " + eventId(stream->number(), after) +
          "\nretry: " + std::to_string(options().sse_retry.count()) + "\ndata: \n\n"));
    }
    armPing();
    pull();
    flush();
  }

  // Takes the stream's new events for writing; ends the response when the stream ended.
  void pull() {
    if (phase_ != Phase::kStream || !sse_) return;
    if (writing_) {  // backpressure: events wait in the stream until the client reads
      pull_after_write_ = true;
      return;
    }
    if (!sse_->isListener(this)) {  // another connection resumed this stream
      endStream(false);
      return;
    }
    auto batch = sse_->collect(last_seq_);
    if (batch.gap)
      vsmcp::log(Level::kWarning, "MCP HTTP: a slow SSE client missed events (replay buffer full)");
    for (auto& f : batch.frames) queueEvent(std::move(f));
    last_seq_ = batch.last;
    if (batch.finished) {
      endStream(true);
      return;
    }
    flush();
  }

  void endStream(bool complete) {
    ++ping_gen_;
    ping_timer_.cancel();
    sse_->detach(this);
    // A POST stream written to its end needs no replay; drop it once the end is sent.
    if (complete && sse_->number() != 0) {
      done_entry_ = sse_entry_;
      done_stream_ = sse_->number();
    }
    sse_.reset();
    sse_entry_.reset();
    phase_ = Phase::kResponse;
    if (chunked_) queue("0\r\n\r\n");
    response_complete_ = true;
    flush();
  }

  void armPing() {
    if (options().sse_keepalive.count() <= 0) return;
    ping_timer_.expires_after(options().sse_keepalive);
    ping_timer_.async_wait(
        [self = shared_from_this(), gen = ++ping_gen_](boost::system::error_code ec) {
          if (ec || gen != self->ping_gen_ || self->phase_ != Phase::kStream) return;
          if (self->queue_.empty()) {
            static const Bytes kPing = std::make_shared<const std::string>(": ping\n\n");
            self->queueEvent(kPing);
            self->flush();
          }
          self->armPing();
        });
  }

  // --- writing ---

  void queue(std::string bytes) {
    queue_.push_back(std::make_shared<const std::string>(std::move(bytes)));
  }

  void queueEvent(Bytes frame) {
    if (chunked_) {
      char size[20];
      auto r = std::to_chars(size, size + sizeof size, frame->size(), 16);
      queue(std::string(size, r.ptr) + "\r\n");
      queue_.push_back(std::move(frame));
      static const Bytes kCrlf = std::make_shared<const std::string>("\r\n");
      queue_.push_back(kCrlf);
    } else {
      queue_.push_back(std::move(frame));
    }
  }

  void flush() {
    if (writing_ || phase_ == Phase::kClosed) return;
    if (queue_.empty()) {
      ++write_gen_;
      write_timer_.cancel();
      if (response_complete_ && phase_ == Phase::kResponse) {
        response_complete_ = false;
        finishResponse();
      }
      return;
    }
    writing_ = true;
    std::vector<asio::const_buffer> buffers;
    buffers.reserve(queue_.size());
    for (const auto& b : queue_) buffers.push_back(asio::buffer(*b));
    const size_t count = queue_.size();
    write_timer_.expires_after(options().idle_timeout);
    write_timer_.async_wait(
        [self = shared_from_this(), gen = ++write_gen_](boost::system::error_code ec) {
          if (!ec && gen == self->write_gen_) {
            vsmcp::log(Level::kDebug, "MCP HTTP: a client stopped reading; connection closed");
            self->close();
          }
        });
    asyncWrite(std::move(buffers),
               [self = shared_from_this(), count](const boost::system::error_code& ec, size_t) {
                 self->writing_ = false;
                 if (self->phase_ == Phase::kClosed) return;
                 if (ec) {
                   self->close();  // the client left: free everything now
                   return;
                 }
                 self->queue_.erase(self->queue_.begin(),
                                    self->queue_.begin() + static_cast<std::ptrdiff_t>(count));
                 if (self->pull_after_write_) {
                   self->pull_after_write_ = false;
                   self->pull();  // flushes
                 } else {
                   self->flush();
                 }
               });
  }

  // The whole response was written.
  void finishResponse() {
    if (done_entry_) {
      done_entry_->dropStream(done_stream_);
      done_entry_.reset();
    }
    setBusy(false);
    if (close_after_ || !keep_alive_ || draining()) {
      lingerClose();
      return;
    }
    phase_ = Phase::kRequest;
    chunked_ = false;
    armReadTimer(options().idle_timeout);
    parse();  // a pipelined request may already be buffered
  }

  void lingerClose() {
    phase_ = Phase::kLinger;
    shutdownSend();
    buffer_.consume(buffer_.size());
    armReadTimer(kLingerTime);
    startRead();
  }

 protected:
  Shared& shared_;

 private:
  const asio::any_io_executor executor_;
  const std::string remote_;
  beast::flat_buffer buffer_;                                  // received, not yet parsed
  std::vector<char> scratch_ = std::vector<char>(kReadChunk);  // target of the pending read
  std::optional<http::request_parser<http::string_body>> parser_;
  Phase phase_ = Phase::kHandshake;
  bool reading_ = false;
  bool writing_ = false;
  bool request_started_ = false;  // bytes of the next request arrived
  bool header_checked_ = false;
  bool keep_alive_ = true;
  bool close_after_ = false;
  bool http10_ = false;
  bool head_request_ = false;
  bool peer_gone_ = false;
  bool busy_ = false;  // counted in Core::busy
  bool chunked_ = false;
  bool response_complete_ = false;  // the last bytes of the response are queued
  std::deque<Bytes> queue_;
  asio::steady_timer read_timer_;
  asio::steady_timer write_timer_;
  asio::steady_timer ping_timer_;
  uint64_t read_gen_ = 0;
  uint64_t write_gen_ = 0;
  uint64_t ping_gen_ = 0;
  std::shared_ptr<EventStream> sse_;  // while Phase::kStream
  std::shared_ptr<SessionEntry> sse_entry_;
  uint64_t last_seq_ = 0;
  std::shared_ptr<SessionEntry> done_entry_;  // a POST stream written to its end
  uint64_t done_stream_ = 0;
  bool pull_after_write_ = false;  // a pull was deferred while writing
  std::atomic<bool> pull_posted_{false};
};

class PlainConnection final : public Connection {
 public:
  PlainConnection(Shared& shared, tcp::socket socket, std::string remote)
      : Connection(shared, socket.get_executor(), std::move(remote)), socket_(std::move(socket)) {}

 private:
  void startTransport() override { begin(); }
  void asyncReadSome(asio::mutable_buffer buffer, IoHandler handler) override {
    socket_.async_read_some(buffer, std::move(handler));
  }
  void asyncWrite(std::vector<asio::const_buffer> buffers, IoHandler handler) override {
    asio::async_write(socket_, std::move(buffers), std::move(handler));
  }
  void shutdownSend() override {
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
  }
  void closeSocket() override {
    boost::system::error_code ec;
    socket_.close(ec);
  }

  tcp::socket socket_;
};

class TlsConnection final : public Connection {
 public:
  TlsConnection(Shared& shared, tcp::socket socket, ssl::context& ctx, std::string remote)
      : Connection(shared, socket.get_executor(), std::move(remote)),
        stream_(std::move(socket), ctx) {}

 private:
  void startTransport() override {
    armReadTimer(options().request_timeout);
    stream_.async_handshake(
        ssl::stream_base::server, [self = std::static_pointer_cast<TlsConnection>(
                                       shared_from_this())](const boost::system::error_code& ec) {
          if (self->closed()) return;
          if (ec) {
            vsmcp::log(Level::kDebug, "MCP HTTP: TLS handshake failed: " + ec.message());
            self->close();
            return;
          }
          self->cancelReadTimer();
          self->begin();
        });
  }
  void asyncReadSome(asio::mutable_buffer buffer, IoHandler handler) override {
    stream_.async_read_some(buffer, std::move(handler));
  }
  void asyncWrite(std::vector<asio::const_buffer> buffers, IoHandler handler) override {
    asio::async_write(stream_, std::move(buffers), std::move(handler));
  }
  void shutdownSend() override {
    boost::system::error_code ec;
    stream_.next_layer().shutdown(tcp::socket::shutdown_send, ec);
  }
  void closeSocket() override {
    boost::system::error_code ec;
    stream_.next_layer().close(ec);
  }

  ssl::stream<tcp::socket> stream_;
};

}  // namespace

// --- HttpExtraRequest ---------------------------------------------------------------------

std::string HttpExtraRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return "";
}

// --- HttpServer ---------------------------------------------------------------------------

class HttpServer::Impl {
 public:
  Impl(Server& server, HttpServerOptions options) : shared_(server, std::move(options)) {}
  ~Impl() { stop(); }

  Status start() {
    std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
    if (used_)
      return Status::Error(ErrorCode::kInvalidState, "the HTTP server was already started");
    const auto& o = shared_.options;
    if (o.path.empty() || o.path.front() != '/')
      return Status::InvalidArgument("the MCP path must start with '/', got '" + o.path + "'");
    if (o.tls_cert_file.empty() != o.tls_key_file.empty())
      return Status::InvalidArgument("tls_cert_file and tls_key_file must be set together");
    std::unique_ptr<ssl::context> tls;
    if (!o.tls_cert_file.empty()) {
      tls = std::make_unique<ssl::context>(ssl::context::tls_server);
      tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
      boost::system::error_code ec;
      tls->use_certificate_chain_file(o.tls_cert_file, ec);
      if (ec)
        return Status::Error(ErrorCode::kTls, "cannot load the TLS certificate chain '" +
                                                  o.tls_cert_file + "': " + ec.message());
      tls->use_private_key_file(o.tls_key_file, ssl::context::pem, ec);
      if (ec)
        return Status::Error(ErrorCode::kTls, "cannot load the TLS private key '" + o.tls_key_file +
                                                  "': " + ec.message());
    }
    auto ioc = std::make_unique<asio::io_context>(static_cast<int>(std::max(1u, o.threads)));
    boost::system::error_code ec;
    tcp::resolver resolver(*ioc);
    auto endpoints = resolver.resolve(o.host, std::to_string(o.port),
                                      tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || endpoints.empty())
      return Status::InvalidArgument("cannot resolve the bind address '" + o.host +
                                     "': " + (ec ? ec.message() : "no address"));
    tcp::endpoint endpoint = endpoints.begin()->endpoint();
    // On a strand of its own, so shutdown() can close it while an accept completes.
    auto acceptor = std::make_unique<tcp::acceptor>(asio::make_strand(*ioc));
    const std::string where = o.host + ":" + std::to_string(o.port);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Status::Unavailable("cannot listen on " + where + ": " + ec.message());
    port_ = acceptor->local_endpoint(ec).port();
    shared_.check_host = !o.allowed_hosts.empty() || endpoint.address().is_loopback();
    std::string host = endpoint.address().is_v6() ? "[" + endpoint.address().to_string() + "]"
                                                  : endpoint.address().to_string();
    {
      std::lock_guard<std::mutex> lock(mu_);
      url_ =
          std::string(tls ? "https" : "http") + "://" + host + ":" + std::to_string(port_) + o.path;
    }

    ioc_ = std::move(ioc);
    tls_ = std::move(tls);
    acceptor_ = std::move(acceptor);
    accept_timer_ = std::make_unique<asio::steady_timer>(acceptor_->get_executor());
    sweep_timer_ = std::make_unique<asio::steady_timer>(*ioc_);
    used_ = true;
    running_ = true;
    accept();
    armSweep();
    for (unsigned i = 0; i < std::max(1u, o.threads); ++i) threads_.emplace_back([this] { run(); });
    vsmcp::log(Level::kInfo, "MCP endpoint listening on " + url());
    return Status::Ok();
  }

  // REQUIRES: not called from an I/O thread (an extra_routes handler): it waits for them.
  void shutdown() {
    Core& core = *shared_.core;
    {
      std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
      if (!running_ || core.draining.exchange(true)) return;
      // No new connections: the listener closes (on its strand, which the I/O threads run).
      std::promise<void> closed;
      asio::post(acceptor_->get_executor(), [this, &closed] {
        boost::system::error_code ec;
        acceptor_->close(ec);
        accept_timer_->cancel();
        closed.set_value();
      });
      closed.get_future().wait();
    }
    const auto& o = shared_.options;
    vsmcp::log(
        Level::kInfo,
        "MCP HTTP: draining: " + std::to_string(std::max<std::int64_t>(0, core.outstanding)) +
            " POST requests in progress, up to " + std::to_string(o.drain_timeout.count()) +
            " ms; new requests are refused");
    auto waitDrained = [&core](std::chrono::milliseconds limit) {
      std::unique_lock<std::mutex> lock(core.drain_mu);
      return core.drain_cv.wait_for(lock, limit, [&core] { return core.drained(); });
    };
    if (!waitDrained(o.drain_timeout)) {
      size_t cancelled = 0;
      for (auto& entry : shared_.sessions.all())
        cancelled += entry->session().shutDown("the server is shutting down");
      vsmcp::log(Level::kWarning, "MCP HTTP: cancelled " + std::to_string(cancelled) +
                                      " requests still running after the drain time");
      if (!waitDrained(o.cancel_grace))
        vsmcp::log(Level::kWarning, "MCP HTTP: requests still unanswered " +
                                        std::to_string(o.cancel_grace.count()) +
                                        " ms after their cancellation; closing their connections");
    }
    stop();
  }

  // REQUIRES: not called from an I/O thread (an extra_routes handler): it joins them.
  void stop() {
    std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
    if (!running_) return;
    running_ = false;
    shared_.core->halted = true;
    { std::lock_guard<std::mutex> lock(shared_.core->drain_mu); }
    shared_.core->drain_cv.notify_all();  // a concurrent shutdown() stops waiting
    {
      std::unique_lock<std::shared_mutex> guard(shared_.core->mu);
      shared_.core->stopped = true;  // no stream wakes a connection from now on
    }
    ioc_->stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    accept_timer_.reset();
    sweep_timer_.reset();
    acceptor_.reset();
    ioc_.reset();  // destroys the pending handlers and with them every connection
    tls_.reset();
    for (auto& entry : shared_.sessions.takeAll()) shared_.endSession(entry);
    vsmcp::log(Level::kInfo, "MCP endpoint " + url() + " stopped");
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
      } catch (const std::exception& e) {  // a handler threw: log, keep serving
        vsmcp::log(Level::kError, std::string("MCP HTTP: I/O thread caught: ") + e.what());
      }
    }
  }

  void accept() {
    acceptor_->async_accept(asio::make_strand(*ioc_), [this](boost::system::error_code ec,
                                                             tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor_->is_open()) return;
      if (ec) {
        // E.g. out of file descriptors: retry shortly rather than spin.
        vsmcp::log(Level::kWarning, "MCP HTTP: accept failed: " + ec.message());
        accept_timer_->expires_after(std::chrono::milliseconds(100));
        accept_timer_->async_wait([this](boost::system::error_code wec) {
          if (!wec) accept();
        });
        return;
      }
      if (shared_.core->connections.load() >= shared_.options.max_connections) {
        vsmcp::log(Level::kWarning, "MCP HTTP: connection refused: the limit of " +
                                        std::to_string(shared_.options.max_connections) +
                                        " is reached");
        socket.close(ec);
      } else {
        socket.set_option(tcp::no_delay(true), ec);
        auto remote = socket.remote_endpoint(ec);
        std::string peer = ec ? std::string("?") : remote.address().to_string();
        std::shared_ptr<Connection> c;
        if (tls_) {
          c = std::make_shared<TlsConnection>(shared_, std::move(socket), *tls_, std::move(peer));
        } else {
          c = std::make_shared<PlainConnection>(shared_, std::move(socket), std::move(peer));
        }
        asio::dispatch(c->executor(), [c] { c->start(); });
      }
      accept();
    });
  }

  void armSweep() {
    auto ttl = shared_.options.session_idle_timeout;
    auto every = std::chrono::seconds(15);  // also the pace of the 60 s handshake timeout
    if (ttl.count() > 0) every = std::clamp(ttl / 4, std::chrono::seconds(1), every);
    sweep_timer_->expires_after(every);
    sweep_timer_->async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      sweep();
      armSweep();
    });
  }

  // Forgets sessions that are closed or idle too long.
  void sweep() {
    auto ttl = shared_.options.session_idle_timeout;
    std::optional<Clock::time_point> cutoff;
    if (ttl.count() > 0) cutoff = Clock::now() - ttl;
    auto handshake_ttl = std::chrono::seconds(60);
    if (ttl.count() > 0) handshake_ttl = std::min(handshake_ttl, ttl);
    for (auto& entry : shared_.sessions.takeExpired(cutoff, Clock::now() - handshake_ttl)) {
      vsmcp::log(Level::kDebug, "MCP HTTP: an idle or closed session was removed");
      shared_.endSession(entry);
    }
  }

  Shared shared_;            // declared first: outlives the io_context and every connection
  std::mutex lifecycle_mu_;  // serialises start and stop (held while joining threads)
  bool used_ = false;        // guarded by lifecycle_mu_
  bool running_ = false;     // guarded by lifecycle_mu_
  std::unique_ptr<asio::io_context> ioc_;
  std::unique_ptr<ssl::context> tls_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::unique_ptr<asio::steady_timer> accept_timer_;
  std::unique_ptr<asio::steady_timer> sweep_timer_;
  std::vector<std::thread> threads_;
  std::atomic<unsigned short> port_{0};
  mutable std::mutex mu_;  // never held while waiting: url() stays callable from handlers
  std::string url_;        // guarded by mu_
};

HttpServer::HttpServer(Server& server, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(server, std::move(options))) {}
HttpServer::~HttpServer() = default;
Status HttpServer::start() { return impl_->start(); }
unsigned short HttpServer::port() const { return impl_->port(); }
std::string HttpServer::url() const { return impl_->url(); }
void HttpServer::stop() { impl_->stop(); }
void HttpServer::shutdown() { impl_->shutdown(); }

Status serveHttpUntilSignal(Server& server, HttpServerOptions options,
                            const std::function<void(const std::string& url)>& on_ready) {
  auto stop = StopSignal::install();
  if (!stop.ok()) return stop.status();
  HttpServer http(server, std::move(options));
  Status st = http.start();
  if (!st.ok()) return st;
  if (on_ready) on_ready(http.url());
  const std::string signal = (*stop)->wait();
  vsmcp::log(Level::kInfo, "MCP HTTP: " + signal + ": shutting down");
  http.shutdown();
  return Status::Ok();
}

}  // namespace vsmcp::mcp
