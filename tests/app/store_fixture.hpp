// What the use-case tests stand on: a fresh SQLite store in a temporary directory (removed after
// the test), a manual clock and one tenant "T", with helpers to add users and inboxes and to read
// a message back. A test's SetUp adds users, inboxes and the services; its TearDown resets the
// services and then calls StoreTest::TearDown().
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>

#include "app/clock.hpp"
#include "app/store.hpp"
#include "core/permissions.hpp"
#include "store/open_store.hpp"

namespace parley::testing {

class StoreTest : public ::testing::Test {
 protected:
  // The directory is "parley-<name>-<random>" under the system's temp directory.
  explicit StoreTest(const std::string& name) {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("parley-" + name + "-" + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    auto opened = store::openStore("sqlite://" + (dir_ / "p.db").string());
    if (!opened) throw std::runtime_error(opened.error().message);
    store_ = std::move(opened).value();
    auto s = store_->write([&](app::StoreTx& tx) -> core::Status {
      auto tenant = tx.createTenant(core::Tenant{{}, "T", clock_.now()});
      if (!tenant) return tenant.error();
      tenant_ = *tenant;
      return {};
    });
    if (!s) throw std::runtime_error(s.error().message);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // A user of the tenant, as the services see him.
  core::Actor addUser(app::StoreTx& tx, const std::string& email, const std::string& name, core::Role role) {
    core::User u;
    u.tenant_id = tenant_;
    u.email = email;
    u.name = name;
    u.role = role;
    return core::Actor{*tx.createUser(u), tenant_, role, {}};
  }
  // An inbox of the tenant; API-channel replies go to `callback_url`.
  core::InboxId addInbox(app::StoreTx& tx, const std::string& name, core::ChannelKind channel,
                         const std::string& callback_url = "") {
    core::Inbox box;
    box.tenant_id = tenant_;
    box.name = name;
    box.channel = channel;
    box.callback_url = callback_url;
    return *tx.createInbox(box);
  }

  // A message as it is stored now.
  core::Message message(core::MessageId id) {
    auto m = app::readOne(*store_, [&](app::StoreTx& tx) { return tx.getMessage(tenant_, id); });
    EXPECT_TRUE(m.ok()) << m.error().message;
    return m ? *m : core::Message{};
  }

  std::filesystem::path dir_;
  app::ManualClock clock_;
  std::unique_ptr<app::Store> store_;
  core::TenantId tenant_;
};

}  // namespace parley::testing
