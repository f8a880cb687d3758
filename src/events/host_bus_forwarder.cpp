#include "events/host_bus_forwarder.hpp"

#include <boost/json/serialize.hpp>

namespace chainbot::events {

void host_bus_forwarder::on_event(const event& e) {
    if (sink_) sink_->publish(e.topic, boost::json::serialize(e.payload));
}

}  // namespace chainbot::events
