// What the channel codec tests share: reading the payloads written from each provider's
// documentation (tests/channels/<folder>/fixtures/) and taking what a parse gave, with a test
// failure that names the fixture and the codec's error when it did not parse.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/inbound.hpp"
#include "core/result.hpp"

namespace parley::test {

// tests/channels/<folder>/fixtures
inline std::filesystem::path fixturesOf(const std::string& folder) {
  return std::filesystem::path(PARLEY_FIXTURES_DIR) / folder / "fixtures";
}

// The names (without .json) of every JSON fixture in tests/channels/<folder>/fixtures.
inline std::vector<std::string> jsonFixtureNames(const std::string& folder) {
  std::vector<std::string> names;
  for (const auto& file : std::filesystem::directory_iterator(fixturesOf(folder))) {
    if (file.path().extension() == ".json") names.push_back(file.path().stem().string());
  }
  return names;
}

// The bytes of fixtures/<name><extension>; a test failure when it is missing.
inline std::string readFixture(const std::string& folder, const std::string& name, const std::string& extension = ".json") {
  std::ifstream in(fixturesOf(folder) / (name + extension), std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << folder << "/" << name;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The parsed value, or T{} and a test failure naming `name` and the error.
template <class T>
T parsedOr(core::Result<T> parsed, const std::string& name) {
  EXPECT_TRUE(parsed.ok()) << name << ": " << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? std::move(*parsed) : T{};
}

// The one message of a batch, or an empty one and a test failure when there is not exactly one.
inline core::InboundMessage onlyMessage(const core::InboundBatch& batch) {
  EXPECT_EQ(batch.messages.size(), 1u);
  return batch.messages.empty() ? core::InboundMessage{} : batch.messages.front();
}

// The message's normalised payload (its payload_json) as a JSON object.
inline boost::json::object payloadOf(const core::InboundMessage& m) { return boost::json::parse(m.payload_json).as_object(); }

}  // namespace parley::test
