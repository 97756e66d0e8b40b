// The bodies of the OpenAPI document: src/http/openapi_bodies.json, compiled in at build time
// (CMakeLists.txt writes it into a generated source as a raw string literal).
#pragma once

#include <string_view>

namespace parley::http {

// The JSON text of openapi_bodies.json: "schemas", "webhooks" and "operations".
extern const std::string_view kOpenApiBodies;

}  // namespace parley::http
