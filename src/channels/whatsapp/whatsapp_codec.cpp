#include "channels/whatsapp/whatsapp_codec.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>
#include <unordered_map>
#include <utility>

#include "app/crypto.hpp"
#include "channels/common/code_points.hpp"
#include "channels/common/json_fields.hpp"
#include "channels/common/json_input.hpp"
#include "channels/common/send_answer.hpp"
#include "core/text.hpp"

namespace parley::channels::whatsapp {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;

namespace {

// ---- small JSON accessors (channels/common/json_fields.hpp): absent/null -> nullopt, wrong type ->
// InvalidInput with the path ----

// Meta's: limits in characters, ids as strings (an integer kept as its decimal text).
using namespace json_fields::meta;
static_assert(kMaxIdLength == json_fields::meta::kMaxIdLength);

// Meta's timestamps are Unix seconds as a decimal string ("1749416383"); an integer is accepted
// too. Returns milliseconds, 0 when absent.
core::Result<core::TimestampMs> timestampMs(const json::object& o, const std::string& path) {
  const json::value* v = find(o, "timestamp");
  if (!v) return core::TimestampMs{0};
  std::int64_t seconds = 0;
  constexpr std::int64_t kMaxSeconds = 100'000'000'000;  // year ~5138: far beyond any real value
  if (v->is_int64() || v->is_uint64()) {
    if (v->is_uint64() && v->get_uint64() > static_cast<std::uint64_t>(kMaxSeconds)) {
      return makeError(ErrorCode::InvalidInput, path + ".timestamp: out of range");
    }
    seconds = v->is_int64() ? v->get_int64() : static_cast<std::int64_t>(v->get_uint64());
  } else if (v->is_string()) {
    const auto& s = v->get_string();
    if (s.empty() || s.size() > 12 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return makeError(ErrorCode::InvalidInput, path + ".timestamp: must be Unix seconds as digits");
    }
    for (char c : s) seconds = seconds * 10 + (c - '0');
  } else {
    return wrongType(path + ".timestamp", "a string of Unix seconds");
  }
  if (seconds < 0 || seconds > kMaxSeconds) return makeError(ErrorCode::InvalidInput, path + ".timestamp: out of range");
  return core::TimestampMs{seconds * 1000};
}

#define WA_TRY(var, expr)                         \
  auto var##_result = (expr);                     \
  if (!var##_result) return var##_result.error(); \
  auto var = std::move(*var##_result)

// ---- error objects (statuses[].errors[], messages[].errors[]) ------------------------------------

struct ProviderError {
  std::string code;  // kept as text: documented as an integer, but nothing depends on its range
  std::string title, message, details, href;
};

core::Result<std::vector<ProviderError>> readErrors(const json::object& o, const std::string& path) {
  std::vector<ProviderError> out;
  WA_TRY(list, optArray(o, "errors", path));
  if (!list) return out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string p = path + ".errors[" + std::to_string(i) + "]";
    if (!(*list)[i].is_object()) return wrongType(p, "an object");
    const auto& e = (*list)[i].get_object();
    ProviderError error;
    if (const json::value* code = find(e, "code")) {
      if (code->is_int64()) error.code = std::to_string(code->get_int64());
      else if (code->is_uint64()) error.code = std::to_string(code->get_uint64());
      else if (code->is_string()) error.code = std::string(code->get_string());
      else return wrongType(p + ".code", "an integer");
    }
    WA_TRY(title, optString(e, "title", p));
    WA_TRY(message, optString(e, "message", p));
    WA_TRY(href, optString(e, "href", p));
    WA_TRY(data, optObject(e, "error_data", p));
    error.title = title.value_or("");
    error.message = message.value_or("");
    error.href = href.value_or("");
    if (data) {
      WA_TRY(details, optString(*data, "details", p + ".error_data"));
      error.details = details.value_or("");
    }
    // Older payloads put "details" directly on the error (unsupported messages).
    if (error.details.empty()) {
      WA_TRY(details, optString(e, "details", p));
      error.details = details.value_or("");
    }
    out.push_back(std::move(error));
  }
  return out;
}

// "131026 Message undeliverable: <message>: <details>", repeated parts dropped, several errors
// joined with "; ".
std::string describeErrors(const std::vector<ProviderError>& errors) {
  std::string out;
  for (const auto& e : errors) {
    std::string one = e.code;
    std::vector<const std::string*> parts;
    for (const std::string* part : {&e.title, &e.message, &e.details}) {
      if (part->empty()) continue;
      bool repeated = false;
      for (const auto* seen : parts) repeated = repeated || *seen == *part;
      if (!repeated) parts.push_back(part);
    }
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (!one.empty()) one += i == 0 ? " " : ": ";
      one += *parts[i];
    }
    if (one.empty()) continue;
    if (!out.empty()) out += "; ";
    out += one;
  }
  return out;
}

json::array errorsJson(const std::vector<ProviderError>& errors) {
  json::array out;
  for (const auto& e : errors) {
    json::object o{{"code", e.code}, {"title", e.title}, {"message", e.message}, {"details", e.details}};
    if (!e.href.empty()) o["href"] = e.href;
    out.push_back(std::move(o));
  }
  return out;
}

// ---- one message --------------------------------------------------------------------------------

struct ChangeContext {
  std::string account_id;  // metadata.phone_number_id
  // value.contacts[] by wa_id and by user_id (the business-scoped user id, BSUID): a sender's
  // profile name is looked up by the sender's id, never by array position.
  std::unordered_map<std::string, std::string> names;
};

// 2 -> "2", 7.99 -> "7.99" (a quantity or a price as a person writes it).
std::string numberText(double v) {
  char buffer[32];
  if (v == static_cast<double>(static_cast<long long>(v)) && v > -1e15 && v < 1e15) {
    std::snprintf(buffer, sizeof buffer, "%lld", static_cast<long long>(v));
  } else {
    std::snprintf(buffer, sizeof buffer, "%.2f", v);
  }
  return buffer;
}

bool allDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "+16505551234" -> "16505551234"; anything else unchanged.
std::string withoutPlus(std::string id) {
  if (id.size() > 1 && id.front() == '+' &&
      std::all_of(id.begin() + 1, id.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    id.erase(0, 1);
  }
  return id;
}

core::Status readMedia(const json::object& body, const std::string& path, core::MessageKind kind, core::InboundMessage& m,
                       json::object& payload) {
  WA_TRY(id, optId(body, "id", path));
  if (!id || id->empty()) return makeError(ErrorCode::InvalidInput, path + ".id: the media id is required");
  WA_TRY(mime, optString(body, "mime_type", path, 255));
  WA_TRY(sha, optString(body, "sha256", path, 255));
  WA_TRY(caption, optString(body, "caption", path));
  WA_TRY(filename, optString(body, "filename", path, 1024));
  core::InboundMedia media;
  media.provider_ref = *id;
  media.mime_type = mime.value_or("");
  media.sha256 = sha.value_or("");
  media.filename = filename.value_or("");
  m.media.push_back(std::move(media));
  m.text = caption.value_or("");
  if (kind == core::MessageKind::Audio) {
    WA_TRY(voice, optBool(body, "voice", path));
    if (voice) payload["voice"] = *voice;
  }
  if (kind == core::MessageKind::Sticker) {
    WA_TRY(animated, optBool(body, "animated", path));
    if (animated) payload["animated"] = *animated;
  }
  return {};
}

// `echo`: a message the business sent from the WhatsApp Business app (smb_message_echoes): the
// customer is its `to`, and it is stored as the business's, never as the customer's.
core::Result<core::InboundMessage> readMessage(const json::object& o, const std::string& path, const ChangeContext& change,
                                               bool echo = false) {
  core::InboundMessage m;
  m.account_id = change.account_id;
  m.echo = echo;
  WA_TRY(id, optId(o, "id", path));
  if (!id || id->empty()) return makeError(ErrorCode::InvalidInput, path + ".id: the message id is required");
  m.external_id = *id;

  // The customer: `from` is the wa_id (the phone number, digits only). With WhatsApp usernames a
  // message may carry only `from_user_id`, the business-scoped user id (BSUID).
  const char* key = echo ? "to" : "from";
  WA_TRY(from, optId(o, key, path));
  WA_TRY(from_user_id, optId(o, echo ? "to_user_id" : "from_user_id", path));
  // Meta's parameter tables give the sender's number as "+16505551234" and its examples as
  // "16505551234": both are the same person, kept without the '+'.
  const std::string wa_id = withoutPlus(from.value_or(""));
  const std::string bsuid = from_user_id.value_or("");
  if (wa_id.empty() && bsuid.empty()) {
    return makeError(ErrorCode::InvalidInput, path + "." + key + ": the customer's WhatsApp id is required");
  }
  m.contact.external_id = wa_id.empty() ? bsuid : wa_id;
  // Both given: the BSUID is kept too, so a later message that carries only the BSUID (the
  // customer took a username and hides their number) finds the same contact.
  if (!wa_id.empty() && !bsuid.empty()) m.contact.also_external_ids.push_back(bsuid);
  if (allDigits(wa_id)) {
    m.contact.phone = "+" + wa_id;  // wa_id is the international number without '+'
  }
  m.contact.verified = true;  // Meta signed the payload and vouches for wa_id
  if (auto it = change.names.find(wa_id); !wa_id.empty() && it != change.names.end()) {
    m.contact.name = it->second;
  } else if (auto it2 = change.names.find(bsuid); !bsuid.empty() && it2 != change.names.end()) {
    m.contact.name = it2->second;
  }

  WA_TRY(sent_at, timestampMs(o, path));
  m.sent_at = sent_at;

  json::object payload;
  // A message in a group (Groups API, "messages" webhook: "group_id" names the group, "from" the
  // participant who wrote): the group is the contact, as one conversation, answered in the group;
  // who wrote is kept in payload.group_participant, never made an identity of the group.
  WA_TRY(group_id, optId(o, "group_id", path));
  if (group_id && !group_id->empty() && !echo) {
    if (!isGroupId(*group_id)) return makeError(ErrorCode::InvalidInput, path + ".group_id: letters, digits, '_', '-' or '='");
    json::object participant{{"name", m.contact.name}};
    if (!wa_id.empty()) participant["wa_id"] = wa_id;
    if (!bsuid.empty()) participant["user_id"] = bsuid;
    payload["group_participant"] = std::move(participant);
    m.contact = {};
    m.contact.external_id = *group_id;
    m.contact.scope_suffix = kGroupScopeSuffix;
    m.contact.name = "WhatsApp group " + group_id->substr(0, 12);
  }
  WA_TRY(context, optObject(o, "context", path));
  if (context) {
    WA_TRY(quoted, optId(*context, "id", path + ".context"));
    m.reply_to_external_id = quoted.value_or("");
    WA_TRY(forwarded, optBool(*context, "forwarded", path + ".context"));
    WA_TRY(often, optBool(*context, "frequently_forwarded", path + ".context"));
    if (forwarded.value_or(false)) payload["forwarded"] = true;
    if (often.value_or(false)) payload["frequently_forwarded"] = true;
    WA_TRY(product, optObject(*context, "referred_product", path + ".context"));
    if (product) payload["referred_product"] = *product;
  }
  // Click-to-WhatsApp ads: the ad the customer came from.
  WA_TRY(referral, optObject(o, "referral", path));
  if (referral) payload["referral"] = *referral;
  WA_TRY(errors, readErrors(o, path));
  if (!errors.empty()) payload["errors"] = errorsJson(errors);

  WA_TRY(type_opt, optString(o, "type", path, 64));
  const std::string type = type_opt.value_or("unknown");
  const std::string tpath = path + "." + type;

  if (type == "text") {
    m.kind = core::MessageKind::Text;
    WA_TRY(text, optObject(o, "text", path));
    if (!text) return makeError(ErrorCode::InvalidInput, tpath + ": required for a text message");
    WA_TRY(body, optString(*text, "body", tpath));
    m.text = body.value_or("");
  } else if (type == "image" || type == "audio" || type == "video" || type == "document" || type == "sticker") {
    static const std::unordered_map<std::string, core::MessageKind> kinds{
        {"image", core::MessageKind::Image},       {"audio", core::MessageKind::Audio},
        {"video", core::MessageKind::Video},       {"document", core::MessageKind::Document},
        {"sticker", core::MessageKind::Sticker}};
    m.kind = kinds.at(type);
    WA_TRY(body, optObject(o, type, path));
    if (!body) return makeError(ErrorCode::InvalidInput, tpath + ": required for a " + type + " message");
    auto status = readMedia(*body, tpath, m.kind, m, payload);
    if (!status) return status.error();
  } else if (type == "location") {
    m.kind = core::MessageKind::Location;
    WA_TRY(loc, optObject(o, "location", path));
    if (!loc) return makeError(ErrorCode::InvalidInput, tpath + ": required for a location message");
    WA_TRY(lat, optNumber(*loc, "latitude", tpath));
    WA_TRY(lon, optNumber(*loc, "longitude", tpath));
    if (!lat || !lon || *lat < -90 || *lat > 90 || *lon < -180 || *lon > 180) {
      return makeError(ErrorCode::InvalidInput, tpath + ": latitude and longitude are required and must be in range");
    }
    m.latitude = lat;
    m.longitude = lon;
    WA_TRY(name, optString(*loc, "name", tpath));
    WA_TRY(address, optString(*loc, "address", tpath));
    WA_TRY(url, optString(*loc, "url", tpath));
    const std::string n = name.value_or(""), a = address.value_or("");
    m.location_name = n.empty() ? a : (a.empty() ? n : n + ", " + a);
    json::object location;
    if (!n.empty()) location["name"] = n;
    if (!a.empty()) location["address"] = a;
    if (url && !url->empty()) location["url"] = *url;
    payload["location"] = std::move(location);
  } else if (type == "contacts") {
    m.kind = core::MessageKind::Contacts;
    WA_TRY(cards, optArray(o, "contacts", path));
    if (!cards) return makeError(ErrorCode::InvalidInput, tpath + ": required for a contacts message");
    std::string names;
    for (std::size_t i = 0; i < cards->size(); ++i) {
      const std::string p = tpath + "[" + std::to_string(i) + "]";
      if (!(*cards)[i].is_object()) return wrongType(p, "an object");
      WA_TRY(name, optObject((*cards)[i].get_object(), "name", p));
      if (!name) continue;
      WA_TRY(formatted, optString(*name, "formatted_name", p + ".name"));
      if (formatted && !formatted->empty()) names += (names.empty() ? "" : ", ") + *formatted;
    }
    m.text = names;
    payload["contacts"] = *cards;  // the shared cards as Meta sent them (name, phones, emails, vcard ...)
  } else if (type == "interactive") {
    m.kind = core::MessageKind::Interactive;
    WA_TRY(inter, optObject(o, "interactive", path));
    if (!inter) return makeError(ErrorCode::InvalidInput, tpath + ": required for an interactive message");
    WA_TRY(itype_opt, optString(*inter, "type", tpath, 64));
    const std::string itype = itype_opt.value_or("");
    payload["interactive_type"] = itype;
    if (itype == "button_reply" || itype == "list_reply") {
      WA_TRY(reply, optObject(*inter, itype, tpath));
      if (!reply) return makeError(ErrorCode::InvalidInput, tpath + "." + itype + ": required");
      WA_TRY(rid, optId(*reply, "id", tpath + "." + itype));
      WA_TRY(title, optString(*reply, "title", tpath + "." + itype));
      WA_TRY(description, optString(*reply, "description", tpath + "." + itype));
      payload["id"] = rid.value_or("");
      payload["title"] = title.value_or("");
      if (description) payload["description"] = *description;
      m.text = title.value_or("");
    } else if (itype == "nfm_reply") {  // a WhatsApp Flow was completed
      WA_TRY(reply, optObject(*inter, "nfm_reply", tpath));
      if (!reply) return makeError(ErrorCode::InvalidInput, tpath + ".nfm_reply: required");
      WA_TRY(name, optString(*reply, "name", tpath + ".nfm_reply"));
      WA_TRY(body, optString(*reply, "body", tpath + ".nfm_reply"));
      WA_TRY(response, optString(*reply, "response_json", tpath + ".nfm_reply"));
      if (name) payload["name"] = *name;
      if (response) payload["response_json"] = *response;
      m.text = body.value_or("");
    } else if (!itype.empty()) {
      if (const json::value* detail = find(*inter, itype)) payload[itype] = *detail;
    }
  } else if (type == "button") {
    // A quick-reply button of a template message ("button" is the legacy name of the kind).
    m.kind = core::MessageKind::Interactive;
    WA_TRY(button, optObject(o, "button", path));
    if (!button) return makeError(ErrorCode::InvalidInput, tpath + ": required for a button message");
    WA_TRY(text, optString(*button, "text", tpath));
    WA_TRY(bpayload, optString(*button, "payload", tpath));
    payload["interactive_type"] = "button";
    payload["title"] = text.value_or("");
    payload["payload"] = bpayload.value_or("");
    m.text = text.value_or("");
  } else if (type == "reaction") {
    m.kind = core::MessageKind::Reaction;
    WA_TRY(reaction, optObject(o, "reaction", path));
    if (!reaction) return makeError(ErrorCode::InvalidInput, tpath + ": required for a reaction message");
    WA_TRY(target, optId(*reaction, "message_id", tpath));
    if (!target || target->empty()) return makeError(ErrorCode::InvalidInput, tpath + ".message_id: required");
    // Meta: "When an end user removes a reaction emoji, WhatsApp sends a webhook without the
    // emoji field"; older payloads sent an empty string. Both mean removal.
    WA_TRY(emoji, optString(*reaction, "emoji", tpath, 64));
    const std::string e = emoji.value_or("");
    payload["emoji"] = e;
    payload["message_id"] = *target;
    payload["removed"] = e.empty();
    m.text = e;
    m.reply_to_external_id = *target;
  } else if (type == "system") {
    // A system type Parley does not act on (readSystem took the number and identity changes):
    // kept as an Unsupported message whose text is Meta's own sentence, the details in payload_json.
    m.kind = core::MessageKind::Unsupported;
    WA_TRY(system, optObject(o, "system", path));
    payload["type"] = "system";
    if (system) {
      WA_TRY(body, optString(*system, "body", tpath));
      m.text = body.value_or("");
      payload["system"] = *system;
    }
  } else if (type == "order") {
    // A basket sent from the business's catalog (.../webhooks/reference/messages/order): no kind
    // of its own, so kept as Unsupported with the customer's note and the items as its text, the
    // order itself in payload_json.
    m.kind = core::MessageKind::Unsupported;
    payload["type"] = "order";
    WA_TRY(order, optObject(o, "order", path));
    if (order) {
      payload["order"] = *order;
      WA_TRY(note, optString(*order, "text", tpath));
      m.text = note.value_or("");
      WA_TRY(items, optArray(*order, "product_items", tpath));
      // One line an item (the first 50; the whole order stays in the payload).
      for (std::size_t i = 0; items && i < items->size() && i < 50; ++i) {
        const std::string ip = tpath + ".product_items[" + std::to_string(i) + "]";
        if (!(*items)[i].is_object()) return wrongType(ip, "an object");
        const auto& item = (*items)[i].get_object();
        WA_TRY(product, optId(item, "product_retailer_id", ip));
        WA_TRY(quantity, optNumber(item, "quantity", ip));
        WA_TRY(price, optNumber(item, "item_price", ip));
        WA_TRY(currency, optString(item, "currency", ip, 16));
        std::string line = numberText(quantity.value_or(1)) + " x " + product.value_or("?");
        if (price) line += " (" + numberText(*price) + (currency ? " " + *currency : "") + ")";
        m.text += (m.text.empty() ? "" : "\n") + line;
      }
    }
  } else {
    // "unsupported" (and the older "unknown") with errors[], or a type this codec does not know.
    m.kind = core::MessageKind::Unsupported;
    payload["type"] = type;
    if (const json::value* detail = find(o, type); detail && detail->is_object()) payload[type] = *detail;
  }
  if (!payload.empty()) m.payload_json = json::serialize(payload);
  return m;
}

// ---- a system message ---------------------------------------------------------------------------

// {"type":"system","system":{"body","type","wa_id" | "new_wa_id","customer","identity"}}: the
// customer's number or security code changed. nullopt for any other system type (kept as a
// message by readMessage, as before). The sender is `from`, else the older system.customer, else
// from_user_id (a username without a shared number).
core::Result<std::optional<SystemChange>> readSystem(const json::object& o, const std::string& path, const std::string& account_id) {
  using Kind = app::CustomerAccountChange::Kind;
  const std::string sp = path + ".system";
  WA_TRY(system, optObject(o, "system", path));
  if (!system) return makeError(ErrorCode::InvalidInput, sp + ": required for a system message");
  WA_TRY(type, optString(*system, "type", sp, 64));
  const std::string t = type.value_or("");
  std::optional<Kind> kind;
  if (t == "user_changed_number" || t == "customer_changed_number") kind = Kind::NumberChanged;
  if (t == "customer_identity_changed" || t == "user_identity_changed") kind = Kind::IdentityChanged;
  // The customer's business-scoped user id (BSUID) changed and no number may be shared (changelog
  // of 11 Aug 2026: system.previous_user_id and previous_parent_user_id "alongside the new
  // values"): to Parley the same as a new number, a new channel id for the same contact.
  const bool user_id_changed = t == "user_changed_user_id";
  if (user_id_changed) kind = Kind::NumberChanged;
  if (!kind) return std::optional<SystemChange>();

  SystemChange out;
  out.account_id = account_id;
  app::CustomerAccountChange& c = out.change;
  c.kind = *kind;
  c.provider_type = t;
  WA_TRY(id, optId(o, "id", path));
  if (!id || id->empty()) return makeError(ErrorCode::InvalidInput, path + ".id: the message id is required");
  c.message_id = *id;
  WA_TRY(from, optId(o, "from", path));
  WA_TRY(customer, optId(*system, "customer", sp));
  WA_TRY(from_user_id, optId(o, "from_user_id", path));
  WA_TRY(previous_user_id, optId(*system, "previous_user_id", sp));
  WA_TRY(new_user_id, optId(*system, "user_id", sp));
  if (user_id_changed) {
    // Old id: previous_user_id. New id: system.user_id, else the message's from_user_id.
    c.external_id = previous_user_id.value_or("");
    c.new_external_id = new_user_id && !new_user_id->empty() ? *new_user_id : from_user_id.value_or("");
    if (c.external_id.empty()) return makeError(ErrorCode::InvalidInput, sp + ".previous_user_id: required for " + t);
    if (c.new_external_id.empty()) return makeError(ErrorCode::InvalidInput, sp + ".user_id: the customer's new user id is required for " + t);
    WA_TRY(body, optString(*system, "body", sp, 4096));
    c.text = body.value_or("");
    if (c.text.empty()) c.text = "The customer's WhatsApp user id changed from " + c.external_id + " to " + c.new_external_id;
    return std::optional<SystemChange>(std::move(out));
  }
  for (const auto* candidate : {&from, &customer, &from_user_id, &previous_user_id}) {
    if (c.external_id.empty() && *candidate) c.external_id = withoutPlus(**candidate);
  }
  if (c.external_id.empty()) return makeError(ErrorCode::InvalidInput, path + ".from: the customer's WhatsApp id is required");
  if (allDigits(c.external_id)) c.old_phone = "+" + c.external_id;
  // Meta's sentence, e.g. "User Sheena Nelson changed from 16505551234 to 12195555358".
  WA_TRY(body, optString(*system, "body", sp, 4096));
  c.text = body.value_or("");
  WA_TRY(identity, optString(*system, "identity", sp, 1024));  // the new code's hash: checked, not kept
  (void)identity;
  if (*kind == Kind::NumberChanged) {
    // Since Graph API v12 the new number is system.wa_id; before, system.new_wa_id.
    WA_TRY(wa_id, optId(*system, "wa_id", sp));
    WA_TRY(new_wa_id, optId(*system, "new_wa_id", sp));
    c.new_external_id = withoutPlus(wa_id && !wa_id->empty() ? *wa_id : new_wa_id.value_or(""));
    if (c.new_external_id.empty()) {
      return makeError(ErrorCode::InvalidInput, sp + ".wa_id: the customer's new WhatsApp id is required for " + t);
    }
    if (allDigits(c.new_external_id)) c.new_phone = "+" + c.new_external_id;
  }
  return std::optional<SystemChange>(std::move(out));
}

// ---- an edit ------------------------------------------------------------------------------------

// {"type":"edit","edit":{"original_message_id","message":{"type":"text","text":{"body"}} or a
// captioned medium}}: the new text of the original message. nullopt for a revoke, or an edit
// with no text Parley shows (counted as ignored).
core::Result<std::optional<core::InboundEdit>> readEdit(const json::object& o, const std::string& path, const std::string& type,
                                                        const std::string& account_id) {
  if (type != "edit") return std::optional<core::InboundEdit>();
  WA_TRY(edit, optObject(o, "edit", path));
  if (!edit) return std::optional<core::InboundEdit>();
  const std::string ep = path + ".edit";
  WA_TRY(original, optId(*edit, "original_message_id", ep));
  WA_TRY(message, optObject(*edit, "message", ep));
  if (!original || original->empty() || !message) return std::optional<core::InboundEdit>();
  WA_TRY(inner_type, optString(*message, "type", ep + ".message", 64));
  const std::string kind = inner_type.value_or("");
  WA_TRY(content, optObject(*message, kind.empty() ? "text" : kind, ep + ".message"));
  if (!content) return std::optional<core::InboundEdit>();
  WA_TRY(text, optString(*content, kind == "text" ? "body" : "caption", ep + ".message." + kind));
  if (!text) return std::optional<core::InboundEdit>();
  core::InboundEdit out;
  out.account_id = account_id;
  out.provider_message_id = *original;
  out.text = *text;
  WA_TRY(at, timestampMs(o, path));
  out.at = at;
  return std::optional<core::InboundEdit>(std::move(out));
}

// ---- one status ---------------------------------------------------------------------------------

// nullopt: a status value this codec does not handle (counted as ignored).
core::Result<std::optional<core::InboundStatus>> readStatus(const json::object& o, const std::string& path,
                                                            const std::string& account_id) {
  core::InboundStatus s;
  s.account_id = account_id;
  WA_TRY(id, optId(o, "id", path));
  if (!id || id->empty()) return makeError(ErrorCode::InvalidInput, path + ".id: the message id is required");
  s.provider_message_id = *id;
  WA_TRY(status, optString(o, "status", path, 64));
  if (!status) return makeError(ErrorCode::InvalidInput, path + ".status: required");
  WA_TRY(at, timestampMs(o, path));
  s.at = at;
  WA_TRY(errors, readErrors(o, path));
  if (*status == "sent") {
    s.status = core::DeliveryStatus::Sent;
  } else if (*status == "delivered") {
    s.status = core::DeliveryStatus::Delivered;
  } else if (*status == "read" || *status == "played") {
    // "played": a voice message was played for the first time, which it cannot be unread.
    s.status = core::DeliveryStatus::Read;
  } else if (*status == "failed") {
    s.status = core::DeliveryStatus::Failed;
    s.error = describeErrors(errors);
    if (s.error.empty()) s.error = "failed (WhatsApp gave no reason)";
  } else {
    return std::optional<core::InboundStatus>();
  }
  return std::optional<core::InboundStatus>(std::move(s));
}

// ---- one change ---------------------------------------------------------------------------------

// value.metadata.phone_number_id: the business number, which picks the inbox.
core::Result<std::string> phoneNumberId(const json::object& value, const std::string& path) {
  WA_TRY(metadata, optObject(value, "metadata", path));
  if (!metadata) return makeError(ErrorCode::InvalidInput, path + ".metadata: required");
  WA_TRY(phone_number_id, optId(*metadata, "phone_number_id", path + ".metadata"));
  if (!phone_number_id || phone_number_id->empty()) {
    return makeError(ErrorCode::InvalidInput, path + ".metadata.phone_number_id: required");
  }
  return *phone_number_id;
}

// A message of type edit or revoke (true; anything else false): a sent message was edited or
// deleted. The stored message changes, none is added; a deletion keeps the message for the
// record (counted as ignored).
core::Result<bool> readEditOrRevoke(const json::object& object, const std::string& path, const std::string& account_id,
                                    core::InboundBatch& batch) {
  WA_TRY(type, optString(object, "type", path, 64));
  const std::string kind = type.value_or("");
  if (kind != "edit" && kind != "revoke") return false;
  WA_TRY(edit, readEdit(object, path, kind, account_id));
  if (edit) batch.edits.push_back(std::move(*edit));
  else ++batch.ignored;
  return true;
}

// An smb_message_echoes change: what the business wrote from the WhatsApp Business app on a
// number shared with the Cloud API (embedded-signup/reconnect-offboarded-coexistence-clients).
core::Status readEchoesChange(const json::object& value, const std::string& path, core::InboundBatch& batch) {
  ChangeContext change;
  WA_TRY(account, phoneNumberId(value, path));
  change.account_id = account;
  WA_TRY(echoes, optArray(value, "message_echoes", path));
  for (std::size_t i = 0; echoes && i < echoes->size(); ++i) {
    const std::string p = path + ".message_echoes[" + std::to_string(i) + "]";
    if (!(*echoes)[i].is_object()) return wrongType(p, "an object");
    const auto& object = (*echoes)[i].get_object();
    // The business edited or deleted, in the app, a message it sent: as the customer's own.
    WA_TRY(changed, readEditOrRevoke(object, p, change.account_id, batch));
    if (changed) continue;
    WA_TRY(message, readMessage(object, p, change, true));
    batch.messages.push_back(std::move(message));
  }
  return {};
}

core::Status readMessagesChange(const json::object& value, const std::string& path, core::InboundBatch& batch,
                               std::vector<SystemChange>& system_changes) {
  ChangeContext change;
  WA_TRY(account, phoneNumberId(value, path));
  change.account_id = account;

  WA_TRY(contacts, optArray(value, "contacts", path));
  if (contacts) {
    for (std::size_t i = 0; i < contacts->size(); ++i) {
      const std::string p = path + ".contacts[" + std::to_string(i) + "]";
      if (!(*contacts)[i].is_object()) return wrongType(p, "an object");
      const auto& c = (*contacts)[i].get_object();
      WA_TRY(wa_id, optId(c, "wa_id", p));
      WA_TRY(user_id, optId(c, "user_id", p));
      WA_TRY(profile, optObject(c, "profile", p));
      std::string name;
      if (profile) {
        WA_TRY(n, optString(*profile, "name", p + ".profile", 1024));
        name = n.value_or("");
      }
      if (wa_id && !wa_id->empty()) change.names[withoutPlus(*wa_id)] = name;
      if (user_id && !user_id->empty()) change.names[*user_id] = name;
    }
  }

  WA_TRY(messages, optArray(value, "messages", path));
  if (messages) {
    for (std::size_t i = 0; i < messages->size(); ++i) {
      const std::string p = path + ".messages[" + std::to_string(i) + "]";
      if (!(*messages)[i].is_object()) return wrongType(p, "an object");
      const auto& object = (*messages)[i].get_object();
      WA_TRY(changed, readEditOrRevoke(object, p, change.account_id, batch));
      if (changed) continue;
      WA_TRY(type, optString(object, "type", p, 64));
      if (type && *type == "system") {
        // The customer changed their number or security code: no message, a change of the contact.
        WA_TRY(system, readSystem(object, p, change.account_id));
        if (system) {
          system_changes.push_back(std::move(*system));
          continue;
        }
      }
      WA_TRY(message, readMessage(object, p, change));
      batch.messages.push_back(std::move(message));
    }
  }
  WA_TRY(statuses, optArray(value, "statuses", path));
  if (statuses) {
    for (std::size_t i = 0; i < statuses->size(); ++i) {
      const std::string p = path + ".statuses[" + std::to_string(i) + "]";
      if (!(*statuses)[i].is_object()) return wrongType(p, "an object");
      WA_TRY(status, readStatus((*statuses)[i].get_object(), p, change.account_id));
      if (status) {
        batch.statuses.push_back(std::move(*status));
      } else {
        ++batch.ignored;
      }
    }
  }
  // value.errors[]: errors about the account or app, not about one message. Nothing to store.
  WA_TRY(errors, optArray(value, "errors", path));
  if (errors) batch.ignored += static_cast<int>(errors->size());
  return {};
}

core::Result<json::value> parseJson(std::string_view body) {
  return parseUntrustedJson(body, kMaxWebhookBytes, kMaxJsonDepth);
}

bool validPathSegment(std::string_view id) {
  return !id.empty() && id.size() <= 256 && id != "." && id != ".." &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
         });
}

std::string joinUrl(std::string_view base, std::string_view tail) {
  std::string out(base);
  while (!out.empty() && out.back() == '/') out.pop_back();
  out += '/';
  out += tail;
  return out;
}

bool isHttpUrl(std::string_view url) { return url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0; }

}  // namespace

core::Result<core::InboundBatch> parseWebhook(std::string_view raw_body) {
  WA_TRY(parsed, parseWebhookBatch(raw_body));
  return std::move(parsed.batch);
}

core::Result<WebhookBatch> parseWebhookBatch(std::string_view raw_body) {
  WA_TRY(root, parseJson(raw_body));
  if (!root.is_object()) return makeError(ErrorCode::InvalidInput, "the body must be a JSON object");
  const auto& o = root.get_object();
  WebhookBatch parsed;
  core::InboundBatch& batch = parsed.batch;
  WA_TRY(object, optString(o, "object", "body", 256));
  WA_TRY(entries, optArray(o, "entry", "body"));
  if (!entries) return makeError(ErrorCode::InvalidInput, "entry: an array is required");
  if (object && *object != "whatsapp_business_account") {
    // Another Meta product posted to this URL (a Page, Instagram): accepted, nothing to do.
    batch.ignored += 1;
    return parsed;
  }
  for (std::size_t e = 0; e < entries->size(); ++e) {
    const std::string ep = "entry[" + std::to_string(e) + "]";
    if (!(*entries)[e].is_object()) return wrongType(ep, "an object");
    WA_TRY(changes, optArray((*entries)[e].get_object(), "changes", ep));
    if (!changes) continue;
    for (std::size_t c = 0; c < changes->size(); ++c) {
      const std::string cp = ep + ".changes[" + std::to_string(c) + "]";
      if (!(*changes)[c].is_object()) return wrongType(cp, "an object");
      const auto& change = (*changes)[c].get_object();
      WA_TRY(field, optString(change, "field", cp, 256));
      if (!field || (*field != "messages" && *field != "smb_message_echoes")) {
        ++batch.ignored;  // account_update, message_template_status_update, history ...
        continue;
      }
      WA_TRY(value, optObject(change, "value", cp));
      if (!value) return makeError(ErrorCode::InvalidInput, cp + ".value: required");
      auto status = *field == "messages" ? readMessagesChange(*value, cp + ".value", batch, parsed.system_changes)
                                         : readEchoesChange(*value, cp + ".value", batch);
      if (!status) return status.error();
    }
  }
  return parsed;
}

std::string signatureHeader(std::string_view app_secret, std::string_view raw_body) {
  return "sha256=" + app::hmacSha256Hex(app_secret, raw_body);
}

bool verifySignature(std::string_view app_secret, std::string_view raw_body, std::string_view header) {
  constexpr std::string_view kPrefix = "sha256=";
  if (app_secret.empty() || header.size() != kPrefix.size() + 64 || header.substr(0, kPrefix.size()) != kPrefix) {
    return false;
  }
  std::string given(header.substr(kPrefix.size()));
  for (auto& ch : given) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return app::constantTimeEqual(given, app::hmacSha256Hex(app_secret, raw_body));
}

bool verifyHandshake(std::string_view mode, std::string_view verify_token_expected, std::string_view verify_token_given) {
  if (mode != "subscribe" || verify_token_expected.empty()) return false;
  return app::constantTimeEqual(verify_token_expected, verify_token_given);
}

// ---- outbound -----------------------------------------------------------------------------------

bool isBusinessScopedUserId(std::string_view id) {
  auto alnum = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (id.size() < 4 || !(id[0] >= 'A' && id[0] <= 'Z') || !(id[1] >= 'A' && id[1] <= 'Z') || id[2] != '.') return false;
  std::string_view rest = id.substr(3);
  if (rest.rfind("ENT.", 0) == 0) rest.remove_prefix(4);
  return !rest.empty() && rest.size() <= 128 && std::all_of(rest.begin(), rest.end(), alnum);
}

bool isGroupId(std::string_view id) {
  return !id.empty() && id.size() <= 256 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '=';
  });
}

core::Result<std::string> encodeSend(const SendRequest& request) {
  std::string to = request.to;
  const bool group = to.rfind(kGroupRecipientPrefix, 0) == 0;
  if (group) {
    to.erase(0, std::string_view(kGroupRecipientPrefix).size());
    if (!isGroupId(to)) return makeError(ErrorCode::InvalidInput, "to: not a WhatsApp group id");
  }
  const bool bsuid = !group && isBusinessScopedUserId(to);
  if (!group && !bsuid && !to.empty() && to.front() == '+') to.erase(0, 1);
  if (!group && !bsuid &&
      (to.size() < 5 || to.size() > 20 || !std::all_of(to.begin(), to.end(), [](char c) { return c >= '0' && c <= '9'; }))) {
    return makeError(ErrorCode::InvalidInput,
                     "to: the recipient must be a WhatsApp phone number (digits, optional '+') or a business-scoped user id");
  }
  // Everything that goes into the JSON body must be valid UTF-8 (the serializer copies bytes).
  std::vector<const std::string*> texts{&request.reply_to_message_id};
  if (const auto* t = std::get_if<TextContent>(&request.content)) texts.push_back(&t->body);
  if (const auto* m = std::get_if<MediaContent>(&request.content)) {
    for (const auto* f : {&m->media_id, &m->link, &m->caption, &m->filename}) texts.push_back(f);
  }
  if (const auto* t = std::get_if<TemplateContent>(&request.content)) {
    texts.push_back(&t->name);
    texts.push_back(&t->language_code);
    for (const auto* list : {&t->body_parameters, &t->body_parameter_names, &t->header_parameters, &t->header_parameter_names}) {
      for (const auto& p : *list) texts.push_back(&p);
    }
    for (const auto& b : t->buttons) texts.push_back(&b.value);
  }
  if (const auto* r = std::get_if<ReactionContent>(&request.content)) {
    texts.push_back(&r->message_id);
    texts.push_back(&r->emoji);
  }
  if (const auto* i = std::get_if<InteractiveButtonsContent>(&request.content)) {
    texts.push_back(&i->body);
    for (const auto& b : i->buttons) {
      texts.push_back(&b.id);
      texts.push_back(&b.title);
    }
  }
  for (const auto* t : texts) {
    if (!core::isValidUtf8(*t)) return makeError(ErrorCode::InvalidInput, "the message contains invalid UTF-8");
  }
  // A customer without a shared number is addressed by their BSUID in "recipient" (Meta's
  // business-scoped user ids: "use recipient to send to a BSUID"; "to" would take precedence).
  // A group: "recipient_type field now supports group as well as individual", "to" its id.
  json::object body{{"messaging_product", "whatsapp"},
                    {"recipient_type", group ? "group" : "individual"},
                    {bsuid ? "recipient" : "to", to}};
  const bool reaction = std::holds_alternative<ReactionContent>(request.content);
  if (!request.reply_to_message_id.empty() && !reaction) {
    body["context"] = json::object{{"message_id", request.reply_to_message_id}};
  }

  if (const auto* text = std::get_if<TextContent>(&request.content)) {
    if (text->body.find_first_not_of(" \t\r\n") == std::string::npos) {
      return makeError(ErrorCode::InvalidInput, "text: the body is empty");
    }
    if (codePoints(text->body) > 4096) return makeError(ErrorCode::InvalidInput, "text: at most 4096 characters");
    body["type"] = "text";
    body["text"] = json::object{{"preview_url", text->preview_url}, {"body", text->body}};
  } else if (const auto* media = std::get_if<MediaContent>(&request.content)) {
    static constexpr const char* kNames[] = {"image", "audio", "video", "document", "sticker"};
    const char* type = kNames[static_cast<int>(media->type)];
    if (media->media_id.empty() == media->link.empty()) {
      return makeError(ErrorCode::InvalidInput, std::string(type) + ": give exactly one of media_id and link");
    }
    json::object m;
    if (!media->media_id.empty()) {
      if (!validPathSegment(media->media_id)) return makeError(ErrorCode::InvalidInput, std::string(type) + ": invalid media id");
      m["id"] = media->media_id;
    } else {
      if (!isHttpUrl(media->link)) return makeError(ErrorCode::InvalidInput, std::string(type) + ": link must be an http(s) URL");
      m["link"] = media->link;
    }
    const bool captioned = media->type == MediaType::Image || media->type == MediaType::Video || media->type == MediaType::Document;
    if (!media->caption.empty()) {
      if (!captioned) return makeError(ErrorCode::InvalidInput, std::string(type) + ": WhatsApp allows no caption here");
      if (codePoints(media->caption) > 1024) return makeError(ErrorCode::InvalidInput, "caption: at most 1024 characters");
      m["caption"] = media->caption;
    }
    if (!media->filename.empty()) {
      if (media->type != MediaType::Document) return makeError(ErrorCode::InvalidInput, "filename: documents only");
      m["filename"] = media->filename;
    }
    body["type"] = type;
    body[type] = std::move(m);
  } else if (const auto* tmpl = std::get_if<TemplateContent>(&request.content)) {
    if (tmpl->name.empty() || tmpl->name.size() > 512) return makeError(ErrorCode::InvalidInput, "template: a name is required");
    if (tmpl->language_code.empty()) return makeError(ErrorCode::InvalidInput, "template: a language code is required");
    json::object t{{"name", tmpl->name}, {"language", json::object{{"code", tmpl->language_code}}}};
    // Text parameters, named ones with their "parameter_name" (templates/overview: sending).
    auto textParameters = [](const std::vector<std::string>& values, const std::vector<std::string>& names,
                             const char* part) -> core::Result<json::array> {
      json::array parameters;
      for (std::size_t i = 0; i < values.size(); ++i) {
        if (values[i].empty()) return makeError(ErrorCode::InvalidInput, std::string("template: a ") + part + " parameter is empty");
        json::object p{{"type", "text"}};
        if (i < names.size() && !names[i].empty()) p["parameter_name"] = names[i];
        p["text"] = values[i];
        parameters.push_back(std::move(p));
      }
      return parameters;
    };
    json::array components;
    if (!tmpl->header_parameters.empty()) {
      std::string format = tmpl->header_format;
      std::transform(format.begin(), format.end(), format.begin(), [](unsigned char c) { return std::tolower(c); });
      json::array parameters;
      if (format.empty() || format == "text") {
        WA_TRY(text_parameters, textParameters(tmpl->header_parameters, tmpl->header_parameter_names, "header"));
        parameters = std::move(text_parameters);
      } else if (format == "image" || format == "video" || format == "document") {
        if (tmpl->header_parameters.size() != 1 || !isHttpUrl(tmpl->header_parameters[0])) {
          return makeError(ErrorCode::InvalidInput, "template: the " + format + " header needs one http(s) link");
        }
        parameters.push_back(json::object{{"type", format}, {format, json::object{{"link", tmpl->header_parameters[0]}}}});
      } else if (format == "location") {
        // Location templates: the map's place, given at send time.
        const auto& v = tmpl->header_parameters;
        if (v.size() != 4 || v[0].empty() || v[1].empty()) {
          return makeError(ErrorCode::InvalidInput, "template: the location header needs latitude, longitude, name and address");
        }
        parameters.push_back(json::object{
            {"type", "location"},
            {"location", json::object{{"latitude", v[0]}, {"longitude", v[1]}, {"name", v[2]}, {"address", v[3]}}}});
      } else {
        return makeError(ErrorCode::InvalidInput, "template: a " + tmpl->header_format + " header cannot be sent");
      }
      components.push_back(json::object{{"type", "header"}, {"parameters", std::move(parameters)}});
    }
    if (!tmpl->body_parameters.empty()) {
      WA_TRY(parameters, textParameters(tmpl->body_parameters, tmpl->body_parameter_names, "body"));
      components.push_back(json::object{{"type", "body"}, {"parameters", std::move(parameters)}});
    }
    for (const auto& b : tmpl->buttons) {
      if (b.value.empty()) return makeError(ErrorCode::InvalidInput, "template: a button parameter is empty");
      if (b.index < 0 || b.index > 9) return makeError(ErrorCode::InvalidInput, "template: a button index is out of range");
      json::object parameter;
      if (b.sub_type == "url") {
        parameter = json::object{{"type", "text"}, {"text", b.value}};
      } else if (b.sub_type == "copy_code") {
        parameter = json::object{{"type", "coupon_code"}, {"coupon_code", b.value}};
      } else if (b.sub_type == "quick_reply") {
        // The developer-defined payload the tap returns (button parameter object, type "payload").
        parameter = json::object{{"type", "payload"}, {"payload", b.value}};
      } else {
        return makeError(ErrorCode::InvalidInput, "template: a " + b.sub_type + " button takes no parameter");
      }
      // The index is a string in Meta's examples ("index": "0").
      components.push_back(json::object{{"type", "button"}, {"sub_type", b.sub_type}, {"index", std::to_string(b.index)},
                                        {"parameters", json::array{std::move(parameter)}}});
    }
    if (!components.empty()) t["components"] = std::move(components);
    body["type"] = "template";
    body["template"] = std::move(t);
  } else if (const auto* r = std::get_if<ReactionContent>(&request.content)) {
    if (r->message_id.empty()) return makeError(ErrorCode::InvalidInput, "reaction: the message id is required");
    body["type"] = "reaction";
    body["reaction"] = json::object{{"message_id", r->message_id}, {"emoji", r->emoji}};
  } else if (const auto* i = std::get_if<InteractiveButtonsContent>(&request.content)) {
    if (i->body.find_first_not_of(" \t\r\n") == std::string::npos) {
      return makeError(ErrorCode::InvalidInput, "interactive: the body text is required");
    }
    if (codePoints(i->body) > 1024) return makeError(ErrorCode::InvalidInput, "interactive: the body has at most 1024 characters");
    if (i->buttons.empty() || i->buttons.size() > 3) {
      return makeError(ErrorCode::InvalidInput, "interactive: 1 to 3 reply buttons");
    }
    json::array buttons;
    for (std::size_t k = 0; k < i->buttons.size(); ++k) {
      const auto& b = i->buttons[k];
      if (b.title.empty() || codePoints(b.title) > 20) {
        return makeError(ErrorCode::InvalidInput, "interactive: a button title has 1 to 20 characters");
      }
      if (b.id.empty() || codePoints(b.id) > 256 || b.id.front() == ' ' || b.id.back() == ' ') {
        return makeError(ErrorCode::InvalidInput, "interactive: a button id has 1 to 256 characters, no spaces at either end");
      }
      for (std::size_t j = 0; j < k; ++j) {
        if (i->buttons[j].title == b.title) return makeError(ErrorCode::InvalidInput, "interactive: button titles must be unique");
      }
      buttons.push_back(json::object{{"type", "reply"}, {"reply", json::object{{"id", b.id}, {"title", b.title}}}});
    }
    body["type"] = "interactive";
    body["interactive"] = json::object{{"type", "button"},
                                       {"body", json::object{{"text", i->body}}},
                                       {"action", json::object{{"buttons", std::move(buttons)}}}};
  }
  return json::serialize(body);
}

core::Result<std::string> sendUrl(std::string_view api_base_url, std::string_view phone_number_id) {
  if (!isHttpUrl(api_base_url)) return makeError(ErrorCode::InvalidInput, "api_base_url: must be an http(s) URL");
  if (!validPathSegment(phone_number_id)) return makeError(ErrorCode::InvalidInput, "phone_number_id: invalid");
  return joinUrl(api_base_url, std::string(phone_number_id) + "/messages");
}

core::Result<std::string> mediaInfoUrl(std::string_view api_base_url, std::string_view media_id) {
  if (!isHttpUrl(api_base_url)) return makeError(ErrorCode::InvalidInput, "api_base_url: must be an http(s) URL");
  if (!validPathSegment(media_id)) return makeError(ErrorCode::InvalidInput, "media id: invalid");
  return joinUrl(api_base_url, media_id);
}

core::Result<std::string> parseSendResponse(std::string_view body) {
  auto root = parseJson(body);
  if (!root) return makeError(ErrorCode::InvalidInput, "send answer: " + root.error().message);
  if (!root->is_object()) return makeError(ErrorCode::InvalidInput, "send answer: not a JSON object");
  auto messages = optArray(root->get_object(), "messages", "send answer");
  if (!messages) return messages.error();
  if (!*messages || (*messages)->empty() || !(**messages)[0].is_object()) {
    return makeError(ErrorCode::InvalidInput, "send answer: messages[0] is missing");
  }
  auto id = optId((**messages)[0].get_object(), "id", "send answer.messages[0]");
  if (!id) return id.error();
  if (!*id || (*id)->empty()) return makeError(ErrorCode::InvalidInput, "send answer: messages[0].id is missing");
  return **id;
}

app::DeliveryResult classifySendError(long http_status, std::string_view body, long retry_after_s) {
  using Outcome = app::DeliveryResult::Outcome;
  std::optional<std::int64_t> code;
  std::string message, details;
  if (auto root = parseJson(body); root && root->is_object()) {
    if (const json::value* e = find(root->get_object(), "error"); e && e->is_object()) {
      const auto& error = e->get_object();
      if (const json::value* c = find(error, "code")) {
        if (c->is_int64()) code = c->get_int64();
        else if (c->is_uint64() && c->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) code = static_cast<std::int64_t>(c->get_uint64());
        else if (c->is_string()) {
          const auto& s = c->get_string();
          if (!s.empty() && s.size() < 12 && std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
            code = std::stoll(std::string(s));
          }
        }
      }
      if (const json::value* m = find(error, "message"); m && m->is_string()) message = std::string(m->get_string());
      if (const json::value* d = find(error, "error_data"); d && d->is_object()) {
        if (const json::value* dd = find(d->get_object(), "details"); dd && dd->is_string()) details = std::string(dd->get_string());
      }
    }
  }

  std::string reason = code ? "WhatsApp error " + std::to_string(*code) : "WhatsApp answered HTTP " + std::to_string(http_status);
  if (!message.empty()) reason += ": " + message;
  if (!details.empty() && details != message) reason += " (" + details + ")";
  if (!code && message.empty() && !body.empty()) {
    reason += ": " + std::string(body.substr(0, 200));
  }
  if (reason.size() > 1000) reason.resize(1000);

  // Meta's error-code reference (support/error-codes), "Throttling errors" and the temporary
  // ones whose documented remedy is to try again later:
  //   4 API Too Many Calls, 80007 WABA rate limit, 130429 throughput reached (Cloud API message
  //   throughput), 131056 (business, consumer) pair rate limit, 1 API Unknown / 2 API Service
  //   (temporary downtime or overload), 131000 Something went wrong, 131016 Service unavailable,
  //   131057 account in maintenance mode, 133004 server temporarily unavailable.
  // Everything else is permanent for this message, e.g. 100 invalid parameter, 131026 message
  // undeliverable, 131047 re-engagement (more than 24 hours since the customer's last message),
  // 131048 spam rate limit and 131049 ecosystem engagement (quality limits: retrying makes it
  // worse), 131051 unsupported type, 132xxx template errors, 0/190 expired token, 10/200-299
  // permissions, 368 policy block.
  static constexpr std::int64_t kRetryable[] = {1, 2, 4, 80007, 130429, 131000, 131016, 131056, 131057, 133004};
  bool retry = http_status == 429 || http_status >= 500 || http_status == 408;
  if (code) {
    const bool listed = std::find(std::begin(kRetryable), std::end(kRetryable), *code) != std::end(kRetryable);
    // A code from the list retries whatever the status (Meta answers 130429 with HTTP 400); any
    // other code is permanent under a 4xx status, while 429 and 5xx still retry.
    if (listed) retry = true;
    else if (http_status < 500 && http_status != 429) retry = false;
  }
  if (retry) {
    core::TimestampMs retry_ms = retry_after_s > 0 ? static_cast<core::TimestampMs>(retry_after_s) * 1000 : 0;
    app::DeliveryResult later{Outcome::RetryLater, reason, retry_ms, {}};
    // Throttling: 131056 concerns one (business, consumer) pair; 4, 80007, 130429 and a bare
    // 429 the whole phone number / WhatsApp Business Account.
    if (code == 131056) later.throttle = app::DeliveryResult::Throttle::Recipient;
    else if (http_status == 429 || code == 4 || code == 80007 || code == 130429) later.throttle = app::DeliveryResult::Throttle::Sender;
    return later;
  }
  return {Outcome::Failed, reason, 0, {}};
}

// The send answer's contacts[0]: {"input": the number we sent to, "wa_id": the account's WhatsApp
// id}. Meta: "a WhatsApp user's phone number and ID may not always match" (e.g. a Brazilian mobile
// number sent with its ninth digit, whose account id lacks it): then the customer's messages
// come from wa_id, which becomes an identity of the contact we wrote to (DeliveryResult::
// recipient_id), so their answer continues the same contact and conversation.
std::string differingWaId(std::string_view body) {
  auto root = parseJson(body);
  if (!root || !root->is_object()) return {};
  const json::value* contacts = find(root->get_object(), "contacts");
  if (!contacts || !contacts->is_array() || contacts->get_array().empty() || !contacts->get_array()[0].is_object()) return {};
  const auto& first = contacts->get_array()[0].get_object();
  const json::value* input = find(first, "input");
  const json::value* wa_id = find(first, "wa_id");
  if (!input || !input->is_string() || !wa_id || !wa_id->is_string()) return {};
  std::string sent_to;
  for (char c : input->get_string()) {
    if (c >= '0' && c <= '9') sent_to += c;  // "+55 11 98765-4321" as digits
  }
  const std::string id(wa_id->get_string());
  if (id.empty() || id.size() > 20 || !allDigits(id) || sent_to.empty() || id == sent_to) return {};
  return id;
}

app::DeliveryResult interpretSendAnswer(long http_status, std::string_view body, long retry_after_s) {
  if (auto sent = successfulSend(http_status, "WhatsApp accepted the message but ", [&] { return parseSendResponse(body); })) {
    if (sent->outcome == app::DeliveryResult::Outcome::Delivered) sent->recipient_id = differingWaId(body);
    return *sent;
  }
  return classifySendError(http_status, body, retry_after_s);
}

core::Result<MediaInfo> parseMediaInfo(std::string_view body) {
  WA_TRY(root, parseJson(body));
  if (!root.is_object()) return makeError(ErrorCode::InvalidInput, "media answer: not a JSON object");
  const auto& o = root.get_object();
  MediaInfo info;
  WA_TRY(url, optString(o, "url", "media", 8192));
  if (!url || !isHttpUrl(*url)) return makeError(ErrorCode::InvalidInput, "media.url: an http(s) URL is required");
  info.url = *url;
  WA_TRY(mime, optString(o, "mime_type", "media", 255));
  WA_TRY(sha, optString(o, "sha256", "media", 255));
  WA_TRY(id, optId(o, "id", "media"));
  info.mime_type = mime.value_or("");
  info.sha256 = sha.value_or("");
  info.id = id.value_or("");
  // file_size is documented as an integer; some answers carry it as a decimal string.
  if (const json::value* size = find(o, "file_size")) {
    if (size->is_int64() && size->get_int64() >= 0) {
      info.file_size = size->get_int64();
    } else if (size->is_uint64() && size->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
      info.file_size = static_cast<std::int64_t>(size->get_uint64());
    } else if (size->is_string()) {
      const auto& s = size->get_string();
      if (s.empty() || s.size() > 15 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return makeError(ErrorCode::InvalidInput, "media.file_size: must be a byte count");
      }
      info.file_size = std::stoll(std::string(s));
    } else {
      return makeError(ErrorCode::InvalidInput, "media.file_size: must be a byte count");
    }
  }
  return info;
}

#undef WA_TRY

}  // namespace parley::channels::whatsapp
