// Ruin-theory closed forms against domain.md 7.1's test vectors (as published, to the digits
// given) and against 40-digit mpmath evaluations of the same formulas (marked "mpmath"); the
// general adjustment-coefficient solver against the exponential closed form and against roots
// found by mpmath's findroot for gamma and constant claims. Each published-vector comparison is
// also shown to reject a plausible wrong formula.
#include <backstop/risk/ruin.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

namespace test_risk_ruin_test {

using namespace backstop;
using namespace backstop::risk;

namespace {

double relative_error(double actual, double expected) {
    return std::fabs(actual - expected) / std::fabs(expected);
}

// A published figure rounded to `digits` significant digits matches if the value rounds to it:
// |value - published| <= half a unit in its last digit.
bool matches_published(double value, double published, int digits) {
    const double exponent = std::floor(std::log10(std::fabs(published)));
    const double half_unit = 0.5 * std::pow(10.0, exponent - (digits - 1));
    return std::fabs(value - published) <= half_unit * (1 + 1e-9);
}

double exponential_mgf(double mean, double r) {
    return r < 1.0 / mean ? 1.0 / (1.0 - mean * r) : std::numeric_limits<double>::infinity();
}

}  // namespace

TEST_CASE("Cramer-Lundberg ruin probability for exponential claims: domain.md vectors", "[ruin]") {
    // u = 500,000, theta = 0.25, mu = 10,000: R = 2e-5, psi = 0.8 e^-10 = 3.63e-5.
    const double psi_large = cramer_lundberg_ruin_probability(500000, 0.25, 10000).value();
    CHECK(matches_published(psi_large, 3.63e-5, 3));
    CHECK(relative_error(psi_large, 3.6319943809987881e-5) < 1e-14);  // mpmath
    CHECK(relative_error(lundberg_adjustment_coefficient(0.25, 10000).value(), 2e-5) < 1e-15);

    // lambda = mu = 1, theta = 0.25 (c = 1.25), u = 5: psi = 0.8 e^-1 = 0.2943.
    const double theta = premium_loading(1.0, 1.0, 1.25).value();
    CHECK(theta == 0.25);
    const double psi_small = cramer_lundberg_ruin_probability(5, theta, 1).value();
    CHECK(matches_published(psi_small, 0.2943, 4));
    CHECK(relative_error(psi_small, 0.29430355293715386) < 1e-14);  // mpmath

    // psi(0) = 1/(1 + theta), and no net profit means certain ruin.
    CHECK(cramer_lundberg_ruin_probability(0, 0.25, 1).value() == 0.8);
    CHECK(cramer_lundberg_ruin_probability(100, 0.0, 1).value() == 1.0);
    CHECK(cramer_lundberg_ruin_probability(100, -0.1, 1).value() == 1.0);
}

TEST_CASE("the published-vector comparison rejects a formula missing 1/(1 + theta)", "[ruin]") {
    // The classic slip: psi(u) = exp(-R u), which is Lundberg's bound, not psi.
    const auto wrong = [](double u, double theta, double mu) {
        return std::exp(-theta * u / ((1 + theta) * mu));
    };
    CHECK_FALSE(matches_published(wrong(500000, 0.25, 10000), 3.63e-5, 3));
    CHECK_FALSE(matches_published(wrong(5, 0.25, 1), 0.2943, 4));
    // And one with the loading in the wrong place (theta/mu instead of theta/((1+theta) mu)).
    const auto misplaced = [](double u, double theta, double mu) {
        return std::exp(-theta * u / mu) / (1 + theta);
    };
    CHECK_FALSE(matches_published(misplaced(500000, 0.25, 10000), 3.63e-5, 3));
    CHECK_FALSE(matches_published(misplaced(5, 0.25, 1), 0.2943, 4));
}

TEST_CASE("Lundberg's bound holds and is psi times (1 + theta) for exponential claims", "[ruin]") {
    for (const double theta : {0.01, 0.1, 0.25, 1.0, 5.0}) {
        for (const double mu : {0.5, 1.0, 10000.0}) {
            const double r = lundberg_adjustment_coefficient(theta, mu).value();
            for (const double u : {0.0, 0.1 * mu, mu, 10 * mu, 100 * mu}) {
                INFO("theta " << theta << ", mu " << mu << ", u " << u);
                const double psi = cramer_lundberg_ruin_probability(u, theta, mu).value();
                const double bound = lundberg_bound(u, r).value();
                CHECK(psi <= bound);
                CHECK(psi == Approx(bound / (1 + theta)).epsilon(1e-13));
            }
        }
    }
    CHECK(lundberg_bound(0, 0.3).value() == 1.0);
}

TEST_CASE("the general adjustment coefficient solver", "[ruin]") {
    SECTION("exponential claims: equals the closed form") {
        for (const double theta : {0.001, 0.05, 0.25, 1.0, 10.0}) {
            for (const double mu : {1e-6, 1.0, 10000.0, 1e9}) {
                for (const double lambda : {0.01, 1.0, 300.0}) {
                    INFO("theta " << theta << ", mu " << mu << ", lambda " << lambda);
                    const double c = lambda * mu * (1 + theta);
                    const auto mgf = [mu](double r) { return exponential_mgf(mu, r); };
                    const double general =
                        lundberg_adjustment_coefficient(lambda, c, mu, mgf).value();
                    const double closed = lundberg_adjustment_coefficient(theta, mu).value();
                    CHECK(relative_error(general, closed) < 1e-9);
                }
            }
        }
        // Where the formula is copied without its pole: 1/(1 - mu r) < 1 past r = 1/mu counts
        // as infinite, so the root is still found.
        const auto raw = [](double r) { return 1.0 / (1.0 - 2.0 * r); };
        CHECK(relative_error(lundberg_adjustment_coefficient(1.0, 2.5, 2.0, raw).value(),
                             lundberg_adjustment_coefficient(0.25, 2.0).value()) < 1e-12);
    }
    SECTION("gamma and constant claims: equal roots found by mpmath") {
        // Gamma(shape 2, scale 0.5), mean 1: M(r) = (1 - r/2)^-2; lambda = 1, c = 1.25.
        const auto gamma_mgf = [](double r) {
            return r < 2.0 ? std::pow(1.0 - 0.5 * r, -2.0)
                           : std::numeric_limits<double>::infinity();
        };
        const double r_gamma = lundberg_adjustment_coefficient(1.0, 1.25, 1.0, gamma_mgf).value();
        CHECK(relative_error(r_gamma, 0.27335008385784006) < 1e-12);  // mpmath
        // Constant claims X = 1: M(r) = e^r.
        const auto constant_mgf = [](double r) { return std::exp(r); };
        const double r_constant =
            lundberg_adjustment_coefficient(1.0, 1.25, 1.0, constant_mgf).value();
        CHECK(relative_error(r_constant, 0.43084220978425904) < 1e-12);  // mpmath
        // Lighter tails, larger R: constant > gamma(2) > exponential (0.2) at the same mean.
        CHECK(r_constant > r_gamma);
        CHECK(r_gamma > lundberg_adjustment_coefficient(0.25, 1.0).value());
    }
    SECTION("no positive root") {
        const auto mgf = [](double r) { return exponential_mgf(1.0, r); };
        // lambda mu = c: theta = 0.
        CHECK(lundberg_adjustment_coefficient(1.0, 1.0, 1.0, mgf).error().code ==
              ErrorCode::invalid_argument);
        // lambda mu > c.
        CHECK(lundberg_adjustment_coefficient(2.0, 1.0, 1.0, mgf).error().code ==
              ErrorCode::invalid_argument);
        // An mgf that ends (becomes infinite at r = 0.1) while h is still negative.
        const auto short_mgf = [](double r) {
            return r < 0.1 ? 1.0 + r + 0.1 * r * r : std::numeric_limits<double>::infinity();
        };
        CHECK(lundberg_adjustment_coefficient(1.0, 1.25, 1.0, short_mgf).error().code ==
              ErrorCode::invalid_argument);
        CHECK(lundberg_adjustment_coefficient(0.0, 1.25, 1.0, mgf).error().code ==
              ErrorCode::invalid_argument);
        CHECK(lundberg_adjustment_coefficient(1.0, 1.25, 0.0, mgf).error().code ==
              ErrorCode::invalid_argument);
    }
}

TEST_CASE("Brownian ruin probabilities: domain.md vectors", "[ruin]") {
    // m = 0.1, s = 1, u = 2: infinite horizon e^-0.4 = 0.6703; T = 10: 0.4234.
    const double infinite = brownian_ruin_probability_infinite(2, 0.1, 1).value();
    CHECK(matches_published(infinite, 0.6703, 4));
    CHECK(relative_error(infinite, 0.6703200460356393) < 1e-15);  // mpmath
    const double finite = brownian_ruin_probability_finite(2, 0.1, 1, 10).value();
    CHECK(matches_published(finite, 0.4234, 4));
    CHECK(relative_error(finite, 0.42337409302624147) < 1e-14);  // mpmath

    // Wrong formulas the same comparison rejects: the reflected term without its factor
    // exp(-2mu/s^2), and the two Phi arguments' signs of mT swapped.
    const double spread = 1 * std::sqrt(10.0);
    const double no_factor = normal_cdf((-2 - 1.0) / spread) + normal_cdf((-2 + 1.0) / spread);
    CHECK_FALSE(matches_published(no_factor, 0.4234, 4));
    const double swapped =
        normal_cdf((-2 + 1.0) / spread) + std::exp(-0.4) * normal_cdf((-2 - 1.0) / spread);
    CHECK_FALSE(matches_published(swapped, 0.4234, 4));
    // A wrong exponent (m u / s^2, without the 2) in the infinite-horizon form.
    CHECK_FALSE(matches_published(std::exp(-0.1 * 2 / 1.0), 0.6703, 4));
}

TEST_CASE("Brownian ruin probabilities: shape and extreme parameters", "[ruin]") {
    // More time, more ruin; the finite horizon approaches the infinite one from below.
    double previous = 0.0;
    for (const double horizon : {0.1, 1.0, 10.0, 100.0, 1000.0, 1e5}) {
        const double p = brownian_ruin_probability_finite(2, 0.1, 1, horizon).value();
        CHECK(p > previous);
        CHECK(p <= brownian_ruin_probability_infinite(2, 0.1, 1).value());
        previous = p;
    }
    CHECK(previous == Approx(std::exp(-0.4)).epsilon(1e-12));
    // At zero capital ruin is immediate, for any drift.
    for (const double drift : {-1.0, 0.0, 0.3}) {
        CHECK(brownian_ruin_probability_finite(0, drift, 1, 5).value() ==
              Approx(1.0).epsilon(1e-15));
    }
    CHECK(brownian_ruin_probability_infinite(5, 0.0, 1).value() == 1.0);
    CHECK(brownian_ruin_probability_infinite(5, -0.2, 1).value() == 1.0);
    // Driftless: psi(u, T) = 2 Phi(-u / (s sqrt T)) (the reflection principle).
    CHECK(brownian_ruin_probability_finite(1.5, 0.0, 2, 4).value() ==
          Approx(2 * normal_cdf(-1.5 / 4)).epsilon(1e-15));

    // Negative drift with e^(-2mu/s^2) = e^2000 and Phi(-63): naive evaluation is inf * 0.
    CHECK(relative_error(brownian_ruin_probability_finite(1000, -1, 1, 1000).value(),
                         0.50630625552846669) < 1e-12);  // mpmath
    CHECK(relative_error(brownian_ruin_probability_finite(3, -0.2, 1.5, 7).value(),
                         0.57145775380675798) < 1e-14);  // mpmath
    CHECK(relative_error(brownian_ruin_probability_finite(200, -1, 1, 50).value(),
                         5.7734520612413216e-100) < 1e-12);  // mpmath
    CHECK(relative_error(brownian_ruin_probability_finite(50, 2, 1, 30).value(),
                         1.3421002377772004e-87) < 1e-12);  // mpmath
}

TEST_CASE("ruin functions refuse parameters outside their domain", "[ruin]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    const auto refused = [](const Result<double>& r) {
        return !r.has_value() && r.error().code == ErrorCode::invalid_argument;
    };
    CHECK(refused(cramer_lundberg_ruin_probability(-1, 0.25, 1)));
    CHECK(refused(cramer_lundberg_ruin_probability(1, 0.25, 0)));
    CHECK(refused(cramer_lundberg_ruin_probability(1, nan, 1)));
    CHECK(refused(cramer_lundberg_ruin_probability(nan, 0.25, 1)));
    CHECK(refused(cramer_lundberg_ruin_probability(inf, 0.25, 1)));
    CHECK(refused(lundberg_adjustment_coefficient(0.0, 1)));
    CHECK(refused(lundberg_adjustment_coefficient(-0.5, 1)));
    CHECK(refused(lundberg_adjustment_coefficient(0.25, -1)));
    CHECK(refused(lundberg_bound(-1, 0.1)));
    CHECK(refused(lundberg_bound(1, 0.0)));
    CHECK(refused(premium_loading(0, 1, 1)));
    CHECK(refused(premium_loading(1, 0, 1)));
    CHECK(refused(premium_loading(1, 1, -1)));
    CHECK(refused(brownian_ruin_probability_infinite(-1, 0.1, 1)));
    CHECK(refused(brownian_ruin_probability_infinite(1, 0.1, 0)));
    CHECK(refused(brownian_ruin_probability_infinite(1, nan, 1)));
    CHECK(refused(brownian_ruin_probability_finite(1, 0.1, 1, 0)));
    CHECK(refused(brownian_ruin_probability_finite(1, 0.1, 1, inf)));
    CHECK(refused(brownian_ruin_probability_finite(1, 0.1, -1, 1)));
    CHECK(refused(brownian_ruin_probability_finite(-0.5, 0.1, 1, 1)));
}

}  // namespace test_risk_ruin_test
