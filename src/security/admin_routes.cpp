#include "security/admin_routes.hpp"

#include "security/permissions.hpp"

#include "audit/audit_routes.hpp"
#include "audit/time_text.hpp"
#include "http/router.hpp"
#include "security/access_guard.hpp"
#include "store/database.hpp"
#include "store/errors.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>

namespace chainbot::security {

namespace json = boost::json;

namespace {

constexpr std::int64_t max_token_lifetime_seconds = 10LL * 366 * 24 * 3600;

[[noreturn]] void invalid(const std::string& path, const std::string& message) {
    throw http::http_error(400, "validation_error", path + ": " + message,
                           json::array{json::object{{"path", path}, {"message", message}}});
}

json::object body_of(const http::request& req) {
    if (req.body.empty()) return {};
    boost::system::error_code ec;
    auto v = json::parse(req.body, ec);
    if (ec) throw http::http_error(400, "invalid_json", "the body is not valid JSON: " + ec.message());
    if (!v.is_object()) invalid("$", "expected a JSON object");
    return std::move(v.as_object());
}

std::optional<std::string> string_field(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_string()) invalid("$." + std::string(key), "expected a string");
    return std::string(v->get_string());
}

// User and role names: 1 to 64 of [A-Za-z0-9._@-], so they read safely in logs and paths.
std::string checked_name(std::string name, const std::string& path) {
    const bool ok = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '@' || c == '-';
    });
    if (!ok) invalid(path, "expected 1 to 64 characters of letters, digits, '.', '_', '@' or '-'");
    return name;
}

std::vector<std::string> string_list(const json::object& o, std::string_view key) {
    std::vector<std::string> out;
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return out;
    const std::string path = "$." + std::string(key);
    if (!v->is_array()) invalid(path, "expected an array of strings");
    for (std::size_t i = 0; i < v->get_array().size(); ++i) {
        const auto& item = v->get_array()[i];
        if (!item.is_string()) invalid(path + "[" + std::to_string(i) + "]", "expected a string");
        out.emplace_back(item.get_string());
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

void require_roles_exist(store::repository_set& repos, const std::vector<std::string>& roles) {
    for (std::size_t i = 0; i < roles.size(); ++i)
        if (!repos.roles().get(roles[i])) invalid("$.roles[" + std::to_string(i) + "]", "no role named '" + roles[i] + "'");
}

json::value time_or_null(const std::optional<store::time_point>& t) {
    return t ? json::value(audit::to_iso8601(*t)) : json::value(nullptr);
}

json::array strings(const std::vector<std::string>& v) { return json::array(v.begin(), v.end()); }

json::object user_json(const store::user& u, const std::vector<std::string>& roles) {
    return {{"id", u.id},           {"name", u.name}, {"display_name", u.display_name}, {"disabled", u.disabled},
            {"roles", strings(roles)}, {"created_at", audit::to_iso8601(u.created_at)}};
}

// Never the hash: it is as good as the secret for an offline guess against a weak token.
json::object token_json(const store::api_token& t) {
    return {{"id", t.id},
            {"user_id", t.user_id},
            {"name", t.name},
            {"created_at", audit::to_iso8601(t.created_at)},
            {"expires_at", time_or_null(t.expires_at)},
            {"last_used_at", time_or_null(t.last_used_at)},
            {"revoked_at", time_or_null(t.revoked_at)},
            {"active", t.active(store::now())}};
}

json::object role_json(const store::role& r) {
    return {{"name", r.name}, {"description", r.description}, {"permissions", strings(r.permissions)}};
}

http::response json_response(int status, const json::value& v) { return http::response::json(status, json::serialize(v)); }

store::page page_of(const http::request& req) {
    store::page p;
    for (auto [name, field] : {std::pair{"limit", &p.limit}, std::pair{"offset", &p.offset}}) {
        auto it = req.query.find(name);
        if (it == req.query.end()) continue;
        const auto& s = it->second;
        const auto r = std::from_chars(s.data(), s.data() + s.size(), *field);
        if (s.empty() || r.ec != std::errc{} || r.ptr != s.data() + s.size())
            throw http::http_error(400, "invalid_parameter", std::string("query parameter '") + name + "': expected a non-negative integer");
    }
    if (p.limit == 0 || p.limit > 1000) throw http::http_error(400, "invalid_parameter", "query parameter 'limit': expected 1 to 1000");
    return p;
}

// What a change handler tells the audit trail about itself.
struct audit_note {
    std::string resource;
    json::object metadata;
};
using change_handler = std::function<http::response(http::request&, audit_note&)>;

// Runs a change and records it, whether it succeeded or threw.
std::function<http::response(http::request&)> audited(std::shared_ptr<audit::audit_trail> trail, std::string action,
                                                      change_handler fn) {
    return [trail, action, fn = std::move(fn)](http::request& req) {
        audit_note note{req.path, {}};
        try {
            auto res = fn(req, note);
            if (trail) trail->record(audit_record_for(req, action, note.resource, note.metadata, res.status < 400));
            return res;
        } catch (const std::exception& e) {
            note.metadata["error"] = e.what();
            if (trail) trail->record(audit_record_for(req, action, note.resource, note.metadata, false));
            throw;
        }
    };
}

}  // namespace

std::vector<admin_route> admin_routes(admin_backends b) {
    const std::string admin(permission::admin);
    const std::string base = "/api/chainbot/admin";
    auto store = b.store;
    auto auth = b.auth;
    auto trail = b.trail;
    std::vector<admin_route> routes;

    routes.push_back({"GET", base + "/users", admin, [store](http::request& req) {
        auto db = store();
        const auto p = page_of(req);
        json::array items;
        for (const auto& u : db->users().list(p)) items.push_back(user_json(u, db->users().roles_of(u.id)));
        return json_response(200, json::object{{"items", std::move(items)}, {"limit", p.limit}, {"offset", p.offset}});
    }, "List users with their roles"});

    routes.push_back({"POST", base + "/users", admin, audited(trail, "user.create", [store](http::request& req, audit_note& note) {
        const auto body = body_of(req);
        const auto name = checked_name(string_field(body, "name").value_or(""), "$.name");
        const auto display = string_field(body, "display_name").value_or(name);
        const auto roles = string_list(body, "roles");
        note.metadata = {{"name", name}, {"roles", strings(roles)}};
        const auto user = store()->in_transaction([&](store::transaction& tx) {
            require_roles_exist(tx, roles);
            auto u = tx.users().create({.name = name, .display_name = display});
            for (const auto& r : roles) tx.users().assign_role(u.id, r);
            return u;
        });
        note.resource = "users/" + user.id;
        return json_response(201, user_json(user, roles));
    }), "Create a user"});

    routes.push_back({"PUT", base + "/users/{id}/roles", admin, audited(trail, "user.roles", [store, auth](http::request& req, audit_note& note) {
        const auto id = req.params.at("id");
        note.resource = "users/" + id;
        const auto roles = string_list(body_of(req), "roles");
        note.metadata = {{"roles", strings(roles)}};
        const auto user = store()->in_transaction([&](store::transaction& tx) {
            auto u = tx.users().get(id);
            if (!u) throw store::store_not_found("no user '" + id + "'");
            require_roles_exist(tx, roles);
            for (const auto& r : tx.users().roles_of(id))
                if (!std::binary_search(roles.begin(), roles.end(), r)) tx.users().unassign_role(id, r);
            for (const auto& r : roles) tx.users().assign_role(id, r);
            return *u;
        });
        auth->invalidate_user(id);
        return json_response(200, user_json(user, roles));
    }), "Set a user's roles"});

    routes.push_back({"POST", base + "/users/{id}/tokens", admin, audited(trail, "token.issue", [store](http::request& req, audit_note& note) {
        const auto user_id = req.params.at("id");
        note.resource = "users/" + user_id;
        const auto body = body_of(req);
        const auto name = string_field(body, "name").value_or("api");
        std::optional<store::time_point> expires;
        if (const auto* v = body.if_contains("expires_in_seconds"); v && !v->is_null()) {
            const auto* n = v->if_int64();
            if (!n || *n <= 0 || *n > max_token_lifetime_seconds)
                invalid("$.expires_in_seconds", "expected a positive integer of at most ten years");
            expires = store::now() + std::chrono::seconds(*n);
        }
        const auto issued = store()->tokens().issue(user_id, name, expires);
        note.resource = "tokens/" + issued.token.id;
        note.metadata = {{"user_id", user_id}, {"name", name}, {"expires_at", time_or_null(expires)}};
        auto res = json_response(201, json::object{{"token", token_json(issued.token)}, {"secret", issued.secret}});
        res.headers.emplace_back("Cache-Control", "no-store");  // the secret is shown this once
        return res;
    }), "Issue an API token (the secret is returned once)"});

    routes.push_back({"GET", base + "/tokens", admin, [store](http::request& req) {
        std::optional<std::string> user;
        if (auto it = req.query.find("user_id"); it != req.query.end()) user = it->second;
        json::array items;
        for (const auto& t : store()->tokens().list(user)) items.push_back(token_json(t));
        return json_response(200, json::object{{"items", std::move(items)}});
    }, "List API tokens (never their secrets or hashes)"});

    routes.push_back({"DELETE", base + "/tokens/{id}", admin, audited(trail, "token.revoke", [store, auth](http::request& req, audit_note& note) {
        const auto id = req.params.at("id");
        note.resource = "tokens/" + id;
        auto db = store();
        const bool revoked = db->tokens().revoke(id);  // store_not_found: 404
        auth->invalidate_token(id);
        note.metadata = {{"already_revoked", !revoked}};
        return json_response(200, token_json(*db->tokens().get(id)));
    }), "Revoke an API token"});

    routes.push_back({"GET", base + "/roles", admin, [store](http::request&) {
        json::array items;
        for (const auto& r : store()->roles().list()) items.push_back(role_json(r));
        return json_response(200, json::object{{"items", std::move(items)}});
    }, "List roles and their permissions"});

    routes.push_back({"PUT", base + "/roles/{name}", admin, audited(trail, "role.put", [store, auth](http::request& req, audit_note& note) {
        const auto name = checked_name(req.params.at("name"), "name");
        note.resource = "roles/" + name;
        const auto body = body_of(req);
        const auto permissions = string_list(body, "permissions");
        for (std::size_t i = 0; i < permissions.size(); ++i)
            if (!is_known_permission(permissions[i]))
                invalid("$.permissions[" + std::to_string(i) + "]", "unknown permission '" + permissions[i] + "'");
        store::role role{name, string_field(body, "description").value_or(""), permissions};
        note.metadata = {{"permissions", strings(permissions)}};
        store()->roles().put(role);
        auth->invalidate_all();  // every holder of the role may gain or lose permissions
        return json_response(200, role_json(role));
    }), "Create or replace a role"});

    routes.push_back({"GET", std::string(audit::audit_route_pattern), admin, [trail](http::request& req) {
        if (!trail) throw http::http_error(503, "unavailable", "the audit trail is not available");
        return audit::list_audit(*trail, req);
    }, "Read the audit trail (filters: user, action, resource, success, since, until; paginated)"});

    return routes;
}

}  // namespace chainbot::security
