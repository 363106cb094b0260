// MarginEngine benchmarks, on the dYdX v4 large-cap preset (BTC/USDC, initial 5%, maintenance 3%,
// penalty 1.5%, no liquidator discount) with ONE position slot per account
// (EngineLimits::positions_per_account = 1):
//
//   BM_read_bandwidth       the yardstick: one core summing an int64 array (256 MiB, and arrays
//                           the size of the scan's working set at each account count)
//   BM_engine_scan          set_mark + liquidatable_accounts over 10^4, 10^5, 10^6 accounts;
//                           ns per account and its ratio to the bandwidth-bound time per account
//   BM_scan_sketch_int64    NOT the engine: the same decision over a copy of the same arrays, in
//                           int64 arithmetic without 128-bit division (what a faster scan could
//                           cost; the engine is unchanged)
//   BM_engine_liquidate_*   one liquidate() call: a gap leaves the account with negative equity
//                           and the fund covers the deficit; a partial liquidation; and a
//                           deficit beyond the fund, auto-deleveraged over 10^3 and 10^5 bearers
//   BM_adl_bytes_peer       the ADL's peer: the bytes collect_bearers reads and writes per bearer,
//                           moved without its arithmetic
//   BM_option_book_*        a short strangle's liquidation by risk reduction, whole, and one
//                           margin evaluation of such an account (the search's unit)
//
// Times are CPU time (the machine is shared; see docs/benchmarks.md). The ratio counters use the
// thread CPU time of the timed loop, which is what Google Benchmark's CPU column measures.
#include <backstop/engine/margin_engine.hpp>
#include <backstop/engine/presets.hpp>
#include <backstop/fund/insurance_fund.hpp>
#include <backstop/fund/socialized_loss/pro_rata_haircut.hpp>
#include <backstop/fund/socialized_loss/ranked_adl.hpp>
#include <backstop/money/assets.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <vector>

using namespace backstop;
using namespace backstop::assets;

namespace {

using Fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                           socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>>;
using Engine = MarginEngine<Fund>;
using Usdc = Amount<USDC>;
using BtcUsdc = Price<BTC, USDC>;

constexpr std::uint32_t slots_per_account = 1;
constexpr std::int64_t usdc = 1'000'000;                    // atoms per USDC
constexpr std::int64_t one_btc = 100'000'000;               // atoms per BTC
constexpr std::int64_t entry = 50'000 * usdc;               // price units: 10^-6 USDC per BTC
constexpr std::int64_t quote_per_base_atom = entry / one_btc;  // 500: notional = size x 500 at entry
constexpr std::int64_t plenty = 100'000'000'000 * usdc;     // 10^11 USDC

// Engine state the scan reads per account, with one slot: the ledger collateral (int64) and the
// slot's market (uint16), size, cost and funding snapshot (int64 each: the 128-bit index stays
// within +-2^62).
constexpr std::int64_t scan_bytes_per_account = 8 + slots_per_account * (2 + 3 * 8);
// What the scan reads per account with scan keys (engine/scan_keys.hpp): the key's class (uint32)
// and its upper bound (double); the market's band stays in cache. x_bound keeps the bound above
// (the bytes the exact test needs), x_key_bytes this one.
constexpr std::int64_t scan_key_bytes_per_account = 4 + 8;
constexpr std::int64_t dram_array_bytes = std::int64_t{256} << 20;

constexpr std::int64_t working_set_bytes(std::int64_t accounts) {
    return (accounts * scan_bytes_per_account + 63) / 64 * 64;
}

std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double thread_cpu_seconds() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

Engine new_engine(std::uint32_t accounts_max) {
    return Engine::create(EngineLimits{accounts_max, slots_per_account, 1}, presets::dydx_v4::fee_capture<USDC>(),
                          presets::dydx_v4::settlement<USDC>(),
                          socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>(accounts_max))
        .value();
}

// ---- memory read bandwidth ---------------------------------------------------------------------

std::vector<std::int64_t> read_array(std::int64_t bytes) {
    std::vector<std::int64_t> data(static_cast<std::size_t>(bytes / 8));
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::int64_t>(i * 2654435761u);
    return data;
}

// Four independent 2-lane accumulators (GNU vector extension: SSE2 paddq with g++ and clang++
// alike), so that the adds are never the bottleneck. `count` is a multiple of 8.
using Lanes = std::int64_t __attribute__((vector_size(16)));
std::int64_t sum_int64(const std::int64_t* data, std::size_t count) {
    Lanes a0{}, a1{}, a2{}, a3{};
    for (std::size_t i = 0; i < count; i += 8) {
        Lanes x0, x1, x2, x3;
        std::memcpy(&x0, data + i, sizeof x0);
        std::memcpy(&x1, data + i + 2, sizeof x1);
        std::memcpy(&x2, data + i + 4, sizeof x2);
        std::memcpy(&x3, data + i + 6, sizeof x3);
        a0 += x0;
        a1 += x1;
        a2 += x2;
        a3 += x3;
    }
    const Lanes total = (a0 + a1) + (a2 + a3);
    return total[0] + total[1];
}

// Bytes per CPU second, by array size: every BM_read_bandwidth run of at least 0.1 s in this
// process (repetitions included).
std::map<std::int64_t, std::vector<double>>& measured_bandwidth() {
    static std::map<std::int64_t, std::vector<double>> table;
    return table;
}

// The bandwidth for `bytes`: the median of BM_read_bandwidth's runs when it ran first (it is
// registered first), otherwise measured here for at least 0.3 s of CPU time.
double read_bandwidth(std::int64_t bytes) {
    std::vector<double>& runs = measured_bandwidth()[bytes];
    if (runs.empty()) {
        const std::vector<std::int64_t> data = read_array(bytes);
        std::int64_t passes = 0;
        const double start = thread_cpu_seconds();
        double seconds = 0;
        do {
            std::int64_t sum = sum_int64(data.data(), data.size());
            benchmark::DoNotOptimize(sum);
            benchmark::ClobberMemory();
            ++passes;
            seconds = thread_cpu_seconds() - start;
        } while (seconds < 0.3);
        runs.push_back(static_cast<double>(bytes) * static_cast<double>(passes) / seconds);
    }
    std::vector<double> sorted = runs;
    std::sort(sorted.begin(), sorted.end());
    const std::size_t middle = sorted.size() / 2;
    return sorted.size() % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

void BM_read_bandwidth(benchmark::State& state) {
    const std::int64_t bytes = state.range(0);
    const std::vector<std::int64_t> data = read_array(bytes);
    const double start = thread_cpu_seconds();
    for (auto _ : state) {
        std::int64_t sum = sum_int64(data.data(), data.size());
        benchmark::DoNotOptimize(sum);
        benchmark::ClobberMemory();
    }
    const double seconds = thread_cpu_seconds() - start;
    const double rate = static_cast<double>(bytes) * static_cast<double>(state.iterations()) / seconds;
    if (seconds >= 0.1) measured_bandwidth()[bytes].push_back(rate);
    state.SetBytesProcessed(bytes * state.iterations());
    state.counters["MiB"] = static_cast<double>(bytes) / (1024.0 * 1024.0);
    state.counters["GB_per_s"] = rate / 1e9;
}
BENCHMARK(BM_read_bandwidth)
    ->Arg(dram_array_bytes)
    ->Arg(working_set_bytes(10'000))
    ->Arg(working_set_bytes(100'000))
    ->Arg(working_set_bytes(1'000'000));

// ---- the liquidation scan ----------------------------------------------------------------------

// `accounts` accounts: a market maker (account 0, 10^11 USDC) and accounts - 1 traders, each long
// or short (at random) 0.01 to 1 BTC at 50,000 against the maker. One trader in 64 holds just its
// initial margin (5%), the rest 25% of the notional. The scan cycles the mark over 48,750,
// 50,000, 51,250, 50,000 (-2.5%, 0, +2.5%, 0): at -2.5% the thin longs are below maintenance,
// at +2.5% the thin shorts, otherwise nobody. About 1 account in 256 is found per scan.
struct ScanWorld {
    Engine engine;
    MarketId market;
    std::int64_t now_ms = 0;
    std::uint32_t thin_longs = 0;
    std::uint32_t thin_shorts = 0;
};

constexpr std::array<std::int64_t, 4> scan_marks{entry - entry / 40, entry, entry + entry / 40, entry};

std::unique_ptr<ScanWorld> build_scan_world(std::uint32_t accounts) {
    auto world = std::make_unique<ScanWorld>(ScanWorld{new_engine(accounts), MarketId{}, 0, 0, 0});
    Engine& engine = world->engine;
    world->market = engine.add_market<BTC>(presets::dydx_v4::large_cap()).value();
    const AccountId maker = engine.open_account().value();
    engine.deposit(maker, Usdc(plenty)).value();
    engine.set_mark(world->market, BtcUsdc(entry), Timestamp{0}).value();
    std::uint64_t seed = 2026;
    for (std::uint32_t i = 1; i < accounts; ++i) {
        const AccountId trader = engine.open_account().value();
        const std::uint64_t r = splitmix64(seed);
        const bool is_long = (r & 1) != 0;
        const bool thin = ((r >> 1) & 63) == 0;
        const std::int64_t size =
            one_btc / 100 + static_cast<std::int64_t>((r >> 8) % static_cast<std::uint64_t>(one_btc - one_btc / 100));
        const std::int64_t notional = size * quote_per_base_atom;
        engine.deposit(trader, Usdc(thin ? notional / 20 + 2 : notional / 4)).value();
        if (is_long) {
            engine.trade(world->market, trader, maker, Quantity<BTC>(size), BtcUsdc(entry)).value();
        } else {
            engine.trade(world->market, maker, trader, Quantity<BTC>(size), BtcUsdc(entry)).value();
        }
        if (thin) (is_long ? world->thin_longs : world->thin_shorts) += 1;
    }
    return world;
}

// Built once per account count and kept: the scan changes only the mark and the time.
ScanWorld& scan_world(std::uint32_t accounts) {
    static std::map<std::uint32_t, std::unique_ptr<ScanWorld>> worlds;
    std::unique_ptr<ScanWorld>& world = worlds[accounts];
    if (!world) world = build_scan_world(accounts);
    return *world;
}

// Per-account time and its ratios to the read-bandwidth bound, as counters.
void report_scan(benchmark::State& state, std::uint32_t accounts, double seconds, std::size_t found_total) {
    const double iterations = static_cast<double>(state.iterations());
    const double per_account = seconds / (iterations * accounts);
    const double bytes = static_cast<double>(scan_bytes_per_account);
    const double bound = bytes / read_bandwidth(dram_array_bytes);
    const double bound_same_size = bytes / read_bandwidth(working_set_bytes(accounts));
    state.counters["accounts"] = accounts;
    state.counters["found"] = static_cast<double>(found_total) / iterations;
    state.counters["ns_per_acct"] = per_account * 1e9;
    state.counters["bw_GBps"] = bytes / bound / 1e9;
    state.counters["bound_ns"] = bound * 1e9;
    state.counters["x_bound"] = per_account / bound;
    state.counters["x_same_size"] = per_account / bound_same_size;
    state.counters["x_key_bytes"] = per_account / (static_cast<double>(scan_key_bytes_per_account) / read_bandwidth(dram_array_bytes));
}

void BM_engine_scan(benchmark::State& state) {
    const auto accounts = static_cast<std::uint32_t>(state.range(0));
    ScanWorld& world = scan_world(accounts);
    std::vector<AccountId> out(accounts);  // room for every account: the scan never stops early

    // The scan must find exactly the thin accounts on the losing side.
    const std::array<std::uint32_t, 4> expected{world.thin_longs, 0, world.thin_shorts, 0};
    for (std::size_t k = 0; k < scan_marks.size(); ++k) {
        world.engine.set_mark(world.market, BtcUsdc(scan_marks[k]), Timestamp{++world.now_ms}).value();
        const std::size_t found = world.engine.liquidatable_accounts(Span<AccountId>(out)).size();
        if (found != expected[k]) {
            std::fprintf(stderr, "scan at mark %lld found %zu accounts, expected %u\n",
                         static_cast<long long>(scan_marks[k]), found, expected[k]);
            state.SkipWithError("the scan's output differs from the construction");
            return;
        }
    }

    std::size_t found_total = 0;
    std::size_t k = 0;
    const double start = thread_cpu_seconds();
    for (auto _ : state) {
        Result<void> marked =
            world.engine.set_mark(world.market, BtcUsdc(scan_marks[k++ & 3]), Timestamp{++world.now_ms});
        benchmark::DoNotOptimize(marked);
        const Span<AccountId> found = world.engine.liquidatable_accounts(Span<AccountId>(out));
        AccountId* first = found.data();
        benchmark::DoNotOptimize(first);
        found_total += found.size();
    }
    const double seconds = thread_cpu_seconds() - start;
    report_scan(state, accounts, seconds, found_total);
}
BENCHMARK(BM_engine_scan)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMicrosecond);

// ---- a sketch of a cheaper scan (not the engine) -----------------------------------------------

// The engine's arrays, copied through its public API into the same layout.
struct SketchArrays {
    std::vector<std::int64_t> collateral;
    std::vector<std::uint16_t> market;
    std::vector<std::int64_t> size;
    std::vector<std::int64_t> cost;
    std::vector<std::int64_t> funding;
};

struct SketchMarket {
    std::int64_t mark = 0;
    std::int64_t divisor = 1;          // size x mark / divisor = quote atoms
    std::int64_t maintenance_ppm = 0;  // one margin tier
    std::int64_t index_long = 0;
    std::int64_t index_short = 0;
};

constexpr std::uint16_t sketch_empty_slot = 0xFFFF;

detail::int128 floor_div(detail::int128 n, std::int64_t d) {
    detail::int128 q = n / d;
    if (n % d != 0 && (n < 0) != (d < 0)) q -= 1;
    return q;
}
detail::int128 ceil_div(detail::int128 n, std::int64_t d) { return -floor_div(-n, d); }

// The engine's arithmetic, exactly (the path the sketch falls back to).
bool below_exact(const SketchMarket& m, std::int64_t collateral, std::int64_t size, std::int64_t cost,
                 std::int64_t snapshot) {
    const std::int64_t index = size > 0 ? m.index_long : m.index_short;
    // Funding per whole BTC x 1e9 in USDC: the divisor is 10^(8 + 9 - 6).
    const detail::int128 owed = ceil_div(detail::int128(size) * (detail::int128(index) - snapshot), 100'000'000'000);
    const detail::int128 value = floor_div(detail::int128(size) * m.mark, m.divisor);
    const detail::int128 magnitude = size < 0 ? -detail::int128(size) : detail::int128(size);
    const detail::int128 notional = ceil_div(magnitude * m.mark, m.divisor);
    const detail::int128 maintenance = ceil_div(notional * m.maintenance_ppm, Ppm::denominator);
    return detail::int128(collateral) + value - cost - owed < maintenance;
}

// Same decision with int64 arithmetic: one 64-bit division (its quotient and remainder give both
// the floored value and the ceiled notional), "equity < ceil(notional x mm / 10^6)" tested as
// "equity x 10^6 < notional x mm" (equity is an integer: a 64x64->128 multiply, not a division),
// and no branch on the side of the position (longs and shorts are mixed at random, so such a
// branch mispredicts half the time). Unsettled funding or a product beyond int64 takes the exact
// path.
bool below_sketch(const SketchMarket& m, std::int64_t collateral, std::int64_t size, std::int64_t cost,
                  std::int64_t snapshot) {
    const std::int64_t sign = size >> 63;  // -1 short, 0 long
    const std::int64_t index = m.index_long ^ ((m.index_long ^ m.index_short) & sign);
    std::int64_t product = 0;
    if (__builtin_expect(index != snapshot || __builtin_mul_overflow(size, m.mark, &product), 0)) {
        return below_exact(m, collateral, size, cost, snapshot);
    }
    const std::int64_t quotient = product / m.divisor;  // toward zero
    const std::int64_t remainder = product % m.divisor;
    const std::int64_t value = quotient + (remainder >> 63);                                 // floor
    const std::int64_t notional = ((quotient ^ sign) - sign) + (remainder != 0 ? 1 : 0);  // ceil of |.|
    const detail::int128 equity = detail::int128(collateral) + value - cost;
    return equity * Ppm::denominator < detail::int128(notional) * m.maintenance_ppm;
}

std::size_t sketch_scan(const SketchArrays& a, const std::vector<SketchMarket>& markets, Span<AccountId> out) {
    std::size_t found = 0;
    const auto count = static_cast<std::uint32_t>(a.collateral.size());
    for (std::uint32_t i = 0; i < count && found < out.size(); ++i) {
        const std::uint16_t market = a.market[i];
        if (market == sketch_empty_slot) continue;
        if (below_sketch(markets[market], a.collateral[i], a.size[i], a.cost[i], a.funding[i])) out[found++] = AccountId{i};
    }
    return found;
}

void BM_scan_sketch_int64(benchmark::State& state) {
    const auto accounts = static_cast<std::uint32_t>(state.range(0));
    ScanWorld& world = scan_world(accounts);
    const Engine& engine = world.engine;
    SketchArrays arrays;
    for (std::uint32_t i = 0; i < accounts; ++i) {
        const auto position = engine.position(AccountId{i}, world.market);
        arrays.collateral.push_back(engine.collateral(AccountId{i}).atoms());
        arrays.market.push_back(position.size != 0 ? static_cast<std::uint16_t>(world.market.value) : sketch_empty_slot);
        arrays.size.push_back(position.size);
        arrays.cost.push_back(position.cost);
        // The world pays no funding: every index is 0 and fits the sketch's int64.
        arrays.funding.push_back(static_cast<std::int64_t>(position.funding_index));
    }
    std::vector<SketchMarket> markets(1);
    markets[0].divisor = one_btc;  // 10^(8 + 6 - 6); kept opaque below, as a per-market value would be
    benchmark::DoNotOptimize(markets[0].divisor);
    markets[0].maintenance_ppm = engine.market_config(world.market).value().tiers[0].maintenance.count();
    markets[0].index_long = static_cast<std::int64_t>(engine.funding_index_long(world.market));
    markets[0].index_short = static_cast<std::int64_t>(engine.funding_index_short(world.market));
    std::vector<AccountId> out(accounts);

    const std::array<std::uint32_t, 4> expected{world.thin_longs, 0, world.thin_shorts, 0};
    for (std::size_t k = 0; k < scan_marks.size(); ++k) {
        markets[0].mark = scan_marks[k];
        if (sketch_scan(arrays, markets, Span<AccountId>(out)) != expected[k]) {
            state.SkipWithError("the sketch's output differs from the engine's");
            return;
        }
    }

    std::size_t found_total = 0;
    std::size_t k = 0;
    const double start = thread_cpu_seconds();
    for (auto _ : state) {
        markets[0].mark = scan_marks[k++ & 3];
        benchmark::DoNotOptimize(markets[0].mark);
        const std::size_t found = sketch_scan(arrays, markets, Span<AccountId>(out));
        benchmark::DoNotOptimize(found);
        found_total += found;
    }
    const double seconds = thread_cpu_seconds() - start;
    report_scan(state, accounts, seconds, found_total);
}
BENCHMARK(BM_scan_sketch_int64)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMicrosecond);

// ---- liquidations -------------------------------------------------------------------------------

// A prototype engine with many independent accounts to liquidate; the benchmark liquidates one per
// iteration in a copy, and copies the prototype again (timing paused) when they are used up.
struct LiquidationWorld {
    Engine engine;
    MarketId market;
    AccountId liquidator;
    std::vector<AccountId> victims;
};

// `victims` accounts each long 1 BTC at 50,000 on 2,600 USDC (just over the 5% initial margin),
// against a market maker; a liquidator with 10^11 USDC; a fund of 10^9 USDC. Then the mark goes
// to `gap_mark` (price units).
LiquidationWorld build_gap_world(std::uint32_t victims, std::int64_t gap_mark) {
    LiquidationWorld world{new_engine(victims + 2), MarketId{}, AccountId{}, {}};
    Engine& engine = world.engine;
    world.market = engine.add_market<BTC>(presets::dydx_v4::large_cap()).value();
    const AccountId maker = engine.open_account().value();
    world.liquidator = engine.open_account().value();
    engine.deposit(maker, Usdc(plenty)).value();
    engine.deposit(world.liquidator, Usdc(plenty)).value();
    engine.fund_deposit(Usdc(1'000'000'000 * usdc)).value();
    engine.set_mark(world.market, BtcUsdc(entry), Timestamp{0}).value();
    for (std::uint32_t i = 0; i < victims; ++i) {
        const AccountId victim = engine.open_account().value();
        engine.deposit(victim, Usdc(2'600 * usdc)).value();
        engine.trade(world.market, victim, maker, Quantity<BTC>(one_btc), BtcUsdc(entry)).value();
        world.victims.push_back(victim);
    }
    engine.set_mark(world.market, BtcUsdc(gap_mark), Timestamp{1'000}).value();
    return world;
}

// `bearers` accounts each short 0.1 BTC at 50,000 on 1,000 to 3,000 USDC (at random: that spreads
// their leverage, hence their ADL rank); victims = max(10, bearers / 100) accounts each long
// 1 BTC on 2,600 USDC; a market maker holding the long rest; a fund of 100 USDC. The mark then
// gaps to 40,000: each victim is 7,400 USDC short, the fund pays what it has (100 USDC, to the
// first victim only) and RankedAdl closes 1 BTC of the highest-ranked shorts: k = 10 bearers per
// liquidation, each charged about 740 USDC of its 1,000 USDC profit. Over a batch one bearer in
// ten is closed, so the bearer count drifts from n to 0.9 n.
LiquidationWorld build_adl_world(std::uint32_t bearers) {
    const std::uint32_t victims = bearers / 100 > 10 ? bearers / 100 : 10;
    const std::uint32_t accounts = bearers + victims + 2;
    LiquidationWorld world{new_engine(accounts), MarketId{}, AccountId{}, {}};
    Engine& engine = world.engine;
    world.market = engine.add_market<BTC>(presets::dydx_v4::large_cap()).value();
    const AccountId maker = engine.open_account().value();
    world.liquidator = engine.open_account().value();
    engine.deposit(maker, Usdc(plenty)).value();
    engine.deposit(world.liquidator, Usdc(plenty)).value();
    engine.fund_deposit(Usdc(100 * usdc)).value();
    engine.set_mark(world.market, BtcUsdc(entry), Timestamp{0}).value();
    for (std::uint32_t i = 0; i < victims; ++i) {
        const AccountId victim = engine.open_account().value();
        engine.deposit(victim, Usdc(2'600 * usdc)).value();
        engine.trade(world.market, victim, maker, Quantity<BTC>(one_btc), BtcUsdc(entry)).value();
        world.victims.push_back(victim);
    }
    std::uint64_t seed = 7;
    const std::int64_t bearer_size = one_btc / 10;
    for (std::uint32_t i = 0; i < bearers; ++i) {
        const AccountId bearer = engine.open_account().value();
        const std::int64_t collateral =
            1'000 * usdc + static_cast<std::int64_t>(splitmix64(seed) % static_cast<std::uint64_t>(2'000 * usdc));
        engine.deposit(bearer, Usdc(collateral)).value();
        engine.trade(world.market, maker, bearer, Quantity<BTC>(bearer_size), BtcUsdc(entry)).value();
    }
    engine.set_mark(world.market, BtcUsdc(40'000 * usdc), Timestamp{1'000}).value();
    return world;
}

using ReportCheck = const char* (*)(const LiquidationReport<USDC>&);

void liquidation_benchmark(benchmark::State& state, const LiquidationWorld& prototype, ReportCheck check) {
    {  // the first liquidation, checked, in a throw-away copy
        Engine probe = prototype.engine;
        Result<LiquidationReport<USDC>> report = probe.liquidate(prototype.victims[0], prototype.liquidator);
        if (!report) {
            const Error& error = report.error();
            std::fprintf(stderr, "liquidate: %s (%.*s)\n", error_code_name(error.code).data(),
                         static_cast<int>(error.detail.size()), error.detail.data());
            state.SkipWithError("the first liquidation was refused");
            return;
        }
        if (const char* why = check(*report)) {
            state.SkipWithError(why);
            return;
        }
        if (!probe.ledger().audit().balanced()) {
            state.SkipWithError("the ledger does not balance after the liquidation");
            return;
        }
    }
    Engine engine = prototype.engine;
    const std::size_t batch = prototype.victims.size();
    std::size_t next = 0;
    std::size_t refused = 0;
    for (auto _ : state) {
        if (next == batch) {
            state.PauseTiming();
            engine = prototype.engine;
            next = 0;
            state.ResumeTiming();
        }
        Result<LiquidationReport<USDC>> report = engine.liquidate(prototype.victims[next++], prototype.liquidator);
        if (!report.has_value()) ++refused;
        benchmark::DoNotOptimize(report);
    }
    if (refused != 0) state.SkipWithError("a liquidation was refused");
    state.counters["batch"] = static_cast<double>(batch);
    state.SetItemsProcessed(state.iterations());
}

// A gap from 50,000 to 47,000: equity 2,600 - 3,000 = -400 USDC; closed in full at the mark, the
// fund (CoverUpToBalance) pays the 400 USDC deficit.
void BM_engine_liquidate_fund_settles(benchmark::State& state) {
    const LiquidationWorld prototype = build_gap_world(static_cast<std::uint32_t>(state.range(0)), 47'000 * usdc);
    liquidation_benchmark(state, prototype, [](const LiquidationReport<USDC>& r) -> const char* {
        if (!r.full || !r.deficit.is_positive() || r.fund_paid != r.deficit || !r.remainder.is_zero()) {
            return "expected a full liquidation whose deficit the fund pays";
        }
        return nullptr;
    });
}
BENCHMARK(BM_engine_liquidate_fund_settles)->Arg(1'000);

// For comparison: 50,000 to 48,500, equity 1,100 USDC under the 1,455 USDC maintenance; the
// engine estimates the smallest close (in lots of 1 atom) that restores initial margin from the
// linear condition, confirms it and walks it down to the lot.
void BM_engine_liquidate_partial(benchmark::State& state) {
    const LiquidationWorld prototype = build_gap_world(static_cast<std::uint32_t>(state.range(0)), 48'500 * usdc);
    liquidation_benchmark(state, prototype, [](const LiquidationReport<USDC>& r) -> const char* {
        if (r.full || !r.deficit.is_zero() || !r.penalty.is_positive()) {
            return "expected a partial liquidation with a penalty and no deficit";
        }
        return nullptr;
    });
}
BENCHMARK(BM_engine_liquidate_partial)->Arg(1'000);

void BM_engine_liquidate_adl(benchmark::State& state) {
    const auto bearers = static_cast<std::uint32_t>(state.range(0));
    const LiquidationWorld prototype = build_adl_world(bearers);
    liquidation_benchmark(state, prototype, [](const LiquidationReport<USDC>& r) -> const char* {
        if (!r.full || !r.remainder.is_positive() || r.socialized != r.remainder || !r.uncovered.is_zero() ||
            r.allocation_count != 10 || r.socialized_by != LossLayer::auto_deleveraging) {
            return "expected a deficit beyond the fund, covered by deleveraging 10 bearers";
        }
        return nullptr;
    });
    state.counters["bearers"] = bearers;
}
BENCHMARK(BM_engine_liquidate_adl)->Arg(1'000)->Arg(100'000)->Unit(benchmark::kMicrosecond);

// The peer of an ADL over n bearers: the bytes collect_bearers moves, without its arithmetic.
// Per account it reads the scan class (uint32), the slot's market (uint16), size, cost and
// funding snapshot and the collateral (int64 each), from arrays laid out as the engine's, and
// writes a LossBearer (64 bytes) from them, into an array the size of the engine's scratch. The
// ADL row's ratio to it says how far the engine is from moving bytes alone.
void BM_adl_bytes_peer(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    std::vector<std::uint32_t> classes(n, 3);
    std::vector<std::uint16_t> markets(n, 0);
    std::vector<std::int64_t> sizes(n), costs(n), snapshots(n, 0), collateral(n);
    std::uint64_t seed = 11;
    for (std::size_t a = 0; a < n; ++a) {
        sizes[a] = -static_cast<std::int64_t>(splitmix64(seed) % 1'000'000) - 1;
        costs[a] = -static_cast<std::int64_t>(splitmix64(seed) % 1'000'000'000);
        collateral[a] = static_cast<std::int64_t>(splitmix64(seed) % 1'000'000'000);
    }
    std::vector<LossBearer<USDC>> bearers(n + 1);
    for (auto _ : state) {
        std::size_t count = 0;
        for (std::size_t a = 0; a < n; ++a) {
            if (classes[a] != 3 || markets[a] != 0 || snapshots[a] != 0) continue;
            LossBearer<USDC>& b = bearers[count++];
            b.account = AccountId{static_cast<std::uint32_t>(a)};
            b.side = Side::short_side;
            b.size_atoms = -sizes[a];
            b.unrealised_pnl = Usdc(costs[a] + sizes[a]);
            b.collateral = Usdc(collateral[a]);
            b.position_value = Usdc(-sizes[a] * 4);
            b.entry_value = Usdc(-costs[a]);
            b.maintenance = Usdc(-sizes[a] / 4);
        }
        benchmark::DoNotOptimize(count);
        benchmark::DoNotOptimize(bearers.data());
        benchmark::ClobberMemory();
    }
    state.counters["ns_per_bearer"] =
        benchmark::Counter(static_cast<double>(n) * 1e-9, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_adl_bytes_peer)->Arg(1'000)->Arg(100'000)->Unit(benchmark::kMicrosecond);

// ---- an option book's liquidation in the engine ----------------------------------------------

namespace option_books {
using Fund = InsuranceFund<USDC, fee_capture::FixedShares<USDC>, settlement::CoverUpToBalance<USDC>,
                           socialized_loss::ProRataHaircut<USDC>>;
using Engine = MarginEngine<Fund>;
constexpr std::int64_t usdc = 1'000'000;
constexpr std::int64_t one_btc = 100'000'000;
constexpr std::int64_t day_ms = 86'400'000;

// 200 short strangles (a 66,000 call and a 54,000 put at 60,000, 30 days, 50% volatility) with
// 6,000 USDC each; the perpetual falls to 51,000: every book is below maintenance with equity
// left (option_engine_test.cpp's strangle, which closes part of the put).
struct StrangleBooks {
    Engine engine;
    std::vector<AccountId> writers;
    AccountId keeper;
};

StrangleBooks strangle_books(bool whole) {
    constexpr std::uint32_t books = 200;
    StrangleBooks w{Engine::create(EngineLimits{books + 2, 4, 4}, {}, {}, {}).value(), {}, AccountId{}};
    MarketConfig perpetual = presets::dydx_v4::large_cap();
    perpetual.lot_size = 100'000;
    perpetual.tick_size = usdc;
    perpetual.staleness_max_ms = 60'000;
    perpetual.option_margin.price_scan_range = Ppm{80'000};
    perpetual.option_margin.volatility_scan_range = Ppm{100'000};
    perpetual.option_margin.short_option_minimum = Ppm{10'000};
    perpetual.option_margin.liquidate_books_whole = whole;
    const MarketId market = w.engine.add_market<assets::BTC>(perpetual).value();
    auto series = [&](OptionKind kind, std::int64_t strike) {
        MarketConfig c = presets::dydx_v4::large_cap();
        c.lot_size = 100'000;
        c.tick_size = 10'000;
        c.staleness_max_ms = 60'000;
        c.option.is_option = true;
        c.option.kind = kind;
        c.option.underlying = static_cast<std::uint16_t>(market.value);
        c.option.strike = strike * usdc;
        c.option.expiry_ms = 1'000 + 30 * day_ms;
        c.liquidator_discount = Ppm{20'000};
        return w.engine.add_market<assets::BTC>(c).value();
    };
    const MarketId call = series(OptionKind::call, 66'000);
    const MarketId put = series(OptionKind::put, 54'000);
    w.engine.set_mark(market, Price<assets::BTC, USDC>(60'000 * usdc), Timestamp{1'000}).value();
    w.engine.set_option_volatility(call, Ppm{500'000}).value();
    w.engine.set_option_volatility(put, Ppm{500'000}).value();
    const AccountId buyer = w.engine.open_account().value();
    w.engine.deposit(buyer, Amount<USDC>(1'000'000'000 * usdc)).value();
    w.keeper = w.engine.open_account().value();
    w.engine.deposit(w.keeper, Amount<USDC>(1'000'000'000 * usdc)).value();
    for (std::uint32_t i = 0; i < books; ++i) {
        const AccountId writer = w.engine.open_account().value();
        w.engine.deposit(writer, Amount<USDC>(6'000 * usdc)).value();
        w.engine.trade(call, buyer, writer, Quantity<assets::BTC>(one_btc), Price<assets::BTC, USDC>(1'300 * usdc)).value();
        w.engine.trade(put, buyer, writer, Quantity<assets::BTC>(one_btc), Price<assets::BTC, USDC>(900 * usdc)).value();
        w.writers.push_back(writer);
    }
    w.engine.set_mark(market, Price<assets::BTC, USDC>(56'000 * usdc), Timestamp{2'000}).value();
    w.engine.set_mark(market, Price<assets::BTC, USDC>(51'000 * usdc), Timestamp{3'000}).value();
    return w;
}

void option_liquidation(benchmark::State& state, bool whole) {
    const StrangleBooks prototype = strangle_books(whole);
    Engine engine = prototype.engine;
    std::size_t next = 0;
    std::size_t refused = 0, partial = 0;
    for (auto _ : state) {
        if (next == prototype.writers.size()) {
            state.PauseTiming();
            engine = prototype.engine;
            next = 0;
            state.ResumeTiming();
        }
        Result<LiquidationReport<USDC>> report = engine.liquidate(prototype.writers[next++], prototype.keeper);
        if (!report) ++refused;
        if (report && !report->full) ++partial;
        benchmark::DoNotOptimize(report);
    }
    if (refused != 0) state.SkipWithError("a liquidation was refused");
    if (!whole && partial == 0) state.SkipWithError("expected liquidations by risk reduction");
    state.SetItemsProcessed(state.iterations());
}
// By risk reduction: the closes chosen by their reduction per unit of penalty, then bisected.
void BM_option_book_liquidation_risk_reduction(benchmark::State& state) { option_liquidation(state, false); }
BENCHMARK(BM_option_book_liquidation_risk_reduction)->Unit(benchmark::kMicrosecond);
// Whole (OptionMarginTerms::liquidate_books_whole).
void BM_option_book_liquidation_whole(benchmark::State& state) { option_liquidation(state, true); }
BENCHMARK(BM_option_book_liquidation_whole)->Unit(benchmark::kMicrosecond);
// The unit of the search: one margin evaluation of such an account (its summary).
void BM_option_book_summary(benchmark::State& state) {
    const StrangleBooks w = strangle_books(false);
    for (auto _ : state) benchmark::DoNotOptimize(w.engine.summary(w.writers[0]));
}
BENCHMARK(BM_option_book_summary)->Unit(benchmark::kMicrosecond);
}  // namespace option_books

}  // namespace
