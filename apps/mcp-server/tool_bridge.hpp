// Turns the operation registry (libops) into MCP tools, resources and prompts. It is an
// adapter only: a tool call becomes an ops::Call that the one Invoker runs (policy, approval,
// dry run, audit, metrics), and the Reply becomes a tool result. Schemas and annotations come
// from the registry; vCenter task progress and cancellation are bridged to MCP; a person is
// asked to approve destructive calls through elicitation when the client supports it.
#pragma once

#include <string>
#include <vector>

#include "mcp/server.hpp"
#include "ops/invoker.hpp"
#include "ops/registry.hpp"
#include "vsphere/client.hpp"

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
  ops::Invoker* invoker = nullptr;
  std::string transport = "stdio";  // for the audit record
  bool elicit_approval = true;      // ask the person through elicitation when the client can
};

// Registers the operations `selection` keeps as tools, and a tools/list filter that shows
// each caller only what its role grants. Returns how many.
Result<size_t> registerTools(mcp::Server& server, const Bridge& bridge, const ToolSelection& selection);

// Resources (vsphere://vm/{id}, vsphere://host/{id}, vmstats://{vm_name},
// vsphere://inventory/vms and /hosts) and
// prompts (triage a VM, capacity report). Resource reads go through the Invoker as the
// operation they run (vm_get, host_get, vm_perf, vm_list, host_list).
Status registerResourcesAndPrompts(mcp::Server& server, const Bridge& bridge);

// MCP notifications for what the live inventory reports: notifications/resources/updated for
// each changed VM and host (by id and by name: vsphere://vm/vm-42 and vsphere://vm/web-01) and
// for vsphere://inventory/vms and /hosts, and notifications/resources/list_changed when VMs or
// hosts come, go or are renamed (resources/list lists them: inventoryResources).
void publishInventoryChanges(mcp::Server& server, const vsphere::InventoryChanges& changes);

// resources/list entries for every VM and host, from the live inventory while it is in sync
// (none otherwise: listing must not read vCenter on every page).
std::vector<mcp::Resource> inventoryResources(vsphere::Client& client);

// The text content of a tool result: the summary, then the result as JSON, so a client that
// passes only `content` to the model loses nothing (the MCP spec says structured results
// SHOULD also be serialized as text).
std::string resultText(const std::string& summary, const Json& result);

}  // namespace vsmcp::apps
