// A dynamic liquidation penalty against the market's static one, on the same seeds: the scenario
// as given (FundSetup::dynamic_penalty) and the same scenario without it. Each arm has its
// depletion probability with Wilson and Clopper-Pearson intervals (run_statistics.hpp) and the
// average penalty rate the liquidated traders paid (penalties / closed notional, both summed over
// every path). The paths share their price moves until the penalties make them diverge, so the
// two depletion estimates are paired: McNemar's exact test on the paths depleted in one arm only
// says whether they differ beyond chance (two intervals that overlap do not say they do not).
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/risk/bootstrap.hpp"
#include "backstop/risk/normal.hpp"
#include "backstop/risk/progress.hpp"
#include "backstop/risk/run_statistics.hpp"
#include "backstop/risk/scenario.hpp"
#include "backstop/risk/simulator.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace backstop {
namespace risk {

// A mean over the paths with its normal-approximation interval (the paths are independent).
struct MeanInterval {
    double mean = 0.0;
    double lower = 0.0;
    double upper = 0.0;
};

struct PenaltyArm {
    RunStatistics statistics;
    double penalty_rate = 0.0;         // penalties charged / notional closed, over every path
    double mean_penalties_charged = 0.0;  // per path, quote units
    double mean_fund_final = 0.0;
    MeanInterval penalties_charged;    // per path, with the interval at the summary's confidence
    MeanInterval fund_final;
    // The spread of the fund's loss (initial - final value) over paths: its standard deviation
    // and its expected shortfall at the summary's first tail level, with bootstrap intervals.
    BootstrapInterval fund_loss_sd;
    BootstrapInterval fund_loss_es;
    double es_level = 0.0;
    // What fund management earned per path: a strategy's income less its defaults (yield), or
    // minus the fees a hedge paid.
    MeanInterval management_gain;
};

struct PenaltyComparison {
    PenaltyArm static_penalty;
    PenaltyArm dynamic_penalty;
    std::uint64_t depleted_static_only = 0;   // paths depleted with the static penalty only
    std::uint64_t depleted_dynamic_only = 0;  // and with the dynamic one only
    double mcnemar_p_value = 1.0;             // exact, two-sided
};

// McNemar's exact two-sided test: with b and c the discordant pairs, p = min(1, 2 P(X <= min(b, c)))
// for X ~ Binomial(b + c, 1/2). In doubles (a research figure), each term through lgamma.
inline double mcnemar_exact_p(std::uint64_t b, std::uint64_t c) {
    const std::uint64_t n = b + c;
    if (n == 0) return 1.0;
    const std::uint64_t m = std::min(b, c);
    const double nd = static_cast<double>(n);
    double tail = 0.0;
    for (std::uint64_t k = 0; k <= m; ++k) {
        const double kd = static_cast<double>(k);
        tail += std::exp(std::lgamma(nd + 1.0) - std::lgamma(kd + 1.0) - std::lgamma(nd - kd + 1.0) - nd * std::log(2.0));
    }
    return std::min(1.0, 2.0 * tail);
}

namespace detail {
inline MeanInterval mean_interval(const std::vector<double>& values, double confidence) {
    MeanInterval out;
    const double n = static_cast<double>(values.size());
    if (values.empty()) return out;
    double mean = 0.0;
    double squares = 0.0;
    for (std::size_t i = 0; i < values.size(); ++i) {  // Welford: stable, in path order
        const double delta = values[i] - mean;
        mean += delta / static_cast<double>(i + 1);
        squares += delta * (values[i] - mean);
    }
    const double half = values.size() > 1 ? -normal_quantile(0.5 * (1.0 - confidence)) * std::sqrt(squares / (n - 1.0) / n) : 0.0;
    out.mean = mean;
    out.lower = mean - half;
    out.upper = mean + half;
    return out;
}

// One arm's figures from its run; `depleted` receives each path's depletion (for the pairing).
inline Result<PenaltyArm> arm_from_run(const RunResult& result, const SummaryOptions& options,
                                       std::vector<std::uint8_t>& depleted) {
    depleted.clear();
    for (const PathSummary& path : result.paths) depleted.push_back(path.depleted() ? 1 : 0);
    Result<RunStatistics> statistics = summarize(result, options);
    if (!statistics) return statistics.error();
    PenaltyArm arm;
    arm.statistics = std::move(*statistics);
    double charged = 0.0;
    double notional = 0.0;
    std::vector<double> charged_per_path;
    std::vector<double> final_per_path;
    for (const PathSummary& path : result.paths) {
        charged += path.penalties_charged;
        notional += path.closed_notional;
        arm.mean_fund_final += path.fund_final;
        charged_per_path.push_back(path.penalties_charged);
        final_per_path.push_back(path.fund_final);
    }
    arm.penalties_charged = mean_interval(charged_per_path, options.confidence);
    arm.fund_final = mean_interval(final_per_path, options.confidence);
    const double n = static_cast<double>(result.paths.size());
    arm.penalty_rate = notional > 0.0 ? charged / notional : 0.0;
    arm.mean_penalties_charged = charged / n;
    arm.mean_fund_final /= n;
    std::vector<double> losses;
    std::vector<double> gains;
    for (const PathSummary& path : result.paths) {
        losses.push_back(path.fund_loss());
        gains.push_back(path.yield_income - path.yield_losses - path.hedge_fees);
    }
    arm.management_gain = mean_interval(gains, options.confidence);
    arm.es_level = options.tail_levels.empty() ? 0.975 : options.tail_levels.front();
    Result<BootstrapInterval> sd = bootstrap_interval(Span<const double>(losses), standard_deviation, options.confidence);
    const double level = arm.es_level;
    Result<BootstrapInterval> es = bootstrap_interval(
        Span<const double>(losses), [level](Span<const double> x) { return expected_shortfall(x, level); }, options.confidence);
    if (!sd) return sd.error();
    if (!es) return es.error();
    arm.fund_loss_sd = *sd;
    arm.fund_loss_es = *es;
    return arm;
}

template <class = void>
inline Result<PenaltyArm> penalty_arm(const Scenario& scenario, const SummaryOptions& options, Progress* progress,
                                      std::vector<std::uint8_t>& depleted) {
    return arm_from_run(run(scenario, false, progress), options, depleted);
}
}  // namespace detail

// Two set-ups on the same seeds: each arm, and the paths depleted in one arm only with McNemar's
// exact test on them. Every comparison of the lab (penalty, fund currency, staking cooldown).
struct PairedArms {
    PenaltyArm first;
    PenaltyArm second;
    std::uint64_t first_only = 0;
    std::uint64_t second_only = 0;
    double mcnemar_p_value = 1.0;
};

namespace detail {
template <class = void>
inline Result<PairedArms> paired_arms(const Scenario& first, const Scenario& second, const SummaryOptions& options,
                                      Progress* progress) {
    std::vector<std::uint8_t> first_depleted;
    std::vector<std::uint8_t> second_depleted;
    Result<PenaltyArm> a = penalty_arm(first, options, progress, first_depleted);
    if (!a) return a.error();
    Result<PenaltyArm> b = penalty_arm(second, options, progress, second_depleted);
    if (!b) return b.error();
    PairedArms pair{std::move(*a), std::move(*b), 0, 0, 1.0};
    for (std::size_t i = 0; i < first_depleted.size(); ++i) {
        pair.first_only += first_depleted[i] && !second_depleted[i] ? 1u : 0u;
        pair.second_only += second_depleted[i] && !first_depleted[i] ? 1u : 0u;
    }
    pair.mcnemar_p_value = mcnemar_exact_p(pair.first_only, pair.second_only);
    return pair;
}
}  // namespace detail

template <class = void>
inline Result<PenaltyComparison> compare_penalties(const Scenario& scenario, const SummaryOptions& options = {},
                                                   Progress* progress = nullptr) {
    if (!scenario.fund.dynamic_penalty) {
        return make_error(ErrorCode::invalid_argument, "the scenario has no dynamic penalty to compare");
    }
    if (Result<void> ok = scenario.fund.dynamic_penalty->validate(); !ok) return ok.error();
    if (!fund_setup_consistent(scenario.fund)) return make_error(ErrorCode::invalid_policy_parameter, "inconsistent fund set-up");
    Scenario fixed = scenario;
    fixed.fund.dynamic_penalty.reset();
    Result<PairedArms> pair = detail::paired_arms(fixed, scenario, options, progress);
    if (!pair) return pair.error();
    return PenaltyComparison{std::move(pair->first), std::move(pair->second), pair->first_only, pair->second_only,
                             pair->mcnemar_p_value};
}

}  // namespace risk
}  // namespace backstop
