#include "core/domain.hpp"

#include <array>
#include <utility>

#include "core/result.hpp"

namespace parley::core {
namespace {

template <class E, std::size_t N>
using Names = std::array<std::pair<E, std::string_view>, N>;

constexpr Names<Role, 3> kRoles{{{Role::Admin, "admin"}, {Role::Supervisor, "supervisor"}, {Role::Agent, "agent"}}};
constexpr Names<Availability, 3> kAvailabilities{
    {{Availability::Available, "available"}, {Availability::Away, "away"}, {Availability::Offline, "offline"}}};
constexpr Names<Language, 2> kLanguages{{{Language::De, "de"}, {Language::En, "en"}}};
constexpr Names<ChannelKind, 10> kChannels{{{ChannelKind::Api, "api"},
                                            {ChannelKind::WebChat, "webchat"},
                                            {ChannelKind::WhatsApp, "whatsapp"},
                                            {ChannelKind::Messenger, "messenger"},
                                            {ChannelKind::Instagram, "instagram"},
                                            {ChannelKind::Telegram, "telegram"},
                                            {ChannelKind::Twilio, "twilio"},
                                            {ChannelKind::X, "x"},
                                            {ChannelKind::Email, "email"},
                                            {ChannelKind::Voice, "voice"}}};
constexpr Names<IdentityKind, 3> kIdentityKinds{
    {{IdentityKind::Phone, "phone"}, {IdentityKind::Email, "email"}, {IdentityKind::External, "external"}}};
constexpr Names<ConversationStatus, 4> kStatuses{{{ConversationStatus::Open, "open"},
                                                  {ConversationStatus::Pending, "pending"},
                                                  {ConversationStatus::Snoozed, "snoozed"},
                                                  {ConversationStatus::Resolved, "resolved"}}};
constexpr Names<Priority, 5> kPriorities{{{Priority::None, "none"},
                                          {Priority::Low, "low"},
                                          {Priority::Medium, "medium"},
                                          {Priority::High, "high"},
                                          {Priority::Urgent, "urgent"}}};
constexpr Names<MessageDirection, 4> kDirections{{{MessageDirection::Incoming, "incoming"},
                                                  {MessageDirection::Outgoing, "outgoing"},
                                                  {MessageDirection::Note, "note"},
                                                  {MessageDirection::Activity, "activity"}}};
constexpr Names<DeliveryStatus, 6> kDelivery{{{DeliveryStatus::None, "none"},
                                              {DeliveryStatus::Pending, "pending"},
                                              {DeliveryStatus::Sent, "sent"},
                                              {DeliveryStatus::Delivered, "delivered"},
                                              {DeliveryStatus::Read, "read"},
                                              {DeliveryStatus::Failed, "failed"}}};
constexpr Names<OutboxState, 3> kOutboxStates{
    {{OutboxState::Pending, "pending"}, {OutboxState::Done, "done"}, {OutboxState::Failed, "failed"}}};

constexpr Names<MessageKind, 12> kMessageKinds{{{MessageKind::Text, "text"},
                                                {MessageKind::Image, "image"},
                                                {MessageKind::Audio, "audio"},
                                                {MessageKind::Video, "video"},
                                                {MessageKind::Document, "document"},
                                                {MessageKind::Sticker, "sticker"},
                                                {MessageKind::Location, "location"},
                                                {MessageKind::Contacts, "contacts"},
                                                {MessageKind::Interactive, "interactive"},
                                                {MessageKind::Reaction, "reaction"},
                                                {MessageKind::Template, "template"},
                                                {MessageKind::Unsupported, "unsupported"}}};
constexpr Names<AttachmentState, 3> kAttachmentStates{
    {{AttachmentState::Stored, "stored"}, {AttachmentState::Pending, "pending"}, {AttachmentState::Failed, "failed"}}};

template <class E, std::size_t N>
std::string_view nameOf(const Names<E, N>& names, E value) {
  for (const auto& [v, s] : names) {
    if (v == value) return s;
  }
  return "unknown";
}

template <class E, std::size_t N>
std::optional<E> parse(const Names<E, N>& names, std::string_view text) {
  for (const auto& [v, s] : names) {
    if (s == text) return v;
  }
  return std::nullopt;
}

}  // namespace

const char* errorCodeName(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::InvalidInput: return "invalid_input";
    case ErrorCode::Unauthorized: return "unauthorized";
    case ErrorCode::Forbidden: return "forbidden";
    case ErrorCode::NotFound: return "not_found";
    case ErrorCode::Conflict: return "conflict";
    case ErrorCode::TooLarge: return "too_large";
    case ErrorCode::Unsupported: return "unsupported_media_type";
    case ErrorCode::RateLimited: return "rate_limited";
    case ErrorCode::Unavailable: return "unavailable";
    case ErrorCode::Internal: return "internal";
  }
  return "internal";
}

std::string_view toString(Role v) { return nameOf(kRoles, v); }
std::string_view toString(Availability v) { return nameOf(kAvailabilities, v); }
std::string_view toString(Language v) { return nameOf(kLanguages, v); }
std::string_view toString(ChannelKind v) { return nameOf(kChannels, v); }
std::string_view toString(IdentityKind v) { return nameOf(kIdentityKinds, v); }
std::string_view toString(ConversationStatus v) { return nameOf(kStatuses, v); }
std::string_view toString(Priority v) { return nameOf(kPriorities, v); }
std::string_view toString(MessageDirection v) { return nameOf(kDirections, v); }
std::string_view toString(DeliveryStatus v) { return nameOf(kDelivery, v); }
std::string_view toString(OutboxState v) { return nameOf(kOutboxStates, v); }
std::string_view toString(MessageKind v) { return nameOf(kMessageKinds, v); }
std::string_view toString(AttachmentState v) { return nameOf(kAttachmentStates, v); }

std::optional<Role> parseRole(std::string_view s) { return parse(kRoles, s); }
std::optional<Availability> parseAvailability(std::string_view s) { return parse(kAvailabilities, s); }
std::optional<Language> parseLanguage(std::string_view s) { return parse(kLanguages, s); }
std::optional<ChannelKind> parseChannelKind(std::string_view s) { return parse(kChannels, s); }
std::optional<IdentityKind> parseIdentityKind(std::string_view s) { return parse(kIdentityKinds, s); }
std::optional<ConversationStatus> parseConversationStatus(std::string_view s) { return parse(kStatuses, s); }
std::optional<Priority> parsePriority(std::string_view s) { return parse(kPriorities, s); }
std::optional<MessageDirection> parseMessageDirection(std::string_view s) { return parse(kDirections, s); }
std::optional<DeliveryStatus> parseDeliveryStatus(std::string_view s) { return parse(kDelivery, s); }
std::optional<OutboxState> parseOutboxState(std::string_view s) { return parse(kOutboxStates, s); }
std::optional<MessageKind> parseMessageKind(std::string_view s) { return parse(kMessageKinds, s); }
std::optional<AttachmentState> parseAttachmentState(std::string_view s) { return parse(kAttachmentStates, s); }

}  // namespace parley::core
