#pragma once
// Access to every repository, shared by the database (each call its own transaction) and
// an open transaction (every call inside it).

#include "store/agent_repository.hpp"
#include "store/audit_repository.hpp"
#include "store/cluster_repository.hpp"
#include "store/entanglement_repository.hpp"
#include "store/execution_repository.hpp"
#include "store/step_run_repository.hpp"
#include "store/token_repository.hpp"
#include "store/user_repository.hpp"
#include "store/workflow_repository.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace chainbot::store {

/// @brief The repositories are light views: make one per use, keep it no longer than the
/// database or transaction it came from.
class repository_set {
public:
    workflow_repository workflows() const { return workflow_repository(*runner_); }
    execution_repository executions() const { return execution_repository(*runner_); }
    step_run_repository step_runs() const { return step_run_repository(*runner_); }
    agent_repository agents() const { return agent_repository(*runner_); }
    entanglement_repository entanglements() const { return entanglement_repository(*runner_); }
    audit_repository audit() const { return audit_repository(*runner_); }
    user_repository users() const { return user_repository(*runner_); }
    role_repository roles() const { return role_repository(*runner_); }
    token_repository tokens() const { return token_repository(*runner_); }
    cluster_repository cluster() const { return cluster_repository(*runner_); }

protected:
    repository_set() = default;
    explicit repository_set(detail::runner& r) : runner_(&r) {}
    ~repository_set() = default;
    void bind_runner(detail::runner& r) noexcept { runner_ = &r; }

private:
    detail::runner* runner_ = nullptr;
};

/// @brief The calls of one transaction: all commit together or none does.
class transaction : public repository_set {
public:
    explicit transaction(detail::runner& r) : repository_set(r) {}
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;

    /// @brief executions().fence(), once per execution and generation in this transaction:
    /// the row lock it takes holds until commit, so a second check could only say the same.
    /// (A group commit carries several transitions of one execution.)
    void fence(const std::string& execution_id, std::int64_t generation) {
        if (std::find(fenced_.begin(), fenced_.end(), std::pair(execution_id, generation)) != fenced_.end()) return;
        executions().fence(execution_id, generation);
        fenced_.emplace_back(execution_id, generation);
    }

private:
    std::vector<std::pair<std::string, std::int64_t>> fenced_;  // a batch holds a few dozen at most
};

}  // namespace chainbot::store
