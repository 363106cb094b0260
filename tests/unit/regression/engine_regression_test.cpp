// Regression tests for issue 12's engine findings (1-8, 11): each failed on the engine before the
// liquidation was planned whole and committed, and states the promise it now keeps.
#include "unit/engine/engine_world.hpp"

#include <backstop/fund/socialized_loss/funding_socialization.hpp>
#include <backstop/fund/socialized_loss/ranked_adl.hpp>

#include <limits>

namespace backstop::testing {
namespace {

// A second base asset (9 decimals, as Drift's SOL) and a 0-decimal contract.
struct SOL {
    static constexpr std::string_view symbol = "SOL";
    static constexpr int decimals = 9;
};
struct CONTRACT {
    static constexpr std::string_view symbol = "CONTRACT";
    static constexpr int decimals = 0;
};
using SolPrice = Price<SOL, USDC>;
using Sol = Quantity<SOL>;

using Adl = socialized_loss::RankedAdl<USDC>;

ErrorCode code_of(const Result<void>& r) { return r ? ErrorCode{} : r.error().code; }
template <class T>
ErrorCode code_of(const Result<T>& r) {
    return r ? ErrorCode{} : r.error().code;
}

// BTC (dYdX large cap: 5% / 3%, penalty 1.5%) and SOL (dYdX mid cap: 10% / 5%) on one engine.
template <class SocializedLoss = Adl>
struct TwoMarkets : EngineWorld<SocializedLoss> {
    MarketId sol;
    explicit TwoMarkets(SocializedLoss socialized = SocializedLoss{})
        : EngineWorld<SocializedLoss>(std::move(socialized)) {
        MarketConfig config = presets::dydx_v4::mid_cap();
        config.lot_size = 100'000'000;  // 0.1 SOL
        config.tick_size = 10'000;      // 0.01 USDC
        config.staleness_max_ms = 60'000;
        sol = this->engine.template add_market<SOL>(config).value();
    }
    void marks(const char* btc_mark, const char* sol_mark) {
        this->now_ms += 1'000;
        this->engine.set_mark(this->market, price(btc_mark), Timestamp{this->now_ms}).value();
        this->engine.set_mark(sol, SolPrice::parse(sol_mark).value(), Timestamp{this->now_ms}).value();
    }
    // The world's invariants over both markets.
    void check_invariants() const {
        const auto& engine = this->engine;
        CHECK(engine.ledger().audit().balanced());
        detail::int128 cost_sum = 0;
        for (const MarketId m : {this->market, sol}) {
            detail::int128 size_sum = 0;
            for (std::uint32_t a = 0; a < engine.ledger().account_count(); ++a) {
                const auto view = engine.position(AccountId{a}, m);
                size_sum += view.size;
                cost_sum += view.cost;
            }
            CHECK(size_sum == 0);
        }
        const detail::int128 pool = engine.ledger().balance_of(Place::pnl_pool()).atoms();
        CHECK(pool + cost_sum + static_cast<detail::int128>(engine.uncovered_total().atoms()) == 0);
    }
    void trade_sol(AccountId buyer, AccountId seller, const char* size, const char* at) {
        this->engine.trade(sol, buyer, seller, Sol::parse(size).value(), SolPrice::parse(at).value()).value();
    }
};

TEST_CASE("an ADL bearer loses exactly its charge at an off-tick mark (closed at the bankruptcy price)",
          "[regression][engine][liquidation][waterfall]") {
    EngineWorld<Adl> w;
    const AccountId defaulter = w.account("2500");
    const AccountId bearer = w.account("100000");
    const AccountId keeper = w.account("100000");
    w.mark("50000");
    w.trade(defaulter, bearer, "1", "50000");
    // 1 USDC tick, mark between ticks: the defaulter's equity is 2500 - 2500.8 = -0.8.
    w.mark("47499.2");
    const Usdc bearer_before = w.summary(bearer).equity;  // 100000 + 2500.8
    const auto report = w.engine.liquidate(defaulter, keeper).value();
    CHECK(report.deficit == usdc("0.8"));
    CHECK(report.socialized == usdc("0.8"));
    CHECK(report.uncovered.is_zero());
    // Before: the bearer also lost the tick rounding of the liquidator's price (0.8 more).
    CHECK(w.summary(bearer).equity == bearer_before - report.socialized);
    CHECK(w.engine.position(bearer, w.market).size == 0);
    w.check_invariants();
}

TEST_CASE("ADL never makes a healthy cross-margined bearer liquidatable", "[regression][engine][waterfall]") {
    TwoMarkets<> w;
    const AccountId maker = w.account("1000000");
    const AccountId defaulter = w.account("2500");
    const AccountId bearer = w.account("12500");
    const AccountId keeper = w.account("1000000");
    w.marks("50000", "100");
    w.trade(defaulter, bearer, "1", "50000");   // the bearer is short 1 BTC
    w.trade_sol(bearer, maker, "1000", "100");  // and long 1000 SOL
    // BTC -6000 for the defaulter (equity -3500); the bearer +6000 in BTC, -12000 in SOL.
    w.marks("44000", "88");
    const auto before = w.summary(bearer);
    REQUIRE_FALSE(before.liquidatable);  // equity 6500, maintenance 5720
    const auto report = w.engine.liquidate(defaulter, keeper).value();
    CHECK(report.deficit == usdc("3500"));
    const auto after = w.summary(bearer);
    // Before: charged min(profit, collateral) = 3500, equity 3000 against maintenance 4400.
    CHECK_FALSE(after.liquidatable);
    CHECK(report.socialized <= before.equity - before.maintenance_requirement);
    CHECK(report.socialized + report.uncovered == report.remainder);
    CHECK(after.equity == before.equity - report.socialized);
    w.check_invariants();
}

TEST_CASE("the liquidator's discount is forgone before the fund pays", "[regression][engine][waterfall]") {
    MarketConfig config = presets::drift_v2::major();  // 10% / 5%, penalty 1%, discount 1%, buffer 2%
    config.lot_size = 100'000;
    config.tick_size = 1'000'000;
    EngineWorld<Adl> w(Adl{}, EngineLimits{64, 4, 4}, config);
    const AccountId maker = w.account("1000000");
    const AccountId defaulter = w.account("5000");
    const AccountId keeper = w.account("100000");
    w.engine.fund_deposit(usdc("10000")).value();
    w.mark("50000");
    w.trade(defaulter, maker, "1", "50000");
    w.mark("45048");  // equity +48 at the mark; the full discount would be 450.48
    REQUIRE(w.summary(defaulter).equity == usdc("48"));
    const Usdc keeper_before = w.summary(keeper).equity;
    const auto report = w.engine.liquidate(defaulter, keeper).value();
    CHECK(report.full);
    CHECK(report.discount == usdc("48"));
    CHECK(report.penalty.is_zero());
    CHECK(report.deficit.is_zero());
    CHECK(report.fund_paid.is_zero());
    CHECK(w.engine.fund().balance(w.engine.ledger()) == usdc("10000"));
    CHECK(w.summary(keeper).equity == keeper_before + usdc("48"));
    w.check_invariants();
}

TEST_CASE("a position in a halted market does not shield the account's other positions",
          "[regression][engine][liquidation]") {
    TwoMarkets<> w;
    const AccountId maker = w.account("1000000");
    const AccountId defaulter = w.account("2600");
    const AccountId keeper = w.account("1000000");
    w.marks("50000", "100");
    w.trade(defaulter, maker, "1", "50000");
    w.trade_sol(defaulter, maker, "0.1", "100");
    w.engine.set_market_status(w.sol, MarketStatus::halted).value();
    w.marks("48000", "100");  // equity 600 against maintenance 1440.5
    REQUIRE(w.summary(defaulter).liquidatable);
    const auto report = w.engine.liquidate(defaulter, keeper);
    REQUIRE(report.has_value());  // before: market_halted, while the loss grew
    CHECK(w.engine.position(defaulter, w.market).size == 0);
    CHECK(w.engine.position(defaulter, w.sol).size == 100'000'000);  // cannot be closed
    CHECK_FALSE(report->full);
    w.check_invariants();
}

TEST_CASE("every position halted: the liquidation is refused with a typed error and changes nothing",
          "[regression][engine][liquidation]") {
    EngineWorld<Adl> w;
    const AccountId maker = w.account("1000000");
    const AccountId defaulter = w.account("2500");
    const AccountId keeper = w.account("100000");
    w.mark("50000");
    w.trade(defaulter, maker, "1", "50000");
    w.mark("40000");
    w.engine.set_market_status(w.market, MarketStatus::halted).value();
    const std::uint64_t digest = w.engine.digest();
    CHECK(code_of(w.engine.liquidate(defaulter, keeper)) == ErrorCode::market_halted);
    CHECK(w.engine.digest() == digest);
}

TEST_CASE("a policy that plans for fewer bearers than accounts is refused when the engine is created",
          "[regression][engine][waterfall]") {
    using Fund = EngineFund<Adl>;
    CHECK(code_of(MarginEngine<Fund>::create(EngineLimits{2048, 4, 4}, {}, {}, Adl{1024})) ==
          ErrorCode::invalid_policy_parameter);
    CHECK(MarginEngine<Fund>::create(EngineLimits{1024, 4, 4}, {}, {}, Adl{1024}).has_value());
}

TEST_CASE("funding socialization of a loss too large for the policy's own precision still liquidates",
          "[regression][engine][waterfall]") {
    using Funding = socialized_loss::FundingSocialization<USDC>;
    MarketConfig config = presets::dydx_v4::mid_cap();
    config.position_max = 1'000;
    EngineWorld<Funding> w(Funding{}, EngineLimits{64, 4, 4}, test_market());
    const MarketId contract = w.engine.template add_market<CONTRACT>(config).value();
    const AccountId maker = w.account("1000000");
    const AccountId defaulter = w.account("5000");
    const AccountId keeper = w.account("1000000");
    using ContractPrice = Price<CONTRACT, USDC>;
    w.now_ms += 1'000;
    w.engine.set_mark(contract, ContractPrice::parse("50000").value(), Timestamp{w.now_ms}).value();
    w.engine.trade(contract, defaulter, maker, Quantity<CONTRACT>(1), ContractPrice::parse("50000").value()).value();
    w.now_ms += 1'000;
    w.engine.set_mark(contract, ContractPrice::parse("25000").value(), Timestamp{w.now_ms}).value();
    // Deficit 20,000 USDC over 2 contracts: 10^19 in the policy's units (beyond int64).
    const auto report = w.engine.liquidate(defaulter, keeper);
    REQUIRE(report.has_value());  // before: overflow, the liquidation refused
    CHECK(report->deficit == usdc("20000"));
    CHECK(report->socialized == usdc("20000"));
    CHECK(report->socialized_by == LossLayer::funding);
    CHECK(w.engine.summary(maker).value().equity == usdc("1015000"));  // +25000, pays 10000
}

TEST_CASE("a partial liquidation closes the positions that restore the account, not everything",
          "[regression][engine][liquidation]") {
    TwoMarkets<> w;
    const AccountId maker = w.account("1000000");
    const AccountId account = w.account("1500");
    const AccountId keeper = w.account("1000000");
    w.marks("50000", "100");
    w.trade(account, maker, "0.2", "50000");
    w.trade_sol(account, maker, "90", "100");
    w.marks("47000", "95");  // equity 450 against maintenance 282 + 427.5
    REQUIRE(w.summary(account).liquidatable);
    const auto report = w.engine.liquidate(account, keeper).value();
    // Before: only the position with the largest requirement (SOL) was tried; alone it could
    // not restore the account, so everything closed, penalty 141 + 128.25. Now SOL closes (the
    // most relief per unit of penalty) and then just enough BTC.
    CHECK_FALSE(report.full);
    CHECK(report.penalty < usdc("269.25"));
    const auto after = w.summary(account);
    CHECK(after.equity >= after.initial_requirement);
    CHECK(after.position_count == 1);
    w.check_invariants();
}

TEST_CASE("a trade needs fresh marks for every market the account holds", "[regression][engine]") {
    TwoMarkets<> w;
    const AccountId maker = w.account("1000000");
    const AccountId trader = w.account("5000");
    w.marks("50000", "100");
    w.trade(trader, maker, "0.5", "50000");
    // The BTC oracle stops; SOL's goes on.
    for (int i = 0; i < 70; ++i) {
        w.now_ms += 1'000;
        w.engine.set_mark(w.sol, SolPrice::parse("100").value(), Timestamp{w.now_ms}).value();
    }
    const std::uint64_t digest = w.engine.digest();
    CHECK(code_of(w.engine.trade(w.sol, trader, maker, Sol::parse("10").value(), SolPrice::parse("100").value())) ==
          ErrorCode::stale_mark);
    CHECK(w.engine.digest() == digest);
    // Reducing the stale position needs no margin check: allowed on SOL only if fresh; BTC is stale.
}

TEST_CASE("a mark 2^63 ms old is stale, not fresh", "[regression][engine]") {
    EngineWorld<Adl> w;
    const AccountId a = w.account("100000");
    const AccountId b = w.account("100000");
    const auto oldest = std::numeric_limits<std::int64_t>::min() + 1;
    // The world's constructor set no mark: the first one is very old.
    w.engine.set_mark(w.market, price("50000"), Timestamp{oldest}).value();
    w.engine.advance_time(Timestamp{std::numeric_limits<std::int64_t>::max()}).value();
    CHECK(code_of(w.engine.trade(w.market, a, b, btc("0.1"), price("50000"))) == ErrorCode::stale_mark);
}

TEST_CASE("a realised gain that would overflow the collateral is refused, not aborted", "[regression][engine]") {
    EngineWorld<Adl> w;
    const AccountId rich = w.account("0");
    const AccountId maker = w.account("1000000");
    const AccountId buyer = w.account("1000000");
    // Deposits come from `external`, which cannot pass int64 min either.
    w.engine.deposit(rich, Usdc(std::numeric_limits<std::int64_t>::max() - 3'000'000'000'000)).value();
    w.mark("50000");
    w.trade(rich, maker, "100", "50000");
    w.mark("80000");
    const std::uint64_t digest = w.engine.digest();
    // Selling to a third account realises +3,000,100 USDC: beyond int64 for the collateral.
    CHECK(code_of(w.engine.trade(w.market, buyer, rich, btc("100"), price("80001"))) == ErrorCode::overflow);
    CHECK(w.engine.digest() == digest);
}

TEST_CASE("funding debt beyond int64 is never truncated into an accepted trade", "[regression][engine]") {
    EngineWorld<Adl> w;
    const AccountId a = w.account("100000");
    const AccountId b = w.account("100000");
    w.mark("50000");
    w.trade(a, b, "1", "50000");
    // 4e18 per whole BTC x 1e-9: 4e9 USDC owed per BTC (4e15 atoms) fits; keep adding until refused.
    int accepted = 0;
    while (w.engine.update_funding(w.market, FundingDelta(std::numeric_limits<std::int64_t>::max() / 2)).has_value()) ++accepted;
    CHECK(accepted > 0);
    CHECK(code_of(w.engine.update_funding(w.market, FundingDelta(std::numeric_limits<std::int64_t>::max() / 2))) ==
          ErrorCode::overflow);
    const auto summary = w.summary(a);
    CHECK(summary.liquidatable);
    CHECK(summary.equity.atoms() < -1'000'000'000'000'000);
    const std::uint64_t digest = w.engine.digest();
    CHECK_FALSE(w.engine.trade(w.market, a, b, btc("0.1"), price("50000")).has_value());
    CHECK(w.engine.digest() == digest);
}

TEST_CASE("a Drift cumulative funding rate passed as it is charges what Drift charges",
          "[regression][engine]") {
    // Drift: payment = base_asset_amount (1e9 per SOL) x rate delta / 1e12
    // (QUOTE_TO_BASE_AMT_FUNDING_PRECISION), in 1e6 quote atoms: 10 SOL x 1e6 = 0.01 USDC.
    TwoMarkets<> w;
    const AccountId maker = w.account("1000000");
    const AccountId trader = w.account("1000");
    w.marks("50000", "100");
    w.trade_sol(trader, maker, "10", "100");
    const Usdc before = w.summary(trader).equity;
    w.engine.update_funding(w.sol, FundingDelta(1'000'000)).value();  // $0.001 per SOL
    CHECK(w.summary(trader).equity == before - usdc("0.01"));
}

TEST_CASE("a 0-decimal contract's funding index has headroom for years", "[regression][engine]") {
    // 5,000 USDC a contract paying 0.01% an hour: 0.5 USDC an hour, 5e8 index units.
    EngineWorld<Adl> w;
    MarketConfig config = presets::dydx_v4::mid_cap();
    const MarketId contract = w.engine.template add_market<CONTRACT>(config).value();
    for (int hour = 0; hour < 2 * 8760; ++hour) REQUIRE(w.engine.update_funding(contract, FundingDelta(500'000'000)).has_value());
    CHECK(w.engine.funding_index_long(contract) == detail::int128(500'000'000) * 2 * 8760);
}


TEST_CASE("a partial liquidation with one-atom lots closes the smallest size that restores the account",
          "[regression][engine][liquidation]") {
    // Drift-like: maintenance 5% + 2% buffer, penalty 1%, discount 1%; lots and ticks of one atom.
    MarketConfig config = presets::drift_v2::major();
    config.lot_size = 1;
    config.tick_size = 1;
    EngineWorld<Adl> w(Adl{}, EngineLimits{64, 4, 4}, config);
    const AccountId maker = w.account("1000000");
    const AccountId account = w.account("5000");
    const AccountId keeper = w.account("1000000");
    w.mark("50000");
    w.trade(account, maker, "1", "50000");
    w.mark("47300.123457");  // off any round tick: equity 2300.123457 < maintenance 2365.006173
    const auto before = w.summary(account);
    REQUIRE(before.liquidatable);
    const auto report = w.engine.liquidate(account, keeper).value();
    REQUIRE_FALSE(report.full);
    const std::int64_t closed = report.closed[0].size_before - report.closed[0].size_after;

    // The condition, written out independently: closing x atoms at the mark (the keeper holds
    // nothing), then the penalty and the discount on the closed notional.
    using detail::int128;
    const int128 size = 100'000'000;  // 1 BTC
    const int128 mark = w.engine.mark(w.market);
    const int128 divisor = 100'000'000;
    const int128 cost = 50'000'000'000;
    const int128 collateral = 5'000'000'000;
    auto floor_div = [](int128 n, int128 d) { return n >= 0 ? n / d : -((-n + d - 1) / d); };
    auto ceil_div = [&](int128 n, int128 d) { return -floor_div(-n, d); };
    auto value = [&](int128 s) { return floor_div(s * mark, divisor); };
    auto restores = [&](int128 x) {
        const int128 own = value(size - x) - value(size);
        const int128 taker = value(0) - value(x);
        const int128 fill = std::min(own, taker);  // signed, paid by the account (negative: received)
        const int128 collateral_after = collateral - fill - cost * x / size;
        const int128 equity_after = collateral_after + value(size - x) - (cost - cost * x / size);
        const int128 closed_notional = floor_div(x * mark, divisor);
        const int128 penalty = ceil_div(closed_notional * 10'000, 1'000'000);
        const int128 discount = floor_div(closed_notional * 10'000, 1'000'000);
        const int128 notional_left = ceil_div((size - x) * mark, divisor);
        const int128 target = ceil_div(notional_left * 50'000, 1'000'000) + ceil_div(notional_left * 20'000, 1'000'000);
        return equity_after - penalty - discount >= target && collateral_after >= penalty + discount;
    };
    CHECK(restores(closed));
    CHECK_FALSE(restores(closed - 1));
    CHECK(report.penalty.atoms() == ceil_div(floor_div(int128(closed) * mark, divisor) * 10'000, 1'000'000));
    const auto after = w.summary(account);
    CHECK_FALSE(after.liquidatable);
}

}  // namespace
}  // namespace backstop::testing

// A 0-decimal contract priced to 9 decimals (the fuzzer's finding E1).
namespace backstop::testing {
struct TINY {
    static constexpr std::string_view symbol = "TINY";
    static constexpr int decimals = 0;
};
}  // namespace backstop::testing
template <>
struct backstop::PriceScale<backstop::testing::TINY, backstop::assets::USDC> {
    static constexpr int decimals = 9;
};

namespace backstop::testing {
namespace {

TEST_CASE("a replayed add_market with decimals near INT_MAX is refused, not summed into signed overflow",
          "[regression][engine][journal]") {
    // make_market_state added the command's decimals in int: INT_MAX + INT_MAX is undefined
    // (UBSan: "cannot be represented in type 'int'"). Each is now checked to [0, 18] first.
    EngineWorld<Adl> w;
    const std::uint32_t markets_before = w.engine.market_count();
    const std::uint64_t digest = w.engine.digest();
    struct Decimals {
        int base;
        int price;
    };
    for (const Decimals d : {Decimals{std::numeric_limits<int>::max(), std::numeric_limits<int>::max()},
                             Decimals{std::numeric_limits<int>::min(), std::numeric_limits<int>::min()}, Decimals{-5, 23},
                             Decimals{19, 0}}) {
        INFO(d.base << " " << d.price);
        EngineCommand c = make_engine_command(EngineCommandKind::add_market, markets_before, 0, 0, 0, 0);
        c.config = presets::dydx_v4::large_cap();
        c.base_decimals = d.base;
        c.price_decimals = d.price;
        const Result<void> applied = w.engine.apply_command(c);
        REQUIRE_FALSE(applied.has_value());
        CHECK(applied.error().code == ErrorCode::invalid_market_config);
        CHECK(w.engine.market_count() == markets_before);
        CHECK(w.engine.digest() == digest);
    }
    EngineCommand good = make_engine_command(EngineCommandKind::add_market, markets_before, 0, 0, 0, 0);
    good.config = presets::dydx_v4::large_cap();
    good.base_decimals = 8;
    good.price_decimals = 6;
    CHECK(w.engine.apply_command(good).has_value());
    CHECK(w.engine.market_count() == markets_before + 1);
}

TEST_CASE("a funding debt beyond int64 refuses the liquidation with a typed error, no undefined behaviour",
          "[regression][engine][liquidation]") {
    // fuzz/corpus/engine/e1-funding-owed-times-close: (cost + funding owed) x close overflowed
    // 128 bits while the close was evaluated.
    EngineWorld<Adl> w;
    MarketConfig config = presets::dydx_v4::large_cap();
    config.tier_count = 2;
    config.tiers[0] = MarginTier{1'000'000, Ppm{30'000}, Ppm{30'000}};
    config.tiers[1] = MarginTier{std::numeric_limits<std::int64_t>::max(), Ppm{30'000}, Ppm{30'000}};
    config.lot_size = 1'880'844'493'789'993'498;
    config.position_max = 7'523'377'975'159'973'992;
    config.open_interest_max = std::numeric_limits<std::int64_t>::max() / 4;
    const MarketId tiny = w.engine.template add_market<TINY>(config).value();
    using TinyPrice = Price<TINY, USDC>;
    const AccountId seller = w.account("0");
    const AccountId buyer = w.account("0");
    w.engine.deposit(seller, Usdc(9'223'372'036'854'775'000)).value();
    w.now_ms += 1'000;
    w.engine.set_mark(tiny, TinyPrice(8), Timestamp{w.now_ms}).value();
    w.engine.trade(tiny, buyer, seller, Quantity<TINY>(1'880'844'493'789'993'498), TinyPrice(3)).value();
    w.engine.update_funding(tiny, FundingDelta(2'400'000'000)).value();
    REQUIRE(w.summary(buyer).liquidatable);
    const std::uint64_t digest = w.engine.digest();
    const auto refused = w.engine.liquidate(buyer, seller);
    CHECK(code_of(refused) == ErrorCode::overflow);
    CHECK(w.engine.digest() == digest);
}

TEST_CASE("an equity far below int64 (a 128-bit funding debt) chooses its closes without undefined behaviour",
          "[regression][engine][liquidation]") {
    // fuzz/corpus/engine/seed-found-equity-times-ppm (fuzz_engine_run, 2026-12-05): choosing the
    // closes scaled the account's equity by 10^6 to compare it with the full-liquidation
    // threshold; an equity of -4.5e32 atoms (funding owed at an index near its bound) overflowed
    // 128 bits (UB, caught by UBSan in the asan build).
    EngineWorld<Adl> w;
    MarketConfig config = presets::dydx_v4::large_cap();
    config.lot_size = 1;
    config.position_max = std::numeric_limits<std::int64_t>::max() / 4;
    config.open_interest_max = std::numeric_limits<std::int64_t>::max() / 4;
    const MarketId tiny = w.engine.template add_market<TINY>(config).value();
    using TinyPrice = Price<TINY, USDC>;
    const AccountId seller = w.account("0");
    const AccountId buyer = w.account("0");
    w.engine.deposit(seller, Usdc(100'000'000'000'000'000)).value();
    w.engine.deposit(buyer, Usdc(1'000'000'000'000'000)).value();
    w.now_ms += 1'000;
    w.engine.set_mark(tiny, TinyPrice(8), Timestamp{w.now_ms}).value();
    w.engine.trade(tiny, buyer, seller, Quantity<TINY>(1'000'000'000'000'000'000), TinyPrice(8)).value();
    // Owed: 10^18 x 4.5e17 / 10^3 = 4.5e32 atoms, far beyond int64 and 10^6 x it beyond int128.
    w.engine.update_funding(tiny, FundingDelta(450'000'000'000'000'000)).value();
    REQUIRE(w.summary(buyer).liquidatable);
    const std::uint64_t digest = w.engine.digest();
    // The debt cannot be settled into an int64 cost: refused with a typed error, nothing changed.
    CHECK(code_of(w.engine.liquidate(buyer, seller)) == ErrorCode::overflow);
    CHECK(w.engine.digest() == digest);
}

TEST_CASE("an ADL bearer whose collateral cannot hold its close's gain is passed over, not a refused liquidation",
          "[regression][engine][liquidation][waterfall]") {
    // Found by the swarm's long run (seed 1005132 op 2833, an extreme world): the bearer's realised
    // gain would take its collateral beyond int64, and the transfer replay refused the whole
    // liquidation with overflow. The waterfall never refuses: that bearer bears nothing.
    EngineWorld<Adl> w;  // no fund: the whole deficit goes to ADL
    const AccountId defaulter = w.account("2500");
    const AccountId keeper = w.account("5000");
    const AccountId bearer = w.account("0");
    // Everything the external place can still give (it may reach int64 min): the bearer's
    // collateral ends 7,500 USDC below int64 max.
    const std::int64_t deposited = 7'500'000'000;
    w.engine.deposit(bearer, Usdc(std::numeric_limits<std::int64_t>::max() - deposited)).value();
    w.mark("50000");
    w.trade(defaulter, bearer, "1", "50000");
    w.mark("40000");  // the defaulter -7,500; the bearer's short +10,000, more than its room
    REQUIRE(w.summary(defaulter).liquidatable);
    const Usdc bearer_before = w.engine.collateral(bearer);
    const auto report = w.engine.liquidate(defaulter, keeper);
    REQUIRE(report.has_value());
    CHECK(report->deficit == usdc("7500"));
    CHECK(report->socialized == usdc("0"));
    CHECK(report->uncovered == usdc("7500"));
    CHECK(w.engine.collateral(bearer) == bearer_before);
    CHECK(w.engine.position(bearer, w.market).size == -100'000'000);
    w.check_invariants();
}

TEST_CASE("a liquidator that cannot pay the loss its takeover realises is refused with insufficient_collateral",
          "[regression][engine][liquidation]") {
    // Found by the swarm (seed 57 op 3194): the transfer replay saw the liquidator's collateral go
    // below zero and reported it as an overflow.
    TwoMarkets<> w;
    const AccountId maker = w.account("1000000");
    const AccountId defaulter = w.account("2500");
    const AccountId keeper = w.account("1000");
    w.marks("50000", "100");
    w.trade_sol(keeper, maker, "100", "100");
    w.marks("50000", "200");                   // the keeper's SOL: +10,000
    w.trade(defaulter, maker, "1", "50000");
    w.trade(maker, keeper, "1", "45000");      // the keeper short 1 BTC at 45,000
    w.marks("47000", "200");                   // defaulter -500; keeper's short -2,000 on 1,000 of cash
    REQUIRE(w.summary(defaulter).liquidatable);
    REQUIRE_FALSE(w.summary(keeper).liquidatable);
    const std::uint64_t digest = w.engine.digest();
    // Taking over the long closes the keeper's short: it would realise -2,000 from 1,000 of cash.
    CHECK(code_of(w.engine.liquidate(defaulter, keeper)) == ErrorCode::insufficient_collateral);
    CHECK(w.engine.digest() == digest);
}


TEST_CASE("an ADL bearer whose partial close realises a loss beyond its collateral is passed over, not a refused liquidation",
          "[regression][engine][liquidation][waterfall]") {
    // Review of 8b265a1: a bearer is chosen for its profit at the mark, but a partial close splits
    // its cost toward zero and closes at the rounded difference of the position's values, so it
    // can realise a loss of an atom while the position is in profit. With no collateral left to
    // pay it, the transfer replay refused the whole liquidation with overflow.
    TwoMarkets<> w;  // no fund: the whole deficit goes to ADL
    const AccountId maker = w.account("1000000");
    const AccountId defaulter = w.account("2.5");
    const AccountId bearer = w.account("1000");
    const AccountId keeper = w.account("100000");
    w.marks("50000", "100");
    w.trade(defaulter, bearer, "0.001", "50000");
    w.trade(keeper, bearer, "0.005", "40000");  // the bearer: short 0.006 BTC for 250 USDC
    w.trade_sol(bearer, maker, "10", "100");
    // Off-tick: 0.006 BTC is worth 249.9999981 (its value rounded down: 249.999999), so the short
    // is up one atom. The SOL long is up 1,000: the bearer withdraws all its collateral.
    w.marks("41666.66635", "200");
    w.engine.withdraw(bearer, usdc("1000")).value();
    REQUIRE(w.engine.collateral(bearer).is_zero());
    REQUIRE_FALSE(w.summary(bearer).liquidatable);
    REQUIRE(w.summary(defaulter).liquidatable);
    // ADL closes 0.001 of the bearer's 0.006 against the keeper (long 0.006 after its takeover)
    // for 41.666667, and takes off a sixth of its cost, 41.666666 (toward zero): -1 atom.
    const auto report = w.engine.liquidate(defaulter, keeper);
    REQUIRE(report.has_value());
    CHECK(report->deficit == usdc("5.833333"));
    CHECK(report->socialized.is_zero());
    CHECK(report->uncovered == usdc("5.833333"));
    CHECK(w.engine.collateral(bearer).is_zero());
    CHECK(w.engine.position(bearer, w.market).size == -600'000);
    w.check_invariants();
}

// Takes the pnl_pool to `below` USDC (and 7 atoms) under int64 max through the public API: a
// short of 10,000 SOL (at 0.01 USDC: its cost and the funding it receives fit int64 together) is
// due ~9.22e18 atoms of funding and settles it (its next fill) before the long that owes it does,
// so the funding pool holds -9.22e18 and the pnl_pool +9.22e18. Neither is in BTC.
template <class World>
std::int64_t pnl_pool_near_int64_max(World& w, std::int64_t below) {
    const AccountId payer = w.account("1000");
    const AccountId receiver = w.account("1000");
    const AccountId buyer = w.account("1000");
    w.marks("50000", "0.01");
    w.trade_sol(payer, receiver, "10000", "0.01");
    // The receiver is due 10^13 SOL atoms x delta / 10^12 (the SOL funding divisor).
    const std::int64_t pool = std::numeric_limits<std::int64_t>::max() - 7 - below * 1'000'000;
    w.engine.update_funding(w.sol, FundingDelta(pool / 10)).value();
    w.trade_sol(buyer, receiver, "0.1", "0.01");  // the receiver's fill settles its funding
    REQUIRE(w.engine.ledger().balance_of(Place::pnl_pool()).atoms() == pool);
    REQUIRE(w.engine.ledger().balance_of(Place::funding_pool()).atoms() == -pool);
    return pool;
}

TEST_CASE("an ADL charge is capped at what the pnl_pool can take back, not a refused liquidation",
          "[regression][engine][liquidation][waterfall]") {
    // Review of 8b265a1: the bearer's charge (7,500, from its collateral) comes back to the
    // pnl_pool after its close took out only 1,000; near int64 max the pool cannot hold it. Without
    // the cap the transfer replay refused the liquidation with overflow (since 4327237, the check
    // on the liquidator's net fill sees the pool beyond int64 and deleverages nobody instead).
    TwoMarkets<> w;  // no fund: the whole deficit goes to ADL
    const std::int64_t pool = pnl_pool_near_int64_max(w, 5'000);
    const AccountId defaulter = w.account("2500");
    const AccountId bearer = w.account("200000");
    const AccountId keeper = w.account("100000");
    w.trade(defaulter, bearer, "1", "50000");
    w.trade(keeper, bearer, "9", "40000");  // the bearer: short 10 BTC at an average 41,000
    w.marks("40000", "0.01");
    // The defaulter: -10,000 on 2,500, a deficit of 7,500. The bearer is up 10,000, but its ADL
    // close of 1 BTC realises only 1,000.
    REQUIRE(w.summary(defaulter).liquidatable);
    constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
    // The defaulter's 2,500 comes in, the bearer's 1,000 goes out: room for less than 7,500.
    const std::int64_t room = max - (pool + 2'500'000'000 - 1'000'000'000);
    REQUIRE(room < 7'500'000'000);
    const Usdc bearer_before = w.engine.collateral(bearer);
    const auto report = w.engine.liquidate(defaulter, keeper);
    REQUIRE(report.has_value());
    CHECK(report->deficit == usdc("7500"));
    CHECK(report->socialized == Usdc(room));
    CHECK(report->uncovered == usdc("7500") - Usdc(room));
    CHECK(w.engine.ledger().balance_of(Place::pnl_pool()).atoms() == max);
    CHECK(w.engine.collateral(bearer) == bearer_before + usdc("1000") - Usdc(room));
    CHECK(w.engine.position(bearer, w.market).size == -900'000'000);
    w.check_invariants();
}

// A fund of 10,000 and a pnl_pool `below` USDC (and 7 atoms) under int64 max; a defaulter long
// 1 BTC at 50,000 on 2,500 against a bearer (200,000), the mark at 40,000: a 7,500 deficit.
struct FundedDeficitNearFullPool {
    TwoMarkets<> w;
    AccountId defaulter;
    AccountId bearer;
    AccountId keeper;

    explicit FundedDeficitNearFullPool(std::int64_t below) {
        w.engine.fund_deposit(usdc("10000")).value();
        (void)pnl_pool_near_int64_max(w, below);
        defaulter = w.account("2500");
        bearer = w.account("200000");
        keeper = w.account("100000");
        w.trade(defaulter, bearer, "1", "50000");
        w.marks("40000", "0.01");
        REQUIRE(w.summary(defaulter).liquidatable);
    }
};

TEST_CASE("the fund's payment into a pnl_pool near int64 max does not refuse the liquidation",
          "[regression][engine][liquidation][waterfall]") {
    // The fund checks its 7,500 against the pool as it is before the liquidation (9,000 under int64
    // max), but pays it at the end of the commit, after the defaulter's 2,500 came in: the pool
    // cannot hold it, and the transfer replay refused the whole liquidation with overflow. The
    // waterfall never refuses: the fund pays what the pool can take, the next layer the rest.
    FundedDeficitNearFullPool world(9'000);
    TwoMarkets<>& w = world.w;
    const AccountId defaulter = world.defaulter;
    const AccountId bearer = world.bearer;
    const AccountId keeper = world.keeper;
    const Place fund = w.engine.fund().place();
    const Usdc fund_before = w.engine.ledger().balance_of(fund);
    // After the takeover the pool has room for 6,500 USDC and 7 atoms: the fund pays that, and
    // ADL the rest: the bearer's close takes its 10,000 gain out of the pool first, which makes
    // room for its charge beside the fund's payment.
    const std::int64_t room = 6'500'000'007;
    const auto report = w.engine.liquidate(defaulter, keeper);
    CHECK(code_of(report) != ErrorCode::overflow);
    REQUIRE(report.has_value());
    CHECK(report->deficit == usdc("7500"));
    CHECK(report->fund_paid == Usdc(room));
    CHECK(report->remainder == usdc("7500") - Usdc(room));
    CHECK(report->socialized == report->remainder);
    CHECK(report->uncovered.is_zero());
    CHECK(w.engine.ledger().balance_of(fund) == fund_before - report->fund_paid);
    CHECK(w.engine.position(bearer, w.market).size == 0);
    w.check_invariants();
}

TEST_CASE("the fund pays before ADL even when the pnl_pool could not take its payment before the liquidation",
          "[regression][engine][liquidation][waterfall]") {
    // Review of the pool-room cap: the fund checked its payment against the pool as it was before
    // the liquidation (5,000 under int64 max, less than the 7,500 deficit), refused to pay, and
    // ADL charged the bearer the whole deficit while the fund had the money. The fund now plans
    // against the pool's room after the takeover (after the defaulter's 2,500 came in: 2,500
    // and 7 atoms) and pays that; ADL the rest.
    FundedDeficitNearFullPool world(5'000);
    TwoMarkets<>& w = world.w;
    const AccountId defaulter = world.defaulter;
    const AccountId keeper = world.keeper;
    const std::int64_t room = 2'500'000'007;
    const auto report = w.engine.liquidate(defaulter, keeper);
    REQUIRE(report.has_value());
    CHECK(report->deficit == usdc("7500"));
    CHECK(report->fund_paid == Usdc(room));
    CHECK(report->socialized == usdc("7500") - Usdc(room));
    CHECK(report->uncovered.is_zero());
    w.check_invariants();
}

// A policy written by a user that breaks the contract: it charges the first bearer's collateral
// twice, for the whole remainder each time.
struct ChargesTheFirstBearerTwice {
    using asset_type = USDC;
    Result<void> validate() const { return {}; }
    template <class Ledger>
    Result<SocializePlan<USDC>> plan(const Usdc& remainder, Span<const LossBearer<USDC>> bearers, Span<Allocation<USDC>> out,
                                     const SocializeContext&, const Ledger&) const {
        if (bearers.empty() || out.size() < 2) return SocializePlan<USDC>{};
        out[0] = Allocation<USDC>{0, bearers[0].account, Place::collateral(bearers[0].account), remainder, 0, LossLayer::haircut};
        out[1] = out[0];
        return SocializePlan<USDC>{remainder, 2, 0};
    }
};

TEST_CASE("a user's policy that names one source twice leaves the remainder uncovered instead of aborting",
          "[regression][engine][liquidation][waterfall]") {
    // Review: each charge was cut to the bearer's collateral alone, and the transfer replay forgets
    // a bearer's balance after its charge, so the second charge from the same collateral passed
    // the replay and overdrew it in the commit (BACKSTOP_ASSERT: the process aborted).
    EngineWorld<ChargesTheFirstBearerTwice> w;
    const AccountId defaulter = w.account("2500");
    const AccountId keeper = w.account("100000");
    const AccountId bearer = w.account("3000");
    w.mark("50000");
    w.trade(defaulter, bearer, "1", "50000");
    w.mark("40000");  // the defaulter: a 7,500 deficit; the bearer holds 3,000 (and 10,000 of profit)
    const auto report = w.engine.liquidate(defaulter, keeper);
    REQUIRE(report.has_value());
    CHECK(report->deficit == usdc("7500"));
    CHECK(report->socialization_failed);
    CHECK(report->socialization_error == ErrorCode::invalid_policy_output);
    CHECK(report->socialized.is_zero());
    CHECK(report->uncovered == usdc("7500"));
    CHECK(w.engine.collateral(bearer) == usdc("3000"));
    w.check_invariants();
}

TEST_CASE("a clearing house's default fund kept in the insurance fund is charged only what the fund has left",
          "[regression][engine][liquidation][waterfall]") {
    // Review: the default fund's charge was cut to its balance before the liquidation, ignoring
    // what the insurance fund (the same place) had just paid: the transfer replay overdrew it and
    // the liquidation was refused with overflow.
    using Chw = socialized_loss::ClearingHouseWaterfall<USDC>;
    EngineWorld<Chw> w(Chw{FundId{0}, usdc("1000000"), Bps{10'000}});
    REQUIRE(w.engine.fund().place() == Place::fund(FundId{0}));
    w.engine.fund_deposit(usdc("1000")).value();
    const AccountId defaulter = w.account("2500");
    const AccountId keeper = w.account("100000");
    const AccountId bearer = w.account("200000");
    w.mark("50000");
    w.trade(defaulter, bearer, "1", "50000");
    w.mark("40000");  // a 7,500 deficit: the fund pays its 1,000
    const auto report = w.engine.liquidate(defaulter, keeper);
    REQUIRE(report.has_value());
    CHECK(report->fund_paid == usdc("1000"));
    // The policy planned 1,000 from the default fund (its balance before) and 5,500 from the
    // member: the fund has nothing left, so its 1,000 is uncovered.
    CHECK(report->socialized == usdc("5500"));
    CHECK(report->uncovered == usdc("1000"));
    CHECK(w.engine.ledger().balance_of(w.engine.fund().place()).is_zero());
    w.check_invariants();
}

}  // namespace
}  // namespace backstop::testing
