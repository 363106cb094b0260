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
struct fmt::formatter<backstop::Side> : fmt::formatter<std::string_view> {
    template <class FormatContext>
    auto format(backstop::Side side, FormatContext& ctx) const {
        return fmt::formatter<std::string_view>::format(backstop::side_name(side), ctx);
    }
};

template <>
struct fmt::formatter<backstop::LossLayer> : fmt::formatter<std::string_view> {
    template <class FormatContext>
    auto format(backstop::LossLayer layer, FormatContext& ctx) const {
        return fmt::formatter<std::string_view>::format(backstop::loss_layer_name(layer), ctx);
    }
};

template <class Asset>
struct fmt::formatter<backstop::PenaltySplit<Asset>> : fmt::formatter<std::string_view> {
    template <class FormatContext>
    auto format(const backstop::PenaltySplit<Asset>& split, FormatContext& ctx) const {
        const std::string text = fmt::format("liquidator {}, fund {}, treasury {}, dust {}", split.to_liquidator,
                                             split.to_fund, split.to_treasury, split.to_dust);
        return fmt::formatter<std::string_view>::format(text, ctx);
    }
};
