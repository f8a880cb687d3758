#include "store/entanglement_repository.hpp"

#include "store/crypto.hpp"
#include "store/errors.hpp"
#include "store/runner.hpp"
#include "store/sql.hpp"

#include <fmt/format.h>

namespace chainbot::store {

namespace {

using detail::access;
using detail::connection;

struct entanglement_row {
    static constexpr std::string_view columns =
        "id, name, description, owner_user_id, last_sequence, created_at, updated_at";
    std::string id, name, description, owner;
    long long last_sequence = 0, created_at = 0, updated_at = 0;
    soci::indicator owner_i{};

    void bind(soci::statement& st) {
        st.exchange(soci::into(id));
        st.exchange(soci::into(name));
        st.exchange(soci::into(description));
        st.exchange(soci::into(owner, owner_i));
        st.exchange(soci::into(last_sequence));
        st.exchange(soci::into(created_at));
        st.exchange(soci::into(updated_at));
    }
    entanglement record() const {
        return {id,           name, description, detail::text_or_null(owner, owner_i), last_sequence,
                detail::from_db(created_at), detail::from_db(updated_at)};
    }
};

struct member_row {
    std::string entanglement_id, agent_id;
    long long joined_at = 0;
    void bind(soci::statement& st) {
        st.exchange(soci::into(entanglement_id));
        st.exchange(soci::into(agent_id));
        st.exchange(soci::into(joined_at));
    }
    entanglement_member record() const { return {entanglement_id, agent_id, detail::from_db(joined_at)}; }
};

struct message_row {
    static constexpr std::string_view columns =
        "id, entanglement_id, seq, sender_id, receiver_id, type, content, metadata, state, created_at, "
        "delivered_at, processed_at";
    std::string id, entanglement_id, sender_id, receiver_id, type, content, metadata, state;
    long long seq = 0, created_at = 0, delivered_at = 0, processed_at = 0;
    soci::indicator receiver_i{}, metadata_i{}, delivered_i{}, processed_i{};

    void bind(soci::statement& st) {
        st.exchange(soci::into(id));
        st.exchange(soci::into(entanglement_id));
        st.exchange(soci::into(seq));
        st.exchange(soci::into(sender_id));
        st.exchange(soci::into(receiver_id, receiver_i));
        st.exchange(soci::into(type));
        st.exchange(soci::into(content));
        st.exchange(soci::into(metadata, metadata_i));
        st.exchange(soci::into(state));
        st.exchange(soci::into(created_at));
        st.exchange(soci::into(delivered_at, delivered_i));
        st.exchange(soci::into(processed_at, processed_i));
    }
    message record() const {
        message m;
        m.id = id;
        m.entanglement_id = entanglement_id;
        m.sequence = seq;
        m.sender_id = sender_id;
        m.receiver_id = detail::text_or_null(receiver_id, receiver_i);
        m.type = type;
        m.content = content;
        m.metadata = detail::text_or_null(metadata, metadata_i);
        const auto parsed = parse_delivery_state(state);
        if (!parsed) throw store_error(fmt::format("message {} has an unknown delivery state \"{}\"", id, state));
        m.state = *parsed;
        m.created_at = detail::from_db(created_at);
        m.delivered_at = detail::time_or_null(delivered_at, delivered_i);
        m.processed_at = detail::time_or_null(processed_at, processed_i);
        return m;
    }
};

// A message joined with one of its deliveries.
struct delivery_row {
    message_row m;
    std::string agent_id, delivery_state_text;
    void bind(soci::statement& st) {
        m.bind(st);
        st.exchange(soci::into(agent_id));
        st.exchange(soci::into(delivery_state_text));
    }
    delivery record() const {
        delivery d{m.record(), agent_id, delivery_state::pending};
        if (auto s = parse_delivery_state(delivery_state_text)) d.state = *s;
        return d;
    }
};

std::string select_deliveries() {
    std::string cols = "m." + std::string(message_row::columns);
    for (std::size_t at = cols.find(", "); at != std::string::npos; at = cols.find(", ", at + 4)) cols.replace(at, 2, ", m.");
    return fmt::format("SELECT {}, d.agent_id, d.state FROM message_deliveries d "
                       "JOIN entanglement_messages m ON m.id = d.message_id JOIN agents a ON a.id = d.agent_id",
                       cols);
}

std::string select_entanglements() { return fmt::format("SELECT {} FROM entanglements", entanglement_row::columns); }
std::string select_messages() { return fmt::format("SELECT {} FROM entanglement_messages", message_row::columns); }

bool exists(connection& c, std::string_view table, const std::string& id) {
    return detail::query_int(c, fmt::format("SELECT count(*) FROM {} WHERE id = :id", table), soci::use(id))
               .value_or(0) > 0;
}

}  // namespace

entanglement entanglement_repository::create(const new_entanglement& n) {
    entanglement e{n.id.empty() ? new_uuid() : n.id, n.name, n.description, n.owner_user_id, 0, now(), now()};
    e.updated_at = e.created_at;
    runner_->call(access::write, [&](connection& c) {
        const long long at = detail::to_db(e.created_at);
        detail::nullable_text owner(e.owner_user_id);
        detail::exec(c,
                     "INSERT INTO entanglements (id, name, description, owner_user_id, created_at, updated_at) "
                     "VALUES (:id, :n, :d, :o, :c, :u)",
                     soci::use(e.id), soci::use(e.name), soci::use(e.description), soci::use(owner.value, owner.ind),
                     soci::use(at), soci::use(at));
    });
    return e;
}

std::optional<entanglement> entanglement_repository::get(const std::string& id) {
    return runner_->call(access::read, [&](connection& c) {
        return detail::query_row<entanglement_row>(c, select_entanglements() + " WHERE id = :id", soci::use(id));
    });
}

std::vector<entanglement> entanglement_repository::list(const page& p) {
    return runner_->call(access::read, [&](connection& c) {
        detail::filter none;
        return detail::query_filtered<entanglement_row>(c, select_entanglements(), none, " ORDER BY created_at, id", p);
    });
}

entanglement_repository::totals_t entanglement_repository::totals() {
    return runner_->call(access::read, [&](connection& c) {
        long long n = 0, messages = 0;
        c.sql << "SELECT count(*), COALESCE(sum(last_sequence), 0) FROM entanglements", soci::into(n),
            soci::into(messages);
        return totals_t{static_cast<std::size_t>(n), static_cast<std::int64_t>(messages)};
    });
}

void entanglement_repository::remove(const std::string& id) {
    runner_->call(access::write, [&](connection& c) {
        if (detail::exec(c, "DELETE FROM entanglements WHERE id = :id", soci::use(id)) == 0)
            throw store_not_found(fmt::format("entanglement {} not found", id));
    });
}

void entanglement_repository::add_member(const std::string& entanglement_id, const std::string& agent_id) {
    runner_->call(access::write, [&](connection& c) {
        if (!exists(c, "entanglements", entanglement_id))
            throw store_not_found(fmt::format("entanglement {} not found", entanglement_id));
        if (!exists(c, "agents", agent_id)) throw store_not_found(fmt::format("agent {} not found", agent_id));
        const long long at = detail::to_db(now());
        detail::exec(c,
                     "INSERT INTO entanglement_members (entanglement_id, agent_id, joined_at) VALUES (:e, :a, :j) "
                     "ON CONFLICT (entanglement_id, agent_id) DO NOTHING",
                     soci::use(entanglement_id), soci::use(agent_id), soci::use(at));
    });
}

bool entanglement_repository::remove_member(const std::string& entanglement_id, const std::string& agent_id) {
    return runner_->call(access::write, [&](connection& c) {
        return detail::exec(c, "DELETE FROM entanglement_members WHERE entanglement_id = :e AND agent_id = :a",
                            soci::use(entanglement_id), soci::use(agent_id)) > 0;
    });
}

std::vector<entanglement_member> entanglement_repository::members(const std::string& entanglement_id) {
    return runner_->call(access::read, [&](connection& c) {
        return detail::query_rows<member_row>(c,
                                              "SELECT entanglement_id, agent_id, joined_at FROM entanglement_members "
                                              "WHERE entanglement_id = :e ORDER BY joined_at, agent_id",
                                              soci::use(entanglement_id));
    });
}

bool entanglement_repository::is_member(const std::string& entanglement_id, const std::string& agent_id) {
    return runner_->call(access::read, [&](connection& c) {
        return detail::query_int(c,
                                 "SELECT count(*) FROM entanglement_members WHERE entanglement_id = :e AND agent_id = :a",
                                 soci::use(entanglement_id), soci::use(agent_id))
                   .value_or(0) > 0;
    });
}

message entanglement_repository::append(const new_message& n) {
    return runner_->call(access::write, [&](connection& c) {
        message m;
        m.id = n.id.empty() ? new_uuid() : n.id;
        m.entanglement_id = n.entanglement_id;
        m.sender_id = n.sender_id;
        m.receiver_id = n.receiver_id;
        m.type = n.type;
        m.content = n.content;
        m.metadata = n.metadata;
        m.created_at = now();
        const long long at = detail::to_db(m.created_at);
        // The row lock this UPDATE takes orders concurrent senders: sequences never repeat or skip.
        const auto seq = detail::query_int(c,
                                           "UPDATE entanglements SET last_sequence = last_sequence + 1, updated_at = :u "
                                           "WHERE id = :id RETURNING last_sequence",
                                           soci::use(at), soci::use(m.entanglement_id));
        if (!seq) throw store_not_found(fmt::format("entanglement {} not found", m.entanglement_id));
        m.sequence = *seq;
        if (n.receivers.empty()) {  // nobody to wait for
            m.state = delivery_state::processed;
            m.delivered_at = m.processed_at = m.created_at;
        }
        const std::string state(to_string(m.state));
        detail::nullable_int done(n.receivers.empty() ? std::optional<long long>(at) : std::nullopt);
        detail::nullable_text receiver(m.receiver_id), metadata(m.metadata);
        detail::exec(c,
                     "INSERT INTO entanglement_messages (id, entanglement_id, seq, sender_id, receiver_id, type, "
                     "content, metadata, state, created_at, delivered_at, processed_at) "
                     "VALUES (:id, :e, :q, :s, :r, :t, :c, :m, :st, :at, :da, :pa)",
                     soci::use(m.id), soci::use(m.entanglement_id), soci::use(m.sequence), soci::use(m.sender_id),
                     soci::use(receiver.value, receiver.ind), soci::use(m.type), soci::use(m.content),
                     soci::use(metadata.value, metadata.ind), soci::use(state), soci::use(at),
                     soci::use(done.value, done.ind), soci::use(done.value, done.ind));
        long long seq_value = m.sequence;
        for (const auto& r : n.receivers)
            detail::exec(c,
                         "INSERT INTO message_deliveries (message_id, agent_id, entanglement_id, seq, state) "
                         "VALUES (:m, :a, :e, :q, 'pending')",
                         soci::use(m.id), soci::use(r), soci::use(m.entanglement_id), soci::use(seq_value));
        return m;
    });
}

std::optional<message> entanglement_repository::get_message(const std::string& id) {
    return runner_->call(access::read, [&](connection& c) {
        return detail::query_row<message_row>(c, select_messages() + " WHERE id = :id", soci::use(id));
    });
}

std::vector<message> entanglement_repository::messages(const std::string& entanglement_id, const message_filter& mf,
                                                       const page& p) {
    return runner_->call(access::read, [&](connection& c) {
        detail::filter f;
        f.add("entanglement_id = :e", entanglement_id);
        if (mf.after_sequence) f.add("seq > :q", static_cast<long long>(*mf.after_sequence));
        if (mf.for_receiver) {
            f.add_twice("(receiver_id = :r OR (receiver_id IS NULL AND sender_id <> :r2))", *mf.for_receiver);
        }
        if (mf.state) f.add("state = :st", std::string(to_string(*mf.state)));
        return detail::query_filtered<message_row>(c, select_messages(), f, " ORDER BY seq", p);
    });
}

std::vector<std::string> entanglement_repository::live_members(const std::string& entanglement_id) {
    return runner_->call(access::read, [&](connection& c) {
        return detail::query_rows<detail::text_row>(c,
                                            "SELECT mem.agent_id FROM entanglement_members mem JOIN agents a ON "
                                            "a.id = mem.agent_id WHERE mem.entanglement_id = :e AND a.state <> "
                                            "'terminated' ORDER BY mem.joined_at, mem.agent_id",
                                            soci::use(entanglement_id));
    });
}

std::vector<delivery> entanglement_repository::pending_deliveries(const std::string& entanglement_id,
                                                                  const std::optional<std::string>& owner_instance,
                                                                  std::size_t limit) {
    return runner_->call(access::read, [&](connection& c) {
        detail::filter f;
        f.add("d.entanglement_id = :e", entanglement_id);
        f.add("d.state = :s", std::string("pending"));
        if (owner_instance) f.add("a.owner_instance = :o", *owner_instance);
        return detail::query_filtered<delivery_row>(c, select_deliveries(), f, " ORDER BY d.seq, d.agent_id",
                                                    page{limit, 0});
    });
}

std::vector<std::string> entanglement_repository::with_pending_deliveries(const std::optional<std::string>& owner_instance) {
    return runner_->call(access::read, [&](connection& c) {
        if (!owner_instance)
            return detail::query_rows<detail::text_row>(
                c, "SELECT DISTINCT entanglement_id FROM message_deliveries WHERE state = 'pending' ORDER BY entanglement_id");
        return detail::query_rows<detail::text_row>(c,
                                            "SELECT DISTINCT d.entanglement_id FROM message_deliveries d JOIN agents a "
                                            "ON a.id = d.agent_id WHERE d.state = 'pending' AND a.owner_instance = :o "
                                            "ORDER BY d.entanglement_id",
                                            soci::use(*owner_instance));
    });
}

bool entanglement_repository::advance_delivery(const std::string& message_id, const std::string& agent_id,
                                               delivery_state state) {
    if (state != delivery_state::delivered && state != delivery_state::processed)
        throw store_error("advance_delivery: a delivery only moves to delivered or processed");
    return runner_->call(access::write, [&](connection& c) {
        const long long at = detail::to_db(now());
        const bool processed = state == delivery_state::processed;
        // The message's row lock first: receivers finishing at the same moment take turns, so
        // the last one sees all the others' rows (PostgreSQL reads per statement).
        detail::exec(c, "UPDATE entanglement_messages SET seq = seq WHERE id = :id", soci::use(message_id));
        const auto changed = detail::exec(
            c,
            processed ? "UPDATE message_deliveries SET state = 'processed' WHERE message_id = :m AND agent_id = :a AND "
                        "state <> 'processed'"
                      : "UPDATE message_deliveries SET state = 'delivered' WHERE message_id = :m AND agent_id = :a AND "
                        "state = 'pending'",
            soci::use(message_id), soci::use(agent_id));
        if (changed == 0) return false;
        // The message follows its slowest receiver.
        if (processed)
            detail::exec(c,
                         "UPDATE entanglement_messages SET state = 'processed', delivered_at = COALESCE(delivered_at, :d), "
                         "processed_at = :p WHERE id = :id AND state <> 'processed' AND NOT EXISTS (SELECT 1 FROM "
                         "message_deliveries WHERE message_id = :id2 AND state <> 'processed')",
                         soci::use(at), soci::use(at), soci::use(message_id), soci::use(message_id));
        detail::exec(c,
                     "UPDATE entanglement_messages SET state = 'delivered', delivered_at = COALESCE(delivered_at, :d) "
                     "WHERE id = :id AND state = 'pending' AND NOT EXISTS (SELECT 1 FROM message_deliveries WHERE "
                     "message_id = :id2 AND state = 'pending')",
                     soci::use(at), soci::use(message_id), soci::use(message_id));
        return true;
    });
}

std::size_t entanglement_repository::reset_delivered(const std::string& agent_id) {
    return runner_->call(access::write, [&](connection& c) {
        return static_cast<std::size_t>(detail::exec(
            c, "UPDATE message_deliveries SET state = 'pending' WHERE agent_id = :a AND state = 'delivered'",
            soci::use(agent_id)));
    });
}

std::vector<delivery> entanglement_repository::deliveries_to(const std::string& agent_id) {
    return runner_->call(access::read, [&](connection& c) {
        return detail::query_rows<delivery_row>(
            c, select_deliveries() + " WHERE d.agent_id = :a AND d.state <> 'processed' ORDER BY d.entanglement_id, d.seq",
            soci::use(agent_id));
    });
}

}  // namespace chainbot::store
