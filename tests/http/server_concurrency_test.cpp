// Many clients at once against a server run by two threads.
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <atomic>

using namespace chainbot::http;
using namespace chainbot::http::testing;

TEST_CASE("concurrency: 16 clients x 50 requests all get their own answer", "[http][concurrency]") {
    router routes;
    thread_bag workers;
    std::atomic<int> handled{0};
    routes.add("POST", "/square/{n}", [&](request& req, responder respond) {
        ++handled;
        long n = std::stol(req.params.at("n"));
        std::string body = R"({"n": )" + std::to_string(n) + R"(, "square": )" + std::to_string(n * n) +
                           R"(, "echo": )" + req.body + "}";
        if (n % 7 == 0) {  // some answers come from another thread
            workers.spawn([respond, body] { respond(response::json(200, body)); });
        } else {
            respond(response::json(200, body));
        }
    });
    running_server srv(routes);
    const auto joined = workers.joined_before_exit();

    constexpr int clients = 16, requests = 50;
    std::atomic<int> correct{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < clients; ++t) {
        threads.emplace_back([&, t] {
            // Even clients keep one connection; odd ones open a new connection per request.
            std::optional<client> kept;
            for (int i = 0; i < requests; ++i) {
                int n = t * 1000 + i;
                std::optional<client> fresh;
                client& c = t % 2 == 0 ? (kept ? *kept : kept.emplace(srv.port())) : fresh.emplace(srv.port());
                auto res = c.send(bhttp::verb::post, "/square/" + std::to_string(n), std::to_string(t));
                auto body = json_of(res);
                if (res.result_int() == 200 && body.at("n").as_int64() == n &&
                    body.at("square").as_int64() == static_cast<long>(n) * n && body.at("echo").as_int64() == t)
                    ++correct;
            }
        });
    }
    for (auto& t : threads) t.join();
    CHECK(correct == clients * requests);
    CHECK(handled == clients * requests);
}
