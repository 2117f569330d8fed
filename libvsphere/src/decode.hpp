// Internal: the property paths each kind of object is read with and the decoders that turn
// an object's properties into its summary, shared by direct reads and the live inventory.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "client_impl.hpp"

namespace vsmcp::vsphere {

const std::vector<std::string>& vmPaths(VmDetail detail);
extern const std::vector<std::string> kHostPaths;
extern const std::vector<std::string> kClusterPaths;
extern const std::vector<std::string> kDatacenterPaths;
extern const std::vector<std::string> kDatastorePaths;
extern const std::vector<std::string> kNetworkPaths;
extern const std::vector<std::string> kPoolPaths;
extern const std::vector<std::string> kFolderPaths;

std::vector<MoRef> morefArray(pugi::xml_node val);
int countChildren(pugi::xml_node val);
bool isUuid(std::string_view s);
// vm-42, host-10, domain-c7, group-v3, resgroup-12, dvportgroup-5, datastore-11, ha-host
bool looksLikeMoref(std::string_view s);
// Kinds of object a type name accepts (a "Network" may be a distributed portgroup).
std::vector<std::string> concreteTypes(std::string_view type);

// References of a VM that need the inventory index to become names.
struct VmLinks {
  MoRef parent;
  std::vector<MoRef> datastores;
  std::vector<MoRef> networks;
};

// A VM as the live inventory keeps it: decoded at full detail, not yet linked. Never changed
// once stored (a change stores a new one), so a listing may keep sharing an old one.
struct VmRecord {
  VmSummary vm;
  VmLinks links;
};

// Decodes what the VM's own properties hold; linkVm fills the names afterwards.
VmSummary decodeVm(const ObjectContent& oc, VmDetail detail, VmLinks& links);
// A full decodeVm result cut down to what decodeVm fills at `detail` (a live read of less).
VmSummary vmAtDetail(const VmSummary& full, VmDetail detail);
void linkVm(VmSummary& vm, const VmLinks& links, const InventoryIndex& index);
bool vmMatches(const VmSummary& vm, const VmFilter& f);
bool hostMatches(const HostSummary& h, const HostFilter& f);
HostSummary decodeHost(const ObjectContent& oc, const InventoryIndex& index);
std::string datacenterOf(const InventoryIndex& index, const MoRef& ref);
ClusterSummary decodeCluster(const ObjectContent& oc, const InventoryIndex& index);
DatacenterSummary decodeDatacenter(const ObjectContent& oc, const InventoryIndex& index);
DatastoreSummary decodeDatastore(const ObjectContent& oc, const InventoryIndex& index);
NetworkSummary decodeNetwork(const ObjectContent& oc, const InventoryIndex& index);
ResourcePoolSummary decodePool(const ObjectContent& oc, const InventoryIndex& index);
FolderSummary decodeFolder(const ObjectContent& oc, const InventoryIndex& index);

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

}  // namespace vsmcp::vsphere
