#include "app/media_fetcher.hpp"

#include <algorithm>

namespace parley::app {

using core::ErrorCode;

MediaFetcher::MediaFetcher(Store& store, DeskService& desk, AttachmentStore& attachments, const Clock& clock,
                           ChannelGateways gateways, MediaFetchPolicy policy)
    : store_(store),
      desk_(desk),
      attachments_(attachments),
      clock_(clock),
      gateways_(std::move(gateways)),
      policy_(policy),
      loop_([this] { return runOnce(); }, policy.idle_poll) {}

int MediaFetcher::runOnce() {
  auto due = readOne(store_, [&](StoreTx& tx) { return tx.dueAttachments(clock_.now(), policy_.batch); });
  if (!due) return 0;
  int tried = 0;
  for (auto& attachment : *due) {
    if (loop_.stopping()) break;
    fetchOne(std::move(attachment));
    ++tried;
  }
  return tried;
}

void MediaFetcher::fetchOne(core::Attachment attachment) {
  core::Result<std::string> bytes = core::makeError(ErrorCode::NotFound, "the attachment belongs to no message");
  if (attachment.message_id.valid()) {
    core::Inbox inbox;
    auto loaded = store_.read([&](StoreTx& tx) -> Status {
      auto message = tx.getMessage(attachment.tenant_id, attachment.message_id);
      if (!message) return message.error();
      auto box = tx.getInbox(attachment.tenant_id, message->inbox_id);
      if (!box) return box.error();
      inbox = std::move(*box);
      return {};
    });
    auto gateway = loaded ? gateways_.find(inbox.channel) : gateways_.end();
    if (!loaded) {
      bytes = loaded.error();
    } else if (gateway == gateways_.end()) {
      bytes = core::makeError(ErrorCode::Unsupported, "this channel cannot fetch media");
    } else {
      bytes = gateway->second->fetchMedia(inbox, attachment, static_cast<std::size_t>(attachments_.maxBytes()));
    }
  }
  const auto now = clock_.now();
  attachment.fetch_attempts += 1;
  if (bytes) {
    auto blob = attachments_.saveBlob(attachment.tenant_id, *bytes, attachment.filename);
    if (blob) {
      attachment.sha256 = blob->sha256;
      attachment.size = blob->size;
      attachment.content_type = blob->content_type;
      attachment.filename = blob->filename;
      attachment.state = core::AttachmentState::Stored;
      attachment.error.clear();
      ++fetched_;
      (void)desk_.completeAttachment(attachment);
      return;
    }
    bytes = blob.error();
  }
  const bool temporary = bytes.error().code == ErrorCode::Unavailable;
  if (temporary && attachment.fetch_attempts < policy_.max_attempts) {
    attachment.next_fetch_at = now + (policy_.first_backoff_ms << std::min(attachment.fetch_attempts - 1, 16));
    attachment.error = bytes.error().message;
  } else {
    attachment.state = core::AttachmentState::Failed;
    attachment.error = bytes.error().message;
    ++failed_;
  }
  (void)desk_.completeAttachment(attachment);
}

}  // namespace parley::app
