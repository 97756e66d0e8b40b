#include "channels/x/x_codec.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <utility>

#include "app/crypto.hpp"
#include "channels/common/base64.hpp"
#include "channels/common/percent_encoding.hpp"
#include "channels/common/json_fields.hpp"
#include "channels/common/json_input.hpp"
#include "core/text.hpp"

namespace parley::channels::x {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;

namespace {

#define X_TRY(var, expr)                          \
  auto var##_result = (expr);                     \
  if (!var##_result) return var##_result.error(); \
  auto var = std::move(*var##_result)

// Small JSON accessors (channels/common/json_fields.hpp): absent/null -> nullopt, wrong type ->
// InvalidInput with the path.
using namespace json_fields;

core::Result<std::optional<std::string>> optString(const json::object& o, std::string_view key, const std::string& path,
                                                    std::size_t max = 1'000'000) {
  return json_fields::optString(o, key, path, max, "bytes");
}

bool digits(std::string_view s) {
  return !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// X's ids: strings of digits (id_str). A JSON number is accepted only as an integer (Boost.JSON
// keeps 64-bit integers exact), never as a double, which would lose digits beyond 2^53.
core::Result<std::optional<std::string>> optId(const json::object& o, std::string_view key, const std::string& path) {
  const json::value* v = find(o, key);
  if (!v) return std::optional<std::string>();
  if (v->is_uint64()) return std::optional<std::string>(std::to_string(v->get_uint64()));
  if (v->is_int64() && v->get_int64() >= 0) return std::optional<std::string>(std::to_string(v->get_int64()));
  if (!v->is_string() || !digits(v->get_string())) return wrongType(path + "." + std::string(key), "an id (a string of digits)");
  return std::optional<std::string>(std::string(v->get_string()));
}

// An id X gives under either of two names (v1.1 objects: "id_str" and the numeric "id"; a
// delete's status: "id" and "id_str"): the first present, nullopt when neither is.
core::Result<std::optional<std::string>> optIdEither(const json::object& o, std::string_view first, std::string_view second,
                                                     const std::string& path) {
  X_TRY(id, optId(o, first, path));
  if (id) return id;
  return optId(o, second, path);
}

// created_timestamp / timestamp_ms: Unix milliseconds as a string of digits (a number too). 0 if absent.
core::Result<core::TimestampMs> millis(const json::object& o, std::string_view key, const std::string& path) {
  const json::value* v = find(o, key);
  if (!v) return core::TimestampMs{0};
  constexpr std::int64_t kMax = 100'000'000'000'000;
  std::int64_t ms = -1;
  if (v->is_int64()) {
    ms = v->get_int64();
  } else if (v->is_uint64()) {
    ms = v->get_uint64() > static_cast<std::uint64_t>(kMax) ? -1 : static_cast<std::int64_t>(v->get_uint64());
  } else if (v->is_string() && digits(v->get_string()) && v->get_string().size() <= 15) {
    ms = 0;
    for (char c : v->get_string()) ms = ms * 10 + (c - '0');
  } else {
    return wrongType(path + "." + std::string(key), "Unix milliseconds");
  }
  if (ms < 0 || ms > kMax) return makeError(ErrorCode::InvalidInput, path + "." + std::string(key) + ": out of range");
  return core::TimestampMs{ms};
}

struct UserInfo {
  std::string name, screen_name;
};

// The `users` map: id -> {name, screen_name}. Entries of another shape are skipped.
std::map<std::string, UserInfo> readUsers(const json::object& root) {
  std::map<std::string, UserInfo> users;
  const json::value* v = find(root, "users");
  if (!v || !v->is_object()) return users;
  for (const auto& [id, user] : v->get_object()) {
    if (!user.is_object() || users.size() >= 1000) continue;
    UserInfo info;
    if (const auto* n = find(user.get_object(), "name"); n && n->is_string() && n->get_string().size() <= 1024) {
      info.name = std::string(n->get_string());
    }
    if (const auto* s = find(user.get_object(), "screen_name"); s && s->is_string() && s->get_string().size() <= 256) {
      info.screen_name = std::string(s->get_string());
    }
    users.emplace(std::string(id), std::move(info));
  }
  return users;
}

std::string displayName(const UserInfo& user) {
  if (!user.name.empty() && !user.screen_name.empty()) return user.name + " (@" + user.screen_name + ")";
  if (!user.screen_name.empty()) return "@" + user.screen_name;
  return user.name;
}

// A media object (DM attachment.media or a post's extended_entities.media[]): the URL to fetch,
// the kind, and the t.co link X appended to the text for it. Videos and GIFs are fetched as the
// best mp4 variant; media_url_https is only their poster image.
struct MediaRef {
  core::MessageKind kind = core::MessageKind::Image;
  std::string url, tco, content_type;
};

core::Result<std::optional<MediaRef>> readMedia(const json::object& media, const std::string& path) {
  X_TRY(type, optString(media, "type", path, 64));
  X_TRY(url, optString(media, "media_url_https", path, 8192));
  X_TRY(tco, optString(media, "url", path, 8192));
  MediaRef ref;
  ref.tco = tco.value_or("");
  ref.url = url.value_or("");
  if (type == "video" || type == "animated_gif") {
    ref.kind = core::MessageKind::Video;
    X_TRY(info, optObject(media, "video_info", path));
    if (info) {
      X_TRY(variants, optArray(*info, "variants", path + ".video_info"));
      std::int64_t best = -1;
      for (std::size_t i = 0; variants && i < variants->size(); ++i) {
        const std::string vp = path + ".video_info.variants[" + std::to_string(i) + "]";
        if (!(*variants)[i].is_object()) return wrongType(vp, "an object");
        const auto& variant = (*variants)[i].get_object();
        X_TRY(ct, optString(variant, "content_type", vp, 128));
        X_TRY(vurl, optString(variant, "url", vp, 8192));
        if (ct != "video/mp4" || !vurl) continue;
        std::int64_t bitrate = 0;
        if (const auto* b = find(variant, "bitrate"); b && b->is_int64()) bitrate = b->get_int64();
        if (bitrate > best) {
          best = bitrate;
          ref.url = *vurl;
          ref.content_type = "video/mp4";
        }
      }
    }
  } else if (type && *type != "photo") {
    ref.kind = core::MessageKind::Document;
  }
  if (ref.url.rfind("https://", 0) != 0 && ref.url.rfind("http://", 0) != 0) return std::optional<MediaRef>();
  return std::optional<MediaRef>(std::move(ref));
}

// X sends the text of posts (and of DMs) HTML-escaped: "&", "<" and ">" as "&amp;", "&lt;" and
// "&gt;" (and only those; X's "Tweet object" docs, and its answer on the developer forum about
// ampersands in Account Activity events). Undone so the agent reads what the customer wrote, and
// the echo of a reply with "Q&A" reads like the reply.
std::string withoutHtmlEscapes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '&') {
      bool replaced = false;
      for (auto [entity, plain] : {std::pair{"&amp;", '&'}, std::pair{"&lt;", '<'}, std::pair{"&gt;", '>'}}) {
        if (text.substr(i, std::string_view(entity).size()) == entity) {
          out += plain;
          i += std::string_view(entity).size();
          replaced = true;
          break;
        }
      }
      if (replaced) continue;
    }
    out += text[i++];
  }
  return out;
}

// A reply's leading @names are its reply metadata, which X hides: `display_text_range` (on the
// post, or on extended_tweet for a long one) starts, in code points, where the words the person
// wrote begin ("Upcoming changes to Tweets", hidden text). That prefix is dropped when it is
// nothing but @names and spaces; the names are returned for the payload.
std::string withoutHiddenMentions(std::string text, const json::object& owner, json::array& hidden) {
  const json::value* range = find(owner, "display_text_range");
  if (!range || !range->is_array() || range->get_array().size() != 2 || !range->get_array()[0].is_int64()) return text;
  const std::int64_t start = range->get_array()[0].get_int64();
  if (start <= 0) return text;
  const std::size_t bytes = core::utf8Offset(text, static_cast<std::size_t>(start));
  if (bytes == std::string::npos) return text;
  const auto name_char = [&](std::size_t at) {
    return at < text.size() && (std::isalnum(static_cast<unsigned char>(text[at])) || text[at] == '_');
  };
  std::vector<std::string> names;
  for (std::size_t i = 0; i < bytes;) {
    if (text[i] == ' ' || text[i] == '\n' || text[i] == '\t') {
      ++i;
      continue;
    }
    if (text[i] != '@') return text;
    std::size_t end = i + 1;
    while (end < bytes && name_char(end)) ++end;
    if (end == i + 1) return text;
    names.emplace_back(text.substr(i + 1, end - i - 1));
    i = end;
  }
  if (name_char(bytes - 1) && name_char(bytes)) return text;  // the range cuts a name in two
  // Nothing but @names (a reply that only tags people): the names are what was written.
  if (text.find_first_not_of(" \t\n\r", bytes) == std::string::npos) return text;
  for (auto& n : names) hidden.emplace_back(n);
  return text.substr(bytes);
}

// Text without the trailing t.co links X appended for the media.
std::string withoutMediaLinks(std::string text, const std::vector<MediaRef>& media) {
  for (const auto& m : media) {
    if (m.tco.empty()) continue;
    if (auto at = text.rfind(m.tco); at != std::string::npos && at + m.tco.size() == text.size()) {
      text.erase(at);
      while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.pop_back();
    }
  }
  return text;
}

// The links X shortened to t.co, back to what the customer wrote (`entities.urls[]`: `url` ->
// `expanded_url`, as X's docs say to display them), so that an agent sees where a link goes and
// the echo of a reply with a link reads like the reply. Lenient: entities are a display aid, so
// a malformed one leaves its link short instead of refusing the message; only http(s) targets.
std::string withExpandedLinks(std::string text, const json::object& owner) {
  const json::value* entities = find(owner, "entities");
  const json::value* urls = entities && entities->is_object() ? find(entities->get_object(), "urls") : nullptr;
  if (!urls || !urls->is_array()) return text;
  for (const auto& entry : urls->get_array()) {
    if (!entry.is_object()) continue;
    const json::value* short_url = find(entry.get_object(), "url");
    const json::value* expanded = find(entry.get_object(), "expanded_url");
    if (!short_url || !short_url->is_string() || !expanded || !expanded->is_string()) continue;
    const std::string_view from = short_url->get_string();
    const std::string_view to = expanded->get_string();
    if (from.empty() || to.size() > 8192 || (to.rfind("https://", 0) != 0 && to.rfind("http://", 0) != 0)) continue;
    if (auto at = text.find(from); at != std::string::npos) text.replace(at, from.size(), to);
  }
  return text;
}

void addMedia(core::InboundMessage& m, const std::vector<MediaRef>& media) {
  for (const auto& ref : media) {
    if (m.media.size() >= 20) break;
    if (m.media.empty()) m.kind = ref.kind;
    core::InboundMedia file;
    file.provider_ref = ref.url;
    file.mime_type = ref.content_type;
    m.media.push_back(std::move(file));
  }
}

core::Status readDm(const json::object& event, const std::string& path, const std::string& for_user,
                    const std::map<std::string, UserInfo>& users, WebhookBatch& out) {
  X_TRY(type, optString(event, "type", path, 64));
  if (type != "message_create") {
    ++out.batch.ignored;  // other DM event types (e.g. participants joining) are not messages
    return {};
  }
  X_TRY(id, optId(event, "id", path));
  if (!id) return makeError(ErrorCode::InvalidInput, path + ".id: required");
  X_TRY(at, millis(event, "created_timestamp", path));
  X_TRY(create, optObject(event, "message_create", path));
  if (!create) return makeError(ErrorCode::InvalidInput, path + ".message_create: required");
  const std::string cp = path + ".message_create";
  X_TRY(sender, optId(*create, "sender_id", cp));
  if (!sender) return makeError(ErrorCode::InvalidInput, cp + ".sender_id: required");
  X_TRY(target, optObject(*create, "target", cp));
  std::optional<std::string> recipient;
  if (target) {
    X_TRY(r, optId(*target, "recipient_id", cp + ".target"));
    recipient = std::move(r);
  }
  X_TRY(data, optObject(*create, "message_data", cp));
  std::string text;
  std::vector<MediaRef> media;
  json::object payload{{"dm_event_id", *id}};
  if (data) {
    const std::string dp = cp + ".message_data";
    X_TRY(t, optString(*data, "text", dp));
    text = t.value_or("");
    X_TRY(attachment, optObject(*data, "attachment", dp));
    if (attachment) {
      X_TRY(m, optObject(*attachment, "media", dp + ".attachment"));
      if (m) {
        X_TRY(ref, readMedia(*m, dp + ".attachment.media"));
        if (ref) media.push_back(std::move(*ref));
      }
    }
    X_TRY(quick, optObject(*data, "quick_reply_response", dp));
    if (quick) {
      X_TRY(meta, optString(*quick, "metadata", dp + ".quick_reply_response", 1000));
      if (meta) payload["quick_reply_metadata"] = *meta;
    }
  }
  core::InboundMessage m;
  m.account_id = for_user;
  m.external_id = *id;
  m.sent_at = at;
  m.echo = *sender == for_user;
  // An echo is ours: the conversation belongs to the person we wrote to.
  const std::string customer = m.echo ? recipient.value_or("") : *sender;
  if (customer.empty()) return makeError(ErrorCode::InvalidInput, cp + ".target.recipient_id: required for a DM the account sent");
  m.contact.external_id = customer;
  if (auto u = users.find(customer); u != users.end()) {
    m.contact.name = displayName(u->second);
    if (!u->second.screen_name.empty()) payload["screen_name"] = u->second.screen_name;
  }
  m.text = withoutMediaLinks(withoutHtmlEscapes(text), media);
  if (data) m.text = withExpandedLinks(std::move(m.text), *data);
  addMedia(m, media);
  m.payload_json = json::serialize(payload);
  out.batch.messages.push_back(std::move(m));
  return {};
}

// Whether a post's entities.user_mentions (or extended_tweet's, for a long post) name `user_id`.
bool mentions(const json::object& tweet, const std::string& user_id) {
  const json::value* extended = find(tweet, "extended_tweet");
  std::vector<const json::object*> owners{&tweet};
  if (extended && extended->is_object()) owners.push_back(&extended->get_object());
  for (const json::object* owner : owners) {
    const json::value* entities = find(*owner, "entities");
    const json::value* list = entities && entities->is_object() ? find(entities->get_object(), "user_mentions") : nullptr;
    if (!list || !list->is_array()) continue;
    for (const auto& mention : list->get_array()) {
      if (!mention.is_object()) continue;
      auto id = optId(mention.get_object(), "id_str", "mention");
      if (!id || !*id) id = optId(mention.get_object(), "id", "mention");
      if (id && *id && **id == user_id) return true;
    }
  }
  return false;
}

core::Status readTweet(const json::object& tweet, const std::string& path, const std::string& for_user, WebhookBatch& out) {
  X_TRY(id, optIdEither(tweet, "id_str", "id", path));
  if (!id) return makeError(ErrorCode::InvalidInput, path + ".id_str: required");
  if (find(tweet, "retweeted_status")) {
    ++out.batch.ignored;  // a retweet says nothing to answer
    return {};
  }
  // A quote post (of the account's post, or by the account) is a conversation only when it
  // @mentions the account or answers a post; a bare quote is the customer sharing a post.
  const json::value* quote_flag = find(tweet, "is_quote_status");
  const bool quote = find(tweet, "quoted_status") || find(tweet, "quoted_status_id_str") ||
                     (quote_flag && quote_flag->is_bool() && quote_flag->get_bool());
  if (quote && !find(tweet, "in_reply_to_status_id_str") && !mentions(tweet, for_user)) {
    ++out.batch.ignored;
    return {};
  }
  X_TRY(user, optObject(tweet, "user", path));
  if (!user) return makeError(ErrorCode::InvalidInput, path + ".user: required");
  X_TRY(author, optIdEither(*user, "id_str", "id", path + ".user"));
  if (!author) return makeError(ErrorCode::InvalidInput, path + ".user.id_str: required");
  X_TRY(in_reply_to, optId(tweet, "in_reply_to_status_id_str", path));
  X_TRY(in_reply_to_user, optId(tweet, "in_reply_to_user_id_str", path));
  X_TRY(in_reply_to_name, optString(tweet, "in_reply_to_screen_name", path, 256));
  const bool ours = *author == for_user;
  if (ours && (!in_reply_to || !in_reply_to_user || *in_reply_to_user == for_user)) {
    ++out.batch.ignored;  // the account's own post (or thread) that answers no customer
    return {};
  }
  X_TRY(at, millis(tweet, "timestamp_ms", path));
  X_TRY(text, optString(tweet, "text", path));
  X_TRY(extended, optObject(tweet, "extended_tweet", path));
  const json::object* media_owner = &tweet;
  if (extended) {
    X_TRY(full, optString(*extended, "full_text", path + ".extended_tweet"));
    if (full) text = std::move(full);
    media_owner = extended;
  }
  std::vector<MediaRef> media;
  X_TRY(entities, optObject(*media_owner, "extended_entities", path));
  if (entities) {
    X_TRY(list, optArray(*entities, "media", path + ".extended_entities"));
    for (std::size_t i = 0; list && i < list->size(); ++i) {
      const std::string mp = path + ".extended_entities.media[" + std::to_string(i) + "]";
      if (!(*list)[i].is_object()) return wrongType(mp, "an object");
      X_TRY(ref, readMedia((*list)[i].get_object(), mp));
      if (ref) media.push_back(std::move(*ref));
    }
  }
  X_TRY(name, optString(*user, "name", path + ".user", 1024));
  X_TRY(screen_name, optString(*user, "screen_name", path + ".user", 256));

  core::InboundMessage m;
  m.account_id = for_user;
  m.external_id = *id;
  m.sent_at = at;
  m.is_public = true;
  m.new_conversation_unless_threaded = true;
  if (in_reply_to) {
    m.thread_refs = {*in_reply_to};
    m.reply_to_external_id = *in_reply_to;
  }
  json::object payload{{"tweet_id", *id}};
  if (ours) {
    m.echo = true;  // the account answered from X itself
    m.contact.external_id = *in_reply_to_user;
    if (in_reply_to_name) m.contact.name = "@" + *in_reply_to_name;
  } else {
    m.contact.external_id = *author;
    m.contact.name = displayName({name.value_or(""), screen_name.value_or("")});
    if (screen_name) payload["screen_name"] = *screen_name;
  }
  if (in_reply_to) payload["in_reply_to_tweet_id"] = *in_reply_to;
  json::array hidden;
  const std::string written = withoutHiddenMentions(text.value_or(""), *media_owner, hidden);
  if (!hidden.empty()) payload["reply_to_names"] = std::move(hidden);
  m.text = withExpandedLinks(withoutMediaLinks(withoutHtmlEscapes(written), media), *media_owner);
  addMedia(m, media);
  m.payload_json = json::serialize(payload);
  out.batch.messages.push_back(std::move(m));
  return {};
}

// tweet_delete_events[] {"status": {"id", "user_id"}, "timestamp_ms"}: someone deleted a post.
// X's developer policy asks that a deleted post is deleted where it was stored too (Compliance:
// "Delete associated Post"), so the customer's stored post is taken back as an unsent message
// (InboundEdit::unsent, only if user_id wrote it). The account's own deletes are ignored: a
// reply Parley sent stays as it was sent.
core::Status readTweetDelete(const json::object& event, const std::string& path, const std::string& for_user, WebhookBatch& out) {
  X_TRY(status, optObject(event, "status", path));
  if (!status) return makeError(ErrorCode::InvalidInput, path + ".status: required");
  X_TRY(id, optIdEither(*status, "id", "id_str", path + ".status"));
  X_TRY(author, optIdEither(*status, "user_id", "user_id_str", path + ".status"));
  X_TRY(at, millis(event, "timestamp_ms", path));
  if (!id || !author || *author == for_user) {
    ++out.batch.ignored;
    return {};
  }
  core::InboundEdit deleted;
  deleted.account_id = for_user;
  deleted.provider_message_id = *id;
  deleted.at = at;
  deleted.unsent = true;
  deleted.author_external_id = *author;
  out.batch.edits.push_back(std::move(deleted));
  return {};
}

core::Status readMarkRead(const json::object& event, const std::string& path, const std::string& for_user, WebhookBatch& out) {
  X_TRY(reader, optId(event, "sender_id", path));
  X_TRY(last, optId(event, "last_read_event_id", path));
  X_TRY(at, millis(event, "created_timestamp", path));
  if (!reader || *reader == for_user) {
    ++out.batch.ignored;  // the account read the customer's messages: nothing to record
    return {};
  }
  out.reads.push_back({for_user, *reader, last.value_or(""), at});
  return {};
}

bool validPathId(std::string_view id) { return digits(id); }

bool httpUrl(std::string_view url) { return url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0; }

bool isBlank(std::string_view text) { return text.find_first_not_of(" \t\r\n") == std::string_view::npos; }

core::Status checkText(std::string_view text) {
  if (!core::isValidUtf8(text)) return makeError(ErrorCode::InvalidInput, "text: invalid UTF-8");
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return makeError(ErrorCode::InvalidInput, "text: the reply is empty");
  return {};
}

std::size_t codePoints(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

bool isXId(std::string_view s) { return digits(s); }

std::string trimSlashes(std::string_view base) {
  std::string out(base);
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out;
}

core::Result<WebhookBatch> parseWebhook(std::string_view raw_body) {
  X_TRY(root, parseUntrustedJson(raw_body, kMaxWebhookBytes, kMaxJsonDepth));
  if (!root.is_object()) return makeError(ErrorCode::InvalidInput, "the body must be a JSON object");
  const auto& o = root.get_object();
  WebhookBatch out;
  X_TRY(for_user, optId(o, "for_user_id", "body"));
  if (!for_user) {
    // Documented deliveries without for_user_id: user_event (an account revoked the app's
    // authorisation), and the webhook examples of the DM read-receipt and typing-indicator
    // references. No account is named, so there is no inbox to store into: accepted, ignored.
    for (const auto& [key, value] : o) {
      if (key == "user_event" || key.ends_with("_events")) out.batch.ignored += value.is_array() ? static_cast<int>(value.get_array().size()) : 1;
    }
    if (out.batch.ignored == 0) return makeError(ErrorCode::InvalidInput, "for_user_id: required");
    return out;
  }
  out.for_user_id = *for_user;
  // "user_has_blocked": a mention by someone the account has blocked (a string "true"/"false" in
  // X's examples, a boolean elsewhere): not a conversation to open.
  const json::value* blocked_flag = find(o, "user_has_blocked");
  const bool blocked = blocked_flag && ((blocked_flag->is_bool() && blocked_flag->get_bool()) ||
                                        (blocked_flag->is_string() && blocked_flag->get_string() == "true"));
  const auto users = readUsers(o);

  X_TRY(dms, optArray(o, "direct_message_events", "body"));
  for (std::size_t i = 0; dms && i < dms->size(); ++i) {
    const std::string p = "direct_message_events[" + std::to_string(i) + "]";
    if (!(*dms)[i].is_object()) return wrongType(p, "an object");
    if (auto s = readDm((*dms)[i].get_object(), p, out.for_user_id, users, out); !s) return s.error();
  }
  X_TRY(tweets, optArray(o, "tweet_create_events", "body"));
  if (tweets && blocked) {
    out.batch.ignored += static_cast<int>(tweets->size());
    tweets = nullptr;
  }
  for (std::size_t i = 0; tweets && i < tweets->size(); ++i) {
    const std::string p = "tweet_create_events[" + std::to_string(i) + "]";
    if (!(*tweets)[i].is_object()) return wrongType(p, "an object");
    if (auto s = readTweet((*tweets)[i].get_object(), p, out.for_user_id, out); !s) return s.error();
  }
  X_TRY(reads, optArray(o, "direct_message_mark_read_events", "body"));
  for (std::size_t i = 0; reads && i < reads->size(); ++i) {
    const std::string p = "direct_message_mark_read_events[" + std::to_string(i) + "]";
    if (!(*reads)[i].is_object()) return wrongType(p, "an object");
    if (auto s = readMarkRead((*reads)[i].get_object(), p, out.for_user_id, out); !s) return s.error();
  }
  X_TRY(typing, optArray(o, "direct_message_indicate_typing_events", "body"));
  if (typing) out.typing += static_cast<int>(typing->size());
  X_TRY(deletes, optArray(o, "tweet_delete_events", "body"));
  for (std::size_t i = 0; deletes && i < deletes->size(); ++i) {
    const std::string p = "tweet_delete_events[" + std::to_string(i) + "]";
    if (!(*deletes)[i].is_object()) return wrongType(p, "an object");
    if (auto s = readTweetDelete((*deletes)[i].get_object(), p, out.for_user_id, out); !s) return s.error();
  }
  // favorite_events, follow_events, block_events, user_event ...: accepted, dropped.
  for (const auto& [key, value] : o) {
    if (key.ends_with("_events") && key != "direct_message_events" && key != "tweet_create_events" &&
        key != "direct_message_mark_read_events" && key != "direct_message_indicate_typing_events" &&
        key != "tweet_delete_events") {
      out.batch.ignored += value.is_array() ? static_cast<int>(value.get_array().size()) : 1;
    }
  }
  return out;
}

namespace {

// A query string's component, decoded ('+' is a space in application/x-www-form-urlencoded).
std::string queryDecode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] == '%' && i + 2 < in.size() && hexDigitValue(in[i + 1]) >= 0 && hexDigitValue(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexDigitValue(in[i + 1]) * 16 + hexDigitValue(in[i + 2])));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

std::string hmacSha1Base64(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
       digest, &length);
  return base64(std::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace

std::string oauth1Authorization(std::string_view method, std::string_view url, const OAuth1Credentials& credentials,
                                std::string_view nonce, std::int64_t timestamp,
                                const std::vector<std::pair<std::string, std::string>>& body_params) {
  const std::size_t query_at = url.find_first_of("?#");
  const std::string_view base_url = url.substr(0, query_at);
  std::vector<std::pair<std::string, std::string>> oauth{{"oauth_consumer_key", credentials.consumer_key},
                                                         {"oauth_nonce", std::string(nonce)},
                                                         {"oauth_signature_method", "HMAC-SHA1"},
                                                         {"oauth_timestamp", std::to_string(timestamp)},
                                                         {"oauth_token", credentials.token},
                                                         {"oauth_version", "1.0"}};
  std::vector<std::pair<std::string, std::string>> encoded;
  for (const auto& [k, v] : oauth) encoded.emplace_back(percentEncode(k), percentEncode(v));
  for (const auto& [k, v] : body_params) encoded.emplace_back(percentEncode(k), percentEncode(v));
  if (query_at != std::string_view::npos && url[query_at] == '?') {
    std::string_view query = url.substr(query_at + 1);
    query = query.substr(0, query.find('#'));
    while (!query.empty()) {
      const std::size_t amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      if (!pair.empty()) {
        const std::size_t eq = pair.find('=');
        encoded.emplace_back(percentEncode(queryDecode(pair.substr(0, eq))),
                             percentEncode(eq == std::string_view::npos ? std::string() : queryDecode(pair.substr(eq + 1))));
      }
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  std::sort(encoded.begin(), encoded.end());
  std::string parameters;
  for (const auto& [k, v] : encoded) parameters += (parameters.empty() ? "" : "&") + k + "=" + v;
  const std::string base = std::string(method) + "&" + percentEncode(base_url) + "&" + percentEncode(parameters);
  const std::string key = percentEncode(credentials.consumer_secret) + "&" + percentEncode(credentials.token_secret);
  oauth.emplace_back("oauth_signature", hmacSha1Base64(key, base));
  std::sort(oauth.begin(), oauth.end());
  std::string header = "OAuth ";
  for (std::size_t i = 0; i < oauth.size(); ++i) {
    header += (i ? ", " : "") + percentEncode(oauth[i].first) + "=\"" + percentEncode(oauth[i].second) + "\"";
  }
  return header;
}

std::string signature(std::string_view consumer_secret, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), consumer_secret.data(), static_cast<int>(consumer_secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return "sha256=" + base64(std::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string crcResponse(std::string_view consumer_secret, std::string_view crc_token) {
  return json::serialize(json::object{{"response_token", signature(consumer_secret, crc_token)}});
}

bool verifySignature(std::string_view consumer_secret, std::string_view raw_body, std::string_view header) {
  if (consumer_secret.empty() || header.size() != 51 || header.substr(0, 7) != "sha256=") return false;
  return app::constantTimeEqual(header, signature(consumer_secret, raw_body));
}

namespace {

// twitter-text v3 (config/v3.json): weight 100 for these ranges, 200 for everything else, scale
// 100; every link counts transformedURLLength = 23 whatever its length.
constexpr std::size_t kUrlWeight = 23;

// An emoji counts 2 however many code points it takes (X: "zero-width joiners combine emojis
// visually but don't add to the count"): a joiner and what it joins, variation selectors, skin
// tones and the second regional indicator of a flag weigh nothing.
std::size_t weightedLength(std::string_view s) {
  std::size_t weighted = 0;
  std::size_t i = 0;
  bool joined = false, flag_open = false;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = c;
    std::size_t n = 1;
    if (c >= 0xF0) { cp = c & 0x07; n = 4; }
    else if (c >= 0xE0) { cp = c & 0x0F; n = 3; }
    else if (c >= 0xC0) { cp = c & 0x1F; n = 2; }
    for (std::size_t k = 1; k < n && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += n;
    const bool was_joined = joined;
    joined = cp == 0x200D;
    const bool regional = cp >= 0x1F1E6 && cp <= 0x1F1FF;
    const bool second_of_flag = regional && flag_open;
    flag_open = regional && !flag_open;
    if (was_joined || joined || cp == 0xFE0E || cp == 0xFE0F || (cp >= 0x1F3FB && cp <= 0x1F3FF) || second_of_flag) continue;
    const bool light = cp <= 4351 || (cp >= 8192 && cp <= 8205) || (cp >= 8208 && cp <= 8223) || (cp >= 8242 && cp <= 8247);
    weighted += light ? 1 : 2;
  }
  return weighted;
}

bool startsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

// The top-level domains whose bare host names ("example.com") X turns into links without a
// scheme; twitter-text knows every TLD, this keeps the common ones (and web/src/lib/x-length.ts
// keeps the same list, so the desk's counter agrees).
bool linkTld(std::string_view tld) {
  static constexpr std::string_view kTlds[] = {
      "com", "net", "org", "edu", "gov", "info", "biz", "io", "co", "me", "tv", "app", "dev", "ai", "ly", "gl",
      "de", "at", "ch", "uk", "eu", "fr", "es", "it", "nl", "be", "pl", "se", "no", "dk", "fi", "ru", "us",
      "ca", "au", "jp", "cn", "in", "br", "shop", "online", "store", "site", "xyz"};
  std::string lower;
  for (char ch : tld) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (auto t : kTlds) {
    if (lower == t) return true;
  }
  return false;
}

// "example.com" or "shop.example.de/x": labels of letters, digits and '-', a known TLD last.
bool bareDomain(std::string_view token) {
  const auto host = token.substr(0, token.find_first_of("/?#:"));
  const auto dot = host.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || !linkTld(host.substr(dot + 1))) return false;
  std::size_t label = 0;
  for (char ch : host.substr(0, dot + 1)) {
    if (ch == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-') {
      ++label;
    } else {
      return false;
    }
  }
  return true;
}

// One whitespace-free token: opening punctuation, then a link, then closing punctuation count
// as X counts them (the punctuation by weight, the link as 23).
std::size_t tokenLength(std::string_view token) {
  const auto first = token.find_first_not_of("(\"'[<");
  if (first == std::string_view::npos) return weightedLength(token);
  auto last = token.find_last_not_of(".,;:!?)]\"'>");
  if (last == std::string_view::npos || last < first) return weightedLength(token);
  const auto core = token.substr(first, last + 1 - first);
  const bool scheme = (startsWithNoCase(core, "https://") && core.size() > 8) || (startsWithNoCase(core, "http://") && core.size() > 7);
  const bool www = startsWithNoCase(core, "www.") && core.find('.', 4) != std::string_view::npos;
  if (!scheme && !www && !bareDomain(core)) return weightedLength(token);
  return weightedLength(token.substr(0, first)) + kUrlWeight + weightedLength(token.substr(last + 1));
}

}  // namespace

std::size_t tweetLength(std::string_view s) {
  std::size_t total = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto space = s.find_first_of(" \t\r\n", i);
    const auto end = space == std::string_view::npos ? s.size() : space;
    total += tokenLength(s.substr(i, end - i));
    if (space == std::string_view::npos) break;
    total += 1;  // the whitespace character itself
    i = space + 1;
  }
  return total;
}

core::Result<std::string> encodeDm(const DmRequest& request) {
  if (!validPathId(request.participant_id)) return makeError(ErrorCode::InvalidInput, "recipient: not an X user id");
  if (!request.media_id.empty() && !validPathId(request.media_id)) return makeError(ErrorCode::InvalidInput, "media_id: not an X media id");
  const bool with_text = !isBlank(request.text);
  if (auto s = checkText(request.text); !s && (with_text || request.media_id.empty())) return s.error();
  if (codePoints(request.text) > kMaxDmLength) {
    return makeError(ErrorCode::InvalidInput, "text: an X direct message has at most 10000 characters");
  }
  json::object body;
  if (with_text) body["text"] = request.text;
  if (!request.media_id.empty()) body["attachments"] = json::array{json::object{{"media_id", request.media_id}}};
  return json::serialize(body);
}

core::Result<std::string> encodeTweet(const TweetRequest& request) {
  if (request.media_ids.size() > kMaxPostMedia) {
    return makeError(ErrorCode::InvalidInput, "media_ids: a post on X carries at most 4 media items");
  }
  for (const auto& id : request.media_ids) {
    if (!validPathId(id)) return makeError(ErrorCode::InvalidInput, "media_id: not an X media id");
  }
  const bool with_text = !isBlank(request.text);
  if (auto s = checkText(request.text); !s && (with_text || request.media_ids.empty())) return s.error();
  if (const auto length = tweetLength(request.text); length > kMaxTweetLength) {
    return makeError(ErrorCode::InvalidInput, "text: a post on X has at most 280 characters (this reply counts " +
                                                  std::to_string(length) + "); shorten it or answer by direct message");
  }
  json::object body;
  if (with_text) body["text"] = request.text;
  if (!request.media_ids.empty()) {
    body["media"] = json::object{{"media_ids", json::array(request.media_ids.begin(), request.media_ids.end())}};
  }
  if (!request.in_reply_to_tweet_id.empty()) {
    if (!validPathId(request.in_reply_to_tweet_id)) return makeError(ErrorCode::InvalidInput, "in_reply_to: not a post id");
    body["reply"] = json::object{{"in_reply_to_tweet_id", request.in_reply_to_tweet_id}};
  }
  return json::serialize(body);
}

core::Result<std::string> dmUrl(std::string_view api_base_url, std::string_view participant_id) {
  if (!httpUrl(api_base_url)) return makeError(ErrorCode::InvalidInput, "api_base_url: must be an http(s) URL");
  if (!validPathId(participant_id)) return makeError(ErrorCode::InvalidInput, "recipient: not an X user id");
  return trimSlashes(api_base_url) + "/2/dm_conversations/with/" + std::string(participant_id) + "/messages";
}

core::Result<std::string> tweetUrl(std::string_view api_base_url) {
  if (!httpUrl(api_base_url)) return makeError(ErrorCode::InvalidInput, "api_base_url: must be an http(s) URL");
  return trimSlashes(api_base_url) + "/2/tweets";
}

app::DeliveryResult classifyError(long http_status, std::string_view body, long rate_limit_reset_s, long retry_after_s,
                                  core::TimestampMs now_ms) {
  using Outcome = app::DeliveryResult::Outcome;
  std::string detail;
  if (auto root = parseUntrustedJson(body, 1024 * 1024, 32); root && root->is_object()) {
    const auto& o = root->get_object();
    auto text = [&](const json::object& from, const char* key) -> std::string {
      const auto* v = find(from, key);
      return v && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    // The most specific text first: the problem's detail, then the first of errors[] (v1.1's
    // {"errors":[{"code","message"}]}, or v2 errors beside a generic title), then the title.
    detail = text(o, "detail");
    if (detail.empty()) {
      if (const auto* errors = find(o, "errors"); errors && errors->is_array() && !errors->get_array().empty() &&
                                                  errors->get_array()[0].is_object()) {
        const auto& first = errors->get_array()[0].get_object();
        detail = text(first, "message");
        if (detail.empty()) detail = text(first, "detail");
      }
    }
    if (detail.empty()) detail = text(o, "title");
  }
  if (detail.empty() && !body.empty()) detail = core::toValidUtf8(body.substr(0, 200));
  std::string reason = "X error " + std::to_string(http_status) + (detail.empty() ? "" : ": " + detail);
  if (reason.size() > 1000) reason.resize(1000);
  if (http_status == 429 || http_status >= 500 || http_status == 408) {
    core::TimestampMs wait = 0;
    if (http_status == 429 && rate_limit_reset_s > 0) {
      wait = std::max<core::TimestampMs>(1000, static_cast<core::TimestampMs>(rate_limit_reset_s) * 1000 - now_ms);
    } else if (retry_after_s > 0) {
      wait = static_cast<core::TimestampMs>(retry_after_s) * 1000;
    }
    app::DeliveryResult later{Outcome::RetryLater, reason, wait, {}};
    if (http_status == 429) later.throttle = app::DeliveryResult::Throttle::Sender;  // the account's window
    return later;
  }
  return {Outcome::Failed, reason, 0, {}};
}

app::DeliveryResult interpretAnswer(bool dm, long http_status, std::string_view body, long rate_limit_reset_s,
                                    long retry_after_s, core::TimestampMs now_ms) {
  using Outcome = app::DeliveryResult::Outcome;
  if (http_status < 200 || http_status >= 300) return classifyError(http_status, body, rate_limit_reset_s, retry_after_s, now_ms);
  auto root = parseUntrustedJson(body, 1024 * 1024, 32);
  if (root && root->is_object()) {
    if (const auto* data = find(root->get_object(), "data"); data && data->is_object()) {
      auto id = optId(data->get_object(), dm ? "dm_event_id" : "id", "data");
      if (id && *id) return {Outcome::Delivered, "", 0, **id};
    }
  }
  return {Outcome::Failed, std::string("X accepted the ") + (dm ? "message" : "post") + " but its answer names no id", 0, {}};
}

core::Result<TokenRequest> refreshTokenRequest(std::string_view api_base_url, std::string_view refresh_token,
                                               const OAuth2Client& client) {
  if (!httpUrl(api_base_url)) return makeError(ErrorCode::InvalidInput, "api_base_url: must be an http(s) URL");
  if (refresh_token.empty()) return makeError(ErrorCode::InvalidInput, "refresh_token: required");
  if (client.client_id.empty()) return makeError(ErrorCode::InvalidInput, "client_id: required to refresh a token");
  TokenRequest request;
  request.url = trimSlashes(api_base_url) + "/2/oauth2/token";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  request.body = "grant_type=refresh_token&refresh_token=" + percentEncode(refresh_token);
  if (client.client_secret.empty()) {
    request.body += "&client_id=" + percentEncode(client.client_id);
  } else {
    request.headers.emplace_back("Authorization", "Basic " + base64(client.client_id + ":" + client.client_secret));
  }
  return request;
}

TokenAnswer interpretTokenAnswer(long http_status, std::string_view body, std::int64_t now_s) {
  TokenAnswer answer;
  std::optional<json::object> root;
  if (auto parsed = parseUntrustedJson(body, 64 * 1024, 16); parsed && parsed->is_object()) root = parsed->get_object();
  auto text = [&](const char* key) -> std::string {
    const auto* v = root ? find(*root, key) : nullptr;
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  if (http_status >= 200 && http_status < 300) {
    answer.access_token = text("access_token");
    answer.refresh_token = text("refresh_token");
    if (answer.access_token.empty()) {
      answer.kind = TokenAnswer::Kind::RetryLater;
      answer.reason = "X's token refresh answered without an access_token";
      return answer;
    }
    answer.kind = TokenAnswer::Kind::Tokens;
    if (const auto* in = root ? find(*root, "expires_in") : nullptr; in && in->is_number()) {
      boost::system::error_code ec;
      const auto seconds = in->to_number<std::int64_t>(ec);
      if (!ec && seconds > 0 && seconds < 10LL * 365 * 24 * 3600) answer.expires_at_s = now_s + seconds;
    }
    return answer;
  }
  const std::string error = text("error");
  std::string detail = text("error_description");
  if (detail.empty()) detail = text("detail");
  if (detail.empty()) detail = text("title");
  const std::string said = error.empty() ? detail : (detail.empty() ? error : error + ": " + detail);
  const std::string status = "X error " + std::to_string(http_status) + (said.empty() ? "" : ", " + said);
  if (http_status == 408 || http_status == 429 || http_status >= 500) {
    answer.kind = TokenAnswer::Kind::RetryLater;
    answer.reason = "X could not refresh the access token now (" + status + ")";
    return answer;
  }
  answer.kind = TokenAnswer::Kind::Refused;
  if (error == "invalid_grant" || (error.empty() && http_status == 400)) {
    answer.reason = "X refused the refresh token: re-authorise the inbox (" + status + ")";
  } else {
    answer.reason = "X refused the token refresh: check the inbox's client_id and client_secret (" + status + ")";
  }
  if (answer.reason.size() > 1000) answer.reason.resize(1000);
  return answer;
}

#undef X_TRY

}  // namespace parley::channels::x
