// The report's charts as inline SVG (report_html.hpp places them with their captions):
//   chart-fan       the fund's balance over time, quantile bands across paths;
//   chart-loss      the distribution of the fund's loss over the horizon, VaR and ES marked and
//                   ticked on the axis;
//   chart-size      depletion probability against the initial fund, with its band and the
//                   calibrated sizes;
//   chart-frontier  depletion probability against the maximum leverage a market offers, one
//                   series (marker shape and colour) per penalty, each cell with its interval,
//                   the running configuration ringed, the efficient frontier joined;
//   chart-target    with a fund target: the fund against it.
// Every axis is labelled with its unit; labels are placed without overlap by SvgPlot.
#pragma once

#include "backstop/risk/report/report_format.hpp"
#include "backstop/risk/report/stress_report.hpp"
#include "backstop/risk/report/svg_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

namespace backstop {
namespace risk {
namespace detail {

inline std::vector<double> days_of(const std::vector<double>& hours) {
    std::vector<double> days(hours.size());
    for (std::size_t i = 0; i < days.size(); ++i) days[i] = hours[i] / 24.0;
    return days;
}

inline std::string fan_chart_svg(const StressReport& report) {
    const FanChart& fan = report.fan;
    double low = report.scenario.fund.initial;
    double high = report.scenario.fund.initial;
    for (const auto& band : fan.quantiles) {
        for (const double v : band) {
            low = std::min(low, v);
            high = std::max(high, v);
        }
    }
    const std::vector<double> days = days_of(fan.hours);
    const double pad = 0.05 * (high - low + 1.0);
    SvgPlot plot({0.0, days.empty() ? 1.0 : days.back()}, {std::min(0.0, low - pad), high + pad}, "time (days)",
                 "fund balance (USDC)");
    const std::size_t n = fan.levels.size();
    const char* shades[] = {"#9ecae1", "#6baed6", "#3182bd"};
    for (std::size_t i = 0; i < n / 2; ++i) {  // outer bands first
        plot.band(days, fan.quantiles[i], fan.quantiles[n - 1 - i], shades[std::min<std::size_t>(i, 2)], 0.55);
        plot.legend(shades[std::min<std::size_t>(i, 2)],
                    fmt::format("{:g}%-{:g}% of paths", 100.0 * fan.levels[i], 100.0 * fan.levels[n - 1 - i]));
    }
    if (n % 2 == 1) {
        plot.line(days, fan.quantiles[n / 2], "#08306b", 2.0);
        plot.legend("#08306b", "median");
    }
    plot.horizontal(report.scenario.fund.initial, "#555", fmt::format("initial fund {}", short_number(report.scenario.fund.initial)));
    plot.horizontal(0.0, "#b30000", "empty");
    return plot.svg("fund balance over time");
}

// The fund's median against its target's median and middle 90% (FundSetup::target).
inline std::string target_chart_svg(const StressReport& report) {
    const FanChart& target = report.target_fan;
    const FanChart& fund = report.fan;
    const std::size_t n = target.levels.size();
    double high = 1.0;
    for (const auto& band : target.quantiles) {
        for (const double v : band) high = std::max(high, v);
    }
    for (const double v : fund.quantiles[n / 2]) high = std::max(high, v);
    const std::vector<double> days = days_of(target.hours);
    SvgPlot plot({0.0, days.empty() ? 1.0 : days.back()}, {0.0, 1.05 * high}, "time (days)", "fund and target (USDC)");
    if (n >= 3) {
        plot.band(days, target.quantiles[1], target.quantiles[n - 2], "#fdae6b", 0.5);
        plot.legend("#fdae6b", fmt::format("target, {:g}%-{:g}% of paths", 100.0 * target.levels[1], 100.0 * target.levels[n - 2]));
    }
    plot.line(days, target.quantiles[n / 2], "#a63603", 2.0);
    plot.legend("#a63603", "target, median");
    plot.line(days, fund.quantiles[n / 2], "#08306b", 2.0);
    plot.legend("#08306b", "fund, median");
    return plot.svg("fund against its target");
}

inline std::string loss_histogram_svg(const StressReport& report) {
    const Histogram& h = report.fund_loss;
    std::uint64_t tallest = 1;
    for (const std::uint64_t c : h.counts) tallest = std::max(tallest, c);
    const double right = h.first_edge + h.bin_width * static_cast<double>(h.counts.size());
    double top_loss = right;
    for (const TailMeasure& t : report.statistics.fund_loss) top_loss = std::max(top_loss, t.expected_shortfall);
    // Room at the top for the VaR/ES labels, which stack there.
    SvgPlot plot({h.first_edge, top_loss + 0.04 * (top_loss - h.first_edge + 1.0)},
                 {0.0, 1.45 * static_cast<double>(tallest)}, "fund loss over the horizon (USDC, below 0: the fund grew)",
                 "paths (count)");
    for (std::size_t i = 0; i < h.counts.size(); ++i) {
        const double x = h.first_edge + static_cast<double>(i) * h.bin_width;
        plot.bar(x, x + h.bin_width, static_cast<double>(h.counts[i]), "#6baed6",
                 fmt::format("{} paths lost {} to {} USDC", h.counts[i], grouped(x), grouped(x + h.bin_width)));
    }
    plot.legend("#6baed6", "paths per loss bin");
    const char* colors[] = {"#d94801", "#7f2704"};
    std::size_t i = 0;
    for (const TailMeasure& t : report.statistics.fund_loss) {
        const char* color = colors[std::min<std::size_t>(i++, 1)];
        plot.vertical(t.value_at_risk, color, fmt::format("VaR {:g}%: {}", 100.0 * t.level, short_number(t.value_at_risk)), "5,3");
        plot.vertical(t.expected_shortfall, color,
                      fmt::format("ES {:g}%: {}", 100.0 * t.level, short_number(t.expected_shortfall)), "1,3");
    }
    plot.legend("#d94801", "dashed: VaR, dotted: ES (ticked on the axis)");
    return plot.svg("distribution of the fund's loss");
}

inline std::string depletion_curve_svg(const StressReport& report) {
    if (!report.calibration_skipped.empty()) {  // still a chart, saying why it is empty
        SvgPlot plot({0.0, 1.0}, {0.0, 1.0}, "initial fund (USDC)", "depletion probability (%)", TickFormat::number,
                     TickFormat::percent);
        plot.horizontal(0.05, "#555", "not calibrated: the fund's policies look at its balance", "1,0");
        return plot.svg("depletion probability against initial fund: not calibrated");
    }
    std::vector<double> xs, estimate, lower, upper;
    for (const DepletionPoint& p : report.depletion_curve) {
        xs.push_back(p.fund_size);
        estimate.push_back(p.probability.estimate);
        lower.push_back(p.probability.lower);
        upper.push_back(p.probability.upper);
    }
    double top = 0.05;
    for (const double u : upper) top = std::max(top, u);
    SvgPlot plot({0.0, xs.empty() ? 1.0 : xs.back()}, {0.0, std::min(1.0, 1.1 * top)}, "initial fund (USDC)",
                 "depletion probability (%)", TickFormat::number, TickFormat::percent);
    plot.band(xs, lower, upper, "#fdae6b", 0.5);
    plot.legend("#fdae6b", fmt::format("{:g}% interval (Wilson)", 100.0 * report.confidence));
    plot.line(xs, estimate, "#a63603", 2.0);
    plot.legend("#a63603", "estimate (same paths for every size)");
    plot.vertical(report.scenario.fund.initial, "#555", fmt::format("this fund: {}", short_number(report.scenario.fund.initial)),
                  "8,3");
    for (const FundSizeEstimate& e : report.calibrated) {
        plot.horizontal(e.target_probability, "#555", fmt::format("target {:g}%", 100.0 * e.target_probability), "2,3");
        plot.vertical(e.size, "#08519c", fmt::format("for {:g}%: {}", 100.0 * e.target_probability, short_number(e.size)));
    }
    return plot.svg("depletion probability against initial fund");
}

inline std::string frontier_svg(const StressReport& report) {
    if (report.grid.empty()) {  // still a chart, saying why it is empty
        SvgPlot plot({0.0, 60.0}, {0.0, 0.1}, "maximum leverage offered (x, 1 / initial margin)", "depletion probability (%)",
                     TickFormat::number, TickFormat::percent);
        plot.horizontal(0.05, "#555",
                        report.calibration_skipped.empty() ? "no grid in this run (--grid-paths 0)"
                                                           : "no grid: the fund's policies look at its balance",
                        "1,0");
        return plot.svg("depletion against capital efficiency: no grid");
    }
    // One series per penalty, in increasing order.
    std::vector<double> penalties;
    double x_high = 1.0, y_high = 0.05;
    for (const GridCell& c : report.grid) {
        if (std::find(penalties.begin(), penalties.end(), c.liquidation_penalty) == penalties.end()) {
            penalties.push_back(c.liquidation_penalty);
        }
        x_high = std::max(x_high, c.max_leverage);
        y_high = std::max(y_high, c.depletion.probability.upper);
    }
    std::sort(penalties.begin(), penalties.end());
    SvgPlot plot({0.0, 1.15 * x_high}, {0.0, std::min(1.0, 1.2 * y_high)}, "maximum leverage offered (x, 1 / initial margin)",
                 "depletion probability (%)", TickFormat::number, TickFormat::percent);
    std::vector<const GridCell*> frontier;
    for (const GridCell& c : report.grid) {
        if (c.on_frontier) frontier.push_back(&c);
    }
    std::sort(frontier.begin(), frontier.end(),
              [](const GridCell* a, const GridCell* b) { return a->max_leverage < b->max_leverage; });
    std::vector<double> fx, fy;
    for (const GridCell* c : frontier) {
        fx.push_back(c->max_leverage);
        fy.push_back(c->depletion.probability.estimate);
    }
    plot.line(fx, fy, "#238b45", 2.0, "6,3");
    const MarkerShape shapes[] = {MarkerShape::circle, MarkerShape::square, MarkerShape::triangle, MarkerShape::diamond,
                                  MarkerShape::cross};
    const char* colors[] = {"#e66101", "#b2182b", "#5e3c99", "#2166ac", "#1b7837", "#636363"};
    // Cells sharing a leverage are set apart by penalty, a few pixels each, so none hides another.
    const double spread = 9.0;
    const auto series_of = [&](double penalty) {
        return static_cast<std::size_t>(std::find(penalties.begin(), penalties.end(), penalty) - penalties.begin());
    };
    const auto offset = [&](std::size_t s) {
        return spread * (static_cast<double>(s) - 0.5 * static_cast<double>(penalties.size() - 1));
    };
    for (const GridCell& c : report.grid) {
        const std::size_t s = series_of(c.liquidation_penalty);
        plot.error_bar(c.max_leverage, c.depletion.probability.lower, c.depletion.probability.upper, colors[s % 6], offset(s));
    }
    for (const GridCell& c : report.grid) {
        const std::size_t s = series_of(c.liquidation_penalty);
        const std::string title = fmt::format(
            "maintenance {:g}%, initial {:.3g}%, penalty {:g}%: leverage {:.1f}x, depletion {} ({} of {} paths), "
            "fund for target {}{}",
            100.0 * c.maintenance_margin, 100.0 * c.initial_margin, 100.0 * c.liquidation_penalty, c.max_leverage,
            percent_interval(c.depletion.probability), c.depletion.depleted_paths, c.depletion.paths,
            usdc(c.required_fund), c.running ? " (this market)" : "");
        if (c.running) {
            plot.marker(c.max_leverage, c.depletion.probability.estimate, MarkerShape::circle, 10.0, "none", "#000", title,
                        offset(s));
            plot.annotate(c.max_leverage, c.depletion.probability.estimate, "this market", "#000", offset(s));
        }
        plot.marker(c.max_leverage, c.depletion.probability.estimate, shapes[s % 5], 5.0, colors[s % 6],
                    c.on_frontier ? "#00441b" : "#333", title, offset(s));
    }
    for (std::size_t s = 0; s < penalties.size(); ++s) {
        plot.legend(colors[s % 6], fmt::format("penalty {:g}%", 100.0 * penalties[s]), shapes[s % 5]);
    }
    plot.legend("#238b45", "efficient frontier (dashed)");
    plot.legend("none", "ringed: this market", MarkerShape::circle);
    plot.legend("#333", fmt::format("bars: {:g}% interval (Wilson)", 100.0 * report.confidence));
    return plot.svg("depletion against capital efficiency");
}

}  // namespace detail
}  // namespace risk
}  // namespace backstop
