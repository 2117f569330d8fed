#include "mcp/stdio_transport.hpp"

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>

#include "vsmcp/log.hpp"

namespace vsmcp::mcp {
namespace {

// A cheap look at whether a line is a request (has "method" and "id"); errors count as
// requests so the session answers them.
bool looksLikeRequest(const std::string& line) {
  auto j = Json::parse(line);
  if (!j.ok() || !j->isObject()) return true;
  return j->find("method") && j->find("id");
}

// Writes one message per line to the output (flushed per message) and admits requests to the
// session: at most `max_in_flight` run at once, later ones wait in order in a backlog, while
// responses and notifications from the client always pass straight through, so a handler
// waiting for the client's answer can always get it.
class StdioChannel final : public MessageSink {
 public:
  StdioChannel(std::ostream& out, size_t max_in_flight)
      : out_(out), max_in_flight_(static_cast<std::int64_t>(std::max<size_t>(1, max_in_flight))) {}

  void send(const std::string& message) override {
    std::lock_guard<std::mutex> lock(out_mu_);
    out_ << message << '\n';
    out_.flush();
  }

  void requestDone() override {
    std::lock_guard<std::mutex> lock(mu_);
    --in_flight_;  // may briefly go below the count admit() adds; signed on purpose
    cv_.notify_all();
  }

  void attach(std::shared_ptr<Session> session) { session_ = std::move(session); }

  // Called by the reader for each line.
  void submit(std::string line) {
    std::unique_lock<std::mutex> lock(mu_);
    if (backlog_.empty() && in_flight_ < max_in_flight_) {
      lock.unlock();
      admit(line);
      return;
    }
    // At capacity: requests wait in order, everything else (the client's responses and
    // notifications) passes, so a handler waiting for the client can always be answered.
    lock.unlock();
    if (!looksLikeRequest(line)) {
      receive(line);
      return;
    }
    lock.lock();
    // Bounded memory: a client that floods requests without reading waits here.
    cv_.wait(lock, [&] { return backlog_bytes_ < kMaxBacklogBytes; });
    backlog_bytes_ += line.size();
    backlog_.push_back(std::move(line));
    cv_.notify_all();
  }

  // Feeds the backlog as capacity frees up; runs on its own thread until stop().
  void feed() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stopping_ || (!backlog_.empty() && in_flight_ < max_in_flight_); });
      if (backlog_.empty() && stopping_) return;
      if (backlog_.empty() || in_flight_ >= max_in_flight_) continue;
      std::string line = std::move(backlog_.front());
      backlog_.pop_front();
      backlog_bytes_ -= line.size();
      ++in_flight_;  // reserve the slot before releasing the lock
      cv_.notify_all();
      lock.unlock();
      const auto accepted = static_cast<std::int64_t>(receive(line));
      lock.lock();
      in_flight_ += accepted - 1;  // the reservation becomes the real count
      cv_.notify_all();
    }
  }

  // Waits until the backlog is empty and every admitted request was answered.
  void drain() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return backlog_.empty() && in_flight_ <= 0; });
  }

  void stop() {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }

 private:
  static constexpr size_t kMaxBacklogBytes = 64u << 20;

  // Passes a line to the session and counts the requests it accepted.
  void admit(const std::string& line) {
    const auto accepted = static_cast<std::int64_t>(receive(line));
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_ += accepted;
    cv_.notify_all();
  }

  size_t receive(const std::string& line) {
    auto accepted = session_->receive(line, shared_from_this_());
    return accepted.ok() ? *accepted : 0;
  }
  std::shared_ptr<MessageSink> shared_from_this_() { return self_.lock(); }

 public:
  std::weak_ptr<StdioChannel> self_;

 private:
  std::ostream& out_;
  std::mutex out_mu_;
  const std::int64_t max_in_flight_;
  std::shared_ptr<Session> session_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::int64_t in_flight_ = 0;       // guarded by mu_
  std::deque<std::string> backlog_;  // guarded by mu_
  size_t backlog_bytes_ = 0;         // guarded by mu_
  bool stopping_ = false;            // guarded by mu_
};

// Reads one line without buffering more than `max` bytes of it; a longer line is consumed up
// to its newline and reported as too long. False at end of input.
bool readLine(std::istream& in, std::string& line, size_t max, bool& too_long) {
  line.clear();
  too_long = false;
  char buf[65536];
  for (;;) {
    in.get(buf, sizeof buf, '\n');
    const auto got = static_cast<size_t>(in.gcount());
    if (!too_long) {
      if (line.size() + got > max) {
        too_long = true;
        line.clear();
      } else {
        line.append(buf, got);
      }
    }
    if (in.eof()) return got > 0 || !line.empty() || too_long;
    if (in.fail()) in.clear();  // an empty line sets failbit; the newline is still there
    int next = in.get();
    if (next == '\n' || next == EOF) return true;
    in.putback(static_cast<char>(next));
  }
}

}  // namespace

Status serveStdio(Server& server, std::istream& in, std::ostream& out, const StdioOptions& options) {
  // std::cin is tied to std::cout: every read would flush the output from this thread while
  // workers write it. Untie for the session (the channel flushes each message itself).
  std::ostream* tied = in.tie(nullptr);
  auto channel = std::make_shared<StdioChannel>(out, options.max_in_flight);
  channel->self_ = channel;
  auto session = server.createSession(channel, options.principal);
  channel->attach(session);
  std::thread feeder([&] { channel->feed(); });
  std::string line;
  bool too_long = false;
  while (readLine(in, line, options.max_message_bytes, too_long)) {
    if (too_long) {
      channel->send("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"Invalid Request: "
                    "message exceeds the limit of " + std::to_string(options.max_message_bytes) + " bytes\"}}");
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    channel->submit(std::move(line));
  }
  // EOF: no answer can come from the client any more, so handlers waiting for one are
  // released; everything that was asked is still answered before returning.
  session->failClientRequests("the client closed its input");
  channel->drain();
  channel->stop();
  feeder.join();
  server.removeSession(session->id());
  in.tie(tied);
  return Status::Ok();
}

}  // namespace vsmcp::mcp
