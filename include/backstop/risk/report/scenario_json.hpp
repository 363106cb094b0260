// A scenario as JSON, and back, for scenario files a researcher keeps next to a report. Every
// field is written; on reading, a missing field keeps its default and an unknown field, a wrong
// type or an out-of-range value is an error naming the field (a typo in a stress test must not
// silently run the default). Fractions (margins, penalty) are written as fractions, sizes in
// quote units, the market's tick and lot in its atoms.
#pragma once

#include "backstop/engine/market.hpp"
#include "backstop/risk/scenario.hpp"
#include "backstop/risk/report/json_fields.hpp"
#include "backstop/risk/report/predictive_margin_json.hpp"
#include "backstop/risk/report/market_json.hpp"
#include "backstop/risk/scenario_names.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace backstop {
namespace risk {

namespace detail {

// The GARCH(1,1)-t part shared by GarchT and GarchJump.
template <class Garch>
void garch_json(const Garch& m, nlohmann::json& out) {
    out["mean_per_step"] = m.mean_per_step;
    out["omega"] = m.omega;
    out["alpha"] = m.alpha;
    out["beta"] = m.beta;
    out["degrees_of_freedom"] = m.degrees_of_freedom;
}

// The Merton jump part shared by MertonJump and GarchJump.
template <class Jumps>
void merton_jumps_json(const Jumps& m, nlohmann::json& out) {
    out["jump_intensity_per_year"] = m.jump_intensity_per_year;
    out["jump_mean"] = m.jump_mean;
    out["jump_volatility"] = m.jump_volatility;
}

inline nlohmann::json model_json(const PriceModel& model) {
    nlohmann::json out;
    out["name"] = std::string(name_of(model));
    std::visit(
        [&](const auto& m) {
            using M = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<M, Gbm>) {
                out["drift_per_year"] = m.drift_per_year;
                out["volatility_per_year"] = m.volatility_per_year;
            } else if constexpr (std::is_same_v<M, CorrelatedMarkets>) {
                out["volatility_per_year"] = m.volatility_per_year;
                out["jump_beta"] = m.jump_beta;
                out["correlation"] = m.correlation;
                merton_jumps_json(m, out);
            } else if constexpr (std::is_same_v<M, MertonJump>) {
                out["drift_per_year"] = m.drift_per_year;
                out["volatility_per_year"] = m.volatility_per_year;
                merton_jumps_json(m, out);
            } else if constexpr (std::is_same_v<M, GarchT>) {
                garch_json(m, out);
            } else if constexpr (std::is_same_v<M, HawkesJump>) {
                out["volatility_per_year"] = m.volatility_per_year;
                out["baseline_per_year"] = m.baseline_per_year;
                out["excitation_per_year"] = m.excitation_per_year;
                out["decay_per_year"] = m.decay_per_year;
                out["jump_mean"] = m.jump_mean;
                out["jump_volatility"] = m.jump_volatility;
            } else if constexpr (std::is_same_v<M, Bootstrap>) {
                out["returns"] = m.returns ? *m.returns : std::vector<double>{};
            } else {
                garch_json(m, out);
                merton_jumps_json(m, out);
            }
        },
        model);
    return out;
}

// The published incident a scenario replays (risk/incident_reference.hpp).
inline nlohmann::json incident_json(const IncidentReference& r) {
    return {{"name", r.name},       {"measure", r.measure}, {"published_fund_loss", r.published_fund_loss},
            {"unit", r.unit},       {"quote_per_unit", r.quote_per_unit}, {"source", r.source},
            {"assumptions", r.assumptions}};
}

// Reads an incident object: every field a string or a number as written; name and unit not
// empty, the loss in [0, 1e15], the conversion in (0, 1e12] (IncidentReference::valid()).
inline void read_incident(const nlohmann::json& object, std::optional<IncidentReference>& out, std::string& error) {
    IncidentReference r;
    JsonFields fields(object, "scenario.incident", error);
    const auto text = [&fields](const char* key, std::string& value) {
        const nlohmann::json* found = fields.find(key);
        if (found == nullptr) return;
        if (!found->is_string()) return fields.fail(fields.path(key) + ": expected a string");
        value = found->get<std::string>();
    };
    text("name", r.name);
    text("measure", r.measure);
    fields.number("published_fund_loss", r.published_fund_loss, 0.0, 1e15);
    text("unit", r.unit);
    fields.number("quote_per_unit", r.quote_per_unit, 0.0, 1e12);
    text("source", r.source);
    text("assumptions", r.assumptions);
    fields.only_known(incident_json(IncidentReference{}));
    if (fields.failed()) return;
    if (fields.find("name") == nullptr || fields.find("published_fund_loss") == nullptr) {
        return fields.fail("scenario.incident: needs at least a name and a published_fund_loss");
    }
    if (!r.valid()) {
        return fields.fail("scenario.incident: invalid (a name and a unit not empty, published_fund_loss in [0, 1e15], "
                           "quote_per_unit in (0, 1e12])");
    }
    out = r;
}

}  // namespace detail

inline nlohmann::json scenario_to_json(const Scenario& s) {
    const nlohmann::json market = market_config_json(s.market);
    nlohmann::json shocks = nlohmann::json::array();
    for (const PriceShock& shock : s.shocks) shocks.push_back({{"step", shock.step}, {"log_return", shock.log_return}});
    const Population& p = s.population;
    const FundSetup& f = s.fund;
    nlohmann::json result = {
        {"market", market},
        {"initial_price", s.initial_price},
        {"model", detail::model_json(s.model)},
        {"impact",
         {{"kind", std::string(name_of(s.impact.kind))},
          {"depth_base_units", s.impact.depth_base_units},
          {"coefficient", s.impact.coefficient}}},
        {"shocks", shocks},
        {"population",
         {{"trader_count", p.trader_count},
          {"leverage_min", p.leverage_min},
          {"leverage_max", p.leverage_max},
          {"collateral_median", p.collateral_median},
          {"collateral_log_sigma", p.collateral_log_sigma},
          {"long_fraction", p.long_fraction},
          {"entry_steps", p.entry_steps},
          {"liquidator_delay_steps", p.liquidator_delay_steps}}},
        {"fund",
         {{"initial", f.initial},
          {"fee_capture", std::string(name_of(f.fee_capture))},
          {"liquidator_share", f.liquidator_share},
          {"fund_target", f.fund_target},
          {"settlement", std::string(name_of(f.settlement))},
          {"floor", f.floor},
          {"socialized_loss", std::string(name_of(f.socialized_loss))}}},
        {"horizon_steps", s.horizon_steps},
        {"step_hours", s.step_hours},
        {"paths", s.paths},
        {"seed", s.seed},
        {"threads", s.threads},
        {"audit_every_step", s.audit_every_step},
    };
    if (f.dynamic_penalty) {  // written only when there is one: older files read as before
        const DynamicPenaltyConfig& d = *f.dynamic_penalty;
        result["fund"]["dynamic_penalty"] = {{"floor", d.floor.to_double()},
                                             {"base", d.base.to_double()},
                                             {"ceiling", d.ceiling.to_double()},
                                             {"step_max", d.step_max.to_double()},
                                             {"ewma_decay", d.ewma_decay.to_double()},
                                             {"reference_volatility", d.reference_volatility.to_double()},
                                             {"volatility_weight", d.volatility_weight.to_double()},
                                             {"health_weight", d.health_weight.to_double()}};
    }
    if (f.target) {  // written only when set, like the dynamic penalty
        result["fund"]["target"] = {{"open_interest_fraction", f.target->open_interest_fraction.to_double()},
                                    {"shock", f.target->shock.to_double()},
                                    {"cover", f.target->cover}};
    }
    if (f.staking) {  // written only when set, like the dynamic penalty
        result["fund"]["staking"] = {{"staked_fraction", f.staking->staked_fraction},
                                     {"stakers", f.staking->stakers},
                                     {"cooldown_hours", f.staking->cooldown_hours},
                                     {"claims_per_day_max", f.staking->claims_per_day_max},
                                     {"run_drawdown", f.staking->run_drawdown}};
    }
    if (f.yield) {  // written only when set, like the dynamic penalty
        result["fund"]["yield"] = {{"floor", f.yield->floor},
                                   {"rate_per_year", f.yield->rate_per_year},
                                   {"lockup_days", f.yield->lockup_days},
                                   {"withdrawal_delay_days", f.yield->withdrawal_delay_days},
                                   {"default_probability_per_year", f.yield->default_probability_per_year},
                                   {"default_severity", f.yield->default_severity},
                                   {"rebalance_hours", f.yield->rebalance_hours},
                                   {"floor_quantiles", f.yield->floor_quantiles}};
    }
    if (f.hedge) {
        result["fund"]["hedge"] = {{"ratio", f.hedge->ratio},
                                   {"band", f.hedge->band},
                                   {"margin_ratio", f.hedge->margin_ratio},
                                   {"rebalance_hours", f.hedge->rebalance_hours}};
    }
    // Several markets: written only when there are, so that one-market files stay as they were.
    if (s.market_name != Scenario{}.market_name) result["market_name"] = s.market_name;
    if (!s.more_markets.empty()) {
        nlohmann::json markets = nlohmann::json::array();
        for (const MarketSetup& m : s.more_markets) {
            markets.push_back({{"name", m.name},
                               {"market", market_config_json(m.market)},
                               {"initial_price", m.initial_price},
                               {"impact",
                                {{"kind", std::string(name_of(m.impact.kind))},
                                 {"depth_base_units", m.impact.depth_base_units},
                                 {"coefficient", m.impact.coefficient}}}});
        }
        result["more_markets"] = markets;
    }
    if (!p.market_weights.empty()) result["population"]["market_weights"] = p.market_weights;
    if (p.second_market_fraction != 0.0) result["population"]["second_market_fraction"] = p.second_market_fraction;
    if (f.base_asset_fraction > 0.0) {  // written only when set, like the dynamic penalty
        result["fund"]["base_asset_fraction"] = f.base_asset_fraction;
        result["fund"]["base_haircut"] = f.base_haircut;
        result["fund"]["base_slippage"] = f.base_slippage;
    }
    if (s.incident) result["incident"] = detail::incident_json(*s.incident);  // only in replays
    if (s.predictive_margin) result["predictive_margin"] = detail::predictive_margin_setup_json(*s.predictive_margin);
    return result;
}

// What reading a scenario gives: the scenario, or an error saying which field and why.
struct ScenarioFromJson {
    Scenario scenario;
    std::string error;  // empty: read
    bool ok() const { return error.empty(); }
};

namespace detail {


inline void read_model(const nlohmann::json& object, PriceModel& model, std::string& error) {
    JsonFields fields(object, "scenario.model", error);
    std::string name = std::string(name_of(model));
    if (const nlohmann::json* value = fields.find("name")) {
        if (!value->is_string()) return fields.fail("scenario.model.name: expected a name");
        name = value->get<std::string>();
    }
    if (fields.failed()) return;
    if (name == "bootstrap") {
        Bootstrap bootstrap;
        const nlohmann::json* returns = fields.find("returns");
        if (returns == nullptr || !returns->is_array() || returns->empty()) {
            return fields.fail("scenario.model.returns: the bootstrap model needs a non-empty array of returns");
        }
        auto values = std::make_shared<std::vector<double>>();
        for (const nlohmann::json& r : *returns) {
            if (!r.is_number() || !std::isfinite(r.get<double>())) {
                return fields.fail("scenario.model.returns: expected numbers");
            }
            values->push_back(r.get<double>());
        }
        bootstrap.returns = std::move(values);
        model = bootstrap;
    } else {
        // Start from the current parameters when the name is unchanged, else from the defaults.
        if (name != name_of(model)) {
            Result<PriceModel> fresh = default_model(name);
            if (!fresh) return fields.fail(std::string("scenario.model.name: ") + std::string(fresh.error().detail));
            model = *fresh;
        }
        std::visit(
            [&](auto& m) {
                using M = std::decay_t<decltype(m)>;
                if constexpr (std::is_same_v<M, Gbm>) {
                    fields.number("drift_per_year", m.drift_per_year);
                    fields.number("volatility_per_year", m.volatility_per_year, 0.0);
                } else if constexpr (std::is_same_v<M, CorrelatedMarkets>) {
                    read_numbers(fields, "volatility_per_year", m.volatility_per_year, 0.0, 10.0);
                    read_numbers(fields, "jump_beta", m.jump_beta, 0.0, 10.0);
                    fields.number("correlation", m.correlation, 0.0, 1.0);
                    read_merton_jumps(fields, m);
                    if (!fields.failed() && !m.valid()) fields.fail("scenario.model: one volatility and one jump beta per market");
                } else if constexpr (std::is_same_v<M, MertonJump>) {
                    fields.number("drift_per_year", m.drift_per_year);
                    fields.number("volatility_per_year", m.volatility_per_year, 0.0);
                    read_merton_jumps(fields, m);
                } else if constexpr (std::is_same_v<M, GarchT>) {
                    read_garch(fields, m);
                } else if constexpr (std::is_same_v<M, HawkesJump>) {
                    fields.number("volatility_per_year", m.volatility_per_year, 0.0);
                    fields.number("baseline_per_year", m.baseline_per_year, 0.0, 1e9);
                    fields.number("excitation_per_year", m.excitation_per_year, 0.0, 1e9);
                    fields.number("decay_per_year", m.decay_per_year, 1e-9, 1e9);
                    fields.number("jump_mean", m.jump_mean);
                    fields.number("jump_volatility", m.jump_volatility, 0.0);
                    if (m.excitation_per_year >= m.decay_per_year) {
                        fields.fail("scenario.model: excitation must be below decay (a stable process)");
                    }
                } else if constexpr (std::is_same_v<M, GarchJump>) {
                    read_garch(fields, m);
                    read_merton_jumps(fields, m);
                }
            },
            model);
    }
    fields.only_known(model_json(model));
}

}  // namespace detail

// Reads a scenario; fields not given keep the values of `defaults`.
namespace detail {

// The markets beyond the first: each a name, a market configuration, an initial price and an impact.
inline void read_more_markets(const nlohmann::json& array, Scenario& s, std::string& error) {
    if (!array.is_array() || array.size() > 7) {
        if (error.empty()) error = "scenario.more_markets: expected an array of at most 7 markets";
        return;
    }
    s.more_markets.assign(array.size(), MarketSetup{});
    const nlohmann::json written_market = market_config_json(MarketSetup{}.market);
    for (std::size_t i = 0; i < array.size(); ++i) {
        MarketSetup& m = s.more_markets[i];
        const std::string where = "scenario.more_markets[" + std::to_string(i) + "]";
        JsonFields fields(array[i], where, error);
        if (const nlohmann::json* name = fields.find("name")) {
            if (!name->is_string() || name->get<std::string>().empty()) fields.fail(where + ".name: expected a name");
            else m.name = name->get<std::string>();
        }
        if (const nlohmann::json* market = fields.find("market")) read_market_config(*market, where + ".market", written_market, m.market, error);
        fields.number("initial_price", m.initial_price, 1e-6, 1e12);
        if (const nlohmann::json* impact = fields.find("impact")) {
            JsonFields read(*impact, where + ".impact", error);
            read.name("kind", m.impact.kind, parse_impact);
            read.number("depth_base_units", m.impact.depth_base_units, 1e-12);
            read.number("coefficient", m.impact.coefficient, 0.0, 10.0);
            read.only_known(nlohmann::json{{"kind", 0}, {"depth_base_units", 0}, {"coefficient", 0}});
        }
        fields.only_known(nlohmann::json{{"name", 0}, {"market", 0}, {"initial_price", 0}, {"impact", 0}});
    }
}

}  // namespace detail

inline ScenarioFromJson scenario_from_json(const nlohmann::json& document, const Scenario& defaults = {}) {
    ScenarioFromJson out;
    out.scenario = defaults;
    Scenario& s = out.scenario;
    std::string& error = out.error;
    const nlohmann::json written = scenario_to_json(defaults);
    detail::JsonFields top(document, "scenario", error);
    nlohmann::json known_top = written;
    for (const char* key : {"market_name", "more_markets", "incident", "predictive_margin"}) known_top[key] = nullptr;
    top.only_known(known_top);
    if (const nlohmann::json* name = top.find("market_name")) {
        if (!name->is_string() || name->get<std::string>().empty()) {
            top.fail("scenario.market_name: expected a name");
        } else {
            s.market_name = name->get<std::string>();
        }
    }
    if (const nlohmann::json* markets = top.find("more_markets")) detail::read_more_markets(*markets, s, error);
    if (const nlohmann::json* incident = top.find("incident")) detail::read_incident(*incident, s.incident, error);
    if (const nlohmann::json* predictive = top.find("predictive_margin")) {
        detail::read_predictive_margin(*predictive, s.predictive_margin, error);
    }
    if (const nlohmann::json* market = top.find("market")) {
        detail::read_market_config(*market, "scenario.market", written["market"], s.market, error);
    }
    top.number("initial_price", s.initial_price, 1e-6, 1e12);
    if (const nlohmann::json* model = top.find("model")) detail::read_model(*model, s.model, error);
    if (const nlohmann::json* impact = top.find("impact")) {
        detail::JsonFields fields(*impact, "scenario.impact", error);
        fields.name("kind", s.impact.kind, parse_impact);
        fields.number("depth_base_units", s.impact.depth_base_units, 1e-12);
        fields.number("coefficient", s.impact.coefficient, 0.0, 10.0);
        fields.only_known(written["impact"]);
    }
    if (const nlohmann::json* shocks = top.find("shocks")) {
        if (!shocks->is_array()) {
            top.fail("scenario.shocks: expected an array");
        } else {
            s.shocks.clear();
            for (std::size_t i = 0; i < shocks->size(); ++i) {
                PriceShock shock;
                detail::JsonFields fields((*shocks)[i], std::string("scenario.shocks[") + std::to_string(i) + "]", error);
                fields.integer("step", shock.step);
                fields.number("log_return", shock.log_return, -20.0, 20.0);
                fields.only_known(nlohmann::json{{"step", 0}, {"log_return", 0.0}});
                s.shocks.push_back(shock);
            }
        }
    }
    if (const nlohmann::json* population = top.find("population")) {
        Population& p = s.population;
        detail::JsonFields fields(*population, "scenario.population", error);
        fields.integer("trader_count", p.trader_count, std::uint32_t{1}, std::uint32_t{10'000'000});
        fields.number("leverage_min", p.leverage_min, 0.0, 1e4);
        fields.number("leverage_max", p.leverage_max, 0.0, 1e4);
        fields.number("collateral_median", p.collateral_median, 1e-6, 1e12);
        fields.number("collateral_log_sigma", p.collateral_log_sigma, 0.0, 10.0);
        fields.number("long_fraction", p.long_fraction, 0.0, 1.0);
        fields.integer("entry_steps", p.entry_steps);
        fields.integer("liquidator_delay_steps", p.liquidator_delay_steps);
        detail::read_numbers(fields, "market_weights", p.market_weights, 0.0, 1e6);
        fields.number("second_market_fraction", p.second_market_fraction, 0.0, 1.0);
        nlohmann::json known_population = written["population"];
        for (const char* key : {"market_weights", "second_market_fraction"}) known_population[key] = nullptr;
        fields.only_known(known_population);
        if (p.leverage_max < p.leverage_min) fields.fail("scenario.population: leverage_max below leverage_min");
    }
    if (const nlohmann::json* fund = top.find("fund")) {
        FundSetup& f = s.fund;
        detail::JsonFields fields(*fund, "scenario.fund", error);
        fields.number("initial", f.initial, 0.0, 1e12);
        fields.name("fee_capture", f.fee_capture, parse_fee_capture);
        fields.number("liquidator_share", f.liquidator_share, 0.0, 1.0);
        fields.number("fund_target", f.fund_target, 0.0, 1e12);
        fields.name("settlement", f.settlement, parse_settlement);
        fields.number("floor", f.floor, 0.0, 1e12);
        fields.name("socialized_loss", f.socialized_loss, parse_socialized_loss);
        fields.number("base_asset_fraction", f.base_asset_fraction, 0.0, 1.0);
        fields.number("base_haircut", f.base_haircut, 0.0, 1.0);
        fields.number("base_slippage", f.base_slippage, 0.0, 1.0);
        if (f.base_haircut + f.base_slippage > 1.0) fields.fail("scenario.fund: base_haircut + base_slippage above 1");
        if (f.base_asset_fraction > 0.0 && fields.find("staking") != nullptr) {
            fields.fail("scenario.fund: stakers in a fund held in the base asset are not modelled");
        }
        nlohmann::json known = written["fund"];
        for (const char* key : {"base_asset_fraction", "base_haircut", "base_slippage"}) known[key] = nullptr;
        if (const nlohmann::json* staking = fields.find("staking")) {
            known["staking"] = nullptr;
            StakingSetup st = f.staking.value_or(StakingSetup{});
            detail::JsonFields sf(*staking, "scenario.fund.staking", error);
            sf.number("staked_fraction", st.staked_fraction, 0.0, 1.0);
            sf.integer("stakers", st.stakers, std::uint32_t{1}, std::uint32_t{1'000});
            sf.number("cooldown_hours", st.cooldown_hours, 0.0, 24.0 * 3'650.0);
            sf.number("claims_per_day_max", st.claims_per_day_max, 1e-4, 1.0);
            sf.number("run_drawdown", st.run_drawdown, 1e-6, 1.0);
            sf.only_known(nlohmann::json{{"staked_fraction", 0}, {"stakers", 0}, {"cooldown_hours", 0},
                                         {"claims_per_day_max", 0}, {"run_drawdown", 0}});
            f.staking = st;
        }
        if (const nlohmann::json* yield = fields.find("yield")) {
            known["yield"] = nullptr;
            YieldSetup y = f.yield.value_or(YieldSetup{});
            detail::JsonFields yf(*yield, "scenario.fund.yield", error);
            yf.number("floor", y.floor, 0.0, 1e12);
            yf.number("rate_per_year", y.rate_per_year, 0.0, 1.0);
            yf.number("lockup_days", y.lockup_days, 0.0, 3'650.0);
            yf.number("withdrawal_delay_days", y.withdrawal_delay_days, 0.0, 3'650.0);
            yf.number("default_probability_per_year", y.default_probability_per_year, 0.0, 1'000.0);
            yf.number("default_severity", y.default_severity, 0.0, 1.0);
            yf.number("rebalance_hours", y.rebalance_hours, 1e-3, 24.0 * 3'650.0);
            if (const nlohmann::json* quantiles = yf.find("floor_quantiles")) {
                bool ok = quantiles->is_array() && !quantiles->empty() && quantiles->size() <= 8;
                std::vector<double> q;
                for (std::size_t i = 0; ok && i < quantiles->size(); ++i) {
                    ok = (*quantiles)[i].is_number() && (*quantiles)[i].get<double>() > 0.0 && (*quantiles)[i].get<double>() <= 1.0;
                    if (ok) q.push_back((*quantiles)[i].get<double>());
                }
                if (ok) {
                    y.floor_quantiles = q;
                } else {
                    yf.fail("scenario.fund.yield.floor_quantiles: 1 to 8 numbers in (0, 1]");
                }
            }
            yf.only_known(nlohmann::json{{"floor", 0}, {"rate_per_year", 0}, {"lockup_days", 0}, {"withdrawal_delay_days", 0},
                                         {"default_probability_per_year", 0}, {"default_severity", 0},
                                         {"rebalance_hours", 0}, {"floor_quantiles", 0}});
            f.yield = y;
        }
        if (const nlohmann::json* hedge = fields.find("hedge")) {
            known["hedge"] = nullptr;
            HedgeSetup h = f.hedge.value_or(HedgeSetup{});
            detail::JsonFields hf(*hedge, "scenario.fund.hedge", error);
            hf.number("ratio", h.ratio, 0.0, 1.0);
            hf.number("band", h.band, 0.0, 1.0);
            hf.number("margin_ratio", h.margin_ratio, 1e-6, 1.0);
            hf.number("rebalance_hours", h.rebalance_hours, 1e-3, 24.0 * 3'650.0);
            hf.only_known(nlohmann::json{{"ratio", 0}, {"band", 0}, {"margin_ratio", 0}, {"rebalance_hours", 0}});
            f.hedge = h;
        }
        if (const nlohmann::json* target = fields.find("target")) {
            known["target"] = nullptr;
            FundTargetConfig t = f.target.value_or(FundTargetConfig{});
            detail::JsonFields tf(*target, "scenario.fund.target", error);
            tf.fraction_ppm("open_interest_fraction", t.open_interest_fraction);
            tf.fraction_ppm("shock", t.shock);
            tf.integer("cover", t.cover, std::uint32_t{0}, FundTargetConfig::cover_max);
            tf.only_known(nlohmann::json{{"open_interest_fraction", 0}, {"shock", 0}, {"cover", 0}});
            f.target = t;
        }
        if (const nlohmann::json* dynamic = fields.find("dynamic_penalty")) {
            known["dynamic_penalty"] = nullptr;
            DynamicPenaltyConfig d = f.dynamic_penalty.value_or(DynamicPenaltyConfig{});
            detail::JsonFields penalty(*dynamic, "scenario.fund.dynamic_penalty", error);
            penalty.fraction_ppm("floor", d.floor);
            penalty.fraction_ppm("base", d.base);
            penalty.fraction_ppm("ceiling", d.ceiling);
            penalty.fraction_ppm("step_max", d.step_max);
            penalty.fraction_ppm("ewma_decay", d.ewma_decay);
            penalty.fraction_ppm("reference_volatility", d.reference_volatility);
            double volatility_weight = d.volatility_weight.to_double();
            double health_weight = d.health_weight.to_double();
            penalty.number("volatility_weight", volatility_weight, 0.0, 10.0);
            penalty.number("health_weight", health_weight, 0.0, 10.0);
            d.volatility_weight = detail::ppm_from_fraction(volatility_weight);
            d.health_weight = detail::ppm_from_fraction(health_weight);
            penalty.only_known(nlohmann::json{{"floor", 0}, {"base", 0}, {"ceiling", 0}, {"step_max", 0}, {"ewma_decay", 0},
                                              {"reference_volatility", 0}, {"volatility_weight", 0},
                                              {"health_weight", 0}});
            if (!penalty.failed()) {
                if (const Result<void> ok = d.validate(); !ok) {
                    penalty.fail("scenario.fund.dynamic_penalty: " + std::string(ok.error().detail));
                }
            }
            f.dynamic_penalty = d;
        }
        fields.only_known(known);
    }
    top.integer("horizon_steps", s.horizon_steps, std::uint32_t{1}, std::uint32_t{1'000'000});
    top.number("step_hours", s.step_hours, 1e-6, 24.0 * 365.0);
    top.integer("paths", s.paths, std::uint32_t{2}, std::uint32_t{100'000'000});
    top.integer("seed", s.seed);
    top.integer("threads", s.threads, std::uint32_t{0}, std::uint32_t{1024});
    top.boolean("audit_every_step", s.audit_every_step);
    if (error.empty() && !markets_consistent(s)) {
        error = "scenario: several markets need the correlated model with one volatility and jump beta per market, "
                "and market_weights one per market";
    }
    return out;
}

// Parses text, then reads it; a syntax error is reported with its position. The text is
// untrusted: every exception the parser throws becomes the error, including out_of_range for a
// number no double holds (1e999), which is no syntax error.
inline ScenarioFromJson scenario_from_json_text(const std::string& text, const Scenario& defaults = {}) {
    nlohmann::json document;
    const auto refused = [&defaults](const std::string& error) {
        ScenarioFromJson out;
        out.scenario = defaults;
        out.error = error;
        return out;
    };
    try {
        document = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        return refused(std::string("not valid JSON: ") + e.what());
    } catch (const nlohmann::json::out_of_range& e) {
        return refused(std::string("a number out of range: ") + e.what());
    } catch (const nlohmann::json::exception& e) {
        return refused(std::string("not readable JSON: ") + e.what());
    }
    return scenario_from_json(document, defaults);
}

}  // namespace risk
}  // namespace backstop
