// mul_div, notional and apply_rate against an exact reference.
//
// Goal: show that mul_div(a, b, c, rounding) -- and the money operations built on it, notional()
// and apply_rate() -- return exactly the mathematically rounded value of a * b / c for every
// rounding mode, or ErrorCode::overflow exactly when that value does not fit the representation,
// or ErrorCode::division_by_zero when c == 0. Method: every input triple is recomputed with
// Boost's unbounded cpp_int and rounded by a reference written here from first principles
// (floor quotient plus a non-negative remainder against a positive divisor; it shares no code
// with backstop's detail::divide_rounded). Inputs come from fixed-seed SplitMix64 generators
// biased toward the representation limits (int64: +-2^63; Int128: +-(2^127 - 1), 2^64) and toward
// shapes that stress rounding: exact quotients, ties, quotients at the overflow boundary where the
// rounding direction alone decides whether the result fits. Besides the random cases there is an
// exhaustive matrix over small edge sets, a table of hand-worked cases, and a comparison of the
// double (research) representation with int64 where double is exact. Mismatches are counted
// rather than CHECKed one by one (speed); the first few are printed, and every loop's case count
// and coverage (overflows, ties, boundary cases) is CHECKed so that no loop can pass vacuously.
#include <backstop/core/checked_arith.hpp>
#include <backstop/core/error_code.hpp>
#include <backstop/core/result.hpp>
#include <backstop/core/int192.hpp>
#include <backstop/core/rounding.hpp>
#include <backstop/money/amount.hpp>
#include <backstop/money/assets.hpp>
#include <backstop/money/price.hpp>
#include <backstop/money/quantity.hpp>
#include <backstop/money/rate.hpp>

#include "support/random.hpp"

#include <boost/multiprecision/cpp_int.hpp>
#include <catch2/catch.hpp>

#include <cstdint>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace backstop {
namespace mul_div_property {

using boost::multiprecision::cpp_int;
using testing::TestRandom;

// ---- the exact reference -------------------------------------------------------------------

// n / d as floor(n / d) plus a remainder in [0, |d|), after moving the sign of d into n. Every
// rounding mode is then a choice between floor and floor + 1 (or floor itself when exact).
class ExactQuotient {
public:
    ExactQuotient(cpp_int numerator, cpp_int divisor) {
        if (divisor < 0) {
            numerator = -numerator;
            divisor = -divisor;
        }
        floor_ = numerator / divisor;  // truncated here; corrected to the floor below
        cpp_int remainder = numerator - floor_ * divisor;
        if (remainder < 0) {
            floor_ -= 1;
            remainder += divisor;
        }
        exact_ = remainder == 0;
        const cpp_int twice = remainder * 2;
        half_compare_ = twice < divisor ? -1 : (twice > divisor ? 1 : 0);
    }

    bool exact() const { return exact_; }
    // The fractional part of n / d is exactly one half.
    bool tie() const { return !exact_ && half_compare_ == 0; }

    cpp_int rounded(Rounding rounding) const {
        if (exact_) return floor_;
        const cpp_int ceiling = floor_ + 1;
        // Not exact: the true quotient lies strictly between floor_ and ceiling, so it is
        // positive when floor_ >= 0 and negative when floor_ <= -1.
        const bool positive = floor_ >= 0;
        switch (rounding) {
            case Rounding::down: return floor_;
            case Rounding::up: return ceiling;
            case Rounding::toward_zero: return positive ? floor_ : ceiling;
            case Rounding::away_from_zero: return positive ? ceiling : floor_;
            case Rounding::half_even:
                if (half_compare_ < 0) return floor_;
                if (half_compare_ > 0) return ceiling;
                return floor_ % 2 == 0 ? floor_ : ceiling;
        }
        return floor_;  // unreachable
    }

private:
    cpp_int floor_;
    bool exact_ = false;
    int half_compare_ = 0;
};

// ---- the representations under test ----------------------------------------------------------

template <class Rep>
struct RepTraits;

template <>
struct RepTraits<std::int64_t> {
    static constexpr const char* name = "int64";
    static cpp_int big(std::int64_t value) { return cpp_int(value); }
    static std::int64_t from_big(const cpp_int& value) { return value.convert_to<std::int64_t>(); }
    static const cpp_int& max() {
        static const cpp_int value = cpp_int(std::numeric_limits<std::int64_t>::max());
        return value;
    }
    static const cpp_int& min() {
        static const cpp_int value = cpp_int(std::numeric_limits<std::int64_t>::min());
        return value;
    }
    static std::int64_t edge(TestRandom& random) { return random.edge_biased_int64(); }
};

// Int128 and cpp_int, both ways (the value must fit).
inline cpp_int big_of(const Int128& value) { return cpp_int(value.raw()); }
inline Int128 int128_of(const cpp_int& value) {
    REQUIRE(abs(value) < (cpp_int(1) << 127));
    return Int128(value.convert_to<detail::int128>());
}

// An Int128 that lands near an edge most of the time: the limits +-(2^127 - 1), 2^64, powers of
// two and ten, small values, int64 edges; otherwise a random magnitude of random bit length.
inline Int128 edge_biased_int128(TestRandom& random) {
    cpp_int magnitude;
    switch (random.below(8)) {
        case 0:  // uniform over the whole range
            magnitude = ((cpp_int(random.next()) << 64) | random.next()) >> 1;
            break;
        case 1: {  // random bit length, so that every size of product occurs
            const unsigned bits = static_cast<unsigned>(random.below(128));
            magnitude = (cpp_int(random.next()) << 64) | random.next();
            magnitude &= (cpp_int(1) << bits) - 1;
            break;
        }
        case 2:  // the limit: 2^127 - 1 - {0, 1, 2}
            magnitude = (cpp_int(1) << 127) - 1 - random.below(3);
            break;
        case 3:  // 2^64 + {-2 .. 2}
            magnitude = (cpp_int(1) << 64) + random.below(5) - 2;
            break;
        case 4:  // 2^k + {-1, 0, 1}
            magnitude = (cpp_int(1) << static_cast<unsigned>(random.below(127))) + random.below(3) - 1;
            break;
        case 5:  // 10^k + {-1, 0, 1}: the decimal scales of 18-decimal assets
            magnitude = boost::multiprecision::pow(cpp_int(10), static_cast<unsigned>(random.below(39))) +
                        random.below(3) - 1;
            break;
        case 6:  // small
            magnitude = random.below(4);
            break;
        default:  // the int64 edges, widened
            return Int128(random.edge_biased_int64());
    }
    if (random.chance(2)) magnitude = -magnitude;
    return int128_of(magnitude);
}

template <>
struct RepTraits<Int128> {
    static constexpr const char* name = "Int128";
    static cpp_int big(const Int128& value) { return big_of(value); }
    static Int128 from_big(const cpp_int& value) { return int128_of(value); }
    static const cpp_int& max() {
        static const cpp_int value = (cpp_int(1) << 127) - 1;
        return value;
    }
    static const cpp_int& min() {
        static const cpp_int value = -max();
        return value;
    }
    static Int128 edge(TestRandom& random) { return edge_biased_int128(random); }
};

template <class Rep>
bool fits(const cpp_int& value) {
    return value >= RepTraits<Rep>::min() && value <= RepTraits<Rep>::max();
}

inline std::string text(const cpp_int& value) { return value.str(); }
inline std::string text(std::int64_t value) { return std::to_string(value); }
inline std::string text(const Int128& value) { return to_string(value); }

// ---- counting outcomes -------------------------------------------------------------------------

struct Tally {
    std::uint64_t cases = 0;              // (inputs, rounding) pairs checked
    std::uint64_t mismatches = 0;
    std::uint64_t values = 0;             // reference fits, library returned it
    std::uint64_t overflows = 0;          // reference out of range, library said overflow
    std::uint64_t divisions_by_zero = 0;
    std::uint64_t inexact = 0;            // cases where rounding mattered
    std::uint64_t ties = 0;               // cases whose quotient ends in exactly one half
    std::uint64_t at_limit = 0;           // a returned value within 2 of the representation limit
    std::uint64_t rounding_decides = 0;   // input triples where some modes fit and others overflow
    std::vector<std::string> first_mismatches;

    void mismatch(std::string description) {
        ++mismatches;
        if (first_mismatches.size() < 8) first_mismatches.push_back(std::move(description));
    }

    std::string report() const {
        std::ostringstream out;
        out << "cases " << cases << ", mismatches " << mismatches << ", values " << values
            << ", overflows " << overflows << ", divisions by zero " << divisions_by_zero
            << ", inexact " << inexact << ", ties " << ties << ", at limit " << at_limit
            << ", rounding decides overflow " << rounding_decides;
        for (const std::string& line : first_mismatches) out << "\n  mismatch: " << line;
        return out.str();
    }
};

// Compares one library result with the reference: `reference` is null when the divisor is zero.
// `describe` names the inputs and is only called for a mismatch.
template <class Rep, class Describe>
void record(Tally& tally, const Result<Rep>& got, const ExactQuotient* reference,
            Rounding rounding, const Describe& describe) {
    ++tally.cases;
    const auto complain = [&](const std::string& expected) {
        std::string got_text = got.has_value()
                                   ? text(*got)
                                   : "error " + std::string(error_code_name(got.error().code));
        tally.mismatch(describe() + " " + std::string(rounding_name(rounding)) + ": got " +
                       got_text + ", expected " + expected);
    };
    if (reference == nullptr) {
        if (!got.has_value() && got.error().code == ErrorCode::division_by_zero) {
            ++tally.divisions_by_zero;
        } else {
            complain("error division_by_zero");
        }
        return;
    }
    if (!reference->exact()) ++tally.inexact;
    if (reference->tie()) ++tally.ties;
    const cpp_int expected = reference->rounded(rounding);
    if (!fits<Rep>(expected)) {
        if (!got.has_value() && got.error().code == ErrorCode::overflow) {
            ++tally.overflows;
        } else {
            complain("error overflow (exact " + text(expected) + ")");
        }
        return;
    }
    if (got.has_value() && RepTraits<Rep>::big(*got) == expected) {
        ++tally.values;
        if (expected >= RepTraits<Rep>::max() - 2 || expected <= RepTraits<Rep>::min() + 2) {
            ++tally.at_limit;
        }
    } else {
        complain(text(expected));
    }
}

// Does the rounding direction alone decide whether this quotient fits?
template <class Rep>
bool rounding_decides_fit(const ExactQuotient& reference) {
    bool some_fit = false;
    bool some_overflow = false;
    for (Rounding rounding : all_roundings) {
        (fits<Rep>(reference.rounded(rounding)) ? some_fit : some_overflow) = true;
    }
    return some_fit && some_overflow;
}

// Checks mul_div(a, b, c, r) for all five roundings against the reference.
template <class Rep>
void check_mul_div_all_roundings(Tally& tally, const Rep& a, const Rep& b, const Rep& c) {
    const auto describe = [&] {
        return std::string("mul_div<") + RepTraits<Rep>::name + ">(" + text(a) + ", " + text(b) +
               ", " + text(c) + ")";
    };
    if (c == 0) {
        for (Rounding rounding : all_roundings) {
            record<Rep>(tally, mul_div(a, b, c, rounding), nullptr, rounding, describe);
        }
        return;
    }
    using Traits = RepTraits<Rep>;
    const ExactQuotient reference(Traits::big(a) * Traits::big(b), Traits::big(c));
    if (rounding_decides_fit<Rep>(reference)) ++tally.rounding_decides;
    for (Rounding rounding : all_roundings) {
        record<Rep>(tally, mul_div(a, b, c, rounding), &reference, rounding, describe);
    }
}

// ---- random input shapes -----------------------------------------------------------------------

struct Triple {
    cpp_int a, b, c;
};

// A small or scale-like divisor: +-1..16, +-10^k, +-2^k.
template <class Rep>
cpp_int small_divisor(TestRandom& random) {
    const unsigned max_power = std::is_same<Rep, std::int64_t>::value ? 62 : 126;
    cpp_int divisor;
    switch (random.below(3)) {
        case 0: divisor = 1 + random.below(16); break;
        case 1: divisor = boost::multiprecision::pow(cpp_int(10), static_cast<unsigned>(random.below(19))); break;
        default: divisor = cpp_int(1) << static_cast<unsigned>(random.below(max_power + 1)); break;
    }
    return random.chance(2) ? cpp_int(-divisor) : divisor;
}

// A numerator factor aimed at a limit: with b = c + 1 and a = limit * c / (c + 1) + {-2 .. 2},
// a * b / c lies within a couple of units of the limit with a fraction of a / c, so the rounding
// direction often decides whether it fits. Returns false when a value would not fit Rep.
template <class Rep>
bool aim_at_limit(TestRandom& random, Triple& t) {
    cpp_int c = RepTraits<Rep>::big(RepTraits<Rep>::edge(random));
    if (random.chance(4)) c = small_divisor<Rep>(random);
    if (c < 0) c = -c;
    if (c == 0) return false;
    const cpp_int b = c + 1;
    const cpp_int& limit = random.chance(2) ? RepTraits<Rep>::max() : RepTraits<Rep>::min();
    const cpp_int a = limit * c / b + random.below(5) - 2;
    if (!fits<Rep>(a) || !fits<Rep>(b)) return false;
    const bool flip = random.chance(2);  // a * (-b) / (-c) is the same quotient
    t.a = a;
    t.b = flip ? cpp_int(-b) : b;
    t.c = flip ? cpp_int(-c) : c;
    return true;
}

// One random triple, in one of several shapes; every value fits Rep.
template <class Rep>
Triple random_triple(TestRandom& random) {
    using Traits = RepTraits<Rep>;
    const auto edge = [&] { return Traits::big(Traits::edge(random)); };
    Triple t{edge(), edge(), edge()};
    switch (random.below(10)) {
        case 0:
        case 1:
        case 2:
        case 3:  // three independent edge-biased values (the divisor is zero 1 time in 60 or so)
            break;
        case 4:
        case 5:  // a small or scale-like divisor: large quotients, frequent overflow
            t.c = small_divisor<Rep>(random);
            break;
        case 6: {  // c = b + {-2 .. 2}: the quotient is close to a, often right at the limit
            const cpp_int c = t.b + random.below(5) - 2;
            if (fits<Rep>(c)) t.c = c;
            break;
        }
        case 7: {  // c = +-2b: a / 2, a tie whenever a is odd
            const cpp_int c = t.b * 2;
            if (fits<Rep>(c)) t.c = random.chance(2) ? cpp_int(-c) : c;
            break;
        }
        case 8:  // the quotient just inside or just outside a limit
            aim_at_limit<Rep>(random, t);
            break;
        default:  // everyday magnitudes: ties and exact quotients are common
            t.a = cpp_int(random.below(2001)) - 1000;
            t.b = cpp_int(random.below(2001)) - 1000;
            t.c = cpp_int(random.below(201)) - 100;
            break;
    }
    return t;
}

template <class Rep>
Tally run_random_mul_div(std::uint64_t seed, std::uint64_t triples) {
    using Traits = RepTraits<Rep>;
    TestRandom random(seed);
    Tally tally;
    for (std::uint64_t i = 0; i < triples; ++i) {
        const Triple t = random_triple<Rep>(random);
        check_mul_div_all_roundings<Rep>(tally, Traits::from_big(t.a), Traits::from_big(t.b),
                                         Traits::from_big(t.c));
    }
    return tally;
}

// The edge sets of the exhaustive matrices.
inline std::vector<std::int64_t> int64_edge_set() {
    constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
    constexpr std::int64_t min = std::numeric_limits<std::int64_t>::min();
    constexpr std::int64_t two_32 = std::int64_t{1} << 32;
    constexpr std::int64_t two_62 = std::int64_t{1} << 62;
    constexpr std::int64_t sqrt_max = 3037000499;  // floor(sqrt(INT64_MAX))
    constexpr std::int64_t e18 = 1000000000000000000;
    return {0,          1,           -1,          2,
            -2,         3,           -3,          7,
            -7,         10,          -10,         two_32,
            -two_32,    two_32 + 1,  -two_32 - 1, two_32 - 1,
            sqrt_max,   sqrt_max + 1, -sqrt_max - 1, e18,
            -e18,       two_62,      -two_62,     two_62 - 1,
            max,        max - 1,     max - 2,     min,
            min + 1,    min + 2};
}

inline std::vector<Int128> int128_edge_set() {
    const cpp_int two_64 = cpp_int(1) << 64;
    const cpp_int two_126 = cpp_int(1) << 126;
    const cpp_int max = (cpp_int(1) << 127) - 1;
    const cpp_int e18 = boost::multiprecision::pow(cpp_int(10), 18);
    const cpp_int e38 = boost::multiprecision::pow(cpp_int(10), 38);
    const std::vector<cpp_int> magnitudes = {1,           2,           3,       7,
                                             two_64 - 1,  two_64,      two_64 + 1,
                                             two_126,     max,         max - 1,
                                             e18,         e38,         cpp_int(std::numeric_limits<std::int64_t>::max()),
                                             cpp_int(1) << 63,
                                             // 3 * ((2^128 - 1) / 3) / 2 = (2^127 - 1) + 1/2:
                                             // the rounding decides whether it fits
                                             ((cpp_int(1) << 128) - 1) / 3};
    std::vector<Int128> values = {Int128(0)};
    for (const cpp_int& magnitude : magnitudes) {
        values.push_back(int128_of(magnitude));
        values.push_back(int128_of(cpp_int(-magnitude)));
    }
    return values;
}

// ---- notional and apply_rate -------------------------------------------------------------------

inline cpp_int pow10_big(int exponent) {
    return boost::multiprecision::pow(cpp_int(10), static_cast<unsigned>(exponent));
}

template <class Quote, class Rep>
Result<Rep> atoms_of_amount(const Result<Amount<Quote, Rep>>& result) {
    if (!result.has_value()) return result.error();
    return result->atoms();
}

// A raw price: a mantissa with trailing zeros (ties occur), a realistic uniform price, or an
// edge-biased int64 (negative and extreme raws included: notional is defined for them too).
inline std::int64_t random_price_raw(TestRandom& random) {
    switch (random.below(4)) {
        case 0: {  // mantissa up to 10^7, shifted by 10^0..10^8: 0.000001 .. 10^9 USDC
            std::int64_t raw = static_cast<std::int64_t>(random.below(10'000'001));
            for (std::uint64_t k = random.below(9); k > 0; --k) raw *= 10;
            return raw;
        }
        case 1: return static_cast<std::int64_t>(random.below(1'000'000'000'000'000ull));
        default: return random.edge_biased_int64();
    }
}

// The nearest odd value to x that fits Rep (x itself when odd).
template <class Rep>
cpp_int make_odd(const cpp_int& x) {
    if (x % 2 != 0) return x;
    return fits<Rep>(x + 1) ? cpp_int(x + 1) : cpp_int(x - 1);
}

inline cpp_int uniform_big(TestRandom& random, const cpp_int& low, const cpp_int& high) {
    // low + (random 128 bits mod (high - low + 1)): near uniform for the ranges used here.
    const cpp_int span = high - low + 1;
    return low + ((cpp_int(random.next()) << 64) | random.next()) % span;
}

// Quantity * price for one pair, every rounding, against qty * price * 10^q / (10^b * 10^p).
// Besides the caller's quantities and random prices, two shapes stress the rounding: ties
// (price an odd multiple of half an atom's worth, quantity odd) and notionals aimed within a
// unit or two of the representation limits.
template <class Base, class Quote, class Rep, class MakeQuantity>
Tally run_notional(std::uint64_t seed, std::uint64_t pairs, const MakeQuantity& make_quantity) {
    using Traits = RepTraits<Rep>;
    const cpp_int scale_up = pow10_big(AssetTraits<Quote>::decimals);
    const cpp_int scale_down =
        pow10_big(AssetTraits<Base>::decimals) * pow10_big(Price<Base, Quote>::decimals);
    // qty * price / per_atom is the notional when the scale divides (zero when it multiplies).
    const cpp_int per_atom = scale_down / scale_up;
    const cpp_int price_max = RepTraits<std::int64_t>::max();
    TestRandom random(seed);
    Tally tally;
    for (std::uint64_t i = 0; i < pairs; ++i) {
        cpp_int quantity_atoms = Traits::big(make_quantity(random));
        cpp_int price_raw = random_price_raw(random);
        switch (per_atom > 1 ? random.below(8) : 7) {
            case 0: {  // a tie: price = per_atom / 2 * odd, quantity odd
                const cpp_int half = per_atom / 2;
                const cpp_int odd_max = price_max / half < 20'001 ? cpp_int(price_max / half) : cpp_int(20'001);
                price_raw = half * make_odd<std::int64_t>(uniform_big(random, 1, odd_max - 1));
                quantity_atoms = make_odd<Rep>(quantity_atoms);
                break;
            }
            case 1: {  // aimed at a limit: price in [per_atom, 2 per_atom], qty = limit * per_atom / price
                const cpp_int price_high = 2 * per_atom < price_max ? cpp_int(2 * per_atom) : price_max;
                const cpp_int price = uniform_big(random, per_atom, price_high);
                const cpp_int& limit = random.chance(2) ? Traits::max() : Traits::min();
                const cpp_int quantity =
                    (limit * per_atom + uniform_big(random, -per_atom, per_atom)) / price;
                if (fits<Rep>(quantity)) {
                    price_raw = price;
                    quantity_atoms = quantity;
                }
                break;
            }
            default:
                break;
        }
        const Quantity<Base, Rep> quantity(Traits::from_big(quantity_atoms));
        const Price<Base, Quote> price(price_raw.convert_to<std::int64_t>());
        const ExactQuotient reference(quantity_atoms * price_raw * scale_up, scale_down);
        if (rounding_decides_fit<Rep>(reference)) ++tally.rounding_decides;
        const auto describe = [&] {
            return "notional(" + text(quantity.atoms()) + " " + std::string(AssetTraits<Base>::symbol) +
                   " atoms, price raw " + text(price.raw()) + ")";
        };
        for (Rounding rounding : all_roundings) {
            record<Rep>(tally, atoms_of_amount(notional(quantity, price, rounding)), &reference,
                        rounding, describe);
        }
    }
    return tally;
}

// A rate count: realistic (+-10^4 units) half the time, else edge-biased.
inline std::int64_t random_rate_count(TestRandom& random) {
    if (random.chance(2)) return static_cast<std::int64_t>(random.below(20'001)) - 10'000;
    return random.edge_biased_int64();
}

// amount * rate for one amount type and rate type, every rounding, against
// atoms * count / denominator; with the same tie and limit shapes as run_notional.
template <class RateType, class Asset, class Rep, class MakeAtoms>
Tally run_apply_rate(std::uint64_t seed, std::uint64_t pairs, const MakeAtoms& make_atoms) {
    using Traits = RepTraits<Rep>;
    const cpp_int denominator = RateType::denominator;
    TestRandom random(seed);
    Tally tally;
    for (std::uint64_t i = 0; i < pairs; ++i) {
        cpp_int atoms = Traits::big(make_atoms(random));
        cpp_int count = random_rate_count(random);
        switch (random.below(8)) {
            case 0:  // a tie: count = denominator / 2 * odd, atoms odd
                count = denominator / 2 * make_odd<std::int64_t>(uniform_big(random, -2001, 2001));
                atoms = make_odd<Rep>(atoms);
                break;
            case 1: {  // aimed at a limit: |count| in [d, 2d], atoms = limit * d / count
                cpp_int rate = uniform_big(random, denominator, 2 * denominator);
                if (random.chance(2)) rate = -rate;
                const cpp_int& limit = random.chance(2) ? Traits::max() : Traits::min();
                const cpp_int amount =
                    (limit * denominator + uniform_big(random, -denominator, denominator)) / rate;
                if (fits<Rep>(amount)) {
                    count = rate;
                    atoms = amount;
                }
                break;
            }
            default:
                break;
        }
        const Amount<Asset, Rep> amount(Traits::from_big(atoms));
        const RateType rate(count.convert_to<std::int64_t>());
        const ExactQuotient reference(atoms * count, denominator);
        if (rounding_decides_fit<Rep>(reference)) ++tally.rounding_decides;
        const auto describe = [&] {
            return "apply_rate(" + text(amount.atoms()) + " atoms, " + text(rate.count()) + " " +
                   std::string(RateType::unit) + ")";
        };
        for (Rounding rounding : all_roundings) {
            record<Rep>(tally, atoms_of_amount(apply_rate(amount, rate, rounding)), &reference,
                        rounding, describe);
        }
    }
    return tally;
}

// A pair whose price is coarser than the quote asset (2 decimals of USDC per whole unit of a
// 0-decimal index): notional's exponent is 0 + 2 - 6 = -4, so it multiplies by 10^4 instead of
// dividing. Declared here to cover that branch.
struct IDX {
    static constexpr std::string_view symbol = "IDX";
    static constexpr int decimals = 0;
};

}  // namespace mul_div_property

template <>
struct PriceScale<mul_div_property::IDX, assets::USDC> {
    static constexpr int decimals = 2;
};

}  // namespace backstop

using namespace backstop;
using namespace backstop::mul_div_property;
using backstop::testing::TestRandom;
using boost::multiprecision::cpp_int;

// ---- hand-worked cases -------------------------------------------------------------------------

TEST_CASE("mul_div hand-worked cases in every rounding", "[money][mul_div]") {
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
    struct HandCase {
        std::int64_t a, b, c;
        Rounding rounding;
        std::int64_t expected;
    };
    const HandCase table[] = {
        // 7 * 3 / 2 = 21 / 2 = 10.5: floor 10, ceiling 11, a tie between 10 (even) and 11.
        {7, 3, 2, Rounding::down, 10},
        {7, 3, 2, Rounding::up, 11},
        {7, 3, 2, Rounding::toward_zero, 10},
        {7, 3, 2, Rounding::away_from_zero, 11},
        {7, 3, 2, Rounding::half_even, 10},
        // -7 * 3 / 2 = -10.5: floor -11, ceiling -10; toward zero -10, away -11; tie to -10 (even).
        {-7, 3, 2, Rounding::down, -11},
        {-7, 3, 2, Rounding::up, -10},
        {-7, 3, 2, Rounding::toward_zero, -10},
        {-7, 3, 2, Rounding::away_from_zero, -11},
        {-7, 3, 2, Rounding::half_even, -10},
        // The same quotient with the sign on the divisor: 7 * 3 / -2 = -10.5.
        {7, 3, -2, Rounding::down, -11},
        {7, 3, -2, Rounding::up, -10},
        {7, 3, -2, Rounding::half_even, -10},
        // Ties go to the even neighbour: 5/2 = 2.5 -> 2, 7/2 = 3.5 -> 4, -5/2 -> -2, -7/2 -> -4.
        {5, 1, 2, Rounding::half_even, 2},
        {7, 1, 2, Rounding::half_even, 4},
        {-5, 1, 2, Rounding::half_even, -2},
        {-7, 1, 2, Rounding::half_even, -4},
        // Not ties: 5/3 = 1.67 -> 2 and -5/3 -> -2; 4/3 = 1.33 -> 1.
        {5, 1, 3, Rounding::half_even, 2},
        {-5, 1, 3, Rounding::half_even, -2},
        {4, 1, 3, Rounding::half_even, 1},
        // -1/3 = -0.33: floor -1, ceiling 0, toward zero 0, away -1.
        {-1, 1, 3, Rounding::down, -1},
        {-1, 1, 3, Rounding::up, 0},
        {-1, 1, 3, Rounding::toward_zero, 0},
        {-1, 1, 3, Rounding::away_from_zero, -1},
        // Exact quotients ignore the rounding: 6 * 4 / 3 = 8.
        {6, 4, 3, Rounding::up, 8},
        {6, 4, 3, Rounding::down, 8},
        // The product may exceed int64 as long as the quotient fits: MAX * MAX / MAX = MAX.
        {kMax, kMax, kMax, Rounding::down, kMax},
        // MIN * MIN / MIN = MIN (the product is 2^126).
        {kMin, kMin, kMin, Rounding::up, kMin},
        // MIN * -1 / -1 = MIN.
        {kMin, -1, -1, Rounding::half_even, kMin},
        // MAX * 3 / 6 = MAX / 2 = 2^62 - 0.5: half_even picks 2^62 (even), down 2^62 - 1.
        {kMax, 3, 6, Rounding::half_even, std::int64_t{1} << 62},
        {kMax, 3, 6, Rounding::down, (std::int64_t{1} << 62) - 1},
        // 1.5 USDC (1'500'000 atoms) at 150 bps = 22'500 atoms exactly.
        {1'500'000, 150, 10'000, Rounding::up, 22'500},
        // 1 atom at 1 bps = 0.0001 atom: up collects 1, down pays 0.
        {1, 1, 10'000, Rounding::up, 1},
        {1, 1, 10'000, Rounding::down, 0},
    };
    int checked = 0;
    for (const HandCase& hand : table) {
        INFO(hand.a << " * " << hand.b << " / " << hand.c << " " << rounding_name(hand.rounding));
        // The reference must agree with hand arithmetic, or nothing below means much.
        const ExactQuotient reference(cpp_int(hand.a) * hand.b, cpp_int(hand.c));
        CHECK(reference.rounded(hand.rounding) == hand.expected);
        const Result<std::int64_t> got = mul_div(hand.a, hand.b, hand.c, hand.rounding);
        REQUIRE(got.has_value());
        CHECK(*got == hand.expected);
        ++checked;
    }
    CHECK(checked == static_cast<int>(std::size(table)));
    CHECK(checked >= 30);

    // Errors: a zero divisor, and quotients one past either limit.
    for (Rounding rounding : all_roundings) {
        INFO(rounding_name(rounding));
        const Result<std::int64_t> by_zero = mul_div(std::int64_t{5}, 7, 0, rounding);
        REQUIRE_FALSE(by_zero.has_value());
        CHECK(by_zero.error().code == ErrorCode::division_by_zero);
        // MIN * -1 / 1 = 2^63: one past INT64_MAX.
        const Result<std::int64_t> past_max = mul_div(kMin, -1, 1, rounding);
        REQUIRE_FALSE(past_max.has_value());
        CHECK(past_max.error().code == ErrorCode::overflow);
        // 3 * -3074457345618258603 / 1 = -(2^63 + 1): one past INT64_MIN.
        const Result<std::int64_t> past_min = mul_div(3, -3074457345618258603, 1, rounding);
        REQUIRE_FALSE(past_min.has_value());
        CHECK(past_min.error().code == ErrorCode::overflow);
        // The Int128 zero divisor too.
        const Result<Int128> wide_by_zero = mul_div(Int128(5), Int128(7), Int128(0), rounding);
        REQUIRE_FALSE(wide_by_zero.has_value());
        CHECK(wide_by_zero.error().code == ErrorCode::division_by_zero);
    }

    // Overflow decided by the rounding alone. (2^32 + 1) * (2^32 - 1) = 2^64 - 1, so
    // (2^32 + 1) * (2^32 - 1) / 2 = 2^63 - 0.5: down and toward zero give INT64_MAX; up and away
    // give 2^63, which overflows; half_even is a tie between INT64_MAX (odd) and 2^63 (even),
    // so it overflows too.
    constexpr std::int64_t two_32 = std::int64_t{1} << 32;
    CHECK(mul_div(two_32 + 1, two_32 - 1, 2, Rounding::down).value() == kMax);
    CHECK(mul_div(two_32 + 1, two_32 - 1, 2, Rounding::toward_zero).value() == kMax);
    for (Rounding rounding : {Rounding::up, Rounding::away_from_zero, Rounding::half_even}) {
        INFO(rounding_name(rounding));
        const Result<std::int64_t> over = mul_div(two_32 + 1, two_32 - 1, 2, rounding);
        REQUIRE_FALSE(over.has_value());
        CHECK(over.error().code == ErrorCode::overflow);
    }
    // 274177 * 67280421310721 = 2^64 + 1, so dividing by -2 gives -2^63 - 0.5: down and away
    // overflow; up and toward zero give INT64_MIN; half_even picks INT64_MIN (even) of the tie.
    CHECK(mul_div(274177, 67280421310721, -2, Rounding::up).value() == kMin);
    CHECK(mul_div(274177, 67280421310721, -2, Rounding::toward_zero).value() == kMin);
    CHECK(mul_div(274177, 67280421310721, -2, Rounding::half_even).value() == kMin);
    for (Rounding rounding : {Rounding::down, Rounding::away_from_zero}) {
        INFO(rounding_name(rounding));
        const Result<std::int64_t> under = mul_div(274177, 67280421310721, -2, rounding);
        REQUIRE_FALSE(under.has_value());
        CHECK(under.error().code == ErrorCode::overflow);
    }
    // INT64_MIN * 3 / 3 = INT64_MIN fits, INT64_MIN * 3 / -3 = 2^63 does not.
    CHECK(mul_div(kMin, 3, 3, Rounding::up).value() == kMin);
    const Result<std::int64_t> negated_min = mul_div(kMin, 3, -3, Rounding::down);
    REQUIRE_FALSE(negated_min.has_value());
    CHECK(negated_min.error().code == ErrorCode::overflow);
}

TEST_CASE("notional, apply_rate and Int128 mul_div hand-worked cases",
          "[money][mul_div][notional][rate]") {
    using assets::BTC;
    using assets::ETH;
    using assets::USDC;
    const auto btc_notional = [](std::int64_t sats, std::int64_t price_raw, Rounding rounding) {
        return notional(Quantity<BTC, std::int64_t>(sats), Price<BTC, USDC>(price_raw), rounding)
            .value()
            .atoms();
    };
    // 0.5 BTC at 65000.5 USDC = 32500.25 USDC = 32'500'250'000 atoms, exact in every mode.
    for (Rounding rounding : all_roundings) {
        CHECK(btc_notional(50'000'000, 65'000'500'000, rounding) == 32'500'250'000);
    }
    // 1 satoshi at 65000.5 USDC = 0.000650005 USDC = 650.005 atoms.
    CHECK(btc_notional(1, 65'000'500'000, Rounding::down) == 650);
    CHECK(btc_notional(1, 65'000'500'000, Rounding::up) == 651);
    CHECK(btc_notional(1, 65'000'500'000, Rounding::half_even) == 650);
    // Short 1 satoshi: -650.005 atoms; down (what a short pays) is -651.
    CHECK(btc_notional(-1, 65'000'500'000, Rounding::down) == -651);
    CHECK(btc_notional(-1, 65'000'500'000, Rounding::up) == -650);
    CHECK(btc_notional(-1, 65'000'500'000, Rounding::toward_zero) == -650);
    CHECK(btc_notional(-1, 65'000'500'000, Rounding::away_from_zero) == -651);
    // Ties: 1 and 3 satoshi at 50 USDC are 0.5 and 1.5 atoms; half_even gives 0 and 2.
    CHECK(btc_notional(1, 50'000'000, Rounding::half_even) == 0);
    CHECK(btc_notional(3, 50'000'000, Rounding::half_even) == 2);
    CHECK(btc_notional(3, 50'000'000, Rounding::toward_zero) == 1);

    // 1.5 ETH at 3000.25 USDC = 4500.375 USDC = 4'500'375'000 atoms (Int128).
    const Quantity<ETH> one_and_a_half_eth(Int128(1'500'000'000'000'000'000));
    CHECK(notional(one_and_a_half_eth, Price<ETH, USDC>(3'000'250'000), Rounding::up).value().atoms() ==
          Int128(4'500'375'000));
    // 1 wei at 3000.25 USDC = 3.00025e-9 atoms: up 1, down 0; short 1 wei: down -1, up 0.
    const Price<ETH, USDC> eth_price(3'000'250'000);
    CHECK(notional(Quantity<ETH>(Int128(1)), eth_price, Rounding::up).value().atoms() == 1);
    CHECK(notional(Quantity<ETH>(Int128(1)), eth_price, Rounding::down).value().atoms() == 0);
    CHECK(notional(Quantity<ETH>(Int128(-1)), eth_price, Rounding::down).value().atoms() == -1);
    CHECK(notional(Quantity<ETH>(Int128(-1)), eth_price, Rounding::up).value().atoms() == 0);

    // 1000 USDC at 150 bps = 15 USDC.
    const auto usdc = [](std::int64_t atoms) { return Amount<USDC, std::int64_t>(atoms); };
    CHECK(apply_rate(usdc(1'000'000'000), Bps(150), Rounding::down).value().atoms() == 15'000'000);
    // 333 atoms at 150 bps (= 15000 ppm) = 4.995 atoms: up 5, down 4, half_even 5.
    CHECK(apply_rate(usdc(333), Bps(150), Rounding::up).value().atoms() == 5);
    CHECK(apply_rate(usdc(333), Bps(150), Rounding::down).value().atoms() == 4);
    CHECK(apply_rate(usdc(333), Ppm(15'000), Rounding::half_even).value().atoms() == 5);
    // -333 atoms at 150 bps = -4.995: down -5, up -4, toward zero -4, away -5.
    CHECK(apply_rate(usdc(-333), Bps(150), Rounding::down).value().atoms() == -5);
    CHECK(apply_rate(usdc(-333), Bps(150), Rounding::up).value().atoms() == -4);
    CHECK(apply_rate(usdc(-333), Bps(150), Rounding::toward_zero).value().atoms() == -4);
    CHECK(apply_rate(usdc(-333), Bps(150), Rounding::away_from_zero).value().atoms() == -5);
    // Ties: 100 and 300 atoms at 50 bps are 0.5 and 1.5 atoms; half_even gives 0 and 2.
    CHECK(apply_rate(usdc(100), Bps(50), Rounding::half_even).value().atoms() == 0);
    CHECK(apply_rate(usdc(300), Bps(50), Rounding::half_even).value().atoms() == 2);

    // Int128 at its limit. MAX = 2^127 - 1 and 2^128 - 1 = 3 * q, so 3 * q / 2 = MAX + 0.5:
    // down and toward zero give MAX; up and away overflow; half_even's tie is between MAX (odd)
    // and 2^127 (even), so it overflows too. Negated: -(MAX + 0.5), mirrored.
    const Int128 max = std::numeric_limits<Int128>::max();
    const Int128 q = int128_of(((cpp_int(1) << 128) - 1) / 3);
    CHECK(mul_div(max, Int128(3), Int128(3), Rounding::up).value() == max);
    CHECK(mul_div(Int128(3), q, Int128(2), Rounding::down).value() == max);
    CHECK(mul_div(Int128(3), q, Int128(2), Rounding::toward_zero).value() == max);
    CHECK(mul_div(Int128(-3), q, Int128(2), Rounding::up).value() == -max);
    CHECK(mul_div(Int128(-3), q, Int128(2), Rounding::toward_zero).value() == -max);
    for (Rounding rounding : {Rounding::up, Rounding::away_from_zero, Rounding::half_even}) {
        INFO(rounding_name(rounding));
        const Result<Int128> over = mul_div(Int128(3), q, Int128(2), rounding);
        REQUIRE_FALSE(over.has_value());
        CHECK(over.error().code == ErrorCode::overflow);
    }
    for (Rounding rounding : {Rounding::down, Rounding::away_from_zero, Rounding::half_even}) {
        INFO(rounding_name(rounding));
        const Result<Int128> under = mul_div(Int128(-3), q, Int128(2), rounding);
        REQUIRE_FALSE(under.has_value());
        CHECK(under.error().code == ErrorCode::overflow);
    }
}

// ---- random int64 ------------------------------------------------------------------------------

TEST_CASE("mul_div int64 matches an exact cpp_int reference on random edge-biased inputs",
          "[money][mul_div]") {
    constexpr std::uint64_t triples = 1'000'000;  // x 5 roundings = 5'000'000 cases
    const Tally tally = run_random_mul_div<std::int64_t>(0x6d756c5f64697631ull, triples);
    INFO(tally.report());
    CHECK(tally.mismatches == 0);
    CHECK(tally.cases == triples * 5);
    CHECK(tally.cases >= 5'000'000);
    CHECK(tally.values + tally.overflows + tally.divisions_by_zero == tally.cases);
    // Every outcome and every rounding situation occurs often.
    CHECK(tally.values >= tally.cases / 5);
    CHECK(tally.overflows >= tally.cases / 20);
    CHECK(tally.divisions_by_zero >= tally.cases / 200);
    CHECK(tally.inexact >= tally.cases / 5);
    CHECK(tally.ties >= tally.cases / 200);
    CHECK(tally.at_limit >= 1000);
    CHECK(tally.rounding_decides >= 100);
}

// ---- the fast int64 path against the exact one -------------------------------------------------
// mul_div(int64) divides magnitudes with one 128-by-64 division; detail::mul_div_exact is the plain
// __int128 product, divide_rounded_128 and range check it replaced. Same value or same error code,
// in every rounding, on the random triples above, the edge cube, and quotients at 2^63 and 2^64.

namespace {

// The same value, or the same error code.
template <class T>
bool same_result(const Result<T>& x, const Result<T>& y) {
    return x.has_value() == y.has_value() && (x.has_value() ? *x == *y : x.error().code == y.error().code);
}

std::uint64_t compare_fast_with_exact(std::int64_t a, std::int64_t b, std::int64_t c) {
    std::uint64_t mismatches = 0;
    for (Rounding rounding : all_roundings) {
        if (!same_result(mul_div(a, b, c, rounding), detail::mul_div_exact(a, b, c, rounding))) {
            ++mismatches;
            UNSCOPED_INFO(a << " * " << b << " / " << c << " " << rounding_name(rounding));
        }
    }
    return mismatches;
}

}  // namespace

TEST_CASE("mul_div int64: the fast path agrees with the exact path bit for bit",
          "[money][mul_div][perf_equivalence]") {
    std::uint64_t mismatches = 0;
    std::uint64_t cases = 0;
    TestRandom random(0x666173745f6d6431ull);
    for (int i = 0; i < 400'000; ++i) {
        const Triple t = random_triple<std::int64_t>(random);
        mismatches += compare_fast_with_exact(RepTraits<std::int64_t>::from_big(t.a),
                                              RepTraits<std::int64_t>::from_big(t.b),
                                              RepTraits<std::int64_t>::from_big(t.c));
        ++cases;
    }
    const std::vector<std::int64_t> edges = int64_edge_set();
    for (std::int64_t a : edges) {
        for (std::int64_t b : edges) {
            for (std::int64_t c : edges) {
                mismatches += compare_fast_with_exact(a, b, c);
                ++cases;
            }
        }
    }
    // Quotient magnitudes around 2^63 (the int64 limits) and 2^64 (the division's own limit):
    // a * b = 2^k * m with c = 2^j * m' spread around them, and +-1 and +-2 off each.
    constexpr std::int64_t two_31 = std::int64_t{1} << 31;
    for (std::int64_t a : {two_31, two_31 + 1, two_31 - 1, 3 * two_31}) {
        for (std::int64_t b : {two_31 * 2, two_31 * 2 + 1, two_31 * 2 - 1, two_31 * 4, two_31 * 8}) {
            for (std::int64_t c : {std::int64_t{1}, std::int64_t{2}, std::int64_t{3}, std::int64_t{4}}) {
                for (std::int64_t sa : {1, -1}) {
                    for (std::int64_t sc : {1, -1}) {
                        mismatches += compare_fast_with_exact(sa * a, b, sc * c);
                        ++cases;
                    }
                }
            }
        }
    }
    CHECK(mismatches == 0);
    CHECK(cases == 400'000 + 30 * 30 * 30 + 4 * 5 * 4 * 4);
}

TEST_CASE("divide_rounded_128: the 128-by-64 path agrees with the general 128-bit division",
          "[money][mul_div][perf_equivalence]") {
    using detail::int128;
    const int128 int128_max = int128(std::numeric_limits<detail::uint128>::max() >> 1);
    const int128 two_64 = int128(1) << 64;
    constexpr std::int64_t i64_max = std::numeric_limits<std::int64_t>::max();
    constexpr std::int64_t i64_min = std::numeric_limits<std::int64_t>::min();
    // Numerators and divisors at the boundaries of each path: the 64-bit range, a quotient of
    // exactly 2^64 - 1 and 2^64, divisors just inside and outside 64 bits.
    std::vector<int128> numerators = {0, 1, -1, 7, -7, i64_max, i64_min, int128(i64_max) + 1,
                                      two_64 - 1, two_64, -two_64, two_64 * i64_max, two_64 * i64_max - 1,
                                      int128_max, -int128_max, int128_max / 3, -(int128_max / 3)};
    std::vector<int128> divisors = {1, -1, 2, -2, 3, 10, -10, i64_max, i64_min, i64_max - 1, i64_min + 1,
                                    int128(i64_max) + 1, -int128(i64_max) - 2, two_64, -two_64,
                                    int128_max / 2, -(int128_max / 2)};  // the general path needs 2|d| in 128 bits
    TestRandom random(0x646976323132385full);
    const auto random_int128 = [&](std::uint64_t max_bits) {  // magnitude bits spread evenly
        const auto bits = static_cast<unsigned>(random.below(max_bits + 1));
        const int128 magnitude = bits == 0 ? int128(0)
                                           : int128((static_cast<detail::uint128>(random.next()) << 64 | random.next()) >>
                                                    (128 - bits));
        return random.chance(2) ? -magnitude : magnitude;
    };
    for (int i = 0; i < 1'000; ++i) {
        numerators.push_back(random_int128(126));
        const int128 d = random_int128(random.chance(2) ? 64 : 126);  // the fast path half the time
        if (d != 0) divisors.push_back(d);
    }
    std::uint64_t mismatches = 0;
    std::uint64_t cases = 0;
    for (int128 n : numerators) {
        for (int128 d : divisors) {
            for (Rounding rounding : all_roundings) {
                ++cases;
                if (detail::divide_rounded_128(n, d, rounding) != detail::divide_rounded_128_exact(n, d, rounding)) {
                    ++mismatches;
                }
            }
        }
    }
    CHECK(mismatches == 0);
    CHECK(cases >= 1'000 * 990 * 5);
}

// ---- random Int128 -----------------------------------------------------------------------------

TEST_CASE("mul_div Int128 matches an exact cpp_int reference on random edge-biased inputs",
          "[money][mul_div]") {
    constexpr std::uint64_t triples = 200'000;  // x 5 roundings = 1'000'000 cases
    const Tally tally = run_random_mul_div<Int128>(0x6d756c5f64697632ull, triples);
    INFO(tally.report());
    CHECK(tally.mismatches == 0);
    CHECK(tally.cases == triples * 5);
    CHECK(tally.values + tally.overflows + tally.divisions_by_zero == tally.cases);
    CHECK(tally.values >= tally.cases / 5);
    CHECK(tally.overflows >= tally.cases / 20);
    CHECK(tally.divisions_by_zero >= tally.cases / 1000);
    CHECK(tally.inexact >= tally.cases / 5);
    CHECK(tally.ties >= tally.cases / 200);
    CHECK(tally.at_limit >= 200);
    CHECK(tally.rounding_decides >= 20);
}

// ---- the native Int128 path against Boost's 256-bit one ----------------------------------------

// cpp_int's arbitrary precision: the exact references of the native operations.
namespace reference {
inline Result<Int128> narrowed(const cpp_int& x) {
    if (!fits<Int128>(x)) return detail::overflow_error();
    return int128_of(x);
}
inline Result<Int128> checked_add(const Int128& a, const Int128& b) { return narrowed(big_of(a) + big_of(b)); }
inline Result<Int128> checked_sub(const Int128& a, const Int128& b) { return narrowed(big_of(a) - big_of(b)); }
inline Result<Int128> checked_mul(const Int128& a, const Int128& b) { return narrowed(big_of(a) * big_of(b)); }
inline Result<Int128> mul_div(const Int128& a, const Int128& b, const Int128& c, Rounding rounding) {
    if (c == 0) return detail::division_by_zero_error();
    return narrowed(detail::divide_rounded<cpp_int>(big_of(a) * big_of(b), big_of(c), rounding));
}
}  // namespace reference

TEST_CASE("mul_div Int128: the native 256-by-128 division agrees with Boost's 256-bit path bit for bit",
          "[money][mul_div][perf_equivalence]") {
    std::uint64_t mismatches = 0;
    std::uint64_t cases = 0;
    const auto compare = [&](const Int128& a, const Int128& b, const Int128& c) {
        for (Rounding rounding : all_roundings) {
            ++cases;
            if (!same_result(mul_div(a, b, c, rounding), reference::mul_div(a, b, c, rounding))) {
                ++mismatches;
                UNSCOPED_INFO(a << " * " << b << " / " << c << " " << rounding_name(rounding));
            }
        }
    };
    TestRandom random(0x6e61746976653132ull);
    for (int i = 0; i < 100'000; ++i) {
        const Triple t = random_triple<Int128>(random);
        compare(int128_of(t.a), int128_of(t.b), int128_of(t.c));
    }
    const std::vector<Int128> edges = int128_edge_set();
    for (const Int128& a : edges) {
        for (const Int128& b : edges) {
            for (const Int128& c : edges) compare(a, b, c);
        }
    }
    CHECK(mismatches == 0);
    CHECK(cases == (100'000 + edges.size() * edges.size() * edges.size()) * 5);
}

TEST_CASE("Int128 checked_add, checked_sub and checked_mul agree with exact cpp_int paths bit for bit",
          "[money][perf_equivalence]") {
    std::uint64_t mismatches = 0;
    std::uint64_t cases = 0;
    const auto compare = [&](const Int128& a, const Int128& b) {
        cases += 3;
        if (!same_result(checked_add(a, b), reference::checked_add(a, b))) {
            ++mismatches;
            UNSCOPED_INFO(a << " + " << b);
        }
        if (!same_result(checked_sub(a, b), reference::checked_sub(a, b))) {
            ++mismatches;
            UNSCOPED_INFO(a << " - " << b);
        }
        if (!same_result(checked_mul(a, b), reference::checked_mul(a, b))) {
            ++mismatches;
            UNSCOPED_INFO(a << " * " << b);
        }
    };
    TestRandom random(0x6164645f73756231ull);
    for (int i = 0; i < 200'000; ++i) compare(RepTraits<Int128>::edge(random), RepTraits<Int128>::edge(random));
    const std::vector<Int128> edges = int128_edge_set();
    for (const Int128& a : edges) {
        for (const Int128& b : edges) compare(a, b);
    }
    // x - x is 0, and the limits' sums land exactly on the range's ends or past them.
    for (const Int128& a : edges) CHECK(checked_sub(a, a).value() == Int128(0));
    const Int128 max = std::numeric_limits<Int128>::max();
    CHECK(checked_add(max - 1, Int128(1)).value() == max);
    CHECK_FALSE(checked_add(max, Int128(1)).has_value());
    CHECK_FALSE(checked_sub(-max, Int128(1)).has_value());  // -2^127: the excluded value
    CHECK_FALSE(checked_mul(Int128(1) << 126, Int128(-2)).has_value());  // -2^127 again
    CHECK(mismatches == 0);
    CHECK(cases == (200'000 + edges.size() * edges.size()) * 3);
}

TEST_CASE("detail::divide_256_by_128 matches cpp_int on random and adversarial digits",
          "[money][mul_div][perf_equivalence]") {
    // Digits drawn from the values that make Knuth's estimates wrong: 0, 1, all ones, the top bit
    // alone or missing, and random ones; divisors of one and two digits, normalised or not.
    TestRandom random(0x6b6e7574685f6400ull);
    const auto digit = [&]() -> std::uint64_t {
        switch (random.below(6)) {
            case 0: return 0;
            case 1: return 1;
            case 2: return ~std::uint64_t{0};
            case 3: return std::uint64_t{1} << 63;
            case 4: return ~std::uint64_t{0} >> 1;
            default: return random.next() >> random.below(64);
        }
    };
    const auto big = [](const detail::U256& n) {
        cpp_int value = 0;
        for (int k = 3; k >= 0; --k) value = (value << 64) + n.digit[k];
        return value;
    };
    const auto big128 = [](detail::uint128 x) {
        return (cpp_int(static_cast<std::uint64_t>(x >> 64)) << 64) + static_cast<std::uint64_t>(x);
    };
    std::uint64_t mismatches = 0;
    std::uint64_t cases = 0;
    for (int i = 0; i < 300'000; ++i) {
        detail::uint128 d = (static_cast<detail::uint128>(random.chance(3) ? 0 : digit()) << 64) | digit();
        if (d == 0) d = 1;
        detail::U256 n{{digit(), digit(), digit(), digit()}};
        // Keep the quotient within 128 bits: the high half below d.
        const detail::uint128 high = n.high() % d;
        n.digit[2] = static_cast<std::uint64_t>(high);
        n.digit[3] = static_cast<std::uint64_t>(high >> 64);
        detail::uint128 remainder = 0;
        const detail::uint128 q = detail::divide_256_by_128(n, d, remainder);
        const cpp_int expected_q = big(n) / big128(d);
        const cpp_int expected_r = big(n) % big128(d);
        ++cases;
        if (big128(q) != expected_q || big128(remainder) != expected_r) ++mismatches;
    }
    CHECK(mismatches == 0);
    CHECK(cases == 300'000);
}

// ---- exhaustive small domains ------------------------------------------------------------------

TEST_CASE("mul_div int64 over every triple of an edge set", "[money][mul_div]") {
    const std::vector<std::int64_t> edges = int64_edge_set();
    Tally tally;
    for (std::int64_t a : edges) {
        for (std::int64_t b : edges) {
            for (std::int64_t c : edges) check_mul_div_all_roundings<std::int64_t>(tally, a, b, c);
        }
    }
    INFO(tally.report());
    CHECK(tally.mismatches == 0);
    const std::uint64_t n = edges.size();
    CHECK(n == 30);
    CHECK(tally.cases == n * n * n * 5);
    CHECK(tally.divisions_by_zero == n * n * 5);
    CHECK(tally.overflows > 0);
    CHECK(tally.ties > 0);
    CHECK(tally.at_limit > 0);
    CHECK(tally.rounding_decides > 0);
}

TEST_CASE("mul_div Int128 over every triple of an edge set", "[money][mul_div]") {
    const std::vector<Int128> edges = int128_edge_set();
    Tally tally;
    for (const Int128& a : edges) {
        for (const Int128& b : edges) {
            for (const Int128& c : edges) check_mul_div_all_roundings<Int128>(tally, a, b, c);
        }
    }
    INFO(tally.report());
    CHECK(tally.mismatches == 0);
    const std::uint64_t n = edges.size();
    CHECK(n == 31);
    CHECK(tally.cases == n * n * n * 5);
    CHECK(tally.divisions_by_zero == n * n * 5);
    CHECK(tally.overflows > 0);
    CHECK(tally.ties > 0);
    CHECK(tally.at_limit > 0);
    CHECK(tally.rounding_decides > 0);
}

// ---- notional ----------------------------------------------------------------------------------

TEST_CASE("notional BTC/USDC int64 matches qty * price * 10^6 / (10^8 * 10^6)",
          "[money][mul_div][notional]") {
    using assets::BTC;
    using assets::USDC;
    constexpr std::uint64_t pairs = 100'000;  // x 5 = 500'000 cases
    const Tally tally = run_notional<BTC, USDC, std::int64_t>(
        0x6e6f74696f6e6131ull, pairs, [](TestRandom& random) {
            // Realistic sizes (up to 10^4 BTC) half the time, else edge-biased.
            if (random.chance(2)) {
                return static_cast<std::int64_t>(random.below(2'000'000'000'001ull)) - 1'000'000'000'000;
            }
            return random.edge_biased_int64();
        });
    INFO(tally.report());
    CHECK(tally.mismatches == 0);
    CHECK(tally.cases == pairs * 5);
    CHECK(tally.divisions_by_zero == 0);
    CHECK(tally.values >= tally.cases / 4);
    CHECK(tally.overflows >= tally.cases / 50);
    CHECK(tally.inexact >= tally.cases / 10);
    CHECK(tally.ties > 0);
    CHECK(tally.rounding_decides > 0);
}

TEST_CASE("notional ETH/USDC Int128 matches qty * price * 10^6 / (10^18 * 10^6)",
          "[money][mul_div][notional]") {
    using assets::ETH;
    using assets::USDC;
    STATIC_REQUIRE(std::is_same<default_rep_t<ETH>, Int128>::value);
    constexpr std::uint64_t pairs = 50'000;  // x 5 = 250'000 cases
    const Tally tally = run_notional<ETH, USDC, Int128>(
        0x6e6f74696f6e6132ull, pairs, [](TestRandom& random) { return edge_biased_int128(random); });
    INFO(tally.report());
    CHECK(tally.mismatches == 0);
    CHECK(tally.cases == pairs * 5);
    CHECK(tally.divisions_by_zero == 0);
    CHECK(tally.values >= tally.cases / 4);
    CHECK(tally.overflows > 0);
    CHECK(tally.inexact >= tally.cases / 10);
    CHECK(tally.ties > 0);
}

TEST_CASE("notional with a negative scale exponent multiplies exactly",
          "[money][mul_div][notional]") {
    using assets::USDC;
    STATIC_REQUIRE(Price<IDX, USDC>::decimals == 2);
    constexpr std::uint64_t pairs = 10'000;  // x 5 = 50'000 cases
    const Tally tally = run_notional<IDX, USDC, std::int64_t>(
        0x6e6f74696f6e6133ull, pairs, [](TestRandom& random) {
            if (random.chance(2)) return static_cast<std::int64_t>(random.below(2'000'001)) - 1'000'000;
            return random.edge_biased_int64();
        });
    INFO(tally.report());
    CHECK(tally.mismatches == 0);
    CHECK(tally.cases == pairs * 5);
    CHECK(tally.inexact == 0);  // qty * price * 10^4 is always a whole number of atoms
    CHECK(tally.values >= tally.cases / 10);
    CHECK(tally.overflows >= tally.cases / 10);
}

// ---- apply_rate --------------------------------------------------------------------------------

TEST_CASE("apply_rate on int64 amounts matches atoms * count / denominator",
          "[money][mul_div][rate]") {
    using assets::USDC;
    const auto atoms = [](TestRandom& random) {
        if (random.chance(2)) return static_cast<std::int64_t>(random.below(2'000'000'001)) - 1'000'000'000;
        return random.edge_biased_int64();
    };
    constexpr std::uint64_t pairs = 60'000;  // per rate type, x 5 roundings
    const Tally bps = run_apply_rate<Bps, USDC, std::int64_t>(0x72617465627073ull, pairs, atoms);
    const Tally ppm = run_apply_rate<Ppm, USDC, std::int64_t>(0x72617465707061ull, pairs, atoms);
    for (const Tally* tally : {&bps, &ppm}) {
        INFO(tally->report());
        CHECK(tally->mismatches == 0);
        CHECK(tally->cases == pairs * 5);
        CHECK(tally->divisions_by_zero == 0);
        CHECK(tally->values >= tally->cases / 4);
        CHECK(tally->overflows >= tally->cases / 50);
        CHECK(tally->inexact >= tally->cases / 10);
        CHECK(tally->ties > 0);
        CHECK(tally->rounding_decides > 0);
    }
}

TEST_CASE("apply_rate on Int128 amounts matches atoms * count / denominator",
          "[money][mul_div][rate]") {
    using assets::ETH;
    const auto atoms = [](TestRandom& random) { return edge_biased_int128(random); };
    constexpr std::uint64_t pairs = 30'000;  // per rate type, x 5 roundings
    const Tally bps = run_apply_rate<Bps, ETH, Int128>(0x7261746542707332ull, pairs, atoms);
    const Tally ppm = run_apply_rate<Ppm, ETH, Int128>(0x7261746550706d32ull, pairs, atoms);
    for (const Tally* tally : {&bps, &ppm}) {
        INFO(tally->report());
        CHECK(tally->mismatches == 0);
        CHECK(tally->cases == pairs * 5);
        CHECK(tally->values >= tally->cases / 4);
        CHECK(tally->overflows > 0);
        CHECK(tally->inexact >= tally->cases / 10);
        CHECK(tally->ties > 0);
    }
}

TEST_CASE("apply_rate on a price matches raw * count / denominator", "[money][mul_div][rate]") {
    using assets::BTC;
    using assets::USDC;
    constexpr std::uint64_t pairs = 10'000;
    TestRandom random(0x7072696365726174ull);
    Tally tally;
    std::uint64_t negative_results = 0;
    std::uint64_t negative_mismatches = 0;
    for (std::uint64_t i = 0; i < pairs; ++i) {
        const Price<BTC, USDC> price(random_price_raw(random));
        const Bps rate(random_rate_count(random));
        const ExactQuotient reference(cpp_int(price.raw()) * rate.count(), cpp_int(Bps::denominator));
        const auto describe = [&] {
            return "apply_rate(price raw " + text(price.raw()) + ", " + text(rate.count()) + " bps)";
        };
        for (Rounding rounding : all_roundings) {
            const Result<Price<BTC, USDC>> got = apply_rate(price, rate, rounding);
            const cpp_int expected = reference.rounded(rounding);
            if (expected < 0 && expected >= std::numeric_limits<std::int64_t>::min()) {
                // A price cannot be negative: a result that would be is invalid_argument.
                ++negative_results;
                if (got.has_value() || got.error().code != ErrorCode::invalid_argument) {
                    ++negative_mismatches;
                }
                continue;
            }
            const Result<std::int64_t> raw =
                got.has_value() ? Result<std::int64_t>(got->raw()) : Result<std::int64_t>(got.error());
            record<std::int64_t>(tally, raw, &reference, rounding, describe);
        }
    }
    INFO(tally.report());
    CHECK(tally.mismatches == 0);
    CHECK(negative_mismatches == 0);
    CHECK(negative_results > 0);
    CHECK(tally.cases + negative_results == pairs * 5);
    CHECK(tally.inexact > 0);
    CHECK(tally.overflows > 0);
}

// ---- the double research representation --------------------------------------------------------

// Where double is exact (|a * b| < 2^52, so the product is exact and the quotient's error is far
// below the distance to the nearest integer or half-integer), mul_div on double must round to
// exactly the whole atom that int64 mul_div returns, in every mode.
TEST_CASE("mul_div on double rounds like int64 where double is exact", "[money][mul_div]") {
    constexpr std::uint64_t triples = 100'000;  // x 5 roundings = 500'000 cases
    TestRandom random(0x646f75626c657231ull);
    std::uint64_t cases = 0;
    std::uint64_t mismatches = 0;
    std::uint64_t inexact = 0;
    std::uint64_t ties = 0;
    std::uint64_t divisions_by_zero = 0;
    std::vector<std::string> first_mismatches;
    // A signed value of at most `bits` bits.
    const auto value_of_bits = [&](std::uint64_t bits) {
        const std::uint64_t magnitude = bits == 0 ? 0 : random.next() >> (64 - bits);
        const auto value = static_cast<std::int64_t>(magnitude);
        return random.chance(2) ? -value : value;
    };
    for (std::uint64_t i = 0; i < triples; ++i) {
        // bits(a) + bits(b) <= 52, so |a * b| < 2^52.
        const std::uint64_t bits_a = random.below(53);
        const std::int64_t a = value_of_bits(bits_a);
        const std::int64_t b = value_of_bits(random.below(53 - bits_a));
        std::int64_t c = 0;
        switch (random.below(4)) {
            case 0: c = static_cast<std::int64_t>(random.below(21)) - 10; break;  // ties, zero
            case 1: c = value_of_bits(random.below(33)); break;
            case 2: c = value_of_bits(1 + random.below(52)); break;
            default: c = (random.chance(2) ? 2 : -2) * value_of_bits(random.below(26)); break;
        }
        const bool tie = c != 0 && (cpp_int(a) * b * 2) % c == 0 && (cpp_int(a) * b) % c != 0;
        const bool exact = c != 0 && (cpp_int(a) * b) % c == 0;
        for (Rounding rounding : all_roundings) {
            ++cases;
            if (c != 0 && !exact) ++inexact;
            if (tie) ++ties;
            const Result<double> research = mul_div(static_cast<double>(a), static_cast<double>(b),
                                                    static_cast<double>(c), rounding);
            const Result<std::int64_t> exact_result = mul_div(a, b, c, rounding);
            bool agree = false;
            if (c == 0) {
                agree = !research.has_value() && !exact_result.has_value() &&
                        research.error().code == ErrorCode::division_by_zero &&
                        exact_result.error().code == ErrorCode::division_by_zero;
                if (agree) ++divisions_by_zero;
            } else {
                // == also accepts -0.0 for 0: the double path returns -0.0 where a negative
                // quotient rounds to zero (e.g. toward_zero of -1/3), int64 returns 0.
                agree = research.has_value() && exact_result.has_value() &&
                        *research == static_cast<double>(*exact_result);
            }
            if (!agree) {
                ++mismatches;
                if (first_mismatches.size() < 8) {
                    std::ostringstream line;
                    line.precision(17);
                    line << "mul_div<double>(" << a << ", " << b << ", " << c << ") "
                         << rounding_name(rounding) << ": got ";
                    if (research.has_value()) line << *research; else line << "error";
                    line << ", int64 gives ";
                    if (exact_result.has_value()) line << *exact_result; else line << "error";
                    first_mismatches.push_back(line.str());
                }
            }
        }
    }
    std::string report = "cases " + std::to_string(cases) + ", mismatches " +
                         std::to_string(mismatches) + ", inexact " + std::to_string(inexact) +
                         ", ties " + std::to_string(ties) + ", divisions by zero " +
                         std::to_string(divisions_by_zero);
    for (const std::string& line : first_mismatches) report += "\n  mismatch: " + line;
    INFO(report);
    CHECK(mismatches == 0);
    CHECK(cases == triples * 5);
    CHECK(inexact >= cases / 10);
    CHECK(ties >= cases / 100);
    CHECK(divisions_by_zero > 0);
}

// ---- Int192, the exact sum of Int128 values -----------------------------------------------------

TEST_CASE("Int192 sums, compares, narrows and prints like cpp_int", "[core][int192]") {
    TestRandom random(0x696e743139327375ull);
    std::uint64_t mismatches = 0;
    for (int run = 0; run < 400; ++run) {
        Int192 sum = 0;
        cpp_int expected = 0;
        Int192 previous = 0;
        cpp_int previous_expected = 0;
        for (int step = 0; step < 200; ++step) {
            const Int128 x = RepTraits<Int128>::edge(random);
            if (random.chance(3)) {
                sum -= x;
                expected -= big_of(x);
            } else {
                sum += x;
                expected += big_of(x);
            }
            const bool in_range = fits<Int128>(expected);
            bool same = to_string(sum) == expected.str() && sum.fits_int128() == in_range &&
                        (sum < previous) == (expected < previous_expected) &&
                        (sum == previous) == (expected == previous_expected) &&
                        (-sum).is_negative() == (expected > 0) && to_string(-sum) == cpp_int(-expected).str();
            if (in_range) same = same && big_of(sum.to_int128()) == expected;
            if (!same) {
                ++mismatches;
                UNSCOPED_INFO("run " << run << " step " << step << ": " << to_string(sum) << " vs " << expected.str());
            }
            if (random.chance(4)) {
                previous = sum;
                previous_expected = expected;
            }
        }
    }
    CHECK(mismatches == 0);
    // The edges of the narrowing: +-(2^127 - 1) fit, +-2^127 do not.
    const Int192 max(std::numeric_limits<Int128>::max());
    CHECK(max.fits_int128());
    CHECK((-max).fits_int128());
    CHECK_FALSE((max + Int192(1)).fits_int128());
    CHECK_FALSE((-max - Int192(1)).fits_int128());
    CHECK((-max - Int192(1)) < -max);
    CHECK(Int192(-1) < Int192(0));
    CHECK(Int192(0) < max + max);
}
