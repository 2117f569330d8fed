#include "memory.hpp"

#include <malloc.h>

#include <chrono>
#include <cstdlib>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <system_error>
#include <thread>

namespace vsmcp::apps {

namespace {

constexpr size_t kFreeBytesWorthTrimming = 8u << 20;
constexpr int kMmapThreshold = 128 * 1024;
constexpr std::chrono::milliseconds kMinInterval{100};

bool enabled() {
  static const bool on = [] {
    const char* v = std::getenv("VSMCP_MALLOC_TRIM");
    return !(v && std::strcmp(v, "0") == 0);
  }();
  return on;
}

}  // namespace

void limitAllocatorArenas() {
  if (!enabled()) return;
  // The user's choices (glibc's environment tunables) stand.
  if (!std::getenv("MALLOC_ARENA_MAX")) ::mallopt(M_ARENA_MAX, 2);
  // A fixed threshold: blocks of 128 KiB and more (reply bodies, parsed documents) are mapped
  // and unmapped on their own. glibc raises the threshold each time such a block is freed, after
  // which they come from the heap and leave holes among the live inventory's small objects.
  if (!std::getenv("MALLOC_MMAP_THRESHOLD_")) ::mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
}

namespace {

// The trimmer: releaseFreeMemory wakes it; it trims at most every kMinInterval, so a call that
// ends within the interval of the last trim is still trimmed after it (a listing's last page
// used to keep its garbage until the next call: 51-63 MB against 39 MB after trimming).
// Never destroyed: a thread waiting on it may outlive static destructors at exit.
struct Trimmer {
  std::mutex mu;
  std::condition_variable cv;
  bool wanted = false;

  Trimmer() { std::thread([this] { run(); }).detach(); }

  void run() {
    auto last = std::chrono::steady_clock::now() - kMinInterval;
    std::unique_lock<std::mutex> lock(mu);
    for (;;) {
      cv.wait(lock, [this] { return wanted; });
      // Calls that end meanwhile are covered by this trim.
      cv.wait_until(lock, last + kMinInterval, [] { return false; });
      wanted = false;
      lock.unlock();
      const struct mallinfo2 info = ::mallinfo2();
      if (info.fordblks >= kFreeBytesWorthTrimming) ::malloc_trim(0);
      last = std::chrono::steady_clock::now();
      lock.lock();
    }
  }

  void wake() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (wanted) return;
      wanted = true;
    }
    cv.notify_one();
  }
};

}  // namespace

void releaseFreeMemory() {
  if (!enabled()) return;
  static Trimmer* trimmer = [] {
    try {
      return new Trimmer();
    } catch (const std::system_error&) {
      return static_cast<Trimmer*>(nullptr);  // no thread to spare: calls trim themselves
    }
  }();
  if (trimmer) {
    trimmer->wake();
    return;
  }
  if (::mallinfo2().fordblks >= kFreeBytesWorthTrimming) ::malloc_trim(0);
}

}  // namespace vsmcp::apps
