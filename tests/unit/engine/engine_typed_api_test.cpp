// The engine's typed API: a market's contract specification in its assets' units (ContractSpec),
// typed positions, marks and open interest, a funding delta of its own type, and the uncovered
// total as a wide amount. A value in the wrong unit does not compile; a typed read of a market
// that trades another asset is a typed error.
#include "unit/engine/engine_world.hpp"

#include <backstop/engine/contract_spec.hpp>
#include <backstop/fund/socialized_loss/ranked_adl.hpp>

#include <type_traits>

namespace backstop::testing {
namespace {

// Another base asset (9 decimals, as Drift's SOL).
struct SOL {
    static constexpr std::string_view symbol = "SOL";
    static constexpr int decimals = 9;
};
using Adl = socialized_loss::RankedAdl<USDC>;
using World = EngineWorld<Adl>;
using Engine = World::Engine;

// update_funding takes a FundingDelta, never a bare integer (a price in raw units, a rate in ppm).
static_assert(std::is_invocable<decltype(&Engine::update_funding), Engine&, MarketId, FundingDelta>::value);
static_assert(!std::is_invocable<decltype(&Engine::update_funding), Engine&, MarketId, std::int64_t>::value);
static_assert(std::is_same<decltype(std::declval<const Engine&>().uncovered_total()), Amount<USDC, Int128>>::value);
// A contract specification's tick is a price and its lot a quantity: swapping them does not compile.
template <class Spec, class Value, class = void>
struct lot_accepts : std::false_type {};
template <class Spec, class Value>
struct lot_accepts<Spec, Value, std::void_t<decltype(std::declval<Spec&>().lot(std::declval<Value>()))>> : std::true_type {};
static_assert(lot_accepts<ContractSpec<BTC, USDC>, Btc>::value);
static_assert(!lot_accepts<ContractSpec<BTC, USDC>, BtcPrice>::value);
static_assert(!lot_accepts<ContractSpec<BTC, USDC>, std::int64_t>::value);

TEST_CASE("a market from a contract specification in its assets' units", "[engine][typed]") {
    const auto spec = ContractSpec<BTC, USDC>(presets::dydx_v4::large_cap())
                          .tick(price("0.5"))
                          .lot(btc("0.001"))
                          .position_max(btc("50"))
                          .open_interest_max(btc("1000"))
                          .tiers({{usdc("1000000"), Ppm{50'000}, Ppm{30'000}}, {usdc("5000000"), Ppm{100'000}, Ppm{50'000}}});
    CHECK(spec.config().tick_size == 500'000);   // 0.5 USDC in 6-decimal price units
    CHECK(spec.config().lot_size == 100'000);    // 0.001 BTC in 8-decimal atoms
    CHECK(spec.config().tiers[1].notional_max == 5'000'000'000'000);
    CHECK(spec.tick() == price("0.5"));
    CHECK(spec.lot() == btc("0.001"));
    CHECK(spec.tier_notional_max(0).value() == usdc("1000000"));
    CHECK(spec.tier_notional_max(2).error().code == ErrorCode::invalid_argument);  // two tiers
    CHECK(spec.tier_notional_max(99).error().code == ErrorCode::invalid_argument);

    World w;
    const MarketId market = w.engine.add_market(spec).value();
    CHECK(w.engine.market_config(market).value().tick_size == 500'000);
    const AccountId a = w.account("10000");
    const AccountId b = w.account("10000");
    w.now_ms += 1'000;
    w.engine.set_mark(market, price("50000"), Timestamp{w.now_ms}).value();
    CHECK(w.engine.trade(market, a, b, btc("0.1"), price("50000.5")).has_value());
    CHECK(w.engine.trade(market, a, b, btc("0.1"), price("50000.25")).error().code == ErrorCode::off_tick);
    CHECK(w.engine.trade(market, a, b, btc("0.0005"), price("50000")).error().code == ErrorCode::off_lot);
    CHECK(w.engine.trade(market, a, b, btc("60"), price("50000")).error().code == ErrorCode::position_limit);

    // Tiers out of order are refused as any invalid configuration is.
    auto bad = spec;
    bad.tiers({{usdc("5000000"), Ppm{50'000}, Ppm{30'000}}, {usdc("1000000"), Ppm{100'000}, Ppm{50'000}}});
    CHECK(w.engine.add_market(bad).error().code == ErrorCode::invalid_market_config);
    auto five = spec;
    five.tiers({{usdc("1"), Ppm{50'000}, Ppm{30'000}}, {usdc("2"), Ppm{50'000}, Ppm{30'000}}, {usdc("3"), Ppm{50'000}, Ppm{30'000}},
                {usdc("4"), Ppm{50'000}, Ppm{30'000}}, {usdc("5"), Ppm{50'000}, Ppm{30'000}}});
    CHECK(w.engine.add_market(five).error().code == ErrorCode::invalid_market_config);
}

TEST_CASE("positions, marks and open interest read typed; another asset is a typed error", "[engine][typed]") {
    World w;
    const AccountId a = w.account("10000");
    const AccountId b = w.account("10000");
    CHECK(w.engine.mark<BTC>(w.market).error().code == ErrorCode::no_mark);
    w.mark("50000");
    w.trade(a, b, "0.5", "50000");
    CHECK(w.engine.mark<BTC>(w.market).value() == price("50000"));
    const Position<BTC, USDC> long_side = w.engine.position<BTC>(a, w.market).value();
    const Position<BTC, USDC> short_side = w.engine.position<BTC>(b, w.market).value();
    CHECK(long_side.size == btc("0.5"));
    CHECK(long_side.cost == usdc("25000"));
    CHECK(short_side.size == btc("-0.5"));
    CHECK(short_side.cost == usdc("-25000"));
    CHECK(w.engine.open_interest<BTC>(w.market).value() == btc("0.5"));
    // The same figures in atoms, for an untyped (replayed) market.
    CHECK(w.engine.position(a, w.market).size == long_side.size.atoms());

    CHECK(w.engine.position<SOL>(a, w.market).error().code == ErrorCode::market_asset_mismatch);
    CHECK(w.engine.mark<SOL>(w.market).error().code == ErrorCode::market_asset_mismatch);
    CHECK(w.engine.open_interest<SOL>(w.market).error().code == ErrorCode::market_asset_mismatch);
    CHECK(w.engine.position<BTC>(AccountId{99}, w.market).error().code == ErrorCode::unknown_account);
    CHECK(w.engine.position<BTC>(a, MarketId{7}).error().code == ErrorCode::unknown_market);
}

TEST_CASE("the uncovered total is a wide amount that grows by each report's uncovered", "[engine][typed][waterfall]") {
    World w;  // no fund, and nobody to bear a loss but the liquidator (never a bearer)
    const AccountId defaulter = w.account("2500");
    const AccountId keeper = w.account("100000");
    w.mark("50000");
    w.trade(defaulter, keeper, "1", "50000");
    w.mark("40000");  // the defaulter -7,500
    CHECK(w.engine.uncovered_total() == Amount<USDC, Int128>::zero());
    const auto report = w.engine.liquidate(defaulter, keeper).value();
    CHECK(report.uncovered == usdc("7500"));
    CHECK(w.engine.uncovered_total() == Amount<USDC, Int128>(Int128(7'500'000'000)));
    w.check_invariants();
}

TEST_CASE("reading an unknown account or market is a typed error or zero, never an abort", "[engine][typed][regression]") {
    // Before: collateral() of an unknown account aborted (the ledger's assert) and the untyped
    // market reads indexed past the markets (undefined behaviour, caught by ASan).
    World w;
    CHECK(w.engine.collateral(AccountId{999}) == Usdc::zero());
    CHECK(w.engine.market_config(MarketId{9}).error().code == ErrorCode::unknown_market);
    CHECK(w.engine.mark(MarketId{9}) == 0);
    CHECK(w.engine.open_interest(MarketId{9}) == 0);
    CHECK(w.engine.funding_index_long(MarketId{9}) == 0);
    CHECK(w.engine.funding_index_short(MarketId{9}) == 0);
    CHECK(w.engine.position(AccountId{999}, MarketId{9}).size == 0);
    CHECK(w.engine.market_config(w.market).value().lot_size == test_market().lot_size);
}

}  // namespace
}  // namespace backstop::testing
