// The gateway's OpenAPI 3.1 document, generated from the route table and the operation
// registry's schemas: one operation per route (the /docs and /redoc pages included), query
// parameters from the input schema (GET, DELETE), request bodies from it (POST, PATCH),
// responses in the envelope with the output schema (or the native route's own schema) as
// `data`, every error status with the error envelope, refusals by the HTTP layer itself (4XX,
// its own `{error: {status, message}}` body), tag descriptions and the security schemes.
// tests/node/rest_gateway_openapi.mjs lints it and validates real replies against it.
// Thread safety: a pure function of the route table and the registry.
#pragma once

#include <string>

#include "vsmcp/json.hpp"

namespace vsmcp::gateway {

Json openApiDocument(const std::string& version);

}  // namespace vsmcp::gateway
