// Yield on idle capital against the depletion it adds, for several liquidity floors, on the same
// seeds. The floors are computed, not guessed: first the scenario runs without yield, and each
// path's stressed outflow is the fund's largest fall over the horizon (from its running peak:
// what a fund that placed everything above the floor at that peak would have had to pay); the floor for quantile q is the empirical upper q-quantile of those outflows
// (management/liquidity_floor.hpp, rounded up). Then the scenario runs once per floor with the
// capital above it placed with the strategy (FundSetup::yield, risk/lab_yield.hpp). Each floor's
// arm is paired with the plain run: the yield earned net of defaults per path and the depletion it
// adds, with McNemar's exact test on the paths depleted in one arm only.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/management/liquidity_floor.hpp"
#include "backstop/risk/penalty_comparison.hpp"
#include "backstop/risk/progress.hpp"
#include "backstop/risk/scenario.hpp"
#include "backstop/risk/simulator.hpp"

#include <cstdint>
#include <vector>

namespace backstop {
namespace risk {

struct YieldFloorArm {
    double quantile = 0.0;
    double floor = 0.0;  // quote units
    PenaltyArm arm;
    std::uint64_t depleted_plain_only = 0;
    std::uint64_t depleted_yield_only = 0;  // the depletion the yield added, path by path
    double mcnemar_p_value = 1.0;
};

struct YieldComparison {
    PenaltyArm plain;  // no yield
    std::vector<YieldFloorArm> floors;
};

// The floor for `quantile` from the plain run's paths (quote units, rounded up to the atom).
inline Result<double> yield_floor(const RunResult& plain, const Scenario& scenario, double quantile) {
    std::vector<std::int64_t> outflows;
    outflows.reserve(plain.paths.size());
    for (const PathSummary& path : plain.paths) {
        outflows.push_back(std::max<std::int64_t>(0, detail::to_atoms_nearest(path.fund_drawdown_max, lab_quote_decimals)));
    }
    LiquidityFloorConfig config;
    config.quantile = Ppm{static_cast<std::int64_t>(std::llround(quantile * 1e6))};
    config.horizon_ms = std::max<std::int64_t>(1, static_cast<std::int64_t>(scenario.horizon_steps * scenario.step_hours * 3'600'000.0));
    const OutflowSample sample{Span<std::int64_t>(outflows), config.horizon_ms};
    Result<LiquidityFloorReport<assets::USDC>> floor = liquidity_floor_from_sample<assets::USDC>(sample, config);
    if (!floor) return floor.error();
    return detail::to_units(static_cast<std::int64_t>(floor->floor.atoms()), lab_quote_decimals);
}

template <class = void>
inline Result<YieldComparison> compare_yield(const Scenario& scenario, const SummaryOptions& options = {},
                                             Progress* progress = nullptr) {
    if (!scenario.fund.yield) return make_error(ErrorCode::invalid_argument, "the scenario has no yield to compare");
    if (!fund_setup_consistent(scenario.fund)) return make_error(ErrorCode::invalid_policy_parameter, "inconsistent fund set-up");
    Scenario plain = scenario;
    plain.fund.yield.reset();
    std::vector<std::uint8_t> plain_depleted;
    // The plain run once, for the floors and as every pair's first arm.
    const RunResult plain_run = run(plain, false, progress);
    Result<PenaltyArm> plain_arm = detail::arm_from_run(plain_run, options, plain_depleted);
    if (!plain_arm) return plain_arm.error();
    YieldComparison comparison;
    comparison.plain = std::move(*plain_arm);
    for (const double q : scenario.fund.yield->floor_quantiles) {
        Result<double> floor = yield_floor(plain_run, scenario, q);
        if (!floor) return floor.error();
        Scenario with_yield = scenario;
        with_yield.fund.yield->floor = *floor;
        std::vector<std::uint8_t> depleted;
        Result<PenaltyArm> arm = detail::arm_from_run(run(with_yield, false, progress), options, depleted);
        if (!arm) return arm.error();
        YieldFloorArm floor_arm;
        floor_arm.quantile = q;
        floor_arm.floor = *floor;
        floor_arm.arm = std::move(*arm);
        for (std::size_t i = 0; i < depleted.size(); ++i) {
            floor_arm.depleted_plain_only += plain_depleted[i] && !depleted[i] ? 1u : 0u;
            floor_arm.depleted_yield_only += depleted[i] && !plain_depleted[i] ? 1u : 0u;
        }
        floor_arm.mcnemar_p_value = mcnemar_exact_p(floor_arm.depleted_plain_only, floor_arm.depleted_yield_only);
        comparison.floors.push_back(std::move(floor_arm));
    }
    return comparison;
}

}  // namespace risk
}  // namespace backstop
