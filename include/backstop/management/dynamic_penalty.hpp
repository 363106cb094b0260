// DynamicPenalty: a market's liquidation penalty from its own realised volatility and the fund's
// health, bounded and rate-limited. One instance per market; each update reads the market's new
// mark and the fund's balance against its target, and gives the penalty the engine charges from
// then on (MarginEngine::set_liquidation_penalty).
//
// All integer, every rounding named (each one in the protocol's favour: up):
//   r      = (mark - previous mark) / previous mark                    ppm, toward zero, |r| <= 10^9
//   var'   = ceil((decay x var + (1 - decay) x r^2))                    ppm^2, an EWMA (RiskMetrics)
//   sigma  = ceil(sqrt(var'))                                          ppm per update
//   health = clamp((target - balance) / target, -1, 1)                  > 0 below target
//   goal   = ceil(base x (1 + w_vol x (sigma - sigma_ref) / sigma_ref + w_health x health))
//   goal   clamped to [floor, ceiling]; the penalty moves toward it by at most step_max, then is
//          clamped to [floor, ceiling] again (bounds changed since the last update win)
// A static penalty is the case w_vol = w_health = 0 (or floor = ceiling). The first update has no
// return yet: sigma is sigma_ref, only health moves the goal. A configuration change applies from
// the next update; the penalty in force until then is the one the last update gave.
#pragma once

#include "backstop/core/checked_arith.hpp"
#include "backstop/core/config.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/int128.hpp"
#include "backstop/money/rate.hpp"

#include <algorithm>
#include <cstdint>

namespace backstop {

struct DynamicPenaltyConfig {
    Ppm floor{5'000};                          // 0.5%
    Ppm base{15'000};                          // 1.5%: at sigma_ref with the fund at its target
    Ppm ceiling{50'000};                       // 5%
    Ppm step_max{2'500};                       // per update
    Ppm ewma_decay{940'000};                   // weight of the previous variance (RiskMetrics 0.94)
    Ppm reference_volatility{5'000};           // sigma_ref, per update
    Ppm volatility_weight{1'000'000};          // w_vol: the goal moves 1:1 with sigma / sigma_ref
    Ppm health_weight{500'000};                // w_health: +50% of base with the fund empty

    static constexpr std::int64_t weight_max = 10'000'000;  // 10x

    Result<void> validate() const {
        auto fail = [](const char* why) { return make_error(ErrorCode::invalid_policy_parameter, why); };
        if (floor < Ppm{0} || floor > base || base > ceiling || ceiling > Ppm{Ppm::denominator}) {
            return fail("penalties need 0 <= floor <= base <= ceiling <= 100%");
        }
        if (step_max <= Ppm{0}) return fail("step_max must be > 0");
        if (ewma_decay < Ppm{0} || ewma_decay >= Ppm{Ppm::denominator}) return fail("decay must be within [0, 100%)");
        if (reference_volatility <= Ppm{0} || reference_volatility > Ppm{Ppm::denominator}) {
            return fail("reference volatility must be within (0, 100%]");
        }
        if (volatility_weight < Ppm{0} || volatility_weight.count() > weight_max || health_weight < Ppm{0} ||
            health_weight.count() > weight_max) {
            return fail("weights must be within [0, 10x]");
        }
        return {};
    }
};

// What an update computed: the penalty from now on and why.
struct PenaltyUpdate {
    Ppm penalty{0};
    Ppm previous{0};
    Ppm goal{0};                  // before the step limit
    Ppm volatility{0};            // sigma, per update
    std::int64_t return_ppm = 0;  // r (0 on the first update)
    std::int64_t health_ppm = 0;  // (target - balance) / target, clamped to +-10^6
    // The state after the update (for commit).
    std::int64_t variance_ppm2 = 0;
    std::int64_t mark = 0;
};

class DynamicPenalty {
public:
    DynamicPenalty() = default;

    static Result<DynamicPenalty> open(const DynamicPenaltyConfig& config) {
        if (Result<void> ok = config.validate(); !ok) return ok.error();
        DynamicPenalty penalty;
        penalty.config_ = config;
        penalty.penalty_ = config.base;
        const std::int64_t sigma = config.reference_volatility.count();
        penalty.variance_ppm2_ = sigma * sigma;  // <= 10^12
        return penalty;
    }

    Ppm penalty() const { return penalty_; }
    const DynamicPenaltyConfig& config() const { return config_; }
    std::int64_t variance_ppm2() const { return variance_ppm2_; }
    std::int64_t last_mark() const { return mark_; }

    // From the next update on; the penalty in force stays until then.
    Result<void> set_config(const DynamicPenaltyConfig& config) {
        if (Result<void> ok = config.validate(); !ok) return ok;
        config_ = config;
        return {};
    }

    // `mark` in the market's raw price units (> 0); balance and target in the fund's atoms (a
    // target <= 0 means no health term).
    Result<PenaltyUpdate> plan_update(std::int64_t mark, const Int128& fund_balance, const Int128& fund_target) const {
        if (mark <= 0) return make_error(ErrorCode::price_not_positive, "a mark must be positive");
        using detail::int128;
        PenaltyUpdate update;
        update.previous = penalty_;
        update.mark = mark;
        constexpr int128 one = Ppm::denominator;
        int128 variance = variance_ppm2_;
        if (mark_ > 0) {
            int128 r = (static_cast<int128>(mark) - mark_) * one / mark_;  // toward zero
            constexpr int128 r_max = 1'000'000'000;                         // 1000x
            r = std::max(-r_max, std::min(r_max, r));
            update.return_ppm = static_cast<std::int64_t>(r);
            const int128 decay = config_.ewma_decay.count();
            variance = ceil_div(decay * variance + (one - decay) * r * r, one);  // <= 10^18
        }
        update.variance_ppm2 = static_cast<std::int64_t>(variance);
        const int128 sigma = ceil_sqrt(variance);
        update.volatility = Ppm{static_cast<std::int64_t>(sigma)};
        int128 health = 0;
        if (fund_target > 0) {
            // A gap or ratio beyond Int128 is far beyond +-100%: it clamps to its sign.
            const Int128 limit = Int128(Ppm::denominator);
            Int128 ratio = fund_balance < fund_target ? limit : -limit;
            if (const Result<Int128> gap = checked_sub(fund_target, fund_balance); gap) {
                if (const Result<Int128> r = mul_div(*gap, limit, fund_target, round_up); r) ratio = *r;
            }
            ratio = std::max(Int128(-limit), std::min(limit, ratio));
            health = static_cast<std::int64_t>(ratio);
        }
        update.health_ppm = static_cast<std::int64_t>(health);
        const int128 sigma_ref = config_.reference_volatility.count();
        // Each term in ppm of base; |vol term| <= 10^7 x 10^9, well inside 128 bits.
        const int128 vol_term = ceil_div(config_.volatility_weight.count() * (sigma - sigma_ref), sigma_ref);
        const int128 health_term = ceil_div(config_.health_weight.count() * health, one);
        const int128 factor = std::max<int128>(0, one + vol_term + health_term);
        int128 goal = ceil_div(config_.base.count() * factor, one);
        goal = std::max<int128>(config_.floor.count(), std::min<int128>(config_.ceiling.count(), goal));
        update.goal = Ppm{static_cast<std::int64_t>(goal)};
        const int128 current = penalty_.count();
        const int128 step = config_.step_max.count();
        int128 next = std::max(current - step, std::min(current + step, goal));
        next = std::max<int128>(config_.floor.count(), std::min<int128>(config_.ceiling.count(), next));
        update.penalty = Ppm{static_cast<std::int64_t>(next)};
        return update;
    }

    void commit(const PenaltyUpdate& update) {
        penalty_ = update.penalty;
        variance_ppm2_ = update.variance_ppm2;
        mark_ = update.mark;
    }

    Result<PenaltyUpdate> update(std::int64_t mark, const Int128& fund_balance, const Int128& fund_target) {
        Result<PenaltyUpdate> planned = plan_update(mark, fund_balance, fund_target);
        if (planned) commit(*planned);
        return planned;
    }

private:
    // Rounded up for either sign of a (b > 0).
    static detail::int128 ceil_div(detail::int128 a, detail::int128 b) {
        const detail::int128 q = a / b;
        return (a % b != 0 && a > 0) ? q + 1 : q;
    }
    // ceil(sqrt(x)) for 0 <= x <= 10^18, by Newton's method on integers.
    static detail::int128 ceil_sqrt(detail::int128 x) {
        if (x <= 0) return 0;
        detail::int128 r = x;
        detail::int128 next = (r + 1) / 2;
        while (next < r) {
            r = next;
            next = (r + x / r) / 2;
        }
        return r * r == x ? r : r + 1;  // r = floor(sqrt(x))
    }

    DynamicPenaltyConfig config_;
    Ppm penalty_{0};
    std::int64_t variance_ppm2_ = 0;
    std::int64_t mark_ = 0;  // 0: no mark yet
};

}  // namespace backstop
