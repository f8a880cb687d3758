// The same module embedded by a C++ program, without dlopen: chainbot::chainbot_module.
#include <chainbot/module.hpp>

#include "support/http_get.hpp"
#include "support/temp_dir.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <vector>

using namespace chainbot;
using chainbot::test::temp_dir;

namespace {

struct recording_events final : event_sink {
    std::mutex mutex;
    std::vector<std::pair<std::string, std::string>> seen;
    void publish(std::string_view topic, std::string_view json) override {
        std::lock_guard lock(mutex);
        seen.emplace_back(topic, json);
    }
    std::uint64_t subscribe(std::string_view, std::function<void(std::string_view, std::string_view)>) override {
        return 1;
    }
    void unsubscribe(std::uint64_t) override {}
    bool saw(const std::string& topic) {
        std::lock_guard lock(mutex);
        for (auto& e : seen)
            if (e.first == topic) return true;
        return false;
    }
};

struct recording_log final : log_sink {
    std::mutex mutex;
    std::vector<std::string> lines;
    void write(log_level level, std::string_view component, std::string_view message) override {
        std::lock_guard lock(mutex);
        lines.push_back(std::string(to_string(level)) + " " + std::string(component) + " " + std::string(message));
    }
    bool contains(const std::string& needle) {
        std::lock_guard lock(mutex);
        for (auto& l : lines)
            if (l.find(needle) != std::string::npos) return true;
        return false;
    }
};

std::string base_config(const temp_dir& dir) {
    return R"({"api": {"port": 0}, "module": {"data_dir": ")" + dir.str() + R"("}})";
}

}  // namespace

TEST_CASE("C++ embedding: lifecycle, events to the host bus, health over HTTP", "[abi][cpp]") {
    temp_dir dir;
    auto events = std::make_shared<recording_events>();
    auto log = std::make_shared<recording_log>();
    chainbot_module module;
    CHECK(module.status() == module_status::stopped);
    CHECK_THROWS_AS(module.start(), state_error);

    module.initialize({events, nullptr, log}, base_config(dir));
    module.start();
    CHECK(module.status() == module_status::running);
    CHECK(module.health_check() == Approx(1.0));
    REQUIRE(module.api_port() != 0);

    auto reply = test::http_get(module.api_port(), "/api/chainbot/health");
    REQUIRE(reply.status == 200);
    auto body = boost::json::parse(reply.body).as_object();
    CHECK(body.at("health_score").as_double() == Approx(1.0));
    CHECK(body.at("components").as_object().at("module").as_object().at("status").as_string() == "healthy");

    auto info = boost::json::parse(module.module_info()).as_object();
    CHECK(info.at("status").as_string() == "running");

    auto unknown = test::http_get(module.api_port(), "/api/chainbot/nothing-here");
    CHECK(unknown.status == 404);
    CHECK(boost::json::parse(unknown.body).as_object().at("error").as_object().contains("code"));

    module.stop();
    CHECK(module.status() == module_status::stopped);
    CHECK(events->saw("chainbot.module.ready"));
    CHECK(events->saw("chainbot.module.stopping"));
    CHECK(log->contains("listening on http://127.0.0.1:"));
}

TEST_CASE("C++ embedding: the configured data directory is created at start", "[abi][cpp]") {
    temp_dir dir;
    const auto data = dir.path() / "nested" / "data";
    chainbot_module module;
    module.initialize({}, R"({"api": {"port": 0}, "module": {"data_dir": ")" + data.string() + R"("}})");
    CHECK_FALSE(std::filesystem::exists(data));  // initialize opens nothing
    module.start();
    CHECK(std::filesystem::is_directory(data));
}

TEST_CASE("C++ embedding: a port already in use fails start with a clear error and status error", "[abi][cpp]") {
    temp_dir dir;
    chainbot_module first;
    first.initialize({}, base_config(dir));
    first.start();
    const auto port = first.api_port();

    // Its own data dir: the same SQLite file would be refused before the port is tried.
    temp_dir other;
    chainbot_module second;
    second.initialize({}, R"({"api": {"port": )" + std::to_string(port) + R"(}, "module": {"data_dir": ")" +
                              other.str() + R"("}})");
    CHECK_THROWS_WITH(second.start(), Catch::Contains(std::to_string(port)));
    CHECK(second.status() == module_status::error);
    CHECK(second.health_check() == 0.0);
}

TEST_CASE("C++ embedding: config files, default.yaml, inline and environment layers reach the module", "[abi][cpp]") {
    temp_dir dir;
    const auto defaults = dir.path() / "default.yaml";
    const auto file = dir.path() / "site.toml";
    std::ofstream(defaults) << "workflow:\n  retry_attempts: 7\n  max_concurrent_executions: 2\nlogging:\n  level: WARNING\n";
    std::ofstream(file) << "[workflow]\nmax_concurrent_executions = 4\n";
    ::setenv("ALEX_OS_CHAINBOT_LOGGING_LEVEL", "DEBUG", 1);
    auto log = std::make_shared<recording_log>();
    chainbot_module module;
    module.initialize({nullptr, nullptr, log},
                      R"({"default_config": ")" + defaults.string() + R"(", "config_files": [")" + file.string() +
                          R"("], "api": {"port": 0}, "module": {"data_dir": ")" + dir.str() + R"("}})");
    ::unsetenv("ALEX_OS_CHAINBOT_LOGGING_LEVEL");
    // The initialize line shows the merged settings: file over default.yaml, env over both.
    REQUIRE(log->contains("initialized"));
    CHECK(log->contains("\"retry_attempts\":7"));
    CHECK(log->contains("\"max_concurrent_executions\":4"));
    CHECK(log->contains("DEBUG"));

    chainbot_module bad;
    CHECK_THROWS_AS(bad.initialize({}, R"({"config_files": [")" + (dir.path() / "missing.yaml").string() + R"("]})"),
                    config_error);
    CHECK_THROWS_WITH(bad.initialize({}, R"({"config_files": [")" + (dir.path() / "missing.yaml").string() + R"("]})"),
                      Catch::Contains("missing.yaml"));
}

TEST_CASE("C++ embedding: secrets in the database URL never reach the log", "[abi][cpp]") {
    temp_dir dir;
    auto log = std::make_shared<recording_log>();
    chainbot_module module;
    module.initialize({nullptr, nullptr, log},
                      R"({"database": {"url": "postgresql://chainbot:hunter2secret@db.local:5432/chainbot"},
                          "api": {"port": 0}, "module": {"data_dir": ")" + dir.str() + R"("}})");
    CHECK(log->contains("postgresql://chainbot:***@db.local:5432/chainbot"));
    CHECK_FALSE(log->contains("hunter2secret"));
}
