#include "ws/protocol.hpp"

#include "util/topic_pattern.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>


namespace chainbot::ws {

namespace json = boost::json;

namespace {

std::variant<client_message, protocol_error> parse_topics(const json::object& message, client_message result) {
    const auto* topics = message.if_contains("topics");
    if (!topics || !topics->is_array())
        return protocol_error{"invalid_message", "'topics' must be an array of topic patterns"};
    if (topics->as_array().size() > max_patterns)
        return protocol_error{"invalid_message", fmt::format("at most {} topic patterns per message", max_patterns)};
    for (const auto& t : topics->as_array()) {
        if (!t.is_string()) return protocol_error{"invalid_pattern", "every topic pattern must be a string"};
        std::string pattern(t.as_string());
        if (auto problem = pattern_problem(pattern); !problem.empty()) return protocol_error{"invalid_pattern", problem};
        result.topics.push_back(std::move(pattern));
    }
    return result;
}

}  // namespace

std::string pattern_problem(std::string_view pattern) {
    if (pattern.empty()) return "a topic pattern must not be empty";
    if (pattern.size() > max_pattern_length)
        return fmt::format("a topic pattern must not exceed {} characters", max_pattern_length);
    for (char c : pattern)
        if (static_cast<unsigned char>(c) <= ' ' || c == '\x7f')
            return fmt::format("topic pattern '{}' contains whitespace or a control character",
                               pattern.substr(0, 64));
    return {};
}

std::variant<client_message, protocol_error> parse_client_message(std::string_view text) {
    boost::system::error_code ec;
    auto doc = json::parse(text, ec);
    if (ec) return protocol_error{"invalid_json", "the message is not valid JSON: " + ec.message()};
    if (!doc.is_object()) return protocol_error{"invalid_message", "the message must be a JSON object"};
    const auto& message = doc.as_object();
    const auto* name = message.if_contains("action");
    if (!name || !name->is_string())
        return protocol_error{"invalid_message", "the message needs an 'action': subscribe, unsubscribe or ping"};
    const std::string_view a = name->as_string();
    if (a == "ping") return client_message{action::ping, {}};
    if (a == "subscribe") return parse_topics(message, {action::subscribe, {}});
    if (a == "unsubscribe") return parse_topics(message, {action::unsubscribe, {}});
    return protocol_error{"unknown_action", fmt::format("unknown action '{}': expected subscribe, unsubscribe or ping",
                                                        a.substr(0, 64))};
}

std::vector<std::string> topic_aliases(const events::event& e) {
    std::vector<std::string> topics{e.topic};
    constexpr std::string_view prefix = "chainbot.";
    if (e.topic.rfind(prefix, 0) != 0) return topics;
    const auto entity_end = e.topic.find('.', prefix.size());
    if (entity_end == std::string::npos) return topics;
    const std::string_view entity = std::string_view(e.topic).substr(prefix.size(), entity_end - prefix.size());
    const std::string_view rest = std::string_view(e.topic).substr(entity_end + 1);
    auto alias = [&](std::string_view scope) {
        const auto* id = e.payload.if_contains(fmt::format("{}_id", scope));
        if (!id || !id->is_string() || id->as_string().empty()) return;
        topics.push_back(fmt::format("{}{}.{}.{}", prefix, scope, std::string_view(id->as_string()), rest));
    };
    alias(entity);
    // Executions publish under chainbot.workflow.*; their id scopes them too.
    if (entity == "workflow") alias("execution");
    return topics;
}

bool any_matches(const std::vector<std::string>& patterns, const std::vector<std::string>& topics) noexcept {
    for (const auto& p : patterns)
        for (const auto& t : topics)
            if (topic_matches(p, t)) return true;
    return false;
}

std::string event_frame(const events::event& e) {
    return json::serialize(json::object{{"type", "event"}, {"topic", e.topic}, {"payload", e.payload}});
}

std::string topics_frame(std::string_view type, const std::vector<std::string>& topics) {
    json::array list;
    for (const auto& t : topics) list.emplace_back(t);
    return json::serialize(json::object{{"type", type}, {"topics", std::move(list)}});
}

std::string pong_frame() { return R"({"type":"pong"})"; }

std::string dropped_frame(std::uint64_t count) {
    return json::serialize(json::object{{"type", "dropped"}, {"count", count}});
}

std::string error_frame(std::string_view code, std::string_view message) {
    return json::serialize(json::object{{"type", "error"}, {"error", {{"code", code}, {"message", message}}}});
}

}  // namespace chainbot::ws
