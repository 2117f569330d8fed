#include "memory.hpp"

#include <malloc.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace vsmcp::apps {

namespace {

constexpr size_t kFreeBytesWorthTrimming = 8u << 20;
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
  if (!enabled() || std::getenv("MALLOC_ARENA_MAX")) return;  // the user's choice stands
  ::mallopt(M_ARENA_MAX, 2);
}

void releaseFreeMemory() {
  if (!enabled()) return;
  static std::atomic<std::int64_t> last_ns{0};
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
  std::int64_t last = last_ns.load(std::memory_order_relaxed);
  if (now - last < std::chrono::duration_cast<std::chrono::nanoseconds>(kMinInterval).count()) return;
  if (!last_ns.compare_exchange_strong(last, now)) return;  // another thread is trimming
  const struct mallinfo2 info = ::mallinfo2();
  if (info.fordblks < kFreeBytesWorthTrimming) return;
  ::malloc_trim(0);
}

}  // namespace vsmcp::apps
