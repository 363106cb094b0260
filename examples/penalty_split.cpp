// A worked liquidation-penalty split, exact to the atom.
//
// A 1.5 BTC long entered at 64,000 USDC with 6,000 USDC of collateral is marked down to
// 61,500.25 and liquidated in full. The penalty is 1.5% of the closed notional (dYdX v4's
// max_liquidation_fee_ppm = 15000, domain.md section 1.1), capped by the equity left, and split
// three ways. Every product and share names its rounding: what the protocol collects rounds up,
// what it pays out rounds down, and the residue is booked explicitly, so the parts add up.
#include <backstop/money/money.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

using namespace backstop;
using namespace backstop::assets;

namespace {

void row(const char* label, const Amount<USDC>& amount, const char* how) {
    fmt::print("  {:<34} {:>18n} USDC   {}\n", label, amount, how);
}

}  // namespace

int main() {
    const auto size = Quantity<BTC>::parse("1.5").value();
    const auto entry = Price<BTC, USDC>::parse("64000").value();
    const auto mark = Price<BTC, USDC>::parse("61500.25").value();
    const auto collateral = Amount<USDC>::parse("6000").value();
    const Ppm penalty_rate{15'000};    // dYdX v4 max_liquidation_fee_ppm
    const Bps maintenance_rate{300};   // dYdX v4 large-cap: IMF 5% x maintenance fraction 60% = 3%
    const Bps liquidator_share{5'000};  // illustrative split of the penalty: 50% to the liquidator,
    const Bps treasury_share{1'000};    // 10% to the treasury, the rest to the insurance fund

    // Position values: the account is charged, so its losses round against it (up in magnitude).
    const auto entry_value = notional(size, entry, round_up).value();
    const auto mark_value = notional(size, mark, round_down).value();
    const auto unrealised_pnl = mark_value - entry_value;
    const auto equity = collateral + unrealised_pnl;
    const auto maintenance = apply_rate(mark_value, maintenance_rate, round_up).value();

    const auto penalty_uncapped = apply_rate(mark_value, penalty_rate, round_up).value();
    const auto penalty = std::max(Amount<USDC>::zero(), std::min(penalty_uncapped, equity));

    // Payouts round down; the fund takes the residue, so nothing is created or lost.
    const auto to_liquidator = apply_rate(penalty, liquidator_share, round_down).value();
    const auto to_treasury = apply_rate(penalty, treasury_share, round_down).value();
    const auto to_fund = penalty - to_liquidator - to_treasury;
    const auto fund_share_exact = apply_rate(penalty, Bps{10'000} - liquidator_share - treasury_share,
                                             round_down).value();
    const auto residue = to_fund - fund_share_exact;

    fmt::print("backstop demo: a liquidation penalty split, exact to the atom\n\n");
    fmt::print("  position {} entered at {}, marked at {}\n\n", size, entry, mark);
    row("collateral", collateral, "");
    row("entry value", entry_value, "size x entry, round up");
    row("mark value (closed notional)", mark_value, "size x mark, round down");
    row("unrealised PnL", unrealised_pnl, "");
    row("equity", equity, "collateral + PnL");
    row("maintenance requirement (300 bps)", maintenance, "round up");
    fmt::print("  {:<34} {:>18}        {}\n", "liquidatable", equity < maintenance ? "yes" : "no",
               "equity < maintenance");
    fmt::print("\n");
    row(fmt::format("penalty ({})", penalty_rate).c_str(), penalty_uncapped, "of notional, round up");
    row("penalty charged", penalty, "min(penalty, equity)");
    fmt::print("\n  split of the penalty\n");
    row(fmt::format("  liquidator ({})", liquidator_share).c_str(), to_liquidator, "round down");
    row(fmt::format("  treasury ({})", treasury_share).c_str(), to_treasury, "round down");
    row("  insurance fund (the rest)", to_fund, "penalty - liquidator - treasury");
    row("    of which rounding residue", residue, "kept by the protocol");
    const auto parts = to_liquidator + to_treasury + to_fund;
    row("  sum of the parts", parts, parts == penalty ? "== penalty charged" : "MISMATCH");
    row("left to the trader", equity - penalty, "equity - penalty");
    return parts == penalty ? 0 : 1;
}
