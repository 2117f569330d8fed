// mcp-server: the vSphere MCP server. Parses options (flags, environment, config file), builds
// the policy (roles, tokens, rate limits, audit), connects to vCenter or ESXi, turns the
// operation registry into MCP tools and serves them over stdio or streamable HTTP.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "config.hpp"
#include "mcp/http_transport.hpp"
#include "mcp/stdio_transport.hpp"
#include "tool_bridge.hpp"
#include "vsmcp/log.hpp"
#include "vsphere/client.hpp"

using namespace vsmcp;

namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "mcp-server: %s\n", message.c_str());
  return 2;
}

// The credential of an HTTP request: "Authorization: Bearer <t>" or "X-API-Key: <t>".
std::string credentialOf(const mcp::HttpExtraRequest& req) {
  std::string key = req.header("X-API-Key");
  if (!key.empty()) return key;
  std::string auth = req.header("Authorization");
  if (auth.size() > 7 && (auth.compare(0, 7, "Bearer ") == 0 || auth.compare(0, 7, "bearer ") == 0))
    return auth.substr(7);
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vSphere MCP server: vCenter and ESXi operations as MCP tools"};
  apps::ServerConfig cfg;
  apps::ConfigFiles files;
  apps::addOptions(app, cfg, files);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is a success; any bad option is a usage error
  }
  if (Status s = apps::finishConfig(cfg, files); !s.ok()) return fail(s.message());
  auto setup = apps::buildPolicy(cfg);
  if (!setup.ok()) return fail(setup.status().message());

  apps::Metrics metrics;  // declared first: outlives the client and the tools that count into it
  policy::Policy policy(std::move(setup->config), setup->audit);
  cfg.vcenter.on_call = [&metrics](std::string_view method, std::chrono::microseconds d, const Status& s) {
    metrics.recordVcenter(method, d, s.ok());
  };
  auto client = vsphere::Client::connect(cfg.vcenter);
  if (!client.ok()) return fail("cannot connect to " + policy::hostOf(cfg.vcenter.url) + ": " + client.status().toString());
  const auto& about = (*client)->about();
  log(LogLevel::kInfo, "connected to " + about.full_name + " (" + about.api_type + ")");

  mcp::Server server(mcp::Implementation{"vsmcp-mcp-server", "0.1.0", "vSphere (vsmcp)"});
  apps::Bridge bridge;
  bridge.client = client->get();
  bridge.policy = &policy;
  bridge.metrics = &metrics;
  bridge.transport = cfg.transport;
  bridge.elicit_approval = cfg.elicit_approval;
  auto registered = apps::registerTools(server, bridge, cfg);
  if (!registered.ok()) return fail(registered.status().toString());
  log(LogLevel::kInfo, "registered " + std::to_string(*registered) + " tools");
  if (Status extras = apps::registerResourcesAndPrompts(server, bridge); !extras.ok()) return fail(extras.toString());

  if (cfg.transport == "stdio") return mcp::serveStdio(server, std::cin, std::cout).ok() ? 0 : 1;

  mcp::HttpServerOptions http;
  http.host = cfg.http_host;
  http.port = cfg.http_port;
  http.tls_cert_file = cfg.tls_cert_file;
  http.tls_key_file = cfg.tls_key_file;
  http.allowed_origins = cfg.allowed_origins;
  if (policy.authenticationRequired()) {
    http.authorize = [&policy](const mcp::HttpExtraRequest& req) -> std::optional<std::string> {
      auto who = policy.authenticate(credentialOf(req), "http", req.remote_address);
      if (!who) return std::nullopt;
      return who->name;
    };
  }
  const std::time_t started = std::time(nullptr);
  http.extra_routes = [&metrics, &policy, started, &about](const mcp::HttpExtraRequest& req,
                                                           mcp::HttpExtraResponse& res) {
    if (req.path == "/health") {
      res.content_type = "application/json";
      res.body = Json::object()
                     .set("status", "ok")
                     .set("version", "0.1.0")
                     .set("uptime_seconds", static_cast<std::int64_t>(std::time(nullptr) - started))
                     .set("vcenter", Json::object().set("host", policy.config().target).set("api", about.api_type))
                     .dump();
      return true;
    }
    if (req.path == "/metrics") {
      res.content_type = "text/plain; version=0.0.4";
      res.body = metrics.prometheusText(&policy);
      return true;
    }
    return false;
  };
  Status served = mcp::serveHttpUntilSignal(server, http, [](const std::string& url) {
    std::printf("MCP_URL=%s\n", url.c_str());
    std::fflush(stdout);
  });
  if (!served.ok()) return fail("cannot serve HTTP: " + served.toString());
  return 0;
}
