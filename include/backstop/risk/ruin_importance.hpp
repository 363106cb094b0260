// Importance sampling for ruin probabilities too small for crude Monte Carlo (domain.md 7.1,
// 7.4). A well-sized fund's depletion probability is below 1e-4: n crude paths that see no ruin
// only bound it by about 3/n, while its relative error sqrt((1 - psi) / (n psi)) needs n in the
// millions for 10%. Sampling under a measure on which ruin is common, and weighting each path by
// the likelihood ratio, gives the same expectation with a far smaller variance.
//
// - siegmund_ruin_probability: the compound-Poisson fund (CompoundPoissonFund, exponential
//   claims), infinite horizon. Siegmund's (1976) estimator: under the exponentially tilted
//   measure with the adjustment coefficient R = theta / ((1 + theta) mu), claims arrive at rate
//   lambda M(R) = lambda (1 + theta) with exponential sizes of mean mu / (1 - R mu) = (1 + theta) mu,
//   so the claims outrun the premium c = (1 + theta) lambda mu and ruin is certain. The likelihood
//   ratio on the path up to the ruin time tau is exp(-R S_tau), S_tau = claims - premiums at tau
//   (> u), so each path contributes exp(-R S_tau) and
//       psi(u) = E_tilted[exp(-R S_tau)] = exp(-R u) E_tilted[exp(-R overshoot)].
//   The contribution is at most exp(-R u) (bounded weights: the normal interval is sound), and
//   for exponential claims its relative standard deviation per path is theta / sqrt(1 + 2 theta)
//   whatever u (bounded relative error: 0.2 at theta = 0.25, against 1/sqrt(psi) for crude).
// - tilted_brownian_ruin_probability: the Brownian fund u + m t + s W(t), m > 0, finite horizon:
//   simulated with drift -m (the same bridge-corrected steps as BrownianFund::is_ruined), where
//   the likelihood ratio on the path up to tau is exp((2m/s^2)(X_tau - u)) = exp(-2 m u / s^2),
//   X_tau = 0: each ruined path contributes exactly the infinite-horizon probability.
//
// Path p uses RandomStream(seed, p), so an estimate does not depend on how paths are split.
// ImportanceSamplingEstimate summarises per-path contributions (also used by rare_event.hpp):
// the mean, its standard error s / sqrt(n) with s the sample standard deviation (n - 1), and the
// normal interval mean +- z s / sqrt(n). Bad arguments return ErrorCode::invalid_argument.
#pragma once

#include "backstop/core/error_code.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/risk/floating_point.hpp"
#include "backstop/risk/normal.hpp"
#include "backstop/risk/rng/random_stream.hpp"
#include "backstop/risk/ruin.hpp"
#include "backstop/risk/ruin_simulation.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace backstop::risk {

struct ImportanceSamplingEstimate {
    double estimate = 0.0;           // mean of the per-path contributions
    double standard_error = 0.0;     // s / sqrt(n)
    double lower = 0.0;              // estimate -+ z standard_error, clamped to [0, 1]
    double upper = 0.0;
    double confidence = 0.95;
    double relative_error = 0.0;     // standard_error / estimate (infinite at a zero estimate)
    double per_path_variance = 0.0;  // s^2, the sample variance of the contributions
    // Crude Monte Carlo's per-path variance p (1 - p), p = estimate, over per_path_variance: how
    // many times as many crude paths the same standard error would take.
    double variance_reduction = 0.0;
    std::uint64_t paths = 0;

    bool contains(double p) const noexcept { return lower <= p && p <= upper; }
};

// The estimate from per-path contributions (in path order: two passes, index order, so fixed
// inputs give fixed bits). Needs at least two finite values and a confidence in (0, 1).
inline Result<ImportanceSamplingEstimate> importance_sampling_estimate(Span<const double> contributions,
                                                                       double confidence) {
    BACKSTOP_NO_FP_CONTRACTION
    if (contributions.size() < 2) return make_error(ErrorCode::invalid_argument, "at least two paths");
    if (!(confidence > 0.0 && confidence < 1.0)) {
        return make_error(ErrorCode::invalid_argument, "confidence outside (0, 1)");
    }
    double sum = 0.0;
    for (const double x : contributions) {
        if (!std::isfinite(x)) return make_error(ErrorCode::invalid_argument, "non-finite contribution");
        sum += x;
    }
    const double n = static_cast<double>(contributions.size());
    const double mean = sum / n;
    double squares = 0.0;
    for (const double x : contributions) squares += (x - mean) * (x - mean);
    ImportanceSamplingEstimate e;
    e.estimate = mean;
    e.paths = contributions.size();
    e.confidence = confidence;
    e.per_path_variance = squares / (n - 1.0);
    e.standard_error = std::sqrt(e.per_path_variance / n);
    const double z = -normal_quantile(0.5 * (1.0 - confidence));
    e.lower = std::fmax(0.0, mean - z * e.standard_error);
    e.upper = std::fmin(1.0, mean + z * e.standard_error);
    e.relative_error = mean > 0.0 ? e.standard_error / mean : std::numeric_limits<double>::infinity();
    const double crude = mean * (1.0 - mean);
    e.variance_reduction = e.per_path_variance > 0.0 ? crude / e.per_path_variance
                                                     : std::numeric_limits<double>::infinity();
    return e;
}

// The contribution exp(-R S_tau) of path `path` under the tilted measure (see the top). Draws
// as CompoundPoissonFund::is_ruined (a wait, then a claim, from step 0 of the path's stream), at
// the tilted rates. The walk ends almost surely: each claim adds theta mu to S on average.
inline double siegmund_path_contribution(const CompoundPoissonFund& fund, double adjustment_coefficient,
                                         std::uint64_t seed, std::uint64_t path) {
    BACKSTOP_NO_FP_CONTRACTION
    const double r = adjustment_coefficient;
    const double shrink = 1.0 - r * fund.mean_claim;  // 1 / M(R) = 1 / (1 + theta) for exponential claims
    const double tilted_claim_rate = fund.claim_rate / shrink;
    const double tilted_size_rate = shrink / fund.mean_claim;  // 1 / tilted mean
    const double premium = fund.premium_rate();
    RandomStream rng(seed, path);
    rng.at_step(0);
    double surplus = fund.initial_capital;
    for (;;) {
        surplus += premium * rng.exponential(tilted_claim_rate);
        surplus -= rng.exponential(tilted_size_rate);
        if (surplus < 0.0) return std::exp(-r * (fund.initial_capital - surplus));  // S_tau = u - U(tau)
    }
}

// Siegmund's estimate of the infinite-horizon ruin probability of `fund` over `paths` paths.
// Needs u >= 0, theta > 0, mu, lambda > 0 (all finite), at least two paths, and u / (theta mu),
// about the claims a path takes to ruin, at most 1e7 (a fund that large would take forever).
inline Result<ImportanceSamplingEstimate> siegmund_ruin_probability(const CompoundPoissonFund& fund,
                                                                    std::uint64_t seed, std::uint64_t paths,
                                                                    double confidence = 0.95) {
    BACKSTOP_NO_FP_CONTRACTION
    if (!(fund.initial_capital >= 0.0 && std::isfinite(fund.initial_capital))) {
        return make_error(ErrorCode::invalid_argument, "initial capital must be finite and >= 0");
    }
    if (!(fund.claim_rate > 0.0 && std::isfinite(fund.claim_rate))) {
        return make_error(ErrorCode::invalid_argument, "claim rate must be positive");
    }
    const Result<double> r = lundberg_adjustment_coefficient(fund.loading, fund.mean_claim);
    if (!r) return r.error();
    if (!(fund.initial_capital / (fund.loading * fund.mean_claim) <= 1e7)) {
        return make_error(ErrorCode::invalid_argument, "u / (theta mu) above 1e7: paths too long");
    }
    if (paths < 2 || paths > (std::uint64_t{1} << 32)) {
        return make_error(ErrorCode::invalid_argument, "paths between 2 and 2^32");
    }
    std::vector<double> contributions(paths);
    for (std::uint64_t p = 0; p < paths; ++p) contributions[p] = siegmund_path_contribution(fund, *r, seed, p);
    return importance_sampling_estimate(Span<const double>(contributions.data(), contributions.size()), confidence);
}

// The probability that the Brownian fund (drift m > 0) reaches 0 by `horizon`, sampled with
// drift -m: contribution exp(-2 m u / s^2) on a ruined path, 0 otherwise (see the top). Steps of
// `dt` with the Brownian-bridge crossing test, exact for the horizon ceil(horizon / dt) dt.
inline Result<ImportanceSamplingEstimate> tilted_brownian_ruin_probability(const BrownianFund& fund,
                                                                           std::uint64_t seed,
                                                                           std::uint64_t paths, double horizon,
                                                                           double dt, double confidence = 0.95) {
    BACKSTOP_NO_FP_CONTRACTION
    if (!(fund.drift > 0.0 && std::isfinite(fund.drift))) {
        return make_error(ErrorCode::invalid_argument, "drift must be positive (else ruin is not rare)");
    }
    const Result<double> weight = brownian_ruin_probability_infinite(fund.initial_capital, fund.drift, fund.volatility);
    if (!weight) return weight.error();
    if (!(horizon > 0.0 && dt > 0.0 && std::isfinite(horizon) && horizon / dt <= 1e9)) {
        return make_error(ErrorCode::invalid_argument, "horizon and dt positive, at most 1e9 steps");
    }
    if (paths < 2 || paths > (std::uint64_t{1} << 32)) {
        return make_error(ErrorCode::invalid_argument, "paths between 2 and 2^32");
    }
    const BrownianFund tilted{fund.initial_capital, -fund.drift, fund.volatility};
    std::vector<double> contributions(paths);
    for (std::uint64_t p = 0; p < paths; ++p) {
        contributions[p] = tilted.is_ruined(seed, p, horizon, dt) ? *weight : 0.0;
    }
    return importance_sampling_estimate(Span<const double>(contributions.data(), contributions.size()), confidence);
}

}  // namespace backstop::risk
