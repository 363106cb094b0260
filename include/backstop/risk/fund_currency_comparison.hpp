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
    FundCurrencyComparison comparison;
    std::vector<std::uint8_t> stable_depleted;
    std::vector<std::uint8_t> base_depleted;
    Result<PenaltyArm> stable_arm = detail::penalty_arm(stablecoin, options, progress, stable_depleted);
    if (!stable_arm) return stable_arm.error();
    Result<PenaltyArm> base_arm = detail::penalty_arm(scenario, options, progress, base_depleted);
    if (!base_arm) return base_arm.error();
    comparison.stablecoin = std::move(*stable_arm);
    comparison.base_asset = std::move(*base_arm);
    for (std::size_t i = 0; i < stable_depleted.size(); ++i) {
        comparison.depleted_stablecoin_only += stable_depleted[i] && !base_depleted[i] ? 1u : 0u;
        comparison.depleted_base_asset_only += base_depleted[i] && !stable_depleted[i] ? 1u : 0u;
    }
    comparison.mcnemar_p_value = mcnemar_exact_p(comparison.depleted_stablecoin_only, comparison.depleted_base_asset_only);
    return comparison;
}

}  // namespace risk
}  // namespace backstop
