#include "docs_pages.hpp"

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

namespace vsmcp::gateway {

namespace {

bool safeName(const std::string& name) {
  if (name.empty() || name.size() > 100 || name[0] == '.') return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) return false;
  return true;
}

std::string contentType(const std::string& name) {
  auto ends = [&](const char* ext) {
    std::string e(ext);
    return name.size() >= e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".js")) return "application/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".png")) return "image/png";
  if (ends(".map") || ends(".json")) return "application/json";
  if (ends(".html")) return "text/html; charset=utf-8";
  return "application/octet-stream";
}

// Files read once; a missing one is remembered as missing.
std::optional<std::string> cachedFile(const std::string& path) {
  static std::mutex mu;
  static std::map<std::string, std::optional<std::string>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(path);
  if (it != cache.end()) return it->second;
  std::ifstream in(path, std::ios::binary);
  std::optional<std::string> content;
  if (in) {
    std::ostringstream s;
    s << in.rdbuf();
    content = s.str();
  }
  cache[path] = content;
  return content;
}

http::Response page(const std::string& html) {
  http::Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = html;
  return r;
}

}  // namespace

std::optional<http::Response> docsRoute(const http::Request& req, const std::string& dir) {
  const std::string swagger_dir = dir.empty() ? "" : dir + "/swagger-ui-dist/";
  const std::string redoc_dir = dir.empty() ? "" : dir + "/redoc/bundles/";
  const bool local_swagger = !dir.empty() && cachedFile(swagger_dir + "swagger-ui-bundle.js").has_value();
  const bool local_redoc = !dir.empty() && cachedFile(redoc_dir + "redoc.standalone.js").has_value();
  if (req.path == "/docs" || req.path == "/docs/") {
    std::string base = local_swagger ? "/docs/assets"
                                     : std::string("https://cdn.jsdelivr.net/npm/swagger-ui-dist@") + kSwaggerUiVersion;
    return page("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                "<title>vsmcp REST gateway: API docs</title>"
                "<link rel=\"stylesheet\" href=\"" + base + "/swagger-ui.css\"></head>"
                "<body><div id=\"swagger-ui\"></div>"
                "<script src=\"" + base + "/swagger-ui-bundle.js\"></script>"
                "<script>window.ui = SwaggerUIBundle({url: '/openapi.json', dom_id: '#swagger-ui', "
                "deepLinking: true, persistAuthorization: true});</script></body></html>\n");
  }
  if (req.path == "/redoc" || req.path == "/redoc/") {
    std::string base = local_redoc ? "/redoc/assets"
                                   : std::string("https://cdn.jsdelivr.net/npm/redoc@") + kRedocVersion + "/bundles";
    return page("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                "<title>vsmcp REST gateway: API reference</title></head>"
                "<body><redoc spec-url=\"/openapi.json\"></redoc>"
                "<script src=\"" + base + "/redoc.standalone.js\"></script></body></html>\n");
  }
  for (const auto& [prefix, folder] : {std::pair<std::string, std::string>{"/docs/assets/", swagger_dir},
                                       {"/redoc/assets/", redoc_dir}}) {
    if (req.path.rfind(prefix, 0) != 0) continue;
    const std::string name = req.path.substr(prefix.size());
    if (folder.empty() || !safeName(name)) return std::nullopt;
    auto content = cachedFile(folder + name);
    if (!content) return std::nullopt;
    http::Response r;
    r.content_type = contentType(name);
    r.headers.emplace_back("Cache-Control", "public, max-age=86400");
    r.body = *content;
    return r;
  }
  return std::nullopt;
}

}  // namespace vsmcp::gateway
