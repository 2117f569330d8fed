// Inventory listings and lookups: one ContainerView retrieval per object kind plus one for
// the name/parent index, whatever the number of objects.
#include <algorithm>
#include <cctype>
#include <functional>
#include <future>
#include <optional>
#include <system_error>

#include "client_impl.hpp"
#include "decode.hpp"
#include "live_inventory.hpp"

namespace vsmcp::vsphere {

using soap::child;
using soap::childText;
using soap::SoapWriter;


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

namespace {

Status noId(const std::string& t, const std::string& v) {
  return Status::Error(ErrorCode::kNotFound, "no " + t + " with id '" + v + "'",
                       ErrorDetails{"ManagedObjectNotFound", 0, v});
}
Status noUuid(const std::string& t, const std::string& v) {
  return Status::Error(ErrorCode::kNotFound, "no " + t + " with UUID " + v, ErrorDetails{"", 0, v});
}
Status uuidKind(const std::string& t) {
  return Status::InvalidArgument("a UUID identifies only a VM or a host, not a " + t);
}
Status nothingAt(const std::string& v) {
  return Status::Error(ErrorCode::kNotFound, "nothing at inventory path '" + v + "'", ErrorDetails{"", 0, v});
}
Result<MoRef> checkPathKind(const MoRef& ref, const std::vector<std::string>& kinds, const std::string& t,
                            const std::string& v) {
  if (std::find(kinds.begin(), kinds.end(), ref.type) == kinds.end())
    return Status::InvalidArgument("inventory path '" + v + "' is a " + ref.type + ", not a " + t);
  return ref;
}
Result<MoRef> oneNamed(const std::vector<MoRef>& matches, const std::string& t, const std::string& v) {
  if (matches.empty())
    return Status::Error(ErrorCode::kNotFound, "no " + t + " named '" + v + "'", ErrorDetails{"", 0, v});
  if (matches.size() > 1) {
    std::string ids;
    for (size_t i = 0; i < matches.size() && i < 5; ++i) ids += (i ? ", " : "") + matches[i].value;
    if (matches.size() > 5) ids += ", ...";
    return Status::Error(ErrorCode::kInvalidArgument,
                         std::to_string(matches.size()) + " objects of type " + t + " are named '" + v + "' (" +
                             ids + "); use the id or the inventory path instead",
                         ErrorDetails{"", 0, v});
  }
  return matches.front();
}

// resolveAs from the live inventory: the same answers and errors as the direct lookups.
Result<MoRef> resolveLive(const LiveView& view, const std::string& t, const std::vector<std::string>& kinds,
                          Locator::Kind kind, const std::string& v) {
  switch (kind) {
    case Locator::Kind::kMoref: {
      auto found = view.byId(kinds, v);
      if (found.empty()) return noId(t, v);
      return found.front();
    }
    case Locator::Kind::kUuid: {
      if (t != "VirtualMachine" && t != "HostSystem") return uuidKind(t);
      auto found = view.byUuid(t, v);
      if (found.empty()) return noUuid(t, v);
      return found.front();
    }
    case Locator::Kind::kPath: {
      MoRef ref = view.byPath(v);
      if (ref.empty()) return nothingAt(v);
      return checkPathKind(ref, kinds, t, v);
    }
    case Locator::Kind::kName:
    case Locator::Kind::kAuto:
      return oneNamed(view.byName(kinds, v), t, v);
  }
  return Status::Internal("unhandled locator kind");
}

// Runs `fn` on the live inventory when it is in sync; false when the caller must read vCenter
// (then `freshness` says so).
bool fromLive(Client::Impl& impl, Freshness* freshness, const std::function<void(const LiveView&)>& fn) {
  if (LiveInventory* live = impl.live(); live && live->read(fn, freshness)) return true;
  if (freshness) {
    freshness->live = false;
    freshness->as_of = std::chrono::system_clock::now();
    freshness->version.clear();
  }
  return false;
}

}  // namespace

Result<MoRef> Client::resolveAs(std::string_view type, Locator::Kind kind, const std::string& value) {
  const std::string t(type);
  const Locator locator{kind, value};
  auto kinds = concreteTypes(type);
  std::optional<Result<MoRef>> live_answer;
  if (fromLive(*impl_, nullptr, [&](const LiveView& view) { live_answer = resolveLive(view, t, kinds, kind, value); }))
    return std::move(*live_answer);
  switch (kind) {
    case Locator::Kind::kMoref: {
      // Confirm it exists (and learn its concrete type) with a cheap read of its name.
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
      return noId(t, locator.value);
    }
    case Locator::Kind::kUuid: {
      if (t != "VirtualMachine" && t != "HostSystem") return uuidKind(t);
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
      return noUuid(t, locator.value);
    }
    case Locator::Kind::kPath: {
      std::string path = locator.value;
      while (path.size() > 1 && path.back() == '/') path.pop_back();
      if (!path.empty() && path.front() == '/') path.erase(0, 1);
      SoapWriter w("FindByInventoryPath");
      w.moref("_this", impl_->sc_.search_index).text("inventoryPath", path);
      VSMCP_ASSIGN_OR_RETURN(auto reply, impl_->call(w, "FindByInventoryPath", true));
      MoRef ref = soap::readMoRef(child(reply->response, "returnval"));
      if (ref.empty()) return nothingAt(locator.value);
      return checkPathKind(ref, kinds, t, locator.value);
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
      return oneNamed(matches, t, locator.value);
    }
  }
  return Status::Internal("unhandled locator kind");
}

struct VmListing::Rep {
  VmDetail detail = VmDetail::kFull;
  // Shared with the live inventory: records, sorted, and the index they are named with.
  std::vector<std::shared_ptr<const VmRecord>> records;
  std::shared_ptr<const InventoryIndex> index;
  // Or a direct read's own VMs, linked and sorted.
  std::vector<VmSummary> owned;
};

std::size_t VmListing::size() const {
  if (!rep_) return 0;
  return rep_->index ? rep_->records.size() : rep_->owned.size();
}

bool VmListing::shared() const { return rep_ && rep_->index; }

namespace {

// A live record as listVms gives it: cut to `detail`, then named from `index`.
VmSummary linkedVm(const VmRecord& rec, VmDetail detail, const InventoryIndex& index) {
  static const VmLinks kNoLinks;
  VmSummary vm = vmAtDetail(rec.vm, detail);
  linkVm(vm, detail == VmDetail::kFull ? rec.links : kNoLinks, index);
  return vm;
}

}  // namespace

VmSummary VmListing::at(std::size_t i) const {
  if (!rep_->index) return rep_->owned.at(i);
  return linkedVm(*rep_->records.at(i), rep_->detail, *rep_->index);
}

namespace {

// listVmsShared's and listVms's listing: shared records when the live inventory answers, else
// a direct read's own VMs.
Status listVmsInto(Client::Impl& impl, const VmFilter& filter, VmDetail detail, Freshness* freshness,
                   VmListing::Rep& rep) {
  // The folder filter needs the full property set; the template filter the template flag.
  if (!filter.folder.empty() || (filter.is_template && detail == VmDetail::kBrief))
    detail = VmDetail::kFull;
  rep.detail = detail;
  if (fromLive(impl, freshness, [&](const LiveView& view) {
        rep.index = view.sharedIndex();
        // The host, cluster and folder filters match names: only they need a VM linked.
        const bool by_names = !filter.host.empty() || !filter.cluster.empty() || !filter.folder.empty();
        for (const auto& rec : *view.sortedVms()) {  // in listVms's order already
          if (!filter.name.empty() && !globMatch(filter.name, rec->vm.name)) continue;
          if (by_names ? vmMatches(linkedVm(*rec, detail, *rep.index), filter) : vmMatches(rec->vm, filter))
            rep.records.push_back(rec);
        }
      })) {
    return Status::Ok();
  }
  VSMCP_ASSIGN_OR_RETURN(rep.owned, impl.listVmsDirect(filter, detail));
  return Status::Ok();
}

}  // namespace

Result<VmListing> Client::listVmsShared(const VmFilter& filter, VmDetail detail, Freshness* freshness) {
  auto rep = std::make_shared<VmListing::Rep>();
  VSMCP_RETURN_IF_ERROR(listVmsInto(*impl_, filter, detail, freshness, *rep));
  VmListing listing;
  listing.rep_ = std::move(rep);
  return listing;
}

Result<std::vector<VmSummary>> Client::listVms(const VmFilter& filter, VmDetail detail, Freshness* freshness) {
  VmListing::Rep rep;
  VSMCP_RETURN_IF_ERROR(listVmsInto(*impl_, filter, detail, freshness, rep));
  if (!rep.index) return std::move(rep.owned);
  std::vector<VmSummary> out;
  out.reserve(rep.records.size());
  for (const auto& rec : rep.records) out.push_back(linkedVm(*rec, rep.detail, *rep.index));
  return out;
}

// One VM retrieval, with the name/parent index read on a second connection while the VMs
// stream in: the listing costs one VM retrieval plus a little. `detail` as listVmsShared set it.
Result<std::vector<VmSummary>> Client::Impl::listVmsDirect(const VmFilter& filter, VmDetail detail) {
  // The index starts once the VM view exists, so the two view creations do not contend.
  // (Measured on vcsim: one view holding both kinds is slower than two views in parallel.)
  std::future<Result<InventoryIndex>> index_future;
  std::vector<VmSummary> out;
  std::vector<VmLinks> links;  // parallel to out; empty in brief mode
  Status st = retrieveView(
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
          index_future = std::async(std::launch::async, [this] { return inventoryIndex(); });
        } catch (const std::system_error&) {
          // No thread to spare: read the index afterwards on this thread.
          index_future = std::async(std::launch::deferred, [this] { return inventoryIndex(); });
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

// Shared shape of the simple listings: every object of `types`, decoded as `decode` does, kept
// when `keep` says so, sorted by name then id. From the live inventory when in sync, else one
// view and the name/parent index.
template <typename T, typename Decode, typename Keep>
Result<std::vector<T>> listKind(Client::Impl& impl, const std::vector<std::string>& types,
                                const std::vector<std::string>& paths, Freshness* freshness, Decode decode,
                                Keep keep) {
  std::vector<T> out;
  auto sorted = [&out]() {
    std::sort(out.begin(), out.end(), [](const T& a, const T& b) {
      return a.name != b.name ? a.name < b.name : a.ref.value < b.ref.value;
    });
    return std::move(out);
  };
  if (fromLive(impl, freshness, [&](const LiveView& view) {
        const InventoryIndex& index = view.index();
        (void)view.visit(types, [&](const ObjectContent& oc) {
          T item = decode(oc, index);
          if (keep(item)) out.push_back(std::move(item));
          return Status::Ok();
        });
      }))
    return sorted();
  VSMCP_ASSIGN_OR_RETURN(InventoryIndex index, impl.inventoryIndex());
  std::vector<PropertySet> props;
  for (const auto& t : types) props.push_back({t, paths});
  VSMCP_RETURN_IF_ERROR(impl.retrieveView(types, props, [&](const ObjectContent& oc) {
    T item = decode(oc, index);
    if (keep(item)) out.push_back(std::move(item));
    return Status::Ok();
  }));
  return sorted();
}

template <typename T, typename Decode>
Result<std::vector<T>> listNamed(Client::Impl& impl, const std::vector<std::string>& types,
                                 const std::vector<std::string>& paths, const NameFilter& filter,
                                 Freshness* freshness, Decode decode) {
  return listKind<T>(impl, types, paths, freshness, decode, [&filter](const T& item) {
    return filter.name.empty() || globMatch(filter.name, item.name);
  });
}

// Shared shape of the lookups: resolve any locator, then decode that one object as its listing
// does (from the live inventory when in sync, else read from vCenter).
template <typename T, typename Decode>
Result<T> getKind(Client& client, Client::Impl& impl, std::string_view type,
                  const std::vector<std::string>& paths, const Locator& locator, Freshness* freshness,
                  Decode decode) {
  VSMCP_ASSIGN_OR_RETURN(MoRef ref, client.resolve(type, locator));
  std::optional<T> item;
  if (fromLive(impl, freshness, [&](const LiveView& view) {
        view.visitOne(ref, [&](const ObjectContent& oc) {
          item = decode(oc, view.index());
          return Status::Ok();
        });
      })) {
    if (item) return std::move(*item);
    // Gone between the lookup and the read; the direct read below says so.
  }
  VSMCP_ASSIGN_OR_RETURN(InventoryIndex index, impl.inventoryIndex());
  VSMCP_RETURN_IF_ERROR(impl.retrieveObjects({ref}, paths, [&](const ObjectContent& oc) {
    item = decode(oc, index);
    return Status::Ok();
  }));
  if (!item)
    return Status::Error(ErrorCode::kNotFound, std::string(type) + " " + ref.value + " disappeared",
                         ErrorDetails{"", 0, ref.value});
  return std::move(*item);
}

VmSummary decodeFullVm(const ObjectContent& oc, const InventoryIndex& index) {
  VmLinks links;
  VmSummary vm = decodeVm(oc, VmDetail::kFull, links);
  linkVm(vm, links, index);
  return vm;
}

}  // namespace

Result<VmSummary> Client::getVm(const Locator& locator, Freshness* freshness) {
  return getKind<VmSummary>(*this, *impl_, "VirtualMachine", vmPaths(VmDetail::kFull), locator, freshness,
                            decodeFullVm);
}

Result<std::vector<HostSummary>> Client::listHosts(const HostFilter& filter, Freshness* freshness) {
  return listKind<HostSummary>(*impl_, {"HostSystem"}, kHostPaths, freshness, decodeHost,
                               [&filter](const HostSummary& h) { return hostMatches(h, filter); });
}

Result<HostSummary> Client::getHost(const Locator& locator, Freshness* freshness) {
  return getKind<HostSummary>(*this, *impl_, "HostSystem", kHostPaths, locator, freshness, decodeHost);
}

Result<std::vector<ClusterSummary>> Client::listClusters(const NameFilter& filter, Freshness* freshness) {
  return listNamed<ClusterSummary>(*impl_, {"ClusterComputeResource"}, kClusterPaths, filter, freshness,
                                   decodeCluster);
}

Result<ClusterSummary> Client::getCluster(const Locator& cluster, Freshness* freshness) {
  return getKind<ClusterSummary>(*this, *impl_, "ClusterComputeResource", kClusterPaths, cluster, freshness,
                                 decodeCluster);
}

Result<std::vector<DatacenterSummary>> Client::listDatacenters(const NameFilter& filter, Freshness* freshness) {
  return listNamed<DatacenterSummary>(*impl_, {"Datacenter"}, kDatacenterPaths, filter, freshness,
                                      decodeDatacenter);
}

Result<DatacenterSummary> Client::getDatacenter(const Locator& datacenter, Freshness* freshness) {
  return getKind<DatacenterSummary>(*this, *impl_, "Datacenter", kDatacenterPaths, datacenter, freshness,
                                    decodeDatacenter);
}

Result<std::vector<DatastoreSummary>> Client::listDatastores(const NameFilter& filter, Freshness* freshness) {
  return listNamed<DatastoreSummary>(*impl_, {"Datastore"}, kDatastorePaths, filter, freshness,
                                     decodeDatastore);
}

Result<DatastoreSummary> Client::getDatastore(const Locator& datastore, Freshness* freshness) {
  return getKind<DatastoreSummary>(*this, *impl_, "Datastore", kDatastorePaths, datastore, freshness,
                                   decodeDatastore);
}

Result<std::vector<NetworkSummary>> Client::listNetworks(const NameFilter& filter, Freshness* freshness) {
  return listNamed<NetworkSummary>(*impl_, {"Network", "DistributedVirtualPortgroup"}, kNetworkPaths, filter,
                                   freshness, decodeNetwork);
}

Result<NetworkSummary> Client::getNetwork(const Locator& network, Freshness* freshness) {
  return getKind<NetworkSummary>(*this, *impl_, "Network", kNetworkPaths, network, freshness, decodeNetwork);
}

Result<std::vector<ResourcePoolSummary>> Client::listResourcePools(const NameFilter& filter, Freshness* freshness) {
  return listNamed<ResourcePoolSummary>(*impl_, {"ResourcePool"}, kPoolPaths, filter, freshness, decodePool);
}

Result<ResourcePoolSummary> Client::getResourcePool(const Locator& pool, Freshness* freshness) {
  return getKind<ResourcePoolSummary>(*this, *impl_, "ResourcePool", kPoolPaths, pool, freshness, decodePool);
}

Result<std::vector<FolderSummary>> Client::listFolders(const NameFilter& filter, Freshness* freshness) {
  return listNamed<FolderSummary>(*impl_, {"Folder"}, kFolderPaths, filter, freshness, decodeFolder);
}

Result<FolderSummary> Client::getFolder(const Locator& folder, Freshness* freshness) {
  return getKind<FolderSummary>(*this, *impl_, "Folder", kFolderPaths, folder, freshness, decodeFolder);
}

}  // namespace vsmcp::vsphere
