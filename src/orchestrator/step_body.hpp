#pragma once
// Runs the body of one step (one attempt) of any kind, asynchronously. Scheduling,
// retries, persistence and events are the execution runner's; this file knows what each
// kind of step does. Loop and parallel steps run their nested steps through it again.

#include "orchestrator/definition.hpp"
#include "orchestrator/engine_env.hpp"
#include "orchestrator/expressions.hpp"

#include <boost/asio/strand.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace chainbot::orchestrator {

struct step_result {
    bool ok = true;
    boost::json::value output;
    std::string error;
    std::string error_kind;     // for retry_on; "error" when unclassified
    bool end_execution = false;  // a succeed step: the execution completes now
};

using strand_t = boost::asio::strand<boost::asio::io_context::executor_type>;

/// @brief Where the nested steps of loop and parallel steps are recorded, so that they
/// appear in the execution's history and a resumed execution does not run again those
/// that completed. A nested step's path names it: `loop1[2].fetch`, `fan.branch_a`,
/// `outer[0].inner[1].leaf`; `attempt` is the attempt of the top-level step around it.
/// Called on the execution's strand.
class nested_journal {
public:
    virtual ~nested_journal() = default;
    /// @brief The output of the nested step when it completed in this attempt before (resume).
    virtual std::optional<boost::json::value> completed(const std::string& path, int attempt) = 0;
    /// @brief Records that it starts (not waited for).
    virtual void started(const std::string& path, int attempt, const std::string& idempotency_key) = 0;
    /// @brief Records how it ended; `then` runs on the strand once that is committed.
    virtual void finished(const std::string& path, int attempt, const step_result& r, std::function<void()> then) = 0;
};

/// @brief Everything a step body needs; the resolver sees the execution's data.
struct step_context {
    engine_env* env = nullptr;
    strand_t* strand = nullptr;  // results and timers run here
    const step_def* step = nullptr;
    std::string execution_id;
    std::string workflow_id;
    int attempt = 1;
    std::string idempotency_key;
    std::shared_ptr<std::atomic<bool>> cancelled;
    resolver resolve;
    std::shared_ptr<nested_journal> journal;  // null: nested steps are not recorded
    /// The execution's secret values masked ("***") in a value a step publishes (emit_event,
    /// notification); null: nothing to mask.
    std::function<boost::json::value(const boost::json::value&)> mask;
    std::string path;                         // the step's path ("" for a top-level step: its id)
};

/// @brief Runs the step; `done` is called exactly once, on the context's strand.
void run_step_body(step_context ctx, std::function<void(step_result)> done);

/// @brief Error kinds that are not retried unless a step's retry_on names them.
bool retryable_by_default(std::string_view kind) noexcept;

}  // namespace chainbot::orchestrator
