// A coordinator splits a data set across data_processor agents of one entanglement and
// collects their results: each processor receives a `task` message (compute_statistics
// over its share), runs it and answers with a `result`; the coordinator merges them.
//
//   coordinator_example [DATA_DIR] [PROCESSORS] [RECORDS]
//
// It embeds ChainBot through the C++ API (SQLite in DATA_DIR). The same exchange works
// over REST: POST /api/chainbot/agents, /entanglements, /entanglements/{id}/messages, then
// GET /entanglements/{id}/messages?receiver_id=<coordinator> (see docs/agents.md).
#include <chainbot/module.hpp>

#include "agents/spawner.hpp"
#include "entanglement/entanglement_manager.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

namespace json = boost::json;

int main(int argc, char** argv) {
    const std::string data_dir = argc > 1 ? argv[1] : "coordinator-data";
    const int processors = argc > 2 ? std::stoi(argv[2]) : 4;
    const int records = argc > 3 ? std::stoi(argv[3]) : 1000;
    std::filesystem::remove_all(data_dir);

    chainbot::chainbot_module module;
    module.initialize({}, R"({"api": {"port": 0}, "module": {"data_dir": ")" + data_dir + R"("}})");
    module.start();
    auto& spawner = *module.get_spawner();
    auto& ents = *module.get_entanglements();

    // The team: one coordinator (a workflow agent) and the processors.
    const auto coordinator = spawner.spawn({"workflow", "coordinator", {}}).id;
    std::vector<std::string> members{coordinator};
    for (int i = 0; i < processors; ++i)
        members.push_back(spawner.spawn({"data_processor", "processor-" + std::to_string(i + 1), {}}).id);
    const auto team = ents.create({"statistics team", "splits a data set across processors", std::nullopt, members});

    // The data set: v = 0, 1, ..., records-1; each processor gets every processors-th record.
    std::vector<json::array> shares(static_cast<std::size_t>(processors));
    for (int i = 0; i < records; ++i)
        shares[static_cast<std::size_t>(i % processors)].push_back(json::object{{"v", i}});
    for (int p = 0; p < processors; ++p) {
        chainbot::entanglement::send_request task;
        task.entanglement_id = team.id;
        task.sender_id = coordinator;
        task.receiver_id = members[static_cast<std::size_t>(p) + 1];
        task.message_type = "task";
        task.content = json::object{{"task", "compute_statistics"},
                                    {"input", json::object{{"records", shares[static_cast<std::size_t>(p)]}}}};
        ents.send(task);
    }

    // Collect one result per processor from the coordinator's inbox.
    chainbot::store::message_filter inbox;
    inbox.for_receiver = coordinator;
    std::vector<chainbot::store::message> results;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
        results = ents.messages(team.id, inbox);
        if (static_cast<int>(results.size()) >= processors) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (static_cast<int>(results.size()) < processors) {
        std::fprintf(stderr, "only %zu of %d results arrived\n", results.size(), processors);
        return 1;
    }

    // Merge: counts add up, the mean is weighted by count, min and max combine.
    double count = 0, sum = 0, lo = INFINITY, hi = -INFINITY;
    for (const auto& m : results) {
        const auto content = json::parse(m.content);
        if (!content.at("ok").as_bool()) {
            std::fprintf(stderr, "a processor failed: %s\n", json::serialize(content).c_str());
            return 1;
        }
        const auto& v = content.at("output").at("fields").at("v");
        const auto n = v.at("count").to_number<double>();
        count += n;
        sum += n * v.at("mean").to_number<double>();
        lo = std::min(lo, v.at("min").to_number<double>());
        hi = std::max(hi, v.at("max").to_number<double>());
    }
    std::printf("processors %d\nrecords %.0f\nmean %.3f\nmin %.0f\nmax %.0f\n", processors, count, sum / count, lo, hi);
    module.stop();
    // The whole set computed at once must agree.
    const double expected_mean = (records - 1) / 2.0;
    return (count == records && std::fabs(sum / count - expected_mean) < 1e-9 && lo == 0 && hi == records - 1) ? 0 : 1;
}
