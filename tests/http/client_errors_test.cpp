// How the client fails: bad URLs, refused connections, timeouts, oversized and malformed
// responses, cancellation; and that messages never show a password or a header value.
#include "client_support.hpp"

#include <catch2/catch.hpp>

#include <future>

using namespace chainbot::http;
using namespace chainbot::http::testing;

namespace {

using clock_type = std::chrono::steady_clock;

router big_router(std::size_t body_size) {
    router routes;
    routes.add("GET", "/big", [body_size](request&, responder respond) {
        respond(response::json(200, std::string(body_size, 'x')));
    });
    return routes;
}

}  // namespace

TEST_CASE("client: bad URLs fail with bad_url, asynchronously, without a crash", "[http][client]") {
    client_io io;
    http_client client(io.get());
    for (const std::string url : {"", "example.com/x", "ftp://example.com/file", "http://127.0.0.1:99999/",
                                  "http://", "http://[::1/", "https://user:secret@127.0.0.1:99999/"}) {
        INFO(url);
        auto result = client.send_sync({.url = url});
        CHECK(result.error == client_error_kind::bad_url);
        CHECK_FALSE(result.ok());
        CHECK(result.message.rfind("GET ", 0) == 0);
        CHECK(result.message.find("secret") == std::string::npos);
    }

    // done runs on the io_context, never inside send()
    std::promise<std::pair<client_error_kind, bool>> seen;
    const auto caller = std::this_thread::get_id();
    client.send({.url = "ftp://x"}, [&](client_result r) {
        bool on_io_thread = io.get().get_executor().running_in_this_thread() && std::this_thread::get_id() != caller;
        seen.set_value({r.error, on_io_thread});
    });
    auto [kind, on_io_thread] = seen.get_future().get();
    CHECK(kind == client_error_kind::bad_url);
    CHECK(on_io_thread);
}

TEST_CASE("client: an invalid method or header field fails before any I/O, values unshown", "[http][client]") {
    client_io io;
    http_client client(io.get());
    auto method = client.send_sync({.method = "GET /x HTTP/1.1\r\n", .url = "http://127.0.0.1:1/"});
    CHECK(method.error == client_error_kind::protocol);

    auto value = client.send_sync({.url = "http://127.0.0.1:1/", .headers = {{"X-Key", "hunter2\r\nX-Evil: 1"}}});
    CHECK(value.error == client_error_kind::protocol);
    CHECK(value.message.find("X-Key") != std::string::npos);
    CHECK(value.message.find("hunter2") == std::string::npos);

    auto name = client.send_sync({.url = "http://127.0.0.1:1/", .headers = {{"Bad Name", "v"}}});
    CHECK(name.error == client_error_kind::protocol);
}

TEST_CASE("client: a closed port is a connect error naming the URL", "[http][client]") {
    client_io io;
    http_client client(io.get());
    auto port = closed_port();
    auto result = client.send_sync({.url = url_of(port, "/x")});
    CHECK(result.error == client_error_kind::connect);
    CHECK(result.message.find("http://127.0.0.1:" + std::to_string(port) + "/x") != std::string::npos);
    CHECK(result.message.find("refused") != std::string::npos);
}

TEST_CASE("client: messages mask the URL's password and never show header values", "[http][client]") {
    client_io io;
    http_client client(io.get());
    auto result = client.send_sync({.url = "https://user:secret@127.0.0.1:1/path?api_key=k3y",
                                    .headers = {{"Authorization", "Bearer t0k3n"}}});
    CHECK(result.error == client_error_kind::connect);
    CHECK(result.message.find("https://user:***@127.0.0.1:1/path?***") != std::string::npos);
    CHECK(result.message.find("secret") == std::string::npos);
    CHECK(result.message.find("k3y") == std::string::npos);
    CHECK(result.message.find("t0k3n") == std::string::npos);
}

TEST_CASE("client: a server that never answers is a timeout", "[http][client]") {
    router routes;
    held_responders held;
    routes.add("GET", "/silent", held.hold());
    running_server srv(routes);
    release_at_exit release{held};
    client_io io;
    http_client client(io.get());

    auto start = clock_type::now();
    auto result = client.send_sync({.url = url_of(srv.port(), "/silent"), .timeout = std::chrono::milliseconds(300)});
    auto elapsed = clock_type::now() - start;
    CHECK(result.error == client_error_kind::timeout);
    CHECK(result.message.find("timed out after 300 ms reading the response") != std::string::npos);
    CHECK(elapsed >= std::chrono::milliseconds(290));
    CHECK(elapsed < std::chrono::seconds(1));
    CHECK(held.size() == 1);
    CHECK(client.in_flight() == 0);
}

TEST_CASE("client: a TLS handshake never answered times out too", "[http][client]") {
    // Nobody accepts: the kernel completes the TCP handshake, the ClientHello goes unanswered.
    net::io_context ioc;
    tcp::acceptor silent(ioc, local(0));
    client_io io;
    http_client client(io.get());
    const client_request request{
        .url = "https://127.0.0.1:" + std::to_string(silent.local_endpoint().port()) + "/",
        .timeout = std::chrono::milliseconds(200)};
    // The client makes its TLS context (OpenSSL's initialisation, the CA store) for its first
    // https:// request: timed separately, since under emulation that alone takes most of a second.
    auto first = client.send_sync(request);
    CHECK(first.error == client_error_kind::timeout);
    auto start = clock_type::now();
    auto result = client.send_sync(request);
    CHECK(result.error == client_error_kind::timeout);
    CHECK(result.message.find("TLS handshake") != std::string::npos);
    CHECK(clock_type::now() - start < std::chrono::seconds(1));
}

TEST_CASE("client: a body over max_response_bytes is too_large", "[http][client]") {
    auto routes = big_router(4096);
    running_server srv(routes);
    client_io io;
    http_client client(io.get());

    auto fits = client.send_sync({.url = url_of(srv.port(), "/big"), .max_response_bytes = 4096});
    REQUIRE(fits.ok());
    CHECK(fits.response.body.size() == 4096);

    auto over = client.send_sync({.url = url_of(srv.port(), "/big"), .max_response_bytes = 1024});
    CHECK(over.error == client_error_kind::too_large);
    CHECK(over.message.find("exceeds 1024 bytes") != std::string::npos);
}

TEST_CASE("client: a chunked body over the limit is too_large while it is read", "[http][client]") {
    std::string chunks;
    for (int i = 0; i < 64; ++i) chunks += "400\r\n" + std::string(1024, 'c') + "\r\n";
    raw_server srv("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + "0\r\n\r\n");
    client_io io;
    http_client client(io.get());
    auto result = client.send_sync({.url = srv.url(), .max_response_bytes = 10 * 1024});
    CHECK(result.error == client_error_kind::too_large);
}

TEST_CASE("client: garbage is a protocol error, silence then close a connect error", "[http][client]") {
    raw_server garbage("SSH-2.0-OpenSSH_9.2\r\n\r\n");
    raw_server hangs_up("");
    client_io io;
    http_client client(io.get());

    auto bad = client.send_sync({.url = garbage.url()});
    CHECK(bad.error == client_error_kind::protocol);

    auto closed = client.send_sync({.url = hangs_up.url()});
    CHECK(closed.error == client_error_kind::connect);
    CHECK(closed.message.find("cannot read the response") != std::string::npos);
}

TEST_CASE("client: cancel_all completes every request in flight with cancelled", "[http][client]") {
    router routes;
    held_responders held;
    routes.add("GET", "/silent", held.hold());
    running_server srv(routes);
    release_at_exit release{held};
    client_io io;
    http_client client(io.get());

    constexpr int count = 5;
    std::vector<std::future<client_result>> results;
    for (int i = 0; i < count; ++i) {
        auto promise = std::make_shared<std::promise<client_result>>();
        results.push_back(promise->get_future());
        client.send({.url = url_of(srv.port(), "/silent")},
                    [promise](client_result r) { promise->set_value(std::move(r)); });
    }
    REQUIRE(eventually([&] { return held.size() == count; }));
    CHECK(client.in_flight() == count);

    auto start = clock_type::now();
    client.cancel_all();
    for (auto& f : results) {
        REQUIRE(f.wait_for(std::chrono::seconds(1)) == std::future_status::ready);
        auto r = f.get();
        CHECK(r.error == client_error_kind::cancelled);
        CHECK(r.message.find("/silent") != std::string::npos);
    }
    CHECK(clock_type::now() - start < std::chrono::seconds(1));
    CHECK(client.in_flight() == 0);

    // Only what was in flight: a later request runs its course (here, to its timeout).
    auto later = client.send_sync({.url = url_of(srv.port(), "/silent"), .timeout = std::chrono::milliseconds(100)});
    CHECK(later.error == client_error_kind::timeout);
}

TEST_CASE("client: destroying the client cancels what is in flight", "[http][client]") {
    router routes;
    held_responders held;
    routes.add("GET", "/silent", held.hold());
    running_server srv(routes);
    release_at_exit release{held};
    client_io io;
    auto client = std::make_unique<http_client>(io.get());
    std::promise<client_result> result;
    client->send({.url = url_of(srv.port(), "/silent")}, [&](client_result r) { result.set_value(std::move(r)); });
    REQUIRE(eventually([&] { return held.size() == 1; }));
    client.reset();
    auto future = result.get_future();
    REQUIRE(future.wait_for(std::chrono::seconds(1)) == std::future_status::ready);
    CHECK(future.get().error == client_error_kind::cancelled);
}

TEST_CASE("client: send_sync on an I/O thread of its io_context throws instead of deadlocking", "[http][client]") {
    client_io io;
    http_client client(io.get());
    std::promise<bool> threw;
    net::post(io.get(), [&] {
        try {
            client.send_sync({.url = "http://127.0.0.1:1/"});
            threw.set_value(false);
        } catch (const std::logic_error&) {
            threw.set_value(true);
        }
    });
    CHECK(threw.get_future().get());
}
