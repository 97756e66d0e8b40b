// DESIGN: the port every channel adapter implements for the outbound direction. encode() is
// pure and runs inside the reply's transaction (the payload is stored in the outbox with the
// message, so a crash never loses a reply); deliver() does the blocking I/O later, on the
// outbox worker, and classifies the outcome so the worker knows whether to retry.
#pragma once

#include <map>
#include <memory>
#include <string>

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

struct DeliveryResult {
  enum class Outcome { Delivered, RetryLater, Failed } outcome = Outcome::Failed;
  std::string error;               // for RetryLater and Failed: shown to the agent
  core::TimestampMs retry_after_ms = 0;  // the receiver's Retry-After, if any
  std::string provider_message_id;
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
  // True when encode() reads OutboundContext::history (costs a read of the conversation).
  virtual bool wantsHistory() const { return false; }
  virtual DeliveryResult deliver(const core::Inbox& inbox, const core::OutboxItem& item) = 0;
  // Downloads the bytes of a Pending attachment from the provider (blocking; called by the
  // media fetcher). Unavailable means "try again later"; other errors are final.
  virtual core::Result<std::string> fetchMedia(const core::Inbox& inbox, const core::Attachment& attachment,
                                               std::size_t max_bytes) {
    (void)inbox;
    (void)attachment;
    (void)max_bytes;
    return core::makeError(core::ErrorCode::Unsupported, "this channel has no media to fetch");
  }
};

using ChannelGateways = std::map<core::ChannelKind, std::shared_ptr<ChannelGateway>>;

}  // namespace parley::app
