#include "store/connection_pool.hpp"

#include "store/postgresql_support.hpp"

#include <soci/sqlite3/soci-sqlite3.h>

#include <fmt/format.h>

#include <mutex>

namespace chainbot::store::detail {

namespace {

// SQLite keeps process-wide memory statistics (sqlite3_memory_used) by default, and for them
// takes one global mutex around every allocation and free it makes, on every connection: the
// group-commit writer, the audit writer and the readers all contend on it. Nothing here reads
// those statistics, so they are turned off before SQLite first initializes. sqlite3_config works
// only before that: if the host process already used SQLite, the call is refused and changes
// nothing.
void configure_sqlite_once() {
    static std::once_flag once;
    std::call_once(once, [] { sqlite_api::sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

connection_pool::connection_pool(connection_target target, session_settings settings, pool_limits limits)
    : target_(std::move(target)), dialect_(target_.backend), settings_(std::move(settings)), limits_(limits) {
    if (limits_.size == 0) limits_.size = 1;
}

connection_pool::~connection_pool() = default;

connection_pool::lease::~lease() {
    if (conn_) pool_->give_back(std::move(conn_), discard_);
}

std::unique_ptr<connection> connection_pool::open_connection() {
    auto c = std::make_unique<connection>(dialect_);
    try {
        if (target_.backend == backend_kind::sqlite) {
            configure_sqlite_once();
            c->sql.open(soci::sqlite3, target_.connect_string);
        } else
            postgresql().open(c->sql, target_.connect_string);  // loads the PostgreSQL module on first use
        for (const auto& statement : dialect_.session_setup(settings_)) c->sql << statement;
        c->wait_briefly_when_busy(settings_.busy_timeout);
    } catch (const std::exception& e) {
        throw connect_failed(fmt::format("cannot connect to {}: {}", target_.masked_url, e.what()));
    }
    return c;
}

connection_pool::lease connection_pool::acquire() {
    std::unique_lock lock(mutex_);
    const auto limit = limits_.size + limits_.overflow;
    const auto ready = [&] { return !idle_.empty() || open_ < limit; };
    if (!returned_.wait_for(lock, limits_.acquire_timeout, ready))
        throw pool_exhausted(fmt::format("all {} database connections stayed busy for {} ms", limit,
                                         limits_.acquire_timeout.count()));
    if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return lease(*this, std::move(c));
    }
    ++open_;  // reserve the slot, then connect without holding the lock
    peak_ = std::max(peak_, open_);
    lock.unlock();
    try {
        return lease(*this, open_connection());
    } catch (...) {
        lock.lock();
        --open_;
        returned_.notify_one();
        throw;
    }
}

void connection_pool::give_back(std::unique_ptr<connection> c, bool discard) noexcept {
    std::unique_lock lock(mutex_);
    // Connections beyond pool_size are the temporary overflow: close them.
    if (discard || idle_.size() >= limits_.size || !c->alive()) {
        --open_;
        lock.unlock();
        c.reset();  // closing may wait on the network: outside the lock
    } else {
        idle_.push_back(std::move(c));
        lock.unlock();
    }
    returned_.notify_one();
}

void connection_pool::drop_idle() noexcept {
    std::vector<std::unique_ptr<connection>> dropped;
    {
        std::lock_guard lock(mutex_);
        dropped.swap(idle_);
        open_ -= dropped.size();
    }
    returned_.notify_all();
}

pool_stats connection_pool::stats() const {
    std::lock_guard lock(mutex_);
    pool_stats s;
    s.open = open_;
    s.idle = idle_.size();
    s.in_use = open_ - idle_.size();
    s.peak_open = peak_;
    s.limit = limits_.size + limits_.overflow;
    return s;
}

}  // namespace chainbot::store::detail
