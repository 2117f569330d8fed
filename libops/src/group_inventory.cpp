// Inventory operations: lists and gets of every kind, datastore usage, the inventory summary.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>

#include "util.hpp"
#include "vsmcp/glob.hpp"

namespace vsmcp::ops {

namespace {

using namespace vsphere;
using namespace util;

template <typename T>
Json page(const std::vector<T>& items, const Json& args, const OperationContext& ctx, const char* key) {
  return listOf(items, args, ctx, key, [](const T& item) { return toJson(item); });
}

// A VM listing paged; kept for a snapshot without converting it when it shares the live
// inventory's records (a direct read's own copy is kept as JSON text, which is smaller).
Json page(const VmListing& vms, const Json& args, const OperationContext& ctx, const char* key) {
  auto item = [vms](size_t i) { return toJson(vms.at(i)); };
  if (ctx.deferred && ctx.unpaged && vms.shared()) {
    ctx.deferred->size = vms.size();
    ctx.deferred->item = item;
    return Json::object().set("total", static_cast<std::int64_t>(vms.size()));
  }
  return listAt(vms.size(), item, args, ctx, key);
}

// "<kind>_get": one object found by `arg` (name, inventory path or id), returned as {key: item}
// in the form its listing uses.
template <typename Get, typename Conv>
Operation getOp(const char* name, const char* title, const char* description, const char* key,
                const char* arg_description, const Schema& form, const char* list_op, Get get, Conv conv) {
  const std::string k(key);
  return declare(name, title, description, Safety::kRead, Shape::kObject,
                 Schema::object().prop(k, Schema::string(arg_description).minLength(1), kRequired),
                 Schema::result().prop(k, form, kRequired),
                 [get, conv, k, list_op](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                   auto item = get(c, Locator::any(str(args, k.c_str())), ctx.freshness);
                   if (!item.ok()) return lookupError(item.status(), list_op);
                   return Json::object().set(k, conv(*item));
                 });
}

// The `name` filter of a listing: a glob on the object's name.
Schema nameGlob(const std::string& what, const std::string& example) {
  return Schema::string("Only " + what + " whose name matches this glob (* any run, ? one character; "
                        "case-sensitive), e.g. " + example + "; default all");
}

// A number with one decimal ("11.0").
std::string oneDecimal(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}


// datastore_usage: fullness of each datastore, fullest first, with totals.
Result<Json> datastoreUsage(Client& c, const Json& args, const OperationContext& ctx) {
  NameFilter f;
  f.name = str(args, "name");
  VSMCP_ASSIGN_OR_RETURN(auto all, c.listDatastores(f, ctx.freshness));
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
Result<Json> inventorySummary(Client& c, Freshness* freshness) {
  // The VMs are read last: they change most, so their freshness is the one reported.
  VSMCP_ASSIGN_OR_RETURN(auto datacenters, c.listDatacenters({}, freshness));
  VSMCP_ASSIGN_OR_RETURN(auto clusters, c.listClusters({}, freshness));
  VSMCP_ASSIGN_OR_RETURN(auto hosts, c.listHosts({}, freshness));
  VSMCP_ASSIGN_OR_RETURN(auto datastores, c.listDatastores({}, freshness));
  VSMCP_ASSIGN_OR_RETURN(auto vms, c.listVms({}, VmDetail::kState, freshness));
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

// datastore_usage: "2 of 5 datastores: ds1 (91.0% used), ds2 (84.5% used) (more: offset 2);
// 63.2% used over all that match".
std::string datastoreUsageSummary(const Json&, const Json& r) {
  const Json* items = r.find("datastores");
  const size_t count = items ? items->size() : 0;
  std::string names;
  size_t shown = 0;
  for (const auto& item : items ? items->items() : Json::Array{}) {
    if (shown == 10) break;
    std::string label = item.find("name") ? item.find("name")->asString() : item.dump();
    if (const Json* used = item.find("used_percent")) label += " (" + oneDecimal(used->asDouble()) + "% used)";
    names += (shown++ ? ", " : "") + label;
  }
  std::string text = std::to_string(count) + " of " +
                     std::to_string(r.find("total") ? r.find("total")->asInt() : 0) + " datastores";
  if (!names.empty()) text += ": " + names + (count > shown ? ", ..." : "");
  if (const Json* next = r.find("next_offset")) text += " (more: offset " + std::to_string(next->asInt()) + ")";
  if (const Json* used = r.find("total_used_percent"))
    text += "; " + oneDecimal(used->asDouble()) + "% used over all that match";
  return text;
}

// inventory_summary: "12 VMs (7 on), 2 templates, 4 hosts, 1 clusters; used: CPU 11.0%, ...".
std::string inventorySummaryText(const Json&, const Json& r) {
  auto integer = [&](const Json* o, const char* key) {
    const Json* v = o ? o->find(key) : nullptr;
    return std::to_string(v ? v->asInt() : 0);
  };
  auto pct = [&](const char* key) {
    const Json* o = r.find(key);
    return oneDecimal(o && o->find("used_percent") ? o->find("used_percent")->asDouble() : 0.0) + "%";
  };
  return integer(r.find("vms"), "total") + " VMs (" + integer(r.find("vms"), "powered_on") + " on), " +
         integer(&r, "templates") + " templates, " + integer(r.find("hosts"), "total") + " hosts, " +
         integer(&r, "clusters") + " clusters; used: CPU " + pct("cpu") + ", memory " + pct("memory") +
         ", storage " + pct("storage");
}

}  // namespace

void addInventoryOperations(std::vector<Operation>& ops) {
  // A plain paged list of one kind, filtered by a name glob.
  auto simpleList = [&](const char* name, const char* title, const char* description, const char* key,
                        const char* what, const char* example, const Schema& form, auto method, auto conv) {
    Schema input = Schema::object().prop("name", nameGlob(what, example));
    Operation op = declare(name, title, description, Safety::kRead, Shape::kList, withPaging(input),
                           listResult(key, form, what),
                           [method, conv, key](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                             NameFilter f;
                             f.name = str(args, "name");
                             VSMCP_ASSIGN_OR_RETURN(auto items, (c.*method)(f, ctx.freshness));
                             return listOf(items, args, ctx, key, conv);
                           });
    op.list_key = key;
    ops.push_back(std::move(op));
  };

  {
    Schema input =
        Schema::object()
            .prop("name", nameGlob("VMs", "web-*"))
            .prop("power_state", Schema::string("Only VMs in this power state").oneOf({"poweredOn", "poweredOff", "suspended"}))
            .prop("host", Schema::string("Only VMs on hosts whose name matches this glob (a host name, not an id), "
                                         "e.g. esx-0*"))
            .prop("cluster", Schema::string("Only VMs in clusters whose name matches this glob (a cluster name, not "
                                            "an id), e.g. prod-*"))
            .prop("folder", Schema::string("Only VMs under this folder: an inventory path prefix, e.g. /DC0/vm/prod"));
    Operation op = declare(
        "vm_list", "List VMs",
        "List virtual machines (not templates) with power state, CPUs, memory, host, cluster, IPs and "
        "folder. Filter by name glob (web-*), power state, host, cluster or folder path. Paged: "
        "`total` says how many matched; use `offset` for the next page.",
        Safety::kRead, Shape::kList, withPaging(input), listResult("vms", vmForm(), "VMs"),
        [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
          VmFilter f;
          f.name = str(args, "name");
          f.host = str(args, "host");
          f.cluster = str(args, "cluster");
          f.folder = str(args, "folder");
          f.is_template = false;
          if (args.find("power_state")) f.power_state = parsePowerState(str(args, "power_state"));
          VSMCP_ASSIGN_OR_RETURN(auto vms, c.listVmsShared(f, VmDetail::kFull, ctx.freshness));
          return page(vms, args, ctx, "vms");
        });
    op.list_key = "vms";
    ops.push_back(std::move(op));
  }
  ops.push_back(declare("vm_get", "Get a VM", "Details of one VM, found by name, inventory path, id or UUID.",
                        Safety::kRead, Shape::kObject, Schema::object().prop("vm", vmLocator(), kRequired),
                        Schema::result().prop("vm", vmForm(), kRequired),
                        [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                          auto vm = c.getVm(Locator::any(str(args, "vm")), ctx.freshness);
                          if (!vm.ok()) return lookupError(vm.status(), "vm_list");
                          return Json::object().set("vm", toJson(*vm));
                        }));
  ops.back().summary = [](const Json&, const Json& r) {
    const Json& vm = *r.find("vm");
    return "VM " + vm.find("name")->asString() + " (" + vm.find("id")->asString() + "): " +
           vm.find("power_state")->asString() + ", " + std::to_string(vm.find("num_cpu")->asInt()) + " CPU, " +
           std::to_string(vm.find("memory_mb")->asInt()) + " MB, host " + vm.find("host")->asString();
  };
  {
    Schema input = Schema::object().prop("name", nameGlob("templates", "ubuntu-*"));
    Operation op = declare("template_list", "List templates",
                           "List VM templates (clone sources). Filter by name glob. Paged.", Safety::kRead,
                           Shape::kList, withPaging(input), listResult("templates", vmForm(), "templates"),
                           [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                             VmFilter f;
                             f.name = str(args, "name");
                             f.is_template = true;
                             VSMCP_ASSIGN_OR_RETURN(auto vms, c.listVmsShared(f, VmDetail::kFull, ctx.freshness));
                             return page(vms, args, ctx, "templates");
                           });
    op.list_key = "templates";
    ops.push_back(std::move(op));
  }
  ops.push_back(getOp("template_get", "Get a template",
                      "Details of one VM template (guest OS, CPUs, memory, datastores, folder), found by name, "
                      "inventory path, id or UUID. A VM that is not a template is reported as not found.",
                      "template", "Template name, inventory path (/DC/vm/x), id (vm-42) or BIOS UUID", vmForm(),
                      "template_list", getTemplate, [](const VmSummary& vm) { return toJson(vm); }));
  ops.back().summary = [](const Json&, const Json& r) {
    const Json& t = *r.find("template");
    return "Template " + t.find("name")->asString() + " (" + t.find("id")->asString() + "): " +
           std::to_string(t.find("num_cpu")->asInt()) + " CPU, " + std::to_string(t.find("memory_mb")->asInt()) +
           " MB, guest " + t.find("guest_id")->asString() + ", host " + t.find("host")->asString();
  };
  {
    Schema input = Schema::object()
                       .prop("name", nameGlob("hosts", "esx-0*"))
                       .prop("cluster", Schema::string("Only hosts in clusters whose name matches this glob (a "
                                                       "cluster name, not an id), e.g. prod-*"));
    Operation op = declare("host_list", "List hosts",
                           "List ESXi hosts with connection, power and maintenance state, CPU and memory capacity "
                           "and use, version and cluster. Filter by name or cluster glob. Paged.",
                           Safety::kRead, Shape::kList, withPaging(input), listResult("hosts", hostForm(), "hosts"),
                           [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                             HostFilter f;
                             f.name = str(args, "name");
                             f.cluster = str(args, "cluster");
                             VSMCP_ASSIGN_OR_RETURN(auto hosts, c.listHosts(f, ctx.freshness));
                             return page(hosts, args, ctx, "hosts");
                           });
    op.list_key = "hosts";
    ops.push_back(std::move(op));
  }
  ops.push_back(getOp("host_get", "Get a host",
                      "Details of one ESXi host (connection, power and maintenance state, CPU and memory "
                      "capacity and use, version, cluster, VM count), found by name, inventory path, id or UUID.",
                      "host", "Host name, inventory path (/DC/host/cluster/esx1), id (host-12) or UUID", hostForm(),
                      "host_list", std::mem_fn(&Client::getHost), [](const HostSummary& h) { return toJson(h); }));
  simpleList("cluster_list", "List clusters", "List clusters with DRS/HA settings, host count and capacity.", "clusters",
             "clusters", "prod-*", clusterForm(), &Client::listClusters, toJsonCluster);
  ops.push_back(getOp("cluster_get", "Get a cluster",
                      "Details of one cluster (DRS/HA settings, host count, CPU and memory capacity), found by "
                      "name, inventory path or id.",
                      "cluster", "Cluster name, inventory path (/DC/host/cluster) or id (domain-c7)", clusterForm(),
                      "cluster_list", std::mem_fn(&Client::getCluster), toJsonCluster));
  simpleList("datacenter_list", "List datacenters", "List datacenters with their inventory paths.", "datacenters",
             "datacenters", "DC*", datacenterForm(), &Client::listDatacenters, toJsonDatacenter);
  ops.push_back(getOp("datacenter_get", "Get a datacenter",
                      "One datacenter and its inventory path, found by name, inventory path or id.", "datacenter",
                      "Datacenter name, inventory path (/DC) or id (datacenter-2)", datacenterForm(),
                      "datacenter_list", std::mem_fn(&Client::getDatacenter), toJsonDatacenter));
  simpleList("datastore_list", "List datastores",
             "List datastores with type, capacity, free space, accessibility and VM count.", "datastores",
             "datastores", "ssd-*", datastoreForm(), &Client::listDatastores, toJsonDatastore);
  ops.push_back(getOp("datastore_get", "Get a datastore",
                      "Details of one datastore (type, capacity, free space, accessibility, VM count), found by "
                      "name, inventory path or id.",
                      "datastore", "Datastore name, inventory path (/DC/datastore/x) or id (datastore-11)",
                      datastoreForm(), "datastore_list", std::mem_fn(&Client::getDatastore), toJsonDatastore));
  {
    Schema input = Schema::object()
                       .prop("name", nameGlob("datastores", "ssd-*"))
                       .prop("min_used_percent", Schema::number("Only datastores at least this full, e.g. 80; "
                                                                "default 0 (all)")
                                                     .minimum(0)
                                                     .maximum(100)
                                                     .unit("percent"));
    Schema usage = Schema::result("A datastore and how full it is")
                       .prop("id", Schema::string("Id (managed object reference) of the datastore, e.g. datastore-11"),
                             kRequired)
                       .prop("name", Schema::string("Datastore name"), kRequired)
                       .prop("type", Schema::string("File system type: VMFS, NFS, NFS41, vsan, vvol or OTHER"))
                       .prop("capacity_bytes", Schema::integer("Capacity").unit("bytes"))
                       .prop("free_bytes", Schema::integer("Free space").unit("bytes"))
                       .prop("used_bytes", Schema::integer("Space in use: capacity minus free").unit("bytes"))
                       .prop("used_percent", Schema::number("Share of the capacity in use, one decimal").unit("percent"))
                       .prop("vm_count", Schema::integer("VMs with files on the datastore"))
                       .prop("accessible", Schema::boolean("True when the datastore can be used now"));
    Schema output =
        listResult("datastores", usage, "datastores")
            .prop("total_capacity_bytes",
                  Schema::integer("Capacity of all datastores that match (every page)").unit("bytes"), kRequired)
            .prop("total_free_bytes", Schema::integer("Free space of all datastores that match (every page)").unit("bytes"),
                  kRequired)
            .prop("total_used_percent",
                  Schema::number("Share of the capacity of all that match in use, one decimal").unit("percent"),
                  kRequired);
    Operation op = declare("datastore_usage", "Datastore usage",
                           "How full the datastores are: capacity, free and used bytes and used percent of each, "
                           "fullest first, plus totals over all that match. Use it to find datastores running out "
                           "of space (min_used_percent: 80) or to pick one with room. Filter by name glob. Paged.",
                           Safety::kRead, Shape::kList, withPaging(input), output,
                           [](Client& c, const Json& args, const OperationContext& ctx) {
                             return datastoreUsage(c, args, ctx);
                           });
    op.list_key = "datastores";
    op.summary = datastoreUsageSummary;
    ops.push_back(std::move(op));
  }
  simpleList("network_list", "List networks", "List networks: standard port groups and distributed port groups.",
             "networks", "networks", "VM Network*", networkForm(), &Client::listNetworks, toJsonNetwork);
  ops.push_back(getOp("network_get", "Get a network",
                      "One network (standard or distributed port group) with its VM count, found by name, "
                      "inventory path or id.",
                      "network", "Network name, inventory path (/DC/network/x) or id (network-7, dvportgroup-9)",
                      networkForm(), "network_list", std::mem_fn(&Client::getNetwork), toJsonNetwork));
  simpleList("resource_pool_list", "List resource pools", "List resource pools with their paths and owners.",
             "resource_pools", "resource pools", "prod-*", poolForm(), &Client::listResourcePools, toJsonPool);
  ops.push_back(getOp("resource_pool_get", "Get a resource pool",
                      "One resource pool with its path, owner (cluster or host) and VM count, found by name, "
                      "inventory path or id.",
                      "resource_pool",
                      "Resource pool name, inventory path (/DC/host/cluster/Resources/x) or id (resgroup-9)",
                      poolForm(), "resource_pool_list", std::mem_fn(&Client::getResourcePool), toJsonPool));
  simpleList("folder_list", "List folders", "List inventory folders with their paths and child types.", "folders",
             "folders", "prod*", folderForm(), &Client::listFolders, toJsonFolder);
  ops.push_back(getOp("folder_get", "Get a folder",
                      "One inventory folder with its path, child types and number of children, found by name, "
                      "inventory path or id.",
                      "folder", "Folder name, inventory path (/DC/vm/x) or id (group-v3)", folderForm(), "folder_list",
                      std::mem_fn(&Client::getFolder), toJsonFolder));
  {
    auto used = [](const char* what, const char* total_key, const char* total_desc, const char* used_key,
                   const char* used_desc, const char* unit) {
      return Schema::result(what)
          .prop(total_key, Schema::integer(total_desc).unit(unit), kRequired)
          .prop(used_key, Schema::integer(used_desc).unit(unit), kRequired)
          .prop("used_percent", Schema::number("Share in use, one decimal").unit("percent"), kRequired);
    };
    Schema output =
        Schema::result()
            .prop("datacenters", Schema::integer("Datacenters"), kRequired)
            .prop("clusters", Schema::integer("Clusters"), kRequired)
            .prop("hosts",
                  Schema::result("ESXi hosts")
                      .prop("total", Schema::integer("All hosts"), kRequired)
                      .prop("connected", Schema::integer("Hosts whose connection state is connected"), kRequired)
                      .prop("in_maintenance", Schema::integer("Hosts in maintenance mode"), kRequired),
                  kRequired)
            .prop("vms",
                  Schema::result("Virtual machines, templates not counted")
                      .prop("total", Schema::integer("All VMs"), kRequired)
                      .prop("powered_on", Schema::integer("VMs powered on"), kRequired)
                      .prop("powered_off", Schema::integer("VMs powered off"), kRequired)
                      .prop("suspended", Schema::integer("VMs suspended"), kRequired),
                  kRequired)
            .prop("templates", Schema::integer("VM templates"), kRequired)
            .prop("cpu",
                  used("CPU of all hosts", "total_mhz", "CPU capacity", "used_mhz", "CPU in use now", "MHz"),
                  kRequired)
            .prop("memory",
                  used("Memory of all hosts", "total_mb", "Physical memory", "used_mb", "Memory in use now", "MB"),
                  kRequired)
            .prop("storage",
                  used("Space of all datastores", "capacity_bytes", "Capacity", "free_bytes", "Free space", "bytes"),
                  kRequired)
            .prop("by_cluster",
                  Schema::array(
                      Schema::result("One cluster")
                          .prop("id", Schema::string("Id (managed object reference) of the cluster, e.g. domain-c7"),
                                kRequired)
                          .prop("name", Schema::string("Cluster name"), kRequired)
                          .prop("datacenter", Schema::string("Name of its datacenter"))
                          .prop("hosts", Schema::integer("Hosts in the cluster"))
                          .prop("vms", Schema::integer("VMs (not templates) on its hosts"))
                          .prop("cpu_used_percent", Schema::number("Share of its CPU in use, one decimal").unit("percent"))
                          .prop("memory_used_percent",
                                Schema::number("Share of its memory in use, one decimal").unit("percent")),
                      "Per cluster: its hosts, VMs and CPU and memory use"),
                  kRequired);
    Operation op = declare("inventory_summary", "Inventory summary",
                           "An overview of the whole inventory in one call: how many datacenters, clusters, hosts "
                           "(connected, in maintenance), VMs by power state and templates; CPU, memory and storage "
                           "capacity and use; and per cluster its hosts, VMs and CPU/memory use. Start here to size "
                           "up an environment or answer capacity questions; use the *_list tools for details.",
                           Safety::kRead, Shape::kObject, Schema::object(), output,
                           [](Client& c, const Json&, const OperationContext& ctx) { return inventorySummary(c, ctx.freshness); });
    op.summary = inventorySummaryText;
    ops.push_back(std::move(op));
  }
}

}  // namespace vsmcp::ops
