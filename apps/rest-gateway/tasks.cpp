#include "tasks.hpp"

#include <algorithm>

#include "vsmcp/random.hpp"

#include "envelope.hpp"

namespace vsmcp::gateway {

struct TaskStore::Entry {
  TaskView view;
  Work work;
  vsphere::CancelToken cancel;
  std::chrono::steady_clock::time_point finished_at{};
  bool done = false;
};

namespace {

std::string newId() { return "t-" + randomHex(8); }

std::string now() { return isoTime(std::chrono::system_clock::now()); }

}  // namespace

Json toJson(const TaskView& t) {
  Json j = Json::object();
  j.set("id", t.id).set("operation", t.operation).set("state", t.state).set("progress", t.progress)
      .set("created", t.created).set("href", "/tasks/" + t.id);
  if (!t.started.empty()) j.set("started", t.started);
  if (!t.finished.empty()) j.set("finished", t.finished);
  if (!t.vcenter_task.empty()) j.set("vcenter_task", t.vcenter_task);
  if (t.state == "success") j.set("result", t.result);
  if (!t.error.ok())
    j.set("error", Json::object().set("error_code", errorCodeText(t.error.code())).set("message", t.error.message()));
  return j;
}

TaskStore::TaskStore(Options options) : options_(options) {
  for (size_t i = 0; i < std::max<size_t>(1, options_.threads); ++i) threads_.emplace_back([this] { run(); });
}

TaskStore::~TaskStore() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (auto& [id, e] : tasks_)
      if (!e->done) e->cancel.cancel();
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

Result<TaskView> TaskStore::submit(const std::string& owner, const std::string& operation, Work work) {
  auto e = std::make_shared<Entry>();
  e->view.id = newId();
  e->view.operation = operation;
  e->view.owner = owner;
  e->view.state = "queued";
  e->view.created = now();
  e->work = std::move(work);
  {
    std::lock_guard<std::mutex> lock(mu_);
    pruneLocked();
    if (tasks_.size() >= options_.max_tasks)
      return Status::Error(ErrorCode::kBusy, "too many long-running requests in progress (" +
                                                 std::to_string(options_.max_tasks) + "); try again later");
    tasks_[e->view.id] = e;
    queue_.push_back(e);
  }
  cv_.notify_one();
  return e->view;
}

Result<TaskView> TaskStore::get(const std::string& id, const std::string& owner) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tasks_.find(id);
  if (it == tasks_.end() || it->second->view.owner != owner)
    return Status::NotFound("no task '" + id + "' (tasks are kept for " +
                            std::to_string(options_.retention.count()) + " s after they finish)");
  return it->second->view;
}

std::vector<TaskView> TaskStore::list(const std::string& owner) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<TaskView> out;
  for (const auto& [id, e] : tasks_)
    if (e->view.owner == owner) out.push_back(e->view);
  // Newest first; the id breaks ties (same millisecond), so that pages of the list hold still.
  std::sort(out.begin(), out.end(), [](const TaskView& a, const TaskView& b) {
    return a.created != b.created ? a.created > b.created : a.id < b.id;
  });
  return out;
}

Result<TaskView> TaskStore::cancel(const std::string& id, const std::string& owner) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tasks_.find(id);
  if (it == tasks_.end() || it->second->view.owner != owner) return Status::NotFound("no task '" + id + "'");
  auto& e = *it->second;
  if (e.done) return Status::Error(ErrorCode::kInvalidState, "task '" + id + "' has already finished (" + e.view.state + ")");
  e.cancel.cancel();
  if (e.view.state == "queued") {
    e.view.state = "cancelled";
    e.view.finished = now();
    e.view.error = Status::Cancelled("cancelled before it started");
    e.done = true;
    e.finished_at = std::chrono::steady_clock::now();
  }
  return e.view;
}

void TaskStore::run() {
  for (;;) {
    std::shared_ptr<Entry> e;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and nothing left
      e = queue_.front();
      queue_.pop_front();
      if (e->done) continue;  // cancelled while queued
      e->view.state = "running";
      e->view.started = now();
    }
    auto progress = [this, e](int percent, const vsphere::TaskInfo& info) {
      std::lock_guard<std::mutex> lock(mu_);
      e->view.progress = std::max(e->view.progress, std::min(100, percent));
      if (!info.ref.empty()) e->view.vcenter_task = info.ref.value;
    };
    Result<Json> result = e->work ? e->work(progress, e->cancel) : Result<Json>(Status::Internal("no work"));
    std::lock_guard<std::mutex> lock(mu_);
    e->done = true;
    e->finished_at = std::chrono::steady_clock::now();
    e->view.finished = now();
    e->work = nullptr;
    if (result.ok()) {
      e->view.state = "success";
      e->view.progress = 100;
      e->view.result = std::move(result).value();
      if (const Json* task = e->view.result.find("task"); task && task->find("id"))
        e->view.vcenter_task = task->find("id")->asString();
    } else {
      e->view.state = e->cancel.cancelled() ? "cancelled" : "error";
      e->view.error = result.status();
    }
  }
}

void TaskStore::pruneLocked() {
  const auto cutoff = std::chrono::steady_clock::now() - options_.retention;
  for (auto it = tasks_.begin(); it != tasks_.end();) {
    if (it->second->done && it->second->finished_at < cutoff)
      it = tasks_.erase(it);
    else
      ++it;
  }
  if (tasks_.size() < options_.max_tasks) return;
  // Still full: drop the oldest finished ones.
  std::vector<std::shared_ptr<Entry>> finished;
  for (const auto& [id, e] : tasks_)
    if (e->done) finished.push_back(e);
  std::sort(finished.begin(), finished.end(),
            [](const auto& a, const auto& b) { return a->finished_at < b->finished_at; });
  for (const auto& e : finished) {
    if (tasks_.size() < options_.max_tasks) break;
    tasks_.erase(e->view.id);
  }
}

}  // namespace vsmcp::gateway
