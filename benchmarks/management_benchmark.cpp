// Fund management components, ns per operation. Staking: a stake, an unstake request, a claim
// (each with the sync that accounts the fund's revenue since the previous operation), against a
// plain ledger transfer measured in the same run as the floor every operation pays at least.
#include <backstop/ledger/ledger.hpp>
#include <backstop/management/fund_staking.hpp>
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

}  // namespace
