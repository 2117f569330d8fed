// policy::Policy: the filter chain every surface (mcp-server, rest-gateway) runs around an
// operation call, on a neutral request context (no JSON-RPC, no HTTP types).
//
//   authenticate (at the transport: credential -> Principal)
//   -> RoleFilter (the principal's role must grant the operation)
//   -> RateLimitFilter (token bucket per principal and class)
//   -> the operation
//   -> audit (one record per call; refusals are audited too)
//
// Each filter counts what it passed and refused (stats()), for /metrics.
// Configuration is immutable once the Policy is built (shared_ptr<const ...> inside).
// Thread safety: all methods are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/audit.hpp"
#include "policy/clock.hpp"
#include "policy/rate_limiter.hpp"
#include "policy/roles.hpp"
#include "policy/tokens.hpp"
#include "vsmcp/json.hpp"
#include "vsmcp/result.hpp"

namespace vsmcp::policy {

// What a surface knows about one call. The surface fills the first block; the chain fills
// `role` from the token store, unless the surface authenticated the principal by other means
// (the REST gateway's vCenter logins) and set `role` itself.
struct CallContext {
  std::string transport;       // "stdio", "http", "rest", "cli"
  std::string remote;          // peer address when known
  std::string session;         // MCP session id when there is one
  std::string correlation_id;  // newCorrelationId() unless the caller brought one
  std::string principal;       // authenticated name; "" = the anonymous principal
  std::string operation;       // registry name, e.g. "vm_power_on"
  Action action = Action::kRead;
  Json arguments;              // as given (masked before they are audited)
  std::string role;            // set by the chain when empty
  // How a destructive call was approved, once it was: "person" (asked through the client),
  // "caller_confirm" (MCP confirm: true), "cli_yes", "cli_prompt", "rest_confirm"; and by whom.
  std::string approval;
  std::string approved_by;
  std::chrono::steady_clock::time_point started{};  // set by admit()
};

// One step of the chain.
class Filter {
 public:
  virtual ~Filter() = default;
  virtual std::string_view name() const = 0;
  // OK to pass the call on; an error refuses it (the chain stops there).
  virtual Status decide(CallContext& call) = 0;
};

struct FilterStats {
  std::string filter;  // "role", "rate_limit"
  std::uint64_t passed = 0;
  std::uint64_t refused = 0;
};

struct PolicyConfig {
  std::vector<Role> roles = builtinRoles();
  // Principals and their tokens; empty = no authentication (everyone is the anonymous
  // principal, with `anonymous_role`).
  TokenStore tokens;
  std::string anonymous_role = "admin";  // role of "" (stdio, or HTTP without tokens)
  RateLimitConfig rate_limits;
  std::string target;  // the vCenter/ESXi host the calls go to, for the audit record
};

// The role and token file (JSON):
//   {"roles": {"dba": {"reads": true, "allow": ["vm_snapshot_*"], "deny": ["vm_snapshot_revert"]}},
//    "tokens": [{"name": "alice", "role": "operator", "sha256": "<64 hex digits>"},
//               {"name": "ci", "role": "viewer", "token": "<at least 16 characters>"}]}
// Built-in roles cannot be redefined. Errors name the file and the entry.
Status loadTokenFile(const std::string& path, PolicyConfig& config);
// The rate-limit file (JSON):
//   {"read": {"rate": "600/min", "burst": 60}, "change": {"rate": "60/min", "burst": 10},
//    "principals": {"ci": {"change": {"rate": "off"}}}}
Status loadRateLimitFile(const std::string& path, RateLimitConfig& config);
// Same, from text already read (`origin` names it in errors).
Status parseTokenConfig(std::string_view text, const std::string& origin, PolicyConfig& config);
Status parseRateLimitConfig(std::string_view text, const std::string& origin, RateLimitConfig& config);

// The host part of "https://vc.example.com:443/sdk", "vc.example.com" or "[::1]:8989".
std::string hostOf(std::string_view url);
// OK when `allowed` is empty or the host of `url` matches one of its globs (any case,
// e.g. "vcenter*.corp.example"); else PermissionDenied naming the host.
Status checkHostAllowed(const std::vector<std::string>& allowed, std::string_view url);

class Policy {
 public:
  // `audit` may be null (no audit). REQUIRES: `clock` outlives the Policy.
  explicit Policy(PolicyConfig config, std::shared_ptr<AuditSink> audit = nullptr,
                  const Clock& clock = systemClock());
  ~Policy();

  // True when tokens are configured: transports must then authenticate every request.
  bool authenticationRequired() const;
  // The principal a bearer token or API key stands for; nullopt when it stands for none.
  // A failure is counted and audited (outcome "unauthenticated", with `remote`).
  std::optional<Principal> authenticate(std::string_view credential, const std::string& transport,
                                        const std::string& remote);
  // Name and role of an authenticated name; "" = the anonymous principal.
  Principal principal(const std::string& name) const;
  // Whether `principal` may call the operation at all (listing: tools/list, OpenAPI...).
  bool mayCall(const std::string& principal, std::string_view operation, Action action) const;

  // Runs the chain. OK = go ahead. A refusal is audited (outcome denied / rate_limited) and
  // returned: kPermissionDenied or kRateLimited (details().retry_after_seconds set).
  Status admit(CallContext& call);
  // For change and destructive calls: writes the "start" record before vCenter is touched.
  void started(const CallContext& call);
  // Writes the outcome record: "ok", "error", "dry_run", "declined", "cancelled"; `error` is
  // the failure when there was one.
  void finished(const CallContext& call, std::string_view outcome, const Status& error = Status::Ok());
  // The admitted call changed nothing and is to be retried (an approval asked through an MCP
  // 2026-07-28 round trip): its rate-limit token goes back, so the question and its answer
  // count as one call.
  void refund(const CallContext& call);

  std::string newCorrelationId() const;
  std::vector<FilterStats> stats() const;
  std::uint64_t unauthenticatedCount() const;
  const PolicyConfig& config() const;

 private:
  void audit(const CallContext& call, std::string_view event, std::string_view outcome,
             const Status& error, bool with_duration);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vsmcp::policy
