#include "invoke_command.hpp"

#include "command_line.hpp"
#include "config_manager.hpp"
#include "event_bus.hpp"
#include "host_services_adapter.hpp"
#include "log_sink.hpp"
#include "module_config_builder.hpp"
#include "module_error.hpp"
#include "module_instance.hpp"
#include "module_loader.hpp"
#include "module_registry.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <memory>
#include <ostream>

namespace alex_os {

invoke_command::invoke_command(module_registry& registry, invoke_options options, std::ostream& out,
                               std::ostream& err)
    : registry_(registry), options_(std::move(options)), out_(out), err_(err) {}

int invoke_command::execute() {
    const std::string& id = options_.module_id;
    const auto record = registry_.find(id);
    if (!record) {
        std::string dirs;
        for (const auto& d : registry_.search_dirs()) dirs += (dirs.empty() ? "" : ", ") + d.string();
        throw usage_error(fmt::format("'{}' is neither a command nor a known module (searched {}; registry {})", id,
                                      dirs.empty() ? "no modules directory" : dirs, registry_.registry_file().string()),
                          "command");
    }
    module_config_builder builder;
    for (const auto& spec : options_.config_files) builder.add_config_file(spec);
    for (const auto& spec : options_.settings) builder.add_setting(spec);
    for (const auto& named : builder.named_modules())
        if (named != id)
            throw option_error(fmt::format("module '{}' given in --config or --set is not the module of this command ({})",
                                           named, id));

    auto fail = [&](const std::string& message, int code) {
        err_ << "alex_os: " << message << '\n' << std::flush;
        return code;
    };
    if (!record->manifest) return fail(fmt::format("module {}: unavailable: {}", id, record->problem), 1);

    // The services `run` would give the module: its --set keys are host config keys too.
    log_sink log(err_, options_.log_level);
    event_bus bus(&log);
    config_manager config(&log);
    for (const auto& [key, value] : builder.config_keys()) config.set(key, value);
    host_services_adapter services(bus, config, log, id);

    std::unique_ptr<module_instance> module;
    command_reply reply;
    try {
        module = module_loader().load(record->manifest->library_path());
        if (!module->has_commands())
            return fail(fmt::format("module {} (ABI {}.{}) offers no commands", id,
                                    ALEX_ABI_MAJOR(module->abi_version()), ALEX_ABI_MINOR(module->abi_version())),
                        1);
        module->initialize(services.table(), boost::json::serialize(builder.build(*record->manifest)));
        reply = module->run_command(options_.command, options_.args);
    } catch (const module_error& e) {
        services.release();
        // An unknown command is bad usage; the module's message lists the ones it has.
        return fail(fmt::format("module {}: {}", id, e.what()), e.status() == ALEX_ERR_INVALID_ARGUMENT ? 2 : 1);
    }
    // Cancel what the module holds open on the bus and config before destroying it.
    services.release();
    module->destroy();

    out_ << reply.output << std::flush;
    err_ << reply.error << std::flush;
    // A process exit status is one byte: anything outside it still reads as failure.
    return reply.exit_code >= 0 && reply.exit_code <= 255 ? reply.exit_code : 1;
}

}  // namespace alex_os
