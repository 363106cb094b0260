// Ledger and fund operations, ns per operation: a transfer, a penalty capture, a settlement,
// and a socialization over 10, 1,000 and 100,000 loss bearers for each socialized-loss policy.
// Balances are large enough that no operation runs dry during a run; socializations commit
// their transfers (bearers' collateral is drawn a few atoms at a time).
#include <backstop/fund/any_policy.hpp>
#include <backstop/ledger/ledger.hpp>
#include <backstop/money/assets.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

using namespace backstop;
using namespace backstop::assets;

namespace {

using Usdc = Amount<USDC>;
constexpr std::int64_t plenty = 1'000'000'000'000'000;  // 1e9 USDC in atoms

struct World {
    Ledger<USDC> ledger;
    std::vector<AccountId> accounts;
    LiquidatorId liquidator;

    explicit World(std::uint32_t account_count) : ledger(LedgerLimits{account_count, 4, 1}) {
        (void)ledger.open_fund();  // FundId 0: a default fund for the clearing-house policy
        (void)ledger.transfer(Place::external(), Place::fund(FundId{0}), Usdc(plenty), TransferReason::fund_deposit);
        for (std::uint32_t i = 0; i < account_count; ++i) {
            accounts.push_back(ledger.open_account().value());
            (void)ledger.transfer(Place::external(), Place::collateral(accounts.back()), Usdc(plenty),
                                  TransferReason::deposit);
        }
        liquidator = ledger.open_liquidator().value();
    }
};

template <class SocializedLoss>
using FundWith = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                               SocializedLoss>;

void BM_ledger_transfer(benchmark::State& state) {
    World world(2);
    const Place a = Place::collateral(world.accounts[0]);
    const Place b = Place::collateral(world.accounts[1]);
    std::int64_t atoms = 1;
    for (auto _ : state) {
        auto r = world.ledger.transfer(a, b, Usdc(atoms), TransferReason::realised_pnl);
        benchmark::DoNotOptimize(r);
        auto s = world.ledger.transfer(b, a, Usdc(atoms), TransferReason::realised_pnl);
        benchmark::DoNotOptimize(s);
        atoms = atoms % 1'000'003 + 1;
    }
    state.SetItemsProcessed(2 * state.iterations());
}
BENCHMARK(BM_ledger_transfer);

void BM_fund_capture(benchmark::State& state) {
    World world(16);
    auto fund = FundWith<socialized_loss::ProRataHaircut<USDC>>::open(world.ledger, {Bps{5'000}, Bps{1'000}}, {}, {})
                    .value();
    std::uint64_t i = 0;
    for (auto _ : state) {
        const Place source = Place::collateral(world.accounts[i % 16]);
        auto r = fund.capture(world.ledger, Usdc(1'000'003 + static_cast<std::int64_t>(i % 1'000)),
                              CaptureContext{source, Place::liquidator(world.liquidator), MarketId{0}});
        benchmark::DoNotOptimize(r);
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_fund_capture);

void BM_fund_settle(benchmark::State& state) {
    World world(1);
    auto fund = FundWith<socialized_loss::ProRataHaircut<USDC>>::open(world.ledger, {}, {}, {}).value();
    (void)fund.deposit(world.ledger, Place::external(), Usdc(plenty));
    std::int64_t deficit = 1;
    for (auto _ : state) {
        auto r = fund.settle(world.ledger, Usdc(deficit), SettleContext{Place::socialized_loss(), MarketId{0}});
        benchmark::DoNotOptimize(r);
        deficit = deficit % 1'000'003 + 1;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_fund_settle);

// Socialize a small remainder over n bearers. For ADL the defaulter's size is ten bearers'
// worth, so k = 10 accounts are deleveraged whatever n is.
template <class SocializedLoss>
void socialize_benchmark(benchmark::State& state, SocializedLoss policy) {
    const auto n = static_cast<std::uint32_t>(state.range(0));
    World world(n);
    auto fund = FundWith<SocializedLoss>::open(world.ledger, {}, {}, policy).value();
    std::vector<LossBearer<USDC>> bearers(n);
    std::uint64_t mix = 0x9E3779B97F4A7C15ull;
    for (std::uint32_t i = 0; i < n; ++i) {
        mix = mix * 6364136223846793005ull + 1442695040888963407ull;
        bearers[i].account = world.accounts[i];
        bearers[i].size_atoms = 100'000'000;
        bearers[i].entry_value = Usdc(60'000'000'000);
        bearers[i].position_value = Usdc(50'000'000'000 + static_cast<std::int64_t>(mix >> 40));
        bearers[i].unrealised_pnl = bearers[i].entry_value - bearers[i].position_value;
        bearers[i].collateral = Usdc(plenty);
        bearers[i].maintenance = Usdc(1'500'000'000);
    }
    std::vector<Allocation<USDC>> out(n + 1);
    SocializeContext context{Place::socialized_loss(), MarketId{0}};
    context.defaulter_size_atoms = 10 * 100'000'000;
    std::uint64_t i = 0;
    for (auto _ : state) {
        context.event_seed = i++;
        auto r = fund.socialize(world.ledger, Usdc(100'000), bearers, out, context);
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["bearers"] = static_cast<double>(n);
}

void BM_socialize_ranked_adl_bitmex(benchmark::State& state) {
    socialize_benchmark(state, socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>(
                                   static_cast<std::uint32_t>(state.range(0))));
}
void BM_socialize_ranked_adl_binance(benchmark::State& state) {
    socialize_benchmark(state, socialized_loss::RankedAdl<USDC, adl_rank::BinanceLeveragePnl>(
                                   static_cast<std::uint32_t>(state.range(0))));
}
void BM_socialize_random_start_adl(benchmark::State& state) {
    socialize_benchmark(state, socialized_loss::RandomStartAdl<USDC>{});
}
void BM_socialize_pro_rata_haircut(benchmark::State& state) {
    socialize_benchmark(state, socialized_loss::ProRataHaircut<USDC>{});
}
void BM_socialize_funding(benchmark::State& state) {
    socialize_benchmark(state, socialized_loss::FundingSocialization<USDC>{});
}
void BM_socialize_clearing_house(benchmark::State& state) {
    socialize_benchmark(state, socialized_loss::ClearingHouseWaterfall<USDC>{FundId{0}, Usdc(10), Bps{100}});
}
BENCHMARK(BM_socialize_ranked_adl_bitmex)->Arg(10)->Arg(1'000)->Arg(100'000);
BENCHMARK(BM_socialize_ranked_adl_binance)->Arg(10)->Arg(1'000)->Arg(100'000);
BENCHMARK(BM_socialize_random_start_adl)->Arg(10)->Arg(1'000)->Arg(100'000);
BENCHMARK(BM_socialize_pro_rata_haircut)->Arg(10)->Arg(1'000)->Arg(100'000);
BENCHMARK(BM_socialize_funding)->Arg(10)->Arg(1'000)->Arg(100'000);
BENCHMARK(BM_socialize_clearing_house)->Arg(10)->Arg(1'000)->Arg(100'000);

}  // namespace
