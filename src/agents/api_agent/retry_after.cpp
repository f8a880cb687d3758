#include "agents/api_agent/retry_after.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <string>

namespace chainbot::agents {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

bool digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

int number(std::string_view s) {
    int n = 0;
    for (char c : s) n = n * 10 + (c - '0');
    return n;
}

// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (the form RFC 9110 requires senders to use).
std::optional<std::chrono::system_clock::time_point> parse_imf_fixdate(std::string_view s) {
    static constexpr std::array<std::string_view, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' ||
        s[22] != ':' || s[25] != ' ' || s.substr(26) != "GMT")
        return std::nullopt;
    const auto day = s.substr(5, 2), year = s.substr(12, 4), hour = s.substr(17, 2), minute = s.substr(20, 2),
               second = s.substr(23, 2);
    if (!digits(day) || !digits(year) || !digits(hour) || !digits(minute) || !digits(second)) return std::nullopt;
    const auto month = std::find(months.begin(), months.end(), s.substr(8, 3));
    if (month == months.end()) return std::nullopt;
    std::tm tm{};
    tm.tm_year = number(year) - 1900;
    tm.tm_mon = static_cast<int>(month - months.begin());
    tm.tm_mday = number(day);
    tm.tm_hour = number(hour);
    tm.tm_min = number(minute);
    tm.tm_sec = number(second);
    if (tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) return std::nullopt;
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now) {
    value = trim(value);
    if (digits(value)) {
        if (value.size() > 9) return std::chrono::hours(24 * 365);  // absurdly long: the caller's cap applies
        return std::chrono::seconds(number(value));
    }
    const auto when = parse_imf_fixdate(value);
    if (!when) return std::nullopt;
    return std::max(std::chrono::milliseconds(0), std::chrono::duration_cast<std::chrono::milliseconds>(*when - now));
}

}  // namespace chainbot::agents
