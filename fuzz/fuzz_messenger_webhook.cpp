// libFuzzer target: the Messenger / Instagram codec on arbitrary bytes, as both products (the
// first byte picks which goes first). parseWebhook() must never crash, hang or recurse on
// nesting, and what it accepts must respect the normalised types' promises (a violation traps).
// The same bytes go through the signature check, the Send API and comment answer parsers and, as
// message text, encodeSend() and encodeCommentReply(). Seeds: tests/channels/{messenger,instagram}/fixtures/*.json.
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "channels/messenger/messenger_codec.hpp"

#include "fuzz_checks.hpp"

using namespace parley::fuzz;

namespace {

void checkParse(std::string_view body, parley::channels::messenger::Product product) {
  namespace ms = parley::channels::messenger;
  namespace core = parley::core;
  auto parsed = ms::parseWebhook(body, product);
  if (!parsed) {
    requireRefusal(parsed.error());
    return;
  }
  for (const auto& m : parsed->batch.messages) {
    require(!m.external_id.empty() && !m.account_id.empty() && m.account_id.size() <= ms::kMaxIdLength);
    require(!m.contact.external_id.empty() && m.contact.phone.empty() && m.contact.email.empty());
    require(m.sent_at >= 0 && !m.inbox_id.valid() && m.attachment_ids.empty());
    require(isJsonObject(m.payload_json));
    require(m.media.size() <= 20);
    for (const auto& media : m.media) {
      require(media.provider_ref.rfind("https://", 0) == 0 || media.provider_ref.rfind("http://", 0) == 0);
    }
    if (m.latitude) require(*m.latitude >= -90 && *m.latitude <= 90 && *m.longitude >= -180 && *m.longitude <= 180);
    require(m.latitude.has_value() == m.longitude.has_value());
    if (m.kind == core::MessageKind::Reaction) require(!m.reply_to_external_id.empty() && !m.echo);
    // A comment (Page feed, Instagram comments) is public and names itself and its thread.
    if (m.is_public) {
      const auto payload = boost::json::parse(m.payload_json).as_object();
      require(payload.contains("comment_id") && payload.contains("thread_comment_id") && !m.echo);
      require(m.contact.external_id != m.account_id);
    }
    // What ingest would refuse as empty never leaves the codec as a text message.
    if (m.kind == core::MessageKind::Text) require(!m.text.empty() || !m.media.empty());
  }
  for (const auto& s : parsed->batch.statuses) {
    require(!s.provider_message_id.empty() && !s.account_id.empty());
    require(s.status == core::DeliveryStatus::Delivered || s.status == core::DeliveryStatus::Read);
  }
  for (const auto& w : parsed->watermarks) {
    require(w.watermark > 0 && !w.contact_id.empty() && !w.account_id.empty());
  }
  require(parsed->batch.ignored >= 0);
  for (const auto& e : parsed->batch.edits) require(!e.provider_message_id.empty() && !e.account_id.empty() && e.at >= 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace ms = parley::channels::messenger;
  const std::string_view body = textOf(data, size);
  checkParse(body, ms::Product::Messenger);
  checkParse(body, ms::Product::Instagram);

  const std::string secret = "fuzz-app-secret";
  const std::string_view header = firstLine(body);
  (void)ms::verifySignature(secret, body, header);
  require(ms::verifySignature(secret, body, ms::signatureHeader(secret, body)));
  require(!ms::verifySignature("", body, ms::signatureHeader("", body)));
  require(!ms::verifyHandshake("subscribe", "", header));

  if (auto id = ms::parseSendResponse(body)) require(!id->empty());
  (void)ms::parseSendRecipient(body);
  for (auto product : {ms::Product::Messenger, ms::Product::Instagram}) {
    const auto comment = ms::interpretCommentAnswer(product, size % 3 == 0 ? 200 : 500, body);
    if (comment.outcome == parley::app::DeliveryResult::Outcome::Delivered) require(!comment.provider_message_id.empty());
    if (auto reply = ms::encodeCommentReply(body, size % 2 == 0, product)) require(isJsonObject(*reply));
    if (auto url = ms::commentRepliesUrl("http://127.0.0.1:9/v23.0", header.substr(0, 64), product)) {
      require(url->find("/../") == std::string::npos && url->find('?') == std::string::npos);
    }
  }
  if (auto id = ms::parseUploadResponse(body)) require(!id->empty());
  for (auto product : {ms::Product::Messenger, ms::Product::Instagram}) {
    const auto outcome = ms::classifySendError(product, 400, body, 7);
    require(!outcome.error.empty() && outcome.error.size() <= 1000);
    require(outcome.outcome != parley::app::DeliveryResult::Outcome::Delivered);
  }

  ms::SendRequest request;
  request.recipient_id = std::string(header.substr(0, 64));
  request.text = std::string(body);
  request.human_agent = size % 2 == 0;
  if (auto encoded = ms::encodeSend(request)) require(isJsonObject(*encoded));
  return 0;
}
