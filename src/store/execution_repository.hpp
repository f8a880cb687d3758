#pragma once
// Executions of workflows: status, input and output, timings, owner and lease.

#include "store/types.hpp"

#include <cstdint>
#include <map>
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
    /// With owner_instance: created already claimed, lease generation 1, the lease this long
    /// (an instance that starts the execution itself at once, with no claim round trip).
    std::int64_t lease_ms = 0;
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
    /// @brief How many executions have each status, read in one statement (one snapshot);
    /// a status with none is absent.
    std::map<execution_status, std::size_t> count_by_status();
    /// @brief Queued, running or paused executions of a workflow.
    std::size_t count_active(const std::string& workflow_id);
    /// @brief Sets the status; stamps started_at on the first move to running and
    /// finished_at on a terminal status. Returns the updated row; store_not_found when missing.
    execution set_status(const std::string& id, const execution_change& change);
    /// @brief Records which instance runs the execution and until when it holds it; each
    /// call bumps lease_generation (the fencing token).
    void set_owner(const std::string& id, const std::optional<std::string>& owner_instance,
                   std::optional<time_point> lease_expires_at);

    // ---- scale-out (see README "Scale-out") -------------------------------------------
    /// @brief Claims up to `limit` executions for `instance`, oldest first: queued ones no
    /// instance holds, and active ones whose lease expired (their owner is gone). Each
    /// claim sets the owner, a lease of `lease_ms` from the database's now and bumps
    /// lease_generation. On PostgreSQL rows are picked with FOR UPDATE SKIP LOCKED, so
    /// concurrent claimers never take the same execution.
    std::vector<execution> claim(const std::string& instance, std::size_t limit, std::int64_t lease_ms);
    /// @brief Renews the leases of the given (id, generation) pairs held by `instance`;
    /// returns the ids whose lease it no longer holds (claimed by another instance).
    std::vector<std::string> renew(const std::string& instance,
                                   const std::vector<std::pair<std::string, std::int64_t>>& held,
                                   std::int64_t lease_ms);
    /// @brief The fence of every persisted transition, inside its write transaction: throws
    /// lease_lost unless the execution's lease_generation is still `generation`, and keeps it
    /// so until commit (PostgreSQL: the row lock; SQLite: the database's write lock).
    void fence(const std::string& id, std::int64_t generation);
    /// @brief Lets the lease go at once (a clean stop, or a claim admission refused) so that
    /// another instance may take over; one still queued becomes unclaimed again.
    void release(const std::string& id, const std::string& instance, std::int64_t generation);
    /// @brief Expires every lease (SQLite at start: the file lock proves no other instance runs).
    void expire_all_leases();
    /// @brief Queued executions that no instance holds yet (the cluster's queue).
    std::size_t count_unclaimed();
    /// @brief Moves an execution from status `from` to `change` only while no instance holds
    /// it (a queued execution waiting for a slot). False when it was claimed or is not in `from`.
    bool set_status_if_unclaimed(const std::string& id, execution_status from, const execution_change& change);

private:
    detail::runner* runner_;
};

}  // namespace chainbot::store
