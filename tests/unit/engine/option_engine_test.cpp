// Options in the engine (issue 18): an option series is a market whose mark the engine computes
// (Black-76 on the underlying's mark at the series' volatility; the payoff from expiry on); an
// account holding live options is margined on that underlying by the portfolio requirement of its
// perpetual and options together; a liquidation of it closes everything; money is conserved
// after every step, and a refused operation changes nothing.
#include "unit/engine/engine_world.hpp"
#include "unit/engine/option_configs.hpp"

#include <backstop/engine/engine_journal.hpp>
#include <backstop/engine/options/black76.hpp>
#include <backstop/engine/options/portfolio_margin.hpp>
#include <backstop/fund/socialized_loss/pro_rata_haircut.hpp>
#include <backstop/fund/socialized_loss/ranked_adl.hpp>

#include <catch2/catch.hpp>

#include "support/option_draws.hpp"

#include <cmath>
#include <array>
#include <cstdint>
#include <limits>
#include <vector>

namespace test_engine_option_engine_test {
using namespace backstop;
using namespace backstop::testing;
using Haircut = socialized_loss::ProRataHaircut<USDC>;

constexpr std::int64_t day_ms = 86'400'000;

// The same series, premium-style: the premium moves in cash at every fill.
MarketConfig premium_style(MarketConfig config) {
    config.option.premium_style = true;
    return config;
}

// The same portfolio model the engine builds for the perpetual above.
PortfolioMargin reference_model() {
    return PortfolioMargin::create(ScenarioGrid::span_style(0.08, 0.10).value(), VolatilitySurface::flat(1.0).value(),
                                   PortfolioMarginConfig{0.01, 0.01, 0.0})
        .value();
}

struct OptionWorld : EngineWorld<Haircut> {
    MarketId call;
    std::int64_t expiry_ms = 1'000 + 30 * day_ms;

    OptionWorld() : EngineWorld<Haircut>(Haircut{}, EngineLimits{64, 8, 8}, perpetual_with_options()) {
        call = engine.add_market<BTC>(option_series(OptionKind::call, "66000", expiry_ms)).value();
        mark("60000");
        engine.set_option_volatility(call, Ppm{500'000}).value();
    }
    void trade_option(AccountId buyer, AccountId seller, const char* size, const char* premium) {
        engine.trade(call, buyer, seller, btc(size), price(premium)).value();
    }
    void check_all_markets() const { check_every_market(engine); }
    double years_left() const { return static_cast<double>(expiry_ms - now_ms) / (365.0 * day_ms); }
};

TEST_CASE("an option series is a market whose mark is Black-76 on its underlying's", "[options][engine]") {
    OptionWorld w;
    // F = 60,000, K = 66,000, vol 50%, 29.99 days: the premium, rounded to the micro-USDC.
    const double model = black76_price(OptionKind::call, Black76Input{60'000e6, 66'000e6, 0.5, w.years_left(), 0.0}).value();
    CHECK(static_cast<double>(w.engine.mark(w.call)) == std::nearbyint(model));
    CHECK(w.engine.mark(w.call) > 1'000'000'000);  // about 1,300 USDC
    // The underlying moves: the series follows.
    w.mark("63000");
    const double moved = black76_price(OptionKind::call, Black76Input{63'000e6, 66'000e6, 0.5, w.years_left(), 0.0}).value();
    CHECK(static_cast<double>(w.engine.mark(w.call)) == std::nearbyint(moved));

    // What the engine refuses, changing nothing.
    const std::uint64_t before = w.engine.digest();
    CHECK(w.engine.set_mark(w.call, price("1000"), Timestamp{w.now_ms + 1}).error().code == ErrorCode::invalid_argument);
    CHECK(w.engine.update_funding(w.call, FundingDelta(1)).error().code == ErrorCode::invalid_argument);
    CHECK(w.engine.set_option_volatility(w.market, Ppm{500'000}).error().code == ErrorCode::invalid_argument);
    CHECK(w.engine.set_option_volatility(w.call, Ppm{50}).error().code == ErrorCode::invalid_option_input);
    CHECK(w.engine.set_option_volatility(w.call, Ppm{20'000'000}).error().code == ErrorCode::invalid_option_input);
    MarketConfig orphan = option_series(OptionKind::put, "50000", w.expiry_ms);
    orphan.option.underlying = 7;  // no such market
    CHECK(w.engine.add_market<BTC>(orphan).error().code == ErrorCode::invalid_market_config);
    orphan.option.underlying = static_cast<std::uint16_t>(w.call.value);  // an option cannot underlie one
    CHECK(w.engine.add_market<BTC>(orphan).error().code == ErrorCode::invalid_market_config);
    MarketConfig no_strike = option_series(OptionKind::put, "50000", w.expiry_ms);
    no_strike.option.strike = 0;
    CHECK(w.engine.add_market<BTC>(no_strike).error().code == ErrorCode::invalid_market_config);
    CHECK(w.engine.add_market<assets::ETH>(option_series(OptionKind::put, "50000", w.expiry_ms)).error().code ==
          ErrorCode::invalid_market_config);
    CHECK(w.engine.digest() == before);
}

TEST_CASE("a covered call is margined by its portfolio requirement, below its legs apart", "[options][portfolio_margin][engine]") {
    OptionWorld w;
    const AccountId writer = w.account("10000");
    const AccountId perp_short = w.account("100000");
    const AccountId buyer = w.account("100000");
    w.trade(writer, perp_short, "1", "60000");     // long 1 BTC of the perpetual
    w.trade_option(buyer, writer, "1", "1300");    // writes one 66,000 call for 1,300 USDC
    w.check_all_markets();
    // As a perpetual's entry price, the premium is the positions' cost until they close: the
    // writer's equity counts the 1,300 received less the call's value at its mark.
    CHECK(w.engine.collateral(writer) == usdc("10000"));
    CHECK(w.summary(writer).equity.atoms() == 10'000'000'000 + 1'300'000'000 - w.engine.mark(w.call));

    // The writer's maintenance is the portfolio requirement of (perpetual +1, call -1), in atoms.
    const OptionHolding call[] = {{OptionKind::call, 66'000e6, w.years_left(), -1e8, 0.5}};
    const PortfolioRequirement r = reference_model().requirement(OptionPortfolio{60'000e6, 1e8, call}).value();
    const std::int64_t expected = requirement_atoms(r, 1e-8).value();
    const AccountSummary<USDC> s = w.summary(writer);
    CHECK(s.maintenance_requirement.atoms() == expected);
    // Initial: times the perpetual's 5% / 3%, rounded up.
    CHECK(s.initial_requirement.atoms() == (expected * 5 + 2) / 3);
    // Below the perpetual's own maintenance plus the call's worst loss alone.
    const double apart = reference_model().per_position_requirement(OptionPortfolio{60'000e6, 1e8, call}).value() * 1e-8;
    CHECK(static_cast<double>(expected) < apart * 1e6);
    // The buyer holds a long call only: its requirement is the call's worst loss (at most its value).
    CHECK(w.summary(buyer).maintenance_requirement.atoms() <= w.engine.mark(w.call));
}

// OptionMarginTerms::per_position ("standard" margin, the gamma study's other arm): the call
// margined alone by the same scenarios, the perpetual by its own tiers, the two summed; equity
// still pooled.
TEST_CASE("per-position margin sums the call's own requirement and the perpetual's tiers", "[options][portfolio_margin][engine]") {
    MarketConfig per_position = perpetual_with_options();
    per_position.option_margin.per_position = true;
    EngineWorld<Haircut> w(Haircut{}, EngineLimits{64, 8, 8}, per_position);
    const std::int64_t expiry_ms = 1'000 + 30 * day_ms;
    const MarketId call = w.engine.add_market<BTC>(option_series(OptionKind::call, "66000", expiry_ms)).value();
    w.mark("60000");
    w.engine.set_option_volatility(call, Ppm{500'000}).value();
    const AccountId writer = w.account("20000");
    const AccountId counterparty = w.account("1000000");
    w.trade(writer, counterparty, "1", "60000");
    w.engine.trade(call, counterparty, writer, btc("1"), price("1300")).value();

    const double years = static_cast<double>(expiry_ms - w.now_ms) / (365.0 * day_ms);
    const OptionHolding short_call[] = {{OptionKind::call, 66'000e6, years, -1e8, 0.5}};
    const std::int64_t call_alone =
        requirement_atoms(reference_model().requirement(OptionPortfolio{60'000e6, 0, short_call}).value(), 1e-8).value();
    const std::int64_t perpetual_maintenance = 1'800'000'000;  // 3% of 60,000: tier 0
    const std::int64_t together =
        requirement_atoms(reference_model().requirement(OptionPortfolio{60'000e6, 1e8, short_call}).value(), 1e-8).value();
    const AccountSummary<USDC> s = w.summary(writer);
    CHECK(s.maintenance_requirement.atoms() == perpetual_maintenance + call_alone);
    // Initial: the perpetual's own 5%, the call's times the tier-0 ratio 5/3, rounded up.
    CHECK(s.initial_requirement.atoms() == 3'000'000'000 + (call_alone * 5 + 2) / 3);
    CHECK(together < call_alone + perpetual_maintenance);  // what the portfolio saves on this book
    // The same book in a portfolio-margined engine needs `together`.
    OptionWorld portfolio;
    const AccountId writer2 = portfolio.account("20000");
    const AccountId counterparty2 = portfolio.account("1000000");
    portfolio.trade(writer2, counterparty2, "1", "60000");
    portfolio.trade_option(counterparty2, writer2, "1", "1300");
    CHECK(portfolio.summary(writer2).maintenance_requirement.atoms() == together);
}

// A liquidation of an account holding options closes, round by round, the position whose close
// lowers its (initial) requirement most per unit of the penalty and discount it costs, until the
// account meets its initial requirement again; then each close is cut to the fewest lots that
// keep it so (docs/options.md).
TEST_CASE("a covered call below maintenance is liquidated by risk reduction, money conserved at every step",
          "[options][engine][liquidation]") {
    OptionWorld w;
    const AccountId writer = w.account("4500");
    const AccountId perp_short = w.account("100000");
    const AccountId buyer = w.account("100000");
    const AccountId liquidator = w.account("1000000");
    w.engine.fund_deposit(usdc("100000")).value();
    w.trade(writer, perp_short, "0.5", "60000");
    w.trade_option(buyer, writer, "0.5", "1300");
    w.check_all_markets();
    CHECK(!w.engine.is_liquidatable(writer));
    // A 12% fall: the perpetual loses 3,600, the short call gains little back.
    w.mark("52800");
    w.check_all_markets();
    REQUIRE(w.engine.is_liquidatable(writer));
    AccountId found[4];
    CHECK(w.engine.liquidatable_accounts(Span<AccountId>(found, 4)).size() == 1);
    const AccountSummary<USDC> before = w.summary(writer);
    // Closing the call leaves the perpetual on its own 5% / 3% tiers (1,320 initial on 26,400),
    // where the portfolio scans it over +-8%: a 3,633 initial requirement falls by 2,313 for a
    // penalty and discount of 3.5% of a 109-dollar premium. Closing the perpetual instead would
    // leave a naked short call, needing more than it frees.
    const std::int64_t call_value = w.engine.mark(w.call) / 2;  // of 0.5 BTC
    const auto report = w.engine.liquidate(writer, liquidator).value();
    CHECK(!report.full);
    w.check_all_markets();
    CHECK(w.engine.position(writer, w.call).size == 0);
    CHECK(w.engine.position(writer, w.market).size == 50'000'000);  // the perpetual stays
    CHECK(w.engine.position(liquidator, w.call).size == -50'000'000);
    CHECK(report.penalty.atoms() == (call_value * 15 + 999) / 1000);  // 1.5% of the premium, rounded up
    CHECK(report.discount.atoms() == call_value * 20 / 1000);         // 2%, rounded down
    const AccountSummary<USDC> after = w.summary(writer);
    CHECK(after.initial_requirement.atoms() == 1'320'000'000);
    CHECK(after.equity >= after.initial_requirement);
    CHECK(after.equity.atoms() == before.equity.atoms() - report.penalty.atoms() - report.discount.atoms());
    CHECK(!w.engine.is_liquidatable(writer));
    CHECK(!w.engine.is_liquidatable(liquidator));
}

// OptionMarginTerms::liquidate_books_whole: the venue's choice to leave no short gamma behind.
TEST_CASE("an underlying that liquidates option books whole closes the covered call's both legs", "[options][engine][liquidation]") {
    MarketConfig whole = perpetual_with_options();
    whole.option_margin.liquidate_books_whole = true;
    EngineWorld<Haircut> w(Haircut{}, EngineLimits{64, 8, 8}, whole);
    const std::int64_t expiry_ms = 1'000 + 30 * day_ms;
    const MarketId call = w.engine.add_market<BTC>(option_series(OptionKind::call, "66000", expiry_ms)).value();
    w.mark("60000");
    w.engine.set_option_volatility(call, Ppm{500'000}).value();
    const AccountId writer = w.account("4500");
    const AccountId perp_short = w.account("100000");
    const AccountId buyer = w.account("100000");
    const AccountId liquidator = w.account("1000000");
    w.trade(writer, perp_short, "0.5", "60000");
    w.engine.trade(call, buyer, writer, btc("0.5"), price("1300")).value();
    w.mark("52800");
    REQUIRE(w.engine.is_liquidatable(writer));
    const auto report = w.engine.liquidate(writer, liquidator).value();
    CHECK(report.full);
    CHECK(w.engine.position(writer, w.market).size == 0);
    CHECK(w.engine.position(writer, call).size == 0);
    CHECK(w.engine.position(liquidator, w.market).size == 50'000'000);
    CHECK(w.engine.position(liquidator, call).size == -50'000'000);
    CHECK(w.engine.ledger().audit().balanced());
}

// A review's counterexample: the partial plan hands a keeper the call without its hedge, which
// its 3,000 cannot margin, while the whole book (the perpetual offsetting its own short) it can
// take: the liquidation falls back to the whole book instead of being refused.
TEST_CASE("options regression: a partial plan the liquidator cannot take falls back to the whole book",
          "[options][engine][liquidation]") {
    OptionWorld w;
    const AccountId writer = w.account("4500");
    const AccountId perp_short = w.account("100000");
    const AccountId buyer = w.account("100000");
    const AccountId keeper = w.account("3000");
    w.trade(writer, perp_short, "0.5", "60000");
    w.trade_option(buyer, writer, "0.5", "1300");
    w.mark("52800");
    w.trade(buyer, keeper, "0.5", "52800");  // the keeper: short 0.5 of the perpetual
    REQUIRE(w.engine.is_liquidatable(writer));
    const auto report = w.engine.liquidate(writer, keeper).value();
    CHECK(report.full);
    w.check_all_markets();
    CHECK(w.engine.position(keeper, w.market).size == 0);  // its short met the writer's long
    CHECK(w.engine.position(keeper, w.call).size == -50'000'000);
    CHECK(!w.engine.is_liquidatable(keeper));
}

// A second review's counterexample: the fallback widened a perpetual-only partial liquidation to
// a full one for a keeper that could not take the partial (it held the opposite position just
// under its initial requirement), so the keeper chose how much the defaulter lost. A perpetual
// account's partial plan is never widened: the keeper is refused, and a keeper that can take it
// gets the partial.
TEST_CASE("options regression: a perpetual-only partial liquidation is never widened to a full one",
          "[options][engine][liquidation]") {
    EngineWorld<Haircut> w;
    w.engine.fund_deposit(usdc("100000")).value();
    const AccountId third = w.account("100000");
    const AccountId keeper = w.account("3200");
    const AccountId funded = w.account("100000");
    const AccountId defaulter = w.account("3500");
    w.mark("64000");
    w.trade(keeper, third, "1", "64000");  // the keeper: long 1 at 64,000
    w.mark("60000");
    w.trade(third, defaulter, "1", "60000");  // the defaulter: short 1 at 60,000
    w.mark("61800");
    REQUIRE(w.engine.is_liquidatable(defaulter));
    const std::uint64_t digest = w.engine.digest();
    CHECK(w.engine.liquidate(defaulter, keeper).error().code == ErrorCode::insufficient_margin);
    CHECK(w.engine.digest() == digest);
    const auto report = w.engine.liquidate(defaulter, funded).value();
    CHECK(!report.full);
}

TEST_CASE("a short strangle is liquidated by risk reduction: the best ratio first, to the fewest lots",
          "[options][engine][liquidation]") {
    OptionWorld w;
    const MarketId put = w.engine.add_market<BTC>(option_series(OptionKind::put, "54000", w.expiry_ms)).value();
    w.engine.set_option_volatility(put, Ppm{500'000}).value();
    const AccountId writer = w.account("6000");
    const AccountId buyer = w.account("100000");
    const AccountId liquidator = w.account("1000000");
    w.trade_option(buyer, writer, "1", "1300");
    w.engine.trade(put, buyer, writer, btc("1"), price("900")).value();
    w.mark("56000");
    w.mark("51000");  // a 15% fall: the put is in the money
    REQUIRE(w.engine.is_liquidatable(writer));
    const AccountSummary<USDC> before = w.summary(writer);

    // The reference: each close's reduction of the initial requirement (the portfolio's, times
    // 5/3, rounded up) against its penalty and discount (3.5% of the premium closed).
    const double years = w.years_left();
    auto initial_of = [&](double call_size, double put_size) {
        const OptionHolding book[] = {{OptionKind::call, 66'000e6, years, call_size, 0.5},
                                      {OptionKind::put, 54'000e6, years, put_size, 0.5}};
        const std::int64_t need = requirement_atoms(reference_model().requirement(OptionPortfolio{51'000e6, 0, book}).value(), 1e-8).value();
        return (need * 5 + 2) / 3;
    };
    const double call_mark = static_cast<double>(w.engine.mark(w.call));
    const double put_mark = static_cast<double>(w.engine.mark(put));
    const std::int64_t both = initial_of(-1e8, -1e8);
    CHECK(both == before.initial_requirement.atoms());
    const double call_ratio = static_cast<double>(both - initial_of(0, -1e8)) / (0.035 * call_mark);
    const double put_ratio = static_cast<double>(both - initial_of(-1e8, 0)) / (0.035 * put_mark);
    REQUIRE(put_ratio > call_ratio);  // the put first
    // The fewest lots (0.001 BTC) of the put whose close restores the initial requirement.
    std::int64_t fewest = 0;
    for (std::int64_t lots = 1; lots <= 1000 && fewest == 0; ++lots) {
        const double cost = 0.035 * static_cast<double>(lots) * 1e5 * put_mark / 1e8;
        if (static_cast<double>(before.equity.atoms()) - cost >= static_cast<double>(initial_of(-1e8, -1e8 + static_cast<double>(lots) * 1e5))) {
            fewest = lots;
        }
    }
    REQUIRE(fewest > 0);

    const auto report = w.engine.liquidate(writer, liquidator).value();
    CHECK(!report.full);
    w.check_all_markets();
    CHECK(w.engine.position(writer, w.call).size == -100'000'000);  // untouched
    const std::int64_t closed_lots = (w.engine.position(writer, put).size + 100'000'000) / 100'000;
    CHECK(closed_lots >= fewest - 1);  // the reference rounds the penalty in double: a lot either way
    CHECK(closed_lots <= fewest + 1);
    CHECK(closed_lots < 1000);
    const AccountSummary<USDC> after = w.summary(writer);
    CHECK(after.equity >= after.initial_requirement);
    CHECK(!w.engine.is_liquidatable(writer));
}

// Closing the put alone would realise a loss beyond the writer's collateral: its gain on the
// perpetual hedge pays for it, so the hedge is closed in part too, and every close is cut back.
TEST_CASE("a hedged option book short of cash closes its hedge only as far as the cash needs",
          "[options][engine][liquidation]") {
    OptionWorld w;
    const MarketId put = w.engine.add_market<BTC>(option_series(OptionKind::put, "54000", w.expiry_ms)).value();
    w.engine.set_option_volatility(put, Ppm{500'000}).value();
    const AccountId writer = w.account("7000");
    const AccountId buyer = w.account("100000");
    const AccountId liquidator = w.account("1000000");
    const AccountId perp_long = w.account("100000");
    w.trade_option(buyer, writer, "1", "1300");
    w.engine.trade(put, buyer, writer, btc("1"), price("900")).value();
    w.trade(perp_long, writer, "0.3", "60000");
    for (const char* m : {"50000", "46000", "43000", "41000"}) w.mark(m);
    REQUIRE(w.engine.is_liquidatable(writer));
    const AccountSummary<USDC> before = w.summary(writer);
    const auto report = w.engine.liquidate(writer, liquidator).value();
    CHECK(!report.full);
    w.check_all_markets();
    const std::int64_t put_left = w.engine.position(writer, put).size;
    const std::int64_t perp_left = w.engine.position(writer, w.market).size;
    CHECK(put_left < 0);
    CHECK(put_left > -100'000'000);
    CHECK(perp_left < 0);
    CHECK(perp_left > -30'000'000);
    const AccountSummary<USDC> after = w.summary(writer);
    CHECK(after.equity >= after.initial_requirement);
    CHECK(after.collateral.is_positive());
    // The cut: the equity left above the initial requirement is within a lot's penalty and
    // discount of the put (3.5% of 0.001 BTC at 13,070) plus the requirement a lot moves.
    CHECK((after.equity - after.initial_requirement).atoms() < 2'000'000);
    CHECK(report.penalty.atoms() + report.discount.atoms() < (before.equity - after.equity).atoms() + 1);
    CHECK(!w.engine.is_liquidatable(liquidator));
}

// An account whose equity is gone closes everything it can: nothing is left to protect.
TEST_CASE("an option book with no equity left is liquidated whole", "[options][engine][liquidation]") {
    OptionWorld w;
    const AccountId writer = w.account("6000");
    const AccountId buyer = w.account("100000");
    const AccountId liquidator = w.account("1000000");
    w.engine.fund_deposit(usdc("100000")).value();
    w.trade_option(buyer, writer, "1", "1300");
    for (const char* m : {"64000", "68000", "72000", "76000", "80000"}) w.mark(m);
    REQUIRE(w.summary(writer).equity.atoms() <= 0);
    const auto report = w.engine.liquidate(writer, liquidator).value();
    CHECK(report.full);
    w.check_all_markets();
    CHECK(w.engine.position(writer, w.call).size == 0);
    CHECK(w.engine.position(liquidator, w.call).size == -100'000'000);
    CHECK(report.deficit.is_positive());
}

TEST_CASE("at expiry a series' mark is the payoff, exact and fixed", "[options][engine]") {
    OptionWorld w;
    const AccountId writer = w.account("100000");
    const AccountId buyer = w.account("100000");
    w.trade_option(buyer, writer, "2", "1300");
    w.now_ms = w.expiry_ms - 2'000;
    w.mark("70000");
    CHECK(w.engine.mark(w.call) == 4'000'000'000);  // a second before expiry: its payoff to the micro-USDC
    w.now_ms = w.expiry_ms - 1'000;                // mark() adds a second: exactly at expiry
    w.mark("70000.5");
    CHECK(w.engine.mark(w.call) == price("4000.5").raw());  // 70,000.5 - 66,000, exact
    w.now_ms += 120'000;  // past the staleness limit: the payoff, fixed, does not age
    w.mark("50000");
    CHECK(w.engine.mark(w.call) == price("4000.5").raw());  // fixed from expiry on
    CHECK(w.engine.set_option_volatility(w.call, Ppm{400'000}).error().code == ErrorCode::invalid_argument);
    // Expired, the positions are plain obligations at the payoff: no portfolio requirement, no
    // tiers; the writer's equity carries the 8,001 USDC it owes.
    CHECK(w.summary(writer).maintenance_requirement.atoms() == 0);
    CHECK(w.summary(writer).equity == usdc("100000") + usdc("2600") - usdc("8001"));
    // They close against each other at the payoff: the premium and the payoff are realised.
    w.trade_option(writer, buyer, "2", "4000.5");
    w.check_all_markets();
    CHECK(w.engine.collateral(buyer) == usdc("100000") - usdc("2600") + usdc("8001"));
    CHECK(w.engine.collateral(writer) == usdc("100000") + usdc("2600") - usdc("8001"));
}

// Premium-style series (OptionTerms::premium_style): the premium moves in cash at the trade, the
// positions keep no cost; equity, margin and every later step are the futures-style series'.
TEST_CASE("a premium-style series moves the premium in cash at the trade", "[options][engine][premium]") {
    OptionWorld futures;  // the same book, futures-style, for comparison
    EngineWorld<Haircut> w(Haircut{}, EngineLimits{64, 8, 8}, perpetual_with_options());
    const MarketId call = w.engine.add_market<BTC>(premium_style(option_series(OptionKind::call, "66000", futures.expiry_ms))).value();
    w.mark("60000");
    w.engine.set_option_volatility(call, Ppm{500'000}).value();
    const AccountId buyer = w.account("2000");
    const AccountId writer = w.account("10000");
    const AccountId poor = w.account("1000");
    const AccountId buyer2 = futures.account("2000");
    const AccountId writer2 = futures.account("10000");

    // Refused, unchanged: the buyer's collateral cannot pay a 1,300-dollar premium.
    const std::uint64_t digest = w.engine.digest();
    CHECK(w.engine.trade(call, poor, writer, btc("1"), price("1300")).error().code == ErrorCode::insufficient_collateral);
    CHECK(w.engine.digest() == digest);

    w.engine.trade(call, buyer, writer, btc("1"), price("1300")).value();
    futures.trade_option(buyer2, writer2, "1", "1300");
    CHECK(w.engine.collateral(buyer) == usdc("700"));      // paid
    CHECK(w.engine.collateral(writer) == usdc("11300"));   // received
    CHECK(w.engine.position(buyer, call).cost == 0);
    CHECK(w.engine.position(writer, call).cost == 0);
    CHECK(futures.engine.collateral(buyer2) == usdc("2000"));  // futures-style: in the cost
    // Equity and margin are the same either way.
    for (const auto& [a, b] : {std::pair{buyer, buyer2}, std::pair{writer, writer2}}) {
        CHECK(w.summary(a).equity == futures.summary(b).equity);
        CHECK(w.summary(a).maintenance_requirement == futures.summary(b).maintenance_requirement);
        CHECK(w.summary(a).initial_requirement == futures.summary(b).initial_requirement);
    }
    // Half closed at 1,500: the buyer receives 750 in cash; still no cost.
    w.engine.trade(call, writer, buyer, btc("0.5"), price("1500")).value();
    CHECK(w.engine.collateral(buyer) == usdc("1450"));
    CHECK(w.engine.position(buyer, call).cost == 0);
    // At expiry the rest settles at the whole payoff.
    w.now_ms = futures.expiry_ms + 1'000;
    w.mark("70000");  // pays 4,000 a BTC
    const auto report = w.engine.settle_expired_series(call).value();
    CHECK(report.holders == 2);
    CHECK(w.engine.collateral(buyer) == usdc("1450") + usdc("2000"));
    CHECK(w.engine.collateral(writer) == usdc("11300") - usdc("750") - usdc("2000"));
    CHECK(w.engine.ledger().audit().balanced());
    detail::int128 costs = 0;
    for (std::uint32_t m = 0; m < w.engine.market_count(); ++m) {
        for (std::uint32_t a = 0; a < w.engine.ledger().account_count(); ++a) costs += w.engine.position(AccountId{a}, MarketId{m}).cost;
    }
    CHECK(w.engine.ledger().balance_of(Place::pnl_pool()).atoms() + costs == 0);
    // Only a series is premium-style.
    MarketConfig not_a_series = perpetual_with_options();
    not_a_series.option.premium_style = true;
    CHECK(w.engine.add_market<BTC>(not_a_series).error().code == ErrorCode::invalid_market_config);
}

// A second review's counterexample: a premium-style position whose gain a settlement realised
// carries a cost; a partial close moved all of it into cash, while the liquidation's estimate
// moved only the part closed, so the same book liquidated fully (or was refused as an overflow)
// where its futures-style twin was partial. A reducing fill now keeps the proportional cost in
// both styles: the two books liquidate alike.
TEST_CASE("options regression: a premium-style position with a cost liquidates as its futures-style twin",
          "[options][engine][premium][liquidation]") {
    struct Outcome {
        bool full = false;
        std::int64_t left = 0, penalty = 0, cost = 0;
    };
    auto run = [](bool premium) {
        EngineWorld<Haircut> w(Haircut{}, EngineLimits{16, 8, 4}, perpetual_with_options());
        MarketConfig far = option_series(OptionKind::call, "60000", 1'000 + 60 * day_ms);
        far.option.premium_style = premium;
        const MarketId near_call = w.engine.add_market<BTC>(option_series(OptionKind::call, "60000", 1'000 + 10 * day_ms)).value();
        const MarketId far_call = w.engine.add_market<BTC>(far).value();
        w.mark("60000");
        w.engine.set_option_volatility(near_call, Ppm{500'000}).value();
        w.engine.set_option_volatility(far_call, Ppm{500'000}).value();
        w.engine.fund_deposit(usdc("100000")).value();
        const AccountId spread = w.account("8000");
        const AccountId other = w.account("1000000");
        const AccountId keeper = w.account("1000000");
        auto on_tick = [&](MarketId m) { return Price<BTC, USDC>::from_raw(w.engine.mark(m) / 10'000 * 10'000); };
        w.engine.trade(far_call, spread, other, btc("1"), on_tick(far_call)).value();   // long the far call
        w.engine.trade(near_call, other, spread, btc("1"), on_tick(near_call)).value();  // short the near one
        w.now_ms = 1'000 + 10 * day_ms + 1'000;
        w.mark("80000");
        // The short pays 20,000 at expiry: part of it from the far call's gain, realised.
        REQUIRE(w.engine.settle_expired_series(near_call).value().realised_from_other_positions.is_positive());
        Outcome o;
        o.cost = w.engine.position(spread, far_call).cost;
        REQUIRE(w.engine.is_liquidatable(spread));
        const auto report = w.engine.liquidate(spread, keeper).value();
        o.full = report.full;
        o.left = w.engine.position(spread, far_call).size;
        o.penalty = report.penalty.atoms();
        check_every_market(w.engine);
        return o;
    };
    const Outcome premium = run(true);
    const Outcome futures = run(false);
    CHECK(premium.cost != 0);
    CHECK(premium.full == futures.full);
    CHECK(!premium.full);
    CHECK(premium.left == futures.left);
    CHECK(premium.penalty == futures.penalty);
}

// Cash settlement at expiry (option_settlement.hpp): every holder closes at the fixed payoff in
// one operation; gains come from the pnl_pool, losses go into it, the roundings' residue to dust.
TEST_CASE("an expired series settles every holder at its payoff, money conserved to the atom", "[options][engine][settlement]") {
    OptionWorld w;
    MarketConfig fine = option_series(OptionKind::call, "60000", w.expiry_ms);
    fine.lot_size = 1;  // sizes to the atom: the payoff's value does not divide evenly
    fine.position_max = 100'000'000'000;
    const MarketId call = w.engine.add_market<BTC>(fine).value();
    w.engine.set_option_volatility(call, Ppm{500'000}).value();
    const AccountId buyer = w.account("100000");
    const AccountId writer = w.account("100000");
    const AccountId spread = w.account("100000");
    w.engine.trade(call, buyer, writer, Btc(100'000'001), price("3000")).value();  // 1.00000001 BTC
    w.engine.trade(call, buyer, spread, Btc(33'333'333), price("3100")).value();
    w.engine.trade(call, spread, writer, Btc(11'111'111), price("2900")).value();
    const auto size = [&](AccountId a) { return w.engine.position(a, call).size; };
    REQUIRE(size(buyer) == 133'333'334);
    REQUIRE(size(writer) == -111'111'112);
    REQUIRE(size(spread) == -22'222'222);

    // Before expiry, and at expiry before an underlying mark fixes the payoff: refused, unchanged.
    std::uint64_t digest = w.engine.digest();
    CHECK(w.engine.settle_expired_series(call).error().code == ErrorCode::invalid_argument);
    CHECK(w.engine.settle_expired_series(w.market).error().code == ErrorCode::invalid_argument);  // a perpetual
    CHECK(w.engine.settle_expired_series(MarketId{99}).error().code == ErrorCode::unknown_market);
    CHECK(w.engine.digest() == digest);
    w.now_ms = w.expiry_ms + 5'000;
    w.mark("63333");  // payoff 3,333 USDC
    REQUIRE(w.engine.mark(call) == price("3333").raw());

    const std::int64_t buyer_before = w.engine.collateral(buyer).atoms();
    const std::int64_t writer_before = w.engine.collateral(writer).atoms();
    const std::int64_t spread_before = w.engine.collateral(spread).atoms();
    const auto cost = [&](AccountId a) { return w.engine.position(a, call).cost; };
    const std::int64_t buyer_cost = cost(buyer), writer_cost = cost(writer), spread_cost = cost(spread);
    const std::int64_t dust_before = w.engine.ledger().balance_of(Place::dust()).atoms();
    const auto report = w.engine.settle_expired_series(call).value();
    w.check_all_markets();
    CHECK(report.holders == 3);
    CHECK(report.payoff == price("3333").raw());
    // Each closes at size x 3,333 rounded against it: the long side down, the short side up.
    const std::int64_t buyer_value = 133'333'334LL * 3'333 / 100;                // 4,444,000,022.22 -> down
    const std::int64_t writer_value = -((111'111'112LL * 3'333 + 99) / 100);    // 3,703,333,362.96 -> up
    const std::int64_t spread_value = -((22'222'222LL * 3'333 + 99) / 100);     // 740,666,659.26 -> up
    CHECK(w.engine.collateral(buyer).atoms() == buyer_before + buyer_value - buyer_cost);
    CHECK(w.engine.collateral(writer).atoms() == writer_before + writer_value - writer_cost);
    CHECK(w.engine.collateral(spread).atoms() == spread_before + spread_value - spread_cost);
    const std::int64_t residue = -(buyer_value + writer_value + spread_value);
    CHECK(residue == 1);  // 0.22 + 0.04 + 0.74 of an atom, each in the protocol's favour
    CHECK(report.dust.atoms() == residue);
    CHECK(w.engine.ledger().balance_of(Place::dust()).atoms() == dust_before + residue);
    CHECK(size(buyer) == 0);
    CHECK(size(writer) == 0);
    CHECK(size(spread) == 0);
    CHECK(w.engine.open_interest(call) == 0);
    // Settled once: again, nothing to close.
    CHECK(w.engine.settle_expired_series(call).value().holders == 0);
    w.check_all_markets();
}

TEST_CASE("a writer who cannot pay its settlement is liquidated first; then the series settles", "[options][engine][settlement]") {
    OptionWorld w;
    w.engine.fund_deposit(usdc("100000")).value();
    const AccountId buyer = w.account("100000");
    const AccountId writer = w.account("12000");
    const AccountId keeper = w.account("1000000");
    w.trade_option(buyer, writer, "1", "1300");
    w.now_ms = w.expiry_ms + 1'000;
    w.mark("80000");  // the 66,000 call pays 14,000: the writer holds 12,000 + 1,300 of premium
    std::uint64_t digest = w.engine.digest();
    CHECK(w.engine.settle_expired_series(w.call).error().code == ErrorCode::insufficient_collateral);
    CHECK(w.engine.digest() == digest);
    REQUIRE(w.engine.is_liquidatable(writer));
    const auto liquidation = w.engine.liquidate(writer, keeper).value();
    CHECK(liquidation.deficit.is_positive());  // 700 short, paid by the fund
    CHECK(liquidation.fund_paid == liquidation.deficit);
    w.check_all_markets();
    const std::int64_t buyer_before = w.engine.collateral(buyer).atoms();
    const auto report = w.engine.settle_expired_series(w.call).value();
    CHECK(report.holders == 2);  // the buyer and the keeper, who took the short over
    CHECK(w.engine.collateral(buyer).atoms() == buyer_before + 14'000'000'000 - 1'300'000'000);
    w.check_all_markets();
}

// Settlement from gains held elsewhere: a holder whose loss exceeds its collateral (a covered
// call's gain sits in its perpetual) has that gain realised inside the settlement's plan, never
// more than the shortfall, from positions in open markets with fresh marks only.
TEST_CASE("a covered call's writer settles from its perpetual's gain, realised in the same plan", "[options][engine][settlement]") {
    OptionWorld w;
    const AccountId buyer = w.account("100000");
    const AccountId writer = w.account("8000");
    const AccountId perp_short = w.account("100000");
    w.trade(writer, perp_short, "1", "60000");
    w.trade_option(buyer, writer, "1", "1300");
    w.now_ms = w.expiry_ms + 1'000;
    w.mark("80000");  // the call pays 14,000; the perpetual gained 20,000
    REQUIRE(w.engine.mark(w.call) == price("14000").raw());
    const AccountSummary<USDC> before = w.summary(writer);
    CHECK(before.equity == usdc("8000") + usdc("20000") + usdc("1300") - usdc("14000"));
    CHECK(!before.liquidatable);
    const std::int64_t perp_cost = w.engine.position(writer, w.market).cost;

    // The perpetual halted: its gain cannot be realised; refused, nothing changed.
    w.engine.set_market_status(w.market, MarketStatus::halted).value();
    const std::uint64_t digest = w.engine.digest();
    CHECK(w.engine.settle_expired_series(w.call).error().code == ErrorCode::insufficient_collateral);
    CHECK(w.engine.digest() == digest);
    w.engine.set_market_status(w.market, MarketStatus::active).value();

    const auto report = w.engine.settle_expired_series(w.call).value();
    CHECK(report.holders == 2);
    w.check_all_markets();
    // The writer pays 14,000 - 1,300 = 12,700 from 8,000 of collateral and 4,700 of the
    // perpetual's gain, realised: its cost rises by exactly that much, its size is unchanged.
    CHECK(w.engine.collateral(writer) == usdc("0"));
    CHECK(w.engine.position(writer, w.market).size == 100'000'000);
    CHECK(w.engine.position(writer, w.market).cost == perp_cost + 4'700'000'000);
    CHECK(w.engine.position(writer, w.call).size == 0);
    CHECK(w.summary(writer).equity == before.equity);  // settlement moves no value, only where it sits
    CHECK(report.realised_from_other_positions == Amount<USDC, Int128>(Int128(4'700'000'000)));
    CHECK(w.engine.collateral(buyer) == usdc("100000") - usdc("1300") + usdc("14000"));
}

// The gain realised is what the shortfall needs, from no position whose mark is stale; a holder
// whose gains all sit in stale markets still blocks settlement (until it deposits or the mark
// comes back).
TEST_CASE("settlement realises no gain at a stale mark", "[options][engine][settlement]") {
    OptionWorld w;
    MarketConfig eth = test_market();
    const MarketId other = w.engine.add_market<BTC>(eth).value();
    w.engine.set_mark(other, price("60000"), Timestamp{w.now_ms}).value();
    const AccountId buyer = w.account("100000");
    const AccountId writer = w.account("10000");
    const AccountId counterparty = w.account("100000");
    w.engine.trade(other, writer, counterparty, btc("1"), price("60000")).value();
    w.trade_option(buyer, writer, "1", "1300");
    w.engine.set_mark(other, price("80000"), Timestamp{w.now_ms + 500}).value();  // +20,000 in the other perpetual
    w.now_ms = w.expiry_ms + 1'000;  // its mark, set long before, is stale now
    w.mark("80000");
    const std::uint64_t digest = w.engine.digest();
    CHECK(w.engine.settle_expired_series(w.call).error().code == ErrorCode::insufficient_collateral);
    CHECK(w.engine.digest() == digest);
    w.engine.set_mark(other, price("80000"), Timestamp{w.now_ms}).value();  // fresh again
    const auto report = w.engine.settle_expired_series(w.call).value();
    CHECK(report.realised_from_other_positions == Amount<USDC, Int128>(Int128(2'700'000'000)));  // 12,700 - 10,000
    CHECK(w.engine.collateral(writer) == usdc("0"));
    w.check_all_markets();
}

// A third review's findings: after expiry a series kept trading (a position opened after
// settlement, at any price, with no margin), and a halted expired series blocked the liquidation
// of a writer who could not pay (so neither settlement nor liquidation could go on).
TEST_CASE("options regression: an expired series only winds down, halted or not", "[options][engine][settlement]") {
    OptionWorld w;
    w.engine.fund_deposit(usdc("100000")).value();
    const AccountId buyer = w.account("100000");
    const AccountId writer = w.account("12000");
    const AccountId other = w.account("100000");
    const AccountId keeper = w.account("1000000");
    w.trade_option(buyer, writer, "1", "1300");
    w.trade_option(other, buyer, "0.5", "1300");  // the buyer sells half on
    w.now_ms = w.expiry_ms + 1'000;
    w.mark("80000");  // payoff 14,000
    // Opening or adding is refused; reducing at the payoff is not.
    CHECK(w.engine.trade(w.call, other, keeper, btc("1"), price("14000")).error().code == ErrorCode::market_reduce_only);
    w.engine.trade(w.call, writer, other, btc("0.1"), price("14000")).value();  // the writer buys back 0.1 from `other`
    // The venue halts the series; the writer cannot pay its settlement, and is still liquidated.
    w.engine.set_market_status(w.call, MarketStatus::halted).value();
    CHECK(w.engine.settle_expired_series(w.call).error().code == ErrorCode::insufficient_collateral);
    REQUIRE(w.engine.is_liquidatable(writer));
    const auto liquidation = w.engine.liquidate(writer, keeper).value();
    CHECK(liquidation.full);
    w.check_all_markets();
    const auto report = w.engine.settle_expired_series(w.call).value();
    CHECK(report.holders == 3);  // buyer, other, keeper
    w.check_all_markets();
    // Settled: nothing reopens.
    w.engine.set_market_status(w.call, MarketStatus::active).value();
    CHECK(w.engine.trade(w.call, buyer, other, btc("1"), price("20000")).error().code == ErrorCode::market_reduce_only);
    CHECK(w.engine.open_interest(w.call) == 0);
}

TEST_CASE("a journal of option commands replays to the same engine", "[options][engine][journal]") {
    using Journal = BasicVectorJournal<EngineCommand>;
    using Engine = MarginEngine<EngineFund<Haircut>, NullJournal, Journal>;
    Engine engine = Engine::create(EngineLimits{16, 8, 4}, {}, {}, Haircut{}, NullJournal{}, Journal{}).value();
    const MarketId perp = engine.add_market<BTC>(perpetual_with_options()).value();
    const MarketId put = engine.add_market<BTC>(option_series(OptionKind::put, "58000", 10 * day_ms)).value();
    const AccountId a = engine.open_account().value();
    const AccountId b = engine.open_account().value();
    engine.deposit(a, usdc("50000")).value();
    engine.deposit(b, usdc("50000")).value();
    engine.set_mark(perp, price("60000"), Timestamp{1'000}).value();
    engine.set_option_volatility(put, Ppm{650'000}).value();
    engine.trade(put, a, b, btc("1.5"), price("1500")).value();
    engine.set_mark(perp, price("57000"), Timestamp{2'000}).value();
    engine.set_option_volatility(put, Ppm{800'000}).value();
    engine.set_mark(perp, price("55000"), Timestamp{10 * day_ms}).value();  // at expiry: the payoff
    REQUIRE(engine.settle_expired_series(put).value().holders == 2);

    Engine replayed = Engine::create(EngineLimits{16, 8, 4}, {}, {}, Haircut{}, NullJournal{}, Journal{}).value();
    REQUIRE(replay_commands(engine.command_journal().entries(), engine.command_seal(), replayed).has_value());
    CHECK(replayed.digest() == engine.digest());
    CHECK(replayed.mark(put) == engine.mark(put));
}

// A second review's counterexamples, each broken before its fix.
TEST_CASE("options regression: closing a hedge leg is margin-checked", "[options][engine]") {
    // A bear call spread (short the 60,000 call, long the 61,000) needs about 600; selling the long
    // leg "reduces" a position but leaves a naked short call, which the engine had let through
    // unchecked, leaving the account liquidatable right after a trade it accepted.
    OptionWorld w;
    const MarketId atm = w.engine.add_market<BTC>(option_series(OptionKind::call, "60000", w.expiry_ms)).value();
    const MarketId otm = w.engine.add_market<BTC>(option_series(OptionKind::call, "61000", w.expiry_ms)).value();
    w.engine.set_option_volatility(atm, Ppm{500'000}).value();
    w.engine.set_option_volatility(otm, Ppm{500'000}).value();
    const AccountId a = w.account("3900");
    const AccountId maker = w.account("1000000");
    w.engine.trade(otm, a, maker, btc("1"), price("3000")).value();
    w.engine.trade(atm, maker, a, btc("1"), price("3400")).value();
    CHECK(!w.engine.is_liquidatable(a));
    const std::uint64_t before = w.engine.digest();
    CHECK(w.engine.trade(otm, maker, a, btc("1"), price("3000")).error().code == ErrorCode::insufficient_margin);
    CHECK(w.engine.digest() == before);
    // Closing the short leg (which lowers the requirement) stays free of the initial check.
    CHECK(w.engine.trade(atm, a, maker, btc("1"), price("3400")).has_value());
}

TEST_CASE("options regression: a series cannot block its underlying's marks", "[options][engine]") {
    // A put whose position limit times its strike passes int64 max / 8 once made every later
    // underlying mark fail ("an option's mark too large"), so the perpetual went stale.
    OptionWorld w;
    MarketConfig wide = option_series(OptionKind::put, "30000", w.expiry_ms);
    wide.position_max = 1'000'000'000'000'000'000;
    CHECK(w.engine.add_market<BTC>(wide).error().code == ErrorCode::invalid_market_config);
    MarketConfig stale = option_series(OptionKind::put, "30000", w.expiry_ms);
    stale.staleness_max_ms = 10 * 60'000;  // staler than its underlying allows
    CHECK(w.engine.add_market<BTC>(stale).error().code == ErrorCode::invalid_market_config);
    w.mark("25000");
    CHECK(w.engine.mark(w.market) == price("25000").raw());
}

TEST_CASE("options regression: no volatility fixes a payoff after expiry", "[options][engine]") {
    // After expiry, set_option_volatility fixed the payoff at the underlying's last mark from
    // before expiry (a caller could choose the settlement price).
    OptionWorld w;
    w.mark("70000");
    w.engine.advance_time(Timestamp{w.expiry_ms + 1}).value();
    CHECK(w.engine.set_option_volatility(w.call, Ppm{500'000}).error().code == ErrorCode::invalid_argument);
    w.now_ms = w.expiry_ms + 1;
    w.mark("50000");
    CHECK(w.engine.mark(w.call) == 0);  // the first mark at or after expiry: 50,000 < 66,000
}

TEST_CASE("options regression: a large perpetual keeps its tiers' surcharge beside an option", "[options][engine]") {
    // 5% / 3% up to 1M USDC of notional, 40% / 25% above: 100 BTC long at 60,000 (6M) needs
    // 1,280,000; one lot of a far call had replaced all of it by the 8% scan range (504,000).
    MarketConfig tiered = perpetual_with_options();
    tiered.tier_count = 2;
    tiered.tiers[0] = MarginTier{1'000'000'000'000, Ppm{50'000}, Ppm{30'000}};
    tiered.tiers[1] = MarginTier{std::numeric_limits<std::int64_t>::max(), Ppm{400'000}, Ppm{250'000}};
    EngineWorld<Haircut> w(Haircut{}, EngineLimits{64, 8, 8}, tiered);
    const MarketId far = w.engine.add_market<BTC>(option_series(OptionKind::call, "200000", 1'000 + 30 * day_ms)).value();
    w.mark("60000");
    w.engine.set_option_volatility(far, Ppm{500'000}).value();
    const AccountId whale = w.account("5000000");
    const AccountId other = w.account("50000000");
    w.trade(whale, other, "100", "60000");
    const std::int64_t tiers_only = w.summary(whale).maintenance_requirement.atoms();
    CHECK(tiers_only == 1'280'000'000'000);
    w.engine.trade(far, whale, other, btc("0.001"), price("0.01")).value();
    CHECK(w.summary(whale).maintenance_requirement.atoms() >= tiers_only - 6'000'000'000'000 * 3 / 100 + 480'000'000'000);
}

TEST_CASE("options regression: ADL never leaves an option-holding bearer below maintenance", "[options][engine]") {
    // D writes a naked 60,000 call to B, who sells a 61,000 call (a bull spread). At 72,000 D is
    // liquidated with a deficit; ADL closed B's long 60,000 call for a charge of 0 and left B a
    // naked short 61,000 call, liquidatable. Such a bearer is now passed over.
    using Adl = socialized_loss::RankedAdl<USDC>;
    EngineWorld<Adl> w(Adl{500}, EngineLimits{64, 8, 8}, perpetual_with_options());
    const std::int64_t expiry = 1'000 + 30 * day_ms;
    const MarketId c60 = w.engine.add_market<BTC>(option_series(OptionKind::call, "60000", expiry)).value();
    const MarketId c61 = w.engine.add_market<BTC>(option_series(OptionKind::call, "61000", expiry)).value();
    w.mark("60000");
    w.engine.set_option_volatility(c60, Ppm{500'000}).value();
    w.engine.set_option_volatility(c61, Ppm{500'000}).value();
    const AccountId b = w.account("4300");
    const AccountId d = w.account("7000");
    const AccountId x = w.account("1000000");
    const AccountId keeper = w.account("1000000");
    w.engine.trade(c60, b, d, btc("1"), price("3428")).value();
    w.engine.trade(c61, x, b, btc("1"), price("2979")).value();
    w.mark("72000");
    REQUIRE(w.engine.is_liquidatable(d));
    REQUIRE(!w.engine.is_liquidatable(b));
    const auto report = w.engine.liquidate(d, keeper).value();
    CHECK(report.deficit.is_positive());
    CHECK(!w.engine.is_liquidatable(b));
    CHECK(w.engine.ledger().audit().balanced());
}

// OptionMarginTerms::options_exempt_from_adl: a naked call writer defaults beyond an empty fund;
// with the exemption the call's holder keeps its whole gain and the remainder is uncovered;
// without it the haircut takes it from that holder. Money is conserved either way.
TEST_CASE("options exempt from ADL: a series' holders bear no socialized loss", "[options][engine][adl]") {
    for (const bool exempt : {false, true}) {
        MarketConfig underlying = perpetual_with_options();
        underlying.option_margin.options_exempt_from_adl = exempt;
        EngineWorld<Haircut> w(Haircut{}, EngineLimits{64, 8, 8}, underlying);
        const std::int64_t expiry = 1'000 + 30 * day_ms;
        const MarketId call = w.engine.add_market<BTC>(option_series(OptionKind::call, "60000", expiry)).value();
        w.mark("60000");
        w.engine.set_option_volatility(call, Ppm{500'000}).value();
        const AccountId holder = w.account("100000");
        const AccountId writer = w.account("9000");
        const AccountId keeper = w.account("1000000");
        w.engine.trade(call, holder, writer, btc("1"), price("3428")).value();
        w.mark("75000");  // the call is worth ~15,000: the writer owes far more than it holds
        REQUIRE(w.engine.is_liquidatable(writer));
        const std::int64_t holder_equity = w.summary(holder).equity.atoms();
        const auto report = w.engine.liquidate(writer, keeper).value();
        INFO("exempt " << exempt);
        REQUIRE(report.remainder.is_positive());  // no fund: the whole deficit goes on
        if (exempt) {
            CHECK(report.socialized.atoms() == 0);
            CHECK(report.allocation_count == 0);
            CHECK(report.uncovered == report.remainder);
            CHECK(w.summary(holder).equity.atoms() == holder_equity);  // its gain untouched
            CHECK(w.engine.uncovered_total().atoms() == report.uncovered.atoms());
        } else {
            CHECK(report.socialized.is_positive());
            CHECK(w.summary(holder).equity.atoms() < holder_equity);  // the haircut took from its gain
        }
        CHECK(w.engine.ledger().audit().balanced());
        CHECK(w.engine.position(writer, call).size == 0);
    }
}

// A review's counterexample: a defaulter long the perpetual beside a near delta-neutral pair of
// deep in-the-money exempt options (whose premiums are the largest closed notional) sent the
// perpetual's loss to `uncovered` while the perpetual's short kept its whole gain. The defaulting
// market is now the largest close among markets whose holders may bear the loss.
TEST_CASE("options regression: an exempt series does not shield a perpetual's default", "[options][engine][adl]") {
    MarketConfig underlying = perpetual_with_options();
    underlying.option_margin.options_exempt_from_adl = true;
    EngineWorld<Haircut> w(Haircut{}, EngineLimits{64, 8, 8}, underlying);
    const std::int64_t expiry = 1'000 + 30 * day_ms;
    const MarketId call = w.engine.add_market<BTC>(option_series(OptionKind::call, "10000", expiry)).value();
    const MarketId put = w.engine.add_market<BTC>(option_series(OptionKind::put, "70000", expiry)).value();
    w.mark("60000");
    w.engine.set_option_volatility(call, Ppm{500'000}).value();
    w.engine.set_option_volatility(put, Ppm{500'000}).value();
    const AccountId d = w.account("60000");
    const AccountId perp_short = w.account("200000");
    const AccountId call_writer = w.account("400000");
    const AccountId put_writer = w.account("400000");
    const AccountId keeper = w.account("5000000");
    w.trade(d, perp_short, "3", "60000");
    w.engine.trade(put, d, put_writer, btc("5"), BtcPrice::from_raw(w.engine.mark(put) / 10'000 * 10'000)).value();
    w.engine.trade(call, d, call_writer, btc("5"), BtcPrice::from_raw(w.engine.mark(call) / 10'000 * 10'000)).value();
    const std::int64_t short_before = w.summary(perp_short).equity.atoms();
    for (const char* m : {"55000", "50000", "45000", "41000"}) w.mark(m);
    REQUIRE(w.engine.is_liquidatable(d));
    const auto r = w.engine.liquidate(d, keeper).value();
    REQUIRE(r.remainder.is_positive());
    CHECK(r.uncovered.atoms() == 0);           // (was the whole remainder)
    CHECK(r.socialized == r.remainder);        // taken from the perpetual's winner
    CHECK(w.summary(perp_short).equity.atoms() - short_before < 3 * 19'000'000'000LL);  // less than its whole gain
    CHECK(w.engine.collateral(call_writer) == usdc("400000"));  // the exempt series' holders bear nothing
    CHECK(w.engine.collateral(put_writer) == usdc("400000"));
    CHECK(w.engine.ledger().audit().balanced());
}

// The third review's counterexample to the fix above: a writer short an exempt put added 0.001
// BTC of the perpetual, and the put's whole loss went to the perpetual's holders. The defaulting
// market is now chosen in the group (exempt series, or the rest) whose net realised loss is the
// larger: the put's.
TEST_CASE("options regression: a small perpetual leg does not move an exempt series' loss", "[options][engine][adl]") {
    for (const bool tiny : {false, true}) {
        MarketConfig underlying = perpetual_with_options();
        underlying.option_margin.options_exempt_from_adl = true;
        EngineWorld<Haircut> w(Haircut{}, EngineLimits{64, 8, 8}, underlying);
        const MarketId put = w.engine.add_market<BTC>(option_series(OptionKind::put, "60000", 1'000 + 30 * day_ms)).value();
        w.mark("60000");
        w.engine.set_option_volatility(put, Ppm{500'000}).value();
        const AccountId writer = w.account("9000");
        const AccountId maker = w.account("1000000");
        const AccountId keeper = w.account("1000000");
        const AccountId perp_long = w.account("100000");
        const AccountId perp_short = w.account("100000");
        w.trade(perp_long, perp_short, "1", "60000");
        w.engine.trade(put, maker, writer, btc("1"), BtcPrice::from_raw(w.engine.mark(put) / 10'000 * 10'000)).value();
        if (tiny) w.trade(writer, maker, "0.001", "60000");
        w.mark("42000");
        REQUIRE(w.engine.is_liquidatable(writer));
        const auto r = w.engine.liquidate(writer, keeper).value();
        INFO("with a tiny perpetual leg: " << tiny);
        REQUIRE(r.remainder.is_positive());
        CHECK(r.socialized.atoms() == 0);
        CHECK(r.uncovered == r.remainder);
        CHECK(w.engine.collateral(perp_short) == usdc("100000"));  // the perpetual's winner bore nothing
        CHECK(w.engine.ledger().audit().balanced());
    }
}

// Random option books in the engine: one perpetual listing a call and a put of two expiries,
// ten accounts trading the perpetual and the series at prices near their marks, the underlying
// walking (gaps of up to 15%), volatilities changing, time passing the first expiry, and sweeps
// liquidating what the scan finds. After every operation: money conserved, every market
// zero-sum, pnl_pool + costs = -uncovered; every account's maintenance equal to the portfolio
// requirement recomputed here from its positions (a reference grouping of its own); the scan
// equal to is_liquidatable; a liquidated option book left empty or back at its initial
// requirement; a refused operation changing nothing. Two of the four series are premium-style.
TEST_CASE("random option books keep every promise after every operation", "[options][engine][portfolio_margin]") {
    const int operations = GENERATE(0, 1, 2);  // three worlds
    testing::TestRandom d{static_cast<std::uint64_t>(1000 + operations)};
    EngineWorld<Haircut> w(Haircut{}, EngineLimits{32, 6, 8}, perpetual_with_options());
    w.engine.fund_deposit(usdc("200000")).value();
    const std::int64_t near = 1'000 + 5 * day_ms, far = 1'000 + 40 * day_ms;
    const std::array<MarketId, 4> series = {
        w.engine.add_market<BTC>(option_series(OptionKind::call, "63000", near)).value(),
        w.engine.add_market<BTC>(premium_style(option_series(OptionKind::put, "57000", near))).value(),
        w.engine.add_market<BTC>(premium_style(option_series(OptionKind::call, "60000", far))).value(),
        w.engine.add_market<BTC>(option_series(OptionKind::put, "60000", far)).value()};
    std::int64_t forward = 60'000'000'000;
    w.now_ms += 1'000;
    w.engine.set_mark(w.market, BtcPrice::from_raw(forward), Timestamp{w.now_ms}).value();
    for (MarketId m : series) w.engine.set_option_volatility(m, Ppm{600'000}).value();
    std::vector<AccountId> accounts;
    for (int i = 0; i < 10; ++i) accounts.push_back(w.account(i < 2 ? "2000000" : "20000"));
    const AccountId keeper = w.account("5000000");
    const PortfolioMargin reference = reference_model();

    auto check_world = [&]() {
        CHECK(w.engine.ledger().audit().balanced());
        detail::int128 cost_sum = 0;
        for (std::uint32_t m = 0; m < w.engine.market_count(); ++m) {
            detail::int128 size_sum = 0;
            for (std::uint32_t a = 0; a < w.engine.ledger().account_count(); ++a) {
                size_sum += w.engine.position(AccountId{a}, MarketId{m}).size;
                cost_sum += w.engine.position(AccountId{a}, MarketId{m}).cost;
            }
            REQUIRE(size_sum == 0);
        }
        REQUIRE(w.engine.ledger().balance_of(Place::pnl_pool()).atoms() + cost_sum +
                    static_cast<detail::int128>(w.engine.uncovered_total().atoms()) ==
                0);
        // The reference requirement: the perpetual and the live series of each account.
        for (std::uint32_t a = 0; a < w.engine.ledger().account_count(); ++a) {
            std::array<OptionHolding, 4> held{};
            std::size_t n = 0;
            for (MarketId m : series) {
                const auto p = w.engine.position(AccountId{a}, m);
                const detail::MarketState& state = w.engine.view().markets[m.value];
                if (p.size == 0 || state.option_expired) continue;
                held[n++] = OptionHolding{state.config.option.kind, static_cast<double>(state.config.option.strike),
                                          static_cast<double>(state.config.option.expiry_ms - w.now_ms) / (365.0 * day_ms),
                                          static_cast<double>(p.size), state.option_volatility};
            }
            const auto perp = w.engine.position(AccountId{a}, w.market);
            std::int64_t expected = 0;
            if (n > 0) {
                const PortfolioRequirement r =
                    reference
                        .requirement(OptionPortfolio{static_cast<double>(w.engine.mark(w.market)),
                                                     static_cast<double>(perp.size), Span<const OptionHolding>(held.data(), n)})
                        .value();
                expected = requirement_atoms(r, 1e-8).value();
            } else if (perp.size != 0) {
                expected = w.engine.summary(AccountId{a}).value().maintenance_requirement.atoms();  // tiers: engine_world's tests
            }
            INFO("account " << a);
            REQUIRE(w.summary(AccountId{a}).maintenance_requirement.atoms() == expected);
        }
        std::array<AccountId, 64> found{};
        const Span<AccountId> listed = w.engine.liquidatable_accounts(Span<AccountId>(found.data(), found.size()));
        std::size_t k = 0;
        for (std::uint32_t a = 0; a < w.engine.ledger().account_count(); ++a) {
            if (w.engine.is_liquidatable(AccountId{a})) REQUIRE((k < listed.size() && listed[k++].value == a));
        }
        REQUIRE(k == listed.size());
    };

    int liquidated = 0, option_trades = 0, refused = 0, partial_option_liquidations = 0;
    std::uint32_t settled = 0;  // positions closed by settlement
    for (int step = 0; step < 1500; ++step) {
        const double u = d.uniform(0, 1);
        const AccountId a = accounts[d.next() % accounts.size()];
        const AccountId b = accounts[d.next() % accounts.size()];
        const std::uint64_t digest = w.engine.digest();
        if (u < 0.45) {  // a trade, on the perpetual or a series, near the mark, on the tick
            const bool option = d.uniform(0, 1) < 0.7;
            const MarketId m = option ? series[d.next() % series.size()] : w.market;
            const std::int64_t tick = option ? 10'000 : 1'000'000;
            const std::int64_t mark = w.engine.mark(m);
            const std::int64_t price = std::max<std::int64_t>(tick, (static_cast<std::int64_t>(
                static_cast<double>(mark) * d.uniform(0.97, 1.03)) / tick) * tick);
            const std::int64_t size = static_cast<std::int64_t>(1 + d.next() % 20) * 10'000'000;  // 0.1 to 2 BTC
            const auto r = w.engine.trade(m, a, b, Btc(size), BtcPrice::from_raw(price));
            if (r) option_trades += option ? 1 : 0;
            if (!r) {
                ++refused;
                REQUIRE(w.engine.digest() == digest);
            }
        } else if (u < 0.75) {  // the underlying moves, sometimes by a gap
            const double move = d.uniform(0, 1) < 0.1 ? d.uniform(-0.15, 0.15) : d.uniform(-0.02, 0.02);
            forward = std::max<std::int64_t>(1'000'000'000, (static_cast<std::int64_t>(static_cast<double>(forward) * (1 + move)) / 1'000'000) * 1'000'000);
            w.now_ms += static_cast<std::int64_t>(d.next() % (2 * 3'600'000));  // up to two hours
            w.engine.set_mark(w.market, BtcPrice::from_raw(forward), Timestamp{w.now_ms}).value();
        } else if (u < 0.79) {  // a settlement: refused before the payoff is fixed or if a holder cannot pay
            const MarketId m = series[d.next() % series.size()];
            const auto r = w.engine.settle_expired_series(m);
            if (r) {
                settled += r->holders;
                for (std::uint32_t a = 0; a < w.engine.ledger().account_count(); ++a) REQUIRE(w.engine.position(AccountId{a}, m).size == 0);
            } else {
                ++refused;
                REQUIRE(w.engine.digest() == digest);
            }
        } else if (u < 0.82) {  // a new volatility, or a refused one
            const MarketId m = series[d.next() % series.size()];
            const bool bad = d.uniform(0, 1) < 0.2;
            const auto r = w.engine.set_option_volatility(m, Ppm{bad ? 50 : 300'000 + static_cast<std::int64_t>(d.next() % 900'000)});
            if (!r) {
                ++refused;
                REQUIRE(w.engine.digest() == digest);
            }
        } else {  // a sweep: the keeper liquidates what the scan finds
            std::array<AccountId, 64> found{};
            for (AccountId victim : w.engine.liquidatable_accounts(Span<AccountId>(found.data(), found.size()))) {
                if (victim == keeper) continue;
                const bool had_options = detail::holds_live_option(w.engine.view(), victim);
                const auto report = w.engine.liquidate(victim, keeper);
                if (!report) {
                    ++refused;
                    continue;
                }
                ++liquidated;
                if (had_options && report->full) {
                    for (MarketId m : series) CHECK(w.engine.position(victim, m).size == 0);
                } else if (had_options) {  // by risk reduction: restored to the initial requirement
                    ++partial_option_liquidations;
                    const AccountSummary<USDC> after = w.summary(victim);
                    CHECK(after.equity >= after.initial_requirement);
                }
            }
        }
        check_world();
    }
    CHECK(option_trades > 100);
    CHECK(liquidated > 0);
    CHECK(settled > 0);
    WARN("world " << operations << ": " << option_trades << " option trades, " << liquidated << " liquidations ("
                  << partial_option_liquidations << " of option books by risk reduction), "
                  << settled << " positions settled, " << refused << " refusals; first expiry "
                  << (w.now_ms > near ? "passed" : "not reached"));
}

}  // namespace test_engine_option_engine_test
