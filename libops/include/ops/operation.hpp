// One vSphere operation as every surface sees it: its name, a description written for a model,
// typed input and output schemas with every field described, its safety class, the shape of
// its result (one object, a paged list, a vCenter task), its dry run, an optional check that
// runs before anything is started, its one-line summary, and the handler on vsphere::Client.
//
// Operations are declared once, in the short file of their group (libops/src/group_*.cpp), and
// collected into the Registry (registry.hpp); the MCP tools, REST routes and CLI commands are
// generated from them, and every call runs through the one Invoker (invoker.hpp).
//
// Thread safety: an Operation is immutable once the registry holds it; handlers are
// thread-safe when the Client is (it is).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "vsmcp/json.hpp"
#include "vsmcp/result.hpp"
#include "vsphere/client.hpp"

namespace vsmcp::ops {

using vsphere::CancelToken;
using vsphere::Client;
using vsphere::ProgressCallback;

// What an operation may do. Destructive = can lose data or interrupt a running workload
// without the guest's cooperation (hard power-off, reset, suspend, snapshot revert and delete,
// destroy, host maintenance mode, deletes): it needs an approval (docs/policy.md) and declares
// a dry run.
enum class Safety { kRead, kChange, kDestructive };
std::string_view safetyName(Safety s);  // "read", "change", "destructive"

// The shape of a result, known here once for every surface.
enum class Shape {
  kObject,  // one JSON object
  kList,    // a page: {total, count, offset, next_offset?, <list_key>: [...]}
  kTask,    // starts a vCenter task: {task: {...}}; long, reports progress, can be cancelled
};
std::string_view shapeName(Shape s);  // "object", "list", "task"

// Per-call context the Invoker gives a handler.
// A listing's items made one at a time: `item(i)` is the i-th item's JSON. It owns what it needs
// and is called later, from any thread.
struct DeferredItems {
  std::size_t size = 0;
  std::function<Json(std::size_t)> item;
};

struct OperationContext {
  ProgressCallback on_progress;         // task progress, when the surface can show it
  const CancelToken* cancel = nullptr;  // set when the caller can cancel
  // Lists: every item from `offset` on in one reply, `limit` ignored. For callers that show a
  // whole listing (the CLI) rather than a model's context, which must stay paged.
  bool unpaged = false;
  // Reads that can answer from the live inventory pass this to the Client, which fills it;
  // the Invoker then adds `freshness` to the result. Null when the caller does not ask.
  vsphere::Freshness* freshness = nullptr;
  // Set with `unpaged` by the Invoker when it keeps the whole listing for paging (a snapshot).
  // A list handler whose items can be made later without reading vCenter again (the live
  // inventory's shared records) may put them here instead of in its result, which then holds
  // `total` and its other members only; each page converts just its own items.
  DeferredItems* deferred = nullptr;
  // Task operations: return as soon as vCenter's task exists, its state "queued" or "running"
  // (an MCP task follows it with Client::taskInfo). An operation made of several tasks may
  // still wait for all but its last.
  bool start_only = false;
};

// What a destructive call would do, found out by looking before acting.
struct DryRun {
  std::string would;                  // "destroy VM 'web' (vm-42) and delete its files on ds1"
  std::vector<std::string> blockers;  // what would make the call fail now, each naming the fix
  Json details = Json::object();      // more members for the result (counts, affected VMs)
};

using OperationHandler =
    std::function<Result<Json>(Client& client, const Json& args, const OperationContext& ctx)>;
using DryRunHandler = std::function<Result<DryRun>(Client& client, const Json& args)>;
// Checks what can be checked before a long call starts (REST answers 422 before its 202).
using Precheck = std::function<Status(Client& client, const Json& args)>;
// The line that accompanies a result for a person or a model ("3 of 12 vms: a, b, c").
using Summarizer = std::function<std::string(const Json& args, const Json& result)>;

struct Operation {
  std::string name;         // snake_case, grouped by prefix: vm_list, vm_power_on, host_...
  std::string title;        // short human title
  std::string description;  // for a model: what it does, when to use it, what it returns
  Json input_schema;        // JSON Schema (type object), every property described
  Json output_schema;       // JSON Schema (type object) of the result, every field described
  Safety safety = Safety::kRead;
  OperationHandler handler;
  Shape shape = Shape::kObject;
  std::string list_key;     // kList: the array member of the result ("vms")
  bool idempotent = false;  // a repeat with the same arguments changes nothing more (reads are)
  DryRunHandler dry_run;  // required for destructive operations
  Precheck precheck;      // optional
  Summarizer summary;     // optional; a summary by shape otherwise
};

// JSON forms of the summaries (the shapes the output schemas describe).
Json toJson(const vsphere::VmSummary& vm);
Json toJson(const vsphere::HostSummary& host);
Json toJson(const vsphere::TaskInfo& task);

}  // namespace vsmcp::ops
