// WorkerPool: a fixed set of threads running jobs from a bounded queue, for http::Server's
// blocking handlers.
//
// trySubmit refuses a job (returns false) when every worker is busy and `max_queued` jobs
// already wait, or once shutdown() began. shutdown() takes the jobs still waiting and calls
// their `refuse` instead of `run`, lets the running ones finish and joins every thread.
// Thread safety: all methods are thread-safe. REQUIRES: shutdown() is not called from a job.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace vsmcp::http {

class WorkerPool {
 public:
  struct Job {
    std::function<void()> run;     // on a worker
    std::function<void()> refuse;  // instead of run, when the pool shuts down first
  };

  WorkerPool(unsigned threads, size_t max_queued);
  ~WorkerPool();  // shutdown()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  [[nodiscard]] bool trySubmit(Job job);
  void shutdown();

 private:
  void work();

  const unsigned threads_count_;
  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;  // guarded by mu_
  size_t busy_ = 0;        // workers running a job; guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::mutex join_mu_;     // serialises shutdown()
  std::vector<std::thread> threads_;
};

}  // namespace vsmcp::http
