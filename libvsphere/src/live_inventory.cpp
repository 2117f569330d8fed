// The live inventory: a private PropertyCollector with one filter over a ContainerView of the
// whole inventory, read with WaitForUpdatesEx on a thread of its own.
//
// A load starts from version "" (everything enters); then each reply carries what changed
// since the version before. A change to a property the filter asked for replaces that value;
// a change below it ("config.hardware.device[4000].backing") or an "add" to an array re-reads
// the object, so the copy never guesses. Any failure (a lost session makes the collector
// vanish, vCenter restarts, the network goes) ends the feed: reads go to vCenter directly
// while the feed starts over (backing off) with a new collector and a full load, and the
// changes across the gap are reported as one resync batch.
#include "live_inventory.hpp"

#include <algorithm>
#include <cctype>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "vsmcp/log.hpp"

namespace vsmcp::vsphere {

using soap::child;
using soap::childText;
using soap::SoapWriter;

std::string_view changeKindName(InventoryChange::Kind kind) {
  switch (kind) {
    case InventoryChange::Kind::kEnter: return "enter";
    case InventoryChange::Kind::kModify: return "modify";
    case InventoryChange::Kind::kLeave: return "leave";
  }
  return "modify";
}

namespace {

using Clock = std::chrono::steady_clock;
using SysClock = std::chrono::system_clock;

constexpr const char* kNameAttr = "n";

std::vector<std::string> withNameAndParent(std::vector<std::string> paths) {
  for (const char* p : {"name", "parent"})
    if (std::find(paths.begin(), paths.end(), p) == paths.end()) paths.emplace_back(p);
  return paths;
}

const std::vector<std::string>* pathsOf(std::string_view type) {
  for (const auto& set : LiveInventory::propertySets())
    if (set.type == type) return &set.paths;
  return nullptr;
}

bool isContainerType(std::string_view type) {
  const auto& t = InventoryIndex::types();
  return std::find(t.begin(), t.end(), type) != t.end();
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct StringWriter final : pugi::xml_writer {
  std::string& out;
  explicit StringWriter(std::string& o) : out(o) {}
  void write(const void* data, size_t size) override { out.append(static_cast<const char*>(data), size); }
};

std::string print(pugi::xml_node node) {
  std::string out;
  StringWriter w(out);
  node.print(w, "", pugi::format_raw);
  return out;
}

// Each property's value printed, by property name.
std::unordered_map<std::string, std::string> printedProps(const std::string& xml) {
  std::unordered_map<std::string, std::string> out;
  pugi::xml_document doc;
  doc.load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_fragment);
  for (auto p = doc.first_child(); p; p = p.next_sibling()) out[p.attribute(kNameAttr).value()] = print(p);
  return out;
}

// The properties that differ between two XML forms of one object.
std::vector<std::string> changedProps(const std::string& before, const std::string& after) {
  std::vector<std::string> names;
  if (before == after) return names;
  auto was = printedProps(before);
  for (auto& [name, value] : printedProps(after)) {
    auto it = was.find(name);
    if (it == was.end() || it->second != value) names.push_back(name);
    if (it != was.end()) was.erase(it);
  }
  for (const auto& [name, value] : was) names.push_back(name);
  return names;
}

// Drops what the kept copy does not need from a value and its descendants: namespace
// declarations (vCenter's simulator repeats one on every value, two thirds of a VM's bytes) and
// the long prefix of xsi:type, which becomes "x:type" (soap::xsiType matches any prefix). A
// property's own xsd:string/xsd:int type goes too: the decoders read its text.
void compact(pugi::xml_node node, bool top) {
  for (auto a = node.first_attribute(); a;) {
    auto next = a.next_attribute();
    const std::string_view n = a.name();
    if (n.rfind("xmlns", 0) == 0) {
      node.remove_attribute(a);
    } else if (soap::localName(a.name()) == "type" && n.find(':') != std::string_view::npos) {
      if (top && std::string_view(a.value()).rfind("xsd:", 0) == 0) node.remove_attribute(a);
      else if (n != "x:type") a.set_name("x:type");
    }
    a = next;
  }
  for (auto c = node.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element) compact(c, false);
}

// Sets (replaces) one property value under `props`.
void setProp(pugi::xml_node props, std::string_view name, pugi::xml_node value) {
  for (auto p = props.first_child(); p; p = p.next_sibling())
    if (std::string_view(p.attribute(kNameAttr).value()) == name) {
      props.remove_child(p);
      break;
    }
  pugi::xml_node copy = props.append_copy(value);
  copy.set_name("v");
  copy.remove_attribute(kNameAttr);
  compact(copy, true);
  copy.prepend_attribute(kNameAttr).set_value(std::string(name).c_str());
}

void removeProp(pugi::xml_node props, std::string_view name) {
  for (auto p = props.first_child(); p; p = p.next_sibling())
    if (std::string_view(p.attribute(kNameAttr).value()) == name) {
      props.remove_child(p);
      return;
    }
}

// Hands memory freed by a load back to the system (glibc keeps it otherwise).
void trimHeap() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

// The UUID keys an object is found by ("VirtualMachine:<uuid>").
std::vector<std::string> uuidKeys(const MoRef& ref, pugi::xml_node node) {
  if (ref.type != "VirtualMachine" && ref.type != "HostSystem") return {};
  std::vector<std::string> keys;
  for (auto p = node.first_child(); p; p = p.next_sibling()) {
    std::string_view name = p.attribute(kNameAttr).value();
    if (ref.type == "VirtualMachine" && (name == "config.uuid" || name == "config.instanceUuid")) {
      std::string v = p.text().as_string();
      if (!v.empty()) keys.push_back(ref.type + ":" + lower(v));
    } else if (ref.type == "HostSystem" && name == "summary.hardware") {
      std::string v = childText(p, "uuid");
      if (!v.empty()) keys.push_back(ref.type + ":" + lower(v));
    }
  }
  return keys;
}

}  // namespace

const std::vector<PropertySet>& LiveInventory::propertySets() {
  static const std::vector<PropertySet> kSets = [] {
    const std::vector<std::string> basic = {"name", "parent"};
    return std::vector<PropertySet>{
        {"VirtualMachine", withNameAndParent(vmPaths(VmDetail::kFull))},
        {"HostSystem", withNameAndParent(kHostPaths)},
        {"ClusterComputeResource", withNameAndParent(kClusterPaths)},
        {"ComputeResource", basic},
        {"Datacenter", withNameAndParent(kDatacenterPaths)},
        {"Datastore", withNameAndParent(kDatastorePaths)},
        {"Network", withNameAndParent(kNetworkPaths)},
        {"DistributedVirtualPortgroup", withNameAndParent(kNetworkPaths)},
        {"OpaqueNetwork", withNameAndParent(kNetworkPaths)},
        {"ResourcePool", withNameAndParent(kPoolPaths)},
        {"VirtualApp", withNameAndParent(kPoolPaths)},
        {"Folder", withNameAndParent(kFolderPaths)},
    };
  }();
  return kSets;
}

// --- LiveView ---

void LiveInventory::load(const Obj& obj, pugi::xml_document& doc, ObjectContent& oc) {
  doc.load_buffer(obj.xml.data(), obj.xml.size(), pugi::parse_default | pugi::parse_fragment);
  oc.ref = obj.ref;
  oc.props.clear();
  for (auto p = doc.first_child(); p; p = p.next_sibling()) oc.props.emplace_back(p.attribute(kNameAttr).value(), p);
}

const LiveInventory::Obj* LiveInventory::get(const MoRef& ref) const {
  auto t = objects_.find(ref.type);
  if (t == objects_.end()) return nullptr;
  auto o = t->second.find(ref.value);
  return o == t->second.end() ? nullptr : &o->second;
}

Status LiveView::visit(const std::vector<std::string>& types, const ObjectVisitor& visit) const {
  ObjectContent oc;
  pugi::xml_document doc;
  for (const auto& type : types) {
    auto t = inv_.objects_.find(type);
    if (t == inv_.objects_.end()) continue;
    for (const auto& [id, obj] : t->second) {
      LiveInventory::load(obj, doc, oc);
      VSMCP_RETURN_IF_ERROR(visit(oc));
    }
  }
  return Status::Ok();
}

void LiveView::visitVms(const std::function<void(const std::shared_ptr<const VmRecord>& vm)>& visit) const {
  auto t = inv_.objects_.find("VirtualMachine");
  if (t == inv_.objects_.end()) return;
  for (const auto& [id, obj] : t->second)
    if (obj.vm) visit(obj.vm);
}

bool LiveView::visitOne(const MoRef& ref, const ObjectVisitor& visit) const {
  const auto* obj = inv_.get(ref);
  if (!obj) return false;
  ObjectContent oc;
  pugi::xml_document doc;
  LiveInventory::load(*obj, doc, oc);
  (void)visit(oc);
  return true;
}

std::shared_ptr<const LiveView::VmRecords> LiveView::sortedVms() const {
  std::lock_guard<std::mutex> lock(inv_.index_mu_);
  if (!inv_.sorted_vms_ || inv_.sorted_for_ != inv_.vm_generation_) {
    auto vms = std::make_shared<VmRecords>();
    visitVms([&](const std::shared_ptr<const VmRecord>& vm) { vms->push_back(vm); });
    std::sort(vms->begin(), vms->end(), [](const auto& a, const auto& b) {
      const int c = a->vm.name.compare(b->vm.name);
      return c != 0 ? c < 0 : a->vm.ref.value < b->vm.ref.value;
    });
    inv_.sorted_vms_ = std::move(vms);
    inv_.sorted_for_ = inv_.vm_generation_;
  }
  return inv_.sorted_vms_;
}

const InventoryIndex& LiveView::index() const { return *sharedIndex(); }

std::shared_ptr<const InventoryIndex> LiveView::sharedIndex() const {
  std::lock_guard<std::mutex> lock(inv_.index_mu_);
  if (!inv_.index_ || inv_.index_built_for_ != inv_.index_generation_) {
    auto index = std::make_shared<InventoryIndex>();
    for (const auto& type : InventoryIndex::types()) {
      auto t = inv_.objects_.find(type);
      if (t == inv_.objects_.end()) continue;
      for (const auto& [id, obj] : t->second) index->by_value[obj.ref.value] = {obj.ref, obj.name, obj.parent};
    }
    inv_.index_ = std::move(index);
    inv_.index_built_for_ = inv_.index_generation_;
  }
  return inv_.index_;
}

std::vector<MoRef> LiveView::byId(const std::vector<std::string>& types, const std::string& id) const {
  std::vector<MoRef> out;
  for (const auto& type : types)
    if (const auto* obj = inv_.get({type, id})) out.push_back(obj->ref);
  return out;
}

std::vector<MoRef> LiveView::byName(const std::vector<std::string>& types, const std::string& name) const {
  std::vector<MoRef> out;
  auto [a, b] = inv_.names_.equal_range(name);
  for (auto it = a; it != b; ++it)
    if (std::find(types.begin(), types.end(), it->second.type) != types.end()) out.push_back(it->second);
  std::sort(out.begin(), out.end(), [](const MoRef& x, const MoRef& y) { return x.value < y.value; });
  return out;
}

std::vector<MoRef> LiveView::byUuid(const std::string& type, const std::string& uuid) const {
  std::vector<MoRef> out;
  auto it = inv_.uuids_.find(type + ":" + lower(uuid));
  if (it != inv_.uuids_.end()) out.push_back(it->second);
  return out;
}

MoRef LiveView::byPath(const std::string& raw) const {
  std::string path = raw;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.empty() || path.front() != '/') path.insert(path.begin(), '/');
  const std::string leaf = path.substr(path.rfind('/') + 1);
  const InventoryIndex& idx = index();
  auto [a, b] = inv_.names_.equal_range(leaf);
  for (auto it = a; it != b; ++it) {
    const MoRef& ref = it->second;
    std::string full;
    if (isContainerType(ref.type)) {
      full = idx.path(ref);
    } else {
      const auto* obj = inv_.get(ref);
      if (!obj) continue;
      full = idx.path(obj->parent) + "/" + leaf;
    }
    if (full == path) return ref;
  }
  return {};
}

// --- LiveInventory ---

LiveInventory::LiveInventory(Client::Impl& impl, LiveInventoryOptions options)
    : impl_(impl), options_(std::move(options)) {}

LiveInventory::~LiveInventory() { stop(); }

void LiveInventory::start() {
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    status_.state = "syncing";
    stopping_ = false;
  }
  thread_ = std::thread([this] { run(); });
}

void LiveInventory::stop() {
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    status_.in_sync = false;
    status_.state = "off";
  }
  state_cv_.notify_all();
  cancelWait();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  std::unique_lock<std::shared_mutex> lock(mu_);
  loaded_ = false;
}

LiveInventoryStatus LiveInventory::status() const {
  LiveInventoryStatus s;
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    s = status_;
    if (s.in_sync && polling_) s.as_of = SysClock::now();
  }
  std::shared_lock<std::shared_mutex> lock(mu_);
  for (const auto& [type, objs] : objects_) {
    s.objects += objs.size();
    if (type == "VirtualMachine") s.vms = objs.size();
    if (type == "HostSystem") s.hosts = objs.size();
  }
  return s;
}

bool LiveInventory::waitInSync(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(state_mu_);
  return state_cv_.wait_for(lock, timeout, [this] { return status_.in_sync || stopping_; }) && status_.in_sync;
}

bool LiveInventory::read(const std::function<void(const LiveView&)>& fn, Freshness* freshness) {
  const std::uint64_t want = write_seq_.load(std::memory_order_acquire);
  {
    std::unique_lock<std::mutex> lock(state_mu_);
    if (!status_.in_sync) return false;
    if (synced_write_seq_ < want) {
      // A change made through this client may not have arrived yet: have the feed look now
      // (cancelling its long wait) and wait for it, so a read follows the caller's own writes.
      const auto deadline = Clock::now() + options_.write_fence_timeout;
      auto next_cancel = Clock::now();
      while (synced_write_seq_ < want) {
        if (!status_.in_sync || stopping_ || Clock::now() >= deadline) return false;
        if (polling_ && Clock::now() >= next_cancel) {
          lock.unlock();
          cancelWait();
          lock.lock();
          next_cancel = Clock::now() + std::chrono::milliseconds(300);
          continue;
        }
        state_cv_.wait_until(lock, std::min(deadline, Clock::now() + std::chrono::milliseconds(100)));
      }
    }
    if (freshness) {
      freshness->live = true;
      freshness->as_of = polling_ ? SysClock::now() : status_.as_of;
      freshness->version = status_.version;
    }
  }
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (!loaded_) return false;  // a resync began since the check above
  fn(LiveView(*this));
  return true;
}

void LiveInventory::noteWrite(const MoRef& entity) {
  if (!entity.empty()) {
    std::lock_guard<std::mutex> lock(pending_mu_);
    if (std::find(pending_refetch_.begin(), pending_refetch_.end(), entity) == pending_refetch_.end())
      pending_refetch_.push_back(entity);
  }
  // After the entity is queued: a read that sees this count finds it queued.
  write_seq_.fetch_add(1, std::memory_order_acq_rel);
}

void LiveInventory::cancelWait() {
  MoRef collector;
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    collector = collector_;
  }
  if (collector.empty()) return;
  SoapWriter w("CancelWaitForUpdates");
  w.moref("_this", collector);
  (void)impl_.call(w, "CancelWaitForUpdates", false);
}

bool LiveInventory::sleepFor(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(state_mu_);
  return !state_cv_.wait_for(lock, d, [this] { return stopping_; });
}

void LiveInventory::run() {
  auto backoff = options_.retry_min;
  for (;;) {
    bool reached_sync = false;
    Status ended = feed(reached_sync);
    destroyCollector();
    {
      std::unique_lock<std::shared_mutex> lock(mu_);
      loaded_ = false;
    }
    {
      std::lock_guard<std::mutex> lock(state_mu_);
      if (stopping_) return;
      status_.in_sync = false;
      status_.state = "resyncing";
      status_.last_error = ended.toString();
    }
    state_cv_.notify_all();
    if (reached_sync) backoff = options_.retry_min;
    log(LogLevel::kWarning, "live inventory: the change feed stopped (" + ended.toString() +
                                "); reading vCenter directly until it is back (retry in " +
                                std::to_string(backoff.count()) + " ms)");
    if (!sleepFor(backoff)) return;
    backoff = std::min(options_.retry_max, backoff * 2);
  }
}

Status LiveInventory::createCollector() {
  SoapWriter pc("CreatePropertyCollector");
  pc.moref("_this", impl_.sc_.property_collector);
  VSMCP_ASSIGN_OR_RETURN(auto created, impl_.call(pc, "CreatePropertyCollector", false));
  MoRef collector = soap::readMoRef(child(created->response, "returnval"));
  if (collector.empty()) return Status::Protocol("CreatePropertyCollector returned no collector");
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    collector_ = collector;
  }
  SoapWriter cv("CreateContainerView");
  cv.moref("_this", impl_.sc_.view_manager).moref("container", impl_.sc_.root_folder);
  for (const auto& set : propertySets()) cv.text("type", set.type);
  cv.boolean("recursive", true);
  VSMCP_ASSIGN_OR_RETURN(auto view_reply, impl_.call(cv, "CreateContainerView", false));
  view_ = soap::readMoRef(child(view_reply->response, "returnval"));
  if (view_.empty()) return Status::Protocol("CreateContainerView returned no view");
  SoapWriter f("CreateFilter");
  f.moref("_this", collector).open("spec");
  for (const auto& set : propertySets()) {
    f.open("propSet").text("type", set.type).boolean("all", false);
    for (const auto& p : set.paths) f.text("pathSet", p);
    f.close("propSet");
  }
  f.open("objectSet")
      .moref("obj", view_)
      .boolean("skip", true)
      .open("selectSet", "TraversalSpec")
      .text("name", "traverseView")
      .text("type", "ContainerView")
      .text("path", "view")
      .boolean("skip", false)
      .close("selectSet")
      .close("objectSet")
      .close("spec")
      .boolean("partialUpdates", false);
  VSMCP_ASSIGN_OR_RETURN(auto filter, impl_.call(f, "CreateFilter", false));
  (void)filter;
  return Status::Ok();
}

void LiveInventory::destroyCollector() {
  MoRef collector;
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    collector = collector_;
    collector_ = {};
  }
  // Best effort: after a lost session or a restart they are gone already.
  if (!collector.empty()) {
    SoapWriter w("DestroyPropertyCollector");
    w.moref("_this", collector);
    (void)impl_.call(w, "DestroyPropertyCollector", false);
  }
  if (!view_.empty()) {
    SoapWriter w("DestroyView");
    w.moref("_this", view_);
    (void)impl_.call(w, "DestroyView", false);
    view_ = {};
  }
}

Status LiveInventory::feed(bool& reached_sync) {
  VSMCP_RETURN_IF_ERROR(createCollector());
  beginLoad();
  std::string version;
  bool loading = true;
  for (;;) {
    const std::uint64_t seq = write_seq_.load(std::memory_order_acquire);
    bool fence;
    MoRef collector;
    {
      std::lock_guard<std::mutex> lock(state_mu_);
      if (stopping_) return Status::Ok();
      fence = synced_write_seq_ < seq;
      polling_ = !loading;
      collector = collector_;
    }
    if (!loading) {
      // Objects this client wrote to are read again before the feed is asked: what the feed
      // reports comes on top, and a change it does not report is not lost.
      std::vector<MoRef> written;
      {
        std::lock_guard<std::mutex> lock(pending_mu_);
        written.swap(pending_refetch_);
      }
      InventoryChanges refreshed;
      if (!written.empty()) VSMCP_RETURN_IF_ERROR(refetch(written, refreshed));
      notify(refreshed);
    }
    // The long wait stays below the connection's request timeout, which would end it.
    const auto request_limit = std::chrono::duration_cast<std::chrono::seconds>(impl_.options_.request_timeout);
    const auto wait = std::max<std::int64_t>(
        1, std::min<std::int64_t>(options_.max_wait.count(), request_limit.count() - 5));
    SoapWriter w("WaitForUpdatesEx");
    w.moref("_this", collector).text("version", version);
    w.open("options").integer("maxWaitSeconds", loading || fence ? 0 : wait)
        .integer("maxObjectUpdates", std::max(1, impl_.options_.page_size)).close("options");
    auto reply = impl_.call(w, "WaitForUpdatesEx", false);
    {
      std::lock_guard<std::mutex> lock(state_mu_);
      polling_ = false;
      if (stopping_) return Status::Ok();
    }
    if (!reply.ok()) {
      // A reader cancelled the wait to have its own change delivered now: poll again at once.
      if (reply.status().details().fault == "RequestCanceled" && !loading) continue;
      return reply.status().withContext("WaitForUpdatesEx");
    }
    InventoryChanges changes;
    std::vector<MoRef> stale;
    bool truncated = false;
    auto update_set = child((*reply)->response, "returnval");
    if (update_set) {
      std::unique_lock<std::shared_mutex> lock(mu_);
      apply(update_set, changes, stale);
      version = childText(update_set, "version");
      truncated = soap::toBool(child(update_set, "truncated"));
    }
    reply.value().reset();
    if (!stale.empty()) VSMCP_RETURN_IF_ERROR(refetch(stale, changes));
    if (loading && truncated) continue;
    if (loading) {
      changes = finishLoad();
      loading = false;
      reached_sync = true;
      trimHeap();  // the load's replies were large; the copy is small
    }
    {
      std::lock_guard<std::mutex> lock(state_mu_);
      status_.in_sync = true;
      status_.state = "live";
      status_.version = version;
      status_.as_of = SysClock::now();
      if (!changes.changes.empty()) {
        status_.last_change = status_.as_of;
        ++status_.updates;
      }
      synced_write_seq_ = std::max(synced_write_seq_, seq);
    }
    state_cv_.notify_all();
    notify(changes);
  }
}

void LiveInventory::beginLoad() {
  std::unique_lock<std::shared_mutex> lock(mu_);
  loaded_ = false;
  if (first_load_) {
    objects_.clear();
  } else {
    before_objects_ = std::make_unique<Objects>(std::move(objects_));
    objects_ = Objects();
  }
  names_.clear();
  uuids_.clear();
  ++index_generation_;
  ++vm_generation_;
}

InventoryChanges LiveInventory::finishLoad() {
  InventoryChanges diff;
  std::unique_lock<std::shared_mutex> lock(mu_);
  loaded_ = true;
  if (first_load_) {
    first_load_ = false;
    diff.loaded = true;
    return diff;
  }
  {
    std::lock_guard<std::mutex> state(state_mu_);
    ++status_.resyncs;
  }
  diff.resync = true;
  for (const auto& [type, objs] : objects_) {
    auto before_type = before_objects_->find(type);
    for (const auto& [id, obj] : objs) {
      const Obj* old = nullptr;
      if (before_type != before_objects_->end()) {
        auto it = before_type->second.find(id);
        if (it != before_type->second.end()) old = &it->second;
      }
      if (!old) {
        diff.changes.push_back({InventoryChange::Kind::kEnter, obj.ref, obj.name, "", {}});
        continue;
      }
      InventoryChange change{InventoryChange::Kind::kModify, obj.ref, obj.name,
                             old->name != obj.name ? old->name : "", changedProps(old->xml, obj.xml)};
      if (!change.properties.empty()) diff.changes.push_back(std::move(change));
    }
  }
  for (const auto& [type, objs] : *before_objects_)
    for (const auto& [id, obj] : objs)
      if (!get(obj.ref)) diff.changes.push_back({InventoryChange::Kind::kLeave, obj.ref, obj.name, "", {}});
  before_objects_.reset();
  return diff;
}

void LiveInventory::apply(pugi::xml_node update_set, InventoryChanges& changes, std::vector<MoRef>& stale) {
  for (auto fs = update_set.first_child(); fs; fs = fs.next_sibling()) {
    if (soap::localName(fs.name()) != "filterSet") continue;
    for (auto os = fs.first_child(); os; os = os.next_sibling())
      if (soap::localName(os.name()) == "objectSet") applyObject(os, changes, stale);
  }
}

void LiveInventory::unindex(const Obj& obj) {
  auto [a, b] = names_.equal_range(obj.name);
  for (auto it = a; it != b; ++it)
    if (it->second == obj.ref) {
      names_.erase(it);
      break;
    }
  for (const auto& key : obj.uuid_keys) {
    auto it = uuids_.find(key);
    if (it != uuids_.end() && it->second == obj.ref) uuids_.erase(it);
  }
}

void LiveInventory::reindex(const Obj& obj) {
  names_.emplace(obj.name, obj.ref);
  for (const auto& key : obj.uuid_keys) uuids_[key] = obj.ref;
}

void LiveInventory::store(Obj& obj, pugi::xml_node props) {
  unindex(obj);
  obj.xml.clear();
  StringWriter w(obj.xml);
  ObjectContent oc;
  oc.ref = obj.ref;
  for (auto p = props.first_child(); p; p = p.next_sibling()) {
    p.print(w, "", pugi::format_raw);
    oc.props.emplace_back(p.attribute(kNameAttr).value(), p);
  }
  obj.xml.shrink_to_fit();
  obj.name = oc.str("name");
  obj.parent = oc.moref("parent");
  obj.uuid_keys = uuidKeys(obj.ref, props);
  if (obj.ref.type == "VirtualMachine") {
    auto record = std::make_shared<VmRecord>();
    record->vm = decodeVm(oc, VmDetail::kFull, record->links);
    obj.vm = std::move(record);
    ++vm_generation_;
  }
  reindex(obj);
  if (isContainerType(obj.ref.type)) ++index_generation_;
}

void LiveInventory::applyObject(pugi::xml_node ou, InventoryChanges& changes, std::vector<MoRef>& stale) {
  const std::string kind = childText(ou, "kind");
  const MoRef ref = soap::readMoRef(child(ou, "obj"));
  if (ref.empty()) return;
  auto& of_type = objects_[ref.type];
  auto it = of_type.find(ref.value);
  if (kind == "leave") {
    if (it == of_type.end()) return;
    unindex(it->second);
    changes.changes.push_back({InventoryChange::Kind::kLeave, ref, it->second.name, "", {}});
    of_type.erase(it);
    if (isContainerType(ref.type)) ++index_generation_;
    if (ref.type == "VirtualMachine") ++vm_generation_;
    return;
  }
  const bool entering = it == of_type.end();
  if (entering) {
    Obj obj;
    obj.ref = ref;
    it = of_type.emplace(ref.value, std::move(obj)).first;
  }
  Obj& obj = it->second;
  const std::string old_name = obj.name;
  scratch_.reset();
  scratch_.load_buffer(obj.xml.data(), obj.xml.size(), pugi::parse_default | pugi::parse_fragment);
  const std::vector<std::string>* wanted = pathsOf(ref.type);
  InventoryChange change{entering ? InventoryChange::Kind::kEnter : InventoryChange::Kind::kModify, ref, "", "", {}};
  bool refetch = false;
  for (auto cs = ou.first_child(); cs; cs = cs.next_sibling()) {
    if (soap::localName(cs.name()) != "changeSet") continue;
    const std::string name = childText(cs, "name");
    const std::string op = childText(cs, "op");
    const bool whole = wanted && std::find(wanted->begin(), wanted->end(), name) != wanted->end();
    if (whole && op == "assign") {
      auto val = child(cs, "val");
      if (val) setProp(scratch_, name, val);
      else removeProp(scratch_, name);  // assigned "unset"
    } else if (whole && (op == "remove" || op == "indirectRemove")) {
      removeProp(scratch_, name);
    } else {
      refetch = true;  // below a property we hold, or an "add" to it: read the object again
    }
    change.properties.push_back(name);
  }
  store(obj, scratch_);
  change.name = obj.name;
  if (!entering && old_name != obj.name) change.old_name = old_name;
  if (refetch) stale.push_back(ref);
  if (loaded_) changes.changes.push_back(std::move(change));
}

Status LiveInventory::refetch(const std::vector<MoRef>& refs, InventoryChanges& changes) {
  std::unordered_map<std::string, std::vector<MoRef>> by_type;
  for (const auto& r : refs) by_type[r.type].push_back(r);
  for (const auto& [type, of_type] : by_type) {
    const auto* paths = pathsOf(type);
    if (!paths) continue;
    Status st = impl_.retrieveObjects(of_type, *paths, [&](const ObjectContent& oc) {
      std::unique_lock<std::shared_mutex> lock(mu_);
      auto t = objects_.find(oc.ref.type);
      if (t == objects_.end()) return Status::Ok();
      auto o = t->second.find(oc.ref.value);
      if (o == t->second.end()) return Status::Ok();
      Obj& obj = o->second;
      const std::string old_name = obj.name;
      const std::string old_xml = obj.xml;
      scratch_.reset();
      for (const auto& [name, node] : oc.props) setProp(scratch_, name, node);
      store(obj, scratch_);
      InventoryChange change{InventoryChange::Kind::kModify, obj.ref, obj.name,
                             old_name != obj.name ? old_name : "", changedProps(old_xml, obj.xml)};
      if (!change.properties.empty()) changes.changes.push_back(std::move(change));
      return Status::Ok();
    });
    // An object that left meanwhile is reported by the feed's next reply.
    if (!st.ok() && st.code() != ErrorCode::kNotFound) return st.withContext("re-reading changed objects");
  }
  return Status::Ok();
}

void LiveInventory::notify(const InventoryChanges& changes) {
  if ((changes.changes.empty() && !changes.loaded) || !options_.on_change) return;
  try {
    options_.on_change(changes);
  } catch (...) {
    log(LogLevel::kWarning, "live inventory: a change listener threw; ignored");
  }
}

}  // namespace vsmcp::vsphere
