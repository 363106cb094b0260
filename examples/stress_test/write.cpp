// The report writers of the demo (see stress_test.hpp).
#include "stress_test.hpp"

#include <backstop/risk/report/console_table.hpp>
#include <backstop/risk/report/report_files.hpp>

namespace stress_test {

std::string summary(const backstop::risk::StressReport& report) { return backstop::risk::console_summary(report); }

std::string write(const backstop::risk::StressReport& report, const std::filesystem::path& folder) {
    return backstop::risk::write_report(report, folder).error;
}

}  // namespace stress_test
