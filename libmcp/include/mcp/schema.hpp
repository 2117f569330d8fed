// JSON Schema checks for MCP tools: argument validation is vsmcp::validateJson
// (vsmcp/json_schema.hpp); this adds the check that a schema is usable as a tool schema.
// Thread-safe (pure functions).
#pragma once

#include "vsmcp/json_schema.hpp"

namespace vsmcp::mcp {

using ::vsmcp::validateJson;

// InvalidArgument if `schema` is not usable as a tool input schema: it must be an object
// schema ("type": "object"); its $refs must be local ("#...", resolved in the schema itself:
// a network $ref is never fetched, so it is refused here); a "$schema" must name JSON Schema
// 2020-12 or draft-07 (the dialects accepted); and it may not be absurdly large.
Status checkToolSchema(const Json& schema);
// Like checkToolSchema for an output schema (any JSON Schema; "type" need not be object).
Status checkOutputSchema(const Json& schema);

// Validates tool arguments (or structured output) against a tool schema with the JSON Schema
// 2020-12 keywords tools use: what vsmcp::validateJson checks, plus local $ref/$defs
// (definitions, $anchor), if/then/else, not, dependentRequired, prefixItems, contains,
// minProperties/maxProperties, propertyNames. Unknown keywords are ignored. Bounded: refs
// nest at most 32 deep. `root` names the value in messages.
Status validateToolArguments(const Json& schema, const Json& value, const std::string& root = "");

}  // namespace vsmcp::mcp
