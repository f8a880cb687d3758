// alex_os: the reference ALEX OS host. Parses the command line and hands over to the
// command objects of alex_os_host; see `alex_os --help`.
#include "command_line.hpp"
#include "host_paths.hpp"
#include "invoke_command.hpp"
#include "module_commands.hpp"
#include "module_config_builder.hpp"
#include "module_registry.hpp"
#include "run_command.hpp"

#include <iostream>
#include <string>
#include <vector>

#ifdef ALEX_OS_JEMALLOC
// jemalloc's options (host/CMakeLists.txt links it), read at the process's first allocation.
// Two arenas: the default, four per core, only adds resident memory on a host whose few busy
// threads (the I/O threads, the store's writer) each keep a thread cache anyway. MALLOC_CONF in
// the environment overrides this (e.g. MALLOC_CONF=narenas:4,stats_print:true). jemalloc finds
// it in the dynamic symbol table: exported here and by host/CMakeLists.txt. Freed pages go back
// to the system after 1 s instead of 10: jemalloc purges only while it is being called, so with
// the default a host that fell quiet after a burst kept the burst's pages for a while. (The soak's
// idle RSS growth that first suggested this was SQLite's per-connection page caches, since
// bounded by database.sqlite_cache_kib.) A background thread (background_thread:true) purges on
// time instead but let the soak's RSS under load reach 60 MB.
extern "C" {
__attribute__((visibility("default"))) const char* malloc_conf = "narenas:2,dirty_decay_ms:1000";
}
#endif

int main(int argc, char** argv) {
    using alex_os::parsed_command;
    parsed_command cmd;
    try {
        cmd = alex_os::command_line::parse(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const alex_os::usage_error& e) {
        std::cerr << "alex_os: " << e.what() << "\n\n" << alex_os::command_line::usage(e.topic());
        return 2;
    }
    if (cmd.what == parsed_command::kind::help) {
        std::cout << alex_os::command_line::usage(cmd.help_topic);
        return 0;
    }
    try {
        alex_os::module_registry registry(alex_os::host_paths::module_dirs(cmd.modules_dirs),
                                          alex_os::host_paths::home(cmd.home));
        alex_os::module_commands modules(registry, std::cout, std::cerr);
        switch (cmd.what) {
        case parsed_command::kind::module_list: return modules.list();
        case parsed_command::kind::module_register: return modules.register_module(cmd.argument);
        case parsed_command::kind::module_unregister: return modules.unregister_module(cmd.argument);
        case parsed_command::kind::module_info: return modules.info(cmd.argument);
        case parsed_command::kind::run: return alex_os::run_command(registry, cmd.run, std::cout, std::cerr).execute();
        case parsed_command::kind::module_command:
            return alex_os::invoke_command(registry, cmd.invoke, std::cout, std::cerr).execute();
        case parsed_command::kind::help: break;
        }
    } catch (const alex_os::usage_error& e) {
        std::cerr << "alex_os: " << e.what() << "\n\n" << alex_os::command_line::usage(e.topic());
        return 2;
    } catch (const alex_os::option_error& e) {
        const bool command = cmd.what == parsed_command::kind::module_command;
        std::cerr << "alex_os: " << e.what() << "\n\n" << alex_os::command_line::usage(command ? "command" : "run");
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "alex_os: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
