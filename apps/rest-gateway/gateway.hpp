// rest_gateway::Gateway: the vRA-style REST API over the operation registry. It routes a
// request (routes.hpp), authenticates it (gateway login tokens, or the policy's API keys and
// tokens), builds the operation's arguments from path, query and body and validates them
// against the operation's input schema (422 naming the field), runs the policy chain (403,
// 429), and answers in the envelope (envelope.hpp): lists paged with a cursor, destructive
// operations only with ?confirm=true (else 400 with the dry run), long operations as 202 with
// a task resource.
//
// Ownership: refers to a Policy, Metrics and (optionally) a service-account Client that
// outlive it. Thread safety: handle() and handleInline() may run concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "http/server.hpp"
#include "metrics.hpp"
#include "ops/invoker.hpp"
#include "policy/policy.hpp"
#include "policy/rate_limiter.hpp"
#include "sessions.hpp"
#include "tasks.hpp"
#include "vsphere/client.hpp"

namespace vsmcp::gateway {

struct GatewayOptions {
  std::string version = "0.1.0";
  vsphere::ConnectionOptions vcenter;   // URL and TLS for logins (user and password ignored)
  bool logins = true;                   // POST /auth/login opens per-user vCenter sessions
  std::string login_role = "admin";     // policy role of logged-in users (vCenter still checks
                                        // their own permissions)
  std::chrono::seconds session_ttl{3600};
  size_t max_login_sessions = 1000;
  policy::RateLimit login_attempts{10.0 / 60, 5};  // per client address
  std::chrono::seconds health_interval{15};        // vCenter reachability check; 0 = none
  std::string ui_assets_dir;  // swagger-ui-dist and redoc bundles for /docs and /redoc
  const ops::Registry* registry = nullptr;  // the operations the routes name; null = the built-in ones
};

class Gateway {
 public:
  // `service` (may be null) is the service-account session used by API-key callers and, when
  // there are no tokens at all, by everyone on loopback. Without it, only logins work.
  Gateway(GatewayOptions options, vsphere::Client* service, policy::Policy& policy, apps::Metrics& metrics,
          LoginSessions::Connector connect);
  ~Gateway();

  // Quick routes answered on the I/O thread (/, /health, /metrics, /openapi.json, /docs,
  // /redoc); nullopt for everything else.
  std::optional<http::Response> handleInline(const http::Request& request);
  // Everything, on a worker thread.
  http::Response handle(const http::Request& request);

  const std::string& openApiText() const { return openapi_; }

 private:
  struct Caller;
  http::Response route(const http::Request& request);
  Result<Caller> authenticate(const http::Request& request);
  http::Response native(const struct Route& route, const http::Request& request,
                        const std::vector<std::pair<std::string, std::string>>& params);
  http::Response operation(const struct Route& route, const http::Request& request,
                           const std::vector<std::pair<std::string, std::string>>& params);
  http::Response health() const;
  // `text` with operation names replaced by the REST routes that run them.
  std::string restNames(const std::string& text) const;
  http::Response restError(const Status& status) const;
  void checkHealth();

  GatewayOptions options_;
  vsphere::Client* service_;
  policy::Policy& policy_;
  apps::Metrics& metrics_;
  LoginSessions sessions_;
  ops::Invoker invoker_;  // declared before tasks_: tasks run through it until tasks_ is gone
  TaskStore tasks_;
  policy::RateLimiter login_limiter_;
  std::string openapi_;
  std::chrono::steady_clock::time_point started_;

  // vCenter reachability, refreshed by health_thread_.
  mutable std::mutex health_mu_;
  std::condition_variable health_cv_;
  bool stopping_ = false;
  std::optional<bool> reachable_;
  std::string health_checked_;
  double health_latency_ms_ = 0;
  std::string health_error_;
  std::thread health_thread_;
};

}  // namespace vsmcp::gateway
