// The console summary of a stress report: what was simulated in two lines, then one figure per
// line, a label then the value with its unit, so a person reads it and a script (or a test) can
// find any figure by its label. Probabilities are percentages with two decimals (four of the
// fraction), money has thousands separators, two decimals and its unit; the JSON has the same
// figures at full precision.
#pragma once

#include "backstop/risk/report/incident_report.hpp"
#include "backstop/risk/report/report_format.hpp"
#include "backstop/risk/report/report_words.hpp"
#include "backstop/risk/report/stress_report.hpp"
#include "backstop/risk/scenario_names.hpp"

#include <fmt/format.h>

#include <string>

namespace backstop {
namespace risk {

inline constexpr int console_label_width = 34;

inline std::string console_summary(const StressReport& report) {
    const Scenario& sc = report.scenario;
    const RunStatistics& s = report.statistics;
    std::string out;
    auto row = [&](const std::string& label, const std::string& value) {
        out += fmt::format("  {:<{}} {}\n", label, console_label_width, value);
    };
    auto money = [](double x) { return usdc(x, 2); };
    auto pct = [](double p) { return fmt::format("{:.2f}%", 100.0 * p); };
    auto probability = [&](const BinomialInterval& i) {
        return fmt::format("{}  [{}, {}]", pct(i.estimate), pct(i.lower), pct(i.upper));
    };
    out += "backstop stress test\n" + simulated_console(report);
    out += fmt::format("  {:-<{}}\n", "", console_label_width + 30);
    row("depleted paths", fmt::format("{} of {}", s.depleted_paths, s.paths));
    row("depletion probability (Wilson)", probability(s.depletion_wilson));
    row("depletion probability (C-P)", probability(s.depletion_clopper_pearson));
    const HeadlineIntervals& in = report.intervals;
    const auto range = [](double low, double high) { return fmt::format("  [{} to {}]", grouped(low), grouped(high)); };
    for (std::size_t i = 0; i < s.fund_loss.size(); ++i) {
        const TailMeasure& t = s.fund_loss[i];
        const bool boot = i < in.value_at_risk.size();
        row(fmt::format("fund loss VaR {:g}%", 100.0 * t.level),
            money(t.value_at_risk) + (boot ? range(in.value_at_risk[i].lower, in.value_at_risk[i].upper) : ""));
        row(fmt::format("fund loss ES {:g}%", 100.0 * t.level),
            money(t.expected_shortfall) + (boot ? range(in.expected_shortfall[i].lower, in.expected_shortfall[i].upper) : ""));
    }
    row("fund lowest balance, 1% quantile", money(s.fund_min_p01));
    row("fund lowest balance, median", money(s.fund_min_median));
    row("mean final fund", money(report.mean_fund_final) + range(in.fund_final.lower, in.fund_final.upper));
    row("mean penalties to fund", money(report.mean_penalties_to_fund));
    row("mean bad debt", money(s.mean_bad_debt) + range(in.bad_debt.lower, in.bad_debt.upper));
    row("mean socialized", money(s.mean_socialized));
    row("mean liquidations per path", grouped(s.mean_liquidations, 2));
    row("paths not conserved", fmt::format("{}", s.paths_not_conserved));
    if (report.incident) out += incident_console(*report.incident, console_label_width);
    for (const FundSizeEstimate& e : report.calibrated) {
        row(fmt::format("fund for {:g}% depletion", 100.0 * e.target_probability),
            e.enough_paths ? fmt::format("{}  [{} to {}]", money(e.size), grouped(e.size_low, 2), grouped(e.size_high, 2))
                           : fmt::format("{}  (too few paths for an interval)", money(e.size)));
    }
    for (const PolicyOutcome& p : report.policies) {
        row(fmt::format("socialized under {}", name_of(p.policy)),
            fmt::format("{}  (traders {}, maker {})", money(p.mean_socialized), grouped(p.mean_borne_by_traders, 2),
                        grouped(p.mean_borne_by_maker, 2)));
    }
    for (const PairedComparison& c : report.comparisons) {
        for (const bool first : {true, false}) {
            const PenaltyArm& a = first ? c.first : c.second;
            row(fmt::format("{}: {}", c.what, first ? c.first_name : c.second_name),
                fmt::format("depletion {}  C-P [{}, {}]", probability(a.statistics.depletion_wilson),
                            pct(a.statistics.depletion_clopper_pearson.lower), pct(a.statistics.depletion_clopper_pearson.upper)));
            if (!c.gain_label.empty()) {
                row(fmt::format("{}: {}, {}", c.what, first ? c.first_name : c.second_name, c.gain_label),
                    fmt::format("{}  [{} to {}]", usdc(a.management_gain.mean), grouped(a.management_gain.lower),
                                grouped(a.management_gain.upper)));
            }
            if (c.show_loss_spread) {
                row(fmt::format("{}: {}, fund loss sd / ES {:g}%", c.what, first ? c.first_name : c.second_name,
                                100.0 * a.es_level),
                    fmt::format("{} [{} to {}]  /  {} [{} to {}] USDC", grouped(a.fund_loss_sd.estimate),
                                grouped(a.fund_loss_sd.lower), grouped(a.fund_loss_sd.upper), grouped(a.fund_loss_es.estimate),
                                grouped(a.fund_loss_es.lower), grouped(a.fund_loss_es.upper)));
            }
        }
        row(fmt::format("{}: paired test", c.what),
            fmt::format("{} vs {} paths depleted in one arm only, McNemar p = {:.3g}", c.first_only, c.second_only,
                        c.mcnemar_p_value));
    }
    if (report.predictive_margin) {
        const PredictiveMarginComparison& c = *report.predictive_margin;
        for (const bool fixed : {true, false}) {
            const PredictiveMarginArm& a = fixed ? c.static_margin : c.predictive_margin;
            row(fmt::format("{} margins", fixed ? "static" : "predictive"),
                fmt::format("depletion {}, leverage allowed {:.2f}x [{:.2f}, {:.2f}]", probability(a.depletion),
                            a.leverage_allowed.mean, a.leverage_allowed.lower, a.leverage_allowed.upper));
        }
        row("predictive margins: paired test",
            fmt::format("{} vs {} paths depleted in one arm only, McNemar p = {:.3g}; forecast r^2 {:.4f} [{:.4f}, {:.4f}] "
                        "out of sample",
                        c.depleted_static_only, c.depleted_predictive_only, c.mcnemar_p_value, c.forecast.r_squared,
                        c.forecast.r_squared_lower, c.forecast.r_squared_upper));
    }
    if (report.gamma_study) {
        const GammaStudy& g = *report.gamma_study;
        for (const GammaArm& a : g.gamma_arms) {
            row(fmt::format("options: {:.0f}% write", 100.0 * a.writer_fraction),
                fmt::format("net gamma {:.0f}, depletion {}, bad debt {:.0f} [{:.0f}, {:.0f}] a path", a.net_dollar_gamma,
                            probability(a.depletion), a.bad_debt.mean, a.bad_debt.lower, a.bad_debt.upper));
        }
        if (g.matched) {
            const GammaArm& m = g.capital_arms[g.matched_arm];
            row("options: portfolio margin saves",
                fmt::format("{:.1f}% of capital at no more depletion ({} against {}; McNemar p = {:.3g})",
                            100.0 * g.capital_saved, probability(m.depletion), probability(g.per_position.depletion),
                            g.mcnemar_p_value));
        }
        if (g.has_whole_books) {
            row("options: books liquidated whole",
                fmt::format("depletion {} against {} by risk reduction (McNemar p = {:.3g})", probability(g.whole_books.depletion),
                            probability(g.gamma_arms[g.whole_books_paired_arm].depletion), g.whole_books_p_value));
        }
    }
    if (report.adl) {
        // A synthetic event (risk/adl_event.hpp), the same in every report; the queue's figure
        // depends on a few whales, so its spread over seeds goes with it.
        std::string ratios;
        for (const AdlPolicyResult& p : report.adl->policies) {
            ratios += fmt::format("{}{} {:.3f}x", ratios.empty() ? "" : ", ", adl_policy_name(p.policy), p.ratio);
        }
        row("ADL, synthetic Oct 10: taken/need", ratios);
        if (report.adl->seed_robustness) {
            const AdlSeedRobustness& r = *report.adl->seed_robustness;
            row("ADL, synthetic Oct 10: queue", fmt::format("{:.2f}x median over {} seeds (p10-p90 {:.2f}-{:.2f}x; published "
                                                            "{:.2f}x)",
                                                            r.ratio_median, r.seeds, r.ratio_p10, r.ratio_p90,
                                                            oct10_production_ratio));
        }
    }
    if (sc.fund.target) {
        row("paths below the fund's target", fmt::format("{} of {}  {}", report.paths_below_target, s.paths,
                                                          probability(report.below_target)));
    }
    if (!report.calibration_skipped.empty()) row("fund size calibration", "skipped: the policies look at the balance");
    out += markets_console(report);
    std::size_t frontier = 0;
    const GridCell* running = nullptr;
    for (const GridCell& c : report.grid) {
        frontier += c.on_frontier ? 1u : 0u;
        running = c.running ? &c : running;
    }
    if (!report.grid.empty()) {
        row("grid cells on the frontier", fmt::format("{} of {}", frontier, report.grid.size()));
        row("grid paths per cell", fmt::format("{} (the headline's seeds)", report.grid_paths));
    }
    if (running != nullptr) {
        row("grid: this market's cell", fmt::format("{}  [{}, {}]", pct(running->depletion.probability.estimate),
                                                   pct(running->depletion.probability.lower),
                                                   pct(running->depletion.probability.upper)));
    }
    return out;
}

}  // namespace risk
}  // namespace backstop
