// The blob sweep: attachment files no row names any more go once unused for the grace period;
// files a row names, fresh files and anything that is not a blob stay.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "app/attachment_store.hpp"
#include "app/crypto.hpp"
#include "core/inbound.hpp"
#include "store_fixture.hpp"

namespace parley::app {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::seconds;

class AttachmentSweepTest : public testing::StoreTest {
 protected:
  AttachmentSweepTest() : StoreTest("sweep"), files_(*store_, clock_, dir_ / "attachments", 1 << 20) {}

  // Saves the bytes and, unless `orphan`, commits a row for them, as a message's file would.
  core::Attachment save(const std::string& bytes, bool orphan = false) {
    auto a = orphan ? files_.saveBlob(tenant_, bytes, "f.txt") : files_.save(tenant_, bytes, "f.txt");
    EXPECT_TRUE(a) << (a ? "" : a.error().message);
    return *a;
  }
  fs::path path(const core::Attachment& a) { return files_.pathOf(a); }
  // Makes the file look unused for `age` (as if saved that long ago).
  static void age(const fs::path& file, hours age) {
    fs::last_write_time(file, fs::file_time_type::clock::now() - age);
  }

  AttachmentStore files_;
};

TEST_F(AttachmentSweepTest, RemovesOldBlobsNoRowNamesAndKeepsTheRest) {
  auto named = save("a file some message shows");
  auto orphan = save("bytes whose request then failed", /*orphan=*/true);
  auto fresh_orphan = save("bytes whose row is about to be committed", /*orphan=*/true);
  age(path(named), hours(3));
  age(path(orphan), hours(3));

  auto swept = files_.sweepUnreferencedBlobs(hours(1));
  ASSERT_FALSE(swept.error) << swept.error->message;
  EXPECT_EQ(swept.removed, 1);
  EXPECT_EQ(swept.bytes_freed, static_cast<std::int64_t>(std::string("bytes whose request then failed").size()));
  EXPECT_FALSE(fs::exists(path(orphan)));
  EXPECT_TRUE(fs::exists(path(named))) << "a row names it";
  EXPECT_TRUE(fs::exists(path(fresh_orphan))) << "younger than the grace period: its save may not be committed yet";
}

TEST_F(AttachmentSweepTest, UnsentFileGoesWhenItsRowDropsTheHashUnlessAnotherRowSharesTheBytes) {
  auto unsent = save("a photo the customer unsent");
  auto other = save("a photo sent twice");
  auto twin = save("a photo sent twice");  // same bytes, same blob
  ASSERT_EQ(path(other), path(twin));
  for (core::Attachment* a : {&unsent, &other}) {
    a->state = core::AttachmentState::Failed;
    a->error = core::kUnsentByCustomer;
    a->sha256.clear();
    ASSERT_TRUE(store_->write([&](StoreTx& tx) { return tx.updateAttachment(*a); }));
  }
  const auto unsent_file = blobPath(dir_ / "attachments", sha256Hex("a photo the customer unsent"));
  age(unsent_file, hours(2));
  age(path(twin), hours(2));

  auto swept = files_.sweepUnreferencedBlobs(hours(1));
  ASSERT_FALSE(swept.error) << swept.error->message;
  EXPECT_EQ(swept.removed, 1);
  EXPECT_FALSE(fs::exists(unsent_file));
  EXPECT_TRUE(fs::exists(path(twin))) << "the other message's file still uses these bytes";
}

TEST_F(AttachmentSweepTest, ASaveOfBytesAlreadyThereRenewsThemForTheGracePeriod) {
  auto first = save("shared bytes", /*orphan=*/true);
  age(path(first), hours(5));
  // A second request saves the same bytes: its row is not committed yet, the file must stay.
  save("shared bytes", /*orphan=*/true);
  auto swept = files_.sweepUnreferencedBlobs(hours(1));
  ASSERT_FALSE(swept.error);
  EXPECT_EQ(swept.removed, 0);
  EXPECT_TRUE(fs::exists(path(first)));
}

TEST_F(AttachmentSweepTest, RemovesOldTemporaryFilesAndLeavesForeignFilesAlone) {
  auto named = save("kept");
  const fs::path dir = path(named).parent_path();
  const fs::path crashed = dir / (named.sha256 + ".tmp1a2b3c4d");
  const fs::path writing = dir / (named.sha256 + ".tmp99887766");
  const fs::path foreign = dir / "README";
  const fs::path misplaced = dir_ / "attachments" / "zz" / std::string(64, 'e');
  fs::create_directories(misplaced.parent_path());
  for (const auto& f : {crashed, writing, foreign, misplaced}) std::ofstream(f) << "x";
  for (const auto& f : {crashed, foreign, misplaced}) age(f, hours(3));

  auto swept = files_.sweepUnreferencedBlobs(hours(1));
  ASSERT_FALSE(swept.error);
  EXPECT_EQ(swept.temporary_removed, 1);
  EXPECT_EQ(swept.removed, 0);
  EXPECT_FALSE(fs::exists(crashed));
  EXPECT_TRUE(fs::exists(writing)) << "a save in progress";
  EXPECT_TRUE(fs::exists(foreign));
  EXPECT_TRUE(fs::exists(misplaced));
}

TEST_F(AttachmentSweepTest, ADatabaseThatNamesNoFileRemovesNone) {
  // Parley started on a new (or the wrong) database with an existing data_dir: every file would
  // look unused.
  auto a = save("a file of another database", /*orphan=*/true);
  auto b = save("and another", /*orphan=*/true);
  age(path(a), hours(3));
  age(path(b), hours(3));
  auto swept = files_.sweepUnreferencedBlobs(hours(1));
  EXPECT_TRUE(swept.skipped_wrong_database);
  EXPECT_EQ(swept.removed, 0);
  EXPECT_TRUE(fs::exists(path(a)));
  EXPECT_TRUE(fs::exists(path(b)));
}

TEST_F(AttachmentSweepTest, AStopEndsTheSweepEarly) {
  age(path(save("named")), hours(2));
  for (int i = 0; i < 20; ++i) age(path(save("orphan " + std::to_string(i), /*orphan=*/true)), hours(2));
  auto swept = files_.sweepUnreferencedBlobs(hours(1), [] { return true; });
  EXPECT_EQ(swept.removed, 0);
  EXPECT_FALSE(swept.error);
}

TEST_F(AttachmentSweepTest, TheUnsentMarkIsTheOneMigrationElevenLooksFor) {
  // Files unsent before the sweep existed kept their hash; migration 11 (both backends) clears
  // it for rows with exactly this error text.
  EXPECT_STREQ(core::kUnsentByCustomer, "unsent by the customer");
}

TEST_F(AttachmentSweepTest, NoAttachmentDirectoryYetIsNothingToDo) {
  auto swept = files_.sweepUnreferencedBlobs(seconds(0));
  ASSERT_FALSE(swept.error);
  EXPECT_EQ(swept.removed, 0);
}

TEST_F(AttachmentSweepTest, ManyOrphansAreAskedAboutInBatches) {
  for (int i = 0; i < 612; ++i) age(path(save("orphan " + std::to_string(i), /*orphan=*/true)), hours(2));
  auto keep = save("named");
  age(path(keep), hours(2));
  auto swept = files_.sweepUnreferencedBlobs(hours(1));
  ASSERT_FALSE(swept.error) << swept.error->message;
  EXPECT_EQ(swept.removed, 612);
  EXPECT_TRUE(fs::exists(path(keep)));
}

}  // namespace
}  // namespace parley::app
