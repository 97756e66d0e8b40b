#include "channels/x/x_media.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <utility>

#include "channels/common/json_fields.hpp"
#include "channels/common/json_input.hpp"
#include "channels/x/x_codec.hpp"
#include "core/text.hpp"

namespace parley::channels::x {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;

namespace {

enum class Kind { Image, Gif, Video };

constexpr std::string_view kAccepted =
    "X takes images as JPEG, PNG or WebP (up to 5 MB), animated GIFs (up to 15 MB) and video as MP4 or MOV "
    "(up to 512 MB)";

// X's media types (initialize's media_type) a reply may carry, with libmagic's other names for them.
constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kTypes{{
    {"image/jpeg", "image/jpeg"},
    {"image/jpg", "image/jpeg"},
    {"image/pjpeg", "image/jpeg"},
    {"image/png", "image/png"},
    {"image/webp", "image/webp"},
    {"image/gif", "image/gif"},
    {"video/mp4", "video/mp4"},
    {"video/quicktime", "video/quicktime"},
}};

Kind kindOf(std::string_view media_type) {
  if (media_type == "image/gif") return Kind::Gif;
  if (media_type.starts_with("video/")) return Kind::Video;
  return Kind::Image;
}

std::int64_t intOr(const json::object& o, std::string_view key) {
  const auto* v = json_fields::find(o, key);
  if (!v) return 0;
  if (v->is_int64()) return std::max<std::int64_t>(0, v->get_int64());
  if (v->is_uint64()) return static_cast<std::int64_t>(std::min<std::uint64_t>(v->get_uint64(), 1ULL << 40));
  if (v->is_double()) return v->get_double() > 0 && v->get_double() < 1e12 ? static_cast<std::int64_t>(v->get_double()) : 0;
  return 0;
}

std::string stringOf(const json::object& o, std::string_view key) {
  const auto* v = json_fields::find(o, key);
  return v && v->is_string() ? core::toValidUtf8(std::string(v->get_string()).substr(0, 500)) : std::string();
}

}  // namespace

core::Result<MediaChoice> chooseMedia(const OutgoingFile& file, MediaUse use) {
  const std::string declared = baseMediaType(file.content_type);
  const auto found = std::find_if(kTypes.begin(), kTypes.end(), [&](const auto& t) { return t.first == declared; });
  if (found == kTypes.end()) {
    return makeError(ErrorCode::InvalidInput, describeFile(file.filename, file.content_type, file.size) +
                                                  " cannot be sent on X: " + std::string(kAccepted));
  }
  const std::string media_type(found->second);
  const Kind kind = kindOf(media_type);
  const std::string prefix = use == MediaUse::Dm ? "dm_" : "tweet_";
  switch (kind) {
    case Kind::Image:
      if (file.size > kImageMaxBytes) {
        return fileTooLarge(file.filename, file.content_type, file.size, "X: it takes images (JPEG, PNG, WebP) up to 5 MB");
      }
      return MediaChoice{media_type, prefix + "image"};
    case Kind::Gif:
      if (file.size > kGifMaxBytes) {
        return fileTooLarge(file.filename, file.content_type, file.size, "X: it takes animated GIFs up to 15 MB");
      }
      return MediaChoice{media_type, prefix + "gif"};
    case Kind::Video:
      if (file.size > kVideoMaxBytes) {
        return fileTooLarge(file.filename, file.content_type, file.size, "X: it takes video (MP4, MOV) up to 512 MB");
      }
      return MediaChoice{media_type, prefix + "video"};
  }
  return makeError(ErrorCode::InvalidInput, "unreachable");
}

bool takenAsPhoto(const OutgoingFile& file) {
  auto choice = chooseMedia(file, MediaUse::Post);
  return choice && choice->media_category == "tweet_image";
}

std::size_t mediaItemsPerMessage(MediaUse use, const std::vector<OutgoingFile>& files) {
  if (use == MediaUse::Dm || files.empty() || !std::all_of(files.begin(), files.end(), takenAsPhoto)) return 1;
  return kMaxPostMedia;
}

std::string initializeBody(const MediaChoice& choice, std::int64_t total_bytes) {
  return json::serialize(json::object{
      {"media_type", choice.media_type}, {"total_bytes", total_bytes}, {"media_category", choice.media_category}});
}

std::string initializeUrl(std::string_view api_base_url) { return trimSlashes(api_base_url) + "/2/media/upload/initialize"; }

std::string appendUrl(std::string_view api_base_url, std::string_view media_id) {
  return trimSlashes(api_base_url) + "/2/media/upload/" + std::string(media_id) + "/append";
}

std::string finalizeUrl(std::string_view api_base_url, std::string_view media_id) {
  return trimSlashes(api_base_url) + "/2/media/upload/" + std::string(media_id) + "/finalize";
}

std::string statusUrl(std::string_view api_base_url, std::string_view media_id) {
  return trimSlashes(api_base_url) + "/2/media/upload?command=STATUS&media_id=" + std::string(media_id);
}

std::vector<MultipartPart> appendParts(std::string segment, int segment_index) {
  return {{"segment_index", std::to_string(segment_index), "", ""},
          {"media", std::move(segment), "blob", "application/octet-stream"}};
}

int segmentCount(std::int64_t total_bytes) {
  if (total_bytes <= 0) return 1;
  return static_cast<int>((total_bytes + static_cast<std::int64_t>(kSegmentBytes) - 1) / static_cast<std::int64_t>(kSegmentBytes));
}

UploadedMedia uploadedMedia(std::string_view body) {
  UploadedMedia out;
  auto root = parseUntrustedJson(body, 1024 * 1024, 32);
  const json::object* data = nullptr;
  if (root && root->is_object()) {
    if (const auto* d = json_fields::find(root->get_object(), "data"); d && d->is_object()) data = &d->get_object();
  }
  if (!data) {
    out.error = "X's media upload answered without data";
    return out;
  }
  const auto* id = json_fields::find(*data, "id");
  if (id && id->is_string() && isXId(id->get_string())) out.media_id = std::string(id->get_string());
  if (id && id->is_uint64()) out.media_id = std::to_string(id->get_uint64());
  if (id && id->is_int64() && id->get_int64() >= 0) out.media_id = std::to_string(id->get_int64());
  if (out.media_id.empty()) {
    out.error = "X's media upload answered without a media id";
    return out;
  }
  out.expires_after_secs = intOr(*data, "expires_after_secs");
  const auto* info = json_fields::find(*data, "processing_info");
  if (!info || !info->is_object()) {
    out.state = UploadedMedia::State::Ready;
    return out;
  }
  const auto& processing = info->get_object();
  const std::string state = stringOf(processing, "state");
  if (state == "succeeded") {
    out.state = UploadedMedia::State::Ready;
  } else if (state == "failed") {
    out.state = UploadedMedia::State::Failed;
    std::string reason;
    if (const auto* error = json_fields::find(processing, "error"); error && error->is_object()) {
      reason = stringOf(error->get_object(), "message");
      if (reason.empty()) reason = stringOf(error->get_object(), "name");
    }
    out.error = reason.empty() ? "X could not process the file" : "X could not process the file: " + reason;
  } else {
    // pending, in_progress (and the "uploading" the quickstart's example shows): not yet usable.
    out.state = UploadedMedia::State::Processing;
    out.check_after_secs = intOr(processing, "check_after_secs");
  }
  return out;
}

}  // namespace parley::channels::x
