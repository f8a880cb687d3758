#include "resources/process_usage.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include <time.h>
#include <unistd.h>

namespace chainbot::resources {

std::optional<std::uint64_t> parse_vm_rss(std::string_view text) {
    constexpr std::string_view key = "VmRSS:";
    auto pos = text.find(key);
    if (pos == std::string_view::npos || (pos > 0 && text[pos - 1] != '\n')) return std::nullopt;
    pos += key.size();
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
    std::uint64_t kb = 0;
    const auto* begin = text.data() + pos;
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(begin, end, kb);
    if (ec != std::errc() || ptr == begin) return std::nullopt;
    return kb * 1024;  // the kernel reports kB (KiB)
}

std::optional<std::uint64_t> read_rss_bytes() {
    std::ifstream in("/proc/self/status");
    if (!in) return std::nullopt;
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return parse_vm_rss(text);
}

namespace {

std::optional<std::chrono::nanoseconds> process_cpu_time() {
    timespec ts{};
    if (::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return std::nullopt;
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

unsigned online_cores() {
    const long n = ::sysconf(_SC_NPROCESSORS_ONLN);
    if (n > 0) return static_cast<unsigned>(n);
    return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

usage_sample process_sampler::sample() {
    usage_sample s;
    s.rss_bytes = read_rss_bytes();
    const auto cpu = process_cpu_time();
    const auto now = std::chrono::steady_clock::now();
    if (cpu && last_cpu_) {
        const auto wall = std::chrono::duration<double>(now - last_wall_).count();
        const auto used = std::chrono::duration<double>(*cpu - *last_cpu_).count();
        if (wall > 0) s.cpu_percent = std::clamp(100.0 * used / wall / online_cores(), 0.0, 100.0);
    }
    last_cpu_ = cpu;
    last_wall_ = now;
    return s;
}

}  // namespace chainbot::resources
