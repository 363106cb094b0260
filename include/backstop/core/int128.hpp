// Int128: the checked wide representation of money (18-decimal assets, large totals), one
// __int128 of the compiler's. Its range is symmetric, +-(2^127 - 1): -2^127 is excluded, so
// negation and absolute value never overflow and the minimum is the negated maximum.
//
// Its operators check everything: an overflow, a division by zero or a conversion that does not
// fit throws std::overflow_error (as Boost's checked_int128_t did before it). Engine paths never
// rely on that: they call checked_add, checked_sub, checked_mul and mul_div (checked_arith.hpp),
// which return an Error instead. Trivially copyable and 16 bytes: it travels in two registers.
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/config.hpp"
#include "backstop/core/wide_division.hpp"

#include <cstdint>
#include <iosfwd>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace backstop {

class Int128;

namespace detail {

constexpr int128 int128_raw_max = static_cast<int128>(~uint128{0} >> 1);  // 2^127 - 1
constexpr int128 int128_raw_excluded = -int128_raw_max - 1;               // -2^127

[[noreturn]] inline void throw_int128_overflow(const char* what) { throw std::overflow_error(what); }

// An Int128 from a raw value the caller has proved in range: no check, no throw.
constexpr Int128 int128_from_raw(int128 value) noexcept;

constexpr uint128 magnitude_128(int128 x) noexcept {
    return x < 0 ? uint128{0} - static_cast<uint128>(x) : static_cast<uint128>(x);
}
// The raw value of a magnitude (at most 2^127 - 1) with a sign, without a branch: (m ^ mask) -
// mask. A conditional negation makes gcc negate the two halves in memory and reload them whole, a
// store-forwarding stall that doubled mul_div's time.
constexpr int128 apply_sign(uint128 magnitude, bool negative) noexcept {
    const uint128 mask = uint128{0} - static_cast<uint128>(negative);
    return static_cast<int128>((magnitude ^ mask) - mask);
}

// a + b, a - b and a * b of raw values within +-(2^127 - 1), into `out`: false when the result
// leaves that range. Int128's operators throw on false, checked_add/sub/mul return an Error.
constexpr bool add_int128(int128 a, int128 b, int128& out) noexcept {
    return !__builtin_add_overflow(a, b, &out) && out != int128_raw_excluded;
}
constexpr bool sub_int128(int128 a, int128 b, int128& out) noexcept {
    return !__builtin_sub_overflow(a, b, &out) && out != int128_raw_excluded;
}
// On the magnitudes' 256-bit product. No __builtin_mul_overflow: on 128 bits clang may call
// compiler-rt's __muloti4, which libgcc does not have.
constexpr bool multiply_int128(int128 a, int128 b, int128& out) noexcept {
    const U256 product = multiply_128_by_128(magnitude_128(a), magnitude_128(b));
    const uint128 low = (static_cast<uint128>(product.digit[1]) << 64) | product.digit[0];
    if (product.high() != 0 || low > static_cast<uint128>(int128_raw_max)) return false;
    out = apply_sign(low, (a < 0) != (b < 0));
    return true;
}

// The builtin integer types an Int128 converts from and to (bool aside).
template <class T>
struct is_builtin_integer
    : std::bool_constant<(std::is_integral<T>::value && !std::is_same<T, bool>::value) ||
                         std::is_same<T, int128>::value || std::is_same<T, uint128>::value> {};

}  // namespace detail

class Int128 {
public:
    constexpr Int128() noexcept = default;

    // From any builtin integer; only a 128-bit one can be out of range.
    template <class I, std::enable_if_t<detail::is_builtin_integer<I>::value, int> = 0>
    constexpr Int128(I value) : value_(checked_raw(value)) {}  // NOLINT: implicit, like an integer

    // Truncates toward zero; a NaN, an infinity or a value out of range throws.
    explicit Int128(double value) {
        // 2^127 is exact in double; every double below it in magnitude converts exactly.
        constexpr double limit = 170141183460469231731687303715884105728.0;
        if (!(value > -limit && value < limit)) detail::throw_int128_overflow("Int128: double out of range");
        value_ = static_cast<detail::int128>(value);
    }

    constexpr detail::int128 raw() const noexcept { return value_; }

    // Narrowing: throws when the value does not fit T.
    template <class T, std::enable_if_t<detail::is_builtin_integer<T>::value, int> = 0>
    explicit constexpr operator T() const {
        // is_unsigned<unsigned __int128> is false in strict ISO mode: the 128-bit type by name.
        if constexpr (std::is_unsigned<T>::value || std::is_same<T, detail::uint128>::value) {
            if (value_ < 0 || static_cast<detail::uint128>(value_) > max_of<T>()) {
                detail::throw_int128_overflow("Int128: conversion to a narrower type");
            }
        } else if (value_ > static_cast<detail::int128>(max_of<T>()) ||
                   value_ < -static_cast<detail::int128>(max_of<T>()) - 1) {
            detail::throw_int128_overflow("Int128: conversion to a narrower type");
        }
        return static_cast<T>(value_);
    }
    explicit constexpr operator bool() const noexcept { return value_ != 0; }
    explicit constexpr operator double() const noexcept { return static_cast<double>(value_); }
    explicit constexpr operator long double() const noexcept { return static_cast<long double>(value_); }

    friend constexpr Int128 operator+(Int128 a) noexcept { return a; }
    friend constexpr Int128 operator-(Int128 a) noexcept { return detail::int128_from_raw(-a.value_); }

    friend constexpr Int128 operator+(Int128 a, Int128 b) {
        detail::int128 sum = 0;
        if (!detail::add_int128(a.value_, b.value_, sum)) detail::throw_int128_overflow("Int128: overflow in +");
        return detail::int128_from_raw(sum);
    }
    friend constexpr Int128 operator-(Int128 a, Int128 b) {
        detail::int128 difference = 0;
        if (!detail::sub_int128(a.value_, b.value_, difference)) detail::throw_int128_overflow("Int128: overflow in -");
        return detail::int128_from_raw(difference);
    }
    friend constexpr Int128 operator*(Int128 a, Int128 b) {
        detail::int128 product = 0;
        if (!detail::multiply_int128(a.value_, b.value_, product)) detail::throw_int128_overflow("Int128: overflow in *");
        return detail::int128_from_raw(product);
    }
    // Truncates toward zero, as the builtin integers do; the quotient always fits.
    friend constexpr Int128 operator/(Int128 a, Int128 b) {
        if (b.value_ == 0) detail::throw_int128_overflow("Int128: division by zero");
        return detail::int128_from_raw(a.value_ / b.value_);
    }
    // The remainder has the sign of the dividend.
    friend constexpr Int128 operator%(Int128 a, Int128 b) {
        if (b.value_ == 0) detail::throw_int128_overflow("Int128: division by zero");
        return detail::int128_from_raw(a.value_ % b.value_);
    }

    // a * 2^shift, checked; shift in [0, 127).
    friend constexpr Int128 operator<<(Int128 a, int shift) {
        if (shift < 0 || shift >= 127) detail::throw_int128_overflow("Int128: shift out of range");
        if (a.value_ == 0 || shift == 0) return a;
        const detail::uint128 x = detail::magnitude_128(a.value_);
        if (x > (static_cast<detail::uint128>(detail::int128_raw_max) >> shift)) {
            detail::throw_int128_overflow("Int128: overflow in <<");
        }
        return detail::int128_from_raw(detail::apply_sign(x << shift, a.value_ < 0));
    }
    // floor(a / 2^shift), as the builtin signed shift; shift in [0, 127).
    friend constexpr Int128 operator>>(Int128 a, int shift) {
        if (shift < 0 || shift >= 127) detail::throw_int128_overflow("Int128: shift out of range");
        return detail::int128_from_raw(a.value_ >> shift);
    }

    constexpr Int128& operator+=(Int128 b) { return *this = *this + b; }
    constexpr Int128& operator-=(Int128 b) { return *this = *this - b; }
    constexpr Int128& operator*=(Int128 b) { return *this = *this * b; }
    constexpr Int128& operator/=(Int128 b) { return *this = *this / b; }
    constexpr Int128& operator%=(Int128 b) { return *this = *this % b; }
    constexpr Int128& operator++() { return *this += 1; }
    constexpr Int128& operator--() { return *this -= 1; }

    friend constexpr bool operator==(Int128 a, Int128 b) noexcept { return a.value_ == b.value_; }
    friend constexpr bool operator!=(Int128 a, Int128 b) noexcept { return a.value_ != b.value_; }
    friend constexpr bool operator<(Int128 a, Int128 b) noexcept { return a.value_ < b.value_; }
    friend constexpr bool operator<=(Int128 a, Int128 b) noexcept { return a.value_ <= b.value_; }
    friend constexpr bool operator>(Int128 a, Int128 b) noexcept { return a.value_ > b.value_; }
    friend constexpr bool operator>=(Int128 a, Int128 b) noexcept { return a.value_ >= b.value_; }

private:
    struct RawTag {};
    constexpr Int128(RawTag, detail::int128 value) noexcept : value_(value) {}
    friend constexpr Int128 detail::int128_from_raw(detail::int128 value) noexcept;

    template <class T>
    static constexpr detail::uint128 max_of() noexcept {
        if (std::is_same<T, detail::int128>::value) return static_cast<detail::uint128>(detail::int128_raw_max);
        if (std::is_same<T, detail::uint128>::value) return ~detail::uint128{0};
        return static_cast<detail::uint128>(std::numeric_limits<T>::max());
    }
    template <class I>
    static constexpr detail::int128 checked_raw(I value) {
        if (std::is_same<I, detail::uint128>::value) {
            if (static_cast<detail::uint128>(value) > static_cast<detail::uint128>(detail::int128_raw_max)) {
                detail::throw_int128_overflow("Int128: value out of range");
            }
        } else if (std::is_same<I, detail::int128>::value) {
            if (static_cast<detail::int128>(value) == detail::int128_raw_excluded) {
                detail::throw_int128_overflow("Int128: value out of range");
            }
        }
        return static_cast<detail::int128>(value);
    }
    detail::int128 value_ = 0;
};

namespace detail {

constexpr Int128 int128_from_raw(int128 value) noexcept {
    BACKSTOP_ASSERT(value != int128_raw_excluded, "Int128 excludes -2^127");
    return Int128(Int128::RawTag{}, value);
}

// The 19 decimal digits of x < 10^19, leading zeros included, written before `end`; returns the
// first digit's position. Wide numbers print as such chunks, peeled off by dividing by 10^19.
inline char* write_19_digits(std::uint64_t x, char* end) noexcept {
    for (int i = 0; i < 19; ++i) {
        *--end = static_cast<char>('0' + x % 10);
        x /= 10;
    }
    return end;
}

// Decimal digits of x's magnitude, most significant first, into the end of buffer; returns the
// first digit's position. 39 digits hold 2^128 - 1.
inline char* write_decimal(uint128 x, char* end) noexcept {
    constexpr std::uint64_t chunk = 10000000000000000000ull;  // 10^19
    char* position = end;
    while (x > ~std::uint64_t{0}) {
        position = write_19_digits(static_cast<std::uint64_t>(x % chunk), position);
        x /= chunk;
    }
    auto rest = static_cast<std::uint64_t>(x);
    do {
        *--position = static_cast<char>('0' + rest % 10);
        rest /= 10;
    } while (rest != 0);
    return position;
}

}  // namespace detail

// Decimal text, "-170141183460469231731687303715884105727" at the minimum.
inline std::string to_string(Int128 value) {
    char buffer[40];
    const detail::int128 raw = value.raw();
    char* first = detail::write_decimal(detail::magnitude_128(raw), buffer + sizeof buffer);
    if (raw < 0) *--first = '-';
    return std::string(first, buffer + sizeof buffer);
}

// Streams as decimal text (Catch2 and iostream users); the stream's header is the caller's.
template <class CharT, class Traits>
std::basic_ostream<CharT, Traits>& operator<<(std::basic_ostream<CharT, Traits>& out, Int128 value) {
    return out << to_string(value).c_str();
}

}  // namespace backstop

namespace std {
template <>
class numeric_limits<backstop::Int128> {
public:
    static constexpr bool is_specialized = true;
    static constexpr bool is_signed = true;
    static constexpr bool is_integer = true;
    static constexpr bool is_exact = true;
    static constexpr bool is_bounded = true;
    static constexpr bool is_modulo = false;
    static constexpr bool has_infinity = false;
    static constexpr bool has_quiet_NaN = false;
    static constexpr bool has_signaling_NaN = false;
    static constexpr float_denorm_style has_denorm = denorm_absent;
    static constexpr bool has_denorm_loss = false;
    static constexpr float_round_style round_style = round_toward_zero;
    static constexpr bool is_iec559 = false;
    static constexpr bool traps = true;  // an overflow throws
    static constexpr bool tinyness_before = false;
    static constexpr int radix = 2;
    static constexpr int digits = 127;
    static constexpr int digits10 = 38;
    static constexpr int max_digits10 = 0;
    static constexpr int min_exponent = 0;
    static constexpr int min_exponent10 = 0;
    static constexpr int max_exponent = 0;
    static constexpr int max_exponent10 = 0;
    static constexpr backstop::Int128 epsilon() noexcept { return backstop::Int128(); }
    static constexpr backstop::Int128 round_error() noexcept { return backstop::Int128(); }
    static constexpr backstop::Int128 infinity() noexcept { return backstop::Int128(); }
    static constexpr backstop::Int128 quiet_NaN() noexcept { return backstop::Int128(); }
    static constexpr backstop::Int128 signaling_NaN() noexcept { return backstop::Int128(); }
    static constexpr backstop::Int128 denorm_min() noexcept { return backstop::Int128(); }
    static constexpr backstop::Int128 max() noexcept { return backstop::detail::int128_from_raw(backstop::detail::int128_raw_max); }
    static constexpr backstop::Int128 min() noexcept { return -max(); }
    static constexpr backstop::Int128 lowest() noexcept { return -max(); }
};
}  // namespace std
