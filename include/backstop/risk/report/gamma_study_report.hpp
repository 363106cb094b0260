// The gamma study (risk/gamma_study.hpp) as Markdown tables for the docs and an HTML fragment for
// the report: the arms by net gamma, then per-position against portfolio margin by capital, each
// figure with its interval, and the paired depletion test of the match.
#pragma once

#include "backstop/risk/gamma_study.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace backstop {
namespace risk {

namespace detail {

inline std::vector<std::string> gamma_arm_cells(const GammaArm& a, bool by_capital) {
    auto percent = [](const BinomialInterval& i) {
        return fmt::format("{:.1f}% [{:.1f}, {:.1f}]", 100.0 * i.estimate, 100.0 * i.lower, 100.0 * i.upper);
    };
    auto count = [](const MeanInterval& m) { return fmt::format("{:.1f} [{:.1f}, {:.1f}]", m.mean, m.lower, m.upper); };
    auto money = [](const MeanInterval& m) { return fmt::format("{:.0f} [{:.0f}, {:.0f}]", m.mean, m.lower, m.upper); };
    std::string arm = by_capital ? fmt::format("{} margin{}, cushion {:.2f}", a.per_position ? "per-position" : "portfolio",
                                               a.whole_books ? ", books liquidated whole" : "", a.cushion)
                                 : fmt::format("{:.0f}% write ({} covered, {} naked), {} buy", 100.0 * a.writer_fraction,
                                               a.covered, a.writers - a.covered, a.buyers);
    return {arm,
            fmt::format("{:.0f}", a.net_dollar_gamma),
            fmt::format("{:.0f}", a.capital),
            percent(a.depletion),
            count(a.liquidations),
            count(a.option_liquidations),
            money(a.bad_debt)};
}

inline const char* const gamma_columns[] = {"arm",
                                            "net gamma (USDC of delta per 1% move)",
                                            "option traders' capital (USDC)",
                                            "depletion (Wilson)",
                                            "liquidations per path",
                                            "of option books",
                                            "bad debt per path (USDC)"};

inline std::string gamma_markdown_table(const std::vector<const GammaArm*>& arms, bool by_capital) {
    std::string out = "|";
    for (const char* c : gamma_columns) out += fmt::format(" {} |", c);
    out += "\n|---|--:|--:|--:|--:|--:|--:|\n";
    for (const GammaArm* a : arms) {
        out += "|";
        for (const std::string& cell : gamma_arm_cells(*a, by_capital)) out += " " + cell + " |";
        out += "\n";
    }
    return out;
}

inline std::string gamma_html_table(const std::vector<const GammaArm*>& arms, bool by_capital) {
    std::string out = "<table class=\"gamma-study\">\n<thead><tr>";
    for (const char* c : gamma_columns) out += fmt::format("<th>{}</th>", c);
    out += "</tr></thead>\n<tbody>\n";
    for (const GammaArm* a : arms) {
        out += "<tr>";
        for (const std::string& cell : gamma_arm_cells(*a, by_capital)) out += "<td>" + cell + "</td>";
        out += "</tr>\n";
    }
    return out + "</tbody>\n</table>\n";
}

inline std::vector<const GammaArm*> gamma_arms_of(const GammaStudy& s) {
    std::vector<const GammaArm*> arms;
    for (const GammaArm& a : s.gamma_arms) arms.push_back(&a);
    return arms;
}
inline std::vector<const GammaArm*> capital_arms_of(const GammaStudy& s) {
    std::vector<const GammaArm*> arms{&s.per_position};
    for (const GammaArm& a : s.capital_arms) arms.push_back(&a);
    if (s.has_whole_books) arms.push_back(&s.whole_books);
    return arms;
}

inline std::string gamma_study_notes(const GammaStudy& s) {
    const GammaStudySetup& u = s.setup;
    std::string out = fmt::format(
        "{} paths per arm, seed {}, the same price moves on every arm, {:.0f}% intervals (Wilson for depletion, normal "
        "for the means over paths). {} steps of {:.3g} hours of a driftless Merton jump-diffusion (volatility {:.0f}%, "
        "{:.2f} jumps a day, log jump N({:.2f}, {:.2f})); options at {:.0f}% implied, strikes {:.0f}% out of the money, {:.0f} days to expiry; "
        "{} perpetual traders (2x to {:.0f}x) and {} option books of {:.1f} BTC a leg (median), each funded with its "
        "cushion times its initial requirement; SPAN's sixteen scenarios on +/-{:.0f}% and {:.0f} volatility points; "
        "fund {:.0f} USDC, then a pro-rata haircut. ",
        u.paths, u.seed, 100.0 * u.confidence, u.steps, u.step_hours, 100.0 * u.realised_volatility, u.jumps_per_day, u.jump_mean,
        u.jump_sigma, 100.0 * u.implied_volatility, 100.0 * u.strike_offset, u.expiry_days, u.perpetual_traders,
        u.perpetual_leverage_max, u.option_traders, u.option_size, 100.0 * u.price_scan_range,
        100.0 * u.volatility_scan_range, u.fund);
    if (s.matched) {
        const GammaArm& m = s.capital_arms[s.matched_arm];
        out += fmt::format(
            "The least portfolio capital that depletes no more often than per-position margin at cushion {:.2f} is "
            "cushion {:.2f} ({:.1f}% against {:.1f}%): {:.0f} against {:.0f} USDC, {:.1f}% {} (on the cushions tried: "
            "a bound, not an estimate, when it depletes less often); depleted in one arm only: portfolio {}, "
            "per-position {} (McNemar exact p = {:.3g}).",
            s.per_position.cushion, m.cushion, 100.0 * m.depletion.estimate, 100.0 * s.per_position.depletion.estimate,
            m.capital, s.per_position.capital, 100.0 * std::abs(s.capital_saved), s.capital_saved >= 0 ? "less" : "more",
            s.matched_only, s.per_position_only, s.mcnemar_p_value);
    } else {
        out += "No portfolio cushion tried depletes as rarely as per-position margin: try larger cushions.";
    }
    if (s.has_whole_books) {
        const GammaArm& w = s.whole_books;
        const GammaArm& r = s.gamma_arms[s.whole_books_paired_arm];
        out += fmt::format(
            " Option books liquidated whole instead of by risk reduction (cushion {:.2f}, the same writers): depletion "
            "{:.1f}% against {:.1f}%, {:.1f} liquidations of option books per path against {:.1f}; depleted in one arm "
            "only: whole books {}, risk reduction {} (McNemar exact p = {:.3g}).",
            w.cushion, 100.0 * w.depletion.estimate, 100.0 * r.depletion.estimate, w.option_liquidations.mean,
            r.option_liquidations.mean, s.whole_books_only, s.risk_reduction_only, s.whole_books_p_value);
    }
    // What would make the tables wrong, said where they are read.
    std::uint64_t refused = 0, unbalanced = 0, flat = 0;
    std::vector<const GammaArm*> all = gamma_arms_of(s);
    for (const GammaArm* a : capital_arms_of(s)) all.push_back(a);
    for (const GammaArm* a : all) {
        refused += a->refused_liquidations;
        unbalanced += a->unbalanced_paths;
        flat = std::max<std::uint64_t>(flat, a->perpetual_traders_flat);
    }
    if (refused + unbalanced + flat > 0) {
        out += fmt::format(" Warning: {} liquidations refused, {} paths whose ledger audit failed, {} perpetual traders left "
                           "flat by a limit.",
                           refused, unbalanced, flat);
    }
    return out;
}

}  // namespace detail

inline std::string gamma_study_markdown(const GammaStudy& s) {
    return "By net gamma (portfolio margin, cushion " + fmt::format("{:.2f}", s.setup.collateral_cushion) + "):\n\n" +
           detail::gamma_markdown_table(detail::gamma_arms_of(s), false) +
           fmt::format("\nPer-position against portfolio margin ({:.0f}% writers):\n\n", 100.0 * s.setup.capital_writer_fraction) +
           detail::gamma_markdown_table(detail::capital_arms_of(s), true) + "\n" + detail::gamma_study_notes(s) + "\n";
}

// A fragment (no document around it); every text in it is the lab's own.
inline std::string gamma_study_html(const GammaStudy& s) {
    return fmt::format("<p>By net gamma (portfolio margin, cushion {:.2f}):</p>\n", s.setup.collateral_cushion) +
           detail::gamma_html_table(detail::gamma_arms_of(s), false) +
           fmt::format("<p>Per-position against portfolio margin ({:.0f}% writers):</p>\n", 100.0 * s.setup.capital_writer_fraction) +
           detail::gamma_html_table(detail::capital_arms_of(s), true) + "<p>" + detail::gamma_study_notes(s) + "</p>\n";
}

}  // namespace risk
}  // namespace backstop
