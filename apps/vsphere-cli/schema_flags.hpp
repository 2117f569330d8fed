// From an operation's input JSON Schema to command-line flags, and back from the strings a
// person typed to the JSON arguments the operation takes. This is what makes every registry
// operation a command with no code of its own.
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "vsmcp/json.hpp"
#include "vsmcp/result.hpp"

namespace vsmcp::cli {

enum class FlagType {
  kString,
  kInteger,
  kNumber,
  kBoolean,     // a flag without a value (--power-on); --power-on=false is accepted
  kStringList,  // repeatable, comma-separated (--counters a,b --counters c)
  kJson,        // any other schema type: the value is JSON text
};

struct FlagSpec {
  std::string property;  // member of the arguments, e.g. "power_state"
  std::string name;      // the flag without its dashes, e.g. "power-state"
  FlagType type = FlagType::kString;
  bool required = false;
  int position = -1;  // also accepted as the n-th positional argument; -1 = flag only
  std::vector<std::string> choices;  // the schema's enum (strings), in order
  std::string description;
  std::string default_text;  // the schema's "default", as text; "" = none
  std::optional<double> minimum, maximum;
  std::vector<std::string> members;  // kJson objects: the schema's property names
};

// The flags of an input schema, in the schema's property order. Every property becomes
// --name-with-dashes with its type, enum, description, default and bounds; required ones are
// required. Required string properties are also positional arguments in the order of the
// schema's "required" list (vm info web-01, vm snapshot rm web-01 before-upgrade); when
// nothing is required, an optional "name" filter is positional (vm ls 'web-*'). The "confirm"
// member of destructive operations is no flag: --yes stands for it.
std::vector<FlagSpec> flagsFromSchema(const Json& input_schema);

// The JSON value of the strings given for a flag ("4" -> 4, "yes" -> true, "a,b" -> ["a","b"]).
// kInvalidArgument naming the flag when a string does not fit its type or choices.
Result<Json> flagValue(const FlagSpec& flag, const std::vector<std::string>& given);

// Help text of a flag: its description, then choices, default and range when there are.
std::string flagHelp(const FlagSpec& flag);
// How the value shows in help: "TEXT", "INT", "NUMBER", "LIST", "JSON"; "" for booleans.
std::string typeLabel(FlagType type);
// The name of a positional argument in usage lines: "VM", "RESOURCE_POOL".
std::string positionalName(const FlagSpec& flag);
// "power_state" -> "power-state"
std::string flagName(const std::string& property);

}  // namespace vsmcp::cli
