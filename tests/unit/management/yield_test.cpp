// Yield on idle capital above a liquidity floor: the floor from stressed outflows and from
// Cover-2, by hand; allocation, accrual, loss and recall to the atom; the attack (placed capital
// cannot pay a deficit); a rising floor recalled through rebalance; and a randomised run against
// an independent model with exact conservation after every operation.
#include "support/random.hpp"
#include "unit/engine/engine_world.hpp"

#include <backstop/fund/insurance_fund.hpp>
#include <backstop/ledger/ledger.hpp>
#include <backstop/management/fund_target.hpp>
#include <backstop/management/liquidity_floor.hpp>
#include <backstop/management/yield_strategies.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <vector>

namespace test_management_yield_test {

using namespace backstop;
using namespace backstop::testing;

namespace {

using Wide = Amount<USDC, Int128>;
using Yield = YieldStrategies<USDC>;
using Fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                           socialized_loss::ProRataHaircut<USDC>>;
using Adl = socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>;

constexpr std::int64_t day = 86'400'000;
constexpr std::int64_t t0 = 1'000'000;  // any start: the component has no clock
constexpr std::int64_t one = 1'000'000;  // 1 USDC in atoms

Wide wide(std::int64_t atoms) { return Wide(Int128(atoms)); }
detail::int128 native(const Wide& x) { return x.atoms().raw(); }

bool same_strategy(const YieldStrategy<USDC>& a, const YieldStrategy<USDC>& b) {
    return a.id == b.id && a.accrued_to_ms == b.accrued_to_ms && a.lockup_end_ms == b.lockup_end_ms &&
           a.last_recall_ms == b.last_recall_ms && a.recall_pending == b.recall_pending &&
           a.recall_amount == b.recall_amount && a.recall_at_ms == b.recall_at_ms;
}

// A USDC ledger with an insurance fund (it pays a deficit from its own place) and its yield.
struct YieldWorld {
    Ledger<USDC> ledger{LedgerLimits{4, 2, 1, 8}};
    Fund fund = Fund::open(ledger, {}, {}, {}).value();
    Yield yield;
    AccountId winner = ledger.open_account().value();

    explicit YieldWorld(std::int64_t fund_atoms, YieldConfig config = {}) {
        yield = Yield::open(ledger, fund.id(), config, YieldLimits{4}).value();
        if (fund_atoms > 0) fund.deposit(ledger, Place::external(), Usdc(fund_atoms)).value();
    }
    StrategyId open(std::int64_t rate_bps, std::int64_t lockup_ms, std::int64_t delay_ms, std::uint32_t weight = 1) {
        StrategyConfig config;
        config.rate_per_year = Bps{rate_bps};
        config.lockup_ms = lockup_ms;
        config.withdrawal_delay_ms = delay_ms;
        config.weight = weight;
        return yield.open_strategy(ledger, config).value();
    }
    std::int64_t fund_balance() const { return ledger.balance_of(fund.place()).atoms(); }
    std::int64_t held(StrategyId id) const { return ledger.balance_of(Place::strategy(id)).atoms(); }
    YieldStrategy<USDC> state(StrategyId id) const { return yield.strategy(id).value(); }
};

// A refused operation changes nothing: not the ledger, not the strategy.
#define CHECK_REFUSED(world, id, call, error_code)                            \
    do {                                                                  \
        const std::uint64_t digest_before = (world).ledger.digest();      \
        const YieldStrategy<USDC> state_before = (world).state(id);       \
        const auto refused = (call);                                      \
        REQUIRE_FALSE(refused.has_value());                               \
        CHECK(refused.error().code == (error_code));                      \
        CHECK((world).ledger.digest() == digest_before);                  \
        CHECK(same_strategy((world).state(id), state_before));            \
    } while (false)

}  // namespace

TEST_CASE("liquidity floor: the empirical upper quantile of stressed outflows, rounded up",
          "[management][yield]") {
    LiquidityFloorConfig config;  // 99%, a week
    // Sorted: 10 10 20 30 30 30 40 50 60 100 (n = 10).
    const std::vector<std::int64_t> outflows{40, 10, 30, 30, 20, 30, 50, 10, 100, 60};
    auto floor_at = [&](std::int64_t quantile_ppm) {
        std::vector<std::int64_t> buffer = outflows;
        LiquidityFloorConfig c = config;
        c.quantile = Ppm{quantile_ppm};
        const auto report = liquidity_floor_from_sample<USDC>(OutflowSample{buffer, config.horizon_ms}, c).value();
        CHECK(report.floor == report.from_sample);
        return static_cast<std::int64_t>(report.from_sample.atoms());
    };
    CHECK(floor_at(990'000) == 100);    // k = ceil(9.9) = 10: the largest
    CHECK(floor_at(1'000'000) == 100);  // q = 100%: the maximum
    CHECK(floor_at(900'000) == 60);     // k = 9 exactly
    CHECK(floor_at(400'000) == 30);     // ties: k = 4, 5, 6 all read 30
    CHECK(floor_at(600'000) == 30);
    CHECK(floor_at(610'000) == 40);     // k = ceil(6.1) = 7, not 6: rounded up, the fund's side
    CHECK(floor_at(1) == 10);           // k = ceil(0.00001) = 1: the smallest
    // n = 3, q = 50%: k = ceil(1.5) = 2, the middle (rounding down would say 1).
    std::vector<std::int64_t> three{3, 1, 2};
    CHECK(liquidity::stressed_outflow_quantile(three, Ppm{500'000}).value() == 2);
    CHECK(liquidity::quantile_rank(3, Ppm{500'000}).value() == 2);
    // A sample of one is its own quantile at any q.
    std::vector<std::int64_t> single{42};
    CHECK(liquidity::stressed_outflow_quantile(single, Ppm{1}).value() == 42);
    CHECK(liquidity::stressed_outflow_quantile(single, Ppm{1'000'000}).value() == 42);

    // Bad input: typed errors, and the caller's buffer untouched.
    std::vector<std::int64_t> buffer = outflows;
    std::vector<std::int64_t> empty;
    CHECK(liquidity_floor_from_sample<USDC>(OutflowSample{empty, config.horizon_ms}, config).error().code ==
          ErrorCode::invalid_argument);
    LiquidityFloorConfig bad = config;
    bad.quantile = Ppm{0};
    CHECK(liquidity_floor_from_sample<USDC>(OutflowSample{buffer, config.horizon_ms}, bad).error().code ==
          ErrorCode::invalid_policy_parameter);
    bad.quantile = Ppm{1'000'001};
    CHECK(liquidity_floor_from_sample<USDC>(OutflowSample{buffer, config.horizon_ms}, bad).error().code ==
          ErrorCode::invalid_policy_parameter);
    bad = config;
    bad.horizon_ms = 0;
    CHECK(liquidity_floor_from_sample<USDC>(OutflowSample{buffer, 0}, bad).error().code ==
          ErrorCode::invalid_policy_parameter);
    // Outflows measured over a day understate a week's: refused; over a month, accepted.
    CHECK(liquidity_floor_from_sample<USDC>(OutflowSample{buffer, day}, config).error().code ==
          ErrorCode::invalid_argument);
    CHECK(buffer == outflows);
    std::vector<std::int64_t> negative{5, -1, 3};
    CHECK(liquidity::stressed_outflow_quantile(negative, Ppm{500'000}).error().code == ErrorCode::amount_negative);
    CHECK(negative == std::vector<std::int64_t>{5, -1, 3});
    CHECK(liquidity_floor_from_sample<USDC>(OutflowSample{buffer, 30 * day}, config).value().floor == wide(100));
}

TEST_CASE("liquidity floor: from the Cover-2 target, and the larger of both", "[management][yield]") {
    // The engine of fund_target_test: Cover-2 = 2,000 (alice) + 750 (bob) = 2,750 USDC.
    EngineWorld<Adl> w(Adl(64));
    const AccountId maker = w.account("1000000");
    const AccountId alice = w.account("1000");
    const AccountId bob = w.account("3000");
    w.mark("50000");
    w.trade(alice, maker, "0.4", "50000");
    w.trade(maker, bob, "0.5", "50000");
    FundTarget target = FundTarget::open(FundTargetConfig{}, 4).value();
    const FundTargetReport<USDC> report = target.compute(w.engine).value();
    REQUIRE(report.cover_target == Wide(usdc("2750")));
    CHECK(liquidity_floor_from_target(report).value().floor == Wide(usdc("2750")));

    // Stressed outflows of 1,000, 3,000 and 2,000: at 50% the 2nd smallest (k = ceil(1.5) = 2),
    // 2,000, below Cover-2: the floor is 2,750. At 100%, 3,000 is above it.
    LiquidityFloorConfig config;
    config.quantile = Ppm{500'000};
    std::vector<std::int64_t> outflows{1'000 * one, 3'000 * one, 2'000 * one};
    auto both = liquidity_floor(OutflowSample{outflows, config.horizon_ms}, report, config).value();
    CHECK(both.from_sample == Wide(usdc("2000")));
    CHECK(both.from_target == Wide(usdc("2750")));
    CHECK(both.floor == Wide(usdc("2750")));
    config.quantile = Ppm{1'000'000};
    both = liquidity_floor(OutflowSample{outflows, config.horizon_ms}, report, config).value();
    CHECK(both.floor == Wide(usdc("3000")));

    FundTargetReport<USDC> broken = report;
    broken.cover_target = Wide(usdc("-1"));
    CHECK(liquidity_floor_from_target(broken).error().code == ErrorCode::amount_negative);
    CHECK(liquidity_floor(OutflowSample{outflows, config.horizon_ms}, broken, config).error().code ==
          ErrorCode::amount_negative);
}

TEST_CASE("yield: allocation above the floor, accrual, a loss and a recall, to the atom", "[management][yield]") {
    YieldWorld w(10'000 * one);
    // 5% a year, locked 30 days from each allocation, 2 days' notice.
    const StrategyId a = w.open(500, 30 * day, 2 * day);
    const StrategyId b = w.open(0, 0, 2 * day);
    const Wide floor = wide(3'000 * one);

    // 8,000 would leave 2,000 < 3,000: refused, nothing changes.
    CHECK_REFUSED(w, a, w.yield.allocate(w.ledger, a, Usdc(8'000 * one), floor, t0), ErrorCode::below_liquidity_floor);
    CHECK_REFUSED(w, a, w.yield.allocate(w.ledger, a, Usdc(20'000 * one), floor, t0), ErrorCode::below_liquidity_floor);
    CHECK_REFUSED(w, a, w.yield.allocate(w.ledger, a, Usdc(0), floor, t0), ErrorCode::amount_not_positive);
    CHECK_REFUSED(w, a, w.yield.allocate(w.ledger, a, Usdc(one), wide(-1), t0), ErrorCode::amount_negative);
    CHECK_REFUSED(w, a, w.yield.allocate(w.ledger, StrategyId{7}, Usdc(one), floor, t0), ErrorCode::unknown_strategy);
    // 7,000 leaves exactly the floor: accepted.
    const auto allocated = w.yield.allocate(w.ledger, a, Usdc(7'000 * one), floor, t0).value();
    CHECK(allocated.moved == Usdc(7'000 * one));
    CHECK(w.fund_balance() == 3'000 * one);
    CHECK(w.held(a) == 7'000 * one);
    CHECK(w.state(a).lockup_end_ms == t0 + 30 * day);
    CHECK(w.yield.available_to_pay(w.ledger) == floor);
    CHECK(w.yield.locked(w.ledger, t0) == wide(7'000 * one));

    // A recall at day 10: due at max(lock-up end 30, 10 + 2) = day 30.
    const auto requested = w.yield.request_recall(w.ledger, a, Usdc(5'000 * one), t0 + 10 * day).value();
    CHECK(requested.available_at_ms == t0 + 30 * day);
    CHECK_REFUSED(w, a, w.yield.request_recall(w.ledger, a, Usdc(one), t0 + 10 * day), ErrorCode::recall_pending);
    CHECK_REFUSED(w, a, w.yield.allocate(w.ledger, a, Usdc(one), wide(0), t0 + 10 * day), ErrorCode::recall_pending);
    CHECK_REFUSED(w, b, w.yield.complete_recall(w.ledger, b, t0 + 10 * day), ErrorCode::no_recall_pending);
    CHECK_REFUSED(w, b, w.yield.request_recall(w.ledger, b, Usdc(1), t0 + 10 * day), ErrorCode::insufficient_balance);
    CHECK_REFUSED(w, a, w.yield.accrue(w.ledger, a, t0 + 9 * day), ErrorCode::time_backwards);
    // Day 29: still locked.
    CHECK_REFUSED(w, a, w.yield.complete_recall(w.ledger, a, t0 + 29 * day), ErrorCode::strategy_locked);
    CHECK(w.yield.recallable_by(w.ledger, t0 + 29 * day, t0 + 29 * day) == wide(0));
    CHECK(w.yield.recallable_by(w.ledger, t0 + 29 * day, t0 + 30 * day) == wide(5'000 * one));

    // Day 30: 30 days at 5% a year on 7,000 USDC =
    //   7,000,000,000 x 500 x 2,592,000,000 / (10,000 x 31,536,000,000) = 28,767,123.287... -> 28,767,123
    const auto accrued = w.yield.accrue(w.ledger, a, t0 + 30 * day).value();
    CHECK(accrued.income == Usdc(28'767'123));
    CHECK(w.held(a) == 7'028'767'123);
    CHECK(w.ledger.balance_of(Place::external()).atoms() == -10'000 * one - 28'767'123);
    // Now due: pays the 5,000 requested (no further income: the clock is at day 30).
    const auto recalled = w.yield.complete_recall(w.ledger, a, t0 + 30 * day).value();
    CHECK(recalled.income == Usdc(0));
    CHECK(recalled.moved == Usdc(5'000 * one));
    CHECK(w.fund_balance() == 8'000 * one);
    CHECK(w.held(a) == 2'028'767'123);
    CHECK_FALSE(w.state(a).recall_pending);
    // A 20% loss: 2,028,767,123 x 0.2 = 405,753,424.6 -> 405,753,425 (rounded up: never understated).
    const auto lost = w.yield.apply_loss(w.ledger, a, Ppm{200'000}, t0 + 30 * day).value();
    CHECK(lost.moved == Usdc(405'753'425));
    CHECK(w.held(a) == 1'623'013'698);
    CHECK_REFUSED(w, a, w.yield.apply_loss(w.ledger, a, Ppm{1'000'001}, t0 + 30 * day), ErrorCode::invalid_argument);
    CHECK_REFUSED(w, a, w.yield.apply_loss(w.ledger, a, Ppm{-1}, t0 + 30 * day), ErrorCode::invalid_argument);
    // Everything is a ledger transfer: 10,000 in, + 28.767123 income, - 405.753425 loss.
    CHECK(w.ledger.audit().balanced());
    CHECK(w.fund_balance() + w.held(a) + w.held(b) == 10'000 * one + 28'767'123 - 405'753'425);

    // The withdrawal delay when there is no lock-up: b, allocated at day 30, recalled at day 31,
    // due at day 33.
    w.yield.allocate(w.ledger, b, Usdc(1'000 * one), floor, t0 + 30 * day).value();
    CHECK(w.yield.request_recall(w.ledger, b, Usdc(1'000 * one), t0 + 31 * day).value().available_at_ms == t0 + 33 * day);
    CHECK_REFUSED(w, b, w.yield.complete_recall(w.ledger, b, t0 + 33 * day - 1), ErrorCode::strategy_locked);
    CHECK(w.yield.complete_recall(w.ledger, b, t0 + 33 * day).value().moved == Usdc(1'000 * one));

    // Bad configurations.
    StrategyConfig bad;
    bad.rate_per_year = Bps{10'001};
    CHECK(w.yield.open_strategy(w.ledger, bad).error().code == ErrorCode::invalid_policy_parameter);
    bad = {};
    bad.withdrawal_delay_ms = -1;
    CHECK(w.yield.open_strategy(w.ledger, bad).error().code == ErrorCode::invalid_policy_parameter);
    bad = {};
    bad.loss_severity = Ppm{1'000'001};
    CHECK(w.yield.open_strategy(w.ledger, bad).error().code == ErrorCode::invalid_policy_parameter);
    CHECK(w.yield.strategy_count() == 2);
    YieldConfig bad_band;
    bad_band.rebalance_band = Bps{-1};
    CHECK(Yield::open(w.ledger, w.fund.id(), bad_band).error().code == ErrorCode::invalid_policy_parameter);
    CHECK(Yield::open(w.ledger, FundId{5}).error().code == ErrorCode::unknown_place);
}

TEST_CASE("yield attack: capital in a locked strategy cannot pay a deficit", "[management][yield][attack]") {
    YieldWorld w(1'000 * one);
    const StrategyId s = w.open(0, 30 * day, 7 * day);
    w.yield.allocate(w.ledger, s, Usdc(800 * one), wide(0), t0).value();
    // The fund is worth 1,000 of which 800 is placed and locked: available to pay, 200.
    CHECK(w.yield.available_to_pay(w.ledger) == wide(200 * one));
    CHECK(w.yield.locked(w.ledger, t0 + day) == wide(800 * one));
    CHECK(w.yield.recallable_by(w.ledger, t0 + day, t0 + day) == wide(0));

    // A deficit of 500 arrives: the fund pays its balance, 200; the plan leaves 300 for the
    // socialized-loss step.
    const SettleContext context{Place::pnl_pool(), MarketId{0}};
    const SettlementReport<USDC> settled = w.fund.settle(w.ledger, Usdc(500 * one), context).value();
    CHECK(settled.paid == Usdc(200 * one));
    CHECK(settled.remainder == Usdc(300 * one));
    CHECK(settled.depleted);
    CHECK(w.fund_balance() == 0);
    CHECK(w.held(s) == 800 * one);  // untouched
    // The 300 goes down the waterfall: a winner's profit is cut, not the strategy's holding.
    w.ledger.transfer(Place::external(), Place::collateral(w.winner), Usdc(2'000 * one), TransferReason::deposit).value();
    LossBearer<USDC> bearer;
    bearer.account = w.winner;
    bearer.side = Side::short_side;
    bearer.size_atoms = 10;
    bearer.entry_value = Usdc(2'000 * one);
    bearer.position_value = Usdc(1'000 * one);
    bearer.unrealised_pnl = Usdc(1'000 * one);
    bearer.collateral = Usdc(2'000 * one);
    const std::array<LossBearer<USDC>, 1> bearers{bearer};
    std::array<Allocation<USDC>, 1> out{};
    const SocializeReport<USDC> socialized =
        w.fund.socialize(w.ledger, settled.remainder, Span<const LossBearer<USDC>>(bearers), Span<Allocation<USDC>>(out),
                         SocializeContext{Place::pnl_pool(), MarketId{0}})
            .value();
    CHECK(socialized.covered == Usdc(300 * one));
    CHECK(w.ledger.balance_of(Place::collateral(w.winner)).atoms() == 1'700 * one);
    CHECK(w.held(s) == 800 * one);
    CHECK(w.ledger.balance_of(Place::pnl_pool()).atoms() == 500 * one);

    // The fund recalls: due at max(lock-up end day 30, day 1 + 7) = day 30, and not before.
    CHECK(w.yield.request_recall(w.ledger, s, Usdc(800 * one), t0 + day).value().available_at_ms == t0 + 30 * day);
    CHECK_REFUSED(w, s, w.yield.complete_recall(w.ledger, s, t0 + 8 * day), ErrorCode::strategy_locked);
    CHECK_REFUSED(w, s, w.yield.complete_recall(w.ledger, s, t0 + 30 * day - 1), ErrorCode::strategy_locked);
    CHECK(w.yield.complete_recall(w.ledger, s, t0 + 30 * day).value().moved == Usdc(800 * one));
    CHECK(w.fund_balance() == 800 * one);
    CHECK(w.yield.locked(w.ledger, t0 + 30 * day) == wide(0));
    CHECK(w.ledger.audit().balanced());
}

TEST_CASE("yield: a rising floor is recalled through rebalance, soonest due first", "[management][yield]") {
    YieldConfig config;
    config.rebalance_band = Bps{1'000};  // allocate only above floor x 1.1
    YieldWorld w(10'000 * one, config);
    const StrategyId slow = w.open(0, 0, 3 * day, 1);
    const StrategyId fast = w.open(0, 0, 1 * day, 3);
    auto total = [&] { return w.fund_balance() + w.held(slow) + w.held(fast); };

    // Floor 2,000: band 200, excess 10,000 - 2,200 = 7,800, by weights 1:3: 1,950 and 5,850.
    auto report = w.yield.rebalance(w.ledger, wide(2'000 * one), t0).value();
    CHECK(report.allocated == wide(7'800 * one));
    CHECK(report.allocations == 2);
    CHECK(w.held(slow) == 1'950 * one);
    CHECK(w.held(fast) == 5'850 * one);
    CHECK(w.fund_balance() == 2'200 * one);
    // A small rise inside the band does nothing.
    report = w.yield.rebalance(w.ledger, wide(2'100 * one), t0 + 1).value();
    CHECK(report.allocations + report.recalls_requested + report.recalls_completed == 0);

    // A new sample raises the floor to 6,000: shortfall 3,800, from `fast` (due in 1 day, not 3).
    std::vector<std::int64_t> outflows{6'000 * one, 1'000 * one};
    LiquidityFloorConfig floor_config;
    floor_config.quantile = Ppm{1'000'000};
    const Wide floor = liquidity_floor_from_sample<USDC>(OutflowSample{outflows, floor_config.horizon_ms}, floor_config)
                           .value()
                           .floor;
    REQUIRE(floor == wide(6'000 * one));
    const std::uint64_t digest = w.ledger.digest();
    report = w.yield.rebalance(w.ledger, floor, t0 + day).value();
    CHECK(w.ledger.digest() == digest);  // requests move nothing
    CHECK(report.requested == wide(3'800 * one));
    CHECK(report.recalls_requested == 1);
    CHECK(report.pending == wide(3'800 * one));
    CHECK(w.state(fast).recall_pending);
    CHECK(w.state(fast).recall_at_ms == t0 + 2 * day);
    CHECK_FALSE(w.state(slow).recall_pending);
    // Half a day later: nothing due, the shortfall is on its way, nothing more requested.
    report = w.yield.rebalance(w.ledger, floor, t0 + day + day / 2).value();
    CHECK(report.recalls_requested + report.recalls_completed == 0);
    CHECK(w.ledger.digest() == digest);
    // Day 2: due, paid; the fund is back at the floor, nothing allocated inside the band.
    report = w.yield.rebalance(w.ledger, floor, t0 + 2 * day).value();
    CHECK(report.recalled == wide(3'800 * one));
    CHECK(report.recalls_completed == 1);
    CHECK(report.allocations == 0);
    CHECK(w.fund_balance() == 6'000 * one);
    CHECK(w.held(fast) == 2'050 * one);
    // The floor to 9,000: shortfall 3,000, fast's 2,050 (due day 3) then slow's 950 (due day 5).
    report = w.yield.rebalance(w.ledger, wide(9'000 * one), t0 + 2 * day).value();
    CHECK(report.requested == wide(3'000 * one));
    CHECK(w.state(fast).recall_amount == Usdc(2'050 * one));
    CHECK(w.state(slow).recall_amount == Usdc(950 * one));
    CHECK(w.state(slow).recall_at_ms == t0 + 5 * day);
    w.yield.rebalance(w.ledger, wide(9'000 * one), t0 + 3 * day).value();
    CHECK(w.fund_balance() == 8'050 * one);
    CHECK(w.yield.locked(w.ledger, t0 + 3 * day) == wide(1'950 * one));
    CHECK(w.yield.recallable_by(w.ledger, t0 + 3 * day, t0 + 5 * day) == wide(950 * one));
    w.yield.rebalance(w.ledger, wide(9'000 * one), t0 + 5 * day).value();
    CHECK(w.fund_balance() == 9'000 * one);
    CHECK(w.held(slow) == 1'000 * one);
    CHECK(total() == 10'000 * one);  // conservation: no rate, no loss
    CHECK(w.ledger.audit().balanced());
    // Refusals change nothing.
    const std::uint64_t before = w.ledger.digest();
    CHECK(w.yield.rebalance(w.ledger, wide(-1), t0 + 5 * day).error().code == ErrorCode::amount_negative);
    CHECK(w.yield.rebalance(w.ledger, wide(0), t0).error().code == ErrorCode::time_backwards);
    CHECK(w.ledger.digest() == before);
}

namespace {

// An independent model of the component: each strategy's holding, clocks and recall.
struct ModelStrategy {
    std::int64_t rate_bps = 0, lockup_ms = 0, delay_ms = 0;
    std::uint32_t weight = 0;
    detail::int128 held = 0;
    std::int64_t accrued_to = std::numeric_limits<std::int64_t>::min();
    std::int64_t lockup_end = std::numeric_limits<std::int64_t>::min();
    std::int64_t last_recall = std::numeric_limits<std::int64_t>::min();
    bool pending = false;
    detail::int128 amount = 0;
    std::int64_t at = 0;

    void accrue(std::int64_t now) {
        if (held > 0 && rate_bps > 0 && now > accrued_to) {
            held += held * rate_bps * (now - accrued_to) / (detail::int128(10'000) * 365 * day);  // floor
        }
        accrued_to = std::max(accrued_to, now);
    }
    std::int64_t due_if_asked(std::int64_t now) const { return std::max(lockup_end, now + delay_ms); }
};

struct Model {
    std::vector<ModelStrategy> s;
    detail::int128 fund = 0;
    std::int64_t band_bps = 0;

    void rebalance(detail::int128 floor, std::int64_t now) {
        detail::int128 on_the_way = 0;
        for (const auto& m : s) on_the_way += m.pending ? std::min(m.held, m.amount) : 0;
        detail::int128 shortfall = floor - fund - on_the_way;
        while (shortfall > 0) {
            int best = -1;
            for (std::size_t i = 0; i < s.size(); ++i) {
                if (s[i].pending || s[i].held <= 0) continue;
                if (best < 0 || s[i].due_if_asked(now) < s[static_cast<std::size_t>(best)].due_if_asked(now)) {
                    best = static_cast<int>(i);
                }
            }
            if (best < 0) break;
            ModelStrategy& m = s[static_cast<std::size_t>(best)];
            m.amount = std::min(m.held, shortfall);
            m.at = m.due_if_asked(now);
            m.pending = true;
            shortfall -= m.amount;
        }
        for (auto& m : s) {
            m.accrue(now);
            if (m.pending && m.at <= now) complete(m, now);
        }
        const detail::int128 band = (floor * band_bps + 9'999) / 10'000;  // rounded up
        const detail::int128 excess = fund - floor > band ? fund - floor - band : 0;
        detail::int128 weights = 0;
        for (const auto& m : s) weights += free(m, now) ? m.weight : 0;
        if (excess <= 0 || weights == 0) return;
        for (auto& m : s) {
            if (!free(m, now)) continue;
            const detail::int128 share = excess * m.weight / weights;
            if (share <= 0) continue;
            fund -= share;
            m.held += share;
            m.lockup_end = std::max(m.lockup_end, now + m.lockup_ms);
        }
    }
    void complete(ModelStrategy& m, std::int64_t now) {
        const detail::int128 paid = std::min(m.held, m.amount);
        m.held -= paid;
        fund += paid;
        m.pending = false;
        m.amount = 0;
        m.last_recall = now;
    }
    static bool free(const ModelStrategy& m, std::int64_t now) {
        return m.weight > 0 && !m.pending && m.last_recall != now;
    }
};

}  // namespace

TEST_CASE("yield randomised: conservation, the floor, an independent model, refusals change nothing",
          "[management][yield]") {
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
        TestRandom random(0x71E1D000 + seed);
        YieldConfig config;
        config.rebalance_band = Bps{static_cast<std::int64_t>(random.below(3'000))};
        YieldWorld w(static_cast<std::int64_t>(1 + random.below(100'000)) * one, config);
        Model model;
        model.band_bps = config.rebalance_band.count();
        model.fund = w.fund_balance();
        std::vector<StrategyId> ids;
        for (int i = 0; i < 4; ++i) {
            ModelStrategy m;
            m.rate_bps = static_cast<std::int64_t>(random.below(2'001));
            m.lockup_ms = static_cast<std::int64_t>(random.below(5)) * day;
            m.delay_ms = static_cast<std::int64_t>(random.below(4)) * day;
            m.weight = static_cast<std::uint32_t>(random.below(4));
            ids.push_back(w.open(m.rate_bps, m.lockup_ms, m.delay_ms, m.weight));
            model.s.push_back(m);
        }
        std::int64_t now = t0;
        Wide floor = wide(0);
        std::uint64_t refusals = 0;
        std::uint64_t allocations = 0;
        std::uint64_t recalls = 0;
        for (int op = 0; op < 700; ++op) {
            if (random.chance(3)) now += static_cast<std::int64_t>(random.below(2 * static_cast<std::uint64_t>(day)));
            const std::size_t k = random.below(ids.size());
            const StrategyId id = ids[k];
            ModelStrategy& m = model.s[k];
            const std::uint64_t digest_before = w.ledger.digest();
            const YieldStrategy<USDC> state_before = w.state(id);
            const std::int64_t t = random.chance(40) ? now - 1 : now;  // now and then, time going back
            bool ok = true;
            bool allocated = false;
            const auto scale = [&] {
                const auto units = static_cast<std::int64_t>(random.below(20'000));  // one draw per statement:
                return units * one + static_cast<std::int64_t>(random.below(1'000'000));  // the same worlds on every compiler
            };
            switch (random.below(9)) {
                case 0: {  // a new floor from a fresh sample of stressed outflows
                    std::array<std::int64_t, 16> sample{};
                    for (auto& x : sample) x = scale();
                    LiquidityFloorConfig fc;
                    fc.quantile = Ppm{static_cast<std::int64_t>(500'000 + random.below(500'001))};
                    floor = liquidity_floor_from_sample<USDC>(OutflowSample{sample, fc.horizon_ms}, fc).value().floor;
                    continue;
                }
                case 1: {
                    const Usdc amount(random.chance(10) ? 0 : scale() / 4);
                    const auto r = w.yield.allocate(w.ledger, id, amount, floor, t);
                    ok = r.has_value();
                    if (ok) {
                        m.accrue(t);
                        model.fund -= amount.atoms();
                        m.held += amount.atoms();
                        m.lockup_end = std::max(m.lockup_end, t + m.lockup_ms);
                        allocated = true;
                        allocations += 1;
                    }
                    break;
                }
                case 2: {
                    ok = w.yield.accrue(w.ledger, id, t).has_value();
                    if (ok) m.accrue(t);
                    break;
                }
                case 3: {
                    const std::int64_t severity = random.chance(8) ? 1'000'001 : static_cast<std::int64_t>(random.below(300'000));
                    ok = w.yield.apply_loss(w.ledger, id, Ppm{severity}, t).has_value();
                    if (ok) {
                        m.accrue(t);
                        m.held -= (m.held * severity + 999'999) / 1'000'000;  // rounded up
                    }
                    break;
                }
                case 4: {
                    const std::int64_t held = w.held(id);
                    const std::int64_t amount = random.chance(6) ? held + 1 : static_cast<std::int64_t>(random.below(static_cast<std::uint64_t>(held) + 1));
                    ok = w.yield.request_recall(w.ledger, id, Usdc(amount), t).has_value();
                    if (ok) {
                        m.pending = true;
                        m.amount = amount;
                        m.at = m.due_if_asked(t);
                    }
                    break;
                }
                case 5: {
                    ok = w.yield.complete_recall(w.ledger, id, t).has_value();
                    if (ok) {
                        m.accrue(t);
                        model.complete(m, t);
                        recalls += 1;
                    }
                    break;
                }
                case 6: {
                    const auto r = w.yield.rebalance(w.ledger, floor, t);
                    ok = r.has_value();
                    if (ok) {
                        model.rebalance(native(floor), t);
                        allocated = r->allocations > 0;
                        allocations += r->allocations;
                        recalls += r->recalls_completed;
                    }
                    break;
                }
                case 7: {  // an outside deposit into the fund
                    const Usdc amount(scale() / 8 + 1);
                    w.fund.deposit(w.ledger, Place::external(), amount).value();
                    model.fund += amount.atoms();
                    continue;
                }
                default: {  // a deficit: the fund pays what it holds, never the strategies
                    const detail::int128 placed_before = native(w.yield.placed(w.ledger));
                    const Usdc deficit(scale() / 8 + 1);
                    const auto settled = w.fund.settle(w.ledger, deficit, SettleContext{Place::pnl_pool(), MarketId{0}}).value();
                    CHECK(settled.paid.atoms() == std::min<detail::int128>(deficit.atoms(), model.fund));
                    model.fund -= settled.paid.atoms();
                    CHECK(native(w.yield.placed(w.ledger)) == placed_before);
                    continue;
                }
            }
            if (!ok) {
                refusals += 1;
                CHECK(w.ledger.digest() == digest_before);
                CHECK(same_strategy(w.state(id), state_before));
            } else {
                now = std::max(now, t);
            }
            REQUIRE(w.ledger.audit().balanced());
            if (allocated) CHECK(Wide(w.ledger.balance_of(w.fund.place())) >= floor);  // never below by an allocation
            REQUIRE(detail::int128(w.fund_balance()) == model.fund);
            for (std::size_t i = 0; i < ids.size(); ++i) {
                const YieldStrategy<USDC> s = w.state(ids[i]);
                REQUIRE(detail::int128(w.held(ids[i])) == model.s[i].held);
                REQUIRE(s.recall_pending == model.s[i].pending);
                if (s.recall_pending) {
                    REQUIRE(detail::int128(s.recall_amount.atoms()) == model.s[i].amount);
                    REQUIRE(s.recall_at_ms == model.s[i].at);
                }
                REQUIRE(s.lockup_end_ms == model.s[i].lockup_end);
            }
        }
        CHECK(refusals > 20);
        CHECK(allocations > 20);
        CHECK(recalls > 5);
    }
}

}  // namespace test_management_yield_test
