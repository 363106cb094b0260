// The engine's hot path does not allocate: after set-up, trades, mark updates, the liquidatable
// scan and liquidations (partial, full, with fund settlement and with auto-deleveraging or a
// haircut) perform zero heap allocations, round after round; so do its option paths (at the end).
#include <backstop/engine/margin_engine.hpp>
#include <backstop/engine/presets.hpp>
#include <backstop/fund/any_policy.hpp>
#include <backstop/money/assets.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <vector>

#include "allocation_counter.hpp"

using namespace backstop;
using namespace backstop::assets;

namespace {

using Usdc = Amount<USDC>;
Usdc usdc(const char* text) { return parse<Usdc>(text).value(); }
Price<BTC, USDC> price(const char* text) { return Price<BTC, USDC>::parse(text).value(); }
Quantity<BTC> btc(const char* text) { return Quantity<BTC>::parse(text).value(); }

template <class SocializedLoss>
std::uint64_t allocations_during_engine_rounds(SocializedLoss policy, std::uint64_t& liquidations,
                                               std::uint64_t& socializations, bool fees_and_isolation = false) {
    using Fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>, SocializedLoss>;
    auto engine = MarginEngine<Fund>::create(EngineLimits{32, 2, 2}, {}, {}, std::move(policy)).value();
    MarketConfig config = presets::dydx_v4::large_cap();
    config.lot_size = 100'000;
    if (fees_and_isolation) {  // fees on every trade, a fund of the market's own and a draw cap
        config.taker_fee = Ppm{500};
        config.maker_fee = Ppm{200};
        config.fee_to_fund = Ppm{500'000};
        config.shared_fund_draw_max = 1'000'000'000'000;
    }
    const MarketId market = engine.template add_market<BTC>(config).value();
    if (fees_and_isolation) (void)engine.isolate_market(market);
    std::array<AccountId, 7> ids{};
    for (auto& id : ids) id = engine.open_account().value();
    const AccountId maker = ids[0], alice = ids[1], bob = ids[2], s1 = ids[3], s2 = ids[4], s3 = ids[5], liquidator = ids[6];
    (void)engine.deposit(maker, usdc("100000000"));
    (void)engine.deposit(liquidator, usdc("100000000"));
    std::array<AccountId, 32> due{};
    std::vector<Allocation<USDC>> out(32);
    std::int64_t now = 1'000;

    const std::uint64_t before = testing::allocation_count();
    for (int round = 0; round < 200; ++round) {
        (void)engine.set_mark(market, price("50000"), Timestamp{now += 1'000});
        // (With fees, the taker's 5 bps of 20,000 on top of the initial margin.)
        (void)engine.deposit(alice, usdc(fees_and_isolation ? "1010" : "1000"));
        (void)engine.deposit(bob, usdc(fees_and_isolation ? "1010" : "1000"));
        (void)engine.deposit(s1, usdc("2000"));
        (void)engine.deposit(s2, usdc("10000"));
        (void)engine.deposit(s3, usdc("800"));
        (void)engine.fund_deposit(usdc("300"));
        if (fees_and_isolation) (void)engine.isolated_fund_deposit(market, usdc("100"));
        (void)engine.trade(market, maker, s1, btc("0.2"), price("52000"));
        (void)engine.trade(market, maker, s2, btc("0.2"), price("50000"));
        (void)engine.trade(market, maker, s3, btc("0.1"), price("51000"));
        (void)engine.trade(market, bob, maker, btc("0.4"), price("50000"));
        // Bob is partially liquidated at 48,700; back at 50,000 Alice buys, and a gap to 45,000
        // bankrupts her: the fund pays 300 and the rest is socialized.
        (void)engine.set_mark(market, price("48700"), Timestamp{now += 1'000});
        for (const AccountId id : engine.liquidatable_accounts(due)) {
            liquidations += engine.liquidate(id, liquidator, out).has_value();
        }
        (void)engine.set_mark(market, price("50000"), Timestamp{now += 1'000});
        (void)engine.trade(market, alice, maker, btc("0.4"), price("50000"));
        (void)engine.set_mark(market, price("45000"), Timestamp{now += 1'000});
        for (const AccountId id : engine.liquidatable_accounts(due)) {
            auto report = engine.liquidate(id, liquidator, out);
            liquidations += report.has_value();
            socializations += report.has_value() && report->remainder.is_positive();
        }
        // Flatten everyone against the maker for the next round.
        for (const AccountId id : {bob, s1, s2, s3, liquidator}) {
            const std::int64_t size = engine.position(id, market).size;
            if (size > 0) (void)engine.trade(market, maker, id, Quantity<BTC>(size), price("45000"));
            if (size < 0) (void)engine.trade(market, id, maker, Quantity<BTC>(-size), price("45000"));
        }
        (void)engine.update_funding(market, FundingDelta(1'000));
    }
    const std::uint64_t after = testing::allocation_count();
    CHECK(engine.ledger().audit().balanced());
    return after - before;
}

}  // namespace

TEST_CASE("trades, marks, scans and liquidations with fund and ADL do not allocate", "[engine][alloc]") {
    std::uint64_t liquidations = 0;
    std::uint64_t socializations = 0;
    CHECK(allocations_during_engine_rounds(socialized_loss::RankedAdl<USDC>(32), liquidations, socializations) == 0);
    CHECK(allocations_during_engine_rounds(socialized_loss::ProRataHaircut<USDC>{}, liquidations, socializations) == 0);
    CHECK(allocations_during_engine_rounds(socialized_loss::FundingSocialization<USDC>{}, liquidations, socializations) == 0);
    CHECK(allocations_during_engine_rounds(socialized_loss::AnySocializedLoss<USDC>(socialized_loss::RankedAdl<USDC>(32)),
                                           liquidations, socializations) == 0);
    // The rounds did what they claim: two liquidations each (Bob partial, Alice with bad debt).
    CHECK(liquidations >= 4 * 200 * 2);
    CHECK(socializations >= 4 * 200);
}

TEST_CASE("trades with fees and liquidations drawing on an isolated fund do not allocate", "[engine][alloc][fees][isolated]") {
    std::uint64_t liquidations = 0;
    std::uint64_t socializations = 0;
    CHECK(allocations_during_engine_rounds(socialized_loss::ProRataHaircut<USDC>{}, liquidations, socializations, true) == 0);
    CHECK(liquidations >= 200 * 2);
}

// The engine's option paths (issue 18's Scope): trades in a premium-style series, marks that
// re-price every series, liquidations of option books by risk reduction and whole, a takeover
// backed by the fund, and a settlement that realises a holder's gain elsewhere, all in the
// engine's storage sized when it was built.
namespace test_alloc_options_alloc_test {
using namespace backstop;
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
