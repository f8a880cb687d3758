#pragma once
// Workflow definitions, versioned: create makes version 1, each update the next version.
// Versions are immutable; an execution pins the version it started with.

#include "store/types.hpp"

#include <optional>
#include <string>
#include <vector>

namespace chainbot::store {

namespace detail {
class runner;
}

/// @brief A workflow as listed: its identity and the summary of its latest version.
struct workflow {
    std::string id;
    std::string name;
    std::string description;
    int latest_version = 0;
    time_point created_at;
    time_point updated_at;
    std::optional<std::string> webhook;  ///< the webhook name the latest version binds, if any
};

/// @brief One immutable version of a workflow; `definition` is its JSON text, byte for byte.
struct workflow_version {
    std::string workflow_id;
    int version = 0;
    std::string name;
    std::string description;
    std::string definition;
    time_point created_at;
};

struct new_workflow {
    std::string name;
    std::string description;
    std::string definition;  // JSON text, stored as given
    std::string id;          // generated (UUIDv4) when empty
    std::optional<std::string> webhook;  // the webhook name it binds (unique among workflows)
};

/// @brief Becomes the next version.
struct workflow_update {
    std::string name;
    std::string description;
    std::string definition;
    std::optional<std::string> webhook;  // replaces the binding; nullopt unbinds
};

class workflow_repository {
public:
    explicit workflow_repository(detail::runner& r) : runner_(&r) {}

    /// @brief Stores version 1. store_conflict when the id is taken, or when another
    /// workflow binds the same webhook name (the message names that workflow).
    workflow_version create(const new_workflow& w);
    /// @brief Stores the next version and makes it the latest. store_not_found when
    /// missing; store_conflict when another workflow binds the same webhook name.
    workflow_version update(const std::string& id, const workflow_update& u);
    std::optional<workflow> get(const std::string& id);
    /// @brief The workflow whose latest version binds webhook `name`, if any.
    std::optional<workflow> find_by_webhook(const std::string& name);
    /// @brief The given version, or the latest when `version` is empty.
    std::optional<workflow_version> get_version(const std::string& id, std::optional<int> version = std::nullopt);
    /// @brief Every version of a workflow, oldest first.
    std::vector<workflow_version> versions(const std::string& id);
    /// @brief Workflows by name, then id.
    std::vector<workflow> list(const page& p = {});
    std::size_t count();
    /// @brief Deletes the workflow, its versions and its finished executions (with their
    /// step runs). store_conflict when any of its executions is queued, running or paused;
    /// store_not_found when missing.
    void remove(const std::string& id);

private:
    detail::runner* runner_;
};

}  // namespace chainbot::store
