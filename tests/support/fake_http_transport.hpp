// FakeHttpTransport: records every request and answers from a script keyed by SOAP method.
// Tests queue replies per method ("RetrievePropertiesEx" -> [reply1, reply2]); the last reply
// of a queue repeats. A request that is not SOAP (vAPI REST) is keyed by its HTTP method and
// target, e.g. "GET /rest/com/vmware/cis/tagging/category". A method with no script gets a
// transport error, so a test fails loudly when the client sends something unexpected.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "vsphere/http_transport.hpp"

namespace vsmcp::testing {

struct RecordedRequest {
  std::string method;  // SOAP method, e.g. "Login"; or "GET /rest/..." for a REST request
  vsphere::HttpRequest request;
  std::string header(const std::string& name) const;
};

class FakeHttpTransport final : public vsphere::HttpTransport {
 public:
  // Queues a reply for `method`. Body may be a fixture's text.
  void reply(const std::string& method, int status, std::string body,
             std::vector<std::pair<std::string, std::string>> headers = {});
  void replyFixture(const std::string& method, const std::string& fixture, int status = 200,
                    std::vector<std::pair<std::string, std::string>> headers = {});
  void fail(const std::string& method, Status error);
  // Like replyFixture, but only for requests of `method` whose body contains `needle`.
  // Checked before the plain script; lets concurrent calls get their own replies.
  void replyFixtureWhen(const std::string& method, const std::string& needle,
                        const std::string& fixture, int status = 200);
  // Makes every request of `method` take at least `d` before its reply (to measure durations).
  void delay(const std::string& method, std::chrono::milliseconds d);

  // Makes sendStreaming hand a 200 body to its sink in pieces of `bytes` (0: in one piece).
  void streamPieces(size_t bytes);

  Result<vsphere::HttpResponse> send(const vsphere::HttpRequest& request) override;
  // As send, then a 200 body goes to the sink (in pieces, see streamPieces).
  Result<vsphere::HttpResponse> sendStreaming(const vsphere::HttpRequest& request,
                                              const vsphere::BodySink& sink) override;
  // How many replies went to a sink.
  int streamed() const;

  std::vector<RecordedRequest> requests() const;
  std::vector<RecordedRequest> requestsFor(const std::string& method) const;
  int count(const std::string& method) const;
  // Blocks until `n` requests of `method` were seen or the timeout passes; returns whether they were.
  bool waitFor(const std::string& method, int n, std::chrono::milliseconds timeout);

  // Extracts the SOAP method name from an envelope.
  static std::string soapMethod(const std::string& body);
  // The script key of a request: its SOAP method, else "<HTTP method> <target>".
  static std::string key(const vsphere::HttpRequest& request);

 private:
  struct Reply {
    bool is_error = false;
    Status error;
    vsphere::HttpResponse response;
  };
  mutable std::mutex mu_;
  std::condition_variable seen_;
  std::map<std::string, std::deque<Reply>> script_;
  struct Conditional {
    std::string method, needle;
    std::deque<Reply> replies;
  };
  std::vector<Conditional> conditional_;
  std::map<std::string, std::chrono::milliseconds> delays_;
  std::vector<RecordedRequest> log_;
  size_t piece_bytes_ = 0;  // guarded by mu_
  int streamed_ = 0;        // guarded by mu_
};

// Forwards to a shared fake, so a test can inspect it after the Client that owned the
// transport is gone.
class SharedTransport final : public vsphere::HttpTransport {
 public:
  explicit SharedTransport(std::shared_ptr<FakeHttpTransport> fake) : fake_(std::move(fake)) {}
  Result<vsphere::HttpResponse> send(const vsphere::HttpRequest& request) override {
    return fake_->send(request);
  }
  Result<vsphere::HttpResponse> sendStreaming(const vsphere::HttpRequest& request,
                                              const vsphere::BodySink& sink) override {
    return fake_->sendStreaming(request, sink);
  }

 private:
  std::shared_ptr<FakeHttpTransport> fake_;
};

// Reads tests/fixtures/<name>.
std::string fixture(const std::string& name);

// A FakeHttpTransport preloaded with ServiceContent and a successful Login, as vcsim answers.
std::unique_ptr<FakeHttpTransport> makeLoggedInFake();

}  // namespace vsmcp::testing
