// Rare events: importance sampling where crude Monte Carlo only bounds the probability.
// - Siegmund's estimator of the compound-Poisson fund's ruin probability at 1e-5 and 1e-8
//   against the Cramer-Lundberg closed form (within 5%, and inside its 95% interval), its
//   variance reduction against the known per-path variance, and crude Monte Carlo on the same
//   number of paths seeing no ruin at all at 1e-8; the drift-tilted Brownian fund likewise.
// - The lab's tilted estimator (GarchJump's jump intensity raised, a likelihood ratio per path):
//   agreement with crude Monte Carlo where depletion is measurable, the mean weight at 1,
//   factor 1 giving the crude frequency exactly, jump counts that are those of the log returns,
//   and a scenario with another model refused.
// Fixed seeds throughout, so the checks cannot flake.
#include <backstop/risk/price_model/garch_jump.hpp>
#include <backstop/risk/rare_event.hpp>
#include <backstop/risk/ruin.hpp>
#include <backstop/risk/ruin_importance.hpp>
#include <backstop/risk/ruin_simulation.hpp>
#include <backstop/risk/statistics.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace test_risk_rare_event_test {

using namespace backstop;
using namespace backstop::risk;

namespace {

constexpr double hour = 1.0 / 8760.0;

// The capital at which the exponential-claims fund's ruin probability is `psi`.
double capital_for(double psi, double theta, double mu) {
    return -(1.0 + theta) * mu / theta * std::log(psi * (1.0 + theta));
}

// A tiny lab whose fund is depleted mostly by gaps: a calm diffusion (omega 1e-7 per hour, about
// 3% a year), rare deep jumps (4 a year, -8% on average), 50 traders, two days, a 100 USDC fund.
Scenario gap_driven_scenario(std::uint32_t paths) {
    Scenario s;
    s.paths = paths;
    s.population.trader_count = 50;
    s.horizon_steps = 48;
    s.fund.initial = 100.0;
    GarchJump model{};
    model.omega = 1e-7;
    model.jump_intensity_per_year = 4.0;
    model.jump_mean = -0.08;
    s.model = model;
    s.seed = 20261125;
    s.threads = 2;
    return s;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

TEST_CASE("Siegmund's estimator finds Cramer-Lundberg ruin probabilities of 1e-5 and 1e-8", "[rare_event]") {
    const double theta = 0.25;
    const double mu = 1.0;
    const std::uint64_t paths = 4'000;
    for (const double target : {1e-5, 1e-8}) {
        const double u = capital_for(target, theta, mu);
        const CompoundPoissonFund fund{u, theta, mu, 1.0};
        const double psi = cramer_lundberg_ruin_probability(u, theta, mu).value();
        REQUIRE(psi == Approx(target).epsilon(1e-9));
        const ImportanceSamplingEstimate e = siegmund_ruin_probability(fund, 7, paths).value();
        INFO("u " << u << ": estimate " << e.estimate << " [" << e.lower << ", " << e.upper << "], closed form " << psi
                  << ", relative error " << e.relative_error << ", variance reduction " << e.variance_reduction);
        CHECK(e.paths == paths);
        CHECK(std::fabs(e.estimate / psi - 1.0) < 0.05);
        CHECK(e.contains(psi));
        CHECK(e.relative_error < 0.01);
        // Bounded relative error: per path, sd / psi = theta / sqrt(1 + 2 theta) whatever u, so the
        // variance reduction is (1 - psi) / (psi theta^2 / (1 + 2 theta)), 2.4e6 at 1e-5.
        const double relative_variance = theta * theta / (1.0 + 2.0 * theta);
        CHECK(e.per_path_variance / (psi * psi) == Approx(relative_variance).epsilon(0.1));
        CHECK(e.variance_reduction == Approx((1.0 - psi) / (psi * relative_variance)).epsilon(0.1));
        CHECK(e.variance_reduction > 1e5);
        // The estimate is wrong by the factor 1/(1 + theta) if that factor is dropped: excluded.
        CHECK_FALSE(e.contains(psi * (1.0 + theta)));
    }
}

TEST_CASE("crude Monte Carlo on the same paths sees no ruin at 1e-8 and only bounds 1e-5", "[rare_event]") {
    const double theta = 0.25;
    const double mu = 1.0;
    const std::uint64_t paths = 4'000;
    const double r = lundberg_adjustment_coefficient(theta, mu).value();
    for (const double target : {1e-5, 1e-8}) {
        const double u = capital_for(target, theta, mu);
        const CompoundPoissonFund fund{u, theta, mu, 1.0};
        const double safe = u + std::log(1e4) / r;  // psi(safe) = 1e-4 psi(u)
        std::uint64_t ruined = 0;
        for (std::uint64_t p = 0; p < paths; ++p) ruined += fund.is_ruined(7, p, safe, INFINITY) ? 1u : 0u;
        const BinomialInterval crude = clopper_pearson_interval(ruined, paths, 0.95).value();
        const ImportanceSamplingEstimate e = siegmund_ruin_probability(fund, 7, paths).value();
        INFO("psi " << target << ": crude " << ruined << " of " << paths << ", upper " << crude.upper
                    << "; Siegmund half-width " << 0.5 * (e.upper - e.lower));
        CHECK(ruined == 0);
        // All crude can say is psi < 3.69 / n; the tilted interval is narrower by orders of magnitude.
        CHECK(crude.upper > 50.0 * target);
        CHECK(e.upper - e.lower < 0.05 * target);
    }
}

TEST_CASE("drift tilting finds a Brownian fund's finite-horizon ruin probability of 4e-5", "[rare_event]") {
    const BrownianFund fund{50.0, 0.1, 1.0};
    const double psi = brownian_ruin_probability_finite(50.0, 0.1, 1.0, 1'000.0).value();
    const ImportanceSamplingEstimate e = tilted_brownian_ruin_probability(fund, 3, 1'000, 1'000.0, 0.5).value();
    INFO("estimate " << e.estimate << " [" << e.lower << ", " << e.upper << "], closed form " << psi);
    CHECK(psi == Approx(4.387e-5).epsilon(1e-3));
    CHECK(std::fabs(e.estimate / psi - 1.0) < 0.05);
    CHECK(e.contains(psi));
    CHECK(e.variance_reduction > 1e5);
    // Not the infinite-horizon probability (each ruined path's weight): the horizon matters.
    CHECK_FALSE(e.contains(brownian_ruin_probability_infinite(50.0, 0.1, 1.0).value()));
    CHECK_FALSE(tilted_brownian_ruin_probability(BrownianFund{50.0, -0.1, 1.0}, 3, 10, 10.0, 0.5));
    CHECK_FALSE(siegmund_ruin_probability(CompoundPoissonFund{5.0, 0.0, 1.0, 1.0}, 3, 10));
    CHECK_FALSE(siegmund_ruin_probability(CompoundPoissonFund{5.0, 0.25, 1.0, 1.0}, 3, 1));
}

TEST_CASE("the lab's tilted depletion estimate agrees with crude Monte Carlo, its mean weight is 1", "[rare_event]") {
    const Scenario nominal = gap_driven_scenario(2'000);
    const TiltedDepletionEstimate e = tilted_depletion_probability(nominal, 30.0);
    REQUIRE(e.has_crude);
    const ImportanceSamplingEstimate& t = e.tilted;
    const double crude_half = e.crude.half_width();
    INFO("tilted " << t.estimate << " [" << t.lower << ", " << t.upper << "], crude " << e.crude.estimate << " ["
                   << e.crude.lower << ", " << e.crude.upper << "] (" << e.crude_depleted << " paths), variance reduction "
                   << t.variance_reduction << ", mean weight " << e.weight_mean << " +- " << e.weight_mean_standard_error
                   << ", effective sample size " << e.effective_sample_size << ", depleted when sampling "
                   << e.depleted_sampled);
    CHECK(e.crude_depleted >= 10);  // measurable by crude Monte Carlo
    CHECK(std::fabs(t.estimate - e.crude.estimate) <= 0.5 * (t.upper - t.lower) + crude_half);
    CHECK(std::fabs(e.weight_mean - 1.0) <= 1.96 * e.weight_mean_standard_error);
    CHECK(e.weight_mean_standard_error > 0.0);
    // The tilt makes depletion common and the estimate sharper than crude on the same paths.
    CHECK(e.depleted_sampled > 10 * e.crude_depleted);
    CHECK(t.variance_reduction > 5.0);
    CHECK(t.standard_error < 0.5 * crude_half / 1.96);
    CHECK(e.effective_sample_size > 100.0);
    CHECK(e.effective_sample_size < 2'000.0);
    REQUIRE(e.log_weights.size() == 2'000);
}

TEST_CASE("the lab's tilted estimator at factor 1 is the crude frequency, bit for bit", "[rare_event]") {
    Scenario nominal = gap_driven_scenario(300);
    std::get<GarchJump>(nominal.model).jump_intensity_per_year = 40.0;  // some depletion in 300 paths
    const TiltedDepletionEstimate e = tilted_depletion_probability(nominal, 1.0);
    REQUIRE(e.has_crude);
    CHECK(e.crude_depleted > 0);
    CHECK(e.depleted_sampled == e.crude_depleted);
    CHECK(same_bits(e.tilted.estimate, e.crude.estimate));
    CHECK(e.weight_mean == 1.0);
    CHECK(e.effective_sample_size == 300.0);
    for (const double log_w : e.log_weights) CHECK(log_w == 0.0);
    CHECK(e.tilted.variance_reduction == Approx(1.0).epsilon(1e-2));  // p(1-p) against its (n-1) estimate
}

TEST_CASE("GarchJump's jump counts are those of its log returns", "[rare_event]") {
    // Jumps of exactly -1 each (no size spread, no diffusion to speak of): a step's log return
    // is minus its jump count. lambda dt = 0.3, so 0, 1, 2 and 3 jumps are all frequent.
    GarchJump counted{};
    counted.jump_intensity_per_year = 0.3 / hour;
    counted.jump_volatility = 0.0;
    counted.jump_mean = -1.0;
    counted.omega = 1e-30;
    counted.alpha = 0.0;
    counted.beta = 0.0;
    constexpr std::size_t steps = 1'300;  // three passes of 512, the last partial
    std::uint64_t jumps = 0;
    std::uint64_t multiple = 0;
    for (std::uint64_t path = 0; path < 4; ++path) {
        std::vector<double> returns(steps);
        std::vector<std::uint32_t> counts(steps, 99);
        counted.log_returns(20261125, path, hour, returns.data(), steps);
        counted.jump_counts(20261125, path, hour, counts.data(), steps);
        std::uint64_t mismatches = 0;
        for (std::size_t s = 0; s < steps; ++s) {
            mismatches += std::fabs(returns[s] + static_cast<double>(counts[s])) < 1e-9 ? 0u : 1u;
            jumps += counts[s];
            multiple += counts[s] > 1 ? 1u : 0u;
        }
        CHECK(mismatches == 0);
    }
    CHECK(jumps > 1'000);
    CHECK(multiple > 100);

    // The default model: where a step has no jump its return is the diffusion's, bit for bit,
    // and where it has one it differs; a path without jumps is the diffusion itself.
    const GarchJump model{};
    GarchJump calm = model;
    calm.jump_intensity_per_year = 0.0;
    constexpr std::size_t horizon = 720;
    std::uint64_t jump_free_paths = 0;
    std::uint64_t jumped_steps = 0;
    for (std::uint64_t path = 0; path < 40; ++path) {
        std::vector<double> returns(horizon);
        std::vector<double> diffusion(horizon);
        std::vector<std::uint32_t> counts(horizon);
        model.log_returns(5, path, hour, returns.data(), horizon);
        calm.log_returns(5, path, hour, diffusion.data(), horizon);
        model.jump_counts(5, path, hour, counts.data(), horizon);
        std::uint64_t total = 0;
        std::uint64_t mismatches = 0;
        for (std::size_t s = 0; s < horizon; ++s) {
            total += counts[s];
            mismatches += (counts[s] == 0) == same_bits(returns[s], diffusion[s]) ? 0u : 1u;
        }
        CHECK(mismatches == 0);
        jumped_steps += total;
        jump_free_paths += total == 0 ? 1u : 0u;
    }
    CHECK(jump_free_paths > 5);  // e^(-12 x 720 / 8760) = 37% of paths
    CHECK(jumped_steps > 10);
    // At zero intensity there are no jumps at all.
    std::vector<std::uint32_t> none(100, 7);
    calm.jump_counts(5, 0, hour, none.data(), none.size());
    for (const std::uint32_t k : none) CHECK(k == 0);
}

TEST_CASE("the lab's tilted estimator refuses other models and bad factors", "[rare_event]") {
    Scenario other = gap_driven_scenario(10);
    other.model = GarchT{};
    CHECK_THROWS_AS(tilted_depletion_probability(other, 5.0), std::invalid_argument);
    const Scenario nominal = gap_driven_scenario(10);
    CHECK_THROWS_AS(tilted_depletion_probability(nominal, 0.0), std::invalid_argument);
    CHECK_THROWS_AS(tilted_depletion_probability(nominal, -2.0), std::invalid_argument);
    CHECK_THROWS_AS(tilted_depletion_probability(nominal, NAN), std::invalid_argument);
    CHECK_THROWS_AS(tilted_depletion_probability(nominal, 5.0, 1.5), std::invalid_argument);
    Scenario no_jumps = nominal;
    std::get<GarchJump>(no_jumps.model).jump_intensity_per_year = 0.0;
    CHECK_THROWS_AS(tilted_depletion_probability(no_jumps, 5.0), std::invalid_argument);
    Scenario one_path = nominal;
    one_path.paths = 1;
    CHECK_THROWS_AS(tilted_depletion_probability(one_path, 5.0), std::invalid_argument);
}

// The C++ scenario check mirrors the JSON reader's ranges, but for GarchJump's intensity, which a
// tilted scenario multiplies: 5e8 jumps a year (within the reader's 1e9) times 30 stays runnable.
TEST_CASE("a tilted scenario beyond the reader's jump intensity is still runnable", "[risk][rare_event][regression]") {
    namespace lab = backstop::risk::detail;
    Scenario nominal = gap_driven_scenario(2);
    std::get<GarchJump>(nominal.model).jump_intensity_per_year = 5e8;
    nominal.step_hours = 1e-5;  // 36 ms: 0.57 jumps a step, 17 tilted
    REQUIRE(lab::runnable_error(nominal) == nullptr);
    const Scenario tilted = tilted_scenario(nominal, 30.0);
    CHECK(std::get<GarchJump>(tilted.model).jump_intensity_per_year == 1.5e10);
    CHECK(lab::runnable_error(tilted) == nullptr);
    std::get<GarchJump>(nominal.model).jump_intensity_per_year = 1e300;  // 1e292 jumps a step
    CHECK(lab::runnable_error(nominal) != nullptr);
}

}  // namespace test_risk_rare_event_test
