#include "hardware/readings.hpp"

#include <fmt/format.h>

#include <cmath>

namespace chainbot::hardware {

namespace json = boost::json;

namespace {

template <typename T>
json::value or_null(const std::optional<T>& v) {
    if (!v) return nullptr;
    return json::value(*v);
}

/// Percentages and temperatures to two decimals: the sensors are not more precise.
json::value rounded(const std::optional<double>& v) {
    if (!v) return nullptr;
    return std::round(*v * 100.0) / 100.0;
}

}  // namespace

throttle_flags decode_throttled(std::uint32_t bits) noexcept {
    auto bit = [bits](unsigned n) { return (bits >> n & 1U) != 0; };
    throttle_flags f;
    f.raw = bits;
    f.under_voltage = bit(0);
    f.frequency_capped = bit(1);
    f.throttled = bit(2);
    f.soft_temperature_limit = bit(3);
    f.under_voltage_occurred = bit(16);
    f.frequency_capping_occurred = bit(17);
    f.throttling_occurred = bit(18);
    f.soft_temperature_limit_occurred = bit(19);
    return f;
}

json::object to_json(const throttle_flags& f) {
    return {{"raw", fmt::format("{:#x}", f.raw)},
            {"under_voltage", f.under_voltage},
            {"frequency_capped", f.frequency_capped},
            {"throttled", f.throttled},
            {"soft_temperature_limit", f.soft_temperature_limit},
            {"under_voltage_occurred", f.under_voltage_occurred},
            {"frequency_capping_occurred", f.frequency_capping_occurred},
            {"throttling_occurred", f.throttling_occurred},
            {"soft_temperature_limit_occurred", f.soft_temperature_limit_occurred}};
}

json::object to_json(const hardware_readings& r) {
    json::value load = nullptr;
    if (r.load_average)
        load = json::object{{"1m", (*r.load_average)[0]}, {"5m", (*r.load_average)[1]}, {"15m", (*r.load_average)[2]}};
    return {
        {"timestamp", r.timestamp},
        {"board_model", or_null(r.board_model)},
        {"cpu",
         {{"temperature_celsius", rounded(r.cpu_temperature_celsius)},
          {"thermal_zone", or_null(r.thermal_zone)},
          {"usage_percent", rounded(r.cpu_usage_percent)},
          {"load_average", std::move(load)}}},
        {"memory",
         {{"total_bytes", or_null(r.memory_total_bytes)},
          {"available_bytes", or_null(r.memory_available_bytes)},
          {"usage_percent", rounded(r.memory_usage_percent)}}},
        {"disk",
         {{"path", r.disk_path},
          {"total_bytes", or_null(r.disk_total_bytes)},
          {"available_bytes", or_null(r.disk_available_bytes)},
          {"usage_percent", rounded(r.disk_usage_percent)}}},
        {"throttling", r.throttling ? json::value(to_json(*r.throttling)) : json::value(nullptr)},
    };
}

}  // namespace chainbot::hardware
