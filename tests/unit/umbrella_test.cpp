// The umbrella headers stay complete: include/backstop.hpp includes every public header but the
// report's, the MPI ones and the detail ones, include/backstop_report.hpp includes it and every report header.
// Why: a notebook includes only the umbrella (docs/notebooks.md); a header added to a layer and
// forgotten there would be missing from every session, and nothing else would notice.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

// The targets of a file's #include "..." lines (the umbrellas use quotes only).
std::vector<std::string> quoted_includes(const fs::path& file) {
    std::vector<std::string> targets;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("#include \"", 0) != 0) continue;
        const auto close = line.find('"', 10);
        if (close != std::string::npos) targets.push_back(line.substr(10, close - 10));
    }
    return targets;
}

bool listed(const std::vector<std::string>& targets, const std::string& header) {
    return std::find(targets.begin(), targets.end(), header) != targets.end();
}

}  // namespace

TEST_CASE("the umbrella headers include every public header", "[layers][umbrella]") {
    const fs::path include_dir = BACKSTOP_INCLUDE_DIR;
    const std::vector<std::string> everything = quoted_includes(include_dir / "backstop.hpp");
    const std::vector<std::string> with_report = quoted_includes(include_dir / "backstop_report.hpp");
    CHECK(listed(with_report, "backstop.hpp"));
    std::vector<std::string> missing;
    int headers = 0;
    for (const auto& entry : fs::recursive_directory_iterator(include_dir / "backstop")) {
        if (!entry.is_regular_file() || entry.path().extension() != ".hpp") continue;
        const std::string header = fs::relative(entry.path(), include_dir).generic_string();
        if (header.find("/detail/") != std::string::npos) continue;  // reached through their users
        // MPI is optional: its headers need <mpi.h>, so no umbrella may include them.
        if (header.rfind("backstop/risk/mpi/", 0) == 0) {
            if (listed(everything, header) || listed(with_report, header)) missing.push_back(header + " is in an umbrella");
            continue;
        }
        ++headers;
        const bool report = header.rfind("backstop/risk/report/", 0) == 0;
        if (!listed(report ? with_report : everything, header)) {
            missing.push_back(header + (report ? " (backstop_report.hpp)" : " (backstop.hpp)"));
        }
        // The report needs nlohmann-json: it stays out of the plain umbrella.
        if (report && listed(everything, header)) missing.push_back(header + " is in backstop.hpp");
    }
    CHECK(headers > 100);
    CAPTURE(missing);
    CHECK(missing.empty());
}
