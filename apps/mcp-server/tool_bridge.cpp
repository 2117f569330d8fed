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

Result<size_t> registerTools(mcp::Server& server, vsphere::Client& client, const ServerConfig& config) {
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
    tool.handler = [operation, &client](const Json& args, mcp::RequestContext& ctx) {
      vsphere::CancelToken cancel([&ctx] { return ctx.cancelled(); });
      vsphere::OperationContext octx;
      octx.cancel = &cancel;
      octx.on_progress = [&ctx](int percent, const vsphere::TaskInfo& info) {
        ctx.progress(percent, 100, info.name.empty() ? std::string() : info.name);
      };
      const Json* confirm = args.find("confirm");
      octx.dry_run = operation->safety == vsphere::Safety::kDestructive && !(confirm && confirm->asBool());
      auto result = operation->handler(client, args, octx);
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
