// The dynamic liquidation penalty: hand-worked updates (volatility, fund health, bounds, the step
// limit), a configuration change that waits for the next update, bad input, a randomised run of
// its promises, and the engine charging the penalty it was given, journaled and replayed.
#include "support/random.hpp"
#include "support/scale.hpp"
#include "unit/engine/engine_world.hpp"

#include <backstop/management/dynamic_penalty.hpp>

#include <catch2/catch.hpp>

#include <cstdint>

namespace test_management_dynamic_penalty_test {

using namespace backstop;
using namespace backstop::testing;

namespace {

DynamicPenaltyConfig volatility_only() {
    DynamicPenaltyConfig config;
    config.reference_volatility = Ppm{10'000};  // 1% per update
    config.health_weight = Ppm{0};
    return config;  // floor 0.5%, base 1.5%, ceiling 5%, step 0.25%, decay 0.94, w_vol 1
}

DynamicPenaltyConfig health_only() {
    DynamicPenaltyConfig config;
    config.volatility_weight = Ppm{0};
    return config;  // w_health 0.5
}

}  // namespace

TEST_CASE("dynamic penalty: volatility raises it, at most a step per update", "[management][penalty]") {
    DynamicPenalty penalty = DynamicPenalty::open(volatility_only()).value();
    CHECK(penalty.penalty() == Ppm{15'000});
    CHECK(penalty.variance_ppm2() == 100'000'000);  // sigma_ref^2: neutral before any return
    // The first mark has no return: sigma = sigma_ref, the goal is the base.
    PenaltyUpdate u = penalty.update(100'000, 0, 0).value();
    CHECK(u.volatility == Ppm{10'000});
    CHECK(u.penalty == Ppm{15'000});
    // +10%: r = 100,000 ppm. var = ceil((0.94 x 10^8 + 0.06 x 10^10)) = 694,000,000;
    // sigma = ceil(26,343.88) = 26,344; goal = ceil(1.5% x (1 + 16,344 / 10,000)) = 39,516 ppm;
    // the step limit takes the penalty from 15,000 to 17,500.
    u = penalty.update(110'000, 0, 0).value();
    CHECK(u.return_ppm == 100'000);
    CHECK(u.variance_ppm2 == 694'000'000);
    CHECK(u.volatility == Ppm{26'344});
    CHECK(u.goal == Ppm{39'516});
    CHECK(u.penalty == Ppm{17'500});
    // Flat: var = 0.94 x 694e6 = 652,360,000; sigma = ceil(25,541.3) = 25,542;
    // goal = ceil(1.5% x 2.5542) = 38,313; the penalty steps to 20,000.
    u = penalty.update(110'000, 0, 0).value();
    CHECK(u.return_ppm == 0);
    CHECK(u.variance_ppm2 == 652'360'000);
    CHECK(u.volatility == Ppm{25'542});
    CHECK(u.goal == Ppm{38'313});
    CHECK(u.penalty == Ppm{20'000});
    CHECK(penalty.penalty() == Ppm{20'000});
    // A fall counts as much as a rise: 110,000 to 99,000 is r = -100,000.
    u = penalty.update(99'000, 0, 0).value();
    CHECK(u.return_ppm == -100'000);
}

TEST_CASE("dynamic penalty: below its target the fund charges more, above it less", "[management][penalty]") {
    SECTION("an empty fund: +50% of base, reached in three steps") {
        DynamicPenalty penalty = DynamicPenalty::open(health_only()).value();
        // health = (1000 - 0) / 1000 = 100%: goal = 1.5% x 1.5 = 2.25%.
        CHECK(penalty.update(100, 0, 1'000).value().goal == Ppm{22'500});
        CHECK(penalty.penalty() == Ppm{17'500});
        CHECK(penalty.update(100, 0, 1'000).value().penalty == Ppm{20'000});
        CHECK(penalty.update(100, 0, 1'000).value().penalty == Ppm{22'500});
        CHECK(penalty.update(100, 0, 1'000).value().penalty == Ppm{22'500});
    }
    SECTION("a fund at twice its target: -50% of base") {
        DynamicPenalty penalty = DynamicPenalty::open(health_only()).value();
        const PenaltyUpdate u = penalty.update(100, 2'000, 1'000).value();
        CHECK(u.health_ppm == -1'000'000);
        CHECK(u.goal == Ppm{7'500});
        CHECK(u.penalty == Ppm{12'500});
    }
    SECTION("a quarter short: +12.5%") {
        DynamicPenalty penalty = DynamicPenalty::open(health_only()).value();
        const PenaltyUpdate u = penalty.update(100, 750, 1'000).value();
        CHECK(u.health_ppm == 250'000);
        CHECK(u.penalty == Ppm{16'875});  // within a step of 15,000
    }
    SECTION("no target: no health term") {
        DynamicPenalty penalty = DynamicPenalty::open(health_only()).value();
        CHECK(penalty.update(100, 0, 0).value().penalty == Ppm{15'000});
    }
}

TEST_CASE("dynamic penalty: the bounds hold and a static penalty is the special case", "[management][penalty]") {
    DynamicPenaltyConfig config = volatility_only();
    config.ceiling = Ppm{20'000};
    config.step_max = Ppm{1'000'000};
    DynamicPenalty capped = DynamicPenalty::open(config).value();
    (void)capped.update(100'000, 0, 0).value();
    CHECK(capped.update(300'000, 0, 0).value().penalty == Ppm{20'000});  // a 200% move: the ceiling
    config.floor = Ppm{14'000};
    DynamicPenalty floored = DynamicPenalty::open(config).value();
    (void)floored.update(100'000, 0, 0).value();
    for (int i = 0; i < 50; ++i) (void)floored.update(100'000, 0, 0).value();  // volatility decays
    CHECK(floored.penalty() == Ppm{14'000});

    DynamicPenaltyConfig fixed;
    fixed.floor = fixed.base = fixed.ceiling = Ppm{15'000};
    DynamicPenalty static_penalty = DynamicPenalty::open(fixed).value();
    TestRandom random(7);
    std::int64_t mark = 1'000'000;
    for (int i = 0; i < 200; ++i) {
        mark = std::max<std::int64_t>(1, mark + static_cast<std::int64_t>(random.below(400'001)) - 200'000);
        CHECK(static_penalty.update(mark, static_cast<std::int64_t>(random.below(3'000)), 1'000).value().penalty ==
              Ppm{15'000});
    }
}

TEST_CASE("attack: a penalty-bound change applies from the next update, not before", "[management][penalty][attack]") {
    DynamicPenalty penalty = DynamicPenalty::open(health_only()).value();
    for (int i = 0; i < 3; ++i) (void)penalty.update(100, 0, 1'000).value();
    REQUIRE(penalty.penalty() == Ppm{22'500});
    DynamicPenaltyConfig lower = health_only();
    lower.ceiling = Ppm{18'000};
    REQUIRE(penalty.set_config(lower));
    CHECK(penalty.penalty() == Ppm{22'500});  // what liquidations pay until the next update
    CHECK(penalty.update(100, 0, 1'000).value().penalty == Ppm{18'000});  // then the new bounds win
}

TEST_CASE("dynamic penalty: bad input is refused and changes nothing", "[management][penalty]") {
    DynamicPenalty penalty = DynamicPenalty::open(DynamicPenaltyConfig{}).value();
    (void)penalty.update(100, 0, 1'000).value();
    const Ppm before = penalty.penalty();
    const std::int64_t variance = penalty.variance_ppm2();
    CHECK(penalty.update(0, 0, 1'000).error().code == ErrorCode::price_not_positive);
    CHECK(penalty.update(-5, 0, 1'000).error().code == ErrorCode::price_not_positive);
    CHECK(penalty.penalty() == before);
    CHECK(penalty.variance_ppm2() == variance);
    CHECK(penalty.last_mark() == 100);
    auto refused = [](DynamicPenaltyConfig config) {
        return DynamicPenalty::open(config).error().code == ErrorCode::invalid_policy_parameter;
    };
    DynamicPenaltyConfig c;
    c.floor = Ppm{20'000};  // above the base
    CHECK(refused(c));
    c = {};
    c.ceiling = Ppm{1'000'001};
    CHECK(refused(c));
    c = {};
    c.step_max = Ppm{0};
    CHECK(refused(c));
    c = {};
    c.ewma_decay = Ppm{1'000'000};
    CHECK(refused(c));
    c = {};
    c.reference_volatility = Ppm{0};
    CHECK(refused(c));
    c = {};
    c.health_weight = Ppm{-1};
    CHECK(refused(c));
    c = {};
    c.floor = Ppm{-1};
    CHECK(refused(c));
    c.floor = Ppm{0};
    c.base = Ppm{0};
    CHECK(penalty.set_config(DynamicPenaltyConfig{c}).has_value());  // a zero penalty is allowed
    c.step_max = Ppm{-3};
    CHECK(penalty.set_config(c).error().code == ErrorCode::invalid_policy_parameter);
    CHECK(penalty.config().step_max == DynamicPenaltyConfig{}.step_max);
}

TEST_CASE("dynamic penalty randomised: within bounds, a step at most, deterministic, monotone in the "
          "fund's health",
          "[management][penalty]") {
    const std::uint64_t paths = scaled(200);
    for (std::uint64_t p = 0; p < paths; ++p) {
        TestRandom random(0xD9E1A000 + p);
        DynamicPenaltyConfig config;
        config.floor = Ppm{static_cast<std::int64_t>(random.below(10'000))};
        config.base = Ppm{config.floor.count() + static_cast<std::int64_t>(random.below(20'000))};
        config.ceiling = Ppm{config.base.count() + static_cast<std::int64_t>(random.below(100'000))};
        config.step_max = Ppm{1 + static_cast<std::int64_t>(random.below(10'000))};
        config.ewma_decay = Ppm{static_cast<std::int64_t>(random.below(1'000'000))};
        config.reference_volatility = Ppm{1 + static_cast<std::int64_t>(random.below(50'000))};
        config.volatility_weight = Ppm{static_cast<std::int64_t>(random.below(3'000'000))};
        config.health_weight = Ppm{static_cast<std::int64_t>(random.below(3'000'000))};
        DynamicPenalty poorer = DynamicPenalty::open(config).value();
        DynamicPenalty richer = DynamicPenalty::open(config).value();
        DynamicPenalty twin = DynamicPenalty::open(config).value();
        std::int64_t mark = 1 + static_cast<std::int64_t>(random.below(1'000'000'000));
        const Int128 target = Int128(random.edge_biased_int64() & 0x7FFF'FFFF'FFFF'FFFF);
        for (int step = 0; step < 300; ++step) {
            INFO("path " << p << " step " << step);
            switch (random.below(4)) {
                case 0: mark = std::max<std::int64_t>(1, mark / (1 + static_cast<std::int64_t>(random.below(5)))); break;
                case 1: mark = mark > std::numeric_limits<std::int64_t>::max() / 8 ? mark : mark * (1 + static_cast<std::int64_t>(random.below(5))); break;
                case 2: mark = 1 + static_cast<std::int64_t>(random.next() >> 1); break;  // any positive mark
                default: break;
            }
            const Int128 balance = Int128(static_cast<std::int64_t>(random.next() >> 2));
            const Int128 more = balance + Int128(static_cast<std::int64_t>(random.below(1'000'000'000)));
            const Ppm before = poorer.penalty();
            const PenaltyUpdate u = poorer.update(mark, balance, target).value();
            const PenaltyUpdate r = richer.update(mark, more, target).value();
            const PenaltyUpdate t = twin.update(mark, balance, target).value();
            REQUIRE(u.penalty >= config.floor);
            REQUIRE(u.penalty <= config.ceiling);
            REQUIRE(u.penalty.count() - before.count() <= config.step_max.count());
            REQUIRE(before.count() - u.penalty.count() <= config.step_max.count());
            REQUIRE(t.penalty == u.penalty);  // same inputs, same outputs
            REQUIRE(t.variance_ppm2 == u.variance_ppm2);
            REQUIRE(r.penalty <= u.penalty);  // a richer fund never charges more
        }
    }
}

// ---- in the engine ------------------------------------------------------------------------------

TEST_CASE("the engine charges the penalty it was given from the next liquidation on; the change is "
          "journaled and replays",
          "[management][penalty][engine]") {
    using Adl = socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>;
    using Fund = EngineFund<Adl>;
    using Commands = BasicVectorJournal<EngineCommand>;
    using Engine = MarginEngine<Fund, NullJournal, Commands>;
    auto make = [] { return Engine::create(EngineLimits{16, 4, 2}, {}, {}, Adl(16)).value(); };
    Engine engine = make();
    const MarketId market = engine.add_market<BTC>(test_market()).value();
    const AccountId maker = engine.open_account().value();
    const AccountId alice = engine.open_account().value();
    const AccountId liquidator = engine.open_account().value();
    engine.deposit(maker, usdc("1000000")).value();
    engine.deposit(alice, usdc("1000")).value();
    engine.deposit(liquidator, usdc("100000")).value();
    engine.set_mark(market, price("50000"), Timestamp{1'000}).value();
    engine.trade(market, alice, maker, btc("0.4"), price("50000")).value();

    // Bad input: unknown market, a penalty outside [0, 100%]; nothing changes.
    const std::uint64_t digest = engine.digest();
    CHECK(engine.set_liquidation_penalty(MarketId{5}, Ppm{20'000}).error().code == ErrorCode::unknown_market);
    CHECK(engine.set_liquidation_penalty(market, Ppm{-1}).error().code == ErrorCode::invalid_market_config);
    CHECK(engine.set_liquidation_penalty(market, Ppm{1'000'001}).error().code == ErrorCode::invalid_market_config);
    CHECK(engine.digest() == digest);

    // A dynamic penalty with an empty fund asks for more at each update: the first mark (health
    // +100%: goal 2.25%) and a 2.6% fall (sigma 8,004: goal 3.15%) each move it a step of 0.25%.
    DynamicPenalty dynamic = DynamicPenalty::open(DynamicPenaltyConfig{}).value();
    (void)dynamic.update(50'000'000'000, 0, 1'000'000'000).value();
    const Ppm penalty = dynamic.update(48'700'000'000, 0, 1'000'000'000).value().penalty;
    CHECK(penalty == Ppm{20'000});
    REQUIRE(engine.set_liquidation_penalty(market, penalty));
    CHECK(engine.digest() != digest);  // the penalty is part of the engine's state
    engine.set_mark(market, price("48700"), Timestamp{2'000}).value();
    const LiquidationReport<USDC> report = engine.liquidate(alice, liquidator).value();
    REQUIRE(report.closed_notional.is_positive());
    // Not capped by the equity here: the penalty is the closed notional at 2%, rounded up.
    CHECK(report.penalty == apply_rate(report.closed_notional, penalty, round_up).value());
    CHECK(report.penalty != apply_rate(report.closed_notional, Ppm{15'000}, round_up).value());

    Engine fresh = make();
    REQUIRE(replay_commands(engine.command_journal(), engine.command_seal(), fresh));
    CHECK(fresh.digest() == engine.digest());
    CHECK(fresh.market_config(market).value().liquidation_penalty == Ppm{20'000});
}

}  // namespace test_management_dynamic_penalty_test
