// Randomised scenarios for the insurance fund (method in fund_scenario.hpp): 20 seeds x 43,000
// operations under each of the 3 x 3 x 7 = 63 combinations of the shipped policies, with the ledger
// audited after every operation; the same runs through statically chosen policies give the same
// trace as the runtime-selected ones; a recorded run replays to the same digest.
#include <backstop/fund/any_policy.hpp>
#include <backstop/ledger/replay.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>

#include "support/scale.hpp"
#include "unit/fund/fund_scenario.hpp"

namespace test_fund_fund_scenario_test {

using namespace backstop;
using namespace backstop::testing;

namespace {

const FundId default_fund{0};  // opened first in every world, for the clearing-house policy

fee_capture::AnyFeeCapture<USDC> fee_capture_policy(int index) {
    switch (index) {
        case 0: return fee_capture::FixedShares<USDC>{Bps{5'000}, Bps{1'000}};
        case 1: return fee_capture::FundFirstUntilTarget<USDC>{Bps{1'000}, usdc("1000000")};
        default: return fee_capture::CappedLiquidatorShare<USDC>{Bps{5'000}, usdc("100"), Bps{2'000}};
    }
}
settlement::AnySettlement<USDC> settlement_policy(int index) {
    switch (index) {
        case 0: return settlement::CoverUpToBalance<USDC>{};
        case 1: return settlement::CoverAboveFloor<USDC>{usdc("10000")};
        default: return settlement::CappedPerEventAndMarket<USDC>{usdc("1000000"), usdc("5000000")};
    }
}
socialized_loss::AnySocializedLoss<USDC> socialized_loss_policy(int index) {
    switch (index) {
        case 0: return socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>(64);
        case 1: return socialized_loss::RankedAdl<USDC, adl_rank::BinanceLeveragePnl>(64);
        case 2: return socialized_loss::RandomStartAdl<USDC>{};
        case 3: return socialized_loss::ProRataHaircut<USDC>{};
        case 4: return socialized_loss::FundingSocialization<USDC>{};
        case 5: return socialized_loss::ClearingHouseWaterfall<USDC>{default_fund, usdc("50000"), Bps{1'000}};
        default: return socialized_loss::WaterFillingAdl<USDC>(64);
    }
}

template <class Journal>
void open_default_fund(FundWorld<Journal>& world) {
    REQUIRE(world.ledger.open_fund().value() == default_fund);
    world.ledger.transfer(Place::external(), Place::fund(default_fund), usdc("200000"),
                          TransferReason::fund_deposit)
        .value();
}

template <class Fund, class Journal>
Fund open_fund(FundWorld<Journal>& world, typename Fund::fee_capture_type fee_capture,
               typename Fund::settlement_type settlement, typename Fund::socialized_loss_type social) {
    open_default_fund(world);
    Fund fund = Fund::open(world.ledger, fee_capture, settlement, social, FundLimits{4}).value();
    fund.deposit(world.ledger, Place::external(), usdc("250000")).value();
    return fund;
}

}  // namespace

namespace {

// One fee-capture policy against every settlement and socialized-loss policy, 20 seeds each.
void check_conservation_for_fee_capture(int fee) {
    // 43,000 operations a world: seven socialized-loss policies cost what six did at 50,000.
    const std::uint64_t operations = scaled(43'000);
    ScenarioOutcome total;
    for (int settle = 0; settle < 3; ++settle) {
        for (int social = 0; social < 7; ++social) {
            for (std::uint64_t seed = 1; seed <= 20; ++seed) {
                FundWorld<> world(12);
                auto fund = open_fund<RuntimeInsuranceFund<USDC>>(
                    world, fee_capture_policy(fee), settlement_policy(settle), socialized_loss_policy(social));
                const std::uint64_t scenario_seed =
                    seed * 1'000 + static_cast<std::uint64_t>(fee * 100 + settle * 10 + social);
                const ScenarioOutcome outcome = run_fund_scenario(world, fund, scenario_seed, operations);
                total.operations += outcome.operations;
                total.refused += outcome.refused;
                total.captures += outcome.captures;
                total.settlements += outcome.settlements;
                total.socializations += outcome.socializations;
                total.failures += outcome.failures;
            }
        }
    }
    CHECK(total.failures == 0);
    CHECK(total.operations == 21 * 20 * operations);
    CHECK(total.refused > total.operations / 10);  // bad inputs were exercised ...
    CHECK(total.captures > total.operations / 10);  // ... and every kind of operation succeeded
    CHECK(total.settlements > total.operations / 10);
    CHECK(total.socializations > total.operations / 50);
}

}  // namespace

TEST_CASE("random fund operations conserve value: fixed shares x every other policy",
          "[fund][conservation]") {
    check_conservation_for_fee_capture(0);
}
TEST_CASE("random fund operations conserve value: fund first until target x every other policy",
          "[fund][conservation]") {
    check_conservation_for_fee_capture(1);
}
TEST_CASE("random fund operations conserve value: capped liquidator share x every other policy",
          "[fund][conservation]") {
    check_conservation_for_fee_capture(2);
}

namespace {

template <class StaticFund>
void check_static_matches_runtime(int fee, int settle, int social,
                                  typename StaticFund::fee_capture_type fee_capture,
                                  typename StaticFund::settlement_type settlement,
                                  typename StaticFund::socialized_loss_type socialized) {
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        FundWorld<> static_world(12);
        auto static_fund = open_fund<StaticFund>(static_world, fee_capture, settlement, socialized);
        FundWorld<> runtime_world(12);
        auto runtime_fund = open_fund<RuntimeInsuranceFund<USDC>>(
            runtime_world, fee_capture_policy(fee), settlement_policy(settle), socialized_loss_policy(social));
        const std::uint64_t operations = scaled(20'000);
        const auto a = run_fund_scenario(static_world, static_fund, seed, operations);
        const auto b = run_fund_scenario(runtime_world, runtime_fund, seed, operations);
        INFO("policies " << fee << settle << social << " seed " << seed);
        CHECK(a.trace == b.trace);
        CHECK(static_world.ledger.digest() == runtime_world.ledger.digest());
        CHECK(a.failures == 0);
    }
}

}  // namespace

TEST_CASE("statically and runtime-selected policies give identical results", "[fund][policy]") {
    // Seven combinations that between them use every shipped policy (the diagonal of the 3 x 3 x 7).
    using namespace fee_capture;
    using namespace settlement;
    using namespace socialized_loss;
    check_static_matches_runtime<InsuranceFund<USDC, FixedShares<USDC>, CoverAboveFloor<USDC>,
                                               RankedAdl<USDC, adl_rank::PnlTimesLeverage>>>(
        0, 1, 0, {Bps{5'000}, Bps{1'000}}, {usdc("10000")}, RankedAdl<USDC, adl_rank::PnlTimesLeverage>(64));
    check_static_matches_runtime<InsuranceFund<USDC, FundFirstUntilTarget<USDC>, CappedPerEventAndMarket<USDC>,
                                               RankedAdl<USDC, adl_rank::BinanceLeveragePnl>>>(
        1, 2, 1, {Bps{1'000}, usdc("1000000")}, {usdc("1000000"), usdc("5000000")},
        RankedAdl<USDC, adl_rank::BinanceLeveragePnl>(64));
    check_static_matches_runtime<InsuranceFund<USDC, CappedLiquidatorShare<USDC>, CoverUpToBalance<USDC>,
                                               RandomStartAdl<USDC>>>(
        2, 0, 2, {Bps{5'000}, usdc("100"), Bps{2'000}}, {}, {});
    check_static_matches_runtime<InsuranceFund<USDC, FixedShares<USDC>, CoverUpToBalance<USDC>,
                                               ProRataHaircut<USDC>>>(0, 0, 3, {Bps{5'000}, Bps{1'000}}, {}, {});
    check_static_matches_runtime<InsuranceFund<USDC, FundFirstUntilTarget<USDC>, CoverAboveFloor<USDC>,
                                               FundingSocialization<USDC>>>(
        1, 1, 4, {Bps{1'000}, usdc("1000000")}, {usdc("10000")}, {});
    check_static_matches_runtime<InsuranceFund<USDC, CappedLiquidatorShare<USDC>, CappedPerEventAndMarket<USDC>,
                                               ClearingHouseWaterfall<USDC>>>(
        2, 2, 5, {Bps{5'000}, usdc("100"), Bps{2'000}}, {usdc("1000000"), usdc("5000000")},
        {default_fund, usdc("50000"), Bps{1'000}});
    check_static_matches_runtime<InsuranceFund<USDC, FixedShares<USDC>, CoverAboveFloor<USDC>, WaterFillingAdl<USDC>>>(
        0, 1, 6, {Bps{5'000}, Bps{1'000}}, {usdc("10000")}, WaterFillingAdl<USDC>(64));
}

TEST_CASE("a journal of fund operations replays to the same digest", "[fund][replay]") {
    for (int social = 0; social < 7; ++social) {
        FundWorld<VectorJournal<USDC>> world(12);
        auto fund = open_fund<RuntimeInsuranceFund<USDC>>(world, fee_capture_policy(social % 3),
                                                          settlement_policy((social + 1) % 3),
                                                          socialized_loss_policy(social));
        const auto outcome = run_fund_scenario(world, fund, 77 + static_cast<std::uint64_t>(social), scaled(10'000));
        CHECK(outcome.failures == 0);
        Ledger<USDC> rebuilt(world.ledger.limits());
        REQUIRE(replay(world.ledger.journal(), world.ledger.seal(), rebuilt).has_value());
        CHECK(rebuilt.digest() == world.ledger.digest());
    }
}

}  // namespace test_fund_fund_scenario_test
