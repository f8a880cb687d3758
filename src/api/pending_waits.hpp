#pragma once
/// @file pending_waits.hpp
/// @brief `POST .../execute?wait=true`: a request held open until its execution finishes,
/// without holding a thread. The orchestrator's on_done callback and a timeout timer race
/// on the wait's strand; the first answers. On timeout the client gets 202 with the
/// execution's current status; when the API stops, 202 with the last known one.

#include "http/router.hpp"
#include "orchestrator/engine_env.hpp"
#include "runtime/runtime.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace chainbot::store {
class database;
}

namespace chainbot::api {

class pending_waits;

class pending_wait : public std::enable_shared_from_this<pending_wait> {
public:
    /// @brief `db` reads the current status on timeout.
    pending_wait(runtime& rt, pending_waits& registry, http::responder respond, std::string workflow_id,
                 std::function<std::shared_ptr<store::database>()> db);

    /// @brief The execution finished (any thread, even inside orchestrator::execute).
    void finish(orchestrator::execution_outcome outcome);
    /// @brief The execution exists: start the timeout (any thread).
    void arm(std::string execution_id, std::string status, std::chrono::milliseconds timeout);
    /// @brief Starting the execution failed: answer `error` (any thread).
    void fail(http::response error);
    /// @brief The API stops: answer 202 with the last known status now.
    void abandon();

private:
    bool take_responder(http::responder& out);  // on the strand: the first taker wins
    void on_timeout();
    boost::json::object accepted_body() const;

    runtime& rt_;
    pending_waits& registry_;
    boost::asio::strand<boost::asio::io_context::executor_type> strand_;
    boost::asio::steady_timer timer_;
    http::responder respond_;
    std::string workflow_id_;
    std::function<std::shared_ptr<store::database>()> db_;
    std::string execution_id_;
    std::string status_ = "queued";
};

/// @brief The waits in progress, so that stopping the API answers them instead of
/// leaving timers that would hold the I/O pool open.
class pending_waits {
public:
    /// @brief False, keeping nothing, once abandon_all() closed the registry: the API is stopping.
    [[nodiscard]] bool add(std::shared_ptr<pending_wait> w);
    void remove(const std::shared_ptr<pending_wait>& w);
    /// @brief Answers every pending wait (202), forgets it and refuses new ones until open().
    void abandon_all();
    /// @brief Accepts waits again (the API starts).
    void open();
    std::size_t size() const;

private:
    mutable std::mutex mutex_;
    std::set<std::shared_ptr<pending_wait>> waits_;
    bool open_ = true;
};

}  // namespace chainbot::api
