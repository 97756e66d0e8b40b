// Strong id types: a ConversationId cannot be passed where a ContactId is meant.
#pragma once

#include <cstdint>
#include <functional>

namespace parley::core {

template <class Tag>
struct Id {
  std::int64_t value = 0;
  constexpr Id() = default;
  constexpr explicit Id(std::int64_t v) : value(v) {}
  constexpr bool valid() const { return value > 0; }
  friend constexpr bool operator==(Id, Id) = default;
  friend constexpr auto operator<=>(Id, Id) = default;
};

using TenantId = Id<struct TenantTag>;
using UserId = Id<struct UserTag>;
using TeamId = Id<struct TeamTag>;
using InboxId = Id<struct InboxTag>;
using ContactId = Id<struct ContactTag>;
using IdentityId = Id<struct IdentityTag>;
using ConversationId = Id<struct ConversationTag>;
using MessageId = Id<struct MessageTag>;
using AttachmentId = Id<struct AttachmentTag>;
using CannedResponseId = Id<struct CannedResponseTag>;
using ApiTokenId = Id<struct ApiTokenTag>;
using OutboxId = Id<struct OutboxTag>;

// Milliseconds since the Unix epoch, UTC. The core never reads a clock: callers pass time in.
using TimestampMs = std::int64_t;

}  // namespace parley::core

template <class Tag>
struct std::hash<parley::core::Id<Tag>> {
  std::size_t operator()(parley::core::Id<Tag> id) const noexcept { return std::hash<std::int64_t>{}(id.value); }
};
