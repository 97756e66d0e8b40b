#include "channels/common/file_limits.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace parley::channels {

std::string baseMediaType(std::string_view content_type) {
  std::string_view declared = content_type.substr(0, content_type.find(';'));
  while (!declared.empty() && (declared.back() == ' ' || declared.back() == '\t')) declared.remove_suffix(1);
  while (!declared.empty() && (declared.front() == ' ' || declared.front() == '\t')) declared.remove_prefix(1);
  std::string out(declared);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string describeSize(std::int64_t bytes) {
  constexpr std::int64_t kKb = 1024, kMb = 1024 * 1024;
  char out[32];
  if (bytes < kKb) {
    std::snprintf(out, sizeof out, "%lld bytes", static_cast<long long>(bytes));
  } else if (bytes < kMb) {
    // Rounded up: a file just over a limit of 100 KB must not read as "100 KB".
    std::snprintf(out, sizeof out, "%lld KB", static_cast<long long>((bytes + kKb - 1) / kKb));
  } else {
    const long long tenths = (bytes * 10 + kMb - 1) / kMb;
    std::snprintf(out, sizeof out, "%lld.%lld MB", tenths / 10, tenths % 10);
  }
  return out;
}

std::string describeFile(const std::string& filename, const std::string& content_type, std::int64_t bytes) {
  const std::string name = filename.empty() ? "the file" : "\"" + filename + "\"";
  return name + " (" + (content_type.empty() ? std::string("unknown type") : content_type) + ", " + describeSize(bytes) + ")";
}

core::Error fileTooLarge(const std::string& filename, const std::string& content_type, std::int64_t bytes,
                         std::string_view rule) {
  return core::makeError(core::ErrorCode::InvalidInput,
                         describeFile(filename, content_type, bytes) + " is too large for " + std::string(rule));
}

}  // namespace parley::channels
