// rest-gateway: the vRA-style REST API over vCenter or ESXi. Parses options (flags,
// environment, config file: the same settings as mcp-server), builds the policy, connects the
// service account when one is configured, and serves the gateway over HTTP or HTTPS until
// SIGINT or SIGTERM.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "envelope.hpp"
#include "gateway.hpp"
#include "http/server.hpp"
#include "memory.hpp"
#include "settings.hpp"
#include "vsmcp/log.hpp"

using namespace vsmcp;

namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "rest-gateway: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  vsmcp::apps::limitAllocatorArenas();  // before any thread: see memory.hpp
  CLI::App app{"vSphere REST gateway: a vRA-style HTTP API with OpenAPI docs over vCenter and ESXi"};
  app.set_config("--config", "", "TOML or INI file with the same options (long names without --)");
  app.option_defaults()->always_capture_default();
  apps::Settings settings;
  gateway::GatewayOptions options;
  bool no_login = false;
  bool live_inventory = true;
  int session_ttl = 3600;
  apps::addVcenterOptions(app, settings);
  apps::addHttpOptions(app, settings, "REST_HOST", "REST_PORT", 8080);
  apps::addPolicyOptions(app, settings);
  app.add_flag("--no-login", no_login, "Refuse POST /auth/login: API keys and tokens only")->group("Policy");
  app.add_option("--login-role", options.login_role,
                 "Policy role of users who log in (vCenter still applies their own permissions)")
      ->envname("REST_LOGIN_ROLE")->group("Policy");
  app.add_option("--session-ttl", session_ttl, "Seconds a login token lives")
      ->envname("REST_SESSION_TTL")->check(CLI::Range(60, 7 * 24 * 3600))->group("Policy");
  app.add_option("--live-inventory", live_inventory,
                 "Keep the service account's inventory live from vCenter's change feed and answer its lists and "
                 "lookups from memory (true/false); logged-in users always read vCenter with their own permissions")
      ->envname("REST_LIVE_INVENTORY")->group("vCenter");
  app.add_option("--ui-assets", options.ui_assets_dir,
                 "node_modules folder with swagger-ui-dist and redoc for /docs and /redoc (else a CDN)")
      ->envname("REST_UI_ASSETS")->group("Serving");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (Status s = apps::finishSettings(settings, true, /*require_account=*/false); !s.ok()) return fail(s.message());
  if (settings.vcenter.username.empty() && no_login)
    return fail("neither a service account (VCENTER_USER) nor logins (--no-login): nobody could reach vCenter");
  auto setup = apps::buildPolicy(settings);
  if (!setup.ok()) return fail(setup.status().message());
  {
    bool known = false;
    for (const auto& r : setup->config.roles) known = known || r.name == options.login_role;
    if (!known) return fail("REST_LOGIN_ROLE / --login-role: unknown role '" + options.login_role + "'");
  }

  apps::Metrics metrics;
  policy::Policy policy(std::move(setup->config), setup->audit);
  settings.vcenter.on_call = [&metrics](std::string_view method, std::chrono::microseconds d, const Status& s) {
    metrics.recordVcenter(method, d, s.ok());
  };
  std::unique_ptr<vsphere::Client> service;
  if (!settings.vcenter.username.empty()) {
    auto client = vsphere::Client::connect(settings.vcenter);
    if (!client.ok())
      return fail("cannot connect to " + policy::hostOf(settings.vcenter.url) + ": " + client.status().toString());
    service = std::move(client).value();
    log(LogLevel::kInfo, "connected to " + service->about().full_name + " as the service account");
    if (live_inventory) {
      if (Status started = service->startLiveInventory(); !started.ok()) return fail(started.toString());
    }
  } else {
    log(LogLevel::kInfo, "no service account: every caller logs in with POST /auth/login");
  }
  options.vcenter = settings.vcenter;
  options.logins = !no_login;
  options.session_ttl = std::chrono::seconds(session_ttl);
  gateway::Gateway gw(options, service.get(), policy, metrics,
                      [](const vsphere::ConnectionOptions& o) { return vsphere::Client::connect(o); });

  http::ServerOptions http_options;
  http_options.host = settings.http_host;
  http_options.port = settings.http_port;
  http_options.tls_cert_file = settings.tls_cert_file;
  http_options.tls_key_file = settings.tls_key_file;
  http_options.server_header = "vsmcp-rest-gateway";
  http_options.error_body = [](int status, const std::string& message) {
    return gateway::errorEnvelope(status, message);
  };
  http::Server server(
      http_options, [&gw](const http::Request& r) { return gw.handle(r); },
      [&gw](const http::Request& r) { return gw.handleInline(r); });
  Status served = http::serveUntilSignal(server, [](const std::string& url) {
    std::printf("REST_URL=%s\n", url.c_str());
    std::fflush(stdout);
  });
  if (!served.ok()) return fail("cannot serve HTTP: " + served.toString());
  return 0;
}
