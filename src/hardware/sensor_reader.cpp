#include "hardware/sensor_reader.hpp"

#include "events/event_hub.hpp"

#include <sys/statvfs.h>

#include <algorithm>
#include <fstream>
#include <vector>

namespace chainbot::hardware {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t max_file_size = 64 * 1024;

/// "thermal_zone12" -> 12, anything else -> nullopt.
std::optional<unsigned> zone_index(const std::string& name) {
    constexpr std::string_view prefix = "thermal_zone";
    if (!std::string_view(name).starts_with(prefix) || name.size() == prefix.size()) return std::nullopt;
    unsigned index = 0;
    for (char c : name.substr(prefix.size())) {
        if (c < '0' || c > '9') return std::nullopt;
        index = index * 10 + static_cast<unsigned>(c - '0');
    }
    return index;
}

/// Lower is better: the SoC sensor of a Pi, then the package sensor of an x86 CPU, then any zone.
int zone_rank(std::string_view type) {
    if (type == "cpu-thermal" || type == "cpu_thermal") return 0;
    if (type == "x86_pkg_temp") return 1;
    return 2;
}

}  // namespace

sensor_reader::sensor_reader(fs::path root, fs::path data_dir) : root_(std::move(root)), data_dir_(std::move(data_dir)) {}

std::optional<std::string> sensor_reader::read(const fs::path& relative) const {
    // procfs and sysfs report a size of 0 (or 4096): read until EOF, bounded.
    std::ifstream in(root_ / relative, std::ios::binary);
    if (!in) return std::nullopt;
    std::string text(max_file_size, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad()) return std::nullopt;
    text.resize(static_cast<std::size_t>(in.gcount()));
    return text;
}

hardware_readings sensor_reader::sample() {
    hardware_readings r;
    r.timestamp = events::iso8601_now();
    if (auto text = read("proc/device-tree/model")) r.board_model = parse_model(*text);
    read_temperature(r);
    read_cpu_usage(r);
    if (auto text = read("proc/loadavg")) r.load_average = parse_loadavg(*text);
    if (auto text = read("proc/meminfo"); text) {
        if (auto mem = parse_meminfo(*text)) {
            r.memory_total_bytes = mem->total_bytes;
            r.memory_available_bytes = mem->available_bytes;
            r.memory_usage_percent =
                static_cast<double>(mem->total_bytes - mem->available_bytes) / static_cast<double>(mem->total_bytes) * 100.0;
        }
    }
    read_disk(r);
    r.throttling = read_throttling();
    return r;
}

void sensor_reader::read_temperature(hardware_readings& r) const {
    struct zone {
        unsigned index;
        fs::path dir;
    };
    std::vector<zone> zones;
    std::error_code ec;
    for (fs::directory_iterator it(root_ / "sys/class/thermal", ec), end; !ec && it != end; it.increment(ec))
        if (auto index = zone_index(it->path().filename().string())) zones.push_back({*index, it->path()});
    std::sort(zones.begin(), zones.end(), [](const zone& a, const zone& b) { return a.index < b.index; });

    int best_rank = 3;
    for (const auto& z : zones) {
        const auto rel = fs::path("sys/class/thermal") / z.dir.filename();
        const auto type_text = read(rel / "type");
        const std::string type = type_text ? std::string(trim(*type_text)) : std::string();
        const int rank = zone_rank(type);
        if (rank >= best_rank) continue;
        // A zone whose sensor is absent answers its read with an error: skip it.
        const auto temp_text = read(rel / "temp");
        const auto celsius = temp_text ? parse_millidegrees(*temp_text) : std::nullopt;
        if (!celsius) continue;
        best_rank = rank;
        r.cpu_temperature_celsius = celsius;
        r.thermal_zone = type.empty() ? z.dir.filename().string() : type;
    }
}

void sensor_reader::read_cpu_usage(hardware_readings& r) {
    const auto text = read("proc/stat");
    const auto now = text ? parse_proc_stat(*text) : std::nullopt;
    if (!now) {
        previous_cpu_.reset();
        last_cpu_usage_.reset();
        return;
    }
    if (previous_cpu_ && now->total == previous_cpu_->total) {
        r.cpu_usage_percent = last_cpu_usage_;  // no tick passed since the last sample
        return;
    }
    if (previous_cpu_) r.cpu_usage_percent = cpu_usage_between(*previous_cpu_, *now);
    previous_cpu_ = now;
    last_cpu_usage_ = r.cpu_usage_percent;
}

void sensor_reader::read_disk(hardware_readings& r) const {
    r.disk_path = data_dir_.string();
    if (data_dir_.empty()) return;
    struct statvfs st {};
    if (::statvfs(data_dir_.c_str(), &st) != 0 || st.f_blocks == 0) return;
    const std::uint64_t unit = st.f_frsize ? st.f_frsize : st.f_bsize;
    const std::uint64_t total = static_cast<std::uint64_t>(st.f_blocks) * unit;
    const std::uint64_t used = static_cast<std::uint64_t>(st.f_blocks - st.f_bfree) * unit;
    const std::uint64_t available = static_cast<std::uint64_t>(st.f_bavail) * unit;
    r.disk_total_bytes = total;
    r.disk_available_bytes = available;
    if (used + available > 0)
        r.disk_usage_percent = static_cast<double>(used) / static_cast<double>(used + available) * 100.0;
}

std::optional<fs::path> sensor_reader::find_throttle_file() const {
    // The Pi 4's firmware node; other kernels and boards name the platform node differently
    // (e.g. soc@107c000000 on a Pi 5), so look one level further before giving up.
    const fs::path usual = "sys/devices/platform/soc/soc:firmware/get_throttled";
    std::error_code ec;
    if (fs::exists(root_ / usual, ec)) return usual;
    for (fs::directory_iterator it(root_ / "sys/devices/platform", ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code inner;
        for (fs::directory_iterator sub(it->path(), inner), e2; !inner && sub != e2; sub.increment(inner)) {
            if (!sub->path().filename().string().ends_with("firmware")) continue;
            const auto candidate = fs::path("sys/devices/platform") / it->path().filename() / sub->path().filename() /
                                   "get_throttled";
            if (fs::exists(root_ / candidate, inner)) return candidate;
        }
    }
    return std::nullopt;
}

std::optional<throttle_flags> sensor_reader::read_throttling() {
    // The firmware node does not come and go: search for it once, not on every sample.
    if (!throttle_file_searched_) {
        throttle_file_ = find_throttle_file();
        throttle_file_searched_ = true;
    }
    if (!throttle_file_) return std::nullopt;
    const auto text = read(*throttle_file_);
    const auto bits = text ? parse_throttled(*text) : std::nullopt;
    if (!bits) return std::nullopt;
    return decode_throttled(*bits);
}

}  // namespace chainbot::hardware
