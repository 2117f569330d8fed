#include "mcp/schema.hpp"

namespace vsmcp::mcp {

Status checkToolSchema(const Json& schema) {
  if (schema.isNull()) return Status::Ok();
  if (!schema.isObject()) return Status::InvalidArgument("a tool schema must be a JSON object");
  const Json* type = schema.find("type");
  if (!type || type->asString() != "object")
    return Status::InvalidArgument("a tool schema must have \"type\": \"object\"");
  if (const Json* props = schema.find("properties"); props && !props->isObject())
    return Status::InvalidArgument("\"properties\" of a tool schema must be an object");
  return Status::Ok();
}

}  // namespace vsmcp::mcp
