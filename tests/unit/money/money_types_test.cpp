// Unit tests of the money types' semantics. Goal: pin down what Amount, Quantity, Price, Bps/Ppm,
// rep_cast, mul_div, apply_rate, notional and the fmt formatters do, with numbers a reader can
// check by hand. Method: hand-written cases, the arithmetic worked out in the comments (atoms are
// the asset's smallest unit: 1 USDC = 10^6 atoms, 1 BTC = 10^8 satoshi); every failure is checked
// to be exactly its ErrorCode ("nothing else": no value alongside); what must not compile is
// checked with type traits and STATIC_REQUIRE; formatted text is compared character for character.
#include <backstop/core/int192.hpp>
#include <backstop/money/money.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace test_money_money_types_test {

using namespace backstop;
using namespace backstop::assets;

namespace {

constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t int64_min = std::numeric_limits<std::int64_t>::min();

// "value <fmt text>" or the error code's name: one string that shows both sides on failure.
template <class T>
std::string outcome(const Result<T>& result) {
    if (!result) return std::string(error_code_name(result.error().code));
    return "value " + fmt::format("{}", *result);
}

// A user-declared asset, in one line as docs/money.md shows.
struct SOL { static constexpr std::string_view symbol = "SOL"; static constexpr int decimals = 9; };

// A meme coin whose price needs more decimals than its quote (see the PriceScale below), and a
// whole-unit asset priced more coarsely than its quote, which makes notional's scale multiply.
struct PEPE {
    static constexpr std::string_view symbol = "PEPE";
    static constexpr int decimals = 18;
    using rep = Int128;
};
struct GOLD {
    static constexpr std::string_view symbol = "GOLD";
    static constexpr int decimals = 0;
};

// Compile-time probes: does an expression compile?
template <class A, class B, class = void>
struct can_add : std::false_type {};
template <class A, class B>
struct can_add<A, B, std::void_t<decltype(std::declval<A>() + std::declval<B>())>> : std::true_type {};

template <class A, class B, class = void>
struct can_subtract : std::false_type {};
template <class A, class B>
struct can_subtract<A, B, std::void_t<decltype(std::declval<A>() - std::declval<B>())>>
    : std::true_type {};

template <class A, class B, class = void>
struct can_compare : std::false_type {};
template <class A, class B>
struct can_compare<A, B, std::void_t<decltype(std::declval<A>() < std::declval<B>())>>
    : std::true_type {};

template <class Q, class P, class = void>
struct can_notional : std::false_type {};
template <class Q, class P>
struct can_notional<Q, P, std::void_t<decltype(notional(std::declval<Q>(), std::declval<P>(), round_down))>>
    : std::true_type {};

template <class A, class N, class = void>
struct can_mul_div : std::false_type {};
template <class A, class N>
struct can_mul_div<A, N, std::void_t<decltype(mul_div(std::declval<A>(), std::declval<N>(), 1, round_down))>>
    : std::true_type {};

}  // namespace

}  // namespace test_money_money_types_test

template <>
struct backstop::PriceScale<test_money_money_types_test::PEPE, backstop::assets::USDC> {
    static constexpr int decimals = 12;  // 0.000012345678 USDC per PEPE needs 12 decimals
};
template <>
struct backstop::PriceScale<test_money_money_types_test::GOLD, backstop::assets::USDC> {
    static constexpr int decimals = 2;  // quoted in cents
};

namespace test_money_money_types_test {

TEST_CASE("misuse of the money types does not compile", "[money]") {
    // No construction from floating point, no implicit construction from integers.
    STATIC_REQUIRE_FALSE(std::is_constructible<Amount<USDC>, double>::value);
    STATIC_REQUIRE_FALSE(std::is_constructible<Amount<USDC>, float>::value);
    STATIC_REQUIRE_FALSE(std::is_constructible<Amount<USDC>, long double>::value);
    STATIC_REQUIRE_FALSE(std::is_convertible<int, Amount<USDC>>::value);
    STATIC_REQUIRE_FALSE(std::is_convertible<std::int64_t, Amount<USDC>>::value);
    STATIC_REQUIRE(std::is_constructible<Amount<USDC>, int>::value);  // explicitly, it is fine
    STATIC_REQUIRE(std::is_constructible<Amount<USDC>, std::int64_t>::value);
    STATIC_REQUIRE(std::is_constructible<Amount<USDC>, std::uint32_t>::value);
    // Integers the representation cannot hold without loss, and bool, are refused.
    STATIC_REQUIRE_FALSE(std::is_constructible<Amount<USDC>, std::uint64_t>::value);
    STATIC_REQUIRE_FALSE(std::is_constructible<Amount<USDC>, bool>::value);
    STATIC_REQUIRE_FALSE(std::is_constructible<Amount<USDC, double>, std::int64_t>::value);
    STATIC_REQUIRE(std::is_constructible<Amount<USDC, double>, double>::value);
    STATIC_REQUIRE(std::is_constructible<Amount<ETH>, std::uint64_t>::value);  // Int128 holds it

    // Assets are distinct types, even with the same decimals.
    STATIC_REQUIRE_FALSE(std::is_same<Amount<USDC>, Amount<BTC>>::value);
    STATIC_REQUIRE_FALSE(std::is_same<Amount<USDC>, Amount<USDT>>::value);
    STATIC_REQUIRE_FALSE(std::is_convertible<Amount<USDC>, Amount<BTC>>::value);
    STATIC_REQUIRE_FALSE(std::is_constructible<Amount<BTC>, Amount<USDC>>::value);
    STATIC_REQUIRE_FALSE(std::is_convertible<Amount<USDC>, Amount<USDT>>::value);
    STATIC_REQUIRE_FALSE(std::is_constructible<Amount<USDT>, Amount<USDC>>::value);
    STATIC_REQUIRE_FALSE(can_add<Amount<USDC>, Amount<BTC>>::value);
    STATIC_REQUIRE_FALSE(can_add<Amount<USDC>, Amount<USDT>>::value);
    STATIC_REQUIRE_FALSE(can_subtract<Amount<USDC>, Amount<BTC>>::value);
    STATIC_REQUIRE_FALSE(can_compare<Amount<USDC>, Amount<BTC>>::value);
    STATIC_REQUIRE(can_add<Amount<USDC>, Amount<USDC>>::value);
    STATIC_REQUIRE(can_compare<Amount<USDC>, Amount<USDC>>::value);

    // Raw numbers, other representations and other kinds of value do not mix with amounts.
    STATIC_REQUIRE_FALSE(can_add<Amount<USDC>, int>::value);
    STATIC_REQUIRE_FALSE(can_add<int, Amount<USDC>>::value);
    STATIC_REQUIRE_FALSE(can_add<Amount<USDC>, double>::value);
    STATIC_REQUIRE_FALSE(can_compare<Amount<USDC>, int>::value);
    STATIC_REQUIRE_FALSE(can_add<Amount<USDC>, Amount<USDC, double>>::value);
    STATIC_REQUIRE_FALSE(can_add<Amount<USDC>, Amount<USDC, Int128>>::value);
    STATIC_REQUIRE_FALSE(can_add<Quantity<BTC>, Amount<BTC>>::value);
    STATIC_REQUIRE_FALSE(std::is_convertible<Quantity<BTC>, Amount<BTC>>::value);
    STATIC_REQUIRE_FALSE(std::is_constructible<Amount<BTC>, Quantity<BTC>>::value);
    STATIC_REQUIRE(can_mul_div<Amount<USDC>, int>::value);
    STATIC_REQUIRE_FALSE(can_mul_div<Amount<USDC>, double>::value);  // a ratio is integers

    // Changing representation is explicit; narrowing goes through rep_cast.
    STATIC_REQUIRE(std::is_constructible<Amount<USDC, Int128>, Amount<USDC>>::value);
    STATIC_REQUIRE_FALSE(std::is_convertible<Amount<USDC>, Amount<USDC, Int128>>::value);
    STATIC_REQUIRE_FALSE(std::is_constructible<Amount<USDC>, Amount<USDC, Int128>>::value);
    STATIC_REQUIRE_FALSE(std::is_constructible<Amount<USDC>, Amount<USDC, double>>::value);
    STATIC_REQUIRE_FALSE(std::is_constructible<Amount<USDC, double>, Amount<USDC>>::value);

    // Rates: Bps and Ppm are different types, and neither is a raw number.
    STATIC_REQUIRE_FALSE(std::is_convertible<Bps, Ppm>::value);
    STATIC_REQUIRE_FALSE(std::is_constructible<Ppm, Bps>::value);
    STATIC_REQUIRE_FALSE(can_add<Bps, Ppm>::value);
    STATIC_REQUIRE_FALSE(can_compare<Bps, Ppm>::value);
    STATIC_REQUIRE_FALSE(std::is_convertible<int, Bps>::value);
    STATIC_REQUIRE_FALSE(std::is_constructible<Bps, double>::value);
    STATIC_REQUIRE_FALSE(can_add<Bps, int>::value);

    // Prices belong to a pair; notional needs the matching pair.
    STATIC_REQUIRE_FALSE(std::is_convertible<Price<BTC, USDC>, Price<BTC, USDT>>::value);
    STATIC_REQUIRE_FALSE(std::is_constructible<Price<BTC, USDC>, double>::value);
    STATIC_REQUIRE_FALSE(std::is_convertible<int, Price<BTC, USDC>>::value);
    STATIC_REQUIRE(can_notional<Quantity<BTC>, Price<BTC, USDC>>::value);
    STATIC_REQUIRE_FALSE(can_notional<Quantity<ETH>, Price<BTC, USDC>>::value);
    STATIC_REQUIRE_FALSE(can_notional<Quantity<USDC>, Price<BTC, USDC>>::value);

    // Small, plain values.
    STATIC_REQUIRE(std::is_trivially_copyable<Amount<USDC>>::value);
    STATIC_REQUIRE(sizeof(Amount<USDC>) == sizeof(std::int64_t));
    STATIC_REQUIRE(std::is_trivially_copyable<Price<BTC, USDC>>::value);
    STATIC_REQUIRE(std::is_trivially_copyable<Bps>::value);
    STATIC_REQUIRE(std::is_same<Amount<USDC>::rep, std::int64_t>::value);
    STATIC_REQUIRE(std::is_same<Amount<ETH>::rep, Int128>::value);
    STATIC_REQUIRE(std::is_same<Quantity<ETH>::rep, Int128>::value);
    STATIC_REQUIRE(is_amount<Amount<USDC>>::value);
    STATIC_REQUIRE_FALSE(is_amount<Quantity<USDC>>::value);
    STATIC_REQUIRE(is_price<Price<BTC, USDC>>::value);
    STATIC_REQUIRE(is_rate<Bps>::value);
    STATIC_REQUIRE(is_rate<Ppm>::value);
    STATIC_REQUIRE(Amount<USDC>::is_exact);
    STATIC_REQUIRE_FALSE(Amount<USDC, double>::is_exact);
}

TEST_CASE("Amount construction", "[money]") {
    SECTION("from atoms") {
        const Amount<USDC> a(1'500'000);  // 1.5 USDC
        CHECK(a.atoms() == 1'500'000);
        CHECK(a.to_string() == "1.500000");
        CHECK(Amount<USDC>::from_atoms(1'500'000) == a);
        CHECK(Amount<USDC>::symbol() == "USDC");
        CHECK(Amount<USDC>::decimals() == 6);
        CHECK(Amount<BTC>::decimals() == 8);
        CHECK(Amount<ETH>::decimals() == 18);
        CHECK(Amount<USDC>(std::uint32_t{4'000'000'000}).to_string() == "4000.000000");
    }
    SECTION("zero") {
        const Amount<USDC> zero;
        CHECK(zero.atoms() == 0);
        CHECK(zero == Amount<USDC>::zero());
        CHECK(zero == Amount<USDC>(0));
        CHECK(zero.is_zero());
        CHECK_FALSE(zero.is_positive());
        CHECK_FALSE(zero.is_negative());
        CHECK(Amount<ETH>::zero().is_zero());
        CHECK(Amount<USDC>(1).is_positive());
        CHECK(Amount<USDC>(-1).is_negative());
        CHECK_FALSE(Amount<USDC>(-1).is_zero());
    }
    SECTION("from whole units") {
        CHECK(outcome(Amount<USDC>::from_units(1000)) == "value 1000.000000 USDC");  // 10^9 atoms
        CHECK(Amount<USDC>::from_units(1000)->atoms() == 1'000'000'000);
        CHECK(outcome(Amount<USDC>::from_units(-3)) == "value -3.000000 USDC");
        CHECK(outcome(Amount<USDC>::from_units(0)) == "value 0.000000 USDC");
        CHECK(outcome(Amount<BTC>::from_units(21'000'000)) == "value 21000000.00000000 BTC");
        CHECK(Amount<BTC>::from_units(21'000'000)->atoms() == 2'100'000'000'000'000);
        CHECK(outcome(Amount<ETH>::from_units(2)) == "value 2.000000000000000000 ETH");
    }
    SECTION("from whole units that do not fit is overflow") {
        // int64 holds 9223372036854.775807 USDC: 9223372036854 whole units fit, one more does not.
        CHECK(outcome(Amount<USDC>::from_units(std::int64_t{9'223'372'036'854})) ==
              "value 9223372036854.000000 USDC");
        CHECK(outcome(Amount<USDC>::from_units(std::int64_t{9'223'372'036'855})) == "overflow");
        CHECK(outcome(Amount<USDC>::from_units(std::int64_t{-9'223'372'036'854})) ==
              "value -9223372036854.000000 USDC");
        CHECK(outcome(Amount<USDC>::from_units(std::int64_t{-9'223'372'036'855})) == "overflow");
        CHECK(outcome(Amount<USDC>::from_units(int64_max)) == "overflow");
        CHECK(outcome(Amount<USDC>::from_units(int64_min)) == "overflow");
        // BTC: 92233720368.54775807 at most.
        CHECK(outcome(Amount<BTC>::from_units(std::int64_t{92'233'720'368})) ==
              "value 92233720368.00000000 BTC");
        CHECK(outcome(Amount<BTC>::from_units(std::int64_t{92'233'720'369})) == "overflow");
        // ETH in Int128 holds +-(2^127 - 1) wei, about 1.7 * 10^20 ETH: 10^20 fits, 10^21 does not.
        CHECK(outcome(Amount<ETH>::from_units(int64_max)) ==
              "value 9223372036854775807.000000000000000000 ETH");
        CHECK(outcome(Amount<ETH>::from_units(Int128(100'000'000'000) * 1'000'000'000)) ==
              "value 100000000000000000000.000000000000000000 ETH");
        CHECK(outcome(Amount<ETH>::from_units(Int128(1'000'000'000'000) * 1'000'000'000)) == "overflow");
        CHECK(outcome(Amount<ETH>::from_units(Int128(-1'000'000'000'000) * 1'000'000'000)) == "overflow");
    }
    SECTION("widening to Int128 is an explicit constructor") {
        const Amount<ETH, std::int64_t> narrow(int64_min);
        const Amount<ETH> wide(narrow);
        CHECK(wide.atoms() == Int128(int64_min));
        CHECK(wide.to_string() == narrow.to_string());
    }
}

TEST_CASE("Amount arithmetic and comparisons", "[money]") {
    const Amount<USDC> a(1'500'000);  // 1.5
    const Amount<USDC> b(250'000);    // 0.25
    CHECK((a + b).to_string() == "1.750000");
    CHECK((a - b).to_string() == "1.250000");
    CHECK((b - a).to_string() == "-1.250000");
    CHECK((-a).to_string() == "-1.500000");
    CHECK((-(-a)) == a);
    CHECK((-Amount<USDC>::zero()).is_zero());
    CHECK((-Amount<USDC>(int64_max)).atoms() == -int64_max);  // negating MAX fits; MIN would not

    Amount<USDC> c = a;
    c += b;
    CHECK(c.atoms() == 1'750'000);
    c -= a;
    CHECK(c == b);

    CHECK(b < a);
    CHECK(b <= a);
    CHECK(a <= a);
    CHECK(a > b);
    CHECK(a >= b);
    CHECK(a >= a);
    CHECK(a != b);
    CHECK_FALSE(a == b);
    CHECK(-a < b);
    CHECK(Amount<USDC>(int64_min) < Amount<USDC>(int64_max));
    CHECK(std::max(a, b) == a);
    CHECK(std::min(a, -a) == -a);

    // The same in Int128, beyond int64.
    const Amount<ETH> eth_max(std::numeric_limits<Int128>::max());
    const Amount<ETH> one_wei(1);
    CHECK((eth_max - one_wei).to_string() == "170141183460469231731.687303715884105726");
    CHECK((-eth_max).to_string() == "-170141183460469231731.687303715884105727");
    CHECK(-eth_max < one_wei);
    CHECK((one_wei + one_wei).atoms() == 2);
}

TEST_CASE("checked_add and checked_sub report overflow at the limits and nothing else", "[money]") {
    const Amount<USDC> max(int64_max);
    const Amount<USDC> min(int64_min);
    const Amount<USDC> one(1);
    const Amount<USDC> zero;

    CHECK(outcome(checked_add(max, one)) == "overflow");
    CHECK(outcome(checked_add(one, max)) == "overflow");
    CHECK(outcome(checked_add(max, max)) == "overflow");
    CHECK(outcome(checked_add(min, -one)) == "overflow");
    CHECK(outcome(checked_add(min, min)) == "overflow");
    CHECK(outcome(checked_sub(min, one)) == "overflow");
    CHECK(outcome(checked_sub(max, -one)) == "overflow");
    CHECK(outcome(checked_sub(zero, min)) == "overflow");  // -INT64_MIN does not fit
    CHECK(outcome(checked_sub(max, min)) == "overflow");

    // Right at the limits, no error.
    CHECK(outcome(checked_add(max, zero)) == "value 9223372036854.775807 USDC");
    CHECK(outcome(checked_add(max - one, one)) == "value 9223372036854.775807 USDC");
    CHECK(outcome(checked_add(min + one, -one)) == "value -9223372036854.775808 USDC");
    CHECK(outcome(checked_add(max, min)) == "value -0.000001 USDC");
    CHECK(outcome(checked_sub(-one, min)) == "value 9223372036854.775807 USDC");
    CHECK(outcome(checked_sub(min, min)) == "value 0.000000 USDC");
    CHECK(outcome(checked_sub(one, one)) == "value 0.000000 USDC");
    CHECK(checked_add(Amount<USDC>(1'500'000), Amount<USDC>(250'000))->atoms() == 1'750'000);

    // An error carries its code and a short detail.
    const Result<Amount<USDC>> overflowed = checked_add(max, one);
    REQUIRE_FALSE(overflowed.has_value());
    CHECK(overflowed.error().code == ErrorCode::overflow);
    CHECK_FALSE(overflowed.error().detail.empty());
    CHECK_THROWS_AS(overflowed.value(), BadResultAccess);

    // Int128 overflows at +-(2^127 - 1).
    const Amount<ETH> eth_max(std::numeric_limits<Int128>::max());
    CHECK(outcome(checked_add(eth_max, Amount<ETH>(1))) == "overflow");
    CHECK(outcome(checked_sub(-eth_max, Amount<ETH>(1))) == "overflow");
    CHECK(outcome(checked_sub(eth_max, eth_max)) == "value 0.000000000000000000 ETH");
    // Around the limits, where the compiler's __int128 would reach -2^127 (which Int128 excludes)
    // or wrap: exact on both sides, against Int192.
    const Int128 top = std::numeric_limits<Int128>::max();  // 2^127 - 1
    const Int128 half = Int128(1) << 126;
    for (const Int128& a : {top, Int128(top - 1), Int128(-top), Int128(1 - top), half, Int128(-half), Int128(5), Int128(-5)}) {
        for (const Int128& b : {Int128(1), Int128(-1), top, Int128(-top), half, Int128(-half)}) {
            const Int192 sum = Int192(a) + Int192(b);
            const Int192 difference = Int192(a) - Int192(b);
            const Int192 limit(top);
            const Result<Int128> added = checked_add(a, b);
            const Result<Int128> subtracted = checked_sub(a, b);
            CHECK(added.has_value() == (sum <= limit && sum >= -limit));
            CHECK(added.has_value() == sum.fits_int128());
            if (added) CHECK(Int192(*added) == sum);
            CHECK(subtracted.has_value() == (difference <= limit && difference >= -limit));
            if (subtracted) CHECK(Int192(*subtracted) == difference);
        }
    }
    CHECK(checked_add(half, half - 1).value() == top);
    CHECK(outcome(checked_add(half, half)) == "overflow");               // 2^127: past the maximum
    CHECK(outcome(checked_sub(Int128(-half), half)) == "overflow");      // -2^127: excluded
    CHECK(outcome(checked_sub(Int128(1) - top, Int128(2))) == "overflow");  // -2^127 again
    CHECK(checked_sub(Int128(1) - top, Int128(1)).value() == -top);

    // Quantities too.
    CHECK(outcome(checked_add(Quantity<BTC>(int64_max), Quantity<BTC>(1))) == "overflow");
    CHECK(outcome(checked_sub(Quantity<BTC>(int64_min), Quantity<BTC>(1))) == "overflow");
    CHECK(outcome(checked_sub(Quantity<BTC>(0), Quantity<BTC>(50'000'000))) == "value -0.50000000 BTC");
}

TEST_CASE("mul_div on an amount rounds once, as asked", "[money]") {
    // 10 USDC * 3 / 7 = 30,000,000 / 7 atoms = 4,285,714.2857... atoms.
    const Amount<USDC> ten(10'000'000);
    CHECK(outcome(mul_div(ten, 3, 7, round_down)) == "value 4.285714 USDC");
    CHECK(outcome(mul_div(ten, 3, 7, round_up)) == "value 4.285715 USDC");
    CHECK(outcome(mul_div(ten, 3, 7, round_toward_zero)) == "value 4.285714 USDC");
    CHECK(outcome(mul_div(ten, 3, 7, round_away_from_zero)) == "value 4.285715 USDC");
    CHECK(outcome(mul_div(ten, 3, 7, round_half_even)) == "value 4.285714 USDC");
    // -10 USDC * 3 / 7 = -4,285,714.2857... atoms: down and up swap roles, the rest mirror.
    CHECK(outcome(mul_div(-ten, 3, 7, round_down)) == "value -4.285715 USDC");
    CHECK(outcome(mul_div(-ten, 3, 7, round_up)) == "value -4.285714 USDC");
    CHECK(outcome(mul_div(-ten, 3, 7, round_toward_zero)) == "value -4.285714 USDC");
    CHECK(outcome(mul_div(-ten, 3, 7, round_away_from_zero)) == "value -4.285715 USDC");
    CHECK(outcome(mul_div(-ten, 3, 7, round_half_even)) == "value -4.285714 USDC");
    CHECK(outcome(mul_div(ten, -3, 7, round_down)) == "value -4.285715 USDC");  // sign from either side
    CHECK(outcome(mul_div(ten, 3, -7, round_up)) == "value -4.285714 USDC");

    // Ties: 1 atom / 2 = 0.5 and 3 atoms / 2 = 1.5; half_even goes to the even neighbour.
    CHECK(outcome(mul_div(Amount<USDC>(1), 1, 2, round_half_even)) == "value 0.000000 USDC");
    CHECK(outcome(mul_div(Amount<USDC>(3), 1, 2, round_half_even)) == "value 0.000002 USDC");
    CHECK(outcome(mul_div(Amount<USDC>(5), 1, 2, round_half_even)) == "value 0.000002 USDC");
    CHECK(outcome(mul_div(Amount<USDC>(-3), 1, 2, round_half_even)) == "value -0.000002 USDC");
    CHECK(outcome(mul_div(Amount<USDC>(-1), 1, 2, round_half_even)) == "value 0.000000 USDC");
    CHECK(outcome(mul_div(Amount<USDC>(1), 1, 2, round_down)) == "value 0.000000 USDC");
    CHECK(outcome(mul_div(Amount<USDC>(1), 1, 2, round_up)) == "value 0.000001 USDC");
    CHECK(outcome(mul_div(Amount<USDC>(-1), 1, 2, round_down)) == "value -0.000001 USDC");
    CHECK(outcome(mul_div(Amount<USDC>(-1), 1, 2, round_up)) == "value 0.000000 USDC");

    // The intermediate is wide: MAX * MAX / MAX is exact.
    const Amount<USDC> max(int64_max);
    CHECK(mul_div(max, int64_max, int64_max, round_down)->atoms() == int64_max);
    CHECK(mul_div(max, 2, 2, round_down)->atoms() == int64_max);
    // Results that do not fit are overflow; a zero denominator is division_by_zero.
    CHECK(outcome(mul_div(max, 2, 1, round_down)) == "overflow");
    CHECK(outcome(mul_div(Amount<USDC>(int64_min), -1, 1, round_down)) == "overflow");
    CHECK(outcome(mul_div(Amount<USDC>(int64_min), 1, -1, round_down)) == "overflow");
    CHECK(outcome(mul_div(ten, 1, 0, round_down)) == "division_by_zero");
    CHECK(outcome(mul_div(Amount<USDC>::zero(), 1, 0, round_down)) == "division_by_zero");

    // Int128: 1 ETH / 3 = 333,333,333,333,333,333.33... wei.
    const Amount<ETH> one_eth(1'000'000'000'000'000'000);
    CHECK(outcome(mul_div(one_eth, 1, 3, round_down)) == "value 0.333333333333333333 ETH");
    CHECK(outcome(mul_div(one_eth, 1, 3, round_up)) == "value 0.333333333333333334 ETH");
    CHECK(outcome(mul_div(Amount<ETH>(std::numeric_limits<Int128>::max()), 2, 1, round_down)) == "overflow");
    CHECK(outcome(mul_div(one_eth, 1, 0, round_down)) == "division_by_zero");
}

TEST_CASE("rep_cast changes representation explicitly, never losing value silently", "[money]") {
    SECTION("int64 to Int128 is lossless") {
        for (const std::int64_t atoms : {int64_min, std::int64_t{-1}, std::int64_t{0}, int64_max}) {
            const Result<Amount<USDC, Int128>> wide = rep_cast<Int128>(Amount<USDC>(atoms));
            REQUIRE(wide.has_value());
            CHECK(wide->atoms() == Int128(atoms));
            CHECK(wide->to_string() == Amount<USDC>(atoms).to_string());
        }
    }
    SECTION("Int128 to int64 fits or is not_representable") {
        const Int128 max(int64_max);
        const Int128 min(int64_min);
        CHECK(outcome(rep_cast<std::int64_t>(Amount<USDC, Int128>(max))) == "value 9223372036854.775807 USDC");
        CHECK(outcome(rep_cast<std::int64_t>(Amount<USDC, Int128>(min))) == "value -9223372036854.775808 USDC");
        CHECK(outcome(rep_cast<std::int64_t>(Amount<USDC, Int128>(Int128(max + 1)))) == "not_representable");
        CHECK(outcome(rep_cast<std::int64_t>(Amount<USDC, Int128>(Int128(min - 1)))) == "not_representable");
        CHECK(outcome(rep_cast<std::int64_t>(Amount<ETH>(std::numeric_limits<Int128>::max()))) ==
              "not_representable");
        CHECK(outcome(rep_cast<std::int64_t>(Amount<ETH>(1'000'000'000'000'000'000))) ==
              "value 1.000000000000000000 ETH");
        CHECK(outcome(rep_cast<std::int64_t>(Amount<USDC>(5))) == "value 0.000005 USDC");  // same rep
    }
    SECTION("double to int64 rounds as asked") {
        using Research = Amount<USDC, double>;
        const auto cast = [](double atoms, Rounding rounding) {
            return outcome(rep_cast<std::int64_t>(Research(atoms), rounding));
        };
        // 2.5 atoms: a tie between 2 and 3.
        CHECK(cast(2.5, round_down) == "value 0.000002 USDC");
        CHECK(cast(2.5, round_up) == "value 0.000003 USDC");
        CHECK(cast(2.5, round_toward_zero) == "value 0.000002 USDC");
        CHECK(cast(2.5, round_away_from_zero) == "value 0.000003 USDC");
        CHECK(cast(2.5, round_half_even) == "value 0.000002 USDC");
        CHECK(cast(3.5, round_half_even) == "value 0.000004 USDC");
        CHECK(cast(2.25, round_half_even) == "value 0.000002 USDC");
        CHECK(cast(2.75, round_half_even) == "value 0.000003 USDC");
        // -2.5 atoms.
        CHECK(cast(-2.5, round_down) == "value -0.000003 USDC");
        CHECK(cast(-2.5, round_up) == "value -0.000002 USDC");
        CHECK(cast(-2.5, round_toward_zero) == "value -0.000002 USDC");
        CHECK(cast(-2.5, round_away_from_zero) == "value -0.000003 USDC");
        CHECK(cast(-2.5, round_half_even) == "value -0.000002 USDC");
        CHECK(cast(-3.5, round_half_even) == "value -0.000004 USDC");
        // Whole atoms are unchanged by every rounding.
        for (const Rounding rounding : all_roundings) {
            CHECK(cast(7.0, rounding) == "value 0.000007 USDC");
            CHECK(cast(-1'500'000.0, rounding) == "value -1.500000 USDC");
        }
    }
    SECTION("double to int64 that cannot fit is not_representable") {
        using Research = Amount<USDC, double>;
        for (const Rounding rounding : all_roundings) {
            INFO("rounding " << rounding_name(rounding));
            CHECK(outcome(rep_cast<std::int64_t>(Research(std::nan("")), rounding)) == "not_representable");
            CHECK(outcome(rep_cast<std::int64_t>(Research(HUGE_VAL), rounding)) == "not_representable");
            CHECK(outcome(rep_cast<std::int64_t>(Research(-HUGE_VAL), rounding)) == "not_representable");
            CHECK(outcome(rep_cast<std::int64_t>(Research(1e19), rounding)) == "not_representable");
            CHECK(outcome(rep_cast<std::int64_t>(Research(-1e19), rounding)) == "not_representable");
            // 2^63 is one past INT64_MAX; -2^63 is INT64_MIN itself.
            CHECK(outcome(rep_cast<std::int64_t>(Research(9223372036854775808.0), rounding)) ==
                  "not_representable");
            CHECK(outcome(rep_cast<std::int64_t>(Research(-9223372036854775808.0), rounding)) ==
                  "value -9223372036854.775808 USDC");
            // The largest double below 2^63 is 2^63 - 1024.
            CHECK(outcome(rep_cast<std::int64_t>(Research(9223372036854774784.0), rounding)) ==
                  "value 9223372036854.774784 USDC");
        }
        // The next double below -2^63 is -2^63 - 2048: out of range whichever way it rounds.
        CHECK(outcome(rep_cast<std::int64_t>(Research(-9223372036854777856.0), round_up)) == "not_representable");
    }
    SECTION("double to Int128") {
        using Research = Amount<USDC, double>;
        // 2^100 atoms is exact in double.
        CHECK(outcome(rep_cast<Int128>(Research(1267650600228229401496703205376.0), round_down)) ==
              "value 1267650600228229401496703.205376 USDC");
        CHECK(outcome(rep_cast<Int128>(Research(-2.5), round_half_even)) == "value -0.000002 USDC");
        // 2^127 does not fit in Int128 (+-(2^127 - 1)), nor does its negation; the next double
        // below, 2^127 - 2^74, does.
        CHECK(outcome(rep_cast<Int128>(Research(170141183460469231731687303715884105728.0), round_down)) ==
              "not_representable");
        CHECK(outcome(rep_cast<Int128>(Research(-170141183460469231731687303715884105728.0), round_down)) ==
              "not_representable");
        CHECK(outcome(rep_cast<Int128>(Research(170141183460469212842221372237303250944.0), round_down)) ==
              "value 170141183460469212842221372237303.250944 USDC");
        CHECK(outcome(rep_cast<Int128>(Research(std::nan("")), round_down)) == "not_representable");
        CHECK(outcome(rep_cast<Int128>(Research(HUGE_VAL), round_up)) == "not_representable");
    }
    SECTION("to_research gives the same amount as double") {
        const Amount<USDC, double> research = to_research(Amount<USDC>(1'234'567'891));
        CHECK(research.atoms() == 1'234'567'891.0);
        CHECK(research.to_string() == "1234.567891");
        CHECK(fmt::format("{}", research) == "1234.567891 USDC");
        CHECK(to_research(Amount<USDC>(-5)).atoms() == -5.0);
        CHECK(to_research(Amount<ETH>(1'000'000'000'000'000'000)).atoms() == 1e18);
        CHECK(rep_cast<double>(Amount<BTC>(50'000'000))->atoms() == 5e7);
        // Back again, exactly, for atoms within 2^53.
        const Amount<USDC> back = rep_cast<std::int64_t>(research, round_down).value();
        CHECK(back == Amount<USDC>(1'234'567'891));
        // Research amounts report overflow to infinity rather than producing it.
        CHECK(outcome(checked_add(Amount<USDC, double>(1e308), Amount<USDC, double>(1e308))) == "overflow");
    }
}

TEST_CASE("Quantity is a signed position size", "[money]") {
    const Quantity<BTC> long_half = Quantity<BTC>::parse("0.5").value();
    const Quantity<BTC> short_half = Quantity<BTC>::parse("-0.5 BTC").value();
    CHECK(long_half.atoms() == 50'000'000);
    CHECK(short_half.atoms() == -50'000'000);
    CHECK(Quantity<BTC>::from_atoms(50'000'000) == long_half);
    CHECK(Quantity<BTC>::symbol() == "BTC");

    CHECK(long_half.is_long());
    CHECK_FALSE(long_half.is_short());
    CHECK(short_half.is_short());
    CHECK_FALSE(short_half.is_long());
    const Quantity<BTC> flat;
    CHECK(flat.is_zero());
    CHECK_FALSE(flat.is_long());
    CHECK_FALSE(flat.is_short());

    CHECK(short_half.abs() == long_half);
    CHECK(long_half.abs() == long_half);
    CHECK(flat.abs() == flat);
    CHECK(-short_half == long_half);
    CHECK((long_half + short_half).is_zero());
    CHECK((long_half - short_half).to_string() == "1.00000000");
    CHECK((short_half - long_half).to_string() == "-1.00000000");

    Quantity<BTC> position = long_half;
    position += Quantity<BTC>(25'000'000);  // + 0.25
    CHECK(position.to_string() == "0.75000000");
    position -= Quantity<BTC>(100'000'000);  // - 1
    CHECK(position.to_string() == "-0.25000000");
    CHECK(position.is_short());

    CHECK(short_half < flat);
    CHECK(flat < long_half);
    CHECK(short_half <= short_half);
    CHECK(long_half > short_half);
    CHECK(long_half >= long_half);
    CHECK(long_half != short_half);

    // Int128 quantities of an 18-decimal asset.
    const Quantity<ETH> eth = Quantity<ETH>::parse("-2.5").value();
    CHECK(eth.atoms() == Int128(-2'500'000'000'000'000'000));
    CHECK(eth.abs().to_string() == "2.500000000000000000");
    CHECK(eth.is_short());
}

TEST_CASE("Price compares and takes a rate", "[money]") {
    const Price<BTC, USDC> mark = Price<BTC, USDC>::parse("65000.5").value();
    CHECK(mark.raw() == 65'000'500'000);  // 6 decimals: the quote's
    CHECK(mark == Price<BTC, USDC>::from_raw(65'000'500'000));
    CHECK(mark == Price<BTC, USDC>(65'000'500'000));
    CHECK(Price<BTC, USDC>().raw() == 0);
    CHECK(mark.to_string() == "65000.500000");

    const Price<BTC, USDC> lower = Price<BTC, USDC>::parse("64999.999999").value();
    CHECK(lower < mark);
    CHECK(lower <= mark);
    CHECK(mark > lower);
    CHECK(mark >= mark);
    CHECK(mark != lower);
    CHECK_FALSE(mark == lower);

    // A 0.5% discount as a factor: 65000.5 * 9950 / 10000 = 64675.4975 exactly.
    CHECK(outcome(apply_rate(mark, Bps{9'950}, round_down)) == "value 64675.497500 USDC/BTC");
    // 65000.500001 * 0.995 = 64675.497500995: the last digit depends on the rounding.
    const Price<BTC, USDC> odd = Price<BTC, USDC>::from_raw(65'000'500'001);
    CHECK(outcome(apply_rate(odd, Bps{9'950}, round_down)) == "value 64675.497500 USDC/BTC");
    CHECK(outcome(apply_rate(odd, Bps{9'950}, round_up)) == "value 64675.497501 USDC/BTC");
    CHECK(outcome(apply_rate(odd, Bps{9'950}, round_half_even)) == "value 64675.497501 USDC/BTC");
    CHECK(outcome(apply_rate(odd, Bps{9'950}, round_toward_zero)) == "value 64675.497500 USDC/BTC");
    // In ppm: 65000.5 * 1.015 = 65975.5075.
    CHECK(outcome(apply_rate(mark, Ppm{1'015'000}, round_up)) == "value 65975.507500 USDC/BTC");
    CHECK(outcome(apply_rate(mark, Bps{10'000}, round_down)) == "value 65000.500000 USDC/BTC");
    // Too large for int64: overflow.
    CHECK(outcome(apply_rate(Price<BTC, USDC>::from_raw(int64_max), Bps{20'000}, round_down)) == "overflow");
}

TEST_CASE("notional multiplies a quantity by a price, rounding once", "[money]") {
    const Price<BTC, USDC> mark = Price<BTC, USDC>::parse("65000.5").value();

    // -0.5 BTC at 65000.5 USDC/BTC: -50,000,000 sat * 65,000,500,000 / 10^(8 + 6 - 6)
    // = -32,500,250,000 atoms = -32500.25 USDC, exact, so every rounding agrees.
    const Quantity<BTC> short_half = Quantity<BTC>::parse("-0.5").value();
    for (const Rounding rounding : all_roundings) {
        CHECK(outcome(notional(short_half, mark, rounding)) == "value -32500.250000 USDC");
    }
    // 1.5 BTC at 61500.25 (the README): 150,000,000 * 61,500,250,000 / 10^8 = 92,250,375,000 atoms.
    CHECK(outcome(notional(Quantity<BTC>::parse("1.5").value(), Price<BTC, USDC>::parse("61500.25").value(),
                           round_down)) == "value 92250.375000 USDC");

    // Rounding matters: 1 sat at 65000.5 is 65,000,500,000 / 10^8 = 650.005 atoms = 0.000650005 USDC.
    const Quantity<BTC> one_sat(1);
    CHECK(outcome(notional(one_sat, mark, round_down)) == "value 0.000650 USDC");
    CHECK(outcome(notional(one_sat, mark, round_up)) == "value 0.000651 USDC");
    CHECK(outcome(notional(one_sat, mark, round_half_even)) == "value 0.000650 USDC");  // .005 < .5
    CHECK(outcome(notional(one_sat, mark, round_toward_zero)) == "value 0.000650 USDC");
    CHECK(outcome(notional(one_sat, mark, round_away_from_zero)) == "value 0.000651 USDC");
    // Short 1 sat: -650.005 atoms; down is away from zero now.
    CHECK(outcome(notional(-one_sat, mark, round_down)) == "value -0.000651 USDC");
    CHECK(outcome(notional(-one_sat, mark, round_up)) == "value -0.000650 USDC");
    CHECK(outcome(notional(-one_sat, mark, round_half_even)) == "value -0.000650 USDC");
    CHECK(outcome(notional(-one_sat, mark, round_toward_zero)) == "value -0.000650 USDC");
    CHECK(outcome(notional(-one_sat, mark, round_away_from_zero)) == "value -0.000651 USDC");
    // Ties: at 50 USDC/BTC, 1 sat is 0.5 atom and 3 sat are 1.5 atoms.
    const Price<BTC, USDC> fifty = Price<BTC, USDC>::parse("50").value();
    CHECK(outcome(notional(Quantity<BTC>(1), fifty, round_half_even)) == "value 0.000000 USDC");
    CHECK(outcome(notional(Quantity<BTC>(3), fifty, round_half_even)) == "value 0.000002 USDC");
    CHECK(outcome(notional(Quantity<BTC>(-3), fifty, round_half_even)) == "value -0.000002 USDC");

    CHECK(outcome(notional(Quantity<BTC>(), mark, round_up)) == "value 0.000000 USDC");
    // 92233720368.54775807 BTC at 65000.5 is far beyond int64 atoms of USDC.
    CHECK(outcome(notional(Quantity<BTC>(int64_max), mark, round_down)) == "overflow");

    // Int128: 2.5 ETH at 3000.123456 USDC/ETH: 2.5 * 10^18 * 3,000,123,456 / 10^18
    // = 7,500,308,640 atoms, as an Int128 amount.
    const auto eth_value = notional(Quantity<ETH>::parse("2.5").value(),
                                    Price<ETH, USDC>::parse("3000.123456").value(), round_down);
    STATIC_REQUIRE(std::is_same<decltype(eth_value), const Result<Amount<USDC, Int128>>>::value);
    CHECK(outcome(eth_value) == "value 7500.308640 USDC");
    CHECK(outcome(rep_cast<std::int64_t>(eth_value.value())) == "value 7500.308640 USDC");
}

TEST_CASE("Bps and Ppm: arithmetic, conversion and application", "[money]") {
    STATIC_REQUIRE(Bps::denominator == 10'000);
    STATIC_REQUIRE(Ppm::denominator == 1'000'000);
    STATIC_REQUIRE(Bps::unit == "bps");
    STATIC_REQUIRE(Ppm::unit == "ppm");

    CHECK(Bps{150}.count() == 150);
    CHECK(Bps().count() == 0);
    CHECK(Bps{150}.to_double() == 0.015);
    CHECK(Ppm{15'000}.to_double() == 0.015);
    CHECK((Bps{100} + Bps{50}) == Bps{150});
    CHECK((Bps{100} - Bps{150}) == Bps{-50});
    CHECK((-Bps{3}).count() == -3);  // funding rates can be negative
    CHECK((Ppm{15'000} + Ppm{1}).count() == 15'001);
    CHECK(Bps{50} < Bps{150});
    CHECK(Bps{150} <= Bps{150});
    CHECK(Bps{150} > Bps{-150});
    CHECK(Bps{150} >= Bps{150});
    CHECK(Bps{150} != Bps{151});

    // One basis point is 100 ppm, exactly.
    CHECK(to_ppm(Bps{150}).value() == Ppm{15'000});
    CHECK(to_ppm(Bps{1}).value() == Ppm{100});
    CHECK(to_ppm(Bps{-3}).value() == Ppm{-300});
    CHECK(to_ppm(Bps{0}).value() == Ppm{0});
    // A caller's count too large for ppm is an overflow error (it was an assert's abort).
    CHECK(to_ppm(Bps{std::numeric_limits<std::int64_t>::max() / 50}).error().code == ErrorCode::overflow);
    CHECK(to_ppm(Bps{std::numeric_limits<std::int64_t>::min()}).error().code == ErrorCode::overflow);
    CHECK(to_ppm(Bps{std::numeric_limits<std::int64_t>::max() / 100}).has_value());

    // dYdX's max liquidation fee, 15000 ppm, of a 10,000 USDC notional:
    // 10,000,000,000 atoms * 15,000 / 1,000,000 = 150,000,000 atoms = 150 USDC.
    const Amount<USDC> notional_value = Amount<USDC>::from_units(10'000).value();
    CHECK(outcome(apply_rate(notional_value, Ppm{15'000}, round_up)) == "value 150.000000 USDC");
    CHECK(outcome(apply_rate(notional_value, Bps{150}, round_up)) == "value 150.000000 USDC");
    CHECK(outcome(apply_rate(notional_value, to_ppm(Bps{150}).value(), round_down)) == "value 150.000000 USDC");
    // 1.5% of one atom (0.000001 USDC) is 0.015 atom: up to one atom, down to nothing.
    const Amount<USDC> one_atom(1);
    CHECK(outcome(apply_rate(one_atom, Ppm{15'000}, round_up)) == "value 0.000001 USDC");
    CHECK(outcome(apply_rate(one_atom, Ppm{15'000}, round_down)) == "value 0.000000 USDC");
    CHECK(outcome(apply_rate(one_atom, Ppm{15'000}, round_half_even)) == "value 0.000000 USDC");
    CHECK(outcome(apply_rate(one_atom, Bps{150}, round_up)) == "value 0.000001 USDC");
    // The README's penalty: 1.5% of 92250.375 = 1383.755625 exactly; half of that, paid out, is
    // 691.8778125, rounded down to 691.877812.
    const Amount<USDC> penalty = apply_rate(Amount<USDC>(92'250'375'000), Ppm{15'000}, round_up).value();
    CHECK(penalty.to_string() == "1383.755625");
    CHECK(outcome(apply_rate(penalty, Bps{5'000}, round_down)) == "value 691.877812 USDC");
    CHECK(outcome(apply_rate(penalty, Bps{5'000}, round_up)) == "value 691.877813 USDC");
    // A negative funding rate: -3 bps of 1000 USDC = -0.3 USDC; of 0.000333 USDC, -0.0999 atom.
    CHECK(outcome(apply_rate(Amount<USDC>::from_units(1000).value(), Bps{-3}, round_down)) ==
          "value -0.300000 USDC");
    CHECK(outcome(apply_rate(Amount<USDC>(333), Bps{-3}, round_down)) == "value -0.000001 USDC");
    CHECK(outcome(apply_rate(Amount<USDC>(333), Bps{-3}, round_up)) == "value 0.000000 USDC");
    // Overflow: 200% of the largest amount.
    CHECK(outcome(apply_rate(Amount<USDC>(int64_max), Bps{20'000}, round_down)) == "overflow");
    // Int128 amounts take rates too: 1.5% of 2 ETH = 0.03 ETH.
    CHECK(outcome(apply_rate(Amount<ETH>::from_units(2).value(), Ppm{15'000}, round_down)) ==
          "value 0.030000000000000000 ETH");
}

TEST_CASE("fmt prints every money type exactly", "[money]") {
    const Amount<USDC> amount(1'234'567'891);
    CHECK(fmt::format("{}", amount) == "1234.567891 USDC");
    CHECK(fmt::format("{:n}", amount) == "1234.567891");
    // [[fill]align][width][n]; numbers align right by default; a narrow width does not truncate.
    CHECK(fmt::format("{:>20}", amount) == "    1234.567891 USDC");
    CHECK(fmt::format("{:20}", amount) == "    1234.567891 USDC");
    CHECK(fmt::format("{:<20}", amount) == "1234.567891 USDC    ");
    CHECK(fmt::format("{:^20}", amount) == "  1234.567891 USDC  ");
    CHECK(fmt::format("{:*^21}", amount) == "**1234.567891 USDC***");
    CHECK(fmt::format("{:>16n}", amount) == "     1234.567891");
    CHECK(fmt::format("{:_<14n}", amount) == "1234.567891___");
    CHECK(fmt::format("{:5}", amount) == "1234.567891 USDC");
    CHECK(fmt::format("[{}|{:n}]", amount, amount) == "[1234.567891 USDC|1234.567891]");

    CHECK(fmt::format("{}", Amount<USDC>(-5)) == "-0.000005 USDC");
    CHECK(fmt::format("{}", Amount<USDC>(-1'500'000)) == "-1.500000 USDC");
    CHECK(fmt::format("{}", Amount<USDC>()) == "0.000000 USDC");
    CHECK(fmt::format("{:>12n}", Amount<USDC>(-5)) == "   -0.000005");
    CHECK(fmt::format("{}", Amount<USDT>(1)) == "0.000001 USDT");
    CHECK(fmt::format("{}", Amount<BTC>(-50'000'000)) == "-0.50000000 BTC");
    CHECK(fmt::format("{}", Amount<ETH>(1'000'000'000'000'000'000)) == "1.000000000000000000 ETH");
    CHECK(fmt::format("{}", Amount<USDC, Int128>(Int128(-5))) == "-0.000005 USDC");
    CHECK(fmt::format("{}", Amount<USDC, double>(1'500'000.0)) == "1.500000 USDC");

    const Quantity<BTC> size(-50'000'000);
    CHECK(fmt::format("{}", size) == "-0.50000000 BTC");
    CHECK(fmt::format("{:n}", size) == "-0.50000000");
    CHECK(fmt::format("{:>18}", size) == "   -0.50000000 BTC");
    CHECK(fmt::format("{}", Quantity<ETH>(Int128(1))) == "0.000000000000000001 ETH");

    const Price<BTC, USDC> mark(65'000'500'000);
    CHECK(fmt::format("{}", mark) == "65000.500000 USDC/BTC");
    CHECK(fmt::format("{:n}", mark) == "65000.500000");
    CHECK(fmt::format("{:>25}", mark) == "    65000.500000 USDC/BTC");
    CHECK(fmt::format("{:<14n}|", mark) == "65000.500000  |");

    CHECK(fmt::format("{}", Bps{150}) == "150 bps");
    CHECK(fmt::format("{}", Ppm{15'000}) == "15000 ppm");
    CHECK(fmt::format("{}", Bps{-3}) == "-3 bps");
    CHECK(fmt::format("{:>10}", Bps{150}) == "   150 bps");
    CHECK(fmt::format("{:<10}|", Ppm{15'000}) == "15000 ppm |");

    // Specs the money formatters do not take are format errors.
    CHECK_THROWS_AS(fmt::format(fmt::runtime("{:.3}"), amount), fmt::format_error);
    CHECK_THROWS_AS(fmt::format(fmt::runtime("{:s}"), amount), fmt::format_error);
    CHECK_THROWS_AS(fmt::format(fmt::runtime("{:+}"), mark), fmt::format_error);
    CHECK_THROWS_AS(fmt::format(fmt::runtime("{:n20}"), size), fmt::format_error);
}

TEST_CASE("a user-declared asset works end to end", "[money]") {
    STATIC_REQUIRE(AssetTraits<SOL>::decimals == 9);
    STATIC_REQUIRE(std::is_same<Amount<SOL>::rep, std::int64_t>::value);
    STATIC_REQUIRE_FALSE(std::is_convertible<Amount<SOL>, Amount<USDC>>::value);

    const Amount<SOL> stake = Amount<SOL>::parse("1.5 SOL").value();
    CHECK(stake.atoms() == 1'500'000'000);  // lamports
    CHECK(fmt::format("{}", stake) == "1.500000000 SOL");
    CHECK(outcome(Amount<SOL>::from_units(2)) == "value 2.000000000 SOL");
    CHECK(outcome(Amount<SOL>::parse("1.5 BTC")) == "parse_wrong_symbol");
    CHECK(outcome(Amount<SOL>::parse("0.0000000001")) == "parse_too_many_decimals");
    CHECK(outcome(checked_add(stake, Amount<SOL>(int64_max))) == "overflow");
    CHECK(outcome(apply_rate(stake, Bps{700}, round_down)) == "value 0.105000000 SOL");  // 7%

    // -3.5 SOL at 150.25 USDC/SOL: -3,500,000,000 * 150,250,000 / 10^(9 + 6 - 6)
    // = -525,875,000 atoms = -525.875 USDC.
    const Price<SOL, USDC> price = Price<SOL, USDC>::parse("150.25 USDC").value();
    CHECK(fmt::format("{}", price) == "150.250000 USDC/SOL");
    const Quantity<SOL> size = Quantity<SOL>::parse("-3.5 SOL").value();
    CHECK(fmt::format("{}", size) == "-3.500000000 SOL");
    CHECK(outcome(notional(size, price, round_down)) == "value -525.875000 USDC");
    // 1 lamport at 150.25: 150,250,000 / 10^9 = 0.15025 atom.
    CHECK(outcome(notional(Quantity<SOL>(1), price, round_up)) == "value 0.000001 USDC");
    CHECK(outcome(notional(Quantity<SOL>(1), price, round_down)) == "value 0.000000 USDC");
}

TEST_CASE("PriceScale sets a price's decimals and notional follows it", "[money]") {
    STATIC_REQUIRE(Price<PEPE, USDC>::decimals == 12);
    STATIC_REQUIRE(Price<PEPE, USDT>::decimals == 6);  // no specialisation: the quote's decimals
    STATIC_REQUIRE(Price<GOLD, USDC>::decimals == 2);

    // 0.000012345678 USDC per PEPE needs the finer scale; the quote's 6 decimals cannot hold it.
    const Price<PEPE, USDC> price = Price<PEPE, USDC>::parse("0.000012345678").value();
    CHECK(price.raw() == 12'345'678);
    CHECK(fmt::format("{}", price) == "0.000012345678 USDC/PEPE");
    CHECK(outcome(Price<PEPE, USDT>::parse("0.000012345678")) == "parse_too_many_decimals");
    CHECK(outcome(Price<PEPE, USDC>::parse("0.0000123456789")) == "parse_too_many_decimals");

    // 1,000,000 PEPE = 10^24 atoms; 10^24 * 12,345,678 / 10^(18 + 12 - 6) = 12,345,678 atoms
    // = 12.345678 USDC, exact. PEPE declares Int128, so the notional is an Int128 amount.
    const Quantity<PEPE> million = Quantity<PEPE>::parse("1000000").value();
    CHECK(outcome(notional(million, price, round_down)) == "value 12.345678 USDC");
    // 1 PEPE = 10^18 atoms: 10^18 * 12,345,678 / 10^24 = 12.345678 atoms: rounding decides.
    const Quantity<PEPE> one = Quantity<PEPE>::parse("1").value();
    CHECK(outcome(notional(one, price, round_down)) == "value 0.000012 USDC");
    CHECK(outcome(notional(one, price, round_up)) == "value 0.000013 USDC");
    CHECK(outcome(notional(one, price, round_half_even)) == "value 0.000012 USDC");
    CHECK(outcome(notional(-one, price, round_down)) == "value -0.000013 USDC");

    // A coarser scale makes the exponent negative (0 + 2 - 6 = -4), so the scale multiplies:
    // 3 GOLD at 2350.25 USDC = 3 * 235,025 * 10^4 = 7,050,750,000 atoms = 7050.75 USDC.
    const Price<GOLD, USDC> gold_price = Price<GOLD, USDC>::parse("2350.25").value();
    CHECK(gold_price.raw() == 235'025);
    CHECK(fmt::format("{}", gold_price) == "2350.25 USDC/GOLD");
    CHECK(outcome(Price<GOLD, USDC>::parse("2350.255")) == "parse_too_many_decimals");
    CHECK(outcome(notional(Quantity<GOLD>(3), gold_price, round_down)) == "value 7050.750000 USDC");
    CHECK(outcome(notional(Quantity<GOLD>(-3), gold_price, round_up)) == "value -7050.750000 USDC");
    CHECK(fmt::format("{}", Quantity<GOLD>(3)) == "3 GOLD");
    // Overflow in the product, and in the scaling after it:
    // 10^15 * 235,025 > 2^63; 10^11 * 235,025 = 2.35025 * 10^16 fits, times 10^4 does not.
    CHECK(outcome(notional(Quantity<GOLD>(1'000'000'000'000'000), gold_price, round_down)) == "overflow");
    CHECK(outcome(notional(Quantity<GOLD>(100'000'000'000), gold_price, round_down)) == "overflow");
    CHECK(outcome(notional(Quantity<GOLD>(100'000), gold_price, round_down)) ==
          "value 235025000.000000 USDC");
}

TEST_CASE("what the formatters print parses back, and research amounts take rates", "[money]") {
    const auto price = Price<BTC, USDC>::parse("65000.5").value();
    CHECK(Price<BTC, USDC>::parse(fmt::format("{}", price)).value() == price);  // "65000.500000 USDC/BTC"
    CHECK(Price<BTC, USDC>::parse("65000.5 BTC/USDC").error().code == ErrorCode::parse_wrong_symbol);
    // A rate below -100% would make a negative price: refused.
    CHECK(apply_rate(price, Bps{-20'000}, round_down).error().code == ErrorCode::invalid_argument);
    // Research (double) amounts: rates apply, rounded to whole atoms; to_research is idempotent.
    const Amount<USDC, double> research(1'000'000.0);
    CHECK(apply_rate(research, Bps{150}, round_up).value().atoms() == 15'000.0);
    CHECK(to_research(research) == research);
    // A negative result that rounds to zero is +0, as in the exact representations.
    CHECK(fmt::format("{}", Amount<USDC, double>(*mul_div(-1.0, 1.0, 3.0, round_toward_zero))) ==
          "0.000000 USDC");
}

}  // namespace test_money_money_types_test
