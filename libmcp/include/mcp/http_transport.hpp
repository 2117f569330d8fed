// mcp::HttpServer: the MCP "Streamable HTTP" transport (specification 2025-06-18, 2025-11-25
// and the stateless 2026-07-28), plain HTTP or HTTPS, as a handler on http::Server (libhttp,
// the project's one HTTP listener: connections, limits, TLS, Host/Origin policy, per-address
// connection cap, request ids, SSE streaming, drain and stop are libhttp's).
//
// One endpoint (`path`) takes POST (one JSON-RPC message per request), GET (the session's
// standalone SSE stream for server-initiated messages) and DELETE (ends the session). A POST
// that carries requests is answered with an SSE stream that holds the notifications and
// server requests made while handling them, then the response, then ends. Every SSE event
// has an id "<stream>-<seq>", unique within the session, so a client that lost a stream can
// resume it with GET and Last-Event-ID. A 2026-07-28 request (its params._meta or its
// MCP-Protocol-Version header names that version) needs no session: without Mcp-Session-Id
// it is served on a session of its own, removed once its stream ends or its client leaves
// (which cancels it); its Mcp-Method, Mcp-Name and Mcp-Param-* headers must match its body
// (else 400 with a HeaderMismatch error, -32020; for tasks/get, tasks/update and tasks/cancel
// a Mcp-Name that is sent must equal params.taskId). Such a request without a session is
// answered once its first message is known: when that is its final response and an error
// with an HTTP status of its own (error::modernHttpStatus: 404 for -32601, 400 for -32602,
// -32020, -32021, -32022), as application/json with that status; otherwise with the SSE
// stream. That wait runs on one of `hold_threads` threads. Origin (and, on a loopback address, Host)
// are checked against DNS rebinding; body, header, idle and request-time limits guard
// against hostile clients. Other paths may be served by an `extra_routes` hook (health,
// metrics).
//
// Ownership: the HttpServer refers to a Server it does not own; REQUIRES: the Server outlives
// the HttpServer. Sessions created through HTTP belong to this transport: stop() removes them
// from the Server. I/O runs on `threads` own threads (asynchronous, no thread per
// connection); request handlers run on the Server's workers.
//
// Stopping: stop() is immediate; shutdown() is graceful (like a proxy's drain): it refuses
// new work, lets the requests in flight finish and their responses reach the clients, within
// `drain_timeout`, then cancels the rest and delivers their answers, then stops.
//
// Thread safety: all methods are thread-safe. start() may be called once; stop() is
// idempotent, prompt even with open streams, and joins every thread (the destructor calls it).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mcp/server.hpp"
#include "vsmcp/result.hpp"

namespace vsmcp::mcp {

// A request to a path other than the MCP endpoint, for HttpServerOptions::extra_routes; also
// what HttpServerOptions::authorize sees of a request to the MCP endpoint (without its body).
struct HttpExtraRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path and query, e.g. "/metrics?x=1"
  std::string path;    // target without the query, e.g. "/metrics"
  std::string query;   // after '?', "" if none
  std::vector<std::pair<std::string, std::string>> headers;  // in arrival order
  std::string body;
  std::string remote_address;  // peer IP address, e.g. "127.0.0.1"

  // The first header of that name (case-insensitive); "" when absent.
  std::string header(std::string_view name) const;
};

struct HttpExtraResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  // More headers; names and values with CR, LF or NUL are refused (500).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Handles a non-MCP path; returns false to let the server answer 404. Runs on an I/O thread,
// so it must be quick and must not block. An exception it throws becomes a 500.
using HttpExtraRoutes = std::function<bool(const HttpExtraRequest&, HttpExtraResponse&)>;

// Authenticates a request to the MCP endpoint (method, target, headers and remote address are
// set; the body is not). Returns the principal, an opaque name such as "alice", or nullopt =
// 401 with WWW-Authenticate: Bearer. Runs on an I/O thread: it must be quick. An exception it
// throws counts as nullopt.
using HttpAuthorizer = std::function<std::optional<std::string>(const HttpExtraRequest&)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // bind address (IP literal or name); loopback by default
  unsigned short port = 0;         // 0 = pick a free port; read it back with port()
  std::string path = "/mcp";       // the MCP endpoint
  // Allowed Origin values, e.g. "https://app.example.com" ("*" = any). Empty = only
  // http(s)://localhost, 127.x.x.x and [::1] on any port, whatever the bind address (libhttp's
  // strict_origin). Another Origin gets 403; requests without Origin (non-browser clients)
  // pass.
  std::vector<std::string> allowed_origins;
  // Allowed Host header values (host names, with or without ":port"). Empty = when bound to a
  // loopback address, only localhost, 127.x.x.x and [::1] (any port), against DNS rebinding;
  // when bound elsewhere, any Host. Another Host gets 403 (libhttp's allowed_hosts).
  std::vector<std::string> allowed_hosts;
  size_t max_body_bytes = 4u << 20;           // larger POST body -> 413, answered before reading it
  size_t max_header_bytes = 16u << 10;        // larger request line + headers -> 431
  std::chrono::seconds idle_timeout{300};     // keep-alive wait for the next request, and the
                                              // longest a write may take; then the connection
                                              // is closed
  std::chrono::seconds request_timeout{30};   // a request (and a new connection's first
                                              // one, and the TLS handshake) must arrive
                                              // completely within this, else 408/close
  std::chrono::seconds sse_keepalive{15};     // ": ping" comment on open SSE streams; 0 = none
  std::chrono::milliseconds sse_retry{1000};  // "retry:" sent to 2025-11-25 clients on SSE
                                              // streams (reconnection delay)
  size_t max_connections = 4096;              // more simultaneous connections are closed at once
  // Simultaneous connections from one client address (0 = no cap); past it a connection is
  // answered 503 at once (libhttp's ServerOptions::max_connections_per_address). Higher than
  // libhttp's 64: an MCP client holds its GET stream plus one connection per request in
  // flight, and clients behind one address (a gateway, a NAT) add up.
  size_t max_connections_per_address = 256;
  size_t max_sessions = 1000;                 // more initialize requests get 503
  // Sessions one principal may hold (0 = no own limit): its next initialize ends its least
  // recently used session, so one caller cannot take every slot from the others.
  size_t max_sessions_per_principal = 100;
  // Sessions with no request and no open stream for this long are closed; 0 = never.
  // Sessions that never completed the handshake (notifications/initialized) are closed after
  // min(60 s, this) idle, so bare initialize requests cannot hold every slot.
  std::chrono::seconds session_idle_timeout{3600};
  size_t replay_buffer = 1000;  // events kept per SSE stream for Last-Event-ID resumption
  // Both set = serve HTTPS directly (PEM certificate chain and private key files).
  std::string tls_cert_file;
  std::string tls_key_file;
  unsigned threads = 2;          // I/O threads (request handlers run on the Server's workers)
  // Threads that hold a single 2026-07-28 request's response until its first message (see
  // the file comment); more such requests in flight wait for one (past max_connections of
  // them waiting: 503).
  unsigned hold_threads = 16;
  HttpExtraRoutes extra_routes;  // other paths on the same port; empty = 404
  // Authenticates every request to the MCP endpoint, before any session lookup (see
  // HttpAuthorizer). Empty = no authentication (principal ""). A session belongs to the
  // principal whose initialize created it (Session::principal, RequestContext::principal);
  // a request from another principal that names it gets 404 "Session not found", exactly as
  // an unknown session would, and a warning is logged.
  HttpAuthorizer authorize;
  // The inputSchema of a registered tool by name (null when unknown), for the 2026-07-28
  // Mcp-Param-{Name} headers that its properties' x-mcp-header annotations ask clients to
  // mirror: a request whose such header is missing, extra or different from its argument gets
  // 400 HeaderMismatch. Empty = those headers are not checked (mcp::Server has no public tool
  // lookup yet; the application knows its tools' schemas).
  std::function<Json(const std::string& tool)> tool_input_schema;
  // shutdown(): how long requests in flight may take to finish and have their responses
  // written, before they are cancelled.
  std::chrono::milliseconds drain_timeout{10000};
  // shutdown(): how long cancelled requests may take to answer (a vCenter task is cancelled
  // on its next poll, within 2 s) before their connections are closed anyway.
  std::chrono::milliseconds cancel_grace{5000};
};

class HttpServer {
 public:
  HttpServer(Server& server, HttpServerOptions options);
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Loads the TLS files if any, binds, listens and starts the I/O threads; returns once
  // connections are accepted. Fails (kInvalidArgument, kTls, kUnavailable) without threads
  // left behind. A second call fails with kInvalidState.
  Status start();
  // The bound port (the chosen one when options.port was 0); 0 before start().
  unsigned short port() const;
  // "http://127.0.0.1:<port>/mcp" (https when TLS); "" before start().
  std::string url() const;
  // Closes the listener and every connection and stream, joins the I/O threads and removes
  // the sessions created through this transport from the Server. Idempotent.
  // REQUIRES: not called from an extra_routes handler (it runs on an I/O thread).
  void stop();
  // Graceful stop, then stop(). At once: the listener closes (new connections are refused)
  // and every request that would start work is refused like an overload, 503 with a JSON-RPC
  // error ("the server is shutting down") and Connection: close: POSTs carrying a request,
  // GETs opening a stream, other paths. What lets work in flight finish still passes: the
  // client's answers to the server's requests and its notifications (cancellation), GET
  // resumption of a stream (Last-Event-ID), DELETE. Connections close after their current
  // response. It waits until every request received was answered and every response
  // written, up to options.drain_timeout; then cancels what still runs (Session::shutDown:
  // handlers see cancelled(), and each request is still answered) and waits up to
  // options.cancel_grace for those answers to be written. Open GET streams do not delay it.
  // Blocks for at most drain_timeout + cancel_grace, plus the time stop() takes.
  // REQUIRES: not called from an extra_routes handler (it runs on an I/O thread).
  void shutdown();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// For a program's main(): starts an HttpServer, calls `on_ready` with its URL, serves until
// SIGINT or SIGTERM arrives (on any thread), then shuts it down gracefully (shutdown()).
// Installs handlers for those two signals for the duration of the call. Returns start()'s
// error if it cannot start.
Status serveHttpUntilSignal(Server& server, HttpServerOptions options,
                            const std::function<void(const std::string& url)>& on_ready);

}  // namespace vsmcp::mcp
