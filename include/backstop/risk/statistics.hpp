// Statistics for the risk lab's Monte Carlo output: binomial confidence intervals for a depletion
// frequency (Wilson, Clopper-Pearson), empirical quantiles, Value at Risk and Expected Shortfall
// of a loss sample, convergence tables, sample moments and autocorrelation.
//
// Research code: doubles throughout, and a function may allocate (a sorted copy of the sample);
// it runs once per report, never per engine operation. Every result is a pure function of its
// inputs in their given order (sums run in index order), so a fixed seed gives fixed bits.
// Bad input (an empty sample, a NaN, a confidence outside (0, 1), more hits than trials) returns
// ErrorCode::invalid_argument with a detail naming the condition.
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/error_code.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/risk/floating_point.hpp"
#include "backstop/risk/detail/binomial_tail.hpp"
#include "backstop/risk/normal.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace backstop::risk {

// A proportion's point estimate hits/trials and a two-sided confidence interval around it.
struct BinomialInterval {
    double estimate = 0.0;
    double lower = 0.0;
    double upper = 0.0;

    double half_width() const noexcept { return 0.5 * (upper - lower); }
    bool contains(double p) const noexcept { return lower <= p && p <= upper; }
};

namespace detail {

// Counts above 2^53 would not convert to double exactly; no simulation gets near it.
inline constexpr std::uint64_t trials_max = std::uint64_t{1} << 53;

inline bool is_confidence(double confidence) noexcept {
    return confidence > 0.0 && confidence < 1.0;  // false for NaN
}

inline Result<void> check_binomial(std::uint64_t hits, std::uint64_t trials, double confidence) {
    if (trials == 0) return make_error(ErrorCode::invalid_argument, "no trials");
    if (trials > trials_max) return make_error(ErrorCode::invalid_argument, "trials above 2^53");
    if (hits > trials) return make_error(ErrorCode::invalid_argument, "more hits than trials");
    if (!is_confidence(confidence)) {
        return make_error(ErrorCode::invalid_argument, "confidence outside (0, 1)");
    }
    return {};
}

inline Result<void> check_sample(Span<const double> sample) {
    if (sample.empty()) return make_error(ErrorCode::invalid_argument, "empty sample");
    for (const double x : sample) {
        if (!std::isfinite(x)) return make_error(ErrorCode::invalid_argument, "non-finite value");
    }
    return {};
}

inline std::vector<double> sorted_copy(Span<const double> sample) {
    std::vector<double> sorted(sample.begin(), sample.end());
    std::sort(sorted.begin(), sorted.end());
    return sorted;
}

// level * n with the rounding of level taken out: 0.95 * 100 is 95, not 95.00000000000001, so
// that "the 95th of 100" means what it says. A product within 1e-12 (relative) of a whole number
// is that number; a genuine fraction that small would need a level given to 12 digits.
inline double tail_position(double level, std::size_t n) noexcept {
    BACKSTOP_NO_FP_CONTRACTION
    const double t = level * static_cast<double>(n);
    const double whole = std::round(t);
    return std::fabs(t - whole) <= 1e-12 * std::max(1.0, t) ? whole : t;
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Binomial intervals (domain.md 7.4). Both take the two-sided confidence (0.95 for a 95%
// interval) and return lower = 0 exactly when hits = 0 and upper = 1 exactly when hits = trials.

// Wilson's score interval: centre (p + z^2/2n)/(1 + z^2/n), half-width
// z/(1 + z^2/n) * sqrt(p(1-p)/n + z^2/4n^2), z = Phi^-1(1 - alpha/2). Unlike the Wald interval it
// keeps a positive width at zero hits, which is where ruin frequencies live.
// Computed for min(hits, misses) and mirrored, and the lower end taken from the product of the
// two ends (p^2/(1 + z^2/n)) rather than centre - half, which would cancel: the interval is
// symmetric under hits <-> misses (to the rounding of 1 - x) and accurate to a few ulps at both
// ends.
inline Result<BinomialInterval> wilson_interval(std::uint64_t hits, std::uint64_t trials,
                                                double confidence) {
    BACKSTOP_NO_FP_CONTRACTION
    if (auto valid = detail::check_binomial(hits, trials, confidence); !valid) return valid.error();
    const double alpha = 1.0 - confidence;
    const double z = -normal_quantile(0.5 * alpha);
    const bool mirrored = 2 * hits > trials;
    const std::uint64_t k = mirrored ? trials - hits : hits;
    const double n = static_cast<double>(trials);
    const double p = static_cast<double>(k) / n;
    const double z2_n = z * z / n;
    const double denominator = 1.0 + z2_n;
    const double centre = (p + 0.5 * z2_n) / denominator;
    const double half = z / denominator * std::sqrt(p * (1.0 - p) / n + 0.25 * z2_n / n);
    const double upper = std::min(1.0, centre + half);
    const double lower = k == 0 ? 0.0 : p * p / (denominator * upper);
    BinomialInterval interval;
    interval.estimate = static_cast<double>(hits) / n;
    interval.lower = mirrored ? 1.0 - upper : lower;
    interval.upper = mirrored ? 1.0 - lower : upper;
    return interval;
}

// Clopper-Pearson's exact interval: [B^-1(alpha/2; k, n-k+1), B^-1(1-alpha/2; k+1, n-k)], B^-1
// the inverse regularized incomplete beta function at integer parameters, i.e. where a binomial
// tail equals alpha/2 (detail/binomial_tail.hpp: a few ulps against 40-digit references; within
// 1e-10 of Boost.Math's ibeta_inv / ibetac_inv, which it replaced, up to 1e9 trials). Coverage
// is at least the nominal confidence for every p; the price is width.
// The ends at k = 0 and k = n have closed forms and use them: upper(0) = 1 - (alpha/2)^(1/n),
// lower(n) = (alpha/2)^(1/n), the first computed as -expm1(log(alpha/2)/n) so it stays accurate
// for large n. It is about -log(alpha/2)/n: 3.69/n at 95%, and 3.00/n for the one-sided 95% bound
// (the two-sided 90% interval's upper end), the "rule of three".
inline Result<BinomialInterval> clopper_pearson_interval(std::uint64_t hits, std::uint64_t trials,
                                                         double confidence) {
    BACKSTOP_NO_FP_CONTRACTION
    if (auto valid = detail::check_binomial(hits, trials, confidence); !valid) return valid.error();
    const double tail = 0.5 * (1.0 - confidence);  // alpha/2 on each side
    const double n = static_cast<double>(trials);
    const double k = static_cast<double>(hits);
    const double root = std::log(tail) / n;  // log of (alpha/2)^(1/n)
    BinomialInterval interval;
    interval.estimate = k / n;
    if (hits == 0) {
        interval.lower = 0.0;
    } else if (hits == trials) {
        interval.lower = std::exp(root);
    } else {
        interval.lower = detail::binomial_tail_root(hits, trials, tail).p;
    }
    if (hits == trials) {
        interval.upper = 1.0;
    } else if (hits == 0) {
        interval.upper = -std::expm1(root);
    } else {
        // P[Bin(n, u) <= k] = P[Bin(n, 1 - u) >= n - k]: the lower end for the misses, mirrored
        // (its complement q is solved directly when small, so an upper end near 0 stays exact).
        interval.upper = detail::binomial_tail_root(trials - hits, trials, tail).q;
    }
    BACKSTOP_ASSERT(0.0 <= interval.lower && interval.upper <= 1.0,
                    "Clopper-Pearson end outside [0, 1] (inverse incomplete beta failed)");
    // Beyond about 1e12 trials the inverse's own error (about 1e-12 absolute at 2^53) can exceed
    // a very narrow interval's width and put an end on the wrong side of the estimate.
    interval.lower = std::min(interval.lower, interval.estimate);
    interval.upper = std::max(interval.upper, interval.estimate);
    return interval;
}

// ---------------------------------------------------------------------------------------------
// Quantiles and tail risk. Losses are signed with larger = worse (a fund's loss, a drawdown).

// The sample quantile of Hyndman and Fan's type 7 (R's default, numpy's "linear"): with the
// sample sorted as x[0] <= ... <= x[n-1] and h = (n - 1) p, it is x[floor h] +
// (h - floor h) (x[floor h + 1] - x[floor h]). p = 0 gives the minimum, p = 1 the maximum.
inline Result<double> quantile(Span<const double> sample, double probability) {
    BACKSTOP_NO_FP_CONTRACTION
    if (auto valid = detail::check_sample(sample); !valid) return valid.error();
    if (!(probability >= 0.0 && probability <= 1.0)) {
        return make_error(ErrorCode::invalid_argument, "probability outside [0, 1]");
    }
    const std::vector<double> x = detail::sorted_copy(sample);
    const double h = static_cast<double>(x.size() - 1) * probability;
    const double below = std::floor(h);
    const auto j = static_cast<std::size_t>(below);
    if (j + 1 >= x.size()) return x.back();
    const double fraction = h - below;
    return x[j] + fraction * (x[j + 1] - x[j]);
}

// Value at Risk at `level` (0.99 for 99%) of the empirical loss distribution:
// VaR = inf{l : P(L > l) <= 1 - level} (domain.md 7.3) with P the sample's own distribution,
// which is the order statistic L(k), k = ceil(level * n), counting from L(1) the smallest.
// No interpolation: VaR is a loss that occurred. level * n within 1e-12 of a whole number is that
// number (so the 99% VaR of 100 losses is the 99th smallest, the second largest).
inline Result<double> value_at_risk(Span<const double> losses, double level) {
    if (auto valid = detail::check_sample(losses); !valid) return valid.error();
    if (!(level > 0.0 && level < 1.0)) {
        return make_error(ErrorCode::invalid_argument, "level outside (0, 1)");
    }
    const std::vector<double> x = detail::sorted_copy(losses);
    const auto k = static_cast<std::size_t>(std::ceil(detail::tail_position(level, x.size())));
    return x[std::max<std::size_t>(k, 1) - 1];
}

// Expected Shortfall at `level`: ES = 1/(1 - level) * integral from level to 1 of VaR_u du
// (domain.md 7.3) for the empirical distribution, which is Acerbi and Tasche's (2002) discrete
// formula: with k = ceil(level * n) and the order statistics L(1) <= ... <= L(n),
//     ES = [ (k - level n) L(k) + sum_{i > k} L(i) ] / (n (1 - level)),
// the mean of the worst n(1 - level) losses, with L(k) counted for the fraction of it that falls
// in the tail. When level * n is whole it is plainly the mean of the n - k largest losses; it is
// coherent (subadditive) and ES >= VaR always. Computed as VaR + sum_{i > k} (L(i) - VaR) /
// (n (1 - level)), which is the same number and never rounds below VaR.
inline Result<double> expected_shortfall(Span<const double> losses, double level) {
    BACKSTOP_NO_FP_CONTRACTION
    if (auto valid = detail::check_sample(losses); !valid) return valid.error();
    if (!(level > 0.0 && level < 1.0)) {
        return make_error(ErrorCode::invalid_argument, "level outside (0, 1)");
    }
    const std::vector<double> x = detail::sorted_copy(losses);
    const double position = detail::tail_position(level, x.size());
    const std::size_t k = std::max<std::size_t>(static_cast<std::size_t>(std::ceil(position)), 1);
    const double var = x[k - 1];
    double excess = 0.0;
    for (std::size_t i = k; i < x.size(); ++i) excess += x[i] - var;
    const double tail_mass = static_cast<double>(x.size()) - position;  // n (1 - level)
    return var + excess / tail_mass;
}

// ---------------------------------------------------------------------------------------------
// Convergence tables: the estimate after the first n paths (in path order, which the lab fixes
// by path index, so the table does not depend on threads) for n = n0, 2 n0, 4 n0, ... and a last
// row with every path, so the table ends at the headline estimate (its step from the row before
// is less than a doubling when the path count is not n0 * 2^j). A half-width that does not shrink
// by about 1/sqrt(2) per doubling means the simulation has not converged (or is broken).

struct ConvergenceRow {
    std::uint64_t paths = 0;
    double estimate = 0.0;
    double lower = 0.0;
    double upper = 0.0;
    double half_width = 0.0;  // (upper - lower) / 2
};

enum class IntervalMethod : std::uint8_t { wilson, clopper_pearson };

namespace detail {
template <class Row>
void for_each_doubling(std::uint64_t first, std::uint64_t total, Row&& row) {
    for (std::uint64_t n = first;;) {
        row(n);
        if (n == total) return;
        n = n > total / 2 ? total : 2 * n;
    }
}
}  // namespace detail

// Depletion frequency: outcomes[i] is 1 if path i hit the event (fund depleted), 0 if not; any
// other byte is refused (it usually means a count or a bool array passed by mistake). Each row
// is the interval of `method` at `confidence` for the first `paths` outcomes.
inline Result<std::vector<ConvergenceRow>> proportion_convergence_table(
    Span<const std::uint8_t> outcomes, std::uint64_t first_paths, double confidence,
    IntervalMethod method = IntervalMethod::wilson) {
    if (!detail::is_confidence(confidence)) {
        return make_error(ErrorCode::invalid_argument, "confidence outside (0, 1)");
    }
    if (first_paths == 0 || first_paths > outcomes.size()) {
        return make_error(ErrorCode::invalid_argument, "first row outside the sample");
    }
    if (outcomes.size() > detail::trials_max) {
        return make_error(ErrorCode::invalid_argument, "trials above 2^53");
    }
    std::vector<std::uint64_t> hits_before(outcomes.size() + 1, 0);  // hits in the first i paths
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        if (outcomes[i] > 1) return make_error(ErrorCode::invalid_argument, "outcome not 0 or 1");
        hits_before[i + 1] = hits_before[i] + outcomes[i];
    }
    std::vector<ConvergenceRow> table;
    detail::for_each_doubling(first_paths, outcomes.size(), [&](std::uint64_t n) {
        const std::uint64_t hits = hits_before[static_cast<std::size_t>(n)];
        const BinomialInterval interval = method == IntervalMethod::wilson
                                              ? *wilson_interval(hits, n, confidence)
                                              : *clopper_pearson_interval(hits, n, confidence);
        table.push_back({n, interval.estimate, interval.lower, interval.upper,
                         interval.half_width()});
    });
    return table;
}

// A mean (fund loss, final balance): each row is the running mean of the first `paths` values
// with the normal-approximation interval mean +- z s / sqrt(paths), s the sample standard
// deviation (n - 1). Running sums use Welford's update in path order. first_paths >= 2.
inline Result<std::vector<ConvergenceRow>> mean_convergence_table(Span<const double> values,
                                                                  std::uint64_t first_paths,
                                                                  double confidence) {
    BACKSTOP_NO_FP_CONTRACTION
    if (!detail::is_confidence(confidence)) {
        return make_error(ErrorCode::invalid_argument, "confidence outside (0, 1)");
    }
    if (first_paths < 2 || first_paths > values.size()) {
        return make_error(ErrorCode::invalid_argument, "first row outside the sample (or < 2)");
    }
    if (auto valid = detail::check_sample(values); !valid) return valid.error();
    const double z = -normal_quantile(0.5 * (1.0 - confidence));
    std::vector<double> mean_after(values.size() + 1, 0.0);
    std::vector<double> squares_after(values.size() + 1, 0.0);  // sum of squared deviations
    double mean = 0.0;
    double squares = 0.0;
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double delta = values[i] - mean;
        mean += delta / static_cast<double>(i + 1);
        squares += delta * (values[i] - mean);
        mean_after[i + 1] = mean;
        squares_after[i + 1] = squares;
    }
    std::vector<ConvergenceRow> table;
    detail::for_each_doubling(first_paths, values.size(), [&](std::uint64_t n) {
        const auto i = static_cast<std::size_t>(n);
        const double count = static_cast<double>(n);
        const double half = z * std::sqrt(squares_after[i] / (count - 1.0) / count);
        table.push_back({n, mean_after[i], mean_after[i] - half, mean_after[i] + half, half});
    });
    return table;
}

// ---------------------------------------------------------------------------------------------
// Moments and autocorrelation (for checking price models: fat tails, volatility clustering).

// With central moments m_j = sum (x - mean)^j / n: variance is the unbiased sum / (n - 1);
// skewness is g1 = m3 / m2^(3/2) and excess kurtosis g2 = m4 / m2^2 - 3, the plain moment
// estimators (scipy.stats.describe's defaults, bias=True). A normal sample gives g1, g2 near 0
// with standard errors about sqrt(6/n) and sqrt(24/n). For a constant sample the variance is 0
// and skewness and kurtosis are NaN (undefined, not zero).
struct SampleMoments {
    std::uint64_t count = 0;
    double mean = 0.0;
    double variance = 0.0;
    double skewness = 0.0;
    double excess_kurtosis = 0.0;

    double standard_deviation() const noexcept { return std::sqrt(variance); }
};

// Two passes (mean first, then central sums), more accurate than one-pass power sums when the
// mean is large against the spread (prices). Needs at least two values.
inline Result<SampleMoments> moments(Span<const double> sample) {
    BACKSTOP_NO_FP_CONTRACTION
    if (auto valid = detail::check_sample(sample); !valid) return valid.error();
    if (sample.size() < 2) return make_error(ErrorCode::invalid_argument, "fewer than 2 values");
    const double n = static_cast<double>(sample.size());
    double sum = 0.0;
    for (const double x : sample) sum += x;
    double mean = sum / n;
    double correction = 0.0;  // the first pass's rounding, measured and removed
    for (const double x : sample) correction += x - mean;
    mean += correction / n;
    double m2 = 0.0;
    double m3 = 0.0;
    double m4 = 0.0;
    for (const double x : sample) {
        const double d = x - mean;
        const double d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    SampleMoments result;
    result.count = sample.size();
    result.mean = mean;
    result.variance = m2 / (n - 1.0);
    m2 /= n;
    m3 /= n;
    m4 /= n;
    if (m2 > 0.0) {
        result.skewness = m3 / (m2 * std::sqrt(m2));
        result.excess_kurtosis = m4 / (m2 * m2) - 3.0;
    } else {
        result.skewness = std::numeric_limits<double>::quiet_NaN();
        result.excess_kurtosis = std::numeric_limits<double>::quiet_NaN();
    }
    return result;
}

// Sample autocorrelation at `lag` (the estimator of R's acf and statsmodels):
// r_k = sum_{t < n-k} (x_t - mean)(x_{t+k} - mean) / sum_t (x_t - mean)^2, with the full-sample
// mean and denominator, so |r_k| <= 1 and r_0 = 1. Needs lag < n and a series that is not
// constant. Squared returns' autocorrelation is the usual volatility-clustering check.
inline Result<double> autocorrelation(Span<const double> series, std::size_t lag) {
    BACKSTOP_NO_FP_CONTRACTION
    if (auto valid = detail::check_sample(series); !valid) return valid.error();
    if (lag >= series.size()) return make_error(ErrorCode::invalid_argument, "lag >= length");
    const std::size_t n = series.size();
    double mean = 0.0;
    for (const double x : series) mean += x;
    mean /= static_cast<double>(n);
    double denominator = 0.0;
    for (const double x : series) denominator += (x - mean) * (x - mean);
    if (!(denominator > 0.0)) return make_error(ErrorCode::invalid_argument, "constant series");
    double numerator = 0.0;
    for (std::size_t t = 0; t + lag < n; ++t) {
        numerator += (series[t] - mean) * (series[t + lag] - mean);
    }
    return numerator / denominator;
}

}  // namespace backstop::risk
