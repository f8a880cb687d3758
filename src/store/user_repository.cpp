#include "store/user_repository.hpp"

#include "store/crypto.hpp"
#include "store/errors.hpp"
#include "store/runner.hpp"
#include "store/sql.hpp"

#include <fmt/format.h>

namespace chainbot::store {

namespace {

using detail::access;
using detail::connection;

struct user_row {
    static constexpr std::string_view columns = "id, name, display_name, disabled, created_at, updated_at";
    std::string id, name, display_name;
    int disabled = 0;
    long long created_at = 0, updated_at = 0;
    void bind(soci::statement& st) {
        st.exchange(soci::into(id));
        st.exchange(soci::into(name));
        st.exchange(soci::into(display_name));
        st.exchange(soci::into(disabled));
        st.exchange(soci::into(created_at));
        st.exchange(soci::into(updated_at));
    }
    user record() const {
        return {id, name, display_name, disabled != 0, detail::from_db(created_at), detail::from_db(updated_at)};
    }
};

struct role_row {
    std::string name, description;
    void bind(soci::statement& st) {
        st.exchange(soci::into(name));
        st.exchange(soci::into(description));
    }
    role record() const { return {name, description, {}}; }
};

std::string select_users() { return fmt::format("SELECT {} FROM users", user_row::columns); }

bool user_exists(connection& c, const std::string& id) {
    return detail::query_int(c, "SELECT count(*) FROM users WHERE id = :id", soci::use(id)).value_or(0) > 0;
}

std::vector<std::string> permissions_of_role(connection& c, const std::string& role_name) {
    return detail::query_rows<detail::text_row>(
        c, "SELECT permission FROM role_permissions WHERE role_name = :r ORDER BY permission", soci::use(role_name));
}

}  // namespace

user user_repository::create(const new_user& n) {
    user u{n.id.empty() ? new_uuid() : n.id, n.name, n.display_name, false, now(), now()};
    u.updated_at = u.created_at;
    runner_->call(access::write, [&](connection& c) {
        if (detail::query_int(c, "SELECT count(*) FROM users WHERE name = :n", soci::use(u.name)).value_or(0) > 0)
            throw store_conflict(fmt::format("a user named \"{}\" exists already", u.name));
        const long long at = detail::to_db(u.created_at);
        detail::exec(c,
                     "INSERT INTO users (id, name, display_name, disabled, created_at, updated_at) "
                     "VALUES (:id, :n, :d, 0, :c, :u)",
                     soci::use(u.id), soci::use(u.name), soci::use(u.display_name), soci::use(at), soci::use(at));
    });
    return u;
}

std::optional<user> user_repository::get(const std::string& id) {
    return runner_->call(access::read, [&](connection& c) {
        return detail::query_row<user_row>(c, select_users() + " WHERE id = :id", soci::use(id));
    });
}

std::optional<user> user_repository::find_by_name(const std::string& name) {
    return runner_->call(access::read, [&](connection& c) {
        return detail::query_row<user_row>(c, select_users() + " WHERE name = :n", soci::use(name));
    });
}

std::vector<user> user_repository::list(const page& p) {
    return runner_->call(access::read, [&](connection& c) {
        detail::filter none;
        return detail::query_filtered<user_row>(c, select_users(), none, " ORDER BY name", p);
    });
}

void user_repository::set_disabled(const std::string& id, bool disabled) {
    runner_->call(access::write, [&](connection& c) {
        const int flag = disabled ? 1 : 0;
        const long long at = detail::to_db(now());
        if (detail::exec(c, "UPDATE users SET disabled = :d, updated_at = :u WHERE id = :id", soci::use(flag),
                         soci::use(at), soci::use(id)) == 0)
            throw store_not_found(fmt::format("user {} not found", id));
    });
}

void user_repository::remove(const std::string& id) {
    runner_->call(access::write, [&](connection& c) {
        if (detail::exec(c, "DELETE FROM users WHERE id = :id", soci::use(id)) == 0)
            throw store_not_found(fmt::format("user {} not found", id));
    });
}

void user_repository::assign_role(const std::string& user_id, const std::string& role_name) {
    runner_->call(access::write, [&](connection& c) {
        if (!user_exists(c, user_id)) throw store_not_found(fmt::format("user {} not found", user_id));
        if (detail::query_int(c, "SELECT count(*) FROM roles WHERE name = :n", soci::use(role_name)).value_or(0) == 0)
            throw store_not_found(fmt::format("role {} not found", role_name));
        detail::exec(c,
                     "INSERT INTO user_roles (user_id, role_name) VALUES (:u, :r) "
                     "ON CONFLICT (user_id, role_name) DO NOTHING",
                     soci::use(user_id), soci::use(role_name));
    });
}

bool user_repository::unassign_role(const std::string& user_id, const std::string& role_name) {
    return runner_->call(access::write, [&](connection& c) {
        return detail::exec(c, "DELETE FROM user_roles WHERE user_id = :u AND role_name = :r", soci::use(user_id),
                            soci::use(role_name)) > 0;
    });
}

std::vector<std::string> user_repository::roles_of(const std::string& user_id) {
    return runner_->call(access::read, [&](connection& c) {
        return detail::query_rows<detail::text_row>(c, "SELECT role_name FROM user_roles WHERE user_id = :u ORDER BY role_name",
                                            soci::use(user_id));
    });
}

std::vector<std::string> user_repository::permissions_of(const std::string& user_id) {
    return runner_->call(access::read, [&](connection& c) {
        return detail::query_rows<detail::text_row>(c,
                                            "SELECT DISTINCT p.permission FROM role_permissions p "
                                            "JOIN user_roles r ON r.role_name = p.role_name "
                                            "WHERE r.user_id = :u ORDER BY p.permission",
                                            soci::use(user_id));
    });
}

void role_repository::put(const role& r) {
    runner_->call(access::write, [&](connection& c) {
        const long long at = detail::to_db(now());
        detail::exec(c,
                     "INSERT INTO roles (name, description, created_at, updated_at) VALUES (:n, :d, :c, :u) "
                     "ON CONFLICT (name) DO UPDATE SET description = excluded.description, "
                     "updated_at = excluded.updated_at",
                     soci::use(r.name), soci::use(r.description), soci::use(at), soci::use(at));
        detail::exec(c, "DELETE FROM role_permissions WHERE role_name = :n", soci::use(r.name));
        for (const auto& permission : r.permissions)
            detail::exec(c,
                         "INSERT INTO role_permissions (role_name, permission) VALUES (:n, :p) "
                         "ON CONFLICT (role_name, permission) DO NOTHING",
                         soci::use(r.name), soci::use(permission));
    });
}

std::optional<role> role_repository::get(const std::string& name) {
    return runner_->call(access::read, [&](connection& c) {
        auto r = detail::query_row<role_row>(c, "SELECT name, description FROM roles WHERE name = :n", soci::use(name));
        if (r) r->permissions = permissions_of_role(c, r->name);
        return r;
    });
}

std::vector<role> role_repository::list() {
    return runner_->call(access::read, [&](connection& c) {
        auto roles = detail::query_rows<role_row>(c, "SELECT name, description FROM roles ORDER BY name");
        for (auto& r : roles) r.permissions = permissions_of_role(c, r.name);
        return roles;
    });
}

bool role_repository::remove(const std::string& name) {
    return runner_->call(access::write, [&](connection& c) {
        return detail::exec(c, "DELETE FROM roles WHERE name = :n", soci::use(name)) > 0;
    });
}

}  // namespace chainbot::store
