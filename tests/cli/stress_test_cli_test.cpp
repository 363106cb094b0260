// The demo's command line, run as a user runs it: the console figures are the report's JSON
// figures; --help; a saved scenario reproduces the report bit for bit; bad options and bad
// scenario files give a clear message and exit code 2, never a crash and never a report.
#include <backstop/risk/report/report_json.hpp>

#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

struct Outcome {
    int exit_code = -1;
    std::string out;
    std::string err;
};

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Runs the demo with `arguments` (shell words), stdout and stderr to files (not a terminal).
Outcome run_demo(const std::string& arguments, const std::string& name) {
    const fs::path folder = fs::path(BACKSTOP_TEST_OUTPUT) / name;
    fs::remove_all(folder);
    fs::create_directories(folder);
    const std::string command = std::string("cd '") + folder.string() + std::string("' && '") + BACKSTOP_STRESS_TEST + "' " +
                                arguments + " > stdout.txt 2> stderr.txt";
    const int status = std::system(command.c_str());
    Outcome outcome;
    outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    outcome.out = read_file(folder / "stdout.txt");
    outcome.err = read_file(folder / "stderr.txt");
    return outcome;
}

// The value column of the console line whose label is `label` (labels end at two spaces).
std::string console_value(const std::string& console, const std::string& label) {
    std::istringstream lines(console);
    std::string line;
    while (std::getline(lines, line)) {
        const std::string prefix = std::string("  ") + label + "  ";
        if (line.rfind(prefix, 0) == 0) {
            const auto start = line.find_first_not_of(' ', prefix.size());
            return start == std::string::npos ? "" : line.substr(start);
        }
    }
    FAIL("no console line labelled '" << label << "' in:\n" << console);
    return "";
}

// The console writes money with thousands separators and its unit ("1,234.56 USDC") and
// probabilities as percentages ("4.17%"): the number as a fraction or in quote units.
double number(std::string text) {
    text.erase(std::remove(text.begin(), text.end(), ','), text.end());
    std::size_t used = 0;
    const double x = std::stod(text, &used);
    return used < text.size() && text[used] == '%' ? x / 100.0 : x;
}
double first_number(const std::string& text) { return number(text.substr(0, text.find("  "))); }
// "4.17%  [0.74%, 20.24%]" -> the bracketed pair, as fractions
std::pair<double, double> bracket(const std::string& text) {
    const auto open = text.find('[');
    const auto comma = text.find(", ", open);
    REQUIRE(open != std::string::npos);
    return {number(text.substr(open + 1, comma - open - 1)), number(text.substr(comma + 2))};
}

const char* small_run = "--paths 48 --traders 200 --days 4 --grid-paths 6 --threads 2 --fund 2000";

}  // namespace

TEST_CASE("the console figures are the report's JSON figures", "[cli]") {
    const Outcome run = run_demo(small_run, "figures");
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(run.err.empty());  // stderr is not a terminal: no progress bar
    CHECK(run.out.find("report: stress-report/report.html") != std::string::npos);
    const fs::path folder = fs::path(BACKSTOP_TEST_OUTPUT) / "figures" / "stress-report";
    CHECK(fs::exists(folder / "report.html"));
    CHECK(fs::exists(folder / "csv" / "depletion_curve.csv"));
    const nlohmann::json json = nlohmann::json::parse(read_file(folder / "report.json"));
    const nlohmann::json& summary = json["summary"];
    const auto money = Approx::custom().margin(0.005 + 1e-9);  // printed with two decimals
    const auto probability = Approx::custom().margin(0.00005 + 1e-12);  // four decimals

    CHECK(console_value(run.out, "depleted paths") ==
          std::to_string(summary["depleted_paths"].get<std::uint64_t>()) + " of 48");
    const std::string wilson = console_value(run.out, "depletion probability (Wilson)");
    CHECK(first_number(wilson) == probability(summary["depletion_wilson"]["estimate"].get<double>()));
    CHECK(bracket(wilson).first == probability(summary["depletion_wilson"]["lower"].get<double>()));
    CHECK(bracket(wilson).second == probability(summary["depletion_wilson"]["upper"].get<double>()));
    const std::string exact = console_value(run.out, "depletion probability (C-P)");
    CHECK(bracket(exact).second == probability(summary["depletion_clopper_pearson"]["upper"].get<double>()));
    CHECK(first_number(console_value(run.out, "fund loss VaR 99%")) ==
          money(summary["fund_loss_tail"][1]["value_at_risk"].get<double>()));
    CHECK(first_number(console_value(run.out, "fund loss ES 99%")) ==
          money(summary["fund_loss_tail"][1]["expected_shortfall"].get<double>()));
    CHECK(first_number(console_value(run.out, "fund loss VaR 97.5%")) ==
          money(summary["fund_loss_tail"][0]["value_at_risk"].get<double>()));
    CHECK(first_number(console_value(run.out, "mean bad debt")) == money(summary["mean_bad_debt"].get<double>()));
    CHECK(first_number(console_value(run.out, "mean socialized")) == money(summary["mean_socialized"].get<double>()));
    CHECK(first_number(console_value(run.out, "mean final fund")) == money(summary["mean_fund_final"].get<double>()));
    CHECK(first_number(console_value(run.out, "mean liquidations per path")) ==
          money(summary["mean_liquidations"].get<double>()));
    CHECK(console_value(run.out, "paths not conserved") == "0");
    const std::string five = console_value(run.out, "fund for 5% depletion");
    CHECK(first_number(five) == money(json["calibration"][0]["size"].get<double>()));
    CHECK(first_number(console_value(run.out, "socialized under pro-rata")) ==
          money(json["policies"][1]["mean_socialized"].get<double>()));
    std::size_t frontier = 0;
    for (const auto& cell : json["grid"]["cells"]) frontier += cell["on_frontier"].get<bool>() ? 1u : 0u;
    // The default grid: one parameter at a time around the market that ran (3 cells), on the run's
    // first 6 seeds; the running cell's line is its JSON cell.
    CHECK(console_value(run.out, "grid cells on the frontier") == std::to_string(frontier) + " of 3");
    CHECK(json["grid"]["paths_per_cell"].get<std::uint32_t>() == 6);
    for (const auto& cell : json["grid"]["cells"]) {
        if (!cell["running"].get<bool>()) continue;
        const std::string running = console_value(run.out, "grid: this market's cell");
        CHECK(first_number(running) == probability(cell["depletion"]["estimate"].get<double>()));
        CHECK(bracket(running).second == probability(cell["depletion"]["upper"].get<double>()));
    }
    // What was simulated, in words, before the figures.
    CHECK(run.out.find("simulated: BTC (IM 5.0%, MM 3.0%, penalty 1.5%); garch-jump model; 96 steps of 1 h; 200 traders") !=
          std::string::npos);
    // The run is not trivial: the small fund is depleted on some paths.
    CHECK(summary["depleted_paths"].get<std::uint64_t>() > 0);
}

TEST_CASE("a run shows a progress bar on a terminal once --progress-after has passed, and only there", "[cli]") {
    // `script` (util-linux) runs the demo on a pseudo-terminal; what the terminal showed lands in
    // the typescript file, stderr and stdout together. With --progress-after 0 the bar is drawn
    // at the first check, after 0.1 s, and every 0.1 s after it: this run takes about 1 s on the
    // faster machine of docs/benchmarks.md (2026-12-06), so the bar shows many times over on any
    // machine (the default, one second, made the test depend on how fast the machine was).
    const std::string run = "--paths 300 --traders 1500 --days 16 --grid-paths 0 --threads 1";
    const std::string arguments = run + " --progress-after 0";
    // What a terminal shows of the demo run with `options`, in folder `name`.
    const auto on_terminal = [](const std::string& options, const char* name) {
        const fs::path folder = fs::path(BACKSTOP_TEST_OUTPUT) / name;
        fs::remove_all(folder);
        fs::create_directories(folder);
        const std::string command = std::string("cd '") + folder.string() + "' && script -qec \"'" +
                                    BACKSTOP_STRESS_TEST + "' " + options + "\" typescript.txt > /dev/null 2>&1";
        const int status = std::system(command.c_str());
        REQUIRE(WIFEXITED(status));
        REQUIRE(WEXITSTATUS(status) == 0);
        return read_file(folder / "typescript.txt");
    };
    const std::string shown = on_terminal(arguments, "progress");
    INFO(shown);
    CHECK(shown.find("] ") != std::string::npos);
    CHECK(shown.find("paths") != std::string::npos);
    CHECK(shown.find("[#") != std::string::npos);  // the bar, partly filled
    CHECK(shown.find("report: stress-report/report.html") != std::string::npos);
    // The same run with stderr to a file: no bar.
    const Outcome to_file = run_demo(arguments, "no-progress");
    CHECK(to_file.exit_code == 0);
    CHECK(to_file.err.empty());
    // On a terminal, before --progress-after has passed: no bar either.
    const std::string later = on_terminal(run + " --progress-after 3600", "progress-later");
    INFO(later);
    CHECK(later.find("[#") == std::string::npos);
    CHECK(later.find("report: stress-report/report.html") != std::string::npos);
}

TEST_CASE("--help lists the options and exits 0", "[cli]") {
    const Outcome run = run_demo("--help", "help");
    CHECK(run.exit_code == 0);
    for (const char* option : {"--paths", "--seed", "--model", "--fund", "--policy", "--threads", "--out",
                               "--scenario", "--save-scenario", "--grid-paths", "--full-grid", "--progress-after"}) {
        CHECK(run.out.find(option) != std::string::npos);
    }
}

TEST_CASE("a saved scenario reproduces the report bit for bit, on any number of threads", "[cli]") {
    const Outcome first = run_demo(std::string(small_run) + " --seed 7 --save-scenario scenario.json", "save");
    REQUIRE(first.exit_code == 0);
    const fs::path saved = fs::path(BACKSTOP_TEST_OUTPUT) / "save" / "scenario.json";
    REQUIRE(fs::exists(saved));
    const Outcome second =
        run_demo(std::string("--scenario '") + saved.string() + "' --threads 1 --grid-paths 6 --out again", "load");
    REQUIRE(second.exit_code == 0);
    nlohmann::json a = nlohmann::json::parse(read_file(fs::path(BACKSTOP_TEST_OUTPUT) / "save" / "stress-report" /
                                                       "report.json"));
    nlohmann::json b = nlohmann::json::parse(read_file(fs::path(BACKSTOP_TEST_OUTPUT) / "load" / "again" /
                                                       "report.json"));
    CHECK(b["scenario"]["threads"] == 1);
    a["scenario"]["threads"] = 1;
    CHECK(a.dump() == b.dump());
    CHECK(b["scenario"]["seed"] == 7);
}

TEST_CASE("bad options and bad scenario files: a clear message, exit code 2, no report", "[cli]") {
    const fs::path folder = fs::path(BACKSTOP_TEST_OUTPUT);
    fs::create_directories(folder);
    std::ofstream(folder / "broken.json") << "{\"paths\": 10,";
    std::ofstream(folder / "typo.json") << "{\"pahts\": 10}";
    std::ofstream(folder / "wrong.json") << "{\"fund\": {\"initial\": \"lots\"}}";
    struct Case {
        std::string arguments;
        const char* message;
    };
    for (const Case& c : {
             Case{"--paths 1", "--paths"},
             Case{"--paths many", "--paths"},
             Case{"--fund -5", "--fund"},
             Case{"--progress-after -1", "--progress-after"},
             Case{"--model heston", "unknown model"},
             Case{"--policy magic", "unknown socialized-loss policy"},
             Case{"--fee-capture all", "unknown fee-capture policy"},
             Case{"--no-such-option", "no-such-option"},
             Case{"--scenario /nonexistent/file.json", "/nonexistent/file.json"},
             Case{std::string("--scenario '") + (folder / "broken.json").string() + "'", "not valid JSON"},
             Case{std::string("--scenario '") + (folder / "typo.json").string() + "'", "scenario.pahts: unknown field"},
             Case{std::string("--scenario '") + (folder / "wrong.json").string() + "'", "scenario.fund.initial: expected a number"},
         }) {
        const Outcome run = run_demo(c.arguments, "bad");
        INFO(c.arguments << "\nstdout: " << run.out << "\nstderr: " << run.err);
        CHECK(run.exit_code == 2);
        CHECK(run.err.find(c.message) != std::string::npos);
        CHECK(run.err.find("--help") != std::string::npos);
        CHECK_FALSE(fs::exists(folder / "bad" / "stress-report"));
    }
}

TEST_CASE("the three-market preset: per-market figures in the console and the report", "[cli][multi_market]") {
    const Outcome run = run_demo("--preset three-markets --paths 24 --traders 200 --days 4 --grid-paths 0 --threads 2 --fund 2000",
                                 "three-markets");
    INFO("stdout: " << run.out << "\nstderr: " << run.err);
    REQUIRE(run.exit_code == 0);
    for (const char* name : {"market BTC", "market ETH", "market ALT"}) CHECK(run.out.find(name) != std::string::npos);
    const nlohmann::json report = nlohmann::json::parse(
        read_file(fs::path(BACKSTOP_TEST_OUTPUT) / "three-markets" / "stress-report" / "report.json"));
    REQUIRE(report["markets"].size() == 3);
    CHECK(report["markets"][2]["name"] == "ALT");
    CHECK(report["scenario"]["more_markets"].size() == 2);
    CHECK(report["scenario"]["model"]["name"] == "correlated");

    // A one-market model on three markets, and an unknown preset: refused, exit code 2.
    const Outcome mismatched = run_demo("--preset three-markets --model garch --paths 4", "bad-preset");
    CHECK(mismatched.exit_code == 2);
    CHECK(mismatched.err.find("inconsistent markets") != std::string::npos);
    const Outcome unknown = run_demo("--preset moon", "bad-preset");
    CHECK(unknown.exit_code == 2);
    CHECK(unknown.err.find("unknown preset moon (known: demo three-markets)") != std::string::npos);
}

TEST_CASE("fit-garch option: the model fitted to a returns file is the one simulated", "[cli][garch_fit]") {
    std::string returns = BACKSTOP_SOURCE_DIR;
    returns += "/examples/data/synthetic_hourly_returns.csv";
    std::string arguments = "--fit-garch '";
    arguments += returns;
    arguments += "' --paths 8 --traders 100 --days 2 --grid-paths 0 --threads 2";
    const Outcome run = run_demo(arguments, "fit-garch");
    INFO("stdout: " << run.out << "\nstderr: " << run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(run.out.find("GARCH(1,1)-t fitted to") != std::string::npos);
    // The printed fit is the scenario's model in the report (the fit is deterministic).
    const nlohmann::json report = nlohmann::json::parse(
        read_file(fs::path(BACKSTOP_TEST_OUTPUT) / "fit-garch" / "stress-report" / "report.json"));
    const nlohmann::json& model = report["scenario"]["model"];
    CHECK(model["name"] == "garch");
    const double alpha = model["alpha"].get<double>();
    const double beta = model["beta"].get<double>();
    CHECK(alpha > 0.0);
    CHECK(alpha + beta < 1.0);
    char printed[32];
    std::snprintf(printed, sizeof printed, "alpha %.4f", alpha);
    CHECK(run.out.find(printed) != std::string::npos);

    // A file that is not returns, and an unknown innovation: refused with the line, exit code 2.
    const fs::path bad = fs::path(BACKSTOP_TEST_OUTPUT) / "bad_returns.csv";
    std::ofstream(bad) << "r\n0.01\nabc\n";
    std::string bad_arguments = "--fit-garch '";
    bad_arguments += bad.string();
    bad_arguments += "'";
    const Outcome refused = run_demo(bad_arguments, "fit-garch-bad");
    CHECK(refused.exit_code == 2);
    CHECK(refused.err.find("line 3") != std::string::npos);
    std::string innovation_arguments = "--fit-garch '";
    innovation_arguments += returns;
    innovation_arguments += "' --innovation cauchy";
    const Outcome innovation = run_demo(innovation_arguments, "fit-garch-bad-innovation");
    CHECK(innovation.exit_code == 2);
}

// Each replay runs from its scenario file as a user runs it (fewer paths: the figures are not
// checked here, only that the report puts the published figure next to the simulated one).
TEST_CASE("the three incident replays run from the command line, published next to simulated", "[cli][incident]") {
    const std::pair<const char*, double> incidents[] = {
        {"bitmex_2020_03_12", 2606.0}, {"dydx_v3_yfi_2023_11", 9e6}, {"oct_10_2025", 15'079'670.0}};
    for (const auto& [file, published] : incidents) {
        std::string arguments = "--scenario '";
        arguments += BACKSTOP_SOURCE_DIR;
        arguments += "/examples/data/incidents/";
        arguments += file;
        arguments += ".json' --paths 6 --traders 300 --grid-paths 0 --threads 2";
        const Outcome run = run_demo(arguments, file);
        INFO(file << "\nstdout: " << run.out << "\nstderr: " << run.err);
        REQUIRE(run.exit_code == 0);
        CHECK(run.out.find("incident: published") != std::string::npos);
        CHECK(run.out.find("incident: simulated, mean") != std::string::npos);
        const fs::path folder = fs::path(BACKSTOP_TEST_OUTPUT) / file / "stress-report";
        const nlohmann::json report = nlohmann::json::parse(read_file(folder / "report.json"));
        CHECK(report["incident"]["published"].get<double>() == Approx(published).epsilon(0.01));
        CHECK(report["incident"]["simulated_mean"]["estimate"].get<double>() >= 0.0);
        const std::string html = read_file(folder / "report.html");
        CHECK(html.find("Incident replay") != std::string::npos);
    }
}

TEST_CASE("predictive-margin option: static against predictive margins in the console and the report", "[cli][predictive_margin]") {
    const Outcome run = run_demo("--predictive-margin --paths 12 --traders 200 --days 4 --grid-paths 0 --threads 2 --fund 2000",
                                 "predictive-margin");
    INFO("stdout: " << run.out << "\nstderr: " << run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(run.out.find("static margins") != std::string::npos);
    CHECK(run.out.find("predictive margins") != std::string::npos);
    // Every figure the console shows carries its interval: the forecast's r^2, the queue's spread.
    CHECK(run.out.find("out of sample") != std::string::npos);
    CHECK(run.out.find("forecast r^2 ") != std::string::npos);
    CHECK(run.out.find("] out of sample") != std::string::npos);
    CHECK(run.out.find("median over 20 seeds (p10-p90") != std::string::npos);
    const fs::path folder = fs::path(BACKSTOP_TEST_OUTPUT) / "predictive-margin" / "stress-report";
    const nlohmann::json report = nlohmann::json::parse(read_file(folder / "report.json"));
    const nlohmann::json& c = report["predictive_margin"];
    CHECK(c["static"]["paths"] == 12);
    // Static margins allow the market's 20x; the predictive ones never more.
    CHECK(c["static"]["leverage_allowed"]["mean"].get<double>() == Approx(20.0));
    CHECK(c["predictive"]["leverage_allowed"]["mean"].get<double>() <= 20.0);
    CHECK(c["predictive"]["margin_refusals"] == 0);
    CHECK(report["scenario"]["predictive_margin"]["step_max"].get<double>() == Approx(0.005));
    // And the ADL benchmark every report carries.
    CHECK(report["adl_benchmark"]["policies"].size() == 4);
    CHECK(read_file(folder / "report.html").find("Predictive margins against static margins") != std::string::npos);
    // The grid varies static margins: not run with predictive ones.
    CHECK(report["grid"]["cells"].empty());

    // Several markets: one filter would hold the more volatile ones at their caps; refused.
    const Outcome markets = run_demo("--preset three-markets --predictive-margin --paths 4", "predictive-markets");
    CHECK(markets.exit_code == 2);
    CHECK(markets.err.find("--predictive-margin: one market only") != std::string::npos);
}
