// The built-in operation registry: definitions, argument decoding and JSON shapes.
#include <algorithm>

#include "vsphere/operations.hpp"

namespace vsmcp::vsphere {

std::string_view safetyName(Safety s) {
  switch (s) {
    case Safety::kRead: return "read";
    case Safety::kChange: return "change";
    case Safety::kDestructive: return "destructive";
  }
  return "unknown";
}

namespace {

Json ref(const MoRef& r) { return r.empty() ? Json() : Json(r.value); }

Json strings(const std::vector<std::string>& v) {
  Json a = Json::array();
  for (const auto& s : v) a.push(s);
  return a;
}

std::string str(const Json& args, const char* key) {
  const Json* v = args.find(key);
  return v ? v->asString() : std::string();
}

Json schema(const char* text) {
  auto j = Json::parse(text);
  return j.ok() ? *j : Json::object();
}

Json toJsonCluster(const ClusterSummary& c) {
  return Json::object()
      .set("id", c.ref.value).set("name", c.name).set("datacenter", c.datacenter)
      .set("drs_enabled", c.drs_enabled).set("drs_behavior", c.drs_behavior).set("ha_enabled", c.ha_enabled)
      .set("num_hosts", c.num_hosts).set("num_effective_hosts", c.num_effective_hosts)
      .set("total_cpu_mhz", c.total_cpu_mhz).set("total_memory_mb", c.total_memory_mb)
      .set("overall_status", c.overall_status);
}
Json toJsonDatastore(const DatastoreSummary& d) {
  return Json::object()
      .set("id", d.ref.value).set("name", d.name).set("type", d.type).set("capacity_bytes", d.capacity_bytes)
      .set("free_bytes", d.free_bytes).set("accessible", d.accessible).set("datacenter", d.datacenter)
      .set("vm_count", d.vm_count).set("maintenance_mode", d.maintenance_mode);
}
Json toJsonNetwork(const NetworkSummary& n) {
  return Json::object().set("id", n.ref.value).set("name", n.name).set("kind", n.kind)
      .set("accessible", n.accessible).set("datacenter", n.datacenter).set("vm_count", n.vm_count);
}
Json toJsonPool(const ResourcePoolSummary& p) {
  return Json::object().set("id", p.ref.value).set("name", p.name).set("path", p.path).set("owner", p.owner)
      .set("vm_count", p.vm_count);
}
Json toJsonFolder(const FolderSummary& f) {
  return Json::object().set("id", f.ref.value).set("name", f.name).set("path", f.path)
      .set("child_types", strings(f.child_types)).set("child_count", f.child_count);
}
Json toJsonDatacenter(const DatacenterSummary& d) {
  return Json::object().set("id", d.ref.value).set("name", d.name).set("path", d.path);
}
Json toJsonSnapshot(const SnapshotNode& n) {
  Json children = Json::array();
  for (const auto& c : n.children) children.push(toJsonSnapshot(c));
  return Json::object().set("id", n.ref.value).set("name", n.name).set("description", n.description)
      .set("created", n.create_time).set("power_state", n.state).set("quiesced", n.quiesced)
      .set("current", n.is_current).set("children", children);
}

// Pages a list: {"total": N, "count": n, "offset": o, "<key>": [...], "next_offset"?: o + n},
// converting only the items of the page.
template <typename T, typename F>
Json listOf(const std::vector<T>& items, const Json& args, const char* key, F conv) {
  const std::int64_t total = static_cast<std::int64_t>(items.size());
  std::int64_t offset = std::clamp<std::int64_t>(args.find("offset") ? args.find("offset")->asInt(0) : 0, 0, total);
  std::int64_t limit = std::clamp<std::int64_t>(args.find("limit") ? args.find("limit")->asInt(100) : 100, 1, 2000);
  Json arr = Json::array();
  for (std::int64_t i = offset; i < std::min(total, offset + limit); ++i) arr.push(conv(items[static_cast<size_t>(i)]));
  Json out = Json::object();
  out.set("total", total).set("count", static_cast<std::int64_t>(arr.size())).set("offset", offset).set(key, arr);
  if (offset + limit < total) out.set("next_offset", offset + limit);
  return out;
}

template <typename T>
Json page(const std::vector<T>& items, const Json& args, const char* key) {
  return listOf(items, args, key, [](const T& item) { return toJson(item); });
}

// Schemas shared by many operations.
constexpr const char* kPaging =
    R"("limit":{"type":"integer","minimum":1,"maximum":2000,"description":"Items per page, default 100"},)"
    R"("offset":{"type":"integer","minimum":0,"description":"Items to skip, default 0"})";
constexpr const char* kVmArg =
    R"("vm":{"type":"string","minLength":1,"description":"VM name, inventory path (/DC/vm/x), id (vm-42) or BIOS UUID"})";
constexpr const char* kHostArg =
    R"("host":{"type":"string","minLength":1,"description":"Host name, inventory path, id (host-12) or UUID"})";

Json listOutput(const char* key) {
  return schema((std::string(R"({"type":"object","properties":{"total":{"type":"integer"},"count":{"type":"integer"},)"
                             R"("offset":{"type":"integer"},"next_offset":{"type":"integer"},")") +
                 key + R"(":{"type":"array","items":{"type":"object"}}},"required":["total","count","offset",")" + key +
                 R"("]})")
                    .c_str());
}

Json taskOutput() {
  return schema(R"({"type":"object","properties":{"task":{"type":"object"},"dry_run":{"type":"boolean"},)"
                R"("would":{"type":"string"}},"required":[]})");
}

Result<MoRef> vmArg(Client& c, const Json& args) { return c.resolve("VirtualMachine", Locator::any(str(args, "vm"))); }
Result<MoRef> hostArg(Client& c, const Json& args) { return c.resolve("HostSystem", Locator::any(str(args, "host"))); }

TaskOptions taskOptions(const OperationContext& ctx) {
  TaskOptions o;
  o.on_progress = ctx.on_progress;
  o.cancel = ctx.cancel;
  return o;
}

Result<Json> taskResult(const Result<TaskInfo>& t) {
  if (!t.ok()) return t.status();
  return Json::object().set("task", toJson(*t));
}

// A VM operation that starts a task: resolve, run, report.
Operation vmTask(const char* name, const char* title, const char* description, Safety safety,
                 Result<TaskInfo> (Client::*method)(const MoRef&, const TaskOptions&)) {
  return {name, title, description,
          schema((std::string(R"({"type":"object","properties":{)") + kVmArg + R"(},"required":["vm"],"additionalProperties":false})").c_str()),
          taskOutput(), safety,
          [method](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
            VSMCP_ASSIGN_OR_RETURN(MoRef vm, vmArg(c, args));
            return taskResult((c.*method)(vm, taskOptions(ctx)));
          }};
}

// A VM operation that is a single request (no task): resolve, ask, report.
Operation vmCall(const char* name, const char* title, const char* description,
                 Status (Client::*method)(const MoRef&)) {
  return {name, title, description,
          schema((std::string(R"({"type":"object","properties":{)") + kVmArg + R"(},"required":["vm"],"additionalProperties":false})").c_str()),
          schema(R"({"type":"object","properties":{"requested":{"type":"boolean"}},"required":["requested"]})"),
          Safety::kChange,
          [method](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
            VSMCP_ASSIGN_OR_RETURN(MoRef vm, vmArg(c, args));
            VSMCP_RETURN_IF_ERROR((c.*method)(vm));
            return Json::object().set("requested", true);
          }};
}

std::vector<Operation> makeOperations() {
  std::vector<Operation> ops;
  ops.push_back({"vm_list", "List VMs",
                 "List virtual machines (not templates) with power state, CPUs, memory, host, cluster, IPs and "
                 "folder. Filter by name glob (web-*), power state, host, cluster or folder path. Paged: "
                 "`total` says how many matched; use `offset` for the next page.",
                 schema((std::string(R"({"type":"object","properties":{)"
                                     R"("name":{"type":"string","description":"Glob on the VM name, e.g. web-*"},)"
                                     R"("power_state":{"type":"string","enum":["poweredOn","poweredOff","suspended"]},)"
                                     R"("host":{"type":"string","description":"Host name glob"},)"
                                     R"("cluster":{"type":"string","description":"Cluster name glob"},)"
                                     R"("folder":{"type":"string","description":"Folder path prefix, e.g. /DC0/vm/prod"},)") +
                         kPaging + R"(},"additionalProperties":false})")
                            .c_str()),
                 listOutput("vms"), Safety::kRead,
                 [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                   VmFilter f;
                   f.name = str(args, "name");
                   f.host = str(args, "host");
                   f.cluster = str(args, "cluster");
                   f.folder = str(args, "folder");
                   f.is_template = false;
                   if (args.find("power_state")) f.power_state = parsePowerState(str(args, "power_state"));
                   VSMCP_ASSIGN_OR_RETURN(auto vms, c.listVms(f));
                   return page(vms, args, "vms");
                 }});
  ops.push_back({"template_list", "List templates", "List VM templates (clone sources). Filter by name glob. Paged.",
                 schema((std::string(R"({"type":"object","properties":{"name":{"type":"string"},)") + kPaging +
                         R"(},"additionalProperties":false})").c_str()),
                 listOutput("templates"), Safety::kRead,
                 [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                   VmFilter f;
                   f.name = str(args, "name");
                   f.is_template = true;
                   VSMCP_ASSIGN_OR_RETURN(auto vms, c.listVms(f));
                   return page(vms, args, "templates");
                 }});
  ops.push_back({"vm_get", "Get a VM", "Details of one VM, found by name, inventory path, id or UUID.",
                 schema((std::string(R"({"type":"object","properties":{)") + kVmArg +
                         R"(},"required":["vm"],"additionalProperties":false})").c_str()),
                 schema(R"({"type":"object","properties":{"vm":{"type":"object"}},"required":["vm"]})"), Safety::kRead,
                 [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(auto vm, c.getVm(Locator::any(str(args, "vm"))));
                   return Json::object().set("vm", toJson(vm));
                 }});
  ops.push_back({"host_list", "List hosts",
                 "List ESXi hosts with connection, power and maintenance state, CPU and memory capacity and use, "
                 "version and cluster. Filter by name or cluster glob. Paged.",
                 schema((std::string(R"({"type":"object","properties":{"name":{"type":"string"},"cluster":{"type":"string"},)") +
                         kPaging + R"(},"additionalProperties":false})").c_str()),
                 listOutput("hosts"), Safety::kRead,
                 [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                   HostFilter f;
                   f.name = str(args, "name");
                   f.cluster = str(args, "cluster");
                   VSMCP_ASSIGN_OR_RETURN(auto hosts, c.listHosts(f));
                   return page(hosts, args, "hosts");
                 }});
  auto simpleList = [&](const char* name, const char* title, const char* description, const char* key, auto method, auto conv) {
    ops.push_back({name, title, description,
                   schema((std::string(R"({"type":"object","properties":{"name":{"type":"string","description":"Name glob"},)") +
                           kPaging + R"(},"additionalProperties":false})").c_str()),
                   listOutput(key), Safety::kRead,
                   [method, conv, key](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                     NameFilter f;
                     f.name = str(args, "name");
                     VSMCP_ASSIGN_OR_RETURN(auto items, (c.*method)(f));
                     return listOf(items, args, key, conv);
                   }});
  };
  simpleList("cluster_list", "List clusters", "List clusters with DRS/HA settings, host count and capacity.", "clusters",
             &Client::listClusters, toJsonCluster);
  simpleList("datacenter_list", "List datacenters", "List datacenters with their inventory paths.", "datacenters",
             &Client::listDatacenters, toJsonDatacenter);
  simpleList("datastore_list", "List datastores",
             "List datastores with type, capacity, free space, accessibility and VM count.", "datastores",
             &Client::listDatastores, toJsonDatastore);
  simpleList("network_list", "List networks", "List networks: standard port groups and distributed port groups.",
             "networks", &Client::listNetworks, toJsonNetwork);
  simpleList("resource_pool_list", "List resource pools", "List resource pools with their paths and owners.",
             "resource_pools", &Client::listResourcePools, toJsonPool);
  simpleList("folder_list", "List folders", "List inventory folders with their paths and child types.", "folders",
             &Client::listFolders, toJsonFolder);
  ops.push_back({"vm_snapshot_list", "List snapshots", "The snapshot tree of a VM, marking the current snapshot.",
                 schema((std::string(R"({"type":"object","properties":{)") + kVmArg +
                         R"(},"required":["vm"],"additionalProperties":false})").c_str()),
                 schema(R"({"type":"object","properties":{"current":{"type":["string","null"]},"snapshots":{"type":"array"}},"required":["snapshots"]})"),
                 Safety::kRead, [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(MoRef vm, vmArg(c, args));
                   VSMCP_ASSIGN_OR_RETURN(auto tree, c.snapshots(vm));
                   Json roots = Json::array();
                   for (const auto& n : tree.roots) roots.push(toJsonSnapshot(n));
                   return Json::object().set("current", ref(tree.current)).set("snapshots", roots);
                 }});
  ops.push_back(vmTask("vm_power_on", "Power on a VM", "Power on a VM and wait until vCenter reports it on.",
                       Safety::kChange, &Client::powerOn));
  ops.push_back(vmTask("vm_power_off", "Power off a VM",
                       "Hard power-off (like pulling the plug). Prefer vm_shutdown_guest when VMware Tools run.",
                       Safety::kChange, &Client::powerOff));
  ops.push_back(vmTask("vm_reset", "Reset a VM", "Hard reset of a running VM.", Safety::kChange, &Client::reset));
  ops.push_back(vmTask("vm_suspend", "Suspend a VM", "Suspend a running VM to disk.", Safety::kChange, &Client::suspend));
  ops.push_back({"vm_snapshot_create", "Create a snapshot",
                 "Take a snapshot of a VM, optionally with memory or quiescing the guest file system.",
                 schema((std::string(R"({"type":"object","properties":{)") + kVmArg +
                         R"(,"name":{"type":"string","minLength":1,"maxLength":80},"description":{"type":"string"},)"
                         R"("memory":{"type":"boolean"},"quiesce":{"type":"boolean"}},"required":["vm","name"],"additionalProperties":false})")
                            .c_str()),
                 taskOutput(), Safety::kChange,
                 [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(MoRef vm, vmArg(c, args));
                   return taskResult(c.createSnapshot(vm, str(args, "name"), str(args, "description"),
                                                      args.find("memory") && args.find("memory")->asBool(),
                                                      args.find("quiesce") && args.find("quiesce")->asBool(),
                                                      taskOptions(ctx)));
                 }});
  ops.push_back({"vm_snapshot_revert", "Revert to a snapshot",
                 "Revert a VM to a named snapshot (or its current one when no snapshot is given). The VM's state "
                 "since then is lost, so this is destructive.",
                 schema((std::string(R"({"type":"object","properties":{)") + kVmArg +
                         R"(,"snapshot":{"type":"string","description":"Snapshot name or id; omit for the current"},)"
                         R"("confirm":{"type":"boolean","description":"Must be true to act; otherwise a dry run"}},"required":["vm"],"additionalProperties":false})")
                            .c_str()),
                 taskOutput(), Safety::kDestructive,
                 [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(MoRef vm, vmArg(c, args));
                   const std::string snap = str(args, "snapshot");
                   if (ctx.dry_run) {
                     VSMCP_ASSIGN_OR_RETURN(MoRef s, c.findSnapshot(vm, snap));
                     return Json::object().set("dry_run", true).set(
                         "would", "revert VM " + vm.value + " to snapshot " + s.value +
                                      "; changes made since that snapshot would be lost");
                   }
                   return taskResult(c.revertToSnapshot(vm, snap, taskOptions(ctx)));
                 }});
  ops.push_back({"vm_snapshot_delete", "Delete a snapshot",
                 "Delete one snapshot of a VM (its data is merged into the parent), optionally with its children.",
                 schema((std::string(R"({"type":"object","properties":{)") + kVmArg +
                         R"(,"snapshot":{"type":"string","minLength":1},"remove_children":{"type":"boolean"},)"
                         R"("confirm":{"type":"boolean","description":"Must be true to act; otherwise a dry run"}},"required":["vm","snapshot"],"additionalProperties":false})")
                            .c_str()),
                 taskOutput(), Safety::kDestructive,
                 [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(MoRef vm, vmArg(c, args));
                   const bool children = args.find("remove_children") && args.find("remove_children")->asBool();
                   if (ctx.dry_run) {
                     VSMCP_ASSIGN_OR_RETURN(MoRef s, c.findSnapshot(vm, str(args, "snapshot")));
                     return Json::object().set("dry_run", true).set(
                         "would", "delete snapshot " + s.value + " of VM " + vm.value +
                                      (children ? " and all its child snapshots" : ""));
                   }
                   return taskResult(c.removeSnapshot(vm, str(args, "snapshot"), children, taskOptions(ctx)));
                 }});
  ops.push_back({"vm_destroy", "Destroy a VM",
                 "Delete a VM and its disks from the datastore. Irreversible. The VM must be powered off.",
                 schema((std::string(R"({"type":"object","properties":{)") + kVmArg +
                         R"(,"confirm":{"type":"boolean","description":"Must be true to act; otherwise a dry run"}},"required":["vm"],"additionalProperties":false})")
                            .c_str()),
                 taskOutput(), Safety::kDestructive,
                 [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(auto vm, c.getVm(Locator::any(str(args, "vm"))));
                   if (ctx.dry_run)
                     return Json::object().set("dry_run", true).set(
                         "would", "destroy VM '" + vm.name + "' (" + vm.ref.value + ", " +
                                      std::string(powerStateName(vm.power_state)) + ") and delete its files on " +
                                      (vm.datastores.empty() ? std::string("its datastore") : vm.datastores.front()));
                   return taskResult(c.destroyVm(vm.ref, taskOptions(ctx)));
                 }});
  ops.push_back(vmCall("vm_shutdown_guest", "Shut down the guest OS",
                       "Ask the guest OS to shut down cleanly (needs VMware Tools); returns once asked.",
                       &Client::shutdownGuest));
  ops.push_back(vmCall("vm_reboot_guest", "Reboot the guest OS",
                       "Ask the guest OS to restart cleanly (needs VMware Tools); returns once asked.",
                       &Client::rebootGuest));
  ops.push_back({"vm_reconfigure", "Reconfigure a VM",
                 "Change a VM's CPU count, memory (MB, multiple of 4), annotation or name. Give at least one.",
                 schema((std::string(R"({"type":"object","properties":{)") + kVmArg +
                         R"(,"num_cpus":{"type":"integer","minimum":1,"maximum":768},)"
                         R"("memory_mb":{"type":"integer","minimum":4,"multipleOf":4},)"
                         R"("annotation":{"type":"string"},"name":{"type":"string","minLength":1,"maxLength":80}},)"
                         R"("required":["vm"],"additionalProperties":false})").c_str()),
                 taskOutput(), Safety::kChange,
                 [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(MoRef vm, vmArg(c, args));
                   ReconfigureSpec spec;
                   if (const Json* v = args.find("num_cpus")) spec.num_cpus = static_cast<int>(v->asInt());
                   if (const Json* v = args.find("memory_mb")) spec.memory_mb = v->asInt();
                   if (const Json* v = args.find("annotation")) spec.annotation = v->asString();
                   if (const Json* v = args.find("name")) spec.name = v->asString();
                   return taskResult(c.reconfigureVm(vm, spec, taskOptions(ctx)));
                 }});
  ops.push_back({"vm_clone", "Clone a VM or template",
                 "Clone a VM or template to a new VM (or template). Optional target folder, resource pool, host "
                 "and datastore; power_on starts the clone; linked_snapshot makes a linked clone from that "
                 "snapshot of the source.",
                 schema((std::string(R"({"type":"object","properties":{)") + kVmArg +
                         R"(,"name":{"type":"string","minLength":1,"maxLength":80},"folder":{"type":"string"},)"
                         R"("resource_pool":{"type":"string"},"host":{"type":"string"},"datastore":{"type":"string"},)"
                         R"("power_on":{"type":"boolean"},"as_template":{"type":"boolean"},"linked_snapshot":{"type":"string"}},)"
                         R"("required":["vm","name"],"additionalProperties":false})").c_str()),
                 taskOutput(), Safety::kChange,
                 [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(MoRef vm, vmArg(c, args));
                   CloneSpec spec;
                   spec.name = str(args, "name");
                   spec.folder = str(args, "folder");
                   spec.resource_pool = str(args, "resource_pool");
                   spec.host = str(args, "host");
                   spec.datastore = str(args, "datastore");
                   spec.linked_snapshot = str(args, "linked_snapshot");
                   spec.power_on = args.find("power_on") && args.find("power_on")->asBool();
                   spec.as_template = args.find("as_template") && args.find("as_template")->asBool();
                   return taskResult(c.cloneVm(vm, spec, taskOptions(ctx)));
                 }});
  ops.push_back({"vm_events", "Events of a VM",
                 "Recent events of a VM (power changes, reconfigurations, migrations...), newest first.",
                 schema((std::string(R"({"type":"object","properties":{)") + kVmArg +
                         R"(,"max_count":{"type":"integer","minimum":1,"maximum":1000}},"required":["vm"],"additionalProperties":false})").c_str()),
                 schema(R"({"type":"object","properties":{"events":{"type":"array"}},"required":["events"]})"),
                 Safety::kRead, [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(MoRef vm, vmArg(c, args));
                   int max = static_cast<int>(args.find("max_count") ? args.find("max_count")->asInt(50) : 50);
                   VSMCP_ASSIGN_OR_RETURN(auto events, c.events(vm, max));
                   Json arr = Json::array();
                   for (const auto& e : events)
                     arr.push(Json::object().set("type", e.type).set("time", e.created_time).set("user", e.user_name)
                                  .set("message", e.message));
                   return Json::object().set("events", arr);
                 }});
  ops.push_back({"tasks_recent", "Recent tasks", "Recent vCenter tasks with their state, progress and errors.",
                 schema(R"({"type":"object","properties":{},"additionalProperties":false})"),
                 schema(R"({"type":"object","properties":{"tasks":{"type":"array"}},"required":["tasks"]})"),
                 Safety::kRead, [](Client& c, const Json&, const OperationContext&) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(auto tasks, c.recentTasks());
                   Json arr = Json::array();
                   for (const auto& t : tasks) arr.push(toJson(t));
                   return Json::object().set("tasks", arr);
                 }});
  auto perf = [](const char* type, const char* key) {
    return [type, key](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
      VSMCP_ASSIGN_OR_RETURN(MoRef ref, c.resolve(type, Locator::any(str(args, key))));
      PerfQuery q;
      for (const auto& n : args.find("counters") ? args.find("counters")->items() : Json::Array{})
        q.counters.push_back(n.asString());
      if (const Json* i = args.find("interval_seconds")) q.interval_seconds = static_cast<int>(i->asInt());
      if (const Json* m = args.find("max_samples")) q.max_samples = static_cast<int>(m->asInt());
      VSMCP_ASSIGN_OR_RETURN(auto series, c.queryPerf(ref, q));
      Json arr = Json::array();
      for (const auto& s : series) {
        Json values = Json::array();
        for (auto v : s.values) values.push(v);
        arr.push(Json::object().set("counter", s.counter).set("unit", s.unit).set("instance", s.instance)
                     .set("timestamps", strings(s.timestamps)).set("values", values));
      }
      return Json::object().set("series", arr);
    };
  };
  const std::string perf_props = R"("counters":{"type":"array","items":{"type":"string"},"description":"e.g. cpu.usage.average; default cpu/mem/disk/net usage"},)"
                                 R"("interval_seconds":{"type":"integer","minimum":20,"description":"20 = realtime; 300, 1800, 7200, 86400 = historical"},)"
                                 R"("max_samples":{"type":"integer","minimum":1,"maximum":10000})";
  const Json perf_out = schema(R"({"type":"object","properties":{"series":{"type":"array"}},"required":["series"]})");
  ops.push_back({"vm_perf", "VM performance", "Performance samples of a VM, counters resolved by name.",
                 schema((std::string(R"({"type":"object","properties":{)") + kVmArg + "," + perf_props +
                         R"(},"required":["vm"],"additionalProperties":false})").c_str()),
                 perf_out, Safety::kRead, perf("VirtualMachine", "vm")});
  ops.push_back({"host_perf", "Host performance", "Performance samples of a host, counters resolved by name.",
                 schema((std::string(R"({"type":"object","properties":{)") + kHostArg + "," + perf_props +
                         R"(},"required":["host"],"additionalProperties":false})").c_str()),
                 perf_out, Safety::kRead, perf("HostSystem", "host")});
  auto maintenance = [](bool enter) {
    return [enter](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
      VSMCP_ASSIGN_OR_RETURN(MoRef host, hostArg(c, args));
      int timeout = static_cast<int>(args.find("timeout_seconds") ? args.find("timeout_seconds")->asInt(0) : 0);
      return taskResult(enter ? c.enterMaintenanceMode(host, timeout, taskOptions(ctx))
                              : c.exitMaintenanceMode(host, timeout, taskOptions(ctx)));
    };
  };
  const std::string host_schema = std::string(R"({"type":"object","properties":{)") + kHostArg +
                                  R"(,"timeout_seconds":{"type":"integer","minimum":0}},"required":["host"],"additionalProperties":false})";
  ops.push_back({"host_enter_maintenance", "Enter maintenance mode",
                 "Put the named host into maintenance mode (its VMs must be moved or powered off first).",
                 schema(host_schema.c_str()), taskOutput(), Safety::kChange, maintenance(true)});
  ops.push_back({"host_exit_maintenance", "Exit maintenance mode", "Take the named host out of maintenance mode.",
                 schema(host_schema.c_str()), taskOutput(), Safety::kChange, maintenance(false)});
  return ops;
}

}  // namespace

Json toJson(const VmSummary& vm) {
  Json ips = strings(vm.ip_addresses);
  return Json::object()
      .set("id", vm.ref.value).set("name", vm.name).set("power_state", powerStateName(vm.power_state))
      .set("guest_id", vm.guest_id).set("guest_full_name", vm.guest_full_name).set("num_cpu", vm.num_cpu)
      .set("memory_mb", vm.memory_mb).set("host", vm.host_name).set("cluster", vm.cluster)
      .set("datastores", strings(vm.datastores)).set("ip_address", vm.ip_address).set("ip_addresses", ips)
      .set("tools_status", vm.tools_status).set("uuid", vm.uuid).set("instance_uuid", vm.instance_uuid)
      .set("folder", vm.folder_path).set("template", vm.is_template).set("annotation", vm.annotation)
      .set("overall_status", vm.overall_status);
}

Json toJson(const HostSummary& h) {
  return Json::object()
      .set("id", h.ref.value).set("name", h.name).set("connection_state", h.connection_state)
      .set("power_state", h.power_state).set("in_maintenance_mode", h.in_maintenance_mode)
      .set("cluster", h.cluster).set("datacenter", h.datacenter).set("cpu_cores", h.cpu_cores)
      .set("cpu_mhz_total", h.cpu_mhz_total).set("cpu_mhz_used", h.cpu_mhz_used)
      .set("memory_mb_total", h.memory_mb_total).set("memory_mb_used", h.memory_mb_used)
      .set("version", h.version).set("build", h.build).set("vm_count", h.vm_count)
      .set("overall_status", h.overall_status);
}

Json toJson(const TaskInfo& t) {
  Json j = Json::object();
  j.set("id", t.ref.value).set("name", t.name).set("state", t.state).set("progress", t.progress);
  if (!t.entity.empty()) j.set("entity", t.entity.value);
  if (!t.result.empty()) j.set("result", t.result.value);
  if (!t.error.empty()) j.set("error", t.error);
  return j;
}

const std::vector<Operation>& builtinOperations() {
  static const std::vector<Operation> kOps = makeOperations();
  return kOps;
}

const Operation* findOperation(std::string_view name) {
  for (const auto& op : builtinOperations())
    if (op.name == name) return &op;
  return nullptr;
}

}  // namespace vsmcp::vsphere
