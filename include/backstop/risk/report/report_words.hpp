// The report in words: what was simulated (markets, model, horizon, traders, fund, paths), the
// figures a reader questions first explained from how the lab computes them, and the per-market
// table of a scenario with several markets. HTML for the page, short plain text for the console.
#pragma once

#include "backstop/risk/report/report_format.hpp"
#include "backstop/risk/report/stress_report.hpp"
#include "backstop/risk/report/svg_plot.hpp"
#include "backstop/risk/scenario_names.hpp"

#include <fmt/format.h>

#include <cmath>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace backstop {
namespace risk {
namespace detail {

// A model's volatility a year, from what it knows of itself: its stationary variance of a step
// (log_return_variance, or a GARCH's unconditional variance), or its diffusion's volatility.
// Negative when it says nothing (a bootstrap of data).
template <class Model>
auto step_variance(const Model& m, double dt_years, int) -> decltype(m.log_return_variance(dt_years)) {
    return m.log_return_variance(dt_years);
}
template <class Model>
auto step_variance(const Model& m, double, long) -> decltype(m.unconditional_variance()) {
    return m.unconditional_variance();
}
template <class Model>
double step_variance(const Model&, double, ...) {
    return -1.0;
}
template <class Model>
auto diffusion_volatility(const Model& m, int) -> decltype(m.volatility_per_year) {
    return m.volatility_per_year;
}
template <class Model>
double diffusion_volatility(const Model&, ...) {
    return -1.0;
}

// "GARCH-jump model, about 54% a year (stationary)"; per market when the model has one figure each.
inline std::string model_words(const Scenario& sc) {
    return std::visit(
        [&](const auto& m) -> std::string {
            const std::string name = std::string(name_of(sc.model));
            const double dt = sc.step_years();
            const double variance = step_variance(m, dt, 0);
            if (variance >= 0.0 && dt > 0.0) {
                return fmt::format("{} model, volatility about {} a year (its stationary variance of a {:g} h step)",
                                   name, percent(std::sqrt(variance / dt)), sc.step_hours);
            }
            const auto volatility = diffusion_volatility(m, 0);
            if constexpr (std::is_same_v<std::decay_t<decltype(volatility)>, std::vector<double>>) {
                std::string per;
                for (std::size_t k = 0; k < volatility.size(); ++k) {
                    per += fmt::format("{}{} {}", k == 0 ? "" : ", ", xml_escape(k < sc.market_count() ? sc.market_name_of(k) : "?"),
                                       percent(volatility[k]));
                }
                return fmt::format("{} model, diffusion volatility a year: {} (plus jumps)", name, per);
            } else {
                if (volatility >= 0.0) {
                    return fmt::format("{} model, diffusion volatility {} a year (plus its jumps)", name, percent(volatility));
                }
                return fmt::format("{} model (resampled returns: the data's own volatility)", name);
            }
        },
        sc.model);
}

inline std::string market_words(const Scenario& sc, std::size_t k) {
    const MarketConfig& m = sc.market_of(k);
    const double im = static_cast<double>(m.tiers[0].initial.count()) / 1e6;
    const double mm = static_cast<double>(m.tiers[0].maintenance.count()) / 1e6;
    std::string text = fmt::format("<b>{}</b> perpetual from {} USDC: initial margin {}, maintenance {} (up to {:.3g}x "
                                   "leverage), liquidation penalty {} of the closed notional",
                                   xml_escape(sc.market_name_of(k)), grouped(sc.initial_price_of(k)), percent(im),
                                   percent(mm), im > 0.0 ? 1.0 / im : 0.0,
                                   percent(static_cast<double>(m.liquidation_penalty.count()) / 1e6));
    if (m.tier_count > 1) text += fmt::format(" (first of {} margin tiers)", m.tier_count);
    if (m.taker_fee.count() > 0 || m.maker_fee.count() > 0) {
        text += fmt::format(", fees {} taker / {} maker", percent(static_cast<double>(m.taker_fee.count()) / 1e6),
                            percent(static_cast<double>(m.maker_fee.count()) / 1e6));
    }
    if (sc.impact_of(k).kind != ImpactKind::none) text += ", with price impact from forced volume";
    if (sc.predictive_margin) {
        text += fmt::format("; the fractions are predictive: raised ahead of the stress from a GARCH volatility forecast, "
                            "at most {} per update (every {} step(s)), up to {} initial / {} maintenance",
                            percent(sc.predictive_margin->step_max.to_double()), sc.predictive_margin->update_every_steps,
                            percent(sc.predictive_margin->initial_max.to_double()),
                            percent(sc.predictive_margin->maintenance_max.to_double()));
    }
    return text;
}

inline std::string fund_words(const Scenario& sc) {
    const FundSetup& f = sc.fund;
    std::string text = fmt::format("starts at {}; fee capture {}, settlement {}, what it cannot pay goes to {}",
                                   usdc(f.initial), name_of(f.fee_capture), name_of(f.settlement), name_of(f.socialized_loss));
    if (f.dynamic_penalty) text += "; a dynamic liquidation penalty";
    if (f.target) text += "; a target from open interest and Cover-N";
    if (f.base_asset_fraction > 0.0) text += fmt::format("; {} held in the base asset", percent(f.base_asset_fraction));
    if (f.staking) text += fmt::format("; {} from outside stakers who may run", percent(f.staking->staked_fraction));
    if (f.yield) text += "; capital above a floor placed for yield";
    if (f.hedge) text += "; a short perpetual hedging the base asset";
    return text;
}

}  // namespace detail

// "What was simulated", in words, for the page.
inline std::string simulated_html(const StressReport& report) {
    const Scenario& sc = report.scenario;
    const Population& p = sc.population;
    std::string html = "<section id=\"simulated\">\n<h2>What was simulated</h2>\n<ul>\n";
    for (std::size_t k = 0; k < sc.market_count(); ++k) html += "<li>Market: " + detail::market_words(sc, k) + ".</li>\n";
    html += "<li>Prices: " + detail::model_words(sc) +
            (sc.shocks.empty() ? std::string() : fmt::format(", and {} scheduled gap(s)", sc.shocks.size())) + ".</li>\n";
    html += fmt::format("<li>Horizon: {} steps of {:g} h ({:g} days); traders are liquidated at each step's mark{}.</li>\n",
                        grouped(sc.horizon_steps), sc.step_hours, sc.horizon_steps * sc.step_hours / 24.0,
                        p.liquidator_delay_steps > 0 ? fmt::format(", {} step(s) after they fall below maintenance",
                                                                   p.liquidator_delay_steps)
                                                     : std::string());
    html += fmt::format("<li>Traders: {}, entering over the first {} steps, leverage uniform from {:g}x to {:g}x (capped by "
                        "the market's maximum), collateral log-normal with median {} (log sd {:g}), {} long.</li>\n",
                        grouped(p.trader_count), p.entry_steps, p.leverage_min, p.leverage_max,
                        usdc(p.collateral_median), p.collateral_log_sigma, percent(p.long_fraction));
    if (sc.market_count() > 1) {
        html.insert(html.size() - 6, fmt::format("; each trader's main market drawn {}, and {} of them also hold a position in a "
                                                 "second market on the same cross-margined account",
                                                 p.market_weights.empty() ? "with equal weights" : "by the scenario's weights",
                                                 percent(p.second_market_fraction)));
    }
    html += "<li>Insurance fund: " + detail::fund_words(sc) + ".</li>\n";
    html += fmt::format("<li>Paths: {}, seed {} (path p always draws from the stream (seed, p)); intervals at {:g}% "
                        "confidence.</li>\n</ul>\n</section>\n",
                        grouped(sc.paths), sc.seed, 100.0 * report.confidence);
    return html;
}

// Three lines for the console.
inline std::string simulated_console(const StressReport& report) {
    const Scenario& sc = report.scenario;
    const Population& p = sc.population;
    std::string markets;
    for (std::size_t k = 0; k < sc.market_count(); ++k) {
        const MarketConfig& m = sc.market_of(k);
        markets += fmt::format("{}{} (IM {}, MM {}, penalty {})", k == 0 ? "" : ", ", sc.market_name_of(k),
                               percent(static_cast<double>(m.tiers[0].initial.count()) / 1e6),
                               percent(static_cast<double>(m.tiers[0].maintenance.count()) / 1e6),
                               percent(static_cast<double>(m.liquidation_penalty.count()) / 1e6));
    }
    return fmt::format("simulated: {}{}; {} model; {} steps of {:g} h; {} traders at {:g}x-{:g}x, median collateral {}\n"
                       "fund {}; policies {} / {} / {}; {} paths, seed {}\n",
                       markets, sc.predictive_margin ? ", predictive margins" : "", name_of(sc.model), grouped(sc.horizon_steps), sc.step_hours, grouped(p.trader_count),
                       p.leverage_min, p.leverage_max, usdc(p.collateral_median), usdc(sc.fund.initial),
                       name_of(sc.fund.fee_capture), name_of(sc.fund.settlement), name_of(sc.fund.socialized_loss),
                       grouped(sc.paths), sc.seed);
}

// The figures a committee questions, each explained from how the lab computes it.
inline std::string explanations_html(const StressReport& report) {
    const Scenario& sc = report.scenario;
    const RunStatistics& s = report.statistics;
    std::string html = "<section id=\"explained\">\n<h2>Figures that need a word</h2>\n<ul>\n";
    html += fmt::format(
        "<li><b>{} liquidations per path with {} traders</b> (at most {} on one path): a liquidation is partial when "
        "closing part of an account's position restores its margin, so an account falling further is liquidated again, "
        "up to four times a step; each counts. They closed {} of notional per path.</li>\n",
        grouped(s.mean_liquidations), grouped(sc.population.trader_count), grouped(static_cast<double>(report.max_liquidations)),
        usdc(report.mean_closed_notional));
    html += fmt::format(
        "<li><b>The fund ends at {} on average from {}</b>: it collects the liquidation penalties ({} per path) and its "
        "share of trading fees ({}), and pays the bad debt it can ({} per path); what management adds or takes "
        "(yield, stakers, a hedge) comes on top. A rising fund is the penalty working, not a free lunch: traders paid "
        "it.</li>\n",
        usdc(report.mean_fund_final), usdc(sc.fund.initial), usdc(report.mean_penalties_to_fund),
        usdc(report.mean_fees_to_fund), usdc(report.mean_fund_paid));
    if (!report.depletion_curve.empty()) {
        const DepletionPoint& zero = report.depletion_curve.front();
        html += fmt::format(
            "<li><b>{} depletion with no fund at all</b>: a fund starting at zero is depleted only on paths where a "
            "deficit fell due before the penalties collected until then could pay it; on the others the penalties paid "
            "the bad debt as it came. So the depletion curve starts at {} of paths, not at 100%.</li>\n",
            percent_interval(zero.probability), percent(zero.probability.estimate));
    }
    html += fmt::format(
        "<li><b>Depletion {}</b> means the fund could not pay a deficit in full at some step of the path: the "
        "remainder went to {}. It is a share of {} paths with its interval; a smaller share than about 3 / paths "
        "cannot be told from zero.</li>\n",
        percent_interval(s.depletion_wilson), name_of(sc.fund.socialized_loss), grouped(static_cast<double>(s.paths)));
    html += "</ul>\n</section>\n";
    return html;
}

// With several markets: where the shortfalls came from, per market, next to the total.
inline std::string markets_html(const StressReport& report) {
    const RunStatistics& s = report.statistics;
    if (s.markets.size() < 2) return {};
    std::string html = fmt::format(
        "<section id=\"per-market\">\n<h2>Per market</h2>\n<table>\n<tr><th>market</th><th>paths with a shortfall from it</th>"
        "<th>P(shortfall from it), {:g}% interval</th><th>P(the fund ran out there), interval</th><th>liquidations per path</th><th>bad debt per path (USDC), interval"
        "</th><th>socialized per path (USDC)</th><th>closed notional per path (USDC)</th><th>median price drawdown</th>"
        "</tr>\n",
        100.0 * report.confidence);
    for (const MarketStatistics& m : s.markets) {
        html += fmt::format("<tr><td>{}</td><td>{} of {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}"
                            "</td><td>{}</td></tr>\n",
                            xml_escape(m.name), grouped(static_cast<double>(m.shortfall_paths)),
                            grouped(static_cast<double>(s.paths)), percent_interval(m.shortfall),
                            percent_interval(m.first_shortfall),
                            grouped(m.mean_liquidations, 1),
                            usdc_interval(m.mean_bad_debt.estimate, m.mean_bad_debt.lower, m.mean_bad_debt.upper),
                            grouped(m.mean_socialized), grouped(m.mean_closed_notional), percent(m.price_drawdown_median));
    }
    html += fmt::format("<tr class=\"total\"><td>all markets: fund depleted</td><td>{} of {}</td><td>{}</td><td></td><td>{}</td>"
                        "<td>{}</td><td>{}</td><td></td><td></td></tr>\n</table>\n",
                        grouped(static_cast<double>(s.depleted_paths)), grouped(static_cast<double>(s.paths)),
                        percent_interval(s.depletion_wilson), grouped(s.mean_liquidations, 1),
                        usdc_interval(s.mean_bad_debt, report.intervals.bad_debt.lower, report.intervals.bad_debt.upper),
                        grouped(s.mean_socialized));
    html += "<p>A path counts in a market when a liquidation closing a position there left a remainder beyond the fund; "
            "a cross-margined account's liquidation closes positions in several markets, so a path can count in more "
            "than one and the shares need not add up to the total (once the fund is empty, every market's liquidations leave one). "
            "Where the fund ran out is the market of the path's first shortfall (two for a cross-margined account). Bad debt and what was socialized are attributed to "
            "the markets in proportion to the notional each liquidation closed in them.</p>\n</section>\n";
    return html;
}

inline std::string markets_console(const StressReport& report) {
    const RunStatistics& s = report.statistics;
    if (s.markets.size() < 2) return {};
    std::string out = "  per market: shortfall from it [interval]; the fund ran out there; liquidations, bad debt per path\n";
    for (const MarketStatistics& m : s.markets) {
        out += fmt::format("  {:<34} {:.2f}%  [{:.2f}%, {:.2f}%];  {:.2f}%;  {} liq., {}\n", "market " + m.name,
                           100.0 * m.shortfall.estimate, 100.0 * m.shortfall.lower, 100.0 * m.shortfall.upper,
                           100.0 * m.first_shortfall.estimate,
                           grouped(m.mean_liquidations, 1), usdc(m.mean_bad_debt.estimate));
    }
    return out;
}

}  // namespace risk
}  // namespace backstop
