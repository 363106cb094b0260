// A bad-debt event in the margin engine, step by step, exact to the atom.
//
// A BTC-USDC perpetual on the dYdX v4 large-cap tier (initial 5%, maintenance 3%, a 1.5%
// liquidation penalty to the insurance fund, domain.md section 1), a small insurance fund, a
// market maker, an 18x long, two profitable shorts and a liquidator. A normal mark move leaves
// the long above maintenance; a 12% gap leaves it with negative equity. The liquidation closes it,
// the fund pays what it holds, and auto-deleveraging ranked by PnL x leverage (BitMEX's rank)
// closes the shorts against the liquidator for the rest: each short gives up its share of the
// remainder per BTC closed (3080 USDC, so it in effect buys back at 55000, the trader's bankruptcy
// price once the fund has paid). The ledger's audit balances at the end.
#include <backstop/engine/margin_engine.hpp>
#include <backstop/engine/presets.hpp>
#include <backstop/fund/insurance_fund.hpp>
#include <backstop/fund/socialized_loss/ranked_adl.hpp>
#include <backstop/money/money.hpp>

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

using namespace backstop;
using namespace backstop::assets;

using Fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                           socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>>;
using Engine = MarginEngine<Fund>;
using Money = Amount<USDC>;

namespace {

// One table row: a label, amounts right-aligned (numbers only: every amount here is USDC), a note.
void row(std::string_view label, std::initializer_list<Money> amounts, std::string_view note = {}) {
    fmt::print("  {:<40}", label);
    for (const Money& amount : amounts) fmt::print(" {:>16n}", amount);
    fmt::print("{}{}\n", note.empty() ? "" : "  ", note);
}

}  // namespace

int main() {
    // Every engine call returns a Result; .value() throws on a refusal, which would end the example.

    // ---- the venue: one market, a fund with the dYdX v4 capture and settlement, ranked ADL ----
    Engine engine = Engine::create(EngineLimits{/*accounts_max*/ 16, /*positions_per_account*/ 4, /*markets_max*/ 4},
                                   presets::dydx_v4::fee_capture<USDC>(), presets::dydx_v4::settlement<USDC>(),
                                   socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>(/*bearers_max*/ 16))
                        .value();
    MarketConfig config = presets::dydx_v4::large_cap();
    config.tick_size = 100'000;  // 0.1 USDC in price units (10^-6 USDC per BTC)
    config.lot_size = 10'000;    // 0.0001 BTC in atoms
    const MarketId btc = engine.add_market<BTC>(config).value();

    const std::array<const char*, 5> names{"market maker", "long trader", "short A", "short B", "liquidator"};
    std::array<AccountId, 5> ids{};
    for (AccountId& id : ids) id = engine.open_account().value();
    const AccountId maker = ids[0], trader = ids[1], short_a = ids[2], short_b = ids[3], liquidator = ids[4];
    auto name_of = [&](AccountId id) { return id.value < names.size() ? names[id.value] : "?"; };

    auto print_accounts = [&](std::string_view title) {
        fmt::print("\n{}\n  {:<40} {:>16} {:>16} {:>16} {:>16}  {:>15}\n", title, "account", "collateral", "equity",
                   "initial req.", "maint. req.", "position");
        for (const AccountId id : ids) {
            const AccountSummary<USDC> s = engine.summary(id).value();
            const Quantity<BTC> size(engine.position(id, btc).size);
            row(name_of(id), {s.collateral, s.equity, s.initial_requirement, s.maintenance_requirement},
                fmt::format("{:>15}{}", size, s.liquidatable ? "  LIQUIDATABLE" : ""));
        }
        row("insurance fund", {engine.fund().balance(engine.ledger())});
    };
    auto mark_at = [&](const char* price, std::int64_t ms) {
        engine.set_mark(btc, Price<BTC, USDC>::parse(price).value(), Timestamp{ms}).value();
    };

    fmt::print("backstop: a bad-debt event in the margin engine (dYdX v4 large-cap BTC-USDC)\n");
    fmt::print("  initial {}, maintenance {}, penalty {}, liquidator discount {}\n", config.tiers[0].initial,
               config.tiers[0].maintenance, config.liquidation_penalty, config.liquidator_discount);

    // ---- 1. deposits ----
    engine.fund_deposit(Money::parse("5000").value()).value();
    const std::array<const char*, 5> deposits{"1000000", "10000", "30000", "8000", "20000"};
    for (std::size_t i = 0; i < ids.size(); ++i) engine.deposit(ids[i], Money::parse(deposits[i]).value()).value();
    mark_at("60000", 0);
    print_accounts("1. deposits (mark 60000)");

    // ---- 2. trades: the trader buys 3 BTC at 18x; the shorts sell 2 BTC each to the maker ----
    const auto price = Price<BTC, USDC>::parse("60000").value();
    engine.trade(btc, trader, maker, Quantity<BTC>::parse("3").value(), price).value();
    engine.trade(btc, maker, short_a, Quantity<BTC>::parse("2").value(), price).value();
    engine.trade(btc, maker, short_b, Quantity<BTC>::parse("2").value(), price).value();
    print_accounts("2. trades at 60000: the trader is long 3 BTC on 10000 USDC (18x)");

    // ---- 3. a normal move: the trader is closer to maintenance but still above it ----
    mark_at("59000", 10'000);
    print_accounts("3. mark 59000 (-1.67%): equity still above maintenance");

    // ---- 4. a gap: -12% in one step, the trader's equity is negative ----
    mark_at("51920", 20'000);
    print_accounts("4. gap to 51920 (-12%): the trader's equity is negative");

    // ---- 5. liquidation: the liquidator takes the long over at the mark ----
    std::vector<Allocation<USDC>> allocations(8);
    const LiquidationReport<USDC> report = engine.liquidate(trader, liquidator, allocations).value();
    fmt::print("\n5. liquidation of the {} by the {} ({})\n", name_of(report.account), name_of(report.liquidator),
               report.full ? "full" : "partial");
    row("equity before", {report.equity_before});
    row("closed notional (at the mark)", {report.closed_notional});
    row("realised PnL", {report.realised_pnl}, "at the liquidator's price");
    row("penalty", {report.penalty}, "forgone: no equity left to charge it to");
    row("deficit", {report.deficit}, "negative equity after the close");
    row("fund paid", {report.fund_paid}, "CoverUpToBalance: all the fund holds");
    row("remainder", {report.remainder}, "deficit - fund paid");
    row("socialized", {report.socialized}, "by auto-deleveraging");
    row("uncovered", {report.uncovered}, "nobody could bear it");
    row("equity after", {report.equity_after});

    fmt::print("\n  transfers in the report\n");
    auto place_name = [&](Place place) {
        const std::string_view kind = place_kind_name(place.kind());
        if (place.kind() == PlaceKind::collateral) return fmt::format("{} ({})", kind, name_of(AccountId{place.index()}));
        return std::string(kind);
    };
    for (std::size_t i = 0; i < report.transfers.count; ++i) {
        const Transfer<USDC>& t = report.transfers.transfers[i];
        row(fmt::format("{} -> {}", place_name(t.source), place_name(t.target)), {t.amount},
            transfer_reason_name(t.reason));
    }

    fmt::print("\n  auto-deleveraging, highest PnL x leverage first\n");
    for (std::size_t i = 0; i < report.allocation_count; ++i) {
        const Allocation<USDC>& a = allocations[i];
        row(name_of(a.account), {a.amount},
            fmt::format("closes {} at the liquidator's price, {}", Quantity<BTC>(a.quantity_atoms),
                        Price<BTC, USDC>(engine.mark(btc))));
    }
    print_accounts("6. after the liquidation");

    // ---- 7. conservation ----
    const auto audit = engine.ledger().audit();
    auto usdc = [](const Int128& atoms) { return rep_cast<std::int64_t>(Amount<USDC, Int128>(atoms)).value(); };
    fmt::print("\n7. ledger audit: the sum over every place, the outside world included\n");
    for (int k = 0; k < place_kind_count; ++k) {
        const auto kind = static_cast<PlaceKind>(k);
        const std::uint32_t places = audit.places_by_kind[static_cast<std::size_t>(k)];
        row(place_kind_name(kind), {usdc(audit.sum(kind))}, fmt::format("{} place{}", places, places == 1 ? "" : "s"));
    }
    row("total", {usdc(audit.total)}, audit.balanced() ? "balanced" : "NOT BALANCED");

    // The engine's own conservation terms: positions are matched, and realised PnL is zero-sum
    // against the pnl_pool except for what nobody could bear.
    std::int64_t sizes = 0;
    std::int64_t costs = 0;
    for (const AccountId id : ids) {
        sizes += engine.position(id, btc).size;
        costs += engine.position(id, btc).cost;
    }
    const Money pool_and_costs = engine.ledger().balance_of(Place::pnl_pool()) + Money(costs);
    const Money uncovered(static_cast<std::int64_t>(engine.uncovered_total().atoms()));
    fmt::print("\n  {:<40} {:>16n}  {}\n", "sum of position sizes (BTC)", Quantity<BTC>(sizes),
               sizes == 0 ? "matched" : "NOT MATCHED");
    row("pnl_pool + sum of position costs", {pool_and_costs});
    row("- uncovered bad debt", {-uncovered}, pool_and_costs + uncovered == Money::zero() ? "equal" : "NOT EQUAL");
    const bool ok = audit.balanced() && sizes == 0 && pool_and_costs + uncovered == Money::zero();
    return ok ? 0 : 1;
}
