#pragma once
// The workflow orchestrator as a runtime service: workflow definitions (validated before
// they are stored, versioned), executions admitted up to workflow.max_concurrent_executions
// with a FIFO queue behind (bounded by workflow.max_queued_executions), cancel/pause/resume.
//
// Admission: the resources::governor decides whether new executions start (memory and
// temperature holds) and how many run at once (the CPU cap lowers the configured limit).
// Held executions stay queued and start when the governor reopens; a request that asked
// not to wait (execute_request::queue = false) is refused instead. Validated definitions
// are cached by (workflow id, version), bounded by resources.definition_cache_size and
// invalidated on update and delete, here and (NOTIFY chainbot_definitions) on the other
// instances.
//
// Scale-out: persisted executions are stored queued and claimed from the store by whichever
// instance has a free slot (FOR UPDATE SKIP LOCKED on PostgreSQL); a claim carries a lease
// the owner renews with its heartbeat, and every transition is fenced by the lease
// generation. Expired leases (a dead owner) are claimed like queued work and resumed from
// the last committed step. On SQLite (one instance per file) the same path claims everything.

#include "orchestrator/definition.hpp"
#include "orchestrator/engine_env.hpp"
#include "orchestrator/execution_runner.hpp"
#include "orchestrator/task_registry.hpp"
#include "orchestrator/transition_writer.hpp"
#include "resources/governor.hpp"
#include "resources/lru_cache.hpp"
#include "runtime/runtime.hpp"
#include "runtime/service_error.hpp"
#include "store/database.hpp"
#include "store/pg_listener.hpp"

#include <boost/asio/thread_pool.hpp>
#include <boost/json/value.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace chainbot::http {
class http_client;
}

namespace chainbot::orchestrator {

class event_relay;

/// @brief A refused request, with the HTTP-like status it maps to (the service_error every
/// component throws; the REST layer maps them all the same way).
class orchestrator_error : public service_error {
public:
    using service_error::service_error;
};

struct execute_request {
    boost::json::value input = boost::json::object();
    std::optional<std::string> idempotency_key;
    std::optional<double> timeout_hours;
    std::optional<bool> ephemeral;  // overrides the workflow's "ephemeral"
    /// false: start now or be refused (503 resource_limit or concurrency_limit) instead of
    /// waiting in the queue.
    bool queue = true;
};

class orchestrator final : public service {
public:
    /// @brief `store` gives the open store once the store service has started.
    explicit orchestrator(std::function<std::shared_ptr<store::database>()> store);
    ~orchestrator() override;

    std::string_view name() const override { return "orchestrator"; }
    void start(runtime& rt) override;  ///< recovers executions left queued or running
    void stop() noexcept override;     ///< running executions stay "running" in the store and resume at next start

    task_registry& tasks() noexcept { return tasks_; }
    /// @brief The secrets of workflow.credentials_file (loaded at start), resolvable as ${name}.
    std::map<std::string, std::string> secrets() const {
        std::lock_guard lock(mutex_);
        return env_.secrets;
    }
    void set_http_client(http::http_client* client) noexcept { http_ = client; }
    /// @brief Where agent_task steps run (see engine_env::run_on_agent); before start.
    void set_agent_runner(decltype(engine_env::run_on_agent) runner) { agent_runner_ = std::move(runner); }
    void set_gpio(std::function<boost::json::value(const boost::json::object&)> gpio) { gpio_ = std::move(gpio); }
    /// @brief The admission control this orchestrator consults (before start; the module
    /// shares one with the agent spawner and the resource monitor). A default one otherwise.
    void set_governor(std::shared_ptr<resources::governor> g);
    const std::shared_ptr<resources::governor>& governor() const noexcept { return governor_; }
    /// @brief While `hold()` is true new executions queue instead of starting (the Raspberry Pi
    /// thermal hold): the governor's `temperature` hold check. Held executions start when the
    /// governor is told to recheck (the resource monitor does on temperature_normal).
    void set_admission_hold(std::function<bool()> hold);

    /// @brief Parses the JSON text; throws validation_error (every problem with its JSON path).
    std::shared_ptr<const workflow_definition> validate(const boost::json::value& definition) const;
    store::workflow_version create_workflow(const boost::json::value& definition);
    store::workflow_version update_workflow(const std::string& id, const boost::json::value& definition);
    /// @brief Refused (409) while executions of the workflow are queued, running or paused.
    void delete_workflow(const std::string& id);

    /// @brief Starts (or queues) an execution of the latest version. With an idempotency key
    /// already used for this workflow, returns that execution instead. `on_done` gets the outcome.
    /// Refused (orchestrator_error, with Retry-After): 429 queue_full at
    /// workflow.max_queued_executions; with request.queue false, 503 resource_limit while
    /// admission is closed and 503 concurrency_limit while every slot is busy.
    store::execution execute(const std::string& workflow_id, const execute_request& request,
                             std::function<void(execution_outcome)> on_done = {});
    /// @brief The execution (or, with the record empty, the error) once it is stored.
    using started_callback = std::function<void(store::execution, std::exception_ptr)>;
    /// @brief execute() that does not wait for the store's commit: `on_started` gets the record
    /// once the execution's row has committed, on the thread that committed it (the group-commit
    /// writer's; it must not block), or on this thread when nothing is written or the write
    /// failed here. Refusals before anything is written (validation, admission) are thrown, as
    /// by execute().
    void execute_async(const std::string& workflow_id, const execute_request& request, started_callback on_started,
                       std::function<void(execution_outcome)> on_done = {});
    /// @brief execute_async() on a thread that must not block (an I/O thread): starts the
    /// execution when that reads and writes nothing of the store here (the latest definition is
    /// cached; ephemeral, or durable on a free slot without an idempotency key, its row going
    /// through the group-commit writer) and returns true. Otherwise returns false having done
    /// nothing, the callbacks left with the caller: call execute_async() where blocking is fine.
    /// Refusals are thrown as by execute_async().
    bool try_execute_now(const std::string& workflow_id, const execute_request& request, started_callback& on_started,
                         std::function<void(execution_outcome)>& on_done);
    void cancel(const std::string& execution_id);
    void pause(const std::string& execution_id);
    void resume(const std::string& execution_id);

    /// @brief Blocks until the execution finishes or `timeout` passes (nullopt then). Not on I/O threads.
    std::optional<execution_outcome> wait(const std::string& execution_id, std::chrono::milliseconds timeout);

    std::size_t running_count() const;
    /// @brief Executions allowed at once now: workflow.max_concurrent_executions lowered by
    /// the governor's CPU cap.
    std::size_t concurrency_limit() const;
    /// @brief Ephemeral executions waiting in this instance's memory queue.
    std::size_t local_queued_count() const;
    resources::cache_stats definition_cache_stats() const { return definitions_.stats(); }
    /// @brief Drops the cached definitions of a workflow (all versions); here only.
    void invalidate_definitions(const std::string& workflow_id);
    /// @brief Ephemeral executions waiting here plus queued executions no instance claimed yet.
    std::size_t queued_count() const;
    /// @brief Queued, running or paused executions in the store, whoever holds them.
    std::size_t active_in_store() const;
    /// @brief Scale-out figures of this instance.
    struct cluster_stats {
        std::uint64_t claims = 0;       // executions claimed (queued or taken over)
        std::uint64_t takeovers = 0;    // of which had been owned by another instance
        std::uint64_t lost = 0;         // executions given up because another instance claimed them
        std::uint64_t heartbeats = 0;
        std::uint64_t notifications = 0;  // LISTEN wake-ups received
        bool listening = false;           // PostgreSQL: a notification connection is up
    };
    cluster_stats cluster_figures() const;
    /// @brief The group-commit writer since start: transactions committed, the transitions they
    /// carried (execution rows, step runs, status changes), and what waits for the next one.
    struct commit_stats {
        std::uint64_t batches = 0;
        std::uint64_t transitions = 0;
        std::size_t queued = 0;
    };
    commit_stats commit_figures() const;
    const std::string& instance_id() const noexcept { return instance_id_; }
    /// @brief The scale-out event relay (null unless PostgreSQL and cluster.relay_events); for tests.
    std::shared_ptr<event_relay> relay() const noexcept { return relay_; }
    /// @brief For tests and shutdown: waits until every queued store write has committed.
    void flush();
    /// @brief The store it runs on (the module's one database); throws while there is none.
    std::shared_ptr<store::database> db() const;

private:
    struct queued {
        store::execution record;
        std::shared_ptr<const workflow_definition> def;
        bool persist;
        std::vector<store::step_run> history;
        bool paused = false;  // paused while queued: stays in line without starting
        bool begun = false;   // created running and claimed by this instance (execute)
        bool row_pending = false;  // begun, with its row still in the writer's queue (execute_async)
    };
    struct cached_definition {
        int version = 0;
        std::shared_ptr<const workflow_definition> def;
    };
    std::shared_ptr<const workflow_definition> load_definition(const std::string& workflow_id, int version);
    cached_definition latest_definition(const std::string& workflow_id);
    /// Throws the refusals. `holds_slot`: the execution starts at once on a slot it reserved
    /// (starting_), so no queue bound applies and the store's queue is not read.
    void check_admission(const execute_request& request, bool ephemeral, bool holds_slot = false);
    /// execute_async(), or with `may_block` false try_execute_now() (false: nothing done).
    bool start_execution(const std::string& workflow_id, const execute_request& request, started_callback& on_started,
                         std::function<void(execution_outcome)>& on_done, bool may_block);
    bool start_before_stored(store::new_execution& ne, const std::shared_ptr<const workflow_definition>& def,
                             started_callback& on_started, std::function<void(execution_outcome)>& on_done);
    store::execution on_created(const store::created_execution& created, const std::shared_ptr<const workflow_definition>& def,
                                bool owned, std::function<void(execution_outcome)> on_done);
    void admit(queued q);
    void launch(queued q);  // with mutex_ held
    // `runner`: the runner reporting (null: not a runner, e.g. cancelled while queued); a runner
    // superseded by a newer claim of the same execution is ignored.
    void on_finished(const execution_outcome& outcome, const execution_runner* runner = nullptr);
    void pump(bool wake_coordinator = true);
    bool set_queued_pause(const std::string& id, bool paused);  // with mutex_ held: start queued executions while the limit and the hold allow
    void recover();                 // at start: registers the instance, starts the coordinator
    void coordinate();               // the coordinator thread: claims and takeovers, remote waiters
    void keep_leases();              // the lease keeper thread: heartbeats and lease renewals
    void wake();                    // the coordinator claims now (work queued, a slot freed)
    void claim_pass();
    void heartbeat_pass();
    void on_notification(const store::notification& n);
    void deliver_remote_outcome(const std::string& execution_id);
    void check_remote_waiters();
    void on_lost(const std::string& execution_id, const execution_runner* runner);
    void notify(const std::string& channel, const std::string& payload);
    validation_options validation() const;

    std::function<std::shared_ptr<store::database>()> store_;
    runtime* rt_ = nullptr;
    http::http_client* http_ = nullptr;
    std::function<boost::json::value(const boost::json::object&)> gpio_;
    decltype(engine_env::run_on_agent) agent_runner_;
    std::shared_ptr<resources::governor> governor_ = std::make_shared<resources::governor>();
    std::uint64_t governor_listener_ = 0;
    // (workflow id, version) -> validated definition; version 0: the latest version.
    resources::lru_cache<std::pair<std::string, int>, cached_definition> definitions_{256};
    bool settings_watched_ = false;
    task_registry tasks_;
    std::unique_ptr<boost::asio::thread_pool> blocking_;
    std::unique_ptr<transition_writer> writer_;
    engine_env env_;
    std::string instance_id_;

    mutable std::mutex mutex_;
    std::condition_variable finished_cv_;
    bool accepting_ = false;
    std::map<std::string, std::shared_ptr<execution_runner>> running_;
    std::deque<queued> queue_;
    std::size_t starting_ = 0;  // slots held by execute() while it creates an execution it will run itself
    std::size_t claiming_ = 0;  // slots held by a claim pass while its claim runs (not counted by check_admission)
    /// Under mutex_: the slots running, being created (execute) or being claimed (claim_pass).
    std::size_t slots_taken() const noexcept { return running_.size() + starting_ + claiming_; }
    std::map<std::string, std::vector<std::function<void(execution_outcome)>>> waiters_;
    std::map<std::string, execution_outcome> recent_;  // outcomes of finished executions, bounded
    std::deque<std::string> recent_order_;

    // scale-out
    std::thread coordinator_;
    std::thread lease_keeper_;  // heartbeats and lease renewals (keep_leases)
    std::condition_variable coordinator_cv_;
    bool coordinator_stop_ = false;
    bool coordinator_wake_ = false;
    // Persisted executions may wait unclaimed in the store: set by wake() (a durable execution
    // submitted, a notification, a resume), cleared by a claim pass that found fewer than it
    // could take. A freed slot wakes the coordinator only while set: an instance running
    // ephemeral executions does not query the store each time one ends (the poll still runs).
    bool store_work_ = true;
    std::uint64_t store_work_generation_ = 0;
    std::unique_ptr<store::notification_listener> listener_;
    std::shared_ptr<event_relay> relay_;  // PostgreSQL and cluster.relay_events: events to and from other instances
    std::uint64_t relay_observer_ = 0;
    std::atomic<std::uint64_t> claims_{0}, takeovers_{0}, lost_{0}, heartbeats_{0}, notifications_{0};
    std::atomic<bool> listening_{false};
};

}  // namespace chainbot::orchestrator
