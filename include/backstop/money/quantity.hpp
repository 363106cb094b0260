// Quantity<Base>: a signed position size in atoms of the base asset (positive long, negative
// short). It is not an Amount: a position is not money, and the two do not mix.
#pragma once

#include "backstop/core/checked_arith.hpp"
#include "backstop/core/result.hpp"
#include "backstop/money/amount.hpp"
#include "backstop/money/asset.hpp"
#include "backstop/money/decimal.hpp"

#include <string>
#include <string_view>
#include <type_traits>

namespace backstop {

template <class Base, class Rep = default_rep_t<Base>>
class Quantity {
    static_assert(is_money_rep_v<Rep>,
                  "Quantity's Rep must be std::int64_t, backstop::Int128 or double");
    using Traits = AssetTraits<Base>;

public:
    using base_type = Base;
    using rep = Rep;

    constexpr Quantity() = default;
    template <class T, std::enable_if_t<detail::is_lossless_source<T, Rep>::value, int> = 0>
    constexpr explicit Quantity(T atoms) : atoms_(atoms) {}

    static Quantity from_atoms(const Rep& atoms) { return Quantity(atoms); }
    // "0.5" or "-0.5 BTC".
    static Result<Quantity> parse(std::string_view text) {
        Result<std::string_view> number = detail::strip_symbol(text, Traits::symbol);
        if (!number) return number.error();
        Result<Rep> atoms = detail::parse_decimal<Rep>(*number, Traits::decimals);
        if (!atoms) return atoms.error();
        return Quantity(*atoms);
    }

    constexpr const Rep& atoms() const { return atoms_; }
    static constexpr std::string_view symbol() { return Traits::symbol; }
    bool is_zero() const { return atoms_ == 0; }
    bool is_long() const { return atoms_ > 0; }
    bool is_short() const { return atoms_ < 0; }
    Quantity abs() const { return atoms_ < 0 ? -*this : *this; }
    std::string to_string() const { return detail::format_decimal(atoms_, Traits::decimals); }

    friend Quantity operator+(const Quantity& a, const Quantity& b) {
        return Quantity(detail::add_or_assert(a.atoms_, b.atoms_));
    }
    friend Quantity operator-(const Quantity& a, const Quantity& b) {
        return Quantity(detail::sub_or_assert(a.atoms_, b.atoms_));
    }
    Quantity operator-() const { return Quantity(detail::sub_or_assert(Rep(0), atoms_)); }
    Quantity& operator+=(const Quantity& other) { return *this = *this + other; }
    Quantity& operator-=(const Quantity& other) { return *this = *this - other; }

    friend bool operator==(const Quantity& a, const Quantity& b) { return a.atoms_ == b.atoms_; }
    friend bool operator!=(const Quantity& a, const Quantity& b) { return a.atoms_ != b.atoms_; }
    friend bool operator<(const Quantity& a, const Quantity& b) { return a.atoms_ < b.atoms_; }
    friend bool operator<=(const Quantity& a, const Quantity& b) { return a.atoms_ <= b.atoms_; }
    friend bool operator>(const Quantity& a, const Quantity& b) { return a.atoms_ > b.atoms_; }
    friend bool operator>=(const Quantity& a, const Quantity& b) { return a.atoms_ >= b.atoms_; }

private:
    Rep atoms_ = Rep(0);
};

template <class Base, class Rep>
Result<Quantity<Base, Rep>> checked_add(const Quantity<Base, Rep>& a,
                                        const Quantity<Base, Rep>& b) {
    Result<Rep> sum = checked_add(a.atoms(), b.atoms());
    if (!sum) return sum.error();
    return Quantity<Base, Rep>(*sum);
}

template <class Base, class Rep>
Result<Quantity<Base, Rep>> checked_sub(const Quantity<Base, Rep>& a,
                                        const Quantity<Base, Rep>& b) {
    Result<Rep> difference = checked_sub(a.atoms(), b.atoms());
    if (!difference) return difference.error();
    return Quantity<Base, Rep>(*difference);
}

}  // namespace backstop
