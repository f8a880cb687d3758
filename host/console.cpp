#include "console.hpp"

#include "config_manager.hpp"
#include "event_bus.hpp"
#include "module_error.hpp"
#include "module_supervisor.hpp"

#include <alex_module.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <stdexcept>

namespace alex_os {
namespace {

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r\n");
    return s.substr(first, last - first + 1);
}

// Splits off the first word: returns it and leaves the trimmed rest in `rest`.
std::string_view next_word(std::string_view& rest) {
    rest = trim(rest);
    const auto end = rest.find_first_of(" \t");
    const std::string_view word = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : trim(rest.substr(end));
    return word;
}

}  // namespace

console::console(config_manager& config, event_bus& bus, module_supervisor& modules)
    : config_(config), bus_(bus), modules_(modules) {}

std::string console::help() {
    return "commands:\n"
           "  set <key> <json>        change a config key (watchers may reject it)\n"
           "  get <key>               print a config key's JSON value\n"
           "  publish <topic> <json>  publish an event on the host bus\n"
           "  modules                 status and health of each module\n"
           "  help                    this list\n"
           "  quit                    stop the modules and exit\n";
}

console::reply console::execute(std::string_view line) {
    std::string_view rest = trim(line);
    if (rest.empty() || rest.front() == '#') return {};
    const std::string_view command = next_word(rest);
    try {
        if (command == "quit" || command == "exit") return {"", true};
        if (command == "help") return {help()};
        if (command == "modules") return modules();
        if (command == "get") {
            const auto key = next_word(rest);
            if (key.empty() || !rest.empty()) return {"error: usage: get <key>\n"};
            return get(key);
        }
        if (command == "set" || command == "publish") {
            const auto first = next_word(rest);
            if (first.empty() || rest.empty()) return {fmt::format("error: usage: {} <{}> <json>\n", command,
                                                                   command == "set" ? "key" : "topic")};
            return command == "set" ? set(first, rest) : publish(first, rest);
        }
        return {fmt::format("error: unknown command '{}' (try help)\n", command)};
    } catch (const std::exception& e) {
        return {fmt::format("error: {}\n", e.what())};
    }
}

console::reply console::set(std::string_view key, std::string_view json) {
    const int32_t status = config_.set(key, json);
    if (status == ALEX_OK) return {"ok\n"};
    return {fmt::format("rejected: {} was not changed [{}]\n", key, module_error::status_name(status))};
}

console::reply console::get(std::string_view key) {
    if (auto value = config_.get(key)) return {*value + "\n"};
    return {fmt::format("{} is not set\n", key)};
}

console::reply console::publish(std::string_view topic, std::string_view json) {
    boost::system::error_code ec;
    const auto value = boost::json::parse(json, ec);
    if (ec) return {fmt::format("error: not valid JSON ({}): {}\n", ec.message(), json)};
    bus_.publish(std::string(topic), boost::json::serialize(value));
    return {"ok\n"};
}

console::reply console::modules() {
    std::string out;
    for (const auto& r : modules_.report()) {
        const std::string health = r.health ? fmt::format("{:.2f}", *r.health) : fmt::format("error ({})", r.error);
        out += fmt::format("{} status={} health={}\n", r.id, r.status, health);
    }
    return {out.empty() ? "no modules\n" : out};
}

}  // namespace alex_os
