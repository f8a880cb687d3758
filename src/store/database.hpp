#pragma once
/// @file database.hpp
/// @brief The store: one interface over SQLite or PostgreSQL (chosen by the URL), used by
/// every component. Only src/store sees SOCI.
///
/// @code
/// auto db = store::database::open(store::store_options::from(settings.database));
/// db->migrate();
/// auto v1 = db->workflows().create({.name = "etl", .definition = json});
/// db->in_transaction([&](store::transaction& tx) {
///     tx.executions().set_status(exec_id, {.status = store::execution_status::completed, .output = out});
///     tx.step_runs().set_status(run_id, {.status = store::step_status::completed, .output = out});
/// });
/// @endcode
///
/// Each repository call runs in its own transaction, retried with backoff on transient
/// errors. Errors: store_unavailable while the database cannot be reached (the store
/// reconnects by itself on a later call or ping), store_not_found, store_conflict,
/// store_error. The database is safe to use from many threads at once.

#include "store/migrations.hpp"
#include "store/options.hpp"
#include "store/pg_listener.hpp"
#include "store/repositories.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <type_traits>

namespace chainbot::store {

namespace detail {
class database_impl;
}

class database : public repository_set {
public:
    /// @brief Opens a store. No connection is made until the first call, so this only fails
    /// for a bad URL or options (store_error).
    static std::shared_ptr<database> open(store_options options);
    ~database();
    database(const database&) = delete;
    database& operator=(const database&) = delete;

    backend_kind backend() const noexcept;
    /// @brief The URL with its password masked.
    const std::string& masked_url() const noexcept;

    /// @brief Runs `body` in one transaction and returns what it returns. On a transient
    /// error the whole body runs again, so it must not have effects outside the store.
    /// Inside it use only `tx`'s repositories (another call would wait on this transaction).
    template <typename F>
    auto in_transaction(F&& body) -> std::invoke_result_t<F&, transaction&> {
        using result = std::invoke_result_t<F&, transaction&>;
        if constexpr (std::is_void_v<result>) {
            run_transaction([&](transaction& tx) { body(tx); });
        } else {
            std::optional<result> out;
            run_transaction([&](transaction& tx) { out.emplace(body(tx)); });
            return std::move(*out);
        }
    }

    /// @brief Applies the pending migrations, each in its own transaction. Idempotent.
    /// Throws schema_too_new (nothing touched) or migration_failed (that migration rolled
    /// back whole, the earlier ones kept). `migrations` is for tests.
    migration_result migrate(const std::vector<migration>& migrations = builtin_migrations());
    /// @brief The highest applied migration; 0 for an empty database.
    int current_version();
    /// @brief The highest migration this build knows.
    static int latest_version(const std::vector<migration>& migrations = builtin_migrations());
    /// @brief Throws schema_too_new or schema_too_old unless the schema is exactly the latest.
    void require_current_schema();

    /// @brief Asks the database whether it answers (reconnecting if needed) and updates health().
    bool ping() noexcept;
    /// @brief The `database` health component, from the latest call or ping; no I/O.
    store_health health() const;
    pool_stats stats() const;
    /// @brief "ok" when the database checks out (SQLite: PRAGMA integrity_check; PostgreSQL:
    /// it answers a query), else the first problem found.
    std::string integrity_check();

    /// @brief Scale-out: listens on PostgreSQL channels over a connection of its own
    /// (nullptr on SQLite, which has no other process to hear from).
    std::unique_ptr<notification_listener> listen(std::vector<std::string> channels,
                                                  notification_listener::handler on_notify,
                                                  notification_listener::error_handler on_error);
    /// @brief Sends a PostgreSQL NOTIFY (pg_notify) in its own transaction; nothing on SQLite.
    /// The payload must stay under 8000 bytes.
    void notify(const std::string& channel, const std::string& payload);
    /// @brief The SQLite database file ("" on PostgreSQL).
    const std::string& sqlite_path() const noexcept;

private:
    explicit database(store_options options);
    void run_transaction(const std::function<void(transaction&)>& body);
    std::unique_ptr<detail::database_impl> impl_;
};

}  // namespace chainbot::store
