// Catalog operations: a self-service catalog built on vCenter's tagging API (the tag
// operations themselves are in group_tags.cpp): catalog items (VM templates and content library
// items), requests that clone a template or deploy an OVF library item into a deployment, the
// deployments themselves and the deployment report.
//
// A deployment is recorded in vCenter, so it survives a restart and every gateway, server and
// CLI sees the same ones: a tag named after the deployment id in the category
// "vsmcp-deployments", whose description holds the record as JSON (name, project, catalog
// item, who asked, when, status), attached to each VM of the deployment. A deployment whose
// VMs are all gone keeps its tag: that is how unsynced deployments are found.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "tags_util.hpp"
#include "util.hpp"
#include "vsmcp/glob.hpp"
#include "vsmcp/json_schema.hpp"
#include "vsmcp/random.hpp"
#include "vsmcp/time.hpp"
#include "vsphere/rest_client.hpp"

namespace vsmcp::ops {

namespace {

using namespace vsphere;
using namespace util;

using tagutil::kDeploymentCategory;
using tagutil::rest;
using tagutil::textOf;

constexpr const char* kDeploymentField = "vsmcp.deployment";

std::string newDeploymentId() { return "dep-" + randomHex(6); }

// ---- deployments -------------------------------------------------------------------------------

struct Deployment {
  std::string id;  // tag name
  std::string tag_id;
  Json record;     // parsed tag description
  std::vector<MoRef> vms;
};

Json toJsonDeployment(const Deployment& d) {
  Json j = Json::object().set("id", d.id);
  for (const auto& [k, v] : d.record.members())
    if (k != "id") j.set(k, v);
  std::string status = d.record.find("status") ? d.record.find("status")->asString() : "unknown";
  if (status == "ready" && d.vms.empty()) status = "unsynced";
  j.set("status", status).set("vm_count", static_cast<std::int64_t>(d.vms.size()));
  Json vms = Json::array();
  for (const auto& v : d.vms) vms.push(v.value);
  j.set("vms", vms);
  return j;
}

// Every deployment, newest first, with only the VMs that still exist (vCenter drops a deleted
// VM's tag associations, but not every server does). A missing category means none yet.
Result<std::vector<Deployment>> deployments(RestClient& r, Client& c) {
  std::vector<Deployment> out;
  VSMCP_ASSIGN_OR_RETURN(auto vms, c.listVms({}, VmDetail::kState));
  std::set<std::string> existing;
  for (const auto& v : vms) existing.insert(v.ref.value);
  auto tags = r.listTags(kDeploymentCategory);
  if (!tags.ok()) {
    if (tags.status().code() == ErrorCode::kNotFound) return out;
    return tags.status();
  }
  std::vector<std::string> ids;
  for (const auto& t : *tags) ids.push_back(t.id);
  VSMCP_ASSIGN_OR_RETURN(auto attached, r.listAttachedObjectsOnTags(ids));
  for (const auto& t : *tags) {
    Deployment d;
    d.id = t.name;
    d.tag_id = t.id;
    auto record = Json::parse(t.description);
    d.record = record.ok() && record->isObject() ? *record : Json::object().set("status", "unknown");
    for (auto& m : attached[t.id])
      if (m.type == "VirtualMachine" && existing.count(m.value)) d.vms.push_back(std::move(m));
    out.push_back(std::move(d));
  }
  std::sort(out.begin(), out.end(), [](const Deployment& a, const Deployment& b) {
    auto created = [](const Deployment& d) { return d.record.find("created") ? d.record.find("created")->asString() : ""; };
    return created(a) > created(b);
  });
  return out;
}

Result<Deployment> findDeployment(RestClient& r, Client& c, const std::string& id) {
  VSMCP_ASSIGN_OR_RETURN(auto all, deployments(r, c));
  for (auto& d : all)
    if (d.id == id) return d;
  return Status::Error(ErrorCode::kNotFound, "no deployment '" + id + "' (deployment_list lists what exists)",
                       ErrorDetails{"", 0, id, 0});
}

Status ensureDeploymentCategory(RestClient& r) {
  auto found = r.getCategory(kDeploymentCategory);
  if (found.ok()) return Status::Ok();
  if (found.status().code() != ErrorCode::kNotFound) return found.status();
  CategorySpec spec;
  spec.name = kDeploymentCategory;
  spec.description = "Deployments made through the vsmcp catalog (one tag per deployment)";
  spec.cardinality = TagCardinality::kSingle;
  spec.associable_types = {"VirtualMachine"};
  auto created = r.createCategory(spec);
  if (!created.ok() && created.status().code() != ErrorCode::kAlreadyExists) return created.status();
  return Status::Ok();
}

Status saveRecord(RestClient& r, const std::string& tag_id, const Json& record) {
  TagUpdate u;
  u.description = record.dump();
  return r.updateTag(tag_id, u);
}

// ---- catalog items ----------------------------------------------------------------------------

// "template:vm-42" for a VM template, "library:<uuid>" for a content library item.
struct CatalogRef {
  std::string kind;  // "template" | "library"
  std::string id;
};

Result<CatalogRef> catalogRef(const std::string& value) {
  size_t colon = value.find(':');
  if (colon != std::string::npos) {
    CatalogRef ref{value.substr(0, colon), value.substr(colon + 1)};
    if ((ref.kind == "template" || ref.kind == "library") && !ref.id.empty()) return ref;
  }
  return Status::InvalidArgument("catalog item '" + value +
                                 "' is not an id such as template:vm-42 or library:<uuid> (catalog_item_list lists them)");
}

Json templateItem(const VmSummary& t) {
  return Json::object()
      .set("id", "template:" + t.ref.value).set("name", t.name).set("kind", "template")
      .set("description", t.annotation).set("guest", t.guest_full_name).set("num_cpus", t.num_cpu)
      .set("memory_mb", t.memory_mb).set("folder", t.folder_path).set("deployable", true);
}

// Content library items deploy through vCenter's OVF deployment; other kinds (ISO images,
// plain files, VM templates kept in a library) are listed only.
bool deployable(const LibraryItem& i) { return i.type == "ovf"; }

Json libraryItem(const LibraryItem& i) {
  Json j = Json::object()
               .set("id", "library:" + i.id).set("name", i.name).set("kind", "library").set("description", i.description)
               .set("type", i.type).set("library", i.library_name).set("size_bytes", i.size_bytes)
               .set("deployable", deployable(i));
  if (!deployable(i)) j.set("note", "only OVF items can be deployed; this one is of type '" + i.type + "'");
  return j;
}

// A catalog item: a VM template or a content library item.
struct CatalogItem {
  CatalogRef ref;
  std::string name;
  std::optional<VmSummary> vm_template;
  std::optional<LibraryItem> library_item;
  Json toJson() const { return vm_template ? templateItem(*vm_template) : libraryItem(*library_item); }
  std::string id() const { return ref.kind + ":" + ref.id; }
};

// The JSON Schema of a request for a catalog item: defaults from the template (an OVF keeps
// its own unless given), choices from the inventory. Guest customization is offered for
// templates only.
Result<Json> requestSchema(Client& c, const CatalogItem& item) {
  VSMCP_ASSIGN_OR_RETURN(auto datastores, c.listDatastores());
  VSMCP_ASSIGN_OR_RETURN(auto folders, c.listFolders());
  VSMCP_ASSIGN_OR_RETURN(auto networks, c.listNetworks());
  Json nets = Json::array();
  std::set<std::string> seen_nets;
  for (const auto& n : networks)
    if (n.kind != "opaque" && seen_nets.insert(n.name).second) nets.push(n.name);
  Json ds = Json::array();
  for (const auto& d : datastores) ds.push(d.name);
  Json projects = Json::array();
  std::set<std::string> seen;
  for (const auto& f : folders) {
    bool vm_folder = std::find(f.child_types.begin(), f.child_types.end(), "VirtualMachine") != f.child_types.end();
    if (vm_folder && seen.insert(f.name).second) projects.push(f.name);
  }
  Json props = Json::object();
  props.set("name", Json::object().set("type", "string").set("minLength", 1).set("maxLength", 80)
                        .set("description", "Name of the new VM"));
  props.set("project", Json::object().set("type", "string").set("description", "Project: the VM folder to deploy into")
                           .set("enum", projects));
  const VmSummary* t = item.vm_template ? &*item.vm_template : nullptr;
  const std::string source = t ? "the template's" : "the OVF's";
  Json cpus = Json::object().set("type", "integer").set("minimum", 1).set("maximum", 128);
  Json memory = Json::object().set("type", "integer").set("minimum", 4).set("maximum", 4194304).set("multipleOf", 4);
  if (t) {
    cpus.set("default", t->num_cpu);
    memory.set("default", t->memory_mb);
  } else {
    cpus.set("description", "Default: " + source);
    memory.set("description", "Default: " + source);
  }
  props.set("num_cpus", cpus);
  props.set("memory_mb", memory);
  props.set("datastore", Json::object().set("type", "string").set("enum", ds)
                             .set("description", t ? "Default: the template's datastore" : "Default: vCenter's choice"));
  props.set("network", Json::object().set("type", "string").set("enum", nets)
                           .set("description", "Network for the first NIC (an OVF: for its networks). Default: " + source));
  props.set("resource_pool", Json::object().set("type", "string").set("description", "Resource pool name, path or id"));
  props.set("host", Json::object().set("type", "string").set("description", "Host name or id"));
  props.set("power_on", Json::object().set("type", "boolean").set("default", false));
  if (!t)
    return Json::object().set("type", "object").set("properties", props)
        .set("required", Json::array({Json("name")})).set("additionalProperties", false);
  props.set("hostname", Json::object().set("type", "string").set("pattern", "^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
                            .set("description", "Guest host name (guest customization; vCenter and a Linux guest)"));
  props.set("ip_address", Json::object().set("type", "string").set("format", "ipv4")
                              .set("description", "Fixed IPv4 address of the first NIC (with hostname); default DHCP"));
  props.set("netmask", Json::object().set("type", "string").set("format", "ipv4"));
  props.set("gateway", Json::object().set("type", "string").set("format", "ipv4"));
  return Json::object().set("type", "object").set("properties", props)
      .set("required", Json::array({Json("name")})).set("additionalProperties", false);
}

Result<VmSummary> templateOf(Client& c, const CatalogRef& ref) {
  auto t = c.getVm(Locator::any(ref.id));
  if (!t.ok()) return Status::Error(ErrorCode::kNotFound, "no catalog item 'template:" + ref.id + "'",
                                    ErrorDetails{"", 0, ref.id, 0});
  if (!t->is_template)
    return Status::Error(ErrorCode::kNotFound, "'template:" + ref.id + "' is a VM, not a template",
                         ErrorDetails{"", 0, ref.id, 0});
  return t;
}

Result<CatalogItem> catalogItemOf(Client& c, const CatalogRef& ref) {
  CatalogItem item;
  item.ref = ref;
  if (ref.kind == "template") {
    VSMCP_ASSIGN_OR_RETURN(auto t, templateOf(c, ref));
    item.name = t.name;
    item.vm_template = std::move(t);
    return item;
  }
  VSMCP_ASSIGN_OR_RETURN(RestClient* r, rest(c));
  VSMCP_ASSIGN_OR_RETURN(auto lib, r->listLibraryItems());
  for (auto& i : lib)
    if (i.id == ref.id) {
      item.name = i.name;
      item.library_item = std::move(i);
      return item;
    }
  return Status::Error(ErrorCode::kNotFound, "no catalog item 'library:" + ref.id + "'",
                       ErrorDetails{"", 0, ref.id, 0});
}


Status checkDeployable(const CatalogItem& item) {
  if (item.library_item && !deployable(*item.library_item))
    return Status::Unsupported("catalog item '" + item.id() + "' is a content library item of type '" +
                               item.library_item->type + "'; only OVF items can be deployed");
  return Status::Ok();
}

// The clone of a template that a request's (validated) inputs ask for.
CloneSpec cloneSpec(const Json& inputs, const std::string& annotation) {
  CloneSpec clone;
  clone.name = str(inputs, "name");
  clone.folder = str(inputs, "project");
  clone.datastore = str(inputs, "datastore");
  clone.network = str(inputs, "network");
  clone.resource_pool = str(inputs, "resource_pool");
  clone.host = str(inputs, "host");
  clone.power_on = inputs.find("power_on") && inputs.find("power_on")->asBool();
  if (const Json* v = inputs.find("num_cpus")) clone.num_cpus = static_cast<int>(v->asInt());
  if (const Json* v = inputs.find("memory_mb")) clone.memory_mb = v->asInt();
  clone.annotation = annotation;
  if (inputs.find("hostname")) {
    GuestCustomization g;
    g.host_name = str(inputs, "hostname");
    g.ip_address = str(inputs, "ip_address");
    g.netmask = str(inputs, "netmask");
    g.gateway = str(inputs, "gateway");
    clone.customization = g;
  }
  return clone;
}

// Deploys an OVF library item as the request's (validated) inputs ask: placed by vCenter's OVF
// deployment (the OVF's networks mapped to the requested one when vCenter lists them), then
// resized, moved to the network (when vCenter listed no OVF networks to map) and powered on
// as asked. Sets `vm` as soon as the VM exists.
Status deployOvf(Client& c, RestClient& r, const LibraryItem& item, const Json& inputs, const std::string& annotation,
                 const OperationContext& ctx, MoRef& vm) {
  LibraryDeploySpec spec;
  spec.name = str(inputs, "name");
  spec.annotation = annotation;
  MoRef host, pool;
  if (inputs.find("host")) { VSMCP_ASSIGN_OR_RETURN(host, c.resolve("HostSystem", Locator::any(str(inputs, "host")))); }
  if (inputs.find("resource_pool")) {
    VSMCP_ASSIGN_OR_RETURN(pool, c.resolve("ResourcePool", Locator::any(str(inputs, "resource_pool"))));
  } else {
    VSMCP_ASSIGN_OR_RETURN(pool, c.defaultResourcePool(host));
  }
  spec.resource_pool = pool.value;
  spec.host = host.value;
  if (inputs.find("project")) {
    VSMCP_ASSIGN_OR_RETURN(MoRef folder, c.resolve("Folder", Locator::any(str(inputs, "project"))));
    spec.folder = folder.value;
  }
  if (inputs.find("datastore")) {
    VSMCP_ASSIGN_OR_RETURN(MoRef ds, c.resolve("Datastore", Locator::any(str(inputs, "datastore"))));
    spec.datastore = ds.value;
  }
  const std::string network = str(inputs, "network");
  bool mapped = false;
  if (!network.empty()) {
    VSMCP_ASSIGN_OR_RETURN(MoRef net, c.resolve("Network", Locator::any(network)));
    VSMCP_ASSIGN_OR_RETURN(auto filter, r.filterLibraryItem(item.id, pool.value));
    for (const auto& n : filter.networks) spec.network_mappings.push_back({n, net.value});
    mapped = !filter.networks.empty();
  }
  VSMCP_ASSIGN_OR_RETURN(auto deployed, r.deployLibraryItem(item.id, spec));
  vm = deployed.vm;
  ReconfigureSpec change;
  if (const Json* v = inputs.find("num_cpus")) change.num_cpus = static_cast<int>(v->asInt());
  if (const Json* v = inputs.find("memory_mb")) change.memory_mb = v->asInt();
  if (!mapped) change.network = network;
  if (!change.empty()) {
    auto t = c.reconfigureVm(vm, change, taskOptions(ctx));
    if (!t.ok()) return t.status().withContext("the OVF was deployed as " + vm.value + ", but resizing it failed");
    if (t->state != "success")
      return Status::Error(ErrorCode::kInternal, "the OVF was deployed as " + vm.value + ", but resizing it failed: " + t->error);
  }
  if (inputs.find("power_on") && inputs.find("power_on")->asBool()) {
    auto t = c.powerOn(vm, taskOptions(ctx));
    if (!t.ok()) return t.status().withContext("the OVF was deployed as " + vm.value + ", but powering it on failed");
    if (t->state != "success")
      return Status::Error(ErrorCode::kInternal, "the OVF was deployed as " + vm.value + ", but powering it on failed: " + t->error);
  }
  return Status::Ok();
}


// ---- a request, checked -------------------------------------------------------------------------

// A catalog request checked as far as it can be before anything is made: the item exists and
// can be deployed, the inputs fit its request form (catalog_item_schema), a fixed address comes
// with a host name and a netmask, no VM has the name yet, and the server is a vCenter (which
// records the deployment). Both the precheck and the handler run it.
struct CheckedRequest {
  CatalogItem item;
  Json inputs;
  std::string name;
};

Result<CheckedRequest> checkRequest(Client& c, const Json& args) {
  VSMCP_ASSIGN_OR_RETURN(auto ref, catalogRef(str(args, "item")));
  VSMCP_ASSIGN_OR_RETURN(auto item, catalogItemOf(c, ref));
  VSMCP_RETURN_IF_ERROR(checkDeployable(item));
  VSMCP_ASSIGN_OR_RETURN(Json form, requestSchema(c, item));
  Json inputs = args.find("inputs") ? *args.find("inputs") : Json::object();
  if (Status valid = validateJson(form, inputs, "inputs"); !valid.ok()) return valid;
  if (inputs.find("ip_address") && !inputs.find("hostname"))
    return Status::InvalidArgument("inputs.ip_address: needs inputs.hostname (guest customization)");
  if (inputs.find("ip_address") && !inputs.find("netmask"))
    return Status::InvalidArgument("inputs.netmask: required with inputs.ip_address");
  const std::string name = str(inputs, "name");
  if (c.resolve("VirtualMachine", Locator::name(name)).ok())
    return Status::Error(ErrorCode::kAlreadyExists, "a VM named '" + name + "' already exists",
                         ErrorDetails{"", 0, name, 0});
  if (!c.isVCenter())
    return Status::Unsupported("the catalog records deployments as vCenter tags; a standalone ESXi host has none");
  return CheckedRequest{std::move(item), std::move(inputs), name};
}

// ---- schemas ------------------------------------------------------------------------------------

Schema itemArg() {
  return Schema::string("Catalog item id: template:vm-42 or library:<uuid>").pattern("^(template|library):.+");
}
Schema deploymentArg() {
  return Schema::string("Deployment id (dep- and 12 hex digits, e.g. dep-1a2b3c4d5e6f; deployment_list lists them)")
      .minLength(1);
}

Schema catalogItemForm(const char* description = "The catalog item") {
  return Schema::result(description)
      .prop("id", Schema::string("Catalog item id: template:vm-42 for a VM template, library:<uuid> for a content "
                                 "library item"),
            kRequired)
      .prop("name", Schema::string("Name of the template or library item"), kRequired)
      .prop("kind", Schema::string("template: a VM template; library: a content library item").oneOf({"template", "library"}),
            kRequired)
      .prop("description", Schema::string("The template's annotation or the library item's description; empty when none"),
            kRequired)
      .prop("deployable", Schema::boolean("True when catalog_request can deploy it: every template, and library items "
                                          "of type ovf"),
            kRequired)
      .prop("guest", Schema::string("Templates: the guest OS (full name)"))
      .prop("num_cpus", Schema::integer("Templates: virtual CPUs"))
      .prop("memory_mb", Schema::integer("Templates: memory").unit("MB"))
      .prop("folder", Schema::string("Templates: inventory path of the template's folder"))
      .prop("type", Schema::string("Library items: the item type as vCenter names it (ovf, iso, file, vm-template, ...)"))
      .prop("library", Schema::string("Library items: name of the content library that holds it"))
      .prop("size_bytes", Schema::integer("Library items: size").unit("bytes"))
      .prop("note", Schema::string("Library items that cannot be deployed: why"));
}

Schema deploymentForm(const char* description = "The deployment") {
  return Schema::result(description)
      .prop("id", Schema::string("Deployment id (dep- and 12 hex digits, e.g. dep-1a2b3c4d5e6f)"), kRequired)
      .prop("name", Schema::string("Name of the deployment's VM (the request's name input)"))
      .prop("item", Schema::string("Id of the catalog item it was made from (template:vm-42, library:<uuid>)"))
      .prop("item_name", Schema::string("Name of that catalog item"))
      .prop("project", Schema::string("Project: the VM folder it was deployed into; empty when none was given"))
      .prop("requested_by", Schema::string("The vCenter user who requested it"))
      .prop("created", Schema::string("When it was requested (ISO 8601 UTC, e.g. 2026-11-23T09:07:22.123Z)"))
      .prop("error", Schema::string("Status failed: why the request failed"))
      .prop("status",
            Schema::string("deploying: the request is running; ready: deployed; failed: the request failed (see "
                           "error; a VM it made is still part of the deployment); deleting: deployment_delete is "
                           "running or was interrupted; unsynced: recorded as ready but its VMs are gone; unknown: "
                           "the record cannot be read"),
            kRequired)
      .prop("vm_count", Schema::integer("How many of its VMs exist"), kRequired)
      .prop("vms", Schema::array(Schema::string("VM id (vm-42)"), "Ids of its VMs that exist"), kRequired);
}

// A VM as toJson(VmSummary) writes it.
Schema vmForm(const char* description) {
  return Schema::result(description)
      .prop("id", Schema::string("VM id (vm-42)"), kRequired)
      .prop("name", Schema::string("VM name"), kRequired)
      .prop("power_state", Schema::string("poweredOn, poweredOff or suspended"), kRequired)
      .prop("guest_id", Schema::string("Guest OS identifier (otherGuest64, ubuntu64Guest, ...)"))
      .prop("guest_full_name", Schema::string("Guest OS, full name"))
      .prop("num_cpu", Schema::integer("Virtual CPUs"))
      .prop("memory_mb", Schema::integer("Memory").unit("MB"))
      .prop("host", Schema::string("Name of the host it runs on"))
      .prop("cluster", Schema::string("Name of its cluster (or standalone compute resource)"))
      .prop("datastores", Schema::array(Schema::string("Datastore name"), "The datastores holding its files"))
      .prop("networks", Schema::array(Schema::string("Network name"), "The networks its NICs use"))
      .prop("ip_address", Schema::string("Primary guest IP address (VMware Tools); empty when unknown"))
      .prop("ip_addresses", Schema::array(Schema::string("An IP address"), "Every guest NIC address (VMware Tools)"))
      .prop("tools_status", Schema::string("VMware Tools status (toolsOk, toolsNotRunning, toolsNotInstalled, ...)"))
      .prop("uuid", Schema::string("BIOS UUID"))
      .prop("instance_uuid", Schema::string("vCenter instance UUID"))
      .prop("folder", Schema::string("Inventory path of its folder"))
      .prop("template", Schema::boolean("True for a template"))
      .prop("annotation", Schema::string("Notes; empty when none"))
      .prop("overall_status", Schema::string("green, yellow, red or gray"));
}

// A row of the report by catalog item or by project.
Schema usageRow(const char* key, const char* key_description, const char* description) {
  return Schema::result(description)
      .prop(key, Schema::string(key_description), kRequired)
      .prop("deployments", Schema::integer("Deployments recorded"), kRequired)
      .prop("vms", Schema::integer("Their VMs that exist"), kRequired)
      .prop("cpus", Schema::integer("Virtual CPUs of those VMs"), kRequired)
      .prop("memory_mb", Schema::integer("Memory of those VMs").unit("MB"), kRequired)
      .prop("last_requested", Schema::string("When the newest was requested (ISO 8601 UTC)"), kRequired);
}

// ---- dry run ------------------------------------------------------------------------------------

// What deployment_delete destroys: the deployment's VMs that exist (each powered off first
// unless it is off) and its record.
Result<DryRun> deploymentDeleteDryRun(Client& c, const Json& args) {
  VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
  VSMCP_ASSIGN_OR_RETURN(auto d, findDeployment(*r, c, str(args, "deployment")));
  std::string names, running;
  std::int64_t not_off = 0;
  Json vms = Json::array();
  for (const auto& vm : d.vms) {
    auto s = c.getVm(Locator::moref(vm.value));
    names += (names.empty() ? "" : ", ") + (s.ok() ? "'" + s->name + "'" : vm.value);
    if (!s.ok()) continue;  // gone since it was listed: the delete skips it
    const std::string state(powerStateName(s->power_state));
    vms.push(Json::object().set("id", vm.value).set("name", s->name).set("power_state", state));
    if (s->power_state != PowerState::kPoweredOff) {
      ++not_off;
      running += (running.empty() ? "'" : ", '") + s->name + "' (" + state + ")";
    }
  }
  DryRun dry;
  dry.would = "destroy deployment " + d.id + ": " + std::to_string(d.vms.size()) + " VMs" +
              (names.empty() ? "" : " (" + names + ")") + " and its record";
  if (!d.vms.empty()) dry.would += "; their files are deleted from the datastores";
  if (not_off > 0) dry.would += "; " + running + (not_off == 1 ? " is" : " are") + " powered off first";
  const Json* status = d.record.find("status");
  dry.details = Json::object()
                    .set("deployment", d.id)
                    .set("name", d.record.find("name") ? *d.record.find("name") : Json())
                    .set("status", status ? *status : Json("unknown"))
                    .set("vm_count", static_cast<std::int64_t>(d.vms.size()))
                    .set("powered_off_first", not_off)
                    .set("vms", vms);
  return dry;
}

// ---- summaries ----------------------------------------------------------------------------------

// "deployment dep-x 'name' is ready, VMs: vm-57".
std::string deploymentSummary(const Json&, const Json& r) {
  const Json* dep = r.find("deployment");
  if (!dep || !dep->isObject()) return r.dump();
  std::string vms;
  if (const Json* list = dep->find("vms"))
    for (const auto& v : list->items()) vms += (vms.empty() ? "" : ", ") + v.asString();
  return "deployment " + textOf(*dep, "id") + " '" + textOf(*dep, "name") + "' is " + textOf(*dep, "status") +
         (vms.empty() ? ", no VMs" : ", VMs: " + vms);
}

}  // namespace

void addCatalogOperations(std::vector<Operation>& ops) {
  // ---- catalog ----
  {
    Schema in = Schema::object()
                    .prop("name", Schema::string("Name glob (* and ?), e.g. ubuntu*"))
                    .prop("kind", Schema::string("Only VM templates (template) or only content library items (library)")
                                      .oneOf({"template", "library"}));
    withPaging(in);
    Operation op = declare(
        "catalog_item_list", "List catalog items",
        "The self-service catalog: VM templates (deployable) and content library items (OVF items are "
        "deployable; a standalone ESXi host has no libraries). Filter by name glob or kind. Paged.",
        Safety::kRead, Shape::kList, in, listResult("items", catalogItemForm("A catalog item"), "catalog items"),
        [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
          const std::string kind = str(args, "kind");
          const std::string glob = str(args, "name");
          std::vector<Json> items;
          if (kind.empty() || kind == "template") {
            VmFilter f;
            f.is_template = true;
            f.name = glob;
            VSMCP_ASSIGN_OR_RETURN(auto templates, c.listVms(f));
            for (const auto& t : templates) items.push_back(templateItem(t));
          }
          if ((kind.empty() || kind == "library") && c.isVCenter()) {
            VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
            VSMCP_ASSIGN_OR_RETURN(auto lib, r->listLibraryItems());
            for (const auto& i : lib)
              if (glob.empty() || globMatch(glob, i.name)) items.push_back(libraryItem(i));
          }
          return listOf(items, args, ctx, "items", [](const Json& j) { return j; });
        });
    op.list_key = "items";
    ops.push_back(std::move(op));
  }
  ops.push_back(declare("catalog_item_get", "Get a catalog item", "One catalog item by id (template:vm-42, library:<uuid>).",
                        Safety::kRead, Shape::kObject, Schema::object().prop("item", itemArg(), kRequired),
                        Schema::result().prop("item", catalogItemForm(), kRequired),
                        [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                          VSMCP_ASSIGN_OR_RETURN(auto ref, catalogRef(str(args, "item")));
                          VSMCP_ASSIGN_OR_RETURN(auto item, catalogItemOf(c, ref));
                          return Json::object().set("item", item.toJson());
                        }));
  {
    Operation op = declare(
        "catalog_item_schema", "Request form of a catalog item",
        "The JSON Schema of what a request for this catalog item takes, with defaults and limits: name "
        "(required), project (a VM folder), num_cpus, memory_mb, datastore, network, resource_pool, host, power_on, "
        "and for templates the guest customization (hostname, ip_address, netmask, gateway). Choices come from the "
        "inventory. Only deployable items have one.",
        Safety::kRead, Shape::kObject, Schema::object().prop("item", itemArg(), kRequired),
        Schema::result().prop(
            "schema",
            Schema::result("JSON Schema (type object) of a request's inputs: properties with their defaults, limits "
                           "and choices, and the required ones")
                .open(),
            kRequired),
        [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
          VSMCP_ASSIGN_OR_RETURN(auto ref, catalogRef(str(args, "item")));
          VSMCP_ASSIGN_OR_RETURN(auto item, catalogItemOf(c, ref));
          VSMCP_RETURN_IF_ERROR(checkDeployable(item));
          VSMCP_ASSIGN_OR_RETURN(Json s, requestSchema(c, item));
          return Json::object().set("schema", s);
        });
    op.summary = [](const Json&, const Json& r) {
      std::string names;
      if (const Json* form = r.find("schema"))
        if (const Json* props = form->find("properties"))
          for (const auto& [k, v] : props->members()) names += (names.empty() ? "" : ", ") + k;
      return "request form: " + names + " (required: name)";
    };
    ops.push_back(std::move(op));
  }
  {
    Operation op = declare(
        "catalog_request", "Request a catalog item",
        "Deploy a catalog item with the given inputs (see catalog_item_schema) into a new deployment recorded in "
        "vCenter: a template is cloned, an OVF content library item deployed. Long: runs as a task. Returns the "
        "deployment and, for a template, the clone task. A failure after the deployment was recorded leaves it with "
        "status failed (deployment_delete removes it and any VM it made).",
        Safety::kChange, Shape::kTask,
        Schema::object()
            .prop("item", itemArg(), kRequired)
            .prop("inputs",
                  Schema::object("The request's inputs, checked against the item's request form (catalog_item_schema): "
                                 "name (required), project, num_cpus, memory_mb, datastore, network, resource_pool, "
                                 "host, power_on; for templates hostname, ip_address, netmask, gateway")
                      .open(),
                  kRequired),
        Schema::result()
            .prop("deployment", deploymentForm("The new deployment"), kRequired)
            .prop("task", Schema::result("Templates: the clone task (an OVF deployment is one vCenter call, no task)")
                              .props(taskForm().json())),
        [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
          VSMCP_ASSIGN_OR_RETURN(auto checked, checkRequest(c, args));
          const CatalogItem& item = checked.item;
          const Json& inputs = checked.inputs;
          const std::string& name = checked.name;
          VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
          VSMCP_RETURN_IF_ERROR(ensureDeploymentCategory(*r));
          const std::string id = newDeploymentId();
          Json record = Json::object()
                            .set("name", name).set("item", item.id()).set("item_name", item.name)
                            .set("project", str(inputs, "project")).set("requested_by", c.options().username)
                            .set("created", isoTimeNow()).set("status", "deploying");
          TagSpec spec{id, record.dump(), kDeploymentCategory};
          VSMCP_ASSIGN_OR_RETURN(auto tag, r->createTag(spec));
          const std::string annotation = "Deployment " + id + " of catalog item " + item.name;
          std::optional<TaskInfo> task;
          MoRef vm;
          // A failure is recorded; a VM made before it joins the deployment, so deleting
          // the deployment removes it.
          auto failed = [&](const Status& st) -> Status {
            if (!vm.empty()) (void)r->attachTag(tag.id, vm);
            record.set("status", "failed").set("error", st.message());
            (void)saveRecord(*r, tag.id, record);
            return st;
          };
          if (item.vm_template) {
            auto cloned = c.cloneVm(item.vm_template->ref, cloneSpec(inputs, annotation), taskOptions(ctx));
            if (!cloned.ok()) return failed(cloned.status());
            if (cloned->state != "success")
              return failed(Status::Error(ErrorCode::kInternal, "the clone task failed: " + cloned->error));
            task = *cloned;
            vm = MoRef{"VirtualMachine", cloned->result.value};
            if (vm.value.empty()) {
              auto found = c.resolve("VirtualMachine", Locator::name(name));
              if (!found.ok()) return failed(found.status());
              vm = *found;
            }
          } else {
            Status st = deployOvf(c, *r, *item.library_item, inputs, annotation, ctx, vm);
            if (!st.ok()) return failed(st);
          }
          VSMCP_RETURN_IF_ERROR(r->attachTag(tag.id, vm));
          (void)c.setCustomValue(vm, kDeploymentField, id);
          record.set("status", "ready");
          VSMCP_RETURN_IF_ERROR(saveRecord(*r, tag.id, record));
          Deployment d;
          d.id = id;
          d.tag_id = tag.id;
          d.record = record;
          d.vms = {vm};
          Json out = Json::object().set("deployment", toJsonDeployment(d));
          if (task) out.set("task", toJson(*task));
          return out;
        });
    op.precheck = [](Client& c, const Json& args) -> Status { return checkRequest(c, args).status(); };
    op.summary = deploymentSummary;
    ops.push_back(std::move(op));
  }

  // ---- deployments ----
  {
    Schema in = Schema::object()
                    .prop("project", Schema::string("Only the deployments of this project (VM folder name)"))
                    .prop("status", Schema::string("Only the deployments with this status (unsynced: recorded as "
                                                   "ready but its VMs are gone)")
                                        .oneOf({"deploying", "ready", "failed", "unsynced", "deleting"}));
    withPaging(in);
    Operation op = declare(
        "deployment_list", "List deployments",
        "Deployments made from the catalog, newest first, with their VMs. Filter by project or status "
        "(deploying, ready, failed, unsynced = recorded but its VMs are gone). Paged.",
        Safety::kRead, Shape::kList, in, listResult("deployments", deploymentForm("A deployment"), "deployments"),
        [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
          VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
          VSMCP_ASSIGN_OR_RETURN(auto all, deployments(*r, c));
          std::vector<Json> out;
          for (const auto& d : all) {
            Json j = toJsonDeployment(d);
            if (args.find("project") && textOf(j, "project") != str(args, "project")) continue;
            if (args.find("status") && textOf(j, "status") != str(args, "status")) continue;
            out.push_back(j);
          }
          return listOf(out, args, ctx, "deployments", [](const Json& j) { return j; });
        });
    op.list_key = "deployments";
    ops.push_back(std::move(op));
  }
  {
    Operation op = declare(
        "deployment_get", "Get a deployment", "One deployment with its record and its VMs' state.", Safety::kRead,
        Shape::kObject, Schema::object().prop("deployment", deploymentArg(), kRequired),
        Schema::result().prop(
            "deployment",
            deploymentForm().prop("resources", Schema::array(vmForm("A VM of the deployment"), "Its VMs, with their state"),
                                  kRequired),
            kRequired),
        [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
          VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
          VSMCP_ASSIGN_OR_RETURN(auto d, findDeployment(*r, c, str(args, "deployment")));
          Json j = toJsonDeployment(d);
          Json resources = Json::array();
          for (const auto& vm : d.vms) {
            auto s = c.getVm(Locator::moref(vm.value));
            if (s.ok()) resources.push(toJson(*s));
          }
          j.set("resources", resources);
          return Json::object().set("deployment", j);
        });
    op.summary = deploymentSummary;
    ops.push_back(std::move(op));
  }
  {
    Operation op = declare(
        "deployment_delete", "Delete a deployment",
        "Destroy a deployment's VMs (powered off first) and remove its record. Returns the deployment id and how "
        "many VMs it had.",
        Safety::kDestructive, Shape::kObject, Schema::object().prop("deployment", deploymentArg(), kRequired),
        Schema::result()
            .prop("deleted", Schema::string("Id of the deleted deployment (dep-1a2b3c4d5e6f)"), kRequired)
            .prop("vms", Schema::integer("How many VMs it had (each destroyed, or already gone)"), kRequired),
        [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
          VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
          VSMCP_ASSIGN_OR_RETURN(auto d, findDeployment(*r, c, str(args, "deployment")));
          Json record = d.record;
          record.set("status", "deleting");
          (void)saveRecord(*r, d.tag_id, record);
          for (const auto& vm : d.vms) {
            auto s = c.getVm(Locator::moref(vm.value));
            if (!s.ok()) continue;  // already gone
            if (s->power_state != PowerState::kPoweredOff) {
              auto off = c.powerOff(vm, taskOptions(ctx));
              if (!off.ok()) return off.status().withContext("power off " + s->name);
            }
            auto gone = c.destroyVm(vm, taskOptions(ctx));
            if (!gone.ok()) return gone.status().withContext("destroy " + s->name);
          }
          VSMCP_RETURN_IF_ERROR(r->deleteTag(d.tag_id));
          return Json::object().set("deleted", d.id).set("vms", static_cast<std::int64_t>(d.vms.size()));
        });
    op.dry_run = deploymentDeleteDryRun;
    op.summary = [](const Json&, const Json& r) {
      if (const Json* dry = r.find("dry_run"); dry && dry->asBool())
        return "DRY RUN, nothing changed: would " + textOf(r, "would") + ". Call again with confirm: true to do it.";
      return "deployment_delete: deleted " + textOf(r, "deleted");
    };
    ops.push_back(std::move(op));
  }

  // ---- reports ----
  {
    Operation op = declare(
        "report_deployments", "Deployment report",
        "Catalog usage (deployments per catalog item), resource use per deployment and per project (VMs, "
        "CPUs, memory), and unsynced deployments (recorded, but their VMs are gone).",
        Safety::kRead, Shape::kObject, Schema::object(),
        Schema::result()
            .prop("by_item",
                  Schema::array(usageRow("item", "Catalog item name", "Use of one catalog item"),
                                "Deployments per catalog item, by item name"),
                  kRequired)
            .prop("by_project",
                  Schema::array(usageRow("project", "Project (VM folder); empty for deployments without one",
                                         "Use of one project"),
                                "Deployments per project, by project name"),
                  kRequired)
            .prop("by_deployment",
                  Schema::array(Schema::result("One deployment's use")
                                    .prop("id", Schema::string("Deployment id (dep-1a2b3c4d5e6f)"), kRequired)
                                    .prop("name", Schema::nullableString("Name of its VM; null when not recorded"),
                                          kRequired)
                                    .prop("project", Schema::string("Project (VM folder); empty when none"), kRequired)
                                    .prop("vms", Schema::integer("Its VMs that exist"), kRequired)
                                    .prop("cpus", Schema::integer("Virtual CPUs of those VMs"), kRequired)
                                    .prop("memory_mb", Schema::integer("Memory of those VMs").unit("MB"), kRequired)
                                    .prop("status", Schema::string("Its status, as deployment_list gives it"), kRequired),
                                "Every deployment, newest first"),
                  kRequired)
            .prop("unsynced",
                  Schema::array(deploymentForm("An unsynced deployment"),
                                "Deployments recorded but whose VMs are all gone (delete them with deployment_delete)"),
                  kRequired),
        [](Client& c, const Json&, const OperationContext&) -> Result<Json> {
          VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
          VSMCP_ASSIGN_OR_RETURN(auto all, deployments(*r, c));
          VSMCP_ASSIGN_OR_RETURN(auto vms, c.listVms({}, VmDetail::kBrief));
          std::map<std::string, const VmSummary*> by_id;
          for (const auto& v : vms) by_id[v.ref.value] = &v;
          struct Use {
            std::int64_t deployments = 0, vms = 0, cpus = 0, memory_mb = 0;
            std::string last;
          };
          std::map<std::string, Use> items, projects;
          Json by_deployment = Json::array(), unsynced = Json::array();
          for (const auto& d : all) {
            Json j = toJsonDeployment(d);
            std::int64_t cpus = 0, memory = 0, alive = 0;
            for (const auto& vm : d.vms)
              if (auto it = by_id.find(vm.value); it != by_id.end()) {
                ++alive;
                cpus += it->second->num_cpu;
                memory += it->second->memory_mb;
              }
            const std::string item = j.find("item_name") ? j.find("item_name")->asString() : "";
            const std::string project = j.find("project") ? j.find("project")->asString() : "";
            const std::string created = j.find("created") ? j.find("created")->asString() : "";
            for (Use* u : {&items[item], &projects[project]}) {
              ++u->deployments;
              u->vms += alive;
              u->cpus += cpus;
              u->memory_mb += memory;
              u->last = std::max(u->last, created);
            }
            by_deployment.push(Json::object().set("id", d.id).set("name", j.find("name") ? *j.find("name") : Json())
                                   .set("project", project).set("vms", alive).set("cpus", cpus)
                                   .set("memory_mb", memory).set("status", *j.find("status")));
            if (j.find("status")->asString() == "unsynced" || (alive == 0 && !d.vms.empty())) unsynced.push(j);
          }
          auto rows = [](const std::map<std::string, Use>& m, const char* key) {
            Json arr = Json::array();
            for (const auto& [k, u] : m)
              arr.push(Json::object().set(key, k).set("deployments", u.deployments).set("vms", u.vms)
                           .set("cpus", u.cpus).set("memory_mb", u.memory_mb).set("last_requested", u.last));
            return arr;
          };
          return Json::object().set("by_item", rows(items, "item")).set("by_project", rows(projects, "project"))
              .set("by_deployment", by_deployment).set("unsynced", unsynced);
        });
    op.summary = [](const Json&, const Json& r) {
      auto count = [&](const char* key) { return std::to_string(r.find(key) ? r.find(key)->size() : 0); };
      return count("by_deployment") + " deployments of " + count("by_item") + " catalog items in " +
             count("by_project") + " projects; " + count("unsynced") + " unsynced";
    };
    ops.push_back(std::move(op));
  }
}

}  // namespace vsmcp::ops
