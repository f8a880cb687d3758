#pragma once
/// @file security_service.hpp
/// @brief Tokens, roles and the authorization hook as a runtime service. Start it after
/// the store and the audit service, before the API.
///
/// On start: writes the default roles when the store has none, creates the first
/// administrator when there is none (admin_bootstrap.hpp: the token goes to
/// <data_dir>/admin_token, 0600), and applies security.failed_auth_limit_per_minute.
///
/// @code
///   auto audit = std::make_shared<audit::audit_service>(store_getter);
///   auto security = std::make_shared<security::security_service>(store_getter, audit->trail());
///   table.set_authorizer([security](http::request& req, const api::route& r) { return security->authorize(req, r.permission); });
///   for (auto& r : security->admin_routes()) table.add({r.method, r.pattern, r.permission, <run r.handle via run_blocking>, r.summary});
/// @endcode

#include "security/access_guard.hpp"
#include "security/admin_bootstrap.hpp"
#include "security/admin_routes.hpp"
#include "security/authenticator.hpp"

#include "runtime/runtime.hpp"

#include <filesystem>
#include <memory>

namespace chainbot::security {

class security_service final : public service {
public:
    /// @param trail where refusals and admin changes are recorded; may be null.
    security_service(authenticator::store_getter store, std::shared_ptr<audit::audit_trail> trail,
                     authenticator_options options = {});

    std::string_view name() const override { return "security"; }
    /// @brief Throws when the store cannot be read or the admin token file cannot be written.
    void start(runtime& rt) override;
    void stop() noexcept override;

    /// @brief The hook (blocking on a token cache miss; see access_guard).
    std::optional<http::response> authorize(http::request& req, std::string_view permission) {
        return guard_->authorize(req, permission);
    }
    const std::shared_ptr<access_guard>& guard() const noexcept { return guard_; }
    const std::shared_ptr<authenticator>& auth() const noexcept { return auth_; }
    std::vector<admin_route> admin_routes() const;

    /// @brief Where the first start wrote the admin token (it may no longer exist).
    std::filesystem::path admin_token_path() const { return token_path_; }

private:
    authenticator::store_getter store_;
    std::shared_ptr<audit::audit_trail> trail_;
    std::shared_ptr<authenticator> auth_;
    std::shared_ptr<access_guard> guard_;
    std::filesystem::path token_path_;
};

}  // namespace chainbot::security
