// What every fuzz target shares: a reader that turns libFuzzer's bytes into the values an
// operation needs, and the check that stops the run when an invariant fails.
//
// The reader never fails: past the end of the input it yields zeros, so every input decodes to
// some operation sequence and a shorter input is a prefix of the same sequence (libFuzzer's
// mutations then stay meaningful). Integers are edge-biased, in the manner of TigerBeetle's
// int_edge_biased: about half of the draws land on or next to a limit of the type, where the
// overflow bugs live, the rest are small numbers or raw bits.
#pragma once

#include <backstop/core/int128.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string_view>

// An invariant failed: say which (the reproducer is the input libFuzzer saves), then trap so
// that libFuzzer, ASan and a debugger all stop here. __builtin_trap, not abort: the library's own
// assertions abort, and a trap tells the two apart in a crash report.
#define FUZZ_CHECK(condition)                                                                   \
    do {                                                                                        \
        if (!(condition)) {                                                                     \
            std::fprintf(stderr, "fuzz invariant failed: %s at %s:%d\n", #condition, __FILE__,  \
                         __LINE__);                                                             \
            __builtin_trap();                                                                   \
        }                                                                                       \
    } while (false)

namespace backstop_fuzz {

class FuzzInput {
public:
    FuzzInput(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

    bool empty() const { return position_ >= size_; }
    std::size_t remaining() const { return empty() ? 0 : size_ - position_; }

    std::uint8_t byte() { return empty() ? std::uint8_t{0} : data_[position_++]; }
    bool boolean() { return (byte() & 1u) != 0; }

    // Little-endian, zero-padded past the end.
    std::uint64_t bits64() {
        std::uint64_t value = 0;
        for (int i = 0; i < 8; ++i) value |= std::uint64_t{byte()} << (8 * i);
        return value;
    }
    std::uint32_t bits32() {
        std::uint32_t value = 0;
        for (int i = 0; i < 4; ++i) value |= std::uint32_t{byte()} << (8 * i);
        return value;
    }

    // A number in [0, count), count > 0. Modulo bias does not matter to a fuzzer.
    std::uint32_t below(std::uint32_t count) { return byte() % count; }

    // Edge-biased int64: zero, small, near the limits, near powers of ten and two, or raw.
    std::int64_t int64() {
        constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
        constexpr std::int64_t min = std::numeric_limits<std::int64_t>::min();
        const std::uint8_t selector = byte();
        const auto small = static_cast<std::int64_t>(byte() % 16);
        switch (selector % 10) {
            case 0: return small;
            case 1: return -small;
            case 2: return max - small;
            case 3: return min + small;
            case 4: {  // 10^k + small, 10^k <= 10^18
                std::int64_t power = 1;
                for (int k = byte() % 19; k > 0; --k) power *= 10;
                return power + small - 8;
            }
            case 5: {  // 2^k + small, k < 63
                const int k = byte() % 63;
                return (std::int64_t{1} << k) + small - 8;
            }
            case 6: return static_cast<std::int64_t>(byte()) * 1'000'000 + small;  // whole USDC
            default: return static_cast<std::int64_t>(bits64());
        }
    }
    // Edge-biased, never negative.
    std::int64_t non_negative() {
        const std::int64_t value = int64();
        if (value >= 0) return value;
        return value == std::numeric_limits<std::int64_t>::min() ? 0 : -value;
    }

    // Edge-biased Int128 (symmetric: +-(2^127 - 1)): its maximum magnitude,
    // 2^64 +- small (where a 64-bit half carries), or raw bits; either sign.
    backstop::Int128 int128() {
        using backstop::Int128;
        const std::uint8_t shape = byte();
        Int128 magnitude;
        switch (shape % 4) {
            case 0: magnitude = std::numeric_limits<Int128>::max(); break;  // 2^127 - 1
            case 1: magnitude = (Int128(1) << 64) + Int128(byte()) - 128; break;
            default: {
                // 127 random bits: every magnitude Int128 holds (two statements: a fixed draw order).
                const auto high = static_cast<backstop::detail::uint128>(bits64());
                const backstop::detail::uint128 bits = (high << 64) | bits64();
                magnitude = Int128(static_cast<backstop::detail::int128>(bits >> 1));
            }
        }
        if (shape & 0x10) magnitude -= Int128(byte() % 4);
        return (shape & 0x80) ? Int128(-magnitude) : magnitude;
    }

    // The rest of the input as text.
    std::string_view rest() {
        if (empty()) return {};
        const std::string_view text(reinterpret_cast<const char*>(data_ + position_),
                                    size_ - position_);
        position_ = size_;
        return text;
    }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t position_ = 0;
};

}  // namespace backstop_fuzz
