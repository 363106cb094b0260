// Fund management components, ns per operation, each next to a peer measured in the same run:
//   staking     a stake, an unstake request + claim (each with the sync that accounts the fund's
//               revenue since the previous operation), against a plain ledger transfer
//   penalty     a dynamic-penalty update (EWMA, square root, bounds)
//   multi-asset a deficit paid by selling BTC then ETH (a plan, four transfers), against the
//               settlement ledger's transfer above
//   target      the fund target over 10^5 accounts, against the engine's liquidation scan over
//               the same book (both read every account once)
#include <backstop/engine/margin_engine.hpp>
#include <backstop/engine/presets.hpp>
#include <backstop/fund/socialized_loss/ranked_adl.hpp>
#include <backstop/ledger/ledger.hpp>
#include <backstop/management/dynamic_penalty.hpp>
#include <backstop/management/fund_staking.hpp>
#include <backstop/management/fund_target.hpp>
#include <backstop/management/multi_asset_fund.hpp>
#include <backstop/money/assets.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

using namespace backstop;
using namespace backstop::assets;

namespace {

using Usdc = Amount<USDC>;
using UsdcWide = Amount<USDC, Int128>;
constexpr std::int64_t plenty = 1'000'000'000'000'000;  // 1e9 USDC in atoms

struct StakedWorld {
    Ledger<USDC> ledger{LedgerLimits{2, 1, 1}};
    FundId fund = ledger.open_fund().value();
    FundStaking<USDC> staking;
    std::vector<StakerId> stakers;

    StakedWorld() {
        StakingConfig config;
        config.cooldown_ms = 0;
        config.protocol_revenue_share = Bps{2'000};
        staking = FundStaking<USDC>::open(ledger, fund, config, StakingLimits{64}).value();
        (void)staking.add_protocol_capital(ledger, Place::external(), UsdcWide(plenty), 0);
        for (int i = 0; i < 64; ++i) {
            stakers.push_back(staking.open_staker().value());
            (void)staking.stake(ledger, stakers.back(), Place::external(), UsdcWide(plenty / 64), 0);
        }
    }
};

void BM_ledger_transfer_floor(benchmark::State& state) {
    StakedWorld world;
    std::int64_t atoms = 1;
    for (auto _ : state) {
        auto r = world.ledger.transfer(Place::external(), Place::fund(world.fund), Usdc(atoms),
                                       TransferReason::penalty_to_fund);
        benchmark::DoNotOptimize(r);
        atoms = atoms % 1'000'003 + 1;
    }
}
BENCHMARK(BM_ledger_transfer_floor);

// A stake each iteration, after a fee into the fund (so every sync mints protocol shares).
void BM_staking_stake(benchmark::State& state) {
    StakedWorld world;
    std::int64_t now = 1;
    std::size_t k = 0;
    for (auto _ : state) {
        (void)world.ledger.transfer(Place::external(), Place::fund(world.fund), Usdc(1'000), TransferReason::penalty_to_fund);
        auto r = world.staking.stake(world.ledger, world.stakers[k], Place::external(), UsdcWide(1'000'000), now++);
        benchmark::DoNotOptimize(r);
        k = (k + 1) % world.stakers.size();
    }
}
BENCHMARK(BM_staking_stake);

// A request and its claim each iteration (two operations).
void BM_staking_request_and_claim(benchmark::State& state) {
    StakedWorld world;
    std::int64_t now = 1;
    std::size_t k = 0;
    for (auto _ : state) {
        auto r = world.staking.request_unstake(world.ledger, world.stakers[k], Shares(1'000), now);
        benchmark::DoNotOptimize(r);
        auto c = world.staking.claim(world.ledger, world.stakers[k], Place::external(), now++);
        benchmark::DoNotOptimize(c);
        k = (k + 1) % world.stakers.size();
    }
    state.SetItemsProcessed(2 * state.iterations());
}
BENCHMARK(BM_staking_request_and_claim);

void BM_multi_asset_raise(benchmark::State& state) {
    Ledger<USDC> ledger{LedgerLimits{1, 1, 1}};
    const Place place = Place::fund(ledger.open_fund().value());
    using Fund = MultiAssetFund<USDC, BTC, ETH>;
    Fund fund = Fund::open({HoldingConfig{Ppm{50'000}, Ppm{10'000}}, HoldingConfig{Ppm{100'000}, Ppm{20'000}}}, {0, 1})
                    .value();
    (void)fund.set_price(Price<BTC, USDC>::from_raw(50'000'000'000));
    (void)fund.set_price(Price<ETH, USDC>::from_raw(3'000'000'000));
    (void)fund.deposit(Amount<BTC>(10'000'000));                      // 0.1 BTC: 4,700 at the sale price
    (void)fund.deposit(Amount<ETH>(Int128(10) * pow10<Int128>(18)));  // 10 ETH
    for (auto _ : state) {
        auto r = fund.raise(ledger, place, Amount<USDC>(10'000'000'000));  // 10,000: all the BTC, then ETH
        benchmark::DoNotOptimize(r);
        // The holdings back (two more transfers in the figure), so that each iteration sells both.
        (void)fund.deposit(Amount<BTC>(static_cast<std::int64_t>(r->sales[0].sold_atoms)));
        (void)fund.deposit(Amount<ETH>(r->sales[1].sold_atoms));
    }
}
BENCHMARK(BM_multi_asset_raise);

void BM_dynamic_penalty_update(benchmark::State& state) {
    DynamicPenalty penalty = DynamicPenalty::open(DynamicPenaltyConfig{}).value();
    std::uint64_t x = 12345;
    for (auto _ : state) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        const std::int64_t mark = 50'000'000'000 + static_cast<std::int64_t>(x >> 40);  // +-1.7% around 50,000
        auto r = penalty.update(mark, Int128(static_cast<std::int64_t>(x >> 20)), Int128(1'000'000'000'000));
        benchmark::DoNotOptimize(r);
    }
}
BENCHMARK(BM_dynamic_penalty_update);

// 10^5 accounts, each long or short 0.01-0.5 BTC against one deep maker, on dYdX's parameters.
using Fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                           socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>>;
using Engine = MarginEngine<Fund>;
struct Book {
    Engine engine;
    MarketId market;
    explicit Book(std::uint32_t accounts)
        : engine(Engine::create(EngineLimits{accounts + 1, 2, 1}, presets::dydx_v4::fee_capture<USDC>(),
                                presets::dydx_v4::settlement<USDC>(),
                                socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>(accounts + 1))
                     .value()),
          market(engine.add_market<BTC>(presets::dydx_v4::large_cap()).value()) {
        const AccountId maker = engine.open_account().value();
        (void)engine.deposit(maker, Usdc(plenty));
        (void)engine.set_mark(market, Price<BTC, USDC>::from_raw(50'000'000'000), Timestamp{1});
        std::uint64_t x = 99;
        for (std::uint32_t i = 0; i < accounts; ++i) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            const AccountId a = engine.open_account().value();
            (void)engine.deposit(a, Usdc(1'000'000'000 + static_cast<std::int64_t>(x >> 34)));  // 1,000-2,000 USDC
            const Quantity<BTC> size(1'000'000 + static_cast<std::int64_t>((x >> 20) % 49'000'000));
            const Price<BTC, USDC> at = Price<BTC, USDC>::from_raw(50'000'000'000);
            if ((x >> 63) != 0) (void)engine.trade(market, a, maker, size, at);
            else (void)engine.trade(market, maker, a, size, at);
        }
    }
};

void BM_fund_target_compute(benchmark::State& state) {
    Book book(static_cast<std::uint32_t>(state.range(0)));
    FundTarget target = FundTarget::open(FundTargetConfig{}, 1).value();
    for (auto _ : state) {
        auto r = target.compute(book.engine);
        benchmark::DoNotOptimize(r);
    }
    state.counters["ns_per_account"] =
        benchmark::Counter(static_cast<double>(state.range(0)), benchmark::Counter::kIsIterationInvariantRate |
                                                                 benchmark::Counter::kInvert);
}
BENCHMARK(BM_fund_target_compute)->Arg(100'000)->Unit(benchmark::kMicrosecond);

void BM_engine_scan_same_book(benchmark::State& state) {
    Book book(static_cast<std::uint32_t>(state.range(0)));
    std::vector<AccountId> out(static_cast<std::size_t>(state.range(0)) + 1);
    for (auto _ : state) {
        auto found = book.engine.liquidatable_accounts(Span<AccountId>(out));
        benchmark::DoNotOptimize(found);
    }
    state.counters["ns_per_account"] =
        benchmark::Counter(static_cast<double>(state.range(0)), benchmark::Counter::kIsIterationInvariantRate |
                                                                 benchmark::Counter::kInvert);
}
BENCHMARK(BM_engine_scan_same_book)->Arg(100'000)->Unit(benchmark::kMicrosecond);

// A round trip (open 1 BTC, close it) between two accounts at the mark: without fees (arg 0), and
// with a taker and a maker fee, half to the market's own isolated fund (arg 1): what fee inflow
// costs a trade.
void BM_engine_trade_round_trip(benchmark::State& state) {
    const bool fees = state.range(0) != 0;
    Engine engine = Engine::create(EngineLimits{4, 2, 1}, presets::dydx_v4::fee_capture<USDC>(),
                                   presets::dydx_v4::settlement<USDC>(),
                                   socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>(4))
                        .value();
    MarketConfig config = presets::dydx_v4::large_cap();
    if (fees) {
        config.taker_fee = Ppm{500};
        config.maker_fee = Ppm{200};
        config.fee_to_fund = Ppm{500'000};
    }
    const MarketId market = engine.add_market<BTC>(config).value();
    if (fees) (void)engine.isolate_market(market);
    const AccountId a = engine.open_account().value();
    const AccountId b = engine.open_account().value();
    (void)engine.deposit(a, Usdc(plenty));
    (void)engine.deposit(b, Usdc(plenty));
    const Price<BTC, USDC> at = Price<BTC, USDC>::from_raw(50'000'000'000);
    (void)engine.set_mark(market, at, Timestamp{1});
    const Quantity<BTC> one(100'000'000);
    for (auto _ : state) {
        auto open = engine.trade(market, a, b, one, at);
        auto close = engine.trade(market, b, a, one, at, Taker::seller);
        benchmark::DoNotOptimize(open);
        benchmark::DoNotOptimize(close);
    }
    if (engine.open_interest(market) != 0) state.SkipWithError("a trade was refused");
    state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_engine_trade_round_trip)->Arg(0)->Arg(1);

}  // namespace
