// Registry operations on vCenter's tagging API and a self-service catalog built on it:
// tag categories, tags and their attachments; catalog items (VM templates and content library
// items), requests that clone a template or deploy an OVF library item into a deployment, and
// the deployments themselves.
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

#include "registry_util.hpp"
#include "vsmcp/json_schema.hpp"
#include "vsmcp/random.hpp"
#include "vsmcp/time.hpp"
#include "vsphere/rest_client.hpp"

namespace vsmcp::vsphere {

namespace {

using namespace registry;

constexpr const char* kDeploymentCategory = "vsmcp-deployments";
constexpr const char* kDeploymentField = "vsmcp.deployment";

// ---- JSON shapes ----------------------------------------------------------------------------

Json toJsonCategory(const TagCategory& c) {
  return Json::object().set("id", c.id).set("name", c.name).set("description", c.description)
      .set("cardinality", tagCardinalityName(c.cardinality)).set("associable_types", strings(c.associable_types));
}

Json toJsonTag(const Tag& t) {
  return Json::object().set("id", t.id).set("name", t.name).set("description", t.description)
      .set("category_id", t.category_id);
}

Json objectRef(const MoRef& r) { return Json::object().set("type", r.type).set("id", r.value); }

// ---- argument helpers ------------------------------------------------------------------------

Result<RestClient*> rest(Client& c) { return c.rest(); }

// A managed object named by "vm-42" (type from the id's prefix), "VirtualMachine:vm-42", or
// the name of a VM or host.
Result<MoRef> objectArg(Client& c, const std::string& value) {
  if (value.empty()) return Status::InvalidArgument("object must not be empty");
  if (size_t colon = value.find(':'); colon != std::string::npos && colon > 0 && value.find(':', colon + 1) == std::string::npos)
    return MoRef{value.substr(0, colon), value.substr(colon + 1)};
  static const std::pair<const char*, const char*> kPrefixes[] = {
      {"vm-", "VirtualMachine"},           {"host-", "HostSystem"},
      {"domain-c", "ClusterComputeResource"}, {"domain-s", "ComputeResource"},
      {"datastore-", "Datastore"},         {"network-", "Network"},
      {"dvportgroup-", "DistributedVirtualPortgroup"}, {"group-", "Folder"},
      {"resgroup-", "ResourcePool"},       {"datacenter-", "Datacenter"}};
  for (const auto& [prefix, type] : kPrefixes)
    if (value.rfind(prefix, 0) == 0) return c.resolve(type, Locator::any(value));
  if (auto vm = c.resolve("VirtualMachine", Locator::any(value)); vm.ok()) return vm;
  if (auto host = c.resolve("HostSystem", Locator::any(value)); host.ok()) return host;
  return Status::NotFound("no VM or host named '" + value + "'; give an id such as vm-42 or Type:id");
}

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

const char* kCategoryArg = R"("category":{"type":"string","minLength":1,"description":"Category id (urn:...) or name"})";
const char* kTagArg = R"("tag":{"type":"string","minLength":1,"description":"Tag id (urn:...) or name"})";
const char* kObjectArg =
    R"("object":{"type":"string","minLength":1,"description":"Object id (vm-42, host-12, Type:id) or a VM or host name"})";

Json dryRun(const std::string& would) { return Json::object().set("dry_run", true).set("would", would); }

// Deletes: a dry run ({dry_run, would}) or what was deleted.
Json deleteOutput() {
  return schema(R"({"type":"object","properties":{"dry_run":{"type":"boolean"},"would":{"type":"string"},)"
                R"("deleted":{"type":"string"},"vms":{"type":"integer"}}})");
}

bool confirmed(const OperationContext& ctx) { return !ctx.dry_run; }

}  // namespace

void appendCatalogOperations(std::vector<Operation>& ops) {
  // ---- tag categories ----
  ops.push_back({"tag_category_list", "List tag categories",
                 "List vCenter tag categories with their cardinality and the object types they apply to. Paged.",
                 inputSchema(kPaging), listOutput("categories"), Safety::kRead,
                 [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
                   VSMCP_ASSIGN_OR_RETURN(auto cats, r->listCategories());
                   return listOf(cats, args, ctx, "categories", toJsonCategory);
                 }});
  ops.push_back({"tag_category_get", "Get a tag category", "One tag category by id or name.",
                 inputSchema(kCategoryArg, {"category"}), objectOutput("category"), Safety::kRead,
                 [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
                   VSMCP_ASSIGN_OR_RETURN(auto cat, r->getCategory(str(args, "category")));
                   return Json::object().set("category", toJsonCategory(cat));
                 }});
  ops.push_back({"tag_category_create", "Create a tag category",
                 "Create a tag category. cardinality SINGLE lets an object carry one tag of it, MULTIPLE many; "
                 "associable_types limits the object types (VirtualMachine, HostSystem, ...).",
                 inputSchema(R"("name":{"type":"string","minLength":1,"maxLength":256},"description":{"type":"string"},)"
                             R"("cardinality":{"type":"string","enum":["SINGLE","MULTIPLE"]},)"
                             R"("associable_types":{"type":"array","items":{"type":"string","minLength":1}})",
                             {"name"}),
                 objectOutput("category"), Safety::kChange,
                 [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
                   CategorySpec spec;
                   spec.name = str(args, "name");
                   spec.description = str(args, "description");
                   if (args.find("cardinality")) spec.cardinality = *parseTagCardinality(str(args, "cardinality"));
                   if (const Json* t = args.find("associable_types"))
                     for (const auto& v : t->items()) spec.associable_types.push_back(v.asString());
                   VSMCP_ASSIGN_OR_RETURN(auto cat, r->createCategory(spec));
                   return Json::object().set("category", toJsonCategory(cat));
                 }});
  ops.push_back({"tag_category_update", "Update a tag category",
                 "Rename a tag category or change its description, cardinality or object types (types can only be "
                 "added).",
                 inputSchema(std::string(kCategoryArg) +
                                 R"(,"name":{"type":"string","minLength":1},"description":{"type":"string"},)"
                                 R"("cardinality":{"type":"string","enum":["SINGLE","MULTIPLE"]},)"
                                 R"("associable_types":{"type":"array","items":{"type":"string","minLength":1}})",
                             {"category"}),
                 objectOutput("category"), Safety::kChange,
                 [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
                   CategoryUpdate u;
                   if (args.find("name")) u.name = str(args, "name");
                   if (args.find("description")) u.description = str(args, "description");
                   if (args.find("cardinality")) u.cardinality = parseTagCardinality(str(args, "cardinality"));
                   if (const Json* t = args.find("associable_types")) {
                     u.associable_types.emplace();
                     for (const auto& v : t->items()) u.associable_types->push_back(v.asString());
                   }
                   if (u.empty()) return Status::InvalidArgument("give at least one of name, description, cardinality, associable_types");
                   VSMCP_ASSIGN_OR_RETURN(auto before, r->getCategory(str(args, "category")));
                   VSMCP_RETURN_IF_ERROR(r->updateCategory(before.id, u));
                   VSMCP_ASSIGN_OR_RETURN(auto after, r->getCategory(before.id));
                   return Json::object().set("category", toJsonCategory(after));
                 }});
  ops.push_back({"tag_category_delete", "Delete a tag category",
                 "Delete a tag category and every tag in it (their attachments go too).",
                 inputSchema(std::string(kCategoryArg) + "," + kConfirmArg, {"category"}), deleteOutput(),
                 Safety::kDestructive, [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
                   VSMCP_ASSIGN_OR_RETURN(auto cat, r->getCategory(str(args, "category")));
                   if (!confirmed(ctx)) {
                     VSMCP_ASSIGN_OR_RETURN(auto tags, r->listTags(cat.id));
                     return dryRun("delete tag category '" + cat.name + "' and its " + std::to_string(tags.size()) +
                                   " tags");
                   }
                   VSMCP_RETURN_IF_ERROR(r->deleteCategory(cat.id));
                   return Json::object().set("deleted", cat.id);
                 }});
  // ---- tags ----
  ops.push_back({"tag_list", "List tags", "List vCenter tags, of one category when given. Paged.",
                 inputSchema(std::string(kCategoryArg) + "," + R"("name":{"type":"string","description":"Name glob"},)" +
                             kPaging),
                 listOutput("tags"), Safety::kRead,
                 [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
                   VSMCP_ASSIGN_OR_RETURN(auto tags, r->listTags(str(args, "category")));
                   const std::string glob = str(args, "name");
                   if (!glob.empty())
                     tags.erase(std::remove_if(tags.begin(), tags.end(), [&](const Tag& t) { return !globMatch(glob, t.name); }),
                                tags.end());
                   return listOf(tags, args, ctx, "tags", toJsonTag);
                 }});
  ops.push_back({"tag_get", "Get a tag", "One tag by id, or by name (within a category when given).",
                 inputSchema(std::string(kTagArg) + "," + kCategoryArg, {"tag"}), objectOutput("tag"), Safety::kRead,
                 [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
                   VSMCP_ASSIGN_OR_RETURN(auto tag, r->getTag(str(args, "tag"), str(args, "category")));
                   return Json::object().set("tag", toJsonTag(tag));
                 }});
  ops.push_back({"tag_create", "Create a tag", "Create a tag in a category.",
                 inputSchema(R"("name":{"type":"string","minLength":1,"maxLength":256},"description":{"type":"string"},)" +
                                 std::string(kCategoryArg),
                             {"name", "category"}),
                 objectOutput("tag"), Safety::kChange,
                 [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
                   TagSpec spec{str(args, "name"), str(args, "description"), str(args, "category")};
                   VSMCP_ASSIGN_OR_RETURN(auto tag, r->createTag(spec));
                   return Json::object().set("tag", toJsonTag(tag));
                 }});
  ops.push_back({"tag_update", "Update a tag", "Rename a tag or change its description.",
                 inputSchema(std::string(kTagArg) + "," + kCategoryArg +
                                 R"(,"name":{"type":"string","minLength":1},"description":{"type":"string"})",
                             {"tag"}),
                 objectOutput("tag"), Safety::kChange,
                 [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
                   TagUpdate u;
                   if (args.find("name")) u.name = str(args, "name");
                   if (args.find("description")) u.description = str(args, "description");
                   if (u.empty()) return Status::InvalidArgument("give name or description");
                   VSMCP_ASSIGN_OR_RETURN(auto before, r->getTag(str(args, "tag"), str(args, "category")));
                   VSMCP_RETURN_IF_ERROR(r->updateTag(before.id, u));
                   VSMCP_ASSIGN_OR_RETURN(auto after, r->getTag(before.id));
                   return Json::object().set("tag", toJsonTag(after));
                 }});
  ops.push_back({"tag_delete", "Delete a tag", "Delete a tag (it is detached from everything).",
                 inputSchema(std::string(kTagArg) + "," + kCategoryArg + "," + kConfirmArg, {"tag"}), deleteOutput(),
                 Safety::kDestructive, [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
                   VSMCP_ASSIGN_OR_RETURN(auto tag, r->getTag(str(args, "tag"), str(args, "category")));
                   if (!confirmed(ctx)) {
                     VSMCP_ASSIGN_OR_RETURN(auto objects, r->listAttachedObjects(tag.id));
                     return dryRun("delete tag '" + tag.name + "', attached to " + std::to_string(objects.size()) +
                                   " objects");
                   }
                   VSMCP_RETURN_IF_ERROR(r->deleteTag(tag.id));
                   return Json::object().set("deleted", tag.id);
                 }});
  auto attach = [](bool on) {
    return [on](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
      VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
      VSMCP_ASSIGN_OR_RETURN(MoRef obj, objectArg(c, str(args, "object")));
      VSMCP_ASSIGN_OR_RETURN(auto tag, r->getTag(str(args, "tag"), str(args, "category")));
      VSMCP_RETURN_IF_ERROR(on ? r->attachTag(tag.id, obj) : r->detachTag(tag.id, obj));
      return Json::object().set("tag", toJsonTag(tag)).set("object", objectRef(obj)).set("attached", on);
    };
  };
  const Json attach_out = schema(R"({"type":"object","properties":{"tag":{"type":"object"},"object":{"type":"object"},)"
                                 R"("attached":{"type":"boolean"}},"required":["tag","object","attached"]})");
  ops.push_back({"tag_attach", "Attach a tag", "Attach a tag to a VM, host or other object.",
                 inputSchema(std::string(kTagArg) + "," + kCategoryArg + "," + kObjectArg, {"tag", "object"}),
                 attach_out, Safety::kChange, attach(true)});
  ops.push_back({"tag_detach", "Detach a tag", "Remove a tag from an object.",
                 inputSchema(std::string(kTagArg) + "," + kCategoryArg + "," + kObjectArg, {"tag", "object"}),
                 attach_out, Safety::kChange, attach(false)});
  ops.push_back({"tag_list_attached", "Tags of an object", "The tags attached to a VM, host or other object.",
                 inputSchema(kObjectArg, {"object"}),
                 schema(R"({"type":"object","properties":{"object":{"type":"object"},"tags":{"type":"array","items":{"type":"object"}}},"required":["object","tags"]})"),
                 Safety::kRead, [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
                   VSMCP_ASSIGN_OR_RETURN(MoRef obj, objectArg(c, str(args, "object")));
                   VSMCP_ASSIGN_OR_RETURN(auto tags, r->listAttachedTags(obj));
                   Json arr = Json::array();
                   for (const auto& t : tags) arr.push(toJsonTag(t));
                   return Json::object().set("object", objectRef(obj)).set("tags", arr);
                 }});
  ops.push_back({"tag_list_objects", "Objects with a tag", "The objects a tag is attached to.",
                 inputSchema(std::string(kTagArg) + "," + kCategoryArg, {"tag"}),
                 schema(R"({"type":"object","properties":{"tag":{"type":"object"},"objects":{"type":"array","items":{"type":"object"}}},"required":["tag","objects"]})"),
                 Safety::kRead, [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
                   VSMCP_ASSIGN_OR_RETURN(auto tag, r->getTag(str(args, "tag"), str(args, "category")));
                   VSMCP_ASSIGN_OR_RETURN(auto objects, r->listAttachedObjects(tag.id));
                   Json arr = Json::array();
                   for (const auto& o : objects) arr.push(objectRef(o));
                   return Json::object().set("tag", toJsonTag(tag)).set("objects", arr);
                 }});

  // ---- catalog ----
  ops.push_back({"catalog_item_list", "List catalog items",
                 "The self-service catalog: VM templates (deployable) and content library items. Filter by name "
                 "glob or kind. Paged.",
                 inputSchema(R"("name":{"type":"string","description":"Name glob"},)"
                             R"("kind":{"type":"string","enum":["template","library"]},)" +
                             std::string(kPaging)),
                 listOutput("items"), Safety::kRead,
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
                 }});
  ops.push_back({"catalog_item_get", "Get a catalog item", "One catalog item by id (template:vm-42, library:<uuid>).",
                 inputSchema(R"("item":{"type":"string","pattern":"^(template|library):.+","description":"Catalog item id: template:vm-42 or library:<uuid>"})", {"item"}), objectOutput("item"), Safety::kRead,
                 [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(auto ref, catalogRef(str(args, "item")));
                   VSMCP_ASSIGN_OR_RETURN(auto item, catalogItemOf(c, ref));
                   return Json::object().set("item", item.toJson());
                 }});
  ops.push_back({"catalog_item_schema", "Request form of a catalog item",
                 "The JSON Schema of what a request for this catalog item takes, with defaults and limits.",
                 inputSchema(R"("item":{"type":"string","pattern":"^(template|library):.+","description":"Catalog item id: template:vm-42 or library:<uuid>"})", {"item"}), objectOutput("schema"),
                 Safety::kRead, [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(auto ref, catalogRef(str(args, "item")));
                   VSMCP_ASSIGN_OR_RETURN(auto item, catalogItemOf(c, ref));
                   VSMCP_RETURN_IF_ERROR(checkDeployable(item));
                   VSMCP_ASSIGN_OR_RETURN(Json s, requestSchema(c, item));
                   return Json::object().set("schema", s);
                 }});
  ops.push_back({"catalog_request", "Request a catalog item",
                 "Deploy a catalog item with the given inputs (see catalog_item_schema) into a new deployment "
                 "recorded in vCenter: a template is cloned, an OVF content library item deployed. Returns the "
                 "deployment and, for a template, the clone task.",
                 inputSchema(R"("item":{"type":"string","pattern":"^(template|library):.+","description":"Catalog item id: template:vm-42 or library:<uuid>"},"inputs":{"type":"object"})", {"item", "inputs"}),
                 schema(R"({"type":"object","properties":{"deployment":{"type":"object"},"task":{"type":"object"}},"required":["deployment"]})"),
                 Safety::kChange, [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
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
                     return Status::Unsupported("the catalog records deployments as vCenter tags; a standalone ESXi "
                                                "host has none");
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
                 }});
  ops.push_back({"deployment_list", "List deployments",
                 "Deployments made from the catalog, newest first, with their VMs. Filter by project or status "
                 "(deploying, ready, failed, unsynced = recorded but its VMs are gone). Paged.",
                 inputSchema(R"("project":{"type":"string"},)"
                             R"("status":{"type":"string","enum":["deploying","ready","failed","unsynced","deleting"]},)" +
                             std::string(kPaging)),
                 listOutput("deployments"), Safety::kRead,
                 [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
                   VSMCP_ASSIGN_OR_RETURN(auto all, deployments(*r, c));
                   std::vector<Json> out;
                   for (const auto& d : all) {
                     Json j = toJsonDeployment(d);
                     if (args.find("project") && j.find("project")->asString() != str(args, "project")) continue;
                     if (args.find("status") && j.find("status")->asString() != str(args, "status")) continue;
                     out.push_back(j);
                   }
                   return listOf(out, args, ctx, "deployments", [](const Json& j) { return j; });
                 }});
  ops.push_back({"deployment_get", "Get a deployment", "One deployment with its record and its VMs' state.",
                 inputSchema(R"("deployment":{"type":"string","minLength":1})", {"deployment"}),
                 objectOutput("deployment"), Safety::kRead,
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
                 }});
  ops.push_back({"deployment_delete", "Delete a deployment",
                 "Destroy a deployment's VMs (powered off first) and remove its record.",
                 inputSchema(R"("deployment":{"type":"string","minLength":1},)" + std::string(kConfirmArg), {"deployment"}),
                 deleteOutput(), Safety::kDestructive,
                 [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
                   VSMCP_ASSIGN_OR_RETURN(auto d, findDeployment(*r, c, str(args, "deployment")));
                   if (ctx.dry_run) {
                     std::string names;
                     for (const auto& vm : d.vms) {
                       auto s = c.getVm(Locator::moref(vm.value));
                       names += (names.empty() ? "" : ", ") + (s.ok() ? "'" + s->name + "'" : vm.value);
                     }
                     return dryRun("destroy deployment " + d.id + ": " + std::to_string(d.vms.size()) + " VMs" +
                                   (names.empty() ? "" : " (" + names + ")") + " and its record");
                   }
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
                 }});
  // ---- reports ----
  ops.push_back({"report_deployments", "Deployment report",
                 "Catalog usage (deployments per catalog item), resource use per deployment and per project (VMs, "
                 "CPUs, memory), and unsynced deployments (recorded, but their VMs are gone).",
                 inputSchema(""),
                 schema(R"({"type":"object","properties":{"by_item":{"type":"array"},"by_project":{"type":"array"},)"
                        R"("by_deployment":{"type":"array"},"unsynced":{"type":"array"}},)"
                        R"("required":["by_item","by_project","by_deployment","unsynced"]})"),
                 Safety::kRead, [](Client& c, const Json&, const OperationContext&) -> Result<Json> {
                   VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
                   VSMCP_ASSIGN_OR_RETURN(auto all, deployments(*r, c));
                   VSMCP_ASSIGN_OR_RETURN(auto vms, c.listVms({}, VmDetail::kBrief));
                   std::map<std::string, const VmSummary*> by_id;
                   for (const auto& v : vms) by_id[v.ref.value] = &v;
                   struct Use { std::int64_t deployments = 0, vms = 0, cpus = 0, memory_mb = 0; std::string last; };
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
                 }});
}

}  // namespace vsmcp::vsphere
