#include "host_test_support.hpp"
#include "module_error.hpp"
#include "module_instance.hpp"
#include "module_loader.hpp"

#include <alex_module.h>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

namespace {

// The module_error a load throws, or a failed test.
alex_os::module_error load_error(const alex_os::module_loader& loader, const std::filesystem::path& library) {
    try {
        (void)loader.load(library);
    } catch (const alex_os::module_error& e) {
        return e;
    }
    FAIL("loading " << library << " succeeded");
    return alex_os::module_error(ALEX_OK, "");
}

}  // namespace

TEST_CASE("module_loader.loads_and_drives_a_module", "[host][loader]") {
    auto module = alex_os::module_loader().load(FAKE_GOOD);
    CHECK(module->abi_version() == ALEX_MAKE_ABI_VERSION(1, 0));
    // An ABI 1.0 module fills the 1.0 table only: no run_command.
    CHECK(module->api_struct_size() == offsetof(alex_module_api, run_command));
    CHECK_FALSE(module->has_commands());
    CHECK(module->status() == "stopped");
    CHECK_NOTHROW(module->stop());  // stop before a successful start is not passed to the module
    module->initialize(nullptr, R"({"api":{"port":0}})");
    module->start();
    CHECK(module->running());
    CHECK(module->status() == "running");
    CHECK(module->health() == Approx(1.0));
    const auto info = boost::json::parse(module->info());
    CHECK(info.at("id").as_string() == "fake");
    CHECK(info.at("version").as_string() == "1.2.3");
    module->stop();
    CHECK_FALSE(module->running());
    CHECK(module->status() == "stopped");
    module->destroy();
    CHECK(module->status() == "destroyed");
    module->destroy();  // idempotent
}

TEST_CASE("module_loader.lifecycle_errors_carry_the_module_message", "[host][loader]") {
    auto module = alex_os::module_loader().load(FAKE_GOOD);
    try {
        module->start();
        FAIL("start before initialize succeeded");
    } catch (const alex_os::module_error& e) {
        CHECK(e.status() == ALEX_ERR_STATE);
        CHECK_THAT(e.what(), Catch::Contains("start failed: fake: start before initialize") &&
                                 Catch::Contains("ALEX_ERR_STATE"));
    }
    try {
        module->initialize(nullptr, R"({"fail_initialize":true})");
        FAIL("initialize succeeded");
    } catch (const alex_os::module_error& e) {
        CHECK(e.status() == ALEX_ERR_CONFIG);
        CHECK_THAT(e.what(), Catch::Contains("fake: initialize refused: fail_initialize is set"));
    }
    CHECK_FALSE(module->running());
}

TEST_CASE("module_loader.refuses_another_abi_major", "[host][loader][abi]") {
    const auto e = load_error(alex_os::module_loader(), FAKE_ABI2);
    CHECK(e.status() == ALEX_ERR_INCOMPATIBLE);
    CHECK_THAT(e.what(), Catch::Equals("module libfake_abi2.so speaks ALEX ABI 2.0, this host speaks 1.2"));
}

TEST_CASE("module_loader.module_refuses_a_host_of_another_major", "[host][loader][abi]") {
    const auto e = load_error(alex_os::module_loader(ALEX_MAKE_ABI_VERSION(2, 0)), FAKE_GOOD);
    CHECK(e.status() == ALEX_ERR_INCOMPATIBLE);
    CHECK_THAT(e.what(), Catch::Contains("libfake_good.so refused to load") &&
                             Catch::Contains("fake module speaks ALEX ABI 1.0, host speaks 2.0"));
    // A newer minor host is fine.
    CHECK_NOTHROW(alex_os::module_loader(ALEX_MAKE_ABI_VERSION(1, 7)).load(FAKE_GOOD));
}

TEST_CASE("module_loader.newer_minor_module_fills_only_what_the_host_knows", "[host][loader][abi]") {
    auto module = alex_os::module_loader().load(FAKE_MINOR12);
    CHECK(module->abi_version() == ALEX_MAKE_ABI_VERSION(1, 9));  // newer than this header
    // Its table has an extra trailing member; the host's view stays its own size.
    CHECK(module->api_struct_size() == sizeof(alex_module_api));
    CHECK(module->has_commands());
    module->initialize(nullptr, "{}");
    module->start();
    CHECK(module->health() == Approx(1.0));
    CHECK(boost::json::parse(module->info()).at("abi_version").as_string() == "1.9");
}

TEST_CASE("module_loader.commands_of_a_1_1_module_and_their_errors", "[host][loader][abi]") {
    auto module = alex_os::module_loader().load(FAKE_MINOR12);
    try {
        (void)module->run_command("ping", {});
        FAIL("run_command before initialize succeeded");
    } catch (const alex_os::module_error& e) {
        CHECK(e.status() == ALEX_ERR_STATE);
        CHECK_THAT(e.what(), Catch::Contains("run_command failed: fake: run_command before initialize"));
    }
    module->initialize(nullptr, "{}");
    auto reply = module->run_command("ping", {"--loud"});
    CHECK(reply.exit_code == 0);
    CHECK(reply.output == "pong\n");
    reply = module->run_command("fail", {});
    CHECK(reply.exit_code == 3);
    CHECK(reply.error == "fake: failed on purpose\n");
    try {
        (void)module->run_command("nosuch", {});
        FAIL("an unknown command succeeded");
    } catch (const alex_os::module_error& e) {
        CHECK(e.status() == ALEX_ERR_INVALID_ARGUMENT);
        CHECK_THAT(e.what(), Catch::Contains("commands: ping, fail"));
    }

    // A 1.0 module has no run_command: the host says so instead of calling past the table.
    auto old = alex_os::module_loader().load(FAKE_GOOD);
    old->initialize(nullptr, "{}");
    try {
        (void)old->run_command("ping", {});
        FAIL("run_command on a 1.0 module succeeded");
    } catch (const alex_os::module_error& e) {
        CHECK(e.status() == ALEX_ERR_INCOMPATIBLE);
        CHECK_THAT(e.what(), Catch::Contains("(ALEX ABI 1.0) offers no commands"));
    }
}

TEST_CASE("module_loader.refuses_a_table_larger_than_the_host_gave", "[host][loader][abi]") {
    const auto e = load_error(alex_os::module_loader(), FAKE_OVERSIZE);
    CHECK(e.status() == ALEX_ERR_INCOMPATIBLE);
    CHECK_THAT(e.what(), Catch::Contains("libfake_oversize.so") &&
                             Catch::Contains(std::to_string(sizeof(alex_module_api) + 64) + "-byte"));
}

TEST_CASE("module_loader.create_failure_surfaces_the_module_message", "[host][loader]") {
    const auto e = load_error(alex_os::module_loader(), FAKE_CREATE_FAILS);
    CHECK(e.status() == ALEX_ERR_RUNTIME);
    CHECK_THAT(e.what(), Catch::Contains("libfake_create_fails.so refused to load") &&
                             Catch::Contains("fake: cannot open /dev/fake0: no such device"));
}

TEST_CASE("module_loader.not_a_module_missing_or_corrupt", "[host][loader]") {
    const alex_os::module_loader loader;
    CHECK_THAT(load_error(loader, FAKE_NOT_A_MODULE).what(), Catch::Contains("does not export alex_module_create"));
    CHECK_THAT(load_error(loader, "/nonexistent/libnothing.so").what(),
               Catch::Contains("/nonexistent/libnothing.so not found"));
    host_test::temp_dir dir;
    host_test::write_file(dir / "libgarbage.so", "this is not an ELF file");
    CHECK_THAT(load_error(loader, dir / "libgarbage.so").what(),
               Catch::Contains("cannot load module library") && Catch::Contains("libgarbage.so"));
}
