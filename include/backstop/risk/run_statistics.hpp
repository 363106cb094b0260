// What a run says, with its uncertainty: the probability that the fund is depleted (the fund
// could not pay a deficit in full at some step) with Wilson and Clopper-Pearson intervals,
// Value at Risk and Expected Shortfall of the fund's loss (initial minus final balance), quantiles
// of the fund's lowest balance, and a convergence table of the depletion estimate.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/risk/simulator.hpp"
#include "backstop/risk/statistics.hpp"

#include <cstdint>
#include <vector>

namespace backstop {
namespace risk {

struct TailMeasure {
    double level = 0.0;
    double value_at_risk = 0.0;
    double expected_shortfall = 0.0;
};

struct RunStatistics {
    std::uint64_t paths = 0;
    std::uint64_t depleted_paths = 0;
    BinomialInterval depletion_wilson{};
    BinomialInterval depletion_clopper_pearson{};
    std::vector<TailMeasure> fund_loss;        // one per requested level
    double fund_min_p01 = 0.0;                 // 1% quantile of the fund's lowest balance
    double fund_min_median = 0.0;
    double mean_bad_debt = 0.0;
    double mean_socialized = 0.0;
    double mean_liquidations = 0.0;
    std::uint64_t paths_not_conserved = 0;     // must be 0
    std::vector<ConvergenceRow> convergence;   // depletion estimate as paths double
};

struct SummaryOptions {
    double confidence = 0.95;
    std::vector<double> tail_levels{0.975, 0.99};  // FRTB's ES level and the classic VaR level
    std::uint64_t convergence_first_paths = 100;
};

inline Result<RunStatistics> summarize(const RunResult& result, const SummaryOptions& options = {}) {
    RunStatistics stats;
    stats.paths = result.paths.size();
    if (stats.paths < 2) return make_error(ErrorCode::invalid_argument, "a summary needs at least two paths");
    std::vector<double> losses, minima;
    std::vector<std::uint8_t> depleted;
    losses.reserve(stats.paths);
    minima.reserve(stats.paths);
    depleted.reserve(stats.paths);
    for (const PathSummary& path : result.paths) {
        losses.push_back(path.fund_loss());
        minima.push_back(path.fund_min);
        depleted.push_back(path.depleted() ? 1 : 0);
        stats.depleted_paths += path.depleted() ? 1u : 0u;
        stats.mean_bad_debt += path.bad_debt;
        stats.mean_socialized += path.socialized;
        stats.mean_liquidations += static_cast<double>(path.liquidations);
        stats.paths_not_conserved += path.conserved ? 0u : 1u;
    }
    const double n = static_cast<double>(stats.paths);
    stats.mean_bad_debt /= n;
    stats.mean_socialized /= n;
    stats.mean_liquidations /= n;
    Result<BinomialInterval> wilson = wilson_interval(stats.depleted_paths, stats.paths, options.confidence);
    if (!wilson) return wilson.error();
    Result<BinomialInterval> exact = clopper_pearson_interval(stats.depleted_paths, stats.paths, options.confidence);
    if (!exact) return exact.error();
    stats.depletion_wilson = *wilson;
    stats.depletion_clopper_pearson = *exact;
    for (const double level : options.tail_levels) {
        Result<double> var = value_at_risk(Span<const double>(losses), level);
        if (!var) return var.error();
        Result<double> es = expected_shortfall(Span<const double>(losses), level);
        if (!es) return es.error();
        stats.fund_loss.push_back(TailMeasure{level, *var, *es});
    }
    Result<double> low = quantile(Span<const double>(minima), 0.01);
    if (!low) return low.error();
    Result<double> median = quantile(Span<const double>(minima), 0.5);
    if (!median) return median.error();
    stats.fund_min_p01 = *low;
    stats.fund_min_median = *median;
    Result<std::vector<ConvergenceRow>> table = proportion_convergence_table(
        Span<const std::uint8_t>(depleted), std::min<std::uint64_t>(options.convergence_first_paths, stats.paths),
        options.confidence);
    if (!table) return table.error();
    stats.convergence = std::move(*table);
    return stats;
}

}  // namespace risk
}  // namespace backstop
