// The registry: collects the groups' operations, checks every declaration and completes what
// the safety class implies.
#include "ops/registry.hpp"

#include <set>

#include "ops/schema.hpp"

namespace vsmcp::ops {

std::string_view safetyName(Safety s) {
  switch (s) {
    case Safety::kRead: return "read";
    case Safety::kChange: return "change";
    case Safety::kDestructive: return "destructive";
  }
  return "unknown";
}

std::string_view shapeName(Shape s) {
  switch (s) {
    case Shape::kObject: return "object";
    case Shape::kList: return "list";
    case Shape::kTask: return "task";
  }
  return "unknown";
}

namespace {

const std::set<std::string>& knownKeywords() {
  static const std::set<std::string> kKeys = {
      "type", "description", "properties", "required", "additionalProperties", "items", "enum", "const",
      "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength",
      "pattern", "format", "minItems", "maxItems", "uniqueItems", "anyOf", "oneOf", "allOf", "default", "title",
      "examples"};
  return kKeys;
}

bool hasType(const Json& schema, const char* type) {
  const Json* t = schema.find("type");
  if (!t) return false;
  if (t->isString()) return t->asString() == type;
  for (const auto& v : t->items())
    if (v.asString() == type) return true;
  return false;
}

// Checks one schema node at `where` ("input property 'vm'"), recursively.
void checkNode(const Json& node, const std::string& where, std::vector<std::string>& problems) {
  if (!node.isObject()) {
    problems.push_back(where + " is not a schema object");
    return;
  }
  for (const auto& [key, value] : node.members())
    if (!knownKeywords().count(key)) problems.push_back(where + " has an unknown keyword '" + key + "'");
  if (!node.find("type") && !node.find("anyOf") && !node.find("oneOf") && !node.find("enum") && !node.find("const"))
    problems.push_back(where + " has no type");
  if (hasType(node, "object")) {
    const Json* props = node.find("properties");
    const Json* extra = node.find("additionalProperties");
    if (!props && !extra)
      problems.push_back(where + " is an object with no properties declared (declare them, or say it is free-form)");
    if (props) {
      for (const auto& [name, prop] : props->members()) {
        const std::string at = where + " > '" + name + "'";
        const Json* d = prop.find("description");
        if (!d || !d->isString() || d->asString().empty()) problems.push_back(at + " has no description");
        checkNode(prop, at, problems);
      }
    }
    if (const Json* req = node.find("required"))
      for (const auto& r : req->items())
        if (!props || !props->find(r.asString()))
          problems.push_back(where + " requires '" + r.asString() + "', which it does not declare");
  }
  if (hasType(node, "array")) {
    const Json* items = node.find("items");
    if (!items) problems.push_back(where + " is an array without an item schema");
    else checkNode(*items, where + " items", problems);
  }
}

}  // namespace

std::vector<std::string> checkOperation(const Operation& op) {
  std::vector<std::string> problems;
  auto problem = [&](const std::string& text) { problems.push_back(op.name + ": " + text); };
  bool good_name = !op.name.empty() && op.name.front() >= 'a' && op.name.front() <= 'z';
  for (char c : op.name) good_name = good_name && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  if (!good_name) problem("the name must be snake_case ([a-z][a-z0-9_]*)");
  if (op.title.empty()) problem("no title");
  if (op.description.empty()) problem("no description");
  if (!op.handler) problem("no handler");
  std::vector<std::string> found;
  if (!hasType(op.input_schema, "object") || !op.input_schema.find("properties"))
    problem("the input schema is not an object with properties");
  else if (const Json* extra = op.input_schema.find("additionalProperties"); !extra || !extra->isBool() || extra->asBool())
    problem("the input schema must refuse unknown arguments (additionalProperties: false)");
  checkNode(op.input_schema, "input", found);
  if (!hasType(op.output_schema, "object") || !op.output_schema.find("properties"))
    problem("the output schema is not an object with properties");
  checkNode(op.output_schema, "output", found);
  for (auto& f : found) problem(f);
  const Json* in = op.input_schema.find("properties");
  const Json* out = op.output_schema.find("properties");
  switch (op.shape) {
    case Shape::kList: {
      if (op.list_key.empty()) {
        problem("a list names its array member (list_key)");
        break;
      }
      const Json* arr = out ? out->find(op.list_key) : nullptr;
      if (!arr || !hasType(*arr, "array") || !arr->find("items") || !arr->find("items")->find("properties"))
        problem("a list's output declares '" + op.list_key + "' as an array of described objects");
      for (const char* k : {"total", "count", "offset", "next_offset"})
        if (!out || !out->find(k)) problem(std::string("a list's output declares '") + k + "'");
      for (const char* k : {"limit", "offset"})
        if (!in || !in->find(k)) problem(std::string("a list takes '") + k + "'");
      break;
    }
    case Shape::kTask:
      if (!out || !out->find("task")) problem("a task's output declares 'task'");
      break;
    case Shape::kObject:
      if (!op.list_key.empty()) problem("only a list has a list_key");
      break;
  }
  if (op.safety == Safety::kDestructive && !op.dry_run) problem("a destructive operation declares its dry run");
  if (op.safety == Safety::kRead && op.dry_run) problem("a read has no dry run");
  if (in && in->find("confirm") && op.safety != Safety::kDestructive)
    problem("only a destructive operation takes confirm");
  return problems;
}

namespace {

// What the safety class implies for the schemas.
void complete(Operation& op) {
  if (op.safety == Safety::kRead) {
    op.idempotent = true;
    op.output_schema.find("properties")->set(
        "freshness",
        Schema::result("How fresh the answer is, for reads of the inventory")
            .prop("source", Schema::string("live: from the server's live inventory, kept current by vCenter's "
                                           "change feed; vcenter: read from vCenter for this call")
                                .oneOf({"live", "vcenter"}),
                  kRequired)
            .prop("as_of", Schema::string("When the answer was current (UTC, ISO 8601); for a page of a "
                                          "snapshot, when the snapshot was taken"),
                  kRequired)
            .prop("version", Schema::string("The change feed's version the answer reflects (live only)"))
            .json());
  }
  if (op.shape == Shape::kList) {
    op.input_schema.find("properties")->set(
        "cursor", Schema::string("The next_cursor of the previous page. The pages of one cursor come from one "
                                 "snapshot of the listing, taken at its first page, so no page lists again and none "
                                 "is missed or repeated; give the same filters. It works for the caller that got "
                                 "it; after 10 minutes (or on another server replica) the page is listed again.")
                      .minLength(1)
                      .maxLength(64)
                      .json());
    op.output_schema.find("properties")->set(
        "next_cursor", Schema::string("Cursor of the next page of the same snapshot (pass it as cursor); absent on "
                                      "the last page and where the surface pages by offset")
                           .json());
  }
  if (op.safety != Safety::kDestructive) return;
  op.input_schema.find("properties")->set(
      "confirm", Schema::boolean("The caller confirms this destructive change. Without it the call is a dry run that "
                                 "says what would happen. When the client can ask a person, the person decides and "
                                 "confirm does not replace that answer.")
                     .json());
  Json* props = op.output_schema.find("properties");
  props->set("dry_run", Schema::boolean("True when nothing was changed: this is what the call would do").json());
  props->set("would", Schema::string("What the call would do, in words (dry run)").json());
  props->set("blocked", Schema::array(Schema::string("A precondition that is not met"),
                                      "What would make the call fail now, each naming the fix (dry run)")
                            .json());
  props->set("details", Schema::result("What the dry run found (counts, affected objects)").open().json());
  props->set("declined", Schema::boolean("True when the person asked declined: nothing was changed").json());
  op.output_schema.erase("required");  // a dry run answers without the result's members
}

}  // namespace

Result<Registry> Registry::create(std::vector<Operation> operations) {
  std::vector<std::string> problems;
  std::set<std::string> names;
  for (const auto& op : operations) {
    if (!names.insert(op.name).second) problems.push_back(op.name + ": declared twice");
    for (auto& p : checkOperation(op)) problems.push_back(std::move(p));
  }
  if (!problems.empty()) {
    std::string text = std::to_string(problems.size()) + " problems in the operation declarations:";
    for (const auto& p : problems) text += "\n  " + p;
    return Status::Internal(text);
  }
  Registry r;
  r.ops_ = std::move(operations);
  for (auto& op : r.ops_) complete(op);
  return r;
}

const Operation* Registry::find(std::string_view name) const {
  for (const auto& op : ops_)
    if (op.name == name) return &op;
  return nullptr;
}

}  // namespace vsmcp::ops
