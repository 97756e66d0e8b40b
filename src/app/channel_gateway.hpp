// DESIGN: the port every channel adapter implements for the outbound direction. encode() is
// pure and runs inside the reply's transaction (the payload is stored in the outbox with the
// message, so a crash never loses a reply); deliver() does the blocking I/O later, on the
// outbox worker, and classifies the outcome so the worker knows whether to retry.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/send_rate_limiter.hpp"
#include "core/domain.hpp"
#include "core/result.hpp"

namespace parley::app {

struct OutboundContext {
  const core::Inbox& inbox;
  const core::Conversation& conversation;
  const core::Contact& contact;
  const core::Message& message;
  const std::vector<core::ContactIdentity>& identities;
  const std::vector<core::Attachment>& attachments;
  const std::string& idempotency_key;
  const std::string& reply_to_external_id;  // the provider's id of the quoted message, if any
  // The conversation's latest messages before this one, oldest first (at most 50): threaded
  // channels (e-mail) take their subject, In-Reply-To and References from them.
  const std::vector<core::Message>* history = nullptr;
  const core::User* agent = nullptr;  // who wrote the reply (signature language, From name)
};

// A message template the agent chose (POST /api/v1/conversations/{id}/messages with "template"):
// the values for the template's parameters, in the order the template lists them.
struct TemplateReply {
  std::string name;
  std::string language;
  std::vector<std::string> header;   // a text header's parameter, a media header's link, or a location
  std::vector<std::string> body;
  std::vector<std::string> buttons;  // one per button that takes a parameter, in button order
  // Optional: the payload each QUICK_REPLY button returns when tapped, in their order ("" for none).
  std::vector<std::string> quick_replies;
};

// What the channel made of a TemplateReply: the text the timeline shows (the body with its
// parameters filled in) and the payload stored with the message, which encode() reads.
struct RenderedTemplate {
  std::string text;
  std::string payload_json;
};

class StoreTx;

// A provider's limit per recipient within one sender (Telegram: per chat): who the item goes to
// (a key unique within the inbox) and how fast messages may go to them.
struct RecipientLimit {
  std::string recipient;
  SendRate rate;
};

struct DeliveryResult {
  enum class Outcome { Delivered, RetryLater, Failed } outcome = Outcome::Failed;
  std::string error;               // for RetryLater and Failed: shown to the agent
  core::TimestampMs retry_after_ms = 0;  // the receiver's Retry-After, if any
  std::string provider_message_id;
  // Delivered to someone the send did not name by their id (a private reply to a comment on a
  // Facebook Page goes to the comment; Meta answers with the author's Messenger PSID): that id,
  // which becomes an identity of the conversation's contact, so the customer's answer there
  // joins the same contact and timeline. Empty otherwise.
  std::string recipient_id;
  // With RetryLater: the provider said "too many requests". Sender: it throttles the whole
  // inbox (its phone number, page, bot, account), which the outbox worker then pauses until
  // retry_after_ms; Recipient: only this sender/recipient pair (WhatsApp 131056), so only this
  // item waits. A throttled answer spends none of the item's attempts, within a bound.
  enum class Throttle { None, Sender, Recipient } throttle = Throttle::None;
};

// What a provider tells about a customer it knows by id (Messenger's User Profile API,
// Instagram's): the name to show in the desk.
struct CustomerProfile {
  std::string name;
};

class ChannelGateway {
 public:
  virtual ~ChannelGateway() = default;
  virtual core::Result<std::string> encode(const OutboundContext& context) const = 0;
  // Checks an inbox's channel configuration (a JSON object) when it is created or changed.
  virtual core::Status validateConfig(const std::string& config_json) const {
    (void)config_json;
    return {};
  }
  // True when encode() reads OutboundContext::history for a reply in this conversation (costs a
  // read of the conversation).
  virtual bool wantsHistory(const core::Conversation& conversation) const {
    (void)conversation;
    return false;
  }
  // How many files one message of this channel carries; 0 means no limit. A reply with more
  // files is sent as several messages (DeskService::reply): the first holds the text, the quote,
  // the buttons and the first files, each further one the next files. `files` are the reply's
  // attachments, `public_post` whether it goes out as a public post (an X mention answered in
  // public) rather than a direct message, `reply` the message as the agent composed it (its
  // text and payload_json, e.g. buttons a channel cannot send with several files).
  virtual std::size_t filesPerMessage(const core::Inbox& inbox, bool public_post,
                                      const std::vector<core::Attachment>& files, const core::Message& reply) const {
    (void)inbox;
    (void)public_post;
    (void)files;
    (void)reply;
    return 0;
  }
  virtual DeliveryResult deliver(const core::Inbox& inbox, const core::OutboxItem& item) = 0;
  // The limit per recipient that applies to this item, if the provider has one (the outbox
  // worker keeps it besides the sender's own rate, app/send_rate_limiter.hpp).
  virtual std::optional<RecipientLimit> recipientLimit(const core::Inbox& inbox, const core::OutboxItem& item) const {
    (void)inbox;
    (void)item;
    return std::nullopt;
  }
  // True when delivering the same item twice reaches the customer once: the receiver drops a
  // repeat by the item's idempotency key (the API channel's header, e-mail's Message-ID). The
  // outbox then re-sends an attempt a crash interrupted; otherwise it marks the message failed
  // for the agent to check and resend (app/outbox_worker.hpp).
  virtual bool idempotentResend() const { return false; }
  // Channels with message templates (WhatsApp): checks `reply` against the templates the channel
  // keeps for this inbox (read through tx) and renders it. InvalidInput for an unknown or not
  // approved template or parameters that do not fit; by default the channel has no templates.
  virtual core::Result<RenderedTemplate> renderTemplate(StoreTx& tx, const core::Inbox& inbox,
                                                        const TemplateReply& reply) const {
    (void)tx;
    (void)inbox;
    (void)reply;
    return core::makeError(core::ErrorCode::InvalidInput,
                           "message templates are a WhatsApp feature; this inbox's channel has none");
  }
  // True when the provider refuses free-form replies through this inbox once the 24-hour
  // customer-service window is closed (WhatsApp, and Twilio inboxes with a WhatsApp number): the
  // desk then answers 409 customer_window_closed and stores nothing.
  virtual bool freeFormNeedsCustomerWindow(const core::Inbox& inbox) const {
    (void)inbox;
    return false;
  }
  // Downloads the bytes of a Pending attachment from the provider (blocking; called by the
  // media fetcher). Unavailable means "try again later"; other errors are final.
  virtual core::Result<std::string> fetchMedia(const core::Inbox& inbox, const core::Attachment& attachment,
                                               std::size_t max_bytes) {
    (void)inbox;
    (void)attachment;
    (void)max_bytes;
    return core::makeError(core::ErrorCode::Unsupported, "this channel has no media to fetch");
  }
  // The customer's profile, by the channel's id for them (blocking; called by the profile
  // fetcher, never on a request). Unavailable means "try again later"; other errors are final;
  // Unsupported: the channel has no profiles to ask for.
  // Whether fetchProfile can answer at all: the profile fetcher skips the other channels'
  // inboxes without reading the store for each of their new conversations.
  virtual bool hasCustomerProfiles() const { return false; }
  virtual core::Result<CustomerProfile> fetchProfile(const core::Inbox& inbox, const std::string& customer_id) {
    (void)inbox;
    (void)customer_id;
    return core::makeError(core::ErrorCode::Unsupported, "this channel has no customer profiles");
  }
};

using ChannelGateways = std::map<core::ChannelKind, std::shared_ptr<ChannelGateway>>;

}  // namespace parley::app
