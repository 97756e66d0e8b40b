// StoreTx over one libpq connection: one transaction of PgStore::write (BEGIN, read committed)
// or PgStore::read (BEGIN READ ONLY ISOLATION LEVEL REPEATABLE READ), ended by commit() or
// rollback().
//
// Round trips are what a transaction costs on PostgreSQL, so BEGIN is not sent on its own: it
// travels in one pipeline with the first statement (a fn that touches nothing costs nothing).
//
// Every write method is atomic on its own, so a method that fails (e.g. Conflict on a unique
// key) has changed nothing and leaves the transaction usable: the caller may carry on, as with
// SQLite, where a failed statement does not abort the transaction. A write method that is the
// first thing in its transaction is undone by ROLLBACK (and BEGIN is sent again later); any
// later one runs inside SAVEPOINT parley_op, sent in the same pipeline as its first statement,
// and is undone by ROLLBACK TO SAVEPOINT. (Savepoints are not released: COMMIT ends them all.)
// If a statement fails outside a write method (a read), PostgreSQL has aborted the whole
// transaction; the transaction is then marked failed, every later call returns that first error,
// and PgStore rolls back instead of committing, whatever fn returns. In a read transaction every
// write method returns Internal.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/store.hpp"
#include "store/postgres/pg_query.hpp"

namespace parley::store::postgres {

class PgTx final : public app::StoreTx {
 public:
  PgTx(PGconn* conn, bool writable) : conn_(conn), writable_(writable) {}

  // Set once a statement failed outside a write method: the transaction can only be rolled back.
  const std::optional<core::Error>& failure() const { return failure_; }
  // COMMIT (nothing to do if no statement was sent). Fails if the server had aborted it.
  core::Status commit();
  // ROLLBACK, best effort (a broken connection is the pool's to reset).
  void rollback();

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
  // One statement. Outside a savepoint a server-side failure marks the transaction failed.
  core::Result<PgResultPtr> query(const char* sql, const Params& params, OnForeignKey fk = OnForeignKey::NotFound);
  // A write operation: checks writability, then runs `body` inside SAVEPOINT ... RELEASE, or
  // rolls back to the savepoint when `body` returns an error.
  template <class F>
  auto writeOp(F&& body) -> decltype(body());

  core::Result<std::int64_t> insertReturningId(const char* sql, const Params& params);
  // UPDATE/DELETE that must touch exactly one row, else NotFound(`what`).
  core::Status changeOne(const char* sql, const Params& params, const char* what,
                         OnForeignKey fk = OnForeignKey::NotFound);
  core::Result<std::int64_t> scalar(const char* sql, const Params& params);
  core::Status requireRow(const char* sql, const Params& params, const char* what);
  // NotFound unless `table` (one of ours) has this id in this tenant.
  core::Status requireOwned(const char* table, const char* what, core::TenantId tenant, std::int64_t id);
  // The contact's merged_into (unset if not merged), locking its row; NotFound if absent.
  core::Result<core::ContactId> mergedInto(core::TenantId tenant, core::ContactId id);

  core::Status fillTeamMembers(std::vector<core::Team>& teams);
  core::Status fillInboxTeams(std::vector<core::Inbox>& inboxes);
  core::Status fillLabels(std::vector<core::Conversation>& conversations);
  core::Status fillAttachments(std::vector<core::Message>& messages);
  core::Status writeInboxTeams(const core::Inbox& inbox, bool replace);
  core::Status writeLabels(const core::Conversation& conversation, bool replace);

  PGconn* conn_;
  bool writable_;
  bool begun_ = false;              // BEGIN reached the server
  bool in_op_ = false;              // inside writeOp: a failed statement is undone there
  bool savepoint_wanted_ = false;   // send SAVEPOINT before the op's first statement
  bool savepoint_set_ = false;      // the op's savepoint exists on the server
  std::optional<core::Error> failure_;
};

}  // namespace parley::store::postgres
