// The ADL benchmark (risk/adl_benchmark.hpp) as report pieces: a markdown table for the docs,
// JSON, and an HTML fragment (a table of per-policy totals and an inline SVG chart, chart-adl:
// per wave, what each policy took against what was needed, on a log10 axis), each with the
// across-seed spread of the queue's ratio and the regret definition in words (ours, not the
// paper's). The integrator places the fragment; nothing here writes files.
#pragma once

#include "backstop/risk/adl_benchmark.hpp"
#include "backstop/risk/report/svg_plot.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <string>

namespace backstop {
namespace risk {
namespace detail {

inline double adl_usd(std::int64_t atoms) { return static_cast<double>(atoms) / 1e6; }
inline std::int64_t adl_atoms(double usd) { return static_cast<std::int64_t>(std::llround(usd * 1e6)); }

inline std::string adl_usd_text(std::int64_t atoms) {
    // Whole USD with thousands separators, keeping the sign: the table reads like the paper's.
    const double usd = adl_usd(atoms);
    const auto whole = static_cast<long long>(std::llround(std::fabs(usd)));
    std::string digits = std::to_string(whole);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return (usd < 0.0 && whole != 0 ? "-" : "") + out;
}

inline const char* adl_policy_color(AdlPolicy policy) {
    switch (policy) {
        case AdlPolicy::production_queue: return "#d62728";
        case AdlPolicy::pro_rata: return "#1f77b4";
        case AdlPolicy::water_filling: return "#2ca02c";
        case AdlPolicy::whole_lots: return "#9467bd";
    }
    return "#777";
}

// One sentence on the queue's ratio across seeds; empty when the benchmark did not compute it.
inline std::string adl_seed_text(const AdlBenchmarkResult& result) {
    if (!result.seed_robustness || result.seed_robustness->seeds == 0) return {};
    const AdlSeedRobustness& s = *result.seed_robustness;
    return fmt::format(
        "Across {} seeds ({}..{}, outside the calibration sample 1..15), the production queue took {:.2f}x the need "
        "at the median (p10-p90 {:.2f}-{:.2f}, min-max {:.2f}-{:.2f}; excess/needed median {:.2f}, p10-p90 "
        "{:.2f}-{:.2f}, published 2.99); {} of {} seeds are within a factor 1.5 of the published {:.2f}x.",
        s.seeds, s.seed_first, s.seed_first + s.seeds - 1, s.ratio_median, s.ratio_p10, s.ratio_p90, s.ratio_min,
        s.ratio_max, s.excess_median, s.excess_p10, s.excess_p90, s.within_factor_1_5, s.seeds,
        oct10_production_ratio);
}

inline std::string adl_regret_text(const AdlBenchmarkResult& result) {
    return fmt::format(
        "Regret is our definition, not the paper's (arXiv 2602.15182 reports ~50% for the queue and ~2.6% for its "
        "best policy against a bound we could not obtain; the figures are not directly comparable): per wave the "
        "excess taken plus any coverable need left uncovered, against the exact cover (loss 0), over the most any "
        "close-whole-positions-until-covered rule can overshoot on this event, sum of min(largest winner capacity, "
        "capacity - needed) = {} USD.",
        adl_usd_text(adl_atoms(result.regret_bound_usd)));
}

inline std::string adl_chart_svg(const AdlBenchmarkResult& result) {
    const std::vector<AdlWaveOutcome>& needed = result.policies.front().waves;
    double top = 1.0;
    for (const auto& p : result.policies) {
        for (const auto& w : p.waves) top = std::max(top, std::log10(std::max(1.0, adl_usd(w.taken_atoms))));
    }
    const auto wave_count = static_cast<double>(needed.size());
    SvgPlot plot({0.0, wave_count}, {0.0, std::ceil(top)}, "wave, in time order (Oct 10 2025, 21:16-21:26 UTC)",
                 "amount, log10 (USD; 6 = 1M)", TickFormat::number, TickFormat::number, 720.0, 380.0);
    const double slot = 1.0 / (1.0 + static_cast<double>(result.policies.size()));
    for (std::size_t i = 0; i < needed.size(); ++i) {
        const double x0 = static_cast<double>(i) + 0.5 * slot;
        const double need = std::log10(std::max(1.0, adl_usd(needed[i].needed_atoms)));
        plot.bar(x0, x0 + slot, need, "#bbbbbb",
                 fmt::format("wave {}: needed {} USD", needed[i].wave, adl_usd_text(needed[i].needed_atoms)));
        for (std::size_t p = 0; p < result.policies.size(); ++p) {
            const AdlWaveOutcome& w = result.policies[p].waves[i];
            const double xp = x0 + static_cast<double>(p + 1) * slot;
            plot.bar(xp, xp + slot, std::log10(std::max(1.0, adl_usd(w.taken_atoms))),
                     adl_policy_color(result.policies[p].policy),
                     fmt::format("wave {}, {}: took {} USD ({:.2f}x needed)", w.wave,
                                 adl_policy_name(result.policies[p].policy), adl_usd_text(w.taken_atoms), w.ratio));
        }
    }
    plot.legend("#bbbbbb", "needed");
    for (const auto& p : result.policies) plot.legend(adl_policy_color(p.policy), adl_policy_name(p.policy));
    return plot.svg("ADL: taken against needed, per wave");
}

}  // namespace detail

inline std::string adl_benchmark_markdown(const AdlBenchmarkResult& result) {
    std::string out =
        "| policy | needed (USD) | taken (USD) | overshoot (USD) | taken/needed | largest haircut | haircut Gini | "
        "touched | closed | regret (USD) | regret (% of bound) | conserved |\n"
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n";
    for (const AdlPolicyResult& p : result.policies) {
        out += fmt::format("| {} | {} | {} | {} | {:.3f} | {:.1f}% | {:.3f} | {} | {} | {} | {:.3f}% | {} |\n",
                           adl_policy_name(p.policy), detail::adl_usd_text(p.needed_atoms),
                           detail::adl_usd_text(p.taken_atoms), detail::adl_usd_text(p.overshoot_atoms), p.ratio,
                           100.0 * p.largest_haircut, p.haircut_gini, p.touched, p.closed,
                           detail::adl_usd_text(detail::adl_atoms(p.regret_usd)), 100.0 * p.regret_normalised,
                           p.conserved ? "yes" : "NO");
    }
    out += fmt::format(
        "\nPublished (Hyperliquid, Oct 10 2025): needed 15,079,670, production took 60,108,335 (3.99x), excess "
        "45.03M. Synthetic event: {} winners over 16 waves, seed {}; generated equity/PnL ratio p10 {:.2f}, median "
        "{:.2f}, p90 {:.2f} (published 2.28, 4.41, 14.96). {}\n",
        result.winners, result.config.event.seed, result.equity_pnl_p10, result.equity_pnl_median,
        result.equity_pnl_p90, detail::adl_regret_text(result));
    if (const std::string seeds = detail::adl_seed_text(result); !seeds.empty()) out += "\n" + seeds + "\n";
    return out;
}

inline nlohmann::json adl_benchmark_json(const AdlBenchmarkResult& result) {
    nlohmann::json policies = nlohmann::json::array();
    for (const AdlPolicyResult& p : result.policies) {
        nlohmann::json waves = nlohmann::json::array();
        for (const AdlWaveOutcome& w : p.waves) {
            waves.push_back({{"wave", w.wave},
                             {"needed_usd", detail::adl_usd(w.needed_atoms)},
                             {"taken_usd", detail::adl_usd(w.taken_atoms)},
                             {"overshoot_usd", detail::adl_usd(w.overshoot_atoms)},
                             {"ratio", w.ratio},
                             {"largest_haircut", w.largest_haircut},
                             {"haircut_gini", w.haircut_gini},
                             {"touched", w.touched},
                             {"closed", w.closed},
                             {"regret_usd", detail::adl_usd(w.loss_atoms)},
                             {"regret_bound_usd", detail::adl_usd(w.regret_bound_atoms)},
                             {"conserved", w.conserved}});
        }
        policies.push_back({{"policy", adl_policy_name(p.policy)},
                            {"needed_usd", detail::adl_usd(p.needed_atoms)},
                            {"taken_usd", detail::adl_usd(p.taken_atoms)},
                            {"overshoot_usd", detail::adl_usd(p.overshoot_atoms)},
                            {"ratio", p.ratio},
                            {"largest_haircut", p.largest_haircut},
                            {"haircut_gini", p.haircut_gini},
                            {"touched", p.touched},
                            {"closed", p.closed},
                            {"regret_usd", p.regret_usd},
                            {"regret_normalised", p.regret_normalised},
                            {"conserved", p.conserved},
                            {"waves", waves}});
    }
    const AdlEventConfig& e = result.config.event;
    nlohmann::json seeds = nullptr;
    if (result.seed_robustness) {
        const AdlSeedRobustness& s = *result.seed_robustness;
        seeds = {{"policy", adl_policy_name(AdlPolicy::production_queue)},
                 {"seed_first", s.seed_first},
                 {"seeds", s.seeds},
                 {"ratios", s.ratios},
                 {"ratio", {{"median", s.ratio_median}, {"p10", s.ratio_p10}, {"p90", s.ratio_p90},
                            {"min", s.ratio_min}, {"max", s.ratio_max}}},
                 {"excess_over_needed", {{"median", s.excess_median}, {"p10", s.excess_p10}, {"p90", s.excess_p90},
                                         {"min", s.excess_min}, {"max", s.excess_max}}},
                 {"published_ratio", oct10_production_ratio},
                 {"within_factor_1_5", s.within_factor_1_5}};
    }
    return {{"event",
             {{"seed", e.seed},
              {"winners_per_wave", e.winners_per_wave},
              {"pnl_scale_usd", e.pnl_scale_usd},
              {"whale_ratio_correlation", e.whale_ratio_correlation},
              {"pnl_tail_alpha", e.pnl_tail_alpha},
              {"pnl_max_usd", e.pnl_max_usd}}},
            {"equity_pnl_quantiles", {{"p10", result.equity_pnl_p10}, {"median", result.equity_pnl_median}, {"p90", result.equity_pnl_p90}}},
            {"regret", {{"definition", adl_regret_definition},
                        {"comparable_with_paper", false},
                        {"bound_usd", result.regret_bound_usd}}},
            {"seed_robustness", seeds},
            {"published", {{"needed_usd", oct10_needed_total_usd}, {"production_usd", oct10_production_total_usd}}},
            {"policies", policies}};
}

inline std::string adl_benchmark_html(const AdlBenchmarkResult& result) {
    std::string out = "<section class=\"adl-benchmark\">\n<h2>ADL that takes no more than needed</h2>\n";
    out += "<table class=\"adl-table\">\n<thead><tr><th>policy</th><th>needed (USD)</th><th>taken (USD)</th>"
           "<th>overshoot (USD)</th><th>taken/needed</th><th>largest haircut</th><th>haircut Gini</th>"
           "<th>regret (USD)</th><th>regret (% of bound)</th><th>conserved</th></tr></thead>\n<tbody>\n";
    for (const AdlPolicyResult& p : result.policies) {
        out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.3f}</td><td>{:.1f}%</td>"
                           "<td>{:.3f}</td><td>{}</td><td>{:.3f}%</td><td>{}</td></tr>\n",
                           xml_escape(adl_policy_name(p.policy)), detail::adl_usd_text(p.needed_atoms),
                           detail::adl_usd_text(p.taken_atoms), detail::adl_usd_text(p.overshoot_atoms), p.ratio,
                           100.0 * p.largest_haircut, p.haircut_gini,
                           detail::adl_usd_text(detail::adl_atoms(p.regret_usd)), 100.0 * p.regret_normalised,
                           p.conserved ? "yes" : "NO");
    }
    out += "</tbody>\n</table>\n";
    out += "<p class=\"adl-regret\">" + xml_escape(detail::adl_regret_text(result)) + "</p>\n";
    if (const std::string seeds = detail::adl_seed_text(result); !seeds.empty()) {
        out += "<p class=\"adl-seeds\">" + xml_escape(seeds) + "</p>\n";
    }
    out += "<figure class=\"chart\" id=\"chart-adl\">\n" + detail::adl_chart_svg(result) +
           "\n<figcaption>Per wave, the needed budget (grey) and what each policy took, log10 USD. The production "
           "queue closes whole positions; the others take exactly the need, whole lots up to one lot more. Published "
           "production total: 60,108,335 USD for 15,079,670 needed (3.99x).</figcaption>\n</figure>\n</section>\n";
    return out;
}

}  // namespace risk
}  // namespace backstop
