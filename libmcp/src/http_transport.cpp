// HttpServer: MCP Streamable HTTP as a handler on http::Server (libhttp), the project's one
// HTTP listener.
//
// libhttp owns the connections: parsing and limits, keep-alive and pipelining, TLS, the
// Host/Origin policy (strict_origin: the MCP specification requires Origin validation on any
// address), the per-address connection cap, request ids, idle and request timeouts, the
// streamed (SSE) responses with their heartbeat, drain and stop. This file is the MCP side,
// run as libhttp's InlineHandler on its I/O threads (it never blocks: requests run on the
// mcp::Server's workers):
// - EventStream: one SSE stream of a session (the standalone GET stream, number 0, or the
//   stream of one POST). It numbers and keeps the last `replay_buffer` events, knows when it
//   has ended, and wakes the one response currently writing it. Thread-safe: sessions append
//   from the Server's workers.
// - PostSink / StandaloneSink: the MessageSinks given to the Server; they append to a stream.
// - SseSource: the http::StreamSource of one SSE response; it pulls a stream's events from a
//   cursor (resumption replays from Last-Event-ID), ends when the stream ended or another
//   response took it over, and hears when the client went away.
// - SessionEntry / SessionTable: the HTTP side of each session (its streams, last use).
// - Exchange: one request to the endpoint (POST, GET, DELETE), answered with an
//   http::Response, and the extra routes.
// - HttpServer::Impl: the http::Server, the session sweeper thread, start/shutdown/stop.
//
// The 2026-07-28 revision (stateless): a POST without Mcp-Session-Id that is not an
// initialize gets a session of its own (Server::createSession), removed once its response
// stream was written or its client left (which cancels it, as the revision wants); modern-era
// requests (params._meta or MCP-Protocol-Version naming 2026-07-28) must also carry
// Mcp-Method, Mcp-Name and the Mcp-Param-* headers their tool's x-mcp-header annotations ask
// for, matching the body, else 400 HeaderMismatch (-32020). Such a request without a session
// is handed to a libhttp worker (Exchange::holdsResponse), which holds its response until the
// request's first message: a final error with an HTTP status of its own
// (error::modernHttpStatus) is answered as application/json with that status, anything else
// starts the SSE stream. stop() wakes the workers still holding (503).
#include "mcp/http_transport.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "http/server.hpp"
#include "mcp/protocol.hpp"
#include "stop_signal.hpp"
#include "vsmcp/log.hpp"
#include "vsmcp/random.hpp"

namespace vsmcp::mcp {
namespace {

using Clock = std::chrono::steady_clock;
using Headers = std::vector<std::pair<std::string, std::string>>;
using Bytes = std::shared_ptr<const std::string>;
using Level = vsmcp::LogLevel;  // not mcp::LogLevel (the protocol's levels)

// Streamable HTTP header names.
constexpr std::string_view kSessionHeader = "Mcp-Session-Id";
constexpr std::string_view kProtocolHeader = "MCP-Protocol-Version";
constexpr std::string_view kLastEventIdHeader = "Last-Event-ID";
constexpr std::string_view kMethodHeader = "Mcp-Method";
constexpr std::string_view kNameHeader = "Mcp-Name";
constexpr std::string_view kParamHeaderPrefix = "Mcp-Param-";
// Version assumed when a request carries none (transports spec, "Protocol Version Header").
constexpr std::string_view kDefaultProtocolVersion = "2025-03-26";
// First version whose clients expect a priming event (id, empty data) on SSE streams.
constexpr std::string_view kPrimingVersion = "2025-11-25";
// The modern (stateless) revision, and where its requests name their version.
constexpr std::string_view kModernVersion = "2026-07-28";
constexpr std::string_view kMetaProtocolVersion = "io.modelcontextprotocol/protocolVersion";
constexpr std::string_view kListenMethod = "subscriptions/listen";
// JSON-RPC "server error" code for refusals at the HTTP level (no session, wrong headers).
constexpr int kTransportError = -32000;
constexpr int kHeaderMismatch = -32020;

// Ended POST streams a session keeps for resumption when their connection broke.
constexpr size_t kMaxRetainedStreams = 16;

// --- small helpers ------------------------------------------------------------------------

// ASCII only, whatever the locale: HTTP's names are ASCII.
char asciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string toLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = asciiLower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i] && asciiLower(a[i]) != asciiLower(b[i])) return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of a request header, trimmed; nullopt when absent.
std::optional<std::string> headerOf(const http::Request& req, std::string_view name) {
  for (const auto& [k, v] : req.headers)
    if (iequals(k, name)) return std::string(trim(v));
  return std::nullopt;
}

bool isSupportedVersion(std::string_view v) {
  if (v == kModernVersion) return true;
  for (auto known : kProtocolVersions)
    if (known == v) return true;
  return false;
}

// What an Accept header allows. An absent header accepts anything (RFC 9110, 12.5.1).
struct Acceptable {
  bool json = true;
  bool sse = true;
};

Acceptable acceptOf(const std::optional<std::string>& accept) {
  if (!accept) return {};
  Acceptable out{false, false};
  std::string_view rest = *accept;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    std::string_view type = trim(item.substr(0, item.find(';')));
    const bool any = type == "*/*";
    if (any || iequals(type, "application/*") || iequals(type, "application/json")) out.json = true;
    if (any || iequals(type, "text/*") || iequals(type, "text/event-stream")) out.sse = true;
  }
  return out;
}

bool isJsonContentType(const std::optional<std::string>& type) {
  if (!type) return false;
  return toLower(trim(std::string_view(*type).substr(0, type->find(';')))) == "application/json";
}

std::string rpcError(int code, std::string_view message, const Json& id = Json()) {
  Json error = Json::object();
  error.set("code", code).set("message", message);
  Json m = Json::object();
  m.set("jsonrpc", "2.0").set("id", id).set("error", std::move(error));
  return m.dump();
}

// The first CR or LF at or after `from`, or npos. Two memchr passes: find_first_of with a
// set would call memchr once per character of a long message (a tools/list result).
size_t lineBreak(std::string_view s, size_t from) {
  if (from >= s.size()) return std::string_view::npos;
  const char* begin = s.data() + from;
  const size_t n = s.size() - from;
  const void* lf = std::memchr(begin, '\n', n);
  const void* cr = std::memchr(begin, '\r', lf ? static_cast<const char*>(lf) - begin : n);
  const void* first = cr ? cr : lf;
  return first ? static_cast<size_t>(static_cast<const char*>(first) - s.data())
               : std::string_view::npos;
}

// One SSE event; data lines split at line breaks so no payload can end the event early.
std::string sseFrame(std::string_view id, std::string_view data) {
  std::string out;
  out.reserve(data.size() + id.size() + 16);
  out.append("id: ").append(id).append("\n");
  size_t start = 0;
  while (true) {
    size_t end = lineBreak(data, start);
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

// --- the 2026-07-28 request headers ---------------------------------------------------------

// A header value that may be sent as-is (RFC 9110 field-value: visible ASCII, space, tab).
bool isPlainHeaderValue(std::string_view v) {
  for (unsigned char c : v)
    if (c != '\t' && (c < 0x20 || c > 0x7e)) return false;
  return true;
}

// Mcp-Name and Mcp-Param-* values: plain, or "=?base64?<standard base64 of UTF-8>?=".
// nullopt when malformed (bad characters, bad base64).
std::optional<std::string> decodeHeaderValue(std::string_view v) {
  if (!isPlainHeaderValue(v)) return std::nullopt;
  constexpr std::string_view kPrefix = "=?base64?";
  constexpr std::string_view kSuffix = "?=";
  if (v.size() < kPrefix.size() + kSuffix.size() || v.substr(0, kPrefix.size()) != kPrefix ||
      v.substr(v.size() - kSuffix.size()) != kSuffix)
    return std::string(v);
  std::string text(v.substr(kPrefix.size(), v.size() - kPrefix.size() - kSuffix.size()));
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) {
    if (c == '+') {
      c = '-';
    } else if (c == '/') {
      c = '_';
    } else if (c == '-' || c == '_') {
      return std::nullopt;  // base64url's letters are not standard base64's
    }
  }
  return base64urlDecode(text);
}

// Whether a Mcp-Param-* header value (decoded) stands for the argument's value: strings as
// they are, integers numerically (42 = 42.0), booleans as true/false.
bool headerMatches(const std::string& header, const Json& value) {
  if (value.isString()) return header == value.asString();
  if (value.isBool()) return header == (value.asBool() ? "true" : "false");
  if (value.isNumber()) {
    const char* begin = header.data();
    const char* end = header.data() + header.size();
    double parsed = 0;
    auto r = std::from_chars(begin, end, parsed);
    return r.ec == std::errc() && r.ptr == end && std::isfinite(parsed) &&
           parsed == value.asDouble();
  }
  return false;
}

// The x-mcp-header annotations of an input schema reachable through `properties` alone: the
// header name part and the property path.
void headerParams(const Json& schema, std::vector<std::string>& path,
                  std::vector<std::pair<std::string, std::vector<std::string>>>& out) {
  const Json* properties = schema.isObject() ? schema.find("properties") : nullptr;
  if (!properties || !properties->isObject()) return;
  for (const auto& [name, property] : properties->members()) {
    path.push_back(name);
    if (property.isObject()) {
      if (const Json* h = property.find("x-mcp-header"); h && h->isString())
        out.emplace_back(h->asString(), path);
      headerParams(property, path, out);
    }
    path.pop_back();
  }
}

// The modern era's request-metadata rules (transports, "Request Metadata" and "Server
// Validation"): "" when the headers agree with the request `msg`, else why not (the message
// of a HeaderMismatch error). `input_schema` gives a tool's inputSchema (null = unknown).
std::string headerMismatch(const http::Request& req, const Json& msg,
                           const std::function<Json(const std::string&)>& input_schema) {
  const Json* params = msg.find("params");
  const Json* meta = params && params->isObject() ? params->find("_meta") : nullptr;
  auto version = headerOf(req, kProtocolHeader);
  if (!version) return "the MCP-Protocol-Version header is required";
  if (meta && meta->isObject()) {
    const Json* body_version = meta->find(kMetaProtocolVersion);
    if (body_version && body_version->isString() && body_version->asString() != *version)
      return "MCP-Protocol-Version header value '" + *version + "' does not match body value '" +
             body_version->asString() + "'";
  }
  const std::string method = msg.find("method")->asString();
  auto method_header = headerOf(req, kMethodHeader);
  if (!method_header) return "the Mcp-Method header is required";
  if (!isPlainHeaderValue(*method_header)) return "the Mcp-Method header has invalid characters";
  if (*method_header != method)
    return "Mcp-Method header value '" + *method_header + "' does not match body value '" +
           method + "'";
  std::string_view name_field;
  if (method == method::kToolsCall || method == method::kPromptsGet) name_field = "name";
  if (method == method::kResourcesRead) name_field = "uri";
  if (method == "tasks/get" || method == "tasks/update" || method == "tasks/cancel") {
    // The tasks extension: Mcp-Name carries params.taskId (checked when sent; clients
    // written before the extension asked for it may omit it).
    const Json* task = params && params->isObject() ? params->find("taskId") : nullptr;
    if (auto name_header = headerOf(req, kNameHeader)) {
      auto decoded = decodeHeaderValue(*name_header);
      if (!decoded) return "the Mcp-Name header is malformed";
      if (task && task->isString() && *decoded != task->asString())
        return "Mcp-Name header value '" + *name_header + "' does not match body value '" +
               task->asString() + "'";
    }
  }
  if (!name_field.empty()) {
    const Json* name = params && params->isObject() ? params->find(name_field) : nullptr;
    auto name_header = headerOf(req, kNameHeader);
    if (!name_header) return "the Mcp-Name header is required for " + method;
    auto decoded = decodeHeaderValue(*name_header);
    if (!decoded) return "the Mcp-Name header is malformed";
    if (name && name->isString() && *decoded != name->asString())
      return "Mcp-Name header value '" + *name_header + "' does not match body value '" +
             name->asString() + "'";
  }
  if (method != method::kToolsCall || !input_schema) return "";
  const Json* tool = params && params->isObject() ? params->find("name") : nullptr;
  if (!tool || !tool->isString()) return "";
  const Json schema = input_schema(tool->asString());
  std::vector<std::pair<std::string, std::vector<std::string>>> annotated;
  std::vector<std::string> path;
  headerParams(schema, path, annotated);
  const Json* arguments = params->find("arguments");
  for (const auto& [param, at] : annotated) {
    const Json* value = arguments;
    for (const auto& key : at) value = value && value->isObject() ? value->find(key) : nullptr;
    const std::string header_name = std::string(kParamHeaderPrefix) + param;
    auto header = headerOf(req, header_name);
    const bool present = value && !value->isNull();
    if (!present) {
      if (header) return "the " + header_name + " header has no value in the arguments";
      continue;
    }
    if (!header) return "the " + header_name + " header is required (the arguments carry it)";
    auto decoded = decodeHeaderValue(*header);
    if (!decoded) return "the " + header_name + " header is malformed";
    if (!headerMatches(*decoded, *value))
      return header_name + " header value '" + *header + "' does not match body value " +
             value->dump();
  }
  return "";
}

// Methods only the modern era has: without a session they are served statelessly (the
// session answers one that lacks the modern _meta with its error).
bool isModernOnly(std::string_view method) {
  return method == "server/discover" || method == kListenMethod || method == "tasks/get" ||
         method == "tasks/update" || method == "tasks/cancel";
}

// Whether a message belongs to the modern era: its params._meta names a protocol version
// (2026-07-28, or one this server does not know: the session answers it with
// UnsupportedProtocolVersion), or (without that) the MCP-Protocol-Version header names
// 2026-07-28.
bool isModern(const http::Request& req, const Json& msg) {
  const Json* params = msg.find("params");
  const Json* meta = params && params->isObject() ? params->find("_meta") : nullptr;
  if (meta && meta->isObject()) {
    const Json* v = meta->find(kMetaProtocolVersion);
    if (v && v->isString()) return true;
  }
  auto header = headerOf(req, kProtocolHeader);
  return header && *header == kModernVersion;
}

// --- streams and sinks --------------------------------------------------------------------

struct Core {
  // Graceful shutdown (HttpServer::shutdown). While `draining`, requests that would start
  // work are refused; the MCP side of the drain is over when no POST has a request left to
  // answer (`outstanding`), or when `halted` (stop() came first). libhttp's waitIdle() then
  // waits for the responses still being written (an open GET stream does not count).
  std::atomic<bool> draining{false};
  std::atomic<bool> halted{false};
  std::atomic<std::int64_t> outstanding{0};  // POST sinks whose stream has not ended
  std::mutex drain_mu;
  std::condition_variable drain_cv;  // notified on changes while draining
  // Workers holding a 2026-07-28 response until its first message (PostSink::waitFirst)
  // wait on hold_cv; a sink with a waiter, and stop() (`halted`), notify it.
  std::mutex hold_mu;
  std::condition_variable hold_cv;

  void wakeHolders() {
    { std::lock_guard<std::mutex> lock(hold_mu); }
    hold_cv.notify_all();
  }

  bool drained() const { return halted.load() || outstanding.load() <= 0; }
  // After a counter went down: wakes a shutdown() waiting for the drain. Cheap when not
  // draining (the counters change before `draining` is read, so no wake-up is lost).
  void changed() {
    if (!draining.load()) return;
    { std::lock_guard<std::mutex> lock(drain_mu); }
    drain_cv.notify_all();
  }
};

// Whoever writes a stream to a client (an SseSource).
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
    std::shared_ptr<StreamListener> listener;
    {
      std::lock_guard<std::mutex> lock(mu_);
      listener = listener_.lock();
    }
    if (listener) listener->wake();  // libhttp's wake function: safe after its stop too
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
      if (messages_++ == 0) first_ = message;
    }
    stream_->append(message);
    if (waiting_.load()) core_->wakeHolders();
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
      if (waiting_.load()) core_->wakeHolders();
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
  // Blocks (on a worker, never an I/O thread) until this sink got its first message or its
  // requests are all answered; false when the server stopped first.
  bool waitFirst() {
    waiting_ = true;
    std::unique_lock<std::mutex> lock(core_->hold_mu);
    core_->hold_cv.wait(lock, [this] {
      if (core_->halted.load()) return true;
      std::lock_guard<std::mutex> own(mu_);
      return messages_ > 0 || (expected_ && done_ >= *expected_);
    });
    waiting_ = false;
    return !core_->halted.load();
  }
  size_t messages() const {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_;
  }

 private:
  const std::shared_ptr<Core> core_;
  const std::shared_ptr<EventStream> stream_;
  std::atomic<bool> released_{false};
  std::atomic<bool> waiting_{false};  // a worker waits in waitFirst()
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

// What the endpoint's requests share; owned by HttpServer::Impl.
struct Shared {
  Shared(Server& s, HttpServerOptions o)
      : server(s), options(std::move(o)), input_schema(options.tool_input_schema) {}
  Server& server;
  const HttpServerOptions options;
  const std::shared_ptr<Core> core = std::make_shared<Core>();
  SessionTable sessions;
  // A tool's inputSchema by name, for the Mcp-Param-* headers (null = not known).
  const std::function<Json(const std::string&)> input_schema;

  // Removes a session from the Server and ends its streams.
  void endSession(const std::shared_ptr<SessionEntry>& entry) {
    server.removeSession(entry->id());
    entry->finishAll();
  }

  // The sessions of single 2026-07-28 requests (no Mcp-Session-Id names them): each is
  // removed once its response stream is over (written, or its client left: a cancellation).
  void addEphemeral(const std::shared_ptr<Session>& session) {
    std::lock_guard<std::mutex> lock(ephemeral_mu);
    ephemeral.emplace(session->id(), session);
  }
  void endEphemeral(const std::string& id) {
    {
      std::lock_guard<std::mutex> lock(ephemeral_mu);
      if (ephemeral.erase(id) == 0) return;
    }
    server.removeSession(id);
  }
  void endAllEphemeral() {
    std::unordered_map<std::string, std::shared_ptr<Session>> all;
    {
      std::lock_guard<std::mutex> lock(ephemeral_mu);
      all.swap(ephemeral);
    }
    for (auto& [id, s] : all) server.removeSession(id);
  }
  std::mutex ephemeral_mu;
  std::unordered_map<std::string, std::shared_ptr<Session>> ephemeral;  // guarded
};

// The body of one SSE response: `stream`'s events after a cursor, pulled by libhttp. Ends
// when the stream ended or another response took the stream over (resumption).
class SseSource final : public http::StreamSource,
                        public StreamListener,
                        public std::enable_shared_from_this<SseSource> {
 public:
  SseSource(Shared& shared, std::shared_ptr<EventStream> stream,
            std::shared_ptr<SessionEntry> entry, uint64_t after, Bytes priming,
            std::string ephemeral_session)
      : shared_(shared),
        stream_(std::move(stream)),
        entry_(std::move(entry)),
        last_seq_(after),
        priming_(std::move(priming)),
        ephemeral_session_(std::move(ephemeral_session)) {}

  void open(std::function<void()> wake) override {
    std::lock_guard<std::mutex> lock(mu_);
    wake_ = std::move(wake);
  }

  void wake() override {
    // Called under mu_ (it only posts to the connection), which saves copying it.
    std::lock_guard<std::mutex> lock(mu_);
    if (wake_) wake_();  // before open(): nothing to do, the first pull follows open()
  }

  bool pull(std::vector<Piece>& out) override {
    if (priming_) out.push_back(std::move(priming_));
    priming_.reset();
    if (!stream_->isListener(this)) {  // another response resumed this stream
      replaced_ = true;
      return true;
    }
    auto batch = stream_->collect(last_seq_);
    if (batch.gap)
      vsmcp::log(Level::kWarning, "MCP HTTP: a slow SSE client missed events (replay buffer full)");
    for (auto& f : batch.frames) out.push_back(std::move(f));
    last_seq_ = batch.last;
    return batch.finished;
  }

  void close(bool complete) override {
    stream_->detach(this);
    // A POST stream written to its end needs no replay.
    if (complete && !replaced_ && entry_ && stream_->number() != 0)
      entry_->dropStream(stream_->number());
    if (!ephemeral_session_.empty()) {
      if (!complete)
        vsmcp::log(Level::kDebug, "MCP HTTP: a client left its request's stream: cancelled");
      shared_.endEphemeral(ephemeral_session_);  // cancels what still runs
    }
  }

 private:
  Shared& shared_;
  const std::shared_ptr<EventStream> stream_;
  const std::shared_ptr<SessionEntry> entry_;  // null for a single modern request
  uint64_t last_seq_;                          // on the I/O thread only
  Bytes priming_;
  bool replaced_ = false;
  const std::string ephemeral_session_;  // "" unless a single modern request's session
  std::mutex mu_;
  std::function<void()> wake_;  // guarded by mu_
};

http::Response respond(int status, std::string content_type, std::string body,
                       Headers headers = {}) {
  http::Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

http::Response respondError(int status, int code, const std::string& message,
                            Headers headers = {}, const Json& id = Json()) {
  return respond(status, "application/json", rpcError(code, message, id), std::move(headers));
}

// One request to the endpoint or another path, on an I/O thread.
class Exchange {
 public:
  // `on_worker`: runs on a libhttp worker (may block), else on an I/O thread.
  Exchange(Shared& shared, const http::Request& req, bool on_worker)
      : shared_(shared), req_(req), on_worker_(on_worker) {
    // The headers every request looks at, found in one pass (first of each name, trimmed).
    for (const auto& [name, value] : req.headers) {
      std::optional<std::string>* slot = nullptr;
      if (iequals(name, kSessionHeader)) {
        slot = &session_id_;
      } else if (iequals(name, kProtocolHeader)) {
        slot = &protocol_;
      } else if (iequals(name, "Accept")) {
        slot = &accept_;
      } else if (iequals(name, "Content-Type")) {
        slot = &content_type_;
      } else if (iequals(name, kLastEventIdHeader)) {
        slot = &last_event_id_;
      }
      if (slot && !*slot) *slot = std::string(trim(value));
    }
  }

  // nullopt (on an I/O thread only): to be run again on a worker, which may block.
  std::optional<http::Response> run() {
    if (!on_worker_ && holdsResponse()) return std::nullopt;
    if (req_.path != options().path) {
      if (draining()) return refuseDraining();
      return extraRoute();
    }
    std::string principal;  // "" without authentication
    if (options().authorize) {
      HttpExtraRequest who = extraRequest(false);
      std::optional<std::string> authenticated;
      try {
        authenticated = options().authorize(who);
      } catch (const std::exception& e) {
        vsmcp::log(Level::kError, std::string("MCP HTTP: the authorize hook failed: ") + e.what());
      } catch (...) {
        vsmcp::log(Level::kError, "MCP HTTP: the authorize hook failed");
      }
      if (!authenticated)
        return respondError(401, kTransportError,
                            "Unauthorized: a valid bearer token or X-API-Key is required",
                            {{"WWW-Authenticate", "Bearer"}});
      principal = std::move(*authenticated);
    }
    // A POST's version is judged in post(): a 2026-07-28 request gets the session's
    // UnsupportedProtocolVersion error, with its id.
    if (auto version = protocol_;
        version && !isSupportedVersion(*version) && req_.method != "POST")
      return respondError(400, kTransportError,
                          "Bad Request: unsupported MCP-Protocol-Version '" + *version + "'");
    if (req_.method == "POST") return post(principal);
    if (req_.method == "GET") return get(principal);
    if (req_.method == "DELETE") return del(principal);
    return respondError(405, kTransportError, "Method Not Allowed: use POST, GET or DELETE",
                        {{"Allow", "GET, POST, DELETE"}});
  }

 private:
  const HttpServerOptions& options() const { return shared_.options; }
  bool draining() const { return shared_.core->draining.load(); }

  // Whether this request is a single 2026-07-28 request without a session whose response
  // must wait for its first message (an error is then answered with its own HTTP status, not
  // an SSE stream): that wait runs on a libhttp worker. server/discover is answered while
  // the session receives it, and subscriptions/listen acknowledges at once: those stay here.
  bool holdsResponse() const {
    if (req_.method != "POST" || req_.path != options().path || session_id_ || draining())
      return false;
    const bool may_be_modern =
        protocol_.value_or("") == kModernVersion ||
        ::memmem(req_.body.data(), req_.body.size(), kMetaProtocolVersion.data(),
                 kMetaProtocolVersion.size()) != nullptr;
    if (!may_be_modern && ::memmem(req_.body.data(), req_.body.size(), "tasks/", 6) == nullptr)
      return false;
    Json::ParseLimits limits;
    limits.max_bytes = options().max_body_bytes;
    auto msg = Json::parse(req_.body, limits);
    if (!msg.ok() || !msg->isObject() || !msg->find("id")) return false;
    const Json* method = msg->find("method");
    if (!method || !method->isString()) return false;
    const std::string& name = method->asString();
    if (name == method::kServerDiscover || name == kListenMethod) return false;
    return isModern(req_, *msg) || isModernOnly(name);
  }

  // While the server shuts down, a request that would start something new is refused like
  // an overload: 503 with a JSON-RPC error (libhttp closes the connection after it).
  http::Response refuseDraining() {
    return respondError(503, kTransportError, "Service Unavailable: the server is shutting down");
  }

  HttpExtraRequest extraRequest(bool with_body) const {
    HttpExtraRequest r;
    r.method = req_.method;
    r.target = req_.target;
    r.path = req_.path;
    r.query = req_.query;
    r.headers = req_.headers;
    if (with_body) r.body = req_.body;
    r.remote_address = req_.remote_address;
    return r;
  }

  http::Response extraRoute() {
    if (!options().extra_routes) return respondError(404, kTransportError, "Not Found");
    HttpExtraResponse res;
    bool handled = false;
    try {
      handled = options().extra_routes(extraRequest(true), res);
    } catch (const std::exception& e) {
      vsmcp::log(Level::kError, "MCP HTTP: route " + req_.path + " failed: " + e.what());
      return respondError(500, kTransportError, "Internal Server Error");
    }
    if (!handled) return respondError(404, kTransportError, "Not Found");
    // libhttp checks the rest (status range, header names and values) and answers 500.
    return respond(res.status, std::move(res.content_type), std::move(res.body),
                   std::move(res.headers));
  }

  // The session named by the request's Mcp-Session-Id if it belongs to `principal`; else
  // the 400/404 answer.
  std::shared_ptr<SessionEntry> requireSession(const std::string& principal,
                                               std::optional<http::Response>& refusal) {
    auto id = session_id_;
    if (!id || id->empty()) {
      refusal = respondError(400, kTransportError, "Bad Request: Mcp-Session-Id header is required");
      return nullptr;
    }
    auto entry = findSession(*id, principal);
    if (!entry) refusal = respondError(404, kTransportError, "Session not found");
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
    vsmcp::log(Level::kWarning, "MCP HTTP: principal '" + principal + "' (" +
                                    req_.remote_address + ") named a session of principal '" +
                                    owner + "'; answered 404 Session not found");
    return false;
  }

  std::string protocolVersionOf(const SessionEntry& entry) {
    std::string v = entry.session().protocolVersion();
    if (v.empty())
      v = protocol_.value_or(std::string(kDefaultProtocolVersion));
    return v;
  }

  http::Response post(const std::string& principal) {
    Acceptable accept = acceptOf(accept_);
    if (!accept.json || !accept.sse)
      return respondError(406, kTransportError,
                          "Not Acceptable: Accept must allow application/json and text/event-stream");
    if (!isJsonContentType(content_type_))
      return respondError(415, kTransportError,
                          "Unsupported Media Type: Content-Type must be application/json");
    const bool has_session = session_id_.has_value();
    // The session parses the body anyway: here it is parsed only when its content decides
    // something (no session: initialize or not; a drain; the modern era's header checks).
    const bool bad_version = protocol_ && !isSupportedVersion(*protocol_);
    const bool may_be_modern =
        protocol_.value_or("") == kModernVersion || bad_version ||
        ::memmem(req_.body.data(), req_.body.size(), kModernVersion.data(),
                 kModernVersion.size()) != nullptr ||
        ::memmem(req_.body.data(), req_.body.size(), kMetaProtocolVersion.data(),
                 kMetaProtocolVersion.size()) != nullptr;
    Result<Json> msg = Json();
    if (!has_session || draining() || may_be_modern) {
      Json::ParseLimits limits;
      limits.max_bytes = options().max_body_bytes;
      msg = Json::parse(req_.body, limits);
    }
    const bool is_request =
        msg.ok() && msg->isObject() && msg->find("method") && msg->find("id");
    // While draining only what lets requests in flight finish passes: the client's answers
    // to the server's requests (elicitation, ...) and its notifications (cancellation).
    if (draining() && (!msg.ok() || !msg->isObject() || is_request)) return refuseDraining();
    const bool modern = may_be_modern && msg.ok() && msg->isObject() && isModern(req_, *msg);
    if (bad_version && !modern) {
      // Not a 2026-07-28 request (its _meta names no version): refused here, with its id.
      const Json* id = is_request ? msg->find("id") : nullptr;
      return respond(400, "application/json",
                     rpcError(kTransportError,
                              "Bad Request: unsupported MCP-Protocol-Version '" + *protocol_ + "'",
                              id ? *id : Json()));
    }
    if (modern && is_request && msg->find("method")->isString()) {
      std::string mismatch = headerMismatch(req_, *msg, shared_.input_schema);
      if (!mismatch.empty())
        return respond(400, "application/json",
                       rpcError(kHeaderMismatch, "Header mismatch: " + mismatch, *msg->find("id")));
    }
    if (has_session) {
      std::optional<http::Response> refusal;
      auto entry = requireSession(principal, refusal);
      if (!entry) return std::move(*refusal);
      return postToSession(entry, false, modern);
    }
    if (!msg.ok()) return respondError(400, error::kParseError, "Parse error: " + msg.status().message());
    const Json* method = msg->find("method");
    // A 2026-07-28 initialize opens no session: the stateless era has no such method (-32601).
    const bool initialize =
        method && method->asString() == method::kInitialize && msg->find("id") && !modern;
    if (!initialize) {
      if (modern || (method && isModernOnly(method->asString())))
        return postStateless(principal, *msg);
      return respondError(400, kTransportError,
                          "Bad Request: Mcp-Session-Id header is required (only initialize may "
                          "come without)");
    }
    std::optional<http::Response> refusal;
    auto entry = createSession(principal, refusal);
    if (!entry) return std::move(*refusal);
    return postToSession(entry, true, false);
  }

  http::Response postToSession(const std::shared_ptr<SessionEntry>& entry, bool created,
                               bool modern) {
    entry->touch();
    auto stream = entry->newStream(shared_.core, options().replay_buffer);
    auto sink = std::make_shared<PostSink>(shared_.core, stream);
    auto accepted = entry->session().receive(req_.body, sink);
    Headers session_header{{std::string(kSessionHeader), entry->id()}};
    if (!accepted.ok()) {
      // Nothing was accepted; the error response (if any) is in the sink.
      sink->release();
      entry->dropStream(stream->number());
      if (created && shared_.sessions.take(entry->id())) shared_.endSession(entry);
      return refusedMessage(*sink, accepted.status(), created ? Headers{} : session_header,
                            modern);
    }
    if (*accepted == 0) {
      sink->release();
      entry->dropStream(stream->number());
      return respond(202, "", "", session_header);
    }
    sink->expect(*accepted);
    if (created && stream->finished() && sink->messages() == 1) {
      auto first = Json::parse(sink->firstMessage());
      if (first.ok() && first->find("error")) {
        // A refused initialize leaves no session behind.
        entry->dropStream(stream->number());
        if (shared_.sessions.take(entry->id())) shared_.endSession(entry);
        return respond(200, "application/json", sink->firstMessage());
      }
    }
    if (created) vsmcp::log(Level::kDebug, "MCP HTTP: session opened by " + req_.remote_address);
    return beginStream(stream, entry, protocolVersionOf(*entry), 0, std::move(session_header));
  }

  // Session::receive accepted nothing: its error response, 200 when it answers a request (it
  // has an id), else 400; in the 2026-07-28 era the error's own status (400, 404) when it has
  // one (error::modernHttpStatus).
  static http::Response refusedMessage(const PostSink& sink, const Status& status,
                                       Headers headers, bool modern) {
    std::string body = sink.firstMessage();
    if (body.empty()) body = rpcError(error::kInvalidRequest, status.message());
    auto parsed = Json::parse(body);
    bool has_id = parsed.ok() && parsed->find("id") && !parsed->find("id")->isNull();
    int http_status = has_id ? 200 : 400;
    if (modern) {
      if (int mapped = modernHttpStatusOf(parsed.ok() ? *parsed : Json()); mapped != 200)
        http_status = mapped;
    }
    return respond(http_status, "application/json", std::move(body), std::move(headers));
  }

  // The HTTP status of a 2026-07-28 error response `msg` (error::modernHttpStatus); 200 for
  // anything else.
  static int modernHttpStatusOf(const Json& msg) {
    const Json* e = msg.isObject() && !msg.find("method") ? msg.find("error") : nullptr;
    const Json* code = e && e->isObject() ? e->find("code") : nullptr;
    return code && code->isInt() ? error::modernHttpStatus(static_cast<int>(code->asInt())) : 200;
  }

  // A 2026-07-28 request without a session: served on a session of its own, removed when its
  // stream is over. No Mcp-Session-Id is minted; the stream is not resumable.
  http::Response postStateless(const std::string& principal, const Json& msg) {
    auto stream = std::make_shared<EventStream>(shared_.core, 1, options().replay_buffer);
    auto sink = std::make_shared<PostSink>(shared_.core, stream);
    // The request's stream is the session's default sink too: the session lives for it only.
    auto session = shared_.server.createSession(sink, principal);
    const bool listen = msg.find("method")->asString() == kListenMethod;
    if (listen) sink->release();  // a stream that lasts: the drain does not wait for it
    auto accepted = session->receive(req_.body, sink);
    if (!accepted.ok() || *accepted == 0) {
      sink->release();
      shared_.server.removeSession(session->id());
      if (!accepted.ok()) return refusedMessage(*sink, accepted.status(), {}, true);
      return respond(202, "", "");
    }
    sink->expect(*accepted);
    shared_.addEphemeral(session);
    // The response waits for the request's first message (on a worker: see holdsResponse):
    // a final error is answered as JSON with its HTTP status (404 for -32601, 400 for
    // -32602, -32020, -32021, -32022); anything else starts the SSE stream.
    if (on_worker_ && !sink->waitFirst()) {
      shared_.endEphemeral(session->id());
      return respondError(503, kTransportError, "Service Unavailable: the server is stopping",
                          {}, *msg.find("id"));
    }
    if (sink->messages() > 0) {
      auto first = Json::parse(sink->firstMessage());
      const Json* id = first.ok() && first->isObject() ? first->find("id") : nullptr;
      if (id && *id == *msg.find("id")) {
        if (int status = modernHttpStatusOf(*first); status != 200) {
          shared_.endEphemeral(session->id());
          return respond(status, "application/json", sink->firstMessage());
        }
      }
    }
    auto source = std::make_shared<SseSource>(shared_, stream, nullptr, 0, nullptr, session->id());
    return sseResponse(stream, source, !listen, {});
  }

  std::shared_ptr<SessionEntry> createSession(const std::string& principal,
                                              std::optional<http::Response>& refusal) {
    auto standalone = std::make_shared<EventStream>(shared_.core, 0, options().replay_buffer);
    auto session =
        shared_.server.createSession(std::make_shared<StandaloneSink>(standalone), principal);
    auto entry = std::make_shared<SessionEntry>(session, standalone);
    std::shared_ptr<SessionEntry> evicted;
    const bool added = shared_.sessions.tryAdd(entry, options().max_sessions,
                                               options().max_sessions_per_principal, evicted);
    if (evicted) {
      vsmcp::log(Level::kWarning,
                 "MCP HTTP: ended the least recently used session of a principal that reached " +
                     std::to_string(options().max_sessions_per_principal) + " sessions");
      shared_.endSession(evicted);
    }
    if (!added) {
      shared_.server.removeSession(session->id());
      vsmcp::log(Level::kWarning, "MCP HTTP: refused a session: the limit of " +
                                      std::to_string(options().max_sessions) + " is reached");
      refusal = respondError(503, kTransportError, "Service Unavailable: too many sessions",
                             {{"Retry-After", "60"}});
      return nullptr;
    }
    return entry;
  }

  http::Response get(const std::string& principal) {
    if (!acceptOf(accept_).sse)
      return respondError(406, kTransportError, "Not Acceptable: Accept must allow text/event-stream");
    // While draining, a client may resume a stream to get its answers, not open a new one.
    if (!last_event_id_ && draining()) return refuseDraining();
    std::optional<http::Response> refusal;
    auto entry = requireSession(principal, refusal);
    if (!entry) return std::move(*refusal);
    entry->touch();
    Headers session_header{{std::string(kSessionHeader), entry->id()}};
    std::string version = protocolVersionOf(*entry);
    if (auto last = last_event_id_) {
      if (auto cursor = parseEventId(*last)) {
        if (auto stream = entry->findStream(cursor->stream)) {
          // Resumption: replay after the cursor, then continue live; replaces any writer.
          return beginStream(stream, entry, version, cursor->seq, std::move(session_header));
        }
        if (entry->hadStream(cursor->stream)) {
          // That stream ended and was written out in full: an SSE stream that just ends.
          auto ended = std::make_shared<EventStream>(shared_.core, cursor->stream, 1);
          ended->finish();
          return beginStream(ended, entry, version, cursor->seq, std::move(session_header));
        }
      }
      // Unparsable id or a stream this session never had: serve the standalone stream.
    }
    auto& stream = entry->standalone();
    return beginStream(stream, entry, version, stream->delivered(), std::move(session_header),
                       /*replace=*/false);
  }

  http::Response del(const std::string& principal) {
    auto id = session_id_;
    if (!id || id->empty())
      return respondError(400, kTransportError, "Bad Request: Mcp-Session-Id header is required");
    auto found = shared_.sessions.find(*id);
    auto entry = found && ownedBy(*found, principal) ? shared_.sessions.take(*id) : nullptr;
    if (!entry) return respondError(404, kTransportError, "Session not found");
    shared_.endSession(entry);
    vsmcp::log(Level::kDebug, "MCP HTTP: session ended by " + req_.remote_address);
    return respond(204, "", "");
  }

  // An SSE response that writes a session's `stream` from after `after`.
  http::Response beginStream(const std::shared_ptr<EventStream>& stream,
                             const std::shared_ptr<SessionEntry>& entry,
                             const std::string& version, uint64_t after, Headers headers,
                             bool replace = true) {
    Bytes priming;
    if (version >= kPrimingVersion && version != kModernVersion) {
      // Priming event: gives the client an id to resume from before any message.
      priming = std::make_shared<const std::string>(
          "id: " + eventId(stream->number(), after) +
          "\nretry: " + std::to_string(options().sse_retry.count()) + "\ndata: \n\n");
    }
    auto source = std::make_shared<SseSource>(shared_, stream, entry, after, std::move(priming), "");
    std::shared_ptr<StreamListener> previous;
    if (!stream->attach(source, replace, previous))
      return respondError(409, kTransportError,
                          "Conflict: this session already has an open GET stream");
    if (previous && previous.get() != source.get()) previous->wake();  // it sees it was replaced
    // The GET stream never ends by itself: a drain does not wait for it.
    return sseResponse(stream, source, stream->number() != 0, std::move(headers), false);
  }

  http::Response sseResponse(const std::shared_ptr<EventStream>& stream,
                             const std::shared_ptr<SseSource>& source, bool drain_waits,
                             Headers headers, bool attach = true) {
    if (attach) {
      std::shared_ptr<StreamListener> previous;
      stream->attach(source, true, previous);
    }
    headers.emplace_back("Cache-Control", "no-cache, no-transform");
    headers.emplace_back("X-Accel-Buffering", "no");
    http::Response r;
    r.status = 200;
    r.content_type = "text/event-stream";
    r.headers = std::move(headers);
    r.stream = source;
    r.drain_waits = drain_waits;
    if (options().sse_keepalive.count() > 0) {
      r.heartbeat_interval = options().sse_keepalive;
      r.heartbeat = ": ping\n\n";
    }
    return r;
  }

  Shared& shared_;
  const http::Request& req_;
  const bool on_worker_;
  std::optional<std::string> session_id_, protocol_, accept_, content_type_, last_event_id_;
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
    http::ServerOptions h;
    h.host = o.host;
    h.port = o.port;
    h.io_threads = std::max(1u, o.threads);
    // Requests are answered on the I/O thread (work runs on the Server's workers), but for
    // single 2026-07-28 requests whose response waits for their first message.
    h.workers = std::max(1u, o.hold_threads);
    h.max_queued = o.max_connections;
    h.max_body_bytes = o.max_body_bytes;
    h.max_header_bytes = o.max_header_bytes;
    h.request_timeout = o.request_timeout;
    h.idle_timeout = o.idle_timeout;
    h.max_connections = o.max_connections;
    h.max_connections_per_address = o.max_connections_per_address;
    h.tls_cert_file = o.tls_cert_file;
    h.tls_key_file = o.tls_key_file;
    h.allowed_hosts = o.allowed_hosts;
    h.allowed_origins = o.allowed_origins;
    h.strict_origin = true;  // the specification: servers MUST validate Origin
    h.error_body = [](int, const std::string& message) {
      return rpcError(kTransportError, message);
    };
    auto http = std::make_unique<http::Server>(
        std::move(h),
        [this](const http::Request& req) -> http::Response {
          auto r = Exchange(shared_, req, true).run();
          return r ? std::move(*r) : respondError(500, kTransportError, "Internal Server Error");
        },
        [this](const http::Request& req) -> std::optional<http::Response> {
          return Exchange(shared_, req, false).run();
        });
    VSMCP_RETURN_IF_ERROR(http->start());
    http_ = std::move(http);
    port_ = http_->port();
    {
      std::lock_guard<std::mutex> lock(mu_);
      url_ = http_->url() + o.path;
    }
    used_ = true;
    running_ = true;
    sweeper_ = std::thread([this] { sweepLoop(); });
    vsmcp::log(Level::kInfo, "MCP endpoint listening on " + url());
    return Status::Ok();
  }

  // REQUIRES: not called from an I/O thread (an extra_routes handler): it waits for them.
  void shutdown() {
    Core& core = *shared_.core;
    {
      std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
      if (!running_ || core.draining.exchange(true)) return;
      http_->drain();  // no new connections; later responses close theirs
    }
    const auto& o = shared_.options;
    vsmcp::log(
        Level::kInfo,
        "MCP HTTP: draining: " + std::to_string(std::max<std::int64_t>(0, core.outstanding)) +
            " POST requests in progress, up to " + std::to_string(o.drain_timeout.count()) +
            " ms; new requests are refused");
    // Requests answered (the MCP side), then their responses written (libhttp's).
    auto waitDrained = [this, &core](std::chrono::milliseconds limit) {
      const auto deadline = Clock::now() + limit;
      {
        std::unique_lock<std::mutex> lock(core.drain_mu);
        if (!core.drain_cv.wait_until(lock, deadline, [&core] { return core.drained(); }))
          return false;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      return http_->waitIdle(std::max(left, std::chrono::milliseconds(0)));
    };
    if (!waitDrained(o.drain_timeout)) {
      size_t cancelled = 0;
      for (auto& entry : shared_.sessions.all())
        cancelled += entry->session().shutDown("the server is shutting down");
      std::vector<std::shared_ptr<Session>> single;
      {
        std::lock_guard<std::mutex> lock(shared_.ephemeral_mu);
        for (auto& [id, s] : shared_.ephemeral) single.push_back(s);
      }
      for (auto& s : single) cancelled += s->shutDown("the server is shutting down");
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
    shared_.core->wakeHolders();          // workers holding a response answer 503
    {
      std::lock_guard<std::mutex> lock(sweep_mu_);
      sweep_stop_ = true;
    }
    sweep_cv_.notify_all();
    if (sweeper_.joinable()) sweeper_.join();
    http_->stop();  // closes every connection and stream
    for (auto& entry : shared_.sessions.takeAll()) shared_.endSession(entry);
    shared_.endAllEphemeral();
    vsmcp::log(Level::kInfo, "MCP endpoint " + url() + " stopped");
  }

  unsigned short port() const { return port_.load(); }

  std::string url() const {
    std::lock_guard<std::mutex> lock(mu_);
    return url_;
  }

 private:
  // Forgets sessions that are closed or idle too long, every quarter of the idle time
  // (between 1 and 15 s: also the pace of the 60 s handshake timeout).
  void sweepLoop() {
    auto ttl = shared_.options.session_idle_timeout;
    auto every = std::chrono::seconds(15);
    if (ttl.count() > 0) every = std::clamp(ttl / 4, std::chrono::seconds(1), every);
    std::unique_lock<std::mutex> lock(sweep_mu_);
    while (!sweep_cv_.wait_for(lock, every, [this] { return sweep_stop_; })) {
      lock.unlock();
      sweep();
      lock.lock();
    }
  }

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

  Shared shared_;            // declared first: outlives the http::Server and its streams
  std::mutex lifecycle_mu_;  // serialises start and stop (held while joining threads)
  bool used_ = false;        // guarded by lifecycle_mu_
  bool running_ = false;     // guarded by lifecycle_mu_
  std::unique_ptr<http::Server> http_;  // set once by start(); kept until the destructor
  std::mutex sweep_mu_;
  std::condition_variable sweep_cv_;
  bool sweep_stop_ = false;  // guarded by sweep_mu_
  std::thread sweeper_;
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
