#include "hardware/sysfs_parsers.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

namespace chainbot::hardware {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\0'; }

/// The white-space separated fields of `line`.
std::vector<std::string_view> fields_of(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && is_blank(line[i])) ++i;
        const auto start = i;
        while (i < line.size() && !is_blank(line[i])) ++i;
        if (i > start) out.push_back(line.substr(start, i - start));
    }
    return out;
}

template <typename T>
std::optional<T> number(std::string_view text, int base = 10) {
    T value{};
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
    if (ec != std::errc{} || ptr != end || text.empty()) return std::nullopt;
    return value;
}

std::optional<double> decimal(std::string_view text) {
    double value = 0;
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end || text.empty() || !std::isfinite(value)) return std::nullopt;
    return value;
}

/// The line of `text` that starts with `prefix`.
std::optional<std::string_view> line_starting(std::string_view text, std::string_view prefix) {
    while (!text.empty()) {
        const auto nl = text.find('\n');
        const auto line = text.substr(0, nl);
        if (line.starts_with(prefix)) return line;
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return std::nullopt;
}

/// "MemTotal:  3884328 kB" -> bytes.
std::optional<std::uint64_t> meminfo_bytes(std::string_view text, std::string_view name) {
    const auto line = line_starting(text, name);
    if (!line) return std::nullopt;
    const auto f = fields_of(line->substr(name.size()));
    if (f.empty()) return std::nullopt;
    const auto value = number<std::uint64_t>(f[0]);
    if (!value) return std::nullopt;
    const bool kib = f.size() > 1 && (f[1] == "kB" || f[1] == "KB");
    return kib ? *value * 1024 : *value;
}

}  // namespace

std::string_view trim(std::string_view text) noexcept {
    while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
    return text;
}

std::optional<cpu_times> parse_proc_stat(std::string_view text) {
    const auto line = line_starting(text, "cpu ");
    if (!line) return std::nullopt;
    const auto f = fields_of(*line);
    // cpu user nice system idle [iowait irq softirq steal guest guest_nice]
    if (f.size() < 5) return std::nullopt;
    std::uint64_t v[8] = {};
    const std::size_t counted = std::min<std::size_t>(f.size() - 1, 8);  // guest fields excluded
    for (std::size_t i = 0; i < counted; ++i) {
        const auto n = number<std::uint64_t>(f[i + 1]);
        if (!n) return std::nullopt;
        v[i] = *n;
    }
    cpu_times t;
    for (std::size_t i = 0; i < counted; ++i) t.total += v[i];
    t.idle = v[3] + v[4];
    return t;
}

std::optional<double> cpu_usage_between(const cpu_times& before, const cpu_times& after) {
    if (after.total <= before.total || after.idle < before.idle) return std::nullopt;
    const auto total = static_cast<double>(after.total - before.total);
    const auto idle = static_cast<double>(after.idle - before.idle);
    if (idle > total) return std::nullopt;
    return (total - idle) / total * 100.0;
}

std::optional<memory_info> parse_meminfo(std::string_view text) {
    const auto total = meminfo_bytes(text, "MemTotal:");
    if (!total || *total == 0) return std::nullopt;
    auto available = meminfo_bytes(text, "MemAvailable:");
    if (!available) {
        const auto free = meminfo_bytes(text, "MemFree:");
        const auto buffers = meminfo_bytes(text, "Buffers:");
        const auto cached = meminfo_bytes(text, "Cached:");
        if (!free || !buffers || !cached) return std::nullopt;
        available = *free + *buffers + *cached;
    }
    if (*available > *total) return std::nullopt;
    return memory_info{*total, *available};
}

std::optional<std::array<double, 3>> parse_loadavg(std::string_view text) {
    const auto f = fields_of(text);
    if (f.size() < 3) return std::nullopt;
    std::array<double, 3> out{};
    for (std::size_t i = 0; i < 3; ++i) {
        const auto d = decimal(f[i]);
        if (!d || *d < 0) return std::nullopt;
        out[i] = *d;
    }
    return out;
}

std::optional<double> parse_millidegrees(std::string_view text) {
    const auto milli = number<std::int64_t>(trim(text));
    // Below absolute zero or above 1000 degrees is a broken sensor, not a reading.
    if (!milli || *milli < -273150 || *milli > 1000000) return std::nullopt;
    return static_cast<double>(*milli) / 1000.0;
}

std::optional<std::uint32_t> parse_throttled(std::string_view text) {
    auto t = trim(text);
    if (t.starts_with("throttled=")) t.remove_prefix(10);
    if (t.starts_with("0x") || t.starts_with("0X")) t.remove_prefix(2);
    return number<std::uint32_t>(t, 16);
}

std::optional<std::string> parse_model(std::string_view text) {
    const auto nul = text.find('\0');
    const auto model = trim(text.substr(0, nul));
    if (model.empty()) return std::nullopt;
    return std::string(model);
}

}  // namespace chainbot::hardware
