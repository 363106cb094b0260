// The insurance fund as backstop liquidator (issue 18's Scope; management/fund_backstop.hpp): an
// option book no keeper can carry is taken over by the fund's own engine account with the fund's
// capital behind it, moved inside the liquidation's plan; a takeover the fund cannot back changes
// nothing; what the account holds beyond its goal returns to the fund; a journal with a backed
// liquidation replays to the same engine.
#include "unit/engine/engine_world.hpp"
#include "unit/engine/option_configs.hpp"

#include <backstop/engine/engine_journal.hpp>
#include <backstop/fund/socialized_loss/pro_rata_haircut.hpp>
#include <backstop/management/fund_backstop.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>

namespace test_management_fund_backstop_test {
using namespace backstop;
using namespace backstop::testing;
using Haircut = socialized_loss::ProRataHaircut<USDC>;
using World = EngineWorld<Haircut>;
using Backstop = FundBackstop<World::Engine>;

constexpr std::int64_t day_ms = 86'400'000;

MarketConfig call_series(std::int64_t expiry_ms) { return option_series(OptionKind::call, "66000", expiry_ms); }

// A naked call writer gone below maintenance after a rally; a keeper with 500 USDC.
struct BackstopWorld : World {
    MarketId call;
    std::int64_t expiry_ms = 1'000 + 30 * day_ms;
    AccountId writer, buyer, keeper;

    BackstopWorld() : World(Haircut{}, EngineLimits{16, 8, 4}, perpetual_with_options()) {
        call = engine.add_market<BTC>(call_series(expiry_ms)).value();
        mark("60000");
        engine.set_option_volatility(call, Ppm{500'000}).value();
        engine.fund_deposit(usdc("100000")).value();
        writer = account("7000");
        buyer = account("100000");
        keeper = account("500");
        engine.trade(call, buyer, writer, btc("1"), price("1300")).value();
        mark("64000");
        mark("67000");  // equity about 3,980, maintenance 4,550
        REQUIRE(engine.is_liquidatable(writer));
        REQUIRE(summary(writer).equity.is_positive());
    }
    std::int64_t fund_balance() const { return engine.ledger().balance_of(engine.fund().place()).atoms(); }
    void check_all_markets() const { check_every_market(engine); }
};

TEST_CASE("the fund takes over an option book no keeper can carry, its capital moved in the plan",
          "[options][fund_backstop][liquidation]") {
    BackstopWorld w;
    const std::uint64_t digest = w.engine.digest();
    CHECK(w.engine.liquidate(w.writer, w.keeper).error().code == ErrorCode::insufficient_margin);
    CHECK(w.engine.digest() == digest);

    Backstop backstop = Backstop::open(w.engine, BackstopPolicy<USDC>{Ppm{200'000}, usdc("10000")}).value();
    const std::int64_t fund_before = w.fund_balance();
    const Usdc expected_backing = backstop.backing_for(w.engine, w.writer).value();
    CHECK(expected_backing.is_positive());
    const auto takeover = backstop.take_over(w.engine, w.writer).value();
    const LiquidationReport<USDC>& report = takeover.liquidation;
    CHECK(takeover.backing == expected_backing);
    w.check_all_markets();
    // The fund paid its share of the waterfall (none: the writer had equity), took its share of
    // the penalty, and moved the backing; the backstop account holds the backing and its reward.
    CHECK(report.deficit.is_zero());
    CHECK(w.fund_balance() == fund_before - takeover.backing.atoms() + report.penalty_split.to_fund.atoms());
    CHECK(w.engine.collateral(backstop.account()).atoms() ==
          takeover.backing.atoms() + report.discount.atoms() + report.penalty_split.to_liquidator.atoms());
    CHECK(w.engine.position(backstop.account(), w.call).size < 0);  // the short call, taken over
    // What the writer no longer holds, the fund's account does.
    CHECK(w.engine.position(backstop.account(), w.call).size + w.engine.position(w.writer, w.call).size == -100'000'000);
    CHECK(!w.engine.is_liquidatable(backstop.account()));
    const AccountSummary<USDC> held = w.summary(backstop.account());
    CHECK(held.equity >= held.initial_requirement);
    CHECK(backstop.backing_total() == takeover.backing);
}

TEST_CASE("a takeover the fund cannot back changes nothing", "[options][fund_backstop][liquidation]") {
    BackstopWorld w;
    // A floor at the fund's whole balance: no backing, and the empty account cannot carry the book.
    Backstop stingy = Backstop::open(w.engine, BackstopPolicy<USDC>{Ppm{200'000}, usdc("100000")}).value();
    CHECK(stingy.backing_for(w.engine, w.writer).value().is_zero());
    std::uint64_t digest = w.engine.digest();
    CHECK(stingy.take_over(w.engine, w.writer).error().code == ErrorCode::insufficient_margin);
    CHECK(w.engine.digest() == digest);
    // Backing beyond the fund's balance (with its share of the penalty), or negative: refused
    // whole, typed.
    CHECK(w.engine.liquidate(w.writer, stingy.account(), {}, usdc("200000")).error().code == ErrorCode::insufficient_balance);
    CHECK(w.engine.liquidate(w.writer, stingy.account(), {}, Usdc(-1)).error().code == ErrorCode::amount_not_positive);
    CHECK(w.engine.digest() == digest);
    // Bad policies open nothing.
    const std::uint32_t accounts = w.engine.ledger().account_count();
    CHECK(Backstop::open(w.engine, BackstopPolicy<USDC>{Ppm{-1}, usdc("0")}).error().code == ErrorCode::invalid_policy_parameter);
    CHECK(Backstop::open(w.engine, BackstopPolicy<USDC>{Ppm{0}, Usdc(-1)}).error().code == ErrorCode::invalid_policy_parameter);
    CHECK(w.engine.ledger().account_count() == accounts);
    CHECK(stingy.take_over(w.engine, AccountId{99}).error().code == ErrorCode::unknown_account);
}

TEST_CASE("the backstop account returns what it holds beyond its goal to the fund", "[options][fund_backstop]") {
    BackstopWorld w;
    Backstop backstop = Backstop::open(w.engine, BackstopPolicy<USDC>{Ppm{200'000}, usdc("10000")}).value();
    const auto takeover = backstop.take_over(w.engine, w.writer).value();
    const std::int64_t taken = -w.engine.position(backstop.account(), w.call).size;
    REQUIRE(taken > 0);
    // Right after the takeover the account sits near its goal: little or nothing to return.
    const std::int64_t fund_after_takeover = w.fund_balance();
    const Usdc first = backstop.release(w.engine).value();
    CHECK(w.fund_balance() == fund_after_takeover + first.atoms());
    // The market falls back: the short call loses its value; the buyer's side takes it back at
    // the mark, and everything the account holds beyond its (now zero) goal returns.
    w.mark("60000");
    const std::int64_t value = std::max<std::int64_t>(10'000, w.engine.mark(w.call) / 10'000 * 10'000);  // on the cent
    w.engine.trade(w.call, backstop.account(), w.buyer, Btc(taken), Price<BTC, USDC>::from_raw(value)).value();
    REQUIRE(w.engine.position(backstop.account(), w.call).size == 0);
    const std::int64_t equity = w.summary(backstop.account()).equity.atoms();
    const std::int64_t fund_before = w.fund_balance();
    const Usdc back = backstop.release(w.engine).value();
    CHECK(back.atoms() == equity);  // no positions: all of it
    CHECK(w.fund_balance() == fund_before + equity);
    CHECK(w.engine.collateral(backstop.account()).is_zero());
    CHECK(backstop.release(w.engine).value().is_zero());  // nothing left
    CHECK(backstop.released_total().atoms() == first.atoms() + equity);
    CHECK(takeover.backing.is_positive());
    w.check_all_markets();
}

// A second review's counterexamples. (1) The backing arrived after the takeover's fills, so the
// fund's empty account could not pay the premium of a long premium-style call it took over; it
// arrives first now. (2) backing_for offered the fund's whole balance although the fund settles
// the defaulter's deficit from what the backing leaves; it leaves room for it now.
TEST_CASE("fund backstop regression: the backing pays what the takeover opens, and leaves room for the deficit",
          "[options][fund_backstop][liquidation][premium]") {
    SECTION("a long premium-style call taken over") {
        World w(Haircut{}, EngineLimits{16, 8, 4}, perpetual_with_options());
        MarketConfig premium_call = option_series(OptionKind::call, "60000", 1'000 + 30 * day_ms);
        premium_call.option.premium_style = true;
        const MarketId call = w.engine.add_market<BTC>(premium_call).value();
        w.mark("60000");
        w.engine.set_option_volatility(call, Ppm{500'000}).value();
        w.engine.fund_deposit(usdc("100000")).value();
        const AccountId holder = w.account("16000");
        const AccountId other = w.account("100000");
        const std::int64_t premium = w.engine.mark(call) / 10'000 * 10'000;
        w.engine.trade(call, holder, other, btc("1"), Price<BTC, USDC>::from_raw(premium)).value();  // long the call
        w.trade(holder, other, "1", "60000");                                                        // long the perpetual
        for (const char* p : {"57000", "54000", "52000", "51000"}) w.mark(p);
        REQUIRE(w.engine.is_liquidatable(holder));
        Backstop backstop = Backstop::open(w.engine, BackstopPolicy<USDC>{Ppm{200'000}, usdc("10000")}).value();
        const auto takeover = backstop.take_over(w.engine, holder).value();
        CHECK(w.engine.position(backstop.account(), call).size > 0);  // it took the long call over, paying its premium
        CHECK(w.engine.position(backstop.account(), call).cost == 0);
        check_every_market(w.engine);
        CHECK(w.engine.fund().statistics().backed_total == Amount<USDC, Int128>(Int128(takeover.backing.atoms())));
    }
    SECTION("a writer with no equity left") {
        World w(Haircut{}, EngineLimits{16, 8, 4}, perpetual_with_options());
        const MarketId call = w.engine.add_market<BTC>(call_series(1'000 + 30 * day_ms)).value();
        w.mark("60000");
        w.engine.set_option_volatility(call, Ppm{500'000}).value();
        w.engine.fund_deposit(usdc("11000")).value();
        const AccountId writer = w.account("7000");
        const AccountId buyer = w.account("100000");
        w.engine.trade(call, buyer, writer, btc("1"), price("1300")).value();
        for (const char* p : {"64000", "68000", "72000", "74000"}) w.mark(p);
        const Usdc equity = w.summary(writer).equity;
        REQUIRE(equity.is_negative());
        Backstop backstop = Backstop::open(w.engine, BackstopPolicy<USDC>{Ppm{200'000}, usdc("0")}).value();
        const Usdc backing = backstop.backing_for(w.engine, writer).value();
        CHECK(backing.atoms() <= 11'000'000'000 + equity.atoms());  // the deficit's room kept
        const auto takeover = backstop.take_over(w.engine, writer).value();
        CHECK(takeover.liquidation.deficit.is_positive());
        CHECK(takeover.liquidation.fund_paid == takeover.liquidation.deficit);  // the fund still covers it
        check_every_market(w.engine);
    }
}

TEST_CASE("a backstop reattaches to the fund's existing account", "[fund_backstop]") {
    BackstopWorld w;
    Backstop first = Backstop::open(w.engine, BackstopPolicy<USDC>{Ppm{200'000}, usdc("10000")}).value();
    const Backstop again = Backstop::attach(w.engine, first.account(), first.policy()).value();
    CHECK(again.account() == first.account());
    CHECK(Backstop::attach(w.engine, AccountId{99}, first.policy()).error().code == ErrorCode::unknown_account);
    CHECK(Backstop::attach(w.engine, first.account(), BackstopPolicy<USDC>{Ppm{-1}, usdc("0")}).error().code ==
          ErrorCode::invalid_policy_parameter);
}

TEST_CASE("a journal with a backed liquidation replays to the same engine", "[options][fund_backstop][journal]") {
    using Journal = BasicVectorJournal<EngineCommand>;
    using Engine = MarginEngine<EngineFund<Haircut>, NullJournal, Journal>;
    Engine engine = Engine::create(EngineLimits{16, 8, 4}, {}, {}, Haircut{}, NullJournal{}, Journal{}).value();
    const MarketId perp = engine.add_market<BTC>(perpetual_with_options()).value();
    const MarketId call = engine.add_market<BTC>(call_series(30 * day_ms)).value();
    engine.set_mark(perp, price("60000"), Timestamp{1'000}).value();
    engine.set_option_volatility(call, Ppm{500'000}).value();
    engine.fund_deposit(usdc("100000")).value();
    const AccountId writer = engine.open_account().value();
    const AccountId buyer = engine.open_account().value();
    engine.deposit(writer, usdc("7000")).value();
    engine.deposit(buyer, usdc("100000")).value();
    engine.trade(call, buyer, writer, btc("1"), price("1300")).value();
    engine.set_mark(perp, price("64000"), Timestamp{2'000}).value();
    engine.set_mark(perp, price("67000"), Timestamp{3'000}).value();
    FundBackstop<Engine> backstop = FundBackstop<Engine>::open(engine, BackstopPolicy<USDC>{Ppm{200'000}, usdc("10000")}).value();
    REQUIRE(backstop.take_over(engine, writer).value().backing.is_positive());

    Engine replayed = Engine::create(EngineLimits{16, 8, 4}, {}, {}, Haircut{}, NullJournal{}, Journal{}).value();
    REQUIRE(replay_commands(engine.command_journal().entries(), engine.command_seal(), replayed).has_value());
    CHECK(replayed.digest() == engine.digest());
    CHECK(replayed.collateral(backstop.account()) == engine.collateral(backstop.account()));
}

}  // namespace test_management_fund_backstop_test
