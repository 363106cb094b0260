// A run's summary: depletion intervals that bracket the estimate and agree with the per-path
// flags, tail measures of the fund's loss ordered as they must be (ES >= VaR, 99% >= 97.5%), a
// convergence table ending at the full estimate, and every path conserved.
#include <backstop/risk/run_statistics.hpp>

#include <catch2/catch.hpp>

namespace test_risk_run_statistics_test {

using namespace backstop;
using namespace backstop::risk;

TEST_CASE("a run's summary: depletion with intervals, VaR and ES of fund loss, convergence", "[stats]") {
    Scenario s;
    s.paths = 40;
    s.population.trader_count = 150;
    s.horizon_steps = 120;
    s.fund.initial = 100.0;                       // small, and a wild market: some paths
    s.model = GarchT{0.0, 1.0e-5, 0.08, 0.90, 4.0};  // deplete the fund, some do not
    s.seed = 99;
    const RunResult result = run(s);
    const RunStatistics stats = summarize(result).value();
    CHECK(stats.paths == 40);
    std::uint64_t depleted = 0;
    for (const auto& p : result.paths) depleted += p.depleted() ? 1u : 0u;
    CHECK(stats.depleted_paths == depleted);
    CHECK(depleted > 0);   // the run has something to estimate
    CHECK(depleted < 40);
    CHECK(stats.depletion_wilson.estimate == Approx(static_cast<double>(depleted) / 40.0));
    CHECK(stats.depletion_wilson.lower <= stats.depletion_wilson.estimate);
    CHECK(stats.depletion_wilson.upper >= stats.depletion_wilson.estimate);
    // Clopper-Pearson is the conservative one.
    CHECK(stats.depletion_clopper_pearson.upper >= stats.depletion_wilson.upper);
    REQUIRE(stats.fund_loss.size() == 2);
    CHECK(stats.fund_loss[0].level == 0.975);
    CHECK(stats.fund_loss[0].expected_shortfall >= stats.fund_loss[0].value_at_risk);
    CHECK(stats.fund_loss[1].value_at_risk >= stats.fund_loss[0].value_at_risk);
    CHECK(stats.fund_min_p01 <= stats.fund_min_median);
    REQUIRE_FALSE(stats.convergence.empty());
    CHECK(stats.convergence.back().paths == 40);
    CHECK(stats.convergence.back().estimate == Approx(stats.depletion_wilson.estimate));
    CHECK(stats.paths_not_conserved == 0);
    CHECK(stats.mean_liquidations > 0);
    // Too few paths is a typed error.
    RunResult one;
    one.paths.resize(1);
    CHECK(summarize(one).error().code == ErrorCode::invalid_argument);
}

}  // namespace test_risk_run_statistics_test
