// http::Server: a small HTTP/1.1 server on Boost.Beast (plain HTTP, or HTTPS with OpenSSL, TLS
// 1.2 and later); the one HTTP listener of the project (rest-gateway's routes, and MCP's
// streamable HTTP transport as a handler on it).
//
// A request is read completely (headers and body, within the limits of ServerOptions), then
// given to the InlineHandler on the I/O thread, and when that declines, queued for the Handler
// on a pool of worker threads. Responses leave each connection in request order (keep-alive and
// pipelining are safe); every one carries Date, Server, Content-Length (except 204 and streamed
// responses) and X-Request-Id. A response may be streamed (Response::stream: Server-Sent Events
// and the like): its body is pulled from a StreamSource as it becomes ready, chunked, with an
// optional heartbeat, and the source learns when the client went away. The server answers by
// itself: 400 (malformed HTTP, missing Host, a target that is neither a path, an absolute URL
// nor OPTIONS *), 403 (a Host or Origin the policy refuses, against DNS rebinding and
// cross-site requests: see allowed_hosts and allowed_origins; answered once the body is in, so
// the connection stays usable), 404 (no Handler and the InlineHandler declined), 408, 413, 417,
// 431, 500 (a handler threw or gave an invalid response), 501 (a Transfer-Encoding other than
// chunked), 503 (queue full, stopping, or too many connections from the client's address) and
// 504 (handler slower than handler_timeout). Server-made error bodies are JSON:
// {"error":{"status":413,"message":"..."}} unless ServerOptions::error_body says otherwise.
//
// Ownership: the Server owns its threads (I/O and workers), connections and handlers. I/O is
// asynchronous: no thread per connection.
// Thread safety: every method is thread-safe. start() succeeds at most once; stop() is
// idempotent, joins every thread and is prompt with open idle connections and open streams;
// requests being handled are answered (those still queued get 503) before their connections
// close. drain() + waitIdle() come before stop() for a graceful stop.
// Handler runs on several workers at once and InlineHandler on several I/O threads at once:
// both must be thread-safe.
// REQUIRES: stop(), drain(), waitIdle() and the destructor are not called from a handler (they
// wait for the I/O threads).
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

#include "vsmcp/status.hpp"

namespace vsmcp::http {

struct Request {
  std::string method;  // "GET"
  std::string target;  // as sent: "/vms?page_size=10"
  // The target before '?', raw (not percent-decoded: "/vms/a%2Fb" stays so; see
  // decodedPathSegments). An absolute-form target ("http://h/vms") gives its path ("/vms").
  std::string path;
  std::string query;  // after '?', raw; "" if none
  // In arrival order, names as sent. X-Request-Id is always present exactly once: the
  // client's when sane, else the one the server generated (the response carries the same).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;  // peer IP, e.g. "127.0.0.1"

  // The first header of that name (case-insensitive); "" if absent.
  std::string header(std::string_view name) const;
  // Query parameters percent-decoded ('+' = space), in order. A name given twice keeps all
  // values in order. "a" alone gives ("a", ""); empty pieces ("a=1&&b=2") are skipped. A bad
  // escape ("%zz", a lone "%") or "%00" is kept as written.
  std::vector<std::pair<std::string, std::string>> queryParams() const;
  // The path split on '/', each segment percent-decoded ("/vms/web%2F01" -> {"vms",
  // "web/01"}); the leading '/' starts no segment, so "/" -> {} and "/vms/" -> {"vms", ""}.
  // '+' stays '+'. nullopt when a segment has a bad escape or decodes to NUL.
  std::optional<std::vector<std::string>> decodedPathSegments() const;
};

// The body of a streamed response (Response::stream), pulled by the server. All calls but
// the wake function's come on the connection's I/O thread, one at a time.
class StreamSource {
 public:
  using Piece = std::shared_ptr<const std::string>;
  virtual ~StreamSource() = default;
  // Once, before the first pull(), when the response head is written. `wake` tells the server
  // that pieces are ready or the body is complete: it may be called from any thread, any number
  // of times (calls coalesce), and does nothing once the server has stopped (a wake after the
  // response ended at most makes the connection pull its next response's source early).
  virtual void open(std::function<void()> wake) = 0;
  // After open() and after wakes, never while earlier pieces are still being written (so a
  // client that reads slowly leaves pieces waiting in the source: backpressure). Appends what
  // is ready now to `out`; returns true when the body is complete after them.
  virtual bool pull(std::vector<Piece>& out) = 0;
  // Once, when the response is over: `complete` = pull() returned true and everything was
  // written; false = the client went away (its connection ended), a write failed or timed out,
  // or the server stopped. Not called when open() was not.
  virtual void close(bool complete) = 0;
};

struct Response {
  int status = 200;  // 200..599; anything else -> the server answers 500 instead
  std::string content_type = "application/json";  // "" = no Content-Type header
  // More headers. Names must be HTTP tokens; names or values with CR, LF or NUL -> the server
  // answers 500 instead. The server sets Content-Length, Transfer-Encoding, Connection, Date,
  // Server, X-Request-Id and Content-Type itself: such names here are ignored.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // not sent for HEAD, 204 or 304 (Content-Length still tells its size;
                     // a 204 has none)
  // Set: the body is streamed from this source and `body` is ignored: chunked for HTTP/1.1,
  // for HTTP/1.0 until the connection closes (Connection: close). The client's next request
  // is read once the body is complete. Not for HEAD, 1xx, 204 or 304 (the source is dropped
  // unopened and no body is sent).
  std::shared_ptr<StreamSource> stream;
  // Streams: when set, written every heartbeat_interval in which nothing else waits to be
  // written (e.g. ": ping\n\n" for Server-Sent Events), so clients and proxies see the
  // stream alive.
  std::chrono::milliseconds heartbeat_interval{0};
  std::string heartbeat;
  // Streams: whether waitIdle() waits for its end. False for a stream that never ends by
  // itself (a notification stream): stop() closes it.
  bool drain_waits = true;
};

// Runs on a worker thread: may block (vCenter calls). Exceptions it throws become 500 (logged).
// May be empty when an InlineHandler is given (then no worker thread runs, and a request the
// InlineHandler declines gets 404).
using Handler = std::function<Response(const Request&)>;
// Runs on the I/O thread first: must be quick and never block. nullopt = pass the request to
// Handler. Exceptions it throws become 500 (logged).
using InlineHandler = std::function<std::optional<Response>(const Request&)>;

struct ServerOptions {
  std::string host = "127.0.0.1";  // bind address (IP literal or name); loopback by default
  unsigned short port = 0;         // 0 = any free port; read back with port()
  unsigned io_threads = 2;         // threads doing network I/O and InlineHandler (0 = 1)
  unsigned workers = 8;            // threads running Handler (at least 1 when there is one)
  size_t max_queued = 256;         // requests waiting for a worker; more -> 503 with Retry-After: 1
  size_t max_body_bytes = 1u << 20;     // larger -> 413 (answered from Content-Length before
                                        // reading the body; chunked bodies when they cross it)
  size_t max_header_bytes = 16u << 10;  // request line + headers; larger -> 431
  // The whole request (headers + body) must arrive within this, counted from its first byte
  // -> else 408 + close. Also bounds the TLS handshake and a new connection's wait for its
  // first byte (then closed without answer).
  std::chrono::seconds request_timeout{30};
  // Keep-alive wait for the next request (then closed without answer); also bounds a slow
  // write (a client that stops reading is dropped).
  std::chrono::seconds idle_timeout{60};
  // 0 = none; else the client gets 504 if the handler (with its wait in the queue) is slower.
  // The handler still finishes; its late response is dropped.
  std::chrono::seconds handler_timeout{0};
  // Against DNS rebinding: Host values accepted (a name, or name:port; case-insensitive).
  // Empty = when bound to a loopback address, only loopback names (localhost, 127.x.x.x,
  // [::1], any port); when bound elsewhere, any Host. Another Host gets 403.
  std::vector<std::string> allowed_hosts;
  // Against cross-site requests from browsers: Origin values accepted ("*" = any); a request
  // without Origin (not a browser) always passes. Empty = only loopback origins
  // (http(s)://localhost, 127.x.x.x or [::1], any port), checked when bound to a loopback
  // address, or on any address when strict_origin is set. Another Origin gets 403.
  std::vector<std::string> allowed_origins;
  // See allowed_origins. False suits a server whose own pages call it from its public name
  // (the gateway); MCP sets it, its specification requiring Origin validation everywhere.
  bool strict_origin = false;
  size_t max_connections = 1024;  // more simultaneous connections are closed at once
  // Simultaneous connections from one client IP address (loopback is no exception); 0 = no
  // such cap. A connection past it is answered at once, before any request byte is read: 503
  // (error_body, Retry-After: 1, Connection: close), then closed after a short linger. It is
  // not read first because a client over its cap is just the one that may never finish
  // sending (holding half-sent requests until request_timeout while /health waits). Over
  // HTTPS the answer follows the TLS handshake, bounded by min(request_timeout, 2 s). These
  // answers count against max_connections, and an address has at most this many of them in
  // progress too; past that, its new connections are closed at once without answer.
  // Why 64: browsers open at most 6 connections to a host and client pools (requests, Go's
  // net/http, undici) one per request in flight, so 64 leaves room for a busy automation
  // client or several users behind one NAT, and it takes 16 addresses to fill the default
  // 1024. Behind a reverse proxy every client shares the proxy's address: raise it or use 0.
  size_t max_connections_per_address = 64;
  // Both set = HTTPS only (PEM certificate chain and PEM private key files).
  std::string tls_cert_file, tls_key_file;
  std::string server_header = "vsmcp";  // "Server:" value; "" = no Server header
  // The JSON body of answers the server makes itself (400, 403, 408, 413, 431, 500, 503, 504,
  // ...), so they can share the application's error format; must be quick and not throw.
  // Empty = {"error":{"status":N,"message":"..."}}.
  std::function<std::string(int status, const std::string& message)> error_body;
};

class Server {
 public:
  Server(ServerOptions options, Handler handler, InlineHandler inline_handler = nullptr);
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads the TLS files if any, binds, listens and starts the threads; returns once
  // connections are accepted. Errors, with no thread left behind: kInvalidArgument (bad host,
  // only one TLS file, workers or max_connections 0, a request or idle timeout not positive, a
  // server_header with CR/LF, no handler), kTls (bad cert/key: the message names the file),
  // kUnavailable (port in use), kInvalidState (called twice).
  Status start();
  // The bound port (the chosen one when options.port was 0); 0 before start().
  unsigned short port() const;
  // "http://127.0.0.1:<port>" ("https" with TLS; IPv6 in brackets); "" before start().
  std::string url() const;
  // Stops accepting, closes idle connections and streamed responses at once (their sources
  // see close(false)), answers queued requests 503, lets running handlers finish and sends
  // their responses (bounded by min(idle_timeout, 5 s) of writing), then closes everything
  // and joins every thread. Idempotent.
  void stop();
  // The first step of a graceful stop: closes the listener (returns once new connections are
  // refused) and makes every later response close its connection (Connection: close). Open
  // connections stay, so their clients can still send what lets work in flight finish;
  // handlers see draining() and may refuse new work. Idempotent; nothing before start().
  void drain();
  bool draining() const;
  // Waits until no request is being handled and no response is being written or streamed
  // (streams with drain_waits false aside), at most `limit`. True when so; also true once the
  // server stopped, or was never started.
  bool waitIdle(std::chrono::milliseconds limit);

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// For main(): start, call on_ready(url), serve until SIGINT/SIGTERM (on any thread), stop.
// Installs handlers for those two signals for the duration of the call and restores the old
// ones. Returns start()'s error, or kInvalidState when another call is already serving.
Status serveUntilSignal(Server& server,
                        const std::function<void(const std::string& url)>& on_ready);

}  // namespace vsmcp::http
