#pragma once
#include <boost/json/object.hpp>

#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace chainbot {

/// @brief The health of one component: a score from 0 (down) to 1 (healthy).
struct component_health {
    double score = 1.0;
    std::string detail;  // why the score is below 1, for people
};

/// @brief "healthy" above 0.8, "degraded" above 0.5, else "unhealthy".
std::string_view health_status(double score) noexcept;

/// @brief Components register a check; the report asks each of them when it is built.
class health_registry {
public:
    using check = std::function<component_health()>;
    void add(std::string component, check c);
    void remove(const std::string& component);
    /// @brief Mean of the component scores (1.0 with no components).
    double overall() const;
    /// @brief {"status", "health_score", "components": {name: {"status", "score", "detail"?}}, "timestamp"}.
    boost::json::object report() const;

private:
    std::vector<std::pair<std::string, component_health>> evaluate() const;
    mutable std::mutex mutex_;
    std::vector<std::pair<std::string, check>> checks_;
};

}  // namespace chainbot
