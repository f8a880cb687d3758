#include "store/store_service.hpp"

#include "store/errors.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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
    lock_sqlite_file(*db);
    try {
    if (settings->database.auto_migrate) {
        const auto result = db->migrate();
        rt.log().info("store", "database {} at schema version {}{}", db->masked_url(), result.to_version,
                      result.applied.empty() ? "" : fmt::format(" (applied {})", result.applied.size()));
    } else {
        db->require_current_schema();
        rt.log().info("store", "database {} at schema version {}", db->masked_url(), database::latest_version());
    }
    } catch (...) {
        std::lock_guard lock(mutex_);
        if (lock_fd_ >= 0) ::close(lock_fd_);
        lock_fd_ = -1;
        throw;
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

// SQLite: one instance per database file. An exclusive flock(2) on "<file>.lock", held while
// the module runs, refuses a second instance (another process, or another module in this
// one) instead of letting two schedulers share the file. The kernel drops it when the
// process dies, so a crash leaves nothing to clean up.
void store_service::lock_sqlite_file(database& db) {
    const auto& path = db.sqlite_path();
    if (db.backend() != backend_kind::sqlite || path.empty() || path == ":memory:" || path.starts_with("file:")) return;
    const auto lock_path = path + ".lock";
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        throw store_error(fmt::format("cannot open the lock file {} of the SQLite database {}: {}", lock_path, path,
                                      std::strerror(errno)));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        ::close(fd);
        if (err == EWOULDBLOCK)
            throw store_error(fmt::format(
                "another ChainBot instance is already using the SQLite database {} (it holds {}); with SQLite only "
                "one instance may run per database file: stop the other one, give this one its own database.url, "
                "or point every instance at PostgreSQL to run several",
                path, lock_path));
        throw store_error(fmt::format("cannot lock {}: {}", lock_path, std::strerror(err)));
    }
    std::lock_guard lock(mutex_);
    lock_fd_ = fd;
}

void store_service::monitor() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        const auto db = db_;
        const auto h = db->health();
        const auto interval = h.reachable && h.writable ? options_.ping_interval : options_.ping_interval_down;
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
        if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the SQLite file lock
        lock_fd_ = -1;
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
