// DESIGN: memory for the routing engine's large, long-lived arrays (task records, the id indexes,
// agent records, ready keys), backed by 2 MB pages where the kernel offers them.
//
// Why: at 100,000+ tasks the engine's time goes to chains of dependent loads at random places in
// ~60 MB of arrays. On the VMs it runs on (nested paging) a TLB miss beyond ~4 MB of reach costs
// as much as the cache miss itself: a dependent random load over 64 MB took 1.0-1.3 µs with 4 KB
// pages and ~0.4 µs with 2 MB pages (docs/BENCHMARKS.md, routing section). The same engine ran
// 1.45-2x as fast with glibc's `glibc.malloc.hugetlb=1` tunable; this allocator gives the engine
// that benefit in every process that builds one (the server, the simulator, the benchmark)
// without a deployment setting.
//
// How: an allocation of at least kHugeAllocMin bytes is its own anonymous mapping, 2 MB-aligned,
// its length rounded up to whole 2 MB pages and advised with madvise(MADV_HUGEPAGE) (the kernel's
// THP mode `madvise`, the common default, then backs it with huge pages; mode `always` would
// anyway). Smaller allocations come from operator new, so a small tenant (5 agents, a few dozen
// tasks) maps nothing extra: a mapping exists only where an array already holds >= 2 MB, and
// rounding wastes less than one huge page of it (less than the vector's own doubling).
// Where huge pages are unavailable (THP mode `never`, a kernel without THP, madvise failing) the
// mapping keeps 4 KB pages: nothing else changes. Outside Linux large allocations use operator new.
//
// Purity: allocation is not I/O and reads no clock; nothing the engine decides depends on where
// its memory comes from. The system calls live in huge_pages.cpp alone.
#pragma once

#include <cstddef>
#include <limits>
#include <memory>
#include <new>
#include <vector>

namespace parley::core::routing {

inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;
inline constexpr std::size_t kHugeAllocMin = kHugePageBytes;  // smaller allocations: operator new

// A mapping of at least `bytes` (>= kHugeAllocMin), 2 MB-aligned and advised for huge pages;
// throws std::bad_alloc when the system has no memory left.
void* allocateHuge(std::size_t bytes);
// Releases what allocateHuge(bytes) returned (the same `bytes`).
void deallocateHuge(void* p, std::size_t bytes) noexcept;
// Bytes mapped by allocateHuge() and not yet released, in whole 2 MB pages, for all engines of
// the process: malloc's statistics (mallinfo2) do not see these blocks.
std::size_t hugeBytesInUse() noexcept;

// A std::allocator that puts allocations of kHugeAllocMin bytes and more on huge pages.
template <class T>
struct HugePageAllocator {
  using value_type = T;

  HugePageAllocator() noexcept = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    if (n > std::numeric_limits<std::size_t>::max() / sizeof(T)) throw std::bad_array_new_length();
    if (n * sizeof(T) >= kHugeAllocMin) return static_cast<T*>(allocateHuge(n * sizeof(T)));
    return std::allocator<T>{}.allocate(n);
  }
  // The same size rule as allocate() tells which of the two a block came from.
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) >= kHugeAllocMin) deallocateHuge(p, n * sizeof(T));
    else std::allocator<T>{}.deallocate(p, n);
  }

  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept { return true; }
};

template <class T>
using HugeVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace parley::core::routing
