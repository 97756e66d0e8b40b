// DESIGN: the I/O half of the X channel (the pure half is x_codec).
//   Inbox config: user_id (the business account's numeric id), consumer_secret (the X app's
//   API secret: the webhook's CRC and signature key), api_base_url (https://api.x.com), and the
//   account's credentials in one of two ways (docs/channels/X.md):
//   - OAuth 1.0a user context: consumer_key, oauth1_access_token, oauth1_access_token_secret
//     (all three). They never expire; with them every call (sends, DM media) is signed so.
//   - OAuth 2.0: access_token (dm.write, tweet.write, users.read, dm.read), and to keep it alive
//     refresh_token (offline.access), client_id and, for a confidential client, client_secret.
//     Parley keeps oauth2_expires_at (Unix seconds) beside the token it got.
//  - encode() runs in the reply's transaction and stores an envelope — never the token: in a
//    private conversation a DM to the customer; in a public one a post answering the customer's
//    latest post of the thread (or the one the agent replied to), unless the reply asks for a
//    DM (payload "direct": true, see DeskService::ReplyInput::direct).
//  - deliver() runs on the outbox worker: POST /2/dm_conversations/with/{id}/messages or
//    POST /2/tweets signed with OAuth 1.0a, else with the bearer token, and sorts X's answer
//    (x-rate-limit-reset on 429).
//  - Token refresh (OAuth 2.0 with a refresh_token): before a send when the stored expiry is
//    less than a minute away, and once after a 401. Per inbox one refresh at a time: under the
//    inbox's lock the stored config is read again (another worker may have refreshed already),
//    X is asked (POST /2/oauth2/token), and the new access token, its expiry and the NEW refresh
//    token (X rotates them) are written sealed to the inbox's config through app::InboxConfigs
//    before the send uses them. A refused refresh token fails the send with "X refused the
//    refresh token: re-authorise the inbox"; nothing retries it.
//  - Files (x_media.hpp says which and up to what size): a DM carries one, a post up to 4 photos
//    or one GIF or video (filesPerMessage; DeskService::reply sends a reply with more as several
//    messages). encode() refuses a file X does not take with a 400 naming it and stores, as the
//    envelope's "media" list in order, what each is sent as (media_type and media_category: dm_*
//    for a DM, tweet_* for a post). deliver() also takes the envelope of earlier versions, whose
//    "media" is one object: items queued before an upgrade still go out. For each file in turn it
//    reads the file from the attachment store and uploads it in segments (initialize, append,
//    finalize), then sends the DM with attachments [{media_id}] or the post with
//    media.media_ids (all the ids, in order). When X answers a finalize with processing_info
//    (videos, GIFs) that id is usable only once STATUS says "succeeded": deliver() never sleeps
//    on the outbox's one thread for it; it answers RetryLater with the item-only wait
//    (Throttle::Recipient: this item alone waits, no attempt spent, within the outbox's bound)
//    for X's check_after_secs (1..60 s), and remembers the media id per (outbox item, file), so
//    the next attempt reuses the files already done and asks STATUS about that one instead of
//    uploading again. Gives up when X has not finished within 10 minutes. Media ids that X took
//    stay remembered while the send is retried (429, 5xx, or another file's upload failing for
//    the moment) and while X keeps them (expires_after_secs): the retry sends the DM / post once
//    with them; after a restart the files are simply uploaded again (an upload alone reaches
//    nobody).
//  - fetchMedia() downloads a DM's file signed with OAuth 1.0a when the config has the account's
//    OAuth 1.0a keys (X: DM media "must be accessed by signing a request with the user's access
//    token using OAuth 1.0A"), else with the bearer token (refreshed first when it is expiring);
//    other hosts (pbs.twimg.com, video.twimg.com) get no credentials.
#pragma once

#include <boost/json/object.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/channel_gateway.hpp"
#include "app/inbox_configs.hpp"
#include "app/secret_box.hpp"
#include "channels/common/http_client.hpp"
#include "channels/x/x_codec.hpp"
#include "channels/x/x_media.hpp"

namespace parley::channels::x {

struct InboxConfig {
  std::string user_id;
  std::string consumer_secret;
  std::string access_token;  // OAuth 2.0; optional when the OAuth 1.0a keys are there
  std::string api_base_url = "https://api.x.com";
  // The OAuth 1.0a user context: the app's API key (consumer key) and the account's OAuth 1.0a
  // access token and token secret. With them every call is signed with OAuth 1.0a (DM media
  // are served only to such requests); without them the OAuth 2.0 token is used.
  std::string consumer_key;
  std::string oauth1_access_token;
  std::string oauth1_access_token_secret;
  // OAuth 2.0 refresh: the refresh token (offline.access), the app's OAuth 2.0 client id and,
  // for a confidential client, its secret; the access token's expiry as Parley stored it.
  std::string refresh_token;
  std::string client_id;
  std::string client_secret;
  std::int64_t oauth2_expires_at = 0;  // Unix seconds; 0: unknown
  bool oauth1() const { return !consumer_key.empty(); }
  bool refreshable() const { return !oauth1() && !refresh_token.empty(); }
  // The OAuth 2.0 token is known to expire within a minute (or has).
  bool expiring(std::int64_t now_s) const { return oauth2_expires_at > 0 && now_s >= oauth2_expires_at - 60; }
};

// InvalidInput naming the missing or malformed key. With a box, sealed secrets are opened.
core::Result<InboxConfig> parseInboxConfig(const std::string& config_json, const app::SecretBox* box = nullptr);

class XGateway final : public app::ChannelGateway {
 public:
  // configs: where refreshed OAuth 2.0 tokens are kept (main.cpp gives the store's); without it
  // an expired token is not refreshed. attachments_root: where AttachmentStore keeps the files
  // replies carry (<root>/<2 hex>/<sha256>).
  explicit XGateway(long timeout_ms = 15'000, std::shared_ptr<const app::SecretBox> secrets = nullptr,
                    std::shared_ptr<app::InboxConfigs> configs = nullptr, std::filesystem::path attachments_root = {})
      : timeout_ms_(timeout_ms),
        secrets_(std::move(secrets)),
        configs_(std::move(configs)),
        attachments_root_(std::move(attachments_root)) {}

  core::Result<std::string> encode(const app::OutboundContext& context) const override;
  core::Status validateConfig(const std::string& config_json) const override;
  bool wantsHistory(const core::Conversation&) const override { return true; }  // a public reply answers the latest post
  // A public post carries up to 4 photos together; a GIF or video goes alone, and so does every
  // file of a DM (X's one media item): 4 when public_post and every file is a photo, else 1.
  std::size_t filesPerMessage(const core::Inbox& inbox, bool public_post, const std::vector<core::Attachment>& files,
                              const core::Message& reply) const override;
  app::DeliveryResult deliver(const core::Inbox& inbox, const core::OutboxItem& item) override;
  core::Result<std::string> fetchMedia(const core::Inbox& inbox, const core::Attachment& attachment,
                                       std::size_t max_bytes) override;

  // Tests: the HTTP calls go here instead of performHttp; the clock in Unix seconds.
  using Transport = std::function<HttpAnswer(const HttpCall&)>;
  void setTransport(Transport transport) { transport_ = std::move(transport); }
  void setClock(std::function<std::int64_t()> now_s) { now_s_ = std::move(now_s); }

 private:
  struct Fresh {
    std::optional<InboxConfig> config;  // empty: `failed` says why
    app::DeliveryResult failed;
  };
  // The inbox's config with an access token other than `stale` that is not expiring: the one
  // another worker stored meanwhile, else a refreshed one, stored before it is returned.
  Fresh refreshed(core::InboxId inbox, const std::string& stale);
  std::string authorization(const InboxConfig& config, const std::string& method, const std::string& url) const;
  std::shared_ptr<std::mutex> refreshLock(core::InboxId inbox);
  std::int64_t nowS() const;

  // One signed call to X; a 401 of a refreshable inbox refreshes the token once (per delivery)
  // and repeats the call. `failed` set: the refresh failed, nothing more to do.
  struct Called {
    HttpAnswer answer;
    std::optional<app::DeliveryResult> failed;
  };
  Called signedCall(core::InboxId inbox, InboxConfig& config, HttpCall call, bool& refreshed_once);
  // The reply's file number `file` (of the envelope's media list) as an X media id ready to use,
  // uploading it (or asking STATUS about the one uploaded for this item's file before).
  // `result` set: stop here with it (wait, retry, fail).
  struct Prepared {
    std::string media_id;
    std::optional<app::DeliveryResult> result;
  };
  Prepared prepareMedia(const core::Inbox& inbox, InboxConfig& config, const core::OutboxItem& item, std::size_t file,
                        const boost::json::object& media, bool& refreshed_once);
  // Forgets every file's upload of the item (it is done or failed), or one file's.
  void forgetMedia(core::OutboxId item);
  void forgetMedia(core::OutboxId item, std::size_t file);

  // A media id uploaded for a file of an outbox item, kept across its attempts (bounded; in memory).
  struct UploadedFile {
    std::string sha256, media_category, media_id;
    bool processing = false;
    std::int64_t processing_since_s = 0;
    std::int64_t usable_until_s = 0;  // 0: X named no expiry
    std::int64_t stored_at_s = 0;
  };
  static constexpr std::size_t kMaxRemembered = 1000;
  static constexpr std::int64_t kMaxProcessingS = 600;

  long timeout_ms_;
  std::shared_ptr<const app::SecretBox> secrets_;
  std::shared_ptr<app::InboxConfigs> configs_;
  Transport transport_ = performHttp;
  std::function<std::int64_t()> now_s_;
  std::filesystem::path attachments_root_;
  std::mutex locks_mutex_;
  std::map<core::InboxId, std::shared_ptr<std::mutex>> refresh_locks_;
  std::mutex media_mutex_;
  using UploadKey = std::pair<core::OutboxId, std::size_t>;  // the item, the file's place in its media list
  std::map<UploadKey, UploadedFile> uploaded_;
};

}  // namespace parley::channels::x
