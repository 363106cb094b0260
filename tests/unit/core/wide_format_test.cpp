// The wide integers and wide amounts print exactly, like the narrow ones (issue 15: printing).
#include <backstop/core/format.hpp>
#include <backstop/money/assets.hpp>
#include <backstop/money/format.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

namespace test_core_wide_format_test {

using namespace backstop;
using namespace backstop::assets;

TEST_CASE("Int128 and Int256 print their decimal digits", "[docs][format][core]") {
    CHECK(fmt::format("{}", Int128(0)) == "0");
    CHECK(fmt::format("{}", Int128(-42)) == "-42");
    // Beyond int64: 2^100.
    const Int128 big = Int128(1) << 100;
    CHECK(fmt::format("{}", big) == "1267650600228229401496703205376");
    CHECK(fmt::format("{}", -big) == "-1267650600228229401496703205376");
    // Boost's Int128 is signed-magnitude: its extremes are +-(2^128 - 1).
    CHECK(fmt::format("{}", std::numeric_limits<Int128>::max()) == "340282366920938463463374607431768211455");
    CHECK(fmt::format("{}", std::numeric_limits<Int128>::min()) == "-340282366920938463463374607431768211455");
    CHECK(fmt::format("{}", Int256(1) << 200) ==
          "1606938044258990275541962092341162602522202993782792835301376");
    // The string options apply to the digits.
    CHECK(fmt::format("[{:>6}]", Int128(42)) == "[    42]");
    CHECK(fmt::format("[{:*<6}]", Int256(-7)) == "[-7****]");
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

}  // namespace test_core_wide_format_test
