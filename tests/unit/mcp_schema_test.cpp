#include <catch2/catch.hpp>

#include "mcp/schema.hpp"

using vsmcp::Json;
using vsmcp::Status;
using vsmcp::mcp::validateJson;

namespace {
Json parse(const char* s) { return *Json::parse(s); }
std::string check(const char* schema, const char* value) {
  auto st = validateJson(parse(schema), parse(value), "");
  return st.ok() ? "ok" : st.message();
}
}  // namespace

TEST_CASE("schema errors name the field and the rule") {
  const char* schema = R"({"type":"object","required":["name"],"additionalProperties":false,
    "properties":{"name":{"type":"string","minLength":1,"maxLength":5,"pattern":"^[a-z]+$"},
                  "count":{"type":"integer","minimum":1,"maximum":10},
                  "mode":{"enum":["fast","safe"]},
                  "tags":{"type":"array","items":{"type":"string"},"maxItems":2},
                  "spec":{"type":"object","properties":{"cpus":{"type":"number","exclusiveMinimum":0}}}}})";
  CHECK(check(schema, R"({"name":"abc","count":3,"mode":"safe","tags":["x"],"spec":{"cpus":2}})") == "ok");
  CHECK(check(schema, R"({})") == "name: is required (required)");
  CHECK(check(schema, R"({"name":5})") == "name: must be string, got integer (type)");
  CHECK(check(schema, R"({"name":""})") == "name: must be at least 1 characters (minLength)");
  CHECK(check(schema, R"({"name":"abcdef"})") == "name: must be at most 5 characters (maxLength)");
  CHECK(check(schema, R"({"name":"AB"})") == "name: must match the pattern ^[a-z]+$ (pattern)");
  CHECK(check(schema, R"({"name":"a","count":0})") == "count: must be >= 1 (minimum)");
  CHECK(check(schema, R"({"name":"a","count":11})") == "count: must be <= 10 (maximum)");
  CHECK(check(schema, R"({"name":"a","count":2.5})") == "count: must be integer, got number (type)");
  CHECK(check(schema, R"({"name":"a","mode":"slow"})").find("mode: must be one of") == 0);
  CHECK(check(schema, R"({"name":"a","tags":["x",1]})") == "tags[1]: must be string, got integer (type)");
  CHECK(check(schema, R"({"name":"a","tags":["x","y","z"]})") == "tags: must have at most 2 items (maxItems)");
  CHECK(check(schema, R"({"name":"a","spec":{"cpus":0}})") == "spec.cpus: must be > 0 (exclusiveMinimum)");
  CHECK(check(schema, R"({"name":"a","extra":1})") == "extra: is not an allowed property (additionalProperties)");
}

TEST_CASE("integers written as whole doubles are integers, type lists and combinators work") {
  CHECK(check(R"({"type":"integer"})", "4.0") == "ok");
  CHECK(check(R"({"type":["string","null"]})", "null") == "ok");
  CHECK(check(R"({"type":["string","null"]})", "1") == "value: must be string or null, got integer (type)");
  CHECK(check(R"({"anyOf":[{"type":"string"},{"type":"integer"}]})", "true").find("anyOf") != std::string::npos);
  CHECK(check(R"({"oneOf":[{"type":"number"},{"type":"integer"}]})", "1").find("oneOf") != std::string::npos);
  CHECK(check(R"({"const":"x"})", R"("y")") == "value: must equal \"x\" (const)");
}

TEST_CASE("tool schemas must describe objects") {
  CHECK(vsmcp::mcp::checkToolSchema(parse(R"({"type":"object"})")).ok());
  CHECK_FALSE(vsmcp::mcp::checkToolSchema(parse(R"({"type":"string"})")).ok());
  CHECK_FALSE(vsmcp::mcp::checkToolSchema(parse(R"([1])")).ok());
}

TEST_CASE("tool schemas may use JSON Schema 2020-12: local $refs, anchors, conditionals") {
  const Json schema = parse(R"({"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
    "$defs":{"address":{"$anchor":"addr","type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},
    "properties":{"home":{"$ref":"#/$defs/address"},"work":{"$ref":"#addr"},
                  "contact":{"enum":["phone","email"]},"phone":{"type":"string"},"email":{"type":"string"},
                  "tags":{"type":"array","prefixItems":[{"type":"integer"}],"items":{"type":"string"},"contains":{"const":"x"}}},
    "allOf":[{"anyOf":[{"required":["phone"]},{"required":["email"]}]}],
    "if":{"properties":{"contact":{"const":"phone"}},"required":["contact"]},"then":{"required":["phone"]},
    "else":{"required":["email"]},"not":{"required":["forbidden"]},"dependentRequired":{"phone":["contact"]},
    "additionalProperties":false})");
  REQUIRE(vsmcp::mcp::checkToolSchema(schema).ok());
  using vsmcp::mcp::validateToolArguments;
  CHECK(validateToolArguments(schema, parse(R"({"email":"a@b","home":{"city":"Oslo"}})")).ok());
  Status ref = validateToolArguments(schema, parse(R"({"email":"a@b","home":{"city":3}})"));
  CHECK(ref.message() == "home.city: must be string, got integer (type)");
  CHECK(validateToolArguments(schema, parse(R"({"email":"a@b","work":{}})")).message() == "work.city: is required (required)");
  Status cond = validateToolArguments(schema, parse(R"({"contact":"phone","email":"a@b"})"));
  CHECK(cond.message().find("phone: is required") != std::string::npos);
  CHECK(cond.message().find("(then)") != std::string::npos);
  CHECK_FALSE(validateToolArguments(schema, parse(R"({"phone":"1"})")).ok());  // dependentRequired: contact
  CHECK(validateToolArguments(schema, parse(R"({"email":"e","tags":[1,"x"]})")).ok());
  CHECK_FALSE(validateToolArguments(schema, parse(R"({"email":"e","tags":["1","x"]})")).ok());  // prefixItems
  CHECK_FALSE(validateToolArguments(schema, parse(R"({"email":"e","tags":[1,"y"]})")).ok());    // contains
  CHECK_FALSE(validateToolArguments(schema, parse(R"({"email":"e","extra":1})")).ok());
}

TEST_CASE("tool schemas with network or dangling $refs or an unknown dialect are refused") {
  Status remote = vsmcp::mcp::checkToolSchema(parse(R"({"type":"object","properties":{"a":{"$ref":"https://example.com/s.json"}}})"));
  CHECK_FALSE(remote.ok());
  CHECK(remote.message().find("not local") != std::string::npos);
  CHECK_FALSE(vsmcp::mcp::checkToolSchema(parse(R"({"type":"object","properties":{"a":{"$ref":"#/$defs/missing"}}})")).ok());
  CHECK_FALSE(vsmcp::mcp::checkToolSchema(parse(R"({"$schema":"http://example.com/my-dialect","type":"object"})")).ok());
  CHECK(vsmcp::mcp::checkToolSchema(parse(R"({"$schema":"http://json-schema.org/draft-07/schema#","type":"object"})")).ok());
  // A $ref cycle fails validation cleanly instead of recursing forever.
  const Json loop = parse(R"({"type":"object","$defs":{"a":{"$ref":"#/$defs/a"}},"properties":{"x":{"$ref":"#/$defs/a"}}})");
  REQUIRE(vsmcp::mcp::checkToolSchema(loop).ok());
  CHECK_FALSE(vsmcp::mcp::validateToolArguments(loop, parse(R"({"x":1})")).ok());
}
