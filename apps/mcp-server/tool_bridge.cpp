#include "tool_bridge.hpp"

#include <chrono>
#include <cstdio>
#include <map>

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

namespace {

// A number with one decimal ("11.0").
std::string oneDecimal(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// At most `max` characters of `text`, with "..." when cut.
std::string clip(const std::string& text, size_t max) {
  return text.size() <= max ? text : text.substr(0, max) + "...";
}

// An ISO time to the second ("2026-11-23T06:45:41.125870471Z" -> "2026-11-23T06:45:41Z").
std::string toSecond(const std::string& time) {
  const size_t dot = time.find('.');
  if (dot == std::string::npos) return time;
  const size_t end = time.find_first_not_of("0123456789", dot + 1);
  return time.substr(0, dot) + (end == std::string::npos ? std::string() : time.substr(end));
}

// A perf counter unit as people write it.
std::string unitText(const std::string& unit) {
  static const std::map<std::string, std::string> kUnits = {
      {"kiloBytesPerSecond", "KB/s"}, {"kiloBitsPerSecond", "kbit/s"}, {"megaBytesPerSecond", "MB/s"},
      {"megaHertz", "MHz"}, {"kiloBytes", "KB"}, {"megaBytes", "MB"}, {"millisecond", "ms"},
      {"microsecond", "us"}, {"second", "s"}, {"watt", "W"}, {"number", ""}};
  auto it = kUnits.find(unit);
  return it == kUnits.end() ? unit : it->second;
}

const std::string& stringOf(const Json& obj, const char* key) {
  static const std::string kEmpty;
  const Json* v = obj.find(key);
  return v ? v->asString() : kEmpty;
}

// Snapshot names of a tree, depth first, with the current one marked.
void snapshotNames(const Json& nodes, std::string& out, size_t& count) {
  for (const auto& n : nodes.items()) {
    ++count;
    if (count <= 10) {
      out += (out.empty() ? "" : ", ") + stringOf(n, "name");
      if (const Json* cur = n.find("current"); cur && cur->asBool()) out += " (current)";
    }
    if (const Json* children = n.find("children")) snapshotNames(*children, out, count);
  }
}

}  // namespace

std::string summarize(const std::string& operation, const Json& r) {
  if (const Json* dry = r.find("dry_run"); dry && dry->asBool())
    return "DRY RUN, nothing changed: would " + r.find("would")->asString() +
           ". Call again with confirm: true to do it.";
  if (const Json* dep = r.find("deployment"); dep && dep->isObject() && dep->find("status")) {
    std::string vms;
    for (const auto& v : dep->find("vms") ? dep->find("vms")->items() : Json::Array{})
      vms += (vms.empty() ? "" : ", ") + v.asString();
    return "deployment " + stringOf(*dep, "id") + " '" + stringOf(*dep, "name") + "' is " + stringOf(*dep, "status") +
           (vms.empty() ? ", no VMs" : ", VMs: " + vms);
  }
  if (const Json* attached = r.find("attached"); attached && attached->isBool() && r.find("tag") && r.find("object"))
    return "tag '" + stringOf(*r.find("tag"), "name") + "' " + (attached->asBool() ? "attached to " : "detached from ") +
           stringOf(*r.find("object"), "type") + " " + stringOf(*r.find("object"), "id");
  if (const Json* tags = r.find("tags"); tags && tags->isArray() && r.find("object")) {
    std::string names;
    for (const auto& t : tags->items()) names += (names.empty() ? "" : ", ") + stringOf(t, "name");
    return stringOf(*r.find("object"), "type") + " " + stringOf(*r.find("object"), "id") + " has " +
           std::to_string(tags->size()) + " tags" + (names.empty() ? "" : ": " + names);
  }
  if (const Json* objects = r.find("objects"); objects && objects->isArray() && r.find("tag")) {
    std::string ids;
    for (const auto& o : objects->items()) ids += (ids.empty() ? "" : ", ") + stringOf(o, "id");
    return "tag '" + stringOf(*r.find("tag"), "name") + "' is on " + std::to_string(objects->size()) + " objects" +
           (ids.empty() ? "" : ": " + clip(ids, 200));
  }
  if (const Json* deleted = r.find("deleted"); deleted && deleted->isString())
    return operation + ": deleted " + deleted->asString();
  if (const Json* form = r.find("schema"); form && form->isObject() && r.size() == 1) {
    std::string names;
    for (const auto& [k, v] : form->find("properties") ? form->find("properties")->members() : Json::Object{})
      names += (names.empty() ? "" : ", ") + k;
    return "request form: " + names + " (required: name)";
  }
  if (r.find("by_item") && r.find("unsynced"))
    return std::to_string(r.find("by_deployment")->size()) + " deployments of " + std::to_string(r.find("by_item")->size()) +
           " catalog items in " + std::to_string(r.find("by_project")->size()) + " projects; " +
           std::to_string(r.find("unsynced")->size()) + " unsynced";
  if (const Json* task = r.find("task"))
    return operation + ": task " + task->find("id")->asString() + " " + task->find("state")->asString() +
           (task->find("result") ? " (result " + task->find("result")->asString() + ")" : "");
  if (const Json* vm = r.find("vm"); vm && vm->isObject())
    return "VM " + vm->find("name")->asString() + " (" + vm->find("id")->asString() + "): " +
           vm->find("power_state")->asString() + ", " + std::to_string(vm->find("num_cpu")->asInt()) + " CPU, " +
           std::to_string(vm->find("memory_mb")->asInt()) + " MB, host " + vm->find("host")->asString();
  if (const Json* t = r.find("template"); t && t->isObject() && t->find("num_cpu"))
    return "Template " + stringOf(*t, "name") + " (" + stringOf(*t, "id") + "): " +
           std::to_string(t->find("num_cpu")->asInt()) + " CPU, " + std::to_string(t->find("memory_mb")->asInt()) +
           " MB, guest " + stringOf(*t, "guest_id") + ", host " + stringOf(*t, "host");
  if (const Json* vms = r.find("vms"); vms && vms->isObject() && r.find("cpu")) {
    auto pct = [&](const char* key) {
      const Json* o = r.find(key);
      return oneDecimal(o && o->find("used_percent") ? o->find("used_percent")->asDouble() : 0.0) + "%";
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
    // A get: "<kind> <name> (<id>): key=value, ..." with the scalar fields that have a value.
    const auto& [kind, obj] = r.members().front();
    std::string text = kind + " " + obj.find("name")->asString();
    if (const Json* id = obj.find("id")) text += " (" + id->asString() + ")";
    std::string fields;
    for (const auto& [k, v] : obj.members()) {
      if (k == "name" || k == "id" || v.isArray() || v.isObject() || v.isNull()) continue;
      if (v.isString() && v.asString().empty()) continue;
      fields += (fields.empty() ? ": " : ", ") + k + "=" + (v.isString() ? v.asString() : v.dump());
    }
    return text + fields;
  }
  if (const Json* requested = r.find("requested"); requested && requested->asBool())
    return operation + ": requested; the guest acts on it on its own time";
  if (const Json* snapshots = r.find("snapshots"); snapshots && snapshots->isArray() && r.find("current")) {
    std::string names;
    size_t count = 0;
    snapshotNames(*snapshots, names, count);
    if (count == 0) return "no snapshots";
    return std::to_string(count) + (count == 1 ? " snapshot: " : " snapshots: ") + names + (count > 10 ? ", ..." : "");
  }
  if (const Json* tasks = r.find("tasks"); tasks && tasks->isArray() && r.size() == 1) {
    // "N recent tasks: 1 running, 1 error, 15 success; <name> on <entity> failed: <error>"
    std::map<std::string, size_t> by_state;
    std::string notable;
    size_t shown = 0;
    for (const auto& t : tasks->items()) {
      const std::string& state = stringOf(t, "state");
      ++by_state[state];
      if (state != "error" && state != "running" && state != "queued") continue;
      if (++shown > 2) continue;  // name the first two that failed or are not done
      notable += "; " + stringOf(t, "name") + " on " + stringOf(t, "entity") + " " +
                 (state == "error" ? "failed" : state) + (t.find("error") ? ": " + clip(stringOf(t, "error"), 60) : "");
    }
    if (shown > 2) notable += "; ...";
    std::string counts;
    for (const char* state : {"running", "queued", "error", "success"}) {
      auto it = by_state.find(state);
      if (it == by_state.end()) continue;
      counts += (counts.empty() ? ": " : ", ") + std::to_string(it->second) + " " + state;
    }
    return std::to_string(tasks->size()) + " recent tasks" + counts + notable;
  }
  if (const Json* events = r.find("events"); events && events->isArray() && r.size() == 1) {
    // "N events, newest first: <type> (<message>) at <time>, ..."
    std::string text = std::to_string(events->size()) + (events->size() == 1 ? " event" : " events");
    size_t shown = 0;
    for (const auto& e : events->items()) {
      if (shown == 3) {
        text += ", ...";
        break;
      }
      text += (shown++ ? ", " : ", newest first: ") + stringOf(e, "type");
      if (!stringOf(e, "message").empty()) text += " (" + clip(stringOf(e, "message"), 80) + ")";
      text += " at " + toSecond(stringOf(e, "time"));
    }
    return text;
  }
  if (const Json* series = r.find("series"); series && series->isArray() && r.size() == 1) {
    // "4 series: cpu.usage.average 13.15% (latest of 15 samples), ..."; vSphere gives percent
    // counters in hundredths.
    if (series->size() == 0) return "no samples for these counters at this interval";
    std::string text = std::to_string(series->size()) + " series:";
    size_t shown = 0;
    for (const auto& s : series->items()) {
      if (shown == 6) {
        text += ", ...";
        break;
      }
      const Json* values = s.find("values");
      const size_t n = values ? values->size() : 0;
      std::string name = stringOf(s, "counter");
      if (!stringOf(s, "instance").empty()) name += "[" + stringOf(s, "instance") + "]";
      std::string latest = "no samples";
      if (n > 0) {
        // The newest sample: vCenter lists them oldest first, the simulator newest first.
        const Json* stamps = s.find("timestamps");
        size_t newest = n - 1;
        if (stamps && stamps->size() == n)
          for (size_t i = 0; i < n; ++i)
            if (toSecond(stamps->items()[i].asString()) > toSecond(stamps->items()[newest].asString())) newest = i;
        const double v = values->items()[newest].asDouble();
        const std::string& unit = stringOf(s, "unit");
        char buf[48];
        if (unit == "percent") std::snprintf(buf, sizeof buf, "%.2f%%", v / 100.0);
        else std::snprintf(buf, sizeof buf, "%.0f%s%s", v, unitText(unit).empty() ? "" : " ", unitText(unit).c_str());
        latest = std::string(buf) + " (latest of " + std::to_string(n) + (n == 1 ? " sample)" : " samples)");
      }
      text += (shown++ ? ", " : " ") + name + " " + latest;
    }
    return text;
  }
  if (const Json* total = r.find("total")) {
    for (const auto& [key, value] : r.members()) {
      if (!value.isArray()) continue;
      // Items by name; by path where two on the page share a name (resource pools "Resources").
      std::map<std::string, int> seen;
      for (const auto& item : value.items()) ++seen[stringOf(item, "name")];
      std::string names;
      size_t shown = 0;
      for (const auto& item : value.items()) {
        if (shown == 10) break;
        std::string label = item.find("name") ? stringOf(item, "name") : item.dump();
        if (seen[label] > 1 && !stringOf(item, "path").empty()) label = stringOf(item, "path");
        if (const Json* used = item.find("used_percent")) label += " (" + oneDecimal(used->asDouble()) + "% used)";
        if (const Json* m = item.find("in_maintenance_mode"); m && m->asBool()) label += " (maintenance)";
        names += (shown++ ? ", " : "") + label;
      }
      std::string text = std::to_string(value.size()) + " of " + std::to_string(total->asInt()) + " " + key;
      if (!names.empty()) text += ": " + names + (value.size() > shown ? ", ..." : "");
      if (const Json* next = r.find("next_offset")) text += " (more: offset " + std::to_string(next->asInt()) + ")";
      if (const Json* used = r.find("total_used_percent"))
        text += "; " + oneDecimal(used->asDouble()) + "% used over all that match";
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
  bridge.policy->finished(call, auditOutcome(result.status(), "ok"), result.status());
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

}  // namespace

const char* auditOutcome(const Status& status, const char* success) {
  if (status.ok()) return success;
  return status.code() == ErrorCode::kCancelled ? "cancelled" : "error";
}

namespace {

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
    // What the operation returned, whatever happened to the request meanwhile: a call that a
    // shutdown (or the client) cancelled but that completed is "ok", one that failed on its
    // own is "error"; "cancelled" only when the cancellation stopped it.
    bridge.policy->finished(call, auditOutcome(result.status(), outcome), result.status());
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

Result<size_t> registerTools(mcp::Server& server, const Bridge& bridge, const ToolSelection& config) {
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
