#include "orchestrator/expressions.hpp"

#include "expr/expression.hpp"
#include "expr/template_string.hpp"
#include "orchestrator/task_registry.hpp"

#include <fmt/format.h>

#include <mutex>
#include <unordered_map>

namespace chainbot::orchestrator {

namespace {

// Parsed expressions by source text: workflows evaluate the same few conditions many times.
// Bounded: when full it starts over, which costs a re-parse, never unbounded memory.
class expression_cache {
public:
    expr::expression get(std::string_view src) {
        {
            std::lock_guard lock(mutex_);
            if (auto it = cache_.find(std::string(src)); it != cache_.end()) return it->second;
        }
        auto parsed = expr::expression::parse(src);
        std::lock_guard lock(mutex_);
        if (cache_.size() >= 4096) cache_.clear();
        cache_.emplace(std::string(src), parsed);
        return parsed;
    }

private:
    std::mutex mutex_;
    std::unordered_map<std::string, expr::expression> cache_;
};

expression_cache& cache() {
    static expression_cache c;
    return c;
}

expr::context context_of(const resolver& r) {
    expr::context ctx;
    ctx.resolve = r;
    return ctx;
}

}  // namespace

std::optional<std::string> check_expression(std::string_view src) {
    try {
        cache().get(src);
        return std::nullopt;
    } catch (const expr::error& e) {
        return std::string(e.what());
    }
}

std::optional<std::string> check_template(std::string_view src) {
    if (src.find("${") == std::string_view::npos) return std::nullopt;
    try {
        expr::template_string::parse(src);
        return std::nullopt;
    } catch (const expr::error& e) {
        return std::string(e.what());
    }
}

boost::json::value evaluate(std::string_view src, const resolver& r) {
    try {
        return cache().get(src).evaluate(context_of(r));
    } catch (const expr::error& e) {
        throw step_failure("expression", fmt::format("'{}': {}", src, e.what()));
    }
}

bool evaluate_condition(std::string_view src, const resolver& r) {
    try {
        return cache().get(src).test(context_of(r));
    } catch (const expr::error& e) {
        throw step_failure("expression", fmt::format("'{}': {}", src, e.what()));
    }
}

boost::json::value render(const boost::json::value& v, const resolver& r) {
    try {
        return expr::render_json(v, context_of(r));
    } catch (const expr::error& e) {
        throw step_failure("expression", e.what());
    }
}

}  // namespace chainbot::orchestrator
