#pragma once
// Validation rules, shared by validate_input_data and analyze_data_quality. Two forms:
//   ["required", "format"]                       the seed's list form, over every field
//   {"fields": {"email": {"required": true, "type": "string", "format": "email"}}}   per field

#include "expr/expression.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace chainbot::agents::tasks {

/// @brief The rules of one field in the detailed form.
struct field_rule {
    std::string field;
    bool required = false;
    std::optional<std::string> type;    ///< string, number, integer, boolean, array, object
    std::optional<std::string> format;  ///< email, date, uuid, url
    std::optional<expr::expression> regex;  ///< `matches(value, '<pattern>')`, compiled once
    std::optional<double> min, max;     ///< numbers: the value; strings and arrays: the length
    std::optional<boost::json::array> enum_values;
};

/// @brief Parsed `validation_rules`.
struct rule_set {
    bool all_required = false;  ///< list form "required"
    bool consistent_types = false;  ///< list form "format"
    std::vector<field_rule> fields;  ///< detailed form
};

/// @brief One broken rule.
struct violation {
    std::optional<std::string> field;  ///< none for record-level problems
    std::string rule;
    std::string message;
};

/// @brief Parses config.validation_rules (default `["required"]` when absent); fails naming the bad key.
rule_set parse_rules(const boost::json::object& config, const std::vector<std::string>& fallback = {"required"});

/// @brief Each field's most common non-null kind (kind_name); ties go to the kind seen first.
std::map<std::string, std::string> dominant_kinds(const boost::json::array& records);

/// @brief The first rule of `rule` that `value` (nullptr when absent) breaks, if any.
std::optional<violation> check_field(const field_rule& rule, const boost::json::value* value);

/// @brief Every rule the record breaks; a non-object record breaks the single rule "object".
std::vector<violation> check_record(const rule_set& rules, const boost::json::value& record,
                                    const std::map<std::string, std::string>& dominant);

/// @brief Checks every record: {"valid", "valid_count", "invalid_count", "error_count",
/// "errors_truncated", "errors": [{"record", "field", "rule", "message"}]} (at most
/// max_reported_errors listed). When `record_valid` is given it receives one flag per record.
boost::json::object validation_report(const rule_set& rules, const boost::json::array& records,
                                      std::vector<bool>* record_valid = nullptr);

}  // namespace chainbot::agents::tasks
