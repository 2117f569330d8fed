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
};

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
  virtual Result<Json> request(std::string_view method, Json params) = 0;
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

struct Tool {
  std::string name;
  std::string title;
  std::string description;
  Json input_schema;   // JSON Schema of the arguments; null = {"type":"object"}
  Json output_schema;  // null = none; when set, results must carry matching structuredContent
  ToolAnnotations annotations;
  ToolHandler handler;
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
  std::string protocolVersion() const;  // "" before initialize

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

  // Registry. Adding or removing notifies initialized sessions (list_changed).
  // addTool refuses a bad name or schema with InvalidArgument.
  Status addTool(Tool tool);
  bool removeTool(std::string_view name);
  Status addResource(Resource resource);
  Status addResourceTemplate(ResourceTemplate resource_template);
  Status addPrompt(Prompt prompt);
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

  // Tells sessions subscribed to `uri` that it changed.
  void notifyResourceUpdated(const std::string& uri);

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
