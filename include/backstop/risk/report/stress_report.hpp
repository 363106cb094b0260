// Everything a stress-test report shows, computed from a scenario: the run's summary, the fan of
// the fund's balance over time, the histogram of the fund's loss with VaR and ES, the depletion
// probability against the initial fund with its band and the calibrated sizes, the margin x
// penalty grid with its frontier, and the socialized-loss policies side by side. Plain data: the
// writers (JSON, CSV, HTML, console) only format it, so every figure has one source.
//
// Policy comparison on the same paths: a path that never depletes the fund never reaches the
// socialized-loss policy, so it is the same under every policy; only the depleted paths are run
// again, under each policy, with the same seeds.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/risk/adl_benchmark.hpp"
#include "backstop/risk/calibration.hpp"
#include "backstop/risk/fund_currency_comparison.hpp"
#include "backstop/risk/penalty_comparison.hpp"
#include "backstop/risk/gamma_study.hpp"
#include "backstop/risk/predictive_margin_comparison.hpp"
#include "backstop/risk/progress.hpp"
#include "backstop/risk/report/incident_report.hpp"
#include "backstop/risk/run_statistics.hpp"
#include "backstop/risk/simulator.hpp"
#include "backstop/risk/yield_comparison.hpp"
#include "backstop/risk/statistics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace backstop {
namespace risk {

struct FanChart {
    std::vector<double> levels;                 // quantile levels, ascending
    std::vector<double> hours;                  // time of each step's end
    std::vector<std::vector<double>> quantiles;  // [level][step]: fund balance
};

struct Histogram {
    double first_edge = 0.0;
    double bin_width = 0.0;
    std::vector<std::uint64_t> counts;
};

struct PolicyOutcome {
    SocializedLossChoice policy = SocializedLossChoice::ranked_adl;
    std::uint64_t paths_socializing = 0;    // paths where the policy was needed
    double mean_socialized = 0.0;           // per path, quote units
    double mean_uncovered = 0.0;            // nobody could bear it
    double mean_borne_by_traders = 0.0;
    double mean_borne_by_maker = 0.0;
    double mean_taken_beyond_deficit = 0.0;  // charges above what was socialized (rounding in the protocol's favour)
    double mean_charges = 0.0;               // bearer charges per path
    double mean_deleveraged_notional = 0.0;  // positions closed by ADL, at the mark
    double largest_path_socialized = 0.0;
};

// Two set-ups of the fund on the same seeds (docs/management.md): a dynamic penalty against the
// static one, a fund held in the base asset against the stablecoin one. Each arm with its
// depletion interval; the pair with McNemar's exact test on the paths depleted in one arm only.
struct PairedComparison {
    std::string what;         // "liquidation penalty", "fund currency"
    std::string first_name;   // "static", "USDC"
    std::string second_name;  // "dynamic", "base asset"
    PenaltyArm first;
    PenaltyArm second;
    std::uint64_t first_only = 0;   // paths depleted in the first arm only
    std::uint64_t second_only = 0;
    double mcnemar_p_value = 1.0;
    // Shown when not empty: what fund management earned per path (PenaltyArm::management_gain),
    // e.g. "yield net of defaults per path".
    std::string gain_label;
    // Show the spread of the fund's loss (its standard deviation and expected shortfall, with
    // bootstrap intervals): the hedge's figure.
    bool show_loss_spread = false;
};

// StressReportOptions::grid_paths: every path of the run.
inline constexpr std::uint32_t grid_paths_of_run = std::numeric_limits<std::uint32_t>::max();

inline GridOptions one_at_a_time_grid() {
    GridOptions grid;
    grid.one_at_a_time = true;
    return grid;
}

struct StressReportOptions {
    std::vector<double> fan_levels{0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99};
    std::size_t histogram_bins = 40;
    SummaryOptions summary{};
    std::vector<double> targets{0.05, 0.01};  // depletion probabilities to calibrate the fund for
    std::size_t curve_points = 60;
    // The margin x penalty grid. Every cell runs on the first grid_paths of the run's seeds
    // (common random numbers); by default all of them, so the running configuration's cell is the
    // headline run itself (read from it, not run again) and each cell's interval is as narrow as
    // the headline's. Each other cell costs a run as long as the headline's, so by default the
    // grid varies one parameter at a time around the default market (maintenance 3%, penalty
    // 1.5%): a higher maintenance margin, a lower penalty, two runs more than the headline, which
    // keeps the demo fast (grid.one_at_a_time = false runs every pair). The running configuration
    // is added when the grid does not hold it. 0: no grid.
    std::vector<double> grid_maintenance{0.03, 0.05};
    std::vector<double> grid_penalties{0.01, 0.015};
    std::uint32_t grid_paths = grid_paths_of_run;  // per cell: at most the run's paths (0: no grid)
    GridOptions grid = one_at_a_time_grid();
    std::vector<SocializedLossChoice> policies{SocializedLossChoice::ranked_adl, SocializedLossChoice::pro_rata_haircut,
                                               SocializedLossChoice::funding};
    bool comparisons = true;  // run the management comparisons the scenario turns on (two runs each)
    // The ADL policies on the Oct-10-like event (risk/adl_benchmark.hpp): independent of the
    // scenario, a few milliseconds; the report shows it so that every run carries the comparison.
    bool adl_benchmark = true;
    // How the scenario's predictive margin filter was fitted (fit_volatility_filter), when it was:
    // the report says so next to the comparison.
    std::optional<PredictiveFilterFit> predictive_filter_fit;
    // The options gamma study (risk/gamma_study.hpp; its own set-up, independent of the scenario's
    // markets): its tables join the report when set (stress_test --gamma-study).
    std::optional<GammaStudySetup> gamma_study;
};

// The intervals of the headline's other figures: percentile bootstrap (1,000 resamples of the
// paths, a fixed seed) for the VaR and ES of each tail level, normal intervals for the means per
// path (the paths are independent).
struct HeadlineIntervals {
    std::vector<BootstrapInterval> value_at_risk;       // one per tail level, as RunStatistics::fund_loss
    std::vector<BootstrapInterval> expected_shortfall;
    BootstrapInterval fund_min_p01;     // quantiles of the fund's lowest balance
    BootstrapInterval fund_min_median;
    MeanInterval fund_final;
    MeanInterval penalties_to_fund;
    MeanInterval bad_debt;
    MeanInterval socialized;
    MeanInterval liquidations;
};

struct StressReport {
    Scenario scenario;
    RunStatistics statistics;
    FanChart fan;
    Histogram fund_loss;
    std::vector<double> required_fund;          // per path
    std::vector<DepletionPoint> depletion_curve;
    std::vector<FundSizeEstimate> calibrated;   // one per target
    std::vector<GridCell> grid;                 // one cell is the running configuration (GridCell::running)
    std::uint32_t grid_paths = 0;               // per cell, the run's first paths
    double grid_initial_to_maintenance = 0.0;
    double confidence = 0.95;                   // of every interval in the report
    std::vector<PolicyOutcome> policies;
    double mean_penalties_to_fund = 0.0;
    double mean_fund_final = 0.0;
    // Where the fund's money went, per path (the report explains the fund's growth with them):
    // final = initial + penalties + fees - paid for bad debt (+ what management added or took).
    double mean_fees_to_fund = 0.0;
    double mean_fund_paid = 0.0;
    double mean_penalties_charged = 0.0;
    double mean_closed_notional = 0.0;
    std::uint64_t max_liquidations = 0;  // on one path
    HeadlineIntervals intervals;
    std::vector<PairedComparison> comparisons;
    // With FundSetup::target: the target's fan over time (same levels as the fund's), and the
    // paths on which the fund fell below it at some step, with the interval.
    FanChart target_fan;
    BinomialInterval below_target{};
    std::uint64_t paths_below_target = 0;
    // Why the fund's size was not calibrated (empty: it was): the required fund, the depletion
    // curve, the calibrated sizes and the grid need policies that do not look at the balance.
    std::string calibration_skipped;
    // A replay of a published incident (Scenario::incident): the simulated figure next to it.
    std::optional<IncidentComparison> incident;
    // With Scenario::predictive_margin (and comparisons on): static against predictive margins,
    // same seeds.
    std::optional<PredictiveMarginComparison> predictive_margin;
    std::optional<AdlBenchmarkResult> adl;  // StressReportOptions::adl_benchmark
    std::optional<GammaStudy> gamma_study;  // StressReportOptions::gamma_study
};

namespace detail {

inline FanChart fan_chart(const Scenario& scenario, const std::vector<std::vector<double>>& paths, const std::vector<double>& levels) {
    FanChart fan;
    fan.levels = levels;
    std::sort(fan.levels.begin(), fan.levels.end());
    const std::size_t steps = scenario.horizon_steps;
    fan.quantiles.assign(fan.levels.size(), std::vector<double>(steps, 0.0));
    fan.hours.resize(steps);
    std::vector<double> column(paths.size());
    for (std::size_t step = 0; step < steps; ++step) {
        fan.hours[step] = static_cast<double>(step + 1) * scenario.step_hours;
        for (std::size_t p = 0; p < paths.size(); ++p) column[p] = paths[p][step];
        std::sort(column.begin(), column.end());
        for (std::size_t l = 0; l < fan.levels.size(); ++l) {  // type 7, as quantile()
            const double h = static_cast<double>(column.size() - 1) * fan.levels[l];
            const auto j = static_cast<std::size_t>(std::floor(h));
            const double x = j + 1 < column.size() ? column[j] + (h - std::floor(h)) * (column[j + 1] - column[j])
                                                   : column.back();
            fan.quantiles[l][step] = x;
        }
    }
    return fan;
}

inline Histogram histogram(const std::vector<double>& values, std::size_t bins) {
    Histogram h;
    bins = std::max<std::size_t>(bins, 1);
    const auto [low, high] = std::minmax_element(values.begin(), values.end());
    const double span = *high - *low;
    h.first_edge = *low;
    h.bin_width = span > 0.0 ? span / static_cast<double>(bins) : 1.0;
    h.counts.assign(bins, 0);
    for (const double v : values) {
        auto bin = static_cast<std::size_t>((v - h.first_edge) / h.bin_width);
        ++h.counts[std::min(bin, bins - 1)];
    }
    return h;
}

inline PolicyOutcome policy_outcome(SocializedLossChoice policy, const std::vector<PathSummary>& paths) {
    PolicyOutcome out;
    out.policy = policy;
    for (const PathSummary& path : paths) {
        out.paths_socializing += path.adl_events > 0 ? 1u : 0u;
        out.mean_socialized += path.socialized;
        out.mean_uncovered += path.uncovered;
        out.mean_borne_by_traders += path.socialized_traders;
        out.mean_borne_by_maker += path.socialized_maker;
        out.mean_taken_beyond_deficit += path.charged_beyond_socialized;
        out.mean_charges += static_cast<double>(path.bearer_charges);
        out.mean_deleveraged_notional += path.deleveraged_notional;
        out.largest_path_socialized = std::max(out.largest_path_socialized, path.socialized);
    }
    const double n = static_cast<double>(std::max<std::size_t>(paths.size(), 1));
    for (double* mean : {&out.mean_socialized, &out.mean_uncovered, &out.mean_borne_by_traders,
                         &out.mean_borne_by_maker, &out.mean_taken_beyond_deficit, &out.mean_charges,
                         &out.mean_deleveraged_notional}) {
        *mean /= n;
    }
    return out;
}

}  // namespace detail

namespace detail {

inline Result<void> add_intervals(const RunResult& result, const std::vector<double>& losses, const SummaryOptions& options,
                                  StressReport& report) {
    HeadlineIntervals& out = report.intervals;
    for (const double level : options.tail_levels) {
        Result<BootstrapInterval> var = bootstrap_interval(
            Span<const double>(losses), [level](Span<const double> x) { return value_at_risk(x, level); }, options.confidence);
        if (!var) return var.error();
        Result<BootstrapInterval> es = bootstrap_interval(
            Span<const double>(losses), [level](Span<const double> x) { return expected_shortfall(x, level); },
            options.confidence);
        if (!es) return es.error();
        out.value_at_risk.push_back(*var);
        out.expected_shortfall.push_back(*es);
    }
    std::vector<double> minima, fund_final, penalties, bad_debt, socialized, liquidations;
    for (const PathSummary& path : result.paths) {
        minima.push_back(path.fund_min);
        fund_final.push_back(path.fund_final);
        penalties.push_back(path.penalties_to_fund);
        bad_debt.push_back(path.bad_debt);
        socialized.push_back(path.socialized);
        liquidations.push_back(static_cast<double>(path.liquidations));
    }
    for (const auto& [level, interval] : {std::pair<double, BootstrapInterval*>{0.01, &out.fund_min_p01},
                                          std::pair<double, BootstrapInterval*>{0.5, &out.fund_min_median}}) {
        const double q = level;
        Result<BootstrapInterval> b = bootstrap_interval(
            Span<const double>(minima), [q](Span<const double> x) { return quantile(x, q); }, options.confidence);
        if (!b) return b.error();
        *interval = *b;
    }
    out.fund_final = mean_interval(fund_final, options.confidence);
    out.penalties_to_fund = mean_interval(penalties, options.confidence);
    out.bad_debt = mean_interval(bad_debt, options.confidence);
    out.socialized = mean_interval(socialized, options.confidence);
    out.liquidations = mean_interval(liquidations, options.confidence);
    return {};
}

// The fund-size calibration: every path's required fund, the depletion curve, the smallest fund
// for each target, and the margin x penalty grid.
inline Result<void> add_calibration(const Scenario& scenario, const RunResult& result, const StressReportOptions& options,
                                    Progress* progress, StressReport& report) {
    Result<std::vector<double>> required = required_fund_sizes(scenario, result, progress);
    if (!required) return required.error();
    report.required_fund = std::move(*required);
    const Span<const double> required_span(report.required_fund);
    const std::vector<double> sizes = size_grid(required_span, options.curve_points, 1.25 * scenario.fund.initial);
    Result<std::vector<DepletionPoint>> curve =
        depletion_curve(required_span, Span<const double>(sizes), options.summary.confidence);
    if (!curve) return curve.error();
    report.depletion_curve = std::move(*curve);
    for (const double target : options.targets) {
        Result<FundSizeEstimate> estimate = estimate_smallest_fund(required_span, target, options.summary.confidence);
        if (!estimate) return estimate.error();
        report.calibrated.push_back(*estimate);
    }
    // The grid varies the static margins: with predictive ones (which move them) it is not run.
    if (options.grid_paths > 0 && !scenario.predictive_margin) {
        // Path p runs on the stream (seed, p) whatever the number of paths, so the first
        // grid_paths paths of the run are the run of the grid's scenario: the running cell is
        // read from them.
        Scenario cells = scenario;
        cells.paths = std::min(options.grid_paths, scenario.paths);
        RunResult first;
        first.paths.assign(result.paths.begin(), result.paths.begin() + cells.paths);
        GridOptions grid = options.grid;
        grid.target_probability = options.targets.empty() ? grid.target_probability : options.targets.back();
        grid.confidence = options.summary.confidence;
        grid.include_running = true;
        Result<std::vector<GridCell>> cells_result =
            margin_penalty_grid(cells, Span<const double>(options.grid_maintenance),
                                Span<const double>(options.grid_penalties), grid, progress, &first);
        if (!cells_result) return cells_result.error();
        report.grid = std::move(*cells_result);
        report.grid_paths = cells.paths;
        report.grid_initial_to_maintenance = grid.initial_to_maintenance;
    }
    return {};
}

// The comparisons the scenario turns on, each on the same seeds as the run.
inline Result<void> add_comparisons(const Scenario& scenario, const StressReportOptions& options, Progress* progress,
                                    StressReport& report) {
    if (options.gamma_study) {
        Result<GammaStudy> study = run_gamma_study(*options.gamma_study);
        if (!study) return study.error();
        report.gamma_study = std::move(*study);
    }
    if (!options.comparisons) return {};
    if (scenario.predictive_margin) {
        Result<PredictiveMarginComparison> c =
            compare_predictive_margins(scenario, *scenario.predictive_margin, options.summary.confidence, progress);
        if (!c) return c.error();
        report.predictive_margin = std::move(*c);
        report.predictive_margin->fitted_filter = options.predictive_filter_fit;
    }
    if (scenario.fund.dynamic_penalty) {
        Result<PenaltyComparison> c = compare_penalties(scenario, options.summary, progress);
        if (!c) return c.error();
        report.comparisons.push_back({"liquidation penalty", "static", "dynamic", std::move(c->static_penalty),
                                      std::move(c->dynamic_penalty), c->depleted_static_only, c->depleted_dynamic_only,
                                      c->mcnemar_p_value, {}, false});
    }
    if (scenario.fund.staking && scenario.fund.staking->cooldown_hours > 0.0) {
        // Does the cooldown hold the run back? The same stakers claiming at once, same seeds.
        Scenario at_once = scenario;
        at_once.fund.staking->cooldown_hours = 0.0;
        Result<PairedArms> pair = paired_arms(at_once, scenario, options.summary, progress);
        if (!pair) return pair.error();
        report.comparisons.push_back({"staking cooldown", "claims at once",
                                      fmt::format("{:g} h cooldown", scenario.fund.staking->cooldown_hours),
                                      std::move(pair->first), std::move(pair->second), pair->first_only, pair->second_only,
                                      pair->mcnemar_p_value, {}, false});
    }
    if (scenario.fund.yield) {
        Result<YieldComparison> c = compare_yield(scenario, options.summary, progress);
        if (!c) return c.error();
        for (YieldFloorArm& f : c->floors) {
            PairedComparison pair{fmt::format("yield above a {:g}% floor ({:.0f})", 100.0 * f.quantile, f.floor),
                                  "no yield", "yield", c->plain, std::move(f.arm), f.depleted_plain_only,
                                  f.depleted_yield_only, f.mcnemar_p_value, {}, false};
            pair.gain_label = "yield net of defaults per path";
            report.comparisons.push_back(std::move(pair));
        }
    }
    if (scenario.fund.hedge) {
        // The hedge's figure is the spread of the fund's loss: its sd and ES, and what it cost.
        Scenario unhedged = scenario;
        unhedged.fund.hedge.reset();
        Result<PairedArms> pair = paired_arms(unhedged, scenario, options.summary, progress);
        if (!pair) return pair.error();
        PairedComparison c{fmt::format("hedge of the fund's base asset (ratio {:g})", scenario.fund.hedge->ratio), "unhedged",
                           "hedged", std::move(pair->first), std::move(pair->second), pair->first_only, pair->second_only,
                           pair->mcnemar_p_value, "minus the hedge's fees per path", true};
        report.comparisons.push_back(std::move(c));
    }
    if (scenario.fund.base_asset_fraction > 0.0 && !scenario.fund.hedge) {
        Result<FundCurrencyComparison> c = compare_fund_currency(scenario, options.summary, progress);
        if (!c) return c.error();
        report.comparisons.push_back({"fund currency", "USDC", "base asset", std::move(c->stablecoin),
                                      std::move(c->base_asset), c->depleted_stablecoin_only, c->depleted_base_asset_only,
                                      c->mcnemar_p_value, {}, false});
    }
    return {};
}

}  // namespace detail

// Runs the scenario and everything the report shows. Deterministic: the same scenario and
// options give the same report, whatever the number of threads.
inline Result<StressReport> build_stress_report(const Scenario& scenario, const StressReportOptions& options = {},
                                                Progress* progress = nullptr) {
    if (scenario.paths < 2) return make_error(ErrorCode::invalid_argument, "a report needs at least two paths");
    if (scenario.horizon_steps == 0) return make_error(ErrorCode::invalid_argument, "a report needs a horizon");
    for (const double level : options.fan_levels) {
        if (!(level >= 0.0 && level <= 1.0)) return make_error(ErrorCode::invalid_argument, "fan levels in [0, 1]");
    }
    for (const double target : options.targets) {  // checked before anything runs
        if (!(target > 0.0 && target < 1.0)) return make_error(ErrorCode::invalid_argument, "targets in (0, 1)");
    }
    if (!fund_setup_consistent(scenario.fund)) return make_error(ErrorCode::invalid_policy_parameter, "inconsistent fund set-up");
    if (!predictive_margin_consistent(scenario)) {
        return make_error(ErrorCode::invalid_policy_parameter,
                          "the predictive margin set-up is invalid or does not fit the model or markets");
    }
    if (!markets_consistent(scenario)) {
        return make_error(ErrorCode::invalid_argument,
                          "inconsistent markets: several markets need the correlated model with one entry per market");
    }
    if (scenario.fund.hedge) {
        // A hedge margined below the market's initial margin would be refused at every rebalance.
        for (std::size_t t = 0; t < scenario.market.tier_count; ++t) {
            if (detail::ppm_from_fraction(scenario.fund.hedge->margin_ratio) < scenario.market.tiers[t].initial) {
                return make_error(ErrorCode::invalid_policy_parameter, "the hedge's margin ratio is below the market's initial margin");
            }
        }
        // Predictive margins may raise the initial fraction up to their cap.
        if (scenario.predictive_margin &&
            detail::ppm_from_fraction(scenario.fund.hedge->margin_ratio) < scenario.predictive_margin->initial_max) {
            return make_error(ErrorCode::invalid_policy_parameter,
                              "the hedge's margin ratio is below the predictive margins' initial cap");
        }
    }
    const bool calibrate = policies_ignore_balance(scenario.fund);
    if (calibrate && options.grid_paths > 0 && !scenario.predictive_margin) {
        if (Result<void> valid = check_grid(scenario, Span<const double>(options.grid_maintenance),
                                            Span<const double>(options.grid_penalties), options.grid);
            !valid) {
            return valid.error();
        }
    }
    StressReport report;
    report.scenario = scenario;
    report.confidence = options.summary.confidence;
    const RunResult result = run(scenario, true, progress);
    Result<RunStatistics> statistics = summarize(result, options.summary);
    if (!statistics) return statistics.error();
    report.statistics = std::move(*statistics);
    report.fan = detail::fan_chart(scenario, result.fund_paths, options.fan_levels);
    if (scenario.fund.target) {
        report.target_fan = detail::fan_chart(scenario, result.target_paths, options.fan_levels);
        for (const PathSummary& path : result.paths) report.paths_below_target += path.coverage_min < 1.0 ? 1u : 0u;
        Result<BinomialInterval> below = wilson_interval(report.paths_below_target, result.paths.size(), options.summary.confidence);
        if (!below) return below.error();
        report.below_target = *below;
    }
    std::vector<double> losses;
    for (const PathSummary& path : result.paths) {
        losses.push_back(path.fund_loss());
        report.mean_penalties_to_fund += path.penalties_to_fund;
        report.mean_fund_final += path.fund_final;
        report.mean_fees_to_fund += path.fees_to_fund;
        report.mean_fund_paid += path.fund_paid;
        report.mean_penalties_charged += path.penalties_charged;
        report.mean_closed_notional += path.closed_notional;
        report.max_liquidations = std::max(report.max_liquidations, path.liquidations);
    }
    for (double* mean : {&report.mean_penalties_to_fund, &report.mean_fund_final, &report.mean_fees_to_fund,
                         &report.mean_fund_paid, &report.mean_penalties_charged, &report.mean_closed_notional}) {
        *mean /= static_cast<double>(result.paths.size());
    }
    report.fund_loss = detail::histogram(losses, options.histogram_bins);
    if (Result<void> ok = detail::add_intervals(result, losses, options.summary, report); !ok) return ok.error();
    if (scenario.incident) {
        Result<IncidentComparison> incident = compare_incident(*scenario.incident, result.paths, options.summary.confidence);
        if (!incident) return incident.error();
        report.incident = std::move(*incident);
    }

    if (!calibrate) {
        report.calibration_skipped =
            "the fund's policies look at its balance (a fund-first fee capture, a settlement above a floor, a penalty "
            "that reads the fund's health, a fund held in the base asset, stakers who run, or capital placed above a "
            "liquidity floor): the path of a smaller "
            "fund is not the same path, so no fund size is calibrated";
    }
    if (Result<void> ok = detail::add_comparisons(scenario, options, progress, report); !ok) return ok.error();
    if (calibrate) {
        if (Result<void> ok = detail::add_calibration(scenario, result, options, progress, report); !ok) return ok.error();
    }

    // Policies: the depleted paths again under each policy; the others are the same under all.
    std::vector<std::uint64_t> depleted;
    for (const PathSummary& path : result.paths) {
        if (path.depleted()) depleted.push_back(path.path);
    }
    for (const SocializedLossChoice policy : options.policies) {
        std::vector<PathSummary> paths = result.paths;
        if (policy != scenario.fund.socialized_loss) {
            Scenario variant = scenario;
            variant.fund.socialized_loss = policy;
            const std::vector<PathSummary> again = run_paths(variant, Span<const std::uint64_t>(depleted), progress);
            for (std::size_t i = 0; i < depleted.size(); ++i) paths[depleted[i]] = again[i];
        }
        report.policies.push_back(detail::policy_outcome(policy, paths));
    }
    if (options.adl_benchmark) report.adl = run_adl_benchmark(AdlBenchmarkConfig{});
    return report;
}

}  // namespace risk
}  // namespace backstop
