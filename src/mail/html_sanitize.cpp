// sanitizeHtml() and htmlToText(): the HTML of a mail goes through gumbo (a complete HTML5
// parser, so the tree is the one a browser would build, whatever the markup), and only a
// whitelist of elements and attributes is written back out, with every text and attribute value
// escaped. Nothing of the input is copied through unparsed, so an unknown trick in the markup
// can at worst lose formatting, never reach the desk as markup.
#include <gumbo.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/text.hpp"
#include "mail/charset.hpp"
#include "mail/mime.hpp"

namespace parley::mail {

namespace {

using detail::asciiLower;
using detail::trimAscii;

// Bigger HTML is cut before parsing: no mail a person reads is longer (images come as parts).
constexpr std::size_t kMaxHtmlBytes = 8u << 20;
// gumbo needs time quadratic in the nesting depth (100 000 nested <div> take half a minute), so
// start tags beyond this depth are dropped before parsing (their text stays). Reply chains in
// real mail nest a few dozen levels.
constexpr std::size_t kMaxNesting = 256;
// gumbo's tree costs ~350 bytes per element (2 MB of "<p><b>" take 350 MB). Past this many tags
// only the text is kept. A long Outlook thread or a big pasted table has a few ten thousand.
constexpr std::size_t kMaxTags = 100000;
// The tree walks recurse; below this depth (only reachable through implied elements) they stop.
constexpr int kMaxWalkDepth = 1024;

// ---- input guard -----------------------------------------------------------------------------

bool isAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isTagNameChar(char c) {
  return isAsciiAlpha(c) || (c >= '0' && c <= '9') || c == '-' || c == ':' || c == '_' || c == '.';
}

bool isOneOf(std::string_view n, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

bool isVoidTag(std::string_view n) {
  return isOneOf(n, {"area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param",
                     "source", "track", "wbr", "image", "basefont", "bgsound", "frame", "isindex"});
}

bool isRawTextTag(std::string_view n) {
  return isOneOf(n, {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"});
}

// What an open element means to the start tags that follow (simplified from the HTML parser's
// "in body" rules): which implied end tags can close it, and which scopes stop such a search.
enum : unsigned {
  kIsP = 1u << 0,
  kIsLi = 1u << 1,
  kIsDtDd = 1u << 2,
  kIsCell = 1u << 3,
  kIsRow = 1u << 4,
  kIsRowGroup = 1u << 5,
  kIsOption = 1u << 6,
  kIsRuby = 1u << 7,
  kScopeP = 1u << 8,     // table, td, th, caption, button, applet, object, marquee, template
  kScopeList = 1u << 9,  // ul, ol, dir, menu (and the kScopeP tables)
  kScopeDl = 1u << 10,   // dl
  kIsTable = 1u << 11,
  kClosesP = 1u << 12,   // a start tag that closes an open <p>
};

unsigned flagsOf(std::string_view n) {
  unsigned f = 0;
  if (n == "p") f |= kIsP;
  if (n == "li") f |= kIsLi;
  if (n == "dt" || n == "dd") f |= kIsDtDd;
  if (n == "td" || n == "th") f |= kIsCell;
  if (n == "tr") f |= kIsRow;
  if (n == "tbody" || n == "thead" || n == "tfoot") f |= kIsRowGroup;
  if (n == "option") f |= kIsOption;
  if (n == "rt" || n == "rp") f |= kIsRuby;
  if (isOneOf(n, {"table", "td", "th", "caption", "button", "applet", "object", "marquee", "template"})) f |= kScopeP;
  if (isOneOf(n, {"ul", "ol", "dir", "menu"})) f |= kScopeList;
  if (n == "dl") f |= kScopeDl;
  if (n == "table") f |= kIsTable;
  if (isOneOf(n, {"address", "article", "aside", "blockquote", "center", "details", "dir", "div", "dl", "fieldset",
                  "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup",
                  "hr", "li", "dd", "dt", "main", "menu", "nav", "ol", "p", "pre", "section", "table", "ul"})) {
    f |= kClosesP;
  }
  return f;
}

// The stack of open elements as the parser would keep it, approximately.
class OpenElements {
 public:
  std::size_t size() const { return open_.size(); }

  void push(std::string name) {
    const unsigned flags = flagsOf(name);
    count(flags, +1);
    open_.push_back(Entry{std::hash<std::string>()(name), flags, std::move(name)});
  }

  // An end tag: pops up to the innermost open element of that name, if there is one.
  void close(const std::string& name) {
    const std::size_t hash = std::hash<std::string>()(name);
    for (std::size_t i = open_.size(); i-- > 0;) {
      if (open_[i].hash == hash && open_[i].name == name) {
        popFrom(i);
        return;
      }
    }
  }

  // The elements a start tag closes implicitly: an open <p> for a block, the previous <li>,
  // <dt>/<dd>, cell or row; the search stops at the element's scope.
  void closeImplied(unsigned incoming) {
    if ((incoming & kClosesP) != 0) closeThrough(kIsP, kScopeP);
    if ((incoming & kIsLi) != 0) closeThrough(kIsLi, kScopeList | kScopeP);
    if ((incoming & kIsDtDd) != 0) closeThrough(kIsDtDd, kScopeDl | kScopeP);
    if ((incoming & kIsCell) != 0) closeThrough(kIsCell, kIsRow | kIsTable);
    if ((incoming & kIsRow) != 0) closeThrough(kIsRow, kIsRowGroup | kIsTable);
    if ((incoming & kIsRowGroup) != 0) closeThrough(kIsRowGroup, kIsTable);
    if ((incoming & kIsOption) != 0 && !open_.empty() && (open_.back().flags & kIsOption) != 0) popFrom(open_.size() - 1);
    if ((incoming & kIsRuby) != 0 && !open_.empty() && (open_.back().flags & kIsRuby) != 0) popFrom(open_.size() - 1);
  }

 private:
  struct Entry {
    std::size_t hash;
    unsigned flags;
    std::string name;
  };

  void closeThrough(unsigned target, unsigned boundary) {
    const auto bit = static_cast<unsigned>(std::countr_zero(target));
    if (open_count_[bit] == 0) return;  // nothing to close: no need to look
    for (std::size_t i = open_.size(); i-- > 0;) {
      if ((open_[i].flags & target) != 0) {
        popFrom(i);
        return;
      }
      if ((open_[i].flags & boundary) != 0) return;
    }
  }

  void popFrom(std::size_t i) {
    for (std::size_t k = i; k < open_.size(); ++k) count(open_[k].flags, -1);
    open_.erase(open_.begin() + static_cast<std::ptrdiff_t>(i), open_.end());
  }

  void count(unsigned flags, int delta) {
    for (unsigned bit = 0; bit < 8; ++bit) {
      if ((flags & (1u << bit)) == 0) continue;
      if (delta > 0) {
        ++open_count_[bit];
      } else {
        --open_count_[bit];
      }
    }
  }

  std::vector<Entry> open_;
  std::size_t open_count_[8] = {};
};

// Finds the '>' that ends the tag starting at `from` (quotes respected); npos when none.
std::size_t tagEnd(std::string_view html, std::size_t from) {
  char quote = 0;
  for (std::size_t i = from; i < html.size(); ++i) {
    const char c = html[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>') {
      return i;
    }
  }
  return std::string_view::npos;
}

std::size_t findCaseInsensitive(std::string_view hay, std::string_view needle, std::size_t from) {
  if (needle.empty() || hay.size() < needle.size()) return std::string_view::npos;
  for (std::size_t i = from; i + needle.size() <= hay.size(); ++i) {
    bool match = true;
    for (std::size_t k = 0; k < needle.size() && match; ++k) {
      char c = hay[i + k];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      match = c == needle[k];
    }
    if (match) return i;
  }
  return std::string_view::npos;
}

// A rough tokenizer that follows the open elements the way the HTML parser would in common
// cases, drops start tags that would open an element deeper than kMaxNesting, and keeps only
// text after kMaxTags tags. It never has to be exact: the sanitiser's output comes from
// gumbo's tree, not from this text; this only bounds what gumbo is given.
std::string limitTags(std::string_view html) {
  if (static_cast<std::size_t>(std::count(html.begin(), html.end(), '<')) <= kMaxNesting) return std::string(html);
  std::string out;
  out.reserve(html.size());
  OpenElements open;
  std::size_t tags = 0;
  std::size_t i = 0;
  while (i < html.size()) {
    const std::size_t lt = html.find('<', i);
    if (lt == std::string_view::npos) {
      out.append(html.substr(i));
      break;
    }
    out.append(html.substr(i, lt - i));
    const bool text_only = tags >= kMaxTags;
    if (html.compare(lt, 4, "<!--") == 0) {
      const std::size_t end = html.find("-->", lt + 4);
      const std::size_t stop = end == std::string_view::npos ? html.size() : end + 3;
      if (!text_only) out.append(html.substr(lt, stop - lt));
      i = stop;
      continue;
    }
    const bool closing = lt + 1 < html.size() && html[lt + 1] == '/';
    const std::size_t name_start = lt + (closing ? 2 : 1);
    if (name_start >= html.size() || !isAsciiAlpha(html[name_start])) {
      out.append(text_only ? "&lt;" : "<");
      i = lt + 1;
      continue;
    }
    std::size_t name_end = name_start;
    while (name_end < html.size() && isTagNameChar(html[name_end])) ++name_end;
    const std::string name = asciiLower(html.substr(name_start, name_end - name_start));
    const std::size_t gt = tagEnd(html, name_end);
    const std::size_t stop = gt == std::string_view::npos ? html.size() : gt + 1;
    const std::string_view tag = html.substr(lt, stop - lt);
    i = stop;
    ++tags;
    if (closing) {
      open.close(name);
      if (!text_only) out.append(tag);
      continue;
    }
    if (isRawTextTag(name)) {  // its content is text up to the matching end tag
      const std::size_t end = findCaseInsensitive(html, "</" + name, i);
      const std::size_t text_end = end == std::string_view::npos ? html.size() : end;
      if (!text_only) out.append(tag).append(html.substr(i, text_end - i));
      i = text_end;
      continue;
    }
    if (text_only) continue;
    const bool self_closing = tag.size() >= 2 && tag[tag.size() - 2] == '/';
    if (isVoidTag(name) || self_closing) {
      out.append(tag);
      continue;
    }
    open.closeImplied(flagsOf(name));
    if (open.size() >= kMaxNesting) continue;  // dropped: its content joins the parent
    open.push(name);
    out.append(tag);
  }
  return out;
}

// ---- parsing ---------------------------------------------------------------------------------

class HtmlDocument {
 public:
  explicit HtmlDocument(std::string_view html) {
    if (html.size() > kMaxHtmlBytes) html = html.substr(0, kMaxHtmlBytes);
    input_ = limitTags(core::toValidUtf8(html));
    options_ = kGumboDefaultOptions;
    options_.max_errors = 0;  // recording errors copies the open-element stack each time
    output_ = gumbo_parse_with_options(&options_, input_.data(), input_.size());
  }
  ~HtmlDocument() {
    if (output_ != nullptr) gumbo_destroy_output(&options_, output_);
  }
  HtmlDocument(const HtmlDocument&) = delete;
  HtmlDocument& operator=(const HtmlDocument&) = delete;

  const GumboNode* root() const { return output_ == nullptr ? nullptr : output_->root; }

 private:
  std::string input_;  // gumbo's original_* pieces point into it
  GumboOptions options_{};
  GumboOutput* output_ = nullptr;
};

const GumboVector* childrenOf(const GumboNode* node) {
  if (node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE) return &node->v.element.children;
  if (node->type == GUMBO_NODE_DOCUMENT) return &node->v.document.children;
  return nullptr;
}

const GumboNode* childAt(const GumboVector* v, unsigned int i) { return static_cast<const GumboNode*>(v->data[i]); }

std::string_view attribute(const GumboNode* element, const char* name) {
  const GumboAttribute* a = gumbo_get_attribute(&element->v.element.attributes, name);
  return a == nullptr || a->value == nullptr ? std::string_view() : std::string_view(a->value);
}

// ---- element policy --------------------------------------------------------------------------

enum class Action { Keep, Unwrap, Drop };

// Dropped with everything inside: active content, forms, embedded documents, metadata.
bool isDropped(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_IFRAME: case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_EMBED: case GUMBO_TAG_FORM: case GUMBO_TAG_INPUT: case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_SVG: case GUMBO_TAG_MATH: case GUMBO_TAG_META: case GUMBO_TAG_LINK:
    case GUMBO_TAG_BASE: case GUMBO_TAG_HEAD: case GUMBO_TAG_TITLE: case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_SELECT: case GUMBO_TAG_OPTION: case GUMBO_TAG_OPTGROUP: case GUMBO_TAG_DATALIST:
    case GUMBO_TAG_KEYGEN: case GUMBO_TAG_NOSCRIPT: case GUMBO_TAG_TEMPLATE: case GUMBO_TAG_FRAME:
    case GUMBO_TAG_FRAMESET: case GUMBO_TAG_NOFRAMES: case GUMBO_TAG_APPLET: case GUMBO_TAG_AUDIO:
    case GUMBO_TAG_VIDEO: case GUMBO_TAG_CANVAS: case GUMBO_TAG_SOURCE: case GUMBO_TAG_TRACK:
    case GUMBO_TAG_PARAM: case GUMBO_TAG_MAP: case GUMBO_TAG_AREA: case GUMBO_TAG_NOEMBED:
    case GUMBO_TAG_BGSOUND: case GUMBO_TAG_ISINDEX: case GUMBO_TAG_COLGROUP: case GUMBO_TAG_COL:
    case GUMBO_TAG_MENUITEM: case GUMBO_TAG_OUTPUT: case GUMBO_TAG_PROGRESS: case GUMBO_TAG_METER:
      return true;
    default:
      return false;
  }
}

// The whitelisted element an element is written as; nullptr when only its content is kept.
// A few obsolete or structural elements are written as their nearest whitelisted cousin so a
// mail keeps its line breaks and emphasis.
const char* outputTag(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_P: case GUMBO_TAG_BR: case GUMBO_TAG_DIV: case GUMBO_TAG_SPAN: case GUMBO_TAG_B:
    case GUMBO_TAG_STRONG: case GUMBO_TAG_I: case GUMBO_TAG_EM: case GUMBO_TAG_U: case GUMBO_TAG_S:
    case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_PRE: case GUMBO_TAG_CODE: case GUMBO_TAG_UL: case GUMBO_TAG_OL:
    case GUMBO_TAG_LI: case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4:
    case GUMBO_TAG_H5: case GUMBO_TAG_H6: case GUMBO_TAG_TABLE: case GUMBO_TAG_THEAD: case GUMBO_TAG_TBODY:
    case GUMBO_TAG_TR: case GUMBO_TAG_TD: case GUMBO_TAG_TH: case GUMBO_TAG_A: case GUMBO_TAG_IMG:
    case GUMBO_TAG_HR: case GUMBO_TAG_FONT: case GUMBO_TAG_CENTER: case GUMBO_TAG_SUB: case GUMBO_TAG_SUP:
    case GUMBO_TAG_SMALL: case GUMBO_TAG_BIG:
      return gumbo_normalized_tagname(t);
    case GUMBO_TAG_STRIKE: case GUMBO_TAG_DEL: return "s";
    case GUMBO_TAG_INS: return "u";
    case GUMBO_TAG_TT: case GUMBO_TAG_KBD: case GUMBO_TAG_SAMP: return "code";
    case GUMBO_TAG_XMP: case GUMBO_TAG_LISTING: case GUMBO_TAG_PLAINTEXT: return "pre";
    case GUMBO_TAG_TFOOT: return "tbody";
    case GUMBO_TAG_DIR: case GUMBO_TAG_MENU: return "ul";
    case GUMBO_TAG_ARTICLE: case GUMBO_TAG_SECTION: case GUMBO_TAG_NAV: case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_HGROUP: case GUMBO_TAG_HEADER: case GUMBO_TAG_FOOTER: case GUMBO_TAG_ADDRESS:
    case GUMBO_TAG_DL: case GUMBO_TAG_DT: case GUMBO_TAG_DD: case GUMBO_TAG_FIGURE: case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_MAIN: case GUMBO_TAG_CAPTION: case GUMBO_TAG_DETAILS: case GUMBO_TAG_SUMMARY:
    case GUMBO_TAG_FIELDSET: case GUMBO_TAG_LEGEND: case GUMBO_TAG_MARQUEE: case GUMBO_TAG_MULTICOL:
      return "div";
    default:
      return nullptr;
  }
}

Action actionFor(const GumboNode* element) {
  // Anything in the SVG or MathML namespace (only reachable inside <svg>/<math>, which are
  // dropped anyway) is foreign content with its own parsing rules: never kept.
  if (element->v.element.tag_namespace != GUMBO_NAMESPACE_HTML) return Action::Drop;
  if (isDropped(element->v.element.tag)) return Action::Drop;
  return outputTag(element->v.element.tag) != nullptr ? Action::Keep : Action::Unwrap;
}

// Attributes without URLs that keep a mail's layout, by element. Everything else (on*, style,
// class, id, background, srcset, ...) is dropped.
bool isPlainAttributeAllowed(std::string_view tag, std::string_view attr) {
  if (tag == "td" || tag == "th") {
    return attr == "colspan" || attr == "rowspan" || attr == "align" || attr == "valign" || attr == "width";
  }
  if (tag == "tr") return attr == "align" || attr == "valign";
  if (tag == "table") {
    return attr == "border" || attr == "cellpadding" || attr == "cellspacing" || attr == "width" || attr == "align";
  }
  if (tag == "img") return attr == "alt" || attr == "width" || attr == "height" || attr == "title";
  if (tag == "a") return attr == "title";
  if (tag == "font") return attr == "color" || attr == "face" || attr == "size";
  if (tag == "ol") return attr == "start" || attr == "type";
  if (tag == "ul") return attr == "type";
  if (tag == "li") return attr == "value";
  if (tag == "p" || tag == "div" || (tag.size() == 2 && tag[0] == 'h' && tag[1] >= '1' && tag[1] <= '6')) {
    return attr == "align";
  }
  return false;
}

// A URL as the browser will read it: leading and trailing controls and spaces stripped, tabs and
// newlines inside removed (so "java\tscript:" cannot pass for something else).
std::string cleanUrl(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\t' || c == '\n' || c == '\r') continue;
    out.push_back(c);
  }
  std::size_t b = 0;
  std::size_t e = out.size();
  while (b < e && static_cast<unsigned char>(out[b]) <= 0x20) ++b;
  while (e > b && static_cast<unsigned char>(out[e - 1]) <= 0x20) --e;
  return out.substr(b, e - b);
}

bool startsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && asciiLower(text.substr(0, prefix.size())) == prefix;
}

void appendEscaped(std::string& out, std::string_view text, bool attribute_value) {
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"':
        if (attribute_value) {
          out += "&quot;";
        } else {
          out.push_back(c);
        }
        break;
      case '\0': break;  // gumbo already replaced them; never written
      default: out.push_back(c);
    }
  }
}

void appendAttribute(std::string& out, std::string_view name, std::string_view value) {
  out.push_back(' ');
  out.append(name);
  out += "=\"";
  appendEscaped(out, value, true);
  out.push_back('"');
}

// ---- sanitizer -------------------------------------------------------------------------------

class Sanitizer {
 public:
  SanitizedHtml run(const GumboNode* root) {
    if (root != nullptr) visit(root, 0);
    return SanitizedHtml{std::move(out_), has_remote_images_};
  }

 private:
  void visitChildren(const GumboNode* node, int depth) {
    const GumboVector* children = childrenOf(node);
    if (children == nullptr || depth >= kMaxWalkDepth) return;
    for (unsigned int i = 0; i < children->length; ++i) visit(childAt(children, i), depth + 1);
  }

  void visit(const GumboNode* node, int depth) {
    switch (node->type) {
      case GUMBO_NODE_DOCUMENT:
        visitChildren(node, depth);
        return;
      case GUMBO_NODE_TEXT: case GUMBO_NODE_WHITESPACE: case GUMBO_NODE_CDATA:
        appendEscaped(out_, node->v.text.text, false);
        return;
      case GUMBO_NODE_COMMENT: case GUMBO_NODE_TEMPLATE:
        return;
      case GUMBO_NODE_ELEMENT:
        break;
    }
    switch (actionFor(node)) {
      case Action::Drop:
        return;
      case Action::Unwrap:
        visitChildren(node, depth);
        return;
      case Action::Keep:
        break;
    }
    const GumboTag tag = node->v.element.tag;
    const std::string_view name = outputTag(tag);
    if (tag == GUMBO_TAG_A) {
      const std::string href = cleanUrl(attribute(node, "href"));
      const bool safe = startsWithNoCase(href, "http://") || startsWithNoCase(href, "https://") ||
                        startsWithNoCase(href, "mailto:");
      if (!safe) {  // a link that goes nowhere we allow is just its text
        visitChildren(node, depth);
        return;
      }
      out_ += "<a";
      appendAttribute(out_, "href", href);
      appendPlainAttributes(node, name);
      out_ += " rel=\"noopener noreferrer nofollow\" target=\"_blank\">";
    } else if (tag == GUMBO_TAG_IMG) {
      const std::string src = cleanUrl(attribute(node, "src"));
      std::string kept;
      if (startsWithNoCase(src, "cid:")) {
        kept = " src=\"";
        appendEscaped(kept, src, true);
        kept += "\"";
      } else if (startsWithNoCase(src, "http://") || startsWithNoCase(src, "https://") ||
                 (src.size() > 2 && src[0] == '/' && src[1] == '/')) {  // scheme-relative is remote too
        kept = " data-parley-remote-src=\"";
        appendEscaped(kept, src[0] == '/' ? "https:" + src : src, true);
        kept += "\"";
        has_remote_images_ = true;
      }
      // data:, javascript:, relative and empty sources are dropped; an image left with
      // neither a source nor a text to show is dropped with them.
      if (kept.empty() && trimAscii(attribute(node, "alt")).empty()) return;
      out_ += "<img";
      out_ += kept;
      appendPlainAttributes(node, name);
      out_ += ">";
      return;
    } else {
      out_ += "<";
      out_.append(name);
      appendPlainAttributes(node, name);
      out_ += ">";
    }
    if (tag == GUMBO_TAG_BR || tag == GUMBO_TAG_HR) return;  // void elements
    // The parser drops a newline right after <pre>; write one back so the text keeps it.
    if (name == "pre") {
      const GumboVector* children = childrenOf(node);
      if (children != nullptr && children->length > 0) {
        const GumboNode* first = childAt(children, 0);
        if ((first->type == GUMBO_NODE_TEXT || first->type == GUMBO_NODE_WHITESPACE) &&
            first->v.text.text[0] == '\n') {
          out_ += "\n";
        }
      }
    }
    visitChildren(node, depth);
    out_ += "</";
    out_.append(name);
    out_ += ">";
  }

  void appendPlainAttributes(const GumboNode* element, std::string_view tag) {
    const GumboVector& attrs = element->v.element.attributes;
    for (unsigned int i = 0; i < attrs.length; ++i) {
      const auto* a = static_cast<const GumboAttribute*>(attrs.data[i]);
      if (a->attr_namespace != GUMBO_ATTR_NAMESPACE_NONE || a->name == nullptr || a->value == nullptr) continue;
      const std::string_view attr_name(a->name);
      if (!isPlainAttributeAllowed(tag, attr_name)) continue;
      appendAttribute(out_, attr_name, a->value);
    }
  }

  std::string out_;
  bool has_remote_images_ = false;
};

// ---- plain text ------------------------------------------------------------------------------

class TextWriter {
 public:
  // Text as HTML renders it: runs of whitespace become one space, except inside <pre>.
  void text(std::string_view s, bool preformatted) {
    for (std::size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      if (preformatted) {
        if (c == '\r') continue;
        if (c == '\n') {
          flush();
          out_.push_back('\n');
          continue;
        }
        flush();
        out_.push_back(c);
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
        space_ = true;
        continue;
      }
      if (c == '\xC2' && i + 1 < s.size() && s[i + 1] == '\xA0') {  // &nbsp; is a space that stays
        flush();
        out_.push_back(' ');
        ++i;
        continue;
      }
      flush();
      out_.push_back(c);
    }
  }
  void lineBreak() {
    flush();
    out_.push_back('\n');
    space_ = false;
  }
  // Before and after a block: at least `lines` line ends (2 = an empty line between blocks).
  void block(int lines) {
    newlines_ = std::max(newlines_, lines);
    space_ = false;
  }
  void space() { space_ = true; }
  void prefix(std::string_view s) {  // a list marker, written at the start of a line
    flush();
    out_.append(s);
    space_ = false;
  }

  std::string finish() {
    std::string_view t = trimAscii(out_);
    return std::string(t);
  }

 private:
  void flush() {
    if (newlines_ > 0) {
      while (!out_.empty() && out_.back() == ' ') out_.pop_back();
      if (!out_.empty()) {
        int have = 0;
        for (auto it = out_.rbegin(); it != out_.rend() && *it == '\n'; ++it) ++have;
        for (int k = have; k < newlines_; ++k) out_.push_back('\n');
      }
      newlines_ = 0;
      space_ = false;
    } else if (space_) {
      if (!out_.empty() && out_.back() != '\n' && out_.back() != ' ') out_.push_back(' ');
      space_ = false;
    }
  }

  std::string out_;
  int newlines_ = 0;
  bool space_ = false;
};

class TextExtractor {
 public:
  std::string run(const GumboNode* root) {
    if (root != nullptr) visit(root, 0, false);
    return writer_.finish();
  }

 private:
  struct List {
    bool ordered = false;
    long next = 1;
  };

  void visitChildren(const GumboNode* node, int depth, bool pre) {
    const GumboVector* children = childrenOf(node);
    if (children == nullptr || depth >= kMaxWalkDepth) return;
    for (unsigned int i = 0; i < children->length; ++i) visit(childAt(children, i), depth + 1, pre);
  }

  void visit(const GumboNode* node, int depth, bool pre) {
    switch (node->type) {
      case GUMBO_NODE_DOCUMENT:
        visitChildren(node, depth, pre);
        return;
      case GUMBO_NODE_TEXT: case GUMBO_NODE_WHITESPACE: case GUMBO_NODE_CDATA:
        writer_.text(node->v.text.text, pre);
        return;
      case GUMBO_NODE_COMMENT: case GUMBO_NODE_TEMPLATE:
        return;
      case GUMBO_NODE_ELEMENT:
        break;
    }
    if (actionFor(node) == Action::Drop) return;
    const GumboTag tag = node->v.element.tag;
    switch (tag) {
      case GUMBO_TAG_BR:
        writer_.lineBreak();
        return;
      case GUMBO_TAG_P: case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4:
      case GUMBO_TAG_H5: case GUMBO_TAG_H6: case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_TABLE:
      case GUMBO_TAG_HR: case GUMBO_TAG_DL:
        writer_.block(2);
        visitChildren(node, depth, pre);
        writer_.block(2);
        return;
      case GUMBO_TAG_PRE: case GUMBO_TAG_XMP: case GUMBO_TAG_LISTING: case GUMBO_TAG_PLAINTEXT:
        writer_.block(2);
        visitChildren(node, depth, true);
        writer_.block(2);
        return;
      case GUMBO_TAG_UL: case GUMBO_TAG_OL: case GUMBO_TAG_DIR: case GUMBO_TAG_MENU: {
        List list;
        list.ordered = tag == GUMBO_TAG_OL;
        const std::string_view start = trimAscii(attribute(node, "start"));
        long first = 0;
        const auto [end, ec] = std::from_chars(start.data(), start.data() + start.size(), first);
        if (list.ordered && ec == std::errc() && end == start.data() + start.size() && first >= 0 && first < 1000000) {
          list.next = first;
        }
        lists_.push_back(list);
        writer_.block(lists_.size() > 1 ? 1 : 2);
        visitChildren(node, depth, pre);
        writer_.block(lists_.size() > 1 ? 1 : 2);
        lists_.pop_back();
        return;
      }
      case GUMBO_TAG_LI: {
        writer_.block(1);
        std::string marker(lists_.size() > 1 ? (lists_.size() - 1) * 2 : 0, ' ');
        if (!lists_.empty() && lists_.back().ordered) {
          marker += std::to_string(lists_.back().next++) + ". ";
        } else {
          marker += "- ";
        }
        writer_.prefix(marker);
        visitChildren(node, depth, pre);
        writer_.block(1);
        return;
      }
      case GUMBO_TAG_TD: case GUMBO_TAG_TH:
        writer_.space();
        visitChildren(node, depth, pre);
        writer_.space();
        return;
      case GUMBO_TAG_DIV: case GUMBO_TAG_TR: case GUMBO_TAG_CENTER:
      case GUMBO_TAG_DT: case GUMBO_TAG_DD: case GUMBO_TAG_ARTICLE: case GUMBO_TAG_SECTION:
      case GUMBO_TAG_HEADER: case GUMBO_TAG_FOOTER: case GUMBO_TAG_ADDRESS: case GUMBO_TAG_CAPTION:
      case GUMBO_TAG_FIGURE: case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_MAIN: case GUMBO_TAG_NAV:
      case GUMBO_TAG_ASIDE: case GUMBO_TAG_DETAILS: case GUMBO_TAG_SUMMARY: case GUMBO_TAG_FIELDSET:
      case GUMBO_TAG_LEGEND: case GUMBO_TAG_BODY: case GUMBO_TAG_HTML:
        writer_.block(1);
        visitChildren(node, depth, pre);
        writer_.block(1);
        return;
      default:
        visitChildren(node, depth, pre);
        return;
    }
  }

  TextWriter writer_;
  std::vector<List> lists_;
};

}  // namespace

SanitizedHtml sanitizeHtml(std::string_view html) {
  const HtmlDocument doc(html);
  return Sanitizer().run(doc.root());
}

std::string htmlToText(std::string_view html) {
  const HtmlDocument doc(html);
  return TextExtractor().run(doc.root());
}

}  // namespace parley::mail
