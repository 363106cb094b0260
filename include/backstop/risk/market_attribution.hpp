// One liquidation's share in each market of a path with several: a cross-margined account's
// liquidation closes positions in several markets, and its deficit and the remainder socialized
// beyond the fund are attributed to them in proportion to the notional it closed in each.
#pragma once

#include "backstop/risk/path_summary.hpp"

#include <cstddef>
#include <vector>

namespace backstop {
namespace risk {

// `closed_by_market`: the notional the liquidation closed in each market (quote units);
// `closed_any`: it closed a position at all (one that closed none counts in the first market).
// `remainder`: it left a shortfall beyond the fund; the path's first marks where the fund ran out.
inline void attribute_liquidation(const std::vector<double>& closed_by_market, bool closed_any, double deficit,
                                  double socialized, bool remainder, std::vector<MarketPathSummary>& markets) {
    double closed_total = 0.0;
    for (const double notional : closed_by_market) closed_total += notional;
    bool first = remainder;
    for (const MarketPathSummary& market : markets) first = first && !market.shortfall;
    for (std::size_t k = 0; k < markets.size(); ++k) {
        const bool touched = closed_any ? closed_by_market[k] > 0.0 : k == 0;
        if (!touched) continue;
        const double share = closed_total > 0.0 ? closed_by_market[k] / closed_total : 1.0;
        MarketPathSummary& market = markets[k];
        ++market.liquidations;
        market.closed_notional += closed_by_market[k];
        market.bad_debt += deficit * share;
        market.socialized += socialized * share;
        if (remainder) market.shortfall = true;
        if (first) market.first_shortfall = true;
    }
}

}  // namespace risk
}  // namespace backstop
