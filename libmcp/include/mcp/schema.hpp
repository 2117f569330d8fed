// JSON Schema checks for MCP tools: argument validation is vsmcp::validateJson
// (vsmcp/json_schema.hpp); this adds the check that a schema is usable as a tool schema.
// Thread-safe (pure functions).
#pragma once

#include "vsmcp/json_schema.hpp"

namespace vsmcp::mcp {

using ::vsmcp::validateJson;

// InvalidArgument if `schema` is not usable as a tool input schema (must be an object schema).
Status checkToolSchema(const Json& schema);

}  // namespace vsmcp::mcp
