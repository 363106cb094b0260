// Writes a stress report to a folder: report.html (self-contained), report.json (every figure and
// the scenario), csv/<figure>.csv. Returns the written paths, or why it could not write.
#pragma once

#include "backstop/risk/report/report_csv.hpp"
#include "backstop/risk/report/report_html.hpp"
#include "backstop/risk/report/report_json.hpp"
#include "backstop/risk/report/stress_report.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

namespace backstop {
namespace risk {

struct WrittenReport {
    std::vector<std::filesystem::path> files;
    std::string error;  // empty: written
    bool ok() const { return error.empty(); }
};

namespace detail {
inline bool write_text(const std::filesystem::path& path, const std::string& text, WrittenReport& out) {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << text;
    file.close();
    if (!file) {
        out.error = std::string("cannot write ") + path.string();
        return false;
    }
    out.files.push_back(path);
    return true;
}
}  // namespace detail

inline WrittenReport write_report(const StressReport& report, const std::filesystem::path& folder) {
    WrittenReport out;
    std::error_code error;
    std::filesystem::create_directories(folder / "csv", error);
    if (error) {
        out.error = std::string("cannot create ") + (folder / "csv").string() + std::string(": ") + error.message();
        return out;
    }
    if (!detail::write_text(folder / "report.html", report_html(report), out)) return out;
    if (!detail::write_text(folder / "report.json", report_to_json(report).dump(1) + "\n", out)) return out;
    for (const CsvTable& table : report_csv_tables(report)) {
        if (!detail::write_text(folder / "csv" / (table.name + ".csv"), table.text, out)) return out;
    }
    return out;
}

}  // namespace risk
}  // namespace backstop
