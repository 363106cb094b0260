// The predictive-margin comparison (risk/predictive_margin_comparison.hpp) as a Markdown table
// for the docs and an HTML table fragment for the report: each arm's figures with their intervals,
// the paired depletion test, and the forecast's out-of-sample accuracy.
#pragma once

#include "backstop/risk/predictive_margin_comparison.hpp"

#include <fmt/format.h>

#include <string>

namespace backstop {
namespace risk {

namespace detail {
struct PredictiveMarginRow {
    std::string label;
    std::string fixed;
    std::string moving;
};

inline std::vector<PredictiveMarginRow> predictive_margin_rows(const PredictiveMarginComparison& c) {
    auto percent = [](const BinomialInterval& i) {
        return fmt::format("{:.1f}% [{:.1f}%, {:.1f}%]", 100.0 * i.estimate, 100.0 * i.lower, 100.0 * i.upper);
    };
    auto money = [](const MeanInterval& m) { return fmt::format("{:.0f} [{:.0f}, {:.0f}]", m.mean, m.lower, m.upper); };
    auto times = [](const MeanInterval& m) { return fmt::format("{:.2f}x [{:.2f}, {:.2f}]", m.mean, m.lower, m.upper); };
    auto count = [](const MeanInterval& m) { return fmt::format("{:.1f} [{:.1f}, {:.1f}]", m.mean, m.lower, m.upper); };
    auto fraction = [](const MeanInterval& m) {
        return fmt::format("{:.2f}% [{:.2f}%, {:.2f}%]", 100.0 * m.mean, 100.0 * m.lower, 100.0 * m.upper);
    };
    const PredictiveMarginArm& a = c.static_margin;
    const PredictiveMarginArm& b = c.predictive_margin;
    return {
        {"depletion probability (Wilson)", percent(a.depletion), percent(b.depletion)},
        {"bad debt per path (USDC)", money(a.bad_debt), money(b.bad_debt)},
        {"average leverage allowed (1 / initial)", times(a.leverage_allowed), times(b.leverage_allowed)},
        {"liquidations per path", count(a.liquidations), count(b.liquidations)},
        {"initial margin, mean", fraction(a.initial_margin), fraction(b.initial_margin)},
        {"maintenance margin, path's highest (mean)", fraction(a.maintenance_margin_max), fraction(b.maintenance_margin_max)},
        {"margin changes per path", count(a.margin_changes), count(b.margin_changes)},
    };
}

inline std::string predictive_margin_notes(const PredictiveMarginComparison& c) {
    const VolatilityForecastAccuracy& f = c.forecast;
    std::string filter;
    if (c.fitted_filter) {
        const PredictiveFilterFit& fit = *c.fitted_filter;
        const GarchParameters& se = fit.garch.standard_errors;
        filter = fmt::format("GARCH(1,1) fitted by maximum likelihood on {} training paths of seed {} (held out: the "
                             "arms ran seed {}), omega {:.4g} ({:.2g}), alpha {:.4f} ({:.4f}), beta {:.4f} ({:.4f})",
                             fit.training.paths, fit.training.seed, c.scenario_seed, c.filter.omega, se.omega, c.filter.alpha,
                             se.alpha, c.filter.beta, se.beta);
    } else {
        filter = fmt::format("GARCH(1,1) filter with omega {:.4g}, alpha {:.4f}, beta {:.4f} ({})", c.filter.omega,
                             c.filter.alpha, c.filter.beta,
                             c.setup.model_filter ? "the price model's own parameters" : "the set-up's parameters");
    }
    return fmt::format(
        "{} paths per arm, same seeds, {:.0f}% intervals. Depleted in one arm only: static {}, predictive {} "
        "(McNemar exact p = {:.3g}). Forecast: {}. Its accuracy out of sample ({} step forecasts on {} paths; the filter "
        "is not fitted on them): Mincer-Zarnowitz r^2 = {:.4f} [{:.4f}, {:.4f}], slope {:.3f}, intercept {:.3g}; "
        "correlation of the forecast and the realised squared return {:.4f} [{:.4f}, {:.4f}] (intervals: bootstrap over "
        "paths).",
        c.static_margin.paths, 100.0 * c.confidence, c.depleted_static_only, c.depleted_predictive_only, c.mcnemar_p_value,
        filter, f.observations, f.paths, f.r_squared, f.r_squared_lower, f.r_squared_upper, f.slope, f.intercept,
        f.correlation, f.correlation_lower, f.correlation_upper);
}
}  // namespace detail

inline std::string predictive_margin_markdown(const PredictiveMarginComparison& c) {
    std::string out = "| | static margins | predictive margins |\n|---|---|---|\n";
    for (const auto& row : detail::predictive_margin_rows(c)) out += fmt::format("| {} | {} | {} |\n", row.label, row.fixed, row.moving);
    out += "\n" + detail::predictive_margin_notes(c) + "\n";
    return out;
}

// A table fragment (no document around it); every text in it is the lab's own.
inline std::string predictive_margin_html(const PredictiveMarginComparison& c) {
    std::string out = "<table class=\"predictive-margin\">\n<thead><tr><th></th><th>static margins</th><th>predictive margins</th></tr></thead>\n<tbody>\n";
    for (const auto& row : detail::predictive_margin_rows(c)) {
        out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n", row.label, row.fixed, row.moving);
    }
    out += "</tbody>\n</table>\n<p>" + detail::predictive_margin_notes(c) + "</p>\n";
    return out;
}

}  // namespace risk
}  // namespace backstop
