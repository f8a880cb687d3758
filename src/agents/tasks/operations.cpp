#include "agents/tasks/operations.hpp"

#include "agents/tasks/numeric.hpp"
#include "agents/tasks/records.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_set>

namespace chainbot::agents::tasks {

namespace json = boost::json;

namespace {

expr::context record_context(const json::value& record, const json::value* value) {
    expr::context ctx;
    ctx.resolve = [&record, value](std::string_view root) -> const json::value* {
        if (root == "record") return &record;
        if (root == "value") return value;
        return nullptr;
    };
    return ctx;
}

void flatten_into(json::object& out, const std::string& prefix, const json::object& obj, const std::string& sep,
                  std::size_t depth) {
    for (const auto& kv : obj) {
        std::string key = prefix.empty() ? std::string(kv.key()) : prefix + sep + std::string(kv.key());
        const auto& v = kv.value();
        if (v.is_object() && !v.get_object().empty() && depth < max_input_depth)
            flatten_into(out, key, v.get_object(), sep, depth + 1);
        else
            out[key] = v;
    }
}

}  // namespace

json::object normalize_records(json::array& records, std::string_view method,
                               const std::optional<std::vector<std::string>>& fields) {
    const bool z = method == "z_score";
    const auto names = fields ? *fields : numeric_fields(records);
    json::object parameters;
    json::array applied;
    for (const auto& field : names) {
        std::vector<double> xs;
        std::vector<json::value*> slots;
        for (auto& r : records) {
            auto* v = r.get_object().if_contains(field);
            if (!v) continue;
            if (auto d = as_number(*v)) {
                xs.push_back(*d);
                slots.push_back(v);
            }
        }
        applied.emplace_back(field);
        if (xs.empty()) {
            parameters[field] = nullptr;
            continue;
        }
        if (z) {
            const auto m = population_moments(xs);
            parameters[field] = json::object{{"mean", finite(m.mean)}, {"stddev", finite(m.stddev)}};
        } else {
            // The extremes as they were written (10 stays 10, not 10.0).
            const auto [lo, hi] = std::minmax_element(xs.begin(), xs.end());
            parameters[field] = json::object{{"min", *slots[std::size_t(lo - xs.begin())]},
                                             {"max", *slots[std::size_t(hi - xs.begin())]}};
        }
        const auto scaled = z ? z_scores(xs) : min_max_scaled(xs);
        for (std::size_t i = 0; i < slots.size(); ++i) *slots[i] = finite(scaled[i]);
    }
    return json::object{{"method", z ? "z_score" : "min_max"}, {"fields", std::move(applied)},
                        {"parameters", std::move(parameters)}};
}

std::size_t deduplicate_records(json::array& records, const std::optional<std::vector<std::string>>& fields) {
    std::unordered_set<std::string> seen;
    json::array kept;
    kept.reserve(records.size());
    for (auto& r : records) {
        std::string key;
        if (fields) {
            json::array values;
            for (const auto& f : *fields) {
                const auto* v = r.get_object().if_contains(f);
                values.push_back(v ? *v : json::value(nullptr));
            }
            key = canonical_key(values);
        } else {
            key = canonical_key(r);
        }
        if (seen.insert(std::move(key)).second) kept.push_back(std::move(r));
    }
    const std::size_t removed = records.size() - kept.size();
    records = std::move(kept);
    return removed;
}

void rename_field(json::array& records, const std::string& from, const std::string& to) {
    if (from == to) return;
    for (auto& r : records) {
        auto& obj = r.get_object();
        if (!obj.contains(from)) continue;
        json::object renamed;
        renamed.reserve(obj.size());
        for (auto& kv : obj) {
            if (kv.key() == to) continue;
            renamed[kv.key() == from ? boost::json::string_view(to) : kv.key()] = std::move(kv.value());
        }
        obj = std::move(renamed);
    }
}

void map_field(json::array& records, const std::string& field, const expr::expression& e, std::string_view where) {
    static const json::value null_value;
    for (std::size_t i = 0; i < records.size(); ++i) {
        auto& obj = records[i].get_object();
        const auto* current = obj.if_contains(field);
        json::value result;
        try {
            result = e.evaluate(record_context(records[i], current ? current : &null_value));
        } catch (const expr::error& err) {
            fail_validation(fmt::format("{}: records[{}]: {}", where, i, err.what()));
        }
        obj[field] = std::move(result);
    }
}

void filter_records(json::array& records, const expr::expression& e, std::string_view where) {
    json::array kept;
    for (std::size_t i = 0; i < records.size(); ++i) {
        bool keep = false;
        try {
            keep = e.test(record_context(records[i], nullptr));
        } catch (const expr::error& err) {
            fail_validation(fmt::format("{}: records[{}]: {}", where, i, err.what()));
        }
        if (keep) kept.push_back(std::move(records[i]));
    }
    records = std::move(kept);
}

void sort_records(json::array& records, const std::string& field, bool descending) {
    auto value_of = [&](const json::value& r) -> const json::value* {
        const auto* v = r.get_object().if_contains(field);
        return (v && !v->is_null()) ? v : nullptr;
    };
    std::stable_sort(records.begin(), records.end(), [&](const json::value& a, const json::value& b) {
        const auto *x = value_of(a), *y = value_of(b);
        if (!x || !y) return x && !y;  // present before absent
        const int c = compare_values(*x, *y);
        return descending ? c > 0 : c < 0;
    });
}

void flatten_records(json::array& records, const std::string& separator) {
    for (auto& r : records) {
        json::object flat;
        flatten_into(flat, "", r.get_object(), separator, 0);
        r = std::move(flat);
    }
}

}  // namespace chainbot::agents::tasks
