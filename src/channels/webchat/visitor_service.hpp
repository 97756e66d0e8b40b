// DESIGN: the web chat's visitor-side use cases, behind the public widget API (http/widget_api)
// and the visitors' WebSocket streams (http/server). A visitor is a contact with an External
// identity scoped to the inbox ("inbox:<id>", value from the visitor token); nothing is stored
// until the first message, which goes through DeskService::ingest like every channel's:
//  - a verified visitor (the site signed the claims) passes e-mail and phone as verified
//    identities, so ingest joins the contact that already has them (its WhatsApp, API or e-mail
//    history); an unverified visitor's claimed e-mail is stored unverified on its own contact,
//    or, when another contact owns it, only as the contact attribute "unverified_email";
//  - the visitor sees only incoming and outgoing messages of its own conversations in this
//    inbox, never notes or activity lines;
//  - writes are rate-limited per visitor (and sessions per client address), uploads bounded;
//  - presence ("online") is within business hours AND an Available agent of the inbox's teams
//    (an inbox without teams: an Available admin or supervisor), cached for a few seconds.
// Every function runs on a worker thread (it blocks on the store).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "app/attachment_store.hpp"
#include "app/clock.hpp"
#include "app/desk_service.hpp"
#include "app/store.hpp"
#include "channels/webchat/visitor_token.hpp"
#include "channels/webchat/webchat_config.hpp"
#include "core/rate_limit.hpp"

namespace parley::channels::webchat {

struct WidgetInbox {
  core::Inbox inbox;
  WebChatConfig config;
};

struct Presence {
  bool within_hours = true;
  bool agents_available = false;
  core::TimestampMs next_opening_at = 0;  // when outside hours: the next opening (0: unknown)
  bool online() const { return within_hours && agents_available; }
};

struct SessionRequest {
  std::string token;  // the visitor's stored token, if any
  std::optional<core::VisitorClaims> user;  // the site's logged-in user ...
  std::string user_hash;                    // ... and its identity HMAC (hex); empty: unverified
  std::optional<std::string> name;          // the pre-chat or offline form
  std::optional<std::string> email;
};

struct Session {
  std::string token;
  VisitorToken visitor;
};

struct VisitorMessage {
  core::Message message;
  std::vector<core::Attachment> attachments;
  std::string agent_name;  // outgoing: the agent's first name
};

struct MessagePage {
  std::vector<VisitorMessage> messages;
  bool more = false;  // ask again with after = the last id
};

// What a visitor's WebSocket may receive: events of these conversations (and of new
// conversations of this contact in this inbox).
struct StreamScope {
  core::TenantId tenant;
  core::InboxId inbox;
  core::ContactId contact;  // unset until the visitor wrote once
  std::vector<core::ConversationId> conversations;
};

struct VisitorLimits {
  std::int64_t max_upload_bytes = 10 * 1024 * 1024;
  std::size_t max_text_bytes = 10'000;
  int messages_per_minute = 20;  // messages and files, per visitor
  int typing_per_minute = 60;
  int reads_per_minute = 60;
  int sessions_per_minute = 60;  // new visitors per client address and inbox
  core::TimestampMs presence_cache_ms = 5'000;
  core::TimestampMs file_link_ttl_ms = 6 * 3600 * 1000;
};

class VisitorService {
 public:
  VisitorService(app::Store& store, app::DeskService& desk, app::AttachmentStore& attachments, const app::Clock& clock,
                 VisitorLimits limits = {});

  // NotFound unless the inbox exists and is a web-chat inbox with a valid configuration.
  core::Result<WidgetInbox> inbox(core::InboxId id);
  // The request's Origin header against allowed_origins; no header (not a browser) passes.
  static bool allowsOrigin(const WidgetInbox& inbox, std::string_view origin);

  core::Result<Presence> presence(const WidgetInbox& inbox);
  // Unauthorized unless the token is intact and of this inbox.
  core::Result<VisitorToken> authenticate(const WidgetInbox& inbox, std::string_view token);
  // Resumes or starts a session (see docs/channels/WEBCHAT.md): Unauthorized for a wrong
  // identity HMAC, InvalidInput for bad claims, RateLimited for too many new visitors from one
  // client address.
  core::Result<Session> startSession(const WidgetInbox& inbox, const SessionRequest& request, const std::string& remote);
  // True when the visitor must give an e-mail address before writing: the pre-chat form
  // requires one, or nobody is online to answer now.
  core::Result<bool> needsEmail(const WidgetInbox& inbox, const VisitorToken& visitor);

  core::Result<MessagePage> messages(const WidgetInbox& inbox, const VisitorToken& visitor, core::MessageId after, int limit);
  core::Result<VisitorMessage> post(const WidgetInbox& inbox, const VisitorToken& visitor, const std::string& text,
                                    const std::string& client_id);
  core::Result<VisitorMessage> upload(const WidgetInbox& inbox, const VisitorToken& visitor, const std::string& bytes,
                                      const std::string& filename, const std::string& client_id);
  core::Status typing(const WidgetInbox& inbox, const VisitorToken& visitor, bool typing);
  // Marks these agent messages read (those that are the visitor's); returns how many changed.
  core::Result<int> markRead(const WidgetInbox& inbox, const VisitorToken& visitor, const std::vector<core::MessageId>& ids);
  // A file of this inbox through a signed link; NotFound for a bad or expired signature.
  core::Result<core::Attachment> signedFile(const WidgetInbox& inbox, core::AttachmentId id, core::TimestampMs expires_at,
                                            std::string_view signature);
  // The signed link's query for a file: "exp=...&sig=...".
  std::string fileQuery(const WidgetInbox& inbox, core::AttachmentId id) const;

  // For the visitor's WebSocket: Forbidden for a foreign origin, Unauthorized for a bad token.
  core::Result<StreamScope> streamScope(core::InboxId id, std::string_view origin, std::string_view token);

  // An agent changed their availability: presence is read afresh (called from the event bus).
  void forgetPresence();

  const VisitorLimits& limits() const { return limits_; }
  const app::AttachmentStore& attachments() const { return attachments_; }

 private:
  struct Limiter {
    explicit Limiter(int per_minute) : limiter(per_minute, 60'000) {}
    std::mutex mutex;
    core::WindowRateLimiter limiter;
  };
  core::Status take(Limiter& limiter, const std::string& key, const char* what);
  core::Result<std::optional<core::ContactId>> contactOf(const WidgetInbox& inbox, const VisitorToken& visitor);
  core::Result<VisitorMessage> load(const WidgetInbox& inbox, core::MessageId id);
  core::Result<VisitorMessage> ingest(const WidgetInbox& inbox, const VisitorToken& visitor, core::InboundMessage in);
  core::Result<bool> agentsAvailable(const core::Inbox& inbox);

  app::Store& store_;
  app::DeskService& desk_;
  app::AttachmentStore& attachments_;
  const app::Clock& clock_;
  VisitorLimits limits_;
  Limiter messages_limiter_, typing_limiter_, reads_limiter_, sessions_limiter_;
  std::mutex presence_mutex_;
  std::map<core::InboxId, std::pair<core::TimestampMs, bool>> presence_cache_;  // checked at, available
};

}  // namespace parley::channels::webchat
