#pragma once
// The tasks `agent_task` steps run, by agent type and task name. The agents component
// registers its built-in tasks here; tests register their own.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

namespace chainbot::orchestrator {

/// @brief A step failure with a kind that retry_on can select ("timeout", "http_5xx",
/// "validation", "agent", ...). Any other exception counts as kind "error".
class step_failure : public std::runtime_error {
public:
    step_failure(std::string kind, const std::string& message) : std::runtime_error(message), kind_(std::move(kind)) {}
    const std::string& kind() const noexcept { return kind_; }

private:
    std::string kind_;
};

/// @brief The spawned agent a task runs on (agents::agent_spawner fills it in; null when
/// a task runs without a spawner, e.g. an orchestrator embedded alone in a test).
struct agent_handle {
    std::string id;
    std::string type;
    std::string name;
    boost::json::object config;  // the agent's spawn config
    /// The agent's persisted private data (e.g. an assistant's conversation memory);
    /// null when it has none. Blocking (reads the store).
    std::function<boost::json::value()> load_data;
    /// Persists the agent's private data. Blocking (writes the store); throws on failure.
    std::function<void(const boost::json::value&)> save_data;
    /// Sends an entanglement message from this agent: {"entanglement_id", "receiver_id"
    /// (absent: broadcast), "content", "message_type"} -> the stored message as JSON.
    /// Null when the agent belongs to no entanglement manager. Throws on a broken rule.
    std::function<boost::json::value(const boost::json::object& message)> send_message;
};

/// @brief What a task receives.
struct task_call {
    std::string execution_id;
    std::string step_id;
    int attempt = 1;
    std::string idempotency_key;  // the same when an in-flight step runs again after a crash
    boost::json::value input;     // the step's rendered `input` (or the workflow input when absent)
    boost::json::object config;   // the step's rendered `config`
    std::shared_ptr<std::atomic<bool>> cancelled;  // set on cancel or timeout; long tasks check it
    std::shared_ptr<const agent_handle> agent;     // the agent it runs on; may be null
};

/// @brief A task: returns its output or throws (step_failure for a classified error).
/// Tasks run on the blocking pool, so they may block (unless registered as task_kind::compute).
using task_fn = std::function<boost::json::value(const task_call&)>;

/// @brief Where a task may run.
enum class task_kind {
    /// May block (I/O, a remote service, sleeping): runs on the agent work pool, off the I/O
    /// threads. The default.
    blocking,
    /// Bounded CPU work that never blocks nor waits, a pure function of its input and config
    /// (the built-in data_processor tasks): it may run on the thread that dispatches the step,
    /// saving two thread hand-offs per step. Being pure, it is recorded like a transform step:
    /// one row when it ends, no in-flight marker, and its successors need not wait for that
    /// write (run again after a crash, it gives the same output).
    compute,
};

struct registered_task {
    task_fn fn;
    task_kind kind = task_kind::blocking;
};

class task_registry {
public:
    void add(const std::string& agent_type, const std::string& task, task_fn fn, task_kind kind = task_kind::blocking);
    /// @brief nullopt when no such task exists.
    std::optional<task_fn> find(const std::string& agent_type, const std::string& task) const;
    /// @brief The task and its kind; nullopt when no such task exists.
    std::optional<registered_task> lookup(const std::string& agent_type, const std::string& task) const;
    bool contains(const std::string& agent_type, const std::string& task) const;
    /// @brief The task's kind (no copy of the task); nullopt when no such task exists.
    std::optional<task_kind> kind_of(const std::string& agent_type, const std::string& task) const;

private:
    mutable std::mutex mutex_;
    std::map<std::pair<std::string, std::string>, registered_task> tasks_;
};

}  // namespace chainbot::orchestrator
