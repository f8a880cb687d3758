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
    static constexpr std::size_t capacity = 4096;

    expr::expression get(std::string_view src) {
        {
            std::lock_guard lock(mutex_);
            if (auto it = cache_.find(std::string(src)); it != cache_.end()) {
                ++stats_.hits;
                return it->second;
            }
            ++stats_.misses;
        }
        auto parsed = expr::expression::parse(src);
        std::lock_guard lock(mutex_);
        if (cache_.size() >= capacity) {
            stats_.evictions += cache_.size();
            cache_.clear();
        }
        cache_.emplace(std::string(src), parsed);
        return parsed;
    }
    void clear() {
        std::lock_guard lock(mutex_);
        stats_.invalidations += cache_.size();
        cache_.clear();
    }
    resources::cache_stats stats() const {
        std::lock_guard lock(mutex_);
        auto s = stats_;
        s.entries = cache_.size();
        s.capacity = capacity;
        return s;
    }

private:
    mutable std::mutex mutex_;
    std::unordered_map<std::string, expr::expression> cache_;
    resources::cache_stats stats_;
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

resources::cache_stats expression_cache_stats() { return cache().stats(); }

void clear_expression_cache() { cache().clear(); }

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
