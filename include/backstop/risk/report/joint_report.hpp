// The joint run's report (risk/joint_simulation.hpp): one table per arm with each protocol's
// depletion and its interval, the paths it lost or saved against its fund alone (McNemar's exact
// test on the same paths), what it received and paid per path, and the layer's own depletion (the
// reinsurer's or the pool's: contagion). As JSON, as a self-contained HTML page and as console
// lines.
#pragma once

#include "backstop/risk/joint_simulation.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <string>

namespace backstop {
namespace risk {

namespace detail {
inline nlohmann::json mean_json(const MeanInterval& m) { return {{"mean", m.mean}, {"lower", m.lower}, {"upper", m.upper}}; }
inline nlohmann::json binomial_json(const BinomialInterval& b) {
    return {{"estimate", b.estimate}, {"lower", b.lower}, {"upper", b.upper}};
}
}  // namespace detail

inline nlohmann::json joint_report_json(const JointSetup& setup, const JointResult& result) {
    nlohmann::json out;
    out["paths"] = result.paths;
    out["confidence"] = setup.confidence;
    out["seed"] = setup.seed;
    const CorrelatedMarkets& m = setup.markets;
    out["markets"] = {{"volatility_per_year", m.volatility_per_year}, {"jump_beta", m.jump_beta},
                      {"correlation", m.correlation}, {"jump_intensity_per_year", m.jump_intensity_per_year},
                      {"jump_mean", m.jump_mean}, {"jump_volatility", m.jump_volatility}};
    const SharingTerms& t = setup.terms;
    out["terms"] = {{"reinsurer_capital", t.reinsurer_capital}, {"period_days", t.period_days},
                    {"xol_attachment", t.xol_attachment}, {"xol_limit", t.xol_limit},
                    {"xol_reinstatements", t.xol_reinstatements}, {"xol_premium", t.xol_premium},
                    {"quota_share", t.quota_share}, {"quota_premium", t.quota_premium},
                    {"stop_loss_attachment", t.stop_loss_attachment}, {"stop_loss_limit", t.stop_loss_limit},
                    {"stop_loss_premium", t.stop_loss_premium}, {"pool_initial_contribution", t.pool_initial_contribution},
                    {"pool_contribution", t.pool_contribution}, {"pool_capital", t.pool_capital}};
    for (const JointArmResult& arm : result.arms) {
        nlohmann::json a{{"arm", joint_arm_name(arm.arm)},
                         {"any_depleted_paths", arm.any_depleted_paths},
                         {"any_depletion", detail::binomial_json(arm.any_depletion)},
                         {"layer_depleted_paths", arm.layer_depleted_paths},
                         {"layer_depletion", detail::binomial_json(arm.layer_depletion)},
                         {"layer_unpaid_per_path", detail::mean_json(arm.layer_unpaid)},
                         {"layer_final", detail::mean_json(arm.layer_final)},
                         {"paths_not_conserved", arm.paths_not_conserved}};
        for (std::size_t k = 0; k < arm.protocols.size(); ++k) {
            const JointProtocolArm& p = arm.protocols[k];
            a["protocols"].push_back({{"name", result.protocol_names[k]},
                                      {"depleted_paths", p.depleted_paths},
                                      {"depletion", detail::binomial_json(p.depletion)},
                                      {"depleted_alone_only", p.depleted_alone_only},
                                      {"depleted_arm_only", p.depleted_arm_only},
                                      {"mcnemar_p_value", p.mcnemar_p_value},
                                      {"claims_received_per_path", detail::mean_json(p.claims_received)},
                                      {"premiums_paid_per_path", detail::mean_json(p.premiums_paid)},
                                      {"fund_final", detail::mean_json(p.fund_final)}});
        }
        out["arms"].push_back(a);
    }
    return out;
}

inline std::string joint_report_html(const JointSetup& setup, const JointResult& result) {
    std::string html =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>backstop: funds sharing risk</title>\n"
        "<style>body{font-family:sans-serif;max-width:1100px;margin:1em auto;padding:0 1em;color:#222}"
        "table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ddd;padding:.2em .6em;text-align:right}"
        "th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}</style>\n</head>\n<body>\n";
    const CorrelatedMarkets& m = setup.markets;
    html += fmt::format("<h1>{} protocols, correlated, sharing risk</h1>\n<p>{} paths on the same seeds in every arm; "
                        "diffusion correlation {:g}, common jumps {:g} a year of mean {:g} (log), each market's share of "
                        "them {}; intervals at {:g}% (Wilson for probabilities, normal approximation for means). "
                        "A protocol is depleted when its fund could not pay a deficit; the layer (the one reinsurer "
                        "that writes every protocol's treaty, or the pool) when it could not pay a claim in full.</p>\n",
                        result.protocol_names.size(), result.paths, m.correlation, m.jump_intensity_per_year, m.jump_mean,
                        fmt::format("{}", fmt::join(m.jump_beta, ", ")), 100.0 * setup.confidence);
    html += "<table>\n<tr><th>arm</th>";
    for (const std::string& name : result.protocol_names) html += fmt::format("<th>{} depletion</th>", name);
    html += "<th>any protocol</th><th>layer depleted</th><th>layer unpaid per path</th></tr>\n";
    for (const JointArmResult& arm : result.arms) {
        html += fmt::format("<tr><td>{}</td>", joint_arm_name(arm.arm));
        for (const JointProtocolArm& p : arm.protocols) {
            html += fmt::format("<td>{:.3f} [{:.3f}, {:.3f}]</td>", p.depletion.estimate, p.depletion.lower, p.depletion.upper);
        }
        html += fmt::format("<td>{:.3f} [{:.3f}, {:.3f}]</td><td>{:.3f} [{:.3f}, {:.3f}]</td><td>{:.0f} [{:.0f}, {:.0f}]</td></tr>\n",
                            arm.any_depletion.estimate, arm.any_depletion.lower, arm.any_depletion.upper,
                            arm.layer_depletion.estimate, arm.layer_depletion.lower, arm.layer_depletion.upper,
                            arm.layer_unpaid.mean, arm.layer_unpaid.lower, arm.layer_unpaid.upper);
    }
    html += "</table>\n<h2>Per protocol: against its fund alone, on the same paths</h2>\n<table>\n<tr><th>arm</th><th>protocol</th>"
            "<th>saved</th><th>lost</th><th>McNemar p</th><th>claims received per path</th><th>premiums or contributions per path</th>"
            "<th>fund at the end</th></tr>\n";
    for (const JointArmResult& arm : result.arms) {
        if (arm.arm == JointArm::alone) continue;
        for (std::size_t k = 0; k < arm.protocols.size(); ++k) {
            const JointProtocolArm& p = arm.protocols[k];
            html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.3g}</td><td>{:.0f} [{:.0f}, {:.0f}]</td>"
                                "<td>{:.0f} [{:.0f}, {:.0f}]</td><td>{:.0f} [{:.0f}, {:.0f}]</td></tr>\n",
                                joint_arm_name(arm.arm), result.protocol_names[k], p.depleted_alone_only, p.depleted_arm_only,
                                p.mcnemar_p_value, p.claims_received.mean, p.claims_received.lower, p.claims_received.upper,
                                p.premiums_paid.mean, p.premiums_paid.lower, p.premiums_paid.upper, p.fund_final.mean,
                                p.fund_final.lower, p.fund_final.upper);
        }
    }
    html += "</table>\n<p>Saved: paths depleted alone but not in this arm; lost: the reverse.</p>\n";
    html += "<h2>Set-up</h2>\n<pre>" + joint_report_json(setup, result)["terms"].dump(2) + "</pre>\n</body>\n</html>\n";
    return html;
}

inline std::string joint_report_console(const JointResult& result) {
    std::string out;
    for (const JointArmResult& arm : result.arms) {
        out += fmt::format("  {:<15}", joint_arm_name(arm.arm));
        for (const JointProtocolArm& p : arm.protocols) {
            out += fmt::format(" {:.3f} [{:.3f}, {:.3f}]", p.depletion.estimate, p.depletion.lower, p.depletion.upper);
        }
        out += fmt::format("  any {:.3f} [{:.3f}, {:.3f}]  layer {:.3f} [{:.3f}, {:.3f}]\n", arm.any_depletion.estimate,
                           arm.any_depletion.lower, arm.any_depletion.upper, arm.layer_depletion.estimate,
                           arm.layer_depletion.lower, arm.layer_depletion.upper);
    }
    return out;
}

}  // namespace risk
}  // namespace backstop
