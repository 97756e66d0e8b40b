// DESIGN: the routing configuration as typed values, and its one JSON codec. The same JSON
// shapes are the REST API's (docs/ROUTING.md) and what the store keeps (config_json / json
// columns), so a queue read back from the store is parsed and validated exactly like a request
// body. Everything a request can get wrong is an InvalidInput naming the field; references to
// other objects (skills, queues, teams, users) are checked by the routing service against the
// store. Nothing here does I/O except asking the time-zone database whether a zone exists.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/routing_records.hpp"
#include "core/business_hours.hpp"
#include "core/result.hpp"
#include "core/routing/routing_types.hpp"

namespace parley::app {

namespace routing = core::routing;

struct EscalationSetting {
  int after_s = 0;
  std::optional<std::vector<routing::SkillLevel>> relax_to;
  int raise_priority_by = 0;
  routing::QueueId overflow_to;
};

struct QueueHours {
  std::string time_zone = "UTC";
  core::BusinessHours hours;
};

struct QueueSettings {
  std::string name;
  routing::Strategy strategy = routing::Strategy::LongestIdle;
  routing::Strategy fallback_strategy = routing::Strategy::LongestIdle;
  int preferred_timeout_s = 30;
  std::vector<routing::SkillLevel> required_skills;
  int sl_threshold_s = 20;
  double sl_target = 0.8;
  int offer_timeout_s = 20;
  int offer_fanout = 1;
  bool auto_accept = false;
  int wrap_up_s = 0;
  std::vector<EscalationSetting> escalation;
  std::optional<QueueHours> business_hours;
  std::vector<core::TeamId> team_ids;
  std::vector<core::UserId> agent_ids;
};

using Capacity = std::array<int, routing::kMediaCount>;  // voice, chat, messaging, email

struct AgentProfile {
  std::vector<routing::SkillLevel> skills;
  std::optional<Capacity> capacity;  // nullopt: the team's default, else the built-in one
  bool chat_interruptible_by_email = true;
};

// Applies the keys present in `json` on top of `base` (all keys for a create, some for a
// PATCH); unknown keys, wrong types and values out of range are InvalidInput.
core::Result<QueueSettings> parseQueueSettings(std::string_view json, QueueSettings base = {});
// A queue's configuration as stored: the same, but what the API has refused only since it was
// saved (an escalation step that does nothing) is dropped, not an error.
core::Result<QueueSettings> parseStoredQueueSettings(std::string_view json);
// The queue as the API shows it (and the store keeps it): every field, `id` when valid.
// A language tag lower-cased ("DE" -> "de", "en_GB" -> "en-gb"), or "" when it is none: how
// routing rules and contacts' `language` attribute are compared.
std::string lowerLanguageTag(std::string_view tag);

std::string queueSettingsJson(const QueueSettings& queue, routing::QueueId id = {});

// {"skills":[...],"capacity":{...}|null,"chat_interruptible_by_email":bool} (+ "queue_ids",
// which the caller reads with parseQueueIds: membership lives on the queues).
core::Result<AgentProfile> parseAgentProfile(std::string_view json, AgentProfile base = {});
core::Result<std::optional<std::vector<routing::QueueId>>> parseQueueIds(std::string_view json);
std::string agentProfileJson(const AgentProfile& profile);  // what the store keeps
// {"capacity":{...}}: a team's default capacity.
core::Result<Capacity> parseTeamCapacity(std::string_view json);
std::string teamCapacityJson(const Capacity& capacity);
std::string capacityJson(const Capacity& capacity);  // {"voice":1,"chat":3,"messaging":8,"email":10}

// {"rules":[{"inbox_id","label","language","channel","queue_id","priority"}, ...]} (at most 200).
core::Result<std::vector<RoutingRule>> parseRoutingRules(std::string_view json);

std::optional<routing::Strategy> parseStrategy(std::string_view name);

}  // namespace parley::app
