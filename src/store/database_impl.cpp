#include "store/database_impl.hpp"

#include "store/error_kind.hpp"
#include "store/errors.hpp"

#include <fmt/format.h>

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

namespace chainbot::store::detail {

namespace {

/// What went wrong in one attempt at a transaction.
enum class phase { connect, body, commit };

struct failure {
    error_kind kind = error_kind::other;
    std::string message;
    phase where = phase::connect;  // a failed COMMIT leaves the outcome unknown
    bool pool_busy = false;
};

std::chrono::milliseconds backoff(const retry_policy& p, int attempt) {
    // One shared generator: thread_local state in a dlopened module outlives dlclose badly.
    static std::mutex rng_mutex;
    static std::mt19937 rng(std::random_device{}());
    std::lock_guard lock(rng_mutex);
    const auto base = p.initial_delay.count() << std::min(attempt - 1, 20);
    const auto capped = std::min<long long>(base, p.max_delay.count());
    std::uniform_int_distribution<long long> jitter(capped / 2, std::max<long long>(capped, 1));
    return std::chrono::milliseconds(jitter(rng));
}

void rollback_quietly(connection_pool::lease& lease) noexcept {
    try {
        lease->sql << "ROLLBACK";
    } catch (...) {
        lease.discard();  // its state is unknown: do not hand it to anyone else
    }
}

bool is_database_error(const std::exception& e) noexcept {
    return dynamic_cast<const soci::soci_error*>(&e) != nullptr || dynamic_cast<const connect_failed*>(&e) != nullptr;
}

/// One attempt: true on commit. Database errors fill `f`; other exceptions (the body's own,
/// e.g. store_not_found) roll back and propagate unchanged.
bool attempt_once(connection_pool& pool, access a, const std::function<void(connection&)>& body, failure& f) {
    std::optional<connection_pool::lease> lease;
    phase ph = phase::connect;
    try {
        lease.emplace(pool.acquire());
        connection& c = **lease;
        ph = phase::body;
        c.sql << c.sql_dialect.begin(a);
        body(c);
        ph = phase::commit;
        c.sql << "COMMIT";
        return true;
    } catch (const pool_exhausted& e) {
        f = {error_kind::connection, e.what(), phase::connect, true};
        return false;
    } catch (const std::exception& e) {
        const auto kind = classify(e, lease ? &**lease : nullptr);
        if (lease) {
            if (kind == error_kind::connection)
                lease->discard();
            else if (ph != phase::connect)
                rollback_quietly(*lease);
        }
        if (!is_database_error(e)) throw;
        f = {kind, e.what(), ph, false};
        return false;
    } catch (...) {
        if (lease && ph != phase::connect) rollback_quietly(*lease);
        throw;
    }
}

/// Free space below which a full disk is still called full, even when a write transaction has
/// just succeeded: one that changed nothing commits without touching the disk, and a small one
/// may fit into space SQLite already holds, while the next real write fails again.
constexpr unsigned long long full_disk_margin = 256 * 1024;

/// Whether the filesystem holding the SQLite file `db_path` has room for writes (at least
/// full_disk_margin bytes free to this process: root may use the reserved blocks). Unknown
/// counts as room.
bool sqlite_filesystem_has_room(const std::string& db_path) {
    struct statvfs fs {};
    const auto dir = std::filesystem::path(db_path).parent_path();
    if (::statvfs(dir.empty() ? "." : dir.c_str(), &fs) != 0) return true;
    const auto blocks = ::geteuid() == 0 ? fs.f_bfree : fs.f_bavail;
    return static_cast<unsigned long long>(blocks) * fs.f_frsize >= full_disk_margin;
}

std::function<bool()> room_check_for(const connection_target& target) {
    if (target.backend != backend_kind::sqlite || target.sqlite_path.empty()) return {};
    return [path = target.sqlite_path] { return sqlite_filesystem_has_room(path); };
}

}  // namespace

database_impl::database_impl(store_options options, connection_target target)
    : options_(std::move(options)),
      pool_(std::move(target), session_settings{options_.busy_timeout, options_.sqlite_synchronous, options_.sqlite_cache_kib},
            pool_limits{options_.pool_size, options_.max_overflow, options_.acquire_timeout}),
      availability_(options_.log, pool_.target().masked_url, room_check_for(pool_.target())) {}

void database_impl::log(log_level level, std::string_view message) const noexcept {
    if (!options_.log) return;
    try {
        options_.log(level, message);
    } catch (...) {
    }
}

pool_stats database_impl::stats() const {
    auto s = pool_.stats();
    s.reads = reads_.load(std::memory_order_relaxed);
    s.writes = writes_.load(std::memory_order_relaxed);
    return s;
}

void database_impl::run(access a, const std::function<void(connection&)>& body) {
    (a == access::read ? reads_ : writes_).fetch_add(1, std::memory_order_relaxed);
    // While the database is known to be down, fail fast: one attempt, no backoff.
    const int max_attempts = availability_.reachable() ? std::max(1, options_.retry.max_attempts) : 1;
    for (int attempt = 1;; ++attempt) {
        failure f;
        if (attempt_once(pool_, a, body, f)) {
            availability_.succeeded();
            if (a == access::write) availability_.write_succeeded();
            return;
        }
        const bool last = attempt >= max_attempts;
        switch (f.kind) {
            case error_kind::connection:
                if (f.pool_busy) {
                    if (last) throw store_unavailable(f.message);
                    break;
                }
                // Idle connections opened before an outage are as dead as this one.
                pool_.drop_idle();
                // A connection that broke mid-use may just be stale; only failing to open a
                // new one says the database is down.
                if (f.where == phase::connect) availability_.failed(f.message);
                if (f.where == phase::commit)
                    throw store_unavailable("the connection to the database was lost while committing; whether the "
                                            "change was saved is unknown: " +
                                            f.message);
                if (last)
                    throw store_unavailable(fmt::format("database {} is unavailable: {}", pool_.target().masked_url,
                                                        f.message));
                break;
            case error_kind::transient:
                if (last)
                    throw store_unavailable(
                        fmt::format("the database stayed busy after {} attempts: {}", attempt, f.message));
                break;
            case error_kind::constraint:
                throw store_conflict(f.message);
            case error_kind::full:
                // Not retried: space does not come back within milliseconds. Nothing of the
                // transaction was written (SQLite and PostgreSQL roll it back).
                availability_.write_failed(f.message);
                throw store_unavailable(fmt::format("database {} cannot write: the disk is full; nothing was saved ({})",
                                                    pool_.target().masked_url, f.message));
            case error_kind::other:
                throw store_error(f.message);
        }
        std::this_thread::sleep_for(backoff(options_.retry, attempt));
    }
}

bool database_impl::ping() noexcept {
    const char* query =
        pool_.sql_dialect().kind() == backend_kind::sqlite ? "SELECT count(*) FROM sqlite_master" : "SELECT 1";
    std::string last_error = "no answer";
    // Twice: the first connection may be a stale one from before an outage.
    for (int attempt = 0; attempt < 2; ++attempt) {
        try {
            auto lease = pool_.acquire();
            try {
                long long n = 0;
                lease->sql << query, soci::into(n);
            } catch (const std::exception& e) {
                if (classify(e, &*lease) != error_kind::connection) {
                    availability_.succeeded();  // it answered, if with an error
                    return true;
                }
                lease.discard();
                pool_.drop_idle();
                last_error = e.what();
                continue;
            }
            availability_.succeeded();
            if (!availability_.writable()) probe_write();
            return true;
        } catch (const pool_exhausted&) {
            return availability_.reachable();  // every connection busy is not the database being down
        } catch (const std::exception& e) {
            availability_.failed(e.what());
            return false;
        } catch (...) {
            availability_.failed("unknown error");
            return false;
        }
    }
    availability_.failed(last_error);
    return false;
}

void database_impl::probe_write() noexcept {
    // Only SQLite: PostgreSQL instances write their heartbeat every few seconds anyway.
    if (pool_.sql_dialect().kind() != backend_kind::sqlite) return;
    try {
        // Rewrites the header's user_version (unused by the schema) with its own value: one
        // page through the journal, enough to tell whether the disk takes writes again.
        run(access::write, [](connection& c) {
            long long version = 0;
            c.sql << "PRAGMA user_version", soci::into(version);
            c.sql << "PRAGMA user_version = " + std::to_string(version);
        });
    } catch (...) {
        // run() recorded the outcome in availability_
    }
}

}  // namespace chainbot::store::detail
