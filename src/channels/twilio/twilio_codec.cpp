#include "channels/twilio/twilio_codec.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "app/crypto.hpp"
#include "channels/common/base64.hpp"
#include "channels/common/percent_encoding.hpp"
#include "channels/common/send_answer.hpp"
#include "core/text.hpp"

namespace parley::channels::twilio {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;
using Outcome = app::DeliveryResult::Outcome;

namespace {

core::Result<std::string> formDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= in.size()) return makeError(ErrorCode::InvalidInput, "form: truncated %-escape");
      const int hi = hexDigitValue(in[i + 1]);
      const int lo = hexDigitValue(in[i + 2]);
      if (hi < 0 || lo < 0) return makeError(ErrorCode::InvalidInput, "form: malformed %-escape");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool validSid(std::string_view sid) {
  return !sid.empty() && sid.size() <= kMaxSidLength &&
         std::all_of(sid.begin(), sid.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
         });
}

// A used field: valid UTF-8 and at most `max` bytes, else InvalidInput naming it.
core::Result<std::string> textField(const FormParams& params, std::string_view name, std::size_t max) {
  auto v = param(params, name);
  if (!v) return std::string();
  if (!core::isValidUtf8(*v)) return makeError(ErrorCode::InvalidInput, std::string(name) + ": must be UTF-8");
  if (v->size() > max) return makeError(ErrorCode::InvalidInput, std::string(name) + ": too long");
  return std::string(*v);
}

// A field only shown to the agent (a profile name, a place, an ad's text): Twilio documents no
// maximum, so a long one is cut to `max` bytes instead of refusing the customer's message.
core::Result<std::string> displayField(const FormParams& params, std::string_view name, std::size_t max) {
  auto v = param(params, name);
  if (!v) return std::string();
  if (!core::isValidUtf8(*v)) return makeError(ErrorCode::InvalidInput, std::string(name) + ": must be UTF-8");
  return std::string(core::utf8Prefix(*v, max));
}

std::optional<double> coordinate(std::string_view text, double limit) {
  if (text.empty() || text.size() > 32) return std::nullopt;
  const std::string s(text);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v) || std::fabs(v) > limit) return std::nullopt;
  return v;
}

bool isPhone(std::string_view s) {
  return s.size() >= 8 && s.size() <= 16 && s[0] == '+' &&
         std::all_of(s.begin() + 1, s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

core::MessageKind kindForMedia(std::string_view content_type) {
  if (content_type.rfind("image/", 0) == 0) return core::MessageKind::Image;
  if (content_type.rfind("audio/", 0) == 0) return core::MessageKind::Audio;
  if (content_type.rfind("video/", 0) == 0) return core::MessageKind::Video;
  return core::MessageKind::Document;
}

std::string extensionFor(std::string_view content_type) {
  static const std::pair<std::string_view, std::string_view> kTable[] = {
      {"image/jpeg", ".jpg"}, {"image/png", ".png"},       {"image/gif", ".gif"},  {"image/webp", ".webp"},
      {"audio/ogg", ".ogg"},  {"audio/mpeg", ".mp3"},      {"audio/amr", ".amr"},  {"video/mp4", ".mp4"},
      {"video/3gpp", ".3gp"}, {"application/pdf", ".pdf"}, {"text/vcard", ".vcf"}, {"text/x-vcard", ".vcf"}};
  for (const auto& [type, ext] : kTable) {
    if (content_type == type) return std::string(ext);
  }
  return "";
}

}  // namespace

// ---- form encoding -----------------------------------------------------------------------------

core::Result<FormParams> parseForm(std::string_view body) {
  if (body.size() > kMaxWebhookBytes) return makeError(ErrorCode::TooLarge, "form: the body is larger than 256 KiB");
  FormParams out;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    std::size_t amp = body.find('&', pos);
    if (amp == std::string_view::npos) amp = body.size();
    const std::string_view pair = body.substr(pos, amp - pos);
    pos = amp + 1;
    if (pair.empty()) {
      if (amp == body.size()) break;
      continue;
    }
    if (out.size() >= kMaxParams) return makeError(ErrorCode::InvalidInput, "form: too many parameters");
    const std::size_t eq = pair.find('=');
    auto name = formDecode(pair.substr(0, eq));
    if (!name) return name.error();
    if (name->empty()) return makeError(ErrorCode::InvalidInput, "form: a parameter without a name");
    auto value = formDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!value) return value.error();
    out.emplace_back(std::move(*name), std::move(*value));
    if (amp == body.size()) break;
  }
  return out;
}

std::optional<std::string_view> param(const FormParams& params, std::string_view name) {
  for (const auto& [k, v] : params) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::string percentEncode(std::string_view text) { return channels::percentEncode(text); }

std::string formEncode(const FormParams& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    out += percentEncode(k);
    out.push_back('=');
    out += percentEncode(v);
  }
  return out;
}

// ---- signatures --------------------------------------------------------------------------------

std::string computeSignature(std::string_view auth_token, std::string_view url, const FormParams& params) {
  std::vector<const std::pair<std::string, std::string>*> sorted;
  sorted.reserve(params.size());
  for (const auto& p : params) sorted.push_back(&p);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return *a < *b; });
  // A name given twice with the same value counts once (Twilio's helper libraries sort and
  // de-duplicate each name's values; their test vector for Digits=5678&Digits=1234&Digits=1234
  // signs "Digits1234Digits5678").
  sorted.erase(std::unique(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return *a == *b; }), sorted.end());
  std::string data(url);
  for (const auto* p : sorted) {
    data += p->first;
    data += p->second;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha1(), auth_token.data(), static_cast<int>(auth_token.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return base64(std::string_view(reinterpret_cast<const char*>(digest), length));
}

std::vector<std::string> signedUrlVariants(std::string_view url) {
  std::vector<std::string> out{std::string(url)};
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return out;
  std::string scheme(url.substr(0, scheme_end));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::size_t host_start = scheme_end + 3;
  const std::size_t authority_end = std::min(url.find_first_of("/?#", host_start), url.size());
  const std::string_view authority = url.substr(host_start, authority_end - host_start);
  // The port is after the last ':' of the host (past any user:password@).
  const std::size_t at = authority.rfind('@');
  const std::size_t host_from = at == std::string_view::npos ? 0 : at + 1;
  const std::size_t colon = authority.find(':', host_from);
  const std::string_view rest = url.substr(authority_end);
  const std::string prefix(url.substr(0, host_start));
  if (colon != std::string_view::npos) {
    out.push_back(prefix + std::string(authority.substr(0, colon)) + std::string(rest));  // without the port
  } else if (scheme == "https" || scheme == "http") {
    out.push_back(prefix + std::string(authority) + (scheme == "https" ? ":443" : ":80") + std::string(rest));
  }
  return out;
}

bool verifySignature(std::string_view auth_token, std::string_view url, const FormParams& params,
                     std::string_view header) {
  if (auth_token.empty() || header.empty()) return false;
  bool match = false;
  for (const auto& candidate : signedUrlVariants(url)) {
    match = app::constantTimeEqual(computeSignature(auth_token, candidate, params), header) || match;
  }
  return match;
}

// ---- inbound -----------------------------------------------------------------------------------

std::string stripChannelPrefix(std::string_view address) {
  if (isWhatsAppAddress(address)) return std::string(address.substr(9));
  return std::string(address);
}

bool isWhatsAppAddress(std::string_view address) { return address.rfind("whatsapp:", 0) == 0; }

core::Result<core::InboundMessage> parseIncomingMessage(const FormParams& params) {
  core::InboundMessage m;
  std::string_view sid = param(params, "MessageSid").value_or("");
  if (sid.empty()) sid = param(params, "SmsMessageSid").value_or("");
  if (sid.empty()) sid = param(params, "SmsSid").value_or("");
  if (sid.empty()) return makeError(ErrorCode::InvalidInput, "MessageSid: required");
  if (!validSid(sid)) return makeError(ErrorCode::InvalidInput, "MessageSid: must be letters and digits");
  m.external_id = std::string(sid);

  auto from = textField(params, "From", 128);
  if (!from) return from.error();
  auto to = textField(params, "To", 128);
  if (!to) return to.error();
  if (from->empty()) return makeError(ErrorCode::InvalidInput, "From: required");
  if (to->empty()) return makeError(ErrorCode::InvalidInput, "To: required");
  m.account_id = *to;
  const bool whatsapp = isWhatsAppAddress(*from);
  const std::string sender = stripChannelPrefix(*from);
  if (sender.empty()) return makeError(ErrorCode::InvalidInput, "From: no address after the channel prefix");
  if (isWhatsAppAddress(sender)) return makeError(ErrorCode::InvalidInput, "From: the channel prefix twice");
  m.contact.external_id = sender;
  if (isPhone(sender)) m.contact.phone = sender;
  m.contact.verified = true;  // Twilio signed the request and vouches for the sender's number
  auto profile = displayField(params, "ProfileName", 256);
  if (!profile) return profile.error();
  m.contact.name = *profile;

  auto body = textField(params, "Body", 64 * 1024);
  if (!body) return body.error();
  m.text = *body;

  json::object payload;
  payload["channel"] = whatsapp ? "whatsapp" : "sms";
  if (auto wa = textField(params, "WaId", 64); !wa) {
    return wa.error();
  } else if (!wa->empty()) {
    payload["wa_id"] = *wa;
  }
  if (auto type = textField(params, "MessageType", 64); type && !type->empty()) payload["message_type"] = *type;

  // Media: NumMedia files, MediaUrl{N} / MediaContentType{N}.
  std::size_t num_media = 0;
  if (auto n = param(params, "NumMedia"); n && !n->empty()) {
    auto [end, ec] = std::from_chars(n->data(), n->data() + n->size(), num_media);
    if (ec != std::errc() || end != n->data() + n->size()) return makeError(ErrorCode::InvalidInput, "NumMedia: must be a number");
    if (num_media > kMaxMedia) return makeError(ErrorCode::InvalidInput, "NumMedia: at most 10");
  }
  for (std::size_t i = 0; i < num_media; ++i) {
    const std::string index = std::to_string(i);
    auto url = textField(params, "MediaUrl" + index, 2048);
    if (!url) return url.error();
    if (url->rfind("https://", 0) != 0 && url->rfind("http://", 0) != 0) {
      return makeError(ErrorCode::InvalidInput, "MediaUrl" + index + ": must be an http(s) URL");
    }
    auto type = textField(params, "MediaContentType" + index, 128);
    if (!type) return type.error();
    core::InboundMedia media;
    media.provider_ref = *url;
    media.mime_type = *type;
    media.filename = "media-" + index + extensionFor(*type);
    m.media.push_back(std::move(media));
  }
  if (!m.media.empty()) {
    m.kind = kindForMedia(m.media.front().mime_type);
    if (!whatsapp) payload["channel"] = "mms";
  }

  // WhatsApp location.
  auto lat = param(params, "Latitude");
  auto lon = param(params, "Longitude");
  if (lat && lon && !lat->empty() && !lon->empty()) {
    auto la = coordinate(*lat, 90.0);
    auto lo = coordinate(*lon, 180.0);
    if (!la || !lo) return makeError(ErrorCode::InvalidInput, "Latitude/Longitude: must be coordinates");
    m.kind = core::MessageKind::Location;
    m.latitude = la;
    m.longitude = lo;
    auto label = displayField(params, "Label", 1024);
    if (!label) return label.error();
    auto address = displayField(params, "Address", 1024);
    if (!address) return address.error();
    m.location_name = !label->empty() && !address->empty() ? *label + ", " + *address : *label + *address;
  }

  // WhatsApp quick-reply button of a template.
  auto button_text = displayField(params, "ButtonText", 1024);
  if (!button_text) return button_text.error();
  auto button_payload = textField(params, "ButtonPayload", 4096);
  if (!button_payload) return button_payload.error();
  if (!button_text->empty() || !button_payload->empty()) {
    m.kind = core::MessageKind::Interactive;
    if (m.text.empty()) m.text = !button_text->empty() ? *button_text : *button_payload;
    payload["interactive_type"] = "button";
    payload["title"] = *button_text;
    payload["payload"] = *button_payload;
  }

  // A quoted reply.
  if (auto replied = param(params, "OriginalRepliedMessageSid"); replied && !replied->empty()) {
    if (!validSid(*replied)) return makeError(ErrorCode::InvalidInput, "OriginalRepliedMessageSid: must be letters and digits");
    m.reply_to_external_id = std::string(*replied);
  }
  if (auto fwd = param(params, "Forwarded"); fwd && *fwd == "true") payload["forwarded"] = true;
  if (auto fwd = param(params, "FrequentlyForwarded"); fwd && *fwd == "true") payload["frequently_forwarded"] = true;

  // Click-to-WhatsApp ad referral (its media are not fetched; the URLs are kept).
  json::object referral;
  for (auto [key, name] : {std::pair{"body", "ReferralBody"}, std::pair{"headline", "ReferralHeadline"},
                           std::pair{"source_id", "ReferralSourceId"}, std::pair{"source_type", "ReferralSourceType"},
                           std::pair{"source_url", "ReferralSourceUrl"}, std::pair{"media_url", "ReferralMediaUrl"},
                           std::pair{"ctwa_clid", "ReferralCtwaClid"}}) {
    auto v = displayField(params, name, 4096);
    if (!v) return v.error();
    if (!v->empty()) referral[key] = *v;
  }
  if (!referral.empty()) payload["referral"] = std::move(referral);

  if (m.kind == core::MessageKind::Text && m.text.empty()) m.kind = core::MessageKind::Unsupported;
  m.payload_json = json::serialize(payload);
  return m;
}

std::optional<core::DeliveryStatus> deliveryStatusFor(std::string_view s) {
  using core::DeliveryStatus;
  if (s == "accepted" || s == "scheduled" || s == "queued" || s == "sending") return DeliveryStatus::Pending;
  if (s == "sent") return DeliveryStatus::Sent;
  if (s == "delivered" || s == "partially_delivered") return DeliveryStatus::Delivered;
  if (s == "read") return DeliveryStatus::Read;
  if (s == "undelivered" || s == "failed" || s == "canceled") return DeliveryStatus::Failed;
  return std::nullopt;
}

std::string describeError(std::string_view code, std::string_view message) {
  static const std::pair<std::string_view, std::string_view> kKnown[] = {
      {"30001", "Queue overflow"},
      {"30002", "Account suspended"},
      {"30003", "Unreachable destination handset"},
      {"30004", "Message blocked"},
      {"30005", "Unknown destination handset"},
      {"30006", "Landline or unreachable carrier"},
      {"30007", "Message filtered"},
      {"30008", "Unknown error"},
      {"21610", "The recipient unsubscribed (replied STOP)"},
      {"63016", "outside the WhatsApp 24-hour customer-service window: the customer last wrote more than 24 hours "
                "ago, so WhatsApp takes only an approved template"},
  };
  std::string text(message);
  // 63016's own text ("Failed to send freeform message because you are outside the allowed
  // window ...") does not tell the agent what to do: ours does.
  if (text.empty() || code == "63016") {
    for (const auto& [known, description] : kKnown) {
      if (known == code) text = description;
    }
  }
  std::string out = "Twilio error";
  if (!code.empty()) out += " " + std::string(code);
  if (!text.empty()) out += ": " + text;
  return out;
}

core::Result<std::optional<core::InboundStatus>> parseStatusCallback(const FormParams& params) {
  std::string_view sid = param(params, "MessageSid").value_or("");
  if (sid.empty()) sid = param(params, "SmsSid").value_or("");
  if (sid.empty()) return makeError(ErrorCode::InvalidInput, "MessageSid: required");
  if (!validSid(sid)) return makeError(ErrorCode::InvalidInput, "MessageSid: must be letters and digits");
  std::string_view status = param(params, "MessageStatus").value_or("");
  if (status.empty()) status = param(params, "SmsStatus").value_or("");
  if (status.empty()) return makeError(ErrorCode::InvalidInput, "MessageStatus: required");
  auto mapped = deliveryStatusFor(status);
  if (!mapped) return std::optional<core::InboundStatus>();  // receiving, received, unknown
  core::InboundStatus s;
  s.provider_message_id = std::string(sid);
  auto from = textField(params, "From", 128);
  if (!from) return from.error();
  s.account_id = *from;
  s.status = *mapped;
  if (*mapped == core::DeliveryStatus::Failed) {
    std::string code(param(params, "ErrorCode").value_or(""));
    if (code.size() > 16 || !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) code.clear();
    auto message = textField(params, "ErrorMessage", 1024);
    s.error = describeError(code, message ? *message : std::string());
    if (code.empty() && (!message || message->empty())) s.error = "Twilio: the message was " + std::string(status);
  }
  return std::optional<core::InboundStatus>(std::move(s));
}

// ---- outbound ----------------------------------------------------------------------------------

core::Result<std::string> encodeSend(const SendRequest& r) {
  if (r.to.empty()) return makeError(ErrorCode::InvalidInput, "To: the recipient's number is required");
  if (r.from.empty()) return makeError(ErrorCode::InvalidInput, "From: the inbox's number is required");
  if (!core::isValidUtf8(r.body)) return makeError(ErrorCode::InvalidInput, "Body: must be UTF-8");
  std::size_t chars = 0;
  for (unsigned char c : r.body) chars += (c & 0xC0) != 0x80;
  if (chars > kMaxBodyChars) return makeError(ErrorCode::InvalidInput, "Twilio sends at most 1600 characters per message");
  if (!r.content_sid.empty()) {
    if (!validSid(r.content_sid)) return makeError(ErrorCode::InvalidInput, "ContentSid: must be letters and digits (HX...)");
    if (!r.body.empty() || !r.media_urls.empty()) {
      return makeError(ErrorCode::InvalidInput, "a Content API template is sent without Body or MediaUrl");
    }
  } else if (r.body.empty() && r.media_urls.empty()) {
    return makeError(ErrorCode::InvalidInput, "a Twilio message needs text or a file");
  }
  if (r.media_urls.size() > kMaxMedia) return makeError(ErrorCode::InvalidInput, "Twilio sends at most 10 files per message");
  if (!r.messaging_service_sid.empty() && !validMessagingServiceSid(r.messaging_service_sid)) {
    return makeError(ErrorCode::InvalidInput, "MessagingServiceSid: must be MG and 32 hex digits");
  }
  // "From or MessagingServiceSid": with a Messaging Service, the service chooses the sender.
  FormParams form{{"To", r.to}};
  if (r.messaging_service_sid.empty()) {
    form.emplace_back("From", r.from);
  } else {
    form.emplace_back("MessagingServiceSid", r.messaging_service_sid);
  }
  if (!r.content_sid.empty()) {
    form.emplace_back("ContentSid", r.content_sid);
    if (!r.content_variables.empty()) form.emplace_back("ContentVariables", r.content_variables);
  }
  if (!r.body.empty()) form.emplace_back("Body", r.body);
  for (const auto& url : r.media_urls) form.emplace_back("MediaUrl", url);
  if (!r.status_callback.empty()) form.emplace_back("StatusCallback", r.status_callback);
  return formEncode(form);
}

bool validMessagingServiceSid(std::string_view sid) {
  return sid.size() == 34 && sid.substr(0, 2) == "MG" &&
         std::all_of(sid.begin() + 2, sid.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); });
}

std::string basicAuth(std::string_view account_sid, std::string_view auth_token) {
  return "Basic " + base64(std::string(account_sid) + ":" + std::string(auth_token));
}

core::Result<std::string> messagesUrl(std::string_view api_base_url, std::string_view account_sid) {
  if (!validSid(account_sid)) return makeError(ErrorCode::InvalidInput, "account_sid: must be letters and digits");
  std::string base(api_base_url);
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/2010-04-01/Accounts/" + std::string(account_sid) + "/Messages.json";
}

core::Result<std::string> parseSendResponse(std::string_view body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return makeError(ErrorCode::InvalidInput, "Twilio's answer is not a JSON object");
  const auto* sid = v.get_object().if_contains("sid");
  if (!sid || !sid->is_string() || !validSid(sid->get_string())) return makeError(ErrorCode::InvalidInput, "Twilio's answer has no message sid");
  return std::string(sid->get_string());
}

app::DeliveryResult classifySendError(long http_status, std::string_view body, long retry_after_s) {
  std::string code;
  std::string message;
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.get_object();
    if (const auto* c = o.if_contains("code")) {
      if (c->is_int64()) code = std::to_string(c->get_int64());
      else if (c->is_string()) code = std::string(c->get_string().subview().substr(0, 16));
    }
    if (const auto* msg = o.if_contains("message"); msg && msg->is_string()) message = std::string(msg->get_string().subview().substr(0, 500));
  }
  if (code.empty() && message.empty()) message = "HTTP " + std::to_string(http_status);
  const std::string error = describeError(code, message);
  const bool retry = http_status == 429 || http_status >= 500 || code == "20429";
  if (retry) {
    app::DeliveryResult later{Outcome::RetryLater, error, static_cast<core::TimestampMs>(retry_after_s) * 1000, {}};
    if (http_status == 429 || code == "20429") later.throttle = app::DeliveryResult::Throttle::Sender;
    return later;
  }
  return {Outcome::Failed, error, 0, {}};
}

app::DeliveryResult interpretSendAnswer(long http_status, std::string_view body, long retry_after_s) {
  if (auto sent = successfulSend(http_status, "", [&] { return parseSendResponse(body); })) return *sent;
  return classifySendError(http_status, body, retry_after_s);
}

}  // namespace parley::channels::twilio
