// Int192: an exact signed sum of Int128 values, wide enough that no count of them a machine can
// hold overflows (2^62 values within +-(2^127 - 1) stay below 2^189 in magnitude). A ledger's
// audit of Int128 balances and a fund's total of Int128 allocations add up in it. Two's
// complement over a 64-bit high word and a 128-bit low word; it adds, subtracts, compares,
// narrows and prints, and does no more (no product, no quotient).
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/config.hpp"
#include "backstop/core/int128.hpp"
#include "backstop/core/wide_division.hpp"

#include <cstdint>
#include <string>
#include <type_traits>

namespace backstop {

class Int192 {
public:
    constexpr Int192() noexcept = default;
    constexpr Int192(Int128 value) noexcept  // NOLINT: implicit, a widening
        : low_(static_cast<detail::uint128>(value.raw())), high_(value.raw() < 0 ? ~std::uint64_t{0} : 0) {}
    // Signed builtins of 64 bits or fewer (always within Int128; a raw __int128 goes through Int128).
    template <class I, std::enable_if_t<std::is_integral<I>::value && std::is_signed<I>::value && sizeof(I) <= 8, int> = 0>
    constexpr Int192(I value) noexcept : Int192(Int128(value)) {}  // NOLINT: implicit, like an integer

    constexpr bool is_negative() const noexcept { return (high_ >> 63) != 0; }

    // Whether the value is within Int128's +-(2^127 - 1), and the value there.
    constexpr bool fits_int128() const noexcept {
        constexpr auto max = static_cast<detail::uint128>(detail::int128_raw_max);
        if (high_ == 0) return low_ <= max;
        return high_ == ~std::uint64_t{0} && low_ > max + 1;
    }
    constexpr Int128 to_int128() const noexcept {
        BACKSTOP_ASSERT(fits_int128(), "Int192 narrowed beyond Int128");
        return detail::int128_from_raw(static_cast<detail::int128>(low_));
    }

    // Wrapping arithmetic on the words: the sums it serves stay far inside 192 bits.
    friend constexpr Int192 operator+(Int192 a, Int192 b) noexcept {
        Int192 sum;
        sum.low_ = a.low_ + b.low_;
        sum.high_ = a.high_ + b.high_ + (sum.low_ < a.low_ ? 1 : 0);
        return sum;
    }
    friend constexpr Int192 operator-(Int192 a) noexcept {
        Int192 negated;
        negated.low_ = ~a.low_ + 1;
        negated.high_ = ~a.high_ + (negated.low_ == 0 ? 1 : 0);
        return negated;
    }
    friend constexpr Int192 operator-(Int192 a, Int192 b) noexcept { return a + (-b); }
    constexpr Int192& operator+=(Int192 b) noexcept { return *this = *this + b; }
    constexpr Int192& operator-=(Int192 b) noexcept { return *this = *this - b; }

    friend constexpr bool operator==(Int192 a, Int192 b) noexcept { return a.high_ == b.high_ && a.low_ == b.low_; }
    friend constexpr bool operator!=(Int192 a, Int192 b) noexcept { return !(a == b); }
    friend constexpr bool operator<(Int192 a, Int192 b) noexcept {
        if (a.high_ != b.high_) return a.is_negative() != b.is_negative() ? a.is_negative() : a.high_ < b.high_;
        return a.low_ < b.low_;
    }
    friend constexpr bool operator>(Int192 a, Int192 b) noexcept { return b < a; }
    friend constexpr bool operator<=(Int192 a, Int192 b) noexcept { return !(b < a); }
    friend constexpr bool operator>=(Int192 a, Int192 b) noexcept { return !(a < b); }

    // Decimal text, "-" and the digits of the magnitude.
    friend std::string to_string(Int192 value) {
        const bool negative = value.is_negative();
        const Int192 magnitude = negative ? -value : value;
        std::uint64_t digits[3] = {magnitude.high_, static_cast<std::uint64_t>(magnitude.low_ >> 64),
                                   static_cast<std::uint64_t>(magnitude.low_)};
        // Peel 19 decimal digits at a time: a division of the three words by 10^19.
        constexpr std::uint64_t chunk = 10000000000000000000ull;
        char buffer[64];
        char* end = buffer + sizeof buffer;
        char* position = end;
        while (digits[0] != 0 || digits[1] != 0) {
            std::uint64_t remainder = 0;
            for (std::uint64_t& digit : digits) digit = detail::divide_u128_by_u64(remainder, digit, chunk, remainder);
            position = detail::write_19_digits(remainder, position);
        }
        position = detail::write_decimal(digits[2], position);
        if (negative) *--position = '-';
        return std::string(position, end);
    }

private:
    detail::uint128 low_ = 0;
    std::uint64_t high_ = 0;
};

}  // namespace backstop
