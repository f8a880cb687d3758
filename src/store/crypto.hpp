#pragma once
// Random ids and token hashing, from OpenSSL's CSPRNG and SHA-256.

#include <string>
#include <string_view>

namespace chainbot::store {

/// @brief A random (version 4) UUID in lower-case 8-4-4-4-12 form.
/// Throws store_error if the random generator fails.
std::string new_uuid();

/// @brief A fresh API token secret: "cbt_" + 64 hex digits (256 random bits).
std::string new_token_secret();

/// @brief SHA-256 of `data` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);

/// @brief What the store keeps of a token: its SHA-256. A high-entropy secret needs no
/// salt or slow hash, and a deterministic hash lets a token be found by an index lookup.
inline std::string hash_token(std::string_view secret) { return sha256_hex(secret); }

}  // namespace chainbot::store
