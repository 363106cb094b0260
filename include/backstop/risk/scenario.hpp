// A Scenario fully describes a stress-test run: the market and its margin parameters, the fund
// and its policies, the price model and price impact, the trader population, the horizon and
// step, the number of paths and the seed. It is a plain value: two equal scenarios give equal
// results, bit for bit, whatever the number of threads.
#pragma once

#include "backstop/engine/market.hpp"
#include "backstop/engine/presets.hpp"
#include "backstop/management/dynamic_penalty.hpp"
#include "backstop/management/fund_target.hpp"
#include "backstop/risk/incident_reference.hpp"
#include "backstop/risk/path_distribution.hpp"
#include "backstop/risk/predictive_margin.hpp"
#include "backstop/risk/price_model/bootstrap.hpp"
#include "backstop/risk/price_model/correlated_markets.hpp"
#include "backstop/risk/price_model/garch.hpp"
#include "backstop/risk/price_model/garch_jump.hpp"
#include "backstop/risk/price_model/gbm.hpp"
#include "backstop/risk/price_model/hawkes_jump.hpp"
#include "backstop/risk/price_model/merton_jump.hpp"

#include <cmath>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace backstop {
namespace risk {

// CorrelatedMarkets moves every market of a scenario with several (one volatility and jump beta
// per market); the others move one market.
using PriceModel = std::variant<Gbm, MertonJump, GarchT, HawkesJump, Bootstrap, GarchJump, CorrelatedMarkets>;

// The models that generate a path whole, in SIMD lanes (log_returns(seed, path, dt_years, out,
// steps)); the other one-market models step from a State (log_return(state, rng, dt_years)).
template <class Model>
inline constexpr bool whole_path_model_v = std::is_same_v<Model, GarchT> || std::is_same_v<Model, GarchJump>;

enum class ImpactKind : std::uint8_t { none, linear, square_root };

// Endogenous price impact: the base volume that liquidations force through the market in one
// step moves the next step's log price by
//   -direction x coefficient x f(volume / depth),  f(x) = x (linear) or sqrt(x) (square root),
// where direction is +1 for forced selling (long liquidations) and -1 for forced buying.
struct PriceImpact {
    ImpactKind kind = ImpactKind::none;
    double depth_base_units = 500.0;  // volume that moves the price by `coefficient` (linear)
    double coefficient = 0.01;
};

// A move of the log price added at a given step, on top of the model: a scheduled gap.
struct PriceShock {
    std::uint32_t step = 0;
    double log_return = 0.0;
};

struct Population {
    std::uint32_t trader_count = 2'000;
    double leverage_min = 2.0;           // uniform between min and max
    double leverage_max = 20.0;
    double collateral_median = 2'000.0;  // quote units; log-normal
    double collateral_log_sigma = 1.0;
    double long_fraction = 0.55;         // side skew
    std::uint32_t entry_steps = 24;      // traders enter uniformly over the first steps
    std::uint32_t liquidator_delay_steps = 0;  // a liquidatable account waits this long
    // With several markets: the weight of each market (the scenario's order) in a trader's choice
    // of its main market (empty: equal), and the fraction of traders who also hold a position in
    // a second market, on the same cross-margined account (half the notional in each).
    std::vector<double> market_weights;
    double second_market_fraction = 0.0;
};

// A market beyond the scenario's first (Scenario::market): its name, contract and margins, price
// and impact. Its moves come from the scenario's CorrelatedMarkets model, which has one entry per
// market.
struct MarketSetup {
    std::string name = "ETH";
    MarketConfig market = presets::dydx_v4::large_cap();
    double initial_price = 3'000.0;
    PriceImpact impact{};
};

enum class FeeCaptureChoice : std::uint8_t { fund_only, fixed_shares, fund_first_until_target };
enum class SettlementChoice : std::uint8_t { cover_up_to_balance, cover_above_floor };
// New choices go at the end: the numeric values are kept (saved runs, fuzz inputs).
enum class SocializedLossChoice : std::uint8_t { ranked_adl, pro_rata_haircut, funding, random_start_adl, water_filling };

// Outside stakers in the fund (risk/lab_stakers.hpp): their share of the initial fund, and when
// they run: staker i of n asks for its whole stake when the fund is (i + 1) / n x run_drawdown
// below its high, and claims it after the cooldown, within the daily claim limit.
struct StakingSetup {
    double staked_fraction = 0.5;    // of the initial fund, from outside stakers; the rest is the protocol's
    std::uint32_t stakers = 10;
    double cooldown_hours = 0.0;     // between a request and its claim
    double claims_per_day_max = 1.0;  // of the fund's balance per day (1: no limit)
    double run_drawdown = 0.2;       // the fund's fall from its high at which the last staker runs

    bool valid() const {
        return staked_fraction >= 0.0 && staked_fraction <= 1.0 && stakers >= 1 && stakers <= 1'000 &&
               cooldown_hours >= 0.0 && cooldown_hours <= 24.0 * 3'650.0 && claims_per_day_max > 0.0 &&
               claims_per_day_max <= 1.0 && run_drawdown > 0.0 && run_drawdown <= 1.0;
    }
};

// Yield on the fund's capital above a liquidity floor (risk/lab_yield.hpp, on
// management/yield_strategies.hpp): at every rebalance the capital above the floor goes to one
// strategy, what the fund lacks below it is recalled (after the withdrawal delay, not before the
// lock-up ends). The strategy earns its rate and may default (a loss of `default_severity` of what
// it holds) with the given probability per year. The floor is in quote units; the yield comparison
// of the report sets it from a quantile of the fund's largest fall in the run without yield.
struct YieldSetup {
    double floor = 0.0;                          // quote units
    double rate_per_year = 0.08;
    double lockup_days = 7.0;                    // from each allocation
    double withdrawal_delay_days = 2.0;          // from a recall's request
    double default_probability_per_year = 0.05;
    double default_severity = 0.5;
    double rebalance_hours = 24.0;
    std::vector<double> floor_quantiles{0.5, 0.9, 0.99};  // the report's three floors

    bool valid() const {
        bool quantiles = !floor_quantiles.empty() && floor_quantiles.size() <= 8;
        for (const double q : floor_quantiles) quantiles = quantiles && q > 0.0 && q <= 1.0;
        return quantiles && floor >= 0.0 && floor <= 1e15 && rate_per_year >= 0.0 && rate_per_year <= 1.0 &&
               lockup_days >= 0.0 && lockup_days <= 3'650.0 && withdrawal_delay_days >= 0.0 &&
               withdrawal_delay_days <= 3'650.0 && default_probability_per_year >= 0.0 &&
               default_probability_per_year <= 1'000.0 && default_severity >= 0.0 && default_severity <= 1.0 &&
               rebalance_hours > 0.0 && rebalance_hours <= 24.0 * 3'650.0;
    }
};

// A hedge of the fund's base-asset holding (base_asset_fraction > 0) with a short perpetual in the
// market itself (risk/lab_hedge.hpp, on management/fund_hedge.hpp): the hedge account trades with
// the market maker at the mark, paying the taker fee; its collateral comes from the fund.
struct HedgeSetup {
    double ratio = 1.0;             // of the holding's base quantity
    double band = 0.1;              // rebalance only when the hedge is this far (relative) from its target
    double margin_ratio = 0.25;     // collateral kept in the hedge account, of the hedge's notional
    double rebalance_hours = 24.0;

    bool valid() const {
        return ratio >= 0.0 && ratio <= 1.0 && band >= 0.0 && band <= 1.0 && margin_ratio > 0.0 && margin_ratio <= 1.0 &&
               rebalance_hours > 0.0 && rebalance_hours <= 24.0 * 3'650.0;
    }
};

struct FundSetup {
    double initial = 1'000'000.0;  // quote units
    FeeCaptureChoice fee_capture = FeeCaptureChoice::fund_only;
    double liquidator_share = 0.0;  // fraction, for fixed_shares / fund_first_until_target
    double fund_target = 0.0;       // quote units, for fund_first_until_target
    SettlementChoice settlement = SettlementChoice::cover_up_to_balance;
    double floor = 0.0;             // quote units, for cover_above_floor
    SocializedLossChoice socialized_loss = SocializedLossChoice::ranked_adl;
    // A dynamic liquidation penalty (docs/management.md) instead of the market's static one:
    // updated at every step's mark, its health read against fund_target (or, when that is 0,
    // the initial fund).
    std::optional<DynamicPenaltyConfig> dynamic_penalty;
    // The currency-mismatch stress: this fraction of `initial` is held in the market's base asset
    // (bought at the initial price), valued at the mark less `base_haircut` and sold at the mark
    // less haircut and `base_slippage` just before a liquidation the USDC part cannot pay
    // (risk/base_asset_holding.hpp). 0: a stablecoin fund.
    double base_asset_fraction = 0.0;
    // A target computed from the engine at every step (management/fund_target.hpp: a fraction of
    // open interest and Cover-N); the run records the fund's coverage of it, and a dynamic
    // penalty reads its health against it (instead of fund_target).
    std::optional<FundTargetConfig> target;
    std::optional<StakingSetup> staking;  // outside stakers who may run (not with base_asset_fraction)
    double base_haircut = 0.0;
    double base_slippage = 0.0;
    std::optional<YieldSetup> yield;  // capital above a floor placed with a strategy (a USDC fund only)
    std::optional<HedgeSetup> hedge;  // a short perpetual against the base-asset holding
};

// The fund set-up's own consistency, checked before any path runs (a path that finds it wrong
// throws, which a worker thread cannot hand back).
inline bool fund_setup_consistent(const FundSetup& fund) {
    if (!(fund.base_asset_fraction >= 0.0 && fund.base_asset_fraction <= 1.0)) return false;
    if (!(fund.base_haircut >= 0.0 && fund.base_slippage >= 0.0 && fund.base_haircut + fund.base_slippage <= 1.0)) return false;
    if (fund.staking && (!fund.staking->valid() || fund.base_asset_fraction > 0.0)) return false;
    if (fund.target && !fund.target->validate()) return false;
    if (fund.dynamic_penalty && !fund.dynamic_penalty->validate()) return false;
    // A strategy holds USDC taken from a USDC fund; stakers would see its capital leave as a loss.
    if (fund.yield && (!fund.yield->valid() || fund.base_asset_fraction > 0.0 || fund.staking)) return false;
    if (fund.hedge && (!fund.hedge->valid() || !(fund.base_asset_fraction > 0.0))) return false;
    return true;
}

namespace detail {
// A fraction as the engine's rate (1.5% -> Ppm{15000}), to the nearest part per million.
inline Ppm ppm_from_fraction(double fraction) { return Ppm{static_cast<std::int64_t>(std::llround(fraction * 1e6))}; }
}  // namespace detail

struct Scenario {
    std::string market_name = "BTC";  // the first market
    MarketConfig market = presets::dydx_v4::large_cap();
    double initial_price = 60'000.0;  // quote per base
    PriceModel model = GarchT{};
    PriceImpact impact{};
    std::vector<PriceShock> shocks;     // scheduled gaps, e.g. {{48, std::log(0.8)}}: -20% at step 48 (every market)
    std::vector<MarketSetup> more_markets;  // markets beyond the first (model: CorrelatedMarkets)
    Population population{};
    FundSetup fund{};
    std::uint32_t horizon_steps = 720;  // 30 days hourly
    double step_hours = 1.0;
    std::uint32_t paths = 1'000;
    std::uint64_t seed = 1;
    std::uint32_t threads = 0;          // 0: every core
    // Where the paths run, not what they are: null, this process only; else split over the
    // distribution's ranks (risk/path_distribution.hpp). Not saved with the scenario.
    PathDistribution* distribution = nullptr;
    bool audit_every_step = false;      // debug: check ledger conservation after every step
    // A replay of a published incident: the figure the report compares the simulated fund loss with.
    std::optional<IncidentReference> incident;
    // Margins that move ahead of volatility (risk/predictive_margin.hpp); empty: the static ones.
    std::optional<PredictiveMarginSetup> predictive_margin;

    double step_years() const { return step_hours / (24.0 * 365.0); }
    std::size_t market_count() const { return 1 + more_markets.size(); }
    const std::string& market_name_of(std::size_t k) const { return k == 0 ? market_name : more_markets[k - 1].name; }
    const MarketConfig& market_of(std::size_t k) const { return k == 0 ? market : more_markets[k - 1].market; }
    double initial_price_of(std::size_t k) const { return k == 0 ? initial_price : more_markets[k - 1].initial_price; }
    const PriceImpact& impact_of(std::size_t k) const { return k == 0 ? impact : more_markets[k - 1].impact; }
};

// The markets' own consistency: a GARCH model (GarchT, GarchJump) is valid(); a CorrelatedMarkets
// model has one entry per market and only it moves several; at most markets_max markets; weights,
// when given, one per market, non-negative, not all zero; predictive margins, when set, with a
// GARCH filter and bounds that fit every market.
inline bool markets_consistent(const Scenario& scenario) {
    constexpr std::size_t markets_max = 16;
    const std::size_t n = scenario.market_count();
    if (n > markets_max) return false;
    if (const auto* garch = std::get_if<GarchT>(&scenario.model); garch != nullptr && !garch->valid()) return false;
    if (const auto* garch = std::get_if<GarchJump>(&scenario.model); garch != nullptr && !garch->valid()) return false;
    const auto* correlated = std::get_if<CorrelatedMarkets>(&scenario.model);
    if (correlated != nullptr ? !(correlated->valid() && correlated->size() == n) : n != 1) return false;
    const Population& population = scenario.population;
    if (!population.market_weights.empty()) {
        if (population.market_weights.size() != n) return false;
        double total = 0.0;
        for (const double w : population.market_weights) {
            if (!(w >= 0.0 && w <= 1e6)) return false;
            total += w;
        }
        if (!(total > 0.0)) return false;
    }
    if (!(population.second_market_fraction >= 0.0 && population.second_market_fraction <= 1.0)) return false;
    if (!predictive_margin_consistent(scenario)) return false;
    return n > 1 || population.second_market_fraction == 0.0;
}

namespace detail {

inline bool finite_in(double x, double low, double high) { return std::isfinite(x) && x >= low && x <= high; }
inline bool finite_at_least(double x, double low) { return std::isfinite(x) && x >= low; }

// The price model's numbers, in the ranges the JSON reader accepts (report/scenario_json.hpp),
// but GarchJump's intensity: bounded only by its Poisson draw's range per step, so that a tilted
// scenario (risk/rare_event.hpp) may multiply a valid one.
inline const char* model_numbers_error(const PriceModel& model, double step_years) {
    constexpr double jumps_per_year_max = 1e9;
    auto jumps_ok = [](double intensity, double mean, double volatility) {
        return finite_in(intensity, 0.0, jumps_per_year_max) && std::isfinite(mean) && finite_at_least(volatility, 0.0);
    };
    return std::visit(
        [&](const auto& m) -> const char* {
            using M = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<M, Gbm>) {
                if (!std::isfinite(m.drift_per_year) || !finite_at_least(m.volatility_per_year, 0.0)) {
                    return "scenario.model: a gbm drift or volatility is not finite (or is negative)";
                }
            } else if constexpr (std::is_same_v<M, MertonJump>) {
                if (!std::isfinite(m.drift_per_year) || !finite_at_least(m.volatility_per_year, 0.0) ||
                    !jumps_ok(m.jump_intensity_per_year, m.jump_mean, m.jump_volatility)) {
                    return "scenario.model: a merton_jump number is out of range";
                }
            } else if constexpr (std::is_same_v<M, HawkesJump>) {
                if (!finite_at_least(m.volatility_per_year, 0.0) || !finite_in(m.baseline_per_year, 0.0, 1e9) ||
                    !finite_in(m.excitation_per_year, 0.0, 1e9) || !finite_in(m.decay_per_year, 1e-9, 1e9) ||
                    !(m.excitation_per_year < m.decay_per_year) || !std::isfinite(m.jump_mean) ||
                    !finite_at_least(m.jump_volatility, 0.0)) {
                    return "scenario.model: a hawkes_jump number is out of range (excitation must be below decay)";
                }
            } else if constexpr (std::is_same_v<M, Bootstrap>) {
                if (m.returns == nullptr || m.returns->empty()) return "scenario.model: the bootstrap model needs returns";
                for (const double r : *m.returns) {
                    if (!std::isfinite(r)) return "scenario.model: a bootstrap return is not finite";
                }
            } else if constexpr (std::is_same_v<M, GarchT>) {
                if (!m.valid() || m.degrees_of_freedom > 1e6) return "scenario.model: invalid garch_t parameters";
            } else if constexpr (std::is_same_v<M, GarchJump>) {
                if (!m.valid() || m.degrees_of_freedom > 1e6 || !m.jumps_in_range(step_years)) {
                    return "scenario.model: invalid garch_jump parameters";
                }
            } else {
                static_assert(std::is_same_v<M, CorrelatedMarkets>, "every model is checked");
                if (!m.valid()) return "scenario.model: invalid correlated_markets parameters";
            }
            return nullptr;
        },
        model);
}

// Every number of the scenario a path reads, in the ranges the JSON reader accepts, so that a
// scenario built in C++ gets the same refusal: a NaN or an infinity would reach a conversion to
// atoms or a Poisson draw. The first field out of range, or null.
inline const char* scenario_numbers_error(const Scenario& s) {
    auto impact_ok = [](const PriceImpact& impact) {
        return finite_at_least(impact.depth_base_units, 1e-12) && finite_in(impact.coefficient, 0.0, 10.0);
    };
    if (!finite_in(s.initial_price, 1e-6, 1e12)) return "scenario.initial_price: out of range or not finite";
    if (!impact_ok(s.impact)) return "scenario.impact: out of range or not finite";
    for (const MarketSetup& m : s.more_markets) {
        if (!finite_in(m.initial_price, 1e-6, 1e12)) return "scenario.more_markets: an initial_price is out of range or not finite";
        if (!impact_ok(m.impact)) return "scenario.more_markets: an impact is out of range or not finite";
    }
    for (const PriceShock& shock : s.shocks) {
        if (!finite_in(shock.log_return, -20.0, 20.0)) return "scenario.shocks: a log_return is out of [-20, 20] or not finite";
    }
    const Population& p = s.population;
    if (!finite_in(p.leverage_min, 0.0, 1e4) || !finite_in(p.leverage_max, p.leverage_min, 1e4)) {
        return "scenario.population: leverage_min and leverage_max out of range (or max below min)";
    }
    if (!finite_in(p.collateral_median, 1e-6, 1e12) || !finite_in(p.collateral_log_sigma, 0.0, 10.0)) {
        return "scenario.population: the collateral's median or log sigma is out of range";
    }
    if (!finite_in(p.long_fraction, 0.0, 1.0)) return "scenario.population.long_fraction: out of [0, 1]";
    const FundSetup& f = s.fund;
    if (!finite_in(f.initial, 0.0, 1e12)) return "scenario.fund.initial: out of range or not finite";
    if (!finite_in(f.liquidator_share, 0.0, 1.0)) return "scenario.fund.liquidator_share: out of [0, 1]";
    if (!finite_in(f.fund_target, 0.0, 1e12) || !finite_in(f.floor, 0.0, 1e12)) {
        return "scenario.fund: fund_target or floor out of range or not finite";
    }
    if (!finite_in(s.step_hours, 1e-6, 24.0 * 365.0)) return "scenario.step_hours: out of range or not finite";
    return model_numbers_error(s.model, s.step_years());
}

// Why a scenario cannot run (its numbers, markets or fund set-up), or null: what a PathRunner
// checks, for a caller that reports errors as values (the joint run).
inline const char* runnable_error(const Scenario& scenario) {
    if (const char* error = scenario_numbers_error(scenario)) return error;
    if (!predictive_margin_consistent(scenario)) {
        return "scenario: the predictive margin set-up is invalid or does not fit the model or markets";
    }
    if (!markets_consistent(scenario)) return "scenario: inconsistent markets, model or market weights";
    if (!fund_setup_consistent(scenario.fund)) return "scenario: inconsistent fund set-up";
    return nullptr;
}

// A scenario that cannot run is refused here, before any path runs: a path that found it would
// throw inside a worker, which cannot hand it back. Returns it.
inline const Scenario& check_runnable(const Scenario& scenario) {
    if (const char* error = runnable_error(scenario)) throw std::invalid_argument(error);
    return scenario;
}

}  // namespace detail

}  // namespace risk
}  // namespace backstop
