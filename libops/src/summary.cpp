#include "ops/summary.hpp"

#include <cctype>
#include <cstdio>
#include <map>

namespace vsmcp::ops {

namespace {

std::string oneDecimal(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

const std::string& stringOf(const Json& obj, const char* key) {
  static const std::string kEmpty;
  const Json* v = obj.find(key);
  return v ? v->asString() : kEmpty;
}

std::string dryRunText(const Json& r) {
  std::string text;
  if (const Json* blocked = r.find("blocked"); blocked && blocked->size() > 0) {
    text = "DRY RUN, nothing changed: this cannot be done now: ";
    std::string reasons;
    for (const auto& b : blocked->items()) reasons += (reasons.empty() ? "" : "; ") + b.asString();
    return text + reasons + ". It would " + stringOf(r, "would") + ".";
  }
  if (const Json* declined = r.find("declined"); declined && declined->asBool())
    return "DECLINED by the person asked: nothing changed. It would have " + stringOf(r, "would") + ".";
  return "DRY RUN, nothing changed: would " + stringOf(r, "would") + ".";
}

std::string taskText(const Operation& op, const Json& task) {
  return op.name + ": task " + stringOf(task, "id") + " " + stringOf(task, "state") +
         (task.find("result") ? " (result " + stringOf(task, "result") + ")" : "");
}

std::string listText(const Operation& op, const Json& r) {
  const Json* items = r.find(op.list_key);
  const Json* total = r.find("total");
  if (!items || !items->isArray()) return r.dump();
  // Items by name; by path where two on the page share a name (resource pools "Resources").
  std::map<std::string, int> seen;
  for (const auto& item : items->items()) ++seen[stringOf(item, "name")];
  std::string names;
  size_t shown = 0;
  for (const auto& item : items->items()) {
    if (shown == 10) break;
    std::string label = item.find("name") ? stringOf(item, "name") : item.dump();
    if (seen[label] > 1 && !stringOf(item, "path").empty()) label = stringOf(item, "path");
    if (const Json* used = item.find("used_percent")) label += " (" + oneDecimal(used->asDouble()) + "% used)";
    if (const Json* m = item.find("in_maintenance_mode"); m && m->asBool()) label += " (maintenance)";
    names += (shown++ ? ", " : "") + label;
  }
  std::string text = std::to_string(items->size()) + " of " +
                     std::to_string(total ? total->asInt() : static_cast<std::int64_t>(items->size())) + " " +
                     op.list_key;
  if (!names.empty()) text += ": " + names + (items->size() > shown ? ", ..." : "");
  if (const Json* cursor = r.find("next_cursor")) text += " (more: cursor " + cursor->asString() + ")";
  else if (const Json* next = r.find("next_offset")) text += " (more: offset " + std::to_string(next->asInt()) + ")";
  return text;
}

// A get: "<kind> <name> (<id>): key=value, ..." with the scalar fields that have a value.
std::string objectText(const Json& r) {
  // `freshness` (added by the Invoker where a live inventory runs) is not the object.
  const std::pair<std::string, Json>* only = nullptr;
  size_t members = 0;
  for (const auto& m : r.members())
    if (m.first != "freshness") {
      only = &m;
      ++members;
    }
  if (members != 1) return r.dump();
  const auto& [kind, obj] = *only;
  if (!obj.isObject() || !obj.find("name")) return r.dump();
  std::string text = kind + " " + stringOf(obj, "name");
  if (const Json* id = obj.find("id")) text += " (" + id->asString() + ")";
  std::string fields;
  for (const auto& [k, v] : obj.members()) {
    if (k == "name" || k == "id" || v.isArray() || v.isObject() || v.isNull()) continue;
    if (v.isString() && v.asString().empty()) continue;
    fields += (fields.empty() ? ": " : ", ") + k + "=" + (v.isString() ? v.asString() : v.dump());
  }
  return text + fields;
}

}  // namespace

std::string summarize(const Operation& op, const Json& args, const Json& result) {
  if (const Json* dry = result.find("dry_run"); dry && dry->asBool()) return dryRunText(result);
  if (op.summary) return op.summary(args, result);
  switch (op.shape) {
    case Shape::kList: return listText(op, result);
    case Shape::kTask:
      if (const Json* task = result.find("task"); task && task->isObject()) return taskText(op, *task);
      break;
    case Shape::kObject: return objectText(result);
  }
  return result.dump();
}

std::string renameOperations(std::string text, const Registry& registry,
                             const std::function<std::optional<std::string>(const Operation&)>& name_of) {
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (!word(text[i])) {
      out += text[i++];
      continue;
    }
    size_t j = i;
    while (j < text.size() && word(text[j])) ++j;
    const std::string token = text.substr(i, j - i);
    const Operation* op = token.find('_') != std::string::npos ? registry.find(token) : nullptr;
    std::optional<std::string> replacement = op ? name_of(*op) : std::nullopt;
    out += replacement ? *replacement : token;
    i = j;
  }
  return out;
}

}  // namespace vsmcp::ops
