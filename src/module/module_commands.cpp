#include "module/module_commands.hpp"

#include "module/admin_commands.hpp"

#include "config/settings.hpp"
#include "runtime/logger.hpp"
#include "store/database.hpp"
#include "store/database_url.hpp"
#include "store/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <memory>

namespace chainbot {
namespace {

constexpr std::array<module_command_spec, 8> specs{{
    {"migrate", "migrate", "apply the pending database migrations (like `alembic upgrade head`)"},
    {"migrate", "migrate --status", "show the schema version, the latest one and the pending migrations"},
    {"user", "user create NAME [--role R]... [--display-name D]", "create a user with roles (viewer, operator, developer, admin...)"},
    {"user", "user list", "list users with their roles"},
    {"token", "token issue USER [--name N] [--expires-days D]", "issue an API token for a user (name or id); the secret is shown once"},
    {"token", "token list [USER]", "list API tokens (never their secrets)"},
    {"token", "token revoke TOKEN_ID", "revoke an API token"},
    {"help", "help", "list these commands"},
}};

std::string command_names() {
    std::string names;
    for (const auto& s : specs)
        if (names.find(s.name) == std::string::npos) names += fmt::format("{}{}", names.empty() ? "" : ", ", s.name);
    return names;
}

command_result help() {
    std::string text = "ChainBot commands (alex_os chainbot <command> [args]):\n";
    for (const auto& s : specs) text += fmt::format("  {:<50} {}\n", s.usage, s.description);
    return {0, text, ""};
}

}  // namespace

std::shared_ptr<store::database> open_command_store(const config::settings& settings, logger& log) {
    auto options = store::store_options::from(settings.database);
    // The store's own lines (applied migrations, retries) reach the host's log; its errors
    // do not, as the command reports them itself on stderr.
    options.log = [&log](log_level level, std::string_view message) {
        if (level < log_level::error && log.enabled(level)) log.write(level, "store", message);
    };
    return store::database::open(std::move(options));
}

namespace {

std::shared_ptr<store::database> open_store(const config::settings& settings, logger& log) {
    return open_command_store(settings, log);
}

// True when the URL names an SQLite file that does not exist yet: --status must not create it.
bool sqlite_file_missing(const config::settings& settings) {
    const auto target = store::parse_database_url(settings.database.url);
    if (target.backend != store::backend_kind::sqlite || target.sqlite_path.empty() || target.sqlite_path[0] == ':')
        return false;
    std::error_code ec;
    return !std::filesystem::exists(target.sqlite_path, ec);
}

command_result migrate_status(const config::settings& settings, logger& log) {
    const int latest = store::database::latest_version();
    int current = 0;
    std::string database = store::parse_database_url(settings.database.url).masked_url;
    if (!sqlite_file_missing(settings)) {
        auto db = open_store(settings, log);
        database = db->masked_url();
        current = db->current_version();
        if (current > latest) {
            try {
                db->require_current_schema();
            } catch (const store::schema_too_new& e) {
                return {1, "", fmt::format("migrate --status: {}\n", e.what())};
            }
        }
    }
    std::string out = fmt::format("database {}\n  schema version:     {}\n  latest version:     {}\n", database, current,
                                  latest);
    std::vector<std::string> pending;
    for (const auto& m : store::builtin_migrations())
        if (m.version > current) pending.push_back(fmt::format("{} {}", m.version, m.name));
    out += fmt::format("  pending migrations: {}\n", pending.size());
    for (const auto& p : pending) out += fmt::format("    {}\n", p);
    if (!pending.empty()) out += "run `alex_os chainbot migrate` to apply them\n";
    return {0, out, ""};
}

command_result migrate_apply(const config::settings& settings, logger& log) {
    // As at start: the default SQLite database lives in the data folder, which may not exist yet.
    std::error_code ec;
    std::filesystem::create_directories(settings.module.data_dir, ec);
    if (ec)
        return {1, "", fmt::format("migrate: module.data_dir: cannot create {}: {}\n", settings.module.data_dir,
                                   ec.message())};
    auto db = open_store(settings, log);
    const auto result = db->migrate();
    if (result.applied.empty())
        return {0,
                fmt::format("database {} is up to date at schema version {}; nothing to do\n", db->masked_url(),
                            result.to_version),
                ""};
    std::string out;
    for (const auto& name : result.applied) out += fmt::format("applied migration {}\n", name);
    out += fmt::format("database {} migrated from schema version {} to {}\n", db->masked_url(), result.from_version,
                       result.to_version);
    return {0, out, ""};
}

command_result migrate(const std::vector<std::string>& args, const config::settings& settings, logger& log) {
    bool status = false;
    for (const auto& a : args) {
        if (a == "--status") {
            status = true;
            continue;
        }
        return {2, "", fmt::format("migrate: unexpected argument '{}'\nusage: migrate [--status]\n", a)};
    }
    try {
        return status ? migrate_status(settings, log) : migrate_apply(settings, log);
    } catch (const std::exception& e) {
        // Unreachable database, schema newer than this build, a migration that failed
        // (rolled back whole): the command ran and failed; the host shows why.
        return {1, "", fmt::format("migrate{}: {}\n", status ? " --status" : "", e.what())};
    }
}

}  // namespace

std::span<const module_command_spec> module_command_specs() noexcept { return specs; }

command_result run_module_command(std::string_view command, const std::vector<std::string>& args,
                                  const config::settings& settings, logger& log) {
    if (command == "migrate") return migrate(args, settings, log);
    if (command == "user") return user_command(args, settings, log);
    if (command == "token") return token_command(args, settings, log);
    if (command == "help") {
        if (!args.empty()) return {2, "", fmt::format("help: unexpected argument '{}'\nusage: help\n", args.front())};
        return help();
    }
    throw command_error(fmt::format("ChainBot has no command '{}'; its commands: {} (`help` lists them)", command,
                                    command_names()));
}

}  // namespace chainbot
