// The C ABI as a host sees it: libchainbot.so loaded with dlopen, driven through
// alex_module_api, with version negotiation both ways and bad arguments.
#include "test_host.hpp"

#include "support/http_get.hpp"
#include "support/temp_dir.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

using namespace chainbot::test;

extern "C" int alex_header_c99_check(void);  // header_c99.c, compiled as strict C99

namespace {

struct created {
    loaded_library lib;
    alex_module_api api{};
    alex_module* module = nullptr;
    created() {
        api.struct_size = sizeof api;
        char err[256] = "";
        REQUIRE(lib.create()(ALEX_ABI_VERSION, &api, &module, err, sizeof err) == ALEX_OK);
        REQUIRE(module != nullptr);
    }
    ~created() {
        if (module) api.destroy(&module);
    }
};

// "1.2": the version this header (and so the module) speaks.
const std::string abi_text =
    std::to_string(ALEX_ABI_VERSION_MAJOR) + "." + std::to_string(ALEX_ABI_VERSION_MINOR);

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("ABI lifecycle through dlopen: initialize, start, health, info, stop, destroy", "[abi]") {
    temp_dir dir;
    recording_host host;
    auto services = host.table();
    created c;
    CHECK(c.api.abi_version == ALEX_ABI_VERSION);
    CHECK(c.api.struct_size == sizeof(alex_module_api));
    CHECK(std::string(c.api.get_status(c.module)) == "stopped");

    REQUIRE(c.api.initialize(c.module, &services, config_for(dir).c_str()) == ALEX_OK);
    CHECK(std::string(c.api.get_status(c.module)) == "stopped");
    REQUIRE(c.api.start(c.module) == ALEX_OK);
    CHECK(std::string(c.api.get_status(c.module)) == "running");

    double score = -1;
    REQUIRE(c.api.health_check(c.module, &score) == ALEX_OK);
    CHECK(score == Approx(1.0));

    char* info = nullptr;
    REQUIRE(c.api.get_module_info(c.module, &info) == ALEX_OK);
    REQUIRE(info != nullptr);
    auto doc = boost::json::parse(info).as_object();
    c.api.free_string(info);
    CHECK(doc.at("id").as_string() == "chainbot");
    CHECK(doc.at("abi_version").as_string() == abi_text);
    CHECK(doc.at("commands").as_array().size() > 0);
    CHECK(doc.at("capabilities").as_array().size() > 0);
    CHECK(doc.at("endpoints").as_array().size() > 0);
    CHECK(doc.at("event_topics").as_array().size() > 0);
    const auto port = static_cast<unsigned short>(doc.at("api_port").as_int64());
    REQUIRE(port != 0);

    // The REST health endpoint answers over a real socket.
    auto reply = http_get(port, "/api/chainbot/health");
    CHECK(reply.status == 200);
    auto health = boost::json::parse(reply.body).as_object();
    CHECK(health.at("status").as_string() == "healthy");
    CHECK(health.at("components").as_object().contains("api"));

    REQUIRE(c.api.stop(c.module) == ALEX_OK);
    CHECK(std::string(c.api.get_status(c.module)) == "stopped");
    REQUIRE(c.api.health_check(c.module, &score) == ALEX_OK);
    CHECK(score == 0.0);
    CHECK_THROWS(http_get(port, "/api/chainbot/health"));  // the port is closed after stop

    // Start again after stop.
    REQUIRE(c.api.start(c.module) == ALEX_OK);
    CHECK(std::string(c.api.get_status(c.module)) == "running");
    c.api.destroy(&c.module);  // destroy stops a running module
    CHECK(c.module == nullptr);

    const auto topics = host.topics();
    CHECK(contains(topics, "chainbot.module.ready"));
    CHECK(contains(topics, "chainbot.module.stopped"));
    CHECK(host.watch_count() == 0);  // destroy released the config watch
}

TEST_CASE("ABI: the header's member checks work from C for both tables", "[abi]") {
    CHECK(alex_header_c99_check() == 1);
}

TEST_CASE("ABI refuses a host with another major version, naming both versions", "[abi]") {
    loaded_library lib;
    alex_module_api api{};
    api.struct_size = sizeof api;
    alex_module* module = reinterpret_cast<alex_module*>(0x1);
    char err[256] = "";
    CHECK(lib.create()(ALEX_MAKE_ABI_VERSION(2, 0), &api, &module, err, sizeof err) == ALEX_ERR_INCOMPATIBLE);
    CHECK(module == nullptr);
    CHECK(api.initialize == nullptr);  // nothing was filled in
    CHECK_THAT(err, Catch::Contains(abi_text) && Catch::Contains("2.0"));

    CHECK(lib.create()(ALEX_MAKE_ABI_VERSION(0, 9), &api, &module, err, sizeof err) == ALEX_ERR_INCOMPATIBLE);
    CHECK_THAT(err, Catch::Contains("0.9"));
}

TEST_CASE("ABI: a newer host with a larger table and higher minor loads this module", "[abi]") {
    // What a host built against a future header would pass: extra members at the end.
    struct future_api {
        alex_module_api known;  // 1.0 to 1.2
        void (*added_in_1_3)(void);
        void (*added_in_1_4)(void);
    };
    loaded_library lib;
    future_api api{};
    api.known.struct_size = sizeof api;
    alex_module* module = nullptr;
    char err[256] = "";
    REQUIRE(lib.create()(ALEX_MAKE_ABI_VERSION(1, 7), &api.known, &module, err, sizeof err) == ALEX_OK);
    // The module wrote only what it knows and says so; the host sees the new members are absent.
    CHECK(api.known.struct_size == sizeof(alex_module_api));
    CHECK(api.added_in_1_3 == nullptr);
    CHECK(api.added_in_1_4 == nullptr);
    CHECK(ALEX_HAS_MEMBER(alex_module_api, &api.known, destroy));
    CHECK(ALEX_HAS_MEMBER(alex_module_api, &api.known, run_command));
    CHECK(api.known.run_command != nullptr);
    CHECK(api.known.abi_version == ALEX_ABI_VERSION);
    api.known.destroy(&module);
    CHECK(module == nullptr);
}

TEST_CASE("ABI: a host table too small for the 1.0 lifecycle is refused", "[abi]") {
    loaded_library lib;
    alex_module_api api{};
    api.struct_size = offsetof(alex_module_api, destroy);  // one member short
    alex_module* module = nullptr;
    char err[256] = "";
    CHECK(lib.create()(ALEX_ABI_VERSION, &api, &module, err, sizeof err) == ALEX_ERR_INCOMPATIBLE);
    CHECK(module == nullptr);
    CHECK_THAT(err, Catch::Contains("struct_size"));
    CHECK(lib.create()(ALEX_ABI_VERSION, nullptr, &module, err, sizeof err) == ALEX_ERR_INVALID_ARGUMENT);
    CHECK(lib.create()(ALEX_ABI_VERSION, &api, nullptr, nullptr, 0) == ALEX_ERR_INVALID_ARGUMENT);
}

TEST_CASE("ABI: null handles and null out-pointers give INVALID_ARGUMENT, never a crash", "[abi]") {
    created c;
    double score = 0;
    char* info = nullptr;
    CHECK(c.api.initialize(nullptr, nullptr, "{}") == ALEX_ERR_INVALID_ARGUMENT);
    CHECK(c.api.start(nullptr) == ALEX_ERR_INVALID_ARGUMENT);
    CHECK_THAT(c.api.last_error(nullptr), Catch::Contains("start") && Catch::Contains("NULL"));
    CHECK(c.api.stop(nullptr) == ALEX_ERR_INVALID_ARGUMENT);
    CHECK(c.api.health_check(nullptr, &score) == ALEX_ERR_INVALID_ARGUMENT);
    CHECK(c.api.health_check(c.module, nullptr) == ALEX_ERR_INVALID_ARGUMENT);
    CHECK(c.api.get_module_info(nullptr, &info) == ALEX_ERR_INVALID_ARGUMENT);
    CHECK(c.api.get_module_info(c.module, nullptr) == ALEX_ERR_INVALID_ARGUMENT);
    CHECK(std::string(c.api.get_status(nullptr)) == "error");
    CHECK_THAT(c.api.last_error(c.module), Catch::Contains("output pointer is NULL"));
    c.api.free_string(nullptr);
    c.api.destroy(nullptr);
    alex_module* none = nullptr;
    c.api.destroy(&none);
}

TEST_CASE("ABI: calls out of order are state errors with a message", "[abi]") {
    temp_dir dir;
    created c;
    CHECK(c.api.start(c.module) == ALEX_ERR_STATE);
    CHECK_THAT(c.api.last_error(c.module), Catch::Contains("not initialized"));
    REQUIRE(c.api.initialize(c.module, nullptr, config_for(dir).c_str()) == ALEX_OK);  // no services at all
    REQUIRE(c.api.start(c.module) == ALEX_OK);
    CHECK(c.api.start(c.module) == ALEX_ERR_STATE);
    CHECK(c.api.initialize(c.module, nullptr, config_for(dir).c_str()) == ALEX_ERR_STATE);
    CHECK(c.api.stop(c.module) == ALEX_OK);
    CHECK(c.api.stop(c.module) == ALEX_OK);  // stopping a stopped module is harmless
    CHECK(std::string(c.api.last_error(c.module)).empty());
}

TEST_CASE("ABI: bad config fails initialize with ALEX_ERR_CONFIG naming the key and nothing starts", "[abi]") {
    temp_dir dir;
    recording_host host;
    auto services = host.table();
    created c;
    CHECK(c.api.initialize(c.module, &services, "not json") == ALEX_ERR_CONFIG);
    CHECK_THAT(c.api.last_error(c.module), Catch::Contains("JSON"));
    CHECK(c.api.initialize(c.module, &services, config_for(dir, R"(, "workflow": {"max_concurrent_executions": -2})")
                                                    .c_str()) == ALEX_ERR_CONFIG);
    CHECK_THAT(c.api.last_error(c.module), Catch::Contains("workflow.max_concurrent_executions"));
    CHECK(c.api.start(c.module) == ALEX_ERR_STATE);  // the failed initialize left nothing to start
    CHECK(host.watch_count() == 0);

    // A good config after a bad one works, and a later bad one keeps the good one in place.
    REQUIRE(c.api.initialize(c.module, &services, config_for(dir).c_str()) == ALEX_OK);
    CHECK(c.api.initialize(c.module, &services, R"({"nope": 1})") == ALEX_ERR_CONFIG);
    CHECK_THAT(c.api.last_error(c.module), Catch::Contains("nope"));
    CHECK(c.api.start(c.module) == ALEX_OK);
}

TEST_CASE("ABI: host services of another major version are refused", "[abi]") {
    temp_dir dir;
    recording_host host;
    auto services = host.table();
    services.abi_version = ALEX_MAKE_ABI_VERSION(3, 1);
    created c;
    CHECK(c.api.initialize(c.module, &services, config_for(dir).c_str()) == ALEX_ERR_CONFIG);
    CHECK_THAT(c.api.last_error(c.module), Catch::Contains("3.1") && Catch::Contains(abi_text));
}

TEST_CASE("ABI: an older host's short services table is used up to its struct_size", "[abi]") {
    temp_dir dir;
    recording_host host;
    auto services = host.table();
    // Pretend the host knows only the event bus: everything after unsubscribe is garbage to us.
    services.struct_size = offsetof(alex_host_services, config_get);
    services.config_watch = reinterpret_cast<decltype(services.config_watch)>(0xdead);
    services.log = reinterpret_cast<decltype(services.log)>(0xdead);
    created c;
    REQUIRE(c.api.initialize(c.module, &services, config_for(dir).c_str()) == ALEX_OK);
    REQUIRE(c.api.start(c.module) == ALEX_OK);
    REQUIRE(c.api.stop(c.module) == ALEX_OK);
    CHECK(contains(host.topics(), "chainbot.module.ready"));
}

TEST_CASE("ABI 1.2: events the host says nobody hears are not published, and an older host gets every one", "[abi]") {
    temp_dir dir;
    recording_host host;
    {
        std::lock_guard lock(host.mutex);
        host.unheard_prefixes = {"chainbot.module.ready"};
    }
    auto services = host.table();
    {
        created c;
        REQUIRE(c.api.initialize(c.module, &services, config_for(dir).c_str()) == ALEX_OK);
        REQUIRE(c.api.start(c.module) == ALEX_OK);
        REQUIRE(c.api.stop(c.module) == ALEX_OK);
    }
    CHECK_FALSE(contains(host.topics(), "chainbot.module.ready"));  // asked, answered 0, skipped
    CHECK(contains(host.topics(), "chainbot.module.stopped"));
    {
        std::lock_guard lock(host.mutex);
        CHECK(contains(host.asked, "chainbot.module.ready"));
        CHECK(contains(host.asked, "chainbot.module.stopped"));
        host.events.clear();
        host.asked.clear();
    }

    // A 1.1 host: its table ends before has_subscribers, whatever lies beyond is not read.
    temp_dir dir2;
    auto older = host.table();
    older.struct_size = offsetof(alex_host_services, has_subscribers);
    older.abi_version = ALEX_MAKE_ABI_VERSION(1, 1);
    {
        created c;
        REQUIRE(c.api.initialize(c.module, &older, config_for(dir2).c_str()) == ALEX_OK);
        REQUIRE(c.api.start(c.module) == ALEX_OK);
        REQUIRE(c.api.stop(c.module) == ALEX_OK);
    }
    CHECK(contains(host.topics(), "chainbot.module.ready"));
    std::lock_guard lock(host.mutex);
    CHECK(host.asked.empty());
}

TEST_CASE("ABI: runtime config changes through the host's config manager", "[abi]") {
    temp_dir dir;
    recording_host host;
    auto services = host.table();
    created c;
    REQUIRE(c.api.initialize(c.module, &services, config_for(dir).c_str()) == ALEX_OK);
    REQUIRE(c.api.start(c.module) == ALEX_OK);
    REQUIRE(host.watch_count() == 1);

    // A live key is applied; an invalid value is rejected and the host does not store it.
    CHECK(host.set("chainbot.workflow.max_concurrent_executions", "8") == ALEX_OK);
    CHECK(host.set("chainbot.workflow.max_concurrent_executions", "-1") != ALEX_OK);
    CHECK(host.set("chainbot.no_such.key", "1") != ALEX_OK);
    CHECK(host.set("chainbot.api.port", "9123") == ALEX_OK);  // accepted, but needs a restart
    {
        std::lock_guard lock(host.mutex);
        CHECK(host.config.at("chainbot.workflow.max_concurrent_executions") == "8");
        CHECK(host.config.count("chainbot.no_such.key") == 0);
        std::vector<boost::json::object> changes;
        for (auto& [topic, json] : host.events)
            if (topic == "chainbot.config.changed") changes.push_back(boost::json::parse(json).as_object());
        REQUIRE(changes.size() == 2);
        CHECK(changes[0].at("key").as_string() == "workflow.max_concurrent_executions");
        CHECK(changes[0].at("applied").as_bool());
        CHECK(changes[0].at("value").as_int64() == 8);
        CHECK(changes[1].at("key").as_string() == "api.port");
        CHECK(changes[1].at("restart_required").as_bool());
        CHECK_FALSE(changes[1].at("applied").as_bool());
        CHECK(changes[1].at("module_id").as_string() == "chainbot");
        CHECK(changes[1].contains("timestamp"));
    }
}
