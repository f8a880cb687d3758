#pragma once
// The distinctive secrets the tests configure (a credentials file, an api agent's auth and
// headers, the assistant's api_key). Defined once, here: every value starts with
// `cb-test-secret-`, and scripts/secret-scan.sh (called at the end of scripts/test.sh) fails
// when that prefix appears anywhere in the output of a test run (ctest's LastTest.log, the
// *.log files under the build directory). A test that needs a secret takes it from here and
// never prints it.

#include <array>
#include <string_view>

namespace chainbot::test::secrets {

/// The prefix the scan looks for.
inline constexpr std::string_view prefix = "cb-test-secret-";

/// A value of workflow.credentials_file, used in workflows as ${cb_credential}.
inline constexpr std::string_view credential = "cb-test-secret-credential-7f3a91c2";
/// An api agent's bearer token, given in the credentials file as ${cb_api_token}.
inline constexpr std::string_view api_token = "cb-test-secret-api-bearer-52c4e0d8";
/// An api agent's basic-auth password (a credential given inline in the agent config).
inline constexpr std::string_view api_password = "cb-test-secret-api-password-a18d2b6e";
/// A secret default header of an api agent ("X-Api-Key").
inline constexpr std::string_view api_header = "cb-test-secret-api-header-3b7c55f0";
/// agents.assistant.api_key.
inline constexpr std::string_view assistant_key = "cb-test-secret-assistant-key-9e6f1344";
/// A database password in a PostgreSQL URL (config masking).
inline constexpr std::string_view database_password = "cb-test-secret-db-password-0c2d7a19";
/// A secret given in an execution's input under a key that looks secret ("api_token").
inline constexpr std::string_view input_token = "cb-test-secret-input-token-6d0e4b27";
/// A string presented as a bearer token that is no token (a mistyped one is still a secret).
inline constexpr std::string_view presented_token = "cb-test-secret-presented-token-e5a90f31";

inline constexpr std::array<std::string_view, 8> all{credential,    api_token,         api_password, api_header,
                                                     assistant_key, database_password, input_token,  presented_token};

}  // namespace chainbot::test::secrets
