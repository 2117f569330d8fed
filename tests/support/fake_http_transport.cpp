#include "fake_http_transport.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace vsmcp::testing {

std::string RecordedRequest::header(const std::string& name) const {
  for (const auto& [k, v] : request.headers)
    if (k == name) return v;
  return "";
}

void FakeHttpTransport::reply(const std::string& method, int status, std::string body,
                              std::vector<std::pair<std::string, std::string>> headers) {
  Reply r;
  r.response.status = status;
  r.response.body = std::move(body);
  r.response.headers = std::move(headers);
  std::lock_guard<std::mutex> lock(mu_);
  script_[method].push_back(std::move(r));
}

void FakeHttpTransport::replyFixture(const std::string& method, const std::string& name,
                                     int status,
                                     std::vector<std::pair<std::string, std::string>> headers) {
  reply(method, status, fixture(name), std::move(headers));
}

void FakeHttpTransport::fail(const std::string& method, Status error) {
  Reply r;
  r.is_error = true;
  r.error = std::move(error);
  std::lock_guard<std::mutex> lock(mu_);
  script_[method].push_back(std::move(r));
}

void FakeHttpTransport::replyFixtureWhen(const std::string& method, const std::string& needle,
                                         const std::string& name, int status) {
  Reply r;
  r.response.status = status;
  r.response.body = fixture(name);
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& c : conditional_) {
    if (c.method == method && c.needle == needle) {
      c.replies.push_back(std::move(r));
      return;
    }
  }
  conditional_.push_back({method, needle, {std::move(r)}});
}

std::string FakeHttpTransport::soapMethod(const std::string& body) {
  auto pos = body.find("<soapenv:Body>");
  if (pos == std::string::npos) return "";
  pos += 14;
  if (pos >= body.size() || body[pos] != '<') return "";
  auto end = body.find_first_of(" >", pos);
  return body.substr(pos + 1, end - pos - 1);
}

std::string FakeHttpTransport::key(const vsphere::HttpRequest& request) {
  std::string method = soapMethod(request.body);
  if (method.empty()) method = request.method + " " + request.target;
  return method;
}

void FakeHttpTransport::delay(const std::string& method, std::chrono::milliseconds d) {
  std::lock_guard<std::mutex> lock(mu_);
  delays_[method] = d;
}

Result<vsphere::HttpResponse> FakeHttpTransport::send(const vsphere::HttpRequest& request) {
  std::string method = key(request);
  std::chrono::milliseconds wait{0};
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = delays_.find(method);
    if (it != delays_.end()) wait = it->second;
  }
  if (wait.count() > 0) std::this_thread::sleep_for(wait);  // a slow server, not synchronisation
  std::lock_guard<std::mutex> lock(mu_);
  log_.push_back({method, request});
  seen_.notify_all();
  for (auto& c : conditional_) {
    if (c.method != method || request.body.find(c.needle) == std::string::npos) continue;
    Reply r = c.replies.front();
    if (c.replies.size() > 1) c.replies.pop_front();
    if (r.is_error) return r.error;
    return r.response;
  }
  auto it = script_.find(method);
  if (it == script_.end() || it->second.empty())
    return Status::Unavailable("fake transport: no scripted reply for " + method);
  Reply r = it->second.front();
  if (it->second.size() > 1) it->second.pop_front();
  if (r.is_error) return r.error;
  return r.response;
}

void FakeHttpTransport::streamPieces(size_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  piece_bytes_ = bytes;
}

Result<vsphere::HttpResponse> FakeHttpTransport::sendStreaming(const vsphere::HttpRequest& request,
                                                               const vsphere::BodySink& sink) {
  auto response = send(request);
  if (!response.ok() || response->status != 200) return response;
  size_t piece = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    piece = piece_bytes_;
    ++streamed_;
  }
  const std::string body = std::move(response->body);
  response->body.clear();
  const std::string_view all(body);
  if (piece == 0) piece = std::max<size_t>(1, all.size());
  for (size_t at = 0; at < all.size(); at += piece) {
    Status st = sink(all.substr(at, piece));
    if (!st.ok()) return st;
  }
  return response;
}

int FakeHttpTransport::streamed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return streamed_;
}

std::vector<RecordedRequest> FakeHttpTransport::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

std::vector<RecordedRequest> FakeHttpTransport::requestsFor(const std::string& method) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<RecordedRequest> out;
  for (const auto& r : log_)
    if (r.method == method) out.push_back(r);
  return out;
}

int FakeHttpTransport::count(const std::string& method) const {
  return static_cast<int>(requestsFor(method).size());
}

bool FakeHttpTransport::waitFor(const std::string& method, int n, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return seen_.wait_for(lock, timeout, [&] {
    int c = 0;
    for (const auto& r : log_) c += r.method == method;
    return c >= n;
  });
}

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(VSMCP_FIXTURES_DIR) + "/" + name, std::ios::binary);
  if (!in) throw std::runtime_error("missing test fixture " + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::unique_ptr<FakeHttpTransport> makeLoggedInFake() {
  auto fake = std::make_unique<FakeHttpTransport>();
  fake->replyFixture("RetrieveServiceContent", "service_content_vpx.xml");
  fake->replyFixture("Login", "login_ok.xml", 200,
                     {{"Set-Cookie", "vmware_soap_session=\"cookie-1\"; Path=/; HttpOnly; Secure"}});
  fake->replyFixture("Logout", "logout_ok.xml");
  return fake;
}

}  // namespace vsmcp::testing
