// The figures of a stress report as CSV tables, one per figure, for spreadsheets and notebooks.
// Columns are named as the JSON fields, nested ones flattened (the grid's depletion interval is
// depletion, depletion_lower, depletion_upper). Numbers are written with 17 significant digits
// (exact round trip of a double).
#pragma once

#include "backstop/risk/report/stress_report.hpp"
#include "backstop/risk/scenario_names.hpp"

#include <fmt/format.h>

#include <string>
#include <utility>
#include <vector>

namespace backstop {
namespace risk {

struct CsvTable {
    std::string name;  // file name without extension
    std::string text;
};

namespace detail {
inline std::string csv_number(double x) { return fmt::format("{:.17g}", x); }
}  // namespace detail

inline std::vector<CsvTable> report_csv_tables(const StressReport& report) {
    using detail::csv_number;
    std::vector<CsvTable> tables;
    {
        std::string t = "step,hours";
        for (const double level : report.fan.levels) t += fmt::format(",q{:g}", 100.0 * level);
        t += "\n";
        for (std::size_t step = 0; step < report.fan.hours.size(); ++step) {
            t += fmt::format("{},{}", step, csv_number(report.fan.hours[step]));
            for (const auto& band : report.fan.quantiles) {
                t += ',';
                t += csv_number(band[step]);
            }
            t += "\n";
        }
        tables.push_back({"fan_chart", std::move(t)});
    }
    {
        std::string t = "bin_low,bin_high,count\n";
        const Histogram& h = report.fund_loss;
        for (std::size_t i = 0; i < h.counts.size(); ++i) {
            const double low = h.first_edge + static_cast<double>(i) * h.bin_width;
            t += fmt::format("{},{},{}\n", csv_number(low), csv_number(low + h.bin_width), h.counts[i]);
        }
        tables.push_back({"fund_loss_histogram", std::move(t)});
    }
    {
        std::string t = "level,value_at_risk,expected_shortfall\n";
        for (const TailMeasure& m : report.statistics.fund_loss) {
            t += fmt::format("{},{},{}\n", csv_number(m.level), csv_number(m.value_at_risk),
                             csv_number(m.expected_shortfall));
        }
        tables.push_back({"fund_loss_tail", std::move(t)});
    }
    {
        std::string t = "fund_size,depleted_paths,paths,estimate,lower,upper\n";
        for (const DepletionPoint& p : report.depletion_curve) {
            t += fmt::format("{},{},{},{},{},{}\n", csv_number(p.fund_size), p.depleted_paths, p.paths,
                             csv_number(p.probability.estimate), csv_number(p.probability.lower),
                             csv_number(p.probability.upper));
        }
        tables.push_back({"depletion_curve", std::move(t)});
    }
    {
        std::string t = "target_probability,confidence,paths,size,size_low,size_high,enough_paths\n";
        for (const FundSizeEstimate& e : report.calibrated) {
            t += fmt::format("{},{},{},{},{},{},{}\n", csv_number(e.target_probability), csv_number(e.confidence),
                             e.paths, csv_number(e.size), csv_number(e.size_low), csv_number(e.size_high),
                             e.enough_paths ? 1 : 0);
        }
        tables.push_back({"calibration", std::move(t)});
    }
    {
        std::string t =
            "maintenance_margin,initial_margin,liquidation_penalty,max_leverage,depletion,depletion_lower,"
            "depletion_upper,depleted_paths,paths,required_fund,mean_bad_debt,bad_debt_lower,bad_debt_upper,"
            "mean_liquidations,on_frontier,running\n";
        for (const GridCell& c : report.grid) {
            t += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_number(c.maintenance_margin),
                             csv_number(c.initial_margin), csv_number(c.liquidation_penalty), csv_number(c.max_leverage),
                             csv_number(c.depletion.probability.estimate), csv_number(c.depletion.probability.lower),
                             csv_number(c.depletion.probability.upper), c.depletion.depleted_paths, c.depletion.paths,
                             csv_number(c.required_fund), csv_number(c.mean_bad_debt), csv_number(c.bad_debt.lower),
                             csv_number(c.bad_debt.upper), csv_number(c.mean_liquidations), c.on_frontier ? 1 : 0,
                             c.running ? 1 : 0);
        }
        tables.push_back({"grid", std::move(t)});
    }
    {
        std::string t =
            "policy,paths_socializing,mean_socialized,mean_uncovered,mean_borne_by_traders,mean_borne_by_maker,"
            "mean_taken_beyond_deficit,mean_charges,mean_deleveraged_notional,largest_path_socialized\n";
        for (const PolicyOutcome& p : report.policies) {
            t += fmt::format("{},{},{},{},{},{},{},{},{},{}\n", name_of(p.policy), p.paths_socializing,
                             csv_number(p.mean_socialized), csv_number(p.mean_uncovered),
                             csv_number(p.mean_borne_by_traders), csv_number(p.mean_borne_by_maker),
                             csv_number(p.mean_taken_beyond_deficit), csv_number(p.mean_charges),
                             csv_number(p.mean_deleveraged_notional), csv_number(p.largest_path_socialized));
        }
        tables.push_back({"policies", std::move(t)});
    }
    {
        std::string t = "path,required_fund\n";
        for (std::size_t p = 0; p < report.required_fund.size(); ++p) {
            t += fmt::format("{},{}\n", p, csv_number(report.required_fund[p]));
        }
        tables.push_back({"required_fund", std::move(t)});
    }
    if (report.statistics.markets.size() > 1) {  // per market, with several
        std::string t = "market,shortfall_paths,paths,shortfall,shortfall_lower,shortfall_upper,first_shortfall_paths,"
                        "first_shortfall,first_shortfall_lower,first_shortfall_upper,mean_liquidations,"
                        "mean_bad_debt,bad_debt_lower,bad_debt_upper,mean_socialized,mean_closed_notional,"
                        "price_drawdown_median\n";
        for (const MarketStatistics& m : report.statistics.markets) {
            t += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", m.name, m.shortfall_paths,
                             report.statistics.paths, csv_number(m.shortfall.estimate), csv_number(m.shortfall.lower),
                             csv_number(m.shortfall.upper), m.first_shortfall_paths, csv_number(m.first_shortfall.estimate),
                             csv_number(m.first_shortfall.lower), csv_number(m.first_shortfall.upper),
                             csv_number(m.mean_liquidations), csv_number(m.mean_bad_debt.estimate),
                             csv_number(m.mean_bad_debt.lower), csv_number(m.mean_bad_debt.upper),
                             csv_number(m.mean_socialized), csv_number(m.mean_closed_notional),
                             csv_number(m.price_drawdown_median));
        }
        tables.push_back({"markets", std::move(t)});
    }
    if (!report.target_fan.levels.empty()) {
        std::string t = "step,hours";
        for (const double level : report.target_fan.levels) t += fmt::format(",q{:g}", 100.0 * level);
        t += "\n";
        for (std::size_t step = 0; step < report.target_fan.hours.size(); ++step) {
            t += fmt::format("{},{}", step, csv_number(report.target_fan.hours[step]));
            for (const auto& band : report.target_fan.quantiles) t += "," + csv_number(band[step]);
            t += "\n";
        }
        tables.push_back({"target_fan_chart", std::move(t)});
    }
    if (!report.comparisons.empty()) {
        std::string t = "comparison,arm,depleted_paths,paths,depletion,depletion_low,depletion_high,depletion_cp_low,"
                        "depletion_cp_high,penalties_per_path,penalties_low,penalties_high,fund_final,fund_final_low,"
                        "fund_final_high,depleted_this_arm_only,mcnemar_p_value,management_gain,management_gain_low,"
                        "management_gain_high,fund_loss_sd,fund_loss_sd_low,fund_loss_sd_high,fund_loss_es,fund_loss_es_low,"
                        "fund_loss_es_high\n";
        for (const PairedComparison& c : report.comparisons) {
            for (const bool first : {true, false}) {
                const PenaltyArm& a = first ? c.first : c.second;
                const BinomialInterval& w = a.statistics.depletion_wilson;
                const BinomialInterval& cp = a.statistics.depletion_clopper_pearson;
                t += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", c.what,
                                 first ? c.first_name : c.second_name, a.statistics.depleted_paths, a.statistics.paths,
                                 csv_number(w.estimate), csv_number(w.lower), csv_number(w.upper), csv_number(cp.lower),
                                 csv_number(cp.upper), csv_number(a.penalties_charged.mean),
                                 csv_number(a.penalties_charged.lower), csv_number(a.penalties_charged.upper),
                                 csv_number(a.fund_final.mean), csv_number(a.fund_final.lower), csv_number(a.fund_final.upper),
                                 first ? c.first_only : c.second_only, csv_number(c.mcnemar_p_value),
                                 csv_number(a.management_gain.mean), csv_number(a.management_gain.lower),
                                 csv_number(a.management_gain.upper), csv_number(a.fund_loss_sd.estimate),
                                 csv_number(a.fund_loss_sd.lower), csv_number(a.fund_loss_sd.upper),
                                 csv_number(a.fund_loss_es.estimate), csv_number(a.fund_loss_es.lower),
                                 csv_number(a.fund_loss_es.upper));
            }
        }
        tables.push_back({"comparisons", std::move(t)});
    }
    return tables;
}

}  // namespace risk
}  // namespace backstop
