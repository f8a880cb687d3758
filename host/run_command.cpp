#include "run_command.hpp"

#include "config_manager.hpp"
#include "console.hpp"
#include "event_bus.hpp"
#include "log_sink.hpp"
#include "memory_allocator.hpp"
#include "module_config_builder.hpp"
#include "module_registry.hpp"
#include "module_supervisor.hpp"
#include "shutdown_signal.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <mutex>
#include <ostream>
#include <thread>

namespace alex_os {
namespace {

// Feeds lines from `fd` to the console until quit, end of input or `stop`.
void read_console(int fd, console& commands, std::mutex& out_mutex, std::ostream& out, const std::atomic<bool>& stop,
                  shutdown_signal& shutdown) {
    std::string pending;
    char buffer[4096];
    while (!stop) {
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, 100);
        if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
        const ssize_t n = ready < 0 ? -1 : ::read(fd, buffer, sizeof buffer);
        if (n > 0) pending.append(buffer, static_cast<std::size_t>(n));
        // At end of input the last line counts even without its newline.
        if (n <= 0 && !pending.empty() && pending.back() != '\n') pending += '\n';
        std::size_t eol;
        while ((eol = pending.find('\n')) != std::string::npos) {
            const console::reply reply = commands.execute(std::string_view(pending).substr(0, eol));
            pending.erase(0, eol + 1);
            if (!reply.text.empty()) {
                std::lock_guard lock(out_mutex);
                out << reply.text << std::flush;
            }
            if (reply.quit) {
                shutdown.request();
                return;
            }
        }
        if (n <= 0) break;
    }
    shutdown.request();  // end of input ends the run like `quit`
}

}  // namespace

run_command::run_command(module_registry& registry, run_options options, std::ostream& out, std::ostream& err,
                         int input_fd)
    : options_(std::move(options)), registry_(registry), out_(out), err_(err), input_fd_(input_fd) {}

int run_command::execute() {
    module_config_builder builder;
    for (const auto& spec : options_.config_files) builder.add_config_file(spec);
    for (const auto& spec : options_.settings) builder.add_setting(spec);

    std::vector<std::string> problems;
    const auto records = registry_.list(&problems);
    for (const auto& id : builder.named_modules())
        if (std::none_of(records.begin(), records.end(), [&](const module_record& r) { return r.id == id; }))
            throw option_error(fmt::format("module '{}' given in --config or --set is not known", id));

    // Before any thread exists, so that every thread inherits the blocked signals.
    shutdown_signal shutdown;
    log_sink log(err_, options_.log_level);
    for (const auto& p : problems) log.write(ALEX_LOG_WARNING, "host", p);
    std::mutex out_mutex;  // outlives the bus, whose watchers print under it
    event_bus bus(&log);
    config_manager config(&log);
    for (const auto& [key, value] : builder.config_keys()) config.set(key, value);

    for (const auto& pattern : options_.watch_patterns)
        bus.subscribe(pattern, [&](const std::string& topic, const std::string& json) {
            std::lock_guard lock(out_mutex);
            out_ << topic << ' ' << json << '\n' << std::flush;
        });

    module_supervisor modules(bus, config, log);
    auto fail = [&](const std::exception& e) {
        err_ << "alex_os: " << e.what() << '\n' << std::flush;
        return 1;
    };
    try {
        for (const auto& r : records) {
            if (!r.manifest) throw std::runtime_error(fmt::format("module {}: unavailable: {}", r.id, r.problem));
            modules.load(*r.manifest);
        }
        modules.initialize_all([&](const module_manifest& m) { return boost::json::serialize(builder.build(m)); });
        modules.start_all();
    } catch (const std::exception& e) {
        modules.destroy_all();
        return fail(e);
    }
    if (modules.size() == 0) log.write(ALEX_LOG_WARNING, "host", "no modules to run");
    log.write(ALEX_LOG_INFO, "host",
              fmt::format("running {} module(s), memory allocator: {}; SIGINT or SIGTERM stops", modules.size(),
                          memory_allocator()));

    std::atomic<bool> stop_console{false};
    std::thread console_thread;
    console commands(config, bus, modules);
    if (options_.console)
        console_thread = std::thread([&] { read_console(input_fd_, commands, out_mutex, out_, stop_console, shutdown); });

    const int signal = shutdown.wait();
    log.write(ALEX_LOG_INFO, "host", signal != 0 ? fmt::format("signal {} received, stopping", signal) : "stopping");
    stop_console = true;
    if (console_thread.joinable()) console_thread.join();

    const bool clean = modules.stop_all();
    // Events published while stopping still reach the watchers.
    bus.wait_idle(std::chrono::seconds(2));
    modules.destroy_all();
    bus.wait_idle(std::chrono::seconds(2));
    return clean ? 0 : 1;
}

}  // namespace alex_os
