#pragma once
/// @file api_context.hpp
/// @brief What the REST handlers reach: the runtime, the store, the orchestrator and the
/// hardware service (for system metrics), plus the API's own route table and pending waits.

#include "api/route_table.hpp"
#include "runtime/runtime.hpp"

#include <functional>
#include <memory>

namespace chainbot::store {
class database;
}
namespace chainbot::orchestrator {
class orchestrator;
}
namespace chainbot::agents {
class agent_spawner;
}
namespace chainbot::entanglement {
class entanglement_manager;
}

namespace chainbot::hardware {
class hardware_service;
}
namespace chainbot::resources {
class resource_monitor;
}
namespace chainbot::ws {
class hub;
}

namespace chainbot::api {

class pending_waits;

/// @brief The components behind the workflow, execution and metrics routes.
struct api_backends {
    std::function<std::shared_ptr<store::database>()> store;  ///< the open store
    orchestrator::orchestrator* orchestrator = nullptr;
    std::shared_ptr<hardware::hardware_service> hardware;  ///< may be null: system metrics are null then
    std::shared_ptr<agents::agent_spawner> spawner;        ///< may be null: no agent routes then
    std::shared_ptr<entanglement::entanglement_manager> entanglements;  ///< may be null: no entanglement routes
    std::shared_ptr<resources::resource_monitor> resources;  ///< may be null: no RSS or CPU readings in metrics
};

struct api_context {
    runtime& rt;
    api_backends backends;
    route_table& table;
    pending_waits& waits;
    std::shared_ptr<ws::hub> ws;  ///< the WebSocket feed (add_ws_route); null without it

    /// @brief The open store; store_unavailable (503) while it is not open.
    std::shared_ptr<store::database> db() const;
    orchestrator::orchestrator& orch() const;
};

}  // namespace chainbot::api
