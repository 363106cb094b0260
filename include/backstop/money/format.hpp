// fmt formatters for the money types. Each prints exact decimal text with every decimal shown
// and its unit, and takes [[fill]align][width][n]:
//   Amount    "1234.567891 USDC"      ("{:n}" prints the number alone: "1234.567891";
//                                     "{:>20n}" right-aligns it in 20 columns)
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

#include <cstddef>
#include <string>
#include <string_view>

namespace backstop {
namespace detail {
// Spec: [[fill]align][width][n] (TextFormatter's, numbers align right by default);
// 'n' prints the number without its unit.
struct UnitFormatter : TextFormatter {
    bool number_only = false;

    constexpr UnitFormatter() : TextFormatter('>') {}

    constexpr auto parse(fmt::format_parse_context& ctx) {
        auto it = parse_fill_align_width(ctx);
        if (it != ctx.end() && *it == 'n') {
            number_only = true;
            ++it;
        }
        if (it != ctx.end() && *it != '}') throw fmt::format_error("backstop: invalid format spec");
        return it;
    }

    template <class FormatContext>
    auto format_with_unit(std::string text, std::string_view unit_a, std::string_view unit_b,
                          FormatContext& ctx) const {
        if (!number_only) {
            text += ' ';
            text += unit_a;
            if (!unit_b.empty()) {
                text += '/';
                text += unit_b;
            }
        }
        return write_padded(ctx.out(), text);
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
struct fmt::formatter<backstop::Rate<Tag>> : backstop::detail::TextFormatter {
    template <class FormatContext>
    auto format(backstop::Rate<Tag> rate, FormatContext& ctx) const {
        const std::string text = fmt::format("{} {}", rate.count(), backstop::Rate<Tag>::unit);
        return write_padded(ctx.out(), text);
    }
};
