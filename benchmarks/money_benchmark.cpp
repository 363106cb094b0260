// Micro-benchmarks of the money layer: the cost of one operation, in nanoseconds, for each
// representation of money (std::int64_t, backstop::Int128, double).
//
// What is measured: Amount operator+, checked_add(Amount, Amount), mul_div(Amount, n, d) (a ratio
// applied to an amount), the core mul_div(Rep, Rep, Rep), notional(Quantity, Price) and
// apply_rate(Amount, Bps); "baseline" is the loop with the input load and nothing else, the floor
// the other figures sit on. How: every benchmark walks a pre-generated array of kSamples inputs
// (a fixed-seed splitmix64, so every run and every representation sees the same numbers), one
// operation per iteration, so the time per iteration is the time per operation (SetItemsProcessed
// reports the same as items/s). Inputs have mixed signs and magnitudes spread over many orders
// (some products fit 64 bits, some need the wide intermediate), so the compiler cannot
// constant-fold them and the branch predictor cannot learn one path. Each result goes through
// benchmark::DoNotOptimize, which makes the compiler materialise it, and whose "memory" clobber
// keeps it from hoisting or merging the input loads across iterations; nothing is stored to memory,
// so no ClobberMemory is needed. The rounding is a constant at the call site, as in engine code:
// half_even for mul_div and notional (the most work in the rounding step), up for apply_rate (a
// fee collected). Before timing, every benchmark checks that its operation succeeds on every
// input, so no error path is measured. How to run and the recorded figures: docs/benchmarks.md.

#include "backstop/money/money.hpp"

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using backstop::Amount;
using backstop::Bps;
using backstop::Price;
using backstop::Quantity;
using backstop::Result;
using backstop::assets::BTC;
using backstop::assets::USDC;

// Short names for the benchmark names: BM_MulDiv<int64>, BM_MulDiv<Int128>, BM_MulDiv<double>.
using int64 = std::int64_t;
using backstop::Int128;

constexpr std::size_t kSamples = 1024;  // a power of two: the index wraps with a mask
constexpr std::size_t kMask = kSamples - 1;
static_assert((kSamples & kMask) == 0, "kSamples must be a power of two");

// splitmix64: fully specified, so the inputs are the same with every compiler and library
// (std::uniform_int_distribution is not).
class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    // Uniform in [low, high] (the modulo bias is irrelevant here).
    std::int64_t uniform(std::int64_t low, std::int64_t high) {
        const auto span = static_cast<std::uint64_t>(high - low) + 1;
        return low + static_cast<std::int64_t>(next() % span);
    }
    // Magnitude spread evenly over the decades [1, 10^max_digits).
    std::int64_t log_uniform(int max_digits) {
        const auto digits = static_cast<int>(uniform(0, max_digits - 1));
        std::int64_t low = 1;
        for (int i = 0; i < digits; ++i) low *= 10;
        return uniform(low, low * 10 - 1);
    }
    std::int64_t sign() { return (next() & 1) != 0 ? -1 : 1; }

private:
    std::uint64_t state_;
};

// The same numbers in every representation.
struct RawSample {
    std::int64_t a;            // USDC atoms, |a| < 10^13 (10 million USDC)
    std::int64_t b;            // USDC atoms, |b| < 10^13
    std::int32_t numerator;    // a share: 0 <= numerator <= denominator < 10^9,
    std::int32_t denominator;  // so |a * n / d| <= |a| while a * n may exceed 64 bits
    std::int64_t quantity;     // BTC atoms (10^-8), |quantity| < 10^11 (1000 BTC)
    std::int64_t price;        // BTC/USDC in 10^-6 USDC: 1,000 to 150,000 USDC
    std::int64_t bps;          // -1000 to 1000 basis points (rates can be negative)
};

std::vector<RawSample> make_raw_samples() {
    SplitMix64 random(20261125);
    std::vector<RawSample> samples(kSamples);
    for (RawSample& s : samples) {
        s.a = random.sign() * random.log_uniform(13);
        s.b = random.sign() * random.log_uniform(13);
        const std::int64_t denominator = random.log_uniform(9);
        s.denominator = static_cast<std::int32_t>(denominator);
        s.numerator = static_cast<std::int32_t>(random.uniform(0, denominator));
        s.quantity = random.sign() * random.log_uniform(11);
        s.price = random.uniform(1'000'000'000, 150'000'000'000);
        s.bps = random.uniform(-1000, 1000);
    }
    return samples;
}

template <class Rep>
struct Sample {
    Amount<USDC, Rep> a;
    Amount<USDC, Rep> b;
    std::int32_t numerator;
    std::int32_t denominator;
    // The core mul_div operands: a's atoms, numerator, denominator, already in Rep, so that
    // core and Amount mul_div differ only by the Amount and Result wrapping.
    Rep x;
    Rep y;
    Rep z;
    Quantity<BTC, Rep> quantity;
    Price<BTC, USDC> price;
    Bps rate;
};

template <class Rep>
std::vector<Sample<Rep>> make_samples() {
    std::vector<Sample<Rep>> samples;
    samples.reserve(kSamples);
    for (const RawSample& raw : make_raw_samples()) {
        Sample<Rep> s{};
        s.a = Amount<USDC, Rep>::from_atoms(static_cast<Rep>(raw.a));
        s.b = Amount<USDC, Rep>::from_atoms(static_cast<Rep>(raw.b));
        s.numerator = raw.numerator;
        s.denominator = raw.denominator;
        s.x = static_cast<Rep>(raw.a);
        s.y = static_cast<Rep>(raw.numerator);
        s.z = static_cast<Rep>(raw.denominator);
        s.quantity = Quantity<BTC, Rep>::from_atoms(static_cast<Rep>(raw.quantity));
        s.price = Price<BTC, USDC>(raw.price);
        s.rate = Bps(raw.bps);
        samples.push_back(s);
    }
    return samples;
}

template <class Rep>
const std::vector<Sample<Rep>>& samples() {
    static const std::vector<Sample<Rep>> generated = make_samples<Rep>();
    return generated;
}

template <class T>
bool succeeded(const Result<T>& result) {
    return result.has_value();
}
template <class T>
bool succeeded(const T&) {
    return true;  // operator+ returns the value itself (and asserts on overflow)
}

// One operation per iteration on input i mod kSamples; the result is kept by DoNotOptimize.
template <class Input, class Operation>
void timed_loop(benchmark::State& state, const std::vector<Input>& inputs, Operation operation) {
    std::size_t i = 0;
    for (auto _ : state) {
        auto result = operation(inputs[i++ & kMask]);
        benchmark::DoNotOptimize(result);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

template <class Rep, class Operation>
void run(benchmark::State& state, Operation operation) {
    const std::vector<Sample<Rep>>& inputs = samples<Rep>();
    for (const Sample<Rep>& sample : inputs) {
        if (!succeeded(operation(sample))) {
            state.SkipWithError("the operation fails on one of the inputs");
            return;
        }
    }
    timed_loop(state, inputs, operation);
}

template <class Rep>
void BM_Baseline(benchmark::State& state) {
    run<Rep>(state, [](const Sample<Rep>& s) { return s.a; });
}

template <class Rep>
void BM_AmountAdd(benchmark::State& state) {
    run<Rep>(state, [](const Sample<Rep>& s) { return s.a + s.b; });
}

template <class Rep>
void BM_CheckedAdd(benchmark::State& state) {
    run<Rep>(state, [](const Sample<Rep>& s) { return backstop::checked_add(s.a, s.b); });
}

template <class Rep>
void BM_MulDivAmount(benchmark::State& state) {
    run<Rep>(state, [](const Sample<Rep>& s) {
        return backstop::mul_div(s.a, s.numerator, s.denominator, backstop::round_half_even);
    });
}

template <class Rep>
void BM_MulDivCore(benchmark::State& state) {
    run<Rep>(state, [](const Sample<Rep>& s) {
        return backstop::mul_div(s.x, s.y, s.z, backstop::round_half_even);
    });
}

// The peer of BM_MulDivCore<int64>, in the same run: the compiler's bare a * b / c on __int128
// (one widening multiply, libgcc's 128-bit division, truncation), with no rounding, no zero or
// range check. Issue 19's bound: the checked, rounded mul_div within 1.2 times this.
void BM_MulDivBareInt128(benchmark::State& state) {
    run<int64>(state, [](const Sample<int64>& s) {
        __extension__ using wide = __int128;
        return static_cast<std::int64_t>(static_cast<wide>(s.x) * s.y / s.z);
    });
}

// The same pair on inputs whose every product exceeds 64 bits (the 64-bit division cannot serve):
// a with 12 to 13 digits times n with 8 to 9 digits, over d >= n, so the quotient fits int64.
struct WideSample {
    std::int64_t a;
    std::int64_t n;
    std::int64_t d;
};
const std::vector<WideSample>& wide_samples() {
    static const std::vector<WideSample> generated = [] {
        SplitMix64 random(20261206);
        std::vector<WideSample> samples(kSamples);
        for (WideSample& s : samples) {
            s.a = random.sign() * random.uniform(100'000'000'000, 9'999'999'999'999);
            s.n = random.uniform(100'000'000, 999'999'999);
            s.d = random.sign() * random.uniform(s.n, 999'999'999);
        }
        return samples;
    }();
    return generated;
}
template <class Operation>
void run_wide(benchmark::State& state, Operation operation) {
    const std::vector<WideSample>& inputs = wide_samples();
    for (const WideSample& s : inputs) {
        __extension__ using wide = __int128;
        if (static_cast<wide>(s.a) * s.n == static_cast<std::int64_t>(static_cast<wide>(s.a) * s.n) ||
            !succeeded(backstop::mul_div(s.a, s.n, s.d, backstop::round_half_even))) {
            state.SkipWithError("an input's product fits 64 bits, or mul_div fails on it");
            return;
        }
    }
    timed_loop(state, inputs, operation);
}
void BM_MulDivCoreWideProducts(benchmark::State& state) {
    run_wide(state, [](const WideSample& s) { return backstop::mul_div(s.a, s.n, s.d, backstop::round_half_even); });
}
void BM_MulDivBareInt128WideProducts(benchmark::State& state) {
    run_wide(state, [](const WideSample& s) {
        __extension__ using wide = __int128;
        return static_cast<std::int64_t>(static_cast<wide>(s.a) * s.n / s.d);
    });
}

template <class Rep>
void BM_Notional(benchmark::State& state) {
    run<Rep>(state, [](const Sample<Rep>& s) {
        return backstop::notional(s.quantity, s.price, backstop::round_half_even);
    });
}

template <class Rep>
void BM_ApplyRate(benchmark::State& state) {
    run<Rep>(state, [](const Sample<Rep>& s) {
        return backstop::apply_rate(s.a, s.rate, backstop::round_up);
    });
}

#define BACKSTOP_BENCHMARK_EACH_REP(function) \
    BENCHMARK_TEMPLATE(function, int64);      \
    BENCHMARK_TEMPLATE(function, Int128);     \
    BENCHMARK_TEMPLATE(function, double)

BACKSTOP_BENCHMARK_EACH_REP(BM_Baseline);
BACKSTOP_BENCHMARK_EACH_REP(BM_AmountAdd);
BACKSTOP_BENCHMARK_EACH_REP(BM_CheckedAdd);
BACKSTOP_BENCHMARK_EACH_REP(BM_MulDivAmount);
BACKSTOP_BENCHMARK_EACH_REP(BM_MulDivCore);
BENCHMARK(BM_MulDivBareInt128);
BENCHMARK(BM_MulDivCoreWideProducts);
BENCHMARK(BM_MulDivBareInt128WideProducts);
BACKSTOP_BENCHMARK_EACH_REP(BM_Notional);
BACKSTOP_BENCHMARK_EACH_REP(BM_ApplyRate);

}  // namespace
