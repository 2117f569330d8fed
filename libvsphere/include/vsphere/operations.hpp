// The registry of vSphere operations: each operation is defined once (name, title, a
// description written for a model to pick the right tool, JSON Schemas of input and output,
// safety class, handler), and every surface is generated from it: MCP tools (mcp-server),
// REST routes (rest-gateway) and CLI commands (vsphere-cli), so they never drift apart.
//
// Handlers take the operation's validated JSON arguments and return JSON matching the output
// schema. Thread safety: the registry is immutable after construction; handlers are
// thread-safe when the Client is (it is).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "vsmcp/json.hpp"
#include "vsmcp/result.hpp"
#include "vsphere/client.hpp"

namespace vsmcp::vsphere {

// What an operation may do: read only, change state, or destroy/lose data.
enum class Safety { kRead, kChange, kDestructive };
std::string_view safetyName(Safety s);  // "read", "change", "destructive"

// Per-call context a surface supplies: progress of long tasks, cancellation.
struct OperationContext {
  ProgressCallback on_progress;         // task progress, when the surface can show it
  const CancelToken* cancel = nullptr;  // set when the caller can cancel
  bool dry_run = false;                 // destructive operations: describe, change nothing
  // Lists: every item from `offset` on in one reply, `limit` ignored. For callers that show a
  // whole listing (the CLI) rather than a model's context, which must stay paged.
  bool unpaged = false;
};

using OperationHandler =
    std::function<Result<Json>(Client& client, const Json& args, const OperationContext& ctx)>;

struct Operation {
  std::string name;         // snake_case, grouped by prefix: vm_list, vm_power_on, host_...
  std::string title;        // short human title
  std::string description;  // for a model: what it does, when to use it, what it returns
  Json input_schema;        // JSON Schema (type object)
  Json output_schema;       // JSON Schema (type object) of the result
  Safety safety = Safety::kRead;
  OperationHandler handler;
};

// The built-in operations, in a stable order.
const std::vector<Operation>& builtinOperations();
const Operation* findOperation(std::string_view name);

// JSON forms of the summaries (the shapes the output schemas describe).
Json toJson(const VmSummary& vm);
Json toJson(const HostSummary& host);
Json toJson(const TaskInfo& task);

}  // namespace vsmcp::vsphere
