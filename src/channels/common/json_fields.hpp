// Reading fields of a provider's JSON payload, the way every channel codec does: an absent or
// null field is "not there" (nullptr / nullopt), a field of the wrong type is InvalidInput naming
// its JSON path ("entry[0].changes[1].value.messages: must be an array"). Pure: no I/O.
// What differs between providers (their id rules, their timestamps, how a length limit is worded)
// stays in each codec.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace parley::channels::json_fields {

// InvalidInput "<path>: must be <expected>".
core::Error wrongType(const std::string& path, const char* expected);

// The value under `key`, or nullptr when it is absent or null.
const boost::json::value* find(const boost::json::object& o, std::string_view key);

// "<path>.<key>".
std::string at(const std::string& path, std::string_view key);

// A string of at most `max` bytes; longer is InvalidInput "<path>.<key>: at most <max> <unit>"
// (each codec keeps its own word for the unit: "characters" or "bytes").
core::Result<std::optional<std::string>> optString(const boost::json::object& o, std::string_view key,
                                                    const std::string& path, std::size_t max, const char* unit);

core::Result<const boost::json::object*> optObject(const boost::json::object& o, std::string_view key, const std::string& path);
core::Result<const boost::json::array*> optArray(const boost::json::object& o, std::string_view key, const std::string& path);
// Any JSON number (integers converted to double).
core::Result<std::optional<double>> optNumber(const boost::json::object& o, std::string_view key, const std::string& path);
core::Result<std::optional<bool>> optBool(const boost::json::object& o, std::string_view key, const std::string& path);

// Meta's payloads (Messenger, Instagram, WhatsApp) word a length limit in "characters" and carry
// ids as strings, which an integer may stand for.
namespace meta {

using namespace json_fields;  // `using namespace json_fields::meta` brings the general accessors too

inline constexpr std::size_t kMaxIdLength = 1024;

core::Result<std::optional<std::string>> optString(const boost::json::object& o, std::string_view key,
                                                    const std::string& path, std::size_t max = std::string::npos);
// A string only shown to the agent (a caption, a title, a name) whose length Meta does not
// bound in bytes: longer than `max` bytes is cut on a character boundary, never refused.
core::Result<std::optional<std::string>> displayString(const boost::json::object& o, std::string_view key,
                                                        const std::string& path, std::size_t max);
// A string of at most kMaxIdLength, or an integer kept exactly as its decimal text.
core::Result<std::optional<std::string>> optId(const boost::json::object& o, std::string_view key, const std::string& path);

}  // namespace meta

}  // namespace parley::channels::json_fields
