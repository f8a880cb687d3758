#pragma once
// The permissions of the API and the roles that bundle them. A route declares one
// permission; a principal holds the union of its roles' permissions; chainbot:admin
// implies every permission.
//
// Roles live in the store's role repository, so an admin can change them at run time
// (PUT /api/chainbot/admin/roles/{name}). On the first start, when the store holds no
// role at all, the four default roles below are written; later starts leave the roles
// alone, so a role an admin changed or deleted stays that way.

#include "store/user_repository.hpp"

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace chainbot::store {
class database;
}

namespace chainbot::security::permission {

inline constexpr std::string_view read = "chainbot:read";
inline constexpr std::string_view workflow_execute = "chainbot:workflow:execute";
inline constexpr std::string_view workflow_create = "chainbot:workflow:create";
inline constexpr std::string_view workflow_delete = "chainbot:workflow:delete";
inline constexpr std::string_view agent_spawn = "chainbot:agent:spawn";
inline constexpr std::string_view agent_terminate = "chainbot:agent:terminate";
inline constexpr std::string_view entanglement_manage = "chainbot:entanglement:manage";
inline constexpr std::string_view admin = "chainbot:admin";

/// @brief What a route declares when it needs no token at all (health, openapi.json).
inline constexpr std::string_view public_access = "public";

/// @brief Exactly the eight permissions, in documentation order.
inline constexpr std::array<std::string_view, 8> all{read,        workflow_execute, workflow_create,
                                                     workflow_delete, agent_spawn,  agent_terminate,
                                                     entanglement_manage, admin};

}  // namespace chainbot::security::permission

namespace chainbot::security {

/// @brief One of permission::all.
bool is_known_permission(std::string_view p) noexcept;

/// @brief True when `held` contains `needed` or chainbot:admin. An unknown `needed` (a
/// typo in a route table) is therefore granted to admins only: it fails closed.
bool grants(const std::vector<std::string>& held, std::string_view needed) noexcept;

/// @brief viewer {read}; operator {read, workflow:execute, agent:spawn, agent:terminate};
/// developer {operator + workflow:create, workflow:delete, entanglement:manage}; admin {admin}.
/// Permissions sorted, as the store keeps them.
std::vector<store::role> default_roles();

/// @brief Writes default_roles() when the store has no role yet; true when it did.
bool seed_default_roles(store::database& db);

}  // namespace chainbot::security
