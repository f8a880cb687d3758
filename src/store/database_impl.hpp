#pragma once
// Internal (includes SOCI). The pool-backed runner: each call gets a connection and a
// transaction, and is retried with backoff on transient errors and lost connections.

#include "store/availability.hpp"
#include "store/connection_pool.hpp"
#include "store/runner.hpp"

#include <atomic>
#include <cstdint>

namespace chainbot::store::detail {

class database_impl final : public runner {
public:
    database_impl(store_options options, connection_target target);

    void run(access a, const std::function<void(connection&)>& body) override;
    bool ping() noexcept;
    /// @brief While writes fail for lack of space: one small write to see whether they work again.
    void probe_write() noexcept;

    connection_pool& pool() noexcept { return pool_; }
    /// @brief The pool's figures with the operations run so far.
    pool_stats stats() const;
    availability& health() noexcept { return availability_; }
    const store_options& options() const noexcept { return options_; }
    void log(log_level level, std::string_view message) const noexcept;

private:
    store_options options_;
    connection_pool pool_;
    availability availability_;
    std::atomic<std::uint64_t> reads_{0}, writes_{0};
};

}  // namespace chainbot::store::detail
