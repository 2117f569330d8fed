// Helpers the registry's source files share (registry.cpp, registry_catalog.cpp): argument
// access, schema text, paging, task results. Private to libvsphere.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "vsphere/operations.hpp"

namespace vsmcp::vsphere::registry {

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

inline Json schema(const char* text) {
  auto j = Json::parse(text);
  return j.ok() ? *j : Json::object();
}

// An input schema: an object with these properties (JSON members, without the braces), the
// required ones, and no others.
inline Json inputSchema(const std::string& properties, const std::vector<std::string>& required = {}) {
  std::string req;
  for (const auto& r : required) req += (req.empty() ? "\"" : ",\"") + r + "\"";
  return schema((R"({"type":"object","properties":{)" + properties + "}," +
                 (required.empty() ? std::string() : R"("required":[)" + req + "],") +
                 R"("additionalProperties":false})")
                    .c_str());
}

// An output schema: an object whose `key` member is an object.
inline Json objectOutput(const std::string& key) {
  return schema((R"({"type":"object","properties":{")" + key + R"(":{"type":"object"}},"required":[")" + key +
                 R"("]})")
                    .c_str());
}

// A share in percent with one decimal (12.3); 0 when there is no whole.
inline double percent(std::int64_t part, std::int64_t whole) {
  return whole > 0 ? std::round(static_cast<double>(part) * 1000.0 / static_cast<double>(whole)) / 10.0 : 0.0;
}

// Pages a list: {"total": N, "count": n, "offset": o, "<key>": [...], "next_offset"?: o + n},
// converting only the items of the page.
template <typename T, typename F>
inline Json listOf(const std::vector<T>& items, const Json& args, const OperationContext& ctx, const char* key,
                   F conv) {
  const std::int64_t total = static_cast<std::int64_t>(items.size());
  std::int64_t offset = std::clamp<std::int64_t>(args.find("offset") ? args.find("offset")->asInt(0) : 0, 0, total);
  std::int64_t limit = std::clamp<std::int64_t>(args.find("limit") ? args.find("limit")->asInt(100) : 100, 1, 2000);
  if (ctx.unpaged) limit = std::max<std::int64_t>(1, total - offset);  // the rest, in one reply
  Json arr = Json::array();
  for (std::int64_t i = offset; i < std::min(total, offset + limit); ++i) arr.push(conv(items[static_cast<size_t>(i)]));
  Json out = Json::object();
  out.set("total", total).set("count", static_cast<std::int64_t>(arr.size())).set("offset", offset).set(key, arr);
  if (offset + limit < total) out.set("next_offset", offset + limit);
  return out;
}

// Schemas shared by many operations.
constexpr const char* kPaging =
    R"("limit":{"type":"integer","minimum":1,"maximum":2000,"description":"Items per page, default 100"},)"
    R"("offset":{"type":"integer","minimum":0,"description":"Items to skip, default 0"})";
constexpr const char* kVmArg =
    R"("vm":{"type":"string","minLength":1,"description":"VM name, inventory path (/DC/vm/x), id (vm-42) or BIOS UUID"})";
constexpr const char* kHostArg =
    R"("host":{"type":"string","minLength":1,"description":"Host name, inventory path, id (host-12) or UUID"})";
constexpr const char* kConfirmArg =
    R"("confirm":{"type":"boolean","description":"Must be true to act; otherwise a dry run"})";

// The output of a paged list under `key`; `extra_properties` (JSON members) are required too.
inline Json listOutput(const char* key, const std::string& extra_properties = "",
                const std::vector<std::string>& extra_required = {}) {
  std::string required;
  for (const auto& r : extra_required) required += ",\"" + r + "\"";
  return schema((std::string(R"({"type":"object","properties":{"total":{"type":"integer"},"count":{"type":"integer"},)"
                             R"("offset":{"type":"integer"},"next_offset":{"type":"integer"},")") +
                 key + R"(":{"type":"array","items":{"type":"object"}})" +
                 (extra_properties.empty() ? "" : "," + extra_properties) + R"(},"required":["total","count","offset",")" +
                 key + "\"" + required + "]}")
                    .c_str());
}

inline Json taskOutput() {
  return schema(R"({"type":"object","properties":{"task":{"type":"object"},"dry_run":{"type":"boolean"},)"
                R"("would":{"type":"string"}},"required":[]})");
}

inline Result<MoRef> vmArg(Client& c, const Json& args) { return c.resolve("VirtualMachine", Locator::any(str(args, "vm"))); }
inline Result<MoRef> hostArg(Client& c, const Json& args) { return c.resolve("HostSystem", Locator::any(str(args, "host"))); }

inline TaskOptions taskOptions(const OperationContext& ctx) {
  TaskOptions o;
  o.on_progress = ctx.on_progress;
  o.cancel = ctx.cancel;
  return o;
}

inline Result<Json> taskResult(const Result<TaskInfo>& t) {
  if (!t.ok()) return t.status();
  return Json::object().set("task", toJson(*t));
}

// A lookup's NotFound, with a pointer to the listing that shows what exists.
inline Status lookupError(const Status& s, const char* list_op) {
  if (s.code() != ErrorCode::kNotFound) return s;
  return Status::Error(ErrorCode::kNotFound, s.message() + " (" + list_op + " lists what exists)", s.details());
}

}  // namespace vsmcp::vsphere::registry
