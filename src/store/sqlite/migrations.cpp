#include "store/sqlite/migrations.hpp"

#include <array>

namespace parley::store::sqlite {
namespace {

// Version 1: the whole schema.
//  - Timestamps are INTEGER milliseconds since the epoch (UTC); enums are their canonical
//    lower-case names (core::toString), guarded by CHECK constraints.
//  - An unset id is NULL, never 0, so foreign keys hold.
//  - Delete behaviour (see also sqlite_tx.cpp): deleting a user unassigns its conversations,
//    clears it as the sender of its messages and removes its memberships, sessions and tokens;
//    deleting a team removes its memberships and inbox links and unassigns its conversations;
//    deleting an inbox is refused while conversations or messages refer to it (RESTRICT) and
//    removes its team links and its outbox items otherwise. Tenants, contacts, conversations and
//    messages are never deleted through the Store.
//  - messages_fts is an external-content FTS5 index over messages.text, kept in sync by
//    triggers; rowid = messages.id, so "newest first" is "rowid descending" inside the index.
static const char* const kV1 = R"sql(
CREATE TABLE tenants (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  name        TEXT    NOT NULL,
  created_at  INTEGER NOT NULL
);

CREATE TABLE users (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id      INTEGER NOT NULL REFERENCES tenants(id),
  email          TEXT    NOT NULL,
  name           TEXT    NOT NULL,
  role           TEXT    NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent')),
  language       TEXT    NOT NULL CHECK (language IN ('de', 'en')),
  password_hash  TEXT    NOT NULL,
  active         INTEGER NOT NULL CHECK (active IN (0, 1)),
  created_at     INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_email ON users(email);
CREATE INDEX users_tenant ON users(tenant_id, id);

CREATE TABLE teams (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id    INTEGER NOT NULL REFERENCES tenants(id),
  name         TEXT    NOT NULL,
  description  TEXT    NOT NULL,
  created_at   INTEGER NOT NULL
);
CREATE INDEX teams_tenant ON teams(tenant_id, id);

CREATE TABLE team_members (
  team_id  INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
  user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (team_id, user_id)
) WITHOUT ROWID;
CREATE INDEX team_members_user ON team_members(user_id, team_id);

CREATE TABLE inboxes (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id     INTEGER NOT NULL REFERENCES tenants(id),
  name          TEXT    NOT NULL,
  channel       TEXT    NOT NULL CHECK (channel IN ('api', 'webchat', 'whatsapp', 'messenger', 'instagram',
                                                    'telegram', 'twilio', 'x', 'email', 'voice')),
  config_json   TEXT    NOT NULL,
  secret        TEXT    NOT NULL,
  callback_url  TEXT    NOT NULL,
  created_at    INTEGER NOT NULL
);
CREATE INDEX inboxes_tenant ON inboxes(tenant_id, id);

CREATE TABLE inbox_teams (
  inbox_id  INTEGER NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
  team_id   INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
  PRIMARY KEY (inbox_id, team_id)
) WITHOUT ROWID;
CREATE INDEX inbox_teams_team ON inbox_teams(team_id, inbox_id);

CREATE TABLE sessions (
  token_hash  TEXT    NOT NULL PRIMARY KEY,
  tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
  user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token  TEXT    NOT NULL,
  expires_at  INTEGER NOT NULL,
  created_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id     INTEGER NOT NULL REFERENCES tenants(id),
  user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name          TEXT    NOT NULL,
  token_hash    TEXT    NOT NULL,
  revoked       INTEGER NOT NULL CHECK (revoked IN (0, 1)),
  last_used_at  INTEGER NOT NULL,
  created_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens(token_hash);
CREATE INDEX api_tokens_user ON api_tokens(user_id, id);

CREATE TABLE contacts (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id        INTEGER NOT NULL REFERENCES tenants(id),
  name             TEXT    NOT NULL,
  attributes_json  TEXT    NOT NULL,
  merged_into      INTEGER REFERENCES contacts(id),
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
CREATE INDEX contacts_tenant ON contacts(tenant_id, id);

CREATE TABLE contact_identities (
  id                   INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id            INTEGER NOT NULL REFERENCES tenants(id),
  contact_id           INTEGER NOT NULL REFERENCES contacts(id),
  kind                 TEXT    NOT NULL CHECK (kind IN ('phone', 'email', 'external')),
  scope                TEXT    NOT NULL,
  value                TEXT    NOT NULL,
  verified             INTEGER NOT NULL CHECK (verified IN (0, 1)),
  original_contact_id  INTEGER REFERENCES contacts(id),
  created_at           INTEGER NOT NULL
);
CREATE UNIQUE INDEX identities_key ON contact_identities(tenant_id, kind, scope, value);
CREATE INDEX identities_contact ON contact_identities(contact_id, id);
CREATE INDEX identities_original ON contact_identities(original_contact_id);

CREATE TABLE conversations (
  id                   INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id            INTEGER NOT NULL REFERENCES tenants(id),
  inbox_id             INTEGER NOT NULL REFERENCES inboxes(id),
  contact_id           INTEGER NOT NULL REFERENCES contacts(id),
  original_contact_id  INTEGER REFERENCES contacts(id),
  status               TEXT    NOT NULL CHECK (status IN ('open', 'pending', 'snoozed', 'resolved')),
  priority             TEXT    NOT NULL CHECK (priority IN ('none', 'low', 'medium', 'high', 'urgent')),
  assignee_id          INTEGER REFERENCES users(id) ON DELETE SET NULL,
  team_id              INTEGER REFERENCES teams(id) ON DELETE SET NULL,
  snoozed_until        INTEGER NOT NULL,
  created_at           INTEGER NOT NULL,
  last_activity_at     INTEGER NOT NULL,
  first_response_at    INTEGER NOT NULL,
  resolved_at          INTEGER NOT NULL
);
-- The conversation list: keyset pagination in (last_activity_at DESC, id DESC) order.
CREATE INDEX conversations_tenant_activity ON conversations(tenant_id, last_activity_at DESC, id DESC);
CREATE INDEX conversations_inbox_activity ON conversations(inbox_id, last_activity_at DESC, id DESC);
CREATE INDEX conversations_assignee_activity ON conversations(assignee_id, last_activity_at DESC, id DESC);
CREATE INDEX conversations_contact ON conversations(contact_id, inbox_id, id);
CREATE INDEX conversations_original_contact ON conversations(original_contact_id);
CREATE INDEX conversations_team ON conversations(team_id);

CREATE TABLE conversation_labels (
  conversation_id  INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  label            TEXT    NOT NULL,
  PRIMARY KEY (conversation_id, label)
) WITHOUT ROWID;
CREATE INDEX conversation_labels_label ON conversation_labels(label, conversation_id);

CREATE TABLE messages (
  id                 INTEGER PRIMARY KEY,
  tenant_id          INTEGER NOT NULL REFERENCES tenants(id),
  conversation_id    INTEGER NOT NULL REFERENCES conversations(id),
  inbox_id           INTEGER NOT NULL REFERENCES inboxes(id),
  direction          TEXT    NOT NULL CHECK (direction IN ('incoming', 'outgoing', 'note', 'activity')),
  text               TEXT    NOT NULL,
  sender_user_id     INTEGER REFERENCES users(id) ON DELETE SET NULL,
  sender_contact_id  INTEGER REFERENCES contacts(id),
  external_id        TEXT    NOT NULL,
  reply_to_id        INTEGER REFERENCES messages(id),
  latitude           REAL,
  longitude          REAL,
  location_name      TEXT    NOT NULL,
  delivery_status    TEXT    NOT NULL CHECK (delivery_status IN ('none', 'pending', 'sent', 'delivered', 'read',
                                                                 'failed')),
  delivery_error     TEXT    NOT NULL,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
);
CREATE UNIQUE INDEX messages_external ON messages(inbox_id, external_id) WHERE external_id <> '';
CREATE INDEX messages_conversation ON messages(conversation_id, id);

CREATE VIRTUAL TABLE messages_fts USING fts5(
  text, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;

CREATE TABLE attachments (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id     INTEGER NOT NULL REFERENCES tenants(id),
  message_id    INTEGER REFERENCES messages(id),
  sha256        TEXT    NOT NULL,
  size          INTEGER NOT NULL,
  content_type  TEXT    NOT NULL,
  filename      TEXT    NOT NULL,
  created_at    INTEGER NOT NULL
);
CREATE INDEX attachments_message ON attachments(message_id, id);

CREATE TABLE canned_responses (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
  short_code  TEXT    NOT NULL,
  language    TEXT    NOT NULL CHECK (language IN ('de', 'en')),
  content     TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX canned_responses_key ON canned_responses(tenant_id, short_code, language);

CREATE TABLE outbox (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id        INTEGER NOT NULL REFERENCES tenants(id),
  inbox_id         INTEGER NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
  message_id       INTEGER REFERENCES messages(id),
  idempotency_key  TEXT    NOT NULL,
  payload          BLOB    NOT NULL,
  state            TEXT    NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
  attempts         INTEGER NOT NULL,
  next_attempt_at  INTEGER NOT NULL,
  last_error       TEXT    NOT NULL,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
CREATE UNIQUE INDEX outbox_idempotency ON outbox(idempotency_key);
-- The delivery worker's poll, and outboxDepth(): only pending rows are in this index.
CREATE INDEX outbox_due ON outbox(next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX outbox_inbox ON outbox(inbox_id);
)sql";

// Version 2: groundwork for the messaging channels (WhatsApp, Telegram ...).
//  - conversations: the customer's last message (the 24-hour customer-service window) and
//    whether the thread is public (an X mention, a page comment).
//  - messages: what kind of message it is and its structured extras (a JSON object text).
//  - attachments: media still at the provider are 'pending' (with the provider's reference)
//    until the media fetcher stores them or gives up ('failed', with the reason); pending rows
//    may have an empty sha256 and size 0. The fetcher polls through attachments_due.
// Every new column has a default, so rows written by version 1 stay valid as they are: a text
// message without extras, a stored attachment, a private conversation.
static const char* const kV2 = R"sql(
ALTER TABLE conversations ADD COLUMN last_incoming_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN is_public INTEGER NOT NULL DEFAULT 0 CHECK (is_public IN (0, 1));

ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'text'
  CHECK (kind IN ('text', 'image', 'audio', 'video', 'document', 'sticker', 'location', 'contacts', 'interactive',
                  'reaction', 'template', 'unsupported'));
ALTER TABLE messages ADD COLUMN payload_json TEXT NOT NULL DEFAULT '{}';

ALTER TABLE attachments ADD COLUMN state TEXT NOT NULL DEFAULT 'stored'
  CHECK (state IN ('stored', 'pending', 'failed'));
ALTER TABLE attachments ADD COLUMN provider_ref TEXT NOT NULL DEFAULT '';
ALTER TABLE attachments ADD COLUMN error TEXT NOT NULL DEFAULT '';
ALTER TABLE attachments ADD COLUMN fetch_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE attachments ADD COLUMN next_fetch_at INTEGER NOT NULL DEFAULT 0;
-- dueAttachments(): state = 'pending' AND next_fetch_at <= ?, ordered by (next_fetch_at, id).
CREATE INDEX attachments_due ON attachments(state, next_fetch_at, id);
)sql";

// Version 3: the full-text index is brought up to date once per group commit instead of once
// per message. A new message's id goes to messages_fts_pending (a plain table, so a job's
// savepoint rollback undoes it like any row); the writer indexes the pending rows right before
// COMMIT (SqliteTx::flushSearchIndex). FTS5 flushes its in-memory terms at every savepoint it
// takes part in, so indexing inside each job's savepoint made every message its own index
// segment. Edits and deletes of messages still pending are not sent to the index (it never saw
// them; the flush reads the current text).
static const char* const kV3 = R"sql(
CREATE TABLE messages_fts_pending (id INTEGER PRIMARY KEY);
DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_update;
DROP TRIGGER messages_fts_delete;
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT OR IGNORE INTO messages_fts_pending(id) VALUES (new.id);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages
  WHEN NOT EXISTS (SELECT 1 FROM messages_fts_pending WHERE id = old.id) BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, text)
    SELECT 'delete', old.id, old.text WHERE NOT EXISTS (SELECT 1 FROM messages_fts_pending WHERE id = old.id);
  DELETE FROM messages_fts_pending WHERE id = old.id;
END;
)sql";

// Version 4: what channel adapters remember per inbox across restarts (e-mail: the IMAP
// UIDVALIDITY and the last fetched UID, the poller's last error), as text under a key; and who
// uploaded an attachment (only they may use it until it is sent). No foreign key: deleting a
// user keeps the files they sent.
static const char* const kV4 = R"sql(
ALTER TABLE attachments ADD COLUMN uploaded_by INTEGER;
CREATE TABLE channel_state (
  inbox_id   INTEGER NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
  key        TEXT    NOT NULL,
  value      TEXT    NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (inbox_id, key)
) WITHOUT ROWID;
)sql";

// Version 5: an agent's availability (available / away / offline) and when it last changed.
static const char* const kV5 = R"sql(
ALTER TABLE users ADD COLUMN availability TEXT NOT NULL DEFAULT 'offline'
  CHECK (availability IN ('available', 'away', 'offline'));
ALTER TABLE users ADD COLUMN availability_changed_at INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 6: routing (app/routing_service.hpp). Skills, queues (their settings and members as
// a JSON object validated by the routing service), agents' and teams' routing profiles (JSON),
// the ordered routing rules, and on each conversation its queue and the customer's original
// enqueue time. Deleting a queue unsets it on conversations and drops the rules naming it.
static const char* const kV6 = R"sql(
CREATE TABLE routing_skills (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id  INTEGER NOT NULL REFERENCES tenants(id),
  name       TEXT    NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX routing_skills_name ON routing_skills(tenant_id, name);
CREATE TABLE routing_queues (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
  name        TEXT    NOT NULL,
  config_json TEXT    NOT NULL DEFAULT '{}',
  created_at  INTEGER NOT NULL
);
CREATE INDEX routing_queues_tenant ON routing_queues(tenant_id, id);
CREATE TABLE routing_agent_profiles (
  user_id   INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  json      TEXT    NOT NULL
);
CREATE TABLE routing_team_profiles (
  team_id   INTEGER PRIMARY KEY REFERENCES teams(id) ON DELETE CASCADE,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  json      TEXT    NOT NULL
);
CREATE TABLE routing_rules (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  position  INTEGER NOT NULL,
  inbox_id  INTEGER REFERENCES inboxes(id) ON DELETE CASCADE,
  label     TEXT    NOT NULL DEFAULT '',
  language  TEXT    NOT NULL DEFAULT '',
  channel   TEXT,
  queue_id  INTEGER NOT NULL REFERENCES routing_queues(id) ON DELETE CASCADE,
  priority  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX routing_rules_tenant ON routing_rules(tenant_id, position);
ALTER TABLE conversations ADD COLUMN queue_id INTEGER REFERENCES routing_queues(id) ON DELETE SET NULL;
ALTER TABLE conversations ADD COLUMN enqueued_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX conversations_routed ON conversations(tenant_id, queue_id, id) WHERE queue_id IS NOT NULL;
)sql";

// Version 8: the outbox marks the attempt in hand before it calls a provider (sending_since,
// cleared with the outcome: app/outbox_worker.hpp) and counts the provider's "too many
// requests" answers apart from the attempts (throttled); a message's items are found by
// message (the desk's Resend).
static const char* const kV8 = R"sql(
ALTER TABLE outbox ADD COLUMN sending_since INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN throttled INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_message ON outbox(message_id);
CREATE INDEX outbox_sending ON outbox(sending_since, id) WHERE state = 'pending' AND sending_since > 0;
)sql";

// Version 9: the CHECK constraints that list more than two values become chains of
// equalities. SQLite 3.40 evaluates `x IN ('a', 'b', 'c')` by building a temporary b-tree of
// the list on every INSERT and on every UPDATE of x; the ingest of one message built four
// (message direction, delivery status and kind; conversation status): ~9 % of the server's
// instructions under the ingest benchmark (callgrind), on the serial writer thread. `x = 'a'
// OR x = 'b' ...` accepts and rejects exactly the same values. See CheckRewrite.
static const char* const kRoles[] = {"admin", "supervisor", "agent"};
static const char* const kAvailabilities[] = {"available", "away", "offline"};
static const char* const kChannels[] = {"api",      "webchat", "whatsapp", "messenger", "instagram",
                                        "telegram", "twilio",  "x",        "email",     "voice"};
static const char* const kIdentityKinds[] = {"phone", "email", "external"};
static const char* const kConversationStatuses[] = {"open", "pending", "snoozed", "resolved"};
static const char* const kPriorities[] = {"none", "low", "medium", "high", "urgent"};
static const char* const kDirections[] = {"incoming", "outgoing", "note", "activity"};
static const char* const kDeliveryStatuses[] = {"none", "pending", "sent", "delivered", "read", "failed"};
static const char* const kMessageKinds[] = {"text",     "image",       "audio",    "video",    "document",
                                            "sticker",  "location",    "contacts", "interactive",
                                            "reaction", "template",    "unsupported"};
static const char* const kOutboxStates[] = {"pending", "done", "failed"};
static const char* const kAttachmentStates[] = {"stored", "pending", "failed"};
static const CheckRewrite kV9Checks[] = {
    {"users", "role", kRoles},
    {"users", "availability", kAvailabilities},
    {"inboxes", "channel", kChannels},
    {"contact_identities", "kind", kIdentityKinds},
    {"conversations", "status", kConversationStatuses},
    {"conversations", "priority", kPriorities},
    {"messages", "direction", kDirections},
    {"messages", "delivery_status", kDeliveryStatuses},
    {"messages", "kind", kMessageKinds},
    {"outbox", "state", kOutboxStates},
    {"attachments", "state", kAttachmentStates},
};

// Version 10: the provider's echo of a reply looks for the inbox's items whose provider may
// have the message already: in their send call, or waiting for a retry after an attempt
// (StoreTx::attemptedOutbox, app/echo_claim.hpp). Only such pending items are in the index,
// newest activity last; the query repeats its WHERE terms as written here.
static const char* const kV10 = R"sql(
CREATE INDEX outbox_attempted ON outbox(inbox_id, updated_at, id) WHERE state = 'pending' AND (attempts > 0 OR sending_since > 0);
)sql";

// Version 11: the blob sweeper asks which content hashes attachment rows still name
// (StoreTx::referencedBlobs); pending rows have none yet. Files the customer unsent before
// this version kept their hash: they give it up now, so their bytes are swept too.
static const char* const kV11 = R"sql(
CREATE INDEX attachments_sha256 ON attachments(sha256) WHERE sha256 <> '';
UPDATE attachments SET sha256 = '' WHERE state = 'failed' AND error = 'unsent by the customer';
)sql";

// Version 12: a queue's figures of the day, saved by the routing service so "today" survives a
// restart (StoreTx::saveQueueDayFigures); they go with their queue.
static const char* const kV12 = R"sql(
CREATE TABLE routing_queue_days (
  queue_id                   INTEGER PRIMARY KEY REFERENCES routing_queues(id) ON DELETE CASCADE,
  tenant_id                  INTEGER NOT NULL REFERENCES tenants(id),
  day                        INTEGER NOT NULL,
  answered                   INTEGER NOT NULL,
  answered_within_threshold  INTEGER NOT NULL,
  abandoned                  INTEGER NOT NULL,
  abandoned_after_threshold  INTEGER NOT NULL,
  answered_wait_ms           REAL    NOT NULL
);
)sql";

// Version 13: the echo of a reply whose send a crash interrupted looks for the inbox's failed
// items of the last days (StoreTx::failedOutbox, app/echo_claim.hpp).
static const char* const kV13 = R"sql(
CREATE INDEX outbox_failed ON outbox(inbox_id, updated_at, id) WHERE state = 'failed';
)sql";

static const Migration kMigrations[] = {
    {1, kV1},
    {2, kV2},
    {3, kV3},
    {4, kV4},
    {5, kV5},
    {6, kV6},
    {8, kV8},
    {9, "", kV9Checks},
    {10, kV10},
    {11, kV11},
    {12, kV12},
    {13, kV13},
};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

}  // namespace parley::store::sqlite
