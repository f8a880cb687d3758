#pragma once
// Executions of workflows: status, input and output, timings, owner and lease.

#include "store/types.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace chainbot::store {

namespace detail {
class runner;
}

struct execution {
    std::string id;
    std::string workflow_id;
    int workflow_version = 0;  // pinned at creation: later updates of the workflow do not change it
    execution_status status = execution_status::queued;
    std::string input;  // JSON text
    std::optional<std::string> output;
    std::optional<std::string> error;
    std::optional<std::string> idempotency_key;  // unique per workflow
    std::optional<std::string> owner_instance;   // the ChainBot instance running it
    std::optional<time_point> lease_expires_at;  // scale-out: until when the owner holds it
    std::int64_t lease_generation = 0;           // scale-out: fencing token, grows with each claim
    time_point created_at;
    time_point updated_at;
    std::optional<time_point> started_at;   // set when it first enters running
    std::optional<time_point> finished_at;  // set when it reaches a terminal status
    std::optional<time_point> deadline_at;  // the execution's timeout
};

struct new_execution {
    std::string workflow_id;
    std::optional<int> workflow_version;  // the latest when empty
    std::string input = "{}";
    std::optional<std::string> idempotency_key;
    std::optional<std::string> owner_instance;
    std::optional<time_point> deadline_at;
    execution_status status = execution_status::queued;
    std::string id;  // generated when empty
};

/// @brief create(): the execution, and whether it is new (false: an execution with the same
/// idempotency key already existed and is returned instead).
struct created_execution {
    execution record;
    bool created = true;
};

struct execution_filter {
    std::optional<std::string> workflow_id;
    std::optional<execution_status> status;
    std::optional<std::string> owner_instance;
};

/// @brief A status change with what comes with it; output and error replace the stored
/// values only when given.
struct execution_change {
    execution_status status = execution_status::running;
    std::optional<std::string> output;
    std::optional<std::string> error;
};

class execution_repository {
public:
    explicit execution_repository(detail::runner& r) : runner_(&r) {}

    /// @brief Pins the workflow version (the latest unless given). With an idempotency key
    /// already used for this workflow, returns that execution (created = false).
    /// store_not_found when the workflow or version does not exist.
    created_execution create(const new_execution& e);
    std::optional<execution> get(const std::string& id);
    std::optional<execution> find_by_idempotency_key(const std::string& workflow_id, const std::string& key);
    /// @brief Newest first.
    std::vector<execution> list(const execution_filter& f = {}, const page& p = {});
    std::size_t count(const execution_filter& f = {});
    /// @brief Queued, running or paused executions of a workflow.
    std::size_t count_active(const std::string& workflow_id);
    /// @brief Sets the status; stamps started_at on the first move to running and
    /// finished_at on a terminal status. Returns the updated row; store_not_found when missing.
    execution set_status(const std::string& id, const execution_change& change);
    /// @brief Records which instance runs the execution and until when it holds it; each
    /// call bumps lease_generation (the fencing token).
    void set_owner(const std::string& id, const std::optional<std::string>& owner_instance,
                   std::optional<time_point> lease_expires_at);

private:
    detail::runner* runner_;
};

}  // namespace chainbot::store
