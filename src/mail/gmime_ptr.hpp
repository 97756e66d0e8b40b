// Owning handles for the GMime / GLib objects used inside src/mail (private to the library).
// Every object a GMime call hands over with "transfer full" goes straight into one of these, so
// an early return never leaks; objects returned with "transfer none" stay raw pointers.
#pragma once

#include <gmime/gmime.h>

#include <memory>

namespace parley::mail::detail {

struct GObjectUnref {
  void operator()(gpointer object) const noexcept {
    if (object != nullptr) g_object_unref(object);
  }
};
template <class T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;

struct GFree {
  void operator()(gpointer p) const noexcept { g_free(p); }
};
using GCharPtr = std::unique_ptr<char, GFree>;

struct ParserOptionsFree {
  void operator()(GMimeParserOptions* o) const noexcept {
    if (o != nullptr) g_mime_parser_options_free(o);
  }
};
using ParserOptionsPtr = std::unique_ptr<GMimeParserOptions, ParserOptionsFree>;

struct FormatOptionsFree {
  void operator()(GMimeFormatOptions* o) const noexcept {
    if (o != nullptr) g_mime_format_options_free(o);
  }
};
using FormatOptionsPtr = std::unique_ptr<GMimeFormatOptions, FormatOptionsFree>;

struct ReferencesFree {
  void operator()(GMimeReferences* r) const noexcept {
    if (r != nullptr) g_mime_references_free(r);
  }
};
using ReferencesPtr = std::unique_ptr<GMimeReferences, ReferencesFree>;

struct DateTimeUnref {
  void operator()(GDateTime* d) const noexcept {
    if (d != nullptr) g_date_time_unref(d);
  }
};
using DateTimePtr = std::unique_ptr<GDateTime, DateTimeUnref>;

// Parser options for untrusted mail: liberal about broken syntax, undeclared 8-bit header
// bytes decoded as UTF-8 when they are, else as windows-1252 (then latin1, which never fails).
ParserOptionsPtr makeParserOptions();

}  // namespace parley::mail::detail
