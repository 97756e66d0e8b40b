// libFuzzer target: the WhatsApp Cloud API codec on arbitrary bytes. parseWebhook() (and
// parseWebhookBatch(), with the customers' number changes) must never crash, hang or recurse on
// nesting, and what it accepts must respect the normalised types'
// promises (checked below: a violation traps, so it shows up as a crash). The same bytes also
// go through the signature check, the send-answer parsers and, as message text, encodeSend().
// Seeds: the documented payloads in tests/channels/whatsapp/fixtures/*.json.
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "channels/whatsapp/whatsapp_codec.hpp"
#include "channels/whatsapp/whatsapp_templates.hpp"

#include "fuzz_checks.hpp"

using namespace parley::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace wa = parley::channels::whatsapp;
  namespace core = parley::core;
  const std::string_view body = textOf(data, size);

  auto parsed = wa::parseWebhook(body);
  if (parsed) {
    for (const auto& m : parsed->messages) {
      require(!m.external_id.empty() && m.external_id.size() <= wa::kMaxIdLength);
      require(!m.account_id.empty() && m.account_id.size() <= wa::kMaxIdLength);
      require(!m.contact.external_id.empty());
      require(m.contact.verified);
      require(m.contact.phone.empty() || m.contact.phone == "+" + m.contact.external_id);
      require(m.sent_at >= 0);
      require(isJsonObject(m.payload_json));
      require(!m.inbox_id.valid() && m.attachment_ids.empty());
      for (const auto& media : m.media) require(!media.provider_ref.empty());
      requireKindMatchesContent(m);
      if (m.kind == core::MessageKind::Reaction) require(!m.reply_to_external_id.empty());
    }
    for (const auto& s : parsed->statuses) {
      require(!s.provider_message_id.empty() && !s.account_id.empty());
      require(s.status == core::DeliveryStatus::Sent || s.status == core::DeliveryStatus::Delivered ||
              s.status == core::DeliveryStatus::Read || s.status == core::DeliveryStatus::Failed);
      require((s.status == core::DeliveryStatus::Failed) == !s.error.empty());
    }
    require(parsed->ignored >= 0);
    for (const auto& e : parsed->edits) require(!e.provider_message_id.empty() && !e.account_id.empty() && e.at >= 0);
  } else {
    requireRefusal(parsed.error());
  }

  // A new number or security code (a "system" message): the ids the desk needs are there.
  if (auto full = wa::parseWebhookBatch(body)) {
    for (const auto& system : full->system_changes) {
      const auto& c = system.change;
      require(!system.account_id.empty() && !c.message_id.empty() && !c.external_id.empty());
      require(c.old_phone.empty() || c.old_phone == "+" + c.external_id);
      require((c.kind == parley::app::CustomerAccountChange::Kind::NumberChanged) == !c.new_external_id.empty());
      require(c.new_phone.empty() || c.new_phone == "+" + c.new_external_id);
    }
  }

  // Authenticity: a header made from the input never verifies by accident, the right one does.
  const std::string secret = "fuzz-app-secret";
  const std::string_view header = firstLine(body);
  (void)wa::verifySignature(secret, body, header);
  require(wa::verifySignature(secret, body, wa::signatureHeader(secret, body)));
  require(!wa::verifySignature("", body, wa::signatureHeader("", body)));
  require(!wa::verifyHandshake("subscribe", "", header));

  // The provider's answers, whatever they contain.
  auto id = wa::parseSendResponse(body);
  if (id) require(!id->empty());
  const auto outcome = wa::classifySendError(400, body, 7);
  require(!outcome.error.empty() && outcome.error.size() <= 1000);
  require(outcome.outcome != parley::app::DeliveryResult::Outcome::Delivered);
  (void)wa::parseMediaInfo(body);

  // The template listing (and what Parley keeps of it): every template it yields can be
  // rendered or refused, never crash, and a rendered one encodes to a JSON object.
  if (auto page = wa::parseTemplatePage(body)) {
    require(page->after.size() <= 2048);
    wa::StoredTemplates stored;
    stored.templates = page->templates;
    auto back = wa::parseStoredTemplates(wa::serializeStoredTemplates(stored));
    require(back.ok() && back->templates.size() == page->templates.size());
    for (const auto& t : page->templates) {
      require(!t.name.empty() && !t.language.empty());
      parley::app::TemplateReply reply{t.name, t.language, {}, {}, {}};
      if (t.header) reply.header.assign(t.header->parameters.size(), "https://example.com/x");
      reply.body.assign(t.body.parameters.size(), "x");
      for (const auto& b : t.buttons) reply.buttons.insert(reply.buttons.end(), b.parameters.size(), "x");
      if (auto built = wa::buildTemplate(t, reply)) {
        auto send = wa::encodeSend({"16505551234", "", built->content});
        if (send) require(isJsonObject(*send));
      }
    }
  }
  (void)wa::templateContentFromPayload(body);

  // The bytes as an agent's text: either refused or encoded as a valid JSON object.
  wa::SendRequest request{"16505551234", std::string(header), wa::TextContent{std::string(body)}};
  auto encoded = wa::encodeSend(request);
  if (encoded) require(isJsonObject(*encoded));
  return 0;
}
