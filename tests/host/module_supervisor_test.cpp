#include "config_manager.hpp"
#include "console.hpp"
#include "event_bus.hpp"
#include "host_test_support.hpp"
#include "log_sink.hpp"
#include "module_manifest.hpp"
#include "module_supervisor.hpp"

#include <alex_module.h>
#include <catch2/catch.hpp>

#include <mutex>
#include <sstream>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct host_fixture {
    std::ostringstream log_text;
    alex_os::log_sink log{log_text, ALEX_LOG_DEBUG};
    alex_os::event_bus bus{&log};
    alex_os::config_manager config{&log};
    std::mutex mutex;
    std::vector<std::string> events;
    host_fixture() {
        bus.subscribe("fake.*", [this](const std::string& t, const std::string& j) {
            std::lock_guard lock(mutex);
            events.push_back(t + " " + j);
        });
    }
    bool saw(const std::string& line) {
        std::lock_guard lock(mutex);
        return std::find(events.begin(), events.end(), line) != events.end();
    }
};

alex_os::module_manifest manifest_for(const std::string& id) {
    auto path = std::filesystem::path(FAKE_GOOD);
    return alex_os::module_manifest::parse(
        R"({"id": ")" + id + R"(", "library": ")" + path.filename().string() + R"(", "abi_version": "1.0"})",
        path.parent_path() / "module.json");
}

}  // namespace

TEST_CASE("module_supervisor.runs_a_module_with_host_services", "[host][supervisor]") {
    host_fixture f;
    alex_os::module_supervisor modules(f.bus, f.config, f.log);
    modules.load(manifest_for("fake"));
    modules.initialize_all([](const alex_os::module_manifest&) { return std::string(R"({"api":{"port":8001}})"); });
    modules.start_all();
    REQUIRE(f.bus.wait_idle(5s));
    CHECK(f.saw(R"(fake.module.started {"config":{"api":{"port":8001}}})"));
    CHECK(f.log_text.str().find("INFO [fake] fake initialized") != std::string::npos);

    // The module's C watcher vetoes one key and hears the other.
    CHECK(f.config.set("fake.readonly", "1") == ALEX_ERR_CONFIG);
    CHECK_FALSE(f.config.get("fake.readonly"));
    CHECK(f.config.set("fake.level", "2") == ALEX_OK);
    // And its C subscription answers.
    f.bus.publish("fake.ping", R"({"n":1})");
    REQUIRE(f.bus.wait_idle(5s));
    CHECK(f.saw(R"(fake.config.changed {"key":"fake.level","value":2})"));
    CHECK(f.saw(R"(fake.pong {"n":1})"));

    alex_os::console console(f.config, f.bus, modules);
    CHECK(console.execute("modules").text == "fake status=running health=1.00\n");

    CHECK(modules.stop_all());
    modules.destroy_all();
    CHECK(modules.size() == 0);
    CHECK(f.bus.subscriber_count() == 1);  // only the fixture's own
    CHECK(f.config.set("fake.readonly", "1") == ALEX_OK);  // the module's watcher is gone
}

TEST_CASE("module_supervisor.start_failure_stops_those_started", "[host][supervisor]") {
    host_fixture f;
    alex_os::module_supervisor modules(f.bus, f.config, f.log);
    modules.load(manifest_for("first"));
    modules.load(manifest_for("second"));
    modules.initialize_all([](const alex_os::module_manifest& m) {
        return m.id == "second" ? std::string(R"({"fail_start":true})") : std::string("{}");
    });
    CHECK_THROWS_WITH(modules.start_all(),
                      Catch::Contains("module second: start failed: fake: cannot start: fail_start is set"));
    const auto report = modules.report();
    REQUIRE(report.size() == 2);
    CHECK(report[0].status == "stopped");  // first was started, then stopped again
    CHECK(report[1].status == "stopped");
    REQUIRE(f.bus.wait_idle(5s));
    CHECK(f.saw("fake.module.stopped {}"));
}

TEST_CASE("module_supervisor.initialize_failure_names_the_module", "[host][supervisor]") {
    host_fixture f;
    alex_os::module_supervisor modules(f.bus, f.config, f.log);
    modules.load(manifest_for("fake"));
    CHECK_THROWS_WITH(
        modules.initialize_all([](const alex_os::module_manifest&) { return std::string(R"({"fail_initialize":1})"); }),
        Catch::StartsWith("module fake: initialize failed: fake: initialize refused"));
    auto missing = manifest_for("ghost");
    missing.library = "libghost.so";
    CHECK_THROWS_WITH(modules.load(missing), Catch::StartsWith("module ghost: module library") &&
                                                 Catch::Contains("libghost.so not found"));
}

TEST_CASE("console.commands", "[host][console]") {
    host_fixture f;
    alex_os::module_supervisor modules(f.bus, f.config, f.log);
    alex_os::console console(f.config, f.bus, modules);
    f.config.watch("locked.", [](const std::string&, const std::string&) { return ALEX_ERR_CONFIG; });

    CHECK(console.execute("set chainbot.api.port 8001").text == "ok\n");
    CHECK(console.execute("get chainbot.api.port").text == "8001\n");
    CHECK(console.execute("set a.b {\"x\": [1, 2]}").text == "ok\n");  // JSON may hold spaces
    CHECK(console.execute("get a.b").text == "{\"x\":[1,2]}\n");
    CHECK(console.execute("get nope").text == "nope is not set\n");
    CHECK(console.execute("set locked.k 1").text == "rejected: locked.k was not changed [ALEX_ERR_CONFIG]\n");
    CHECK_THAT(console.execute("set a.b {oops").text, Catch::StartsWith("error: ") && Catch::Contains("not valid JSON"));
    CHECK(console.execute("publish fake.hello {\"a\": 1}").text == "ok\n");
    CHECK_THAT(console.execute("publish fake.hello nope").text, Catch::StartsWith("error: not valid JSON"));
    CHECK(console.execute("modules").text == "no modules\n");
    CHECK_THAT(console.execute("frobnicate").text, Catch::Contains("unknown command 'frobnicate'"));
    CHECK_THAT(console.execute("set onlykey").text, Catch::StartsWith("error: usage: set"));
    CHECK(console.execute("   ").text.empty());
    CHECK(console.execute("# comment").text.empty());
    CHECK_FALSE(console.execute("help").quit);
    CHECK(console.execute("quit").quit);
    REQUIRE(f.bus.wait_idle(5s));
    CHECK(f.saw(R"(fake.hello {"a":1})"));
}
