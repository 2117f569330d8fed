// Decoders shared by the direct reads (inventory.cpp) and the live inventory
// (live_inventory.cpp): the properties each kind is read with, and how an object's properties
// become its summary. One decoder per kind, so a live answer and a direct read never differ.
#include "decode.hpp"

#include <algorithm>
#include <cctype>

#include "vsmcp/glob.hpp"

namespace vsmcp::vsphere {

using soap::child;
using soap::childText;


extern const std::vector<std::string> kVmState;
const std::vector<std::string> kVmState = {"name", "runtime.powerState", "runtime.host",
                                           "config.template"};

extern const std::vector<std::string> kVmBrief;
const std::vector<std::string> kVmBrief = {
    "name",          "runtime.powerState",          "runtime.host",     "config.guestId",
    "summary.config.numCpu", "summary.config.memorySizeMB", "guest.ipAddress"};

extern const std::vector<std::string> kVmFull;
const std::vector<std::string> kVmFull = {
    "name",           "runtime.powerState",     "runtime.host",
    "config.guestId", "config.guestFullName",   "summary.config.numCpu",
    "summary.config.memorySizeMB", "guest.ipAddress", "guest.net",
    "guest.toolsStatus", "guest.toolsRunningStatus", "config.uuid",
    "config.instanceUuid", "config.template", "parent",
    "resourcePool",   "datastore",              "config.annotation",
    "overallStatus",  "network"};

const std::vector<std::string>& vmPaths(VmDetail detail) {
  switch (detail) {
    case VmDetail::kState: return kVmState;
    case VmDetail::kBrief: return kVmBrief;
    case VmDetail::kFull: break;
  }
  return kVmFull;
}

extern const std::vector<std::string> kHostPaths;
const std::vector<std::string> kHostPaths = {
    "name", "parent", "runtime.connectionState", "runtime.powerState",
    "runtime.inMaintenanceMode", "summary.hardware", "summary.quickStats",
    "summary.config.product", "vm", "overallStatus"};

std::vector<MoRef> morefArray(pugi::xml_node val) {
  std::vector<MoRef> out;
  for (auto n = val.first_child(); n; n = n.next_sibling())
    if (n.type() == pugi::node_element) out.push_back(soap::readMoRef(n));
  return out;
}

int countChildren(pugi::xml_node val) {
  int n = 0;
  for (auto c = val.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element) ++n;
  return n;
}

bool isUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

// vm-42, host-10, domain-c7, group-v3, resgroup-12, dvportgroup-5, datastore-11, ha-host
bool looksLikeMoref(std::string_view s) {
  if (s.rfind("ha-", 0) == 0) return true;
  auto dash = s.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 >= s.size()) return false;
  for (size_t i = 0; i < dash; ++i)
    if (!(std::islower(static_cast<unsigned char>(s[i])) || s[i] == '-')) return false;
  size_t i = dash + 1;
  if (std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
  if (i >= s.size()) return false;
  for (; i < s.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

// Kinds of object a type name accepts (a "Network" may be a distributed portgroup).
std::vector<std::string> concreteTypes(std::string_view type) {
  if (type == "Network") return {"Network", "DistributedVirtualPortgroup", "OpaqueNetwork"};
  if (type == "ComputeResource") return {"ComputeResource", "ClusterComputeResource"};
  if (type == "ResourcePool") return {"ResourcePool", "VirtualApp"};
  return {std::string(type)};
}



// Decodes what the VM's own properties hold; linkVm fills the names afterwards.
VmSummary decodeVm(const ObjectContent& oc, VmDetail detail, VmLinks& links) {
  VmSummary vm;
  vm.ref = oc.ref;
  vm.name = oc.str("name");
  vm.power_state = parsePowerState(oc.str("runtime.powerState")).value_or(PowerState::kUnknown);
  vm.host = oc.moref("runtime.host");
  if (detail == VmDetail::kState) {
    vm.is_template = oc.boolean("config.template");
    return vm;
  }
  vm.guest_id = oc.str("config.guestId");
  vm.num_cpu = static_cast<int>(oc.integer("summary.config.numCpu"));
  vm.memory_mb = oc.integer("summary.config.memorySizeMB");
  vm.ip_address = oc.str("guest.ipAddress");
  if (detail == VmDetail::kBrief) return vm;
  vm.guest_full_name = oc.str("config.guestFullName");
  for (auto nic = oc.get("guest.net").first_child(); nic; nic = nic.next_sibling())
    for (auto ip = nic.first_child(); ip; ip = ip.next_sibling())
      if (soap::localName(ip.name()) == "ipAddress") vm.ip_addresses.emplace_back(ip.text().as_string());
  if (vm.ip_addresses.empty() && !vm.ip_address.empty()) vm.ip_addresses.push_back(vm.ip_address);
  vm.tools_status = oc.str("guest.toolsStatus");
  vm.tools_running_status = oc.str("guest.toolsRunningStatus");
  vm.uuid = oc.str("config.uuid");
  vm.instance_uuid = oc.str("config.instanceUuid");
  vm.is_template = oc.boolean("config.template");
  links.parent = oc.moref("parent");
  links.datastores = morefArray(oc.get("datastore"));
  links.networks = morefArray(oc.get("network"));
  vm.resource_pool = oc.moref("resourcePool");
  vm.annotation = oc.str("config.annotation");
  vm.overall_status = oc.str("overallStatus");
  return vm;
}

VmSummary vmAtDetail(const VmSummary& full, VmDetail detail) {
  if (detail == VmDetail::kFull) return full;
  VmSummary vm;  // exactly what decodeVm fills at `detail`
  vm.ref = full.ref;
  vm.name = full.name;
  vm.power_state = full.power_state;
  vm.host = full.host;
  if (detail == VmDetail::kState) {
    vm.is_template = full.is_template;
    return vm;
  }
  vm.guest_id = full.guest_id;
  vm.num_cpu = full.num_cpu;
  vm.memory_mb = full.memory_mb;
  vm.ip_address = full.ip_address;
  return vm;
}

void linkVm(VmSummary& vm, const VmLinks& links, const InventoryIndex& index) {
  vm.host_name = index.name(vm.host);
  vm.cluster = index.clusterOf(vm.host);
  if (!links.parent.empty()) vm.folder_path = index.path(links.parent);
  for (const auto& ds : links.datastores) vm.datastores.push_back(index.name(ds));
  for (const auto& n : links.networks) {
    std::string name = index.name(n);
    vm.networks.push_back(name.empty() ? n.value : name);  // an NSX opaque network is not indexed
  }
}

bool vmMatches(const VmSummary& vm, const VmFilter& f) {
  if (!f.name.empty() && !globMatch(f.name, vm.name)) return false;
  if (f.power_state && vm.power_state != *f.power_state) return false;
  if (!f.host.empty() && !globMatch(f.host, vm.host_name)) return false;
  if (!f.cluster.empty() && !globMatch(f.cluster, vm.cluster)) return false;
  if (f.is_template && vm.is_template != *f.is_template) return false;
  if (!f.folder.empty()) {
    std::string folder = f.folder;
    while (!folder.empty() && folder.back() == '/') folder.pop_back();  // "/" = everything
    if (!folder.empty() && vm.folder_path != folder && vm.folder_path.rfind(folder + "/", 0) != 0)
      return false;
  }
  return true;
}

bool hostMatches(const HostSummary& h, const HostFilter& f) {
  if (!f.name.empty() && !globMatch(f.name, h.name)) return false;
  if (!f.cluster.empty() && !globMatch(f.cluster, h.cluster)) return false;
  if (f.in_maintenance_mode && h.in_maintenance_mode != *f.in_maintenance_mode) return false;
  return true;
}

HostSummary decodeHost(const ObjectContent& oc, const InventoryIndex& index) {
  HostSummary h;
  h.ref = oc.ref;
  h.name = oc.str("name");
  MoRef parent = oc.moref("parent");
  h.compute_resource = parent;
  h.cluster = index.name(parent);
  if (auto* dc = index.ancestor(parent, "Datacenter")) h.datacenter = dc->name;
  h.connection_state = oc.str("runtime.connectionState");
  h.power_state = oc.str("runtime.powerState");
  h.in_maintenance_mode = oc.boolean("runtime.inMaintenanceMode");
  auto hw = oc.get("summary.hardware");
  h.cpu_cores = static_cast<int>(soap::toInt(child(hw, "numCpuCores")));
  h.cpu_threads = static_cast<int>(soap::toInt(child(hw, "numCpuThreads")));
  h.cpu_mhz_total = soap::toInt(child(hw, "cpuMhz")) * h.cpu_cores;
  h.memory_mb_total = soap::toInt(child(hw, "memorySize")) / (1024 * 1024);
  auto qs = oc.get("summary.quickStats");
  h.cpu_mhz_used = soap::toInt(child(qs, "overallCpuUsage"));
  h.memory_mb_used = soap::toInt(child(qs, "overallMemoryUsage"));
  auto product = oc.get("summary.config.product");
  h.version = childText(product, "version");
  h.build = childText(product, "build");
  h.product_name = childText(product, "fullName");
  h.vm_count = countChildren(oc.get("vm"));
  h.overall_status = oc.str("overallStatus");
  return h;
}

std::string datacenterOf(const InventoryIndex& index, const MoRef& ref) {
  auto* dc = index.ancestor(ref, "Datacenter");
  return dc ? dc->name : std::string();
}

extern const std::vector<std::string> kClusterPaths;
const std::vector<std::string> kClusterPaths = {"name", "configurationEx", "summary",
                                                "overallStatus"};

ClusterSummary decodeCluster(const ObjectContent& oc, const InventoryIndex& index) {
  ClusterSummary c;
  c.ref = oc.ref;
  c.name = oc.str("name");
  c.datacenter = datacenterOf(index, oc.ref);
  auto cfg = oc.get("configurationEx");
  auto drs = child(cfg, "drsConfig");
  c.drs_enabled = soap::toBool(child(drs, "enabled"));
  c.drs_behavior = childText(drs, "defaultVmBehavior");
  c.ha_enabled = soap::toBool(child(child(cfg, "dasConfig"), "enabled"));
  auto s = oc.get("summary");
  c.num_hosts = static_cast<int>(soap::toInt(child(s, "numHosts")));
  c.num_effective_hosts = static_cast<int>(soap::toInt(child(s, "numEffectiveHosts")));
  c.total_cpu_mhz = soap::toInt(child(s, "totalCpu"));
  c.total_memory_mb = soap::toInt(child(s, "totalMemory")) / (1024 * 1024);
  c.effective_cpu_mhz = soap::toInt(child(s, "effectiveCpu"));
  c.effective_memory_mb = soap::toInt(child(s, "effectiveMemory"));
  c.overall_status = oc.str("overallStatus");
  return c;
}

extern const std::vector<std::string> kDatacenterPaths;
const std::vector<std::string> kDatacenterPaths = {"name"};

DatacenterSummary decodeDatacenter(const ObjectContent& oc, const InventoryIndex& index) {
  return DatacenterSummary{oc.ref, oc.str("name"), index.path(oc.ref)};
}

extern const std::vector<std::string> kDatastorePaths;
const std::vector<std::string> kDatastorePaths = {"name", "summary", "vm"};

DatastoreSummary decodeDatastore(const ObjectContent& oc, const InventoryIndex& index) {
  DatastoreSummary d;
  d.ref = oc.ref;
  d.name = oc.str("name");
  auto s = oc.get("summary");
  d.type = childText(s, "type");
  d.capacity_bytes = soap::toInt(child(s, "capacity"));
  d.free_bytes = soap::toInt(child(s, "freeSpace"));
  d.accessible = soap::toBool(child(s, "accessible"));
  d.url = childText(s, "url");
  d.maintenance_mode = childText(s, "maintenanceMode");
  d.datacenter = datacenterOf(index, oc.ref);
  d.vm_count = countChildren(oc.get("vm"));
  return d;
}

extern const std::vector<std::string> kNetworkPaths;
const std::vector<std::string> kNetworkPaths = {"name", "summary.accessible", "host", "vm"};

NetworkSummary decodeNetwork(const ObjectContent& oc, const InventoryIndex& index) {
  NetworkSummary n;
  n.ref = oc.ref;
  n.name = oc.str("name");
  n.kind = oc.ref.type == "DistributedVirtualPortgroup" ? "distributed"
           : oc.ref.type == "OpaqueNetwork"             ? "opaque"
                                                        : "standard";
  n.accessible = soap::toBool(oc.get("summary.accessible"), true);
  n.datacenter = datacenterOf(index, oc.ref);
  n.host_count = countChildren(oc.get("host"));
  n.vm_count = countChildren(oc.get("vm"));
  return n;
}

extern const std::vector<std::string> kPoolPaths;
const std::vector<std::string> kPoolPaths = {"name", "parent", "owner", "vm"};

ResourcePoolSummary decodePool(const ObjectContent& oc, const InventoryIndex& index) {
  ResourcePoolSummary r;
  r.ref = oc.ref;
  r.name = oc.str("name");
  r.parent = oc.moref("parent");
  r.path = index.path(oc.ref);
  r.owner = index.name(oc.moref("owner"));
  r.vm_count = countChildren(oc.get("vm"));
  return r;
}

extern const std::vector<std::string> kFolderPaths;
const std::vector<std::string> kFolderPaths = {"name", "childType", "childEntity"};

FolderSummary decodeFolder(const ObjectContent& oc, const InventoryIndex& index) {
  FolderSummary f;
  f.ref = oc.ref;
  f.name = oc.str("name");
  f.path = index.path(oc.ref);
  for (auto t = oc.get("childType").first_child(); t; t = t.next_sibling())
    if (t.type() == pugi::node_element) f.child_types.emplace_back(t.text().as_string());
  f.child_count = countChildren(oc.get("childEntity"));
  return f;
}


}  // namespace vsmcp::vsphere
