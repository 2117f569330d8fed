// Turns the vSphere operation registry into MCP tools: schemas, annotations from the safety
// class, progress and cancellation bridged to vCenter tasks, confirm/dry-run for destructive
// operations, structured results plus a short text summary.
#pragma once

#include <string>
#include <vector>

#include "mcp/server.hpp"
#include "metrics.hpp"
#include "vsphere/client.hpp"

namespace vsmcp::apps {

struct ServerConfig {
  vsphere::ConnectionOptions vcenter;
  std::string transport = "stdio";   // stdio | http
  std::string http_host = "127.0.0.1";
  unsigned short http_port = 8000;
  bool read_only = false;            // only Safety::kRead operations
  std::vector<std::string> allow;    // globs; empty = all
  std::vector<std::string> deny;     // globs
};

// Registers the selected operations as tools; returns how many.
// REQUIRES: `client` outlives `server`'s use of the tools.
// `metrics` (may be null) counts every call; it must outlive the server.
Result<size_t> registerTools(mcp::Server& server, vsphere::Client& client, const ServerConfig& config,
                             Metrics* metrics = nullptr);

// Resources (vsphere://vm/{id}, vmstats://{vm_name}, vsphere://inventory/vms and /hosts) and
// prompts (triage a VM, capacity report) on the same client.
Status registerResourcesAndPrompts(mcp::Server& server, vsphere::Client& client);

// Compares secrets in time independent of where they differ.
bool constantTimeEquals(const std::string& a, const std::string& b);

// The text that accompanies a structured result.
std::string summarize(const std::string& operation, const Json& result);

}  // namespace vsmcp::apps
