#include "api/pending_waits.hpp"

#include "api/run_blocking.hpp"
#include "store/database.hpp"
#include "store/errors.hpp"

#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>

namespace chainbot::api {

namespace json = boost::json;

pending_wait::pending_wait(runtime& rt, pending_waits& registry, http::responder respond, std::string workflow_id,
                           std::function<std::shared_ptr<store::database>()> db)
    : rt_(rt),
      registry_(registry),
      strand_(boost::asio::make_strand(rt.io())),
      timer_(strand_),
      respond_(std::move(respond)),
      workflow_id_(std::move(workflow_id)),
      db_(std::move(db)) {}

bool pending_wait::take_responder(http::responder& out) {
    if (!respond_) return false;
    out = std::move(respond_);
    respond_ = nullptr;
    timer_.cancel();
    registry_.remove(shared_from_this());
    return true;
}

json::object pending_wait::accepted_body() const {
    return {{"execution_id", execution_id_}, {"workflow_id", workflow_id_}, {"status", status_}};
}

void pending_wait::finish(orchestrator::execution_outcome outcome) {
    boost::asio::post(strand_, [self = shared_from_this(), outcome = std::move(outcome)]() mutable {
        http::responder respond;
        if (!self->take_responder(respond)) return;
        json::object body{{"execution_id", outcome.execution_id},
                          {"workflow_id", self->workflow_id_},
                          {"status", outcome.status},
                          {"output", std::move(outcome.output)}};
        if (!outcome.error.empty()) body["error"] = outcome.error;
        respond(http::response::json(200, json::serialize(body)));
    });
}

void pending_wait::arm(std::string execution_id, std::string status, std::chrono::milliseconds timeout) {
    boost::asio::post(strand_, [self = shared_from_this(), id = std::move(execution_id), status = std::move(status),
                                timeout] {
        self->execution_id_ = id;
        self->status_ = status;
        if (!self->respond_) return;  // finished (or abandoned) already
        self->timer_.expires_after(timeout);
        self->timer_.async_wait([self](const boost::system::error_code& ec) {
            if (!ec) self->on_timeout();
        });
    });
}

void pending_wait::fail(http::response error) {
    boost::asio::post(strand_, [self = shared_from_this(), error = std::move(error)]() mutable {
        http::responder respond;
        if (self->take_responder(respond)) respond(std::move(error));
    });
}

void pending_wait::abandon() {
    boost::asio::post(strand_, [self = shared_from_this()] {
        http::responder respond;
        if (self->take_responder(respond)) respond(http::response::json(202, json::serialize(self->accepted_body())));
    });
}

// Still running: answer 202 with the status the store has now.
void pending_wait::on_timeout() {
    http::responder respond;
    if (!take_responder(respond)) return;
    run_blocking(rt_, std::move(respond), [db = db_, body = accepted_body()]() mutable {
        if (auto e = db()->executions().get(std::string(body.at("execution_id").as_string())))
            body["status"] = store::to_string(e->status);
        return http::response::json(202, json::serialize(body));
    });
}

bool pending_waits::add(std::shared_ptr<pending_wait> w) {
    std::lock_guard lock(mutex_);
    if (!open_) return false;
    waits_.insert(std::move(w));
    return true;
}

void pending_waits::open() {
    std::lock_guard lock(mutex_);
    open_ = true;
}

void pending_waits::remove(const std::shared_ptr<pending_wait>& w) {
    std::lock_guard lock(mutex_);
    waits_.erase(w);
}

void pending_waits::abandon_all() {
    std::set<std::shared_ptr<pending_wait>> waits;
    {
        std::lock_guard lock(mutex_);
        open_ = false;
        waits.swap(waits_);
    }
    for (auto& w : waits) w->abandon();
}

std::size_t pending_waits::size() const {
    std::lock_guard lock(mutex_);
    return waits_.size();
}

}  // namespace chainbot::api
