// Predictive margins: a market's maintenance and initial fractions move up ahead of a volatile
// period, not after it. A GARCH(1,1) filter on the observed mark's log returns forecasts the next
// step's variance; the fractions follow the forecast volatility, bounded governance-style (never
// below the market's static fractions unless told, never above a cap) and moved by at most
// `step_max` per update. Research layer: the filter is in doubles, the fractions it sets are exact
// Ppm integers, each rounded up (in the protocol's favour).
//
//   h'      = omega + alpha r^2 + beta h          (r = ln(mark_t / mark_(t-1)), h the forecast of r^2)
//   m       = max(0, 1 + sensitivity x (sqrt(h') / baseline - 1))
//   goal    = clamp(ceil(static x m), min, max)   per fraction; goal initial >= goal maintenance
//   next    = goal, at most step_max from the fraction in force; initial >= maintenance
//
// The margin in force during step s's liquidations was set at the end of step s - 1, from marks up
// to s - 1: no look-ahead. A raise sets the initial fraction before the maintenance one and a cut
// the maintenance before the initial, so the engine's check 0 < maintenance <= initial holds at
// every change.
#pragma once

#include "backstop/engine/market.hpp"
#include "backstop/money/rate.hpp"
#include "backstop/risk/path_summary.hpp"
#include "backstop/risk/price_model/garch.hpp"
#include "backstop/risk/price_model/garch_jump.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <variant>
#include <vector>

namespace backstop {
namespace risk {

struct PredictiveMarginSetup {
    // The filter: the scenario's own GarchT / GarchJump parameters, or the ones below (per step).
    bool model_filter = true;
    double omega = 5.7e-7;
    double alpha = 0.08;
    double beta = 0.90;
    double baseline_volatility = 0.0;  // per step; 0: the filter's unconditional volatility
    double sensitivity = 1.0;          // the fractions' relative move per relative move of the volatility
    // Bounds per market; a minimum of 0 is the market's static fraction.
    Ppm maintenance_min{0};
    Ppm initial_min{0};
    Ppm maintenance_max{150'000};  // 15%
    Ppm initial_max{250'000};      // 25%
    Ppm step_max{5'000};           // per update, each fraction
    std::uint32_t update_every_steps = 1;

    bool filter_valid(double w, double a, double b) const {
        return w > 0.0 && w < 1.0 && a >= 0.0 && b >= 0.0 && a + b < 1.0;
    }
    bool valid() const {
        const std::int64_t one = Ppm::denominator;
        return (model_filter || filter_valid(omega, alpha, beta)) && baseline_volatility >= 0.0 &&
               baseline_volatility < 1.0 && sensitivity >= 0.0 && sensitivity <= 100.0 && maintenance_min >= Ppm{0} &&
               initial_min >= Ppm{0} && maintenance_max > Ppm{0} && maintenance_max <= initial_max &&
               initial_max.count() <= one && maintenance_min <= maintenance_max && initial_min <= initial_max &&
               step_max > Ppm{0} && step_max.count() <= one && update_every_steps >= 1 && update_every_steps <= 1'000'000;
    }
};

// A market's tier-0 fractions (ppm).
struct MarginFractions {
    std::int64_t initial = 0;
    std::int64_t maintenance = 0;
};

inline bool operator==(const MarginFractions& a, const MarginFractions& b) {
    return a.initial == b.initial && a.maintenance == b.maintenance;
}
inline bool operator!=(const MarginFractions& a, const MarginFractions& b) { return !(a == b); }

// The rule for one market: its static fractions, its bounds, the baseline and the step limit.
struct MarginRule {
    MarginFractions base;  // the market's static fractions
    MarginFractions min;
    MarginFractions max;
    double baseline_volatility = 0.0;
    double sensitivity = 1.0;
    std::int64_t step_max = 0;
};

// The rule for a market, or false when the setup does not fit it: a bound below its static
// fractions' order (min above max), a cap above a higher tier's fractions (tiers must not fall).
inline bool resolve_margin_rule(const PredictiveMarginSetup& setup, const MarketConfig& market, double baseline_volatility,
                                MarginRule& rule) {
    if (!setup.valid() || !(baseline_volatility > 0.0) || !std::isfinite(baseline_volatility)) return false;
    rule.base = MarginFractions{market.tiers[0].initial.count(), market.tiers[0].maintenance.count()};
    rule.min = MarginFractions{setup.initial_min.count() > 0 ? setup.initial_min.count() : rule.base.initial,
                               setup.maintenance_min.count() > 0 ? setup.maintenance_min.count() : rule.base.maintenance};
    rule.max = MarginFractions{setup.initial_max.count(), setup.maintenance_max.count()};
    rule.baseline_volatility = baseline_volatility;
    rule.sensitivity = setup.sensitivity;
    rule.step_max = setup.step_max.count();
    if (rule.min.maintenance <= 0 || rule.min.maintenance > rule.min.initial) return false;
    if (rule.min.initial > rule.max.initial || rule.min.maintenance > rule.max.maintenance) return false;
    if (rule.base.initial > rule.max.initial || rule.base.maintenance > rule.max.maintenance) return false;
    if (market.tier_count > 1 && (rule.max.initial > market.tiers[1].initial.count() ||
                                  rule.max.maintenance > market.tiers[1].maintenance.count())) {
        return false;
    }
    return true;
}

// The fractions the forecast asks for, within the bounds: ceil(static x m), the initial one not
// below the maintenance one. A forecast that is not a number asks for the caps.
inline MarginFractions margin_goal(const MarginRule& rule, double forecast_volatility) {
    double m = 1.0 + rule.sensitivity * (forecast_volatility / rule.baseline_volatility - 1.0);
    m = std::isnan(m) ? std::numeric_limits<double>::infinity() : std::max(0.0, m);
    auto goal = [&](std::int64_t base, std::int64_t low, std::int64_t high) {
        const double raw = static_cast<double>(base) * m;
        if (!(raw < static_cast<double>(high))) return high;  // also NaN
        return std::max(low, static_cast<std::int64_t>(std::ceil(raw)));
    };
    MarginFractions out{goal(rule.base.initial, rule.min.initial, rule.max.initial),
                        goal(rule.base.maintenance, rule.min.maintenance, rule.max.maintenance)};
    out.initial = std::max(out.initial, out.maintenance);  // max maintenance <= max initial
    return out;
}

// One update: each fraction toward its goal by at most step_max, inside the bounds (bounds win),
// the initial one not below the maintenance one.
inline MarginFractions margin_step(const MarginRule& rule, const MarginFractions& current, const MarginFractions& goal) {
    auto toward = [&](std::int64_t now, std::int64_t target, std::int64_t low, std::int64_t high) {
        const std::int64_t next = std::max(now - rule.step_max, std::min(now + rule.step_max, target));
        return std::max(low, std::min(high, next));
    };
    MarginFractions out{toward(current.initial, goal.initial, rule.min.initial, rule.max.initial),
                        toward(current.maintenance, goal.maintenance, rule.min.maintenance, rule.max.maintenance)};
    out.initial = std::max(out.initial, out.maintenance);
    return out;
}

inline MarginFractions next_margin(const MarginRule& rule, const MarginFractions& current, double forecast_volatility) {
    return margin_step(rule, current, margin_goal(rule, forecast_volatility));
}

// GARCH(1,1) filter on observed log returns: variance() is the forecast of the next return's
// square, starting at the unconditional variance.
struct GarchVolatilityFilter {
    double omega = 0.0;
    double alpha = 0.0;
    double beta = 0.0;
    double variance = 0.0;

    static GarchVolatilityFilter open(double w, double a, double b) { return {w, a, b, w / (1.0 - a - b)}; }
    double unconditional_variance() const { return omega / (1.0 - alpha - beta); }
    void observe(double log_return) { variance = omega + alpha * log_return * log_return + beta * variance; }
};

// The filter's parameters for a scenario's model: its own (GarchT, GarchJump) or the setup's.
// False when the setup asks for the model's and the model has none.
template <class Model>
bool predictive_filter(const PredictiveMarginSetup& setup, const Model& model, GarchVolatilityFilter& filter) {
    double w = setup.omega;
    double a = setup.alpha;
    double b = setup.beta;
    if (setup.model_filter) {
        const auto* t = std::get_if<GarchT>(&model);
        const auto* j = std::get_if<GarchJump>(&model);
        if (t == nullptr && j == nullptr) return false;
        w = t != nullptr ? t->omega : j->omega;
        a = t != nullptr ? t->alpha : j->alpha;
        b = t != nullptr ? t->beta : j->beta;
    }
    if (!setup.filter_valid(w, a, b)) return false;
    filter = GarchVolatilityFilter::open(w, a, b);
    return true;
}

// One path's predictive margins, one filter and rule per market. Each step: observe the marks,
// and every `update_every_steps` steps move the fractions through the engine.
class PredictiveMargins {
public:
    // Opens the filters and rules for the markets (each with an `id` and a `max_leverage`, which
    // follows the initial fraction in force), sets the starting fractions (the static ones raised
    // to the minima: bounds win over the step limit) and reads the first marks. Throws
    // std::invalid_argument when the setup does not fit the scenario (checked before a run by
    // predictive_margin_consistent, so a worker never sees it).
    template <class Scenario, class Engine, class Markets>
    PredictiveMargins(const PredictiveMarginSetup& setup, const Scenario& scenario, Engine& engine, Markets& markets)
        : every_(setup.update_every_steps) {
        GarchVolatilityFilter filter;
        if (!predictive_filter(setup, scenario.model, filter)) throw std::invalid_argument("predictive margin: no GARCH filter");
        const double baseline = setup.baseline_volatility > 0.0 ? setup.baseline_volatility : std::sqrt(filter.variance);
        for (std::size_t k = 0; k < markets.size(); ++k) {
            MarginRule r;
            if (!resolve_margin_rule(setup, scenario.market_of(k), baseline, r)) {
                throw std::invalid_argument("predictive margin: bounds do not fit the market");
            }
            ids_.push_back(markets[k].id);
            rules_.push_back(r);
            filters_.push_back(filter);
            now_.push_back(r.base);
            marks_.push_back(engine.mark(markets[k].id));
            MarginFractions first{std::max(r.base.initial, r.min.initial), std::max(r.base.maintenance, r.min.maintenance)};
            first.initial = std::max(first.initial, first.maintenance);
            apply(engine, k, first);
            markets[k].max_leverage = leverage_max(k);
        }
    }

    // After step `step`'s marks and liquidations: the filters read the marks; on an update step the
    // fractions move (in force from the next step's liquidations and entries). Returns the number
    // of markets whose fractions changed.
    template <class Engine, class Markets>
    std::uint32_t on_step(Engine& engine, std::uint32_t step, Markets& markets) {
        // The margin in force during this step (set at the end of the previous one).
        leverage_sum_ += static_cast<double>(Ppm::denominator) / static_cast<double>(now_[0].initial);
        initial_sum_ += static_cast<double>(now_[0].initial) / static_cast<double>(Ppm::denominator);
        maintenance_max_ = std::max(maintenance_max_, now_[0].maintenance);
        ++steps_;
        std::uint32_t changed = 0;
        for (std::size_t k = 0; k < ids_.size(); ++k) {
            const std::int64_t mark = engine.mark(ids_[k]);
            if (mark > 0 && marks_[k] > 0) {
                const double r = std::log(static_cast<double>(mark) / static_cast<double>(marks_[k]));
                if (k == 0) accuracy_.add(filters_[k].variance, r * r);  // the forecast made before r
                filters_[k].observe(r);
            }
            marks_[k] = mark;
            if ((step + 1) % every_ != 0) continue;
            changed += apply(engine, k, next_margin(rules_[k], now_[k], std::sqrt(filters_[k].variance))) ? 1u : 0u;
            markets[k].max_leverage = leverage_max(k);
        }
        return changed;
    }

    const MarginFractions& fractions(std::size_t k) const { return now_[k]; }
    double forecast_variance(std::size_t k) const { return filters_[k].variance; }
    // The leverage a new position may take in market k: 1 / its initial fraction.
    double leverage_max(std::size_t k) const { return static_cast<double>(Ppm::denominator) / static_cast<double>(now_[k].initial); }

    void summarize(PathSummary& summary) const {
        const double n = static_cast<double>(std::max<std::uint64_t>(1, steps_));
        summary.leverage_allowed_mean = steps_ > 0 ? leverage_sum_ / n : leverage_max(0);
        summary.initial_margin_mean = steps_ > 0 ? initial_sum_ / n : 1.0 / leverage_max(0);
        summary.maintenance_margin_max = static_cast<double>(maintenance_max_) / static_cast<double>(Ppm::denominator);
        summary.margin_refusals = refusals_;
        summary.volatility_forecast = accuracy_;
    }

private:
    // Sets market k's fractions: a raise of maintenance after the initial, a cut before it.
    template <class Engine>
    bool apply(Engine& engine, std::size_t k, const MarginFractions& next) {
        if (next == now_[k]) return false;
        auto set = [&](MarketParameter parameter, std::int64_t value) {
            return static_cast<bool>(engine.set_market_parameter(ids_[k], parameter, value));
        };
        bool ok = true;
        if (next.maintenance > now_[k].maintenance) {
            ok = set(MarketParameter::initial_margin, next.initial) && set(MarketParameter::maintenance_margin, next.maintenance);
        } else {
            ok = set(MarketParameter::maintenance_margin, next.maintenance) && set(MarketParameter::initial_margin, next.initial);
        }
        if (!ok) {
            // Not expected (the bounds were checked against the market): the engine keeps what it has.
            ++refusals_;
            const auto config = engine.market_config(ids_[k]);
            if (config) now_[k] = MarginFractions{config->tiers[0].initial.count(), config->tiers[0].maintenance.count()};
            return false;
        }
        now_[k] = next;
        return true;
    }

    std::vector<MarketId> ids_;
    std::uint32_t every_ = 1;
    std::vector<MarginRule> rules_;
    std::vector<GarchVolatilityFilter> filters_;
    std::vector<MarginFractions> now_;
    std::vector<std::int64_t> marks_;
    ForecastSums accuracy_;
    double leverage_sum_ = 0.0;
    double initial_sum_ = 0.0;
    std::int64_t maintenance_max_ = 0;
    std::uint64_t steps_ = 0;
    std::uint32_t refusals_ = 0;
};

// A path without predictive margins: the static fractions of the first market, all along.
inline void static_margin_summary(PathSummary& summary, const MarketConfig& market) {
    const auto one = static_cast<double>(Ppm::denominator);
    summary.leverage_allowed_mean = one / static_cast<double>(market.tiers[0].initial.count());
    summary.initial_margin_mean = static_cast<double>(market.tiers[0].initial.count()) / one;
    summary.maintenance_margin_max = static_cast<double>(market.tiers[0].maintenance.count()) / one;
}

// The setup's fit to the scenario, checked before any path runs: a GARCH filter (the model's or
// its own) and bounds that fit every market.
template <class Scenario>
bool predictive_margin_consistent(const Scenario& scenario) {
    if (!scenario.predictive_margin) return true;
    // One market: the filter and its baseline are the first market's (per-market filters and
    // baselines are not built), and a market more volatile than the first would sit at its caps.
    if (scenario.market_count() != 1) return false;
    const PredictiveMarginSetup& setup = *scenario.predictive_margin;
    GarchVolatilityFilter filter;
    if (!setup.valid() || !predictive_filter(setup, scenario.model, filter)) return false;
    const double baseline = setup.baseline_volatility > 0.0 ? setup.baseline_volatility : std::sqrt(filter.variance);
    for (std::size_t k = 0; k < scenario.market_count(); ++k) {
        MarginRule rule;
        if (!resolve_margin_rule(setup, scenario.market_of(k), baseline, rule)) return false;
    }
    return true;
}

}  // namespace risk
}  // namespace backstop
