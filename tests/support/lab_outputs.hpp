// What the lab's tests compare between runs: every path's results as bytes (equal bytes, equal
// bits), and a small report's options (a short grid, one calibration target).
#pragma once

#include <backstop/risk/path_codec.hpp>
#include <backstop/risk/path_summary.hpp>
#include <backstop/risk/report/stress_report.hpp>

#include <vector>

namespace backstop::testing {

inline std::vector<unsigned char> bytes_of(const risk::PathSummary& summary) {
    std::vector<unsigned char> out;
    risk::ByteWriter writer(out);
    encode(writer, summary);
    return out;
}

// Every summary and recorded series of a run.
inline std::vector<unsigned char> bytes_of(const risk::RunResult& result) {
    std::vector<unsigned char> out;
    risk::ByteWriter writer(out);
    for (const risk::PathSummary& s : result.paths) encode(writer, s);
    for (const auto& series : result.fund_paths) writer.put_series(series);
    for (const auto& series : result.target_paths) writer.put_series(series);
    return out;
}

inline risk::StressReportOptions small_report_options() {
    risk::StressReportOptions o;
    o.targets = {0.25};
    o.grid_maintenance = {0.02, 0.05};
    o.grid_penalties = {0.0, 0.015};
    o.grid_paths = 6;
    o.curve_points = 20;
    return o;
}

}  // namespace backstop::testing
