// DESIGN: who may do what, decided in one place. The HTTP layer builds an Actor from the
// session or token and asks these functions; it never compares roles itself.
//  - admin: everything in its tenant.
//  - supervisor: every inbox and conversation of its tenant; teams and canned responses; reads users.
//  - agent: only the inboxes linked to one of its teams, and their conversations and messages;
//    reads teams, users and canned responses; manages contacts (shared across the tenant).
// Another tenant's objects are always "not found", never "forbidden", so ids do not leak.
#pragma once

#include <vector>

#include "core/domain.hpp"

namespace parley::core {

struct Actor {
  UserId user_id;
  TenantId tenant_id;
  Role role = Role::Agent;
  std::vector<TeamId> team_ids;
};

enum class Resource { Inboxes, Teams, Users, CannedResponses, Contacts, Conversations, ApiTokens };
enum class Action { Read, Write };

// May the actor perform `action` on resources of this kind at all (ignoring inbox scoping)?
bool isAllowed(const Actor& actor, Resource resource, Action action);

// May the actor see this inbox and its conversations? Assumes the same tenant.
bool canSeeInbox(const Actor& actor, const Inbox& inbox);

// True when the actor sees all inboxes of its tenant (no filtering needed).
bool seesAllInboxes(const Actor& actor);

}  // namespace parley::core
