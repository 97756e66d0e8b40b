#include "channels/whatsapp/whatsapp_gateway.hpp"

#include <boost/json.hpp>
#include <algorithm>
#include <fstream>
#include <optional>

#include "app/attachment_store.hpp"
#include "app/store.hpp"
#include "channels/common/config_secrets.hpp"
#include "channels/common/delivery_start.hpp"
#include "channels/common/http_client.hpp"
#include "channels/whatsapp/whatsapp_codec.hpp"
#include "channels/whatsapp/whatsapp_media.hpp"
#include "channels/whatsapp/whatsapp_template_sync.hpp"
#include "channels/whatsapp/whatsapp_templates.hpp"

namespace parley::channels::whatsapp {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;
using Outcome = app::DeliveryResult::Outcome;

namespace {

// Image, video and document messages take a caption; audio and stickers do not.
bool takesCaption(MediaType type) { return type != MediaType::Audio && type != MediaType::Sticker; }

bool isBlank(const std::string& text) { return text.find_first_not_of(" \t\r\n") == std::string::npos; }

// The reply's buttons as the desk stored them ({"inline_keyboard": [[{"text", "callback_data"}]]},
// app/reply_buttons.hpp), in order; none when the payload has none.
InteractiveButtonsContent replyButtonsOf(const std::string& payload_json) {
  InteractiveButtonsContent out;
  if (payload_json.find("inline_keyboard") == std::string::npos) return out;
  boost::system::error_code ec;
  auto root = json::parse(payload_json, ec);
  const json::value* rows = !ec && root.is_object() ? root.get_object().if_contains("inline_keyboard") : nullptr;
  if (!rows || !rows->is_array()) return out;
  for (const auto& row : rows->get_array()) {
    if (!row.is_array()) continue;
    for (const auto& b : row.get_array()) {
      if (b.is_object()) out.buttons.push_back({stringOr(b.get_object(), "callback_data"), stringOr(b.get_object(), "text")});
    }
  }
  return out;
}

// Whom a reply goes to: the WhatsApp id the customer wrote from on this inbox (the identities
// DeskService keeps as External, scope "inbox:<id>"): their wa_id (the newest, so a changed
// number wins), else their business-scoped user id (a customer who shares no number), else the
// group the contact is (scope "inbox:<id>:group"). Else (a
// contact an agent created, or one whose WhatsApp identity went in a merge) a verified phone,
// else any phone. Not simply "a phone": a landline or an SMS number an agent added later must
// not take the reply.
std::string recipientOf(const app::OutboundContext& ctx) {
  const std::string scope = "inbox:" + std::to_string(ctx.inbox.id.value);
  std::string wa_id, bsuid, group, verified, any;
  for (const auto& identity : ctx.identities) {
    const std::string& v = identity.value;
    if (identity.kind == core::IdentityKind::External && identity.scope == scope + kGroupScopeSuffix) group = v;
    if (identity.kind == core::IdentityKind::External && identity.scope == scope) {
      if (!v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) wa_id = v;
      else if (isBusinessScopedUserId(v)) bsuid = v;
    }
    if (identity.kind == core::IdentityKind::Phone) {
      if (identity.verified && verified.empty()) verified = v;
      if (any.empty()) any = v;
    }
  }
  if (!wa_id.empty()) return wa_id;
  if (!bsuid.empty()) return bsuid;
  if (!group.empty()) return kGroupRecipientPrefix + group;  // a group's conversation: in the group
  return !verified.empty() ? verified : any;
}

}  // namespace

core::Result<InboxConfig> parseInboxConfig(const std::string& config_json, const app::SecretBox* box) {
  auto object = openConfigObject(config_json, box);
  if (!object) return object.error();
  const auto& o = *object;
  InboxConfig c;
  c.phone_number_id = stringOr(o, "phone_number_id");
  c.access_token = stringOr(o, "access_token");
  c.app_secret = stringOr(o, "app_secret");
  c.verify_token = stringOr(o, "verify_token");
  if (auto base = stringOr(o, "api_base_url"); !base.empty()) c.api_base_url = base;
  c.business_account_id = stringOr(o, "business_account_id");
  if (!c.business_account_id.empty() &&
      (c.business_account_id.size() > 32 ||
       !std::all_of(c.business_account_id.begin(), c.business_account_id.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))) {
    return makeError(ErrorCode::InvalidInput, "config.business_account_id: the WhatsApp Business Account id (digits)");
  }
  if (auto required = requireConfigValues({{"phone_number_id", &c.phone_number_id}, {"access_token", &c.access_token},
                                           {"app_secret", &c.app_secret}, {"verify_token", &c.verify_token}},
                                          "a whatsapp");
      !required) {
    return required.error();
  }
  if (auto base = checkApiBaseUrl(c.api_base_url); !base) return base.error();
  if (auto url = sendUrl(c.api_base_url, c.phone_number_id); !url) {
    return makeError(ErrorCode::InvalidInput, "config.phone_number_id: " + url.error().message);
  }
  return c;
}

core::Status WhatsAppGateway::validateConfig(const std::string& config_json) const {
  if (auto parsed = parseInboxConfig(config_json); !parsed) return parsed.error();
  return rejectUnknownConfigKeys(config_json,
                                 {"phone_number_id", "access_token", "app_secret", "verify_token", "api_base_url", "business_account_id"},
                                 "a whatsapp", "docs/channels/WHATSAPP.md");
}

std::optional<std::string> WhatsAppGateway::fileHead(const std::string& sha256) const {
  if (sha256.size() < 2) return std::nullopt;
  std::ifstream in(app::blobPath(attachments_root_, sha256), std::ios::binary);
  if (!in) return std::nullopt;
  std::string head(64, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head;
}

core::Result<std::string> WhatsAppGateway::encode(const app::OutboundContext& ctx) const {
  auto to = recipientOf(ctx);
  if (to.empty()) return makeError(ErrorCode::InvalidInput, "this contact has no phone number to write to on WhatsApp");
  if (ctx.attachments.size() > 1) {
    return makeError(ErrorCode::InvalidInput, "WhatsApp sends one file per message; send the files one by one");
  }
  if (ctx.message.kind == core::MessageKind::Template) {
    // Rendered and checked by renderTemplate(); the outbox keeps the send as the message has it.
    auto content = templateContentFromPayload(ctx.message.payload_json);
    if (!content) return makeError(ErrorCode::InvalidInput, "template: " + content.error().message);
    SendRequest probe;
    probe.to = to;
    probe.content = *content;
    if (auto checked = encodeSend(probe); !checked) return checked.error();
    return json::serialize(json::object{{"to", to}, {"reply_to", ctx.reply_to_external_id}, {"template_payload", ctx.message.payload_json}});
  }
  json::object envelope{{"to", to}, {"text", ctx.message.text}, {"reply_to", ctx.reply_to_external_id}};
  // Buttons under the reply (app/reply_buttons.hpp, checked by the desk): interactive reply buttons.
  if (auto buttons = replyButtonsOf(ctx.message.payload_json); !buttons.buttons.empty()) {
    buttons.body = ctx.message.text;
    SendRequest probe;
    probe.to = to;
    probe.content = buttons;
    if (auto checked = encodeSend(probe); !checked) return checked.error();
    json::array list;
    for (const auto& b : buttons.buttons) list.push_back(json::object{{"id", b.id}, {"title", b.title}});
    envelope["buttons"] = std::move(list);
    return json::serialize(envelope);
  }
  // A file Meta does not take (its "Supported media types"), or not at this size, is refused
  // now, naming the file; otherwise the upload declares Meta's name for its type.
  std::optional<MediaChoice> file_kind;
  if (!ctx.attachments.empty()) {
    const auto& a = ctx.attachments.front();
    auto choice = chooseMedia(OutgoingFile{a.filename, a.content_type, a.size, fileHead(a.sha256)});
    if (!choice) return choice.error();
    file_kind = *choice;
    envelope["attachment"] = json::object{{"sha256", a.sha256}, {"filename", a.filename}, {"content_type", choice->mime_type}};
  }
  // Check now what Meta would refuse anyway (length, empty text), so the agent hears it at once.
  SendRequest probe;
  probe.to = to;
  if (ctx.attachments.empty()) {
    probe.content = TextContent{ctx.message.text, false};
  } else {
    MediaContent media;
    media.type = file_kind->type;
    media.media_id = "probe";
    if (takesCaption(media.type)) {
      media.caption = ctx.message.text;
    } else if (!isBlank(ctx.message.text)) {
      // Audio and stickers take no caption: the text follows as a message of its own.
      SendRequest text_probe;
      text_probe.to = to;
      text_probe.content = TextContent{ctx.message.text, false};
      if (auto checked = encodeSend(text_probe); !checked) return checked.error();
    }
    if (media.type == MediaType::Document) media.filename = ctx.attachments.front().filename;
    probe.content = media;
  }
  if (auto checked = encodeSend(probe); !checked) return checked.error();
  return json::serialize(envelope);
}

app::DeliveryResult WhatsAppGateway::deliver(const core::Inbox& inbox, const core::OutboxItem& item) {
  auto start = startDelivery(parseInboxConfig(inbox.config_json, secrets_.get()), item.payload);
  if (!start.config) return start.failed;
  const auto& config = start.config;
  const auto& envelope = start.envelope;
  const std::string bearer = "Bearer " + config->access_token;

  SendRequest request;
  request.to = stringOr(envelope, "to");
  request.reply_to_message_id = stringOr(envelope, "reply_to");
  const std::string text = stringOr(envelope, "text");
  std::string text_after;  // the text of an audio or sticker reply, sent after the file
  if (const auto* list = envelope.if_contains("buttons"); list && list->is_array()) {
    InteractiveButtonsContent buttons;
    buttons.body = text;
    for (const auto& b : list->get_array()) {
      if (b.is_object()) buttons.buttons.push_back({stringOr(b.get_object(), "id"), stringOr(b.get_object(), "title")});
    }
    request.content = std::move(buttons);
  } else if (auto tmpl = stringOr(envelope, "template_payload"); !tmpl.empty()) {
    auto content = templateContentFromPayload(tmpl);
    if (!content) return {Outcome::Failed, "unreadable template in the outbox: " + content.error().message, 0, {}};
    request.content = std::move(*content);
  } else if (auto it = envelope.find("attachment"); it != envelope.end() && it->value().is_object()) {
    const auto& a = it->value().get_object();
    const std::string sha = stringOr(a, "sha256");
    auto bytes = app::readBlob(attachments_root_, sha);
    if (!bytes) return {Outcome::Failed, "the file to send is missing on this server", 0, {}};
    const std::string content_type = stringOr(a, "content_type");
    HttpCall upload;
    upload.method = "POST";
    upload.url = config->api_base_url + "/" + config->phone_number_id + "/media";
    upload.headers = {{"Authorization", bearer}};
    upload.multipart = {{"messaging_product", "whatsapp", "", ""},
                        {"type", content_type, "", ""},
                        {"file", std::move(*bytes), stringOr(a, "filename"), content_type}};
    upload.timeout_ms = timeout_ms_ * 4;
    auto answer = performHttp(upload);
    if (!answer.transport_ok) return {Outcome::RetryLater, "WhatsApp media upload failed: " + answer.error, 0, {}};
    if (answer.status < 200 || answer.status >= 300) return classifySendError(answer.status, answer.body, answer.retry_after_s);
    boost::system::error_code uec;
    auto uploaded = json::parse(answer.body, uec);
    std::string media_id = !uec && uploaded.is_object() ? stringOr(uploaded.get_object(), "id") : "";
    if (media_id.empty()) return {Outcome::Failed, "WhatsApp media upload answered without an id", 0, {}};
    MediaContent media;
    media.type = mediaTypeOf(content_type);
    media.media_id = media_id;
    if (takesCaption(media.type)) media.caption = text;
    else if (!isBlank(text)) text_after = text;
    if (media.type == MediaType::Document) media.filename = stringOr(a, "filename");
    request.content = media;
  } else {
    request.content = TextContent{text, false};
  }
  auto url = sendUrl(config->api_base_url, config->phone_number_id);
  if (!url) return {Outcome::Failed, url.error().message, 0, {}};
  auto send = [&](const SendRequest& message) -> app::DeliveryResult {
    auto body = encodeSend(message);
    if (!body) return {Outcome::Failed, body.error().message, 0, {}};
    auto answer = postJson(*url, bearer, std::move(*body), timeout_ms_);
    if (!answer.transport_ok && !answer.too_large) {
      return {Outcome::RetryLater, "WhatsApp unreachable: " + answer.error, 0, {}};
    }
    return interpretSendAnswer(answer.status, answer.body, answer.retry_after_s);
  };
  auto sent = send(request);
  if (sent.outcome != Outcome::Delivered || text_after.empty()) return sent;
  // The text of an audio or sticker reply goes as its own message after the file; its wamid
  // becomes the reply's. If it fails after the file went out, a retry sends the file again:
  // the Cloud API has no idempotency key.
  SendRequest follow_up;
  follow_up.to = request.to;
  follow_up.content = TextContent{text_after, false};
  return send(follow_up);
}

core::Result<app::RenderedTemplate> WhatsAppGateway::renderTemplate(app::StoreTx& tx, const core::Inbox& inbox,
                                                                    const app::TemplateReply& reply) const {
  auto found = buildStoredTemplate(tx, inbox, reply);
  if (!found) return found.error();
  return app::RenderedTemplate{found->built.text, templatePayloadJson(found->source, reply, found->built.content)};
}

core::Result<std::string> WhatsAppGateway::fetchMedia(const core::Inbox& inbox, const core::Attachment& attachment,
                                                      std::size_t max_bytes) {
  auto config = parseInboxConfig(inbox.config_json, secrets_.get());
  if (!config) return makeError(ErrorCode::InvalidInput, "the inbox configuration is invalid: " + config.error().message);
  auto info_url = mediaInfoUrl(config->api_base_url, attachment.provider_ref);
  if (!info_url) return info_url.error();
  HttpCall info;
  info.url = *info_url;
  info.headers = {{"Authorization", "Bearer " + config->access_token}};
  info.timeout_ms = timeout_ms_;
  auto info_answer = performHttp(info);
  if (!info_answer.transport_ok || info_answer.status < 200 || info_answer.status >= 300) {
    return mediaFetchError(info_answer, "WhatsApp media " + attachment.provider_ref);
  }
  auto media = parseMediaInfo(info_answer.body);
  if (!media) return media.error();
  if (media->file_size > 0 && static_cast<std::size_t>(media->file_size) > max_bytes) {
    return makeError(ErrorCode::TooLarge, "WhatsApp media " + attachment.provider_ref + " is larger than the attachment limit");
  }
  HttpCall download;
  download.url = media->url;
  download.headers = {{"Authorization", "Bearer " + config->access_token}};
  download.max_response_bytes = max_bytes;
  download.timeout_ms = timeout_ms_ * 4;
  download.follow_redirects = true;
  auto file = performHttp(download);
  if (!file.transport_ok || file.status < 200 || file.status >= 300) {
    return mediaFetchError(file, "WhatsApp media download " + attachment.provider_ref);
  }
  return std::move(file.body);
}

}  // namespace parley::channels::whatsapp
