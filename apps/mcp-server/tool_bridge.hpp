// Turns the vSphere operation registry into MCP tools, resources and prompts, with the policy
// chain (libpolicy) around every call: the caller's role must grant the operation, the rate
// limit must allow it, and the call is audited (refusals too). Schemas and annotations come
// from the registry; vCenter task progress and cancellation are bridged to MCP; destructive
// operations are a dry run unless `confirm: true`, or the person approves through
// elicitation when the client supports it.
#pragma once

#include <string>
#include <vector>

#include "mcp/server.hpp"
#include "metrics.hpp"
#include "policy/policy.hpp"
#include "vsphere/client.hpp"
#include "vsphere/operations.hpp"

namespace vsmcp::apps {

struct ServerConfig {
  vsphere::ConnectionOptions vcenter;
  std::vector<std::string> allowed_vcenters;  // host globs; empty = any
  std::string transport = "stdio";            // stdio | http
  std::string http_host = "127.0.0.1";
  unsigned short http_port = 8000;
  std::string tls_cert_file;  // both set = HTTPS
  std::string tls_key_file;
  std::vector<std::string> allowed_origins;  // browser Origins allowed on HTTP; empty = localhost only
  bool read_only = false;            // only Safety::kRead operations are registered
  std::vector<std::string> allow;    // globs; empty = all
  std::vector<std::string> deny;     // globs
  std::string api_key;               // MCP_API_KEY: principal "api-key" with role admin
  std::string tokens_file;           // roles and tokens (libpolicy format)
  std::string rate_limits_file;      // rate limits (libpolicy format)
  std::string audit_log = "stderr";  // file path, "-" (stdout) or "stderr"; "off" = none
  std::string anonymous_role = "admin";  // role of callers without a token (stdio; HTTP without tokens)
  bool elicit_approval = true;       // destructive calls without confirm ask the person when possible
};

// What every handler needs. REQUIRES: each referee outlives the mcp::Server.
struct Bridge {
  vsphere::Client* client = nullptr;
  policy::Policy* policy = nullptr;
  Metrics* metrics = nullptr;
  std::string transport = "stdio";  // for the audit record
  bool elicit_approval = true;
};

policy::Action actionOf(vsphere::Safety safety);

// Registers the operations selected by `config` (read-only, allow, deny) as tools, and a
// tools/list filter that shows each caller only what its role grants. Returns how many.
Result<size_t> registerTools(mcp::Server& server, const Bridge& bridge, const ServerConfig& config);

// Resources (vsphere://vm/{id}, vmstats://{vm_name}, vsphere://inventory/vms and /hosts) and
// prompts (triage a VM, capacity report). Resource reads go through the policy as the
// operation they run (vm_get, vm_perf, vm_list, host_list).
Status registerResourcesAndPrompts(mcp::Server& server, const Bridge& bridge);

// The text that accompanies a structured result.
std::string summarize(const std::string& operation, const Json& result);

}  // namespace vsmcp::apps
