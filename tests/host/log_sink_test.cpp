#include "log_sink.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <sstream>

TEST_CASE("log_sink.line_format_and_threshold", "[host][log]") {
    std::ostringstream out;
    alex_os::log_sink log(out, ALEX_LOG_INFO);
    log.write(ALEX_LOG_DEBUG, "chainbot", "hidden");
    log.write(ALEX_LOG_INFO, "chainbot", "hello world");
    const std::regex line(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z INFO \[chainbot\] hello world\n)");
    CHECK(std::regex_match(out.str(), line));

    log.set_threshold(ALEX_LOG_DEBUG);
    log.write(ALEX_LOG_DEBUG, "host", "now shown");
    log.write(ALEX_LOG_CRITICAL, "host", "bad");
    CHECK(out.str().find("DEBUG [host] now shown") != std::string::npos);
    CHECK(out.str().find("CRITICAL [host] bad") != std::string::npos);
}

TEST_CASE("log_sink.parse_level", "[host][log]") {
    CHECK(alex_os::log_sink::parse_level("debug") == ALEX_LOG_DEBUG);
    CHECK(alex_os::log_sink::parse_level("WARNING") == ALEX_LOG_WARNING);
    CHECK(alex_os::log_sink::parse_level("warn") == ALEX_LOG_WARNING);
    CHECK(alex_os::log_sink::parse_level("Critical") == ALEX_LOG_CRITICAL);
    CHECK_FALSE(alex_os::log_sink::parse_level("verbose"));
    CHECK(alex_os::log_sink::level_name(ALEX_LOG_ERROR) == "ERROR");
}
