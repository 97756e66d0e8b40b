// The normalised inbound message every channel codec produces.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/domain.hpp"

namespace parley::core {

struct InboundContact {
  std::string external_id;  // the channel's id for this person (scoped to the inbox)
  std::string name;
  std::string phone;  // raw; normalised to E.164 by ingestion
  std::string email;  // raw; lower-cased by ingestion
  // True when the channel vouches for phone/e-mail (a signed integrator, WhatsApp's wa_id);
  // only verified identities match an existing contact.
  bool verified = true;
};

struct InboundMessage {
  InboxId inbox_id;
  std::string external_id;  // the provider's message id, for deduplication
  InboundContact contact;
  std::string text;
  std::vector<AttachmentId> attachment_ids;  // already stored blobs
  std::optional<double> latitude, longitude;
  std::string location_name;
  std::string reply_to_external_id;
};

struct IngestResult {
  ContactId contact_id;
  ConversationId conversation_id;
  MessageId message_id;
  bool duplicate = false;  // the external id was seen before; nothing new stored
  bool new_conversation = false;
  bool new_contact = false;
};

}  // namespace parley::core
