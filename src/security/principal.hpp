#pragma once
// Who is calling: the user a bearer token belongs to, with the roles and permissions
// that user holds now.

#include "security/permissions.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace chainbot::security {

struct principal {
    std::string user_id;
    std::string user_name;
    std::string token_id;
    std::vector<std::string> roles;        // sorted
    std::vector<std::string> permissions;  // sorted union of the roles' permissions

    /// @brief Holds `p` or chainbot:admin.
    bool has(std::string_view p) const noexcept { return grants(permissions, p); }
};

}  // namespace chainbot::security
