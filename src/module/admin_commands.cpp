#include "module/admin_commands.hpp"

#include "audit/time_text.hpp"
#include "config/settings.hpp"
#include "security/permissions.hpp"
#include "store/database.hpp"
#include "store/errors.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <charconv>
#include <filesystem>

namespace chainbot {

namespace {

constexpr const char* cli_user = "cli";

command_result usage_error(const std::string& what, const char* usage) {
    return {2, "", fmt::format("{}\nusage: {}\n", what, usage)};
}

void audit(store::database& db, const std::string& action, const std::string& resource, boost::json::object meta) {
    store::new_audit_entry e;
    e.user_id = cli_user;
    e.action = action;
    e.resource = resource;
    e.client = "alex_os chainbot (command line)";
    e.metadata = boost::json::serialize(meta);
    db.audit().append(e);
}

// A user by id or by name.
std::optional<store::user> find_user(store::database& db, const std::string& who) {
    if (auto u = db.users().get(who)) return u;
    return db.users().find_by_name(who);
}

std::string roles_text(store::database& db, const std::string& user_id) {
    std::string out;
    for (const auto& r : db.users().roles_of(user_id)) out += (out.empty() ? "" : ",") + r;
    return out.empty() ? "-" : out;
}

std::string when(const std::optional<store::time_point>& t) { return t ? audit::to_iso8601(*t) : "-"; }

command_result user_create(const std::vector<std::string>& args, store::database& db) {
    static constexpr auto usage = "user create NAME [--role R]... [--display-name D]";
    std::string name, display;
    std::vector<std::string> roles;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if ((args[i] == "--role" || args[i] == "--display-name") && i + 1 >= args.size())
            return usage_error(fmt::format("user create: {} needs a value", args[i]), usage);
        if (args[i] == "--role") roles.push_back(args[++i]);
        else if (args[i] == "--display-name") display = args[++i];
        else if (!args[i].starts_with("--") && name.empty()) name = args[i];
        else return usage_error(fmt::format("user create: unexpected argument '{}'", args[i]), usage);
    }
    if (name.empty()) return usage_error("user create: the user's NAME is missing", usage);
    security::seed_default_roles(db);  // a store never started has no roles yet
    for (const auto& r : roles)
        if (!db.roles().get(r)) {
            std::string known;
            for (const auto& k : db.roles().list()) known += (known.empty() ? "" : ", ") + k.name;
            return {1, "", fmt::format("user create: --role: no role '{}' (roles: {})\n", r, known)};
        }
    if (db.users().find_by_name(name)) return {1, "", fmt::format("user create: a user named '{}' exists already\n", name)};
    // The user and its roles together, or nothing.
    const auto user = db.in_transaction([&](store::transaction& tx) {
        auto u = tx.users().create({name, display.empty() ? name : display, ""});
        for (const auto& r : roles) tx.users().assign_role(u.id, r);
        return u;
    });
    boost::json::array role_list;
    for (const auto& r : roles) role_list.push_back(boost::json::value(r));
    audit(db, "user.create", "users/" + user.id, {{"name", name}, {"roles", std::move(role_list)}});
    return {0, fmt::format("created user {} ({}) with roles {}\n", user.name, user.id, roles_text(db, user.id)), ""};
}

command_result user_list(store::database& db) {
    std::string out = fmt::format("{:<38} {:<20} {:<9} {}\n", "ID", "NAME", "DISABLED", "ROLES");
    for (std::size_t offset = 0;; offset += 500) {
        auto batch = db.users().list({500, offset});
        for (const auto& u : batch)
            out += fmt::format("{:<38} {:<20} {:<9} {}\n", u.id, u.name, u.disabled ? "yes" : "no", roles_text(db, u.id));
        if (batch.size() < 500) break;
    }
    return {0, out, ""};
}

command_result token_issue(const std::vector<std::string>& args, store::database& db) {
    static constexpr auto usage = "token issue USER [--name N] [--expires-days D]";
    std::string who, name = "cli";
    std::optional<store::time_point> expires;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if ((args[i] == "--name" || args[i] == "--expires-days") && i + 1 >= args.size())
            return usage_error(fmt::format("token issue: {} needs a value", args[i]), usage);
        if (args[i] == "--name") {
            name = args[++i];
        } else if (args[i] == "--expires-days") {
            const auto& v = args[++i];
            int days = 0;
            auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), days);
            if (ec != std::errc{} || end != v.data() + v.size() || days < 1 || days > 36500)
                return usage_error(fmt::format("token issue: --expires-days: '{}' is not a number of days from 1 to 36500", v),
                                   usage);
            expires = std::chrono::time_point_cast<store::time_point::duration>(std::chrono::system_clock::now() + std::chrono::hours(24 * days));
        } else if (!args[i].starts_with("--") && who.empty()) {
            who = args[i];
        } else {
            return usage_error(fmt::format("token issue: unexpected argument '{}'", args[i]), usage);
        }
    }
    if (who.empty()) return usage_error("token issue: the USER (name or id) is missing", usage);
    auto user = find_user(db, who);
    if (!user) return {1, "", fmt::format("token issue: no user '{}' (by id or name; `user list` shows them)\n", who)};
    if (user->disabled) return {1, "", fmt::format("token issue: user '{}' is disabled\n", user->name)};
    const auto issued = db.tokens().issue(user->id, name, expires);
    audit(db, "token.issue", "tokens/" + issued.token.id,
          {{"user", user->name}, {"name", name}, {"expires_at", when(issued.token.expires_at)}});
    return {0,
            fmt::format("issued token {} for {} (roles {}), expires {}\n"
                        "secret (shown only now; send it as 'Authorization: Bearer <secret>'):\n{}\n",
                        issued.token.id, user->name, roles_text(db, user->id), when(issued.token.expires_at), issued.secret),
            ""};
}

command_result token_list(const std::vector<std::string>& args, store::database& db) {
    if (args.size() > 2) return usage_error(fmt::format("token list: unexpected argument '{}'", args[2]), "token list [USER]");
    std::optional<std::string> user_id;
    if (args.size() == 2) {
        auto user = find_user(db, args[1]);
        if (!user) return {1, "", fmt::format("token list: no user '{}'\n", args[1])};
        user_id = user->id;
    }
    std::string out = fmt::format("{:<38} {:<38} {:<16} {:<25} {:<25} {}\n", "ID", "USER", "NAME", "CREATED", "EXPIRES",
                                  "STATE");
    const auto now = std::chrono::time_point_cast<store::time_point::duration>(std::chrono::system_clock::now());
    for (const auto& t : db.tokens().list(user_id))
        out += fmt::format("{:<38} {:<38} {:<16} {:<25} {:<25} {}\n", t.id, t.user_id, t.name, audit::to_iso8601(t.created_at),
                           when(t.expires_at), t.revoked_at ? "revoked" : t.active(now) ? "active" : "expired");
    return {0, out, ""};
}

command_result token_revoke(const std::vector<std::string>& args, store::database& db) {
    if (args.size() != 2) return usage_error("token revoke: give exactly one TOKEN_ID", "token revoke TOKEN_ID");
    auto token = db.tokens().get(args[1]);
    if (!token) return {1, "", fmt::format("token revoke: no token '{}' (`token list` shows them)\n", args[1])};
    if (token->revoked_at) return {0, fmt::format("token {} was already revoked\n", token->id), ""};
    db.tokens().revoke(token->id);
    audit(db, "token.revoke", "tokens/" + token->id, {{"user_id", token->user_id}});
    return {0, fmt::format("revoked token {}\n", token->id), ""};
}

// The store as the module would find it at start: the data folder made, the schema
// migrated when database.auto_migrate allows, else required to be current.
std::shared_ptr<store::database> ready_store(const config::settings& settings, logger& log) {
    std::filesystem::create_directories(settings.module.data_dir);
    auto db = open_command_store(settings, log);
    if (settings.database.auto_migrate) db->migrate();
    else db->require_current_schema();
    return db;
}

template <typename F>
command_result guarded(const char* what, F&& f) {
    try {
        return f();
    } catch (const std::exception& e) {
        return {1, "", fmt::format("{}: {}\n", what, e.what())};
    }
}

}  // namespace

command_result user_command(const std::vector<std::string>& args, const config::settings& settings, logger& log) {
    if (args.empty() || (args[0] != "create" && args[0] != "list"))
        return usage_error(args.empty() ? "user: create or list?" : fmt::format("user: unknown subcommand '{}'", args[0]),
                           "user create NAME [--role R]... | user list");
    return guarded("user", [&] {
        auto db = ready_store(settings, log);
        if (args[0] == "list") {
            if (args.size() > 1) return usage_error(fmt::format("user list: unexpected argument '{}'", args[1]), "user list");
            return user_list(*db);
        }
        return user_create(args, *db);
    });
}

command_result token_command(const std::vector<std::string>& args, const config::settings& settings, logger& log) {
    static constexpr auto usage = "token issue USER [--name N] [--expires-days D] | token list [USER] | token revoke TOKEN_ID";
    if (args.empty() || (args[0] != "issue" && args[0] != "list" && args[0] != "revoke"))
        return usage_error(args.empty() ? "token: issue, list or revoke?" : fmt::format("token: unknown subcommand '{}'", args[0]),
                           usage);
    return guarded("token", [&] {
        auto db = ready_store(settings, log);
        if (args[0] == "issue") return token_issue(args, *db);
        if (args[0] == "list") return token_list(args, *db);
        return token_revoke(args, *db);
    });
}

}  // namespace chainbot
