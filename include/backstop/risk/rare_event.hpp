// A tilted estimator of the lab's depletion probability (engine in the loop), for funds whose
// depletion is too rare for crude Monte Carlo (domain.md 7.4; ruin_importance.hpp does the same
// for the textbook funds). The scenario's model must be GarchJump: the run samples under the
// same scenario with the jump intensity lambda' = factor x lambda (more gaps, so more depletion),
// and weights each path by the likelihood ratio of the nominal measure to the sampling one.
//
// Likelihood ratio. Per step of dt years the number of jumps N_s is Poisson(lambda dt) nominally
// and Poisson(lambda' dt) when sampling. Given the counts, everything else on the path (the
// GARCH-t shocks, the jump sizes, the traders, and so the whole engine run) has the same law
// under both measures: the model draws them from streams that do not depend on the intensity,
// and jump sizes given their count are N(N jump_mean, N jump_volatility^2) either way. So the
// ratio of the two laws of a path is that of its jump counts alone:
//     log w = sum_s [ N_s log(lambda / lambda') - (lambda - lambda') dt ]
//           = K log(lambda / lambda') - (lambda - lambda') dt steps,   K = sum_s N_s,
// with the counts read back by GarchJump::jump_counts (the very draws of the run's log returns).
// (GarchJump's decisions put P(N = 0) at e^(-lambda dt) to 2^-32 relative and its counts given
// N >= 1 are exact inversions, so the sampling law is the Poisson one to far below any interval.)
//
// Estimator and its variance. With D_p = 1 if path p was depleted (PathSummary::depleted(): the
// fund could not pay in full) and Y_p = w_p D_p, the estimate is p^ = mean(Y_p), unbiased for
// the nominal depletion probability; its variance is estimated by s_Y^2 / n, s_Y^2 the sample
// variance (n - 1) of the Y_p, and the interval is the normal one, p^ -+ z s_Y / sqrt(n). It is
// sound when the weights of depleted paths are not heavy-tailed: a factor far from the one that
// makes depletion common gives a few huge weights, a small effective sample size
// (sum w)^2 / sum w^2 against n, and an interval that is too narrow. The check value is the
// mean weight, whose expectation is exactly 1: a mean weight outside its own interval means the
// sample is too small for the tilt (or the ratio is wrong).
// Variance reduction: crude Monte Carlo's per-path variance p^ (1 - p^) over s_Y^2.
//
// Factor 1 samples the nominal measure itself: every weight is exactly 1 and the estimate is the
// crude frequency. Scenarios are refused (std::invalid_argument, before any path runs) when the
// model is not GarchJump, its intensity is not positive, or the factor is not positive and finite.
#pragma once

#include "backstop/risk/price_model/garch_jump.hpp"
#include "backstop/risk/ruin_importance.hpp"
#include "backstop/risk/scenario.hpp"
#include "backstop/risk/simulator.hpp"
#include "backstop/risk/statistics.hpp"

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace backstop::risk {

struct TiltedDepletionEstimate {
    ImportanceSamplingEstimate tilted;  // of the Y_p = w_p D_p (estimate, interval, variance reduction)
    double intensity_factor = 1.0;      // lambda' / lambda
    double weight_mean = 0.0;           // check value: expectation 1
    double weight_mean_standard_error = 0.0;
    double effective_sample_size = 0.0;     // (sum w)^2 / sum w^2
    std::uint64_t depleted_sampled = 0;     // depleted paths under the sampling measure
    std::vector<double> log_weights;        // per path, log w_p
    // Crude Monte Carlo on the nominal scenario, the same paths and seed (when asked for): its
    // frequency and Wilson interval at the same confidence.
    bool has_crude = false;
    BinomialInterval crude{};
    std::uint64_t crude_depleted = 0;

    bool weight_mean_plausible(double z = 3.0) const {
        return std::fabs(weight_mean - 1.0) <= z * weight_mean_standard_error;
    }
};

// The nominal scenario's GarchJump, or std::invalid_argument.
inline const GarchJump& tilted_model_of(const Scenario& scenario) {
    const auto* model = std::get_if<GarchJump>(&scenario.model);
    if (model == nullptr) {
        throw std::invalid_argument("tilted depletion: the scenario's model must be GarchJump (jump intensity tilting)");
    }
    if (!(model->jump_intensity_per_year > 0.0 && std::isfinite(model->jump_intensity_per_year))) {
        throw std::invalid_argument("tilted depletion: the model's jump intensity must be positive");
    }
    return *model;
}

// The scenario with its GarchJump intensity multiplied by `intensity_factor`.
inline Scenario tilted_scenario(const Scenario& nominal, double intensity_factor) {
    GarchJump model = tilted_model_of(nominal);
    if (!(intensity_factor > 0.0 && std::isfinite(intensity_factor))) {
        throw std::invalid_argument("tilted depletion: intensity factor must be positive and finite");
    }
    model.jump_intensity_per_year *= intensity_factor;
    if (!(model.jump_intensity_per_year * nominal.step_years() <= 1e3)) {
        throw std::invalid_argument("tilted depletion: tilted jumps per step above 1000");
    }
    Scenario sampling = nominal;
    sampling.model = model;
    return sampling;
}

// log w of path `path` of the sampling scenario: the nominal law of its jump counts over the
// sampling law (see the top).
inline double tilted_log_weight(const GarchJump& nominal, const GarchJump& sampling, std::uint64_t seed,
                                std::uint64_t path, double dt_years, std::uint32_t steps) {
    BACKSTOP_NO_FP_CONTRACTION
    std::vector<std::uint32_t> counts(steps);
    sampling.jump_counts(seed, path, dt_years, counts.data(), counts.size());
    double jumps = 0.0;
    for (const std::uint32_t k : counts) jumps += static_cast<double>(k);
    const double lambda = nominal.jump_intensity_per_year;
    const double lambda_sampling = sampling.jump_intensity_per_year;
    // K log(lambda / lambda') - (lambda - lambda') T; exactly 0 when lambda' = lambda.
    return jumps * std::log(lambda / lambda_sampling) -
           (lambda - lambda_sampling) * (dt_years * static_cast<double>(steps));
}

// Runs `nominal` (paths, seed, threads as given) under intensity factor x lambda and returns the
// tilted estimate of its depletion probability; with `with_crude`, also runs the nominal
// scenario itself for the crude frequency on the same paths (the two runs share their other
// draws, so their estimates are positively correlated; comparing them with the sum of the
// half-widths is conservative).
template <class = void>
inline TiltedDepletionEstimate tilted_depletion_probability(const Scenario& nominal, double intensity_factor,
                                                            double confidence = 0.95, bool with_crude = true) {
    BACKSTOP_NO_FP_CONTRACTION
    const GarchJump& nominal_model = tilted_model_of(nominal);
    const Scenario sampling = tilted_scenario(nominal, intensity_factor);
    if (nominal.paths < 2) throw std::invalid_argument("tilted depletion: at least two paths");
    if (!(confidence > 0.0 && confidence < 1.0)) throw std::invalid_argument("tilted depletion: confidence outside (0, 1)");
    const GarchJump& sampling_model = std::get<GarchJump>(sampling.model);
    const RunResult run_sampled = run(sampling);

    TiltedDepletionEstimate e;
    e.intensity_factor = intensity_factor;
    const std::size_t n = run_sampled.paths.size();
    std::vector<double> contributions(n);
    std::vector<double> weights(n);
    e.log_weights.resize(n);
    double weight_sum = 0.0;
    double weight_squares = 0.0;
    for (std::size_t p = 0; p < n; ++p) {
        const double log_w = tilted_log_weight(nominal_model, sampling_model, sampling.seed, p, sampling.step_years(),
                                               sampling.horizon_steps);
        const double w = std::exp(log_w);
        e.log_weights[p] = log_w;
        weights[p] = w;
        const bool depleted = run_sampled.paths[p].depleted();
        e.depleted_sampled += depleted ? 1u : 0u;
        contributions[p] = depleted ? w : 0.0;
        weight_sum += w;
        weight_squares += w * w;
    }
    const Result<ImportanceSamplingEstimate> tilted =
        importance_sampling_estimate(Span<const double>(contributions.data(), contributions.size()), confidence);
    if (!tilted) throw std::invalid_argument("tilted depletion: weights overflow (factor too far from 1)");
    e.tilted = *tilted;
    const Result<ImportanceSamplingEstimate> weight_mean =
        importance_sampling_estimate(Span<const double>(weights.data(), weights.size()), confidence);
    if (!weight_mean) throw std::invalid_argument("tilted depletion: weights overflow (factor too far from 1)");
    e.weight_mean = weight_mean->estimate;
    e.weight_mean_standard_error = weight_mean->standard_error;
    e.effective_sample_size = weight_squares > 0.0 ? weight_sum * weight_sum / weight_squares : 0.0;

    if (with_crude) {
        const RunResult crude_run = run(nominal);
        for (const PathSummary& path : crude_run.paths) e.crude_depleted += path.depleted() ? 1u : 0u;
        e.crude = wilson_interval(e.crude_depleted, crude_run.paths.size(), confidence).value();
        e.has_crude = true;
    }
    return e;
}

}  // namespace backstop::risk
