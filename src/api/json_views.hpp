#pragma once
/// @file json_views.hpp
/// @brief The JSON clients see for stored records. Timestamps are ISO 8601 in UTC with
/// milliseconds ("2024-05-01T12:00:00.250Z"); stored JSON text is embedded as JSON.

#include "store/execution_repository.hpp"
#include "store/step_run_repository.hpp"
#include "store/workflow_repository.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>

namespace chainbot::api {

std::string iso8601(store::time_point t);
/// @brief The timestamp, or null.
boost::json::value iso8601(const std::optional<store::time_point>& t);
/// @brief Stored JSON text as JSON; text that does not parse stays a string; nullopt is null.
boost::json::value stored_json(const std::optional<std::string>& text);

/// @brief {id, name, description, latest_version, created_at, updated_at}
boost::json::object to_json(const store::workflow& w);
/// @brief {id, name, description, version, created_at, definition}
boost::json::object to_json(const store::workflow_version& v);
/// @brief {id, execution_id, workflow_id, workflow_version, status, input, output, error,
/// idempotency_key, created_at, updated_at, started_at, finished_at, deadline_at}
boost::json::object to_json(const store::execution& e);
/// @brief {id, step_id, attempt, status, input, output, error, idempotency_key,
/// created_at, started_at, finished_at}
boost::json::object to_json(const store::step_run& s);

}  // namespace chainbot::api
