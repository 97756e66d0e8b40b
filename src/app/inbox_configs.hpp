// DESIGN: the one seam through which a channel adapter changes an inbox's configuration on its
// own, outside the admin API: what a provider hands back and the adapter must keep (X's rotated
// OAuth 2.0 tokens). The gateway gets an InboxConfigs from main.cpp; StoreInboxConfigs writes
// through the store, so a change is durable when update() returns and the admin API (which
// reads the stored config inside its own write transaction) never works on a stale copy.
// Configurations pass here as stored: secrets sealed (channels/common/config_secrets.hpp).
#pragma once

#include <functional>
#include <string>

#include "app/store.hpp"
#include "core/domain.hpp"
#include "core/result.hpp"

namespace parley::app {

class InboxConfigs {
 public:
  virtual ~InboxConfigs() = default;
  // The inbox's configuration as stored now.
  virtual core::Result<std::string> load(core::InboxId inbox) = 0;
  // In one write transaction: `change` gets the stored configuration and returns the one to
  // store; its error rolls back (nothing written) and is returned. Durable when it returns.
  using Change = std::function<core::Result<std::string>(const std::string& stored)>;
  virtual core::Status update(core::InboxId inbox, const Change& change) = 0;
};

class StoreInboxConfigs final : public InboxConfigs {
 public:
  explicit StoreInboxConfigs(Store& store) : store_(store) {}

  core::Result<std::string> load(core::InboxId inbox) override {
    auto found = readOne(store_, [&](StoreTx& tx) { return tx.getInboxAnyTenant(inbox); });
    if (!found) return found.error();
    return std::move(found->config_json);
  }

  core::Status update(core::InboxId inbox, const Change& change) override {
    return store_.write([&](StoreTx& tx) -> core::Status {
      auto found = tx.getInboxAnyTenant(inbox);
      if (!found) return found.error();
      auto changed = change(found->config_json);
      if (!changed) return changed.error();
      if (*changed == found->config_json) return {};
      found->config_json = std::move(*changed);
      return tx.updateInbox(*found);
    });
  }

 private:
  Store& store_;
};

}  // namespace parley::app
