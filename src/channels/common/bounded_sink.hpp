// A libcurl write callback that keeps at most `limit` bytes: beyond it the transfer is aborted
// and `overflow` is set, so no answer from a server can grow without bound in memory.
#pragma once

#include <cstddef>
#include <string>

namespace parley::channels {

struct BoundedSink {
  std::string* out;
  std::size_t limit;
  bool overflow = false;

  // Pass as CURLOPT_WRITEFUNCTION with the sink as CURLOPT_WRITEDATA.
  static std::size_t write(char* data, std::size_t size, std::size_t n, void* user) {
    auto* sink = static_cast<BoundedSink*>(user);
    const std::size_t bytes = size * n;
    if (sink->out->size() + bytes > sink->limit) {
      sink->overflow = true;
      return 0;  // aborts the transfer
    }
    sink->out->append(data, bytes);
    return bytes;
  }
};

}  // namespace parley::channels
