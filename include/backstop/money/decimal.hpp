// Exact decimal text for fixed-point integers: "1234.567891" <-> 1234567891 at 6 decimals.
// The canonical form always shows every decimal ("5" at 2 decimals formats as "5.00"), so
// formatting and parsing are inverse to each other for exact representations.
//
// Grammar: [+|-] digit+ [ '.' digit+ ]. No spaces, exponents, separators or locale.
// Errors, in order of precedence: parse_error (shape), parse_too_many_decimals, parse_out_of_range.
#pragma once

#include "backstop/core/checked_arith.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/int128.hpp"

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

namespace backstop {
namespace detail {

// Digits beyond this cannot be in range of any representation (Int128 has 39 digits; the research
// double parses up to 10^60).
inline constexpr std::size_t decimal_digits_max = 60;

template <class Rep>
Result<Rep> parse_decimal(std::string_view text, int decimals) {
    std::size_t position = 0;
    bool negative = false;
    if (position < text.size() && (text[position] == '-' || text[position] == '+')) {
        negative = text[position] == '-';
        ++position;
    }
    const std::size_t integer_begin = position;
    while (position < text.size() && text[position] >= '0' && text[position] <= '9') ++position;
    const std::size_t integer_end = position;
    if (integer_end == integer_begin) {
        return make_error(ErrorCode::parse_error, "expected a digit");
    }
    std::size_t fraction_begin = position;
    std::size_t fraction_end = position;
    if (position < text.size() && text[position] == '.') {
        ++position;
        fraction_begin = position;
        while (position < text.size() && text[position] >= '0' && text[position] <= '9') {
            ++position;
        }
        fraction_end = position;
        if (fraction_end == fraction_begin) {
            return make_error(ErrorCode::parse_error, "expected a digit after the decimal point");
        }
    }
    if (position != text.size()) {
        return make_error(ErrorCode::parse_error, "unexpected character in a decimal number");
    }
    const std::size_t fraction_digits = fraction_end - fraction_begin;
    if (fraction_digits > static_cast<std::size_t>(decimals)) {
        return make_error(ErrorCode::parse_too_many_decimals,
                          "more fractional digits than the asset has decimals");
    }
    // Leading zeros do not count toward the size limit.
    std::size_t significant_begin = integer_begin;
    while (significant_begin + 1 < integer_end && text[significant_begin] == '0') {
        ++significant_begin;
    }
    if (integer_end - significant_begin + static_cast<std::size_t>(decimals) > decimal_digits_max) {
        return make_error(ErrorCode::parse_out_of_range, "number too large");
    }

    // The digits of the atoms: the integer part, the fraction, then zeros up to the decimals.
    char digits[decimal_digits_max];
    std::size_t count = 0;
    for (std::size_t i = significant_begin; i < integer_end; ++i) digits[count++] = text[i];
    for (std::size_t i = fraction_begin; i < fraction_end; ++i) digits[count++] = text[i];
    for (std::size_t i = fraction_digits; i < static_cast<std::size_t>(decimals); ++i) digits[count++] = '0';

    if constexpr (std::is_same<Rep, double>::value) {
        // Research values: the nearest double to the whole number of atoms.
        double value = 0;
        std::from_chars(digits, digits + count, value);  // at most 60 digits: always in range
        return negative ? -value + 0.0 : value;          // -0 atoms are +0.0, as in the exact reps
    } else {
        static_assert(is_exact_rep_v<Rep>, "unsupported representation");
        // The magnitude in 128 bits; more is out of range of either exact representation.
        uint128 magnitude = 0;
        for (std::size_t i = 0; i < count; ++i) {
            if (__builtin_mul_overflow(magnitude, uint128{10}, &magnitude) ||
                __builtin_add_overflow(magnitude, static_cast<uint128>(digits[i] - '0'), &magnitude)) {
                return make_error(ErrorCode::parse_out_of_range, "number too large");
            }
        }
        if constexpr (std::is_same<Rep, std::int64_t>::value) {
            constexpr auto max = static_cast<uint128>(std::numeric_limits<std::int64_t>::max());
            if (magnitude > max + (negative ? 1 : 0)) {
                return make_error(ErrorCode::parse_out_of_range, "number does not fit in int64");
            }
            const auto bits = static_cast<std::uint64_t>(magnitude);
            return static_cast<std::int64_t>(negative ? std::uint64_t{0} - bits : bits);
        } else {
            if (magnitude > static_cast<uint128>(int128_raw_max)) {
                return make_error(ErrorCode::parse_out_of_range, "number does not fit in Int128");
            }
            const auto value = static_cast<int128>(magnitude);
            return int128_from_raw(negative ? -value : value);
        }
    }
}

// Sign and magnitude digits of an exact value, e.g. -1234 -> {"-", "1234"}.
inline std::string integer_text(std::int64_t value) {
    char buffer[24];
    const auto converted = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, converted.ptr);
}
inline std::string integer_text(Int128 value) { return to_string(value); }

template <class Rep>
std::string format_decimal(const Rep& atoms, int decimals) {
    if constexpr (std::is_same<Rep, double>::value) {
        // Research values: a real number of atoms shown in whole units; not exact.
        char buffer[400];
        const double units = atoms / pow10<double>(decimals);
        const auto converted = std::to_chars(buffer, buffer + sizeof buffer, units,
                                             std::chars_format::fixed, decimals);
        return std::string(buffer, converted.ptr);
    } else {
        std::string digits = integer_text(atoms);
        std::string sign;
        if (!digits.empty() && digits.front() == '-') {
            sign = "-";
            digits.erase(0, 1);
        }
        const auto width = static_cast<std::size_t>(decimals) + 1;
        if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
        if (decimals > 0) digits.insert(digits.size() - static_cast<std::size_t>(decimals), 1, '.');
        return sign + digits;
    }
}

// Splits "1.5 USDC" into number and symbol; text without a space has no symbol.
// Returns an error if a symbol is present and differs from the expected one (or from
// `alternative`, when one is given: a price accepts "USDC" and "USDC/BTC"). The symbol is
// checked before the number is read.
inline Result<std::string_view> strip_symbol(std::string_view text, std::string_view symbol,
                                             std::string_view alternative = {}) {
    const std::size_t space = text.find(' ');
    if (space == std::string_view::npos) return text;
    const std::string_view suffix = text.substr(space + 1);
    if (space == 0 || suffix.empty() || suffix.find(' ') != std::string_view::npos) {
        return make_error(ErrorCode::parse_error, "expected one space between number and symbol");
    }
    if (suffix != symbol && (alternative.empty() || suffix != alternative)) {
        return make_error(ErrorCode::parse_wrong_symbol, "symbol does not match the asset");
    }
    return text.substr(0, space);
}

}  // namespace detail
}  // namespace backstop
