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
    /// Who gets it: a delivery (pending) is stored for each. None: it is processed at once.
    std::vector<std::string> receivers;
};

/// @brief A message on its way to one receiver.
struct delivery {
    message msg;
    std::string agent_id;
    delivery_state state = delivery_state::pending;
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
    /// @brief How many entanglements there are and how many messages they hold in all (each
    /// one's sequence is its message count), in one statement.
    struct totals_t {
        std::size_t entanglements = 0;
        std::int64_t messages = 0;
    };
    totals_t totals();
    /// @brief Deletes it with its memberships and messages. store_not_found when missing.
    void remove(const std::string& id);

    /// @brief store_not_found when the entanglement or agent is missing; adding a member twice is a no-op.
    void add_member(const std::string& entanglement_id, const std::string& agent_id);
    /// @brief False when the agent was not a member.
    bool remove_member(const std::string& entanglement_id, const std::string& agent_id);
    std::vector<entanglement_member> members(const std::string& entanglement_id);
    bool is_member(const std::string& entanglement_id, const std::string& agent_id);

    /// @brief Stores the message with the entanglement's next sequence number, and a pending
    /// delivery for each of its receivers. store_not_found when the entanglement is missing.
    message append(const new_message& m);
    /// @brief The live members (agents not terminated), in joining order.
    std::vector<std::string> live_members(const std::string& entanglement_id);

    /// @brief Pending deliveries of an entanglement in sequence order (then agent id), at most
    /// `limit`; with `owner_instance`, only to the agents that instance runs.
    std::vector<delivery> pending_deliveries(const std::string& entanglement_id,
                                             const std::optional<std::string>& owner_instance, std::size_t limit = 500);
    /// @brief The entanglements with pending deliveries (to the agents `owner_instance` runs).
    std::vector<std::string> with_pending_deliveries(const std::optional<std::string>& owner_instance);
    /// @brief Moves one receiver's delivery forward (pending -> delivered -> processed, never
    /// back) and the message with it: delivered once no receiver is pending, processed once
    /// every receiver processed it. False when the delivery is missing or already further on.
    bool advance_delivery(const std::string& message_id, const std::string& agent_id, delivery_state state);
    /// @brief The agent's deliveries that were in a mailbox lost with its process (a restart,
    /// or a takeover by another instance) become pending again. Returns how many.
    std::size_t reset_delivered(const std::string& agent_id);
    /// @brief Deliveries of one receiver not yet processed, oldest first (tests, tools).
    std::vector<delivery> deliveries_to(const std::string& agent_id);
    std::optional<message> get_message(const std::string& id);
    /// @brief In sequence order.
    std::vector<message> messages(const std::string& entanglement_id, const message_filter& f = {},
                                  const page& p = {});

private:
    detail::runner* runner_;
};

}  // namespace chainbot::store
