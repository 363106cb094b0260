// The stress report as one self-contained HTML page: inline CSS, inline SVG charts, one line of
// inline script, nothing fetched. Four charts, each with a caption saying how to read it:
//   chart-fan       the fund's balance over time, quantile bands across paths;
//   chart-loss      the distribution of the fund's loss over the horizon, VaR and ES marked;
//   chart-size      depletion probability against the initial fund, with its band and the
//                   calibrated sizes;
//   chart-frontier  depletion probability against the maximum leverage a market offers, one
//                   point per maintenance margin x penalty, the efficient frontier joined.
// Then the tables (summary, calibration, policies side by side, the grid) and the scenario.
#pragma once

#include "backstop/risk/report/console_table.hpp"
#include "backstop/risk/report/scenario_json.hpp"
#include "backstop/risk/report/stress_report.hpp"
#include "backstop/risk/report/svg_plot.hpp"
#include "backstop/risk/scenario_names.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

namespace backstop {
namespace risk {

namespace detail {

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
    std::vector<double> days(fan.hours.size());
    for (std::size_t i = 0; i < days.size(); ++i) days[i] = fan.hours[i] / 24.0;
    const double pad = 0.05 * (high - low + 1.0);
    SvgPlot plot({0.0, days.empty() ? 1.0 : days.back()}, {std::min(0.0, low - pad), high + pad}, "days",
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
    plot.horizontal(report.scenario.fund.initial, "#555", "initial fund");
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
    std::vector<double> days(target.hours.size());
    for (std::size_t i = 0; i < days.size(); ++i) days[i] = target.hours[i] / 24.0;
    SvgPlot plot({0.0, days.empty() ? 1.0 : days.back()}, {0.0, 1.05 * high}, "days", "USDC");
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
    SvgPlot plot({h.first_edge, top_loss + 0.02 * (top_loss - h.first_edge + 1.0)},
                 {0.0, 1.1 * static_cast<double>(tallest)}, "fund loss over the horizon (USDC; negative: the fund grew)",
                 "paths");
    for (std::size_t i = 0; i < h.counts.size(); ++i) {
        const double x = h.first_edge + static_cast<double>(i) * h.bin_width;
        plot.bar(x, x + h.bin_width, static_cast<double>(h.counts[i]), "#6baed6",
                 fmt::format("{} paths lost {:.0f} to {:.0f}", h.counts[i], x, x + h.bin_width));
    }
    const char* colors[] = {"#d94801", "#7f2704"};
    std::size_t i = 0;
    for (const TailMeasure& t : report.statistics.fund_loss) {
        const char* color = colors[std::min<std::size_t>(i++, 1)];
        plot.vertical(t.value_at_risk, color, fmt::format("VaR {:g}%", 100.0 * t.level), "5,3");
        plot.vertical(t.expected_shortfall, color, fmt::format("ES {:g}%", 100.0 * t.level), "1,3");
    }
    return plot.svg("distribution of the fund's loss");
}

inline std::string depletion_curve_svg(const StressReport& report) {
    if (!report.calibration_skipped.empty()) {  // still a chart, saying why it is empty
        SvgPlot plot({0.0, 1.0}, {0.0, 1.0}, "initial fund (USDC)", "depletion probability");
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
    SvgPlot plot({0.0, xs.empty() ? 1.0 : xs.back()}, {0.0, std::min(1.0, 1.05 * top)}, "initial fund (USDC)",
                 "depletion probability");
    plot.band(xs, lower, upper, "#fdae6b", 0.5);
    plot.legend("#fdae6b", fmt::format("{:g}% interval (Wilson)", 100.0 * report.confidence));
    plot.line(xs, estimate, "#a63603", 2.0);
    plot.legend("#a63603", "estimate (same paths for every size)");
    for (const FundSizeEstimate& e : report.calibrated) {
        plot.horizontal(e.target_probability, "#555", fmt::format("target {:g}%", 100.0 * e.target_probability), "2,3");
        plot.vertical(e.size, "#08519c", fmt::format("{:g}%: {}", 100.0 * e.target_probability, short_number(e.size)));
    }
    plot.vertical(report.scenario.fund.initial, "#555", "this fund", "8,3");
    return plot.svg("depletion probability against initial fund");
}

inline std::string frontier_svg(const StressReport& report) {
    if (report.grid.empty()) {  // still a chart, saying why it is empty
        SvgPlot plot({0.0, 60.0}, {0.0, 0.1}, "maximum leverage offered (1 / initial margin)", "depletion probability");
        plot.horizontal(0.05, "#555",
                        report.calibration_skipped.empty() ? "no grid in this run (--grid-paths 0)"
                                                           : "no grid: the fund's policies look at its balance",
                        "1,0");
        return plot.svg("depletion against capital efficiency: no grid");
    }
    double x_high = 1.0, y_high = 0.05;
    double penalty_low = 1.0, penalty_high = 0.0;
    for (const GridCell& c : report.grid) {
        x_high = std::max(x_high, c.max_leverage);
        y_high = std::max(y_high, c.depletion.probability.estimate);
        penalty_low = std::min(penalty_low, c.liquidation_penalty);
        penalty_high = std::max(penalty_high, c.liquidation_penalty);
    }
    SvgPlot plot({0.0, 1.1 * x_high}, {0.0, std::min(1.0, 1.15 * y_high)}, "maximum leverage offered (1 / initial margin)",
                 "depletion probability");
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
    plot.line(fx, fy, "#238b45", 2.0);
    plot.legend("#238b45", "efficient frontier");
    for (const GridCell& c : report.grid) {
        const double shade = penalty_high > penalty_low ? (c.liquidation_penalty - penalty_low) / (penalty_high - penalty_low) : 0.5;
        const int red = static_cast<int>(250.0 - 150.0 * shade);
        const std::string fill = fmt::format("rgb({},{},{})", red, static_cast<int>(180.0 - 120.0 * shade), 60);
        plot.point(c.max_leverage, c.depletion.probability.estimate, c.on_frontier ? 6.0 : 4.5, fill,
                   c.on_frontier ? "#00441b" : "none",
                   fmt::format("maintenance {:g}%, penalty {:g}%: leverage {:.1f}x, depletion {:.3f} ({} of {} paths), "
                               "fund for target {}",
                               100.0 * c.maintenance_margin, 100.0 * c.liquidation_penalty, c.max_leverage,
                               c.depletion.probability.estimate, c.depletion.depleted_paths, c.depletion.paths,
                               short_number(c.required_fund)));
    }
    plot.legend("rgb(250,180,60)", fmt::format("penalty {:g}%", 100.0 * penalty_low));
    plot.legend("rgb(100,60,60)", fmt::format("penalty {:g}%", 100.0 * penalty_high));
    return plot.svg("depletion against capital efficiency");
}

inline std::string figure(const char* id, const char* title, const std::string& svg, const std::string& caption) {
    return fmt::format("<figure class=\"chart\" id=\"{}\">\n<h2>{}</h2>\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
                       id, title, svg, caption);
}

// A paired comparison: each arm's depletion with its interval, what traders paid, where the fund
// ended, and the paired test.
inline std::string comparison_html(const PairedComparison& c, double confidence) {
    const bool gain = !c.gain_label.empty();
    const PenaltyArm& any = c.first;
    std::string html = fmt::format("<h2>Same seeds, two set-ups: {}</h2>\n<table>\n<tr><th>{}</th><th>depleted paths</th>"
                                   "<th>depletion</th><th>{:g}% interval (Wilson)</th><th>(Clopper-Pearson)</th><th>"
                                   "penalties paid per path (mean)</th><th>interval</th><th>fund at the end (mean)</th>"
                                   "<th>interval</th>",
                                   xml_escape(c.what), xml_escape(c.what), 100.0 * confidence);
    if (gain) html += fmt::format("<th>{} (mean)</th><th>interval</th>", xml_escape(c.gain_label));
    if (c.show_loss_spread) {
        html += fmt::format("<th>fund loss, sd</th><th>interval</th><th>fund loss, ES {:g}%</th><th>interval</th>",
                            100.0 * any.es_level);
    }
    html += "</tr>\n";
    for (const bool first : {true, false}) {
        const PenaltyArm& a = first ? c.first : c.second;
        const BinomialInterval& w = a.statistics.depletion_wilson;
        const BinomialInterval& cp = a.statistics.depletion_clopper_pearson;
        html += fmt::format("<tr><td>{}</td><td>{} of {}</td><td>{:.3f}</td><td>[{:.3f}, {:.3f}]</td><td>[{:.3f}, {:.3f}]"
                            "</td><td>{:.0f}</td><td>[{:.0f}, {:.0f}]</td><td>{:.0f}</td><td>[{:.0f}, {:.0f}]</td>",
                            xml_escape(first ? c.first_name : c.second_name), a.statistics.depleted_paths,
                            a.statistics.paths, w.estimate, w.lower, w.upper, cp.lower, cp.upper, a.penalties_charged.mean,
                            a.penalties_charged.lower, a.penalties_charged.upper, a.fund_final.mean, a.fund_final.lower,
                            a.fund_final.upper);
        if (gain) {
            html += fmt::format("<td>{:.0f}</td><td>[{:.0f}, {:.0f}]</td>", a.management_gain.mean, a.management_gain.lower,
                                a.management_gain.upper);
        }
        if (c.show_loss_spread) {
            html += fmt::format("<td>{:.0f}</td><td>[{:.0f}, {:.0f}]</td><td>{:.0f}</td><td>[{:.0f}, {:.0f}]</td>",
                                a.fund_loss_sd.estimate, a.fund_loss_sd.lower, a.fund_loss_sd.upper, a.fund_loss_es.estimate,
                                a.fund_loss_es.lower, a.fund_loss_es.upper);
        }
        html += "</tr>\n";
    }
    html += fmt::format("</table>\n<p>Both arms ran the same seeds, so their estimates are paired: {} paths were "
                        "depleted with {} only and {} with {} only; McNemar's exact test gives p = {:.3g} (two overlapping "
                        "intervals do not say the arms are alike; this test does). Means are per path, with their normal-approximation "
                        "intervals{}.</p>\n",
                        c.first_only, xml_escape(c.first_name), c.second_only, xml_escape(c.second_name), c.mcnemar_p_value,
                        c.show_loss_spread ? "; the loss's sd and ES have percentile-bootstrap intervals (1,000 resamples of the paths)" : "");
    return html;
}

}  // namespace detail

inline std::string report_html(const StressReport& report) {
    const Scenario& sc = report.scenario;
    const RunStatistics& s = report.statistics;
    std::string html;
    html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    html += "<title>backstop stress test</title>\n<style>\n"
            "body{font-family:sans-serif;max-width:1200px;margin:1em auto;padding:0 1em;color:#222}\n"
            "h1{font-size:1.5em}h2{font-size:1.1em;margin:.2em 0}\n"
            ".charts{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:1em}\n"
            "figure{margin:0;border:1px solid #ddd;padding:.5em}figure svg{width:100%;height:auto}\n"
            "figcaption{font-size:.85em;color:#444}\n"
            "table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ddd;padding:.2em .6em;"
            "text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}\n"
            "tr.frontier td{background:#e5f5e0}pre{background:#f7f7f7;padding:.5em;overflow:auto;font-size:.8em}\n"
            "</style>\n</head>\n";
    html += fmt::format("<body data-charts-expected=\"{}\">\n", report.target_fan.levels.empty() ? 4 : 5);
    html += fmt::format("<h1>Insurance fund stress test</h1>\n<p>{} model, {} traders, {} steps of {} h ({:g} days), {} "
                        "paths, seed {}. Fund {:.0f} USDC; fee capture <b>{}</b>, settlement <b>{}</b>, socialized "
                        "loss <b>{}</b>. Every path was checked for conservation of money: {} failed.</p>\n",
                        name_of(sc.model), sc.population.trader_count, sc.horizon_steps, sc.step_hours,
                        sc.horizon_steps * sc.step_hours / 24.0, sc.paths, sc.seed, sc.fund.initial,
                        name_of(sc.fund.fee_capture), name_of(sc.fund.settlement), name_of(sc.fund.socialized_loss),
                        s.paths_not_conserved);
    html += "<h2>Summary</h2>\n<pre>";
    html += xml_escape(console_summary(report));
    html += "</pre>\n";

    html += "<div class=\"charts\">\n";
    html += detail::figure(
        "chart-fan", "Fund balance over time", detail::fan_chart_svg(report),
        "Across all paths, the fund's balance after each step: the darkest line is the median path-wise balance, the "
        "bands hold the middle 50%, 90% and 98% of paths. A band reaching the red line means some paths empty the "
        "fund; a fan that widens downwards is bad debt outrunning the penalties the fund collects.");
    html += detail::figure(
        "chart-loss", "Fund loss over the horizon", detail::loss_histogram_svg(report),
        "How much the fund lost from start to end on each path (negative: it grew from liquidation penalties). "
        "Dashed lines mark the Value at Risk, dotted lines the Expected Shortfall (the mean loss beyond the VaR) at "
        "each level; the gap between them is how fat the tail is.");
    html += detail::figure(
        "chart-size", "Depletion probability against fund size", detail::depletion_curve_svg(report),
        "The probability that the fund cannot pay a deficit in full within the horizon, had it started at each size; "
        "every size is evaluated on the same paths, so the curve only falls. The band is the interval of the estimate; "
        "blue lines mark the smallest fund meeting each target.");
    html += detail::figure(
        "chart-frontier", "Margin and penalty: risk against capital efficiency", detail::frontier_svg(report),
        fmt::format("One point per maintenance margin and liquidation penalty (initial margin {:.3g} x maintenance; "
                    "{} paths each, same seeds). Right is more leverage offered to traders, up is more risk to the "
                    "fund. Green-ringed points are the efficient frontier: no other setting offers as much leverage "
                    "with less risk. Hover a point for its figures.",
                    report.grid_initial_to_maintenance, report.grid_paths));
    if (!report.target_fan.levels.empty()) {
        const FundTargetConfig& t = *sc.fund.target;
        html += detail::figure(
            "chart-target", "Fund against its target", detail::target_chart_svg(report),
            fmt::format("The target at every step: the larger of {:g}% of open interest and the bad debt the {} accounts "
                        "that would leave the most would leave with every position moved {:g}% against itself (Cover-{}). "
                        "The fund fell below it on {} of {} paths ({:.3f}, {:g}% interval [{:.3f}, {:.3f}]).",
                        100.0 * t.open_interest_fraction.to_double(), t.cover, 100.0 * t.shock.to_double(), t.cover,
                        report.paths_below_target, s.paths, report.below_target.estimate, 100.0 * report.confidence,
                        report.below_target.lower, report.below_target.upper));
    }
    html += "</div>\n";

    for (const PairedComparison& c : report.comparisons) html += detail::comparison_html(c, report.confidence);
    if (!report.calibration_skipped.empty()) {
        html += "<h2>Fund size for a target depletion probability</h2>\n<p>Not calibrated: " +
                xml_escape(report.calibration_skipped) + ".</p>\n";
    } else {
        html += "<h2>Fund size for a target depletion probability</h2>\n<table>\n<tr><th>target</th><th>smallest "
                "fund</th><th>interval low</th><th>interval high</th><th>paths</th></tr>\n";
        for (const FundSizeEstimate& e : report.calibrated) {
            html += fmt::format("<tr><td>{:g}%</td><td>{:.0f}</td><td>{:.0f}</td><td>{}</td><td>{}</td></tr>\n",
                                100.0 * e.target_probability, e.size, e.size_low,
                                e.enough_paths ? fmt::format("{:.0f}", e.size_high) : std::string("more paths needed"),
                                e.paths);
        }
        html += fmt::format("</table>\n<p>The interval inverts the {:g}% Clopper-Pearson band of the depletion "
                            "probability: below its low end the fund is too small with that confidence, from its high end "
                            "on it is large enough.</p>\n",
                            100.0 * report.confidence);
    }

    html += "<h2>Who bears what the fund cannot pay: the same paths under each policy</h2>\n<table>\n<tr><th>policy"
            "</th><th>paths socializing</th><th>mean socialized</th><th>borne by traders</th><th>borne by the maker"
            "</th><th>taken beyond the deficit</th><th>charges per path</th><th>notional deleveraged</th><th>mean "
            "uncovered</th><th>worst path</th></tr>\n";
    for (const PolicyOutcome& p : report.policies) {
        html += fmt::format("<tr><td>{}</td><td>{}</td><td>{:.2f}</td><td>{:.2f}</td><td>{:.2f}</td><td>{:.2f}</td>"
                            "<td>{:.1f}</td><td>{:.0f}</td><td>{:.2f}</td><td>{:.2f}</td></tr>\n",
                            name_of(p.policy), p.paths_socializing, p.mean_socialized, p.mean_borne_by_traders,
                            p.mean_borne_by_maker, p.mean_taken_beyond_deficit, p.mean_charges,
                            p.mean_deleveraged_notional, p.mean_uncovered, p.largest_path_socialized);
    }
    html += "</table>\n<p>Means are per path over all paths (USDC). Paths that never deplete the fund never reach the "
            "policy, so they are identical under every policy; the depleted ones were run again under each policy with "
            "the same seeds. The market maker's column includes the liquidator (both are the venue's accounts). Ranked ADL closes the most profitable, most leveraged positions against the defaulter "
            "(notional deleveraged); a pro-rata haircut charges every account in profit; funding socialization charges "
            "every open position, winners and losers, through the funding index. Charges round in the protocol's "
            "favour, so a policy can take slightly more than the deficit.</p>\n";

    if (!report.grid.empty()) {
        html += "<h2>Maintenance margin and penalty grid</h2>\n<table>\n<tr><th>maintenance</th><th>initial</th><th>"
                "penalty</th><th>max leverage</th><th>depletion</th><th>interval</th><th>fund for target</th><th>"
                "mean bad debt</th><th>liquidations per path</th></tr>\n";
        for (const GridCell& c : report.grid) {
            html += fmt::format("<tr{}><td>{:.3g}%</td><td>{:.3g}%</td><td>{:.3g}%</td><td>{:.1f}x</td><td>{:.3f}</td><td>"
                                "[{:.3f}, {:.3f}]</td><td>{:.0f}</td><td>{:.2f}</td><td>{:.1f}</td></tr>\n",
                                c.on_frontier ? " class=\"frontier\"" : "", 100.0 * c.maintenance_margin,
                                100.0 * c.initial_margin, 100.0 * c.liquidation_penalty, c.max_leverage,
                                c.depletion.probability.estimate, c.depletion.probability.lower,
                                c.depletion.probability.upper, c.required_fund, c.mean_bad_debt, c.mean_liquidations);
        }
        html += "</table>\n<p>Green rows are on the efficient frontier.</p>\n";
    }
    html += "<h2>Scenario</h2>\n<p>Load it back with <code>--scenario</code> to reproduce this report bit for bit."
            "</p>\n<pre>" +
            xml_escape(scenario_to_json(sc).dump(2)) + "</pre>\n";
    html += "<p>Generated by backstop. The figures of every chart are in report.json and csv/.</p>\n";
    // The only script: it records that the page's charts are in place (the browser test reads it).
    html += "<script>document.body.dataset.chartsRendered = "
            "String(document.querySelectorAll('figure.chart svg').length);</script>\n";
    html += "</body>\n</html>\n";
    return html;
}

}  // namespace risk
}  // namespace backstop
