#include "store/store_service.hpp"

#include "store/errors.hpp"

#include <fmt/format.h>

namespace chainbot::store {

/// The store logs through the runtime's logger, but the store may outlive the runtime:
/// the bridge forgets the logger when the service stops.
struct store_service::log_bridge {
    std::mutex mutex;
    logger* log = nullptr;
    void write(log_level level, std::string_view message) {
        std::lock_guard lock(mutex);
        if (log && log->enabled(level)) log->write(level, "store", message);
    }
};

store_service::store_service(store_service_options options)
    : options_(options), log_(std::make_shared<log_bridge>()) {}

store_service::~store_service() { stop(); }

void store_service::start(runtime& rt) {
    const auto settings = rt.settings();
    auto opts = store_options::from(settings->database);
    {
        std::lock_guard lock(log_->mutex);
        log_->log = &rt.log();
    }
    opts.log = [bridge = log_](log_level level, std::string_view message) { bridge->write(level, message); };
    auto db = database::open(std::move(opts));
    if (settings->database.auto_migrate) {
        const auto result = db->migrate();
        rt.log().info("store", "database {} at schema version {}{}", db->masked_url(), result.to_version,
                      result.applied.empty() ? "" : fmt::format(" (applied {})", result.applied.size()));
    } else {
        db->require_current_schema();
        rt.log().info("store", "database {} at schema version {}", db->masked_url(), database::latest_version());
    }
    rt.health().add("database", [db] {
        const auto h = db->health();
        return component_health{h.score, h.detail};
    });
    {
        std::lock_guard lock(mutex_);
        db_ = db;
        stopping_ = false;
        runtime_ = &rt;
    }
    monitor_ = std::thread([this] { monitor(); });
}

void store_service::monitor() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        const auto db = db_;
        const auto interval = db->health().reachable ? options_.ping_interval : options_.ping_interval_down;
        if (wake_.wait_for(lock, interval, [this] { return stopping_; })) break;
        lock.unlock();
        db->ping();  // reconnects when the database is back; updates health either way
        lock.lock();
    }
}

void store_service::stop() noexcept {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (monitor_.joinable()) monitor_.join();
    runtime* rt = nullptr;
    {
        std::lock_guard lock(mutex_);
        rt = std::exchange(runtime_, nullptr);
        db_.reset();
    }
    if (rt) rt->health().remove("database");
    std::lock_guard lock(log_->mutex);
    log_->log = nullptr;
}

std::shared_ptr<database> store_service::store() const {
    std::lock_guard lock(mutex_);
    if (!db_) throw std::logic_error("the store is used before the store service started (or after it stopped)");
    return db_;
}

}  // namespace chainbot::store
