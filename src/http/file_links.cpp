#include "http/file_links.hpp"

#include <fstream>
#include <iterator>

#include "app/attachment_store.hpp"
#include "channels/common/file_link.hpp"
#include "http/router.hpp"

namespace parley::http {

Response storedFileResponse(ApiDeps& deps, const core::Attachment& attachment, int cache_s) {
  std::ifstream in(deps.attachments.pathOf(attachment), std::ios::binary);
  if (!in) return errorResponse(404, "not_found", "the file is missing");
  Response r{200, std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()), attachment.content_type, {}};
  r.headers.emplace_back("Content-Disposition", attachmentDisposition(attachment.filename));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Content-Security-Policy", "default-src 'none'; sandbox");
  r.headers.emplace_back("Cache-Control", "private, max-age=" + std::to_string(cache_s));
  return r;
}

Response serveLinkedFile(ApiDeps& deps, const std::string& token, core::ChannelKind channel) {
  auto notFound = [] { return errorResponse(404, "not_found", "no such file, or the link expired"); };
  auto claims = channels::readFileLinkToken(token);
  if (!claims) return notFound();
  auto inbox = app::readOne(deps.store, [&](app::StoreTx& tx) { return tx.getInboxAnyTenant(core::InboxId{claims->inbox_id}); });
  if (!inbox || inbox->channel != channel) return notFound();
  if (!channels::verifyFileLinkToken(inbox->secret, token, deps.clock.now() / 1000)) return notFound();
  auto attachment = app::readOne(deps.store, [&](app::StoreTx& tx) {
    return tx.getAttachment(inbox->tenant_id, core::AttachmentId{claims->attachment_id});
  });
  if (!attachment || attachment->state != core::AttachmentState::Stored || !attachment->message_id.valid()) return notFound();
  // Only a file of a message in this inbox: a valid link never reaches another inbox's files.
  auto message = app::readOne(deps.store, [&](app::StoreTx& tx) { return tx.getMessage(inbox->tenant_id, attachment->message_id); });
  if (!message || message->inbox_id != inbox->id) return notFound();
  return storedFileResponse(deps, *attachment, 300);
}

}  // namespace parley::http
