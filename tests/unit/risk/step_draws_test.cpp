// The lab's vectorised draws: portable_math's log, expm1 and sqrt, StepBlocks (Philox4x32-10 in
// SIMD lanes), student_t_steps, and GarchT's and GarchJump's whole paths.
// Method: accuracy against libm over many arguments; known answers (every lane against the
// scalar philox_block, which philox_test holds to Random123); the same bits from every
// instruction set the CPU has and from any split of a path into runs; then the distributions on
// fixed seeds (sample moments within 4 standard errors, chi-square against closed-form CDFs), so
// the checks cannot flake.
#include <backstop/risk/price_model/garch.hpp>
#include <backstop/risk/price_model/garch_jump.hpp>
#include <backstop/risk/rng/detail/portable_math.hpp>
#include <backstop/risk/rng/detail/vector_sqrt.hpp>
#include <backstop/risk/rng/random_stream.hpp>
#include <backstop/risk/rng/step_blocks.hpp>
#include <backstop/risk/rng/student_t_steps.hpp>

#include "support/random.hpp"
#include "support/scale.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <vector>

using namespace backstop::risk;
using backstop::risk::detail::VectorIsa;

namespace {

constexpr std::uint64_t test_seed = 20261125;
constexpr double hour = 1.0 / 8760.0;

std::vector<VectorIsa> supported_isas() {
    std::vector<VectorIsa> isas;
    for (const VectorIsa isa : {VectorIsa::baseline, VectorIsa::avx2, VectorIsa::avx512}) {
        if (detail::vector_isa_supported(isa)) isas.push_back(isa);
    }
    return isas;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// A double in [2^-lowest_exponent, 1), its mantissa uniform.
double unit_interval_sample(backstop::testing::TestRandom& random, int lowest_exponent) {
    const double mantissa = 0.5 + static_cast<double>(random.next() >> 11) * 0x1p-54;
    return std::ldexp(mantissa, -static_cast<int>(random.below(static_cast<std::uint64_t>(lowest_exponent))));
}

}  // namespace

TEST_CASE("portable log and expm1 agree with libm to a few ulps; sqrt_lanes is std::sqrt", "[rng]") {
    backstop::testing::TestRandom random(test_seed);
    double log_error = 0.0;
    double expm1_error = 0.0;
    std::vector<double> roots_in;
    for (int i = 0; i < 200000; ++i) {
        const double x = unit_interval_sample(random, 70);
        const double log_x = std::log(x);
        if (log_x != 0.0) log_error = std::max(log_error, std::fabs(detail::portable_log(x) - log_x) / std::fabs(log_x));
        const double y = static_cast<double>(random.next() >> 11) * 0x1p-53 * (i % 2 == 0 ? 0.5 : 700.0);
        const double expm1_y = std::expm1(y);
        if (expm1_y != 0.0) {
            expm1_error = std::max(expm1_error, std::fabs(detail::portable_expm1_nonnegative(y) - expm1_y) / expm1_y);
        }
        if (i < 1003) roots_in.push_back(x * std::ldexp(1.0, static_cast<int>(random.below(200)) - 100));
    }
    INFO("largest relative errors: log " << log_error << ", expm1 " << expm1_error);
    CHECK(log_error < 4e-16);
    CHECK(expm1_error < 4e-16);
    // The edges the callers reach: log 1, expm1 0, and the grid's smallest W.
    CHECK(detail::portable_log(1.0) == 0.0);
    CHECK(detail::portable_expm1_nonnegative(0.0) == 0.0);
    // Square roots in every vector width: std::sqrt's bits (a count that leaves a tail, and 0).
    roots_in.push_back(0.0);
    std::vector<double> expected(roots_in.size());
    for (std::size_t i = 0; i < roots_in.size(); ++i) expected[i] = std::sqrt(roots_in[i]);
    for (const VectorIsa isa : supported_isas()) {
        std::vector<double> roots(roots_in.size());
        if (isa == VectorIsa::baseline) detail::sqrt_lanes<VectorIsa::baseline>(roots_in.data(), roots.data(), roots.size());
#if defined(BACKSTOP_VECTOR_DISPATCH)
        if (isa == VectorIsa::avx2) detail::sqrt_lanes_avx2(roots_in.data(), roots.data(), roots.size());
        if (isa == VectorIsa::avx512) detail::sqrt_lanes_avx512(roots_in.data(), roots.data(), roots.size());
#endif
        INFO("instruction set " << static_cast<int>(isa));
        CHECK(same_bits(roots, expected));
    }
    CHECK(std::fabs(detail::portable_log(0x1p-63) + 63.0 * std::log(2.0)) < 1e-13);
    CHECK(std::fabs(detail::portable_expm1_nonnegative(1e-300) - 1e-300) < 1e-315);
}

TEST_CASE("StepBlocks in SIMD lanes equal the scalar Philox4x32-10 (philox_block), block by block", "[rng]") {
    constexpr std::size_t count = 301;  // not a multiple of any vector width
    std::array<std::vector<std::uint32_t>, 4> words;
    for (auto& w : words) w.assign(count, 0);
    const std::uint64_t seed = 0x0123456789ABCDEFULL;
    const std::uint64_t path = 0xFEDCBA9876543210ULL;
    int isas_checked = 0;
    for (const VectorIsa isa : supported_isas()) {
        for (const std::uint32_t first_step : {0u, 4'000'000'000u}) {
            const StepBlockCoordinates at = StepBlockCoordinates::of(seed, path, StepBlockTag::jump_decision, 77);
            philox_step_blocks(at, first_step, count, words[0].data(), words[1].data(), words[2].data(),
                               words[3].data(), isa);
            int mismatches = 0;
            for (std::size_t i = 0; i < count; ++i) {
                const std::uint32_t step = first_step + static_cast<std::uint32_t>(i);
                const PhiloxCounter<std::uint32_t> expected = step_block(seed, path, step, StepBlockTag::jump_decision, 77);
                // The definition spelled out: key = seed, counter = {step, path, tag << 24 | index}.
                const PhiloxCounter<std::uint32_t> by_hand = philox_block<std::uint32_t>(
                    {step, 0x76543210u, 0xFEDCBA98u, (1u << 24) | 77u}, {0x89ABCDEFu, 0x01234567u});
                REQUIRE(expected == by_hand);
                for (std::size_t j = 0; j < 4; ++j) mismatches += words[j][i] != expected[j] ? 1 : 0;
            }
            INFO("instruction set " << static_cast<int>(isa) << ", first step " << first_step);
            CHECK(mismatches == 0);
        }
        ++isas_checked;
    }
    CHECK(isas_checked >= 1);
}

TEST_CASE("student_t_steps gives the same bits on every instruction set and for any split", "[rng]") {
    constexpr std::size_t steps = 1000;
    std::vector<double> reference(steps);
    student_t_steps(test_seed, 5, 0, 5.0, reference.data(), steps, VectorIsa::baseline);
    for (const VectorIsa isa : supported_isas()) {
        std::vector<double> whole(steps);
        student_t_steps(test_seed, 5, 0, 5.0, whole.data(), steps, isa);
        INFO("instruction set " << static_cast<int>(isa));
        CHECK(same_bits(whole, reference));
        // Runs that start anywhere: a step's draw depends on (seed, path, step) only.
        std::vector<double> pieces(steps);
        for (std::size_t first = 0; first < steps;) {
            const std::size_t length = std::min<std::size_t>(steps - first, 1 + (first * 7919) % 300);
            student_t_steps(test_seed, 5, static_cast<std::uint32_t>(first), 5.0, pieces.data() + first, length, isa);
            first += length;
        }
        CHECK(same_bits(pieces, reference));
    }
    // Another path or seed is another sequence.
    std::vector<double> other(steps);
    student_t_steps(test_seed, 6, 0, 5.0, other.data(), steps);
    CHECK_FALSE(same_bits(other, reference));
}

TEST_CASE("student_t_steps follows the t law: variance nu/(nu-2), t CDFs at nu = 1, 2, 3", "[rng]") {
    constexpr double pi = 3.14159265358979323846;
    // nu = 5: the mean and variance with exact standard errors (E[t^4] = 25 at nu = 5).
    {
        constexpr std::size_t count = 1'000'000;
        std::vector<double> t(count);
        student_t_steps(test_seed, 40, 0, 5.0, t.data(), count);
        double sum = 0.0;
        double sum_squares = 0.0;
        for (const double x : t) {
            sum += x;
            sum_squares += x * x;
        }
        const double n = static_cast<double>(count);
        const double variance = 5.0 / 3.0;
        INFO("mean " << sum / n << ", second moment " << sum_squares / n);
        CHECK(std::fabs(sum / n) < 4.0 * std::sqrt(variance / n));
        CHECK(std::fabs(sum_squares / n - variance) < 4.0 * std::sqrt((25.0 - variance * variance) / n));
    }
    // Closed-form CDFs (Cauchy, nu = 2, nu = 3), Pearson's chi-square over cells reaching into
    // the tails, where a wrong radius or a coarse grid would show first.
    const std::array<double (*)(double), 3> cdfs = {
        [](double x) { return 0.5 + std::atan(x) / pi; },
        [](double x) { return 0.5 + x / (2.0 * std::sqrt(2.0 + x * x)); },
        [](double x) {
            const double s = std::sqrt(3.0);
            return 0.5 + (x / (s * (1.0 + x * x / 3.0)) + std::atan(x / s)) / pi;
        }};
    const std::vector<double> cuts = {-20.0, -10.0, -5.0, -3.0, -2.0, -1.5, -1.0, -0.7, -0.4, -0.2, 0.0,
                                      0.2,   0.4,   0.7,  1.0,  1.5,  2.0,  3.0,  5.0,  10.0, 20.0};
    constexpr std::size_t count = 200'000;
    for (std::size_t k = 0; k < cdfs.size(); ++k) {
        const double nu = static_cast<double>(k + 1);
        std::vector<double> t(count);
        student_t_steps(test_seed, 50 + k, 0, nu, t.data(), count);
        std::vector<double> observed(cuts.size() + 1, 0.0);
        for (const double x : t) {
            observed[static_cast<std::size_t>(std::upper_bound(cuts.begin(), cuts.end(), x) - cuts.begin())] += 1.0;
        }
        double statistic = 0.0;
        double below = 0.0;
        for (std::size_t cell = 0; cell < observed.size(); ++cell) {
            const double upper = cell < cuts.size() ? cdfs[k](cuts[cell]) : 1.0;
            const double expected = static_cast<double>(count) * (upper - below);
            below = upper;
            statistic += (observed[cell] - expected) * (observed[cell] - expected) / expected;
        }
        const double degrees_of_freedom = static_cast<double>(observed.size() - 1);
        INFO("nu " << nu << ": chi-square " << statistic << " on " << degrees_of_freedom << " degrees of freedom");
        CHECK(std::fabs(statistic - degrees_of_freedom) < 4.0 * std::sqrt(2.0 * degrees_of_freedom));
    }
}

TEST_CASE("GarchJump paths: same bits on every instruction set, pure in (seed, path)", "[rng][models]") {
    const GarchJump model{};
    constexpr std::size_t steps = 720;
    std::vector<double> reference(steps);
    model.log_returns(test_seed, 9, hour, reference.data(), steps, VectorIsa::baseline);
    for (const VectorIsa isa : supported_isas()) {
        std::vector<double> path(steps);
        model.log_returns(test_seed, 9, hour, path.data(), steps, isa);
        INFO("instruction set " << static_cast<int>(isa));
        CHECK(same_bits(path, reference));
    }
    // A shorter horizon is a prefix of the longer one.
    std::vector<double> prefix(300);
    model.log_returns(test_seed, 9, hour, prefix.data(), prefix.size());
    CHECK(std::equal(prefix.begin(), prefix.end(), reference.begin()));
    // Jumps only add: at zero intensity the path is the same but at the steps whose decision
    // word (word s % 4 of StepBlocks jump_decision at s / 4) is at or above the threshold.
    GarchJump calm = model;
    calm.jump_intensity_per_year = 0.0;
    std::vector<double> diffusive(steps);
    calm.log_returns(test_seed, 9, hour, diffusive.data(), steps);
    const GarchJump::JumpThreshold threshold = model.jump_threshold(hour);
    std::size_t jumps = 0;
    std::size_t mismatches = 0;
    for (std::size_t s = 0; s < steps; ++s) {
        const std::uint32_t step = static_cast<std::uint32_t>(s);
        const std::uint32_t word = step_block(test_seed, 9, step / 4, StepBlockTag::jump_decision, 0)[step % 4];
        const bool jumped = word >= threshold.word;
        jumps += jumped ? 1u : 0u;
        mismatches += jumped == (diffusive[s] != reference[s]) ? 0u : 1u;
    }
    CHECK(mismatches == 0);
    INFO("jumps on the path: " << jumps);
    CHECK(jumps <= 5);  // about 1 a month expected
}

// GarchT's path is GarchJump's diffusive part: the same parameters without jumps give the same
// bits, on every instruction set, for lengths around the 4-step blocks of the variance recursion
// and the 512-step passes, and for the degrees of freedom a fitted model may have (2.0001 up to
// the Gaussian fit's 1e6).
TEST_CASE("GarchT paths are GarchJump's without jumps, bit for bit, on every instruction set",
          "[rng][models][perf_equivalence]") {
    backstop::testing::TestRandom random(test_seed + 1);
    const std::size_t lengths[] = {1, 3, 4, 5, 63, 511, 512, 513, 720, 1024, 1027, 2000};
    const double nus[] = {5.0, 2.0001, 3.0, 8.5, 1e6};
    int compared = 0;
    for (int round = 0; round < 36; ++round) {
        const std::uint64_t seed = round % 6 == 0 ? test_seed : random.next();
        const std::uint64_t path = random.below(1u << 20);
        const std::size_t steps = lengths[static_cast<std::size_t>(round) % 12];
        GarchT model;
        model.mean_per_step = round % 3 == 0 ? 0.0 : random.uniform(-3e-4, 3e-4);
        model.omega = random.uniform(1e-7, 1e-4);
        model.alpha = random.uniform(0.0, 0.2);
        model.beta = random.uniform(0.5, 0.79);
        model.degrees_of_freedom = nus[static_cast<std::size_t>(round) % 5];
        REQUIRE(model.valid());
        GarchJump calm{model.mean_per_step, model.omega, model.alpha, model.beta, model.degrees_of_freedom};
        calm.jump_intensity_per_year = 0.0;
        std::vector<double> reference(steps);
        model.log_returns(seed, path, hour, reference.data(), steps, VectorIsa::baseline);
        for (const VectorIsa isa : supported_isas()) {
            std::vector<double> garch_t(steps);
            std::vector<double> garch_jump(steps);
            model.log_returns(seed, path, hour, garch_t.data(), steps, isa);
            calm.log_returns(seed, path, hour, garch_jump.data(), steps, isa);
            INFO("round " << round << ", instruction set " << static_cast<int>(isa) << ", " << steps << " steps, nu "
                          << model.degrees_of_freedom);
            CHECK(same_bits(garch_t, garch_jump));
            CHECK(same_bits(garch_t, reference));
            ++compared;
        }
        // A shorter horizon is a prefix of the longer one.
        std::vector<double> prefix(steps / 2);
        model.log_returns(seed, path, hour, prefix.data(), prefix.size());
        CHECK(std::equal(prefix.begin(), prefix.end(), reference.begin()));
    }
    CHECK(compared >= 36);
}

// GarchT's path against its definition computed apart, in long double with the C library's log
// and expm1: t of step s from the first accepted polar attempt of its blocks, e = t sqrt((nu - 2)
// / nu), r = mean + sigma e, sigma'^2 = omega + alpha (sigma e)^2 + beta sigma^2 from the
// unconditional variance. Only rounding separates them (the kernel runs the recursion four steps
// at a time, the draws use portable_math), also at nu = 1e6, where W^(-2/nu) - 1 is tiny and a
// plain exp(x) - 1 would lose most of its digits.
TEST_CASE("GarchT paths follow the GARCH(1,1)-t recursion step by step, nu from 2.0001 to 1e6", "[rng][models]") {
    for (const double nu : {2.0001, 5.0, 1e6}) {
        const GarchT model{1e-4, 2e-6, 0.08, 0.90, nu};
        constexpr std::size_t steps = 1500;
        std::vector<double> path(steps);
        model.log_returns(test_seed, 11, hour, path.data(), steps);
        long double variance = static_cast<long double>(model.omega) / (1.0L - 0.08L - 0.90L);
        const long double scale = std::sqrt((static_cast<long double>(nu) - 2.0L) / static_cast<long double>(nu));
        double worst = 0.0;
        for (std::size_t s = 0; s < steps; ++s) {
            long double t = 0.0L;
            for (std::uint32_t index = 0;; ++index) {
                const PhiloxCounter<std::uint32_t> block =
                    step_block(test_seed, 11, static_cast<std::uint32_t>(s), StepBlockTag::student_t, index);
                const long double u1 = detail::polar_coordinate(block[0]), v1 = detail::polar_coordinate(block[1]);
                const long double u2 = detail::polar_coordinate(block[2]), v2 = detail::polar_coordinate(block[3]);
                const long double w1 = u1 * u1 + v1 * v1;
                const long double w2 = u2 * u2 + v2 * v2;
                if (w1 > 1.0L && w2 > 1.0L) continue;
                const long double u = w1 <= 1.0L ? u1 : u2;
                const long double w = w1 <= 1.0L ? w1 : w2;
                t = u * std::sqrt(static_cast<long double>(nu) * std::expm1(-2.0L / static_cast<long double>(nu) * std::log(w)) / w);
                break;
            }
            const long double sigma = std::sqrt(variance);
            const long double e = t * scale;
            const long double expected = 1e-4L + sigma * e;
            worst = std::max(worst, static_cast<double>(std::fabs(static_cast<long double>(path[s]) - expected) /
                                                        (sigma * (1.0L + std::fabs(e)))));
            variance = 2e-6L + 0.08L * sigma * sigma * e * e + 0.90L * variance;
        }
        INFO("nu " << nu << ": largest error " << worst << " of sigma (1 + |e|)");
        CHECK(worst < 1e-13);
    }
}

// At nu = 1e6 (the Gaussian fit's) the unit-variance shocks are normal to within 6 / nu in their
// kurtosis: E e^2 = 1 and E e^4 = 3 within 4 standard errors (Var e^2 = 2, Var e^4 = 96).
TEST_CASE("GarchT's shocks at nu = 1e6 have the normal's second and fourth moments", "[rng][models]") {
    constexpr double nu = 1e6;
    constexpr std::size_t count = 1'000'000;
    std::vector<double> t(count);
    student_t_steps(test_seed, 70, 0, nu, t.data(), count);
    const double scale = std::sqrt((nu - 2.0) / nu);
    double second = 0.0;
    double fourth = 0.0;
    for (const double x : t) {
        const double e2 = x * scale * x * scale;
        second += e2;
        fourth += e2 * e2;
    }
    const double n = static_cast<double>(count);
    INFO("E e^2 " << second / n << ", E e^4 " << fourth / n);
    CHECK(std::fabs(second / n - 1.0) < 4.0 * std::sqrt(2.0 / n));
    CHECK(std::fabs(fourth / n - 3.0) < 4.0 * std::sqrt(96.0 / n));
}

TEST_CASE("GarchJump jumps at e^(-lambda dt) per step, its count given a jump is zero-truncated Poisson", "[rng][models]") {
    // A high intensity (lambda dt = 0.3 per step) so that counts of 1, 2 and 3 are all frequent.
    GarchJump model{};
    model.jump_intensity_per_year = 0.3 / hour;
    model.jump_volatility = 0.0;  // a jump of N is then exactly N jump_mean: the count is visible
    model.jump_mean = -1.0;
    model.omega = 1e-30;          // the diffusive part below 1e-12: rounding to the count exact
    model.alpha = 0.0;
    model.beta = 0.0;
    constexpr std::size_t steps = 20'000;
    constexpr std::size_t paths = 10;
    std::array<double, 5> counts{};  // 0, 1, 2, 3, 4 or more
    for (std::size_t p = 0; p < paths; ++p) {
        std::vector<double> r(steps);
        model.log_returns(test_seed, 300 + p, hour, r.data(), steps);
        for (const double x : r) {
            const double jumps = std::round(-x);
            REQUIRE(std::fabs(-x - jumps) < 1e-9);
            counts[static_cast<std::size_t>(std::min(jumps, 4.0))] += 1.0;
        }
    }
    const double n = static_cast<double>(steps * paths);
    const double m = 0.3;
    double below = 0.0;
    double probability = std::exp(-m);
    for (std::size_t k = 0; k < counts.size(); ++k) {
        const double p = k + 1 < counts.size() ? probability : 1.0 - below;
        INFO(k << " jumps: " << counts[k] << " of " << n << ", expected " << n * p);
        CHECK(std::fabs(counts[k] - n * p) < 4.0 * std::sqrt(n * p * (1.0 - p)));
        below += probability;
        probability *= m / static_cast<double>(k + 1);
    }
}

TEST_CASE("GarchJump's threshold puts P(no jump) at e^(-lambda dt) to 2^-32 and beyond", "[rng][models]") {
    const GarchJump model{};
    const GarchJump::JumpThreshold t = model.jump_threshold(hour);
    REQUIRE(t.can_jump);
    const double p = std::exp(-model.jump_intensity_per_year * hour);
    CHECK(std::fabs(t.no_jump - p) < 4e-16);
    CHECK(std::fabs((static_cast<double>(t.word) + t.fraction) * 0x1p-32 - p) < 1e-15);
    CHECK(t.fraction >= 0.0);
    CHECK(t.fraction < 1.0);
    GarchJump calm = model;
    calm.jump_intensity_per_year = 0.0;
    CHECK_FALSE(calm.jump_threshold(hour).can_jump);
}

TEST_CASE("RandomStream sub-streams move no draw of sub-stream 0", "[rng]") {
    RandomStream a(test_seed, 3);
    RandomStream b(test_seed, 3);
    a.at_step(10);
    const std::uint64_t first = a.next_u64();
    b.at_substream(10, GarchJump::jump_substream);
    const std::uint64_t other = b.next_u64();
    b.at_step(10);
    CHECK(b.next_u64() == first);
    CHECK(other != first);
    // The definition: counter {draw / 4, step, sub-stream, 0}.
    CHECK(other == philox_block<std::uint64_t>({0, 10, GarchJump::jump_substream, 0}, {test_seed, 3})[0]);
}

TEST_CASE("Poisson inversion ends at the top cells of u, where rounding leaves the sum below u", "[rng]") {
    // The largest uniforms RandomStream gives (1 - 2^-53 and its neighbours) and jump means from
    // tiny to 9.9. Waiting for the terms to underflow returned counts like 75 at mean 12 / 8760;
    // the true quantiles there are a handful (P(N >= 20 + 4 mean) is far below 2^-53).
    const std::array<double, 4> top_cells = {1.0 - 0x1p-53, 1.0 - 0x1p-52, 1.0 - 0x1p-50, 1.0 - 0x1p-45};
    int checked = 0;
    for (const double mean : {1e-6, 12.0 / 8760.0, 0.01, 0.3, 1.0, 5.0, 9.9}) {
        GarchJump model{};
        model.jump_intensity_per_year = mean / hour;
        const GarchJump::JumpThreshold threshold = model.jump_threshold(hour);
        std::uint64_t previous = 0;
        std::uint64_t previous_truncated = 1;
        for (double u = 0.001; u < 1.0; u += 0.0617) {  // and monotone in u below the top
            const std::uint64_t k = RandomStream::poisson_quantile(u, mean);
            const std::uint64_t truncated = GarchJump::jump_count_quantile(u, threshold);
            CHECK(k >= previous);
            CHECK(truncated >= previous_truncated);
            previous = k;
            previous_truncated = truncated;
        }
        for (const double u : top_cells) {
            INFO("mean " << mean << ", u = 1 - " << 1.0 - u);
            CHECK(RandomStream::poisson_quantile(u, mean) <= 20 + 4 * static_cast<std::uint64_t>(mean));
            CHECK(GarchJump::jump_count_quantile(u, threshold) <= 20 + 4 * static_cast<std::uint64_t>(mean));
            ++checked;
        }
    }
    CHECK(checked == 28);
}

// The vector paths (AVX-512 Philox in 32-bit lanes, the chunk's partial last block in groups of
// 16, the jump-decision scan in the dispatched kernel) against the definitions step by step: each
// draw from its own blocks through the one-lane polar method, each jump decision from its block.
TEST_CASE("student_t_steps and GarchJump's jump decisions equal their step-by-step definitions", "[rng][perf_equivalence]") {
    backstop::testing::TestRandom random(test_seed);
    for (int round = 0; round < 40; ++round) {
        const std::uint64_t seed = random.next();
        const std::uint64_t path = random.next();
        const std::size_t lengths[] = {1, 15, 16, 17, 63, 64, 65, 208, 511, 512, 513, 720};
        const std::size_t count = lengths[static_cast<std::size_t>(round) % 12];
        const std::uint32_t first_step = round % 5 == 0 ? 0xFFFFFFFFu - static_cast<std::uint32_t>(count) + 1u
                                                        : static_cast<std::uint32_t>(random.below(1u << 30));
        const double nu = round % 3 == 0 ? 5.0 : 0.2 + static_cast<double>(random.below(100)) / 10.0;
        std::vector<double> expected(count);
        for (std::size_t i = 0; i < count; ++i) {
            const std::uint32_t step = first_step + static_cast<std::uint32_t>(i);
            for (std::uint32_t index = 0;; ++index) {
                const PhiloxCounter<std::uint32_t> block = step_block(seed, path, step, StepBlockTag::student_t, index);
                std::uint8_t accepted = 0;
                detail::polar_two_attempts<VectorIsa::baseline, 1>(&block[0], &block[1], &block[2], &block[3], nu,
                                                                   &expected[i], &accepted);
                if (accepted != 0) break;
            }
        }
        for (const VectorIsa isa : supported_isas()) {
            std::vector<double> draws(count);
            student_t_steps(seed, path, first_step, nu, draws.data(), count, isa);
            INFO("round " << round << ", instruction set " << static_cast<int>(isa) << ", " << count << " steps");
            CHECK(same_bits(draws, expected));
        }
    }
    GarchJump model{};
    model.jump_intensity_per_year = 0.3 / hour;  // a jump about every fourth step
    const GarchJump::JumpThreshold threshold = model.jump_threshold(hour);
    for (int round = 0; round < 10; ++round) {
        const std::uint64_t seed = random.next();
        const std::uint64_t path = random.next();
        const std::size_t steps = round % 2 == 0 ? 720 : 1 + static_cast<std::size_t>(random.below(1100));
        for (const VectorIsa isa : supported_isas()) {
            std::vector<std::uint32_t> counts(steps);
            model.jump_counts(seed, path, hour, counts.data(), steps, isa);
            std::size_t mismatches = 0;
            for (std::size_t s = 0; s < steps; ++s) {
                const std::uint32_t step = static_cast<std::uint32_t>(s);
                const std::uint32_t word = step_block(seed, path, step / 4, StepBlockTag::jump_decision, 0)[step % 4];
                // Above the threshold a step jumps; below it never; at it a uniform decides.
                const bool consistent = word > threshold.word ? counts[s] > 0 : word < threshold.word ? counts[s] == 0 : true;
                mismatches += consistent ? 0u : 1u;
            }
            INFO("round " << round << ", instruction set " << static_cast<int>(isa) << ", " << steps << " steps");
            CHECK(mismatches == 0);
        }
    }
}

// The whole-path draws' public entry points take a caller's nu and step range: they used to be
// BACKSTOP_ASSERTs (an abort); now they are std::invalid_argument.
TEST_CASE("student_t_steps, philox_step_blocks and StepBlockCoordinates refuse a bad nu, step range or index", "[rng][regression]") {
    std::vector<double> out(8);
    for (const double nu : {0.1, -1.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
        CHECK_THROWS_AS(student_t_steps(1, 2, 0, nu, out.data(), out.size()), std::invalid_argument);
    }
    CHECK_THROWS_AS(student_t_steps(1, 2, 0xFFFFFFFCu, 5.0, out.data(), out.size()), std::invalid_argument);
    CHECK_NOTHROW(student_t_steps(1, 2, 0xFFFFFFF8u, 5.0, out.data(), out.size()));
    std::vector<std::uint32_t> w0(8), w1(8), w2(8), w3(8);
    const auto coordinates = StepBlockCoordinates::of(1, 2, StepBlockTag::jump_decision, 0);
    CHECK_THROWS_AS(philox_step_blocks(coordinates, 0xFFFFFFFCu, 8, w0.data(), w1.data(), w2.data(), w3.data()),
                    std::invalid_argument);
    CHECK_NOTHROW(philox_step_blocks(coordinates, 0xFFFFFFF8u, 8, w0.data(), w1.data(), w2.data(), w3.data()));
    CHECK_THROWS_AS(StepBlockCoordinates::of(1, 2, StepBlockTag::jump_decision, 1u << 24), std::invalid_argument);
}
