// The currency-mismatch stress (docs/management.md): a fund held in part in the market's base
// asset (FundSetup::base_asset_fraction, sold with a haircut and slippage when a deficit comes)
// against the same fund in the stablecoin, on the same seeds. The base asset crashes exactly when
// the deficits come, so the first fund shrinks when it is needed. Each arm has its depletion
// probability with Wilson and Clopper-Pearson intervals and its mean final and lowest value; the
// arms are paired, so McNemar's exact test on the discordant paths says whether they differ.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/risk/penalty_comparison.hpp"
#include "backstop/risk/progress.hpp"
#include "backstop/risk/run_statistics.hpp"
#include "backstop/risk/scenario.hpp"

#include <cstdint>
#include <vector>

namespace backstop {
namespace risk {

struct FundCurrencyComparison {
    PenaltyArm stablecoin;   // the arm's statistics, penalty rate and mean final fund
    PenaltyArm base_asset;
    std::uint64_t depleted_stablecoin_only = 0;
    std::uint64_t depleted_base_asset_only = 0;
    double mcnemar_p_value = 1.0;  // exact, two-sided
};

template <class = void>
inline Result<FundCurrencyComparison> compare_fund_currency(const Scenario& scenario, const SummaryOptions& options = {},
                                                            Progress* progress = nullptr) {
    const FundSetup& fund = scenario.fund;
    if (!(fund.base_asset_fraction > 0.0 && fund.base_asset_fraction <= 1.0)) {
        return make_error(ErrorCode::invalid_argument, "the scenario holds no part of its fund in the base asset");
    }
    if (!(fund.base_haircut >= 0.0 && fund.base_slippage >= 0.0 && fund.base_haircut + fund.base_slippage <= 1.0)) {
        return make_error(ErrorCode::invalid_policy_parameter, "haircut and slippage must be fractions adding up to at most 1");
    }
    if (!fund_setup_consistent(fund)) return make_error(ErrorCode::invalid_policy_parameter, "inconsistent fund set-up");
    Scenario stablecoin = scenario;
    stablecoin.fund.base_asset_fraction = 0.0;
    Result<PairedArms> pair = detail::paired_arms(stablecoin, scenario, options, progress);
    if (!pair) return pair.error();
    return FundCurrencyComparison{std::move(pair->first), std::move(pair->second), pair->first_only, pair->second_only,
                                  pair->mcnemar_p_value};
}

}  // namespace risk
}  // namespace backstop
