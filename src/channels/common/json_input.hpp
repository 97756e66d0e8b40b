// Parsing JSON that came from outside (webhooks, API requests): bounded in size and depth, and
// every number finite. Boost.JSON reads 1e400 as infinity and would serialise it back as
// `Infinity`, which is not JSON, so a payload stored from such a document could never be read
// again; no field of ours or of any provider is that large.
#pragma once

#include <boost/json/value.hpp>

#include <cstddef>
#include <string_view>

#include "core/result.hpp"

namespace parley::channels {

// TooLarge over max_bytes; InvalidInput for malformed JSON (invalid UTF-8 in strings included),
// nesting deeper than max_depth, or a number out of range.
core::Result<boost::json::value> parseUntrustedJson(std::string_view body, std::size_t max_bytes, std::size_t max_depth);

// True when no number in the document is infinite or NaN. Iterative: no recursion on input.
bool finiteNumbers(const boost::json::value& root);

}  // namespace parley::channels
