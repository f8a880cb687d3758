// compute_statistics: descriptive statistics of numeric fields.
#include "agents/tasks/data_tasks.hpp"

#include "agents/tasks/numeric.hpp"
#include "agents/tasks/records.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace chainbot::agents::tasks {

namespace json = boost::json;

namespace {

constexpr std::size_t max_percentiles = 32;

std::vector<double> percentiles_of(const json::object& config) {
    const auto* v = config.if_contains("percentiles");
    if (!v || v->is_null()) return {25, 50, 75, 90, 95, 99};
    if (!v->is_array() || v->get_array().size() > max_percentiles)
        fail_validation(fmt::format("config.percentiles: expected an array of at most {} numbers from 0 to 100",
                                    max_percentiles));
    std::vector<double> out;
    for (std::size_t i = 0; i < v->get_array().size(); ++i) {
        const auto p = as_number(v->get_array()[i]);
        if (!p || *p < 0 || *p > 100)
            fail_validation(fmt::format("config.percentiles[{}]: expected a number from 0 to 100", i));
        out.push_back(*p);
    }
    return out;
}

json::object field_statistics(const json::array& records, const std::string& field,
                              const std::vector<double>& percentiles) {
    std::vector<std::pair<double, const json::value*>> values;
    std::size_t missing = 0, non_numeric = 0;
    for (const auto& r : records) {
        const auto* v = r.get_object().if_contains(field);
        if (!v || v->is_null()) {
            ++missing;
        } else if (auto d = as_number(*v)) {
            values.emplace_back(*d, v);
        } else {
            ++non_numeric;
        }
    }
    std::stable_sort(values.begin(), values.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<double> sorted;
    sorted.reserve(values.size());
    for (const auto& v : values) sorted.push_back(v.first);

    json::object stats{{"count", sorted.size()}, {"missing", missing}, {"non_numeric", non_numeric}};
    json::object pct;
    if (sorted.empty()) {
        for (const char* key : {"mean", "median", "stddev", "min", "max"}) stats[key] = nullptr;
        for (double p : percentiles) pct[fmt::format("p{}", p)] = nullptr;
    } else {
        const auto m = population_moments(sorted);
        stats["mean"] = finite(m.mean);
        stats["median"] = finite(*percentile(sorted, 50));
        stats["stddev"] = finite(m.stddev);
        stats["min"] = *values.front().second;
        stats["max"] = *values.back().second;
        for (double p : percentiles) pct[fmt::format("p{}", p)] = finite(*percentile(sorted, p));
    }
    stats["percentiles"] = std::move(pct);
    return stats;
}

}  // namespace

json::object compute_statistics(const json::value& input, const json::object& config) {
    const auto percentiles = percentiles_of(config);
    const auto requested = config_fields(config, "fields", "config.fields");
    const auto& records = records_of(input);
    require_object_records(records);

    json::object fields;
    for (const auto& f : requested ? *requested : numeric_fields(records))
        fields[f] = field_statistics(records, f, percentiles);
    return json::object{
        {"record_count", records.size()},
        {"fields", std::move(fields)},
        {"stddev_kind", "population"},
        {"percentile_method", "linear"},
    };
}

}  // namespace chainbot::agents::tasks
