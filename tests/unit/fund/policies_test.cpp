// Hand-worked examples for every shipped policy, through InsuranceFund so that the ledger sees
// each transfer. The arithmetic is in the comments; amounts are USDC (6 decimals, 1 atom =
// 0.000001). Where a figure comes from a real venue, domain.md's section is named.
#include <catch2/catch.hpp>

#include "support/random.hpp"
#include "unit/fund/fund_world.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace test_fund_policies_test {

using namespace backstop;
using namespace backstop::testing;

namespace {
using Allocations = std::vector<Allocation<USDC>>;
}

TEST_CASE("fixed shares split a penalty, rounding every share down, residue to dust",
          "[fund][policy]") {
    FundWorld<> world;
    auto fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                              socialized_loss::ProRataHaircut<USDC>>::open(world.ledger,
                                                                          {Bps{5'000}, Bps{1'000}}, {}, {})
                    .value();
    const AccountId trader = world.accounts[0];
    world.deposit(trader, usdc("6000"));
    // The demo's penalty: 1.5% (dYdX max_liquidation_fee_ppm 15000, domain.md 1.1) of a
    // 92,250.375 USDC close = 1,383.755625 USDC = 1,383,755,625 atoms.
    //   liquidator 50%: 691,877,812.5 -> down 691,877,812
    //   treasury   10%: 138,375,562.5 -> down 138,375,562
    //   fund       40%: 553,502,250   -> exact
    //   dust: 1,383,755,625 - 691,877,812 - 138,375,562 - 553,502,250 = 1
    const auto report = fund.capture(world.ledger, usdc("1383.755625"),
                                     CaptureContext{Place::collateral(trader), Place::liquidator(world.liquidator), MarketId{0}})
                            .value();
    CHECK(report.split.to_liquidator == usdc("691.877812"));
    CHECK(report.split.to_treasury == usdc("138.375562"));
    CHECK(report.split.to_fund == usdc("553.502250"));
    CHECK(report.split.to_dust == usdc("0.000001"));
    CHECK(world.ledger.balance_of(Place::collateral(trader)) == usdc("4616.244375"));
    CHECK(fund.balance(world.ledger) == usdc("553.502250"));
    CHECK(world.ledger.balance_of(Place::dust()) == usdc("0.000001"));
    CHECK(fund.statistics().captured_total == Amount<USDC, Int128>(usdc("553.502250")));
    CHECK(world.ledger.audit().balanced());

    // dYdX v4 sends the whole penalty to the fund: shares 0 / 0.
    //   1.5% of a 100,000 USDC close = 1,500 USDC, all of it to the fund.
    auto dydx = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                              socialized_loss::ProRataHaircut<USDC>>::open(world.ledger, {}, {}, {})
                    .value();
    const Usdc penalty = apply_rate(usdc("100000"), Ppm{15'000}, round_up).value();
    const auto all_to_fund = dydx.capture(world.ledger, penalty,
                                          CaptureContext{Place::collateral(trader),
                                                         Place::liquidator(world.liquidator), MarketId{0}})
                                 .value();
    CHECK(all_to_fund.split.to_fund == usdc("1500"));
    CHECK(all_to_fund.split.to_liquidator.is_zero());
    CHECK(dydx.balance(world.ledger) == usdc("1500"));
}

TEST_CASE("fund first until target, then treasury", "[fund][policy]") {
    FundWorld<> world;
    // Target 1,000,000 USDC: the ~1M seed proposed for the dYdX v4 fund (domain.md 1.4).
    auto fund = InsuranceFund<USDC, fee_capture::FundFirstUntilTarget<USDC>,
                              settlement::CoverUpToBalance<USDC>, socialized_loss::ProRataHaircut<USDC>>::
        open(world.ledger, {Bps{1'000}, usdc("1000000")}, {}, {})
            .value();
    world.seed(fund, usdc("999400"));
    world.deposit(world.accounts[1], usdc("5000"));
    const CaptureContext context{Place::collateral(world.accounts[1]), Place::liquidator(world.liquidator),
                                 MarketId{0}};
    // Penalty 1,500: liquidator 10% = 150; rest 1,350; the fund has room for 600 (to the
    // target), the treasury takes 750.
    const auto first = fund.capture(world.ledger, usdc("1500"), context).value();
    CHECK(first.split.to_liquidator == usdc("150"));
    CHECK(first.split.to_fund == usdc("600"));
    CHECK(first.split.to_treasury == usdc("750"));
    CHECK(first.split.to_dust.is_zero());
    CHECK(fund.balance(world.ledger) == usdc("1000000"));
    // At the target: everything after the liquidator goes to the treasury.
    const auto second = fund.capture(world.ledger, usdc("100"), context).value();
    CHECK(second.split.to_fund.is_zero());
    CHECK(second.split.to_treasury == usdc("90"));
    CHECK(world.ledger.balance_of(Place::treasury()) == usdc("840"));
    CHECK(world.ledger.audit().balanced());
}

TEST_CASE("a capped liquidator share", "[fund][policy]") {
    FundWorld<> world;
    auto fund = InsuranceFund<USDC, fee_capture::CappedLiquidatorShare<USDC>,
                              settlement::CoverUpToBalance<USDC>, socialized_loss::ProRataHaircut<USDC>>::
        open(world.ledger, {Bps{5'000}, usdc("100"), Bps{2'000}}, {}, {})
            .value();
    world.deposit(world.accounts[0], usdc("2000"));
    // Penalty 1,000.000001: liquidator min(50% = 500.0000005 -> 500.000000, cap 100) = 100;
    // rest 900.000001; treasury 20% = 180.0000002 -> 180.000000; fund 80% = 720.0000008 ->
    // 720.000000; dust 0.000001.
    const auto report = fund.capture(world.ledger, usdc("1000.000001"),
                                     CaptureContext{Place::collateral(world.accounts[0]),
                                                    Place::liquidator(world.liquidator), MarketId{0}})
                            .value();
    CHECK(report.split.to_liquidator == usdc("100"));
    CHECK(report.split.to_treasury == usdc("180"));
    CHECK(report.split.to_fund == usdc("720"));
    CHECK(report.split.to_dust == usdc("0.000001"));
    // A small penalty stays under the cap: 50% of 150 = 75.
    const auto small = fund.capture(world.ledger, usdc("150"),
                                    CaptureContext{Place::collateral(world.accounts[0]),
                                                   Place::liquidator(world.liquidator), MarketId{0}})
                           .value();
    CHECK(small.split.to_liquidator == usdc("75"));
}

TEST_CASE("settlement policies decide what the fund pays now", "[fund][policy]") {
    SECTION("cover up to the balance: dYdX v4's fund at launch") {
        FundWorld<> world;
        auto fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                                  socialized_loss::ProRataHaircut<USDC>>::open(world.ledger, {}, {}, {})
                        .value();
        // 3,997.49 USDC: the v4 fund when full trading began (domain.md 1.4). A 5,000 deficit
        // takes all of it; 1,002.51 is left for the socialized-loss policy.
        world.seed(fund, usdc("3997.49"));
        const auto report = fund.settle(world.ledger, usdc("5000"),
                                        SettleContext{Place::socialized_loss(), MarketId{0}})
                                .value();
        CHECK(report.paid == usdc("3997.49"));
        CHECK(report.remainder == usdc("1002.51"));
        CHECK(report.depleted);
        CHECK(fund.balance(world.ledger).is_zero());
        CHECK(world.ledger.balance_of(Place::socialized_loss()) == usdc("3997.49"));
        CHECK(fund.statistics().depletion_count == 1);
        CHECK(fund.statistics().largest_payout == usdc("3997.49"));
        CHECK(fund.statistics().drawdown_max == usdc("3997.49"));
    }
    SECTION("cover only above a reserve floor") {
        FundWorld<> world;
        auto fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverAboveFloor<USDC>,
                                  socialized_loss::ProRataHaircut<USDC>>::open(world.ledger, {},
                                                                              {usdc("2500")}, {})
                        .value();
        // Balance 10,000, floor 2,500: a 9,000 deficit gets 7,500; 1,500 remains.
        world.seed(fund, usdc("10000"));
        const auto report = fund.settle(world.ledger, usdc("9000"),
                                        SettleContext{Place::socialized_loss(), MarketId{0}})
                                .value();
        CHECK(report.paid == usdc("7500"));
        CHECK(report.remainder == usdc("1500"));
        CHECK(report.depleted);
        CHECK(fund.balance(world.ledger) == usdc("2500"));
        // A small deficit above the floor is paid in full and is no depletion.
        world.seed(fund, usdc("100"));
        const auto small = fund.settle(world.ledger, usdc("60"),
                                       SettleContext{Place::socialized_loss(), MarketId{0}})
                               .value();
        CHECK(small.paid == usdc("60"));
        CHECK_FALSE(small.depleted);
    }
    SECTION("caps per event and per market: Drift's tier B and dYdX's per-block cap") {
        FundWorld<> world;
        // Per market 1,000,000 (Drift contract tier B, domain.md 2.4); per event 1,000,000
        // (dYdX max_quantums_insurance_lost per subaccount per block, domain.md 1.1).
        auto fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>,
                                  settlement::CappedPerEventAndMarket<USDC>,
                                  socialized_loss::ProRataHaircut<USDC>>::open(world.ledger, {},
                                                                              {usdc("1000000"), usdc("1000000")},
                                                                              {})
                        .value();
        world.seed(fund, usdc("5000000"));
        const SettleContext market0{Place::socialized_loss(), MarketId{0}};
        const SettleContext market1{Place::socialized_loss(), MarketId{1}};
        // Market 0: 700,000 paid in full; then 600,000 finds only 300,000 of room left.
        CHECK(fund.settle(world.ledger, usdc("700000"), market0).value().paid == usdc("700000"));
        const auto second = fund.settle(world.ledger, usdc("600000"), market0).value();
        CHECK(second.paid == usdc("300000"));
        CHECK(second.remainder == usdc("300000"));
        CHECK_FALSE(second.depleted);  // capped, not empty
        CHECK(fund.paid_in(MarketId{0}) == Amount<USDC, Int128>(usdc("1000000")));
        // Market 1: a 1,200,000 deficit is cut to the 1,000,000 per-event cap.
        CHECK(fund.settle(world.ledger, usdc("1200000"), market1).value().paid == usdc("1000000"));
        CHECK(fund.balance(world.ledger) == usdc("3000000"));
    }
}

TEST_CASE("a pro-rata haircut takes the same fraction of every winner's profit", "[fund][policy]") {
    FundWorld<> world;
    auto fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                              socialized_loss::ProRataHaircut<USDC>>::open(world.ledger, {}, {}, {})
                    .value();
    // Capacities (profit, capped by collateral):
    //   account 1: profit 3,000, collateral 5,000 -> 3,000
    //   account 2: profit 1,000, collateral   200 ->   200
    //   account 3: a loss of 50                   ->     0
    //   account 4: profit 0.000001                ->     0.000001
    // total 3,200.000001. Remainder 1,000 = 1e9 atoms:
    //   1: floor(1e9 * 3e9 / 3,200,000,001) = 937,499,999
    //   2: floor(1e9 * 2e8 / 3,200,000,001) =  62,499,999
    //   4: floor(1e9 * 1   / 3,200,000,001) =           0
    //   residue 2 atoms, one each in account order: 937,500,000 and 62,500,000.
    const std::vector<LossBearer<USDC>> bearers = {
        bearer(1, 100'000'000, "60000", "57000", "5000"),
        bearer(2, 100'000'000, "60000", "59000", "200"),
        bearer(3, 100'000'000, "60000", "60050", "700"),
        bearer(4, 100'000'000, "60000", "59999.999999", "10"),
    };
    for (const auto& b : bearers) world.deposit(b.account, b.collateral);
    Allocations out(8);
    const auto report = fund.socialize(world.ledger, usdc("1000"), bearers, out,
                                       SocializeContext{Place::socialized_loss(), MarketId{0}})
                            .value();
    REQUIRE(report.allocation_count == 2);
    CHECK(report.covered == usdc("1000"));
    CHECK(report.uncovered.is_zero());
    CHECK(out[0].account == AccountId{1});
    CHECK(out[0].amount == usdc("937.5"));
    CHECK(out[1].account == AccountId{2});
    CHECK(out[1].amount == usdc("62.5"));
    CHECK(world.ledger.balance_of(Place::collateral(AccountId{1})) == usdc("4062.5"));
    CHECK(world.ledger.balance_of(Place::socialized_loss()) == usdc("1000"));
    // More than the winners have: everything they can give, the rest uncovered.
    Allocations big(8);
    const auto over = fund.socialize(world.ledger, usdc("5000"), refreshed(bearers, world.ledger), big,
                                     SocializeContext{Place::socialized_loss(), MarketId{0}})
                          .value();
    // Capacities now: account 1 profit 3,000 but collateral 4,062.5 -> 3,000; account 2 profit
    // 1,000, collateral 137.5 -> 137.5; account 4 -> 0.000001: total 3,137.500001.
    CHECK(over.covered == usdc("3137.500001"));
    CHECK(over.uncovered == usdc("1862.499999"));
    CHECK(world.ledger.audit().balanced());
}

TEST_CASE("socialization through the funding index charges every position per unit", "[fund][policy]") {
    FundWorld<> world;
    auto fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                              socialized_loss::FundingSocialization<USDC>>::open(world.ledger, {}, {}, {})
                    .value();
    // Drift v2 (domain.md 2.4): delta = ceil(loss * 1e9 / total base), every position pays it.
    // Positions 3 BTC, 1 BTC, 1 BTC (in satoshi: 3e8, 1e8, 1e8; total 5e8). Loss 100.000001 USDC:
    //   delta = ceil(100,000,001 * 1e9 / 5e8) = ceil(200,000,002) = 200,000,002
    //   3 BTC: ceil(3e8 * 200,000,002 / 1e9) = ceil(60,000,000.6) = 60,000,001
    //   1 BTC: ceil(1e8 * 200,000,002 / 1e9) = ceil(20,000,000.2) = 20,000,001 (twice)
    //   collected 100,000,003: 2 atoms above the loss, to dust.
    const std::vector<LossBearer<USDC>> bearers = {
        bearer(1, 300'000'000, "180000", "180000", "9000"),
        bearer(2, 100'000'000, "60000", "60000", "3000"),
        bearer(3, 100'000'000, "60000", "60000", "3000"),
    };
    for (const auto& b : bearers) world.deposit(b.account, b.collateral);
    Allocations out(3);
    const auto report = fund.socialize(world.ledger, usdc("100.000001"), bearers, out,
                                       SocializeContext{Place::socialized_loss(), MarketId{0}})
                            .value();
    CHECK(report.funding_delta_per_unit == 200'000'002);
    CHECK(report.covered == usdc("100.000001"));
    REQUIRE(report.allocation_count == 3);
    CHECK(out[0].amount == usdc("60.000001"));
    CHECK(out[1].amount == usdc("20.000001"));
    CHECK(out[2].amount == usdc("20.000001"));
    CHECK(world.ledger.balance_of(Place::dust()) == usdc("0.000002"));
    CHECK(world.ledger.balance_of(Place::socialized_loss()) == usdc("100.000001"));
    CHECK(world.ledger.audit().balanced());
}

namespace {
// Three profitable shorts and one at break-even, against a 2 BTC long that went bankrupt.
// Ranks (BitMEX, PnL% x position value / equity):
//   account 3: 1 BTC,   entry 60,000, value 55,000, PnL 5,000, coll 5,000: 0.0833 x 5.5   = 0.458
//   account 5: 0.5 BTC, entry 31,000, value 27,500, PnL 3,500, coll 1,000: 0.1129 x 6.11  = 0.690
//   account 8: 3 BTC, no profit: not eligible
//   account 9: 2 BTC,   entry 116,000, value 110,000, PnL 6,000, coll 50,000: 0.0517 x 1.96 = 0.102
// Binance (PnL / max(1, wallet) x maintenance / equity, maintenance 3% of value):
//   account 3: 1.0 x 1,650 / 10,000 = 0.165; account 5: 3.5 x 825 / 4,500 = 0.642;
//   account 9: 0.12 x 3,300 / 56,000 = 0.0071. Same order: 5, 3, 9.
std::vector<LossBearer<USDC>> adl_bearers() {
    return {
        bearer(3, 100'000'000, "60000", "55000", "5000", "1650"),
        bearer(5, 50'000'000, "31000", "27500", "1000", "825"),
        bearer(8, 300'000'000, "165000", "165000", "9000", "4950"),
        bearer(9, 200'000'000, "116000", "110000", "50000", "3300"),
    };
}
}  // namespace

TEMPLATE_TEST_CASE("ranked auto-deleveraging closes the highest-ranked winners first",
                   "[fund][policy]", adl_rank::PnlTimesLeverage, adl_rank::BinanceLeveragePnl) {
    FundWorld<> world;
    auto fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                              socialized_loss::RankedAdl<USDC, TestType>>::open(world.ledger, {}, {},
                                                                               socialized_loss::RankedAdl<USDC, TestType>(16))
                    .value();
    const auto bearers = adl_bearers();
    for (const auto& b : bearers) world.deposit(b.account, b.collateral);
    // Remainder 300 USDC over the defaulter's 2 BTC (2e8 satoshi): 150 USDC per BTC.
    //   account 5 closes 0.5 BTC: ceil(300e6 * 0.5e8 / 2e8) - 0          =  75e6
    //   account 3 closes 1 BTC:   ceil(300e6 * 1.5e8 / 2e8) - 75e6       = 150e6
    //   account 9 closes 0.5 BTC: ceil(300e6 * 2e8 / 2e8)   - 225e6      =  75e6
    Allocations out(4);
    SocializeContext context{Place::socialized_loss(), MarketId{0}};
    context.defaulter_size_atoms = 200'000'000;
    const auto report = fund.socialize(world.ledger, usdc("300"), bearers, out, context).value();
    REQUIRE(report.allocation_count == 3);
    CHECK(out[0].account == AccountId{5});
    CHECK(out[0].quantity_atoms == 50'000'000);
    CHECK(out[0].amount == usdc("75"));
    CHECK(out[1].account == AccountId{3});
    CHECK(out[1].quantity_atoms == 100'000'000);
    CHECK(out[1].amount == usdc("150"));
    CHECK(out[2].account == AccountId{9});
    CHECK(out[2].quantity_atoms == 50'000'000);
    CHECK(out[2].amount == usdc("75"));
    CHECK(report.covered == usdc("300"));
    CHECK(out[0].layer == LossLayer::auto_deleveraging);
    CHECK(world.ledger.audit().balanced());
}

namespace {

// RankedAdl's plan as it was before the selection pass: one heap over every eligible bearer,
// popped in rank order (the reference of the [perf_equivalence] test below).
template <class Rank>
std::vector<Allocation<USDC>> ranked_adl_by_heap(const Amount<USDC>& remainder, const std::vector<LossBearer<USDC>>& bearers,
                                                 std::int64_t defaulter_size) {
    struct Ranked {
        double key;
        AccountId account;
        std::uint32_t index;
    };
    const auto below = [](const Ranked& a, const Ranked& b) {
        if (a.key != b.key) return a.key < b.key;
        return b.account < a.account;
    };
    std::vector<Ranked> heap;
    for (std::uint32_t i = 0; i < bearers.size(); ++i) {
        if (bearers[i].size_atoms <= 0 || !detail::profit_capacity(bearers[i]).is_positive()) continue;
        heap.push_back(Ranked{Rank::key(bearers[i]), bearers[i].account, i});
    }
    std::make_heap(heap.begin(), heap.end(), below);
    std::vector<Allocation<USDC>> out;
    std::int64_t closed = 0;
    auto end = heap.end();
    while (end != heap.begin() && closed < defaulter_size) {
        std::pop_heap(heap.begin(), end, below);
        --end;
        const LossBearer<USDC>& bearer = bearers[end->index];
        const std::int64_t quantity = std::min(bearer.size_atoms, defaulter_size - closed);
        const Amount<USDC> share = detail::share_of_close(remainder, defaulter_size, closed, closed + quantity);
        closed += quantity;
        const Amount<USDC> amount = std::min(share, detail::profit_capacity(bearer));
        if (!amount.is_positive()) continue;
        out.push_back(Allocation<USDC>{end->index, bearer.account, Place::collateral(bearer.account), amount, quantity,
                                       LossLayer::auto_deleveraging});
    }
    return out;
}

}  // namespace

TEMPLATE_TEST_CASE("ranked auto-deleveraging: the selection pass deleverages in the order a heap over all pops",
                   "[fund][policy][perf_equivalence]", adl_rank::PnlTimesLeverage, adl_rank::BinanceLeveragePnl) {
    // Worlds of 1 to 300 bearers with few distinct figures (ties in the key are common, broken by
    // the account id), and defaulters large enough that more than the first 32 are needed half
    // the time (the heap fallback).
    FundWorld<> world;
    TestRandom random(0x72616e6b65645f31ull);
    std::uint64_t compared = 0;
    std::uint64_t beyond_first_pass = 0;
    for (int world_index = 0; world_index < 400; ++world_index) {
        const auto count = static_cast<std::uint32_t>(1 + random.below(300));
        std::vector<LossBearer<USDC>> bearers(count);
        for (std::uint32_t i = 0; i < count; ++i) {
            LossBearer<USDC>& b = bearers[i];
            b.account = AccountId{static_cast<std::uint32_t>((i * 7919u) % 1000u)};  // not in index order
            b.side = Side::short_side;
            b.size_atoms = static_cast<std::int64_t>(random.below(4)) * 1'000;  // some 0: not eligible
            b.unrealised_pnl = Amount<USDC>(static_cast<std::int64_t>(random.below(5)) * 1'000'000 - 1'000'000);
            b.collateral = Amount<USDC>(static_cast<std::int64_t>(1 + random.below(3)) * 1'000'000);
            b.position_value = Amount<USDC>(static_cast<std::int64_t>(1 + random.below(3)) * 10'000'000);
            b.entry_value = Amount<USDC>(static_cast<std::int64_t>(1 + random.below(3)) * 10'000'000);
            b.maintenance = Amount<USDC>(static_cast<std::int64_t>(random.below(3)) * 300'000);
        }
        const std::int64_t defaulter = static_cast<std::int64_t>(1 + random.below(static_cast<std::uint64_t>(count) * 3'000));
        const Amount<USDC> remainder(static_cast<std::int64_t>(1 + random.below(100'000'000)));
        SocializeContext context{Place::socialized_loss(), MarketId{0}};
        context.defaulter_size_atoms = defaulter;
        Allocations out(count);
        const socialized_loss::RankedAdl<USDC, TestType> policy(1'000);
        const SocializePlan<USDC> plan =
            policy.plan(remainder, Span<const LossBearer<USDC>>(bearers.data(), bearers.size()),
                        Span<Allocation<USDC>>(out.data(), out.size()), context, world.ledger)
                .value();
        const std::vector<Allocation<USDC>> expected = ranked_adl_by_heap<TestType>(remainder, bearers, defaulter);
        REQUIRE(plan.allocation_count == expected.size());
        for (std::size_t k = 0; k < expected.size(); ++k) {
            CHECK(out[k].bearer_index == expected[k].bearer_index);
            CHECK(out[k].account == expected[k].account);
            CHECK(out[k].amount == expected[k].amount);
            CHECK(out[k].quantity_atoms == expected[k].quantity_atoms);
        }
        ++compared;
        beyond_first_pass += expected.size() > 32 ? 1u : 0u;
    }
    CHECK(compared == 400);
    CHECK(beyond_first_pass > 40);
}

TEST_CASE("ranked auto-deleveraging breaks ties by the lower account id", "[fund][policy]") {
    FundWorld<> world;
    auto fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                              socialized_loss::RankedAdl<USDC>>::open(world.ledger, {}, {}, {})
                    .value();
    const std::vector<LossBearer<USDC>> twins = {bearer(4, 100'000'000, "60000", "55000", "5000"),
                                                 bearer(7, 100'000'000, "60000", "55000", "5000")};
    for (const auto& b : twins) world.deposit(b.account, b.collateral);
    Allocations out(2);
    SocializeContext context{Place::socialized_loss(), MarketId{0}};
    context.defaulter_size_atoms = 100'000'000;  // one BTC: only one twin is needed
    const auto report = fund.socialize(world.ledger, usdc("10"), twins, out, context).value();
    REQUIRE(report.allocation_count == 1);
    CHECK(out[0].account == AccountId{4});
}

TEST_CASE("dYdX's random-start deleveraging walks the opposite side from a seeded offset",
          "[fund][policy]") {
    FundWorld<> world;
    auto fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                              socialized_loss::RandomStartAdl<USDC>>::open(world.ledger, {}, {}, {})
                    .value();
    const auto bearers = adl_bearers();
    for (const auto& b : bearers) world.deposit(b.account, b.collateral);
    SocializeContext context{Place::socialized_loss(), MarketId{0}};
    context.defaulter_size_atoms = 200'000'000;
    // Find a seed whose documented start offset, hash(seed) mod 4, is 2 (account 8, which has no
    // profit and is skipped): the walk goes 8 -> 9 -> 3 and wraps around.
    std::uint64_t seed = 0;
    while (StableHash().add(seed).value() % bearers.size() != 2) ++seed;
    context.event_seed = seed;
    Allocations out(4);
    // Account 9 closes its full 2 BTC (the whole defaulter size): 300 USDC, within its 6,000
    // profit. Nobody after it is needed.
    const auto report = fund.socialize(world.ledger, usdc("300"), bearers, out, context).value();
    REQUIRE(report.allocation_count == 1);
    CHECK(out[0].account == AccountId{9});
    CHECK(out[0].quantity_atoms == 200'000'000);
    CHECK(out[0].amount == usdc("300"));
    // Another seed starting at account 5 (offset 1): 5 closes 0.5 BTC (75), then 8 is skipped,
    // then 9 closes the remaining 1.5 BTC (225).
    while (StableHash().add(seed).value() % bearers.size() != 1) ++seed;
    context.event_seed = seed;
    const auto second = fund.socialize(world.ledger, usdc("300"), bearers, out, context).value();
    REQUIRE(second.allocation_count == 2);
    CHECK(out[0].account == AccountId{5});
    CHECK(out[0].amount == usdc("75"));
    CHECK(out[1].account == AccountId{9});
    CHECK(out[1].amount == usdc("225"));
}

TEST_CASE("a clearing-house waterfall: default fund, then capped assessments", "[fund][policy]") {
    FundWorld<> world;
    const FundId default_fund = world.ledger.open_fund().value();
    world.ledger.transfer(Place::external(), Place::fund(default_fund), usdc("500"), TransferReason::fund_deposit)
        .value();
    auto fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                              socialized_loss::ClearingHouseWaterfall<USDC>>::
        open(world.ledger, {}, {}, {default_fund, usdc("400"), Bps{1'000}})
            .value();
    // Members with collateral 2,000, 3,000, 1,500; assessments capped at 10%: 200, 300, 150.
    const std::vector<LossBearer<USDC>> members = {bearer(1, 0, "0", "0", "2000"),
                                                   bearer(2, 0, "0", "0", "3000"),
                                                   bearer(3, 0, "0", "0", "1500")};
    for (const auto& b : members) world.deposit(b.account, b.collateral);
    // Remainder 1,000: the default fund pays its per-event cap, 400 (of its 500); 600 is
    // assessed pro rata over capacities 200/300/150 (total 650):
    //   floor(600e6 * 200e6 / 650e6) = 184,615,384   -> +1 residue = 184,615,385
    //   floor(600e6 * 300e6 / 650e6) = 276,923,076   -> +1 residue = 276,923,077
    //   floor(600e6 * 150e6 / 650e6) = 138,461,538
    Allocations out(4);
    const auto report = fund.socialize(world.ledger, usdc("1000"), members, out,
                                       SocializeContext{Place::socialized_loss(), MarketId{0}})
                            .value();
    REQUIRE(report.allocation_count == 4);
    CHECK(out[0].layer == LossLayer::default_fund);
    CHECK(out[0].amount == usdc("400"));
    CHECK(out[1].amount == usdc("184.615385"));
    CHECK(out[2].amount == usdc("276.923077"));
    CHECK(out[3].amount == usdc("138.461538"));
    CHECK(out[3].layer == LossLayer::assessment);
    CHECK(report.covered == usdc("1000"));
    CHECK(world.ledger.balance_of(Place::fund(default_fund)) == usdc("100"));
    // A second default beyond every layer: default fund 100 left, assessments capped at 10% of
    // what members hold now (1,815.384615 / 2,723.076923 / 1,361.538462 -> 181.538461 +
    // 272.307692 + 136.153846 = 589.999999): 689.999999 covered of 2,000.
    const auto second = fund.socialize(world.ledger, usdc("2000"), refreshed(members, world.ledger), out,
                                       SocializeContext{Place::socialized_loss(), MarketId{0}})
                            .value();
    CHECK(second.covered == usdc("689.999999"));
    CHECK(second.uncovered == usdc("1310.000001"));
    CHECK(world.ledger.audit().balanced());
}

}  // namespace test_fund_policies_test
