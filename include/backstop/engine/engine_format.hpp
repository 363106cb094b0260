// fmt formatters for the engine's reports:
//   PositionChange      "account 1 in market 0: 40000000 -> 11000000 base atoms"
//   AccountSummary<A>   one line: collateral, equity, requirements, free collateral, positions
//   LiquidationReport<A> several lines, every field, amounts aligned, then the transfers:
//
//     partial liquidation of account 1 by account 2
//       closed              market 0: 40000000 -> 11000000 base atoms
//       equity before          480.000000 USDC
//       ...
//       penalty                211.845000 USDC
//         to liquidator          0.000000 USDC
//       ...
//       transfers           2
//         211.845000 USDC collateral of account 1 -> fund 0 (penalty_to_fund)
//
// Sizes stay in base atoms: a report does not carry its markets' base assets. The one-line
// formatters take the string options (fill, align, width); the liquidation report takes none.
#pragma once

#include "backstop/core/format.hpp"
#include "backstop/engine/engine_reports.hpp"
#include "backstop/fund/fund_format.hpp"
#include "backstop/ledger/ledger_format.hpp"
#include "backstop/money/format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace backstop {
namespace detail {

inline std::string position_change_text(const PositionChange& change) {
    return fmt::format("market {}: {} -> {} base atoms", change.market.value, change.size_before,
                       change.size_after);
}

template <class Asset>
std::string liquidation_report_text(const LiquidationReport<Asset>& r) {
    const Amount<Asset>* amounts[] = {&r.equity_before, &r.closed_notional, &r.realised_pnl,
                                      &r.discount, &r.penalty, &r.penalty_split.to_liquidator,
                                      &r.penalty_split.to_fund, &r.penalty_split.to_treasury,
                                      &r.penalty_split.to_dust, &r.deficit, &r.isolated_fund_paid,
                                      &r.fund_paid, &r.remainder, &r.socialized, &r.uncovered,
                                      &r.equity_after};
    std::size_t width = 0;
    for (const Amount<Asset>* amount : amounts) width = std::max(width, amount->to_string().size());

    std::string text = fmt::format("{} liquidation of {} by {}", r.full ? "full" : "partial", r.account,
                                   r.liquidator);
    // Labels in a column of 20 (18 when indented under the penalty), numbers right-aligned after.
    auto line = [&](std::string_view label, const Amount<Asset>& amount) {
        text += fmt::format("\n  {:<20}{:>{}} {}", label, amount.to_string(), width, amount.symbol());
    };
    const std::size_t closed = std::min(r.closed_count, r.closed.size());
    if (closed == 0) text += fmt::format("\n  {:<20}nothing", "closed");
    for (std::size_t i = 0; i < closed; ++i) {
        text += fmt::format("\n  {:<20}{}", i == 0 ? "closed" : "", position_change_text(r.closed[i]));
    }
    line("equity before", r.equity_before);
    line("closed notional", r.closed_notional);
    line("realised pnl", r.realised_pnl);
    line("discount", r.discount);
    line("penalty", r.penalty);
    line("  to liquidator", r.penalty_split.to_liquidator);
    line("  to fund", r.penalty_split.to_fund);
    line("  to treasury", r.penalty_split.to_treasury);
    line("  to dust", r.penalty_split.to_dust);
    line("deficit", r.deficit);
    line("isolated fund paid", r.isolated_fund_paid);
    line("fund paid", r.fund_paid);
    line("remainder", r.remainder);
    line("socialized", r.socialized);
    // The layer is only meaningful when something was socialized or allocated.
    if (!r.socialized.is_zero() || r.allocation_count > 0) {
        text += fmt::format(" by {}, {} allocation{}", r.socialized_by, r.allocation_count,
                            r.allocation_count == 1 ? "" : "s");
    }
    if (r.funding_delta_per_unit != 0) {
        text += fmt::format(", funding index moved {}", r.funding_delta_per_unit);
    }
    line("uncovered", r.uncovered);
    if (r.socialization_failed) text += fmt::format("\n  socialization failed: {}", r.socialization_error);
    line("equity after", r.equity_after);
    const std::size_t logged = std::min(r.transfers.count, r.transfers.transfers.size());
    text += fmt::format("\n  {:<20}{}", "transfers", logged + r.transfers.dropped);
    for (std::size_t i = 0; i < logged; ++i) text += fmt::format("\n    {}", r.transfers.transfers[i]);
    if (r.transfers.dropped > 0) text += fmt::format("\n    ... and {} more", r.transfers.dropped);
    return text;
}

}  // namespace detail
}  // namespace backstop

template <>
struct fmt::formatter<backstop::PositionChange> : backstop::detail::TextFormatter {
    template <class FormatContext>
    auto format(const backstop::PositionChange& change, FormatContext& ctx) const {
        const std::string text =
            fmt::format("{} in {}", change.account, backstop::detail::position_change_text(change));
        return write_padded(ctx.out(), text);
    }
};

template <class Asset>
struct fmt::formatter<backstop::AccountSummary<Asset>> : backstop::detail::TextFormatter {
    template <class FormatContext>
    auto format(const backstop::AccountSummary<Asset>& s, FormatContext& ctx) const {
        const std::string text = fmt::format(
            "collateral {}, equity {}, initial {}, maintenance {}, free {}, {} position{}{}", s.collateral,
            s.equity, s.initial_requirement, s.maintenance_requirement, s.free_collateral, s.position_count,
            s.position_count == 1 ? "" : "s", s.liquidatable ? ", liquidatable" : "");
        return write_padded(ctx.out(), text);
    }
};

template <class Asset>
struct fmt::formatter<backstop::LiquidationReport<Asset>> : backstop::detail::NoOptionsFormatter {
    template <class FormatContext>
    auto format(const backstop::LiquidationReport<Asset>& report, FormatContext& ctx) const {
        const std::string text = backstop::detail::liquidation_report_text(report);
        return std::copy(text.begin(), text.end(), ctx.out());
    }
};
