#include "tool_bridge.hpp"

#include "vsphere/operations.hpp"

namespace vsmcp::apps {

namespace {

bool matchesAny(const std::vector<std::string>& globs, const std::string& name) {
  for (const auto& g : globs)
    if (vsphere::globMatch(g, name)) return true;
  return false;
}

}  // namespace

bool constantTimeEquals(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < b.size(); ++i) diff |= static_cast<unsigned char>((i < a.size() ? a[i] : 0) ^ b[i]);
  return diff == 0 && !b.empty();
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

Result<Json> runOperation(vsphere::Client& client, const char* name, const Json& args) {
  const vsphere::Operation* op = vsphere::findOperation(name);
  if (!op) return Status::Internal(std::string("no operation ") + name);
  return op->handler(client, args, vsphere::OperationContext{});
}

mcp::PromptResult userPrompt(const std::string& description, const std::string& text) {
  mcp::PromptResult r;
  r.description = description;
  r.messages.push(Json::object().set("role", "user").set(
      "content", Json::object().set("type", "text").set("text", text)));
  return r;
}

}  // namespace

Status registerResourcesAndPrompts(mcp::Server& server, vsphere::Client& client) {
  vsphere::Client* c = &client;
  VSMCP_RETURN_IF_ERROR(server.addResourceTemplate(
      {"vsphere://vm/{id}", "vm", "VM details", "A VM's details by id (vm-42), name or UUID", "application/json",
       [c](const std::string& uri, mcp::RequestContext&) {
         return jsonContent(uri, runOperation(*c, "vm_get", Json::object().set("vm", tail(uri, "vsphere://vm/"))));
       }}));
  VSMCP_RETURN_IF_ERROR(server.addResourceTemplate(
      {"vmstats://{vm_name}", "vmstats", "Live VM statistics",
       "Realtime CPU, memory, disk and network usage of a VM", "application/json",
       [c](const std::string& uri, mcp::RequestContext&) {
         return jsonContent(uri, runOperation(*c, "vm_perf",
                                              Json::object().set("vm", tail(uri, "vmstats://")).set("max_samples", 1)));
       }}));
  VSMCP_RETURN_IF_ERROR(server.addResource(
      {"vsphere://inventory/vms", "vms", "All VMs", "Every VM (first 2,000) with its summary", "application/json",
       [c](const std::string& uri, mcp::RequestContext&) {
         return jsonContent(uri, runOperation(*c, "vm_list", Json::object().set("limit", 2000)));
       }}));
  VSMCP_RETURN_IF_ERROR(server.addResource(
      {"vsphere://inventory/hosts", "hosts", "All hosts", "Every ESXi host with state and capacity",
       "application/json", [c](const std::string& uri, mcp::RequestContext&) {
         return jsonContent(uri, runOperation(*c, "host_list", Json::object().set("limit", 2000)));
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

Result<size_t> registerTools(mcp::Server& server, vsphere::Client& client, const ServerConfig& config,
                             Metrics* metrics) {
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
      tool.description += " Destructive: without confirm: true it only describes what it would do.";
    tool.input_schema = op.input_schema;
    tool.output_schema = op.output_schema;
    tool.annotations.read_only_hint = op.safety == vsphere::Safety::kRead;
    tool.annotations.destructive_hint = op.safety == vsphere::Safety::kDestructive;
    tool.annotations.idempotent_hint = op.safety == vsphere::Safety::kRead;
    tool.annotations.open_world_hint = false;
    const vsphere::Operation* operation = &op;
    tool.handler = [operation, &client, metrics](const Json& args, mcp::RequestContext& ctx) {
      const auto started = std::chrono::steady_clock::now();
      vsphere::CancelToken cancel([&ctx] { return ctx.cancelled(); });
      vsphere::OperationContext octx;
      octx.cancel = &cancel;
      octx.on_progress = [&ctx](int percent, const vsphere::TaskInfo& info) {
        ctx.progress(percent, 100, info.name.empty() ? std::string() : info.name);
      };
      const Json* confirm = args.find("confirm");
      octx.dry_run = operation->safety == vsphere::Safety::kDestructive && !(confirm && confirm->asBool());
      auto result = operation->handler(client, args, octx);
      if (metrics) {
        auto outcome = !result.ok() ? Metrics::Outcome::kError
                       : octx.dry_run ? Metrics::Outcome::kDryRun
                                      : Metrics::Outcome::kOk;
        metrics->record(operation->name, outcome,
                        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started));
      }
      if (!result.ok()) return mcp::ToolResult::error(operation->name + " failed: " + result.status().toString());
      mcp::ToolResult r = mcp::ToolResult::text(summarize(operation->name, *result));
      r.structured = std::move(result).value();
      return r;
    };
    VSMCP_RETURN_IF_ERROR(server.addTool(std::move(tool)));
    ++count;
  }
  return count;
}

}  // namespace vsmcp::apps
