#include "store/step_run_repository.hpp"

#include "store/crypto.hpp"
#include "store/errors.hpp"
#include "store/runner.hpp"
#include "store/sql.hpp"

#include <fmt/format.h>

namespace chainbot::store {

namespace {

using detail::access;
using detail::connection;

struct step_run_row {
    static constexpr std::string_view columns =
        "id, execution_id, step_id, attempt, status, input, output, error, idempotency_key, created_at, "
        "started_at, finished_at";
    std::string id, execution_id, step_id, status, input, output, error, idempotency_key;
    int attempt = 0;
    long long created_at = 0, started_at = 0, finished_at = 0;
    soci::indicator input_i{}, output_i{}, error_i{}, started_i{}, finished_i{};

    void bind(soci::statement& st) {
        st.exchange(soci::into(id));
        st.exchange(soci::into(execution_id));
        st.exchange(soci::into(step_id));
        st.exchange(soci::into(attempt));
        st.exchange(soci::into(status));
        st.exchange(soci::into(input, input_i));
        st.exchange(soci::into(output, output_i));
        st.exchange(soci::into(error, error_i));
        st.exchange(soci::into(idempotency_key));
        st.exchange(soci::into(created_at));
        st.exchange(soci::into(started_at, started_i));
        st.exchange(soci::into(finished_at, finished_i));
    }
    step_run record() const {
        step_run s;
        s.id = id;
        s.execution_id = execution_id;
        s.step_id = step_id;
        s.attempt = attempt;
        const auto parsed = parse_step_status(status);
        if (!parsed) throw store_error(fmt::format("step run {} has an unknown status \"{}\"", id, status));
        s.status = *parsed;
        s.input = detail::text_or_null(input, input_i);
        s.output = detail::text_or_null(output, output_i);
        s.error = detail::text_or_null(error, error_i);
        s.idempotency_key = idempotency_key;
        s.created_at = detail::from_db(created_at);
        s.started_at = detail::time_or_null(started_at, started_i);
        s.finished_at = detail::time_or_null(finished_at, finished_i);
        return s;
    }
};

std::string select_step_runs() { return fmt::format("SELECT {} FROM step_runs", step_run_row::columns); }

std::optional<step_run> find_run(connection& c, const std::string& id, bool lock) {
    return detail::query_row<step_run_row>(
        c, select_step_runs() + " WHERE id = :id" + std::string(lock ? c.sql_dialect.for_update() : ""),
        soci::use(id));
}

/// A run's idempotency key unless given: execution:step:attempt, the same on every retry.
std::string key_of(const new_step_run& n) {
    return n.idempotency_key.empty() ? fmt::format("{}:{}:{}", n.execution_id, n.step_id, n.attempt) : n.idempotency_key;
}

}  // namespace

step_run step_run_repository::create(const new_step_run& n) {
    step_run s;
    s.id = n.id.empty() ? new_uuid() : n.id;
    s.execution_id = n.execution_id;
    s.step_id = n.step_id;
    s.attempt = n.attempt;
    s.status = n.status;
    s.input = n.input;
    s.idempotency_key = key_of(n);
    s.created_at = now();
    if (n.status == step_status::running) s.started_at = s.created_at;
    runner_->call(access::write, [&](connection& c) {
        const std::string status(to_string(s.status));
        const long long created = detail::to_db(s.created_at);
        detail::nullable_text input(s.input);
        detail::nullable_int started(s.started_at);
        // One statement on the path every step takes; the reason is looked up only when it inserts nothing.
        static const std::string sql =
            "INSERT INTO step_runs (id, execution_id, step_id, attempt, status, input, idempotency_key, created_at, "
            "started_at) SELECT :id, :e, :s, CAST(:a AS INTEGER), :st, :i, :k, CAST(:c AS BIGINT), CAST(:sa AS BIGINT) "
            "WHERE EXISTS (SELECT 1 FROM executions WHERE id = :e2) ON CONFLICT DO NOTHING";
        const auto inserted = detail::exec_kept(c, sql, s.id, s.execution_id, s.step_id, s.attempt, status, input,
                                                s.idempotency_key, created, started, s.execution_id);
        if (inserted > 0) return;
        // The same run written again (a retry after a commit whose outcome was unknown): done.
        if (detail::query_int(c, "SELECT count(*) FROM step_runs WHERE id = :id AND execution_id = :e AND step_id = :s "
                                 "AND attempt = :a",
                              soci::use(s.id), soci::use(s.execution_id), soci::use(s.step_id), soci::use(s.attempt))
                .value_or(0) > 0)
            return;
        if (detail::query_int(c, "SELECT count(*) FROM executions WHERE id = :id", soci::use(s.execution_id))
                .value_or(0) == 0)
            throw store_not_found(fmt::format("execution {} not found", s.execution_id));
        throw store_conflict(fmt::format("step {} of execution {} already has an attempt {} (or run id {} is another run's)",
                                         s.step_id, s.execution_id, s.attempt, s.id));
    });
    return s;
}

std::optional<step_run> step_run_repository::get(const std::string& id) {
    return runner_->call(access::read, [&](connection& c) { return find_run(c, id, false); });
}

std::vector<step_run> step_run_repository::list(const std::string& execution_id) {
    return runner_->call(access::read, [&](connection& c) {
        return detail::query_rows<step_run_row>(
            c, select_step_runs() + " WHERE execution_id = :e ORDER BY created_at, step_id, attempt",
            soci::use(execution_id));
    });
}

bool step_run_repository::record_finished(const new_step_run& s, const step_run_change& change) {
    if (!is_terminal(change.status))
        throw store_error(fmt::format("step run {}: record_finished needs a terminal status, not {}", s.id,
                                      to_string(change.status)));
    return runner_->call(access::write, [&](connection& c) {
        const std::string id = s.id.empty() ? new_uuid() : s.id;
        const std::string key = key_of(s);
        const std::string status(to_string(change.status));
        const long long t = detail::to_db(now());
        int attempt = s.attempt;
        detail::nullable_text input(s.input), output(change.output), error(change.error);
        static const std::string sql =
            "INSERT INTO step_runs (id, execution_id, step_id, attempt, status, input, output, error, idempotency_key, "
            "created_at, started_at, finished_at) VALUES (:id, :e, :s, :a, :st, :i, :o, :er, :k, :c, :sa, :f) "
            "ON CONFLICT (id) DO NOTHING";
        return detail::exec_kept(c, sql, id, s.execution_id, s.step_id, attempt, status, input, output, error, key, t,
                                 t, t) > 0;
    });
}

step_run step_run_repository::set_status(const std::string& id, const step_run_change& change) {
    return runner_->call(access::write, [&](connection& c) {
        // One statement (every transition of every step comes here): the first start and the
        // first end are stamped, output and error kept unless given.
        const std::string status(to_string(change.status));
        const long long t = detail::to_db(now());
        int running = change.status == step_status::running ? 1 : 0, terminal = is_terminal(change.status) ? 1 : 0;
        detail::nullable_text output(change.output), error(change.error);
        static const std::string sql =
            fmt::format("UPDATE step_runs SET status = :s, output = COALESCE(:o, output), error = COALESCE(:e, error), "
                        "started_at = CASE WHEN :r = 1 AND started_at IS NULL THEN :t1 ELSE started_at END, "
                        "finished_at = CASE WHEN :f = 1 AND finished_at IS NULL THEN :t2 ELSE finished_at END "
                        "WHERE id = :id RETURNING {}",
                        step_run_row::columns);
        auto row = detail::query_row_kept<step_run_row>(c, sql, status, output, error, running, t, terminal, t, id);
        if (!row) throw store_not_found(fmt::format("step run {} not found", id));
        return std::move(*row);
    });
}

}  // namespace chainbot::store
