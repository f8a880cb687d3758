#pragma once
// An embedded ChainBot (tests/orchestrator/engine_fixture.hpp) with its agent spawner and
// entanglement manager at hand, plus what the agent tests keep needing: waiting for a
// condition, spawning, a latch a test task can block on.
#include "orchestrator/engine_fixture.hpp"
#include "support/eventually.hpp"

#include "agents/spawner.hpp"
#include "entanglement/entanglement_manager.hpp"
#include "runtime/service_error.hpp"

#include <condition_variable>
#include <functional>
#include <thread>

namespace chainbot::test {

/// @brief A gate test tasks wait at until the test opens it.
struct gate {
    std::mutex mutex;
    std::condition_variable cv;
    bool open = false;
    int waiting = 0;
    void pass() {
        std::unique_lock lock(mutex);
        ++waiting;
        cv.notify_all();
        cv.wait_for(lock, std::chrono::seconds(20), [&] { return open; });
        --waiting;
    }
    void release() {
        std::lock_guard lock(mutex);
        open = true;
        cv.notify_all();
    }
    int waiters() {
        std::lock_guard lock(mutex);
        return waiting;
    }
};

struct swarm : engine {
    explicit swarm(const std::string& extra_config = "", const std::string& database_url = "")
        : engine(extra_config, database_url) {}
    std::shared_ptr<store::database> cached;
    /// @brief One store connection pool of the test's own, opened once.
    store::database& d() {
        if (!cached) cached = db();
        return *cached;
    }
    agents::agent_spawner& spawner() { return *module.get_spawner(); }
    entanglement::entanglement_manager& ents() { return *module.get_entanglements(); }

    std::string spawn(const std::string& type, const std::string& name = "", const std::string& config = "{}") {
        return spawner().spawn({type, name, boost::json::parse(config).as_object()}).id;
    }
    store::message send(const std::string& entanglement, const std::string& from, std::optional<std::string> to,
                        const std::string& type, const std::string& content_json) {
        entanglement::send_request r;
        r.entanglement_id = entanglement;
        r.sender_id = from;
        r.receiver_id = std::move(to);
        r.message_type = type;
        r.content = boost::json::parse(content_json);
        return ents().send(r);
    }
    std::vector<store::message> messages(const std::string& entanglement) {
        return d().entanglements().messages(entanglement, {}, {1000, 0});
    }
    /// @brief Messages addressed to `agent` (privately) in an entanglement, in sequence order.
    std::vector<store::message> inbox(const std::string& entanglement, const std::string& agent) {
        std::vector<store::message> out;
        for (auto& m : messages(entanglement))
            if (m.receiver_id == agent) out.push_back(std::move(m));
        return out;
    }
};

/// @brief The service_error's status of what `fn` throws (0 when it throws nothing).
template <typename F>
int status_of(F&& fn, std::string* message = nullptr) {
    try {
        fn();
    } catch (const service_error& e) {
        if (message) *message = e.what();
        return e.status();
    }
    return 0;
}

}  // namespace chainbot::test
