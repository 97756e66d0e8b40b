#include "app/routing_config.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "app/desk_service.hpp"
#include "app/time_zone.hpp"

namespace parley::app {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;
using core::Result;
using core::Status;

namespace {

constexpr int kMaxSeconds = 7 * 24 * 3600;  // a week: more is a typo
constexpr std::size_t kMaxItems = 200;
constexpr std::array<const char*, 7> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr std::array<const char*, routing::kMediaCount> kMediaNames = {"voice", "chat", "messaging", "email"};

core::Error bad(const std::string& field, const std::string& what) {
  return makeError(ErrorCode::InvalidInput, field + ": " + what);
}

Result<json::object> parseObject(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return makeError(ErrorCode::InvalidInput, "the body must be a JSON object");
  return std::move(v.as_object());
}

Status onlyKeys(const json::object& o, std::initializer_list<const char*> allowed, const std::string& where) {
  for (const auto& kv : o) {
    const bool known = std::any_of(allowed.begin(), allowed.end(), [&](const char* k) { return kv.key() == k; });
    if (!known) return bad(where + std::string(kv.key()), "unknown field");
  }
  return {};
}

Result<std::int64_t> integer(const json::value& v, const std::string& field, std::int64_t lo, std::int64_t hi) {
  std::int64_t n = 0;
  if (v.is_int64()) {
    n = v.as_int64();
  } else if (v.is_uint64() && v.as_uint64() <= static_cast<std::uint64_t>(hi)) {
    n = static_cast<std::int64_t>(v.as_uint64());
  } else if (v.is_double() && std::floor(v.as_double()) == v.as_double() && std::abs(v.as_double()) < 1e15) {
    n = static_cast<std::int64_t>(v.as_double());
  } else {
    return bad(field, "must be a whole number");
  }
  if (n < lo || n > hi) return bad(field, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return n;
}

Result<int> seconds(const json::value& v, const std::string& field) {
  auto n = integer(v, field, 0, kMaxSeconds);
  if (!n) {
    if (v.is_number() && v.to_number<double>() < 0) return bad(field, "must not be negative");
    return n.error();
  }
  return static_cast<int>(*n);
}

Result<bool> boolean(const json::value& v, const std::string& field) {
  if (!v.is_bool()) return bad(field, "must be true or false");
  return v.as_bool();
}

Result<std::string> text(const json::value& v, const std::string& field, std::size_t max_len) {
  if (!v.is_string()) return bad(field, "must be a string");
  std::string s(v.as_string());
  if (s.size() > max_len) return bad(field, "at most " + std::to_string(max_len) + " bytes");
  return s;
}

template <class IdT>
Result<IdT> id(const json::value& v, const std::string& field) {
  auto n = integer(v, field, 1, std::numeric_limits<std::int64_t>::max());
  if (!n) return bad(field, "must be a positive id");
  return IdT{*n};
}

template <class IdT>
Result<std::vector<IdT>> ids(const json::value& v, const std::string& field) {
  if (!v.is_array()) return bad(field, "must be an array of ids");
  if (v.as_array().size() > kMaxItems) return bad(field, "at most 200 ids");
  std::vector<IdT> out;
  for (const auto& item : v.as_array()) {
    auto one = id<IdT>(item, field);
    if (!one) return one.error();
    out.push_back(*one);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<std::vector<routing::SkillLevel>> skillLevels(const json::value& v, const std::string& field) {
  if (!v.is_array()) return bad(field, "must be an array of {skill_id, level}");
  if (v.as_array().size() > 64) return bad(field, "at most 64 skills");
  std::vector<routing::SkillLevel> out;
  std::set<std::int64_t> seen;
  for (const auto& item : v.as_array()) {
    if (!item.is_object()) return bad(field, "each entry must be {skill_id, level}");
    const auto& o = item.as_object();
    if (auto s = onlyKeys(o, {"skill_id", "level"}, field + "."); !s) return s.error();
    if (!o.contains("skill_id")) return bad(field + ".skill_id", "is required");
    auto skill = id<routing::SkillId>(o.at("skill_id"), field + ".skill_id");
    if (!skill) return skill.error();
    int level = 1;
    if (o.contains("level")) {
      auto l = integer(o.at("level"), field + ".level", 1, routing::kMaxProficiency);
      if (!l) return bad(field + ".level", "must be between 1 and 5");
      level = static_cast<int>(*l);
    }
    if (!seen.insert(skill->value).second) return bad(field, "skill " + std::to_string(skill->value) + " twice");
    out.push_back({*skill, level});
  }
  return out;
}

json::array skillLevelsJson(const std::vector<routing::SkillLevel>& skills) {
  json::array a;
  for (const auto& s : skills) a.push_back(json::object{{"skill_id", s.skill.value}, {"level", s.level}});
  return a;
}

template <class IdT>
json::array idsJson(const std::vector<IdT>& v) {
  json::array a;
  for (auto i : v) a.push_back(i.value);
  return a;
}

std::string clock(int minute) {
  char buf[16];  // "HH:MM"; room for any int so the compiler can prove nothing is cut
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60, minute % 60);
  return buf;
}

std::string dateText(const core::LocalDate& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

Result<std::optional<QueueHours>> businessHours(const json::value& v) {
  const std::string field = "business_hours";
  if (v.is_null()) return std::optional<QueueHours>();
  if (!v.is_object()) return bad(field, "must be an object or null");
  const auto& o = v.as_object();
  if (auto s = onlyKeys(o, {"time_zone", "days", "holidays"}, field + "."); !s) return s.error();
  QueueHours hours;
  if (o.contains("time_zone")) {
    auto tz = text(o.at("time_zone"), field + ".time_zone", 64);
    if (!tz) return tz.error();
    if (!isKnownTimeZone(*tz)) return bad(field + ".time_zone", "'" + *tz + "' is not a known time zone");
    hours.time_zone = *tz;
  }
  if (o.contains("days")) {
    if (!o.at("days").is_object()) return bad(field + ".days", "must be an object like {\"mon\": [[\"08:00\",\"18:00\"]]}");
    for (const auto& kv : o.at("days").as_object()) {
      const std::string day(kv.key());
      auto weekday = core::parseWeekday(day);
      const std::string where = field + ".days." + day;
      if (!weekday) return bad(where, "not a day (mon ... sun)");
      if (!kv.value().is_array() || kv.value().as_array().size() > 24) return bad(where, "must be a list of [from, to]");
      for (const auto& range : kv.value().as_array()) {
        if (!range.is_array() || range.as_array().size() != 2 || !range.as_array()[0].is_string() ||
            !range.as_array()[1].is_string()) {
          return bad(where, "each entry must be [\"08:00\", \"18:00\"]");
        }
        std::string interval = std::string(range.as_array()[0].as_string()) + "-" + std::string(range.as_array()[1].as_string());
        auto parsed = core::parseMinuteInterval(interval);
        if (!parsed) return bad(where, parsed.error().message);
        hours.hours.weekly[*weekday].push_back(*parsed);
      }
    }
  }
  if (o.contains("holidays")) {
    if (!o.at("holidays").is_array() || o.at("holidays").as_array().size() > 400) {
      return bad(field + ".holidays", "must be a list of dates like \"2026-12-24\"");
    }
    for (const auto& d : o.at("holidays").as_array()) {
      if (!d.is_string()) return bad(field + ".holidays", "must be a list of dates like \"2026-12-24\"");
      auto date = core::parseLocalDate(std::string(d.as_string()));
      if (!date) return bad(field + ".holidays", date.error().message);
      hours.hours.closed_dates.push_back(*date);
    }
  }
  if (auto s = core::normalizeBusinessHours(hours.hours); !s) return bad(field + ".days", s.error().message);
  return std::optional<QueueHours>(std::move(hours));
}

json::value businessHoursJson(const std::optional<QueueHours>& hours) {
  if (!hours) return nullptr;
  json::object days;
  for (std::size_t d = 0; d < 7; ++d) {
    if (hours->hours.weekly[d].empty()) continue;
    json::array ranges;
    for (const auto& i : hours->hours.weekly[d]) ranges.push_back(json::array{json::string(clock(i.start)), json::string(clock(i.end))});
    days[kDays[d]] = std::move(ranges);
  }
  json::array holidays;
  for (const auto& d : hours->hours.closed_dates) holidays.push_back(json::string(dateText(d)));
  return json::object{{"time_zone", hours->time_zone}, {"days", std::move(days)}, {"holidays", std::move(holidays)}};
}

Result<Capacity> capacity(const json::value& v, const std::string& field, Capacity base) {
  if (!v.is_object()) return bad(field, "must be an object like {\"voice\":1,\"chat\":3,\"messaging\":8,\"email\":10}");
  for (const auto& kv : v.as_object()) {
    auto it = std::find_if(kMediaNames.begin(), kMediaNames.end(), [&](const char* m) { return kv.key() == m; });
    if (it == kMediaNames.end()) return bad(field + "." + std::string(kv.key()), "unknown media (voice, chat, messaging, email)");
    auto n = integer(kv.value(), field + "." + std::string(kv.key()), 0, 1000);
    if (!n) return n.error();
    base[static_cast<std::size_t>(it - kMediaNames.begin())] = static_cast<int>(*n);
  }
  return base;
}

json::object capacityObject(const Capacity& c) {
  json::object o;
  for (std::size_t m = 0; m < kMediaNames.size(); ++m) o[kMediaNames[m]] = c[m];
  return o;
}

Capacity defaultCapacity() {
  Capacity c;
  std::copy(routing::kDefaultCapacity.begin(), routing::kDefaultCapacity.end(), c.begin());
  return c;
}

}  // namespace

std::optional<routing::Strategy> parseStrategy(std::string_view name) {
  for (auto s : {routing::Strategy::LongestIdle, routing::Strategy::LeastOccupied, routing::Strategy::MostSkilled,
                 routing::Strategy::RoundRobin, routing::Strategy::PreferredAgentFirst}) {
    if (routing::toString(s) == name) return s;
  }
  return std::nullopt;
}

namespace {

// `stored`: the configuration as the store keeps it, written by an older version perhaps; what
// the API refuses today is dropped there instead, so the queue keeps all its other settings.
Result<QueueSettings> parseQueueSettingsAs(std::string_view body, QueueSettings q, bool stored) {
  auto parsed = parseObject(body);
  if (!parsed) return parsed.error();
  const json::object& o = *parsed;
  if (auto s = onlyKeys(o, {"id", "name", "strategy", "fallback_strategy", "preferred_timeout_s", "required_skills",
                            "service_level", "offer_timeout_s", "offer_fanout", "auto_accept", "wrap_up_s", "escalation",
                            "business_hours", "team_ids", "agent_ids"},
                        "");
      !s) {
    return s.error();
  }
  auto strategy = [&](const char* key, routing::Strategy& out) -> Status {
    if (!o.contains(key)) return {};
    auto name = text(o.at(key), key, 64);
    if (!name) return name.error();
    auto s = parseStrategy(*name);
    if (!s) {
      return bad(key, "unknown strategy '" + *name +
                          "' (longest_idle, least_occupied, most_skilled, round_robin, preferred_agent_first)");
    }
    out = *s;
    return {};
  };
  auto secs = [&](const char* key, int& out) -> Status {
    if (!o.contains(key)) return {};
    auto n = seconds(o.at(key), key);
    if (!n) return n.error();
    out = *n;
    return {};
  };
  if (o.contains("name")) {
    auto name = text(o.at("name"), "name", 200);
    if (!name) return name.error();
    if (name->find_first_not_of(" \t") == std::string::npos) return bad("name", "must not be empty");
    q.name = *name;
  }
  if (auto s = strategy("strategy", q.strategy); !s) return s.error();
  if (auto s = strategy("fallback_strategy", q.fallback_strategy); !s) return s.error();
  if (q.fallback_strategy == routing::Strategy::PreferredAgentFirst) {
    return bad("fallback_strategy", "must not be preferred_agent_first");
  }
  if (auto s = secs("preferred_timeout_s", q.preferred_timeout_s); !s) return s.error();
  if (auto s = secs("offer_timeout_s", q.offer_timeout_s); !s) return s.error();
  if (q.offer_timeout_s < 1) return bad("offer_timeout_s", "must be at least 1");
  if (auto s = secs("wrap_up_s", q.wrap_up_s); !s) return s.error();
  if (o.contains("required_skills")) {
    auto skills = skillLevels(o.at("required_skills"), "required_skills");
    if (!skills) return skills.error();
    q.required_skills = std::move(*skills);
  }
  if (o.contains("service_level")) {
    const auto& v = o.at("service_level");
    if (!v.is_object()) return bad("service_level", "must be {\"threshold_s\", \"target\"}");
    if (auto s = onlyKeys(v.as_object(), {"threshold_s", "target"}, "service_level."); !s) return s.error();
    if (v.as_object().contains("threshold_s")) {
      auto n = seconds(v.as_object().at("threshold_s"), "service_level.threshold_s");
      if (!n) return n.error();
      q.sl_threshold_s = *n;
    }
    if (v.as_object().contains("target")) {
      const auto& t = v.as_object().at("target");
      if (!t.is_number() || t.to_number<double>() <= 0 || t.to_number<double>() > 1) {
        return bad("service_level.target", "must be a fraction above 0 and at most 1 (e.g. 0.8)");
      }
      q.sl_target = t.to_number<double>();
    }
  }
  if (o.contains("offer_fanout")) {
    auto n = integer(o.at("offer_fanout"), "offer_fanout", 1, routing::kMaxOfferFanout);
    if (!n) return n.error();
    q.offer_fanout = static_cast<int>(*n);
  }
  if (o.contains("auto_accept")) {
    auto b = boolean(o.at("auto_accept"), "auto_accept");
    if (!b) return b.error();
    q.auto_accept = *b;
  }
  if (o.contains("escalation")) {
    const auto& v = o.at("escalation");
    if (!v.is_array() || v.as_array().size() > 20) return bad("escalation", "must be a list of at most 20 steps");
    q.escalation.clear();
    for (const auto& step : v.as_array()) {
      if (!step.is_object()) return bad("escalation", "each step must be an object");
      const auto& so = step.as_object();
      if (auto s = onlyKeys(so, {"after_s", "relax_to", "raise_priority_by", "overflow_to_queue_id"}, "escalation."); !s) {
        return s.error();
      }
      EscalationSetting e;
      if (!so.contains("after_s")) return bad("escalation.after_s", "is required");
      auto after = seconds(so.at("after_s"), "escalation.after_s");
      if (!after) return after.error();
      e.after_s = *after;
      if (so.contains("relax_to") && !so.at("relax_to").is_null()) {
        auto relax = skillLevels(so.at("relax_to"), "escalation.relax_to");
        if (!relax) return relax.error();
        e.relax_to = std::move(*relax);
      }
      if (so.contains("raise_priority_by")) {
        auto n = integer(so.at("raise_priority_by"), "escalation.raise_priority_by", 0, 100);
        if (!n) return n.error();
        e.raise_priority_by = static_cast<int>(*n);
      }
      if (so.contains("overflow_to_queue_id") && !so.at("overflow_to_queue_id").is_null()) {
        auto target = id<routing::QueueId>(so.at("overflow_to_queue_id"), "escalation.overflow_to_queue_id");
        if (!target) return target.error();
        e.overflow_to = *target;
      }
      if (!e.relax_to && e.raise_priority_by == 0 && !e.overflow_to.valid()) {
        if (stored) continue;  // accepted before this check existed; it never did anything
        return bad("escalation", "a step needs relax_to, raise_priority_by or overflow_to_queue_id: one that does nothing is a mistake");
      }
      q.escalation.push_back(std::move(e));
    }
    std::stable_sort(q.escalation.begin(), q.escalation.end(), [](const auto& a, const auto& b) { return a.after_s < b.after_s; });
  }
  if (o.contains("business_hours")) {
    auto hours = businessHours(o.at("business_hours"));
    if (!hours) return hours.error();
    q.business_hours = std::move(*hours);
  }
  if (o.contains("team_ids")) {
    auto v = ids<core::TeamId>(o.at("team_ids"), "team_ids");
    if (!v) return v.error();
    q.team_ids = std::move(*v);
  }
  if (o.contains("agent_ids")) {
    auto v = ids<core::UserId>(o.at("agent_ids"), "agent_ids");
    if (!v) return v.error();
    q.agent_ids = std::move(*v);
  }
  return q;
}

}  // namespace

Result<QueueSettings> parseQueueSettings(std::string_view body, QueueSettings base) {
  return parseQueueSettingsAs(body, std::move(base), false);
}

Result<QueueSettings> parseStoredQueueSettings(std::string_view json) { return parseQueueSettingsAs(json, {}, true); }

std::string lowerLanguageTag(std::string_view tag) {
  // BCP 47 in the shape routing needs: a 2-3 letter language, then subtags of 1-8 letters or
  // digits ("de", "en-GB", "pt-br", "zh-hant-tw"); "_" accepted for "-" as systems write it.
  std::string out;
  std::size_t part = 0, part_len = 0;
  for (char c : tag) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '-' || c == '_') {
      if (part_len == 0 || (part == 0 && part_len < 2)) return "";
      ++part;
      part_len = 0;
      out += '-';
      continue;
    }
    const bool letter = std::isalpha(u) != 0, digit = std::isdigit(u) != 0;
    if (!(letter || (digit && part > 0))) return "";
    if (++part_len > (part == 0 ? 3u : 8u)) return "";
    out += static_cast<char>(std::tolower(u));
  }
  if (part_len == 0 || (part == 0 && part_len < 2)) return "";
  return out;
}

std::string queueSettingsJson(const QueueSettings& q, routing::QueueId queue_id) {
  json::array escalation;
  for (const auto& e : q.escalation) {
    escalation.push_back(json::object{
        {"after_s", e.after_s},
        {"relax_to", e.relax_to ? json::value(skillLevelsJson(*e.relax_to)) : json::value(nullptr)},
        {"raise_priority_by", e.raise_priority_by},
        {"overflow_to_queue_id", e.overflow_to.valid() ? json::value(e.overflow_to.value) : json::value(nullptr)}});
  }
  json::object o;
  if (queue_id.valid()) o["id"] = queue_id.value;
  o["name"] = q.name;
  o["strategy"] = routing::toString(q.strategy);
  o["fallback_strategy"] = routing::toString(q.fallback_strategy);
  o["preferred_timeout_s"] = q.preferred_timeout_s;
  o["required_skills"] = skillLevelsJson(q.required_skills);
  o["service_level"] = json::object{{"threshold_s", q.sl_threshold_s}, {"target", q.sl_target}};
  o["offer_timeout_s"] = q.offer_timeout_s;
  o["offer_fanout"] = q.offer_fanout;
  o["auto_accept"] = q.auto_accept;
  o["wrap_up_s"] = q.wrap_up_s;
  o["escalation"] = std::move(escalation);
  o["business_hours"] = businessHoursJson(q.business_hours);
  o["team_ids"] = idsJson(q.team_ids);
  o["agent_ids"] = idsJson(q.agent_ids);
  return json::serialize(o);
}

Result<AgentProfile> parseAgentProfile(std::string_view body, AgentProfile p) {
  auto parsed = parseObject(body);
  if (!parsed) return parsed.error();
  const json::object& o = *parsed;
  if (auto s = onlyKeys(o, {"user_id", "skills", "capacity", "chat_interruptible_by_email", "queue_ids"}, ""); !s) {
    return s.error();
  }
  if (o.contains("skills")) {
    auto skills = skillLevels(o.at("skills"), "skills");
    if (!skills) return skills.error();
    p.skills = std::move(*skills);
  }
  if (o.contains("capacity")) {
    if (o.at("capacity").is_null()) {
      p.capacity.reset();
    } else {
      auto c = capacity(o.at("capacity"), "capacity", p.capacity.value_or(defaultCapacity()));
      if (!c) return c.error();
      p.capacity = *c;
    }
  }
  if (o.contains("chat_interruptible_by_email")) {
    auto b = boolean(o.at("chat_interruptible_by_email"), "chat_interruptible_by_email");
    if (!b) return b.error();
    p.chat_interruptible_by_email = *b;
  }
  return p;
}

Result<std::optional<std::vector<routing::QueueId>>> parseQueueIds(std::string_view body) {
  auto parsed = parseObject(body);
  if (!parsed) return parsed.error();
  if (!parsed->contains("queue_ids")) return std::optional<std::vector<routing::QueueId>>();
  auto v = ids<routing::QueueId>(parsed->at("queue_ids"), "queue_ids");
  if (!v) return v.error();
  return std::optional<std::vector<routing::QueueId>>(std::move(*v));
}

std::string agentProfileJson(const AgentProfile& p) {
  return json::serialize(json::object{
      {"skills", skillLevelsJson(p.skills)},
      {"capacity", p.capacity ? json::value(capacityObject(*p.capacity)) : json::value(nullptr)},
      {"chat_interruptible_by_email", p.chat_interruptible_by_email}});
}

Result<Capacity> parseTeamCapacity(std::string_view body) {
  auto parsed = parseObject(body);
  if (!parsed) return parsed.error();
  if (auto s = onlyKeys(*parsed, {"capacity"}, ""); !s) return s.error();
  if (!parsed->contains("capacity")) return bad("capacity", "is required");
  return capacity(parsed->at("capacity"), "capacity", defaultCapacity());
}

std::string teamCapacityJson(const Capacity& c) { return json::serialize(json::object{{"capacity", capacityObject(c)}}); }

std::string capacityJson(const Capacity& c) { return json::serialize(capacityObject(c)); }

Result<std::vector<RoutingRule>> parseRoutingRules(std::string_view body) {
  auto parsed = parseObject(body);
  if (!parsed) return parsed.error();
  if (auto s = onlyKeys(*parsed, {"rules"}, ""); !s) return s.error();
  if (!parsed->contains("rules") || !parsed->at("rules").is_array()) return bad("rules", "must be a list");
  const auto& list = parsed->at("rules").as_array();
  if (list.size() > kMaxItems) return bad("rules", "at most 200 rules");
  std::vector<RoutingRule> rules;
  for (const auto& item : list) {
    if (!item.is_object()) return bad("rules", "each rule must be an object");
    const auto& o = item.as_object();
    if (auto s = onlyKeys(o, {"id", "position", "inbox_id", "label", "language", "channel", "queue_id", "priority"},
                          "rules.");
        !s) {
      return s.error();
    }
    RoutingRule r;
    r.position = static_cast<int>(rules.size());
    if (o.contains("inbox_id") && !o.at("inbox_id").is_null()) {
      auto v = id<core::InboxId>(o.at("inbox_id"), "rules.inbox_id");
      if (!v) return v.error();
      r.inbox_id = *v;
    }
    // Written as conversations keep them (labels lower-case, language tags lower-case), so that
    // "VIP" or "DE" match instead of never matching without a word.
    if (o.contains("label") && !o.at("label").is_null()) {
      auto v = text(o.at("label"), "rules.label", 64);
      if (!v) return v.error();
      auto label = normalizeLabels({*v});
      if (!label) return bad("rules.label", "'" + *v + "' is not a valid label (letters, digits, - _ : .)");
      r.label = label->front();
    }
    if (o.contains("language") && !o.at("language").is_null()) {
      auto v = text(o.at("language"), "rules.language", 35);
      if (!v) return v.error();
      r.language = lowerLanguageTag(*v);
      if (r.language.empty()) return bad("rules.language", "'" + *v + "' is not a language tag such as de, en or pt-br");
    }
    if (o.contains("channel") && !o.at("channel").is_null()) {
      auto v = text(o.at("channel"), "rules.channel", 32);
      if (!v) return v.error();
      auto channel = core::parseChannelKind(*v);
      if (!channel) return bad("rules.channel", "unknown channel '" + *v + "'");
      r.channel = *channel;
    }
    if (!o.contains("queue_id")) return bad("rules.queue_id", "is required");
    auto queue = id<routing::QueueId>(o.at("queue_id"), "rules.queue_id");
    if (!queue) return queue.error();
    r.queue_id = *queue;
    if (o.contains("priority")) {
      auto n = integer(o.at("priority"), "rules.priority", -100, 100);
      if (!n) return n.error();
      r.priority = static_cast<int>(*n);
    }
    rules.push_back(std::move(r));
  }
  return rules;
}

}  // namespace parley::app
