// What a run says, with its uncertainty: the probability that the fund is depleted (the fund
// could not pay a deficit in full at some step) with Wilson and Clopper-Pearson intervals,
// Value at Risk and Expected Shortfall of the fund's loss (initial minus final balance), quantiles
// of the fund's lowest balance, and a convergence table of the depletion estimate.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/risk/normal.hpp"
#include "backstop/risk/simulator.hpp"
#include "backstop/risk/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace backstop {
namespace risk {

struct TailMeasure {
    double level = 0.0;
    double value_at_risk = 0.0;
    double expected_shortfall = 0.0;
};

// One market of a run: how often a shortfall beyond the fund came from a liquidation in it (a
// path can count in several markets: once the fund is empty every market's liquidations leave
// one, and a cross-margined account's closes positions in each), how often the path's first
// shortfall did (where the fund ran out), each with its interval, and the means per path of what was attributed to it, with normal
// intervals (mean +- z x sd / sqrt(n)).
struct MarketStatistics {
    std::string name;
    std::uint64_t shortfall_paths = 0;
    BinomialInterval shortfall{};       // P(a shortfall from this market), Wilson
    std::uint64_t first_shortfall_paths = 0;
    BinomialInterval first_shortfall{};  // P(the path's first shortfall came from this market), Wilson
    double mean_liquidations = 0.0;
    BinomialInterval mean_bad_debt{};   // estimate = mean, lower/upper = its interval (quote units)
    double mean_socialized = 0.0;
    double mean_closed_notional = 0.0;
    double price_drawdown_median = 0.0;  // of the mark's largest fall from its high, a fraction
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
    std::vector<MarketStatistics> markets;     // one per market of the scenario, in its order
};

struct SummaryOptions {
    double confidence = 0.95;
    std::vector<double> tail_levels{0.975, 0.99};  // FRTB's ES level and the classic VaR level
    std::uint64_t convergence_first_paths = 100;
};

// Per market: the paths with a shortfall from it (Wilson), and the means per path with normal
// intervals. Paths that carry no per-market summaries (built by hand) give none.
inline Result<std::vector<MarketStatistics>> summarize_markets(const RunResult& result, double confidence) {
    std::vector<MarketStatistics> markets;
    if (result.paths.empty()) return markets;
    const std::size_t count = result.paths.front().markets.size();
    for (const PathSummary& path : result.paths) {
        if (path.markets.size() != count) return make_error(ErrorCode::invalid_argument, "paths with different market counts");
    }
    const double n = static_cast<double>(result.paths.size());
    const double z = normal_quantile(0.5 + 0.5 * confidence);
    std::vector<double> values(result.paths.size());
    for (std::size_t k = 0; k < count; ++k) {
        MarketStatistics m;
        m.name = k < result.market_names.size() ? result.market_names[k] : "market " + std::to_string(k + 1);
        for (std::size_t p = 0; p < result.paths.size(); ++p) {
            const MarketPathSummary& path = result.paths[p].markets[k];
            m.shortfall_paths += path.shortfall ? 1u : 0u;
            m.first_shortfall_paths += path.first_shortfall ? 1u : 0u;
            m.mean_liquidations += static_cast<double>(path.liquidations) / n;
            m.mean_socialized += path.socialized / n;
            m.mean_closed_notional += path.closed_notional / n;
            values[p] = path.bad_debt;
        }
        Result<BinomialInterval> shortfall = wilson_interval(m.shortfall_paths, result.paths.size(), confidence);
        if (!shortfall) return shortfall.error();
        m.shortfall = *shortfall;
        Result<BinomialInterval> first = wilson_interval(m.first_shortfall_paths, result.paths.size(), confidence);
        if (!first) return first.error();
        m.first_shortfall = *first;
        Result<SampleMoments> bad_debt = moments(Span<const double>(values));
        if (!bad_debt) return bad_debt.error();
        const double half = z * std::sqrt(bad_debt->variance / n);
        // Bad debt is never negative: so is the interval's lower end.
        m.mean_bad_debt = BinomialInterval{bad_debt->mean, std::max(0.0, bad_debt->mean - half), bad_debt->mean + half};
        for (std::size_t p = 0; p < result.paths.size(); ++p) values[p] = result.paths[p].markets[k].price_drawdown_max;
        Result<double> drawdown = quantile(Span<const double>(values), 0.5);
        if (!drawdown) return drawdown.error();
        m.price_drawdown_median = *drawdown;
        markets.push_back(std::move(m));
    }
    return markets;
}

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
    Result<std::vector<MarketStatistics>> markets = summarize_markets(result, options.confidence);
    if (!markets) return markets.error();
    stats.markets = std::move(*markets);
    return stats;
}

}  // namespace risk
}  // namespace backstop
