#include "store/agent_repository.hpp"

#include "store/crypto.hpp"
#include "store/errors.hpp"
#include "store/runner.hpp"
#include "store/sql.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace chainbot::store {

namespace {

using detail::access;
using detail::connection;

struct agent_row {
    static constexpr std::string_view columns =
        "id, type, name, config, state, data, tasks_completed, tasks_failed, messages_sent, messages_received, "
        "owner_instance, created_at, updated_at, last_active_at, terminated_at";
    std::string id, type, name, config, state, data, owner;
    long long completed = 0, failed = 0, sent = 0, received = 0, created_at = 0, updated_at = 0, last_active_at = 0,
              terminated_at = 0;
    soci::indicator data_i{}, owner_i{}, active_i{}, terminated_i{};

    void bind(soci::statement& st) {
        st.exchange(soci::into(id));
        st.exchange(soci::into(type));
        st.exchange(soci::into(name));
        st.exchange(soci::into(config));
        st.exchange(soci::into(state));
        st.exchange(soci::into(data, data_i));
        st.exchange(soci::into(completed));
        st.exchange(soci::into(failed));
        st.exchange(soci::into(sent));
        st.exchange(soci::into(received));
        st.exchange(soci::into(owner, owner_i));
        st.exchange(soci::into(created_at));
        st.exchange(soci::into(updated_at));
        st.exchange(soci::into(last_active_at, active_i));
        st.exchange(soci::into(terminated_at, terminated_i));
    }
    agent record() const {
        agent a;
        a.id = id;
        a.type = type;
        a.name = name;
        a.config = config;
        const auto parsed = parse_agent_state(state);
        if (!parsed) throw store_error(fmt::format("agent {} has an unknown state \"{}\"", id, state));
        a.state = *parsed;
        a.data = detail::text_or_null(data, data_i);
        a.counters = {completed, failed, sent, received};
        a.owner_instance = detail::text_or_null(owner, owner_i);
        a.created_at = detail::from_db(created_at);
        a.updated_at = detail::from_db(updated_at);
        a.last_active_at = detail::time_or_null(last_active_at, active_i);
        a.terminated_at = detail::time_or_null(terminated_at, terminated_i);
        return a;
    }
};

std::string select_agents() { return fmt::format("SELECT {} FROM agents", agent_row::columns); }

void apply_filter(detail::filter& f, const agent_filter& af) {
    if (af.type) f.add("type = :t", *af.type);
    if (af.state) f.add("state = :s", std::string(to_string(*af.state)));
    if (af.owner_instance) f.add("owner_instance = :o", *af.owner_instance);
}

void require_changed(long long rows, const std::string& id) {
    if (rows == 0) throw store_not_found(fmt::format("agent {} not found", id));
}

}  // namespace

agent agent_repository::create(const new_agent& n) {
    agent a;
    a.id = n.id.empty() ? new_uuid() : n.id;
    a.type = n.type;
    a.name = n.name;
    a.config = n.config;
    a.state = n.state;
    a.owner_instance = n.owner_instance;
    a.created_at = a.updated_at = now();
    runner_->call(access::write, [&](connection& c) {
        const std::string state(to_string(a.state));
        const long long at = detail::to_db(a.created_at);
        detail::nullable_text owner(a.owner_instance);
        detail::exec(c,
                     "INSERT INTO agents (id, type, name, config, state, owner_instance, created_at, updated_at) "
                     "VALUES (:id, :t, :n, :c, :s, :o, :ca, :ua)",
                     soci::use(a.id), soci::use(a.type), soci::use(a.name), soci::use(a.config), soci::use(state),
                     soci::use(owner.value, owner.ind), soci::use(at), soci::use(at));
    });
    return a;
}

std::optional<agent> agent_repository::get(const std::string& id) {
    return runner_->call(access::read, [&](connection& c) {
        return detail::query_row<agent_row>(c, select_agents() + " WHERE id = :id", soci::use(id));
    });
}

std::vector<agent> agent_repository::list(const agent_filter& af, const page& p) {
    return runner_->call(access::read, [&](connection& c) {
        detail::filter f;
        apply_filter(f, af);
        return detail::query_filtered<agent_row>(c, select_agents(), f, " ORDER BY created_at, id", p);
    });
}

std::size_t agent_repository::count(const agent_filter& af) {
    return runner_->call(access::read, [&](connection& c) {
        detail::filter f;
        apply_filter(f, af);
        return static_cast<std::size_t>(detail::count_filtered(c, "agents", f));
    });
}

void agent_repository::set_state(const std::string& id, agent_state state) {
    runner_->call(access::write, [&](connection& c) {
        const std::string name(to_string(state));
        const long long at = detail::to_db(now());
        detail::nullable_int terminated(state == agent_state::terminated ? std::optional<long long>(at) : std::nullopt);
        require_changed(detail::exec(c,
                                     "UPDATE agents SET state = :s, updated_at = :u, "
                                     "terminated_at = COALESCE(terminated_at, :t) WHERE id = :id",
                                     soci::use(name), soci::use(at), soci::use(terminated.value, terminated.ind),
                                     soci::use(id)),
                        id);
    });
}

void agent_repository::set_data(const std::string& id, const std::optional<std::string>& data) {
    runner_->call(access::write, [&](connection& c) {
        detail::nullable_text value(data);
        const long long at = detail::to_db(now());
        require_changed(detail::exec(c, "UPDATE agents SET data = :d, updated_at = :u WHERE id = :id",
                                     soci::use(value.value, value.ind), soci::use(at), soci::use(id)),
                        id);
    });
}

std::map<agent_state, std::size_t> agent_repository::count_by_state() {
    return runner_->call(access::read, [&](connection& c) {
        return detail::count_grouped_as<agent_state>(c, "agents", "state", parse_agent_state);
    });
}

void agent_repository::add_counters(const std::string& id, const agent_counters& delta) {
    runner_->call(access::write, [&](connection& c) {
        const long long completed = delta.tasks_completed, failed = delta.tasks_failed, sent = delta.messages_sent,
                        received = delta.messages_received;
        const long long at = detail::to_db(now());
        require_changed(detail::exec(c,
                                     "UPDATE agents SET tasks_completed = tasks_completed + :c, "
                                     "tasks_failed = tasks_failed + :f, messages_sent = messages_sent + :s, "
                                     "messages_received = messages_received + :r, last_active_at = :a, "
                                     "updated_at = :u WHERE id = :id",
                                     soci::use(completed), soci::use(failed), soci::use(sent), soci::use(received),
                                     soci::use(at), soci::use(at), soci::use(id)),
                        id);
    });
}

void agent_repository::remove(const std::string& id) {
    runner_->call(access::write, [&](connection& c) {
        require_changed(detail::exec(c, "DELETE FROM agents WHERE id = :id", soci::use(id)), id);
    });
}

std::vector<std::string> agent_repository::adopt(const std::string& instance, std::int64_t lease_ms) {
    return runner_->call(access::write, [&](connection& c) {
        long long lease = lease_ms;
        // One statement: two instances adopting at once each take a row or leave it (the row
        // lock orders them and the loser sees a live owner).
        auto ids = detail::query_rows<detail::text_row>(
            c,
            fmt::format("UPDATE agents SET owner_instance = :me WHERE state <> 'terminated' AND "
                        "(owner_instance IS NULL OR (owner_instance <> :me2 AND owner_instance NOT IN "
                        "(SELECT id FROM instances WHERE heartbeat_at > {} - :lease))) RETURNING id",
                        c.sql_dialect.now_ms()),
            soci::use(instance), soci::use(instance), soci::use(lease));
        std::sort(ids.begin(), ids.end());
        return ids;
    });
}

std::size_t agent_repository::release(const std::string& instance) {
    return runner_->call(access::write, [&](connection& c) {
        return static_cast<std::size_t>(
            detail::exec(c, "UPDATE agents SET owner_instance = NULL WHERE owner_instance = :me", soci::use(instance)));
    });
}

}  // namespace chainbot::store
