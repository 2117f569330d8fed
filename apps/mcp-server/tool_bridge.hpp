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

// Which operations become tools at all: a tool left out is never registered, for anyone.
struct ToolSelection {
  bool read_only = false;          // only Safety::kRead operations
  std::vector<std::string> allow;  // globs; empty = all
  std::vector<std::string> deny;   // globs
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

// The audit outcome of an operation that returned `status`: `success` (e.g. "ok", "dry_run")
// when it succeeded, "cancelled" only when it returned kCancelled (the cancellation stopped
// it), else "error". Whether the request was cancelled meanwhile does not matter.
const char* auditOutcome(const Status& status, const char* success);

// Registers the operations `selection` keeps as tools, and a
// tools/list filter that shows each caller only what its role grants. Returns how many.
Result<size_t> registerTools(mcp::Server& server, const Bridge& bridge, const ToolSelection& selection);

// Resources (vsphere://vm/{id}, vmstats://{vm_name}, vsphere://inventory/vms and /hosts) and
// prompts (triage a VM, capacity report). Resource reads go through the policy as the
// operation they run (vm_get, vm_perf, vm_list, host_list).
Status registerResourcesAndPrompts(mcp::Server& server, const Bridge& bridge);

// The text that accompanies a structured result.
std::string summarize(const std::string& operation, const Json& result);

}  // namespace vsmcp::apps
