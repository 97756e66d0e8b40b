#include "channels/x/x_gateway.hpp"

#include <boost/json.hpp>

#include <chrono>

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

// The reply asks to answer a public thread by DM: {"direct": true} in the message's payload.
bool wantsDirect(const core::Message& message) {
  boost::system::error_code ec;
  auto v = json::parse(message.payload_json, ec);
  if (ec || !v.is_object()) return false;
  const auto* direct = v.get_object().if_contains("direct");
  return direct && direct->is_bool() && direct->get_bool();
}

core::TimestampMs nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
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
  if (!ctx.attachments.empty()) {
    return makeError(ErrorCode::InvalidInput, "sending files on X is not supported yet; send the text alone");
  }
  if (ctx.conversation.is_public && !wantsDirect(ctx.message)) {
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
    TweetRequest probe{ctx.message.text, in_reply_to};
    if (auto checked = encodeTweet(probe); !checked) return checked.error();
    return json::serialize(json::object{{"kind", "post"}, {"text", ctx.message.text}, {"in_reply_to", in_reply_to}});
  }
  DmRequest probe{customer, ctx.message.text};
  if (auto checked = encodeDm(probe); !checked) return checked.error();
  return json::serialize(json::object{{"kind", "dm"}, {"recipient", customer}, {"text", ctx.message.text}});
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

app::DeliveryResult XGateway::deliver(const core::Inbox& inbox, const core::OutboxItem& item) {
  auto start = startDelivery(parseInboxConfig(inbox.config_json, secrets_.get()), item.payload);
  if (!start.config) return start.failed;
  InboxConfig config = std::move(*start.config);
  const auto& envelope = start.envelope;
  const bool dm = stringOr(envelope, "kind") == "dm";
  core::Result<std::string> url = dm ? dmUrl(config.api_base_url, stringOr(envelope, "recipient")) : tweetUrl(config.api_base_url);
  if (!url) return {Outcome::Failed, url.error().message, 0, {}};
  core::Result<std::string> body = dm ? encodeDm({stringOr(envelope, "recipient"), stringOr(envelope, "text")})
                                      : encodeTweet({stringOr(envelope, "text"), stringOr(envelope, "in_reply_to")});
  if (!body) return {Outcome::Failed, body.error().message, 0, {}};
  bool refreshed_once = false;
  if (config.refreshable() && config.expiring(nowS())) {
    auto fresh = refreshed(inbox.id, config.access_token);
    if (!fresh.config) return fresh.failed;
    config = std::move(*fresh.config);
    refreshed_once = true;
  }
  for (;;) {
    HttpCall call;
    call.method = "POST";
    call.url = *url;
    call.body = *body;
    call.timeout_ms = timeout_ms_;
    call.headers = {{"Authorization", authorization(config, call.method, call.url)}, {"Content-Type", "application/json"}};
    auto answer = transport_(call);
    if (!answer.transport_ok && !answer.too_large) return {Outcome::RetryLater, "X unreachable: " + answer.error, 0, {}};
    // 401: the token expired early or was revoked. X took nothing, so the send is repeated once
    // with a refreshed token.
    if (answer.status == 401 && config.refreshable() && !refreshed_once) {
      auto fresh = refreshed(inbox.id, config.access_token);
      if (!fresh.config) return fresh.failed;
      config = std::move(*fresh.config);
      refreshed_once = true;
      continue;
    }
    // X has no idempotency key: a post that timed out after X took it may be sent twice on retry.
    return interpretAnswer(dm, answer.status, answer.body, answer.rate_limit_reset_s, answer.retry_after_s, nowMs());
  }
}

core::Result<std::string> XGateway::fetchMedia(const core::Inbox& inbox, const core::Attachment& attachment,
                                               std::size_t max_bytes) {
  const std::string& url = attachment.provider_ref;
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) return makeError(ErrorCode::InvalidInput, "not a downloadable media URL");
  auto config = parseInboxConfig(inbox.config_json, secrets_.get());
  if (!config) return makeError(ErrorCode::InvalidInput, "the inbox configuration is invalid: " + config.error().message);
  // DM media (ton.x.com / ton.twitter.com) needs the account's token; the token goes nowhere else
  // but X's API host (the tests' fake serves media there).
  const bool x_host = url.rfind("https://ton.x.com/", 0) == 0 || url.rfind("https://ton.twitter.com/", 0) == 0 ||
                      url.rfind(config->api_base_url + "/", 0) == 0;
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
