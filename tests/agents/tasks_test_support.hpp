#pragma once
// Helpers for the data task tests: JSON from text, and checks on validation failures.

#include "agents/tasks/data_tasks.hpp"
#include "orchestrator/task_registry.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace tasks_test {

namespace json = boost::json;
namespace tasks = chainbot::agents::tasks;
using chainbot::orchestrator::step_failure;

inline json::value j(const char* text) { return json::parse(text); }
inline json::object cfg(const char* text) { return json::parse(text).as_object(); }

/// The message of the validation failure `fn` throws; fails the test when it throws anything else.
template <typename Fn>
std::string validation_message(Fn&& fn) {
    try {
        fn();
    } catch (const step_failure& e) {
        CHECK(e.kind() == "validation");
        return e.what();
    }
    FAIL("expected a step_failure of kind validation");
    return {};
}

/// The values of `field` across the output records, as doubles.
inline std::vector<double> column(const json::object& out, const char* field) {
    std::vector<double> xs;
    for (const auto& r : out.at("records").as_array()) xs.push_back(r.as_object().at(field).to_number<double>());
    return xs;
}

inline double num(const json::value& v) { return v.to_number<double>(); }

}  // namespace tasks_test
