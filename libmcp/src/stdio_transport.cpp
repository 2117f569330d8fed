#include "mcp/stdio_transport.hpp"

#include <condition_variable>
#include <cstdio>
#include <mutex>

#include "vsmcp/log.hpp"

namespace vsmcp::mcp {
namespace {

// Writes one message per line to the output; flushed per message.
class StreamSink final : public MessageSink {
 public:
  explicit StreamSink(std::ostream& out) : out_(out) {}
  void send(const std::string& message) override {
    std::lock_guard<std::mutex> lock(mu_);
    out_ << message << '\n';
    out_.flush();
  }
  void requestDone() override {
    std::lock_guard<std::mutex> lock(mu_);
    ++done_;
    cv_.notify_all();
  }
  void accepted(size_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    accepted_ += n;
  }
  // Waits until at most `limit` accepted requests are unanswered (0 = all answered).
  void waitBelow(size_t limit) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return accepted_ - done_ <= limit; });
  }
  void drain() { waitBelow(0); }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t accepted_ = 0;  // guarded by mu_
  size_t done_ = 0;      // guarded by mu_
  std::ostream& out_;
};

}  // namespace

Status serveStdio(Server& server, std::istream& in, std::ostream& out, const StdioOptions& options) {
  // std::cin is tied to std::cout: every read would flush the output from this thread while
  // workers write it. Untie for the session (the sink flushes each message itself).
  std::ostream* tied = in.tie(nullptr);
  auto sink = std::make_shared<StreamSink>(out);
  auto session = server.createSession(sink);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (line.size() > options.max_message_bytes) {
      sink->send("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"Invalid Request: "
                 "message of " + std::to_string(line.size()) + " bytes exceeds the limit of " +
                 std::to_string(options.max_message_bytes) + "\"}}");
      continue;
    }
    // Backpressure: a client that pipes faster than the handlers run waits here, instead of
    // seeing requests refused.
    sink->waitBelow(options.max_in_flight > 0 ? options.max_in_flight - 1 : 0);
    auto accepted = session->receive(line, sink);  // errors were answered on the sink
    if (accepted.ok()) sink->accepted(*accepted);
  }
  // EOF: no more input. Answer what was asked (a client may pipe requests and close), then
  // close the session.
  sink->drain();
  server.removeSession(session->id());
  in.tie(tied);
  return Status::Ok();
}

}  // namespace vsmcp::mcp
