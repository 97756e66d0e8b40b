// DESIGN: which files the WhatsApp Cloud API takes, and as what, checked when the reply is
// posted (WhatsAppGateway::encode) so the agent hears at once, not after Meta refused the
// upload or the send. Pure: the gateway passes the file's first bytes.
//
// Meta's "Supported media types" (Cloud API, Media reference):
//   audio     audio/aac, audio/amr, audio/mpeg, audio/mp4, audio/ogg (Opus only)   16 MB
//   document  text/plain, application/pdf, Word, Excel, PowerPoint (old and OOXML)  100 MB
//   image     image/jpeg, image/png                                                  5 MB
//   sticker   image/webp                                         100 KB static, 500 KB animated
//   video     video/3gpp, video/mp4                                                  16 MB
// A file goes as the kind whose list has its type; a type on no list (GIF, HEIC, ZIP, WAV,
// QuickTime...) is refused: the document list, the only fallback, does not have it either.
// MB and KB are taken as 1024² and 1024 bytes, the lenient reading.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "channels/common/file_limits.hpp"
#include "channels/whatsapp/whatsapp_codec.hpp"
#include "core/result.hpp"

namespace parley::channels::whatsapp {

using channels::OutgoingFile;

struct MediaChoice {
  MediaType type = MediaType::Document;
  std::string mime_type;  // Meta's name for the type: what the upload declares
};

// The kind `file` goes as, or InvalidInput naming the file, its type and size and what
// WhatsApp takes.
core::Result<MediaChoice> chooseMedia(const OutgoingFile& file);

// The kind a file of Meta's type name `mime_type` (MediaChoice::mime_type, as the outbox keeps
// it) goes as when it is sent.
MediaType mediaTypeOf(std::string_view mime_type);

}  // namespace parley::channels::whatsapp
