#pragma once
/// @file entanglement_manager.hpp
/// @brief Entanglements: groups of agents that exchange private and broadcast messages.
///
/// Rules (each refusal is a service_error naming the rule): only members send; a private
/// message goes to a member; terminated agents neither send nor receive; the message type
/// is one of task, result, notification, chat, error. A message is stored (with the next
/// sequence number of its entanglement, and a pending delivery per receiver) before send()
/// returns. Each receiver's delivery is put in its mailbox in sequence order by the
/// instance that runs the receiver (scale-out: another instance is woken by NOTIFY, and
/// polls in case a notification was lost). A delivery goes pending -> delivered ->
/// processed; the message is delivered once no receiver is pending and processed once every
/// receiver handled it. Deliveries not processed when their agent's process stopped are
/// delivered again by whoever runs the agent next (at-least-once).
///
/// Agents react (see docs/entanglements.md): any agent receiving a `task`
/// ({"task", "input", "config"}) runs that task of its type and answers the sender with a
/// `result` ({"task", "ok", "output" | "error"}); an assistant answers a `chat` with a
/// `chat`. Replies carry {"in_reply_to", "reply_depth"} in their metadata and nothing
/// answers beyond max_reply_depth, so two assistants cannot chat forever.

#include "agents/spawner.hpp"
#include "orchestrator/task_registry.hpp"
#include "runtime/runtime.hpp"
#include "store/database.hpp"
#include "store/entanglement_repository.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace chainbot::entanglement {

/// Replies to replies stop at this depth.
constexpr int max_reply_depth = 4;

struct create_request {
    std::string name;
    std::string description;
    std::optional<std::string> owner_user_id;
    std::vector<std::string> agent_ids;
};

struct send_request {
    std::string entanglement_id;
    std::string sender_id;
    std::optional<std::string> receiver_id;  // empty: broadcast to every other member
    boost::json::value content;              // any JSON (a string for plain text)
    std::string message_type = "notification";
    std::optional<boost::json::object> metadata;
};

/// @brief How an assistant answers a chat message (assistant_reply of the assistant
/// module): (the assistant, the text, the message's entanglement, its sender) -> the
/// answer; throws when it cannot (no model configured...).
using chat_responder = std::function<std::string(const orchestrator::agent_handle&, const std::string& text,
                                                 const std::string& entanglement_id, const std::string& sender_id)>;

class entanglement_manager final : public service, public std::enable_shared_from_this<entanglement_manager> {
public:
    entanglement_manager(std::function<std::shared_ptr<store::database>()> store,
                         std::shared_ptr<agents::agent_spawner> spawner, orchestrator::task_registry* tasks);
    ~entanglement_manager() override;

    std::string_view name() const override { return "entanglement_manager"; }
    /// @brief Hooks agents' send_message up and redelivers unprocessed messages.
    void start(runtime& rt) override;
    void stop() noexcept override;

    void set_chat_responder(chat_responder r);

    // All blocking (store calls); service_error 400/404/409 as documented above.
    store::entanglement create(const create_request& request);
    void remove(const std::string& id);
    void add_member(const std::string& id, const std::string& agent_id);
    void remove_member(const std::string& id, const std::string& agent_id);
    store::message send(const send_request& request);
    /// @brief Messages of an entanglement in sequence order (404 when it does not exist).
    std::vector<store::message> messages(const std::string& id, const store::message_filter& filter = {},
                                         const store::page& page = {});

    /// @brief The message as the REST API and events show it (content parsed back to JSON).
    static boost::json::object to_json(const store::message& m);

    std::uint64_t messages_sent() const noexcept { return sent_.load(); }
    std::uint64_t reactions_failed() const noexcept { return reactions_failed_.load(); }

private:
    std::shared_ptr<store::database> db() const;
    std::shared_ptr<std::mutex> lock_for(const std::string& entanglement_id);
    void check_live_member(store::database& db, const std::string& entanglement_id, const std::string& agent_id,
                           const char* role);
    /// @brief Puts the pending deliveries of an entanglement to the agents running here in
    /// their mailboxes, in sequence order. With the entanglement's lock held.
    void drain_locked(const std::string& entanglement_id);
    void drain_all();
    void react(const std::shared_ptr<const orchestrator::agent_handle>& agent, const store::message& m);
    void reply(const orchestrator::agent_handle& agent, const store::message& to, const std::string& type,
               boost::json::value content);
    /// @brief After a restart or a takeover: what those agents had in their mailboxes, again.
    void redeliver(const std::vector<std::string>& agent_ids);

    std::function<std::shared_ptr<store::database>()> store_;
    std::shared_ptr<agents::agent_spawner> spawner_;
    orchestrator::task_registry* tasks_;
    runtime* rt_ = nullptr;

    mutable std::mutex mutex_;
    chat_responder chat_;
    std::map<std::string, std::shared_ptr<std::mutex>> send_locks_;  // one per entanglement: sequence order = mailbox order
    std::map<std::string, int> handling_depth_;  // agent id -> reply depth of the message it handles now
    std::atomic<std::uint64_t> sent_{0};
    std::atomic<std::uint64_t> reactions_failed_{0};
};

}  // namespace chainbot::entanglement
