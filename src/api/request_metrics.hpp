#pragma once
/// @file request_metrics.hpp
/// @brief Counts of answered requests by method, route pattern and status, and their
/// latency histogram, as the route table's wrapper records them. Labels are route
/// patterns ("/api/chainbot/workflows/{id}"), never raw paths, so the series stay few.

#include <boost/json/object.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace chainbot::api {

class request_metrics {
public:
    /// @brief Upper bounds (seconds) of the latency histogram's buckets; +Inf is implied.
    static constexpr std::array<double, 11> buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    void record(std::string_view method, std::string_view route, int status, std::chrono::duration<double> elapsed);

    /// @brief {"total", "by_status": {"200": n, ...}} over every route.
    boost::json::object to_json() const;
    /// @brief Appends chainbot_http_requests_total (counter, labels method, route, status)
    /// and chainbot_http_request_duration_seconds (histogram, labels method, route) in the
    /// Prometheus text exposition format.
    void write_prometheus(std::string& out) const;

private:
    struct series {
        std::map<int, std::uint64_t> by_status;
        std::array<std::uint64_t, buckets.size()> bucket_counts{};  // non-cumulative
        std::uint64_t count = 0;
        double sum = 0;
    };
    mutable std::mutex mutex_;
    std::map<std::pair<std::string, std::string>, series> series_;  // by (method, route)
};

/// @brief `value` escaped for a Prometheus label (backslash, quote, newline).
std::string prometheus_label(std::string_view value);

}  // namespace chainbot::api
