// JSON Schema validation (the subset tool and API schemas use): type (one or a list),
// required, properties, additionalProperties (bool or schema), enum, const, minimum, maximum,
// exclusiveMinimum, exclusiveMaximum, multipleOf, minLength, maxLength, pattern, format is
// ignored, items, minItems, maxItems, uniqueItems, anyOf, oneOf, allOf, nested objects.
// Errors name the field and the rule: "count: must be >= 1 (minimum)".
// Thread-safe (pure functions).
#pragma once

#include <string>

#include "vsmcp/json.hpp"
#include "vsmcp/status.hpp"

namespace vsmcp {

// InvalidArgument naming the first violation, or OK. `root` names the value in messages
// (e.g. "arguments").
Status validateJson(const Json& schema, const Json& value, const std::string& root = "");

}  // namespace vsmcp
