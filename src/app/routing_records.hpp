// What the store keeps of the routing configuration (see app/routing_service.hpp): skills,
// queues, agents' and teams' routing profiles and the ordered routing rules. The queue's and
// the profiles' settings are JSON object texts, validated and parsed by the routing service
// (app/routing_config.hpp) before they are written; the store keeps them byte for byte.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/routing/routing_types.hpp"

namespace parley::app {

struct RoutingSkill {
  core::routing::SkillId id;
  core::TenantId tenant_id;
  std::string name;  // unique per tenant
  core::TimestampMs created_at = 0;
};

struct RoutingQueueRecord {
  core::routing::QueueId id;
  core::TenantId tenant_id;
  std::string name;
  std::string config_json = "{}";  // strategy, times, skills, escalation, hours, members
  core::TimestampMs created_at = 0;
};

// An agent's (or a team's) routing settings as a JSON object text; one row per user or team.
struct RoutingProfileRecord {
  core::TenantId tenant_id;
  std::int64_t owner_id = 0;  // the user id (agent profiles) or the team id (team defaults)
  std::string json = "{}";
};

// A queue's figures of one day (UTC) as the routing service last saved them, so "today" on the
// wallboard survives a restart. One row per queue: a new day overwrites the last.
struct QueueDayFiguresRecord {
  core::TenantId tenant_id;
  core::routing::QueueId queue_id;
  std::int64_t day = 0;  // days since 1970-01-01, UTC
  std::int64_t answered = 0;
  std::int64_t answered_within_threshold = 0;
  std::int64_t abandoned = 0;
  std::int64_t abandoned_after_threshold = 0;
  double answered_wait_ms = 0;  // the answered ones' waits added up (ASA = this / answered)
};

struct RoutingRule {
  std::int64_t id = 0;
  core::TenantId tenant_id;
  int position = 0;  // 0-based, the order of the list
  core::InboxId inbox_id;                   // unset: any inbox
  std::string label;                        // empty: any
  std::string language;                     // empty: any
  std::optional<core::ChannelKind> channel;  // nullopt: any
  core::routing::QueueId queue_id;
  int priority = 0;
};

}  // namespace parley::app
