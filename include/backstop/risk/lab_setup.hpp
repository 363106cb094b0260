// The lab's conversions between the scenario's doubles and the engine's atoms, and the fund's
// policies built from a FundSetup: shared by the path runner and the comparisons around it.
#pragma once

#include "backstop/fund/any_policy.hpp"
#include "backstop/money/assets.hpp"
#include "backstop/risk/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace backstop {
namespace risk {

using assets::BTC;
using assets::USDC;

// The lab's atoms: USDC's 6 decimals, a BTC-like base asset's 8, prices in micro-USDC.
inline constexpr int lab_quote_decimals = 6;
inline constexpr int lab_base_decimals = 8;
inline constexpr int lab_price_decimals = 6;

namespace detail {

// Quote or base units to atoms, rounded down (collateral and sizes: never more than asked),
// within the int64 range (a wild scenario saturates rather than overflows). A NaN (a path whose
// price overflowed to infinity and then met a zero) is 0 atoms: casting it would be undefined.
inline std::int64_t to_atoms(double units, int decimals) {
    const double atoms = std::floor(units * std::pow(10.0, decimals));
    if (std::isnan(atoms)) return 0;
    return static_cast<std::int64_t>(std::clamp(atoms, -9.0e18, 9.0e18));
}
// Rounded to the nearest atom: for the fund's initial balance, so that a size the lab reported
// (atoms / 10^decimals) comes back as the same atoms.
inline std::int64_t to_atoms_nearest(double units, int decimals) {
    const double atoms = units * std::pow(10.0, decimals);
    if (std::isnan(atoms)) return 0;
    return static_cast<std::int64_t>(std::llround(std::clamp(atoms, -9.0e18, 9.0e18)));
}
inline double to_units(std::int64_t atoms, int decimals) {
    return static_cast<double>(atoms) / std::pow(10.0, decimals);
}

inline fee_capture::AnyFeeCapture<USDC> make_fee_capture(const FundSetup& setup) {
    const Bps share{static_cast<std::int64_t>(std::llround(setup.liquidator_share * 10'000.0))};
    switch (setup.fee_capture) {
        case FeeCaptureChoice::fixed_shares: return fee_capture::FixedShares<USDC>{share, Bps{0}};
        case FeeCaptureChoice::fund_first_until_target:
            return fee_capture::FundFirstUntilTarget<USDC>{share, Amount<USDC>(to_atoms(setup.fund_target, 6))};
        case FeeCaptureChoice::fund_only: break;
    }
    return fee_capture::FixedShares<USDC>{Bps{0}, Bps{0}};
}
inline settlement::AnySettlement<USDC> make_settlement(const FundSetup& setup) {
    if (setup.settlement == SettlementChoice::cover_above_floor) {
        return settlement::CoverAboveFloor<USDC>{Amount<USDC>(to_atoms(setup.floor, 6))};
    }
    return settlement::CoverUpToBalance<USDC>{};
}
inline socialized_loss::AnySocializedLoss<USDC> make_socialized_loss(const FundSetup& setup, std::uint32_t bearers_max) {
    switch (setup.socialized_loss) {
        case SocializedLossChoice::pro_rata_haircut: return socialized_loss::ProRataHaircut<USDC>{};
        case SocializedLossChoice::funding: return socialized_loss::FundingSocialization<USDC>{};
        case SocializedLossChoice::random_start_adl: return socialized_loss::RandomStartAdl<USDC>{};
        case SocializedLossChoice::water_filling: return socialized_loss::WaterFillingAdl<USDC>(bearers_max);
        case SocializedLossChoice::ranked_adl: break;
    }
    return socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>(bearers_max);
}

}  // namespace detail

}  // namespace risk
}  // namespace backstop
