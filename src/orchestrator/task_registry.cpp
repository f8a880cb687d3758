#include "orchestrator/task_registry.hpp"

namespace chainbot::orchestrator {

void task_registry::add(const std::string& agent_type, const std::string& task, task_fn fn, task_kind kind) {
    std::lock_guard lock(mutex_);
    tasks_[{agent_type, task}] = {std::move(fn), kind};
}

std::optional<task_fn> task_registry::find(const std::string& agent_type, const std::string& task) const {
    auto found = lookup(agent_type, task);
    if (!found) return std::nullopt;
    return std::move(found->fn);
}

std::optional<registered_task> task_registry::lookup(const std::string& agent_type, const std::string& task) const {
    std::lock_guard lock(mutex_);
    auto it = tasks_.find({agent_type, task});
    if (it == tasks_.end()) return std::nullopt;
    return it->second;
}

bool task_registry::contains(const std::string& agent_type, const std::string& task) const {
    std::lock_guard lock(mutex_);
    return tasks_.count({agent_type, task}) > 0;
}

std::optional<task_kind> task_registry::kind_of(const std::string& agent_type, const std::string& task) const {
    std::lock_guard lock(mutex_);
    auto it = tasks_.find({agent_type, task});
    if (it == tasks_.end()) return std::nullopt;
    return it->second.kind;
}

}  // namespace chainbot::orchestrator
