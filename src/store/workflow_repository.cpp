#include "store/workflow_repository.hpp"

#include "store/crypto.hpp"
#include "store/errors.hpp"
#include "store/runner.hpp"
#include "store/sql.hpp"

#include <fmt/format.h>

namespace chainbot::store {

namespace {

using detail::access;
using detail::connection;

struct workflow_row {
    static constexpr std::string_view columns = "id, name, description, latest_version, created_at, updated_at, webhook";
    std::string id, name, description, webhook;
    int latest_version = 0;
    long long created_at = 0, updated_at = 0;
    soci::indicator webhook_i{};
    void bind(soci::statement& st) {
        st.exchange(soci::into(id));
        st.exchange(soci::into(name));
        st.exchange(soci::into(description));
        st.exchange(soci::into(latest_version));
        st.exchange(soci::into(created_at));
        st.exchange(soci::into(updated_at));
        st.exchange(soci::into(webhook, webhook_i));
    }
    workflow record() const {
        return {id,
                name,
                description,
                latest_version,
                detail::from_db(created_at),
                detail::from_db(updated_at),
                detail::text_or_null(webhook, webhook_i)};
    }
};

struct version_row {
    static constexpr std::string_view columns = "workflow_id, version, name, description, definition, created_at";
    std::string workflow_id, name, description, definition;
    int version = 0;
    long long created_at = 0;
    void bind(soci::statement& st) {
        st.exchange(soci::into(workflow_id));
        st.exchange(soci::into(version));
        st.exchange(soci::into(name));
        st.exchange(soci::into(description));
        st.exchange(soci::into(definition));
        st.exchange(soci::into(created_at));
    }
    workflow_version record() const {
        return {workflow_id, version, name, description, definition, detail::from_db(created_at)};
    }
};

std::string select_workflows() { return fmt::format("SELECT {} FROM workflows", workflow_row::columns); }
std::string select_versions() { return fmt::format("SELECT {} FROM workflow_versions", version_row::columns); }

void insert_version(connection& c, const workflow_version& v) {
    const long long created = detail::to_db(v.created_at);
    detail::exec(c,
                 "INSERT INTO workflow_versions (workflow_id, version, name, description, definition, created_at) "
                 "VALUES (:w, :v, :n, :d, :def, :c)",
                 soci::use(v.workflow_id), soci::use(v.version), soci::use(v.name), soci::use(v.description),
                 soci::use(v.definition), soci::use(created));
}

/// The latest version, with the workflow row locked against a concurrent update or delete.
std::optional<int> lock_latest(connection& c, const std::string& id) {
    const auto v = detail::query_int(
        c, "SELECT latest_version FROM workflows WHERE id = :id" + std::string(c.sql_dialect.for_update()),
        soci::use(id));
    if (!v) return std::nullopt;
    return static_cast<int>(*v);
}

/// Refuses a webhook name another workflow binds, naming that workflow. (The unique index
/// on workflows.webhook still refuses a concurrent twin, with the database's message.)
void check_webhook_free(connection& c, const std::optional<std::string>& webhook, const std::string& self_id) {
    if (!webhook) return;
    const auto& name = *webhook;
    const auto holder = detail::query_row<workflow_row>(
        c, select_workflows() + " WHERE webhook = :w AND id <> :id", soci::use(name), soci::use(self_id));
    if (holder)
        throw store_conflict(fmt::format("webhook name '{}' is already bound to workflow '{}' ({})", name, holder->name,
                                         holder->id));
}

}  // namespace

workflow_version workflow_repository::create(const new_workflow& w) {
    workflow_version v{w.id.empty() ? new_uuid() : w.id, 1, w.name, w.description, w.definition, now()};
    runner_->call(access::write, [&](connection& c) {
        check_webhook_free(c, w.webhook, v.workflow_id);
        const long long at = detail::to_db(v.created_at);
        detail::nullable_text webhook(w.webhook);
        detail::exec(c,
                     "INSERT INTO workflows (id, name, description, latest_version, created_at, updated_at, webhook) "
                     "VALUES (:id, :n, :d, :v, :c, :u, :wh)",
                     soci::use(v.workflow_id), soci::use(v.name), soci::use(v.description), soci::use(v.version),
                     soci::use(at), soci::use(at), soci::use(webhook.value, webhook.ind));
        insert_version(c, v);
    });
    return v;
}

workflow_version workflow_repository::update(const std::string& id, const workflow_update& u) {
    return runner_->call(access::write, [&](connection& c) {
        const auto latest = lock_latest(c, id);
        if (!latest) throw store_not_found(fmt::format("workflow {} not found", id));
        check_webhook_free(c, u.webhook, id);
        workflow_version v{id, *latest + 1, u.name, u.description, u.definition, now()};
        insert_version(c, v);
        const long long at = detail::to_db(v.created_at);
        detail::nullable_text webhook(u.webhook);
        detail::exec(c,
                     "UPDATE workflows SET name = :n, description = :d, latest_version = :v, updated_at = :u, "
                     "webhook = :wh WHERE id = :id",
                     soci::use(v.name), soci::use(v.description), soci::use(v.version), soci::use(at),
                     soci::use(webhook.value, webhook.ind), soci::use(id));
        return v;
    });
}

std::optional<workflow> workflow_repository::get(const std::string& id) {
    return runner_->call(access::read, [&](connection& c) {
        return detail::query_row<workflow_row>(c, select_workflows() + " WHERE id = :id", soci::use(id));
    });
}

std::optional<workflow> workflow_repository::find_by_webhook(const std::string& name) {
    return runner_->call(access::read, [&](connection& c) {
        return detail::query_row<workflow_row>(c, select_workflows() + " WHERE webhook = :w", soci::use(name));
    });
}

std::optional<workflow_version> workflow_repository::get_version(const std::string& id, std::optional<int> version) {
    return runner_->call(access::read, [&](connection& c) {
        if (version) {
            const int number = *version;
            return detail::query_row<version_row>(c, select_versions() + " WHERE workflow_id = :id AND version = :v",
                                                  soci::use(id), soci::use(number));
        }
        return detail::query_row<version_row>(
            c,
            select_versions() + " WHERE workflow_id = :id AND version = "
                                "(SELECT latest_version FROM workflows WHERE id = :id2)",
            soci::use(id), soci::use(id));
    });
}

std::vector<workflow_version> workflow_repository::versions(const std::string& id) {
    return runner_->call(access::read, [&](connection& c) {
        return detail::query_rows<version_row>(c, select_versions() + " WHERE workflow_id = :id ORDER BY version",
                                               soci::use(id));
    });
}

std::vector<workflow> workflow_repository::list(const page& p) {
    return runner_->call(access::read, [&](connection& c) {
        detail::filter none;
        return detail::query_filtered<workflow_row>(c, select_workflows(), none, " ORDER BY name, id", p);
    });
}

std::size_t workflow_repository::count() {
    return runner_->call(access::read, [&](connection& c) {
        detail::filter none;
        return static_cast<std::size_t>(detail::count_filtered(c, "workflows", none));
    });
}

void workflow_repository::remove(const std::string& id) {
    runner_->call(access::write, [&](connection& c) {
        // The lock makes a concurrent execution create (which takes a share lock) wait or see it gone.
        if (!lock_latest(c, id)) throw store_not_found(fmt::format("workflow {} not found", id));
        const auto active = detail::query_int(c,
                                              "SELECT count(*) FROM executions WHERE workflow_id = :id AND status IN "
                                              "('queued', 'running', 'paused')",
                                              soci::use(id))
                                .value_or(0);
        if (active > 0)
            throw store_conflict(fmt::format("workflow {} has {} execution{} queued, running or paused; cancel or "
                                             "finish {} before deleting it",
                                             id, active, active == 1 ? "" : "s", active == 1 ? "it" : "them"));
        detail::exec(c, "DELETE FROM step_runs WHERE execution_id IN (SELECT id FROM executions WHERE workflow_id = :id)",
                     soci::use(id));
        detail::exec(c, "DELETE FROM executions WHERE workflow_id = :id", soci::use(id));
        detail::exec(c, "DELETE FROM workflow_versions WHERE workflow_id = :id", soci::use(id));
        detail::exec(c, "DELETE FROM workflows WHERE id = :id", soci::use(id));
    });
}

}  // namespace chainbot::store
