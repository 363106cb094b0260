// The simulation part of the demo: the engine and the fund in the loop (see stress_test.hpp).
#include "stress_test.hpp"

namespace stress_test {

backstop::Result<backstop::risk::StressReport> simulate(const backstop::risk::Scenario& scenario,
                                                        const backstop::risk::StressReportOptions& options,
                                                        backstop::risk::Progress* progress) {
    return backstop::risk::build_stress_report(scenario, options, progress);
}

}  // namespace stress_test
