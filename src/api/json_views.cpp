#include "api/json_views.hpp"

#include "audit/secret_masker.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>

namespace chainbot::api {

namespace json = boost::json;

std::string iso8601(store::time_point t) {
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss time{t - day};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), time.hours().count(),
                       time.minutes().count(), time.seconds().count(), time.subseconds().count());
}

json::value iso8601(const std::optional<store::time_point>& t) {
    return t ? json::value(iso8601(*t)) : json::value(nullptr);
}

json::value stored_json(const std::optional<std::string>& text) {
    if (!text) return nullptr;
    boost::system::error_code ec;
    auto v = json::parse(*text, ec);
    return ec ? json::value(*text) : v;
}

json::object to_json(const store::workflow& w) {
    return {{"id", w.id},
            {"name", w.name},
            {"description", w.description},
            {"latest_version", w.latest_version},
            {"created_at", iso8601(w.created_at)},
            {"updated_at", iso8601(w.updated_at)}};
}

json::object to_json(const store::workflow_version& v) {
    return {{"id", v.workflow_id},
            {"name", v.name},
            {"description", v.description},
            {"version", v.version},
            {"created_at", iso8601(v.created_at)},
            {"definition", stored_json(v.definition)}};
}

namespace {

// An execution's input as readers see it: the values of top-level members whose name looks
// secret (the ${api_token} a workflow takes from its input) masked. The store keeps the input
// as given: a resumed execution needs it.
json::value input_view(const std::string& text) {
    auto v = stored_json(text);
    if (!v.is_object()) return v;
    static const audit::secret_masker masker;
    for (auto& kv : v.as_object())
        if (masker.is_secret_key(kv.key())) kv.value() = audit::masked;
    return v;
}

}  // namespace

json::object to_json(const store::execution& e) {
    auto optional_text = [](const std::optional<std::string>& s) { return s ? json::value(*s) : json::value(nullptr); };
    return {{"id", e.id},
            {"execution_id", e.id},
            {"workflow_id", e.workflow_id},
            {"workflow_version", e.workflow_version},
            {"status", store::to_string(e.status)},
            {"input", input_view(e.input)},
            {"output", stored_json(e.output)},
            {"error", optional_text(e.error)},
            {"idempotency_key", optional_text(e.idempotency_key)},
            {"created_at", iso8601(e.created_at)},
            {"updated_at", iso8601(e.updated_at)},
            {"started_at", iso8601(e.started_at)},
            {"finished_at", iso8601(e.finished_at)},
            {"deadline_at", iso8601(e.deadline_at)}};
}

json::object to_json(const store::step_run& s) {
    return {{"id", s.id},
            {"step_id", s.step_id},
            {"attempt", s.attempt},
            {"status", store::to_string(s.status)},
            {"input", stored_json(s.input)},
            {"output", stored_json(s.output)},
            {"error", s.error ? json::value(*s.error) : json::value(nullptr)},
            {"idempotency_key", s.idempotency_key},
            {"created_at", iso8601(s.created_at)},
            {"started_at", iso8601(s.started_at)},
            {"finished_at", iso8601(s.finished_at)}};
}

}  // namespace chainbot::api
