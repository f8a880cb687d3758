// A ChainBot process for the hardening tests, killed with SIGKILL at random moments and
// started again. Its one task appends "<execution> <step> <attempt> <idempotency key>" to a
// marker file (fsynced) every time it runs, so the test sees which steps ran, how often and
// with which key, whatever the store says.
//   hardening_child start <data_dir> <database_url|-> <marker> <executions> <steps>
//       creates a workflow of <steps> agent_task steps, starts <executions> executions, prints
//       "execution <id>" for each and then "started"; prints "done" and exits 0 once nothing
//       is left to run (unless killed first)
//   hardening_child resume <data_dir> <database_url|-> <marker>
//       recovers what the killed process left, prints "resumed", then "done" as above
#include <chainbot/module.hpp>

#include "orchestrator/orchestrator.hpp"

#include <boost/json/parse.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>
#include <string>
#include <thread>

namespace json = boost::json;

int main(int argc, char** argv) {
    if (argc < 5) return 2;
    const std::string mode = argv[1], data_dir = argv[2], url = argv[3], marker = argv[4];
    if (mode != "start" && mode != "resume") return 2;
    std::string config = R"({"api": {"port": 0}, "module": {"data_dir": ")" + data_dir +
                         R"("}, "logging": {"level": "WARNING"}, "workflow": {"max_concurrent_executions": 10},)"
                         R"( "agents": {"max_instances_per_type": 10},)"
                         // On PostgreSQL the killed run's leases must expire before this one takes over.
                         R"( "cluster": {"heartbeat_seconds": 0.2, "lease_seconds": 2.0, "poll_seconds": 0.3})";
    if (url != "-") config += R"(, "database": {"url": ")" + url + R"("})";
    config += "}";
    chainbot::chainbot_module module;
    module.initialize({}, config);
    auto* orch = module.get_orchestrator();
    auto rng = std::make_shared<std::mt19937>(static_cast<unsigned>(::getpid()));
    auto rng_mutex = std::make_shared<std::mutex>();
    orch->tasks().add("data_processor", "mark", [marker, rng, rng_mutex](const chainbot::orchestrator::task_call& c) -> json::value {
        const auto line = c.execution_id + " " + c.step_id + " " + std::to_string(c.attempt) + " " + c.idempotency_key + "\n";
        const int fd = ::open(marker.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
        if (fd < 0 || ::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
            throw std::runtime_error("cannot write the marker file");
        ::fsync(fd);
        ::close(fd);
        int pause = 0;
        {
            std::lock_guard lock(*rng_mutex);
            pause = std::uniform_int_distribution<int>(2, 15)(*rng);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(pause));
        return json::object{{"step", c.step_id}, {"key", c.idempotency_key}};
    });
    module.start();
    if (mode == "start") {
        if (argc < 7) return 2;
        const int executions = std::stoi(argv[5]), steps = std::stoi(argv[6]);
        std::string list;
        for (int i = 1; i <= steps; ++i)
            list += std::string(i > 1 ? "," : "") + R"({"id": "s)" + std::to_string(i) +
                    R"(", "type": "agent_task", "agent_type": "data_processor", "task": "mark"})";
        const auto wf = orch->create_workflow(json::parse(R"({"name": "thousand steps", "steps": [)" + list + "]}")).workflow_id;
        for (int i = 0; i < executions; ++i) std::printf("execution %s\n", orch->execute(wf, {}).id.c_str());
        std::printf("started\n");
    } else {
        std::printf("resumed\n");
    }
    std::fflush(stdout);
    // Until nothing is left: the executions this process started or took over from the killed one
    // (at once on SQLite, once their leases expire on PostgreSQL).
    for (int i = 0; i < 12000 && (orch->running_count() > 0 || orch->active_in_store() > 0); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    orch->flush();
    const bool idle = orch->running_count() == 0 && orch->active_in_store() == 0;
    module.stop();
    std::printf("%s\n", idle ? "done" : "still running");
    std::fflush(stdout);
    return idle ? 0 : 1;
}
