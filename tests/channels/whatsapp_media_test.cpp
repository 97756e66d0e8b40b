// Which files a WhatsApp reply may carry (channels/whatsapp/whatsapp_media.hpp), against Meta's
// "Supported media types" of the Cloud API: what an agent notices is a reply refused at once,
// naming the file, its type and size and what WhatsApp takes, instead of a failure after upload.
#include "channels/whatsapp/whatsapp_media.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "channels/common/file_limits.hpp"
#include "channels/whatsapp/whatsapp_gateway.hpp"
#include "outbound_reply.hpp"

namespace wa = parley::channels::whatsapp;
namespace core = parley::core;
namespace json = boost::json;

namespace {

constexpr std::int64_t kKb = 1024, kMb = 1024 * 1024;

// A WebP's first bytes: VP8X with the animation flag, or a plain lossy VP8 frame.
std::string webpHead(bool animated) {
  std::string head("RIFF\x10\x00\x00\x00WEBP", 12);
  if (animated) return head + std::string("VP8X\x0a\x00\x00\x00\x02\x00\x00\x00", 12);
  return head + std::string("VP8 \x0a\x00\x00\x00\x00\x00\x00\x00", 12);
}

// An Ogg page header with one segment, then the codec's identification packet.
std::string oggHead(const std::string& codec_magic) {
  return std::string("OggS\x00\x02", 6) + std::string(20, '\0') + "\x01\x1e" + codec_magic;
}

wa::MediaType kindOf(const wa::OutgoingFile& file) {
  auto choice = wa::chooseMedia(file);
  EXPECT_TRUE(choice.ok()) << file.filename << ": " << choice.error().message;
  return choice.ok() ? choice->type : wa::MediaType::Document;
}

std::string refusal(const wa::OutgoingFile& file) {
  auto choice = wa::chooseMedia(file);
  EXPECT_FALSE(choice.ok()) << file.filename << " was accepted";
  if (choice.ok()) return "";
  EXPECT_EQ(choice.error().code, core::ErrorCode::InvalidInput);
  return choice.error().message;
}

}  // namespace

TEST(WhatsAppMedia, DocumentedTypesGoAsTheirKindUpToTheirSize) {
  EXPECT_EQ(kindOf({"foto.jpg", "image/jpeg", 5 * kMb, {}}), wa::MediaType::Image);
  EXPECT_EQ(kindOf({"plan.png", "image/png", 300 * kKb, {}}), wa::MediaType::Image);
  EXPECT_EQ(kindOf({"clip.mp4", "video/mp4", 16 * kMb, {}}), wa::MediaType::Video);
  EXPECT_EQ(kindOf({"clip.3gp", "video/3gpp", kMb, {}}), wa::MediaType::Video);
  EXPECT_EQ(kindOf({"ton.mp3", "audio/mpeg", 16 * kMb, {}}), wa::MediaType::Audio);
  EXPECT_EQ(kindOf({"gruss.ogg", "audio/ogg", 20 * kKb, oggHead("OpusHead")}), wa::MediaType::Audio);
  EXPECT_EQ(kindOf({"rechnung.pdf", "application/pdf", 100 * kMb, {}}), wa::MediaType::Document);
  EXPECT_EQ(kindOf({"notiz.txt", "text/plain", 10, {}}), wa::MediaType::Document);
  EXPECT_EQ(kindOf({"smile.webp", "image/webp", 100 * kKb, webpHead(false)}), wa::MediaType::Sticker);
  EXPECT_EQ(kindOf({"wink.webp", "image/webp", 500 * kKb, webpHead(true)}), wa::MediaType::Sticker);
}

TEST(WhatsAppMedia, LibmagicNamesBecomeMetasNamesForTheUpload) {
  EXPECT_EQ(wa::chooseMedia({"ton.m4a", "audio/x-m4a", kKb, {}})->mime_type, "audio/mp4");
  EXPECT_EQ(wa::chooseMedia({"ton.aac", "audio/x-hx-aac-adts", kKb, {}})->mime_type, "audio/aac");
  // Office files libmagic names by their container: the extension tells which.
  EXPECT_EQ(wa::chooseMedia({"Angebot.DOCX", "application/zip", kKb, {}})->mime_type,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  EXPECT_EQ(wa::chooseMedia({"liste.xls", "application/vnd.ms-office", kKb, {}})->mime_type, "application/vnd.ms-excel");
  // Any other ZIP stays a ZIP, which WhatsApp does not take.
  EXPECT_NE(refusal({"fotos.zip", "application/zip", kKb, {}}).find("cannot be sent on WhatsApp"), std::string::npos);
}

TEST(WhatsAppMedia, ATypeOnNoListIsRefusedNamingTheFileAndWhatWhatsAppTakes) {
  // GIF and HEIC are no image WhatsApp takes, and the document list has them neither.
  const auto gif = refusal({"party.gif", "image/gif", 1536 * kKb, {}});
  EXPECT_NE(gif.find("\"party.gif\" (image/gif, 1.5 MB) cannot be sent on WhatsApp"), std::string::npos) << gif;
  EXPECT_NE(gif.find("images as JPEG or PNG (up to 5 MB)"), std::string::npos) << gif;
  EXPECT_NE(gif.find("documents as PDF"), std::string::npos) << gif;
  EXPECT_NE(refusal({"IMG_0001.HEIC", "image/heic", 2 * kMb, {}}).find("\"IMG_0001.HEIC\" (image/heic"), std::string::npos);
  refusal({"film.mov", "video/quicktime", kMb, {}});
  refusal({"ton.wav", "audio/x-wav", kMb, {}});
  refusal({"daten.csv", "text/csv", kKb, {}});
  // Ogg with another codec than Opus ("base audio/ogg is not supported").
  EXPECT_NE(refusal({"alt.ogg", "audio/ogg", 20 * kKb, oggHead("\x01vorbis")}).find("Opus"), std::string::npos);
}

TEST(WhatsAppMedia, AFileOverItsKindsLimitIsRefusedWithTheLimit) {
  const auto jpeg = refusal({"scan.jpg", "image/jpeg", 5 * kMb + 1, {}});
  EXPECT_NE(jpeg.find("\"scan.jpg\" (image/jpeg, 5.1 MB) is too large for WhatsApp"), std::string::npos) << jpeg;
  EXPECT_NE(jpeg.find("up to 5 MB"), std::string::npos) << jpeg;
  EXPECT_NE(refusal({"clip.mp4", "video/mp4", 16 * kMb + 1, {}}).find("up to 16 MB"), std::string::npos);
  EXPECT_NE(refusal({"ton.mp3", "audio/mpeg", 17 * kMb, {}}).find("up to 16 MB"), std::string::npos);
  EXPECT_NE(refusal({"akte.pdf", "application/pdf", 100 * kMb + 1, {}}).find("up to 100 MB"), std::string::npos);
  // A WebP goes as a sticker: 100 KB static, 500 KB animated; unread, the lenient limit.
  const auto still = refusal({"bild.webp", "image/webp", 101 * kKb, webpHead(false)});
  EXPECT_NE(still.find("\"bild.webp\" (image/webp, 101 KB) is too large"), std::string::npos) << still;
  EXPECT_NE(still.find("JPEG or PNG"), std::string::npos) << still;
  refusal({"wink.webp", "image/webp", 500 * kKb + 1, webpHead(true)});
  EXPECT_EQ(kindOf({"unread.webp", "image/webp", 400 * kKb, std::nullopt}), wa::MediaType::Sticker);
}

TEST(WhatsAppMedia, TheSendGoesAsTheKindTheCheckChose) {
  // The outbox keeps Meta's type name; the send reads the kind back from it.
  for (const wa::OutgoingFile& file : std::initializer_list<wa::OutgoingFile>{
           {"foto.jpg", "image/jpeg", kMb, {}},
           {"sticker.webp", "image/webp", 50 * kKb, webpHead(false)},
           {"memo.m4a", "audio/x-m4a", kMb, {}},
           {"clip.mp4", "video/mp4", kMb, {}},
           {"Angebot.docx", "application/zip", kMb, {}},
           {"notiz.txt", "text/plain", kKb, {}}}) {
    auto choice = wa::chooseMedia(file);
    ASSERT_TRUE(choice.ok()) << file.filename;
    EXPECT_EQ(wa::mediaTypeOf(choice->mime_type), choice->type) << file.filename;
  }
  // An item queued before the check: by its major type, as it was sent then.
  EXPECT_EQ(wa::mediaTypeOf("image/gif"), wa::MediaType::Image);
  EXPECT_EQ(wa::mediaTypeOf("application/zip"), wa::MediaType::Document);
}

TEST(FileLimits, SizesReadAsTheAgentWouldSayThem) {
  EXPECT_EQ(parley::channels::describeSize(512), "512 bytes");
  EXPECT_EQ(parley::channels::describeSize(100 * kKb), "100 KB");
  EXPECT_EQ(parley::channels::describeSize(100 * kKb + 1), "101 KB");
  EXPECT_EQ(parley::channels::describeSize(5 * kMb), "5.0 MB");
  EXPECT_EQ(parley::channels::describeFile("", "image/gif", 2048), "the file (image/gif, 2 KB)");
}

namespace {

// The gateway reads the stored file's first bytes (<root>/<2 hex>/<sha256>), as deliver() does.
struct GatewayFixture : ::testing::Test {
  std::filesystem::path root = std::filesystem::temp_directory_path() / ("wa-media-" + std::to_string(::getpid()));
  parley::test::OutboundReply reply{core::ChannelKind::WhatsApp, "", "4915112345678", "Hier bitte"};

  void TearDown() override { std::filesystem::remove_all(root); }
  void store(const std::string& sha, const std::string& filename, const std::string& type, const std::string& bytes,
             std::int64_t size) {
    std::filesystem::create_directories(root / sha.substr(0, 2));
    std::ofstream(root / sha.substr(0, 2) / sha, std::ios::binary) << bytes;
    reply.attachments = {parley::test::storedFile(filename, type, size, sha)};
  }
  core::Result<std::string> encode() const { return reply.encodeWith(wa::WhatsAppGateway(root)); }
};

}  // namespace

TEST_F(GatewayFixture, AnAnimatedWebpIsToldFromItsHeader) {
  const std::string animated = webpHead(true) + std::string(300 * kKb, 'x');
  store("aa11", "wink.webp", "image/webp", animated, static_cast<std::int64_t>(animated.size()));
  auto payload = encode();
  ASSERT_TRUE(payload.ok()) << payload.error().message;
  EXPECT_EQ(json::parse(*payload).at("attachment").at("content_type").as_string(), "image/webp");

  const std::string still = webpHead(false) + std::string(300 * kKb, 'x');
  store("bb22", "still.webp", "image/webp", still, static_cast<std::int64_t>(still.size()));
  auto refused = encode();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("\"still.webp\""), std::string::npos) << refused.error().message;
}

TEST_F(GatewayFixture, TheEnvelopeDeclaresMetasTypeAndARefusedFileStoresNothing) {
  store("cc33", "ton.m4a", "audio/x-m4a", "....ftypM4A ", 12);
  auto payload = encode();
  ASSERT_TRUE(payload.ok()) << payload.error().message;
  EXPECT_EQ(json::parse(*payload).at("attachment").at("content_type").as_string(), "audio/mp4");

  store("dd44", "party.gif", "image/gif", "GIF89a", 6);
  auto refused = encode();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, core::ErrorCode::InvalidInput);
  EXPECT_NE(refused.error().message.find("\"party.gif\" (image/gif, 6 bytes) cannot be sent on WhatsApp"), std::string::npos);
}
