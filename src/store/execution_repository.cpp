#include "store/execution_repository.hpp"

#include "store/crypto.hpp"
#include "store/errors.hpp"
#include "store/runner.hpp"
#include "store/sql.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>

namespace chainbot::store {

namespace {

using detail::access;
using detail::connection;

struct execution_row {
    static constexpr std::string_view columns =
        "id, workflow_id, workflow_version, status, input, output, error, idempotency_key, owner_instance, "
        "lease_expires_at, lease_generation, created_at, updated_at, started_at, finished_at, deadline_at";
    std::string id, workflow_id, status, input, output, error, idempotency_key, owner;
    int workflow_version = 0;
    long long lease_expires_at = 0, lease_generation = 0, created_at = 0, updated_at = 0, started_at = 0,
              finished_at = 0, deadline_at = 0;
    soci::indicator output_i{}, error_i{}, key_i{}, owner_i{}, lease_i{}, started_i{}, finished_i{}, deadline_i{};

    void bind(soci::statement& st) {
        st.exchange(soci::into(id));
        st.exchange(soci::into(workflow_id));
        st.exchange(soci::into(workflow_version));
        st.exchange(soci::into(status));
        st.exchange(soci::into(input));
        st.exchange(soci::into(output, output_i));
        st.exchange(soci::into(error, error_i));
        st.exchange(soci::into(idempotency_key, key_i));
        st.exchange(soci::into(owner, owner_i));
        st.exchange(soci::into(lease_expires_at, lease_i));
        st.exchange(soci::into(lease_generation));
        st.exchange(soci::into(created_at));
        st.exchange(soci::into(updated_at));
        st.exchange(soci::into(started_at, started_i));
        st.exchange(soci::into(finished_at, finished_i));
        st.exchange(soci::into(deadline_at, deadline_i));
    }
    execution record() const {
        execution e;
        e.id = id;
        e.workflow_id = workflow_id;
        e.workflow_version = workflow_version;
        const auto s = parse_execution_status(status);
        if (!s) throw store_error(fmt::format("execution {} has an unknown status \"{}\"", id, status));
        e.status = *s;
        e.input = input;
        e.output = detail::text_or_null(output, output_i);
        e.error = detail::text_or_null(error, error_i);
        e.idempotency_key = detail::text_or_null(idempotency_key, key_i);
        e.owner_instance = detail::text_or_null(owner, owner_i);
        e.lease_expires_at = detail::time_or_null(lease_expires_at, lease_i);
        e.lease_generation = lease_generation;
        e.created_at = detail::from_db(created_at);
        e.updated_at = detail::from_db(updated_at);
        e.started_at = detail::time_or_null(started_at, started_i);
        e.finished_at = detail::time_or_null(finished_at, finished_i);
        e.deadline_at = detail::time_or_null(deadline_at, deadline_i);
        return e;
    }
};

// Cluster-wide FIFO order: microseconds at creation, strictly increasing within a process.
long long next_queue_order() {
    static std::atomic<long long> last{0};
    const long long us = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
    long long prev = last.load();
    long long next = 0;
    do {
        next = std::max(us, prev + 1);
    } while (!last.compare_exchange_weak(prev, next));
    return next;
}

std::string select_executions() { return fmt::format("SELECT {} FROM executions", execution_row::columns); }

std::optional<execution> find(connection& c, const std::string& id, bool lock) {
    return detail::query_row<execution_row>(
        c, select_executions() + " WHERE id = :id" + std::string(lock ? c.sql_dialect.for_update() : ""),
        soci::use(id));
}

std::optional<execution> find_by_key(connection& c, const std::string& workflow_id, const std::string& key) {
    return detail::query_row<execution_row>(c, select_executions() + " WHERE workflow_id = :w AND idempotency_key = :k",
                                            soci::use(workflow_id), soci::use(key));
}

/// The version to pin, checked to exist, with the workflow row share-locked so that a
/// concurrent delete waits for this execution (and then refuses).
int resolve_version(connection& c, const std::string& workflow_id, std::optional<int> wanted) {
    const auto latest = detail::query_row_kept<detail::int_row>(
        c, "SELECT latest_version FROM workflows WHERE id = :id" + std::string(c.sql_dialect.for_share()), workflow_id);
    if (!latest) throw store_not_found(fmt::format("workflow {} not found", workflow_id));
    if (!wanted) return static_cast<int>(*latest);
    if (*wanted < 1 || *wanted > *latest)
        throw store_not_found(fmt::format("workflow {} has no version {}", workflow_id, *wanted));
    return *wanted;
}

void apply_filter(detail::filter& f, const execution_filter& ef) {
    if (ef.workflow_id) f.add("workflow_id = :w", *ef.workflow_id);
    if (ef.status) f.add("status = :s", std::string(to_string(*ef.status)));
    if (ef.owner_instance) f.add("owner_instance = :o", *ef.owner_instance);
}

}  // namespace

created_execution execution_repository::create(const new_execution& n) {
    return runner_->call(access::write, [&](connection& c) -> created_execution {
        const int version = resolve_version(c, n.workflow_id, n.workflow_version);
        if (n.idempotency_key)
            if (auto existing = find_by_key(c, n.workflow_id, *n.idempotency_key)) return {std::move(*existing), false};

        execution e;
        e.id = n.id.empty() ? new_uuid() : n.id;
        e.workflow_id = n.workflow_id;
        e.workflow_version = version;
        e.status = n.status;
        e.input = n.input;
        e.idempotency_key = n.idempotency_key;
        e.owner_instance = n.owner_instance;
        e.created_at = e.updated_at = now();
        if (n.status == execution_status::running) e.started_at = e.created_at;
        e.deadline_at = n.deadline_at;
        const bool claimed = n.owner_instance && n.lease_ms > 0;
        if (claimed) {
            e.lease_generation = 1;
            e.lease_expires_at = e.created_at + std::chrono::milliseconds(n.lease_ms);  // the store's clock below
        }

        const std::string status(to_string(e.status));
        const long long at = detail::to_db(e.created_at);
        detail::nullable_text key(e.idempotency_key), owner(e.owner_instance);
        detail::nullable_int started(e.started_at), deadline(e.deadline_at);
        const long long order = next_queue_order();
        const long long generation = e.lease_generation;
        // The lease runs on the database's clock, as claim() and renew() set it (NULL + NULL: none).
        const detail::nullable_int lease_ms(claimed ? std::optional<long long>(n.lease_ms) : std::nullopt);
        // A concurrent create with the same key waits on the unique index, then does nothing.
        const auto inserted = detail::exec_kept(
            c,
            fmt::format("INSERT INTO executions (id, workflow_id, workflow_version, status, input, idempotency_key, "
                        "owner_instance, created_at, updated_at, started_at, deadline_at, queue_order, "
                        "lease_expires_at, lease_generation) "
                        "VALUES (:id, :w, :v, :s, :i, :k, :o, :c, :u, :st, :d, :q, {} + :l, :g) "
                        "ON CONFLICT (workflow_id, idempotency_key) DO NOTHING",
                        c.sql_dialect.now_ms()),
            e.id, e.workflow_id, e.workflow_version, status, e.input, key, owner, at, at, started, deadline, order,
            lease_ms, generation);
        if (inserted == 0 && n.idempotency_key)
            if (auto existing = find_by_key(c, n.workflow_id, *n.idempotency_key)) return {std::move(*existing), false};
        return {std::move(e), true};
    });
}

std::optional<execution> execution_repository::get(const std::string& id) {
    return runner_->call(access::read, [&](connection& c) { return find(c, id, false); });
}

std::optional<execution> execution_repository::find_by_idempotency_key(const std::string& workflow_id,
                                                                       const std::string& key) {
    return runner_->call(access::read, [&](connection& c) { return find_by_key(c, workflow_id, key); });
}

std::vector<execution> execution_repository::list(const execution_filter& ef, const page& p) {
    return runner_->call(access::read, [&](connection& c) {
        detail::filter f;
        apply_filter(f, ef);
        return detail::query_filtered<execution_row>(c, select_executions(), f, " ORDER BY created_at DESC, id DESC",
                                                     p);
    });
}

std::size_t execution_repository::count(const execution_filter& ef) {
    return runner_->call(access::read, [&](connection& c) {
        detail::filter f;
        apply_filter(f, ef);
        return static_cast<std::size_t>(detail::count_filtered(c, "executions", f));
    });
}

std::map<execution_status, std::size_t> execution_repository::count_by_status() {
    return runner_->call(access::read, [&](connection& c) {
        return detail::count_grouped_as<execution_status>(c, "executions", "status", parse_execution_status);
    });
}

std::size_t execution_repository::count_active(const std::string& workflow_id) {
    return runner_->call(access::read, [&](connection& c) {
        return static_cast<std::size_t>(
            detail::query_int(c,
                              "SELECT count(*) FROM executions WHERE workflow_id = :w AND status IN ('queued', "
                              "'running', 'paused')",
                              soci::use(workflow_id))
                .value_or(0));
    });
}

execution execution_repository::set_status(const std::string& id, const execution_change& change) {
    return runner_->call(access::write, [&](connection& c) {
        // One statement: what is not given is kept, and each timestamp is stamped once.
        const std::string status(to_string(change.status));
        const long long t = detail::to_db(now());
        int running = change.status == execution_status::running ? 1 : 0, terminal = is_terminal(change.status) ? 1 : 0;
        detail::nullable_text output(change.output), error(change.error);
        static const std::string sql =
            fmt::format("UPDATE executions SET status = :s, output = COALESCE(:o, output), error = COALESCE(:e, error), "
                        "updated_at = :u, "
                        "started_at = CASE WHEN :r = 1 AND started_at IS NULL THEN :t1 ELSE started_at END, "
                        "finished_at = CASE WHEN :f = 1 AND finished_at IS NULL THEN :t2 ELSE finished_at END "
                        "WHERE id = :id RETURNING {}",
                        execution_row::columns);
        auto row = detail::query_row_kept<execution_row>(c, sql, status, output, error, t, running, t, terminal, t, id);
        if (!row) throw store_not_found(fmt::format("execution {} not found", id));
        return std::move(*row);
    });
}

void execution_repository::set_owner(const std::string& id, const std::optional<std::string>& owner_instance,
                                     std::optional<time_point> lease_expires_at) {
    runner_->call(access::write, [&](connection& c) {
        detail::nullable_text owner(owner_instance);
        detail::nullable_int lease(lease_expires_at);
        const long long updated = detail::to_db(now());
        const auto n = detail::exec(c,
                                    "UPDATE executions SET owner_instance = :o, lease_expires_at = :l, "
                                    "lease_generation = lease_generation + 1, updated_at = :u WHERE id = :id",
                                    soci::use(owner.value, owner.ind), soci::use(lease.value, lease.ind),
                                    soci::use(updated), soci::use(id));
        if (n == 0) throw store_not_found(fmt::format("execution {} not found", id));
    });
}

// ---- scale-out ------------------------------------------------------------------------

std::vector<execution> execution_repository::claim(const std::string& instance, std::size_t limit,
                                                   std::int64_t lease_ms) {
    if (limit == 0) return {};
    return runner_->call(access::write, [&](connection& c) {
        const std::string now(c.sql_dialect.now_ms());
        long long n = static_cast<long long>(limit), lease = lease_ms;
        // Picked oldest first and locked; SKIP LOCKED passes over rows another claimer holds.
        std::vector<std::string> ids;
        {
            std::string id;
            soci::statement st(c.sql);
            st.exchange(soci::into(id));
            st.exchange(soci::use(n));
            st.alloc();
            st.prepare(fmt::format("SELECT id FROM executions WHERE (status = 'queued' AND owner_instance IS NULL) OR "
                                   "(status IN ('queued', 'running', 'paused') AND owner_instance IS NOT NULL AND "
                                   "COALESCE(lease_expires_at, 0) < {}) ORDER BY queue_order, id LIMIT :n{}",
                                   now, c.sql_dialect.skip_locked()),
                       soci::details::st_one_time_query);
            st.define_and_bind();
            st.execute(false);
            while (st.fetch()) ids.push_back(id);
        }
        const auto sql = fmt::format(
            "UPDATE executions SET owner_instance = :me, lease_expires_at = {0} + :lease, "
            "lease_generation = lease_generation + 1, updated_at = {0} WHERE id = :id",
            now);
        std::vector<execution> out;
        for (const auto& id : ids) {
            detail::exec(c, sql, soci::use(instance), soci::use(lease), soci::use(id));
            if (auto e = find(c, id, false)) out.push_back(std::move(*e));
        }
        return out;
    });
}

std::vector<std::string> execution_repository::renew(const std::string& instance,
                                                     const std::vector<std::pair<std::string, std::int64_t>>& held,
                                                     std::int64_t lease_ms) {
    if (held.empty()) return {};
    return runner_->call(access::write, [&](connection& c) {
        std::vector<std::string> lost;
        long long lease = lease_ms;
        const auto sql = fmt::format(
            "UPDATE executions SET lease_expires_at = {} + :lease WHERE id = :id AND owner_instance = :me AND "
            "lease_generation = :g",
            c.sql_dialect.now_ms());
        for (const auto& [id, generation] : held) {
            long long g = generation;
            if (detail::exec(c, sql, soci::use(lease), soci::use(id), soci::use(instance), soci::use(g)) == 0)
                lost.push_back(id);
        }
        return lost;
    });
}

void execution_repository::fence(const std::string& id, std::int64_t generation) {
    runner_->call(access::write, [&](connection& c) {
        long long g = generation;
        bool held = false;
        if (c.sql_dialect.kind() == backend_kind::sqlite) {
            // A read is enough: the write transaction (BEGIN IMMEDIATE) holds SQLite's one
            // write lock until commit, so no claim can move the generation on before then.
            // (A no-op UPDATE here rewrote the row, a page more in every commit.)
            static const std::string sql = "SELECT 1 FROM executions WHERE id = :id AND lease_generation = :g";
            held = detail::query_row_kept<detail::int_row>(c, sql, id, g).has_value();
        } else {
            // A no-op write: it takes the row lock until commit, so a claim waits for (or
            // skips) this transaction, and it matches nothing once another claim moved the
            // generation on.
            static const std::string sql =
                "UPDATE executions SET lease_generation = lease_generation WHERE id = :id AND lease_generation = :g";
            held = detail::exec_kept(c, sql, id, g) > 0;
        }
        if (!held)
            throw lease_lost(fmt::format("execution {} was claimed by another instance (lease generation {} is stale)",
                                         id, generation));
    });
}

void execution_repository::release(const std::string& id, const std::string& instance, std::int64_t generation) {
    runner_->call(access::write, [&](connection& c) {
        long long g = generation;
        detail::exec(c,
                     "UPDATE executions SET lease_expires_at = 0, owner_instance = CASE WHEN status = 'queued' THEN "
                     "NULL ELSE owner_instance END WHERE id = :id AND owner_instance = :me AND lease_generation = :g",
                     soci::use(id), soci::use(instance), soci::use(g));
    });
}

void execution_repository::expire_all_leases() {
    runner_->call(access::write, [&](connection& c) {
        detail::exec(c,
                     "UPDATE executions SET lease_expires_at = 0 WHERE owner_instance IS NOT NULL AND status IN "
                     "('queued', 'running', 'paused')");
    });
}

std::size_t execution_repository::count_unclaimed() {
    return runner_->call(access::read, [&](connection& c) {
        return static_cast<std::size_t>(
            detail::query_int(c, "SELECT count(*) FROM executions WHERE status = 'queued' AND owner_instance IS NULL")
                .value_or(0));
    });
}

bool execution_repository::set_status_if_unclaimed(const std::string& id, execution_status from,
                                                   const execution_change& change) {
    return runner_->call(access::write, [&](connection& c) {
        const std::string want(to_string(from)), status(to_string(change.status));
        const long long t = detail::to_db(now());
        detail::nullable_text error(change.error);
        detail::nullable_int finished(is_terminal(change.status) ? std::optional<time_point>(now()) : std::nullopt);
        return detail::exec(c,
                            "UPDATE executions SET status = :s, error = COALESCE(:e, error), updated_at = :u, "
                            "finished_at = :f WHERE id = :id AND status = :from AND owner_instance IS NULL",
                            soci::use(status), soci::use(error.value, error.ind), soci::use(t),
                            soci::use(finished.value, finished.ind), soci::use(id), soci::use(want)) > 0;
    });
}

}  // namespace chainbot::store
