// A replay of a published incident against its published figure (examples/data/incidents/): the
// simulated figure that matches what was published (the fund's largest fall, what it paid, the
// bad debt or what was socialized), per path, converted to the published unit; its mean and
// median with intervals and its 5-95% range across paths, next to the published figure, their
// ratio and where the published figure falls among the paths. A replay is a calibrated guess, so
// the spread across paths is part of the answer: a published figure inside the 5-95% range is
// what the assumptions can produce; far outside it, they miss something.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/risk/bootstrap.hpp"
#include "backstop/risk/incident_reference.hpp"
#include "backstop/risk/normal.hpp"
#include "backstop/risk/path_summary.hpp"
#include "backstop/risk/report/report_format.hpp"
#include "backstop/risk/report/svg_plot.hpp"
#include "backstop/risk/statistics.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace backstop {
namespace risk {

// Which simulated figure matches the published one.
enum class IncidentMeasure : std::uint8_t { fund_drawdown, fund_paid, bad_debt, socialized };

// Read from the published measure's whole words, the first that matches: "drawdown", "fall" or
// "drop" (the fund's largest fall from its running peak), "paid" (what the fund paid for bad debt),
// "bad debt", "shortfall" or "deficit" (every deficit, whoever paid it), "socialized",
// "socialised" or "adl" (what went beyond the fund). Whole words: "shortfall" is not a fall,
// "unpaid" is not "paid". Anything else: the fund's largest fall, the closest reading of "fund
// loss". The report names the simulated figure it used.
inline IncidentMeasure incident_measure_of(std::string_view measure) {
    std::string words = " ";
    for (const char c : measure) {
        const bool letter = std::isalpha(static_cast<unsigned char>(c)) != 0;
        words += letter ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : ' ';
    }
    words += ' ';
    const auto has = [&words](const char* word) { return words.find(std::string(" ") + word + " ") != std::string::npos; };
    if (has("drawdown") || has("fall") || has("drop")) return IncidentMeasure::fund_drawdown;
    if (has("paid")) return IncidentMeasure::fund_paid;
    if (words.find(" bad debt ") != std::string::npos || has("shortfall") || has("deficit")) return IncidentMeasure::bad_debt;
    if (has("socialized") || has("socialised") || has("adl")) return IncidentMeasure::socialized;
    return IncidentMeasure::fund_drawdown;
}

inline std::string_view simulated_figure_of(IncidentMeasure measure) {
    switch (measure) {
        case IncidentMeasure::fund_paid: return "what the fund paid for bad debt (fund_paid)";
        case IncidentMeasure::bad_debt: return "every deficit left by liquidations, whoever paid it (bad_debt)";
        case IncidentMeasure::socialized: return "what went beyond the fund to the socialized-loss policy (socialized)";
        case IncidentMeasure::fund_drawdown: break;
    }
    return "the fund's largest fall from its running peak (fund_drawdown_max)";
}

// One path's figure, in quote units.
inline double incident_value(const PathSummary& path, IncidentMeasure measure) {
    switch (measure) {
        case IncidentMeasure::fund_paid: return path.fund_paid;
        case IncidentMeasure::bad_debt: return path.bad_debt;
        case IncidentMeasure::socialized: return path.socialized;
        case IncidentMeasure::fund_drawdown: break;
    }
    return path.fund_drawdown_max;
}

// Everything in the published unit (quote units / quote_per_unit).
struct IncidentComparison {
    IncidentReference reference;
    IncidentMeasure measure = IncidentMeasure::fund_drawdown;
    std::uint64_t paths = 0;
    double confidence = 0.95;
    double mean = 0.0;
    double mean_lower = 0.0;  // normal interval of the mean
    double mean_upper = 0.0;
    BootstrapInterval median{};  // percentile bootstrap, 1,000 resamples
    double p05 = 0.0;            // the 5-95% range across paths
    double p95 = 0.0;
    double min = 0.0;
    double max = 0.0;
    // Simulated mean / published; 0 when the published figure is 0 (no ratio: see the difference).
    double ratio_mean = 0.0;
    double ratio_median = 0.0;
    bool has_ratio = false;
    double paths_below_published = 0.0;  // fraction of paths whose figure is below the published one

    bool published_in_range() const {
        return reference.published_fund_loss >= p05 && reference.published_fund_loss <= p95;
    }
};

inline Result<IncidentComparison> compare_incident(const IncidentReference& reference, const std::vector<PathSummary>& paths,
                                                   double confidence = 0.95) {
    if (!reference.valid()) return make_error(ErrorCode::invalid_argument, "an invalid incident reference");
    if (paths.size() < 2) return make_error(ErrorCode::invalid_argument, "an incident comparison needs two paths");
    if (!(confidence > 0.0 && confidence < 1.0)) return make_error(ErrorCode::invalid_argument, "confidence in (0, 1)");
    IncidentComparison out;
    out.reference = reference;
    out.measure = incident_measure_of(reference.measure);
    out.paths = paths.size();
    out.confidence = confidence;
    std::vector<double> values;
    values.reserve(paths.size());
    std::uint64_t below = 0;
    for (const PathSummary& path : paths) {
        const double v = incident_value(path, out.measure) / reference.quote_per_unit;
        if (!std::isfinite(v)) return make_error(ErrorCode::invalid_argument, "a path's figure is not finite");
        values.push_back(v);
        below += v < reference.published_fund_loss ? 1u : 0u;
    }
    double mean = 0.0;
    double squares = 0.0;
    for (std::size_t i = 0; i < values.size(); ++i) {  // Welford, in path order
        const double delta = values[i] - mean;
        mean += delta / static_cast<double>(i + 1);
        squares += delta * (values[i] - mean);
    }
    const double n = static_cast<double>(values.size());
    const double half = normal_quantile(0.5 + 0.5 * confidence) * std::sqrt(squares / (n - 1.0) / n);
    out.mean = mean;
    out.mean_lower = mean - half;
    out.mean_upper = mean + half;
    const Span<const double> sample(values);
    Result<BootstrapInterval> median = bootstrap_interval(
        sample, [](Span<const double> x) { return quantile(x, 0.5); }, confidence);
    if (!median) return median.error();
    out.median = *median;
    Result<double> p05 = quantile(sample, 0.05);
    Result<double> p95 = quantile(sample, 0.95);
    if (!p05 || !p95) return make_error(ErrorCode::invalid_argument, "incident quantiles");
    out.p05 = *p05;
    out.p95 = *p95;
    const auto [low, high] = std::minmax_element(values.begin(), values.end());
    out.min = *low;
    out.max = *high;
    out.has_ratio = reference.published_fund_loss > 0.0;
    if (out.has_ratio) {
        out.ratio_mean = out.mean / reference.published_fund_loss;
        out.ratio_median = out.median.estimate / reference.published_fund_loss;
    }
    out.paths_below_published = static_cast<double>(below) / n;
    return out;
}

namespace detail {

// "2,606": whole units from 100 on, two decimals below; "2,606 XBT" with the unit.
inline std::string incident_number(double x) { return grouped(x, std::fabs(x) >= 100.0 ? 0 : 2); }
inline std::string incident_amount(double x, const std::string& unit) { return incident_number(x) + " " + unit; }

inline std::string incident_verdict(const IncidentComparison& c) {
    const std::string& unit = c.reference.unit;
    if (c.published_in_range()) {
        return fmt::format("the published figure lies inside the simulated 5-95% range ({} of the paths are below it)",
                           percent(c.paths_below_published));
    }
    return fmt::format("the published figure lies {} the simulated 5-95% range ({} to {})",
                       c.reference.published_fund_loss < c.p05 ? "below" : "above", incident_amount(c.p05, unit),
                       incident_amount(c.p95, unit));
}

}  // namespace detail

// Console lines, in the summary's label/value layout.
inline std::string incident_console(const IncidentComparison& c, int label_width) {
    std::string out;
    const auto row = [&](const std::string& label, const std::string& value) {
        out += fmt::format("  {:<{}} {}\n", label, label_width, value);
    };
    const std::string& unit = c.reference.unit;
    row("incident", c.reference.name);
    row("incident: published", fmt::format("{}  ({})", detail::incident_amount(c.reference.published_fund_loss, unit),
                                           c.reference.measure.empty() ? "fund loss" : c.reference.measure));
    row("incident: simulated, mean", fmt::format("{}  [{} to {}]", detail::incident_amount(c.mean, unit),
                                                 detail::incident_number(c.mean_lower), detail::incident_number(c.mean_upper)));
    row("incident: simulated, median", fmt::format("{}  [{} to {}]", detail::incident_amount(c.median.estimate, unit),
                                                   detail::incident_number(c.median.lower), detail::incident_number(c.median.upper)));
    row("incident: simulated, 5-95% range", fmt::format("{} to {}", detail::incident_number(c.p05), detail::incident_amount(c.p95, unit)));
    row("incident: simulated / published", c.has_ratio ? fmt::format("{:.2f} (mean), {:.2f} (median)", c.ratio_mean, c.ratio_median)
                                                       : std::string("no ratio: the published figure is 0"));
    row("incident: simulated figure is", std::string(simulated_figure_of(c.measure)));
    return out;
}

// The HTML section: the published figure and the simulated one side by side, with the
// assumptions and the source.
inline std::string incident_html(const IncidentComparison& c) {
    const std::string unit = xml_escape(c.reference.unit);
    const auto amount = [&unit](double x) { return detail::incident_amount(x, unit); };
    std::string html = fmt::format("<h2>Incident replay: {}</h2>\n<table id=\"incident\">\n<tr><th>figure</th><th>value</th>"
                                   "<th>{:g}% interval</th></tr>\n",
                                   xml_escape(c.reference.name), 100.0 * c.confidence);
    const auto row = [&](const std::string& label, const std::string& value, const std::string& interval) {
        html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n", label, value, interval);
    };
    row(fmt::format("published: {}", xml_escape(c.reference.measure.empty() ? "fund loss" : c.reference.measure)),
        amount(c.reference.published_fund_loss), "");
    row("simulated, mean per path", amount(c.mean), fmt::format("{} to {} (normal)", detail::incident_number(c.mean_lower), detail::incident_number(c.mean_upper)));
    row("simulated, median", amount(c.median.estimate),
        fmt::format("{} to {} (bootstrap)", detail::incident_number(c.median.lower), detail::incident_number(c.median.upper)));
    row("simulated, 5% to 95% of paths", fmt::format("{} to {}", detail::incident_number(c.p05), amount(c.p95)), "");
    row("simulated, lowest and highest path", fmt::format("{} to {}", detail::incident_number(c.min), amount(c.max)), "");
    row("simulated / published", c.has_ratio ? fmt::format("{:.2f} (mean), {:.2f} (median)", c.ratio_mean, c.ratio_median)
                                             : std::string("none: the published figure is 0"),
        "");
    html += "</table>\n";
    html += fmt::format("<p>Simulated figure: {}, over {} paths, converted at {} quote units per {}; {}.</p>\n",
                        xml_escape(std::string(simulated_figure_of(c.measure))), grouped(static_cast<double>(c.paths)),
                        detail::incident_number(c.reference.quote_per_unit), unit, xml_escape(detail::incident_verdict(c)));
    if (!c.reference.assumptions.empty()) html += "<p>Assumptions: " + xml_escape(c.reference.assumptions) + "</p>\n";
    if (!c.reference.source.empty()) html += "<p>Source of the published figure: " + xml_escape(c.reference.source) + "</p>\n";
    return html;
}

inline nlohmann::json incident_to_json(const IncidentComparison& c) {
    return {{"name", c.reference.name},
            {"measure", c.reference.measure},
            {"simulated_figure", std::string(simulated_figure_of(c.measure))},
            {"unit", c.reference.unit},
            {"quote_per_unit", c.reference.quote_per_unit},
            {"published", c.reference.published_fund_loss},
            {"paths", c.paths},
            {"confidence", c.confidence},
            {"simulated_mean", {{"estimate", c.mean}, {"lower", c.mean_lower}, {"upper", c.mean_upper}}},
            {"simulated_median", {{"estimate", c.median.estimate}, {"lower", c.median.lower}, {"upper", c.median.upper}}},
            {"simulated_p05", c.p05},
            {"simulated_p95", c.p95},
            {"simulated_min", c.min},
            {"simulated_max", c.max},
            {"ratio_mean", c.has_ratio ? nlohmann::json(c.ratio_mean) : nlohmann::json(nullptr)},
            {"ratio_median", c.has_ratio ? nlohmann::json(c.ratio_median) : nlohmann::json(nullptr)},
            {"paths_below_published", c.paths_below_published},
            {"published_in_range", c.published_in_range()},
            {"source", c.reference.source},
            {"assumptions", c.reference.assumptions}};
}

}  // namespace risk
}  // namespace backstop
