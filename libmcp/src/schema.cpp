// Tool schemas: usability checks at registration, and validation of arguments and structured
// output with the JSON Schema 2020-12 keywords tools use (SEP-2106: any 2020-12 keyword may
// appear; local $refs are resolved, network ones never fetched).
#include "mcp/schema.hpp"

#include <cmath>
#include <regex>

namespace vsmcp::mcp {

namespace {

constexpr size_t kMaxPatternInput = 4096;  // longer strings are not matched against patterns
constexpr int kMaxDepth = 64;              // schema nesting while validating
constexpr int kMaxRefs = 32;               // $refs followed along one path
constexpr size_t kMaxSubschemas = 10000;   // per schema, checked at registration

std::string where(const std::string& path) { return path.empty() ? "value" : path; }
std::string child(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

Status fail(const std::string& path, const std::string& what) {
  return Status::InvalidArgument(where(path) + ": " + what);
}

std::string describe(const Json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
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
      const double d = v.asDouble();
      return std::isfinite(d) && std::floor(d) == d;
    }
    return false;
  }
  return true;  // unknown type names are not enforced
}

size_t utf8Length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Equality for const, enum and uniqueItems: numbers by value (1 equals 1.0), objects by
// members whatever their order.
bool sameValue(const Json& a, const Json& b) {
  if (a.isNumber() && b.isNumber()) return a.asDouble() == b.asDouble();
  if (a.isObject() && b.isObject()) {
    if (a.size() != b.size()) return false;
    for (const auto& [k, v] : a.members()) {
      const Json* o = b.find(k);
      if (!o || !sameValue(v, *o)) return false;
    }
    return true;
  }
  if (a.isArray() && b.isArray()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!sameValue(a.items()[i], b.items()[i])) return false;
    return true;
  }
  return a == b;
}

// "~1" -> "/", "~0" -> "~" (RFC 6901).
std::string unescapePointer(const std::string& token) {
  std::string out;
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out += token[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

const Json* findAnchor(const Json& node, const std::string& anchor, int depth) {
  if (depth > kMaxDepth) return nullptr;
  if (node.isObject()) {
    if (const Json* a = node.find("$anchor"); a && a->isString() && a->asString() == anchor) return &node;
    for (const auto& [k, v] : node.members()) {
      if (k == "enum" || k == "const" || k == "default" || k == "examples") continue;
      if (const Json* found = findAnchor(v, anchor, depth + 1)) return found;
    }
  } else if (node.isArray()) {
    for (const auto& v : node.items())
      if (const Json* found = findAnchor(v, anchor, depth + 1)) return found;
  }
  return nullptr;
}

// The subschema a local $ref names within `root`, or null.
const Json* resolveRef(const Json& root, const std::string& ref) {
  if (ref.empty() || ref[0] != '#') return nullptr;
  if (ref.size() == 1) return &root;
  if (ref[1] != '/') return findAnchor(root, ref.substr(1), 0);
  const Json* node = &root;
  size_t pos = 2;
  for (;;) {
    size_t slash = ref.find('/', pos);
    std::string token = unescapePointer(ref.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos));
    if (node->isObject()) {
      node = node->find(token);
    } else if (node->isArray()) {
      char* end = nullptr;
      unsigned long i = std::strtoul(token.c_str(), &end, 10);
      node = (token.empty() || *end || i >= node->size()) ? nullptr : &node->items()[i];
    } else {
      node = nullptr;
    }
    if (!node) return nullptr;
    if (slash == std::string::npos) return node;
    pos = slash + 1;
  }
}

class Validator {
 public:
  explicit Validator(const Json& root) : root_(root) {}

  Status validate(const Json& schema, const Json& v, const std::string& path, int depth, int refs) {
    if (depth > kMaxDepth) return fail(path, "schema nests too deeply");
    if (schema.isBool()) return schema.asBool() ? Status::Ok() : fail(path, "is not allowed (false schema)");
    if (!schema.isObject()) return Status::Ok();
    if (const Json* ref = schema.find("$ref"); ref && ref->isString()) {
      if (refs >= kMaxRefs) return fail(path, "schema $refs nest too deeply");
      const Json* target = resolveRef(root_, ref->asString());
      if (!target) return fail(path, "schema $ref " + ref->asString() + " does not resolve");
      // 2020-12: $ref applies alongside the other keywords of its schema.
      VSMCP_RETURN_IF_ERROR(validate(*target, v, path, depth + 1, refs + 1));
    }
    VSMCP_RETURN_IF_ERROR(checkType(schema, v, path));
    VSMCP_RETURN_IF_ERROR(checkValue(schema, v, path));
    if (v.isArray()) VSMCP_RETURN_IF_ERROR(checkArray(schema, v, path, depth, refs));
    if (v.isObject()) VSMCP_RETURN_IF_ERROR(checkObject(schema, v, path, depth, refs));
    return checkComposition(schema, v, path, depth, refs);
  }

 private:
  Status checkType(const Json& schema, const Json& v, const std::string& path) {
    const Json* type = schema.find("type");
    if (!type) return Status::Ok();
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
      if (type->size() == 0) ok = true;
    }
    if (!ok) return fail(path, "must be " + names + ", got " + std::string(Json::typeName(v.type())) + " (type)");
    return Status::Ok();
  }

  Status checkValue(const Json& schema, const Json& v, const std::string& path) {
    if (const Json* e = schema.find("enum"); e && e->isArray()) {
      bool found = false;
      for (const auto& option : e->items()) found = found || sameValue(option, v);
      if (!found) return fail(path, "must be one of " + describe(*e) + ", got " + describe(v) + " (enum)");
    }
    if (const Json* c = schema.find("const"); c && !sameValue(*c, v))
      return fail(path, "must equal " + describe(*c) + " (const)");
    if (v.isNumber()) {
      const double d = v.asDouble();
      auto num = [&](const char* key) -> const Json* {
        const Json* j = schema.find(key);
        return j && j->isNumber() ? j : nullptr;
      };
      if (auto* m = num("minimum"); m && d < m->asDouble()) return fail(path, "must be >= " + m->dump() + " (minimum)");
      if (auto* m = num("maximum"); m && d > m->asDouble()) return fail(path, "must be <= " + m->dump() + " (maximum)");
      if (auto* m = num("exclusiveMinimum"); m && d <= m->asDouble())
        return fail(path, "must be > " + m->dump() + " (exclusiveMinimum)");
      if (auto* m = num("exclusiveMaximum"); m && d >= m->asDouble())
        return fail(path, "must be < " + m->dump() + " (exclusiveMaximum)");
      if (auto* m = num("multipleOf"); m && m->asDouble() > 0) {
        const double q = d / m->asDouble();
        if (std::fabs(q - std::round(q)) > 1e-9) return fail(path, "must be a multiple of " + m->dump() + " (multipleOf)");
      }
    }
    if (v.isString()) {
      const std::string& s = v.asString();
      const size_t len = utf8Length(s);
      if (const Json* m = schema.find("minLength"); m && m->isNumber() && len < static_cast<size_t>(m->asInt()))
        return fail(path, "must be at least " + m->dump() + " characters (minLength)");
      if (const Json* m = schema.find("maxLength"); m && m->isNumber() && len > static_cast<size_t>(m->asInt()))
        return fail(path, "must be at most " + m->dump() + " characters (maxLength)");
      if (const Json* p = schema.find("pattern"); p && p->isString()) {
        if (s.size() > kMaxPatternInput) return fail(path, "is too long to check against its pattern");
        try {
          std::regex re(p->asString(), std::regex::ECMAScript);
          if (!std::regex_search(s, re)) return fail(path, "must match the pattern " + p->asString() + " (pattern)");
        } catch (const std::exception&) {
          return fail(path, "has an invalid pattern in its schema");
        }
      }
    }
    return Status::Ok();
  }

  Status checkArray(const Json& schema, const Json& v, const std::string& path, int depth, int refs) {
    const auto& items = v.items();
    if (const Json* m = schema.find("minItems"); m && m->isNumber() && items.size() < static_cast<size_t>(m->asInt()))
      return fail(path, "must have at least " + m->dump() + " items (minItems)");
    if (const Json* m = schema.find("maxItems"); m && m->isNumber() && items.size() > static_cast<size_t>(m->asInt()))
      return fail(path, "must have at most " + m->dump() + " items (maxItems)");
    if (const Json* u = schema.find("uniqueItems"); u && u->asBool()) {
      for (size_t i = 0; i < items.size(); ++i)
        for (size_t j = i + 1; j < items.size(); ++j)
          if (sameValue(items[i], items[j])) return fail(path, "must not repeat items (uniqueItems)");
    }
    auto at = [&](size_t i) { return path + "[" + std::to_string(i) + "]"; };
    size_t first_rest = 0;
    if (const Json* prefix = schema.find("prefixItems"); prefix && prefix->isArray()) {
      for (size_t i = 0; i < items.size() && i < prefix->size(); ++i)
        VSMCP_RETURN_IF_ERROR(validate(prefix->items()[i], items[i], at(i), depth + 1, refs));
      first_rest = prefix->size();
    }
    if (const Json* item_schema = schema.find("items")) {
      if (item_schema->isArray()) {  // draft-07 tuple form
        for (size_t i = 0; i < items.size() && i < item_schema->size(); ++i)
          VSMCP_RETURN_IF_ERROR(validate(item_schema->items()[i], items[i], at(i), depth + 1, refs));
      } else {
        for (size_t i = first_rest; i < items.size(); ++i)
          VSMCP_RETURN_IF_ERROR(validate(*item_schema, items[i], at(i), depth + 1, refs));
      }
    }
    if (const Json* contains = schema.find("contains")) {
      size_t matches = 0;
      for (const auto& item : items) matches += validate(*contains, item, path, depth + 1, refs).ok();
      const Json* min = schema.find("minContains");
      const size_t need = min && min->isNumber() ? static_cast<size_t>(std::max<std::int64_t>(0, min->asInt())) : 1;
      if (matches < need) return fail(path, "must contain at least " + std::to_string(need) + " matching items (contains)");
      if (const Json* max = schema.find("maxContains"); max && max->isNumber() && matches > static_cast<size_t>(max->asInt()))
        return fail(path, "must contain at most " + max->dump() + " matching items (maxContains)");
    }
    return Status::Ok();
  }

  Status checkObject(const Json& schema, const Json& v, const std::string& path, int depth, int refs) {
    if (const Json* req = schema.find("required")) {
      for (const auto& name : req->items())
        if (!v.find(name.asString())) return fail(child(path, name.asString()), "is required (required)");
    }
    if (const Json* m = schema.find("minProperties"); m && m->isNumber() && v.size() < static_cast<size_t>(m->asInt()))
      return fail(path, "must have at least " + m->dump() + " properties (minProperties)");
    if (const Json* m = schema.find("maxProperties"); m && m->isNumber() && v.size() > static_cast<size_t>(m->asInt()))
      return fail(path, "must have at most " + m->dump() + " properties (maxProperties)");
    if (const Json* dep = schema.find("dependentRequired"); dep && dep->isObject()) {
      for (const auto& [key, needs] : dep->members()) {
        if (!v.find(key)) continue;
        for (const auto& n : needs.items())
          if (!v.find(n.asString()))
            return fail(child(path, n.asString()), "is required when " + key + " is given (dependentRequired)");
      }
    }
    if (const Json* dep = schema.find("dependentSchemas"); dep && dep->isObject()) {
      for (const auto& [key, sub] : dep->members())
        if (v.find(key)) VSMCP_RETURN_IF_ERROR(validate(sub, v, path, depth + 1, refs));
    }
    const Json* props = schema.find("properties");
    const Json* patterns = schema.find("patternProperties");
    const Json* additional = schema.find("additionalProperties");
    const Json* names = schema.find("propertyNames");
    for (const auto& [key, value] : v.members()) {
      if (names) {
        Status ok = validate(*names, Json(key), child(path, key), depth + 1, refs);
        if (!ok.ok()) return fail(child(path, key), "is not an allowed property name (propertyNames)");
      }
      bool matched = false;
      if (const Json* prop = props ? props->find(key) : nullptr) {
        matched = true;
        VSMCP_RETURN_IF_ERROR(validate(*prop, value, child(path, key), depth + 1, refs));
      }
      if (patterns && patterns->isObject()) {
        for (const auto& [pattern, sub] : patterns->members()) {
          bool hit = false;
          try {
            hit = key.size() <= kMaxPatternInput && std::regex_search(key, std::regex(pattern, std::regex::ECMAScript));
          } catch (const std::exception&) {
            return fail(child(path, key), "has an invalid patternProperties pattern in its schema");
          }
          if (!hit) continue;
          matched = true;
          VSMCP_RETURN_IF_ERROR(validate(sub, value, child(path, key), depth + 1, refs));
        }
      }
      if (!matched && additional) {
        if (additional->isBool() && !additional->asBool())
          return fail(child(path, key), "is not an allowed property (additionalProperties)");
        VSMCP_RETURN_IF_ERROR(validate(*additional, value, child(path, key), depth + 1, refs));
      }
    }
    return Status::Ok();
  }

  Status checkComposition(const Json& schema, const Json& v, const std::string& path, int depth, int refs) {
    if (const Json* all = schema.find("allOf"); all && all->isArray()) {
      for (const auto& s : all->items()) VSMCP_RETURN_IF_ERROR(validate(s, v, path, depth + 1, refs));
    }
    if (const Json* any = schema.find("anyOf"); any && any->isArray()) {
      bool ok = false;
      for (const auto& s : any->items()) ok = ok || validate(s, v, path, depth + 1, refs).ok();
      if (!ok) return fail(path, "matches none of the allowed shapes (anyOf)");
    }
    if (const Json* one = schema.find("oneOf"); one && one->isArray()) {
      int matches = 0;
      for (const auto& s : one->items()) matches += validate(s, v, path, depth + 1, refs).ok() ? 1 : 0;
      if (matches != 1)
        return fail(path, "must match exactly one allowed shape, matched " + std::to_string(matches) + " (oneOf)");
    }
    if (const Json* n = schema.find("not"); n && validate(*n, v, path, depth + 1, refs).ok())
      return fail(path, "matches a shape that is not allowed (not)");
    if (const Json* cond = schema.find("if")) {
      if (validate(*cond, v, path, depth + 1, refs).ok()) {
        if (const Json* then = schema.find("then")) {
          Status st = validate(*then, v, path, depth + 1, refs);
          if (!st.ok()) return Status::InvalidArgument(st.message() + " (then)");
        }
      } else if (const Json* otherwise = schema.find("else")) {
        Status st = validate(*otherwise, v, path, depth + 1, refs);
        if (!st.ok()) return Status::InvalidArgument(st.message() + " (else)");
      }
    }
    return Status::Ok();
  }

  const Json& root_;
};

// Walks a schema at registration: local $refs only (and resolvable), a bounded size.
Status checkRefs(const Json& root, const Json& node, int depth, size_t& count) {
  if (depth > kMaxDepth) return Status::InvalidArgument("the schema nests more than 64 levels");
  if (++count > kMaxSubschemas) return Status::InvalidArgument("the schema has more than 10000 parts");
  if (node.isObject()) {
    if (const Json* ref = node.find("$ref")) {
      if (!ref->isString()) return Status::InvalidArgument("a $ref must be a string");
      const std::string& r = ref->asString();
      if (r.empty() || r[0] != '#')
        return Status::InvalidArgument("$ref " + r.substr(0, 200) +
                                       " is not local: only references within the schema (\"#...\") are resolved, "
                                       "never fetched");
      if (!resolveRef(root, r)) return Status::InvalidArgument("$ref " + r.substr(0, 200) + " does not resolve in the schema");
    }
    for (const auto& [k, v] : node.members()) {
      if (k == "enum" || k == "const" || k == "default" || k == "examples") continue;
      VSMCP_RETURN_IF_ERROR(checkRefs(root, v, depth + 1, count));
    }
  } else if (node.isArray()) {
    for (const auto& v : node.items()) VSMCP_RETURN_IF_ERROR(checkRefs(root, v, depth + 1, count));
  }
  return Status::Ok();
}

Status checkCommon(const Json& schema) {
  if (const Json* dialect = schema.find("$schema")) {
    const std::string& d = dialect->asString();
    const bool known = d.find("json-schema.org/draft/2020-12/schema") != std::string::npos ||
                       d.find("json-schema.org/draft-07/schema") != std::string::npos;
    if (!known)
      return Status::InvalidArgument("unsupported JSON Schema dialect " + d.substr(0, 200) +
                                     " (supported: 2020-12, the default, and draft-07)");
  }
  size_t count = 0;
  return checkRefs(schema, schema, 0, count);
}

}  // namespace

Status checkToolSchema(const Json& schema) {
  if (schema.isNull()) return Status::Ok();
  if (!schema.isObject()) return Status::InvalidArgument("a tool schema must be a JSON object");
  const Json* type = schema.find("type");
  if (!type || type->asString() != "object")
    return Status::InvalidArgument("a tool schema must have \"type\": \"object\"");
  if (const Json* props = schema.find("properties"); props && !props->isObject())
    return Status::InvalidArgument("\"properties\" of a tool schema must be an object");
  return checkCommon(schema);
}

Status checkOutputSchema(const Json& schema) {
  if (schema.isNull()) return Status::Ok();
  if (!schema.isObject() && !schema.isBool()) return Status::InvalidArgument("an output schema must be a JSON object");
  if (schema.isBool()) return Status::Ok();
  return checkCommon(schema);
}

Status validateToolArguments(const Json& schema, const Json& value, const std::string& root) {
  Validator v(schema);
  return v.validate(schema, value, root, 0, 0);
}

}  // namespace vsmcp::mcp
