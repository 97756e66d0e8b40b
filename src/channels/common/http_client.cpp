#include "channels/common/http_client.hpp"

#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <ctime>
#include <memory>
#include <utility>

#include "channels/common/bounded_sink.hpp"

namespace parley::channels {

namespace {

std::size_t onHeader(char* ptr, std::size_t size, std::size_t n, void* user) {
  auto* answer = static_cast<HttpAnswer*>(user);
  const std::string line(ptr, size * n);
  if (line.size() > 12 && strncasecmp(line.c_str(), "retry-after:", 12) == 0) {
    answer->retry_after_s = retryAfterSeconds(std::string_view(line).substr(12), std::time(nullptr));
  } else if (line.size() > 19 && strncasecmp(line.c_str(), "x-rate-limit-reset:", 19) == 0) {
    try {
      answer->rate_limit_reset_s = std::max(0L, std::stol(line.substr(19)));
    } catch (const std::exception&) {
      // Not a number: the caller falls back to Retry-After or its own back-off.
    }
  }
  return size * n;
}

}  // namespace

long retryAfterSeconds(std::string_view value, std::time_t now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r' || value.back() == '\n')) {
    value.remove_suffix(1);
  }
  if (value.empty()) return 0;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return 999'999'999;  // absurdly long: the outbox caps its wait anyway
    return std::stol(std::string(value));
  }
  // An HTTP date (IMF-fixdate, or the obsolete RFC 850 / asctime forms curl_getdate also reads).
  const std::time_t at = curl_getdate(std::string(value).c_str(), nullptr);
  if (at == -1 || at <= now) return 0;
  return static_cast<long>(at - now);
}

HttpAnswer performHttp(const HttpCall& call) {
  HttpAnswer answer;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    answer.error = "could not create an HTTP client";
    return answer;
  }
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(nullptr, curl_slist_free_all);
  for (const auto& [name, value] : call.headers) {
    headers.reset(curl_slist_append(headers.release(), (name + ": " + value).c_str()));
  }
  headers.reset(curl_slist_append(headers.release(), "Expect:"));  // no 100-continue round trip
  BoundedSink sink{&answer.body, call.max_response_bytes};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  std::unique_ptr<curl_mime, decltype(&curl_mime_free)> mime(nullptr, curl_mime_free);
  if (!call.multipart.empty()) {
    mime.reset(curl_mime_init(c));
    for (const auto& part : call.multipart) {
      curl_mimepart* p = curl_mime_addpart(mime.get());
      curl_mime_name(p, part.name.c_str());
      curl_mime_data(p, part.data.data(), part.data.size());
      if (!part.filename.empty()) curl_mime_filename(p, part.filename.c_str());
      if (!part.content_type.empty()) curl_mime_type(p, part.content_type.c_str());
    }
    curl_easy_setopt(c, CURLOPT_MIMEPOST, mime.get());
  } else if (call.method != "GET" && call.method != "HEAD") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, call.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, call.timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min(call.timeout_ms, 5000L));
  // Some provider hosts refuse a request without one (Meta's media downloads); libcurl sends none.
  curl_easy_setopt(c, CURLOPT_USERAGENT, "Parley/" PARLEY_VERSION);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, call.follow_redirects ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, BoundedSink::write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &answer);
  const CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &answer.status);
  answer.too_large = sink.overflow;
  answer.transport_ok = rc == CURLE_OK;
  if (rc != CURLE_OK && !sink.overflow) answer.error = curl_easy_strerror(rc);
  long request_bytes = 0;
  curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &request_bytes);
  answer.never_sent = rc != CURLE_OK && request_bytes == 0;
  return answer;
}

HttpAnswer postJson(const std::string& url, const std::string& authorization, std::string body, long timeout_ms) {
  HttpCall call;
  call.method = "POST";
  call.url = url;
  call.body = std::move(body);
  call.timeout_ms = timeout_ms;
  call.headers = {{"Authorization", authorization}, {"Content-Type", "application/json"}};
  return performHttp(call);
}

core::Error mediaFetchError(const HttpAnswer& answer, const std::string& what) {
  using core::ErrorCode;
  using core::makeError;
  if (answer.too_large) return makeError(ErrorCode::TooLarge, what + " is larger than the attachment limit");
  if (!answer.transport_ok) return makeError(ErrorCode::Unavailable, what + ": " + answer.error);
  if (answer.status == 429 || answer.status >= 500) {
    return makeError(ErrorCode::Unavailable, what + ": HTTP " + std::to_string(answer.status));
  }
  return makeError(ErrorCode::NotFound, what + ": HTTP " + std::to_string(answer.status) + " " + answer.body.substr(0, 200));
}

}  // namespace parley::channels
