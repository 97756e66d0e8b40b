#include "http/json.hpp"

#include "channels/common/config_secrets.hpp"
#include "channels/common/json_input.hpp"

#include <ctime>

namespace parley::http {

std::string isoTime(core::TimestampMs ms) {
  if (ms == 0) return {};
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

namespace {
std::function<std::string(const core::Conversation&)>& routingStateSource() {
  static std::function<std::string(const core::Conversation&)> source;
  return source;
}
// Without routing (tests of other parts), what the stored fields say.
std::string routingStateOf(const core::Conversation& c) {
  if (const auto& source = routingStateSource()) return source(c);
  if (!c.queue_id.valid() || c.status == core::ConversationStatus::Resolved) return "none";
  if (c.assignee_id.valid()) return c.status == core::ConversationStatus::Pending ? "pending" : "assigned";
  return "waiting";
}
}  // namespace

void setRoutingStateSource(std::function<std::string(const core::Conversation&)> source) {
  routingStateSource() = std::move(source);
}

json::value isoOrNull(core::TimestampMs ms) {
  if (ms == 0) return nullptr;
  return json::value(isoTime(ms));
}

namespace {
json::value idOrNull(std::int64_t id) {
  if (id <= 0) return nullptr;
  return id;
}
template <class T>
json::array ids(const std::vector<T>& v) {
  json::array a;
  for (const auto& id : v) a.push_back(id.value);
  return a;
}
json::value parseOrEmpty(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return json::object{};
  return v;
}
// A channel's configuration without its secrets: tokens, secrets and passwords show as set or
// not, never their value.
json::value maskedConfig(const std::string& text) {
  json::value v = parseOrEmpty(text);
  for (auto& kv : v.as_object()) {
    if (channels::isSecretConfigKey(kv.key())) {
      kv.value() = kv.value().is_string() && !kv.value().get_string().empty() ? channels::kMaskedSecret : "";
    }
  }
  return v;
}
}  // namespace

json::object toJson(const core::User& v) {
  return {{"id", v.id.value},     {"tenant_id", v.tenant_id.value},
          {"email", v.email},     {"name", v.name},
          {"role", core::toString(v.role)}, {"language", core::toString(v.language)},
          {"active", v.active},   {"created_at", isoOrNull(v.created_at)},
          {"availability", core::toString(v.availability)},
          {"availability_changed_at", isoOrNull(v.availability_changed_at)}};
}

json::object toJson(const core::Team& v) {
  return {{"id", v.id.value},
          {"name", v.name},
          {"description", v.description},
          {"member_ids", ids(v.member_ids)},
          {"created_at", isoOrNull(v.created_at)}};
}

json::object toJson(const core::Inbox& v, bool include_secret) {
  json::object o{{"id", v.id.value},
                 {"name", v.name},
                 {"channel", core::toString(v.channel)},
                 {"config", maskedConfig(v.config_json)},
                 {"team_ids", ids(v.team_ids)},
                 {"callback_url", v.callback_url.empty() ? json::value(nullptr) : json::value(v.callback_url)},
                 {"created_at", isoOrNull(v.created_at)}};
  if (include_secret && !v.secret.empty()) o["secret"] = v.secret;
  return o;
}

json::object toJson(const core::Contact& v) {
  return {{"id", v.id.value},
          {"name", v.name},
          {"attributes", parseOrEmpty(v.attributes_json)},
          {"merged_into", idOrNull(v.merged_into.value)},
          {"created_at", isoOrNull(v.created_at)},
          {"updated_at", isoOrNull(v.updated_at)}};
}

json::object toJson(const core::ContactIdentity& v) {
  json::object o{{"id", v.id.value},
                 {"contact_id", v.contact_id.value},
                 {"kind", core::toString(v.kind)},
                 {"value", v.value},
                 {"verified", v.verified},
                 {"created_at", isoOrNull(v.created_at)}};
  if (!v.scope.empty()) o["scope"] = v.scope;
  return o;
}

json::object toJson(const core::Conversation& v) {
  json::array labels;
  for (const auto& l : v.labels) labels.push_back(json::value(l));
  return {{"id", v.id.value},
          {"inbox_id", v.inbox_id.value},
          {"contact_id", v.contact_id.value},
          {"status", core::toString(v.status)},
          {"priority", core::toString(v.priority)},
          {"labels", labels},
          {"assignee_id", idOrNull(v.assignee_id.value)},
          {"team_id", idOrNull(v.team_id.value)},
          {"snoozed_until", isoOrNull(v.snoozed_until)},
          {"created_at", isoOrNull(v.created_at)},
          {"last_activity_at", isoOrNull(v.last_activity_at)},
          {"first_response_at", isoOrNull(v.first_response_at)},
          {"resolved_at", isoOrNull(v.resolved_at)},
          {"last_incoming_at", isoOrNull(v.last_incoming_at)},
          {"customer_window_expires_at", v.customer_window_expires_at ? isoOrNull(*v.customer_window_expires_at) : json::value(nullptr)},
          {"public", v.is_public},
          {"queue_id", idOrNull(v.queue_id.value)},
          {"enqueued_at", v.queue_id.valid() ? isoOrNull(v.enqueued_at) : json::value(nullptr)},
          {"routing_state", routingStateOf(v)}};
}

json::object toJson(const core::Message& v) {
  json::object o{{"id", v.id.value},
                 {"conversation_id", v.conversation_id.value},
                 {"inbox_id", v.inbox_id.value},
                 {"direction", core::toString(v.direction)},
                 {"private", v.direction == core::MessageDirection::Note},
                 {"kind", core::toString(v.kind)},
                 {"text", v.text},
                 {"payload", parseOrEmpty(v.payload_json)},
                 {"sender_user_id", idOrNull(v.sender_user_id.value)},
                 {"sender_contact_id", idOrNull(v.sender_contact_id.value)},
                 {"external_id", v.external_id.empty() ? json::value(nullptr) : json::value(v.external_id)},
                 {"reply_to_id", idOrNull(v.reply_to_id.value)},
                 {"delivery_status", core::toString(v.delivery_status)},
                 {"delivery_error", v.delivery_error.empty() ? json::value(nullptr) : json::value(v.delivery_error)},
                 {"attachment_ids", ids(v.attachment_ids)},
                 {"created_at", isoOrNull(v.created_at)},
                 {"updated_at", isoOrNull(v.updated_at)}};
  if (v.latitude && v.longitude) {
    o["location"] = json::object{{"latitude", *v.latitude}, {"longitude", *v.longitude}, {"name", v.location_name}};
  } else {
    o["location"] = nullptr;
  }
  return o;
}

json::object toJson(const core::Attachment& v) {
  return {{"id", v.id.value},
          {"message_id", idOrNull(v.message_id.value)},
          {"filename", v.filename},
          {"content_type", v.content_type},
          {"size", v.size},
          {"sha256", v.sha256},
          {"state", core::toString(v.state)},
          {"error", v.error.empty() ? json::value(nullptr) : json::value(v.error)},
          {"url", "/api/v1/attachments/" + std::to_string(v.id.value)},
          {"created_at", isoOrNull(v.created_at)}};
}

json::object toJson(const core::CannedResponse& v) {
  return {{"id", v.id.value},
          {"short_code", v.short_code},
          {"language", core::toString(v.language)},
          {"content", v.content},
          {"created_at", isoOrNull(v.created_at)},
          {"updated_at", isoOrNull(v.updated_at)}};
}

json::object toJson(const core::ApiToken& v) {
  return {{"id", v.id.value},
          {"name", v.name},
          {"user_id", v.user_id.value},
          {"revoked", v.revoked},
          {"last_used_at", isoOrNull(v.last_used_at)},
          {"created_at", isoOrNull(v.created_at)}};
}

Response jsonResponse(int status, const json::value& body) {
  return Response{status, json::serialize(body), "application/json", {}};
}

core::Result<json::object> parseJsonObject(const Request& request) {
  std::string type = request.header("content-type");
  auto semicolon = type.find(';');
  if (semicolon != std::string::npos) type.resize(semicolon);
  while (!type.empty() && type.back() == ' ') type.pop_back();
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (type != "application/json") {
    return core::makeError(core::ErrorCode::Unsupported, "send the body as Content-Type: application/json");
  }
  auto parsed = channels::parseUntrustedJson(request.body, request.body.size(), 32);  // size: the server's body limit
  if (!parsed) return parsed.error();
  json::value& v = *parsed;
  if (!v.is_object()) return core::makeError(core::ErrorCode::InvalidInput, "the body must be a JSON object");
  return std::move(v.as_object());
}

core::Result<std::optional<std::string>> optString(const json::object& o, const char* key, std::size_t max_len) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::string>{};
  if (!it->value().is_string()) return core::makeError(core::ErrorCode::InvalidInput, std::string(key) + ": must be a string");
  const auto& s = it->value().get_string();
  if (s.size() > max_len) {
    return core::makeError(core::ErrorCode::InvalidInput,
                           std::string(key) + ": at most " + std::to_string(max_len) + " characters");
  }
  return std::optional<std::string>(std::string(s));
}

core::Result<std::string> reqString(const json::object& o, const char* key, std::size_t max_len) {
  auto v = optString(o, key, max_len);
  if (!v) return v.error();
  if (!*v || (*v)->empty()) return core::makeError(core::ErrorCode::InvalidInput, std::string(key) + ": is required");
  return std::move(**v);
}

core::Result<std::optional<std::int64_t>> optInt(const json::object& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::int64_t>{};
  if (it->value().is_int64()) return std::optional<std::int64_t>(it->value().get_int64());
  if (it->value().is_uint64() && it->value().get_uint64() <= INT64_MAX) {
    return std::optional<std::int64_t>(static_cast<std::int64_t>(it->value().get_uint64()));
  }
  return core::makeError(core::ErrorCode::InvalidInput, std::string(key) + ": must be an integer");
}

core::Result<std::optional<bool>> optBool(const json::object& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<bool>{};
  if (!it->value().is_bool()) return core::makeError(core::ErrorCode::InvalidInput, std::string(key) + ": must be true or false");
  return std::optional<bool>(it->value().get_bool());
}

core::Result<std::optional<std::vector<std::string>>> optStringArray(const json::object& o, const char* key,
                                                                     std::size_t max_items) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::vector<std::string>>{};
  if (!it->value().is_array()) return core::makeError(core::ErrorCode::InvalidInput, std::string(key) + ": must be an array of strings");
  const auto& a = it->value().get_array();
  if (a.size() > max_items) return core::makeError(core::ErrorCode::InvalidInput, std::string(key) + ": too many items");
  std::vector<std::string> out;
  for (const auto& v : a) {
    if (!v.is_string()) return core::makeError(core::ErrorCode::InvalidInput, std::string(key) + ": must be an array of strings");
    out.emplace_back(v.get_string());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

core::Result<std::optional<std::vector<std::int64_t>>> optIdArray(const json::object& o, const char* key,
                                                                  std::size_t max_items) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::vector<std::int64_t>>{};
  if (!it->value().is_array()) return core::makeError(core::ErrorCode::InvalidInput, std::string(key) + ": must be an array of ids");
  const auto& a = it->value().get_array();
  if (a.size() > max_items) return core::makeError(core::ErrorCode::InvalidInput, std::string(key) + ": too many items");
  std::vector<std::int64_t> out;
  for (const auto& v : a) {
    if (!v.is_int64() || v.get_int64() <= 0) {
      return core::makeError(core::ErrorCode::InvalidInput, std::string(key) + ": must be an array of positive integers");
    }
    out.push_back(v.get_int64());
  }
  return std::optional<std::vector<std::int64_t>>(std::move(out));
}

core::Status rejectUnknownKeys(const json::object& o, std::initializer_list<const char*> allowed) {
  for (const auto& kv : o) {
    bool known = false;
    for (const char* a : allowed) known = known || kv.key() == a;
    if (!known) return core::makeError(core::ErrorCode::InvalidInput, "unknown field: " + std::string(kv.key()));
  }
  return {};
}

}  // namespace parley::http
