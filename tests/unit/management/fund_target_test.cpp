// The fund target: open interest and Cover-N by hand, then against a reference computed from the
// engine's public reads on random books.
#include "support/random.hpp"
#include "support/scale.hpp"
#include "unit/engine/engine_world.hpp"

#include <backstop/management/fund_target.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

namespace test_management_fund_target_test {

using namespace backstop;
using namespace backstop::testing;

namespace {
using Adl = socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>;
}

TEST_CASE("fund target: open interest and Cover-2 by hand", "[management][target]") {
    EngineWorld<Adl> w(Adl(64));
    const AccountId maker = w.account("1000000");
    const AccountId alice = w.account("1000");
    const AccountId bob = w.account("3000");
    w.mark("50000");
    w.trade(alice, maker, "0.4", "50000");  // alice long 0.4
    w.trade(maker, bob, "0.5", "50000");    // bob short 0.5; the maker is long 0.1 net
    FundTarget target = FundTarget::open(FundTargetConfig{}, 4).value();  // 5% of OI, 15% shock, Cover-2
    FundTargetReport<USDC> report = target.compute(w.engine).value();
    // Open interest: the longs, 0.4 + 0.1 = 0.5 BTC, worth 25,000: 5% is 1,250.
    CHECK(report.open_interest_target.atoms() == usdc("1250").atoms());
    // Shocked 15% against each position: alice at 42,500 loses 0.4 x 7,500 = 3,000 on 1,000 of
    // collateral (2,000 of bad debt); bob at 57,500 loses 0.5 x 7,500 = 3,750 on 3,000 (750);
    // the maker loses 750 on 1,000,000 (none). Cover-2 = 2,750.
    REQUIRE(report.largest_count == 2);
    CHECK(report.largest[0] == alice);
    CHECK(report.largest_loss[0].atoms() == usdc("2000").atoms());
    CHECK(report.largest[1] == bob);
    CHECK(report.largest_loss[1].atoms() == usdc("750").atoms());
    CHECK(report.cover_target.atoms() == usdc("2750").atoms());
    CHECK(report.target.atoms() == usdc("2750").atoms());
    CHECK(report.gap.atoms() == usdc("2750").atoms());
    CHECK(report.coverage_ppm == 0);
    w.engine.fund_deposit(usdc("5500")).value();
    report = target.compute(w.engine).value();
    CHECK(report.gap.is_zero());
    CHECK(report.coverage_ppm == 2'000'000);  // twice the target

    FundTargetConfig cover_one;
    cover_one.cover = 1;
    CHECK(FundTarget::open(cover_one, 4).value().compute(w.engine).value().target.atoms() == usdc("2000").atoms());
    FundTargetConfig open_interest_only;
    open_interest_only.cover = 0;
    CHECK(FundTarget::open(open_interest_only, 4).value().compute(w.engine).value().target.atoms() ==
          usdc("1250").atoms());

    FundTargetConfig bad;
    bad.shock = Ppm{1'000'001};
    CHECK(FundTarget::open(bad, 4).error().code == ErrorCode::invalid_policy_parameter);
    bad = {};
    bad.cover = 9;
    CHECK(FundTarget::open(bad, 4).error().code == ErrorCode::invalid_policy_parameter);
    CHECK(FundTarget::open(FundTargetConfig{}, 0).value().compute(w.engine).error().code ==
          ErrorCode::capacity_exceeded);
}

TEST_CASE("fund target: a fund-first fee capture fills the fund up to the computed target",
          "[management][target]") {
    EngineWorld<Adl> w(Adl(64));
    const AccountId maker = w.account("1000000");
    const AccountId alice = w.account("1000");
    w.mark("50000");
    w.trade(alice, maker, "0.4", "50000");
    FundTarget target = FundTarget::open(FundTargetConfig{}, 4).value();
    const Amount<USDC> goal(static_cast<std::int64_t>(target.compute(w.engine).value().target.atoms()));
    CHECK(goal == usdc("2000"));  // Cover-2, alice alone: 0.4 x 7,500 - 1,000; open interest: 1,000
    Ledger<USDC> ledger;
    using Fund = InsuranceFund<USDC, fee_capture::FundFirstUntilTarget<USDC>, settlement::CoverUpToBalance<USDC>,
                               socialized_loss::ProRataHaircut<USDC>>;
    Fund fund = Fund::open(ledger, {Bps{0}, Amount<USDC>::zero()}, {}, {}).value();
    const AccountId payer = ledger.open_account().value();
    ledger.transfer(Place::external(), Place::collateral(payer), usdc("10000"), TransferReason::deposit).value();
    const LiquidatorId liquidator = ledger.open_liquidator().value();
    const CaptureContext context{Place::collateral(payer), Place::liquidator(liquidator), MarketId{0}};
    // Target 0: everything to the treasury. With the computed target: the fund first.
    CHECK(fund.capture(ledger, usdc("100"), context).value().split.to_treasury == usdc("100"));
    REQUIRE(fund.set_fee_capture({Bps{0}, goal}));
    CHECK(fund.set_fee_capture({Bps{0}, usdc("-1")}).error().code == ErrorCode::invalid_policy_parameter);
    CHECK(fund.fee_capture().fund_target == goal);
    CHECK(fund.capture(ledger, usdc("1500"), context).value().split.to_fund == usdc("1500"));
    const PenaltySplit<USDC> split = fund.capture(ledger, usdc("1000"), context).value().split;
    CHECK(split.to_fund == usdc("500"));  // up to the target
    CHECK(split.to_treasury == usdc("500"));
}

TEST_CASE("fund target randomised: equal to a reference from the engine's public reads", "[management][target]") {
    const std::uint64_t books = std::max<std::uint64_t>(scaled(40), 16);  // cheap: enough books even scaled
    std::uint64_t books_with_losses = 0;
    for (std::uint64_t b = 0; b < books; ++b) {
        TestRandom random(0x7A26E700 + b);
        EngineWorld<Adl> w(Adl(64));
        std::vector<AccountId> accounts;
        accounts.push_back(w.account("10000000"));  // a deep maker
        for (int i = 0; i < 20; ++i) {
            accounts.push_back(w.account(random.chance(2) ? "2000" : "20000"));
        }
        w.mark("50000");
        for (int t = 0; t < 60; ++t) {
            const AccountId a = accounts[1 + random.below(accounts.size() - 1)];
            const Btc size = Btc(static_cast<std::int64_t>(1 + random.below(20)) * 1'000'000);  // 0.01 .. 0.2
            const BtcPrice at = BtcPrice::from_raw(static_cast<std::int64_t>(49'000 + random.below(2'001)) * 1'000'000);
            if (random.chance(2)) (void)w.engine.trade(w.market, a, accounts[0], size, at);
            else (void)w.engine.trade(w.market, accounts[0], a, size, at);
        }
        FundTargetConfig config;
        config.shock = Ppm{static_cast<std::int64_t>(random.below(400'000))};
        config.cover = static_cast<std::uint32_t>(random.below(FundTargetConfig::cover_max + 1));
        FundTarget target = FundTarget::open(config, 4).value();
        const FundTargetReport<USDC> report = target.compute(w.engine).value();
        // The reference: each account's equity with its position moved against it, from
        // position(), mark() and the market's notional divisor; the largest `cover` losses.
        const std::int64_t mark = w.engine.mark(w.market);
        const std::int64_t move = (mark * config.shock.count() + 999'999) / 1'000'000;
        const std::int64_t divisor = w.engine.view().markets[w.market.value].notional_divisor;
        std::vector<detail::int128> losses;
        detail::int128 longs = 0;
        for (const AccountId a : accounts) {
            const auto p = w.engine.position(a, w.market);
            if (p.size > 0) longs += p.size;
            const std::int64_t shocked = p.size > 0 ? mark - move : mark + move;
            const detail::int128 value = detail::floor_div(detail::int128(p.size) * shocked, divisor);
            const detail::int128 equity = detail::int128(w.engine.collateral(a).atoms()) + value - p.cost;
            if (equity < 0) losses.push_back(-equity);
        }
        std::sort(losses.begin(), losses.end(), std::greater<detail::int128>());
        detail::int128 cover = 0;
        for (std::size_t i = 0; i < std::min<std::size_t>(losses.size(), config.cover); ++i) cover += losses[i];
        const detail::int128 notional = detail::ceil_div(longs * mark, divisor);
        const detail::int128 open_interest = detail::ceil_div(notional * 50'000, 1'000'000);
        INFO("book " << b);
        CHECK(longs == w.engine.open_interest(w.market));
        CHECK(report.cover_target.atoms() == Int128(cover));
        CHECK(report.open_interest_target.atoms() == Int128(open_interest));
        CHECK(report.largest_count == std::min<std::size_t>(losses.size(), config.cover));
        books_with_losses += losses.empty() ? 0u : 1u;
    }
    CHECK(books_with_losses > books / 4);  // the stress finds bad debt in many books
}

}  // namespace test_management_fund_target_test
