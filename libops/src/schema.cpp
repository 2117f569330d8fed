#include "ops/schema.hpp"

namespace vsmcp::ops {

namespace {

Json typed(const char* type, std::string description) {
  Json j = Json::object().set("type", type);
  if (!description.empty()) j.set("description", std::move(description));
  return j;
}

}  // namespace

Schema Schema::string(std::string description) { return Schema(typed("string", std::move(description))); }
Schema Schema::integer(std::string description) { return Schema(typed("integer", std::move(description))); }
Schema Schema::number(std::string description) { return Schema(typed("number", std::move(description))); }
Schema Schema::boolean(std::string description) { return Schema(typed("boolean", std::move(description))); }
Schema Schema::array(Schema items, std::string description) {
  Json j = typed("array", std::move(description));
  j.set("items", items.json());
  return Schema(std::move(j));
}
Schema Schema::object(std::string description) {
  Json j = typed("object", std::move(description));
  j.set("properties", Json::object()).set("additionalProperties", false);
  return Schema(std::move(j));
}
Schema Schema::result(std::string description) {
  Json j = typed("object", std::move(description));
  j.set("properties", Json::object());
  return Schema(std::move(j));
}
Schema Schema::nullableString(std::string description) {
  Json j = Json::object().set("type", Json::array({Json("string"), Json("null")}));
  j.set("description", std::move(description));
  return Schema(std::move(j));
}

Schema& Schema::minLength(std::int64_t n) { j_.set("minLength", n); return *this; }
Schema& Schema::maxLength(std::int64_t n) { j_.set("maxLength", n); return *this; }
Schema& Schema::pattern(std::string regex) { j_.set("pattern", std::move(regex)); return *this; }
Schema& Schema::minimum(double n) {
  j_.set("minimum", n == static_cast<double>(static_cast<std::int64_t>(n)) ? Json(static_cast<std::int64_t>(n)) : Json(n));
  return *this;
}
Schema& Schema::maximum(double n) {
  j_.set("maximum", n == static_cast<double>(static_cast<std::int64_t>(n)) ? Json(static_cast<std::int64_t>(n)) : Json(n));
  return *this;
}
Schema& Schema::multipleOf(double n) {
  j_.set("multipleOf", n == static_cast<double>(static_cast<std::int64_t>(n)) ? Json(static_cast<std::int64_t>(n)) : Json(n));
  return *this;
}
Schema& Schema::maxItems(std::int64_t n) { j_.set("maxItems", n); return *this; }
Schema& Schema::oneOf(std::initializer_list<const char*> values) {
  Json e = Json::array();
  for (const char* v : values) e.push(v);
  j_.set("enum", std::move(e));
  return *this;
}
Schema& Schema::oneOf(const std::vector<std::string>& values) {
  Json e = Json::array();
  for (const auto& v : values) e.push(v);
  j_.set("enum", std::move(e));
  return *this;
}
Schema& Schema::unit(const std::string& unit) {
  const Json* d = j_.find("description");
  j_.set("description", (d ? d->asString() + " " : std::string()) + "(unit: " + unit + ")");
  return *this;
}

Schema& Schema::prop(const std::string& name, Schema schema, bool required) {
  j_.find("properties")->set(name, schema.json());
  if (required) {
    if (!j_.find("required")) j_.set("required", Json::array());
    j_.find("required")->push(name);
  }
  return *this;
}

Schema& Schema::props(const Json& other) {
  if (const Json* p = other.find("properties"))
    for (const auto& [k, v] : p->members()) j_.find("properties")->set(k, v);
  if (const Json* r = other.find("required"))
    for (const auto& name : r->items()) {
      if (!j_.find("required")) j_.set("required", Json::array());
      j_.find("required")->push(name);
    }
  return *this;
}

Schema& Schema::open() {
  j_.set("additionalProperties", true);
  return *this;
}

}  // namespace vsmcp::ops
