// The engine's hot path does not allocate: after set-up, trades, mark updates, the liquidatable
// scan and liquidations (partial, full, with fund settlement and with auto-deleveraging or a
// haircut) perform zero heap allocations, round after round.
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
