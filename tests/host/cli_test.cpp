// Runs the built alex_os binary against a temporary modules folder holding the fake module.
#include "host_test_support.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <spawn.h>

using host_test::make_module_dir;
using host_test::run_alex_os;
using host_test::temp_dir;

namespace {

// A work folder with modules/fake (the fake module + manifest + default.yaml) and home/.
struct cli_fixture {
    temp_dir work;
    std::filesystem::path modules = work / "modules";
    std::filesystem::path home = work / "home";
    std::filesystem::path fake_dir;
    cli_fixture() {
        fake_dir = make_module_dir(modules, "fake", FAKE_GOOD, R"(, "default_config": "default.yaml")");
        host_test::write_file(fake_dir / "default.yaml", "api:\n  port: 8000\n");
    }
    host_test::process_result run(std::vector<std::string> args, const std::string& input = "") {
        args.insert(args.begin(), {"--modules-dir", modules.string(), "--home", home.string()});
        return run_alex_os(work, args, input);
    }
};

}  // namespace

TEST_CASE("cli.help_and_usage_errors", "[host][cli]") {
    temp_dir work;
    auto r = run_alex_os(work, {"--help"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::StartsWith("usage: alex_os") && Catch::Contains("module register"));
    r = run_alex_os(work, {"run", "--help"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::StartsWith("usage: alex_os run") && Catch::Contains("--watch PATTERN"));
    r = run_alex_os(work, {"help", "module", "info"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::StartsWith("usage: alex_os module info <id>"));

    struct bad {
        std::vector<std::string> args;
        const char* message;
    };
    for (const auto& b : std::vector<bad>{
             {{}, "no command given"},
             {{"frobnicate"}, "unknown command 'frobnicate'"},
             {{"module"}, "module: which one?"},
             {{"module", "explode"}, "unknown module command 'explode'"},
             {{"module", "info"}, "module info needs an id"},
             {{"module", "list", "extra"}, "unexpected argument 'extra'"},
             {{"module", "list", "--watch", "x"}, "--watch is an option of run only"},
             {{"run", "--bogus"}, "unknown option '--bogus'"},
             {{"run", "--config"}, "option '--config' needs a value"},
             {{"run", "--log-level", "loud"}, "--log-level loud"},
             {{"run", "--console=yes"}, "takes no value"},
             {{"run", "--watch", ""}, "--watch needs a non-empty topic pattern"},
         }) {
        r = run_alex_os(work, b.args);
        INFO("args: " << b.args.size() << " stderr: " << r.err);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains(b.message) && Catch::Contains("usage: alex_os"));
        CHECK(r.out.empty());
    }
}

TEST_CASE("cli.module_list_register_unregister", "[host][cli]") {
    cli_fixture f;
    auto r = f.run({"module", "list"});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::StartsWith("ID    STATE       VERSION  ABI  PATH\n"));
    CHECK_THAT(r.out, Catch::Contains("fake  discovered  1.2.3    1.0  " + f.fake_dir.string()));

    r = f.run({"module", "register", "fake"});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("registered fake (" + f.fake_dir.string() + ")"));
    CHECK_THAT(host_test::read_file(f.home / "modules.json"), Catch::Contains("\"id\": \"fake\""));
    r = f.run({"module", "list"});
    CHECK_THAT(r.out, Catch::Contains("fake  registered  1.2.3"));

    // A module outside the modules folder, registered by path.
    const auto other = make_module_dir(f.work / "elsewhere", "other", FAKE_GOOD);
    r = f.run({"module", "register", other.string()});
    REQUIRE(r.exit_code == 0);
    r = f.run({"module", "list"});
    CHECK_THAT(r.out, Catch::Contains("other  registered  1.2.3    1.0  " + other.string()));

    r = f.run({"module", "register", "nosuch"});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("module 'nosuch' not found in " + f.modules.string()));

    r = f.run({"module", "unregister", "fake"});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "unregistered fake\n");
    r = f.run({"module", "unregister", "fake"});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("module 'fake' is not registered"));
    r = f.run({"module", "list"});
    CHECK_THAT(r.out, Catch::Contains("fake   discovered"));
}

TEST_CASE("cli.module_list_warns_about_bad_manifests", "[host][cli]") {
    cli_fixture f;
    host_test::write_file(f.modules / "broken/module.json", R"({"id": "broken", "abi_version": "1.0"})");
    const auto r = f.run({"module", "list"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("warning: " + (f.modules / "broken/module.json").string() +
                                      ": missing required key \"library\""));
    CHECK_THAT(r.out, Catch::Contains("fake"));
}

TEST_CASE("cli.module_info", "[host][cli]") {
    cli_fixture f;
    auto r = f.run({"module", "info", "fake"});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::StartsWith("{\n  \"id\": \"fake\",\n  \"name\": \"Fake\",\n"));
    CHECK_THAT(r.out, Catch::Contains("  \"capabilities\": [\n    \"ping\"\n  ],"));
    r = f.run({"module", "info", "nosuch"});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("module 'nosuch' not found"));

    // An incompatible module is refused with both versions named.
    make_module_dir(f.modules, "newer", FAKE_ABI2);
    r = f.run({"module", "info", "newer"});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("module libnewer.so speaks ALEX ABI 2.0, this host speaks 1.2"));
}

TEST_CASE("cli.run_with_console_watch_config_and_set", "[host][cli]") {
    cli_fixture f;
    const std::string script =
        "get fake.api.port\n"
        "set fake.readonly 1\n"
        "set fake.level 2\n"
        "publish fake.ping {\"n\": 1}\n"
        "modules\n"
        "quit\n";
    const auto r = f.run({"run", "--watch", "fake.*", "--set", "fake.api.port=8001", "--config", "fake=extra.yaml",
                          "--console"},
                         script);
    INFO("stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    const std::string config = R"({"api":{"port":8001},"default_config":")" + (f.fake_dir / "default.yaml").string() +
                               R"(","config_files":[")" + (f.work / "extra.yaml").string() + R"("]})";
    CHECK_THAT(r.out, Catch::Contains("fake.module.started {\"config\":" + config + "}\n"));
    CHECK_THAT("\n" + r.out, Catch::Contains("\n8001\n"));  // --set is also a host config key
    CHECK_THAT(r.out, Catch::Contains("rejected: fake.readonly was not changed [ALEX_ERR_CONFIG]\n"));
    CHECK_THAT(r.out, Catch::Contains("fake.config.changed {\"key\":\"fake.level\",\"value\":2}\n"));
    CHECK_THAT(r.out, Catch::Contains("fake.pong {\"n\":1}\n"));
    CHECK_THAT(r.out, Catch::Contains("fake status=running health=1.00\n"));
    CHECK_THAT(r.out, Catch::Contains("fake.module.stopped {}\n"));  // stopping is watched too
    CHECK_THAT(r.err, Catch::Contains("INFO [fake] fake initialized"));
}

TEST_CASE("cli.run_fails_with_the_module_message", "[host][cli]") {
    cli_fixture f;
    auto r = f.run({"run", "--set", "fake.fail_initialize=true", "--console"}, "quit\n");
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("alex_os: module fake: initialize failed: fake: initialize refused: "
                                      "fail_initialize is set [ALEX_ERR_CONFIG]"));
    r = f.run({"run", "--set", "fake.fail_start=1", "--console"}, "quit\n");
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("module fake: start failed: fake: cannot start"));
    r = f.run({"run", "--set", "ghost.x=1", "--console"}, "quit\n");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("module 'ghost' given in --config or --set is not known"));
}

TEST_CASE("cli.run_stops_cleanly_on_sigterm", "[host][cli]") {
    cli_fixture f;
    const auto out_file = f.work / "run.out";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, (f.work / "run.err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const std::string modules = f.modules.string();
    const std::string home = f.home.string();
    std::vector<const char*> argv{ALEX_OS_BINARY, "--modules-dir", modules.c_str(), "--home", home.c_str(),
                                  "run",          "--watch",       "fake.module.*", nullptr};
    pid_t pid = 0;
    REQUIRE(posix_spawn(&pid, ALEX_OS_BINARY, &actions, nullptr, const_cast<char* const*>(argv.data()), environ) == 0);
    posix_spawn_file_actions_destroy(&actions);

    const bool started = host_test::eventually(
        [&] { return host_test::read_file(out_file).find("fake.module.started") != std::string::npos; });
    ::kill(pid, SIGTERM);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(started);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK_THAT(host_test::read_file(out_file), Catch::EndsWith("fake.module.stopped {}\n"));
    CHECK_THAT(host_test::read_file(f.work / "run.err"), Catch::Contains("signal 15 received"));
    // The allocator the build links (ALEX_OS_JEMALLOC) serves the process, with the options of
    // host/main.cpp's malloc_conf (which jemalloc only sees if the executable exports it).
#ifdef ALEX_OS_EXPECT_JEMALLOC
    CHECK_THAT(host_test::read_file(f.work / "run.err"), Catch::Contains("memory allocator: jemalloc "));
    if (std::getenv("MALLOC_CONF") == nullptr)  // which overrides malloc_conf
        CHECK_THAT(host_test::read_file(f.work / "run.err"), Catch::Contains(", 2 arenas; SIGINT"));
#else
    CHECK_THAT(host_test::read_file(f.work / "run.err"), Catch::Contains("memory allocator: the C library's malloc"));
#endif
}
