#pragma once
/// @file spawner.hpp
/// @brief The agent spawner: creates agents of the enabled types within
/// agents.max_instances_per_type and agents.max_total_instances, persists their
/// lifecycle (idle, working, terminated, error) and restores it at start, and runs
/// each agent as an actor: a bounded mailbox (agents.mailbox_capacity) whose jobs run
/// one at a time on the spawner's work pool, never a thread per agent.
///
/// `agent_task` steps reach it through run_task(): the step runs on an idle agent of its
/// type; when none is idle one is spawned within the limits; else the step waits its
/// turn in a FIFO per type and takes the next agent of that type that becomes idle.
/// A task_kind::compute task (bounded CPU work that never blocks) that finds an idle agent
/// already persisted as working runs on the calling thread, inside run_task(): the work pool
/// hand-off and back costs more than such a task.
///
/// @code
///   auto spawner = std::make_shared<agents::agent_spawner>([s = store] { return s->store(); });
///   rt.add_service(spawner);  // after the store
///   auto a = spawner->spawn({"data_processor", "dp-1", {}});   // blocking; service_error 400/409
///   spawner->terminate(a.id);
/// @endcode

#include "orchestrator/task_registry.hpp"
#include "resources/governor.hpp"
#include "runtime/runtime.hpp"
#include "store/agent_repository.hpp"
#include "store/database.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <atomic>
#include <cstdint>
#include <deque>
#include <exception>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace boost::asio {
class thread_pool;
}

namespace chainbot::agents {

class agent_actor;

struct spawn_request {
    std::string type;
    std::string name;  // "" names it "<type>-<first 8 characters of its id>"
    boost::json::object config;
    /// Spawned to run a step of an execution already admitted: not held by the governor.
    bool for_step = false;
};

/// @brief Checks a type's spawn config; throws std::invalid_argument naming the key.
using config_validator = std::function<void(const boost::json::object& config)>;

/// @brief Work an agent does from its mailbox, on the work pool (it may block).
using agent_job = std::function<void(const std::shared_ptr<const orchestrator::agent_handle>&)>;

/// @brief Counts of live agents, from memory (metrics and health).
struct spawner_counts {
    std::size_t idle = 0, working = 0, error = 0, waiting_tasks = 0, queued_jobs = 0;
};

class agent_spawner final : public service, public std::enable_shared_from_this<agent_spawner> {
public:
    explicit agent_spawner(std::function<std::shared_ptr<store::database>()> store);
    ~agent_spawner() override;

    std::string_view name() const override { return "agent_spawner"; }
    /// @brief Restores the agents that are not terminated (a `working` one becomes idle: its
    /// job was lost with the process; the step that ran it is retried by the orchestrator).
    void start(runtime& rt) override;
    /// @brief Refuses new work, fails waiting tasks (kind "unavailable"), lets running jobs end.
    void stop() noexcept override;

    /// @brief Validates a type's config at spawn (before anything is stored).
    void set_config_validator(const std::string& type, config_validator validator);
    /// @brief How an agent sends entanglement messages (agent_handle::send_message); set by
    /// the entanglement manager: (sender agent id, message) -> the stored message.
    void set_message_sender(std::function<boost::json::value(const std::string&, const boost::json::object&)> sender);

    /// @brief Scale-out: the id under which this instance registers (the orchestrator's);
    /// set before start. A spawner alone makes one up.
    void set_instance_id(std::string id);
    const std::string& instance_id() const noexcept { return instance_id_; }

    /// @brief Scale-out (PostgreSQL): what the entanglement manager does when agents arrive
    /// here and when messages may be waiting for this instance's agents.
    struct cluster_hooks {
        /// Agents this instance took over (their owner died or let them go), after their
        /// actors exist. Runs on the work pool.
        std::function<void(const std::vector<std::string>& agent_ids)> adopted;
        /// Another instance stored messages for an agent here (argument: the entanglement),
        /// or "" on the slow fallback poll (a notification may have been lost). Work pool.
        std::function<void(const std::string& entanglement_id)> messages_waiting;
    };
    void set_cluster_hooks(cluster_hooks hooks);
    /// @brief Scale-out: wakes `instance` to deliver what was stored for its agents in an
    /// entanglement (NOTIFY). Nothing on SQLite; failures are logged (the poll covers them).
    void notify_messages(const std::string& instance, const std::string& entanglement_id);

    /// @brief The admission control spawns consult (before start); none: spawns are not held.
    void set_governor(std::shared_ptr<resources::governor> g) { governor_ = std::move(g); }

    /// @brief Blocking. service_error: 400 unknown/disabled type or bad config (naming the
    /// key), 409 limit_reached (naming the limit and its value), 503 when stopped, 503
    /// resource_limit while the governor holds new work (memory, temperature) unless
    /// `for_step` (agent_task steps of admitted executions keep going).
    store::agent spawn(const spawn_request& request);
    /// @brief Blocking. Jobs still in its mailbox fail; the slot is released at once.
    /// service_error 404 when unknown, 409 when already terminated.
    store::agent terminate(const std::string& id);

    /// @brief Runs `fn` on an agent of `type` (see the file comment). `done` gets the
    /// task's output or the exception it threw (a service_error 503 when stopping, a
    /// step_failure "configuration" for a disabled type). A `compute` task may run, and call
    /// `done`, before this returns (see the file comment).
    void run_task(const std::string& type, orchestrator::task_call call, orchestrator::task_fn fn,
                  std::function<void(std::exception_ptr, boost::json::value)> done,
                  orchestrator::task_kind kind = orchestrator::task_kind::blocking);

    /// @brief Puts a job in an agent's mailbox. False with `why` when the agent is unknown,
    /// terminated, or its mailbox is full. `on_dropped` (optional) runs if the agent is
    /// terminated before the job ran.
    /// `ignore_capacity`: for messages already accepted (redelivery at start).
    bool deliver(const std::string& agent_id, agent_job job, std::string* why = nullptr,
                 std::function<void()> on_dropped = {}, bool ignore_capacity = false);

    /// @brief True when the agent is live and its mailbox has room for one more job; else
    /// false with `why` (unknown or terminated agent, full mailbox, error state).
    bool can_accept(const std::string& agent_id, std::string* why = nullptr) const;
    /// @brief The live agents of a type (all types when empty).
    std::vector<std::shared_ptr<const orchestrator::agent_handle>> live_agents(const std::string& type = {}) const;
    /// @brief True when the agent runs here (this instance owns it) and is not terminated.
    bool is_live(const std::string& agent_id) const;
    spawner_counts counts() const;
    /// @brief False once stop() began: mailbox jobs dropped then are not lost work to
    /// their owners (entanglement messages are delivered again at the next start).
    bool accepting() const;
    /// @brief Set when stop() begins: jobs that are not steps (message reactions) pass it as
    /// their task_call::cancelled so that they end early.
    std::shared_ptr<std::atomic<bool>> stopping_flag() const;

private:
    friend class agent_actor;
    struct waiting_task {
        orchestrator::task_call call;
        orchestrator::task_fn fn;
        std::function<void(std::exception_ptr, boost::json::value)> done;
        orchestrator::task_kind kind = orchestrator::task_kind::blocking;
    };
    std::shared_ptr<store::database> db() const;
    std::shared_ptr<agent_actor> make_actor(const store::agent& a);
    void check_limits(const std::string& type) const;  // with mutex_ held
    /// `here`: the caller may run a compute task itself (run_task; not the hand-overs of
    /// on_idle, which would nest one task's end inside the next).
    void dispatch(std::shared_ptr<agent_actor> actor, waiting_task task, bool here = false);
    void on_idle(const std::string& type);
    void spawn_for_waiters();
    bool post_work(std::function<void()> job);
    /// @brief Scale-out: takes over orphaned agents, drops actors this instance no longer
    /// owns, and runs the fallback poll of messages; re-arms itself every cluster.poll_seconds.
    void cluster_tick();
    void cluster_tick_once();
    void on_cluster_notification(const store::notification& n);
    /// @brief Removes an actor from memory only (its agent runs elsewhere or was terminated
    /// by another instance); the jobs in its mailbox are dropped.
    void forget(const std::string& agent_id, const char* why);
    /// @brief Runs `job` on the work pool after `delay`; false (nothing queued) once stopping.
    bool post_work_after(std::chrono::milliseconds delay, std::function<void()> job);

    std::function<std::shared_ptr<store::database>()> store_;
    std::shared_ptr<resources::governor> governor_;
    runtime* rt_ = nullptr;
    std::unique_ptr<boost::asio::thread_pool> pool_;
    std::function<boost::json::value(const std::string&, const boost::json::object&)> sender_;
    std::string instance_id_;
    cluster_hooks hooks_;
    std::unique_ptr<store::notification_listener> listener_;
    struct cluster_timer;  // an Asio timer (kept out of this header)
    std::shared_ptr<cluster_timer> cluster_timer_;

    mutable std::mutex mutex_;
    bool accepting_ = false;
    std::shared_ptr<std::atomic<bool>> stopping_;
    std::map<std::string, config_validator> validators_;
    std::map<std::string, std::shared_ptr<agent_actor>> actors_;  // live agents (not terminated)
    std::map<std::string, std::deque<waiting_task>> waiting_;     // by type
    std::map<std::string, int> spawning_;                         // auto-spawns in progress, by type
};

/// @brief The spawn config of each type, checked before an agent is stored by the type's
/// own parser: `assistant` (assistant/options.hpp: endpoint, model, temperature 0-2...),
/// `workflow` (alert_rules, see workflow_agent.hpp). The module adds `api` (its client
/// config, which needs the secrets); `data_processor` takes any object.
void add_builtin_validators(agent_spawner& spawner);

}  // namespace chainbot::agents
