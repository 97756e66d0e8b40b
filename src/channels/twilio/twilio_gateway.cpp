#include "channels/twilio/twilio_gateway.hpp"

#include <boost/json.hpp>

#include <chrono>

#include "channels/common/config_secrets.hpp"
#include "channels/common/delivery_start.hpp"
#include "channels/common/file_link.hpp"
#include "channels/common/file_limits.hpp"
#include "channels/common/http_client.hpp"
#include "channels/twilio/twilio_content.hpp"
#include "channels/whatsapp/whatsapp_template_sync.hpp"
#include "core/customer_window.hpp"

namespace parley::channels::twilio {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;
using Outcome = app::DeliveryResult::Outcome;

namespace {

bool httpUrl(const std::string& url) { return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0; }

std::string trimSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// The ContentSid and ContentVariables a rendered template's payload keeps (renderTemplate).
core::Result<std::pair<std::string, std::string>> contentOfPayload(const std::string& payload_json) {
  boost::system::error_code ec;
  auto root = json::parse(payload_json, ec);
  const json::value* send_value = !ec && root.is_object() ? root.get_object().if_contains("send") : nullptr;
  const json::object* send = send_value ? send_value->if_object() : nullptr;
  if (!send || stringOr(*send, "content_sid").empty()) return makeError(ErrorCode::InvalidInput, "the message keeps no Content API template");
  return std::pair{stringOr(*send, "content_sid"), stringOr(*send, "content_variables")};
}

}  // namespace

core::Result<InboxConfig> parseInboxConfig(const std::string& config_json, const app::SecretBox* box) {
  auto object = openConfigObject(config_json, box);
  if (!object) return object.error();
  const auto& o = *object;
  InboxConfig c;
  c.account_sid = stringOr(o, "account_sid");
  c.auth_token = stringOr(o, "auth_token");
  c.phone_number = stringOr(o, "phone_number");
  c.public_base_url = trimSlashes(stringOr(o, "public_base_url"));
  if (auto base = stringOr(o, "api_base_url"); !base.empty()) c.api_base_url = trimSlashes(base);
  if (auto base = stringOr(o, "content_api_base_url"); !base.empty()) c.content_api_base_url = trimSlashes(base);
  c.messaging_service_sid = stringOr(o, "messaging_service_sid");
  if (auto required = requireConfigValues({{"account_sid", &c.account_sid}, {"auth_token", &c.auth_token},
                                           {"phone_number", &c.phone_number}, {"public_base_url", &c.public_base_url}},
                                          "a twilio");
      !required) {
    return required.error();
  }
  if (auto url = messagesUrl(c.api_base_url, c.account_sid); !url) {
    return makeError(ErrorCode::InvalidInput, "config.account_sid: must be letters and digits (AC...)");
  }
  const std::string number = stripChannelPrefix(c.phone_number);
  if (number.size() < 4 || number[0] != '+' ||
      number.find_first_not_of("0123456789", 1) != std::string::npos) {
    return makeError(ErrorCode::InvalidInput, "config.phone_number: must be E.164 (+14155550100) or whatsapp:+14155550100");
  }
  if (!c.messaging_service_sid.empty() && !validMessagingServiceSid(c.messaging_service_sid)) {
    return makeError(ErrorCode::InvalidInput, "config.messaging_service_sid: must be a Messaging Service SID (MG and 32 hex digits)");
  }
  if (!httpUrl(c.api_base_url)) return makeError(ErrorCode::InvalidInput, "config.api_base_url: must be an http or https URL");
  if (!httpUrl(c.content_api_base_url) || c.content_api_base_url.find_first_of("?# ") != std::string::npos) {
    return makeError(ErrorCode::InvalidInput, "config.content_api_base_url: must be an http or https URL without query");
  }
  if (!httpUrl(c.public_base_url) || c.public_base_url.find_first_of("?# ") != std::string::npos) {
    return makeError(ErrorCode::InvalidInput,
                     "config.public_base_url: must be the http(s) URL Twilio calls this server at, without query");
  }
  return c;
}

core::Status TwilioGateway::validateConfig(const std::string& config_json) const {
  if (auto parsed = parseInboxConfig(config_json); !parsed) return parsed.error();
  return rejectUnknownConfigKeys(config_json,
                                 {"account_sid", "auth_token", "phone_number", "messaging_service_sid", "public_base_url",
                                  "api_base_url", "content_api_base_url"},
                                 "a twilio", "docs/channels/TWILIO.md");
}

core::Result<std::string> TwilioGateway::encode(const app::OutboundContext& ctx) const {
  // Only non-secret keys are needed here; the token may be sealed (non-empty either way).
  auto config = parseInboxConfig(ctx.inbox.config_json);
  if (!config) return config.error();
  // The number the customer wrote from on this inbox, else their verified phone, else any phone.
  const std::string scope = "inbox:" + std::to_string(ctx.inbox.id.value);
  std::string phone;
  for (const auto& identity : ctx.identities) {
    if (identity.kind == core::IdentityKind::External && identity.scope == scope) phone = identity.value;
  }
  for (int pass = 0; pass < 2 && phone.empty(); ++pass) {
    for (const auto& identity : ctx.identities) {
      if (identity.kind == core::IdentityKind::Phone && (pass == 1 || identity.verified)) {
        phone = identity.value;
        break;
      }
    }
  }
  if (phone.empty()) return makeError(ErrorCode::InvalidInput, "this contact has no phone number to write to through Twilio");
  const bool whatsapp = config->whatsapp();
  if (whatsapp && ctx.attachments.size() > 1) {
    return makeError(ErrorCode::InvalidInput, "WhatsApp through Twilio sends one file per message; send the files one by one");
  }
  SendRequest probe;
  probe.to = whatsapp ? "whatsapp:" + phone : phone;
  probe.from = config->phone_number;
  if (ctx.message.kind == core::MessageKind::Template) {
    // Rendered and checked by renderTemplate(): the message keeps the ContentSid and variables.
    auto content = contentOfPayload(ctx.message.payload_json);
    if (!content) return makeError(ErrorCode::InvalidInput, "template: " + content.error().message);
    probe.content_sid = content->first;
    probe.content_variables = content->second;
    if (auto checked = encodeSend(probe); !checked) return checked.error();
    return json::serialize(json::object{{"to", probe.to}, {"from", probe.from}, {"content_sid", probe.content_sid},
                                        {"content_variables", probe.content_variables}});
  }
  probe.body = ctx.message.text;
  json::array files;
  std::int64_t media_bytes = 0;
  for (const auto& a : ctx.attachments) {
    files.push_back(json::value(a.id.value));
    probe.media_urls.push_back("https://probe");
    media_bytes += a.size;
  }
  // Twilio refuses more media per message than 5 MB (MMS) or 16 MB (WhatsApp): accepted-mime-types.
  const std::int64_t media_max = (whatsapp ? 16LL : 5LL) * 1024 * 1024;
  const std::string_view media_rule = whatsapp ? "WhatsApp through Twilio: it takes up to 16 MB of media per message"
                                               : "MMS through Twilio: it takes up to 5 MB of media per message";
  if (media_bytes > media_max) {
    if (ctx.attachments.size() == 1) {
      const auto& a = ctx.attachments.front();
      return fileTooLarge(a.filename, a.content_type, a.size, media_rule);
    }
    return makeError(ErrorCode::InvalidInput, "the " + std::to_string(ctx.attachments.size()) + " files together (" +
                                                  describeSize(media_bytes) + ") are too large for " + std::string(media_rule) +
                                                  "; send them in several messages");
  }
  // Check now what Twilio would refuse anyway (length, empty message), so the agent hears it at once.
  if (auto checked = encodeSend(probe); !checked) return checked.error();
  json::object envelope{{"to", probe.to}, {"from", probe.from}, {"body", probe.body}, {"attachments", std::move(files)}};
  return json::serialize(envelope);
}

app::DeliveryResult TwilioGateway::deliver(const core::Inbox& inbox, const core::OutboxItem& item) {
  auto start = startDelivery(parseInboxConfig(inbox.config_json, secrets_.get()), item.payload);
  if (!start.config) return start.failed;
  const auto& config = start.config;
  const auto& envelope = start.envelope;
  auto url = messagesUrl(config->api_base_url, config->account_sid);
  if (!url) return {Outcome::Failed, url.error().message, 0, {}};

  SendRequest request;
  request.to = stringOr(envelope, "to");
  request.from = stringOr(envelope, "from");
  request.messaging_service_sid = config->messaging_service_sid;
  request.body = stringOr(envelope, "body");
  request.content_sid = stringOr(envelope, "content_sid");
  request.content_variables = stringOr(envelope, "content_variables");
  request.status_callback = config->public_base_url + "/webhooks/twilio/status?inbox=" + std::to_string(inbox.id.value);
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (const auto* files = envelope.if_contains("attachments"); files && files->is_array()) {
    for (const auto& id : files->get_array()) {
      if (!id.is_int64()) continue;
      request.media_urls.push_back(config->public_base_url + "/webhooks/twilio/media/" +
                                   fileLinkToken(inbox.secret, inbox.id.value, id.get_int64(), now_s + kMediaLinkTtlS));
    }
  }
  auto body = encodeSend(request);
  if (!body) return {Outcome::Failed, body.error().message, 0, {}};
  HttpCall call;
  call.method = "POST";
  call.url = *url;
  call.body = *body;
  call.timeout_ms = timeout_ms_;
  call.headers = {{"Authorization", basicAuth(config->account_sid, config->auth_token)},
                  {"Content-Type", "application/x-www-form-urlencoded"},
                  {"Accept", "application/json"}};
  auto answer = performHttp(call);
  if (!answer.transport_ok && !answer.too_large) return {Outcome::RetryLater, "Twilio unreachable: " + answer.error, 0, {}};
  return interpretSendAnswer(answer.status, answer.body, answer.retry_after_s);
}

bool TwilioGateway::freeFormNeedsCustomerWindow(const core::Inbox& inbox) const {
  // Twilio refuses free-form WhatsApp messages outside the window (error 63016); SMS has none.
  return core::hasCustomerWindow(inbox);
}

std::size_t TwilioGateway::filesPerMessage(const core::Inbox& inbox, bool, const std::vector<core::Attachment>&,
                                           const core::Message&) const {
  return core::hasCustomerWindow(inbox) ? 1 : kMaxMedia;
}

core::Result<app::RenderedTemplate> TwilioGateway::renderTemplate(app::StoreTx& tx, const core::Inbox& inbox,
                                                                  const app::TemplateReply& reply) const {
  if (!core::hasCustomerWindow(inbox)) {
    return makeError(ErrorCode::InvalidInput, "message templates are a WhatsApp feature; this Twilio inbox sends SMS");
  }
  if (!reply.quick_replies.empty()) {
    return makeError(ErrorCode::InvalidInput, "template.parameters.quick_replies: a Twilio template's quick replies send the ids "
                                              "set in its Content API actions; none are given here");
  }
  auto found = whatsapp::buildStoredTemplate(tx, inbox, reply);
  if (!found) return found.error();
  auto variables = contentVariablesJson(found->source.body.parameters, reply.body);
  if (!variables) return variables.error();
  // The payload the desk shows for a template (whatsapp_templates.hpp), with what Twilio's send needs.
  auto payload = json::parse(whatsapp::templatePayloadJson(found->source, reply, found->built.content)).as_object();
  payload["send"] = json::object{{"content_sid", found->source.id}, {"content_variables", *variables}};
  return app::RenderedTemplate{found->built.text, json::serialize(payload)};
}

core::Result<std::string> TwilioGateway::fetchMedia(const core::Inbox& inbox, const core::Attachment& attachment,
                                                    std::size_t max_bytes) {
  const std::string& url = attachment.provider_ref;
  if (!httpUrl(url)) return makeError(ErrorCode::InvalidInput, "not a downloadable media URL");
  auto config = parseInboxConfig(inbox.config_json, secrets_.get());
  if (!config) return makeError(ErrorCode::InvalidInput, "the inbox configuration is invalid: " + config.error().message);
  HttpCall download;
  download.url = url;
  download.max_response_bytes = max_bytes;
  download.timeout_ms = timeout_ms_ * 4;
  // Twilio answers the media URL with a redirect to its media host (a pre-signed URL). libcurl
  // sends a custom Authorization header only to the host it was given, never to the redirect's.
  download.follow_redirects = true;
  if (url.rfind(config->api_base_url + "/", 0) == 0) {
    download.headers = {{"Authorization", basicAuth(config->account_sid, config->auth_token)}};
  }
  auto file = performHttp(download);
  if (!file.transport_ok || file.status < 200 || file.status >= 300) return mediaFetchError(file, "Twilio media download");
  return std::move(file.body);
}

}  // namespace parley::channels::twilio
