// A predictive-margin filter trained by maximum likelihood on held-out paths. The training paths
// are price paths of the scenario's own model drawn from a different seed than the scenario's
// (path p of the training set is RandomStream(training_seed, p), the evaluation paths are
// (scenario.seed, p)), so no evaluation path's returns are seen by the fit. GARCH(1,1) (normal or
// Student-t innovations, risk/garch_fit.hpp) is fitted on the concatenation of the training
// paths' first-market log returns, each path `horizon_steps` long; the variance recursion starts
// at the unconditional variance (where GarchT and GarchJump paths start) and runs on across path
// boundaries: the first return of each later path is forecast from the previous path's end, a
// misspecification of one step per path whose effect decays by beta a step (small for paths of
// hundreds of steps; it is not the exact pooled likelihood, which would restart h per path).
//
// What the training returns hold: the model's log returns (the same draws PathRunner takes, with
// the training seed) plus, unless told otherwise, the scenario's scheduled shocks at their steps,
// as in the marks. Not the liquidations' price impact, which needs the engine. Jumps (GarchJump,
// MertonJump, HawkesJump, CorrelatedMarkets' common jumps) and scheduled shocks are in the data
// but a GARCH(1,1) has no jump term: the fit sees them as fat tails (a lower nu) and, through
// alpha, as news that raises the variance forecast afterwards.
//
// Any price model may be fitted, also one without GARCH parameters (Gbm, MertonJump, Bootstrap):
// the filter is a forecaster, not a claim that the model is GARCH. On such data there is no
// volatility clustering to find: alpha runs to 0 (a boundary: NaN standard errors) and the fit
// usually does not converge, which is refused (the fit's error) unless allow_unconverged, which
// keeps the near-constant filter it found. A filter that is not stationary is always refused.
//
// The filter (predictive_margin.hpp) forecasts r^2 with no mean: the fitted mean is reported but
// not used (per step it is orders of magnitude below the volatility).
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/risk/garch_fit.hpp"
#include "backstop/risk/predictive_margin.hpp"
#include "backstop/risk/rng/random_stream.hpp"
#include "backstop/risk/scenario.hpp"

#include <cstdint>
#include <type_traits>
#include <variant>
#include <vector>

namespace backstop {
namespace risk {

struct PredictiveFilterTraining {
    std::uint64_t seed = 0;          // must differ from the scenario's seed: the held-out set
    std::uint32_t paths = 0;         // at least 1; paths x horizon_steps >= 100 returns
    GarchInnovation innovation = GarchInnovation::student_t;
    bool with_shocks = true;         // add the scenario's scheduled shocks, as the marks have them
    // A GARCH fit converges in a few dozen iterations; one that runs to a boundary (data without
    // volatility clustering) does not, and with Student-t innovations each iteration is slow there.
    int max_iterations = 300;
    bool allow_unconverged = false;  // true: keep such a fit (GarchFit::converged false)
};

struct PredictiveFilterFit {
    PredictiveFilterTraining training;
    std::uint32_t steps_per_path = 0;
    GarchFit garch;  // parameters (per step), classical and robust standard errors, log L, observations
};

// The first market's log returns of `path` of the scenario's model drawn from `seed` (not
// necessarily the scenario's), one per step of the horizon: with the scenario's seed, exactly the
// model_log_return draws of PathRunner; with `with_shocks`, plus the scheduled shocks. Errors on a
// Bootstrap model without returns or an inconsistent CorrelatedMarkets.
inline Result<std::vector<double>> model_path_log_returns(const Scenario& scenario, std::uint64_t seed, std::uint64_t path,
                                                          bool with_shocks = true) {
    if (!markets_consistent(scenario)) return make_error(ErrorCode::invalid_argument, "inconsistent markets or model");
    if (const auto* b = std::get_if<Bootstrap>(&scenario.model)) {
        if (!b->returns || b->returns->empty()) return make_error(ErrorCode::invalid_argument, "a bootstrap model without returns");
    }
    std::vector<double> out(scenario.horizon_steps, 0.0);
    const double dt = scenario.step_years();
    std::visit(
        [&](const auto& m) {
            using M = std::decay_t<decltype(m)>;
            if constexpr (whole_path_model_v<M>) {
                m.log_returns(seed, path, dt, out.data(), out.size());
            } else if constexpr (std::is_same_v<M, CorrelatedMarkets>) {
                RandomStream rng(seed, path);
                std::vector<double> step_returns(m.size(), 0.0);
                for (std::uint32_t step = 0; step < scenario.horizon_steps; ++step) {
                    rng.at_step(step);
                    m.log_returns(rng, step, dt, step_returns.data());
                    out[step] = step_returns[0];
                }
            } else {
                RandomStream rng(seed, path);
                typename M::State state = m.initial_state();
                for (std::uint32_t step = 0; step < scenario.horizon_steps; ++step) {
                    rng.at_step(step);
                    out[step] = m.log_return(state, rng, dt);
                }
            }
        },
        scenario.model);
    if (with_shocks) {
        for (const PriceShock& shock : scenario.shocks) {
            if (shock.step < scenario.horizon_steps) out[shock.step] += shock.log_return;
        }
    }
    return out;
}

// Fits the filter on `training.paths` paths of the scenario's model from `training.seed`.
// Errors (ErrorCode::invalid_argument): no training paths, the scenario's own seed (the
// evaluation paths would be the training paths), fewer than 100 returns in all, an inconsistent
// scenario, a fit that fails or does not converge, a fitted filter that is not stationary.
inline Result<PredictiveFilterFit> fit_volatility_filter(const Scenario& scenario, const PredictiveFilterTraining& training) {
    if (training.paths == 0) return make_error(ErrorCode::invalid_argument, "no training paths");
    if (training.seed == scenario.seed) {
        return make_error(ErrorCode::invalid_argument, "the training seed is the scenario's: the evaluation paths would not be held out");
    }
    const std::uint64_t count = std::uint64_t{training.paths} * scenario.horizon_steps;
    if (count < 100) return make_error(ErrorCode::invalid_argument, "fewer than 100 training returns");
    if (count > 100'000'000) return make_error(ErrorCode::invalid_argument, "more than 1e8 training returns");
    std::vector<double> returns;
    returns.reserve(static_cast<std::size_t>(count));
    for (std::uint32_t p = 0; p < training.paths; ++p) {
        Result<std::vector<double>> path = model_path_log_returns(scenario, training.seed, p, training.with_shocks);
        if (!path) return path.error();
        returns.insert(returns.end(), path->begin(), path->end());
    }
    GarchFitOptions options;
    options.innovation = training.innovation;
    options.variance_start = GarchVarianceStart::unconditional;
    options.require_stationarity = true;
    options.max_iterations = training.max_iterations;
    options.allow_unconverged = training.allow_unconverged;
    Result<GarchFit> fit = fit_garch(returns, options);
    if (!fit) return fit.error();
    const GarchParameters& p = fit->parameters;
    if (!PredictiveMarginSetup{}.filter_valid(p.omega, p.alpha, p.beta)) {
        return make_error(ErrorCode::invalid_argument, "the fitted filter is not stationary");
    }
    PredictiveFilterFit out;
    out.training = training;
    out.steps_per_path = scenario.horizon_steps;
    out.garch = std::move(*fit);
    return out;
}

// `base` with the fitted filter: model_filter off, omega, alpha and beta (per step) from the fit.
inline PredictiveMarginSetup with_fitted_filter(const PredictiveMarginSetup& base, const PredictiveFilterFit& fit) {
    PredictiveMarginSetup setup = base;
    setup.model_filter = false;
    setup.omega = fit.garch.parameters.omega;
    setup.alpha = fit.garch.parameters.alpha;
    setup.beta = fit.garch.parameters.beta;
    return setup;
}

// The setup with a filter fitted on `training_paths` held-out paths from `training_seed`
// (Student-t innovations, scheduled shocks included). Errors as fit_volatility_filter, and an
// invalid base setup (ErrorCode::invalid_policy_parameter).
inline Result<PredictiveMarginSetup> fit_predictive_filter(const Scenario& scenario, const PredictiveMarginSetup& base,
                                                           std::uint64_t training_seed, std::uint32_t training_paths) {
    PredictiveMarginSetup check = base;
    check.model_filter = false;  // its filter is about to be replaced; the rest must be valid
    check.omega = PredictiveMarginSetup{}.omega;
    check.alpha = PredictiveMarginSetup{}.alpha;
    check.beta = PredictiveMarginSetup{}.beta;
    if (!check.valid()) return make_error(ErrorCode::invalid_policy_parameter, "invalid predictive margin setup");
    PredictiveFilterTraining training;
    training.seed = training_seed;
    training.paths = training_paths;
    Result<PredictiveFilterFit> fit = fit_volatility_filter(scenario, training);
    if (!fit) return fit.error();
    return with_fitted_filter(base, *fit);
}

}  // namespace risk
}  // namespace backstop
