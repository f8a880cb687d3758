#include "util/topic_pattern.hpp"

#include <catch2/catch.hpp>

using chainbot::topic_matches;

TEST_CASE("topic patterns: glob over event topics", "[events][patterns]") {
    struct row {
        const char* pattern;
        const char* topic;
        bool match;
    };
    const row rows[] = {
        {"chainbot.workflow.started", "chainbot.workflow.started", true},
        {"chainbot.workflow.started", "chainbot.workflow.start", false},
        {"chainbot.workflow.*", "chainbot.workflow.started", true},
        {"chainbot.workflow.*", "chainbot.workflow.step.completed", true},
        {"chainbot.workflow.*", "chainbot.workflow", false},
        {"chainbot.workflow.*", "chainbot.agent.spawned", false},
        {"chainbot.*.spawned", "chainbot.agent.spawned", true},
        {"chainbot.*.spawned", "chainbot.agent.terminated", false},
        {"chainbot.entanglement.42.*", "chainbot.entanglement.42.message", true},
        {"chainbot.entanglement.42.*", "chainbot.entanglement.421.message", false},
        {"*", "anything.at.all", true},
        {"*", "", true},
        {"", "", true},
        {"", "x", false},
        {"chainbot.?gent.*", "chainbot.agent.spawned", true},
        {"chainbot.?gent.*", "chainbot.gent.spawned", false},
        {"**.ready", "chainbot.module.ready", true},
        {"a*b*c", "aXXbYYc", true},
        {"a*b*c", "aXXbYY", false},
    };
    for (const auto& r : rows) {
        INFO(r.pattern << " vs " << r.topic);
        CHECK(topic_matches(r.pattern, r.topic) == r.match);
    }
}

TEST_CASE("topic patterns: pathological patterns finish quickly", "[events][patterns]") {
    const std::string topic(2000, 'a');
    CHECK_FALSE(topic_matches("*a*a*a*a*a*a*a*a*a*a*a*a*b", topic));
}
