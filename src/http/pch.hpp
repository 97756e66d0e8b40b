// Precompiled header for the HTTP layer: Beast, Asio and Boost.JSON are slow to parse (~40 s a
// file), so they are parsed once for all of src/http.
#pragma once
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <boost/url.hpp>
