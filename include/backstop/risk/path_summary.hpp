// What one path of the lab did (PathSummary) and a whole run's paths (RunResult): the runner's
// output (risk/path_runner.hpp, risk/simulator.hpp), read by the statistics and the report.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace backstop {
namespace risk {

// What one market did on one path (one entry per market of the scenario, in its order). A
// liquidation of a cross-margined account closes positions in several markets: its deficit and
// what was socialized are attributed to them in proportion to the notional it closed in each.
struct MarketPathSummary {
    std::uint64_t liquidations = 0;  // liquidations that closed a position in this market
    double closed_notional = 0.0;    // quote units, at the mark
    double bad_debt = 0.0;           // attributed deficits
    double socialized = 0.0;         // attributed remainders beyond the fund
    bool shortfall = false;          // a liquidation closing a position here left a remainder beyond the fund
    bool first_shortfall = false;    // the path's first such liquidation closed a position here
    double final_price = 0.0;
    double price_drawdown_max = 0.0;  // the largest fall of the mark from its running high, a fraction
};

// A forecast of a squared return against the squared return that followed, as running sums: the
// Mincer-Zarnowitz regression y = a + b f (and the correlation of f and y) over any set of paths
// is a function of the sums, which add across paths.
struct ForecastSums {
    std::uint64_t count = 0;
    double f = 0.0;
    double y = 0.0;
    double ff = 0.0;
    double yy = 0.0;
    double fy = 0.0;

    void add(double forecast, double realised) {
        ++count;
        f += forecast;
        y += realised;
        ff += forecast * forecast;
        yy += realised * realised;
        fy += forecast * realised;
    }
    void add(const ForecastSums& o) {
        count += o.count;
        f += o.f;
        y += o.y;
        ff += o.ff;
        yy += o.yy;
        fy += o.fy;
    }
};

// What one path did. Amounts in quote units (USDC) as doubles: the lab reports, the engine
// inside computed them exactly.
struct PathSummary {
    std::uint64_t path = 0;
    double fund_initial = 0.0;
    double fund_min = 0.0;
    double fund_final = 0.0;
    double penalties_to_fund = 0.0;
    double penalties_charged = 0.0;  // what liquidated traders paid in penalties
    double fees_to_fund = 0.0;       // the fund's share of trading fees (MarketConfig::fee_to_fund)
    // With FundSetup::target: the target at the end, its highest, and the fund's lowest coverage
    // of it (balance / target, over the steps where the target was positive).
    double target_final = 0.0;
    double target_max = 0.0;
    double coverage_min = std::numeric_limits<double>::infinity();  // infinite: the target was never positive
    double staker_claims = 0.0;  // with FundSetup::staking: what stakers took out of the fund
    // With FundSetup::yield: the strategy's income and default losses, and what it held at the end
    // (part of fund_final: the fund's value counts capital placed with it).
    double fund_drawdown_max = 0.0;  // the largest fall of the fund's value from its running peak
    double yield_income = 0.0;
    double yield_losses = 0.0;
    std::uint32_t yield_defaults = 0;
    double yield_placed_final = 0.0;
    // With FundSetup::hedge: the taker fees the hedge paid, and its account's equity at the end
    // (part of fund_final).
    double hedge_fees = 0.0;          // gross: the fund's share of each fee comes back to it
    double hedge_value_final = 0.0;
    std::uint32_t hedge_refusals = 0;  // rebalances refused (not for being inside the band): 0 when the hedge holds
    double closed_notional = 0.0;    // what their liquidations closed, at the mark
    double bad_debt = 0.0;         // deficits left by liquidations
    double fund_paid = 0.0;
    double socialized = 0.0;
    double uncovered = 0.0;
    std::uint64_t liquidations = 0;
    std::uint64_t liquidations_refused = 0;  // liquidatable, but the engine refused (e.g. a policy could not plan)
    std::uint64_t bad_debt_events = 0;
    std::uint64_t adl_events = 0;  // liquidations whose remainder went to the socialized-loss policy
    std::uint64_t largest_cascade = 0;   // most liquidations in one step
    std::int64_t first_depletion_step = -1;  // first step the fund could not pay in full
    // The smallest initial fund that would have paid every deficit of this path in full: the
    // largest deficit less what the fund had gained since the start when it was due. Exact when
    // the path was not depleted, no liquidation was refused, and the fund's policies do not look
    // at its balance (the path is then the same for every initial fund at least this large;
    // calibration checks the policies). Otherwise the path diverged at its first shortfall and
    // this says nothing.
    double fund_required = 0.0;
    // Who bore what the fund could not pay (quote units), and how: charges to traders and to the
    // venue's own accounts (the market maker, the counterparty of every entry, and the
    // liquidator, which unwinds to it), the number of charges, and the notional of positions
    // closed by auto-deleveraging (at the mark).
    double socialized_traders = 0.0;
    double socialized_maker = 0.0;
    std::uint64_t bearer_charges = 0;
    double charged_beyond_socialized = 0.0;  // charges above the amounts socialized (rounding up)
    double deleveraged_notional = 0.0;
    std::uint64_t traders_entered = 0;
    double final_price = 0.0;
    // The first market's margins in force over the steps: with Scenario::predictive_margin they
    // move, otherwise they are the static ones. Leverage allowed = 1 / initial fraction.
    double leverage_allowed_mean = 0.0;
    double initial_margin_mean = 0.0;     // a fraction
    double maintenance_margin_max = 0.0;  // a fraction
    std::uint64_t margin_changes = 0;     // updates that changed a market's fractions
    std::uint32_t margin_refusals = 0;    // changes the engine refused (0 when the bounds fit)
    ForecastSums volatility_forecast;     // the first market's variance forecast vs its squared return
    std::vector<MarketPathSummary> markets;  // per market, in the scenario's order
    bool conserved = true;         // ledger audit balanced
    std::uint64_t digest = 0;      // engine digest at the end: equal paths, equal digests

    bool depleted() const { return first_depletion_step >= 0; }
    bool fund_required_exact() const { return !depleted() && liquidations_refused == 0; }
    double fund_loss() const { return fund_initial - fund_final; }
};

struct RunResult {
    std::vector<PathSummary> paths;              // in path order
    std::vector<std::vector<double>> fund_paths;  // per path, the fund balance after each step (if recorded)
    std::vector<std::vector<double>> target_paths;  // per path, its target after each step (recorded, with a target)
    std::vector<std::string> market_names;          // the scenario's markets, in its order
};

}  // namespace risk
}  // namespace backstop
