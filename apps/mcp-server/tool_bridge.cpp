#include "tool_bridge.hpp"

#include <chrono>
#include <cstdio>

#include "vsmcp/glob.hpp"

namespace vsmcp::apps {

namespace {

bool matchesAny(const std::vector<std::string>& globs, const std::string& name) {
  for (const auto& g : globs)
    if (globMatch(g, name)) return true;
  return false;
}

}  // namespace

policy::Action actionOf(vsphere::Safety safety) {
  switch (safety) {
    case vsphere::Safety::kRead: return policy::Action::kRead;
    case vsphere::Safety::kChange: return policy::Action::kChange;
    case vsphere::Safety::kDestructive: return policy::Action::kDestructive;
  }
  return policy::Action::kDestructive;
}

std::string summarize(const std::string& operation, const Json& r) {
  if (const Json* dry = r.find("dry_run"); dry && dry->asBool())
    return "DRY RUN, nothing changed: would " + r.find("would")->asString() +
           ". Call again with confirm: true to do it.";
  if (const Json* task = r.find("task"))
    return operation + ": task " + task->find("id")->asString() + " " + task->find("state")->asString() +
           (task->find("result") ? " (result " + task->find("result")->asString() + ")" : "");
  if (const Json* vm = r.find("vm"); vm && vm->isObject())
    return "VM " + vm->find("name")->asString() + " (" + vm->find("id")->asString() + "): " +
           vm->find("power_state")->asString() + ", " + std::to_string(vm->find("num_cpu")->asInt()) + " CPU, " +
           std::to_string(vm->find("memory_mb")->asInt()) + " MB, host " + vm->find("host")->asString();
  if (const Json* vms = r.find("vms"); vms && vms->isObject() && r.find("cpu")) {
    auto pct = [&](const char* key) {
      const Json* o = r.find(key);
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.1f%%", o && o->find("used_percent") ? o->find("used_percent")->asDouble() : 0.0);
      return std::string(buf);
    };
    return std::to_string(vms->find("total")->asInt()) + " VMs (" + std::to_string(vms->find("powered_on")->asInt()) +
           " on), " + std::to_string(r.find("templates")->asInt()) + " templates, " +
           std::to_string(r.find("hosts")->find("total")->asInt()) + " hosts, " +
           std::to_string(r.find("clusters")->asInt()) + " clusters; used: CPU " + pct("cpu") + ", memory " +
           pct("memory") + ", storage " + pct("storage");
  }
  if (const Json* tmpl = r.find("template"); tmpl && tmpl->isBool() && r.find("vm"))
    return r.find("vm")->asString() + (tmpl->asBool() ? " is now a template" : " is now a virtual machine");
  if (r.size() == 1 && r.members().front().second.isObject() && r.members().front().second.find("name")) {
    // A get: "<kind> <name> (<id>): key=value, ..." with the scalar fields.
    const auto& [kind, obj] = r.members().front();
    std::string text = kind + " " + obj.find("name")->asString();
    if (const Json* id = obj.find("id")) text += " (" + id->asString() + ")";
    std::string fields;
    for (const auto& [k, v] : obj.members()) {
      if (k == "name" || k == "id" || v.isArray() || v.isObject() || v.isNull()) continue;
      fields += (fields.empty() ? ": " : ", ") + k + "=" + (v.isString() ? v.asString() : v.dump());
    }
    return text + fields;
  }
  if (const Json* requested = r.find("requested"); requested && requested->asBool())
    return operation + ": requested; the guest acts on it on its own time";
  if (const Json* total = r.find("total")) {
    for (const auto& [key, value] : r.members()) {
      if (!value.isArray()) continue;
      std::string names;
      size_t shown = 0;
      for (const auto& item : value.items()) {
        if (shown == 10) break;
        names += (shown++ ? ", " : "") + (item.find("name") ? item.find("name")->asString() : item.dump());
      }
      std::string text = std::to_string(value.size()) + " of " + std::to_string(total->asInt()) + " " + key;
      if (!names.empty()) text += ": " + names + (value.size() > shown ? ", ..." : "");
      if (const Json* next = r.find("next_offset")) text += " (more: offset " + std::to_string(next->asInt()) + ")";
      return text;
    }
  }
  return r.dump();
}

namespace {

Result<std::vector<mcp::ResourceContent>> jsonContent(const std::string& uri, Result<Json> body) {
  if (!body.ok()) return body.status();
  return std::vector<mcp::ResourceContent>{{uri, "application/json", body->dump(), std::nullopt}};
}

// The part of a URI after `prefix` ("vsphere://vm/" + "vm-42" -> "vm-42").
std::string tail(const std::string& uri, const std::string& prefix) {
  return uri.size() > prefix.size() ? uri.substr(prefix.size()) : std::string();
}

Metrics::Outcome refusalOutcome(const Status& s) {
  return s.code() == ErrorCode::kRateLimited ? Metrics::Outcome::kRateLimited : Metrics::Outcome::kDenied;
}

std::chrono::microseconds since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t);
}

policy::CallContext callContext(const Bridge& bridge, const vsphere::Operation& op, const Json& args,
                                mcp::RequestContext& ctx) {
  policy::CallContext call;
  call.transport = bridge.transport;
  call.session = ctx.sessionId();
  call.principal = ctx.principal();
  call.operation = op.name;
  call.action = actionOf(op.safety);
  call.arguments = args;
  return call;
}

// A read the server makes for a resource: admitted, run and audited as that operation.
Result<Json> runOperation(const Bridge& bridge, const char* name, const Json& args, mcp::RequestContext& ctx) {
  const vsphere::Operation* op = vsphere::findOperation(name);
  if (!op) return Status::Internal(std::string("no operation ") + name);
  const auto started = std::chrono::steady_clock::now();
  policy::CallContext call = callContext(bridge, *op, args, ctx);
  call.transport += " resource";
  if (Status admitted = bridge.policy->admit(call); !admitted.ok()) {
    bridge.metrics->record(op->name, refusalOutcome(admitted), since(started));
    return admitted;
  }
  auto result = op->handler(*bridge.client, args, vsphere::OperationContext{});
  bridge.policy->finished(call, result.ok() ? "ok" : "error", result.status());
  bridge.metrics->record(op->name, result.ok() ? Metrics::Outcome::kOk : Metrics::Outcome::kError, since(started));
  return result;
}

mcp::PromptResult userPrompt(const std::string& description, const std::string& text) {
  mcp::PromptResult r;
  r.description = description;
  r.messages.push(Json::object().set("role", "user").set(
      "content", Json::object().set("type", "text").set("text", text)));
  return r;
}

}  // namespace

Status registerResourcesAndPrompts(mcp::Server& server, const Bridge& bridge) {
  const Bridge c = bridge;
  VSMCP_RETURN_IF_ERROR(server.addResourceTemplate(
      {"vsphere://vm/{id}", "vm", "VM details", "A VM's details by id (vm-42), name or UUID", "application/json",
       [c](const std::string& uri, mcp::RequestContext& ctx) {
         return jsonContent(uri, runOperation(c, "vm_get", Json::object().set("vm", tail(uri, "vsphere://vm/")), ctx));
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
             "Triage the VM '" + vm + "'. Use vm_get for its state and placement, vm_events for what happened "
             "to it recently, vm_perf for its CPU, memory, disk and network load, and host_list for the health of "
             "its host. Summarise the likely cause and propose next steps; do not change anything without asking."));
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

namespace {

// Asks the person to approve a destructive change the dry run described. True = approved;
// false = declined or cancelled; an error = no answer (unsupported, timeout, session gone).
Result<bool> askApproval(mcp::RequestContext& ctx, const std::string& operation, const std::string& would) {
  Json schema = Json::object()
                    .set("type", "object")
                    .set("properties", Json::object().set(
                                           "approve", Json::object()
                                                          .set("type", "boolean")
                                                          .set("title", "Approve")
                                                          .set("description", "Do it: this cannot be undone")))
                    .set("required", Json::array({Json("approve")}));
  auto answer = ctx.request("elicitation/create",
                            Json::object()
                                .set("message", operation + " would " + would + ". Approve this change?")
                                .set("requestedSchema", schema));
  if (!answer.ok()) return answer.status();
  const Json* action = answer->find("action");
  const Json* content = answer->find("content");
  const Json* approve = content ? content->find("approve") : nullptr;
  return action && action->asString() == "accept" && approve && approve->isBool() && approve->asBool();
}

mcp::ToolResult failure(const std::string& operation, const Status& status, const std::string& correlation) {
  std::string text = operation + " failed: " + status.message();
  if (status.code() != ErrorCode::kPermissionDenied && status.code() != ErrorCode::kRateLimited)
    text = operation + " failed: " + status.toString();
  return mcp::ToolResult::error(text + " (correlation id " + correlation + ")");
}

mcp::ToolResult callTool(const Bridge& bridge, const vsphere::Operation& op, const Json& args,
                         mcp::RequestContext& ctx) {
  const auto started = std::chrono::steady_clock::now();
  policy::CallContext call = callContext(bridge, op, args, ctx);
  if (Status admitted = bridge.policy->admit(call); !admitted.ok()) {
    bridge.metrics->record(op.name, refusalOutcome(admitted), since(started));
    return failure(op.name, admitted, call.correlation_id);
  }
  vsphere::CancelToken cancel([&ctx] { return ctx.cancelled(); });
  vsphere::OperationContext octx;
  octx.cancel = &cancel;
  octx.on_progress = [&ctx](int percent, const vsphere::TaskInfo& info) {
    ctx.progress(percent, 100, info.name.empty() ? std::string() : info.name);
  };
  const Json* confirm = args.find("confirm");
  octx.dry_run = op.safety == vsphere::Safety::kDestructive && !(confirm && confirm->asBool());
  auto finish = [&](Result<Json> result, const char* outcome, Metrics::Outcome metric) {
    bridge.policy->finished(call, result.ok() ? outcome : (ctx.cancelled() ? "cancelled" : "error"), result.status());
    bridge.metrics->record(op.name, result.ok() ? metric : Metrics::Outcome::kError, since(started));
    if (!result.ok()) return failure(op.name, result.status(), call.correlation_id);
    mcp::ToolResult r = mcp::ToolResult::text(summarize(op.name, *result));
    r.structured = std::move(result).value();
    return r;
  };
  if (octx.dry_run) {
    auto dry = op.handler(*bridge.client, args, octx);
    const bool can_ask = bridge.elicit_approval && ctx.clientCapabilities().find("elicitation");
    if (!dry.ok() || !can_ask) return finish(std::move(dry), "dry_run", Metrics::Outcome::kDryRun);
    const Json* would = dry->find("would");
    auto approved = askApproval(ctx, op.name, would ? would->asString() : std::string("change vSphere"));
    if (!approved.ok()) return finish(std::move(dry), "dry_run", Metrics::Outcome::kDryRun);
    if (!*approved) {
      Json declined = std::move(dry).value();
      declined.set("declined", true);
      return finish(std::move(declined), "declined", Metrics::Outcome::kDeclined);
    }
    octx.dry_run = false;
    call.arguments.set("approved_by", "elicitation");
  }
  if (op.safety != vsphere::Safety::kRead) bridge.policy->started(call);
  return finish(op.handler(*bridge.client, args, octx), "ok", Metrics::Outcome::kOk);
}

}  // namespace

Result<size_t> registerTools(mcp::Server& server, const Bridge& bridge, const ServerConfig& config) {
  size_t count = 0;
  for (const auto& op : vsphere::builtinOperations()) {
    if (config.read_only && op.safety != vsphere::Safety::kRead) continue;
    if (!config.allow.empty() && !matchesAny(config.allow, op.name)) continue;
    if (matchesAny(config.deny, op.name)) continue;
    mcp::Tool tool;
    tool.name = op.name;
    tool.title = op.title;
    tool.description = op.description;
    if (op.safety == vsphere::Safety::kDestructive)
      tool.description += " Destructive: without confirm: true it only describes what it would do (or asks the "
                          "user to approve, when the client supports elicitation).";
    tool.input_schema = op.input_schema;
    tool.output_schema = op.output_schema;
    tool.annotations.read_only_hint = op.safety == vsphere::Safety::kRead;
    tool.annotations.destructive_hint = op.safety == vsphere::Safety::kDestructive;
    tool.annotations.idempotent_hint = op.safety == vsphere::Safety::kRead;
    tool.annotations.open_world_hint = false;
    const vsphere::Operation* operation = &op;
    tool.handler = [operation, bridge](const Json& args, mcp::RequestContext& ctx) {
      return callTool(bridge, *operation, args, ctx);
    };
    VSMCP_RETURN_IF_ERROR(server.addTool(std::move(tool)));
    ++count;
  }
  policy::Policy* policy = bridge.policy;
  server.setToolFilter([policy](const std::string& principal, const mcp::Tool& tool) {
    const vsphere::Operation* op = vsphere::findOperation(tool.name);
    return op && policy->mayCall(principal, op->name, actionOf(op->safety));
  });
  return count;
}

}  // namespace vsmcp::apps
