#include "url.hpp"

#include <cctype>

namespace vsmcp::vsphere {

std::string Url::hostPort() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + port;
  return host + ":" + port;
}

Result<Url> parseUrl(std::string_view text) {
  Url url;
  std::string_view rest = text;
  // The URL is never echoed: it may carry a password the user pasted by mistake.
  auto bad = [&](const std::string& why) { return Status::InvalidArgument("invalid server URL: " + why); };
  if (rest.empty()) return bad("empty");
  if (rest.find('@') != std::string_view::npos)
    return Status::InvalidArgument(
        "invalid server URL: credentials in the URL are not accepted; pass user and password "
        "separately");
  auto scheme_end = rest.find("://");
  if (scheme_end != std::string_view::npos) {
    url.scheme = std::string(rest.substr(0, scheme_end));
    for (auto& c : url.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    rest.remove_prefix(scheme_end + 3);
    if (url.scheme != "https" && url.scheme != "http") return bad("scheme must be https or http");
  } else {
    url.scheme = "https";
  }
  auto path_start = rest.find('/');
  std::string_view authority = rest.substr(0, path_start);
  url.path = path_start == std::string_view::npos ? "/sdk" : std::string(rest.substr(path_start));
  if (url.path == "/") url.path = "/sdk";
  if (authority.empty()) return bad("no host");
  std::string_view port;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 address");
    url.host = std::string(authority.substr(1, close - 1));
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("garbage after IPv6 address");
      port = after.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      authority = authority.substr(0, colon);
    }
    url.host = std::string(authority);
  }
  if (url.host.empty()) return bad("no host");
  for (char c : url.host) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '/' || c == '?' || c == '#')
      return bad("invalid character in host");
  }
  if (!port.empty()) {
    if (port.size() > 5) return bad("port out of range");
    long value = 0;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return bad("port is not a number");
      value = value * 10 + (c - '0');
    }
    if (value < 1 || value > 65535) return bad("port out of range");
    url.port = std::string(port);
  } else {
    url.port = url.tls() ? "443" : "80";
  }
  return url;
}

}  // namespace vsmcp::vsphere
