#include "channels/telegram/telegram_codec.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

#include "app/crypto.hpp"
#include "channels/common/json_fields.hpp"
#include "channels/common/json_input.hpp"
#include "channels/common/send_answer.hpp"
#include "core/text.hpp"

namespace parley::channels::telegram {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;

namespace {

#define TG_TRY(var, expr)                         \
  auto var##_result = (expr);                     \
  if (!var##_result) return var##_result.error(); \
  auto var = std::move(*var##_result)

// ---- small JSON accessors (channels/common/json_fields.hpp): absent/null -> nullopt, wrong type ->
// InvalidInput with the path ----

using namespace json_fields;

core::Result<std::optional<std::string>> optString(const json::object& o, std::string_view key, const std::string& path,
                                                    std::size_t max = std::string::npos) {
  return json_fields::optString(o, key, path, max, "bytes");
}

// "-?(0|[1-9][0-9]*)", at most 20 digits: the decimal text of a 64-bit integer.
bool canonicalInteger(std::string_view s) {
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s.front() == '0')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// An integer id as exact decimal text. Boost.JSON keeps every integer within 64 bits exactly
// (int64 / uint64); a number with a fraction or exponent, or an integer beyond 64 bits, arrives
// as a double that may already have lost digits, so it is refused rather than rounded. A
// decimal string is accepted as well (some proxies re-encode big ids as strings).
core::Result<std::optional<std::string>> optInteger(const json::object& o, std::string_view key, const std::string& path) {
  const json::value* v = find(o, key);
  if (!v) return std::optional<std::string>();
  if (v->is_int64()) return std::optional<std::string>(std::to_string(v->get_int64()));
  if (v->is_uint64()) return std::optional<std::string>(std::to_string(v->get_uint64()));
  if (v->is_string() && canonicalInteger(v->get_string())) return std::optional<std::string>(std::string(v->get_string()));
  return wrongType(at(path, key), "an integer (64 bits at most)");
}

core::Result<std::string> reqInteger(const json::object& o, std::string_view key, const std::string& path) {
  TG_TRY(v, optInteger(o, key, path));
  if (!v) return makeError(ErrorCode::InvalidInput, at(path, key) + ": required");
  return std::move(*v);
}

// Message ids are positive ("unique message identifier inside this chat").
core::Result<std::string> reqMessageId(const json::object& o, std::string_view key, const std::string& path) {
  auto id = reqInteger(o, key, path);
  if (id && (id->rfind('-', 0) == 0 || *id == "0")) {
    return makeError(ErrorCode::InvalidInput, at(path, key) + ": must be a positive message id");
  }
  return id;
}

// A non-negative integer that fits int64 (sizes, durations).
core::Result<std::optional<std::int64_t>> optCount(const json::object& o, std::string_view key, const std::string& path) {
  const json::value* v = find(o, key);
  if (!v) return std::optional<std::int64_t>();
  if (v->is_int64() && v->get_int64() >= 0) return std::optional<std::int64_t>(v->get_int64());
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return std::optional<std::int64_t>(static_cast<std::int64_t>(v->get_uint64()));
  }
  return wrongType(at(path, key), "a non-negative integer");
}

// Unix seconds (an Integer in the Bot API) -> milliseconds; 0 when absent. Bounded so the
// multiplication cannot overflow.
core::Result<core::TimestampMs> dateMs(const json::object& o, std::string_view key, const std::string& path) {
  TG_TRY(seconds, optCount(o, key, path));
  if (!seconds) return core::TimestampMs{0};
  constexpr std::int64_t kMaxSeconds = 100'000'000'000;  // year ~5138: far beyond any real value
  if (*seconds > kMaxSeconds) return makeError(ErrorCode::InvalidInput, at(path, key) + ": out of range");
  return core::TimestampMs{*seconds * 1000};
}

core::Result<json::value> parseJson(std::string_view body) {
  return parseUntrustedJson(body, kMaxWebhookBytes, kMaxJsonDepth);
}

// Telegram counts message lengths in UTF-16 code units: a code point above U+FFFF (most emoji)
// counts twice. `s` is valid UTF-8.
std::size_t utf16Units(std::string_view s) {
  std::size_t units = 0;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    units += c >= 0xF0 ? 2 : 1;
  }
  return units;
}

bool isBlank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// The byte offset in `s` (valid UTF-8) where `units` UTF-16 code units from its start end; the
// end of `s` when it is shorter. A count that ends inside a surrogate pair (half a code point
// above U+FFFF) ends after that code point.
std::size_t byteOffsetOfUtf16(std::string_view s, std::size_t units) {
  std::size_t counted = 0, i = 0;
  while (i < s.size() && counted < units) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t bytes = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    counted += bytes == 4 ? 2 : 1;
    i = std::min(s.size(), i + bytes);
  }
  return i;
}

// A text or caption with the targets of its `text_link` entities written out: the Bot API's
// MessageEntity "url: For "text_link" only, URL that will be opened after user taps on the
// text" is otherwise lost, as the desk stores plain text. " (<url>)" goes right after the linked
// span (offset and length in UTF-16 code units); a span that already reads as its URL gets
// nothing. `entities` is the message's `entities` (for text) or `caption_entities` (for a
// caption); other entity types (bold, mentions, text_mention ...) change nothing. The links are
// an extra: an entity of a shape not expected (a huge URL, odd offsets) is skipped, never a
// reason to refuse the customer's message (Telegram would redeliver it for nothing).
core::Result<std::string> withTextLinks(std::string text, const json::object& o, std::string_view entities_key,
                                        const std::string& path) {
  auto listed = optArray(o, entities_key, path);
  if (!listed || !*listed) return text;
  const auto& entities = *listed;
  struct Link {
    std::size_t begin, end;  // bytes
    std::string url;
  };
  std::vector<Link> links;
  const std::string p = at(path, entities_key);
  for (std::size_t i = 0; i < entities->size(); ++i) {
    const std::string ep = p + "[" + std::to_string(i) + "]";
    if (!(*entities)[i].is_object()) continue;
    const auto& entity = (*entities)[i].get_object();
    auto type = optString(entity, "type", ep, 64);
    if (!type || type->value_or("") != "text_link") continue;
    auto offset = optCount(entity, "offset", ep);
    auto length = optCount(entity, "length", ep);
    auto url = optString(entity, "url", ep, 8192);
    if (!offset || !length || !url || !*url || (*url)->empty() || !*offset || !*length) continue;
    constexpr std::int64_t kMaxUnits = 1'000'000;  // far beyond Telegram's 4096: no overflow below
    const auto first = static_cast<std::size_t>(std::min(**offset, kMaxUnits));
    const auto last = static_cast<std::size_t>(std::min(std::min(**offset, kMaxUnits) + std::min(**length, kMaxUnits), 2 * kMaxUnits));
    Link link{byteOffsetOfUtf16(text, first), byteOffsetOfUtf16(text, last), std::move(**url)};
    if (std::string_view(text).substr(link.begin, link.end - link.begin) == link.url) continue;
    links.push_back(std::move(link));
  }
  // At most kMaxAddedBytes of URLs (a text of 4096 characters with a hundred long links must
  // stay well within what the desk stores), the first links first.
  constexpr std::size_t kMaxAddedBytes = 16 * 1024;
  std::size_t added = 0;
  std::erase_if(links, [&](const Link& link) {
    if (added + link.url.size() + 3 > kMaxAddedBytes) return true;
    added += link.url.size() + 3;
    return false;
  });
  // From the end backwards, so the offsets of the links before stay right.
  std::stable_sort(links.begin(), links.end(), [](const Link& a, const Link& b) { return a.end > b.end; });
  for (const auto& link : links) text.insert(link.end, " (" + link.url + ")");
  return text;
}

bool isHttpUrl(std::string_view url) { return url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0; }

std::optional<std::int64_t> toInt64(std::string_view s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !canonicalInteger(s)) return std::nullopt;
  return v;
}

// ---- users and chats ------------------------------------------------------------------------

struct UserInfo {
  std::string id;
  std::string name;  // first_name + last_name, else @username, else the id
  json::object json;  // what the payload keeps: ids as strings (JavaScript loses digits beyond 2^53)
};

core::Result<std::optional<UserInfo>> readUser(const json::object& parent, std::string_view key, const std::string& path) {
  TG_TRY(o, optObject(parent, key, path));
  if (!o) return std::optional<UserInfo>();
  const std::string p = at(path, key);
  UserInfo u;
  TG_TRY(id, reqInteger(*o, "id", p));
  TG_TRY(first, optString(*o, "first_name", p, 1024));
  TG_TRY(last, optString(*o, "last_name", p, 1024));
  TG_TRY(username, optString(*o, "username", p, 256));
  TG_TRY(language, optString(*o, "language_code", p, 64));
  TG_TRY(is_bot, optBool(*o, "is_bot", p));
  u.id = id;
  u.name = first.value_or("");
  if (last && !last->empty()) u.name += (u.name.empty() ? "" : " ") + *last;
  if (isBlank(u.name)) u.name = username && !username->empty() ? "@" + *username : "";
  u.json["id"] = id;
  if (!u.name.empty()) u.json["name"] = u.name;
  if (username && !username->empty()) u.json["username"] = *username;
  if (language && !language->empty()) u.json["language_code"] = *language;
  if (is_bot.value_or(false)) u.json["is_bot"] = true;
  return std::optional<UserInfo>(std::move(u));
}

struct ChatInfo {
  std::string id;
  std::string type;  // private, group, supergroup, channel
  std::string name;  // private: first + last name; otherwise the title; else @username
  json::object json;
};

core::Result<ChatInfo> readChat(const json::object& parent, std::string_view key, const std::string& path) {
  TG_TRY(o, optObject(parent, key, path));
  if (!o) return makeError(ErrorCode::InvalidInput, at(path, key) + ": required");
  const std::string p = at(path, key);
  ChatInfo c;
  TG_TRY(id, reqInteger(*o, "id", p));
  TG_TRY(type, optString(*o, "type", p, 64));
  TG_TRY(title, optString(*o, "title", p, 1024));
  TG_TRY(username, optString(*o, "username", p, 256));
  TG_TRY(first, optString(*o, "first_name", p, 1024));
  TG_TRY(last, optString(*o, "last_name", p, 1024));
  c.id = id;
  c.type = type.value_or("private");
  if (c.type == "private") {
    c.name = first.value_or("");
    if (last && !last->empty()) c.name += (c.name.empty() ? "" : " ") + *last;
  } else {
    c.name = title.value_or("");
  }
  if (isBlank(c.name)) c.name = username && !username->empty() ? "@" + *username : "";
  c.json["id"] = id;
  c.json["type"] = c.type;
  if (title && !title->empty()) c.json["title"] = *title;
  if (username && !username->empty()) c.json["username"] = *username;
  return c;
}

// The contact of a chat (see the header): the user in a private chat, the group otherwise.
core::InboundContact contactOf(const ChatInfo& chat, const std::optional<UserInfo>& from) {
  core::InboundContact contact;
  contact.external_id = chat.id;
  if (chat.type == "private") {
    contact.name = from && from->id == chat.id && !from->name.empty() ? from->name : chat.name;
  } else {
    contact.name = chat.name;
  }
  if (contact.name.empty()) contact.name = "Telegram " + chat.id;
  return contact;
}

// Who wrote and where, in the payload: `from` always (the username lives there), the chat only
// when it is not the private chat with that user.
void addSender(json::object& payload, const ChatInfo& chat, const std::optional<UserInfo>& from) {
  if (from) payload["from"] = from->json;
  if (chat.type != "private") payload["chat"] = chat.json;
}

// ---- one message ------------------------------------------------------------------------------

std::string messageExternalId(const std::string& chat_id, const std::string& message_id) { return chat_id + ":" + message_id; }

// A file of the message: Audio, Document, Video, Voice, VideoNote, Animation, Sticker, or the
// chosen PhotoSize. provider_ref is the file_id that getFile takes.
core::Result<core::InboundMedia> readFile(const json::object& o, const std::string& path, const std::string& default_name,
                                          const std::string& default_mime) {
  TG_TRY(file_id, optString(o, "file_id", path, kMaxIdLength));
  if (!file_id || file_id->empty()) return makeError(ErrorCode::InvalidInput, path + ".file_id: required");
  TG_TRY(name, optString(o, "file_name", path, 1024));
  TG_TRY(mime, optString(o, "mime_type", path, 255));
  TG_TRY(size, optCount(o, "file_size", path));
  (void)size;
  core::InboundMedia media;
  media.provider_ref = *file_id;
  media.filename = name && !name->empty() ? *name : default_name;
  media.mime_type = mime && !mime->empty() ? *mime : default_mime;
  return media;
}

// photo: the sizes Telegram made of one picture; the largest (by pixels, then bytes) is kept.
core::Result<core::InboundMedia> readPhoto(const json::array& sizes, const std::string& path) {
  if (sizes.empty()) return makeError(ErrorCode::InvalidInput, path + ": at least one size is required");
  std::size_t best = 0;
  std::int64_t best_pixels = -1, best_bytes = -1;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const std::string p = path + "[" + std::to_string(i) + "]";
    if (!sizes[i].is_object()) return wrongType(p, "an object");
    const auto& s = sizes[i].get_object();
    TG_TRY(w, optCount(s, "width", p));
    TG_TRY(h, optCount(s, "height", p));
    TG_TRY(bytes, optCount(s, "file_size", p));
    // Each side of a Telegram photo is at most 10000 pixels; larger claims are capped, so the
    // product cannot overflow.
    const std::int64_t pixels = std::min<std::int64_t>(w.value_or(0), 1'000'000) * std::min<std::int64_t>(h.value_or(0), 1'000'000);
    const std::int64_t b = bytes.value_or(0);
    if (pixels > best_pixels || (pixels == best_pixels && b >= best_bytes)) {
      best = i;
      best_pixels = pixels;
      best_bytes = b;
    }
  }
  return readFile(sizes[best].get_object(), path + "[" + std::to_string(best) + "]", "photo.jpg", "image/jpeg");
}

// Content this codec does not normalise but a customer did send: kept as an Unsupported message
// so the conversation shows it. Everything else without content (members joining, pinned
// messages, topic changes ... the service messages) is not a customer message and is ignored.
constexpr std::string_view kUnsupportedContent[] = {"poll",    "dice",     "game",        "story",
                                                    "invoice", "paid_media", "giveaway",  "giveaway_winners",
                                                    "checklist", "users_shared", "chat_shared", "web_app_data",
                                                    "passport_data"};

enum class Content { Message, Ignored };

// Reads the content of a Message into `m` (kind, text, media, location ...). Ignored when the
// message is a service message (no content a customer wrote).
core::Result<Content> readContent(const json::object& o, const std::string& path, core::InboundMessage& m,
                                  json::object& payload) {
  TG_TRY(text, optString(o, "text", path));
  TG_TRY(caption, optString(o, "caption", path));
  if (text) {
    m.kind = core::MessageKind::Text;
    TG_TRY(linked, withTextLinks(std::move(*text), o, "entities", path));
    m.text = std::move(linked);
    return Content::Message;
  }
  TG_TRY(linked_caption, withTextLinks(caption.value_or(""), o, "caption_entities", path));
  m.text = std::move(linked_caption);

  TG_TRY(photo, optArray(o, "photo", path));
  if (photo) {
    m.kind = core::MessageKind::Image;
    TG_TRY(media, readPhoto(*photo, path + ".photo"));
    m.media.push_back(std::move(media));
    return Content::Message;
  }
  struct FileKind {
    std::string_view field;
    core::MessageKind kind;
    const char* default_name;
    const char* default_mime;
    const char* flag;  // set to true in the payload
  };
  // animation before document: "for backward compatibility, when this field is set, the
  // document field will also be set".
  static const FileKind kFiles[] = {
      {"animation", core::MessageKind::Video, "animation.mp4", "video/mp4", "animation"},
      {"audio", core::MessageKind::Audio, "audio", "", nullptr},
      {"document", core::MessageKind::Document, "document", "", nullptr},
      {"video", core::MessageKind::Video, "video.mp4", "video/mp4", nullptr},
      {"video_note", core::MessageKind::Video, "video_note.mp4", "video/mp4", "video_note"},
      {"voice", core::MessageKind::Audio, "voice.ogg", "audio/ogg", "voice"},
  };
  for (const auto& f : kFiles) {
    TG_TRY(file, optObject(o, f.field, path));
    if (!file) continue;
    const std::string p = at(path, f.field);
    m.kind = f.kind;
    TG_TRY(media, readFile(*file, p, f.default_name, f.default_mime));
    m.media.push_back(std::move(media));
    if (f.flag) payload[f.flag] = true;
    TG_TRY(duration, optCount(*file, "duration", p));
    if (duration) payload["duration"] = *duration;
    if (f.field == "audio") {
      TG_TRY(title, optString(*file, "title", p, 1024));
      TG_TRY(performer, optString(*file, "performer", p, 1024));
      if (title && !title->empty()) payload["title"] = *title;
      if (performer && !performer->empty()) payload["performer"] = *performer;
    }
    return Content::Message;
  }
  TG_TRY(sticker, optObject(o, "sticker", path));
  if (sticker) {
    const std::string p = path + ".sticker";
    m.kind = core::MessageKind::Sticker;
    TG_TRY(animated, optBool(*sticker, "is_animated", p));
    TG_TRY(video, optBool(*sticker, "is_video", p));
    TG_TRY(emoji, optString(*sticker, "emoji", p, 64));
    TG_TRY(set_name, optString(*sticker, "set_name", p, 256));
    const bool is_animated = animated.value_or(false), is_video = video.value_or(false);
    TG_TRY(media, readFile(*sticker, p, is_animated ? "sticker.tgs" : is_video ? "sticker.webm" : "sticker.webp",
                           is_animated ? "application/x-tgsticker" : is_video ? "video/webm" : "image/webp"));
    m.media.push_back(std::move(media));
    payload["sticker_format"] = is_animated ? "animated" : is_video ? "video" : "static";
    if (emoji && !emoji->empty()) payload["emoji"] = *emoji;
    if (set_name && !set_name->empty()) payload["sticker_set"] = *set_name;
    return Content::Message;
  }

  // venue before location: a venue message carries both.
  TG_TRY(venue, optObject(o, "venue", path));
  TG_TRY(location, optObject(o, "location", path));
  const json::object* loc = location;
  std::string vp;
  if (venue) {
    vp = path + ".venue";
    TG_TRY(venue_location, optObject(*venue, "location", vp));
    if (!venue_location) return makeError(ErrorCode::InvalidInput, vp + ".location: required");
    loc = venue_location;
  }
  if (loc) {
    const std::string lp = venue ? vp + ".location" : path + ".location";
    m.kind = core::MessageKind::Location;
    TG_TRY(lat, optNumber(*loc, "latitude", lp));
    TG_TRY(lon, optNumber(*loc, "longitude", lp));
    if (!lat || !lon || !(*lat >= -90 && *lat <= 90) || !(*lon >= -180 && *lon <= 180)) {
      return makeError(ErrorCode::InvalidInput, lp + ": latitude and longitude are required and must be in range");
    }
    m.latitude = lat;
    m.longitude = lon;
    json::object details;
    TG_TRY(accuracy, optNumber(*loc, "horizontal_accuracy", lp));
    TG_TRY(live, optCount(*loc, "live_period", lp));
    if (accuracy) details["horizontal_accuracy"] = *accuracy;
    if (live) details["live_period"] = *live;
    if (venue) {
      TG_TRY(title, optString(*venue, "title", vp, 1024));
      TG_TRY(address, optString(*venue, "address", vp, 1024));
      TG_TRY(foursquare, optString(*venue, "foursquare_id", vp, 256));
      TG_TRY(google, optString(*venue, "google_place_id", vp, 256));
      const std::string t = title.value_or(""), a = address.value_or("");
      m.location_name = t.empty() ? a : (a.empty() ? t : t + ", " + a);
      if (!t.empty()) details["name"] = t;
      if (!a.empty()) details["address"] = a;
      if (foursquare && !foursquare->empty()) details["foursquare_id"] = *foursquare;
      if (google && !google->empty()) details["google_place_id"] = *google;
    }
    payload["location"] = std::move(details);
    return Content::Message;
  }

  TG_TRY(contact, optObject(o, "contact", path));
  if (contact) {
    const std::string p = path + ".contact";
    m.kind = core::MessageKind::Contacts;
    TG_TRY(phone, optString(*contact, "phone_number", p, 64));
    TG_TRY(first, optString(*contact, "first_name", p, 1024));
    TG_TRY(last, optString(*contact, "last_name", p, 1024));
    TG_TRY(user_id, optInteger(*contact, "user_id", p));
    TG_TRY(vcard, optString(*contact, "vcard", p, 64 * 1024));
    std::string name = first.value_or("");
    if (last && !last->empty()) name += (name.empty() ? "" : " ") + *last;
    m.text = name.empty() ? phone.value_or("") : name;
    // The card in the shape WhatsApp's contacts use (name.formatted_name, phones[].phone), so
    // the desk and API clients read one shape.
    json::object card{{"name", json::object{{"formatted_name", name}, {"first_name", first.value_or("")}}}};
    if (last && !last->empty()) card["name"].as_object()["last_name"] = *last;
    if (phone && !phone->empty()) card["phones"] = json::array{json::object{{"phone", *phone}}};
    if (user_id) card["telegram_user_id"] = *user_id;
    if (vcard && !vcard->empty()) card["vcard"] = *vcard;
    payload["contacts"] = json::array{std::move(card)};
    return Content::Message;
  }

  for (auto field : kUnsupportedContent) {
    const json::value* v = find(o, field);
    if (!v) continue;
    m.kind = core::MessageKind::Unsupported;
    payload["type"] = std::string(field);
    if (v->is_object()) payload[field] = *v;
    return Content::Message;
  }
  return Content::Ignored;
}

// The phone number of a contact the user shared of themselves (the "share my phone number"
// button: contact.user_id is the sender), as "+<digits>" when it looks like an international
// number. Telegram vouches for it: a card for someone else's number carries their user id.
std::string ownPhone(const json::object& o, const std::string& path, const std::optional<UserInfo>& from) {
  const json::value* c = find(o, "contact");
  if (!from || !c || !c->is_object()) return {};
  auto user_id = optInteger(c->get_object(), "user_id", path);
  auto phone = optString(c->get_object(), "phone_number", path, 64);
  if (!user_id || !*user_id || **user_id != from->id || !phone || !*phone) return {};
  std::string digits;
  for (char ch : **phone) {
    if (ch >= '0' && ch <= '9') digits += ch;
    else if (ch != '+' && ch != ' ' && ch != '-' && ch != '(' && ch != ')') return {};
  }
  if (digits.size() < 7 || digits.size() > 15) return {};
  return "+" + digits;
}

// message (and, for the edit, edited_message): nullopt for a service message.
core::Result<std::optional<core::InboundMessage>> readMessage(const json::object& o, const std::string& path) {
  core::InboundMessage m;
  TG_TRY(message_id, reqMessageId(o, "message_id", path));
  TG_TRY(chat, readChat(o, "chat", path));
  TG_TRY(from, readUser(o, "from", path));
  TG_TRY(sent_at, dateMs(o, "date", path));
  m.external_id = messageExternalId(chat.id, message_id);
  m.contact = contactOf(chat, from);
  m.sent_at = sent_at;

  json::object payload;
  addSender(payload, chat, from);
  TG_TRY(sender_chat, optObject(o, "sender_chat", path));
  if (sender_chat) {
    TG_TRY(sc, readChat(o, "sender_chat", path));
    payload["sender_chat"] = sc.json;
  }
  TG_TRY(thread, optInteger(o, "message_thread_id", path));
  if (thread) payload["message_thread_id"] = *thread;
  // In a forum supergroup: the topic the message was written in, which a reply must name.
  TG_TRY(topic_message, optBool(o, "is_topic_message", path));
  if (topic_message.value_or(false)) payload["is_topic_message"] = true;
  TG_TRY(reply_to, optObject(o, "reply_to_message", path));
  if (reply_to) {
    // The quoted message is in the same chat ("reply_to_message": "Note that the Message object
    // in this field will not contain further reply_to_message fields").
    TG_TRY(quoted_id, reqMessageId(*reply_to, "message_id", path + ".reply_to_message"));
    m.reply_to_external_id = messageExternalId(chat.id, quoted_id);
  }
  TG_TRY(quote, optObject(o, "quote", path));
  if (quote) {
    TG_TRY(quote_text, optString(*quote, "text", path + ".quote"));
    if (quote_text && !quote_text->empty()) payload["quote"] = *quote_text;
  }
  TG_TRY(forward_origin, optObject(o, "forward_origin", path));
  if (forward_origin) {
    payload["forwarded"] = true;
    payload["forward_origin"] = *forward_origin;
  } else {
    // The fields forward_origin replaced in Bot API 7.0 (forward_from, forward_from_chat,
    // forward_sender_name, forward_date), still in the webhook guide's examples and in older bots'
    // traffic: the same "forwarded" mark, the original sender kept as it came.
    for (std::string_view legacy : {"forward_from", "forward_from_chat", "forward_sender_name", "forward_date"}) {
      if (const json::value* v = find(o, legacy)) {
        payload["forwarded"] = true;
        if (legacy != "forward_date" && (v->is_object() || v->is_string())) payload[legacy] = *v;
      }
    }
  }
  // Albums arrive as one update per photo or video, each with the album's media_group_id.
  TG_TRY(media_group, optString(o, "media_group_id", path, 256));
  if (media_group && !media_group->empty()) payload["media_group_id"] = *media_group;

  // A channel's post that Telegram copies into the channel's linked discussion group
  // ("is_automatic_forward": from is Channel_Bot, sender_chat the channel): the business's own
  // broadcast, ignored like channel_post; the members' comments under it are messages.
  TG_TRY(automatic_forward, optBool(o, "is_automatic_forward", path));
  if (automatic_forward.value_or(false)) return std::optional<core::InboundMessage>();

  TG_TRY(content, readContent(o, path, m, payload));
  if (content == Content::Ignored) return std::optional<core::InboundMessage>();
  if (m.kind == core::MessageKind::Contacts && chat.type == "private") {
    m.contact.phone = ownPhone(o, path + ".contact", from);
  }
  m.contact.verified = true;  // the secret token authenticated the update; phone only when Telegram vouches
  if (!payload.empty()) m.payload_json = json::serialize(payload);
  return std::optional<core::InboundMessage>(std::move(m));
}

// edited_message: the new text (or caption) of a message already stored. nullopt when the edit
// changed nothing an agent reads (a live location moving, a keyboard changing).
core::Result<std::optional<core::InboundEdit>> readEdit(const json::object& o, const std::string& path) {
  TG_TRY(message_id, reqMessageId(o, "message_id", path));
  TG_TRY(chat, readChat(o, "chat", path));
  TG_TRY(edit_date, dateMs(o, "edit_date", path));
  TG_TRY(date, dateMs(o, "date", path));
  TG_TRY(text, optString(o, "text", path));
  TG_TRY(caption, optString(o, "caption", path));
  core::InboundEdit edit;
  edit.provider_message_id = messageExternalId(chat.id, message_id);
  edit.at = edit_date ? edit_date : date;
  if (text) {
    TG_TRY(linked, withTextLinks(std::move(*text), o, "entities", path));
    edit.text = std::move(linked);
  } else if (caption) {
    TG_TRY(linked, withTextLinks(std::move(*caption), o, "caption_entities", path));
    edit.text = std::move(linked);
  } else {
    // A media message whose caption was removed has no caption field any more.
    static constexpr std::string_view kCaptioned[] = {"photo", "animation", "audio", "document", "video", "voice"};
    const bool captioned = std::any_of(std::begin(kCaptioned), std::end(kCaptioned), [&](auto f) { return find(o, f) != nullptr; });
    if (!captioned) return std::optional<core::InboundEdit>();
  }
  return std::optional<core::InboundEdit>(std::move(edit));
}

// my_chat_member (ChatMemberUpdated: chat, date, old_chat_member, new_chat_member with their
// `status`): in a private chat the user blocked the bot (new status "kicked") or unblocked it
// ("member" after "kicked"). nullopt for anything else (the bot added to or removed from a
// group, promoted ...).
core::Result<std::optional<app::CustomerNotice>> readBotBlocked(const json::object& o, const std::string& path,
                                                               const std::string& update_id) {
  TG_TRY(chat, readChat(o, "chat", path));
  TG_TRY(date, dateMs(o, "date", path));
  auto statusOf = [&](std::string_view key) -> core::Result<std::string> {
    TG_TRY(member, optObject(o, key, path));
    if (!member) return makeError(ErrorCode::InvalidInput, at(path, key) + ": required");
    TG_TRY(status, optString(*member, "status", at(path, key), 64));
    return status.value_or("");
  };
  TG_TRY(old_status, statusOf("old_chat_member"));
  TG_TRY(new_status, statusOf("new_chat_member"));
  if (chat.type != "private") return std::optional<app::CustomerNotice>();
  app::CustomerNotice notice;
  if (new_status == "kicked") {
    notice.kind = "bot_blocked";
    notice.text = "The customer blocked the bot: replies cannot reach them until they unblock it";
  } else if (new_status == "member" && old_status == "kicked") {
    notice.kind = "bot_unblocked";
    notice.text = "The customer unblocked the bot";
  } else {
    return std::optional<app::CustomerNotice>();
  }
  notice.notice_id = "my_chat_member:" + update_id;
  notice.external_id = chat.id;
  notice.at = date;
  return std::optional<app::CustomerNotice>(std::move(notice));
}

// callback_query: a button of an inline keyboard (sent by the bot) was pressed.
core::Result<core::InboundMessage> readCallback(const json::object& o, const std::string& path, std::string& query_id) {
  core::InboundMessage m;
  TG_TRY(id, optString(o, "id", path, 256));
  if (!id || id->empty()) return makeError(ErrorCode::InvalidInput, path + ".id: required");
  TG_TRY(from, readUser(o, "from", path));
  if (!from) return makeError(ErrorCode::InvalidInput, path + ".from: required");
  TG_TRY(data, optString(o, "data", path, 1024));
  TG_TRY(game, optString(o, "game_short_name", path, 256));
  TG_TRY(inline_id, optString(o, "inline_message_id", path, 256));
  TG_TRY(message, optObject(o, "message", path));
  query_id = *id;
  m.external_id = "callback:" + *id;
  m.kind = core::MessageKind::Interactive;
  json::object payload{{"interactive_type", "callback_query"}, {"data", data.value_or("")}};
  std::string title;
  if (message) {
    // The message with the keyboard, possibly inaccessible (then only chat, message_id, date=0).
    const std::string mp = path + ".message";
    TG_TRY(message_id, reqMessageId(*message, "message_id", mp));
    TG_TRY(chat, readChat(*message, "chat", mp));
    m.contact = contactOf(chat, from);
    m.reply_to_external_id = messageExternalId(chat.id, message_id);
    addSender(payload, chat, from);
    // The pressed button's label, found by its callback_data in the message's keyboard.
    TG_TRY(markup, optObject(*message, "reply_markup", mp));
    if (markup && data) {
      TG_TRY(rows, optArray(*markup, "inline_keyboard", mp + ".reply_markup"));
      for (std::size_t r = 0; rows && r < rows->size() && title.empty(); ++r) {
        if (!(*rows)[r].is_array()) continue;
        for (const auto& b : (*rows)[r].get_array()) {
          if (!b.is_object()) continue;
          const json::value* cd = find(b.get_object(), "callback_data");
          const json::value* label = find(b.get_object(), "text");
          if (cd && cd->is_string() && cd->get_string() == *data && label && label->is_string()) {
            title = std::string(label->get_string());
            break;
          }
        }
      }
    }
  } else {
    // From an inline message (inline mode): no chat is known; the user is the contact (their
    // private chat with the bot has their id).
    ChatInfo user_chat;
    user_chat.id = from->id;
    user_chat.type = "private";
    m.contact = contactOf(user_chat, from);
    payload["from"] = from->json;
    if (inline_id) payload["inline_message_id"] = *inline_id;
  }
  if (!title.empty()) payload["title"] = title;
  if (game && !game->empty()) payload["game_short_name"] = *game;
  m.text = !title.empty() ? title : data ? *data : game.value_or("");
  m.payload_json = json::serialize(payload);
  return m;
}

// message_reaction: a user changed their reactions to a message (bots get these in private
// chats and, as administrators, in groups, when allowed_updates asks for them).
core::Result<core::InboundMessage> readReaction(const json::object& o, const std::string& path, const std::string& update_id) {
  core::InboundMessage m;
  TG_TRY(message_id, reqMessageId(o, "message_id", path));
  TG_TRY(chat, readChat(o, "chat", path));
  TG_TRY(user, readUser(o, "user", path));
  TG_TRY(sent_at, dateMs(o, "date", path));
  TG_TRY(new_reaction, optArray(o, "new_reaction", path));
  TG_TRY(old_reaction, optArray(o, "old_reaction", path));
  m.kind = core::MessageKind::Reaction;
  m.sent_at = sent_at;
  m.contact = contactOf(chat, user);
  const std::string target = messageExternalId(chat.id, message_id);
  m.external_id = target + ":reaction:" + update_id;
  m.reply_to_external_id = target;
  json::object payload;
  addSender(payload, chat, user);
  TG_TRY(actor_chat, optObject(o, "actor_chat", path));
  if (actor_chat) {
    TG_TRY(ac, readChat(o, "actor_chat", path));
    payload["actor_chat"] = ac.json;
  }
  // ReactionType: {"type":"emoji","emoji"} | {"type":"custom_emoji","custom_emoji_id"} | {"type":"paid"}.
  // The first emoji of the new list is the message's text; an empty list removes the reaction.
  std::string emoji, custom;
  json::array reactions;
  for (std::size_t i = 0; new_reaction && i < new_reaction->size(); ++i) {
    const std::string p = path + ".new_reaction[" + std::to_string(i) + "]";
    if (!(*new_reaction)[i].is_object()) return wrongType(p, "an object");
    const auto& r = (*new_reaction)[i].get_object();
    TG_TRY(type, optString(r, "type", p, 64));
    TG_TRY(e, optString(r, "emoji", p, 64));
    TG_TRY(c, optString(r, "custom_emoji_id", p, 256));
    if (emoji.empty() && e) emoji = *e;
    if (custom.empty() && c) custom = *c;
    json::object one{{"type", type.value_or("")}};
    if (e) one["emoji"] = *e;
    if (c) one["custom_emoji_id"] = *c;
    reactions.push_back(std::move(one));
  }
  for (std::size_t i = 0; old_reaction && i < old_reaction->size(); ++i) {
    if (!(*old_reaction)[i].is_object()) return wrongType(path + ".old_reaction[" + std::to_string(i) + "]", "an object");
  }
  m.text = emoji;
  payload["emoji"] = emoji;
  payload["message_id"] = target;
  payload["removed"] = reactions.empty();
  payload["reactions"] = std::move(reactions);
  if (!custom.empty()) payload["custom_emoji_id"] = custom;
  m.payload_json = json::serialize(payload);
  return m;
}

// ---- outbound helpers ----------------------------------------------------------------------------

core::Status checkText(const std::string& text, std::size_t max, const char* what) {
  if (!core::isValidUtf8(text)) return makeError(ErrorCode::InvalidInput, std::string(what) + ": invalid UTF-8");
  if (utf16Units(text) > max) {
    return makeError(ErrorCode::InvalidInput, std::string(what) + ": Telegram allows at most " + std::to_string(max) + " characters");
  }
  return {};
}

core::Result<std::int64_t> chatIdOf(const SendRequest& r) {
  auto id = toInt64(r.chat_id);
  if (!id) return makeError(ErrorCode::InvalidInput, "chat_id: must be a Telegram chat id (an integer)");
  return *id;
}

core::Result<std::optional<json::object>> replyParameters(const SendRequest& r) {
  if (r.reply_to_message_id.empty()) return std::optional<json::object>();
  auto id = toInt64(r.reply_to_message_id);
  if (!id || *id <= 0) return makeError(ErrorCode::InvalidInput, "reply_to_message_id: must be a message id");
  // The quoted message may have been deleted meanwhile: send anyway, unquoted.
  return std::optional<json::object>(json::object{{"message_id", *id}, {"allow_sending_without_reply", true}});
}

// message_thread_id: the forum topic (a positive message id), or nothing.
core::Result<std::optional<std::int64_t>> threadOf(const SendRequest& r) {
  if (r.message_thread_id.empty()) return std::optional<std::int64_t>();
  auto id = toInt64(r.message_thread_id);
  if (!id || *id <= 0) return makeError(ErrorCode::InvalidInput, "message_thread_id: must be a forum topic id");
  return std::optional<std::int64_t>(*id);
}

core::Result<std::optional<json::object>> replyMarkup(const InlineKeyboard& keyboard) {
  if (keyboard.empty()) return std::optional<json::object>();
  if (keyboard.size() > 100) return makeError(ErrorCode::InvalidInput, "inline_keyboard: at most 100 rows");
  json::array rows;
  std::size_t count = 0;
  for (const auto& row : keyboard) {
    if (row.empty()) return makeError(ErrorCode::InvalidInput, "inline_keyboard: a row is empty");
    json::array buttons;
    for (const auto& b : row) {
      if (++count > 100) return makeError(ErrorCode::InvalidInput, "inline_keyboard: at most 100 buttons");
      if (isBlank(b.text) || !core::isValidUtf8(b.text) || b.text.size() > 1024) {
        return makeError(ErrorCode::InvalidInput, "inline_keyboard: every button needs a text");
      }
      if (b.callback_data.empty() == b.url.empty()) {
        return makeError(ErrorCode::InvalidInput, "inline_keyboard: give each button exactly one of callback_data and url");
      }
      json::object button{{"text", b.text}};
      if (!b.callback_data.empty()) {
        if (b.callback_data.size() > 64 || !core::isValidUtf8(b.callback_data)) {
          return makeError(ErrorCode::InvalidInput, "inline_keyboard: callback_data must be 1-64 bytes");
        }
        button["callback_data"] = b.callback_data;
      } else {
        if ((!isHttpUrl(b.url) && b.url.rfind("tg://", 0) != 0) || !core::isValidUtf8(b.url) || b.url.size() > 4096) {
          return makeError(ErrorCode::InvalidInput, "inline_keyboard: url must be an http(s) or tg:// link");
        }
        button["url"] = b.url;
      }
      buttons.push_back(std::move(button));
    }
    rows.push_back(std::move(buttons));
  }
  return std::optional<json::object>(json::object{{"inline_keyboard", std::move(rows)}});
}

}  // namespace

// ---- inbound ------------------------------------------------------------------------------------

core::Result<ParsedUpdate> parseUpdate(std::string_view raw_body) {
  TG_TRY(root, parseJson(raw_body));
  if (!root.is_object()) return makeError(ErrorCode::InvalidInput, "the body must be a JSON object (an Update)");
  const auto& o = root.get_object();
  ParsedUpdate out;
  TG_TRY(update_id, reqInteger(o, "update_id", "update"));
  out.update_id = update_id;

  TG_TRY(message, optObject(o, "message", "update"));
  if (message) {
    TG_TRY(m, readMessage(*message, "message"));
    if (m) {
      out.batch.messages.push_back(std::move(*m));
    } else {
      ++out.batch.ignored;
    }
    return out;
  }
  TG_TRY(edited, optObject(o, "edited_message", "update"));
  if (edited) {
    TG_TRY(e, readEdit(*edited, "edited_message"));
    if (e) {
      out.batch.edits.push_back(std::move(*e));
    } else {
      ++out.batch.ignored;
    }
    return out;
  }
  TG_TRY(callback, optObject(o, "callback_query", "update"));
  if (callback) {
    TG_TRY(m, readCallback(*callback, "callback_query", out.callback_query_id));
    out.batch.messages.push_back(std::move(m));
    return out;
  }
  TG_TRY(reaction, optObject(o, "message_reaction", "update"));
  if (reaction) {
    TG_TRY(m, readReaction(*reaction, "message_reaction", update_id));
    out.batch.messages.push_back(std::move(m));
    return out;
  }
  TG_TRY(membership, optObject(o, "my_chat_member", "update"));
  if (membership) {
    TG_TRY(notice, readBotBlocked(*membership, "my_chat_member", update_id));
    if (notice) out.notice = std::move(*notice);
    else ++out.batch.ignored;
    return out;
  }
  // channel_post, edited_channel_post (a channel's own broadcasts, not a customer), business_*
  // (replying needs the business connection), message_reaction_count, inline_query,
  // chosen_inline_result, shipping_query, pre_checkout_query, purchased_paid_media, poll,
  // poll_answer, chat_member, chat_join_request, chat_boost, removed_chat_boost, and kinds added
  // to the Bot API after this code: accepted, nothing to store.
  ++out.batch.ignored;
  return out;
}

bool verifySecretToken(std::string_view expected, std::string_view given) {
  if (expected.empty()) return false;
  return app::constantTimeEqual(expected, given);
}

bool validSecretToken(std::string_view token) {
  return !token.empty() && token.size() <= 256 && std::all_of(token.begin(), token.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

bool validBotToken(std::string_view token) {
  const auto colon = token.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == token.size() || token.size() > 256) return false;
  if (token.find(':', colon + 1) != std::string_view::npos) return false;
  return std::all_of(token.begin(), token.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == ':';
  });
}

// ---- outbound -----------------------------------------------------------------------------------

core::Result<std::string> encodeSendMessage(const SendRequest& request) {
  TG_TRY(chat_id, chatIdOf(request));
  if (isBlank(request.text)) return makeError(ErrorCode::InvalidInput, "text: the message is empty");
  if (auto ok = checkText(request.text, kMaxTextChars, "text"); !ok) return ok.error();
  TG_TRY(reply, replyParameters(request));
  TG_TRY(markup, replyMarkup(request.inline_keyboard));
  TG_TRY(thread, threadOf(request));
  // No parse_mode: the agent's text is sent as typed, never read as Markdown or HTML.
  json::object body{{"chat_id", chat_id}, {"text", request.text}};
  if (thread) body["message_thread_id"] = *thread;
  if (reply) body["reply_parameters"] = std::move(*reply);
  if (markup) body["reply_markup"] = std::move(*markup);
  return json::serialize(body);
}

core::Result<std::vector<std::pair<std::string, std::string>>> encodeSendFileFields(const SendRequest& request) {
  TG_TRY(chat_id, chatIdOf(request));
  if (auto ok = checkText(request.text, kMaxCaptionChars, "caption"); !ok) return ok.error();
  TG_TRY(reply, replyParameters(request));
  TG_TRY(markup, replyMarkup(request.inline_keyboard));
  TG_TRY(thread, threadOf(request));
  std::vector<std::pair<std::string, std::string>> fields{{"chat_id", std::to_string(chat_id)}};
  if (thread) fields.emplace_back("message_thread_id", std::to_string(*thread));
  if (!isBlank(request.text)) fields.emplace_back("caption", request.text);
  // Objects in a multipart request are sent JSON-serialised (Bot API, "Making requests").
  if (reply) fields.emplace_back("reply_parameters", json::serialize(*reply));
  if (markup) fields.emplace_back("reply_markup", json::serialize(*markup));
  return fields;
}

core::Result<std::vector<std::pair<std::string, std::string>>> encodeSendMediaGroupFields(const SendRequest& request,
                                                                                        const std::vector<AlbumFile>& files) {
  if (files.size() < 2 || files.size() > kMaxAlbumFiles) {
    return makeError(ErrorCode::InvalidInput, "media: an album holds 2 to 10 files");
  }
  if (!request.inline_keyboard.empty()) {
    return makeError(ErrorCode::InvalidInput, "reply_markup: Telegram sends no buttons with an album; send the buttons with one file or a text");
  }
  for (const auto& f : files) {
    if (f.method != files.front().method) {
      return makeError(ErrorCode::InvalidInput, "media: Telegram groups photos only with photos and documents only with documents");
    }
    const bool token = !f.part_name.empty() && f.part_name.size() <= 64 &&
                       std::all_of(f.part_name.begin(), f.part_name.end(), [](char c) {
                         return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
                       });
    if (!token) return makeError(ErrorCode::InvalidInput, "media: a part name is [A-Za-z0-9_], up to 64 characters");
  }
  // chat_id, message_thread_id, reply_parameters and the caption's rules are those of sendPhoto.
  TG_TRY(fields, encodeSendFileFields(request));
  json::array media;
  for (const auto& f : files) {
    json::object item{{"type", f.method == FileMethod::Photo ? "photo" : "document"}, {"media", "attach://" + f.part_name}};
    // The album shows the caption of its first file as the album's text.
    if (media.empty() && !isBlank(request.text)) item["caption"] = request.text;
    media.push_back(std::move(item));
  }
  std::erase_if(fields, [](const auto& field) { return field.first == "caption"; });
  fields.emplace_back("media", json::serialize(media));
  return fields;
}

const char* filePartName(FileMethod method) { return method == FileMethod::Photo ? "photo" : "document"; }
const char* fileMethodName(FileMethod method) { return method == FileMethod::Photo ? "sendPhoto" : "sendDocument"; }

FileMethod fileMethodFor(std::string_view content_type, std::int64_t size) {
  const bool photo = content_type == "image/jpeg" || content_type == "image/png";
  return photo && size <= kMaxPhotoUploadBytes ? FileMethod::Photo : FileMethod::Document;
}

bool photoRefused(std::string_view description) {
  for (std::string_view reason : {"PHOTO_INVALID_DIMENSIONS", "IMAGE_PROCESS_FAILED", "PHOTO_SAVE_FILE_INVALID",
                                  "PHOTO_EXT_INVALID", "PHOTO_INVALID"}) {
    if (description.find(reason) != std::string_view::npos) return true;
  }
  return false;
}

core::Result<InlineKeyboard> inlineKeyboardFromPayload(std::string_view payload_json) {
  InlineKeyboard keyboard;
  if (payload_json.empty()) return keyboard;
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  auto v = json::parse(payload_json, ec, {}, options);
  if (ec || !v.is_object()) return keyboard;  // not ours to judge: the message's payload is free-form
  const json::value* rows = find(v.get_object(), "inline_keyboard");
  if (!rows) return keyboard;
  if (!rows->is_array()) return wrongType("payload.inline_keyboard", "an array of rows");
  for (std::size_t r = 0; r < rows->get_array().size(); ++r) {
    const auto& row = rows->get_array()[r];
    const std::string rp = "payload.inline_keyboard[" + std::to_string(r) + "]";
    if (!row.is_array()) return wrongType(rp, "an array of buttons");
    std::vector<InlineButton> buttons;
    for (std::size_t b = 0; b < row.get_array().size(); ++b) {
      const std::string bp = rp + "[" + std::to_string(b) + "]";
      if (!row.get_array()[b].is_object()) return wrongType(bp, "an object");
      const auto& button = row.get_array()[b].get_object();
      TG_TRY(text, optString(button, "text", bp, 1024));
      TG_TRY(data, optString(button, "callback_data", bp, 64));
      TG_TRY(url, optString(button, "url", bp, 4096));
      buttons.push_back({text.value_or(""), data.value_or(""), url.value_or("")});
    }
    keyboard.push_back(std::move(buttons));
  }
  return keyboard;
}

core::Result<std::string> methodUrl(std::string_view api_base_url, std::string_view bot_token, std::string_view method) {
  if (!isHttpUrl(api_base_url)) return makeError(ErrorCode::InvalidInput, "api_base_url: must be an http(s) URL");
  if (!validBotToken(bot_token)) return makeError(ErrorCode::InvalidInput, "bot_token: not a Telegram bot token");
  std::string base(api_base_url);
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/bot" + std::string(bot_token) + "/" + std::string(method);
}

core::Result<std::string> fileUrl(std::string_view api_base_url, std::string_view bot_token, std::string_view file_path) {
  if (!isHttpUrl(api_base_url)) return makeError(ErrorCode::InvalidInput, "api_base_url: must be an http(s) URL");
  if (!validBotToken(bot_token)) return makeError(ErrorCode::InvalidInput, "bot_token: not a Telegram bot token");
  if (file_path.empty() || file_path.size() > 4096 || file_path.front() == '/') {
    return makeError(ErrorCode::InvalidInput, "file_path: invalid");
  }
  std::string path;
  std::size_t segment_start = 0;
  for (std::size_t i = 0; i <= file_path.size(); ++i) {
    if (i == file_path.size() || file_path[i] == '/') {
      const auto segment = file_path.substr(segment_start, i - segment_start);
      if (segment.empty() || segment == "." || segment == "..") return makeError(ErrorCode::InvalidInput, "file_path: invalid");
      segment_start = i + 1;
    }
  }
  for (char ch : file_path) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '-' || c == '~') {
      path += ch;
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      path += hex;
    }
  }
  std::string base(api_base_url);
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/file/bot" + std::string(bot_token) + "/" + path;
}

ApiError parseApiError(std::string_view body) {
  ApiError error;
  auto root = parseJson(body);
  if (!root || !root->is_object()) return error;
  const auto& o = root->get_object();
  if (const json::value* c = find(o, "error_code"); c && c->is_int64() && c->get_int64() > 0 && c->get_int64() < 1000) {
    error.error_code = static_cast<long>(c->get_int64());
  }
  if (const json::value* d = find(o, "description"); d && d->is_string()) {
    error.description = std::string(std::string_view(d->get_string()).substr(0, 500));
  }
  if (const json::value* p = find(o, "parameters"); p && p->is_object()) {
    const auto& params = p->get_object();
    if (const json::value* r = find(params, "retry_after"); r && r->is_int64() && r->get_int64() > 0) {
      error.retry_after_s = static_cast<long>(std::min<std::int64_t>(r->get_int64(), 86'400));
    }
    auto migrate = optInteger(params, "migrate_to_chat_id", "parameters");
    if (migrate && *migrate) error.migrate_to_chat_id = **migrate;
  }
  return error;
}

app::DeliveryResult classifySendError(long http_status, std::string_view body, long retry_after_header_s) {
  using Outcome = app::DeliveryResult::Outcome;
  const ApiError e = parseApiError(body);
  const long code = e.error_code ? e.error_code : http_status;
  std::string reason = "Telegram error " + std::to_string(code);
  if (!e.description.empty()) {
    reason += ": " + e.description;
  } else if (!body.empty()) {
    // Not the Bot API's JSON (a proxy's error page): a bounded, printable excerpt.
    std::string excerpt;
    for (char c : body.substr(0, 200)) excerpt += (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) ? ' ' : c;
    reason += ": " + excerpt;
  }
  // Flood control is HTTP 429 with parameters.retry_after; 5xx (and a gateway's 408) are the
  // Bot API's own trouble. Everything else is about this message or this bot (400 chat not found,
  // 403 blocked by the user, 401 a revoked token) and would fail again the same way.
  if (http_status == 429 || code == 429 || http_status >= 500 || http_status == 408) {
    const long seconds = e.retry_after_s > 0 ? e.retry_after_s : retry_after_header_s;
    app::DeliveryResult later{Outcome::RetryLater, reason, static_cast<core::TimestampMs>(std::max(0L, seconds)) * 1000, {}};
    // Flood control names no scope: the whole bot waits parameters.retry_after seconds.
    if (http_status == 429 || code == 429) later.throttle = app::DeliveryResult::Throttle::Sender;
    return later;
  }
  return {Outcome::Failed, reason, 0, {}};
}

core::Result<std::string> parseSentMessageId(std::string_view body) {
  TG_TRY(root, parseJson(body));
  if (!root.is_object()) return makeError(ErrorCode::InvalidInput, "send answer: not a JSON object");
  const auto& o = root.get_object();
  TG_TRY(ok, optBool(o, "ok", "answer"));
  if (!ok.value_or(false)) return makeError(ErrorCode::InvalidInput, "send answer: ok is not true");
  TG_TRY(result, optObject(o, "result", "answer"));
  if (!result) return makeError(ErrorCode::InvalidInput, "send answer: result is missing");
  TG_TRY(message_id, reqMessageId(*result, "message_id", "answer.result"));
  TG_TRY(chat, readChat(*result, "chat", "answer.result"));
  return messageExternalId(chat.id, message_id);
}

app::DeliveryResult interpretSendAnswer(long http_status, std::string_view body, long retry_after_header_s) {
  if (auto sent = successfulSend(http_status, "Telegram accepted the message but ", [&] { return parseSentMessageId(body); })) {
    return *sent;
  }
  return classifySendError(http_status, body, retry_after_header_s);
}

app::DeliveryResult interpretMediaGroupAnswer(long http_status, std::string_view body, long retry_after_header_s) {
  auto firstId = [&]() -> core::Result<std::string> {
    TG_TRY(root, parseJson(body));
    if (!root.is_object()) return makeError(ErrorCode::InvalidInput, "send answer: not a JSON object");
    const auto& o = root.get_object();
    TG_TRY(ok, optBool(o, "ok", "answer"));
    if (!ok.value_or(false)) return makeError(ErrorCode::InvalidInput, "send answer: ok is not true");
    const json::value* result = find(o, "result");
    if (!result || !result->is_array() || result->get_array().empty() || !result->get_array().front().is_object()) {
      return makeError(ErrorCode::InvalidInput, "send answer: result is not a list of the sent messages");
    }
    const auto& first = result->get_array().front().get_object();
    TG_TRY(message_id, reqMessageId(first, "message_id", "answer.result[0]"));
    TG_TRY(chat, readChat(first, "chat", "answer.result[0]"));
    return messageExternalId(chat.id, message_id);
  };
  if (auto sent = successfulSend(http_status, "Telegram accepted the album but ", firstId)) return *sent;
  return classifySendError(http_status, body, retry_after_header_s);
}

core::Result<FileInfo> parseGetFile(std::string_view body) {
  TG_TRY(root, parseJson(body));
  if (!root.is_object()) return makeError(ErrorCode::InvalidInput, "getFile answer: not a JSON object");
  const auto& o = root.get_object();
  TG_TRY(ok, optBool(o, "ok", "getFile"));
  if (!ok.value_or(false)) return makeError(ErrorCode::InvalidInput, "getFile answer: ok is not true");
  TG_TRY(result, optObject(o, "result", "getFile"));
  if (!result) return makeError(ErrorCode::InvalidInput, "getFile answer: result is missing");
  FileInfo info;
  TG_TRY(file_id, optString(*result, "file_id", "getFile.result", kMaxIdLength));
  TG_TRY(path, optString(*result, "file_path", "getFile.result", 4096));
  TG_TRY(size, optCount(*result, "file_size", "getFile.result"));
  // "file_path: Optional ... Use https://api.telegram.org/file/bot<token>/<file_path> to get the file."
  if (!path || path->empty()) return makeError(ErrorCode::InvalidInput, "getFile answer: no file_path (the file cannot be downloaded)");
  info.file_id = file_id.value_or("");
  info.file_path = *path;
  info.file_size = size.value_or(0);
  return info;
}

std::string encodeGetFile(std::string_view file_id) { return json::serialize(json::object{{"file_id", file_id}}); }

std::string encodeAnswerCallbackQuery(std::string_view callback_query_id) {
  return json::serialize(json::object{{"method", "answerCallbackQuery"}, {"callback_query_id", callback_query_id}});
}

std::optional<std::pair<std::string, std::string>> splitMessageId(std::string_view external_id) {
  const auto first = external_id.find(':');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = external_id.find(':', first + 1);
  const auto chat = external_id.substr(0, first);
  const auto message = external_id.substr(first + 1, second == std::string_view::npos ? std::string_view::npos : second - first - 1);
  if (!canonicalInteger(chat) || !canonicalInteger(message) || message.front() == '-') return std::nullopt;
  return std::pair<std::string, std::string>(std::string(chat), std::string(message));
}

#undef TG_TRY

}  // namespace parley::channels::telegram
