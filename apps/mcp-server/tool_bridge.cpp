#include "tool_bridge.hpp"

#include "memory.hpp"
#include "ops/summary.hpp"
#include "vsmcp/glob.hpp"

namespace vsmcp::apps {

namespace {

bool matchesAny(const std::vector<std::string>& globs, const std::string& name) {
  for (const auto& g : globs)
    if (globMatch(g, name)) return true;
  return false;
}

// Asks the person at the MCP client (elicitation) to approve a destructive call.
class ElicitationChannel final : public ops::PersonChannel {
 public:
  explicit ElicitationChannel(mcp::RequestContext& ctx) : ctx_(ctx) {}
  Result<bool> ask(const ops::Operation& op, const std::string& would) override {
    Json schema = Json::object()
                      .set("type", "object")
                      .set("properties", Json::object().set(
                                             "approve", Json::object()
                                                            .set("type", "boolean")
                                                            .set("title", "Approve")
                                                            .set("description", "Do it: this cannot be undone")))
                      .set("required", Json::array({Json("approve")}));
    auto answer = ctx_.request("elicitation/create",
                               Json::object()
                                   .set("message", op.name + " would " + would + ". Approve this change?")
                                   .set("requestedSchema", schema));
    if (!answer.ok()) return answer.status();
    const Json* action = answer->find("action");
    const Json* content = answer->find("content");
    const Json* approve = content ? content->find("approve") : nullptr;
    return action && action->asString() == "accept" && approve && approve->isBool() && approve->asBool();
  }
  // MCP 2026-07-28: the question went out as an input_required result; the client retries the
  // call with the person's answer, and this call's own result is discarded.
  bool pending(const Status& error) const override { return mcp::isInputRequired(error); }

 private:
  mcp::RequestContext& ctx_;
};

ops::Call callOf(const Bridge& bridge, const ops::Operation& op, const Json& args, mcp::RequestContext& ctx) {
  ops::Call call;
  call.op = &op;
  call.args = args;
  call.confirmed = false;
  if (const Json* confirm = args.find("confirm")) {
    call.confirmed = confirm->asBool();
    call.args.erase("confirm");
  }
  call.client = bridge.client;
  call.caller = ops::Caller::kModel;
  call.confirm_kind = "caller_confirm";
  call.context.transport = bridge.transport;
  call.context.session = ctx.sessionId();
  call.context.principal = ctx.principal();
  return call;
}

// A failed or refused call, as a tool error a model can act on.
mcp::ToolResult failure(const std::string& operation, const Status& status, const std::string& correlation) {
  std::string text = operation + " failed: " + status.message();
  if (status.code() != ErrorCode::kPermissionDenied && status.code() != ErrorCode::kRateLimited)
    text = operation + " failed: " + status.toString();
  return mcp::ToolResult::error(text + " (correlation id " + correlation + ")");
}

mcp::ToolResult toolResult(const ops::Operation& op, const Json& args, ops::Reply reply) {
  if (!reply.result.ok()) return failure(op.name, reply.result.status(), reply.correlation_id);
  Json result = std::move(reply.result).value();
  std::string summary = ops::summarize(op, args, result);
  if (reply.outcome == ops::Outcome::kDryRun && reply.confirm_would_run)
    summary += " Call again with confirm: true to do it.";
  mcp::ToolResult r = mcp::ToolResult::text(resultText(summary, result));
  r.structured = std::move(result);
  return r;
}

mcp::ToolResult callTool(const Bridge& bridge, const ops::Operation& op, const Json& args, mcp::RequestContext& ctx) {
  ops::Call call = callOf(bridge, op, args, ctx);
  vsphere::CancelToken cancel([&ctx] { return ctx.cancelled(); });
  call.cancel = &cancel;
  call.on_progress = [&ctx](int percent, const vsphere::TaskInfo& info) {
    ctx.progress(percent, 100, info.name.empty() ? std::string() : info.name);
  };
  call.snapshots = true;  // a model pages with next_cursor: one listing, however many pages
  ElicitationChannel person(ctx);
  if (op.safety == ops::Safety::kDestructive && bridge.elicit_approval && ctx.clientCapabilities().find("elicitation"))
    call.person = &person;
  const Json plain_args = call.args;
  mcp::ToolResult result = toolResult(op, plain_args, bridge.invoker->invoke(std::move(call)));
  releaseFreeMemory();
  return result;
}

// --- MCP tasks (2026-07-28's io.modelcontextprotocol/tasks) ---

Json toolResultJson(const mcp::ToolResult& r) {
  Json j = Json::object().set("content", r.content).set("is_error", r.is_error);
  if (!r.structured.isNull()) j.set("structured", r.structured);
  return j;
}

mcp::ToolResult toolResultOf(const Json& j) {
  mcp::ToolResult r;
  if (const Json* c = j.find("content")) r.content = *c;
  if (const Json* s = j.find("structured")) r.structured = *s;
  if (const Json* e = j.find("is_error")) r.is_error = e->asBool();
  return r;
}

// Whether `op` is one vCenter task whose result is that task (taskResultSchema): it can run as
// an MCP task, its completion read back from vCenter.
bool runsAsTask(const ops::Operation& op) {
  if (op.shape != ops::Shape::kTask) return false;
  const Json* props = op.output_schema.find("properties");
  return props && props->size() == 1 && props->find("task");
}

// Tool calls as MCP tasks. start runs the operation through the Invoker as a call does (policy,
// approval, dry run, audit) but returns once vCenter's task exists; the task handle libmcp signs
// carries that task's id, so tasks/get and tasks/cancel on any replica ask vCenter itself
// (TaskInfo, CancelTask). A call that starts no task (a dry run, a "no", a refusal, an error)
// becomes a task that is already complete with the call's result.
class VcenterTasks final : public mcp::TaskBackend {
 public:
  explicit VcenterTasks(Bridge bridge) : bridge_(std::move(bridge)) {}

  Result<Json> start(const mcp::Tool& tool, const Json& args, mcp::RequestContext& ctx) override {
    const ops::Operation* op = bridge_.invoker->registry().find(tool.name);
    if (!op) return Status::Internal("no operation " + tool.name);
    ops::Call call = callOf(bridge_, *op, args, ctx);
    call.start_only = true;
    ElicitationChannel person(ctx);
    if (op->safety == ops::Safety::kDestructive && bridge_.elicit_approval &&
        ctx.clientCapabilities().find("elicitation"))
      call.person = &person;
    const Json plain_args = call.args;
    ops::Reply reply = bridge_.invoker->invoke(std::move(call));
    releaseFreeMemory();
    if (reply.outcome == ops::Outcome::kApprovalRequested) return reply.result.status();  // input_required
    const Json* task = reply.outcome == ops::Outcome::kOk && reply.result.ok() ? reply.result->find("task") : nullptr;
    const Json* id = task ? task->find("id") : nullptr;
    if (id && !id->asString().empty())
      return Json::object().set("task", id->asString()).set("arguments", plain_args);
    return Json::object().set("done", toolResultJson(toolResult(*op, plain_args, std::move(reply))));
  }

  Result<mcp::TaskState> get(const mcp::Tool& tool, const Json& state, const std::string&) override {
    mcp::TaskState out;
    if (const Json* done = state.find("done")) {
      out.status = mcp::TaskState::Status::kCompleted;
      out.result = toolResultOf(*done);
      return out;
    }
    const ops::Operation* op = bridge_.invoker->registry().find(tool.name);
    if (!op) return Status::Internal("no operation " + tool.name);
    VSMCP_ASSIGN_OR_RETURN(vsphere::TaskInfo info, bridge_.client->taskInfo(taskOf(state)));
    // A finished task changed something: this replica's next read waits for its live inventory
    // to catch up, as after a task it waited for itself.
    if (info.state == "success" || info.state == "error") bridge_.client->noteWrite(info.entity);
    const Json* args = state.find("arguments");
    const Json arguments = args ? *args : Json::object();
    if (info.state == "success") {
      ops::Reply reply;
      reply.outcome = ops::Outcome::kOk;
      reply.result = Json::object().set("task", ops::toJson(info));
      out.status = mcp::TaskState::Status::kCompleted;
      out.result = toolResult(*op, arguments, std::move(reply));
    } else if (info.state == "error") {
      if (info.cancelled || info.error_fault == "RequestCanceled") {
        out.status = mcp::TaskState::Status::kCancelled;
        out.message = info.error.empty() ? "cancelled" : info.error;
      } else {
        out.status = mcp::TaskState::Status::kCompleted;  // a failed operation is a tool error
        out.result = mcp::ToolResult::error(op->name + " failed: vCenter task " + info.ref.value + ": " +
                                            (info.error.empty() ? info.error_fault : info.error));
      }
    } else {
      out.status = mcp::TaskState::Status::kWorking;
      out.progress = info.progress;
      out.message = "vCenter task " + info.ref.value + " " + info.state;
    }
    return out;
  }

  // Audited as the operation whose task it stops: outcome "cancel_requested" (vCenter took the
  // CancelTask; the task may still complete) or "error".
  Status cancel(const mcp::Tool& tool, const Json& state, const std::string& principal) override {
    if (state.find("done")) return Status::Ok();  // nothing runs
    const vsphere::MoRef task = taskOf(state);
    policy::Policy& policy = bridge_.invoker->policy();
    policy::CallContext audit;
    audit.transport = bridge_.transport;
    audit.principal = principal;
    audit.correlation_id = policy.newCorrelationId();
    audit.operation = tool.name;
    const ops::Operation* op = bridge_.invoker->registry().find(tool.name);
    audit.action = op ? ops::actionOf(op->safety) : policy::Action::kChange;
    audit.arguments = Json::object().set("task", task.value);
    audit.started = std::chrono::steady_clock::now();
    Status cancelled = bridge_.client->cancelTask(task);
    policy.finished(audit, cancelled.ok() ? "cancel_requested" : "error", cancelled);
    return cancelled;
  }

 private:
  static vsphere::MoRef taskOf(const Json& state) {
    const Json* t = state.find("task");
    return vsphere::MoRef{"Task", t ? t->asString() : std::string()};
  }

  Bridge bridge_;
};

// A read the server makes for a resource: run through the Invoker as that operation.
Result<Json> runOperation(const Bridge& bridge, const char* name, const Json& args, mcp::RequestContext& ctx) {
  const ops::Operation* op = bridge.invoker->registry().find(name);
  if (!op) return Status::Internal(std::string("no operation ") + name);
  ops::Call call = callOf(bridge, *op, args, ctx);
  call.context.transport += " resource";
  Result<Json> result = bridge.invoker->invoke(std::move(call)).result;
  releaseFreeMemory();
  return result;
}

Result<std::vector<mcp::ResourceContent>> jsonContent(const std::string& uri, Result<Json> body) {
  if (!body.ok()) return body.status();
  return std::vector<mcp::ResourceContent>{{uri, "application/json", body->dump(), std::nullopt}};
}

// The part of a URI after `prefix` ("vsphere://vm/" + "vm-42" -> "vm-42").
std::string tail(const std::string& uri, const std::string& prefix) {
  return uri.size() > prefix.size() ? uri.substr(prefix.size()) : std::string();
}

mcp::PromptResult userPrompt(const std::string& description, const std::string& text) {
  mcp::PromptResult r;
  r.description = description;
  r.messages.push(Json::object().set("role", "user").set(
      "content", Json::object().set("type", "text").set("text", text)));
  return r;
}

}  // namespace

void publishInventoryChanges(mcp::Server& server, const vsphere::InventoryChanges& changes) {
  bool vms = false, hosts = false, membership = changes.loaded;
  for (const auto& c : changes.changes) {
    const char* prefix = c.ref.type == "VirtualMachine" ? "vsphere://vm/"
                         : c.ref.type == "HostSystem"   ? "vsphere://host/"
                                                        : nullptr;
    if (!prefix) continue;
    (c.ref.type == "VirtualMachine" ? vms : hosts) = true;
    server.notifyResourceUpdated(prefix + c.ref.value);
    if (!c.name.empty()) server.notifyResourceUpdated(prefix + c.name);
    if (!c.old_name.empty()) server.notifyResourceUpdated(prefix + c.old_name);
    if (c.kind != vsphere::InventoryChange::Kind::kModify || !c.old_name.empty()) membership = true;
  }
  if (vms || changes.loaded) server.notifyResourceUpdated("vsphere://inventory/vms");
  if (hosts || changes.loaded) server.notifyResourceUpdated("vsphere://inventory/hosts");
  if (membership) server.notifyResourceListChanged();
}

std::vector<mcp::Resource> inventoryResources(vsphere::Client& client) {
  std::vector<mcp::Resource> out;
  vsphere::Freshness fresh;
  auto vms = client.listVms({}, vsphere::VmDetail::kState, &fresh);
  if (!vms.ok() || !fresh.live) return out;
  auto hosts = client.listHosts({}, &fresh);
  if (!hosts.ok() || !fresh.live) return out;
  out.reserve(vms->size() + hosts->size());
  for (const auto& vm : *vms)
    out.push_back({"vsphere://vm/" + vm.ref.value, vm.name, (vm.is_template ? "Template " : "VM ") + vm.name,
                   std::string(vsphere::powerStateName(vm.power_state)) + " on " + vm.host_name, "application/json",
                   nullptr});
  for (const auto& h : *hosts)
    out.push_back({"vsphere://host/" + h.ref.value, h.name, "Host " + h.name,
                   h.connection_state + (h.in_maintenance_mode ? ", in maintenance" : "") +
                       (h.cluster.empty() ? "" : ", cluster " + h.cluster),
                   "application/json", nullptr});
  return out;
}

std::string resultText(const std::string& summary, const Json& result) { return summary + "\n\n" + result.dump(); }

Status registerResourcesAndPrompts(mcp::Server& server, const Bridge& bridge) {
  const Bridge c = bridge;
  VSMCP_RETURN_IF_ERROR(server.addResourceTemplate(
      {"vsphere://vm/{id}", "vm", "VM details", "A VM's details by id (vm-42), name or UUID", "application/json",
       [c](const std::string& uri, mcp::RequestContext& ctx) {
         return jsonContent(uri, runOperation(c, "vm_get", Json::object().set("vm", tail(uri, "vsphere://vm/")), ctx));
       }}));
  VSMCP_RETURN_IF_ERROR(server.addResourceTemplate(
      {"vsphere://host/{id}", "host", "Host details", "An ESXi host's details by id (host-12), name or UUID",
       "application/json", [c](const std::string& uri, mcp::RequestContext& ctx) {
         return jsonContent(uri,
                            runOperation(c, "host_get", Json::object().set("host", tail(uri, "vsphere://host/")), ctx));
       }}));
  VSMCP_RETURN_IF_ERROR(server.addResourceTemplate(
      {"vmstats://{vm_name}", "vmstats", "Live VM statistics",
       "Realtime CPU, memory, disk and network usage of a VM", "application/json",
       [c](const std::string& uri, mcp::RequestContext& ctx) {
         return jsonContent(uri, runOperation(c, "vm_perf",
                                              Json::object().set("vm", tail(uri, "vmstats://")).set("max_samples", 1),
                                              ctx));
       }}));
  VSMCP_RETURN_IF_ERROR(server.addResource(
      {"vsphere://inventory/vms", "vms", "All VMs", "Every VM (first 2,000) with its summary", "application/json",
       [c](const std::string& uri, mcp::RequestContext& ctx) {
         return jsonContent(uri, runOperation(c, "vm_list", Json::object().set("limit", 2000), ctx));
       }}));
  VSMCP_RETURN_IF_ERROR(server.addResource(
      {"vsphere://inventory/hosts", "hosts", "All hosts", "Every ESXi host with state and capacity",
       "application/json", [c](const std::string& uri, mcp::RequestContext& ctx) {
         return jsonContent(uri, runOperation(c, "host_list", Json::object().set("limit", 2000), ctx));
       }}));
  VSMCP_RETURN_IF_ERROR(server.addPrompt(
      {"triage_vm", "Triage a VM", "Investigate a VM that misbehaves: state, recent events and load",
       {{"vm", "VM name, id or inventory path", true}},
       [](const std::map<std::string, std::string>& args, mcp::RequestContext&) {
         const std::string& vm = args.at("vm");
         return Result<mcp::PromptResult>(userPrompt(
             "Triage " + vm,
             "Triage the VM '" + vm + "'. Use vm_get for its state and placement, alarm_list with entity '" + vm +
             "' for the alarms vCenter raised on it, vm_events for what happened to it recently, vm_perf for "
             "its CPU, memory, disk and network load, and host_list for the health of its host. Summarise the "
             "likely cause and propose next steps; do not change anything without asking."));
       }}));
  VSMCP_RETURN_IF_ERROR(server.addPrompt(
      {"capacity_report", "Capacity report", "Summarise capacity and headroom of clusters, hosts and datastores",
       {{"cluster", "Limit to one cluster (name)", false}},
       [](const std::map<std::string, std::string>& args, mcp::RequestContext&) {
         auto it = args.find("cluster");
         std::string scope = it == args.end() ? "the whole inventory" : "cluster '" + it->second + "'";
         return Result<mcp::PromptResult>(userPrompt(
             "Capacity report",
             "Write a capacity report for " + scope + ". Use cluster_list and host_list for CPU and memory "
             "capacity and use, datastore_list for free space, and vm_list for VM counts. Flag anything above "
             "80% use and estimate the headroom in VMs of the typical size."));
       }}));
  return Status::Ok();
}

Result<size_t> registerTools(mcp::Server& server, const Bridge& bridge, const ToolSelection& config) {
  size_t count = 0;
  const bool person_mode = bridge.invoker->options().approval == ops::ApprovalMode::kPerson;
  auto tasks = std::make_shared<VcenterTasks>(bridge);
  for (const auto& op : bridge.invoker->registry().operations()) {
    if (config.read_only && op.safety != ops::Safety::kRead) continue;
    if (!config.allow.empty() && !matchesAny(config.allow, op.name)) continue;
    if (matchesAny(config.deny, op.name)) continue;
    mcp::Tool tool;
    tool.name = op.name;
    tool.title = op.title;
    tool.description = op.description;
    if (op.safety == ops::Safety::kDestructive)
      tool.description +=
          person_mode ? " Destructive: it runs only when the person using this client approves it (elicitation); "
                        "otherwise it is refused. Without approval it only describes what it would do."
                      : " Destructive: when the client can ask its user (elicitation), the user's answer decides and "
                        "confirm does not replace it; otherwise without confirm: true it only describes what it "
                        "would do.";
    tool.input_schema = op.input_schema;
    tool.output_schema = op.output_schema;
    tool.annotations.read_only_hint = op.safety == ops::Safety::kRead;
    tool.annotations.destructive_hint = op.safety == ops::Safety::kDestructive;
    tool.annotations.idempotent_hint = op.idempotent;
    // One vCenter's inventory, not the open web.
    tool.annotations.open_world_hint = false;
    const ops::Operation* operation = &op;
    tool.handler = [operation, bridge](const Json& args, mcp::RequestContext& ctx) {
      return callTool(bridge, *operation, args, ctx);
    };
    if (runsAsTask(op)) {
      tool.task_support = mcp::TaskSupport::kOptional;
      tool.tasks = tasks;
    }
    VSMCP_RETURN_IF_ERROR(server.addTool(std::move(tool)));
    ++count;
  }
  ops::Invoker* invoker = bridge.invoker;
  server.setToolFilter([invoker](const std::string& principal, const mcp::Tool& tool) {
    const ops::Operation* op = invoker->registry().find(tool.name);
    return op && invoker->policy().mayCall(principal, op->name, ops::actionOf(op->safety));
  });
  return count;
}

}  // namespace vsmcp::apps
