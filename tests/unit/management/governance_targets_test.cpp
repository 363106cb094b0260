// Governance of the management components: a hedge's ratio, a fund target's cover, a liquidity
// floor's quantile, a yield component's band and staking's cooldown and claim limit, each under a
// rule with bounds, a timelock, a rate limit and an emergency direction; a change the component
// would refuse is refused at execution and changes nothing.
#include "unit/engine/engine_world.hpp"

#include <backstop/ledger/ledger.hpp>
#include <backstop/management/governance.hpp>
#include <backstop/management/governance_targets.hpp>

#include <catch2/catch.hpp>

#include <array>

namespace test_management_governance_targets_test {

using namespace backstop;
using namespace backstop::testing;

namespace {
using Adl = socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>;
using Engine = MarginEngine<EngineFund<Adl>>;
constexpr std::int64_t day = 86'400'000;

ParameterRule rule(std::int64_t min, std::int64_t max, std::int64_t per_day, std::int64_t timelock, RiskDirection emergency) {
    ParameterRule r;
    r.min = min;
    r.max = max;
    r.change_per_period_max = per_day;
    r.period_ms = day;
    r.timelock_ms = timelock;
    r.emergency = emergency;
    return r;
}

ParameterKey component(std::uint32_t index, std::uint32_t parameter) {
    return ParameterKey{GovernedTarget::component, index, parameter};
}
}  // namespace

TEST_CASE("governance targets: a hedge's ratio and margin through the queue and the emergency path",
          "[management][governance][hedging]") {
    HedgePolicy policy;  // ratio 50%, band 10%, margin 20%
    std::array<FundHedge<Engine>, 1> hedges{FundHedge<Engine>::open(policy).value()};
    auto target = hedge_governance_target(Span<FundHedge<Engine>>(hedges.data(), hedges.size()));
    Governor<NullJournal> gov = Governor<NullJournal>::open(GovernorLimits{}).value();
    const ParameterKey ratio = component(0, static_cast<std::uint32_t>(HedgeParameter::hedge_ratio));
    const ParameterKey margin = component(0, static_cast<std::uint32_t>(HedgeParameter::margin_ratio));
    // A hedge ratio in [0, 100%], 20 points a day, a day's notice; raising it is the safe way.
    gov.govern(ratio, rule(0, 1'000'000, 200'000, day, RiskDirection::raise_reduces_risk), target).value();
    gov.govern(margin, rule(0, 1'000'000, 1'000'000, 0, RiskDirection::raise_reduces_risk), target).value();
    CHECK(target.read(ratio).value() == 500'000);
    const ProposalId up = gov.propose(ratio, 600'000, 0, target).value();
    CHECK(gov.execute(up, day - 1, target).error().code == ErrorCode::timelock_not_over);
    CHECK(hedges[0].policy().hedge_ratio == Ppm{500'000});
    gov.execute(up, day, target).value();
    CHECK(hedges[0].policy().hedge_ratio == Ppm{600'000});
    // The emergency path: more hedge at once, never less.
    gov.emergency(ratio, 900'000, day + 1, target).value();
    CHECK(hedges[0].policy().hedge_ratio == Ppm{900'000});
    CHECK(gov.emergency(ratio, 100'000, day + 2, target).error().code == ErrorCode::not_risk_reducing);
    // A margin ratio of 0 is within the rule's bounds but not the policy's: refused at execution
    // by the component's own validation, nothing changed.
    const ProposalId zero = gov.propose(margin, 0, day + 3, target).value();
    const std::uint64_t digest = gov.digest();
    CHECK(gov.execute(zero, day + 3, target).error().code == ErrorCode::invalid_policy_parameter);
    CHECK(hedges[0].policy().margin_ratio == Ppm{200'000});
    CHECK(gov.digest() == digest);
    // Unknown components and parameters.
    CHECK(target.read(component(1, 0)).error().code == ErrorCode::unknown_parameter);
    CHECK(target.read(component(0, 9)).error().code == ErrorCode::unknown_parameter);
    CHECK(target.read(ParameterKey{GovernedTarget::market, 0, 0}).error().code == ErrorCode::unknown_parameter);
}

TEST_CASE("governance targets: a fund target's cover, a floor's quantile, a yield band", "[management][governance][yield]") {
    std::array<FundTarget, 1> targets{FundTarget::open(FundTargetConfig{}, 4).value()};
    auto fund_target = fund_target_governance_target(Span<FundTarget>(targets.data(), targets.size()));
    Governor<NullJournal> gov = Governor<NullJournal>::open(GovernorLimits{}).value();
    const ParameterKey cover = component(0, static_cast<std::uint32_t>(FundTargetParameter::cover));
    gov.govern(cover, rule(0, 8, 1, 0, RiskDirection::raise_reduces_risk), fund_target).value();
    gov.emergency(cover, 3, 0, fund_target).value();  // Cover-3 at once: a larger target is safer
    CHECK(targets[0].config().cover == 3);
    // One step a day: 3 -> 1 is two.
    const ProposalId down = gov.propose(cover, 1, 1, fund_target).value();
    CHECK(gov.execute(down, 1, fund_target).error().code == ErrorCode::rate_limit_exceeded);
    CHECK(fund_target.check(cover, 9).error().code == ErrorCode::invalid_policy_parameter);

    std::array<LiquidityFloorConfig, 1> floors{LiquidityFloorConfig{}};
    auto floor = liquidity_floor_governance_target(Span<LiquidityFloorConfig>(floors.data(), floors.size()));
    const ParameterKey quantile = component(0, static_cast<std::uint32_t>(LiquidityFloorParameter::quantile));
    Governor<NullJournal> gov2 = Governor<NullJournal>::open(GovernorLimits{}).value();
    gov2.govern(quantile, rule(500'000, 1'000'000, 50'000, day, RiskDirection::raise_reduces_risk), floor).value();
    const ProposalId lower = gov2.propose(quantile, 950'000, 0, floor).value();  // 99% -> 95%: less held back
    CHECK(gov2.emergency(quantile, 950'000, 1, floor).error().code == ErrorCode::not_risk_reducing);
    gov2.execute(lower, day, floor).value();
    CHECK(floors[0].quantile == Ppm{950'000});

    Ledger<USDC> ledger(LedgerLimits{0, 1, 0, 1});
    const FundId fund = ledger.open_fund().value();
    std::array<YieldStrategies<USDC>, 1> yields{YieldStrategies<USDC>::open(ledger, fund).value()};
    auto yield = yield_governance_target(Span<YieldStrategies<USDC>>(yields.data(), yields.size()));
    const ParameterKey band = component(0, 0);
    Governor<NullJournal> gov3 = Governor<NullJournal>::open(GovernorLimits{}).value();
    gov3.govern(band, rule(0, 50'000, 5'000, 0, RiskDirection::raise_reduces_risk), yield).value();
    gov3.emergency(band, 3'000, 0, yield).value();  // a wider band places less
    CHECK(yields[0].config().rebalance_band == Bps{3'000});
}

TEST_CASE("governance targets: staking's cooldown and daily claim limit", "[management][governance][staking]") {
    Ledger<USDC> ledger(LedgerLimits{0, 1, 0});
    const FundId fund = ledger.open_fund().value();
    StakingConfig config;
    config.cooldown_ms = 7 * day;
    FundStaking<USDC> staking = FundStaking<USDC>::open(ledger, fund, config).value();
    StakingGovernanceTarget<USDC, Ledger<USDC>> target(staking, ledger);
    Governor<NullJournal> gov = Governor<NullJournal>::open(GovernorLimits{}).value();
    const ParameterKey cooldown = component(0, static_cast<std::uint32_t>(StakingParameter::cooldown_ms));
    const ParameterKey claims = component(0, static_cast<std::uint32_t>(StakingParameter::claims_per_day_max));
    gov.govern(cooldown, rule(day, 30 * day, 7 * day, 3 * day, RiskDirection::raise_reduces_risk), target).value();
    gov.govern(claims, rule(100, 10'000, 2'000, 3 * day, RiskDirection::lower_reduces_risk), target).value();
    // A run: the cooldown up and the daily claims down at once.
    target.set_now(day);
    gov.emergency(cooldown, 14 * day, day, target).value();
    gov.emergency(claims, 2'000, day, target).value();
    CHECK(staking.config().cooldown_ms == 14 * day);
    CHECK(staking.config().claims_per_day_max == Bps{2'000});
    // Shortening the cooldown waits its three days and the rate limit: 14 -> 7 days at most a week a day.
    const ProposalId shorter = gov.propose(cooldown, 7 * day, day, target).value();
    target.set_now(4 * day);
    gov.execute(shorter, 4 * day, target).value();
    CHECK(staking.config().cooldown_ms == 7 * day);
    CHECK(gov.propose(cooldown, 40 * day, 4 * day, target).error().code == ErrorCode::parameter_out_of_bounds);
}

TEST_CASE("governance targets: the fund's penalty shares and its settlement floor", "[management][governance]") {
    using Floored = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverAboveFloor<USDC>, Adl>;
    Ledger<USDC> ledger(LedgerLimits{0, 1, 0});
    Floored fund = Floored::open(ledger, fee_capture::FixedShares<USDC>{Bps{1'000}, Bps{500}},
                                 settlement::CoverAboveFloor<USDC>{usdc("10000")}, Adl(4))
                       .value();
    FundGovernanceTarget<Floored> target(fund);
    const ParameterKey liquidator{GovernedTarget::fund, 0, static_cast<std::uint32_t>(FundParameter::liquidator_share)};
    const ParameterKey treasury{GovernedTarget::fund, 0, static_cast<std::uint32_t>(FundParameter::treasury_share)};
    const ParameterKey floor{GovernedTarget::fund, 0, static_cast<std::uint32_t>(FundParameter::settlement_floor)};
    CHECK(target.read(liquidator).value() == 1'000);
    CHECK(target.read(floor).value() == usdc("10000").atoms());
    Governor<NullJournal> gov = Governor<NullJournal>::open(GovernorLimits{}).value();
    gov.govern(liquidator, rule(0, 5'000, 1'000, day, RiskDirection::none), target).value();
    gov.govern(treasury, rule(0, 9'500, 10'000, 0, RiskDirection::none), target).value();
    // A floor between 0 and 100,000 USDC; raising it keeps more in reserve.
    gov.govern(floor, rule(0, usdc("100000").atoms(), usdc("20000").atoms(), day, RiskDirection::raise_reduces_risk), target).value();

    const ProposalId more = gov.propose(liquidator, 2'000, 0, target).value();
    CHECK(gov.execute(more, 0, target).error().code == ErrorCode::timelock_not_over);  // no instant change
    gov.execute(more, day, target).value();
    CHECK(fund.fee_capture().liquidator_share == Bps{2'000});
    // 20% to the liquidator and 85% to the treasury is 105%: within the rule's bounds, refused by
    // the policy's own validation at execution, nothing changed.
    const ProposalId greedy = gov.propose(treasury, 8'500, day, target).value();
    CHECK(gov.execute(greedy, day, target).error().code == ErrorCode::invalid_policy_parameter);
    CHECK(fund.fee_capture().treasury_share == Bps{500});
    // The floor up at once in an emergency; down only through the queue.
    gov.emergency(floor, usdc("50000").atoms(), day, target).value();
    CHECK(fund.settlement().floor == usdc("50000"));
    CHECK(gov.emergency(floor, usdc("40000").atoms(), day, target).error().code == ErrorCode::not_risk_reducing);

    // A fund whose settlement has no floor: the parameter is unknown to its target.
    Engine engine = Engine::create(EngineLimits{4, 1, 1}, {}, {}, Adl(4)).value();
    FundGovernanceTarget<EngineFund<Adl>> engine_fund(engine.fund());
    CHECK(engine_fund.read(floor).error().code == ErrorCode::unknown_parameter);
    CHECK(engine_fund.read(liquidator).has_value());
    CHECK(engine_fund.read(ParameterKey{GovernedTarget::fund, 1, 0}).error().code == ErrorCode::unknown_parameter);
}

}  // namespace test_management_governance_targets_test
