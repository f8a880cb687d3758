#include "audit/audit_service.hpp"

#include "util/topic_pattern.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace chainbot::audit {

const std::vector<std::string>& default_recorded_topics() {
    static const std::vector<std::string> topics{
        "chainbot.workflow.started",          "chainbot.workflow.resumed",        "chainbot.workflow.paused",
        "chainbot.workflow.cancelled",        "chainbot.workflow.completed",      "chainbot.workflow.failed",
        "chainbot.workflow.timed_out",        "chainbot.workflow.created",        "chainbot.workflow.updated",
        "chainbot.workflow.deleted",          "chainbot.agent.spawned",           "chainbot.agent.terminated",
        "chainbot.entanglement.created",      "chainbot.entanglement.deleted",    "chainbot.entanglement.*.agent_added",
        "chainbot.entanglement.*.agent_removed", "chainbot.entanglement.agent_added", "chainbot.entanglement.agent_removed",
        "chainbot.config.changed",
    };
    return topics;
}

namespace {

std::string string_field(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

audit::record record_of_event(const events::event& e) {
    audit::record r;
    constexpr std::string_view prefix = "chainbot.";
    std::string_view topic = e.topic;
    if (topic.starts_with(prefix)) topic.remove_prefix(prefix.size());
    r.action = std::string(topic);
    // The most specific id names the resource.
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> ids{{
        {"execution_id", "executions/"},
        {"agent_id", "agents/"},
        {"entanglement_id", "entanglements/"},
        {"workflow_id", "workflows/"},
        {"key", "config/"},
        {"id", ""},
    }};
    for (const auto& [field, collection] : ids) {
        if (auto id = string_field(e.payload, field); !id.empty()) {
            r.resource = std::string(collection) + id;
            break;
        }
    }
    if (r.resource.empty()) r.resource = r.action;
    if (auto user = string_field(e.payload, "user_id"); !user.empty()) r.user_id = std::move(user);
    r.success = string_field(e.payload, "status") != "failed" && !topic.ends_with("failed") &&
                !topic.ends_with("timed_out");
    boost::json::object meta = e.payload;
    meta.erase("module_id");
    r.metadata = std::move(meta);
    return r;
}

class audit_service::event_recorder final : public events::observer {
public:
    event_recorder(std::weak_ptr<audit_trail> trail, std::vector<std::string> topics)
        : trail_(std::move(trail)), topics_(std::move(topics)) {}

    void on_event(const events::event& e) override {
        if (e.payload.contains("origin_instance")) return;  // relayed: the instance it happened on records it
        if (routine_in_memory(e)) return;
        if (!std::any_of(topics_.begin(), topics_.end(), [&](const std::string& p) { return topic_matches(p, e.topic); }))
            return;
        if (auto trail = trail_.lock()) trail->record(record_of_event(e));  // queues: never blocks the publisher
    }

private:
    // An ephemeral execution that starts and completes leaves no audit rows: it is kept in
    // memory by request, and such flows run by the thousand per second (a row each would be
    // most of their cost, and fill an SD card). Pauses and resumes (an operator's acts) and
    // any other end are still recorded.
    static bool routine_in_memory(const events::event& e) {
        const auto* ephemeral = e.payload.if_contains("ephemeral");
        if (!ephemeral || !ephemeral->is_bool() || !ephemeral->get_bool()) return false;
        return e.topic == "chainbot.workflow.started" || e.topic == "chainbot.workflow.completed";
    }

    std::weak_ptr<audit_trail> trail_;
    std::vector<std::string> topics_;
};

audit_service::audit_service(audit_trail::store_getter store, std::vector<std::string> topics,
                             std::vector<std::string> masked_names)
    : trail_(std::make_shared<audit_trail>(std::move(store))),
      topics_(std::move(topics)),
      masked_names_(std::move(masked_names)) {}

audit_service::~audit_service() { stop(); }

void audit_service::start(runtime& rt) {
    runtime_ = &rt;
    const auto settings = rt.settings();
    masker_options masking;
    masking.names = masked_names_;
    const auto& configured = settings->security.audit_masked_fields;
    masking.names.insert(masking.names.end(), configured.begin(), configured.end());
    trail_->on_error([&rt](std::string_view what) { rt.log().error("audit", "{}", what); });
    trail_->start(std::move(masking));
    observer_id_ = rt.events().add_observer(std::make_shared<event_recorder>(trail_, topics_));
}

void audit_service::stop() noexcept {
    if (runtime_ && observer_id_) runtime_->events().remove_observer(observer_id_);
    observer_id_ = 0;
    trail_->stop();
    trail_->on_error(nullptr);  // the runtime's logger may go before this service does
    runtime_ = nullptr;
}

}  // namespace chainbot::audit
