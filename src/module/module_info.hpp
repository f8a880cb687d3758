#pragma once
#include <boost/json/object.hpp>

namespace chainbot {

/// @brief ABI version the module speaks, as "major.minor"; kept equal to abi/alex_module.h
/// by a test (the core does not include the C header).
inline constexpr unsigned abi_version_major = 1;
inline constexpr unsigned abi_version_minor = 2;

/// @brief The module's self-description: id, name, version, ABI version, capabilities,
/// REST endpoints and event topics.
boost::json::object describe_module();

}  // namespace chainbot
