// /docs (Swagger UI) and /redoc (ReDoc) pages for the gateway's OpenAPI document, and their
// script and style assets. The assets come from `assets_dir` (a node_modules folder holding
// swagger-ui-dist and redoc, installed by scripts/install-ui.sh); when they are not there the
// pages load the same pinned versions from the jsDelivr CDN instead.
// Thread-safe; files are read once and kept in memory.
#pragma once

#include <optional>
#include <string>

#include "http/server.hpp"

namespace vsmcp::gateway {

// The versions the pages expect (and scripts/install-ui.sh installs).
constexpr const char* kSwaggerUiVersion = "5.17.14";
constexpr const char* kRedocVersion = "2.1.5";

// Answers GET /docs, /redoc, /docs/assets/<file> and /redoc/assets/<file>; nullopt otherwise.
std::optional<http::Response> docsRoute(const http::Request& request, const std::string& assets_dir);

}  // namespace vsmcp::gateway
