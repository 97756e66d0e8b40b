// DESIGN: the storage port. Use cases run their reads and writes inside one transaction
// through StoreTx; business logic is written once against StoreTx, and each backend (SQLite,
// PostgreSQL) only translates these operations into its SQL. Rules for every implementation,
// checked by the contract suite in tests/store/store_contract.hpp:
//  - write(fn) runs fn in a transaction and returns only after it is durably committed, or
//    rolled back when fn returns an error (then nothing of fn is stored). Implementations may
//    group several callers' transactions into one commit (group commit), but each caller's fn
//    is atomic on its own: one caller's error never undoes another's work.
//  - read(fn) sees a consistent snapshot; write operations inside read() fail with Internal.
//  - Unique violations become ErrorCode::Conflict; a missing row NotFound; a lost database
//    connection Unavailable. Nothing throws across this interface.
//  - Every query is scoped by tenant where the signature takes one; ids from another tenant
//    are NotFound.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "app/routing_records.hpp"
#include "core/domain.hpp"
#include "core/result.hpp"

namespace parley::app {

using core::Result;
using core::Status;

struct ConversationFilter {
  core::TenantId tenant_id;
  std::optional<std::vector<core::InboxId>> inbox_ids;  // restrict to these (agent visibility)
  std::optional<core::InboxId> inbox_id;
  std::optional<core::ConversationStatus> status;
  std::optional<core::UserId> assignee_id;  // 0 id means "unassigned"
  std::optional<core::TeamId> team_id;
  std::optional<core::ContactId> contact_id;
  std::optional<std::string> label;
  // Keyset cursor: results strictly after (last_activity_at, id) in the order
  // last_activity_at DESC, id DESC.
  std::optional<std::pair<core::TimestampMs, core::ConversationId>> after;
  int limit = 25;
};

struct MessageSearch {
  core::TenantId tenant_id;
  std::string query;                                    // words; all must match (prefix match allowed)
  std::optional<std::vector<core::InboxId>> inbox_ids;  // restrict to these
  std::optional<core::MessageId> before;                // cursor: ids strictly below, newest first
  int limit = 25;
};

struct ContactQuery {
  core::TenantId tenant_id;
  std::string query;  // substring of name, or any identity value; empty lists all
  std::optional<core::ContactId> after;  // cursor: ids strictly above, ascending
  int limit = 25;
  bool include_merged = false;
};

// The outbox items one worker delivers: those of the inboxes with inbox_id % count == index. Each
// inbox belongs to exactly one worker, so its replies go out in order and its rate limit is kept
// in one place, while a slow receiver (a CRM answering in 10 s) holds up only its own shard.
struct OutboxShard {
  int index = 0;
  int count = 1;
};
inline core::Status checkShard(OutboxShard shard) {
  if (shard.count < 1 || shard.index < 0 || shard.index >= shard.count) {
    return core::makeError(core::ErrorCode::InvalidInput, "an outbox shard is an index from 0 below a count of at least 1");
  }
  return {};
}

class StoreTx {
 public:
  virtual ~StoreTx() = default;

  // Tenants
  virtual Result<core::TenantId> createTenant(const core::Tenant& tenant) = 0;
  virtual Result<core::Tenant> getTenant(core::TenantId id) = 0;
  virtual Result<std::int64_t> countUsers() = 0;  // all tenants; 0 means a fresh database

  // Users (e-mail unique across tenants)
  virtual Result<core::UserId> createUser(const core::User& user) = 0;
  virtual Result<core::User> getUser(core::TenantId tenant, core::UserId id) = 0;
  virtual Result<core::User> findUserByEmail(const std::string& email) = 0;
  virtual Result<std::vector<core::User>> listUsers(core::TenantId tenant) = 0;
  virtual Status updateUser(const core::User& user) = 0;  // all fields but id/tenant/created_at/availability
  virtual Status setUserAvailability(core::TenantId tenant, core::UserId id, core::Availability availability,
                                     core::TimestampMs at) = 0;
  virtual Status deleteUser(core::TenantId tenant, core::UserId id) = 0;

  // Teams (member_ids written only through setTeamMembers)
  virtual Result<core::TeamId> createTeam(const core::Team& team) = 0;
  virtual Result<core::Team> getTeam(core::TenantId tenant, core::TeamId id) = 0;
  virtual Result<std::vector<core::Team>> listTeams(core::TenantId tenant) = 0;
  virtual Status updateTeam(const core::Team& team) = 0;  // name, description
  virtual Status deleteTeam(core::TenantId tenant, core::TeamId id) = 0;
  virtual Status setTeamMembers(core::TenantId tenant, core::TeamId team, const std::vector<core::UserId>& users) = 0;
  virtual Result<std::vector<core::TeamId>> teamsOfUser(core::TenantId tenant, core::UserId user) = 0;

  // Inboxes (team_ids written with the inbox on create and update)
  virtual Result<core::InboxId> createInbox(const core::Inbox& inbox) = 0;
  virtual Result<core::Inbox> getInbox(core::TenantId tenant, core::InboxId id) = 0;
  // Without tenant: for webhooks, where the URL names the inbox.
  virtual Result<core::Inbox> getInboxAnyTenant(core::InboxId id) = 0;
  virtual Result<std::vector<core::Inbox>> listInboxes(core::TenantId tenant) = 0;
  // Every inbox of this channel in every tenant, by id: for provider webhooks that name their
  // account only inside the signed payload (one URL per provider).
  virtual Result<std::vector<core::Inbox>> listInboxesByChannel(core::ChannelKind channel) = 0;
  virtual Status updateInbox(const core::Inbox& inbox) = 0;  // name, config, secret, callback, team_ids
  virtual Status deleteInbox(core::TenantId tenant, core::InboxId id) = 0;

  // Sessions and API tokens (looked up by the SHA-256 of the secret)
  virtual Status createSession(const core::Session& session) = 0;
  virtual Result<core::Session> findSession(const std::string& token_hash) = 0;
  virtual Status deleteSession(const std::string& token_hash) = 0;
  // Every session of the user but `keep_token_hash` (empty: all): after their password changed.
  virtual Status deleteUserSessions(core::TenantId tenant, core::UserId user, const std::string& keep_token_hash) = 0;
  virtual Result<core::ApiTokenId> createApiToken(const core::ApiToken& token) = 0;
  virtual Result<core::ApiToken> findApiToken(const std::string& token_hash) = 0;
  virtual Result<std::vector<core::ApiToken>> listApiTokens(core::TenantId tenant, core::UserId user) = 0;
  virtual Status revokeApiToken(core::TenantId tenant, core::UserId user, core::ApiTokenId id) = 0;

  // Contacts and identities. (kind, scope, value) is unique per tenant.
  virtual Result<core::ContactId> createContact(const core::Contact& contact) = 0;
  virtual Result<core::Contact> getContact(core::TenantId tenant, core::ContactId id) = 0;
  virtual Status updateContact(const core::Contact& contact) = 0;  // name, attributes, merged_into, updated_at
  virtual Result<std::vector<core::Contact>> listContacts(const ContactQuery& query) = 0;
  virtual Result<core::IdentityId> addIdentity(const core::ContactIdentity& identity) = 0;
  virtual Result<core::ContactIdentity> findIdentity(core::TenantId tenant, core::IdentityKind kind,
                                                     const std::string& scope, const std::string& value) = 0;
  virtual Result<std::vector<core::ContactIdentity>> listIdentities(core::TenantId tenant, core::ContactId contact) = 0;
  virtual Status deleteIdentity(core::TenantId tenant, core::IdentityId id) = 0;
  // Moves every identity and conversation of `source` to `target`, remembering where each came
  // from (original_contact_id, only if not already set), and sets source.merged_into = target.
  virtual Status mergeContacts(core::TenantId tenant, core::ContactId target, core::ContactId source) = 0;
  // Undoes mergeContacts for `source`: moves back what came from it and clears merged_into.
  virtual Status unmergeContact(core::TenantId tenant, core::ContactId source) = 0;

  // Conversations (labels written with the conversation)
  virtual Result<core::ConversationId> createConversation(const core::Conversation& conversation) = 0;
  virtual Result<core::Conversation> getConversation(core::TenantId tenant, core::ConversationId id) = 0;
  virtual Status updateConversation(const core::Conversation& conversation) = 0;
  // Writes only what a new message changes: status, snoozed_until, last_activity_at and
  // last_incoming_at (one statement; the ingest path calls it for every inbound message).
  virtual Status recordConversationActivity(const core::Conversation& conversation) = 0;
  virtual Result<std::vector<core::Conversation>> listConversations(const ConversationFilter& filter) = 0;
  // The newest conversation of this contact in this inbox that is not resolved.
  virtual Result<core::Conversation> findActiveConversation(core::TenantId tenant, core::ContactId contact,
                                                            core::InboxId inbox) = 0;

  // Messages (attachment_ids written with the message; external_id unique per inbox when non-empty)
  virtual Result<core::MessageId> insertMessage(const core::Message& message) = 0;
  virtual Result<core::Message> getMessage(core::TenantId tenant, core::MessageId id) = 0;
  virtual Result<core::Message> findMessageByExternalId(core::InboxId inbox, const std::string& external_id) = 0;
  // Ascending by id, strictly after `after` (0 = from the start).
  virtual Result<std::vector<core::Message>> listMessages(core::TenantId tenant, core::ConversationId conversation,
                                                          core::MessageId after, int limit) = 0;
  // The customer's newest message in the conversation (routing's offer preview); NotFound if none.
  virtual Result<core::Message> lastIncomingMessage(core::TenantId tenant, core::ConversationId conversation) = 0;
  // text, kind, payload_json, external_id, delivery_status, delivery_error, updated_at
  virtual Status updateMessage(const core::Message& message) = 0;
  virtual Result<std::vector<core::Message>> searchMessages(const MessageSearch& search) = 0;

  // Attachments (blob bytes live on disk; the store keeps the metadata)
  virtual Result<core::AttachmentId> insertAttachment(const core::Attachment& attachment) = 0;
  virtual Result<core::Attachment> getAttachment(core::TenantId tenant, core::AttachmentId id) = 0;
  // sha256, size, content_type, filename, state, provider_ref, error, fetch_attempts, next_fetch_at
  virtual Status updateAttachment(const core::Attachment& attachment) = 0;
  // Pending attachments with next_fetch_at <= now, oldest first, all tenants (the media fetcher).
  virtual Result<std::vector<core::Attachment>> dueAttachments(core::TimestampMs now, int limit) = 0;
  // Which of these content hashes an attachment row of any tenant still names, in no particular
  // order (the blob sweeper removes the files of the others); at most 1000 hashes per call.
  virtual Result<std::vector<std::string>> referencedBlobs(const std::vector<std::string>& sha256s) = 0;
  // Whether any attachment row of any tenant names a blob (a sweep on an empty or wrong
  // database would otherwise remove every file).
  virtual Result<bool> namesAnyBlob() = 0;

  // Canned responses ((short_code, language) unique per tenant)
  virtual Result<core::CannedResponseId> createCannedResponse(const core::CannedResponse& response) = 0;
  virtual Result<core::CannedResponse> getCannedResponse(core::TenantId tenant, core::CannedResponseId id) = 0;
  virtual Result<std::vector<core::CannedResponse>> listCannedResponses(core::TenantId tenant) = 0;
  virtual Status updateCannedResponse(const core::CannedResponse& response) = 0;
  virtual Status deleteCannedResponse(core::TenantId tenant, core::CannedResponseId id) = 0;

  // Outbox (idempotency_key unique)
  virtual Result<core::OutboxId> enqueueOutbox(const core::OutboxItem& item) = 0;
  // Pending items with next_attempt_at <= now, oldest first, of the inboxes of `shard`.
  virtual Result<std::vector<core::OutboxItem>> dueOutbox(core::TimestampMs now, int limit, OutboxShard shard) = 0;
  // state, attempts, next_attempt_at, last_error, updated_at, sending_since, throttled
  virtual Status updateOutbox(const core::OutboxItem& item) = 0;
  virtual Result<std::int64_t> outboxDepth() = 0;                // pending items, all tenants
  // Marks a pending item's attempt as started (sending_since = since, next_attempt_at = the
  // lease's end) only if it is still pending with sending_since == expected_since: Conflict
  // when another worker took it first, NotFound when there is no such item.
  virtual Status markOutboxSending(core::OutboxId id, core::TimestampMs expected_since, core::TimestampMs since,
                                   core::TimestampMs next_attempt_at) = 0;
  // Pending items marked as sending (an attempt that never recorded its outcome), oldest first,
  // of the inboxes of `shard`.
  virtual Result<std::vector<core::OutboxItem>> sendingOutbox(int limit, OutboxShard shard) = 0;
  // Pending items of `inbox` that are in their send call (marked sending) or wait for a retry
  // after an attempt (attempts > 0): those whose provider may have the message already
  // (app/echo_claim.hpp). Most recently touched first (updated_at: the mark, or the attempt's
  // outcome).
  virtual Result<std::vector<core::OutboxItem>> attemptedOutbox(core::InboxId inbox, int limit) = 0;
  // The inbox's failed items with exactly this last_error, updated at or after `since`, most
  // recently updated first (the echo of a send a crash interrupted: app/echo_claim.hpp).
  virtual Result<std::vector<core::OutboxItem>> failedOutbox(core::InboxId inbox, const std::string& reason,
                                                             core::TimestampMs since, int limit) = 0;
  // The newest outbox item of a message; NotFound when it has none.
  virtual Result<core::OutboxItem> outboxForMessage(core::TenantId tenant, core::MessageId message) = 0;
  virtual Result<std::int64_t> countMessages() = 0;              // all tenants (benchmarks, metrics)

  // Channel state per inbox, as small text values under a key: what a channel adapter must
  // remember across restarts (e-mail: the IMAP UIDVALIDITY and last fetched UID, the poller's
  // last error). Written by adapters, never by the API; deleted with the inbox.
  virtual Result<std::string> getChannelState(core::InboxId inbox, const std::string& key) = 0;  // NotFound when unset
  virtual Status setChannelState(core::InboxId inbox, const std::string& key, const std::string& value,
                                 core::TimestampMs now) = 0;

  // Routing configuration (app/routing_records.hpp). Skill names are unique per tenant
  // (Conflict). Deleting a queue clears it from conversations (queue_id unset) and removes the
  // rules that name it; deleting a user or team removes its profile.
  virtual Result<core::routing::SkillId> createSkill(const RoutingSkill& skill) = 0;
  virtual Result<std::vector<RoutingSkill>> listSkills(core::TenantId tenant) = 0;
  virtual Status updateSkill(const RoutingSkill& skill) = 0;  // name
  virtual Status deleteSkill(core::TenantId tenant, core::routing::SkillId id) = 0;
  virtual Result<core::routing::QueueId> createRoutingQueue(const RoutingQueueRecord& queue) = 0;
  virtual Result<RoutingQueueRecord> getRoutingQueue(core::TenantId tenant, core::routing::QueueId id) = 0;
  virtual Result<std::vector<RoutingQueueRecord>> listRoutingQueues(core::TenantId tenant) = 0;
  virtual Status updateRoutingQueue(const RoutingQueueRecord& queue) = 0;  // name, config_json
  virtual Status deleteRoutingQueue(core::TenantId tenant, core::routing::QueueId id) = 0;
  // Agents' profiles (owner = user) and teams' defaults (owner = team); NotFound when unset.
  virtual Result<RoutingProfileRecord> getAgentRouting(core::TenantId tenant, core::UserId user) = 0;
  virtual Result<std::vector<RoutingProfileRecord>> listAgentRouting(core::TenantId tenant) = 0;
  virtual Status setAgentRouting(const RoutingProfileRecord& profile) = 0;
  virtual Result<RoutingProfileRecord> getTeamRouting(core::TenantId tenant, core::TeamId team) = 0;
  virtual Result<std::vector<RoutingProfileRecord>> listTeamRouting(core::TenantId tenant) = 0;
  virtual Status setTeamRouting(const RoutingProfileRecord& profile) = 0;
  // The ordered rules, by position; replace writes the whole list (positions 0..n-1).
  virtual Result<std::vector<RoutingRule>> listRoutingRules(core::TenantId tenant) = 0;
  virtual Status replaceRoutingRules(core::TenantId tenant, const std::vector<RoutingRule>& rules) = 0;
  // A conversation's queue (unset: not routed) and original enqueue time; updateConversation
  // leaves both alone, so the desk and the router never overwrite each other's fields.
  virtual Status setConversationQueue(core::TenantId tenant, core::ConversationId id, core::routing::QueueId queue,
                                      core::TimestampMs enqueued_at) = 0;
  // The day's queue figures: saved as a whole per queue (a queue deleted meanwhile is skipped),
  // read back for one day (queues with figures of another day are left out).
  virtual Status saveQueueDayFigures(const std::vector<QueueDayFiguresRecord>& figures) = 0;
  virtual Result<std::vector<QueueDayFiguresRecord>> queueDayFigures(core::TenantId tenant, std::int64_t day) = 0;
  // Tenants with at least one queue (the routing service rebuilds their engines on start).
  virtual Result<std::vector<core::TenantId>> routingTenants() = 0;
  // Not resolved conversations with a queue, ascending by id, strictly after `after`.
  virtual Result<std::vector<core::Conversation>> listRoutedConversations(core::TenantId tenant,
                                                                          core::ConversationId after, int limit) = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  virtual Status write(const std::function<Status(StoreTx&)>& fn) = 0;
  // write() without waiting, for callers that must not block (the I/O thread): fn runs like a
  // write() fn, and done(status) is called once fn's transaction is committed (or has failed),
  // on the store's own thread, or on the calling thread before writeAsync returns when the
  // write is refused at once (overload, shutdown). done must be quick and must not call the
  // store: it hands the status on. A store that cannot write without a waiting thread returns
  // false and does nothing; the caller then uses write() on a thread that may block.
  virtual bool writeAsync(std::function<Status(StoreTx&)> fn, std::function<void(Status)> done) {
    (void)fn;
    (void)done;
    return false;
  }
  // Whether writeAsync is available (known before doing any work for it).
  virtual bool writesAsync() const { return false; }
  virtual Status read(const std::function<Status(StoreTx&)>& fn) = 0;
  virtual bool healthy() = 0;  // a trivial query succeeds
  virtual std::string backendName() const = 0;  // "sqlite" or "postgresql"
};

// Runs one StoreTx call in its own read (or write) transaction and returns its result:
//   auto users = readOne(store, [&](StoreTx& tx) { return tx.listUsers(tenant); });
template <class F>
auto readOne(Store& store, F&& call) -> std::invoke_result_t<F&, StoreTx&> {
  using R = std::invoke_result_t<F&, StoreTx&>;
  std::optional<R> out;
  auto status = store.read([&](StoreTx& tx) -> Status {
    out.emplace(call(tx));
    if (!*out) return out->error();
    return {};
  });
  if (!status) return std::move(status).error();
  return std::move(*out);
}

template <class F>
auto writeOne(Store& store, F&& call) -> std::invoke_result_t<F&, StoreTx&> {
  using R = std::invoke_result_t<F&, StoreTx&>;
  std::optional<R> out;
  auto status = store.write([&](StoreTx& tx) -> Status {
    out.emplace(call(tx));
    if (!*out) return out->error();
    return {};
  });
  if (!status) return std::move(status).error();
  return std::move(*out);
}

}  // namespace parley::app
