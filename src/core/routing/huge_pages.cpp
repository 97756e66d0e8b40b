// Huge-page backed allocations for the routing engine: the DESIGN comment is in huge_pages.hpp.
// The one place the engine's code makes system calls (mmap, madvise, munmap).
#include "core/routing/huge_pages.hpp"

#include <atomic>
#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace parley::core::routing {

namespace {

std::size_t roundUpToHugePage(std::size_t bytes) { return (bytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1); }

std::atomic<std::size_t> g_in_use{0};  // a statistic only (engines of several tenants may run on several threads)

}  // namespace

#if defined(__linux__)

void* allocateHuge(std::size_t bytes) {
  std::size_t len = roundUpToHugePage(bytes);
  // Map one huge page more than needed and trim both ends, so the block starts on a 2 MB
  // boundary (only whole, aligned 2 MB ranges can be backed by a huge page).
  void* raw = mmap(nullptr, len + kHugePageBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  auto start = reinterpret_cast<std::uintptr_t>(raw);
  std::uintptr_t aligned = (start + kHugePageBytes - 1) & ~static_cast<std::uintptr_t>(kHugePageBytes - 1);
  if (aligned > start) munmap(raw, aligned - start);
  std::size_t tail = kHugePageBytes - (aligned - start);
  if (tail > 0) munmap(reinterpret_cast<void*>(aligned + len), tail);
  // Advice only: where THP is off or unsupported this fails or does nothing, and the block keeps
  // 4 KB pages.
  (void)madvise(reinterpret_cast<void*>(aligned), len, MADV_HUGEPAGE);
  g_in_use.fetch_add(len, std::memory_order_relaxed);
  return reinterpret_cast<void*>(aligned);
}

void deallocateHuge(void* p, std::size_t bytes) noexcept {
  munmap(p, roundUpToHugePage(bytes));
  g_in_use.fetch_sub(roundUpToHugePage(bytes), std::memory_order_relaxed);
}

#else

void* allocateHuge(std::size_t bytes) {
  void* p = ::operator new(bytes, std::align_val_t{64});
  g_in_use.fetch_add(roundUpToHugePage(bytes), std::memory_order_relaxed);
  return p;
}
void deallocateHuge(void* p, std::size_t bytes) noexcept {
  ::operator delete(p, std::align_val_t{64});
  g_in_use.fetch_sub(roundUpToHugePage(bytes), std::memory_order_relaxed);
}

#endif

std::size_t hugeBytesInUse() noexcept { return g_in_use.load(std::memory_order_relaxed); }

}  // namespace parley::core::routing
