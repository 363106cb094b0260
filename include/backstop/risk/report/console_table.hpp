// The console summary of a stress report: one figure per line, a label then the value, so a
// person reads it and a script (or a test) can find any figure by its label. Probabilities have
// four decimals, money (quote units) two; the JSON has the same figures at full precision.
#pragma once

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
    auto money = [](double x) { return fmt::format("{:.2f}", x); };
    auto probability = [](const BinomialInterval& i) {
        return fmt::format("{:.4f}  [{:.4f}, {:.4f}]", i.estimate, i.lower, i.upper);
    };
    out += fmt::format("backstop stress test: {} model, {} traders, {} steps of {} h, {} paths, seed {}\n",
                       name_of(sc.model), sc.population.trader_count, sc.horizon_steps, sc.step_hours, sc.paths,
                       sc.seed);
    out += fmt::format("fund {:.2f} USDC; policies {} / {} / {}\n", sc.fund.initial, name_of(sc.fund.fee_capture),
                       name_of(sc.fund.settlement), name_of(sc.fund.socialized_loss));
    out += fmt::format("  {:-<{}}\n", "", console_label_width + 30);
    row("depleted paths", fmt::format("{} of {}", s.depleted_paths, s.paths));
    row("depletion probability (Wilson)", probability(s.depletion_wilson));
    row("depletion probability (C-P)", probability(s.depletion_clopper_pearson));
    for (const TailMeasure& t : s.fund_loss) {
        row(fmt::format("fund loss VaR {:g}%", 100.0 * t.level), money(t.value_at_risk));
        row(fmt::format("fund loss ES {:g}%", 100.0 * t.level), money(t.expected_shortfall));
    }
    row("fund lowest balance, 1% quantile", money(s.fund_min_p01));
    row("fund lowest balance, median", money(s.fund_min_median));
    row("mean final fund", money(report.mean_fund_final));
    row("mean penalties to fund", money(report.mean_penalties_to_fund));
    row("mean bad debt", money(s.mean_bad_debt));
    row("mean socialized", money(s.mean_socialized));
    row("mean liquidations per path", fmt::format("{:.2f}", s.mean_liquidations));
    row("paths not conserved", fmt::format("{}", s.paths_not_conserved));
    for (const FundSizeEstimate& e : report.calibrated) {
        row(fmt::format("fund for {:g}% depletion", 100.0 * e.target_probability),
            e.enough_paths ? fmt::format("{:.2f}  [{:.2f}, {:.2f}]", e.size, e.size_low, e.size_high)
                           : fmt::format("{:.2f}  (too few paths for an interval)", e.size));
    }
    for (const PolicyOutcome& p : report.policies) {
        row(fmt::format("socialized under {}", name_of(p.policy)),
            fmt::format("{:.2f}  (traders {:.2f}, maker {:.2f})", p.mean_socialized, p.mean_borne_by_traders,
                        p.mean_borne_by_maker));
    }
    for (const PairedComparison& c : report.comparisons) {
        for (const bool first : {true, false}) {
            const PenaltyArm& a = first ? c.first : c.second;
            row(fmt::format("{}: {}", c.what, first ? c.first_name : c.second_name),
                fmt::format("depletion {}  C-P [{:.4f}, {:.4f}]", probability(a.statistics.depletion_wilson),
                            a.statistics.depletion_clopper_pearson.lower, a.statistics.depletion_clopper_pearson.upper));
            if (!c.gain_label.empty()) {
                row(fmt::format("{}: {}, {}", c.what, first ? c.first_name : c.second_name, c.gain_label),
                    fmt::format("{:.0f}  [{:.0f}, {:.0f}]", a.management_gain.mean, a.management_gain.lower,
                                a.management_gain.upper));
            }
            if (c.show_loss_spread) {
                row(fmt::format("{}: {}, fund loss sd / ES {:g}%", c.what, first ? c.first_name : c.second_name,
                                100.0 * a.es_level),
                    fmt::format("{:.0f} [{:.0f}, {:.0f}]  /  {:.0f} [{:.0f}, {:.0f}]", a.fund_loss_sd.estimate,
                                a.fund_loss_sd.lower, a.fund_loss_sd.upper, a.fund_loss_es.estimate, a.fund_loss_es.lower,
                                a.fund_loss_es.upper));
            }
        }
        row(fmt::format("{}: paired test", c.what),
            fmt::format("{} vs {} paths depleted in one arm only, McNemar p = {:.3g}", c.first_only, c.second_only,
                        c.mcnemar_p_value));
    }
    if (sc.fund.target) {
        row("paths below the fund's target", fmt::format("{} of {}  {}", report.paths_below_target, s.paths,
                                                          probability(report.below_target)));
    }
    if (!report.calibration_skipped.empty()) row("fund size calibration", "skipped: the policies look at the balance");
    std::size_t frontier = 0;
    for (const GridCell& c : report.grid) frontier += c.on_frontier ? 1u : 0u;
    if (!report.grid.empty()) {
        row("grid cells on the frontier", fmt::format("{} of {}", frontier, report.grid.size()));
    }
    return out;
}

}  // namespace risk
}  // namespace backstop
