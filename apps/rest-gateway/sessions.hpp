// LoginSessions: POST /auth/login with vCenter credentials opens a vCenter session for that
// person (a vsphere::Client of their own, so each acts with their own vCenter permissions)
// and hands out a gateway bearer token ("vsg_" + 43 characters). Tokens are kept as SHA-256
// digests; they expire after `ttl`; logout and expiry end the vCenter session.
// Thread safety: all methods are thread-safe. vCenter logins and logouts happen outside the
// lock.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "vsmcp/result.hpp"
#include "vsphere/client.hpp"

namespace vsmcp::gateway {

struct LoginSession {
  std::string username;  // as given to vCenter
  std::shared_ptr<vsphere::Client> client;
  std::chrono::system_clock::time_point created;
  std::chrono::system_clock::time_point expires;
};

class LoginSessions {
 public:
  using Connector =
      std::function<Result<std::unique_ptr<vsphere::Client>>(const vsphere::ConnectionOptions&)>;
  static constexpr const char* kTokenPrefix = "vsg_";

  // `base`: URL and TLS settings of the vCenter; username/password come with each login.
  LoginSessions(vsphere::ConnectionOptions base, std::chrono::seconds ttl, size_t max_sessions,
                Connector connect);
  ~LoginSessions();

  // Logs in to vCenter as `username`. kUnauthenticated when vCenter refuses (the message
  // names the user, never the password); kBusy when max_sessions are open.
  Result<std::pair<std::string, LoginSession>> login(const std::string& username, const std::string& password);
  // The session of a token, or nullopt (unknown or expired; an expired one is ended).
  std::optional<LoginSession> find(const std::string& token);
  // Ends the session and its vCenter session. NotFound for an unknown token.
  Status logout(const std::string& token);
  // A new token for the same vCenter session, with a fresh expiry; the old token stops working.
  Result<std::pair<std::string, LoginSession>> refresh(const std::string& token);
  size_t size() const;

 private:
  std::string digestOf(const std::string& token) const;
  void expireLocked(std::vector<std::shared_ptr<vsphere::Client>>& ended);

  vsphere::ConnectionOptions base_;
  std::chrono::seconds ttl_;
  size_t max_sessions_;
  Connector connect_;
  mutable std::mutex mu_;
  std::map<std::string, LoginSession> sessions_;  // by token digest; guarded by mu_
};

}  // namespace vsmcp::gateway
