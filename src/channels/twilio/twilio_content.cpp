#include "channels/twilio/twilio_content.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <optional>

#include "channels/common/config_secrets.hpp"

namespace parley::channels::twilio {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;
using whatsapp::MessageTemplate;
using whatsapp::TemplateButton;
using whatsapp::TemplatePart;

namespace {

// The string under `key`, or "" when it is missing or not a string.
const auto str = channels::stringOr;

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

const json::object* objectAt(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_object() ? &it->value().get_object() : nullptr;
}

bool validSid(std::string_view sid) {
  return !sid.empty() && sid.size() <= 64 &&
         std::all_of(sid.begin(), sid.end(), [](unsigned char c) { return std::isalnum(c); });
}

// The content type WhatsApp shows: the one the approval names, else the richest one present.
const json::object* chosenType(const json::object& types, const std::string& approved_type, std::string& name) {
  if (const auto* t = objectAt(types, approved_type); t && !approved_type.empty()) {
    name = approved_type;
    return t;
  }
  for (std::string_view candidate : {"whatsapp/card", "twilio/card", "twilio/call-to-action", "twilio/quick-reply",
                                     "twilio/list-picker", "twilio/media", "twilio/text"}) {
    if (const auto* t = objectAt(types, candidate)) {
      name = std::string(candidate);
      return t;
    }
  }
  for (const auto& kv : types) {
    if (kv.value().is_object()) {
      name = std::string(kv.key());
      return &kv.value().get_object();
    }
  }
  return nullptr;
}

// Every text and link of a content type, for its variables.
void collectTexts(const json::value& v, std::string& out, int depth = 0) {
  if (depth > 8) return;
  if (v.is_string()) {
    out.append(v.get_string().data(), v.get_string().size());
    out += '\n';
  } else if (v.is_array()) {
    for (const auto& x : v.get_array()) collectTexts(x, out, depth + 1);
  } else if (v.is_object()) {
    for (const auto& kv : v.get_object()) collectTexts(kv.value(), out, depth + 1);
  }
}

std::optional<MessageTemplate> templateOf(const json::object& c) {
  MessageTemplate m;
  m.id = str(c, "sid");
  if (!validSid(m.id)) return std::nullopt;
  const json::object* approval = objectAt(c, "approval_requests");
  // The single-approval fetch nests it under "whatsapp"; accept both shapes.
  if (approval) {
    if (const auto* nested = objectAt(*approval, "whatsapp")) approval = nested;
  }
  m.name = str(c, "friendly_name");
  if (m.name.empty() && approval) m.name = str(*approval, "name");
  if (m.name.empty()) m.name = m.id;
  m.language = str(c, "language");
  if (m.language.empty()) m.language = "und";
  if (m.name.size() > 512 || m.language.size() > 16) return std::nullopt;
  m.status = approval ? upper(str(*approval, "status")) : "";
  if (m.status.empty()) m.status = "UNSUBMITTED";
  m.category = approval ? upper(str(*approval, "category")) : "";
  const json::object* types = objectAt(c, "types");
  std::string type_name;
  const json::object* type = types ? chosenType(*types, approval ? str(*approval, "content_type") : "", type_name) : nullptr;
  std::string all_texts;
  if (type) {
    if (type_name == "twilio/card") {
      m.body.text = str(*type, "title");
      m.footer = str(*type, "subtitle");
    } else {
      m.body.text = str(*type, "body");
      m.footer = str(*type, "footer");
      if (auto header = str(*type, "header_text"); !header.empty()) m.header = TemplatePart{"TEXT", header, {}};
    }
    if (auto actions = type->find("actions"); actions != type->end() && actions->value().is_array()) {
      for (const auto& a : actions->value().get_array()) {
        if (!a.is_object()) continue;
        const auto& action = a.get_object();
        TemplateButton b;
        b.type = upper(str(action, "type"));
        if (b.type.empty()) b.type = "QUICK_REPLY";
        b.text = str(action, "title");
        b.url = str(action, "url");
        b.phone_number = str(action, "phone");
        m.buttons.push_back(std::move(b));
      }
    }
    collectTexts(*type, all_texts);
  }
  m.body.parameters = whatsapp::templateParameters(all_texts);
  const bool positional = std::all_of(m.body.parameters.begin(), m.body.parameters.end(), [](const std::string& n) {
    return std::all_of(n.begin(), n.end(), [](unsigned char ch) { return std::isdigit(ch); });
  });
  m.parameter_format = positional ? "POSITIONAL" : "NAMED";
  return m;
}

}  // namespace

std::string contentListUrl(std::string_view content_api_base_url, int page_size) {
  std::string url(content_api_base_url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + "/v1/ContentAndApprovals?PageSize=" + std::to_string(page_size);
}

bool isUnderBase(std::string_view url, std::string_view base) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  if (base.rfind("http://", 0) != 0 && base.rfind("https://", 0) != 0) return false;
  if (url.size() <= base.size() || url.substr(0, base.size()) != base) return false;
  return url[base.size()] == '/' || url[base.size()] == '?';
}

core::Result<ContentPage> parseContentPage(std::string_view body) {
  auto root = whatsapp::parseListingObject(body, "content listing");
  if (!root) return root.error();
  const auto& o = *root;
  auto contents = o.find("contents");
  if (contents == o.end() || !contents->value().is_array()) {
    return makeError(ErrorCode::InvalidInput, "content listing: contents[] is missing");
  }
  ContentPage page;
  for (const auto& item : contents->value().get_array()) {
    if (!item.is_object()) continue;
    if (auto t = templateOf(item.get_object())) page.templates.push_back(std::move(*t));
  }
  if (const auto* meta = objectAt(o, "meta")) {
    page.next_page_url = str(*meta, "next_page_url");
    if (page.next_page_url.size() > 4096) return makeError(ErrorCode::InvalidInput, "content listing: next_page_url is too long");
  }
  return page;
}

core::Result<std::string> contentVariablesJson(const std::vector<std::string>& names, const std::vector<std::string>& values) {
  if (names.size() != values.size()) {
    return makeError(ErrorCode::InvalidInput, "the template expects " + std::to_string(names.size()) + " values, " +
                                                  std::to_string(values.size()) + " given");
  }
  json::object o;
  for (std::size_t i = 0; i < names.size(); ++i) o[names[i]] = values[i];
  return json::serialize(o);
}

}  // namespace parley::channels::twilio
