// The routing engine; the DESIGN comment is in engine.hpp.
#include "core/routing/engine.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <string>
#include <unordered_map>
#include <utility>

#include "core/routing/huge_pages.hpp"

namespace parley::core::routing {

// ------------------------------------------------------------------------------------------------
// Small public helpers
// ------------------------------------------------------------------------------------------------

Media mediaOf(ChannelKind channel) noexcept {
  switch (channel) {
    case ChannelKind::Voice: return Media::Voice;
    case ChannelKind::WebChat: return Media::Chat;
    case ChannelKind::Email: return Media::Email;
    default: return Media::Messaging;
  }
}

std::string_view toString(Media m) noexcept {
  switch (m) {
    case Media::Voice: return "voice";
    case Media::Chat: return "chat";
    case Media::Messaging: return "messaging";
    case Media::Email: return "email";
  }
  return "?";
}

std::string_view toString(AgentState s) noexcept {
  switch (s) {
    case AgentState::Offline: return "offline";
    case AgentState::Available: return "available";
    case AgentState::Away: return "away";
    case AgentState::WrapUp: return "wrap_up";
  }
  return "?";
}

std::string_view toString(Strategy s) noexcept {
  switch (s) {
    case Strategy::LongestIdle: return "longest_idle";
    case Strategy::LeastOccupied: return "least_occupied";
    case Strategy::MostSkilled: return "most_skilled";
    case Strategy::RoundRobin: return "round_robin";
    case Strategy::PreferredAgentFirst: return "preferred_agent_first";
  }
  return "?";
}

std::string_view toString(TaskState s) noexcept {
  switch (s) {
    case TaskState::Waiting: return "waiting";
    case TaskState::WaitingPreferred: return "waiting_preferred";
    case TaskState::Offered: return "offered";
    case TaskState::Assigned: return "assigned";
    case TaskState::Pending: return "pending";
  }
  return "?";
}

std::string_view toString(DecisionKind k) noexcept {
  switch (k) {
    case DecisionKind::Offer: return "offer";
    case DecisionKind::Assigned: return "assigned";
    case DecisionKind::OfferExpired: return "offer_expired";
    case DecisionKind::OfferRevoked: return "offer_revoked";
    case DecisionKind::AgentSetAway: return "agent_set_away";
    case DecisionKind::WrapUpEnded: return "wrap_up_ended";
    case DecisionKind::TaskEscalated: return "task_escalated";
  }
  return "?";
}

CrossChannelRules CrossChannelRules::defaults(bool chat_interruptible_by_email) noexcept {
  constexpr std::uint8_t kVoice = 1u << static_cast<int>(Media::Voice);
  constexpr std::uint8_t kEmail = 1u << static_cast<int>(Media::Email);
  constexpr std::uint8_t kAll = 0x0F;
  CrossChannelRules r;
  r.blocks[static_cast<int>(Media::Voice)] = kAll & ~kVoice;  // voice: nothing else (capacity limits voice itself)
  r.blocks[static_cast<int>(Media::Chat)] = kVoice | (chat_interruptible_by_email ? 0 : kEmail);
  r.blocks[static_cast<int>(Media::Messaging)] = kVoice;
  r.blocks[static_cast<int>(Media::Email)] = kVoice;
  return r;
}

namespace {

constexpr std::uint32_t kNone = 0xFFFFFFFFu;
constexpr int kWords = kMaxSkills / 64;
constexpr std::size_t kMaxExclusions = 16;
constexpr int kStatBuckets = 60;  // one-minute buckets: the window covers up to an hour
constexpr DurationMs kBucketMs = 60'000;
constexpr std::uint64_t kExcludedFlag = 1ull << 63;

// ---- skill bitsets ---------------------------------------------------------------------------------

struct SkillBits {
  std::array<std::uint64_t, kWords> w{};
  void set(int bit) { w[static_cast<std::size_t>(bit >> 6)] |= 1ull << (bit & 63); }
  bool operator==(const SkillBits&) const = default;
};

// at_least[l]: the skills held with proficiency >= l + 1.
struct SkillProfile {
  std::array<SkillBits, kMaxProficiency> at_least{};
};

// need[l]: the skills needed with minimum level l + 1. Most words are zero (an alternative names
// a few skills): `nz` lists the others (as l * kWords + i), so a check reads only those.
struct CompiledAlt {
  std::array<SkillBits, kMaxProficiency> need{};
  std::uint8_t n_nz = 0;
  std::array<std::uint8_t, kMaxProficiency * kWords> nz{};

  void indexNonZero() {
    n_nz = 0;
    for (int l = 0; l < kMaxProficiency; ++l)
      for (int i = 0; i < kWords; ++i)
        if (need[static_cast<std::size_t>(l)].w[static_cast<std::size_t>(i)]) nz[n_nz++] = static_cast<std::uint8_t>(l * kWords + i);
  }
};

inline bool satisfies(const SkillProfile& p, const CompiledAlt& a) {
  std::uint64_t missing = 0;
  for (int k = 0; k < a.n_nz; ++k) {
    std::size_t l = a.nz[static_cast<std::size_t>(k)] / kWords, i = a.nz[static_cast<std::size_t>(k)] % kWords;
    missing |= a.need[l].w[i] & ~p.at_least[l].w[i];
  }
  return missing == 0;
}

struct CompiledReq {
  Requirement source;              // canonical form, for TaskView
  std::vector<CompiledAlt> alts;   // empty: anyone
  std::vector<int> skill_bits;     // every skill named, for the MostSkilled default
};

inline bool eligible(const SkillProfile& p, const CompiledReq& r) {
  if (r.alts.empty()) return true;
  for (const auto& a : r.alts)
    if (satisfies(p, a)) return true;
  return false;
}

// ---- an open-addressing map from positive 64-bit keys to slots ---------------------------------------

// The murmur3 finaliser: spreads sequential ids over the table.
inline std::uint64_t mixId(std::int64_t key) {
  std::uint64_t x = static_cast<std::uint64_t>(key);
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

// Backward-shift deletion from a linear-probing table (no tombstones, probe runs stay short):
// empties slot i and moves the later entries of its run back. `empty(e)` and `home(e)` (the hash
// an entry is placed by) describe the entries.
template <class V, class Empty, class Home>
void backwardShiftErase(V& slots, std::size_t i, Empty empty, Home home) {
  std::size_t mask = slots.size() - 1;
  std::size_t j = i;
  for (;;) {
    j = (j + 1) & mask;
    if (empty(slots[j])) break;
    std::size_t h = static_cast<std::size_t>(home(slots[j])) & mask;
    // Move j into the hole at i when its home is not cyclically within (i, j].
    bool between = (i <= j) ? (i < h && h <= j) : (i < h || h <= j);
    if (!between) {
      slots[i] = slots[j];
      i = j;
    }
  }
  slots[i] = typename V::value_type{};
}

class FlatMap {
 public:
  FlatMap() { slots_.assign(16, Slot{}); }

  std::uint32_t find(std::int64_t key) const {
    if (key <= 0) return kNone;
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash(key) & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.key == key) return s.val;
      if (s.key == 0) return kNone;
    }
  }

  void insert(std::int64_t key, std::uint32_t val) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash(key) & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.key == key) { s.val = val; return; }
      if (s.key == 0) { s = Slot{key, val}; ++size_; return; }
    }
  }

  void erase(std::int64_t key) {
    std::size_t mask = slots_.size() - 1;
    std::size_t i = hash(key) & mask;
    while (slots_[i].key != key) {
      if (slots_[i].key == 0) return;
      i = (i + 1) & mask;
    }
    backwardShiftErase(slots_, i, [](const Slot& s) { return s.key == 0; }, [](const Slot& s) { return hash(s.key); });
    --size_;
  }

  std::size_t size() const { return size_; }
  std::size_t bytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    std::int64_t key = 0;  // 0: empty
    std::uint32_t val = kNone;
  };
  static std::size_t hash(std::int64_t key) { return static_cast<std::size_t>(mixId(key)); }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.size() * 2, Slot{});
    size_ = 0;
    for (const Slot& s : old)
      if (s.key != 0) insert(s.key, s.val);
  }

  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

// ---- an index from ids to slots of a table that holds the ids (tasks) ----------------------------
// Open addressing like FlatMap, in half its space: an entry is 32 bits of the id's hash and the
// slot; a match on the hash bits is confirmed by the id in the table, which the caller reads
// next anyway. The home of an entry is its hash bits, so erase and growth need no id.
class SlotIndex {
 public:
  SlotIndex() { slots_.assign(16, Entry{}); }

  template <class IdOf>
  std::uint32_t find(std::int64_t key, IdOf idOf) const {
    if (key <= 0) return kNone;
    std::uint32_t h = hash(key);
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      const Entry& e = slots_[i];
      if (e.val == kNone) return kNone;
      if (e.tag == h && idOf(e.val) == key) return e.val;
    }
  }

  // `key` must not be in the index yet.
  void insert(std::int64_t key, std::uint32_t val) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    place(Entry{hash(key), val});
    ++size_;
  }

  template <class IdOf>
  void erase(std::int64_t key, IdOf idOf) {
    std::uint32_t h = hash(key);
    std::size_t mask = slots_.size() - 1;
    std::size_t i = h & mask;
    while (!(slots_[i].tag == h && slots_[i].val != kNone && idOf(slots_[i].val) == key)) {
      if (slots_[i].val == kNone) return;
      i = (i + 1) & mask;
    }
    backwardShiftErase(slots_, i, [](const Entry& e) { return e.val == kNone; }, [](const Entry& e) { return e.tag; });
    --size_;
  }

  std::size_t size() const { return size_; }
  std::size_t bytes() const { return slots_.capacity() * sizeof(Entry); }

 private:
  struct Entry {
    std::uint32_t tag = 0;
    std::uint32_t val = kNone;  // kNone: empty
  };
  // Ids that differ only in their lowest three bits share a home line (eight 8-byte entries are
  // one cache line): ids handed out in sequence, as conversation ids are, sit side by side, so an
  // arrival finds its line already brought in by the ids before it. The groups are spread by the
  // mixer.
  static std::uint32_t hash(std::int64_t key) {
    return static_cast<std::uint32_t>(mixId(key >> 3) << 3) | static_cast<std::uint32_t>(key & 7);
  }
  void place(const Entry& e) {
    std::size_t mask = slots_.size() - 1;
    std::size_t i = e.tag & mask;
    while (slots_[i].val != kNone) i = (i + 1) & mask;
    slots_[i] = e;
  }
  void grow() {
    HugeVector<Entry> old = std::move(slots_);
    slots_.assign(old.size() * 2, Entry{});
    for (const Entry& e : old)
      if (e.val != kNone) place(e);
  }

  HugeVector<Entry> slots_;
  std::size_t size_ = 0;
};

// ---- short lists kept inside their owner --------------------------------------------------------------
// Up to N elements live in the record itself, so reading them follows no pointer (at 100,000+
// tasks the engine's time goes to dependent cache misses): an agent's memberships and open
// offers, a queue's active classes. Beyond N they all move to the heap (and back at N).
template <class T, std::size_t N>
class InlineVec {
 public:
  InlineVec() = default;
  InlineVec(const InlineVec&) = default;
  InlineVec& operator=(const InlineVec&) = default;
  InlineVec(InlineVec&& o) noexcept : small_(o.small_), n_(o.n_), big_(std::move(o.big_)) { o.clear(); }
  InlineVec& operator=(InlineVec&& o) noexcept {
    small_ = o.small_;
    n_ = o.n_;
    big_ = std::move(o.big_);
    o.clear();
    return *this;
  }

  T* begin() { return n_ <= N ? small_.data() : big_.data(); }
  T* end() { return begin() + n_; }
  const T* begin() const { return n_ <= N ? small_.data() : big_.data(); }
  const T* end() const { return begin() + n_; }
  std::size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  std::size_t heapCapacity() const { return big_.capacity(); }  // elements allocated beyond the record
  T& operator[](std::size_t i) { return begin()[i]; }
  const T& operator[](std::size_t i) const { return begin()[i]; }
  T& back() { return begin()[n_ - 1]; }

  void push_back(const T& v) {
    if (n_ < N) {
      small_[n_++] = v;
      return;
    }
    if (n_ == N) big_.assign(small_.begin(), small_.end());
    big_.push_back(v);
    ++n_;
  }
  void pop_back() {
    if (n_ == N + 1) {
      std::copy(big_.begin(), big_.begin() + N, small_.begin());
      big_.clear();
    } else if (n_ > N) {
      big_.pop_back();
    }
    --n_;
  }
  void clear() {
    big_.clear();
    n_ = 0;
  }
  // Removes the first element equal to v, keeping the order of the others (like std::erase).
  void eraseValue(const T& v) {
    T* e = end();
    T* it = std::find(begin(), e, v);
    if (it == e) return;
    std::copy(it + 1, e, it);
    pop_back();
  }

 private:
  std::array<T, N> small_{};
  std::uint32_t n_ = 0;
  std::vector<T> big_;
};

// ---- records -------------------------------------------------------------------------------------

constexpr std::uint8_t kExcluded = 1;      // Impl::exclusions[slot] holds entries
constexpr std::uint8_t kPreferred = 2;     // TaskCold::preferred and preferred_until are set
constexpr std::uint8_t kReqFromQueue = 4;  // the requirement is the queue's default (follows overflows)

// A waiting task in its class heap. The order is the queue order: priority, age, arrival.
struct HeapEntry {
  int priority;
  std::uint32_t task;
  TimestampMs enqueued_at;
  std::uint64_t seq;  // top bit: the task has exclusions (check before offering)
  std::uint64_t order() const { return seq & ~kExcludedFlag; }
  bool excluded() const { return (seq & kExcludedFlag) != 0; }
};

inline bool before(const HeapEntry& a, const HeapEntry& b) {
  if (a.priority != b.priority) return a.priority > b.priority;
  if (a.enqueued_at != b.enqueued_at) return a.enqueued_at < b.enqueued_at;
  return a.order() < b.order();
}

// One cache line: an agent-side search reads the head of each class of his queues from `top`
// without following the heap's pointer.
struct alignas(64) ClassBucket {
  std::uint32_t queue = 0;
  std::uint32_t req = 0;
  Media media = Media::Chat;
  std::uint32_t active_pos = kNone;  // position in the queue's active_classes, kNone when empty
  HeapEntry top{};                   // a copy of heap[0] while the heap is not empty
  HugeVector<HeapEntry> heap;
};
static_assert(sizeof(ClassBucket) == 64);

// An available agent in a ready index: ordered by the strategy's key, then by agent slot.
struct ReadyEntry {
  std::int64_t key;
  std::uint32_t agent;
  std::uint32_t member;  // Membership::id: where his position is kept
};

inline bool ahead(const ReadyEntry& a, const ReadyEntry& b) {
  if (a.key != b.key) return a.key < b.key;
  return a.agent < b.agent;
}

// ---- indexed 4-ary heaps (class heaps and ready indexes) --------------------------------------------
// Contiguous min-heaps whose entries know their position: `moved(entry, i)` is told whenever an
// entry lands at index i, so any entry can be removed or re-keyed in O(log n) without a search.
// Four children a node (at kArity * i + 1 ...): half the levels of a binary heap, so an entry
// that sinks (a re-keyed agent, the last task moved to the root) moves half as often, and the
// children compared at each level lie side by side (one or two cache lines).

constexpr std::size_t kArity = 4;

template <class V, class Before, class Moved>
std::size_t heapSiftUp(V& h, std::size_t i, Before before, Moved moved) {
  typename V::value_type e = h[i];
  while (i > 0) {
    std::size_t p = (i - 1) / kArity;
    if (!before(e, h[p])) break;
    h[i] = h[p];
    moved(h[i], i);
    i = p;
  }
  h[i] = e;
  moved(e, i);
  return i;
}

template <class V, class Before, class Moved>
void heapSiftDown(V& h, std::size_t i, Before before, Moved moved) {
  typename V::value_type e = h[i];
  std::size_t n = h.size();
  for (;;) {
    std::size_t first = kArity * i + 1;
    if (first >= n) break;
    std::size_t best = first, end = std::min(first + kArity, n);
    for (std::size_t c = first + 1; c < end; ++c)
      if (before(h[c], h[best])) best = c;
    if (!before(h[best], e)) break;
    h[i] = h[best];
    moved(h[i], i);
    i = best;
  }
  h[i] = e;
  moved(e, i);
}

// Puts h[i] (new or with a changed key) where it belongs.
template <class V, class Before, class Moved>
void heapFix(V& h, std::size_t i, Before before, Moved moved) {
  if (heapSiftUp(h, i, before, moved) == i) heapSiftDown(h, i, before, moved);
}

template <class V, class Before, class Moved>
void heapErase(V& h, std::size_t i, Before before, Moved moved) {
  typename V::value_type last = h.back();
  h.pop_back();
  if (i >= h.size()) return;
  h[i] = last;
  heapFix(h, i, before, moved);
}

// Visits the entries of a min-heap in ascending order while `visit` returns true: the root, then
// a best-first walk over the children (O(k log k) for k visited). `frontier` is scratch space.
template <class V, class Before, class Visit>
void heapWalkInOrder(const V& h, Before before, std::vector<std::uint32_t>& frontier, Visit visit) {
  if (h.empty() || !visit(h[0])) return;
  auto later = [&](std::uint32_t a, std::uint32_t b) { return before(h[b], h[a]); };
  auto add = [&](std::size_t i) {
    if (i >= h.size()) return;
    frontier.push_back(static_cast<std::uint32_t>(i));
    std::push_heap(frontier.begin(), frontier.end(), later);
  };
  frontier.clear();
  for (std::size_t c = 1; c <= kArity; ++c) add(c);
  while (!frontier.empty()) {
    std::pop_heap(frontier.begin(), frontier.end(), later);
    std::uint32_t i = frontier.back();
    frontier.pop_back();
    if (!visit(h[i])) return;
    for (std::size_t c = 1; c <= kArity; ++c) add(kArity * static_cast<std::size_t>(i) + c);
  }
}

struct Membership {
  std::uint32_t queue = 0;
  int score = 0;             // MostSkilled: proficiency sum over the queue's scoring skills
  std::uint32_t id = kNone;  // his positions and keys in the ready heaps: Impl::ready_pos[id], ready_key[id] (under `indexed`)
  std::uint8_t indexed = 0;  // media bits under which he is in the queue's ready sets
  std::uint64_t rr = 0;      // RoundRobin: the queue's offer clock when last offered from it
};
static_assert(sizeof(Membership) == 24);

enum class Category : std::uint8_t { Offline, Away, Idle, Busy };

// Laid out by use: the first cache line holds what choosing, offering and freeing him reads
// (state, load, capacity, rules, ranking time), the next ones his memberships (up to 4 of them)
// and open offers (up to 4) inline, then the rest; his skill profile (160 bytes, one word of it
// read per check) is kept apart in Impl::agent_skills.
struct alignas(64) AgentRec {
  AgentId id;
  TimestampMs idle_since = 0;
  std::array<int, kMediaCount> capacity{};
  std::array<int, kMediaCount> load{};
  CrossChannelRules rules;
  int no_answers = 0;
  std::uint32_t wrap_gen = 0;
  AgentState state = AgentState::Offline;
  Category category = Category::Offline;
  bool dirty = false;
  InlineVec<Membership, 4> memberships;
  InlineVec<std::uint32_t, 4> offers;    // tasks offered to him now, in the order offered
  std::vector<std::uint32_t> preferred;  // tasks held for him
  TimestampMs wrap_until = 0;
  std::vector<std::pair<int, int>> skill_levels;  // (bit, proficiency)

  int totalLoad() const { return load[0] + load[1] + load[2] + load[3]; }
  std::uint8_t blocked() const {
    std::uint8_t b = 0;
    for (int m = 0; m < kMediaCount; ++m)
      if (load[m] > 0) b |= rules.blocks[m];
    return b;
  }
  // Media bits he has room for (capacity left, not blocked by the cross-channel rules).
  std::uint8_t roomMask() const {
    std::uint8_t b = blocked(), room = 0;
    for (int i = 0; i < kMediaCount; ++i)
      if (load[i] < capacity[i] && !(b & (1u << i))) room |= static_cast<std::uint8_t>(1u << i);
    return room;
  }
  bool hasRoom(Media m) const {
    int i = static_cast<int>(m);
    return load[i] < capacity[i] && (blocked() & (1u << i)) == 0;
  }
  bool ready(Media m) const { return state == AgentState::Available && hasRoom(m); }
};

// A task's record is split by use. TaskRec, one 64-byte cache line, holds everything an arrival,
// an offer (to one agent), an accept and a completion read or write, so each of those touches
// one line of the task's, and an arrival that reuses a just completed task's slot finds it in
// the cache. TaskCold holds what only fan-out and preferred-agent routing use, read under
// n_offered > 1 / kPreferred / WaitingPreferred and never reset. The reoffer exclusions live
// apart (Impl::exclusions), looked at only under kExcluded.
struct alignas(64) TaskRec {
  TaskId id;  // invalid: a free slot
  TimestampMs enqueued_at = 0;
  TimestampMs entered_queue_at = 0;
  std::uint64_t seq = 0;
  std::uint32_t queue = 0;
  std::uint32_t req = 0;
  std::uint32_t klass = kNone;      // Waiting: its class
  std::uint32_t agent = kNone;      // Assigned / Pending
  std::uint32_t offered0 = kNone;   // Offered: the first agent offered (the others in TaskCold)
  int priority = 0;
  std::uint32_t gen = 0;            // bumped on every transition: stale timers are ignored
  TaskState state : 4 = TaskState::Waiting;
  std::uint8_t n_offered : 4 = 0;   // up to kMaxOfferFanout
  Media media : 4 = Media::Chat;
  std::uint8_t flags : 4 = kReqFromQueue;  // kExcluded, kPreferred, kReqFromQueue
  std::uint8_t next_step = 0;
  std::uint8_t steps_applied = 0;
};
static_assert(sizeof(TaskRec) == 64);

struct TaskCold {
  std::uint32_t preferred = kNone;  // preferred agent slot (under kPreferred)
  std::uint32_t pref_pos = kNone;   // WaitingPreferred: position in the agent's preferred list
  std::uint32_t qpref_pos = kNone;  // WaitingPreferred: position in the queue's preferred_waiting list
  TimestampMs preferred_until = 0;  // under kPreferred
  std::array<std::uint32_t, kMaxOfferFanout - 1> offered_more{};  // offered agents 2.. (n_offered > 1)
};

using Exclusions = std::vector<std::pair<std::uint32_t, TimestampMs>>;  // (agent, until)

struct StatBucket {
  std::int64_t minute = -1;
  std::int64_t answered = 0, within = 0, abandoned = 0, abandoned_after = 0, wait_sum = 0;
};

struct alignas(64) QueueRec {
  // Hot while routing: the first cache line is what an agent-side search reads.
  std::uint8_t media_seen = 0;                   // media indexed in `ready` (lazily, on the first task)
  bool open = true;
  std::uint32_t req = 0;                         // default requirement
  InlineVec<std::uint32_t, 4> active_classes;    // classes with waiting tasks
  std::array<HugeVector<ReadyEntry>, kMediaCount> ready;  // indexed min-heaps by ahead()
  QueueConfig cfg;
  std::vector<int> scoring_bits;
  std::array<std::uint32_t, kMediaCount> default_class{kNone, kNone, kNone, kNone};
  std::vector<std::uint32_t> members;
  std::vector<std::uint32_t> preferred_waiting;  // tasks held for a preferred agent
  std::uint64_t rr_clock = 0;
  std::array<int, 4> agents_by_category{};
  std::int64_t waiting = 0;
  std::int64_t offered = 0;
  StatBucket totals;
  // Minute buckets on the heap: kept inline they made the record 3.3 KB, spreading the fields
  // routing reads over a page per queue.
  std::vector<StatBucket> buckets = std::vector<StatBucket>(kStatBuckets);
};

enum class TimerKind : std::uint8_t { OfferTimeout, Escalation, PreferredFallback, ExclusionEnd, WrapUpEnd };

struct Timer {
  TimestampMs due;
  std::uint64_t seq;
  std::uint32_t idx;
  std::uint32_t gen;
  TimerKind kind;
};

struct TimerLater {
  bool operator()(const Timer& a, const Timer& b) const {
    if (a.due != b.due) return a.due > b.due;
    return a.seq > b.seq;
  }
};

// The pending timers, earliest (due, seq) first. Most are set "now + a configured duration" (offer
// timeout, reoffer delay, escalation step, wrap-up), so the timers set with one duration come due
// in the order they were set: each such duration gets a FIFO (push and pop O(1)) and only the
// FIFO heads compete in a small heap. A timer that would break its FIFO's order, or whose duration
// finds no FIFO left, goes to a general binary heap. Pops come in exactly the order one heap would
// give.
class TimerQueue {
 public:
  bool empty() const { return general_.empty() && heads_.empty(); }

  const Timer& top() const {
    if (heads_.empty()) return general_.front();
    const Timer& f = fifos_[heads_.front()].front();
    return general_.empty() || TimerLater{}(general_.front(), f) ? f : general_.front();
  }

  void pop() {
    if (heads_.empty() || (!general_.empty() && !TimerLater{}(general_.front(), fifos_[heads_.front()].front()))) {
      std::pop_heap(general_.begin(), general_.end(), TimerLater{});
      general_.pop_back();
      return;
    }
    std::pop_heap(heads_.begin(), heads_.end(), headLater());
    Fifo& f = fifos_[heads_.back()];
    if (++f.head == f.ring.size()) {
      f.ring.clear();
      f.head = 0;
      heads_.pop_back();
      return;
    }
    if (f.head >= 64 && f.head * 2 >= f.ring.size()) {  // drop the consumed front, amortised O(1)
      f.ring.erase(f.ring.begin(), f.ring.begin() + static_cast<std::ptrdiff_t>(f.head));
      f.head = 0;
    }
    std::push_heap(heads_.begin(), heads_.end(), headLater());
  }

  // `after`: the duration the timer was set with (due - now).
  void push(const Timer& t, DurationMs after) {
    std::uint32_t fi = after == last_after_ ? last_fifo_ : fifo_index_.find(after + 1);
    if (fi == kNone && fifos_.size() < kMaxFifos && after >= 0) {
      fi = static_cast<std::uint32_t>(fifos_.size());
      fifos_.emplace_back();
      fifo_index_.insert(after + 1, fi);
    }
    last_after_ = after;
    last_fifo_ = fi;
    if (fi != kNone) {
      Fifo& f = fifos_[fi];
      if (f.head == f.ring.size()) {
        f.ring.push_back(t);
        heads_.push_back(fi);
        std::push_heap(heads_.begin(), heads_.end(), headLater());
        return;
      }
      if (t.due >= f.ring.back().due) {  // its seq is the highest yet: (due, seq) order holds
        f.ring.push_back(t);
        return;
      }
    }
    general_.push_back(t);
    std::push_heap(general_.begin(), general_.end(), TimerLater{});
  }

  std::size_t bytes() const {
    std::size_t b = general_.capacity() * sizeof(Timer) + heads_.capacity() * sizeof(std::uint32_t) + fifo_index_.bytes();
    for (const Fifo& f : fifos_) b += sizeof(Fifo) + f.ring.capacity() * sizeof(Timer);
    return b;
  }

 private:
  static constexpr std::size_t kMaxFifos = 64;
  struct Fifo {
    std::vector<Timer> ring;  // [head, size) pending, in (due, seq) order
    std::size_t head = 0;
    const Timer& front() const { return ring[head]; }
  };
  struct HeadLater {
    const TimerQueue* q;
    bool operator()(std::uint32_t a, std::uint32_t b) const { return TimerLater{}(q->fifos_[a].front(), q->fifos_[b].front()); }
  };
  HeadLater headLater() const { return HeadLater{this}; }

  std::vector<Timer> general_;        // binary heap by TimerLater
  std::vector<Fifo> fifos_;
  FlatMap fifo_index_;                // duration + 1 -> FIFO
  DurationMs last_after_ = -1;        // the last duration looked up, and its FIFO (or kNone)
  std::uint32_t last_fifo_ = kNone;
  std::vector<std::uint32_t> heads_;  // heap of the non-empty FIFOs by their front timer
};

Error invalid(std::string m) { return makeError(ErrorCode::InvalidInput, std::move(m)); }
Error notFound(std::string m) { return makeError(ErrorCode::NotFound, std::move(m)); }
Error conflict(std::string m) { return makeError(ErrorCode::Conflict, std::move(m)); }

}  // namespace

// ------------------------------------------------------------------------------------------------
// Impl
// ------------------------------------------------------------------------------------------------

struct Engine::Impl {
  EngineConfig cfg;
  TimestampMs now = 0;
  TimestampMs next_hours_check = 0;

  // The large per-slot arrays sit on huge pages (huge_pages.hpp: the engine is bound by TLB reach).
  HugeVector<AgentRec> agents;
  HugeVector<SkillProfile> agent_skills;  // per agent slot
  SlotIndex agent_index;  // the agent record (its first line holds the id) confirms a match
  HugeVector<TaskRec> tasks;           // per task slot: the hot part of the record
  HugeVector<TaskCold> tcold;          // per task slot: the rest
  HugeVector<Exclusions> exclusions;   // per task slot: agents skipped for a while (under kExcluded)
  HugeVector<std::uint32_t> heap_pos;  // per task slot: its index in its class heap (while Waiting)
  std::vector<std::uint32_t> free_tasks;
  SlotIndex task_index;
  std::vector<QueueRec> queues;
  FlatMap queue_index;
  std::vector<std::uint32_t> hours_queues;
  std::vector<ClassBucket> classes;
  FlatMap class_index;
  std::vector<CompiledReq> reqs;
  std::unordered_map<std::string, std::uint32_t> req_index;  // lookup only, never iterated
  FlatMap skill_index;
  int skill_count = 0;

  TimerQueue timers;
  std::uint64_t timer_seq = 0;
  std::uint64_t task_seq = 0;

  std::vector<Decision> out;
  std::vector<std::uint32_t> route_tasks;
  std::vector<std::uint32_t> dirty;
  std::array<std::uint32_t, kMaxOfferFanout> pick{};
  std::vector<std::uint32_t> walk_frontier;  // scratch for walking a ready index in order
  // Positions in the ready heaps per membership (by Membership::id), apart from the agent records
  // so that moving an entry touches one small array.
  HugeVector<std::array<std::uint32_t, kMediaCount>> ready_pos;
  // His current ranking key per media. The key in his heap entry may be lower (worse keys are not
  // pushed down at once, see updateIndex); findAgentsForTask corrects what its walk meets.
  HugeVector<std::array<std::int64_t, kMediaCount>> ready_key;
  // Per membership id: he meets his queue's default requirement (what most tasks need), so the
  // searches skip his skill profile for it. Set where skills or the requirement change
  // (configureAgent, configureQueue).
  HugeVector<std::uint8_t> meets_default;
  std::vector<std::uint32_t> free_member_ids;

  explicit Impl(EngineConfig c) : cfg(c) {}

  auto taskIdOf() const {
    return [this](std::uint32_t ti) { return tasks[ti].id.value; };
  }

  // ---- skills and requirements ---------------------------------------------------------------

  Result<int> skillBit(SkillId id, bool create) {
    if (!id.valid()) return invalid("skill id must be positive");
    std::uint32_t b = skill_index.find(id.value);
    if (b != kNone) return static_cast<int>(b);
    if (!create) return notFound("unknown skill");
    if (skill_count >= kMaxSkills) return invalid("more than 256 distinct skills");
    skill_index.insert(id.value, static_cast<std::uint32_t>(skill_count));
    return skill_count++;
  }

  Result<std::uint32_t> intern(const Requirement& r) {
    // Canonical form: per alternative (skill bit -> highest min level) sorted; alternatives
    // sorted and unique; an empty alternative makes the whole requirement "anyone".
    std::vector<std::vector<std::pair<int, int>>> alts;
    std::vector<std::vector<SkillLevel>> src;
    bool anyone = false;
    for (const auto& alt : r.alternatives) {
      std::vector<std::pair<int, int>> bits;
      for (const auto& s : alt) {
        if (s.level < 1 || s.level > kMaxProficiency) return invalid("skill level must be 1..5");
        auto b = skillBit(s.skill, true);
        if (!b) return std::move(b).error();
        bits.emplace_back(*b, s.level);
      }
      std::sort(bits.begin(), bits.end());
      std::vector<std::pair<int, int>> merged;
      for (auto& p : bits) {
        if (!merged.empty() && merged.back().first == p.first) merged.back().second = std::max(merged.back().second, p.second);
        else merged.push_back(p);
      }
      if (merged.empty()) anyone = true;
      alts.push_back(std::move(merged));
    }
    if (anyone) alts.clear();
    std::sort(alts.begin(), alts.end());
    alts.erase(std::unique(alts.begin(), alts.end()), alts.end());
    std::string key;
    for (const auto& a : alts) {
      for (const auto& [bit, lvl] : a) {
        key.push_back(static_cast<char>(bit & 0xFF));
        key.push_back(static_cast<char>(lvl));
      }
      key.push_back('\xFF');
      key.push_back('\xFF');
    }
    auto it = req_index.find(key);
    if (it != req_index.end()) return it->second;
    CompiledReq c;
    // Keep the caller's ids in the canonical source: rebuild from the bits.
    std::vector<SkillId> bit_to_id(static_cast<std::size_t>(skill_count));
    for (const auto& alt : r.alternatives)
      for (const auto& s : alt) bit_to_id[static_cast<std::size_t>(skill_index.find(s.skill.value))] = s.skill;
    for (const auto& a : alts) {
      CompiledAlt ca;
      std::vector<SkillLevel> levels;
      for (const auto& [bit, lvl] : a) {
        ca.need[static_cast<std::size_t>(lvl - 1)].set(bit);
        levels.push_back(SkillLevel{bit_to_id[static_cast<std::size_t>(bit)], lvl});
        if (std::find(c.skill_bits.begin(), c.skill_bits.end(), bit) == c.skill_bits.end()) c.skill_bits.push_back(bit);
      }
      ca.indexNonZero();
      c.alts.push_back(ca);
      c.source.alternatives.push_back(std::move(levels));
    }
    auto idx = static_cast<std::uint32_t>(reqs.size());
    reqs.push_back(std::move(c));
    req_index.emplace(std::move(key), idx);
    return idx;
  }

  std::uint32_t classFor(std::uint32_t qi, Media media, std::uint32_t req) {
    QueueRec& q = queues[qi];
    int mi = static_cast<int>(media);
    if (req == q.req && q.default_class[mi] != kNone) return q.default_class[mi];
    std::int64_t key = (static_cast<std::int64_t>(qi) << 36) | (static_cast<std::int64_t>(req) << 2) | mi;
    ++key;  // keys must be positive
    std::uint32_t c = class_index.find(key);
    if (c == kNone) {
      c = static_cast<std::uint32_t>(classes.size());
      ClassBucket b;
      b.queue = qi;
      b.req = req;
      b.media = media;
      classes.push_back(std::move(b));
      class_index.insert(key, c);
    }
    if (req == q.req) q.default_class[mi] = c;
    return c;
  }

  // ---- decisions -------------------------------------------------------------------------------

  Decision& emit(DecisionKind kind, const TaskRec* t, std::uint32_t agent) {
    Decision d;
    d.kind = kind;
    d.at = now;
    if (t) {
      d.task = t->id;
      d.queue = queues[t->queue].cfg.id;
      d.priority = t->priority;
    }
    if (agent != kNone) d.agent = agents[agent].id;
    out.push_back(d);
    return out.back();
  }

  // ---- timers -------------------------------------------------------------------------------------

  void schedule(TimerKind kind, TimestampMs due, std::uint32_t idx, std::uint32_t gen) {
    timers.push(Timer{due, timer_seq++, idx, gen, kind}, due - now);
  }

  // ---- class heaps -------------------------------------------------------------------------------

  HeapEntry entryOf(std::uint32_t ti) const {
    const TaskRec& t = tasks[ti];
    return HeapEntry{t.priority, ti, t.enqueued_at, t.seq | ((t.flags & kExcluded) ? kExcludedFlag : 0)};
  }

  auto taskMoved(ClassBucket& c) {
    return [this, &c](const HeapEntry& e, std::size_t i) {
      heap_pos[e.task] = static_cast<std::uint32_t>(i);
      if (i == 0) c.top = e;
    };
  }

  void heapPush(std::uint32_t ci, std::uint32_t ti) {
    ClassBucket& c = classes[ci];
    c.heap.push_back(entryOf(ti));
    heapSiftUp(c.heap, c.heap.size() - 1, before, taskMoved(c));
    if (c.active_pos == kNone) {
      QueueRec& q = queues[c.queue];
      c.active_pos = static_cast<std::uint32_t>(q.active_classes.size());
      q.active_classes.push_back(ci);
    }
  }

  void heapRemove(std::uint32_t ci, std::uint32_t pos) {
    ClassBucket& c = classes[ci];
    heapErase(c.heap, pos, before, taskMoved(c));
    if (c.heap.empty()) {
      QueueRec& q = queues[c.queue];
      std::uint32_t moved = q.active_classes.back();
      q.active_classes[c.active_pos] = moved;
      classes[moved].active_pos = c.active_pos;
      q.active_classes.pop_back();
      c.active_pos = kNone;
    }
  }

  // ---- agents: index, categories ------------------------------------------------------------------

  void markDirty(std::uint32_t ai) {
    AgentRec& a = agents[ai];
    if (!a.dirty) {
      a.dirty = true;
      dirty.push_back(ai);
    }
  }

  static Strategy indexStrategy(const QueueRec& q) {
    return q.cfg.strategy == Strategy::PreferredAgentFirst ? q.cfg.fallback_strategy : q.cfg.strategy;
  }

  std::int64_t keyFor(const AgentRec& a, const Membership& m, const QueueRec& q) const {
    constexpr std::int64_t kIdleMask = (1LL << 44) - 1;
    std::int64_t idle = std::clamp<std::int64_t>(a.idle_since, 0, kIdleMask);
    switch (indexStrategy(q)) {
      case Strategy::LongestIdle:
      case Strategy::PreferredAgentFirst: return idle;
      case Strategy::LeastOccupied: {
        std::int64_t occ = 0;  // permille per media, summed
        for (int i = 0; i < kMediaCount; ++i)
          if (a.capacity[i] > 0) occ += static_cast<std::int64_t>(a.load[i]) * 1000 / a.capacity[i];
        return (std::min<std::int64_t>(occ, 0xFFFFF) << 44) | idle;
      }
      case Strategy::MostSkilled: return (static_cast<std::int64_t>(0xFFFF - std::min(m.score, 0xFFFF)) << 44) | idle;
      case Strategy::RoundRobin: return static_cast<std::int64_t>(m.rr);
    }
    return idle;
  }

  auto readyMoved(int media) {
    return [this, media](const ReadyEntry& e, std::size_t i) {
      ready_pos[e.member][static_cast<std::size_t>(media)] = static_cast<std::uint32_t>(i);
    };
  }

  void updateIndex(std::uint32_t ai) {
    AgentRec& a = agents[ai];
    std::uint8_t ready_mask = a.state == AgentState::Available ? a.roomMask() : 0;  // media he may be offered now
    for (Membership& m : a.memberships) {
      if (!ready_mask && !m.indexed) continue;
      QueueRec& q = queues[m.queue];
      std::uint8_t wanted = q.media_seen & ready_mask;
      for (unsigned todo = wanted | m.indexed; todo; todo &= todo - 1) {
        int i = std::countr_zero(todo);
        std::uint8_t bit = static_cast<std::uint8_t>(1u << i);
        bool want = (wanted & bit) != 0;
        bool has = (m.indexed & bit) != 0;
        if (!want && !has) continue;
        HugeVector<ReadyEntry>& h = q.ready[i];
        if (!want) {
          heapErase(h, ready_pos[m.id][i], ahead, readyMoved(i));
          m.indexed &= static_cast<std::uint8_t>(~bit);
          continue;
        }
        std::int64_t key = keyFor(a, m, q);
        std::int64_t& current = ready_key[m.id][static_cast<std::size_t>(i)];
        if (has && key >= current) {
          // A worse key only lowers his rank, so his entry keeps its lower key until a walk meets
          // it (fixReady): most re-keys are an agent's idle time moving on, many times between two
          // walks of that queue's index. The entry (key <= current <= key) is not even read.
          current = key;
          continue;
        }
        current = key;
        if (has) {
          // A better key moves him up at once.
          std::uint32_t pos = ready_pos[m.id][i];
          if (key < h[pos].key) {
            h[pos].key = key;
            heapSiftUp(h, pos, ahead, readyMoved(i));
          }
        } else {
          h.push_back(ReadyEntry{key, ai, m.id});
          heapSiftUp(h, h.size() - 1, ahead, readyMoved(i));
          m.indexed |= bit;
        }
      }
    }
  }

  void unindex(std::uint32_t ai) {
    AgentRec& a = agents[ai];
    for (Membership& m : a.memberships) {
      QueueRec& q = queues[m.queue];
      for (int i = 0; i < kMediaCount; ++i)
        if (m.indexed & (1u << i)) heapErase(q.ready[i], ready_pos[m.id][i], ahead, readyMoved(i));
      m.indexed = 0;
    }
  }

  static Category categoryOf(const AgentRec& a) {
    switch (a.state) {
      case AgentState::Offline: return Category::Offline;
      case AgentState::Away: return Category::Away;
      case AgentState::WrapUp: return Category::Busy;
      case AgentState::Available: return a.totalLoad() > 0 ? Category::Busy : Category::Idle;
    }
    return Category::Offline;
  }

  void updateCategory(std::uint32_t ai) {
    AgentRec& a = agents[ai];
    Category c = categoryOf(a);
    if (c == a.category) return;
    for (const Membership& m : a.memberships) {
      auto& counts = queues[m.queue].agents_by_category;
      --counts[static_cast<int>(a.category)];
      ++counts[static_cast<int>(c)];
    }
    a.category = c;
  }

  Membership* membership(AgentRec& a, std::uint32_t qi) {
    for (auto& m : a.memberships)
      if (m.queue == qi) return &m;
    return nullptr;
  }

  int scoreOf(const AgentRec& a, const QueueRec& q) const {
    int s = 0;
    for (int bit : q.scoring_bits)
      for (const auto& [b, lvl] : a.skill_levels)
        if (b == bit) s += lvl;
    return s;
  }

  // A queue sees a media for the first time: index its members for it.
  void ensureMedia(std::uint32_t qi, Media media) {
    QueueRec& q = queues[qi];
    std::uint8_t bit = static_cast<std::uint8_t>(1u << static_cast<int>(media));
    if (q.media_seen & bit) return;
    q.media_seen |= bit;
    for (std::uint32_t ai : q.members) updateIndex(ai);
  }

  // ---- exclusions (reoffer delay) ------------------------------------------------------------------

  bool isExcluded(std::uint32_t ti, std::uint32_t ai) const { return (tasks[ti].flags & kExcluded) && inExclusions(ti, ai); }

  // Reads only the list (a heap entry's flag already said the task has one).
  bool inExclusions(std::uint32_t ti, std::uint32_t ai) const {
    for (const auto& [a, until] : exclusions[ti])
      if (a == ai && until > now) return true;
    return false;
  }

  // The flag mirrors whether the task's exclusion list holds entries.
  void syncExcluded(std::uint32_t ti) {
    TaskRec& t = tasks[ti];
    t.flags = static_cast<std::uint8_t>(exclusions[ti].empty() ? t.flags & ~kExcluded : t.flags | kExcluded);
  }

  void exclude(std::uint32_t ti, std::uint32_t ai) {
    Exclusions& ex = exclusions[ti];
    std::erase_if(ex, [&](const auto& e) { return e.second <= now || e.first == ai; });
    if (ex.size() >= kMaxExclusions) ex.erase(ex.begin());
    TimestampMs until = now + std::max<DurationMs>(queues[tasks[ti].queue].cfg.reoffer_after_ms, 0);
    if (until > now) {
      ex.emplace_back(ai, until);
      schedule(TimerKind::ExclusionEnd, until, ti, 0);
    }
    syncExcluded(ti);
  }

  // ---- waiting --------------------------------------------------------------------------------------

  void enqueueWaiting(std::uint32_t ti) {
    TaskRec& t = tasks[ti];
    QueueRec& q = queues[t.queue];
    std::uint32_t gen = ++t.gen;
    ++q.waiting;
    ensureMedia(t.queue, t.media);
    if ((t.flags & kPreferred) && tcold[ti].preferred_until > now) {
      TaskCold& c = tcold[ti];
      t.state = TaskState::WaitingPreferred;
      AgentRec& a = agents[c.preferred];
      c.pref_pos = static_cast<std::uint32_t>(a.preferred.size());
      a.preferred.push_back(ti);
      c.qpref_pos = static_cast<std::uint32_t>(q.preferred_waiting.size());
      q.preferred_waiting.push_back(ti);
      schedule(TimerKind::PreferredFallback, c.preferred_until, ti, gen);
    } else {
      t.flags &= static_cast<std::uint8_t>(~kPreferred);
      t.state = TaskState::Waiting;
      t.klass = classFor(t.queue, t.media, t.req);
      heapPush(t.klass, ti);
    }
    if (t.next_step < q.cfg.escalation.size())
      schedule(TimerKind::Escalation, t.entered_queue_at + q.cfg.escalation[t.next_step].after_ms, ti, gen);
    route_tasks.push_back(ti);
  }

  void detachWaiting(std::uint32_t ti) {
    TaskRec& t = tasks[ti];
    QueueRec& q = queues[t.queue];
    if (t.state == TaskState::Waiting) {
      heapRemove(t.klass, heap_pos[ti]);
      heap_pos[ti] = kNone;
    } else if (t.state == TaskState::WaitingPreferred) {
      TaskCold& c = tcold[ti];
      AgentRec& a = agents[c.preferred];
      std::uint32_t moved = a.preferred.back();
      a.preferred[c.pref_pos] = moved;
      tcold[moved].pref_pos = c.pref_pos;
      a.preferred.pop_back();
      moved = q.preferred_waiting.back();
      q.preferred_waiting[c.qpref_pos] = moved;
      tcold[moved].qpref_pos = c.qpref_pos;
      q.preferred_waiting.pop_back();
      c.pref_pos = c.qpref_pos = kNone;
    } else {
      return;
    }
    --q.waiting;
  }

  // ---- offers -------------------------------------------------------------------------------------------

  void takeLoad(std::uint32_t ai, Media m) {
    ++agents[ai].load[static_cast<int>(m)];
    markDirty(ai);
  }

  void releaseLoad(std::uint32_t ai, Media m) {
    AgentRec& a = agents[ai];
    --a.load[static_cast<int>(m)];
    markDirty(ai);
  }

  void recordAnswered(QueueRec& q, TimestampMs enqueued_at) {
    DurationMs wait = std::max<DurationMs>(0, now - enqueued_at);
    bool within = wait <= q.cfg.service_level.threshold_ms;
    for (StatBucket* b : {&bucketAt(q), &q.totals}) {
      ++b->answered;
      b->within += within ? 1 : 0;
      b->wait_sum += wait;
    }
  }

  void recordAbandoned(QueueRec& q, TimestampMs enqueued_at) {
    DurationMs wait = std::max<DurationMs>(0, now - enqueued_at);
    bool after = wait > q.cfg.service_level.threshold_ms;
    for (StatBucket* b : {&bucketAt(q), &q.totals}) {
      ++b->abandoned;
      b->abandoned_after += after ? 1 : 0;
    }
  }

  StatBucket& bucketAt(QueueRec& q) {
    std::int64_t minute = now / kBucketMs;
    StatBucket& b = q.buckets[static_cast<std::size_t>(minute % kStatBuckets)];
    if (b.minute != minute) b = StatBucket{minute};
    return b;
  }

  void assign(std::uint32_t ti, std::uint32_t ai, bool auto_accepted) {
    TaskRec& t = tasks[ti];
    t.state = TaskState::Assigned;
    t.agent = ai;
    ++tasks[ti].gen;
    recordAnswered(queues[t.queue], t.enqueued_at);
    emit(DecisionKind::Assigned, &t, ai).auto_accepted = auto_accepted;
  }

  // The task has been detached from waiting; `n` agents in `pick` have room for it.
  void offerTask(std::uint32_t ti, int n) {
    TaskRec& t = tasks[ti];
    QueueRec& q = queues[t.queue];
    for (int i = 0; i < n; ++i) {
      std::uint32_t ai = pick[static_cast<std::size_t>(i)];
      if (Membership* m = membership(agents[ai], t.queue)) m->rr = ++q.rr_clock;
      agents[ai].idle_since = now;  // longest idle counts from the last offer or completion
    }
    if (q.cfg.auto_accept) {
      std::uint32_t ai = pick[0];
      takeLoad(ai, t.media);
      agents[ai].no_answers = 0;
      t.n_offered = 0;
      assign(ti, ai, true);
      return;
    }
    t.state = TaskState::Offered;
    std::uint32_t gen = ++tasks[ti].gen;
    ++q.offered;
    t.n_offered = static_cast<std::uint8_t>(n);
    TimestampMs expires = now + q.cfg.offer_timeout_ms;
    for (int i = 0; i < n; ++i) {
      std::uint32_t ai = pick[static_cast<std::size_t>(i)];
      offeredAt(ti, i) = ai;
      takeLoad(ai, t.media);
      agents[ai].offers.push_back(ti);
      Decision& d = emit(DecisionKind::Offer, &t, ai);
      d.expires_at = expires;
      d.group_size = static_cast<std::uint8_t>(n);
    }
    schedule(TimerKind::OfferTimeout, expires, ti, gen);
  }

  // Removes agent `ai` from the offer of task `ti` and frees his reservation. When nobody is left
  // and the task is still Offered, it goes back to waiting (keeping its place).
  void withdraw(std::uint32_t ti, std::uint32_t ai) {
    TaskRec& t = tasks[ti];
    for (int i = 0; i < t.n_offered; ++i) {
      if (offeredAt(ti, i) != ai) continue;
      offeredAt(ti, i) = offeredAt(ti, t.n_offered - 1);
      --t.n_offered;
      break;
    }
    AgentRec& a = agents[ai];
    a.offers.eraseValue(ti);
    releaseLoad(ai, t.media);
    if (t.state == TaskState::Offered && t.n_offered == 0) {
      --queues[t.queue].offered;
      t.flags &= static_cast<std::uint8_t>(~kPreferred);  // the preferred agent had his chance
      enqueueWaiting(ti);
    }
  }

  void setAway(std::uint32_t ai) {
    AgentRec& a = agents[ai];
    a.state = AgentState::Away;
    ++a.wrap_gen;
    emit(DecisionKind::AgentSetAway, nullptr, ai);
    revokeAgentOffers(ai, RevokeReason::AgentUnavailable);
    markDirty(ai);
  }

  void revokeAgentOffers(std::uint32_t ai, RevokeReason reason) {
    InlineVec<std::uint32_t, 4> offers = agents[ai].offers;
    for (std::uint32_t ti : offers) {
      emit(DecisionKind::OfferRevoked, &tasks[ti], ai).reason = reason;
      withdraw(ti, ai);
    }
  }

  // Leaves the task in no structure (not waiting, not offered, no agent); used before it is
  // removed, transferred or escalated.
  void detachAll(std::uint32_t ti, RevokeReason reason) {
    TaskRec& t = tasks[ti];
    switch (t.state) {
      case TaskState::Waiting:
      case TaskState::WaitingPreferred: detachWaiting(ti); break;
      case TaskState::Offered: {
        t.state = TaskState::Pending;  // any non-Offered state: withdraw() must not re-queue
        --queues[t.queue].offered;
        while (t.n_offered > 0) {
          std::uint32_t ai = offeredAt(ti, t.n_offered - 1);
          emit(DecisionKind::OfferRevoked, &t, ai).reason = reason;
          withdraw(ti, ai);
        }
        break;
      }
      case TaskState::Assigned: releaseLoad(t.agent, t.media); [[fallthrough]];
      case TaskState::Pending: {
        agents[t.agent].idle_since = std::max(agents[t.agent].idle_since, now);
        markDirty(t.agent);
        break;
      }
    }
    t.agent = kNone;
    ++tasks[ti].gen;
  }

  // Frees the slot; its cold part is left as it is (newTask() resets it when the slot is reused).
  void freeTask(std::uint32_t ti) {
    TaskRec& t = tasks[ti];
    task_index.erase(t.id.value, taskIdOf());
    if (t.flags & kExcluded) exclusions[ti].clear();
    std::uint32_t gen = t.gen + 1;  // generations survive slot reuse: old timers stay stale
    t = TaskRec{};
    t.gen = gen;
    free_tasks.push_back(ti);
  }

  // ---- matching ---------------------------------------------------------------------------------------

  bool queueOpen(std::uint32_t qi) const { return queues[qi].open; }

  // Appends up to `max` agents (beyond the `n` already in pick) for task ti. Returns the new count.
  int findAgentsForTask(std::uint32_t ti, int n, int max) {
    TaskRec& t = tasks[ti];
    if (!queueOpen(t.queue)) return n;
    auto already = [&](std::uint32_t ai) {
      for (int i = 0; i < n; ++i)
        if (pick[static_cast<std::size_t>(i)] == ai) return true;
      return false;
    };
    if (t.state == TaskState::WaitingPreferred) {
      std::uint32_t ai = tcold[ti].preferred;
      if (n == 0 && agents[ai].ready(t.media) && !isExcluded(ti, ai)) pick[static_cast<std::size_t>(n++)] = ai;
      return n;
    }
    if (n >= max) return n;
    const CompiledReq& req = reqs[t.req];
    QueueRec& q = queues[t.queue];
    bool default_req = t.req == q.req;
    int mi = static_cast<int>(t.media);
    HugeVector<ReadyEntry>& h = q.ready[mi];
    fixReadyRoot(h, mi);
    bool lagging = false;
    auto walk = [&] {
      heapWalkInOrder(h, ahead, walk_frontier, [&](const ReadyEntry& e) {
        if (e.key != ready_key[e.member][static_cast<std::size_t>(mi)]) {
          lagging = true;  // his place is further down: set every key right, then walk again
          return false;
        }
        std::uint32_t ai = e.agent;
        const AgentRec& a = agents[ai];
        if (!a.ready(t.media)) return true;  // changed during this event; re-indexed at its end
        if (isExcluded(ti, ai)) return true;
        if (default_req ? !meets_default[e.member] : !eligible(agent_skills[ai], req)) return true;
        if (already(ai)) return true;
        pick[static_cast<std::size_t>(n++)] = ai;
        return n < max;
      });
    };
    walk();
    if (lagging) {
      fixReady(h, mi);
      walk();  // the agents picked before are in order (every entry met before was right) and skipped
    }
    return n;
  }

  // Ready entries whose key lags behind their agent's (a worse key not yet applied) are set right
  // before a walk uses them: the root until it is right (each step O(log n), once per lagging
  // entry), or, when the walk meets one further down, the whole heap (O(n), rare: the root is
  // most often the agent taken). Keys only lag upwards, so the root is then the best agent.
  void fixReadyRoot(HugeVector<ReadyEntry>& h, int mi) {
    while (!h.empty() && h[0].key != ready_key[h[0].member][static_cast<std::size_t>(mi)]) {
      h[0].key = ready_key[h[0].member][static_cast<std::size_t>(mi)];
      heapSiftDown(h, 0, ahead, readyMoved(mi));
    }
  }

  void fixReady(HugeVector<ReadyEntry>& h, int mi) {
    for (ReadyEntry& e : h) e.key = ready_key[e.member][static_cast<std::size_t>(mi)];
    if (h.size() < 2) return;
    for (std::size_t i = (h.size() - 2) / kArity + 1; i-- > 0;) heapSiftDown(h, i, ahead, readyMoved(mi));
  }

  // Whether task ti is Offered to agent ai now.
  bool openOfferTo(std::uint32_t ti, std::uint32_t ai) const {
    const TaskRec& t = tasks[ti];
    if (t.state != TaskState::Offered) return false;
    for (int i = 0; i < t.n_offered; ++i)
      if (offeredAt(ti, i) == ai) return true;
    return false;
  }

  // The i-th agent task ti is offered to (i < n_offered).
  std::uint32_t& offeredAt(std::uint32_t ti, int i) {
    return i == 0 ? tasks[ti].offered0 : tcold[ti].offered_more[static_cast<std::size_t>(i - 1)];
  }
  std::uint32_t offeredAt(std::uint32_t ti, int i) const {
    return i == 0 ? tasks[ti].offered0 : tcold[ti].offered_more[static_cast<std::size_t>(i - 1)];
  }

  int fanoutOf(const TaskRec& t) const {
    const QueueRec& q = queues[t.queue];
    if (q.cfg.auto_accept || t.state == TaskState::WaitingPreferred) return 1;
    return q.cfg.offer_fanout;
  }

  void routeTask(std::uint32_t ti) {
    TaskRec& t = tasks[ti];
    if (!t.id.valid() || (t.state != TaskState::Waiting && t.state != TaskState::WaitingPreferred)) return;
    int n = findAgentsForTask(ti, 0, fanoutOf(t));
    if (n == 0) return;
    detachWaiting(ti);
    offerTask(ti, n);
  }

  // The best waiting task agent ai may take now, or kNone.
  std::uint32_t findTaskForAgent(std::uint32_t ai) {
    AgentRec& a = agents[ai];
    if (a.state != AgentState::Available) return kNone;
    std::uint8_t room = a.roomMask();
    if (!room) return kNone;
    bool have = false;
    HeapEntry best{};
    std::uint32_t best_task = kNone;
    auto consider = [&](const HeapEntry& e) {
      if (!have || before(e, best)) {
        best = e;
        best_task = e.task;
        have = true;
      }
    };
    for (std::uint32_t ti : a.preferred) {
      const TaskRec& t = tasks[ti];
      if (a.hasRoom(t.media) && queueOpen(t.queue) && !isExcluded(ti, ai)) consider(entryOf(ti));
    }
    for (const Membership& m : a.memberships) {
      const QueueRec& q = queues[m.queue];
      if (!q.open || !(q.media_seen & room)) continue;
      for (std::uint32_t ci : q.active_classes) {
        const ClassBucket& c = classes[ci];
        if (!(room & (1u << static_cast<int>(c.media)))) continue;
        if (c.req == q.req ? !meets_default[m.id] : !eligible(agent_skills[ai], reqs[c.req])) continue;
        const HeapEntry& head = c.top;
        if (!head.excluded() || !inExclusions(head.task, ai)) {
          consider(head);
          continue;
        }
        // The head skips him for a while: the next best is one of its children.
        for (std::size_t i = 1; i <= kArity && i < c.heap.size(); ++i) {
          const HeapEntry& e = c.heap[i];
          if (!e.excluded() || !inExclusions(e.task, ai)) consider(e);
        }
      }
    }
    return best_task;
  }

  void routeAgent(std::uint32_t ai) {
    for (;;) {
      std::uint32_t ti = findTaskForAgent(ai);
      if (ti == kNone) return;
      TaskRec& t = tasks[ti];
      pick[0] = ai;
      int n = findAgentsForTask(ti, 1, fanoutOf(t));
      detachWaiting(ti);
      offerTask(ti, n);
    }
  }

  void settle() {
    std::size_t ti = 0, ai = 0;
    for (;;) {
      if (ti < route_tasks.size()) {
        routeTask(route_tasks[ti++]);
        continue;
      }
      if (ai < dirty.size()) {
        std::uint32_t a = dirty[ai++];
        routeAgent(a);
        updateIndex(a);
        updateCategory(a);
        agents[a].dirty = false;
        continue;
      }
      break;
    }
    route_tasks.clear();
    dirty.clear();
  }

  // ---- time -------------------------------------------------------------------------------------------

  void advanceTo(TimestampMs target) {
    target = std::max(target, now);
    while (!timers.empty() && timers.top().due <= target) {
      Timer tm = timers.top();
      timers.pop();
      now = std::max(now, tm.due);
      fire(tm);
      settle();
    }
    now = target;
    if (!hours_queues.empty() && now >= next_hours_check) {
      DurationMs iv = std::max<DurationMs>(cfg.hours_check_interval_ms, 1);
      next_hours_check = (now / iv + 1) * iv;
      for (std::uint32_t qi : hours_queues) checkHours(qi);
      settle();
    }
    prefetchNextTimer();
  }

  // The next timer to fire is most often a stale offer timeout (answered long ago): its check
  // reads the task's record at a random place, so fetch that while the rest of this event and
  // the caller run. A hint only: nothing depends on it.
  void prefetchNextTimer() const {
    if (timers.empty()) return;
    const Timer& t = timers.top();
    if (t.kind != TimerKind::WrapUpEnd && t.idx < tasks.size()) __builtin_prefetch(&tasks[t.idx]);
  }

  void checkHours(std::uint32_t qi) {
    QueueRec& q = queues[qi];
    bool open = !q.cfg.open_hours || q.cfg.open_hours(now);
    if (open == q.open) return;
    q.open = open;
    if (!open) return;
    // Reopened: offer what waited, head by head, while agents are ready.
    InlineVec<std::uint32_t, 4> active = q.active_classes;
    for (std::uint32_t ci : active) {
      while (!classes[ci].heap.empty()) {
        std::uint32_t ti = classes[ci].heap[0].task;
        int n = findAgentsForTask(ti, 0, fanoutOf(tasks[ti]));
        if (n == 0) break;
        detachWaiting(ti);
        offerTask(ti, n);
      }
    }
    for (std::uint32_t ti : q.preferred_waiting) route_tasks.push_back(ti);
  }

  void fire(const Timer& tm) {
    switch (tm.kind) {
      case TimerKind::OfferTimeout: {
        TaskRec& t = tasks[tm.idx];
        if (t.gen != tm.gen || !t.id.valid() || t.state != TaskState::Offered) return;  // mostly answered long ago
        std::uint32_t ti = tm.idx;
        // Expire every remaining agent; the last withdraw() puts the task back in its queue.
        std::vector<std::uint32_t> missed;
        for (int i = 0; i < t.n_offered; ++i) missed.push_back(offeredAt(ti, i));
        for (std::uint32_t ai : missed) {
          emit(DecisionKind::OfferExpired, &tasks[ti], ai);
          exclude(ti, ai);
          withdraw(ti, ai);
          AgentRec& a = agents[ai];
          ++a.no_answers;
          if (cfg.max_no_answers > 0 && a.no_answers >= cfg.max_no_answers &&
              (a.state == AgentState::Available || a.state == AgentState::WrapUp))
            setAway(ai);
        }
        return;
      }
      case TimerKind::Escalation: {
        TaskRec& t = tasks[tm.idx];
        if (t.gen != tm.gen || !t.id.valid()) return;
        if (t.state != TaskState::Waiting && t.state != TaskState::WaitingPreferred) return;
        escalate(tm.idx);
        return;
      }
      case TimerKind::PreferredFallback: {
        TaskRec& t = tasks[tm.idx];
        if (t.gen != tm.gen || !t.id.valid() || t.state != TaskState::WaitingPreferred) return;
        detachWaiting(tm.idx);
        t.flags &= static_cast<std::uint8_t>(~kPreferred);
        enqueueWaiting(tm.idx);  // re-schedules the pending escalation step under the new generation
        return;
      }
      case TimerKind::ExclusionEnd: {
        TaskRec& t = tasks[tm.idx];
        if (!t.id.valid()) return;
        // The skipped agents may take this task (or the ones behind it) again: let them look.
        Exclusions& ex = exclusions[tm.idx];
        for (const auto& [ai, until] : ex)
          if (until <= now) markDirty(ai);
        std::erase_if(ex, [&](const auto& e) { return e.second <= now; });
        syncExcluded(tm.idx);
        if (t.state == TaskState::Waiting && !(t.flags & kExcluded)) {
          // Refresh the heap entry's flag (not part of the order) so searches stop checking.
          ClassBucket& c = classes[t.klass];
          std::uint32_t pos = heap_pos[tm.idx];
          c.heap[pos] = entryOf(tm.idx);
          if (pos == 0) c.top = c.heap[0];
        }
        route_tasks.push_back(tm.idx);
        return;
      }
      case TimerKind::WrapUpEnd: {
        AgentRec& a = agents[tm.idx];
        if (a.wrap_gen != tm.gen || a.state != AgentState::WrapUp) return;
        a.state = AgentState::Available;
        a.idle_since = now;
        emit(DecisionKind::WrapUpEnded, nullptr, tm.idx);
        markDirty(tm.idx);
        return;
      }
    }
  }

  void escalate(std::uint32_t ti) {
    TaskRec& t = tasks[ti];
    std::uint32_t from = t.queue;
    const EscalationStep step = queues[from].cfg.escalation[t.next_step];
    std::uint8_t step_no = t.next_step;
    detachWaiting(ti);
    if (step.relax_to) {
      auto r = intern(*step.relax_to);  // validated at configureQueue
      if (r) t.req = *r;  // kReqFromQueue stays: an overflow takes the target queue's requirement
    }
    t.priority += step.raise_priority_by;
    ++t.steps_applied;
    std::uint32_t to = step.overflow_to.valid() ? queue_index.find(step.overflow_to.value) : kNone;
    if (to != kNone && to != from) {
      t.queue = to;
      t.entered_queue_at = now;
      t.next_step = 0;
      if (t.flags & kReqFromQueue) t.req = queues[to].req;
    } else {
      ++t.next_step;
    }
    Decision& d = emit(DecisionKind::TaskEscalated, &t, kNone);
    d.from_queue = queues[from].cfg.id;
    d.escalation_step = step_no;
    enqueueWaiting(ti);
  }

  // ---- lookups ------------------------------------------------------------------------------------------

  std::uint32_t agentSlot(AgentId id) const {
    return id.valid() ? agent_index.find(id.value, [this](std::uint32_t ai) { return agents[ai].id.value; }) : kNone;
  }
  std::uint32_t taskSlot(TaskId id) const { return id.valid() ? task_index.find(id.value, taskIdOf()) : kNone; }

  // The slots an answer to an offer names (kNone: unknown). The agent's open offers (a few) are
  // looked at first, so answering an open offer needs no probe of the task index.
  std::pair<std::uint32_t, std::uint32_t> answerSlots(TaskId task, AgentId agent) const {
    std::uint32_t ai = agentSlot(agent);
    if (ai != kNone && task.valid())
      for (std::uint32_t ti : agents[ai].offers)
        if (tasks[ti].id.value == task.value) return {ti, ai};
    return {taskSlot(task), ai};
  }
  std::uint32_t queueSlot(QueueId id) const { return id.valid() ? queue_index.find(id.value) : kNone; }

  std::uint32_t newMemberId() {
    if (!free_member_ids.empty()) {
      std::uint32_t id = free_member_ids.back();
      free_member_ids.pop_back();
      return id;
    }
    ready_pos.emplace_back();
    ready_key.emplace_back();
    meets_default.push_back(0);
    return static_cast<std::uint32_t>(ready_pos.size() - 1);
  }

  std::uint32_t newTaskSlot() {
    if (!free_tasks.empty()) {
      std::uint32_t ti = free_tasks.back();
      free_tasks.pop_back();
      return ti;
    }
    tasks.emplace_back();
    tcold.emplace_back();
    exclusions.emplace_back();
    heap_pos.push_back(kNone);
    return static_cast<std::uint32_t>(tasks.size() - 1);
  }

  // ---- new tasks (taskArrived, taskRestored) ----------------------------------------------------------

  struct NewTask {
    std::uint32_t queue = kNone;
    std::uint32_t agent = kNone;  // restored tasks: their agent
    std::uint32_t req = 0;
  };

  // The checks of a new task, in this order; `agent` (a restored task's) must be known too.
  Result<NewTask> checkNewTask(const TaskSpec& spec, const AgentId* agent) {
    if (!spec.id.valid()) return invalid("task id must be positive");
    if (taskSlot(spec.id) != kNone) return conflict("task already routed");
    NewTask n;
    n.queue = queueSlot(spec.queue);
    if (n.queue == kNone) return notFound("unknown queue");
    if (agent) {
      n.agent = agentSlot(*agent);
      if (n.agent == kNone) return notFound("unknown agent");
    }
    n.req = queues[n.queue].req;
    if (spec.requirement) {
      auto r = intern(*spec.requirement);
      if (!r) return std::move(r).error();
      n.req = *r;
    }
    return n;
  }

  // A fresh record for a checked task in a free slot (indexed, in no other structure yet; the
  // slot's generation goes on).
  std::uint32_t newTask(const TaskSpec& spec, const NewTask& n) {
    std::uint32_t ti = newTaskSlot();
    task_index.insert(spec.id.value, ti);
    TaskRec& t = tasks[ti];
    std::uint32_t gen = t.gen;
    t = TaskRec{};
    t.gen = gen;
    t.id = spec.id;
    t.queue = n.queue;
    t.req = n.req;
    if (spec.requirement) t.flags &= static_cast<std::uint8_t>(~kReqFromQueue);
    t.media = mediaOf(spec.channel);
    t.priority = spec.priority;
    t.enqueued_at = spec.enqueued_at > 0 ? spec.enqueued_at : now;
    t.entered_queue_at = now;
    t.seq = task_seq++;
    return ti;
  }

  DurationMs preferredTimeout(const QueueRec& q, DurationMs requested) const {
    if (requested > 0) return requested;
    if (requested < 0 && q.cfg.strategy == Strategy::PreferredAgentFirst) return q.cfg.preferred_timeout_ms;
    return 0;
  }

  void setPreferred(std::uint32_t ti, AgentId agent, DurationMs timeout) {
    TaskRec& t = tasks[ti];
    t.flags &= static_cast<std::uint8_t>(~kPreferred);
    std::uint32_t ai = agentSlot(agent);
    if (ai == kNone || timeout <= 0) return;
    t.flags |= kPreferred;
    tcold[ti].preferred = ai;
    tcold[ti].preferred_until = now + timeout;
  }

  static QueueFigures figures(std::int64_t answered, std::int64_t within, std::int64_t abandoned, std::int64_t abandoned_after,
                              std::int64_t wait_sum) {
    QueueFigures f;
    f.answered = answered;
    f.answered_within_threshold = within;
    f.abandoned = abandoned;
    f.abandoned_after_threshold = abandoned_after;
    if (answered + abandoned_after > 0) f.service_level = static_cast<double>(within) / static_cast<double>(answered + abandoned_after);
    if (answered > 0) f.asa_ms = static_cast<double>(wait_sum) / static_cast<double>(answered);
    return f;
  }

  Status validateQueue(const QueueConfig& c) {
    if (!c.id.valid()) return invalid("queue id must be positive");
    if (c.offer_fanout < 1 || c.offer_fanout > kMaxOfferFanout) return invalid("offer_fanout must be 1..8");
    if (c.offer_timeout_ms <= 0) return invalid("offer_timeout_ms must be positive");
    if (c.preferred_timeout_ms < 0 || c.wrap_up_ms < 0 || c.reoffer_after_ms < 0) return invalid("durations must not be negative");
    if (c.service_level.threshold_ms < 0 || !(c.service_level.target > 0.0 && c.service_level.target <= 1.0))
      return invalid("service level: threshold >= 0 and 0 < target <= 1");
    if (c.strategy == Strategy::PreferredAgentFirst && c.fallback_strategy == Strategy::PreferredAgentFirst)
      return invalid("fallback_strategy cannot be preferred_agent_first");
    if (c.escalation.size() > 255) return invalid("at most 255 escalation steps");
    DurationMs last = -1;
    for (const auto& s : c.escalation) {
      if (s.after_ms < 0 || s.after_ms < last) return invalid("escalation steps need ascending after_ms >= 0");
      last = s.after_ms;
      if (s.overflow_to.value < 0) return invalid("overflow queue id must be positive");
      if (s.relax_to) {
        auto r = intern(*s.relax_to);
        if (!r) return std::move(r).error();
      }
    }
    for (SkillId s : c.scoring_skills) {
      auto b = skillBit(s, true);
      if (!b) return std::move(b).error();
    }
    return {};
  }
};

// ------------------------------------------------------------------------------------------------
// Engine: the public events
// ------------------------------------------------------------------------------------------------

Engine::Engine(EngineConfig config) : impl_(std::make_unique<Impl>(config)) {}
Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

Status Engine::configureQueue(const QueueConfig& config, TimestampMs now) {
  Impl& s = *impl_;
  if (auto v = s.validateQueue(config); !v) return v;
  auto req = s.intern(config.requirement);
  if (!req) return std::move(req).error();
  s.advanceTo(now);
  std::uint32_t qi = s.queueSlot(config.id);
  bool fresh = qi == kNone;
  if (fresh) {
    qi = static_cast<std::uint32_t>(s.queues.size());
    s.queues.emplace_back();
    s.queue_index.insert(config.id.value, qi);
  }
  QueueRec& q = s.queues[qi];
  if (!q.cfg.open_hours && config.open_hours) s.hours_queues.push_back(qi);
  if (q.cfg.open_hours && !config.open_hours) std::erase(s.hours_queues, qi);
  q.cfg = config;
  q.req = *req;
  q.default_class = {kNone, kNone, kNone, kNone};
  q.scoring_bits.clear();
  for (SkillId sk : config.scoring_skills) q.scoring_bits.push_back(static_cast<int>(s.skill_index.find(sk.value)));
  if (q.scoring_bits.empty()) q.scoring_bits = s.reqs[q.req].skill_bits;
  q.open = !config.open_hours || config.open_hours(s.now);
  if (!fresh) {
    // Strategy or scores may have changed: rebuild this queue's ready index from its members.
    for (auto& set : q.ready) set.clear();
    for (std::uint32_t ai : q.members) {
      AgentRec& a = s.agents[ai];
      if (Membership* m = s.membership(a, qi)) {
        m->indexed = 0;
        m->score = s.scoreOf(a, q);
        s.meets_default[m->id] = eligible(s.agent_skills[ai], s.reqs[q.req]);
      }
      s.markDirty(ai);
    }
    for (std::uint32_t ti : q.preferred_waiting) s.route_tasks.push_back(ti);
    for (std::uint32_t ci : q.active_classes)
      if (!s.classes[ci].heap.empty()) s.route_tasks.push_back(s.classes[ci].heap[0].task);
  }
  s.settle();
  return {};
}

Status Engine::configureAgent(const AgentConfig& config, TimestampMs now) {
  Impl& s = *impl_;
  if (!config.id.valid()) return invalid("agent id must be positive");
  for (int c : config.capacity)
    if (c < 0 || c > 10'000) return invalid("capacity must be 0..10000");
  std::vector<std::uint32_t> queue_slots;
  for (QueueId q : config.queues) {
    std::uint32_t qi = s.queueSlot(q);
    if (qi == kNone) return notFound("unknown queue " + std::to_string(q.value));
    if (std::find(queue_slots.begin(), queue_slots.end(), qi) == queue_slots.end()) queue_slots.push_back(qi);
  }
  SkillProfile profile;
  std::vector<std::pair<int, int>> levels;
  for (const auto& sk : config.skills) {
    if (sk.level < 1 || sk.level > kMaxProficiency) return invalid("proficiency must be 1..5");
    auto b = s.skillBit(sk.skill, true);
    if (!b) return std::move(b).error();
    auto it = std::find_if(levels.begin(), levels.end(), [&](const auto& p) { return p.first == *b; });
    if (it == levels.end()) levels.emplace_back(*b, sk.level);
    else it->second = std::max(it->second, sk.level);
  }
  for (const auto& [bit, lvl] : levels)
    for (int l = 0; l < lvl; ++l) profile.at_least[static_cast<std::size_t>(l)].set(bit);
  s.advanceTo(now);

  std::uint32_t ai = s.agentSlot(config.id);
  if (ai == kNone) {
    ai = static_cast<std::uint32_t>(s.agents.size());
    s.agents.emplace_back();
    s.agent_skills.emplace_back();
    s.agent_index.insert(config.id.value, ai);
    s.agents[ai].id = config.id;
    s.agents[ai].idle_since = s.now;
  } else {
    // Leave the old queues: indexes, counters, member lists.
    s.unindex(ai);
    AgentRec& a = s.agents[ai];
    for (const Membership& m : a.memberships) {
      QueueRec& q = s.queues[m.queue];
      --q.agents_by_category[static_cast<int>(a.category)];
      std::erase(q.members, ai);
    }
  }
  AgentRec& a = s.agents[ai];
  a.capacity = config.capacity;
  a.rules = config.rules;
  s.agent_skills[ai] = profile;
  a.skill_levels = std::move(levels);
  InlineVec<Membership, 4> old = std::move(a.memberships);
  a.memberships.clear();
  for (const Membership& o : old) s.free_member_ids.push_back(o.id);
  for (std::uint32_t qi : queue_slots) {
    Membership m;
    m.queue = qi;
    m.id = s.newMemberId();
    for (const Membership& o : old)
      if (o.queue == qi) m.rr = o.rr;
    m.score = s.scoreOf(a, s.queues[qi]);
    s.meets_default[m.id] = eligible(s.agent_skills[ai], s.reqs[s.queues[qi].req]);
    a.memberships.push_back(m);
    QueueRec& q = s.queues[qi];
    q.members.push_back(ai);
    ++q.agents_by_category[static_cast<int>(a.category)];
  }
  s.markDirty(ai);
  s.settle();
  return {};
}

Status Engine::setAgentState(AgentId agent, AgentState state, TimestampMs now) {
  Impl& s = *impl_;
  std::uint32_t ai = s.agentSlot(agent);
  if (ai == kNone) return notFound("unknown agent");
  s.advanceTo(now);
  AgentRec& a = s.agents[ai];
  AgentState before = a.state;
  a.state = state;
  ++a.wrap_gen;  // a manual change ends a timed wrap-up
  if (state == AgentState::Available) {
    a.no_answers = 0;
    if (before != AgentState::Available) a.idle_since = s.now;
  }
  if (state == AgentState::Away || state == AgentState::Offline) s.revokeAgentOffers(ai, RevokeReason::AgentUnavailable);
  s.markDirty(ai);
  s.settle();
  return {};
}

Status Engine::taskArrived(const TaskSpec& spec, TimestampMs now) {
  Impl& s = *impl_;
  auto n = s.checkNewTask(spec, nullptr);
  if (!n) return std::move(n).error();
  s.advanceTo(now);
  std::uint32_t ti = s.newTask(spec, *n);
  s.setPreferred(ti, spec.preferred_agent, s.preferredTimeout(s.queues[n->queue], spec.preferred_timeout_ms));
  s.enqueueWaiting(ti);
  s.settle();
  return {};
}

Status Engine::taskRestored(const TaskSpec& spec, AgentId agent, bool pending, TimestampMs now) {
  Impl& s = *impl_;
  auto n = s.checkNewTask(spec, &agent);
  if (!n) return std::move(n).error();
  s.advanceTo(now);
  std::uint32_t ti = s.newTask(spec, *n);
  TaskRec& t = s.tasks[ti];
  ++s.tasks[ti].gen;
  t.agent = n->agent;
  t.state = pending ? TaskState::Pending : TaskState::Assigned;
  if (!pending) s.takeLoad(n->agent, t.media);  // no decision and no answer counted: it was answered before
  s.settle();
  return {};
}

Status Engine::offerAccepted(TaskId task, AgentId agent, TimestampMs now) {
  Impl& s = *impl_;
  auto [ti, ai] = s.answerSlots(task, agent);
  if (ti == kNone || ai == kNone) return notFound("unknown task or agent");
  s.advanceTo(now);  // an offer that expired before `now` is gone
  TaskRec& t = s.tasks[ti];
  if (!s.openOfferTo(ti, ai)) return conflict("no open offer of this task to this agent");
  // He keeps his reservation as the assignment; the others lose theirs.
  for (int i = 0; i < t.n_offered; ++i)
    if (s.offeredAt(ti, i) == ai) s.offeredAt(ti, i) = s.offeredAt(ti, --t.n_offered);
  s.agents[ai].offers.eraseValue(ti);
  --s.queues[t.queue].offered;
  s.assign(ti, ai, false);
  s.agents[ai].no_answers = 0;
  // Not dirty: his load, state and ranking keys are what they were with the offer, and the end of
  // that event already gave him everything he had room for.
  while (t.n_offered > 0) {
    std::uint32_t other = s.offeredAt(ti, t.n_offered - 1);
    s.emit(DecisionKind::OfferRevoked, &t, other).reason = RevokeReason::AcceptedElsewhere;
    s.withdraw(ti, other);
  }
  s.settle();
  return {};
}

Status Engine::offerRejected(TaskId task, AgentId agent, TimestampMs now) {
  Impl& s = *impl_;
  auto [ti, ai] = s.answerSlots(task, agent);
  if (ti == kNone || ai == kNone) return notFound("unknown task or agent");
  s.advanceTo(now);
  if (!s.openOfferTo(ti, ai)) return conflict("no open offer of this task to this agent");
  s.agents[ai].no_answers = 0;  // an answer, even a no
  s.exclude(ti, ai);
  s.withdraw(ti, ai);
  s.settle();
  return {};
}

Status Engine::taskCompleted(TaskId task, TimestampMs now) {
  Impl& s = *impl_;
  std::uint32_t ti = s.taskSlot(task);
  if (ti == kNone) return notFound("unknown task");
  s.advanceTo(now);
  TaskRec& t = s.tasks[ti];
  std::uint32_t ai = t.agent;
  bool worked = t.state == TaskState::Assigned || t.state == TaskState::Pending;
  DurationMs wrap = s.queues[t.queue].cfg.wrap_up_ms;
  s.detachAll(ti, RevokeReason::TaskGone);
  if (worked && wrap > 0) {
    AgentRec& a = s.agents[ai];
    if (a.state == AgentState::Available || a.state == AgentState::WrapUp) {
      a.state = AgentState::WrapUp;
      a.wrap_until = std::max(a.wrap_until, s.now + wrap);
      s.schedule(TimerKind::WrapUpEnd, a.wrap_until, ai, ++a.wrap_gen);
    }
  }
  s.freeTask(ti);
  s.settle();
  return {};
}

Status Engine::taskTransferred(TaskId task, const TransferSpec& spec, TimestampMs now) {
  Impl& s = *impl_;
  std::uint32_t ti = s.taskSlot(task);
  if (ti == kNone) return notFound("unknown task");
  std::uint32_t qi = spec.queue.valid() ? s.queueSlot(spec.queue) : s.tasks[ti].queue;
  if (qi == kNone) return notFound("unknown queue");
  if (spec.preferred_agent.valid() && s.agentSlot(spec.preferred_agent) == kNone) return notFound("unknown agent");
  std::optional<std::uint32_t> req;
  if (spec.requirement) {
    auto r = s.intern(*spec.requirement);
    if (!r) return std::move(r).error();
    req = *r;
  }
  s.advanceTo(now);
  s.detachAll(ti, RevokeReason::TaskTransferred);
  TaskRec& t = s.tasks[ti];
  bool moved = qi != t.queue;
  t.queue = qi;
  t.entered_queue_at = s.now;
  t.next_step = 0;
  s.exclusions[ti].clear();
  s.syncExcluded(ti);
  if (req) {
    t.req = *req;
    t.flags &= static_cast<std::uint8_t>(~kReqFromQueue);
  } else if (moved && (t.flags & kReqFromQueue)) {
    t.req = s.queues[qi].req;
  }
  if (spec.priority) t.priority = *spec.priority;
  DurationMs timeout = spec.preferred_agent.valid() ? (spec.preferred_timeout_ms > 0 ? spec.preferred_timeout_ms : s.queues[qi].cfg.preferred_timeout_ms) : 0;
  s.setPreferred(ti, spec.preferred_agent, timeout);
  s.enqueueWaiting(ti);
  s.settle();
  return {};
}

Status Engine::taskAbandoned(TaskId task, TimestampMs now) {
  Impl& s = *impl_;
  std::uint32_t ti = s.taskSlot(task);
  if (ti == kNone) return notFound("unknown task");
  TaskState st = s.tasks[ti].state;
  if (st == TaskState::Assigned || st == TaskState::Pending) return conflict("task is already with an agent");
  s.advanceTo(now);
  TaskRec& t = s.tasks[ti];
  s.recordAbandoned(s.queues[t.queue], t.enqueued_at);
  s.detachAll(ti, RevokeReason::TaskGone);
  s.freeTask(ti);
  s.settle();
  return {};
}

Status Engine::taskPending(TaskId task, TimestampMs now) {
  Impl& s = *impl_;
  std::uint32_t ti = s.taskSlot(task);
  if (ti == kNone) return notFound("unknown task");
  if (s.tasks[ti].state != TaskState::Assigned) return conflict("only an assigned task can be pending");
  s.advanceTo(now);
  TaskRec& t = s.tasks[ti];
  t.state = TaskState::Pending;
  ++s.tasks[ti].gen;
  s.releaseLoad(t.agent, t.media);
  s.settle();
  return {};
}

Status Engine::taskResumed(TaskId task, TimestampMs now) {
  Impl& s = *impl_;
  std::uint32_t ti = s.taskSlot(task);
  if (ti == kNone) return notFound("unknown task");
  if (s.tasks[ti].state != TaskState::Pending) return conflict("only a pending task can resume");
  s.advanceTo(now);
  TaskRec& t = s.tasks[ti];
  std::uint32_t ai = t.agent;
  if (s.agents[ai].hasRoom(t.media)) {
    t.state = TaskState::Assigned;
    ++s.tasks[ti].gen;
    s.takeLoad(ai, t.media);
    s.emit(DecisionKind::Assigned, &t, ai);
  } else {
    // No room with him now: back in the queue at its old place, held for him for a while.
    t.agent = kNone;
    t.entered_queue_at = s.now;
    t.next_step = 0;
    const QueueRec& q = s.queues[t.queue];
    s.setPreferred(ti, s.agents[ai].id, q.cfg.preferred_timeout_ms > 0 ? q.cfg.preferred_timeout_ms : 30'000);
    s.enqueueWaiting(ti);
  }
  s.settle();
  return {};
}

void Engine::tick(TimestampMs now) { impl_->advanceTo(now); }

std::optional<TimestampMs> Engine::nextDeadline() const {
  const Impl& s = *impl_;
  std::optional<TimestampMs> next;
  if (!s.timers.empty()) next = s.timers.top().due;
  if (!s.hours_queues.empty()) next = next ? std::min(*next, s.next_hours_check) : s.next_hours_check;
  return next;
}

const std::vector<Decision>& Engine::decisions() const { return impl_->out; }

std::vector<Decision> Engine::takeDecisions() {
  std::vector<Decision> d;
  d.swap(impl_->out);
  return d;
}

void Engine::drainDecisions(std::vector<Decision>& into) {
  into.clear();
  into.swap(impl_->out);
}

void Engine::clearDecisions() { impl_->out.clear(); }

Result<QueueStats> Engine::queueStats(QueueId queue, TimestampMs now, DurationMs window_ms) const {
  const Impl& s = *impl_;
  std::uint32_t qi = s.queueSlot(queue);
  if (qi == kNone) return notFound("unknown queue");
  const QueueRec& q = s.queues[qi];
  QueueStats st;
  st.waiting = q.waiting;
  st.offered = q.offered;
  st.target = q.cfg.service_level;
  st.agents_away = q.agents_by_category[static_cast<int>(Category::Away)];
  st.agents_available = q.agents_by_category[static_cast<int>(Category::Idle)];
  st.agents_busy = q.agents_by_category[static_cast<int>(Category::Busy)];
  st.agents_logged_in = st.agents_away + st.agents_available + st.agents_busy;
  TimestampMs oldest = now;
  for (std::uint32_t ci : q.active_classes)
    for (const HeapEntry& e : s.classes[ci].heap) oldest = std::min(oldest, e.enqueued_at);
  for (std::uint32_t ti : q.preferred_waiting) oldest = std::min(oldest, s.tasks[ti].enqueued_at);
  st.longest_wait_ms = std::max<DurationMs>(0, now - oldest);
  std::int64_t minute = now / kBucketMs;
  std::int64_t minutes = std::clamp<std::int64_t>((window_ms + kBucketMs - 1) / kBucketMs, 1, kStatBuckets);
  StatBucket sum;
  for (const StatBucket& b : q.buckets) {
    if (b.minute < 0 || b.minute > minute || b.minute <= minute - minutes) continue;
    sum.answered += b.answered;
    sum.within += b.within;
    sum.abandoned += b.abandoned;
    sum.abandoned_after += b.abandoned_after;
    sum.wait_sum += b.wait_sum;
  }
  st.window = Impl::figures(sum.answered, sum.within, sum.abandoned, sum.abandoned_after, sum.wait_sum);
  const StatBucket& t = q.totals;
  st.total = Impl::figures(t.answered, t.within, t.abandoned, t.abandoned_after, t.wait_sum);
  return st;
}

void Engine::resetTotals() {
  for (QueueRec& q : impl_->queues) q.totals = StatBucket{};
}

std::optional<AgentView> Engine::agent(AgentId agent) const {
  const Impl& s = *impl_;
  std::uint32_t ai = s.agentSlot(agent);
  if (ai == kNone) return std::nullopt;
  const AgentRec& a = s.agents[ai];
  AgentView v;
  v.id = a.id;
  v.state = a.state;
  v.load = a.load;
  v.capacity = a.capacity;
  v.consecutive_no_answers = a.no_answers;
  for (std::uint32_t ti : a.offers) v.offered.push_back(s.tasks[ti].id);
  return v;
}

std::optional<TaskView> Engine::task(TaskId task) const {
  const Impl& s = *impl_;
  std::uint32_t ti = s.taskSlot(task);
  if (ti == kNone) return std::nullopt;
  const TaskRec& t = s.tasks[ti];
  const TaskCold& c = s.tcold[ti];
  TaskView v;
  v.id = t.id;
  v.state = t.state;
  v.queue = s.queues[t.queue].cfg.id;
  v.media = t.media;
  v.priority = t.priority;
  v.enqueued_at = t.enqueued_at;
  v.entered_queue_at = t.entered_queue_at;
  if (t.agent != kNone) v.agent = s.agents[t.agent].id;
  for (int i = 0; i < t.n_offered; ++i) v.offered_to.push_back(s.agents[s.offeredAt(ti, i)].id);
  if (t.state == TaskState::WaitingPreferred) v.preferred_agent = s.agents[c.preferred].id;
  v.requirement = s.reqs[t.req].source;
  v.escalation_steps_applied = t.steps_applied;
  return v;
}

std::size_t Engine::taskCount() const { return impl_->task_index.size(); }
std::size_t Engine::agentCount() const { return impl_->agents.size(); }

MemoryUsage Engine::memoryUsage() const {
  const Impl& s = *impl_;
  MemoryUsage m;
  m.agents = s.agents.capacity() * sizeof(AgentRec) + s.agent_skills.capacity() * sizeof(SkillProfile) + s.agent_index.bytes() +
             s.ready_pos.capacity() * sizeof(s.ready_pos[0]) + s.ready_key.capacity() * sizeof(s.ready_key[0]) + s.free_member_ids.capacity() * sizeof(std::uint32_t);
  for (const AgentRec& a : s.agents) {
    m.agents += a.memberships.heapCapacity() * sizeof(Membership) + a.offers.heapCapacity() * sizeof(std::uint32_t) +
                a.preferred.capacity() * sizeof(std::uint32_t) + a.skill_levels.capacity() * sizeof(std::pair<int, int>);
  }
  m.tasks = s.tasks.capacity() * sizeof(TaskRec) + s.tcold.capacity() * sizeof(TaskCold) +
            s.exclusions.capacity() * sizeof(Exclusions) +
            (s.free_tasks.capacity() + s.heap_pos.capacity()) * sizeof(std::uint32_t) + s.task_index.bytes();
  for (const Exclusions& ex : s.exclusions) m.tasks += ex.capacity() * sizeof(Exclusions::value_type);
  for (const ClassBucket& c : s.classes) m.tasks += c.heap.capacity() * sizeof(HeapEntry);
  m.queues = s.queues.capacity() * sizeof(QueueRec) + s.classes.capacity() * sizeof(ClassBucket) + s.class_index.bytes() +
             s.queue_index.bytes() + s.reqs.capacity() * sizeof(CompiledReq);
  for (const QueueRec& q : s.queues) {
    for (const auto& r : q.ready) m.agents += r.capacity() * sizeof(ReadyEntry);  // ready entries are per agent
    m.queues += q.members.capacity() * sizeof(std::uint32_t) + q.active_classes.heapCapacity() * sizeof(std::uint32_t) +
                q.preferred_waiting.capacity() * sizeof(std::uint32_t) + q.buckets.capacity() * sizeof(StatBucket);
  }
  m.timers = s.timers.bytes() + s.out.capacity() * sizeof(Decision);
  return m;
}

}  // namespace parley::core::routing
