// mcp-server configuration: command-line options, the same settings from environment
// variables (the names the Python vSphere MCP servers use), and an optional TOML/INI config
// file (--config). Precedence: command line, then config file, then environment.
// Bad configuration fails at start with a message that names the setting.
#pragma once

#include <memory>

#include <CLI/CLI.hpp>

#include "policy/policy.hpp"
#include "tool_bridge.hpp"

namespace vsmcp::apps {

// Declares every option on `app`, bound to `config` (and to `password_file`, `api_key_file`).
struct ConfigFiles {
  std::string password_file;  // VCENTER_PASSWORD_FILE
  std::string api_key_file;   // MCP_API_KEY_FILE
  bool no_auth = false;       // accept serving a non-loopback address without authentication
};
void addOptions(CLI::App& app, ServerConfig& config, ConfigFiles& files);

// After parsing: reads the secret files and checks the settings against each other.
Status finishConfig(ServerConfig& config, const ConfigFiles& files);

// The policy the settings describe (roles, tokens, rate limits, audit target) and its audit
// sink (null when audit_log is "off").
struct PolicySetup {
  policy::PolicyConfig config;
  std::shared_ptr<policy::AuditSink> audit;
};
Result<PolicySetup> buildPolicy(const ServerConfig& config);

}  // namespace vsmcp::apps
