#pragma once
// An embedded ChainBot (SQLite in a temp dir, or PostgreSQL when asked) with its
// orchestrator at hand, recording the events it publishes to the host bus.
#include <chainbot/module.hpp>

#include "orchestrator/orchestrator.hpp"
#include "runtime/runtime.hpp"
#include "store/database.hpp"
#include "support/temp_dir.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <mutex>

namespace chainbot::test {

struct event_log final : event_sink {
    std::mutex mutex;
    std::vector<std::pair<std::string, std::string>> events;
    void publish(std::string_view topic, std::string_view json) override {
        std::lock_guard lock(mutex);
        events.emplace_back(topic, json);
    }
    std::uint64_t subscribe(std::string_view, std::function<void(std::string_view, std::string_view)>) override { return 0; }
    void unsubscribe(std::uint64_t) override {}
    std::vector<boost::json::object> of(const std::string& topic) {
        std::lock_guard lock(mutex);
        std::vector<boost::json::object> out;
        for (auto& [t, j] : events)
            if (t == topic) out.push_back(boost::json::parse(j).as_object());
        return out;
    }
    std::string all() {
        std::lock_guard lock(mutex);
        std::string s;
        for (auto& [t, j] : events) s += t + " " + j + "\n";
        return s;
    }
};

struct engine {
    temp_dir dir;
    std::shared_ptr<event_log> events = std::make_shared<event_log>();
    chainbot_module module;
    orchestrator::orchestrator* orch = nullptr;

    explicit engine(const std::string& extra_config = "", const std::string& database_url = "") {
        std::string config = R"({"api": {"port": 0}, "module": {"data_dir": ")" + dir.str() + R"("})";
        if (!database_url.empty()) config += R"(, "database": {"url": ")" + database_url + R"("})";
        if (!extra_config.empty()) config += ", " + extra_config;
        config += "}";
        module.initialize({events, nullptr, nullptr}, config);
        orch = module.get_orchestrator();
    }
    void start() { module.start(); }

    std::string create(const std::string& definition) {
        return orch->create_workflow(boost::json::parse(definition)).workflow_id;
    }
    orchestrator::execution_outcome run(const std::string& workflow_id, const std::string& input = "{}",
                                        std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
        orchestrator::execute_request req;
        req.input = boost::json::parse(input);
        auto rec = orch->execute(workflow_id, req);
        auto outcome = orch->wait(rec.id, timeout);
        REQUIRE(outcome.has_value());
        orch->flush();
        return *outcome;
    }
    std::shared_ptr<store::database> db() {
        auto o = store::store_options::from(module.get_runtime()->settings()->database);
        auto d = store::database::open(o);
        return d;
    }
    std::vector<store::step_run> history(const std::string& execution_id) {
        return db()->step_runs().list(execution_id);
    }
};

}  // namespace chainbot::test
