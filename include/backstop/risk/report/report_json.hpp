// A stress report as JSON: every figure of the HTML page, with the scenario that produced it, so
// that a notebook can redraw or check any chart. Field names match the CSV columns.
#pragma once

#include "backstop/risk/report/adl_report.hpp"
#include "backstop/risk/report/incident_report.hpp"
#include "backstop/risk/report/scenario_json.hpp"
#include "backstop/risk/report/stress_report.hpp"
#include "backstop/risk/scenario_names.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace backstop {
namespace risk {

namespace detail {
inline nlohmann::json interval_json(const BinomialInterval& interval) {
    return {{"estimate", interval.estimate}, {"lower", interval.lower}, {"upper", interval.upper}};
}
inline nlohmann::json interval_json(const MeanInterval& m) { return {{"mean", m.mean}, {"lower", m.lower}, {"upper", m.upper}}; }
}  // namespace detail

namespace detail {
inline nlohmann::json gamma_study_json(const GammaStudy& s) {
    auto arm = [](const GammaArm& a) {
        return nlohmann::json{{"writer_fraction", a.writer_fraction},
                              {"per_position", a.per_position},
                              {"whole_books", a.whole_books},
                              {"cushion", a.cushion},
                              {"writers", a.writers},
                              {"covered", a.covered},
                              {"buyers", a.buyers},
                              {"net_dollar_gamma", a.net_dollar_gamma},
                              {"capital", a.capital},
                              {"paths", a.paths},
                              {"depleted_paths", a.depleted_paths},
                              {"depletion", interval_json(a.depletion)},
                              {"liquidations", interval_json(a.liquidations)},
                              {"option_liquidations", interval_json(a.option_liquidations)},
                              {"bad_debt", interval_json(a.bad_debt)},
                              {"fund_paid", interval_json(a.fund_paid)},
                              {"refused_liquidations", a.refused_liquidations},
                              {"unbalanced_paths", a.unbalanced_paths}};
    };
    nlohmann::json gamma = nlohmann::json::array();
    nlohmann::json capital = nlohmann::json::array();
    for (const GammaArm& a : s.gamma_arms) gamma.push_back(arm(a));
    for (const GammaArm& a : s.capital_arms) capital.push_back(arm(a));
    nlohmann::json whole = nullptr;
    if (s.has_whole_books) {
        whole = {{"arm", arm(s.whole_books)},
                 {"paired_gamma_arm", s.whole_books_paired_arm},
                 {"whole_books_only", s.whole_books_only},
                 {"risk_reduction_only", s.risk_reduction_only},
                 {"mcnemar_p_value", s.whole_books_p_value}};
    }
    return {{"seed", s.setup.seed},
            {"whole_books", whole},
            {"gamma_arms", gamma},
            {"per_position", arm(s.per_position)},
            {"capital_arms", capital},
            {"matched", s.matched},
            {"matched_arm", s.matched_arm},
            {"capital_saved", s.capital_saved},
            {"matched_only", s.matched_only},
            {"per_position_only", s.per_position_only},
            {"mcnemar_p_value", s.mcnemar_p_value}};
}

inline nlohmann::json predictive_margin_json(const PredictiveMarginComparison& c) {
    auto arm = [&](const PredictiveMarginArm& a) {
        return nlohmann::json{{"paths", a.paths},
                              {"depleted_paths", a.depleted_paths},
                              {"depletion", interval_json(a.depletion)},
                              {"bad_debt", interval_json(a.bad_debt)},
                              {"leverage_allowed", interval_json(a.leverage_allowed)},
                              {"liquidations", interval_json(a.liquidations)},
                              {"initial_margin", interval_json(a.initial_margin)},
                              {"maintenance_margin_max", interval_json(a.maintenance_margin_max)},
                              {"margin_changes", interval_json(a.margin_changes)},
                              {"initial_margin_mean", a.initial_margin_mean},
                              {"maintenance_margin_max_mean", a.maintenance_margin_max_mean},
                              {"margin_changes_mean", a.margin_changes_mean},
                              {"margin_refusals", a.margin_refusals},
                              {"paths_not_conserved", a.paths_not_conserved}};
    };
    const VolatilityForecastAccuracy& f = c.forecast;
    return {{"static", arm(c.static_margin)},
            {"predictive", arm(c.predictive_margin)},
            {"depleted_static_only", c.depleted_static_only},
            {"depleted_predictive_only", c.depleted_predictive_only},
            {"mcnemar_p_value", c.mcnemar_p_value},
            {"forecast", {{"paths", f.paths}, {"observations", f.observations}, {"intercept", f.intercept}, {"slope", f.slope},
                          {"r_squared", f.r_squared}, {"r_squared_lower", f.r_squared_lower},
                          {"r_squared_upper", f.r_squared_upper}, {"correlation", f.correlation},
                          {"correlation_lower", f.correlation_lower}, {"correlation_upper", f.correlation_upper},
                          {"interval_confidence", f.interval_confidence}, {"bootstrap_resamples", f.bootstrap_resamples}}}};
}
}  // namespace detail

inline nlohmann::json report_to_json(const StressReport& report) {
    const RunStatistics& s = report.statistics;
    nlohmann::json tail = nlohmann::json::array();
    for (const TailMeasure& t : s.fund_loss) {
        tail.push_back({{"level", t.level}, {"value_at_risk", t.value_at_risk}, {"expected_shortfall", t.expected_shortfall}});
    }
    nlohmann::json convergence = nlohmann::json::array();
    for (const ConvergenceRow& row : s.convergence) {
        convergence.push_back({{"paths", row.paths}, {"estimate", row.estimate}, {"lower", row.lower}, {"upper", row.upper}});
    }
    nlohmann::json summary = {
        {"paths", s.paths},
        {"depleted_paths", s.depleted_paths},
        {"depletion_wilson", detail::interval_json(s.depletion_wilson)},
        {"depletion_clopper_pearson", detail::interval_json(s.depletion_clopper_pearson)},
        {"fund_loss_tail", tail},
        {"fund_min_p01", s.fund_min_p01},
        {"fund_min_median", s.fund_min_median},
        {"mean_bad_debt", s.mean_bad_debt},
        {"mean_socialized", s.mean_socialized},
        {"mean_liquidations", s.mean_liquidations},
        {"mean_penalties_to_fund", report.mean_penalties_to_fund},
        {"mean_fund_final", report.mean_fund_final},
        {"mean_fees_to_fund", report.mean_fees_to_fund},
        {"mean_fund_paid", report.mean_fund_paid},
        {"mean_penalties_charged", report.mean_penalties_charged},
        {"mean_closed_notional", report.mean_closed_notional},
        {"max_liquidations", report.max_liquidations},
        {"paths_not_conserved", s.paths_not_conserved},
        {"convergence", convergence},
    };
    {
        const HeadlineIntervals& in = report.intervals;
        nlohmann::json tails = nlohmann::json::array();
        for (std::size_t i = 0; i < in.value_at_risk.size(); ++i) {
            tails.push_back({{"level", s.fund_loss[i].level},
                             {"value_at_risk", {{"estimate", in.value_at_risk[i].estimate}, {"lower", in.value_at_risk[i].lower},
                                                {"upper", in.value_at_risk[i].upper}}},
                             {"expected_shortfall", {{"estimate", in.expected_shortfall[i].estimate},
                                                     {"lower", in.expected_shortfall[i].lower},
                                                     {"upper", in.expected_shortfall[i].upper}}}});
        }
        const auto boot = [](const BootstrapInterval& b) {
            return nlohmann::json{{"estimate", b.estimate}, {"lower", b.lower}, {"upper", b.upper}};
        };
        summary["intervals"] = {{"fund_loss_tail_bootstrap", tails},
                                {"fund_min_p01_bootstrap", boot(in.fund_min_p01)},
                                {"fund_min_median_bootstrap", boot(in.fund_min_median)},
                                {"fund_final", detail::interval_json(in.fund_final)},
                                {"penalties_to_fund", detail::interval_json(in.penalties_to_fund)},
                                {"bad_debt", detail::interval_json(in.bad_debt)},
                                {"socialized", detail::interval_json(in.socialized)},
                                {"liquidations", detail::interval_json(in.liquidations)}};
    }
    nlohmann::json fan = {{"levels", report.fan.levels}, {"hours", report.fan.hours}, {"quantiles", report.fan.quantiles}};
    nlohmann::json histogram = {{"first_edge", report.fund_loss.first_edge},
                                {"bin_width", report.fund_loss.bin_width},
                                {"counts", report.fund_loss.counts},
                                {"tail", tail}};
    nlohmann::json curve = nlohmann::json::array();
    for (const DepletionPoint& point : report.depletion_curve) {
        curve.push_back({{"fund_size", point.fund_size},
                         {"depleted_paths", point.depleted_paths},
                         {"paths", point.paths},
                         {"probability", detail::interval_json(point.probability)}});
    }
    nlohmann::json calibration = nlohmann::json::array();
    for (const FundSizeEstimate& e : report.calibrated) {
        calibration.push_back({{"target_probability", e.target_probability},
                               {"confidence", e.confidence},
                               {"paths", e.paths},
                               {"size", e.size},
                               {"size_low", e.size_low},
                               {"size_high", e.size_high},
                               {"enough_paths", e.enough_paths}});
    }
    nlohmann::json grid = nlohmann::json::array();
    for (const GridCell& c : report.grid) {
        grid.push_back({{"maintenance_margin", c.maintenance_margin},
                        {"initial_margin", c.initial_margin},
                        {"liquidation_penalty", c.liquidation_penalty},
                        {"max_leverage", c.max_leverage},
                        {"depletion", detail::interval_json(c.depletion.probability)},
                        {"depleted_paths", c.depletion.depleted_paths},
                        {"paths", c.depletion.paths},
                        {"required_fund", c.required_fund},
                        {"mean_bad_debt", c.mean_bad_debt},
                        {"bad_debt", detail::interval_json(c.bad_debt)},
                        {"mean_liquidations", c.mean_liquidations},
                        {"on_frontier", c.on_frontier},
                        {"running", c.running}});
    }
    nlohmann::json policies = nlohmann::json::array();
    for (const PolicyOutcome& p : report.policies) {
        policies.push_back({{"policy", std::string(name_of(p.policy))},
                            {"paths_socializing", p.paths_socializing},
                            {"mean_socialized", p.mean_socialized},
                            {"mean_uncovered", p.mean_uncovered},
                            {"mean_borne_by_traders", p.mean_borne_by_traders},
                            {"mean_borne_by_maker", p.mean_borne_by_maker},
                            {"mean_taken_beyond_deficit", p.mean_taken_beyond_deficit},
                            {"mean_charges", p.mean_charges},
                            {"mean_deleveraged_notional", p.mean_deleveraged_notional},
                            {"largest_path_socialized", p.largest_path_socialized}});
    }
    nlohmann::json result = {{"scenario", scenario_to_json(report.scenario)},
                             {"summary", summary},
                             {"fan_chart", fan},
                             {"fund_loss_histogram", histogram},
                             {"required_fund", report.required_fund},
                             {"depletion_curve", curve},
                             {"calibration", calibration},
                             {"grid", {{"paths_per_cell", report.grid_paths},
                                       {"common_random_numbers", true},  // the headline's first paths_per_cell seeds
                                       {"cells", grid}}},
                             {"policies", policies}};
    // Per market, with several (one market: the summary is the market's).
    if (s.markets.size() > 1) {
        nlohmann::json markets = nlohmann::json::array();
        for (const MarketStatistics& m : s.markets) {
            markets.push_back({{"name", m.name},
                               {"shortfall_paths", m.shortfall_paths},
                               {"shortfall", detail::interval_json(m.shortfall)},
                               {"first_shortfall_paths", m.first_shortfall_paths},
                               {"first_shortfall", detail::interval_json(m.first_shortfall)},
                               {"mean_liquidations", m.mean_liquidations},
                               {"bad_debt", detail::interval_json(m.mean_bad_debt)},
                               {"mean_socialized", m.mean_socialized},
                               {"mean_closed_notional", m.mean_closed_notional},
                               {"price_drawdown_median", m.price_drawdown_median}});
        }
        result["markets"] = markets;
    }
    // Written only when there are some: the reports of other scenarios stay as they were.
    if (report.incident) result["incident"] = incident_to_json(*report.incident);
    if (report.predictive_margin) result["predictive_margin"] = detail::predictive_margin_json(*report.predictive_margin);
    if (report.adl) result["adl_benchmark"] = adl_benchmark_json(*report.adl);
    if (report.gamma_study) result["gamma_study"] = detail::gamma_study_json(*report.gamma_study);
    if (!report.calibration_skipped.empty()) result["calibration_skipped"] = report.calibration_skipped;
    if (report.scenario.fund.target) {
        result["target"] = {{"fan_chart", {{"levels", report.target_fan.levels},
                                           {"hours", report.target_fan.hours},
                                           {"quantiles", report.target_fan.quantiles}}},
                            {"paths_below_target", report.paths_below_target},
                            {"below_target", detail::interval_json(report.below_target)}};
    }
    for (const PairedComparison& c : report.comparisons) {
        auto arm = [](const std::string& name, const PenaltyArm& a) {
            return nlohmann::json{{"name", name},
                                  {"depleted_paths", a.statistics.depleted_paths},
                                  {"paths", a.statistics.paths},
                                  {"depletion_wilson", detail::interval_json(a.statistics.depletion_wilson)},
                                  {"depletion_clopper_pearson", detail::interval_json(a.statistics.depletion_clopper_pearson)},
                                  {"penalty_rate", a.penalty_rate},
                                  {"penalties_charged_per_path", {{"mean", a.penalties_charged.mean},
                                                                  {"lower", a.penalties_charged.lower},
                                                                  {"upper", a.penalties_charged.upper}}},
                                  {"fund_final", {{"mean", a.fund_final.mean}, {"lower", a.fund_final.lower},
                                                  {"upper", a.fund_final.upper}}},
                                  {"management_gain_per_path", {{"mean", a.management_gain.mean},
                                                                {"lower", a.management_gain.lower},
                                                                {"upper", a.management_gain.upper}}},
                                  {"fund_loss_sd", {{"estimate", a.fund_loss_sd.estimate}, {"lower", a.fund_loss_sd.lower},
                                                    {"upper", a.fund_loss_sd.upper}}},
                                  {"fund_loss_es", {{"level", a.es_level}, {"estimate", a.fund_loss_es.estimate},
                                                    {"lower", a.fund_loss_es.lower}, {"upper", a.fund_loss_es.upper}}}};
        };
        result["comparisons"].push_back({{"what", c.what},
                                         {"arms", {arm(c.first_name, c.first), arm(c.second_name, c.second)}},
                                         {"gain_label", c.gain_label},
                                         {"depleted_first_only", c.first_only},
                                         {"depleted_second_only", c.second_only},
                                         {"mcnemar_p_value", c.mcnemar_p_value}});
    }
    return result;
}

}  // namespace risk
}  // namespace backstop
