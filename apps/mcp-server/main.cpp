// mcp-server: the vSphere MCP server. Parses options (flags, environment, config file), builds
// the policy (roles, tokens, rate limits, audit), connects to vCenter or ESXi, turns the
// operation registry into MCP tools and serves them over stdio or streamable HTTP.
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>

#include <CLI/CLI.hpp>

#include "mcp/http_transport.hpp"
#include "mcp/stdio_transport.hpp"
#include "metrics.hpp"
#include "ops/invoker.hpp"
#include "memory.hpp"
#include "settings.hpp"
#include "tool_bridge.hpp"
#include "vsmcp/log.hpp"
#include "vsphere/client.hpp"

using namespace vsmcp;

namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "mcp-server: %s\n", message.c_str());
  return 2;
}

// The key that signs MCP 2026-07-28 requestState and task handles, shared by the replicas behind
// one load balancer: the file's bytes, less a final newline (`openssl rand -hex 32 > key`).
// Never logged.
Result<std::string> readStateKey(const std::string& path) {
  const std::string what = "MCP_STATE_KEY_FILE / --state-key-file '" + path + "'";
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument(what + ": cannot be read");
  std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  if (key.size() < 32)
    return Status::InvalidArgument(what + ": holds " + std::to_string(key.size()) +
                                   " bytes; a key needs at least 32 (e.g. openssl rand -hex 32)");
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
    log(LogLevel::kWarning, what + " can be read by other users; chmod 600 it");
  return key;
}

}  // namespace

int main(int argc, char** argv) {
  vsmcp::apps::limitAllocatorArenas();  // before any thread: see memory.hpp
  CLI::App app{"vSphere MCP server: vCenter and ESXi operations as MCP tools"};
  app.set_config("--config", "", "TOML or INI file with the same options (long names without --)");
  app.option_defaults()->always_capture_default();
  apps::Settings settings;
  std::string transport = "stdio";
  std::vector<std::string> allowed_origins;
  apps::ToolSelection selection;
  bool elicit_approval = true;
  std::string approval_mode = "confirm";
  unsigned drain_seconds = 10;
  bool live_inventory = true;
  std::string state_key_file;
  apps::addVcenterOptions(app, settings);
  app.add_option("--transport", transport, "stdio or http")
      ->envname("MCP_TRANSPORT")->check(CLI::IsMember({"stdio", "http"}))->group("Serving");
  apps::addHttpOptions(app, settings, "MCP_HOST", "MCP_PORT", 8000);
  app.add_option("--allowed-origins", allowed_origins, "Browser Origins allowed on HTTP (default: localhost only)")
      ->envname("MCP_ALLOWED_ORIGINS")->delimiter(',')->group("Serving");
  app.add_option("--drain-timeout", drain_seconds,
                 "Seconds calls in flight may take to finish and answer on SIGTERM/SIGINT, before they are cancelled")
      ->envname("MCP_DRAIN_TIMEOUT")->check(CLI::Range(0, 3600))->group("Serving");
  apps::addPolicyOptions(app, settings);
  app.add_flag("--read-only", selection.read_only, "Register only read tools")->envname("MCP_READ_ONLY")->group("Policy");
  app.add_option("--allow-tools", selection.allow, "Register only tools matching these globs (e.g. vm_* host_list)")
      ->envname("MCP_ALLOW_TOOLS")->delimiter(',')->group("Policy");
  app.add_option("--deny-tools", selection.deny, "Never register tools matching these globs")
      ->envname("MCP_DENY_TOOLS")->delimiter(',')->group("Policy");
  app.add_option("--approval", approval_mode,
                 "Destructive calls when the client cannot ask its user: confirm (the caller's confirm: true "
                 "suffices) or person (refused unless a person approves through elicitation)")
      ->envname("MCP_APPROVAL")->check(CLI::IsMember({"confirm", "person"}))->group("Policy");
  app.add_option("--live-inventory", live_inventory,
                 "Keep the inventory live from vCenter's change feed and answer lists and lookups from memory "
                 "(true/false)")
      ->envname("MCP_LIVE_INVENTORY")->group("vCenter");
  app.add_option("--state-key-file", state_key_file,
                 "File holding the key (at least 32 bytes) that signs MCP 2026-07-28 approval round trips and task "
                 "handles; give every replica behind one load balancer the same file (default: a random key per "
                 "process)")
      ->envname("MCP_STATE_KEY_FILE")->group("Serving");
  app.add_flag("!--no-elicitation", elicit_approval,
               "Never ask the user to approve destructive calls; without confirm: true they only dry-run")
      ->group("Policy");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is a success; any bad option is a usage error
  }
  if (Status s = apps::finishSettings(settings, transport == "http"); !s.ok()) return fail(s.message());
  if (transport == "stdio" && settings.audit_log == "-")
    return fail("MCP_AUDIT_LOG / --audit-log: '-' (stdout) cannot be used with the stdio transport, which speaks "
                "MCP on stdout");
  auto setup = apps::buildPolicy(settings);
  if (!setup.ok()) return fail(setup.status().message());
  mcp::ServerOptions server_options;
  if (!state_key_file.empty()) {
    auto key = readStateKey(state_key_file);
    if (!key.ok()) return fail(key.status().message());
    server_options.state_key = std::move(key).value();
  }

  apps::Metrics metrics;  // declared first: outlives the client and the tools that count into it
  policy::Policy policy(std::move(setup->config), setup->audit);
  settings.vcenter.on_call = [&metrics](std::string_view method, std::chrono::microseconds d, const Status& s) {
    metrics.recordVcenter(method, d, s.ok());
  };
  auto client = vsphere::Client::connect(settings.vcenter);
  if (!client.ok()) return fail("cannot connect to " + policy::hostOf(settings.vcenter.url) + ": " + client.status().toString());
  const auto& about = (*client)->about();
  log(LogLevel::kInfo, "connected to " + about.full_name + " (" + about.api_type + ")");

  mcp::Server server(mcp::Implementation{"vsmcp-mcp-server", "0.1.0", "vSphere (vsmcp)"}, server_options);
  ops::InvokerOptions invoker_options;
  invoker_options.approval = *ops::parseApprovalMode(approval_mode);  // checked by CLI11 above
  ops::Invoker invoker(ops::builtinRegistry(), policy, &metrics, invoker_options);
  apps::Bridge bridge;
  bridge.client = client->get();
  bridge.invoker = &invoker;
  bridge.transport = transport;
  bridge.elicit_approval = elicit_approval;
  auto registered = apps::registerTools(server, bridge, selection);
  if (!registered.ok()) return fail(registered.status().toString());
  log(LogLevel::kInfo, "registered " + std::to_string(*registered) + " tools");
  if (Status extras = apps::registerResourcesAndPrompts(server, bridge); !extras.ok()) return fail(extras.toString());
  if (live_inventory) {
    vsphere::LiveInventoryOptions live;
    live.on_change = [&server](const vsphere::InventoryChanges& changes) {
      apps::publishInventoryChanges(server, changes);
    };
    if (Status started = (*client)->startLiveInventory(live); !started.ok()) return fail(started.toString());
    vsphere::Client* c = client->get();
    server.setResourceSource([c] { return apps::inventoryResources(*c); });
  }

  const std::chrono::milliseconds drain_timeout = std::chrono::seconds(drain_seconds);
  if (transport == "stdio") {
    mcp::StdioOptions stdio;
    stdio.drain_timeout = drain_timeout;
    Status served = mcp::serveStdioUntilSignal(server, stdio);
    if (!served.ok()) return fail("cannot serve stdio: " + served.toString());
    return 0;
  }

  mcp::HttpServerOptions http;
  http.host = settings.http_host;
  http.port = settings.http_port;
  http.tls_cert_file = settings.tls_cert_file;
  http.tls_key_file = settings.tls_key_file;
  http.allowed_origins = allowed_origins;
  http.drain_timeout = drain_timeout;
  if (policy.authenticationRequired()) {
    http.authorize = [&policy](const mcp::HttpExtraRequest& req) -> std::optional<std::string> {
      auto credential = apps::bearerCredential(req.header("Authorization"), req.header("X-API-Key"));
      if (!credential) return std::nullopt;  // Authorization and X-API-Key disagree
      auto who = policy.authenticate(*credential, "http",
                                     req.remote_address);
      if (!who) return std::nullopt;
      return who->name;
    };
  }
  const std::time_t started = std::time(nullptr);
  http.extra_routes = [&metrics, &policy, started, &about, &client](const mcp::HttpExtraRequest& req,
                                                           mcp::HttpExtraResponse& res) {
    if (req.path == "/health") {
      res.content_type = "application/json";
      res.body = Json::object()
                     .set("status", "ok")
                     .set("version", "0.1.0")
                     .set("uptime_seconds", static_cast<std::int64_t>(std::time(nullptr) - started))
                     .set("vcenter", Json::object().set("host", policy.config().target).set("api", about.api_type))
                     .set("inventory", apps::liveInventoryJson(**client))
                     .dump();
      return true;
    }
    if (req.path == "/metrics") {
      res.content_type = "text/plain; version=0.0.4";
      res.body = metrics.prometheusText(&policy) + apps::liveInventoryMetrics(**client);
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
