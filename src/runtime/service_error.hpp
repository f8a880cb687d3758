#pragma once
/// @file service_error.hpp
/// @brief A refused request to a component (agents, entanglements...), with the HTTP-like
/// status and code the REST layer answers with: 400 validation_error, 404 not_found,
/// 409 limit_reached or conflict, 503 unavailable. Components stay free of HTTP.

#include <stdexcept>
#include <string>

namespace chainbot {

class service_error : public std::runtime_error {
public:
    service_error(int status, std::string code, const std::string& message)
        : std::runtime_error(message), status_(status), code_(std::move(code)) {}
    int status() const noexcept { return status_; }
    const std::string& code() const noexcept { return code_; }

private:
    int status_;
    std::string code_;
};

}  // namespace chainbot
