// Stakers in the lab (issue 13, scopes 5 and 7): part of the fund is staked through shares, the
// stakers run when the fund falls, and the cooldown decides how much of the run reaches the fund
// while it is needed.
#include "support/scenarios.hpp"

#include <backstop/risk/calibration.hpp>
#include <backstop/risk/report/report_json.hpp>
#include <backstop/risk/report/scenario_json.hpp>
#include <backstop/risk/report/stress_report.hpp>

#include <catch2/catch.hpp>

#include <cmath>

namespace test_risk_lab_staking_test {

using namespace backstop;
using namespace backstop::risk;

namespace {

// The wild market with a 20% crash at step 36 and a fund of 30,000, 80% of it staked by 10
// stakers who all run by a 10% fall.
Scenario with_stakers(double cooldown_hours) {
    Scenario s = testing::small_wild_market();
    s.paths = 16;
    s.fund.initial = 30'000.0;
    s.shocks = {{36, std::log(0.8)}};
    StakingSetup staking;
    staking.staked_fraction = 0.8;
    staking.stakers = 10;
    staking.cooldown_hours = cooldown_hours;
    staking.run_drawdown = 0.1;
    s.fund.staking = staking;
    return s;
}

}  // namespace

TEST_CASE("lab: stakers who run take their stake out of the fund, and money is conserved", "[management][staking][risk]") {
    const Scenario instant = with_stakers(0.0);
    const RunResult run_at_once = run(instant);
    Scenario none = instant;
    none.fund.staking.reset();
    const RunResult without = run(none);
    double claimed = 0.0;
    for (std::size_t p = 0; p < instant.paths; ++p) {
        const PathSummary& path = run_at_once.paths[p];
        CHECK(path.conserved);
        CHECK(without.paths[p].staker_claims == 0.0);
        // Nobody claims more than was staked plus what the fund earned on the path.
        CHECK(path.staker_claims <= 0.8 * 30'000.0 + path.penalties_to_fund + 1e-6);
        // The fund's balance adds up: what it got, less what it paid and what the stakers took.
        CHECK(path.fund_final ==
              Approx(path.fund_initial + path.penalties_to_fund + path.fees_to_fund - path.fund_paid - path.staker_claims).margin(1e-5));
        claimed += path.staker_claims;
    }
    CHECK(claimed > 0.0);  // the crash made them run
    // A run can only make the fund run dry more often, path by path.
    for (std::size_t p = 0; p < instant.paths; ++p) {
        if (without.paths[p].depleted()) CHECK(run_at_once.paths[p].depleted());
    }
}

TEST_CASE("lab: a cooldown longer than the horizon keeps every stake in the fund", "[management][staking][attack][risk]") {
    const Scenario patient = with_stakers(24.0 * 30.0);  // 30 days: beyond the 96-hour horizon
    Scenario none = patient;
    none.fund.staking.reset();
    const RunResult with_cooldown = run(patient);
    const RunResult without = run(none);
    for (std::size_t p = 0; p < patient.paths; ++p) {
        CHECK(with_cooldown.paths[p].staker_claims == 0.0);
        // The fund worked as if nobody had staked: the same path, bit for bit in the engine.
        CHECK(with_cooldown.paths[p].digest == without.paths[p].digest);
    }
}

TEST_CASE("lab: the report compares a staking cooldown with claims at once; scenario files carry the stakers",
          "[management][staking][report]") {
    const Scenario s = with_stakers(48.0);
    CHECK_FALSE(policies_ignore_balance(s.fund));
    StressReportOptions options;
    options.grid_paths = 0;
    const StressReport report = build_stress_report(s, options).value();
    REQUIRE(report.comparisons.size() == 1);
    const PairedComparison& c = report.comparisons[0];
    CHECK(c.what == "staking cooldown");
    CHECK(c.second.statistics.depleted_paths == report.statistics.depleted_paths);
    // A cooldown holds the stakes in the fund through the crash: never more depleted paths.
    CHECK(c.second.statistics.depleted_paths <= c.first.statistics.depleted_paths);
    CHECK(report_to_json(report)["comparisons"][0]["what"] == "staking cooldown");

    const ScenarioFromJson read = scenario_from_json(nlohmann::json::parse(scenario_to_json(s).dump()));
    REQUIRE(read.error.empty());
    REQUIRE(read.scenario.fund.staking.has_value());
    CHECK(read.scenario.fund.staking->cooldown_hours == 48.0);
    CHECK(read.scenario.fund.staking->stakers == 10);
    CHECK_FALSE(scenario_from_json_text(R"({"fund": {"staking": {"stakers": 0}}})").error.empty());
    CHECK_FALSE(scenario_from_json_text(R"({"fund": {"staking": {"staked_fraction": 1.5}}})").error.empty());
    CHECK_FALSE(scenario_from_json_text(R"({"fund": {"staking": {"panic": 1}}})").error.empty());
    // Stakers in a fund held in BTC are not modelled: refused before anything runs.
    CHECK_FALSE(scenario_from_json_text(R"({"fund": {"base_asset_fraction": 0.5, "staking": {}}})").error.empty());
    Scenario both = s;
    both.fund.base_asset_fraction = 0.5;
    CHECK(build_stress_report(both, options).error().code == ErrorCode::invalid_policy_parameter);
}

}  // namespace test_risk_lab_staking_test
