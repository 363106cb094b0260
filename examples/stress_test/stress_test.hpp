// The demo's three parts, in three translation units so that a fresh build compiles them in
// parallel (the README's demo command counts its build time): the command line (main.cpp), the
// simulation (simulate.cpp) and the report's writers (write.cpp).
#pragma once

#include <backstop/risk/report/stress_report.hpp>

#include <filesystem>
#include <string>

namespace stress_test {

backstop::Result<backstop::risk::StressReport> simulate(const backstop::risk::Scenario& scenario,
                                                        const backstop::risk::StressReportOptions& options,
                                                        backstop::risk::Progress* progress);

// The console summary.
std::string summary(const backstop::risk::StressReport& report);

// Writes report.html, report.json and csv/ to `folder`; returns an empty string or why not.
std::string write(const backstop::risk::StressReport& report, const std::filesystem::path& folder);

}  // namespace stress_test
