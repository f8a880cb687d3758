#include "store/migrate_command.hpp"

#include "store/database.hpp"
#include "store/errors.hpp"

#include "config/settings.hpp"

#include <ostream>

namespace chainbot::store {

int run_migrate_command(const config::database_settings& db, std::ostream& out, std::ostream& err) {
    try {
        auto store = database::open(store_options::from(db));
        const auto result = store->migrate();
        if (result.applied.empty()) {
            out << "database " << store->masked_url() << " is up to date (schema version " << result.to_version
                << ")\n";
            return 0;
        }
        for (const auto& name : result.applied) out << "applied migration " << name << '\n';
        out << "database " << store->masked_url() << " migrated from schema version " << result.from_version << " to "
            << result.to_version << '\n';
        return 0;
    } catch (const std::exception& e) {
        err << "chainbot migrate: " << e.what() << '\n';
        return 1;
    }
}

}  // namespace chainbot::store
