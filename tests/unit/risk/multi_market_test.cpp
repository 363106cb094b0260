// Several markets in one scenario: the marks move with the configured volatilities, correlation
// and common jumps; traders hold cross-margined positions in two markets; every path conserves
// money; per-market figures add up to the totals; the run is the same for any number of threads;
// inconsistent scenarios are refused before any path runs; scenario files carry the markets.
#include <backstop/risk/normal.hpp>
#include <backstop/risk/path_runner.hpp>
#include <backstop/risk/report/scenario_json.hpp>
#include <backstop/risk/run_statistics.hpp>
#include <backstop/risk/scenario_presets.hpp>
#include <backstop/risk/simulator.hpp>

#include <catch2/catch.hpp>

#include "support/scenarios.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace test_risk_multi_market_test {

using namespace backstop;
using namespace backstop::risk;

namespace {

// With more frequent common crashes than the preset's.
Scenario small_three_markets() {
    Scenario s = testing::small_three_markets();
    auto& model = std::get<CorrelatedMarkets>(s.model);
    model.jump_intensity_per_year = 40.0;  // some common crashes within ten days
    return s;
}

}  // namespace

TEST_CASE("multi-market marks: the configured variances, correlation and common jumps", "[risk][multi_market]") {
    // The marks the engine sees, step by step, without impact: each market's log returns have
    // variance sigma_k^2 dt + lambda dt beta_k^2 (m^2 + s^2), and two markets' covariance is
    // rho sigma_i sigma_j dt + lambda dt beta_i beta_j (m^2 + s^2) (the jumps are common).
    Scenario s = three_markets_scenario();
    s.population.trader_count = 1;
    s.impact = PriceImpact{};
    for (MarketSetup& m : s.more_markets) m.impact = PriceImpact{};
    s.horizon_steps = 4'000;
    auto& model = std::get<CorrelatedMarkets>(s.model);
    model.jump_intensity_per_year = 60.0;
    const double dt = s.step_years();
    const std::size_t n = 3;
    std::vector<std::vector<double>> returns(n);
    std::size_t common_jumps = 0;
    for (std::uint64_t path = 0; path < 12; ++path) {
        PathRunner runner(s, path);
        for (std::uint32_t step = 0; step < s.horizon_steps; ++step) {
            std::vector<double> before(n);
            for (std::size_t k = 0; k < n; ++k) before[k] = runner.price(k);
            runner.advance_markets(step, runner.model_log_returns(step));
            bool all_jumped = true;
            for (std::size_t k = 0; k < n; ++k) {
                const double r = std::log(runner.price(k) / before[k]);
                returns[k].push_back(r);
                // Beyond 5 sd of the market's diffusion step: a jump (a diffusion step gets there
                // once in 3.5 million).
                all_jumped = all_jumped && std::abs(r) > 5.0 * model.volatility_per_year[k] * std::sqrt(dt);
            }
            common_jumps += all_jumped ? 1 : 0;
        }
    }
    const double samples = static_cast<double>(returns[0].size());
    auto mean = [&](const std::vector<double>& x) {
        double sum = 0.0;
        for (const double v : x) sum += v;
        return sum / samples;
    };
    auto covariance = [&](std::size_t i, std::size_t j) {
        const double mi = mean(returns[i]);
        const double mj = mean(returns[j]);
        double sum = 0.0;
        for (std::size_t t = 0; t < returns[i].size(); ++t) sum += (returns[i][t] - mi) * (returns[j][t] - mj);
        return sum / (samples - 1.0);
    };
    const double jump_second_moment = model.jump_mean * model.jump_mean + model.jump_volatility * model.jump_volatility;
    auto expected_covariance = [&](std::size_t i, std::size_t j) {
        const double diffusion = (i == j ? 1.0 : model.correlation) * model.volatility_per_year[i] * model.volatility_per_year[j] * dt;
        return diffusion + model.jump_intensity_per_year * dt * model.jump_beta[i] * model.jump_beta[j] * jump_second_moment;
    };
    for (std::size_t i = 0; i < n; ++i) {
        // 48,000 steps with ~330 jumps: the variance estimate's spread is a few percent.
        CHECK(covariance(i, i) == Approx(expected_covariance(i, i)).epsilon(0.06));
        for (std::size_t j = i + 1; j < n; ++j) {
            const double correlation = covariance(i, j) / std::sqrt(covariance(i, i) * covariance(j, j));
            const double expected = expected_covariance(i, j) / std::sqrt(expected_covariance(i, i) * expected_covariance(j, j));
            CHECK(correlation == Approx(expected).margin(0.01));
            CHECK(correlation > model.correlation);  // the common jumps add to the diffusions' correlation
        }
    }
    // lambda dt x steps = 60 / 8760 x 48,000 = 329 jump steps; each moves every market beyond 5 sd
    // of its diffusion at once when beta_k |J| clears it in every market (|J| > 0.0357, the alt's
    // bound: 86% of N(-0.08, 0.04) draws), so ~284 steps (sd ~17) move all three together.
    double bound = 0.0;
    for (std::size_t k = 0; k < n; ++k) {
        bound = std::max(bound, 5.0 * model.volatility_per_year[k] * std::sqrt(dt) / model.jump_beta[k]);
    }
    const double beyond = normal_cdf((-bound - model.jump_mean) / model.jump_volatility) +
                          1.0 - normal_cdf((bound - model.jump_mean) / model.jump_volatility);
    const double expected_jumps = model.jump_intensity_per_year * dt * samples * beyond;
    CHECK(static_cast<double>(common_jumps) == Approx(expected_jumps).epsilon(0.2));
}

TEST_CASE("multi-market lab: cross-margined traders, conserved paths, per-market figures add up",
          "[risk][multi_market]") {
    const Scenario s = small_three_markets();
    PathRunner runner(s, 3);
    for (std::uint32_t step = 0; step < s.population.entry_steps + 1; ++step) {
        runner.advance_markets(step, runner.model_log_returns(step));
    }
    // A quarter of the traders hold two markets on one account; every market has traders.
    std::size_t crossed = 0;
    std::vector<std::size_t> holders(3, 0);
    for (std::uint32_t i = 0; i < s.population.trader_count; ++i) {
        std::size_t held = 0;
        for (std::size_t k = 0; k < 3; ++k) {
            if (runner.engine().position(AccountId{i + 2}, runner.market(k)).size != 0) {
                ++held;
                ++holders[k];
            }
        }
        crossed += held == 2 ? 1 : 0;
    }
    CHECK(crossed > 40);   // ~75 expected, fewer after early liquidations
    CHECK(crossed < 110);
    for (const std::size_t h : holders) CHECK(h > 30);

    const RunResult result = run(s);
    const Result<RunStatistics> stats = summarize(result);
    REQUIRE(stats);
    CHECK(stats->paths_not_conserved == 0);
    REQUIRE(stats->markets.size() == 3);
    CHECK(stats->markets[0].name == "BTC");
    CHECK(stats->markets[2].name == "ALT");
    std::uint64_t depleted = 0;
    for (const PathSummary& path : result.paths) {
        REQUIRE(path.markets.size() == 3);
        // Every trader opens, also in the alt whose 5x cap most of them ask beyond (exactly the cap
        // would be refused: the initial margin rounds up).
        CHECK(path.traders_entered == s.population.trader_count);
        double bad_debt = 0.0;
        double socialized = 0.0;
        bool any_shortfall = false;
        std::size_t first_shortfalls = 0;
        std::uint64_t liquidations = 0;
        for (const MarketPathSummary& m : path.markets) {
            bad_debt += m.bad_debt;
            socialized += m.socialized;
            any_shortfall = any_shortfall || m.shortfall;
            first_shortfalls += m.first_shortfall ? 1 : 0;
            CHECK((!m.first_shortfall || m.shortfall));
            liquidations += m.liquidations;
        }
        CHECK(bad_debt == Approx(path.bad_debt).margin(1e-6));
        CHECK(socialized == Approx(path.socialized).margin(1e-6));
        CHECK(any_shortfall == path.depleted());
        CHECK((first_shortfalls > 0) == path.depleted());  // one market, or two for a cross-margined account
        CHECK(first_shortfalls <= 2);
        CHECK(liquidations >= path.liquidations);  // a cross-margined liquidation counts in each market it closed
        depleted += path.depleted() ? 1u : 0u;
    }
    CHECK(depleted > 0);  // the crashes deplete a 20k fund on some paths
    for (const MarketStatistics& m : stats->markets) {
        CHECK(m.mean_liquidations > 0.0);
        CHECK(m.shortfall.lower <= m.shortfall.estimate);
        CHECK(m.shortfall.estimate <= m.shortfall.upper);
        CHECK(m.first_shortfall_paths <= m.shortfall_paths);
        CHECK(m.mean_bad_debt.lower <= m.mean_bad_debt.estimate);
        CHECK(m.price_drawdown_median > 0.0);
    }
    // The thin alt moves furthest.
    CHECK(stats->markets[2].price_drawdown_median > stats->markets[0].price_drawdown_median);

    Scenario one_thread = s;
    one_thread.threads = 1;
    const RunResult again = run(one_thread);
    for (std::size_t p = 0; p < result.paths.size(); ++p) CHECK(again.paths[p].digest == result.paths[p].digest);
}

TEST_CASE("multi-market lab: inconsistent scenarios are refused before any path runs", "[risk][multi_market]") {
    Scenario s = small_three_markets();
    SECTION("a one-market model for three markets") { s.model = GarchT{}; }
    SECTION("a correlated model with two entries for three markets") {
        auto& model = std::get<CorrelatedMarkets>(s.model);
        model.volatility_per_year.pop_back();
        model.jump_beta.pop_back();
    }
    SECTION("weights that are not one per market") { s.population.market_weights = {1.0, 1.0}; }
    SECTION("weights all zero") { s.population.market_weights = {0.0, 0.0, 0.0}; }
    SECTION("a second market in a one-market scenario") {
        s = Scenario{};
        s.population.second_market_fraction = 0.5;
    }
    // A GARCH model a path cannot be drawn from (log_returns would assert): refused, typed.
    SECTION("a GarchT with nu <= 2") {
        s = Scenario{};
        s.model = GarchT{0.0, 2e-6, 0.08, 0.90, 2.0};
    }
    SECTION("a GarchT that is not stationary") {
        s = Scenario{};
        s.model = GarchT{0.0, 2e-6, 0.2, 0.85, 5.0};
    }
    SECTION("a GarchJump with nu not finite") {
        s = Scenario{};
        GarchJump model;
        model.degrees_of_freedom = std::numeric_limits<double>::infinity();
        s.model = model;
    }
    SECTION("more markets than an account holds positions") {
        auto& model = std::get<CorrelatedMarkets>(s.model);
        while (s.market_count() < 9) {
            s.more_markets.push_back(MarketSetup{});
            model.volatility_per_year.push_back(0.5);
            model.jump_beta.push_back(1.0);
        }
    }
    CHECK_FALSE(markets_consistent(s));
    CHECK_THROWS_AS(run(s), std::invalid_argument);
}

TEST_CASE("multi-market scenario files: written and read back; a bad market is named", "[risk][multi_market][report]") {
    const Scenario s = three_markets_scenario();
    const nlohmann::json written = scenario_to_json(s);
    CHECK(written["more_markets"].size() == 2);
    CHECK(written["model"]["name"] == "correlated");
    const ScenarioFromJson read = scenario_from_json(written);
    REQUIRE(read.ok());
    CHECK(scenario_to_json(read.scenario) == written);
    CHECK(read.scenario.more_markets[1].name == "ALT");
    CHECK(read.scenario.population.market_weights == s.population.market_weights);

    // A one-market file is written as before: no market fields.
    const nlohmann::json plain = scenario_to_json(Scenario{});
    CHECK_FALSE(plain.contains("more_markets"));
    CHECK_FALSE(plain.contains("market_name"));
    CHECK_FALSE(plain["population"].contains("market_weights"));

    nlohmann::json broken = written;
    broken["more_markets"][1]["market"]["tiers"][0]["initial_margin"] = 2.0;
    CHECK(scenario_from_json(broken).error.find("scenario.more_markets[1].market") != std::string::npos);
    broken = written;
    broken["more_markets"][0]["colour"] = "red";
    CHECK(scenario_from_json(broken).error.find("scenario.more_markets[0].colour: unknown field") != std::string::npos);
    broken = written;
    broken["model"] = {{"name", "garch"}};
    CHECK(scenario_from_json(broken).error.find("several markets need the correlated model") != std::string::npos);
}

}  // namespace test_risk_multi_market_test
