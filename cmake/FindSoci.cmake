# SOCI 4.0 on Debian ships neither a CMake config nor a pkg-config file.
# Creates Soci::core, Soci::sqlite3 and Soci::postgresql.
find_path(SOCI_INCLUDE_DIR soci/soci.h)
find_library(SOCI_CORE_LIBRARY soci_core)
find_library(SOCI_SQLITE3_LIBRARY soci_sqlite3)
find_library(SOCI_POSTGRESQL_LIBRARY soci_postgresql)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Soci REQUIRED_VARS SOCI_INCLUDE_DIR SOCI_CORE_LIBRARY SOCI_SQLITE3_LIBRARY
                                  SOCI_POSTGRESQL_LIBRARY)
if(Soci_FOUND AND NOT TARGET Soci::core)
  add_library(Soci::core UNKNOWN IMPORTED)
  set_target_properties(Soci::core PROPERTIES IMPORTED_LOCATION ${SOCI_CORE_LIBRARY}
                        INTERFACE_INCLUDE_DIRECTORIES ${SOCI_INCLUDE_DIR})
  add_library(Soci::sqlite3 UNKNOWN IMPORTED)
  set_target_properties(Soci::sqlite3 PROPERTIES IMPORTED_LOCATION ${SOCI_SQLITE3_LIBRARY}
                        INTERFACE_LINK_LIBRARIES "Soci::core;SQLite::SQLite3")
  add_library(Soci::postgresql UNKNOWN IMPORTED)
  # The PostgreSQL backend's headers include libpq-fe.h.
  set_target_properties(Soci::postgresql PROPERTIES IMPORTED_LOCATION ${SOCI_POSTGRESQL_LIBRARY}
                        INTERFACE_LINK_LIBRARIES "Soci::core;PostgreSQL::PostgreSQL")
endif()
mark_as_advanced(SOCI_INCLUDE_DIR SOCI_CORE_LIBRARY SOCI_SQLITE3_LIBRARY SOCI_POSTGRESQL_LIBRARY)
