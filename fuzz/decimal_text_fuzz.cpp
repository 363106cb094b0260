// Fuzz target: decimal text of the money types, and the rate arithmetic next to it.
//
// Checks, for Amount, Quantity and Price over assets of 0, 6, 8 and 18 decimals in int64 and
// Int128 (and a 12- and an 18-decimal price scale):
//   - parse never crashes, and on any text agrees with a reference parser written here from the
//     grammar documented in money/decimal.hpp (value, or the error class and its precedence);
//   - every error is one of the four parse errors, nothing else;
//   - parse(to_string(x)) == x, parse(fmt(x)) == x, and to_string matches a reference printer,
//     for values decoded from the bytes (near the limits of each representation included);
//   - Bps and Ppm print as "<count> bps|ppm", to_ppm is exact (an overflow error beyond
//     int64 / 100), and apply_rate, mul_div and notional agree with exact reference arithmetic
//     (arbitrary-precision cpp_int) in every rounding direction, returning overflow (never
//     wrapping) when the result does not fit;
//   - the research representation (double) parses and prints any input without crashing.
#include <backstop/money/money.hpp>

#include "fuzz_input.hpp"

#include <boost/multiprecision/cpp_int.hpp>
#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

using namespace backstop;
using namespace backstop::assets;
using backstop_fuzz::FuzzInput;
using BigInt = boost::multiprecision::cpp_int;  // reference arithmetic: no width to overflow

namespace {

// Assets the shipped set lacks: no decimals at all, and an int64 asset with 18 decimals (which
// holds only ~9.22 whole units), both at the edges of what AssetTraits allows.
struct Contract { static constexpr std::string_view symbol = "CNT"; static constexpr int decimals = 0; };
struct Wei { static constexpr std::string_view symbol = "WEI"; static constexpr int decimals = 18; };
struct Pepe { static constexpr std::string_view symbol = "PEPE"; static constexpr int decimals = 0; };

}  // namespace

template <>
struct backstop::PriceScale<Pepe, USDC> {
    static constexpr int decimals = 12;
};

namespace {

// ---- reference arithmetic -----------------------------------------------------------------------

BigInt pow10_big(int exponent) {
    BigInt value = 1;
    for (int i = 0; i < exponent; ++i) value *= 10;
    return value;
}

BigInt to_big(std::int64_t value) { return BigInt(value); }
BigInt to_big(const Int128& value) { return BigInt(to_string(value)); }

// n / d rounded as asked, d != 0, computed with floor and ceiling on exact integers.
BigInt divide_big(const BigInt& n, const BigInt& d, Rounding rounding) {
    BigInt q = n / d;  // truncates toward zero
    const BigInt r = n - q * d;
    if (r == 0) return q;
    const bool negative = (n < 0) != (d < 0);
    const BigInt floor = negative ? BigInt(q - 1) : q;
    const BigInt ceiling = floor + 1;
    switch (rounding) {
        case Rounding::down: return floor;
        case Rounding::up: return ceiling;
        case Rounding::toward_zero: return negative ? ceiling : floor;
        case Rounding::away_from_zero: return negative ? floor : ceiling;
        case Rounding::half_even: {
            // Compare the distance to the floor with a half: 2 * (n/d - floor) against 1.
            const BigInt twice = 2 * (n - floor * d);  // sign of d
            const BigInt d_abs = d < 0 ? BigInt(-d) : d;
            const BigInt twice_abs = twice < 0 ? BigInt(-twice) : twice;
            if (twice_abs < d_abs) return floor;
            if (twice_abs > d_abs) return ceiling;
            return floor % 2 == 0 ? floor : ceiling;
        }
    }
    return q;
}

template <class Rep>
bool fits(const BigInt& value) {
    if constexpr (std::is_same<Rep, std::int64_t>::value) {
        return value >= std::numeric_limits<std::int64_t>::min() &&
               value <= std::numeric_limits<std::int64_t>::max();
    } else {
        // Int128 is symmetric: +-(2^127 - 1).
        static const BigInt bound = (BigInt(1) << 127) - 1;
        return value >= -bound && value <= bound;
    }
}

template <class Rep>
Rep from_big(const BigInt& value) {
    if constexpr (std::is_same<Rep, std::int64_t>::value) {
        return value.convert_to<std::int64_t>();
    } else {
        return Int128(value.convert_to<detail::int128>());
    }
}

// The canonical text: sign, at least one integer digit, every decimal.
std::string reference_format(const BigInt& value, int decimals) {
    std::string digits = (value < 0 ? BigInt(-value) : value).str();
    const auto width = static_cast<std::size_t>(decimals) + 1;
    if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
    if (decimals > 0) digits.insert(digits.size() - static_cast<std::size_t>(decimals), 1, '.');
    return (value < 0 ? "-" : "") + digits;
}

// ---- reference parser, from the documented grammar ----------------------------------------------
//   text   := number | number ' ' symbol        (a price also accepts "QUOTE/BASE")
//   number := [+|-] digit+ [ '.' digit+ ]
// Errors in order: parse_error (shape; the symbol's shape first), parse_wrong_symbol,
// parse_too_many_decimals, parse_out_of_range. A negative price is parse_out_of_range.

struct Expected {
    bool ok = false;
    ErrorCode code = ErrorCode::parse_error;
    BigInt value;
};

Expected refuse(ErrorCode code) { return Expected{false, code, 0}; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Digit by digit: cpp_int's string constructor would read a leading 0 as octal.
BigInt digits_value(std::string_view digits) {
    BigInt value = 0;
    for (const char c : digits) value = value * 10 + (c - '0');
    return value;
}

template <class Rep>
Expected reference_parse(std::string_view text, int decimals, std::string_view symbol,
                         std::string_view alternative, bool non_negative) {
    std::string_view number = text;
    const std::size_t space = text.find(' ');
    if (space != std::string_view::npos) {
        const std::string_view suffix = text.substr(space + 1);
        if (space == 0 || suffix.empty() || suffix.find(' ') != std::string_view::npos) {
            return refuse(ErrorCode::parse_error);
        }
        if (suffix != symbol && (alternative.empty() || suffix != alternative)) {
            return refuse(ErrorCode::parse_wrong_symbol);
        }
        number = text.substr(0, space);
    }
    std::size_t i = 0;
    bool negative = false;
    if (i < number.size() && (number[i] == '+' || number[i] == '-')) negative = number[i++] == '-';
    std::string integer;
    std::string fraction;
    while (i < number.size() && is_digit(number[i])) integer += number[i++];
    if (integer.empty()) return refuse(ErrorCode::parse_error);
    if (i < number.size() && number[i] == '.') {
        ++i;
        while (i < number.size() && is_digit(number[i])) fraction += number[i++];
        if (fraction.empty()) return refuse(ErrorCode::parse_error);
    }
    if (i != number.size()) return refuse(ErrorCode::parse_error);
    if (fraction.size() > static_cast<std::size_t>(decimals)) {
        return refuse(ErrorCode::parse_too_many_decimals);
    }
    // Integer digits beyond any representation's reach cost nothing to refuse here either: the
    // value would not fit, and cpp_int of 10^5 digits is slow, not wrong.
    std::size_t leading = 0;
    while (leading + 1 < integer.size() && integer[leading] == '0') ++leading;
    if (integer.size() - leading > 80) return refuse(ErrorCode::parse_out_of_range);
    BigInt magnitude = digits_value(std::string_view(integer).substr(leading));
    magnitude *= pow10_big(decimals);
    if (!fraction.empty()) {
        magnitude += digits_value(fraction) * pow10_big(decimals - static_cast<int>(fraction.size()));
    }
    const BigInt value = negative ? BigInt(-magnitude) : magnitude;
    if (!fits<Rep>(value)) return refuse(ErrorCode::parse_out_of_range);
    if (non_negative && value < 0) return refuse(ErrorCode::parse_out_of_range);
    return Expected{true, ErrorCode::parse_error, value};
}

bool is_parse_error(ErrorCode code) {
    return code == ErrorCode::parse_error || code == ErrorCode::parse_too_many_decimals ||
           code == ErrorCode::parse_out_of_range || code == ErrorCode::parse_wrong_symbol;
}

// ---- what each money type exposes, uniformly ----------------------------------------------------

template <class T>
struct TextTraits;

template <class Asset, class Rep>
struct TextTraits<Amount<Asset, Rep>> {
    using rep = Rep;
    static constexpr int decimals = AssetTraits<Asset>::decimals;
    static constexpr bool non_negative = false;
    static std::string_view symbol() { return AssetTraits<Asset>::symbol; }
    static std::string alternative() { return {}; }
    static Rep value(const Amount<Asset, Rep>& x) { return x.atoms(); }
    static Amount<Asset, Rep> make(const Rep& v) { return Amount<Asset, Rep>::from_atoms(v); }
};

template <class Base, class Rep>
struct TextTraits<Quantity<Base, Rep>> {
    using rep = Rep;
    static constexpr int decimals = AssetTraits<Base>::decimals;
    static constexpr bool non_negative = false;
    static std::string_view symbol() { return AssetTraits<Base>::symbol; }
    static std::string alternative() { return {}; }
    static Rep value(const Quantity<Base, Rep>& x) { return x.atoms(); }
    static Quantity<Base, Rep> make(const Rep& v) { return Quantity<Base, Rep>::from_atoms(v); }
};

template <class Base, class Quote>
struct TextTraits<Price<Base, Quote>> {
    using rep = std::int64_t;
    static constexpr int decimals = Price<Base, Quote>::decimals;
    static constexpr bool non_negative = true;
    static std::string_view symbol() { return AssetTraits<Quote>::symbol; }
    static std::string alternative() {
        return std::string(AssetTraits<Quote>::symbol) + "/" + std::string(AssetTraits<Base>::symbol);
    }
    static std::int64_t value(const Price<Base, Quote>& x) { return x.raw(); }
    static Price<Base, Quote> make(std::int64_t v) { return Price<Base, Quote>::from_raw(v); }
};

// Any text: parse agrees with the reference; what parses prints canonically and reads back.
template <class T>
void check_text(std::string_view text) {
    using Traits = TextTraits<T>;
    using Rep = typename Traits::rep;
    const std::string alternative = Traits::alternative();
    const Result<T> parsed = T::parse(text);
    const Expected expected = reference_parse<Rep>(text, Traits::decimals, Traits::symbol(),
                                                   alternative, Traits::non_negative);
    FUZZ_CHECK(parsed.has_value() == expected.ok);
    if (!parsed) {
        FUZZ_CHECK(is_parse_error(parsed.error().code));
        FUZZ_CHECK(parsed.error().code == expected.code);
        return;
    }
    FUZZ_CHECK(to_big(Traits::value(*parsed)) == expected.value);
    const std::string canonical = parsed->to_string();
    FUZZ_CHECK(canonical == reference_format(expected.value, Traits::decimals));
    const Result<T> again = T::parse(canonical);
    FUZZ_CHECK(again.has_value() && *again == *parsed);
}

// A value: it prints as the reference does and every printed form reads back to it.
template <class T>
void check_value(const T& x) {
    using Traits = TextTraits<T>;
    const std::string text = x.to_string();
    FUZZ_CHECK(text == reference_format(to_big(Traits::value(x)), Traits::decimals));
    const bool readable = !Traits::non_negative || Traits::value(x) >= 0;
    const Result<T> back = T::parse(text);
    // A negative price prints but does not parse: prices are refused below zero on input.
    FUZZ_CHECK(back.has_value() == readable);
    if (!readable) {
        FUZZ_CHECK(back.error().code == ErrorCode::parse_out_of_range);
        return;
    }
    FUZZ_CHECK(*back == x);
    const std::string with_unit = fmt::format("{}", x);
    const Result<T> from_fmt = T::parse(with_unit);
    FUZZ_CHECK(from_fmt.has_value() && *from_fmt == x);
    FUZZ_CHECK(fmt::format("{:n}", x) == text);
    const std::string padded = fmt::format("{:*^60n}", x);
    FUZZ_CHECK(padded.size() == std::max<std::size_t>(60, text.size()));
    FUZZ_CHECK(padded.find(text) != std::string::npos);
}

template <class T>
void check_atoms(FuzzInput& in) {
    using Rep = typename TextTraits<T>::rep;
    if constexpr (std::is_same<Rep, std::int64_t>::value) {
        check_value(TextTraits<T>::make(in.int64()));
    } else {
        check_value(TextTraits<T>::make(in.int128()));
    }
}

// ---- rates and the arithmetic that applies them -------------------------------------------------

Rounding rounding_from(FuzzInput& in) { return all_roundings[in.below(5)]; }

template <class Rate>
void check_rate(std::int64_t count) {
    const Rate rate(count);
    FUZZ_CHECK(fmt::format("{}", rate) == std::to_string(count) + " " + std::string(Rate::unit));
    FUZZ_CHECK(fmt::format("{:>40}", rate).size() >= 40);
}

template <class Asset, class Rep, class Tag>
void check_apply_rate(const Amount<Asset, Rep>& amount, Rate<Tag> rate, Rounding rounding) {
    const Result<Amount<Asset, Rep>> applied = apply_rate(amount, rate, rounding);
    const BigInt expected = divide_big(to_big(amount.atoms()) * rate.count(), Rate<Tag>::denominator, rounding);
    FUZZ_CHECK(applied.has_value() == fits<Rep>(expected));
    if (applied) {
        FUZZ_CHECK(to_big(applied->atoms()) == expected);
    } else {
        FUZZ_CHECK(applied.error().code == ErrorCode::overflow);
    }
}

void check_arithmetic(FuzzInput& in) {
    const std::int64_t count = in.int64();
    check_rate<Bps>(count);
    check_rate<Ppm>(count);
    const Result<Ppm> ppm = to_ppm(Bps(count));
    if (count >= std::numeric_limits<std::int64_t>::min() / 100 &&
        count <= std::numeric_limits<std::int64_t>::max() / 100) {
        FUZZ_CHECK(ppm.has_value() && ppm->count() == count * 100);
    } else {
        FUZZ_CHECK(!ppm.has_value() && ppm.error().code == ErrorCode::overflow);
    }
    const Rounding rounding = rounding_from(in);
    check_apply_rate(Amount<USDC>(in.int64()), Bps(count), rounding);
    check_apply_rate(Amount<USDC>(in.int64()), Ppm(count), rounding);
    check_apply_rate(Amount<ETH>(in.int128()), Bps(count), rounding);

    // mul_div in both exact representations.
    const std::int64_t a = in.int64();
    const std::int64_t b = in.int64();
    const std::int64_t c = in.int64();
    const Result<std::int64_t> narrow = mul_div(a, b, c, rounding);
    if (c == 0) {
        FUZZ_CHECK(!narrow && narrow.error().code == ErrorCode::division_by_zero);
    } else {
        const BigInt expected = divide_big(BigInt(a) * b, c, rounding);
        FUZZ_CHECK(narrow.has_value() == fits<std::int64_t>(expected));
        if (narrow) FUZZ_CHECK(BigInt(*narrow) == expected);
        if (!narrow) FUZZ_CHECK(narrow.error().code == ErrorCode::overflow);
    }
    const Int128 wa = in.int128();
    const Int128 wb = in.int128();
    const Int128 wc = (in.byte() & 1) ? Int128(in.int64()) : in.int128();
    const Result<Int128> wide = mul_div(wa, wb, wc, rounding);
    if (wc == 0) {
        FUZZ_CHECK(!wide && wide.error().code == ErrorCode::division_by_zero);
    } else {
        const BigInt expected = divide_big(to_big(wa) * to_big(wb), to_big(wc), rounding);
        FUZZ_CHECK(wide.has_value() == fits<Int128>(expected));
        if (wide) FUZZ_CHECK(to_big(*wide) == expected);
    }

    // A price moved by a rate is refused below zero, never wraps.
    const Price<BTC, USDC> price(in.int64());
    const Result<Price<BTC, USDC>> moved = apply_rate(price, Bps(count), rounding);
    const BigInt moved_expected = divide_big(BigInt(price.raw()) * count, Bps::denominator, rounding);
    FUZZ_CHECK(moved.has_value() == (fits<std::int64_t>(moved_expected) && moved_expected >= 0));
    if (moved) FUZZ_CHECK(BigInt(moved->raw()) == moved_expected);

    // notional: quantity atoms (8 decimals) x price (6) / 10^8, in USDC atoms (6).
    const Quantity<BTC> quantity(in.int64());
    const Result<Amount<USDC>> value = notional(quantity, price, rounding);
    const BigInt value_expected = divide_big(BigInt(quantity.atoms()) * price.raw(), pow10_big(8), rounding);
    FUZZ_CHECK(value.has_value() == fits<std::int64_t>(value_expected));
    if (value) FUZZ_CHECK(BigInt(value->atoms()) == value_expected);
    // Scale below the quote's: a PEPE/USDC price has 12 decimals, PEPE none, so the exponent is
    // 0 + 12 - 6 = 6 and notional divides by 10^6.
    const Quantity<Pepe> pepe(in.int64());
    const Price<Pepe, USDC> pepe_price(in.int64());
    const Result<Amount<USDC>> pepe_value = notional(pepe, pepe_price, rounding);
    const BigInt pepe_expected = divide_big(BigInt(pepe.atoms()) * pepe_price.raw(), pow10_big(6), rounding);
    FUZZ_CHECK(pepe_value.has_value() == fits<std::int64_t>(pepe_expected));
    if (pepe_value) FUZZ_CHECK(BigInt(pepe_value->atoms()) == pepe_expected);
}

// The research representation promises no exactness, only that nothing crashes.
void check_research(FuzzInput& in) {
    const std::uint64_t bits = in.bits64();
    double atoms = 0;
    static_assert(sizeof atoms == sizeof bits, "double is 64 bits");
    std::memcpy(&atoms, &bits, sizeof atoms);
    const Amount<ETH, double> eth = Amount<ETH, double>::from_atoms(atoms);
    const Amount<Contract, double> whole = Amount<Contract, double>::from_atoms(atoms);
    FUZZ_CHECK(!eth.to_string().empty() && !whole.to_string().empty());
    FUZZ_CHECK(!fmt::format("{}", eth).empty());
    const Result<Amount<USDC, std::int64_t>> exact = rep_cast<std::int64_t>(
        Amount<USDC, double>::from_atoms(atoms), rounding_from(in));
    if (!exact) FUZZ_CHECK(exact.error().code == ErrorCode::not_representable);
    const Result<Amount<USDC, Int128>> wide = rep_cast<Int128>(
        Amount<USDC, double>::from_atoms(atoms), rounding_from(in));
    if (!wide) FUZZ_CHECK(wide.error().code == ErrorCode::not_representable);
    const std::string_view text = in.rest();
    const Result<Amount<USDC, double>> parsed = Amount<USDC, double>::parse(text);
    if (!parsed) FUZZ_CHECK(is_parse_error(parsed.error().code));
}

// Every text-readable type, by one selector byte.
void check_any_text(std::uint8_t selector, std::string_view text) {
    switch (selector % 13) {
        case 0: return check_text<Amount<USDC>>(text);
        case 1: return check_text<Amount<BTC>>(text);
        case 2: return check_text<Amount<ETH>>(text);  // Int128 by default
        case 3: return check_text<Amount<USDC, Int128>>(text);
        case 4: return check_text<Amount<Wei>>(text);  // 18 decimals in int64
        case 5: return check_text<Amount<Contract>>(text);
        case 6: return check_text<Quantity<BTC>>(text);
        case 7: return check_text<Quantity<ETH>>(text);
        case 8: return check_text<Price<BTC, USDC>>(text);
        case 9: return check_text<Price<ETH, USDC>>(text);
        case 10: return check_text<Price<Pepe, USDC>>(text);
        case 11: return check_text<Price<USDC, ETH>>(text);  // 18-decimal price scale
        default: return check_text<Amount<USDT>>(text);
    }
}

void check_any_atoms(std::uint8_t selector, FuzzInput& in) {
    switch (selector % 12) {
        case 0: return check_atoms<Amount<USDC>>(in);
        case 1: return check_atoms<Amount<BTC>>(in);
        case 2: return check_atoms<Amount<ETH>>(in);
        case 3: return check_atoms<Amount<USDC, Int128>>(in);
        case 4: return check_atoms<Amount<Wei>>(in);
        case 5: return check_atoms<Amount<Contract>>(in);
        case 6: return check_atoms<Quantity<BTC>>(in);
        case 7: return check_atoms<Quantity<ETH>>(in);
        case 8: return check_atoms<Price<BTC, USDC>>(in);
        case 9: return check_atoms<Price<Pepe, USDC>>(in);
        case 10: return check_atoms<Price<USDC, ETH>>(in);
        default: return check_atoms<Amount<Contract, Int128>>(in);
    }
}

}  // namespace

// Byte 0 chooses the check, byte 1 the type; the rest is text or the numbers to decode. Text
// is the most common mode, since that is where the grammar's corners are.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzInput in(data, size);
    const std::uint8_t mode = in.byte();
    const std::uint8_t selector = in.byte();
    switch (mode % 8) {
        case 0: case 1: case 2: case 3: check_any_text(selector, in.rest()); break;
        case 4: case 5: check_any_atoms(selector, in); break;
        case 6: check_arithmetic(in); break;
        default: check_research(in); break;
    }
    return 0;
}
