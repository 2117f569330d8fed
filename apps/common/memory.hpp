// Memory the servers hand back to the system. glibc keeps what a call freed in the allocator
// arena of the thread that freed it (one per worker thread, up to 8 per core), so a long-running
// server that listed 6,000 VMs grew to 250 MB after 10 listings and never shrank. The servers
// call limitAllocatorArenas() at start (two arenas, unless MALLOC_ARENA_MAX is set; blocks of
// 128 KiB and more mapped on their own, unless MALLOC_MMAP_THRESHOLD_ is set: measured with the
// live inventory of 6,000 VMs, 46 MB once in sync against 62-66 MB with glibc's sliding threshold) and
// releaseFreeMemory() after each operation call: when the allocator holds more than 8 MB free,
// those pages go back to the system (malloc_trim, on a thread of its own), at most every 100 ms
// and always after the last call of a burst.
// VSMCP_MALLOC_TRIM=0 turns both off (bench/mcp_memory.py compares both).
// Thread safety: releaseFreeMemory is thread-safe; call limitAllocatorArenas before any thread.
#pragma once

namespace vsmcp::apps {

void limitAllocatorArenas();
void releaseFreeMemory();

}  // namespace vsmcp::apps
