// Classical ruin theory (domain.md 7.1): closed forms the lab's simulated funds are checked
// against. A fund with capital u, premium income c per unit time (its fee capture) and claims
// arriving as a Poisson process of rate lambda with sizes X (bad debt) is the Cramer-Lundberg
// surplus U(t) = u + c t - sum_{i <= N(t)} X_i; its loading theta = c / (lambda E[X]) - 1 must be
// positive, or ruin is certain. The diffusion approximation replaces the surplus by a Brownian
// motion with drift m and volatility s.
//
// Every function is a pure function of its arguments. Parameters out of their domain (a negative
// capital, a non-positive claim mean or volatility, a NaN) return ErrorCode::invalid_argument; a
// loading or drift at or below zero is a legitimate question whose answer is certain ruin (1).
//
// To come with the lab's random streams: Monte Carlo checks that a simulated compound-Poisson
// fund's depletion frequency (its Wilson / Clopper-Pearson interval, statistics.hpp) contains
// cramer_lundberg_ruin_probability, and a simulated Brownian fund's contains the Brownian forms.
#pragma once

#include "backstop/core/error_code.hpp"
#include "backstop/core/result.hpp"
#include "backstop/risk/floating_point.hpp"
#include "backstop/risk/normal.hpp"

#include <cmath>

namespace backstop::risk {

namespace detail {
inline bool is_non_negative(double x) noexcept { return x >= 0.0 && std::isfinite(x); }
inline bool is_positive(double x) noexcept { return x > 0.0 && std::isfinite(x); }
}  // namespace detail

// theta = c / (lambda mu) - 1: the premium's margin over the expected claim outflow.
inline Result<double> premium_loading(double claim_rate, double mean_claim, double premium_rate) {
    if (!detail::is_positive(claim_rate) || !detail::is_positive(mean_claim) ||
        !detail::is_non_negative(premium_rate)) {
        return make_error(ErrorCode::invalid_argument, "rates and claim mean must be positive");
    }
    return premium_rate / (claim_rate * mean_claim) - 1.0;
}

// Infinite-horizon ruin probability for exponential claims of mean mu (exact):
//     psi(u) = 1/(1 + theta) * exp(-theta u / ((1 + theta) mu)).
// It depends on lambda and c only through theta. psi(0) = 1/(1 + theta); theta <= 0 gives 1.
inline Result<double> cramer_lundberg_ruin_probability(double initial_capital,
                                                       double loading_theta, double mean_claim) {
    BACKSTOP_NO_FP_CONTRACTION
    if (!detail::is_non_negative(initial_capital)) {
        return make_error(ErrorCode::invalid_argument, "initial capital must be >= 0");
    }
    if (!detail::is_positive(mean_claim)) {
        return make_error(ErrorCode::invalid_argument, "mean claim must be positive");
    }
    if (!std::isfinite(loading_theta)) {
        return make_error(ErrorCode::invalid_argument, "loading must be finite");
    }
    if (loading_theta <= 0.0) return 1.0;  // no net profit: the surplus drifts down (or not up)
    const double one_plus = 1.0 + loading_theta;
    return std::exp(-loading_theta * initial_capital / (one_plus * mean_claim)) / one_plus;
}

// The adjustment coefficient R for exponential claims: R = theta / ((1 + theta) mu), the
// positive root of lambda (M_X(r) - 1) = c r with M_X(r) = 1/(1 - mu r). Needs theta > 0.
inline Result<double> lundberg_adjustment_coefficient(double loading_theta, double mean_claim) {
    if (!detail::is_positive(mean_claim)) {
        return make_error(ErrorCode::invalid_argument, "mean claim must be positive");
    }
    if (!detail::is_positive(loading_theta)) {
        return make_error(ErrorCode::invalid_argument, "no adjustment coefficient: loading <= 0");
    }
    return loading_theta / ((1.0 + loading_theta) * mean_claim);
}

// The adjustment coefficient for any light-tailed claim distribution: the positive root R of
//     h(r) = lambda (M_X(r) - 1) - c r = 0,
// given the claims' mean and moment generating function `mgf(r) = E[exp(r X)]` as a callable
// double -> double. Where M_X is infinite the callable returns +infinity (or NaN); a value below
// 1 at r > 0 (which no claim distribution on [0, inf) has, but 1/(1 - mu r) past its pole gives)
// counts as infinite too, so a formula copied without its domain still works.
// Method: h is convex with h(0) = 0 and h'(0) = lambda mu - c < 0 under net profit (checked
// first, from the mean: the mgf alone cannot show it, since rounding makes M(r) - 1 vanish near
// 0), so h < 0 on (0, R) and h >= 0 beyond. The upper end starts at twice the exponential-claims
// value theta/((1 + theta) mu) and doubles until h is not negative there; bisection then runs to
// adjacent doubles, so R is as accurate as h's rounding allows: near the root h's two terms
// cancel to a fraction of order theta, so the relative error grows like 1e-16 / theta^2 (1e-10 at
// theta = 0.001, 1e-14 at theta = 0.1 and above). Errors: lambda mu >= c (no
// positive root), or h still negative where M_X becomes infinite (claims too heavy-tailed for a
// Lundberg bound).
template <class Mgf>
Result<double> lundberg_adjustment_coefficient(double claim_rate, double premium_rate,
                                               double mean_claim, const Mgf& mgf) {
    BACKSTOP_NO_FP_CONTRACTION
    const Result<double> loading = premium_loading(claim_rate, mean_claim, premium_rate);
    if (!loading) return loading.error();
    if (!(*loading > 0.0)) {
        return make_error(ErrorCode::invalid_argument, "no adjustment coefficient: loading <= 0");
    }
    enum class Side { below_root, at_or_above_root, outside_domain };
    const auto side = [&](double r) {
        const double m = mgf(r);
        if (!(m >= 1.0) || !std::isfinite(m)) return Side::outside_domain;
        return claim_rate * (m - 1.0) - premium_rate * r < 0.0 ? Side::below_root
                                                               : Side::at_or_above_root;
    };
    double lower = 0.0;  // h(lower) < 0, or lower = 0
    double upper = 2.0 * *loading / ((1.0 + *loading) * mean_claim);
    Side upper_side = side(upper);
    while (upper_side == Side::below_root) {
        if (!std::isfinite(2.0 * upper)) {
            return make_error(ErrorCode::invalid_argument, "no adjustment coefficient below 1e308");
        }
        lower = upper;
        upper *= 2.0;
        upper_side = side(upper);
    }
    for (;;) {
        const double middle = lower + 0.5 * (upper - lower);
        if (middle <= lower || middle >= upper) break;
        const Side middle_side = side(middle);
        if (middle_side == Side::below_root) {
            lower = middle;
        } else {
            upper = middle;
            upper_side = middle_side;
        }
    }
    if (upper_side == Side::outside_domain) {
        return make_error(ErrorCode::invalid_argument,
                          "no adjustment coefficient: the mgf ends before a root");
    }
    if (lower == 0.0) {
        return make_error(ErrorCode::invalid_argument,
                          "no adjustment coefficient: the root is below double resolution");
    }
    return upper;
}

// Lundberg's inequality: psi(u) <= exp(-R u) for every u >= 0 (for exponential claims psi is
// exactly this bound times 1/(1 + theta)).
inline Result<double> lundberg_bound(double initial_capital, double adjustment_coefficient) {
    if (!detail::is_non_negative(initial_capital)) {
        return make_error(ErrorCode::invalid_argument, "initial capital must be >= 0");
    }
    if (!detail::is_positive(adjustment_coefficient)) {
        return make_error(ErrorCode::invalid_argument, "adjustment coefficient must be positive");
    }
    return std::exp(-adjustment_coefficient * initial_capital);
}

// Brownian surplus u + m t + s W(t): probability that it ever reaches 0, exp(-2 m u / s^2) for
// drift m > 0, and 1 for m <= 0 (a driftless Brownian motion is recurrent).
inline Result<double> brownian_ruin_probability_infinite(double initial_capital, double drift,
                                                         double sigma) {
    BACKSTOP_NO_FP_CONTRACTION
    if (!detail::is_non_negative(initial_capital)) {
        return make_error(ErrorCode::invalid_argument, "initial capital must be >= 0");
    }
    if (!std::isfinite(drift)) return make_error(ErrorCode::invalid_argument, "drift not finite");
    if (!detail::is_positive(sigma)) {
        return make_error(ErrorCode::invalid_argument, "volatility must be positive");
    }
    if (drift <= 0.0) return 1.0;
    return std::exp(-2.0 * drift * initial_capital / (sigma * sigma));
}

// Probability that the Brownian surplus reaches 0 by time T (first passage, any drift sign):
//     psi(u, T) = Phi((-u - m T)/(s sqrt T)) + exp(-2 m u / s^2) Phi((-u + m T)/(s sqrt T)).
// With m < 0 the exponential overflows where Phi underflows (u = 1000, m = -1, T = 1000 gives
// e^2000 * Phi(-63) ~ 0.006), so the second term is exp(-2mu/s^2 + log Phi(.)), finite throughout;
// its relative error is about 1e-16 times the size of the exponent. Needs T > 0.
inline Result<double> brownian_ruin_probability_finite(double initial_capital, double drift,
                                                       double sigma, double horizon) {
    BACKSTOP_NO_FP_CONTRACTION
    if (!detail::is_non_negative(initial_capital)) {
        return make_error(ErrorCode::invalid_argument, "initial capital must be >= 0");
    }
    if (!std::isfinite(drift)) return make_error(ErrorCode::invalid_argument, "drift not finite");
    if (!detail::is_positive(sigma)) {
        return make_error(ErrorCode::invalid_argument, "volatility must be positive");
    }
    if (!detail::is_positive(horizon)) {
        return make_error(ErrorCode::invalid_argument, "horizon must be positive");
    }
    const double spread = sigma * std::sqrt(horizon);
    const double travel = drift * horizon;
    const double direct = normal_cdf((-initial_capital - travel) / spread);
    const double reflected = std::exp(-2.0 * drift * initial_capital / (sigma * sigma) +
                                      normal_log_cdf((-initial_capital + travel) / spread));
    return std::fmin(1.0, direct + reflected);
}

}  // namespace backstop::risk
