// Price<Base, Quote>: how many Quote per whole Base, as a fixed-point integer at a fixed scale.
// The scale defaults to the quote asset's decimals (a BTC/USDC price resolves to 0.000001 USDC);
// a pair that needs finer prices specialises PriceScale:
//
//     template <> struct backstop::PriceScale<PEPE, USDC> { static constexpr int decimals = 12; };
//
// notional(quantity, price, rounding) is the one place a position size meets a price.
#pragma once

#include "backstop/core/checked_arith.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/rounding.hpp"
#include "backstop/money/amount.hpp"
#include "backstop/money/asset.hpp"
#include "backstop/money/decimal.hpp"
#include "backstop/money/quantity.hpp"
#include "backstop/money/rate.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace backstop {

template <class Base, class Quote>
struct PriceScale {
    static constexpr int decimals = AssetTraits<Quote>::decimals;
};

template <class Base, class Quote>
class Price {
    static_assert(!std::is_same<Base, Quote>::value, "a price relates two different assets");
    static_assert(PriceScale<Base, Quote>::decimals >= 0 && PriceScale<Base, Quote>::decimals <= 18,
                  "price decimals must be within [0, 18]");

public:
    using base_type = Base;
    using quote_type = Quote;
    static constexpr int decimals = PriceScale<Base, Quote>::decimals;

    constexpr Price() = default;
    // The price in units of 10^-decimals Quote per Base: Price<BTC, USDC>{65'000'500'000} is 65000.5.
    template <class T, std::enable_if_t<detail::is_lossless_source<T, std::int64_t>::value, int> = 0>
    constexpr explicit Price(T raw) : raw_(raw) {}

    static constexpr Price from_raw(std::int64_t raw) { return Price(raw); }
    // "65000.5", "65000.5 USDC" or "65000.5 USDC/BTC" (what the formatter prints); a negative
    // price is parse_out_of_range.
    static Result<Price> parse(std::string_view text) {
        char unit[64] = {};
        const std::string_view quote = AssetTraits<Quote>::symbol;
        const std::string_view base = AssetTraits<Base>::symbol;
        std::string_view pair_unit;
        if (quote.size() + 1 + base.size() <= sizeof unit) {
            quote.copy(unit, quote.size());
            unit[quote.size()] = '/';
            base.copy(unit + quote.size() + 1, base.size());
            pair_unit = std::string_view(unit, quote.size() + 1 + base.size());
        }
        Result<std::string_view> number = detail::strip_symbol(text, quote, pair_unit);
        if (!number) return number.error();
        Result<std::int64_t> raw = detail::parse_decimal<std::int64_t>(*number, decimals);
        if (!raw) return raw.error();
        if (*raw < 0) return make_error(ErrorCode::parse_out_of_range, "a price cannot be negative");
        return Price(*raw);
    }

    constexpr std::int64_t raw() const { return raw_; }
    std::string to_string() const { return detail::format_decimal(raw_, decimals); }

    friend constexpr bool operator==(Price a, Price b) { return a.raw_ == b.raw_; }
    friend constexpr bool operator!=(Price a, Price b) { return a.raw_ != b.raw_; }
    friend constexpr bool operator<(Price a, Price b) { return a.raw_ < b.raw_; }
    friend constexpr bool operator<=(Price a, Price b) { return a.raw_ <= b.raw_; }
    friend constexpr bool operator>(Price a, Price b) { return a.raw_ > b.raw_; }
    friend constexpr bool operator>=(Price a, Price b) { return a.raw_ >= b.raw_; }

private:
    std::int64_t raw_ = 0;
};

template <class T>
struct is_price : std::false_type {};
template <class Base, class Quote>
struct is_price<Price<Base, Quote>> : std::true_type {};

// price * rate (e.g. a mark moved by a liquidator's discount), rounded once as asked.
template <class Base, class Quote, class Tag>
Result<Price<Base, Quote>> apply_rate(Price<Base, Quote> price, Rate<Tag> rate,
                                      Rounding rounding) {
    Result<std::int64_t> raw = mul_div(price.raw(), rate.count(), Rate<Tag>::denominator, rounding);
    if (!raw) return raw.error();
    if (*raw < 0) return make_error(ErrorCode::invalid_argument, "a price cannot be negative");
    return Price<Base, Quote>(*raw);
}

// The quote value of a signed quantity: quantity * price, in atoms of Quote, signed like the
// quantity and rounded once as asked. Computed as
//   quantity_atoms * price_raw / 10^(base decimals + price decimals - quote decimals)
// with the wide intermediate of mul_div; when that exponent is negative the scale multiplies.
template <class Base, class Quote, class Rep>
Result<Amount<Quote, Rep>> notional(const Quantity<Base, Rep>& quantity, Price<Base, Quote> price,
                                    Rounding rounding) {
    constexpr int exponent =
        AssetTraits<Base>::decimals + Price<Base, Quote>::decimals - AssetTraits<Quote>::decimals;
    static_assert(!std::is_same<Rep, std::int64_t>::value || (exponent >= -18 && exponent <= 18),
                  "this pair's scales need a wider representation (Int128)");
    Result<Rep> atoms = exponent >= 0
                            ? mul_div(quantity.atoms(), Rep(price.raw()), pow10<Rep>(exponent), rounding)
                            : mul_div(quantity.atoms(), Rep(price.raw()), Rep(1), rounding);
    if (!atoms) return atoms.error();
    if (exponent < 0) {
        atoms = checked_mul(*atoms, pow10<Rep>(-exponent));
        if (!atoms) return atoms.error();
    }
    return Amount<Quote, Rep>(*atoms);
}

}  // namespace backstop
