#include "worker_pool.hpp"

#include <exception>
#include <string>
#include <utility>

#include "vsmcp/log.hpp"

namespace vsmcp::http {

WorkerPool::WorkerPool(unsigned threads, size_t max_queued)
    : threads_count_(threads == 0 ? 1 : threads), max_queued_(max_queued) {
  threads_.reserve(threads_count_);
  for (unsigned i = 0; i < threads_count_; ++i) threads_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() { shutdown(); }

bool WorkerPool::trySubmit(Job job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Queued and running jobs together may fill every worker plus the queue.
    if (stopping_ || queue_.size() + busy_ >= threads_count_ + max_queued_) return false;
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

void WorkerPool::shutdown() {
  std::lock_guard<std::mutex> joining(join_mu_);
  std::deque<Job> refused;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    refused.swap(queue_);
  }
  cv_.notify_all();
  for (auto& job : refused) {
    try {
      if (job.refuse) job.refuse();
    } catch (const std::exception& e) {
      vsmcp::log(LogLevel::kError,
                 std::string("HTTP: refusing a queued request failed: ") + e.what());
    }
  }
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void WorkerPool::work() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      job = std::move(queue_.front());
      queue_.pop_front();
      ++busy_;
    }
    try {
      job.run();  // the server's jobs catch their handler's exceptions themselves
    } catch (const std::exception& e) {
      vsmcp::log(LogLevel::kError, std::string("HTTP: a worker job failed: ") + e.what());
    }
    job = Job{};  // release what the job holds before counting the worker free
    std::lock_guard<std::mutex> lock(mu_);
    --busy_;
  }
}

}  // namespace vsmcp::http
