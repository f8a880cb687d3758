#pragma once
// What every execution shares: the runtime's executors, the store writer, the tasks and
// the outside world (HTTP, sub-workflows, secrets). Owned by the orchestrator.

#include "orchestrator/task_registry.hpp"
#include "orchestrator/transition_writer.hpp"
#include "runtime/runtime.hpp"

#include <boost/asio/thread_pool.hpp>
#include <boost/json/object.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace chainbot::http {
class http_client;
}

namespace chainbot::orchestrator {

/// @brief The outcome of a whole execution, for sub-workflow steps and waiting callers.
struct execution_outcome {
    std::string execution_id;
    std::string status;  // completed, failed, cancelled, timed_out
    boost::json::value output;
    std::string error;
};

struct engine_env {
    runtime* rt = nullptr;
    boost::asio::thread_pool* blocking = nullptr;  // tasks and other blocking work
    transition_writer* writer = nullptr;           // null: nothing is persisted
    task_registry* tasks = nullptr;
    http::http_client* http = nullptr;             // null: api_call and webhook steps fail clearly
    std::map<std::string, std::string> secrets;    // configured secrets, resolvable as ${name}
    /// @brief Starts a child execution and calls back with its outcome (sub_workflow steps).
    std::function<void(const std::string& workflow_id, boost::json::value input, const std::string& parent_id,
                       std::function<void(execution_outcome)>)>
        start_child;
    /// @brief Runs an agent_task on a spawned agent of its type (agents::agent_spawner::run_task);
    /// `done` gets the output or the exception. Null: tasks run on `blocking` with no agent.
    /// A task_kind::compute task may run before it returns, on the calling thread.
    std::function<void(const std::string& agent_type, task_call call, task_fn fn,
                       std::function<void(std::exception_ptr, boost::json::value)> done, task_kind kind)>
        run_on_agent;
    /// @brief Optional GPIO hook for gpio steps: returns the step's output or throws.
    std::function<boost::json::value(const boost::json::object& step)> gpio;
};

}  // namespace chainbot::orchestrator
