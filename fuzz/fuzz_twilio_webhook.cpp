// libFuzzer target: the Twilio codec on arbitrary bytes. parseForm() must never crash or grow
// without bound; what it accepts goes through the signature check, parseIncomingMessage() and
// parseStatusCallback(), whose results must respect the normalised types' promises (a violation
// traps). The same bytes go through the Messages API answer parser, the media-token reader and,
// as message text, encodeSend(), and through the Content API listing parser (WhatsApp templates).
// Seeds: tests/channels/twilio/fixtures/*.txt (fuzz/corpus/).
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "channels/common/file_link.hpp"
#include "channels/twilio/twilio_codec.hpp"
#include "channels/twilio/twilio_content.hpp"
#include "core/text.hpp"

#include "fuzz_checks.hpp"

using namespace parley::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace tw = parley::channels::twilio;
  namespace core = parley::core;
  const std::string_view bytes = textOf(data, size);

  auto params = tw::parseForm(bytes);
  if (!params) {
    require(params.error().code == core::ErrorCode::InvalidInput || params.error().code == core::ErrorCode::TooLarge);
  } else {
    require(params->size() <= tw::kMaxParams);
    for (const auto& [name, value] : *params) require(!name.empty() && name.size() + value.size() <= size);
    // Signing is deterministic and order-independent; a wrong header never verifies.
    const std::string sig = tw::computeSignature("token", "https://parley.example.com/webhooks/twilio/sms", *params);
    require(tw::verifySignature("token", "https://parley.example.com/webhooks/twilio/sms", *params, sig));
    require(!tw::verifySignature("token", "https://parley.example.com/webhooks/twilio/sms", *params, sig + "x"));
    // A round trip through formEncode keeps every parameter.
    auto again = tw::parseForm(tw::formEncode(*params));
    require(again.ok() && *again == *params);

    if (auto m = tw::parseIncomingMessage(*params)) {
      require(!m->external_id.empty() && m->external_id.size() <= tw::kMaxSidLength);
      require(!m->account_id.empty() && core::isValidUtf8(m->account_id));
      require(!m->contact.external_id.empty() && m->contact.verified);
      require(m->contact.external_id.rfind("whatsapp:", 0) != 0);
      require(core::isValidUtf8(m->text) && core::isValidUtf8(m->contact.name) && core::isValidUtf8(m->location_name));
      require(isJsonObject(m->payload_json));
      require(m->media.size() <= tw::kMaxMedia);
      for (const auto& media : m->media) {
        require(media.provider_ref.rfind("https://", 0) == 0 || media.provider_ref.rfind("http://", 0) == 0);
      }
      require(m->latitude.has_value() == m->longitude.has_value());
      if (m->latitude) require(*m->latitude >= -90 && *m->latitude <= 90 && *m->longitude >= -180 && *m->longitude <= 180);
      if (m->kind == core::MessageKind::Text) require(!m->text.empty());
    } else {
      require(m.error().code == core::ErrorCode::InvalidInput && !m.error().message.empty());
    }
    if (auto s = tw::parseStatusCallback(*params)) {
      if (*s) {
        require(!(*s)->provider_message_id.empty());
        require(((*s)->status == core::DeliveryStatus::Failed) == !(*s)->error.empty());
      }
    } else {
      require(s.error().code == core::ErrorCode::InvalidInput);
    }
  }

  auto answer = tw::interpretSendAnswer(size % 2 ? 201 : 400 + static_cast<long>(size % 200), bytes);
  require(answer.outcome != parley::app::DeliveryResult::Outcome::Delivered || !answer.provider_message_id.empty());
  // The Content API listing (WhatsApp templates): every template it yields has a sid, a name
  // and a language, and its parameters are the distinct ones of its texts.
  if (auto page = tw::parseContentPage(bytes)) {
    for (const auto& t : page->templates) {
      require(!t.id.empty() && t.id.size() <= 64 && !t.name.empty() && !t.language.empty() && !t.status.empty());
      for (std::size_t i = 0; i < t.body.parameters.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) require(t.body.parameters[i] != t.body.parameters[j]);
      }
    }
  } else {
    require(page.error().code == core::ErrorCode::InvalidInput);
  }
  (void)parley::channels::readFileLinkToken(bytes);
  require(!parley::channels::verifyFileLinkToken("key", bytes, 0));  // nobody forges the MAC

  tw::SendRequest send{"+14155550100", "+15017122661", std::string(bytes), {}, ""};
  if (auto body = tw::encodeSend(send)) {
    auto back = tw::parseForm(*body);
    require(back.ok() && *tw::param(*back, "Body") == bytes);
  }
  return 0;
}
