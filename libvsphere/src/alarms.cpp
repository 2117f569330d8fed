// Alarms: the triggered and declared alarm states of managed entities (triggeredAlarmState,
// declaredAlarmState, read through the PropertyCollector) and vCenter's AlarmManager
// (AcknowledgeAlarm, SetAlarmStatus, GetAlarm). vCenter only: a standalone ESXi host has no
// AlarmManager.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "client_impl.hpp"

namespace vsmcp::vsphere {

using soap::child;
using soap::childText;
using soap::SoapWriter;

namespace {

// The alarm states of an ArrayOfAlarmState property value, names not yet filled in. States
// without a key, entity or alarm (not vCenter's shape) are skipped.
std::vector<AlarmStateInfo> parseAlarmStates(pugi::xml_node array) {
  std::vector<AlarmStateInfo> out;
  for (auto n = array.first_child(); n; n = n.next_sibling()) {
    if (n.type() != pugi::node_element) continue;
    AlarmStateInfo s;
    s.key = childText(n, "key");
    s.entity = soap::readMoRef(child(n, "entity"));
    s.alarm = soap::readMoRef(child(n, "alarm"));
    if (s.key.empty() || s.entity.empty() || s.alarm.empty()) continue;
    s.status = childText(n, "overallStatus");
    s.time = childText(n, "time");
    s.acknowledged = soap::toBool(child(n, "acknowledged"));
    if (s.acknowledged) {
      s.acknowledged_by = childText(n, "acknowledgedByUser");
      s.acknowledged_time = childText(n, "acknowledgedTime");
    }
    out.push_back(std::move(s));
  }
  return out;
}

// What alarms need before any round trip.
Status checkAlarms(const Client::Impl& impl) {
  if (!impl.sc_.about.isVCenter())
    return Status::Unsupported("alarms need vCenter; " + impl.url_.hostPort() +
                               " is a standalone ESXi host (" + impl.sc_.about.api_type +
                               "), which has no AlarmManager");
  return Status::Ok();
}

// ServiceContent.alarmManager (not among what the session keeps), from a fresh
// RetrieveServiceContent.
Result<MoRef> alarmManager(Client::Impl& impl) {
  SoapWriter w("RetrieveServiceContent");
  w.moref("_this", MoRef{"ServiceInstance", "ServiceInstance"});
  VSMCP_ASSIGN_OR_RETURN(auto reply, impl.call(w, "RetrieveServiceContent", true));
  MoRef ref = soap::readMoRef(child(child(reply->response, "returnval"), "alarmManager"));
  if (ref.empty()) return Status::Unsupported(impl.url_.hostPort() + " has no AlarmManager");
  return ref;
}

int statusRank(const std::string& status) {
  if (status == "red") return 0;
  if (status == "yellow") return 1;
  if (status == "green") return 2;
  if (status == "gray") return 3;
  return 4;
}

// An ISO 8601 time to compare: to the second, then the fraction (digits of different lengths
// compare as decimals once padded).
std::string sortableTime(const std::string& t) {
  const size_t dot = t.find('.');
  if (dot == std::string::npos) return t.substr(0, 19);
  size_t end = dot + 1;
  while (end < t.size() && t[end] >= '0' && t[end] <= '9') ++end;
  std::string fraction = t.substr(dot + 1, end - dot - 1);
  fraction.resize(9, '0');
  return t.substr(0, std::min<size_t>(dot, 19)) + "." + fraction;
}

// Red first, then yellow, green, gray; newest first; then by path and alarm name.
void sortStates(std::vector<AlarmStateInfo>& states) {
  std::sort(states.begin(), states.end(), [](const AlarmStateInfo& a, const AlarmStateInfo& b) {
    const int ra = statusRank(a.status), rb = statusRank(b.status);
    if (ra != rb) return ra < rb;
    const std::string ta = sortableTime(a.time), tb = sortableTime(b.time);
    if (ta != tb) return ta > tb;
    if (a.entity_path != b.entity_path) return a.entity_path < b.entity_path;
    if (a.alarm_name != b.alarm_name) return a.alarm_name < b.alarm_name;
    return a.key < b.key;
  });
}

// Where an entity is: its name, parent and, for a VM, the pool and host it runs in.
struct Place {
  std::string name;
  MoRef parent;
  MoRef pool, host;  // VMs only
};

// Names and places of the entities and names of the alarms of `states`, and the inventory
// index for paths: the index (3 round trips) and one RetrievePropertiesEx for the objects the
// index does not hold (VMs, switches, the root folder) and the alarms.
struct Described {
  InventoryIndex index;
  std::map<std::string, Place> places;        // entity id -> place, for those outside the index
  std::map<std::string, std::string> alarms;  // alarm id -> name
  std::set<std::string> gone;                 // entities deleted while being described

  const InventoryIndex::Entry* indexed(const MoRef& ref) const {
    auto it = index.by_value.find(ref.value);
    return it == index.by_value.end() ? nullptr : &it->second;
  }
  // The entity's parent (a VM in a vApp: the vApp).
  MoRef parentOf(const MoRef& ref) const {
    if (const auto* e = indexed(ref)) return e->parent;
    auto it = places.find(ref.value);
    return it == places.end() ? MoRef{} : it->second.parent;
  }
  // True when `scope` is `from` or one of its ancestors.
  bool within(const MoRef& from, const MoRef& scope) const {
    MoRef cur = from;
    for (int guard = 0; guard < 256 && !cur.empty(); ++guard) {
      if (cur.value == scope.value) return true;
      cur = parentOf(cur);
    }
    return false;
  }
  // On `scope` or below it: its subtree, and for hosts, clusters and pools the VMs they run.
  bool below(const MoRef& entity, const MoRef& scope, const MoRef& root) const {
    if (scope.empty() || scope.value == root.value || within(entity, scope)) return true;
    auto it = places.find(entity.value);
    if (it == places.end()) return false;
    const Place& p = it->second;
    return (!p.pool.empty() && within(p.pool, scope)) || (!p.host.empty() && within(p.host, scope));
  }
  void fill(AlarmStateInfo& s, const MoRef& root) const {
    auto a = alarms.find(s.alarm.value);
    if (a != alarms.end()) s.alarm_name = a->second;
    if (s.entity.value == root.value) {
      auto it = places.find(s.entity.value);
      s.entity_name = it == places.end() ? std::string() : it->second.name;
      s.entity_path = "/";
    } else if (const auto* e = indexed(s.entity)) {
      s.entity_name = e->name;
      s.entity_path = index.path(s.entity);
    } else if (auto it = places.find(s.entity.value); it != places.end()) {
      s.entity_name = it->second.name;
      s.entity_path = index.path(it->second.parent) + "/" + it->second.name;
    }
  }
};

Result<Described> describe(Client::Impl& impl, const std::vector<AlarmStateInfo>& states,
                           const MoRef& also = {}) {
  Described d;
  VSMCP_ASSIGN_OR_RETURN(d.index, impl.inventoryIndex());
  std::map<std::string, std::set<std::string>> by_type;  // type -> ids, outside the index
  std::set<std::string> alarm_ids;
  auto need = [&](const MoRef& e) {
    if (!e.empty() && !d.indexed(e)) by_type[e.type].insert(e.value);
  };
  for (const auto& s : states) {
    need(s.entity);
    alarm_ids.insert(s.alarm.value);
  }
  need(also);
  if (by_type.empty() && alarm_ids.empty()) return d;
  std::vector<PropertySet> props;
  for (const auto& [type, ids] : by_type) {
    if (type == "VirtualMachine")
      props.push_back({type, {"name", "parent", "parentVApp", "resourcePool", "runtime.host"}});
    else
      props.push_back({type, {"name", "parent"}});
  }
  if (!alarm_ids.empty()) props.push_back({"Alarm", {"info.name"}});
  // An entity can go between reading the alarm states and naming it (a VM destroyed just then):
  // vCenter refuses the whole read naming the gone object, which is dropped and the read
  // repeated; its states are then left out of the listing (Described::gone).
  for (int attempt = 0;; ++attempt) {
    Status st = impl.retrieve(
        props,
        [&](SoapWriter& w) {
          for (const auto& [type, ids] : by_type)
            for (const auto& id : ids)
              w.open("objectSet").moref("obj", {type, id}).boolean("skip", false).close("objectSet");
          for (const auto& id : alarm_ids)
            w.open("objectSet").moref("obj", {"Alarm", id}).boolean("skip", false).close("objectSet");
        },
        [&](const ObjectContent& oc) {
          if (oc.ref.type == "Alarm") {
            d.alarms[oc.ref.value] = oc.str("info.name");
            return Status::Ok();
          }
          Place p;
          p.name = oc.str("name");
          p.parent = oc.moref("parent");
          if (p.parent.empty()) p.parent = oc.moref("parentVApp");
          p.pool = oc.moref("resourcePool");
          p.host = oc.moref("runtime.host");
          d.places[oc.ref.value] = std::move(p);
          return Status::Ok();
        });
    if (st.ok()) return d;
    const std::string gone = st.details().object;
    bool dropped = false;
    if (st.code() == ErrorCode::kNotFound && !gone.empty() && attempt < 8)
      for (auto& [type, ids] : by_type)
        if (ids.erase(gone) > 0) {
          d.gone.insert(gone);
          dropped = true;
        }
    if (!dropped) return st;
    d.places.clear();
    d.alarms.clear();
  }
}

// The triggered alarm states of one entity and, if `declared` is set, its declared ones too,
// in one RetrievePropertiesEx. kNotFound naming the entity if it does not exist.
Result<std::vector<AlarmStateInfo>> readStates(Client::Impl& impl, const MoRef& entity,
                                               std::vector<AlarmStateInfo>* declared = nullptr) {
  std::vector<AlarmStateInfo> out;
  bool found = false;
  std::vector<std::string> paths = {"triggeredAlarmState"};
  if (declared) paths.emplace_back("declaredAlarmState");
  Status st = impl.retrieveObjects({entity}, paths, [&](const ObjectContent& oc) {
    found = true;
    out = parseAlarmStates(oc.get("triggeredAlarmState"));
    if (declared) *declared = parseAlarmStates(oc.get("declaredAlarmState"));
    return Status::Ok();
  });
  if (!st.ok() && st.code() == ErrorCode::kNotFound)
    return Status::Error(ErrorCode::kNotFound,
                         "no " + entity.type + " with id '" + entity.value + "'",
                         ErrorDetails{st.details().fault, st.details().http_status, entity.value});
  VSMCP_RETURN_IF_ERROR(st);
  if (!found)
    return Status::Error(ErrorCode::kNotFound,
                         "no " + entity.type + " with id '" + entity.value + "'",
                         ErrorDetails{"ManagedObjectNotFound", 0, entity.value});
  return out;
}

// "'Virtual machine CPU usage' (red) on VirtualMachine vm-63 (/DC0/vm/web-01)".
std::string label(const AlarmStateInfo& s) {
  return "'" + (s.alarm_name.empty() ? s.alarm.value : s.alarm_name) + "' (" + s.status + ") on " +
         s.entity.type + " " + s.entity.value +
         (s.entity_path.empty() ? std::string() : " (" + s.entity_path + ")");
}

// Every alarm vCenter defines, id -> name (GetAlarm over the whole inventory), to tell an
// unknown alarm from one that is not triggered.
Result<std::map<std::string, std::string>> definedAlarms(Client::Impl& impl, const MoRef& manager) {
  SoapWriter w("GetAlarm");
  w.moref("_this", manager);
  VSMCP_ASSIGN_OR_RETURN(auto reply, impl.call(w, "GetAlarm", true));
  std::vector<MoRef> refs;
  for (auto n = reply->response.first_child(); n; n = n.next_sibling())
    if (soap::localName(n.name()) == "returnval") refs.push_back(soap::readMoRef(n));
  std::map<std::string, std::string> out;
  VSMCP_RETURN_IF_ERROR(impl.retrieveObjects(refs, {"info.name"}, [&](const ObjectContent& oc) {
    out[oc.ref.value] = oc.str("info.name");
    return Status::Ok();
  }));
  return out;
}

// The entity named by a "Type:id" locator, checked to exist.
Result<MoRef> typedEntity(Client::Impl& impl, const std::string& value) {
  const size_t colon = value.find(':');
  MoRef ref{value.substr(0, colon), value.substr(colon + 1)};
  if (ref.type.empty() || ref.value.empty())
    return Status::InvalidArgument("'" + value + "' is not Type:id (e.g. HostSystem:host-12)");
  bool found = false;
  Status st = impl.retrieveObjects({ref}, {"name"}, [&](const ObjectContent& oc) {
    found = oc.ref.value == ref.value;
    return Status::Ok();
  });
  if (!st.ok() && st.code() != ErrorCode::kNotFound && st.code() != ErrorCode::kInvalidArgument)
    return st;
  if (!st.ok() || !found)
    return Status::Error(ErrorCode::kNotFound, "no " + ref.type + " with id '" + ref.value + "'",
                         ErrorDetails{"ManagedObjectNotFound", 0, ref.value});
  return ref;
}

bool isTypedId(const std::string& value) {
  const size_t colon = value.find(':');
  if (colon == std::string::npos || colon == 0 || value.find(':', colon + 1) != std::string::npos)
    return false;
  // vim25 type names: letters, the first a capital.
  return value[0] >= 'A' && value[0] <= 'Z' &&
         std::all_of(value.begin(), value.begin() + static_cast<long>(colon),
                     [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); });
}

}  // namespace

Result<MoRef> Client::resolveEntity(const Locator& locator) {
  const std::string& v = locator.value;
  if (v.empty()) return Status::InvalidArgument("empty entity locator");
  const MoRef& root = impl_->sc_.root_folder;
  const Locator::Kind kind = classifyLocator(locator);
  if (kind == Locator::Kind::kPath) {
    std::string path = v;
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    if (path == "/") return root;
    if (path.front() == '/') path.erase(0, 1);
    SoapWriter w("FindByInventoryPath");
    w.moref("_this", impl_->sc_.search_index).text("inventoryPath", path);
    VSMCP_ASSIGN_OR_RETURN(auto reply, impl_->call(w, "FindByInventoryPath", true));
    MoRef ref = soap::readMoRef(child(reply->response, "returnval"));
    if (ref.empty())
      return Status::Error(ErrorCode::kNotFound, "nothing at inventory path '" + v + "'",
                           ErrorDetails{"", 0, v});
    return ref;
  }
  if (kind == Locator::Kind::kUuid) {
    auto vm = resolve("VirtualMachine", locator);
    if (vm.ok() || vm.status().code() != ErrorCode::kNotFound) return vm;
    return resolve("HostSystem", locator);
  }
  // "Type:id"; when no such object exists, the value may still be a name with a colon.
  Result<MoRef> typed = Status::NotFound("");
  if (isTypedId(v)) {
    typed = typedEntity(*impl_, v);
    if (typed.ok() || typed.status().code() != ErrorCode::kNotFound) return typed;
  }
  if (v == root.value) return root;
  // Ids first (unique), then names among everything the index holds and the VMs.
  VSMCP_ASSIGN_OR_RETURN(InventoryIndex index, impl_->inventoryIndex());
  if (auto it = index.by_value.find(v); it != index.by_value.end()) return it->second.ref;
  std::vector<MoRef> named;
  for (const auto& [id, entry] : index.by_value)
    if (entry.name == v) named.push_back(entry.ref);
  auto vm = resolve("VirtualMachine", locator);
  if (vm.ok()) {
    if (vm->value == v) return *vm;  // a VM's id
    named.push_back(*vm);
  } else if (vm.status().code() != ErrorCode::kNotFound) {
    return vm.status();  // e.g. several VMs of that name, or a name that is also an id
  }
  // A standalone host's compute resource bears the host's name: the name means the host.
  std::set<std::string> host_parents;
  for (const auto& r : named)
    if (auto it = index.by_value.find(r.value);
        r.type == "HostSystem" && it != index.by_value.end())
      host_parents.insert(it->second.parent.value);
  named.erase(std::remove_if(named.begin(), named.end(),
                             [&](const MoRef& r) {
                               return r.type == "ComputeResource" &&
                                      host_parents.count(r.value) > 0;
                             }),
              named.end());
  if (named.empty()) {
    if (!typed.status().message().empty()) return typed;  // "no HostSystem with id 'host-9'"
    return Status::Error(ErrorCode::kNotFound, "no inventory object named or with id '" + v + "'",
                         ErrorDetails{"", 0, v});
  }
  if (named.size() > 1) {
    std::sort(named.begin(), named.end(),
              [](const MoRef& a, const MoRef& b) { return a.toString() < b.toString(); });
    std::string which;
    for (size_t i = 0; i < named.size() && i < 5; ++i)
      which += (i ? ", " : "") + named[i].toString();
    if (named.size() > 5) which += ", ...";
    return Status::Error(ErrorCode::kInvalidArgument,
                         std::to_string(named.size()) + " inventory objects are named '" + v +
                             "' (" + which + "); give Type:id or the inventory path instead",
                         ErrorDetails{"", 0, v});
  }
  return named.front();
}

Result<std::vector<AlarmStateInfo>> Client::listAlarms(const AlarmQuery& query) {
  VSMCP_RETURN_IF_ERROR(checkAlarms(*impl_));
  const MoRef& root = impl_->sc_.root_folder;
  // The root folder's triggered states are every alarm triggered below it.
  std::vector<AlarmStateInfo> own;
  VSMCP_ASSIGN_OR_RETURN(auto states, readStates(*impl_, root, query.declared ? &own : nullptr));
  if (query.declared) {
    std::set<std::string> triggered;
    for (const auto& s : states) triggered.insert(s.key);
    auto add = [&](std::vector<AlarmStateInfo> declared) {
      for (auto& s : declared)
        if (!triggered.count(s.key) && !s.triggered()) states.push_back(std::move(s));
    };
    add(std::move(own));
    VSMCP_RETURN_IF_ERROR(impl_->retrieveView({"ManagedEntity"},
                                              {{"ManagedEntity", {"declaredAlarmState"}}},
                                              [&](const ObjectContent& oc) {
                                                add(parseAlarmStates(oc.get("declaredAlarmState")));
                                                return Status::Ok();
                                              }));
  }
  if (states.empty()) return states;  // nothing to name: 1 round trip
  VSMCP_ASSIGN_OR_RETURN(Described d, describe(*impl_, states, query.entity));
  std::vector<AlarmStateInfo> out;
  for (auto& s : states) {
    if (d.gone.count(s.entity.value) || !d.below(s.entity, query.entity, root)) continue;
    d.fill(s, root);
    out.push_back(std::move(s));
  }
  sortStates(out);
  return out;
}

Result<AlarmStateInfo> Client::findTriggeredAlarm(const std::string& alarm, const MoRef& entity) {
  if (alarm.empty())
    return Status::InvalidArgument("name the alarm: its key (alarm-12.vm-42), id or name");
  VSMCP_RETURN_IF_ERROR(checkAlarms(*impl_));
  const MoRef& root = impl_->sc_.root_folder;
  // An entity's triggered states include those of everything below it: keep its own.
  VSMCP_ASSIGN_OR_RETURN(auto states, readStates(*impl_, entity.empty() ? root : entity));
  if (!entity.empty())
    states.erase(std::remove_if(states.begin(), states.end(),
                                [&](const AlarmStateInfo& s) { return s.entity != entity; }),
                 states.end());
  VSMCP_ASSIGN_OR_RETURN(Described d, describe(*impl_, states, entity));
  for (auto& s : states) d.fill(s, root);
  std::vector<const AlarmStateInfo*> matches;
  for (const auto& s : states)
    if (s.key == alarm) return s;
  for (const auto& s : states)
    if (s.alarm.value == alarm || s.alarm_name == alarm) matches.push_back(&s);
  if (matches.size() == 1) return *matches.front();
  if (matches.size() > 1) {
    std::string keys;
    for (size_t i = 0; i < matches.size() && i < 5; ++i) keys += (i ? ", " : "") + matches[i]->key;
    if (matches.size() > 5) keys += ", ...";
    return Status::Error(ErrorCode::kInvalidArgument,
                         "alarm '" + alarm + "' is triggered on " + std::to_string(matches.size()) +
                             " objects (keys " + keys + "); give the key, or the entity too",
                         ErrorDetails{"", 0, alarm});
  }
  // Nothing matched: say whether such an alarm exists and what is triggered here.
  std::string where =
      entity.empty() ? std::string("in the inventory") : "on " + entity.type + " " + entity.value;
  if (!entity.empty()) {
    AlarmStateInfo self;
    self.entity = entity;
    d.fill(self, root);
    if (!self.entity_path.empty()) where += " (" + self.entity_path + ")";
  }
  // Whether vCenter defines such an alarm at all (unknown when the definitions cannot be read).
  std::optional<bool> known;
  if (auto manager = alarmManager(*impl_); manager.ok()) {
    if (auto defined = definedAlarms(*impl_, *manager); defined.ok())
      known = defined->count(alarm) > 0 ||
              std::any_of(defined->begin(), defined->end(),
                          [&](const auto& def) { return def.second == alarm; });
  }
  std::string message;
  if (known == false && alarm.find('.') != std::string::npos)
    message = "no triggered alarm has the key '" + alarm + "' " + where;
  else if (known == false)
    message = "vCenter defines no alarm named or with id '" + alarm + "'";
  else
    message = "no alarm '" + alarm + "' is triggered " + where;
  if (states.empty()) {
    message += "; nothing is triggered " + where;
  } else {
    message += "; triggered " + where + ": ";
    for (size_t i = 0; i < states.size() && i < 5; ++i)
      message += (i ? ", " : "") + label(states[i]) + " key " + states[i].key;
    if (states.size() > 5) message += ", ...";
  }
  return Status::Error(ErrorCode::kNotFound, message, ErrorDetails{"", 0, alarm});
}

Result<AlarmStateInfo> Client::acknowledgeAlarm(const std::string& alarm, const MoRef& entity) {
  VSMCP_ASSIGN_OR_RETURN(AlarmStateInfo state, findTriggeredAlarm(alarm, entity));
  VSMCP_ASSIGN_OR_RETURN(MoRef manager, alarmManager(*impl_));
  SoapWriter w("AcknowledgeAlarm");
  w.moref("_this", manager).moref("alarm", state.alarm).moref("entity", state.entity);
  auto r = impl_->call(w, "AcknowledgeAlarm", false);
  if (!r.ok()) return r.status().withContext("acknowledging alarm " + label(state));
  // Read back who and when, as vCenter recorded it.
  VSMCP_ASSIGN_OR_RETURN(auto after, readStates(*impl_, state.entity));
  for (const auto& s : after) {
    if (s.key != state.key) continue;
    state.status = s.status;
    state.time = s.time;
    state.acknowledged = s.acknowledged;
    state.acknowledged_by = s.acknowledged_by;
    state.acknowledged_time = s.acknowledged_time;
  }
  return state;
}

Result<AlarmStateInfo> Client::resetAlarm(const std::string& alarm, const MoRef& entity) {
  VSMCP_ASSIGN_OR_RETURN(AlarmStateInfo state, findTriggeredAlarm(alarm, entity));
  VSMCP_ASSIGN_OR_RETURN(MoRef manager, alarmManager(*impl_));
  SoapWriter w("SetAlarmStatus");
  w.moref("_this", manager)
      .moref("alarm", state.alarm)
      .moref("entity", state.entity)
      .text("status", "green");
  auto r = impl_->call(w, "SetAlarmStatus", false);
  if (!r.ok()) {
    Status st = r.status();
    if (st.code() == ErrorCode::kUnsupported)
      st = Status::Error(ErrorCode::kUnsupported,
                         "this vCenter does not offer AlarmManager.SetAlarmStatus (" +
                             st.message() + "); reset the alarm in the vSphere Client",
                         st.details());
    return st.withContext("resetting alarm " + label(state) + " to green");
  }
  return state;
}

}  // namespace vsmcp::vsphere
