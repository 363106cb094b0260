// Fund management II does not allocate per step: after open (buffers reserved), thousands of yield
// rebalances, allocations, losses and recalls, premium steps and claims, pool contributions and
// settlements, hedge plans and rebalances on an engine, and governance proposals, executions,
// emergencies and refusals allocate nothing. The same steps are timed in
// benchmarks/fund_management_benchmark.cpp.
#include <backstop/engine/margin_engine.hpp>
#include <backstop/engine/presets.hpp>
#include <backstop/fund/socialized_loss/ranked_adl.hpp>
#include <backstop/ledger/ledger.hpp>
#include <backstop/management/fund_hedge.hpp>
#include <backstop/management/governance.hpp>
#include <backstop/management/reinsurance.hpp>
#include <backstop/management/risk_pool.hpp>
#include <backstop/management/yield_strategies.hpp>
#include <backstop/money/assets.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>

#include "allocation_counter.hpp"

using namespace backstop;
using namespace backstop::assets;

namespace {
using Usdc = Amount<USDC>;
using Wide = Amount<USDC, Int128>;
constexpr std::int64_t day_ms = 86'400'000;
constexpr std::int64_t plenty = 1'000'000'000'000'000;

using Fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                           socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>>;
using Engine = MarginEngine<Fund>;

Engine small_engine() {
    return Engine::create(EngineLimits{4, 1, 1}, presets::dydx_v4::fee_capture<USDC>(), presets::dydx_v4::settlement<USDC>(),
                          socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>(4))
        .value();
}
}  // namespace

TEST_CASE("yield steps do not allocate", "[management][yield][alloc]") {
    Ledger<USDC, RingJournal<USDC>> ledger(LedgerLimits{1, 1, 1, 4}, RingJournal<USDC>(1'024));
    const FundId fund = ledger.open_fund().value();
    (void)ledger.transfer(Place::external(), Place::fund(fund), Usdc(plenty), TransferReason::fund_deposit);
    YieldStrategies<USDC> yield = YieldStrategies<USDC>::open(ledger, fund).value();
    std::array<StrategyId, 4> strategies{};
    for (std::size_t i = 0; i < strategies.size(); ++i) {
        StrategyConfig c;
        c.rate_per_year = Bps{static_cast<std::int64_t>(200 + 100 * i)};
        c.lockup_ms = static_cast<std::int64_t>(i) * day_ms;
        c.withdrawal_delay_ms = day_ms;
        strategies[i] = yield.open_strategy(ledger, c).value();
    }
    const std::uint64_t before = testing::allocation_count();
    std::uint64_t successes = 0;
    std::int64_t now = 0;
    for (std::int64_t i = 0; i < 2'000; ++i) {
        now += day_ms / 2;
        const StrategyId s = strategies[static_cast<std::size_t>(i % 4)];
        const Wide floor(Int128(i % 2 == 0 ? plenty / 4 : plenty / 2 + plenty / 8));
        successes += yield.rebalance(ledger, floor, now).has_value();
        successes += yield.allocate(ledger, s, Usdc(1'000), Wide(0), now).has_value();
        successes += yield.accrue(ledger, s, now).has_value();
        successes += yield.apply_loss(ledger, s, Ppm{1'000}, now).has_value();
        successes += yield.request_recall(ledger, s, Usdc(500), now).has_value();
        successes += yield.complete_recall(ledger, s, now).has_value();
        // Refusals must not allocate either.
        successes += yield.allocate(ledger, s, Usdc(-1), Wide(0), now).has_value();
    }
    const std::uint64_t after = testing::allocation_count();
    CHECK(successes > 5'000);
    CHECK(after - before == 0);
}

TEST_CASE("treaty and pool steps do not allocate", "[management][reinsurance][alloc]") {
    Ledger<USDC, RingJournal<USDC>> ledger(LedgerLimits{1, 6, 1}, RingJournal<USDC>(1'024));
    std::array<FundId, 4> funds{};
    for (FundId& f : funds) {
        f = ledger.open_fund().value();
        (void)ledger.transfer(Place::external(), Place::fund(f), Usdc(plenty), TransferReason::fund_deposit);
    }
    const FundId pool_fund = ledger.open_fund().value();
    Reinsurance<USDC> book = Reinsurance<USDC>::open(6).value();
    for (std::size_t i = 0; i < 3; ++i) {
        TreatyTerms<USDC> t;
        t.kind = i == 0 ? TreatyKind::excess_of_loss : i == 1 ? TreatyKind::quota_share : TreatyKind::stop_loss;
        t.cedent = funds[i];
        t.reinsurer = funds[3];
        t.attachment = Wide(Int128(i == 1 ? 0 : 1'000));
        t.limit = Wide(Int128(1'000'000));
        t.reinstatements = 1'000'000;
        t.share = Ppm{i == 1 ? 300'000 : 0};
        t.premium_per_period = Wide(Int128(100));
        t.period_ms = day_ms;
        (void)book.write(ledger, t, 0);
    }
    RiskPool<USDC> pool = RiskPool<USDC>::open(ledger, pool_fund, day_ms, 4, 0).value();
    for (std::size_t i = 0; i < 3; ++i) {
        ContributionRule<USDC> rule;
        rule.kind = ContributionKind::share_of_balance;
        rule.share = Ppm{100};
        (void)pool.add_member(ledger, funds[i], rule);
    }
    const std::array<MemberLoss<USDC>, 2> losses{{{funds[0], Wide(Int128(5'000))}, {funds[2], Wide(Int128(9'000))}}};
    const std::uint64_t before = testing::allocation_count();
    std::uint64_t successes = 0;
    std::int64_t now = 0;
    for (std::int64_t i = 0; i < 2'000; ++i) {
        now += day_ms;
        successes += book.charge_premiums(ledger, now).treaties_charged;
        for (std::uint32_t t = 0; t < 3; ++t) successes += book.claim(ledger, TreatyId{t}, Wide(Int128(3'000 + i)), now).has_value();
        successes += pool.contribute(ledger, now).has_value();
        successes += pool.settle(ledger, Span<const MemberLoss<USDC>>(losses.data(), losses.size())).has_value();
        successes += book.claim(ledger, TreatyId{99}, Wide(Int128(1)), now).has_value();  // refused
    }
    const std::uint64_t after = testing::allocation_count();
    CHECK(successes > 8'000);
    CHECK(after - before == 0);
}

TEST_CASE("hedge steps and governance do not allocate", "[management][hedging][governance][alloc]") {
    Engine engine = small_engine();
    MarketConfig config = presets::dydx_v4::large_cap();
    config.taker_fee = Ppm{500};
    const MarketId market = engine.add_market<BTC>(config).value();
    const AccountId hedge_account = engine.open_account().value();
    const AccountId maker = engine.open_account().value();
    (void)engine.deposit(maker, Usdc(plenty));
    (void)engine.fund_deposit(Usdc(plenty));
    (void)engine.set_mark(market, Price<BTC, USDC>::from_raw(50'000'000'000), Timestamp{1});
    FundHedge<Engine> hedge = FundHedge<Engine>::open(HedgePolicy{}).value();
    EngineGovernanceTarget<Engine> target(engine);
    Governor<BasicRingJournal<GovernanceCommand>> governor =
        Governor<BasicRingJournal<GovernanceCommand>>::open(GovernorLimits{}, BasicRingJournal<GovernanceCommand>(256)).value();
    const ParameterKey penalty = market_key(market, MarketParameter::liquidation_penalty);
    const ParameterKey status = market_key(market, MarketParameter::status);
    (void)governor.govern(penalty, ParameterRule{0, 100'000, 1'000'000'000, 1, 1, RiskDirection::none}, target);
    (void)governor.govern(status, ParameterRule{0, 2, 2, 1, 1'000, RiskDirection::raise_reduces_risk}, target);

    const std::uint64_t before = testing::allocation_count();
    std::uint64_t successes = 0;
    std::int64_t now = 1;
    for (std::int64_t i = 0; i < 2'000; ++i) {
        const Quantity<BTC> exposure(1'000'000'000 + (i % 2) * 200'000'000);
        successes += plan_hedge(hedge.policy(), exposure.atoms(), 0, 100'000).has_value();
        successes += hedge.rebalance(engine, hedge_account, maker, market, exposure, 1).has_value();
        const Result<ProposalId> id = governor.propose(penalty, 10'000 + (i % 2) * 5'000, now, target);
        successes += id.has_value();
        now += 1;
        if (id) successes += governor.execute(*id, now, target).has_value();
        successes += governor.execute(ProposalId{999'999}, now, target).has_value();         // refused
        successes += governor.emergency(penalty, 1, now, target).has_value();                // refused: no emergency path
        successes += hedge.rebalance(engine, maker, maker, market, exposure, 1).has_value();  // refused: self-trade
        now += 1;
    }
    const std::uint64_t after = testing::allocation_count();
    CHECK(successes > 7'000);
    CHECK(after - before == 0);
}
