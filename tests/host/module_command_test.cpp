// `alex_os <module-id> <command> [args...]` (ALEX ABI 1.1 run_command): with the fakes,
// and end to end with the real libchainbot.so running its `migrate` command.
#include "host_test_support.hpp"

#include <catch2/catch.hpp>

using host_test::make_module_dir;
using host_test::run_alex_os;
using host_test::temp_dir;

namespace {

// modules/fake is an ABI 1.0 module, modules/fake12 one of a newer minor (1.9) with the commands ping and fail.
struct command_fixture {
    temp_dir work;
    std::filesystem::path modules = work / "modules";
    std::filesystem::path home = work / "home";
    command_fixture() {
        make_module_dir(modules, "fake", FAKE_GOOD);
        make_module_dir(modules, "fake12", FAKE_MINOR12);
    }
    host_test::process_result run(std::vector<std::string> args) {
        args.insert(args.begin(), {"--modules-dir", modules.string(), "--home", home.string()});
        return run_alex_os(work, args);
    }
};

// alex_os with the real module of this build, its data in `data`.
host_test::process_result run_chainbot(const temp_dir& work, const std::filesystem::path& data,
                                       std::vector<std::string> args) {
    args.insert(args.begin(), {"--modules-dir", CHAINBOT_BINARY_DIR "/bin/modules", "--home", (work / "home").string(),
                               "--set", "chainbot.module.data_dir=" + data.string()});
    return run_alex_os(work, args);
}

}  // namespace

TEST_CASE("module_command.runs_a_command_and_passes_its_exit_code", "[host][cli][command]") {
    command_fixture f;
    auto r = f.run({"fake12", "ping", "--loud", "x"});  // --loud is the command's, not the host's
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "pong\n");
    r = f.run({"fake12", "fail"});
    CHECK(r.exit_code == 3);
    CHECK(r.out.empty());
    CHECK(r.err == "fake: failed on purpose\n");
}

TEST_CASE("module_command.unknown_commands_modules_and_options", "[host][cli][command]") {
    command_fixture f;
    auto r = f.run({"fake12", "nosuch"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("alex_os: module fake12: run_command failed: fake: unknown command; "
                                      "commands: ping, fail [ALEX_ERR_INVALID_ARGUMENT]"));
    r = f.run({"ghost", "migrate"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("'ghost' is neither a command nor a known module") &&
                          Catch::Contains("usage: alex_os") && Catch::Contains("<module-id> <command>"));
    r = f.run({"fake12", "ping", "--watch", "x"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--watch is an option of run only"));
    r = f.run({"fake12", "ping", "--set", "fake.api.port=1"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("module 'fake' given in --config or --set is not the module of this command"));
    r = f.run({"module", "list", "--set", "fake.api.port=1"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--set is an option of run and of module commands only"));
    r = f.run({"fake12", "ping", "--help"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::StartsWith("usage: alex_os") && Catch::Contains("alex_os chainbot migrate --status"));
}

TEST_CASE("module_command.an_abi_1_0_module_offers_no_commands", "[host][cli][command]") {
    command_fixture f;
    const auto r = f.run({"fake", "ping"});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("module fake (ABI 1.0) offers no commands"));
    CHECK(r.out.empty());
}

TEST_CASE("module_command.chainbot_migrate_end_to_end", "[host][cli][command][e2e]") {
    temp_dir work;
    const auto data = work / "data";
    auto r = run_chainbot(work, data, {"chainbot", "migrate"});
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(std::filesystem::is_regular_file(data / "chainbot.db"));
    CHECK_THAT(r.out, Catch::Contains("applied migration 1 ") &&
                          Catch::Contains("database sqlite://" + (data / "chainbot.db").string() +
                                          " migrated from schema version 0 to "));
    CHECK(r.err.empty());  // the module's info lines stay below the default warning level

    r = run_chainbot(work, data, {"chainbot", "migrate"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("is up to date") && Catch::Contains("nothing to do"));

    r = run_chainbot(work, data, {"chainbot", "migrate", "--status"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("pending migrations: 0"));

    r = run_chainbot(work, data, {"chainbot", "help"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("migrate --status") && Catch::Contains("help"));

    r = run_chainbot(work, data, {"chainbot", "nosuch"});
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.err, Catch::Contains("no command 'nosuch'") && Catch::Contains("migrate, user, token, help"));
}

TEST_CASE("module_command.chainbot_migrate_reports_an_unreachable_database", "[host][cli][command][e2e]") {
    temp_dir work;
    // A folder where the database file should be: SQLite cannot open it.
    std::filesystem::create_directories(work / "data/chainbot.db");
    const auto r = run_chainbot(work, work / "data", {"chainbot", "migrate"});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::StartsWith("migrate: "));
    CHECK(r.out.empty());
}

TEST_CASE("module_command.chainbot_users_and_tokens_end_to_end", "[host][cli][command][e2e]") {
    temp_dir work;
    const auto data = work / "data";
    auto r = run_chainbot(work, data, {"chainbot", "user", "create", "ops", "--role", "operator"});
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("created user ops") && Catch::Contains("roles operator"));
    r = run_chainbot(work, data, {"chainbot", "user", "create", "ops"});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("exists already"));
    r = run_chainbot(work, data, {"chainbot", "user", "create", "x", "--role", "wizard"});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("no role 'wizard'") && Catch::Contains("viewer"));
    r = run_chainbot(work, data, {"chainbot", "user", "list"});
    CHECK_THAT(r.out, Catch::Contains("ops") && Catch::Contains("operator"));

    r = run_chainbot(work, data, {"chainbot", "token", "issue", "ops", "--name", "ci", "--expires-days", "30"});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("issued token") && Catch::Contains("shown only now"));
    const auto secret = r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1);
    CHECK(secret.size() > 20);
    const auto id_start = r.out.find("issued token ") + 13;
    const auto token_id = r.out.substr(id_start, r.out.find(' ', id_start) - id_start);

    r = run_chainbot(work, data, {"chainbot", "token", "list", "ops"});
    CHECK_THAT(r.out, Catch::Contains(token_id) && Catch::Contains("active") && Catch::Contains("ci"));
    CHECK(r.out.find(secret.substr(0, secret.size() - 1)) == std::string::npos);  // never the secret again
    r = run_chainbot(work, data, {"chainbot", "token", "issue", "nobody"});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("no user 'nobody'"));
    r = run_chainbot(work, data, {"chainbot", "token", "issue", "ops", "--expires-days", "soon"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--expires-days"));

    r = run_chainbot(work, data, {"chainbot", "token", "revoke", token_id});
    CHECK(r.exit_code == 0);
    r = run_chainbot(work, data, {"chainbot", "token", "list"});
    CHECK_THAT(r.out, Catch::Contains("revoked"));
    r = run_chainbot(work, data, {"chainbot", "token", "revoke", "no-such-token"});
    CHECK(r.exit_code == 1);
}
