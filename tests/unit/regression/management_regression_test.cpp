// Regressions from the review of fund management II (each failed before its fix): free cover on an
// unpaid period, an abort on an unknown treaty or member, a strategy's first accrual counting from
// the beginning of time, the joint run's premiums lapsing when a period is shorter than a day, bad
// joint terms aborting instead of being refused, and a yield rate the strategy cannot take.
#include "support/scenarios.hpp"

#include <backstop/ledger/ledger.hpp>
#include <backstop/management/reinsurance.hpp>
#include <backstop/management/risk_pool.hpp>
#include <backstop/management/yield_strategies.hpp>
#include <backstop/money/assets.hpp>
#include <backstop/risk/joint_simulation.hpp>

#include <catch2/catch.hpp>

namespace test_regression_management_regression_test {

using namespace backstop;
using namespace backstop::assets;

namespace {
using Usdc = Amount<USDC>;
using Wide = Amount<USDC, Int128>;
constexpr std::int64_t day_ms = 86'400'000;
}  // namespace

TEST_CASE("regression: no claim on a period whose premium is unpaid; unknown ids are errors, not aborts",
          "[management][reinsurance][regression]") {
    Ledger<USDC> ledger(LedgerLimits{0, 3, 0});
    const FundId cedent = ledger.open_fund().value();
    const FundId reinsurer = ledger.open_fund().value();
    const FundId pool_fund = ledger.open_fund().value();
    ledger.transfer(Place::external(), Place::fund(cedent), Usdc(1'000), TransferReason::fund_deposit).value();
    ledger.transfer(Place::external(), Place::fund(reinsurer), Usdc(10'000), TransferReason::fund_deposit).value();
    Reinsurance<USDC> book = Reinsurance<USDC>::open(2).value();
    TreatyTerms<USDC> t;
    t.kind = TreatyKind::excess_of_loss;
    t.cedent = cedent;
    t.reinsurer = reinsurer;
    t.limit = Wide(Int128(5'000));
    t.premium_per_period = Wide(Int128(10));
    t.period_ms = day_ms;
    const TreatyId id = book.write(ledger, t, 0).value();
    // Within the first period (its end included): covered.
    CHECK(book.claim(ledger, id, Wide(Int128(100)), day_ms).value().paid == Wide(Int128(100)));
    // Past it with its premium unpaid: refused, nothing changed. Before the fix it paid.
    const std::uint64_t digest = ledger.digest();
    CHECK(book.claim(ledger, id, Wide(Int128(100)), day_ms + 1).error().code == ErrorCode::premium_overdue);
    CHECK(ledger.digest() == digest);
    (void)book.charge_premiums(ledger, day_ms + 1);
    CHECK(book.claim(ledger, id, Wide(Int128(100)), day_ms + 1).value().paid == Wide(Int128(100)));

    CHECK(book.treaty(TreatyId{7}).error().code == ErrorCode::unknown_treaty);
    RiskPool<USDC> pool = RiskPool<USDC>::open(ledger, pool_fund, day_ms, 2, 0).value();
    CHECK(pool.member(0).error().code == ErrorCode::unknown_pool_member);
}

TEST_CASE("regression: capital that reached a strategy before any operation earns nothing for the time before",
          "[management][yield][regression]") {
    Ledger<USDC> ledger(LedgerLimits{0, 1, 0, 1});
    const FundId fund = ledger.open_fund().value();
    YieldStrategies<USDC> yield = YieldStrategies<USDC>::open(ledger, fund).value();
    StrategyConfig c;
    c.rate_per_year = Bps{10'000};  // 100%
    const StrategyId s = yield.open_strategy(ledger, c).value();
    ledger.transfer(Place::external(), Place::strategy(s), Usdc(1'000'000), TransferReason::other).value();
    // Before the fix: the elapsed time since INT64_MIN overflowed and every operation was refused
    // (the capital could not be recalled).
    const auto accrued = yield.accrue(ledger, s, day_ms).value();
    CHECK(accrued.income.is_zero());
    yield.request_recall(ledger, s, Usdc(1'000'000), day_ms).value();
    CHECK(yield.complete_recall(ledger, s, day_ms).has_value());
    CHECK(ledger.balance_of(Place::fund(fund)).atoms() >= 1'000'000);
    CHECK(ledger.audit().balanced());
}

TEST_CASE("regression: a joint run with half-day periods pays two premiums a day and keeps its cover",
          "[risk][joint][reinsurance][regression]") {
    using namespace backstop::risk;
    JointSetup setup;
    setup.paths = 2;
    setup.threads = 1;
    for (std::uint64_t k = 0; k < 2; ++k) {
        Scenario s;
        s.population.trader_count = 20;
        s.horizon_steps = 120;  // five days hourly
        s.fund.initial = 100'000.0;
        s.seed = 40 + k;
        setup.protocols.push_back(s);
    }
    setup.markets.volatility_per_year = {0.5, 0.5};
    setup.markets.jump_beta = {1.0, 1.0};
    setup.terms.period_days = 0.5;
    setup.terms.xol_premium = 100.0;
    const JointResult result = run_joint(setup).value();
    // Ten half-day periods in five days, 100 each: before the fix the first charge came at a day
    // with two periods due and one period's money, so the treaty lapsed after paying 100.
    for (const JointProtocolArm& p : result.arms[1].protocols) CHECK(p.premiums_paid.mean == Approx(1'000.0));

    // Terms out of bounds are refused before any path runs (they aborted or threw in a worker).
    setup.terms.period_days = 5'000.0;
    CHECK(run_joint(setup).error().code == ErrorCode::invalid_policy_parameter);
    setup.terms.period_days = 0.01;  // shorter than a step
    CHECK(run_joint(setup).error().code == ErrorCode::invalid_policy_parameter);
    setup.terms.period_days = 1.0;
    setup.terms.xol_reinstatements = 2'000'000;
    CHECK(run_joint(setup).error().code == ErrorCode::invalid_policy_parameter);
}

TEST_CASE("regression: a yield rate the strategy cannot take is inconsistent, not a crash in a worker",
          "[risk][yield][regression]") {
    risk::FundSetup fund;
    fund.yield = risk::YieldSetup{};
    CHECK(risk::fund_setup_consistent(fund));
    fund.yield->rate_per_year = 1.5;  // 150%: StrategyConfig takes at most 100%
    CHECK_FALSE(risk::fund_setup_consistent(fund));
}

}  // namespace test_regression_management_regression_test
