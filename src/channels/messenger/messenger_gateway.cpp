#include "channels/messenger/messenger_gateway.hpp"

#include <boost/json.hpp>
#include <chrono>

#include "app/attachment_store.hpp"
#include "app/direct_reply.hpp"
#include "channels/common/config_secrets.hpp"
#include "channels/common/delivery_start.hpp"
#include "channels/common/file_limits.hpp"
#include "channels/common/http_client.hpp"

namespace parley::channels::messenger {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;
using Outcome = app::DeliveryResult::Outcome;

namespace {

constexpr std::int64_t kMaxMessengerAttachmentBytes = 25LL * 1024 * 1024;

std::string inboxScope(core::InboxId id) { return "inbox:" + std::to_string(id.value); }

// Facebook allows a private reply within 7 days of the comment (messenger-platform/discovery/private-replies).
constexpr std::int64_t kPrivateReplyWindowMs = 7LL * 24 * 3600 * 1000;

// The comment (or visitor post) a stored message is (its payload from the codec's readFeedItem
// and readInstagramComment): its id, its thread's, and how a private reply names it.
struct CommentRef {
  std::string comment_id;
  std::string thread_comment_id;
  core::TimestampMs at = 0;
  bool post = false;  // a visitor post: recipient.post_id
};
std::optional<CommentRef> commentOf(const core::Message& m) {
  if (m.direction != core::MessageDirection::Incoming) return std::nullopt;
  boost::system::error_code ec;
  auto v = json::parse(m.payload_json, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  CommentRef ref{stringOr(o, "comment_id"), stringOr(o, "thread_comment_id"), m.created_at};
  // Meta's time of the comment when the webhook gave one, else when Parley stored it.
  if (const auto* at = o.if_contains("commented_at"); at && at->is_int64() && at->get_int64() > 0) ref.at = at->get_int64();
  if (ref.comment_id.empty()) return std::nullopt;
  ref.post = stringOr(o, "object") == "post";
  if (ref.thread_comment_id.empty()) ref.thread_comment_id = ref.comment_id;
  return ref;
}

// Photos a reply comment can carry (Graph API photo uploads: JPEG, PNG, GIF, WebP; up to 4 MB).
bool commentPhotoType(const std::string& content_type) {
  return content_type == "image/jpeg" || content_type == "image/png" || content_type == "image/gif" ||
         content_type == "image/webp";
}

// The envelope for a reply in a public thread: {"kind":"comment","comment_id","text"[,"attachment"]}
// answers in the comment's thread; {"kind":"private_reply","comment_id","text"} is the private reply.
core::Result<std::string> encodeForComment(const app::OutboundContext& ctx, Product product) {
  const bool instagram = product == Product::Instagram;
  // The comment answered: the one the agent quoted, else the latest in this thread. Others may
  // answer in a customer's thread (their comments join its conversation): a private reply goes
  // only to a comment of the conversation's customer, whose contact then learns the PSID.
  const bool direct = app::wantsDirect(ctx.message);
  const auto answerable = [&](const core::Message& m) { return !direct || m.sender_contact_id == ctx.conversation.contact_id; };
  static const std::vector<core::Message> kNoHistory;
  const auto& history = ctx.history ? *ctx.history : kNoHistory;
  std::optional<CommentRef> answered;
  for (auto it = history.rbegin(); !ctx.reply_to_external_id.empty() && it != history.rend(); ++it) {
    if (it->external_id != ctx.reply_to_external_id) continue;
    answered = commentOf(*it);
    if (answered && !answerable(*it)) {
      return makeError(ErrorCode::InvalidInput, "a private reply goes to this conversation's customer: quote one of their "
                                                "comments, or answer this one publicly");
    }
    break;
  }
  for (auto it = history.rbegin(); it != history.rend() && !answered; ++it) {
    if (answerable(*it)) answered = commentOf(*it);
  }
  if (!answered) return makeError(ErrorCode::InvalidInput, "no comment of the customer in this thread to answer");
  // An answer to an answer names its parent as the thread: the parent's own thread is the top.
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    if (it->external_id != answered->thread_comment_id) continue;
    if (auto parent = commentOf(*it)) answered->thread_comment_id = parent->thread_comment_id;
    break;
  }
  if (direct) {
    if (!ctx.attachments.empty()) {
      return makeError(ErrorCode::InvalidInput, std::string("a private reply to a comment is one text message: send files once "
                                                            "the customer answers in ") +
                                                    (instagram ? "Instagram Direct" : "Messenger"));
    }
    if (ctx.message.created_at - answered->at > kPrivateReplyWindowMs) {
      return makeError(ErrorCode::InvalidInput, std::string(instagram ? "Instagram" : "Facebook") +
                                                    " allows a private reply only within 7 days of the comment");
    }
    SendRequest probe;
    probe.recipient_id = answered->comment_id;
    probe.recipient_field = answered->post ? "post_id" : "comment_id";
    probe.echo_metadata = !instagram;
    probe.product = instagram ? Product::Instagram : Product::Messenger;
    probe.text = ctx.message.text;
    if (auto checked = encodeSend(probe); !checked) return checked.error();
    json::object envelope{{"kind", "private_reply"}, {"comment_id", answered->comment_id}, {"text", ctx.message.text}};
    if (answered->post) envelope["object"] = "post";
    return json::serialize(envelope);
  }
  json::object envelope{{"kind", "comment"}, {"comment_id", answered->thread_comment_id}, {"text", ctx.message.text}};
  if (instagram && !ctx.attachments.empty()) {
    return makeError(ErrorCode::InvalidInput, "\"" + ctx.attachments.front().filename +
                                                  "\": a reply to a comment on Instagram carries text only; files can go in Instagram Direct once the customer writes there");
  }
  if (ctx.attachments.size() > 1) return makeError(ErrorCode::InvalidInput, "a comment on Facebook carries one photo");
  if (!ctx.attachments.empty()) {
    const auto& a = ctx.attachments.front();
    if (!commentPhotoType(a.content_type)) {
      return makeError(ErrorCode::InvalidInput, "\"" + a.filename + "\": a comment on Facebook carries a photo (JPEG, PNG, GIF, WebP) only");
    }
    if (a.size > static_cast<std::int64_t>(kMaxCommentPhotoBytes)) {
      return fileTooLarge(a.filename, a.content_type, a.size, "a photo in a Facebook comment is at most 4 MB");
    }
    envelope["attachment"] = json::object{{"sha256", a.sha256}, {"filename", a.filename}, {"content_type", a.content_type}};
  }
  if (auto checked = encodeCommentReply(ctx.message.text, !ctx.attachments.empty(), product); !checked) return checked.error();
  return json::serialize(envelope);
}

}  // namespace

core::Result<InboxConfig> parseInboxConfig(Product product, const std::string& config_json, const app::SecretBox* box) {
  auto object = openConfigObject(config_json, box);
  if (!object) return object.error();
  const auto& o = *object;
  const bool instagram = product == Product::Instagram;
  const char* account_key = instagram ? "instagram_id" : "page_id";
  const char* token_key = instagram ? "access_token" : "page_access_token";
  const char* channel = instagram ? "an instagram" : "a messenger";
  InboxConfig c;
  c.account_id = stringOr(o, account_key);
  c.access_token = stringOr(o, token_key);
  c.app_secret = stringOr(o, "app_secret");
  c.verify_token = stringOr(o, "verify_token");
  if (auto base = stringOr(o, "api_base_url"); !base.empty()) c.api_base_url = base;
  if (auto required = requireConfigValues({{account_key, &c.account_id}, {token_key, &c.access_token},
                                           {"app_secret", &c.app_secret}, {"verify_token", &c.verify_token}},
                                          channel);
      !required) {
    return required.error();
  }
  if (auto base = checkApiBaseUrl(c.api_base_url); !base) return base.error();
  if (auto url = sendUrl(c.api_base_url, c.account_id); !url) {
    return makeError(ErrorCode::InvalidInput, std::string("config.") + account_key + ": " + url.error().message);
  }
  return c;
}

core::Status MessengerGateway::validateConfig(const std::string& config_json) const {
  if (auto parsed = parseInboxConfig(product_, config_json); !parsed) return parsed.error();
  if (product_ == Product::Instagram) {
    return rejectUnknownConfigKeys(config_json, {"instagram_id", "access_token", "app_secret", "verify_token", "api_base_url"},
                                   "an instagram", "docs/channels/MESSENGER.md");
  }
  return rejectUnknownConfigKeys(config_json, {"page_id", "page_access_token", "app_secret", "verify_token", "api_base_url"},
                                 "a messenger", "docs/channels/MESSENGER.md");
}

core::Result<std::string> MessengerGateway::encode(const app::OutboundContext& ctx) const {
  // The contact's PSID / IGSID: the External identity DeskService keeps for this inbox.
  std::string recipient;
  const std::string scope = inboxScope(ctx.inbox.id);
  for (const auto& identity : ctx.identities) {
    if (identity.kind == core::IdentityKind::External && identity.scope == scope) {
      recipient = identity.value;
      break;
    }
  }
  const std::string name(productName(product_));
  if (ctx.conversation.is_public) return encodeForComment(ctx, product_);
  if (recipient.empty()) return makeError(ErrorCode::InvalidInput, "this contact has not written to this inbox on " + name);
  if (ctx.attachments.size() > 1) {
    return makeError(ErrorCode::InvalidInput, name + " sends one file per message here; send the files one by one");
  }
  // Meta's standard messaging window: 24 hours after the customer's last message a reply needs
  // the HUMAN_AGENT tag (allowed up to 7 days; Meta refuses it after that, shown on the message).
  const auto now = ctx.message.created_at;
  const bool human_agent = ctx.conversation.last_incoming_at <= 0 || now - ctx.conversation.last_incoming_at > kWindowMs;
  json::object envelope{{"recipient", recipient}, {"text", ctx.message.text}, {"human_agent", human_agent}};
  // A reply that waits in the outbox (a rate-limit pause, retries) may go out after the window
  // closed: deliver() tags it then too (window_ends_at, Unix ms).
  if (!human_agent) envelope["window_ends_at"] = ctx.conversation.last_incoming_at + kWindowMs;
  SendRequest probe;
  probe.recipient_id = recipient;
  probe.human_agent = human_agent;
  probe.product = product_;
  if (!ctx.attachments.empty()) {
    const auto& a = ctx.attachments.front();
    // Messenger's Send API takes assets of up to 25 MB (send-messages/saving-assets).
    if (product_ == Product::Messenger && a.size > kMaxMessengerAttachmentBytes) {
      return fileTooLarge(a.filename, a.content_type, a.size, "Messenger: it takes files of up to 25 MB");
    }
    if (product_ == Product::Instagram) {
      if (auto allowed = checkInstagramFile(a.filename, a.content_type, a.size); !allowed) return allowed.error();
    }
    envelope["attachment"] = json::object{{"sha256", a.sha256}, {"filename", a.filename}, {"content_type", a.content_type}};
    probe.attachment_id = "probe";
    if (auto checked = encodeSend(probe); !checked) return checked.error();
    probe.attachment_id.clear();
  }
  if (!ctx.message.text.empty() || ctx.attachments.empty()) {
    // Check now what Meta would refuse anyway (length, empty text), so the agent hears it at once.
    probe.text = ctx.message.text;
    if (auto checked = encodeSend(probe); !checked) return checked.error();
  }
  return json::serialize(envelope);
}

app::DeliveryResult MessengerGateway::deliver(const core::Inbox& inbox, const core::OutboxItem& item) {
  const std::string name(productName(product_));
  auto start = startDelivery(parseInboxConfig(product_, inbox.config_json, secrets_.get()), item.payload);
  if (!start.config) return start.failed;
  const auto& config = start.config;
  const auto& envelope = start.envelope;
  const std::string bearer = "Bearer " + config->access_token;
  auto url = sendUrl(config->api_base_url, config->account_id);
  if (!url) return {Outcome::Failed, url.error().message, 0, {}};

  SendRequest base;
  base.recipient_id = stringOr(envelope, "recipient");
  base.echo_metadata = product_ != Product::Instagram;
  base.product = product_;
  base.echo_of = item.message_id.value;
  if (auto it = envelope.find("human_agent"); it != envelope.end() && it->value().is_bool()) base.human_agent = it->value().get_bool();
  if (const auto* ends = envelope.if_contains("window_ends_at"); ends && ends->is_int64()) {
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    if (now_ms >= ends->get_int64()) base.human_agent = true;
  }
  // One Send API call. A private reply goes to a comment or post: Meta's answer names the
  // author's PSID, so the customer's answer in Messenger comes from a known contact
  // (DeliveryResult::recipient_id).
  auto send = [&](const SendRequest& request) -> app::DeliveryResult {
    auto body = encodeSend(request);
    if (!body) return {Outcome::Failed, body.error().message, 0, {}};
    auto answer = postJson(*url, bearer, std::move(*body), timeout_ms_);
    if (!answer.transport_ok && !answer.too_large) return {Outcome::RetryLater, name + " unreachable: " + answer.error, 0, {}};
    auto result = interpretSendAnswer(product_, answer.status, answer.body, answer.retry_after_s);
    if (result.outcome == Outcome::Delivered && request.recipient_field != "id") {
      auto psid = parseSendRecipient(answer.body);
      if (psid && !psid->empty() && psid->size() <= 64 && psid->find_first_not_of("0123456789") == std::string::npos) {
        result.recipient_id = *psid;
      }
    }
    return result;
  };

  const std::string kind = stringOr(envelope, "kind");
  if (kind == "private_reply") {
    SendRequest reply = base;
    reply.recipient_id = stringOr(envelope, "comment_id");
    reply.recipient_field = stringOr(envelope, "object") == "post" ? "post_id" : "comment_id";
    reply.human_agent = false;  // a private reply is a RESPONSE to the comment, within its 7 days
    reply.text = stringOr(envelope, "text");
    return send(reply);
  }
  if (kind == "comment") return deliverComment(*config, envelope);

  app::DeliveryResult last{Outcome::Failed, "nothing to send", 0, {}};
  if (auto it = envelope.find("attachment"); it != envelope.end() && it->value().is_object()) {
    const auto& a = it->value().get_object();
    auto bytes = app::readBlob(attachments_root_, stringOr(a, "sha256"));
    if (!bytes) return {Outcome::Failed, "the file to send is missing on this server", 0, {}};
    const std::string content_type = stringOr(a, "content_type");
    const AttachmentType type = attachmentTypeFor(content_type);
    // Instagram's upload goes to the Page linked to the account ("POST /<PAGE_ID>/message_attachments"
    // with the Page access token): `me` is that Page for the token the inbox holds.
    auto upload_url = uploadUrl(config->api_base_url, product_ == Product::Instagram ? "me" : config->account_id);
    if (!upload_url) return {Outcome::Failed, upload_url.error().message, 0, {}};
    HttpCall upload;
    upload.method = "POST";
    upload.url = *upload_url;
    upload.headers = {{"Authorization", bearer}};
    upload.multipart = {{"message", encodeUploadMessage(type), "", ""},
                        {"filedata", std::move(*bytes),
                         product_ == Product::Instagram ? asciiUploadName(stringOr(a, "filename")) : stringOr(a, "filename"),
                         content_type}};
    // Instagram's Attachment Upload API is the same call with "platform": "instagram"
    // (instagram-messaging/features/attachment-upload); without it the file is Messenger's.
    if (product_ == Product::Instagram) upload.multipart.insert(upload.multipart.begin(), {"platform", "instagram", "", ""});
    upload.timeout_ms = timeout_ms_ * 4;
    auto answer = performHttp(upload);
    if (!answer.transport_ok) return {Outcome::RetryLater, name + " attachment upload failed: " + answer.error, 0, {}};
    if (answer.status < 200 || answer.status >= 300) return classifySendError(product_, answer.status, answer.body, answer.retry_after_s);
    auto attachment_id = parseUploadResponse(answer.body);
    if (!attachment_id) return {Outcome::Failed, name + " attachment upload: " + attachment_id.error().message, 0, {}};
    SendRequest file = base;
    file.attachment_id = *attachment_id;
    file.attachment_type = type;
    last = send(file);
    if (last.outcome != Outcome::Delivered) return last;
  }
  // The text goes as its own message after the file (the Send API takes one or the other). If
  // it fails after the file went out, a retry sends the file again: Meta has no idempotency key.
  const std::string text = stringOr(envelope, "text");
  if (!text.empty()) {
    SendRequest message = base;
    message.text = text;
    last = send(message);
  }
  return last;
}

app::DeliveryResult MessengerGateway::deliverComment(const InboxConfig& config, const json::object& envelope) {
  auto url = commentRepliesUrl(config.api_base_url, stringOr(envelope, "comment_id"), product_);
  if (!url) return {Outcome::Failed, url.error().message, 0, {}};
  const std::string text = stringOr(envelope, "text");
  const auto* photo = envelope.if_contains("attachment");
  HttpCall call;
  call.method = "POST";
  call.url = *url;
  call.headers = {{"Authorization", "Bearer " + config.access_token}};
  call.timeout_ms = timeout_ms_;
  if (photo && photo->is_object()) {
    // The photo goes along as the multipart field `source` (Parley is not public: Meta cannot
    // fetch it by attachment_url).
    const auto& a = photo->get_object();
    auto bytes = app::readBlob(attachments_root_, stringOr(a, "sha256"));
    if (!bytes) return {Outcome::Failed, "the file to send is missing on this server", 0, {}};
    if (text.find_first_not_of(" \t\r\n") != std::string::npos) call.multipart.push_back({"message", text, "", ""});
    call.multipart.push_back({"source", std::move(*bytes), stringOr(a, "filename"), stringOr(a, "content_type")});
    call.timeout_ms = timeout_ms_ * 4;
  } else {
    auto body = encodeCommentReply(text, false, product_);
    if (!body) return {Outcome::Failed, body.error().message, 0, {}};
    call.headers.push_back({"Content-Type", "application/json"});
    call.body = std::move(*body);
  }
  auto answer = performHttp(call);
  const std::string network = product_ == Product::Instagram ? "Instagram" : "Facebook";
  if (!answer.transport_ok && !answer.too_large) {
    // A comment has no idempotency key and posting ours sends no echo: a request that reached
    // Meta but got no answer may have been posted, so it is not repeated (it would show twice,
    // to everyone). Only one that never left is tried again.
    if (answer.never_sent) return {Outcome::RetryLater, network + " unreachable: " + answer.error, 0, {}};
    return {Outcome::Failed,
            network + " did not answer (" + answer.error + "): the reply may have been posted — check the post, then resend", 0, {}};
  }
  return interpretCommentAnswer(product_, answer.status, answer.body, answer.retry_after_s);
}

core::Result<std::string> MessengerGateway::fetchMedia(const core::Inbox& inbox, const core::Attachment& attachment,
                                                       std::size_t max_bytes) {
  (void)inbox;
  const std::string& url = attachment.provider_ref;
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) {
    return makeError(ErrorCode::InvalidInput, "not a downloadable attachment URL");
  }
  // The webhook's URL is signed by Meta's CDN and expires; it needs no token.
  HttpCall download;
  download.url = url;
  download.max_response_bytes = max_bytes;
  download.timeout_ms = timeout_ms_ * 4;
  download.follow_redirects = true;
  auto file = performHttp(download);
  if (!file.transport_ok || file.status < 200 || file.status >= 300) {
    return mediaFetchError(file, std::string(productName(product_)) + " attachment download");
  }
  return std::move(file.body);
}

core::Result<app::CustomerProfile> MessengerGateway::fetchProfile(const core::Inbox& inbox, const std::string& customer_id) {
  auto config = parseInboxConfig(product_, inbox.config_json, secrets_.get());
  if (!config) return makeError(ErrorCode::InvalidInput, "the inbox configuration is invalid: " + config.error().message);
  auto url = profileUrl(product_, config->api_base_url, customer_id);
  if (!url) return url.error();
  HttpCall call;
  call.url = *url;
  call.timeout_ms = timeout_ms_;
  call.max_response_bytes = 64 * 1024;
  call.headers = {{"Authorization", "Bearer " + config->access_token}};
  auto answer = performHttp(call);
  const std::string what = std::string(productName(product_)) + " profile";
  if (!answer.transport_ok && !answer.too_large) return makeError(ErrorCode::Unavailable, what + ": " + answer.error);
  if (answer.status < 200 || answer.status >= 300) {
    // The Send API's error classes: rate limits and 5xx are temporary; a missing permission
    // (Business Asset User Profile Access), an unknown id or a revoked token are not.
    const auto sorted = classifySendError(product_, answer.status, answer.body, answer.retry_after_s);
    return makeError(sorted.outcome == Outcome::RetryLater ? ErrorCode::Unavailable : ErrorCode::InvalidInput,
                     what + ": " + sorted.error);
  }
  auto name = parseProfileName(product_, answer.body);
  if (!name) return name.error();
  return app::CustomerProfile{std::move(*name)};
}

}  // namespace parley::channels::messenger
