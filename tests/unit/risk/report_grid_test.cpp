// The report's grid, layout and words: the running configuration's cell is the headline run (on
// common random numbers, read from it), or agrees with it within its interval on fewer paths;
// one parameter at a time runs the cells of the full grid that differ in one parameter, the same
// figures; chart labels never overlap by the plot's own estimate of their boxes; numbers are
// written with separators and units; the per-market table from a hand-filled RunStatistics.
#include <backstop/risk/report/console_table.hpp>
#include <backstop/risk/report/report_csv.hpp>
#include <backstop/risk/report/report_html.hpp>
#include <backstop/risk/report/report_json.hpp>
#include <backstop/risk/report/stress_report.hpp>
#include <backstop/risk/scenario_presets.hpp>

#include <catch2/catch.hpp>

#include "support/scenarios.hpp"

#include <algorithm>
#include <limits>
#include <regex>
#include <string>
#include <vector>

namespace test_risk_report_grid_test {

using namespace backstop;
using namespace backstop::risk;

namespace {

// The defaults' grid (maintenance 3%, 5% x penalty 1%, 1.5%) holds the default market (5% / 3%,
// 1.5%), which small_wild_market() keeps.
StressReportOptions grid_options() {
    StressReportOptions o;
    o.targets = {0.25};
    o.curve_points = 10;
    o.policies = {SocializedLossChoice::ranked_adl};
    o.comparisons = false;
    return o;
}

const GridCell& running_cell(const StressReport& report) {
    for (const GridCell& c : report.grid) {
        if (c.running) return c;
    }
    FAIL("no running cell");
    return report.grid.front();
}

struct PlacedText {
    std::string text;
    TextBox box;
};

std::string unescape(std::string text) {
    for (const auto& [entity, plain] : std::vector<std::pair<std::string, std::string>>{
             {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&amp;", "&"}}) {
        for (std::size_t at = text.find(entity); at != std::string::npos; at = text.find(entity, at + 1)) {
            text.replace(at, entity.size(), plain);
        }
    }
    return text;
}

// Every horizontal <text> of an SVG with the box the plot estimates for it (the rotated y axis
// label is a column at the left edge, apart from the rest by construction).
std::vector<PlacedText> texts_of(const std::string& svg) {
    static const std::regex text_element(R"(<text([^>]*)>([^<]*)</text>)");
    static const std::regex attribute(R"re(([a-z-]+)="([^"]*)")re");
    std::vector<PlacedText> out;
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), text_element); it != std::sregex_iterator(); ++it) {
        const std::string attributes = (*it)[1];
        if (attributes.find("transform") != std::string::npos) continue;
        double x = 0.0, y = 0.0, size = 11.0;
        std::string anchor = "start";
        for (auto a = std::sregex_iterator(attributes.begin(), attributes.end(), attribute); a != std::sregex_iterator(); ++a) {
            const std::string name = (*a)[1];
            const std::string value = (*a)[2];
            if (name == "x") x = std::stod(value);
            if (name == "y") y = std::stod(value);
            if (name == "font-size") size = std::stod(value);
            if (name == "text-anchor") anchor = value;
        }
        const std::string text = unescape((*it)[2]);
        out.push_back({text, estimate_text_box(x, y, text, size, anchor)});
    }
    return out;
}

void check_no_overlap(const std::string& svg) {
    const std::vector<PlacedText> texts = texts_of(svg);
    CHECK(texts.size() >= 4);
    for (std::size_t a = 0; a < texts.size(); ++a) {
        for (std::size_t b = a + 1; b < texts.size(); ++b) {
            INFO("'" << texts[a].text << "' and '" << texts[b].text << "'");
            CHECK_FALSE(texts[a].box.meets(texts[b].box));
        }
    }
}

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("the grid's running cell is the headline run, on the same seeds", "[report]") {
    const StressReport report = build_stress_report(testing::small_wild_market(), grid_options()).value();
    // One parameter at a time around (3%, 1.5%): the running cell, 5% at 1.5%, 3% at 1%.
    REQUIRE(report.grid.size() == 3);
    CHECK(report.grid_paths == report.statistics.paths);
    const GridCell& running = running_cell(report);
    CHECK(running.maintenance_margin == 0.03);
    CHECK(running.liquidation_penalty == 0.015);
    // Equal, not close: the cell was read from the headline run.
    CHECK(running.depletion.depleted_paths == report.statistics.depleted_paths);
    CHECK(running.depletion.paths == report.statistics.paths);
    CHECK(running.depletion.probability.estimate == report.statistics.depletion_wilson.estimate);
    CHECK(running.depletion.probability.lower == report.statistics.depletion_wilson.lower);
    CHECK(running.depletion.probability.upper == report.statistics.depletion_wilson.upper);
    CHECK(running.mean_bad_debt == Approx(report.statistics.mean_bad_debt).epsilon(1e-12));
    CHECK(running.mean_liquidations == Approx(report.statistics.mean_liquidations).epsilon(1e-12));
    CHECK(running.required_fund == report.calibrated.back().size);
    CHECK(running.bad_debt.lower <= running.mean_bad_debt);
    CHECK(running.bad_debt.upper >= running.mean_bad_debt);
    // The other cells ran with the same seeds: a direct run of (5%, 1.5%) gives the same count.
    const GridCell* tighter = nullptr;
    for (const GridCell& c : report.grid) tighter = c.maintenance_margin == 0.05 ? &c : tighter;
    REQUIRE(tighter != nullptr);
    Scenario direct = testing::small_wild_market();
    direct.market.tiers[0] = MarginTier{std::numeric_limits<std::int64_t>::max(), Ppm{83'333}, Ppm{50'000}};
    std::uint64_t depleted = 0;
    for (const PathSummary& path : run(direct).paths) depleted += path.depleted() ? 1u : 0u;
    CHECK(tighter->depletion.depleted_paths == depleted);
}

TEST_CASE("a smaller grid runs on the run's first seeds and agrees with the headline within its interval", "[report]") {
    StressReportOptions options = grid_options();
    options.grid_paths = 12;  // a notebook's quick grid
    const StressReport report = build_stress_report(testing::small_wild_market(), options).value();
    CHECK(report.grid_paths == 12);
    const GridCell& running = running_cell(report);
    CHECK(running.depletion.paths == 12);
    const double headline = report.statistics.depletion_wilson.estimate;
    CHECK(running.depletion.probability.lower <= headline);
    CHECK(headline <= running.depletion.probability.upper);
    // The first 12 paths of the headline run, exactly.
    Scenario first = testing::small_wild_market();
    first.paths = 12;
    std::uint64_t depleted = 0;
    for (const PathSummary& path : run(first).paths) depleted += path.depleted() ? 1u : 0u;
    CHECK(running.depletion.depleted_paths == depleted);
    // More paths than the run: the run's paths.
    options.grid_paths = 1'000;
    CHECK(build_stress_report(testing::small_wild_market(), options).value().grid_paths == 24);
}

TEST_CASE("one parameter at a time runs the full grid's cells that differ in one parameter", "[report]") {
    StressReportOptions options = grid_options();
    const StressReport cross = build_stress_report(testing::small_wild_market(), options).value();
    options.grid.one_at_a_time = false;
    const StressReport full = build_stress_report(testing::small_wild_market(), options).value();
    REQUIRE(full.grid.size() == 4);
    std::size_t running = 0;
    for (const GridCell& c : full.grid) running += c.running ? 1u : 0u;
    CHECK(running == 1);
    for (const GridCell& c : cross.grid) {
        const auto same = std::find_if(full.grid.begin(), full.grid.end(), [&](const GridCell& f) {
            return f.maintenance_margin == c.maintenance_margin && f.liquidation_penalty == c.liquidation_penalty;
        });
        REQUIRE(same != full.grid.end());
        CHECK(same->depletion.depleted_paths == c.depletion.depleted_paths);
        CHECK(same->mean_bad_debt == c.mean_bad_debt);
        CHECK(same->running == c.running);
    }
}

TEST_CASE("chart labels never overlap, axes carry units, every frontier series is in the legend", "[report]") {
    // Crowded on purpose: four markers within a few pixels (VaR and ES close together), two
    // reference lines, a long legend.
    SvgPlot plot({0.0, 100.0}, {0.0, 10.0}, "loss (USDC)", "paths (count)");
    for (const double x : {90.0, 91.0, 92.5, 93.0}) plot.vertical(x, "#d94801", fmt::format("ES 97.5%: {}k", x));
    plot.horizontal(5.0, "#555", "target 5%");
    plot.horizontal(5.2, "#555", "target 5.2%");
    plot.vertical(50.0, "#555", "this fund: 250k");
    plot.annotate(50.0, 5.0, "this market", "#000");
    for (int i = 0; i < 9; ++i) plot.legend("#888", fmt::format("series number {}", i));
    const std::string svg = plot.svg("crowded");
    check_no_overlap(svg);
    CHECK(svg.find(R"(class="axis-label x")") != std::string::npos);
    CHECK(svg.find(R"(class="axis-label y")") != std::string::npos);

    StressReportOptions options = grid_options();
    options.grid.one_at_a_time = false;
    options.grid_penalties = {0.005, 0.01, 0.015, 0.02};
    options.grid_maintenance = {0.03, 0.05};
    options.grid_paths = 12;
    const StressReport report = build_stress_report(testing::small_wild_market(), options).value();
    for (const std::string& chart : std::vector<std::string>{risk::detail::fan_chart_svg(report), risk::detail::loss_histogram_svg(report),
                                     risk::detail::depletion_curve_svg(report), risk::detail::frontier_svg(report)}) {
        check_no_overlap(chart);
        CHECK(std::regex_search(chart, std::regex(R"(class="axis-label x"[^>]*>[^<]*\([^)]+\)</text>)")));
        CHECK(std::regex_search(chart, std::regex(R"(class="axis-label y"[^>]*>[^<]*\([^)]+\)</text>)")));
    }
    const std::string frontier = risk::detail::frontier_svg(report);
    for (const char* penalty : {"penalty 0.5%", "penalty 1%", "penalty 1.5%", "penalty 2%"}) {
        CHECK(frontier.find(penalty) != std::string::npos);
    }
    CHECK(frontier.find("this market") != std::string::npos);
    // Error bars (the plot's only paths drawn 1.2 wide): one per cell.
    std::size_t bars = 0;
    const std::string bar = "stroke-width=\"1.2\" fill=\"none\"/>";
    for (std::size_t at = frontier.find(bar); at != std::string::npos; at = frontier.find(bar, at + 1)) ++bars;
    CHECK(bars == report.grid.size());
}

TEST_CASE("numbers for people: separators, units, percentages", "[report]") {
    CHECK(grouped(1234567.891, 2) == "1,234,567.89");
    CHECK(grouped(-1234.6) == "-1,235");
    CHECK(grouped(-0.4) == "0");
    CHECK(grouped(999.0) == "999");
    CHECK(grouped(1000.0) == "1,000");
    CHECK(usdc(250'000.0) == "250,000 USDC");
    CHECK(percent(0.0283) == "2.8%");
    CHECK(percent(0.0042) == "0.42%");
    CHECK(percent(0.125) == "12.5%");
    CHECK(percent(0.0) == "0%");
    CHECK(percent_interval(BinomialInterval{0.0283, 0.0178, 0.0449}) == "2.8% (1.8% to 4.5%)");

    const StressReport report = build_stress_report(testing::small_wild_market(), grid_options()).value();
    const std::string html = report_html(report);
    CHECK(html.find("<h2>What was simulated</h2>") != std::string::npos);
    CHECK(html.find("initial margin 5.0%, maintenance 3.0% (up to 20x leverage), liquidation penalty 1.5%") !=
          std::string::npos);
    CHECK(html.find("Traders: 150, entering over the first 24 steps, leverage uniform from 2x to 20x") != std::string::npos);
    CHECK(html.find("starts at 100 USDC") != std::string::npos);
    CHECK(html.find("liquidations per path with 150 traders") != std::string::npos);
    CHECK(html.find("depletion with no fund at all") != std::string::npos);
    CHECK(html.find("Per market") == std::string::npos);  // one market: no per-market table
    // Every headline figure with its interval: bootstrap for VaR and ES, normal for the means.
    REQUIRE(report.intervals.value_at_risk.size() == report.statistics.fund_loss.size());
    for (std::size_t i = 0; i < report.statistics.fund_loss.size(); ++i) {
        CHECK(report.intervals.value_at_risk[i].estimate == report.statistics.fund_loss[i].value_at_risk);
        CHECK(report.intervals.expected_shortfall[i].estimate == report.statistics.fund_loss[i].expected_shortfall);
        CHECK(report.intervals.value_at_risk[i].lower <= report.intervals.value_at_risk[i].upper);
    }
    CHECK(report.intervals.bad_debt.mean == Approx(report.statistics.mean_bad_debt));
    CHECK(report.intervals.bad_debt.lower <= report.intervals.bad_debt.mean);
    CHECK(report.intervals.fund_final.upper >= report.mean_fund_final);
    CHECK(count_of(html, "(bootstrap)") == 2 * report.statistics.fund_loss.size() + 2);
    CHECK(report.intervals.fund_min_median.estimate == report.statistics.fund_min_median);
    CHECK(count_of(html, "(normal)") == 5);
    const std::string console = console_summary(report);
    CHECK(console.find("simulated: BTC (IM 5.0%, MM 3.0%, penalty 1.5%)") != std::string::npos);
    CHECK(console.find(" USDC") != std::string::npos);
}

TEST_CASE("several markets: a per-market table in every format, next to the total", "[report]") {
    StressReport report = build_stress_report(testing::small_wild_market(), grid_options()).value();
    CHECK(report_to_json(report).contains("markets") == false);
    MarketStatistics btc;
    btc.name = "BTC";
    btc.shortfall_paths = 3;
    btc.shortfall = BinomialInterval{0.125, 0.0434, 0.3100};
    btc.first_shortfall_paths = 2;
    btc.first_shortfall = BinomialInterval{0.0833, 0.0231, 0.2580};
    btc.mean_liquidations = 1234.5;
    btc.mean_bad_debt = BinomialInterval{53'163.72, 44'100.0, 62'227.5};
    btc.mean_socialized = 17'939.87;
    btc.mean_closed_notional = 44'292'762.0;
    btc.price_drawdown_median = 0.183;
    MarketStatistics eth = btc;
    eth.name = "ETH";
    eth.shortfall_paths = 1;
    eth.shortfall = BinomialInterval{0.0417, 0.0074, 0.2024};
    eth.first_shortfall_paths = 1;
    eth.first_shortfall = eth.shortfall;
    report.statistics.markets = {btc, eth};

    const std::string html = report_html(report);
    CHECK(html.find("<h2>Per market</h2>") != std::string::npos);
    CHECK(html.find("<td>BTC</td><td>3 of 24</td><td>12.5% (4.3% to 31.0%)</td><td>8.3% (2.3% to 25.8%)</td><td>1,234.5</td>"
                    "<td>53,164 USDC (44,100 to 62,228)</td><td>17,940</td><td>44,292,762</td><td>18.3%</td>") !=
          std::string::npos);
    CHECK(html.find("<td>ETH</td><td>1 of 24</td><td>4.2% (0.74% to 20.2%)</td>") != std::string::npos);
    CHECK(html.find("all markets: fund depleted") != std::string::npos);

    const nlohmann::json json = report_to_json(report);
    REQUIRE(json["markets"].size() == 2);
    CHECK(json["markets"][1]["name"] == "ETH");
    CHECK(json["markets"][0]["shortfall"]["upper"].get<double>() == 0.31);
    CHECK(json["markets"][0]["first_shortfall_paths"] == 2);
    CHECK(json["markets"][0]["first_shortfall"]["lower"].get<double>() == 0.0231);
    CHECK(json["markets"][0]["bad_debt"]["lower"].get<double>() == 44'100.0);
    CHECK(json["markets"][0]["price_drawdown_median"].get<double>() == 0.183);

    bool found = false;
    for (const CsvTable& t : report_csv_tables(report)) {
        if (t.name != "markets") continue;
        found = true;
        CHECK(t.text.rfind("market,shortfall_paths,paths,shortfall,shortfall_lower,shortfall_upper,first_shortfall_paths,", 0) == 0);
        CHECK(t.text.find("\nETH,1,24,") != std::string::npos);
    }
    CHECK(found);
    const std::string console = console_summary(report);
    CHECK(console.find("market ETH") != std::string::npos);
    CHECK(console.find("4.17%  [0.74%, 20.24%];  4.17%;") != std::string::npos);
    CHECK(console.find("12.50%  [4.34%, 31.00%];  8.33%;") != std::string::npos);
}

TEST_CASE("a run of three markets: the report lists each market and its figures from the run", "[report]") {
    const Scenario s = testing::small_three_markets();
    StressReportOptions options = grid_options();
    options.grid_paths = 0;
    const StressReport report = build_stress_report(s, options).value();
    REQUIRE(report.statistics.markets.size() == 3);
    const std::string html = report_html(report);
    for (std::size_t k = 0; k < 3; ++k) {
        const std::string& name = s.market_name_of(k);
        CHECK(html.find("<li>Market: <b>" + name + "</b> perpetual") != std::string::npos);
        CHECK(html.find("<tr><td>" + name + "</td>") != std::string::npos);
    }
    CHECK(html.find("<h2>Per market</h2>") != std::string::npos);
    CHECK(html.find("second market on the same cross-margined account") != std::string::npos);
    CHECK(report_to_json(report)["markets"].size() == 3);
    CHECK(console_summary(report).find("market " + s.market_name_of(2)) != std::string::npos);
}

}  // namespace test_risk_report_grid_test
