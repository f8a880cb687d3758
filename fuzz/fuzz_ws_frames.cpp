// Fuzz target: what WebSocket clients send to the event feed (src/ws/).
//
// Input: one mode byte, then
//   mode even: client text messages, one per line ('\n'), as ws_session::handle receives them;
//   mode odd:  the raw bytes a client sends after its upgrade request: masked frames, pings,
//              fragments, close frames, garbage. A Beast websocket stream (server role, the
//              session's read limit of 64 KiB) reads them from memory after accepting a fixed
//              handshake, and every message goes to the same handling.
// Handling mirrors ws_session::handle: parse_client_message, then subscribe / unsubscribe /
// ping on a ws::client (the hub's view of a connection: patterns and a bounded queue).
//
// Invariants:
//  - parse_client_message never throws; it yields a message whose topics are all valid
//    patterns (pattern_problem empty), at most max_patterns of them, or an error with a known
//    code;
//  - every reply is a JSON object of a known type ("subscribed", "unsubscribed", "pong",
//    "error" with code and message);
//  - a client never holds more than max_patterns patterns, only valid ones, without
//    duplicates, and the reply lists exactly what it holds; each pattern matches itself;
//  - event frames queued for the client are bounded by the queue capacity and valid JSON;
//  - the websocket stream only fails with an error code (never throws, never crashes).
#include "fuzz_support.hpp"

#include "events/event_hub.hpp"
#include "util/topic_pattern.hpp"
#include "ws/client.hpp"
#include "ws/protocol.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <algorithm>
#include <set>
#include <string>

namespace {

namespace json = boost::json;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ws = chainbot::ws;

constexpr std::size_t max_message_bytes = 64 * 1024;  // ws_session.cpp
constexpr std::size_t queue_capacity = 8;

// A client whose connection is memory: wake-ups and closes are counted, not sent.
class test_client final : public ws::client {
public:
    void close_going_away() override { ++closes; }
    std::size_t drain() {
        std::size_t n = 0;
        while (auto frame = take()) {
            FUZZ_CHECK(frame->frame && chainbot::fuzz::is_json(*frame->frame), "a queued frame that is not JSON");
            ++n;
        }
        return n;
    }
    int closes = 0;

protected:
    void wake() override { ++wakes; }
    int wakes = 0;
};

void check_patterns(const std::vector<std::string>& patterns) {
    FUZZ_CHECK(patterns.size() <= ws::max_patterns, "a client holds more than max_patterns patterns");
    std::set<std::string> distinct(patterns.begin(), patterns.end());
    FUZZ_CHECK(distinct.size() == patterns.size(), "a client holds a pattern twice");
    for (const auto& p : patterns) {
        FUZZ_CHECK(ws::pattern_problem(p).empty(), "a client holds an invalid pattern: " + p);
        FUZZ_CHECK(chainbot::topic_matches(p, p), "a pattern does not match itself: " + p);
    }
}

void check_reply(const std::string& frame, const test_client& client) {
    json::value v;
    FUZZ_CHECK(chainbot::fuzz::is_json(frame, &v) && v.is_object(), "a reply that is not a JSON object: " + frame);
    const auto& o = v.as_object();
    const auto* type = o.if_contains("type");
    FUZZ_CHECK(type && type->is_string(), "a reply without a type: " + frame);
    const std::string_view t = type->as_string();
    if (t == "subscribed" || t == "unsubscribed") {
        const auto* topics = o.if_contains("topics");
        FUZZ_CHECK(topics && topics->is_array(), "a topics reply without topics: " + frame);
        std::vector<std::string> listed;
        for (const auto& e : topics->as_array()) {
            FUZZ_CHECK(e.is_string(), "a topics reply listing a non-string");
            listed.emplace_back(e.as_string());
        }
        FUZZ_CHECK(listed == client.topics(), "a topics reply that is not what the client holds");
    } else if (t == "error") {
        const auto* e = o.if_contains("error");
        FUZZ_CHECK(e && e->is_object() && e->as_object().contains("code") && e->as_object().contains("message"),
                   "an error reply without code and message: " + frame);
        static const std::set<std::string_view> codes{"invalid_json", "invalid_message", "unknown_action",
                                                      "invalid_pattern", "too_many_topics"};
        FUZZ_CHECK(e->as_object().at("code").is_string() && codes.count(e->as_object().at("code").as_string()),
                   "an unknown error code: " + frame);
    } else {
        FUZZ_CHECK(t == "pong", "a reply of unknown type: " + frame);
    }
}

// ws_session::handle, with the reply returned instead of written.
std::string handle(test_client& client, const std::string& text) {
    auto parsed = ws::parse_client_message(text);
    if (auto* error = std::get_if<ws::protocol_error>(&parsed)) return ws::error_frame(error->code, error->message);
    auto& message = std::get<ws::client_message>(parsed);
    FUZZ_CHECK(message.topics.size() <= ws::max_patterns, "a message with more than max_patterns topics");
    for (const auto& t : message.topics) FUZZ_CHECK(ws::pattern_problem(t).empty(), "a message with an invalid pattern");
    switch (message.action) {
        case ws::action::ping: return ws::pong_frame();
        case ws::action::subscribe:
            if (auto all = client.subscribe(message.topics)) return ws::topics_frame("subscribed", *all);
            return ws::error_frame("too_many_topics", "a client may hold at most " + std::to_string(ws::max_patterns) +
                                                          " topic patterns");
        case ws::action::unsubscribe: {
            auto rest = client.unsubscribe(message.topics);
            for (const auto& t : message.topics)
                FUZZ_CHECK(std::find(rest.begin(), rest.end(), t) == rest.end(), "an unsubscribed pattern stayed");
            return ws::topics_frame("unsubscribed", rest);
        }
    }
    FUZZ_CHECK(false, "an action without handling");
    return {};
}

std::string on_message(test_client& client, const std::string& text) {
    const auto reply = handle(client, text);
    const auto parsed = ws::parse_client_message(text);
    check_reply(reply, client);
    const auto patterns = client.topics();
    check_patterns(patterns);
    // An event on a topic the message names (as module events' topics, valid UTF-8) goes to
    // the client when one of its patterns matches the topic or an alias.
    std::string topic = "chainbot.workflow.step.completed";
    if (auto* m = std::get_if<ws::client_message>(&parsed); m && !m->topics.empty()) topic = m->topics.back();
    chainbot::events::event e{topic, {{"execution_id", "e-1"}, {"workflow_id", "w-1"}, {"entanglement_id", "n"}}};
    const auto aliases = ws::topic_aliases(e);
    FUZZ_CHECK(!aliases.empty() && aliases.front() == e.topic, "topic_aliases does not start with the topic");
    if (client.wants(aliases)) client.offer(std::make_shared<const std::string>(ws::event_frame(e)), queue_capacity);
    FUZZ_CHECK(client.queued() <= queue_capacity, "a client queue beyond its capacity");
    for (const auto& p : patterns) FUZZ_CHECK(client.wants({p}), "a client does not want its own pattern " + p);
    return reply;
}

// The next layer of the websocket stream: reads from the input, writes into a bounded sink.
class memory_stream {
public:
    using executor_type = net::io_context::executor_type;

    memory_stream(net::io_context& ioc, std::string_view input) : ioc_(ioc), input_(input) {}
    executor_type get_executor() noexcept { return ioc_.get_executor(); }

    template <class MutableBuffers>
    std::size_t read_some(const MutableBuffers& buffers, beast::error_code& ec) {
        if (input_.empty()) {
            ec = net::error::eof;
            return 0;
        }
        // At most 512 bytes at a time, so that frames also arrive split across reads.
        const auto n = net::buffer_copy(buffers, net::buffer(input_.data(), std::min<std::size_t>(input_.size(), 512)));
        input_.remove_prefix(n);
        ec = {};
        return n;
    }
    template <class MutableBuffers>
    std::size_t read_some(const MutableBuffers& buffers) {
        beast::error_code ec;
        const auto n = read_some(buffers, ec);
        if (ec) throw beast::system_error(ec);
        return n;
    }
    template <class ConstBuffers>
    std::size_t write_some(const ConstBuffers& buffers, beast::error_code& ec) {
        ec = {};
        written += net::buffer_size(buffers);
        return net::buffer_size(buffers);
    }
    template <class ConstBuffers>
    std::size_t write_some(const ConstBuffers& buffers) {
        beast::error_code ec;
        return write_some(buffers, ec);
    }

    friend void teardown(beast::role_type, memory_stream& s, beast::error_code& ec) {
        s.input_ = {};
        ec = {};
    }

    std::size_t written = 0;

private:
    net::io_context& ioc_;
    std::string_view input_;
};

void fuzz_frames(test_client& client, std::string_view bytes) {
    static net::io_context ioc;
    static const std::string handshake =
        "GET /api/chainbot/ws?topics=chainbot.workflow.* HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    const std::string input = handshake + std::string(bytes);
    websocket::stream<memory_stream> stream(ioc, input);
    stream.read_message_max(max_message_bytes);
    beast::error_code ec;
    stream.accept(ec);
    FUZZ_CHECK(!ec, "the fixed handshake was refused: " + ec.message());
    for (int i = 0; i < 64; ++i) {
        beast::flat_buffer buffer;
        stream.read(buffer, ec);
        if (ec) break;  // closed by the client, a protocol violation, or the end of the input
        FUZZ_CHECK(buffer.size() <= max_message_bytes, "a message beyond read_message_max");
        std::string reply;
        if (!stream.got_text()) {
            reply = ws::error_frame("invalid_message", "messages must be JSON text frames");
            check_reply(reply, client);
        } else {
            reply = on_message(client, beast::buffers_to_string(buffer.data()));
        }
        stream.text(true);
        stream.write(net::buffer(reply), ec);
        if (ec) break;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    chainbot::fuzz::input in(data, size);
    const bool frames = in.byte() & 1;
    test_client client;
    if (frames) {
        fuzz_frames(client, in.rest());
    } else {
        for (int i = 0; i < 256 && !in.empty(); ++i) on_message(client, std::string(in.until('\n')));
    }
    check_patterns(client.topics());
    client.drain();
    return 0;
}
