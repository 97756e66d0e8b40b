#include "channels/x/x_gateway.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>

#include "app/attachment_store.hpp"
#include "app/direct_reply.hpp"
#include "app/crypto.hpp"
#include "channels/common/config_secrets.hpp"
#include "channels/common/delivery_start.hpp"
#include "channels/common/http_client.hpp"

namespace parley::channels::x {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;
using Outcome = app::DeliveryResult::Outcome;

namespace {

bool allDigits(const std::string& s) {
  return !s.empty() && s.size() <= 32 && s.find_first_not_of("0123456789") == std::string::npos;
}

core::TimestampMs nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// What x_media judges a reply's files by.
std::vector<OutgoingFile> outgoingFiles(const std::vector<core::Attachment>& attachments) {
  std::vector<OutgoingFile> out;
  for (const auto& a : attachments) out.push_back(OutgoingFile{a.filename, a.content_type, a.size, std::nullopt});
  return out;
}

std::int64_t systemNowS() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

core::Result<InboxConfig> parseInboxConfig(const std::string& config_json, const app::SecretBox* box) {
  auto object = openConfigObject(config_json, box);
  if (!object) return object.error();
  const auto& o = *object;
  InboxConfig c;
  c.user_id = stringOr(o, "user_id");
  c.consumer_secret = stringOr(o, "consumer_secret");
  c.access_token = stringOr(o, "access_token");
  if (auto base = stringOr(o, "api_base_url"); !base.empty()) c.api_base_url = base;
  c.consumer_key = stringOr(o, "consumer_key");
  c.oauth1_access_token = stringOr(o, "oauth1_access_token");
  c.oauth1_access_token_secret = stringOr(o, "oauth1_access_token_secret");
  c.refresh_token = stringOr(o, "refresh_token");
  c.client_id = stringOr(o, "client_id");
  c.client_secret = stringOr(o, "client_secret");
  if (c.consumer_key.empty() != c.oauth1_access_token.empty() || c.consumer_key.empty() != c.oauth1_access_token_secret.empty()) {
    return makeError(ErrorCode::InvalidInput,
                     "config.consumer_key, config.oauth1_access_token and config.oauth1_access_token_secret go together "
                     "(the account's OAuth 1.0a user context)");
  }
  if (auto required = requireConfigValues({{"user_id", &c.user_id}, {"consumer_secret", &c.consumer_secret}}, "an x");
      !required) {
    return required.error();
  }
  if (c.access_token.empty() && !c.oauth1()) {
    return makeError(ErrorCode::InvalidInput,
                     "config.access_token: is required for an x inbox without the OAuth 1.0a keys (consumer_key, "
                     "oauth1_access_token, oauth1_access_token_secret)");
  }
  if ((!c.refresh_token.empty() || !c.client_secret.empty()) && c.client_id.empty()) {
    return makeError(ErrorCode::InvalidInput,
                     "config.client_id: is required with a refresh_token or client_secret (the app's OAuth 2.0 Client ID)");
  }
  // Not a secret key (no "token" in its name), so the admin API shows it and a form saves it back.
  if (const auto* at = o.if_contains("oauth2_expires_at"); at && !at->is_null() && !(at->is_string() && at->get_string().empty())) {
    boost::system::error_code ec;
    const auto seconds = at->is_number() ? at->to_number<std::int64_t>(ec) : -1;
    if (ec || seconds < 0) {
      return makeError(ErrorCode::InvalidInput, "config.oauth2_expires_at: must be Unix seconds (a whole number)");
    }
    c.oauth2_expires_at = seconds;
  }
  if (!allDigits(c.user_id)) {
    return makeError(ErrorCode::InvalidInput, "config.user_id: must be the account's numeric id as a string (not the @handle)");
  }
  while (!c.api_base_url.empty() && c.api_base_url.back() == '/') c.api_base_url.pop_back();
  if (c.api_base_url.rfind("http://", 0) != 0 && c.api_base_url.rfind("https://", 0) != 0) {
    return makeError(ErrorCode::InvalidInput, "config.api_base_url: must be an http or https URL");
  }
  return c;
}

core::Status XGateway::validateConfig(const std::string& config_json) const {
  if (auto parsed = parseInboxConfig(config_json); !parsed) return parsed.error();
  return rejectUnknownConfigKeys(config_json,
                                 {"user_id", "consumer_secret", "api_base_url", "consumer_key", "oauth1_access_token",
                                  "oauth1_access_token_secret", "access_token", "refresh_token", "client_id", "client_secret",
                                  "oauth2_expires_at"},
                                 "an x", "docs/channels/X.md");
}

core::Result<std::string> XGateway::encode(const app::OutboundContext& ctx) const {
  const std::string scope = "inbox:" + std::to_string(ctx.inbox.id.value);
  std::string customer;
  for (const auto& identity : ctx.identities) {
    if (identity.kind == core::IdentityKind::External && identity.scope == scope) {
      customer = identity.value;
      break;
    }
  }
  if (customer.empty()) return makeError(ErrorCode::InvalidInput, "this contact has not written to this X account");
  const bool post = ctx.conversation.is_public && !app::wantsDirect(ctx.message);
  // A file X does not take, or not at this size, is refused now, naming it; the envelope keeps
  // what each is uploaded as (the category differs for a DM and a post), in order.
  const MediaUse use = post ? MediaUse::Post : MediaUse::Dm;
  const auto outgoing = outgoingFiles(ctx.attachments);
  json::array media;
  for (std::size_t i = 0; i < ctx.attachments.size(); ++i) {
    const auto& a = ctx.attachments[i];
    auto choice = chooseMedia(outgoing[i], use);
    if (!choice) return choice.error();
    media.push_back(json::object{{"sha256", a.sha256},
                                 {"filename", a.filename},
                                 {"size", a.size},
                                 {"media_type", choice->media_type},
                                 {"media_category", choice->media_category}});
  }
  // DeskService::reply splits a reply by filesPerMessage, so this holds; a guard all the same.
  if (outgoing.size() > mediaItemsPerMessage(use, outgoing)) {
    return makeError(ErrorCode::InvalidInput, post ? "a post on X carries up to 4 photos (JPEG, PNG, WebP), or one GIF or video alone"
                                                   : "an X direct message carries one file");
  }
  if (post) {
    // The post answers the one the agent replied to, else the customer's latest of the thread.
    std::string in_reply_to = ctx.reply_to_external_id;
    if (in_reply_to.empty() && ctx.history) {
      for (auto it = ctx.history->rbegin(); it != ctx.history->rend(); ++it) {
        if (it->direction == core::MessageDirection::Incoming && allDigits(it->external_id)) {
          in_reply_to = it->external_id;
          break;
        }
      }
    }
    if (in_reply_to.empty()) return makeError(ErrorCode::InvalidInput, "no post of the customer in this thread to answer");
    TweetRequest probe{ctx.message.text, in_reply_to, std::vector<std::string>(media.size(), "1")};
    if (auto checked = encodeTweet(probe); !checked) return checked.error();
    json::object envelope{{"kind", "post"}, {"text", ctx.message.text}, {"in_reply_to", in_reply_to}};
    if (!media.empty()) envelope["media"] = std::move(media);
    return json::serialize(envelope);
  }
  DmRequest probe{customer, ctx.message.text, media.empty() ? "" : "1"};
  if (auto checked = encodeDm(probe); !checked) return checked.error();
  json::object envelope{{"kind", "dm"}, {"recipient", customer}, {"text", ctx.message.text}};
  if (!media.empty()) envelope["media"] = std::move(media);
  return json::serialize(envelope);
}

std::string XGateway::authorization(const InboxConfig& config, const std::string& method, const std::string& url) const {
  if (!config.oauth1()) return "Bearer " + config.access_token;
  const OAuth1Credentials credentials{config.consumer_key, config.consumer_secret, config.oauth1_access_token,
                                      config.oauth1_access_token_secret};
  return oauth1Authorization(method, url, credentials, app::randomHex(16), nowS());
}

std::int64_t XGateway::nowS() const { return now_s_ ? now_s_() : systemNowS(); }

std::shared_ptr<std::mutex> XGateway::refreshLock(core::InboxId inbox) {
  std::lock_guard guard(locks_mutex_);
  auto& lock = refresh_locks_[inbox];
  if (!lock) lock = std::make_shared<std::mutex>();
  return lock;
}

XGateway::Fresh XGateway::refreshed(core::InboxId inbox, const std::string& stale) {
  auto failed = [](Outcome outcome, std::string reason, core::TimestampMs wait = 0) {
    return Fresh{std::nullopt, {outcome, std::move(reason), wait, {}}};
  };
  if (!configs_) return failed(Outcome::Failed, "the X access token expired and this server keeps no refreshed tokens");
  const auto lock = refreshLock(inbox);
  std::lock_guard guard(*lock);
  const std::int64_t now_s = nowS();
  auto stored = configs_->load(inbox);
  if (!stored) return failed(Outcome::RetryLater, "the inbox configuration could not be read: " + stored.error().message);
  auto current = parseInboxConfig(*stored, secrets_.get());
  if (!current) return failed(Outcome::Failed, "the inbox configuration is invalid: " + current.error().message);
  // Another worker refreshed while this one waited, or an admin changed the credentials.
  if (current->access_token != stale && !current->expiring(now_s)) return {std::move(*current), {}};
  if (!current->refreshable()) return {std::move(*current), {}};
  auto request = refreshTokenRequest(current->api_base_url, current->refresh_token, {current->client_id, current->client_secret});
  if (!request) return failed(Outcome::Failed, "the inbox configuration is invalid: " + request.error().message);
  HttpCall call;
  call.method = "POST";
  call.url = request->url;
  call.headers = request->headers;
  call.body = request->body;
  call.timeout_ms = timeout_ms_;
  const auto answer = transport_(call);
  if (!answer.transport_ok) return failed(Outcome::RetryLater, "X unreachable (token refresh): " + answer.error);
  auto tokens = interpretTokenAnswer(answer.status, answer.body, now_s);
  const std::string used = current->refresh_token;
  if (tokens.kind == TokenAnswer::Kind::Refused) {
    // Spent by another Parley server on this database (or replaced by an admin) meanwhile: use
    // what it stored.
    if (auto again = configs_->load(inbox)) {
      if (auto other = parseInboxConfig(*again, secrets_.get()); other && other->refresh_token != used && other->access_token != stale) {
        return {std::move(*other), {}};
      }
    }
    return failed(Outcome::Failed, tokens.reason);
  }
  if (tokens.kind == TokenAnswer::Kind::RetryLater) {
    return failed(Outcome::RetryLater, tokens.reason, static_cast<core::TimestampMs>(answer.retry_after_s) * 1000);
  }
  // X has rotated the refresh token: the new one is stored (sealed) before anything uses it.
  auto saved = configs_->update(inbox, [&](const std::string& now_stored) -> core::Result<std::string> {
    auto object = openConfigObject(now_stored, secrets_.get());
    if (!object) return object.error();
    if (stringOr(*object, "refresh_token") != used) {
      return makeError(ErrorCode::Conflict, "the inbox's refresh_token was changed meanwhile");
    }
    (*object)["access_token"] = tokens.access_token;
    if (!tokens.refresh_token.empty()) (*object)["refresh_token"] = tokens.refresh_token;
    if (tokens.expires_at_s > 0) {
      (*object)["oauth2_expires_at"] = tokens.expires_at_s;
    } else {
      object->erase("oauth2_expires_at");
    }
    std::string plain = json::serialize(*object);
    if (!secrets_) return plain;
    return sealConfigSecrets(plain, *secrets_);
  });
  if (!saved) return failed(Outcome::RetryLater, "X's refreshed tokens could not be stored: " + saved.error().message);
  current->access_token = tokens.access_token;
  if (!tokens.refresh_token.empty()) current->refresh_token = tokens.refresh_token;
  current->oauth2_expires_at = tokens.expires_at_s;
  return {std::move(*current), {}};
}

XGateway::Called XGateway::signedCall(core::InboxId inbox, InboxConfig& config, HttpCall call, bool& refreshed_once) {
  const bool json_body = !call.body.empty();
  for (;;) {
    call.timeout_ms = std::max(call.timeout_ms, timeout_ms_);
    call.headers = {{"Authorization", authorization(config, call.method, call.url)}};
    if (json_body) call.headers.emplace_back("Content-Type", "application/json");
    auto answer = transport_(call);
    // 401: the token expired early or was revoked. X took nothing, so the call is repeated once
    // with a refreshed token.
    if (answer.transport_ok && answer.status == 401 && config.refreshable() && !refreshed_once) {
      auto fresh = refreshed(inbox, config.access_token);
      if (!fresh.config) return {std::move(answer), fresh.failed};
      config = std::move(*fresh.config);
      refreshed_once = true;
      continue;
    }
    return {std::move(answer), std::nullopt};
  }
}

std::size_t XGateway::filesPerMessage(const core::Inbox&, bool public_post, const std::vector<core::Attachment>& files,
                                      const core::Message&) const {
  return mediaItemsPerMessage(public_post ? MediaUse::Post : MediaUse::Dm, outgoingFiles(files));
}

void XGateway::forgetMedia(core::OutboxId item) {
  std::lock_guard guard(media_mutex_);
  for (auto it = uploaded_.lower_bound(UploadKey{item, 0}); it != uploaded_.end() && it->first.first == item;) {
    it = uploaded_.erase(it);
  }
}

void XGateway::forgetMedia(core::OutboxId item, std::size_t file) {
  std::lock_guard guard(media_mutex_);
  uploaded_.erase(UploadKey{item, file});
}

XGateway::Prepared XGateway::prepareMedia(const core::Inbox& inbox, InboxConfig& config, const core::OutboxItem& item,
                                          std::size_t file, const json::object& media, bool& refreshed_once) {
  const UploadKey key{item.id, file};
  const std::string sha = stringOr(media, "sha256");
  const std::string filename = stringOr(media, "filename");
  const MediaChoice choice{stringOr(media, "media_type"), stringOr(media, "media_category")};
  const std::string named = filename.empty() ? "the file" : "\"" + filename + "\"";
  auto stop = [](app::DeliveryResult r) { return Prepared{{}, std::move(r)}; };
  auto failed = [&](std::string reason) {
    forgetMedia(item.id);
    return stop({Outcome::Failed, std::move(reason), 0, {}});
  };
  // X's answer to one step of the upload: 429 pauses the inbox, 5xx and 408 are retried, other
  // statuses fail the reply with X's reason (x_codec's classifyError, as for sends).
  auto refused = [&](const HttpAnswer& answer) {
    if (!answer.transport_ok) return stop({Outcome::RetryLater, "X unreachable (uploading " + named + "): " + answer.error, 0, {}});
    auto r = classifyError(answer.status, answer.body, answer.rate_limit_reset_s, answer.retry_after_s, nowMs());
    r.error = "uploading " + named + " to X: " + r.error;
    if (r.outcome == Outcome::Failed) forgetMedia(item.id);
    return stop(std::move(r));
  };
  const std::int64_t now_s = nowS();
  // X is still processing the file: only this item waits, for X's check_after_secs, spending
  // no attempt (the outbox's item-only wait, within its bound of such answers per item).
  auto wait = [&](std::int64_t check_after_s) {
    app::DeliveryResult r{Outcome::RetryLater, "X is still processing " + named,
                          std::clamp<std::int64_t>(check_after_s, 1, 60) * 1000, {}};
    r.throttle = app::DeliveryResult::Throttle::Recipient;
    return stop(std::move(r));
  };
  auto remember = [&](const UploadedMedia& uploaded, bool processing, std::int64_t since_s) {
    std::lock_guard guard(media_mutex_);
    if (uploaded_.size() >= kMaxRemembered && !uploaded_.contains(key)) {
      auto oldest = std::min_element(uploaded_.begin(), uploaded_.end(),
                                     [](const auto& a, const auto& b) { return a.second.stored_at_s < b.second.stored_at_s; });
      uploaded_.erase(oldest);
    }
    uploaded_[key] = UploadedFile{sha, choice.media_category, uploaded.media_id, processing, since_s,
                                  uploaded.expires_after_secs > 0 ? now_s + uploaded.expires_after_secs : 0, now_s};
  };
  // What the finalize or STATUS answered.
  auto settled = [&](const UploadedMedia& uploaded, std::int64_t since_s) -> Prepared {
    switch (uploaded.state) {
      case UploadedMedia::State::Ready:
        remember(uploaded, false, since_s);
        return {uploaded.media_id, std::nullopt};
      case UploadedMedia::State::Processing:
        if (now_s - since_s >= kMaxProcessingS) return failed("X did not finish processing " + named + " within 10 minutes");
        remember(uploaded, true, since_s);
        return wait(uploaded.check_after_secs);
      case UploadedMedia::State::Failed:
        break;
    }
    return failed(named + ": " + uploaded.error);
  };

  // Uploaded for this item before (an earlier attempt): used again while X keeps it.
  std::optional<UploadedFile> known;
  {
    std::lock_guard guard(media_mutex_);
    if (auto it = uploaded_.find(key); it != uploaded_.end()) {
      const auto& f = it->second;
      if (f.sha256 == sha && f.media_category == choice.media_category && (f.usable_until_s == 0 || now_s < f.usable_until_s - 60)) {
        known = f;
      } else {
        uploaded_.erase(it);
      }
    }
  }
  if (known && !known->processing) return {known->media_id, std::nullopt};
  if (known) {
    HttpCall status;
    status.url = statusUrl(config.api_base_url, known->media_id);
    auto called = signedCall(inbox.id, config, status, refreshed_once);
    if (called.failed) return stop(*called.failed);
    const auto& answer = called.answer;
    if (!answer.transport_ok || answer.status < 200 || answer.status >= 300) {
      // X no longer knows the upload (expired, or a 4xx): it is uploaded again next time.
      if (answer.transport_ok && answer.status >= 400 && answer.status < 500 && answer.status != 429 && answer.status != 408) {
        forgetMedia(item.id, file);
        return stop({Outcome::RetryLater, "X no longer knows the upload of " + named + "; uploading it again", 0, {}});
      }
      return refused(answer);
    }
    auto uploaded = uploadedMedia(answer.body);
    if (uploaded.media_id.empty()) uploaded.media_id = known->media_id;
    return settled(uploaded, known->processing_since_s);
  }

  auto blob = app::readBlob(attachments_root_, sha);
  if (!blob) return failed("the file to send (" + named + ") is missing on this server");
  const std::string bytes = std::move(*blob);
  const auto total = static_cast<std::int64_t>(bytes.size());

  HttpCall init;
  init.method = "POST";
  init.url = initializeUrl(config.api_base_url);
  init.body = initializeBody(choice, total);
  auto called = signedCall(inbox.id, config, init, refreshed_once);
  if (called.failed) return stop(*called.failed);
  if (!called.answer.transport_ok || called.answer.status < 200 || called.answer.status >= 300) return refused(called.answer);
  const auto session = uploadedMedia(called.answer.body);
  if (session.media_id.empty()) return failed("uploading " + named + " to X: " + session.error);

  const int segments = segmentCount(total);
  for (int index = 0; index < segments; ++index) {
    HttpCall append;
    append.method = "POST";
    append.url = appendUrl(config.api_base_url, session.media_id);
    const std::size_t from = static_cast<std::size_t>(index) * kSegmentBytes;
    append.multipart = appendParts(bytes.substr(from, kSegmentBytes), index);
    append.timeout_ms = timeout_ms_ * 4;
    auto appended = signedCall(inbox.id, config, std::move(append), refreshed_once);
    if (appended.failed) return stop(*appended.failed);
    if (!appended.answer.transport_ok || appended.answer.status < 200 || appended.answer.status >= 300) {
      return refused(appended.answer);
    }
  }

  HttpCall finalize;
  finalize.method = "POST";
  finalize.url = finalizeUrl(config.api_base_url, session.media_id);
  auto finalized = signedCall(inbox.id, config, finalize, refreshed_once);
  if (finalized.failed) return stop(*finalized.failed);
  if (!finalized.answer.transport_ok || finalized.answer.status < 200 || finalized.answer.status >= 300) {
    return refused(finalized.answer);
  }
  auto uploaded = uploadedMedia(finalized.answer.body);
  if (uploaded.media_id.empty()) uploaded.media_id = session.media_id;
  return settled(uploaded, now_s);
}

app::DeliveryResult XGateway::deliver(const core::Inbox& inbox, const core::OutboxItem& item) {
  auto start = startDelivery(parseInboxConfig(inbox.config_json, secrets_.get()), item.payload);
  if (!start.config) return start.failed;
  InboxConfig config = std::move(*start.config);
  const auto& envelope = start.envelope;
  const bool dm = stringOr(envelope, "kind") == "dm";
  core::Result<std::string> url = dm ? dmUrl(config.api_base_url, stringOr(envelope, "recipient")) : tweetUrl(config.api_base_url);
  if (!url) return {Outcome::Failed, url.error().message, 0, {}};
  bool refreshed_once = false;
  if (config.refreshable() && config.expiring(nowS())) {
    auto fresh = refreshed(inbox.id, config.access_token);
    if (!fresh.config) return fresh.failed;
    config = std::move(*fresh.config);
    refreshed_once = true;
  }
  // The files first, in order: the DM or post names X's media ids. "media" is a list; an item
  // queued by an earlier version holds one object.
  std::vector<const json::object*> files;
  if (const auto* media = envelope.if_contains("media"); media && media->is_object()) {
    files.push_back(&media->get_object());
  } else if (media && media->is_array()) {
    for (const auto& m : media->get_array()) {
      if (!m.is_object()) return {Outcome::Failed, "the queued reply names a file it does not describe", 0, {}};
      files.push_back(&m.get_object());
    }
  }
  if (dm && files.size() > 1) return {Outcome::Failed, "an X direct message carries one file", 0, {}};
  std::vector<std::string> media_ids;
  for (std::size_t i = 0; i < files.size(); ++i) {
    auto prepared = prepareMedia(inbox, config, item, i, *files[i], refreshed_once);
    if (prepared.result) return *prepared.result;
    media_ids.push_back(std::move(prepared.media_id));
  }
  core::Result<std::string> body =
      dm ? encodeDm({stringOr(envelope, "recipient"), stringOr(envelope, "text"), media_ids.empty() ? "" : media_ids.front()})
         : encodeTweet({stringOr(envelope, "text"), stringOr(envelope, "in_reply_to"), media_ids});
  if (!body) {
    forgetMedia(item.id);
    return {Outcome::Failed, body.error().message, 0, {}};
  }
  HttpCall call;
  call.method = "POST";
  call.url = *url;
  call.body = *body;
  auto called = signedCall(inbox.id, config, call, refreshed_once);
  if (called.failed) return *called.failed;
  const auto& answer = called.answer;
  if (!answer.transport_ok && !answer.too_large) return {Outcome::RetryLater, "X unreachable: " + answer.error, 0, {}};
  // X has no idempotency key: a post that timed out after X took it may be sent twice on retry.
  auto result = interpretAnswer(dm, answer.status, answer.body, answer.rate_limit_reset_s, answer.retry_after_s, nowMs());
  // A retried send (429, 5xx) uses the media ids again while X keeps them; otherwise it is done.
  if (result.outcome != Outcome::RetryLater) forgetMedia(item.id);
  return result;
}

core::Result<std::string> XGateway::fetchMedia(const core::Inbox& inbox, const core::Attachment& attachment,
                                               std::size_t max_bytes) {
  const std::string& url = attachment.provider_ref;
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) return makeError(ErrorCode::InvalidInput, "not a downloadable media URL");
  auto config = parseInboxConfig(inbox.config_json, secrets_.get());
  if (!config) return makeError(ErrorCode::InvalidInput, "the inbox configuration is invalid: " + config.error().message);
  // DM media need the account's token ("Media in direct messages must be retrieved via an
  // authenticated app-user GET request"): photos on ton.x.com / ton.twitter.com, a DM's video or
  // GIF on video.twimg.com under /dm_video/ and /dm_gif/. The token goes nowhere else but X's API
  // host (the tests' fake serves media there): a public post's media on pbs.twimg.com get none.
  const bool x_host = url.rfind("https://ton.x.com/", 0) == 0 || url.rfind("https://ton.twitter.com/", 0) == 0 ||
                      url.rfind("https://video.twimg.com/dm_video/", 0) == 0 ||
                      url.rfind("https://video.twimg.com/dm_gif/", 0) == 0 || url.rfind(config->api_base_url + "/", 0) == 0;
  // An OAuth 2.0 token that is expiring, or that X refused with 401 once, is refreshed first.
  auto refresh = [&]() -> core::Status {
    auto fresh = refreshed(inbox.id, config->access_token);
    if (!fresh.config) {
      return makeError(fresh.failed.outcome == Outcome::RetryLater ? ErrorCode::Unavailable : ErrorCode::InvalidInput,
                       fresh.failed.error);
    }
    *config = std::move(*fresh.config);
    return {};
  };
  const bool refreshable = x_host && config->refreshable();
  bool refreshed_once = false;
  if (refreshable && config->expiring(nowS())) {
    if (auto s = refresh(); !s) return s.error();
    refreshed_once = true;
  }
  HttpCall download;
  download.url = url;
  download.max_response_bytes = max_bytes;
  download.timeout_ms = timeout_ms_ * 4;
  download.follow_redirects = true;  // libcurl keeps a custom Authorization header to the first host only
  if (x_host) download.headers = {{"Authorization", authorization(*config, "GET", url)}};
  auto file = transport_(download);
  if (file.transport_ok && file.status == 401 && refreshable && !refreshed_once) {
    if (auto s = refresh(); !s) return s.error();
    download.headers = {{"Authorization", authorization(*config, "GET", url)}};
    file = transport_(download);
  }
  if (!file.transport_ok || file.status < 200 || file.status >= 300) return mediaFetchError(file, "X media download");
  return std::move(file.body);
}

}  // namespace parley::channels::x
