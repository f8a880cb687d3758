#include "store/cluster_repository.hpp"

#include "store/runner.hpp"
#include "store/sql.hpp"

#include <fmt/format.h>

namespace chainbot::store {

namespace {

using detail::access;
using detail::connection;

struct instance_row {
    static constexpr std::string_view columns = "id, host, pid, version, started_at, heartbeat_at";
    std::string id, host, version;
    long long pid = 0, started_at = 0, heartbeat_at = 0;
    void bind(soci::statement& st) {
        st.exchange(soci::into(id));
        st.exchange(soci::into(host));
        st.exchange(soci::into(pid));
        st.exchange(soci::into(version));
        st.exchange(soci::into(started_at));
        st.exchange(soci::into(heartbeat_at));
    }
    instance_record record() const {
        return {id, host, pid, version, detail::from_db(started_at), detail::from_db(heartbeat_at)};
    }
};

}  // namespace

void cluster_repository::register_instance(const std::string& id, const std::string& host, std::int64_t pid,
                                           const std::string& version) {
    runner_->call(access::write, [&](connection& c) {
        const std::string now(c.sql_dialect.now_ms());
        long long p = pid;
        detail::exec(c,
                     fmt::format("INSERT INTO instances (id, host, pid, version, started_at, heartbeat_at) "
                                 "VALUES (:id, :h, :p, :v, {0}, {0}) "
                                 "ON CONFLICT (id) DO UPDATE SET heartbeat_at = {0}",
                                 now),
                     soci::use(id), soci::use(host), soci::use(p), soci::use(version));
    });
}

bool cluster_repository::heartbeat(const std::string& id) {
    return runner_->call(access::write, [&](connection& c) {
        return detail::exec(c, fmt::format("UPDATE instances SET heartbeat_at = {} WHERE id = :id", c.sql_dialect.now_ms()),
                            soci::use(id)) > 0;
    });
}

void cluster_repository::remove(const std::string& id) {
    runner_->call(access::write, [&](connection& c) { detail::exec(c, "DELETE FROM instances WHERE id = :id", soci::use(id)); });
}

std::size_t cluster_repository::prune(std::int64_t silent_ms) {
    return runner_->call(access::write, [&](connection& c) {
        long long ms = silent_ms;
        return static_cast<std::size_t>(detail::exec(
            c,
            fmt::format("DELETE FROM instances WHERE heartbeat_at < {} - :ms AND NOT EXISTS (SELECT 1 FROM executions "
                        "WHERE owner_instance = instances.id AND status IN ('queued', 'running', 'paused'))",
                        c.sql_dialect.now_ms()),
            soci::use(ms)));
    });
}

std::vector<instance_record> cluster_repository::list() {
    return runner_->call(access::read, [&](connection& c) {
        return detail::query_rows<instance_row>(
            c, fmt::format("SELECT {} FROM instances ORDER BY started_at, id", instance_row::columns));
    });
}

std::map<std::string, std::size_t> cluster_repository::owned_counts() {
    return runner_->call(access::read, [&](connection& c) {
        std::map<std::string, std::size_t> out;
        std::string owner;
        long long n = 0;
        soci::statement st(c.sql);
        st.exchange(soci::into(owner));
        st.exchange(soci::into(n));
        st.alloc();
        st.prepare("SELECT owner_instance, count(*) FROM executions WHERE owner_instance IS NOT NULL AND status IN "
                   "('queued', 'running', 'paused') GROUP BY owner_instance",
                   soci::details::st_one_time_query);
        st.define_and_bind();
        st.execute(false);
        while (st.fetch()) out[owner] = static_cast<std::size_t>(n);
        return out;
    });
}

time_point cluster_repository::db_now() {
    return runner_->call(access::read, [&](connection& c) {
        return detail::from_db(detail::query_int(c, fmt::format("SELECT {}", c.sql_dialect.now_ms())).value_or(0));
    });
}

}  // namespace chainbot::store
