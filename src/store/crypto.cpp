#include "store/crypto.hpp"

#include "store/errors.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <chrono>
#include <cstdint>

namespace chainbot::store {

namespace {

template <std::size_t N>
std::array<unsigned char, N> random_bytes() {
    std::array<unsigned char, N> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
        throw store_error("the random generator (OpenSSL RAND_bytes) failed");
    return bytes;
}

std::string to_hex(const unsigned char* data, std::size_t size) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out.push_back(digits[data[i] >> 4]);
        out.push_back(digits[data[i] & 0x0f]);
    }
    return out;
}

}  // namespace

std::string new_uuid() {
    // Version 7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits. Ids made one
    // after another sort together, so the rows keyed by them (executions, their step runs) go to
    // the same few index pages instead of one random page each: a group commit writes and caches
    // fewer pages. The random part keeps them unguessable; the time part is not a secret.
    auto b = random_bytes<16>();
    const auto ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x70);  // version 7
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
    const std::string hex = to_hex(b.data(), b.size());
    return hex.substr(0, 8) + '-' + hex.substr(8, 4) + '-' + hex.substr(12, 4) + '-' + hex.substr(16, 4) + '-' +
           hex.substr(20);
}

std::string new_token_secret() {
    const auto b = random_bytes<32>();
    return "cbt_" + to_hex(b.data(), b.size());
}

std::string sha256_hex(std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1)
        throw store_error("SHA-256 (OpenSSL EVP_Digest) failed");
    return to_hex(digest.data(), size);
}

}  // namespace chainbot::store
