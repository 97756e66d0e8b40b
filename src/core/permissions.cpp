#include "core/permissions.hpp"

#include <algorithm>

namespace parley::core {

bool isAllowed(const Actor& actor, Resource resource, Action action) {
  if (actor.role == Role::Admin) return true;
  const bool supervisor = actor.role == Role::Supervisor;
  switch (resource) {
    case Resource::Inboxes:
    case Resource::Users:
      return action == Action::Read;
    case Resource::Teams:
    case Resource::CannedResponses:
      return action == Action::Read || supervisor;
    case Resource::Contacts:
    case Resource::Conversations:
    case Resource::ApiTokens:  // each user manages their own tokens
      return true;
  }
  return false;
}

bool seesAllInboxes(const Actor& actor) { return actor.role == Role::Admin || actor.role == Role::Supervisor; }

bool canSeeInbox(const Actor& actor, const Inbox& inbox) {
  if (inbox.tenant_id != actor.tenant_id) return false;
  if (seesAllInboxes(actor)) return true;
  return std::any_of(inbox.team_ids.begin(), inbox.team_ids.end(), [&](TeamId t) {
    return std::find(actor.team_ids.begin(), actor.team_ids.end(), t) != actor.team_ids.end();
  });
}

}  // namespace parley::core
