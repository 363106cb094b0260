// Calibration: how big must the fund be, and which maintenance margin and penalty should a market
// use?
//
// Fund size. For a path, let R be the smallest initial fund that pays every deficit of the path in
// full (PathSummary::fund_required). When the fund's policies do not look at its balance, a fund
// of size u is depleted on that path exactly when u < R: up to its first shortfall a path does
// not depend on the fund's size. So one run on common random numbers gives the depletion
// probability at every size at once, P(u) = #{R > u} / n, a step function that can only fall as
// u grows (the "monotone search" is exact: it is a sort). The smallest fund for a target
// probability is then an order statistic of R, and its interval comes from inverting the
// Clopper-Pearson band of P: the sizes where the band still contains the target.
//
// Policies that do look at the balance (a fund-first fee capture up to a target, a floor under
// which the fund does not pay) break that identity; for them smallest_fund_by_search() bisects on
// the initial fund, each trial a full run with the same seeds.
//
// Margins and penalty. margin_penalty_grid() runs the scenario for each pair of maintenance
// margin and liquidation penalty (initial margin a fixed multiple of maintenance, as venues set
// them), and reports the depletion probability at the scenario's fund against the capital
// efficiency offered (maximum leverage = 1 / initial margin), marking the efficient frontier:
// the cells no other cell beats on both (risk ties broken by the fund each cell needs).
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/risk/normal.hpp"
#include "backstop/risk/progress.hpp"
#include "backstop/risk/simulator.hpp"
#include "backstop/risk/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace backstop {
namespace risk {

struct DepletionPoint {
    double fund_size = 0.0;
    std::uint64_t depleted_paths = 0;
    std::uint64_t paths = 0;
    BinomialInterval probability{};  // Wilson interval at the requested confidence
};

struct FundSizeEstimate {
    double target_probability = 0.0;
    double confidence = 0.0;
    std::uint64_t paths = 0;
    double size = 0.0;       // smallest size whose estimated depletion probability is <= target
    double size_low = 0.0;   // below this the probability is above target with the confidence
    double size_high = 0.0;  // from this size on it is below target with the confidence
    // False when even no depleted path could show the target at this confidence (too few
    // paths): size and size_low are still estimates, size_high is then the largest required size
    // seen, not a bound.
    bool enough_paths = true;
};

// Whether a fund's policies ignore its balance, so that the required size of a path is exact.
inline bool policies_ignore_balance(const FundSetup& fund) {
    return fund.fee_capture != FeeCaptureChoice::fund_first_until_target &&
           fund.settlement != SettlementChoice::cover_above_floor &&
           (!fund.dynamic_penalty || fund.dynamic_penalty->health_weight == Ppm{0}) && fund.base_asset_fraction == 0.0 &&
           !fund.staking && !fund.yield && !fund.hedge;
}

// A fund no stress path of a sane scenario reaches the bottom of ($1e9): large enough for every
// required size, small enough that its atoms stay far from the int64 range.
inline constexpr double ample_fund = 1e9;

// The required initial fund of every path of `result` (a run of `scenario`): exact for the paths
// that were not depleted, and recomputed for the others by running them again with an ample fund.
template <class = void>
inline Result<std::vector<double>> required_fund_sizes(const Scenario& scenario, const RunResult& result,
                                                       Progress* progress = nullptr) {
    if (!policies_ignore_balance(scenario.fund)) {
        return make_error(ErrorCode::invalid_argument,
                          "the fund's policies depend on its balance: use smallest_fund_by_search");
    }
    if (result.paths.size() != scenario.paths) {
        return make_error(ErrorCode::invalid_argument, "the run does not belong to the scenario");
    }
    Scenario ample = scenario;
    ample.fund.initial = ample_fund;
    std::vector<double> required(result.paths.size());
    std::vector<std::uint64_t> rerun;
    for (std::size_t p = 0; p < result.paths.size(); ++p) {
        const PathSummary& path = result.paths[p];
        if (path.fund_required_exact()) {
            required[p] = path.fund_required;
        } else {
            rerun.push_back(p);
        }
    }
    const std::vector<PathSummary> again = run_paths(ample, Span<const std::uint64_t>(rerun), progress);
    for (std::size_t i = 0; i < rerun.size(); ++i) {
        if (again[i].depleted()) {
            return make_error(ErrorCode::invalid_argument, "a path depletes even an ample fund ($1e9)");
        }
        if (again[i].liquidations_refused > 0) {
            return make_error(ErrorCode::invalid_argument, "a liquidation was refused even with an ample fund");
        }
        required[rerun[i]] = again[i].fund_required;
    }
    return required;
}

namespace detail {

inline Result<void> check_calibration_input(Span<const double> required, double confidence) {
    if (required.size() < 2) return make_error(ErrorCode::invalid_argument, "calibration needs at least two paths");
    if (!is_confidence(confidence)) return make_error(ErrorCode::invalid_argument, "confidence must be in (0, 1)");
    for (const double r : required) {
        if (!std::isfinite(r) || r < 0.0) {
            return make_error(ErrorCode::invalid_argument, "required sizes must be finite and >= 0");
        }
    }
    return {};
}

// Paths depleted at size u: #{R > u}, on sizes sorted ascending.
inline std::uint64_t depleted_at(const std::vector<double>& sorted, double size) {
    const auto first_above = std::upper_bound(sorted.begin(), sorted.end(), size);
    return static_cast<std::uint64_t>(sorted.end() - first_above);
}

// The smallest size at which at most `depleted` paths deplete: the (n - depleted)-th smallest
// required size (0 when every path may deplete).
inline double size_allowing(const std::vector<double>& sorted, std::uint64_t depleted) {
    const std::uint64_t n = sorted.size();
    if (depleted >= n) return 0.0;
    return std::max(0.0, sorted[static_cast<std::size_t>(n - depleted - 1)]);
}

// The smallest size whose share of depleted paths is within the target: the largest allowed
// count is floor(target n) (with the rounding of target taken out).
inline double size_for_target(const std::vector<double>& sorted, double target_probability) {
    const auto allowed = static_cast<std::uint64_t>(std::floor(tail_position(target_probability, sorted.size())));
    return size_allowing(sorted, allowed);
}

}  // namespace detail

// Depletion probability at each size (Wilson intervals), from the paths' required sizes.
inline Result<std::vector<DepletionPoint>> depletion_curve(Span<const double> required, Span<const double> sizes,
                                                           double confidence = 0.95) {
    if (Result<void> ok = detail::check_calibration_input(required, confidence); !ok) return ok.error();
    const std::vector<double> sorted = detail::sorted_copy(required);
    std::vector<DepletionPoint> curve;
    curve.reserve(sizes.size());
    for (const double size : sizes) {
        if (!std::isfinite(size) || size < 0.0) {
            return make_error(ErrorCode::invalid_argument, "fund sizes must be finite and >= 0");
        }
        DepletionPoint point;
        point.fund_size = size;
        point.paths = sorted.size();
        point.depleted_paths = detail::depleted_at(sorted, size);
        Result<BinomialInterval> interval = wilson_interval(point.depleted_paths, point.paths, confidence);
        if (!interval) return interval.error();
        point.probability = *interval;
        curve.push_back(point);
    }
    return curve;
}

// `count` evenly spaced sizes from 0 to a little beyond the largest required size (or the
// given top), for plotting the curve.
inline std::vector<double> size_grid(Span<const double> required, std::size_t count, double top = 0.0) {
    double largest = top;
    for (const double r : required) largest = std::max(largest, r);
    if (largest <= 0.0) largest = 1.0;
    std::vector<double> sizes(std::max<std::size_t>(count, 2));
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        sizes[i] = 1.05 * largest * static_cast<double>(i) / static_cast<double>(sizes.size() - 1);
    }
    return sizes;
}

// The smallest initial fund whose depletion probability is at most `target`, with the interval
// from the Clopper-Pearson band at `confidence`: size_high is where the band's upper end falls
// to the target (enough with the confidence), size_low where its lower end does (below it, too
// small with the confidence). With too few paths to show the target even with no depletion the
// estimate says so (enough_paths); smallest_fund_for refuses it, estimate_smallest_fund returns it.
inline Result<FundSizeEstimate> estimate_smallest_fund(Span<const double> required, double target_probability,
                                                       double confidence = 0.95) {
    if (Result<void> ok = detail::check_calibration_input(required, confidence); !ok) return ok.error();
    if (!(target_probability > 0.0 && target_probability < 1.0)) {
        return make_error(ErrorCode::invalid_argument, "target probability must be in (0, 1)");
    }
    const std::vector<double> sorted = detail::sorted_copy(required);
    const std::uint64_t n = sorted.size();
    FundSizeEstimate estimate;
    estimate.target_probability = target_probability;
    estimate.confidence = confidence;
    estimate.paths = n;
    estimate.size = detail::size_for_target(sorted, target_probability);
    // Both ends of the band grow with the count: binary searches for the largest counts whose
    // upper (lower) end is still within the target; -1 when none is.
    Error failure{};
    bool failed = false;
    const auto largest_within = [&](bool upper_end) {
        std::int64_t low = -1;  // largest count known within
        std::int64_t high = static_cast<std::int64_t>(n) + 1;  // smallest count known beyond
        while (high - low > 1) {
            const std::int64_t k = low + (high - low) / 2;
            Result<BinomialInterval> band = clopper_pearson_interval(static_cast<std::uint64_t>(k), n, confidence);
            if (!band) {
                failure = band.error();
                failed = true;
                return std::int64_t{-1};
            }
            ((upper_end ? band->upper : band->lower) <= target_probability ? low : high) = k;
        }
        return low;
    };
    const std::int64_t upper_ok = largest_within(true);
    const std::int64_t lower_ok = largest_within(false);
    if (failed) return failure;
    estimate.enough_paths = upper_ok >= 0;
    estimate.size_high = detail::size_allowing(sorted, static_cast<std::uint64_t>(std::max<std::int64_t>(upper_ok, 0)));
    estimate.size_low = detail::size_allowing(sorted, static_cast<std::uint64_t>(lower_ok));
    return estimate;
}

inline Result<FundSizeEstimate> smallest_fund_for(Span<const double> required, double target_probability,
                                                  double confidence = 0.95) {
    Result<FundSizeEstimate> estimate = estimate_smallest_fund(required, target_probability, confidence);
    if (estimate && !estimate->enough_paths) {
        return make_error(ErrorCode::invalid_argument,
                          "too few paths: even no depletion cannot show a probability this low");
    }
    return estimate;
}

// For policies that look at the fund's balance: bisection on the initial fund between `low` and
// `high`, each trial a full run of the scenario with the same seeds (common random numbers), until
// the bracket is narrower than `tolerance`. Returns the smallest size found whose depletion share
// is within the target (it assumes, and checks at the ends, that the share falls with the size).
template <class = void>
inline Result<double> smallest_fund_by_search(const Scenario& scenario, double target_probability, double low,
                                              double high, double tolerance) {
    if (!(target_probability > 0.0 && target_probability < 1.0)) {
        return make_error(ErrorCode::invalid_argument, "target probability must be in (0, 1)");
    }
    if (!(low >= 0.0 && high > low && tolerance >= 1e-6) || !std::isfinite(high) || high > ample_fund) {
        return make_error(ErrorCode::invalid_argument,
                          "need 0 <= low < high <= $1e9 and a tolerance of at least one atom (1e-6)");
    }
    const auto share = [&](double size) {
        Scenario trial = scenario;
        trial.fund.initial = size;
        const RunResult result = run(trial);
        std::uint64_t depleted = 0;
        for (const PathSummary& path : result.paths) depleted += path.depleted() ? 1u : 0u;
        return static_cast<double>(depleted) / static_cast<double>(std::max<std::uint32_t>(1, scenario.paths));
    };
    if (share(high) > target_probability) {
        return make_error(ErrorCode::invalid_argument, "even the upper end of the bracket misses the target");
    }
    if (share(low) <= target_probability) return low;
    for (int halving = 0; halving < 100 && high - low > tolerance; ++halving) {  // 2^-100 of any bracket
        const double middle = 0.5 * (low + high);
        (share(middle) <= target_probability ? high : low) = middle;
    }
    return high;
}

struct GridOptions {
    double initial_to_maintenance = 5.0 / 3.0;  // dYdX: IMF 5%, MMF 3%
    double target_probability = 0.01;            // for each cell's required fund size
    double confidence = 0.95;
    // Add the scenario's own margins and penalty as a cell when the grid does not hold them: a
    // reader looks for the configuration that ran first (the report turns it on).
    bool include_running = false;
    // Only the cells that differ from the scenario's own market in one parameter (its maintenance
    // with every penalty, its penalty with every maintenance), when the grid holds that market:
    // one parameter at a time, so the cost grows with the sum of the axes, not their product.
    bool one_at_a_time = false;
};

struct GridCell {
    double maintenance_margin = 0.0;  // fractions of notional
    double initial_margin = 0.0;
    double liquidation_penalty = 0.0;
    double max_leverage = 0.0;        // 1 / initial margin: the capital efficiency offered
    DepletionPoint depletion{};       // at the scenario's initial fund
    double required_fund = 0.0;       // smallest fund for the target probability (point estimate)
    double mean_bad_debt = 0.0;
    BinomialInterval bad_debt{};      // estimate = mean_bad_debt, lower/upper its normal interval
    double mean_liquidations = 0.0;
    bool on_frontier = false;         // no other cell offers at least the leverage with at most the risk
    bool running = false;             // the scenario's own margins and penalty (the headline run)
};

// Risk of a cell, for the frontier: its depletion probability, ties broken by the fund it needs
// for the target (with few paths per cell many cells deplete on no path at all).
inline bool less_risky(const GridCell& a, const GridCell& b) {
    const double pa = a.depletion.probability.estimate;
    const double pb = b.depletion.probability.estimate;
    return pa < pb || (pa == pb && a.required_fund < b.required_fund);
}
inline bool as_risky(const GridCell& a, const GridCell& b) { return !less_risky(b, a) && !less_risky(a, b); }

// `a` dominates `b`: at least the leverage with at most the risk, and better in one of them.
inline bool dominates(const GridCell& a, const GridCell& b) {
    const bool no_worse = a.max_leverage >= b.max_leverage && (less_risky(a, b) || as_risky(a, b));
    return no_worse && (a.max_leverage > b.max_leverage || less_risky(a, b));
}

namespace detail {
// The scenario with one margin tier at (maintenance x ratio, maintenance) and the penalty (in
// the first market: the grid asks about one market's parameters).
inline Scenario grid_cell(const Scenario& scenario, double maintenance, double penalty, const GridOptions& options) {
    Scenario cell = scenario;
    cell.market.tier_count = 1;
    cell.market.tiers[0] = MarginTier{std::numeric_limits<std::int64_t>::max(),
                                      ppm_from_fraction(maintenance * options.initial_to_maintenance),
                                      ppm_from_fraction(maintenance)};
    cell.market.liquidation_penalty = ppm_from_fraction(penalty);
    return cell;
}

// Whether the grid's cell (maintenance, penalty) is the scenario's own market: one tier with the
// same rates, to the part per million the engine keeps. That cell then runs the scenario itself,
// so it is the headline run, not a near copy of it.
inline bool is_running_cell(const Scenario& scenario, double maintenance, double penalty, const GridOptions& options) {
    const MarketConfig& m = scenario.market;
    return m.tier_count == 1 && m.tiers[0].maintenance == ppm_from_fraction(maintenance) &&
           m.tiers[0].initial == ppm_from_fraction(maintenance * options.initial_to_maintenance) &&
           m.liquidation_penalty == ppm_from_fraction(penalty);
}

// One cell's figures from a run of its configuration.
template <class = void>
inline Result<GridCell> grid_cell_figures(const Scenario& cell, const RunResult& result, const GridOptions& options,
                                          Progress* progress) {
    Result<std::vector<double>> required = required_fund_sizes(cell, result, progress);
    if (!required) return required.error();
    const std::vector<double> at{cell.fund.initial};
    Result<std::vector<DepletionPoint>> point =
        depletion_curve(Span<const double>(*required), Span<const double>(at), options.confidence);
    if (!point) return point.error();
    const MarketConfig& m = cell.market;
    GridCell out;
    out.maintenance_margin = static_cast<double>(m.tiers[0].maintenance.count()) / 1e6;
    out.initial_margin = static_cast<double>(m.tiers[0].initial.count()) / 1e6;
    out.liquidation_penalty = static_cast<double>(m.liquidation_penalty.count()) / 1e6;
    out.max_leverage = 1.0 / out.initial_margin;
    out.depletion = point->front();
    out.required_fund =
        size_for_target(sorted_copy(Span<const double>(*required)), options.target_probability);
    const double n = static_cast<double>(result.paths.size());
    double squares = 0.0;  // Welford, in path order: the same figure whatever the threads
    for (std::size_t i = 0; i < result.paths.size(); ++i) {
        const double x = result.paths[i].bad_debt;
        const double delta = x - out.mean_bad_debt;
        out.mean_bad_debt += delta / static_cast<double>(i + 1);
        squares += delta * (x - out.mean_bad_debt);
        out.mean_liquidations += static_cast<double>(result.paths[i].liquidations);
    }
    out.mean_liquidations /= n;
    const double half =
        n > 1.0 ? -normal_quantile(0.5 * (1.0 - options.confidence)) * std::sqrt(squares / (n - 1.0) / n) : 0.0;
    out.bad_debt = BinomialInterval{out.mean_bad_debt, out.mean_bad_debt - half, out.mean_bad_debt + half};
    return out;
}
}  // namespace detail

// Every cell of a grid, checked before anything runs.
inline Result<void> check_grid(const Scenario& scenario, Span<const double> maintenance, Span<const double> penalties,
                               const GridOptions& options) {
    if (maintenance.empty() || penalties.empty()) return make_error(ErrorCode::invalid_argument, "empty grid");
    if (!(options.initial_to_maintenance >= 1.0)) {
        return make_error(ErrorCode::invalid_argument, "grid: initial margin must be at least maintenance");
    }
    // Checked here, before any cell runs: a NaN target reached a cast to an integer count.
    if (!(options.target_probability > 0.0 && options.target_probability < 1.0)) {
        return make_error(ErrorCode::invalid_argument, "grid: target_probability must be in (0, 1)");
    }
    if (!detail::is_confidence(options.confidence)) {
        return make_error(ErrorCode::invalid_argument, "grid: confidence must be in (0, 1)");
    }
    for (const double mm : maintenance) {
        for (const double penalty : penalties) {
            if (!(mm > 0.0 && mm * options.initial_to_maintenance <= 1.0 && penalty >= 0.0 && penalty < 1.0)) {
                return make_error(ErrorCode::invalid_argument,
                                  "grid: maintenance in (0, 1], initial <= 100%, penalty in [0, 1)");
            }
            if (Result<void> valid = validate_market_config(detail::grid_cell(scenario, mm, penalty, options).market);
                !valid) {
                return valid.error();
            }
        }
    }
    return {};
}

// One run per (maintenance, penalty) pair, every run with the scenario's seeds (common random
// numbers: the cells differ by their parameters, not by their luck). The cell that is the
// scenario's own market runs the scenario itself; with `run_of_scenario` (a run of `scenario`,
// same paths) it is not run again but read from that run, so it equals the headline exactly.
// With options.include_running a cell for the scenario's own market is added when the grid does
// not hold it (last, marked running); with options.one_at_a_time only the cells that differ from
// it in one parameter run.
template <class = void>
inline Result<std::vector<GridCell>> margin_penalty_grid(const Scenario& scenario, Span<const double> maintenance,
                                                         Span<const double> penalties, const GridOptions& options = {},
                                                         Progress* progress = nullptr,
                                                         const RunResult* run_of_scenario = nullptr) {
    if (Result<void> valid = check_grid(scenario, maintenance, penalties, options); !valid) return valid.error();
    if (run_of_scenario != nullptr && run_of_scenario->paths.size() != scenario.paths) {
        return make_error(ErrorCode::invalid_argument, "the run does not belong to the scenario");
    }
    const auto running_cell = [&]() -> Result<GridCell> {
        Result<GridCell> cell = run_of_scenario != nullptr
                                    ? detail::grid_cell_figures(scenario, *run_of_scenario, options, progress)
                                    : detail::grid_cell_figures(scenario, run(scenario, false, progress), options, progress);
        if (cell) cell->running = true;
        return cell;
    };
    bool in_grid = false;
    for (const double mm : maintenance) {
        for (const double penalty : penalties) in_grid = in_grid || detail::is_running_cell(scenario, mm, penalty, options);
    }
    const MarketConfig& own = scenario.market;
    std::vector<GridCell> cells;
    bool running_seen = false;
    for (const double mm : maintenance) {
        for (const double penalty : penalties) {
            if (options.one_at_a_time && in_grid && own.tiers[0].maintenance != detail::ppm_from_fraction(mm) &&
                own.liquidation_penalty != detail::ppm_from_fraction(penalty)) {
                continue;
            }
            Result<GridCell> cell = make_error(ErrorCode::invalid_argument, "not run");
            if (detail::is_running_cell(scenario, mm, penalty, options)) {
                cell = running_cell();
                running_seen = true;
            } else {
                const Scenario configuration = detail::grid_cell(scenario, mm, penalty, options);
                cell = detail::grid_cell_figures(configuration, run(configuration, false, progress), options, progress);
            }
            if (!cell) return cell.error();
            // The grid's own figures for the rates it asked for (the ppm rounding aside).
            cell->maintenance_margin = mm;
            cell->initial_margin = mm * options.initial_to_maintenance;
            cell->liquidation_penalty = penalty;
            cell->max_leverage = 1.0 / cell->initial_margin;
            cells.push_back(*cell);
        }
    }
    if (options.include_running && !running_seen) {
        Result<GridCell> cell = running_cell();
        if (!cell) return cell.error();
        cells.push_back(*cell);
    }
    for (GridCell& cell : cells) {
        cell.on_frontier = std::none_of(cells.begin(), cells.end(),
                                        [&](const GridCell& other) { return dominates(other, cell); });
    }
    return cells;
}

}  // namespace risk
}  // namespace backstop
