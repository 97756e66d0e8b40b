// How fast the outbox may send through one inbox (app/send_rate_limiter.hpp): each provider's
// documented default per sender, or the inbox's own `max_messages_per_second` (a number in its
// channel configuration, e.g. a Twilio toll-free or short code that may send faster than a long
// code, or an SMTP server's limit). Documented in docs/OUTBOX.md.
#pragma once

#include <optional>
#include <string>

#include "app/send_rate_limiter.hpp"
#include "core/domain.hpp"
#include "core/result.hpp"

namespace parley::channels {

inline constexpr double kMaxMessagesPerSecond = 10'000;

// The provider's documented rate per sender; {0, 0} (no own limit) for the API channel, e-mail
// and web chat.
app::SendRate defaultSendRate(core::ChannelKind channel);
// The configuration's `max_messages_per_second`: nullopt when it is absent or null;
// InvalidInput when it is not a number above 0 and at most kMaxMessagesPerSecond.
core::Result<std::optional<double>> configuredSendRate(const std::string& config_json);
// The rate the outbox keeps for `inbox`: its own setting, else its channel's default.
app::SendRate inboxSendRate(const core::Inbox& inbox);

}  // namespace parley::channels
