#include "vsmcp/json_schema.hpp"

#include <cmath>
#include <regex>

namespace vsmcp {
namespace {

constexpr size_t kMaxPatternInput = 4096;  // longer strings are not matched against patterns

std::string where(const std::string& path) { return path.empty() ? "value" : path; }

std::string child(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

bool typeMatches(const std::string& type, const Json& v) {
  if (type == "object") return v.isObject();
  if (type == "array") return v.isArray();
  if (type == "string") return v.isString();
  if (type == "boolean") return v.isBool();
  if (type == "null") return v.isNull();
  if (type == "number") return v.isNumber();
  if (type == "integer") {
    if (v.isInt()) return true;
    if (v.type() == Json::Type::kDouble) {
      double d = v.asDouble();
      return std::isfinite(d) && std::floor(d) == d;
    }
    return false;
  }
  return true;  // unknown type names are not enforced
}

size_t utf8Length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

// JSON equality for const/enum: numbers compare by value (1 equals 1.0).
bool sameValue(const Json& a, const Json& b) {
  if (a.isNumber() && b.isNumber()) return a.asDouble() == b.asDouble();
  return a == b;
}

Status fail(const std::string& path, const std::string& what) {
  return Status::InvalidArgument(where(path) + ": " + what);
}

std::string describe(const Json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

Status validate(const Json& schema, const Json& v, const std::string& path, int depth) {
  if (depth > 64) return fail(path, "schema nests too deeply");
  if (schema.isBool()) return schema.asBool() ? Status::Ok() : fail(path, "is not allowed (false schema)");
  if (!schema.isObject()) return Status::Ok();

  if (const Json* type = schema.find("type")) {
    bool ok = false;
    std::string names;
    if (type->isString()) {
      ok = typeMatches(type->asString(), v);
      names = type->asString();
    } else {
      for (const auto& t : type->items()) {
        ok = ok || typeMatches(t.asString(), v);
        names += (names.empty() ? "" : " or ") + t.asString();
      }
    }
    if (!ok)
      return fail(path, "must be " + names + ", got " + std::string(Json::typeName(v.type())) + " (type)");
  }
  if (const Json* e = schema.find("enum")) {
    bool found = false;
    for (const auto& option : e->items()) found = found || sameValue(option, v);
    if (!found) return fail(path, "must be one of " + describe(*e) + ", got " + describe(v) + " (enum)");
  }
  if (const Json* c = schema.find("const")) {
    if (!sameValue(*c, v)) return fail(path, "must equal " + describe(*c) + " (const)");
  }
  if (v.isNumber()) {
    double d = v.asDouble();
    auto num = [&](const char* key) -> const Json* {
      const Json* j = schema.find(key);
      return j && j->isNumber() ? j : nullptr;
    };
    if (auto* m = num("minimum"); m && d < m->asDouble())
      return fail(path, "must be >= " + m->dump() + " (minimum)");
    if (auto* m = num("maximum"); m && d > m->asDouble())
      return fail(path, "must be <= " + m->dump() + " (maximum)");
    if (auto* m = num("exclusiveMinimum"); m && d <= m->asDouble())
      return fail(path, "must be > " + m->dump() + " (exclusiveMinimum)");
    if (auto* m = num("exclusiveMaximum"); m && d >= m->asDouble())
      return fail(path, "must be < " + m->dump() + " (exclusiveMaximum)");
    if (auto* m = num("multipleOf"); m && m->asDouble() > 0) {
      double q = d / m->asDouble();
      if (std::fabs(q - std::round(q)) > 1e-9) return fail(path, "must be a multiple of " + m->dump() + " (multipleOf)");
    }
  }
  if (v.isString()) {
    const std::string& s = v.asString();
    size_t len = utf8Length(s);
    if (const Json* m = schema.find("minLength"); m && m->isNumber() && len < static_cast<size_t>(m->asInt()))
      return fail(path, "must be at least " + m->dump() + " characters (minLength)");
    if (const Json* m = schema.find("maxLength"); m && m->isNumber() && len > static_cast<size_t>(m->asInt()))
      return fail(path, "must be at most " + m->dump() + " characters (maxLength)");
    if (const Json* p = schema.find("pattern"); p && p->isString()) {
      if (s.size() > kMaxPatternInput) return fail(path, "is too long to check against its pattern");
      try {
        std::regex re(p->asString(), std::regex::ECMAScript);
        if (!std::regex_search(s, re))
          return fail(path, "must match the pattern " + p->asString() + " (pattern)");
      } catch (const std::regex_error&) {
        return fail(path, "has an invalid pattern in its schema");
      }
    }
  }
  if (v.isArray()) {
    const auto& items = v.items();
    if (const Json* m = schema.find("minItems"); m && m->isNumber() && items.size() < static_cast<size_t>(m->asInt()))
      return fail(path, "must have at least " + m->dump() + " items (minItems)");
    if (const Json* m = schema.find("maxItems"); m && m->isNumber() && items.size() > static_cast<size_t>(m->asInt()))
      return fail(path, "must have at most " + m->dump() + " items (maxItems)");
    if (const Json* u = schema.find("uniqueItems"); u && u->asBool()) {
      for (size_t i = 0; i < items.size(); ++i)
        for (size_t j = i + 1; j < items.size(); ++j)
          if (items[i] == items[j]) return fail(path, "must not repeat items (uniqueItems)");
    }
    if (const Json* item_schema = schema.find("items")) {
      for (size_t i = 0; i < items.size(); ++i)
        VSMCP_RETURN_IF_ERROR(validate(*item_schema, items[i], path + "[" + std::to_string(i) + "]", depth + 1));
    }
  }
  if (v.isObject()) {
    if (const Json* req = schema.find("required")) {
      for (const auto& name : req->items())
        if (!v.find(name.asString())) return fail(child(path, name.asString()), "is required (required)");
    }
    const Json* props = schema.find("properties");
    const Json* additional = schema.find("additionalProperties");
    for (const auto& [key, value] : v.members()) {
      const Json* prop = props ? props->find(key) : nullptr;
      if (prop) {
        VSMCP_RETURN_IF_ERROR(validate(*prop, value, child(path, key), depth + 1));
      } else if (additional) {
        if (additional->isBool() && !additional->asBool())
          return fail(child(path, key), "is not an allowed property (additionalProperties)");
        VSMCP_RETURN_IF_ERROR(validate(*additional, value, child(path, key), depth + 1));
      }
    }
  }
  if (const Json* all = schema.find("allOf")) {
    for (const auto& s : all->items()) VSMCP_RETURN_IF_ERROR(validate(s, v, path, depth + 1));
  }
  if (const Json* any = schema.find("anyOf"); any && any->isArray()) {
    bool ok = false;
    for (const auto& s : any->items()) ok = ok || validate(s, v, path, depth + 1).ok();
    if (!ok) return fail(path, "matches none of the allowed shapes (anyOf)");
  }
  if (const Json* one = schema.find("oneOf"); one && one->isArray()) {
    int matches = 0;
    for (const auto& s : one->items()) matches += validate(s, v, path, depth + 1).ok() ? 1 : 0;
    if (matches != 1) return fail(path, "must match exactly one allowed shape, matched " + std::to_string(matches) + " (oneOf)");
  }
  return Status::Ok();
}

}  // namespace

Status validateJson(const Json& schema, const Json& value, const std::string& root) {
  return validate(schema, value, root, 0);
}

}  // namespace vsmcp
