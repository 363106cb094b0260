// docs/risk-lab.md shows the ADL benchmark's table and chart: they must be what the code computes
// today, so a change of the event, a policy or the report's format fails here until the page is
// regenerated (the table: adl_benchmark_markdown; the chart: docs/images/adl_benchmark.svg).
// The docs' lab tables come from runs too long for the test command; their first paths are pinned
// here instead, so a change of the lab's numbers fails until those tables are taken again.
#include <backstop/core/hash.hpp>
#include <backstop/risk/path_codec.hpp>
#include <backstop/risk/report/adl_report.hpp>
#include <backstop/risk/report/scenario_json.hpp>
#include <backstop/risk/scenario_presets.hpp>
#include <backstop/risk/simulator.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace test_risk_lab_docs_test {

namespace {

std::string read_source_file(const char* relative) {
    std::string path = BACKSTOP_SOURCE_DIR;
    path += "/";
    path += relative;
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// The paths' summaries, every field as the MPI codec writes it (little-endian bytes), hashed in
// 8-byte words.
std::uint64_t paths_digest(const backstop::risk::RunResult& result) {
    std::vector<unsigned char> bytes;
    backstop::risk::ByteWriter out(bytes);
    for (const backstop::risk::PathSummary& path : result.paths) backstop::risk::encode(out, path);
    bytes.resize((bytes.size() + 7) / 8 * 8, 0);
    backstop::StableHash hash;
    for (std::size_t k = 0; k < bytes.size(); k += 8) {
        std::uint64_t word = 0;
        std::memcpy(&word, bytes.data() + k, 8);
        hash.add(word);
    }
    return hash.value();
}

// As the CLI reads a scenario file: over the demo scenario.
backstop::risk::Scenario scenario_file(const char* relative) {
    const backstop::risk::ScenarioFromJson loaded =
        backstop::risk::scenario_from_json_text(read_source_file(relative), backstop::risk::demo_scenario());
    INFO(relative << ": " << loaded.error);
    REQUIRE(loaded.ok());
    return loaded.scenario;
}

}  // namespace

// The runs behind the docs' lab tables, each on its first two paths (one thread; the lab is
// bit-identical for any number of threads, ranks and instruction sets). When a digest changes,
// the lab's numbers changed: take the tables named here again with the commands their pages
// give, then update the digest. 1063a65 changed GarchT's numbers and six tables went stale for
// two days (found by hand on 2026-12-07).
TEST_CASE("the docs' lab tables come from runs whose first paths are as when the tables were taken", "[docs][risk]") {
    using namespace backstop::risk;
    struct Pinned {
        const char* runs;  // the runs, and the docs' tables that come from them
        Scenario scenario;
        std::uint64_t digest;
    };
    Scenario garch_t;  // the library's default scenario: penalty_comparison and currency_mismatch start from it
    garch_t.fund.initial = 20'000.0;
    garch_t.shocks = {{36, std::log(0.88)}};  // penalty_comparison's gap
    garch_t.seed = 7;
    const Pinned pinned[] = {
        {"GarchT, the default scenario: management.md's dynamic penalty and currency-mismatch tables", garch_t,
         11594660667010814105u},
        {"GarchJump, the demo: the README's demo, risk-lab.md's predictive margins and fund target", demo_scenario(),
         18222106252616235394u},
        {"CorrelatedMarkets, --preset three-markets: risk-lab.md's three-markets table", three_markets_scenario(),
         8668804323745880501u},
        {"staking_run.json: management.md's run on the fund", scenario_file("examples/data/staking_run.json"),
         13564854267137056156u},
        {"yield_run.json: management.md's yield table", scenario_file("examples/data/yield_run.json"),
         3775394899402009809u},
        {"hedge_run.json: management.md's hedged against unhedged", scenario_file("examples/data/hedge_run.json"),
         8537334889848175979u},
    };
    for (const Pinned& p : pinned) {
        Scenario s = p.scenario;
        s.paths = 2;
        s.threads = 1;
        const RunResult result = run(s);
        INFO(p.runs << ": digest " << paths_digest(result));
        CHECK(paths_digest(result) == p.digest);
    }
}

TEST_CASE("docs/risk-lab.md shows the ADL benchmark's table and chart as the code computes them", "[adl_optimal][docs]") {
    using namespace backstop::risk;
    const AdlBenchmarkResult result = run_adl_benchmark(AdlBenchmarkConfig{});
    const std::string markdown = adl_benchmark_markdown(result);
    // The table: its header, separator and one row per policy (the paragraphs after it may wrap).
    std::istringstream lines(markdown);
    std::string table;
    std::string line;
    while (std::getline(lines, line) && !line.empty()) table += line + "\n";
    REQUIRE(table.find("production queue") != std::string::npos);
    const std::string page = read_source_file("docs/risk-lab.md");
    CHECK(page.find(table) != std::string::npos);
    CHECK(read_source_file("docs/images/adl_benchmark.svg") == detail::adl_chart_svg(result));
}

}  // namespace test_risk_lab_docs_test
