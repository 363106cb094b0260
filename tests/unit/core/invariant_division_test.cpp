// InvariantDivisor (core/invariant_division.hpp) against the hardware division: every power of
// ten the engine uses as a market's divisor, other divisors (powers of two, 2^63 - 1, odd ones),
// numerators at multiples of the divisor and one either side, and up to 2^63 - 1.
#include <backstop/core/invariant_division.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "support/random.hpp"

namespace test_core_invariant_division_test {

using backstop::detail::InvariantDivisor;
using backstop::testing::TestRandom;

TEST_CASE("division by an invariant divisor equals the hardware's", "[core][perf_equivalence]") {
    std::vector<std::uint64_t> divisors;
    std::uint64_t ten = 1;
    for (int k = 0; k <= 18; ++k, ten *= 10) divisors.push_back(ten);
    for (int k = 0; k <= 62; ++k) divisors.push_back(std::uint64_t{1} << k);
    divisors.push_back((std::uint64_t{1} << 63) - 1);
    divisors.push_back(3);
    divisors.push_back(7);
    divisors.push_back(641);
    divisors.push_back(6'700'417);
    divisors.push_back(999'999'999'999'999'989);
    TestRandom random(19);
    constexpr std::uint64_t top = (std::uint64_t{1} << 63) - 1;
    std::uint64_t checked = 0;
    for (const std::uint64_t d : divisors) {
        const InvariantDivisor divisor(d);
        auto check = [&](std::uint64_t n) {
            if (n > top) return;
            ++checked;
            if (divisor.quotient(n) != n / d) {
                FAIL_CHECK("divisor " << d << " numerator " << n << ": " << divisor.quotient(n) << " != " << n / d);
            }
        };
        for (const std::uint64_t n : {std::uint64_t{0}, std::uint64_t{1}, d - 1, d, d + 1, top, top - 1, top / d * d,
                                      top / d * d - 1}) {
            check(n);
        }
        for (int k = 0; k < 20'000; ++k) {
            const std::uint64_t n = random.next() >> (1 + random.below(63));  // every magnitude below 2^63
            check(n);
            const std::uint64_t multiple = n / d * d;  // a multiple of d, and one either side
            check(multiple);
            if (multiple > 0) check(multiple - 1);
            check(multiple + 1);
        }
    }
    CHECK(checked > 5'000'000);
}

}  // namespace test_core_invariant_division_test
