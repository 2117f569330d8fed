// JSON forms of the inventory summaries: the shapes the output schemas describe, shared by the
// lists and gets of every surface.
#include "util.hpp"

namespace vsmcp::ops {

using namespace vsphere;

namespace util {

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

// ---- The item schemas of these forms (util.hpp), member for member --------------------------

namespace {

Schema idOf(const std::string& what, const std::string& example) {
  return Schema::string("Id (managed object reference) of the " + what + ", e.g. " + example);
}

// A snapshot node without its children, which snapshotForm adds.
Schema snapshotNode(const std::string& description) {
  return Schema::result(description)
      .prop("id", idOf("snapshot", "snapshot-15"), kRequired)
      .prop("name", Schema::string("Snapshot name (not unique: a tree may hold two of one name)"), kRequired)
      .prop("description", Schema::string("The snapshot's description; empty when none"))
      .prop("created", Schema::string("When it was taken, ISO 8601 (2026-11-23T06:45:41Z)"))
      .prop("power_state",
            Schema::string("The VM's power state when it was taken: poweredOn, poweredOff or suspended (a "
                           "poweredOn snapshot holds memory)"))
      .prop("quiesced", Schema::boolean("True when the guest file systems were quiesced by VMware Tools"))
      .prop("current", Schema::boolean("True for the snapshot the VM currently runs from (the parent of its "
                                       "present state)"));
}

}  // namespace

Schema vmForm() {
  return Schema::result("A virtual machine or template")
      .prop("id", idOf("VM", "vm-42"), kRequired)
      .prop("name", Schema::string("VM name (its display name in the inventory)"), kRequired)
      .prop("power_state", Schema::string("poweredOn, poweredOff or suspended (unknown when the host does not "
                                          "answer)"))
      .prop("guest_id", Schema::string("Configured guest OS id, e.g. otherGuest64, ubuntu64Guest"))
      .prop("guest_full_name", Schema::string("Configured guest OS in words, e.g. Ubuntu Linux (64-bit)"))
      .prop("num_cpu", Schema::integer("Virtual CPUs"))
      .prop("memory_mb", Schema::integer("Memory").unit("MB"))
      .prop("host", Schema::string("Name of the ESXi host it runs or is registered on (not an id)"))
      .prop("cluster", Schema::string("Name of the cluster (or standalone host's compute resource) of its host"))
      .prop("datastores", Schema::array(Schema::string("Datastore name"), "Names of the datastores holding its files"))
      .prop("networks", Schema::array(Schema::string("Network name"), "Names of the networks its NICs connect to"))
      .prop("ip_address", Schema::string("Primary guest IP address reported by VMware Tools; empty when unknown"))
      .prop("ip_addresses", Schema::array(Schema::string("IPv4 or IPv6 address"),
                                          "Every guest NIC address reported by VMware Tools"))
      .prop("tools_status", Schema::string("VMware Tools status: toolsOk, toolsOld, toolsNotRunning or "
                                           "toolsNotInstalled; empty when unknown"))
      .prop("uuid", Schema::string("BIOS UUID (config.uuid); a VM locator"))
      .prop("instance_uuid", Schema::string("vCenter instance UUID (config.instanceUuid)"))
      .prop("folder", Schema::string("Inventory path of its parent folder, e.g. /DC0/vm/prod"))
      .prop("template", Schema::boolean("True for a template (a clone source that cannot power on)"))
      .prop("annotation", Schema::string("The VM's notes; empty when none"))
      .prop("overall_status", Schema::string("vCenter health: green, yellow, red or gray (unknown)"));
}

Schema hostForm() {
  return Schema::result("An ESXi host")
      .prop("id", idOf("host", "host-12"), kRequired)
      .prop("name", Schema::string("Host name as in the inventory (often its DNS name or IP)"), kRequired)
      .prop("connection_state", Schema::string("connected, disconnected or notResponding"))
      .prop("power_state", Schema::string("poweredOn, poweredOff, standBy or unknown"))
      .prop("in_maintenance_mode", Schema::boolean("True when the host is in maintenance mode (runs no VMs)"))
      .prop("cluster", Schema::string("Name of its cluster (or of its own compute resource when standalone)"))
      .prop("datacenter", Schema::string("Name of its datacenter"))
      .prop("cpu_cores", Schema::integer("Physical CPU cores"))
      .prop("cpu_mhz_total", Schema::integer("CPU capacity: cores x core speed").unit("MHz"))
      .prop("cpu_mhz_used", Schema::integer("CPU in use now").unit("MHz"))
      .prop("memory_mb_total", Schema::integer("Physical memory").unit("MB"))
      .prop("memory_mb_used", Schema::integer("Memory in use now").unit("MB"))
      .prop("version", Schema::string("ESXi version, e.g. 8.0.2"))
      .prop("build", Schema::string("ESXi build number"))
      .prop("vm_count", Schema::integer("VMs (and templates) registered on the host"))
      .prop("overall_status", Schema::string("vCenter health: green, yellow, red or gray (unknown)"));
}

Schema clusterForm() {
  return Schema::result("A cluster")
      .prop("id", idOf("cluster", "domain-c7"), kRequired)
      .prop("name", Schema::string("Cluster name"), kRequired)
      .prop("datacenter", Schema::string("Name of its datacenter"))
      .prop("drs_enabled", Schema::boolean("True when DRS balances VMs across its hosts"))
      .prop("drs_behavior", Schema::string("DRS automation: manual, partiallyAutomated or fullyAutomated"))
      .prop("ha_enabled", Schema::boolean("True when vSphere HA restarts VMs of a failed host"))
      .prop("num_hosts", Schema::integer("Hosts in the cluster"))
      .prop("num_effective_hosts", Schema::integer("Hosts that can run VMs now (connected, not in maintenance)"))
      .prop("total_cpu_mhz", Schema::integer("CPU capacity of all its hosts").unit("MHz"))
      .prop("total_memory_mb", Schema::integer("Memory of all its hosts").unit("MB"))
      .prop("overall_status", Schema::string("vCenter health: green, yellow, red or gray (unknown)"));
}

Schema datacenterForm() {
  return Schema::result("A datacenter")
      .prop("id", idOf("datacenter", "datacenter-2"), kRequired)
      .prop("name", Schema::string("Datacenter name"), kRequired)
      .prop("path", Schema::string("Inventory path, e.g. /DC0 (/Folder/DC0 inside a folder)"));
}

Schema datastoreForm() {
  return Schema::result("A datastore")
      .prop("id", idOf("datastore", "datastore-11"), kRequired)
      .prop("name", Schema::string("Datastore name"), kRequired)
      .prop("type", Schema::string("File system type: VMFS, NFS, NFS41, vsan, vvol or OTHER"))
      .prop("capacity_bytes", Schema::integer("Capacity").unit("bytes"))
      .prop("free_bytes", Schema::integer("Free space").unit("bytes"))
      .prop("accessible", Schema::boolean("True when the datastore can be used now"))
      .prop("datacenter", Schema::string("Name of its datacenter"))
      .prop("vm_count", Schema::integer("VMs with files on the datastore"))
      .prop("maintenance_mode", Schema::string("normal, enteringMaintenance or inMaintenance; empty when not "
                                               "reported"));
}

Schema networkForm() {
  return Schema::result("A network")
      .prop("id", idOf("network", "network-7 or dvportgroup-9"), kRequired)
      .prop("name", Schema::string("Network (port group) name"), kRequired)
      .prop("kind", Schema::string("standard (a host port group), distributed (a distributed port group) or "
                                   "opaque (NSX)"))
      .prop("accessible", Schema::boolean("True when at least one host can reach it"))
      .prop("datacenter", Schema::string("Name of its datacenter"))
      .prop("vm_count", Schema::integer("VMs connected to it"));
}

Schema poolForm() {
  return Schema::result("A resource pool")
      .prop("id", idOf("resource pool", "resgroup-9"), kRequired)
      .prop("name", Schema::string("Resource pool name (every cluster's root pool is named Resources)"), kRequired)
      .prop("path", Schema::string("Inventory path, e.g. /DC0/host/C0/Resources/prod; unique where names are not"))
      .prop("owner", Schema::string("Name of the cluster (or standalone host's compute resource) it belongs to"))
      .prop("vm_count", Schema::integer("VMs directly in the pool"));
}

Schema folderForm() {
  return Schema::result("An inventory folder")
      .prop("id", idOf("folder", "group-v3"), kRequired)
      .prop("name", Schema::string("Folder name"), kRequired)
      .prop("path", Schema::string("Inventory path, e.g. /DC0/vm/prod"))
      .prop("child_types", Schema::array(Schema::string("A managed object type, e.g. Folder, VirtualMachine"),
                                         "The kinds of object the folder may hold"))
      .prop("child_count", Schema::integer("Objects directly in the folder"));
}

Schema snapshotForm() {
  return snapshotNode("A snapshot, with the snapshots taken from it")
      .prop("children",
            Schema::array(snapshotNode("A snapshot taken from this one")
                              .prop("children", Schema::array(Schema::result("A snapshot in this same form (id, name, "
                                                                             "description, created, power_state, "
                                                                             "quiesced, current, children)")
                                                                  .open(),
                                                              "The snapshots taken from it, in this same form")),
                          "The snapshots taken from this one, in this same form"));
}

Result<VmSummary> getTemplate(Client& c, const Locator& locator, Freshness* freshness) {
  VSMCP_ASSIGN_OR_RETURN(VmSummary vm, c.getVm(locator, freshness));
  if (!vm.is_template)
    return Status::Error(ErrorCode::kNotFound,
                         "'" + locator.value + "' is a virtual machine (" + vm.ref.value +
                             "), not a template; vm_mark_template turns a VM into one",
                         ErrorDetails{"", 0, vm.ref.value});
  return vm;
}

}  // namespace util

Json toJson(const VmSummary& vm) {
  Json ips = util::strings(vm.ip_addresses);
  return Json::object()
      .set("id", vm.ref.value).set("name", vm.name).set("power_state", powerStateName(vm.power_state))
      .set("guest_id", vm.guest_id).set("guest_full_name", vm.guest_full_name).set("num_cpu", vm.num_cpu)
      .set("memory_mb", vm.memory_mb).set("host", vm.host_name).set("cluster", vm.cluster)
      .set("datastores", util::strings(vm.datastores)).set("networks", util::strings(vm.networks)).set("ip_address", vm.ip_address).set("ip_addresses", ips)
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

}  // namespace vsmcp::ops
