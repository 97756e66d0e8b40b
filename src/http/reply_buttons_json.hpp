// The reply's "buttons" field (POST /api/v1/conversations/{id}/messages) read into typed rows:
// [[{"text", "callback_data"} | {"text", "url"}], ...]. Only the shape is checked here (arrays of
// objects with string fields, no other keys); app::validateReplyButtons checks the rules.
#pragma once

#include <boost/json/fwd.hpp>

#include "app/reply_buttons.hpp"
#include "core/result.hpp"

namespace parley::http {

// Absent or null: no buttons. InvalidInput naming the place ("buttons[0][1].url: ...") otherwise.
core::Result<app::ReplyButtons> optReplyButtons(const boost::json::object& body);

}  // namespace parley::http
