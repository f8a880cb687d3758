#pragma once
// The store as a runtime service: opens the database on start (migrating it when
// database.auto_migrate is on, else refusing a schema that is not current), registers the
// `database` health component, and pings the database in the background so that health
// drops during an outage and recovers by itself when the database returns.

#include "runtime/runtime.hpp"
#include "store/database.hpp"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace chainbot::store {

struct store_service_options {
    std::chrono::milliseconds ping_interval{10000};       // while the database answers
    std::chrono::milliseconds ping_interval_down{1000};   // while it does not
};

class store_service final : public service {
public:
    explicit store_service(store_service_options options = {});
    ~store_service() override;

    std::string_view name() const override { return "store"; }
    /// @brief Throws (store_error and friends) when the database cannot be opened or its
    /// schema brought up to date; the module then does not start.
    void start(runtime& rt) override;
    void stop() noexcept override;

    /// @brief The open store; throws std::logic_error outside start..stop.
    std::shared_ptr<database> store() const;

private:
    struct log_bridge;
    void monitor();
    void lock_sqlite_file(database& db);

    store_service_options options_;
    std::shared_ptr<log_bridge> log_;
    runtime* runtime_ = nullptr;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::shared_ptr<database> db_;
    std::thread monitor_;
    int lock_fd_ = -1;  // SQLite: the flock held on "<database file>.lock"
};

}  // namespace chainbot::store
