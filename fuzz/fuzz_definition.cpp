// Fuzz target: the workflow definition parser and validator (src/orchestrator/definition.*),
// fed what POST /api/chainbot/workflows receives: the body parsed as the API parses it
// (boost::json::parse, default limits), then parse_definition with the module's default
// validation options and with strict ones.
//
// Input: the JSON text of a definition (the corpus holds the examples/ and tests' workflows).
//
// Invariants:
//  - parse_definition returns a definition or throws validation_error listing at least one
//    problem, each with a JSON path starting at "$" and a message; nothing else escapes;
//  - the outcome is deterministic (same problems in the same order);
//  - a valid definition is consistent: distinct valid ids (nested steps included), an index
//    that finds every top-level step, dependencies, branch targets and handlers that name
//    existing steps, no dependency cycle, retry attempts from 1 to 101, non-negative
//    backoffs, timeouts and waits of at most a year, and conditions that compile;
//  - a valid definition's own raw JSON is valid again, with the same shape.
#include "fuzz_support.hpp"

#include "orchestrator/definition.hpp"
#include "orchestrator/expressions.hpp"

#include <boost/json/parse.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>

namespace {

namespace json = boost::json;
namespace orch = chainbot::orchestrator;

// Timeouts and waits are bounded so that the engine's millisecond and time-point arithmetic
// cannot overflow (definition.cpp).
constexpr std::chrono::milliseconds a_year{365LL * 24 * 3600 * 1000};

struct outcome {
    std::shared_ptr<const orch::workflow_definition> def;
    std::vector<orch::problem> problems;
};

outcome parse(const json::value& doc, const orch::validation_options& options) {
    outcome out;
    try {
        out.def = orch::parse_definition(doc, options);
        FUZZ_CHECK(out.def != nullptr, "parse_definition returned null");
    } catch (const orch::validation_error& e) {
        out.problems = e.problems();
        FUZZ_CHECK(!out.problems.empty(), "a validation_error without problems");
        for (const auto& p : out.problems) {
            FUZZ_CHECK(p.path.starts_with("$"), "a problem whose path does not start at $: " + p.path);
            FUZZ_CHECK(!p.message.empty(), "a problem without a message at " + p.path);
        }
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& other) {
        FUZZ_CHECK(false, std::string("parse_definition let a foreign exception escape: ") + other.what());
    }
    return out;
}

bool same(const outcome& a, const outcome& b) {
    if ((a.def == nullptr) != (b.def == nullptr) || a.problems.size() != b.problems.size()) return false;
    for (std::size_t i = 0; i < a.problems.size(); ++i)
        if (a.problems[i].path != b.problems[i].path || a.problems[i].message != b.problems[i].message) return false;
    return true;
}

bool valid_id(const std::string& id) {
    return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
}

void check_step(const orch::step_def& s, std::set<std::string>& ids, const orch::validation_options& options) {
    FUZZ_CHECK(valid_id(s.id), "a valid definition holds the step id '" + s.id + "'");
    FUZZ_CHECK(ids.insert(s.id).second, "a valid definition holds the step id '" + s.id + "' twice");
    FUZZ_CHECK(s.json_path.starts_with("$.steps["), "a step's json_path is " + s.json_path);
    FUZZ_CHECK(s.retry.max_attempts >= 1 && s.retry.max_attempts <= 101, "retry.max_attempts out of range");
    FUZZ_CHECK(s.retry.initial_backoff.count() >= 0 && s.retry.max_backoff.count() >= 0, "a negative backoff");
    FUZZ_CHECK(s.retry.multiplier > 0, "a retry multiplier <= 0");
    if (s.timeout) FUZZ_CHECK(s.timeout->count() >= 0 && *s.timeout <= a_year, "a step timeout outside [0, a year]");
    FUZZ_CHECK(s.retry.multiplier <= 1000, "a retry multiplier above 1000");
    const std::pair<const char*, double> waits[] = {{"duration", 1000.0}, {"duration_seconds", 1000.0}, {"duration_ms", 1.0}};
    if (s.kind == orch::step_kind::wait)
        for (const auto& [key, scale] : waits)
            if (const auto* d = s.raw.if_contains(key); d && d->is_number())
                FUZZ_CHECK(d->to_number<double>() * scale <= double(a_year.count()), std::string("a wait ") + key + " beyond a year");
    if (s.condition) FUZZ_CHECK(!orch::check_expression(*s.condition), "a step condition that does not compile");
    if (s.kind == orch::step_kind::condition)
        FUZZ_CHECK(!orch::check_expression(s.expression), "a condition expression that does not compile");
    if (s.on_failure == orch::failure_action::handler) FUZZ_CHECK(s.handler.has_value(), "handler action without handler");
    if (s.kind == orch::step_kind::parallel || s.kind == orch::step_kind::loop)
        FUZZ_CHECK(!s.children.empty(), "a parallel or loop step without nested steps");
    for (const auto& child : s.children) {
        FUZZ_CHECK(child != nullptr, "a null nested step");
        FUZZ_CHECK(child->json_path.starts_with(s.json_path + "."), "a nested step's path is outside its parent's");
        check_step(*child, ids, options);
    }
}

void check_definition(const orch::workflow_definition& def, const orch::validation_options& options) {
    FUZZ_CHECK(!def.name.empty(), "a valid definition without a name");
    FUZZ_CHECK(!def.steps.empty(), "a valid definition without steps");
    FUZZ_CHECK(def.index.size() == def.steps.size(), "index and steps differ in size");
    if (def.timeout) FUZZ_CHECK(def.timeout->count() >= 0 && *def.timeout <= a_year, "a workflow timeout outside [0, a year]");
    std::set<std::string> ids;
    std::map<std::string, const orch::step_def*> top;
    for (std::size_t i = 0; i < def.steps.size(); ++i) {
        const auto& s = def.steps[i];
        FUZZ_CHECK(s != nullptr, "a null step");
        check_step(*s, ids, options);
        top[s->id] = s.get();
        FUZZ_CHECK(def.find(s->id) == s.get(), "find() misses top-level step " + s->id);
        FUZZ_CHECK(def.index.at(s->id) == i, "index points elsewhere for " + s->id);
    }
    for (const auto& [id, s] : top) {
        for (const auto& d : s->depends_on) FUZZ_CHECK(top.count(d), "step " + id + " depends on unknown step " + d);
        for (const auto* list : {&s->true_steps, &s->false_steps})
            for (const auto& t : *list) FUZZ_CHECK(top.count(t), "step " + id + " branches to unknown step " + t);
        if (s->handler) FUZZ_CHECK(top.count(*s->handler), "step " + id + " has unknown handler " + *s->handler);
    }
    // No cycle: every step can be ordered after its dependencies (Kahn's algorithm).
    std::map<std::string, std::size_t> waiting;
    std::map<std::string, std::vector<std::string>> followers;
    for (const auto& [id, s] : top) {
        std::set<std::string> deps(s->depends_on.begin(), s->depends_on.end());
        waiting[id] = deps.size();
        for (const auto& d : deps) followers[d].push_back(id);
    }
    std::vector<std::string> ready;
    for (const auto& [id, n] : waiting)
        if (n == 0) ready.push_back(id);
    std::size_t ordered = 0;
    while (!ready.empty()) {
        const auto id = ready.back();
        ready.pop_back();
        ++ordered;
        for (const auto& f : followers[id])
            if (--waiting[f] == 0) ready.push_back(f);
    }
    FUZZ_CHECK(ordered == top.size(), "a valid definition has a dependency cycle");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    json::value doc;
    if (!chainbot::fuzz::is_json(text, &doc)) return 0;  // the API answers 400 invalid_json before validation

    orch::validation_options defaults;
    defaults.gpio_allowed_pins = {17, 18, 27};
    orch::validation_options strict;
    strict.agent_types = {"data_processor"};
    strict.default_retry_attempts = 0;
    strict.max_loop_iterations = 10;

    for (const auto* options : {&defaults, &strict}) {
        const auto first = parse(doc, *options);
        const auto second = parse(doc, *options);
        FUZZ_CHECK(same(first, second), "validation is not deterministic");
        if (!first.def) continue;
        check_definition(*first.def, *options);
        const auto again = parse(json::value(first.def->raw), *options);
        FUZZ_CHECK(again.def != nullptr, "a valid definition's raw JSON is not valid again");
        FUZZ_CHECK(again.def->steps.size() == first.def->steps.size() && again.def->kind == first.def->kind &&
                       again.def->name == first.def->name,
                   "a valid definition's raw JSON gives another definition");
    }
    return 0;
}
