// DESIGN: the public web-chat widget API under /widget/v1/inboxes/{inbox_id}/... (no user
// session: a visitor token, see channels/webchat/visitor_token.hpp). Every answer, errors
// included, carries CORS headers for the calling site when its Origin is one of the inbox's
// allowed_origins; any other Origin gets 403 (preflights too). Handlers only translate JSON
// and call channels::webchat::VisitorService. Also here: the desk-side typing hook
// (POST /api/v1/conversations/{id}/typing) and the JSON of "conversation.typing" events.
#pragma once

#include <boost/json/object.hpp>

#include "app/events.hpp"
#include "http/api.hpp"

namespace parley::http {

void addWidgetRoutes(Router& router, ApiDeps& deps);

// {"conversation_id","inbox_id","typing","side":"agent"|"customer","user_id","contact_id","name"}
boost::json::object toJson(const app::TypingNotice& notice);

}  // namespace parley::http
