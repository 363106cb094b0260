// Named configurations of two real venues, with their published parameters (domain.md). Each
// venue gives market configurations per tier and the fund policies that match its waterfall.
#pragma once

#include "backstop/engine/market.hpp"
#include "backstop/fund/fee_capture/fixed_shares.hpp"
#include "backstop/fund/settlement/capped_per_event_and_market.hpp"
#include "backstop/fund/settlement/cover_up_to_balance.hpp"
#include "backstop/fund/socialized_loss/funding_socialization.hpp"
#include "backstop/fund/socialized_loss/random_start_adl.hpp"
#include "backstop/money/amount.hpp"

#include <cstdint>

namespace backstop {
namespace presets {

namespace detail {
inline MarketConfig one_tier(std::int64_t initial_ppm, std::int64_t maintenance_ppm) {
    MarketConfig config;
    config.tiers[0] = MarginTier{std::numeric_limits<std::int64_t>::max(), Ppm{initial_ppm}, Ppm{maintenance_ppm}};
    config.tier_count = 1;
    return config;
}
}  // namespace detail

// dYdX v4 (domain.md 1.1, 1.3, 1.5; mainnet genesis). MMF = IMF x maintenance fraction. The
// liquidation penalty is max_liquidation_fee_ppm = 15000 (1.5% of the closed notional), all of it
// to the insurance fund and capped by the equity left. Liquidations fill against the book, so
// the liquidator here takes over at the mark (no discount). The fund covers up to its balance
// (a fill that would take it below zero is rejected and goes to deleveraging); deleveraging walks
// the opposite side from a pseudo-random offset, at most 500 accounts.
namespace dydx_v4 {
inline MarketConfig with_penalty(MarketConfig config) {
    config.liquidation_penalty = Ppm{15'000};
    config.liquidator_discount = Ppm{0};
    config.staleness_max_ms = 30'000;
    return config;
}
inline MarketConfig large_cap() { return with_penalty(detail::one_tier(50'000, 30'000)); }   // 5% x 60% = 3%
inline MarketConfig mid_cap() { return with_penalty(detail::one_tier(100'000, 50'000)); }    // 10% x 50% = 5%
inline MarketConfig long_tail() { return with_penalty(detail::one_tier(200'000, 100'000)); } // 20% x 50% = 10%
inline MarketConfig safety() { return with_penalty(detail::one_tier(1'000'000, 200'000)); }  // 100% x 20%

template <class Asset>
fee_capture::FixedShares<Asset> fee_capture() { return {Bps{0}, Bps{0}}; }  // all to the fund
template <class Asset>
settlement::CoverUpToBalance<Asset> settlement() { return {}; }
template <class Asset>
socialized_loss::RandomStartAdl<Asset> socialized_loss() { return {500}; }
}  // namespace dydx_v4

// Drift v2 (domain.md 2.1-2.4). Margin ratios are per market on chain; the tiers here use
// 10% / 5% (a common major-market setting: treat as an example, the live values are on chain).
// The liquidator takes over at oracle -/+ liquidator_fee (1%, the value Drift's unit tests use)
// and if_liquidation_fee (1%) goes to the insurance fund. A liquidation stops once collateral
// covers maintenance + the 2% liquidation margin buffer (DEFAULT_LIQUIDATION_MARGIN_BUFFER_RATIO).
// The fund pays bankruptcies up to the market's contract-tier cap (tier B: $1M); the rest is
// socialized through the cumulative funding rates of every open position.
namespace drift_v2 {
inline MarketConfig with_fees(MarketConfig config) {
    config.liquidation_penalty = Ppm{10'000};
    config.liquidator_discount = Ppm{10'000};
    config.liquidation_buffer = Ppm{20'000};
    config.staleness_max_ms = 30'000;
    return config;
}
inline MarketConfig major() { return with_fees(detail::one_tier(100'000, 50'000)); }
inline MarketConfig speculative() { return with_fees(detail::one_tier(200'000, 100'000)); }

template <class Asset>
fee_capture::FixedShares<Asset> fee_capture() { return {Bps{0}, Bps{0}}; }
// Contract tier B: at most $1M per market from the shared fund (quote_max_insurance).
template <class Asset>
settlement::CappedPerEventAndMarket<Asset> settlement() {
    const auto million = Amount<Asset>::from_units(1'000'000).value();
    return {million, million};
}
template <class Asset>
socialized_loss::FundingSocialization<Asset> socialized_loss() { return {1'000'000'000}; }
}  // namespace drift_v2

}  // namespace presets
}  // namespace backstop
