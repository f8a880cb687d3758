// aggregate: group by fields, then sum, avg, count, min and max per group.
#include "agents/tasks/data_tasks.hpp"

#include "agents/tasks/records.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <unordered_map>

namespace chainbot::agents::tasks {

namespace json = boost::json;

namespace {

constexpr std::size_t max_aggregations = 64;

struct aggregation {
    std::string name, op;
    std::optional<std::string> field;
};

// One aggregation's running state for one group.
struct accumulator {
    std::size_t count = 0;     // records (no field) or non-null values (with a field)
    std::size_t numbers = 0;   // numeric values
    std::int64_t int_sum = 0;  // exact while every value is an int64 and nothing overflows
    bool exact = true;
    double sum = 0, mean = 0;  // mean kept incrementally for when sum overflows
    const json::value* min = nullptr;
    const json::value* max = nullptr;

    void add(const json::value* v) {
        if (!v) {
            ++count;
            return;
        }
        if (v->is_null()) return;
        ++count;
        const auto d = as_number(*v);
        if (!d) return;
        ++numbers;
        sum += *d;
        mean += (*d - mean) / static_cast<double>(numbers);
        if (!v->is_int64() || __builtin_add_overflow(int_sum, v->get_int64(), &int_sum)) exact = false;
        if (!min || *d < *as_number(*min)) min = v;
        if (!max || *d > *as_number(*max)) max = v;
    }

    json::value result(const std::string& op) const {
        if (op == "count") return count;
        if (op == "sum") return exact ? json::value(int_sum) : finite(sum);
        if (numbers == 0) return nullptr;
        if (op == "avg") return finite(std::isfinite(sum) ? sum / static_cast<double>(numbers) : mean);
        return op == "min" ? *min : *max;
    }
};

std::vector<aggregation> aggregations_of(const json::object& config) {
    const auto* v = config.if_contains("aggregations");
    if (!v || v->is_null()) return {{"count", "count", std::nullopt}};
    if (!v->is_object() || v->get_object().empty() || v->get_object().size() > max_aggregations)
        fail_validation(fmt::format("config.aggregations: expected an object of 1 to {} entries such as "
                                    "{{\"total\": {{\"op\": \"sum\", \"field\": \"amount\"}}}}", max_aggregations));
    std::vector<aggregation> out;
    for (const auto& kv : v->get_object()) {
        const std::string name(kv.key());
        const std::string where = "config.aggregations." + name;
        if (name == "key") fail_validation(where + ": the name 'key' is reserved for the group's key");
        if (!kv.value().is_object())
            fail_validation(fmt::format("{}: expected an object {{\"op\": ..., \"field\": ...}}", where));
        const auto& spec = kv.value().get_object();
        aggregation a{name, config_string(spec, "op", where + ".op", ""), std::nullopt};
        if (a.op != "sum" && a.op != "avg" && a.op != "count" && a.op != "min" && a.op != "max")
            fail_validation(fmt::format("{}.op: expected sum, avg, count, min or max, got '{}'", where, a.op));
        auto field = config_string(spec, "field", where + ".field", "");
        if (!field.empty()) a.field = std::move(field);
        if (!a.field && a.op != "count") fail_validation(fmt::format("{}.field: required for '{}'", where, a.op));
        out.push_back(std::move(a));
    }
    return out;
}

struct group {
    std::vector<const json::value*> key;  // one per group_by field; nullptr stands for absent (null)
    std::vector<accumulator> acc;
};

}  // namespace

json::object aggregate(const json::value& input, const json::object& config) {
    const auto by = config_fields(config, "group_by", "config.group_by").value_or(std::vector<std::string>{});
    const auto aggs = aggregations_of(config);
    const auto& records = records_of(input);
    require_object_records(records);

    static const json::value null_value;
    std::vector<group> groups;
    std::unordered_map<std::string, std::size_t> index;
    for (const auto& r : records) {
        const auto& obj = r.get_object();
        std::vector<const json::value*> key;
        std::string text;
        for (const auto& f : by) {
            const auto* v = obj.if_contains(f);
            key.push_back(v ? v : &null_value);
            text += canonical_key(*key.back()) + '|';
        }
        auto [it, added] = index.try_emplace(std::move(text), groups.size());
        if (added) groups.push_back({std::move(key), std::vector<accumulator>(aggs.size())});
        auto& g = groups[it->second];
        for (std::size_t i = 0; i < aggs.size(); ++i)
            g.acc[i].add(aggs[i].field ? (obj.if_contains(*aggs[i].field) ? obj.if_contains(*aggs[i].field) : &null_value)
                                       : nullptr);
    }
    std::stable_sort(groups.begin(), groups.end(), [](const group& a, const group& b) {
        for (std::size_t i = 0; i < a.key.size(); ++i)
            if (const int c = compare_values(*a.key[i], *b.key[i]); c != 0) return c < 0;
        return false;
    });

    json::array out;
    for (const auto& g : groups) {
        json::object key;
        for (std::size_t i = 0; i < by.size(); ++i) key[by[i]] = *g.key[i];
        json::object row{{"key", std::move(key)}};
        for (std::size_t i = 0; i < aggs.size(); ++i) row[aggs[i].name] = g.acc[i].result(aggs[i].op);
        out.push_back(std::move(row));
    }
    const std::size_t count = out.size();
    return json::object{{"groups", std::move(out)}, {"group_count", count}};
}

}  // namespace chainbot::agents::tasks
