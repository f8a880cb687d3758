// analyze_data_quality: completeness, validity and uniqueness, weighted into one quality_score.
#include "agents/tasks/data_tasks.hpp"

#include "agents/tasks/records.hpp"
#include "agents/tasks/rules.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace chainbot::agents::tasks {

namespace json = boost::json;

namespace {

struct weights {
    double completeness = 0.65, validity = 0.2, uniqueness = 0.15;
};

weights weights_of(const json::object& config) {
    weights w;
    const auto* v = config.if_contains("weights");
    if (!v || v->is_null()) return w;
    if (!v->is_object()) fail_validation(fmt::format("config.weights: expected an object, got {}", kind_name(*v)));
    for (const auto& kv : v->get_object()) {
        const std::string key(kv.key());
        const auto d = as_number(kv.value());
        if (!d || *d < 0) fail_validation(fmt::format("config.weights.{}: expected a number >= 0", key));
        if (key == "completeness") w.completeness = *d;
        else if (key == "validity") w.validity = *d;
        else if (key == "uniqueness") w.uniqueness = *d;
        else fail_validation(fmt::format("config.weights.{}: unknown (expected completeness, validity, uniqueness)", key));
    }
    const double sum = w.completeness + w.validity + w.uniqueness;
    if (!(sum > 0) || !std::isfinite(sum)) fail_validation("config.weights: the weights must add up to more than 0");
    return {w.completeness / sum, w.validity / sum, w.uniqueness / sum};
}

double ratio(std::size_t part, std::size_t whole) {
    return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

struct field_tally {
    std::size_t present = 0, valid = 0;
    std::unordered_set<std::string> distinct;
};

}  // namespace

json::object analyze_data_quality(const json::value& input, const json::object& config) {
    const auto threshold = config_number(config, "threshold", "config.threshold");
    if (threshold && (*threshold < 0 || *threshold > 1))
        fail_validation(fmt::format("config.threshold: expected a number from 0 to 1, got {}", *threshold));
    const auto w = weights_of(config);
    const auto rules = parse_rules(config, {});
    const auto& records = records_of(input);

    auto fields = fields_seen(records);
    for (const auto& rule : rules.fields)  // a required field no record has is incomplete everywhere
        if (rule.required && std::find(fields.begin(), fields.end(), rule.field) == fields.end())
            fields.push_back(rule.field);
    const auto dominant = dominant_kinds(records);

    std::map<std::string, field_tally> tallies;
    std::unordered_set<std::string> distinct_records;
    std::size_t non_objects = 0;
    for (const auto& r : records) {
        distinct_records.insert(canonical_key(r));
        if (!r.is_object()) {
            ++non_objects;
            continue;
        }
        for (const auto& kv : r.get_object()) {
            if (kv.value().is_null()) continue;
            auto& t = tallies[std::string(kv.key())];
            ++t.present;
            t.distinct.insert(canonical_key(kv.value()));
            bool ok = dominant.at(std::string(kv.key())) == kind_name(kv.value());
            for (const auto& rule : rules.fields)
                if (ok && rule.field == kv.key()) ok = !check_field(rule, &kv.value());
            t.valid += ok;
        }
    }

    const std::size_t n = records.size();
    std::size_t present = 0, valid = 0;
    json::object details;
    for (const auto& f : fields) {
        const auto& t = tallies[f];
        present += t.present;
        valid += t.valid;
        auto it = dominant.find(f);
        details[f] = json::object{
            {"present", t.present},
            {"missing_or_null", n - t.present},
            {"completeness", ratio(t.present, n)},
            {"validity", ratio(t.valid, t.present)},
            {"dominant_type", it == dominant.end() ? json::value(nullptr) : json::value(it->second)},
            {"distinct_values", t.distinct.size()},
        };
    }
    const double completeness = ratio(present, n * fields.size());
    const double validity = ratio(valid, present + non_objects);
    const double uniqueness = ratio(distinct_records.size(), n);
    const double score = std::clamp(w.completeness * completeness + w.validity * validity + w.uniqueness * uniqueness,
                                    0.0, 1.0);

    json::object out{
        {"quality_score", score},
        {"completeness", completeness},
        {"validity", validity},
        {"uniqueness", uniqueness},
        {"record_count", n},
        {"field_count", fields.size()},
        {"duplicate_count", n - distinct_records.size()},
        {"non_object_records", non_objects},
        {"weights", json::object{{"completeness", w.completeness}, {"validity", w.validity},
                                 {"uniqueness", w.uniqueness}}},
        {"fields", std::move(details)},
    };
    if (n == 0)
        out["note"] = "no records: there is nothing to measure, so quality_score is 0";
    else if (fields.empty())
        out["note"] = "the records have no fields: completeness and validity are 0";
    if (threshold) {
        out["threshold"] = *threshold;
        out["passed"] = score >= *threshold;
    }
    return out;
}

}  // namespace chainbot::agents::tasks
