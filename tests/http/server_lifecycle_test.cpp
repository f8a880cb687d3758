// listen, port, stop: graceful shutdown and bind failures.
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <system_error>
#include "support/eventually.hpp"

using namespace chainbot::http;
using namespace chainbot::http::testing;
using chainbot::test::eventually;

namespace {


bool connection_refused(unsigned short port) {
    net::io_context ioc;
    tcp::socket socket(ioc);
    beast::error_code ec;
    socket.connect(local(port), ec);
    return ec == net::error::connection_refused;
}

}  // namespace

TEST_CASE("lifecycle: stop() delivers the in-flight response, then refuses connections", "[http][lifecycle]") {
    router routes;
    thread_bag workers;
    std::promise<void> handler_started;
    routes.add("GET", "/slow", [&](request&, responder respond) {
        handler_started.set_value();
        workers.spawn([respond] {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            respond(response::json(200, R"({"slow": true})"));
        });
    });
    routes.add("GET", "/fast", [](request&, responder respond) { respond(response::json(200, "{}")); });
    running_server srv(routes);
    const auto joined = workers.joined_before_exit();
    const auto port = srv.port();

    client idle(port);  // a keep-alive connection with nothing in flight
    CHECK(idle.get("/fast").result_int() == 200);
    CHECK(srv.get().active_sessions() == 1);

    auto slow = std::async(std::launch::async, [port] {
        client c(port);
        return c.get("/slow");
    });
    handler_started.get_future().wait();
    srv.get().stop();

    CHECK(connection_refused(port));
    CHECK(idle.read_until_closed().empty());  // closed by stop(), no response needed
    auto res = slow.get();
    CHECK(res.result_int() == 200);
    CHECK(json_of(res).at("slow").as_bool());
    CHECK_FALSE(res.keep_alive());
    CHECK(eventually([&] { return srv.get().active_sessions() == 0; }));
    srv.get().stop();  // twice is harmless
}

TEST_CASE("lifecycle: listening on a port in use throws a system_error naming it", "[http][lifecycle]") {
    router routes;
    running_server first(routes);
    net::io_context ioc;
    server second(ioc, routes);
    try {
        second.listen("127.0.0.1", first.port());
        FAIL("listen succeeded on a port in use");
    } catch (const std::system_error& e) {
        CHECK(e.code() == std::errc::address_in_use);
        CHECK_THAT(e.what(), Catch::Contains("127.0.0.1:" + std::to_string(first.port())));
    }
}

TEST_CASE("lifecycle: port() is the port chosen for port 0 and a bad address throws", "[http][lifecycle]") {
    router routes;
    net::io_context ioc;
    server srv(ioc, routes);
    CHECK(srv.port() == 0);
    srv.listen("127.0.0.1", 0);
    CHECK(srv.port() != 0);
    CHECK_THROWS_AS(srv.listen("127.0.0.1", 0), std::logic_error);

    server unresolvable(ioc, routes);
    CHECK_THROWS_AS(unresolvable.listen("no-such-host.invalid", 0), std::system_error);
}
