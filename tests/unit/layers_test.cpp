// Layering: a header includes only its own layer and the layers below it (brief section 1).
// Method: read every header under include/backstop, take each #include of a backstop header,
// and compare the layers' ranks. The umbrella include/backstop.hpp is exempt by design.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

// Lowest first. version.hpp sits beside core: it depends on nothing.
const std::vector<std::string> layer_order = {"core",   "money",      "ledger", "fund",
                                              "engine", "management", "risk"};

int layer_rank(const std::string& path_in_include) {
    // "backstop/money/amount.hpp" -> "money"
    const std::string prefix = "backstop/";
    if (path_in_include.rfind(prefix, 0) != 0) return -1;
    const std::string rest = path_in_include.substr(prefix.size());
    const auto slash = rest.find('/');
    if (slash == std::string::npos) return 0;  // backstop/version.hpp
    const auto found = std::find(layer_order.begin(), layer_order.end(), rest.substr(0, slash));
    return found == layer_order.end() ? -2 : static_cast<int>(found - layer_order.begin());
}

// Every #include target of a file (any library), as written.
std::vector<std::string> all_includes(const fs::path& file) {
    std::vector<std::string> includes;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        const auto hash = line.find_first_not_of(" \t");
        if (hash == std::string::npos || line[hash] != '#') continue;
        const auto word = line.find("include", hash);
        if (word == std::string::npos) continue;
        const auto open = line.find_first_of("<\"", word);
        if (open == std::string::npos) continue;
        const auto close = line.find_first_of(">\"", open + 1);
        if (close == std::string::npos) continue;
        includes.push_back(line.substr(open + 1, close - open - 1));
    }
    return includes;
}

std::vector<std::string> backstop_includes(const fs::path& file) {
    std::vector<std::string> includes;
    for (const std::string& target : all_includes(file)) {
        if (target.rfind("backstop", 0) == 0) includes.push_back(target);
    }
    return includes;
}

}  // namespace

TEST_CASE("no header includes a layer above its own", "[layers]") {
    const fs::path include_dir = BACKSTOP_INCLUDE_DIR;
    REQUIRE(fs::is_directory(include_dir / "backstop"));
    std::vector<std::string> violations;
    int headers_read = 0;
    for (const auto& entry : fs::recursive_directory_iterator(include_dir / "backstop")) {
        if (!entry.is_regular_file() || entry.path().extension() != ".hpp") continue;
        ++headers_read;
        const std::string own = fs::relative(entry.path(), include_dir).generic_string();
        const int own_rank = layer_rank(own);
        INFO(own);
        REQUIRE(own_rank >= 0);  // every header lives in a known layer folder
        for (const std::string& target : backstop_includes(entry.path())) {
            const int target_rank = layer_rank(target);
            if (target == "backstop.hpp" || target_rank < 0 || target_rank > own_rank) {
                violations.push_back(own + " includes " + target);
            }
        }
    }
    CHECK(headers_read > 10);
    CAPTURE(violations);
    CHECK(violations.empty());
}

TEST_CASE("the layer check sees a back-edge", "[layers]") {
    // The checker's canary: a money header that reached up into the engine must be flagged.
    CHECK(layer_rank("backstop/money/amount.hpp") < layer_rank("backstop/engine/margin_engine.hpp"));
    CHECK(layer_rank("backstop/risk/runner.hpp") > layer_rank("backstop/fund/insurance_fund.hpp"));
    CHECK(layer_rank("backstop/nonsense/x.hpp") < 0);
}


TEST_CASE("only the risk lab's report reaches for nlohmann-json, only risk/mpi for MPI, and no header for CLI11",
          "[layers]") {
    const fs::path include_dir = BACKSTOP_INCLUDE_DIR;
    std::vector<std::string> violations;
    int report_headers = 0;
    for (const auto& entry : fs::recursive_directory_iterator(include_dir / "backstop")) {
        if (!entry.is_regular_file() || entry.path().extension() != ".hpp") continue;
        const std::string own = fs::relative(entry.path(), include_dir).generic_string();
        const bool in_report = own.rfind("backstop/risk/report/", 0) == 0;
        report_headers += in_report ? 1 : 0;
        for (const std::string& target : all_includes(entry.path())) {
            if (target.rfind("CLI/", 0) == 0) violations.push_back(own + " includes " + target);
            if (target.rfind("nlohmann/", 0) == 0 && !in_report) violations.push_back(own + " includes " + target);
            // MPI is optional (BACKSTOP_WITH_MPI): only the headers that need it may include it.
            const bool in_mpi = own.rfind("backstop/risk/mpi/", 0) == 0;
            if ((target == "mpi.h" || target.rfind("backstop/risk/mpi/", 0) == 0) && !in_mpi) {
                violations.push_back(own + " includes " + target);
            }
            // A header outside the report must not pull the report in either.
            if (target.rfind("backstop/risk/report/", 0) == 0 && !in_report) {
                violations.push_back(own + " includes " + target);
            }
        }
    }
    CHECK(report_headers >= 5);
    CAPTURE(violations);
    CHECK(violations.empty());
}
