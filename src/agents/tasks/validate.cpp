// validate_input_data: every record checked against the rules, errors per record and field.
#include "agents/tasks/data_tasks.hpp"

#include "agents/tasks/records.hpp"
#include "agents/tasks/rules.hpp"

namespace chainbot::agents::tasks {

namespace json = boost::json;

json::object validation_report(const rule_set& rules, const json::array& records, std::vector<bool>* record_valid) {
    const auto dominant = rules.consistent_types ? dominant_kinds(records) : std::map<std::string, std::string>{};
    if (record_valid) record_valid->assign(records.size(), true);
    json::array errors;
    std::size_t valid = 0, error_count = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto broken = check_record(rules, records[i], dominant);
        if (broken.empty()) ++valid;
        else if (record_valid) (*record_valid)[i] = false;
        for (const auto& v : broken) {
            ++error_count;
            if (errors.size() >= max_reported_errors) continue;
            json::value field = nullptr;
            if (v.field) field = *v.field;
            errors.push_back(json::object{
                {"record", i}, {"field", std::move(field)}, {"rule", v.rule}, {"message", v.message}});
        }
    }
    return json::object{
        {"valid", valid == records.size()},
        {"valid_count", valid},
        {"invalid_count", records.size() - valid},
        {"error_count", error_count},
        {"errors_truncated", error_count > errors.size()},
        {"errors", std::move(errors)},
    };
}

json::object validate_input_data(const json::value& input, const json::object& config) {
    const auto rules = parse_rules(config);
    const auto& records = records_of(input);
    auto report = validation_report(rules, records);
    report["records"] = records;
    return report;
}

}  // namespace chainbot::agents::tasks
