#include "core/permissions.hpp"

#include <gtest/gtest.h>

using namespace parley::core;

namespace {
Actor actor(Role role, std::vector<TeamId> teams = {}) { return Actor{UserId{1}, TenantId{1}, role, std::move(teams)}; }
Inbox inbox(TenantId tenant, std::vector<TeamId> teams) {
  Inbox i;
  i.id = InboxId{7};
  i.tenant_id = tenant;
  i.team_ids = std::move(teams);
  return i;
}
}  // namespace

TEST(Permissions, AgentSeesOnlyInboxesOfItsTeams) {
  EXPECT_TRUE(canSeeInbox(actor(Role::Agent, {TeamId{2}}), inbox(TenantId{1}, {TeamId{2}, TeamId{3}})));
  EXPECT_FALSE(canSeeInbox(actor(Role::Agent, {TeamId{4}}), inbox(TenantId{1}, {TeamId{2}})));
  EXPECT_FALSE(canSeeInbox(actor(Role::Agent), inbox(TenantId{1}, {})));
}

TEST(Permissions, SupervisorAndAdminSeeEveryInboxOfTheirTenantOnly) {
  EXPECT_TRUE(canSeeInbox(actor(Role::Supervisor), inbox(TenantId{1}, {})));
  EXPECT_TRUE(canSeeInbox(actor(Role::Admin), inbox(TenantId{1}, {})));
  EXPECT_FALSE(canSeeInbox(actor(Role::Admin), inbox(TenantId{2}, {})));
}

TEST(Permissions, OnlyAdminsManageInboxesAndUsers) {
  for (Resource r : {Resource::Inboxes, Resource::Users}) {
    EXPECT_TRUE(isAllowed(actor(Role::Admin), r, Action::Write));
    EXPECT_FALSE(isAllowed(actor(Role::Supervisor), r, Action::Write));
    EXPECT_FALSE(isAllowed(actor(Role::Agent), r, Action::Write));
    EXPECT_TRUE(isAllowed(actor(Role::Agent), r, Action::Read));
  }
}

TEST(Permissions, SupervisorsManageTeamsAndCannedResponsesAgentsDoNot) {
  for (Resource r : {Resource::Teams, Resource::CannedResponses}) {
    EXPECT_TRUE(isAllowed(actor(Role::Supervisor), r, Action::Write));
    EXPECT_FALSE(isAllowed(actor(Role::Agent), r, Action::Write));
    EXPECT_TRUE(isAllowed(actor(Role::Agent), r, Action::Read));
  }
}
