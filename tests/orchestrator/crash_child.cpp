// A ChainBot process for the orchestrator crash test. Its one task appends
// "<execution> <step> <attempt> <idempotency key>" to a marker file (fsynced) every time it
// runs, so the test sees exactly which steps ran, how often, and with which key.
//   crash_child run <data_dir> <database_url|-> <marker> <executions>   start executions, run until killed
//   crash_child resume <data_dir> <database_url|-> <marker>             recover, finish, exit 0
#include <chainbot/module.hpp>

#include "orchestrator/orchestrator.hpp"

#include <boost/json/parse.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

namespace json = boost::json;

int main(int argc, char** argv) {
    if (argc < 5) return 2;
    const std::string mode = argv[1], data_dir = argv[2], url = argv[3], marker = argv[4];
    std::string config = R"({"api": {"port": 0}, "module": {"data_dir": ")" + data_dir +
                         R"("}, "workflow": {"max_concurrent_executions": 10},)"
                         // On PostgreSQL the dead run's leases must expire before this one takes over.
                         R"( "cluster": {"heartbeat_seconds": 0.2, "lease_seconds": 2.0, "poll_seconds": 0.3})";
    if (url != "-") config += R"(, "database": {"url": ")" + url + R"("})";
    config += "}";
    chainbot::chainbot_module module;
    module.initialize({}, config);
    auto* orch = module.get_orchestrator();
    orch->tasks().add("data_processor", "tick", [marker](const chainbot::orchestrator::task_call& c) -> json::value {
        const auto line = c.execution_id + " " + c.step_id + " " + std::to_string(c.attempt) + " " + c.idempotency_key + "\n";
        const int fd = ::open(marker.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
        if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return nullptr;
        ::fsync(fd);
        ::close(fd);
        std::this_thread::sleep_for(std::chrono::milliseconds(40));
        return json::object{{"step", c.step_id}};
    });
    module.start();
    if (mode == "run") {
        std::string steps;
        for (int i = 1; i <= 8; ++i)
            steps += std::string(i > 1 ? "," : "") + R"({"id": "s)" + std::to_string(i) +
                     R"(", "type": "agent_task", "agent_type": "data_processor", "task": "tick"})";
        const auto wf = orch->create_workflow(json::parse(R"({"name": "crash", "steps": [)" + steps + "]}")).workflow_id;
        const int n = argc > 5 ? std::stoi(argv[5]) : 3;
        for (int i = 0; i < n; ++i) std::printf("execution %s\n", orch->execute(wf, {}).id.c_str());
        std::printf("started\n");
        std::fflush(stdout);
        for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));  // until SIGKILL
    }
    // resume: the executions the killed run held are claimed (at once on SQLite, once their
    // leases expire on PostgreSQL); wait until nothing is left to run.
    for (int i = 0; i < 3000 && (orch->running_count() > 0 || orch->active_in_store() > 0); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    orch->flush();
    const bool idle = orch->running_count() == 0 && orch->active_in_store() == 0;
    module.stop();
    std::printf("%s\n", idle ? "done" : "still running");
    return idle ? 0 : 1;
}
