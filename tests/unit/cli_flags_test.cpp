// vsphere-cli: from an operation's input schema to flags, and from typed strings back to the
// operation's JSON arguments.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "schema_flags.hpp"
#include "ops/registry.hpp"

using vsmcp::ErrorCode;
using vsmcp::Json;
using namespace vsmcp::cli;

namespace {

Json parse(const char* text) {
  auto j = Json::parse(text);
  REQUIRE(j.ok());
  return *j;
}

const FlagSpec& flag(const std::vector<FlagSpec>& flags, const std::string& property) {
  for (const auto& f : flags)
    if (f.property == property) return f;
  FAIL("no flag for " << property);
  return flags.front();
}

bool has(const std::vector<FlagSpec>& flags, const std::string& property) {
  for (const auto& f : flags)
    if (f.property == property) return true;
  return false;
}

}  // namespace

TEST_CASE("schema properties become dashed flags with their types, choices, defaults and bounds") {
  const Json schema = parse(R"({"type":"object","properties":{
      "vm":{"type":"string","minLength":1,"description":"VM name"},
      "power_state":{"type":"string","enum":["poweredOn","poweredOff"]},
      "num_cpus":{"type":"integer","minimum":1,"maximum":768,"description":"Virtual CPUs"},
      "min_used_percent":{"type":"number","minimum":0,"maximum":100},
      "power_on":{"type":"boolean","default":false},
      "counters":{"type":"array","items":{"type":"string"}},
      "spec":{"type":"object"},
      "guest":{"type":"object","properties":{"host_name":{"type":"string"},"ip":{"type":"string"}}},
      "current":{"type":["string","null"]},
      "confirm":{"type":"boolean"}},
    "required":["vm"]})");
  const auto flags = flagsFromSchema(schema);
  CHECK_FALSE(has(flags, "confirm"));  // --yes stands for it
  REQUIRE(flags.size() == 9);
  CHECK(flagHelp(flag(flags, "guest")) == "A JSON object with: host_name, ip");
  CHECK(flags[0].name == "vm");
  CHECK(flags[0].required);
  CHECK(flags[0].position == 0);
  CHECK(flag(flags, "power_state").name == "power-state");
  CHECK(flag(flags, "power_state").choices == std::vector<std::string>{"poweredOn", "poweredOff"});
  CHECK(flag(flags, "power_state").position == -1);
  CHECK(flag(flags, "num_cpus").type == FlagType::kInteger);
  CHECK(*flag(flags, "num_cpus").minimum == 1);
  CHECK(*flag(flags, "num_cpus").maximum == 768);
  CHECK(flag(flags, "min_used_percent").type == FlagType::kNumber);
  CHECK(flag(flags, "power_on").type == FlagType::kBoolean);
  CHECK(flag(flags, "power_on").default_text == "false");
  CHECK(flag(flags, "counters").type == FlagType::kStringList);
  CHECK(flag(flags, "spec").type == FlagType::kJson);
  CHECK(flagHelp(flag(flags, "spec")) == "JSON text");
  CHECK(flag(flags, "current").type == FlagType::kString);
  const std::string help = flagHelp(flag(flags, "num_cpus"));
  CHECK(help == "Virtual CPUs. Range 1-768");
  CHECK(flagHelp(flag(flags, "power_state")) == "One of: poweredOn, poweredOff");
  CHECK(flagHelp(flag(flags, "power_on")) == "Default: false");
  CHECK(flagHelp(flag(flags, "vm")) == "VM name. Also the positional VM");
}

TEST_CASE("required strings are positional in the order the schema requires them") {
  const Json schema = parse(R"({"type":"object","properties":{
      "snapshot":{"type":"string"},"vm":{"type":"string"},"remove_children":{"type":"boolean"}},
    "required":["vm","snapshot"]})");
  const auto flags = flagsFromSchema(schema);
  CHECK(flag(flags, "vm").position == 0);
  CHECK(flag(flags, "snapshot").position == 1);
  CHECK(flag(flags, "remove_children").position == -1);
  CHECK(positionalName(flag(flags, "snapshot")) == "SNAPSHOT");
}

TEST_CASE("a list's optional name filter is positional when nothing is required") {
  const auto flags = flagsFromSchema(vsmcp::ops::findOperation("vm_list")->input_schema);
  CHECK(flag(flags, "name").position == 0);
  CHECK_FALSE(flag(flags, "name").required);
  CHECK(flag(flags, "power_state").choices.size() == 3);
  CHECK(flag(flags, "limit").maximum.has_value());
  const auto events = flagsFromSchema(vsmcp::ops::findOperation("events_list")->input_schema);
  for (const auto& f : events) CHECK(f.position == -1);
}

TEST_CASE("a snapshot follows its VM as an argument even where it may be left out") {
  // vm snapshot revert VM [SNAPSHOT]: omitted, the current snapshot.
  const auto revert = flagsFromSchema(vsmcp::ops::findOperation("vm_snapshot_revert")->input_schema);
  CHECK(flag(revert, "vm").position == 0);
  CHECK(flag(revert, "vm").required);
  CHECK(flag(revert, "snapshot").position == 1);
  CHECK_FALSE(flag(revert, "snapshot").required);
  CHECK(positionalName(flag(revert, "snapshot")) == "SNAPSHOT");
  // vm snapshot rm VM SNAPSHOT: required, in the same places.
  const auto rm = flagsFromSchema(vsmcp::ops::findOperation("vm_snapshot_delete")->input_schema);
  CHECK(flag(rm, "vm").position == 0);
  CHECK(flag(rm, "snapshot").position == 1);
  CHECK(flag(rm, "snapshot").required);
  CHECK(flag(rm, "remove_children").position == -1);
  // Any schema: an optional snapshot comes right after the required arguments.
  const Json schema = parse(R"({"type":"object","properties":{
      "snapshot":{"type":"string"},"vm":{"type":"string"},"memory":{"type":"boolean"}},
    "required":["vm"]})");
  const auto flags = flagsFromSchema(schema);
  CHECK(flag(flags, "vm").position == 0);
  CHECK(flag(flags, "snapshot").position == 1);
  CHECK(flag(flags, "memory").position == -1);
}

TEST_CASE("flag values convert to the schema's JSON types") {
  FlagSpec s;
  s.name = "num-cpus";
  s.type = FlagType::kInteger;
  CHECK(*flagValue(s, {"4"}) == Json(4));
  CHECK(*flagValue(s, {"-2"}) == Json(-2));
  for (const char* bad : {"4x", "", " 4", "1.5", "99999999999999999999"}) {
    auto r = flagValue(s, {bad});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == ErrorCode::kInvalidArgument);
    CHECK(r.status().message().rfind("--num-cpus: '", 0) == 0);
  }
  auto twice = flagValue(s, {"1", "2"});
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.status().message().find("given 2 times") != std::string::npos);

  s.type = FlagType::kNumber;
  CHECK(flagValue(s, {"80.5"})->asDouble() == 80.5);
  CHECK_FALSE(flagValue(s, {"nan"}).ok());
  CHECK_FALSE(flagValue(s, {"1e999"}).ok());

  s.type = FlagType::kBoolean;
  CHECK(*flagValue(s, {"yes"}) == Json(true));
  CHECK(*flagValue(s, {"FALSE"}) == Json(false));
  CHECK_FALSE(flagValue(s, {"maybe"}).ok());

  s.type = FlagType::kStringList;
  CHECK(*flagValue(s, {"a,b", "c"}) == Json::array({"a", "b", "c"}));
  CHECK(*flagValue(s, {",,"}) == Json::array());

  s.type = FlagType::kString;
  s.choices = {"poweredOn", "poweredOff"};
  CHECK(*flagValue(s, {"poweredOn"}) == Json("poweredOn"));
  auto wrong = flagValue(s, {"on"});
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.status().message() == "--num-cpus: 'on' is not one of: poweredOn, poweredOff");

  s.type = FlagType::kJson;
  CHECK(*flagValue(s, {R"({"a":[1]})"}) == parse(R"({"a":[1]})"));
  CHECK_FALSE(flagValue(s, {"{"}).ok());
}

TEST_CASE("every registry operation maps to flags without clashes") {
  for (const auto& op : vsmcp::ops::builtinOperations()) {
    INFO(op.name);
    const auto flags = flagsFromSchema(op.input_schema);
    const Json* props = op.input_schema.find("properties");
    REQUIRE(props);
    // confirm is --yes; a list's cursor is for paged surfaces (the CLI lists everything at once).
    size_t expected = props->size() - (props->find("confirm") ? 1 : 0) - (props->find("cursor") ? 1 : 0);
    CHECK(flags.size() == expected);
    std::vector<std::string> names;
    std::vector<int> positions;
    for (const auto& f : flags) {
      CHECK(std::find(names.begin(), names.end(), f.name) == names.end());
      names.push_back(f.name);
      CHECK(f.name.find('_') == std::string::npos);
      if (f.position >= 0) positions.push_back(f.position);
      // JSON text only where the schema has no simpler type (objects such as a request's inputs).
      if (f.type == FlagType::kJson) {
        const Json* p = props->find(f.property);
        CHECK((p->find("type") && p->find("type")->asString() == "object"));
      }
    }
    std::sort(positions.begin(), positions.end());
    for (size_t i = 0; i < positions.size(); ++i) CHECK(positions[i] == static_cast<int>(i));
  }
}
