// The stress report: every figure computed once and written the same in JSON, CSV and HTML; the
// policy comparison's shortcut (only depleted paths run again) equal to full runs; scenarios
// that survive a JSON round trip bit for bit; scenario files with mistakes refused with the field
// named; and an HTML page with its four charts and nothing fetched.
#include <backstop/risk/report/report_csv.hpp>
#include <backstop/risk/report/report_html.hpp>
#include <backstop/risk/report/report_json.hpp>
#include <backstop/risk/report/scenario_json.hpp>
#include <backstop/risk/report/stress_report.hpp>

#include <catch2/catch.hpp>

#include "support/lab_outputs.hpp"
#include "support/scenarios.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

namespace test_risk_report_test {

using namespace backstop;
using namespace backstop::risk;

namespace {


StressReportOptions small_options() { return testing::small_report_options(); }

const StressReport& shared_report() {
    static const StressReport report = build_stress_report(testing::small_wild_market(), small_options()).value();
    return report;
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("the report's figures agree with the run they summarize", "[report]") {
    const StressReport& report = shared_report();
    const RunResult run_again = run(testing::small_wild_market());
    REQUIRE(report.statistics.paths == 24);
    REQUIRE(report.statistics.depleted_paths > 0);
    // Histogram: every path in one bin.
    const std::uint64_t binned =
        std::accumulate(report.fund_loss.counts.begin(), report.fund_loss.counts.end(), std::uint64_t{0});
    CHECK(binned == 24);
    // Fan: quantiles ordered at every step; the last step's extremes are the extreme final balances.
    REQUIRE(report.fan.quantiles.size() == 7);
    for (std::size_t step = 0; step < report.fan.hours.size(); ++step) {
        for (std::size_t l = 1; l < report.fan.levels.size(); ++l) {
            CHECK(report.fan.quantiles[l][step] >= report.fan.quantiles[l - 1][step]);
        }
    }
    double lowest_final = 1e300;
    for (const PathSummary& p : run_again.paths) lowest_final = std::min(lowest_final, p.fund_final);
    CHECK(report.fan.quantiles[0].back() >= lowest_final);
    CHECK(report.fan.hours.back() == Approx(96.0));
    // The depletion curve at the scenario's own fund is the run's depletion count.
    const std::vector<double> at{testing::small_wild_market().fund.initial};
    const auto point = depletion_curve(Span<const double>(report.required_fund), Span<const double>(at)).value();
    CHECK(point[0].depleted_paths == report.statistics.depleted_paths);
    REQUIRE(report.calibrated.size() == 1);
    CHECK(report.calibrated[0].size_low <= report.calibrated[0].size);
    CHECK(report.grid.size() == 5);  // 2 x 2, and the running configuration (not in the grid) last
    CHECK(report.grid.back().running);
}

TEST_CASE("the policy comparison equals full runs under each policy", "[report]") {
    const StressReport& report = shared_report();
    REQUIRE(report.policies.size() == 3);
    for (const PolicyOutcome& outcome : report.policies) {
        Scenario s = testing::small_wild_market();
        s.fund.socialized_loss = outcome.policy;
        const RunResult full = run(s);
        std::vector<PathSummary> paths = full.paths;
        const PolicyOutcome direct = risk::detail::policy_outcome(outcome.policy, paths);
        INFO(name_of(outcome.policy));
        CHECK(outcome.paths_socializing == direct.paths_socializing);
        CHECK(outcome.mean_socialized == direct.mean_socialized);
        CHECK(outcome.mean_borne_by_traders == direct.mean_borne_by_traders);
        CHECK(outcome.mean_borne_by_maker == direct.mean_borne_by_maker);
        CHECK(outcome.mean_charges == direct.mean_charges);
        CHECK(outcome.mean_deleveraged_notional == direct.mean_deleveraged_notional);
        CHECK(outcome.mean_taken_beyond_deficit >= 0.0);  // charges round in the protocol's favour
    }
    // The policies differ where it matters: ADL closes positions, a haircut does not.
    CHECK(report.policies[0].mean_deleveraged_notional > 0.0);
    CHECK(report.policies[1].mean_deleveraged_notional == 0.0);
    CHECK(report.policies[0].mean_socialized == Approx(report.statistics.mean_socialized));
}

TEST_CASE("the report's JSON holds every figure, at full precision", "[report]") {
    const StressReport& report = shared_report();
    const nlohmann::json json = report_to_json(report);
    for (const char* key : {"scenario", "summary", "fan_chart", "fund_loss_histogram", "depletion_curve",
                            "calibration", "grid", "policies", "required_fund"}) {
        CHECK(json.contains(key));
    }
    CHECK(json["summary"]["depleted_paths"].get<std::uint64_t>() == report.statistics.depleted_paths);
    CHECK(json["summary"]["depletion_wilson"]["upper"].get<double>() == report.statistics.depletion_wilson.upper);
    CHECK(json["summary"]["fund_loss_tail"][1]["expected_shortfall"].get<double>() ==
          report.statistics.fund_loss[1].expected_shortfall);
    CHECK(json["fan_chart"]["quantiles"][3][10].get<double>() == report.fan.quantiles[3][10]);
    CHECK(json["depletion_curve"].size() == report.depletion_curve.size());
    CHECK(json["calibration"][0]["size_high"].get<double>() == report.calibrated[0].size_high);
    CHECK(json["grid"]["cells"].size() == 5);
    CHECK(json["policies"][2]["policy"] == "funding");
    // Same scenario, one thread instead of two: the same report, bit for bit.
    Scenario one_thread = testing::small_wild_market();
    one_thread.threads = 1;
    nlohmann::json again = report_to_json(build_stress_report(one_thread, small_options()).value());
    again["scenario"]["threads"] = 2;
    CHECK(again.dump() == json.dump());
}

TEST_CASE("the report's CSV tables carry the same figures", "[report]") {
    const StressReport& report = shared_report();
    const std::vector<CsvTable> tables = report_csv_tables(report);
    std::vector<std::string> names;
    for (const CsvTable& t : tables) names.push_back(t.name);
    CHECK(names == std::vector<std::string>{"fan_chart", "fund_loss_histogram", "fund_loss_tail", "depletion_curve",
                                            "calibration", "grid", "policies", "required_fund"});
    const CsvTable& curve = tables[3];
    CHECK(count(curve.text, "\n") == report.depletion_curve.size() + 1);
    // The second row of the curve reads back exactly (17 significant digits round-trip a double).
    std::istringstream lines(curve.text);
    std::string header, first, second;
    std::getline(lines, header);
    std::getline(lines, first);
    std::getline(lines, second);
    CHECK(header == "fund_size,depleted_paths,paths,estimate,lower,upper");
    CHECK(std::stod(second.substr(0, second.find(','))) == report.depletion_curve[1].fund_size);
    CHECK(count(tables[0].text, "\n") == report.fan.hours.size() + 1);
    CHECK(count(tables[5].text, "\n") == 6);
}

TEST_CASE("the HTML page: five charts, tables, the scenario, and nothing fetched", "[report]") {
    const std::string html = report_html(shared_report());
    for (const char* id : {"chart-fan", "chart-loss", "chart-size", "chart-frontier", "chart-adl"}) {
        CHECK(count(html, std::string("<figure class=\"chart\" id=\"") + id + "\">") == 1);
    }
    CHECK(count(html, "<svg ") == 5);
    CHECK(count(html, "</svg>") == 5);
    CHECK(html.find("data-charts-expected=\"5\"") != std::string::npos);
    CHECK(html.find("<h2>ADL that takes no more than needed</h2>") != std::string::npos);
    CHECK(count(html, "<script") == 1);
    CHECK(html.find("data-charts-rendered") == std::string::npos);  // set by the script, not written
    CHECK(html.find("chartsRendered") != std::string::npos);
    // Self-contained: the only URL is the SVG namespace.
    CHECK(count(html, "http") == count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
    CHECK(html.find(" src=") == std::string::npos);
    CHECK(html.find("<link") == std::string::npos);
    CHECK(html.find("ranked-adl") != std::string::npos);
    CHECK(html.find("&quot;socialized_loss&quot;") != std::string::npos);  // the scenario, escaped
    CHECK(xml_escape("a<b & \"c\">") == "a&lt;b &amp; &quot;c&quot;&gt;");
}

TEST_CASE("a report without a grid still has five charts, the fourth saying why it is empty", "[report]") {
    Scenario s = testing::small_wild_market();
    s.paths = 6;
    StressReportOptions options = small_options();
    options.grid_paths = 0;
    const StressReport report = build_stress_report(s, options).value();
    CHECK(report.grid.empty());
    const std::string html = report_html(report);
    CHECK(count(html, "<svg ") == 5);
    CHECK(html.find("no grid in this run") != std::string::npos);
}

TEST_CASE("a scenario survives a JSON round trip and runs the same", "[report]") {
    Scenario s = testing::small_wild_market();
    s.shocks = {{10, -0.1}, {50, 0.05}};
    s.impact.kind = ImpactKind::square_root;
    s.fund.socialized_loss = SocializedLossChoice::funding;
    s.model = GarchJump{};
    s.paths = 4;
    const nlohmann::json written = scenario_to_json(s);
    const ScenarioFromJson read = scenario_from_json(nlohmann::json::parse(written.dump()));
    REQUIRE(read.ok());
    CHECK(scenario_to_json(read.scenario) == written);
    const RunResult a = run(s);
    const RunResult b = run(read.scenario);
    for (std::size_t p = 0; p < a.paths.size(); ++p) CHECK(a.paths[p].digest == b.paths[p].digest);
    // A partial file keeps the defaults it does not mention.
    const ScenarioFromJson partial = scenario_from_json_text(R"({"paths": 7, "fund": {"initial": 5.5}})", s);
    REQUIRE(partial.ok());
    CHECK(partial.scenario.paths == 7);
    CHECK(partial.scenario.fund.initial == 5.5);
    CHECK(partial.scenario.fund.socialized_loss == SocializedLossChoice::funding);
    CHECK(partial.scenario.shocks.size() == 2);
}

TEST_CASE("a scenario file with a mistake is refused, naming the field", "[report]") {
    struct Case {
        const char* text;
        const char* error_contains;
    };
    for (const Case c : {
             Case{R"({"pahts": 10})", "scenario.pahts: unknown field"},
             Case{R"({"paths": "ten"})", "scenario.paths: expected an integer"},
             Case{R"({"paths": 1})", "scenario.paths: out of range"},
             Case{R"({"paths": -5})", "scenario.paths: out of range"},
             Case{R"({"fund": {"initial": -1}})", "scenario.fund.initial: out of range"},
             Case{R"({"fund": {"socialized_loss": "magic"}})", "unknown socialized-loss policy"},
             Case{R"({"model": {"name": "heston"}})", "scenario.model.name: unknown model"},
             Case{R"({"model": {"name": "garch", "alpha": 0.5, "beta": 0.6}})", "alpha + beta"},
             Case{R"({"model": {"name": "gbm", "omega": 1}})", "scenario.model.omega: unknown field"},
             Case{R"({"market": {"tiers": [{"initial_margin": 0.01, "maintenance_margin": 0.05}]}})",
                  "scenario.market:"},
             Case{R"({"population": {"long_fraction": 1.5}})", "scenario.population.long_fraction: out of range"},
             Case{R"({"shocks": [{"step": 1, "size": 2}]})", "scenario.shocks[0].size: unknown field"},
             Case{R"([1, 2])", "scenario: expected an object"},
             Case{R"({"paths": 10,})", "not valid JSON"},
         }) {
        const Scenario defaults = testing::small_wild_market();
        const ScenarioFromJson read = scenario_from_json_text(c.text, defaults);
        INFO(c.text << " -> " << read.error);
        CHECK_FALSE(read.ok());
        CHECK(read.error.find(c.error_contains) != std::string::npos);
    }
}

TEST_CASE("a report refuses what cannot be summarized", "[report]") {
    Scenario s = testing::small_wild_market();
    s.paths = 1;
    CHECK_FALSE(build_stress_report(s, small_options()).has_value());
    s.paths = 4;
    StressReportOptions bad = small_options();
    bad.fan_levels = {0.5, 1.5};
    CHECK_FALSE(build_stress_report(s, bad).has_value());
    bad = small_options();
    bad.grid_maintenance = {0.9};  // initial margin 150%
    CHECK_FALSE(build_stress_report(s, bad).has_value());
    bad = small_options();
    bad.targets = {0.0};
    CHECK_FALSE(build_stress_report(s, bad).has_value());
}

TEST_CASE("a report whose fund's policies look at its balance skips the calibration and says why", "[report]") {
    Scenario s = testing::small_wild_market();
    s.paths = 6;
    s.fund.settlement = SettlementChoice::cover_above_floor;  // calibration needs balance-blind policies
    s.fund.floor = 20.0;
    const StressReport report = build_stress_report(s, small_options()).value();
    CHECK_FALSE(report.calibration_skipped.empty());
    CHECK(report.required_fund.empty());
    CHECK(report.depletion_curve.empty());
    CHECK(report.calibrated.empty());
    CHECK(report.grid.empty());
    CHECK(report.statistics.paths == 6);
    CHECK(report.policies.size() == small_options().policies.size());
    CHECK(report_to_json(report)["calibration_skipped"] == report.calibration_skipped);
    const std::string html = report_html(report);
    CHECK(html.find("Not calibrated") != std::string::npos);
    CHECK(count(html, "<figure class=\"chart\"") == 5);  // four, and the ADL benchmark's
    // A balance-blind scenario says nothing of it.
    CHECK_FALSE(report_to_json(shared_report()).contains("calibration_skipped"));
    CHECK_FALSE(report_to_json(shared_report()).contains("comparisons"));
}

TEST_CASE("a report shows the dynamic penalty and the base-asset fund against their plain arms, on the same seeds",
          "[report][management][penalty][multi_asset]") {
    Scenario s = testing::small_wild_market();
    s.paths = 16;
    s.fund.initial = 30'000.0;
    s.shocks = {{36, std::log(0.8)}};
    DynamicPenaltyConfig dynamic;
    dynamic.base = s.market.liquidation_penalty;
    s.fund.dynamic_penalty = dynamic;  // health_weight 0.5: reads the balance
    s.fund.base_asset_fraction = 0.5;
    s.fund.base_haircut = 0.05;
    const StressReport report = build_stress_report(s, small_options()).value();
    REQUIRE(report.comparisons.size() == 2);
    CHECK_FALSE(report.calibration_skipped.empty());
    const PairedComparison& penalty = report.comparisons[0];
    const PairedComparison& currency = report.comparisons[1];
    CHECK(penalty.what == "liquidation penalty");
    CHECK(currency.what == "fund currency");
    // Each comparison is the one its own function computes.
    const PenaltyComparison alone = compare_penalties(s, small_options().summary).value();
    CHECK(penalty.first.statistics.depleted_paths == alone.static_penalty.statistics.depleted_paths);
    CHECK(penalty.second.mean_fund_final == alone.dynamic_penalty.mean_fund_final);
    CHECK(penalty.mcnemar_p_value == alone.mcnemar_p_value);
    const FundCurrencyComparison money = compare_fund_currency(s, small_options().summary).value();
    CHECK(currency.second.statistics.depleted_paths == money.base_asset.statistics.depleted_paths);
    CHECK(currency.first.mean_fund_final == money.stablecoin.mean_fund_final);
    // The run itself is the scenario as given: both features on.
    CHECK(report.statistics.depleted_paths == money.base_asset.statistics.depleted_paths);
    // Every writer shows them, with their intervals.
    const nlohmann::json json = report_to_json(report);
    REQUIRE(json["comparisons"].size() == 2);
    CHECK(json["comparisons"][1]["arms"][1]["depletion_wilson"]["upper"] ==
          currency.second.statistics.depletion_wilson.upper);
    const std::string html = report_html(report);
    CHECK(count(html, "Same seeds, two set-ups") == 2);
    CHECK(html.find("McNemar") != std::string::npos);
    bool csv = false;
    for (const CsvTable& t : report_csv_tables(report)) {
        if (t.name != "comparisons") continue;
        csv = true;
        CHECK(count(t.text, "\n") == 5);  // a header and two arms each
    }
    CHECK(csv);
    StressReportOptions none = small_options();
    none.comparisons = false;
    CHECK(build_stress_report(s, none).value().comparisons.empty());
}

}  // namespace test_risk_report_test
