#include "api/openapi.hpp"
#include "util/ascii.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>

namespace chainbot::api {

namespace json = boost::json;

namespace {

json::array path_parameters(const std::string& pattern) {
    json::array params;
    for (std::size_t open = pattern.find('{'); open != std::string::npos; open = pattern.find('{', open + 1)) {
        const auto close = pattern.find('}', open);
        if (close == std::string::npos) break;
        params.push_back(json::object{{"name", pattern.substr(open + 1, close - open - 1)},
                                      {"in", "path"},
                                      {"required", true},
                                      {"schema", {{"type", "string"}}}});
    }
    return params;
}

json::object error_schema() {
    json::object fields{{"code", json::object{{"type", "string"}}},
                        {"message", json::object{{"type", "string"}}},
                        {"details", json::object{}}};
    json::object error{{"type", "object"}, {"required", json::array{"code", "message"}}, {"properties", std::move(fields)}};
    return {{"type", "object"},
            {"required", json::array{"error"}},
            {"properties", json::object{{"error", std::move(error)}}}};
}

json::object json_content(json::object schema) {
    return {{"application/json", json::object{{"schema", std::move(schema)}}}};
}

json::object operation(const route& r) {
    const auto error_ref = json::object{{"$ref", "#/components/responses/Error"}};
    json::object responses{{"200", {{"description", "success"}}}, {"default", error_ref}};
    if (r.permission != permission::public_access) {
        responses["401"] = error_ref;
        responses["403"] = error_ref;
    }
    json::object op{{"summary", r.summary},
                    {"operationId", util::ascii_lower(r.method) + r.pattern},
                    {"x-permission", r.permission},
                    {"responses", std::move(responses)}};
    if (auto params = path_parameters(r.pattern); !params.empty()) op["parameters"] = std::move(params);
    if (r.permission == permission::public_access) op["security"] = json::array{};
    if (r.method == "POST" || r.method == "PUT")
        op["requestBody"] = json::object{{"required", false}, {"content", json_content({{"type", "object"}})}};
    return op;
}

}  // namespace

json::object openapi_document(const route_table& table) {
    json::object paths;
    for (const auto& r : table.routes()) {
        auto& item = paths[r.pattern];
        if (!item.is_object()) item = json::object{};
        item.as_object()[util::ascii_lower(r.method)] = operation(r);
    }
    return {{"openapi", "3.0.3"},
            {"info",
             {{"title", "ChainBot API"},
              {"version", CHAINBOT_VERSION},
              {"description", "Workflows, executions and metrics of the ChainBot module. Every operation names "
                              "the permission it needs in x-permission; `public` needs no token."}}},
            {"servers", json::array{json::object{{"url", "/"}}}},
            {"security", json::array{json::object{{"bearerAuth", json::array{}}}}},
            {"paths", std::move(paths)},
            {"components",
             json::object{
                 {"securitySchemes",
                  json::object{{"bearerAuth", json::object{{"type", "http"}, {"scheme", "bearer"}}}}},
                 {"schemas", json::object{{"Error", error_schema()}}},
                 {"responses",
                  json::object{{"Error", json::object{{"description", "{\"error\": {\"code\", \"message\", \"details\"}}"},
                                                      {"content", json_content({{"$ref", "#/components/schemas/Error"}})}}}}}}}};
}

void add_openapi_route(route_table& table) {
    table.add({"GET", "/api/chainbot/openapi.json", std::string(permission::public_access),
               [&table](http::request&, http::responder respond) {
                   respond(http::response::json(200, json::serialize(openapi_document(table))));
               },
               "This API's OpenAPI 3.0 description"});
}

}  // namespace chainbot::api
