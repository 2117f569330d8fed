// A small typed builder for the JSON Schemas of operations, so a schema is code the compiler
// checks rather than concatenated text, and every property carries its description:
//
//   Schema::object()
//       .prop("vm", Schema::string("VM name, inventory path (/DC/vm/x), id (vm-42) or BIOS UUID")
//                       .minLength(1), kRequired)
//       .prop("memory_mb", Schema::integer("Memory in MB (multiple of 4)").minimum(4).multipleOf(4))
//       .json();
//
// Objects are closed (additionalProperties false) unless open() is called. The Registry checks
// every schema when it is built (registry.hpp) and refuses an undescribed property or an unknown
// keyword, so a malformed declaration fails at start-up, not at the first call.
// Thread safety: a Schema is a value; build it on one thread.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "vsmcp/json.hpp"

namespace vsmcp::ops {

inline constexpr bool kRequired = true;

class Schema {
 public:
  static Schema string(std::string description);
  static Schema integer(std::string description);
  static Schema number(std::string description);
  static Schema boolean(std::string description);
  static Schema array(Schema items, std::string description);
  static Schema object(std::string description = "");  // closed: for inputs
  // An object a result returns: open (more members may come in later versions), every declared
  // member described.
  static Schema result(std::string description = "");
  // A string or null (an id that may be absent).
  static Schema nullableString(std::string description);

  Schema& minLength(std::int64_t n);
  Schema& maxLength(std::int64_t n);
  Schema& pattern(std::string regex);
  Schema& minimum(double n);
  Schema& maximum(double n);
  Schema& multipleOf(double n);
  Schema& maxItems(std::int64_t n);
  Schema& oneOf(std::initializer_list<const char*> values);  // enum
  Schema& oneOf(const std::vector<std::string>& values);
  Schema& unit(const std::string& unit);  // appended to the description: " (unit: MB)"

  // Objects.
  Schema& prop(const std::string& name, Schema schema, bool required = false);
  Schema& props(const Json& properties_of_another_object);  // copies members (shared item forms)
  Schema& open();  // any members (free-form, e.g. catalog inputs checked against another schema)

  Json json() const { return j_; }
  operator Json() const { return j_; }  // NOLINT: schemas are passed where Json is wanted

 private:
  explicit Schema(Json j) : j_(std::move(j)) {}
  Json j_;
};

}  // namespace vsmcp::ops
