#pragma once
// Stops and starts the PostgreSQL server of scripts/with-postgres.sh, for the outage tests (which
// CTest runs alone: RUN_SERIAL).

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

namespace chainbot::test {

/// @brief Stops and starts the server through the pg_ctl command with-postgres.sh exports
/// (CHAINBOT_TEST_PG_CTL); the destructor starts it again if a test ends while it is down, so
/// that the tests after it find it up.
class postgresql_server {
public:
    postgresql_server() {
        const char* ctl = std::getenv("CHAINBOT_TEST_PG_CTL");
        if (ctl == nullptr || *ctl == '\0')
            FAIL("CHAINBOT_TEST_PG_CTL is not set: this test stops and restarts the PostgreSQL server and needs the "
                 "pg_ctl command that scripts/with-postgres.sh exports. Run the tests through that script.");
        ctl_ = ctl;
    }
    ~postgresql_server() {
        if (stopped_) (void)std::system((ctl_ + " start -w >/dev/null 2>&1").c_str());
    }
    postgresql_server(const postgresql_server&) = delete;
    postgresql_server& operator=(const postgresql_server&) = delete;
    void stop() {
        stopped_ = true;
        REQUIRE(std::system((ctl_ + " stop -m fast -w >/dev/null").c_str()) == 0);
    }
    void start() {
        REQUIRE(std::system((ctl_ + " start -w >/dev/null").c_str()) == 0);
        stopped_ = false;
    }

private:
    std::string ctl_;
    bool stopped_ = false;
};

}  // namespace chainbot::test
