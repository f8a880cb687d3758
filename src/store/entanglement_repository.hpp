#pragma once
// Entanglements (groups of agents), their members and their messages. Each message gets
// the next number of its entanglement's sequence when it is stored, so readers can order
// and resume by it.

#include "store/types.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace chainbot::store {

namespace detail {
class runner;
}

struct entanglement {
    std::string id;
    std::string name;
    std::string description;
    std::optional<std::string> owner_user_id;
    std::int64_t last_sequence = 0;  // the sequence of its newest message
    time_point created_at;
    time_point updated_at;
};

struct new_entanglement {
    std::string name;
    std::string description;
    std::optional<std::string> owner_user_id;
    std::string id;  // generated when empty
};

struct entanglement_member {
    std::string entanglement_id;
    std::string agent_id;
    time_point joined_at;
};

struct message {
    std::string id;
    std::string entanglement_id;
    std::int64_t sequence = 0;  // 1, 2, 3... within the entanglement
    std::string sender_id;
    std::optional<std::string> receiver_id;  // empty: a broadcast to every other member
    std::string type;                        // task, result, notification, chat...
    std::string content;                     // JSON text (or plain text), byte for byte
    std::optional<std::string> metadata;     // JSON text
    delivery_state state = delivery_state::pending;
    time_point created_at;
    std::optional<time_point> delivered_at;
    std::optional<time_point> processed_at;

    bool broadcast() const noexcept { return !receiver_id.has_value(); }
};

struct new_message {
    std::string entanglement_id;
    std::string sender_id;
    std::optional<std::string> receiver_id;  // empty for a broadcast
    std::string type;
    std::string content;
    std::optional<std::string> metadata;
    std::string id;  // generated when empty
};

struct message_filter {
    std::optional<std::int64_t> after_sequence;  // only messages after this one
    /// Messages this agent receives: addressed to it, or broadcasts it did not send.
    std::optional<std::string> for_receiver;
    std::optional<delivery_state> state;
};

class entanglement_repository {
public:
    explicit entanglement_repository(detail::runner& r) : runner_(&r) {}

    entanglement create(const new_entanglement& e);
    std::optional<entanglement> get(const std::string& id);
    /// @brief Oldest first.
    std::vector<entanglement> list(const page& p = {});
    /// @brief Deletes it with its memberships and messages. store_not_found when missing.
    void remove(const std::string& id);

    /// @brief store_not_found when the entanglement or agent is missing; adding a member twice is a no-op.
    void add_member(const std::string& entanglement_id, const std::string& agent_id);
    /// @brief False when the agent was not a member.
    bool remove_member(const std::string& entanglement_id, const std::string& agent_id);
    std::vector<entanglement_member> members(const std::string& entanglement_id);
    bool is_member(const std::string& entanglement_id, const std::string& agent_id);

    /// @brief Stores the message with the entanglement's next sequence number.
    /// store_not_found when the entanglement is missing.
    message append(const new_message& m);
    std::optional<message> get_message(const std::string& id);
    /// @brief In sequence order.
    std::vector<message> messages(const std::string& entanglement_id, const message_filter& f = {},
                                  const page& p = {});
    /// @brief Marks delivered (stamps delivered_at) or processed (stamps processed_at).
    void set_delivery(const std::string& message_id, delivery_state state);

private:
    detail::runner* runner_;
};

}  // namespace chainbot::store
