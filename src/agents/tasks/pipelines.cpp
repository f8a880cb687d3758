// basic_processing and advanced_processing: the task library's building blocks in sequence.
#include "agents/tasks/data_tasks.hpp"

#include "agents/tasks/operations.hpp"
#include "agents/tasks/records.hpp"
#include "agents/tasks/rules.hpp"

#include <fmt/format.h>

namespace chainbot::agents::tasks {

namespace json = boost::json;

namespace {

// The records that survive validation (all of them when config.drop_invalid is false) and
// deduplication, with what each stage reported.
struct cleaned {
    json::array records;
    json::object validation;
    std::size_t removed_invalid = 0;
    std::size_t removed_duplicates = 0;
};

cleaned clean(const json::value& input, const json::object& config, const std::vector<std::string>& default_rules) {
    const auto rules = parse_rules(config, default_rules);
    bool drop_invalid = true;
    if (const auto* v = config.if_contains("drop_invalid"); v && !v->is_null()) {
        if (!v->is_bool()) fail_validation(fmt::format("config.drop_invalid: expected true or false, got {}", kind_name(*v)));
        drop_invalid = v->get_bool();
    }
    const auto& records = records_of(input);
    cleaned out;
    std::vector<bool> valid;
    out.validation = validation_report(rules, records, &valid);
    for (std::size_t i = 0; i < records.size(); ++i)
        if (valid[i] || !drop_invalid) out.records.push_back(records[i]);
    out.removed_invalid = records.size() - out.records.size();
    require_object_records(out.records);
    out.removed_duplicates = deduplicate_records(out.records, std::nullopt);
    return out;
}

json::object result(cleaned&& c, json::object normalization, json::array steps) {
    const std::size_t count = c.records.size();
    return json::object{
        {"records", std::move(c.records)},
        {"count", count},
        {"validation", std::move(c.validation)},
        {"removed_invalid", c.removed_invalid},
        {"removed_duplicates", c.removed_duplicates},
        {"normalization", std::move(normalization)},
        {"steps", std::move(steps)},
    };
}

}  // namespace

json::object basic_processing(const json::value& input, const json::object& config) {
    auto c = clean(input, config, {"required"});
    auto normalization = normalize_records(c.records, "min_max", config_fields(config, "fields", "config.fields"));
    return result(std::move(c), std::move(normalization), {"validate", "deduplicate", "normalize_min_max"});
}

json::object advanced_processing(const json::value& input, const json::object& config) {
    auto c = clean(input, config, {"required", "format"});
    // Statistics and quality describe the cleaned values in their own units: after z-scoring every
    // mean would be 0 and every stddev 1.
    const json::value cleaned_input = c.records;
    auto statistics = compute_statistics(cleaned_input, config);
    auto quality = analyze_data_quality(cleaned_input, config);
    auto normalization = normalize_records(c.records, "z_score", config_fields(config, "fields", "config.fields"));
    const auto score = quality.at("quality_score");
    auto out = result(std::move(c), std::move(normalization),
                      {"validate", "deduplicate", "statistics", "analyze_quality", "normalize_z_score"});
    out["statistics"] = std::move(statistics);
    out["quality"] = std::move(quality);
    out["quality_score"] = score;
    return out;
}

}  // namespace chainbot::agents::tasks
