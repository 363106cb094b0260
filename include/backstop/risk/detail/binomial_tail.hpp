// Binomial tail probabilities and their inverse in p, for Clopper-Pearson's exact interval: the
// inverse regularized incomplete beta function at integer parameters, which is all the interval
// needs (I_p(k, n-k+1) = P[Bin(n, p) >= k]). Our own so that the lab does not parse Boost.Math
// (about 2 s of every translation unit that includes <backstop.hpp>); a test compares it with
// Boost.Math's ibeta_inv / ibetac_inv on many inputs (tests/unit/risk/binomial_tail_test.cpp).
//
// The point probability is Loader's ("Fast and accurate computation of binomial probabilities",
// 2000, as in R's dbinom): Stirling's error terms and the deviance bd0 keep it accurate to a few
// ulps for any n a double holds. The tail beyond it is the incomplete beta function's continued
// fraction (modified Lentz), always evaluated on the side where the tail is the smaller one, so
// both are relative to the tail itself. The root is solved in whichever of p and q = 1 - p is the
// unknown being near 0, so an end near 0 or 1 keeps its relative accuracy.
#pragma once

#include "backstop/core/assert.hpp"

#include <cmath>
#include <algorithm>
#include <cstdint>
#include <limits>

namespace backstop::risk::detail {

// Stirling's error: log(n!) - ((n + 1/2) log n - n + log sqrt(2 pi)), n >= 0 an integer.
inline double stirling_error(double n) noexcept {
    // mpmath, 40 digits, for n = 0..15 (0 by convention at n = 0: never used there).
    static constexpr double small[16] = {
        0.0,
        8.106146679532725822e-2,
        4.1340695955409294094e-2,
        2.7677925684998339149e-2,
        2.0790672103765093112e-2,
        1.6644691189821192163e-2,
        1.3876128823070747999e-2,
        1.1896709945891770095e-2,
        1.0411265261972096497e-2,
        9.2554621827127329177e-3,
        8.3305634333628712565e-3,
        7.573675487951840795e-3,
        6.9428401072095298657e-3,
        6.4089941880042070684e-3,
        5.9513701127588477356e-3,
        5.554733551962801371e-3,
    };
    if (n <= 15.0) return small[static_cast<int>(n)];
    constexpr double s0 = 1.0 / 12, s1 = 1.0 / 360, s2 = 1.0 / 1260, s3 = 1.0 / 1680, s4 = 1.0 / 1188;
    const double nn = n * n;
    if (n > 500) return (s0 - s1 / nn) / n;
    if (n > 80) return (s0 - (s1 - s2 / nn) / nn) / n;
    if (n > 35) return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n;
    return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n;
}

// The deviance x log(x / m) + m - x >= 0, by its series when x is near m (where the closed form
// cancels).
inline double binomial_deviance(double x, double m) noexcept {
    if (std::abs(x - m) < 0.1 * (x + m)) {
        const double v = (x - m) / (x + m);
        double s = (x - m) * v;
        double term = 2.0 * x * v;
        const double v2 = v * v;
        for (int j = 1; j < 1000; ++j) {
            term *= v2;
            const double next = s + term / (2 * j + 1);
            if (next == s) return next;
            s = next;
        }
        return s;
    }
    return x * std::log(x / m) + m - x;
}

// P[Bin(n, p) = k], q = 1 - p given separately (whichever of the two is small is exact).
inline double binomial_point(double k, double n, double p, double q) noexcept {
    if (k == 0.0) return p < 0.1 ? std::exp(n * std::log1p(-p)) : std::pow(q, n);
    if (k == n) return q < 0.1 ? std::exp(n * std::log1p(-q)) : std::pow(p, n);
    if (p == 0.0 || q == 0.0) return 0.0;
    const double exponent = stirling_error(n) - stirling_error(k) - stirling_error(n - k) -
                            binomial_deviance(k, n * p) - binomial_deviance(n - k, n * q);
    constexpr double two_pi = 6.283185307179586476925286766559;
    return std::exp(exponent) * std::sqrt(n / (two_pi * k * (n - k)));
}

// The continued fraction of I_x(a, b) (x^a (1-x)^b / (a B(a, b)) times it), modified Lentz;
// converges quickly for x < (a + 1) / (a + b + 2), in about sqrt(min(a, b)) terms near it.
inline double incomplete_beta_fraction(double a, double b, double x) noexcept {
    constexpr double tiny = 1e-300;
    constexpr double eps = std::numeric_limits<double>::epsilon();
    const double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    double c = 1.0;
    double d = 1.0 - qab * x / qap;
    if (std::abs(d) < tiny) d = tiny;
    d = 1.0 / d;
    double h = d;
    for (std::int64_t m = 1; m < 100'000'000; ++m) {
        const double md = static_cast<double>(m), m2 = 2.0 * md;
        double aa = md * (b - md) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if (std::abs(d) < tiny) d = tiny;
        c = 1.0 + aa / c;
        if (std::abs(c) < tiny) c = tiny;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + md) * (qab + md) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if (std::abs(d) < tiny) d = tiny;
        c = 1.0 + aa / c;
        if (std::abs(c) < tiny) c = tiny;
        d = 1.0 / d;
        const double step = d * c;
        h *= step;
        if (std::abs(step - 1.0) <= eps) return h;
    }
    BACKSTOP_ASSERT(false, "incomplete beta continued fraction did not converge");
    return h;
}

// P[Bin(n, p) <= m] where it is the smaller tail (m below the mean n p, p <= 1/2 the exact one
// of p and q): the point probabilities summed down from m, each from the one above by the ratio
// j q / ((n - j + 1) p), recomputed every 32 terms so that rounding does not accumulate.
inline double binomial_lower_tail_sum(double m, double n, double p, double q) noexcept {
    const double ratio = q / p;
    double term = binomial_point(m, n, p, q);
    double sum = 0.0;
    for (double j = m, step = 0.0;; j -= 1.0, step += 1.0) {
        if (step == 32.0) {
            term = binomial_point(j, n, p, q);
            step = 0.0;
        }
        sum += term;
        if (j == 0.0 || term <= sum * 1e-17) return sum;
        term *= j / (n - j + 1.0) * ratio;
    }
}

// P[Bin(n, p) >= k] for integers 0 <= k <= n, p and q = 1 - p both given: the smaller of the two
// is the exact one (the caller's unknown), and every formula below uses only it as an argument.
inline double binomial_tail_at_least(double k, double n, double p, double q) noexcept {
    if (k <= 0.0) return 1.0;
    if (k > n || p <= 0.0) return 0.0;
    if (q <= 0.0) return 1.0;
    if (p <= q) {
        // The upper tail by the continued fraction where it converges (the smaller side):
        // I_p(k, n - k + 1) = C(n, k) p^k q^(n-k+1) * fraction = P[X = k] q * fraction.
        if (p < (k + 1.0) / (n + 3.0)) {
            return binomial_point(k, n, p, q) * q * incomplete_beta_fraction(k, n - k + 1.0, p);
        }
        return 1.0 - binomial_lower_tail_sum(k - 1.0, n, p, q);
    }
    // q is the exact one: P[X >= k] = P[n - X <= n - k], n - X ~ Bin(n, q).
    const double m = n - k;  // P[Bin(n, q) <= m]
    if (q < (m + 2.0) / (n + 3.0)) {  // its complement P[Bin(n, q) >= m + 1] by the fraction
        return 1.0 - binomial_point(m + 1.0, n, q, p) * p * incomplete_beta_fraction(m + 1.0, n - m, q);
    }
    return binomial_lower_tail_sum(m, n, q, p);
}

// The p at which P[Bin(n, p) >= k] = tail (0 < k <= n, 0 < tail < 1), with its complement:
// Clopper-Pearson's lower end for k hits, and (as q, for n - k hits) its upper end. Solved in the
// smaller of p and q (the other is 1 minus it), so an end near 0 or 1 keeps its relative accuracy.
struct BinomialRoot {
    double p = 0.0;
    double q = 1.0;
};

inline BinomialRoot binomial_tail_root(std::uint64_t hits, std::uint64_t trials, double tail) noexcept {
    const double k = static_cast<double>(hits);
    const double n = static_cast<double>(trials);
    // P[X >= k] grows with p; the root is below k/n (where the tail is at least a half).
    const bool in_p = binomial_tail_at_least(k, n, 0.5, 0.5) >= tail;  // the root p <= 1/2
    const auto tail_at = [&](double s) {
        return in_p ? binomial_tail_at_least(k, n, s, 1.0 - s) : binomial_tail_at_least(k, n, 1.0 - s, s);
    };
    // The bracket in s: the tail is below the target at `low`, at or above it at `high`.
    double low = in_p ? 0.0 : 0.5;
    double high = in_p ? std::min(0.5, k / n) : (n - k) / n;
    BACKSTOP_ASSERT(tail_at(high) >= tail, "binomial tail root: bracket");
    // Newton on log P[X >= k] - log tail, inside the bracket (bisection when it would leave it).
    const double log_tail = std::log(tail);
    double s = 0.5 * (low + high);
    for (int iteration = 0; iteration < 1000; ++iteration) {
        const double p = in_p ? s : 1.0 - s;
        const double q = in_p ? 1.0 - s : s;
        const double value = tail_at(s);
        if (value == tail) break;
        (value > tail ? high : low) = s;
        // d/dp P[X >= k] = P[X = k] k / p (the density of Beta(k, n - k + 1) at p).
        const double slope = binomial_point(k, n, p, q) * k / p;
        double next = 0.5 * (low + high);
        if (value > 0.0 && slope > 0.0) {
            const double step = (std::log(value) - log_tail) * value / slope;  // in p
            const double candidate = in_p ? s - step : s + step;
            if ((candidate - low) * (candidate - high) < 0.0) next = candidate;
        }
        const bool done = std::abs(next - s) <= 2.0 * std::numeric_limits<double>::epsilon() * s;
        s = next;
        if (done) break;
    }
    return in_p ? BinomialRoot{s, 1.0 - s} : BinomialRoot{1.0 - s, s};
}

}  // namespace backstop::risk::detail
