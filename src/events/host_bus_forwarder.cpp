#include "events/host_bus_forwarder.hpp"

#include <boost/json/serialize.hpp>

namespace chainbot::events {

void host_bus_forwarder::on_event(const event& e) {
    // A host that says nobody listens to the topic is spared the serialization (an event per
    // workflow step) and its own check of the text.
    if (sink_ && sink_->has_subscribers(e.topic)) sink_->publish(e.topic, boost::json::serialize(e.payload));
}

}  // namespace chainbot::events
