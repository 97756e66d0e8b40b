// The routing engine's huge-page allocator (core/routing/huge_pages.hpp): large blocks are their
// own 2 MB-aligned mappings, small ones come from operator new, and both kinds hold their data
// while a vector grows across the threshold and shrinks back.
#include "core/routing/huge_pages.hpp"

#include "core/routing/engine.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>

namespace parley::core::routing {
namespace {

bool hugeAligned(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % kHugePageBytes == 0; }

TEST(HugePagesTest, LargeBlocksAre2MbAlignedAndWritableToTheirEnd) {
  HugePageAllocator<std::uint64_t> alloc;
  std::size_t before = hugeBytesInUse();
  std::size_t n = kHugeAllocMin / sizeof(std::uint64_t) + 1000;  // not a whole number of huge pages
  std::uint64_t* p = alloc.allocate(n);
  EXPECT_TRUE(hugeAligned(p));
  EXPECT_EQ(hugeBytesInUse() - before, 2 * kHugePageBytes) << "counted in whole huge pages";
  for (std::size_t i = 0; i < n; ++i) p[i] = i;
  EXPECT_EQ(p[n - 1], n - 1);
  alloc.deallocate(p, n);
  EXPECT_EQ(hugeBytesInUse(), before);
}

TEST(HugePagesTest, SmallBlocksComeFromTheDefaultAllocator) {
  // A small tenant's arrays map nothing of their own: the block is an ordinary heap block (which
  // is 2 MB-aligned only by chance; several are never all aligned).
  HugePageAllocator<std::uint32_t> alloc;
  std::uint32_t* a = alloc.allocate(16);
  std::uint32_t* b = alloc.allocate(16);
  std::uint32_t* c = alloc.allocate(16);
  EXPECT_FALSE(hugeAligned(a) && hugeAligned(b) && hugeAligned(c));
  a[15] = b[15] = c[15] = 7;
  alloc.deallocate(a, 16);
  alloc.deallocate(b, 16);
  alloc.deallocate(c, 16);
}

TEST(HugePagesTest, VectorKeepsItsDataAcrossTheThresholdBothWays) {
  HugeVector<std::uint32_t> v;
  std::size_t big = kHugeAllocMin / sizeof(std::uint32_t) * 3;
  for (std::size_t i = 0; i < big; ++i) v.push_back(static_cast<std::uint32_t>(i));
  EXPECT_TRUE(hugeAligned(v.data()));
  std::uint64_t sum = std::accumulate(v.begin(), v.end(), std::uint64_t{0});
  EXPECT_EQ(sum, std::uint64_t{big} * (big - 1) / 2);
  v.resize(100);
  v.shrink_to_fit();  // back to a small block: the large mapping is released
  EXPECT_EQ(v.size(), 100u);
  EXPECT_EQ(v[99], 99u);
  HugeVector<std::uint32_t> moved = std::move(v);
  EXPECT_EQ(moved[42], 42u);
}

TEST(HugePagesTest, OverAlignedRecordsStayAligned) {
  struct alignas(64) Line {
    std::uint64_t w[8];
  };
  HugeVector<Line> small(3), large(kHugeAllocMin / sizeof(Line) + 1);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(small.data()) % 64, 0u);
  EXPECT_TRUE(hugeAligned(large.data()));
}

TEST(HugePagesTest, ASmallTenantsEngineMapsNothingOfItsOwn) {
  std::size_t before = hugeBytesInUse();
  {
    Engine e;
    constexpr TimestampMs kNow = 1'700'000'000'000;
    for (int q = 1; q <= 3; ++q) {
      QueueConfig c;
      c.id = QueueId{q};
      ASSERT_TRUE(e.configureQueue(c, kNow).ok());
    }
    for (int a = 1; a <= 5; ++a) {
      AgentConfig c;
      c.id = AgentId{a};
      c.queues = {QueueId{1 + a % 3}};
      ASSERT_TRUE(e.configureAgent(c, kNow).ok());
      ASSERT_TRUE(e.setAgentState(c.id, AgentState::Available, kNow).ok());
    }
    for (int t = 1; t <= 200; ++t) {
      TaskSpec s;
      s.id = TaskId{t};
      s.queue = QueueId{1 + t % 3};
      ASSERT_TRUE(e.taskArrived(s, kNow + t).ok());
    }
    EXPECT_EQ(e.taskCount(), 200u);
    EXPECT_EQ(hugeBytesInUse(), before) << "5 agents and 200 tasks need no 2 MB mapping";
  }
}

}  // namespace
}  // namespace parley::core::routing
