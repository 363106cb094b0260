// The lab's counter-based randomness: Philox engines shaped like C++26 std::philox_engine, and
// RandomStream, keyed by (seed, path) and counted by (step, draw).
// Method: known answers first (the C++26 values through our engine, Random123's kat_vectors
// through philox_block); then engine algebra (discard(n) is n calls, set_counter and the counter
// carry agree with stepping); then the stream's purity (a draw depends on (seed, path, step,
// draw) only, whatever the order of access); then distribution sanity on fixed seeds: every
// sample moment lies within 4 standard errors of its exact value (the seeds are fixed, so these
// checks cannot flake; the bound says how surprising a failure would be).
#include <backstop/risk/rng/philox.hpp>
#include <backstop/risk/rng/random_stream.hpp>

#include "support/random.hpp"
#include "support/random123.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <set>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace test_risk_philox_test {

using namespace backstop::risk;

namespace {

constexpr std::uint64_t test_seed = 20261125;

// Sample mean and central moments (two passes: the data are kept, a million doubles at most).
struct Moments {
    double mean = 0.0;
    double variance = 0.0;  // second central moment (divided by n; n is large)
    double skewness = 0.0;
    double kurtosis_excess = 0.0;
    std::size_t count = 0;
};

Moments moments_of(const std::vector<double>& samples) {
    Moments result;
    result.count = samples.size();
    const double n = static_cast<double>(samples.size());
    double sum = 0.0;
    for (const double x : samples) sum += x;
    result.mean = sum / n;
    double m2 = 0.0;
    double m3 = 0.0;
    double m4 = 0.0;
    for (const double x : samples) {
        const double d = x - result.mean;
        m2 += d * d;
        m3 += d * d * d;
        m4 += d * d * d * d;
    }
    m2 /= n;
    m3 /= n;
    m4 /= n;
    result.variance = m2;
    result.skewness = m3 / std::pow(m2, 1.5);
    result.kurtosis_excess = m4 / (m2 * m2) - 3.0;
    return result;
}

std::vector<double> draw_samples(std::size_t count, const std::function<double()>& draw) {
    std::vector<double> samples;
    samples.reserve(count);
    for (std::size_t i = 0; i < count; ++i) samples.push_back(draw());
    return samples;
}

// |estimate - exact| <= 4 standard errors, with the numbers in the report when it fails.
void check_within_4_standard_errors(const char* what, double estimate, double exact,
                                    double standard_error) {
    INFO(what << ": estimate " << estimate << ", exact " << exact << ", standard error "
              << standard_error << ", z " << (estimate - exact) / standard_error);
    CHECK(std::fabs(estimate - exact) <= 4.0 * standard_error);
}

// Pearson's chi-square of integer samples against Poisson(mean): cells [0, k0], {k0 + 1}, ...,
// [k1, inf), each with an expected count of at least 20. Its mean is the degrees of freedom and
// its variance twice that.
struct ChiSquare {
    double statistic = 0.0;
    double degrees_of_freedom = 0.0;
};

ChiSquare poisson_chi_square(const std::vector<double>& samples, double mean) {
    const double n = static_cast<double>(samples.size());
    const auto pmf = [mean](std::uint64_t k) {
        const double x = static_cast<double>(k);
        return std::exp(x * std::log(mean) - mean - std::lgamma(x + 1.0));
    };
    const auto k_max = static_cast<std::uint64_t>(mean + 20.0 * std::sqrt(mean) + 20.0);
    std::vector<double> observed(k_max + 1, 0.0);
    for (const double x : samples) {
        observed[std::min(static_cast<std::uint64_t>(x), k_max)] += 1.0;
    }
    ChiSquare result;
    double cell_expected = 0.0;
    double cell_observed = 0.0;
    double probability_left = 1.0;
    int cell_count = 0;
    for (std::uint64_t k = 0; k <= k_max; ++k) {
        const double p = k == k_max ? probability_left : pmf(k);
        probability_left -= p;
        cell_expected += n * p;
        cell_observed += observed[k];
        const bool rest_is_small = n * probability_left < 20.0;
        if ((cell_expected >= 20.0 && !rest_is_small) || k == k_max) {
            const double d = cell_observed - cell_expected;
            result.statistic += d * d / cell_expected;
            ++cell_count;
            cell_expected = 0.0;
            cell_observed = 0.0;
        }
    }
    result.degrees_of_freedom = cell_count - 1;
    return result;
}

template <class Word>
PhiloxCounter<Word> block_at(const PhiloxKey<Word>& key, Word counter_low) {
    return philox_block<Word>({counter_low, 0, 0, 0}, key);
}

// Random123's block for the same counter and key: the reference philox_block is held to.
template <class Word>
using Random123Philox = std::conditional_t<std::is_same<Word, std::uint32_t>::value, r123::Philox4x32_R<10>,
                                           r123::Philox4x64_R<10>>;
template <class Word>
PhiloxCounter<Word> random123_block(const PhiloxCounter<Word>& counter, const PhiloxKey<Word>& key) {
    const typename Random123Philox<Word>::ctr_type c = {{counter[0], counter[1], counter[2], counter[3]}};
    const typename Random123Philox<Word>::key_type k = {{key[0], key[1]}};
    const auto block = Random123Philox<Word>{}(c, k);
    return {block.v[0], block.v[1], block.v[2], block.v[3]};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Known answers

TEST_CASE("C++26 philox4x32 and philox4x64: the 10000th output of a default engine", "[philox]") {
    // [rand.eng.philox] / [rand.predef]: required behaviour of std::philox4x32 and
    // std::philox4x64, here through our engine.
    Philox4x32Engine engine_32;
    Philox4x64Engine engine_64;
    for (int call = 1; call < 10000; ++call) {
        (void)engine_32();
        (void)engine_64();
    }
    CHECK(engine_32() == 1955073260u);
    CHECK(engine_64() == 3409172418970261260ull);

    // The same values through discard: 9999 skipped, one read.
    Philox4x32Engine jumped_32;
    Philox4x64Engine jumped_64;
    jumped_32.discard(9999);
    jumped_64.discard(9999);
    CHECK(jumped_32() == 1955073260u);
    CHECK(jumped_64() == 3409172418970261260ull);
}

TEST_CASE("Random123 kat_vectors for Philox4x32-10 and Philox4x64-10", "[philox]") {
    // Random123 tests/kat_vectors (v1.14), lines "philox4x32 10 ..." and "philox4x64 10 ...":
    // counter words 0..3, key words 0..1, expected block words 0..3.
    struct Vector32 {
        PhiloxCounter<std::uint32_t> counter;
        PhiloxKey<std::uint32_t> key;
        PhiloxCounter<std::uint32_t> expected;
    };
    const std::array<Vector32, 3> vectors_32 = {{
        {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
        {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
         {0xffffffff, 0xffffffff},
         {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
        {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
         {0xa4093822, 0x299f31d0},
         {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
    }};
    struct Vector64 {
        PhiloxCounter<std::uint64_t> counter;
        PhiloxKey<std::uint64_t> key;
        PhiloxCounter<std::uint64_t> expected;
    };
    constexpr std::uint64_t ones = ~std::uint64_t{0};
    const std::array<Vector64, 3> vectors_64 = {{
        {{0, 0, 0, 0},
         {0, 0},
         {0x16554d9eca36314c, 0xdb20fe9d672d0fdc, 0xd7e772cee186176b, 0x7e68b68aec7ba23b}},
        {{ones, ones, ones, ones},
         {ones, ones},
         {0x87b092c3013fe90b, 0x438c3c67be8d0224, 0x9cc7d7c69cd777b6, 0xa09caebf594f0ba0}},
        {{0x243f6a8885a308d3, 0x13198a2e03707344, 0xa4093822299f31d0, 0x082efa98ec4e6c89},
         {0x452821e638d01377, 0xbe5466cf34e90c6c},
         {0xa528f45403e61d95, 0x38c72dbd566e9788, 0xa5a1610e72fd18b5, 0x57bd43b5e52b7fe6}},
    }};
    int vectors_checked = 0;
    for (const Vector32& vector : vectors_32) {
        CHECK(philox_block(vector.counter, vector.key) == vector.expected);
        ++vectors_checked;
    }
    for (const Vector64& vector : vectors_64) {
        CHECK(philox_block(vector.counter, vector.key) == vector.expected);
        ++vectors_checked;
    }
    CHECK(vectors_checked == 6);
}

TEMPLATE_TEST_CASE("philox_block is Random123's Philox4xW-10 on random and extreme counters and keys", "[philox]",
                   std::uint32_t, std::uint64_t) {
    backstop::testing::TestRandom random(test_seed);
    const auto word = [&random]() -> TestType {
        switch (random.below(4)) {
            case 0: return 0;
            case 1: return std::numeric_limits<TestType>::max() - static_cast<TestType>(random.below(2));
            default: return static_cast<TestType>(random.next());
        }
    };
    int blocks_checked = 0;
    for (int i = 0; i < 20'000; ++i) {
        const PhiloxCounter<TestType> counter = {word(), word(), word(), word()};
        const PhiloxKey<TestType> key = {word(), word()};
        if (philox_block(counter, key) != random123_block(counter, key)) {
            FAIL_CHECK("block " << i << " differs from Random123's");
        }
        ++blocks_checked;
    }
    CHECK(blocks_checked == 20'000);
}

TEST_CASE("Philox engine characteristics follow std::philox_engine", "[philox]") {
    static_assert(std::is_same<Philox4x32Engine::result_type, std::uint32_t>::value, "");
    static_assert(std::is_same<Philox4x64Engine::result_type, std::uint64_t>::value, "");
    static_assert(Philox4x32Engine::word_size == 32 && Philox4x64Engine::word_size == 64, "");
    static_assert(Philox4x32Engine::word_count == 4 && Philox4x32Engine::round_count == 10, "");
    static_assert(Philox4x64Engine::default_seed == 20111115u, "");
    static_assert(Philox4x32Engine::min() == 0 && Philox4x32Engine::max() == 0xffffffffu, "");
    static_assert(Philox4x64Engine::max() == std::numeric_limits<std::uint64_t>::max(), "");
#if __cplusplus >= 202002L
    static_assert(std::uniform_random_bit_generator<Philox4x32Engine>);
    static_assert(std::uniform_random_bit_generator<Philox4x64Engine>);
#endif

    // Seeding: the value is key word 0, and re-seeding restarts the sequence.
    Philox4x64Engine engine(7);
    const std::uint64_t first = engine();
    CHECK(first == block_at<std::uint64_t>({7, 0}, 0)[0]);
    CHECK(engine != Philox4x64Engine(7));
    engine.seed(7);
    CHECK(engine == Philox4x64Engine(7));
    CHECK(engine() == first);
    engine.seed();
    CHECK(engine == Philox4x64Engine());
    CHECK(Philox4x64Engine(7) != Philox4x64Engine(8));
}

TEMPLATE_TEST_CASE("the engine returns Random123's blocks in order, word 0 first", "[philox]",
                   std::uint32_t, std::uint64_t) {
    using Engine = PhiloxEngine<TestType>;
    Engine engine(12345);
    const PhiloxKey<TestType> key = {12345, 0};
    int outputs_checked = 0;
    for (TestType block = 0; block < 25; ++block) {
        const PhiloxCounter<TestType> expected = block_at<TestType>(key, block);
        for (const TestType word : expected) {
            CHECK(engine() == word);
            ++outputs_checked;
        }
    }
    CHECK(outputs_checked == 100);
}

// ---------------------------------------------------------------------------------------------
// Counter jumps

TEMPLATE_TEST_CASE("discard(n) leaves the engine where n calls do", "[philox]", std::uint32_t,
                   std::uint64_t) {
    using Engine = PhiloxEngine<TestType>;
    const std::array<unsigned long long, 14> jumps = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 100,
                                                      1001};
    int comparisons = 0;
    for (int start = 0; start < 5; ++start) {
        for (const unsigned long long jump : jumps) {
            Engine stepped(99);
            for (int i = 0; i < start; ++i) (void)stepped();
            Engine jumped = stepped;
            for (unsigned long long i = 0; i < jump; ++i) (void)stepped();
            jumped.discard(jump);
            INFO("start " << start << ", jump " << jump);
            CHECK(jumped == stepped);
            for (int i = 0; i < 9; ++i) CHECK(jumped() == stepped());
            ++comparisons;
        }
    }
    CHECK(comparisons == 5 * 14);
}

TEST_CASE("set_counter takes the most significant word first; the counter carries", "[philox]") {
    // X = 2^32 - 1 as the standard's array (c[3] least significant), then one more block: the
    // increment carries into word 1.
    Philox4x32Engine engine;
    engine.set_counter({0, 0, 0, 0xffffffffu});
    const PhiloxKey<std::uint32_t> key = {Philox4x32Engine::default_seed, 0};
    for (const std::uint32_t word : philox_block<std::uint32_t>({0xffffffffu, 0, 0, 0}, key)) {
        CHECK(engine() == word);
    }
    for (const std::uint32_t word : philox_block<std::uint32_t>({0, 1, 0, 0}, key)) {
        CHECK(engine() == word);
    }

    // The all-ones counter wraps to 0 (Z is taken modulo 2^128): the next block is block 0.
    Philox4x32Engine wrapped;
    wrapped.set_counter({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu});
    wrapped.discard(4);
    Philox4x32Engine fresh;
    CHECK(wrapped == fresh);
    for (int i = 0; i < 8; ++i) CHECK(wrapped() == fresh());
}

TEST_CASE("discard of 2^40 blocks and of 2^64 - 1 outputs agree with set_counter", "[philox]") {
    // 2^40 blocks: counter 2^40 is words {0, 2^8} at 32 bits and {2^40} at 64 bits.
    Philox4x32Engine jumped_32;
    jumped_32.discard(4ull << 40);
    Philox4x32Engine placed_32;
    placed_32.set_counter({0, 0, 1u << 8, 0});
    CHECK(jumped_32 == placed_32);
    CHECK(jumped_32() == placed_32());

    Philox4x64Engine jumped_64;
    jumped_64.discard(4ull << 40);
    Philox4x64Engine placed_64;
    placed_64.set_counter({0, 0, 0, std::uint64_t{1} << 40});
    CHECK(jumped_64 == placed_64);
    CHECK(jumped_64() == placed_64());

    // The largest jump: 2^64 - 1 outputs from a fresh engine is 2^62 blocks and 2 words of the
    // last one, i.e. block 2^62 - 1 computed, counter 2^62, index 2.
    constexpr unsigned long long all = std::numeric_limits<unsigned long long>::max();
    Philox4x32Engine far_32;
    far_32.discard(all);
    Philox4x32Engine near_32;
    near_32.set_counter({0, 0, 0x3fffffffu, 0xffffffffu});
    near_32.discard(3);
    CHECK(far_32 == near_32);
    CHECK(far_32() == near_32());

    Philox4x64Engine far_64;
    far_64.discard(all);
    Philox4x64Engine near_64;
    near_64.set_counter({0, 0, 0, (std::uint64_t{1} << 62) - 1});
    near_64.discard(3);
    CHECK(far_64 == near_64);
    CHECK(far_64() == near_64());
}

// ---------------------------------------------------------------------------------------------
// RandomStream: purity and independence

TEST_CASE("a stream draw is Philox4x64 at key {seed, path}, counter {draw / 4, step}",
          "[philox]") {
    RandomStream stream(test_seed, 17);
    int draws_checked = 0;
    for (std::uint64_t step = 0; step < 3; ++step) {
        stream.at_step(step);
        for (std::uint64_t draw = 0; draw < 10; ++draw) {
            const PhiloxCounter<std::uint64_t> block =
                philox_block<std::uint64_t>({draw / 4, step, 0, 0}, {test_seed, 17});
            CHECK(stream.draw_index() == draw);
            CHECK(stream.next_u64() == block[draw % 4]);
            ++draws_checked;
        }
    }
    CHECK(draws_checked == 30);
    CHECK(stream.seed() == test_seed);
    CHECK(stream.path() == 17);
    CHECK(stream.step() == 2);
}

TEST_CASE("the same (seed, path, step, draw) gives the same value in any order of access",
          "[philox]") {
    constexpr std::uint64_t step_count = 12;
    constexpr std::uint64_t draw_count = 11;
    // Reference: each step read front to back.
    std::vector<std::uint64_t> reference;
    RandomStream sequential(test_seed, 3);
    for (std::uint64_t step = 0; step < step_count; ++step) {
        sequential.at_step(step);
        for (std::uint64_t draw = 0; draw < draw_count; ++draw) {
            reference.push_back(sequential.next_u64());
        }
    }
    REQUIRE(reference.size() == step_count * draw_count);

    // Random access: steps and draws in a scrambled order, one reused stream, by discard.
    backstop::testing::TestRandom order(41);
    RandomStream scattered(test_seed, 3);
    int accesses = 0;
    for (int i = 0; i < 500; ++i) {
        const std::uint64_t step = order.below(step_count);
        const std::uint64_t draw = order.below(draw_count);
        scattered.at_step(step);
        scattered.discard(draw);
        CHECK(scattered.next_u64() == reference[step * draw_count + draw]);
        ++accesses;
    }
    CHECK(accesses == 500);

    // Steps visited backwards, and a discard inside a loaded block.
    RandomStream backwards(test_seed, 3);
    for (std::uint64_t step = step_count; step-- > 0;) {
        backwards.at_step(step);
        CHECK(backwards.next_u64() == reference[step * draw_count]);
        backwards.discard(5);
        CHECK(backwards.next_u64() == reference[step * draw_count + 6]);
    }
}

TEST_CASE("paths replay alone: interleaving paths changes nothing, variates included",
          "[philox]") {
    // What one path sees over 20 steps of a mixed workload, run alone.
    const auto run_step = [](RandomStream& stream) {
        std::vector<double> seen;
        seen.push_back(stream.uniform());
        seen.push_back(stream.normal());
        seen.push_back(stream.student_t(4.0));
        seen.push_back(static_cast<double>(stream.poisson(3.0)));
        seen.push_back(static_cast<double>(stream.poisson(40.0)));
        seen.push_back(stream.gamma(0.7));
        seen.push_back(stream.exponential(2.0));
        return seen;
    };
    constexpr std::uint64_t path_count = 6;
    constexpr std::uint64_t step_count = 20;
    std::vector<std::vector<double>> alone;
    for (std::uint64_t path = 0; path < path_count; ++path) {
        RandomStream stream(test_seed, path);
        for (std::uint64_t step = 0; step < step_count; ++step) {
            stream.at_step(step);
            alone.push_back(run_step(stream));
        }
    }
    // All paths advanced together, in reverse path order within each step ("other threads").
    std::vector<RandomStream> streams;
    for (std::uint64_t path = 0; path < path_count; ++path) streams.emplace_back(test_seed, path);
    int steps_compared = 0;
    for (std::uint64_t step = 0; step < step_count; ++step) {
        for (std::uint64_t path = path_count; path-- > 0;) {
            streams[path].at_step(step);
            CHECK(run_step(streams[path]) == alone[path * step_count + step]);
            ++steps_compared;
        }
    }
    CHECK(steps_compared == static_cast<int>(path_count * step_count));
}

TEST_CASE("different paths, seeds and steps give different draws", "[philox]") {
    std::set<std::uint64_t> first_draws;
    for (std::uint64_t path = 0; path < 1000; ++path) {
        RandomStream stream(test_seed, path);
        first_draws.insert(stream.next_u64());
    }
    for (std::uint64_t seed = 0; seed < 1000; ++seed) {
        RandomStream stream(seed, 0);
        stream.at_step(1);  // (seed, 0, 1, 0): no overlap with the (test_seed, path, 0, 0) set
        first_draws.insert(stream.next_u64());
    }
    CHECK(first_draws.size() == 2000);

    // Neighbouring paths are not correlated: the sample correlation of their normals is ~0.
    RandomStream path_a(test_seed, 100);
    RandomStream path_b(test_seed, 101);
    constexpr int sample_count = 100000;
    double sum_product = 0.0;
    for (int i = 0; i < sample_count; ++i) sum_product += path_a.normal() * path_b.normal();
    check_within_4_standard_errors("E[Z_a Z_b]", sum_product / sample_count, 0.0,
                                   1.0 / std::sqrt(static_cast<double>(sample_count)));
}

// ---------------------------------------------------------------------------------------------
// Conversions

TEST_CASE("uniform and central normal draws have the same bits on every platform", "[philox]") {
    // uniform() is Philox (pinned by the known answers) and exact arithmetic; these normals all
    // fall in AS241's central region (|u - 1/2| <= 0.425), which is +, -, *, / only. Golden
    // values from gcc 12 and clang 14, C++17 and C++20, x86-64.
    const std::array<double, 8> uniforms = {
        0x1.4e6a432346566p-2, 0x1.c45662cfe2fc1p-1, 0x1.7ca29cb65bb24p-3, 0x1.5e86d93b0c9dap-2,
        0x1.ad36b1436406bp-1, 0x1.1764adc41f3dcp-3, 0x1.4511d3c28da07p-1, 0x1.5e1bf7b225d42p-2};
    RandomStream stream(test_seed, 0);
    for (const double expected : uniforms) CHECK(stream.uniform() == expected);
#ifndef __FMA__
    // Only where a*b+c cannot be fused: with FMA instructions available the compiler may contract
    // the rational function (unless built with -ffp-contract=off), changing the last bits.
    const std::array<double, 8> normals = {
        -0x1.cc2b64c80c736p-2, 0x1.3149158db8fcfp+0,  -0x1.c95a538e270c7p-1, -0x1.9fe94aaf561c3p-2,
        0x1.f99d2d68980cfp-1,  -0x1.18b679c1970e4p+0, 0x1.6123fd36b6a95p-2,  -0x1.a10c4dc2790bfp-2};
    stream.at_step(0);
    for (const double expected : normals) CHECK(stream.normal() == expected);
#endif
}

TEST_CASE("the normal quantile inverts the normal CDF; log_factorial matches lgamma", "[philox]") {
    const auto normal_cdf = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
    const std::array<double, 13> probabilities = {0x1p-53, 1e-12, 1e-9,  1e-6,  0.001, 0.02, 0.075,
                                                  0.3,     0.5,   0.8,   0.925, 0.99,  0.999999};
    int points_checked = 0;
    for (const double p : probabilities) {
        const double z = RandomStream::normal_quantile(p);
        INFO("p " << p << ", z " << z);
        // Relative error in the smaller tail probability: AS241 is good to about 1e-16 in z,
        // which moves the tail by |z| * 1e-16 relative; 1e-13 leaves room for erfc's own error.
        const double tail = std::min(p, 1.0 - p);
        const double tail_back = p < 0.5 ? normal_cdf(z) : normal_cdf(-z);
        CHECK(std::fabs(tail_back - tail) <= 1e-13 * tail);
        ++points_checked;
    }
    CHECK(points_checked == 13);
    CHECK(RandomStream::normal_quantile(0.5) == 0.0);
    CHECK(RandomStream::normal_quantile(0x1p-53) == -RandomStream::normal_quantile(1.0 - 0x1p-53));
    CHECK(RandomStream::normal_quantile(0x1p-53) > -8.3);

    const std::array<std::uint64_t, 13> ks = {0, 1, 2, 5, 10, 19, 20, 21, 50, 100, 500, 1000,
                                              100000};
    for (const std::uint64_t k : ks) {
        const double exact = std::lgamma(static_cast<double>(k) + 1.0);
        INFO("k " << k);
        CHECK(std::fabs(RandomStream::log_factorial(k) - exact) <= 1e-14 * std::max(1.0, exact));
    }
}

TEST_CASE("uniform draws lie in (0, 1) with mean 1/2 and variance 1/12", "[philox]") {
    RandomStream stream(test_seed, 1000);
    constexpr std::size_t sample_count = 1000000;
    double low = 1.0;
    double high = 0.0;
    const std::vector<double> samples = draw_samples(sample_count, [&] {
        const double u = stream.uniform();
        low = std::min(low, u);
        high = std::max(high, u);
        return u;
    });
    CHECK(low > 0.0);
    CHECK(high < 1.0);
    const Moments m = moments_of(samples);
    REQUIRE(m.count == sample_count);
    const double n = static_cast<double>(sample_count);
    check_within_4_standard_errors("uniform mean", m.mean, 0.5, std::sqrt(1.0 / 12.0 / n));
    // Var[(U - 1/2)^2] = 1/80 - 1/144 = 1/180.
    check_within_4_standard_errors("uniform variance", m.variance, 1.0 / 12.0,
                                   std::sqrt(1.0 / 180.0 / n));
    CHECK(stream.draw_index() == sample_count);  // one raw draw per uniform
}

TEST_CASE("normal draws have mean 0, variance 1, skewness 0, excess kurtosis 0", "[philox]") {
    RandomStream stream(test_seed, 1001);
    constexpr std::size_t sample_count = 1000000;
    const Moments m = moments_of(draw_samples(sample_count, [&] { return stream.normal(); }));
    REQUIRE(m.count == sample_count);
    const double n = static_cast<double>(sample_count);
    check_within_4_standard_errors("normal mean", m.mean, 0.0, std::sqrt(1.0 / n));
    check_within_4_standard_errors("normal variance", m.variance, 1.0, std::sqrt(2.0 / n));
    check_within_4_standard_errors("normal skewness", m.skewness, 0.0, std::sqrt(6.0 / n));
    check_within_4_standard_errors("normal excess kurtosis", m.kurtosis_excess, 0.0,
                                   std::sqrt(24.0 / n));
    CHECK(stream.draw_index() == sample_count);  // one raw draw per normal
}

TEST_CASE("exponential draws have mean 1 / rate", "[philox]") {
    RandomStream stream(test_seed, 1002);
    constexpr std::size_t sample_count = 500000;
    const double rate = 2.0;
    const Moments m =
        moments_of(draw_samples(sample_count, [&] { return stream.exponential(rate); }));
    REQUIRE(m.count == sample_count);
    const double n = static_cast<double>(sample_count);
    check_within_4_standard_errors("exponential mean", m.mean, 1.0 / rate,
                                   (1.0 / rate) / std::sqrt(n));
    // Var[(X - 1/rate)^2] = (9 - 1) / rate^4 for the exponential.
    check_within_4_standard_errors("exponential variance", m.variance, 1.0 / (rate * rate),
                                   std::sqrt(8.0 / n) / (rate * rate));
}

TEST_CASE("Poisson draws have mean and variance equal to the mean (0.5, 5, 50, 500)",
          "[philox]") {
    const std::array<double, 4> means = {0.5, 5.0, 50.0, 500.0};
    constexpr std::size_t sample_count = 200000;
    int means_checked = 0;
    std::uint64_t path = 1100;
    for (const double mean : means) {
        RandomStream stream(test_seed, path++);
        const std::vector<double> samples = draw_samples(
            sample_count, [&] { return static_cast<double>(stream.poisson(mean)); });
        const Moments m = moments_of(samples);
        REQUIRE(m.count == sample_count);
        const double n = static_cast<double>(sample_count);
        INFO("mean " << mean);
        check_within_4_standard_errors("Poisson mean", m.mean, mean, std::sqrt(mean / n));
        // Fourth central moment mean + 3 mean^2, so Var[(X - mean)^2] = mean + 2 mean^2.
        check_within_4_standard_errors("Poisson variance", m.variance, mean,
                                       std::sqrt((mean + 2.0 * mean * mean) / n));
        // The whole shape, not just two moments (PTRS is exact only if its squeeze and
        // acceptance test are right): Pearson's chi-square over cells of expected count >= 20.
        const ChiSquare fit = poisson_chi_square(samples, mean);
        check_within_4_standard_errors("Poisson chi-square", fit.statistic, fit.degrees_of_freedom,
                                       std::sqrt(2.0 * fit.degrees_of_freedom));
        ++means_checked;
    }
    CHECK(means_checked == 4);

    RandomStream stream(test_seed, 1199);
    CHECK(stream.poisson(0.0) == 0);
    CHECK(stream.draw_index() == 0);  // mean 0 draws nothing
}

TEST_CASE("gamma draws have mean and variance equal to the shape (0.5, 3)", "[philox]") {
    const std::array<double, 2> shapes = {0.5, 3.0};
    constexpr std::size_t sample_count = 200000;
    int shapes_checked = 0;
    std::uint64_t path = 1200;
    for (const double shape : shapes) {
        RandomStream stream(test_seed, path++);
        const Moments m =
            moments_of(draw_samples(sample_count, [&] { return stream.gamma(shape); }));
        REQUIRE(m.count == sample_count);
        const double n = static_cast<double>(sample_count);
        INFO("shape " << shape);
        check_within_4_standard_errors("gamma mean", m.mean, shape, std::sqrt(shape / n));
        // Fourth central moment 3 k^2 + 6 k, so Var[(X - k)^2] = 2 k^2 + 6 k.
        check_within_4_standard_errors("gamma variance", m.variance, shape,
                                       std::sqrt((2.0 * shape * shape + 6.0 * shape) / n));
        ++shapes_checked;
    }
    CHECK(shapes_checked == 2);
}

TEST_CASE("Student-t draws with 5 degrees of freedom have variance 5/3", "[philox]") {
    RandomStream stream(test_seed, 1300);
    constexpr std::size_t sample_count = 1000000;
    const double nu = 5.0;
    const Moments m = moments_of(draw_samples(sample_count, [&] { return stream.student_t(nu); }));
    REQUIRE(m.count == sample_count);
    const double n = static_cast<double>(sample_count);
    const double variance = nu / (nu - 2.0);
    check_within_4_standard_errors("t mean", m.mean, 0.0, std::sqrt(variance / n));
    // E[X^4] = 3 nu^2 / ((nu - 2)(nu - 4)) = 25 at nu = 5, so Var[X^2] = 25 - 25/9. (The sample
    // fourth moment has no finite variance at nu = 5, hence the exact standard error.)
    const double fourth_moment = 3.0 * nu * nu / ((nu - 2.0) * (nu - 4.0));
    check_within_4_standard_errors("t variance", m.variance, variance,
                                   std::sqrt((fourth_moment - variance * variance) / n));
}

TEST_CASE("Student-t draws follow the t CDF (1, 2 and 3 degrees of freedom), 8/pi draws each",
          "[philox]") {
    // Closed-form CDFs: Cauchy, nu = 2, nu = 3. Pearson's chi-square over fixed cells, symmetric
    // about 0 and reaching far into the tails (where a wrong radius would show first).
    constexpr double pi = 3.14159265358979323846;
    const std::array<std::function<double(double)>, 3> cdfs = {
        [](double x) { return 0.5 + std::atan(x) / pi; },
        [](double x) { return 0.5 + x / (2.0 * std::sqrt(2.0 + x * x)); },
        [](double x) {
            const double s = std::sqrt(3.0);
            return 0.5 + (x / (s * (1.0 + x * x / 3.0)) + std::atan(x / s)) / pi;
        }};
    const std::vector<double> cuts = {-20.0, -10.0, -5.0, -3.0, -2.0, -1.5, -1.0, -0.7, -0.4,
                                      -0.2,  0.0,   0.2,  0.4,  0.7,  1.0,  1.5,  2.0,  3.0,
                                      5.0,   10.0,  20.0};
    constexpr std::size_t sample_count = 200000;
    const double n = static_cast<double>(sample_count);
    int fits_checked = 0;
    for (std::size_t i = 0; i < cdfs.size(); ++i) {
        const double nu = static_cast<double>(i + 1);
        RandomStream stream(test_seed, 1310 + i);
        std::vector<double> observed(cuts.size() + 1, 0.0);
        for (std::size_t k = 0; k < sample_count; ++k) {
            const double t = stream.student_t(nu);
            observed[static_cast<std::size_t>(std::upper_bound(cuts.begin(), cuts.end(), t) -
                                              cuts.begin())] += 1.0;
        }
        double statistic = 0.0;
        double below = 0.0;
        for (std::size_t cell = 0; cell < observed.size(); ++cell) {
            const double upper = cell < cuts.size() ? cdfs[i](cuts[cell]) : 1.0;
            const double expected = n * (upper - below);
            below = upper;
            REQUIRE(expected >= 20.0);
            statistic += (observed[cell] - expected) * (observed[cell] - expected) / expected;
        }
        const double degrees_of_freedom = static_cast<double>(observed.size() - 1);
        INFO("nu " << nu);
        check_within_4_standard_errors("t chi-square", statistic, degrees_of_freedom,
                                       std::sqrt(2.0 * degrees_of_freedom));
        // Two draws per attempt, acceptance pi/4: 8/pi draws per variate, variance of the count
        // 4 (1 - pi/4) / (pi/4)^2 per variate.
        const double acceptance = pi / 4.0;
        check_within_4_standard_errors(
            "t draws per variate", static_cast<double>(stream.draw_index()) / n, 2.0 / acceptance,
            std::sqrt(4.0 * (1.0 - acceptance) / (acceptance * acceptance) / n));
        ++fits_checked;
    }
    CHECK(fits_checked == 3);
}

// A distribution's parameter comes from the caller: a BACKSTOP_ASSERT used to abort on it. Now
// it is std::invalid_argument, and the stream has drawn nothing (the next draw is the same).
TEST_CASE("a distribution's bad parameter is std::invalid_argument and draws nothing", "[philox][regression]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    RandomStream rng(7, 3);
    rng.at_step(2);
    RandomStream untouched = rng;
    for (const double rate : {0.0, -1.0, nan, inf}) CHECK_THROWS_AS(rng.exponential(rate), std::invalid_argument);
    for (const double shape : {0.0, -2.0, nan, inf}) CHECK_THROWS_AS(rng.gamma(shape), std::invalid_argument);
    for (const double nu : {0.0, -5.0, nan, inf}) CHECK_THROWS_AS(rng.student_t(nu), std::invalid_argument);
    for (const double mean : {-1.0, nan, 2e15, inf}) CHECK_THROWS_AS(rng.poisson(mean), std::invalid_argument);
    for (const double p : {0.0, 1.0, -0.5, nan}) CHECK_THROWS_AS(RandomStream::normal_quantile(p), std::invalid_argument);
    CHECK_THROWS_AS(RandomStream::poisson_quantile(0.5, 0.0), std::invalid_argument);
    CHECK_THROWS_AS(RandomStream::poisson_quantile(0.5, 12.0), std::invalid_argument);
    CHECK_THROWS_AS(RandomStream::poisson_quantile(1.0, 2.0), std::invalid_argument);
    CHECK(rng.uniform() == untouched.uniform());
    CHECK(rng.poisson(0.0) == 0);
    CHECK(RandomStream::normal_quantile(0.5) == 0.0);
}

}  // namespace test_risk_philox_test
