// fmt formatters for the money types. Each prints exact decimal text with every decimal shown
// and its unit, and takes the usual string options (width, fill, alignment):
//   Amount    "1234.567891 USDC"      ("{:n}" prints the number alone: "1234.567891")
//   Quantity  "-0.50000000 BTC"       ("{:n}" likewise)
//   Price     "65000.500000 USDC/BTC" ("{:n}" likewise)
//   Bps, Ppm  "150 bps", "15000 ppm"
#pragma once

#include "backstop/core/format.hpp"
#include "backstop/money/amount.hpp"
#include "backstop/money/price.hpp"
#include "backstop/money/quantity.hpp"
#include "backstop/money/rate.hpp"

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace backstop {
namespace detail {
// A string formatter with one extra leading flag, 'n': print the number without its unit.
struct UnitFormatter : fmt::formatter<std::string_view> {
    bool number_only = false;

    constexpr auto parse(fmt::format_parse_context& ctx) {
        auto it = ctx.begin();
        if (it != ctx.end() && *it == 'n') {
            number_only = true;
            ctx.advance_to(++it);
        }
        return fmt::formatter<std::string_view>::parse(ctx);
    }

    template <class FormatContext>
    auto format_with_unit(std::string number, std::string_view unit_a, std::string_view unit_b,
                          FormatContext& ctx) const {
        if (!number_only) {
            number += ' ';
            number += unit_a;
            if (!unit_b.empty()) {
                number += '/';
                number += unit_b;
            }
        }
        return fmt::formatter<std::string_view>::format(number, ctx);
    }
};
}  // namespace detail
}  // namespace backstop

template <class Asset, class Rep>
struct fmt::formatter<backstop::Amount<Asset, Rep>> : backstop::detail::UnitFormatter {
    template <class FormatContext>
    auto format(const backstop::Amount<Asset, Rep>& amount, FormatContext& ctx) const {
        return format_with_unit(amount.to_string(), amount.symbol(), {}, ctx);
    }
};

template <class Base, class Rep>
struct fmt::formatter<backstop::Quantity<Base, Rep>> : backstop::detail::UnitFormatter {
    template <class FormatContext>
    auto format(const backstop::Quantity<Base, Rep>& quantity, FormatContext& ctx) const {
        return format_with_unit(quantity.to_string(), quantity.symbol(), {}, ctx);
    }
};

template <class Base, class Quote>
struct fmt::formatter<backstop::Price<Base, Quote>> : backstop::detail::UnitFormatter {
    template <class FormatContext>
    auto format(const backstop::Price<Base, Quote>& price, FormatContext& ctx) const {
        return format_with_unit(price.to_string(), backstop::AssetTraits<Quote>::symbol,
                                backstop::AssetTraits<Base>::symbol, ctx);
    }
};

template <class Tag>
struct fmt::formatter<backstop::Rate<Tag>> : fmt::formatter<std::string_view> {
    template <class FormatContext>
    auto format(backstop::Rate<Tag> rate, FormatContext& ctx) const {
        const std::string text = fmt::format("{} {}", rate.count(), backstop::Rate<Tag>::unit);
        return fmt::formatter<std::string_view>::format(text, ctx);
    }
};
