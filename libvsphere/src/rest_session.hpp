// RestSession: one vAPI REST session over an HttpTransport. It logs in on first use (HTTP
// basic auth, token in the vmware-api-session-id header), logs in again once when a call is
// refused with 401, logs out when destroyed, and turns replies into Json values or Status
// errors (vapi.hpp). Internal.
//
// Thread-safe: calls from several threads share the token; logins are serialised.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "vapi.hpp"
#include "vsmcp/json.hpp"
#include "vsmcp/result.hpp"
#include "vsphere/http_transport.hpp"

namespace vsmcp::vsphere {

class RestSession {
 public:
  using CallObserver =
      std::function<void(std::string_view, std::chrono::microseconds, const Status&)>;
  struct Config {
    std::string base_path = "/rest";  // where the vAPI REST endpoints live on the server
    std::string host_port;            // for messages, e.g. "vc.example.com:443"
    std::string username;
    std::string password;  // never logged, never in a message
    CallObserver on_call;  // told of each round trip as "rest:<op>"; may be empty
  };

  struct Request {
    std::string method = "GET";
    std::string path;   // under base_path, ids already encoded (vapi::idSegment)
    std::string query;  // encoded, without '?'; "" = none
    std::optional<Json> body;
    // Bytes sent as they are, with `raw_content_type`, instead of `body` (a file upload). A
    // successful reply's body is then not read: upload endpoints are not vAPI endpoints.
    std::optional<std::string> raw_body;
    std::string raw_content_type = "application/octet-stream";
    // `path` is the whole target (an upload URI's path on this server), not under base_path.
    bool absolute_path = false;
    bool idempotent = false;  // reads only: the transport may retry them
    std::string op;           // fixed name for on_call and logs, e.g. "tagging.tag.get"
    vapi::ErrorContext error;
  };

  RestSession(Config config, std::unique_ptr<HttpTransport> transport);
  ~RestSession();  // logs out if logged in
  RestSession(const RestSession&) = delete;
  RestSession& operator=(const RestSession&) = delete;

  // Sends one request (logging in first if needed) and returns the reply's "value". A 401
  // (the session expired) logs in again and sends the request once more, whatever its
  // method: the server refused it before acting on it. Error messages never contain the
  // session token, even when the server echoes it.
  Result<Json> call(const Request& request);
  // Ends the session; the next call logs in again.
  Status logout();

  const std::string& hostPort() const { return config_.host_port; }

 private:
  // Logs in unless another thread did since `seen_generation`.
  Status login(std::uint64_t seen_generation);
  HttpRequest httpRequest(const Request& request, const std::string& token) const;
  // Tells config_.on_call and the debug log how one round trip went.
  void report(std::string_view op, std::chrono::steady_clock::time_point started,
              const Status& outcome) const;

  const Config config_;
  std::unique_ptr<HttpTransport> transport_;
  std::mutex mu_;
  std::string token_;             // guarded by mu_; "" = not logged in
  std::uint64_t generation_ = 0;  // guarded by mu_; bumped by every login and logout
  std::mutex login_mu_;           // serialises logins
};

// The base path of the /rest endpoints for a SOAP URL path: "/sdk" -> "/rest",
// "/vc1/sdk" -> "/vc1/rest" (a reverse proxy prefix is kept).
std::string restBasePath(std::string_view soap_path);

}  // namespace vsmcp::vsphere
