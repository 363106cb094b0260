// The demo's files: scenario files and the report's writers (see stress_test.hpp).
#include "stress_test.hpp"

#include <backstop/risk/report/console_table.hpp>
#include <backstop/risk/report/report_files.hpp>
#include <backstop/risk/report/scenario_json.hpp>

#include <fstream>
#include <sstream>

namespace stress_test {

std::string load_scenario(const std::filesystem::path& file, backstop::risk::Scenario& scenario) {
    std::ifstream in(file);
    if (!in) return "cannot read the file";
    std::stringstream text;
    text << in.rdbuf();
    const backstop::risk::ScenarioFromJson loaded = backstop::risk::scenario_from_json_text(text.str(), scenario);
    if (!loaded.ok()) return loaded.error;
    scenario = loaded.scenario;
    return {};
}

std::string save_scenario(const backstop::risk::Scenario& scenario, const std::filesystem::path& file) {
    std::ofstream out(file, std::ios::trunc);
    out << backstop::risk::scenario_to_json(scenario).dump(2) << "\n";
    out.close();
    return out ? std::string() : std::string("cannot write ") + file.string();
}

std::string summary(const backstop::risk::StressReport& report) { return backstop::risk::console_summary(report); }

std::string write(const backstop::risk::StressReport& report, const std::filesystem::path& folder) {
    return backstop::risk::write_report(report, folder).error;
}

}  // namespace stress_test
