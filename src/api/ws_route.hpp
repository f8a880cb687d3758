#pragma once
#include "api/api_context.hpp"

#include <memory>

namespace chainbot::ws {
class hub;
}

namespace chainbot::api {

/// @brief GET /api/chainbot/ws (chainbot:read): upgrades to the WebSocket feed of live
/// events (protocol in src/ws/protocol.hpp and the README). The token comes as for every
/// route, or as ?access_token= (browsers cannot set headers on a WebSocket request);
/// ?topics=a,b subscribes at connect. A request that is no WebSocket upgrade gets 426.
/// Creates the feed, stores it in ctx.ws and returns it; the caller starts and stops it.
std::shared_ptr<ws::hub> add_ws_route(api_context& ctx);

}  // namespace chainbot::api
