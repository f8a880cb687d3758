#include "expr/context.hpp"

#include <fmt/format.h>

#include <chrono>

namespace chainbot::expr {

context context::over(const boost::json::object& roots) {
    context ctx;
    ctx.resolve = [&roots](std::string_view name) -> const boost::json::value* { return roots.if_contains(name); };
    return ctx;
}

std::string system_clock_iso8601() {
    using namespace std::chrono;
    const auto now = time_point_cast<milliseconds>(system_clock::now());
    const auto day = floor<days>(now);
    const year_month_day ymd{day};
    const hh_mm_ss hms{now - day};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", int(ymd.year()), unsigned(ymd.month()),
                       unsigned(ymd.day()), hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                       hms.subseconds().count());
}

}  // namespace chainbot::expr
