#include "runtime/health.hpp"

#include "events/event_hub.hpp"

#include <algorithm>

namespace chainbot {

std::string_view health_status(double score) noexcept {
    if (score > 0.8) return "healthy";
    if (score > 0.5) return "degraded";
    return "unhealthy";
}

void health_registry::add(std::string component, check c) {
    std::lock_guard lock(mutex_);
    std::erase_if(checks_, [&](const auto& e) { return e.first == component; });
    checks_.emplace_back(std::move(component), std::move(c));
}

void health_registry::remove(const std::string& component) {
    std::lock_guard lock(mutex_);
    std::erase_if(checks_, [&](const auto& e) { return e.first == component; });
}

std::vector<std::pair<std::string, component_health>> health_registry::evaluate() const {
    std::vector<std::pair<std::string, check>> checks;
    {
        std::lock_guard lock(mutex_);
        checks = checks_;
    }
    std::vector<std::pair<std::string, component_health>> out;
    for (auto& [name, c] : checks) {
        component_health h;
        try {
            h = c();
        } catch (const std::exception& e) {
            h = {0.0, std::string("health check failed: ") + e.what()};
        }
        h.score = std::clamp(h.score, 0.0, 1.0);
        out.emplace_back(name, std::move(h));
    }
    return out;
}

double health_registry::overall() const {
    const auto results = evaluate();
    if (results.empty()) return 1.0;
    double sum = 0;
    for (const auto& [_, h] : results) sum += h.score;
    return sum / static_cast<double>(results.size());
}

boost::json::object health_registry::report() const {
    const auto results = evaluate();
    boost::json::object components;
    double sum = 0;
    for (const auto& [name, h] : results) {
        boost::json::object c{{"status", health_status(h.score)}, {"score", h.score}};
        if (!h.detail.empty()) c["detail"] = h.detail;
        components[name] = std::move(c);
        sum += h.score;
    }
    const double score = results.empty() ? 1.0 : sum / static_cast<double>(results.size());
    return {{"status", health_status(score)},
            {"health_score", score},
            {"components", std::move(components)},
            {"timestamp", events::iso8601_now()}};
}

}  // namespace chainbot
