// The gateway's OpenAPI 3.1 document, generated from the route table and the operation
// registry's schemas: one path item per route, query parameters from the input schema (GET,
// DELETE), request bodies from it (POST, PATCH), responses in the envelope with the output
// schema as `data`, every error status with the error envelope, and the security schemes.
#pragma once

#include <string>

#include "vsmcp/json.hpp"

namespace vsmcp::gateway {

Json openApiDocument(const std::string& version);

}  // namespace vsmcp::gateway
