#include "http/message.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace chainbot::http {

std::string_view request::header(const std::string& name, std::string_view fallback) const {
    auto it = headers.find(name);
    return it == headers.end() ? fallback : std::string_view(it->second);
}

response response::json(int status, std::string body) {
    response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

response response::error(int status, std::string_view code, std::string_view message,
                         boost::json::value details) {
    boost::json::object error;
    error["code"] = code;
    error["message"] = message;
    error["details"] = std::move(details);
    boost::json::object body;
    body["error"] = std::move(error);
    return json(status, boost::json::serialize(body));
}

}  // namespace chainbot::http
