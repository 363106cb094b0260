// The currency-mismatch stress (issue 13, scope 7): part of the fund held in the market's base
// asset, valued less a haircut, sold less haircut and slippage when a deficit comes, against the
// same fund in the stablecoin, on the same seeds.
#include "support/scenarios.hpp"

#include <backstop/risk/calibration.hpp>
#include <backstop/risk/fund_currency_comparison.hpp>
#include <backstop/risk/report/scenario_json.hpp>

#include <catch2/catch.hpp>

#include <cmath>

namespace test_risk_fund_currency_test {

using namespace backstop;
using namespace backstop::risk;

namespace {

// The wild market with a 30% crash at step 36 and a fund of 200,000, all of it in BTC: large
// enough that the stablecoin fund survives some paths (43 of 64 deplete; at 30,000 both arms
// deplete 62), so that the BTC fund's extra depletions (55) show.
Scenario crash_with_btc_fund() {
    Scenario s = testing::small_wild_market();
    s.paths = 64;
    s.fund.initial = 200'000.0;
    s.shocks = {{36, std::log(0.7)}};
    s.fund.base_asset_fraction = 1.0;
    s.fund.base_haircut = 0.05;
    s.fund.base_slippage = 0.02;
    return s;
}

}  // namespace

TEST_CASE("lab: a fund held in the base asset is worth its holding at the mark less the haircut",
          "[management][multi_asset][risk]") {
    Scenario s = testing::small_wild_market();
    s.paths = 4;
    s.population.trader_count = 0;  // no liquidation: the fund only moves with the price
    s.fund.initial = 1'000.0;
    s.fund.base_asset_fraction = 0.5;
    s.fund.base_haircut = 0.1;
    // 500 USDC, and 500 / 60,000 BTC = 833,333 atoms (rounded down), worth x 60,000 x 90% at the
    // start: 449.99982.
    const RunResult result = run(s);
    for (const PathSummary& path : result.paths) {
        CHECK(path.liquidations == 0);
        CHECK(path.conserved);
        CHECK(path.fund_initial == Approx(500.0 + 0.00833333 * 60'000.0 * 0.9).epsilon(1e-12));
        // At the end: the same holding at the final mark (on the tick), less 10%.
        CHECK(path.fund_final == Approx(500.0 + 0.00833333 * path.final_price * 0.9).epsilon(1e-6));
    }
    // A stablecoin fund does not move.
    s.fund.base_asset_fraction = 0.0;
    for (const PathSummary& path : run(s).paths) CHECK(path.fund_final == 1'000.0);
}

TEST_CASE("lab: under a crash the fund held in the crashing asset depletes more often than the stablecoin one",
          "[management][multi_asset][risk]") {
    const Scenario scenario = crash_with_btc_fund();
    const FundCurrencyComparison c = compare_fund_currency(scenario).value();
    const PenaltyArm& stable = c.stablecoin;
    const PenaltyArm& btc = c.base_asset;
    REQUIRE(stable.statistics.paths == scenario.paths);
    REQUIRE(btc.statistics.paths == scenario.paths);
    CHECK(stable.statistics.paths_not_conserved == 0);
    CHECK(btc.statistics.paths_not_conserved == 0);
    CHECK(stable.statistics.mean_liquidations > 0.0);
    // The holding lost 30% and more when the deficits came: more paths run dry, and none that the
    // stablecoin fund lost is saved by holding BTC.
    CHECK(btc.statistics.depleted_paths > stable.statistics.depleted_paths);
    CHECK(c.depleted_stablecoin_only == 0);
    CHECK(btc.mean_fund_final < stable.mean_fund_final);
    CHECK(static_cast<std::int64_t>(c.depleted_base_asset_only) - static_cast<std::int64_t>(c.depleted_stablecoin_only) ==
          static_cast<std::int64_t>(btc.statistics.depleted_paths) - static_cast<std::int64_t>(stable.statistics.depleted_paths));
    CHECK(c.mcnemar_p_value == Approx(mcnemar_exact_p(c.depleted_stablecoin_only, c.depleted_base_asset_only)));
    for (const PenaltyArm* arm : {&stable, &btc}) {
        CHECK(arm->statistics.depletion_wilson.lower <= arm->statistics.depletion_wilson.estimate);
        CHECK(arm->statistics.depletion_wilson.estimate <= arm->statistics.depletion_wilson.upper);
    }
    // Deterministic, bit for bit.
    const FundCurrencyComparison again = compare_fund_currency(scenario).value();
    CHECK(again.base_asset.mean_fund_final == btc.mean_fund_final);
    CHECK(again.base_asset.statistics.depleted_paths == btc.statistics.depleted_paths);
}

TEST_CASE("lab: the currency comparison refuses a stablecoin-only fund and bad haircuts; calibration stays away",
          "[management][multi_asset][risk]") {
    Scenario s = crash_with_btc_fund();
    CHECK_FALSE(policies_ignore_balance(s.fund));  // sales depend on the balance: no calibration
    s.fund.base_haircut = 0.99;
    CHECK(compare_fund_currency(s).error().code == ErrorCode::invalid_policy_parameter);
    s.fund.base_asset_fraction = 0.0;
    CHECK(compare_fund_currency(s).error().code == ErrorCode::invalid_argument);
    CHECK(policies_ignore_balance(s.fund));
}

TEST_CASE("lab: a scenario file holds the fund in the base asset, and refuses bad fractions", "[management][multi_asset][risk]") {
    const Scenario s = crash_with_btc_fund();
    const nlohmann::json written = scenario_to_json(s);
    REQUIRE(written["fund"].contains("base_asset_fraction"));
    const ScenarioFromJson read = scenario_from_json(nlohmann::json::parse(written.dump()));
    REQUIRE(read.error.empty());
    CHECK(read.scenario.fund.base_asset_fraction == 1.0);
    CHECK(read.scenario.fund.base_haircut == 0.05);
    CHECK(read.scenario.fund.base_slippage == 0.02);
    CHECK(scenario_to_json(read.scenario) == written);
    // A stablecoin fund writes none of them: older files and outputs stay as they were.
    CHECK_FALSE(scenario_to_json(testing::small_wild_market())["fund"].contains("base_asset_fraction"));
    CHECK(scenario_from_json_text(R"({"fund": {"base_asset_fraction": 0.5}})").scenario.fund.base_asset_fraction == 0.5);
    CHECK_FALSE(scenario_from_json_text(R"({"fund": {"base_asset_fraction": 1.5}})").error.empty());
    CHECK_FALSE(scenario_from_json_text(R"({"fund": {"base_haircut": 0.7, "base_slippage": 0.4}})").error.empty());
    CHECK_FALSE(scenario_from_json_text(R"({"fund": {"base_asset": 1}})").error.empty());
}

}  // namespace test_risk_fund_currency_test
