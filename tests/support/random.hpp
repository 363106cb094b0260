// Test inputs from a seeded SplitMix64: the same on every compiler and standard library
// (Catch2 v2's generators draw through std distributions, which are not).
#pragma once

#include <cstdint>
#include <limits>

namespace backstop::testing {

class TestRandom {
public:
    explicit TestRandom(std::uint64_t seed) : state_(seed) {}

    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in [0, bound) for bound > 0 (the tiny modulo bias does not matter for tests).
    std::uint64_t below(std::uint64_t bound) { return next() % bound; }
    bool chance(std::uint64_t one_in) { return below(one_in) == 0; }
    // Uniform in [low, high): the top 53 bits as a fraction.
    double uniform(double low, double high) {
        return low + (high - low) * static_cast<double>(next() >> 11) * 0x1p-53;
    }

    // An int64 that lands near an edge half the time: 0, +-1, +-2^k +- 1, the limits.
    std::int64_t edge_biased_int64() {
        if (chance(2)) return static_cast<std::int64_t>(next());
        switch (below(6)) {
            case 0: return std::numeric_limits<std::int64_t>::max() - static_cast<std::int64_t>(below(3));
            case 1: return std::numeric_limits<std::int64_t>::min() + static_cast<std::int64_t>(below(3));
            case 2: return static_cast<std::int64_t>(below(5)) - 2;
            default: {
                // 2^k - 1 + {-1, 0, 1}, negated half the time; unsigned arithmetic wraps by design.
                const std::uint64_t power = std::uint64_t{1} << below(63);
                std::uint64_t magnitude = power - 1 + below(3) - 1;
                if (chance(2)) magnitude = ~magnitude + 1;
                return static_cast<std::int64_t>(magnitude);
            }
        }
    }

    // An int64 whose bit length is uniform in [0, 64], negated half the time, so that short and
    // long numbers are equally likely (a uniform draw is almost always 19 digits long).
    std::int64_t scale_uniform_int64() {
        const auto length = static_cast<unsigned>(below(65));
        std::uint64_t magnitude = length == 0 ? 0 : next() >> (64 - length);
        if (chance(2)) magnitude = ~magnitude + 1;  // unsigned arithmetic wraps by design
        return static_cast<std::int64_t>(magnitude);
    }

private:
    std::uint64_t state_;
};

}  // namespace backstop::testing
