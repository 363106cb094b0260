// Hedging the fund (issue 14): the per-period order (ratio, band, lot), a fund holding 10 BTC
// hedged at 50% on an engine (its value moves half as much, its variance is a quarter), a backstop
// liquidator's position hedged to zero, rebalances with collateral top-ups and returns that
// conserve money, and refused rebalances that change nothing.
#include "support/random.hpp"
#include "unit/engine/engine_world.hpp"

#include <backstop/fund/socialized_loss/pro_rata_haircut.hpp>
#include <backstop/management/fund_hedge.hpp>
#include <backstop/management/multi_asset_fund.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <vector>

namespace backstop::testing {
namespace {

using Haircut = socialized_loss::ProRataHaircut<USDC>;
using World = EngineWorld<Haircut>;
using Hedge = FundHedge<World::Engine>;
using Holding = MultiAssetFund<USDC, BTC>;

constexpr std::int64_t one_btc = 100'000'000;  // atoms
constexpr std::int64_t lot = 100'000;          // 0.001 BTC
constexpr std::int64_t one_usdc = 1'000'000;   // atoms

HedgePolicy policy(std::int64_t ratio_ppm, std::int64_t band_ppm = 100'000, std::int64_t margin_ppm = 200'000) {
    return HedgePolicy{Ppm{ratio_ppm}, Ppm{band_ppm}, Ppm{margin_ppm}};
}

// Taker 5 bps, maker 2 bps, half of each fee to the fund (trading_fees_test's market).
MarketConfig fee_market() {
    MarketConfig config = test_market();
    config.taker_fee = Ppm{500};
    config.maker_fee = Ppm{200};
    config.fee_to_fund = Ppm{500'000};
    return config;
}

std::int64_t fund_atoms(const World& w) { return w.engine.fund().balance(w.engine.ledger()).atoms(); }
Int128 equity(const World& w, AccountId a) { return hedge_value(w.engine, a).value().atoms(); }
std::int64_t hedge_size(const World& w, AccountId a) { return w.engine.position(a, w.market).size; }

void set_mark(World& w, Holding& holding, std::int64_t whole_usdc) {
    w.now_ms += 1'000;
    w.engine.set_mark(w.market, BtcPrice::from_raw(whole_usdc * one_usdc), Timestamp{w.now_ms}).value();
    holding.set_price(BtcPrice::from_raw(whole_usdc * one_usdc)).value();
}

// n^2 x the variance of xs: n x sum x^2 - (sum x)^2, exact.
Int128 scaled_variance(const std::vector<Int128>& xs) {
    Int128 sum = 0;
    Int128 squares = 0;
    for (const Int128& x : xs) {
        sum += x;
        squares += x * x;
    }
    return Int128(static_cast<std::int64_t>(xs.size())) * squares - sum * sum;
}

}  // namespace

TEST_CASE("plan_hedge: the ratio of the exposure, to the lot toward zero, outside the band",
          "[management][hedging]") {
    const HedgePolicy half = policy(500'000);  // 50%, band 10%
    // Long 10 BTC at 50%: target -5 BTC; no hedge yet, so sell 5 BTC.
    HedgeOrder order = plan_hedge(half, 10 * one_btc, 0, lot).value();
    CHECK(order.size == -5 * one_btc);
    CHECK(order.target == -5 * one_btc);

    // The band is 10% of the 5 BTC target = 0.5 BTC. A hedge of -4.6 BTC is 0.4 off: inside; -4.5
    // is 0.5 off, not more than the band: inside; -4.4 is 0.6 off: sell 0.6 BTC.
    CHECK(plan_hedge(half, 10 * one_btc, -46 * one_btc / 10, lot).error().code == ErrorCode::hedge_not_needed);
    CHECK(plan_hedge(half, 10 * one_btc, -45 * one_btc / 10, lot).error().code == ErrorCode::hedge_not_needed);
    CHECK(plan_hedge(half, 10 * one_btc, -44 * one_btc / 10, lot).value().size == -6 * one_btc / 10);
    // Over-hedged at -6 BTC: buy 1 BTC back.
    CHECK(plan_hedge(half, 10 * one_btc, -6 * one_btc, lot).value().size == one_btc);

    // Lot rounding toward zero: 10.0007 BTC x 50% = 5.00035 BTC -> 5.000 (lot 0.001): never over-hedged.
    CHECK(plan_hedge(half, 1'000'070'000, 0, lot).value().target == -500'000'000);
    // 0.0015 BTC x 50% = 0.00075 BTC, below a lot: the target is 0 and nothing is needed.
    CHECK(hedge_target(half, 150'000, lot).value() == 0);
    CHECK(plan_hedge(half, 150'000, 0, lot).error().code == ErrorCode::hedge_not_needed);
    // A hedge off the lot by 0.0005 BTC with no band: the order would be below a lot.
    CHECK(plan_hedge(policy(500'000, 0), 10 * one_btc, -499'950'000, lot).error().code == ErrorCode::hedge_not_needed);
    // ... and off by 0.0015 BTC: one lot, toward the target (-499,850,000 -> -499,950,000).
    CHECK(plan_hedge(policy(500'000, 0), 10 * one_btc, -499'850'000, lot).value().size == -lot);

    // The fund short 3 BTC (negative exposure) at 100%: a long hedge, buy 3 BTC.
    CHECK(plan_hedge(policy(1'000'000), -3 * one_btc, 0, lot).value().size == 3 * one_btc);
    // The exposure gone: the hedge closes whatever the band (its target is 0).
    CHECK(plan_hedge(half, 0, -5 * one_btc, lot).value().size == 5 * one_btc);
    // Ratio 0: no hedge, the existing one is closed.
    CHECK(plan_hedge(policy(0), 10 * one_btc, -lot, lot).value().size == lot);

    // Never over-hedged, within a lot of the ratio, on random exposures and ratios:
    // |target| <= ratio x |exposure| < |target| + lot.
    TestRandom random(20261125);
    for (int i = 0; i < 2'000; ++i) {
        const auto exposure = static_cast<std::int64_t>(random.below(2'000'000'000'000)) - 1'000'000'000'000;
        const auto ratio = static_cast<std::int64_t>(random.below(1'000'001));
        const Int128 target = hedge_target(policy(ratio), exposure, lot).value();
        const Int128 exact = Int128(exposure < 0 ? -exposure : exposure) * ratio;  // x 10^6
        const Int128 magnitude = (target < 0 ? -target : target) * 1'000'000;
        CHECK(magnitude <= exact);
        CHECK(exact < magnitude + Int128(lot) * 1'000'000);
        CHECK((target == 0 || (target < 0) == (exposure > 0)));
        CHECK(target % lot == 0);
    }
}

TEST_CASE("plan_hedge: bad policies and inputs are refused with their typed errors", "[management][hedging]") {
    const std::int64_t x = 10 * one_btc;
    CHECK(plan_hedge(policy(-1), x, 0, lot).error().code == ErrorCode::invalid_policy_parameter);
    CHECK(plan_hedge(policy(1'000'001), x, 0, lot).error().code == ErrorCode::invalid_policy_parameter);
    CHECK(plan_hedge(policy(500'000, -1), x, 0, lot).error().code == ErrorCode::invalid_policy_parameter);
    CHECK(plan_hedge(policy(500'000, 1'000'001), x, 0, lot).error().code == ErrorCode::invalid_policy_parameter);
    CHECK(plan_hedge(policy(500'000, 0, 0), x, 0, lot).error().code == ErrorCode::invalid_policy_parameter);
    CHECK(plan_hedge(policy(500'000, 0, 1'000'001), x, 0, lot).error().code == ErrorCode::invalid_policy_parameter);
    CHECK(plan_hedge(policy(500'000), x, 0, 0).error().code == ErrorCode::invalid_argument);
    CHECK(plan_hedge(policy(500'000), x, 0, -lot).error().code == ErrorCode::invalid_argument);
    // -(int64 min) x 100% = 2^63 does not fit; a drift from int64 min to int64 max neither.
    constexpr std::int64_t min = std::numeric_limits<std::int64_t>::min();
    CHECK(plan_hedge(policy(1'000'000), min, 0, 1).error().code == ErrorCode::overflow);
    CHECK(plan_hedge(policy(1'000'000), min + 1, min, 1).error().code == ErrorCode::overflow);
    // The bounds themselves are accepted.
    // A 100% band tolerates no hedge at all, but not one on the wrong side (+0.001 BTC: off by 10.001).
    CHECK(plan_hedge(policy(1'000'000, 1'000'000, 1'000'000), x, 0, lot).error().code == ErrorCode::hedge_not_needed);
    CHECK(plan_hedge(policy(1'000'000, 1'000'000, 1'000'000), x, lot, lot).value().size == -x - lot);
    CHECK(plan_hedge(policy(0, 0, 1), x, -lot, lot).has_value());

    CHECK(Hedge::open(policy(500'000, 0, 0)).error().code == ErrorCode::invalid_policy_parameter);
    Hedge hedge = Hedge::open(policy(500'000)).value();
    CHECK(hedge.set_policy(policy(2'000'000)).error().code == ErrorCode::invalid_policy_parameter);
    CHECK(hedge.policy().hedge_ratio == Ppm{500'000});  // unchanged
}

TEST_CASE("fund hedge: 10 BTC hedged at 50% moves half as much, its variance is a quarter",
          "[management][hedging]") {
    World w(Haircut{}, EngineLimits{64, 4, 4}, fee_market());
    w.engine.fund_deposit(usdc("1000000")).value();
    const AccountId maker = w.account("2000000");
    const AccountId hedge_account = w.account("0");
    Holding holding = Holding::open({HoldingConfig{}}, {0}).value();
    holding.deposit(Amount<BTC>(10 * one_btc)).value();
    set_mark(w, holding, 50'000);
    const auto fund_value = [&] {
        return holding.value(w.engine.ledger(), w.engine.fund().place()).value().atoms() + equity(w, hedge_account);
    };
    // 1,000,000 in the fund + 10 BTC x 50,000.
    CHECK(fund_value() == Int128(1'500'000) * one_usdc);

    Hedge hedge = Hedge::open(policy(500'000, 100'000, 200'000)).value();
    const HedgeReport<USDC> opened =
        hedge.rebalance(w.engine, hedge_account, maker, w.market, Btc(10 * one_btc), w.now_ms).value();
    // Sell 5 BTC at 50,000 = 250,000 of notional. The hedge account takes: fee 250,000 x 5 bps = 125;
    // the maker pays 2 bps = 50; half of each to the fund: 62.5 + 25 = 87.5. The account should
    // hold 20% x 250,000 = 50,000 of equity after the fee: the fund moves 50,125 into it first.
    CHECK(opened.traded == -5 * one_btc);
    CHECK(opened.target == -5 * one_btc);
    CHECK(opened.hedge_after == -5 * one_btc);
    CHECK(opened.price_raw == 50'000 * one_usdc);
    CHECK(opened.fee == usdc("125"));
    CHECK(opened.fees_to_fund == usdc("87.5"));
    CHECK(opened.collateral_moved == usdc("50125"));
    CHECK(opened.equity_after.atoms() == Int128(50'000) * one_usdc);
    CHECK(w.engine.collateral(hedge_account) == usdc("50000"));
    // The fund: 1,000,000 - 50,125 + 87.5 = 949,962.5; its value 1,499,962.5: the hedge cost 37.5.
    CHECK(fund_atoms(w) == 949'962'500'000);
    CHECK(fund_value() == Int128(1'499'962'500'000));
    CHECK(hedge.rebalance_count() == 1);
    CHECK(hedge.fees_total().atoms() == Int128(125) * one_usdc);
    CHECK(hedge.collateral_in_total().atoms() == Int128(50'125) * one_usdc);
    w.check_invariants();
    const Int128 hedged_start = fund_value();
    const std::int64_t fund_start = fund_atoms(w);

    // The price falls 10% to 45,000: the holding loses 10 x 5,000 = 50,000, the short hedge gains
    // 5 x 5,000 = 25,000: the fund loses 25,000 (25,037.5 from before the hedge, with its cost).
    set_mark(w, holding, 45'000);
    CHECK(equity(w, hedge_account) == Int128(75'000) * one_usdc);
    CHECK(fund_value() - hedged_start == Int128(-25'000) * one_usdc);
    CHECK(fund_value() - Int128(1'500'000) * one_usdc == Int128(-25'037'500'000));
    // It rises 10% to 55,000: the reverse, +50,000 - 25,000.
    set_mark(w, holding, 55'000);
    CHECK(equity(w, hedge_account) == Int128(25'000) * one_usdc);
    CHECK(fund_value() - hedged_start == Int128(25'000) * one_usdc);
    CHECK(fund_value() - Int128(1'500'000) * one_usdc == Int128(24'962'500'000));

    // Over a fixed list of moves, each value change of the hedged fund is half the unhedged one's
    // (10 P against 10 P - 5 P), so n^2 x the variance is exactly a quarter: the fees are a
    // constant shift, which a variance does not see.
    const std::vector<std::int64_t> marks = {45'000, 47'500, 49'000, 50'000, 51'000, 52'500, 55'000, 40'000};
    std::vector<Int128> hedged;
    std::vector<Int128> unhedged;
    for (const std::int64_t mark : marks) {
        set_mark(w, holding, mark);
        hedged.push_back(fund_value());
        unhedged.push_back(Int128(fund_start) + Int128(10) * mark * one_usdc);  // the fund without the hedge
    }
    CHECK(scaled_variance(unhedged) == 4 * scaled_variance(hedged));
    CHECK(scaled_variance(hedged) > 0);

    // The same with a rebalance after every move and no band: the target does not change (the
    // exposure does not), so only collateral moves (top-ups and returns, value for value) and the
    // variance is still exactly a quarter.
    Hedge tight = Hedge::open(policy(500'000, 0, 200'000)).value();
    hedged.clear();
    int moved = 0;
    for (const std::int64_t mark : marks) {
        set_mark(w, holding, mark);
        const Int128 before = fund_value();
        const Result<HedgeReport<USDC>> report =
            tight.rebalance(w.engine, hedge_account, maker, w.market, Btc(10 * one_btc), w.now_ms);
        if (report) {
            CHECK(report->traded == 0);
            CHECK(report->fee.is_zero());
            // Equity is back at 20% of 5 BTC x the mark, unless a return was capped at the collateral.
            CHECK((report->equity_after.atoms() == Int128(mark) * one_usdc ||
                   w.engine.collateral(hedge_account).is_zero()));
            ++moved;
        } else {
            CHECK(report.error().code == ErrorCode::hedge_not_needed);
        }
        CHECK(fund_value() == before);
        hedged.push_back(fund_value());
        w.check_invariants();
    }
    CHECK(moved >= 6);
    CHECK(scaled_variance(unhedged) == 4 * scaled_variance(hedged));
}

TEST_CASE("fund hedge: a backstop liquidator's position, hedged at 100%, leaves no net exposure",
          "[management][hedging]") {
    World w;  // no fees
    w.engine.fund_deposit(usdc("100000")).value();
    const AccountId maker = w.account("1000000");
    const AccountId victim = w.account("3000");
    const AccountId backstop = w.account("100000");  // the fund's liquidator account (HLP)
    const AccountId hedge_account = w.account("0");
    w.mark("50000");
    w.trade(victim, maker, "1", "50000");
    // At 48,000 the victim's equity is 3,000 - 2,000 = 1,000, below 3% x 48,000 = 1,440.
    w.mark("48000");
    REQUIRE(w.engine.is_liquidatable(victim));
    w.engine.liquidate(victim, backstop).value();
    const std::int64_t taken = hedge_size(w, backstop);
    REQUIRE(taken > 0);  // the backstop now holds (part of) the victim's long

    Hedge hedge = Hedge::open(policy(1'000'000, 50'000, 300'000)).value();
    const auto report = hedge.rebalance(w.engine, hedge_account, maker, w.market, Btc(taken), w.now_ms).value();
    CHECK(report.traded == -taken);
    CHECK(hedge_size(w, backstop) + hedge_size(w, hedge_account) == 0);
    w.check_invariants();

    // A move either way leaves the pair's equity where it was: what one gains the other loses.
    const Int128 pair = equity(w, backstop) + equity(w, hedge_account);
    w.mark("40000");
    CHECK(equity(w, backstop) + equity(w, hedge_account) == pair);
    w.mark("60000");
    CHECK(equity(w, backstop) + equity(w, hedge_account) == pair);

    // The backstop takes more (a trade): 0.5 BTC more, and the hedge follows.
    w.trade(backstop, maker, "0.5", "60000");
    const auto more =
        hedge.rebalance(w.engine, hedge_account, maker, w.market, Btc(hedge_size(w, backstop)), w.now_ms).value();
    CHECK(more.traded == -btc("0.5").atoms());
    CHECK(hedge_size(w, backstop) + hedge_size(w, hedge_account) == 0);
    w.check_invariants();
}

TEST_CASE("fund hedge: rebalances keep the hedge in the band, top up and return collateral, and conserve",
          "[management][hedging]") {
    World w(Haircut{}, EngineLimits{64, 4, 4}, fee_market());
    w.engine.fund_deposit(usdc("1000000")).value();
    const AccountId maker = w.account("2000000");
    const AccountId hedge_account = w.account("0");
    Hedge hedge = Hedge::open(policy(500'000, 100'000, 200'000)).value();
    const auto rebalance = [&](std::int64_t exposure) {
        return hedge.rebalance(w.engine, hedge_account, maker, w.market, Btc(exposure), w.now_ms);
    };
    w.mark("50000");
    // Opened as in the test above: -5 BTC, 50,125 in, collateral 50,000.
    CHECK(rebalance(10 * one_btc).value().collateral_moved == usdc("50125"));
    w.check_invariants();

    // 55,000: the short loses 25,000, equity 25,000; the goal is 20% x 275,000 = 55,000, off by
    // 30,000 > 10% of it: 30,000 in, no trade (the hedge is on target).
    w.mark("55000");
    std::int64_t fund = fund_atoms(w);
    auto report = rebalance(10 * one_btc).value();
    CHECK(report.traded == 0);
    CHECK(report.fee.is_zero());
    CHECK(report.collateral_moved == usdc("30000"));
    CHECK(report.equity_after.atoms() == Int128(55'000) * one_usdc);
    CHECK(fund_atoms(w) == fund - 30'000 * one_usdc);
    CHECK(w.engine.collateral(hedge_account) == usdc("80000"));
    w.check_invariants();

    // 45,000: equity 80,000 + 5 x 5,000 = 105,000; the goal 20% x 225,000 = 45,000: 60,000 back
    // (the collateral, 80,000, covers it).
    w.mark("45000");
    fund = fund_atoms(w);
    report = rebalance(10 * one_btc).value();
    CHECK(report.collateral_moved == usdc("-60000"));
    CHECK(report.equity_after.atoms() == Int128(45'000) * one_usdc);
    CHECK(fund_atoms(w) == fund + 60'000 * one_usdc);
    CHECK(w.engine.collateral(hedge_account) == usdc("20000"));
    CHECK(hedge.collateral_out_total().atoms() == Int128(60'000) * one_usdc);
    w.check_invariants();

    // The exposure grows to 12 BTC: target -6, 1 BTC off > 0.6: sell 1 BTC at 45,000 (fee
    // 45,000 x 5 bps = 22.5). Goal 20% x 270,000 = 54,000; equity before the move 45,000 - 22.5:
    // 9,022.5 in, before the trade. Fund: -9,022.5 + 11.25 + 4.5 (the fee shares).
    fund = fund_atoms(w);
    report = rebalance(12 * one_btc).value();
    CHECK(report.traded == -one_btc);
    CHECK(report.fee == usdc("22.5"));
    CHECK(report.fees_to_fund == usdc("15.75"));
    CHECK(report.collateral_moved == usdc("9022.5"));
    CHECK(report.equity_after.atoms() == Int128(54'000) * one_usdc);
    CHECK(fund_atoms(w) == fund - 9'022'500'000 + 15'750'000);
    CHECK(hedge_size(w, hedge_account) == -6 * one_btc);
    w.check_invariants();

    // 12.3 BTC: target -6.15, 0.15 off <= 0.615; equity at its goal: nothing to do, nothing changes.
    const std::uint64_t digest = w.engine.digest();
    CHECK(rebalance(123 * one_btc / 10).error().code == ErrorCode::hedge_not_needed);
    CHECK(w.engine.digest() == digest);
    CHECK(hedge.rebalance_count() == 4);

    // The exposure gone: buy 6 BTC back at 45,000. The position (cost -250,000 - 45,000) realises
    // 295,000 - 270,000 = 25,000; fee 270,000 x 5 bps = 135: collateral 29,000 + 25,000 - 135 =
    // 53,865, all returned (the goal is 0).
    fund = fund_atoms(w);
    report = rebalance(0).value();
    CHECK(report.traded == 6 * one_btc);
    CHECK(report.fee == usdc("135"));
    CHECK(report.collateral_moved == usdc("-53865"));
    CHECK(report.hedge_after == 0);
    CHECK(report.equity_after.atoms() == 0);
    CHECK(w.engine.collateral(hedge_account).is_zero());
    CHECK(fund_atoms(w) == fund + 53'865 * one_usdc + report.fees_to_fund.atoms());
    CHECK(rebalance(0).error().code == ErrorCode::hedge_not_needed);
    w.check_invariants();
}

TEST_CASE("fund hedge: a refused rebalance changes nothing, even when a top-up would have come first",
          "[management][hedging]") {
    World w(Haircut{}, EngineLimits{64, 4, 4}, fee_market());
    w.engine.fund_deposit(usdc("1000000")).value();
    const AccountId maker = w.account("2000000");
    const AccountId thin_maker = w.account("100");
    const AccountId hedge_account = w.account("0");
    Hedge hedge = Hedge::open(policy(500'000)).value();
    w.mark("50000");
    const Btc exposure(10 * one_btc);
    const auto refused = [&](ErrorCode code, AccountId account, AccountId counterparty, MarketId market,
                             std::int64_t now_ms) {
        const std::uint64_t digest = w.engine.digest();
        const std::int64_t fund = fund_atoms(w);
        const std::uint64_t count = hedge.rebalance_count();
        const Result<HedgeReport<USDC>> report = hedge.rebalance(w.engine, account, counterparty, market, exposure, now_ms);
        REQUIRE_FALSE(report.has_value());
        CHECK(report.error().code == code);
        CHECK(w.engine.digest() == digest);
        CHECK(fund_atoms(w) == fund);
        CHECK(hedge.rebalance_count() == count);
        CHECK(w.engine.ledger().audit().balanced());
    };

    // The maker cannot take 5 BTC (12,500 of initial margin on 100): refused whole, although the
    // 50,125 top-up is checked (and would be issued) before the trade.
    refused(ErrorCode::insufficient_margin, hedge_account, thin_maker, w.market, w.now_ms);
    // Halted; reduce-only (the hedge and the maker would both open).
    w.engine.set_market_status(w.market, MarketStatus::halted).value();
    refused(ErrorCode::market_halted, hedge_account, maker, w.market, w.now_ms);
    w.engine.set_market_status(w.market, MarketStatus::reduce_only).value();
    refused(ErrorCode::market_reduce_only, hedge_account, maker, w.market, w.now_ms);
    w.engine.set_market_status(w.market, MarketStatus::active).value();
    // A mark stale at the caller's time (60 s limit), and a time before the engine's.
    refused(ErrorCode::stale_mark, hedge_account, maker, w.market, w.now_ms + 60'001);
    refused(ErrorCode::time_backwards, hedge_account, maker, w.market, w.now_ms - 1);
    // Unknown accounts and markets, the hedge trading with itself, another base asset.
    refused(ErrorCode::unknown_account, AccountId{999}, maker, w.market, w.now_ms);
    refused(ErrorCode::unknown_account, hedge_account, AccountId{999}, w.market, w.now_ms);
    refused(ErrorCode::self_trade, hedge_account, hedge_account, w.market, w.now_ms);
    refused(ErrorCode::unknown_market, hedge_account, maker, MarketId{7}, w.now_ms);
    {
        const std::uint64_t digest = w.engine.digest();
        CHECK(hedge.rebalance(w.engine, hedge_account, maker, w.market, Quantity<assets::USDT>(1), w.now_ms).error().code ==
              ErrorCode::market_asset_mismatch);
        CHECK(w.engine.digest() == digest);
    }
    // A margin ratio below the market's 5% initial margin.
    hedge.set_policy(policy(500'000, 100'000, 40'000)).value();
    refused(ErrorCode::invalid_policy_parameter, hedge_account, maker, w.market, w.now_ms);
    hedge.set_policy(policy(500'000)).value();

    // A fund too small for the top-up: take all but 1,000 out.
    w.engine.fund_withdraw(usdc("999000")).value();
    refused(ErrorCode::insufficient_balance, hedge_account, maker, w.market, w.now_ms);
    // top_up_needed is the refused plan's top-up, to the atom (what a fund holding BTC raises
    // first): 20% of 250,000 and the 125 fee. It reads nothing, and ignores the commands' own
    // checks (the fund's balance, the thin maker's margin), not the rebalance's inputs.
    const std::uint64_t digest = w.engine.digest();
    const std::int64_t top_up = hedge.top_up_needed(w.engine, hedge_account, maker, w.market, exposure, w.now_ms).value();
    CHECK(top_up == 50'125 * one_usdc);
    CHECK(hedge.top_up_needed(w.engine, hedge_account, thin_maker, w.market, exposure, w.now_ms).value() == top_up);
    CHECK(hedge.top_up_needed(w.engine, hedge_account, maker, w.market, exposure, w.now_ms - 1).error().code ==
          ErrorCode::time_backwards);
    CHECK(hedge.top_up_needed(w.engine, AccountId{999}, maker, w.market, exposure, w.now_ms).error().code ==
          ErrorCode::unknown_account);
    CHECK(w.engine.digest() == digest);
    // One atom short of it is refused; exactly it goes through (below).
    w.engine.fund_deposit(Amount<USDC>(top_up - fund_atoms(w) - 1)).value();
    refused(ErrorCode::insufficient_balance, hedge_account, maker, w.market, w.now_ms);
    w.engine.fund_deposit(Amount<USDC>(1)).value();
    REQUIRE(fund_atoms(w) == top_up);

    // With everything in order it goes through.
    const HedgeReport<USDC> report = hedge.rebalance(w.engine, hedge_account, maker, w.market, exposure, w.now_ms).value();
    CHECK(report.collateral_moved.atoms() == top_up);
    CHECK(fund_atoms(w) == report.fees_to_fund.atoms());  // all of it moved; the fees' shares came back
    CHECK(hedge_size(w, hedge_account) == -5 * one_btc);
    w.check_invariants();
    // Nothing more to move in: the hedge in its band, its collateral on its goal.
    CHECK(hedge.top_up_needed(w.engine, hedge_account, maker, w.market, exposure, w.now_ms).error().code ==
          ErrorCode::hedge_not_needed);
    w.engine.fund_deposit(Amount<USDC>(1'000'000 * one_usdc - fund_atoms(w))).value();

    // A return refused with the rest: halted after the hedge is on, a rise of the account's
    // equity (the price falls) cannot be taken back either.
    w.mark("40000");
    CHECK(hedge.top_up_needed(w.engine, hedge_account, maker, w.market, exposure, w.now_ms).value() == 0);  // a return
    w.engine.set_market_status(w.market, MarketStatus::halted).value();
    refused(ErrorCode::market_halted, hedge_account, maker, w.market, w.now_ms);
    w.engine.set_market_status(w.market, MarketStatus::active).value();
    refused(ErrorCode::stale_mark, hedge_account, maker, w.market, w.now_ms + 120'000);
}

TEST_CASE("fund hedge: random moves, exposures and policies conserve money and keep the hedge in the band",
          "[management][hedging]") {
    TestRandom random(20261125);
    for (int world = 0; world < 12; ++world) {
        World w(Haircut{}, EngineLimits{16, 4, 4}, fee_market());
        w.engine.fund_deposit(usdc("5000000")).value();
        const AccountId maker = w.account("100000000");
        const AccountId hedge_account = w.account("0");
        // One draw per statement: the order of a call's arguments is the compiler's (gcc and clang
        // differ), and the worlds must be the same under both.
        const auto ratio = static_cast<std::int64_t>(random.below(1'000'001));
        const auto band = static_cast<std::int64_t>(random.below(300'001));
        const auto margin = 50'000 + static_cast<std::int64_t>(random.below(450'001));
        const HedgePolicy p = policy(ratio, band, margin);
        Hedge hedge = Hedge::open(p).value();
        std::int64_t mark = 50'000;
        std::int64_t exposure = 10 * one_btc;
        int traded = 0;
        for (int step = 0; step < 150; ++step) {
            mark = std::max<std::int64_t>(10'000, mark + static_cast<std::int64_t>(random.below(4'001)) - 2'000);
            w.now_ms += 1'000;
            w.engine.set_mark(w.market, BtcPrice::from_raw(mark * one_usdc), Timestamp{w.now_ms}).value();
            if (random.chance(4)) exposure = static_cast<std::int64_t>(random.below(40 * one_btc)) - 20 * one_btc;
            const std::uint64_t digest = w.engine.digest();
            const Int128 before = Int128(fund_atoms(w)) + equity(w, hedge_account);
            const std::int64_t now_ms = random.chance(20) ? w.now_ms + 61'000 : w.now_ms;  // stale now and then
            const Result<HedgeReport<USDC>> report =
                hedge.rebalance(w.engine, hedge_account, maker, w.market, Btc(exposure), now_ms);
            const std::int64_t target = hedge_target(p, exposure, lot).value();
            if (report) {
                // The fund and the hedge together lose the fee less its shares that come back.
                CHECK(Int128(fund_atoms(w)) + equity(w, hedge_account) ==
                      before - report->fee.atoms() + report->fees_to_fund.atoms());
                if (report->traded != 0) {
                    CHECK(report->hedge_after == target);
                    ++traded;
                }
                CHECK(report->hedge_after == hedge_size(w, hedge_account));
            } else {
                INFO("refused with " << error_code_name(report.error().code) << ": " << report.error().detail);
                CHECK((report.error().code == ErrorCode::hedge_not_needed || report.error().code == ErrorCode::stale_mark));
                CHECK(w.engine.digest() == digest);
            }
            if (now_ms == w.now_ms) {
                // In the band after every rebalance made or not needed.
                const Int128 drift = Int128(hedge_size(w, hedge_account)) - target;
                CHECK((drift < 0 ? -drift : drift) * 1'000'000 <= Int128(p.band.count()) * (target < 0 ? -target : target));
            }
            const auto audit = w.engine.ledger().audit();
            REQUIRE(audit.balanced());
        }
        CHECK(traded > 0);
        w.check_invariants();
    }
}

}  // namespace backstop::testing
