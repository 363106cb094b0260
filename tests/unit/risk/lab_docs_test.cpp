// docs/risk-lab.md shows the ADL benchmark's table and chart: they must be what the code computes
// today, so a change of the event, a policy or the report's format fails here until the page is
// regenerated (the table: adl_benchmark_markdown; the chart: docs/images/adl_benchmark.svg).
#include <backstop/risk/report/adl_report.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

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

}  // namespace

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
