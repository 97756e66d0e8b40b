// DESIGN: what the visitors' WebSockets receive, decided once per event on the publishing
// thread, as plain data the hub (http/server.cpp) applies to each visitor stream on its I/O
// thread. A visitor stream gets only small notices about its own conversations — a message
// (incoming or outgoing, never a note or an activity line) was created or changed, an agent is
// typing — and fetches the messages themselves through the widget API, so what a visitor can
// read is decided in one place (VisitorService::messages). Pure: testable without sockets.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "app/events.hpp"
#include "channels/webchat/visitor_service.hpp"

namespace parley::channels::webchat {

struct VisitorNotice {
  core::TenantId tenant;
  core::InboxId inbox;
  core::ConversationId conversation;
  core::ContactId contact;  // conversation events: whose conversation it is
  std::shared_ptr<const std::string> frame;  // null: nothing to send, only the scope may grow
};

// nullopt when the event concerns no visitor (another channel, a note, a customer's typing).
std::optional<VisitorNotice> visitorNoticeFor(const app::Event& event);

// Whether this stream gets the notice's frame; a new conversation of the stream's contact in
// its inbox joins the scope.
bool deliverToVisitor(StreamScope& scope, const VisitorNotice& notice);

}  // namespace parley::channels::webchat
