#include "app/routing_service.hpp"

#include <boost/json.hpp>
#include <date/date.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <set>

#include "app/log.hpp"
#include "app/time_zone.hpp"
#include "core/text.hpp"

namespace parley::app {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;
using routing::AgentState;
using routing::Decision;
using routing::DecisionKind;
using routing::QueueId;
using routing::TaskState;

namespace {

constexpr std::size_t kPreviewBytes = 200;
constexpr int kRebuildPage = 1000;
constexpr core::TimestampMs kStatsMinGapMs = 1'000;    // at most once a second while things change
constexpr core::TimestampMs kStatsIdleGapMs = 5'000;   // and every 5 s otherwise
constexpr core::TimestampMs kDayMs = 24 * 3600 * 1000;

void logWarning(const std::string& what) {
  logLine("warn", what, {{"component", "routing"}});
}

std::string truncateUtf8(const std::string& text, std::size_t max) {
  if (text.size() <= max) return text;
  return std::string(core::utf8Prefix(text, max)) + "…";
}

const char* revokeReason(routing::RevokeReason r, DecisionKind kind) {
  if (kind == DecisionKind::OfferExpired) return "expired";
  switch (r) {
    case routing::RevokeReason::AcceptedElsewhere: return "accepted_elsewhere";
    case routing::RevokeReason::TaskGone: return "task_gone";
    case routing::RevokeReason::AgentUnavailable: return "agent_unavailable";
    case routing::RevokeReason::TaskTransferred: return "transferred";
    case routing::RevokeReason::None: break;
  }
  return "task_gone";
}

AgentState stateOf(core::Availability a) {
  switch (a) {
    case core::Availability::Available: return AgentState::Available;
    case core::Availability::Away: return AgentState::Away;
    case core::Availability::Offline: return AgentState::Offline;
  }
  return AgentState::Offline;
}

json::value secondsOrNull(const std::optional<double>& ms) {
  if (!ms) return nullptr;
  return std::round(*ms / 100.0) / 10.0;
}

json::value fractionOrNull(const std::optional<double>& f) {
  if (!f) return nullptr;
  return *f;
}

// ISO 8601 UTC with milliseconds, like the rest of the API ("2026-12-01T09:30:00.000Z").
std::string isoTime(core::TimestampMs ms) {
  using namespace std::chrono;
  return date::format("%FT%TZ", sys_time<milliseconds>{milliseconds{ms}});
}

// How a language is compared: as a tag lower-cased ("DE", "de", "en_GB" ~ "en-gb"); what is no
// tag ("German") lower-cased as it is, so it still matches itself in another case.
std::string languageKey(std::string_view language) {
  std::string tag = lowerLanguageTag(language);
  return tag.empty() ? core::asciiLower(language) : tag;
}

// Contact attributes may say which language the customer speaks ({"language": "de"}).
std::string languageOf(const std::string& attributes_json) {
  boost::system::error_code ec;
  auto v = json::parse(attributes_json, ec);
  if (ec || !v.is_object()) return "";
  const auto* lang = v.as_object().if_contains("language");
  return lang && lang->is_string() ? languageKey(lang->as_string()) : "";
}

// Everything the engine needs of a tenant's configuration, read in one transaction.
struct TenantConfig {
  std::vector<QueueView> queues;
  std::vector<RoutingRule> rules;
  std::map<core::UserId, core::User> users;
  std::map<core::UserId, AgentProfile> profiles;
  std::map<core::TeamId, Capacity> team_capacity;
  std::map<core::TeamId, std::vector<core::UserId>> team_members;
  std::map<core::InboxId, core::ChannelKind> inbox_channel;
  std::set<std::int64_t> skills;

  // The queues a user serves, directly or through one of its teams.
  std::vector<QueueId> queuesOf(core::UserId user) const {
    std::vector<QueueId> out;
    for (const auto& q : queues) {
      bool member = std::find(q.settings.agent_ids.begin(), q.settings.agent_ids.end(), user) != q.settings.agent_ids.end();
      for (auto team : q.settings.team_ids) member |= inTeam(team, user);
      if (member) out.push_back(q.id);
    }
    return out;
  }
  bool inTeam(core::TeamId team, core::UserId user) const {
    auto m = team_members.find(team);
    return m != team_members.end() && std::find(m->second.begin(), m->second.end(), user) != m->second.end();
  }
  AgentProfile profileOf(core::UserId user) const {
    auto p = profiles.find(user);
    return p != profiles.end() ? p->second : AgentProfile{};
  }
  // His own capacity, else the first of his teams' defaults, else the built-in one.
  Capacity capacityOf(core::UserId user, const AgentProfile& profile) const {
    if (profile.capacity) return *profile.capacity;
    for (const auto& [team, capacity] : team_capacity) {
      if (inTeam(team, user)) return capacity;
    }
    Capacity c;
    std::copy(routing::kDefaultCapacity.begin(), routing::kDefaultCapacity.end(), c.begin());
    return c;
  }
};

Status readConfig(StoreTx& tx, core::TenantId tenant, TenantConfig& out) {
  auto skills = tx.listSkills(tenant);
  if (!skills) return skills.error();
  for (const auto& s : *skills) out.skills.insert(s.id.value);
  auto keepKnown = [&](std::vector<routing::SkillLevel>& levels) {
    std::erase_if(levels, [&](const routing::SkillLevel& l) { return !out.skills.count(l.skill.value); });
  };
  auto queues = tx.listRoutingQueues(tenant);
  if (!queues) return queues.error();
  for (const auto& q : *queues) {
    auto settings = parseStoredQueueSettings(q.config_json);
    if (!settings) {
      logWarning("queue " + std::to_string(q.id.value) + " has a bad stored configuration: " + settings.error().message);
      settings = QueueSettings{};
    }
    settings->name = q.name;
    keepKnown(settings->required_skills);
    for (auto& e : settings->escalation) {
      if (e.relax_to) keepKnown(*e.relax_to);
    }
    out.queues.push_back({q.id, std::move(*settings)});
  }
  auto rules = tx.listRoutingRules(tenant);
  if (!rules) return rules.error();
  out.rules = std::move(*rules);
  // Rules saved before labels and languages were normalised on save ("VIP", "DE") are compared
  // the way conversations and contacts are.
  for (auto& r : out.rules) {
    r.label = core::asciiLower(r.label);
    r.language = languageKey(r.language);
  }
  auto users = tx.listUsers(tenant);
  if (!users) return users.error();
  for (auto& u : *users) out.users.emplace(u.id, std::move(u));
  auto profiles = tx.listAgentRouting(tenant);
  if (!profiles) return profiles.error();
  for (const auto& p : *profiles) {
    auto parsed = parseAgentProfile(p.json);
    if (!parsed) continue;
    keepKnown(parsed->skills);
    out.profiles.emplace(core::UserId{p.owner_id}, std::move(*parsed));
  }
  auto teams = tx.listTeams(tenant);
  if (!teams) return teams.error();
  for (const auto& t : *teams) out.team_members.emplace(t.id, t.member_ids);
  auto team_profiles = tx.listTeamRouting(tenant);
  if (!team_profiles) return team_profiles.error();
  for (const auto& p : *team_profiles) {
    if (auto c = parseTeamCapacity(p.json)) out.team_capacity.emplace(core::TeamId{p.owner_id}, *c);
  }
  auto inboxes = tx.listInboxes(tenant);
  if (!inboxes) return inboxes.error();
  for (const auto& i : *inboxes) out.inbox_channel.emplace(i.id, i.channel);
  return {};
}

routing::Requirement requirementOf(const std::vector<routing::SkillLevel>& skills) {
  if (skills.empty()) return routing::Requirement::none();
  return routing::Requirement::all(skills);
}

routing::QueueConfig engineQueue(const QueueView& q) {
  const auto& s = q.settings;
  routing::QueueConfig c;
  c.id = q.id;
  c.strategy = s.strategy;
  c.fallback_strategy = s.fallback_strategy;
  c.preferred_timeout_ms = std::int64_t{s.preferred_timeout_s} * 1000;
  c.requirement = requirementOf(s.required_skills);
  c.service_level = {std::int64_t{s.sl_threshold_s} * 1000, s.sl_target};
  for (const auto& e : s.escalation) {
    routing::EscalationStep step;
    step.after_ms = std::int64_t{e.after_s} * 1000;
    if (e.relax_to) step.relax_to = requirementOf(*e.relax_to);
    step.raise_priority_by = e.raise_priority_by;
    step.overflow_to = e.overflow_to;
    c.escalation.push_back(std::move(step));
  }
  c.offer_timeout_ms = std::int64_t{s.offer_timeout_s} * 1000;
  // auto_accept is the service's, not the engine's: the engine offers, and the offer is accepted
  // for the agent once he is known to see the conversation's inbox (acceptOnBehalf). The engine's
  // own auto_accept would assign before anyone could check.
  c.offer_fanout = s.auto_accept ? 1 : s.offer_fanout;
  c.auto_accept = false;
  c.wrap_up_ms = std::int64_t{s.wrap_up_s} * 1000;
  if (s.business_hours) {
    c.open_hours = [hours = *s.business_hours](core::TimestampMs at) {
      auto local = localTimeIn(hours.time_zone, at);
      return local && core::isOpen(hours.hours, *local);
    };
  }
  return c;
}

}  // namespace

// What the service keeps per conversation it routes (bounded by kMaxTasks).
struct TaskInfo {
  QueueId queue;
  core::ChannelKind channel = core::ChannelKind::Api;
  std::string contact_name;
  std::string preview;
  bool details = false;  // contact_name and preview were read (else the first offer reads them)
};

// A sweep over open unassigned conversations that routing does not know (see the header).
struct Sweep {
  bool active = false;
  bool listing = true;  // listing pages; then arriving the found ones oldest first
  std::optional<std::pair<core::TimestampMs, core::ConversationId>> after;
  std::vector<std::pair<core::TimestampMs, core::ConversationId>> found;  // (waiting since, id)
  std::size_t next = 0;
};

struct RoutingService::Tenant {
  std::mutex mutex;
  core::TenantId id;
  routing::Engine engine;
  std::map<QueueId, QueueSettings> queues;  // by id: the first is the default queue
  std::vector<RoutingRule> rules;
  std::map<core::InboxId, core::ChannelKind> inbox_channel;
  std::set<core::UserId> agents;  // configured in the engine
  std::map<core::ConversationId, TaskInfo> tasks;
  std::map<std::pair<core::ConversationId, core::UserId>, RoutingOffer> offers;
  std::set<core::ConversationId> assigning;     // Assigned decided, not yet written by the desk
  std::set<core::ConversationId> transferring;  // a transfer between its desk write and the engine
  bool changed = true;
  core::TimestampMs last_stats = 0;
  std::int64_t day = 0;
  // Today's figures of the engines this one replaced (a configuration change rebuilds the engine),
  // added to its own so "today" does not start again at every change.
  std::map<QueueId, routing::QueueFigures> carried_today;
  // What saveFigures() last wrote (or the rebuild read) per queue, so unchanged days are not rewritten.
  std::map<QueueId, QueueDayFiguresRecord> saved_today;
  Sweep sweep;  // only under the tenant's gate
};

struct RoutingService::Pending {
  std::string type;
  core::TenantId tenant;
  std::variant<core::Conversation, core::User, core::Message> subject;
};

// One decision to apply outside the tenant's lock.
struct RoutingEffect {
  Decision decision;
  RoutingOffer offer;          // Offer
  std::string queue_name;      // Assigned
  bool needs_details = false;  // Offer: contact name and preview not read yet
};
using Effect = RoutingEffect;

namespace {

// Two counts of the same queue's day as one: sums added, service level and ASA recomputed.
routing::QueueFigures addFigures(const routing::QueueFigures& a, const routing::QueueFigures& b) {
  routing::QueueFigures sum;
  sum.answered = a.answered + b.answered;
  sum.answered_within_threshold = a.answered_within_threshold + b.answered_within_threshold;
  sum.abandoned = a.abandoned + b.abandoned;
  sum.abandoned_after_threshold = a.abandoned_after_threshold + b.abandoned_after_threshold;
  if (const auto counted = sum.answered + sum.abandoned_after_threshold; counted > 0) {
    sum.service_level = static_cast<double>(sum.answered_within_threshold) / static_cast<double>(counted);
  }
  if (sum.answered > 0) {
    const double waited = a.asa_ms.value_or(0) * static_cast<double>(a.answered) + b.asa_ms.value_or(0) * static_cast<double>(b.answered);
    sum.asa_ms = waited / static_cast<double>(sum.answered);
  }
  return sum;
}

// A queue's figures of the day so far: `engine_total`, its engine's since it was built, plus what
// the engines it replaced (and the last process, as saved) counted earlier today. Under the
// tenant's lock.
template <class TenantT>
routing::QueueFigures withCarried(const TenantT& t, QueueId queue, const routing::QueueFigures& engine_total) {
  auto carried = t.carried_today.find(queue);
  return carried == t.carried_today.end() ? engine_total : addFigures(carried->second, engine_total);
}

// The same, read from the engine; nullopt for a queue it does not know.
template <class TenantT>
std::optional<routing::QueueFigures> todayTotal(TenantT& t, QueueId queue, core::TimestampMs now) {
  auto stats = t.engine.queueStats(queue, now);
  if (!stats) return std::nullopt;
  return withCarried(t, queue, stats->total);
}

// A queue's day as stored, and back (service level and ASA recomputed by addFigures).
QueueDayFiguresRecord dayRecord(core::TenantId tenant, QueueId queue, std::int64_t day, const routing::QueueFigures& f) {
  QueueDayFiguresRecord r;
  r.tenant_id = tenant;
  r.queue_id = queue;
  r.day = day;
  r.answered = f.answered;
  r.answered_within_threshold = f.answered_within_threshold;
  r.abandoned = f.abandoned;
  r.abandoned_after_threshold = f.abandoned_after_threshold;
  r.answered_wait_ms = f.asa_ms.value_or(0) * static_cast<double>(f.answered);
  if (!std::isfinite(r.answered_wait_ms) || r.answered_wait_ms < 0) r.answered_wait_ms = 0;  // NOT NULL in the store
  return r;
}

routing::QueueFigures figuresOf(const QueueDayFiguresRecord& r) {
  routing::QueueFigures f;
  f.answered = std::max<std::int64_t>(0, r.answered);
  f.answered_within_threshold = std::clamp<std::int64_t>(r.answered_within_threshold, 0, f.answered);
  f.abandoned = std::max<std::int64_t>(0, r.abandoned);
  f.abandoned_after_threshold = std::clamp<std::int64_t>(r.abandoned_after_threshold, 0, f.abandoned);
  if (f.answered > 0 && std::isfinite(r.answered_wait_ms) && r.answered_wait_ms >= 0) {
    f.asa_ms = r.answered_wait_ms / static_cast<double>(f.answered);
  }
  return addFigures(f, routing::QueueFigures{});
}

bool sameDay(const QueueDayFiguresRecord& a, const QueueDayFiguresRecord& b) {
  return a.day == b.day && a.answered == b.answered && a.answered_within_threshold == b.answered_within_threshold &&
         a.abandoned == b.abandoned && a.abandoned_after_threshold == b.abandoned_after_threshold &&
         a.answered_wait_ms == b.answered_wait_ms;
}

// Takes the engine's decisions and brings the tenant's offer book up to date (under its lock).
template <class TenantT>
std::vector<Effect> drain(TenantT& t, core::TimestampMs now) {
  std::vector<Effect> effects;
  for (auto& d : t.engine.takeDecisions()) {
    Effect e{d, {}, {}, false};
    auto info = t.tasks.find(d.task);
    auto queue = t.queues.find(d.queue);
    const std::string queue_name = queue != t.queues.end() ? queue->second.name : "";
    switch (d.kind) {
      case DecisionKind::Offer: {
        if (t.offers.size() >= RoutingService::kMaxOffers) break;  // still offered in the engine; not listed
        RoutingOffer o;
        o.conversation_id = d.task;
        o.queue_id = d.queue.value;
        o.queue_name = queue_name;
        o.offered_at = d.at > 0 ? d.at : now;
        o.expires_at = d.expires_at;
        if (info != t.tasks.end()) {
          o.channel = info->second.channel;
          o.contact_name = info->second.contact_name;
          o.preview = info->second.preview;
          e.needs_details = !info->second.details;
        }
        t.offers[{d.task, d.agent}] = o;
        e.offer = std::move(o);
        break;
      }
      case DecisionKind::Assigned:
        std::erase_if(t.offers, [&](const auto& kv) { return kv.first.first == d.task; });
        t.assigning.insert(d.task);
        e.queue_name = queue_name;
        break;
      case DecisionKind::OfferExpired:
      case DecisionKind::OfferRevoked:
        t.offers.erase({d.task, d.agent});
        break;
      case DecisionKind::TaskEscalated:
        if (info != t.tasks.end()) info->second.queue = d.queue;
        break;
      default:
        break;
    }
    effects.push_back(std::move(e));
  }
  if (!effects.empty()) t.changed = true;
  return effects;
}

}  // namespace

RoutingService::RoutingService(Store& store, EventBus& bus, const Clock& clock, DeskService& desk)
    : store_(store), bus_(bus), clock_(clock), desk_(desk) {
  bus_.subscribe([this](const Event& e) { onEvent(e); });
}

RoutingService::~RoutingService() = default;

Status RoutingService::requireAdmin(const core::Actor& actor) const {
  if (actor.role != core::Role::Admin) return makeError(ErrorCode::Forbidden, "only an admin may change routing");
  return {};
}

Status RoutingService::requireSupervisor(const core::Actor& actor) const {
  if (actor.role == core::Role::Agent) return makeError(ErrorCode::Forbidden, "only supervisors and admins see this");
  return {};
}

std::shared_ptr<RoutingService::Tenant> RoutingService::tenant(core::TenantId id, bool create) {
  std::lock_guard lock(tenants_mutex_);
  auto it = tenants_.find(id);
  if (it != tenants_.end()) return it->second;
  if (!create) return nullptr;
  auto t = std::make_shared<Tenant>();
  t->id = id;
  tenants_.emplace(id, t);
  return t;
}

// --- events in ---------------------------------------------------------------------------------------

void RoutingService::onEvent(const Event& event) {
  Pending p{event.type, event.tenant_id, core::Conversation{}};
  if (const auto* c = std::get_if<core::Conversation>(&event.subject)) {
    if (event.type != "conversation.created" && event.type != "conversation.updated") return;
    p.subject = *c;
  } else if (const auto* u = std::get_if<core::User>(&event.subject)) {
    if (event.type != "user.availability") return;
    p.subject = *u;
  } else if (const auto* m = std::get_if<core::Message>(&event.subject)) {
    if (event.type != "message.created" || m->direction != core::MessageDirection::Incoming) return;
    core::Message light;  // only what the offer's preview needs
    light.conversation_id = m->conversation_id;
    light.text = truncateUtf8(m->text, kPreviewBytes);
    p.subject = std::move(light);
  } else {
    return;
  }
  {
    std::lock_guard lock(tenants_mutex_);
    // No queue in this tenant (and none being set up): nothing is routed.
    if (!tenants_.count(event.tenant_id) && !rebuilding_.count(event.tenant_id)) return;
  }
  std::lock_guard lock(inbox_mutex_);
  if (inbox_.size() >= kMaxInbox) {
    overflowed_ = true;  // rebuilt from the store on the next pass
    return;
  }
  inbox_.push_back(std::move(p));
}

int RoutingService::pass() {
  int work = 0;
  bool rebuild_all = false;
  std::deque<Pending> batch;
  {
    std::lock_guard lock(inbox_mutex_);
    batch.swap(inbox_);
    rebuild_all = overflowed_;
    overflowed_ = false;
  }
  if (rebuild_all) {
    logWarning("the routing inbox overflowed: rebuilding every engine from the store");
    deferred_.clear();
    if (auto s = start(); !s) logWarning("rebuild failed: " + s.error().message);
    work = 1;
  } else {
    batch_previews_.clear();
    work += handleDeferred();  // events of tenants rebuilt meanwhile come before newer ones
    // An inbound message's conversation event comes first: its preview is taken from the batch.
    for (const auto& p : batch) {
      if (const auto* m = std::get_if<core::Message>(&p.subject)) batch_previews_[m->conversation_id] = m->text;
    }
    work += static_cast<int>(batch.size());
    for (auto& p : batch) handleOrDefer(std::move(p));
    batch_previews_.clear();
  }
  // Due timers and sweeps, of the tenants not being rebuilt right now.
  const auto now = clock_.now();
  std::vector<core::TenantId> ids;
  {
    std::lock_guard lock(tenants_mutex_);
    for (auto& [id, t] : tenants_) ids.push_back(id);
  }
  for (auto id : ids) {
    auto g = gate(id);
    std::unique_lock gated(*g, std::try_to_lock);
    if (!gated) continue;
    auto t = tenant(id, false);
    if (!t) continue;
    work += sweep(*t);
    std::vector<Effect> effects;
    {
      std::lock_guard lock(t->mutex);
      const std::int64_t day = now / kDayMs;
      if (t->day != day) {  // "today" figures start at midnight UTC
        if (t->day != 0) t->engine.resetTotals();
        t->day = day;
        t->carried_today.clear();
      }
      auto due = t->engine.nextDeadline();
      if (due && *due <= now) {
        t->engine.tick(now);
        effects = drain(*t, now);
      }
    }
    if (!effects.empty()) {
      ++work;
      apply(t->id, std::move(effects));
    }
  }
  publishStats(now, false);
  (void)saveFigures(false);  // every kFiguresSaveMs
  return work;
}

bool RoutingService::saveFigures(bool force) {
  const auto now = clock_.now();
  if (!force && now - last_figures_save_ < kFiguresSaveMs) return true;
  last_figures_save_ = now;
  std::vector<std::shared_ptr<Tenant>> all;
  {
    std::lock_guard lock(tenants_mutex_);
    for (auto& [id, t] : tenants_) all.push_back(t);
  }
  // What changed in every tenant, written in one transaction (one commit for the routing thread
  // to wait for, whatever the number of tenants).
  std::vector<QueueDayFiguresRecord> changed;
  for (auto& t : all) {
    std::lock_guard lock(t->mutex);
    for (const auto& [id, settings] : t->queues) {
      auto total = todayTotal(*t, id, now);
      if (!total) continue;
      auto record = dayRecord(t->id, id, t->day, *total);
      auto saved = t->saved_today.find(id);
      if (saved == t->saved_today.end() ? total->answered + total->abandoned == 0 : sameDay(saved->second, record)) {
        continue;  // nothing new since the last save (or nothing at all yet)
      }
      changed.push_back(record);
    }
  }
  if (changed.empty()) return true;
  if (auto s = store_.write([&](StoreTx& tx) { return tx.saveQueueDayFigures(changed); }); !s) {
    logWarning("today's queue figures not saved: " + s.error().message);
    return false;
  }
  for (auto& t : all) {
    std::lock_guard lock(t->mutex);
    for (const auto& record : changed) {
      if (record.tenant_id == t->id) t->saved_today[record.queue_id] = record;
    }
  }
  return true;
}

RoutingService::Gate RoutingService::gate(core::TenantId id) {
  std::lock_guard lock(tenants_mutex_);
  auto& g = gates_[id];
  if (!g) g = std::make_shared<std::mutex>();
  return g;
}

void RoutingService::handleOrDefer(Pending p) {
  auto waiting = deferred_.find(p.tenant);
  if (waiting == deferred_.end()) {
    auto g = gate(p.tenant);
    std::unique_lock gated(*g, std::try_to_lock);
    if (gated) {
      handle(p);
      return;
    }
    waiting = deferred_.emplace(p.tenant, std::deque<Pending>{}).first;
  }
  if (waiting->second.size() >= kMaxInbox) {  // a rebuild that never ends: start over from the store
    deferred_.clear();
    std::lock_guard lock(inbox_mutex_);
    overflowed_ = true;
    return;
  }
  waiting->second.push_back(std::move(p));
}

int RoutingService::handleDeferred() {
  int work = 0;
  for (auto it = deferred_.begin(); it != deferred_.end();) {
    auto g = gate(it->first);
    std::unique_lock gated(*g, std::try_to_lock);
    if (!gated) {
      ++it;
      continue;
    }
    auto events = std::move(it->second);
    it = deferred_.erase(it);
    for (const auto& p : events) handle(p);
    work += static_cast<int>(events.size());
  }
  return work;
}

int RoutingService::sweep(Tenant& t) {
  auto& s = t.sweep;
  if (!s.active) return 0;
  if (s.listing) {
    ConversationFilter filter;
    filter.tenant_id = t.id;
    filter.status = core::ConversationStatus::Open;
    filter.assignee_id = core::UserId{};  // unassigned
    filter.after = s.after;
    filter.limit = kSweepPage;
    auto page = readOne(store_, [&](StoreTx& tx) { return tx.listConversations(filter); });
    if (!page) {
      logWarning("tenant " + std::to_string(t.id.value) + ": sweep stopped: " + page.error().message);
      s = Sweep{};
      return 0;
    }
    {
      std::lock_guard lock(t.mutex);
      for (const auto& c : *page) {
        if (t.engine.task(c.id) || s.found.size() >= kMaxTasks) continue;
        // Its place: when it was queued before (a deleted queue), else the customer's last
        // message, else its creation.
        const auto since = c.enqueued_at > 0 ? c.enqueued_at : c.last_incoming_at > 0 ? c.last_incoming_at : c.created_at;
        s.found.emplace_back(since, c.id);
      }
    }
    if (!page->empty()) s.after = std::pair{page->back().last_activity_at, page->back().id};
    if (static_cast<int>(page->size()) < kSweepPage) {
      s.listing = false;
      std::sort(s.found.begin(), s.found.end());
    }
    return 1;
  }
  const auto end = std::min(s.found.size(), s.next + static_cast<std::size_t>(kSweepPage));
  for (; s.next < end; ++s.next) {
    {
      std::lock_guard lock(t.mutex);
      if (t.tasks.size() >= kMaxTasks) break;
    }
    core::Conversation c;
    c.tenant_id = t.id;
    c.id = s.found[s.next].second;
    handleConversation(c, s.found[s.next].first);  // the store says whether it still needs an agent
  }
  if (s.next >= s.found.size() || s.next < end) s = Sweep{};
  return 1;
}

void RoutingService::handle(const Pending& p) {
  if (const auto* c = std::get_if<core::Conversation>(&p.subject)) {
    handleConversation(*c);
  } else if (const auto* u = std::get_if<core::User>(&p.subject)) {
    handleAvailability(*u);
  } else if (const auto* m = std::get_if<core::Message>(&p.subject)) {
    auto t = tenant(p.tenant, false);
    if (!t) return;
    std::lock_guard lock(t->mutex);
    auto it = t->tasks.find(m->conversation_id);
    if (it != t->tasks.end()) it->second.preview = m->text;
    for (auto& [key, offer] : t->offers) {
      if (key.first == m->conversation_id) offer.preview = m->text;
    }
  }
}

void RoutingService::handleAvailability(const core::User& user) {
  auto t = tenant(user.tenant_id, false);
  if (!t) return;
  std::vector<Effect> effects;
  {
    std::lock_guard lock(t->mutex);
    if (!t->agents.count(user.id)) return;
    const auto now = clock_.now();
    if (auto s = t->engine.setAgentState(user.id, stateOf(user.availability), now); !s) return;
    effects = drain(*t, now);
    t->changed = true;
  }
  apply(user.tenant_id, std::move(effects));
}

void RoutingService::handleConversation(const core::Conversation& event_copy, core::TimestampMs waiting_since) {
  auto t = tenant(event_copy.tenant_id, false);
  if (!t) return;
  // The store is the truth: events may be stale by the time they are handled here.
  auto current = readOne(store_, [&](StoreTx& tx) { return tx.getConversation(event_copy.tenant_id, event_copy.id); });
  if (!current) return;
  const core::Conversation& c = *current;
  const auto now = clock_.now();

  enum class Next { Nothing, Arrive } next = Next::Nothing;
  std::vector<Effect> effects;
  core::TimestampMs keep_enqueued = 0;
  {
    std::lock_guard lock(t->mutex);
    if (t->queues.empty()) return;
    auto task = t->engine.task(c.id);
    const bool busy_with_us = t->assigning.count(c.id) > 0 || t->transferring.count(c.id) > 0;
    if (c.status == core::ConversationStatus::Resolved || c.status == core::ConversationStatus::Snoozed) {
      if (task) {
        if (task->state == TaskState::Assigned || task->state == TaskState::Pending) {
          (void)t->engine.taskCompleted(c.id, now);
        } else {
          (void)t->engine.taskAbandoned(c.id, now);  // nobody answered the customer
        }
        t->tasks.erase(c.id);
      }
    } else if (c.status == core::ConversationStatus::Pending) {
      if (task && task->state == TaskState::Assigned) {
        (void)t->engine.taskPending(c.id, now);
      } else if (task && task->state != TaskState::Pending && !busy_with_us) {
        (void)t->engine.taskCompleted(c.id, now);  // waiting on the customer: nobody needs to answer
        t->tasks.erase(c.id);
      }
    } else if (c.assignee_id.valid()) {
      if (task) {
        if (task->state == TaskState::Pending && task->agent == c.assignee_id) {
          (void)t->engine.taskResumed(c.id, now);
        } else if (!(task->state == TaskState::Assigned && task->agent == c.assignee_id) && !busy_with_us) {
          // Assigned by hand: the task becomes his, so his capacity counts it.
          routing::TaskSpec spec{c.id, task->queue, t->tasks.count(c.id) ? t->tasks[c.id].channel : core::ChannelKind::Api};
          spec.enqueued_at = task->enqueued_at;
          (void)t->engine.taskCompleted(c.id, now);
          if (!t->agents.count(c.assignee_id) || !t->engine.taskRestored(spec, c.assignee_id, false, now)) {
            t->tasks.erase(c.id);  // not one of the queues' agents: routing lets go of it
          }
        }
      }
    } else if (!busy_with_us) {
      if (task && (task->state == TaskState::Assigned || task->state == TaskState::Pending)) {
        // Unassigned by hand: back in the queue at the customer's original place.
        keep_enqueued = task->enqueued_at;
        (void)t->engine.taskCompleted(c.id, now);
        next = Next::Arrive;
      } else if (!task) {
        next = Next::Arrive;
      }
    }
    effects = drain(*t, now);
  }
  apply(c.tenant_id, std::move(effects));
  if (next == Next::Nothing) return;

  // A conversation that needs an agent: which queue, with which priority?
  std::string contact_name, language, preview;
  if (auto p = batch_previews_.find(c.id); p != batch_previews_.end()) preview = p->second;
  core::ChannelKind channel = core::ChannelKind::Api;
  bool need_language = false;
  {
    std::lock_guard lock(t->mutex);
    for (const auto& r : t->rules) need_language |= !r.language.empty();
    auto ch = t->inbox_channel.find(c.inbox_id);
    if (ch != t->inbox_channel.end()) channel = ch->second;
  }
  auto read = store_.read([&](StoreTx& tx) -> Status {
    auto contact = tx.getContact(c.tenant_id, c.contact_id);
    if (contact) {
      contact_name = contact->name;
      if (need_language) language = languageOf(contact->attributes_json);
    }
    auto inbox = tx.getInbox(c.tenant_id, c.inbox_id);
    if (inbox) channel = inbox->channel;
    if (preview.empty()) {
      if (auto last = tx.lastIncomingMessage(c.tenant_id, c.id)) preview = truncateUtf8(last->text, kPreviewBytes);
    }
    return {};
  });
  if (!read) return;

  QueueId queue;
  int priority = static_cast<int>(c.priority);
  core::TimestampMs enqueued_at = keep_enqueued > 0 ? keep_enqueued : waiting_since > 0 ? waiting_since : now;
  {
    std::lock_guard lock(t->mutex);
    if (t->queues.empty() || t->engine.task(c.id)) return;
    if (t->tasks.size() >= kMaxTasks) {
      logWarning("tenant " + std::to_string(c.tenant_id.value) + " has too many routed conversations; not routing more");
      return;
    }
    t->inbox_channel[c.inbox_id] = channel;
    for (const auto& r : t->rules) {
      if (r.inbox_id.valid() && r.inbox_id != c.inbox_id) continue;
      if (!r.label.empty() && std::find(c.labels.begin(), c.labels.end(), r.label) == c.labels.end()) continue;
      if (r.channel && *r.channel != channel) continue;
      if (!r.language.empty() && r.language != language) continue;
      if (!t->queues.count(r.queue_id)) continue;
      queue = r.queue_id;
      priority += r.priority;
      break;
    }
    if (!queue.valid()) queue = t->queues.begin()->first;
    TaskInfo info{queue, channel, contact_name, preview, true};
    t->tasks[c.id] = info;
    routing::TaskSpec spec{c.id, queue, channel, priority};
    spec.enqueued_at = enqueued_at;
    if (auto s = t->engine.taskArrived(spec, now); !s) {
      t->tasks.erase(c.id);
      logWarning("conversation " + std::to_string(c.id.value) + " not routed: " + s.error().message);
      return;
    }
    effects = drain(*t, now);
  }
  if (auto s = store_.write([&](StoreTx& tx) { return tx.setConversationQueue(c.tenant_id, c.id, queue, enqueued_at); });
      !s) {
    logWarning("conversation " + std::to_string(c.id.value) + ": queue not stored: " + s.error().message);
  }
  apply(c.tenant_id, std::move(effects));
}

// --- decisions out -----------------------------------------------------------------------------------

void RoutingService::apply(core::TenantId tenant_id, std::vector<Effect> effects) {
  for (auto& e : effects) {
    const Decision& d = e.decision;
    switch (d.kind) {
      case DecisionKind::Offer:
        if (!agentMaySee(tenant_id, d.agent, d.task)) {
          // Offered to a queue member who cannot open this inbox's conversations: he never hears
          // of it; the engine skips him for it (as after a rejection) and offers it to the next.
          auto t = tenant(tenant_id, false);
          if (!t) break;
          std::vector<Effect> more;
          {
            std::lock_guard lock(t->mutex);
            t->offers.erase({d.task, d.agent});
            if (t->engine.offerRejected(d.task, d.agent, clock_.now())) more = drain(*t, clock_.now());
          }
          if (!more.empty()) apply(tenant_id, std::move(more));
          break;
        }
        if (acceptOnBehalf(tenant_id, d.task, d.agent, d.queue)) break;
        if (e.offer.conversation_id.valid()) {
          if (e.needs_details) readDetails(tenant_id, e.offer);
          Event ev{0, "routing.offer", tenant_id, std::nullopt, {}, e.offer};
          ev.only_user = d.agent;
          bus_.publish(std::move(ev));
        }
        break;
      case DecisionKind::OfferExpired:
      case DecisionKind::OfferRevoked: {
        Event ev{0, "routing.offer_revoked", tenant_id, std::nullopt, {}, RoutingOfferRevoked{d.task, revokeReason(d.reason, d.kind)}};
        ev.only_user = d.agent;
        bus_.publish(std::move(ev));
        break;
      }
      case DecisionKind::Assigned: {
        auto assigned = desk_.assignRouted(tenant_id, d.task, d.agent, e.queue_name);
        auto t = tenant(tenant_id, false);
        if (t) {
          std::vector<Effect> more;
          {
            std::lock_guard lock(t->mutex);
            t->assigning.erase(d.task);
            if (!assigned) {
              // Resolved or taken by hand meanwhile: the engine lets go of it.
              (void)t->engine.taskCompleted(d.task, clock_.now());
              t->tasks.erase(d.task);
              more = drain(*t, clock_.now());
            }
          }
          if (!more.empty()) apply(tenant_id, std::move(more));
        }
        if (!assigned) logWarning("conversation " + std::to_string(d.task.value) + " not assigned: " + assigned.error().message);
        break;
      }
      case DecisionKind::AgentSetAway: {
        core::Actor agent{d.agent, tenant_id, core::Role::Agent, {}};
        if (auto s = desk_.setAvailability(agent, core::Availability::Away); !s) {
          logWarning("agent " + std::to_string(d.agent.value) + " not set away: " + s.error().message);
        }
        break;
      }
      default:
        break;
    }
  }
}

bool RoutingService::acceptOnBehalf(core::TenantId tenant_id, core::ConversationId task, core::UserId agent, QueueId queue) {
  auto t = tenant(tenant_id, false);
  if (!t) return false;
  std::vector<Effect> more;
  {
    std::lock_guard lock(t->mutex);
    auto q = t->queues.find(queue);
    if (q == t->queues.end() || !q->second.auto_accept) return false;
    const auto now = clock_.now();
    t->offers.erase({task, agent});
    // Refused only when the offer is gone meanwhile (the customer resolved it, the agent left):
    // the engine has moved on by itself.
    (void)t->engine.offerAccepted(task, agent, now);
    more = drain(*t, now);
  }
  if (!more.empty()) apply(tenant_id, std::move(more));
  return true;
}

bool RoutingService::agentMaySee(core::TenantId tenant_id, core::UserId agent, core::ConversationId conversation) {
  bool may = true;  // a store that cannot answer leaves the offer as the engine made it
  (void)store_.read([&](StoreTx& tx) -> Status {
    auto c = tx.getConversation(tenant_id, conversation);
    if (!c) return c.error();
    auto inbox = tx.getInbox(tenant_id, c->inbox_id);
    if (!inbox) return inbox.error();
    auto user = tx.getUser(tenant_id, agent);
    if (!user) return user.error();
    auto teams = tx.teamsOfUser(tenant_id, agent);
    if (!teams) return teams.error();
    may = core::canSeeInbox(core::Actor{agent, tenant_id, user->role, std::move(*teams)}, *inbox);
    return {};
  });
  return may;
}

// An offer of a conversation routing took over without reading its details (a rebuild, a
// transfer): the contact's name and the customer's last message, from the store, kept for the
// conversation's next offers and put on the offers already listed.
void RoutingService::readDetails(core::TenantId tenant_id, RoutingOffer& offer) {
  std::string name, preview;
  auto read = store_.read([&](StoreTx& tx) -> Status {
    auto c = tx.getConversation(tenant_id, offer.conversation_id);
    if (!c) return c.error();
    if (auto contact = tx.getContact(tenant_id, c->contact_id)) name = contact->name;
    if (auto last = tx.lastIncomingMessage(tenant_id, c->id)) preview = truncateUtf8(last->text, kPreviewBytes);
    return {};
  });
  if (!read) return;
  auto t = tenant(tenant_id, false);
  if (!t) return;
  std::lock_guard lock(t->mutex);
  auto info = t->tasks.find(offer.conversation_id);
  if (info == t->tasks.end()) return;
  // What arrived meanwhile (a newer message) wins over what was read.
  if (info->second.contact_name.empty()) info->second.contact_name = name;
  if (info->second.preview.empty()) info->second.preview = preview;
  info->second.details = true;
  offer.contact_name = info->second.contact_name;
  offer.preview = info->second.preview;
  for (auto& [key, listed] : t->offers) {
    if (key.first != offer.conversation_id) continue;
    listed.contact_name = offer.contact_name;
    listed.preview = offer.preview;
  }
}

// --- start and rebuild ---------------------------------------------------------------------------------

Status RoutingService::start() {
  auto tenants = readOne(store_, [](StoreTx& tx) { return tx.routingTenants(); });
  if (!tenants) return tenants.error();
  for (auto id : *tenants) {
    if (auto s = rebuild(id); !s) return s;
  }
  return {};
}

void RoutingService::staffChanged(core::TenantId id) {
  if (!tenant(id, false)) return;  // nothing routed in this tenant
  if (auto s = rebuild(id); !s) logWarning("tenant " + std::to_string(id.value) + ": rebuild failed: " + s.error().message);
}

Status RoutingService::rebuild(core::TenantId id) {
  // From the read until the fresh engine is in place, the tenant's events wait (see the header).
  auto g = gate(id);
  std::lock_guard gated(*g);
  {
    std::lock_guard lock(tenants_mutex_);
    ++rebuilding_[id];
  }
  struct Done {
    RoutingService& self;
    core::TenantId id;
    ~Done() {
      std::lock_guard lock(self.tenants_mutex_);
      if (--self.rebuilding_[id] == 0) self.rebuilding_.erase(id);
    }
  } done{*this, id};

  TenantConfig config;
  std::vector<core::Conversation> open;
  std::vector<QueueDayFiguresRecord> saved_today;
  const std::int64_t today = clock_.now() / kDayMs;
  auto read = store_.read([&](StoreTx& tx) -> Status {
    if (auto s = readConfig(tx, id, config); !s) return s;
    auto saved = tx.queueDayFigures(id, today);
    if (!saved) return saved.error();
    saved_today = std::move(*saved);
    core::ConversationId after;
    while (open.size() < kMaxTasks) {
      auto page = tx.listRoutedConversations(id, after, kRebuildPage);
      if (!page) return page.error();
      if (page->empty()) break;
      after = page->back().id;
      for (auto& c : *page) open.push_back(std::move(c));
      if (static_cast<int>(page->size()) < kRebuildPage) break;
    }
    return {};
  });
  if (!read) return read;

  const auto now = clock_.now();
  auto fresh = std::make_shared<Tenant>();
  fresh->id = id;
  fresh->day = now / kDayMs;
  fresh->rules = config.rules;
  fresh->inbox_channel = config.inbox_channel;
  for (const auto& q : config.queues) fresh->queues.emplace(q.id, q.settings);
  // Queues first (escalations may name a queue configured later: two rounds).
  for (int round = 0; round < 2; ++round) {
    for (const auto& q : config.queues) {
      auto c = engineQueue(q);
      if (round == 0) c.escalation.clear();
      std::erase_if(c.escalation, [&](const routing::EscalationStep& s) {
        return s.overflow_to.valid() && !fresh->queues.count(s.overflow_to);
      });
      if (auto s = fresh->engine.configureQueue(c, now); !s) {
        logWarning("queue " + std::to_string(q.id.value) + " not configured: " + s.error().message);
      }
    }
  }
  // Agents: members of a queue directly or through a team.
  for (const auto& [user_id, user] : config.users) {
    auto queues = config.queuesOf(user_id);
    if (queues.empty() || !user.active) continue;
    routing::AgentConfig a;
    a.id = user_id;
    a.queues = std::move(queues);
    const AgentProfile profile = config.profileOf(user_id);
    a.skills = profile.skills;
    const Capacity capacity = config.capacityOf(user_id, profile);
    std::copy(capacity.begin(), capacity.end(), a.capacity.begin());
    a.rules = routing::CrossChannelRules::defaults(profile.chat_interruptible_by_email);
    if (auto s = fresh->engine.configureAgent(a, now); !s) {
      logWarning("agent " + std::to_string(user_id.value) + " not configured: " + s.error().message);
      continue;
    }
    fresh->agents.insert(user_id);
    (void)fresh->engine.setAgentState(user_id, stateOf(user.availability), now);
  }
  // The conversations: assigned ones first (capacity), then the waiting ones in their order.
  std::sort(open.begin(), open.end(), [](const auto& a, const auto& b) {
    if (a.assignee_id.valid() != b.assignee_id.valid()) return a.assignee_id.valid();
    return std::tie(a.enqueued_at, a.id) < std::tie(b.enqueued_at, b.id);
  });
  for (const auto& c : open) {
    if (!fresh->queues.count(c.queue_id) || c.status == core::ConversationStatus::Snoozed) continue;
    auto ch = config.inbox_channel.find(c.inbox_id);
    const auto channel = ch != config.inbox_channel.end() ? ch->second : core::ChannelKind::Api;
    routing::TaskSpec spec{c.id, c.queue_id, channel, static_cast<int>(c.priority)};
    spec.enqueued_at = c.enqueued_at > 0 ? c.enqueued_at : c.created_at;
    Status s;
    if (c.assignee_id.valid()) {
      if (!fresh->agents.count(c.assignee_id)) continue;
      s = fresh->engine.taskRestored(spec, c.assignee_id, c.status == core::ConversationStatus::Pending, now);
    } else if (c.status == core::ConversationStatus::Open) {
      s = fresh->engine.taskArrived(spec, now);
    } else {
      continue;
    }
    if (s) fresh->tasks[c.id] = TaskInfo{c.queue_id, channel, "", "", false};
  }
  // Offers made while rebuilding go out like any other (their details read as they go out).
  auto effects = drain(*fresh, now);
  fresh->sweep.active = true;
  std::set<std::pair<core::ConversationId, core::UserId>> made;
  for (const auto& [key, offer] : fresh->offers) {
    // An offer of a queue that now accepts on the agent's behalf is not left on his screen: it
    // is taken back ("auto_accepted") and the conversation becomes his, or the next one's.
    auto q = fresh->queues.find(QueueId{offer.queue_id});
    if (q == fresh->queues.end() || !q->second.auto_accept) made.insert(key);
  }
  std::shared_ptr<Tenant> old;
  {
    std::lock_guard lock(tenants_mutex_);
    if (auto it = tenants_.find(id); it != tenants_.end()) old = it->second;
  }
  if (old) {  // the day's figures so far go on (the gate holds the old engine still)
    std::lock_guard lock(old->mutex);
    if (old->day == fresh->day) {
      for (const auto& [queue, settings] : old->queues) {
        if (auto total = todayTotal(*old, queue, now)) fresh->carried_today[queue] = *total;
      }
      fresh->saved_today = old->saved_today;
    }
  } else if (fresh->day == today) {  // the first engine of this process: today's figures as last saved
    for (const auto& record : saved_today) {
      if (!fresh->queues.count(record.queue_id)) continue;
      fresh->carried_today[record.queue_id] = figuresOf(record);
      fresh->saved_today[record.queue_id] = record;
    }
  }
  {
    std::lock_guard lock(tenants_mutex_);
    if (fresh->queues.empty()) {
      tenants_.erase(id);
    } else {
      tenants_[id] = fresh;
    }
  }
  // Offers of the old engine that the fresh one does not make again are withdrawn.
  if (old) {
    std::vector<std::pair<std::pair<core::ConversationId, core::UserId>, const char*>> gone;
    {
      std::lock_guard lock(old->mutex);
      for (const auto& [key, offer] : old->offers) {
        if (made.count(key)) continue;
        gone.push_back({key, fresh->offers.count(key) ? "auto_accepted" : "gone"});
      }
    }
    for (const auto& [key, reason] : gone) {
      const auto& [conversation, agent] = key;
      Event ev{0, "routing.offer_revoked", id, std::nullopt, {}, RoutingOfferRevoked{conversation, reason}};
      ev.only_user = agent;
      bus_.publish(std::move(ev));
    }
  }
  apply(id, std::move(effects));
  return {};
}

// --- configuration -----------------------------------------------------------------------------------

namespace {

// Rewrites every queue of the tenant that `edit` changes (it returns true when it did).
Status editQueues(StoreTx& tx, core::TenantId tenant, const std::function<bool(QueueSettings&, QueueId)>& edit) {
  auto queues = tx.listRoutingQueues(tenant);
  if (!queues) return queues.error();
  for (auto q : *queues) {
    auto settings = parseStoredQueueSettings(q.config_json);
    if (!settings) continue;
    settings->name = q.name;
    if (!edit(*settings, q.id)) continue;
    q.config_json = queueSettingsJson(*settings);
    if (auto s = tx.updateRoutingQueue(q); !s) return s;
  }
  return {};
}

}  // namespace

Result<std::vector<RoutingSkill>> RoutingService::skills(const core::Actor& actor) {
  if (auto s = requireSupervisor(actor); !s) return s.error();
  return readOne(store_, [&](StoreTx& tx) { return tx.listSkills(actor.tenant_id); });
}

namespace {
Status checkName(const std::string& name, const char* field) {
  if (name.find_first_not_of(" \t") == std::string::npos) {
    return makeError(ErrorCode::InvalidInput, std::string(field) + ": must not be empty");
  }
  if (name.size() > 100) return makeError(ErrorCode::InvalidInput, std::string(field) + ": at most 100 bytes");
  return {};
}
}  // namespace

Result<RoutingSkill> RoutingService::createSkill(const core::Actor& actor, const std::string& name) {
  if (auto s = requireAdmin(actor); !s) return s.error();
  if (auto s = checkName(name, "name"); !s) return s.error();
  RoutingSkill skill{{}, actor.tenant_id, name, clock_.now()};
  auto id = writeOne(store_, [&](StoreTx& tx) { return tx.createSkill(skill); });
  if (!id) {
    if (id.error().code == ErrorCode::Conflict) return makeError(ErrorCode::Conflict, "a skill with this name already exists");
    return id.error();
  }
  skill.id = *id;
  return skill;
}

Result<RoutingSkill> RoutingService::renameSkill(const core::Actor& actor, routing::SkillId id, const std::string& name) {
  if (auto s = requireAdmin(actor); !s) return s.error();
  if (auto s = checkName(name, "name"); !s) return s.error();
  RoutingSkill skill{id, actor.tenant_id, name, 0};
  auto status = store_.write([&](StoreTx& tx) -> Status {
    if (auto s = tx.updateSkill(skill); !s) return s;
    auto all = tx.listSkills(actor.tenant_id);
    if (!all) return all.error();
    for (const auto& k : *all) {
      if (k.id == id) skill = k;
    }
    return {};
  });
  if (!status) {
    if (status.error().code == ErrorCode::Conflict) return makeError(ErrorCode::Conflict, "a skill with this name already exists");
    return status.error();
  }
  return skill;
}

Status RoutingService::deleteSkill(const core::Actor& actor, routing::SkillId id) {
  if (auto s = requireAdmin(actor); !s) return s;
  auto drop = [&](std::vector<routing::SkillLevel>& v) {
    std::erase_if(v, [&](const routing::SkillLevel& l) { return l.skill == id; });
  };
  // One transaction: the skill goes, and so does every mention of it in queues and profiles.
  auto status = store_.write([&](StoreTx& tx) -> Status {
    if (auto s = tx.deleteSkill(actor.tenant_id, id); !s) return s;
    auto edited = editQueues(tx, actor.tenant_id, [&](QueueSettings& q, QueueId) {
      drop(q.required_skills);
      for (auto& e : q.escalation) {
        if (e.relax_to) drop(*e.relax_to);
      }
      return true;
    });
    if (!edited) return edited;
    auto profiles = tx.listAgentRouting(actor.tenant_id);
    if (!profiles) return profiles.error();
    for (auto p : *profiles) {
      auto profile = parseAgentProfile(p.json);
      if (!profile) continue;
      drop(profile->skills);
      p.json = agentProfileJson(*profile);
      if (auto s = tx.setAgentRouting(p); !s) return s;
    }
    return {};
  });
  if (!status) return status;
  return rebuild(actor.tenant_id);
}

namespace {

// References of a queue's settings must exist in the tenant.
Status checkQueueRefs(StoreTx& tx, core::TenantId tenant, const QueueSettings& q, QueueId self) {
  auto skills = tx.listSkills(tenant);
  if (!skills) return skills.error();
  std::set<std::int64_t> known;
  for (const auto& s : *skills) known.insert(s.id.value);
  auto checkSkills = [&](const std::vector<routing::SkillLevel>& v, const char* field) -> Status {
    for (const auto& l : v) {
      if (!known.count(l.skill.value)) {
        return makeError(ErrorCode::InvalidInput, std::string(field) + ": unknown skill " + std::to_string(l.skill.value));
      }
    }
    return {};
  };
  if (auto s = checkSkills(q.required_skills, "required_skills"); !s) return s;
  for (const auto& e : q.escalation) {
    if (e.relax_to) {
      if (auto s = checkSkills(*e.relax_to, "escalation.relax_to"); !s) return s;
    }
    if (e.overflow_to.valid()) {
      if (e.overflow_to == self) return makeError(ErrorCode::InvalidInput, "escalation.overflow_to_queue_id: not the queue itself");
      if (auto r = tx.getRoutingQueue(tenant, e.overflow_to); !r) {
        return makeError(ErrorCode::InvalidInput,
                         "escalation.overflow_to_queue_id: unknown queue " + std::to_string(e.overflow_to.value));
      }
    }
  }
  for (auto team : q.team_ids) {
    if (auto t = tx.getTeam(tenant, team); !t) {
      return makeError(ErrorCode::InvalidInput, "team_ids: unknown team " + std::to_string(team.value));
    }
  }
  for (auto user : q.agent_ids) {
    if (auto u = tx.getUser(tenant, user); !u) {
      return makeError(ErrorCode::InvalidInput, "agent_ids: unknown user " + std::to_string(user.value));
    }
  }
  return {};
}

}  // namespace

Result<std::vector<QueueView>> RoutingService::queues(const core::Actor& actor) {
  TenantConfig config;
  auto status = store_.read([&](StoreTx& tx) { return readConfig(tx, actor.tenant_id, config); });
  if (!status) return status.error();
  return config.queues;
}

Result<QueueView> RoutingService::queue(const core::Actor& actor, QueueId id) {
  if (auto s = requireSupervisor(actor); !s) return s.error();
  auto all = queues(actor);
  if (!all) return all.error();
  for (auto& q : *all) {
    if (q.id == id) return q;
  }
  return makeError(ErrorCode::NotFound, "queue " + std::to_string(id.value) + " not found");
}

Result<QueueView> RoutingService::createQueue(const core::Actor& actor, std::string_view body) {
  if (auto s = requireAdmin(actor); !s) return s.error();
  auto settings = parseQueueSettings(body);
  if (!settings) return settings.error();
  if (settings->name.empty()) return makeError(ErrorCode::InvalidInput, "name: is required");
  QueueView view{{}, *settings};
  auto status = store_.write([&](StoreTx& tx) -> Status {
    if (auto s = checkQueueRefs(tx, actor.tenant_id, view.settings, {}); !s) return s;
    auto id = tx.createRoutingQueue({{}, actor.tenant_id, view.settings.name, queueSettingsJson(view.settings), clock_.now()});
    if (!id) return id.error();
    view.id = *id;
    return {};
  });
  if (!status) return status.error();
  if (auto s = rebuild(actor.tenant_id); !s) return s.error();
  return view;
}

Result<QueueView> RoutingService::updateQueue(const core::Actor& actor, QueueId id, std::string_view body) {
  if (auto s = requireAdmin(actor); !s) return s.error();
  QueueView view{id, {}};
  auto status = store_.write([&](StoreTx& tx) -> Status {
    auto stored = tx.getRoutingQueue(actor.tenant_id, id);
    if (!stored) return stored.error();
    auto base = parseStoredQueueSettings(stored->config_json);
    if (!base) base = QueueSettings{};
    base->name = stored->name;
    auto settings = parseQueueSettings(body, *base);
    if (!settings) return settings.error();
    view.settings = std::move(*settings);
    if (auto s = checkQueueRefs(tx, actor.tenant_id, view.settings, id); !s) return s;
    stored->name = view.settings.name;
    stored->config_json = queueSettingsJson(view.settings);
    return tx.updateRoutingQueue(*stored);
  });
  if (!status) return status.error();
  if (auto s = rebuild(actor.tenant_id); !s) return s.error();
  return view;
}

Status RoutingService::deleteQueue(const core::Actor& actor, QueueId id) {
  if (auto s = requireAdmin(actor); !s) return s;
  auto status = store_.write([&](StoreTx& tx) -> Status {
    if (auto s = tx.deleteRoutingQueue(actor.tenant_id, id); !s) return s;
    // Other queues' escalations that overflowed into it stop doing so.
    return editQueues(tx, actor.tenant_id, [&](QueueSettings& q, QueueId) {
      bool changed = false;
      for (auto& e : q.escalation) {
        if (e.overflow_to == id) {
          e.overflow_to = {};
          changed = true;
        }
      }
      return changed;
    });
  });
  if (!status) return status;
  return rebuild(actor.tenant_id);
}

namespace {

Result<core::User> visibleUser(StoreTx& tx, const core::Actor& actor, core::UserId user) {
  auto u = tx.getUser(actor.tenant_id, user);
  if (!u) return u.error();
  return u;
}

}  // namespace

Result<std::string> RoutingService::agentRouting(const core::Actor& actor, core::UserId user) {
  if (actor.role == core::Role::Agent && actor.user_id != user) {
    return makeError(ErrorCode::Forbidden, "agents see only their own routing profile");
  }
  TenantConfig config;
  AgentProfile profile;
  auto status = store_.read([&](StoreTx& tx) -> Status {
    if (auto u = visibleUser(tx, actor, user); !u) return u.error();
    return readConfig(tx, actor.tenant_id, config);
  });
  if (!status) return status.error();
  profile = config.profileOf(user);
  json::array queue_ids;
  for (auto q : config.queuesOf(user)) queue_ids.push_back(q.value);
  const bool own = profile.capacity.has_value();
  const Capacity capacity = config.capacityOf(user, profile);
  json::array skills;
  for (const auto& s : profile.skills) skills.push_back(json::object{{"skill_id", s.skill.value}, {"level", s.level}});
  json::object out{{"user_id", user.value},
                   {"skills", std::move(skills)},
                   {"capacity", json::parse(capacityJson(capacity))},
                   {"capacity_is_own", own},
                   {"chat_interruptible_by_email", profile.chat_interruptible_by_email},
                   {"queue_ids", std::move(queue_ids)}};
  return json::serialize(out);
}

Result<std::string> RoutingService::setAgentRouting(const core::Actor& actor, core::UserId user, std::string_view body) {
  if (actor.role == core::Role::Agent) return makeError(ErrorCode::Forbidden, "only supervisors and admins edit routing profiles");
  auto queue_ids = parseQueueIds(body);
  if (!queue_ids) return queue_ids.error();
  auto status = store_.write([&](StoreTx& tx) -> Status {
    auto u = visibleUser(tx, actor, user);
    if (!u) return u.error();
    if (actor.role == core::Role::Supervisor && u->role != core::Role::Agent) {
      return makeError(ErrorCode::Forbidden, "a supervisor may edit the profiles of agents only");
    }
    AgentProfile base;
    auto stored = tx.getAgentRouting(actor.tenant_id, user);
    if (stored) {
      if (auto p = parseAgentProfile(stored->json)) base = *p;
    } else if (stored.error().code != ErrorCode::NotFound) {
      return stored.error();
    }
    auto profile = parseAgentProfile(body, base);
    if (!profile) return profile.error();
    auto skills = tx.listSkills(actor.tenant_id);
    if (!skills) return skills.error();
    for (const auto& l : profile->skills) {
      const bool known = std::any_of(skills->begin(), skills->end(), [&](const RoutingSkill& k) { return k.id == l.skill; });
      if (!known) return makeError(ErrorCode::InvalidInput, "skills: unknown skill " + std::to_string(l.skill.value));
    }
    if (auto s = tx.setAgentRouting({actor.tenant_id, user.value, agentProfileJson(*profile)}); !s) return s;
    if (!*queue_ids) return {};
    // Membership lives on the queues: he is added to the listed ones and leaves the others
    // (membership through a team stays).
    auto queues = tx.listRoutingQueues(actor.tenant_id);
    if (!queues) return queues.error();
    for (auto id : **queue_ids) {
      const bool known = std::any_of(queues->begin(), queues->end(), [&](const RoutingQueueRecord& q) { return q.id == id; });
      if (!known) return makeError(ErrorCode::InvalidInput, "queue_ids: unknown queue " + std::to_string(id.value));
    }
    return editQueues(tx, actor.tenant_id, [&](QueueSettings& q, QueueId queue) {
      const bool wanted = std::find((*queue_ids)->begin(), (*queue_ids)->end(), queue) != (*queue_ids)->end();
      auto& ids = q.agent_ids;
      const bool has = std::find(ids.begin(), ids.end(), user) != ids.end();
      if (wanted == has) return false;
      if (wanted) {
        ids.push_back(user);
        std::sort(ids.begin(), ids.end());
      } else {
        std::erase(ids, user);
      }
      return true;
    });
  });
  if (!status) return status.error();
  if (auto s = rebuild(actor.tenant_id); !s) return s.error();
  return agentRouting(actor, user);
}

Result<std::string> RoutingService::teamRouting(const core::Actor& actor, core::TeamId team) {
  if (auto s = requireSupervisor(actor); !s) return s.error();
  Capacity capacity;
  std::copy(routing::kDefaultCapacity.begin(), routing::kDefaultCapacity.end(), capacity.begin());
  auto status = store_.read([&](StoreTx& tx) -> Status {
    if (auto t = tx.getTeam(actor.tenant_id, team); !t) return t.error();
    auto p = tx.getTeamRouting(actor.tenant_id, team);
    if (p) {
      if (auto c = parseTeamCapacity(p->json)) capacity = *c;
    } else if (p.error().code != ErrorCode::NotFound) {
      return p.error();
    }
    return {};
  });
  if (!status) return status.error();
  return teamCapacityJson(capacity);
}

Result<std::string> RoutingService::setTeamRouting(const core::Actor& actor, core::TeamId team, std::string_view body) {
  if (auto s = requireAdmin(actor); !s) return s.error();
  auto capacity = parseTeamCapacity(body);
  if (!capacity) return capacity.error();
  auto status = store_.write([&](StoreTx& tx) -> Status {
    if (auto t = tx.getTeam(actor.tenant_id, team); !t) return t.error();
    return tx.setTeamRouting({actor.tenant_id, team.value, teamCapacityJson(*capacity)});
  });
  if (!status) return status.error();
  if (auto s = rebuild(actor.tenant_id); !s) return s.error();
  return teamCapacityJson(*capacity);
}

Result<std::vector<RoutingRule>> RoutingService::rules(const core::Actor& actor) {
  if (auto s = requireAdmin(actor); !s) return s.error();
  return readOne(store_, [&](StoreTx& tx) { return tx.listRoutingRules(actor.tenant_id); });
}

Result<std::vector<RoutingRule>> RoutingService::replaceRules(const core::Actor& actor, std::string_view body) {
  if (auto s = requireAdmin(actor); !s) return s.error();
  auto rules = parseRoutingRules(body);
  if (!rules) return rules.error();
  std::vector<RoutingRule> stored;
  auto status = store_.write([&](StoreTx& tx) -> Status {
    for (const auto& r : *rules) {
      if (auto q = tx.getRoutingQueue(actor.tenant_id, r.queue_id); !q) {
        return makeError(ErrorCode::InvalidInput, "rules.queue_id: unknown queue " + std::to_string(r.queue_id.value));
      }
      if (r.inbox_id.valid()) {
        if (auto i = tx.getInbox(actor.tenant_id, r.inbox_id); !i) {
          return makeError(ErrorCode::InvalidInput, "rules.inbox_id: unknown inbox " + std::to_string(r.inbox_id.value));
        }
      }
    }
    if (auto s = tx.replaceRoutingRules(actor.tenant_id, *rules); !s) return s;
    auto list = tx.listRoutingRules(actor.tenant_id);
    if (!list) return list.error();
    stored = std::move(*list);
    return {};
  });
  if (!status) return status.error();
  auto g = gate(actor.tenant_id);
  std::lock_guard gated(*g);
  if (auto t = tenant(actor.tenant_id, false)) {
    std::lock_guard lock(t->mutex);
    t->rules = stored;
    t->sweep = Sweep{};
    t->sweep.active = true;  // conversations not routed yet may match a rule now
  }
  return stored;
}

// --- offers and transfers ----------------------------------------------------------------------------

std::vector<RoutingOffer> RoutingService::offers(const core::Actor& actor) {
  std::vector<RoutingOffer> out;
  auto t = tenant(actor.tenant_id, false);
  if (!t) return out;
  std::lock_guard lock(t->mutex);
  for (const auto& [key, offer] : t->offers) {
    if (key.second == actor.user_id) out.push_back(offer);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.offered_at < b.offered_at; });
  return out;
}

Status RoutingService::answerOffer(const core::Actor& actor, core::ConversationId id, bool accept) {
  // Another tenant's conversation is not found, whatever the offers.
  if (auto c = readOne(store_, [&](StoreTx& tx) { return tx.getConversation(actor.tenant_id, id); }); !c) return c.error();
  auto g = gate(actor.tenant_id);
  std::lock_guard gated(*g);
  auto t = tenant(actor.tenant_id, false);
  if (!t) return makeError(ErrorCode::Conflict, "this offer is gone");
  std::vector<Effect> effects;
  bool gone = false;
  {
    std::lock_guard lock(t->mutex);
    const auto now = clock_.now();
    gone = !(accept ? t->engine.offerAccepted(id, actor.user_id, now) : t->engine.offerRejected(id, actor.user_id, now));
    if (!gone) t->offers.erase({id, actor.user_id});
    effects = drain(*t, now);  // an expiry found on the way is applied all the same
  }
  apply(actor.tenant_id, std::move(effects));
  if (gone) return makeError(ErrorCode::Conflict, "this offer is gone");
  return {};
}

Result<core::Conversation> RoutingService::accept(const core::Actor& actor, core::ConversationId id) {
  if (auto s = answerOffer(actor, id, true); !s) return s.error();
  return readOne(store_, [&](StoreTx& tx) { return tx.getConversation(actor.tenant_id, id); });
}

Status RoutingService::reject(const core::Actor& actor, core::ConversationId id) { return answerOffer(actor, id, false); }

Result<core::Conversation> RoutingService::transfer(const core::Actor& actor, core::ConversationId id,
                                                    const TransferInput& input) {
  if (!input.queue_id && !input.agent_id && !input.team_id) {
    return makeError(ErrorCode::InvalidInput, "transfer needs a queue_id, an agent_id or a team_id");
  }
  // Who and where, checked against the store.
  auto view = desk_.viewConversation(actor, id);
  if (!view) return view.error();
  std::string target, agent_name;
  auto g = gate(actor.tenant_id);
  std::lock_guard gated(*g);
  auto t = tenant(actor.tenant_id, false);
  auto status = store_.read([&](StoreTx& tx) -> Status {
    if (input.queue_id) {
      auto q = tx.getRoutingQueue(actor.tenant_id, *input.queue_id);
      if (!q) return makeError(ErrorCode::InvalidInput, "queue_id: unknown queue");
      target = "queue " + q->name;
    }
    if (input.agent_id) {
      auto u = tx.getUser(actor.tenant_id, *input.agent_id);
      if (!u) return makeError(ErrorCode::InvalidInput, "agent_id: unknown user");
      // Refused here, not left to wait for someone who can never take it.
      if (!u->active) return makeError(ErrorCode::InvalidInput, "agent_id: " + u->name + " is deactivated");
      auto teams = tx.teamsOfUser(actor.tenant_id, u->id);
      if (!teams) return teams.error();
      if (!core::canSeeInbox(core::Actor{u->id, actor.tenant_id, u->role, std::move(*teams)}, view->inbox)) {
        return makeError(ErrorCode::InvalidInput, "agent_id: " + u->name + " cannot see the inbox " + view->inbox.name +
                                                      " (add them to one of its teams)");
      }
      agent_name = u->name;
      target += (target.empty() ? "" : ", ") + u->name;
    }
    if (input.team_id) {
      auto team = tx.getTeam(actor.tenant_id, *input.team_id);
      if (!team) return makeError(ErrorCode::InvalidInput, "team_id: unknown team");
      target += (target.empty() ? "team " : ", team ") + team->name;
    }
    return {};
  });
  if (!status) return status.error();

  const bool routed = t && [&] {
    std::lock_guard lock(t->mutex);
    return !t->queues.empty();
  }();
  if (!routed) {
    // No routing in this tenant: a transfer to an agent or team is a hand assignment.
    if (input.queue_id) return makeError(ErrorCode::InvalidInput, "queue_id: routing has no queues");
    ConversationPatch patch;
    if (input.agent_id) patch.assignee_id = *input.agent_id;
    if (input.team_id) patch.team_id = *input.team_id;
    return desk_.updateConversation(actor, id, patch);
  }
  if (input.agent_id) {
    std::lock_guard lock(t->mutex);
    if (!t->agents.count(*input.agent_id)) {
      return makeError(ErrorCode::InvalidInput, "agent_id: " + agent_name +
                                                    " is in no routing queue (add them to a queue, or to a team of one), so routing "
                                                    "cannot hold the conversation for them");
    }
  }
  // The desk first (unassigned, team, activity line); then the engine moves the task. In
  // between, the desk's own event must not be taken for an unassignment by hand.
  {
    std::lock_guard lock(t->mutex);
    t->transferring.insert(id);
  }
  auto moved = desk_.recordTransfer(actor, id, input.team_id, target, input.note);
  if (!moved) {
    std::lock_guard lock(t->mutex);
    t->transferring.erase(id);
    return moved.error();
  }
  const auto now = clock_.now();
  QueueId queue;
  core::TimestampMs enqueued_at = 0;
  std::vector<Effect> effects;
  {
    std::lock_guard lock(t->mutex);
    auto task = t->engine.task(id);
    queue = input.queue_id.value_or(task ? task->queue
                                         : (moved->queue_id.valid() && t->queues.count(moved->queue_id) ? moved->queue_id
                                                                                                        : t->queues.begin()->first));
    if (!t->queues.count(queue)) queue = t->queues.begin()->first;
    routing::TransferSpec spec;
    spec.queue = queue;
    if (input.agent_id && t->agents.count(*input.agent_id)) spec.preferred_agent = *input.agent_id;
    if (task) {
      enqueued_at = task->enqueued_at;
      (void)t->engine.taskTransferred(id, spec, now);
      t->tasks[id].queue = queue;
    } else {
      auto ch = t->inbox_channel.find(moved->inbox_id);
      const auto channel = ch != t->inbox_channel.end() ? ch->second : view->inbox.channel;
      enqueued_at = moved->enqueued_at > 0 ? moved->enqueued_at : now;  // the customer's place is kept
      routing::TaskSpec arrive{id, queue, channel, static_cast<int>(moved->priority)};
      arrive.enqueued_at = enqueued_at;
      arrive.preferred_agent = spec.preferred_agent;
      if (auto s = t->engine.taskArrived(arrive, now); s) t->tasks[id] = TaskInfo{queue, channel, "", "", false};
    }
    effects = drain(*t, now);
  }
  auto done = [&] {
    std::lock_guard lock(t->mutex);
    t->transferring.erase(id);
  };
  auto stored = store_.write([&](StoreTx& tx) { return tx.setConversationQueue(actor.tenant_id, id, queue, enqueued_at); });
  done();
  apply(actor.tenant_id, std::move(effects));
  if (!stored) return stored.error();
  return readOne(store_, [&](StoreTx& tx) { return tx.getConversation(actor.tenant_id, id); });
}

// --- figures ---------------------------------------------------------------------------------------------

std::string RoutingService::statsBody(Tenant& t, core::TimestampMs now) {
  // By media, from the tasks the service knows (waiting ones only).
  struct Waiting {
    std::int64_t count = 0;
    core::TimestampMs oldest = 0;
  };
  std::map<QueueId, std::array<Waiting, routing::kMediaCount>> by_media;
  for (const auto& [conversation, info] : t.tasks) {
    auto view = t.engine.task(conversation);
    if (!view || (view->state != TaskState::Waiting && view->state != TaskState::WaitingPreferred)) continue;
    auto& w = by_media[view->queue][static_cast<std::size_t>(view->media)];
    ++w.count;
    if (w.oldest == 0 || view->enqueued_at < w.oldest) w.oldest = view->enqueued_at;
  }
  json::array queues;
  for (const auto& [id, settings] : t.queues) {
    auto stats = t.engine.queueStats(id, now);
    if (!stats) continue;
    stats->total = withCarried(t, id, stats->total);
    json::object channels;
    auto it = by_media.find(id);
    for (int m = 0; m < routing::kMediaCount; ++m) {
      const Waiting w = it != by_media.end() ? it->second[static_cast<std::size_t>(m)] : Waiting{};
      channels[routing::toString(static_cast<routing::Media>(m))] =
          json::object{{"waiting", w.count}, {"longest_wait_s", w.count ? (now - w.oldest) / 1000 : 0}};
    }
    queues.push_back(json::object{
        {"queue_id", id.value},
        {"name", settings.name},
        {"waiting", stats->waiting},
        {"offered", stats->offered},
        {"longest_wait_s", stats->longest_wait_ms / 1000},
        {"agents_logged_in", stats->agents_logged_in},
        {"agents_available", stats->agents_available},
        {"agents_busy", stats->agents_busy},
        {"agents_away", stats->agents_away},
        {"service_level_today", fractionOrNull(stats->total.service_level)},
        {"service_level_15m", fractionOrNull(stats->window.service_level)},
        {"asa_today_s", secondsOrNull(stats->total.asa_ms)},
        {"asa_15m_s", secondsOrNull(stats->window.asa_ms)},
        {"abandoned_today", stats->total.abandoned},
        {"answered_today", stats->total.answered},
        {"target", json::object{{"threshold_s", stats->target.threshold_ms / 1000}, {"target", stats->target.target}}},
        {"by_channel", std::move(channels)}});
  }
  return json::serialize(json::object{{"at", isoTime(now)}, {"queues", std::move(queues)}});
}

Result<std::string> RoutingService::statsJson(const core::Actor& actor) {
  if (auto s = requireSupervisor(actor); !s) return s.error();
  const auto now = clock_.now();
  auto t = tenant(actor.tenant_id, false);
  if (!t) return json::serialize(json::object{{"at", isoTime(now)}, {"queues", json::array{}}});
  std::lock_guard lock(t->mutex);
  return statsBody(*t, now);
}

void RoutingService::publishStats(core::TimestampMs now, bool force) {
  std::vector<std::shared_ptr<Tenant>> all;
  {
    std::lock_guard lock(tenants_mutex_);
    for (auto& [id, t] : tenants_) all.push_back(t);
  }
  for (auto& t : all) {
    std::string body;
    {
      std::lock_guard lock(t->mutex);
      const auto gap = now - t->last_stats;
      if (!force && !(t->changed && gap >= kStatsMinGapMs) && gap < kStatsIdleGapMs) continue;
      t->changed = false;
      t->last_stats = now;
      body = statsBody(*t, now);
    }
    Event ev{0, "queue.stats", t->id, std::nullopt, {}, QueueStatsNotice{std::move(body)}};
    ev.supervisors_only = true;
    bus_.publish(std::move(ev));
  }
}

std::string RoutingService::routingState(const core::Conversation& c) {
  if (auto t = tenant(c.tenant_id, false)) {
    std::lock_guard lock(t->mutex);
    if (auto task = t->engine.task(c.id)) {
      switch (task->state) {
        case TaskState::Waiting:
        case TaskState::WaitingPreferred: return "waiting";
        case TaskState::Offered: return "offered";
        case TaskState::Assigned: return "assigned";
        case TaskState::Pending: return "pending";
      }
    }
  }
  if (!c.queue_id.valid() || c.status == core::ConversationStatus::Resolved) return "none";
  if (c.assignee_id.valid()) return c.status == core::ConversationStatus::Pending ? "pending" : "assigned";
  return "none";
}

}  // namespace parley::app
