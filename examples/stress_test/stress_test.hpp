// The demo's three parts, in three translation units so that a fresh build compiles them in
// parallel (the README's demo command counts its build time): the command line (main.cpp, CLI11),
// the simulation (simulate.cpp, the engine) and the files (files.cpp, nlohmann-json: scenario
// files and the report's writers).
#pragma once

#include <backstop/risk/report/stress_report.hpp>

#include <filesystem>
#include <string>

namespace stress_test {

backstop::Result<backstop::risk::StressReport> simulate(const backstop::risk::Scenario& scenario,
                                                        const backstop::risk::StressReportOptions& options,
                                                        backstop::risk::Progress* progress);

// Reads a scenario file over `scenario` (fields it does not give keep their values); returns an
// empty string or why not.
std::string load_scenario(const std::filesystem::path& file, backstop::risk::Scenario& scenario);
std::string save_scenario(const backstop::risk::Scenario& scenario, const std::filesystem::path& file);

// The console summary.
std::string summary(const backstop::risk::StressReport& report);

// Writes report.html, report.json and csv/ to `folder`; returns an empty string or why not.
std::string write(const backstop::risk::StressReport& report, const std::filesystem::path& folder);

}  // namespace stress_test
