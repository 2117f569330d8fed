// TaskStore: the gateway's long-running requests. A request that starts a vCenter task is
// answered 202 with a task resource; the work runs on the store's own threads and the client
// follows it at /tasks/{id} (state, progress, result or error). Finished tasks are kept for
// `retention`, at most `max_tasks` in all (the oldest finished ones go first; when all are
// still running, new submissions are refused with kBusy).
// Thread safety: all methods are thread-safe; the destructor waits for running work.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "vsmcp/json.hpp"
#include "vsmcp/result.hpp"
#include "vsphere/types.hpp"

namespace vsmcp::gateway {

struct TaskView {
  std::string id;         // "t-<hex>"
  std::string operation;  // registry operation
  std::string owner;      // principal that submitted it
  std::string state;      // queued | running | success | error | cancelled
  int progress = 0;       // 0..100
  std::string created, started, finished;  // ISO 8601; "" until then
  Json result;            // the operation's result when state is success
  Status error;           // when state is error
  std::string vcenter_task;  // moref of the vCenter task, once known
};
Json toJson(const TaskView& task);

class TaskStore {
 public:
  using Work = std::function<Result<Json>(const vsphere::ProgressCallback& progress,
                                          const vsphere::CancelToken& cancel)>;
  struct Options {
    size_t threads = 4;
    size_t max_tasks = 1000;
    std::chrono::seconds retention{3600};
  };
  explicit TaskStore(Options options);
  ~TaskStore();

  // Queues `work` and returns its view (state queued).
  Result<TaskView> submit(const std::string& owner, const std::string& operation, Work work);
  // A task of `owner` (others' tasks are NotFound, as if they did not exist).
  Result<TaskView> get(const std::string& id, const std::string& owner) const;
  // The tasks of `owner`, newest first (ties by id: a stable order for paging).
  std::vector<TaskView> list(const std::string& owner) const;
  // Asks a queued or running task of `owner` to stop (a running vCenter task gets CancelTask).
  Result<TaskView> cancel(const std::string& id, const std::string& owner);

 private:
  struct Entry;
  void run();
  void pruneLocked();

  Options options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::shared_ptr<Entry>> tasks_;  // guarded by mu_
  std::deque<std::shared_ptr<Entry>> queue_;             // guarded by mu_
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace vsmcp::gateway
