// mcp::Server: the transport-independent MCP server. It holds the registry of tools,
// resources, prompts and the completion handler, and creates one Session per client
// connection. A transport feeds each incoming message to Session::receive and delivers what
// the session sends through the MessageSink it gave.
//
// Each session belongs to a principal, the caller its transport authenticated (HTTP's authorize
// hook, the stdio options), which handlers read from their RequestContext to authorize per
// caller; a ToolFilter may also hide tools from tools/list per principal.
//
// Requests run on the server's worker threads, never on the transport's I/O thread, so a slow
// tool never blocks ping, cancellation or other calls. Responses to the server's own requests
// (elicitation, sampling, roots) and notifications/cancelled are handled inline.
//
// Two protocol eras share one Session API. A request whose params._meta carries the modern
// per-request fields (io.modelcontextprotocol/protocolVersion, .../clientCapabilities) is
// served statelessly under 2026-07-28: no initialize, capabilities and log level from that
// request, results with resultType and serverInfo, server/discover, subscriptions/listen,
// multi round-trip requests (input_required with a signed requestState) instead of requests
// to the client, and the tasks extension. An `initialize` selects the legacy era
// (2025-11-25 .. 2024-11-05) for the session, exactly as before. Transports need not know:
// HTTP serves a modern POST without Mcp-Session-Id on a fresh session (createSession,
// receive, removeSession after requestDone); stdio serves both on its one session.
//
// Thread safety: Server and Session are thread-safe. Handlers may run concurrently.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vsmcp/json.hpp"
#include "vsmcp/result.hpp"

namespace vsmcp::mcp {

// MCP (syslog) log levels, least severe first.
enum class LogLevel { kDebug, kInfo, kNotice, kWarning, kError, kCritical, kAlert, kEmergency };
std::string_view logLevelName(LogLevel level);
std::optional<LogLevel> parseLogLevel(std::string_view name);

struct Implementation {
  std::string name;
  std::string version;
  std::string title;  // optional display name
};

struct ServerOptions {
  size_t worker_threads = 4;   // threads running request handlers
  size_t page_size = 100;      // items per tools/resources/prompts list page
  std::string instructions;    // sent in the initialize result when not empty
  std::chrono::milliseconds client_request_timeout{120000};  // elicitation/sampling/roots wait
  size_t max_in_flight_per_session = 256;  // more concurrent requests are refused

  // The modern era (2026-07-28).
  // HMAC-SHA256 key signing requestState and task ids: every replica behind one endpoint must
  // share it (e.g. read from MCP_STATE_KEY_FILE). Empty = a random key per process, so state
  // and task ids are accepted only by the process that issued them.
  std::string state_key;
  std::chrono::milliseconds request_state_ttl{300000};  // an input_required requestState expires
  // Caching hints (ttlMs, cacheScope). Lists (tools, prompts, resources, templates) and
  // server/discover use list_ttl; resources/read uses read_ttl.
  std::chrono::milliseconds list_ttl{60000};
  std::chrono::milliseconds read_ttl{0};
  // cacheScope "private" (the answer depends on the caller) instead of "public". tools/list is
  // private anyway while a ToolFilter is set.
  bool private_lists = false;
  bool private_reads = true;
  // Tasks: how long a task id stays valid (ttlMs), and the suggested polling interval.
  std::chrono::milliseconds task_ttl{3600000};
  std::chrono::milliseconds task_poll_interval{2000};
};

// True for the status RequestContext::request() fails with in the modern era when the client
// must first answer an input request: the handler should return promptly (what it returns is
// discarded; the client gets an input_required result and retries with the answers).
bool isInputRequired(const Status& status);

// Given to every handler: the request's progress, logging, cancellation and the way to ask
// the client something. Valid only during the handler call.
class RequestContext {
 public:
  virtual ~RequestContext() = default;
  // True once the client cancelled this request; handlers should stop early.
  virtual bool cancelled() const = 0;
  // Sends notifications/progress when the request carried a progressToken; else nothing.
  virtual void progress(double progress, std::optional<double> total = std::nullopt,
                        const std::string& message = "") = 0;
  // Sends notifications/message if `level` passes the session's logging/setLevel.
  virtual void log(LogLevel level, const Json& data, const std::string& logger = "") = 0;
  // Sends a request to the client (elicitation/create, sampling/createMessage, roots/list)
  // and waits for its result. Fails with kUnsupported when the client did not declare the
  // capability, kTimeout, kCancelled, or the client's error.
  //
  // In the modern era there are no requests to the client: when the retried request carries
  // the client's answer for this input request (inputResponses, or an earlier round kept in
  // requestState) it is returned; otherwise the input request is recorded and this fails at
  // once with a status isInputRequired() recognises; libmcp then answers the request with an
  // input_required result listing every input request recorded, and a signed requestState.
  // Its key in inputRequests is derived from method and params, so the same question asked
  // again on the retry finds its answer.
  virtual Result<Json> request(std::string_view method, Json params) = 0;
  // The same, naming the input request `key` in the modern era (unique within the request).
  virtual Result<Json> request(std::string_view method, Json params, std::string_view key) {
    (void)key;
    return request(method, std::move(params));
  }
  // True when the request is served under the modern era (2026-07-28, stateless).
  virtual bool modern() const { return false; }
  // The request's protocol version (the session's for legacy requests).
  virtual std::string protocolVersion() const { return ""; }
  virtual const Json& clientCapabilities() const = 0;
  virtual const std::string& sessionId() const = 0;
  virtual const Json& meta() const = 0;  // the request's params._meta (null if none)
  // Who the session belongs to, as the transport authenticated it (HttpServerOptions::
  // authorize, StdioOptions::principal); "" when the transport did not authenticate.
  virtual const std::string& principal() const = 0;
  // The JSON-RPC id of the request being handled (a string or an integer).
  virtual const Json& requestId() const = 0;
};

struct ToolAnnotations {
  std::optional<bool> read_only_hint;
  std::optional<bool> destructive_hint;
  std::optional<bool> idempotent_hint;
  std::optional<bool> open_world_hint;
};

struct ToolResult {
  Json content = Json::array();  // content blocks
  Json structured;               // structuredContent; null = none
  bool is_error = false;

  static ToolResult text(std::string text);
  static ToolResult error(std::string message);  // isError with one text block
};

using ToolHandler = std::function<ToolResult(const Json& arguments, RequestContext& ctx)>;

// The tasks extension (io.modelcontextprotocol/tasks, modern era): a tool may run as a task.
enum class TaskSupport {
  kNone,      // always runs its handler and answers with its result
  kOptional,  // runs as a task when the client declares the extension, else its handler
  kRequired,  // runs only as a task: clients without the extension get -32021 (legacy
              // sessions get a tool error)
};

// What tasks/get reports for a task, from the application's TaskBackend.
struct TaskState {
  enum class Status { kWorking, kInputRequired, kCompleted, kFailed, kCancelled };
  Status status = Status::kWorking;
  std::string message;              // statusMessage; optional
  std::optional<double> progress;   // 0-100, shown in statusMessage when set
  Json input_requests;              // kInputRequired: {"key": {"method", "params"}}
  ToolResult result;                // kCompleted (a tool error is still kCompleted)
  int error_code = -32603;          // kFailed: the JSON-RPC error
  std::string error_message;
  // When the task last changed; unset = when it was created.
  std::optional<std::chrono::system_clock::time_point> updated_at;
};

struct Tool;

// The application's side of tasks. libmcp keeps nothing: the task id it gives the client
// carries (signed with ServerOptions::state_key, bound to the caller, expiring after
// task_ttl) the tool name and the JSON `start` returned, so any replica sharing the key
// answers tasks/get, tasks/update and tasks/cancel. E.g. a vCenter backend starts the
// operation and returns {"task":"task-123"}; get reads that TaskInfo (progress 0-100, result
// or error); cancel calls CancelTask. Called on worker threads, concurrently.
class TaskBackend {
 public:
  virtual ~TaskBackend() = default;
  // Starts `tool` with its validated arguments. May ask the client first
  // (ctx.request(...): input_required before the task exists). A failure is a JSON-RPC error
  // (InvalidArgument -> -32602, else -32603).
  virtual Result<Json> start(const Tool& tool, const Json& arguments, RequestContext& ctx) = 0;
  // The task's state now. `principal` is the caller (already checked against the task's).
  // NotFound -> -32602 "task not found".
  virtual Result<TaskState> get(const Tool& tool, const Json& state, const std::string& principal) = 0;
  // Asks the task to stop (cooperative; it may still complete).
  virtual Status cancel(const Tool& tool, const Json& state, const std::string& principal) = 0;
  // tasks/update: the client's answers to the task's input requests (keys it did not ask
  // are to be ignored).
  virtual Status update(const Tool& tool, const Json& state, const Json& input_responses,
                        const std::string& principal) {
    (void)tool, (void)state, (void)input_responses, (void)principal;
    return Status::Unsupported("this task takes no input");
  }
};

struct Tool {
  std::string name;
  std::string title;
  std::string description;
  Json input_schema;   // JSON Schema of the arguments; null = {"type":"object"}
  Json output_schema;  // null = none; when set, results must carry matching structuredContent
  ToolAnnotations annotations;
  ToolHandler handler;  // may be empty only for TaskSupport::kRequired
  TaskSupport task_support = TaskSupport::kNone;
  std::shared_ptr<TaskBackend> tasks = nullptr;  // required unless task_support is kNone
};

struct ResourceContent {
  std::string uri;
  std::string mime_type;
  std::optional<std::string> text;
  std::optional<std::string> blob;  // raw bytes; sent base64-encoded
};

using ResourceReader =
    std::function<Result<std::vector<ResourceContent>>(const std::string& uri, RequestContext& ctx)>;

struct Resource {
  std::string uri;
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
  ResourceReader read;
};

// A parameterised resource, e.g. "vsphere://vm/{id}". `read` gets the concrete URI.
struct ResourceTemplate {
  std::string uri_template;
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
  ResourceReader read;
};

struct PromptArgument {
  std::string name;
  std::string description;
  bool required = false;
};

struct PromptResult {
  std::string description;
  Json messages = Json::array();  // [{role, content}]
};

using PromptHandler = std::function<Result<PromptResult>(
    const std::map<std::string, std::string>& arguments, RequestContext& ctx)>;

struct Prompt {
  std::string name;
  std::string title;
  std::string description;
  std::vector<PromptArgument> arguments;
  PromptHandler handler;
};

// completion/complete: `ref` is {"type":"ref/prompt","name"} or {"type":"ref/resource","uri"};
// returns candidate values for `argument` starting from `value`.
using CompletionHandler = std::function<std::vector<std::string>(
    const Json& ref, const std::string& argument, const std::string& value, const Json& context)>;

// Where a session's outgoing messages go; implemented by transports. Thread-safe.
class MessageSink {
 public:
  virtual ~MessageSink() = default;
  // One JSON-RPC message (response, notification or server request).
  virtual void send(const std::string& message) = 0;
  // Called once per request received through this sink, after its response was sent (or
  // suppressed because the request was cancelled). HTTP uses it to end a POST's stream.
  virtual void requestDone() {}
};

// Decides whether tools/list shows `tool` to a session of `principal`. Called on a worker
// thread for every registered tool on every tools/list of every session, so it must be quick
// and thread-safe; an exception it throws fails that tools/list with an internal error.
using ToolFilter = std::function<bool(const std::string& principal, const Tool& tool)>;

class Server;

class Session {
 public:
  ~Session();
  const std::string& id() const { return id_; }
  // The principal given to Server::createSession; fixed for the session's life.
  const std::string& principal() const;
  bool initialized() const;
  std::string protocolVersion() const;  // "" before initialize (modern requests leave it so)

  // Processes one incoming JSON-RPC message. Responses to requests in it, and notifications
  // and server requests made while handling them, go to `reply` (or to the session's default
  // sink when null). Returns the number of requests it accepted (each will end with
  // reply->requestDone()), or an error when nothing could be accepted (the error response
  // has then already been sent to `reply`).
  Result<size_t> receive(std::string_view message, std::shared_ptr<MessageSink> reply = nullptr);

  // Sends a message that belongs to no request (list_changed, resource updates) to the
  // default sink.
  void notify(std::string_view method, Json params);
  // Replaces the default sink (HTTP: the GET stream when one opens). May be null.
  void setDefaultSink(std::shared_ptr<MessageSink> sink);

  // Cancels in-flight requests (they get no response) and fails pending client requests.
  // Idempotent.
  void close();
  // For a server shutting down: cancels the requests in flight (handlers see
  // RequestContext::cancelled(), a client request they wait for fails with kCancelled) but
  // still answers each of them, with what its handler returns, or, for one that had not
  // started, an error naming `reason`; later requests are refused at once with that error.
  // Returns the number of requests it cancelled. Unlike close(), the session stays usable for
  // the client's answers and notifications.
  size_t shutDown(const std::string& reason);
  // The client can no longer answer (its input ended): fails the server's pending requests to
  // it, and later ones at once, but lets in-flight requests finish.
  // Also ends its subscriptions/listen streams (with their closing result).
  void failClientRequests(const std::string& why);
  bool closed() const;

  class State;

 private:
  friend class Server;
  Session(Server& server, std::string id, std::string principal, std::shared_ptr<MessageSink> sink);
  std::string id_;
  std::shared_ptr<State> state_;
};

class Server {
 public:
  Server(Implementation info, ServerOptions options = {});
  ~Server();  // closes sessions, stops and joins the workers
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Registry. Adding or removing notifies initialized sessions and modern listeners
  // (list_changed). tools/list shows tools in registry order (legacy) or by name (modern).
  // addTool refuses a bad name or schema with InvalidArgument.
  Status addTool(Tool tool);
  bool removeTool(std::string_view name);
  Status addResource(Resource resource);
  Status addResourceTemplate(ResourceTemplate resource_template);
  Status addPrompt(Prompt prompt);
  bool removePrompt(std::string_view name);
  void setCompletionHandler(CompletionHandler handler);
  // Limits what tools/list shows: a session sees only the tools for which
  // filter(session principal, tool) is true, in registry order, paged over what it sees. An
  // empty filter shows every tool (the default). Replacing it notifies initialized sessions
  // (list_changed). Only the listing is filtered: tools/call runs any registered tool, so the
  // application's handlers must enforce (and audit) who may call what.
  void setToolFilter(ToolFilter filter);

  // Resources that come and go (one per VM): resources/list shows what `source` returns after
  // the registered resources, paged with them. Their reads go through the resource templates
  // whose pattern they match. Called on a worker thread on every resources/list: quick and
  // thread-safe. Replacing it notifies initialized sessions (list_changed).
  using ResourceSource = std::function<std::vector<Resource>()>;
  void setResourceSource(ResourceSource source);
  // Tells initialized sessions that resources/list changed (the source's set did).
  void notifyResourceListChanged();

  // Tells sessions subscribed to `uri` that it changed (legacy resources/subscribe and
  // modern subscriptions/listen streams whose resourceSubscriptions name it).
  void notifyResourceUpdated(const std::string& uri);
  // Tells initialized legacy sessions and modern listeners (promptsListChanged) that the
  // prompt list changed.
  void notifyPromptListChanged();
  void notifyToolListChanged();

  // A new session whose unsolicited messages go to `default_sink` (may be null), belonging to
  // `principal` (an opaque name such as "alice" from the transport's authentication; "" = not
  // authenticated). Handlers see it as RequestContext::principal().
  std::shared_ptr<Session> createSession(std::shared_ptr<MessageSink> default_sink,
                                         std::string principal = "");
  std::shared_ptr<Session> findSession(const std::string& id) const;
  void removeSession(const std::string& id);  // closes it
  size_t sessionCount() const;

  const Implementation& info() const;
  const ServerOptions& options() const;

  class Impl;

 private:
  friend class Session;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vsmcp::mcp
