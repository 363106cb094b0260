// Portfolio margin allocates nothing per account (issue 18, must-show 5): once the model exists
// (its surface's vectors), requirement(), estimate(), covers() and per_position_requirement() on
// books of ten options, and their refusals, run in the model's and the caller's storage.
#include <backstop/engine/options/black76.hpp>
#include <backstop/engine/options/portfolio_margin.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>

#include "allocation_counter.hpp"

using namespace backstop;

TEST_CASE("portfolio margin does not allocate", "[options][portfolio_margin][alloc]") {
    const VolatilitySurface surface =
        VolatilitySurface::create({0.05, 0.5}, {80, 100, 120}, {0.8, 0.6, 0.7, 0.6, 0.5, 0.55}).value();
    const PortfolioMargin model =
        PortfolioMargin::create(ScenarioGrid::span_style(0.08, 0.10).value(), surface, PortfolioMarginConfig{0.01})
            .value();
    std::array<OptionHolding, 10> book{};
    for (std::size_t i = 0; i < book.size(); ++i) {
        book[i] = OptionHolding{i % 2 == 0 ? OptionKind::call : OptionKind::put, 80.0 + 4.0 * static_cast<double>(i),
                                0.02 + 0.1 * static_cast<double>(i), i % 3 == 0 ? -2.0 : 1.0};
    }
    const OptionHolding bad[] = {{OptionKind::call, -1.0, 0.1, 1.0}};

    const std::uint64_t before = testing::allocation_count();
    double sum = 0;
    int refused = 0;
    for (int i = 0; i < 1'000; ++i) {
        const OptionPortfolio p{100.0 + 0.01 * i, 3.0 - 0.01 * i, book};
        sum += model.requirement(p).value().requirement;
        sum += model.estimate(p).value().error_bound;
        sum += model.covers(p, 5.0 + 0.01 * i).value() ? 1.0 : 0.0;
        sum += model.per_position_requirement(p).value();
        sum += requirement_atoms(sum, 1e6).value() > 0 ? 1.0 : 0.0;
        sum += black76_greeks(OptionKind::call, Black76Input{p.forward, 100, 0.5, 0.25, 0.0}).value().gamma;
        refused += !model.requirement(OptionPortfolio{100.0, 0.0, bad}).has_value();
        refused += !black76_greeks(OptionKind::put, Black76Input{}).has_value();
    }
    CHECK(testing::allocation_count() == before);
    CHECK(sum > 0);
    CHECK(refused == 2'000);
}

// The engine's option paths (issue 18's Scope): trades in a premium-style series, marks that
// re-price every series, liquidations of option books by risk reduction and whole, a takeover
// backed by the fund, and a settlement that realises a holder's gain elsewhere, all in the
// engine's storage sized when it was built.
#include <backstop/engine/margin_engine.hpp>
#include <backstop/engine/presets.hpp>
#include <backstop/fund/socialized_loss/pro_rata_haircut.hpp>
#include <backstop/money/assets.hpp>

namespace test_alloc_options_alloc_test {
using namespace backstop::assets;
using Fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                           socialized_loss::ProRataHaircut<USDC>>;
using Engine = MarginEngine<Fund>;
using Usdc = Amount<USDC>;
using BtcPrice = Price<BTC, USDC>;
constexpr std::int64_t usdc = 1'000'000;
constexpr std::int64_t one_btc = 100'000'000;
constexpr std::int64_t expiry_ms = 1'000 + 30 * 86'400'000LL;

MarketConfig option_market(MarketId underlying, OptionKind kind, std::int64_t strike, bool premium_style) {
    MarketConfig c = presets::dydx_v4::large_cap();
    c.lot_size = 100'000;
    c.tick_size = 10'000;
    c.staleness_max_ms = 60'000;
    c.option.is_option = true;
    c.option.kind = kind;
    c.option.underlying = static_cast<std::uint16_t>(underlying.value);
    c.option.strike = strike * usdc;
    c.option.expiry_ms = expiry_ms;
    c.option.premium_style = premium_style;
    c.liquidator_discount = Ppm{20'000};
    return c;
}

TEST_CASE("option books' trades, liquidations, backed takeovers and settlements do not allocate",
          "[options][engine][alloc]") {
    Engine engine = Engine::create(EngineLimits{64, 4, 4}, {}, {}, {}).value();
    MarketConfig perpetual = presets::dydx_v4::large_cap();
    perpetual.lot_size = 100'000;
    perpetual.tick_size = usdc;
    perpetual.staleness_max_ms = 60'000;
    perpetual.option_margin.price_scan_range = Ppm{80'000};
    perpetual.option_margin.volatility_scan_range = Ppm{100'000};
    perpetual.option_margin.short_option_minimum = Ppm{10'000};
    const MarketId market = engine.add_market<BTC>(perpetual).value();
    const MarketId call = engine.add_market<BTC>(option_market(market, OptionKind::call, 66'000, true)).value();
    const MarketId put = engine.add_market<BTC>(option_market(market, OptionKind::put, 54'000, false)).value();
    engine.set_mark(market, BtcPrice(60'000 * usdc), Timestamp{1'000}).value();
    engine.set_option_volatility(call, Ppm{500'000}).value();
    engine.set_option_volatility(put, Ppm{500'000}).value();
    engine.fund_deposit(Usdc(1'000'000 * usdc)).value();
    const AccountId buyer = engine.open_account().value();
    const AccountId keeper = engine.open_account().value();
    const AccountId backstop = engine.open_account().value();
    const AccountId covered = engine.open_account().value();
    engine.deposit(buyer, Usdc(10'000'000 * usdc)).value();
    engine.deposit(keeper, Usdc(10'000'000 * usdc)).value();
    engine.deposit(covered, Usdc(8'000 * usdc)).value();
    std::array<AccountId, 12> writers{};
    for (AccountId& writer : writers) {
        writer = engine.open_account().value();
        engine.deposit(writer, Usdc(6'000 * usdc)).value();
    }
    engine.trade(market, covered, buyer, Quantity<BTC>(one_btc), BtcPrice(60'000 * usdc)).value();  // a covered call's perpetual

    const std::uint64_t before = testing::allocation_count();
    bool ok = engine.trade(call, buyer, covered, Quantity<BTC>(one_btc), BtcPrice(1'300 * usdc)).has_value();
    for (const AccountId writer : writers) {
        ok = ok && engine.trade(call, buyer, writer, Quantity<BTC>(one_btc), BtcPrice(1'300 * usdc)).has_value();
        ok = ok && engine.trade(put, buyer, writer, Quantity<BTC>(one_btc), BtcPrice(900 * usdc)).has_value();
    }
    ok = ok && engine.set_mark(market, BtcPrice(56'000 * usdc), Timestamp{2'000}).has_value();
    ok = ok && engine.set_mark(market, BtcPrice(51'000 * usdc), Timestamp{3'000}).has_value();
    int partial = 0, liquidated = 0;
    for (std::size_t k = 0; k < writers.size(); ++k) {
        const Result<LiquidationReport<USDC>> r =
            k % 3 == 2 ? engine.liquidate(writers[k], backstop, {}, Usdc(20'000 * usdc)) : engine.liquidate(writers[k], keeper);
        liquidated += r.has_value() ? 1 : 0;
        partial += r.has_value() && !r->full ? 1 : 0;
    }
    // Expiry far above the call's strike: the covered writer pays from its perpetual's gain.
    ok = ok && engine.set_mark(market, BtcPrice(80'000 * usdc), Timestamp{expiry_ms + 1'000}).has_value();
    // The books still short the call cannot pay: the keeper liquidates them first.
    std::array<AccountId, 64> due{};
    for (const AccountId a : engine.liquidatable_accounts(Span<AccountId>(due.data(), due.size()))) {
        if (a != keeper) liquidated += engine.liquidate(a, keeper).has_value() ? 1 : 0;
    }
    const Result<SeriesSettlementReport<USDC>> puts = engine.settle_expired_series(put);
    const Result<SeriesSettlementReport<USDC>> calls = engine.settle_expired_series(call);
    const std::uint64_t after = testing::allocation_count();
    CHECK(after == before);
    CHECK(ok);
    CHECK(liquidated >= 12);
    CHECK(partial > 0);
    CHECK(puts.has_value());
    REQUIRE(calls.has_value());
    CHECK(calls->realised_from_other_positions.atoms() > 0);
}

}  // namespace test_alloc_options_alloc_test
