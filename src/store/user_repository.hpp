#pragma once
// Users, roles (named bundles of permissions) and which user has which role.

#include "store/types.hpp"

#include <optional>
#include <string>
#include <vector>

namespace chainbot::store {

namespace detail {
class runner;
}

struct user {
    std::string id;
    std::string name;  // unique
    std::string display_name;
    bool disabled = false;
    time_point created_at;
    time_point updated_at;
};

struct new_user {
    std::string name;
    std::string display_name;
    std::string id;  // generated when empty
};

struct role {
    std::string name;  // unique, e.g. viewer, operator, developer, admin
    std::string description;
    std::vector<std::string> permissions;  // e.g. chainbot:read, sorted
};

class user_repository {
public:
    explicit user_repository(detail::runner& r) : runner_(&r) {}

    /// @brief store_conflict when the name is taken.
    user create(const new_user& u);
    std::optional<user> get(const std::string& id);
    std::optional<user> find_by_name(const std::string& name);
    /// @brief By name.
    std::vector<user> list(const page& p = {});
    void set_disabled(const std::string& id, bool disabled);
    /// @brief Deletes the user with their role assignments and tokens. store_not_found when missing.
    void remove(const std::string& id);

    /// @brief store_not_found when the user or the role is missing; assigning twice is a no-op.
    void assign_role(const std::string& user_id, const std::string& role_name);
    /// @brief False when the user did not have the role.
    bool unassign_role(const std::string& user_id, const std::string& role_name);
    /// @brief The user's role names, sorted.
    std::vector<std::string> roles_of(const std::string& user_id);
    /// @brief The union of the permissions of the user's roles, sorted.
    std::vector<std::string> permissions_of(const std::string& user_id);

private:
    detail::runner* runner_;
};

class role_repository {
public:
    explicit role_repository(detail::runner& r) : runner_(&r) {}

    /// @brief Creates the role or replaces its description and permissions.
    void put(const role& r);
    std::optional<role> get(const std::string& name);
    /// @brief By name.
    std::vector<role> list();
    /// @brief Deletes the role and its assignments; false when it did not exist.
    bool remove(const std::string& name);

private:
    detail::runner* runner_;
};

}  // namespace chainbot::store
