// The wide integers print exactly, like the narrow ones (issue 15: printing); Int128 checks its
// operators and keeps its symmetric range (issue 19: our own type on __int128).
#include <backstop/core/checked_arith.hpp>
#include <backstop/core/format.hpp>
#include <backstop/money/assets.hpp>
#include <backstop/money/format.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <type_traits>

namespace test_core_wide_format_test {

using namespace backstop;
using namespace backstop::assets;

TEST_CASE("Int128 and Int192 print their decimal digits", "[docs][format][core]") {
    CHECK(fmt::format("{}", Int128(0)) == "0");
    CHECK(fmt::format("{}", Int128(-42)) == "-42");
    // Beyond int64: 2^100.
    const Int128 big = Int128(1) << 100;
    CHECK(fmt::format("{}", big) == "1267650600228229401496703205376");
    CHECK(fmt::format("{}", -big) == "-1267650600228229401496703205376");
    // Int128's range is symmetric: +-(2^127 - 1).
    CHECK(fmt::format("{}", std::numeric_limits<Int128>::max()) == "170141183460469231731687303715884105727");
    CHECK(fmt::format("{}", std::numeric_limits<Int128>::min()) == "-170141183460469231731687303715884105727");
    Int192 sum = 0;  // 2^189: 2^126 doubled 63 times
    sum += Int128(1) << 126;
    for (int i = 0; i < 63; ++i) sum += sum;
    CHECK(fmt::format("{}", sum) == "784637716923335095479473677900958302012794430558004314112");
    CHECK(fmt::format("{}", -sum) == "-784637716923335095479473677900958302012794430558004314112");
    CHECK(fmt::format("{}", sum - sum + Int192(-42)) == "-42");
    CHECK(fmt::format("{}", Int192(std::numeric_limits<Int128>::max()) + Int192(1)) ==
          "170141183460469231731687303715884105728");  // 2^127, past Int128
    // The string options apply to the digits.
    CHECK(fmt::format("[{:>6}]", Int128(42)) == "[    42]");
    CHECK(fmt::format("[{:*<6}]", Int192(-7)) == "[-7****]");
}

TEST_CASE("Wide amounts print like narrow ones", "[docs][format][money]") {
    CHECK(fmt::format("{}", Amount<USDC, Int128>(Int128(123'456'789))) == "123.456789 USDC");
    CHECK(fmt::format("{}", Amount<USDC, Int128>(Int128(-1))) == "-0.000001 USDC");
    // ETH has 18 decimals and Int128 atoms by default.
    CHECK(fmt::format("{}", Amount<ETH>(Int128(1))) == "0.000000000000000001 ETH");
    const Amount<USDC, Int128> huge(Int128(1) << 100);
    CHECK(fmt::format("{}", huge) == "1267650600228229401496703.205376 USDC");
    CHECK(fmt::format("{:n}", huge) == "1267650600228229401496703.205376");
    CHECK(fmt::format("[{:>20}]", Amount<USDC, Int128>(Int128(5'000'000))) == "[       5.000000 USDC]");
}

TEST_CASE("Int128: a checked __int128 with a symmetric range", "[core][int128]") {
    using detail::int128;
    const Int128 max = std::numeric_limits<Int128>::max();
    CHECK(max.raw() == int128((~detail::uint128{0}) >> 1));
    CHECK(std::numeric_limits<Int128>::min() == -max);
    CHECK(std::numeric_limits<Int128>::lowest() == -max);
    CHECK(std::numeric_limits<Int128>::digits == 127);
    CHECK(sizeof(Int128) == 16);
    CHECK(std::is_trivially_copyable<Int128>::value);

    SECTION("the operators agree with __int128 where it fits") {
        const Int128 a = Int128(123'456'789'012'345'678) * 1'000'000'007;
        const Int128 b(-987'654'321);
        const int128 ra = int128(123'456'789'012'345'678) * 1'000'000'007;
        const int128 rb = -987'654'321;
        CHECK((a + b).raw() == ra + rb);
        CHECK((a - b).raw() == ra - rb);
        CHECK((a * Int128(3)).raw() == ra * 3);
        CHECK((b * b).raw() == rb * rb);
        CHECK((a / b).raw() == ra / rb);  // truncates toward zero
        CHECK((a % b).raw() == ra % rb);  // the dividend's sign
        CHECK((Int128(-7) >> 1).raw() == -4);  // floor, as the builtin shift
        CHECK((Int128(-3) << 100).raw() == int128(-3) * (int128(1) << 100));
        CHECK(a > b);
        CHECK(b < 0);
        CHECK(static_cast<double>(Int128(1) << 100) == 1267650600228229401496703205376.0);
        CHECK(static_cast<std::int64_t>(b) == -987'654'321);
        Int128 c = 5;
        c += 2;
        c *= -3;
        c -= 1;
        c /= 2;
        CHECK(c == -11);
        CHECK(to_string(-max) == "-170141183460469231731687303715884105727");
        CHECK(to_string(Int128(0)) == "0");
        CHECK(to_string(Int128(10'000'000'000'000'000'000u) * 10) == "100000000000000000000");
    }
    SECTION("an overflow, a zero divisor or a narrowing that does not fit throws") {
        CHECK_THROWS_AS(max + 1, std::overflow_error);
        CHECK_THROWS_AS(-max - 1, std::overflow_error);  // -2^127 is excluded
        CHECK_THROWS_AS(-max - max, std::overflow_error);
        CHECK_THROWS_AS((Int128(1) << 64) * (Int128(1) << 63), std::overflow_error);
        CHECK_THROWS_AS((Int128(1) << 126) * -2, std::overflow_error);  // -2^127 again
        CHECK_THROWS_AS(Int128(3) << 126, std::overflow_error);
        CHECK_THROWS_AS(Int128(1) << 127, std::overflow_error);
        CHECK_THROWS_AS(Int128(1) << -1, std::overflow_error);
        CHECK_THROWS_AS(Int128(1) / 0, std::overflow_error);
        CHECK_THROWS_AS(Int128(1) % 0, std::overflow_error);
        CHECK_THROWS_AS(Int128(-(int128(1) << 126) * 2), std::overflow_error);  // -2^127 as a raw value
        CHECK_THROWS_AS(Int128(~detail::uint128{0}), std::overflow_error);
        CHECK_THROWS_AS(static_cast<std::int64_t>(Int128(1) << 63), std::overflow_error);
        CHECK(static_cast<std::int64_t>(-(Int128(1) << 63)) == std::numeric_limits<std::int64_t>::min());
        CHECK_THROWS_AS(static_cast<std::uint64_t>(Int128(-1)), std::overflow_error);
        // To the 128-bit builtins (is_unsigned does not know unsigned __int128 in strict mode).
        CHECK(static_cast<detail::uint128>(max) == (~detail::uint128{0} >> 1));
        CHECK(static_cast<detail::uint128>(Int128(5)) == 5);
        CHECK_THROWS_AS(static_cast<detail::uint128>(Int128(-5)), std::overflow_error);
        CHECK(static_cast<int128>(-max) == -static_cast<int128>(~detail::uint128{0} >> 1));
        CHECK_THROWS_AS(Int128(170141183460469231731687303715884105728.0), std::overflow_error);  // 2^127
        CHECK_THROWS_AS(Int128(std::nan("")), std::overflow_error);
        CHECK(Int128(-2.9) == -2);
        // The checked functions return the error instead.
        CHECK(checked_add(max, Int128(1)).error().code == ErrorCode::overflow);
        CHECK(checked_sub(-max, Int128(1)).error().code == ErrorCode::overflow);
        CHECK(checked_mul(Int128(1) << 126, Int128(-2)).error().code == ErrorCode::overflow);
        CHECK(checked_add(max - 1, Int128(1)).value() == max);
    }
}

}  // namespace test_core_wide_format_test
