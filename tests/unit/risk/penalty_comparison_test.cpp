// The lab with a dynamic liquidation penalty: the simulator updates the engine's penalty at every
// mark, and compare_penalties runs both arms on the same seeds with their intervals.
#include "support/scenarios.hpp"

#include <backstop/risk/calibration.hpp>
#include <backstop/risk/penalty_comparison.hpp>
#include <backstop/risk/report/scenario_json.hpp>

#include <catch2/catch.hpp>

namespace test_risk_penalty_comparison_test {

using namespace backstop;
using namespace backstop::risk;

namespace {

Scenario with_dynamic_penalty() {
    Scenario s = testing::small_wild_market();
    DynamicPenaltyConfig config;
    config.floor = Ppm{5'000};
    config.base = s.market.liquidation_penalty;  // 1.5%, the static penalty
    config.ceiling = Ppm{50'000};
    config.reference_volatility = Ppm{3'000};   // per hourly step
    s.fund.dynamic_penalty = config;
    return s;
}

}  // namespace

TEST_CASE("lab: a dynamic penalty against the static one on the same seeds", "[management][penalty][risk]") {
    const Scenario scenario = with_dynamic_penalty();
    const PenaltyComparison c = compare_penalties(scenario).value();
    const PenaltyArm& fixed = c.static_penalty;
    const PenaltyArm& dynamic = c.dynamic_penalty;
    REQUIRE(fixed.statistics.paths == scenario.paths);
    REQUIRE(dynamic.statistics.paths == scenario.paths);
    CHECK(fixed.statistics.paths_not_conserved == 0);
    CHECK(dynamic.statistics.paths_not_conserved == 0);
    CHECK(fixed.statistics.mean_liquidations > 0.0);
    CHECK(dynamic.statistics.mean_liquidations > 0.0);
    // The static arm charges at most 1.5% (capped by equity); the dynamic one within its bounds.
    CHECK(fixed.penalty_rate <= 0.015 + 1e-9);
    CHECK(dynamic.penalty_rate <= 0.05 + 1e-9);
    CHECK(dynamic.penalty_rate != fixed.penalty_rate);
    // Each depletion estimate carries its interval.
    for (const PenaltyArm* arm : {&fixed, &dynamic}) {
        const auto& w = arm->statistics.depletion_wilson;
        CHECK(w.lower <= w.estimate);
        CHECK(w.estimate <= w.upper);
    }
    // The paired test: discordant paths account for the difference of the depletion counts.
    CHECK(static_cast<std::int64_t>(c.depleted_static_only) - static_cast<std::int64_t>(c.depleted_dynamic_only) ==
          static_cast<std::int64_t>(fixed.statistics.depleted_paths) -
              static_cast<std::int64_t>(dynamic.statistics.depleted_paths));
    CHECK(c.mcnemar_p_value > 0.0);
    CHECK(c.mcnemar_p_value <= 1.0);
    // Deterministic: the same comparison again, bit for bit.
    const PenaltyComparison again = compare_penalties(scenario).value();
    CHECK(again.dynamic_penalty.penalty_rate == dynamic.penalty_rate);
    CHECK(again.dynamic_penalty.statistics.depleted_paths == dynamic.statistics.depleted_paths);
    CHECK(again.dynamic_penalty.mean_fund_final == dynamic.mean_fund_final);
    // Bad input.
    CHECK(compare_penalties(testing::small_wild_market()).error().code == ErrorCode::invalid_argument);
    Scenario bad = scenario;
    bad.fund.dynamic_penalty->step_max = Ppm{0};
    CHECK(compare_penalties(bad).error().code == ErrorCode::invalid_policy_parameter);
}

TEST_CASE("lab: a penalty that reads the fund's health makes the report refuse to calibrate",
          "[management][penalty][risk]") {
    Scenario s = with_dynamic_penalty();
    CHECK_FALSE(policies_ignore_balance(s.fund));  // health_weight 0.5 by default
    s.fund.dynamic_penalty->health_weight = Ppm{0};
    CHECK(policies_ignore_balance(s.fund));
}

TEST_CASE("lab: a scenario file turns the dynamic penalty on, and refuses a bad one", "[management][penalty][risk]") {
    const Scenario s = with_dynamic_penalty();
    const nlohmann::json written = scenario_to_json(s);
    REQUIRE(written["fund"].contains("dynamic_penalty"));
    const ScenarioFromJson read = scenario_from_json(nlohmann::json::parse(written.dump()));
    REQUIRE(read.error.empty());
    REQUIRE(read.scenario.fund.dynamic_penalty.has_value());
    CHECK(read.scenario.fund.dynamic_penalty->reference_volatility == Ppm{3'000});
    CHECK(scenario_to_json(read.scenario) == written);
    // Without one, nothing is written: older files and outputs stay as they were.
    CHECK_FALSE(scenario_to_json(testing::small_wild_market())["fund"].contains("dynamic_penalty"));
    const ScenarioFromJson partial =
        scenario_from_json_text(R"({"fund": {"dynamic_penalty": {"ceiling": 0.03, "health_weight": 2}}})");
    REQUIRE(partial.error.empty());
    CHECK(partial.scenario.fund.dynamic_penalty->ceiling == Ppm{30'000});
    CHECK(partial.scenario.fund.dynamic_penalty->health_weight == Ppm{2'000'000});
    CHECK(partial.scenario.fund.dynamic_penalty->base == DynamicPenaltyConfig{}.base);
    CHECK_FALSE(scenario_from_json_text(R"({"fund": {"dynamic_penalty": {"floor": 0.02}}})").error.empty());  // above base
    CHECK_FALSE(scenario_from_json_text(R"({"fund": {"dynamic_penalty": {"speed": 1}}})").error.empty());
    CHECK_FALSE(scenario_from_json_text(R"({"fund": {"dynamic_penalty": {"health_weight": 11}}})").error.empty());
}

TEST_CASE("lab: McNemar's exact test by hand", "[risk][statistics]") {
    CHECK(mcnemar_exact_p(0, 10) == Approx(2.0 / 1024.0).epsilon(1e-12));            // 2 x 0.5^10
    CHECK(mcnemar_exact_p(1, 9) == Approx(2.0 * 11.0 / 1024.0).epsilon(1e-12));      // 2 x (1 + 10) / 2^10
    CHECK(mcnemar_exact_p(5, 5) == 1.0);                                              // capped
    CHECK(mcnemar_exact_p(0, 0) == 1.0);                                              // no discordant pair
    CHECK(mcnemar_exact_p(30, 10) == Approx(mcnemar_exact_p(10, 30)).epsilon(1e-15));  // symmetric
}

}  // namespace test_risk_penalty_comparison_test
