#include "channels/whatsapp/whatsapp_media.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "channels/common/file_limits.hpp"

namespace parley::channels::whatsapp {

using core::ErrorCode;
using core::makeError;

namespace {

constexpr std::int64_t kKb = 1024, kMb = 1024 * 1024;
constexpr std::int64_t kImageMax = 5 * kMb, kVideoMax = 16 * kMb, kAudioMax = 16 * kMb, kDocumentMax = 100 * kMb;
constexpr std::int64_t kStaticStickerMax = 100 * kKb, kAnimatedStickerMax = 500 * kKb;

constexpr std::string_view kAccepted =
    "WhatsApp takes images as JPEG or PNG (up to 5 MB), stickers as WebP (up to 100 KB, animated 500 KB), "
    "video as MP4 or 3GPP (up to 16 MB), audio as AAC, AMR, MP3, M4A or Ogg Opus (up to 16 MB) and documents "
    "as PDF, plain text, Word, Excel or PowerPoint (up to 100 MB)";

struct Accepted {
  std::string_view mime_type;
  MediaType type;
};

// Meta's list, by the names the upload declares.
constexpr std::array<Accepted, 19> kTypes{{
    {"image/jpeg", MediaType::Image},
    {"image/png", MediaType::Image},
    {"image/webp", MediaType::Sticker},
    {"video/mp4", MediaType::Video},
    {"video/3gpp", MediaType::Video},
    {"video/3gp", MediaType::Video},
    {"audio/aac", MediaType::Audio},
    {"audio/amr", MediaType::Audio},
    {"audio/mpeg", MediaType::Audio},
    {"audio/mp4", MediaType::Audio},
    {"audio/ogg", MediaType::Audio},
    {"text/plain", MediaType::Document},
    {"application/pdf", MediaType::Document},
    {"application/msword", MediaType::Document},
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", MediaType::Document},
    {"application/vnd.ms-excel", MediaType::Document},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", MediaType::Document},
    {"application/vnd.ms-powerpoint", MediaType::Document},
    {"application/vnd.openxmlformats-officedocument.presentationml.presentation", MediaType::Document},
}};

// libmagic's names for types on Meta's list.
constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kAliases{{
    {"audio/x-m4a", "audio/mp4"},
    {"audio/m4a", "audio/mp4"},
    {"audio/x-hx-aac-adts", "audio/aac"},
    {"audio/x-aac", "audio/aac"},
    {"audio/x-amr", "audio/amr"},
    {"audio/mp3", "audio/mpeg"},
    {"audio/opus", "audio/ogg"},
    {"image/jpg", "image/jpeg"},
}};

// Office files libmagic names by their container (an OLE compound file, a ZIP): the extension
// tells which. Only these extensions; any other ZIP stays a ZIP.
constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kOfficeExtensions{{
    {"doc", "application/msword"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"xls", "application/vnd.ms-excel"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"ppt", "application/vnd.ms-powerpoint"},
    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
}};

std::string lowered(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string metaTypeOf(const OutgoingFile& file) {
  const std::string type = baseMediaType(file.content_type);
  for (const auto& [alias, name] : kAliases) {
    if (type == alias) return std::string(name);
  }
  if (type == "application/zip" || type == "application/vnd.ms-office" || type == "application/x-ole-storage" ||
      type == "application/cdfv2") {
    const auto dot = file.filename.rfind('.');
    const std::string extension = dot == std::string::npos ? "" : lowered(file.filename.substr(dot + 1));
    for (const auto& [ext, name] : kOfficeExtensions) {
      if (extension == ext) return std::string(name);
    }
  }
  return type;
}

// An animated WebP has a VP8X header with the animation flag (RIFF....WEBPVP8X, flags at 20).
bool animatedWebp(const std::string& head) {
  return head.size() > 20 && head.compare(0, 4, "RIFF") == 0 && head.compare(8, 8, "WEBPVP8X") == 0 &&
         (static_cast<unsigned char>(head[20]) & 0x02) != 0;
}

// An Ogg Opus stream's first page carries the "OpusHead" packet.
bool opusOgg(const std::string& head) { return head.find("OpusHead") != std::string::npos; }

core::Error tooLarge(const OutgoingFile& file, std::string_view what) {
  return fileTooLarge(file.filename, file.content_type, file.size, "WhatsApp: " + std::string(what));
}

}  // namespace

core::Result<MediaChoice> chooseMedia(const OutgoingFile& file) {
  const std::string type = metaTypeOf(file);
  const auto found = std::find_if(kTypes.begin(), kTypes.end(), [&](const Accepted& a) { return a.mime_type == type; });
  if (found == kTypes.end()) {
    return makeError(ErrorCode::InvalidInput, describeFile(file.filename, file.content_type, file.size) +
                                                  " cannot be sent on WhatsApp: " + std::string(kAccepted));
  }
  MediaChoice choice{found->type, type};
  switch (choice.type) {
    case MediaType::Image:
      if (file.size > kImageMax) return tooLarge(file, "it takes images (JPEG, PNG) up to 5 MB");
      break;
    case MediaType::Sticker: {
      // Unread: the lenient limit. A WebP is no image and no document on Meta's list.
      const bool animated = !file.head || animatedWebp(*file.head);
      if (file.size > (animated ? kAnimatedStickerMax : kStaticStickerMax)) {
        return tooLarge(file, "a WebP goes as a sticker, which takes up to 100 KB (animated 500 KB); "
                              "send the picture as JPEG or PNG (up to 5 MB) instead");
      }
      break;
    }
    case MediaType::Video:
      if (file.size > kVideoMax) return tooLarge(file, "it takes video (MP4, 3GPP) up to 16 MB");
      break;
    case MediaType::Audio:
      if (type == "audio/ogg" && file.head && !opusOgg(*file.head)) {
        return makeError(ErrorCode::InvalidInput, describeFile(file.filename, file.content_type, file.size) +
                                                      " cannot be sent on WhatsApp: it takes Ogg audio only with the "
                                                      "Opus codec (and AAC, AMR, MP3 or M4A audio)");
      }
      if (file.size > kAudioMax) return tooLarge(file, "it takes audio (AAC, AMR, MP3, M4A, Ogg Opus) up to 16 MB");
      break;
    case MediaType::Document:
      if (file.size > kDocumentMax) return tooLarge(file, "it takes documents up to 100 MB");
      break;
  }
  return choice;
}

MediaType mediaTypeOf(std::string_view mime_type) {
  const auto found = std::find_if(kTypes.begin(), kTypes.end(), [&](const Accepted& a) { return a.mime_type == mime_type; });
  if (found != kTypes.end()) return found->type;
  // An item queued before chooseMedia() checked its file: by the major type, as then.
  if (mime_type.starts_with("image/")) return mime_type == "image/webp" ? MediaType::Sticker : MediaType::Image;
  if (mime_type.starts_with("audio/")) return MediaType::Audio;
  if (mime_type.starts_with("video/")) return MediaType::Video;
  return MediaType::Document;
}

}  // namespace parley::channels::whatsapp
