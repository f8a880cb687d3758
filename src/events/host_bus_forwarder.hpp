#pragma once
#include "events/event_hub.hpp"

#include <chainbot/host_services.hpp>

namespace chainbot::events {

/// @brief Forwards every hub event to the host's event bus as JSON text.
class host_bus_forwarder final : public observer {
public:
    explicit host_bus_forwarder(std::shared_ptr<event_sink> sink) : sink_(std::move(sink)) {}
    void on_event(const event& e) override;

private:
    std::shared_ptr<event_sink> sink_;
};

}  // namespace chainbot::events
