// DESIGN: files an agent sends on X, the pure half: which files X takes and as what, and the API
// v2 media upload's requests and answers. No I/O here (the gateway does the calls).
//
// Followed: X API v2 media documentation (docs.x.com, x-api/media):
//   - "Introduction" and "Best practices" (quickstart/best-practices): images JPG, PNG, GIF,
//     WEBP up to 5 MB; animated GIFs up to 15 MB; video (MP4, and MOV as initialize's media_type
//     video/quicktime) up to 512 MB — the DM video cap of a default account, and the figure the
//     Introduction names for video; media_category says the use: dm_image / dm_gif / dm_video for
//     a Direct Message, tweet_image / tweet_gif / tweet_video for a Post ("using the wrong
//     category, for example a DM category on a Post, is a common reason an upload succeeds and
//     Post create then fails"). "You may attach up to 4 photos, 1 animated GIF or 1 video in a
//     Post"; a DM carries one media item. So a public post carries up to 4 photos (JPEG, PNG,
//     WebP) together, while a GIF, a video and every file of a DM go alone
//     (mediaItemsPerMessage; a reply with more files becomes several messages in a row,
//     app::ChannelGateway::filesPerMessage).
//   - The chunked upload, which the docs recommend for every type ("Initialize media upload",
//     "Append Media upload", "Finalize Media upload", "Get Media upload status"):
//       POST /2/media/upload/initialize  JSON {"media_type","total_bytes","media_category"}
//         -> {"data":{"id","media_key","expires_after_secs"}}
//       POST /2/media/upload/{id}/append  multipart/form-data: media (the bytes), segment_index
//         (0..999, in order); "keep each segment at or below 5 MB" -> 2xx
//       POST /2/media/upload/{id}/finalize -> {"data":{"id","size","expires_after_secs",
//         "processing_info"?: {"state","check_after_secs"}}}
//       GET  /2/media/upload?command=STATUS&media_id={id} -> the same data; state goes
//         pending -> in_progress -> succeeded | failed (with "error":{"message"}).
//     Without processing_info the media id is ready at once; with it, the id may be used only
//     once STATUS says "succeeded", checking again after check_after_secs.
//   - Using the media id: a DM "attachments": [{"media_id"}] (text optional then, X's
//     CreateAttachmentsMessageRequest), a Post "media": {"media_ids": [...]} (x_codec.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "app/channel_gateway.hpp"
#include "channels/common/file_limits.hpp"
#include "channels/common/http_client.hpp"
#include "core/result.hpp"

namespace parley::channels::x {

constexpr std::int64_t kImageMaxBytes = 5LL * 1024 * 1024;
constexpr std::int64_t kGifMaxBytes = 15LL * 1024 * 1024;
constexpr std::int64_t kVideoMaxBytes = 512LL * 1024 * 1024;
// One APPEND segment: below the 5 MB the docs ask for, however MB is read.
constexpr std::size_t kSegmentBytes = 4 * 1024 * 1024;

enum class MediaUse { Dm, Post };

struct MediaChoice {
  std::string media_type;      // X's name for the type (initialize's media_type)
  std::string media_category;  // dm_image, tweet_gif ...
};

// What `file` is sent as in a DM or a Post, or InvalidInput (the reply API's 400) naming the
// file, its type and size, and what X takes.
core::Result<MediaChoice> chooseMedia(const OutgoingFile& file, MediaUse use);

// A file X takes as a photo (an image of a Post: tweet_image), which a Post carries up to 4 of;
// false for a GIF, a video and whatever X does not take.
bool takenAsPhoto(const OutgoingFile& file);
// How many of `files` one message carries: kMaxPostMedia when it is a Post and every file is a
// photo, else 1 (a DM's one media item; a GIF or video is alone in its Post).
std::size_t mediaItemsPerMessage(MediaUse use, const std::vector<OutgoingFile>& files);

// ---- the upload's requests ----

// {"media_type","total_bytes","media_category"} for POST {base}/2/media/upload/initialize.
std::string initializeBody(const MediaChoice& choice, std::int64_t total_bytes);
std::string initializeUrl(std::string_view api_base_url);
// media_id must be digits (X's ids); the gateway checks X's answer with uploadedMedia first.
std::string appendUrl(std::string_view api_base_url, std::string_view media_id);
std::string finalizeUrl(std::string_view api_base_url, std::string_view media_id);
std::string statusUrl(std::string_view api_base_url, std::string_view media_id);
// The multipart parts of APPEND number `segment_index`: the segment's bytes and its index.
std::vector<MultipartPart> appendParts(std::string segment, int segment_index);
// How many segments a file of `total_bytes` is sent in (at least one).
int segmentCount(std::int64_t total_bytes);

// ---- the upload's answers ----

struct UploadedMedia {
  enum class State { Ready, Processing, Failed } state = State::Failed;
  std::string media_id;
  std::int64_t expires_after_secs = 0;  // 0: X named none
  std::int64_t check_after_secs = 0;    // Processing: when to ask STATUS again
  std::string error;                    // Failed: X's reason
};
// A 2xx answer of initialize, finalize or STATUS: data.id and data.processing_info (absent or
// "succeeded": Ready; "pending" / "in_progress": Processing; "failed": Failed with X's message).
// An answer without a numeric data.id is Failed.
UploadedMedia uploadedMedia(std::string_view body);

}  // namespace parley::channels::x
