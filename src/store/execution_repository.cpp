#include "store/execution_repository.hpp"

#include "store/crypto.hpp"
#include "store/errors.hpp"
#include "store/runner.hpp"
#include "store/sql.hpp"

#include <fmt/format.h>

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
    const auto latest = detail::query_int(
        c, "SELECT latest_version FROM workflows WHERE id = :id" + std::string(c.sql_dialect.for_share()),
        soci::use(workflow_id));
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

        const std::string status(to_string(e.status));
        const long long at = detail::to_db(e.created_at);
        detail::nullable_text key(e.idempotency_key), owner(e.owner_instance);
        detail::nullable_int started(e.started_at), deadline(e.deadline_at);
        // A concurrent create with the same key waits on the unique index, then does nothing.
        const auto inserted = detail::exec(
            c,
            "INSERT INTO executions (id, workflow_id, workflow_version, status, input, idempotency_key, "
            "owner_instance, created_at, updated_at, started_at, deadline_at) "
            "VALUES (:id, :w, :v, :s, :i, :k, :o, :c, :u, :st, :d) "
            "ON CONFLICT (workflow_id, idempotency_key) DO NOTHING",
            soci::use(e.id), soci::use(e.workflow_id), soci::use(e.workflow_version), soci::use(status),
            soci::use(e.input), soci::use(key.value, key.ind), soci::use(owner.value, owner.ind), soci::use(at),
            soci::use(at), soci::use(started.value, started.ind), soci::use(deadline.value, deadline.ind));
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
        auto e = find(c, id, true);
        if (!e) throw store_not_found(fmt::format("execution {} not found", id));
        const auto t = now();
        e->status = change.status;
        e->updated_at = t;
        if (change.status == execution_status::running && !e->started_at) e->started_at = t;
        if (is_terminal(change.status) && !e->finished_at) e->finished_at = t;
        if (change.output) e->output = change.output;
        if (change.error) e->error = change.error;

        const std::string status(to_string(e->status));
        const long long updated = detail::to_db(t);
        detail::nullable_text output(e->output), error(e->error);
        detail::nullable_int started(e->started_at), finished(e->finished_at);
        detail::exec(c,
                     "UPDATE executions SET status = :s, output = :o, error = :e, updated_at = :u, started_at = :st, "
                     "finished_at = :f WHERE id = :id",
                     soci::use(status), soci::use(output.value, output.ind), soci::use(error.value, error.ind),
                     soci::use(updated), soci::use(started.value, started.ind),
                     soci::use(finished.value, finished.ind), soci::use(id));
        return std::move(*e);
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

}  // namespace chainbot::store
