#pragma once
/// @file service_error.hpp
/// @brief A refused request to a component (agents, entanglements...), with the HTTP-like
/// status and code the REST layer answers with: 400 validation_error, 404 not_found,
/// 409 limit_reached or conflict, 429 queue_full, 503 unavailable or resource_limit.
/// Components stay free of HTTP. A 429 or 503 tells the caller when to try again
/// (Retry-After): `retry_after_seconds`, or the REST layer's default when 0.

#include <stdexcept>
#include <string>

namespace chainbot {

class service_error : public std::runtime_error {
public:
    service_error(int status, std::string code, const std::string& message, int retry_after_seconds = 0)
        : std::runtime_error(message), status_(status), code_(std::move(code)), retry_after_(retry_after_seconds) {}
    int status() const noexcept { return status_; }
    const std::string& code() const noexcept { return code_; }
    /// @brief Seconds the caller should wait before retrying; 0 = the REST layer's default.
    int retry_after_seconds() const noexcept { return retry_after_; }

private:
    int status_;
    std::string code_;
    int retry_after_;
};

}  // namespace chainbot
