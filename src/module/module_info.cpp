#include "module/module_info.hpp"

#include "module/module_commands.hpp"

#include <chainbot/module.hpp>

#include <boost/json/array.hpp>
#include <fmt/format.h>

namespace chainbot {

boost::json::object describe_module() {
    boost::json::array endpoints{
        boost::json::object{{"method", "GET"}, {"path", "/api/chainbot/health"}, {"description", "component health scores"}},
        boost::json::object{{"method", "GET"}, {"path", "/api/chainbot/info"}, {"description", "this description"}},
    };
    boost::json::array commands;
    for (const auto& c : module_command_specs())
        if (commands.empty() || commands.back().as_string() != c.name) commands.emplace_back(c.name);
    boost::json::array topics{"chainbot.module.ready", "chainbot.module.stopping", "chainbot.module.stopped",
                              "chainbot.config.changed"};
    return {{"id", module_id},
            {"name", module_name},
            {"version", CHAINBOT_VERSION},
            {"abi_version", fmt::format("{}.{}", abi_version_major, abi_version_minor)},
            {"description", "Workflow orchestration and agent management for ALEX OS"},
            {"capabilities", boost::json::array{"health", "events", "runtime_config", "commands"}},
            {"commands", std::move(commands)},
            {"endpoints", std::move(endpoints)},
            {"event_topics", std::move(topics)}};
}

}  // namespace chainbot
