#pragma once
/// @file workflow_agent.hpp
/// @brief The `workflow` agent type: tasks that start and watch executions, and alert
/// rules that watch every execution as it finishes and raise `chainbot.agent.alert`.
///
/// A workflow agent's spawn config may carry
/// @code
///   {"alert_rules": [{"name": "nightly failing", "status": "failed", "threshold": 3,
///                     "window_seconds": 600, "workflow_id": "optional"}]}
/// @endcode
/// A rule fires when `threshold` executions (of `workflow_id`, or of any workflow) end
/// with `status` (failed, timed_out, cancelled or completed; default failed) within
/// `window_seconds`; the event names the agent, the rule and the executions, and the rule
/// starts counting afresh. Driven by the execution events themselves: nothing polls.

#include "agents/spawner.hpp"
#include "events/event_hub.hpp"
#include "orchestrator/task_registry.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace chainbot::orchestrator {
class orchestrator;
}

namespace chainbot::agents {

struct alert_rule {
    std::string name;
    std::string status = "failed";
    std::size_t threshold = 1;
    std::chrono::seconds window{300};
    std::string workflow_id;  // "" = any workflow
};

/// @brief Parses `alert_rules` of a workflow agent's config; throws std::invalid_argument
/// naming the key (e.g. "alert_rules[1].threshold: must be an integer >= 1").
std::vector<alert_rule> parse_alert_rules(const boost::json::object& config);

/// @brief Watches execution events for every live workflow agent's rules. Register it on
/// the runtime's event hub; it never blocks the publisher (in-memory counting only).
class alert_monitor final : public events::observer {
public:
    /// @brief `agents` lists the live workflow agents with their configs (id -> config).
    alert_monitor(events::event_hub& hub,
                  std::function<std::vector<std::pair<std::string, boost::json::object>>()> agents);
    void on_event(const events::event& e) override;
    std::uint64_t alerts_raised() const;

private:
    struct window {
        std::deque<std::pair<std::chrono::steady_clock::time_point, std::string>> hits;  // when, execution id
    };
    events::event_hub& hub_;
    std::function<std::vector<std::pair<std::string, boost::json::object>>()> agents_;
    mutable std::mutex mutex_;
    std::map<std::string, window> windows_;  // "<agent id>/<rule index>"
    std::uint64_t raised_ = 0;
};

/// @brief Registers the workflow agent's tasks under agent type "workflow":
/// `start_workflow` ({"workflow_id", "input", "wait" (default true), "timeout_seconds"
/// (default 300)} -> the execution's id, status, output and error), `execution_status`
/// ({"execution_id"} -> status, error, output, step counts) and `list_executions`
/// ({"workflow_id", "status", "limit"} -> the newest executions).
void register_workflow_agent_tasks(orchestrator::task_registry& registry, orchestrator::orchestrator& orch,
                                   std::function<std::shared_ptr<store::database>()> store);

}  // namespace chainbot::agents
