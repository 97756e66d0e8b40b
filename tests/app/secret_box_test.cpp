// Channel credentials at rest: sealed values open only with their key, the key file is created
// once and private, and values written before sealing existed still read.
#include "app/secret_box.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>

using namespace parley;

TEST(SecretBox, SealedValuesOpenOnlyWithTheirKey) {
  auto box = app::SecretBox::fromHex(std::string(64, 'a'));
  ASSERT_TRUE(box.ok());
  const std::string sealed = box->seal("imap-passwort-äöü");
  EXPECT_TRUE(app::SecretBox::isSealed(sealed));
  EXPECT_EQ(sealed.find("imap-passwort"), std::string::npos) << "the plain text is not in the stored value";
  EXPECT_NE(box->seal("imap-passwort-äöü"), sealed) << "a fresh nonce each time";
  ASSERT_TRUE(box->open(sealed).ok());
  EXPECT_EQ(*box->open(sealed), "imap-passwort-äöü");
  EXPECT_EQ(*box->open("not sealed"), "not sealed") << "values from before sealing still read";

  auto other = app::SecretBox::fromHex(std::string(64, 'b'));
  ASSERT_TRUE(other.ok());
  auto wrong = other->open(sealed);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("secret_key"), std::string::npos);
  std::string damaged = sealed;
  damaged.back() = damaged.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(box->open(damaged).ok());
  EXPECT_FALSE(box->open(std::string(app::SecretBox::kPrefix) + "!!!").ok());
}

TEST(SecretBox, BadKeysAreRefusedWithTheSettingNamed) {
  for (const std::string& hex : {std::string(), std::string(63, 'a'), std::string(64, 'z'), std::string(66, 'a')}) {
    auto box = app::SecretBox::fromHex(hex);
    ASSERT_FALSE(box.ok()) << hex;
    EXPECT_NE(box.error().message.find("secret_key"), std::string::npos);
  }
}

TEST(SecretBox, TheKeyFileIsCreatedOncePrivateAndReused) {
  std::random_device rd;
  const auto dir = std::filesystem::temp_directory_path() / ("parley-key-" + std::to_string(rd()));
  auto first = app::SecretBox::load("", dir.string());
  ASSERT_TRUE(first.ok()) << first.error().message;
  const auto path = dir / "secret.key";
  ASSERT_TRUE(std::filesystem::exists(path));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "readable by the server's user only";
  const std::string sealed = first->seal("s3cret");
  auto second = app::SecretBox::load("", dir.string());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second->open(sealed), "s3cret") << "a restart reads what the last run sealed";

  std::ofstream(path, std::ios::trunc) << "kaputt\n";
  auto broken = app::SecretBox::load("", dir.string());
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message.find("secret.key"), std::string::npos);
  auto configured = app::SecretBox::load(std::string(64, 'c'), dir.string());
  EXPECT_TRUE(configured.ok()) << "the secret_key setting wins over the file";
  std::filesystem::remove_all(dir);
}
