#pragma once
// For the api agent tests: a real HTTP server on 127.0.0.1 (the project's server and
// router, port 0, two I/O threads) that records every request with the time it arrived
// and answers through a scripted reply, optionally late; and an http_client on its own
// io_context.

#include "http/client.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace api_test {

namespace net = boost::asio;
using clock_type = std::chrono::steady_clock;

/// @brief An io_context run by `threads` threads until destroyed.
class io_threads {
public:
    explicit io_threads(int threads = 2) {
        for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
    }
    ~io_threads() { stop(); }
    void stop() {
        work_.reset();
        ioc_.stop();
        for (auto& t : threads_) t.join();
        threads_.clear();
    }
    net::io_context& get() { return ioc_; }

private:
    net::io_context ioc_;
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work_{net::make_work_guard(ioc_)};
    std::vector<std::thread> threads_;
};

struct seen_request {
    clock_type::time_point at;
    chainbot::http::request req;
};

class test_server {
public:
    /// @brief The reply to the n-th request (0-based) received on any path.
    using reply_fn = std::function<chainbot::http::response(const chainbot::http::request&, std::size_t n)>;

    explicit test_server(reply_fn reply, std::chrono::milliseconds delay = {})
        : reply_(std::move(reply)), delay_(delay), server_(io_.get(), routes_) {
        for (const char* method : {"GET", "POST", "PUT", "DELETE", "PATCH"})
            for (const char* path : {"/", "/v1/items", "/v1/items/{id}", "/other", "/slow", "/big"})
                routes_.add(method, path, [this](chainbot::http::request& req, chainbot::http::responder respond) {
                    on_request(req, std::move(respond));
                });
        server_.listen("127.0.0.1", 0);
    }
    ~test_server() {
        {
            std::lock_guard lock(mutex_);
            for (auto& t : late_) t.join();
        }
        server_.stop();
        io_.stop();  // before the router and the server go away
    }

    std::string url(const std::string& path = "") const {
        return "http://127.0.0.1:" + std::to_string(server_.port()) + path;
    }
    std::vector<seen_request> seen() const {
        std::lock_guard lock(mutex_);
        return seen_;
    }

private:
    void on_request(chainbot::http::request& req, chainbot::http::responder respond) {
        std::size_t n;
        {
            std::lock_guard lock(mutex_);
            n = seen_.size();
            seen_.push_back({clock_type::now(), req});
        }
        auto res = reply_(req, n);
        if (delay_.count() == 0) return respond(std::move(res));
        std::lock_guard lock(mutex_);
        late_.emplace_back([d = delay_, respond = std::move(respond), res = std::move(res)]() mutable {
            std::this_thread::sleep_for(d);
            respond(std::move(res));
        });
    }

    reply_fn reply_;
    std::chrono::milliseconds delay_;
    chainbot::http::router routes_;
    io_threads io_;
    chainbot::http::server server_;
    mutable std::mutex mutex_;
    std::vector<seen_request> seen_;
    std::vector<std::thread> late_;
};

/// @brief A JSON reply with `status` and extra headers.
inline chainbot::http::response reply(int status, std::string body = "{}",
                                      std::vector<std::pair<std::string, std::string>> headers = {},
                                      std::string content_type = "application/json") {
    chainbot::http::response r;
    r.status = status;
    r.body = std::move(body);
    r.content_type = std::move(content_type);
    r.headers = std::move(headers);
    return r;
}

}  // namespace api_test
