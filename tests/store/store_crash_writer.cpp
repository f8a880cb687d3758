// Helper for the crash test: opens the store at argv[1] and writes forever. Each round
// stores a workflow (two tables) and an audit entry in one transaction, and only after
// the commit prints "<workflow id> <round>" and flushes. The test kills it with SIGKILL
// mid-stream and checks that every printed id survived.

#include "store/database.hpp"

#include <cstdio>
#include <exception>
#include <string>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DATABASE_URL\n", argv[0]);
        return 2;
    }
    try {
        chainbot::store::store_options options;
        options.url = argv[1];
        options.pool_size = 2;
        auto db = chainbot::store::database::open(options);
        db->migrate();
        for (long round = 0;; ++round) {
            const std::string definition = R"({"round": )" + std::to_string(round) + R"(, "steps": ["a", "b"]})";
            const auto id = db->in_transaction([&](chainbot::store::transaction& tx) {
                const auto v = tx.workflows().create({.name = "crash-" + std::to_string(round), .definition = definition});
                tx.audit().append({.action = "crash.write", .resource = v.workflow_id});
                return v.workflow_id;
            });
            std::printf("%s %ld\n", id.c_str(), round);
            std::fflush(stdout);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "store_crash_writer: %s\n", e.what());
        return 1;
    }
}
