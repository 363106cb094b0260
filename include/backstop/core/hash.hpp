// A stable 64-bit hash for state digests and journal chains: FNV-1a over 64-bit words fed as
// values (not memory bytes), so it is the same on every platform, compiler and run.
#pragma once

#include "backstop/core/int128.hpp"

#include <cstdint>
#include <type_traits>

namespace backstop {

class StableHash {
public:
    constexpr StableHash() = default;
    constexpr explicit StableHash(std::uint64_t seed) : state_(seed) {}

    constexpr StableHash& add(std::uint64_t word) noexcept {
        for (int byte = 0; byte < 8; ++byte) {
            state_ ^= (word >> (8 * byte)) & 0xFFu;
            state_ *= 0x100000001B3ull;  // FNV-1a 64-bit prime
        }
        return *this;
    }
    constexpr StableHash& add_signed(std::int64_t value) noexcept {
        return add(static_cast<std::uint64_t>(value));
    }
    // Int128 by sign and the two 64-bit halves of its magnitude.
    constexpr StableHash& add_signed(Int128 value) noexcept {
        const detail::int128 raw = value.raw();
        const detail::uint128 magnitude = detail::magnitude_128(raw);
        add(raw < 0 ? 1u : 0u);
        add(static_cast<std::uint64_t>(magnitude));
        return add(static_cast<std::uint64_t>(magnitude >> 64));
    }

    constexpr std::uint64_t value() const noexcept { return state_; }

private:
    std::uint64_t state_ = 0xCBF29CE484222325ull;  // FNV-1a 64-bit offset basis
};

}  // namespace backstop
