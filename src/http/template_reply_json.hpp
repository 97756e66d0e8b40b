// The "template" member of POST /api/v1/conversations/{id}/messages:
//   "template": {"name": "order_update", "language": "de",
//                "parameters": {"header": ["..."], "body": ["...", "..."], "buttons": ["..."],
//                               "quick_replies": ["payload of the 1st quick-reply button", ...]}}
// (parameters and each of its lists optional). Parsed at the edge into app::TemplateReply.
#pragma once

#include <optional>

#include "app/channel_gateway.hpp"
#include "http/json.hpp"

namespace parley::http {

// Takes "template" out of `body` (so the caller's unknown-key check does not see it) and parses
// it; nullopt when absent or null. InvalidInput names the field that is wrong.
core::Result<std::optional<app::TemplateReply>> takeTemplateReply(json::object& body);

}  // namespace parley::http
