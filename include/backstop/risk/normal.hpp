// The standard normal distribution's CDF, its logarithm and its quantile, for the risk lab's
// intervals (Wilson's z) and closed forms (the Brownian ruin probability). Pure functions of
// their argument: no tables built at run time, no global state, the same bits on every call.
//
// Accuracy (checked against 40-digit mpmath values in tests/unit/risk/statistics_test.cpp):
// normal_cdf and normal_log_cdf carry the few-ulp accuracy of std::erfc; normal_quantile is
// within a few ulps for every p (Acklam's rational start, 1.15e-9 relative, then one Newton or
// Halley step, which squares the error). In the far lower tail Phi's relative error grows like
// x^2 * 1e-16 (1e-13 at x = -30): x / sqrt(2) is rounded before erfc sees it.
#pragma once

#include "backstop/core/normal_cdf.hpp"
#include "backstop/risk/floating_point.hpp"

#include <cmath>
#include <limits>

namespace backstop::risk {

// Phi(x) = P(Z <= x): core/normal_cdf.hpp's.
using backstop::normal_cdf;

// log Phi(x), finite where Phi(x) itself underflows (x < -38): the product of a huge
// exp(2mu/s^2) and a tiny Phi in the Brownian ruin formula is taken as a sum of logarithms.
inline double normal_log_cdf(double x) noexcept {
    BACKSTOP_NO_FP_CONTRACTION
    if (std::isnan(x)) return x;
    if (x > 0.0) return std::log1p(-0.5 * std::erfc(x / std::sqrt(2.0)));
    if (x > -30.0) return std::log(0.5 * std::erfc(-x / std::sqrt(2.0)));
    // The asymptotic (Mills ratio) series Phi(x) = phi(x)/|x| * (1 - 1/x^2 + 3/x^4 - ...). At
    // x <= -30 the first omitted term (15!!/x^16) is below 5e-18, so the sum is exact to double.
    const double inverse_square = 1.0 / (x * x);
    double term = 1.0;
    double series = 0.0;  // the part after the leading 1, added last so log1p sees it whole
    for (int k = 1; k <= 7; ++k) {
        term *= -static_cast<double>(2 * k - 1) * inverse_square;
        series += term;
    }
    constexpr double log_sqrt_two_pi = 0.91893853320467274178;  // log(sqrt(2 pi))
    return -0.5 * x * x - std::log(-x) - log_sqrt_two_pi + std::log1p(series);
}

// Phi^-1(p): -infinity at 0, +infinity at 1, NaN outside [0, 1]. The upper half is computed as
// -Phi^-1(1 - p) (1 - p is exact there), so pass small tail probabilities directly: z for a
// two-sided interval is -normal_quantile(alpha / 2), not normal_quantile(1 - alpha / 2).
inline double normal_quantile(double p) noexcept {
    BACKSTOP_NO_FP_CONTRACTION
    if (std::isnan(p) || p < 0.0 || p > 1.0) return std::numeric_limits<double>::quiet_NaN();
    if (p == 0.0) return -std::numeric_limits<double>::infinity();
    if (p == 1.0) return std::numeric_limits<double>::infinity();
    if (p > 0.5) return -normal_quantile(1.0 - p);
    if (p == 0.5) return 0.0;

    // P. J. Acklam's rational approximation (2003), relative error below 1.15e-9.
    constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                            1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
    constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                            6.680131188771972e+01,  -1.328068155288572e+01};
    constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                            -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
    constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                            3.754408661907416e+00};
    constexpr double p_low = 0.02425;
    constexpr double log_sqrt_two_pi = 0.91893853320467274178;  // log(sqrt(2 pi))
    if (p < p_low) {
        const double q = std::sqrt(-2.0 * std::log(p));
        double x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                   ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
        // One Newton step on f(x) = log Phi(x) - log p, whose derivative is phi(x)/Phi(x).
        // Logarithms keep every quantity finite down to subnormal p, where Phi and phi underflow.
        const double log_cdf = normal_log_cdf(x);
        const double log_pdf = -0.5 * x * x - log_sqrt_two_pi;
        x -= (log_cdf - std::log(p)) * std::exp(log_cdf - log_pdf);
        return x;
    }
    const double q = p - 0.5;  // exact: p is in [0.02425, 0.5)
    const double r = q * q;
    double x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
               (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
    // One Halley step on Phi(x) - p (Acklam's refinement), with the residual taken as
    // erf(x/sqrt 2)/2 - (p - 1/2): erf is accurate relative to its small argument, so x keeps its
    // relative accuracy as p approaches 1/2, where Phi(x) - p would cancel.
    const double residual = 0.5 * std::erf(x / std::sqrt(2.0)) - q;
    const double step = residual * std::exp(0.5 * x * x + log_sqrt_two_pi);
    x -= step / (1.0 + 0.5 * x * step);
    return x;
}

}  // namespace backstop::risk
