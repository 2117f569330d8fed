// Inventory listings and lookups: one ContainerView retrieval per object kind plus one for
// the name/parent index, whatever the number of objects.
#include <algorithm>
#include <cctype>
#include <future>
#include <system_error>

#include "client_impl.hpp"

namespace vsmcp::vsphere {

using soap::child;
using soap::childText;
using soap::SoapWriter;

namespace {

const std::vector<std::string> kVmState = {"name", "runtime.powerState", "runtime.host",
                                           "config.template"};

const std::vector<std::string> kVmBrief = {
    "name",          "runtime.powerState",          "runtime.host",     "config.guestId",
    "summary.config.numCpu", "summary.config.memorySizeMB", "guest.ipAddress"};

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

}  // namespace

Locator::Kind classifyLocator(const Locator& locator) {
  if (locator.kind != Locator::Kind::kAuto) return locator.kind;
  const std::string& v = locator.value;
  if (!v.empty() && v.front() == '/') return Locator::Kind::kPath;
  if (isUuid(v)) return Locator::Kind::kUuid;
  if (looksLikeMoref(v)) return Locator::Kind::kMoref;
  return Locator::Kind::kName;
}

Result<MoRef> Client::resolve(std::string_view type, const Locator& locator) {
  if (locator.value.empty())
    return Status::InvalidArgument("empty " + std::string(type) + " locator");
  if (locator.kind != Locator::Kind::kAuto) return resolveAs(type, locator.kind, locator.value);
  // A guess can be wrong: "web-01" looks like an id but is usually a name, and on ESXi
  // "3" is a VM's id. When the guessed kind finds nothing, try the other.
  const Locator::Kind guess = classifyLocator(locator);
  auto found = resolveAs(type, guess, locator.value);
  if (found.ok() && guess == Locator::Kind::kMoref) {
    // An id-like value can also be another object's name ("vm-57" renamed): refuse to guess.
    auto named = resolveAs(type, Locator::Kind::kName, locator.value);
    if (named.ok() && *named != *found)
      return Status::Error(ErrorCode::kInvalidArgument,
                           "'" + locator.value + "' is the id of " + found->value +
                               " and the name of " + named->value +
                               "; say which with an explicit id or name locator",
                           ErrorDetails{"", 0, locator.value});
    if (!named.ok() && named.status().code() == ErrorCode::kInvalidArgument) return named.status();
  }
  if (found.ok() || (found.status().code() != ErrorCode::kNotFound &&
                     !(guess == Locator::Kind::kUuid && found.status().code() == ErrorCode::kInvalidArgument)))
    return found;
  const bool digits = std::all_of(locator.value.begin(), locator.value.end(),
                                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  Result<MoRef> other = Status::NotFound("");
  if (guess == Locator::Kind::kMoref || guess == Locator::Kind::kUuid)
    other = resolveAs(type, Locator::Kind::kName, locator.value);
  else if (guess == Locator::Kind::kName && digits)
    other = resolveAs(type, Locator::Kind::kMoref, locator.value);
  else if (guess == Locator::Kind::kPath)
    // Some ids start with a slash (the simulator's datastores are named by their directory);
    // an id that a listing returned must work as a locator too.
    other = resolveAs(type, Locator::Kind::kMoref, locator.value);
  else
    return found;
  if (other.ok() || other.status().code() != ErrorCode::kNotFound) return other;
  if (guess == Locator::Kind::kPath) return found;  // "nothing at inventory path ..."
  return Status::Error(ErrorCode::kNotFound,
                       "no " + std::string(type) + " named or with id '" + locator.value + "'",
                       ErrorDetails{"", 0, locator.value});
}

Result<MoRef> Client::resolveAs(std::string_view type, Locator::Kind kind, const std::string& value) {
  const std::string t(type);
  const Locator locator{kind, value};
  auto kinds = concreteTypes(type);
  switch (kind) {
    case Locator::Kind::kMoref: {
      // Confirm it exists (and learn its concrete type) with a cheap read of its name.
      Status last;
      for (const auto& k : kinds) {
        MoRef ref{k, locator.value};
        bool found = false;
        Status st = impl_->retrieveObjects({ref}, {"name"}, [&](const ObjectContent& oc) {
          found = true;
          // The server names the object's own type (a port group asked for as a Network).
          if (!oc.ref.type.empty() && oc.ref.value == ref.value) ref.type = oc.ref.type;
          return Status::Ok();
        });
        if (st.ok() && found) return ref;
        if (!st.ok() && st.code() != ErrorCode::kNotFound && st.code() != ErrorCode::kInvalidArgument)
          return st;
      }
      return Status::Error(ErrorCode::kNotFound, "no " + t + " with id '" + locator.value + "'",
                           ErrorDetails{"ManagedObjectNotFound", 0, locator.value});
    }
    case Locator::Kind::kUuid: {
      if (t != "VirtualMachine" && t != "HostSystem")
        return Status::InvalidArgument("a UUID identifies only a VM or a host, not a " + t);
      for (bool instance : {false, true}) {
        if (instance && t != "VirtualMachine") break;
        SoapWriter w("FindByUuid");
        w.moref("_this", impl_->sc_.search_index)
            .text("uuid", locator.value)
            .boolean("vmSearch", t == "VirtualMachine");
        if (t == "VirtualMachine") w.boolean("instanceUuid", instance);
        VSMCP_ASSIGN_OR_RETURN(auto reply, impl_->call(w, "FindByUuid", true));
        MoRef ref = soap::readMoRef(child(reply->response, "returnval"));
        if (!ref.empty()) return ref;
      }
      return Status::Error(ErrorCode::kNotFound, "no " + t + " with UUID " + locator.value,
                           ErrorDetails{"", 0, locator.value});
    }
    case Locator::Kind::kPath: {
      std::string path = locator.value;
      while (path.size() > 1 && path.back() == '/') path.pop_back();
      if (!path.empty() && path.front() == '/') path.erase(0, 1);
      SoapWriter w("FindByInventoryPath");
      w.moref("_this", impl_->sc_.search_index).text("inventoryPath", path);
      VSMCP_ASSIGN_OR_RETURN(auto reply, impl_->call(w, "FindByInventoryPath", true));
      MoRef ref = soap::readMoRef(child(reply->response, "returnval"));
      if (ref.empty())
        return Status::Error(ErrorCode::kNotFound, "nothing at inventory path '" + locator.value + "'",
                             ErrorDetails{"", 0, locator.value});
      if (std::find(kinds.begin(), kinds.end(), ref.type) == kinds.end())
        return Status::InvalidArgument("inventory path '" + locator.value + "' is a " + ref.type +
                                       ", not a " + t);
      return ref;
    }
    case Locator::Kind::kName:
    case Locator::Kind::kAuto: {
      std::vector<PropertySet> props;
      for (const auto& k : kinds) props.push_back({k, {"name"}});
      std::vector<MoRef> matches;
      VSMCP_RETURN_IF_ERROR(impl_->retrieveView(kinds, props, [&](const ObjectContent& oc) {
        if (oc.str("name") == locator.value) matches.push_back(oc.ref);
        return Status::Ok();
      }));
      if (matches.empty())
        return Status::Error(ErrorCode::kNotFound, "no " + t + " named '" + locator.value + "'",
                             ErrorDetails{"", 0, locator.value});
      if (matches.size() > 1) {
        std::string ids;
        for (size_t i = 0; i < matches.size() && i < 5; ++i) ids += (i ? ", " : "") + matches[i].value;
        if (matches.size() > 5) ids += ", ...";
        return Status::Error(ErrorCode::kInvalidArgument,
                             std::to_string(matches.size()) + " objects of type " + t + " are named '" +
                                 locator.value + "' (" + ids +
                                 "); use the id or the inventory path instead",
                             ErrorDetails{"", 0, locator.value});
      }
      return matches.front();
    }
  }
  return Status::Internal("unhandled locator kind");
}

namespace {

// References of a VM that need the inventory index to become names.
struct VmLinks {
  MoRef parent;
  std::vector<MoRef> datastores;
  std::vector<MoRef> networks;
};

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

// Sorts by name, then id, moving each (large) element once: sort an index, then permute.
template <typename T>
void sortByNameThenId(std::vector<T>& items) {
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const T& x = items[a];
    const T& y = items[b];
    return x.name != y.name ? x.name < y.name : x.ref.value < y.ref.value;
  });
  // Apply the permutation in place, cycle by cycle: no second copy of the items.
  for (size_t start = 0; start < order.size(); ++start) {
    if (order[start] == start) continue;
    T held = std::move(items[start]);
    size_t cur = start;
    while (order[cur] != start) {
      size_t next = order[cur];
      items[cur] = std::move(items[next]);
      order[cur] = cur;
      cur = next;
    }
    items[cur] = std::move(held);
    order[cur] = cur;
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

}  // namespace

Result<std::vector<VmSummary>> Client::listVms(const VmFilter& filter, VmDetail detail) {
  // The folder filter needs the full property set; the template filter the template flag.
  if (!filter.folder.empty() || (filter.is_template && detail == VmDetail::kBrief))
    detail = VmDetail::kFull;
  // The index that names hosts, clusters, folders and datastores is read on a second
  // connection while the VMs stream in: the listing costs one VM retrieval plus a little.
  // It starts once the VM view exists, so the two view creations do not contend.
  // (Measured on vcsim: one view holding both kinds is slower than two views in parallel.)
  std::future<Result<InventoryIndex>> index_future;
  std::vector<VmSummary> out;
  std::vector<VmLinks> links;  // parallel to out; empty in brief mode
  Status st = impl_->retrieveView(
      {"VirtualMachine"}, {{"VirtualMachine", vmPaths(detail)}},
      [&](const ObjectContent& oc) {
        if (!filter.name.empty() && !globMatch(filter.name, oc.str("name"))) return Status::Ok();
        VmLinks l;
        out.push_back(decodeVm(oc, detail, l));
        if (detail == VmDetail::kFull) links.push_back(std::move(l));
        return Status::Ok();
      },
      [&](size_t page) {
        out.reserve(out.size() + page);
        if (detail == VmDetail::kFull) links.reserve(links.size() + page);
      },
      [&] {
        try {
          index_future = std::async(std::launch::async, [this] { return impl_->inventoryIndex(); });
        } catch (const std::system_error&) {
          // No thread to spare: read the index afterwards on this thread.
          index_future = std::async(std::launch::deferred, [this] { return impl_->inventoryIndex(); });
        }
      });
  if (!index_future.valid()) return st;  // the view was never created
  auto index = index_future.get();
  VSMCP_RETURN_IF_ERROR(st);
  if (!index.ok()) return index.status();
  static const VmLinks kNoLinks;
  for (size_t i = 0; i < out.size(); ++i) linkVm(out[i], i < links.size() ? links[i] : kNoLinks, *index);
  links = {};
  out.erase(std::remove_if(out.begin(), out.end(), [&](const VmSummary& vm) { return !vmMatches(vm, filter); }),
            out.end());
  sortByNameThenId(out);
  return out;
}

namespace {

// Shared shape of the simple listings: one view, a name filter, sorted by name.
template <typename T, typename Decode>
Result<std::vector<T>> listKind(Client::Impl& impl, const std::vector<std::string>& types,
                                const std::vector<std::string>& paths, const NameFilter& filter,
                                Decode decode) {
  VSMCP_ASSIGN_OR_RETURN(InventoryIndex index, impl.inventoryIndex());
  std::vector<PropertySet> props;
  for (const auto& t : types) props.push_back({t, paths});
  std::vector<T> out;
  VSMCP_RETURN_IF_ERROR(impl.retrieveView(types, props, [&](const ObjectContent& oc) {
    T item = decode(oc, index);
    if (filter.name.empty() || globMatch(filter.name, item.name)) out.push_back(std::move(item));
    return Status::Ok();
  }));
  std::sort(out.begin(), out.end(), [](const T& a, const T& b) {
    return a.name != b.name ? a.name < b.name : a.ref.value < b.ref.value;
  });
  return out;
}

// Shared shape of the lookups: resolve any locator, then read and decode that one object as
// its listing does.
template <typename T, typename Decode>
Result<T> getKind(Client& client, Client::Impl& impl, std::string_view type,
                  const std::vector<std::string>& paths, const Locator& locator, Decode decode) {
  VSMCP_ASSIGN_OR_RETURN(MoRef ref, client.resolve(type, locator));
  VSMCP_ASSIGN_OR_RETURN(InventoryIndex index, impl.inventoryIndex());
  std::optional<T> item;
  VSMCP_RETURN_IF_ERROR(impl.retrieveObjects({ref}, paths, [&](const ObjectContent& oc) {
    item = decode(oc, index);
    return Status::Ok();
  }));
  if (!item)
    return Status::Error(ErrorCode::kNotFound, std::string(type) + " " + ref.value + " disappeared",
                         ErrorDetails{"", 0, ref.value});
  return std::move(*item);
}

std::string datacenterOf(const InventoryIndex& index, const MoRef& ref) {
  auto* dc = index.ancestor(ref, "Datacenter");
  return dc ? dc->name : std::string();
}

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

const std::vector<std::string> kDatacenterPaths = {"name"};

DatacenterSummary decodeDatacenter(const ObjectContent& oc, const InventoryIndex& index) {
  return DatacenterSummary{oc.ref, oc.str("name"), index.path(oc.ref)};
}

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

}  // namespace

Result<VmSummary> Client::getVm(const Locator& locator) {
  return getKind<VmSummary>(*this, *impl_, "VirtualMachine", kVmFull, locator,
                            [](const ObjectContent& oc, const InventoryIndex& index) {
                              VmLinks links;
                              VmSummary vm = decodeVm(oc, VmDetail::kFull, links);
                              linkVm(vm, links, index);
                              return vm;
                            });
}

Result<std::vector<HostSummary>> Client::listHosts(const HostFilter& filter) {
  VSMCP_ASSIGN_OR_RETURN(InventoryIndex index, impl_->inventoryIndex());
  std::vector<HostSummary> out;
  VSMCP_RETURN_IF_ERROR(impl_->retrieveView(
      {"HostSystem"}, {{"HostSystem", kHostPaths}}, [&](const ObjectContent& oc) {
        HostSummary h = decodeHost(oc, index);
        if (!filter.name.empty() && !globMatch(filter.name, h.name)) return Status::Ok();
        if (!filter.cluster.empty() && !globMatch(filter.cluster, h.cluster)) return Status::Ok();
        if (filter.in_maintenance_mode && h.in_maintenance_mode != *filter.in_maintenance_mode)
          return Status::Ok();
        out.push_back(std::move(h));
        return Status::Ok();
      }));
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return out;
}

Result<HostSummary> Client::getHost(const Locator& locator) {
  return getKind<HostSummary>(*this, *impl_, "HostSystem", kHostPaths, locator, decodeHost);
}

Result<std::vector<ClusterSummary>> Client::listClusters(const NameFilter& filter) {
  return listKind<ClusterSummary>(*impl_, {"ClusterComputeResource"}, kClusterPaths, filter,
                                  decodeCluster);
}

Result<ClusterSummary> Client::getCluster(const Locator& cluster) {
  return getKind<ClusterSummary>(*this, *impl_, "ClusterComputeResource", kClusterPaths, cluster,
                                 decodeCluster);
}

Result<std::vector<DatacenterSummary>> Client::listDatacenters(const NameFilter& filter) {
  return listKind<DatacenterSummary>(*impl_, {"Datacenter"}, kDatacenterPaths, filter,
                                     decodeDatacenter);
}

Result<DatacenterSummary> Client::getDatacenter(const Locator& datacenter) {
  return getKind<DatacenterSummary>(*this, *impl_, "Datacenter", kDatacenterPaths, datacenter,
                                    decodeDatacenter);
}

Result<std::vector<DatastoreSummary>> Client::listDatastores(const NameFilter& filter) {
  return listKind<DatastoreSummary>(*impl_, {"Datastore"}, kDatastorePaths, filter,
                                    decodeDatastore);
}

Result<DatastoreSummary> Client::getDatastore(const Locator& datastore) {
  return getKind<DatastoreSummary>(*this, *impl_, "Datastore", kDatastorePaths, datastore,
                                   decodeDatastore);
}

Result<std::vector<NetworkSummary>> Client::listNetworks(const NameFilter& filter) {
  return listKind<NetworkSummary>(*impl_, {"Network", "DistributedVirtualPortgroup"}, kNetworkPaths,
                                  filter, decodeNetwork);
}

Result<NetworkSummary> Client::getNetwork(const Locator& network) {
  return getKind<NetworkSummary>(*this, *impl_, "Network", kNetworkPaths, network, decodeNetwork);
}

Result<std::vector<ResourcePoolSummary>> Client::listResourcePools(const NameFilter& filter) {
  return listKind<ResourcePoolSummary>(*impl_, {"ResourcePool"}, kPoolPaths, filter, decodePool);
}

Result<ResourcePoolSummary> Client::getResourcePool(const Locator& pool) {
  return getKind<ResourcePoolSummary>(*this, *impl_, "ResourcePool", kPoolPaths, pool, decodePool);
}

Result<std::vector<FolderSummary>> Client::listFolders(const NameFilter& filter) {
  return listKind<FolderSummary>(*impl_, {"Folder"}, kFolderPaths, filter, decodeFolder);
}

Result<FolderSummary> Client::getFolder(const Locator& folder) {
  return getKind<FolderSummary>(*this, *impl_, "Folder", kFolderPaths, folder, decodeFolder);
}

}  // namespace vsmcp::vsphere
