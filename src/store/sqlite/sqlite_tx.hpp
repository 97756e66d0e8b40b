// DESIGN: StoreTx over one SQLite connection, inside a transaction that SqliteStore opened
// (a savepoint of the writer's group transaction, or a read snapshot). This class only
// translates the port's operations into SQL; it never begins or ends transactions itself.
//
// Every write method validates what it refers to before changing anything (a referenced id
// from another tenant is NotFound), so a method that returns an error has changed nothing and
// the caller may carry on in the same transaction (e.g. Conflict on insert, then look up the
// existing row). In a read transaction (writable == false) every write method returns Internal.
#pragma once

#include <string>
#include <string_view>

#include "app/store.hpp"
#include "store/sqlite/connection.hpp"

namespace parley::store::sqlite {

struct ProfileTable;  // sqlite_tx.cpp: routing profiles of agents or teams

class SqliteTx final : public app::StoreTx {
 public:
  SqliteTx(Connection& conn, bool writable) : conn_(conn), writable_(writable) {}

  // Indexes the messages written since the last flush (see migration 3); the writer calls it
  // once per group commit, outside the jobs' savepoints, right before COMMIT.
  core::Status flushSearchIndex();

  core::Result<core::TenantId> createTenant(const core::Tenant& tenant) override;
  core::Result<core::Tenant> getTenant(core::TenantId id) override;
  core::Result<std::int64_t> countUsers() override;

  core::Result<core::UserId> createUser(const core::User& user) override;
  core::Result<core::User> getUser(core::TenantId tenant, core::UserId id) override;
  core::Result<core::User> findUserByEmail(const std::string& email) override;
  core::Result<std::vector<core::User>> listUsers(core::TenantId tenant) override;
  core::Status updateUser(const core::User& user) override;
  core::Status setUserAvailability(core::TenantId tenant, core::UserId id, core::Availability availability,
                                   core::TimestampMs at) override;
  core::Status deleteUser(core::TenantId tenant, core::UserId id) override;

  core::Result<core::TeamId> createTeam(const core::Team& team) override;
  core::Result<core::Team> getTeam(core::TenantId tenant, core::TeamId id) override;
  core::Result<std::vector<core::Team>> listTeams(core::TenantId tenant) override;
  core::Status updateTeam(const core::Team& team) override;
  core::Status deleteTeam(core::TenantId tenant, core::TeamId id) override;
  core::Status setTeamMembers(core::TenantId tenant, core::TeamId team, const std::vector<core::UserId>& users) override;
  core::Result<std::vector<core::TeamId>> teamsOfUser(core::TenantId tenant, core::UserId user) override;

  core::Result<core::InboxId> createInbox(const core::Inbox& inbox) override;
  core::Result<core::Inbox> getInbox(core::TenantId tenant, core::InboxId id) override;
  core::Result<core::Inbox> getInboxAnyTenant(core::InboxId id) override;
  core::Result<std::vector<core::Inbox>> listInboxes(core::TenantId tenant) override;
  core::Result<std::vector<core::Inbox>> listInboxesByChannel(core::ChannelKind channel) override;
  core::Status updateInbox(const core::Inbox& inbox) override;
  core::Status deleteInbox(core::TenantId tenant, core::InboxId id) override;

  core::Status createSession(const core::Session& session) override;
  core::Result<core::Session> findSession(const std::string& token_hash) override;
  core::Status deleteSession(const std::string& token_hash) override;
  core::Status deleteUserSessions(core::TenantId tenant, core::UserId user, const std::string& keep_token_hash) override;
  core::Result<core::ApiTokenId> createApiToken(const core::ApiToken& token) override;
  core::Result<core::ApiToken> findApiToken(const std::string& token_hash) override;
  core::Result<std::vector<core::ApiToken>> listApiTokens(core::TenantId tenant, core::UserId user) override;
  core::Status revokeApiToken(core::TenantId tenant, core::UserId user, core::ApiTokenId id) override;

  core::Result<core::ContactId> createContact(const core::Contact& contact) override;
  core::Result<core::Contact> getContact(core::TenantId tenant, core::ContactId id) override;
  core::Status updateContact(const core::Contact& contact) override;
  core::Result<std::vector<core::Contact>> listContacts(const app::ContactQuery& query) override;
  core::Result<core::IdentityId> addIdentity(const core::ContactIdentity& identity) override;
  core::Result<core::ContactIdentity> findIdentity(core::TenantId tenant, core::IdentityKind kind,
                                                   const std::string& scope, const std::string& value) override;
  core::Result<std::vector<core::ContactIdentity>> listIdentities(core::TenantId tenant,
                                                                  core::ContactId contact) override;
  core::Status deleteIdentity(core::TenantId tenant, core::IdentityId id) override;
  core::Status mergeContacts(core::TenantId tenant, core::ContactId target, core::ContactId source) override;
  core::Status unmergeContact(core::TenantId tenant, core::ContactId source) override;

  core::Result<core::ConversationId> createConversation(const core::Conversation& conversation) override;
  core::Result<core::Conversation> getConversation(core::TenantId tenant, core::ConversationId id) override;
  core::Status updateConversation(const core::Conversation& conversation) override;
  core::Status recordConversationActivity(const core::Conversation& conversation) override;
  core::Result<std::vector<core::Conversation>> listConversations(const app::ConversationFilter& filter) override;
  core::Result<core::Conversation> findActiveConversation(core::TenantId tenant, core::ContactId contact,
                                                          core::InboxId inbox) override;

  core::Result<core::MessageId> insertMessage(const core::Message& message) override;
  core::Result<core::Message> getMessage(core::TenantId tenant, core::MessageId id) override;
  core::Result<core::Message> findMessageByExternalId(core::InboxId inbox, const std::string& external_id) override;
  core::Result<std::vector<core::Message>> listMessages(core::TenantId tenant, core::ConversationId conversation,
                                                        core::MessageId after, int limit) override;
  core::Result<core::Message> lastIncomingMessage(core::TenantId tenant, core::ConversationId conversation) override;
  core::Status updateMessage(const core::Message& message) override;
  core::Result<std::vector<core::Message>> searchMessages(const app::MessageSearch& search) override;

  core::Result<core::AttachmentId> insertAttachment(const core::Attachment& attachment) override;
  core::Result<core::Attachment> getAttachment(core::TenantId tenant, core::AttachmentId id) override;
  core::Status updateAttachment(const core::Attachment& attachment) override;
  core::Result<std::vector<core::Attachment>> dueAttachments(core::TimestampMs now, int limit) override;
  core::Result<std::vector<std::string>> referencedBlobs(const std::vector<std::string>& sha256s) override;
  core::Result<bool> namesAnyBlob() override;

  core::Result<core::CannedResponseId> createCannedResponse(const core::CannedResponse& response) override;
  core::Result<core::CannedResponse> getCannedResponse(core::TenantId tenant, core::CannedResponseId id) override;
  core::Result<std::vector<core::CannedResponse>> listCannedResponses(core::TenantId tenant) override;
  core::Status updateCannedResponse(const core::CannedResponse& response) override;
  core::Status deleteCannedResponse(core::TenantId tenant, core::CannedResponseId id) override;

  core::Result<core::OutboxId> enqueueOutbox(const core::OutboxItem& item) override;
  core::Result<std::vector<core::OutboxItem>> dueOutbox(core::TimestampMs now, int limit, app::OutboxShard shard) override;
  core::Status updateOutbox(const core::OutboxItem& item) override;
  core::Status markOutboxSending(core::OutboxId id, core::TimestampMs expected_since, core::TimestampMs since,
                                 core::TimestampMs next_attempt_at) override;
  core::Result<std::vector<core::OutboxItem>> sendingOutbox(int limit, app::OutboxShard shard) override;
  core::Result<std::vector<core::OutboxItem>> attemptedOutbox(core::InboxId inbox, int limit) override;
  core::Result<std::vector<core::OutboxItem>> failedOutbox(core::InboxId inbox, const std::string& reason,
                                                           core::TimestampMs since, int limit) override;
  core::Result<core::OutboxItem> outboxForMessage(core::TenantId tenant, core::MessageId message) override;
  core::Result<std::int64_t> outboxDepth() override;
  core::Result<std::int64_t> countMessages() override;
  core::Result<std::string> getChannelState(core::InboxId inbox, const std::string& key) override;
  core::Status setChannelState(core::InboxId inbox, const std::string& key, const std::string& value,
                               core::TimestampMs now) override;

  core::Result<core::routing::SkillId> createSkill(const app::RoutingSkill& skill) override;
  core::Result<std::vector<app::RoutingSkill>> listSkills(core::TenantId tenant) override;
  core::Status updateSkill(const app::RoutingSkill& skill) override;
  core::Status deleteSkill(core::TenantId tenant, core::routing::SkillId id) override;
  core::Result<core::routing::QueueId> createRoutingQueue(const app::RoutingQueueRecord& queue) override;
  core::Result<app::RoutingQueueRecord> getRoutingQueue(core::TenantId tenant, core::routing::QueueId id) override;
  core::Result<std::vector<app::RoutingQueueRecord>> listRoutingQueues(core::TenantId tenant) override;
  core::Status updateRoutingQueue(const app::RoutingQueueRecord& queue) override;
  core::Status deleteRoutingQueue(core::TenantId tenant, core::routing::QueueId id) override;
  core::Result<app::RoutingProfileRecord> getAgentRouting(core::TenantId tenant, core::UserId user) override;
  core::Result<std::vector<app::RoutingProfileRecord>> listAgentRouting(core::TenantId tenant) override;
  core::Status setAgentRouting(const app::RoutingProfileRecord& profile) override;
  core::Result<app::RoutingProfileRecord> getTeamRouting(core::TenantId tenant, core::TeamId team) override;
  core::Result<std::vector<app::RoutingProfileRecord>> listTeamRouting(core::TenantId tenant) override;
  core::Status setTeamRouting(const app::RoutingProfileRecord& profile) override;
  core::Result<std::vector<app::RoutingRule>> listRoutingRules(core::TenantId tenant) override;
  core::Status replaceRoutingRules(core::TenantId tenant, const std::vector<app::RoutingRule>& rules) override;
  core::Status setConversationQueue(core::TenantId tenant, core::ConversationId id, core::routing::QueueId queue,
                                    core::TimestampMs enqueued_at) override;
  core::Status saveQueueDayFigures(const std::vector<app::QueueDayFiguresRecord>& figures) override;
  core::Result<std::vector<app::QueueDayFiguresRecord>> queueDayFigures(core::TenantId tenant, std::int64_t day) override;
  core::Result<std::vector<core::TenantId>> routingTenants() override;
  core::Result<std::vector<core::Conversation>> listRoutedConversations(core::TenantId tenant, core::ConversationId after,
                                                                        int limit) override;

 private:
  core::Status requireWritable() const;
  // NotFound unless `table` has a row with this id in this tenant. `table` is one of ours.
  core::Status requireOwned(std::string_view table, std::string_view what, core::TenantId tenant, std::int64_t id);
  core::Status requireTenant(core::TenantId tenant);
  core::Result<std::int64_t> count(const char* sql);

  core::Result<std::vector<core::UserId>> teamMembers(core::TeamId team);
  core::Result<std::vector<core::TeamId>> inboxTeams(core::InboxId inbox);
  core::Status writeInboxTeams(core::InboxId inbox, const std::vector<core::TeamId>& teams);
  core::Result<std::vector<std::string>> conversationLabels(core::ConversationId conversation);
  core::Status writeLabels(core::ConversationId conversation, const std::vector<std::string>& labels);
  core::Status checkConversationRefs(const core::Conversation& conversation);
  core::Result<std::vector<core::AttachmentId>> messageAttachments(core::MessageId message);
  core::Result<std::vector<core::Message>> messagesWithAttachments(Stmt& stmt);
  core::Result<std::vector<core::Conversation>> conversationsWithLabels(Stmt& stmt);
  core::Result<app::RoutingProfileRecord> getProfile(const ProfileTable& t, core::TenantId tenant,
                                                     std::int64_t owner);
  core::Result<std::vector<app::RoutingProfileRecord>> listProfiles(const ProfileTable& t, core::TenantId tenant);
  core::Status setProfile(const ProfileTable& t, const app::RoutingProfileRecord& profile);

  Connection& conn_;
  bool writable_;
};

}  // namespace parley::store::sqlite
