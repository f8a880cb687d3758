#pragma once
// Step runs: one row per attempt of a step of an execution.

#include "store/types.hpp"

#include <optional>
#include <string>
#include <vector>

namespace chainbot::store {

namespace detail {
class runner;
}

struct step_run {
    std::string id;
    std::string execution_id;
    std::string step_id;
    int attempt = 1;
    step_status status = step_status::pending;
    std::optional<std::string> input;  // JSON text
    std::optional<std::string> output;
    std::optional<std::string> error;
    std::string idempotency_key;  // passed on to agents and API calls; the same on a re-run
    time_point created_at;
    std::optional<time_point> started_at;
    std::optional<time_point> finished_at;
};

struct new_step_run {
    std::string execution_id;
    std::string step_id;
    int attempt = 1;
    step_status status = step_status::pending;
    std::optional<std::string> input;
    std::string idempotency_key;  // "<execution_id>:<step_id>:<attempt>" when empty
    std::string id;               // generated when empty
};

struct step_run_change {
    step_status status = step_status::running;
    std::optional<std::string> output;
    std::optional<std::string> error;
};

class step_run_repository {
public:
    explicit step_run_repository(detail::runner& r) : runner_(&r) {}

    /// @brief store_conflict when this attempt of the step exists as another run (another id);
    /// store_not_found when the execution does not. The same run (same id, execution, step and
    /// attempt) created again changes nothing and is no error: a write retried after a commit
    /// whose outcome was unknown.
    step_run create(const new_step_run& s);
    std::optional<step_run> get(const std::string& id);
    /// @brief The step runs of an execution in the order they were created (runs created in
    /// the same millisecond by step id, then attempt).
    std::vector<step_run> list(const std::string& execution_id);
    /// @brief Stamps started_at on running and finished_at on a terminal status.
    step_run set_status(const std::string& id, const step_run_change& change);
    /// @brief A run recorded only once it ended (a step with nothing to repeat after a crash):
    /// one INSERT with `change`'s terminal status, output and error, started and finished now.
    /// Idempotent: false, changing nothing, when a run with this id exists.
    bool record_finished(const new_step_run& s, const step_run_change& change);

private:
    detail::runner* runner_;
};

}  // namespace chainbot::store
