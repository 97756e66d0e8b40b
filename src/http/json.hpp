// DESIGN: JSON at the edge only. Requests are parsed once into typed values with a clear
// error naming the field; domain objects are encoded here and nowhere else. Secrets
// (password hashes, token hashes, inbox secrets) are never encoded.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/result.hpp"
#include "http/router.hpp"

namespace parley::http {

namespace json = boost::json;

std::string isoTime(core::TimestampMs ms);  // "" for 0
json::value isoOrNull(core::TimestampMs ms);

json::object toJson(const core::User& v);
json::object toJson(const core::Team& v);
json::object toJson(const core::Inbox& v, bool include_secret);
json::object toJson(const core::Contact& v);
json::object toJson(const core::ContactIdentity& v);
json::object toJson(const core::Conversation& v);
// Where a conversation's "routing_state" comes from (the routing service); set once at start,
// before any request. Unset: derived from the stored queue and assignee.
void setRoutingStateSource(std::function<std::string(const core::Conversation&)> source);
json::object toJson(const core::Message& v);
json::object toJson(const core::Attachment& v);
json::object toJson(const core::CannedResponse& v);
json::object toJson(const core::ApiToken& v);

Response jsonResponse(int status, const json::value& body);

// 415 unless the content type is application/json; 400 for malformed JSON or a non-object.
core::Result<json::object> parseJsonObject(const Request& request);

// Field readers: InvalidInput naming the field when the type or length is wrong.
core::Result<std::optional<std::string>> optString(const json::object& o, const char* key, std::size_t max_len = 1000);
core::Result<std::string> reqString(const json::object& o, const char* key, std::size_t max_len = 1000);
core::Result<std::optional<std::int64_t>> optInt(const json::object& o, const char* key);
core::Result<std::optional<bool>> optBool(const json::object& o, const char* key);
core::Result<std::optional<std::vector<std::string>>> optStringArray(const json::object& o, const char* key,
                                                                     std::size_t max_items = 100);
core::Result<std::optional<std::vector<std::int64_t>>> optIdArray(const json::object& o, const char* key,
                                                                  std::size_t max_items = 100);
// Keys not in `allowed` are an error, so a typo is reported instead of silently ignored.
core::Status rejectUnknownKeys(const json::object& o, std::initializer_list<const char*> allowed);

}  // namespace parley::http
