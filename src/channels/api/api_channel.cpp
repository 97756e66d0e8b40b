#include "channels/api/api_channel.hpp"

#include <sodium.h>

#include <boost/json.hpp>

#include "app/crypto.hpp"
#include "channels/common/config_secrets.hpp"
#include "channels/common/file_link.hpp"
#include "channels/common/http_client.hpp"
#include "channels/common/json_input.hpp"

namespace parley::channels::api {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;

namespace {

core::Result<std::string> stringField(const json::object& o, const char* key, std::size_t max, const std::string& path) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::string();
  if (it->value().is_string()) {
    const auto& s = it->value().get_string();
    if (s.size() > max) return makeError(ErrorCode::InvalidInput, path + key + ": at most " + std::to_string(max) + " characters");
    return std::string(s);
  }
  // Ids may come as numbers from some systems; keep them as text, exactly.
  if (it->value().is_int64()) return std::to_string(it->value().get_int64());
  if (it->value().is_uint64()) return std::to_string(it->value().get_uint64());
  return makeError(ErrorCode::InvalidInput, path + key + ": must be a string");
}

core::Result<std::string> decodeBase64(const std::string& text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  std::size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), " \r\n",
                        &length, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return makeError(ErrorCode::InvalidInput, "attachments: data_base64 is not valid base64");
  }
  out.resize(length);
  return out;
}

// `location`: {"latitude", "longitude" (numbers in range, required), "name", "address"}.
core::Status readLocation(const json::value& value, core::InboundMessage& m) {
  if (!value.is_object()) return makeError(ErrorCode::InvalidInput, "location: must be an object with latitude and longitude");
  const auto& loc = value.get_object();
  auto number = [&](const char* key) -> std::optional<double> {
    auto it = loc.find(key);
    if (it == loc.end() || !it->value().is_number()) return std::nullopt;
    return it->value().to_number<double>();
  };
  const auto lat = number("latitude"), lon = number("longitude");
  if (!lat || !lon || *lat < -90 || *lat > 90 || *lon < -180 || *lon > 180) {
    return makeError(ErrorCode::InvalidInput,
                     "location: latitude (-90..90) and longitude (-180..180) are required numbers");
  }
  auto name = stringField(loc, "name", 1000, "location.");
  if (!name) return name.error();
  auto address = stringField(loc, "address", 1000, "location.");
  if (!address) return address.error();
  m.kind = core::MessageKind::Location;
  m.latitude = lat;
  m.longitude = lon;
  m.location_name = name->empty() ? *address : (address->empty() ? *name : *name + ", " + *address);
  json::object shown;
  if (!name->empty()) shown["name"] = *name;
  if (!address->empty()) shown["address"] = *address;
  m.payload_json = json::serialize(json::object{{"location", std::move(shown)}});
  return {};
}

}  // namespace

core::Result<ApiInbound> parseInbound(std::string_view body) {
  auto parsed = parseUntrustedJson(body, body.size(), 16);  // the size is bounded by the server
  if (!parsed) return parsed.error();
  json::value& v = *parsed;
  if (!v.is_object()) return makeError(ErrorCode::InvalidInput, "the body must be a JSON object");
  const auto& o = v.get_object();
  ApiInbound out;
  auto& m = out.message;
  auto id = stringField(o, "id", 256, "");
  if (!id) return id.error();
  if (id->empty()) return makeError(ErrorCode::InvalidInput, "id: the external message id is required");
  m.external_id = *id;
  auto text = stringField(o, "text", 65536, "");
  if (!text) return text.error();
  m.text = *text;
  auto contact_it = o.find("contact");
  if (contact_it == o.end() || !contact_it->value().is_object()) {
    return makeError(ErrorCode::InvalidInput, "contact: an object with an id, a phone number or an e-mail address (and a name) is required");
  }
  const auto& c = contact_it->value().get_object();
  for (auto [key, target, max] : {std::tuple{"id", &m.contact.external_id, 256}, std::tuple{"name", &m.contact.name, 200},
                                  std::tuple{"phone", &m.contact.phone, 64}, std::tuple{"email", &m.contact.email, 320}}) {
    auto value = stringField(c, key, static_cast<std::size_t>(max), "contact.");
    if (!value) return value.error();
    *target = *value;
  }
  m.contact.verified = true;  // the integrator signed it
  auto reply_to = stringField(o, "reply_to_id", 256, "");
  if (!reply_to) return reply_to.error();
  m.reply_to_external_id = *reply_to;
  if (auto it = o.find("attachments"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_array()) return makeError(ErrorCode::InvalidInput, "attachments: must be an array");
    const auto& list = it->value().get_array();
    if (list.size() > kMaxInboundAttachments) return makeError(ErrorCode::InvalidInput, "attachments: at most 10");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string path = "attachments[" + std::to_string(i) + "].";
      if (!list[i].is_object()) {
        return makeError(ErrorCode::InvalidInput, "attachments[" + std::to_string(i) + "]: must be an object");
      }
      const auto& a = list[i].get_object();
      ApiAttachment attachment;
      auto filename = stringField(a, "filename", 255, path);
      auto type = stringField(a, "content_type", 255, path);
      auto url = stringField(a, "url", 2048, path);
      auto data = stringField(a, "data_base64", 40 * 1024 * 1024, path);
      for (auto* r : {&filename, &type, &url, &data}) {
        if (!*r) return r->error();
      }
      attachment.filename = filename->empty() ? "attachment" : *filename;
      attachment.content_type = *type;
      attachment.url = *url;
      if (url->empty() == data->empty()) {
        return makeError(ErrorCode::InvalidInput, path + "url, " + path + "data_base64: give exactly one of them");
      }
      if (!url->empty() && url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0) {
        return makeError(ErrorCode::InvalidInput, path + "url: must be an http or https URL");
      }
      if (!data->empty()) {
        auto bytes = decodeBase64(*data);
        if (!bytes) return makeError(ErrorCode::InvalidInput, path + "data_base64: not valid base64");
        attachment.data = std::move(*bytes);
      }
      out.attachments.push_back(std::move(attachment));
    }
  }
  if (auto it = o.find("location"); it != o.end() && !it->value().is_null()) {
    if (auto read = readLocation(it->value(), m); !read) return read.error();
  }
  if (m.text.find_first_not_of(" \t\r\n") == std::string::npos && out.attachments.empty() &&
      m.kind != core::MessageKind::Location) {
    return makeError(ErrorCode::InvalidInput, "text: a message needs text, attachments or a location");
  }
  return out;
}

std::string signatureHeader(std::string_view secret, std::string_view raw_body) {
  return "sha256=" + app::hmacSha256Hex(secret, raw_body);
}

bool verifySignature(std::string_view secret, std::string_view raw_body, std::string_view header) {
  if (secret.empty() || header.size() != 7 + 64 || header.substr(0, 7) != "sha256=") return false;
  std::string given(header.substr(7));
  for (auto& ch : given) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return app::constantTimeEqual(given, app::hmacSha256Hex(secret, raw_body));
}

namespace {
constexpr std::int64_t kFileLinkTtlS = 7 * 24 * 3600;
}  // namespace

core::Status ApiChannelGateway::validateConfig(const std::string& config_json) const {
  if (config_json.empty()) return {};
  return rejectUnknownConfigKeys(config_json, {}, "an API", "docs/API.md");
}

core::Result<std::string> ApiChannelGateway::encode(const app::OutboundContext& ctx) const {
  // Each file with a signed link the receiver can fetch it by, without a login, for 7 days
  // (GET /webhooks/api/files/{token}, relative to Parley's address; the inbox's secret signs it).
  const std::int64_t link_expires_s = ctx.message.created_at / 1000 + kFileLinkTtlS;
  json::array attachments;
  for (const auto& a : ctx.attachments) {
    attachments.push_back(json::object{{"id", a.id.value},
                                       {"filename", a.filename},
                                       {"content_type", a.content_type},
                                       {"size", a.size},
                                       {"sha256", a.sha256},
                                       {"url", "/webhooks/api/files/" + fileLinkToken(ctx.inbox.secret, ctx.inbox.id.value,
                                                                                      a.id.value, link_expires_s)}});
  }
  std::string external_contact_id;
  const std::string scope = "inbox:" + std::to_string(ctx.inbox.id.value);
  json::object identities;
  for (const auto& i : ctx.identities) {
    if (i.kind == core::IdentityKind::External && i.scope == scope) external_contact_id = i.value;
    if (i.kind == core::IdentityKind::Phone) identities["phone"] = i.value;
    if (i.kind == core::IdentityKind::Email) identities["email"] = i.value;
  }
  json::object contact{{"id", external_contact_id.empty() ? json::value(nullptr) : json::value(external_contact_id)},
                       {"parley_id", ctx.contact.id.value},
                       {"name", ctx.contact.name}};
  for (auto& kv : identities) contact[kv.key()] = kv.value();
  json::object payload{{"event", "message.created"},
                       {"idempotency_key", ctx.idempotency_key},
                       {"inbox_id", ctx.inbox.id.value},
                       {"conversation_id", ctx.conversation.id.value},
                       {"contact", contact},
                       {"message", json::object{{"id", ctx.message.id.value},
                                                {"text", ctx.message.text},
                                                {"sender_user_id", ctx.message.sender_user_id.value},
                                                // The id (yours, as sent inbound) of the message this reply quotes, or null.
                                                {"reply_to_id", ctx.reply_to_external_id.empty()
                                                                    ? json::value(nullptr)
                                                                    : json::value(ctx.reply_to_external_id)},
                                                {"attachments", attachments},
                                                {"created_at_ms", ctx.message.created_at}}}};
  return json::serialize(payload);
}

app::DeliveryResult ApiChannelGateway::deliver(const core::Inbox& inbox, const core::OutboxItem& item) {
  using Outcome = app::DeliveryResult::Outcome;
  if (inbox.callback_url.empty()) return {Outcome::Failed, "the inbox has no callback_url", 0, {}};
  HttpCall call;
  call.method = "POST";
  call.url = inbox.callback_url;
  call.body = item.payload;
  call.timeout_ms = timeout_ms_;
  call.headers = {{"Content-Type", "application/json"},
                  {"X-Parley-Signature", signatureHeader(inbox.secret, item.payload)},
                  {"X-Parley-Idempotency-Key", item.idempotency_key}};
  const HttpAnswer answer = performHttp(call);
  if (!answer.transport_ok && !answer.too_large) {
    return {Outcome::RetryLater, "callback unreachable: " + answer.error, 0, {}};
  }
  if (answer.status >= 200 && answer.status < 300) return {Outcome::Delivered, "", 0, {}};
  const std::string reason = "callback answered HTTP " + std::to_string(answer.status) +
                             (answer.body.empty() ? "" : ": " + answer.body.substr(0, 200));
  if (answer.status == 408 || answer.status == 425 || answer.status == 429 || answer.status >= 500) {
    app::DeliveryResult later{Outcome::RetryLater, reason, answer.retry_after_s * 1000, {}};
    if (answer.status == 429) later.throttle = app::DeliveryResult::Throttle::Sender;
    return later;
  }
  return {Outcome::Failed, reason, 0, {}};
}

}  // namespace parley::channels::api
