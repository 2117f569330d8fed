// mcp-server: the vSphere MCP server. Parses options (flags, environment, config file),
// connects to vCenter or ESXi, turns the operation registry into MCP tools and serves them
// over stdio or streamable HTTP.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "mcp/http_transport.hpp"
#include "mcp/stdio_transport.hpp"
#include "tool_bridge.hpp"
#include "vsmcp/log.hpp"
#include "vsphere/client.hpp"

using namespace vsmcp;

namespace {

std::string envOr(const char* name, const std::string& fallback = "") {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

bool truthy(const std::string& v) { return v == "1" || v == "true" || v == "yes" || v == "on"; }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vSphere MCP server: vCenter and ESXi operations as MCP tools"};
  app.set_config("--config", "", "TOML or INI file with the same options");
  apps::ServerConfig cfg;
  std::string password_file;
  cfg.vcenter.url = envOr("VCENTER_HOST");
  cfg.vcenter.username = envOr("VCENTER_USER");
  cfg.vcenter.password = envOr("VCENTER_PASSWORD");
  password_file = envOr("VCENTER_PASSWORD_FILE");
  cfg.vcenter.insecure = truthy(envOr("VCENTER_INSECURE"));
  cfg.vcenter.ca_bundle = envOr("VCENTER_CA_BUNDLE");
  cfg.vcenter.thumbprint = envOr("VCENTER_THUMBPRINT");
  cfg.transport = envOr("MCP_TRANSPORT", "stdio");
  cfg.http_host = envOr("MCP_HOST", "127.0.0.1");
  std::string port_text = envOr("MCP_PORT", "8000");
  std::string api_key = envOr("MCP_API_KEY");
  std::string api_key_file;
  app.add_option("--vcenter-host", cfg.vcenter.url, "vCenter or ESXi URL or host name [VCENTER_HOST]");
  app.add_option("--vcenter-user", cfg.vcenter.username, "User name [VCENTER_USER]");
  app.add_option("--vcenter-password-file", password_file,
                 "File holding the password [VCENTER_PASSWORD_FILE]; or set VCENTER_PASSWORD");
  app.add_flag("--insecure", cfg.vcenter.insecure, "Skip TLS verification (unsafe) [VCENTER_INSECURE]");
  app.add_option("--ca-bundle", cfg.vcenter.ca_bundle, "PEM file of trusted CAs [VCENTER_CA_BUNDLE]");
  app.add_option("--thumbprint", cfg.vcenter.thumbprint, "SHA-256 certificate pin [VCENTER_THUMBPRINT]");
  app.add_option("--transport", cfg.transport, "stdio or http [MCP_TRANSPORT]")->check(CLI::IsMember({"stdio", "http"}));
  app.add_option("--host", cfg.http_host, "HTTP bind address [MCP_HOST]");
  app.add_option("--port", port_text, "HTTP port, 0 = any free one [MCP_PORT]");
  app.add_option("--api-key-file", api_key_file,
                 "File holding the key HTTP clients must send (Authorization: Bearer or X-API-Key); "
                 "or set MCP_API_KEY");
  app.add_flag("--read-only", cfg.read_only, "Register only read tools");
  app.add_option("--allow-tools", cfg.allow, "Only tools matching these globs (e.g. vm_* host_list)");
  app.add_option("--deny-tools", cfg.deny, "Never register tools matching these globs");
  CLI11_PARSE(app, argc, argv);

  auto fail = [](const std::string& message) {
    std::fprintf(stderr, "mcp-server: %s\n", message.c_str());
    return 2;
  };
  if (cfg.vcenter.url.empty()) return fail("no vCenter given: set VCENTER_HOST or --vcenter-host");
  if (cfg.vcenter.username.empty()) return fail("no user given: set VCENTER_USER or --vcenter-user");
  if (!password_file.empty()) {
    std::ifstream in(password_file);
    if (!in) return fail("cannot read the password file given by VCENTER_PASSWORD_FILE / --vcenter-password-file");
    std::getline(in, cfg.vcenter.password);
  }
  if (cfg.vcenter.password.empty()) return fail("no password given: set VCENTER_PASSWORD or VCENTER_PASSWORD_FILE");
  {
    char* end = nullptr;
    long port = std::strtol(port_text.c_str(), &end, 10);
    if (port_text.empty() || *end != '\0' || port < 0 || port > 65535)
      return fail("MCP_PORT / --port must be a number from 0 to 65535, got '" + port_text + "'");
    cfg.http_port = static_cast<unsigned short>(port);
  }

  auto client = vsphere::Client::connect(cfg.vcenter);
  if (!client.ok()) return fail("cannot connect: " + client.status().toString());
  const auto& about = (*client)->about();
  log(LogLevel::kInfo, "connected to " + about.full_name + " (" + about.api_type + ")");

  apps::Metrics metrics;  // declared before the server: outlives the tools that count into it
  mcp::Server server(mcp::Implementation{"vsmcp-mcp-server", "0.1.0", "vSphere (vsmcp)"});
  auto registered = apps::registerTools(server, **client, cfg, &metrics);
  if (!registered.ok()) return fail(registered.status().toString());
  log(LogLevel::kInfo, "registered " + std::to_string(*registered) + " tools");
  Status extras = apps::registerResourcesAndPrompts(server, **client);
  if (!extras.ok()) return fail(extras.toString());

  if (cfg.transport == "stdio") return mcp::serveStdio(server, std::cin, std::cout).ok() ? 0 : 1;

  if (!api_key_file.empty()) {
    std::ifstream in(api_key_file);
    if (!in || !std::getline(in, api_key)) return fail("cannot read the API key file given by --api-key-file");
  }
  mcp::HttpServerOptions http_options;
  http_options.host = cfg.http_host;
  http_options.port = cfg.http_port;
  if (!api_key.empty()) {
    http_options.authorize = [api_key](const mcp::HttpExtraRequest& req) {
      std::string given = req.header("X-API-Key");
      std::string auth = req.header("Authorization");
      if (given.empty() && auth.rfind("Bearer ", 0) == 0) given = auth.substr(7);
      return apps::constantTimeEquals(given, api_key);
    };
  } else if (cfg.http_host != "127.0.0.1" && cfg.http_host != "localhost" && cfg.http_host != "::1") {
    log(LogLevel::kWarning, "serving HTTP on " + cfg.http_host +
                                " without MCP_API_KEY: anyone who can reach it can run the tools");
  }
  http_options.extra_routes = [&metrics](const mcp::HttpExtraRequest& req, mcp::HttpExtraResponse& res) {
    if (req.path == "/health") {
      res.content_type = "application/json";
      res.body = R"({"status":"ok"})";
      return true;
    }
    if (req.path == "/metrics") {
      res.content_type = "text/plain; version=0.0.4";
      res.body = metrics.prometheusText();
      return true;
    }
    return false;
  };
  Status served = mcp::serveHttpUntilSignal(server, http_options, [](const std::string& url) {
    std::printf("MCP_URL=%s\n", url.c_str());
    std::fflush(stdout);
  });
  if (!served.ok()) return fail("cannot serve HTTP: " + served.toString());
  return 0;
}
