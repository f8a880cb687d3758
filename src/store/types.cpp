#include "store/types.hpp"

#include <array>
#include <utility>

namespace chainbot::store {

namespace {

template <typename E, std::size_t N>
using name_table = std::array<std::pair<E, std::string_view>, N>;

constexpr name_table<execution_status, 7> execution_names{{{execution_status::queued, "queued"},
                                                           {execution_status::running, "running"},
                                                           {execution_status::paused, "paused"},
                                                           {execution_status::completed, "completed"},
                                                           {execution_status::failed, "failed"},
                                                           {execution_status::cancelled, "cancelled"},
                                                           {execution_status::timed_out, "timed_out"}}};
constexpr name_table<step_status, 6> step_names{{{step_status::pending, "pending"},
                                                 {step_status::running, "running"},
                                                 {step_status::completed, "completed"},
                                                 {step_status::failed, "failed"},
                                                 {step_status::skipped, "skipped"},
                                                 {step_status::cancelled, "cancelled"}}};
constexpr name_table<agent_state, 4> agent_names{{{agent_state::idle, "idle"},
                                                  {agent_state::working, "working"},
                                                  {agent_state::terminated, "terminated"},
                                                  {agent_state::error, "error"}}};
constexpr name_table<delivery_state, 4> delivery_names{{{delivery_state::pending, "pending"},
                                                        {delivery_state::delivered, "delivered"},
                                                        {delivery_state::processed, "processed"},
                                                        {delivery_state::failed, "failed"}}};

template <typename E, std::size_t N>
std::string_view name_of(const name_table<E, N>& table, E value) noexcept {
    for (const auto& [e, name] : table)
        if (e == value) return name;
    return "unknown";
}

template <typename E, std::size_t N>
std::optional<E> value_of(const name_table<E, N>& table, std::string_view name) noexcept {
    for (const auto& [e, n] : table)
        if (n == name) return e;
    return std::nullopt;
}

}  // namespace

time_point now() noexcept {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::string_view to_string(backend_kind b) noexcept { return b == backend_kind::sqlite ? "sqlite" : "postgresql"; }

std::string_view to_string(execution_status s) noexcept { return name_of(execution_names, s); }
std::string_view to_string(step_status s) noexcept { return name_of(step_names, s); }
std::string_view to_string(agent_state s) noexcept { return name_of(agent_names, s); }
std::string_view to_string(delivery_state s) noexcept { return name_of(delivery_names, s); }

std::optional<execution_status> parse_execution_status(std::string_view s) noexcept {
    return value_of(execution_names, s);
}
std::optional<step_status> parse_step_status(std::string_view s) noexcept { return value_of(step_names, s); }
std::optional<agent_state> parse_agent_state(std::string_view s) noexcept { return value_of(agent_names, s); }
std::optional<delivery_state> parse_delivery_state(std::string_view s) noexcept {
    return value_of(delivery_names, s);
}

bool is_active(execution_status s) noexcept {
    return s == execution_status::queued || s == execution_status::running || s == execution_status::paused;
}
bool is_terminal(execution_status s) noexcept { return !is_active(s); }
bool is_terminal(step_status s) noexcept { return s != step_status::pending && s != step_status::running; }

}  // namespace chainbot::store
