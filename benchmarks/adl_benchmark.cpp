// ADL policies planning one wave of the Oct-10-like event (risk/adl_event.hpp) over 10^5
// winners: the whole-position production queue, pro rata, water-filling, water-filling in whole
// lots, and the library's RankedAdl for reference. Plans only (no ledger transfers); ns per
// bearer is reported as the counter ns_per_bearer and as items (bearers) per second.
#include <backstop/fund/socialized_loss/pro_rata_haircut.hpp>
#include <backstop/fund/socialized_loss/ranked_adl.hpp>
#include <backstop/fund/socialized_loss/water_filling_adl.hpp>
#include <backstop/risk/adl_benchmark.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

using namespace backstop;
using namespace backstop::assets;

namespace {

constexpr std::uint32_t bearer_count = 100'000;

const risk::AdlWave& big_wave() {
    static const risk::AdlWave wave = [] {
        risk::AdlEventConfig config;
        config.winners_per_wave = bearer_count;
        return risk::generate_adl_wave(config, 10);  // wave 13: 5,584,124 USD needed
    }();
    return wave;
}

void finish(benchmark::State& state) {
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * bearer_count);
    // (bearers / 1e9) per second, inverted: nanoseconds per bearer.
    state.counters["ns_per_bearer"] =
        benchmark::Counter(static_cast<double>(state.iterations()) * bearer_count / 1e9,
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

template <class Policy>
void plan_with(benchmark::State& state, const Policy& policy, std::int64_t defaulter_size_atoms) {
    const risk::AdlWave& wave = big_wave();
    std::vector<Allocation<USDC>> out(bearer_count);
    Ledger<USDC> unused(LedgerLimits{0, 0, 0, 0});
    SocializeContext context{Place::socialized_loss(), MarketId{0}};
    context.defaulter_size_atoms = defaulter_size_atoms;
    for (auto _ : state) {
        auto plan = policy.plan(wave.needed, Span<const LossBearer<USDC>>(wave.winners),
                                Span<Allocation<USDC>>(out), context, unused);
        benchmark::DoNotOptimize(plan);
    }
    finish(state);
}

void BM_adl_production_queue(benchmark::State& state) {
    const risk::AdlWave& wave = big_wave();
    for (auto _ : state) {
        auto takes = risk::detail::queue_takes(wave);
        benchmark::DoNotOptimize(takes.data());
    }
    finish(state);
}
BENCHMARK(BM_adl_production_queue)->Unit(benchmark::kMillisecond);

void BM_adl_pro_rata(benchmark::State& state) {
    plan_with(state, socialized_loss::ProRataHaircut<USDC>{}, 0);
}
BENCHMARK(BM_adl_pro_rata)->Unit(benchmark::kMillisecond);

void BM_adl_water_filling(benchmark::State& state) {
    plan_with(state, socialized_loss::WaterFillingAdl<USDC>(bearer_count), 0);
}
BENCHMARK(BM_adl_water_filling)->Unit(benchmark::kMillisecond);

void BM_adl_whole_lots(benchmark::State& state) {
    const risk::AdlWave& wave = big_wave();
    const socialized_loss::WaterFillingAdl<USDC> water(bearer_count);
    for (auto _ : state) {
        auto shares = risk::detail::policy_takes(water, wave);
        auto takes = risk::detail::whole_lot_takes(wave, shares);
        benchmark::DoNotOptimize(takes.data());
    }
    finish(state);
}
BENCHMARK(BM_adl_whole_lots)->Unit(benchmark::kMillisecond);

// The library's ranked ADL, closing against a defaulter as large as the whole side.
void BM_adl_ranked_reference(benchmark::State& state) {
    std::int64_t side = 0;
    for (const auto& b : big_wave().winners) side += b.size_atoms;
    plan_with(state, socialized_loss::RankedAdl<USDC>(bearer_count), side);
}
BENCHMARK(BM_adl_ranked_reference)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
