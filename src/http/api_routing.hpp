// The routing API (docs/ROUTING.md): skills, queues, agents' and teams' routing profiles,
// routing rules, offers, transfers and the live queue figures; and the JSON of the routing
// events on the WebSocket stream.
#pragma once

#include <boost/json.hpp>

#include "app/events.hpp"

namespace parley::http {

class Router;
struct ApiDeps;

// Registered by addAllRoutes when ApiDeps::routing is set (it always is in `parley serve`).
void addRoutingRoutes(Router& router, ApiDeps& deps);

boost::json::object toJson(const app::RoutingOffer& offer);
boost::json::object toJson(const app::RoutingOfferRevoked& revoked);
boost::json::object toJson(const app::QueueStatsNotice& stats);

}  // namespace parley::http
