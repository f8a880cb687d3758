#pragma once
/// @file audit_service.hpp
/// @brief The audit trail as a runtime service. On start it starts the trail's writer
/// (masking the configured secret names too) and observes the event hub, recording the
/// domain events that change state:
///
/// - executions: chainbot.workflow.started, resumed, paused, cancelled, completed,
///   failed, timed_out (step events are not recorded: too many, and implied);
/// - workflows, agents, entanglements: chainbot.workflow.created/updated/deleted,
///   chainbot.agent.spawned/terminated, chainbot.entanglement.created/deleted/
///   agent_added/agent_removed, as their components publish them;
/// - configuration: chainbot.config.changed.
///
/// These record *what happened*; who asked for it is recorded by the API layer (with the
/// principal) when it handles the request. Denials are recorded by security::access_guard.

#include "audit/audit_trail.hpp"

#include "runtime/runtime.hpp"

#include <memory>
#include <string>
#include <vector>

namespace chainbot::audit {

/// @brief The topic patterns recorded by default (see above).
const std::vector<std::string>& default_recorded_topics();

/// @brief The record of a domain event: action = topic without "chainbot.", resource from
/// the ids in the payload (executions/<id>, workflows/<id>, agents/<id>, ...), user_id when
/// the payload names one, the payload as metadata.
audit::record record_of_event(const events::event& e);

class audit_service final : public service {
public:
    /// @param masked_names extra secret key names, added to settings' security.audit_masked_fields.
    explicit audit_service(audit_trail::store_getter store, std::vector<std::string> topics = default_recorded_topics(),
                           std::vector<std::string> masked_names = {});
    ~audit_service() override;

    std::string_view name() const override { return "audit"; }
    void start(runtime& rt) override;
    void stop() noexcept override;

    /// @brief The trail; usable before start (writes then happen on the caller's thread).
    const std::shared_ptr<audit_trail>& trail() const noexcept { return trail_; }

private:
    class event_recorder;

    std::shared_ptr<audit_trail> trail_;
    std::vector<std::string> topics_;
    std::vector<std::string> masked_names_;
    runtime* runtime_ = nullptr;
    std::uint64_t observer_id_ = 0;
};

}  // namespace chainbot::audit
