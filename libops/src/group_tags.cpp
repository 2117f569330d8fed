// Tag operations on vCenter's tagging API (com.vmware.cis.tagging, through the REST client):
// tag categories, tags, attaching tags to objects and the listings of attachments. Only
// vCenter has tags: on a standalone ESXi host every one of these answers kUnsupported.
#include <algorithm>
#include <string>
#include <vector>

#include "tags_util.hpp"
#include "util.hpp"
#include "vsmcp/glob.hpp"

namespace vsmcp::ops {

namespace {

using namespace vsphere;
using namespace util;
using tagutil::clip;
using tagutil::kDeploymentCategory;
using tagutil::rest;
using tagutil::textOf;

// ---- JSON forms -------------------------------------------------------------------------------

Json toJsonCategory(const TagCategory& c) {
  return Json::object().set("id", c.id).set("name", c.name).set("description", c.description)
      .set("cardinality", tagCardinalityName(c.cardinality)).set("associable_types", strings(c.associable_types));
}

Json toJsonTag(const Tag& t) {
  return Json::object().set("id", t.id).set("name", t.name).set("description", t.description)
      .set("category_id", t.category_id);
}

Json objectRef(const MoRef& r) { return Json::object().set("type", r.type).set("id", r.value); }

// ---- arguments --------------------------------------------------------------------------------

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

// ---- schemas ----------------------------------------------------------------------------------

Schema categoryArg() {
  return Schema::string("Category id (urn:vmomi:InventoryServiceCategory:<uuid>:GLOBAL) or name").minLength(1);
}
// The category that holds a tag named by name.
Schema tagCategoryArg() {
  return Schema::string("Category id (urn:vmomi:InventoryServiceCategory:<uuid>:GLOBAL) or name of the tag's "
                        "category; needed when a tag name is used in several categories")
      .minLength(1);
}
Schema tagArg() {
  return Schema::string("Tag id (urn:vmomi:InventoryServiceTag:<uuid>:GLOBAL) or name").minLength(1);
}
Schema objectArgSchema() {
  return Schema::string("Object id (vm-42, host-12, datastore-11, or Type:id such as VirtualMachine:vm-42) or a VM "
                        "or host name")
      .minLength(1);
}
Schema cardinalityArg() {
  return Schema::string("SINGLE: an object carries at most one tag of the category; MULTIPLE: any number")
      .oneOf({"SINGLE", "MULTIPLE"});
}
Schema associableTypesArg(const char* description) {
  return Schema::array(Schema::string("A managed object type: VirtualMachine, HostSystem, Datastore, Network, "
                                      "ClusterComputeResource, Folder, ResourcePool, Datacenter, ...")
                           .minLength(1),
                       description);
}

Schema categoryForm() {
  return Schema::result("The tag category")
      .prop("id", Schema::string("Category id (urn:vmomi:InventoryServiceCategory:<uuid>:GLOBAL)"), kRequired)
      .prop("name", Schema::string("Category name, unique among categories"), kRequired)
      .prop("description", Schema::string("Description; empty when none"), kRequired)
      .prop("cardinality",
            Schema::string("SINGLE: an object carries at most one tag of this category; MULTIPLE: any number")
                .oneOf({"SINGLE", "MULTIPLE"}),
            kRequired)
      .prop("associable_types",
            Schema::array(Schema::string("A managed object type (VirtualMachine, HostSystem, ...)"),
                          "The object types its tags can be attached to; empty: any type"),
            kRequired);
}
Schema tagForm(const char* description = "The tag") {
  return Schema::result(description)
      .prop("id", Schema::string("Tag id (urn:vmomi:InventoryServiceTag:<uuid>:GLOBAL)"), kRequired)
      .prop("name", Schema::string("Tag name, unique within its category"), kRequired)
      .prop("description", Schema::string("Description; empty when none"), kRequired)
      .prop("category_id", Schema::string("Id of its category (urn:vmomi:InventoryServiceCategory:<uuid>:GLOBAL)"),
            kRequired);
}
Schema objectForm(const char* description) {
  return Schema::result(description)
      .prop("type", Schema::string("Managed object type: VirtualMachine, HostSystem, Datastore, ..."), kRequired)
      .prop("id", Schema::string("Managed object id (vm-42, host-12)"), kRequired);
}

Schema deletedResult(const char* what) {
  return Schema::result().prop("deleted", Schema::string(std::string("Id of the deleted ") + what), kRequired);
}

// ---- summaries --------------------------------------------------------------------------------

std::string dryRunText(const Json& result) {
  return "DRY RUN, nothing changed: would " + textOf(result, "would") + ". Call again with confirm: true to do it.";
}

bool isDryRun(const Json& result) {
  const Json* dry = result.find("dry_run");
  return dry && dry->asBool();
}

// "<operation>: deleted <id>".
Summarizer deletedSummary(const std::string& operation) {
  return [operation](const Json&, const Json& r) {
    if (isDryRun(r)) return dryRunText(r);
    return operation + ": deleted " + textOf(r, "deleted");
  };
}

const Json& memberOf(const Json& r, const char* key) {
  static const Json kEmpty = Json::object();
  const Json* v = r.find(key);
  return v ? *v : kEmpty;
}

// At most `max` of `items` joined by ", ", with ", ..." when some were left out.
std::string joinSome(const std::vector<std::string>& items, size_t max) {
  std::string text;
  for (size_t i = 0; i < items.size() && i < max; ++i) text += (i ? ", " : "") + items[i];
  if (items.size() > max) text += ", ...";
  return text;
}

// ---- dry runs ---------------------------------------------------------------------------------

// Deleting a category deletes its tags, and with them their attachments.
Result<DryRun> categoryDeleteDryRun(Client& c, const Json& args) {
  VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
  VSMCP_ASSIGN_OR_RETURN(auto cat, r->getCategory(str(args, "category")));
  VSMCP_ASSIGN_OR_RETURN(auto tags, r->listTags(cat.id));
  std::vector<std::string> ids, names;
  for (const auto& t : tags) {
    ids.push_back(t.id);
    names.push_back(t.name);
  }
  std::int64_t attachments = 0;
  if (!ids.empty()) {
    VSMCP_ASSIGN_OR_RETURN(auto attached, r->listAttachedObjectsOnTags(ids));
    for (const auto& [id, objects] : attached) attachments += static_cast<std::int64_t>(objects.size());
  }
  DryRun dry;
  dry.would = "delete tag category '" + cat.name + "' and its " + std::to_string(tags.size()) + " tags";
  if (!tags.empty())
    dry.would += " (" + joinSome(names, 10) + "), removing " + std::to_string(attachments) +
                 (attachments == 1 ? " attachment" : " attachments") + " from objects";
  if (cat.name == kDeploymentCategory && !tags.empty())
    dry.would += "; these tags are the records of " + std::to_string(tags.size()) +
                 " catalog deployments, which deployment_list would no longer show (their VMs stay)";
  Json tag_names = Json::array();
  for (size_t i = 0; i < names.size() && i < 100; ++i) tag_names.push(names[i]);
  dry.details = Json::object()
                    .set("category", Json::object().set("id", cat.id).set("name", cat.name))
                    .set("tags", static_cast<std::int64_t>(tags.size()))
                    .set("tag_names", tag_names)
                    .set("attachments", attachments);
  return dry;
}

// Deleting a tag detaches it from every object it is on.
Result<DryRun> tagDeleteDryRun(Client& c, const Json& args) {
  VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
  VSMCP_ASSIGN_OR_RETURN(auto tag, r->getTag(str(args, "tag"), str(args, "category")));
  VSMCP_ASSIGN_OR_RETURN(auto objects, r->listAttachedObjects(tag.id));
  auto category = r->getCategory(tag.category_id);
  std::vector<std::string> ids;
  for (const auto& o : objects) ids.push_back(o.value);
  DryRun dry;
  dry.would = "delete tag '" + tag.name + "', attached to " + std::to_string(objects.size()) + " objects";
  if (!objects.empty()) dry.would += " (" + joinSome(ids, 10) + "), which lose it";
  if (category.ok() && category->name == kDeploymentCategory)
    dry.would += "; it is the record of catalog deployment " + tag.name +
                 ", which deployment_list would no longer show (its VMs stay)";
  Json listed = Json::array();
  for (size_t i = 0; i < objects.size() && i < 100; ++i) listed.push(objectRef(objects[i]));
  dry.details = Json::object()
                    .set("tag", toJsonTag(tag))
                    .set("category", category.ok() ? Json(category->name) : Json())
                    .set("attached_objects", static_cast<std::int64_t>(objects.size()))
                    .set("objects", listed);
  return dry;
}

}  // namespace

void addTagOperations(std::vector<Operation>& ops) {
  // ---- tag categories ----
  {
    Schema in = Schema::object();
    withPaging(in);
    Operation op = declare(
        "tag_category_list", "List tag categories",
        "List vCenter tag categories with their cardinality and the object types they apply to, sorted by name. "
        "Paged.",
        Safety::kRead, Shape::kList, in, listResult("categories", categoryForm(), "tag categories"),
        [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
          VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
          VSMCP_ASSIGN_OR_RETURN(auto cats, r->listCategories());
          return listOf(cats, args, ctx, "categories", toJsonCategory);
        });
    op.list_key = "categories";
    ops.push_back(std::move(op));
  }
  ops.push_back(declare("tag_category_get", "Get a tag category", "One tag category by id or name.", Safety::kRead,
                        Shape::kObject, Schema::object().prop("category", categoryArg(), kRequired),
                        Schema::result().prop("category", categoryForm(), kRequired),
                        [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                          VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
                          VSMCP_ASSIGN_OR_RETURN(auto cat, r->getCategory(str(args, "category")));
                          return Json::object().set("category", toJsonCategory(cat));
                        }));
  ops.push_back(declare(
      "tag_category_create", "Create a tag category",
      "Create a tag category. cardinality SINGLE lets an object carry one tag of it, MULTIPLE many; "
      "associable_types limits the object types (VirtualMachine, HostSystem, ...). Returns the new category.",
      Safety::kChange, Shape::kObject,
      Schema::object()
          .prop("name", Schema::string("Name of the new category, unique among categories").minLength(1).maxLength(256),
                kRequired)
          .prop("description", Schema::string("Description; default empty"))
          .prop("cardinality", cardinalityArg())
          .prop("associable_types",
                associableTypesArg("Object types its tags can be attached to; default: any type")),
      Schema::result().prop("category", categoryForm(), kRequired),
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
      }));
  {
    Operation op = declare(
        "tag_category_update", "Update a tag category",
        "Rename a tag category or change its description, cardinality or object types (types can only be "
        "added). Give at least one change. Returns the category as it is now.",
        Safety::kChange, Shape::kObject,
        Schema::object()
            .prop("category", categoryArg(), kRequired)
            .prop("name", Schema::string("New name").minLength(1))
            .prop("description", Schema::string("New description"))
            .prop("cardinality", cardinalityArg())
            .prop("associable_types",
                  associableTypesArg("Object types its tags can be attached to (the current ones and more: types "
                                     "can only be added)")),
        Schema::result().prop("category", categoryForm(), kRequired),
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
          if (u.empty())
            return Status::InvalidArgument("give at least one of name, description, cardinality, associable_types");
          VSMCP_ASSIGN_OR_RETURN(auto before, r->getCategory(str(args, "category")));
          VSMCP_RETURN_IF_ERROR(r->updateCategory(before.id, u));
          VSMCP_ASSIGN_OR_RETURN(auto after, r->getCategory(before.id));
          return Json::object().set("category", toJsonCategory(after));
        });
    op.idempotent = true;
    ops.push_back(std::move(op));
  }
  {
    Operation op = declare(
        "tag_category_delete", "Delete a tag category",
        "Delete a tag category and every tag in it (their attachments go too). Returns the deleted category's id.",
        Safety::kDestructive, Shape::kObject, Schema::object().prop("category", categoryArg(), kRequired),
        deletedResult("category (urn:vmomi:InventoryServiceCategory:<uuid>:GLOBAL)"),
        [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
          VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
          VSMCP_ASSIGN_OR_RETURN(auto cat, r->getCategory(str(args, "category")));
          VSMCP_RETURN_IF_ERROR(r->deleteCategory(cat.id));
          return Json::object().set("deleted", cat.id);
        });
    op.dry_run = categoryDeleteDryRun;
    op.summary = deletedSummary(op.name);
    ops.push_back(std::move(op));
  }

  // ---- tags ----
  {
    Schema in = Schema::object()
                    .prop("category", Schema::string("Only the tags of this category: its id "
                                                     "(urn:vmomi:InventoryServiceCategory:<uuid>:GLOBAL) or name")
                                          .minLength(1))
                    .prop("name", Schema::string("Name glob (* and ?), e.g. prod*"));
    withPaging(in);
    Operation op = declare("tag_list", "List tags", "List vCenter tags, of one category when given, sorted by name. Paged.",
                           Safety::kRead, Shape::kList, in, listResult("tags", tagForm("A tag"), "tags"),
                           [](Client& c, const Json& args, const OperationContext& ctx) -> Result<Json> {
                             VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
                             VSMCP_ASSIGN_OR_RETURN(auto tags, r->listTags(str(args, "category")));
                             const std::string glob = str(args, "name");
                             if (!glob.empty())
                               tags.erase(std::remove_if(tags.begin(), tags.end(),
                                                         [&](const Tag& t) { return !globMatch(glob, t.name); }),
                                          tags.end());
                             return listOf(tags, args, ctx, "tags", toJsonTag);
                           });
    op.list_key = "tags";
    ops.push_back(std::move(op));
  }
  ops.push_back(declare("tag_get", "Get a tag", "One tag by id, or by name (within a category when given).",
                        Safety::kRead, Shape::kObject,
                        Schema::object().prop("tag", tagArg(), kRequired).prop("category", tagCategoryArg()),
                        Schema::result().prop("tag", tagForm(), kRequired),
                        [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
                          VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
                          VSMCP_ASSIGN_OR_RETURN(auto tag, r->getTag(str(args, "tag"), str(args, "category")));
                          return Json::object().set("tag", toJsonTag(tag));
                        }));
  ops.push_back(declare(
      "tag_create", "Create a tag", "Create a tag in a category. Returns the new tag.", Safety::kChange,
      Shape::kObject,
      Schema::object()
          .prop("name", Schema::string("Name of the new tag, unique within its category").minLength(1).maxLength(256),
                kRequired)
          .prop("description", Schema::string("Description; default empty"))
          .prop("category", categoryArg(), kRequired),
      Schema::result().prop("tag", tagForm(), kRequired),
      [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
        VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
        TagSpec spec{str(args, "name"), str(args, "description"), str(args, "category")};
        VSMCP_ASSIGN_OR_RETURN(auto tag, r->createTag(spec));
        return Json::object().set("tag", toJsonTag(tag));
      }));
  {
    Operation op = declare(
        "tag_update", "Update a tag",
        "Rename a tag or change its description (give at least one). Returns the tag as it is now.",
        Safety::kChange, Shape::kObject,
        Schema::object()
            .prop("tag", tagArg(), kRequired)
            .prop("category", tagCategoryArg())
            .prop("name", Schema::string("New name").minLength(1))
            .prop("description", Schema::string("New description")),
        Schema::result().prop("tag", tagForm(), kRequired),
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
        });
    op.idempotent = true;
    ops.push_back(std::move(op));
  }
  {
    Operation op = declare(
        "tag_delete", "Delete a tag",
        "Delete a tag (it is detached from everything). Returns the deleted tag's id.", Safety::kDestructive,
        Shape::kObject, Schema::object().prop("tag", tagArg(), kRequired).prop("category", tagCategoryArg()),
        deletedResult("tag (urn:vmomi:InventoryServiceTag:<uuid>:GLOBAL)"),
        [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
          VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
          VSMCP_ASSIGN_OR_RETURN(auto tag, r->getTag(str(args, "tag"), str(args, "category")));
          VSMCP_RETURN_IF_ERROR(r->deleteTag(tag.id));
          return Json::object().set("deleted", tag.id);
        });
    op.dry_run = tagDeleteDryRun;
    op.summary = deletedSummary(op.name);
    ops.push_back(std::move(op));
  }

  // ---- attachments ----
  auto attach = [](bool on) {
    return [on](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
      VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
      VSMCP_ASSIGN_OR_RETURN(MoRef obj, objectArg(c, str(args, "object")));
      VSMCP_ASSIGN_OR_RETURN(auto tag, r->getTag(str(args, "tag"), str(args, "category")));
      VSMCP_RETURN_IF_ERROR(on ? r->attachTag(tag.id, obj) : r->detachTag(tag.id, obj));
      return Json::object().set("tag", toJsonTag(tag)).set("object", objectRef(obj)).set("attached", on);
    };
  };
  auto attach_in = [] {
    return Schema::object()
        .prop("tag", tagArg(), kRequired)
        .prop("category", tagCategoryArg())
        .prop("object", objectArgSchema(), kRequired);
  };
  auto attach_out = [] {
    return Schema::result()
        .prop("tag", tagForm(), kRequired)
        .prop("object", objectForm("The object"), kRequired)
        .prop("attached", Schema::boolean("True: the tag is now on the object; false: it is no longer"), kRequired);
  };
  const Summarizer attach_summary = [](const Json&, const Json& r) {
    const Json* attached = r.find("attached");
    return "tag '" + textOf(memberOf(r, "tag"), "name") + "' " +
           (attached && attached->asBool() ? "attached to " : "detached from ") + textOf(memberOf(r, "object"), "type") +
           " " + textOf(memberOf(r, "object"), "id");
  };
  {
    Operation op = declare("tag_attach", "Attach a tag",
                           "Attach a tag to a VM, host or other object. Returns the tag and the object.",
                           Safety::kChange, Shape::kObject, attach_in(), attach_out(), attach(true));
    op.idempotent = true;
    op.summary = attach_summary;
    ops.push_back(std::move(op));
  }
  {
    Operation op = declare("tag_detach", "Detach a tag", "Remove a tag from an object. Returns the tag and the object.",
                           Safety::kChange, Shape::kObject, attach_in(), attach_out(), attach(false));
    op.idempotent = true;
    op.summary = attach_summary;
    ops.push_back(std::move(op));
  }
  {
    Operation op = declare(
        "tag_list_attached", "Tags of an object", "The tags attached to a VM, host or other object, sorted by name.",
        Safety::kRead, Shape::kObject, Schema::object().prop("object", objectArgSchema(), kRequired),
        Schema::result()
            .prop("object", objectForm("The object"), kRequired)
            .prop("tags", Schema::array(tagForm("A tag on the object"), "The tags attached to the object"), kRequired),
        [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
          VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
          VSMCP_ASSIGN_OR_RETURN(MoRef obj, objectArg(c, str(args, "object")));
          VSMCP_ASSIGN_OR_RETURN(auto tags, r->listAttachedTags(obj));
          Json arr = Json::array();
          for (const auto& t : tags) arr.push(toJsonTag(t));
          return Json::object().set("object", objectRef(obj)).set("tags", arr);
        });
    op.summary = [](const Json&, const Json& r) {
      const Json& tags = memberOf(r, "tags");
      std::string names;
      for (const auto& t : tags.items()) names += (names.empty() ? "" : ", ") + textOf(t, "name");
      return textOf(memberOf(r, "object"), "type") + " " + textOf(memberOf(r, "object"), "id") + " has " +
             std::to_string(tags.size()) + " tags" + (names.empty() ? "" : ": " + names);
    };
    ops.push_back(std::move(op));
  }
  {
    Operation op = declare(
        "tag_list_objects", "Objects with a tag", "The objects a tag is attached to, sorted by type and id.",
        Safety::kRead, Shape::kObject, Schema::object().prop("tag", tagArg(), kRequired).prop("category", tagCategoryArg()),
        Schema::result()
            .prop("tag", tagForm(), kRequired)
            .prop("objects", Schema::array(objectForm("An object the tag is on"), "The objects the tag is attached to"),
                  kRequired),
        [](Client& c, const Json& args, const OperationContext&) -> Result<Json> {
          VSMCP_ASSIGN_OR_RETURN(auto r, rest(c));
          VSMCP_ASSIGN_OR_RETURN(auto tag, r->getTag(str(args, "tag"), str(args, "category")));
          VSMCP_ASSIGN_OR_RETURN(auto objects, r->listAttachedObjects(tag.id));
          Json arr = Json::array();
          for (const auto& o : objects) arr.push(objectRef(o));
          return Json::object().set("tag", toJsonTag(tag)).set("objects", arr);
        });
    op.summary = [](const Json&, const Json& r) {
      const Json& objects = memberOf(r, "objects");
      std::string ids;
      for (const auto& o : objects.items()) ids += (ids.empty() ? "" : ", ") + textOf(o, "id");
      return "tag '" + textOf(memberOf(r, "tag"), "name") + "' is on " + std::to_string(objects.size()) + " objects" +
             (ids.empty() ? "" : ": " + clip(ids, 200));
    };
    ops.push_back(std::move(op));
  }
}

}  // namespace vsmcp::ops
