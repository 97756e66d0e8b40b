#include "channels/whatsapp/whatsapp_templates.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>

#include "core/text.hpp"

namespace parley::channels::whatsapp {

namespace json = boost::json;
using core::ErrorCode;
using core::makeError;

namespace {

constexpr std::size_t kMaxParameterBytes = 1024;
constexpr std::size_t kMaxQuickReplyPayloadBytes = 256;

std::string str(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

bool isDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool isHttpLink(std::string_view s) { return s.rfind("https://", 0) == 0 || s.rfind("http://", 0) == 0; }

std::string percentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

json::array stringArray(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.push_back(json::value(s));
  return a;
}

std::vector<std::string> stringsOf(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (auto it = o.find(key); it != o.end() && it->value().is_array()) {
    for (const auto& v : it->value().get_array()) {
      if (v.is_string()) out.emplace_back(v.get_string());
    }
  }
  return out;
}

json::object partJson(const TemplatePart& p, bool with_format) {
  json::object o;
  if (with_format) o["format"] = p.format;
  o["text"] = p.text;
  o["parameters"] = stringArray(p.parameters);
  o["parameter_count"] = p.parameters.size();
  return o;
}

TemplatePart partFrom(const json::object& o) {
  TemplatePart p;
  p.format = str(o, "format");
  p.text = str(o, "text");
  p.parameters = stringsOf(o, "parameters");
  return p;
}

// Calls fn(name, open, close) for each {{name}} of `text` (the name trimmed of spaces; `open` and
// `close` the offsets of its "{{" and of the character after its "}}"), in order.
template <class F>
void forEachPlaceholder(std::string_view text, F&& fn) {
  for (std::size_t i = 0;;) {
    auto open = text.find("{{", i);
    if (open == std::string_view::npos) return;
    auto close = text.find("}}", open + 2);
    if (close == std::string_view::npos) return;
    std::string name(text.substr(open + 2, close - open - 2));
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    fn(name, open, close + 2);
    i = close + 2;
  }
}

// {{1}} -> values[index of "1"], {{name}} -> values[index of "name"]; unknown ones stay.
std::string render(std::string_view text, const std::vector<std::string>& names, const std::vector<std::string>& values) {
  std::string out;
  std::size_t done = 0;
  forEachPlaceholder(text, [&](const std::string& name, std::size_t open, std::size_t end) {
    out.append(text.substr(done, open - done));
    auto at = std::find(names.begin(), names.end(), name);
    const auto index = static_cast<std::size_t>(at - names.begin());
    if (at != names.end() && index < values.size()) {
      out += values[index];
    } else {
      out.append(text.substr(open, end - open));
    }
    done = end;
  });
  out.append(text.substr(done));
  return out;
}

core::Status checkValues(const MessageTemplate& t, const char* part, std::size_t expected, const std::vector<std::string>& values,
                         bool single_line) {
  if (values.size() != expected) {
    return makeError(ErrorCode::InvalidInput, "template " + t.name + " (" + t.language + ") expects " +
                                                  std::to_string(expected) + " " + part + " parameter" +
                                                  (expected == 1 ? "" : "s") + ", " + std::to_string(values.size()) + " given");
  }
  for (const auto& v : values) {
    if (v.find_first_not_of(" \t\r\n") == std::string::npos) {
      return makeError(ErrorCode::InvalidInput, "template " + t.name + ": a " + std::string(part) + " parameter is empty");
    }
    if (v.size() > kMaxParameterBytes) {
      return makeError(ErrorCode::InvalidInput, "template " + t.name + ": a parameter has at most 1024 bytes");
    }
    if (!core::isValidUtf8(v)) return makeError(ErrorCode::InvalidInput, "template " + t.name + ": a parameter is not valid UTF-8");
    // Meta refuses text parameters with new lines, tabs or more than 4 spaces in a row (132018).
    if (single_line && (v.find_first_of("\t\r\n") != std::string::npos || v.find("     ") != std::string::npos)) {
      return makeError(ErrorCode::InvalidInput, "template " + t.name + ": a " + std::string(part) +
                                                    " parameter cannot have new lines, tabs or more than 4 spaces in a row");
    }
  }
  return {};
}

// A location header's values: latitude (-90..90), longitude (-180..180), name, address.
core::Status checkLocation(const MessageTemplate& t, const std::vector<std::string>& values) {
  const auto number = [](const std::string& v, double limit) {
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    return end && *end == '\0' && !v.empty() && std::isfinite(d) && d >= -limit && d <= limit &&
           v.find_first_not_of("+-.0123456789") == std::string::npos;
  };
  if (values.size() != 4 || !number(values[0], 90) || !number(values[1], 180)) {
    return makeError(ErrorCode::InvalidInput, "template " + t.name + ": the location header takes latitude (-90 to 90), "
                                              "longitude (-180 to 180), the place's name and its address");
  }
  return {};
}

}  // namespace

std::vector<std::string> templateParameters(std::string_view text) {
  std::vector<std::string> names;
  forEachPlaceholder(text, [&](const std::string& name, std::size_t, std::size_t) {
    const bool valid = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](unsigned char c) {
      return std::isalnum(c) || c == '_';
    });
    if (valid && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  });
  // Positional parameters are asked for as {{1}}, {{2}} ... whatever order the text uses them in.
  if (!names.empty() && std::all_of(names.begin(), names.end(), [](const std::string& n) { return isDigits(n) && n.size() < 4; })) {
    std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) { return std::stoi(a) < std::stoi(b); });
  }
  return names;
}

core::Result<std::string> templatesUrl(std::string_view api_base_url, std::string_view business_account_id,
                                       std::string_view after, int limit) {
  if (!isHttpLink(api_base_url)) return makeError(ErrorCode::InvalidInput, "api_base_url: must be an http(s) URL");
  if (!isDigits(business_account_id) || business_account_id.size() > 32) {
    return makeError(ErrorCode::InvalidInput, "config.business_account_id: the WhatsApp Business Account id (digits)");
  }
  std::string url(api_base_url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/";
  url += business_account_id;
  url += "/message_templates?fields=id,name,language,status,category,parameter_format,components&limit=";
  url += std::to_string(limit);
  if (!after.empty()) url += "&after=" + percentEncode(after);
  return url;
}

core::Result<json::object> parseListingObject(std::string_view body, std::string_view what) {
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 32;
  json::value root = json::parse(json::string_view(body.data(), body.size()), ec, {}, options);
  if (ec) return makeError(ErrorCode::InvalidInput, std::string(what) + ": not JSON (" + ec.message() + ")");
  if (!root.is_object()) return makeError(ErrorCode::InvalidInput, std::string(what) + ": not a JSON object");
  return std::move(root.get_object());
}

core::Result<TemplatePage> parseTemplatePage(std::string_view body) {
  auto root = parseListingObject(body, "template listing");
  if (!root) return root.error();
  const auto& o = *root;
  auto data = o.find("data");
  if (data == o.end() || !data->value().is_array()) return makeError(ErrorCode::InvalidInput, "template listing: data[] is missing");
  TemplatePage page;
  for (const auto& item : data->value().get_array()) {
    if (!item.is_object()) continue;
    const auto& t = item.get_object();
    MessageTemplate m;
    m.id = str(t, "id");
    m.name = str(t, "name");
    m.language = str(t, "language");
    m.status = upper(str(t, "status"));
    m.category = upper(str(t, "category"));
    if (auto format = upper(str(t, "parameter_format")); !format.empty()) m.parameter_format = format;
    if (m.name.empty() || m.language.empty() || m.name.size() > 512 || m.language.size() > 16) continue;
    if (auto components = t.find("components"); components != t.end() && components->value().is_array()) {
      for (const auto& c : components->value().get_array()) {
        if (!c.is_object()) continue;
        const auto& component = c.get_object();
        const std::string type = upper(str(component, "type"));
        if (type == "HEADER") {
          TemplatePart header;
          header.format = upper(str(component, "format"));
          if (header.format.empty()) header.format = "TEXT";
          header.text = str(component, "text");
          if (header.format == "TEXT") {
            header.parameters = templateParameters(header.text);
          } else if (header.format == "IMAGE" || header.format == "VIDEO" || header.format == "DOCUMENT") {
            header.parameters = {"link"};
          } else if (header.format == "LOCATION") {
            // The map's place is given at send time (location templates).
            header.parameters = {"latitude", "longitude", "name", "address"};
          }
          m.header = std::move(header);
        } else if (type == "BODY") {
          m.body.text = str(component, "text");
          m.body.parameters = templateParameters(m.body.text);
        } else if (type == "FOOTER") {
          m.footer = str(component, "text");
        } else if (type == "BUTTONS") {
          auto buttons = component.find("buttons");
          if (buttons == component.end() || !buttons->value().is_array()) continue;
          for (const auto& b : buttons->value().get_array()) {
            if (!b.is_object()) continue;
            const auto& button = b.get_object();
            TemplateButton tb;
            tb.type = upper(str(button, "type"));
            tb.text = str(button, "text");
            tb.url = str(button, "url");
            tb.phone_number = str(button, "phone_number");
            if (tb.type == "URL") {
              auto names = templateParameters(tb.url);
              if (!names.empty()) tb.parameters = {names.front()};
            } else if (tb.type == "COPY_CODE") {
              tb.parameters = {"coupon_code"};
            } else if (tb.type == "OTP") {
              tb.parameters = {"code"};
            }
            m.buttons.push_back(std::move(tb));
          }
        }
      }
    }
    page.templates.push_back(std::move(m));
  }
  if (auto paging = o.find("paging"); paging != o.end() && paging->value().is_object()) {
    const auto& p = paging->value().get_object();
    const bool has_next = p.contains("next") && p.at("next").is_string() && !p.at("next").get_string().empty();
    if (auto cursors = p.find("cursors"); has_next && cursors != p.end() && cursors->value().is_object()) {
      page.after = str(cursors->value().get_object(), "after");
      if (page.after.size() > 2048) return makeError(ErrorCode::InvalidInput, "template listing: the paging cursor is too long");
    }
  }
  return page;
}

json::object templateJson(const MessageTemplate& t) {
  json::array buttons;
  for (const auto& b : t.buttons) {
    json::object o{{"type", b.type}, {"text", b.text}};
    if (!b.url.empty()) o["url"] = b.url;
    if (!b.phone_number.empty()) o["phone_number"] = b.phone_number;
    o["parameters"] = stringArray(b.parameters);
    o["parameter_count"] = b.parameters.size();
    buttons.push_back(std::move(o));
  }
  json::object o{{"id", t.id},
                 {"name", t.name},
                 {"language", t.language},
                 {"status", t.status},
                 {"category", t.category},
                 {"parameter_format", t.parameter_format},
                 {"header", t.header ? json::value(partJson(*t.header, true)) : json::value(nullptr)},
                 {"body", partJson(t.body, false)},
                 {"footer", t.footer.empty() ? json::value(nullptr) : json::value(t.footer)},
                 {"buttons", std::move(buttons)}};
  return o;
}

std::string serializeStoredTemplates(const StoredTemplates& stored) {
  json::array templates;
  for (const auto& t : stored.templates) templates.push_back(templateJson(t));
  return json::serialize(json::object{{"synced_at", stored.synced_at},
                                      {"last_attempt_at", stored.last_attempt_at},
                                      {"last_error", stored.last_error},
                                      {"templates", std::move(templates)}});
}

core::Result<StoredTemplates> parseStoredTemplates(std::string_view text) {
  boost::system::error_code ec;
  json::value root = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec || !root.is_object()) return makeError(ErrorCode::Internal, "the stored WhatsApp templates are unreadable");
  const auto& o = root.get_object();
  StoredTemplates stored;
  if (auto it = o.find("synced_at"); it != o.end() && it->value().is_int64()) stored.synced_at = it->value().get_int64();
  if (auto it = o.find("last_attempt_at"); it != o.end() && it->value().is_int64()) stored.last_attempt_at = it->value().get_int64();
  stored.last_error = str(o, "last_error");
  if (auto it = o.find("templates"); it != o.end() && it->value().is_array()) {
    for (const auto& v : it->value().get_array()) {
      if (!v.is_object()) continue;
      const auto& t = v.get_object();
      MessageTemplate m;
      m.id = str(t, "id");
      m.name = str(t, "name");
      m.language = str(t, "language");
      m.status = str(t, "status");
      m.category = str(t, "category");
      m.parameter_format = str(t, "parameter_format");
      if (auto h = t.find("header"); h != t.end() && h->value().is_object()) m.header = partFrom(h->value().get_object());
      if (auto b = t.find("body"); b != t.end() && b->value().is_object()) m.body = partFrom(b->value().get_object());
      m.footer = str(t, "footer");
      if (auto bs = t.find("buttons"); bs != t.end() && bs->value().is_array()) {
        for (const auto& bv : bs->value().get_array()) {
          if (!bv.is_object()) continue;
          const auto& b = bv.get_object();
          m.buttons.push_back(TemplateButton{str(b, "type"), str(b, "text"), str(b, "url"), str(b, "phone_number"), stringsOf(b, "parameters")});
        }
      }
      stored.templates.push_back(std::move(m));
    }
  }
  return stored;
}

core::Result<BuiltTemplate> buildTemplate(const MessageTemplate& t, const app::TemplateReply& reply) {
  if (t.status != "APPROVED") {
    return makeError(ErrorCode::InvalidInput, "template " + t.name + " (" + t.language + ") is " + t.status +
                                                  ", not approved: WhatsApp sends approved templates only");
  }
  const bool named = t.parameter_format == "NAMED";
  BuiltTemplate built;
  auto& c = built.content;
  c.name = t.name;
  c.language_code = t.language;

  const std::size_t header_count = t.header ? t.header->parameters.size() : 0;
  const bool text_header = !t.header || t.header->format == "TEXT" || t.header->format == "LOCATION";
  if (auto s = checkValues(t, "header", header_count, reply.header, text_header); !s) return s.error();
  if (header_count > 0) {
    c.header_format = t.header->format;
    c.header_parameters = reply.header;
    if (t.header->format == "LOCATION") {
      if (auto s = checkLocation(t, reply.header); !s) return s.error();
    } else if (t.header->format != "TEXT") {
      if (!isHttpLink(reply.header[0])) {
        return makeError(ErrorCode::InvalidInput, "template " + t.name + ": the " + t.header->format +
                                                      " header's parameter is the file's http(s) link");
      }
    } else if (named) {
      c.header_parameter_names = t.header->parameters;
    }
  }
  if (auto s = checkValues(t, "body", t.body.parameters.size(), reply.body, true); !s) return s.error();
  c.body_parameters = reply.body;
  if (named) c.body_parameter_names = t.body.parameters;

  std::size_t button_count = 0;
  for (const auto& b : t.buttons) button_count += b.parameters.size();
  if (auto s = checkValues(t, "button", button_count, reply.buttons, true); !s) return s.error();
  std::size_t next = 0;
  for (std::size_t i = 0; i < t.buttons.size(); ++i) {
    if (t.buttons[i].parameters.empty()) continue;
    const std::string sub_type = t.buttons[i].type == "COPY_CODE" ? "copy_code" : "url";
    c.buttons.push_back(TemplateButtonParameter{sub_type, static_cast<int>(i), reply.buttons[next++]});
  }
  // Quick-reply payloads (optional): what each QUICK_REPLY button returns when tapped.
  std::size_t quick = 0;
  for (std::size_t i = 0; i < t.buttons.size(); ++i) {
    if (t.buttons[i].type != "QUICK_REPLY") continue;
    if (quick < reply.quick_replies.size() && !reply.quick_replies[quick].empty()) {
      const auto& payload = reply.quick_replies[quick];
      if (payload.size() > kMaxQuickReplyPayloadBytes || !core::isValidUtf8(payload)) {
        return makeError(ErrorCode::InvalidInput, "template " + t.name + ": a quick-reply payload has at most 256 bytes of UTF-8");
      }
      c.buttons.push_back(TemplateButtonParameter{"quick_reply", static_cast<int>(i), payload});
    }
    ++quick;
  }
  if (reply.quick_replies.size() > quick) {
    return makeError(ErrorCode::InvalidInput, "template " + t.name + " (" + t.language + ") has " + std::to_string(quick) +
                                                  " quick-reply button" + (quick == 1 ? "" : "s") + ", " +
                                                  std::to_string(reply.quick_replies.size()) + " payloads given");
  }
  std::stable_sort(c.buttons.begin(), c.buttons.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  built.text = render(t.body.text, t.body.parameters, reply.body);
  if (built.text.find_first_not_of(" \t\r\n") == std::string::npos) built.text = t.name;
  return built;
}

std::string templatePayloadJson(const MessageTemplate& t, const app::TemplateReply& reply, const TemplateContent& content) {
  json::array buttons;
  for (const auto& b : content.buttons) buttons.push_back(json::object{{"sub_type", b.sub_type}, {"index", b.index}, {"value", b.value}});
  json::object send{{"header_format", content.header_format},
                    {"header_names", stringArray(content.header_parameter_names)},
                    {"body_names", stringArray(content.body_parameter_names)},
                    {"buttons", std::move(buttons)}};
  json::object parameters{{"header", stringArray(reply.header)}, {"body", stringArray(reply.body)}, {"buttons", stringArray(reply.buttons)}};
  if (!reply.quick_replies.empty()) parameters["quick_replies"] = stringArray(reply.quick_replies);
  json::object tmpl{{"name", t.name}, {"language", t.language}, {"category", t.category}, {"parameters", std::move(parameters)}};
  if (t.header && t.header->format == "TEXT" && !t.header->text.empty()) {
    tmpl["header"] = render(t.header->text, t.header->parameters, reply.header);
  }
  if (!t.footer.empty()) tmpl["footer"] = t.footer;
  return json::serialize(json::object{{"template", std::move(tmpl)}, {"send", std::move(send)}});
}

core::Result<TemplateContent> templateContentFromPayload(std::string_view payload_json) {
  boost::system::error_code ec;
  json::value root = json::parse(json::string_view(payload_json.data(), payload_json.size()), ec);
  if (ec || !root.is_object()) return makeError(ErrorCode::NotFound, "no template");
  const auto& o = root.get_object();
  auto tmpl = o.find("template");
  auto send = o.find("send");
  if (tmpl == o.end() || !tmpl->value().is_object()) return makeError(ErrorCode::NotFound, "no template");
  const auto& t = tmpl->value().get_object();
  TemplateContent c;
  c.name = str(t, "name");
  c.language_code = str(t, "language");
  if (auto p = t.find("parameters"); p != t.end() && p->value().is_object()) {
    const auto& parameters = p->value().get_object();
    c.header_parameters = stringsOf(parameters, "header");
    c.body_parameters = stringsOf(parameters, "body");
    auto values = stringsOf(parameters, "buttons");
    if (send != o.end() && send->value().is_object()) {
      const auto& s = send->value().get_object();
      c.header_format = str(s, "header_format");
      c.header_parameter_names = stringsOf(s, "header_names");
      c.body_parameter_names = stringsOf(s, "body_names");
      if (auto b = s.find("buttons"); b != s.end() && b->value().is_array()) {
        std::size_t i = 0;
        for (const auto& bv : b->value().get_array()) {
          if (!bv.is_object()) break;
          const auto& button = bv.get_object();
          int index = 0;
          if (auto it = button.find("index"); it != button.end() && it->value().is_int64()) index = static_cast<int>(it->value().get_int64());
          // Each button keeps its value; payloads stored before that take the values in order.
          std::string value;
          if (auto it = button.find("value"); it != button.end() && it->value().is_string()) {
            value = std::string(it->value().get_string());
          } else if (i < values.size()) {
            value = values[i++];
          } else {
            break;
          }
          c.buttons.push_back(TemplateButtonParameter{str(button, "sub_type"), index, std::move(value)});
        }
      }
    }
  }
  if (c.name.empty()) return makeError(ErrorCode::InvalidInput, "the stored template has no name");
  return c;
}

}  // namespace parley::channels::whatsapp
