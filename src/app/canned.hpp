// Canned responses are mustache templates ({{contact.first_name}}, {{agent.name}} ...),
// rendered with kainjow::mustache. Messages are plain text, so nothing is HTML-escaped here;
// the desk and the widget show message text as text.
#pragma once

#include <string>

#include "core/domain.hpp"
#include "core/result.hpp"

namespace parley::app {

struct CannedContext {
  const core::Contact* contact = nullptr;
  const core::User* agent = nullptr;
  const core::Conversation* conversation = nullptr;
  const core::Inbox* inbox = nullptr;
};

// InvalidInput when the template itself is malformed (unclosed section and the like).
core::Result<std::string> renderCanned(const std::string& templ, const CannedContext& context);
core::Status validateCannedTemplate(const std::string& templ);

}  // namespace parley::app
