#pragma once
// One execution of a workflow definition, driven by events on its own strand: a step is
// dispatched when its predecessors are finished; nothing polls. Every transition goes to
// the store through the group-commit writer, and a step's successors start only after its
// completion has committed. Built from the store's history, it resumes an execution that
// a crash interrupted: completed steps are not run again, an in-flight step runs again
// with the same idempotency key. An execution's transitions commit in the order they were
// made, also when the store fails for a while and they are retried.

#include "orchestrator/definition.hpp"
#include "orchestrator/engine_env.hpp"
#include "orchestrator/step_body.hpp"
#include "store/execution_repository.hpp"
#include "store/step_run_repository.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace chainbot::orchestrator {

class execution_runner : public std::enable_shared_from_this<execution_runner> {
public:
    execution_runner(engine_env& env, store::execution record, std::shared_ptr<const workflow_definition> def,
                     bool persist, std::vector<store::step_run> history = {});

    /// @brief Starts or resumes; `on_finished` is called once with the outcome.
    /// `begun`: the execution was created running and claimed by this instance, so its start
    /// is already stored (a fresh start, not a resumption).
    void start(std::function<void(execution_outcome)> on_finished, bool begun = false);
    void cancel();
    void pause();
    void resume();
    /// @brief Stops without a state change in the store (module shutdown): resumed at next start.
    /// The future is ready once the strand took it in: no transition is persisted after that.
    std::future<void> shutdown();
    /// @brief True once it reached a terminal status (its runner may still be finishing).
    bool ended() const noexcept { return ended_.load(); }
    /// @brief Scale-out: called (once, on the strand) when a transition was refused because
    /// another instance claimed the execution; the runner has stopped without writing.
    void on_lost(std::function<void()> f) { on_lost_ = std::move(f); }
    /// @brief Stops like shutdown() and reports on_lost: the lease was lost, or (`why`) the
    /// execution's row could not be stored.
    void lose(std::string why = {});
    /// @brief Before start(): the execution's row is still being written (queued ahead of this
    /// runner's transitions on the same writer). Until one of its own writes committed, a step
    /// that acts on the world (in-flight marker) runs only once its marker, and so the row,
    /// committed: if the row cannot be stored, nothing ran but pure steps.
    void row_pending() { unstored_ = true; }
    const std::string& id() const noexcept { return record_.id; }
    /// @brief The fencing token this runner holds (the execution's lease_generation when claimed).
    std::int64_t generation() const noexcept { return record_.lease_generation; }

private:
    enum class state { waiting, ready, running, backoff, completed, failed, skipped, cancelled, dormant };
    struct step_state {
        const step_def* def = nullptr;
        state status = state::waiting;
        int attempt = 0;
        std::size_t pending_deps = 0;
        std::vector<std::size_t> deps, successors;
        std::string run_id;
        std::string idempotency_key;
        bool rerun_in_flight = false;  // resumed: run the stored attempt again, same key
        bool row_deferred = false;     // a pure step's run: written once, when it ends
        bool computes = false;         // an agent_task running a task_kind::compute task (pure)
        boost::json::value output;
        std::string error, error_kind;
        std::uint64_t token = 0;  // invalidates results of an abandoned attempt
        std::shared_ptr<std::atomic<bool>> cancelled;
        std::unique_ptr<boost::asio::steady_timer> timer;
        std::optional<std::size_t> handling;  // a handler: the failed step it handles
    };

    void build_graph();
    void apply_history(std::vector<store::step_run>& history);
    void schedule();
    void dispatch(std::size_t i);
    void run_started_step(std::size_t i);  // the step's body (and its timeout), once dispatched
    void on_result(std::size_t i, std::uint64_t token, step_result r);
    void on_step_failed(std::size_t i);
    void finish_step(std::size_t i);
    void skip_step(std::size_t i, bool persist_row);
    void apply_branch(std::size_t condition);
    void check_done();
    void complete(boost::json::value output);
    void terminate(store::execution_status status, std::string error);
    void stop_running_steps(store::step_status as);
    void persist(transition_writer::work w, std::function<void()> then);
    void persist_detached(transition_writer::work w);
    // Strict write order per execution, also across retries (execution_runner.cpp).
    struct write_order;
    struct pending_transition;
    void send(std::shared_ptr<pending_transition> p);
    void on_committed(const std::shared_ptr<pending_transition>& p);
    void on_write_failed(const std::shared_ptr<pending_transition>& p);
    void retry_held();
    void arm_retry();
    /// @brief The write that ends step i's current attempt as `change` says.
    transition_writer::work end_run(std::size_t i, store::step_run_change change);
    static constexpr std::size_t no_step = static_cast<std::size_t>(-1);
    void publish(const std::string& topic, boost::json::object extra = {}, std::size_t step = no_step);
    void publish_step(const std::string& topic, std::size_t i, boost::json::object extra = {});
    const boost::json::value* resolve(std::string_view root, std::size_t for_step) const;
    step_context make_context(std::size_t i);
    boost::json::value masked(const boost::json::value& v) const;
    std::string masked(const std::string& s) const;
    std::size_t steps_completed() const;
    /// @brief Transitions go to the store (false: an ephemeral execution, or no writer).
    bool persisting() const noexcept { return persist_ && env_.writer; }
    double duration_seconds() const;

    engine_env& env_;
    strand_t strand_;
    store::execution record_;
    std::shared_ptr<const workflow_definition> def_;
    bool persist_;
    std::vector<store::step_run> history_;
    friend class runner_journal;
    std::shared_ptr<nested_journal> journal_;  // made at start
    std::map<std::pair<std::string, int>, boost::json::value> nested_done_;  // (path, attempt) -> output, from history
    std::vector<step_state> steps_;
    boost::json::value input_;
    boost::json::object outputs_;   // by step id and output_variable
    boost::json::object secrets_;   // resolvable names that are secrets
    std::vector<std::string> secret_values_;
    bool paused_ = false;
    bool finished_ = false;
    std::atomic<bool> ended_{false};  // reached a terminal status (complete or terminate): readable from any thread
    bool resumed_ = false;
    std::optional<boost::json::value> final_output_;
    std::unique_ptr<boost::asio::steady_timer> deadline_;
    std::chrono::steady_clock::time_point started_;
    std::function<void(execution_outcome)> on_finished_;
    std::function<void()> on_lost_;
    bool lost_ = false;
    bool unstored_ = false;  // on the strand: the execution's own row has not committed yet (row_pending)
    std::size_t completed_ = 0;  // steps in state completed (they never leave it)
    std::size_t awaiting_ = 0;   // step ends whose commit the runner waits for (then go on)
    std::shared_ptr<write_order> order_;  // shared with the transitions in the writer's queue
    std::uint64_t write_seq_ = 0;
    std::map<std::uint64_t, std::shared_ptr<pending_transition>> held_;  // waiting for a retry, oldest first
    std::uint64_t retrying_ = 0;  // the transition being retried alone, 0 when none
    std::size_t in_writer_ = 0;   // transitions sent to the writer whose result has not come back
    bool stopped_ = false;        // shutdown(): nothing more goes to the writer
    std::unique_ptr<boost::asio::steady_timer> retry_timer_;
    std::chrono::milliseconds retry_delay_{0};
};

}  // namespace chainbot::orchestrator
