// DESIGN: the 24-hour customer-service window of Meta's messaging products. WhatsApp (the Cloud
// API, and WhatsApp numbers through Twilio), Messenger and Instagram let a business answer
// freely only within 24 hours of the customer's last message; after that WhatsApp takes only
// approved message templates (error 131047 "re-engagement message") and Messenger/Instagram
// only tagged messages (HUMAN_AGENT). The window is a pure function of the inbox's channel and
// the conversation's last_incoming_at: nothing about it is stored.
#pragma once

#include <optional>

#include "core/domain.hpp"

namespace parley::core {

constexpr TimestampMs kCustomerWindowMs = 24LL * 3600 * 1000;

// True for whatsapp, messenger and instagram inboxes, and for twilio inboxes whose number is a
// WhatsApp sender (config "phone_number": "whatsapp:+..."); false for every other channel.
bool hasCustomerWindow(const Inbox& inbox);

// last_incoming_at + 24 h; nullopt when the channel has no such window or the customer never
// wrote (then a windowed channel counts as closed).
std::optional<TimestampMs> customerWindowExpiresAt(const Inbox& inbox, TimestampMs last_incoming_at);

// Whether a free-form reply is still allowed at `now` (always true without a window).
bool customerWindowOpen(const Inbox& inbox, TimestampMs last_incoming_at, TimestampMs now);

// Providers retry an undelivered webhook for a long time (Meta up to 7 days), so a message may
// arrive hours after the customer wrote it, while the provider counts its window from when it
// was written. The conversation's new last_incoming_at for a customer message the provider
// timestamps `sent_at` (0: none) that arrives at `received_at`, the last one being `previous`:
// the provider's time when it lies within the 7 days before its arrival (a later time is the
// clocks disagreeing: the arrival counts; an older one is no real delivery — a replayed example —
// and counts as the arrival too), never earlier than `previous`.
constexpr TimestampMs kLateDeliveryMs = 7LL * 24 * 3600 * 1000;
TimestampMs customerWroteAt(TimestampMs previous, TimestampMs sent_at, TimestampMs received_at);

}  // namespace parley::core
