#include "topic_pattern.hpp"

#include <catch2/catch.hpp>

#include <string>

TEST_CASE("topic_pattern.table", "[host][event_bus]") {
    struct row {
        const char* pattern;
        const char* topic;
        bool matches;
    };
    const row table[] = {
        // exact
        {"chainbot.workflow.started", "chainbot.workflow.started", true},
        {"chainbot.workflow.started", "chainbot.workflow.stopped", false},
        {"chainbot.workflow", "chainbot.workflow.started", false},  // a prefix is not a match
        {"chainbot.workflow.started", "chainbot.workflow", false},
        // `*` at the end crosses dots
        {"chainbot.workflow.*", "chainbot.workflow.step.completed", true},
        {"chainbot.workflow.*", "chainbot.workflow.", true},
        {"chainbot.workflow.*", "chainbot.workflow", false},
        {"chainbot.workflow.*", "chainbot.agent.spawned", false},
        // `*` in the middle
        {"chainbot.*.completed", "chainbot.workflow.step.completed", true},
        {"chainbot.*.completed", "chainbot.workflow.step.failed", false},
        {"a*b*c", "aXXbYYc", true},
        {"a*b*c", "aXXcYYb", false},
        {"*ab", "aab", true},  // needs backtracking
        {"a*a", "a", false},
        {"*.*", "nodots", false},
        // `*` alone and repeated
        {"*", "anything.at.all", true},
        {"*", "", true},
        {"**", "x", true},
        // `?` is exactly one character
        {"chainbot.agent.?", "chainbot.agent.x", true},
        {"chainbot.agent.?", "chainbot.agent.xy", false},
        {"chainbot.agent.?", "chainbot.agent.", false},
        {"chainbot.?.x", "chainbot...x", true},
        // empty
        {"", "", true},
        {"", "chainbot", false},
        {"chainbot", "", false},
    };
    for (const auto& r : table) {
        INFO("pattern '" << r.pattern << "' topic '" << r.topic << "'");
        CHECK(alex_os::topic_pattern(r.pattern).matches(r.topic) == r.matches);
    }
}
