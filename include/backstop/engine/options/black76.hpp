// Black-76: the price and Greeks of a European option on a forward, here the perpetual's mark.
//
//   s = vol x sqrt(T), d1 = (ln(F / K) + s^2 / 2) / s, d2 = d1 - s, DF = exp(-r T)
//   call = DF (F N(d1) - K N(d2))            put = DF (K N(-d2) - F N(-d1))
//   delta = dV/dF: call DF N(d1), put -DF N(-d1)
//   gamma = d2V/dF2 = DF n(d1) / (F s)        vega = dV/dvol = DF F n(d1) sqrt(T)
//   theta = -dV/dT with F held (a perpetual's mark does not drift with time):
//           r V - DF F n(d1) vol / (2 sqrt(T)), per year
//
// Research arithmetic in double: a margin requirement that uses these values converts them to
// money once, rounded up (portfolio_margin.hpp); nothing here touches the ledger. The put is
// computed from N(-d1), N(-d2), not from parity, so a deep out-of-the-money put keeps its
// relative precision (N through erfc is accurate to a few ulps in both tails).
//
// At expiry (T = 0, or vol x sqrt(T) so small it is 0 in double) the value is the payoff: delta
// steps from 0 to DF at the strike (DF / 2 at it), gamma, vega and theta are 0. A volatility
// must be positive: a surface never gives 0. A figure that leaves double (a discount factor
// beyond it, a gamma of a vanishing standard deviation) is `overflow`, never a silent inf or NaN.
#pragma once

#include "backstop/core/normal_cdf.hpp"
#include "backstop/core/result.hpp"

#include <cmath>
#include <cstdint>

namespace backstop {

enum class OptionKind : std::uint8_t { call = 0, put = 1 };

struct Black76Input {
    double forward = 0;     // the underlying's forward (the perpetual's mark), > 0
    double strike = 0;      // > 0, in the forward's units
    double volatility = 0;  // per sqrt(year), > 0
    double time_years = 0;  // to expiry, >= 0
    double rate = 0;        // continuously compounded discount rate, finite
};

struct Black76Greeks {
    double price = 0;
    double delta = 0;  // dV/dF
    double gamma = 0;  // d2V/dF2
    double vega = 0;   // dV/dvol, per 1.00 of volatility
    double theta = 0;  // -dV/dT with F held, per year
};

namespace detail {

inline constexpr double inv_sqrt_2pi = 0.398942280401432677939946059934;
inline double normal_pdf(double x) noexcept { return inv_sqrt_2pi * std::exp(-0.5 * x * x); }

// The undiscounted value from a standard deviation s = vol x sqrt(T) > 0 and ln(F / K): the
// kernel that a scenario grid evaluates many times with the logarithm and root computed once.
inline double black76_undiscounted(OptionKind kind, double forward, double strike, double log_moneyness,
                                   double stdev) noexcept {
    const double d1 = log_moneyness / stdev + 0.5 * stdev;
    const double d2 = d1 - stdev;
    return kind == OptionKind::call ? forward * normal_cdf(d1) - strike * normal_cdf(d2)
                                    : strike * normal_cdf(-d2) - forward * normal_cdf(-d1);
}

// The payoff at expiry.
inline double option_intrinsic(OptionKind kind, double forward, double strike) noexcept {
    const double intrinsic = kind == OptionKind::call ? forward - strike : strike - forward;
    return intrinsic > 0 ? intrinsic : 0.0;
}

}  // namespace detail

// Every input finite; forward, strike and volatility positive; time not negative.
inline Result<void> validate_black76(const Black76Input& in) noexcept {
    if (!(std::isfinite(in.forward) && in.forward > 0)) {
        return make_error(ErrorCode::invalid_option_input, "the forward must be positive and finite");
    }
    if (!(std::isfinite(in.strike) && in.strike > 0)) {
        return make_error(ErrorCode::invalid_option_input, "the strike must be positive and finite");
    }
    if (!(std::isfinite(in.volatility) && in.volatility > 0)) {
        return make_error(ErrorCode::invalid_option_input, "the volatility must be positive and finite");
    }
    if (!(std::isfinite(in.time_years) && in.time_years >= 0)) {
        return make_error(ErrorCode::invalid_option_input, "the time to expiry must be finite and not negative");
    }
    if (!std::isfinite(in.rate)) return make_error(ErrorCode::invalid_option_input, "the rate must be finite");
    return {};
}

// Unchecked: the caller validated `in` (validate_black76, or a surface and a book that did).
inline Black76Greeks black76_greeks_unchecked(OptionKind kind, const Black76Input& in) noexcept {
    const double discount = std::exp(-in.rate * in.time_years);
    const double sign = kind == OptionKind::call ? 1.0 : -1.0;
    Black76Greeks g;
    const double root_t = std::sqrt(in.time_years);
    const double s = in.volatility * root_t;
    if (s == 0) {
        g.price = discount * detail::option_intrinsic(kind, in.forward, in.strike);
        g.delta = discount * (in.forward == in.strike ? 0.5 * sign : (g.price > 0 ? sign : 0.0));
        return g;
    }
    const double log_moneyness = std::log(in.forward / in.strike);
    const double d1 = log_moneyness / s + 0.5 * s;
    const double n1 = detail::normal_pdf(d1);
    g.price = discount * detail::black76_undiscounted(kind, in.forward, in.strike, log_moneyness, s);
    g.delta = discount * sign * normal_cdf(sign * d1);
    g.gamma = discount * n1 / (in.forward * s);
    g.vega = discount * in.forward * n1 * root_t;
    g.theta = in.rate * g.price - discount * in.forward * n1 * in.volatility / (2.0 * root_t);
    return g;
}

inline double black76_price_unchecked(OptionKind kind, const Black76Input& in) noexcept {
    return black76_greeks_unchecked(kind, in).price;
}

inline Result<Black76Greeks> black76_greeks(OptionKind kind, const Black76Input& in) noexcept {
    if (kind != OptionKind::call && kind != OptionKind::put) {
        return make_error(ErrorCode::invalid_option_input, "an option is a call or a put");
    }
    Result<void> valid = validate_black76(in);
    if (!valid) return valid.error();
    const Black76Greeks g = black76_greeks_unchecked(kind, in);
    if (!(std::isfinite(g.price) && std::isfinite(g.delta) && std::isfinite(g.gamma) && std::isfinite(g.vega) &&
          std::isfinite(g.theta))) {
        return make_error(ErrorCode::overflow, "a Black-76 figure beyond double");
    }
    return g;
}

inline Result<double> black76_price(OptionKind kind, const Black76Input& in) noexcept {
    Result<Black76Greeks> g = black76_greeks(kind, in);
    if (!g) return g.error();
    return g->price;
}

}  // namespace backstop
