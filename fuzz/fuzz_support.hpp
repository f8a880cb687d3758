#pragma once
// Shared by the fuzz harnesses (fuzz/*.cpp). Each harness defines LLVMFuzzerTestOneInput and
// is built twice: as a libFuzzer target (fuzz/CMakeLists.txt, clang) and as a replay program
// over fuzz/corpus/<name>/ and fuzz/regressions/<name>/ (tests/fuzz/, any compiler, CTest
// label `fuzz`). Nothing here depends on libFuzzer.
//
// A broken invariant calls FUZZ_CHECK's failure path, which prints what broke and aborts:
// libFuzzer saves the input as a crash, the replay test fails.

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace chainbot::fuzz {

[[noreturn]] inline void invariant_broken(const char* file, int line, const char* condition, std::string_view detail) {
    std::fprintf(stderr, "\n==fuzz== invariant broken at %s:%d: %s\n", file, line, condition);
    if (!detail.empty()) std::fprintf(stderr, "==fuzz== %.*s\n", static_cast<int>(std::min<std::size_t>(detail.size(), 4000)), detail.data());
    std::fflush(stderr);
    std::abort();
}

/// @brief Reads a fuzz input piece by piece. When the bytes run out every read returns
/// zeros / empty strings, so a harness never needs to check the length itself.
class input {
public:
    input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

    bool empty() const noexcept { return pos_ >= size_; }
    std::size_t remaining() const noexcept { return size_ - pos_; }

    std::uint8_t byte() noexcept { return pos_ < size_ ? data_[pos_++] : 0; }
    bool flag() noexcept { return byte() & 1; }
    std::uint16_t u16() noexcept { return static_cast<std::uint16_t>(byte() | (byte() << 8)); }
    std::uint32_t u32() noexcept { return static_cast<std::uint32_t>(u16()) | (static_cast<std::uint32_t>(u16()) << 16); }
    /// @brief A value in [0, n) (0 when n is 0).
    std::size_t pick(std::size_t n) noexcept { return n == 0 ? 0 : byte() % n; }

    /// @brief Up to `max` bytes.
    std::string_view bytes(std::size_t max) noexcept {
        const std::size_t n = std::min(max, remaining());
        std::string_view out(reinterpret_cast<const char*>(data_ + pos_), n);
        pos_ += n;
        return out;
    }
    /// @brief The bytes up to the next `sep` (consumed, not returned), or to the end.
    std::string_view until(char sep) noexcept {
        std::string_view rest(reinterpret_cast<const char*>(data_ + pos_), remaining());
        const auto at = rest.find(sep);
        if (at == std::string_view::npos) {
            pos_ = size_;
            return rest;
        }
        pos_ += at + 1;
        return rest.substr(0, at);
    }
    /// @brief Everything not read yet.
    std::string_view rest() noexcept { return bytes(remaining()); }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

/// @brief True when `text` is valid JSON (used to check what the code under test writes).
inline bool is_json(std::string_view text, boost::json::value* out = nullptr) {
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec) return false;
    if (out) *out = std::move(v);
    return true;
}

/// @brief A JSON value's text for failure messages (cut short).
inline std::string show(const boost::json::value& v) {
    auto s = boost::json::serialize(v);
    if (s.size() > 400) s.resize(400), s += "...";
    return s;
}

}  // namespace chainbot::fuzz

#define FUZZ_CHECK(condition, detail)                                                           \
    do {                                                                                        \
        if (!(condition)) ::chainbot::fuzz::invariant_broken(__FILE__, __LINE__, #condition, (detail)); \
    } while (0)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
