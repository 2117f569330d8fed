// Json: a small JSON value (null, bool, integer, double, string, array, object) used across
// the project's public APIs, so no third-party JSON type crosses a library edge. Parsing and
// serialisation use RapidJSON internally, with limits for untrusted input.
//
// Objects keep insertion order. Value semantics; not thread-safe to mutate, safe to read from
// several threads.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "vsmcp/result.hpp"

namespace vsmcp {

class Json {
 public:
  enum class Type { kNull, kBool, kInt, kDouble, kString, kArray, kObject };
  using Array = std::vector<Json>;
  using Object = std::vector<std::pair<std::string, Json>>;

  Json() = default;
  Json(std::nullptr_t) {}
  Json(bool v) : v_(v) {}
  Json(int v) : v_(static_cast<std::int64_t>(v)) {}
  Json(std::int64_t v) : v_(v) {}
  Json(std::uint32_t v) : v_(static_cast<std::int64_t>(v)) {}
  Json(std::uint64_t v)  // clamps values above INT64_MAX
      : v_(static_cast<std::int64_t>(v > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : v)) {}
  Json(double v) : v_(v) {}
  Json(const char* v) : v_(std::string(v)) {}
  Json(std::string v) : v_(std::move(v)) {}
  Json(std::string_view v) : v_(std::string(v)) {}
  Json(Array v) : v_(std::move(v)) {}
  Json(Object v) : v_(std::move(v)) {}

  static Json array(std::initializer_list<Json> items = {}) { return Json(Array(items)); }
  static Json object() { return Json(Object{}); }

  Type type() const { return static_cast<Type>(v_.index()); }
  bool isNull() const { return type() == Type::kNull; }
  bool isBool() const { return type() == Type::kBool; }
  bool isInt() const { return type() == Type::kInt; }
  bool isNumber() const { return type() == Type::kInt || type() == Type::kDouble; }
  bool isString() const { return type() == Type::kString; }
  bool isArray() const { return type() == Type::kArray; }
  bool isObject() const { return type() == Type::kObject; }

  // Checked accessors: a wrong type yields the fallback, never undefined behaviour.
  bool asBool(bool fallback = false) const;
  std::int64_t asInt(std::int64_t fallback = 0) const;  // doubles with no fraction convert
  double asDouble(double fallback = 0) const;
  const std::string& asString() const;  // "" if not a string
  const Array& items() const;           // empty if not an array
  const Object& members() const;        // empty if not an object

  // Object access. find() returns nullptr when absent or when this is not an object.
  const Json* find(std::string_view key) const;
  Json* find(std::string_view key);
  // Sets (replacing) a member; turns a null into an object first. Returns *this for chaining.
  Json& set(std::string_view key, Json value);
  bool erase(std::string_view key);
  // Appends a member without looking for an existing one (the caller guarantees uniqueness).
  void appendMember(std::string key, Json value);
  // Appends to an array; turns a null into an array first.
  Json& push(Json value);
  size_t size() const;  // members or items; 0 otherwise

  bool operator==(const Json& o) const { return v_ == o.v_; }
  bool operator!=(const Json& o) const { return !(*this == o); }

  std::string dump() const;  // compact JSON text

  struct ParseLimits {
    size_t max_bytes = 16u << 20;  // larger input is refused
    int max_depth = 64;            // deeper nesting is refused
  };
  // Parses untrusted text. Errors say where and why ("invalid JSON at offset 12: ...").
  static Result<Json> parse(std::string_view text, const ParseLimits& limits);
  static Result<Json> parse(std::string_view text) { return parse(text, ParseLimits{}); }

  static std::string_view typeName(Type t);  // "null", "boolean", "integer", ...

 private:
  std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, Array, Object> v_ = nullptr;
};

}  // namespace vsmcp
