#pragma once
// What every data task shares: reading records out of a task input within the limits, reading
// config keys with errors that name them, and JSON helpers that never produce NaN or infinity.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chainbot::agents::tasks {

/// @brief Bounds on what one task accepts.
inline constexpr std::size_t max_records = 100000;
inline constexpr std::size_t max_input_bytes = 10u * 1024u * 1024u;  ///< approximate serialized size
inline constexpr std::size_t max_input_depth = 64;
inline constexpr std::size_t max_reported_errors = 1000;

/// @brief Throws orchestrator::step_failure of kind "validation" with `message`.
[[noreturn]] void fail_validation(const std::string& message);

/// @brief The records of a task input: `input.records`, or the input itself when it is an array.
/// Throws a validation failure for any other shape or when a limit is exceeded.
/// @code const auto& recs = records_of(call.input); @endcode
const boost::json::array& records_of(const boost::json::value& input);

/// @brief Record `i` as an object; a validation failure naming `records[i]` when it is not one.
const boost::json::object& record_object(const boost::json::array& records, std::size_t i);

/// @brief Fails unless every record is an object.
void require_object_records(const boost::json::array& records);

/// @brief "null", "boolean", "number", "string", "array" or "object" (integers are numbers).
std::string_view kind_name(const boost::json::value& v) noexcept;

/// @brief A JSON number as a double; nullopt for anything else (booleans are not numbers).
std::optional<double> as_number(const boost::json::value& v) noexcept;

/// @brief A double as JSON; null when it is not finite (JSON has no NaN or infinity).
boost::json::value finite(double d);

/// @brief The field's value, or nullptr when the field is absent.
const boost::json::value* field_of(const boost::json::object& record, std::string_view field);

/// @brief A text that is equal for equal values: object keys sorted, 1 and 1.0 the same.
std::string canonical_key(const boost::json::value& v);

/// @brief A total order over JSON values: null < booleans < numbers < strings < arrays < objects.
int compare_values(const boost::json::value& a, const boost::json::value& b);

/// @brief The field names of the object records, in the order they are first seen.
std::vector<std::string> fields_seen(const boost::json::array& records);

/// @brief Fields with at least one numeric value, in the order they are first seen.
std::vector<std::string> numeric_fields(const boost::json::array& records);

// Config readers: each fails with a message naming `where` (e.g. "config.fields") when the
// value has the wrong type; absent keys give the fallback.
std::string config_string(const boost::json::object& config, std::string_view key, std::string_view where,
                          const std::string& fallback);
std::optional<double> config_number(const boost::json::object& config, std::string_view key,
                                    std::string_view where);
/// @brief A string or a list of strings; nullopt when absent.
std::optional<std::vector<std::string>> config_fields(const boost::json::object& config, std::string_view key,
                                                      std::string_view where);

}  // namespace chainbot::agents::tasks
