// One ChainBot host of the cluster test: the real module (chainbot_module) in its own
// process, on the shared PostgreSQL. Its task "tick" appends
// "<ms since epoch> <pid> <execution> <step> <attempt> <idempotency key>" to a marker file
// shared by every host (O_APPEND, fsynced) each time it runs, then sleeps 30 ms.
//   cluster_child <data_dir> <database_url> <marker>
// Prints "ready <pid> <api port> <instance id>" once started, then runs until SIGKILL.
#include <chainbot/module.hpp>

#include "orchestrator/orchestrator.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

namespace json = boost::json;

int main(int argc, char** argv) {
    if (argc < 4) return 2;
    const std::string data_dir = argv[1], url = argv[2], marker = argv[3];
    const std::string config = R"({"api": {"port": 0}, "module": {"data_dir": ")" + data_dir +
                               R"("}, "database": {"url": ")" + url +
                               R"("}, "workflow": {"max_concurrent_executions": 10},
                                  "raspberry_pi": {"enable_hardware_monitoring": false},
                                  "cluster": {"heartbeat_seconds": 0.3, "lease_seconds": 5.0, "poll_seconds": 1.0}})";
    chainbot::chainbot_module module;
    module.initialize({}, config);
    auto* orch = module.get_orchestrator();
    const auto pid = std::to_string(::getpid());
    orch->tasks().add("data_processor", "tick", [marker, pid](const chainbot::orchestrator::task_call& c) -> json::value {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
        const auto line = std::to_string(ms) + " " + pid + " " + c.execution_id + " " + c.step_id + " " +
                          std::to_string(c.attempt) + " " + c.idempotency_key + "\n";
        const int fd = ::open(marker.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
        if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return nullptr;
        ::fsync(fd);
        ::close(fd);
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        return json::object{{"step", c.step_id}, {"pid", pid}};
    });
    module.start();
    std::printf("ready %s %u %s\n", pid.c_str(), static_cast<unsigned>(module.api_port()), orch->instance_id().c_str());
    std::fflush(stdout);
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));  // until SIGKILL
}
