// The stress report as one self-contained HTML page: inline CSS, inline SVG charts
// (report_charts.hpp), one line of inline script, nothing fetched. In order: what was simulated
// (in words), the headline figures with their intervals and units, the figures a reader
// questions explained, the per-market table (several markets), the charts each with a caption
// saying how to read it, then the tables (comparisons, calibration, policies, the grid) and the
// scenario to reproduce it.
#pragma once

#include "backstop/risk/report/adl_report.hpp"
#include "backstop/risk/report/incident_report.hpp"
#include "backstop/risk/report/gamma_study_report.hpp"
#include "backstop/risk/report/predictive_margin_report.hpp"
#include "backstop/risk/report/report_charts.hpp"
#include "backstop/risk/report/report_format.hpp"
#include "backstop/risk/report/report_words.hpp"
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

namespace detail {

// The headline figures: one row each, the value with its unit and, where it is an estimate, its
// interval.
inline std::string headline_html(const StressReport& report) {
    const RunStatistics& s = report.statistics;
    std::string html = fmt::format("<h2>Headline</h2>\n<table id=\"headline\">\n<tr><th>figure</th><th>value</th><th>{:g}% "
                                   "interval</th></tr>\n",
                                   100.0 * report.confidence);
    const auto row = [&](const std::string& label, const std::string& value, const std::string& interval) {
        html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n", label, value, interval);
    };
    const auto range = [](const BinomialInterval& i) { return fmt::format("{} to {}", percent(i.lower), percent(i.upper)); };
    row("fund depleted (paths)", fmt::format("{} of {}", grouped(static_cast<double>(s.depleted_paths)),
                                             grouped(static_cast<double>(s.paths))), "");
    row("depletion probability", percent(s.depletion_wilson.estimate),
        range(s.depletion_wilson) + " (Wilson); " + range(s.depletion_clopper_pearson) + " (Clopper-Pearson)");
    const HeadlineIntervals& in = report.intervals;
    const auto money = [](double low, double high, const char* how) {
        return fmt::format("{} to {} USDC ({})", grouped(low), grouped(high), how);
    };
    for (std::size_t i = 0; i < s.fund_loss.size(); ++i) {
        const TailMeasure& t = s.fund_loss[i];
        const bool boot = i < in.value_at_risk.size();
        row(fmt::format("fund loss, VaR {:g}%", 100.0 * t.level), usdc(t.value_at_risk),
            boot ? money(in.value_at_risk[i].lower, in.value_at_risk[i].upper, "bootstrap") : "");
        row(fmt::format("fund loss, ES {:g}%", 100.0 * t.level), usdc(t.expected_shortfall),
            boot ? money(in.expected_shortfall[i].lower, in.expected_shortfall[i].upper, "bootstrap") : "");
    }
    row("fund's lowest balance, 1% quantile", usdc(s.fund_min_p01),
        money(in.fund_min_p01.lower, in.fund_min_p01.upper, "bootstrap"));
    row("fund's lowest balance, median", usdc(s.fund_min_median),
        money(in.fund_min_median.lower, in.fund_min_median.upper, "bootstrap"));
    row("fund at the end, mean", usdc(report.mean_fund_final), money(in.fund_final.lower, in.fund_final.upper, "normal"));
    row("penalties to the fund per path", usdc(report.mean_penalties_to_fund),
        money(in.penalties_to_fund.lower, in.penalties_to_fund.upper, "normal"));
    row("bad debt per path", usdc(s.mean_bad_debt), money(in.bad_debt.lower, in.bad_debt.upper, "normal"));
    row("socialized per path", usdc(s.mean_socialized), money(in.socialized.lower, in.socialized.upper, "normal"));
    row("liquidations per path", grouped(s.mean_liquidations, 1),
        fmt::format("{} to {} (normal)", grouped(in.liquidations.lower, 1), grouped(in.liquidations.upper, 1)));
    for (const FundSizeEstimate& e : report.calibrated) {
        row(fmt::format("smallest fund for {:g}% depletion", 100.0 * e.target_probability), usdc(e.size),
            e.enough_paths ? fmt::format("{} to {} USDC", grouped(e.size_low), grouped(e.size_high))
                           : std::string("more paths needed"));
    }
    row("paths that failed the conservation check", grouped(static_cast<double>(s.paths_not_conserved)), "");
    html += "</table>\n";
    return html;
}

inline std::string grid_html(const StressReport& report) {
    if (report.grid.empty()) return {};
    const GridCell* running = nullptr;
    for (const GridCell& c : report.grid) running = c.running ? &c : running;
    std::string html = fmt::format(
        "<h2>Maintenance margin and penalty grid</h2>\n<table id=\"grid\">\n<tr><th>maintenance</th><th>initial</th><th>"
        "penalty</th><th>max leverage</th><th>depleted paths</th><th>depletion, {:g}% interval</th><th>fund for "
        "target (USDC)</th><th>bad debt per path (USDC), interval</th><th>liquidations per path</th></tr>\n",
        100.0 * report.confidence);
    for (const GridCell& c : report.grid) {
        html += fmt::format("<tr class=\"{}{}\"><td>{}{}</td><td>{}</td><td>{}</td><td>{:.1f}x</td><td>{} of {}</td><td>{}</td>"
                            "<td>{}</td><td>{}</td><td>{}</td></tr>\n",
                            c.on_frontier ? "frontier" : "cell", c.running ? " running" : "", percent(c.maintenance_margin),
                            c.running ? " (this market)" : "", percent(c.initial_margin), percent(c.liquidation_penalty),
                            c.max_leverage, grouped(static_cast<double>(c.depletion.depleted_paths)),
                            grouped(static_cast<double>(c.depletion.paths)), percent_interval(c.depletion.probability),
                            grouped(c.required_fund),
                            usdc_interval(c.bad_debt.estimate, c.bad_debt.lower, c.bad_debt.upper),
                            grouped(c.mean_liquidations, 1));
    }
    html += fmt::format("</table>\n<p>Green rows are on the efficient frontier; the bold row is the configuration that ran"
                        "{}. Every cell ran the same {} seeds as the headline (common random numbers), so differences "
                        "between cells are differences of configuration, not of luck: they are more certain than the "
                        "separate intervals suggest.</p>\n",
                        running != nullptr && running->depletion.paths == report.statistics.paths
                            ? " (read from the headline run: its figures are the headline's)"
                            : "",
                        grouped(static_cast<double>(report.grid_paths)));
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
            "h1{font-size:1.5em}h2{font-size:1.1em;margin:.6em 0 .2em}\n"
            ".charts{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:1em}\n"
            "figure{margin:0;border:1px solid #ddd;padding:.5em}figure svg{width:100%;height:auto}\n"
            "figcaption{font-size:.85em;color:#444}\n"
            "table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ddd;padding:.2em .6em;"
            "text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}\n"
            "tr.frontier td{background:#e5f5e0}tr.running td{font-weight:bold}tr.total td{font-weight:bold}\n"
            "section ul{margin:.2em 0 1em}li{margin:.2em 0}\n"
            "pre{background:#f7f7f7;padding:.5em;overflow:auto;font-size:.8em}\n"
            "</style>\n</head>\n";
    html += fmt::format("<body data-charts-expected=\"{}\">\n",
                        (report.target_fan.levels.empty() ? 4 : 5) + (report.adl ? 1 : 0));
    html += fmt::format("<h1>Insurance fund stress test</h1>\n<p>{} paths of {} days with the margin engine and the fund "
                        "in the loop; every path was checked for conservation of money ({} failed).</p>\n",
                        grouped(static_cast<double>(sc.paths)), fmt::format("{:g}", sc.horizon_steps * sc.step_hours / 24.0),
                        s.paths_not_conserved);
    html += simulated_html(report);
    html += detail::headline_html(report);
    if (report.incident) html += incident_html(*report.incident);
    html += explanations_html(report);
    html += markets_html(report);

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
        "each level, each ticked on the axis with its value; the gap between them is how fat the tail is.");
    html += detail::figure(
        "chart-size", "Depletion probability against fund size", detail::depletion_curve_svg(report),
        "The probability that the fund cannot pay a deficit in full within the horizon, had it started at each size; "
        "every size is evaluated on the same paths, so the curve only falls. The band is the interval of the estimate; "
        "blue lines mark the smallest fund meeting each target, grey the fund that ran.");
    html += detail::figure(
        "chart-frontier", "Margin and penalty: risk against capital efficiency", detail::frontier_svg(report),
        fmt::format("One point per maintenance margin and liquidation penalty{} (initial margin {:.3g} x maintenance; "
                    "{} paths each, the headline's seeds), one marker shape per penalty, set a few pixels apart when "
                    "they share a leverage; bars are the depletion's interval. Right is more leverage offered to "
                    "traders, up is more risk to the fund. The ringed point is the configuration that ran; "
                    "dark-edged points, joined by the dashed line, are the efficient frontier: no other setting offers "
                    "as much leverage with less risk. Hover a point for its figures.",
                    sc.market_count() > 1 ? fmt::format(" of the first market, {}", xml_escape(sc.market_name)) : std::string(),
                    report.grid_initial_to_maintenance, grouped(static_cast<double>(report.grid_paths))));
    if (!report.target_fan.levels.empty()) {
        const FundTargetConfig& t = *sc.fund.target;
        html += detail::figure(
            "chart-target", "Fund against its target", detail::target_chart_svg(report),
            fmt::format("The target at every step: the larger of {:g}% of open interest and the bad debt the {} accounts "
                        "that would leave the most would leave with every position moved {:g}% against itself (Cover-{}). "
                        "The fund fell below it on {} of {} paths ({}).",
                        100.0 * t.open_interest_fraction.to_double(), t.cover, 100.0 * t.shock.to_double(), t.cover,
                        grouped(static_cast<double>(report.paths_below_target)), grouped(static_cast<double>(s.paths)),
                        percent_interval(report.below_target)));
    }
    html += "</div>\n";

    if (report.predictive_margin) {
        html += "<h2>Predictive margins against static margins, same seeds</h2>\n" +
                predictive_margin_html(*report.predictive_margin);
    }
    for (const PairedComparison& c : report.comparisons) html += detail::comparison_html(c, report.confidence);
    if (report.gamma_study) {
        html += "<h2>Options: net gamma, liquidations and the fund; portfolio against per-position margin</h2>\n" +
                gamma_study_html(*report.gamma_study);
    }
    if (!report.calibration_skipped.empty()) {
        html += "<h2>Fund size for a target depletion probability</h2>\n<p>Not calibrated: " +
                xml_escape(report.calibration_skipped) + ".</p>\n";
    } else {
        html += "<h2>Fund size for a target depletion probability</h2>\n<table>\n<tr><th>target</th><th>smallest "
                "fund (USDC)</th><th>interval low (USDC)</th><th>interval high (USDC)</th><th>paths</th></tr>\n";
        for (const FundSizeEstimate& e : report.calibrated) {
            html += fmt::format("<tr><td>{:g}%</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                                100.0 * e.target_probability, grouped(e.size), grouped(e.size_low),
                                e.enough_paths ? grouped(e.size_high) : std::string("more paths needed"),
                                grouped(static_cast<double>(e.paths)));
        }
        html += fmt::format("</table>\n<p>The interval inverts the {:g}% Clopper-Pearson band of the depletion "
                            "probability: below its low end the fund is too small with that confidence, from its high end "
                            "on it is large enough.</p>\n",
                            100.0 * report.confidence);
    }

    html += "<h2>Who bears what the fund cannot pay: the same paths under each policy</h2>\n<table>\n<tr><th>policy"
            "</th><th>paths socializing</th><th>socialized (USDC)</th><th>borne by traders (USDC)</th><th>borne by the "
            "maker (USDC)</th><th>taken beyond the deficit (USDC)</th><th>charges per path</th><th>notional deleveraged "
            "(USDC)</th><th>uncovered (USDC)</th><th>worst path (USDC)</th></tr>\n";
    for (const PolicyOutcome& p : report.policies) {
        html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                            "<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                            name_of(p.policy), grouped(static_cast<double>(p.paths_socializing)), grouped(p.mean_socialized),
                            grouped(p.mean_borne_by_traders), grouped(p.mean_borne_by_maker),
                            grouped(p.mean_taken_beyond_deficit, 2), grouped(p.mean_charges, 1),
                            grouped(p.mean_deleveraged_notional), grouped(p.mean_uncovered),
                            grouped(p.largest_path_socialized));
    }
    html += "</table>\n<p>Means are per path over all paths. Paths that never deplete the fund never reach the "
            "policy, so they are identical under every policy; the depleted ones were run again under each policy with "
            "the same seeds. The market maker's column includes the liquidator (both are the venue's accounts). Ranked ADL closes the most profitable, most leveraged positions against the defaulter "
            "(notional deleveraged); a pro-rata haircut charges every account in profit; funding socialization charges "
            "every open position, winners and losers, through the funding index. Charges round in the protocol's "
            "favour, so a policy can take slightly more than the deficit.</p>\n";

    html += detail::grid_html(report);
    if (report.adl) html += adl_benchmark_html(*report.adl);
    html += "<h2>Scenario</h2>\n<p>Load it back with <code>--scenario</code> to reproduce this report bit for bit."
            "</p>\n<pre>" +
            xml_escape(scenario_to_json(sc).dump(2)) + "</pre>\n";
    html += "<p>Generated by backstop. The figures of every chart are in report.json and csv/, at full precision.</p>\n";
    // The only script: it records that the page's charts are in place (the browser test reads it).
    html += "<script>document.body.dataset.chartsRendered = "
            "String(document.querySelectorAll('figure.chart svg').length);</script>\n";
    html += "</body>\n</html>\n";
    return html;
}

}  // namespace risk
}  // namespace backstop
