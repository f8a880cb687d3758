#include "security/permissions.hpp"

#include "store/database.hpp"

#include <algorithm>

namespace chainbot::security {

bool is_known_permission(std::string_view p) noexcept {
    return std::find(permission::all.begin(), permission::all.end(), p) != permission::all.end();
}

bool grants(const std::vector<std::string>& held, std::string_view needed) noexcept {
    return std::any_of(held.begin(), held.end(),
                       [&](const std::string& h) { return h == needed || h == permission::admin; });
}

namespace {
store::role make_role(std::string name, std::string description, std::vector<std::string_view> permissions) {
    std::vector<std::string> p(permissions.begin(), permissions.end());
    std::sort(p.begin(), p.end());
    return {std::move(name), std::move(description), std::move(p)};
}
}  // namespace

std::vector<store::role> default_roles() {
    using namespace permission;
    const std::vector<std::string_view> operator_set{read, workflow_execute, agent_spawn, agent_terminate};
    auto developer_set = operator_set;
    developer_set.insert(developer_set.end(), {workflow_create, workflow_delete, entanglement_manage});
    return {
        make_role("viewer", "reads workflows, executions, agents and entanglements", {read}),
        make_role("operator", "runs workflows and spawns and terminates agents", operator_set),
        make_role("developer", "operator, plus creating and deleting workflows and managing entanglements",
                  developer_set),
        make_role("admin", "every permission, users, tokens, roles and the audit trail", {admin}),
    };
}

bool seed_default_roles(store::database& db) {
    return db.in_transaction([](store::transaction& tx) {
        if (!tx.roles().list().empty()) return false;
        for (const auto& r : default_roles()) tx.roles().put(r);
        return true;
    });
}

}  // namespace chainbot::security
