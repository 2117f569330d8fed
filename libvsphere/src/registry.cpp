// The built-in operation registry: definitions, argument decoding and JSON shapes.
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include "registry_util.hpp"
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

using namespace registry;



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



template <typename T>
Json page(const std::vector<T>& items, const Json& args, const OperationContext& ctx, const char* key) {
  return listOf(items, args, ctx, key, [](const T& item) { return toJson(item); });
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



// "<kind>_get": one object found by name, inventory path or id, returned as {key: item} in the
// shape its listing uses.
template <typename Get, typename Conv>
Operation getOp(const char* name, const char* title, const char* description, const char* key,
                const char* arg_description, const char* list_op, Get get, Conv conv) {
  const std::string k(key);
  return {name, title, description,
          inputSchema("\"" + k + R"(":{"type":"string","minLength":1,"description":")" + arg_description + "\"}", {k}),
          objectOutput(k), Safety::kRead,
          [get, conv, k, list_op](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
            auto item = get(c, Locator::any(str(args, k.c_str())));
            if (!item.ok()) return lookupError(item.status(), list_op);
            return Json::object().set(k, conv(*item));
          }};
}

// A template found by any locator; a VM that is not a template is not found.
Result<VmSummary> getTemplate(Client& c, const Locator& locator) {
  VSMCP_ASSIGN_OR_RETURN(VmSummary vm, c.getVm(locator));
  if (!vm.is_template)
    return Status::Error(ErrorCode::kNotFound,
                         "'" + locator.value + "' is a virtual machine (" + vm.ref.value +
                             "), not a template; vm_mark_template turns a VM into one",
                         ErrorDetails{"", 0, vm.ref.value});
  return vm;
}

int countSnapshots(const std::vector<SnapshotNode>& nodes) {
  int n = 0;
  for (const auto& s : nodes) n += 1 + countSnapshots(s.children);
  return n;
}

// The result of turning a VM into a template or back.
Json templateState(const MoRef& vm, bool is_template) {
  return Json::object().set("vm", vm.value).set("template", is_template);
}
Json templateStateOutput() {
  return schema(R"({"type":"object","properties":{"vm":{"type":"string","description":"id of the VM or template"},)"
                R"("template":{"type":"boolean"}},"required":["vm","template"]})");
}

// datastore_usage: fullness of each datastore, fullest first, with totals.
Result<Json> datastoreUsage(Client& c, const Json& args, const OperationContext& ctx) {
  NameFilter f;
  f.name = str(args, "name");
  VSMCP_ASSIGN_OR_RETURN(auto all, c.listDatastores(f));
  const double min_used = args.find("min_used_percent") ? args.find("min_used_percent")->asDouble(0) : 0;
  struct Usage {
    const DatastoreSummary* ds;
    std::int64_t used_bytes;
    double used_percent;
  };
  std::vector<Usage> rows;
  std::int64_t capacity = 0, free = 0;
  for (const auto& d : all) {
    const std::int64_t used = std::max<std::int64_t>(0, d.capacity_bytes - d.free_bytes);
    const double p = percent(used, d.capacity_bytes);
    if (p < min_used) continue;
    rows.push_back({&d, used, p});
    capacity += d.capacity_bytes;
    free += d.free_bytes;
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Usage& a, const Usage& b) { return a.used_percent > b.used_percent; });
  Json out = listOf(rows, args, ctx, "datastores", [](const Usage& u) {
    const DatastoreSummary& d = *u.ds;
    return Json::object()
        .set("id", d.ref.value).set("name", d.name).set("type", d.type).set("capacity_bytes", d.capacity_bytes)
        .set("free_bytes", d.free_bytes).set("used_bytes", u.used_bytes).set("used_percent", u.used_percent)
        .set("vm_count", d.vm_count).set("accessible", d.accessible);
  });
  out.set("total_capacity_bytes", capacity).set("total_free_bytes", free)
      .set("total_used_percent", percent(std::max<std::int64_t>(0, capacity - free), capacity));
  return out;
}

// inventory_summary: counts and capacity of the whole inventory, and per cluster.
Result<Json> inventorySummary(Client& c) {
  VSMCP_ASSIGN_OR_RETURN(auto datacenters, c.listDatacenters());
  VSMCP_ASSIGN_OR_RETURN(auto clusters, c.listClusters());
  VSMCP_ASSIGN_OR_RETURN(auto hosts, c.listHosts());
  VSMCP_ASSIGN_OR_RETURN(auto vms, c.listVms({}, VmDetail::kState));
  VSMCP_ASSIGN_OR_RETURN(auto datastores, c.listDatastores());
  struct Row {
    int hosts = 0, vms = 0;
    std::int64_t cpu_total = 0, cpu_used = 0, memory_total = 0, memory_used = 0;
  };
  std::vector<Row> rows(clusters.size());
  std::map<std::string, size_t> cluster_row;  // cluster id -> row
  for (size_t i = 0; i < clusters.size(); ++i) cluster_row[clusters[i].ref.value] = i;
  std::map<std::string, size_t> host_row;  // host id -> row of its cluster
  std::int64_t connected = 0, maintenance = 0, cpu_total = 0, cpu_used = 0, memory_total = 0, memory_used = 0;
  for (const auto& h : hosts) {
    connected += h.connection_state == "connected";
    maintenance += h.in_maintenance_mode;
    cpu_total += h.cpu_mhz_total;
    cpu_used += h.cpu_mhz_used;
    memory_total += h.memory_mb_total;
    memory_used += h.memory_mb_used;
    auto it = cluster_row.find(h.compute_resource.value);
    if (it == cluster_row.end()) continue;  // a standalone host
    host_row[h.ref.value] = it->second;
    Row& r = rows[it->second];
    ++r.hosts;
    r.cpu_total += h.cpu_mhz_total;
    r.cpu_used += h.cpu_mhz_used;
    r.memory_total += h.memory_mb_total;
    r.memory_used += h.memory_mb_used;
  }
  std::int64_t templates = 0, on = 0, off = 0, suspended = 0;
  for (const auto& vm : vms) {
    if (vm.is_template) {
      ++templates;
      continue;
    }
    on += vm.power_state == PowerState::kPoweredOn;
    off += vm.power_state == PowerState::kPoweredOff;
    suspended += vm.power_state == PowerState::kSuspended;
    auto it = host_row.find(vm.host.value);
    if (it != host_row.end()) ++rows[it->second].vms;
  }
  std::int64_t capacity = 0, free = 0;
  for (const auto& d : datastores) {
    capacity += d.capacity_bytes;
    free += d.free_bytes;
  }
  Json by_cluster = Json::array();
  for (size_t i = 0; i < clusters.size(); ++i) {
    const Row& r = rows[i];
    by_cluster.push(Json::object()
                        .set("id", clusters[i].ref.value).set("name", clusters[i].name)
                        .set("datacenter", clusters[i].datacenter).set("hosts", r.hosts).set("vms", r.vms)
                        .set("cpu_used_percent", percent(r.cpu_used, r.cpu_total))
                        .set("memory_used_percent", percent(r.memory_used, r.memory_total)));
  }
  const auto vm_total = static_cast<std::int64_t>(vms.size()) - templates;
  return Json::object()
      .set("datacenters", static_cast<std::int64_t>(datacenters.size()))
      .set("clusters", static_cast<std::int64_t>(clusters.size()))
      .set("hosts", Json::object().set("total", static_cast<std::int64_t>(hosts.size()))
                        .set("connected", connected).set("in_maintenance", maintenance))
      .set("vms", Json::object().set("total", vm_total).set("powered_on", on).set("powered_off", off)
                      .set("suspended", suspended))
      .set("templates", templates)
      .set("cpu", Json::object().set("total_mhz", cpu_total).set("used_mhz", cpu_used)
                      .set("used_percent", percent(cpu_used, cpu_total)))
      .set("memory", Json::object().set("total_mb", memory_total).set("used_mb", memory_used)
                         .set("used_percent", percent(memory_used, memory_total)))
      .set("storage", Json::object().set("capacity_bytes", capacity).set("free_bytes", free)
                          .set("used_percent", percent(std::max<std::int64_t>(0, capacity - free), capacity)))
      .set("by_cluster", by_cluster);
}

}  // namespace

// registry_catalog.cpp: tags, catalog, deployments.
void appendCatalogOperations(std::vector<Operation>& ops);

namespace {

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
                 [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                   VmFilter f;
                   f.name = str(args, "name");
                   f.host = str(args, "host");
                   f.cluster = str(args, "cluster");
                   f.folder = str(args, "folder");
                   f.is_template = false;
                   if (args.find("power_state")) f.power_state = parsePowerState(str(args, "power_state"));
                   VSMCP_ASSIGN_OR_RETURN(auto vms, c.listVms(f));
                   return page(vms, args, ctx, "vms");
                 }});
  ops.push_back({"vm_get", "Get a VM", "Details of one VM, found by name, inventory path, id or UUID.",
                 schema((std::string(R"({"type":"object","properties":{)") + kVmArg +
                         R"(},"required":["vm"],"additionalProperties":false})").c_str()),
                 schema(R"({"type":"object","properties":{"vm":{"type":"object"}},"required":["vm"]})"), Safety::kRead,
                 [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                   auto vm = c.getVm(Locator::any(str(args, "vm")));
                   if (!vm.ok()) return lookupError(vm.status(), "vm_list");
                   return Json::object().set("vm", toJson(*vm));
                 }});
  ops.push_back({"template_list", "List templates", "List VM templates (clone sources). Filter by name glob. Paged.",
                 schema((std::string(R"({"type":"object","properties":{"name":{"type":"string"},)") + kPaging +
                         R"(},"additionalProperties":false})").c_str()),
                 listOutput("templates"), Safety::kRead,
                 [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                   VmFilter f;
                   f.name = str(args, "name");
                   f.is_template = true;
                   VSMCP_ASSIGN_OR_RETURN(auto vms, c.listVms(f));
                   return page(vms, args, ctx, "templates");
                 }});
  ops.push_back(getOp("template_get", "Get a template",
                      "Details of one VM template (guest OS, CPUs, memory, datastores, folder), found by name, "
                      "inventory path, id or UUID. A VM that is not a template is reported as not found.",
                      "template", "Template name, inventory path (/DC/vm/x), id (vm-42) or BIOS UUID",
                      "template_list", getTemplate, [](const VmSummary& vm) { return toJson(vm); }));
  ops.push_back({"host_list", "List hosts",
                 "List ESXi hosts with connection, power and maintenance state, CPU and memory capacity and use, "
                 "version and cluster. Filter by name or cluster glob. Paged.",
                 schema((std::string(R"({"type":"object","properties":{"name":{"type":"string"},"cluster":{"type":"string"},)") +
                         kPaging + R"(},"additionalProperties":false})").c_str()),
                 listOutput("hosts"), Safety::kRead,
                 [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                   HostFilter f;
                   f.name = str(args, "name");
                   f.cluster = str(args, "cluster");
                   VSMCP_ASSIGN_OR_RETURN(auto hosts, c.listHosts(f));
                   return page(hosts, args, ctx, "hosts");
                 }});
  ops.push_back(getOp("host_get", "Get a host",
                      "Details of one ESXi host (connection, power and maintenance state, CPU and memory "
                      "capacity and use, version, cluster, VM count), found by name, inventory path, id or UUID.",
                      "host", "Host name, inventory path, id (host-12) or UUID", "host_list",
                      std::mem_fn(&Client::getHost), [](const HostSummary& h) { return toJson(h); }));
  auto simpleList = [&](const char* name, const char* title, const char* description, const char* key, auto method, auto conv) {
    ops.push_back({name, title, description,
                   schema((std::string(R"({"type":"object","properties":{"name":{"type":"string","description":"Name glob"},)") +
                           kPaging + R"(},"additionalProperties":false})").c_str()),
                   listOutput(key), Safety::kRead,
                   [method, conv, key](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                     NameFilter f;
                     f.name = str(args, "name");
                     VSMCP_ASSIGN_OR_RETURN(auto items, (c.*method)(f));
                     return listOf(items, args, ctx, key, conv);
                   }});
  };
  simpleList("cluster_list", "List clusters", "List clusters with DRS/HA settings, host count and capacity.", "clusters",
             &Client::listClusters, toJsonCluster);
  ops.push_back(getOp("cluster_get", "Get a cluster",
                      "Details of one cluster (DRS/HA settings, host count, CPU and memory capacity), found by "
                      "name, inventory path or id.",
                      "cluster", "Cluster name, inventory path (/DC/host/cluster) or id (domain-c7)", "cluster_list",
                      std::mem_fn(&Client::getCluster), toJsonCluster));
  simpleList("datacenter_list", "List datacenters", "List datacenters with their inventory paths.", "datacenters",
             &Client::listDatacenters, toJsonDatacenter);
  ops.push_back(getOp("datacenter_get", "Get a datacenter",
                      "One datacenter and its inventory path, found by name, inventory path or id.", "datacenter",
                      "Datacenter name, inventory path (/DC) or id (datacenter-2)", "datacenter_list",
                      std::mem_fn(&Client::getDatacenter), toJsonDatacenter));
  simpleList("datastore_list", "List datastores",
             "List datastores with type, capacity, free space, accessibility and VM count.", "datastores",
             &Client::listDatastores, toJsonDatastore);
  ops.push_back(getOp("datastore_get", "Get a datastore",
                      "Details of one datastore (type, capacity, free space, accessibility, VM count), found by "
                      "name, inventory path or id.",
                      "datastore", "Datastore name, inventory path (/DC/datastore/x) or id (datastore-11)",
                      "datastore_list", std::mem_fn(&Client::getDatastore), toJsonDatastore));
  ops.push_back({"datastore_usage", "Datastore usage",
                 "How full the datastores are: capacity, free and used bytes and used percent of each, fullest "
                 "first, plus totals over all that match. Use it to find datastores running out of space "
                 "(min_used_percent: 80) or to pick one with room. Filter by name glob. Paged.",
                 inputSchema(std::string(R"("name":{"type":"string","description":"Name glob"},)"
                                         R"("min_used_percent":{"type":"number","minimum":0,"maximum":100,)"
                                         R"("description":"Only datastores at least this full, e.g. 80"},)") +
                             kPaging),
                 listOutput("datastores",
                            R"("total_capacity_bytes":{"type":"integer"},"total_free_bytes":{"type":"integer"},)"
                            R"("total_used_percent":{"type":"number"})",
                            {"total_capacity_bytes", "total_free_bytes", "total_used_percent"}),
                 Safety::kRead, [](Client& c, const Json& args, const OperationContext& ctx) {
                   return datastoreUsage(c, args, ctx);
                 }});
  simpleList("network_list", "List networks", "List networks: standard port groups and distributed port groups.",
             "networks", &Client::listNetworks, toJsonNetwork);
  ops.push_back(getOp("network_get", "Get a network",
                      "One network (standard or distributed port group) with its VM count, found by name, "
                      "inventory path or id.",
                      "network", "Network name, inventory path (/DC/network/x) or id (network-7, dvportgroup-9)",
                      "network_list", std::mem_fn(&Client::getNetwork), toJsonNetwork));
  simpleList("resource_pool_list", "List resource pools", "List resource pools with their paths and owners.",
             "resource_pools", &Client::listResourcePools, toJsonPool);
  ops.push_back(getOp("resource_pool_get", "Get a resource pool",
                      "One resource pool with its path, owner (cluster or host) and VM count, found by name, "
                      "inventory path or id.",
                      "resource_pool", "Resource pool name, inventory path (/DC/host/cluster/Resources/x) or id (resgroup-9)",
                      "resource_pool_list", std::mem_fn(&Client::getResourcePool), toJsonPool));
  simpleList("folder_list", "List folders", "List inventory folders with their paths and child types.", "folders",
             &Client::listFolders, toJsonFolder);
  ops.push_back(getOp("folder_get", "Get a folder",
                      "One inventory folder with its path, child types and number of children, found by name, "
                      "inventory path or id.",
                      "folder", "Folder name, inventory path (/DC/vm/x) or id (group-v3)", "folder_list",
                      std::mem_fn(&Client::getFolder), toJsonFolder));
  ops.push_back({"inventory_summary", "Inventory summary",
                 "An overview of the whole inventory in one call: how many datacenters, clusters, hosts "
                 "(connected, in maintenance), VMs by power state and templates; CPU, memory and storage "
                 "capacity and use; and per cluster its hosts, VMs and CPU/memory use. Start here to size up "
                 "an environment or answer capacity questions; use the *_list tools for details.",
                 inputSchema(""),
                 schema(R"({"type":"object","properties":{"datacenters":{"type":"integer"},"clusters":{"type":"integer"},)"
                        R"("hosts":{"type":"object"},"vms":{"type":"object"},"templates":{"type":"integer"},)"
                        R"("cpu":{"type":"object"},"memory":{"type":"object"},"storage":{"type":"object"},)"
                        R"("by_cluster":{"type":"array","items":{"type":"object"}}},)"
                        R"("required":["datacenters","clusters","hosts","vms","templates","cpu","memory","storage","by_cluster"]})"),
                 Safety::kRead, [](Client& c, const Json&, const OperationContext&) { return inventorySummary(c); }});
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
                 inputSchema(std::string(kVmArg) +
                                 R"(,"snapshot":{"type":"string","description":"Snapshot name or id; omit for the current"},)" +
                                 kConfirmArg,
                             {"vm"}),
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
                 inputSchema(std::string(kVmArg) +
                                 R"(,"snapshot":{"type":"string","minLength":1},"remove_children":{"type":"boolean"},)" +
                                 kConfirmArg,
                             {"vm", "snapshot"}),
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
  ops.push_back({"vm_snapshot_delete_all", "Delete all snapshots",
                 "Delete every snapshot of a VM, merging their data into the VM's disks (consolidation), e.g. to "
                 "free datastore space. The VM keeps its current state but can no longer be reverted to any "
                 "snapshot. Irreversible.",
                 inputSchema(std::string(kVmArg) + "," + kConfirmArg, {"vm"}), taskOutput(), Safety::kDestructive,
                 [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                   if (ctx.dry_run) {
                     VSMCP_ASSIGN_OR_RETURN(auto vm, c.getVm(Locator::any(str(args, "vm"))));
                     VSMCP_ASSIGN_OR_RETURN(auto tree, c.snapshots(vm.ref));
                     const int n = countSnapshots(tree.roots);
                     const std::string which = "VM '" + vm.name + "' (" + vm.ref.value + ")";
                     return Json::object().set("dry_run", true).set(
                         "would", n == 0 ? "delete all snapshots of " + which + ", which has none: nothing would change"
                                         : "delete all " + std::to_string(n) + (n == 1 ? " snapshot" : " snapshots") +
                                               " of " + which + ", merging them into its disks");
                   }
                   VSMCP_ASSIGN_OR_RETURN(MoRef vm, vmArg(c, args));
                   return taskResult(c.removeAllSnapshots(vm, taskOptions(ctx)));
                 }});
  ops.push_back({"vm_destroy", "Destroy a VM",
                 "Delete a VM and its disks from the datastore. Irreversible. The VM must be powered off.",
                 inputSchema(std::string(kVmArg) + "," + kConfirmArg, {"vm"}),
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
                 "Change a VM's CPU count, memory (MB, multiple of 4), annotation, name or network (moves its "
                 "first NIC; a VM without one gets one). Give at least one.",
                 schema((std::string(R"({"type":"object","properties":{)") + kVmArg +
                         R"(,"num_cpus":{"type":"integer","minimum":1,"maximum":768},)"
                         R"("network":{"type":"string","minLength":1,"description":"Network or port group (name or id) for the VM's first NIC"},)"
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
                   spec.network = str(args, "network");
                   return taskResult(c.reconfigureVm(vm, spec, taskOptions(ctx)));
                 }});
  ops.push_back({"vm_clone", "Clone a VM or template",
                 "Clone a VM or template to a new VM (or template). Optional target folder, resource pool, host "
                 "and datastore; CPUs and memory; power_on starts the clone; linked_snapshot makes a linked clone "
                 "from that snapshot of the source; network moves the clone's first NIC to that network (or "
                 "port group); customization sets a Linux guest's host name and IP address.",
                 schema((std::string(R"({"type":"object","properties":{)") + kVmArg +
                         R"(,"name":{"type":"string","minLength":1,"maxLength":80},"folder":{"type":"string"},)"
                         R"("resource_pool":{"type":"string"},"host":{"type":"string"},"datastore":{"type":"string"},)"
                         R"("network":{"type":"string","minLength":1,"description":"Network or port group (name or id) for the clone's first NIC; default: the source's"},)"
                         R"("power_on":{"type":"boolean"},"as_template":{"type":"boolean"},"linked_snapshot":{"type":"string"},)"
                         R"("num_cpus":{"type":"integer","minimum":1,"maximum":768},"memory_mb":{"type":"integer","minimum":4,"multipleOf":4},)"
                         R"("customization":{"type":"object","description":"Guest customization of a Linux guest, vCenter only: host name, and a fixed IPv4 address or DHCP",)"
                         R"("properties":{"host_name":{"type":"string","minLength":1,"maxLength":63},"domain":{"type":"string","minLength":1},)"
                         R"("ip_address":{"type":"string"},"netmask":{"type":"string"},"gateway":{"type":"string"},)"
                         R"("dns_servers":{"type":"array","items":{"type":"string"}}},"required":["host_name"],"additionalProperties":false}},)"
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
                   spec.network = str(args, "network");
                   spec.power_on = args.find("power_on") && args.find("power_on")->asBool();
                   spec.as_template = args.find("as_template") && args.find("as_template")->asBool();
                   if (const Json* v = args.find("num_cpus")) spec.num_cpus = static_cast<int>(v->asInt());
                   if (const Json* v = args.find("memory_mb")) spec.memory_mb = v->asInt();
                   if (const Json* cust = args.find("customization")) {
                     GuestCustomization g;
                     g.host_name = str(*cust, "host_name");
                     if (cust->find("domain")) g.domain = str(*cust, "domain");
                     g.ip_address = str(*cust, "ip_address");
                     g.netmask = str(*cust, "netmask");
                     g.gateway = str(*cust, "gateway");
                     if (const Json* d = cust->find("dns_servers"))
                       for (const auto& v : d->items()) g.dns_servers.push_back(v.asString());
                     spec.customization = g;
                   }
                   return taskResult(c.cloneVm(vm, spec, taskOptions(ctx)));
                 }});
  ops.push_back({"vm_create", "Create a VM",
                 "Create a new, empty VM (no guest OS installed; powered off) with the given CPUs, memory, "
                 "optional thin disk and NIC. Placement is optional: without resource_pool/host it goes to the "
                 "first cluster (or host), without datastore to its first accessible datastore, without folder to "
                 "the datacenter's VM folder. To copy an existing VM or template use vm_clone instead. The "
                 "task's result is the new VM's id.",
                 inputSchema(R"("name":{"type":"string","minLength":1,"maxLength":80,"description":"Name of the new VM"},)"
                             R"("guest_id":{"type":"string","minLength":1,"description":"Guest OS id, e.g. otherGuest64 (default), ubuntu64Guest, rhel9_64Guest, windows2019srv_64Guest"},)"
                             R"("num_cpus":{"type":"integer","minimum":1,"maximum":768,"description":"Virtual CPUs, default 1"},)"
                             R"("memory_mb":{"type":"integer","minimum":4,"maximum":25165824,"multipleOf":4,"description":"Memory in MB, default 1024"},)"
                             R"("disk_gb":{"type":"integer","minimum":0,"maximum":63488,"description":"Size of a thin-provisioned disk in GB; 0 or omitted = no disk"},)"
                             R"("network":{"type":"string","description":"Network or port group name or id for one NIC; omit for none"},)"
                             R"("datastore":{"type":"string","description":"Datastore name or id for the VM's files"},)"
                             R"("folder":{"type":"string","description":"VM folder name, path or id"},)"
                             R"("resource_pool":{"type":"string","description":"Resource pool name, path or id"},)"
                             R"("host":{"type":"string","description":"Host name, path or id"},)"
                             R"("annotation":{"type":"string","description":"Notes shown with the VM"})",
                             {"name"}),
                 taskOutput(), Safety::kChange,
                 [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                   CreateVmSpec spec;
                   spec.name = str(args, "name");
                   if (const Json* v = args.find("guest_id")) spec.guest_id = v->asString();
                   if (const Json* v = args.find("num_cpus")) spec.num_cpus = static_cast<int>(v->asInt());
                   if (const Json* v = args.find("memory_mb")) spec.memory_mb = v->asInt();
                   if (const Json* v = args.find("disk_gb")) spec.disk_gb = v->asInt();
                   spec.network = str(args, "network");
                   spec.datastore = str(args, "datastore");
                   spec.folder = str(args, "folder");
                   spec.resource_pool = str(args, "resource_pool");
                   spec.host = str(args, "host");
                   spec.annotation = str(args, "annotation");
                   return taskResult(c.createVm(spec, taskOptions(ctx)));
                 }});
  ops.push_back({"vm_mark_template", "Convert a VM to a template",
                 "Turn a powered-off VM into a template (a clone source that cannot be powered on). It then "
                 "shows in template_list instead of vm_list; template_to_vm reverses it.",
                 inputSchema(kVmArg, {"vm"}), templateStateOutput(), Safety::kChange,
                 [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(MoRef vm, vmArg(c, args));
                   VSMCP_RETURN_IF_ERROR(c.markAsTemplate(vm));
                   return templateState(vm, true);
                 }});
  ops.push_back({"template_to_vm", "Convert a template to a VM",
                 "Turn a template back into a regular (powered-off) VM. Optional resource pool and host; by default "
                 "the root pool of the template's host's cluster.",
                 inputSchema(R"("template":{"type":"string","minLength":1,"description":"Template name, inventory path, id or BIOS UUID"},)"
                             R"("resource_pool":{"type":"string","description":"Resource pool name, path or id for the VM"},)"
                             R"("host":{"type":"string","description":"Host name, path or id to run the VM on"})",
                             {"template"}),
                 templateStateOutput(), Safety::kChange,
                 [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                   auto tmpl = getTemplate(c, Locator::any(str(args, "template")));
                   if (!tmpl.ok()) return lookupError(tmpl.status(), "template_list");
                   VSMCP_RETURN_IF_ERROR(c.markAsVirtualMachine(tmpl->ref, str(args, "resource_pool"), str(args, "host")));
                   return templateState(tmpl->ref, false);
                 }});
  ops.push_back({"vm_relocate", "Move a VM",
                 "Move a VM to another host (vMotion), resource pool and/or datastore (Storage vMotion). Give at "
                 "least one of host, resource_pool, datastore; what is not given stays as it is.",
                 inputSchema(std::string(kVmArg) +
                                 R"(,"host":{"type":"string","minLength":1,"description":"Target host name, path or id"},)"
                                 R"("resource_pool":{"type":"string","minLength":1,"description":"Target resource pool name, path or id"},)"
                                 R"("datastore":{"type":"string","minLength":1,"description":"Target datastore name or id"})",
                             {"vm"}),
                 taskOutput(), Safety::kChange,
                 [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                   RelocateSpec spec;
                   spec.host = str(args, "host");
                   spec.resource_pool = str(args, "resource_pool");
                   spec.datastore = str(args, "datastore");
                   if (spec.host.empty() && spec.resource_pool.empty() && spec.datastore.empty())
                     return Status::InvalidArgument(
                         "vm_relocate needs at least one of host, resource_pool or datastore to say where the VM goes");
                   VSMCP_ASSIGN_OR_RETURN(MoRef vm, vmArg(c, args));
                   return taskResult(c.relocateVm(vm, spec, taskOptions(ctx)));
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
  ops.push_back({"events_list", "List events",
                 "Recent vCenter events, newest first: of one VM or host when given (and everything under it), "
                 "else of the whole inventory. Optionally only events whose type matches a glob "
                 "(VmPoweredOffEvent, *Migrat*). Use for an activity timeline or to see who changed what.",
                 schema(R"({"type":"object","properties":{)"
                        R"("vm":{"type":"string","minLength":1,"description":"Only this VM's events: name, path, id or UUID"},)"
                        R"("host":{"type":"string","minLength":1,"description":"Only this host's events"},)"
                        R"("type":{"type":"string","description":"Glob on the event type, e.g. Vm*Event"},)"
                        R"("max_count":{"type":"integer","minimum":1,"maximum":1000,"description":"Default 100"}},)"
                        R"("additionalProperties":false})"),
                 schema(R"({"type":"object","properties":{"events":{"type":"array","items":{"type":"object"}}},"required":["events"]})"),
                 Safety::kRead, [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                   if (args.find("vm") && args.find("host"))
                     return Status::InvalidArgument("give vm or host, not both");
                   MoRef entity;
                   if (args.find("vm")) { VSMCP_ASSIGN_OR_RETURN(entity, vmArg(c, args)); }
                   if (args.find("host")) { VSMCP_ASSIGN_OR_RETURN(entity, hostArg(c, args)); }
                   int max = static_cast<int>(args.find("max_count") ? args.find("max_count")->asInt(100) : 100);
                   VSMCP_ASSIGN_OR_RETURN(auto events, c.events(entity, max));
                   const std::string type = str(args, "type");
                   Json arr = Json::array();
                   for (const auto& e : events) {
                     if (!type.empty() && !globMatch(type, e.type)) continue;
                     arr.push(Json::object().set("type", e.type).set("time", e.created_time).set("user", e.user_name)
                                  .set("message", e.message).set("vm", e.vm).set("host", e.host)
                                  .set("cluster", e.cluster).set("datacenter", e.datacenter));
                   }
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
  appendCatalogOperations(ops);
  return ops;
}

}  // namespace

Json toJson(const VmSummary& vm) {
  Json ips = strings(vm.ip_addresses);
  return Json::object()
      .set("id", vm.ref.value).set("name", vm.name).set("power_state", powerStateName(vm.power_state))
      .set("guest_id", vm.guest_id).set("guest_full_name", vm.guest_full_name).set("num_cpu", vm.num_cpu)
      .set("memory_mb", vm.memory_mb).set("host", vm.host_name).set("cluster", vm.cluster)
      .set("datastores", strings(vm.datastores)).set("networks", strings(vm.networks)).set("ip_address", vm.ip_address).set("ip_addresses", ips)
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
