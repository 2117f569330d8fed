// Minimal URL parsing for server endpoints: scheme://host[:port][/path]. Internal.
#pragma once

#include <string>
#include <string_view>

#include "vsmcp/result.hpp"

namespace vsmcp::vsphere {

struct Url {
  std::string scheme;  // "https" or "http"
  std::string host;    // without brackets for IPv6
  std::string port;    // always set ("443" default for https)
  std::string path;    // "/sdk" if none given
  bool tls() const { return scheme == "https"; }
  std::string hostPort() const;  // "host:port", IPv6 in brackets
};

// Accepts "https://h", "https://h:8443/sdk", "h" (https and /sdk assumed). Rejects user info
// (credentials never belong in a URL we may log), unknown schemes and bad ports.
Result<Url> parseUrl(std::string_view text);

}  // namespace vsmcp::vsphere
