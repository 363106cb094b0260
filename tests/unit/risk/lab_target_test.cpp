// The fund's target in the lab (issue 13, scopes 2 and 7): computed from the engine at every step,
// recorded with the fund's coverage of it, read by a dynamic penalty as health, and shown by the
// report with its interval.
#include "support/scenarios.hpp"

#include <backstop/risk/report/report_csv.hpp>
#include <backstop/risk/report/report_html.hpp>
#include <backstop/risk/report/report_json.hpp>
#include <backstop/risk/report/scenario_json.hpp>
#include <backstop/risk/report/stress_report.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <string>

namespace test_risk_lab_target_test {

using namespace backstop;
using namespace backstop::risk;

namespace {

Scenario with_target() {
    Scenario s = testing::small_wild_market();
    s.paths = 8;
    s.fund.initial = 20'000.0;
    s.fund.target = FundTargetConfig{};  // 5% of open interest, Cover-2 at a 15% shock
    return s;
}

}  // namespace

TEST_CASE("lab: the target is recorded at every step, and the coverage is the fund over it", "[management][target][risk]") {
    const Scenario s = with_target();
    const RunResult result = run(s, true);
    REQUIRE(result.target_paths.size() == s.paths);
    for (std::size_t p = 0; p < s.paths; ++p) {
        const PathSummary& path = result.paths[p];
        const std::vector<double>& target = result.target_paths[p];
        const std::vector<double>& fund = result.fund_paths[p];
        CHECK(path.target_final == target.back());
        CHECK(path.target_max == *std::max_element(target.begin(), target.end()));
        CHECK(path.target_max > 0.0);  // the traders' open interest alone asks for 5% of it
        double lowest = std::numeric_limits<double>::infinity();
        for (std::size_t step = 0; step < target.size(); ++step) {
            if (target[step] > 0.0) lowest = std::min(lowest, fund[step] / target[step]);
        }
        CHECK(path.coverage_min == lowest);
    }
    // Without a target nothing is recorded, and the paths are the same.
    Scenario plain = s;
    plain.fund.target.reset();
    const RunResult without = run(plain, true);
    CHECK(without.target_paths.empty());
    for (std::size_t p = 0; p < s.paths; ++p) CHECK(without.paths[p].digest == result.paths[p].digest);
}

TEST_CASE("lab: a dynamic penalty reads its health against the computed target", "[management][target][penalty][risk]") {
    Scenario s = with_target();
    DynamicPenaltyConfig dynamic;
    dynamic.base = s.market.liquidation_penalty;
    dynamic.health_weight = Ppm{1'000'000};
    s.fund.dynamic_penalty = dynamic;
    s.fund.fund_target = 1e9;  // read instead when there is no computed target: far below it
    const RunResult against_target = run(s);
    s.fund.target.reset();
    const RunResult against_fixed = run(s);
    bool differs = false;
    for (std::size_t p = 0; p < s.paths; ++p) differs = differs || against_target.paths[p].digest != against_fixed.paths[p].digest;
    CHECK(differs);
}

TEST_CASE("lab: the report shows the fund against its target with the interval, in every writer", "[management][target][report]") {
    StressReportOptions options;
    options.targets = {0.25};
    options.grid_paths = 0;
    options.curve_points = 10;
    const StressReport report = build_stress_report(with_target(), options).value();
    REQUIRE(report.target_fan.quantiles.size() == report.fan.quantiles.size());
    CHECK(report.below_target.lower <= report.below_target.estimate);
    CHECK(report.below_target.estimate <= report.below_target.upper);
    CHECK(report.below_target.estimate == static_cast<double>(report.paths_below_target) / 8.0);
    const nlohmann::json json = report_to_json(report);
    CHECK(json["target"]["paths_below_target"] == report.paths_below_target);
    const std::string html = report_html(report);
    CHECK(html.find("data-charts-expected=\"6\"") != std::string::npos);  // the five, and the target's
    CHECK(html.find("id=\"chart-target\"") != std::string::npos);
    bool csv = false;
    for (const CsvTable& t : report_csv_tables(report)) csv = csv || t.name == "target_fan_chart";
    CHECK(csv);
    // A scenario file carries the target.
    const ScenarioFromJson read = scenario_from_json(nlohmann::json::parse(scenario_to_json(report.scenario).dump()));
    REQUIRE(read.error.empty());
    REQUIRE(read.scenario.fund.target.has_value());
    CHECK(read.scenario.fund.target->cover == 2);
    CHECK_FALSE(scenario_from_json_text(R"({"fund": {"target": {"cover": 9}}})").error.empty());
    CHECK_FALSE(scenario_from_json_text(R"({"fund": {"target": {"shock": 2}}})").error.empty());
}

}  // namespace test_risk_lab_target_test
