// The Monte Carlo machinery against ruin theory: a compound-Poisson fund and a Brownian fund are
// simulated on the lab's random streams, and the 99% interval of each simulated ruin probability
// must contain the closed form, and must exclude a deliberately wrong formula.
#include <backstop/risk/ruin.hpp>
#include <backstop/risk/ruin_simulation.hpp>
#include <backstop/risk/statistics.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>

#include "support/scale.hpp"

namespace test_risk_ruin_monte_carlo_test {

using namespace backstop;
using namespace backstop::risk;

namespace {

// Ruin frequency over `paths` paths of the compound-Poisson fund, infinite horizon: a path stops
// once its surplus is so high that psi(surplus) < 1e-9, a bias far below the interval width.
BinomialInterval simulate(const CompoundPoissonFund& fund, std::uint64_t seed, std::uint64_t paths) {
    const double r = lundberg_adjustment_coefficient(fund.loading, fund.mean_claim).value();
    const double safe = std::log(1.0 / (1.0 + fund.loading) / 1e-9) / r;
    std::uint64_t ruined = 0;
    for (std::uint64_t p = 0; p < paths; ++p) ruined += fund.is_ruined(seed, p, safe, INFINITY) ? 1u : 0u;
    return wilson_interval(ruined, paths, 0.99).value();
}

}  // namespace

TEST_CASE("a simulated compound-Poisson fund matches Cramer-Lundberg", "[ruin]") {
    const std::uint64_t paths = testing::scaled(40'000) < 10'000 ? 10'000 : testing::scaled(40'000);
    struct Case {
        double u, theta, mu;
    };
    // domain.md 7.1: lambda = mu = 1, theta = 0.25, u = 5 gives 0.2943; two more triples.
    for (const Case c : {Case{5.0, 0.25, 1.0}, Case{2.0, 0.5, 1.0}, Case{30.0, 0.2, 4.0}}) {
        CompoundPoissonFund fund{c.u, c.theta, c.mu, 1.0};
        const double psi = cramer_lundberg_ruin_probability(c.u, c.theta, c.mu).value();
        const BinomialInterval interval = simulate(fund, 7, paths);
        INFO("u " << c.u << " theta " << c.theta << " mu " << c.mu << ": simulated " << interval.estimate << " ["
                  << interval.lower << ", " << interval.upper << "], closed form " << psi);
        CHECK(interval.contains(psi));
        // A wrong formula (the 1/(1+theta) factor dropped) is rejected by the same interval.
        const double wrong = std::exp(-c.theta * c.u / ((1.0 + c.theta) * c.mu));
        CHECK_FALSE(interval.contains(wrong));
    }
    CHECK(cramer_lundberg_ruin_probability(5.0, 0.25, 1.0).value() == Approx(0.2943).epsilon(1e-3));
}

TEST_CASE("a simulated Brownian fund matches the finite-horizon closed form", "[ruin]") {
    // domain.md 7.1: drift 0.1, sigma 1, u = 2, T = 10 gives 0.4234 (infinite horizon 0.6703).
    const BrownianFund fund{2.0, 0.1, 1.0};
    const std::uint64_t paths = testing::scaled(20'000) < 5'000 ? 5'000 : testing::scaled(20'000);
    std::uint64_t ruined = 0;
    for (std::uint64_t p = 0; p < paths; ++p) ruined += fund.is_ruined(11, p, 10.0, 0.05) ? 1u : 0u;
    const BinomialInterval interval = wilson_interval(ruined, paths, 0.99).value();
    const double psi = brownian_ruin_probability_finite(2.0, 0.1, 1.0, 10.0).value();
    INFO("simulated " << interval.estimate << " [" << interval.lower << ", " << interval.upper << "], closed form " << psi);
    CHECK(psi == Approx(0.4234).epsilon(1e-3));
    CHECK(interval.contains(psi));
    // Wrong: the infinite-horizon formula, or the first term alone.
    CHECK_FALSE(interval.contains(brownian_ruin_probability_infinite(2.0, 0.1, 1.0).value()));
    CHECK_FALSE(interval.contains(normal_cdf((-2.0 - 0.1 * 10.0) / std::sqrt(10.0))));
}

}  // namespace test_risk_ruin_monte_carlo_test
