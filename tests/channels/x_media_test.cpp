// Files on X, the pure half: which files X takes and as what (docs.x.com media best practices:
// images JPG/PNG/WebP up to 5 MB, GIFs 15 MB, video 512 MB; dm_* / tweet_* categories), the
// chunked upload's requests, its answers (processing_info), and the DM / post bodies naming the
// uploaded media.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "channels/x/x_codec.hpp"
#include "channels/x/x_media.hpp"

namespace xc = parley::channels::x;
namespace ch = parley::channels;
namespace json = boost::json;
using State = xc::UploadedMedia::State;

namespace {

ch::OutgoingFile file(const std::string& name, const std::string& type, std::int64_t size) { return {name, type, size, {}}; }

std::string refusal(const ch::OutgoingFile& f, xc::MediaUse use) {
  auto r = xc::chooseMedia(f, use);
  return r ? std::string("accepted") : r.error().message;
}

}  // namespace

TEST(XMedia, EachTypeGoesWithTheCategoryOfItsUse) {
  auto dm = xc::chooseMedia(file("a.png", "image/png", 1000), xc::MediaUse::Dm);
  ASSERT_TRUE(dm.ok());
  EXPECT_EQ(dm->media_type, "image/png");
  EXPECT_EQ(dm->media_category, "dm_image");
  EXPECT_EQ(xc::chooseMedia(file("a.png", "image/png", 1000), xc::MediaUse::Post)->media_category, "tweet_image");
  EXPECT_EQ(xc::chooseMedia(file("a.gif", "image/gif", 1000), xc::MediaUse::Dm)->media_category, "dm_gif");
  EXPECT_EQ(xc::chooseMedia(file("a.gif", "image/gif", 1000), xc::MediaUse::Post)->media_category, "tweet_gif");
  EXPECT_EQ(xc::chooseMedia(file("a.mp4", "video/mp4", 1000), xc::MediaUse::Dm)->media_category, "dm_video");
  EXPECT_EQ(xc::chooseMedia(file("a.mov", "video/quicktime", 1000), xc::MediaUse::Post)->media_category, "tweet_video");
  EXPECT_EQ(xc::chooseMedia(file("a.webp", "image/webp", 1000), xc::MediaUse::Post)->media_category, "tweet_image");
  // libmagic's other names and parameters: X's name is declared.
  EXPECT_EQ(xc::chooseMedia(file("a.jpg", "Image/JPG; charset=binary", 1000), xc::MediaUse::Dm)->media_type, "image/jpeg");
}

TEST(XMedia, SizesUpToXsLimitsAndNotBeyond) {
  constexpr std::int64_t kMb = 1024 * 1024;
  EXPECT_EQ(refusal(file("a.jpg", "image/jpeg", 5 * kMb), xc::MediaUse::Dm), "accepted");
  EXPECT_EQ(refusal(file("a.jpg", "image/jpeg", 5 * kMb + 1), xc::MediaUse::Dm),
            "\"a.jpg\" (image/jpeg, 5.1 MB) is too large for X: it takes images (JPEG, PNG, WebP) up to 5 MB");
  EXPECT_EQ(refusal(file("a.gif", "image/gif", 15 * kMb), xc::MediaUse::Post), "accepted");
  EXPECT_EQ(refusal(file("a.gif", "image/gif", 15 * kMb + 1), xc::MediaUse::Post),
            "\"a.gif\" (image/gif, 15.1 MB) is too large for X: it takes animated GIFs up to 15 MB");
  EXPECT_EQ(refusal(file("a.mp4", "video/mp4", 512 * kMb), xc::MediaUse::Dm), "accepted");
  EXPECT_NE(refusal(file("a.mp4", "video/mp4", 512 * kMb + 1), xc::MediaUse::Dm).find("up to 512 MB"), std::string::npos);
}

TEST(XMedia, TypesXDoesNotTakeAreRefusedNamingTheFileAndWhatXTakes) {
  EXPECT_EQ(refusal(file("invoice.pdf", "application/pdf", 2048), xc::MediaUse::Dm),
            "\"invoice.pdf\" (application/pdf, 2 KB) cannot be sent on X: X takes images as JPEG, PNG or WebP (up to 5 "
            "MB), animated GIFs (up to 15 MB) and video as MP4 or MOV (up to 512 MB)");
  EXPECT_NE(refusal(file("", "audio/ogg", 10), xc::MediaUse::Post).find("the file (audio/ogg, 10 bytes) cannot be sent on X"),
            std::string::npos);
  EXPECT_NE(refusal(file("a.heic", "image/heic", 10), xc::MediaUse::Post), "accepted");
}

TEST(XMedia, TheUploadsRequests) {
  const xc::MediaChoice choice{"video/mp4", "dm_video"};
  EXPECT_EQ(json::parse(xc::initializeBody(choice, 9'000'000)),
            json::parse(R"({"media_type":"video/mp4","total_bytes":9000000,"media_category":"dm_video"})"));
  EXPECT_EQ(xc::initializeUrl("https://api.x.com/"), "https://api.x.com/2/media/upload/initialize");
  EXPECT_EQ(xc::appendUrl("https://api.x.com", "1880028106020515840"),
            "https://api.x.com/2/media/upload/1880028106020515840/append");
  EXPECT_EQ(xc::finalizeUrl("https://api.x.com", "1880028106020515840"),
            "https://api.x.com/2/media/upload/1880028106020515840/finalize");
  EXPECT_EQ(xc::statusUrl("https://api.x.com", "1880028106020515840"),
            "https://api.x.com/2/media/upload?command=STATUS&media_id=1880028106020515840");
  const auto parts = xc::appendParts("bytes", 2);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].name, "segment_index");
  EXPECT_EQ(parts[0].data, "2");
  EXPECT_EQ(parts[1].name, "media");
  EXPECT_EQ(parts[1].data, "bytes");
  EXPECT_FALSE(parts[1].filename.empty());  // a file part
  // Segments of 4 MB (the docs ask for at most 5 MB each).
  EXPECT_EQ(xc::segmentCount(1), 1);
  EXPECT_EQ(xc::segmentCount(4 * 1024 * 1024), 1);
  EXPECT_EQ(xc::segmentCount(4 * 1024 * 1024 + 1), 2);
  EXPECT_EQ(xc::segmentCount(15 * 1024 * 1024), 4);
}

TEST(XMedia, TheUploadsAnswersAsTheDocsShowThem) {
  // initialize / a finalize without processing_info: ready at once.
  auto ready = xc::uploadedMedia(
      R"({"data":{"id":"1880028106020515840","media_key":"13_1880028106020515840","expires_after_secs":1295999}})");
  EXPECT_EQ(ready.state, State::Ready);
  EXPECT_EQ(ready.media_id, "1880028106020515840");
  EXPECT_EQ(ready.expires_after_secs, 1295999);
  // The quickstart's async finalize: pending, check after 1 s.
  auto pending = xc::uploadedMedia(
      R"({"data":{"id":"1880028106020515840","media_key":"13_1880028106020515840","size":1048576,)"
      R"("expires_after_secs":86400,"processing_info":{"state":"pending","check_after_secs":1}}})");
  EXPECT_EQ(pending.state, State::Processing);
  EXPECT_EQ(pending.check_after_secs, 1);
  EXPECT_EQ(xc::uploadedMedia(R"({"data":{"id":"1","processing_info":{"state":"in_progress","check_after_secs":10}}})").state,
            State::Processing);
  EXPECT_EQ(xc::uploadedMedia(R"({"data":{"id":"1","processing_info":{"state":"succeeded"}}})").state, State::Ready);
  auto failed = xc::uploadedMedia(
      R"({"data":{"id":"1","processing_info":{"state":"failed","error":{"code":1,"name":"InvalidMedia","message":"Unsupported video format"}}}})");
  EXPECT_EQ(failed.state, State::Failed);
  EXPECT_EQ(failed.error, "X could not process the file: Unsupported video format");
  EXPECT_EQ(xc::uploadedMedia(R"({"data":{"id":"not-digits"}})").state, State::Failed);
  EXPECT_EQ(xc::uploadedMedia("{}").state, State::Failed);
  EXPECT_EQ(xc::uploadedMedia("garbage").state, State::Failed);
}

TEST(XMedia, DmsAndPostsNameTheUploadedMedia) {
  EXPECT_EQ(json::parse(*xc::encodeDm({"3001969357", "Here it is.", "1146654567674912769"})),
            json::parse(R"({"text":"Here it is.","attachments":[{"media_id":"1146654567674912769"}]})"));
  // A file alone: no text (X's CreateAttachmentsMessageRequest makes it optional).
  EXPECT_EQ(json::parse(*xc::encodeDm({"3001969357", "  ", "1146654567674912769"})),
            json::parse(R"({"attachments":[{"media_id":"1146654567674912769"}]})"));
  EXPECT_FALSE(xc::encodeDm({"3001969357", "", ""}).ok());  // nothing at all
  EXPECT_FALSE(xc::encodeDm({"3001969357", "hi", "abc"}).ok());
  EXPECT_EQ(json::parse(*xc::encodeTweet({"Look", "9007199254740993101", {"1146654567674912769"}})),
            json::parse(R"({"text":"Look","reply":{"in_reply_to_tweet_id":"9007199254740993101"},)"
                        R"("media":{"media_ids":["1146654567674912769"]}})"));
  EXPECT_EQ(json::parse(*xc::encodeTweet({"", "9007199254740993101", {"1146654567674912769"}})),
            json::parse(R"({"reply":{"in_reply_to_tweet_id":"9007199254740993101"},"media":{"media_ids":["1146654567674912769"]}})"));
  EXPECT_FALSE(xc::encodeTweet({"", "9007199254740993101", {}}).ok());
  EXPECT_FALSE(xc::encodeTweet({"", "9007199254740993101", {"1", "abc"}}).ok());
}

TEST(XMedia, APostNamesUpToFourMediaInOrder) {
  EXPECT_EQ(json::parse(*xc::encodeTweet({"Four", "9", {"4", "3", "2", "1"}})),
            json::parse(R"({"text":"Four","reply":{"in_reply_to_tweet_id":"9"},"media":{"media_ids":["4","3","2","1"]}})"));
  auto five = xc::encodeTweet({"Five", "9", {"1", "2", "3", "4", "5"}});
  ASSERT_FALSE(five.ok());
  EXPECT_NE(five.error().message.find("at most 4"), std::string::npos);
}

TEST(XMedia, PhotosGoUpToFourInAPostAndEverythingElseAlone) {
  auto typed = [](const std::string& type, std::int64_t size = 1000) { return file("f", type, size); };
  EXPECT_TRUE(xc::takenAsPhoto(typed("image/jpeg")));
  EXPECT_TRUE(xc::takenAsPhoto(typed("image/png")));
  EXPECT_TRUE(xc::takenAsPhoto(typed("image/webp")));
  EXPECT_FALSE(xc::takenAsPhoto(typed("image/gif")));
  EXPECT_FALSE(xc::takenAsPhoto(typed("video/mp4")));
  EXPECT_FALSE(xc::takenAsPhoto(typed("application/pdf")));
  EXPECT_FALSE(xc::takenAsPhoto(typed("image/jpeg", xc::kImageMaxBytes + 1)));
  using xc::MediaUse;
  EXPECT_EQ(xc::mediaItemsPerMessage(MediaUse::Post, {typed("image/jpeg"), typed("image/png")}), 4u);
  EXPECT_EQ(xc::mediaItemsPerMessage(MediaUse::Post, {typed("image/jpeg"), typed("image/gif")}), 1u);
  EXPECT_EQ(xc::mediaItemsPerMessage(MediaUse::Post, {typed("video/quicktime")}), 1u);
  EXPECT_EQ(xc::mediaItemsPerMessage(MediaUse::Dm, {typed("image/jpeg"), typed("image/png")}), 1u);
}
