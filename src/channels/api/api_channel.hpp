// DESIGN: the API channel, the generic bridge for any system. Inbound: the integrator POSTs
// signed JSON to /webhooks/api/{inbox_id} (X-Parley-Signature: sha256=<hex HMAC-SHA256 of the
// raw body with the inbox secret>), verified in constant time before the body is parsed.
// Outbound: agent replies are POSTed to the inbox's callback_url, signed the same way, with an
// idempotency key in the payload and a header so a receiver can drop a repeat.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/channel_gateway.hpp"
#include "core/inbound.hpp"
#include "core/result.hpp"

namespace parley::channels::api {

struct ApiAttachment {
  std::string filename;
  std::string content_type;  // as declared; the stored type is sniffed
  std::string url;           // either url ...
  std::string data;          // ... or the decoded bytes of data_base64
};

struct ApiInbound {
  core::InboundMessage message;  // inbox_id is filled by the caller
  std::vector<ApiAttachment> attachments;
};

constexpr std::size_t kMaxInboundAttachments = 10;

// The codec: documented payload -> normalised message. InvalidInput names the bad field.
core::Result<ApiInbound> parseInbound(std::string_view body);

// "sha256=<hex>" over the raw body with the inbox secret, compared in constant time.
bool verifySignature(std::string_view secret, std::string_view raw_body, std::string_view header);
std::string signatureHeader(std::string_view secret, std::string_view raw_body);

class ApiChannelGateway final : public app::ChannelGateway {
 public:
  explicit ApiChannelGateway(long timeout_ms = 10'000) : timeout_ms_(timeout_ms) {}
  core::Result<std::string> encode(const app::OutboundContext& context) const override;
  app::DeliveryResult deliver(const core::Inbox& inbox, const core::OutboxItem& item) override;
  // The receiver drops a repeat by X-Parley-Idempotency-Key.
  bool idempotentResend() const override { return true; }
  // An API inbox's config has only max_messages_per_second (callback_url and secret are fields of
  // the inbox): any other key is a mistake to point out, not to store.
  core::Status validateConfig(const std::string& config_json) const override;

 private:
  long timeout_ms_;
};

}  // namespace parley::channels::api
