#include "config_manager.hpp"

#include <alex_module.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

TEST_CASE("config_manager.set_and_get", "[host][config]") {
    alex_os::config_manager config;
    CHECK_FALSE(config.get("chainbot.api.port"));
    REQUIRE(config.set("chainbot.api.port", "8001") == ALEX_OK);
    CHECK(config.get("chainbot.api.port") == std::optional<std::string>("8001"));
    REQUIRE(config.set("chainbot.api", R"( { "host" : "0.0.0.0" } )") == ALEX_OK);
    CHECK(config.get("chainbot.api") == std::optional<std::string>(R"({"host":"0.0.0.0"})"));  // compact
    CHECK(config.entries("chainbot.api") ==
          std::map<std::string, std::string>{{"chainbot.api", R"({"host":"0.0.0.0"})"}, {"chainbot.api.port", "8001"}});
    CHECK(config.entries("other").empty());
}

TEST_CASE("config_manager.rejects_malformed_input_without_applying", "[host][config]") {
    alex_os::config_manager config;
    REQUIRE(config.set("a.b", "1") == ALEX_OK);
    CHECK_THROWS_AS(config.set("a.b", "{not json"), std::invalid_argument);
    CHECK_THROWS_WITH(config.set("a.b", "{not json"), Catch::Contains("a.b") && Catch::Contains("not valid JSON"));
    CHECK(config.get("a.b") == std::optional<std::string>("1"));
    for (const char* bad : {"", ".a", "a.", "a..b", "a b", "a\tb"}) {
        INFO("key '" << bad << "'");
        CHECK_THROWS_AS(config.set(bad, "1"), std::invalid_argument);
    }
}

TEST_CASE("config_manager.watchers_see_matching_prefixes", "[host][config]") {
    alex_os::config_manager config;
    std::vector<std::pair<std::string, std::string>> seen;
    config.watch("chainbot.", [&](const std::string& k, const std::string& v) {
        seen.emplace_back(k, v);
        return ALEX_OK;
    });
    REQUIRE(config.set("chainbot.workflow.retry_attempts", "5") == ALEX_OK);
    REQUIRE(config.set("other.key", "true") == ALEX_OK);
    REQUIRE(config.set("chainbotx.key", "1") == ALEX_OK);
    CHECK(seen == std::vector<std::pair<std::string, std::string>>{{"chainbot.workflow.retry_attempts", "5"}});
}

TEST_CASE("config_manager.rejected_change_is_not_applied", "[host][config]") {
    alex_os::config_manager config;
    REQUIRE(config.set("chainbot.api.port", "8000") == ALEX_OK);
    std::vector<std::string> first_saw;
    config.watch("chainbot.", [&](const std::string&, const std::string& v) {
        first_saw.push_back(v);
        return ALEX_OK;
    });
    int second_calls = 0;
    config.watch("chainbot.api.", [&](const std::string&, const std::string& v) {
        ++second_calls;
        return v == "9000" ? ALEX_ERR_CONFIG : ALEX_OK;
    });
    CHECK(config.set("chainbot.api.port", "9000") == ALEX_ERR_CONFIG);
    CHECK(config.get("chainbot.api.port") == std::optional<std::string>("8000"));
    // The first watcher accepted 9000, then was told the value stays 8000.
    CHECK(first_saw == std::vector<std::string>{"9000", "8000"});
    CHECK(second_calls == 1);
    CHECK(config.set("chainbot.api.port", "8080") == ALEX_OK);
    CHECK(config.get("chainbot.api.port") == std::optional<std::string>("8080"));
}

TEST_CASE("config_manager.throwing_watcher_rejects", "[host][config]") {
    alex_os::config_manager config;
    config.watch("", [](const std::string&, const std::string&) -> int32_t { throw std::runtime_error("boom"); });
    CHECK(config.set("k", "1") == ALEX_ERR_INTERNAL);
    CHECK_FALSE(config.get("k"));
}

TEST_CASE("config_manager.watcher_may_read_config_and_get_is_not_blocked", "[host][config]") {
    alex_os::config_manager config;
    REQUIRE(config.set("m.level", "1") == ALEX_OK);
    REQUIRE(config.set("m.other", "\"x\"") == ALEX_OK);
    std::optional<std::string> seen_inside;
    std::atomic<bool> in_watcher{false};
    config.watch("m.level", [&](const std::string&, const std::string&) {
        seen_inside = config.get("m.level");  // from inside: no deadlock, old value
        in_watcher = true;
        std::this_thread::sleep_for(300ms);
        return ALEX_OK;
    });
    auto setter = std::async(std::launch::async, [&] { return config.set("m.level", "2"); });
    while (!in_watcher) std::this_thread::sleep_for(1ms);
    // Another thread's get is not held up by the slow watcher.
    const auto before = std::chrono::steady_clock::now();
    CHECK(config.get("m.other") == std::optional<std::string>("\"x\""));
    CHECK(std::chrono::steady_clock::now() - before < 100ms);
    CHECK(setter.get() == ALEX_OK);
    CHECK(seen_inside == std::optional<std::string>("1"));
    CHECK(config.get("m.level") == std::optional<std::string>("2"));
}

TEST_CASE("config_manager.unwatch", "[host][config]") {
    alex_os::config_manager config;
    int calls = 0;
    const uint64_t id = config.watch("a.", [&](const std::string&, const std::string&) {
        ++calls;
        return ALEX_OK;
    });
    REQUIRE(config.set("a.x", "1") == ALEX_OK);
    REQUIRE(config.unwatch(id));
    REQUIRE(config.set("a.x", "2") == ALEX_OK);
    CHECK(calls == 1);
    CHECK_FALSE(config.unwatch(id));

    // From inside its own watcher: returns without waiting for itself.
    uint64_t self_id = 0;
    int self_calls = 0;
    self_id = config.watch("b.", [&](const std::string&, const std::string&) {
        ++self_calls;
        config.unwatch(self_id);
        return ALEX_OK;
    });
    REQUIRE(config.set("b.x", "1") == ALEX_OK);
    REQUIRE(config.set("b.x", "2") == ALEX_OK);
    CHECK(self_calls == 1);
}
