// The swarm simulation (tests/swarm/README.md): seeded random worlds, every operation checked
// against an independent reference model. One test case per socialized-loss policy (static and
// runtime forms alternate by seed) so that ctest runs them in parallel; a determinism test; a
// replay of one (seed, operation count) pair from the environment; a hidden long run.
#include "swarm/swarm_assert.hpp"  // first: BACKSTOP_ASSERT throws

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <mutex>
#include <thread>
#include <utility>

#include "swarm/swarm_run.hpp"

namespace backstop_swarm {

SwarmTally run_static_ranked_pnl(std::uint64_t, RunOptions);
SwarmTally run_static_ranked_binance(std::uint64_t, RunOptions);
SwarmTally run_static_random_start(std::uint64_t, RunOptions);
SwarmTally run_static_haircut(std::uint64_t, RunOptions);
SwarmTally run_static_funding(std::uint64_t, RunOptions);
SwarmTally run_static_clearing(std::uint64_t, RunOptions);
SwarmTally run_static_water_filling(std::uint64_t, RunOptions);
SwarmTally run_runtime(std::uint64_t, RunOptions);

SwarmTally run_seed(std::uint64_t seed, RunOptions options) {
    if (runtime_of_seed(seed)) return run_runtime(seed, options);
    if (options.water_filling) return run_static_water_filling(seed, options);
    switch (policy_of_seed(seed)) {
        case PolicyKind::ranked_pnl: return run_static_ranked_pnl(seed, options);
        case PolicyKind::ranked_binance: return run_static_ranked_binance(seed, options);
        case PolicyKind::random_start: return run_static_random_start(seed, options);
        case PolicyKind::haircut: return run_static_haircut(seed, options);
        case PolicyKind::funding: return run_static_funding(seed, options);
        case PolicyKind::clearing: return run_static_clearing(seed, options);
        case PolicyKind::water_filling: return run_static_water_filling(seed, options);  // no seed's: RunOptions
    }
    return {};
}

namespace {

// Operations per policy test case at full scale (BACKSTOP_TEST_SCALE shortens; see README.md).
constexpr std::uint64_t ops_per_policy = 800'000;
constexpr std::uint64_t ops_per_world = 8'000;

// BACKSTOP_TEST_SCALE, and in an unoptimised build a fifth of it below 0.2 (the gcc asan preset
// at -O0, where the swarm runs ~35x slower than at -O2): 0.1 runs 2% of the operations there.
// The test command's sanitizer build (clang-asan, -O1) runs the scale itself.
std::uint64_t swarm_scaled(std::uint64_t count) {
    std::uint64_t scaled = backstop::testing::scaled(count);
#ifndef __OPTIMIZE__
    const char* text = std::getenv("BACKSTOP_TEST_SCALE");
    const double scale = text != nullptr ? std::atof(text) : 1.0;
    if (scale > 0.0 && scale < 0.2) scaled = std::max<std::uint64_t>(1, scaled / 5);
#endif
    return scaled;
}

bool replaying() { return std::getenv("BACKSTOP_SWARM_SEED") != nullptr; }

// Runs worlds of one policy (seeds policy + 6k: static and runtime forms alternate) for `total`
// operations.
SwarmTally run_policy(PolicyKind policy, std::uint64_t total, std::uint64_t first_seed) {
    SwarmTally tally;
    const auto start = std::chrono::steady_clock::now();
    for (std::uint64_t k = 0; tally.ops < total; ++k) {
        const std::uint64_t seed = first_seed + static_cast<std::uint64_t>(policy) + policy_kinds * k;
        const std::uint64_t ops = std::min(ops_per_world, total - tally.ops);
        const SwarmTally world = run_seed(seed, RunOptions{ops, false});
        tally.merge(world);
        if (world.ops < ops) tally.ops += ops - world.ops;  // a world that stopped early (an abort) still counts its budget
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print("swarm {}: {:.0f} operations/s\n{}", policy_name(policy), static_cast<double>(tally.ops) / seconds, tally.report());
    return tally;
}

void check_policy(PolicyKind policy) {
    if (replaying()) return;
    const SwarmTally tally = run_policy(policy, swarm_scaled(ops_per_policy), 0);
    {
        INFO(tally.report());  // every kind of failure: its count, its first seed and operation
        CHECK(tally.hard_failures() == 0);
    }
    // The worlds exercised what they claim to.
    CHECK(tally.trades > tally.ops / 50);
    CHECK(tally.liquidations > tally.ops / 4'000);
}

}  // namespace

TEST_CASE("swarm: RankedAdl (PnL x leverage and Binance ranks) worlds keep every promise and replay from their journal", "[swarm][replay]") {
    check_policy(PolicyKind::ranked_pnl);
    check_policy(PolicyKind::ranked_binance);
}
TEST_CASE("swarm: RandomStartAdl worlds keep every promise and replay from their journal", "[swarm][replay]") { check_policy(PolicyKind::random_start); }
TEST_CASE("swarm: ProRataHaircut worlds keep every promise and replay from their journal", "[swarm][replay]") { check_policy(PolicyKind::haircut); }
TEST_CASE("swarm: FundingSocialization worlds keep every promise and replay from their journal", "[swarm][replay]") { check_policy(PolicyKind::funding); }
TEST_CASE("swarm: ClearingHouseWaterfall worlds keep every promise and replay from their journal", "[swarm][replay]") { check_policy(PolicyKind::clearing); }

TEST_CASE("swarm: the same seed gives the same digest after every operation", "[swarm][determinism]") {
    if (replaying()) return;
    const std::uint64_t ops = swarm_scaled(3'000);
    std::set<std::uint64_t> chains;
    for (std::uint64_t seed = 0; seed < 2 * policy_kinds; ++seed) {
        const SwarmTally first = run_seed(seed, RunOptions{ops, false});
        const SwarmTally second = run_seed(seed, RunOptions{ops, false});
        INFO("seed " << seed);
        CHECK(first.digest_chain == second.digest_chain);
        CHECK(first.ops == second.ops);
        chains.insert(first.digest_chain);
    }
    CHECK(chains.size() == 2 * policy_kinds);  // different seeds, different histories
}

// Worlds in which the long run found an engine bug, each up to its failing operation: they keep
// every promise now. Extreme worlds all: an ADL bearer whose gain its collateral (1005132) or the
// pnl_pool near int64 min (1008079) could not hold, or the liquidator's net ADL fill (its old
// short's cost far from the mark: 1017415) would take a pool beyond int64, refused the whole
// liquidation with overflow;
// the model did not know the defaulter's losses are cut to its collateral (1000605, 1003792).
TEST_CASE("swarm: the long run's findings", "[swarm][regression]") {
    if (replaying()) return;
    const std::pair<std::uint64_t, std::uint64_t> findings[] = {
        {1005132, 2834}, {1008079, 5442}, {1000605, 6087}, {1003792, 7343}, {1006357, 4527}, {1017415, 7736},
        {1023598, 4743}, {1027261, 4048}};
    for (const auto& [seed, ops] : findings) {
        const SwarmTally tally = run_seed(seed, RunOptions{ops, false});
        INFO(tally.report());
        CHECK(tally.hard_failures() == 0);
    }
}

// An extreme world of the long run (world 2004) whose generator cast a double beyond int64
// (undefined; clang's UBSan stopped the long run): a withdrawal of up to 1.2x a collateral near
// int64 max. The generator saturates its casts now (saturate_int64), also an option series' trade
// price 3% above a mark that can be its forward's, near int64 max (found by reading, no seed yet).
// The whole world at every scale: this fails under the test command's clang-asan build without it.
TEST_CASE("swarm: an extreme world draws no amount or price beyond int64", "[swarm][regression]") {
    if (replaying()) return;
    const SwarmTally tally = run_seed(1'002'004, RunOptions{ops_per_world, false});
    INFO(tally.report());
    CHECK(tally.hard_failures() == 0);
    CHECK(saturate_int64(9'223'372'036'854'775'808.0 * 1.2) == std::numeric_limits<std::int64_t>::max());
    CHECK(saturate_int64(-1e19) == std::numeric_limits<std::int64_t>::min());
    CHECK(saturate_int64(9'223'372'036'854'774'784.0) == 9'223'372'036'854'774'784);  // the largest double below 2^63
    CHECK(saturate_int64(std::nan("")) == 0);
    CHECK(saturate_int64(-2.5) == -2);  // toward zero, as the cast
}

// `full` operations (240,000 unless said, at full scale) over worlds from seed `first_seed` up,
// with `options`.
static SwarmTally check_option_worlds(std::uint64_t first_seed, RunOptions options, std::uint64_t full = 240'000) {
    SwarmTally tally;
    const std::uint64_t total = swarm_scaled(full);
    for (std::uint64_t k = 0; tally.ops < total; ++k) {
        options.ops = std::min(ops_per_world, total - tally.ops);
        const SwarmTally world = run_seed(first_seed + k, options);
        tally.merge(world);
        if (world.ops < options.ops) tally.ops += options.ops - world.ops;
    }
    INFO(tally.report());
    CHECK(tally.hard_failures() == 0);
    CHECK(tally.liquidations > tally.ops / 4'000);
    return tally;
}

// Worlds whose liquidation penalties change between operations (MarginEngine::
// set_liquidation_penalty, as a DynamicPenalty or governance drives it), every policy.
TEST_CASE("swarm: worlds with changing liquidation penalties keep every promise and replay", "[swarm][penalty]") {
    if (replaying()) return;
    RunOptions options{0, false};
    options.penalty_changes = true;
    check_option_worlds(500'000, options);
}

// Worlds with trading fees (either side taking), per-market isolated funds, draw caps on the
// shared fund, and their deposits, sweeps and parameter changes between operations.
TEST_CASE("swarm: worlds with fees and isolated funds keep every promise and replay", "[swarm][isolated][fees]") {
    if (replaying()) return;
    RunOptions options{0, false};
    options.fees_and_isolation = true;
    check_option_worlds(600'000, options);
}

// Worlds with option series (RunOptions::options, swarm_options.hpp): one or two perpetuals list
// two to four calls and puts each; the series are traded, their volatilities changed, they
// expire as the underlyings move and are settled; accounts holding them are margined by the
// portfolio requirement (or per position).
TEST_CASE("swarm: worlds with option series keep every promise and replay", "[swarm][options]") {
    if (replaying()) return;
    RunOptions options{0, false};
    options.options = true;
    const SwarmTally tally = check_option_worlds(900'000, options);
    CHECK(tally.option_trades > tally.ops / 400);  // 1,275 at full scale: expired series only wind down
    CHECK(tally.option_liquidations > 0);
    CHECK(tally.option_partial_liquidations > 0);
    CHECK(tally.volatility_changes > 0);
    CHECK(tally.expiries > 0);
    CHECK(tally.settled_positions > 0);
    // Rare (two at full scale): realisations are checked in every world; their count only here.
    if (tally.ops >= 240'000) CHECK(tally.settlement_realisations > 0);
    fmt::print("swarm options: {}", tally.report());
}

// Worlds whose socialized-loss policy is WaterFillingAdl (RunOptions::water_filling), static and
// runtime forms by seed, as many operations as each seed-picked policy's case runs.
TEST_CASE("swarm: WaterFillingAdl worlds keep every promise and replay from their journal", "[swarm][replay][water_filling]") {
    if (replaying()) return;
    RunOptions options{0, false};
    options.water_filling = true;
    check_option_worlds(700'000, options, ops_per_policy);
}

// BACKSTOP_SWARM_SEED=<seed> BACKSTOP_SWARM_OPS=<n>: that world alone, up to operation n, every
// operation printed with its outcome and every failed check.
TEST_CASE("swarm: replay one world", "[swarm]") {
    if (!replaying()) return;
    const std::uint64_t seed = env_u64("BACKSTOP_SWARM_SEED", 0);
    const std::uint64_t ops = env_u64("BACKSTOP_SWARM_OPS", ops_per_world);
    RunOptions options{ops, true};
    options.penalty_changes = env_u64("BACKSTOP_SWARM_PENALTY_CHANGES", 0) != 0;  // worlds of "[penalty]"
    options.fees_and_isolation = env_u64("BACKSTOP_SWARM_FEES_AND_ISOLATION", 0) != 0;  // worlds of "[isolated][fees]"
    options.water_filling = env_u64("BACKSTOP_SWARM_WATER_FILLING", 0) != 0;  // worlds of "[water_filling]"
    options.options = env_u64("BACKSTOP_SWARM_OPTIONS", 0) != 0;  // worlds of "[options]"
    const SwarmTally tally = run_seed(seed, options);
    fmt::print("{}", tally.report());
    CHECK(tally.hard_failures() == 0);
}

// The long run: BACKSTOP_SWARM_LONG_OPS operations (default 10^9) over every policy, on every
// core (BACKSTOP_SWARM_THREADS: fewer); seeds from 10^6 up: `backstop_swarm_tests "[.long]"`
// (hidden: ctest does not run it). BACKSTOP_SWARM_LONG_FIRST_WORLD resumes a run cut short: world k
// is seed 10^6 + k, so a run of worlds [0, n) followed by one from n covers the same seeds.
TEST_CASE("swarm: long run", "[swarm][.long]") {
    const std::uint64_t total = env_u64("BACKSTOP_SWARM_LONG_OPS", 1'000'000'000);
    const std::uint64_t first_world = env_u64("BACKSTOP_SWARM_LONG_FIRST_WORLD", 0);
    const auto cores = static_cast<std::uint64_t>(std::max(1u, std::thread::hardware_concurrency()));
    const auto threads = static_cast<unsigned>(std::max<std::uint64_t>(1, env_u64("BACKSTOP_SWARM_THREADS", cores)));
    std::atomic<std::uint64_t> next_world{0};
    std::atomic<std::uint64_t> done{0};
    std::mutex mutex;
    SwarmTally tally;
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (;;) {
                const std::uint64_t k = next_world.fetch_add(1);
                if (k * ops_per_world >= total) return;
                const SwarmTally world = run_seed(1'000'000 + first_world + k, RunOptions{ops_per_world, false});
                const std::uint64_t sum = done.fetch_add(ops_per_world) + ops_per_world;
                std::lock_guard<std::mutex> lock(mutex);
                tally.merge(world);
                // A failing world is printed at once (its seed and operation replay alone), so a
                // run cut short still names what it found.
                if (world.hard_failures() != 0) fmt::print("world {} failed:\n{}", first_world + k, world.report());
                if (k % 125 == 0) {
                    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                    fmt::print("swarm long run: {} operations in {:.0f} s ({:.0f}/s), {} hard failures\n", sum, seconds,
                               static_cast<double>(sum) / seconds, tally.hard_failures());
                    std::fflush(stdout);
                }
            }
        });
    }
    for (std::thread& w : workers) w.join();
    fmt::print("{}", tally.report());
    CHECK(tally.hard_failures() == 0);
}

}  // namespace backstop_swarm
