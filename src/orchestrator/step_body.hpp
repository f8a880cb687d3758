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

namespace chainbot::orchestrator {

struct step_result {
    bool ok = true;
    boost::json::value output;
    std::string error;
    std::string error_kind;     // for retry_on; "error" when unclassified
    bool end_execution = false;  // a succeed step: the execution completes now
};

using strand_t = boost::asio::strand<boost::asio::io_context::executor_type>;

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
};

/// @brief Runs the step; `done` is called exactly once, on the context's strand.
void run_step_body(step_context ctx, std::function<void(step_result)> done);

/// @brief Error kinds that are not retried unless a step's retry_on names them.
bool retryable_by_default(std::string_view kind) noexcept;

}  // namespace chainbot::orchestrator
