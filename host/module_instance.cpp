#include "module_instance.hpp"

#include "module_error.hpp"

#include <fmt/format.h>

namespace alex_os {

module_instance::module_instance(boost::dll::shared_library library, const alex_module_api& api,
                                 alex_module* module, std::filesystem::path path)
    : library_(std::move(library)), api_(api), module_(module), path_(std::move(path)) {}

module_instance::~module_instance() { destroy(); }

void module_instance::fail(const char* operation, int32_t status) {
    std::string message = module_ != nullptr ? std::string(api_.last_error(module_)) : std::string();
    if (message.empty()) message = "no message from the module";
    throw module_error(status, fmt::format("{} failed: {} [{}]", operation, message, module_error::status_name(status)));
}

void module_instance::check(const char* operation, int32_t status) {
    if (status != ALEX_OK) fail(operation, status);
}

void module_instance::initialize(const alex_host_services* services, const std::string& config_json) {
    check("initialize", api_.initialize(module_, services, config_json.c_str()));
}

void module_instance::start() {
    check("start", api_.start(module_));
    running_ = true;
}

void module_instance::stop() {
    if (!running_) return;
    // Whatever stop answers, the host no longer counts the module as started.
    running_ = false;
    check("stop", api_.stop(module_));
}

double module_instance::health() {
    double score = 0.0;
    check("health_check", api_.health_check(module_, &score));
    return score;
}

std::string module_instance::status() {
    if (module_ == nullptr) return "destroyed";
    const char* s = api_.get_status(module_);
    return s != nullptr ? s : "unknown";
}

std::string module_instance::info() {
    char* json = nullptr;
    check("get_module_info", api_.get_module_info(module_, &json));
    if (json == nullptr) throw module_error(ALEX_ERR_INTERNAL, "get_module_info failed: the module returned no JSON");
    std::string copy(json);
    api_.free_string(json);
    return copy;
}

void module_instance::destroy() noexcept {
    if (module_ == nullptr) return;
    api_.destroy(&module_);
    module_ = nullptr;
    running_ = false;
}

}  // namespace alex_os
