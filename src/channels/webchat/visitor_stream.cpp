#include "channels/webchat/visitor_stream.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace parley::channels::webchat {

namespace json = boost::json;

std::optional<VisitorNotice> visitorNoticeFor(const app::Event& event) {
  if (!event.inbox_id) return std::nullopt;
  VisitorNotice notice{event.tenant_id, *event.inbox_id, {}, {}, nullptr};
  if (const auto* m = std::get_if<core::Message>(&event.subject)) {
    if (m->direction != core::MessageDirection::Incoming && m->direction != core::MessageDirection::Outgoing) return std::nullopt;
    if (event.type != "message.created" && event.type != "message.updated") return std::nullopt;
    notice.conversation = m->conversation_id;
    notice.frame = std::make_shared<const std::string>(json::serialize(json::object{
        {"type", event.type}, {"data", json::object{{"id", m->id.value}, {"conversation_id", m->conversation_id.value}}}}));
    return notice;
  }
  if (const auto* c = std::get_if<core::Conversation>(&event.subject)) {
    notice.conversation = c->id;
    notice.contact = c->contact_id;
    return notice;
  }
  if (const auto* t = std::get_if<app::TypingNotice>(&event.subject)) {
    if (!t->user_id.valid()) return std::nullopt;  // the customer's own typing goes to the desks only
    notice.conversation = t->conversation_id;
    json::object data{{"typing", t->typing}, {"conversation_id", t->conversation_id.value}};
    const std::string first = t->name.substr(0, t->name.find(' '));
    if (!first.empty()) data["agent_name"] = first;
    notice.frame = std::make_shared<const std::string>(json::serialize(json::object{{"type", "typing"}, {"data", data}}));
    return notice;
  }
  return std::nullopt;
}

bool deliverToVisitor(StreamScope& scope, const VisitorNotice& notice) {
  if (notice.tenant != scope.tenant || notice.inbox != scope.inbox) return false;
  auto& list = scope.conversations;
  const bool known = std::find(list.begin(), list.end(), notice.conversation) != list.end();
  if (!known && notice.contact.valid() && scope.contact.valid() && notice.contact == scope.contact) {
    if (list.size() >= 200) list.erase(list.begin());
    list.push_back(notice.conversation);
    return notice.frame != nullptr;
  }
  return known && notice.frame != nullptr;
}

}  // namespace parley::channels::webchat
