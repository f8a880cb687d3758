// Sensor readings from fixture trees shaped like a Raspberry Pi 4, a Pi 5 and an x86
// server, with known answers; missing and malformed files read as unavailable.

#include "hardware/sensor_reader.hpp"
#include "hardware_test_support.hpp"

#include <boost/json.hpp>

using namespace chainbot;
using namespace chainbot::hardware;
using chainbot::test::fixture;
using chainbot::test::fixture_copy;

TEST_CASE("Raspberry Pi 4: model, temperature, memory, load and throttle flags", "[hardware][sensors]") {
    sensor_reader reader(fixture("rpi4"));
    const auto r = reader.sample();
    CHECK(r.board_model == "Raspberry Pi 4 Model B Rev 1.4");
    REQUIRE(r.cpu_temperature_celsius);
    CHECK(*r.cpu_temperature_celsius == Approx(52.5));
    CHECK(r.thermal_zone == "cpu-thermal");
    REQUIRE(r.memory_usage_percent);
    CHECK(*r.memory_usage_percent == Approx(25.0));  // MemAvailable 2913246 of MemTotal 3884328 kB
    CHECK(r.memory_total_bytes == std::uint64_t{3884328} * 1024);
    REQUIRE(r.load_average);
    CHECK((*r.load_average)[0] == Approx(0.52));
    CHECK((*r.load_average)[2] == Approx(0.59));
    CHECK_FALSE(r.cpu_usage_percent);  // one sample: no delta yet

    REQUIRE(r.throttling);  // 0x50005: under-voltage and throttled, now and since boot
    CHECK(r.throttling->raw == 0x50005);
    CHECK(r.throttling->under_voltage);
    CHECK_FALSE(r.throttling->frequency_capped);
    CHECK(r.throttling->throttled);
    CHECK_FALSE(r.throttling->soft_temperature_limit);
    CHECK(r.throttling->under_voltage_occurred);
    CHECK_FALSE(r.throttling->frequency_capping_occurred);
    CHECK(r.throttling->throttling_occurred);
    CHECK_FALSE(r.throttling->soft_temperature_limit_occurred);
    CHECK(to_json(*r.throttling).at("raw") == "0x50005");
}

TEST_CASE("Raspberry Pi 5: model, temperature, memory, no throttling", "[hardware][sensors]") {
    sensor_reader reader(fixture("rpi5"));
    const auto r = reader.sample();
    CHECK(r.board_model == "Raspberry Pi 5 Model B Rev 1.0");
    CHECK(r.cpu_temperature_celsius == Approx(61.85));
    CHECK(r.memory_usage_percent == Approx(50.0));
    REQUIRE(r.throttling);
    CHECK(r.throttling->raw == 0);
    CHECK_FALSE(r.throttling->under_voltage);
    CHECK_FALSE(r.throttling->throttling_occurred);
}

TEST_CASE("x86 server: no board model, no throttle file, the package sensor chosen by type", "[hardware][sensors]") {
    sensor_reader reader(fixture("x86_server"));
    const auto r = reader.sample();
    CHECK_FALSE(r.board_model);
    CHECK_FALSE(r.throttling);
    CHECK(r.cpu_temperature_celsius == Approx(45.0));  // x86_pkg_temp (zone 1), not acpitz (zone 0)
    CHECK(r.thermal_zone == "x86_pkg_temp");
    CHECK(r.memory_usage_percent == Approx(25.0));
    const auto j = to_json(r);
    CHECK(j.at("board_model").is_null());
    CHECK(j.at("throttling").is_null());
    CHECK(j.at("cpu").at("temperature_celsius") == 45.0);
}

TEST_CASE("CPU usage is the busy share of the time between two /proc/stat samples", "[hardware][sensors]") {
    fixture_copy tree("rpi4");
    sensor_reader reader(tree.root());
    CHECK_FALSE(reader.sample().cpu_usage_percent);
    // +300 user, +100 system, +550 idle, +50 iowait: 400 busy of 1000 ticks.
    tree.write("proc/stat", "cpu  10300 0 5100 80550 1050 0 500 0 0 0\ncpu0 1 0 1 1 0 0 0 0 0 0\n");
    auto second = reader.sample();
    REQUIRE(second.cpu_usage_percent);
    CHECK(*second.cpu_usage_percent == Approx(40.0));
    // No tick passed: the last value stands rather than a division by zero.
    CHECK(reader.sample().cpu_usage_percent == Approx(40.0));
    // Counters that go backwards (a CPU unplugged) give no value, and a fresh baseline.
    tree.write("proc/stat", "cpu  100 0 100 1000 0 0 0 0 0 0\n");
    CHECK_FALSE(reader.sample().cpu_usage_percent);
    tree.write("proc/stat", "cpu  200 0 100 1100 0 0 0 0 0 0\n");
    CHECK(reader.sample().cpu_usage_percent == Approx(50.0));
}

TEST_CASE("disk usage of the data directory comes from statvfs", "[hardware][sensors]") {
    chainbot::test::temp_dir data;
    sensor_reader reader(fixture("rpi4"), data.path());
    const auto r = reader.sample();
    CHECK(r.disk_path == data.str());
    REQUIRE(r.disk_usage_percent);
    CHECK(*r.disk_usage_percent >= 0.0);
    CHECK(*r.disk_usage_percent <= 100.0);
    REQUIRE(r.disk_total_bytes);
    CHECK(*r.disk_total_bytes > 0);
    CHECK(r.disk_available_bytes <= r.disk_total_bytes);

    sensor_reader nowhere(fixture("rpi4"), data.path() / "does-not-exist");
    CHECK_FALSE(nowhere.sample().disk_usage_percent);
}

TEST_CASE("an empty root: every reading unavailable (null), none zero, no crash", "[hardware][sensors]") {
    chainbot::test::temp_dir empty;
    sensor_reader reader(empty.path());
    const auto r = reader.sample();
    CHECK_FALSE(r.board_model);
    CHECK_FALSE(r.cpu_temperature_celsius);
    CHECK_FALSE(r.cpu_usage_percent);
    CHECK_FALSE(r.load_average);
    CHECK_FALSE(r.memory_usage_percent);
    CHECK_FALSE(r.disk_usage_percent);  // no data dir given
    CHECK_FALSE(r.throttling);
    const auto j = to_json(r);
    CHECK(j.at("cpu").at("temperature_celsius").is_null());
    CHECK(j.at("cpu").at("usage_percent").is_null());
    CHECK(j.at("cpu").at("load_average").is_null());
    CHECK(j.at("memory").at("usage_percent").is_null());
    CHECK(j.at("memory").at("total_bytes").is_null());
    CHECK(j.at("disk").at("usage_percent").is_null());
    CHECK(j.at("throttling").is_null());
}

TEST_CASE("malformed files read as unavailable", "[hardware][sensors]") {
    fixture_copy tree("rpi4");
    tree.write("sys/class/thermal/thermal_zone0/temp", "not a number\n");
    tree.write("proc/meminfo", "MemFree: 100 kB\n");  // no MemTotal
    tree.write("proc/loadavg", "0.5 abc\n");
    tree.write("proc/stat", "cpu  1 2\n");
    tree.write("proc/device-tree/model", std::string("\0", 1));
    tree.write("sys/devices/platform/soc/soc:firmware/get_throttled", "0xZZ\n");
    sensor_reader reader(tree.root());
    const auto r = reader.sample();
    CHECK_FALSE(r.cpu_temperature_celsius);
    CHECK_FALSE(r.thermal_zone);
    CHECK_FALSE(r.memory_usage_percent);
    CHECK_FALSE(r.load_average);
    CHECK_FALSE(r.cpu_usage_percent);
    CHECK_FALSE(r.board_model);
    CHECK_FALSE(r.throttling);
}

TEST_CASE("parsers: edge cases of the kernel's formats", "[hardware][sensors]") {
    CHECK(parse_millidegrees("52500\n") == Approx(52.5));
    CHECK(parse_millidegrees("-5000") == Approx(-5.0));
    CHECK_FALSE(parse_millidegrees(""));
    CHECK_FALSE(parse_millidegrees("-300000"));  // below absolute zero: a broken sensor
    CHECK(parse_throttled("throttled=0x50005\n") == 0x50005u);
    CHECK(parse_throttled("80008") == 0x80008u);
    CHECK_FALSE(parse_throttled(""));
    CHECK(parse_model(std::string("Raspberry Pi 5 Model B Rev 1.0\0", 31)) == "Raspberry Pi 5 Model B Rev 1.0");
    // Kernels before 3.14 have no MemAvailable: MemFree + Buffers + Cached.
    auto old = parse_meminfo("MemTotal: 1000 kB\nMemFree: 300 kB\nBuffers: 100 kB\nCached: 100 kB\n");
    REQUIRE(old);
    CHECK(old->available_bytes == 500 * 1024);
    // guest time is inside user time already: not counted twice.
    auto t = parse_proc_stat("cpu  100 0 0 100 0 0 0 0 50 50\n");
    REQUIRE(t);
    CHECK(t->total == 200);
    const auto f = decode_throttled(0x8000F);
    CHECK(f.under_voltage);
    CHECK(f.frequency_capped);
    CHECK(f.throttled);
    CHECK(f.soft_temperature_limit);
    CHECK(f.soft_temperature_limit_occurred);
    CHECK_FALSE(f.under_voltage_occurred);
}
