// The currency-mismatch stress (docs/management.md): the same fund held in the stablecoin, and
// held in the base asset (BTC, valued less a 5% haircut, sold less 5% + 2% slippage when a deficit
// comes), on the same seeds: the default stress scenario (dYdX large-cap market, GARCH(1,1) with
// Student-t returns, 2,000 traders, 30 days hourly) with a -15% crash at hour 36. BTC crashes
// exactly when the deficits come. Prints each arm's depletion probability with its 95% Wilson
// interval, and the paired test.
//
//   currency_mismatch [paths] [fund]     (default 400 paths, 2,000,000 USDC; the test command runs 40)
#include <backstop/risk/fund_currency_comparison.hpp>

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <utility>

using namespace backstop;
using namespace backstop::risk;

int main(int argc, char** argv) {
    Scenario scenario;
    scenario.paths = argc > 1 ? static_cast<std::uint32_t>(std::strtoul(argv[1], nullptr, 10)) : 400;
    scenario.fund.initial = argc > 2 ? std::strtod(argv[2], nullptr) : 2'000'000.0;
    scenario.shocks = {{36, std::log(0.85)}};  // a crash after the traders entered
    scenario.seed = 7;
    scenario.fund.base_asset_fraction = 1.0;
    scenario.fund.base_haircut = 0.05;
    scenario.fund.base_slippage = 0.02;
    const Result<FundCurrencyComparison> c = compare_fund_currency(scenario);
    if (!c) {
        fmt::print(stderr, "comparison refused: {}\n", error_code_name(c.error().code));
        return 1;
    }
    fmt::print("{} paths, seed {}, fund {:.0f} USDC, -15% at hour 36\n", scenario.paths, scenario.seed, scenario.fund.initial);
    fmt::print("{:<12} {:>22} {:>34}\n", "fund held in", "P(depletion) [95%]", "fund at the end, mean [95%]");
    for (const auto& [name, arm] : {std::pair<const char*, const PenaltyArm*>{"USDC", &c->stablecoin},
                                    std::pair<const char*, const PenaltyArm*>{"BTC", &c->base_asset}}) {
        const auto& w = arm->statistics.depletion_wilson;
        fmt::print("{:<12} {:>8.3f} [{:.3f}, {:.3f}] {:>12.0f} [{:.0f}, {:.0f}]\n", name, w.estimate, w.lower, w.upper,
                   arm->fund_final.mean, arm->fund_final.lower, arm->fund_final.upper);
    }
    fmt::print("paired (same seeds): depleted in USDC only {}, in BTC only {}; McNemar exact p = {:.3g}\n",
               c->depleted_stablecoin_only, c->depleted_base_asset_only, c->mcnemar_p_value);
    return 0;
}
