// POST /webhooks/{name}: the workflow whose definition binds the name starts with the
// request body as its input; names are checked and unique among workflows.
#include "api_fixture.hpp"

using namespace chainbot::test;
namespace json = boost::json;

namespace {

std::string hooked(const std::string& name, const std::string& hook) {
    return R"({"name": ")" + name + R"(", "webhook": ")" + hook + R"(", "steps": [
        {"id": "sum", "type": "transform", "transform_type": "expression", "expression": "input.order.a + input.order.b"}]})";
}

}  // namespace

TEST_CASE("a webhook starts its bound workflow with the body as input", "[api][webhooks]") {
    api_fixture f;
    f.start();
    const auto id = f.create(hooked("orders", "orders.created"));
    f.create(sum_workflow);  // unbound workflows do not interfere

    auto r = f.post("/api/chainbot/webhooks/orders.created", R"({"order": {"a": 2, "b": 40}, "source": "shop"})");
    INFO(r.body);
    REQUIRE(r.status == 202);
    const std::string exec(r.json().at("execution_id").as_string());
    CHECK(r.json().at("workflow_id") == json::value(id));
    CHECK(r.json().at("workflow_version") == 1);
    CHECK(f.wait_for_status(exec, "completed") == "completed");
    auto stored = f.get("/api/chainbot/executions/" + exec).json();
    CHECK(stored.at("input") == json::parse(R"({"order": {"a": 2, "b": 40}, "source": "shop"})"));

    // ?wait=true answers with the outcome, as the execute route does.
    auto waited = f.post("/api/chainbot/webhooks/orders.created?wait=true", R"({"order": {"a": 1, "b": 1}})");
    INFO(waited.body);
    REQUIRE(waited.status == 200);
    CHECK(waited.json().at("status") == "completed");
    CHECK(waited.json().at("output").at("sum") == 2);
}

TEST_CASE("a webhook with an Idempotency-Key starts one execution", "[api][webhooks]") {
    api_fixture f;
    f.start();
    const auto id = f.create(hooked("orders", "orders"));
    const std::string body = R"({"order": {"a": 1, "b": 2}})";
    auto first = f.post("/api/chainbot/webhooks/orders", body, {{"Idempotency-Key", "delivery-77"}});
    auto again = f.post("/api/chainbot/webhooks/orders", body, {{"Idempotency-Key", "delivery-77"}});
    REQUIRE(first.status == 202);
    REQUIRE(again.status == 202);
    CHECK(first.json().at("execution_id") == again.json().at("execution_id"));
    CHECK(again.json().at("idempotency_key") == "delivery-77");
    CHECK(f.get("/api/chainbot/executions?workflow_id=" + id).json().at("total") == 1);
}

TEST_CASE("an unknown webhook name is 404 naming it, a non-object body 400", "[api][webhooks]") {
    api_fixture f;
    f.start();
    f.create(hooked("orders", "orders"));
    auto r = f.post("/api/chainbot/webhooks/no-such-hook", "{}");
    REQUIRE(r.status == 404);
    CHECK(r.error_code() == "not_found");
    CHECK_THAT(std::string(r.json().at("error").at("message").as_string()), Catch::Contains("'no-such-hook'"));
    auto bad = f.post("/api/chainbot/webhooks/orders", "[1, 2]");
    CHECK(bad.status == 400);
    CHECK(f.post("/api/chainbot/webhooks/orders", "{broken").status == 400);
    CHECK(f.post("/api/chainbot/webhooks/orders").status == 202);  // no body: empty input
}

TEST_CASE("a webhook name is bound by one workflow only: 409 names the holder", "[api][webhooks]") {
    api_fixture f;
    f.start();
    const auto holder = f.create(hooked("orders", "orders"));
    auto dup = f.post("/api/chainbot/workflows", hooked("copycat", "orders"));
    INFO(dup.body);
    REQUIRE(dup.status == 409);
    CHECK(dup.error_code() == "conflict");
    const std::string message(dup.json().at("error").at("message").as_string());
    CHECK_THAT(message, Catch::Contains("'orders'") && Catch::Contains(holder));

    // Updating another workflow to take the name is refused too; the holder may keep it.
    const auto other = f.create(sum_workflow);
    CHECK(f.request("PUT", "/api/chainbot/workflows/" + other, hooked("sum", "orders")).status == 409);
    CHECK(f.request("PUT", "/api/chainbot/workflows/" + holder, hooked("orders v2", "orders")).status == 200);
    // Once the holder lets go, the name is free and follows its new owner.
    CHECK(f.request("PUT", "/api/chainbot/workflows/" + holder, sum_workflow).status == 200);
    CHECK(f.request("PUT", "/api/chainbot/workflows/" + other, hooked("sum", "orders")).status == 200);
    auto r = f.post("/api/chainbot/webhooks/orders", R"({"order": {"a": 1, "b": 1}})");
    REQUIRE(r.status == 202);
    CHECK(r.json().at("workflow_id") == json::value(other));
}

TEST_CASE("an invalid webhook name is 400 at $.webhook", "[api][webhooks]") {
    api_fixture f;
    f.start();
    const std::vector<std::string> bad_names{R"("has space")", R"("")", R"("a/b")", "42", "\"" + std::string(65, 'x') + "\""};
    for (const auto& bad : bad_names) {
        CAPTURE(bad);
        auto r = f.post("/api/chainbot/workflows", R"({"name": "w", "webhook": )" + bad +
                                                       R"(, "steps": [{"id": "s", "type": "succeed"}]})");
        INFO(r.body);
        REQUIRE(r.status == 400);
        CHECK(r.error_code() == "validation_error");
        const auto error = r.json();
        bool found = false;
        for (const auto& d : error.at("error").at("details").as_array()) found = found || d.at("path") == "$.webhook";
        CHECK(found);
    }
    CHECK(f.get("/api/chainbot/workflows").json().at("total") == 0);
}
