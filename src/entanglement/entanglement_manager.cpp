#include "entanglement/entanglement_manager.hpp"

#include "runtime/service_error.hpp"
#include "store/errors.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <set>

namespace chainbot::entanglement {

namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 5> message_types{"task", "result", "notification", "chat", "error"};
constexpr std::size_t max_name_length = 200;

service_error rule(const std::string& message) { return service_error(409, "rule_violation", message); }

json::value parse_or_text(const std::string& s) {
    boost::system::error_code ec;
    auto v = json::parse(s, ec);
    return ec ? json::value(s) : v;
}

int reply_depth(const store::message& m) {
    if (!m.metadata) return 0;
    auto meta = parse_or_text(*m.metadata);
    if (!meta.is_object()) return 0;
    const auto* d = meta.as_object().if_contains("reply_depth");
    return d && d->is_int64() ? static_cast<int>(d->as_int64()) : 0;
}

}  // namespace

entanglement_manager::entanglement_manager(std::function<std::shared_ptr<store::database>()> store,
                                           std::shared_ptr<agents::agent_spawner> spawner,
                                           orchestrator::task_registry* tasks)
    : store_(std::move(store)), spawner_(std::move(spawner)), tasks_(tasks) {}

entanglement_manager::~entanglement_manager() = default;

std::shared_ptr<store::database> entanglement_manager::db() const {
    auto db = store_();
    if (!db) throw service_error(503, "unavailable", "the store is not open");
    return db;
}

void entanglement_manager::set_chat_responder(chat_responder r) {
    std::lock_guard lock(mutex_);
    chat_ = std::move(r);
}

std::shared_ptr<std::mutex> entanglement_manager::lock_for(const std::string& entanglement_id) {
    std::lock_guard lock(mutex_);
    auto& m = send_locks_[entanglement_id];
    if (!m) m = std::make_shared<std::mutex>();
    return m;
}

void entanglement_manager::start(runtime& rt) {
    rt_ = &rt;
    std::weak_ptr<entanglement_manager> weak = weak_from_this();
    spawner_->set_message_sender([weak](const std::string& sender, const json::object& message) -> json::value {
        auto self = weak.lock();
        if (!self) throw service_error(503, "unavailable", "entanglements are not available");
        send_request r;
        const auto* e = message.if_contains("entanglement_id");
        if (!e || !e->is_string()) throw std::invalid_argument("send_message: entanglement_id must be a string");
        r.entanglement_id = std::string(e->as_string());
        r.sender_id = sender;
        if (const auto* to = message.if_contains("receiver_id"); to && to->is_string())
            r.receiver_id = std::string(to->as_string());
        if (const auto* c = message.if_contains("content")) r.content = *c;
        if (const auto* t = message.if_contains("message_type"); t && t->is_string())
            r.message_type = std::string(t->as_string());
        {
            std::lock_guard lock(self->mutex_);
            if (auto it = self->handling_depth_.find(sender); it != self->handling_depth_.end())
                r.metadata = json::object{{"reply_depth", it->second + 1}, {"sent_by", "tool"}};
        }
        return to_json(self->send(r));
    });
    rt.health().add("entanglement_manager", [this]() -> component_health {
        if (!rt_ || !rt_->running()) return {0.0, "the entanglement manager is stopped"};
        try {
            (void)db();
        } catch (const std::exception& e) {
            return {0.0, e.what()};
        }
        return {1.0, {}};
    });
    agents::agent_spawner::cluster_hooks hooks;
    hooks.adopted = [weak](const std::vector<std::string>& agent_ids) {
        if (auto self = weak.lock()) self->redeliver(agent_ids);
    };
    hooks.messages_waiting = [weak](const std::string& entanglement_id) {
        auto self = weak.lock();
        if (!self) return;
        try {
            if (entanglement_id.empty()) return self->drain_all();
            auto lock = self->lock_for(entanglement_id);
            std::lock_guard guard(*lock);
            self->drain_locked(entanglement_id);
        } catch (const std::exception& e) {
            if (self->rt_) self->rt_->log().warning("entanglement", "cannot deliver waiting messages: {}", e.what());
        }
    };
    spawner_->set_cluster_hooks(std::move(hooks));
    std::vector<std::string> mine;
    for (const auto& a : spawner_->live_agents()) mine.push_back(a->id);
    redeliver(mine);
}

void entanglement_manager::stop() noexcept {
    spawner_->set_cluster_hooks({});
    if (rt_) rt_->health().remove("entanglement_manager");
}

void entanglement_manager::check_live_member(store::database& database, const std::string& entanglement_id,
                                             const std::string& agent_id, const char* role) {
    auto agent = database.agents().get(agent_id);
    if (!agent) throw service_error(404, "not_found", fmt::format("{}: no agent '{}'", role, agent_id));
    if (agent->state == store::agent_state::terminated)
        throw rule(fmt::format("{} agent '{}' is terminated: terminated agents neither send nor receive", role, agent_id));
    if (!database.entanglements().is_member(entanglement_id, agent_id))
        throw rule(fmt::format("{} agent '{}' is not a member of entanglement '{}': only members exchange messages", role,
                               agent_id, entanglement_id));
}

store::entanglement entanglement_manager::create(const create_request& request) {
    if (!rt_) throw service_error(503, "unavailable", "the entanglement manager is not started");
    if (request.name.empty() || request.name.size() > max_name_length)
        throw service_error(400, "validation_error", fmt::format("name: must be 1 to {} characters", max_name_length));
    auto database = db();
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < request.agent_ids.size(); ++i) {
        const auto& id = request.agent_ids[i];
        auto agent = database->agents().get(id);
        if (!agent) throw service_error(404, "not_found", fmt::format("agent_ids[{}]: no agent '{}'", i, id));
        if (agent->state == store::agent_state::terminated)
            throw rule(fmt::format("agent_ids[{}]: agent '{}' is terminated and cannot join", i, id));
        if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    }
    // One transaction: the group and all its members, or nothing.
    auto created = database->in_transaction([&](store::transaction& tx) {
        auto e = tx.entanglements().create({request.name, request.description, request.owner_user_id, ""});
        for (const auto& id : ids) tx.entanglements().add_member(e.id, id);
        return e;
    });
    json::array members;
    for (const auto& id : ids) members.push_back(json::value(id));
    rt_->events().publish("chainbot.entanglement.created", {{"entanglement_id", created.id},
                                                            {"name", created.name},
                                                            {"agent_ids", std::move(members)}});
    return created;
}

void entanglement_manager::remove(const std::string& id) {
    if (!rt_) throw service_error(503, "unavailable", "the entanglement manager is not started");
    auto database = db();
    if (!database->entanglements().get(id)) throw service_error(404, "not_found", fmt::format("no entanglement '{}'", id));
    {
        auto lock = lock_for(id);
        std::lock_guard guard(*lock);
        database->entanglements().remove(id);
    }
    {
        std::lock_guard lock(mutex_);
        send_locks_.erase(id);
    }
    rt_->events().publish("chainbot.entanglement.deleted", {{"entanglement_id", id}});
}

void entanglement_manager::add_member(const std::string& id, const std::string& agent_id) {
    if (!rt_) throw service_error(503, "unavailable", "the entanglement manager is not started");
    auto database = db();
    if (!database->entanglements().get(id)) throw service_error(404, "not_found", fmt::format("no entanglement '{}'", id));
    auto agent = database->agents().get(agent_id);
    if (!agent) throw service_error(404, "not_found", fmt::format("agent_id: no agent '{}'", agent_id));
    if (agent->state == store::agent_state::terminated)
        throw rule(fmt::format("agent '{}' is terminated and cannot join", agent_id));
    if (database->entanglements().is_member(id, agent_id)) return;  // already a member: nothing changes
    database->entanglements().add_member(id, agent_id);
    rt_->events().publish("chainbot.entanglement.member_added", {{"entanglement_id", id}, {"agent_id", agent_id}});
}

void entanglement_manager::remove_member(const std::string& id, const std::string& agent_id) {
    if (!rt_) throw service_error(503, "unavailable", "the entanglement manager is not started");
    auto database = db();
    if (!database->entanglements().get(id)) throw service_error(404, "not_found", fmt::format("no entanglement '{}'", id));
    if (!database->entanglements().remove_member(id, agent_id))
        throw service_error(404, "not_found", fmt::format("agent '{}' is not a member of entanglement '{}'", agent_id, id));
    rt_->events().publish("chainbot.entanglement.member_removed", {{"entanglement_id", id}, {"agent_id", agent_id}});
}

store::message entanglement_manager::send(const send_request& request) {
    if (!rt_) throw service_error(503, "unavailable", "the entanglement manager is not started");
    if (std::find(message_types.begin(), message_types.end(), request.message_type) == message_types.end())
        throw service_error(400, "validation_error",
                            fmt::format("message_type: '{}' is not one of task, result, notification, chat, error",
                                        request.message_type));
    if (request.content.is_null()) throw service_error(400, "validation_error", "content: is required");
    if (request.receiver_id && *request.receiver_id == request.sender_id)
        throw rule(fmt::format("agent '{}' cannot send a private message to itself", request.sender_id));
    auto database = db();
    if (!database->entanglements().get(request.entanglement_id))
        throw service_error(404, "not_found", fmt::format("no entanglement '{}'", request.entanglement_id));

    // Under the entanglement's lock the checks, the sequence number and the mailboxes
    // agree: receivers see its messages in sequence order.
    auto lock = lock_for(request.entanglement_id);
    std::lock_guard guard(*lock);
    check_live_member(*database, request.entanglement_id, request.sender_id, "sender");
    std::vector<std::string> receivers;
    if (request.receiver_id) {
        check_live_member(*database, request.entanglement_id, *request.receiver_id, "receiver");
        receivers.push_back(*request.receiver_id);
    } else {
        for (auto& id : database->entanglements().live_members(request.entanglement_id))
            if (id != request.sender_id) receivers.push_back(std::move(id));
    }
    // The mailboxes here are checked now; those of agents running on other instances when
    // the message reaches them (it waits, stored, until there is room).
    for (const auto& r : receivers) {
        std::string why;
        if (spawner_->is_live(r) && !spawner_->can_accept(r, &why)) throw service_error(429, "mailbox_full", why, 1);
    }
    store::new_message n;
    n.entanglement_id = request.entanglement_id;
    n.sender_id = request.sender_id;
    n.receiver_id = request.receiver_id;
    n.type = request.message_type;
    n.content = json::serialize(request.content);
    if (request.metadata) n.metadata = json::serialize(*request.metadata);
    n.receivers = receivers;
    auto stored = database->in_transaction([&](store::transaction& tx) {
        auto m = tx.entanglements().append(n);
        tx.agents().add_counters(request.sender_id, {0, 0, 1, 0});
        return m;
    });
    ++sent_;
    auto fields = to_json(stored);
    fields.erase("id");
    fields["message_id"] = stored.id;
    fields["receivers"] = receivers.size();
    rt_->events().publish("chainbot.entanglement.message", std::move(fields));
    // Receivers running on other instances: their instance delivers it (woken now; its
    // slow poll covers a lost notification). Those here: now, in sequence order.
    std::set<std::string> elsewhere;
    for (const auto& r : receivers) {
        if (spawner_->is_live(r)) continue;
        if (auto a = database->agents().get(r); a && a->owner_instance && *a->owner_instance != spawner_->instance_id())
            elsewhere.insert(*a->owner_instance);
    }
    for (const auto& instance : elsewhere) spawner_->notify_messages(instance, request.entanglement_id);
    drain_locked(request.entanglement_id);
    return stored;
}

std::vector<store::message> entanglement_manager::messages(const std::string& id, const store::message_filter& filter,
                                                           const store::page& page) {
    auto database = db();
    if (!database->entanglements().get(id)) throw service_error(404, "not_found", fmt::format("no entanglement '{}'", id));
    return database->entanglements().messages(id, filter, page);
}

void entanglement_manager::drain_all() {
    for (const auto& e : db()->entanglements().with_pending_deliveries(spawner_->instance_id())) {
        auto lock = lock_for(e);
        std::lock_guard guard(*lock);
        drain_locked(e);
    }
}

void entanglement_manager::drain_locked(const std::string& entanglement_id) {
    auto database = db();
    std::weak_ptr<entanglement_manager> weak = weak_from_this();
    for (;;) {
        const auto batch = database->entanglements().pending_deliveries(entanglement_id, spawner_->instance_id());
        std::size_t moved = 0;
        for (const auto& d : batch) {
            if (!spawner_->is_live(d.agent_id)) {
                // Terminated since: it will never get it. Otherwise (not running here yet)
                // it stays pending for a later pass.
                auto a = database->agents().get(d.agent_id);
                if (!a || a->state == store::agent_state::terminated) {
                    database->entanglements().advance_delivery(d.msg.id, d.agent_id, store::delivery_state::processed);
                    ++moved;
                }
                continue;
            }
            // `handled`: the receiver ran it, or never will (terminated). A job dropped because
            // the module is stopping, or because the agent now runs on another instance, is
            // neither: it stays delivered-but-unprocessed and is delivered again by whoever
            // runs the agent next.
            auto finished = [weak, id = d.msg.id, agent = d.agent_id](bool handled) {
                auto self = weak.lock();
                if (!self) return;
                try {
                    auto database = self->db();
                    if (!handled) {
                        if (!self->spawner_->accepting()) return;
                        auto a = database->agents().get(agent);
                        if (a && a->state != store::agent_state::terminated) return;
                    }
                    database->entanglements().advance_delivery(id, agent, store::delivery_state::processed);
                } catch (const std::exception& e) {
                    if (self->rt_)
                        self->rt_->log().warning("entanglement", "message '{}': cannot mark it processed by '{}': {}", id,
                                                 agent, e.what());
                }
            };
            std::string why;
            // Accepted at send time (the mailboxes here were checked then): past the limit.
            const bool ok = spawner_->deliver(
                d.agent_id,
                [weak, m = d.msg, finished](const std::shared_ptr<const orchestrator::agent_handle>& agent) {
                    if (auto self = weak.lock()) self->react(agent, m);
                    finished(true);
                },
                &why, [finished] { finished(false); }, true);
            if (!ok) {
                if (rt_) rt_->log().warning("entanglement", "message '{}' not delivered to '{}': {}", d.msg.id, d.agent_id, why);
                continue;  // the error state: stays pending
            }
            // After it is in the mailbox; a receiver that already processed it is not moved back.
            database->entanglements().advance_delivery(d.msg.id, d.agent_id, store::delivery_state::delivered);
            ++moved;
        }
        if (batch.size() < 500 || moved == 0) return;
    }
}

void entanglement_manager::react(const std::shared_ptr<const orchestrator::agent_handle>& agent,
                                 const store::message& m) {
    // What the agent sends while it handles this message (a tool's send_message) is a reply
    // at the next depth: tools cannot make two agents talk forever either.
    struct handling_scope {
        entanglement_manager& self;
        std::string agent;
        handling_scope(entanglement_manager& s, std::string a, int depth) : self(s), agent(std::move(a)) {
            std::lock_guard lock(self.mutex_);
            self.handling_depth_[agent] = depth;
        }
        ~handling_scope() {
            std::lock_guard lock(self.mutex_);
            self.handling_depth_.erase(agent);
        }
    } scope(*this, agent->id, reply_depth(m));
    try {
        db()->agents().add_counters(agent->id, {0, 0, 0, 1});
    } catch (const std::exception&) {
    }
    if (reply_depth(m) >= max_reply_depth) return;
    const auto content = parse_or_text(m.content);
    try {
        if (m.type == "task") {
            if (!content.is_object() || !content.as_object().if_contains("task") ||
                !content.as_object().at("task").is_string())
                return reply(*agent, m, "result",
                             json::object{{"ok", false}, {"error", "a task message needs content {\"task\": name, \"input\", \"config\"}"}});
            const std::string task(content.as_object().at("task").as_string());
            auto fn = tasks_ ? tasks_->find(agent->type, task) : std::nullopt;
            if (!fn)
                return reply(*agent, m, "result",
                             json::object{{"task", task}, {"ok", false},
                                          {"error", fmt::format("agent type '{}' has no task '{}'", agent->type, task)}});
            orchestrator::task_call call;
            call.execution_id = "";
            call.step_id = "message:" + m.id;
            call.idempotency_key = "message:" + m.id + ":" + agent->id;
            call.agent = agent;
            call.cancelled = spawner_->stopping_flag();  // a stop does not wait for a long reaction
            if (const auto* in = content.as_object().if_contains("input")) call.input = *in;
            if (const auto* c = content.as_object().if_contains("config"); c && c->is_object()) call.config = c->as_object();
            json::object result{{"task", task}};
            try {
                result["output"] = (*fn)(call);
                result["ok"] = true;
            } catch (const std::exception& e) {
                result["ok"] = false;
                result["error"] = e.what();
            }
            return reply(*agent, m, "result", std::move(result));
        }
        if (m.type == "chat" && agent->type == "assistant") {
            chat_responder chat;
            {
                std::lock_guard lock(mutex_);
                chat = chat_;
            }
            const auto text = content.is_string() ? std::string(content.as_string()) : json::serialize(content);
            if (!chat) return reply(*agent, m, "error", "this assistant cannot chat: no chat responder is installed");
            try {
                return reply(*agent, m, "chat", json::value(chat(*agent, text, m.entanglement_id, m.sender_id)));
            } catch (const std::exception& e) {
                return reply(*agent, m, "error", json::value(fmt::format("the assistant could not answer: {}", e.what())));
            }
        }
    } catch (const std::exception& e) {
        ++reactions_failed_;
        if (rt_) rt_->log().warning("entanglement", "agent '{}' could not react to message '{}': {}", agent->id, m.id, e.what());
    }
}

void entanglement_manager::reply(const orchestrator::agent_handle& agent, const store::message& to, const std::string& type,
                                 json::value content) {
    send_request r;
    r.entanglement_id = to.entanglement_id;
    r.sender_id = agent.id;
    r.receiver_id = to.sender_id;
    r.message_type = type;
    r.content = std::move(content);
    r.metadata = json::object{{"in_reply_to", to.id}, {"reply_depth", reply_depth(to) + 1}};
    send(r);  // may throw a rule violation (the sender left or was terminated): logged by react
}

void entanglement_manager::redeliver(const std::vector<std::string>& agent_ids) {
    auto database = db();
    // What was in their mailboxes died with the process that ran them.
    std::size_t count = 0;
    for (const auto& id : agent_ids) count += database->entanglements().reset_delivered(id);
    drain_all();
    if (count > 0 && rt_) rt_->log().info("entanglement", "{} unprocessed messages delivered again", count);
}

json::object entanglement_manager::to_json(const store::message& m) {
    json::object o{{"id", m.id},
                   {"entanglement_id", m.entanglement_id},
                   {"sequence", m.sequence},
                   {"sender_id", m.sender_id},
                   {"receiver_id", m.receiver_id ? json::value(*m.receiver_id) : json::value(nullptr)},
                   {"broadcast", m.broadcast()},
                   {"message_type", m.type},
                   {"content", parse_or_text(m.content)},
                   {"metadata", m.metadata ? parse_or_text(*m.metadata) : json::value(nullptr)},
                   {"state", store::to_string(m.state)}};
    return o;
}

}  // namespace chainbot::entanglement
