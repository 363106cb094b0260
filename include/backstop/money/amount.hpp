// Amount<Asset, Rep>: a signed count of an asset's atoms (its smallest unit).
//
// The asset is part of the type, so adding USDC to BTC, exact to double, or a raw integer to an
// amount does not compile. Construction from a number is explicit and only from integers the
// representation holds without loss. Operators (+, -) are for values already validated to fit
// (an overflow there is a bug and asserts); untrusted input goes through checked_add/checked_sub
// and mul_div, which return Result.
#pragma once

#include "backstop/core/checked_arith.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/rounding.hpp"
#include "backstop/money/asset.hpp"
#include "backstop/money/decimal.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

namespace backstop {

namespace detail {
// Raw numbers an exact representation accepts without loss: integers of at most its width.
template <class T, class Rep>
struct is_lossless_source
    : std::bool_constant<
          std::is_integral<T>::value && !std::is_same<T, bool>::value &&
          (std::is_same<Rep, Int128>::value ||
           (std::is_same<Rep, std::int64_t>::value &&
            (std::is_signed<T>::value ? sizeof(T) <= 8 : sizeof(T) < 8)) ||
           (std::is_same<Rep, double>::value && sizeof(T) <= 4))> {};
template <class Rep>
struct is_lossless_source<Rep, Rep> : std::true_type {};

// Unchecked helpers shared by the strong types: they assert instead of returning Result.
template <class Rep>
Rep add_or_assert(const Rep& a, const Rep& b) {
    Result<Rep> sum = checked_add(a, b);
    BACKSTOP_ASSERT(sum.has_value(), "overflow in + (use checked_add for untrusted values)");
    return *sum;
}
template <class Rep>
Rep sub_or_assert(const Rep& a, const Rep& b) {
    Result<Rep> difference = checked_sub(a, b);
    BACKSTOP_ASSERT(difference.has_value(), "overflow in - (use checked_sub for untrusted values)");
    return *difference;
}
}  // namespace detail

template <class Asset, class Rep = default_rep_t<Asset>>
class Amount {
    static_assert(is_money_rep_v<Rep>,
                  "Amount's Rep must be std::int64_t, backstop::Int128 or double");
    using Traits = AssetTraits<Asset>;

public:
    using asset_type = Asset;
    using rep = Rep;
    static constexpr bool is_exact = is_exact_rep_v<Rep>;

    constexpr Amount() = default;

    template <class T, std::enable_if_t<detail::is_lossless_source<T, Rep>::value, int> = 0>
    constexpr explicit Amount(T atoms) : atoms_(atoms) {}

    // Widening to Int128 is lossless, so it is a constructor (explicit all the same).
    template <class OtherRep,
              std::enable_if_t<std::is_same<Rep, Int128>::value &&
                                   std::is_same<OtherRep, std::int64_t>::value,
                               int> = 0>
    constexpr explicit Amount(const Amount<Asset, OtherRep>& narrow) : atoms_(narrow.atoms()) {}

    static constexpr Amount zero() { return Amount(); }
    static Amount from_atoms(const Rep& atoms) { return Amount(atoms); }

    // `whole` units of the asset, e.g. from_units(1000) is 1000.000000 USDC.
    template <class T, std::enable_if_t<detail::is_lossless_source<T, Rep>::value, int> = 0>
    static Result<Amount> from_units(T whole) {
        Result<Rep> atoms = checked_mul(Rep(whole), pow10<Rep>(Traits::decimals));
        if (!atoms) return atoms.error();
        return Amount(*atoms);
    }

    // "1234.567891" or "1234.567891 USDC" (the symbol must match).
    static Result<Amount> parse(std::string_view text) {
        Result<std::string_view> number = detail::strip_symbol(text, Traits::symbol);
        if (!number) return number.error();
        Result<Rep> atoms = detail::parse_decimal<Rep>(*number, Traits::decimals);
        if (!atoms) return atoms.error();
        return Amount(*atoms);
    }

    constexpr const Rep& atoms() const { return atoms_; }
    static constexpr std::string_view symbol() { return Traits::symbol; }
    static constexpr int decimals() { return Traits::decimals; }

    bool is_zero() const { return atoms_ == 0; }
    bool is_positive() const { return atoms_ > 0; }
    bool is_negative() const { return atoms_ < 0; }

    // The number alone, every decimal shown: "1234.567891".
    std::string to_string() const { return detail::format_decimal(atoms_, Traits::decimals); }

    friend Amount operator+(const Amount& a, const Amount& b) {
        return Amount(detail::add_or_assert(a.atoms_, b.atoms_));
    }
    friend Amount operator-(const Amount& a, const Amount& b) {
        return Amount(detail::sub_or_assert(a.atoms_, b.atoms_));
    }
    Amount operator-() const { return Amount(detail::sub_or_assert(Rep(0), atoms_)); }
    Amount& operator+=(const Amount& other) { return *this = *this + other; }
    Amount& operator-=(const Amount& other) { return *this = *this - other; }

    friend bool operator==(const Amount& a, const Amount& b) { return a.atoms_ == b.atoms_; }
    friend bool operator!=(const Amount& a, const Amount& b) { return a.atoms_ != b.atoms_; }
    friend bool operator<(const Amount& a, const Amount& b) { return a.atoms_ < b.atoms_; }
    friend bool operator<=(const Amount& a, const Amount& b) { return a.atoms_ <= b.atoms_; }
    friend bool operator>(const Amount& a, const Amount& b) { return a.atoms_ > b.atoms_; }
    friend bool operator>=(const Amount& a, const Amount& b) { return a.atoms_ >= b.atoms_; }

private:
    Rep atoms_ = Rep(0);
};

template <class T>
struct is_amount : std::false_type {};
template <class Asset, class Rep>
struct is_amount<Amount<Asset, Rep>> : std::true_type {};

template <class Asset, class Rep>
Result<Amount<Asset, Rep>> checked_add(const Amount<Asset, Rep>& a, const Amount<Asset, Rep>& b) {
    Result<Rep> sum = checked_add(a.atoms(), b.atoms());
    if (!sum) return sum.error();
    return Amount<Asset, Rep>(*sum);
}

template <class Asset, class Rep>
Result<Amount<Asset, Rep>> checked_sub(const Amount<Asset, Rep>& a, const Amount<Asset, Rep>& b) {
    Result<Rep> difference = checked_sub(a.atoms(), b.atoms());
    if (!difference) return difference.error();
    return Amount<Asset, Rep>(*difference);
}

// amount * numerator / denominator, rounded once as asked (a ratio applied to an amount).
template <class Asset, class Rep, class N, class D,
          std::enable_if_t<detail::is_lossless_source<N, Rep>::value &&
                               detail::is_lossless_source<D, Rep>::value,
                           int> = 0>
Result<Amount<Asset, Rep>> mul_div(const Amount<Asset, Rep>& amount, const N& numerator,
                                   const D& denominator, Rounding rounding) {
    Result<Rep> atoms = mul_div(amount.atoms(), Rep(numerator), Rep(denominator), rounding);
    if (!atoms) return atoms.error();
    return Amount<Asset, Rep>(*atoms);
}

// Explicit change of representation between exact reps, or from exact to research (double).
// Narrowing that would lose value is ErrorCode::not_representable.
template <class To, class Asset, class From>
Result<Amount<Asset, To>> rep_cast(const Amount<Asset, From>& amount) {
    static_assert(is_exact_rep_v<From> || std::is_same<To, From>::value,
                  "converting from double needs a rounding: rep_cast<To>(amount, rounding)");
    if constexpr (std::is_same<To, From>::value) {
        return amount;
    } else if constexpr (std::is_same<To, double>::value) {
        return Amount<Asset, double>(static_cast<double>(amount.atoms()));
    } else if constexpr (std::is_same<To, Int128>::value) {
        return Amount<Asset, Int128>(Int128(amount.atoms()));
    } else {
        static_assert(std::is_same<To, std::int64_t>::value, "unsupported representation");
        const Int128& atoms = amount.atoms();
        if (atoms > std::numeric_limits<std::int64_t>::max() ||
            atoms < std::numeric_limits<std::int64_t>::min()) {
            return make_error(ErrorCode::not_representable, "amount does not fit in int64");
        }
        return Amount<Asset, std::int64_t>(static_cast<std::int64_t>(atoms));
    }
}

// From the research representation back to an exact one: rounds to a whole atom as asked.
template <class To, class Asset>
Result<Amount<Asset, To>> rep_cast(const Amount<Asset, double>& amount, Rounding rounding) {
    static_assert(is_exact_rep_v<To>, "rep_cast with a rounding converts double to an exact rep");
    const double atoms = detail::double_round(amount.atoms(), rounding);
    // Both bounds are powers of two, so they are exact in double.
    const double bound = std::is_same<To, std::int64_t>::value ? 9223372036854775808.0
                                                               : 170141183460469231731687303715884105728.0;
    if (!std::isfinite(atoms) || atoms >= bound || atoms < -bound) {
        return make_error(ErrorCode::not_representable, "value does not fit the representation");
    }
    if constexpr (std::is_same<To, std::int64_t>::value) {
        return Amount<Asset, To>(static_cast<std::int64_t>(atoms));
    } else {
        if (atoms <= -bound) return make_error(ErrorCode::not_representable, "below Int128 range");
        return Amount<Asset, To>(Int128(atoms));
    }
}

// The same amount in the research representation.
template <class Asset, class Rep>
Amount<Asset, double> to_research(const Amount<Asset, Rep>& amount) {
    return *rep_cast<double>(amount);
}

// parse<T>(text) for every text-constructible money type: parse<Amount<USDC>>("1.5").
template <class T>
Result<T> parse(std::string_view text) {
    return T::parse(text);
}

}  // namespace backstop
