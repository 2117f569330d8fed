// VM and host operations: power, snapshots, clone/create/destroy, reconfigure, templates,
// relocation and maintenance mode. Each encodes its vim25 request in XSD element order.
#include <algorithm>
#include <cctype>
#include <functional>

#include "client_impl.hpp"
#include "live_inventory.hpp"

namespace vsmcp::vsphere {

using soap::child;
using soap::childText;
using soap::SoapWriter;

namespace {

constexpr int kMaxCpus = 768;
constexpr std::int64_t kMaxMemoryMb = 24LL * 1024 * 1024;  // 24 TB
constexpr size_t kMaxNameLength = 80;  // vSphere entity name limit

Status checkVmName(const std::string& name) {
  if (name.empty()) return Status::InvalidArgument("VM name must not be empty");
  size_t chars = 0;
  for (unsigned char c : name) chars += (c & 0xC0) != 0x80;  // UTF-8 characters
  if (chars > kMaxNameLength)
    return Status::InvalidArgument("VM name is " + std::to_string(chars) +
                                   " characters; vSphere allows at most 80");
  return Status::Ok();
}

Status checkSizing(std::optional<int> cpus, std::optional<std::int64_t> memory_mb) {
  if (cpus && (*cpus < 1 || *cpus > kMaxCpus))
    return Status::InvalidArgument("num_cpus must be between 1 and 768, got " + std::to_string(*cpus));
  if (memory_mb && (*memory_mb < 4 || *memory_mb > kMaxMemoryMb))
    return Status::InvalidArgument("memory_mb must be between 4 and 25165824, got " +
                                   std::to_string(*memory_mb));
  if (memory_mb && *memory_mb % 4 != 0)
    return Status::InvalidArgument("memory_mb must be a multiple of 4, got " + std::to_string(*memory_mb));
  return Status::Ok();
}

// Writes the VirtualMachineConfigSpec fields we set, in XSD order.
void writeConfigFields(SoapWriter& w, const std::optional<std::string>& name,
                       const std::optional<std::string>& annotation, std::optional<int> cpus,
                       std::optional<std::int64_t> memory_mb) {
  if (name) w.text("name", *name);
  if (annotation) w.text("annotation", *annotation);
  if (cpus) w.integer("numCPUs", *cpus);
  if (memory_mb) w.integer("memoryMB", *memory_mb);
}

void collectSnapshots(pugi::xml_node list_parent, const MoRef& current,
                      std::vector<SnapshotNode>& out) {
  for (auto n = list_parent.first_child(); n; n = n.next_sibling()) {
    auto local = soap::localName(n.name());
    if (local != "rootSnapshotList" && local != "childSnapshotList") continue;
    SnapshotNode s;
    s.ref = soap::readMoRef(child(n, "snapshot"));
    s.name = childText(n, "name");
    s.description = childText(n, "description");
    s.id = static_cast<int>(soap::toInt(child(n, "id")));
    s.create_time = childText(n, "createTime");
    s.state = childText(n, "state");
    s.quiesced = soap::toBool(child(n, "quiesced"));
    s.is_current = !current.empty() && s.ref == current;
    collectSnapshots(n, current, s.children);
    out.push_back(std::move(s));
  }
}

void flatten(const std::vector<SnapshotNode>& nodes, std::vector<const SnapshotNode*>& out) {
  for (const auto& n : nodes) {
    out.push_back(&n);
    flatten(n.children, out);
  }
}

}  // namespace

// --- power -------------------------------------------------------------------------------

Result<TaskInfo> Client::powerOn(const MoRef& vm, const TaskOptions& options) {
  return impl_->simpleTask("PowerOnVM_Task", vm, options);
}

Result<TaskInfo> Client::powerOff(const MoRef& vm, const TaskOptions& options) {
  return impl_->simpleTask("PowerOffVM_Task", vm, options);
}

Result<TaskInfo> Client::reset(const MoRef& vm, const TaskOptions& options) {
  return impl_->simpleTask("ResetVM_Task", vm, options);
}

Result<TaskInfo> Client::suspend(const MoRef& vm, const TaskOptions& options) {
  return impl_->simpleTask("SuspendVM_Task", vm, options);
}

Status Client::shutdownGuest(const MoRef& vm) {
  return impl_->simpleCall("ShutdownGuest", vm, "guest shutdown of " + vm.value);
}

Status Client::rebootGuest(const MoRef& vm) {
  return impl_->simpleCall("RebootGuest", vm, "guest reboot of " + vm.value);
}

// --- snapshots -----------------------------------------------------------------------------

Result<SnapshotTree> Client::snapshots(const MoRef& vm) {
  SnapshotTree tree;
  bool found = false;
  VSMCP_RETURN_IF_ERROR(impl_->retrieveObjects({vm}, {"snapshot"}, [&](const ObjectContent& oc) {
    found = true;
    auto info = oc.get("snapshot");
    tree.current = soap::readMoRef(child(info, "currentSnapshot"));
    collectSnapshots(info, tree.current, tree.roots);
    return Status::Ok();
  }));
  if (!found) return Status::NotFound("no VM " + vm.value);
  return tree;
}

Result<MoRef> Client::findSnapshot(const MoRef& vm, const std::string& snapshot) {
  VSMCP_ASSIGN_OR_RETURN(SnapshotTree tree, snapshots(vm));
  std::vector<const SnapshotNode*> all;
  flatten(tree.roots, all);
  if (snapshot.empty()) {
    if (tree.current.empty())
      return Status::Error(ErrorCode::kNotFound, "VM " + vm.value + " has no current snapshot",
                           ErrorDetails{"", 0, vm.value});
    return tree.current;
  }
  std::vector<const SnapshotNode*> named;
  for (const auto* n : all) {
    if (n->ref.value == snapshot) return n->ref;
    if (n->name == snapshot) named.push_back(n);
  }
  if (named.size() == 1) return named.front()->ref;
  if (named.empty()) {
    std::string names;
    for (size_t i = 0; i < all.size() && i < 10; ++i) names += (i ? ", '" : "'") + all[i]->name + "'";
    return Status::Error(ErrorCode::kNotFound,
                         "VM " + vm.value + " has no snapshot named '" + snapshot + "'" +
                             (all.empty() ? " (it has no snapshots)" : " (it has " + names + ")"),
                         ErrorDetails{"", 0, vm.value});
  }
  std::string ids;
  for (const auto* n : named) ids += (ids.empty() ? "" : ", ") + n->ref.value;
  return Status::InvalidArgument(std::to_string(named.size()) + " snapshots of " + vm.value +
                                 " are named '" + snapshot + "' (" + ids + "); give the id");
}

Result<TaskInfo> Client::createSnapshot(const MoRef& vm, const std::string& name,
                                        const std::string& description, bool memory,
                                        bool quiesce, const TaskOptions& options) {
  if (name.empty()) return Status::InvalidArgument("snapshot name must not be empty");
  SoapWriter w("CreateSnapshot_Task");
  w.moref("_this", vm).text("name", name);
  if (!description.empty()) w.text("description", description);
  w.boolean("memory", memory).boolean("quiesce", quiesce);
  return impl_->runTask(w, "CreateSnapshot_Task", options);
}

Result<TaskInfo> Client::revertToSnapshot(const MoRef& vm, const std::string& snapshot,
                                          const TaskOptions& options) {
  if (snapshot.empty()) {
    SoapWriter w("RevertToCurrentSnapshot_Task");
    w.moref("_this", vm);
    return impl_->runTask(w, "RevertToCurrentSnapshot_Task", options);
  }
  VSMCP_ASSIGN_OR_RETURN(MoRef snap, findSnapshot(vm, snapshot));
  SoapWriter w("RevertToSnapshot_Task");
  w.moref("_this", snap);
  return impl_->runTask(w, "RevertToSnapshot_Task", options);
}

Result<TaskInfo> Client::removeSnapshot(const MoRef& vm, const std::string& snapshot,
                                        bool remove_children, const TaskOptions& options) {
  VSMCP_ASSIGN_OR_RETURN(MoRef snap, findSnapshot(vm, snapshot));
  SoapWriter w("RemoveSnapshot_Task");
  w.moref("_this", snap).boolean("removeChildren", remove_children).boolean("consolidate", true);
  return impl_->runTask(w, "RemoveSnapshot_Task", options);
}

Result<TaskInfo> Client::removeAllSnapshots(const MoRef& vm, const TaskOptions& options) {
  SoapWriter w("RemoveAllSnapshots_Task");
  w.moref("_this", vm).boolean("consolidate", true);
  return impl_->runTask(w, "RemoveAllSnapshots_Task", options);
}

// --- lifecycle -----------------------------------------------------------------------------

namespace {

struct Placement {
  MoRef folder, pool, host, datastore;
};

}  // namespace

namespace {

bool isIpv4(const std::string& s) {
  int parts = 0;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = s.find('.', i);
    if (j == std::string::npos) j = s.size();
    std::string part = s.substr(i, j - i);
    if (part.empty() || part.size() > 3 || part.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(part) > 255)
      return false;
    ++parts;
    i = j + 1;
  }
  return parts == 4;
}

Status checkCustomization(const GuestCustomization& c) {
  const std::string& h = c.host_name;
  bool ok = !h.empty() && h.size() <= 63 && h.front() != '-' && h.back() != '-';
  for (char ch : h) ok = ok && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-');
  if (!ok)
    return Status::InvalidArgument("host_name '" + h + "' must be 1-63 letters, digits or '-', not starting or ending with '-'");
  if (c.domain.empty()) return Status::InvalidArgument("the customization domain must not be empty");
  if (!c.ip_address.empty()) {
    if (!isIpv4(c.ip_address)) return Status::InvalidArgument("ip_address '" + c.ip_address + "' is not an IPv4 address");
    if (!isIpv4(c.netmask)) return Status::InvalidArgument("netmask '" + c.netmask + "' is not an IPv4 netmask");
  }
  if (!c.gateway.empty() && !isIpv4(c.gateway))
    return Status::InvalidArgument("gateway '" + c.gateway + "' is not an IPv4 address");
  for (const auto& d : c.dns_servers)
    if (!isIpv4(d)) return Status::InvalidArgument("dns server '" + d + "' is not an IPv4 address");
  return Status::Ok();
}

// CustomizationSpec, members in the order vim25 declares them: identity, globalIPSettings,
// nicSettingMap.
void writeCustomization(SoapWriter& w, const GuestCustomization& c) {
  w.open("customization");
  w.open("identity", "CustomizationLinuxPrep");
  w.open("hostName", "CustomizationFixedName").text("name", c.host_name).close("hostName");
  w.text("domain", c.domain);
  w.close("identity");
  w.open("globalIPSettings");
  for (const auto& d : c.dns_servers) w.text("dnsServerList", d);
  w.close("globalIPSettings");
  w.open("nicSettingMap").open("adapter");
  if (c.ip_address.empty()) {
    w.open("ip", "CustomizationDhcpIpGenerator").close("ip");
  } else {
    w.open("ip", "CustomizationFixedIp").text("ipAddress", c.ip_address).close("ip");
    w.text("subnetMask", c.netmask);
  }
  if (!c.gateway.empty()) w.text("gateway", c.gateway);
  w.close("adapter").close("nicSettingMap");
  w.close("customization");
}

// What a NIC needs to attach to a network: a standard port group by name and moref, or a
// distributed port group by its switch's UUID and its key.
struct NetworkBacking {
  MoRef ref;
  std::string name;
  std::string switch_uuid;    // distributed port groups only
  std::string portgroup_key;  // ditto
};

Result<NetworkBacking> networkBacking(Client& client, Client::Impl& impl, const std::string& network,
                                      std::string_view who) {
  NetworkBacking b;
  VSMCP_ASSIGN_OR_RETURN(b.ref, client.resolve("Network", Locator::any(network)));
  if (b.ref.type == "OpaqueNetwork")
    return Status::Unsupported("network '" + network + "' is an NSX opaque network, which " + std::string(who) +
                               " cannot attach yet");
  const bool dvpg = b.ref.type == "DistributedVirtualPortgroup";
  MoRef dvs;
  VSMCP_RETURN_IF_ERROR(impl.retrieveObjects(
      {b.ref},
      dvpg ? std::vector<std::string>{"name", "key", "config.distributedVirtualSwitch"}
           : std::vector<std::string>{"name"},
      [&](const ObjectContent& oc) {
        b.name = oc.str("name");
        b.portgroup_key = oc.str("key");
        dvs = oc.moref("config.distributedVirtualSwitch");
        return Status::Ok();
      }));
  if (dvpg) {
    if (dvs.empty()) return Status::NotFound("cannot find the distributed switch of port group '" + b.name + "'");
    VSMCP_RETURN_IF_ERROR(impl.retrieveObjects({dvs}, {"uuid"}, [&](const ObjectContent& oc) {
      b.switch_uuid = oc.str("uuid");
      return Status::Ok();
    }));
  }
  return b;
}

void writeNicBacking(SoapWriter& w, const NetworkBacking& b) {
  if (b.ref.type == "DistributedVirtualPortgroup") {
    w.open("backing", "VirtualEthernetCardDistributedVirtualPortBackingInfo")
        .open("port")
        .text("switchUuid", b.switch_uuid)
        .text("portgroupKey", b.portgroup_key)
        .close("port")
        .close("backing");
  } else {
    w.open("backing", "VirtualEthernetCardNetworkBackingInfo")
        .text("deviceName", b.name)
        .moref("network", b.ref)
        .close("backing");
  }
}

// A new vmxnet3 NIC on `b` (key -102: negative keys name devices a spec adds).
void writeAddNic(SoapWriter& w, const NetworkBacking& b) {
  w.open("deviceChange").text("operation", "add").open("device", "VirtualVmxnet3");
  w.integer("key", -102);
  writeNicBacking(w, b);
  w.open("connectable")
      .boolean("startConnected", true)
      .boolean("allowGuestControl", true)
      .boolean("connected", false)
      .close("connectable");
  w.text("addressType", "generated");
  w.close("device").close("deviceChange");
}

bool isEthernetCard(std::string_view type) {
  static const char* const kCards[] = {"VirtualE1000",   "VirtualE1000e",       "VirtualPCNet32",
                                       "VirtualVmxnet",  "VirtualVmxnet2",      "VirtualVmxnet3",
                                       "VirtualVmxnet3Vrdma", "VirtualSriovEthernetCard"};
  return std::any_of(std::begin(kCards), std::end(kCards), [&](const char* c) { return type == c; });
}

// The first NIC of a VM's device list, as vim25 returned it; empty if it has none.
pugi::xml_node firstNic(pugi::xml_node devices) {
  for (auto d = devices.first_child(); d; d = d.next_sibling())
    if (d.type() == pugi::node_element && isEthernetCard(soap::xsiType(d))) return d;
  return {};
}

// Moves the source's first NIC onto `b`: an "edit" of that device carrying its identity (key,
// label, controller, unit, address type) and connection settings with the new backing. Its MAC is left
// out unless set by hand, so the clone gets a fresh one as usual.
void writeEditNic(SoapWriter& w, pugi::xml_node nic, const NetworkBacking& b) {
  const std::string type(soap::xsiType(nic));
  w.open("deviceChange").text("operation", "edit").open("device", type);
  w.integer("key", soap::toInt(child(nic, "key")));
  std::string label = childText(child(nic, "deviceInfo"), "label");
  w.open("deviceInfo", "Description")
      .text("label", label.empty() ? "Network adapter" : label)
      .text("summary", b.name)
      .close("deviceInfo");
  writeNicBacking(w, b);
  pugi::xml_node conn = child(nic, "connectable");
  w.open("connectable")
      .boolean("startConnected", conn ? soap::toBool(child(conn, "startConnected")) : true)
      .boolean("allowGuestControl", conn ? soap::toBool(child(conn, "allowGuestControl")) : true)
      .boolean("connected", false)
      .close("connectable");
  if (child(nic, "controllerKey")) w.integer("controllerKey", soap::toInt(child(nic, "controllerKey")));
  if (child(nic, "unitNumber")) w.integer("unitNumber", soap::toInt(child(nic, "unitNumber")));
  const std::string address_type = childText(nic, "addressType");
  if (!address_type.empty()) w.text("addressType", address_type);
  if (address_type == "manual") w.text("macAddress", childText(nic, "macAddress"));
  w.close("device").close("deviceChange");
}

// Puts a VM's first NIC (`nic`, a copy of it, empty if it has none) on `b`: an edit of that NIC,
// or a new one.
void writeNicChange(SoapWriter& w, const pugi::xml_document& nic, const NetworkBacking& b) {
  if (nic.first_child())
    writeEditNic(w, nic.first_child(), b);
  else
    writeAddNic(w, b);
}

}  // namespace

Result<TaskInfo> Client::cloneVm(const MoRef& source, const CloneSpec& spec,
                                 const TaskOptions& options) {
  VSMCP_RETURN_IF_ERROR(checkVmName(spec.name));
  VSMCP_RETURN_IF_ERROR(checkSizing(spec.num_cpus, spec.memory_mb));
  if (spec.customization) {
    VSMCP_RETURN_IF_ERROR(checkCustomization(*spec.customization));
    if (!isVCenter()) return Status::Unsupported("guest customization needs vCenter; this is a standalone ESXi host");
  }
  MoRef parent, pool, host;
  pugi::xml_document nic;  // the source's first NIC, copied out of the reply
  std::vector<std::string> source_props{"parent", "resourcePool", "runtime.host"};
  if (!spec.network.empty()) source_props.push_back("config.hardware.device");
  VSMCP_RETURN_IF_ERROR(impl_->retrieveObjects(
      {source}, source_props, [&](const ObjectContent& oc) {
        parent = oc.moref("parent");
        pool = oc.moref("resourcePool");
        host = oc.moref("runtime.host");
        if (auto n = firstNic(oc.get("config.hardware.device"))) nic.append_copy(n);
        return Status::Ok();
      }));
  std::optional<NetworkBacking> network;
  if (!spec.network.empty()) {
    VSMCP_ASSIGN_OR_RETURN(network, networkBacking(*this, *impl_, spec.network, "a clone"));
  }
  Placement p;
  p.folder = parent;
  if (!spec.folder.empty()) { VSMCP_ASSIGN_OR_RETURN(p.folder, resolve("Folder", Locator::any(spec.folder))); }
  if (!spec.resource_pool.empty()) {
    VSMCP_ASSIGN_OR_RETURN(p.pool, resolve("ResourcePool", Locator::any(spec.resource_pool)));
  } else if (!pool.empty()) {
    p.pool = pool;
  } else if (!host.empty()) {
    // A template has no pool: use the root pool of its host's cluster.
    VSMCP_ASSIGN_OR_RETURN(p.pool, impl_->rootPoolOfHost(host));
  }
  if (!spec.host.empty()) { VSMCP_ASSIGN_OR_RETURN(p.host, resolve("HostSystem", Locator::any(spec.host))); }
  if (!spec.datastore.empty()) {
    VSMCP_ASSIGN_OR_RETURN(p.datastore, resolve("Datastore", Locator::any(spec.datastore)));
  }
  if (p.folder.empty()) return Status::InvalidArgument("cannot tell the target folder; give one");
  MoRef snapshot;
  if (!spec.linked_snapshot.empty()) {
    VSMCP_ASSIGN_OR_RETURN(snapshot, findSnapshot(source, spec.linked_snapshot));
  }
  SoapWriter w("CloneVM_Task");
  w.moref("_this", source).moref("folder", p.folder).text("name", spec.name).open("spec");
  w.open("location");
  if (!p.datastore.empty()) w.moref("datastore", p.datastore);
  if (!snapshot.empty()) w.text("diskMoveType", "createNewChildDiskBacking");
  if (!p.pool.empty()) w.moref("pool", p.pool);
  if (!p.host.empty()) w.moref("host", p.host);
  w.close("location");
  w.boolean("template", spec.as_template);
  if (spec.num_cpus || spec.memory_mb || spec.annotation || network) {
    w.open("config");
    writeConfigFields(w, std::nullopt, spec.annotation, spec.num_cpus, spec.memory_mb);
    if (network) writeNicChange(w, nic, *network);
    w.close("config");
  }
  if (spec.customization) writeCustomization(w, *spec.customization);
  w.boolean("powerOn", spec.power_on && !spec.as_template);
  if (!snapshot.empty()) w.moref("snapshot", snapshot);
  w.close("spec");
  return impl_->runTask(w, "CloneVM_Task", options);
}

Result<MoRef> Client::defaultResourcePool(const MoRef& host) {
  MoRef compute;
  if (!host.empty()) {
    VSMCP_RETURN_IF_ERROR(impl_->retrieveObjects({host}, {"parent"}, [&](const ObjectContent& oc) {
      compute = oc.moref("parent");
      return Status::Ok();
    }));
  } else {
    VSMCP_RETURN_IF_ERROR(impl_->retrieveView(
        {"ComputeResource", "ClusterComputeResource"},
        {{"ComputeResource", {"name"}}, {"ClusterComputeResource", {"name"}}},
        [&](const ObjectContent& oc) {
          if (compute.empty() ||
              (compute.type != "ClusterComputeResource" && oc.ref.type == "ClusterComputeResource"))
            compute = oc.ref;
          return Status::Ok();
        }));
  }
  if (compute.empty()) return Status::NotFound("no compute resource to place the VM on");
  MoRef pool;
  VSMCP_RETURN_IF_ERROR(impl_->retrieveObjects({compute}, {"resourcePool"}, [&](const ObjectContent& oc) {
    pool = oc.moref("resourcePool");
    return Status::Ok();
  }));
  if (pool.empty()) return Status::NotFound("no resource pool to place the VM in; give one");
  return pool;
}

Result<TaskInfo> Client::createVm(const CreateVmSpec& spec, const TaskOptions& options) {
  VSMCP_RETURN_IF_ERROR(checkVmName(spec.name));
  VSMCP_RETURN_IF_ERROR(checkSizing(spec.num_cpus, spec.memory_mb));
  if (spec.guest_id.empty()) return Status::InvalidArgument("guest_id must not be empty");
  if (spec.disk_gb < 0 || spec.disk_gb > 62 * 1024)
    return Status::InvalidArgument("disk_gb must be between 0 and 63488, got " + std::to_string(spec.disk_gb));
  Placement p;
  if (!spec.host.empty()) { VSMCP_ASSIGN_OR_RETURN(p.host, resolve("HostSystem", Locator::any(spec.host))); }
  MoRef compute;  // where pool and datastore defaults come from
  if (!spec.resource_pool.empty()) {
    VSMCP_ASSIGN_OR_RETURN(p.pool, resolve("ResourcePool", Locator::any(spec.resource_pool)));
  } else {
    VSMCP_ASSIGN_OR_RETURN(p.pool, defaultResourcePool(p.host));
  }
  VSMCP_RETURN_IF_ERROR(impl_->retrieveObjects({p.pool}, {"owner"}, [&](const ObjectContent& oc) {
    compute = oc.moref("owner");
    return Status::Ok();
  }));
  // Datastore: the given one, else the first accessible one of the compute resource.
  std::string ds_name;
  if (!spec.datastore.empty()) {
    VSMCP_ASSIGN_OR_RETURN(p.datastore, resolve("Datastore", Locator::any(spec.datastore)));
  } else {
    std::vector<MoRef> candidates;
    VSMCP_RETURN_IF_ERROR(impl_->retrieveObjects(
        {p.host.empty() ? compute : p.host}, {"datastore"}, [&](const ObjectContent& oc) {
          for (auto n = oc.get("datastore").first_child(); n; n = n.next_sibling())
            if (n.type() == pugi::node_element) candidates.push_back(soap::readMoRef(n));
          return Status::Ok();
        }));
    VSMCP_RETURN_IF_ERROR(impl_->retrieveObjects(candidates, {"summary.accessible"}, [&](const ObjectContent& oc) {
      if (p.datastore.empty() && oc.boolean("summary.accessible")) p.datastore = oc.ref;
      return Status::Ok();
    }));
    if (p.datastore.empty()) return Status::NotFound("no accessible datastore for the new VM; give one");
  }
  VSMCP_RETURN_IF_ERROR(impl_->retrieveObjects({p.datastore}, {"name"}, [&](const ObjectContent& oc) {
    ds_name = oc.str("name");
    return Status::Ok();
  }));
  // Folder: the given one, else the VM folder of the datacenter holding the pool.
  if (!spec.folder.empty()) {
    VSMCP_ASSIGN_OR_RETURN(p.folder, resolve("Folder", Locator::any(spec.folder)));
  } else {
    VSMCP_ASSIGN_OR_RETURN(InventoryIndex index, impl_->inventoryIndex());
    const auto* dc = index.ancestor(compute, "Datacenter");
    if (!dc) return Status::NotFound("cannot find the datacenter of " + compute.value);
    VSMCP_RETURN_IF_ERROR(impl_->retrieveObjects({dc->ref}, {"vmFolder"}, [&](const ObjectContent& oc) {
      p.folder = oc.moref("vmFolder");
      return Status::Ok();
    }));
  }
  std::optional<NetworkBacking> network;
  if (!spec.network.empty()) {
    VSMCP_ASSIGN_OR_RETURN(network, networkBacking(*this, *impl_, spec.network, "createVm"));
  }

  SoapWriter w("CreateVM_Task");
  w.moref("_this", p.folder).open("config");
  w.text("name", spec.name).text("guestId", spec.guest_id);
  if (!spec.annotation.empty()) w.text("annotation", spec.annotation);
  w.open("files").text("vmPathName", "[" + ds_name + "]").close("files");
  w.integer("numCPUs", spec.num_cpus).integer("memoryMB", spec.memory_mb);
  if (spec.disk_gb > 0) {
    w.open("deviceChange").text("operation", "add").open("device", "ParaVirtualSCSIController");
    w.integer("key", -100).integer("busNumber", 0).text("sharedBus", "noSharing");
    w.close("device").close("deviceChange");
    w.open("deviceChange").text("operation", "add").text("fileOperation", "create");
    w.open("device", "VirtualDisk").integer("key", -101);
    w.open("backing", "VirtualDiskFlatVer2BackingInfo")
        .text("fileName", "[" + ds_name + "]")
        .moref("datastore", p.datastore)
        .text("diskMode", "persistent")
        .boolean("thinProvisioned", true)
        .close("backing");
    w.integer("controllerKey", -100).integer("unitNumber", 0);
    w.integer("capacityInKB", spec.disk_gb * 1024 * 1024);
    w.close("device").close("deviceChange");
  }
  if (network) writeAddNic(w, *network);
  w.close("config").moref("pool", p.pool);
  if (!p.host.empty()) w.moref("host", p.host);
  return impl_->runTask(w, "CreateVM_Task", options);
}

Result<TaskInfo> Client::destroyVm(const MoRef& vm, const TaskOptions& options) {
  return impl_->simpleTask("Destroy_Task", vm, options);
}

Result<TaskInfo> Client::reconfigureVm(const MoRef& vm, const ReconfigureSpec& spec,
                                       const TaskOptions& options) {
  if (spec.empty())
    return Status::InvalidArgument("nothing to change: give CPUs, memory, annotation, name or network");
  if (spec.name) VSMCP_RETURN_IF_ERROR(checkVmName(*spec.name));
  VSMCP_RETURN_IF_ERROR(checkSizing(spec.num_cpus, spec.memory_mb));
  std::optional<NetworkBacking> network;
  pugi::xml_document nic;  // the VM's first NIC, copied out of the reply
  if (!spec.network.empty()) {
    VSMCP_ASSIGN_OR_RETURN(network, networkBacking(*this, *impl_, spec.network, "a reconfigure"));
    VSMCP_RETURN_IF_ERROR(impl_->retrieveObjects({vm}, {"config.hardware.device"}, [&](const ObjectContent& oc) {
      if (auto n = firstNic(oc.get("config.hardware.device"))) nic.append_copy(n);
      return Status::Ok();
    }));
  }
  SoapWriter w("ReconfigVM_Task");
  w.moref("_this", vm).open("spec");
  writeConfigFields(w, spec.name, spec.annotation, spec.num_cpus, spec.memory_mb);
  if (network) writeNicChange(w, nic, *network);
  w.close("spec");
  return impl_->runTask(w, "ReconfigVM_Task", options);
}

Status Client::markAsTemplate(const MoRef& vm) {
  return impl_->simpleCall("MarkAsTemplate", vm, "mark " + vm.value + " as template");
}

Status Client::markAsVirtualMachine(const MoRef& vm, const std::string& pool,
                                    const std::string& host) {
  MoRef pool_ref, host_ref;
  if (!host.empty()) { VSMCP_ASSIGN_OR_RETURN(host_ref, resolve("HostSystem", Locator::any(host))); }
  if (!pool.empty()) {
    VSMCP_ASSIGN_OR_RETURN(pool_ref, resolve("ResourcePool", Locator::any(pool)));
  } else {
    // Default: the root pool of the template's host (or the given host's) compute resource.
    MoRef h = host_ref;
    if (h.empty()) {
      VSMCP_RETURN_IF_ERROR(impl_->retrieveObjects({vm}, {"runtime.host"}, [&](const ObjectContent& oc) {
        h = oc.moref("runtime.host");
        return Status::Ok();
      }));
    }
    if (h.empty()) return Status::InvalidArgument("template " + vm.value + " has no host; give a resource pool");
    VSMCP_ASSIGN_OR_RETURN(pool_ref, impl_->rootPoolOfHost(h));
  }
  SoapWriter w("MarkAsVirtualMachine");
  w.moref("_this", vm).moref("pool", pool_ref);
  if (!host_ref.empty()) w.moref("host", host_ref);
  auto r = impl_->call(w, "MarkAsVirtualMachine", false);
  if (LiveInventory* live = impl_->live()) live->noteWrite(vm);
  return r.ok() ? Status::Ok() : r.status().withContext("mark " + vm.value + " as virtual machine");
}

Result<TaskInfo> Client::relocateVm(const MoRef& vm, const RelocateSpec& spec,
                                    const TaskOptions& options) {
  if (spec.host.empty() && spec.resource_pool.empty() && spec.datastore.empty())
    return Status::InvalidArgument("relocate needs a host, a resource pool or a datastore");
  Placement p;
  if (!spec.datastore.empty()) { VSMCP_ASSIGN_OR_RETURN(p.datastore, resolve("Datastore", Locator::any(spec.datastore))); }
  if (!spec.resource_pool.empty()) { VSMCP_ASSIGN_OR_RETURN(p.pool, resolve("ResourcePool", Locator::any(spec.resource_pool))); }
  if (!spec.host.empty()) { VSMCP_ASSIGN_OR_RETURN(p.host, resolve("HostSystem", Locator::any(spec.host))); }
  SoapWriter w("RelocateVM_Task");
  w.moref("_this", vm).open("spec");
  if (!p.datastore.empty()) w.moref("datastore", p.datastore);
  if (!p.pool.empty()) w.moref("pool", p.pool);
  if (!p.host.empty()) w.moref("host", p.host);
  w.close("spec");
  return impl_->runTask(w, "RelocateVM_Task", options);
}

// --- hosts ---------------------------------------------------------------------------------

namespace {

Result<TaskInfo> maintenanceTask(Client::Impl& impl, const char* method, const MoRef& host,
                                 int timeout_seconds, const TaskOptions& options) {
  if (timeout_seconds < 0) return Status::InvalidArgument("timeout_seconds must be >= 0");
  SoapWriter w(method);
  w.moref("_this", host).integer("timeout", timeout_seconds);
  return impl.runTask(w, method, options);
}

}  // namespace

Result<TaskInfo> Client::enterMaintenanceMode(const MoRef& host, int timeout_seconds,
                                              const TaskOptions& options) {
  return maintenanceTask(*impl_, "EnterMaintenanceMode_Task", host, timeout_seconds, options);
}

Result<TaskInfo> Client::exitMaintenanceMode(const MoRef& host, int timeout_seconds,
                                             const TaskOptions& options) {
  return maintenanceTask(*impl_, "ExitMaintenanceMode_Task", host, timeout_seconds, options);
}

}  // namespace vsmcp::vsphere
