#include "channels/messenger/messenger_codec.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <utility>

#include "app/crypto.hpp"
#include "channels/common/code_points.hpp"
#include "channels/common/file_limits.hpp"
#include "channels/common/json_fields.hpp"
#include "channels/common/json_input.hpp"
#include "channels/common/send_answer.hpp"
#include "core/text.hpp"

namespace parley::channels::messenger {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;

namespace {

// ---- small JSON accessors (channels/common/json_fields.hpp): absent/null -> nullopt, wrong type ->
// InvalidInput with the path ----

// Meta's: limits in characters, ids as strings (an integer kept as its decimal text).
using namespace json_fields::meta;
static_assert(kMaxIdLength == json_fields::meta::kMaxIdLength);

// Messenger timestamps and watermarks are Unix milliseconds as a JSON number (a digit string is
// accepted too). 0 when absent.
core::Result<core::TimestampMs> millis(const json::object& o, std::string_view key, const std::string& path) {
  const json::value* v = find(o, key);
  if (!v) return core::TimestampMs{0};
  constexpr std::int64_t kMax = 100'000'000'000'000;  // year ~5138 in milliseconds
  constexpr std::int64_t kSecondsBelow = 100'000'000'000;  // as milliseconds: March 1973
  std::int64_t ms = 0;
  if (v->is_int64()) {
    ms = v->get_int64();
  } else if (v->is_uint64()) {
    if (v->get_uint64() > static_cast<std::uint64_t>(kMax)) return makeError(ErrorCode::InvalidInput, path + "." + std::string(key) + ": out of range");
    ms = static_cast<std::int64_t>(v->get_uint64());
  } else if (v->is_string()) {
    const auto& s = v->get_string();
    if (s.empty() || s.size() > 15 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return makeError(ErrorCode::InvalidInput, path + "." + std::string(key) + ": must be Unix milliseconds");
    }
    for (char c : s) ms = ms * 10 + (c - '0');
  } else {
    return wrongType(path + "." + std::string(key), "a number of Unix milliseconds");
  }
  if (ms < 0 || ms > kMax) return makeError(ErrorCode::InvalidInput, path + "." + std::string(key) + ": out of range");
  // Some documented payloads (messaging_postbacks, the App Dashboard's test notifications) give
  // Unix seconds as a string ("1527459824"). No millisecond value of this century is that small.
  if (ms > 0 && ms < kSecondsBelow) ms *= 1000;
  return core::TimestampMs{ms};
}

#define MS_TRY(var, expr)                         \
  auto var##_result = (expr);                     \
  if (!var##_result) return var##_result.error(); \
  auto var = std::move(*var##_result)

core::Result<json::value> parseJson(std::string_view body) {
  return parseUntrustedJson(body, kMaxWebhookBytes, kMaxJsonDepth);
}

// sender.id / recipient.id
core::Result<std::string> partyId(const json::object& event, std::string_view key, const std::string& path) {
  MS_TRY(party, optObject(event, key, path));
  if (!party) return makeError(ErrorCode::InvalidInput, path + "." + std::string(key) + ": required");
  MS_TRY(id, optId(*party, "id", path + "." + std::string(key)));
  if (!id || id->empty()) return makeError(ErrorCode::InvalidInput, path + "." + std::string(key) + ".id: required");
  return *id;
}

// ---- a message's attachments ------------------------------------------------------------------

// Reads attachments[] into m (kind, media, location, text) and payload. The first attachment
// decides the kind, except that a sticker_id makes it a sticker; every downloadable file is kept
// (Messenger sends several photos as one message), a sticker's once.
core::Status readAttachments(const json::array& list, const std::string& path, core::InboundMessage& m, json::object& payload) {
  json::array others;
  bool kind_set = false;
  bool sticker_file_kept = false;  // the sticker's file, of the first attachment naming it
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string p = path + "[" + std::to_string(i) + "]";
    if (!list[i].is_object()) return wrongType(p, "an object");
    const auto& a = list[i].get_object();
    MS_TRY(type_opt, optString(a, "type", p, 64));
    const std::string type = type_opt.value_or("");
    MS_TRY(body, optObject(a, "payload", p));
    std::optional<core::MessageKind> kind;
    if (type == "image") kind = core::MessageKind::Image;
    else if (type == "audio") kind = core::MessageKind::Audio;
    else if (type == "video") kind = core::MessageKind::Video;
    else if (type == "file") kind = core::MessageKind::Document;
    else if (type == "sticker") kind = core::MessageKind::Sticker;
    if (kind) {
      std::string url;
      bool sticker = false;
      if (body) {
        MS_TRY(u, optString(*body, "url", p + ".payload", 8192));
        url = u.value_or("");
        // Stickers carry a sticker_id. During Meta's sticker transition (Messenger changelog,
        // 1 June 2026) one sticker comes as a `sticker` attachment *and* an `image` attachment,
        // both with the sticker_id and the same file: one sticker with one file, whichever
        // attachment comes first.
        MS_TRY(sticker_id, optId(*body, "sticker_id", p + ".payload"));
        if (sticker_id) {
          payload["sticker_id"] = *sticker_id;
          sticker = true;
          m.kind = core::MessageKind::Sticker;
          kind_set = true;
          if (sticker_file_kept) continue;
        }
      }
      // Meta sometimes sends a file without a URL (expired, or a sticker in transition): the
      // message still shows its kind, with nothing to fetch.
      if (!url.empty() && (url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0) && m.media.size() < 20) {
        core::InboundMedia media;
        media.provider_ref = url;
        MS_TRY(title, displayString(a, "title", p, 1024));
        if (title && !title->empty()) media.filename = *title;
        m.media.push_back(std::move(media));
        if (sticker) sticker_file_kept = true;
      }
      if (!kind_set) {
        m.kind = *kind;
        kind_set = true;
      }
      continue;
    }
    if (type == "location") {
      // payload.coordinates.{lat,long}
      const json::object* coordinates = nullptr;
      if (body) {
        MS_TRY(c, optObject(*body, "coordinates", p + ".payload"));
        coordinates = c;
      }
      if (!coordinates) return makeError(ErrorCode::InvalidInput, p + ".payload.coordinates: required for a location");
      MS_TRY(lat, optNumber(*coordinates, "lat", p + ".payload.coordinates"));
      MS_TRY(lon, optNumber(*coordinates, "long", p + ".payload.coordinates"));
      if (!lat || !lon || *lat < -90 || *lat > 90 || *lon < -180 || *lon > 180) {
        return makeError(ErrorCode::InvalidInput, p + ".payload.coordinates: lat and long are required and must be in range");
      }
      m.latitude = lat;
      m.longitude = lon;
      MS_TRY(title, displayString(a, "title", p, 1024));
      m.location_name = title.value_or("");
      if (!kind_set) {
        m.kind = core::MessageKind::Location;
        kind_set = true;
      }
      continue;
    }
    // fallback (a shared link), template, share, story_mention, reel, ig_reel, post, ig_post ...:
    // shown as they came, with their URL as text so the agent can open it.
    others.push_back(a);
    if (!kind_set) {
      MS_TRY(title, displayString(a, "title", p, 4096));
      std::string url, inner_title;
      if (body) {
        MS_TRY(u, optString(*body, "url", p + ".payload", 8192));
        url = u.value_or("");
        // Instagram's share, ig_post and ig_reel carry the caption as payload.title.
        MS_TRY(t, displayString(*body, "title", p + ".payload", 4096));
        inner_title = t.value_or("");
      }
      MS_TRY(outer_url, optString(a, "url", p, 8192));
      if (url.empty()) url = outer_url.value_or("");
      std::string text = title && !title->empty() ? *title : inner_title;
      if (!url.empty()) text += (text.empty() ? "" : "\n") + url;
      if (m.text.empty()) m.text = text;
      // A fallback is a link the customer shared: a text message in all but name.
      m.kind = type == "fallback" ? core::MessageKind::Text : (type == "template" ? core::MessageKind::Template
                                                                                   : core::MessageKind::Unsupported);
      payload["attachment_type"] = type;
      kind_set = true;
    }
  }
  if (!others.empty()) payload["attachments"] = std::move(others);
  return {};
}

// Nothing Parley can show (an empty text or an attachment-less message or comment): kept as
// unsupported so the conversation still shows that the customer wrote.
void keepUnshowable(core::InboundMessage& m) {
  if (m.kind == core::MessageKind::Text && m.text.find_first_not_of(" \t\r\n") == std::string::npos && m.media.empty()) {
    m.kind = core::MessageKind::Unsupported;
  }
}

// ---- one messaging event ----------------------------------------------------------------------

struct EventContext {
  Product product;
  std::string account_id;  // entry.id
};

// A `message` event (incoming or echo). nullopt: deliberately skipped (our own echo, a test message).
core::Result<std::optional<core::InboundMessage>> readMessage(const json::object& event, const json::object& msg,
                                                             const std::string& path, const EventContext& ctx,
                                                             const std::string& sender, const std::string& recipient,
                                                             core::TimestampMs at) {
  core::InboundMessage m;
  m.account_id = ctx.account_id;
  m.sent_at = at;
  const std::string mp = path + ".message";
  MS_TRY(mid, optId(msg, "mid", mp));
  if (!mid || mid->empty()) return makeError(ErrorCode::InvalidInput, mp + ".mid: the message id is required");
  m.external_id = *mid;
  MS_TRY(is_echo, optBool(msg, "is_echo", mp));
  // Instagram: a test message the account sent itself from the App Dashboard; no customer wrote.
  MS_TRY(is_self, optBool(msg, "is_self", mp));
  if (is_self.value_or(false)) return std::optional<core::InboundMessage>();
  m.echo = is_echo.value_or(false);
  json::object payload;
  if (m.echo) {
    // Sent by the business (its inbox in Meta's apps, or another app): the customer is the
    // recipient. Parley's own sends carry kEchoMetadata and the reply's id: the echo only tells
    // that reply was sent (app/echo_claim.hpp); a bare kEchoMetadata (older sends) is skipped.
    MS_TRY(metadata, optString(msg, "metadata", mp, 4096));
    if (metadata && *metadata == kEchoMetadata) return std::optional<core::InboundMessage>();
    if (metadata && metadata->starts_with(std::string(kEchoMetadata) + ":")) {
      const std::string_view id = std::string_view(*metadata).substr(kEchoMetadata.size() + 1);
      std::int64_t value = 0;
      const auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), value);
      // Not a reply id of ours after all (another app's metadata): an echo like any other.
      if (ec == std::errc() && end == id.data() + id.size() && value > 0) m.echo_of = core::MessageId{value};
    }
    MS_TRY(app_id, optId(msg, "app_id", mp));
    if (app_id) payload["app_id"] = *app_id;
    m.contact.external_id = recipient;
  } else {
    m.contact.external_id = sender;
  }
  // Meta names no one in the webhook: the contact is called by its id until someone renames it.
  m.contact.verified = true;

  MS_TRY(text, optString(msg, "text", mp));
  m.text = text.value_or("");
  m.kind = core::MessageKind::Text;

  MS_TRY(quick_reply, optObject(msg, "quick_reply", mp));
  if (quick_reply) {
    MS_TRY(qp, optString(*quick_reply, "payload", mp + ".quick_reply", 4096));
    m.kind = core::MessageKind::Interactive;
    payload["interactive_type"] = "quick_reply";
    payload["title"] = m.text;
    payload["payload"] = qp.value_or("");
  }
  MS_TRY(reply_to, optObject(msg, "reply_to", mp));
  if (reply_to) {
    MS_TRY(quoted, optId(*reply_to, "mid", mp + ".reply_to"));
    m.reply_to_external_id = quoted.value_or("");
    MS_TRY(story, optObject(*reply_to, "story", mp + ".reply_to"));  // Instagram story reply
    if (story) payload["story"] = *story;
  }
  MS_TRY(referral, optObject(msg, "referral", mp));  // ads, m.me links, product enquiries
  if (referral) payload["referral"] = *referral;
  MS_TRY(attachments, optArray(msg, "attachments", mp));
  if (attachments && !attachments->empty()) {
    auto status = readAttachments(*attachments, mp + ".attachments", m, payload);
    if (!status) return status.error();
  }
  MS_TRY(unsupported, optBool(msg, "is_unsupported", mp));  // Instagram: a kind Meta cannot show
  if (unsupported.value_or(false)) {
    m.kind = core::MessageKind::Unsupported;
    payload["type"] = "unsupported";
  }
  keepUnshowable(m);
  (void)event;
  if (!payload.empty()) m.payload_json = json::serialize(payload);
  return std::optional<core::InboundMessage>(std::move(m));
}

// Where a Messenger referral came from (messaging_referrals' `source`), for the agent's line.
std::string referralOrigin(std::string_view source) {
  if (source == "SHORTLINK") return "an m.me link";
  if (source == "ADS") return "an ad";
  if (source == "MESSENGER_CODE") return "a Messenger code";
  if (source == "CUSTOMER_CHAT_PLUGIN") return "the chat plugin on a website";
  return "a referral";
}

// messaging_referrals without a message: the customer opened the chat from an m.me link (or an
// ad, a Messenger code, the chat plugin) while a conversation with the Page exists already
// (messenger-platform/discovery/m-me-links: "This action will reset the 24-hour standard
// messaging window ... and a messaging_referrals webhook notification will be sent"). An activity
// line (core::InboundMessage::activity) that reopens the window. It has no mid: the sender and
// the millisecond name it, as for a postback without one (Meta redelivers with the same
// timestamp).
core::Result<core::InboundMessage> referralLine(const json::object& referral, const std::string& path, const EventContext& ctx,
                                                const std::string& sender, core::TimestampMs at) {
  MS_TRY(ref, displayString(referral, "ref", path, 4096));
  MS_TRY(source, optString(referral, "source", path, 64));
  MS_TRY(type, optString(referral, "type", path, 64));
  core::InboundMessage m;
  m.account_id = ctx.account_id;
  m.sent_at = at;
  m.contact.external_id = sender;
  m.activity = true;
  m.external_id = "referral:" + sender + ":" + std::to_string(at);
  const std::string ref_text = ref.value_or(""), source_text = source.value_or("");
  std::string details = ref_text.empty() ? "" : "ref " + ref_text;
  if (!source_text.empty()) details += (details.empty() ? "" : ", ") + source_text;
  m.text = "The customer opened the conversation from " + referralOrigin(source_text) + (details.empty() ? "" : " (" + details + ")");
  m.payload_json = json::serialize(json::object{{"activity", "referral"},
                                                {"by", ""},
                                                {"ref", ref_text},
                                                {"source", source_text},
                                                {"type", type.value_or("")},
                                                {"referral", referral}});
  return m;
}

// The messaging events readEvent stores or applies; every one comes from a person (`sender`).
constexpr const char* kStoredEventKinds[] = {"message", "message_edit", "postback", "reaction", "read", "delivery"};

core::Status readEvent(const json::object& event, const std::string& path, const EventContext& ctx, WebhookBatch& out) {
  // A person known only by a user_ref (the checkbox and chat plugins, before they message the
  // page: messaging_postbacks' documented example; an echo sent to one) has no PSID to store or
  // answer: not ours.
  for (const char* key : {"sender", "recipient"}) {
    if (auto party = optObject(event, key, path); party && *party && !find(**party, "id") && find(**party, "user_ref")) {
      ++out.batch.ignored;
      return {};
    }
  }
  // No sender at all on an event Parley does not store: about the Page, not from a person
  // (messaging_policy_enforcement's documented example; messaging_optins from the checkbox
  // plugin: "The sender object is not included"). Counted, so the rest of the delivery is kept;
  // a message, edit, postback, reaction or receipt without its sender stays malformed.
  const bool stored_kind = std::any_of(std::begin(kStoredEventKinds), std::end(kStoredEventKinds),
                                       [&](const char* kind) { return find(event, kind) != nullptr; });
  if (!find(event, "sender") && !stored_kind) {
    ++out.batch.ignored;
    return {};
  }
  MS_TRY(sender, partyId(event, "sender", path));
  MS_TRY(recipient, partyId(event, "recipient", path));
  MS_TRY(at, millis(event, "timestamp", path));
  auto& batch = out.batch;

  MS_TRY(message, optObject(event, "message", path));
  if (message) {
    // Instagram: the customer unsent a message ({"mid", "is_deleted": true}).
    MS_TRY(is_deleted, optBool(*message, "is_deleted", path + ".message"));
    if (is_deleted.value_or(false)) {
      MS_TRY(mid, optId(*message, "mid", path + ".message"));
      MS_TRY(deleted_echo, optBool(*message, "is_echo", path + ".message"));
      // Only the customer's own messages: the business taking back one of its replies in
      // Instagram's app is not "unsent by the customer" (and Parley's reply stays as sent).
      if (!mid || mid->empty() || deleted_echo.value_or(false) || sender == ctx.account_id) {
        ++batch.ignored;
        return {};
      }
      batch.edits.push_back({ctx.account_id, *mid, "", at, true});
      return {};
    }
    MS_TRY(m, readMessage(event, *message, path, ctx, sender, recipient, at));
    if (m) batch.messages.push_back(std::move(*m));
    else ++batch.ignored;
    return {};
  }
  MS_TRY(message_edit, optObject(event, "message_edit", path));
  if (message_edit) {
    // The customer edited a message (message_edits / Instagram's message_edit): its stored text
    // changes, nothing is added.
    const std::string ep = path + ".message_edit";
    MS_TRY(mid, optId(*message_edit, "mid", ep));
    MS_TRY(text, optString(*message_edit, "text", ep));
    if (!mid || mid->empty() || !text) {
      ++batch.ignored;
      return {};
    }
    batch.edits.push_back({ctx.account_id, *mid, *text, at});
    return {};
  }
  MS_TRY(postback, optObject(event, "postback", path));
  if (postback) {
    const std::string pp = path + ".postback";
    core::InboundMessage m;
    m.account_id = ctx.account_id;
    m.sent_at = at;
    m.contact.external_id = sender;
    MS_TRY(mid, optId(*postback, "mid", pp));
    MS_TRY(title, optString(*postback, "title", pp, 4096));
    MS_TRY(pl, optString(*postback, "payload", pp, 4096));
    // A postback has a mid in current versions; older ones do not, so the sender and the
    // millisecond name it (Meta redelivers the same event with the same timestamp).
    m.external_id = mid && !mid->empty() ? *mid : "postback:" + sender + ":" + std::to_string(at);
    m.kind = core::MessageKind::Interactive;
    m.text = title.value_or("");
    if (m.text.empty()) m.text = pl.value_or("");
    json::object payload{{"interactive_type", "postback"}, {"title", title.value_or("")}, {"payload", pl.value_or("")}};
    MS_TRY(referral, optObject(*postback, "referral", pp));
    if (referral) payload["referral"] = *referral;
    m.payload_json = json::serialize(payload);
    batch.messages.push_back(std::move(m));
    return {};
  }
  MS_TRY(reaction, optObject(event, "reaction", path));
  if (reaction) {
    const std::string rp = path + ".reaction";
    MS_TRY(target, optId(*reaction, "mid", rp));
    if (!target || target->empty()) return makeError(ErrorCode::InvalidInput, rp + ".mid: required");
    MS_TRY(action, optString(*reaction, "action", rp, 64));
    MS_TRY(emoji, optString(*reaction, "emoji", rp, 64));
    MS_TRY(name, optString(*reaction, "reaction", rp, 64));
    const bool removed = action.value_or("react") == "unreact";
    core::InboundMessage m;
    m.account_id = ctx.account_id;
    m.sent_at = at;
    m.contact.external_id = sender;
    m.kind = core::MessageKind::Reaction;
    // Reactions have no id of their own: the reacted-to message, the action and the moment.
    m.external_id = "reaction:" + *target + ":" + sender + ":" + action.value_or("react") + ":" + std::to_string(at);
    m.text = removed ? "" : emoji.value_or(name.value_or(""));
    m.reply_to_external_id = *target;
    m.payload_json = json::serialize(json::object{{"emoji", emoji.value_or("")},
                                                  {"reaction", name.value_or("")},
                                                  {"message_id", *target},
                                                  {"removed", removed}});
    batch.messages.push_back(std::move(m));
    return {};
  }
  MS_TRY(delivery, optObject(event, "delivery", path));
  if (delivery) {
    const std::string dp = path + ".delivery";
    MS_TRY(mids, optArray(*delivery, "mids", dp));
    if (mids) {
      for (std::size_t i = 0; i < mids->size(); ++i) {
        if (!(*mids)[i].is_string() || (*mids)[i].get_string().empty() || (*mids)[i].get_string().size() > kMaxIdLength) {
          return wrongType(dp + ".mids[" + std::to_string(i) + "]", "a message id");
        }
        batch.statuses.push_back({ctx.account_id, std::string((*mids)[i].get_string()), core::DeliveryStatus::Delivered, "", at});
      }
    }
    MS_TRY(watermark, millis(*delivery, "watermark", dp));
    if (watermark > 0) out.watermarks.push_back({ctx.account_id, sender, core::DeliveryStatus::Delivered, watermark});
    return {};
  }
  MS_TRY(read, optObject(event, "read", path));
  if (read) {
    const std::string rp = path + ".read";
    MS_TRY(mid, optId(*read, "mid", rp));  // Instagram's messaging_seen
    if (mid && !mid->empty()) batch.statuses.push_back({ctx.account_id, *mid, core::DeliveryStatus::Read, "", at});
    MS_TRY(watermark, millis(*read, "watermark", rp));  // Messenger's message_reads
    if (watermark > 0) out.watermarks.push_back({ctx.account_id, sender, core::DeliveryStatus::Read, watermark});
    if ((!mid || mid->empty()) && watermark == 0) ++batch.ignored;
    return {};
  }
  MS_TRY(referral, optObject(event, "referral", path));
  // Named by sender and time: without a timestamp every later referral would look like a repeat.
  if (referral && ctx.product == Product::Messenger && at > 0) {
    MS_TRY(line, referralLine(*referral, path + ".referral", ctx, sender, at));
    batch.messages.push_back(std::move(line));
    return {};
  }
  // optin, account_linking, pass_thread_control, policy enforcement, game plays, Instagram's
  // referral without a message ...: nothing the desk stores.
  ++batch.ignored;
  return {};
}

// ---- comments and visitor posts (Page webhooks' `feed`, Instagram's `comments`) ------------------

// A comment's author: from {id, <name_key>}. nullopt when absent (Meta leaves `from` out when
// the app may not see who wrote): there is no one to answer.
core::Result<std::optional<std::pair<std::string, std::string>>> commentAuthor(const json::object& value, std::string_view name_key,
                                                                                const std::string& path) {
  using Author = std::optional<std::pair<std::string, std::string>>;
  MS_TRY(from, optObject(value, "from", path));
  if (!from) return Author();
  MS_TRY(id, optId(*from, "id", path + ".from"));
  MS_TRY(name, displayString(*from, name_key, path + ".from", 1024));
  if (!id || id->empty()) return Author();
  return Author(std::pair{std::move(*id), name.value_or("")});
}

// The public message a comment is: its own thread, or (parent = the thread's top comment) an
// answer that joins that thread's conversation and quotes it. payload gains comment_id and
// thread_comment_id, which the gateway answers (messenger_gateway.cpp).
core::InboundMessage publicComment(const EventContext& ctx, const std::string& comment_id, const std::string& author,
                                   std::string name, std::string text, core::TimestampMs at, const std::string& parent,
                                   json::object payload) {
  core::InboundMessage m;
  m.account_id = ctx.account_id;
  m.external_id = comment_id;
  m.sent_at = at;
  m.is_public = true;
  m.new_conversation_unless_threaded = true;
  m.contact.external_id = author;
  m.contact.name = std::move(name);
  m.text = std::move(text);
  if (!parent.empty()) {
    m.thread_refs = {parent};
    m.reply_to_external_id = parent;
  }
  payload["comment_id"] = comment_id;
  payload["thread_comment_id"] = parent.empty() ? comment_id : parent;
  // When it was written (Unix ms): the private reply's 7 days count from here.
  if (at > 0) payload["commented_at"] = at;
  m.payload_json = json::serialize(payload);
  return m;
}

// A customer's comment on one of the Page's posts, an answer in such a comment's thread, or a
// visitor post (a customer's own post on the Page): a public message (docs/channels/MESSENGER.md,
// "Comments on the Page"). value is the change's `value` of field `feed` with item "comment", or
// "status" / "photo" / "video" / "post" for a visitor post: verb "add" is a new one, "edited"
// changes its text; anything else (remove, hide, unhide) and the Page's own are ignored (its
// replies and posts, stored when Parley sent them or not the customers'). Facebook's comment
// threads are two levels deep: parent_id is the post for a comment, the top comment for an
// answer, which joins that comment's conversation; a comment on a visitor post joins the post's.
core::Status readFeedItem(const json::object& value, const std::string& path, const EventContext& ctx, bool comment,
                          WebhookBatch& out) {
  MS_TRY(verb, optString(value, "verb", path, 64));
  MS_TRY(post_id, optId(value, "post_id", path));
  MS_TRY(comment_id, optId(value, "comment_id", path));
  const std::optional<std::string>& id = comment ? comment_id : post_id;
  MS_TRY(author, commentAuthor(value, "name", path));
  if (!id || id->empty() || !author || author->first == ctx.account_id) {
    ++out.batch.ignored;
    return {};
  }
  MS_TRY(text, optString(value, "message", path));
  MS_TRY(created, optNumber(value, "created_time", path));
  const core::TimestampMs at = created && *created > 0 && *created < 1e11 ? static_cast<core::TimestampMs>(*created) * 1000 : 0;
  if (verb && *verb == "edited") {
    if (text) out.batch.edits.push_back({ctx.account_id, *id, *text, at});
    else ++out.batch.ignored;
    return {};
  }
  if (!verb || *verb != "add") {
    ++out.batch.ignored;
    return {};
  }
  MS_TRY(parent_id, optId(value, "parent_id", path));
  MS_TRY(post, optObject(value, "post", path));
  json::object payload;
  if (post_id) payload["post_id"] = *post_id;
  if (parent_id && comment) payload["parent_id"] = *parent_id;
  if (!comment) payload["object"] = "post";  // a private reply names it as recipient.post_id
  if (post) {
    MS_TRY(link, optString(*post, "permalink_url", path + ".post", 8192));
    if (link && !link->empty()) payload["permalink_url"] = *link;
  }
  const bool answer = comment && parent_id && !parent_id->empty() && (!post_id || *parent_id != *post_id);
  auto m = publicComment(ctx, *id, author->first, author->second, text.value_or(""), at, answer ? *parent_id : "",
                         std::move(payload));
  // A comment on a post: when the post is a visitor's (stored), it joins the post's conversation.
  if (comment && !answer && post_id && !post_id->empty()) m.thread_refs = {*post_id};
  // The author is known by an id of their own, not by the PSID Messenger sends to.
  m.contact.scope_suffix = std::string(kCommentAuthorScope);
  // The file: a comment's `photo` / `video`; a visitor post's `photos` (several) or its `link`
  // (the photo or video of an item "photo" / "video").
  std::vector<std::string> urls;
  const auto addUrl = [&](const std::optional<std::string>& url) {
    if (url && url->size() <= 8192 && (url->rfind("https://", 0) == 0 || url->rfind("http://", 0) == 0) && urls.size() < 20) {
      urls.push_back(*url);
    }
  };
  MS_TRY(photo, optString(value, "photo", path, 8192));
  MS_TRY(video, optString(value, "video", path, 8192));
  addUrl(photo);
  addUrl(video);
  MS_TRY(item, optString(value, "item", path, 64));
  if (!comment) {
    MS_TRY(photos, optArray(value, "photos", path));
    for (std::size_t i = 0; photos && i < photos->size(); ++i) {
      if ((*photos)[i].is_string()) addUrl(std::string((*photos)[i].get_string()));
    }
    if (urls.empty() && item && (*item == "photo" || *item == "video")) {
      MS_TRY(link, optString(value, "link", path, 8192));
      addUrl(link);
    }
  }
  for (const auto& url : urls) {
    core::InboundMedia media;
    media.provider_ref = url;
    m.media.push_back(std::move(media));
  }
  const bool video_only = (!photo || photo->empty()) && video && !video->empty();
  if (!urls.empty()) m.kind = video_only || (item && *item == "video") ? core::MessageKind::Video : core::MessageKind::Image;
  keepUnshowable(m);  // a sticker or GIF comment: the webhook gives neither text nor a file
  out.batch.messages.push_back(std::move(m));
  return {};
}

// A comment on the Instagram account's media (Instagram webhooks, field `comments` or
// `live_comments`): value {id (comment_id in the Facebook Login example), text, from {id: the
// IGSID, username}, media {id, media_product_type}, parent_id for an answer in a comment's
// thread}. The same public message as a Page comment; the account's own comments are its replies
// and are ignored. Instagram sends no edits or removals of comments, and no time: the message is
// dated with the delivery's entry.time.
core::Status readInstagramComment(const json::object& value, const std::string& path, const EventContext& ctx,
                                  core::TimestampMs delivered_at, WebhookBatch& out) {
  MS_TRY(id, optId(value, "id", path));
  MS_TRY(legacy_id, optId(value, "comment_id", path));
  const std::optional<std::string> comment_id = id ? id : legacy_id;
  MS_TRY(author, commentAuthor(value, "username", path));
  if (!comment_id || comment_id->empty() || !author || author->first == ctx.account_id) {
    ++out.batch.ignored;
    return {};
  }
  MS_TRY(text, optString(value, "text", path));
  MS_TRY(parent_id, optId(value, "parent_id", path));
  MS_TRY(media, optObject(value, "media", path));
  json::object payload;
  if (parent_id) payload["parent_id"] = *parent_id;
  if (media) {
    MS_TRY(media_id, optId(*media, "id", path + ".media"));
    MS_TRY(media_type, optString(*media, "media_product_type", path + ".media", 64));
    if (media_id) payload["media_id"] = *media_id;
    if (media_type) payload["media_product_type"] = *media_type;
  }
  if (!author->second.empty()) payload["username"] = author->second;
  auto m = publicComment(ctx, *comment_id, author->first, author->second.empty() ? "" : "@" + author->second, text.value_or(""),
                         delivered_at, parent_id.value_or(""), std::move(payload));
  keepUnshowable(m);
  out.batch.messages.push_back(std::move(m));
  return {};
}

// The webhook fields whose notifications are messaging events (Messenger's and Instagram's).
bool isMessagingField(std::string_view field) {
  static constexpr std::string_view kFields[] = {"messages",          "message_echoes",     "messaging_postbacks",
                                                 "message_reactions", "message_reads",      "messaging_seen",
                                                 "message_deliveries", "message_edits",     "message_edit"};
  return std::find(std::begin(kFields), std::end(kFields), field) != std::end(kFields);
}

// ---- outbound helpers -------------------------------------------------------------------------

bool validPathSegment(std::string_view id) {
  return !id.empty() && id.size() <= 256 && id != "." && id != ".." &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
         });
}

bool isHttpUrl(std::string_view url) { return url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0; }

core::Result<std::string> accountUrl(std::string_view base, std::string_view account, std::string_view tail) {
  if (!isHttpUrl(base)) return makeError(ErrorCode::InvalidInput, "api_base_url: must be an http(s) URL");
  if (!validPathSegment(account)) return makeError(ErrorCode::InvalidInput, "the page / Instagram account id is invalid");
  std::string out(base);
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out + "/" + std::string(account) + "/" + std::string(tail);
}

core::Result<std::string> stringField(std::string_view body, const char* key, const char* what) {
  auto root = parseJson(body);
  if (!root) return makeError(ErrorCode::InvalidInput, std::string(what) + ": " + root.error().message);
  if (!root->is_object()) return makeError(ErrorCode::InvalidInput, std::string(what) + ": not a JSON object");
  auto id = optId(root->get_object(), key, what);
  if (!id) return id.error();
  if (!*id || (*id)->empty()) return makeError(ErrorCode::InvalidInput, std::string(what) + ": " + key + " is missing");
  return **id;
}

}  // namespace

std::string_view productName(Product product) { return product == Product::Instagram ? "Instagram" : "Messenger"; }

core::Result<WebhookBatch> parseWebhook(std::string_view raw_body, Product product) {
  MS_TRY(root, parseJson(raw_body));
  if (!root.is_object()) return makeError(ErrorCode::InvalidInput, "the body must be a JSON object");
  const auto& o = root.get_object();
  WebhookBatch out;
  MS_TRY(object, optString(o, "object", "body", 256));
  MS_TRY(entries, optArray(o, "entry", "body"));
  if (!entries) return makeError(ErrorCode::InvalidInput, "entry: an array is required");
  const std::string expected = product == Product::Instagram ? "instagram" : "page";
  if (object && *object != expected) {
    out.batch.ignored += 1;  // another product posted to this URL
    return out;
  }
  for (std::size_t e = 0; e < entries->size(); ++e) {
    const std::string ep = "entry[" + std::to_string(e) + "]";
    if (!(*entries)[e].is_object()) return wrongType(ep, "an object");
    const auto& entry = (*entries)[e].get_object();
    MS_TRY(id, optId(entry, "id", ep));
    if (!id || id->empty()) return makeError(ErrorCode::InvalidInput, ep + ".id: the page / account id is required");
    EventContext ctx{product, *id};
    MS_TRY(messaging, optArray(entry, "messaging", ep));
    if (messaging) {
      for (std::size_t i = 0; i < messaging->size(); ++i) {
        const std::string p = ep + ".messaging[" + std::to_string(i) + "]";
        if (!(*messaging)[i].is_object()) return wrongType(p, "an object");
        auto status = readEvent((*messaging)[i].get_object(), p, ctx, out);
        if (!status) return status.error();
      }
    }
    // standby (another app owns the thread): not ours.
    MS_TRY(standby, optArray(entry, "standby", ep));
    if (standby) out.batch.ignored += static_cast<int>(standby->size());
    // changes[]: a comment or a visitor post on the Page's feed, a comment on the Instagram
    // account's media is a public message (readFeedItem, readInstagramComment); other feed
    // changes and mentions are not ours; a messaging field whose value is one
    // messaging event (the form of the App Dashboard's test notifications and of the examples on
    // the messaging_postbacks page) is read like an entry of messaging[].
    MS_TRY(changes, optArray(entry, "changes", ep));
    // Changes of other fields are never refused, whatever their shape.
    for (std::size_t c = 0; changes && c < changes->size(); ++c) {
      const json::object* change = (*changes)[c].if_object();
      const json::value* field = change ? find(*change, "field") : nullptr;
      const json::value* value = change ? find(*change, "value") : nullptr;
      if (product == Product::Instagram && field && field->is_string() &&
          (field->get_string() == "comments" || field->get_string() == "live_comments") && value && value->is_object()) {
        auto delivered_at = millis(entry, "time", ep);  // when Meta sent it: a comment carries no time
        auto status = readInstagramComment(value->get_object(), ep + ".changes[" + std::to_string(c) + "].value", ctx,
                                           delivered_at ? *delivered_at : 0, out);
        if (!status) return status.error();
        continue;
      }
      if (product == Product::Messenger && field && field->is_string() && field->get_string() == "feed" && value &&
          value->is_object()) {
        const json::value* item = find(value->get_object(), "item");
        const std::string_view kind = item && item->is_string() ? std::string_view(item->get_string()) : std::string_view();
        const bool visitor_post = kind == "status" || kind == "photo" || kind == "video" || kind == "post";
        if (kind == "comment" || visitor_post) {
          auto status = readFeedItem(value->get_object(), ep + ".changes[" + std::to_string(c) + "].value", ctx, kind == "comment", out);
          if (!status) return status.error();
          continue;
        }
      }
      if (!field || !field->is_string() || !isMessagingField(field->get_string()) || !value || !value->is_object() ||
          !find(value->get_object(), "sender")) {
        ++out.batch.ignored;
        continue;
      }
      auto status = readEvent(value->get_object(), ep + ".changes[" + std::to_string(c) + "].value", ctx, out);
      if (!status) return status.error();
    }
  }
  return out;
}

std::string signatureHeader(std::string_view app_secret, std::string_view raw_body) {
  return "sha256=" + app::hmacSha256Hex(app_secret, raw_body);
}

bool verifySignature(std::string_view app_secret, std::string_view raw_body, std::string_view header) {
  constexpr std::string_view kPrefix = "sha256=";
  if (app_secret.empty() || header.size() != kPrefix.size() + 64 || header.substr(0, kPrefix.size()) != kPrefix) return false;
  std::string given(header.substr(kPrefix.size()));
  for (auto& ch : given) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return app::constantTimeEqual(given, app::hmacSha256Hex(app_secret, raw_body));
}

bool verifyHandshake(std::string_view mode, std::string_view verify_token_expected, std::string_view verify_token_given) {
  if (mode != "subscribe" || verify_token_expected.empty()) return false;
  return app::constantTimeEqual(verify_token_expected, verify_token_given);
}

AttachmentType attachmentTypeFor(std::string_view content_type) {
  if (content_type.rfind("image/", 0) == 0) return AttachmentType::Image;
  if (content_type.rfind("audio/", 0) == 0) return AttachmentType::Audio;
  if (content_type.rfind("video/", 0) == 0) return AttachmentType::Video;
  return AttachmentType::File;
}

core::Status checkInstagramFile(const std::string& filename, const std::string& content_type, std::int64_t bytes) {
  const std::string type = baseMediaType(content_type);
  constexpr std::int64_t kMb = 1024 * 1024;
  struct Rule {
    std::initializer_list<std::string_view> types;
    std::int64_t max_bytes;
    const char* limit;
  };
  static const Rule rules[] = {
      {{"image/png", "image/jpeg", "image/gif"}, 8 * kMb, "Instagram: images of up to 8 MB"},
      {{"video/mp4", "video/ogg", "video/x-msvideo", "video/avi", "video/quicktime", "video/webm"}, 25 * kMb,
       "Instagram: videos of up to 25 MB"},
      {{"audio/aac", "audio/mp4", "audio/x-m4a", "audio/m4a", "audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"}, 25 * kMb,
       "Instagram: audio of up to 25 MB"},
      {{"application/pdf"}, 25 * kMb, "Instagram: PDF files of up to 25 MB"},
  };
  for (const auto& rule : rules) {
    if (std::find(rule.types.begin(), rule.types.end(), type) == rule.types.end()) continue;
    if (bytes > rule.max_bytes) return fileTooLarge(filename, content_type, bytes, rule.limit);
    return {};
  }
  return makeError(ErrorCode::InvalidInput, describeFile(filename, content_type, bytes) +
                                                " cannot be sent on Instagram: it takes PNG, JPEG and GIF images, MP4, OGG, AVI, "
                                                "MOV and WebM videos, AAC, M4A, WAV and MP4 audio, and PDF files");
}

std::string asciiUploadName(std::string_view filename) {
  std::string name;
  bool meaningful = false;
  for (unsigned char c : filename) {
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (alnum || c == '.' || c == '-' || c == '_') {
      name += static_cast<char>(c);
    } else if ((c & 0xC0) != 0x80) {
      name += '_';  // one per character, not per byte
    }
  }
  const auto dot = name.rfind('.');
  const std::string stem = dot == std::string::npos ? name : name.substr(0, dot);
  for (char c : stem) meaningful = meaningful || std::isalnum(static_cast<unsigned char>(c));
  if (!meaningful) return "attachment" + (dot == std::string::npos ? std::string() : name.substr(dot));
  return name;
}

std::string_view toString(AttachmentType type) {
  switch (type) {
    case AttachmentType::Image: return "image";
    case AttachmentType::Audio: return "audio";
    case AttachmentType::Video: return "video";
    case AttachmentType::File: return "file";
  }
  return "file";
}

core::Result<std::string> encodeSend(const SendRequest& request) {
  if (!validPathSegment(request.recipient_id)) return makeError(ErrorCode::InvalidInput, "recipient: invalid id");
  if (request.text.empty() == request.attachment_id.empty()) {
    return makeError(ErrorCode::InvalidInput, "a Send API message carries either text or one attachment");
  }
  json::object message;
  if (!request.text.empty()) {
    if (!core::isValidUtf8(request.text)) return makeError(ErrorCode::InvalidInput, "the message contains invalid UTF-8");
    if (request.text.find_first_not_of(" \t\r\n") == std::string::npos) return makeError(ErrorCode::InvalidInput, "text: the body is empty");
    if (request.product == Product::Instagram && request.text.size() > kMaxInstagramTextBytes) {
      return makeError(ErrorCode::InvalidInput, "text: Instagram takes at most 1000 bytes of text (this one has " +
                                                    std::to_string(request.text.size()) + "; letters beyond A-Z count 2-4 each)");
    }
    if (codePoints(request.text) > 2000) return makeError(ErrorCode::InvalidInput, "text: at most 2000 characters");
    message["text"] = request.text;
  } else {
    if (!validPathSegment(request.attachment_id)) return makeError(ErrorCode::InvalidInput, "attachment: invalid id");
    message["attachment"] = json::object{{"type", toString(request.attachment_type)},
                                         {"payload", json::object{{"attachment_id", request.attachment_id}}}};
  }
  if (request.echo_metadata) message["metadata"] = std::string(kEchoMetadata) + ":" + std::to_string(request.echo_of);
  json::object body{{"recipient", json::object{{std::string(request.recipient_field), request.recipient_id}}}};
  if (request.human_agent) {
    body["messaging_type"] = "MESSAGE_TAG";
    body["tag"] = "HUMAN_AGENT";
  } else {
    body["messaging_type"] = "RESPONSE";
  }
  body["message"] = std::move(message);
  return json::serialize(body);
}

std::string encodeUploadMessage(AttachmentType type) {
  return json::serialize(json::object{
      {"attachment", json::object{{"type", toString(type)}, {"payload", json::object{{"is_reusable", false}}}}}});
}

core::Result<std::string> sendUrl(std::string_view api_base_url, std::string_view account_id) {
  return accountUrl(api_base_url, account_id, "messages");
}

core::Result<std::string> uploadUrl(std::string_view api_base_url, std::string_view account_id) {
  return accountUrl(api_base_url, account_id, "message_attachments");
}

core::Result<std::string> commentRepliesUrl(std::string_view api_base_url, std::string_view comment_id, Product product) {
  if (!validPathSegment(comment_id)) return makeError(ErrorCode::InvalidInput, "the comment id is invalid");
  return accountUrl(api_base_url, comment_id, product == Product::Instagram ? "replies" : "comments");
}

core::Result<std::string> encodeCommentReply(std::string_view text, bool with_photo, Product product) {
  if (!core::isValidUtf8(text)) return makeError(ErrorCode::InvalidInput, "the message contains invalid UTF-8");
  const bool blank = text.find_first_not_of(" \t\r\n") == std::string_view::npos;
  if (blank && !with_photo) return makeError(ErrorCode::InvalidInput, "text: a comment needs text or a photo");
  const bool instagram = product == Product::Instagram;
  const std::size_t limit = instagram ? kMaxInstagramCommentChars : kMaxCommentChars;
  if (codePoints(text) > limit) {
    return makeError(ErrorCode::InvalidInput, std::string("text: a comment on ") + (instagram ? "Instagram" : "Facebook") +
                                                  " has at most " + std::to_string(limit) + " characters");
  }
  json::object body;
  if (!blank) body["message"] = text;
  return json::serialize(body);
}

app::DeliveryResult interpretCommentAnswer(Product product, long http_status, std::string_view body, long retry_after_s) {
  const std::string failed = std::string(productName(product)) + " accepted the comment but ";
  if (auto sent = successfulSend(http_status, failed, [&] { return stringField(body, "id", "comment answer"); })) return *sent;
  return classifySendError(product, http_status, body, retry_after_s);
}

core::Result<std::string> parseSendResponse(std::string_view body) { return stringField(body, "message_id", "send answer"); }

core::Result<std::string> parseSendRecipient(std::string_view body) { return stringField(body, "recipient_id", "send answer"); }

core::Result<std::string> parseUploadResponse(std::string_view body) { return stringField(body, "attachment_id", "upload answer"); }

core::Result<std::string> profileUrl(Product product, std::string_view api_base_url, std::string_view user_id) {
  if (!isHttpUrl(api_base_url)) return makeError(ErrorCode::InvalidInput, "api_base_url: must be an http(s) URL");
  if (!validPathSegment(user_id)) return makeError(ErrorCode::InvalidInput, "the customer's id is invalid");
  std::string out(api_base_url);
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out + "/" + std::string(user_id) +
         (product == Product::Instagram ? "?fields=name,username,profile_pic" : "?fields=first_name,last_name,profile_pic");
}

core::Result<std::string> parseProfileName(Product product, std::string_view body) {
  auto root = parseJson(body);
  if (!root) return makeError(ErrorCode::InvalidInput, "profile answer: " + root.error().message);
  if (!root->is_object()) return makeError(ErrorCode::InvalidInput, "profile answer: not a JSON object");
  const auto& o = root->get_object();
  // One line of valid text, trimmed; anything else counts as absent.
  auto text = [&](const char* key) -> std::string {
    const auto* v = o.if_contains(key);
    if (!v || !v->is_string() || !core::isValidUtf8(v->get_string()) || v->get_string().size() > kMaxProfileNameBytes) return {};
    std::string t(v->get_string());
    for (char& c : t) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
    }
    const auto first = t.find_first_not_of(' ');
    if (first == std::string::npos) return {};
    return t.substr(first, t.find_last_not_of(' ') + 1 - first);
  };
  std::string name;
  if (product == Product::Instagram) {
    name = text("name");
    if (const std::string handle = text("username"); name.empty() && !handle.empty()) {
      name = "@";  // appended, not "@" + handle: GCC 12 warns falsely on that (-Wstringop-overflow)
      name += handle;
    }
  } else {
    name = text("first_name");
    const std::string last = text("last_name");
    if (!last.empty()) {
      if (!name.empty()) name += ' ';
      name += last;
    }
  }
  if (name.empty()) return makeError(ErrorCode::NotFound, "the profile has no name");
  return name;
}

app::DeliveryResult classifySendError(Product product, long http_status, std::string_view body, long retry_after_s) {
  using Outcome = app::DeliveryResult::Outcome;
  std::optional<std::int64_t> code, subcode;
  std::string message;
  auto integer = [](const json::value* v) -> std::optional<std::int64_t> {
    if (!v) return std::nullopt;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(v->get_uint64());
    if (v->is_string()) {
      const auto& s = v->get_string();
      if (!s.empty() && s.size() < 12 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::stoll(std::string(s));
      }
    }
    return std::nullopt;
  };
  if (auto root = parseJson(body); root && root->is_object()) {
    if (const json::value* e = find(root->get_object(), "error"); e && e->is_object()) {
      const auto& error = e->get_object();
      code = integer(find(error, "code"));
      subcode = integer(find(error, "error_subcode"));
      if (const json::value* m = find(error, "message"); m && m->is_string()) message = std::string(m->get_string());
    }
  }
  const std::string name(productName(product));
  std::string reason = code ? name + " error " + std::to_string(*code) : name + " answered HTTP " + std::to_string(http_status);
  if (code && subcode) {
    reason += '/';
    reason += std::to_string(*subcode);
  }
  if (!message.empty()) reason += ": " + message;
  if (!code && message.empty() && !body.empty()) reason += ": " + std::string(body.substr(0, 200));
  if (reason.size() > 1000) reason.resize(1000);

  // Graph API / Send API codes whose remedy is to try later: 4 application request limit,
  // 17 user request limit, 32 page request limit, 613 calls exceed the rate limit, 80006
  // Messenger rate limit, 1 unknown and 2 service (temporary), 1200 temporary send failure.
  // Everything else is permanent for this message: 10 with subcode 2018278 and 551 (outside the
  // allowed window / person unavailable), 100 invalid parameter, 190 expired token, 200-299
  // permissions, 368 policy block.
  static constexpr std::int64_t kRetryable[] = {1, 2, 4, 17, 32, 613, 1200, 80006};
  // Two subcodes of code 1 are not "try later" (Messenger's error-code table): 1357046 "Received
  // invalid JSON reply" — "the messages are all sent successfully, but the endpoint returns an
  // error": the reply went out, and sending it again would give the customer a second copy (the
  // named echo on Messenger brings its id); 99 "An unknown error occurred. Missing permissions
  // can cause this issue": retrying does not grant them.
  if (code && *code == 1 && subcode && *subcode == 1357046) return {Outcome::Delivered, reason, 0, {}};
  if (code && *code == 1 && subcode && *subcode == 99) return {Outcome::Failed, reason, 0, {}};
  bool retry = http_status == 429 || http_status >= 500 || http_status == 408;
  if (code) {
    const bool listed = std::find(std::begin(kRetryable), std::end(kRetryable), *code) != std::end(kRetryable);
    if (listed) retry = true;
    else if (http_status < 500 && http_status != 429) retry = false;
  }
  if (retry) {
    core::TimestampMs retry_ms = retry_after_s > 0 ? static_cast<core::TimestampMs>(retry_after_s) * 1000 : 0;
    app::DeliveryResult later{Outcome::RetryLater, reason, retry_ms, {}};
    // The rate-limit codes (application, user, page, call and Messenger limits) throttle the page.
    if (http_status == 429 || (code && (*code == 4 || *code == 17 || *code == 32 || *code == 613 || *code == 80006))) {
      later.throttle = app::DeliveryResult::Throttle::Sender;
    }
    return later;
  }
  return {Outcome::Failed, reason, 0, {}};
}

app::DeliveryResult interpretSendAnswer(Product product, long http_status, std::string_view body, long retry_after_s) {
  const std::string failed = std::string(productName(product)) + " accepted the message but ";
  if (auto sent = successfulSend(http_status, failed, [&] { return parseSendResponse(body); })) return *sent;
  return classifySendError(product, http_status, body, retry_after_s);
}

#undef MS_TRY

}  // namespace parley::channels::messenger
