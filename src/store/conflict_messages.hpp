// DESIGN: one wording per unique index of the schema, for the Conflict a store returns when a
// write would break it (the API answers it in its 409): what a caller can do about it, without
// echoing stored values back and without the database's own text. The SQLite store finds the
// entry by the table its error names, the PostgreSQL store by the constraint's name; both
// schemas have at most one unique index per table that a caller can hit.
#pragma once

#include <optional>
#include <string_view>

namespace parley::store {

struct ConflictMessage {
  std::string_view table;       // SQLite: "UNIQUE constraint failed: <table>.<column>, ..."
  std::string_view constraint;  // PostgreSQL: the constraint's name (see its migrations)
  std::string_view message;
};

inline constexpr ConflictMessage kConflictMessages[] = {
    {"users", "users_email_key", "a user with this e-mail address already exists"},
    {"contact_identities", "contact_identities_value_key", "this identity already belongs to a contact"},
    {"messages", "messages_external_id_key", "a message with this external id already exists in this inbox"},
    {"outbox", "outbox_idempotency_key_key", "an outbox item with this idempotency key already exists"},
    {"canned_responses", "canned_responses_code_key", "a canned response with this short code and language already exists"},
    {"sessions", "sessions_pkey", "a session with this token already exists"},
    {"api_tokens", "api_tokens_token_hash_key", "an API token with this hash already exists"},
    {"routing_skills", "routing_skills_name_key", "a skill with this name already exists"},
};

}  // namespace parley::store
