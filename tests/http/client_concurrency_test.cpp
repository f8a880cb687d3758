// Many requests at once, from several threads, over one client.
#include "client_support.hpp"

#include <catch2/catch.hpp>

#include <condition_variable>

using namespace chainbot::http;
using namespace chainbot::http::testing;

TEST_CASE("client: 50 concurrent requests from 4 threads all get their own response", "[http][client]") {
    router routes;
    routes.add("POST", "/echo/{n}", [](request& req, responder respond) {
        respond(response::json(200, req.params.at("n") + "|" + std::string(req.header("x-index")) + "|" + req.body));
    });
    running_server srv(routes);
    client_io io(2);
    http_client client(io.get());

    constexpr int total = 50;
    constexpr int senders = 4;
    std::mutex mutex;
    std::condition_variable finished;
    std::vector<std::optional<client_result>> results(total);
    int completed = 0;

    std::vector<std::thread> threads;
    for (int t = 0; t < senders; ++t) {
        threads.emplace_back([&, t] {
            for (int i = t; i < total; i += senders) {
                client_request req{.method = "POST",
                                   .url = url_of(srv.port(), "/echo/" + std::to_string(i)),
                                   .headers = {{"X-Index", std::to_string(i)}},
                                   .body = R"({"request": )" + std::to_string(i) + "}",
                                   .timeout = std::chrono::seconds(10)};
                client.send(std::move(req), [&, i](client_result r) {
                    std::lock_guard lock(mutex);
                    results[i] = std::move(r);
                    ++completed;
                    finished.notify_all();
                });
            }
        });
    }
    for (auto& t : threads) t.join();
    {
        std::unique_lock lock(mutex);
        REQUIRE(finished.wait_for(lock, std::chrono::seconds(20), [&] { return completed == total; }));
    }
    for (int i = 0; i < total; ++i) {
        INFO("request " << i << ": " << results[i]->message);
        REQUIRE(results[i]->ok());
        CHECK(results[i]->response.status == 200);
        auto n = std::to_string(i);
        CHECK(results[i]->response.body == n + "|" + n + R"(|{"request": )" + n + "}");
    }
    CHECK(client.in_flight() == 0);
}

TEST_CASE("client: send_sync from 4 threads at once", "[http][client]") {
    router routes;
    routes.add("GET", "/n/{n}", [](request& req, responder respond) { respond(response::json(200, req.params.at("n"))); });
    running_server srv(routes);
    client_io io(2);
    http_client client(io.get());

    std::atomic<int> correct{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 10; ++i) {
                auto n = std::to_string(t * 100 + i);
                auto r = client.send_sync({.url = url_of(srv.port(), "/n/" + n)});
                if (r.ok() && r.response.body == n) ++correct;
            }
        });
    }
    for (auto& t : threads) t.join();
    CHECK(correct == 40);
}
