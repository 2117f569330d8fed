// The MCP server core: JSON-RPC checks, lifecycle, the registry and its methods, the worker
// pool, per-request contexts (progress, logging, cancellation, client requests).
#include "mcp/server.hpp"
#include "vsmcp/random.hpp"


#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>

#include "mcp/protocol.hpp"
#include "mcp/schema.hpp"
#include "signed_state.hpp"
#include "vsmcp/log.hpp"

namespace vsmcp::mcp {

// ---------------------------------------------------------------------------------------
// Small helpers

std::string_view logLevelName(LogLevel level) {
  static constexpr std::string_view kNames[] = {"debug",    "info",     "notice", "warning",
                                                "error",    "critical", "alert",  "emergency"};
  return kNames[static_cast<int>(level)];
}

std::optional<LogLevel> parseLogLevel(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(LogLevel::kEmergency); ++i)
    if (logLevelName(static_cast<LogLevel>(i)) == name) return static_cast<LogLevel>(i);
  return std::nullopt;
}

namespace {
constexpr std::string_view kInputRequiredFault = "mcp.input_required";
}  // namespace

bool isInputRequired(const Status& status) {
  return status.code() == ErrorCode::kCancelled && status.details().fault == kInputRequiredFault;
}

ToolResult ToolResult::text(std::string text) {
  ToolResult r;
  r.content.push(Json::object().set("type", "text").set("text", std::move(text)));
  return r;
}

ToolResult ToolResult::error(std::string message) {
  ToolResult r = text(std::move(message));
  r.is_error = true;
  return r;
}

namespace {

struct RpcError {
  int code;
  std::string message;
  Json data;
};

// A result already serialised (cached list pages).
struct RawJson {
  std::string text;
};

using Reply = std::variant<Json, RpcError, RawJson>;

RpcError invalidParams(std::string message) { return {error::kInvalidParams, std::move(message), {}}; }

RpcError missingCapability(const Json& required, const std::string& what) {
  return {error::kMissingRequiredClientCapability, "Missing required client capability: " + what,
          Json::object().set("requiredCapabilities", required)};
}

// Inserts the members of `extra` before the closing brace of the serialised object `text`.
void appendMembers(std::string& text, const Json& extra) {
  if (extra.size() == 0 || text.size() < 2 || text.back() != '}') return;
  text.pop_back();
  bool empty = text.back() == '{';
  for (const auto& [k, v] : extra.members()) {
    if (!empty) text += ',';
    empty = false;
    text += Json(k).dump();
    text += ':';
    text += v.dump();
  }
  text += '}';
}

// What a modern request declared in params._meta.
struct Era {
  bool modern = false;
  std::string version;
  Json capabilities = Json::object();
  std::optional<LogLevel> log_level;  // modern: none = no notifications/message
};

bool hasExtension(const Json& capabilities, std::string_view id) {
  const Json* ext = capabilities.find("extensions");
  return ext && ext->isObject() && ext->find(id);
}

// Methods that exist only in the modern era: a request for one is modern (and malformed
// without the modern _meta).
bool modernOnly(const std::string& name) {
  return name == method::kServerDiscover || name == method::kSubscriptionsListen ||
         name.rfind("tasks/", 0) == 0;
}

// Decides the era of one request and checks its modern _meta. A request is modern when its
// _meta carries a modern field, or its method exists only in the modern era and it does not
// come on an initialized legacy session (where it is just an unknown method).
std::variant<Era, RpcError> classify(const std::string& name, const Json& params, bool legacy_session) {
  Era era;
  const Json* meta = params.find("_meta");
  const Json* version = meta ? meta->find(meta::kProtocolVersion) : nullptr;
  const Json* caps = meta ? meta->find(meta::kClientCapabilities) : nullptr;
  if (!version && !caps && (legacy_session || !modernOnly(name))) return era;  // legacy
  era.modern = true;
  if (!meta || !meta->isObject())
    return invalidParams("Invalid params: the request has no params._meta; 2026-07-28 requests carry " +
                         std::string(meta::kProtocolVersion) + " and " + std::string(meta::kClientCapabilities) +
                         " there (or send initialize first for a legacy session)");
  if (!version || !version->isString() || version->asString().empty())
    return invalidParams("Invalid params: params._meta lacks " + std::string(meta::kProtocolVersion) + " (a string)");
  bool known = false;
  for (auto v : kModernProtocolVersions) known = known || v == version->asString();
  if (!known) {
    Json supported = Json::array();
    for (auto v : kModernProtocolVersions) supported.push(v);
    std::string listed;
    for (auto v : kModernProtocolVersions) listed += (listed.empty() ? "" : ", ") + std::string(v);
    std::string legacy;
    for (auto v : kProtocolVersions) legacy += (legacy.empty() ? "" : ", ") + std::string(v);
    return RpcError{error::kUnsupportedProtocolVersion,
                    "Unsupported protocol version " + version->asString().substr(0, 64) + ": this server supports " +
                        listed + " per request (and " + legacy + " through initialize)",
                    Json::object().set("supported", supported).set("requested", *version)};
  }
  if (!caps || !caps->isObject())
    return invalidParams("Invalid params: params._meta lacks " + std::string(meta::kClientCapabilities) + " (an object)");
  era.version = version->asString();
  era.capabilities = *caps;
  if (const Json* level = meta->find(meta::kLogLevel)) {
    era.log_level = level->isString() ? parseLogLevel(level->asString()) : std::nullopt;
    if (!era.log_level)
      return invalidParams("Invalid params: " + std::string(meta::kLogLevel) +
                           " must be one of debug, info, notice, warning, error, critical, alert, emergency");
  }
  return era;
}

Json toolResultJson(const ToolResult& result);  // below

// The inputRequests key request() derives when the handler names none: stable for the same
// question, so the retry finds its answer.
std::string inputKey(std::string_view method, const Json& params) {
  std::string prefix(method.substr(0, method.find('/')));
  return prefix + "-" + internal::sha256Hex(std::string(method) + '\n' + internal::canonicalJson(params)).substr(0, 16);
}

std::string makeResponse(const Json& id, const Json& result) {
  Json r = Json::object();
  r.set("jsonrpc", "2.0").set("id", id).set("result", result);
  return r.dump();
}

std::string makeRawResponse(const Json& id, const std::string& result) {
  std::string out = "{\"jsonrpc\":\"2.0\",\"id\":";
  out += id.dump();
  out += ",\"result\":";
  out += result;
  out += '}';
  return out;
}

std::string makeError(const Json& id, const RpcError& e) {
  Json err = Json::object();
  err.set("code", e.code).set("message", e.message);
  if (!e.data.isNull()) err.set("data", e.data);
  Json r = Json::object();
  r.set("jsonrpc", "2.0").set("id", id).set("error", err);
  return r.dump();
}

std::string makeNotification(std::string_view method, Json params) {
  Json n = Json::object();
  n.set("jsonrpc", "2.0").set("method", method);
  if (!params.isNull()) n.set("params", std::move(params));
  return n.dump();
}

std::string randomId() { return randomHex(16); }

std::string base64(const std::string& in) {
  static const char* kTable = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += kTable[v >> 18];
    out += kTable[(v >> 12) & 63];
    out += kTable[(v >> 6) & 63];
    out += kTable[v & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kTable[v >> 18];
    out += kTable[(v >> 12) & 63];
    out += i + 1 < in.size() ? kTable[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Cursor: the offset into a list, as an opaque-looking string.
std::string makeCursor(size_t offset) { return "o" + std::to_string(offset); }

std::optional<size_t> parseCursor(const Json* cursor) {
  if (!cursor || cursor->isNull()) return size_t{0};
  if (!cursor->isString()) return std::nullopt;
  const std::string& s = cursor->asString();
  if (s.size() < 2 || s.size() > 12 || s[0] != 'o') return std::nullopt;
  size_t v = 0;
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + static_cast<size_t>(s[i] - '0');
  }
  return v;
}

// Matches a URI against an RFC 6570 level-1 template ("vsphere://vm/{id}").
bool matchTemplate(const std::string& tmpl, const std::string& uri) {
  size_t t = 0, u = 0;
  while (t < tmpl.size()) {
    if (tmpl[t] == '{') {
      size_t close = tmpl.find('}', t);
      if (close == std::string::npos) return false;
      t = close + 1;
      // The variable takes characters up to the next literal (or the end); not '/'.
      char stop = t < tmpl.size() ? tmpl[t] : '\0';
      size_t start = u;
      while (u < uri.size() && uri[u] != stop && uri[u] != '/') ++u;
      if (u == start) return false;
    } else {
      if (u >= uri.size() || uri[u] != tmpl[t]) return false;
      ++t;
      ++u;
    }
  }
  return u == uri.size();
}

bool validToolName(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Server::Impl: registry, sessions, workers.

class Server::Impl {
 public:
  Impl(Implementation info, ServerOptions options) : info_(std::move(info)), options_(std::move(options)) {
    state_key_ = options_.state_key.empty() ? randomBytes(32) : options_.state_key;
    size_t n = std::max<size_t>(1, options_.worker_threads);
    for (size_t i = 0; i < n; ++i) workers_.emplace_back([this] { workLoop(); });
  }

  ~Impl() { stopWorkers(); }

  // False once stopping: the task will not run.
  bool post(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(work_mu_);
      if (stopping_) return false;
      queue_.push_back(std::move(task));
    }
    work_cv_.notify_one();
    return true;
  }

  // A handler is about to wait for the client (elicitation, sampling, roots). Waiting must
  // not take capacity from other requests: if no worker would be left free, add one (up to
  // kMaxWorkers; extra workers stay until the server stops).
  void blockingBegin() {
    std::lock_guard<std::mutex> lock(work_mu_);
    ++blocked_;
    const size_t base = std::max<size_t>(1, options_.worker_threads);
    if (!stopping_ && workers_.size() < kMaxWorkers && workers_.size() - blocked_ < base)
      workers_.emplace_back([this] { workLoop(); });
  }
  void blockingEnd() {
    std::lock_guard<std::mutex> lock(work_mu_);
    --blocked_;
  }

  void stopWorkers() {
    {
      std::lock_guard<std::mutex> lock(work_mu_);
      stopping_ = true;
    }
    work_cv_.notify_all();
    std::vector<std::thread> workers;
    {
      std::lock_guard<std::mutex> lock(work_mu_);
      workers.swap(workers_);  // no worker is added once stopping_ is set
    }
    for (auto& t : workers)
      if (t.joinable()) t.join();
  }

  void workLoop() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(work_mu_);
        work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping and drained
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }

  Json toolJson(const Tool& t) const {
    Json j = Json::object();
    j.set("name", t.name);
    if (!t.title.empty()) j.set("title", t.title);
    if (!t.description.empty()) j.set("description", t.description);
    j.set("inputSchema", t.input_schema.isNull() ? Json::object().set("type", "object") : t.input_schema);
    if (!t.output_schema.isNull()) j.set("outputSchema", t.output_schema);
    Json ann = Json::object();
    if (!t.title.empty()) ann.set("title", t.title);
    if (t.annotations.read_only_hint) ann.set("readOnlyHint", *t.annotations.read_only_hint);
    if (t.annotations.destructive_hint) ann.set("destructiveHint", *t.annotations.destructive_hint);
    if (t.annotations.idempotent_hint) ann.set("idempotentHint", *t.annotations.idempotent_hint);
    if (t.annotations.open_world_hint) ann.set("openWorldHint", *t.annotations.open_world_hint);
    if (ann.size() > 0) j.set("annotations", ann);
    return j;
  }

  // Sends `method` (a list_changed notification) to initialized legacy sessions and to the
  // modern listeners that asked for it.
  void broadcast(std::string_view method);
  Json serverInfo() const {
    Json info = Json::object();
    info.set("name", info_.name).set("version", info_.version);
    if (!info_.title.empty()) info.set("title", info_.title);
    return info;
  }
  bool anyTaskTools() const {
    std::lock_guard<std::mutex> lock(registry_mu_);
    for (const auto& t : *tools_)
      if (t.tool->task_support != TaskSupport::kNone) return true;
    return false;
  }
  std::shared_ptr<const Tool> findTool(const std::string& name) const {
    std::lock_guard<std::mutex> lock(registry_mu_);
    for (const auto& t : *tools_)
      if (t.tool->name == name) return t.tool;
    return nullptr;
  }

  // A registered tool with its tools/list entry, serialised once.
  struct ListedTool {
    std::shared_ptr<const Tool> tool;
    std::string listing;
  };
  using ToolList = std::vector<ListedTool>;

  // The tools/list result at `offset` for a session of `principal` (its text), or nullopt for
  // an offset past the end of what that principal sees.
  // `by_name`: the modern era's order (sorted by name, the same on every replica).
  std::optional<std::string> toolsPage(const std::string& principal, size_t offset, bool by_name = false);
  bool toolsFiltered() const {
    std::lock_guard<std::mutex> lock(registry_mu_);
    return tool_filter_ != nullptr;
  }

  Implementation info_;
  ServerOptions options_;
  std::string state_key_;  // options_.state_key, or a random one

  mutable std::mutex registry_mu_;
  // Replaced, never modified, on each change, so tools/list can use it outside the lock.
  std::shared_ptr<const ToolList> tools_ = std::make_shared<const ToolList>();
  // Unfiltered tools/list results by offset; cleared when the tools or the filter change.
  // Not used while a filter is set (it may depend on more than the principal).
  std::map<size_t, std::string> tools_pages_;
  std::map<size_t, std::string> tools_pages_by_name_;  // the same, sorted by name
  std::shared_ptr<const ToolFilter> tool_filter_;  // null = every tool is listed
  std::vector<Resource> resources_;
  Server::ResourceSource resource_source_;  // guarded by registry_mu_
  std::vector<ResourceTemplate> templates_;
  std::vector<Prompt> prompts_;
  CompletionHandler completion_;

  mutable std::mutex sessions_mu_;
  std::unordered_map<std::string, std::shared_ptr<Session>> sessions_;

  std::mutex work_mu_;
  std::condition_variable work_cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  size_t blocked_ = 0;  // handlers waiting for the client; guarded by work_mu_
  static constexpr size_t kMaxWorkers = 64;
  std::vector<std::thread> workers_;  // guarded by work_mu_ (grows; joined on stop)
};

// ---------------------------------------------------------------------------------------
// Session::State

struct InFlight {
  std::atomic<bool> cancelled{false};
  // The client is not waiting for an answer any more (it cancelled the request, or the
  // session closed): no response is sent. A request the server cancels (Session::shutDown) is
  // still answered. Set before `cancelled`.
  std::atomic<bool> silent{false};
};

// A modern subscriptions/listen stream: what it asked for, where its notifications go.
struct Listener {
  Json id;  // the subscriptions/listen request id (= the subscription id)
  std::shared_ptr<MessageSink> sink;
  // Held while something is sent to the stream, so the acknowledgment goes first and
  // notifications keep their order, without holding the session's lock during a send.
  std::shared_ptr<std::mutex> send_mu = std::make_shared<std::mutex>();
  std::shared_ptr<bool> ended = std::make_shared<bool>(false);  // guarded by *send_mu
  bool tools = false, prompts = false, resources = false;
  std::set<std::string> uris;
};

struct PendingClientRequest {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Result<Json>> result;
};

class Session::State : public std::enable_shared_from_this<Session::State> {
 public:
  State(Server::Impl* server, std::string id, std::string principal,
        std::shared_ptr<MessageSink> sink)
      : server_(server),
        id_(std::move(id)),
        principal_(std::move(principal)),
        default_sink_(std::move(sink)) {}

  void send(const std::shared_ptr<MessageSink>& to, const std::string& message) {
    std::shared_ptr<MessageSink> sink = to;
    if (!sink) {
      std::lock_guard<std::mutex> lock(mu_);
      sink = default_sink_;
    }
    if (sink) sink->send(message);
  }

  Result<size_t> receive(std::string_view text, std::shared_ptr<MessageSink> reply);
  void handleResponse(const Json& msg);
  void handleNotification(const std::string& method, const Json& params);
  void run(Json id, std::string method, Json params, std::shared_ptr<MessageSink> reply,
           std::shared_ptr<InFlight> flight, Era era);
  Reply dispatch(const std::string& method, const Json& params, class Context& ctx);
  Reply dispatchModern(Server::Impl& server, const std::string& method, const Json& params, Context& ctx);
  Reply dispatchShared(Server::Impl& server, const std::string& method, const Json& params, Context& ctx);
  Reply discover(Server::Impl& server);
  Reply tasksMethod(Server::Impl& server, const std::string& method, const Json& params, Context& ctx);
  Json taskJson(Server::Impl& server, const std::string& task_id, const Json& handle, const TaskState& st);
  // subscriptions/listen: registers the listener and acknowledges it (inline, no worker).
  Result<size_t> listen(const Json& id, const Json& params, const Era& era, std::shared_ptr<MessageSink> reply);
  // Ends listeners: `graceful` answers each listen request first (server shutdown).
  void endListeners(bool graceful);
  void sendToListeners(std::string_view method, const std::string* uri);
  Reply initialize(const Json& params);
  Reply toolsCall(const Json& params, Context& ctx);
  Reply startTask(const Tool& tool, const Json& arguments, Context& ctx);
  Reply resourcesRead(const Json& params, Context& ctx);
  Reply promptsGet(const Json& params, Context& ctx);
  Reply complete(const Json& params);
  template <typename T, typename F>
  Reply list(const Json& params, const std::vector<T>& items, const char* key, F toJson);

  void close() {
    std::vector<std::shared_ptr<InFlight>> flights;
    std::vector<std::shared_ptr<PendingClientRequest>> pending;
    endListeners(false);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (closed_) return;
      closed_ = true;
      for (auto& [k, f] : in_flight_) flights.push_back(f);
      for (auto& [k, p] : pending_) pending.push_back(p);
      pending_.clear();
      default_sink_.reset();
    }
    for (auto& f : flights) {
      f->silent = true;
      f->cancelled = true;
    }
    for (auto& p : pending) {
      std::lock_guard<std::mutex> lock(p->mu);
      p->result = Result<Json>(Status::Cancelled("the session closed"));
      p->cv.notify_all();
    }
  }

  Server::Impl* server_;  // null once the server is gone; guarded by mu_
  const std::string id_;
  const std::string principal_;
  mutable std::mutex mu_;
  std::shared_ptr<MessageSink> default_sink_;
  bool initialize_seen_ = false;  // an initialize succeeded
  bool initializing_ = false;     // an initialize is being answered
  bool initialized_ = false;
  bool closed_ = false;
  std::string protocol_version_;
  Json client_capabilities_ = Json::object();
  LogLevel log_level_ = LogLevel::kInfo;
  std::set<std::string> subscriptions_;
  std::unordered_map<std::string, std::shared_ptr<InFlight>> in_flight_;  // key: id.dump()
  std::unordered_map<std::string, std::shared_ptr<PendingClientRequest>> pending_;
  std::uint64_t next_request_ = 1;
  bool client_gone_ = false;  // no answers can arrive any more (stdio EOF)
  std::string shutdown_reason_;  // set by Session::shutDown: later requests are refused
  std::unordered_map<std::string, Listener> listeners_;  // key: id.dump(); also in in_flight_
};

// The RequestContext given to handlers.
class Context final : public RequestContext {
 public:
  Context(std::shared_ptr<Session::State> state, std::shared_ptr<MessageSink> reply,
          std::shared_ptr<InFlight> flight, Json id, Json meta, Era era)
      : state_(std::move(state)),
        reply_(std::move(reply)),
        flight_(std::move(flight)),
        id_(std::move(id)),
        meta_(std::move(meta)),
        era_(std::move(era)) {
    // The spec allows a string or an integer; anything else (or a huge string) is ignored,
    // so a client cannot make every notification carry megabytes.
    if (const Json* token = meta_.find("progressToken");
        token && (token->isInt() || (token->isString() && token->asString().size() <= 256)))
      progress_token_ = *token;
    if (era_.modern) {
      capabilities_ = era_.capabilities;
      return;
    }
    std::lock_guard<std::mutex> lock(state_->mu_);
    capabilities_ = state_->client_capabilities_;
  }

  // Multi round-trip requests (modern era): the answers the client sent (inputResponses and
  // the requestState's), before the handler runs.
  void setAnswers(Json answers) { answers_ = std::move(answers); }
  // After the handler: the input requests it made that have no answer yet ({} = none), the
  // answers it used, and the capabilities it needed but the client did not declare.
  Json pendingInputs() const {
    std::lock_guard<std::mutex> lock(mrtr_mu_);
    return pending_;
  }
  Json usedAnswers() const {
    std::lock_guard<std::mutex> lock(mrtr_mu_);
    return used_;
  }
  Json missingCapabilities() const {
    std::lock_guard<std::mutex> lock(mrtr_mu_);
    return missing_;
  }
  const Era& era() const { return era_; }

  bool cancelled() const override { return flight_->cancelled.load(); }

  void progress(double progress, std::optional<double> total, const std::string& message) override {
    if (progress_token_.isNull()) return;
    Json p = Json::object();
    p.set("progressToken", progress_token_).set("progress", progress);
    if (total) p.set("total", *total);
    if (!message.empty()) p.set("message", message);
    state_->send(reply_, makeNotification(method::kProgress, std::move(p)));
  }

  void log(LogLevel level, const Json& data, const std::string& logger) override {
    if (era_.modern) {
      // Only requests that asked for a level get log messages (2026-07-28).
      if (!era_.log_level || level < *era_.log_level) return;
    } else {
      std::lock_guard<std::mutex> lock(state_->mu_);
      if (level < state_->log_level_) return;
    }
    Json p = Json::object();
    p.set("level", logLevelName(level));
    if (!logger.empty()) p.set("logger", logger);
    p.set("data", data);
    state_->send(reply_, makeNotification(method::kMessage, std::move(p)));
  }

  Result<Json> request(std::string_view method, Json params) override {
    if (era_.modern) {
      std::string key = inputKey(method, params);
      return request(method, std::move(params), key);
    }
    return legacyRequest(method, std::move(params));
  }

  Result<Json> request(std::string_view method, Json params, std::string_view key) override {
    if (!era_.modern) return legacyRequest(method, std::move(params));
    std::string capability;
    if (method == method::kElicitationCreate) capability = "elicitation";
    if (method == method::kSamplingCreateMessage) capability = "sampling";
    if (method == method::kRootsList) capability = "roots";
    if (capability.empty())
      return Status::Unsupported("the client can be asked only elicitation/create, sampling/createMessage or "
                                 "roots/list (2026-07-28), not " + std::string(method));
    if (key.empty() || key.size() > 128) return Status::InvalidArgument("an input request key must be 1-128 characters");
    std::lock_guard<std::mutex> lock(mrtr_mu_);
    if (!capabilities_.find(capability)) {
      missing_.set(capability, Json::object());
      return Status::Unsupported("the client does not support " + capability);
    }
    if (const Json* answer = answers_.find(key)) {
      used_.set(key, *answer);
      return *answer;
    }
    if (pending_.size() >= 32) return Status::InvalidArgument("too many input requests in one request (32)");
    Json request = Json::object();
    request.set("method", method);
    request.set("params", params.isNull() ? Json::object() : std::move(params));
    pending_.set(key, std::move(request));
    return Status::Error(ErrorCode::kCancelled,
                         "input required: the client is asked " + std::string(method) + " (" + std::string(key) +
                             ") and will retry the request with the answer",
                         ErrorDetails{std::string(kInputRequiredFault), 0, "", 0});
  }

  bool modern() const override { return era_.modern; }
  std::string protocolVersion() const override {
    if (era_.modern) return era_.version;
    std::lock_guard<std::mutex> lock(state_->mu_);
    return state_->protocol_version_;
  }

 private:
  Result<Json> legacyRequest(std::string_view method, Json params) {
    std::string capability;
    if (method == method::kElicitationCreate) capability = "elicitation";
    if (method == method::kSamplingCreateMessage) capability = "sampling";
    if (method == method::kRootsList) capability = "roots";
    if (!capability.empty() && !capabilities_.find(capability))
      return Status::Unsupported("the client does not support " + capability);
    auto pending = std::make_shared<PendingClientRequest>();
    std::string id;
    std::chrono::milliseconds timeout;
    {
      std::lock_guard<std::mutex> lock(state_->mu_);
      if (state_->closed_) return Status::Cancelled("the session closed");
      if (state_->client_gone_) return Status::Cancelled("the client has gone");
      id = "srv-" + std::to_string(state_->next_request_++);
      state_->pending_[Json(id).dump()] = pending;
      timeout = state_->server_ ? state_->server_->options_.client_request_timeout
                                : std::chrono::milliseconds(0);
    }
    Json req = Json::object();
    req.set("jsonrpc", "2.0").set("id", id).set("method", method);
    if (!params.isNull()) req.set("params", std::move(params));
    Server::Impl* server;
    {
      std::lock_guard<std::mutex> slock(state_->mu_);
      server = state_->server_;
    }
    if (server) server->blockingBegin();
    struct Unblock {
      Server::Impl* s;
      ~Unblock() {
        if (s) s->blockingEnd();
      }
    } unblock{server};
    state_->send(reply_, req.dump());
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock<std::mutex> lock(pending->mu);
    while (!pending->result) {
      if (flight_->cancelled) break;
      if (std::chrono::steady_clock::now() >= deadline) break;
      // Wake up regularly to notice cancellation of the request that is waiting.
      pending->cv.wait_for(lock, std::chrono::milliseconds(50));
    }
    if (pending->result) return *pending->result;
    lock.unlock();
    {
      std::lock_guard<std::mutex> slock(state_->mu_);
      state_->pending_.erase(Json(id).dump());
    }
    if (flight_->cancelled) return Status::Cancelled(std::string(method) + " was abandoned: the request was cancelled");
    return Status::Error(ErrorCode::kTimeout, "the client did not answer " + std::string(method) + " in time");
  }

 public:

  const Json& clientCapabilities() const override { return capabilities_; }
  const std::string& sessionId() const override { return state_->id_; }
  const Json& meta() const override { return meta_; }
  const std::string& principal() const override { return state_->principal_; }
  const Json& requestId() const override { return id_; }

 private:
  std::shared_ptr<Session::State> state_;
  std::shared_ptr<MessageSink> reply_;
  std::shared_ptr<InFlight> flight_;
  Json id_;
  Json meta_;
  Era era_;
  Json progress_token_;
  Json capabilities_;
  mutable std::mutex mrtr_mu_;
  Json answers_ = Json::object();
  Json used_ = Json::object();     // guarded by mrtr_mu_
  Json pending_ = Json::object();  // guarded by mrtr_mu_
  Json missing_ = Json::object();  // guarded by mrtr_mu_
};

void Server::Impl::broadcast(std::string_view method) {
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    for (auto& [id, s] : sessions_) sessions.push_back(s);
  }
  for (auto& s : sessions) {
    if (s->initialized()) s->notify(method, Json());
    s->state_->sendToListeners(method, nullptr);
  }
}

void Session::State::sendToListeners(std::string_view method, const std::string* uri) {
  struct Out {
    std::shared_ptr<std::mutex> send_mu;
    std::shared_ptr<bool> ended;
    std::shared_ptr<MessageSink> sink;
    std::string text;
  };
  std::vector<Out> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, l] : listeners_) {
      bool wanted = (method == method::kToolsListChanged && l.tools) ||
                    (method == method::kPromptsListChanged && l.prompts) ||
                    (method == method::kResourcesListChanged && l.resources) ||
                    (method == method::kResourceUpdated && uri && l.uris.count(*uri));
      if (!wanted) continue;
      Json params = Json::object();
      params.set("_meta", Json::object().set(meta::kSubscriptionId, l.id));
      if (uri) params.set("uri", *uri);
      out.push_back({l.send_mu, l.ended, l.sink ? l.sink : default_sink_, makeNotification(method, std::move(params))});
    }
  }
  for (auto& o : out) {
    std::lock_guard<std::mutex> lock(*o.send_mu);
    if (o.sink && !*o.ended) o.sink->send(o.text);
  }
}

Result<size_t> Session::State::listen(const Json& id, const Json& params, const Era& era,
                                      std::shared_ptr<MessageSink> reply) {
  auto refuse = [&](const RpcError& e) -> Result<size_t> {
    send(reply, makeError(id, e));
    return Status::InvalidArgument(e.message);
  };
  const Json* filter = params.find("notifications");
  if (!filter || !filter->isObject())
    return refuse(invalidParams("Invalid params: subscriptions/listen needs \"notifications\" (an object)"));
  Listener l;
  l.id = id;
  l.sink = reply;
  Json granted = Json::object();
  for (const char* flag : {"toolsListChanged", "promptsListChanged", "resourcesListChanged"}) {
    const Json* v = filter->find(flag);
    if (!v) continue;
    if (!v->isBool()) return refuse(invalidParams(std::string("Invalid params: notifications.") + flag + " must be a boolean"));
    if (!v->asBool()) continue;
    granted.set(flag, true);
    (flag[0] == 't' ? l.tools : flag[0] == 'p' ? l.prompts : l.resources) = true;
  }
  if (const Json* uris = filter->find("resourceSubscriptions")) {
    if (!uris->isArray()) return refuse(invalidParams("Invalid params: notifications.resourceSubscriptions must be an array of URIs"));
    if (uris->size() > 1000) return refuse(invalidParams("Invalid params: at most 1000 resourceSubscriptions per stream"));
    Json list = Json::array();
    for (const auto& u : uris->items()) {
      if (!u.isString() || u.asString().empty() || u.asString().size() > 2048)
        return refuse(invalidParams("Invalid params: each resourceSubscriptions entry must be a URI of 1-2048 bytes"));
      if (l.uris.insert(u.asString()).second) list.push(u);
    }
    granted.set("resourceSubscriptions", list);
  }
  if (filter->find("taskIds") && !hasExtension(era.capabilities, kTasksExtension))
    return refuse(missingCapability(Json::object().set("extensions", Json::object().set(kTasksExtension, Json::object())),
                                    "task notifications need the io.modelcontextprotocol/tasks extension"));
  // taskIds: task status notifications are not offered (clients poll tasks/get), so the
  // acknowledgment leaves them out.
  const std::string key = id.dump();
  std::string refusal;
  std::unique_lock<std::mutex> sending(*l.send_mu);
  std::shared_ptr<MessageSink> sink;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_ || !server_) {
      refusal = "the session is closed";
    } else if (!shutdown_reason_.empty()) {
      refusal = "the server is shutting down";
    } else if (in_flight_.count(key)) {
      refusal = "duplicate request id " + key + " (still in progress)";
    } else if (in_flight_.size() >= server_->options_.max_in_flight_per_session) {
      refusal = "too many requests in progress on this session";
    } else {
      in_flight_[key] = std::make_shared<InFlight>();
      // Registered before the acknowledgment is sent, so nothing that happens after it is
      // missed; send_mu (held) makes the acknowledgment the stream's first message.
      listeners_[key] = l;
      sink = reply ? reply : default_sink_;
    }
  }
  if (refusal.empty() && sink) {
    Json ack = Json::object();
    ack.set("_meta", Json::object().set(meta::kSubscriptionId, id));
    ack.set("notifications", granted);
    sink->send(makeNotification(method::kSubscriptionsAcknowledged, std::move(ack)));
  }
  sending.unlock();
  if (!refusal.empty()) {
    send(reply, makeError(id, {error::kInvalidRequest, "Invalid Request: " + refusal, {}}));
    return Status::InvalidArgument(refusal);
  }
  return size_t{1};
}

void Session::State::endListeners(bool graceful) {
  std::vector<Listener> ended;
  Json info;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, l] : listeners_) {
      ended.push_back(l);
      in_flight_.erase(key);
    }
    listeners_.clear();
    if (server_) info = server_->serverInfo();
  }
  for (auto& l : ended) {
    std::lock_guard<std::mutex> sending(*l.send_mu);
    *l.ended = true;
    if (graceful) {
      Json m = Json::object().set(meta::kSubscriptionId, l.id);
      if (!info.isNull()) m.set(meta::kServerInfo, info);
      send(l.sink, makeResponse(l.id, Json::object().set("resultType", "complete").set("_meta", m)));
    }
    if (l.sink) l.sink->requestDone();
  }
}

std::optional<std::string> Server::Impl::toolsPage(const std::string& principal, size_t offset, bool by_name) {
  std::shared_ptr<const ToolList> tools;
  std::shared_ptr<const ToolFilter> filter;
  auto& pages = by_name ? tools_pages_by_name_ : tools_pages_;
  {
    std::lock_guard<std::mutex> lock(registry_mu_);
    if (!tool_filter_) {
      // Unfiltered pages are built once per registry change and served as text afterwards.
      auto cached = pages.find(offset);
      if (cached != pages.end()) return cached->second;
    }
    tools = tools_;
    filter = tool_filter_;
  }
  // The filter is the application's code: called without the registry lock held.
  std::vector<const ListedTool*> visible;
  visible.reserve(tools->size());
  for (const auto& t : *tools)
    if (!filter || (*filter)(principal, *t.tool)) visible.push_back(&t);
  if (by_name)
    std::sort(visible.begin(), visible.end(),
              [](const ListedTool* a, const ListedTool* b) { return a->tool->name < b->tool->name; });
  if (offset > visible.size()) return std::nullopt;
  const size_t end = std::min(visible.size(), offset + std::max<size_t>(1, options_.page_size));
  std::string text = "{\"tools\":[";
  for (size_t i = offset; i < end; ++i) {
    if (i > offset) text += ',';
    text += visible[i]->listing;
  }
  text += ']';
  if (end < visible.size()) text += ",\"nextCursor\":" + Json(makeCursor(end)).dump();
  text += '}';
  if (!filter) {
    std::lock_guard<std::mutex> lock(registry_mu_);
    if (tools_ == tools && !tool_filter_) pages[offset] = text;  // nothing changed since
  }
  return text;
}

Result<size_t> Session::State::receive(std::string_view text, std::shared_ptr<MessageSink> reply) {
  auto parsed = Json::parse(text);
  if (!parsed.ok()) {
    send(reply, makeError(Json(), {error::kParseError, "Parse error: " + parsed.status().message(), {}}));
    return parsed.status();
  }
  const Json& msg = *parsed;
  auto invalid = [&](const Json& id, const std::string& why) -> Result<size_t> {
    send(reply, makeError(id, {error::kInvalidRequest, "Invalid Request: " + why, {}}));
    return Status::InvalidArgument(why);
  };
  if (msg.isArray()) return invalid(Json(), "JSON-RPC batches are not supported (removed in 2025-06-18)");
  if (!msg.isObject()) return invalid(Json(), "a message must be a JSON object");
  const Json* id = msg.find("id");
  const Json* version = msg.find("jsonrpc");
  Json id_value = id && (id->isString() || id->isInt()) ? *id : Json();
  if (!version || version->asString() != "2.0") return invalid(id_value, "\"jsonrpc\" must be \"2.0\"");
  const Json* method = msg.find("method");
  if (!method) {
    if (id && (msg.find("result") || msg.find("error"))) {
      handleResponse(msg);
      return size_t{0};
    }
    return invalid(id_value, "a message needs \"method\", or \"result\"/\"error\" with \"id\"");
  }
  if (!method->isString() || method->asString().empty()) return invalid(id_value, "\"method\" must be a non-empty string");
  const Json* params = msg.find("params");
  if (params && !params->isObject() && !params->isNull()) {
    if (!id) return size_t{0};  // a notification cannot be answered
    send(reply, makeError(id_value, invalidParams("\"params\" must be an object")));
    return Status::InvalidArgument("params must be an object");
  }
  Json p = params && params->isObject() ? *params : Json::object();
  if (!id) {
    handleNotification(method->asString(), p);
    return size_t{0};
  }
  if (!(id->isString() || id->isInt()))
    return invalid(Json(), "\"id\" must be a string or an integer");
  const std::string& name = method->asString();
  bool legacy_session;
  {
    std::lock_guard<std::mutex> lock(mu_);
    legacy_session = initialize_seen_;
  }
  auto classified = classify(name, p, legacy_session);
  if (auto* e = std::get_if<RpcError>(&classified)) {
    send(reply, makeError(*id, *e));
    return Status::InvalidArgument(e->message);
  }
  Era era = std::get<Era>(std::move(classified));
  if (era.modern && name == method::kSubscriptionsListen) return listen(*id, p, era, std::move(reply));
  const std::string key = id->dump();
  auto flight = std::make_shared<InFlight>();
  Server::Impl* server = nullptr;
  std::string refusal;  // decided under the lock, sent after it (a sink may call back in)
  bool busy = false;
  std::string stopping;  // the session is shutting down: why
  {
    std::lock_guard<std::mutex> lock(mu_);
    server = server_;
    if (closed_ || !server) {
      refusal = "the session is closed";
    } else if (!shutdown_reason_.empty()) {
      stopping = shutdown_reason_;
    } else if (in_flight_.count(key)) {
      refusal = "duplicate request id " + key + " (still in progress)";
    } else if (in_flight_.size() >= server->options_.max_in_flight_per_session) {
      busy = true;
    } else if (!era.modern && name != method::kInitialize && name != method::kPing && !initialize_seen_) {
      refusal = "the session is not initialized: send \"initialize\" first (or, in 2026-07-28, give each request "
                "params._meta with " + std::string(meta::kProtocolVersion) + " and " +
                std::string(meta::kClientCapabilities) + ")";
    } else if (!era.modern && name == method::kInitialize && (initialize_seen_ || initializing_)) {
      refusal = "\"initialize\" was already received on this session";
    } else {
      if (!era.modern && name == method::kInitialize) initializing_ = true;  // initialize_seen_ once it succeeds
      in_flight_[key] = flight;
    }
  }
  if (busy) {
    send(reply, makeError(*id, {error::kInternalError, "too many requests in progress on this session", {}}));
    return Status::Error(ErrorCode::kRateLimited, "too many requests in flight");
  }
  if (!refusal.empty()) return invalid(*id, refusal);
  if (!stopping.empty()) {
    send(reply,
         makeError(*id, {error::kInternalError, "the request was not run: " + stopping, {}}));
    return Status::Unavailable(stopping);
  }
  auto self = shared_from_this();
  const bool quick = era.modern ? name == method::kServerDiscover
                                : name == method::kPing || name == method::kInitialize;
  if (quick) {
    run(*id, name, std::move(p), std::move(reply), std::move(flight), std::move(era));  // inline
  } else if (!server->post([self, id = *id, name, p = std::move(p), reply, flight, era = std::move(era)]() mutable {
               self->run(std::move(id), std::move(name), std::move(p), std::move(reply), std::move(flight),
                         std::move(era));
             })) {
    // The workers are stopping: answer now so the transport is not left waiting.
    {
      std::lock_guard<std::mutex> lock(mu_);
      in_flight_.erase(key);
    }
    send(reply, makeError(*id, {error::kInternalError, "the server is stopping", {}}));
    if (reply) reply->requestDone();
  }
  return size_t{1};
}

void Session::State::handleResponse(const Json& msg) {
  std::shared_ptr<PendingClientRequest> pending;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(msg.find("id")->dump());
    if (it == pending_.end()) return;  // unknown or late: nothing waits for it
    pending = it->second;
    pending_.erase(it);
  }
  Result<Json> result = Status::Internal("empty response");
  if (const Json* r = msg.find("result")) {
    result = *r;
  } else if (const Json* e = msg.find("error")) {
    const Json* m = e->find("message");
    result = Status::Error(ErrorCode::kInternal,
                           "the client answered with error " + std::to_string(e->find("code") ? e->find("code")->asInt() : 0) +
                               ": " + (m ? m->asString() : std::string()));
  }
  std::lock_guard<std::mutex> lock(pending->mu);
  pending->result = std::move(result);
  pending->cv.notify_all();
}

void Session::State::handleNotification(const std::string& name, const Json& params) {
  if (name == method::kInitialized) {
    std::lock_guard<std::mutex> lock(mu_);
    if (initialize_seen_) initialized_ = true;
  } else if (name == method::kCancelled) {
    const Json* request_id = params.find("requestId");
    if (!request_id) return;
    std::optional<Listener> ended;  // a subscriptions/listen stream the client closes
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = in_flight_.find(request_id->dump());
      if (it != in_flight_.end()) {
        it->second->silent = true;
        it->second->cancelled = true;
      }
      auto l = listeners_.find(request_id->dump());
      if (l != listeners_.end()) {
        ended = l->second;
        listeners_.erase(l);
        in_flight_.erase(request_id->dump());
      }
    }
    if (ended) {
      std::lock_guard<std::mutex> sending(*ended->send_mu);
      *ended->ended = true;
      if (ended->sink) ended->sink->requestDone();
    }
  }
  // Other notifications (roots/list_changed, progress from the client) need no action.
}

namespace {

// Multi round-trip requests: the methods that may answer input_required, and what their
// requestState is bound to besides the caller (the method, its target, its arguments).
bool mayRequireInput(const std::string& name) {
  return name == method::kToolsCall || name == method::kPromptsGet || name == method::kResourcesRead;
}

Json stateBinding(const std::string& principal, const std::string& name, const Json& params) {
  const Json* target = params.find(name == method::kResourcesRead ? "uri" : "name");
  const Json* args = params.find("arguments");
  Json b = Json::object();
  b.set("p", principal).set("m", name).set("n", target && target->isString() ? target->asString() : "");
  b.set("d", internal::sha256Hex(internal::canonicalJson(args ? *args : Json())));
  return b;
}

constexpr std::string_view kRequestStateKind = "rs1";
constexpr size_t kMaxKeptAnswers = 512 * 1024;  // requestState payload; verifyState takes up to 1 MiB
constexpr std::string_view kTaskKind = "tk1";

// The answers a retried request carries: those kept in its requestState (checked: signature,
// expiry, caller, request) overlaid with its inputResponses.
std::variant<Json, RpcError> readAnswers(const std::string& key, const std::string& principal,
                                         const std::string& name, const Json& params) {
  Json answers = Json::object();
  if (const Json* state = params.find("requestState")) {
    if (!state->isString()) return invalidParams("Invalid params: requestState must be a string");
    auto payload = internal::verifyState(key, kRequestStateKind, state->asString());
    if (!payload.ok()) return invalidParams("Invalid params: requestState refused: " + payload.status().message());
    const Json binding = stateBinding(principal, name, params);
    if (payload->find("e") == nullptr || payload->find("e")->asInt() < internal::nowMs())
      return invalidParams("Invalid params: requestState refused: it has expired; send the request again without it");
    if (!payload->find("p") || *payload->find("p") != *binding.find("p"))
      return invalidParams("Invalid params: requestState refused: it was issued to another caller");
    for (const char* k : {"m", "n", "d"})
      if (!payload->find(k) || *payload->find(k) != *binding.find(k))
        return invalidParams("Invalid params: requestState refused: it was issued for a different request "
                             "(method, name or arguments differ)");
    if (const Json* a = payload->find("a"); a && a->isObject()) answers = *a;
  }
  if (const Json* responses = params.find("inputResponses")) {
    if (!responses->isObject())
      return invalidParams("Invalid params: inputResponses must be an object of answers keyed like inputRequests");
    for (const auto& [k, v] : responses->members()) {
      if (!v.isObject())
        return invalidParams("Invalid params: inputResponses." + k.substr(0, 128) +
                             " must be an object (the client's result for that input request)");
      answers.set(k, v);
    }
  }
  return answers;
}

bool isFailure(const Reply& r) {
  if (std::holds_alternative<RpcError>(r)) return true;
  if (auto* j = std::get_if<Json>(&r)) {
    const Json* e = j->find("isError");
    return e && e->asBool();
  }
  return false;
}

}  // namespace

void Session::State::run(Json id, std::string name, Json params, std::shared_ptr<MessageSink> reply,
                         std::shared_ptr<InFlight> flight, Era era) {
  Json meta = params.find("_meta") ? *params.find("_meta") : Json();
  const bool modern = era.modern;
  Context ctx(shared_from_this(), reply, flight, id, std::move(meta), std::move(era));
  Reply result;
  std::string state_key;
  std::chrono::milliseconds state_ttl{0};
  Json server_info;
  if (modern) {
    std::lock_guard<std::mutex> lock(mu_);
    if (server_) {
      state_key = server_->state_key_;
      state_ttl = server_->options_.request_state_ttl;
      server_info = server_->serverInfo();
    }
  }
  const bool mrtr = modern && mayRequireInput(name) && !state_key.empty();
  if (mrtr && !flight->cancelled) {
    auto answers = readAnswers(state_key, principal_, name, params);
    if (auto* e = std::get_if<RpcError>(&answers)) {
      result = *e;  // not run: answered below with the error
    } else {
      ctx.setAnswers(std::get<Json>(std::move(answers)));
    }
  }
  if (std::holds_alternative<RpcError>(result)) {
    // refused before running (requestState or inputResponses)
  } else if (!flight->cancelled) {  // cancelled while queued: do not start it
    try {
      result = dispatch(name, params, ctx);
    } catch (const std::exception& e) {
      result = RpcError{error::kInternalError, std::string("internal error: ") + e.what(), {}};
    } catch (...) {
      result = RpcError{error::kInternalError, "internal error: unknown exception", {}};
    }
  } else if (!flight->silent) {  // the server cancelled it before it started
    std::lock_guard<std::mutex> lock(mu_);
    result = RpcError{error::kInternalError, "the request was not run: " + shutdown_reason_, {}};
  }
  if (modern) {
    const Json pending = ctx.pendingInputs();
    if (mrtr && pending.size() > 0) {
      // The handler asked the client something: its result is discarded; the client answers
      // and retries with the answers it used so far kept in the signed requestState.
      Json payload = stateBinding(principal_, name, params);
      payload.set("e", internal::nowMs() + static_cast<std::int64_t>(state_ttl.count()));
      payload.set("a", ctx.usedAnswers());
      if (payload.dump().size() > kMaxKeptAnswers) {
        result = invalidParams("Invalid params: the answers given so far are too large to keep in requestState (over " +
                               std::to_string(kMaxKeptAnswers / 1024) + " KiB)");
      } else {
        Json r = Json::object();
        r.set("resultType", "input_required").set("inputRequests", pending);
        r.set("requestState", internal::signState(state_key, kRequestStateKind, payload));
        result = std::move(r);
      }
    } else if (ctx.missingCapabilities().size() > 0 && isFailure(result)) {
      // It failed for want of a capability the client did not declare.
      const Json missing = ctx.missingCapabilities();
      std::string names;
      for (const auto& [k, v] : missing.members()) names += (names.empty() ? "" : ", ") + k;
      result = missingCapability(missing, names);
    }
    Json decoration = Json::object();
    decoration.set("resultType", "complete");
    if (!server_info.isNull()) decoration.set("_meta", Json::object().set(meta::kServerInfo, server_info));
    if (auto* ok = std::get_if<Json>(&result)) {
      if (!ok->find("resultType")) ok->set("resultType", "complete");
      if (!server_info.isNull()) {
        Json m = ok->find("_meta") && ok->find("_meta")->isObject() ? *ok->find("_meta") : Json::object();
        m.set(meta::kServerInfo, server_info);
        ok->set("_meta", std::move(m));
      }
    } else if (auto* raw = std::get_if<RawJson>(&result)) {
      appendMembers(raw->text, decoration);
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_.erase(id.dump());
    if (!modern && name == method::kInitialize) {
      initializing_ = false;
      if (std::holds_alternative<Json>(result)) initialize_seen_ = true;
    }
  }
  // A request the client cancelled gets no response (it has stopped waiting for it); one the
  // server cancelled (shutDown) is answered with what its handler returned.
  if (!flight->silent) {
    if (auto* ok = std::get_if<Json>(&result)) {
      send(reply, makeResponse(id, *ok));
    } else if (auto* raw = std::get_if<RawJson>(&result)) {
      send(reply, makeRawResponse(id, raw->text));
    } else {
      send(reply, makeError(id, std::get<RpcError>(result)));
    }
  }
  if (reply) reply->requestDone();
}

Reply Session::State::initialize(const Json& params) {
  const Json* version = params.find("protocolVersion");
  if (!version || !version->isString()) return invalidParams("initialize needs \"protocolVersion\" (a string)");
  std::string chosen(kProtocolVersions.front());
  for (auto v : kProtocolVersions)
    if (v == version->asString()) chosen = std::string(v);
  Server::Impl* server;
  {
    std::lock_guard<std::mutex> lock(mu_);
    protocol_version_ = chosen;
    if (const Json* caps = params.find("capabilities"); caps && caps->isObject()) client_capabilities_ = *caps;
    server = server_;
  }
  if (!server) return RpcError{error::kInternalError, "the server is stopping", {}};
  Json caps = Json::object();
  caps.set("tools", Json::object().set("listChanged", true));
  caps.set("resources", Json::object().set("subscribe", true).set("listChanged", true));
  caps.set("prompts", Json::object().set("listChanged", true));
  caps.set("logging", Json::object());
  caps.set("completions", Json::object());
  Json info = Json::object();
  info.set("name", server->info_.name).set("version", server->info_.version);
  if (!server->info_.title.empty()) info.set("title", server->info_.title);
  Json r = Json::object();
  r.set("protocolVersion", chosen).set("capabilities", caps).set("serverInfo", info);
  if (!server->options_.instructions.empty()) r.set("instructions", server->options_.instructions);
  return r;
}

template <typename T, typename F>
Reply Session::State::list(const Json& params, const std::vector<T>& items, const char* key, F toJson) {
  auto offset = parseCursor(params.find("cursor"));
  if (!offset || *offset > items.size()) return invalidParams("invalid cursor");
  size_t page = std::max<size_t>(1, server_ ? server_->options_.page_size : 100);
  Json arr = Json::array();
  size_t end = std::min(items.size(), *offset + page);
  for (size_t i = *offset; i < end; ++i) arr.push(toJson(items[i]));
  Json r = Json::object();
  r.set(key, std::move(arr));
  if (end < items.size()) r.set("nextCursor", makeCursor(end));
  return r;
}

Reply Session::State::dispatch(const std::string& name, const Json& params, Context& ctx) {
  Server::Impl* server;
  {
    std::lock_guard<std::mutex> lock(mu_);
    server = server_;
  }
  if (!server) return RpcError{error::kInternalError, "the server is stopping", {}};
  if (ctx.era().modern) return dispatchModern(*server, name, params, ctx);
  return dispatchShared(*server, name, params, ctx);
}

namespace {
// Adds the caching hints of the modern era to a successful result.
void addCacheHints(Reply& r, std::chrono::milliseconds ttl, bool private_scope) {
  Json hints = Json::object();
  hints.set("ttlMs", static_cast<std::int64_t>(std::max<std::int64_t>(0, ttl.count())));
  hints.set("cacheScope", private_scope ? "private" : "public");
  if (auto* j = std::get_if<Json>(&r)) {
    for (const auto& [k, v] : hints.members()) j->set(k, v);
  } else if (auto* raw = std::get_if<RawJson>(&r)) {
    appendMembers(raw->text, hints);
  }
}
}  // namespace

Reply Session::State::dispatchModern(Server::Impl& server, const std::string& name, const Json& params,
                                     Context& ctx) {
  const ServerOptions& o = server.options_;
  if (name == method::kServerDiscover) return discover(server);
  if (name == method::kTasksGet || name == method::kTasksUpdate || name == method::kTasksCancel)
    return tasksMethod(server, name, params, ctx);
  if (name == method::kToolsList) {
    auto offset = parseCursor(params.find("cursor"));
    std::optional<std::string> page;
    if (offset) page = server.toolsPage(principal_, *offset, true);
    if (!page) return invalidParams("invalid cursor");
    Reply r = RawJson{std::move(*page)};
    addCacheHints(r, o.list_ttl, o.private_lists || server.toolsFiltered());
    return r;
  }
  if (name == method::kResourcesList || name == method::kResourceTemplatesList || name == method::kPromptsList) {
    Reply r = dispatchShared(server, name, params, ctx);
    if (std::holds_alternative<Json>(r)) addCacheHints(r, o.list_ttl, o.private_lists);
    return r;
  }
  if (name == method::kResourcesRead) {
    Reply r = resourcesRead(params, ctx);
    if (std::holds_alternative<Json>(r)) addCacheHints(r, o.read_ttl, o.private_reads);
    return r;
  }
  if (name == method::kToolsCall || name == method::kPromptsGet || name == method::kCompletionComplete)
    return dispatchShared(server, name, params, ctx);
  // initialize, ping, logging/setLevel, resources/subscribe and unsubscribe do not exist in
  // 2026-07-28 (nor tasks/result and tasks/list).
  return RpcError{error::kMethodNotFound, "Method not found: " + name.substr(0, 128) +
                                              (name == method::kInitialize
                                                   ? " (this request carries 2026-07-28 _meta; legacy clients send "
                                                     "initialize without it)"
                                                   : ""),
                  {}};
}

Reply Session::State::discover(Server::Impl& server) {
  Json versions = Json::array();
  for (auto v : kModernProtocolVersions) versions.push(v);
  Json caps = Json::object();
  caps.set("tools", Json::object().set("listChanged", true));
  caps.set("resources", Json::object().set("subscribe", true).set("listChanged", true));
  caps.set("prompts", Json::object().set("listChanged", true));
  caps.set("logging", Json::object());
  caps.set("completions", Json::object());
  if (server.anyTaskTools())
    caps.set("extensions", Json::object().set(kTasksExtension, Json::object()));
  Json r = Json::object();
  r.set("supportedVersions", versions).set("capabilities", caps);
  if (!server.options_.instructions.empty()) r.set("instructions", server.options_.instructions);
  Reply reply = std::move(r);
  addCacheHints(reply, server.options_.list_ttl, false);
  return reply;
}

Reply Session::State::dispatchShared(Server::Impl& srv, const std::string& name, const Json& params, Context& ctx) {
  Server::Impl* server = &srv;
  if (name == method::kPing) return Json::object();
  if (name == method::kInitialize) return initialize(params);
  if (name == method::kToolsList) {
    auto offset = parseCursor(params.find("cursor"));
    std::optional<std::string> page;
    if (offset) page = server->toolsPage(principal_, *offset);
    if (!page) return invalidParams("invalid cursor");
    return RawJson{std::move(*page)};
  }
  if (name == method::kToolsCall) return toolsCall(params, ctx);
  if (name == method::kResourcesList) {
    std::vector<Resource> resources;
    Server::ResourceSource source;
    {
      std::lock_guard<std::mutex> lock(server->registry_mu_);
      resources = server->resources_;
      source = server->resource_source_;
    }
    if (source) {
      auto more = source();
      resources.insert(resources.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
    }
    return list(params, resources, "resources", [](const Resource& r) {
      Json j = Json::object();
      j.set("uri", r.uri).set("name", r.name);
      if (!r.title.empty()) j.set("title", r.title);
      if (!r.description.empty()) j.set("description", r.description);
      if (!r.mime_type.empty()) j.set("mimeType", r.mime_type);
      return j;
    });
  }
  if (name == method::kResourceTemplatesList) {
    std::vector<ResourceTemplate> templates;
    {
      std::lock_guard<std::mutex> lock(server->registry_mu_);
      templates = server->templates_;
    }
    return list(params, templates, "resourceTemplates", [](const ResourceTemplate& r) {
      Json j = Json::object();
      j.set("uriTemplate", r.uri_template).set("name", r.name);
      if (!r.title.empty()) j.set("title", r.title);
      if (!r.description.empty()) j.set("description", r.description);
      if (!r.mime_type.empty()) j.set("mimeType", r.mime_type);
      return j;
    });
  }
  if (name == method::kResourcesRead) return resourcesRead(params, ctx);
  if (name == method::kResourcesSubscribe || name == method::kResourcesUnsubscribe) {
    const Json* uri = params.find("uri");
    if (!uri || !uri->isString() || uri->asString().empty()) return invalidParams("\"uri\" (a string) is required");
    std::lock_guard<std::mutex> lock(mu_);
    if (name == method::kResourcesSubscribe) {
      if (uri->asString().size() > 2048) return invalidParams("\"uri\" is longer than 2048 bytes");
      if (subscriptions_.size() >= 1000 && !subscriptions_.count(uri->asString()))
        return RpcError{error::kInternalError, "too many subscriptions on this session (1000)", {}};
      subscriptions_.insert(uri->asString());
    } else {
      subscriptions_.erase(uri->asString());
    }
    return Json::object();
  }
  if (name == method::kPromptsList) {
    std::vector<Prompt> prompts;
    {
      std::lock_guard<std::mutex> lock(server->registry_mu_);
      prompts = server->prompts_;
    }
    return list(params, prompts, "prompts", [](const Prompt& p) {
      Json j = Json::object();
      j.set("name", p.name);
      if (!p.title.empty()) j.set("title", p.title);
      if (!p.description.empty()) j.set("description", p.description);
      Json args = Json::array();
      for (const auto& a : p.arguments) {
        Json aj = Json::object();
        aj.set("name", a.name);
        if (!a.description.empty()) aj.set("description", a.description);
        aj.set("required", a.required);
        args.push(aj);
      }
      j.set("arguments", args);
      return j;
    });
  }
  if (name == method::kPromptsGet) return promptsGet(params, ctx);
  if (name == method::kLoggingSetLevel) {
    const Json* level = params.find("level");
    auto parsed = level ? parseLogLevel(level->asString()) : std::nullopt;
    if (!parsed) return invalidParams("\"level\" must be one of debug, info, notice, warning, error, critical, alert, emergency");
    std::lock_guard<std::mutex> lock(mu_);
    log_level_ = *parsed;
    return Json::object();
  }
  if (name == method::kCompletionComplete) return complete(params);
  return RpcError{error::kMethodNotFound, "Method not found: " + name, {}};
}

Reply Session::State::toolsCall(const Json& params, Context& ctx) {
  const Json* name = params.find("name");
  if (!name || !name->isString()) return invalidParams("tools/call needs \"name\" (a string)");
  std::shared_ptr<const Tool> tool;
  {
    std::lock_guard<std::mutex> lock(server_->registry_mu_);
    for (const auto& t : *server_->tools_)
      if (t.tool->name == name->asString()) tool = t.tool;
  }
  if (!tool) return invalidParams("Unknown tool: " + name->asString());
  const Json* args = params.find("arguments");
  Json arguments = args && !args->isNull() ? *args : Json::object();
  if (!arguments.isObject()) return invalidParams("\"arguments\" must be an object");
  ToolResult result;
  if (!tool->input_schema.isNull()) {
    Status valid = validateToolArguments(tool->input_schema, arguments);
    if (!valid.ok()) {
      // Reported as a tool error, so a model can correct its call (MCP 2025-11-25).
      result = ToolResult::error("Invalid arguments for tool " + tool->name + ": " + valid.message());
    }
  }
  const bool as_task = tool->task_support != TaskSupport::kNone && tool->tasks;
  if (as_task && !result.is_error) {
    const bool client_tasks = ctx.era().modern && hasExtension(ctx.clientCapabilities(), kTasksExtension);
    if (client_tasks) return startTask(*tool, arguments, ctx);
    if (tool->task_support == TaskSupport::kRequired) {
      if (ctx.era().modern)
        return missingCapability(Json::object().set("extensions", Json::object().set(kTasksExtension, Json::object())),
                                 "tool " + tool->name + " runs only as a task (io.modelcontextprotocol/tasks)");
      result = ToolResult::error("tool " + tool->name +
                                 " runs only as a task: it needs the io.modelcontextprotocol/tasks extension of MCP "
                                 "2026-07-28");
    }
  }
  if (!result.is_error) {
    if (!tool->handler) return RpcError{error::kInternalError, "tool " + tool->name + " has no handler", {}};
    result = tool->handler(arguments, ctx);
  }
  if (!tool->output_schema.isNull() && !result.is_error) {
    Status valid = validateToolArguments(tool->output_schema, result.structured, "structuredContent");
    if (!valid.ok())
      return RpcError{error::kInternalError, "tool " + tool->name + " produced output that does not match its outputSchema: " + valid.message(), {}};
  }
  return toolResultJson(result);
}

namespace {

RpcError statusError(const Status& st, const std::string& prefix) {
  const int code = st.code() == ErrorCode::kInvalidArgument || st.code() == ErrorCode::kNotFound
                       ? error::kInvalidParams
                       : error::kInternalError;
  return {code, prefix + st.message(), {}};
}

const char* taskStatusName(TaskState::Status s) {
  switch (s) {
    case TaskState::Status::kWorking: return "working";
    case TaskState::Status::kInputRequired: return "input_required";
    case TaskState::Status::kCompleted: return "completed";
    case TaskState::Status::kFailed: return "failed";
    case TaskState::Status::kCancelled: return "cancelled";
  }
  return "working";
}

Json toolResultJson(const ToolResult& result) {
  Json r = Json::object();
  Json content = result.content;
  if (!result.structured.isNull() && content.size() == 0)
    content.push(Json::object().set("type", "text").set("text", result.structured.dump()));
  r.set("content", content);
  if (!result.structured.isNull()) r.set("structuredContent", result.structured);
  if (result.is_error) r.set("isError", true);
  return r;
}

}  // namespace

Reply Session::State::startTask(const Tool& tool, const Json& arguments, Context& ctx) {
  Server::Impl* server;
  {
    std::lock_guard<std::mutex> lock(mu_);
    server = server_;
  }
  if (!server) return RpcError{error::kInternalError, "the server is stopping", {}};
  auto state = tool.tasks->start(tool, arguments, ctx);
  if (!state.ok()) {
    if (isInputRequired(state.status())) return Json::object();  // answered input_required by run()
    return statusError(state.status(), "tool " + tool.name + " could not start its task: ");
  }
  const std::int64_t created = internal::nowMs();
  const auto ttl = static_cast<std::int64_t>(server->options_.task_ttl.count());
  Json handle = Json::object();
  handle.set("n", tool.name).set("p", principal_).set("s", std::move(state).value());
  handle.set("c", created).set("e", created + ttl);
  const std::string task_id = internal::signState(server->state_key_, kTaskKind, handle);
  Json r = Json::object();
  r.set("resultType", "task").set("taskId", task_id).set("status", "working");
  r.set("createdAt", internal::isoTime(created)).set("lastUpdatedAt", internal::isoTime(created));
  r.set("ttlMs", ttl).set("pollIntervalMs", static_cast<std::int64_t>(server->options_.task_poll_interval.count()));
  return r;
}

Json Session::State::taskJson(Server::Impl& server, const std::string& task_id, const Json& handle,
                              const TaskState& st) {
  const std::int64_t created = handle.find("c") ? handle.find("c")->asInt() : 0;
  std::int64_t updated = created;
  if (st.updated_at)
    updated = std::chrono::duration_cast<std::chrono::milliseconds>(st.updated_at->time_since_epoch()).count();
  Json r = Json::object();
  r.set("resultType", "complete").set("taskId", task_id).set("status", taskStatusName(st.status));
  std::string message = st.message;
  if (st.progress) {
    const double pct = std::min(100.0, std::max(0.0, *st.progress));
    message += (message.empty() ? "" : " ") + std::string("(") + std::to_string(static_cast<int>(pct)) + "% done)";
  }
  if (!message.empty()) r.set("statusMessage", message);
  r.set("createdAt", internal::isoTime(created)).set("lastUpdatedAt", internal::isoTime(updated));
  r.set("ttlMs", static_cast<std::int64_t>(server.options_.task_ttl.count()));
  r.set("pollIntervalMs", static_cast<std::int64_t>(server.options_.task_poll_interval.count()));
  switch (st.status) {
    case TaskState::Status::kInputRequired:
      r.set("inputRequests", st.input_requests.isObject() ? st.input_requests : Json::object());
      break;
    case TaskState::Status::kCompleted: {
      Json result = toolResultJson(st.result);
      result.set("resultType", "complete");
      r.set("result", std::move(result));
      break;
    }
    case TaskState::Status::kFailed:
      r.set("error", Json::object().set("code", st.error_code).set("message", st.error_message.empty() ? std::string("the task failed") : st.error_message));
      if (message.empty()) r.set("statusMessage", st.error_message.empty() ? std::string("the task failed") : st.error_message);
      break;
    default:
      break;
  }
  return r;
}

Reply Session::State::tasksMethod(Server::Impl& server, const std::string& name, const Json& params, Context& ctx) {
  if (!hasExtension(ctx.clientCapabilities(), kTasksExtension))
    return missingCapability(Json::object().set("extensions", Json::object().set(kTasksExtension, Json::object())),
                             name + " needs the io.modelcontextprotocol/tasks extension in clientCapabilities");
  const Json* task_id = params.find("taskId");
  if (!task_id || !task_id->isString() || task_id->asString().empty())
    return invalidParams("Invalid params: " + name + " needs \"taskId\" (a string)");
  auto handle = internal::verifyState(server.state_key_, kTaskKind, task_id->asString());
  if (!handle.ok()) return invalidParams("Task not found: the taskId is not one this server issued (" + handle.status().message() + ")");
  if (!handle->find("p") || handle->find("p")->asString() != principal_)
    return invalidParams("Task not found: the task belongs to another caller");
  if (!handle->find("e") || handle->find("e")->asInt() < internal::nowMs())
    return invalidParams("Task not found: the task has expired");
  const std::string tool_name = handle->find("n") ? handle->find("n")->asString() : "";
  auto tool = server.findTool(tool_name);
  if (!tool || !tool->tasks) return invalidParams("Task not found: its tool " + tool_name + " is no longer offered");
  const Json state = handle->find("s") ? *handle->find("s") : Json();
  if (name == method::kTasksGet) {
    auto st = tool->tasks->get(*tool, state, principal_);
    if (!st.ok()) return statusError(st.status(), st.status().code() == ErrorCode::kNotFound ? "Task not found: " : "");
    return taskJson(server, task_id->asString(), *handle, *st);
  }
  if (name == method::kTasksUpdate) {
    const Json* responses = params.find("inputResponses");
    if (!responses || !responses->isObject())
      return invalidParams("Invalid params: tasks/update needs \"inputResponses\" (an object)");
    for (const auto& [k, v] : responses->members())
      if (!v.isObject()) return invalidParams("Invalid params: inputResponses." + k.substr(0, 128) + " must be an object");
    Status st = tool->tasks->update(*tool, state, *responses, principal_);
    // A backend that takes no input has no outstanding request: the answers are ignored.
    if (!st.ok() && st.code() != ErrorCode::kUnsupported) return statusError(st, "");
    return Json::object();
  }
  Status st = tool->tasks->cancel(*tool, state, principal_);
  if (!st.ok()) return statusError(st, st.code() == ErrorCode::kNotFound ? "Task not found: " : "");
  return Json::object();
}

Reply Session::State::resourcesRead(const Json& params, Context& ctx) {
  const Json* uri = params.find("uri");
  if (!uri || !uri->isString() || uri->asString().empty()) return invalidParams("\"uri\" (a string) is required");
  ResourceReader reader;
  std::string mime;
  {
    std::lock_guard<std::mutex> lock(server_->registry_mu_);
    for (const auto& r : server_->resources_)
      if (r.uri == uri->asString()) {
        reader = r.read;
        mime = r.mime_type;
      }
    if (!reader)
      for (const auto& t : server_->templates_)
        if (matchTemplate(t.uri_template, uri->asString())) {
          reader = t.read;
          mime = t.mime_type;
          break;
        }
  }
  // -32002 in the legacy era; 2026-07-28 retired it for Invalid params.
  RpcError not_found{ctx.era().modern ? error::kInvalidParams : error::kResourceNotFound,
                     "Resource not found: " + uri->asString(), Json::object().set("uri", uri->asString())};
  if (!reader) return not_found;
  auto contents = reader(uri->asString(), ctx);
  if (!contents.ok()) {
    if (contents.status().code() == ErrorCode::kNotFound) return not_found;
    return RpcError{error::kInternalError, contents.status().message(), {}};
  }
  Json arr = Json::array();
  for (const auto& c : *contents) {
    Json j = Json::object();
    j.set("uri", c.uri.empty() ? uri->asString() : c.uri);
    std::string m = c.mime_type.empty() ? mime : c.mime_type;
    if (!m.empty()) j.set("mimeType", m);
    if (c.blob) {
      j.set("blob", base64(*c.blob));
    } else {
      j.set("text", c.text.value_or(""));
    }
    arr.push(j);
  }
  return Json::object().set("contents", arr);
}

Reply Session::State::promptsGet(const Json& params, Context& ctx) {
  const Json* name = params.find("name");
  if (!name || !name->isString()) return invalidParams("prompts/get needs \"name\" (a string)");
  std::optional<Prompt> prompt;
  {
    std::lock_guard<std::mutex> lock(server_->registry_mu_);
    for (const auto& p : server_->prompts_)
      if (p.name == name->asString()) prompt = p;
  }
  if (!prompt) return invalidParams("Unknown prompt: " + name->asString());
  std::map<std::string, std::string> args;
  if (const Json* a = params.find("arguments")) {
    if (!a->isObject() && !a->isNull()) return invalidParams("\"arguments\" must be an object of strings");
    for (const auto& [k, v] : a->members()) {
      if (!v.isString()) return invalidParams("argument '" + k + "' must be a string");
      args[k] = v.asString();
    }
  }
  for (const auto& def : prompt->arguments)
    if (def.required && !args.count(def.name))
      return invalidParams("prompt " + prompt->name + " needs argument '" + def.name + "'");
  auto result = prompt->handler(args, ctx);
  if (!result.ok()) {
    if (result.status().code() == ErrorCode::kInvalidArgument) return invalidParams(result.status().message());
    return RpcError{error::kInternalError, result.status().message(), {}};
  }
  Json r = Json::object();
  if (!result->description.empty()) r.set("description", result->description);
  r.set("messages", result->messages);
  return r;
}

Reply Session::State::complete(const Json& params) {
  const Json* ref = params.find("ref");
  const Json* argument = params.find("argument");
  if (!ref || !ref->isObject() || !argument || !argument->isObject())
    return invalidParams("completion/complete needs \"ref\" and \"argument\" objects");
  CompletionHandler handler;
  {
    std::lock_guard<std::mutex> lock(server_->registry_mu_);
    handler = server_->completion_;
  }
  std::vector<std::string> values;
  if (handler) {
    const Json* ctx = params.find("context");
    values = handler(*ref, argument->find("name") ? argument->find("name")->asString() : "",
                     argument->find("value") ? argument->find("value")->asString() : "", ctx ? *ctx : Json());
  }
  const size_t total = values.size();
  if (values.size() > 100) values.resize(100);
  Json arr = Json::array();
  for (auto& v : values) arr.push(v);
  Json c = Json::object();
  c.set("values", arr).set("total", static_cast<std::int64_t>(total)).set("hasMore", total > 100);
  return Json::object().set("completion", c);
}

// ---------------------------------------------------------------------------------------
// Session

Session::Session(Server& server, std::string id, std::string principal,
                 std::shared_ptr<MessageSink> sink)
    : id_(id),
      state_(std::make_shared<State>(server.impl_.get(), std::move(id), std::move(principal),
                                     std::move(sink))) {}

const std::string& Session::principal() const { return state_->principal_; }

Session::~Session() { state_->close(); }

bool Session::initialized() const {
  std::lock_guard<std::mutex> lock(state_->mu_);
  return state_->initialized_;
}

std::string Session::protocolVersion() const {
  std::lock_guard<std::mutex> lock(state_->mu_);
  return state_->protocol_version_;
}

Result<size_t> Session::receive(std::string_view message, std::shared_ptr<MessageSink> reply) {
  return state_->receive(message, std::move(reply));
}

void Session::notify(std::string_view method, Json params) {
  state_->send(nullptr, makeNotification(method, std::move(params)));
}

void Session::setDefaultSink(std::shared_ptr<MessageSink> sink) {
  std::lock_guard<std::mutex> lock(state_->mu_);
  if (!state_->closed_) state_->default_sink_ = std::move(sink);
}

void Session::close() { state_->close(); }

void Session::failClientRequests(const std::string& why) {
  std::vector<std::shared_ptr<PendingClientRequest>> pending;
  {
    std::lock_guard<std::mutex> lock(state_->mu_);
    for (auto& [k, p] : state_->pending_) pending.push_back(p);
    state_->pending_.clear();
    state_->client_gone_ = true;
  }
  for (auto& p : pending) {
    std::lock_guard<std::mutex> lock(p->mu);
    p->result = Result<Json>(Status::Cancelled(why));
    p->cv.notify_all();
  }
  state_->endListeners(true);
}

size_t Session::shutDown(const std::string& reason) {
  std::vector<std::shared_ptr<InFlight>> flights;
  {
    std::lock_guard<std::mutex> lock(state_->mu_);
    state_->shutdown_reason_ = reason.empty() ? std::string("the server is shutting down") : reason;
    for (auto& [k, f] : state_->in_flight_) flights.push_back(f);
  }
  state_->endListeners(true);  // their streams end with the closing result
  size_t count = 0;
  for (auto& f : flights) count += !f->cancelled.exchange(true);
  return count;
}

bool Session::closed() const {
  std::lock_guard<std::mutex> lock(state_->mu_);
  return state_->closed_;
}

// ---------------------------------------------------------------------------------------
// Server

Server::Server(Implementation info, ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(info), std::move(options))) {}

Server::~Server() {
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard<std::mutex> lock(impl_->sessions_mu_);
    for (auto& [id, s] : impl_->sessions_) sessions.push_back(s);
    impl_->sessions_.clear();
  }
  for (auto& s : sessions) s->close();
  impl_->stopWorkers();  // in-flight handlers finish first, while impl_ is still valid
  for (auto& s : sessions) {
    std::lock_guard<std::mutex> lock(s->state_->mu_);
    s->state_->server_ = nullptr;
  }
  impl_.reset();
}

Status Server::addTool(Tool tool) {
  if (!validToolName(tool.name))
    return Status::InvalidArgument("tool name '" + tool.name + "' must be 1-128 characters of A-Z a-z 0-9 _ - .");
  if (tool.task_support != TaskSupport::kNone && !tool.tasks)
    return Status::InvalidArgument("tool " + tool.name + " supports tasks but has no TaskBackend");
  if (!tool.handler && tool.task_support != TaskSupport::kRequired)
    return Status::InvalidArgument("tool " + tool.name + " has no handler");
  VSMCP_RETURN_IF_ERROR(checkToolSchema(tool.input_schema).withContext("tool " + tool.name + " inputSchema"));
  VSMCP_RETURN_IF_ERROR(checkToolSchema(tool.output_schema).withContext("tool " + tool.name + " outputSchema"));
  Impl::ListedTool listed{nullptr, impl_->toolJson(tool).dump()};
  listed.tool = std::make_shared<const Tool>(std::move(tool));
  {
    std::lock_guard<std::mutex> lock(impl_->registry_mu_);
    auto tools = std::make_shared<Impl::ToolList>(*impl_->tools_);
    auto it = std::find_if(tools->begin(), tools->end(),
                           [&](const auto& t) { return t.tool->name == listed.tool->name; });
    if (it != tools->end()) {
      *it = std::move(listed);
    } else {
      tools->push_back(std::move(listed));
    }
    impl_->tools_ = std::move(tools);
    impl_->tools_pages_.clear();
    impl_->tools_pages_by_name_.clear();
  }
  impl_->broadcast(method::kToolsListChanged);
  return Status::Ok();
}

bool Server::removeTool(std::string_view name) {
  bool removed = false;
  {
    std::lock_guard<std::mutex> lock(impl_->registry_mu_);
    auto tools = std::make_shared<Impl::ToolList>(*impl_->tools_);
    auto it = std::remove_if(tools->begin(), tools->end(),
                             [&](const auto& t) { return t.tool->name == name; });
    removed = it != tools->end();
    tools->erase(it, tools->end());
    if (removed) {
      impl_->tools_ = std::move(tools);
      impl_->tools_pages_.clear();
      impl_->tools_pages_by_name_.clear();
    }
  }
  if (removed) impl_->broadcast(method::kToolsListChanged);
  return removed;
}

Status Server::addResource(Resource resource) {
  if (resource.uri.empty() || resource.name.empty() || !resource.read)
    return Status::InvalidArgument("a resource needs a uri, a name and a reader");
  {
    std::lock_guard<std::mutex> lock(impl_->registry_mu_);
    impl_->resources_.push_back(std::move(resource));
  }
  impl_->broadcast(method::kResourcesListChanged);
  return Status::Ok();
}

void Server::setResourceSource(ResourceSource source) {
  {
    std::lock_guard<std::mutex> lock(impl_->registry_mu_);
    impl_->resource_source_ = std::move(source);
  }
  impl_->broadcast(method::kResourcesListChanged);
}

void Server::notifyResourceListChanged() { impl_->broadcast(method::kResourcesListChanged); }

Status Server::addResourceTemplate(ResourceTemplate t) {
  if (t.uri_template.empty() || t.name.empty() || !t.read)
    return Status::InvalidArgument("a resource template needs a uriTemplate, a name and a reader");
  {
    std::lock_guard<std::mutex> lock(impl_->registry_mu_);
    impl_->templates_.push_back(std::move(t));
  }
  impl_->broadcast(method::kResourcesListChanged);
  return Status::Ok();
}

Status Server::addPrompt(Prompt prompt) {
  if (prompt.name.empty() || !prompt.handler) return Status::InvalidArgument("a prompt needs a name and a handler");
  {
    std::lock_guard<std::mutex> lock(impl_->registry_mu_);
    impl_->prompts_.push_back(std::move(prompt));
  }
  impl_->broadcast(method::kPromptsListChanged);
  return Status::Ok();
}

void Server::setCompletionHandler(CompletionHandler handler) {
  std::lock_guard<std::mutex> lock(impl_->registry_mu_);
  impl_->completion_ = std::move(handler);
}

void Server::setToolFilter(ToolFilter filter) {
  {
    std::lock_guard<std::mutex> lock(impl_->registry_mu_);
    impl_->tool_filter_ = filter ? std::make_shared<const ToolFilter>(std::move(filter)) : nullptr;
    impl_->tools_pages_.clear();
    impl_->tools_pages_by_name_.clear();
  }
  impl_->broadcast(method::kToolsListChanged);
}

void Server::notifyResourceUpdated(const std::string& uri) {
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard<std::mutex> lock(impl_->sessions_mu_);
    for (auto& [id, s] : impl_->sessions_) sessions.push_back(s);
  }
  for (auto& s : sessions) {
    bool subscribed;
    {
      std::lock_guard<std::mutex> lock(s->state_->mu_);
      subscribed = s->state_->subscriptions_.count(uri) > 0;
    }
    if (subscribed) s->notify(method::kResourceUpdated, Json::object().set("uri", uri));
    s->state_->sendToListeners(method::kResourceUpdated, &uri);
  }
}

void Server::notifyPromptListChanged() { impl_->broadcast(method::kPromptsListChanged); }
void Server::notifyToolListChanged() { impl_->broadcast(method::kToolsListChanged); }

bool Server::removePrompt(std::string_view name) {
  bool removed = false;
  {
    std::lock_guard<std::mutex> lock(impl_->registry_mu_);
    auto& prompts = impl_->prompts_;
    auto it = std::remove_if(prompts.begin(), prompts.end(), [&](const Prompt& p) { return p.name == name; });
    removed = it != prompts.end();
    prompts.erase(it, prompts.end());
  }
  if (removed) impl_->broadcast(method::kPromptsListChanged);
  return removed;
}

std::shared_ptr<Session> Server::createSession(std::shared_ptr<MessageSink> default_sink,
                                               std::string principal) {
  std::shared_ptr<Session> s(
      new Session(*this, randomId(), std::move(principal), std::move(default_sink)));
  std::lock_guard<std::mutex> lock(impl_->sessions_mu_);
  impl_->sessions_[s->id()] = s;
  return s;
}

std::shared_ptr<Session> Server::findSession(const std::string& id) const {
  std::lock_guard<std::mutex> lock(impl_->sessions_mu_);
  auto it = impl_->sessions_.find(id);
  return it == impl_->sessions_.end() ? nullptr : it->second;
}

void Server::removeSession(const std::string& id) {
  std::shared_ptr<Session> s;
  {
    std::lock_guard<std::mutex> lock(impl_->sessions_mu_);
    auto it = impl_->sessions_.find(id);
    if (it == impl_->sessions_.end()) return;
    s = it->second;
    impl_->sessions_.erase(it);
  }
  s->close();
}

size_t Server::sessionCount() const {
  std::lock_guard<std::mutex> lock(impl_->sessions_mu_);
  return impl_->sessions_.size();
}

const Implementation& Server::info() const { return impl_->info_; }
const ServerOptions& Server::options() const { return impl_->options_; }

}  // namespace vsmcp::mcp
