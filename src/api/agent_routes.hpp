#pragma once
/// @file agent_routes.hpp
/// @brief REST routes of agents (/api/chainbot/agents) and entanglements
/// (/api/chainbot/entanglements, with members and messages). Added only when the
/// backends carry a spawner (and an entanglement manager).

#include "api/api_context.hpp"

namespace chainbot::api {

void add_agent_routes(api_context& ctx);

}  // namespace chainbot::api
