// Risk-lab statistics against numbers worked out independently of the code under test.
// Reference values marked "mpmath" come from a 40-digit mpmath computation: the normal quantile
// by bisection on ncdf, Wilson from the domain.md 7.4 formula, and Clopper-Pearson twice, by
// bisection on the regularized incomplete beta and on the binomial tail sums (the two agreed to
// all 17 digits shown). The tests below also recheck Clopper-Pearson against binomial tails
// summed here, VaR against its definition by brute force, and ES against the integral of the
// empirical quantile function.
#include <backstop/risk/normal.hpp>
#include <backstop/risk/statistics.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace test_risk_statistics_test {

using namespace backstop;
using namespace backstop::risk;

namespace {

double relative_error(double actual, double expected) {
    if (expected == 0.0) return std::fabs(actual);
    return std::fabs(actual - expected) / std::fabs(expected);
}

// P(X >= k) and P(X <= k) for X ~ Binomial(n, p), summed term by term (n small enough that no
// term underflows).
double binomial_upper_tail(std::uint64_t k, std::uint64_t n, double p) {
    double term = std::pow(1.0 - p, static_cast<double>(n));  // P(X = 0)
    double below = 0.0;
    for (std::uint64_t i = 0; i < k; ++i) {
        below += term;
        term *= static_cast<double>(n - i) / static_cast<double>(i + 1) * p / (1.0 - p);
    }
    return 1.0 - below;
}
double binomial_lower_tail(std::uint64_t k, std::uint64_t n, double p) {
    return 1.0 - binomial_upper_tail(k + 1, n, p);
}

struct IntervalCase {
    std::uint64_t hits;
    std::uint64_t trials;
    double confidence;
    double wilson_lower, wilson_upper;
    double cp_lower, cp_upper;
};

// mpmath, 40 digits (see the file comment).
const IntervalCase interval_cases[] = {
    {0, 100, 0.95, 0.0, 0.036993498206985671, 0.0, 0.03621669264517641},
    {5, 100, 0.95, 0.021543679154367974, 0.11175046923191913, 0.016431879182052163,
     0.11283491110546275},
    {100, 100, 0.95, 0.96300650179301433, 1.0, 0.96378330735482359, 1.0},
    {1, 10, 0.95, 0.017876213095072909, 0.40415002679523843, 0.0025285785444617868,
     0.44501611702819536},
    {3, 1000, 0.99, 0.00075810123106146763, 0.011793516682924921, 0.00033814452906649337,
     0.010933777420405241},
    {50, 100, 0.9, 0.41884779611252948, 0.58115220388747052, 0.41362171463091175,
     0.58637828536908825},
    {0, 1, 0.95, 0.0, 0.79345068562276255, 0.0, 0.97499999999999998},
    {7, 7, 0.99, 0.51338856500574567, 1.0, 0.46911727854354158, 1.0},
    {2, 40000, 0.95, 1.3711910544660645e-5, 0.00018230573512984277, 6.0552893221176936e-6,
     0.00018060539622286076},
    {117, 40000, 0.95, 0.0024413792432032369, 0.0035040862457929703, 0.0024196369403851664,
     0.0035045176590722693},
    {0, 40000, 0.95, 0.0, 9.6027248399343346e-5, 0.0, 9.2217734036184987e-5},
    {1, 1000000, 0.999, 7.8436733389108367e-8, 1.274899054745594e-5, 5.0012504155723583e-10,
     9.9986325103112296e-6},
    {5, 100000000, 0.95, 2.1357011558823689e-8, 1.1705757133097835e-7, 1.6234864094096088e-8,
     1.1668331690281107e-7},
    {1000, 10000000, 0.99, 9.2179850394521372e-5, 0.00010848350612751854, 9.2042766242378356e-5,
     0.00010843682933813424},
};

}  // namespace

TEST_CASE("the normal CDF and quantile match 40-digit references", "[stats]") {
    // mpmath
    CHECK(relative_error(normal_cdf(-3.0), 0.0013498980316300945) < 1e-15);
    CHECK(relative_error(normal_cdf(-1.0), 0.15865525393145705) < 1e-15);
    CHECK(relative_error(normal_cdf(0.5), 0.6914624612740131) < 1e-15);
    CHECK(relative_error(normal_cdf(2.0), 0.97724986805182079) < 1e-15);
    CHECK(relative_error(normal_cdf(-10.0), 7.6198530241605261e-24) < 1e-14);
    CHECK(normal_cdf(0.0) == 0.5);
    CHECK(relative_error(normal_log_cdf(-40.0), -804.60844201375379) < 1e-15);
    CHECK(relative_error(normal_log_cdf(-100.0), -5005.5242086942051) < 1e-15);
    CHECK(relative_error(normal_log_cdf(-3.0), std::log(0.0013498980316300945)) < 1e-15);

    CHECK(relative_error(normal_quantile(1e-10), -6.3613409024040562) < 1e-15);
    CHECK(relative_error(normal_quantile(0.025), -1.9599639845400542) < 1e-15);
    CHECK(relative_error(normal_quantile(0.3), -0.52440051270804082) < 1e-15);
    CHECK(relative_error(normal_quantile(0.975), 1.9599639845400539) < 1e-15);
    CHECK(relative_error(normal_quantile(1e-300), -37.047096299361199) < 1e-15);
    // z for 95% and 99% two-sided intervals, as the intervals compute it.
    CHECK(relative_error(-normal_quantile(0.025), 1.9599639845400542) < 1e-15);
    CHECK(relative_error(-normal_quantile(0.005), 2.5758293035489004) < 1e-15);

    CHECK(normal_quantile(0.5) == 0.0);
    CHECK(normal_quantile(0.0) == -std::numeric_limits<double>::infinity());
    CHECK(normal_quantile(1.0) == std::numeric_limits<double>::infinity());
    CHECK(std::isnan(normal_quantile(-0.1)));
    CHECK(std::isnan(normal_quantile(1.5)));
    CHECK(std::isnan(normal_quantile(std::numeric_limits<double>::quiet_NaN())));

    // Round trip over a grid spanning both tails.
    for (double p = 1e-12; p < 1.0; p *= 3.7) {
        INFO("p = " << p);
        CHECK(relative_error(normal_cdf(normal_quantile(p)), p) < 1e-13);
        CHECK(normal_cdf(normal_quantile(1.0 - p)) == Approx(1.0 - p).margin(1e-15));
    }
}

TEST_CASE("Wilson and Clopper-Pearson intervals match independent references", "[stats]") {
    for (const IntervalCase& c : interval_cases) {
        INFO("k = " << c.hits << ", n = " << c.trials << ", confidence " << c.confidence);
        const BinomialInterval wilson = wilson_interval(c.hits, c.trials, c.confidence).value();
        const BinomialInterval cp =
            clopper_pearson_interval(c.hits, c.trials, c.confidence).value();
        const double estimate = static_cast<double>(c.hits) / static_cast<double>(c.trials);
        CHECK(wilson.estimate == estimate);
        CHECK(cp.estimate == estimate);
        CHECK(relative_error(wilson.lower, c.wilson_lower) < 1e-12);
        CHECK(relative_error(wilson.upper, c.wilson_upper) < 1e-12);
        CHECK(relative_error(cp.lower, c.cp_lower) < 1e-12);
        CHECK(relative_error(cp.upper, c.cp_upper) < 1e-12);
        CHECK(wilson.contains(estimate));
        CHECK(cp.contains(estimate));
    }
}

TEST_CASE("the issue's 95% intervals for 5 hits in 100", "[stats]") {
    // The figures quoted in the issue, to their 3 significant digits.
    const BinomialInterval cp = clopper_pearson_interval(5, 100, 0.95).value();
    CHECK(cp.lower == Approx(0.0164).margin(0.00005));
    CHECK(cp.upper == Approx(0.1128).margin(0.00005));
    const BinomialInterval wilson = wilson_interval(5, 100, 0.95).value();
    CHECK(wilson.lower == Approx(0.0215).margin(0.00005));
    CHECK(wilson.upper == Approx(0.1118).margin(0.00005));
    // Clopper-Pearson is the wider (conservative) one here.
    CHECK(cp.lower < wilson.lower);
    CHECK(cp.upper > wilson.upper);
}

TEST_CASE("Clopper-Pearson ends are where the binomial tails equal alpha/2", "[stats]") {
    // The defining property, checked by summing binomial probabilities (no beta function).
    struct Case {
        std::uint64_t k, n;
        double confidence;
    };
    for (const Case c : {Case{5, 100, 0.95}, Case{1, 10, 0.95}, Case{37, 120, 0.99},
                         Case{0, 50, 0.9}, Case{50, 50, 0.95}, Case{12, 400, 0.8}}) {
        INFO("k = " << c.k << ", n = " << c.n);
        const double tail = 0.5 * (1.0 - c.confidence);
        const BinomialInterval cp = clopper_pearson_interval(c.k, c.n, c.confidence).value();
        if (c.k > 0) CHECK(binomial_upper_tail(c.k, c.n, cp.lower) == Approx(tail).epsilon(1e-9));
        if (c.k < c.n) CHECK(binomial_lower_tail(c.k, c.n, cp.upper) == Approx(tail).epsilon(1e-9));
    }
}

TEST_CASE("zero hits and all hits", "[stats]") {
    for (const std::uint64_t n : {1ULL, 2ULL, 10ULL, 100ULL, 12345ULL, 1000000000ULL}) {
        for (const double confidence : {0.8, 0.95, 0.999}) {
            INFO("n = " << n << ", confidence " << confidence);
            const double tail = 0.5 * (1.0 - confidence);
            const double nd = static_cast<double>(n);
            const BinomialInterval none = clopper_pearson_interval(0, n, confidence).value();
            CHECK(none.estimate == 0.0);
            CHECK(none.lower == 0.0);
            CHECK(relative_error(none.upper, 1.0 - std::pow(tail, 1.0 / nd)) < 1e-6);
            const BinomialInterval all = clopper_pearson_interval(n, n, confidence).value();
            CHECK(all.estimate == 1.0);
            CHECK(all.upper == 1.0);
            CHECK(relative_error(all.lower, std::pow(tail, 1.0 / nd)) < 1e-15);

            const BinomialInterval wilson_none = wilson_interval(0, n, confidence).value();
            CHECK(wilson_none.lower == 0.0);
            CHECK(wilson_none.upper > 0.0);
            const double z = -normal_quantile(tail);
            CHECK(relative_error(wilson_none.upper, z * z / (nd + z * z)) < 1e-13);
            const BinomialInterval wilson_all = wilson_interval(n, n, confidence).value();
            CHECK(wilson_all.upper == 1.0);
            CHECK(wilson_all.lower < 1.0);
        }
    }
    // 1 - (alpha/2)^(1/n) ~ -log(alpha/2)/n for large n: 3.69/n two-sided at 95%, and the
    // one-sided 95% bound (the two-sided 90% interval's upper end) is the "rule of three".
    const double n = 1e6;
    CHECK(clopper_pearson_interval(0, 1000000, 0.95)->upper * n ==
          Approx(-std::log(0.025)).epsilon(1e-5));
    CHECK(clopper_pearson_interval(0, 1000000, 0.90)->upper * n == Approx(2.9957).epsilon(1e-4));
}

TEST_CASE("intervals mirror under hits <-> misses and nest with confidence", "[stats]") {
    for (const std::uint64_t n : {1ULL, 7ULL, 100ULL, 1001ULL}) {
        for (std::uint64_t k = 0; k <= n; k += (n > 20 ? n / 13 : 1)) {
            INFO("k = " << k << ", n = " << n);
            const BinomialInterval w = wilson_interval(k, n, 0.95).value();
            const BinomialInterval w_mirror = wilson_interval(n - k, n, 0.95).value();
            CHECK(w.lower == Approx(1.0 - w_mirror.upper).margin(1e-15));
            CHECK(w.upper == Approx(1.0 - w_mirror.lower).margin(1e-15));
            const BinomialInterval cp = clopper_pearson_interval(k, n, 0.95).value();
            const BinomialInterval cp_mirror = clopper_pearson_interval(n - k, n, 0.95).value();
            CHECK(cp.lower == Approx(1.0 - cp_mirror.upper).margin(1e-14));
            CHECK(cp.upper == Approx(1.0 - cp_mirror.lower).margin(1e-14));
            const BinomialInterval cp99 = clopper_pearson_interval(k, n, 0.99).value();
            const BinomialInterval w99 = wilson_interval(k, n, 0.99).value();
            CHECK(cp99.lower <= cp.lower);
            CHECK(cp99.upper >= cp.upper);
            CHECK(w99.lower <= w.lower);
            CHECK(w99.upper >= w.upper);
        }
    }
}

TEST_CASE("a Wilson formula with k in place of p-hat is rejected by the same comparison",
          "[stats]") {
    // domain.md 7.4 warns of a published version that uses the count k where p-hat belongs.
    // The comparison used above must tell it apart from the right one.
    const IntervalCase& c = interval_cases[1];  // 5 in 100 at 95%
    const double n = static_cast<double>(c.trials);
    const double k = static_cast<double>(c.hits);
    const double z = -normal_quantile(0.025);
    const double wrong_centre = (k + z * z / (2 * n)) / (1 + z * z / n);
    const double wrong_half =
        z / (1 + z * z / n) * std::sqrt(k * (1 - k) / n + z * z / (4 * n * n));
    CHECK_FALSE(relative_error(wrong_centre - wrong_half, c.wilson_lower) < 1e-12);
    CHECK_FALSE(relative_error(wrong_centre + wrong_half, c.wilson_upper) < 1e-12);
    // And Wald's interval (p-hat +- z sqrt(p-hat(1 - p-hat)/n)) is not Wilson's either: at zero
    // hits it has no width at all, which is why ruin frequencies never use it.
    const double p = k / n;
    const double wald_half = z * std::sqrt(p * (1 - p) / n);
    CHECK_FALSE(relative_error(p - wald_half, c.wilson_lower) < 1e-12);
    CHECK(wilson_interval(0, 100, 0.95)->upper > 0.03);
}

TEST_CASE("binomial intervals refuse bad input", "[stats]") {
    const auto code_of = [](const Result<BinomialInterval>& r) { return r.error().code; };
    for (const auto& interval : {&wilson_interval, &clopper_pearson_interval}) {
        CHECK(code_of(interval(0, 0, 0.95)) == ErrorCode::invalid_argument);
        CHECK(code_of(interval(11, 10, 0.95)) == ErrorCode::invalid_argument);
        CHECK(code_of(interval(1, 10, 0.0)) == ErrorCode::invalid_argument);
        CHECK(code_of(interval(1, 10, 1.0)) == ErrorCode::invalid_argument);
        CHECK(code_of(interval(1, 10, -0.5)) == ErrorCode::invalid_argument);
        CHECK(code_of(interval(1, 10, std::numeric_limits<double>::quiet_NaN())) ==
              ErrorCode::invalid_argument);
        CHECK(code_of(interval(1, (1ULL << 53) + 1, 0.95)) == ErrorCode::invalid_argument);
        CHECK(interval(1, 1ULL << 53, 0.95).has_value());
    }
}

TEST_CASE("quantile, VaR and ES on a hand-worked sample", "[stats]") {
    // Sorted: -2 0 1 3 4 5 7 8 12 20 (n = 10), given unsorted.
    const std::vector<double> losses = {5, -2, 8, 1, 12, 3, 7, 0, 20, 4};

    // Type 7: h = 9p. p = 0.5: h = 4.5 -> 4 + 0.5 (5 - 4) = 4.5; p = 0.25: h = 2.25 -> 1 + 0.25
    // (3 - 1) = 1.5; p = 0.9: h = 8.1 -> 12 + 0.1 (20 - 12) = 12.8.
    CHECK(quantile(losses, 0.5).value() == Approx(4.5));
    CHECK(quantile(losses, 0.25).value() == Approx(1.5));
    CHECK(quantile(losses, 0.9).value() == Approx(12.8));
    CHECK(quantile(losses, 0.0).value() == -2.0);
    CHECK(quantile(losses, 1.0).value() == 20.0);
    CHECK(quantile(std::vector<double>{3.0}, 0.7).value() == 3.0);

    // VaR = L(ceil(10 level)); ES = [(k - 10 level) L(k) + sum_{i > k} L(i)] / (10 (1 - level)).
    // level 0.9: k = 9, VaR = 12, ES = 20 / 1.
    CHECK(value_at_risk(losses, 0.9).value() == 12.0);
    CHECK(expected_shortfall(losses, 0.9).value() == Approx(20.0));
    // level 0.85: 8.5 -> k = 9, VaR = 12, ES = (0.5 * 12 + 20) / 1.5 = 17.333...
    CHECK(value_at_risk(losses, 0.85).value() == 12.0);
    CHECK(expected_shortfall(losses, 0.85).value() == Approx(26.0 / 1.5));
    // level 0.75: 7.5 -> k = 8, VaR = 8, ES = (0.5 * 8 + 12 + 20) / 2.5 = 14.4
    CHECK(value_at_risk(losses, 0.75).value() == 8.0);
    CHECK(expected_shortfall(losses, 0.75).value() == Approx(14.4));
    // level 0.95: 9.5 -> k = 10, VaR = ES = 20 (the worst loss).
    CHECK(value_at_risk(losses, 0.95).value() == 20.0);
    CHECK(expected_shortfall(losses, 0.95).value() == Approx(20.0));
    // level 0.5: k = 5, VaR = 4, ES = mean(5, 7, 8, 12, 20) = 10.4
    CHECK(value_at_risk(losses, 0.5).value() == 4.0);
    CHECK(expected_shortfall(losses, 0.5).value() == Approx(10.4));
    // A tiny level: VaR is the smallest loss and ES the plain mean.
    CHECK(value_at_risk(losses, 1e-9).value() == -2.0);
    CHECK(expected_shortfall(losses, 1e-9).value() == Approx(5.8).epsilon(1e-8));
}

TEST_CASE("VaR and ES agree with their definitions on the empirical distribution", "[stats]") {
    // 200 distinct-ish losses from a fixed recurrence, with ties.
    std::vector<double> losses;
    std::uint64_t state = 12345;
    for (int i = 0; i < 200; ++i) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        losses.push_back(static_cast<double>((state >> 40) % 1000) - 300.0);
    }
    const double n = static_cast<double>(losses.size());
    std::vector<double> sorted = losses;
    std::sort(sorted.begin(), sorted.end());
    for (const double level : {0.5, 0.9, 0.95, 0.975, 0.99, 0.995, 0.123, 0.9951}) {
        INFO("level " << level);
        // VaR = inf{l : P(L > l) <= 1 - level}, searched over the sample's own values.
        double var_definition = std::numeric_limits<double>::infinity();
        for (const double l : losses) {
            double above = 0;
            for (const double x : losses) above += x > l ? 1.0 : 0.0;
            if (above / n <= 1.0 - level + 1e-12 && l < var_definition) var_definition = l;
        }
        CHECK(value_at_risk(losses, level).value() == var_definition);

        // ES = 1/(1 - level) * integral_level^1 VaR_u du, with VaR_u = L(ceil(u n)) the
        // empirical quantile, a step function: a fine midpoint rule integrates it to within the
        // width of the steps it straddles.
        const int steps = 200000;
        double integral = 0.0;
        for (int s = 0; s < steps; ++s) {
            const double u = level + (1.0 - level) * (s + 0.5) / steps;
            integral += sorted[static_cast<std::size_t>(std::ceil(u * n)) - 1];
        }
        integral /= steps;
        CHECK(expected_shortfall(losses, level).value() == Approx(integral).epsilon(1e-4));
        CHECK(expected_shortfall(losses, level).value() >= value_at_risk(losses, level).value());
    }
}

TEST_CASE("VaR takes 95% of 100 as the 95th loss, not the 96th", "[stats]") {
    // 0.95 * 100 is 95.00000000000001 in floating point on some paths; the tail position snaps
    // to the whole number.
    std::vector<double> losses;
    for (int i = 1; i <= 100; ++i) losses.push_back(i);
    CHECK(value_at_risk(losses, 0.95).value() == 95.0);
    CHECK(value_at_risk(losses, 0.99).value() == 99.0);
    CHECK(value_at_risk(losses, 0.975).value() == 98.0);  // 97.5 -> 98
    CHECK(expected_shortfall(losses, 0.95).value() == Approx(98.0));  // mean of 96..100
    CHECK(expected_shortfall(losses, 0.975).value() == Approx((0.5 * 98 + 99 + 100) / 2.5));
    std::vector<double> thousand;
    for (int i = 1; i <= 1000; ++i) thousand.push_back(i);
    for (int percent = 1; percent < 100; ++percent) {
        CHECK(value_at_risk(thousand, percent / 100.0).value() == 10.0 * percent);
    }
}

TEST_CASE("quantile, VaR and ES refuse bad input", "[stats]") {
    const std::vector<double> empty;
    const std::vector<double> with_nan = {1.0, std::numeric_limits<double>::quiet_NaN()};
    const std::vector<double> with_inf = {1.0, std::numeric_limits<double>::infinity()};
    const std::vector<double> fine = {1.0, 2.0};
    for (const auto& f : {&value_at_risk, &expected_shortfall}) {
        CHECK(f(empty, 0.9).error().code == ErrorCode::invalid_argument);
        CHECK(f(with_nan, 0.9).error().code == ErrorCode::invalid_argument);
        CHECK(f(with_inf, 0.9).error().code == ErrorCode::invalid_argument);
        CHECK(f(fine, 0.0).error().code == ErrorCode::invalid_argument);
        CHECK(f(fine, 1.0).error().code == ErrorCode::invalid_argument);
        CHECK(f(fine, std::numeric_limits<double>::quiet_NaN()).error().code ==
              ErrorCode::invalid_argument);
    }
    CHECK(quantile(empty, 0.5).error().code == ErrorCode::invalid_argument);
    CHECK(quantile(with_nan, 0.5).error().code == ErrorCode::invalid_argument);
    CHECK(quantile(fine, -0.1).error().code == ErrorCode::invalid_argument);
    CHECK(quantile(fine, 1.1).error().code == ErrorCode::invalid_argument);
}

TEST_CASE("proportion convergence table doubles and ends at the full sample", "[stats]") {
    // 1000 paths, every tenth a hit: p-hat is exactly 0.1 at every row.
    std::vector<std::uint8_t> outcomes(1000, 0);
    for (std::size_t i = 0; i < outcomes.size(); i += 10) outcomes[i] = 1;
    const auto table = proportion_convergence_table(outcomes, 100, 0.95).value();
    REQUIRE(table.size() == 5);
    const std::uint64_t expected_paths[] = {100, 200, 400, 800, 1000};
    for (std::size_t r = 0; r < table.size(); ++r) {
        INFO("row " << r);
        CHECK(table[r].paths == expected_paths[r]);
        CHECK(table[r].estimate == Approx(0.1));
        const BinomialInterval w =
            wilson_interval(table[r].paths / 10, table[r].paths, 0.95).value();
        CHECK(table[r].lower == w.lower);
        CHECK(table[r].upper == w.upper);
        CHECK(table[r].half_width == w.half_width());
    }
    // The half-width shrinks like 1/sqrt(n): about 1/sqrt(2) per doubling.
    for (std::size_t r = 1; r + 1 < table.size(); ++r) {
        CHECK(table[r].half_width / table[r - 1].half_width ==
              Approx(1 / std::sqrt(2.0)).epsilon(0.03));
    }

    const auto cp_table =
        proportion_convergence_table(outcomes, 250, 0.99, IntervalMethod::clopper_pearson).value();
    REQUIRE(cp_table.size() == 3);  // 250, 500, 1000: no extra row when the doubling lands on n
    CHECK(cp_table[2].paths == 1000);
    const BinomialInterval cp = clopper_pearson_interval(100, 1000, 0.99).value();
    CHECK(cp_table[2].lower == cp.lower);
    CHECK(cp_table[2].upper == cp.upper);

    // Rows see only the first n paths: hits placed late appear only in the last row.
    std::vector<std::uint8_t> late(64, 0);
    late[40] = 1;
    late[63] = 1;
    const auto late_table = proportion_convergence_table(late, 8, 0.95).value();
    REQUIRE(late_table.size() == 4);  // 8 16 32 64
    CHECK(late_table[2].estimate == 0.0);
    CHECK(late_table[2].lower == 0.0);
    CHECK(late_table[3].estimate == 2.0 / 64.0);

    const auto single = proportion_convergence_table(late, 64, 0.95).value();
    REQUIRE(single.size() == 1);

    CHECK(proportion_convergence_table(late, 0, 0.95).error().code == ErrorCode::invalid_argument);
    CHECK(proportion_convergence_table(late, 65, 0.95).error().code == ErrorCode::invalid_argument);
    CHECK(proportion_convergence_table(late, 8, 1.0).error().code == ErrorCode::invalid_argument);
    late[3] = 2;
    CHECK(proportion_convergence_table(late, 8, 0.95).error().code == ErrorCode::invalid_argument);
}

TEST_CASE("mean convergence table uses the running mean and z s / sqrt(n)", "[stats]") {
    // Values 0, 1, 2, 3, 0, 1, 2, 3, ...: every row with n a multiple of 4 has mean 1.5 and
    // sample variance (n/4 * 5) / (n - 1) (deviations +-1.5, +-0.5).
    std::vector<double> values;
    for (int i = 0; i < 1000; ++i) values.push_back(i % 4);
    const auto table = mean_convergence_table(values, 4, 0.95).value();
    REQUIRE(table.size() == 9);  // 4 8 ... 512 and 1000
    const double z = -normal_quantile(0.025);
    for (const ConvergenceRow& row : table) {
        INFO("n = " << row.paths);
        const double n = static_cast<double>(row.paths);
        CHECK(row.estimate == Approx(1.5));
        const double variance = (n / 4 * 5) / (n - 1);
        CHECK(row.half_width == Approx(z * std::sqrt(variance / n)).epsilon(1e-12));
        CHECK(row.lower == Approx(1.5 - row.half_width));
        CHECK(row.upper == Approx(1.5 + row.half_width));
    }
    CHECK(table.back().paths == 1000);
    CHECK(mean_convergence_table(values, 1, 0.95).error().code == ErrorCode::invalid_argument);
    values[7] = std::numeric_limits<double>::quiet_NaN();
    CHECK(mean_convergence_table(values, 4, 0.95).error().code == ErrorCode::invalid_argument);
}

TEST_CASE("moments on a hand-worked sample", "[stats]") {
    // 2 4 4 4 5 5 7 9: mean 5, deviations -3 -1 -1 -1 0 0 2 4; sum d^2 = 32, d^3 = 42, d^4 = 356.
    // m2 = 4, m3 = 5.25, m4 = 44.5: variance 32/7, g1 = 5.25/8, g2 = 44.5/16 - 3.
    const std::vector<double> sample = {2, 4, 4, 4, 5, 5, 7, 9};
    const SampleMoments m = moments(sample).value();
    CHECK(m.count == 8);
    CHECK(m.mean == 5.0);
    CHECK(m.variance == Approx(32.0 / 7.0).epsilon(1e-15));
    CHECK(m.standard_deviation() == Approx(std::sqrt(32.0 / 7.0)).epsilon(1e-15));
    CHECK(m.skewness == Approx(0.65625).epsilon(1e-15));
    CHECK(m.excess_kurtosis == Approx(-0.21875).epsilon(1e-15));

    // Shifted by 1e9 the central moments are the same: two passes do not lose them.
    std::vector<double> shifted;
    for (const double x : sample) shifted.push_back(x + 1e9);
    const SampleMoments s = moments(shifted).value();
    CHECK(s.mean == 1e9 + 5.0);
    CHECK(s.variance == Approx(32.0 / 7.0).epsilon(1e-12));
    CHECK(s.skewness == Approx(0.65625).epsilon(1e-12));
    CHECK(s.excess_kurtosis == Approx(-0.21875).epsilon(1e-12));

    // A symmetric sample has zero skewness; a two-point one has excess kurtosis -2.
    const SampleMoments two_point = moments(std::vector<double>{-1, 1, -1, 1}).value();
    CHECK(two_point.skewness == 0.0);
    CHECK(two_point.excess_kurtosis == Approx(-2.0));

    // Normal quantiles at (i - 1/2)/n stand in for a perfectly drawn normal sample.
    std::vector<double> normal_grid;
    const int n = 20000;
    for (int i = 0; i < n; ++i) normal_grid.push_back(normal_quantile((i + 0.5) / n));
    const SampleMoments g = moments(normal_grid).value();
    CHECK(g.mean == Approx(0.0).margin(1e-12));
    CHECK(g.variance == Approx(1.0).epsilon(2e-3));
    CHECK(g.skewness == Approx(0.0).margin(1e-10));
    CHECK(g.excess_kurtosis == Approx(0.0).margin(0.02));

    const SampleMoments constant = moments(std::vector<double>{3, 3, 3}).value();
    CHECK(constant.variance == 0.0);
    CHECK(std::isnan(constant.skewness));
    CHECK(std::isnan(constant.excess_kurtosis));

    CHECK(moments(std::vector<double>{1.0}).error().code == ErrorCode::invalid_argument);
    CHECK(moments(std::vector<double>{}).error().code == ErrorCode::invalid_argument);
    CHECK(moments(std::vector<double>{1.0, std::numeric_limits<double>::infinity()}).error().code ==
          ErrorCode::invalid_argument);
}

TEST_CASE("autocorrelation on hand-worked series", "[stats]") {
    // 1 2 3 4 5: mean 3, deviations -2 -1 0 1 2, sum of squares 10.
    // lag 1: (2 + 0 + 0 + 2)/10 = 0.4; lag 2: (0 - 1 + 0)/10 = -0.1; lag 4: (-2 * 2)/10 = -0.4.
    const std::vector<double> ramp = {1, 2, 3, 4, 5};
    CHECK(autocorrelation(ramp, 0).value() == Approx(1.0));
    CHECK(autocorrelation(ramp, 1).value() == Approx(0.4));
    CHECK(autocorrelation(ramp, 2).value() == Approx(-0.1));
    CHECK(autocorrelation(ramp, 4).value() == Approx(-0.4));
    // Alternating: lag 1 = -3/4, lag 2 = 2/4.
    const std::vector<double> alternating = {1, -1, 1, -1};
    CHECK(autocorrelation(alternating, 1).value() == Approx(-0.75));
    CHECK(autocorrelation(alternating, 2).value() == Approx(0.5));

    CHECK(autocorrelation(ramp, 5).error().code == ErrorCode::invalid_argument);
    CHECK(autocorrelation(std::vector<double>{2, 2, 2}, 1).error().code ==
          ErrorCode::invalid_argument);
    CHECK(autocorrelation(std::vector<double>{}, 0).error().code == ErrorCode::invalid_argument);
}

TEST_CASE("results do not depend on whether the compiler saw the arguments", "[stats]") {
    // Clang folds calls with constant arguments using fused multiply-adds; without
    // BACKSTOP_NO_FP_CONTRACTION normal_quantile(0.025) came out 2 ulps apart folded and at run
    // time, and every Wilson interval with it. The same inputs must give the same bits.
    volatile double runtime_p = 0.025;
    volatile double runtime_confidence = 0.95;
    CHECK(normal_quantile(runtime_p) == normal_quantile(0.025));
    CHECK(normal_log_cdf(-runtime_p * 1600) == normal_log_cdf(-40.0));
    const BinomialInterval folded = wilson_interval(5, 100, 0.95).value();
    const BinomialInterval runtime = wilson_interval(5, 100, runtime_confidence).value();
    CHECK(folded.lower == runtime.lower);
    CHECK(folded.upper == runtime.upper);
    const BinomialInterval cp_folded = clopper_pearson_interval(5, 100, 0.95).value();
    const BinomialInterval cp_runtime = clopper_pearson_interval(5, 100, runtime_confidence).value();
    CHECK(cp_folded.lower == cp_runtime.lower);
    CHECK(cp_folded.upper == cp_runtime.upper);
}

}  // namespace test_risk_statistics_test
