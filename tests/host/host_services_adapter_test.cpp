#include "config_manager.hpp"
#include "event_bus.hpp"
#include "host_services_adapter.hpp"
#include "host_test_support.hpp"
#include "log_sink.hpp"

#include <alex_module.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct host_fixture {
    std::ostringstream log_text;
    alex_os::log_sink log{log_text, ALEX_LOG_DEBUG};
    alex_os::event_bus bus{&log};
    alex_os::config_manager config{&log};
    alex_os::host_services_adapter adapter{bus, config, log, "mod"};
    const alex_host_services* s = adapter.table();
};

struct inbox {
    std::mutex mutex;
    std::vector<std::string> lines;
    static void handler(const char* topic, const char* json, void* user) {
        auto* self = static_cast<inbox*>(user);
        std::lock_guard lock(self->mutex);
        self->lines.push_back(std::string(topic) + " " + json);
    }
    std::size_t size() {
        std::lock_guard lock(mutex);
        return lines.size();
    }
};

void receive(const char* value, void* user) { *static_cast<std::string*>(user) = value; }

int32_t reject_port(const char* key, const char*, void*) {
    return std::string(key) == "mod.api.port" ? ALEX_ERR_CONFIG : ALEX_OK;
}

}  // namespace

TEST_CASE("host_services_adapter.table", "[host][abi]") {
    host_fixture f;
    CHECK(f.s->struct_size == sizeof(alex_host_services));
    CHECK(f.s->abi_version == ALEX_ABI_VERSION);
    CHECK(f.s->host == &f.adapter);
    CHECK(ALEX_HAS_MEMBER(alex_host_services, f.s, log));
    CHECK(f.s->publish != nullptr);
    CHECK(f.s->subscribe != nullptr);
    CHECK(f.s->unsubscribe != nullptr);
    CHECK(f.s->config_get != nullptr);
    CHECK(f.s->config_set != nullptr);
    CHECK(f.s->config_watch != nullptr);
    CHECK(f.s->config_unwatch != nullptr);
    CHECK(f.s->log != nullptr);
    CHECK(ALEX_HAS_MEMBER(alex_host_services, f.s, has_subscribers));
    CHECK(f.s->has_subscribers != nullptr);
}

TEST_CASE("host_services_adapter.has_subscribers_follows_the_subscriptions", "[host][abi]") {
    host_fixture f;
    CHECK(f.s->has_subscribers(f.s->host, "mod.ready") == 0);
    inbox in;
    uint64_t id = 0;
    REQUIRE(f.s->subscribe(f.s->host, "mod.*", &inbox::handler, &in, &id) == ALEX_OK);
    CHECK(f.s->has_subscribers(f.s->host, "mod.ready") == 1);
    CHECK(f.s->has_subscribers(f.s->host, "other.ready") == 0);
    CHECK(f.s->has_subscribers(nullptr, "mod.ready") == 0);
    CHECK(f.s->has_subscribers(f.s->host, nullptr) == 0);
    CHECK(f.s->has_subscribers(f.s->host, "") == 0);
    REQUIRE(f.s->unsubscribe(f.s->host, id) == ALEX_OK);
    CHECK(f.s->has_subscribers(f.s->host, "mod.ready") == 0);
    CHECK(f.bus.counters().published == 0);  // asking publishes nothing
}

TEST_CASE("host_services_adapter.null_arguments", "[host][abi]") {
    host_fixture f;
    uint64_t id = 0;
    CHECK(f.s->publish(nullptr, "t", "{}") == ALEX_ERR_INVALID_ARGUMENT);
    CHECK(f.s->publish(f.s->host, nullptr, "{}") == ALEX_ERR_INVALID_ARGUMENT);
    CHECK(f.s->publish(f.s->host, "", "{}") == ALEX_ERR_INVALID_ARGUMENT);
    CHECK(f.s->publish(f.s->host, "t", nullptr) == ALEX_ERR_INVALID_ARGUMENT);
    CHECK(f.s->subscribe(f.s->host, "t", nullptr, nullptr, &id) == ALEX_ERR_INVALID_ARGUMENT);
    CHECK(f.s->subscribe(f.s->host, nullptr, &inbox::handler, nullptr, &id) == ALEX_ERR_INVALID_ARGUMENT);
    CHECK(f.s->subscribe(f.s->host, "t", &inbox::handler, nullptr, nullptr) == ALEX_ERR_INVALID_ARGUMENT);
    CHECK(f.s->unsubscribe(f.s->host, 12345) == ALEX_ERR_INVALID_ARGUMENT);
    CHECK(f.s->config_get(f.s->host, nullptr, &receive, nullptr) == ALEX_ERR_INVALID_ARGUMENT);
    CHECK(f.s->config_set(f.s->host, "k", nullptr) == ALEX_ERR_INVALID_ARGUMENT);
    CHECK(f.s->config_watch(f.s->host, "k", nullptr, nullptr, &id) == ALEX_ERR_INVALID_ARGUMENT);
    CHECK(f.s->config_unwatch(f.s->host, 999) == ALEX_ERR_INVALID_ARGUMENT);
    f.s->log(nullptr, ALEX_LOG_ERROR, "x", "y");  // must not crash
    f.s->log(f.s->host, ALEX_LOG_INFO, nullptr, nullptr);
    CHECK(f.log_text.str().find("INFO [mod] ") != std::string::npos);  // module id as component
    CHECK(f.bus.counters().published == 0);
}

TEST_CASE("host_services_adapter.publish_subscribe_through_c", "[host][abi]") {
    host_fixture f;
    inbox in;
    uint64_t id = 0;
    REQUIRE(f.s->subscribe(f.s->host, "mod.*", &inbox::handler, &in, &id) == ALEX_OK);
    CHECK(id != 0);
    CHECK(f.s->publish(f.s->host, "mod.ready", "{ \"a\" : [1, 2] }") == ALEX_OK);
    CHECK(f.s->publish(f.s->host, "mod.bad", "{not json") == ALEX_ERR_INVALID_ARGUMENT);  // caught, logged
    REQUIRE(f.bus.wait_idle(5s));
    CHECK(in.lines == std::vector<std::string>{R"(mod.ready {"a":[1,2]})"});
    CHECK(f.bus.counters().published == 1);
    CHECK(f.log_text.str().find("mod.bad") != std::string::npos);
    CHECK(f.s->unsubscribe(f.s->host, id) == ALEX_OK);
    CHECK(f.s->unsubscribe(f.s->host, id) == ALEX_ERR_INVALID_ARGUMENT);
}

TEST_CASE("host_services_adapter.publish_checks_every_payload_but_builds_none_nobody_hears", "[host][abi]") {
    host_fixture f;
    inbox in;
    uint64_t id = 0;
    REQUIRE(f.s->subscribe(f.s->host, "mod.heard.*", &inbox::handler, &in, &id) == ALEX_OK);
    // Nobody subscribes to mod.unheard: still checked, refused when it is not JSON.
    CHECK(f.s->publish(f.s->host, "mod.unheard", "{\"a\": 1}") == ALEX_OK);
    CHECK(f.s->publish(f.s->host, "mod.unheard", "{\"a\": ") == ALEX_ERR_INVALID_ARGUMENT);
    CHECK(f.s->publish(f.s->host, "mod.unheard", "{\"a\": 1} trailing") == ALEX_ERR_INVALID_ARGUMENT);
    CHECK(f.s->publish(f.s->host, "mod.heard.x", "[1, 2] trailing") == ALEX_ERR_INVALID_ARGUMENT);
    CHECK(f.s->publish(f.s->host, "mod.heard.x", " [1,  2 ]\n") == ALEX_OK);
    REQUIRE(f.bus.wait_idle(5s));
    CHECK(in.lines == std::vector<std::string>{"mod.heard.x [1,2]"});
    CHECK(f.bus.counters().published == 2);  // the two valid ones, heard or not
    CHECK(f.bus.counters().delivered == 1);
    CHECK(f.log_text.str().find("extra") != std::string::npos);  // the trailing text is named
    CHECK(f.s->unsubscribe(f.s->host, id) == ALEX_OK);
}

TEST_CASE("host_services_adapter.config_through_c", "[host][abi]") {
    host_fixture f;
    uint64_t watch = 0;
    REQUIRE(f.s->config_watch(f.s->host, "mod.", &reject_port, nullptr, &watch) == ALEX_OK);
    CHECK(f.s->config_set(f.s->host, "mod.api.port", "9000") == ALEX_ERR_CONFIG);
    CHECK(f.s->config_set(f.s->host, "mod.log.level", "\"debug\"") == ALEX_OK);
    CHECK(f.s->config_set(f.s->host, "mod..bad", "1") == ALEX_ERR_INVALID_ARGUMENT);  // exception turned into a status
    std::string value = "unset";
    CHECK(f.s->config_get(f.s->host, "mod.api.port", &receive, &value) == ALEX_OK);
    CHECK(value == "unset");  // rejected, so never applied
    CHECK(f.s->config_get(f.s->host, "mod.log.level", &receive, &value) == ALEX_OK);
    CHECK(value == "\"debug\"");
    CHECK(f.s->config_unwatch(f.s->host, watch) == ALEX_OK);
    CHECK(f.s->config_set(f.s->host, "mod.api.port", "9000") == ALEX_OK);
}

TEST_CASE("host_services_adapter.exceptions_become_status_codes", "[host][abi]") {
    host_fixture f;
    // A C++ watcher on the host side that throws: the module's config_set gets a status.
    f.config.watch("mod.", [](const std::string&, const std::string&) -> int32_t { throw std::bad_alloc(); });
    CHECK(f.s->config_set(f.s->host, "mod.x", "1") == ALEX_ERR_INTERNAL);
}

TEST_CASE("host_services_adapter.release_cancels_what_the_module_left_open", "[host][abi]") {
    host_fixture f;
    alex_os::host_services_adapter other(f.bus, f.config, f.log, "other");
    inbox in;
    uint64_t sub = 0;
    uint64_t watch = 0;
    REQUIRE(f.s->subscribe(f.s->host, "*", &inbox::handler, &in, &sub) == ALEX_OK);
    REQUIRE(f.s->config_watch(f.s->host, "", &reject_port, nullptr, &watch) == ALEX_OK);
    // Another module's table cannot cancel this one's subscription.
    CHECK(other.table()->unsubscribe(other.table()->host, sub) == ALEX_ERR_INVALID_ARGUMENT);
    CHECK(f.adapter.open_handles() == 2);

    f.adapter.release();
    CHECK(f.adapter.open_handles() == 0);
    CHECK(f.bus.subscriber_count() == 0);
    f.bus.publish("any", "{}");
    REQUIRE(f.bus.wait_idle(5s));
    CHECK(in.size() == 0);
    CHECK(f.config.set("mod.api.port", "1") == ALEX_OK);  // the rejecting watcher is gone
    // The module's own late clean-up still succeeds.
    CHECK(f.s->unsubscribe(f.s->host, sub) == ALEX_OK);
    CHECK(f.s->config_unwatch(f.s->host, watch) == ALEX_OK);
}
