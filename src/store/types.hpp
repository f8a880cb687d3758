#pragma once
// Vocabulary shared by the store's records: timestamps, paging and the state enums.
// Timestamps are stored as milliseconds since the Unix epoch (UTC) in BIGINT columns,
// which both backends order and compare the same way.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chainbot::store {

using time_point = std::chrono::sys_time<std::chrono::milliseconds>;

/// @brief The current time at the store's resolution.
time_point now() noexcept;

/// @brief Which database a URL selects.
enum class backend_kind { sqlite, postgresql };
std::string_view to_string(backend_kind b) noexcept;

/// @brief A window of a list: at most `limit` rows after skipping `offset`.
struct page {
    std::size_t limit = 100;
    std::size_t offset = 0;
};

/// @brief queued → running ⇄ paused → completed | failed | cancelled | timed_out.
enum class execution_status { queued, running, paused, completed, failed, cancelled, timed_out };
/// @brief pending → running → completed | failed | skipped | cancelled; one row per attempt.
enum class step_status { pending, running, completed, failed, skipped, cancelled };
enum class agent_state { idle, working, terminated, error };
/// @brief A message is pending until handed to its receiver(s), then delivered, then processed.
enum class delivery_state { pending, delivered, processed, failed };

std::string_view to_string(execution_status s) noexcept;
std::string_view to_string(step_status s) noexcept;
std::string_view to_string(agent_state s) noexcept;
std::string_view to_string(delivery_state s) noexcept;

/// @brief Parse the stored names; nullopt for a name this build does not know.
std::optional<execution_status> parse_execution_status(std::string_view s) noexcept;
std::optional<step_status> parse_step_status(std::string_view s) noexcept;
std::optional<agent_state> parse_agent_state(std::string_view s) noexcept;
std::optional<delivery_state> parse_delivery_state(std::string_view s) noexcept;

/// @brief Queued, running or paused: an execution that still holds on to its workflow.
bool is_active(execution_status s) noexcept;
/// @brief Completed, failed, cancelled or timed out.
bool is_terminal(execution_status s) noexcept;
bool is_terminal(step_status s) noexcept;

}  // namespace chainbot::store
