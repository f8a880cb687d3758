// Back-pressure: a client that does not read loses its oldest events (counted, and told
// so when it reads again) while the publisher and the other clients go on; and many
// clients at once each receive every event.
#include "ws_fixture.hpp"

#include <chrono>

using namespace chainbot::test;

TEST_CASE("ws slow client loses its oldest events while other clients and the publisher go on", "[ws][flow]") {
    ws_module m(R"("ws_send_queue": 8)");
    auto slow = m.connect("?topics=chainbot.test.flood", {.reading = false, .receive_buffer = 4096});
    auto fast = m.connect("?topics=chainbot.test.tick");
    REQUIRE(fast->next_of("subscribed"));
    REQUIRE(eventually([&] { return m.metric("clients") == 2; }, 5s));
    const auto dropped_before = m.metric("events_dropped");

    const std::string filler(4096, 'x');
    constexpr int batches = 10, per_batch = 300, floods = batches * per_batch;
    for (int b = 0; b < batches; ++b) {
        const auto started = std::chrono::steady_clock::now();
        for (int i = 0; i < per_batch; ++i) m.publish("chainbot.test.flood", {{"seq", b * per_batch + i}, {"filler", filler}});
        // The slow client never holds the publisher up.
        CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
        m.publish("chainbot.test.tick", {{"batch", b}});
        auto tick = fast->next_of("event");
        REQUIRE(tick);
        CHECK(tick->at("payload").at("batch") == b);
    }
    for (const auto& f : fast->frames()) CHECK(type_of(f) != "dropped");
    const auto dropped = m.metric("events_dropped") - dropped_before;
    CHECK(dropped > 0);

    // Reading again, the slow client gets what was kept, the newest last, and a notice for
    // every gap: received + reported dropped = published.
    slow->resume_reading();
    REQUIRE(slow->wait_for([&](const auto& frames) {
        for (const auto& f : frames)
            if (type_of(f) == "event" && f.at("payload").at("seq") == floods - 1) return true;
        return false;
    }, 20s));
    std::uint64_t received = 0, reported = 0;
    std::int64_t last_seq = -1;
    bool in_order = true;
    for (const auto& f : slow->frames()) {
        if (type_of(f) == "dropped") reported += f.at("count").to_number<std::uint64_t>();
        if (type_of(f) != "event") continue;
        ++received;
        const auto seq = f.at("payload").at("seq").to_number<std::int64_t>();
        in_order = in_order && seq > last_seq;
        last_seq = seq;
    }
    CHECK(in_order);
    CHECK(reported > 0);
    CHECK(received < static_cast<std::uint64_t>(floods));
    CHECK(received + reported == static_cast<std::uint64_t>(floods));
    CHECK(reported == dropped);
}

TEST_CASE("ws 50 concurrent clients each receive every event in order", "[ws][flow]") {
    ws_module m;
    constexpr int clients = 50, events = 20;
    std::vector<std::unique_ptr<ws_client>> all;
    for (int i = 0; i < clients; ++i) all.push_back(m.connect("?topics=chainbot.test.many.*"));
    REQUIRE(eventually([&] { return m.metric("clients") == clients; }, 10s));
    const auto sent_before = m.metric("events_sent");
    for (int i = 0; i < events; ++i) m.publish("chainbot.test.many.event", {{"seq", i}});
    for (auto& c : all) {
        REQUIRE(c->wait_for([](const auto& frames) {
            int n = 0;
            for (const auto& f : frames) n += type_of(f) == "event";
            return n == events;
        }, 10s));
        std::vector<std::int64_t> seqs;
        for (const auto& f : c->frames())
            if (type_of(f) == "event") seqs.push_back(f.at("payload").at("seq").to_number<std::int64_t>());
        std::vector<std::int64_t> expected(events);
        for (int i = 0; i < events; ++i) expected[i] = i;
        CHECK(seqs == expected);
    }
    // Counted once each frame is written: the last counts may land just after the clients read.
    CHECK(eventually([&] { return m.metric("events_sent") - sent_before == static_cast<std::uint64_t>(clients * events); }, 5s));
    CHECK(m.metric("events_dropped") == 0);
    auto prometheus = m.call("GET", "/api/chainbot/metrics/prometheus", m.admin);
    REQUIRE(prometheus.status == 200);
    CHECK(prometheus.body.find("\nchainbot_websocket_clients 50\n") != std::string::npos);
    CHECK(prometheus.body.find("# TYPE chainbot_websocket_events_sent_total counter\n") != std::string::npos);
    CHECK(prometheus.body.find("\nchainbot_websocket_events_dropped_total 0\n") != std::string::npos);
}
