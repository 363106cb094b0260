// Black-76 (issue 18): prices and Greeks against closed forms (a known value, put-call parity,
// the Greeks' identities), the Greeks against finite differences of the price on 10,000 random
// inputs, parity to the atom once values are money, and every bad input refused by type.
// QuantLib's figures on the same kind of inputs: tests/quantlib.
#include <backstop/core/config.hpp>
#include <backstop/engine/options/black76.hpp>
#include <backstop/engine/options/volatility_surface.hpp>

#include <catch2/catch.hpp>

#include "support/option_draws.hpp"

#include <cmath>
#include <cstdint>
#include <limits>

namespace test_engine_black76_test {
using namespace backstop;
using Draws = testing::TestRandom;
using testing::random_black76_input;

bool close(double a, double b, double relative, double absolute) {
    return std::abs(a - b) <= relative * std::abs(b) + absolute;
}

TEST_CASE("Black-76: the at-the-money call of the textbook", "[options][greeks]") {
    // F = K = 100, vol 20%, one year, r = 0: d1 = 0.1, d2 = -0.1, call = put = 100 (2 N(0.1) - 1).
    const Black76Input in{100, 100, 0.2, 1.0, 0.0};
    const Black76Greeks call = black76_greeks(OptionKind::call, in).value();
    const Black76Greeks put = black76_greeks(OptionKind::put, in).value();
    CHECK(call.price == Approx(7.965567455405804).epsilon(1e-14));
    CHECK(put.price == Approx(7.965567455405804).epsilon(1e-14));
    CHECK(call.delta == Approx(0.539827837277029).epsilon(1e-14));    // N(0.1)
    CHECK(put.delta == Approx(-0.460172162722971).epsilon(1e-14));    // -N(-0.1)
    CHECK(call.gamma == Approx(0.01984762737385059).epsilon(1e-14));    // n(0.1) / (100 x 0.2)
    CHECK(call.vega == Approx(39.695254747701181).epsilon(1e-14));    // 100 n(0.1)
    CHECK(call.theta == Approx(-3.969525474770118).epsilon(1e-14));   // -100 n(0.1) 0.2 / 2
    // With r = 5% everything is discounted by exp(-0.05) and theta gains r x price.
    const Black76Greeks discounted = black76_greeks(OptionKind::call, Black76Input{100, 100, 0.2, 1.0, 0.05}).value();
    CHECK(discounted.price == Approx(7.965567455405804 * std::exp(-0.05)).epsilon(1e-14));
    CHECK(discounted.theta ==
          Approx(0.05 * discounted.price - std::exp(-0.05) * 3.969525474770118).epsilon(1e-13));
}

TEST_CASE("Black-76: parity and the Greeks' identities on 10,000 random inputs", "[options][greeks]") {
    Draws d{20261206};
    for (int i = 0; i < 10000; ++i) {
        const Black76Input in = random_black76_input(d);
        INFO("F " << in.forward << " K " << in.strike << " vol " << in.volatility << " T " << in.time_years
                  << " r " << in.rate);
        const Black76Greeks c = black76_greeks(OptionKind::call, in).value();
        const Black76Greeks p = black76_greeks(OptionKind::put, in).value();
        const double discount = std::exp(-in.rate * in.time_years);
        // C - P = DF (F - K), to the rounding of the larger of the two terms.
        REQUIRE(close(c.price - p.price, discount * (in.forward - in.strike), 0.0,
                      4e-16 * 8 * (in.forward + in.strike)));
        REQUIRE(close(c.delta - p.delta, discount, 1e-15, 0.0));
        REQUIRE(c.gamma == p.gamma);
        REQUIRE(c.vega == p.vega);
        REQUIRE(close(c.theta - p.theta, in.rate * (c.price - p.price), 0.0, 1e-14 * (in.forward + in.strike)));
        // Bounds: 0 <= call <= DF F, 0 <= put <= DF K, gamma and vega positive.
        REQUIRE(c.price >= 0);
        REQUIRE(c.price <= discount * in.forward * (1 + 1e-15));
        REQUIRE(p.price >= 0);
        REQUIRE(p.price <= discount * in.strike * (1 + 1e-15));
        REQUIRE(c.gamma >= 0);
        REQUIRE(c.vega >= 0);
    }
}

TEST_CASE("Black-76: each Greek is the derivative of the price (central differences, 10,000 inputs)",
          "[options][greeks]") {
    Draws d{7};
    for (int i = 0; i < 10000; ++i) {
        const Black76Input in = random_black76_input(d);
        const OptionKind kind = (i % 2) == 0 ? OptionKind::call : OptionKind::put;
        INFO("kind " << int(kind) << " F " << in.forward << " K " << in.strike << " vol " << in.volatility << " T "
                     << in.time_years << " r " << in.rate);
        const Black76Greeks g = black76_greeks(kind, in).value();
        auto price = [&](Black76Input x) { return black76_price(kind, x).value(); };
        // Each step is small against the scale the price changes over (F x vol x sqrt(T) for the
        // forward); the error allowed is the difference's truncation (relative) plus its rounding
        // (a few ulps of the option's scale DF x (F + K) over the step).
        const double scale = std::exp(-in.rate * in.time_years) * (in.forward + in.strike);
        const double stdev = in.volatility * std::sqrt(in.time_years);
        const double hf = in.forward * stdev * 1e-4;
        Black76Input up = in, down = in;
        up.forward += hf;
        down.forward -= hf;
        REQUIRE(close(g.delta, (price(up) - price(down)) / (2 * hf), 1e-6, 16 * 0x1p-52 * scale / hf));
        // Gamma changes over a move of about F x vol x sqrt(T): the second difference's step is
        // a thousandth of that, and its rounding (a few ulps of the price over the step squared)
        // is allowed on top.
        const double hg = in.forward * stdev * 1e-3;
        up = in, down = in;
        up.forward += hg;
        down.forward -= hg;
        const double second = (price(up) - 2 * price(in) + price(down)) / (hg * hg);
        REQUIRE(close(g.gamma, second, 1e-5, 16 * 0x1p-52 * scale / (hg * hg)));
        const double hv = in.volatility * 1e-5;
        up = in, down = in;
        up.volatility += hv;
        down.volatility -= hv;
        REQUIRE(close(g.vega, (price(up) - price(down)) / (2 * hv), 1e-6, 16 * 0x1p-52 * scale / hv));
        const double ht = in.time_years * 1e-5;
        up = in, down = in;
        up.time_years += ht;
        down.time_years -= ht;
        REQUIRE(close(g.theta, -(price(up) - price(down)) / (2 * ht), 1e-6, 16 * 0x1p-52 * scale / ht));
    }
}

TEST_CASE("Black-76: parity holds to the atom once the values are money", "[options][greeks]") {
    // A BTC option in USDC: prices with 6 decimals, size in satoshis (8 decimals), so a value in
    // USDC atoms is size x price / 10^8. Each value rounded to the nearest atom: C - P and
    // F - K (exact, r = 0) differ by at most the two roundings, one atom.
    Draws d{99};
    for (int i = 0; i < 10000; ++i) {
        const std::int64_t forward_raw = static_cast<std::int64_t>(d.uniform(1e9, 2e11));  // 1,000 to 200,000 USDC
        const std::int64_t strike_raw =
            static_cast<std::int64_t>(static_cast<double>(forward_raw) * d.uniform(0.5, 2.0)) / 1'000'000 * 1'000'000;
        const std::int64_t size_sats = static_cast<std::int64_t>(d.uniform(1, 1e8));  // up to one BTC
        const Black76Input in{static_cast<double>(forward_raw), static_cast<double>(strike_raw), d.uniform(0.1, 1.5),
                              d.uniform(0.01, 1.0), 0.0};
        const double to_atoms = static_cast<double>(size_sats) / 1e8;
        const double call_atoms = std::nearbyint(black76_price(OptionKind::call, in).value() * to_atoms);
        const double put_atoms = std::nearbyint(black76_price(OptionKind::put, in).value() * to_atoms);
        // (F - K) x size / 10^8 exactly in integers, rounded to nearest.
        const detail::int128 parity_numerator = static_cast<detail::int128>(forward_raw - strike_raw) * size_sats;
        const double parity_atoms = std::nearbyint(static_cast<double>(parity_numerator) / 1e8);
        INFO("F " << forward_raw << " K " << strike_raw << " size " << size_sats);
        REQUIRE(std::abs(call_atoms - put_atoms - parity_atoms) <= 1.0);
    }
    // At expiry the payoffs are exact integers and parity is exact.
    const Black76Input at_expiry{65'000'000'000.0, 60'000'000'000.0, 0.5, 0.0, 0.0};
    CHECK(black76_price(OptionKind::call, at_expiry).value() - black76_price(OptionKind::put, at_expiry).value() ==
          5'000'000'000.0);
}

TEST_CASE("Black-76 at expiry: the payoff, a delta step, no gamma or vega", "[options][greeks]") {
    const Black76Greeks in_the_money = black76_greeks(OptionKind::call, Black76Input{110, 100, 0.5, 0.0, 0.03}).value();
    CHECK(in_the_money.price == 10.0);
    CHECK(in_the_money.delta == 1.0);
    CHECK(in_the_money.gamma == 0.0);
    CHECK(in_the_money.vega == 0.0);
    CHECK(in_the_money.theta == 0.0);
    CHECK(black76_greeks(OptionKind::put, Black76Input{110, 100, 0.5, 0.0, 0.0}).value().price == 0.0);
    CHECK(black76_greeks(OptionKind::put, Black76Input{110, 100, 0.5, 0.0, 0.0}).value().delta == 0.0);
    CHECK(black76_greeks(OptionKind::put, Black76Input{100, 100, 0.5, 0.0, 0.0}).value().delta == -0.5);
    // Just before expiry the value tends to the payoff.
    CHECK(black76_price(OptionKind::call, Black76Input{110, 100, 0.5, 1e-12, 0.0}).value() == Approx(10.0));
}

TEST_CASE("Black-76 refuses bad inputs with invalid_option_input", "[options][greeks]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    const Black76Input good{100, 100, 0.2, 1.0, 0.0};
    auto refused = [](OptionKind kind, Black76Input in) {
        Result<Black76Greeks> r = black76_greeks(kind, in);
        return !r && r.error().code == ErrorCode::invalid_option_input;
    };
    CHECK(black76_greeks(OptionKind::call, good).has_value());
    for (double bad : {0.0, -1.0, nan, inf}) {
        Black76Input in = good;
        in.forward = bad;
        CHECK(refused(OptionKind::call, in));
        in = good;
        in.strike = bad;
        CHECK(refused(OptionKind::put, in));
        in = good;
        in.volatility = bad;
        CHECK(refused(OptionKind::call, in));
    }
    for (double bad : {-1e-9, nan, inf}) {
        Black76Input in = good;
        in.time_years = bad;
        CHECK(refused(OptionKind::call, in));
    }
    Black76Input in = good;
    in.rate = nan;
    CHECK(refused(OptionKind::call, in));
    CHECK(refused(static_cast<OptionKind>(7), good));
    CHECK(!black76_price(OptionKind::call, Black76Input{}).has_value());
}

TEST_CASE("volatility surface: linear in strike, linear in total variance along expiries, flat beyond",
          "[options][greeks]") {
    // Expiries 0.1 and 0.4 years, strikes 90 and 110.
    //           K = 90   K = 110
    //   T = 0.1   0.60     0.40
    //   T = 0.4   0.50     0.30
    const VolatilitySurface surface = VolatilitySurface::create({0.1, 0.4}, {90, 110}, {0.6, 0.4, 0.5, 0.3}).value();
    CHECK(surface.volatility(90, 0.1) == Approx(0.6));
    CHECK(surface.volatility(100, 0.1) == Approx(0.5));   // halfway in strike
    CHECK(surface.volatility(80, 0.1) == Approx(0.6));    // flat below the first strike
    CHECK(surface.volatility(200, 0.4) == Approx(0.3));   // flat above the last
    CHECK(surface.volatility(100, 0.01) == Approx(0.5));  // flat in vol before the first expiry
    CHECK(surface.volatility(100, 2.0) == Approx(0.4));   // and after the last
    // At K = 100 and T = 0.25: total variances 0.5^2 x 0.1 = 0.025 and 0.4^2 x 0.4 = 0.064,
    // halfway: 0.0445, so vol = sqrt(0.0445 / 0.25) = 0.42190046...
    CHECK(surface.volatility(100, 0.25) == Approx(std::sqrt(0.0445 / 0.25)).epsilon(1e-14));
    CHECK(VolatilitySurface::flat(0.7).value().volatility(12345, 3.0) == 0.7);

    auto refused = [](Result<VolatilitySurface> r) { return !r && r.error().code == ErrorCode::invalid_option_input; };
    CHECK(refused(VolatilitySurface::create({}, {90}, {})));
    CHECK(refused(VolatilitySurface::create({0.1}, {90, 110}, {0.5})));             // one volatility short
    CHECK(refused(VolatilitySurface::create({0.4, 0.1}, {90}, {0.5, 0.5})));        // expiries not increasing
    CHECK(refused(VolatilitySurface::create({0.1}, {110, 90}, {0.5, 0.5})));        // strikes not increasing
    CHECK(refused(VolatilitySurface::create({0.1}, {90, 90}, {0.5, 0.5})));         // a strike twice
    CHECK(refused(VolatilitySurface::create({0.1}, {90}, {0.0})));                  // a zero volatility
    CHECK(refused(VolatilitySurface::create({0.1}, {-90}, {0.5})));                 // a negative strike
    CHECK(refused(VolatilitySurface::create({std::nan("")}, {90}, {0.5})));
    CHECK(refused(VolatilitySurface::flat(std::numeric_limits<double>::infinity())));
}

}  // namespace test_engine_black76_test
