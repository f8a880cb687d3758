#pragma once
// The data_processor task library: pure functions over JSON records, described with worked
// examples in docs/data_processor_tasks.md. Each takes the task input (`{"records": [...]}` or an
// array of records) and the step's config, and throws orchestrator::step_failure of kind
// "validation", naming the field or record, for bad input or config.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace chainbot::agents::tasks {

/// @brief Checks records against `validation_rules`; returns valid, records, counts and errors.
/// @code validate_input_data(input, {{"validation_rules", {"required", "format"}}}) @endcode
boost::json::object validate_input_data(const boost::json::value& input, const boost::json::object& config);

/// @brief Applies `transformation` ("normalize") or `operations` in order; returns records, count, operations.
boost::json::object transform_data(const boost::json::value& input, const boost::json::object& config);

/// @brief Completeness, validity, uniqueness and quality_score = 0.65 c + 0.2 v + 0.15 u, in [0, 1].
boost::json::object analyze_data_quality(const boost::json::value& input, const boost::json::object& config);

/// @brief Count, mean, median, population stddev, min, max and linearly interpolated percentiles per field.
boost::json::object compute_statistics(const boost::json::value& input, const boost::json::object& config);

/// @brief Groups by `group_by` and computes `aggregations` (sum, avg, count, min, max); groups sorted by key.
boost::json::object aggregate(const boost::json::value& input, const boost::json::object& config);

/// @brief validate (required) -> drop invalid -> deduplicate -> min-max normalize.
boost::json::object basic_processing(const boost::json::value& input, const boost::json::object& config);

/// @brief validate -> drop invalid -> deduplicate -> statistics and quality -> z-score normalize.
boost::json::object advanced_processing(const boost::json::value& input, const boost::json::object& config);

}  // namespace chainbot::agents::tasks
