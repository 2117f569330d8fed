#include "rest_session.hpp"

#include "vsmcp/log.hpp"

namespace vsmcp::vsphere {

namespace {

using Clock = std::chrono::steady_clock;

// The token of a Set-Cookie: vmware-api-session-id=...; older servers send it only there.
std::string tokenFromCookie(const HttpResponse& response) {
  const std::string prefix = std::string(vapi::kSessionHeader) + "=";
  for (const auto& line : response.headers_named("Set-Cookie")) {
    std::string pair = line.substr(0, line.find(';'));
    while (!pair.empty() && pair.front() == ' ') pair.erase(0, 1);
    if (pair.rfind(prefix, 0) == 0) return pair.substr(prefix.size());
  }
  return "";
}

// The status with every copy of `secret` in its message replaced: a server that echoes the
// request's headers must not put the session token into our messages and logs.
Status withoutSecret(Status status, const std::string& secret) {
  if (status.ok() || secret.empty() || status.message().find(secret) == std::string::npos)
    return status;
  constexpr std::string_view kMask = "(session token)";
  std::string message = status.message();
  for (auto pos = message.find(secret); pos != std::string::npos;
       pos = message.find(secret, pos + kMask.size()))
    message.replace(pos, secret.size(), kMask);
  return Status::Error(status.code(), std::move(message), status.details());
}

}  // namespace

std::string restBasePath(std::string_view soap_path) {
  constexpr std::string_view kSdk = "/sdk";
  while (soap_path.size() > 1 && soap_path.back() == '/') soap_path.remove_suffix(1);
  if (soap_path.size() >= kSdk.size() && soap_path.substr(soap_path.size() - kSdk.size()) == kSdk)
    return std::string(soap_path.substr(0, soap_path.size() - kSdk.size())) + "/rest";
  return "/rest";
}

RestSession::RestSession(Config config, std::unique_ptr<HttpTransport> transport)
    : config_(std::move(config)), transport_(std::move(transport)) {}

RestSession::~RestSession() {
  Status st = logout();
  if (!st.ok()) log(LogLevel::kDebug, "REST logout on close failed: " + st.toString());
}

HttpRequest RestSession::httpRequest(const Request& request, const std::string& token) const {
  HttpRequest req;
  req.method = request.method;
  req.target = request.absolute_path ? request.path : config_.base_path + request.path;
  if (!request.query.empty()) req.target += "?" + request.query;
  req.idempotent = request.idempotent;
  req.headers.emplace_back("Accept", "application/json");
  if (request.raw_body) {
    req.headers.emplace_back("Content-Type", request.raw_content_type);
    req.body = *request.raw_body;
  } else if (request.body) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = request.body->dump();
  }
  if (!token.empty()) req.headers.emplace_back(std::string(vapi::kSessionHeader), token);
  return req;
}

void RestSession::report(std::string_view op, Clock::time_point started,
                         const Status& outcome) const {
  const auto elapsed = Clock::now() - started;
  if (shouldLog(LogLevel::kDebug)) {
    using ms = std::chrono::duration<double, std::milli>;
    log(LogLevel::kDebug, "rest " + std::string(op) + ": " + std::to_string(ms(elapsed).count()) +
                              " ms" + (outcome.ok() ? "" : "; " + outcome.toString()));
  }
  if (config_.on_call)
    config_.on_call("rest:" + std::string(op),
                    std::chrono::duration_cast<std::chrono::microseconds>(elapsed), outcome);
}

Status RestSession::login(std::uint64_t seen_generation) {
  std::lock_guard<std::mutex> serial(login_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (generation_ != seen_generation && !token_.empty()) return Status::Ok();
  }
  const std::string who = "REST login to " + config_.host_port + " as '" + config_.username + "'";
  if (config_.username.empty())
    return Status::InvalidArgument("a user name is required to log in to " + config_.host_port);
  HttpRequest req;
  req.method = "POST";
  req.target = config_.base_path + std::string(vapi::kSessionPath);
  req.headers = {
      {"Accept", "application/json"},
      {"Authorization", "Basic " + vapi::base64(config_.username + ":" + config_.password)},
      {std::string(vapi::kHeaderAuthn), "true"}};
  const auto started = Clock::now();
  auto resp = transport_->send(req);
  Result<std::string> token = [&]() -> Result<std::string> {
    if (!resp.ok()) return resp.status().withContext(who + " failed");
    const int status = resp->status;
    const ErrorDetails details{"", status, ""};
    if (status == 401)
      return Status::Error(ErrorCode::kUnauthenticated,
                           who + " was refused (HTTP 401): wrong user name or password", details);
    if (status == 403)
      return Status::Error(ErrorCode::kPermissionDenied,
                           who + " was refused (HTTP 403): the user may not use the REST API",
                           details);
    if (status == 404)
      return Status::Error(ErrorCode::kUnsupported,
                           config_.host_port + " has no vAPI REST endpoint (" + req.target +
                               " answered HTTP 404); tags and content libraries need a vCenter "
                               "Server",
                           details);
    if (status >= 300) return vapi::errorFromReply(status, resp->body, {who, "", "", ""});
    VSMCP_ASSIGN_OR_RETURN(Json value, vapi::valueOfReply(status, resp->body, who));
    if (value.isNull()) {
      std::string cookie = tokenFromCookie(*resp);
      if (!cookie.empty()) return cookie;
    }
    auto id = vapi::decodeId(value, who);
    if (!id.ok()) return Status::Protocol(who + " succeeded but returned no session token");
    return id;
  }();
  report("cis.session.create", started, token.ok() ? Status::Ok() : token.status());
  if (!token.ok()) return token.status();
  std::lock_guard<std::mutex> lock(mu_);
  token_ = std::move(token).value();
  ++generation_;
  return Status::Ok();
}

Status RestSession::logout() {
  std::string token;
  {
    std::lock_guard<std::mutex> lock(mu_);
    token = std::move(token_);
    token_.clear();
    ++generation_;
  }
  if (token.empty()) return Status::Ok();
  Request r;
  r.method = "DELETE";
  r.path = std::string(vapi::kSessionPath);
  const auto started = Clock::now();
  auto resp = transport_->send(httpRequest(r, token));
  Status outcome;
  if (!resp.ok())
    outcome = resp.status().withContext("REST logout from " + config_.host_port);
  else if (resp->status >= 300 && resp->status != 401)  // 401: the session had expired anyway
    outcome = vapi::errorFromReply(resp->status, resp->body,
                                   {"REST logout from " + config_.host_port, "", "", ""});
  report("cis.session.delete", started, outcome);
  return outcome;
}

Result<Json> RestSession::call(const Request& request) {
  for (int attempt = 0;; ++attempt) {
    std::string token;
    std::uint64_t generation;
    {
      std::lock_guard<std::mutex> lock(mu_);
      token = token_;
      generation = generation_;
    }
    if (token.empty()) {
      VSMCP_RETURN_IF_ERROR(login(generation));
      std::lock_guard<std::mutex> lock(mu_);
      token = token_;
      generation = generation_;
    }
    const auto started = Clock::now();
    auto resp = transport_->send(httpRequest(request, token));
    Result<Json> value = [&]() -> Result<Json> {
      if (!resp.ok()) return resp.status().withContext(request.error.what + " failed");
      if (resp->status >= 300) return vapi::errorFromReply(resp->status, resp->body, request.error);
      if (request.raw_body) return Json();
      return vapi::valueOfReply(resp->status, resp->body, request.error.what);
    }();
    if (!value.ok()) value = withoutSecret(value.status(), token);
    report(request.op, started, value.ok() ? Status::Ok() : value.status());
    if (value.ok() || attempt > 0 || !resp.ok() || resp->status != 401) return value;
    // The session expired or was closed on the server: log in again once, unless another
    // thread already did since this call started.
    log(LogLevel::kInfo, "REST session expired; logging in again to " + config_.host_port);
    VSMCP_RETURN_IF_ERROR(login(generation));
  }
}

}  // namespace vsmcp::vsphere
