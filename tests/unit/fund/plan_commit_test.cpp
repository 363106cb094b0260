// The fund's plan/commit split: plans are const and change nothing, a committed plan gives
// exactly what the one-call operation gives, the engine's form of socialization (nothing moved,
// allocations possibly lowered) only records statistics, and the per-market payout table is
// wide. Then the trait a socialized-loss policy declares (socialization_kind.hpp).
#include <catch2/catch.hpp>

#include "unit/fund/fund_world.hpp"

#include <backstop/fund/socialization_kind.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

namespace test_fund_plan_commit_test {

using namespace backstop;
using namespace backstop::testing;

namespace {

using Wide = Amount<USDC, Int128>;
constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();

using Fund = RuntimeInsuranceFund<USDC>;

// Three winners (short, price fell) and a default of 30 units.
std::vector<LossBearer<USDC>> winners() {
    return {bearer(1, 10, "1000", "900", "500"), bearer(2, 20, "2000", "1700", "1000"),
            bearer(3, 5, "500", "480", "40")};
}

template <class Ledger>
void fund_accounts(Ledger& ledger, const std::vector<AccountId>& accounts) {
    for (const AccountId account : accounts) {
        ledger.transfer(Place::external(), Place::collateral(account), usdc("5000"), TransferReason::deposit).value();
    }
}

// Shipped socialized-loss policy number `index` (of 7), in its runtime form.
socialized_loss::AnySocializedLoss<USDC> shipped_socialized_loss(std::size_t index, FundId default_fund) {
    switch (index) {
        case 0: return socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>(8);
        case 1: return socialized_loss::RankedAdl<USDC, adl_rank::BinanceLeveragePnl>(8);
        case 2: return socialized_loss::RandomStartAdl<USDC>{2};
        case 3: return socialized_loss::ProRataHaircut<USDC>{};
        case 4: return socialized_loss::FundingSocialization<USDC>{};
        case 5: return socialized_loss::ClearingHouseWaterfall<USDC>{default_fund, usdc("50"), Bps{1'000}};
        default: return socialized_loss::WaterFillingAdl<USDC>(8);
    }
}

// A socialized-loss policy of the user's own, without kind() or bearers_max(): the defaults
// apply. It takes the whole remainder from the first bearer's collateral, up to what it holds.
template <class Asset>
struct FirstBearerPays {
    using asset_type = Asset;
    using Money = Amount<Asset>;
    Result<void> validate() const { return {}; }
    template <class Ledger>
    Result<SocializePlan<Asset>> plan(const Money& remainder, Span<const LossBearer<Asset>> bearers,
                                      Span<Allocation<Asset>> out, const SocializeContext&, const Ledger&) const {
        if (bearers.empty() || remainder.is_zero() || !bearers[0].collateral.is_positive()) return SocializePlan<Asset>{};
        if (out.empty()) return make_error(ErrorCode::allocation_capacity, "no room");
        const Money amount = std::min(remainder, bearers[0].collateral);
        out[0] = Allocation<Asset>{0, bearers[0].account, Place::collateral(bearers[0].account), amount, 0,
                                   LossLayer::haircut};
        return SocializePlan<Asset>{amount, 1, 0};
    }
};

}  // namespace

TEST_CASE("a fund's plans are const and change nothing", "[fund][plan]") {
    FundWorld<> world;
    fund_accounts(world.ledger, world.accounts);
    Fund opened = Fund::open(world.ledger, fee_capture::FixedShares<USDC>{Bps{5'000}, Bps{1'000}},
                             settlement::CoverUpToBalance<USDC>{}, socialized_loss::ProRataHaircut<USDC>{})
                      .value();
    world.seed(opened, usdc("100"));
    const Fund& fund = opened;
    const auto& ledger = world.ledger;
    const std::uint64_t digest_before = ledger.digest();

    const PenaltySplit<USDC> split =
        fund.plan_capture(ledger, usdc("10"),
                          CaptureContext{Place::collateral(world.accounts[0]), Place::liquidator(world.liquidator), MarketId{0}})
            .value();
    CHECK(split.to_liquidator == usdc("5"));
    CHECK(split.to_treasury == usdc("1"));
    CHECK(split.to_fund == usdc("4"));
    CHECK(fund.plan_settle(ledger, usdc("150"), SettleContext{Place::pnl_pool(), MarketId{0}}).value() == usdc("100"));
    const std::vector<LossBearer<USDC>> bearers = refreshed(winners(), ledger);
    std::vector<Allocation<USDC>> out(bearers.size());
    const SocializePlan<USDC> plan =
        fund.plan_socialize(ledger, usdc("50"), Span<const LossBearer<USDC>>(bearers), out,
                            SocializeContext{Place::pnl_pool(), MarketId{0}})
            .value();
    CHECK(plan.covered == usdc("50"));

    CHECK(ledger.digest() == digest_before);
    CHECK(fund.statistics().capture_count == 0);
    CHECK(fund.statistics().settle_count == 0);
    CHECK(fund.statistics().socialize_count == 0);
    CHECK(fund.paid_in(MarketId{0}).is_zero());
}

TEST_CASE("plan then commit gives exactly what capture, settle and socialize give", "[fund][plan]") {
    // Two identical worlds, one driven by the one-call operations, the other by plan + commit,
    // under every shipped socialized-loss policy: same reports, balances and statistics.
    for (std::size_t policy = 0; policy < 7; ++policy) {
        FundWorld<> one_call;
        FundWorld<> split_calls;
        const FundId default_fund_a = one_call.ledger.open_fund().value();
        const FundId default_fund_b = split_calls.ledger.open_fund().value();
        REQUIRE(default_fund_a == default_fund_b);
        one_call.ledger.transfer(Place::external(), Place::fund(default_fund_a), usdc("30"), TransferReason::fund_deposit)
            .value();
        split_calls.ledger.transfer(Place::external(), Place::fund(default_fund_b), usdc("30"), TransferReason::fund_deposit)
            .value();
        fund_accounts(one_call.ledger, one_call.accounts);
        fund_accounts(split_calls.ledger, split_calls.accounts);
        const auto socialized = shipped_socialized_loss(policy, default_fund_a);
        auto open = [&](FundWorld<>& world) {
            Fund fund = Fund::open(world.ledger, fee_capture::FixedShares<USDC>{Bps{3'333}, Bps{1'111}},
                                   settlement::CappedPerEventAndMarket<USDC>{usdc("70"), usdc("100")}, socialized)
                            .value();
            world.seed(fund, usdc("120"));
            return fund;
        };
        Fund a = open(one_call);
        Fund b = open(split_calls);
        INFO("policy " << policy);

        for (int round = 0; round < 3; ++round) {
            const CaptureContext capture{Place::collateral(one_call.accounts[4 + static_cast<std::size_t>(round)]),
                                         Place::liquidator(one_call.liquidator), MarketId{1}};
            const Usdc penalty = usdc("12.345679");
            const CaptureReport<USDC> captured_a = a.capture(one_call.ledger, penalty, capture).value();
            const CaptureReport<USDC> captured_b =
                b.commit_capture(split_calls.ledger, b.plan_capture(split_calls.ledger, penalty, capture).value(), capture);
            CHECK(captured_a.penalty == captured_b.penalty);
            CHECK(captured_a.split.to_dust == captured_b.split.to_dust);
            CHECK(captured_a.split.to_fund == captured_b.split.to_fund);

            const SettleContext settle{Place::pnl_pool(), MarketId{1}};
            const Usdc deficit = usdc("90");
            const SettlementReport<USDC> settled_a = a.settle(one_call.ledger, deficit, settle).value();
            const Usdc paid = b.plan_settle(split_calls.ledger, deficit, settle).value();
            const SettlementReport<USDC> settled_b = b.commit_settle(split_calls.ledger, deficit, paid, settle);
            CHECK(settled_a.paid == settled_b.paid);
            CHECK(settled_a.remainder == settled_b.remainder);
            CHECK(settled_a.depleted == settled_b.depleted);

            SocializeContext context{Place::pnl_pool(), MarketId{1}};
            context.defaulter_size_atoms = 30;
            context.event_seed = static_cast<std::uint64_t>(round);
            const std::vector<LossBearer<USDC>> bearers_a = refreshed(winners(), one_call.ledger);
            const std::vector<LossBearer<USDC>> bearers_b = refreshed(winners(), split_calls.ledger);
            std::vector<Allocation<USDC>> out_a(8);
            std::vector<Allocation<USDC>> out_b(8);
            const SocializeReport<USDC> social_a =
                a.socialize(one_call.ledger, settled_a.remainder, Span<const LossBearer<USDC>>(bearers_a), out_a, context)
                    .value();
            const SocializePlan<USDC> plan =
                b.plan_socialize(split_calls.ledger, settled_b.remainder, Span<const LossBearer<USDC>>(bearers_b), out_b,
                                 context)
                    .value();
            const SocializeReport<USDC> social_b = b.commit_socialize(
                split_calls.ledger, settled_b.remainder,
                Span<const Allocation<USDC>>(out_b.data(), plan.allocation_count), plan, context);
            CHECK(social_a.covered == social_b.covered);
            CHECK(social_a.uncovered == social_b.uncovered);
            CHECK(social_a.allocation_count == social_b.allocation_count);
            CHECK(social_a.funding_delta_per_unit == social_b.funding_delta_per_unit);
            CHECK(one_call.ledger.digest() == split_calls.ledger.digest());
        }
        CHECK(a.statistics().captured_total == b.statistics().captured_total);
        CHECK(a.statistics().paid_total == b.statistics().paid_total);
        CHECK(a.statistics().socialized_total == b.statistics().socialized_total);
        CHECK(a.statistics().uncovered_total == b.statistics().uncovered_total);
        CHECK(a.statistics().depletion_count == b.statistics().depletion_count);
        CHECK(a.paid_in(MarketId{1}) == b.paid_in(MarketId{1}));
        CHECK(a.paid_in(MarketId{1}) == Wide(usdc("100")));  // the per-market cap, reached
        CHECK(one_call.ledger.audit().balanced());
    }
}

TEST_CASE("commit_socialize without transfers records what the engine collects and moves nothing",
          "[fund][plan]") {
    FundWorld<> world;
    fund_accounts(world.ledger, world.accounts);
    Fund fund = Fund::open(world.ledger, fee_capture::FixedShares<USDC>{}, settlement::CoverUpToBalance<USDC>{},
                           socialized_loss::ProRataHaircut<USDC>{})
                    .value();
    const std::vector<LossBearer<USDC>> bearers = refreshed(winners(), world.ledger);
    std::vector<Allocation<USDC>> out(bearers.size());
    SocializeContext context{Place::pnl_pool(), MarketId{2}};
    context.commit_transfers = false;
    SocializePlan<USDC> plan =
        fund.plan_socialize(world.ledger, usdc("100"), Span<const LossBearer<USDC>>(bearers), out, context).value();
    REQUIRE(plan.covered == usdc("100"));
    REQUIRE(plan.allocation_count == 3);
    // The engine closed the first bearer's position and could collect one atom less from it.
    out[0].amount -= Usdc(1);
    plan.covered -= Usdc(1);
    const std::uint64_t digest_before = world.ledger.digest();
    const SocializeReport<USDC> report = fund.commit_socialize(
        world.ledger, usdc("100"), Span<const Allocation<USDC>>(out.data(), plan.allocation_count), plan, context);
    CHECK(world.ledger.digest() == digest_before);
    CHECK(report.covered == usdc("99.999999"));
    CHECK(report.uncovered == Usdc(1));
    CHECK(report.allocation_count == 3);
    CHECK(fund.statistics().socialized_total == Wide(usdc("99.999999")));
    CHECK(fund.statistics().uncovered_total == Wide(Usdc(1)));
    CHECK(fund.statistics().socialize_count == 1);
}

TEST_CASE("plan_socialize refuses what its commit could not make, changing nothing", "[fund][plan]") {
    FundWorld<> world;
    fund_accounts(world.ledger, world.accounts);
    const Fund fund = Fund::open(world.ledger, fee_capture::FixedShares<USDC>{}, settlement::CoverUpToBalance<USDC>{},
                                 socialized_loss::ProRataHaircut<USDC>{})
                          .value();
    const std::vector<LossBearer<USDC>> bearers = refreshed(winners(), world.ledger);
    std::vector<Allocation<USDC>> out(bearers.size());
    // A bearer is the target.
    const Result<SocializePlan<USDC>> onto_bearer = fund.plan_socialize(
        world.ledger, usdc("10"), Span<const LossBearer<USDC>>(bearers), out,
        SocializeContext{Place::collateral(AccountId{2}), MarketId{0}});
    REQUIRE_FALSE(onto_bearer.has_value());
    CHECK(onto_bearer.error().code == ErrorCode::same_place);
    // The target cannot hold what comes in.
    world.ledger.transfer(Place::funding_pool(), Place::treasury(), Usdc(int64_max - 5), TransferReason::deposit).value();
    const Result<SocializePlan<USDC>> overflowing = fund.plan_socialize(
        world.ledger, usdc("10"), Span<const LossBearer<USDC>>(bearers), out, SocializeContext{Place::treasury(), MarketId{0}});
    REQUIRE_FALSE(overflowing.has_value());
    CHECK(overflowing.error().code == ErrorCode::overflow);
    // A market beyond the fund's table, a negative remainder.
    CHECK(fund.plan_socialize(world.ledger, usdc("10"), Span<const LossBearer<USDC>>(bearers), out,
                              SocializeContext{Place::pnl_pool(), MarketId{64}})
              .error()
              .code == ErrorCode::unknown_market);
    CHECK(fund.plan_socialize(world.ledger, -usdc("10"), Span<const LossBearer<USDC>>(bearers), out,
                              SocializeContext{Place::pnl_pool(), MarketId{0}})
              .error()
              .code == ErrorCode::amount_negative);
}

TEST_CASE("capped per-market settlement reads the wide payout table past int64", "[fund][plan]") {
    // The table can pass int64 under a policy without a market cap; a capped policy reading it
    // then finds no room, and an uncapped market is still paid.
    const settlement::CappedPerEventAndMarket<USDC> capped{Usdc(int64_max), Usdc(int64_max)};
    const Wide paid[] = {Wide(Int128(int64_max) * 2), Wide(Usdc(int64_max - 7)), Wide::zero()};
    const FundState<USDC> state{Usdc(int64_max), paid, 3};
    CHECK(state.paid_in(MarketId{0}) == Wide(Int128(int64_max) * 2));
    CHECK(state.paid_in(MarketId{9}).is_zero());
    CHECK(capped.payable(Usdc(1'000), SettleContext{Place::pnl_pool(), MarketId{0}}, state).is_zero());
    CHECK(capped.payable(Usdc(1'000), SettleContext{Place::pnl_pool(), MarketId{1}}, state) == Usdc(7));
    CHECK(capped.payable(Usdc(1'000), SettleContext{Place::pnl_pool(), MarketId{2}}, state) == Usdc(1'000));

    // Through the fund: 6e18 twice against a cap of int64 max, then nothing.
    FundWorld<> world;
    auto fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CappedPerEventAndMarket<USDC>,
                              socialized_loss::ProRataHaircut<USDC>>::open(world.ledger, {}, capped, {})
                    .value();
    const std::int64_t payment = 6'000'000'000'000'000'000;
    const SettleContext context{Place::pnl_pool(), MarketId{5}};
    const std::int64_t expected[] = {payment, int64_max - payment, 0};
    for (const std::int64_t pays : expected) {
        world.seed(fund, Usdc(payment));
        const SettlementReport<USDC> report = fund.settle(world.ledger, Usdc(payment), context).value();
        CHECK(report.paid == Usdc(pays));
        if (pays > 0) {
            world.ledger.transfer(Place::pnl_pool(), Place::external(), Usdc(pays), TransferReason::withdrawal).value();
        }
        if (fund.balance(world.ledger).is_positive()) {
            fund.withdraw(world.ledger, Place::external(), fund.balance(world.ledger)).value();
        }
    }
    CHECK(fund.paid_in(MarketId{5}) == Wide(Usdc(int64_max)));
}

// ---- the socialization trait ------------------------------------------------------------------

TEST_CASE("every shipped socialized-loss policy declares its kind, forwarded by the runtime form",
          "[fund][policy][trait]") {
    using K = SocializationKind;
    const socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage> bitmex(77);
    const socialized_loss::RankedAdl<USDC, adl_rank::BinanceLeveragePnl> binance(78);
    const socialized_loss::RandomStartAdl<USDC> dydx{500};
    const socialized_loss::ProRataHaircut<USDC> haircut{};
    const socialized_loss::FundingSocialization<USDC> drift{};
    const socialized_loss::ClearingHouseWaterfall<USDC> clearing{FundId{1}, usdc("1"), Bps{100}};
    const socialized_loss::WaterFillingAdl<USDC> water_filling(79);
    const FirstBearerPays<USDC> custom{};
    constexpr std::uint32_t unlimited = std::numeric_limits<std::uint32_t>::max();

    CHECK(socialization_kind_of(bitmex) == K::auto_deleveraging);
    CHECK(socialization_kind_of(binance) == K::auto_deleveraging);
    CHECK(socialization_kind_of(dydx) == K::auto_deleveraging);
    CHECK(socialization_kind_of(haircut) == K::charges_collateral);
    CHECK(socialization_kind_of(drift) == K::funding_index);
    CHECK(socialization_kind_of(clearing) == K::charges_collateral);
    CHECK(socialization_kind_of(water_filling) == K::charges_collateral);
    CHECK(socialization_kind_of(custom) == K::charges_collateral);  // the default

    CHECK(bearers_max_of(bitmex) == 77);
    CHECK(bearers_max_of(binance) == 78);
    CHECK(bearers_max_of(dydx) == unlimited);
    CHECK(bearers_max_of(haircut) == unlimited);
    CHECK(bearers_max_of(drift) == unlimited);
    CHECK(bearers_max_of(clearing) == unlimited);
    CHECK(bearers_max_of(water_filling) == 79);
    CHECK(bearers_max_of(custom) == unlimited);  // the default

    using Any = socialized_loss::AnySocializedLoss<USDC>;
    CHECK(socialization_kind_of(Any(bitmex)) == K::auto_deleveraging);
    CHECK(socialization_kind_of(Any(dydx)) == K::auto_deleveraging);
    CHECK(socialization_kind_of(Any(haircut)) == K::charges_collateral);
    CHECK(socialization_kind_of(Any(drift)) == K::funding_index);
    CHECK(socialization_kind_of(Any(clearing)) == K::charges_collateral);
    CHECK(socialization_kind_of(Any(water_filling)) == K::charges_collateral);
    CHECK(bearers_max_of(Any(bitmex)) == 77);
    CHECK(bearers_max_of(Any(water_filling)) == 79);
    CHECK(bearers_max_of(Any(binance)) == 78);
    CHECK(bearers_max_of(Any(drift)) == unlimited);

    STATIC_REQUIRE(detail::has_socialization_kind<Any>::value);
    STATIC_REQUIRE(detail::has_bearers_max<Any>::value);
    STATIC_REQUIRE_FALSE(detail::has_socialization_kind<FirstBearerPays<USDC>>::value);
    STATIC_REQUIRE_FALSE(detail::has_bearers_max<FirstBearerPays<USDC>>::value);
}

TEST_CASE("a custom socialized-loss policy without the trait members still plugs into the fund",
          "[fund][policy][trait]") {
    FundWorld<> world;
    fund_accounts(world.ledger, world.accounts);
    auto fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                              FirstBearerPays<USDC>>::open(world.ledger, {}, {}, {})
                    .value();
    CHECK(socialization_kind_of(fund.socialized_loss()) == SocializationKind::charges_collateral);
    const std::vector<LossBearer<USDC>> bearers = refreshed(winners(), world.ledger);
    std::vector<Allocation<USDC>> out(1);
    const SocializeReport<USDC> report =
        fund.socialize(world.ledger, usdc("25"), Span<const LossBearer<USDC>>(bearers), out,
                       SocializeContext{Place::pnl_pool(), MarketId{0}})
            .value();
    CHECK(report.covered == usdc("25"));
    CHECK(world.ledger.balance_of(Place::collateral(AccountId{1})) == usdc("4975"));
    CHECK(world.ledger.audit().balanced());
}

}  // namespace test_fund_plan_commit_test
