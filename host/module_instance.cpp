#include "module_instance.hpp"

#include "module_error.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
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

bool module_instance::has_commands() const noexcept {
    return ALEX_HAS_MEMBER(alex_module_api, &api_, run_command) && api_.run_command != nullptr;
}

command_reply module_instance::run_command(const std::string& command, const std::vector<std::string>& args) {
    if (!has_commands())
        throw module_error(ALEX_ERR_INCOMPATIBLE, fmt::format("the module (ALEX ABI {}.{}) offers no commands",
                                                              ALEX_ABI_MAJOR(api_.abi_version),
                                                              ALEX_ABI_MINOR(api_.abi_version)));
    boost::json::array arg_list;
    for (const auto& a : args) arg_list.emplace_back(a);
    const std::string request =
        boost::json::serialize(boost::json::object{{"command", command}, {"args", std::move(arg_list)}});
    char* json = nullptr;
    check("run_command", api_.run_command(module_, request.c_str(), &json));
    if (json == nullptr) throw module_error(ALEX_ERR_INTERNAL, "run_command failed: the module returned no result");
    const std::string text(json);
    api_.free_string(json);

    boost::system::error_code ec;
    const auto doc = boost::json::parse(text, ec);
    const auto* root = ec ? nullptr : doc.if_object();
    const auto* code = root != nullptr ? root->if_contains("exit_code") : nullptr;
    if (code == nullptr || !code->is_int64())
        throw module_error(ALEX_ERR_INTERNAL, fmt::format("run_command failed: the module answered {} instead of "
                                                          "{{\"exit_code\": n, \"output\": ..., \"error\": ...}}",
                                                          text));
    command_reply reply;
    reply.exit_code = static_cast<int>(code->get_int64());
    if (const auto* out = root->if_contains("output"); out != nullptr && out->is_string())
        reply.output = std::string(out->get_string());
    if (const auto* err = root->if_contains("error"); err != nullptr && err->is_string())
        reply.error = std::string(err->get_string());
    return reply;
}

void module_instance::destroy() noexcept {
    if (module_ == nullptr) return;
    api_.destroy(&module_);
    module_ = nullptr;
    running_ = false;
}

}  // namespace alex_os
