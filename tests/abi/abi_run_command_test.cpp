// ABI 1.1 run_command through dlopen: `migrate`, `migrate --status` and `help` on a
// stopped module, the errors a host can meet, and an ABI 1.0 host that knows no commands.
#include "test_host.hpp"

#include <chainbot/module.hpp>

#include "store/database.hpp"
#include "store/options.hpp"

#include "support/temp_dir.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <string>

using namespace chainbot::test;

namespace {

struct reply {
    int32_t status = -1;
    int exit_code = -1;
    std::string output;
    std::string error;
};

struct module_under_test {
    loaded_library lib;
    alex_module_api api{};
    alex_module* module = nullptr;
    module_under_test() {
        api.struct_size = sizeof api;
        char err[256] = "";
        REQUIRE(lib.create()(ALEX_ABI_VERSION, &api, &module, err, sizeof err) == ALEX_OK);
        REQUIRE(ALEX_HAS_MEMBER(alex_module_api, &api, run_command));
    }
    ~module_under_test() {
        if (module) api.destroy(&module);
    }
    reply run(const std::string& command_json) {
        reply r;
        char* json = nullptr;
        r.status = api.run_command(module, command_json.c_str(), &json);
        if (r.status != ALEX_OK) {
            CHECK(json == nullptr);
            return r;
        }
        REQUIRE(json != nullptr);
        const auto doc = boost::json::parse(json).as_object();
        api.free_string(json);
        r.exit_code = static_cast<int>(doc.at("exit_code").as_int64());
        r.output = std::string(doc.at("output").as_string());
        r.error = std::string(doc.at("error").as_string());
        return r;
    }
};

const int latest = chainbot::store::database::latest_version();

}  // namespace

TEST_CASE("ABI run_command: help lists the commands", "[abi][command]") {
    temp_dir dir;
    module_under_test m;
    REQUIRE(m.api.initialize(m.module, nullptr, config_for(dir).c_str()) == ALEX_OK);
    const auto r = m.run(R"({"command": "help"})");
    REQUIRE(r.status == ALEX_OK);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("migrate") && Catch::Contains("migrate --status") && Catch::Contains("help"));
    CHECK(r.error.empty());
}

TEST_CASE("ABI run_command: migrate creates the schema on a fresh data dir and is idempotent", "[abi][command]") {
    temp_dir dir;
    recording_host host;
    auto services = host.table();
    module_under_test m;
    REQUIRE(m.api.initialize(m.module, &services, config_for(dir).c_str()) == ALEX_OK);
    const auto db_file = dir.path() / "chainbot.db";

    // --status on a fresh data dir reports everything pending and creates nothing.
    auto r = m.run(R"({"command": "migrate", "args": ["--status"]})");
    REQUIRE(r.status == ALEX_OK);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("pending migrations: " + std::to_string(latest)));
    CHECK_FALSE(std::filesystem::exists(db_file));

    r = m.run(R"({"command": "migrate", "args": []})");
    REQUIRE(r.status == ALEX_OK);
    INFO("output: " << r.output << "error: " << r.error);
    CHECK(r.exit_code == 0);
    CHECK(std::filesystem::is_regular_file(db_file));
    CHECK_THAT(r.output, Catch::Contains("sqlite://" + db_file.string()) &&
                             Catch::Contains("from schema version 0 to " + std::to_string(latest)));

    r = m.run(R"({"command": "migrate"})");  // "args" may be left out
    REQUIRE(r.status == ALEX_OK);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("up to date at schema version " + std::to_string(latest)) &&
                             Catch::Contains("nothing to do"));

    r = m.run(R"({"command": "migrate", "args": ["--status"]})");
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("schema version:     " + std::to_string(latest)) &&
                             Catch::Contains("pending migrations: 0"));

    r = m.run(R"({"command": "migrate", "args": ["--bogus"]})");
    REQUIRE(r.status == ALEX_OK);  // the command ran and reported its usage
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.error, Catch::Contains("--bogus") && Catch::Contains("usage: migrate [--status]"));

    // After the command the module still starts, on the schema the command created.
    REQUIRE(m.api.start(m.module) == ALEX_OK);
    REQUIRE(m.api.stop(m.module) == ALEX_OK);
}

TEST_CASE("ABI run_command: a schema newer than the module fails with exit code 1", "[abi][command]") {
    temp_dir dir;
    {
        // Another, newer ChainBot migrated this database one version further.
        auto migrations = chainbot::store::builtin_migrations();
        migrations.push_back({latest + 1, "from the future", {"CREATE TABLE future_things (id INTEGER)"},
                              {"CREATE TABLE future_things (id INTEGER)"}});
        chainbot::store::store_options options;
        options.url = "sqlite://" + (dir.path() / "chainbot.db").string();
        chainbot::store::database::open(options)->migrate(migrations);
    }
    module_under_test m;
    REQUIRE(m.api.initialize(m.module, nullptr, config_for(dir).c_str()) == ALEX_OK);
    auto r = m.run(R"({"command": "migrate"})");
    REQUIRE(r.status == ALEX_OK);
    CHECK(r.exit_code == 1);
    CHECK(r.output.empty());
    CHECK_THAT(r.error, Catch::Contains("schema version " + std::to_string(latest + 1) + " is newer"));
    r = m.run(R"({"command": "migrate", "args": ["--status"]})");
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.error, Catch::Contains("is newer"));
}

TEST_CASE("ABI run_command: an unreachable database is exit code 1 with the reason", "[abi][command]") {
    temp_dir dir;
    module_under_test m;
    const std::string config = R"({"api": {"port": 0}, "module": {"data_dir": ")" + dir.str() +
                               R"("}, "database": {"url": "postgresql://chainbot:s3cret@127.0.0.1:1/chainbot"}})";
    REQUIRE(m.api.initialize(m.module, nullptr, config.c_str()) == ALEX_OK);
    const auto r = m.run(R"({"command": "migrate"})");
    REQUIRE(r.status == ALEX_OK);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.error, Catch::StartsWith("migrate: "));
    CHECK_THAT(r.error, !Catch::Contains("s3cret"));
}

TEST_CASE("ABI run_command: unknown commands, bad JSON, wrong state and null pointers", "[abi][command]") {
    temp_dir dir;
    module_under_test m;
    char* json = reinterpret_cast<char*>(0x1);

    // Before initialize.
    CHECK(m.api.run_command(m.module, R"({"command": "help"})", &json) == ALEX_ERR_STATE);
    CHECK(json == nullptr);
    CHECK_THAT(m.api.last_error(m.module), Catch::Contains("not initialized"));

    REQUIRE(m.api.initialize(m.module, nullptr, config_for(dir).c_str()) == ALEX_OK);
    CHECK(m.run(R"({"command": "nosuch"})").status == ALEX_ERR_INVALID_ARGUMENT);
    CHECK_THAT(m.api.last_error(m.module), Catch::Contains("nosuch") && Catch::Contains("migrate") &&
                                               Catch::Contains("help"));
    CHECK(m.run("not json").status == ALEX_ERR_INVALID_ARGUMENT);
    CHECK_THAT(m.api.last_error(m.module), Catch::Contains("JSON"));
    CHECK(m.run(R"({"args": []})").status == ALEX_ERR_INVALID_ARGUMENT);
    CHECK(m.run(R"({"command": "migrate", "args": [1]})").status == ALEX_ERR_INVALID_ARGUMENT);
    CHECK_THAT(m.api.last_error(m.module), Catch::Contains("args"));

    // Null pointers.
    CHECK(m.api.run_command(nullptr, R"({"command": "help"})", &json) == ALEX_ERR_INVALID_ARGUMENT);
    CHECK(m.api.run_command(m.module, nullptr, &json) == ALEX_ERR_INVALID_ARGUMENT);
    CHECK_THAT(m.api.last_error(m.module), Catch::Contains("command_json is NULL"));
    CHECK(m.api.run_command(m.module, R"({"command": "help"})", nullptr) == ALEX_ERR_INVALID_ARGUMENT);

    // While running.
    REQUIRE(m.api.start(m.module) == ALEX_OK);
    CHECK(m.run(R"({"command": "migrate"})").status == ALEX_ERR_STATE);
    CHECK_THAT(m.api.last_error(m.module), Catch::Contains("running"));
    REQUIRE(m.api.stop(m.module) == ALEX_OK);
    CHECK(m.run(R"({"command": "help"})").status == ALEX_OK);  // stopped again: commands work
}

TEST_CASE("ABI run_command: an ABI 1.0 host's shorter table is filled up to its struct_size", "[abi][command]") {
    constexpr std::size_t v1_0_size = offsetof(alex_module_api, run_command);
    // A 1.0 host's table, with a canary right after it that the module must not touch.
    struct alignas(alex_module_api) host_memory {
        unsigned char table[v1_0_size];
        unsigned char canary[64];
    };
    static_assert(offsetof(host_memory, canary) == v1_0_size);
    host_memory memory;
    std::memset(memory.table, 0, sizeof memory.table);
    std::memset(memory.canary, 0xA5, sizeof memory.canary);
    auto* api = reinterpret_cast<alex_module_api*>(memory.table);
    api->struct_size = static_cast<uint32_t>(v1_0_size);

    temp_dir dir;
    loaded_library lib;
    alex_module* module = nullptr;
    char err[256] = "";
    REQUIRE(lib.create()(ALEX_MAKE_ABI_VERSION(1, 0), api, &module, err, sizeof err) == ALEX_OK);
    CHECK(api->struct_size == v1_0_size);
    CHECK(api->abi_version == ALEX_ABI_VERSION);
    CHECK(ALEX_HAS_MEMBER(alex_module_api, api, destroy));
    CHECK_FALSE(ALEX_HAS_MEMBER(alex_module_api, api, run_command));
    for (unsigned char byte : memory.canary) REQUIRE(byte == 0xA5);

    // The 1.0 lifecycle works as before.
    REQUIRE(api->initialize(module, nullptr, config_for(dir).c_str()) == ALEX_OK);
    REQUIRE(api->start(module) == ALEX_OK);
    REQUIRE(api->stop(module) == ALEX_OK);
    api->destroy(&module);
    CHECK(module == nullptr);
    for (unsigned char byte : memory.canary) CHECK(byte == 0xA5);
}

TEST_CASE("C++ embedding: run_command throws for the wrong state and unknown commands", "[abi][cpp][command]") {
    temp_dir dir;
    chainbot::chainbot_module module;
    CHECK_THROWS_AS(module.run_command("help", {}), chainbot::state_error);
    module.initialize({}, config_for(dir));
    const auto help = module.run_command("help", {});
    CHECK(help.exit_code == 0);
    CHECK_THAT(help.output, Catch::Contains("migrate"));
    CHECK_THROWS_AS(module.run_command("nosuch", {}), chainbot::command_error);
    const auto migrated = module.run_command("migrate", {});
    CHECK(migrated.exit_code == 0);
    module.start();
    CHECK_THROWS_AS(module.run_command("migrate", {}), chainbot::state_error);
    module.stop();
}
