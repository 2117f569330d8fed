// Custom attributes: vCenter's CustomFieldsManager (field definitions, AddCustomFieldDef,
// SetField) and the customValue property of managed entities.
#include <algorithm>

#include "client_impl.hpp"

namespace vsmcp::vsphere {

using soap::child;
using soap::childText;
using soap::SoapWriter;

namespace {

struct FieldDef {
  int key = 0;
  std::string name;
  std::string managed_type;  // "" = global
};

// The elements of an array-valued property (ArrayOfCustomFieldDef, ArrayOfCustomFieldValue).
template <typename F>
void forEachElement(pugi::xml_node array, F&& f) {
  for (auto n = array.first_child(); n; n = n.next_sibling())
    if (n.type() == pugi::node_element) f(n);
}

std::vector<FieldDef> parseFieldDefs(pugi::xml_node array) {
  std::vector<FieldDef> out;
  forEachElement(array, [&](pugi::xml_node def) {
    auto key = child(def, "key");
    if (!key) return;
    out.push_back({static_cast<int>(soap::toInt(key)), childText(def, "name"),
                   childText(def, "managedObjectType")});
  });
  return out;
}

// Key -> value of an entity's customValue array. A key set twice keeps its last value (the
// simulator appends instead of replacing).
std::map<int, std::string> parseCustomValues(pugi::xml_node array) {
  std::map<int, std::string> out;
  forEachElement(array, [&](pugi::xml_node value) {
    auto key = child(value, "key");
    if (!key) return;
    out[static_cast<int>(soap::toInt(key))] = childText(value, "value");
  });
  return out;
}

// Definitions of `name` that apply to `type`: those of that type and the global ones. A
// definition for the type itself comes first.
std::vector<const FieldDef*> matching(const std::vector<FieldDef>& defs, const std::string& name,
                                      const std::string& type) {
  std::vector<const FieldDef*> out;
  for (const auto& d : defs)
    if (d.name == name && d.managed_type == type) out.push_back(&d);
  for (const auto& d : defs)
    if (d.name == name && d.managed_type.empty() && !type.empty()) out.push_back(&d);
  return out;
}

}  // namespace

namespace {

// What custom attributes need before any round trip.
Status checkCustomFields(const Client::Impl& impl) {
  if (impl.sc_.custom_fields_manager.empty())
    return Status::Unsupported("custom attributes need vCenter; " + impl.url_.hostPort() +
                               " is a standalone ESXi host (" + impl.sc_.about.api_type + ")");
  return Status::Ok();
}

// The field definitions and, if `entity` is set, that entity's custom values, in one
// RetrievePropertiesEx. kNotFound naming the entity if it does not exist.
Status readFields(Client::Impl& impl, const MoRef& entity, std::vector<FieldDef>& defs,
                  std::map<int, std::string>* values) {
  const MoRef& cfm = impl.sc_.custom_fields_manager;
  std::vector<PropertySet> props = {{cfm.type, {"field"}}};
  if (!entity.empty()) props.push_back({entity.type, {"customValue"}});
  Status st = impl.retrieve(
      props,
      [&](SoapWriter& w) {
        w.open("objectSet").moref("obj", cfm).boolean("skip", false).close("objectSet");
        if (!entity.empty())
          w.open("objectSet").moref("obj", entity).boolean("skip", false).close("objectSet");
      },
      [&](const ObjectContent& oc) {
        if (oc.ref == cfm)
          defs = parseFieldDefs(oc.get("field"));
        else if (values && oc.ref == entity)
          *values = parseCustomValues(oc.get("customValue"));
        return Status::Ok();
      });
  if (!st.ok() && st.code() == ErrorCode::kNotFound && !entity.empty() &&
      st.details().object != cfm.value)
    return Status::Error(ErrorCode::kNotFound,
                         "no " + entity.type + " with id '" + entity.value + "'",
                         ErrorDetails{st.details().fault, st.details().http_status, entity.value});
  if (!st.ok() && st.code() == ErrorCode::kInvalidArgument && !entity.empty())
    return st.withContext("reading the custom values of " + entity.toString());
  return st;
}

// The key of `name` for `type` among `defs`, defining the field if it has none.
Result<int> ensureField(Client::Impl& impl, std::vector<FieldDef> defs, const std::string& name,
                        const std::string& type) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto found = matching(defs, name, type);
    if (!found.empty()) return found.front()->key;
    if (attempt > 0) break;
    SoapWriter w("AddCustomFieldDef");
    w.moref("_this", impl.sc_.custom_fields_manager).text("name", name);
    if (!type.empty()) w.text("moType", type);
    auto added = impl.call(w, "AddCustomFieldDef", false);
    if (added.ok()) {
      auto rv = child(added.value()->response, "returnval");
      if (!child(rv, "key"))
        return Status::Protocol("AddCustomFieldDef for '" + name + "' returned no key");
      return static_cast<int>(soap::toInt(child(rv, "key")));
    }
    if (added.status().code() != ErrorCode::kAlreadyExists)
      return added.status().withContext("defining custom field '" + name + "'");
    // Someone defined it meanwhile, or a field of that name exists for another type only.
    defs.clear();
    VSMCP_RETURN_IF_ERROR(readFields(impl, {}, defs, nullptr));
  }
  return Status::Error(ErrorCode::kAlreadyExists,
                       "a custom field named '" + name + "' exists, but not for " +
                           (type.empty() ? std::string("every type") : type),
                       ErrorDetails{"DuplicateName", 0, name});
}

Status checkFieldName(const std::string& name) {
  if (name.empty()) return Status::InvalidArgument("a custom field needs a name");
  return Status::Ok();
}

}  // namespace

Result<int> Client::ensureCustomField(const std::string& name, const std::string& managed_type) {
  VSMCP_RETURN_IF_ERROR(checkFieldName(name));
  VSMCP_RETURN_IF_ERROR(checkCustomFields(*impl_));
  std::vector<FieldDef> defs;
  VSMCP_RETURN_IF_ERROR(readFields(*impl_, {}, defs, nullptr));
  return ensureField(*impl_, std::move(defs), name, managed_type);
}

Status Client::setCustomValue(const MoRef& entity, const std::string& field,
                              const std::string& value) {
  VSMCP_RETURN_IF_ERROR(checkFieldName(field));
  if (entity.empty() || entity.type.empty())
    return Status::InvalidArgument("setting a custom value needs an entity (type and id)");
  VSMCP_RETURN_IF_ERROR(checkCustomFields(*impl_));
  // Reading the entity's customValue along with the definitions confirms that it exists: the
  // simulator's SetField crashes on a missing entity instead of faulting.
  std::vector<FieldDef> defs;
  std::map<int, std::string> current;
  VSMCP_RETURN_IF_ERROR(readFields(*impl_, entity, defs, &current));
  VSMCP_ASSIGN_OR_RETURN(int key, ensureField(*impl_, std::move(defs), field, entity.type));
  SoapWriter w("SetField");
  w.moref("_this", impl_->sc_.custom_fields_manager)
      .moref("entity", entity)
      .integer("key", key)
      .text("value", value);
  auto r = impl_->call(w, "SetField", false);
  if (!r.ok())
    return r.status().withContext("setting custom field '" + field + "' of " + entity.toString());
  return Status::Ok();
}

Result<std::map<std::string, std::string>> Client::customValues(const MoRef& entity) {
  if (entity.empty() || entity.type.empty())
    return Status::InvalidArgument("reading custom values needs an entity (type and id)");
  VSMCP_RETURN_IF_ERROR(checkCustomFields(*impl_));
  std::vector<FieldDef> defs;
  std::map<int, std::string> values;
  VSMCP_RETURN_IF_ERROR(readFields(*impl_, entity, defs, &values));
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : values) {
    auto def =
        std::find_if(defs.begin(), defs.end(), [&](const FieldDef& d) { return d.key == key; });
    if (def != defs.end()) out[def->name] = value;  // a value of a removed field is dropped
  }
  return out;
}

Result<std::vector<std::pair<MoRef, std::string>>> Client::findByCustomValue(
    const std::string& field) {
  VSMCP_RETURN_IF_ERROR(checkFieldName(field));
  VSMCP_RETURN_IF_ERROR(checkCustomFields(*impl_));
  std::vector<FieldDef> defs;
  VSMCP_RETURN_IF_ERROR(readFields(*impl_, {}, defs, nullptr));
  const auto keys = matching(defs, field, "VirtualMachine");
  std::vector<std::pair<MoRef, std::string>> out;
  if (keys.empty()) return out;
  VSMCP_RETURN_IF_ERROR(impl_->retrieveView(
      {"VirtualMachine"}, {{"VirtualMachine", {"customValue"}}}, [&](const ObjectContent& oc) {
        auto values = parseCustomValues(oc.get("customValue"));
        // The VM's own field wins over a global one of the same name.
        for (const FieldDef* def : keys) {
          auto it = values.find(def->key);
          if (it == values.end()) continue;
          if (!it->second.empty()) out.emplace_back(oc.ref, std::move(it->second));
          break;
        }
        return Status::Ok();
      }));
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.first.value < b.first.value; });
  return out;
}

}  // namespace vsmcp::vsphere
