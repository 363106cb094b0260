// Fund management II, the per-period step of each component, ns per step, next to a peer
// measured in the same run (a plain ledger transfer, the smallest thing any step does):
//   yield        a rebalance over 4 strategies (accrue all, complete a due recall, request one or
//                allocate), the fund alternately below and above its floor
//   premiums     charge_premiums over 8 treaties, each due every step (8 transfers)
//   claim        an excess-of-loss claim (plan + a transfer)
//   pool         a contribution round of 8 members and a settlement of 3 losses
//   hedge        plan_hedge (pure), and a whole rebalance on an engine (a trade, a collateral move)
//   governance   a proposal executed after its timelock (the rate-limit window, the engine's
//                set_market_parameter)
// Zero allocations per step: tests/alloc/fund_management_alloc_test.cpp.
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

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>

using namespace backstop;
using namespace backstop::assets;

namespace {

using Usdc = Amount<USDC>;
using Wide = Amount<USDC, Int128>;
constexpr std::int64_t day_ms = 86'400'000;
constexpr std::int64_t plenty = 1'000'000'000'000'000;  // 1e9 USDC in atoms

void BM_ledger_transfer_peer(benchmark::State& state) {
    Ledger<USDC> ledger{LedgerLimits{1, 2, 1}};
    const FundId a = ledger.open_fund().value();
    const FundId b = ledger.open_fund().value();
    (void)ledger.transfer(Place::external(), Place::fund(a), Usdc(plenty), TransferReason::fund_deposit);
    bool forth = true;
    for (auto _ : state) {
        auto r = forth ? ledger.transfer(Place::fund(a), Place::fund(b), Usdc(1'000), TransferReason::other)
                       : ledger.transfer(Place::fund(b), Place::fund(a), Usdc(1'000), TransferReason::other);
        benchmark::DoNotOptimize(r);
        forth = !forth;
    }
}
BENCHMARK(BM_ledger_transfer_peer);

void BM_yield_rebalance(benchmark::State& state) {
    Ledger<USDC> ledger{LedgerLimits{1, 1, 1, 4}};
    const FundId fund = ledger.open_fund().value();
    (void)ledger.transfer(Place::external(), Place::fund(fund), Usdc(plenty), TransferReason::fund_deposit);
    YieldStrategies<USDC> yield = YieldStrategies<USDC>::open(ledger, fund, YieldConfig{Bps{0}}).value();
    for (int i = 0; i < 4; ++i) {
        StrategyConfig c;
        c.rate_per_year = Bps{300 + 100 * i};
        c.withdrawal_delay_ms = 0;  // recalls complete in the same step: the whole path each time
        (void)yield.open_strategy(ledger, c);
    }
    std::int64_t now = 0;
    bool high = true;
    for (auto _ : state) {
        now += day_ms;
        // Alternately a floor above and below what the fund holds: a recall, then an allocation.
        const Wide floor(Int128(high ? plenty / 2 + plenty / 4 : plenty / 4));
        auto r = yield.rebalance(ledger, floor, now);
        benchmark::DoNotOptimize(r);
        high = !high;
    }
    if (!ledger.audit().balanced()) state.SkipWithError("not conserved");
}
BENCHMARK(BM_yield_rebalance);

struct TreatyWorld {
    Ledger<USDC> ledger{LedgerLimits{1, 9, 1}};
    std::array<FundId, 8> cedents{};
    FundId reinsurer{};
    Reinsurance<USDC> book = Reinsurance<USDC>::open(8).value();

    TreatyWorld() {
        for (FundId& f : cedents) {
            f = ledger.open_fund().value();
            (void)ledger.transfer(Place::external(), Place::fund(f), Usdc(plenty), TransferReason::fund_deposit);
        }
        reinsurer = ledger.open_fund().value();
        (void)ledger.transfer(Place::external(), Place::fund(reinsurer), Usdc(plenty), TransferReason::fund_deposit);
        for (std::size_t i = 0; i < cedents.size(); ++i) {
            TreatyTerms<USDC> t;
            t.kind = TreatyKind::excess_of_loss;
            t.cedent = cedents[i];
            t.reinsurer = reinsurer;
            t.attachment = Wide(Int128(1'000'000));
            t.limit = Wide(Int128(1'000'000'000));
            t.reinstatements = 1'000'000;
            t.premium_per_period = Wide(Int128(10'000));
            t.period_ms = day_ms;
            (void)book.write(ledger, t, 0);
        }
    }
};

void BM_premiums_step(benchmark::State& state) {
    TreatyWorld w;
    std::int64_t now = 0;
    for (auto _ : state) {
        now += day_ms;
        auto r = w.book.charge_premiums(w.ledger, now);
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations() * 8);
}
BENCHMARK(BM_premiums_step);

void BM_excess_of_loss_claim(benchmark::State& state) {
    TreatyWorld w;
    std::int64_t now = 0;
    for (auto _ : state) {
        auto r = w.book.claim(w.ledger, TreatyId{0}, Wide(Int128(3'000'000)), now++);
        benchmark::DoNotOptimize(r);
    }
}
BENCHMARK(BM_excess_of_loss_claim);

void BM_pool_contribute_and_settle(benchmark::State& state) {
    Ledger<USDC> ledger{LedgerLimits{1, 9, 1}};
    std::array<FundId, 8> members{};
    for (FundId& f : members) {
        f = ledger.open_fund().value();
        (void)ledger.transfer(Place::external(), Place::fund(f), Usdc(plenty), TransferReason::fund_deposit);
    }
    const FundId pool_fund = ledger.open_fund().value();
    RiskPool<USDC> pool = RiskPool<USDC>::open(ledger, pool_fund, day_ms, 8, 0).value();
    for (const FundId f : members) {
        ContributionRule<USDC> rule;
        rule.kind = ContributionKind::share_of_balance;
        rule.share = Ppm{1'000};
        (void)pool.add_member(ledger, f, rule);
    }
    const std::array<MemberLoss<USDC>, 3> losses{{{members[0], Wide(Int128(5'000'000))},
                                                  {members[3], Wide(Int128(7'000'000))},
                                                  {members[6], Wide(Int128(1'000'000))}}};
    std::int64_t now = 0;
    for (auto _ : state) {
        now += day_ms;
        auto c = pool.contribute(ledger, now);
        auto s = pool.settle(ledger, Span<const MemberLoss<USDC>>(losses.data(), losses.size()));
        benchmark::DoNotOptimize(c);
        benchmark::DoNotOptimize(s);
    }
}
BENCHMARK(BM_pool_contribute_and_settle);

void BM_hedge_plan(benchmark::State& state) {
    HedgePolicy policy;
    std::uint64_t x = 12345;
    std::int64_t hedge = 0;
    for (auto _ : state) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        const std::int64_t exposure = 1'000'000'000 + static_cast<std::int64_t>(x >> 36);  // ~10 BTC, moving
        auto r = plan_hedge(policy, exposure, hedge, 100'000);
        if (r) hedge = r->target;
        benchmark::DoNotOptimize(r);
    }
}
BENCHMARK(BM_hedge_plan);

using Fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                           socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>>;
using Engine = MarginEngine<Fund>;

Engine hedge_engine() {
    return Engine::create(EngineLimits{4, 1, 1}, presets::dydx_v4::fee_capture<USDC>(), presets::dydx_v4::settlement<USDC>(),
                          socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>(4))
        .value();
}

// A whole rebalance each iteration: the exposure alternates between 10 and 12 BTC, so each one
// trades 1 BTC of hedge (50%) and moves collateral.
void BM_hedge_rebalance(benchmark::State& state) {
    Engine engine = hedge_engine();
    MarketConfig config = presets::dydx_v4::large_cap();
    config.taker_fee = Ppm{500};
    const MarketId market = engine.add_market<BTC>(config).value();
    const AccountId hedge_account = engine.open_account().value();
    const AccountId maker = engine.open_account().value();
    (void)engine.deposit(maker, Usdc(plenty));
    (void)engine.fund_deposit(Usdc(plenty));
    (void)engine.set_mark(market, Price<BTC, USDC>::from_raw(50'000'000'000), Timestamp{1});
    FundHedge<Engine> hedge = FundHedge<Engine>::open(HedgePolicy{}).value();
    bool more = false;
    std::int64_t refused = 0;
    for (auto _ : state) {
        const Quantity<BTC> exposure(more ? 1'200'000'000 : 1'000'000'000);
        auto r = hedge.rebalance(engine, hedge_account, maker, market, exposure, 1);
        refused += r ? 0 : 1;
        benchmark::DoNotOptimize(r);
        more = !more;
    }
    if (refused > 1 || !engine.ledger().audit().balanced()) state.SkipWithError("a rebalance was refused");
}
BENCHMARK(BM_hedge_rebalance);

// A proposal executed at its eta: each iteration proposes and executes one change of the penalty
// (timelock 1 ms, a rate limit the changes never reach).
void BM_governance_execute(benchmark::State& state) {
    Engine engine = hedge_engine();
    const MarketId market = engine.add_market<BTC>(presets::dydx_v4::large_cap()).value();
    EngineGovernanceTarget<Engine> target(engine);
    Governor<NullJournal> governor = Governor<NullJournal>::open(GovernorLimits{}).value();
    const ParameterKey key = market_key(market, MarketParameter::liquidation_penalty);
    ParameterRule rule{0, 100'000, 1'000'000'000'000, 1, 1, RiskDirection::none};
    (void)governor.govern(key, rule, target);
    std::int64_t now = 0;
    bool up = true;
    std::int64_t refused = 0;
    for (auto _ : state) {
        auto id = governor.propose(key, up ? 20'000 : 15'000, now, target);
        now += 1;
        auto r = id ? governor.execute(*id, now, target) : Result<void>(id.error());
        refused += r ? 0 : 1;
        benchmark::DoNotOptimize(r);
        now += 1;
        up = !up;
    }
    if (refused != 0) state.SkipWithError("a change was refused");
}
BENCHMARK(BM_governance_execute);

}  // namespace
