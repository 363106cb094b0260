// The incident replays (examples/data/incidents/): each file loads over the CLI's defaults, carries
// a valid published figure, round-trips through JSON, runs (shortened) through the lab, and the
// report puts the published figure next to the simulated one. An invalid incident is refused.
#include "backstop/risk/report/console_table.hpp"
#include "backstop/risk/report/incident_report.hpp"
#include "backstop/risk/report/report_html.hpp"
#include "backstop/risk/report/report_json.hpp"
#include "backstop/risk/report/scenario_json.hpp"
#include "backstop/risk/scenario_presets.hpp"
#include "backstop/risk/simulator.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

namespace test_risk_incident_test {

namespace {

using namespace backstop;
using namespace backstop::risk;

std::string incident_file(const char* name) {
    std::string path = BACKSTOP_SOURCE_DIR;
    path += "/examples/data/incidents/";
    path += name;
    return path;
}

// As the CLI reads it: over the demo scenario.
Scenario load(const char* name) {
    std::ifstream in(incident_file(name));
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    const ScenarioFromJson loaded = scenario_from_json_text(text.str(), demo_scenario());
    INFO(loaded.error);
    REQUIRE(loaded.ok());
    return loaded.scenario;
}

// Fewer paths and traders, the same path of prices and the same incident.
Scenario shortened(Scenario s, std::uint32_t traders) {
    s.paths = 4;
    s.threads = 1;
    s.population.trader_count = std::min(s.population.trader_count, traders);
    return s;
}

struct Replay {
    const char* file;
    IncidentMeasure measure;
    double published;
    const char* unit;
    std::uint32_t traders;
};

}  // namespace

TEST_CASE("incident replay files load, round-trip and compare with the published figure", "[incident]") {
    const Replay replay = GENERATE(Replay{"bitmex_2020_03_12.json", IncidentMeasure::fund_drawdown, 2606.0, "XBT", 300},
                                   Replay{"dydx_v3_yfi_2023_11.json", IncidentMeasure::fund_paid, 9e6, "USD", 120},
                                   Replay{"oct_10_2025.json", IncidentMeasure::bad_debt, 15079670.0, "USD", 300});
    INFO(replay.file);
    const Scenario scenario = load(replay.file);
    REQUIRE(scenario.incident.has_value());
    const IncidentReference& incident = *scenario.incident;
    CHECK(incident.valid());
    CHECK(incident.published_fund_loss == replay.published);
    CHECK(incident.unit == replay.unit);
    CHECK_FALSE(incident.source.empty());
    CHECK_FALSE(incident.assumptions.empty());
    CHECK(incident_measure_of(incident.measure) == replay.measure);
    CHECK_FALSE(scenario.shocks.empty());  // the crash is scripted
    CHECK(scenario.paths <= 500);          // a CLI run stays short

    // Round trip: written, read back over the defaults, written again: the same document.
    const nlohmann::json written = scenario_to_json(scenario);
    REQUIRE(written.contains("incident"));
    const ScenarioFromJson again = scenario_from_json(written, Scenario{});
    INFO(again.error);
    REQUIRE(again.ok());
    CHECK(scenario_to_json(again.scenario) == written);
    REQUIRE(again.scenario.incident.has_value());
    CHECK(again.scenario.incident->assumptions == incident.assumptions);
    CHECK(again.scenario.incident->quote_per_unit == incident.quote_per_unit);

    // A shortened run: the comparison in the published unit.
    const Scenario small = shortened(scenario, replay.traders);
    const RunResult result = run(small);
    REQUIRE(result.paths.size() == 4);
    double largest = 0.0;
    for (const PathSummary& path : result.paths) {
        CHECK(path.conserved);
        largest = std::max(largest, incident_value(path, replay.measure));
    }
    CHECK(largest > 0.0);  // the scripted crash costs something
    const Result<IncidentComparison> c = compare_incident(incident, result.paths);
    REQUIRE(c);
    CHECK(c->paths == 4);
    CHECK(c->max == Approx(largest / incident.quote_per_unit));
    CHECK(c->p05 <= c->median.estimate);
    CHECK(c->median.estimate <= c->p95);
    CHECK(c->mean_lower <= c->mean);
    CHECK(c->mean <= c->mean_upper);
    REQUIRE(c->has_ratio);
    CHECK(c->ratio_mean == Approx(c->mean / replay.published));

    const nlohmann::json json = incident_to_json(*c);
    CHECK(json["published"].get<double>() == replay.published);
    CHECK(json["unit"].get<std::string>() == replay.unit);
    CHECK(json["simulated_mean"]["estimate"].get<double>() == Approx(c->mean));
    const std::string html = incident_html(*c);
    CHECK(html.find("id=\"incident\"") != std::string::npos);
    CHECK(html.find(risk::detail::incident_amount(replay.published, replay.unit)) != std::string::npos);
    CHECK(incident_console(*c, 34).find("incident: published") != std::string::npos);
}

TEST_CASE("the stress report states the published figure only for a replay", "[incident]") {
    StressReportOptions options;
    options.grid_paths = 0;
    options.policies = {SocializedLossChoice::ranked_adl};
    Scenario replay = shortened(load("dydx_v3_yfi_2023_11.json"), 120);
    replay.paths = 3;
    const Result<StressReport> with = build_stress_report(replay, options);
    REQUIRE(with);
    REQUIRE(with->incident.has_value());
    CHECK(with->incident->measure == IncidentMeasure::fund_paid);
    CHECK(with->incident->mean * 3.0 == Approx(with->mean_fund_paid * 3.0));  // the same paths, in USD
    const nlohmann::json json = report_to_json(*with);
    REQUIRE(json.contains("incident"));
    CHECK(json["incident"]["published"].get<double>() == 9e6);
    CHECK(json["scenario"]["incident"]["published_fund_loss"].get<double>() == 9e6);
    CHECK(report_html(*with).find("Incident replay: dYdX v3 YFI-USD") != std::string::npos);
    CHECK(console_summary(*with).find("9,000,000 USD") != std::string::npos);

    Scenario plain = replay;
    plain.incident.reset();
    const Result<StressReport> without = build_stress_report(plain, options);
    REQUIRE(without);
    CHECK_FALSE(without->incident.has_value());
    CHECK_FALSE(report_to_json(*without).contains("incident"));
    CHECK_FALSE(report_to_json(*without)["scenario"].contains("incident"));
    CHECK(report_html(*without).find("Incident replay") == std::string::npos);
    CHECK(console_summary(*without).find("incident") == std::string::npos);
}

TEST_CASE("an invalid incident object is refused with a message naming the field", "[incident]") {
    const auto refused = [](const std::string& incident) {
        const ScenarioFromJson read = scenario_from_json_text("{\"incident\": " + incident + "}");
        CHECK_FALSE(read.ok());
        CHECK_FALSE(read.scenario.incident.has_value());
        return read.error;
    };
    CHECK(refused("{\"name\": \"x\", \"published_fund_loss\": 1, \"quote_per_unit\": 0}") ==
          "scenario.incident: invalid (a name and a unit not empty, published_fund_loss in [0, 1e15], quote_per_unit in (0, 1e12])");
    CHECK(refused("{\"name\": \"\", \"published_fund_loss\": 1}").find("scenario.incident: invalid") == 0);
    CHECK(refused("{\"name\": \"x\", \"published_fund_loss\": -5}") == "scenario.incident.published_fund_loss: out of range");
    CHECK(refused("{\"name\": \"x\", \"publishd_fund_loss\": 5}") == "scenario.incident.publishd_fund_loss: unknown field");
    CHECK(refused("{\"name\": 3, \"published_fund_loss\": 5}") == "scenario.incident.name: expected a string");
    CHECK(refused("{\"name\": \"x\"}") == "scenario.incident: needs at least a name and a published_fund_loss");
    CHECK(refused("[1, 2]") == "scenario.incident: expected an object");

    const ScenarioFromJson accepted = scenario_from_json_text("{\"incident\": {\"name\": \"x\", \"published_fund_loss\": 0}}");
    INFO(accepted.error);
    REQUIRE(accepted.ok());
    REQUIRE(accepted.scenario.incident.has_value());
    CHECK(accepted.scenario.incident->unit == "USDC");

    // A published zero has no ratio; the comparison still stands.
    std::vector<PathSummary> paths(3);
    paths[0].fund_drawdown_max = 10.0;
    paths[1].fund_drawdown_max = 20.0;
    paths[2].fund_drawdown_max = 30.0;
    const Result<IncidentComparison> c = compare_incident(*accepted.scenario.incident, paths);
    REQUIRE(c);
    CHECK_FALSE(c->has_ratio);
    CHECK(c->mean == Approx(20.0));
    CHECK(c->paths_below_published == 0.0);
    CHECK(incident_to_json(*c)["ratio_mean"].is_null());
    CHECK_FALSE(compare_incident(IncidentReference{}, paths));  // no name: refused
}

TEST_CASE("the simulated figure is read from the measure's whole words", "[incident]") {
    CHECK(incident_measure_of("largest one-day fall of the fund") == IncidentMeasure::fund_drawdown);
    CHECK(incident_measure_of("Fund drawdown, 13 March") == IncidentMeasure::fund_drawdown);
    CHECK(incident_measure_of("paid by the insurance fund") == IncidentMeasure::fund_paid);
    CHECK(incident_measure_of("bad debt ADL had to cover") == IncidentMeasure::bad_debt);
    // Words, not substrings: a shortfall is not a fall, unpaid is not paid, a deadline is not ADL.
    CHECK(incident_measure_of("the shortfall of the waves") == IncidentMeasure::bad_debt);
    CHECK(incident_measure_of("unpaid bad debt") == IncidentMeasure::bad_debt);
    CHECK(incident_measure_of("socialized after the deadline") == IncidentMeasure::socialized);
    CHECK(incident_measure_of("what went to ADL") == IncidentMeasure::socialized);
    CHECK(incident_measure_of("fund loss") == IncidentMeasure::fund_drawdown);
}

}  // namespace test_risk_incident_test
