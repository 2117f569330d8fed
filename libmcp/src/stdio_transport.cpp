#include "mcp/stdio_transport.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <iostream>
#include <mutex>
#include <streambuf>
#include <thread>

#include "stop_signal.hpp"
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
    if (output_closed_) return;
    out_ << message << '\n';
    out_.flush();
  }

  // Nothing more is written (serveStdio returns; a handler left running may still send).
  void closeOutput() {
    std::lock_guard<std::mutex> lock(out_mu_);
    output_closed_ = true;
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
      if (stopping_ && (backlog_.empty() || abandon_)) return;
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
    cv_.wait(lock, [&] { return idle(); });
  }
  // The same, up to `deadline`; false when it passed first.
  bool drainUntil(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_until(lock, deadline, [&] { return idle(); });
  }

  // Ends feed() once the backlog is fed, or at once with `abandon` (the backlog is dropped).
  void stop(bool abandon) {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    abandon_ = abandon;
    cv_.notify_all();
  }

 private:
  static constexpr size_t kMaxBacklogBytes = 64u << 20;

  bool idle() const { return backlog_.empty() && in_flight_ <= 0; }  // REQUIRES: mu_ held

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
  bool output_closed_ = false;  // guarded by out_mu_
  const std::int64_t max_in_flight_;
  std::shared_ptr<Session> session_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::int64_t in_flight_ = 0;       // guarded by mu_
  std::deque<std::string> backlog_;  // guarded by mu_
  size_t backlog_bytes_ = 0;         // guarded by mu_
  bool stopping_ = false;            // guarded by mu_
  bool abandon_ = false;             // guarded by mu_
};

// A file descriptor as a stream buffer for reading, which reports end of input as soon as
// `stop_fd` (if >= 0) becomes readable: what is buffered is still read, nothing more.
class FdInput final : public std::streambuf {
 public:
  FdInput(int fd, int stop_fd) : fd_(fd), stop_fd_(stop_fd) {}
  bool stopped() const { return stopped_; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    while (!stopped_ && !ended_) {
      pollfd p[2] = {{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
      if (::poll(p, stop_fd_ >= 0 ? 2 : 1, -1) < 0) {
        if (errno == EINTR) continue;
        ended_ = true;
        break;
      }
      if (stop_fd_ >= 0 && (p[1].revents & POLLIN)) {
        stopped_ = true;
        break;
      }
      if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))) continue;
      const ssize_t got = ::read(fd_, buf_, sizeof buf_);
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (got <= 0) {
        ended_ = true;
        break;
      }
      setg(buf_, buf_, buf_ + got);
      return traits_type::to_int_type(*gptr());
    }
    return traits_type::eof();
  }

 private:
  const int fd_;
  const int stop_fd_;
  bool stopped_ = false;
  bool ended_ = false;
  char buf_[65536];
};

bool readable(int fd) {
  if (fd < 0) return false;
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

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

namespace {

// serveStdio, and with `stop_fd` >= 0 (readable = stop) the graceful stop of serveStdioFd.
// `stopped` says whether reading ended because of `stop_fd` rather than EOF.
Status serve(Server& server, std::istream& in, std::ostream& out, const StdioOptions& options,
             int stop_fd, const std::function<bool()>& stopped) {
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
  // No answer can come from the client any more, so handlers waiting for one are released;
  // everything that was asked is still answered before returning. After EOF that waits for
  // every request; after a stop (which may also come while waiting) for drain_timeout, then
  // what still runs is cancelled and answered within cancel_grace.
  bool stopping = stopped();
  session->failClientRequests(stopping ? "the server is shutting down"
                                       : "the client closed its input");
  bool abandon = false;
  if (stop_fd < 0) {
    channel->drain();
  } else {
    using SteadyClock = std::chrono::steady_clock;
    auto deadline = SteadyClock::time_point::max();
    if (stopping) {
      deadline = SteadyClock::now() + options.drain_timeout;
      vsmcp::log(vsmcp::LogLevel::kInfo,
                 "MCP stdio: stopping: input is no longer read; requests in flight have " +
                     std::to_string(options.drain_timeout.count()) + " ms to finish");
    }
    // Without a stop yet, the wait is in slices to notice one.
    while (!channel->drainUntil(
        std::min(deadline, SteadyClock::now() + std::chrono::milliseconds(100)))) {
      if (!stopping && readable(stop_fd)) {
        stopping = true;
        deadline = SteadyClock::now() + options.drain_timeout;
        vsmcp::log(vsmcp::LogLevel::kInfo, "MCP stdio: stopping: requests in flight have " +
                                               std::to_string(options.drain_timeout.count()) +
                                               " ms to finish");
      }
      if (SteadyClock::now() < deadline) continue;
      const size_t cancelled = session->shutDown("the server is shutting down");
      vsmcp::log(vsmcp::LogLevel::kWarning, "MCP stdio: cancelled " + std::to_string(cancelled) +
                                                " requests still running after the drain time");
      if (!channel->drainUntil(SteadyClock::now() + options.cancel_grace)) {
        vsmcp::log(vsmcp::LogLevel::kWarning,
                   "MCP stdio: requests still unanswered " +
                       std::to_string(options.cancel_grace.count()) +
                       " ms after their cancellation; their answers are dropped");
        abandon = true;
      }
      break;
    }
  }
  channel->stop(abandon);
  feeder.join();
  server.removeSession(session->id());
  channel->closeOutput();
  in.tie(tied);
  return Status::Ok();
}

}  // namespace

Status serveStdio(Server& server, std::istream& in, std::ostream& out,
                  const StdioOptions& options) {
  return serve(server, in, out, options, -1, [] { return false; });
}

Status serveStdioFd(Server& server, int in_fd, std::ostream& out, int stop_fd,
                    const StdioOptions& options) {
  FdInput input(in_fd, stop_fd);
  std::istream in(&input);
  return serve(server, in, out, options, stop_fd, [&input] { return input.stopped(); });
}

Status serveStdioUntilSignal(Server& server, const StdioOptions& options) {
  auto stop = StopSignal::install();
  if (!stop.ok()) return stop.status();
  return serveStdioFd(server, STDIN_FILENO, std::cout, (*stop)->fd(), options);
}

}  // namespace vsmcp::mcp
