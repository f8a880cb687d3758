#include "security/security_service.hpp"

#include "security/permissions.hpp"

#include "store/database.hpp"

namespace chainbot::security {

security_service::security_service(authenticator::store_getter store, std::shared_ptr<audit::audit_trail> trail,
                                   authenticator_options options)
    : store_(std::move(store)),
      trail_(std::move(trail)),
      auth_(std::make_shared<authenticator>(store_, std::move(options))),
      guard_(std::make_shared<access_guard>(auth_, trail_)) {}

void security_service::start(runtime& rt) {
    const auto settings = rt.settings();
    auth_->set_failure_limit(settings->security.failed_auth_limit_per_minute);
    auth_->invalidate_all();  // roles or tokens may have changed while stopped
    auth_->set_defer([&rt](std::function<void()> job) { return rt.post_blocking(std::move(job)); });

    auto db = store_();
    if (seed_default_roles(*db)) rt.log().info("security", "created the default roles viewer, operator, developer and admin");

    const std::filesystem::path data_dir = settings->module.data_dir;
    token_path_ = data_dir / admin_token_file_name;
    const auto boot = bootstrap_admin(*db, data_dir);
    if (!boot.problem.empty()) rt.log().error("security", "{}", boot.problem);
    if (!boot.created) return;
    // The issue asks for the token to be "printed once". It is not written to the log: log
    // lines travel to the host's sink, files and collectors, and a secret in a log is
    // exactly what the audit rules forbid. The log names the owner-only file instead.
    rt.log().warning("security",
                     "first start: created the administrator '{}' and its API token; the token is in {} "
                     "(readable only by its owner). Use it as 'Authorization: Bearer <token>', then keep it "
                     "safe or revoke it after issuing personal tokens.",
                     "admin", boot.token_file.string());
    if (trail_)
        trail_->record({.user_id = boot.user_id, .action = "user.bootstrap", .resource = "users/" + boot.user_id,
                        .metadata = boost::json::object{{"file", boot.token_file.string()}}});
}

void security_service::stop() noexcept { auth_->set_defer(nullptr); }

std::vector<admin_route> security_service::admin_routes() const {
    return security::admin_routes({store_, auth_, trail_});
}

}  // namespace chainbot::security
