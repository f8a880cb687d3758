#pragma once
// Scale-out: the registry of ChainBot instances sharing one database. Each instance
// registers at start and heartbeats; timestamps come from the database's clock.

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

struct instance_record {
    std::string id;
    std::string host;
    std::int64_t pid = 0;
    std::string version;
    time_point started_at;
    time_point heartbeat_at;
};

class cluster_repository {
public:
    explicit cluster_repository(detail::runner& r) : runner_(&r) {}

    /// @brief Inserts (or refreshes) the instance; started_at and heartbeat_at are the database's now.
    void register_instance(const std::string& id, const std::string& host, std::int64_t pid,
                           const std::string& version);
    /// @brief Stamps heartbeat_at with the database's now; false when the row is gone (pruned).
    bool heartbeat(const std::string& id);
    void remove(const std::string& id);
    /// @brief Deletes instances silent for longer than `silent_ms` that own no active execution.
    std::size_t prune(std::int64_t silent_ms);
    /// @brief Every registered instance, oldest first.
    std::vector<instance_record> list();
    /// @brief Active (queued, running, paused) executions per owner instance.
    std::map<std::string, std::size_t> owned_counts();
    /// @brief The database's clock.
    time_point db_now();

private:
    detail::runner* runner_;
};

}  // namespace chainbot::store
