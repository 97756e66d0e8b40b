// The X gateway's credentials: the OAuth 2.0 token refresh as X documents it (request shape,
// Basic or body client authentication, rotated refresh tokens stored sealed before use, one
// refresh per inbox at a time, a refused refresh failing the send) and OAuth 1.0a-signed sends.
// The HTTP calls go to a recording fake transport; the inbox's stored config to a map.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "app/secret_box.hpp"
#include "channels/common/base64.hpp"
#include "channels/common/config_secrets.hpp"
#include "channels/x/x_codec.hpp"
#include "channels/x/x_gateway.hpp"

namespace xc = parley::channels::x;
namespace ch = parley::channels;
namespace core = parley::core;
namespace app = parley::app;
namespace json = boost::json;
using Outcome = parley::app::DeliveryResult::Outcome;

namespace {

constexpr std::int64_t kNow = 1'800'000'000;

// An inbox's stored configuration, as app::StoreInboxConfigs keeps it.
class MemoryConfigs final : public app::InboxConfigs {
 public:
  core::Result<std::string> load(core::InboxId inbox) override {
    std::lock_guard guard(mutex_);
    auto it = configs_.find(inbox);
    if (it == configs_.end()) return core::makeError(core::ErrorCode::NotFound, "inbox not found");
    return it->second;
  }
  core::Status update(core::InboxId inbox, const Change& change) override {
    std::lock_guard guard(mutex_);
    auto changed = change(configs_.at(inbox));
    if (!changed) return changed.error();
    configs_[inbox] = *changed;
    ++writes;
    return {};
  }
  void set(core::InboxId inbox, std::string config) {
    std::lock_guard guard(mutex_);
    configs_[inbox] = std::move(config);
  }
  int writes = 0;

 private:
  std::mutex mutex_;
  std::map<core::InboxId, std::string> configs_;
};

// A fake X: the token endpoint rotates refresh tokens and refuses a used one; the send endpoints
// take the current access token (or any OAuth 1.0a header) and answer 201.
struct FakeX {
  std::mutex mutex;
  std::vector<ch::HttpCall> calls;
  std::string refresh_token = "rt-1";
  std::string access_token = "at-0";
  int issued = 0;
  int token_delay_ms = 0;

  ch::HttpAnswer operator()(const ch::HttpCall& call) {
    std::unique_lock lock(mutex);
    calls.push_back(call);
    ch::HttpAnswer answer;
    answer.transport_ok = true;
    if (call.url.ends_with("/2/oauth2/token")) {
      lock.unlock();
      if (token_delay_ms) std::this_thread::sleep_for(std::chrono::milliseconds(token_delay_ms));
      lock.lock();
      const std::string sent = "refresh_token=" + refresh_token;
      if (call.body.find(sent + "&") == std::string::npos && !call.body.ends_with(sent)) {
        answer.status = 400;
        answer.body = R"({"error":"invalid_grant","error_description":"Value passed for the token was invalid."})";
        return answer;
      }
      ++issued;
      access_token = "at-" + std::to_string(issued);
      refresh_token = "rt-" + std::to_string(issued + 1);
      answer.status = 200;
      answer.body = R"({"token_type":"bearer","expires_in":7200,"access_token":")" + access_token +
                    R"(","scope":"dm.write tweet.write users.read dm.read offline.access","refresh_token":")" +
                    refresh_token + R"("})";
      return answer;
    }
    std::string authorization;
    for (const auto& [k, v] : call.headers) {
      if (k == "Authorization") authorization = v;
    }
    if (authorization != "Bearer " + access_token && !authorization.starts_with("OAuth ")) {
      answer.status = 401;
      answer.body = R"({"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"})";
      return answer;
    }
    answer.status = 201;
    answer.body = R"({"data":{"dm_conversation_id":"1-2","dm_event_id":"1582838213000000001","id":"1582838213000000002"}})";
    return answer;
  }
  std::vector<ch::HttpCall> tokenCalls() {
    std::lock_guard guard(mutex);
    std::vector<ch::HttpCall> out;
    for (const auto& c : calls) {
      if (c.url.ends_with("/2/oauth2/token")) out.push_back(c);
    }
    return out;
  }
  std::vector<std::string> sendAuthorizations() {
    std::lock_guard guard(mutex);
    std::vector<std::string> out;
    for (const auto& c : calls) {
      if (c.url.ends_with("/2/oauth2/token")) continue;
      for (const auto& [k, v] : c.headers) {
        if (k == "Authorization") out.push_back(v);
      }
    }
    return out;
  }
};

std::string header(const ch::HttpCall& call, const std::string& name) {
  for (const auto& [k, v] : call.headers) {
    if (k == name) return v;
  }
  return "";
}

core::Inbox inboxWith(const std::string& config) {
  core::Inbox inbox;
  inbox.id = core::InboxId{7};
  inbox.channel = core::ChannelKind::X;
  inbox.config_json = config;
  return inbox;
}

core::OutboxItem dmItem() {
  core::OutboxItem item;
  item.inbox_id = core::InboxId{7};
  item.payload = R"({"kind":"dm","recipient":"3001969357","text":"Your parcel left today."})";
  return item;
}

std::string oauth2Config(std::int64_t expires_at, const std::string& extra = "") {
  return R"({"user_id":"2244994945","consumer_secret":"cs","access_token":"at-0","refresh_token":"rt-1","client_id":"cid",)"
         R"("oauth2_expires_at":)" +
         std::to_string(expires_at) + extra + R"(,"api_base_url":"http://127.0.0.1:9"})";
}

app::SecretBox testBox() { return *app::SecretBox::fromKey(std::string(32, 'k')); }

struct Rig {
  std::shared_ptr<const app::SecretBox> box = std::make_shared<const app::SecretBox>(testBox());
  std::shared_ptr<MemoryConfigs> configs = std::make_shared<MemoryConfigs>();
  std::shared_ptr<FakeX> x = std::make_shared<FakeX>();
  xc::XGateway gateway{15'000, box, configs};

  explicit Rig(const std::string& plain_config) {
    configs->set(core::InboxId{7}, *ch::sealConfigSecrets(plain_config, *box));
    gateway.setTransport([x = x](const ch::HttpCall& call) { return (*x)(call); });
    gateway.setClock([] { return kNow; });
  }
  core::Inbox inbox() { return inboxWith(*configs->load(core::InboxId{7})); }
  json::object stored() {
    auto object = ch::openConfigObject(*configs->load(core::InboxId{7}), box.get());
    return *object;
  }
};

}  // namespace

TEST(XOAuth2, RefreshRequestOfAPublicClientNamesItInTheBody) {
  auto request = xc::refreshTokenRequest("https://api.x.com/", "bWRW a+b", {"rG9n6402A3dbUJKzXTNX4oWHJ", ""});
  ASSERT_TRUE(request.ok()) << request.error().message;
  EXPECT_EQ(request->url, "https://api.x.com/2/oauth2/token");
  EXPECT_EQ(request->body, "grant_type=refresh_token&refresh_token=bWRW%20a%2Bb&client_id=rG9n6402A3dbUJKzXTNX4oWHJ");
  ASSERT_EQ(request->headers.size(), 1u);
  EXPECT_EQ(request->headers[0], (std::pair<std::string, std::string>{"Content-Type", "application/x-www-form-urlencoded"}));
}

TEST(XOAuth2, RefreshRequestOfAConfidentialClientAuthenticatesWithBasic) {
  // RFC 2617's example, which X's page quotes: "Aladdin" / "open sesame".
  auto request = xc::refreshTokenRequest("https://api.x.com", "rt", {"Aladdin", "open sesame"});
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->body, "grant_type=refresh_token&refresh_token=rt");
  ch::HttpCall call;
  call.headers = request->headers;
  EXPECT_EQ(header(call, "Authorization"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  EXPECT_EQ(header(call, "Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_FALSE(xc::refreshTokenRequest("https://api.x.com", "", {"id", ""}).ok());
  EXPECT_FALSE(xc::refreshTokenRequest("https://api.x.com", "rt", {"", ""}).ok());
  EXPECT_FALSE(xc::refreshTokenRequest("ftp://x", "rt", {"id", ""}).ok());
}

TEST(XOAuth2, TokenAnswersAreSorted) {
  auto ok = xc::interpretTokenAnswer(
      200, R"({"token_type":"bearer","expires_in":7200,"access_token":"new-at","scope":"tweet.read","refresh_token":"new-rt"})", kNow);
  EXPECT_EQ(ok.kind, xc::TokenAnswer::Kind::Tokens);
  EXPECT_EQ(ok.access_token, "new-at");
  EXPECT_EQ(ok.refresh_token, "new-rt");
  EXPECT_EQ(ok.expires_at_s, kNow + 7200);
  auto used = xc::interpretTokenAnswer(400, R"({"error":"invalid_grant","error_description":"Value passed for the token was invalid."})", kNow);
  EXPECT_EQ(used.kind, xc::TokenAnswer::Kind::Refused);
  EXPECT_EQ(used.reason.rfind("X refused the refresh token: re-authorise the inbox", 0), 0u) << used.reason;
  EXPECT_NE(used.reason.find("Value passed for the token was invalid."), std::string::npos);
  auto client = xc::interpretTokenAnswer(401, R"({"error":"unauthorized_client","error_description":"Missing valid authorization header"})", kNow);
  EXPECT_EQ(client.kind, xc::TokenAnswer::Kind::Refused);
  EXPECT_NE(client.reason.find("client_secret"), std::string::npos);
  EXPECT_EQ(xc::interpretTokenAnswer(503, "busy", kNow).kind, xc::TokenAnswer::Kind::RetryLater);
  EXPECT_EQ(xc::interpretTokenAnswer(429, "{}", kNow).kind, xc::TokenAnswer::Kind::RetryLater);
  EXPECT_EQ(xc::interpretTokenAnswer(200, R"({"token_type":"bearer"})", kNow).kind, xc::TokenAnswer::Kind::RetryLater);
}

TEST(XOAuth2, ConfigKeysForTheRefresh) {
  auto c = xc::parseInboxConfig(oauth2Config(kNow + 3600));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->refreshable());
  EXPECT_EQ(c->oauth2_expires_at, kNow + 3600);
  EXPECT_FALSE(c->expiring(kNow));
  EXPECT_TRUE(c->expiring(kNow + 3550));
  // A refresh token needs the app's client id; the expiry is a number of seconds.
  auto no_client = xc::parseInboxConfig(R"({"user_id":"1","consumer_secret":"s","access_token":"t","refresh_token":"r"})");
  ASSERT_FALSE(no_client.ok());
  EXPECT_NE(no_client.error().message.find("config.client_id"), std::string::npos);
  EXPECT_FALSE(xc::parseInboxConfig(R"({"user_id":"1","consumer_secret":"s","access_token":"t","oauth2_expires_at":"soon"})").ok());
  // OAuth 1.0a alone is enough; with nothing to sign or bear a send, the access token is named.
  auto oauth1 = xc::parseInboxConfig(
      R"({"user_id":"1","consumer_secret":"s","consumer_key":"k","oauth1_access_token":"1-a","oauth1_access_token_secret":"b"})");
  ASSERT_TRUE(oauth1.ok()) << oauth1.error().message;
  EXPECT_FALSE(oauth1->refreshable());
  auto none = xc::parseInboxConfig(R"({"user_id":"1","consumer_secret":"s"})");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("config.access_token"), std::string::npos);
}

TEST(XOAuth2, AnExpiredTokenIsRefreshedStoredSealedAndThenUsed) {
  Rig rig(oauth2Config(kNow - 10));
  auto result = rig.gateway.deliver(rig.inbox(), dmItem());
  ASSERT_EQ(result.outcome, Outcome::Delivered) << result.error;
  const auto tokens = rig.x->tokenCalls();
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].method, "POST");
  EXPECT_EQ(tokens[0].body, "grant_type=refresh_token&refresh_token=rt-1&client_id=cid");
  EXPECT_EQ(rig.x->sendAuthorizations(), std::vector<std::string>{"Bearer at-1"});
  // Stored before use: the new access token, its expiry and X's new refresh token, sealed.
  const auto raw = *rig.configs->load(core::InboxId{7});
  EXPECT_EQ(raw.find("at-1"), std::string::npos);
  EXPECT_EQ(raw.find("rt-2"), std::string::npos);
  const auto stored = rig.stored();
  EXPECT_EQ(stored.at("access_token"), "at-1");
  EXPECT_EQ(stored.at("refresh_token"), "rt-2");
  EXPECT_EQ(stored.at("oauth2_expires_at").to_number<std::int64_t>(), kNow + 7200);
  EXPECT_EQ(stored.at("client_id"), "cid");

  // The next send uses the stored token without asking X again; the refresh after that spends rt-2.
  ASSERT_EQ(rig.gateway.deliver(rig.inbox(), dmItem()).outcome, Outcome::Delivered);
  EXPECT_EQ(rig.x->tokenCalls().size(), 1u);
  rig.gateway.setClock([] { return kNow + 7200; });
  ASSERT_EQ(rig.gateway.deliver(rig.inbox(), dmItem()).outcome, Outcome::Delivered);
  ASSERT_EQ(rig.x->tokenCalls().size(), 2u);
  EXPECT_NE(rig.x->tokenCalls()[1].body.find("refresh_token=rt-2&"), std::string::npos);
}

TEST(XOAuth2, AConfidentialClientRefreshesWithBasicAuthentication) {
  Rig rig(oauth2Config(kNow - 10, R"(,"client_secret":"csecret")"));
  ASSERT_EQ(rig.gateway.deliver(rig.inbox(), dmItem()).outcome, Outcome::Delivered);
  const auto tokens = rig.x->tokenCalls();
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(header(tokens[0], "Authorization"), "Basic " + ch::base64("cid:csecret"));
  EXPECT_EQ(tokens[0].body.find("client_id"), std::string::npos);
}

TEST(XOAuth2, A401IsRefreshedOnceAndTheSendRepeatedOnce) {
  Rig rig(oauth2Config(0));  // expiry unknown: the 401 says it
  rig.x->access_token = "at-revoked-meanwhile";
  auto result = rig.gateway.deliver(rig.inbox(), dmItem());
  ASSERT_EQ(result.outcome, Outcome::Delivered) << result.error;
  EXPECT_EQ(rig.x->sendAuthorizations(), (std::vector<std::string>{"Bearer at-0", "Bearer at-1"}));
  EXPECT_EQ(rig.x->tokenCalls().size(), 1u);

  // X refuses even the new token: one refresh, then the 401 fails the send (no loop).
  Rig stubborn(oauth2Config(0));
  stubborn.gateway.setTransport([x = stubborn.x](const ch::HttpCall& call) {
    auto answer = (*x)(call);
    if (!call.url.ends_with("/2/oauth2/token")) {
      answer.status = 401;
      answer.body = R"({"title":"Unauthorized","status":401,"detail":"Unauthorized"})";
    }
    return answer;
  });
  auto refused = stubborn.gateway.deliver(stubborn.inbox(), dmItem());
  EXPECT_EQ(refused.outcome, Outcome::Failed);
  EXPECT_EQ(refused.error, "X error 401: Unauthorized");
  EXPECT_EQ(stubborn.x->tokenCalls().size(), 1u);
  EXPECT_EQ(stubborn.x->sendAuthorizations().size(), 2u);
}

TEST(XOAuth2, ARefusedRefreshTokenFailsTheSendWithTheReason) {
  Rig rig(oauth2Config(kNow - 10));
  rig.x->refresh_token = "rt-someone-else-spent";
  const auto before = *rig.configs->load(core::InboxId{7});
  auto result = rig.gateway.deliver(rig.inbox(), dmItem());
  EXPECT_EQ(result.outcome, Outcome::Failed);
  EXPECT_EQ(result.error.rfind("X refused the refresh token: re-authorise the inbox", 0), 0u) << result.error;
  EXPECT_TRUE(rig.x->sendAuthorizations().empty());
  EXPECT_EQ(*rig.configs->load(core::InboxId{7}), before);
  // X unreachable or busy on the token call: tried again later, nothing stored.
  Rig busy(oauth2Config(kNow - 10));
  busy.gateway.setTransport([](const ch::HttpCall&) {
    ch::HttpAnswer answer;
    answer.transport_ok = true;
    answer.status = 503;
    return answer;
  });
  EXPECT_EQ(busy.gateway.deliver(busy.inbox(), dmItem()).outcome, Outcome::RetryLater);
  EXPECT_EQ(busy.configs->writes, 0);
}

TEST(XOAuth2, TwoWorkersRefreshTheSameInboxOnce) {
  Rig rig(oauth2Config(kNow - 10));
  rig.x->token_delay_ms = 100;
  const auto stale = rig.inbox();  // both workers loaded the inbox before either refreshed
  std::vector<app::DeliveryResult> results(2);
  std::thread a([&] { results[0] = rig.gateway.deliver(stale, dmItem()); });
  std::thread b([&] { results[1] = rig.gateway.deliver(stale, dmItem()); });
  a.join();
  b.join();
  EXPECT_EQ(results[0].outcome, Outcome::Delivered) << results[0].error;
  EXPECT_EQ(results[1].outcome, Outcome::Delivered) << results[1].error;
  EXPECT_EQ(rig.x->tokenCalls().size(), 1u);
  EXPECT_EQ(rig.x->sendAuthorizations(), (std::vector<std::string>{"Bearer at-1", "Bearer at-1"}));
  EXPECT_EQ(rig.configs->writes, 1);
}

TEST(XOAuth2, AnAdminsNewRefreshTokenIsNotOverwritten) {
  Rig rig(oauth2Config(kNow - 10));
  // The admin re-authorised while X answered the refresh: the refreshed tokens are not stored.
  std::string admin = oauth2Config(kNow + 7000);
  admin.replace(admin.find("rt-1"), 4, "rt-admin");
  rig.gateway.setTransport([x = rig.x, configs = rig.configs, box = rig.box, admin](const ch::HttpCall& call) {
    if (call.url.ends_with("/2/oauth2/token")) configs->set(core::InboxId{7}, *ch::sealConfigSecrets(admin, *box));
    return (*x)(call);
  });
  auto result = rig.gateway.deliver(rig.inbox(), dmItem());
  EXPECT_EQ(result.outcome, Outcome::RetryLater);
  EXPECT_NE(result.error.find("changed meanwhile"), std::string::npos) << result.error;
  EXPECT_EQ(rig.stored().at("refresh_token"), "rt-admin");
}

TEST(XOAuth2, ARefreshTokenAnotherServerSpentMeanwhileGivesWayToWhatItStored) {
  Rig rig(oauth2Config(kNow - 10));
  std::string other = oauth2Config(kNow + 7200);
  other.replace(other.find("rt-1"), 4, "rt-9");
  other.replace(other.find("at-0"), 4, "at-9");
  rig.gateway.setTransport([x = rig.x, configs = rig.configs, box = rig.box, other](const ch::HttpCall& call) {
    if (call.url.ends_with("/2/oauth2/token")) {
      configs->set(core::InboxId{7}, *ch::sealConfigSecrets(other, *box));  // the other server's commit
      std::lock_guard guard(x->mutex);
      x->refresh_token = "rt-9";
      x->access_token = "at-9";
    }
    return (*x)(call);
  });
  auto result = rig.gateway.deliver(rig.inbox(), dmItem());
  ASSERT_EQ(result.outcome, Outcome::Delivered) << result.error;
  EXPECT_EQ(rig.x->sendAuthorizations(), std::vector<std::string>{"Bearer at-9"});
  EXPECT_EQ(rig.configs->writes, 0);
}

TEST(XOAuth2, DmMediaAreFetchedWithARefreshedTokenAndOtherHostsGetNone) {
  Rig rig(oauth2Config(0));
  rig.x->access_token = "at-revoked";  // X answers the stored token with 401
  core::Attachment media;
  media.provider_ref = "http://127.0.0.1:9/media/box.jpg";
  auto file = rig.gateway.fetchMedia(rig.inbox(), media, 1 << 20);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(rig.x->sendAuthorizations(), (std::vector<std::string>{"Bearer at-0", "Bearer at-1"}));
  EXPECT_EQ(rig.stored().at("refresh_token"), "rt-2");
  // A file on another host: no credentials, and an expiring token is not refreshed for it.
  Rig other(oauth2Config(kNow - 10));
  media.provider_ref = "https://pbs.twimg.com/media/box.jpg";
  (void)other.gateway.fetchMedia(other.inbox(), media, 1 << 20);
  EXPECT_TRUE(other.x->tokenCalls().empty());
  std::lock_guard guard(other.x->mutex);
  ASSERT_EQ(other.x->calls.size(), 1u);
  EXPECT_EQ(header(other.x->calls[0], "Authorization"), "");
}

TEST(XOAuth2, ADmsVideoOrGifIsFetchedWithTheAccountsTokenAPostsVideoWithout) {
  for (const char* url : {"https://video.twimg.com/dm_video/155/vid/720x1280/b.mp4", "https://video.twimg.com/dm_gif/156/x.mp4",
                          "https://video.twimg.com/ext_tw_video/157/pu/vid/720x1280/c.mp4"}) {
    SCOPED_TRACE(url);
    Rig rig(oauth2Config(0));
    core::Attachment media;
    media.provider_ref = url;
    (void)rig.gateway.fetchMedia(rig.inbox(), media, 1 << 20);
    std::lock_guard guard(rig.x->mutex);
    ASSERT_FALSE(rig.x->calls.empty());
    const bool dm = std::string(url).find("/dm_") != std::string::npos;
    EXPECT_EQ(header(rig.x->calls.back(), "Authorization"), dm ? "Bearer at-0" : "");
  }
}

TEST(XOAuth1, SendsAreSignedInTheAccountsUserContext) {
  const std::string config =
      R"({"user_id":"2244994945","consumer_secret":"cs","consumer_key":"ck","oauth1_access_token":"2244994945-tok",)"
      R"("oauth1_access_token_secret":"ts","access_token":"at-0","refresh_token":"rt-1","client_id":"cid",)"
      R"("oauth2_expires_at":1,"api_base_url":"http://127.0.0.1:9"})";
  Rig rig(config);
  auto result = rig.gateway.deliver(rig.inbox(), dmItem());
  ASSERT_EQ(result.outcome, Outcome::Delivered) << result.error;
  EXPECT_TRUE(rig.x->tokenCalls().empty());  // OAuth 1.0a tokens never expire: nothing to refresh
  const auto auths = rig.x->sendAuthorizations();
  ASSERT_EQ(auths.size(), 1u);
  // The header is what oauth1Authorization gives for this request with its nonce and time.
  const std::string& auth = auths[0];
  auto field = [&](const std::string& name) {
    const auto at = auth.find(name + "=\"");
    if (at == std::string::npos) return std::string();
    const auto from = at + name.size() + 2;
    return auth.substr(from, auth.find('"', from) - from);
  };
  EXPECT_EQ(field("oauth_consumer_key"), "ck");
  EXPECT_EQ(field("oauth_token"), "2244994945-tok");
  EXPECT_EQ(field("oauth_timestamp"), std::to_string(kNow));
  EXPECT_EQ(auth, xc::oauth1Authorization("POST", "http://127.0.0.1:9/2/dm_conversations/with/3001969357/messages",
                                          {"ck", "cs", "2244994945-tok", "ts"}, field("oauth_nonce"), kNow));
  // A post is signed the same way, for its own URL.
  core::OutboxItem post = dmItem();
  post.payload = R"({"kind":"post","text":"@user Sorry!","in_reply_to":"9007199254740993101"})";
  ASSERT_EQ(rig.gateway.deliver(rig.inbox(), post).outcome, Outcome::Delivered);
  std::lock_guard guard(rig.x->mutex);
  EXPECT_EQ(rig.x->calls.back().url, "http://127.0.0.1:9/2/tweets");
  EXPECT_EQ(header(rig.x->calls.back(), "Authorization").rfind("OAuth ", 0), 0u);
}

// ---- files: the chunked upload before the DM or post, never sleeping on the outbox's thread ----

namespace {

// A fake of X's media upload and send endpoints with scripted answers per step.
struct MediaX {
  std::vector<ch::HttpCall> calls;
  std::vector<ch::HttpAnswer> finalize_answers;  // in turn; then ready
  std::vector<ch::HttpAnswer> status_answers;    // in turn; then succeeded
  std::vector<ch::HttpAnswer> init_answers;      // in turn; then an id
  std::vector<ch::HttpAnswer> send_answers;      // in turn; then 201
  int issued = 0;

  static ch::HttpAnswer answer(long status, std::string body) {
    ch::HttpAnswer a;
    a.transport_ok = true;
    a.status = status;
    a.body = std::move(body);
    return a;
  }
  static ch::HttpAnswer next(std::vector<ch::HttpAnswer>& script, ch::HttpAnswer otherwise) {
    if (script.empty()) return otherwise;
    auto a = script.front();
    script.erase(script.begin());
    return a;
  }
  ch::HttpAnswer operator()(const ch::HttpCall& call) {
    calls.push_back(call);
    const std::string id = "18800281060205158" + std::to_string(40 + issued);
    if (call.url.ends_with("/2/media/upload/initialize")) {
      auto a = next(init_answers, answer(200, R"({"data":{"id":")" + id + R"(","expires_after_secs":86400}})"));
      if (a.status == 200) ++issued;
      return a;
    }
    if (call.url.ends_with("/append")) return answer(200, R"({"data":{"expires_at":1}})");
    if (call.url.ends_with("/finalize")) {
      const auto media = call.url.substr(call.url.find("/upload/") + 8, 19);
      return next(finalize_answers, answer(200, R"({"data":{"id":")" + media + R"(","size":3,"expires_after_secs":86400}})"));
    }
    if (call.url.find("command=STATUS") != std::string::npos) {
      const auto media = call.url.substr(call.url.find("media_id=") + 9);
      return next(status_answers,
                  answer(200, R"({"data":{"id":")" + media + R"(","processing_info":{"state":"succeeded"}}})"));
    }
    return next(send_answers, answer(201, R"({"data":{"dm_conversation_id":"1-2","dm_event_id":"1582838213000000001","id":"1582838213000000002"}})"));
  }
  std::vector<std::string> steps() const {
    std::vector<std::string> out;
    for (const auto& c : calls) {
      if (c.url.ends_with("/initialize")) out.push_back("initialize");
      else if (c.url.ends_with("/append")) out.push_back("append");
      else if (c.url.ends_with("/finalize")) out.push_back("finalize");
      else if (c.url.find("command=STATUS") != std::string::npos) out.push_back("status");
      else out.push_back("send");
    }
    return out;
  }
};

constexpr const char* kSha = "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";

struct MediaRig {
  std::filesystem::path root = std::filesystem::temp_directory_path() / ("x-media-" + std::to_string(::getpid()));
  std::shared_ptr<MediaX> x = std::make_shared<MediaX>();
  xc::XGateway gateway{15'000, nullptr, nullptr, root};

  MediaRig() {
    std::filesystem::create_directories(root / std::string(kSha).substr(0, 2));
    std::ofstream(root / std::string(kSha).substr(0, 2) / kSha, std::ios::binary) << "GIF";
    gateway.setTransport([x = x](const ch::HttpCall& call) { return (*x)(call); });
    gateway.setClock([] { return kNow; });
  }
  ~MediaRig() { std::filesystem::remove_all(root); }
  core::Inbox inbox() {
    return inboxWith(R"({"user_id":"2244994945","consumer_secret":"cs","access_token":"at-0","api_base_url":"http://127.0.0.1:9"})");
  }
  // A file of its own in the attachment store.
  void blob(const std::string& sha, const std::string& bytes) {
    std::filesystem::create_directories(root / sha.substr(0, 2));
    std::ofstream(root / sha.substr(0, 2) / sha, std::ios::binary) << bytes;
  }
  // A post with `count` photos, as encode() stores it now: "media" is a list. Photo i is the
  // bytes "photo<i>" under the sha256 "<i>" repeated.
  core::OutboxItem photos(int count) {
    json::array media;
    for (int i = 0; i < count; ++i) {
      const std::string sha(64, static_cast<char>('0' + i));
      const std::string digit(1, static_cast<char>('0' + i));  // not "p" + to_string(i): GCC 12 warns falsely (-Wrestrict)
      blob(sha, "photo" + digit);
      media.push_back(json::object{{"sha256", sha}, {"filename", "p" + digit + ".png"}, {"size", 6},
                                   {"media_type", "image/png"}, {"media_category", "tweet_image"}});
    }
    core::OutboxItem i;
    i.id = core::OutboxId{42};
    i.inbox_id = core::InboxId{7};
    i.payload = json::serialize(json::object{{"kind", "post"}, {"text", "Look"}, {"in_reply_to", "9007199254740993101"},
                                             {"media", std::move(media)}});
    return i;
  }
  // The envelope of earlier versions (one "media" object), which deliver() still takes: items
  // queued before an upgrade.
  static core::OutboxItem item(const std::string& kind = "dm", const std::string& category = "dm_gif") {
    core::OutboxItem i;
    i.id = core::OutboxId{41};
    i.inbox_id = core::InboxId{7};
    const std::string media = R"("media":{"sha256":")" + std::string(kSha) +
                              R"(","filename":"a.gif","size":3,"media_type":"image/gif","media_category":")" + category + R"("})";
    i.payload = kind == "dm" ? R"({"kind":"dm","recipient":"3001969357","text":"Look",)" + media + "}"
                             : R"({"kind":"post","text":"Look","in_reply_to":"9007199254740993101",)" + media + "}";
    return i;
  }
};

}  // namespace

TEST(XFiles, AFileIsUploadedInItsCategoryThenTheDmNamesIt) {
  MediaRig rig;
  auto result = rig.gateway.deliver(rig.inbox(), MediaRig::item());
  ASSERT_EQ(result.outcome, Outcome::Delivered) << result.error;
  EXPECT_EQ(rig.x->steps(), (std::vector<std::string>{"initialize", "append", "finalize", "send"}));
  const auto& calls = rig.x->calls;
  EXPECT_EQ(json::parse(calls[0].body), json::parse(R"({"media_type":"image/gif","total_bytes":3,"media_category":"dm_gif"})"));
  EXPECT_EQ(header(calls[0], "Content-Type"), "application/json");
  EXPECT_EQ(header(calls[0], "Authorization"), "Bearer at-0");
  ASSERT_EQ(calls[1].multipart.size(), 2u);
  EXPECT_EQ(calls[1].multipart[1].data, "GIF");  // the file's bytes
  EXPECT_EQ(json::parse(calls[3].body),
            json::parse(R"({"text":"Look","attachments":[{"media_id":"1880028106020515840"}]})"));
}

TEST(XFiles, ProcessingIsWaitedForWithoutSleepingAndTheUploadIsNotRepeated) {
  MediaRig rig;
  rig.x->finalize_answers.push_back(MediaX::answer(
      200, R"({"data":{"id":"1880028106020515840","processing_info":{"state":"pending","check_after_secs":3}}})"));
  rig.x->status_answers.push_back(MediaX::answer(
      200, R"({"data":{"id":"1880028106020515840","processing_info":{"state":"in_progress","check_after_secs":500}}})"));
  const auto item = MediaRig::item("post", "tweet_gif");
  auto first = rig.gateway.deliver(rig.inbox(), item);
  EXPECT_EQ(first.outcome, Outcome::RetryLater);
  EXPECT_EQ(first.throttle, app::DeliveryResult::Throttle::Recipient);  // only this item waits, no attempt spent
  EXPECT_EQ(first.retry_after_ms, 3000);
  EXPECT_EQ(first.error, "X is still processing \"a.gif\"");
  auto second = rig.gateway.deliver(rig.inbox(), item);
  EXPECT_EQ(second.outcome, Outcome::RetryLater);
  EXPECT_EQ(second.retry_after_ms, 60'000);  // X's 500 s, bounded
  auto third = rig.gateway.deliver(rig.inbox(), item);
  ASSERT_EQ(third.outcome, Outcome::Delivered) << third.error;
  EXPECT_EQ(rig.x->steps(), (std::vector<std::string>{"initialize", "append", "finalize", "status", "status", "send"}));
  EXPECT_EQ(json::parse(rig.x->calls.back().body),
            json::parse(R"({"text":"Look","reply":{"in_reply_to_tweet_id":"9007199254740993101"},)"
                        R"("media":{"media_ids":["1880028106020515840"]}})"));
}

TEST(XFiles, ARetriedSendUsesTheSameUploadAndAFailedProcessingFailsWithXsReason) {
  MediaRig rig;
  rig.x->send_answers.push_back(MediaX::answer(503, R"({"title":"Service Unavailable","status":503})"));
  auto first = rig.gateway.deliver(rig.inbox(), MediaRig::item());
  EXPECT_EQ(first.outcome, Outcome::RetryLater);
  auto second = rig.gateway.deliver(rig.inbox(), MediaRig::item());
  ASSERT_EQ(second.outcome, Outcome::Delivered) << second.error;
  EXPECT_EQ(rig.x->steps(), (std::vector<std::string>{"initialize", "append", "finalize", "send", "send"}));
  EXPECT_EQ(rig.x->calls[3].body, rig.x->calls[4].body);
  // Delivered: forgotten, so another item's file is uploaded afresh; X's processing fails it.
  rig.x->finalize_answers.push_back(MediaX::answer(
      200, R"({"data":{"id":"1880028106020515841","processing_info":{"state":"failed","error":{"message":"Unsupported video format"}}}})"));
  auto failed = rig.gateway.deliver(rig.inbox(), MediaRig::item());
  EXPECT_EQ(failed.outcome, Outcome::Failed);
  EXPECT_EQ(failed.error, "\"a.gif\": X could not process the file: Unsupported video format");
}

TEST(XFiles, UploadErrorsTakeTheSendsPath) {
  MediaRig rig;
  auto limited = MediaX::answer(429, R"({"title":"Too Many Requests","status":429})");
  limited.rate_limit_reset_s = kNow + 30;
  rig.x->init_answers.push_back(limited);
  rig.x->init_answers.push_back(MediaX::answer(400, R"({"title":"Invalid Request","detail":"Invalid media_category","status":400})"));
  auto throttled = rig.gateway.deliver(rig.inbox(), MediaRig::item());
  EXPECT_EQ(throttled.outcome, Outcome::RetryLater);
  EXPECT_EQ(throttled.throttle, app::DeliveryResult::Throttle::Sender);
  auto refused = rig.gateway.deliver(rig.inbox(), MediaRig::item());
  EXPECT_EQ(refused.outcome, Outcome::Failed);
  EXPECT_EQ(refused.error, "uploading \"a.gif\" to X: X error 400: Invalid media_category");
  EXPECT_EQ(rig.x->steps(), (std::vector<std::string>{"initialize", "initialize"}));  // nothing sent
  std::filesystem::remove_all(rig.root);
  auto missing = rig.gateway.deliver(rig.inbox(), MediaRig::item());
  EXPECT_EQ(missing.outcome, Outcome::Failed);
  EXPECT_NE(missing.error.find("missing on this server"), std::string::npos);
}

TEST(XFiles, SeveralPhotosAreUploadedInOrderAndThePostNamesEveryId) {
  MediaRig rig;
  auto result = rig.gateway.deliver(rig.inbox(), rig.photos(3));
  ASSERT_EQ(result.outcome, Outcome::Delivered) << result.error;
  EXPECT_EQ(rig.x->steps(), (std::vector<std::string>{"initialize", "append", "finalize", "initialize", "append", "finalize",
                                                      "initialize", "append", "finalize", "send"}));
  for (int i = 0; i < 3; ++i) {
    const auto& init = rig.x->calls[static_cast<std::size_t>(i) * 3];
    EXPECT_EQ(json::parse(init.body).as_object().at("media_category"), "tweet_image");
    EXPECT_EQ(rig.x->calls[static_cast<std::size_t>(i) * 3 + 1].multipart[1].data, "photo" + std::to_string(i));
  }
  EXPECT_EQ(json::parse(rig.x->calls.back().body),
            json::parse(R"({"text":"Look","reply":{"in_reply_to_tweet_id":"9007199254740993101"},)"
                        R"("media":{"media_ids":["1880028106020515840","1880028106020515841","1880028106020515842"]}})"));
}

TEST(XFiles, ARetryReusesTheFilesXAlreadyHasAndWaitsForProcessingPerFile) {
  MediaRig rig;
  const auto item = rig.photos(3);
  // The second file's upload meets a 503: the first one's media id is kept for the retry.
  rig.x->init_answers.push_back(MediaX::answer(200, R"({"data":{"id":"1880028106020515840","expires_after_secs":86400}})"));
  rig.x->init_answers.push_back(MediaX::answer(503, R"({"title":"Service Unavailable","status":503})"));
  auto first = rig.gateway.deliver(rig.inbox(), item);
  EXPECT_EQ(first.outcome, Outcome::RetryLater);
  EXPECT_EQ(first.error, "uploading \"p1.png\" to X: X error 503: Service Unavailable");
  // The retry uploads the second and third; X is still processing the third: only it is asked
  // about next time.
  rig.x->finalize_answers.push_back(MediaX::answer(200, R"({"data":{"id":"1880028106020515841"}})"));
  rig.x->finalize_answers.push_back(MediaX::answer(
      200, R"({"data":{"id":"1880028106020515842","processing_info":{"state":"pending","check_after_secs":2}}})"));
  auto second = rig.gateway.deliver(rig.inbox(), item);
  EXPECT_EQ(second.outcome, Outcome::RetryLater);
  EXPECT_EQ(second.throttle, app::DeliveryResult::Throttle::Recipient);
  EXPECT_EQ(second.retry_after_ms, 2000);
  EXPECT_EQ(second.error, "X is still processing \"p2.png\"");
  auto third = rig.gateway.deliver(rig.inbox(), item);
  ASSERT_EQ(third.outcome, Outcome::Delivered) << third.error;
  EXPECT_EQ(rig.x->steps(), (std::vector<std::string>{"initialize", "append", "finalize", "initialize",  // 503
                                                      "initialize", "append", "finalize", "initialize", "append", "finalize",
                                                      "status", "send"}));
  EXPECT_EQ(json::parse(rig.x->calls.back().body).as_object().at("media"),
            json::parse(R"({"media_ids":["1880028106020515840","1880028106020515841","1880028106020515842"]})"));
  // Sent: forgotten, every file of it.
  rig.x->calls.clear();
  ASSERT_EQ(rig.gateway.deliver(rig.inbox(), item).outcome, Outcome::Delivered);
  const auto steps = rig.x->steps();
  EXPECT_EQ(std::count(steps.begin(), steps.end(), "initialize"), 3);
}

TEST(XFiles, ADmEnvelopeWithSeveralFilesIsRefused) {
  MediaRig rig;
  auto item = rig.photos(2);
  auto envelope = json::parse(item.payload).as_object();
  envelope["kind"] = "dm";
  envelope["recipient"] = "3001969357";
  item.payload = json::serialize(envelope);
  auto result = rig.gateway.deliver(rig.inbox(), item);
  EXPECT_EQ(result.outcome, Outcome::Failed);
  EXPECT_EQ(result.error, "an X direct message carries one file");
  EXPECT_TRUE(rig.x->calls.empty());
}
