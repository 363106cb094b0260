// Trading fees in the lab (issue 13, scopes 6 and 7): a scenario's market charges them, the
// traders and the liquidator take liquidity, and the fund's share grows the fund.
#include "support/scenarios.hpp"

#include <backstop/risk/report/scenario_json.hpp>
#include <backstop/risk/simulator.hpp>

#include <catch2/catch.hpp>

namespace test_risk_lab_fees_test {

using namespace backstop;
using namespace backstop::risk;

TEST_CASE("lab: the fund's share of trading fees grows it, and the fund's balance adds up", "[management][fees][risk]") {
    Scenario s = testing::small_wild_market();
    s.paths = 8;
    s.fund.initial = 50'000.0;
    const RunResult plain = run(s);
    s.market.taker_fee = Ppm{500};      // 5 bps, the traders and the liquidator pay it
    s.market.fee_to_fund = Ppm{500'000};  // half to the fund
    const RunResult with_fees = run(s);
    for (std::size_t p = 0; p < with_fees.paths.size(); ++p) {
        const PathSummary& path = with_fees.paths[p];
        CHECK(path.conserved);
        CHECK(plain.paths[p].fees_to_fund == 0.0);
        CHECK(path.fees_to_fund > 0.0);
        // Everything the fund got and paid, from its initial balance to its final one.
        CHECK(path.fund_final == Approx(path.fund_initial + path.penalties_to_fund + path.fees_to_fund - path.fund_paid).margin(1e-5));
    }
}

TEST_CASE("lab: a scenario file sets a market's fees and draw cap, and refuses bad ones", "[management][fees][isolated][risk]") {
    Scenario s = testing::small_wild_market();
    CHECK_FALSE(scenario_to_json(s)["market"].contains("taker_fee"));  // unset: not written
    s.market.taker_fee = Ppm{500};
    s.market.maker_fee = Ppm{100};
    s.market.fee_to_fund = Ppm{250'000};
    s.market.shared_fund_draw_max = 1'000'000'000;
    const nlohmann::json written = scenario_to_json(s);
    const ScenarioFromJson read = scenario_from_json(nlohmann::json::parse(written.dump()));
    REQUIRE(read.error.empty());
    CHECK(read.scenario.market.taker_fee == Ppm{500});
    CHECK(read.scenario.market.maker_fee == Ppm{100});
    CHECK(read.scenario.market.fee_to_fund == Ppm{250'000});
    CHECK(read.scenario.market.shared_fund_draw_max == 1'000'000'000);
    CHECK(scenario_to_json(read.scenario) == written);
    CHECK_FALSE(scenario_from_json_text(R"({"market": {"taker_fee": 0.2}})").error.empty());  // above 10%
    CHECK_FALSE(scenario_from_json_text(R"({"market": {"shared_fund_draw_max": -1}})").error.empty());
}

}  // namespace test_risk_lab_fees_test
