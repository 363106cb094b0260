// Predictive margins (risk/predictive_margin.hpp) against the market's static ones, on the same
// seeds: the same scenario with and without Scenario::predictive_margin. Each arm: the depletion
// probability with its Wilson interval, the mean bad debt and liquidations per path and the
// average leverage a new position was allowed (1 / initial fraction, averaged over the steps),
// each with a normal interval (the paths are independent); the paths depleted in one arm only with
// McNemar's exact test (the arms share their price moves until the margins make them diverge).
//
// And the forecast's accuracy out of sample: the GARCH filter's forecast of each step's squared
// return against the squared return that followed (first market), on the predictive arm's paths,
// through the Mincer-Zarnowitz regression y = a + b f (r^2, slope, intercept) and the correlation.
// The filter's parameters are given (the model's, or the setup's) or fitted by maximum likelihood
// on training paths from another seed (risk/fitted_volatility_filter.hpp), never on these paths,
// and each forecast uses marks up to the step before the return it forecasts. The r^2 and the
// correlation carry a percentile bootstrap interval over the evaluation paths (each path one
// block: the steps within a path are dependent, the paths independent), with a fixed seed.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/risk/fitted_volatility_filter.hpp"
#include "backstop/risk/penalty_comparison.hpp"
#include "backstop/risk/predictive_margin.hpp"
#include "backstop/risk/progress.hpp"
#include "backstop/risk/rng/random_stream.hpp"
#include "backstop/risk/scenario.hpp"
#include "backstop/risk/simulator.hpp"
#include "backstop/risk/statistics.hpp"

#include <cmath>
#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

namespace backstop {
namespace risk {

struct PredictiveMarginArm {
    std::uint64_t paths = 0;
    std::uint64_t depleted_paths = 0;
    BinomialInterval depletion{};     // Wilson
    MeanInterval bad_debt;            // per path, quote units
    MeanInterval leverage_allowed;    // per path: the mean over its steps of 1 / initial fraction
    MeanInterval liquidations;        // per path
    // The same three as means per path with their normal intervals (fractions; changes a count).
    MeanInterval initial_margin;
    MeanInterval maintenance_margin_max;
    MeanInterval margin_changes;
    double initial_margin_mean = 0.0;        // a fraction, over paths and steps
    double maintenance_margin_max_mean = 0.0;  // per path, its highest, averaged
    double margin_changes_mean = 0.0;        // per path
    std::uint64_t margin_refusals = 0;       // must be 0
    std::uint64_t paths_not_conserved = 0;   // must be 0
};

// The Mincer-Zarnowitz regression of realised squared returns on their forecasts.
struct VolatilityForecastAccuracy {
    std::uint64_t paths = 0;
    std::uint64_t observations = 0;
    double intercept = 0.0;
    double slope = 0.0;
    double r_squared = 0.0;
    double correlation = 0.0;
    double mean_forecast = 0.0;  // of the squared return
    double mean_realised = 0.0;
    // Percentile bootstrap over paths (forecast_accuracy_interval); 0 resamples: not computed.
    double interval_confidence = 0.0;
    std::uint32_t bootstrap_resamples = 0;
    double r_squared_lower = 0.0;
    double r_squared_upper = 0.0;
    double correlation_lower = 0.0;
    double correlation_upper = 0.0;
};

struct PredictiveMarginComparison {
    PredictiveMarginSetup setup;
    double confidence = 0.95;
    PredictiveMarginArm static_margin;
    PredictiveMarginArm predictive_margin;
    std::uint64_t depleted_static_only = 0;
    std::uint64_t depleted_predictive_only = 0;
    double mcnemar_p_value = 1.0;  // exact, two-sided
    VolatilityForecastAccuracy forecast;
    // The parameters the predictive arm's filter ran with (per step; variance: its start).
    GarchVolatilityFilter filter{};
    // Set when the filter was fitted on held-out training paths: their seed and number, the
    // fitted parameters and their standard errors. Empty: the setup's (the model's own when
    // setup.model_filter).
    std::optional<PredictiveFilterFit> fitted_filter;
    std::uint64_t scenario_seed = 0;  // the arms' seed (the training paths' differs)
};

// The regression from the sums (which add across paths). Degenerate sums (fewer than 3
// observations, a constant forecast or outcome) give a zero slope and r^2.
inline VolatilityForecastAccuracy forecast_accuracy(const ForecastSums& s, std::uint64_t paths) {
    VolatilityForecastAccuracy out;
    out.paths = paths;
    out.observations = s.count;
    if (s.count == 0) return out;
    const double n = static_cast<double>(s.count);
    out.mean_forecast = s.f / n;
    out.mean_realised = s.y / n;
    const double var_f = s.ff / n - out.mean_forecast * out.mean_forecast;
    const double var_y = s.yy / n - out.mean_realised * out.mean_realised;
    const double cov = s.fy / n - out.mean_forecast * out.mean_realised;
    out.intercept = out.mean_realised;
    if (s.count < 3 || !(var_f > 0.0) || !(var_y > 0.0)) return out;
    out.slope = cov / var_f;
    out.intercept = out.mean_realised - out.slope * out.mean_forecast;
    out.correlation = cov / std::sqrt(var_f * var_y);
    out.r_squared = out.correlation * out.correlation;
    return out;
}

// The regression with percentile bootstrap intervals for r^2 and the correlation: the paths'
// sums resampled with replacement `resamples` times (draws from RandomStream(seed, r), one per
// path), the statistics recomputed, their (1 - c)/2 and (1 + c)/2 quantiles taken. One path (or
// none): the interval is the point.
inline VolatilityForecastAccuracy forecast_accuracy_interval(const std::vector<ForecastSums>& per_path, double confidence,
                                                             std::uint32_t resamples = 1'000, std::uint64_t seed = 20261125) {
    ForecastSums total;
    for (const ForecastSums& s : per_path) total.add(s);
    VolatilityForecastAccuracy out = forecast_accuracy(total, per_path.size());
    out.interval_confidence = confidence;
    out.r_squared_lower = out.r_squared_upper = out.r_squared;
    out.correlation_lower = out.correlation_upper = out.correlation;
    if (per_path.size() < 2 || resamples < 10 || !detail::is_confidence(confidence)) return out;
    out.bootstrap_resamples = resamples;
    std::vector<double> r2;
    std::vector<double> rho;
    r2.reserve(resamples);
    rho.reserve(resamples);
    const double n = static_cast<double>(per_path.size());
    for (std::uint32_t r = 0; r < resamples; ++r) {
        RandomStream rng(seed, r);
        ForecastSums sample;
        for (std::size_t i = 0; i < per_path.size(); ++i) {
            const double u = rng.uniform();
            sample.add(per_path[static_cast<std::size_t>(std::min(n - 1.0, std::floor(u * n)))]);
        }
        const VolatilityForecastAccuracy replicate = forecast_accuracy(sample, per_path.size());
        r2.push_back(replicate.r_squared);
        rho.push_back(replicate.correlation);
    }
    const double low = 0.5 * (1.0 - confidence);
    const double high = 0.5 * (1.0 + confidence);
    out.r_squared_lower = quantile(Span<const double>(r2), low).value_or(out.r_squared);
    out.r_squared_upper = quantile(Span<const double>(r2), high).value_or(out.r_squared);
    out.correlation_lower = quantile(Span<const double>(rho), low).value_or(out.correlation);
    out.correlation_upper = quantile(Span<const double>(rho), high).value_or(out.correlation);
    return out;
}

namespace detail {
inline Result<PredictiveMarginArm> predictive_arm(const RunResult& result, double confidence, std::vector<std::uint8_t>& depleted) {
    PredictiveMarginArm arm;
    arm.paths = result.paths.size();
    std::vector<double> bad_debt;
    std::vector<double> leverage;
    std::vector<double> liquidations;
    std::vector<double> initial_margin;
    std::vector<double> maintenance_max;
    std::vector<double> changes;
    depleted.clear();
    for (const PathSummary& path : result.paths) {
        depleted.push_back(path.depleted() ? 1 : 0);
        arm.depleted_paths += path.depleted() ? 1u : 0u;
        bad_debt.push_back(path.bad_debt);
        leverage.push_back(path.leverage_allowed_mean);
        liquidations.push_back(static_cast<double>(path.liquidations));
        initial_margin.push_back(path.initial_margin_mean);
        maintenance_max.push_back(path.maintenance_margin_max);
        changes.push_back(static_cast<double>(path.margin_changes));
        arm.initial_margin_mean += path.initial_margin_mean;
        arm.maintenance_margin_max_mean += path.maintenance_margin_max;
        arm.margin_changes_mean += static_cast<double>(path.margin_changes);
        arm.margin_refusals += path.margin_refusals;
        arm.paths_not_conserved += path.conserved ? 0u : 1u;
    }
    Result<BinomialInterval> wilson = wilson_interval(arm.depleted_paths, arm.paths, confidence);
    if (!wilson) return wilson.error();
    arm.depletion = *wilson;
    arm.bad_debt = mean_interval(bad_debt, confidence);
    arm.leverage_allowed = mean_interval(leverage, confidence);
    arm.liquidations = mean_interval(liquidations, confidence);
    arm.initial_margin = mean_interval(initial_margin, confidence);
    arm.maintenance_margin_max = mean_interval(maintenance_max, confidence);
    arm.margin_changes = mean_interval(changes, confidence);
    const double n = static_cast<double>(arm.paths);
    arm.initial_margin_mean /= n;
    arm.maintenance_margin_max_mean /= n;
    arm.margin_changes_mean /= n;
    return arm;
}
}  // namespace detail

// The scenario (its own predictive_margin ignored) with static margins and with `setup`, on the
// same seeds. Refuses an invalid setup, one that does not fit the scenario, or no paths.
template <class = void>
inline Result<PredictiveMarginComparison> compare_predictive_margins(const Scenario& scenario, const PredictiveMarginSetup& setup,
                                                                     double confidence = 0.95, Progress* progress = nullptr) {
    if (!setup.valid()) return make_error(ErrorCode::invalid_policy_parameter, "invalid predictive margin setup");
    if (!detail::is_confidence(confidence)) return make_error(ErrorCode::invalid_argument, "confidence outside (0, 1)");
    if (scenario.paths == 0) return make_error(ErrorCode::invalid_argument, "no paths");
    Scenario fixed = scenario;
    fixed.predictive_margin.reset();
    Scenario moving = scenario;
    moving.predictive_margin = setup;
    if (!markets_consistent(fixed) || !fund_setup_consistent(fixed.fund)) {
        return make_error(ErrorCode::invalid_argument, "inconsistent scenario");
    }
    if (!predictive_margin_consistent(moving)) {
        return make_error(ErrorCode::invalid_policy_parameter, "the predictive margin setup does not fit the scenario's model or markets");
    }
    PredictiveMarginComparison out;
    out.setup = setup;
    out.scenario_seed = scenario.seed;
    out.confidence = confidence;
    std::vector<std::uint8_t> static_depleted;
    std::vector<std::uint8_t> moving_depleted;
    const RunResult static_run = run(fixed, false, progress);
    Result<PredictiveMarginArm> a = detail::predictive_arm(static_run, confidence, static_depleted);
    if (!a) return a.error();
    const RunResult moving_run = run(moving, false, progress);
    Result<PredictiveMarginArm> b = detail::predictive_arm(moving_run, confidence, moving_depleted);
    if (!b) return b.error();
    out.static_margin = *a;
    out.predictive_margin = *b;
    for (std::size_t i = 0; i < static_depleted.size(); ++i) {
        out.depleted_static_only += static_depleted[i] && !moving_depleted[i] ? 1u : 0u;
        out.depleted_predictive_only += moving_depleted[i] && !static_depleted[i] ? 1u : 0u;
    }
    out.mcnemar_p_value = mcnemar_exact_p(out.depleted_static_only, out.depleted_predictive_only);
    std::vector<ForecastSums> per_path;
    per_path.reserve(moving_run.paths.size());
    for (const PathSummary& path : moving_run.paths) per_path.push_back(path.volatility_forecast);
    out.forecast = forecast_accuracy_interval(per_path, confidence);
    (void)predictive_filter(setup, scenario.model, out.filter);  // checked by predictive_margin_consistent
    return out;
}

// The same with the filter fitted on held-out training paths (fit_volatility_filter: the
// scenario's model from training.seed, which must differ from the scenario's): `base` with the
// fitted omega, alpha and beta, and the fit in the result. Errors as fit_volatility_filter and
// as the comparison above.
template <class = void>
inline Result<PredictiveMarginComparison> compare_predictive_margins(const Scenario& scenario, const PredictiveMarginSetup& base,
                                                                     const PredictiveFilterTraining& training,
                                                                     double confidence = 0.95, Progress* progress = nullptr) {
    if (!detail::is_confidence(confidence)) return make_error(ErrorCode::invalid_argument, "confidence outside (0, 1)");
    Result<PredictiveFilterFit> fit = fit_volatility_filter(scenario, training);
    if (!fit) return fit.error();
    Result<PredictiveMarginComparison> out =
        compare_predictive_margins(scenario, with_fitted_filter(base, *fit), confidence, progress);
    if (!out) return out.error();
    out->fitted_filter = std::move(*fit);
    return out;
}

}  // namespace risk
}  // namespace backstop
