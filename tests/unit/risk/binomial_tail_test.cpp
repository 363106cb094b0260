// Clopper-Pearson's ends by our own inverse binomial tail (risk/detail/binomial_tail.hpp) against
// Boost.Math's inverse regularized incomplete beta, which the library used before (it cost every
// <backstop.hpp> translation unit about 2 s of compile time). Boost stays here as the reference.
// Tolerance: 1e-10 relative, up to 1e9 trials. The largest differences seen (about 6e-12, small
// hit counts in 1e9 trials) are Boost's: the two cases below, checked with 60-digit mpmath
// (bracketed root of the binomial sum), agree with ours to 1e-15.
#include <backstop/risk/statistics.hpp>

#include <boost/math/policies/policy.hpp>
#include <boost/math/special_functions/beta.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>

namespace test_risk_binomial_tail_test {

using namespace backstop::risk;

namespace {

namespace bmp = boost::math::policies;
using BetaPolicy =
    bmp::policy<bmp::domain_error<bmp::ignore_error>, bmp::pole_error<bmp::ignore_error>,
                bmp::overflow_error<bmp::ignore_error>, bmp::underflow_error<bmp::ignore_error>,
                bmp::evaluation_error<bmp::ignore_error>, bmp::rounding_error<bmp::ignore_error>,
                bmp::indeterminate_result_error<bmp::ignore_error>>;

double relative_error(double actual, double expected) {
    return expected == 0.0 ? std::fabs(actual) : std::fabs(actual - expected) / std::fabs(expected);
}

// The library's formulas before this change, Boost's inverses.
BinomialInterval boost_interval(std::uint64_t hits, std::uint64_t trials, double confidence) {
    const double tail = 0.5 * (1.0 - confidence);
    const double n = static_cast<double>(trials), k = static_cast<double>(hits);
    BinomialInterval interval;
    interval.lower = hits == 0 ? 0.0 : boost::math::ibeta_inv(k, n - k + 1.0, tail, BetaPolicy());
    interval.upper = hits == trials ? 1.0 : boost::math::ibetac_inv(k + 1.0, n - k, tail, BetaPolicy());
    return interval;
}

std::uint64_t next(std::uint64_t& state) {  // splitmix64
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void compare(std::uint64_t hits, std::uint64_t trials, double confidence) {
    INFO("k = " << hits << ", n = " << trials << ", confidence " << confidence);
    const BinomialInterval ours = clopper_pearson_interval(hits, trials, confidence).value();
    const BinomialInterval reference = boost_interval(hits, trials, confidence);
    // The closed-form ends (k = 0, k = n) are the library's own as before.
    if (hits > 0 && hits < trials) CHECK(relative_error(ours.lower, reference.lower) < 1e-10);
    if (hits < trials && hits > 0) CHECK(relative_error(ours.upper, reference.upper) < 1e-10);
}

const double confidences[] = {0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 0.999999};

}  // namespace

TEST_CASE("Clopper-Pearson ends agree with Boost.Math's inverse incomplete beta", "[stats]") {
    for (const std::uint64_t n : {2ULL, 3ULL, 5ULL, 10ULL, 17ULL, 100ULL, 1000ULL, 40000ULL, 1000000ULL}) {
        for (std::uint64_t k = 1; k < n; k += (n > 50 ? n / 37 + 1 : 1)) {
            for (const double confidence : confidences) compare(k, n, confidence);
        }
    }
    // Random counts up to 1e9 trials: anywhere, and near either end (few hits or few misses).
    std::uint64_t state = 19;
    for (int i = 0; i < 3000; ++i) {
        const double exponent = 9.0 * static_cast<double>(next(state) >> 11) * 0x1p-53;
        const auto n = static_cast<std::uint64_t>(std::pow(10.0, exponent)) + 2;
        const std::uint64_t few = next(state) % (n < 30 ? n : 30);
        const std::uint64_t k = i % 3 == 0 ? next(state) % (n + 1) : i % 3 == 1 ? few : n - few;
        compare(k, n, confidences[next(state) % 7]);
    }
}

TEST_CASE("where ours and Boost differ most, ours matches 60-digit references", "[stats]") {
    // mpmath: the root u of sum_{j <= k} C(n, j) u^j (1 - u)^(n - j) = 0.25 (confidence 0.5).
    const BinomialInterval a = clopper_pearson_interval(1, 761292347, 0.5).value();
    CHECK(relative_error(a.upper, 3.5369257769464145434e-9) < 1e-15);
    CHECK(relative_error(boost_interval(1, 761292347, 0.5).upper, 3.5369257769464145434e-9) > 1e-12);
    const BinomialInterval b = clopper_pearson_interval(5, 702022279, 0.5).value();
    CHECK(relative_error(b.upper, 1.0573313760476960022e-8) < 1e-15);
}

}  // namespace test_risk_binomial_tail_test
