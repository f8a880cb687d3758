#include "json_pretty.hpp"

#include <boost/json/serialize.hpp>

namespace alex_os {

std::string json_pretty::format(const boost::json::value& value) {
    std::string out;
    write(out, value, 0);
    return out;
}

void json_pretty::write(std::string& out, const boost::json::value& value, int depth) {
    const std::string indent(static_cast<std::size_t>(depth + 1) * 2, ' ');
    const std::string closing(static_cast<std::size_t>(depth) * 2, ' ');
    if (value.is_object() && !value.get_object().empty()) {
        out += "{\n";
        bool first = true;
        for (const auto& [key, member] : value.get_object()) {
            out += first ? "" : ",\n";
            first = false;
            out += indent + boost::json::serialize(boost::json::value(key)) + ": ";
            write(out, member, depth + 1);
        }
        out += "\n" + closing + "}";
    } else if (value.is_array() && !value.get_array().empty()) {
        out += "[\n";
        bool first = true;
        for (const auto& item : value.get_array()) {
            out += first ? "" : ",\n";
            first = false;
            out += indent;
            write(out, item, depth + 1);
        }
        out += "\n" + closing + "]";
    } else {
        out += boost::json::serialize(value);
    }
}

}  // namespace alex_os
