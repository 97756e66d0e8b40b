// Serving stored files: the download every file route answers with, and the GET routes that
// serve a reply's file through a signed link (channels/common/file_link.hpp) for a receiver
// without a Parley login: Twilio (MMS media) and an API channel's integration.
#pragma once

#include <string>

#include "core/domain.hpp"
#include "http/api.hpp"

namespace parley::http {

// A stored file as a download in a sandbox, so an uploaded HTML or SVG file can never run as
// our page (Content-Disposition attachment, nosniff, a CSP sandbox), cached privately for
// `cache_s`; 404 "the file is missing" when its blob is gone. Every file route answers with it.
Response storedFileResponse(ApiDeps& deps, const core::Attachment& attachment, int cache_s);

// The file `token` names, if the link verifies with its inbox's secret, has not expired, the inbox
// is of `channel` and the file belongs to a message of that inbox; else 404 (never saying which).
Response serveLinkedFile(ApiDeps& deps, const std::string& token, core::ChannelKind channel);

}  // namespace parley::http
