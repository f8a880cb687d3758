#include "command_line.hpp"

#include "log_sink.hpp"

#include <fmt/format.h>

#include <map>

namespace alex_os {
namespace {

constexpr const char* global_options =
    "global options (anywhere on the line):\n"
    "  --modules-dir DIR   search DIR for module folders (repeatable). Default: the colon\n"
    "                      list $ALEX_OS_MODULES_DIR, else those of <exe dir>/modules,\n"
    "                      <exe dir>/../lib/alex_os/modules, /usr/lib/alex_os/modules\n"
    "  --home DIR          where modules.json (the registered modules) is kept. Default:\n"
    "                      $ALEX_OS_HOME, else $XDG_STATE_HOME/alex_os, else ~/.local/state/alex_os\n"
    "  --log-level LEVEL   debug, info, warning, error or critical (default info;\n"
    "                      warning for module commands)\n"
    "  -h, --help          help (after a command: that command's help)\n";

const std::map<std::string, std::string, std::less<>>& usages() {
    static const std::map<std::string, std::string, std::less<>> texts{
        {"",
         "usage: alex_os [global options] <command> [options]\n\n"
         "commands:\n"
         "  module list                 list discovered and registered modules\n"
         "  module register <id|path>   record a module, by id or by the path of its folder\n"
         "  module unregister <id>      forget a registered module\n"
         "  module info <id>            load a module and print its info JSON\n"
         "  run [options]               run every registered and discovered module\n"
         "  <module> <command> [args]   run one command of a module without starting it,\n"
         "                              e.g. `chainbot migrate`; `<module> help` lists them\n"
         "  help [command]              help for a command (`help command`: module commands)\n\n"},
        {"module",
         "usage: alex_os module <list|register|unregister|info> [args]\n\n"
         "  module list                 id, state, version, ABI and folder of every module\n"
         "  module register <id|path>   record a module in <home>/modules.json\n"
         "  module unregister <id>      remove it from <home>/modules.json\n"
         "  module info <id>            load the module and print get_module_info\n\n"
         "A module is a folder holding module.json beside its library:\n"
         "  {\"id\": \"chainbot\", \"name\": \"ChainBot\", \"library\": \"libchainbot.so\",\n"
         "   \"abi_version\": \"1.0\", \"version\": \"0.1.0\", \"default_config\": \"default.yaml\"}\n\n"},
        {"module list",
         "usage: alex_os module list\n\n"
         "Lists registered and discovered modules (one line per id; a registration wins).\n\n"},
        {"module register",
         "usage: alex_os module register <id|path-to-module-folder>\n\n"
         "Records the module in <home>/modules.json; an id is searched in the modules\n"
         "directories. Registering again updates the recorded folder.\n\n"},
        {"module unregister",
         "usage: alex_os module unregister <id>\n\nRemoves the module from <home>/modules.json.\n\n"},
        {"module info",
         "usage: alex_os module info <id>\n\n"
         "Loads the module (without initializing it) and prints its get_module_info JSON.\n\n"},
        {"run",
         "usage: alex_os run [--config [MODULE=]PATH]... [--set MODULE.section.key=VALUE]...\n"
         "                   [--watch PATTERN]... [--console] [--log-level LEVEL]\n\n"
         "Loads every registered and discovered module, initializes and starts them in\n"
         "order, and on SIGINT or SIGTERM (or `quit` on the console) stops them in reverse\n"
         "order and destroys them.\n\n"
         "  --config [MODULE=]PATH   config file for MODULE, or for every module without\n"
         "                           MODULE=; repeatable, later wins (\"config_files\")\n"
         "  --set M.section.key=V    inline setting of module M; V is JSON when it parses,\n"
         "                           else a string (--set chainbot.api.port=8001); also the\n"
         "                           host config key M.section.key\n"
         "  --watch PATTERN          print events whose topic matches PATTERN (`*` any run,\n"
         "                           `?` one character) as \"<topic> <json>\"; repeatable\n"
         "  --console                read commands from stdin: set <key> <json>, get <key>,\n"
         "                           publish <topic> <json>, modules, help, quit;\n"
         "                           end of input counts as quit\n\n"
         "exit status: 0 after a clean stop, 1 when a module fails, 2 for bad usage.\n\n"},
        {"command",
         "usage: alex_os [--config [MODULE=]PATH]... [--set MODULE.section.key=VALUE]...\n"
         "               <module-id> <command> [args...]\n\n"
         "Loads the module (found as for `module info`), initializes it with the\n"
         "configuration `run` would give it, without starting it, and runs one of its\n"
         "commands (ALEX ABI 1.1), e.g.\n"
         "  alex_os chainbot migrate            apply the pending database migrations\n"
         "  alex_os chainbot migrate --status   show the schema version and what is pending\n"
         "  alex_os chainbot help               list the module's commands\n\n"
         "  --config [MODULE=]PATH   config file for the module; repeatable, later wins\n"
         "  --set M.section.key=V    inline setting of the module, as for run\n"
         "                           (--set chainbot.module.data_dir=/var/lib/chainbot)\n"
         "  --log-level LEVEL        the module's log lines on stderr (default warning)\n\n"
         "Options after <command> that the host does not know go to the command; after\n"
         "`--` everything does. The command's output goes to stdout, its errors to stderr.\n\n"
         "exit status: the command's own; 1 when the module cannot be loaded or\n"
         "initialized or offers no commands (an ABI 1.0 module); 2 for bad usage (an\n"
         "unknown module or command).\n\n"},
    };
    return texts;
}

bool takes_value(std::string_view name) {
    return name == "modules-dir" || name == "home" || name == "log-level" || name == "config" || name == "set" ||
           name == "watch";
}

bool run_only(std::string_view name) { return name == "watch" || name == "console"; }

// Options of `run` and of module commands: the module's configuration.
bool config_option(std::string_view name) { return name == "config" || name == "set"; }

// Anything else in the first place is a module id: `alex_os <module-id> <command>`.
bool builtin_command(std::string_view name) { return name == "module" || name == "run" || name == "help"; }

bool module_command(const std::vector<std::string>& positionals) {
    return positionals.size() >= 2 && !builtin_command(positionals[0]);
}

std::string topic_of(const std::vector<std::string>& positionals) {
    if (positionals.empty()) return "";
    if (module_command(positionals)) return "command";
    if (positionals[0] == "module" && positionals.size() > 1 && usages().count("module " + positionals[1]) != 0)
        return "module " + positionals[1];
    return usages().count(positionals[0]) != 0 ? positionals[0] : "";
}

}  // namespace

std::string command_line::usage(std::string_view topic) {
    const auto it = usages().find(topic);
    if (it == usages().end()) throw usage_error(fmt::format("no help on '{}'", topic), "");
    return it->second + global_options;
}

parsed_command command_line::parse(const std::vector<std::string>& args) {
    parsed_command cmd;
    std::vector<std::string> positionals;
    std::vector<std::string> run_only_seen;
    std::vector<std::string> config_seen;
    std::optional<int32_t> log_level;
    bool help = false;
    bool options_done = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        // After `<module-id> <command>`, an option the host does not know is the command's.
        const bool command_args = module_command(positionals);
        if (options_done || arg.empty() || arg[0] != '-' || arg == "-") {
            positionals.push_back(arg);
            continue;
        }
        if (arg == "--") {
            options_done = true;
            continue;
        }
        if (arg == "-h" || arg == "--help") {
            help = true;
            continue;
        }
        const auto eq = arg.find('=');
        const std::string name = arg.rfind("--", 0) == 0
                                     ? arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2)
                                     : std::string();
        if (name.empty() || (!takes_value(name) && name != "console")) {
            if (command_args) {
                positionals.push_back(arg);
                continue;
            }
            throw usage_error(fmt::format("unknown option '{}'", name.empty() ? arg : "--" + name),
                              topic_of(positionals));
        }
        std::optional<std::string> value;
        if (eq != std::string::npos) value = arg.substr(eq + 1);
        if (takes_value(name) && !value) {
            if (i + 1 >= args.size())
                throw usage_error(fmt::format("option '--{}' needs a value", name), topic_of(positionals));
            value = args[++i];
        }
        if (!takes_value(name) && value)
            throw usage_error(fmt::format("option '--{}' takes no value", name), topic_of(positionals));
        if (run_only(name)) run_only_seen.push_back("--" + name);
        if (config_option(name)) config_seen.push_back("--" + name);

        if (name == "modules-dir") cmd.modules_dirs.emplace_back(*value);
        else if (name == "home") cmd.home = std::filesystem::path(*value);
        else if (name == "log-level") {
            const auto level = log_sink::parse_level(*value);
            if (!level)
                throw usage_error(fmt::format("--log-level {}: expected debug, info, warning, error or critical", *value),
                                  topic_of(positionals));
            log_level = *level;
        } else if (name == "config") cmd.run.config_files.push_back(*value);
        else if (name == "set") cmd.run.settings.push_back(*value);
        else if (name == "watch") {
            if (value->empty()) throw usage_error("--watch needs a non-empty topic pattern", "run");
            cmd.run.watch_patterns.push_back(*value);
        }
        else if (name == "console") cmd.run.console = true;
    }

    if (help || (!positionals.empty() && positionals[0] == "help")) {
        cmd.what = parsed_command::kind::help;
        if (!positionals.empty() && positionals[0] == "help") {
            std::string topic;
            for (std::size_t i = 1; i < positionals.size(); ++i) topic += (i > 1 ? " " : "") + positionals[i];
            cmd.help_topic = topic;
            usage(topic);  // refuse unknown topics now
        } else {
            cmd.help_topic = topic_of(positionals);
        }
        return cmd;
    }
    if (positionals.empty()) throw usage_error("no command given", "");

    const std::string& command = positionals[0];
    if (log_level) cmd.run.log_level = cmd.invoke.log_level = *log_level;
    if (command == "run") {
        if (positionals.size() > 1)
            throw usage_error(fmt::format("run takes no argument '{}'", positionals[1]), "run");
        cmd.what = parsed_command::kind::run;
        return cmd;
    }
    if (!run_only_seen.empty())
        throw usage_error(fmt::format("{} is an option of run only", run_only_seen.front()), topic_of(positionals));
    if (module_command(positionals)) {
        cmd.what = parsed_command::kind::module_command;
        cmd.invoke.module_id = positionals[0];
        cmd.invoke.command = positionals[1];
        cmd.invoke.args.assign(positionals.begin() + 2, positionals.end());
        cmd.invoke.config_files = std::move(cmd.run.config_files);
        cmd.invoke.settings = std::move(cmd.run.settings);
        return cmd;
    }
    if (!config_seen.empty())
        throw usage_error(fmt::format("{} is an option of run and of module commands only", config_seen.front()),
                          topic_of(positionals));
    if (command != "module")
        throw usage_error(fmt::format("unknown command '{}' (a module's commands: alex_os <module-id> help)", command),
                          "");
    if (positionals.size() < 2) throw usage_error("module: which one? list, register, unregister or info", "module");

    const std::string& sub = positionals[1];
    static const std::map<std::string, parsed_command::kind, std::less<>> subs{
        {"list", parsed_command::kind::module_list},
        {"register", parsed_command::kind::module_register},
        {"unregister", parsed_command::kind::module_unregister},
        {"info", parsed_command::kind::module_info}};
    const auto it = subs.find(sub);
    if (it == subs.end()) throw usage_error(fmt::format("unknown module command '{}'", sub), "module");
    cmd.what = it->second;
    const std::size_t wanted = cmd.what == parsed_command::kind::module_list ? 2 : 3;
    const std::string topic = "module " + sub;
    if (positionals.size() < wanted)
        throw usage_error(fmt::format("module {} needs {}", sub, sub == "register" ? "an id or a path" : "an id"), topic);
    if (positionals.size() > wanted)
        throw usage_error(fmt::format("module {}: unexpected argument '{}'", sub, positionals[wanted]), topic);
    if (wanted == 3) cmd.argument = positionals[2];
    return cmd;
}

}  // namespace alex_os
