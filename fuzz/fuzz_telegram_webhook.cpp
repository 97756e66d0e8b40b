// libFuzzer target: the Telegram Bot API codec on arbitrary bytes. parseUpdate() must never
// crash, hang or recurse on nesting, and what it accepts must respect the normalised types'
// promises (checked below: a violation traps, so it shows up as a crash). The same bytes also
// go through the secret-token check, the Bot API answer parsers, the inline-keyboard reader,
// the file URL builder and, as message text, encodeSendMessage().
// Seeds: fuzz/corpus/fuzz_telegram_webhook/ (the documented updates of
// tests/channels/telegram/fixtures/ and a few answers of the Bot API).
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "channels/telegram/telegram_codec.hpp"

#include "fuzz_checks.hpp"

using namespace parley::fuzz;

namespace {

bool isInteger(std::string_view s) {
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  if (s.empty() || s.size() > 20) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace tg = parley::channels::telegram;
  namespace core = parley::core;
  using Outcome = parley::app::DeliveryResult::Outcome;
  const std::string_view body = textOf(data, size);

  auto parsed = tg::parseUpdate(body);
  if (parsed) {
    const auto& batch = parsed->batch;
    // One webhook, one update: exactly one message, one edit, or one ignored thing.
    require(batch.messages.size() + batch.edits.size() + static_cast<std::size_t>(batch.ignored) == 1);
    require(batch.statuses.empty());
    require(isInteger(parsed->update_id));
    for (const auto& m : batch.messages) {
      require(!m.external_id.empty() && m.account_id.empty() && !m.inbox_id.valid());
      require(isInteger(m.contact.external_id) && !m.contact.name.empty());
      require(m.contact.phone.empty() || (m.contact.phone[0] == '+' && isInteger(m.contact.phone.substr(1))));
      require(m.contact.email.empty());
      require(m.sent_at >= 0);
      require(isJsonObject(m.payload_json));
      require(m.attachment_ids.empty() && m.saved_files.empty() && !m.echo);
      for (const auto& media : m.media) require(!media.provider_ref.empty() && media.provider_ref.size() <= tg::kMaxIdLength);
      requireKindMatchesContent(m);
      if (m.kind == core::MessageKind::Interactive) {
        require(!parsed->callback_query_id.empty() && m.external_id == "callback:" + parsed->callback_query_id);
      } else {
        // Message ids are chat-scoped, and the chat is the contact.
        auto ids = tg::splitMessageId(m.external_id);
        require(ids.has_value() && ids->first == m.contact.external_id);
      }
      if (m.kind == core::MessageKind::Reaction) {
        require(!m.reply_to_external_id.empty() && m.external_id.rfind(m.reply_to_external_id + ":reaction:", 0) == 0);
      }
      if (!m.reply_to_external_id.empty()) require(tg::splitMessageId(m.reply_to_external_id).has_value());
    }
    for (const auto& e : batch.edits) require(tg::splitMessageId(e.provider_message_id).has_value() && e.at >= 0);
    if (!parsed->callback_query_id.empty()) require(batch.messages.size() == 1);
  } else {
    requireRefusal(parsed.error());
  }

  // Authenticity: a header made from the input matches only itself; no token matches nothing.
  const std::string secret = "fuzz_Secret-token";
  const std::string_view header = firstLine(body);
  require(tg::verifySecretToken(secret, header) == (header == secret));
  require(!tg::verifySecretToken("", header));
  if (!header.empty()) require(tg::verifySecretToken(header, header));

  // The Bot API's answers, whatever they contain.
  const auto error = tg::classifySendError(400, body, 7);
  require(error.outcome != Outcome::Delivered && !error.error.empty() && error.error.size() <= 600);
  const auto answer = tg::interpretSendAnswer(200, body);
  if (answer.outcome == Outcome::Delivered) require(tg::splitMessageId(answer.provider_message_id).has_value());
  (void)tg::parseApiError(body);
  if (auto file = tg::parseGetFile(body)) {
    require(!file->file_path.empty() && file->file_size >= 0);
    if (auto url = tg::fileUrl("https://api.telegram.org", "123:abc", file->file_path)) {
      require(url->rfind("https://api.telegram.org/file/bot123:abc/", 0) == 0);
      require(url->find("/../") == std::string::npos && url->find("?") == std::string::npos);
    }
  }
  if (auto url = tg::fileUrl("https://api.telegram.org", "123:abc", header)) {
    require(url->find("/../") == std::string::npos && url->find('#') == std::string::npos && url->find(' ') == std::string::npos);
  }

  // The bytes as an outgoing message's payload (its inline keyboard) and as an agent's text:
  // either refused or encoded as a valid JSON object.
  if (auto keyboard = tg::inlineKeyboardFromPayload(body)) {
    if (auto encoded = tg::encodeSendMessage({"42", "hi", "", *keyboard})) require(isJsonObject(*encoded));
  }
  auto encoded = tg::encodeSendMessage({"-1001234567890", std::string(body), std::string(header), {}});
  if (encoded) require(isJsonObject(*encoded));
  if (auto fields = tg::encodeSendFileFields({"42", std::string(body), "", {}})) require(!fields->empty());
  return 0;
}
