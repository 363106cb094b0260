// Management components do not allocate per operation: after set-up (stakers opened, their
// records reserved; a target's shocked markets reserved at open), thousands of stakes, requests,
// claims, cancels, syncs, refusals, penalty updates and target computations allocate nothing.
#include <backstop/engine/margin_engine.hpp>
#include <backstop/engine/presets.hpp>
#include <backstop/fund/socialized_loss/ranked_adl.hpp>
#include <backstop/ledger/ledger.hpp>
#include <backstop/management/dynamic_penalty.hpp>
#include <backstop/management/fund_staking.hpp>
#include <backstop/management/fund_target.hpp>
#include <backstop/money/assets.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "allocation_counter.hpp"

using namespace backstop;
using namespace backstop::assets;

TEST_CASE("staking operations do not allocate", "[management][staking][alloc]") {
    using Usdc = Amount<USDC>;
    using Wide = Amount<USDC, Int128>;
    using Journal = RingJournal<USDC>;
    Ledger<USDC, Journal> ledger(LedgerLimits{1, 1, 1}, Journal(1'024));
    const FundId fund = ledger.open_fund().value();
    StakingConfig config;
    config.cooldown_ms = 10;
    config.protocol_revenue_share = Bps{1'000};
    config.revenue_vesting_ms = 100;
    config.loss_order = LossOrder::stakers_first;
    FundStaking<USDC> staking = FundStaking<USDC>::open(ledger, fund, config, StakingLimits{8}).value();
    std::vector<StakerId> stakers;
    for (int i = 0; i < 8; ++i) stakers.push_back(staking.open_staker().value());

    const std::uint64_t before = testing::allocation_count();
    std::uint64_t successes = 0;
    std::int64_t now = 0;
    for (std::int64_t i = 0; i < 2'000; ++i) {
        const StakerId staker = stakers[static_cast<std::size_t>(i % 8)];
        now += 7;
        (void)ledger.transfer(Place::external(), Place::fund(fund), Usdc(1'000 + i), TransferReason::penalty_to_fund);
        successes += staking.stake(ledger, staker, Place::external(), Wide(1'000'000), now).has_value();
        successes += staking.request_unstake(ledger, staker, Shares(500), now).has_value();
        if (i % 3 == 0) successes += staking.cancel_unstake(ledger, staker, now).has_value();
        (void)ledger.transfer(Place::fund(fund), Place::pnl_pool(), Usdc(700), TransferReason::bad_debt_payment);
        successes += staking.claim(ledger, stakers[static_cast<std::size_t>((i + 3) % 8)], Place::external(), now)
                         .has_value();
        successes += staking.sync(ledger, now).has_value();
        // Refusals must not allocate either.
        successes += staking.stake(ledger, staker, Place::external(), Wide(-1), now).has_value();
    }
    const std::uint64_t after = testing::allocation_count();
    CHECK(successes > 4'000);
    CHECK(after - before == 0);
}

TEST_CASE("penalty updates and target computations do not allocate", "[management][penalty][target][alloc]") {
    using Fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                               socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>>;
    using Engine = MarginEngine<Fund>;
    Engine engine = Engine::create(EngineLimits{64, 2, 2}, presets::dydx_v4::fee_capture<USDC>(),
                                   presets::dydx_v4::settlement<USDC>(),
                                   socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>(64))
                        .value();
    const MarketId market = engine.add_market<BTC>(presets::dydx_v4::large_cap()).value();
    const AccountId maker = engine.open_account().value();
    (void)engine.deposit(maker, Amount<USDC>(1'000'000'000'000));
    (void)engine.set_mark(market, Price<BTC, USDC>::from_raw(50'000'000'000), Timestamp{1});
    for (int i = 0; i < 32; ++i) {
        const AccountId a = engine.open_account().value();
        (void)engine.deposit(a, Amount<USDC>(1'000'000'000));
        (void)engine.trade(market, a, maker, Quantity<BTC>(30'000'000 + i * 100'000),
                           Price<BTC, USDC>::from_raw(50'000'000'000));
    }
    FundTarget target = FundTarget::open(FundTargetConfig{}, 2).value();
    DynamicPenalty penalty = DynamicPenalty::open(DynamicPenaltyConfig{}).value();

    const std::uint64_t before = testing::allocation_count();
    Int128 sum = 0;
    for (std::int64_t i = 0; i < 1'000; ++i) {
        const FundTargetReport<USDC> report = target.compute(engine).value();
        sum += report.target.atoms();
        const PenaltyUpdate update =
            penalty.update(50'000'000'000 + (i % 7) * 300'000'000, Int128(i * 1'000), report.target.atoms()).value();
        sum += update.penalty.count();
        (void)penalty.update(-1, 0, 0);  // a refusal
    }
    const std::uint64_t after = testing::allocation_count();
    CHECK(sum > 0);
    CHECK(after - before == 0);
}
