#include "api/request_metrics.hpp"

#include <fmt/format.h>

namespace chainbot::api {

void request_metrics::record(std::string_view method, std::string_view route, int status,
                             std::chrono::duration<double> elapsed) {
    const double seconds = elapsed.count();
    std::lock_guard lock(mutex_);
    auto& s = series_[{std::string(method), std::string(route)}];
    ++s.by_status[status];
    ++s.count;
    s.sum += seconds;
    for (std::size_t i = 0; i < buckets.size(); ++i)
        if (seconds <= buckets[i]) {
            ++s.bucket_counts[i];
            break;
        }
}

boost::json::object request_metrics::to_json() const {
    std::uint64_t total = 0;
    std::map<int, std::uint64_t> by_status;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [_, s] : series_) {
            total += s.count;
            for (const auto& [status, n] : s.by_status) by_status[status] += n;
        }
    }
    boost::json::object statuses;
    for (const auto& [status, n] : by_status) statuses[std::to_string(status)] = n;
    return {{"total", total}, {"by_status", std::move(statuses)}};
}

std::string prometheus_label(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

void request_metrics::write_prometheus(std::string& out) const {
    std::lock_guard lock(mutex_);
    out += "# HELP chainbot_http_requests_total HTTP requests answered, by method, route and status.\n"
           "# TYPE chainbot_http_requests_total counter\n";
    for (const auto& [key, s] : series_)
        for (const auto& [status, n] : s.by_status)
            out += fmt::format("chainbot_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n",
                               prometheus_label(key.first), prometheus_label(key.second), status, n);
    out += "# HELP chainbot_http_request_duration_seconds Time from routing a request to its response.\n"
           "# TYPE chainbot_http_request_duration_seconds histogram\n";
    for (const auto& [key, s] : series_) {
        const auto labels =
            fmt::format("method=\"{}\",route=\"{}\"", prometheus_label(key.first), prometheus_label(key.second));
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < buckets.size(); ++i) {
            cumulative += s.bucket_counts[i];
            out += fmt::format("chainbot_http_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n", labels,
                               buckets[i], cumulative);
        }
        out += fmt::format("chainbot_http_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n", labels, s.count);
        out += fmt::format("chainbot_http_request_duration_seconds_sum{{{}}} {}\n", labels, s.sum);
        out += fmt::format("chainbot_http_request_duration_seconds_count{{{}}} {}\n", labels, s.count);
    }
}

}  // namespace chainbot::api
