#pragma once
/// @file json_pretty.hpp
/// @brief Indented JSON for people (Boost.JSON 1.81 only writes compact JSON).

#include <boost/json/value.hpp>

#include <string>

namespace alex_os {

/// @brief Formats JSON with two-space indentation; keys keep their order.
class json_pretty {
public:
    [[nodiscard]] static std::string format(const boost::json::value& value);

private:
    static void write(std::string& out, const boost::json::value& value, int depth);
};

}  // namespace alex_os
