#include "sessions.hpp"
#include "vsmcp/random.hpp"

#include <vector>

#include "policy/tokens.hpp"

namespace vsmcp::gateway {

namespace {

// "vsg_" + base64url of 32 random bytes (43 characters).
std::string newToken() { return LoginSessions::kTokenPrefix + base64url(randomBytes(32)); }

}  // namespace

LoginSessions::LoginSessions(vsphere::ConnectionOptions base, std::chrono::seconds ttl, size_t max_sessions,
                             Connector connect)
    : base_(std::move(base)), ttl_(ttl), max_sessions_(max_sessions), connect_(std::move(connect)) {
  base_.username.clear();
  base_.password.clear();
}

LoginSessions::~LoginSessions() = default;

std::string LoginSessions::digestOf(const std::string& token) const { return policy::sha256Hex(token); }

void LoginSessions::expireLocked(std::vector<std::shared_ptr<vsphere::Client>>& ended) {
  const auto now = std::chrono::system_clock::now();
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.expires <= now) {
      ended.push_back(std::move(it->second.client));
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

Result<std::pair<std::string, LoginSession>> LoginSessions::login(const std::string& username,
                                                                  const std::string& password) {
  if (username.empty() || password.empty())
    return Status::InvalidArgument("username and password are required");
  {
    std::vector<std::shared_ptr<vsphere::Client>> ended;
    std::lock_guard<std::mutex> lock(mu_);
    expireLocked(ended);
    if (sessions_.size() >= max_sessions_)
      return Status::Error(ErrorCode::kBusy, "too many open login sessions (" + std::to_string(max_sessions_) +
                                                 "); log out unused ones or try later");
  }
  vsphere::ConnectionOptions o = base_;
  o.username = username;
  o.password = password;
  auto client = connect_(o);
  if (!client.ok()) {
    if (client.status().code() == ErrorCode::kUnauthenticated || client.status().code() == ErrorCode::kPermissionDenied)
      return Status::Error(ErrorCode::kUnauthenticated, "vCenter refused the login of '" + username + "'");
    return client.status().withContext("cannot log in to vCenter as '" + username + "'");
  }
  LoginSession s;
  s.username = username;
  s.client = std::shared_ptr<vsphere::Client>(std::move(client).value());
  s.created = std::chrono::system_clock::now();
  s.expires = s.created + ttl_;
  std::string token = newToken();
  std::lock_guard<std::mutex> lock(mu_);
  sessions_[digestOf(token)] = s;
  return std::make_pair(token, s);
}

std::optional<LoginSession> LoginSessions::find(const std::string& token) {
  std::shared_ptr<vsphere::Client> ended;  // logged out after the lock is released
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(digestOf(token));
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires <= std::chrono::system_clock::now()) {
    ended = std::move(it->second.client);
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

Status LoginSessions::logout(const std::string& token) {
  std::shared_ptr<vsphere::Client> client;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sessions_.find(digestOf(token));
    if (it == sessions_.end()) return Status::NotFound("no login session for this token (expired or logged out)");
    client = std::move(it->second.client);
    sessions_.erase(it);
  }
  // Other requests of the same session may still hold the client; the last one logs out.
  if (client && client.use_count() == 1) return client->logout();
  return Status::Ok();
}

Result<std::pair<std::string, LoginSession>> LoginSessions::refresh(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(digestOf(token));
  if (it == sessions_.end() || it->second.expires <= std::chrono::system_clock::now())
    return Status::Error(ErrorCode::kUnauthenticated, "this login token has expired or was logged out");
  LoginSession s = it->second;
  sessions_.erase(it);
  s.expires = std::chrono::system_clock::now() + ttl_;
  std::string fresh = newToken();
  sessions_[digestOf(fresh)] = s;
  return std::make_pair(fresh, s);
}

size_t LoginSessions::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

}  // namespace vsmcp::gateway
