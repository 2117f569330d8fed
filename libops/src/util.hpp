// Helpers the operation groups share (group_*.cpp): argument access, JSON forms, paging, task
// results, shared schemas. Private to libops.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>


#include "ops/operation.hpp"
#include "ops/schema.hpp"

namespace vsmcp::ops::util {

using namespace vsphere;

// JSON forms (forms.cpp).
Json toJsonCluster(const ClusterSummary& c);
Json toJsonDatastore(const DatastoreSummary& d);
Json toJsonNetwork(const NetworkSummary& n);
Json toJsonPool(const ResourcePoolSummary& p);
Json toJsonFolder(const FolderSummary& f);
Json toJsonDatacenter(const DatacenterSummary& d);
Json toJsonSnapshot(const SnapshotNode& n);

inline Json ref(const MoRef& r) { return r.empty() ? Json() : Json(r.value); }

inline Json strings(const std::vector<std::string>& v) {
  Json a = Json::array();
  for (const auto& s : v) a.push(s);
  return a;
}

inline std::string str(const Json& args, const char* key) {
  const Json* v = args.find(key);
  return v ? v->asString() : std::string();
}

// ---- Declarations with the schema builder ---------------------------------------------------

// An operation with the members every declaration has; set dry_run, precheck, summary,
// list_key and idempotent on the result as needed.
inline Operation declare(std::string name, std::string title, std::string description, Safety safety, Shape shape,
                         const Schema& input, const Schema& output, OperationHandler handler) {
  Operation op;
  op.name = std::move(name);
  op.title = std::move(title);
  op.description = std::move(description);
  op.safety = safety;
  op.shape = shape;
  op.input_schema = input.json();
  op.output_schema = output.json();
  op.handler = std::move(handler);
  return op;
}

// Arguments that name an inventory object.
inline Schema vmLocator(const char* what = "VM") {
  return Schema::string(std::string(what) + " name, inventory path (/DC/vm/x), id (vm-42) or BIOS UUID").minLength(1);
}
inline Schema hostLocator() {
  return Schema::string("Host name, inventory path (/DC/host/cluster/esx1), id (host-12) or UUID").minLength(1);
}
// `limit` and `offset` of a paged list.
inline Schema& withPaging(Schema& input) {
  input.prop("limit", Schema::integer("Items per page, default 100").minimum(1).maximum(2000))
      .prop("offset", Schema::integer("Items to skip: the next_offset of the previous page; default 0").minimum(0));
  return input;
}
// A page of `key` items, each described by `item`.
inline Schema listResult(const std::string& key, const Schema& item, const std::string& what) {
  return Schema::result()
      .prop("total", Schema::integer("How many " + what + " matched in all"), kRequired)
      .prop("count", Schema::integer("How many are on this page"), kRequired)
      .prop("offset", Schema::integer("Where this page starts"), kRequired)
      .prop("next_offset", Schema::integer("The offset of the next page; absent on the last page"))
      .prop(key, Schema::array(item, "The " + what + " of this page"), kRequired);
}
// A vCenter task as toJson(TaskInfo) writes it.
inline Schema taskForm() {
  return Schema::result("The vCenter task")
      .prop("id", Schema::string("Task id (task-123)"), kRequired)
      .prop("name", Schema::string("The task's method, e.g. PowerOnVM_Task"))
      .prop("state", Schema::string("queued, running, success or error"), kRequired)
      .prop("progress", Schema::integer("Percent done, 0-100"))
      .prop("entity", Schema::string("Id of the object the task acts on (vm-42)"))
      .prop("result", Schema::string("Id of what the task made, when it made something (the clone's vm-57)"))
      .prop("error", Schema::string("vCenter's message when the task failed"));
}
// The result of an operation that runs a vCenter task.
inline Schema taskResultSchema() { return Schema::result().prop("task", taskForm(), kRequired); }

// A share in percent with one decimal (12.3); 0 when there is no whole.
inline double percent(std::int64_t part, std::int64_t whole) {
  return whole > 0 ? std::round(static_cast<double>(part) * 1000.0 / static_cast<double>(whole)) / 10.0 : 0.0;
}

// Pages a list of `size` items, `item(i)` the i-th:
// {"total": N, "count": n, "offset": o, "<key>": [...], "next_offset"?: o + n}, converting only
// the items of the page.
template <typename F>
inline Json listAt(std::size_t size, F item, const Json& args, const OperationContext& ctx, const char* key) {
  const std::int64_t total = static_cast<std::int64_t>(size);
  std::int64_t offset = std::clamp<std::int64_t>(args.find("offset") ? args.find("offset")->asInt(0) : 0, 0, total);
  std::int64_t limit = std::clamp<std::int64_t>(args.find("limit") ? args.find("limit")->asInt(100) : 100, 1, 2000);
  if (ctx.unpaged) limit = std::max<std::int64_t>(1, total - offset);  // the rest, in one reply
  Json arr = Json::array();
  for (std::int64_t i = offset; i < std::min(total, offset + limit); ++i) arr.push(item(static_cast<size_t>(i)));
  Json out = Json::object();
  out.set("total", total).set("count", static_cast<std::int64_t>(arr.size())).set("offset", offset).set(key, arr);
  if (offset + limit < total) out.set("next_offset", offset + limit);
  return out;
}

template <typename T, typename F>
inline Json listOf(const std::vector<T>& items, const Json& args, const OperationContext& ctx, const char* key,
                   F conv) {
  return listAt(items.size(), [&](size_t i) { return conv(items[i]); }, args, ctx, key);
}


inline Result<MoRef> vmArg(Client& c, const Json& args) { return c.resolve("VirtualMachine", Locator::any(str(args, "vm"))); }
inline Result<MoRef> hostArg(Client& c, const Json& args) { return c.resolve("HostSystem", Locator::any(str(args, "host"))); }

inline TaskOptions taskOptions(const OperationContext& ctx) {
  TaskOptions o;
  o.on_progress = ctx.on_progress;
  o.cancel = ctx.cancel;
  o.wait = !ctx.start_only;
  return o;
}

inline Result<Json> taskResult(const Result<TaskInfo>& t) {
  if (!t.ok()) return t.status();
  return Json::object().set("task", toJson(*t));
}

// A template found by any locator; a VM that is not a template is NotFound (forms.cpp).
Result<VmSummary> getTemplate(Client& c, const Locator& locator, vsphere::Freshness* freshness = nullptr);

// A lookup's NotFound, with a pointer to the listing that shows what exists.
inline Status lookupError(const Status& s, const char* list_op) {
  if (s.code() != ErrorCode::kNotFound) return s;
  return Status::Error(ErrorCode::kNotFound, s.message() + " (" + list_op + " lists what exists)", s.details());
}

// ---- Group inventory/monitor/host: item schemas of the JSON forms (forms.cpp) ---------------
// Each describes what the matching toJson* in forms.cpp returns, member for member; other
// groups use them too (vmForm for VM results, snapshotForm for snapshot trees).
Schema vmForm();          // toJson(VmSummary)
Schema hostForm();        // toJson(HostSummary)
Schema clusterForm();     // toJsonCluster
Schema datacenterForm();  // toJsonDatacenter
Schema datastoreForm();   // toJsonDatastore
Schema networkForm();     // toJsonNetwork
Schema poolForm();        // toJsonPool
Schema folderForm();      // toJsonFolder
Schema snapshotForm();    // toJsonSnapshot (its children in the same form)

}  // namespace vsmcp::ops::util
