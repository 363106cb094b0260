// PortfolioMargin: the SPAN-style requirement of an account holding a perpetual and options on
// one underlying: revalue the whole account under every scenario of a grid, take the worst
// covered loss, and never less than a short-option minimum.
//
//   loss(s)     = cover(s) x (V(F, vol) - V(F (1 + move(s)), vol + shift(s)))   (vol floored)
//   requirement = max(0, worst loss, short_option_minimum x F x total short option size)
//
// V sums every option's Black-76 value (black76.hpp) at the surface's volatility for its strike
// and expiry (volatility_surface.hpp), times its signed size, plus the perpetual's size x F. The
// perpetual is linear, so it only offsets the options' deltas; with no options the requirement is
// |size| x F x the largest covered move, a margin fraction.
//
// Two ways to compute it:
// - requirement(): full revaluation, one Black-76 value per option and scenario. The exact check.
// - estimate(): the delta-gamma fast path. For each volatility shift of the grid it values each
//   option, its delta and its gamma once at F, and takes each scenario's value as the quadratic
//   V + delta h + gamma h^2 / 2 (h = F x move). An option whose bound below exceeds
//   fast_path_tolerance x |size| x F somewhere on the grid (near expiry and the money, under
//   large moves) is valued in full instead, so the bound stays small and finite. The documented
//   bound on |estimate - requirement|:
//     sum over options of |size| x DF x M x F |move|^3 / (6 min(1, 1 + move)^2), the largest over
//     scenarios, times cover, where M = A / s + B / s^2, s = vol x sqrt(T) at the shifted
//     volatility, A the largest n(d1) and B the largest |d1| n(d1) over the d1 the shift's
//     scenarios reach (at most 1 / sqrt(2 pi) and 1 / sqrt(2 pi e)):
//   Taylor's remainder with the third derivative bounded: F^2 |d3V/dF3| = DF n(d1) |1 + d1/s| / s
//   <= DF M, and F is at least F min(1, 1 + move) along the move. The bound is 0 for the
//   unmoved scenario, grows with the cube of the move, small for options far from the money
//   (n(d1) is), large for short-dated ones near it and infinite at expiry (s = 0), where a
//   payoff's kink has no Taylor expansion. Both computations' rounding slack is added.
// - covers(): the fast path decides when the equity is clear of the estimate by more than the
//   bound; only the accounts inside the band are revalued in full. Same answer as comparing the
//   equity with requirement(); faster only where delta-gamma fits the grid (small moves,
//   options far from expiry), slower than requirement() where it does not (docs/options.md).
//
// Research arithmetic in double (a position's size and the mark converted from exact integers,
// exact below 2^53); requirement_atoms() converts the result to money once, with its rounding
// slack and rounded up, so the protocol never asks for less than the exact figure. The domain is
// bounded (option_magnitude_max and below) so that no figure leaves double. Nothing allocates once
// the model exists. The figures rest on the C library's exp, log and erfc: the same on one
// build, not guaranteed bit for bit across C libraries.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/engine/options/black76.hpp"
#include "backstop/engine/options/scenario_grid.hpp"
#include "backstop/engine/options/volatility_surface.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>

namespace backstop {

// The domain the arithmetic is proven for (beyond it: invalid_option_input): a forward, strike
// and |size| up to 1e19 (an engine's int64 atoms and price units), expiries up to 100 years,
// rates within +-100%, volatilities (surface, floor) within [1e-4, 10].
inline constexpr double option_magnitude_max = 1e19;
inline constexpr double option_years_max = 100.0;

// One option position: a European `kind` at `strike`, `time_years` from expiry, `size` units of
// the underlying (contracts x contract size; positive long, negative short).
struct OptionHolding {
    OptionKind kind = OptionKind::call;
    double strike = 0;
    double time_years = 0;
    double size = 0;
    double volatility = 0;  // its own, within [1e-4, 10]; 0: the model's surface at its strike and expiry
};

// An account's positions on one underlying, at its mark `forward`.
struct OptionPortfolio {
    double forward = 0;
    double perpetual_size = 0;  // signed, in the underlying's units
    Span<const OptionHolding> options;
};

struct PortfolioMarginConfig {
    double short_option_minimum = 0;  // fraction of the forward per unit of short option size, in [0, 1]
    double volatility_floor = 0.01;   // a shifted volatility never goes below it, in [1e-4, 10]
    double rate = 0;                  // the discount rate of Black-76, within [-1, 1]
    // estimate() approximates an option only while its remainder bound stays within this
    // fraction of |size| x F over the whole grid; a more curved one is valued in full.
    double fast_path_tolerance = 1e-3;
};

struct PortfolioRequirement {
    double worst_loss = 0;           // >= 0: the largest covered loss over the grid
    std::size_t worst_scenario = 0;  // its index in the grid (0 when no scenario loses)
    double short_option_minimum = 0;
    double requirement = 0;  // max(worst_loss, short_option_minimum)
    std::array<double, risk_scenarios_max> losses{};  // each scenario's covered loss (a gain < 0)
    // The floating-point error allowance of the figures: 16 (n + 8) eps times the gross
    // magnitude summed (every term's |value| at every forward the grid reaches), n options.
    // requirement_atoms adds it before rounding up, so cancellation never lowers the money.
    double rounding_slack = 0;
};

struct PortfolioEstimate {
    PortfolioRequirement estimate;  // by the delta-gamma fast path
    double error_bound = 0;         // |estimate.requirement - the full requirement| <= error_bound
    std::size_t options_approximated = 0;  // by delta-gamma; the others valued in full
};

// `value` (>= 0, in the portfolio's value units) x `atoms_per_unit`, rounded up to whole atoms
// with a relative pad of 2^-40 for the conversion's own rounding; `overflow` beyond int64.
inline Result<std::int64_t> requirement_atoms(double value, double atoms_per_unit) noexcept {
    if (!(std::isfinite(atoms_per_unit) && atoms_per_unit > 0) || !(value >= 0)) {
        return make_error(ErrorCode::invalid_option_input, "a requirement and its scale must be non-negative");
    }
    const double atoms = std::ceil(value * atoms_per_unit * (1.0 + 0x1p-40));
    if (!(atoms < 0x1p63)) return make_error(ErrorCode::overflow, "a requirement beyond int64 atoms");
    return static_cast<std::int64_t>(atoms);
}

// A portfolio's requirement in atoms: the figure plus its rounding slack, rounded up.
inline Result<std::int64_t> requirement_atoms(const PortfolioRequirement& r, double atoms_per_unit) noexcept {
    return requirement_atoms(r.requirement + r.rounding_slack, atoms_per_unit);
}

class PortfolioMargin {
public:
    static Result<PortfolioMargin> create(ScenarioGrid grid, VolatilitySurface surface, PortfolioMarginConfig config) {
        if (!(config.short_option_minimum >= 0 && config.short_option_minimum <= 1.0)) {
            return make_error(ErrorCode::invalid_option_input, "the short-option minimum must be in [0, 1]");
        }
        if (!(config.volatility_floor >= 1e-4 && config.volatility_floor <= 10.0)) {
            return make_error(ErrorCode::invalid_option_input, "the volatility floor must be within [1e-4, 10]");
        }
        if (!(config.rate >= -1.0 && config.rate <= 1.0)) {
            return make_error(ErrorCode::invalid_option_input, "the rate must be within [-1, 1]");
        }
        // A default grid or a moved-from surface holds nothing to revalue under or to read.
        if (grid.size() == 0 || surface.expiries_years().empty()) {
            return make_error(ErrorCode::invalid_option_input, "a model needs a grid made by ScenarioGrid and a surface");
        }
        if (!(config.fast_path_tolerance >= 0 && config.fast_path_tolerance <= 1.0)) {
            return make_error(ErrorCode::invalid_option_input, "the fast path's tolerance must be in [0, 1]");
        }
        return PortfolioMargin(grid, std::move(surface), config);
    }

    const ScenarioGrid& grid() const noexcept { return grid_; }
    const VolatilitySurface& surface() const noexcept { return surface_; }
    const PortfolioMarginConfig& config() const noexcept { return config_; }

    // Full revaluation: the exact check.
    Result<PortfolioRequirement> requirement(const OptionPortfolio& p) const noexcept {
        Result<void> valid = validate(p);
        if (!valid) return valid.error();
        std::array<double, risk_scenarios_max> moved_value{};  // sum of size x value per scenario
        double base_value = 0;
        for (const OptionHolding& o : p.options) {
            if (o.size == 0) continue;
            const Valuation v = valuation(p.forward, o);
            base_value += o.size * v.discount * value_at(o, p.forward, v.log_moneyness, v.root_t, v.volatility);
            add_moved_values(o, v, p.forward, moved_value);
        }
        std::array<double, risk_scenarios_max> loss{};
        for (std::size_t s = 0; s < grid_.size(); ++s) {
            const double perpetual = p.perpetual_size * p.forward * grid_[s].price_move;
            loss[s] = grid_[s].cover_fraction * (base_value - moved_value[s] - perpetual);
        }
        return finish(p, loss);
    }

    // The delta-gamma fast path and its bound (see the top of this file).
    Result<PortfolioEstimate> estimate(const OptionPortfolio& p) const noexcept {
        Result<void> valid = validate(p);
        if (!valid) return valid.error();
        // Per volatility shift: the approximated options' summed value, delta, gamma and
        // remainder coefficient; per scenario: the options valued in full.
        std::array<double, risk_scenarios_max> value{}, delta{}, gamma{}, remainder{}, exact{};
        double base_value = 0;
        std::size_t approximated = 0;
        for (const OptionHolding& o : p.options) {
            if (o.size == 0) continue;  // (its infinite remainder at expiry times 0 is no number)
            const Valuation v = valuation(p.forward, o);
            base_value += o.size * v.discount * value_at(o, p.forward, v.log_moneyness, v.root_t, v.volatility);
            // First the bound (cheap), then either the Greeks or the full values, never both.
            std::array<double, risk_scenarios_max> coefficient;
            std::array<double, risk_scenarios_max> volatility;
            // Approximated only with every shift's standard deviation at least 1e-6 (below, the
            // option is at its payoff's kink) and every bound a finite number within tolerance.
            bool approximable = true;
            for (std::size_t g = 0; g < shift_count_; ++g) {
                volatility[g] = shifted(v.volatility, shifts_[g]);
                coefficient[g] = std::abs(o.size) * v.discount * third_derivative_bound(v, volatility[g], g);
                const double worst = coefficient[g] * group_cube_max_[g];
                approximable = approximable && volatility[g] * v.root_t >= 1e-6 && std::isfinite(coefficient[g]) &&
                               worst <= config_.fast_path_tolerance * std::abs(o.size);
            }
            if (approximable) {
                ++approximated;
                const double sign = o.kind == OptionKind::call ? 1.0 : -1.0;
                for (std::size_t g = 0; g < shift_count_; ++g) {
                    // Black-76 as in black76.hpp, N(+-d1) shared by the value and the delta.
                    const double stdev = volatility[g] * v.root_t;
                    const double d1 = v.log_moneyness / stdev + 0.5 * stdev;
                    const double n1 = normal_cdf(sign * d1);
                    const double n2 = normal_cdf(sign * (d1 - stdev));
                    const double weight = o.size * v.discount;
                    value[g] += weight * sign * (p.forward * n1 - o.strike * n2);
                    delta[g] += weight * sign * n1;
                    gamma[g] += weight * detail::normal_pdf(d1) / (p.forward * stdev);
                    remainder[g] += coefficient[g];
                }
            } else {  // too curved over the grid's moves (near expiry, near the money): in full
                add_moved_values(o, v, p.forward, exact);
            }
        }
        std::array<double, risk_scenarios_max> loss{};
        double bound = 0;
        for (std::size_t s = 0; s < grid_.size(); ++s) {
            const RiskScenario& sc = grid_[s];
            const std::size_t g = shift_of_[s];
            const double h = p.forward * sc.price_move;
            const double moved =
                exact[s] + value[g] + delta[g] * h + 0.5 * gamma[g] * h * h + p.perpetual_size * h;
            loss[s] = sc.cover_fraction * (base_value - moved);
            if (sc.price_move != 0) bound = std::max(bound, remainder[g] * p.forward * cube_factor_[s]);
        }
        Result<PortfolioRequirement> r = finish(p, loss);
        if (!r) return r.error();
        // The two computations' floating-point errors, each within its slack.
        return PortfolioEstimate{*r, bound + 2 * r->rounding_slack, approximated};
    }

    // Whether `equity` (in value units) meets the requirement: the fast path when it decides,
    // full revaluation inside its bound. Equal to equity >= requirement().requirement.
    Result<bool> covers(const OptionPortfolio& p, double equity) const noexcept {
        if (std::isnan(equity)) return make_error(ErrorCode::invalid_option_input, "the equity is not a number");
        Result<PortfolioEstimate> e = estimate(p);
        if (!e) return e.error();
        if (equity >= e->estimate.requirement + e->error_bound) return true;
        if (equity < e->estimate.requirement - e->error_bound) return false;
        Result<PortfolioRequirement> full = requirement(p);
        if (!full) return full.error();
        return equity >= full->requirement;
    }

    // The same grid applied to each position alone and summed: the requirement without offsets
    // between positions (the per-position margin that portfolio margin is compared with).
    Result<double> per_position_requirement(const OptionPortfolio& p) const noexcept {
        Result<void> valid = validate(p);
        if (!valid) return valid.error();
        double total = 0;
        if (p.perpetual_size != 0) {
            const OptionPortfolio alone{p.forward, p.perpetual_size, {}};
            Result<PortfolioRequirement> r = requirement(alone);
            if (!r) return r.error();
            total += r->requirement;
        }
        for (const OptionHolding& o : p.options) {
            const OptionPortfolio alone{p.forward, 0, Span<const OptionHolding>(&o, 1)};
            Result<PortfolioRequirement> r = requirement(alone);
            if (!r) return r.error();
            total += r->requirement;
        }
        if (!std::isfinite(total)) return make_error(ErrorCode::overflow, "a requirement beyond double");
        return total;
    }

private:
    static constexpr double inv_sqrt_2pi_e = 0.241970724519143349797830278453;  // 1 / sqrt(2 pi e) = n(1)
    static constexpr double infinity() noexcept { return std::numeric_limits<double>::infinity(); }

    struct Valuation {
        double volatility;
        double root_t;
        double log_moneyness;
        double discount;
    };

    PortfolioMargin(ScenarioGrid grid, VolatilitySurface surface, PortfolioMarginConfig config)
        : grid_(grid), surface_(std::move(surface)), config_(config) {
        for (std::size_t s = 0; s < grid_.size(); ++s) {
            log_move_[s] = std::log1p(grid_[s].price_move);
            const double shift = grid_[s].volatility_shift;
            std::size_t g = 0;
            while (g < shift_count_ && shifts_[g] != shift) ++g;
            if (g == shift_count_) shifts_[shift_count_++] = shift;
            shift_of_[s] = g;
            move_low_[g] = std::min(move_low_[g], grid_[s].price_move);
            move_high_[g] = std::max(move_high_[g], grid_[s].price_move);
            const double m = std::abs(grid_[s].price_move);
            const double low = std::min(1.0, 1.0 + grid_[s].price_move);
            cube_factor_[s] = grid_[s].cover_fraction * m * m * m / (6.0 * low * low);  // > 0 for a move
            largest_move_ = std::max(largest_move_, m);
            group_cube_max_[g] = std::max(group_cube_max_[g], cube_factor_[s]);
        }
        for (std::size_t g = 0; g < shift_count_; ++g) {
            log_move_low_[g] = std::log1p(move_low_[g]);
            log_move_high_[g] = std::log1p(move_high_[g]);
        }
    }

    Result<void> validate(const OptionPortfolio& p) const noexcept {
        if (!(p.forward > 0 && p.forward <= option_magnitude_max)) {
            return make_error(ErrorCode::invalid_option_input, "the forward must be within (0, 1e19]");
        }
        if (!(std::abs(p.perpetual_size) <= option_magnitude_max)) {
            return make_error(ErrorCode::invalid_option_input, "the perpetual's size must be within +-1e19");
        }
        for (const OptionHolding& o : p.options) {
            if (o.kind != OptionKind::call && o.kind != OptionKind::put) {
                return make_error(ErrorCode::invalid_option_input, "an option is a call or a put");
            }
            if (!(o.strike > 0 && o.strike <= option_magnitude_max) ||
                !(o.time_years >= 0 && o.time_years <= option_years_max) ||
                !(std::abs(o.size) <= option_magnitude_max) ||
                !(o.volatility == 0 || (o.volatility >= 1e-4 && o.volatility <= 10.0))) {
                return make_error(ErrorCode::invalid_option_input,
                                  "an option needs a strike within (0, 1e19], a time to expiry within [0, 100] "
                                  "years, a size within +-1e19 and a volatility of 0 or within [1e-4, 10]");
            }
        }
        return {};
    }

    Valuation valuation(double forward, const OptionHolding& o) const noexcept {
        const double volatility = o.volatility > 0 ? o.volatility : surface_.volatility(o.strike, o.time_years);
        return Valuation{volatility, std::sqrt(o.time_years),
                         std::log(forward / o.strike), std::exp(-config_.rate * o.time_years)};
    }

    // F^2 |d3V/dF3| / DF = n(d1) |1 + d1 / s| / s <= A / s + B / s^2 along the forwards the
    // shift's scenarios reach, where A bounds n(d1) and B bounds |d1| n(d1) over the d1 they span
    // (d1 grows with F): A = n at the point nearest 0, B = n(1) when |d1| = 1 is inside, else at
    // the end nearest it (|d| n(d) rises to |d| = 1 and falls after). Never above the constants
    // 1 / sqrt(2 pi) and 1 / sqrt(2 pi e); infinite at expiry.
    double third_derivative_bound(const Valuation& v, double volatility, std::size_t group) const noexcept {
        const double s = volatility * v.root_t;
        if (!(s > 0)) return infinity();
        if (group_cube_max_[group] == 0) return 0.0;  // no move in this shift: nothing to bound
        const double d1 = v.log_moneyness / s + 0.5 * s;
        const double low = d1 + log_move_low_[group] / s;
        const double high = d1 + log_move_high_[group] / s;
        // n is even and falls away from 0; |d| n(d) is even, rises to |d| = 1 and falls after.
        const double nearest_zero = low > 0 ? low : (high < 0 ? high : 0.0);
        const double a = nearest_zero == 0 ? detail::inv_sqrt_2pi : detail::normal_pdf(nearest_zero);
        double b = inv_sqrt_2pi_e;  // |d| = 1 inside [low, high]
        if (low > 1.0) {
            b = low * (nearest_zero == low ? a : detail::normal_pdf(low));
        } else if (high < -1.0) {
            b = -high * (nearest_zero == high ? a : detail::normal_pdf(high));
        } else if (low > -1.0 && high < 1.0) {  // inside (-1, 1): at the end farther from 0
            const double far = std::max(-low, high);
            b = far * detail::normal_pdf(far);
        }
        const double bound = a / s + b / (s * s);
        return std::isfinite(bound) ? bound : infinity();  // (an overflowed d1 gives inf x 0)
    }

    double shifted(double volatility, double shift) const noexcept {
        return std::max(volatility + shift, config_.volatility_floor);
    }

    // Adds size x value of `o` at every scenario's forward and shifted volatility, per scenario:
    // the full revaluation of requirement() and of the options estimate() does not approximate.
    void add_moved_values(const OptionHolding& o, const Valuation& v, double forward,
                          std::array<double, risk_scenarios_max>& moved) const noexcept {
        for (std::size_t s = 0; s < grid_.size(); ++s) {
            const double vol = shifted(v.volatility, grid_[s].volatility_shift);
            moved[s] += o.size * v.discount *
                        value_at(o, forward * (1.0 + grid_[s].price_move), v.log_moneyness + log_move_[s], v.root_t, vol);
        }
    }

    // Undiscounted value of one unit.
    static double value_at(const OptionHolding& o, double forward, double log_moneyness, double root_t,
                           double volatility) noexcept {
        const double stdev = volatility * root_t;
        if (stdev == 0) return detail::option_intrinsic(o.kind, forward, o.strike);  // at expiry
        return detail::black76_undiscounted(o.kind, forward, o.strike, log_moneyness, stdev);
    }

    Result<PortfolioRequirement> finish(const OptionPortfolio& p,
                                        const std::array<double, risk_scenarios_max>& loss) const noexcept {
        PortfolioRequirement r;
        r.losses = loss;
        for (std::size_t s = 0; s < grid_.size(); ++s) {
            if (!std::isfinite(loss[s])) return make_error(ErrorCode::overflow, "a scenario's loss beyond double");
            if (loss[s] > r.worst_loss) {
                r.worst_loss = loss[s];
                r.worst_scenario = s;
            }
        }
        double short_size = 0;
        for (const OptionHolding& o : p.options) {
            if (o.size < 0) short_size -= o.size;
        }
        r.short_option_minimum = config_.short_option_minimum * p.forward * short_size;
        r.requirement = std::max(r.worst_loss, r.short_option_minimum);
        // Every term summed, at its largest over the grid: the perpetual's |size| F (1 + |move|),
        // an option's |size| DF (F (1 + largest move) + K), which bounds its value and the
        // cancellation inside it.
        double magnitude = std::abs(p.perpetual_size) * p.forward * (1.0 + largest_move_);
        std::size_t terms = 1;
        for (const OptionHolding& o : p.options) {
            magnitude += std::abs(o.size) * std::exp(-config_.rate * o.time_years) *
                         (p.forward * (1.0 + largest_move_) + o.strike);
            ++terms;
        }
        r.rounding_slack = 16.0 * static_cast<double>(terms + 8) * std::numeric_limits<double>::epsilon() * magnitude;
        if (!std::isfinite(r.requirement) || !std::isfinite(r.rounding_slack)) {
            return make_error(ErrorCode::overflow, "a requirement beyond double");
        }
        return r;
    }

    ScenarioGrid grid_;
    VolatilitySurface surface_;
    PortfolioMarginConfig config_;
    std::array<double, risk_scenarios_max> log_move_{};
    std::array<double, risk_scenarios_max> shifts_{};  // the grid's distinct volatility shifts
    std::array<std::size_t, risk_scenarios_max> shift_of_{};
    std::array<double, risk_scenarios_max> move_low_{};  // per shift, the moves' range (0 included)
    std::array<double, risk_scenarios_max> move_high_{};
    std::array<double, risk_scenarios_max> log_move_low_{};  // their logarithms
    std::array<double, risk_scenarios_max> log_move_high_{};
    std::array<double, risk_scenarios_max> cube_factor_{};     // cover |move|^3 / (6 min(1, 1 + move)^2)
    std::array<double, risk_scenarios_max> group_cube_max_{};  // its largest per shift
    std::size_t shift_count_ = 0;
    double largest_move_ = 0;  // the largest |move|
};

}  // namespace backstop
