// LiveInventory: the in-memory copy of the inventory that a PropertyCollector filter keeps
// current through WaitForUpdatesEx (see vsphere/live.hpp). Internal to libvsphere: the
// Client's reads ask it first (LiveInventory::read) and fall back to vCenter when it is not
// in sync.
//
// Each object's properties are kept as compact XML text (as the feed sent them, less namespace
// declarations and xsi:type prefixes, see compact() in the .cpp), and decoded by
// the decoders of the direct reads (decode.hpp): a live answer and a direct read never differ
// in form. VMs, the many, are also kept decoded, so a listing of thousands costs no parsing.
//
// Thread safety: one feed thread writes; any number of readers read under a shared lock.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "client_impl.hpp"
#include "decode.hpp"

namespace vsmcp::vsphere {

class LiveInventory;

// What a read sees: valid only inside LiveInventory::read's callback.
class LiveView {
 public:
  // Every object of these types, each as the direct read's retrieval would give it.
  Status visit(const std::vector<std::string>& types, const ObjectVisitor& visit) const;
  // Every VM, decoded at full detail and not yet linked (decodeVm's output). The record may be
  // kept after the read: it never changes.
  void visitVms(const std::function<void(const std::shared_ptr<const VmRecord>& vm)>& visit) const;
  // Every VM sorted by name, then id; kept until a VM changes, so listing again costs no sort.
  using VmRecords = std::vector<std::shared_ptr<const VmRecord>>;
  std::shared_ptr<const VmRecords> sortedVms() const;
  // One object, by type and id; false when absent.
  bool visitOne(const MoRef& ref, const ObjectVisitor& visit) const;
  // The name/parent index the decoders link with; the shared form may be kept after the read.
  const InventoryIndex& index() const;
  std::shared_ptr<const InventoryIndex> sharedIndex() const;
  // Lookups for Client::resolve. `types`: the concrete types accepted.
  std::vector<MoRef> byId(const std::vector<std::string>& types, const std::string& id) const;
  std::vector<MoRef> byName(const std::vector<std::string>& types, const std::string& name) const;
  std::vector<MoRef> byUuid(const std::string& type, const std::string& uuid) const;
  // The object at an inventory path ("/DC0/vm/web"); empty when none.
  MoRef byPath(const std::string& path) const;

 private:
  friend class LiveInventory;
  explicit LiveView(const LiveInventory& inv) : inv_(inv) {}
  const LiveInventory& inv_;
};

class LiveInventory {
 public:
  LiveInventory(Client::Impl& impl, LiveInventoryOptions options);
  ~LiveInventory();  // stops
  LiveInventory(const LiveInventory&) = delete;
  LiveInventory& operator=(const LiveInventory&) = delete;

  void start();
  void stop();  // idempotent; joins the feed thread
  LiveInventoryStatus status() const;
  bool waitInSync(std::chrono::milliseconds timeout) const;

  // Runs `fn` on the current inventory when it is in sync (after any change this client made
  // has arrived: the write fence) and fills `freshness`; false (fn not run) otherwise.
  bool read(const std::function<void(const LiveView&)>& fn, Freshness* freshness);
  // A call that may change the inventory was made through this client: the next read waits
  // until the feed has caught up with it. `entity`, when known (a task's entity, a call's
  // target), is also read again then: a change vCenter's feed does not report (the simulator
  // reports no reconfiguration) still shows in the caller's next read.
  void noteWrite(const MoRef& entity = {});

  // The property sets the feed reads, per type (exposed for tests).
  static const std::vector<PropertySet>& propertySets();

 private:
  friend class LiveView;
  struct Obj {
    MoRef ref;
    std::string xml;   // its property values: <v n="path" ...>value</v> each
    std::string name;  // its "name" property, as indexed in names_
    MoRef parent;      // its "parent" property
    std::vector<std::string> uuid_keys;  // as indexed in uuids_
    std::shared_ptr<const VmRecord> vm;  // VMs only
  };
  // Objects by type, then by id.
  using Objects = std::unordered_map<std::string, std::unordered_map<std::string, Obj>>;

  void run();
  // One session of the feed: creates the collector and filter, loads everything, then applies
  // updates until a failure or stop. Returns why it ended.
  Status feed(bool& reached_sync);
  Status createCollector();
  void destroyCollector();
  // Applies one UpdateSet; fills `changes` (not while loading) and `stale` with objects to
  // read again. Needs the unique lock.
  void apply(pugi::xml_node update_set, InventoryChanges& changes, std::vector<MoRef>& stale);
  void applyObject(pugi::xml_node object_update, InventoryChanges& changes, std::vector<MoRef>& stale);
  Status refetch(const std::vector<MoRef>& refs, InventoryChanges& changes);
  // Stores the property nodes under `props` as the object's XML and refreshes what is derived
  // from them (name, parent, UUIDs, the VM record) and the indexes.
  void store(Obj& obj, pugi::xml_node props);
  void unindex(const Obj& obj);
  void reindex(const Obj& obj);
  // Starts a load from scratch; the previous state is kept for the diff a resync reports.
  void beginLoad();
  InventoryChanges finishLoad();
  bool sleepFor(std::chrono::milliseconds d);  // false when stopping
  void cancelWait();
  void notify(const InventoryChanges& changes);
  const Obj* get(const MoRef& ref) const;
  // Parses the object's properties into `doc` and points `oc` at them.
  static void load(const Obj& obj, pugi::xml_document& doc, ObjectContent& oc);

  Client::Impl& impl_;
  LiveInventoryOptions options_;

  // --- guarded by mu_ (shared for readers) ---
  mutable std::shared_mutex mu_;
  Objects objects_;
  pugi::xml_document scratch_;  // the feed's working copy of one object's properties
  std::unordered_multimap<std::string, MoRef> names_;  // name -> object
  std::unordered_map<std::string, MoRef> uuids_;       // "VirtualMachine:<uuid>" -> object
  bool loaded_ = false;     // a load completed and nothing has failed since
  std::uint64_t index_generation_ = 0;  // bumped when a name or parent changes
  std::uint64_t vm_generation_ = 0;     // bumped when a VM enters, changes or leaves
  // The name/parent index, rebuilt on demand when index_generation_ moved.
  mutable std::mutex index_mu_;
  mutable std::shared_ptr<const InventoryIndex> index_;
  mutable std::uint64_t index_built_for_ = ~0ull;
  // The VMs sorted (LiveView::sortedVms), rebuilt on demand when vm_generation_ moved.
  mutable std::shared_ptr<const LiveView::VmRecords> sorted_vms_;
  mutable std::uint64_t sorted_for_ = ~0ull;

  // --- guarded by state_mu_ ---
  mutable std::mutex state_mu_;
  mutable std::condition_variable state_cv_;
  LiveInventoryStatus status_;
  bool stopping_ = false;
  bool polling_ = false;  // a WaitForUpdatesEx is in flight on an in-sync inventory
  std::uint64_t synced_write_seq_ = 0;  // writes the feed has caught up with
  MoRef collector_;
  MoRef view_;  // the feed thread's

  std::atomic<std::uint64_t> write_seq_{0};
  std::mutex pending_mu_;
  std::vector<MoRef> pending_refetch_;  // guarded by pending_mu_: entities written to
  // The state before a resync, to report what changed across it.
  std::unique_ptr<Objects> before_objects_;
  bool first_load_ = true;
  std::thread thread_;
};

}  // namespace vsmcp::vsphere
