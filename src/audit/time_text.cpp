#include "audit/time_text.hpp"

#include <fmt/format.h>

#include <charconv>

namespace chainbot::audit {

using namespace std::chrono;

std::string to_iso8601(store::time_point t) {
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{t - day};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), hms.hours().count(),
                       hms.minutes().count(), hms.seconds().count(), hms.subseconds().count());
}

namespace {

// Reads exactly `n` digits at `pos`.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    const auto r = std::from_chars(s.data() + pos, s.data() + pos + n, out);
    if (r.ec != std::errc{} || r.ptr != s.data() + pos + n) return false;
    pos += n;
    return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
    if (pos >= s.size() || s[pos] != c) return false;
    ++pos;
    return true;
}

}  // namespace

std::optional<store::time_point> parse_time(std::string_view s) {
    if (!s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos && s.size() > 8) {
        long long ms = 0;
        const auto r = std::from_chars(s.data(), s.data() + s.size(), ms);
        if (r.ec != std::errc{}) return std::nullopt;
        return store::time_point(milliseconds(ms));
    }
    std::size_t pos = 0;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0;
    if (!digits(s, pos, 4, y) || !expect(s, pos, '-') || !digits(s, pos, 2, mo) || !expect(s, pos, '-') ||
        !digits(s, pos, 2, d))
        return std::nullopt;
    const year_month_day ymd{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
    if (!ymd.ok()) return std::nullopt;
    minutes offset{0};
    if (pos < s.size()) {
        if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
        ++pos;
        if (!digits(s, pos, 2, h) || !expect(s, pos, ':') || !digits(s, pos, 2, mi) || !expect(s, pos, ':') ||
            !digits(s, pos, 2, sec) || h > 23 || mi > 59 || sec > 60)
            return std::nullopt;
        if (pos < s.size() && s[pos] == '.') {
            ++pos;
            const auto start = pos;
            while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
            if (pos == start) return std::nullopt;
            std::string frac(s.substr(start, std::min<std::size_t>(3, pos - start)));
            frac.resize(3, '0');
            ms = std::stoi(frac);
        }
        if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
            ++pos;
        } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
            const int sign = s[pos++] == '-' ? -1 : 1;
            int oh = 0, om = 0;
            if (!digits(s, pos, 2, oh) || !expect(s, pos, ':') || !digits(s, pos, 2, om)) return std::nullopt;
            offset = minutes(sign * (oh * 60 + om));
        }
        if (pos != s.size()) return std::nullopt;
    }
    return store::time_point(sys_days(ymd) + hours(h) + minutes(mi) + seconds(sec) + milliseconds(ms) - offset);
}

}  // namespace chainbot::audit
