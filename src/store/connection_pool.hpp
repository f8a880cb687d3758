#pragma once
// Internal (includes SOCI). A pool of `size` kept connections plus up to `overflow`
// temporary ones. Connections open lazily; a broken one is discarded on return and the
// next acquire opens a fresh one, which is how the store reconnects after an outage.

#include "store/connection.hpp"
#include "store/database_url.hpp"
#include "store/options.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace chainbot::store::detail {

/// @brief Opening a connection failed: the database is unreachable (or the file unusable).
class connect_failed : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// @brief Every connection stayed in use for the whole acquire timeout.
class pool_exhausted : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct pool_limits {
    std::size_t size = 10;
    std::size_t overflow = 20;
    std::chrono::milliseconds acquire_timeout{10000};
};

class connection_pool {
public:
    connection_pool(connection_target target, session_settings settings, pool_limits limits);
    ~connection_pool();
    connection_pool(const connection_pool&) = delete;
    connection_pool& operator=(const connection_pool&) = delete;

    /// @brief A borrowed connection, returned to the pool when destroyed.
    class lease {
    public:
        lease(connection_pool& pool, std::unique_ptr<connection> c) : pool_(&pool), conn_(std::move(c)) {}
        lease(lease&& other) noexcept = default;
        lease& operator=(lease&&) = delete;
        ~lease();
        connection& operator*() noexcept { return *conn_; }
        connection* operator->() noexcept { return conn_.get(); }
        /// @brief Closes the connection instead of returning it.
        void discard() noexcept { discard_ = true; }

    private:
        connection_pool* pool_;
        std::unique_ptr<connection> conn_;
        bool discard_ = false;
    };

    /// @brief An idle connection, else a new one while under the limit, else waits.
    /// Throws connect_failed or pool_exhausted.
    lease acquire();
    /// @brief Closes every idle connection (after an outage they are all dead).
    void drop_idle() noexcept;
    pool_stats stats() const;
    const dialect& sql_dialect() const noexcept { return dialect_; }
    const connection_target& target() const noexcept { return target_; }

private:
    std::unique_ptr<connection> open_connection();
    void give_back(std::unique_ptr<connection> c, bool discard) noexcept;

    connection_target target_;
    dialect dialect_;
    session_settings settings_;
    pool_limits limits_;
    mutable std::mutex mutex_;
    std::condition_variable returned_;
    std::vector<std::unique_ptr<connection>> idle_;
    std::size_t open_ = 0;  // idle + in use + being opened
    std::size_t peak_ = 0;
};

}  // namespace chainbot::store::detail
