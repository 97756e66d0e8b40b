// POST /webhooks/api/{inbox_id}: inbound messages of the API channel.
#include <boost/json.hpp>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "channels/api/api_channel.hpp"
#include "channels/common/http_client.hpp"
#include "http/api.hpp"
#include "http/file_links.hpp"
#include "http/json.hpp"
#include "http/webhook_inboxes.hpp"

namespace parley::http {

using core::ErrorCode;
using core::makeError;

namespace {

// Fetches an attachment named by URL, bounded in size and time.
core::Result<std::string> fetchAttachment(const std::string& url, std::size_t max_bytes) {
  channels::HttpCall call;
  call.url = url;
  call.max_response_bytes = max_bytes;
  call.follow_redirects = true;
  auto answer = channels::performHttp(call);
  if (answer.too_large) return makeError(ErrorCode::TooLarge, "attachment at " + url + " is over the size limit");
  // The file server down or busy (no answer, 408, 429, 5xx): 503, so the sender tries again
  // later; its 4xx (a wrong URL, no access) is the sender's to fix: 400. Nothing is stored.
  if (!answer.transport_ok) {
    return makeError(ErrorCode::Unavailable, "could not fetch attachment " + url + " (try again later): " + answer.error);
  }
  if (answer.status == 408 || answer.status == 429 || answer.status >= 500) {
    return makeError(ErrorCode::Unavailable,
                     "could not fetch attachment " + url + " (try again later): HTTP " + std::to_string(answer.status));
  }
  if (answer.status < 200 || answer.status >= 300) {
    return makeError(ErrorCode::InvalidInput, "could not fetch attachment " + url + ": HTTP " + std::to_string(answer.status));
  }
  return std::move(answer.body);
}

// The API inboxes' secrets as the handler last read them, for the fast path (FastHandler), which
// may not read the store. A request signed with a remembered secret is ingested on the condition,
// checked in the write's own transaction, that the inbox still has exactly that secret; if not,
// nothing is stored and the handler runs with the inbox as it is now.
class RememberedSecrets {
 public:
  static RememberedSecrets& instance() {
    static RememberedSecrets secrets;
    return secrets;
  }
  std::optional<std::string> find(std::int64_t inbox) {
    std::lock_guard lock(mutex_);
    auto it = secrets_.find(inbox);
    if (it == secrets_.end()) return std::nullopt;
    return it->second;
  }
  void remember(std::int64_t inbox, const std::string& secret) {
    std::lock_guard lock(mutex_);
    secrets_[inbox] = secret;  // one entry an API inbox that exists (or existed): bounded
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::int64_t, std::string> secrets_;
};

Response ingestAnswer(const core::IngestResult& r, int status) {
  return jsonResponse(status, json::object{{"conversation_id", r.conversation_id.value},
                                           {"message_id", r.message_id.value},
                                           {"contact_id", r.contact_id.value},
                                           {"duplicate", r.duplicate}});
}

}  // namespace

void addApiChannelRoutes(Router& router, ApiDeps& deps) {
  router.add(
      "POST", "/webhooks/api/{inbox_id}", Auth::None,
      "API channel inbound message, signed with X-Parley-Signature: sha256=<hex HMAC-SHA256(secret, body)>",
      [&deps](Context& ctx) -> Response {
        auto inbox_id = ctx.idParam("inbox_id");
        if (!inbox_id) return errorResponse(404, "not_found", "no such inbox");
        PARLEY_TRY(inbox, app::readOne(deps.store, [&](app::StoreTx& tx) { return tx.getInboxAnyTenant(core::InboxId{*inbox_id}); }));
        if (inbox.channel != core::ChannelKind::Api) return errorResponse(404, "not_found", "no such api inbox");
        // Authenticity first, on the raw bytes: nothing unauthenticated is parsed or stored.
        if (!channels::api::verifySignature(inbox.secret, ctx.request.body, ctx.request.header("x-parley-signature"))) {
          return errorResponse(401, "bad_signature", "X-Parley-Signature does not match the body and the inbox secret");
        }
        RememberedSecrets::instance().remember(inbox.id.value, inbox.secret);
        if (auto refused = unlessJsonBody(ctx.request)) return *refused;
        PARLEY_TRY(parsed, channels::api::parseInbound(ctx.request.body));
        parsed.message.inbox_id = inbox.id;

        // A redelivery answers like the first delivery and stores nothing, attachments included.
        // Without attachments the ingest transaction itself finds the duplicate; with them it is
        // looked up first so that no file of a redelivery is saved.
        core::IngestResult seen;
        bool duplicate = false;
        if (!parsed.attachments.empty()) PARLEY_CHECK(deps.store.read([&](app::StoreTx& tx) -> core::Status {
          auto m = tx.findMessageByExternalId(inbox.id, parsed.message.external_id);
          if (m) {
            duplicate = true;
            seen = {m->sender_contact_id, m->conversation_id, m->id, true, false, false};
            return {};
          }
          return m.error().code == ErrorCode::NotFound ? core::Status{} : core::Status{m.error()};
        }));
        if (duplicate) return ingestAnswer(seen, 200);

        // The bytes go to disk first; their rows are written with the message, in one commit.
        for (auto& a : parsed.attachments) {
          std::string bytes = std::move(a.data);
          if (!a.url.empty()) {
            PARLEY_TRY(fetched, fetchAttachment(a.url, static_cast<std::size_t>(deps.attachments.maxBytes())));
            bytes = std::move(fetched);
          }
          PARLEY_TRY(blob, deps.attachments.saveBlob(inbox.tenant_id, bytes, a.filename));
          parsed.message.saved_files.push_back(std::move(blob));
        }
        PARLEY_TRY(result, deps.desk.ingest(parsed.message));
        return ingestAnswer(result, result.duplicate ? 200 : 201);
      });
  // The common case without a worker thread: a text message signed with the secret this process
  // last saw for the inbox. Anything else (an inbox not seen yet, attachments to fetch and
  // save, any error) is left to the handler above, which gives the authoritative answer.
  router.setFastPath([&deps](Context& ctx, Respond respond) -> bool {
    // A text message is at most 64 KB of text; a larger body carries files, which the handler
    // takes (their bytes are saved on a worker), so the I/O thread does not hash or parse it.
    if (ctx.request.body.size() > kFastPathMaxBody) return false;
    auto inbox_id = ctx.idParam("inbox_id");
    if (!inbox_id) return false;
    auto secret = RememberedSecrets::instance().find(*inbox_id);
    if (!secret) return false;
    if (!channels::api::verifySignature(*secret, ctx.request.body, ctx.request.header("x-parley-signature"))) return false;
    if (unlessJsonBody(ctx.request)) return false;
    auto parsed = channels::api::parseInbound(ctx.request.body);
    if (!parsed || !parsed->attachments.empty()) return false;
    parsed->message.inbox_id = core::InboxId{*inbox_id};
    return deps.desk.ingestAsync(
        std::move(parsed->message),
        [secret = std::move(*secret)](const core::Inbox& inbox) {
          return inbox.channel == core::ChannelKind::Api && inbox.secret == secret;
        },
        [respond = std::move(respond)](core::Result<core::IngestResult> result) {
          if (!result) return respond(std::nullopt);  // nothing stored: the handler answers
          respond(ingestAnswer(*result, result->duplicate ? 200 : 201));
        });
  });

  router.add("GET", "/webhooks/api/files/{token}", Auth::None,
             "A file of a reply, for the API channel's integration to fetch (the signed link in the callback's "
             "message.attachments[].url, valid for 7 days)",
             [&deps](Context& ctx) -> Response { return serveLinkedFile(deps, ctx.path_params["token"], core::ChannelKind::Api); });
}

}  // namespace parley::http
