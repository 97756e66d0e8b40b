// DESIGN: the one blocking HTTP client of the channel adapters (libcurl). Every call is bounded:
// a total timeout, a connect timeout, http/https only, and a cap on the bytes kept from the
// answer (beyond it the transfer is aborted and `too_large` is set). Call it only from worker
// or outbox threads, never from an I/O thread.
#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace parley::channels {

// One part of a multipart/form-data body: a field, or a file (when filename is set).
struct MultipartPart {
  std::string name;
  std::string data;
  std::string filename;
  std::string content_type;
};

struct HttpCall {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::vector<MultipartPart> multipart;  // when set, sent as multipart/form-data instead of body
  long timeout_ms = 10'000;
  std::size_t max_response_bytes = 64 * 1024;
  bool follow_redirects = false;
};

struct HttpAnswer {
  bool transport_ok = false;  // false: DNS, connect, TLS, timeout ... (see error)
  bool too_large = false;     // the answer was longer than max_response_bytes
  // With !transport_ok: not a byte of the request left (DNS, connect or TLS failed), so the
  // receiver cannot have acted on it. False when it may have (a timeout while waiting).
  bool never_sent = false;
  long status = 0;
  std::string body;
  std::string error;
  long retry_after_s = 0;  // from a Retry-After header (seconds or an HTTP date), else 0
  long rate_limit_reset_s = 0;  // from X's x-rate-limit-reset header (Unix seconds), else 0
};

HttpAnswer performHttp(const HttpCall& call);

// The seconds a Retry-After header value asks to wait at `now`: RFC 9110 allows delay-seconds
// ("120") or an HTTP date ("Wed, 21 Oct 2026 07:28:00 GMT"); a date in the past is 0, an
// unreadable value 0 (the caller then uses its own back-off).
long retryAfterSeconds(std::string_view value, std::time_t now);

// A POST of a JSON body with this Authorization header value: the providers' send calls.
HttpAnswer postJson(const std::string& url, const std::string& authorization, std::string body, long timeout_ms);

// How a failed media download is reported to the media fetcher: TooLarge over the limit,
// Unavailable (try again later) for the network, 429 and 5xx, NotFound (give up) otherwise.
core::Error mediaFetchError(const HttpAnswer& answer, const std::string& what);

}  // namespace parley::channels
