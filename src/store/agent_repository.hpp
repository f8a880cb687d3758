#pragma once
// Agents: their type, configuration, lifecycle state, private data and counters.

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

struct agent_counters {
    std::int64_t tasks_completed = 0;
    std::int64_t tasks_failed = 0;
    std::int64_t messages_sent = 0;
    std::int64_t messages_received = 0;
};

struct agent {
    std::string id;
    std::string type;
    std::string name;
    std::string config;  // JSON text
    agent_state state = agent_state::idle;
    std::optional<std::string> data;  // the agent's own persisted state (e.g. conversation memory), JSON text
    agent_counters counters;
    std::optional<std::string> owner_instance;
    time_point created_at;
    time_point updated_at;
    std::optional<time_point> last_active_at;
    std::optional<time_point> terminated_at;
};

struct new_agent {
    std::string type;
    std::string name;
    std::string config = "{}";
    agent_state state = agent_state::idle;
    std::optional<std::string> owner_instance;
    std::string id;  // generated when empty
};

struct agent_filter {
    std::optional<std::string> type;
    std::optional<agent_state> state;
    std::optional<std::string> owner_instance;  // scale-out: the instance running it
};

class agent_repository {
public:
    explicit agent_repository(detail::runner& r) : runner_(&r) {}

    agent create(const new_agent& a);
    std::optional<agent> get(const std::string& id);
    /// @brief Oldest first.
    std::vector<agent> list(const agent_filter& f = {}, const page& p = {});
    std::size_t count(const agent_filter& f = {});
    /// @brief How many agents are in each state, read in one statement (one snapshot); a
    /// state with none is absent.
    std::map<agent_state, std::size_t> count_by_state();
    /// @brief Sets the state (terminated stamps terminated_at). store_not_found when missing.
    void set_state(const std::string& id, agent_state state);
    void set_data(const std::string& id, const std::optional<std::string>& data);
    /// @brief Adds `delta` to the counters (atomically, in the database) and stamps last_active_at.
    void add_counters(const std::string& id, const agent_counters& delta);
    /// @brief Deletes the agent and its memberships. store_not_found when missing.
    void remove(const std::string& id);

    /// @brief Scale-out: makes `instance` the owner of every agent that is not terminated and
    /// has no live owner (none, or an instance that has not heartbeated for `lease_ms`, or that
    /// left the registry). Returns the ids it took, in id order.
    std::vector<std::string> adopt(const std::string& instance, std::int64_t lease_ms);
    /// @brief Scale-out: lets go of the agents `instance` owns (a clean stop), so that another
    /// instance, or this one after a restart, adopts them at once.
    std::size_t release(const std::string& instance);

private:
    detail::runner* runner_;
};

}  // namespace chainbot::store
