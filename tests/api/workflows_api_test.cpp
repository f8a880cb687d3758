// Workflows over REST: create, read, version, list, delete, and the errors clients see.
#include "api_fixture.hpp"

using namespace chainbot::test;
namespace json = boost::json;

TEST_CASE("a created workflow reads back with the same definition", "[api][workflows]") {
    api_fixture f;
    f.start();
    auto created = f.post("/api/chainbot/workflows", sum_workflow);
    REQUIRE(created.status == 201);
    const auto body = created.json().as_object();
    CHECK(body.at("name") == "sum");
    CHECK(body.at("description") == "adds a and b");
    CHECK(body.at("version") == 1);
    const std::string id(body.at("id").as_string());

    auto got = f.get("/api/chainbot/workflows/" + id);
    REQUIRE(got.status == 200);
    const auto w = got.json().as_object();
    CHECK(w.at("definition") == json::parse(sum_workflow));
    CHECK(w.at("latest_version") == 1);
    CHECK(w.at("versions").as_array().size() == 1);
    CHECK(std::string(w.at("created_at").as_string()).ends_with("Z"));
}

TEST_CASE("an invalid definition is refused with every problem at its JSON path", "[api][workflows]") {
    api_fixture f;
    f.start();
    auto r = f.post("/api/chainbot/workflows", R"({"name": "bad", "steps": [
        {"id": "a", "type": "transform", "value": 1},
        {"id": "a", "type": "transform", "value": 2},
        {"id": "c", "type": "teleport"}]})");
    REQUIRE(r.status == 400);
    CHECK(r.error_code() == "validation_error");
    std::vector<std::string> paths;
    const auto error = r.json();
    for (const auto& d : error.at("error").at("details").as_array()) paths.emplace_back(d.at("path").as_string());
    CHECK(std::find(paths.begin(), paths.end(), "$.steps[1].id") != paths.end());
    CHECK(std::find(paths.begin(), paths.end(), "$.steps[2].type") != paths.end());
    CHECK(f.get("/api/chainbot/workflows").json().at("total") == 0);  // nothing invalid is stored
}

TEST_CASE("an update stores version 2 and older versions stay readable", "[api][workflows]") {
    api_fixture f;
    f.start();
    const auto id = f.create(sum_workflow);
    auto v2 = R"({"name": "sum v2", "steps": [{"id": "sum", "type": "transform", "value": 42}]})";
    auto updated = f.request("PUT", "/api/chainbot/workflows/" + id, v2);
    REQUIRE(updated.status == 200);
    CHECK(updated.json().at("version") == 2);

    auto latest = f.get("/api/chainbot/workflows/" + id).json();
    CHECK(latest.at("version") == 2);
    CHECK(latest.at("name") == "sum v2");
    CHECK(latest.at("definition") == json::parse(v2));
    CHECK(latest.at("versions").as_array().size() == 2);
    auto first = f.get("/api/chainbot/workflows/" + id + "?version=1").json();
    CHECK(first.at("definition") == json::parse(sum_workflow));
    CHECK(f.get("/api/chainbot/workflows/" + id + "?version=7").status == 404);
}

TEST_CASE("workflows list in pages with the total", "[api][workflows]") {
    api_fixture f;
    f.start();
    for (int i = 0; i < 5; ++i)
        f.create(R"({"name": "w)" + std::to_string(i) + R"(", "steps": [{"id": "a", "type": "transform", "value": 1}]})");
    auto page = f.get("/api/chainbot/workflows?limit=2&offset=1").json().as_object();
    CHECK(page.at("total") == 5);
    CHECK(page.at("limit") == 2);
    CHECK(page.at("offset") == 1);
    REQUIRE(page.at("items").as_array().size() == 2);
    CHECK(page.at("items").as_array()[0].at("name") == "w1");
    CHECK(f.get("/api/chainbot/workflows?limit=abc").status == 400);
    CHECK(f.get("/api/chainbot/workflows?limit=0").status == 400);
}

TEST_CASE("unknown workflows answer 404 with a JSON error", "[api][workflows]") {
    api_fixture f;
    f.start();
    for (auto r : {f.get("/api/chainbot/workflows/nope"), f.request("DELETE", "/api/chainbot/workflows/nope"),
                   f.request("PUT", "/api/chainbot/workflows/nope", sum_workflow),
                   f.post("/api/chainbot/workflows/nope/execute", "{}")}) {
        INFO(r.body);
        CHECK(r.status == 404);
        CHECK(r.error_code() == "not_found");
    }
}

TEST_CASE("malformed JSON is 400 invalid_json and a non-JSON body is 415", "[api][workflows]") {
    api_fixture f;
    f.start();
    auto broken = f.post("/api/chainbot/workflows", R"({"name": "x", "steps": [)");
    CHECK(broken.status == 400);
    CHECK(broken.error_code() == "invalid_json");
    CHECK(f.post("/api/chainbot/workflows", "").error_code() == "invalid_json");
    auto text = f.post("/api/chainbot/workflows", sum_workflow, {{"Content-Type", "text/plain"}});
    CHECK(text.status == 415);
    CHECK(text.error_code() == "unsupported_media_type");
    // A JSON media type with parameters is JSON.
    CHECK(f.post("/api/chainbot/workflows", sum_workflow, {{"Content-Type", "application/json; charset=utf-8"}}).status ==
          201);
}

TEST_CASE("a deleted workflow is gone", "[api][workflows]") {
    api_fixture f;
    f.start();
    const auto id = f.create(sum_workflow);
    CHECK(f.request("DELETE", "/api/chainbot/workflows/" + id).status == 204);
    CHECK(f.get("/api/chainbot/workflows/" + id).status == 404);
}
