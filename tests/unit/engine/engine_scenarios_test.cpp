// Hand-worked engine scenarios on dYdX v4 large-cap parameters (IMF 5%, MMF 3%, penalty 1.5%,
// domain.md 1.1/1.5), amounts in USDC. The arithmetic is in the comments; each scenario ends
// with the ledger audit and the zero-sum checks.
#include <catch2/catch.hpp>

#include "unit/engine/engine_world.hpp"

namespace test_engine_engine_scenarios_test {

using namespace backstop;
using namespace backstop::testing;

namespace {
using Adl = socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>;
}

TEST_CASE("a healthy account", "[engine]") {
    EngineWorld<Adl> w(Adl(64));
    const AccountId maker = w.account("1000000");
    const AccountId alice = w.account("1000");
    w.mark("50000");
    // Alice buys 0.1 BTC at 50,000: notional 5,000; IM 5% = 250; MM 3% = 150.
    w.trade(alice, maker, "0.1", "50000");
    auto s = w.summary(alice);
    CHECK(s.equity == usdc("1000"));
    CHECK(s.initial_requirement == usdc("250"));
    CHECK(s.maintenance_requirement == usdc("150"));
    CHECK(s.free_collateral == usdc("750"));
    CHECK_FALSE(s.liquidatable);
    // Mark 49,000: PnL 0.1 x -1,000 = -100; equity 900; MM 3% of 4,900 = 147.
    w.mark("49000");
    s = w.summary(alice);
    CHECK(s.equity == usdc("900"));
    CHECK(s.maintenance_requirement == usdc("147"));
    CHECK_FALSE(s.liquidatable);
    std::array<AccountId, 4> due{};
    CHECK(w.engine.liquidatable_accounts(due).empty());
    CHECK(w.engine.liquidate(alice, maker).error().code == ErrorCode::not_liquidatable);
    w.check_invariants();
}

TEST_CASE("a partial liquidation restores the initial requirement", "[engine][liquidation]") {
    EngineWorld<Adl> w(Adl(64));
    const AccountId maker = w.account("1000000");
    const AccountId alice = w.account("1000");
    const AccountId liquidator = w.account("100000");
    w.mark("50000");
    // 0.4 BTC at 50,000: notional 20,000, IM 1,000 = Alice's collateral exactly.
    w.trade(alice, maker, "0.4", "50000");
    // Mark 48,700: PnL 0.4 x -1,300 = -520, equity 480; MM 3% of 19,480 = 584.4: liquidatable.
    w.mark("48700");
    REQUIRE(w.summary(alice).liquidatable);
    std::array<AccountId, 4> due{};
    const auto found = w.engine.liquidatable_accounts(due);
    REQUIRE(found.size() == 1);
    CHECK(found[0] == alice);
    // Closing x BTC at the mark (no discount) costs 1.5% x 48,700 x = 730.5 x in penalty and
    // frees 5% x 48,700 x = 2,435 x of initial requirement:
    //   480 - 730.5 x >= 0.05 x 48,700 x (0.4 - x)  ->  x >= 494 / 1,704.5 = 0.28982
    // so 0.290 BTC in lots of 0.001. Check: the remaining 0.11 BTC needs IM 5% x 5,357 = 267.85;
    // realised -377 (0.29 x -1,300), penalty 1.5% of 14,123 = 211.845, remaining PnL 0.11 x
    // -1,300 = -143: equity 1,000 - 377 - 211.845 - 143 = 268.155 >= 267.85. With 0.289 BTC
    // equity would be 268.8855 < IM 270.285.
    const auto report = w.engine.liquidate(alice, liquidator).value();
    CHECK_FALSE(report.full);
    REQUIRE(report.closed_count == 1);
    CHECK(report.closed[0].size_before == 40'000'000);
    CHECK(report.closed[0].size_after == 11'000'000);
    CHECK(report.closed_notional == usdc("14123"));
    CHECK(report.realised_pnl == usdc("-377"));
    CHECK(report.penalty == usdc("211.845"));
    CHECK(report.penalty_split.to_fund == usdc("211.845"));  // dYdX: all of it to the fund
    CHECK(report.deficit.is_zero());
    CHECK(report.equity_after == usdc("268.155"));
    const auto after = w.summary(alice);
    CHECK(after.initial_requirement == usdc("267.85"));
    CHECK(after.equity >= after.initial_requirement);
    CHECK(w.engine.collateral(alice) == usdc("411.155"));
    CHECK(w.engine.fund().balance(w.engine.ledger()) == usdc("211.845"));
    // The liquidator took over 0.29 BTC at 48,700.
    CHECK(w.engine.position(liquidator, w.market).size == 29'000'000);
    CHECK(w.engine.position(liquidator, w.market).cost == 14'123'000'000);
    w.check_invariants();
}

TEST_CASE("a full liquidation with a penalty capped by the equity left", "[engine][liquidation]") {
    EngineWorld<Adl> w(Adl(64));
    const AccountId maker = w.account("1000000");
    const AccountId alice = w.account("1000");
    const AccountId liquidator = w.account("100000");
    w.mark("50000");
    w.trade(alice, maker, "0.4", "50000");
    // Mark 47,800: PnL -880, equity 120; MM 573.6. A partial close cannot restore IM: it would
    // need equity above the penalty on the whole position (1.5% x 19,120 = 286.8). Full close:
    // realised -880 leaves 120 of collateral; the penalty (286.8) is capped at 120.
    w.mark("47800");
    const auto report = w.engine.liquidate(alice, liquidator).value();
    CHECK(report.full);
    CHECK(report.realised_pnl == usdc("-880"));
    CHECK(report.penalty == usdc("120"));
    CHECK(report.deficit.is_zero());
    CHECK(report.equity_after.is_zero());
    CHECK(w.engine.collateral(alice).is_zero());
    CHECK(w.engine.position(alice, w.market).size == 0);
    CHECK(w.engine.fund().balance(w.engine.ledger()) == usdc("120"));
    w.check_invariants();
}

TEST_CASE("a gap move leaves bad debt that the fund covers", "[engine][liquidation][waterfall]") {
    EngineWorld<Adl> w(Adl(64));
    const AccountId maker = w.account("1000000");
    const AccountId alice = w.account("1000");
    const AccountId liquidator = w.account("100000");
    w.engine.fund_deposit(usdc("5000")).value();
    w.mark("50000");
    w.trade(alice, maker, "0.4", "50000");
    // A 10% gap to 45,000: PnL -2,000, equity -1,000. Waterfall: Alice's 1,000 of collateral,
    // no penalty (nothing left), the fund pays the 1,000 deficit: 5,000 -> 4,000.
    w.mark("45000");
    const auto report = w.engine.liquidate(alice, liquidator).value();
    CHECK(report.full);
    CHECK(report.equity_before == usdc("-1000"));
    CHECK(report.realised_pnl == usdc("-2000"));
    CHECK(report.penalty.is_zero());
    CHECK(report.deficit == usdc("1000"));
    CHECK(report.fund_paid == usdc("1000"));
    CHECK(report.remainder.is_zero());
    CHECK(report.equity_after.is_zero());
    CHECK(w.engine.fund().balance(w.engine.ledger()) == usdc("4000"));
    CHECK(w.engine.fund().statistics().paid_total == Amount<USDC, Int128>(usdc("1000")));
    w.check_invariants();
}

namespace {

// Three shorts with different entries and collateral, against Alice's 0.4 BTC long (the maker
// is the counterparty of every trade and ends long 0.1). At a gap to 45,000:
//   S1: 0.2 short at 52,000, collateral 2,000: PnL 1,400, value 9,000, equity 3,400
//       BitMEX rank: 1,400 / 10,400 x 9,000 / 3,400 = 0.356
//   S2: 0.2 short at 50,000, collateral 10,000: PnL 1,000, equity 11,000: 0.1 x 0.818 = 0.082
//   S3: 0.1 short at 51,000, collateral 800: PnL 600, value 4,500, equity 1,400:
//       600 / 5,100 x 4,500 / 1,400 = 0.378
// Alice's deficit is 1,000; the fund holds 300, so 700 remains for the socialized-loss policy.
template <class SocializedLoss>
struct GapWorld {
    EngineWorld<SocializedLoss> w;
    AccountId maker, alice, s1, s2, s3, liquidator;

    explicit GapWorld(SocializedLoss policy) : w(std::move(policy)) {
        maker = w.account("1000000");
        alice = w.account("1000");
        s1 = w.account("2000");
        s2 = w.account("10000");
        s3 = w.account("800");
        liquidator = w.account("100000");
        w.engine.fund_deposit(usdc("300")).value();
        w.mark("52000");
        w.trade(maker, s1, "0.2", "52000");
        w.mark("51000");
        w.trade(maker, s3, "0.1", "51000");
        w.mark("50000");
        w.trade(maker, s2, "0.2", "50000");
        w.trade(alice, maker, "0.4", "50000");
        w.mark("45000");
    }
};

}  // namespace

TEST_CASE("a loss beyond the fund deleverages the most profitable, most levered shorts",
          "[engine][liquidation][waterfall]") {
    GapWorld<Adl> g(Adl(64));
    std::vector<Allocation<USDC>> out(8);
    const auto report = g.w.engine.liquidate(g.alice, g.liquidator, out).value();
    CHECK(report.deficit == usdc("1000"));
    CHECK(report.fund_paid == usdc("300"));
    CHECK(report.remainder == usdc("700"));
    // 700 over Alice's 0.4 BTC is 1,750 per BTC, in rank order S3, S1, S2:
    //   S3 closes 0.1: ceil(700 x 0.1/0.4) = 175
    //   S1 closes 0.2: ceil(700 x 0.3/0.4) - 175 = 350
    //   S2 closes the last 0.1: 700 - 525 = 175
    REQUIRE(report.allocation_count == 3);
    CHECK(report.socialized_by == LossLayer::auto_deleveraging);
    CHECK(out[0].account == g.s3);
    CHECK(out[0].amount == usdc("175"));
    CHECK(out[0].quantity_atoms == 10'000'000);
    CHECK(out[1].account == g.s1);
    CHECK(out[1].amount == usdc("350"));
    CHECK(out[2].account == g.s2);
    CHECK(out[2].amount == usdc("175"));
    CHECK(out[2].quantity_atoms == 10'000'000);
    CHECK(report.socialized == usdc("700"));
    CHECK(report.uncovered.is_zero());
    // The ADL closes are fills against the liquidator at 45,000, which leaves it flat:
    //   S3 realises 0.1 x (51,000 - 45,000) = 600: collateral 800 - 175 + 600 = 1,225.
    CHECK(g.w.engine.position(g.liquidator, g.w.market).size == 0);
    CHECK(g.w.engine.position(g.s3, g.w.market).size == 0);
    CHECK(g.w.engine.collateral(g.s3) == usdc("1225"));
    CHECK(g.w.engine.position(g.s1, g.w.market).size == 0);
    CHECK(g.w.engine.position(g.s2, g.w.market).size == -10'000'000);
    CHECK(g.w.engine.fund().balance(g.w.engine.ledger()).is_zero());
    g.w.check_invariants();
}

TEST_CASE("the same loss taken as a pro-rata haircut of the shorts' profit", "[engine][waterfall]") {
    GapWorld<socialized_loss::ProRataHaircut<USDC>> g({});
    std::vector<Allocation<USDC>> out(8);
    const auto report = g.w.engine.liquidate(g.alice, g.liquidator, out).value();
    // Capacities (profit, at most collateral): S1 1,400, S2 1,000, S3 600; total 3,000.
    //   S1: floor(700 x 1,400 / 3,000) = 326.666666 (+1 atom of residue, first in order)
    //   S2: floor(700 x 1,000 / 3,000) = 233.333333
    //   S3: 700 x 600 / 3,000        = 140
    REQUIRE(report.allocation_count == 3);
    CHECK(report.socialized_by == LossLayer::haircut);
    CHECK(out[0].account == g.s1);
    CHECK(out[0].amount == usdc("326.666667"));
    CHECK(out[1].amount == usdc("233.333333"));
    CHECK(out[2].amount == usdc("140"));
    CHECK(report.socialized == usdc("700"));
    CHECK(g.w.engine.collateral(g.s1) == usdc("1673.333333"));
    // Positions stay open; the liquidator keeps Alice's 0.4 BTC.
    CHECK(g.w.engine.position(g.s1, g.w.market).size == -20'000'000);
    CHECK(g.w.engine.position(g.liquidator, g.w.market).size == 40'000'000);
    g.w.check_invariants();
}

TEST_CASE("the same loss socialized through the funding index", "[engine][waterfall]") {
    GapWorld<socialized_loss::FundingSocialization<USDC>> g({});
    std::vector<Allocation<USDC>> out(8);
    const auto report = g.w.engine.liquidate(g.alice, g.liquidator, out).value();
    // Every open position pays the same per BTC (Drift, domain.md 2.4): S1 0.2, S2 0.2, S3 0.1,
    // the maker 0.1 and the liquidator's new 0.4: 1.0 BTC = 1e8 satoshi.
    // The index counts USDC per whole BTC x 1e9 (Drift's precision), so the divisor is
    // 10^(8 + 9 - 6) = 1e11: delta = ceil(700e6 atoms x 1e11 / 1e8) = 7e11 (700 USDC per BTC).
    CHECK(report.socialized_by == LossLayer::funding);
    CHECK(report.funding_delta_per_unit == 700'000'000'000);
    CHECK(report.socialized == usdc("700"));
    CHECK(g.w.engine.funding_index_long(g.w.market) == 700'000'000'000);
    CHECK(g.w.engine.funding_index_short(g.w.market) == -700'000'000'000);
    // The funding pool advanced the 700 to the PnL pool; positions owe it until they settle:
    // S1 owes 0.2 x 700 = 140, reflected in its equity now.
    CHECK(g.w.engine.ledger().balance_of(Place::funding_pool()) == usdc("-700"));
    // S1: collateral 2,000 + PnL 1,400 - funding 140 = 3,260.
    CHECK(g.w.summary(g.s1).equity == usdc("3260"));
    // Touching S1 and the maker (S1 closes its short against the maker at 45,000) settles what
    // they owe into the funding pool: 140 + 70 (the maker's 0.1 BTC long).
    g.w.trade(g.s1, g.maker, "0.2", "45000");
    CHECK(g.w.engine.ledger().balance_of(Place::funding_pool()) == usdc("-490"));
    CHECK(g.w.engine.collateral(g.s1) == usdc("3260"));
    g.w.check_invariants();
}

TEST_CASE("bad input is a typed error and changes nothing", "[engine]") {
    EngineWorld<Adl> w(Adl(64));
    const AccountId maker = w.account("1000000");
    const AccountId alice = w.account("1000");
    w.mark("50000");
    w.trade(alice, maker, "0.1", "50000");
    const AccountId ghost{99};
    const std::uint64_t digest = w.engine.digest();
    auto code = [](const auto& result) { return result.has_value() ? ErrorCode{} : result.error().code; };
    const MarketId m = w.market;
    CHECK(code(w.engine.trade(m, ghost, maker, btc("0.1"), price("50000"))) == ErrorCode::unknown_account);
    CHECK(code(w.engine.trade(MarketId{5}, alice, maker, btc("0.1"), price("50000"))) == ErrorCode::unknown_market);
    CHECK(code(w.engine.trade(m, alice, alice, btc("0.1"), price("50000"))) == ErrorCode::self_trade);
    CHECK(code(w.engine.trade(m, alice, maker, btc("0"), price("50000"))) == ErrorCode::size_not_positive);
    CHECK(code(w.engine.trade(m, alice, maker, btc("-0.1"), price("50000"))) == ErrorCode::size_not_positive);
    CHECK(code(w.engine.trade(m, alice, maker, btc("0.0001"), price("50000"))) == ErrorCode::off_lot);
    CHECK(code(w.engine.trade(m, alice, maker, btc("0.1"), price("50000.5"))) == ErrorCode::off_tick);
    CHECK(code(w.engine.trade(m, alice, maker, btc("0.1"), price("0"))) == ErrorCode::price_not_positive);
    // 0.5 BTC more needs IM 5% x 25,000 = 1,250 on top of 250: Alice has 1,000.
    CHECK(code(w.engine.trade(m, alice, maker, btc("0.5"), price("50000"))) == ErrorCode::insufficient_margin);
    CHECK(code(w.engine.withdraw(alice, usdc("800"))) == ErrorCode::insufficient_margin);  // 200 < IM 250
    CHECK(code(w.engine.withdraw(ghost, usdc("1"))) == ErrorCode::unknown_account);
    CHECK(code(w.engine.deposit(alice, usdc("0"))) == ErrorCode::amount_not_positive);
    CHECK(code(w.engine.liquidate(alice, maker)) == ErrorCode::not_liquidatable);
    CHECK(code(w.engine.liquidate(alice, alice)) == ErrorCode::self_trade);
    CHECK(code(w.engine.set_mark(m, price("0"), Timestamp{w.now_ms})) == ErrorCode::price_not_positive);
    CHECK(code(w.engine.set_mark(m, price("50000"), Timestamp{w.now_ms - 1})) == ErrorCode::time_backwards);
    CHECK(code(w.engine.update_funding(MarketId{5}, FundingDelta(1))) == ErrorCode::unknown_market);
    CHECK(code(w.engine.template add_market<BTC>(MarketConfig{})) == ErrorCode::invalid_market_config);
    CHECK(w.engine.digest() == digest);

    // A stale mark blocks opening risk, withdrawals against positions and liquidation.
    w.now_ms += 60'001;  // the staleness limit is 60 s
    w.engine.advance_time(Timestamp{w.now_ms}).value();
    const std::uint64_t stale_digest = w.engine.digest();
    CHECK(code(w.engine.trade(m, alice, maker, btc("0.1"), price("50000"))) == ErrorCode::stale_mark);
    CHECK(code(w.engine.withdraw(alice, usdc("1"))) == ErrorCode::stale_mark);
    CHECK(w.engine.digest() == stale_digest);
    // A halted market trades nothing; reduce-only accepts only reducing trades.
    w.mark("50000");
    w.engine.set_market_status(m, MarketStatus::halted).value();
    CHECK(code(w.engine.trade(m, alice, maker, btc("0.1"), price("50000"))) == ErrorCode::market_halted);
    w.engine.set_market_status(m, MarketStatus::reduce_only).value();
    CHECK(code(w.engine.trade(m, alice, maker, btc("0.1"), price("50000"))) == ErrorCode::market_reduce_only);
    CHECK(code(w.engine.trade(m, maker, alice, btc("0.1"), price("50000"))) == ErrorCode{});  // both reduce
    w.check_invariants();
}

TEST_CASE("the engine moves its own funding indices whatever the policy's precision", "[engine][waterfall]") {
    // The policy's delta is in its own units; the engine computes the index move in the
    // market's (funding socialization is declared by the policy's kind, not its type).
    using Funding = socialized_loss::FundingSocialization<USDC>;
    using Engine = MarginEngine<EngineFund<Funding>>;
    CHECK(Engine::create(EngineLimits{8, 1, 1}, {}, {}, Funding{1'000'000}).has_value());
    CHECK(Engine::create(EngineLimits{8, 1, 1}, {}, {}, Funding{funding_precision}).has_value());
}

TEST_CASE("a liquidation report lists every transfer of the waterfall", "[engine][waterfall]") {
    GapWorld<Adl> g(Adl(64));
    std::vector<Allocation<USDC>> out(8);
    const auto report = g.w.engine.liquidate(g.alice, g.liquidator, out).value();
    // Alice's 1,000 to the pool, the fund's 300 to the pool, and three ADL charges.
    std::size_t bad_debt = 0, adl = 0, alice_to_pool = 0;
    for (std::size_t i = 0; i < report.transfers.count; ++i) {
        const auto& t = report.transfers.transfers[i];
        bad_debt += t.reason == TransferReason::bad_debt_payment && t.amount == usdc("300");
        adl += t.reason == TransferReason::auto_deleveraging;
        alice_to_pool += t.source == Place::collateral(g.alice) && t.target == Place::pnl_pool() && t.amount == usdc("1000");
    }
    CHECK(bad_debt == 1);
    CHECK(adl == 3);
    CHECK(alice_to_pool == 1);
    CHECK(report.transfers.dropped == 0);
}

TEST_CASE("a trade's report lists every transfer it commits, as many as a trade can", "[engine][fees]") {
    // Both fills settle funding and realise PnL, both fees split between the fund and the
    // treasury: eight transfers, trade_transfers_max, the size of a trade's log.
    MarketConfig config = test_market();
    config.taker_fee = Ppm{500};
    config.maker_fee = Ppm{200};
    config.fee_to_fund = Ppm{500'000};
    EngineWorld<Adl> w(Adl(64), EngineLimits{64, 4, 4}, config);
    const AccountId alice = w.account("10000");
    const AccountId bob = w.account("10000");
    w.mark("50000");
    w.trade(alice, bob, "0.1", "50000");  // alice long, bob short
    REQUIRE(w.engine.update_funding(w.market, FundingDelta(10'000'000'000)).has_value());  // 10 USDC a BTC
    w.mark("51000");
    const std::vector<Place> places{Place::collateral(alice), Place::collateral(bob), Place::pnl_pool(),
                                    Place::funding_pool(),    w.engine.fund().place(),  Place::treasury()};
    std::vector<Usdc> before;
    for (const Place& place : places) before.push_back(w.engine.ledger().balance_of(place));
    // Alice sells half back to bob at the mark, taking: both reduce, realising her gain and his loss.
    const auto report = w.engine.trade(w.market, bob, alice, btc("0.05"), price("51000"), Taker::seller).value();
    CHECK(report.transfers.count == trade_transfers_max);
    CHECK(report.transfers.dropped == 0);
    for (std::size_t k = 0; k < places.size(); ++k) {
        Usdc logged = Usdc::zero();
        for (std::size_t i = 0; i < report.transfers.count; ++i) {
            const Transfer<USDC>& t = report.transfers.transfers[i];
            if (t.target == places[k]) logged = logged + t.amount;
            if (t.source == places[k]) logged = logged - t.amount;
        }
        INFO("place " << k);
        CHECK(w.engine.ledger().balance_of(places[k]) - before[k] == logged);  // the log is every change
    }
    w.check_invariants();
}

TEST_CASE("the scan is exact at the maintenance boundary", "[engine]") {
    EngineWorld<Adl> w(Adl(64));
    const AccountId maker = w.account("1000000");
    // Long 0.1 BTC at 50,000 (cost 5,000). At 40,000: value 4,000, maintenance 3% = 120, so a
    // collateral of 1,120 leaves equity 120 = maintenance exactly (not liquidatable: equity must
    // fall below), and one atom less is liquidatable.
    const AccountId at_boundary = w.account("1120");
    const AccountId one_atom_below = w.account("1119.999999");
    w.mark("50000");
    w.trade(at_boundary, maker, "0.1", "50000");
    w.trade(one_atom_below, maker, "0.1", "50000");
    w.mark("40000");
    CHECK(w.summary(at_boundary).equity == w.summary(at_boundary).maintenance_requirement);
    CHECK_FALSE(w.engine.is_liquidatable(at_boundary));
    CHECK(w.engine.is_liquidatable(one_atom_below));
    std::array<AccountId, 4> due{};
    const auto found = w.engine.liquidatable_accounts(due);
    REQUIRE(found.size() == 1);
    CHECK(found[0] == one_atom_below);
}

}  // namespace test_engine_engine_scenarios_test
