// What a gateway's encode() sees of a reply an agent posts (app::OutboundContext), for the
// channel tests: one inbox (id 7), its customer's External identity on that inbox, the text and
// the files. The fields are public, to be changed between calls.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "app/channel_gateway.hpp"

namespace parley::test {

struct OutboundReply {
  core::Inbox inbox;
  core::Conversation conversation;
  core::Contact contact;
  core::Message message;
  std::vector<core::ContactIdentity> identities;
  std::vector<core::Attachment> attachments;
  std::string key = "parley-msg-1";
  std::string reply_to;

  OutboundReply(core::ChannelKind channel, std::string config_json, std::string customer, std::string text = "Anbei") {
    inbox.id = core::InboxId{7};
    inbox.channel = channel;
    inbox.config_json = std::move(config_json);
    message.text = std::move(text);
    identities.push_back({{}, {}, {}, core::IdentityKind::External, "inbox:7", std::move(customer), true, {}, 0});
  }
  app::OutboundContext context() const {
    return app::OutboundContext{inbox, conversation, contact, message, identities, attachments, key, reply_to};
  }
  core::Result<std::string> encodeWith(const app::ChannelGateway& gateway) const { return gateway.encode(context()); }
};

// A stored file as the attachment store describes it (the bytes are not read by these checks).
inline core::Attachment storedFile(const std::string& filename, const std::string& content_type, std::int64_t size,
                                   std::string sha256 = std::string(64, 'a')) {
  core::Attachment a;
  a.id = core::AttachmentId{size};
  a.sha256 = std::move(sha256);
  a.filename = filename;
  a.content_type = content_type;
  a.size = size;
  return a;
}

}  // namespace parley::test
