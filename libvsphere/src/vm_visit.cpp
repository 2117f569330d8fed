// Client::visitVms: the VM listing handed to a visitor as each page arrives, so that a large
// inventory costs the memory of a page (of a batch of one, in fact), not of the whole listing.
#include <future>
#include <optional>
#include <system_error>

#include "client_impl.hpp"
#include "decode.hpp"
#include "vsmcp/glob.hpp"

namespace vsmcp::vsphere {

Status Client::visitVms(const VmFilter& filter, VmDetail detail,
                        const std::function<Status(const VmSummary&)>& visit) {
  // As listVms: the folder filter needs the full property set, the template filter the flag.
  if (!filter.folder.empty() || (filter.is_template && detail == VmDetail::kBrief))
    detail = VmDetail::kFull;
  // The index that names hosts, clusters, folders and datastores is read on a second
  // connection once the VM view exists, as for listVms; the first VM waits for it, and the
  // VMs then go out one by one as their page is read. Without `on_page`, retrieveView streams.
  std::future<Result<InventoryIndex>> index_future;
  std::optional<Result<InventoryIndex>> index;
  Status st = impl_->retrieveView(
      {"VirtualMachine"}, {{"VirtualMachine", vmPaths(detail)}},
      [&](const ObjectContent& oc) -> Status {
        if (!filter.name.empty() && !globMatch(filter.name, oc.str("name"))) return Status::Ok();
        if (!index) index = index_future.get();
        if (!index->ok()) return index->status();
        VmLinks links;
        VmSummary vm = decodeVm(oc, detail, links);
        linkVm(vm, links, index->value());
        if (!vmMatches(vm, filter)) return Status::Ok();
        return visit(vm);
      },
      nullptr,
      [&] {
        try {
          index_future = std::async(std::launch::async, [this] { return impl_->inventoryIndex(); });
        } catch (const std::system_error&) {
          // No thread to spare: read the index on this thread when the first VM needs it.
          index_future =
              std::async(std::launch::deferred, [this] { return impl_->inventoryIndex(); });
        }
      });
  if (!index_future.valid()) return st;    // the view was never created
  if (!index) index = index_future.get();  // no VM needed it: still wait for the thread
  VSMCP_RETURN_IF_ERROR(st);
  return index->ok() ? Status::Ok() : index->status();
}

}  // namespace vsmcp::vsphere
