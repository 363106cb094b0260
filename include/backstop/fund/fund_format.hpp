// fmt formatters for the fund's vocabulary:
//   MarketId      "market 3"
//   Side          "long", "short"
//   LossLayer     "auto_deleveraging", "haircut", "funding", "default_fund", "assessment"
//   PenaltySplit  "liquidator 5.000000 USDC, fund 4.000000 USDC, treasury 1.000000 USDC, dust 0.000000 USDC"
// All take the string options (fill, align, width). The ledger's ids and places print as in
// ledger/ledger_format.hpp, which this includes.
#pragma once

#include "backstop/fund/fund_types.hpp"
#include "backstop/ledger/ledger_format.hpp"
#include "backstop/money/format.hpp"

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace backstop {

constexpr std::string_view side_name(Side side) noexcept {
    switch (side) {
        case Side::long_side: return "long";
        case Side::short_side: return "short";
    }
    return "unknown";
}

constexpr std::string_view loss_layer_name(LossLayer layer) noexcept {
    switch (layer) {
        case LossLayer::auto_deleveraging: return "auto_deleveraging";
        case LossLayer::haircut: return "haircut";
        case LossLayer::funding: return "funding";
        case LossLayer::default_fund: return "default_fund";
        case LossLayer::assessment: return "assessment";
    }
    return "unknown";
}

}  // namespace backstop

template <>
struct fmt::formatter<backstop::MarketId> : backstop::detail::IdFormatter {
    template <class FormatContext>
    auto format(backstop::MarketId id, FormatContext& ctx) const {
        return format_id("market", id, ctx);
    }
};

template <>
struct fmt::formatter<backstop::Side> : backstop::detail::TextFormatter {
    template <class FormatContext>
    auto format(backstop::Side side, FormatContext& ctx) const {
        return write_padded(ctx.out(), backstop::side_name(side));
    }
};

template <>
struct fmt::formatter<backstop::LossLayer> : backstop::detail::TextFormatter {
    template <class FormatContext>
    auto format(backstop::LossLayer layer, FormatContext& ctx) const {
        return write_padded(ctx.out(), backstop::loss_layer_name(layer));
    }
};

template <class Asset>
struct fmt::formatter<backstop::PenaltySplit<Asset>> : backstop::detail::TextFormatter {
    template <class FormatContext>
    auto format(const backstop::PenaltySplit<Asset>& split, FormatContext& ctx) const {
        const std::string text = fmt::format("liquidator {}, fund {}, treasury {}, dust {}", split.to_liquidator,
                                             split.to_fund, split.to_treasury, split.to_dust);
        return write_padded(ctx.out(), text);
    }
};
