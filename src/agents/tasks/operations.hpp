#pragma once
// The record operations behind transform_data and the processing pipelines. Every function
// expects object records (transform_data checks that first) and changes `records` in place.

#include "expr/expression.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chainbot::agents::tasks {

/// @brief Replaces the numeric values of `fields` (default: every field with a numeric value) by
/// their min-max ("min_max") or z-score ("z_score") normalized values; other values stay as they are.
/// Returns {"method", "fields", "parameters": {field: {"min", "max"} or {"mean", "stddev"}}}.
boost::json::object normalize_records(boost::json::array& records, std::string_view method,
                                      const std::optional<std::vector<std::string>>& fields);

/// @brief Keeps the first of records equal on `fields` (default: the whole record); returns how many went.
std::size_t deduplicate_records(boost::json::array& records, const std::optional<std::vector<std::string>>& fields);

/// @brief Renames `from` to `to` where present, keeping the member's position; an existing `to` is replaced.
void rename_field(boost::json::array& records, const std::string& from, const std::string& to);

/// @brief Sets `field` to the expression's value over `value` (the field, null when absent) and `record`.
/// `where` names the config entry in error messages.
void map_field(boost::json::array& records, const std::string& field, const expr::expression& e,
               std::string_view where);

/// @brief Keeps the records for which the expression over `record` is truthy.
void filter_records(boost::json::array& records, const expr::expression& e, std::string_view where);

/// @brief Stable sort on `field`: null < booleans < numbers < strings < arrays < objects, with
/// missing and null values last in either order.
void sort_records(boost::json::array& records, const std::string& field, bool descending);

/// @brief Nested objects become top-level members joined by `separator` ({"a": {"b": 1}} -> {"a.b": 1});
/// arrays and empty objects stay as values.
void flatten_records(boost::json::array& records, const std::string& separator);

}  // namespace chainbot::agents::tasks
