#pragma once
// An embedded ChainBot (the whole module, SQLite in a temp dir) whose resource monitor
// reads scripted RSS and CPU figures, with a gated task that holds its executions until
// released, and the admin token for requests through the REST API.
#include "orchestrator/engine_fixture.hpp"
#include "resources/resource_monitor.hpp"
#include "support/eventually.hpp"
#include "support/http_get.hpp"

#include <atomic>
#include <condition_variable>
#include <fstream>

namespace chainbot::test {

/// @brief The data_processor task "gated": counts the executions inside it and lets them
/// finish one permit at a time (or all, once opened).
struct gate {
    std::mutex m;
    std::condition_variable cv;
    int permits = 0;
    bool open = false;
    int active = 0;

    void add_to(orchestrator::task_registry& tasks) {
        tasks.add("data_processor", "gated", [this](const orchestrator::task_call& c) -> boost::json::value {
            std::unique_lock lock(m);
            ++active;
            cv.notify_all();
            cv.wait_for(lock, std::chrono::seconds(60), [&] { return open || permits > 0 || c.cancelled->load(); });
            if (!open && permits > 0) --permits;
            --active;
            cv.notify_all();
            return boost::json::object{{"released", true}};
        });
    }
    void release(int n) {
        std::lock_guard lock(m);
        permits += n;
        cv.notify_all();
    }
    void open_all() {
        std::lock_guard lock(m);
        open = true;
        cv.notify_all();
    }
    int active_now() {
        std::lock_guard lock(m);
        return active;
    }
};

inline constexpr const char* gated_workflow = R"({"name": "gated", "steps": [
    {"id": "g", "type": "agent_task", "agent_type": "data_processor", "task": "gated"}]})";

inline constexpr std::uint64_t mib = 1024 * 1024;

struct governed_engine : engine {
    resources::resource_monitor* monitor = nullptr;

    /// @brief `resources`: the resources section's JSON members, e.g. R"("max_memory_mb": 100)".
    explicit governed_engine(const std::string& resources, const std::string& extra = "")
        : engine(R"("raspberry_pi": {"enable_hardware_monitoring": false}, "resources": {)" + resources + "}" +
                 (extra.empty() ? "" : ", " + extra)) {
        monitor = module.get_resources();
    }
    resources::governor& governor() { return *orch->governor(); }
    std::string admin_token() {
        std::ifstream in(dir.path() / "admin_token");
        std::string token;
        std::getline(in, token);
        return token;
    }
    http_reply call(const std::string& method, const std::string& path, const std::string& body = "") {
        header_list h{{"Authorization", "Bearer " + admin_token()}};
        if (!body.empty()) h.emplace_back("Content-Type", "application/json");
        return http_request(module.api_port(), method, path, body, h);
    }
    boost::json::object health_component(const std::string& name) {
        return module.get_runtime()->health().report().at("components").at(name).as_object();
    }
};

}  // namespace chainbot::test
