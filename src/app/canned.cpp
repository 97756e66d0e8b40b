#include "app/canned.hpp"

#include <kainjow/mustache.hpp>

namespace parley::app {

using core::ErrorCode;
using core::makeError;
namespace mustache = kainjow::mustache;

namespace {

std::string firstWord(const std::string& name) { return name.substr(0, name.find(' ')); }

mustache::data personData(const std::string& name) {
  mustache::data d{mustache::data::type::object};
  d.set("name", name);
  d.set("first_name", firstWord(name));
  auto space = name.find(' ');
  d.set("last_name", space == std::string::npos ? std::string() : name.substr(space + 1));
  return d;
}

}  // namespace

core::Status validateCannedTemplate(const std::string& templ) {
  mustache::mustache tmpl{templ};
  if (!tmpl.is_valid()) return makeError(ErrorCode::InvalidInput, "content: " + tmpl.error_message());
  return {};
}

core::Result<std::string> renderCanned(const std::string& templ, const CannedContext& context) {
  mustache::mustache tmpl{templ};
  if (!tmpl.is_valid()) return makeError(ErrorCode::InvalidInput, "content: " + tmpl.error_message());
  tmpl.set_custom_escape([](const std::string& s) { return s; });
  mustache::data data{mustache::data::type::object};
  if (context.contact) data.set("contact", personData(context.contact->name));
  if (context.agent) {
    auto agent = personData(context.agent->name);
    agent.set("email", context.agent->email);
    data.set("agent", agent);
  }
  if (context.conversation) {
    mustache::data c{mustache::data::type::object};
    c.set("id", std::to_string(context.conversation->id.value));
    data.set("conversation", c);
  }
  if (context.inbox) {
    mustache::data i{mustache::data::type::object};
    i.set("name", context.inbox->name);
    data.set("inbox", i);
  }
  return tmpl.render(data);
}

}  // namespace parley::app
