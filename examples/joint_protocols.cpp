// Three perpetual venues whose markets crash together, each with its own engine, traders and
// insurance fund: how often each fund is depleted alone, when each buys the same treaty from one
// reinsurer (excess of loss, quota share, stop loss), and when they pool; and how often the
// reinsurer or the pool itself runs dry (contagion). Every arm on the same paths.
//
//   joint_protocols [--paths N] [--out DIR]     (defaults: 400 paths, ./joint-report)
//
// Writes DIR/joint_report.html and DIR/joint_report.json; prints the table.
#include <backstop/risk/joint_simulation.hpp>
#include <backstop/risk/report/joint_report.hpp>

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

using namespace backstop;
using namespace backstop::risk;

int main(int argc, char** argv) {
    std::uint64_t paths = 400;
    std::string out = "joint-report";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--paths") == 0) paths = std::strtoull(argv[i + 1], nullptr, 10);
        else if (std::strcmp(argv[i], "--out") == 0) out = argv[i + 1];
        else {
            fmt::print(stderr, "usage: joint_protocols [--paths N] [--out DIR]\n");
            return 2;
        }
    }
    JointSetup setup;
    setup.paths = paths;
    setup.seed = 2026;
    // A major, a second major and a thin alt: more volatile, and hit harder by the common crash.
    setup.markets.volatility_per_year = {0.5, 0.7, 1.0};
    setup.markets.jump_beta = {1.0, 1.2, 1.6};
    setup.markets.correlation = 0.7;
    setup.markets.jump_intensity_per_year = 8.0;
    setup.markets.jump_mean = -0.07;
    setup.markets.jump_volatility = 0.03;
    for (std::uint64_t k = 0; k < 3; ++k) {
        Scenario s;
        s.population.trader_count = 800;
        s.fund.initial = 60'000.0;
        s.horizon_steps = 720;  // 30 days hourly
        s.seed = 11 + k;
        setup.protocols.push_back(s);
    }
    SharingTerms& t = setup.terms;
    t.reinsurer_capital = 250'000.0;
    t.period_days = 1.0;
    t.xol_attachment = 2'000.0;  // per liquidation's deficit
    t.xol_limit = 40'000.0;
    t.xol_reinstatements = 10;
    t.xol_premium = 150.0;  // a day
    t.quota_share = 0.5;
    t.quota_premium = 150.0;
    t.stop_loss_attachment = 5'000.0;  // the day's losses
    t.stop_loss_limit = 60'000.0;
    t.stop_loss_premium = 150.0;
    t.pool_initial_contribution = 0.25;
    t.pool_contribution = 0.0;

    const Result<JointResult> result = run_joint(setup);
    if (!result) {
        fmt::print(stderr, "joint run refused: {}\n", result.error().detail);
        return 1;
    }
    fmt::print("{} paths, 3 protocols; depletion per protocol [95% Wilson], any protocol, the layer itself:\n", paths);
    fmt::print("{}", joint_report_console(*result));
    std::filesystem::create_directories(out);
    std::ofstream(out + "/joint_report.json") << joint_report_json(setup, *result).dump(2) << "\n";
    std::ofstream(out + "/joint_report.html") << joint_report_html(setup, *result);
    fmt::print("report: {}/joint_report.html\n", out);
    for (const JointArmResult& arm : result->arms) {
        if (arm.paths_not_conserved != 0) {
            fmt::print(stderr, "{} paths not conserved in {}\n", arm.paths_not_conserved, joint_arm_name(arm.arm));
            return 1;
        }
    }
    return 0;
}
