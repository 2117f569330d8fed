// HttpTransport: the one interface through which libvsphere talks HTTP(S). The SOAP layer
// never sees a socket, so tests substitute a fake and the implementation can be swapped
// (see docs/architecture.md for why the default is Boost.Beast rather than cpprestsdk).
//
// Thread safety: implementations must allow concurrent send() calls from several threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vsmcp/result.hpp"

namespace vsmcp::vsphere {

struct HttpRequest {
  std::string method = "POST";
  std::string target = "/sdk";                               // path and query
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::string body;
  bool idempotent = false;  // true only for reads: the transport may retry them
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // Case-insensitive header lookup; empty if absent. Returns the first match.
  std::string header(std::string_view name) const;
  // All values of a header (e.g. several Set-Cookie lines).
  std::vector<std::string> headers_named(std::string_view name) const;
};

// How to reach and trust one server. Defaults are the safe ones.
struct TransportOptions {
  std::string url;           // "https://vcenter.example.com/sdk" (scheme, host, optional port)
  bool insecure = false;     // skip certificate verification (logged as a warning); avoid
  std::string ca_bundle;     // PEM file of CAs to trust instead of the system store; "" = system
  std::string thumbprint;    // SHA-256 pin of the server certificate, hex with or without ':'.
                             // When set, the pinned certificate is trusted (self-signed is fine)
                             // and any other certificate is refused, even with insecure=true.
  std::chrono::milliseconds connect_timeout{10000};  // TCP connect + TLS handshake
  std::chrono::milliseconds request_timeout{120000}; // write request + read whole reply
  int max_retries = 2;                               // extra tries for idempotent requests
  std::chrono::milliseconds retry_backoff{200};      // first backoff, doubled each retry
  std::size_t max_idle_connections = 4;              // keep-alive pool size
  std::size_t max_response_bytes = 512u << 20;       // refuse replies larger than this (bytes)
  std::string user_agent = "vsmcp/0.1";
};

// Receives a reply's body piece by piece, in order, as it arrives. An error stops the
// reading: the send returns that error and the connection is not reused.
using BodySink = std::function<Status(std::string_view piece)>;

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Sends one request; returns the response whatever its HTTP status, or an error for
  // network, TLS, timeout or size failures (the message names the host and what failed).
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
  // Like send, but the body of a reply with HTTP status 200 goes to `sink` as it arrives and
  // the response's body stays empty, so a large reply is never held whole; any other status
  // comes whole in the body, as from send. Once a piece went to the sink the request is not
  // retried. The default sends with send and hands a 200 body to the sink in one piece.
  virtual Result<HttpResponse> sendStreaming(const HttpRequest& request, const BodySink& sink);
};

// The default transport (Boost.Beast over Asio + OpenSSL, keep-alive pool).
// Fails with InvalidArgument for a malformed URL, thumbprint or unreadable CA bundle.
Result<std::unique_ptr<HttpTransport>> makeHttpTransport(const TransportOptions& options);

// Normalises a SHA-256 thumbprint to "AB:CD:..." (64 hex digits); error if malformed.
Result<std::string> normalizeThumbprint(std::string_view thumbprint);

}  // namespace vsmcp::vsphere
