// A dynamic liquidation penalty against the market's static one, on the same seeds: the scenario
// as given (FundSetup::dynamic_penalty) and the same scenario without it. Each arm has its
// depletion probability with Wilson and Clopper-Pearson intervals (run_statistics.hpp) and the
// average penalty rate the liquidated traders paid (penalties / closed notional, both summed over
// every path). The paths share their price moves until the penalties make them diverge.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/risk/progress.hpp"
#include "backstop/risk/run_statistics.hpp"
#include "backstop/risk/scenario.hpp"
#include "backstop/risk/simulator.hpp"

namespace backstop {
namespace risk {

struct PenaltyArm {
    RunStatistics statistics;
    double penalty_rate = 0.0;         // penalties charged / notional closed, over every path
    double mean_penalties_charged = 0.0;  // per path, quote units
    double mean_fund_final = 0.0;
};

struct PenaltyComparison {
    PenaltyArm static_penalty;
    PenaltyArm dynamic_penalty;
};

namespace detail {
inline Result<PenaltyArm> penalty_arm(const Scenario& scenario, const SummaryOptions& options, Progress* progress) {
    const RunResult result = run(scenario, false, progress);
    Result<RunStatistics> statistics = summarize(result, options);
    if (!statistics) return statistics.error();
    PenaltyArm arm;
    arm.statistics = std::move(*statistics);
    double charged = 0.0;
    double notional = 0.0;
    for (const PathSummary& path : result.paths) {
        charged += path.penalties_charged;
        notional += path.closed_notional;
        arm.mean_fund_final += path.fund_final;
    }
    const double n = static_cast<double>(result.paths.size());
    arm.penalty_rate = notional > 0.0 ? charged / notional : 0.0;
    arm.mean_penalties_charged = charged / n;
    arm.mean_fund_final /= n;
    return arm;
}
}  // namespace detail

inline Result<PenaltyComparison> compare_penalties(const Scenario& scenario, const SummaryOptions& options = {},
                                                   Progress* progress = nullptr) {
    if (!scenario.fund.dynamic_penalty) {
        return make_error(ErrorCode::invalid_argument, "the scenario has no dynamic penalty to compare");
    }
    if (Result<void> ok = scenario.fund.dynamic_penalty->validate(); !ok) return ok.error();
    Scenario fixed = scenario;
    fixed.fund.dynamic_penalty.reset();
    PenaltyComparison comparison;
    Result<PenaltyArm> static_arm = detail::penalty_arm(fixed, options, progress);
    if (!static_arm) return static_arm.error();
    Result<PenaltyArm> dynamic_arm = detail::penalty_arm(scenario, options, progress);
    if (!dynamic_arm) return dynamic_arm.error();
    comparison.static_penalty = std::move(*static_arm);
    comparison.dynamic_penalty = std::move(*dynamic_arm);
    return comparison;
}

}  // namespace risk
}  // namespace backstop
