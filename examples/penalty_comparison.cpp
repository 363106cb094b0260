// A dynamic liquidation penalty against the static one, on the same seeds (docs/management.md):
// the default stress scenario (dYdX large-cap market, GARCH(1,1) with Student-t returns, 2,000
// traders, 30 days hourly) with a -12% gap at hour 36 and a fund small enough to be depleted,
// run twice. Prints each arm's depletion probability with its 95% Wilson interval and the
// average penalty traders paid.
//
//   penalty_comparison [paths]     (default 400; the test command runs 40)
#include <backstop/risk/penalty_comparison.hpp>

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

using namespace backstop;
using namespace backstop::risk;

int main(int argc, char** argv) {
    Scenario scenario;
    scenario.paths = argc > 1 ? static_cast<std::uint32_t>(std::strtoul(argv[1], nullptr, 10)) : 400;
    scenario.fund.initial = 20'000.0;
    scenario.shocks = {{36, std::log(0.88)}};  // a gap after the traders entered
    scenario.seed = 7;
    DynamicPenaltyConfig dynamic;                   // 0.5% to 5%, a step of 0.25% per hour
    dynamic.base = scenario.market.liquidation_penalty;  // 1.5%, the static penalty
    dynamic.reference_volatility = Ppm{5'000};       // 0.5% per hourly step: neutral
    dynamic.health_weight = Ppm{500'000};            // +50% of base with the fund empty
    scenario.fund.dynamic_penalty = dynamic;
    const Result<PenaltyComparison> c = compare_penalties(scenario);
    if (!c) {
        fmt::print(stderr, "comparison refused: {}\n", error_code_name(c.error().code));
        return 1;
    }
    fmt::print("{} paths, seed {}, fund {:.0f} USDC\n", scenario.paths, scenario.seed, scenario.fund.initial);
    fmt::print("{:<10} {:>22} {:>14} {:>28} {:>30}\n", "penalty", "P(depletion) [95%]", "penalty rate",
               "penalties per path [95%]", "fund at the end [95%]");
    for (const auto& [name, arm] : {std::pair<const char*, const PenaltyArm*>{"static", &c->static_penalty},
                                    std::pair<const char*, const PenaltyArm*>{"dynamic", &c->dynamic_penalty}}) {
        const auto& w = arm->statistics.depletion_wilson;
        fmt::print("{:<10} {:>8.3f} [{:.3f}, {:.3f}] {:>13.3f}% {:>10.0f} [{:.0f}, {:.0f}] {:>10.0f} [{:.0f}, {:.0f}]\n", name,
                   w.estimate, w.lower, w.upper, 100.0 * arm->penalty_rate, arm->penalties_charged.mean,
                   arm->penalties_charged.lower, arm->penalties_charged.upper, arm->fund_final.mean, arm->fund_final.lower,
                   arm->fund_final.upper);
    }
    fmt::print("paired (same seeds): depleted with the static penalty only {}, with the dynamic only {}; McNemar "
               "exact p = {:.3g}\n",
               c->depleted_static_only, c->depleted_dynamic_only, c->mcnemar_p_value);
    return 0;
}
