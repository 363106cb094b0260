// ScenarioGrid: the moves a portfolio-margin requirement revalues the account under, SPAN-style.
//
// A scenario moves the underlying's forward by a fraction (`price_move`: +0.05 is 5% up), shifts
// every option's volatility by an absolute amount (`volatility_shift`: +0.10 is ten volatility
// points), and counts a fraction of the loss it causes (`cover_fraction`: SPAN's extreme moves
// count 35%). span_style() builds CME SPAN's sixteen: the forward unchanged and moved by 1/3, 2/3
// and 3/3 of the price scan range up and down, each with volatility up and down (14), plus an
// extreme move of `extreme_multiple` ranges each way at `extreme_cover` of its loss.
//
// A grid holds at most risk_scenarios_max scenarios in place: a requirement allocates nothing.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"

#include <array>
#include <cmath>
#include <cstddef>

namespace backstop {

struct RiskScenario {
    double price_move = 0;        // relative move of the forward, > -1
    double volatility_shift = 0;  // absolute, added to each option's volatility
    double cover_fraction = 1;    // of the loss, in (0, 1]
};

inline constexpr std::size_t risk_scenarios_max = 32;

class ScenarioGrid {
public:
    // One to risk_scenarios_max scenarios, each with a move of 0 or of at least 1e-6 either way,
    // above -100% and at most +1000%, a volatility shift within +-10 and a cover fraction in
    // [1e-6, 1] (bounds that keep every remainder bound of portfolio_margin.hpp a number).
    static Result<ScenarioGrid> create(Span<const RiskScenario> scenarios) noexcept {
        if (scenarios.empty() || scenarios.size() > risk_scenarios_max) {
            return make_error(ErrorCode::invalid_option_input, "a scenario grid holds 1 to 32 scenarios");
        }
        ScenarioGrid grid;
        for (const RiskScenario& s : scenarios) {
            if (!(s.price_move > -1.0 && s.price_move <= 10.0) ||
                (s.price_move != 0 && std::abs(s.price_move) < 1e-6)) {
                return make_error(ErrorCode::invalid_option_input,
                                  "a scenario's price move must be 0 or at least 1e-6 either way, within (-1, 10]");
            }
            if (!(std::abs(s.volatility_shift) <= 10.0)) {
                return make_error(ErrorCode::invalid_option_input, "a scenario's volatility shift must be within +-10");
            }
            if (!(s.cover_fraction >= 1e-6 && s.cover_fraction <= 1.0)) {
                return make_error(ErrorCode::invalid_option_input, "a scenario's cover fraction must be in [1e-6, 1]");
            }
            grid.scenarios_[grid.size_++] = s;
        }
        return grid;
    }

    // SPAN's sixteen scenarios for a price scan range (0.08: 8%) and a volatility scan range
    // (0.10: ten points); the extreme moves must stay above -100%.
    static Result<ScenarioGrid> span_style(double price_range, double volatility_range, double extreme_multiple = 3.0,
                                           double extreme_cover = 0.35) noexcept {
        if (!(std::isfinite(price_range) && price_range > 0 && std::isfinite(volatility_range) &&
              volatility_range >= 0 && std::isfinite(extreme_multiple) && extreme_multiple >= 1.0 &&
              extreme_multiple <= 1000.0)) {
            return make_error(ErrorCode::invalid_option_input,
                              "SPAN ranges: a positive price range, a volatility range not negative, an extreme "
                              "multiple of at least 1");
        }
        std::array<RiskScenario, 16> s{};
        std::size_t n = 0;
        const double thirds[] = {0.0, 1.0 / 3.0, -1.0 / 3.0, 2.0 / 3.0, -2.0 / 3.0, 1.0, -1.0};
        for (double third : thirds) {
            s[n++] = RiskScenario{third * price_range, volatility_range, 1.0};
            s[n++] = RiskScenario{third * price_range, -volatility_range, 1.0};
        }
        s[n++] = RiskScenario{extreme_multiple * price_range, 0.0, extreme_cover};
        s[n++] = RiskScenario{-extreme_multiple * price_range, 0.0, extreme_cover};
        return create(Span<const RiskScenario>(s.data(), n));
    }

    std::size_t size() const noexcept { return size_; }
    const RiskScenario& operator[](std::size_t i) const noexcept { return scenarios_[i]; }
    const RiskScenario* begin() const noexcept { return scenarios_.data(); }
    const RiskScenario* end() const noexcept { return scenarios_.data() + size_; }

private:
    std::array<RiskScenario, risk_scenarios_max> scenarios_{};
    std::size_t size_ = 0;
};

}  // namespace backstop
