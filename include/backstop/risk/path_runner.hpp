// One path of the lab, a step at a time: a fresh engine and fund built from the scenario; each
// step moves the mark by a log return (the scenario's price model's, or one the caller gives: a
// joint simulation of several protocols draws correlated ones), plus the impact of the previous
// step's forced volume, finds the liquidatable accounts, liquidates them (the liquidator unwinds
// what it took over against the market maker, which is the volume that moves the price), and runs
// the waterfall. Every trade is between two accounts (traders against a market maker), so money
// stays conserved; the ledger audit is checked at the end of the path (and after every step in the
// debug option). Between steps a caller may manage the fund (place capital with a strategy, pay or
// receive a reinsurance claim, rebalance a hedge) through engine(): run_path() is the plain loop.
#pragma once

#include "backstop/core/span.hpp"
#include "backstop/engine/margin_engine.hpp"
#include "backstop/fund/any_policy.hpp"
#include "backstop/management/dynamic_penalty.hpp"
#include "backstop/management/fund_hedge.hpp"
#include "backstop/management/fund_target.hpp"
#include "backstop/money/assets.hpp"
#include "backstop/risk/base_asset_holding.hpp"
#include "backstop/risk/lab_population.hpp"
#include "backstop/risk/lab_setup.hpp"
#include "backstop/risk/lab_stakers.hpp"
#include "backstop/risk/lab_yield.hpp"
#include "backstop/risk/market_attribution.hpp"
#include "backstop/risk/path_summary.hpp"
#include "backstop/risk/predictive_margin.hpp"
#include "backstop/risk/rng/random_stream.hpp"
#include "backstop/risk/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <variant>
#include <vector>

namespace backstop {
namespace risk {

using LabFund = RuntimeInsuranceFund<USDC>;
using LabEngine = MarginEngine<LabFund>;

// Runs one path step by step, deterministic in (scenario, path, the log returns given); not
// copyable (the engine's scratch buffers are its own). A template, as are the lab's entry points:
// a translation unit that calls none of them compiles none of them.
template <class Fund = LabFund>
class BasicPathRunner {
public:
    using Engine = MarginEngine<Fund>;
    static constexpr std::uint32_t maker_index = 0;
    static constexpr std::uint32_t liquidator_index = 1;
    static constexpr int quote_decimals = lab_quote_decimals;
    static constexpr int base_decimals = lab_base_decimals;
    static constexpr int price_decimals = lab_price_decimals;

    // `extra_accounts` are opened after the traders' (ids trader_count + 2, ...), empty, for the
    // caller's own use (e.g. the account that carries the fund's hedge). `fund_path` and
    // `target_path`, when given, receive the fund (and its target) after every step.
    BasicPathRunner(const Scenario& scenario, std::uint64_t path, std::vector<double>* fund_path = nullptr,
               std::vector<double>* target_path = nullptr, std::uint32_t extra_accounts = 0)
        : scenario_(detail::check_runnable(scenario)),  // first: the engine and set-up read it
          path_(path),
          account_count_(scenario.population.trader_count + 2 + extra_accounts + (scenario.fund.hedge ? 1u : 0u)),
          engine_(create_engine(scenario, account_count_)),
          rng_(scenario.seed, path),
          fund_path_(fund_path),
          target_path_(target_path) {
        set_up();
    }
    BasicPathRunner(const BasicPathRunner&) = delete;
    BasicPathRunner& operator=(const BasicPathRunner&) = delete;
    // The scenario's own price model's log return for `step` (its shocks and impact are added by
    // advance()). Call once per step, in order.
    double model_log_return(std::uint32_t step) {
        rng_.at_step(step);
        return std::visit(
            [&](const auto& m) {
                using M = std::decay_t<decltype(m)>;
                if constexpr (whole_path_model_v<M>) {
                    return path_log_returns_[step];
                } else if constexpr (std::is_same_v<M, CorrelatedMarkets>) {
                    m.log_returns(rng_, step, dt_, step_returns_.data());
                    return step_returns_[0];
                } else {
                    return m.log_return(std::get<typename M::State>(model_state_), rng_, dt_);
                }
            },
            scenario_.model);
    }

    // The model's log returns of every market for `step` (a CorrelatedMarkets draw, or the one
    // market's), which advance_by_model(step) steps by. Call once per step, in order.
    const double* model_log_returns(std::uint32_t step) {
        step_returns_[0] = model_log_return(step);
        return step_returns_.data();
    }

    // One step with the given log return of the (first) market's mark; a scenario with several
    // markets moves the others by the model's draws for this step.
    void advance(std::uint32_t step, double log_return) {
        if (markets_.size() == 1) return advance_markets(step, &log_return);
        step_returns_[0] = log_return;
        advance_markets(step, step_returns_.data());
    }
    // One step with the given log return of every market's mark (market_count() of them, finite:
    // else std::invalid_argument, and nothing moves).
    void advance_markets(std::uint32_t step, const double* log_returns) {
        const bool finite = std::all_of(log_returns, log_returns + markets_.size(), [](double r) { return std::isfinite(r); });
        if (!finite) throw std::invalid_argument("PathRunner: a log return is not finite");
        move_markets(step, log_returns);
    }
    // One step by the scenario's own model. An extreme model's draw may be infinite, or NaN (no
    // jumps times an infinite compensator): the marks then saturate at a tick or the int64 range.
    void advance_by_model(std::uint32_t step) { move_markets(step, model_log_returns(step)); }

    // The summary after the last step (call once).
    PathSummary finish();

    Engine& engine() { return engine_; }
    const Engine& engine() const { return engine_; }
    MarketId market() const { return market_; }  // the first market
    MarketId market(std::size_t k) const { return markets_[k].id; }
    std::size_t market_count() const { return markets_.size(); }
    std::uint32_t trader_count() const { return scenario_.population.trader_count; }
    AccountId extra_account(std::uint32_t i) const { return AccountId{scenario_.population.trader_count + 2 + i}; }
    std::int64_t fund_atoms() const { return engine_.fund().balance(engine_.ledger()).atoms(); }
    // The fund's value: its balance and, for a fund held in part in BTC, the holding at the mark
    // less its haircut.
    std::int64_t fund_value_atoms() const { return fund_atoms() + holding_atoms() + managed_atoms(); }
    // Capital the fund placed outside its balance: with a yield strategy, in its hedge account.
    std::int64_t managed_atoms() const {
        std::int64_t managed = yield_ ? yield_->holding() : std::int64_t{0};
        if (hedge_) {
            const Result<Amount<USDC, Int128>> equity = hedge_value(engine_, hedge_account_);
            if (equity) managed += static_cast<std::int64_t>(equity->atoms());
        }
        return managed;
    }
    std::int64_t holding_atoms() const { return holding_ ? holding_->value_atoms() : std::int64_t{0}; }
    // The BTC the fund holds (base atoms), 0 for a fund held in USDC.
    std::int64_t holding_base_atoms() const { return holding_ ? holding_->base_atoms() : std::int64_t{0}; }
    const PathSummary& summary() const { return summary_; }
    double price() const { return markets_[0].price; }
    double price(std::size_t k) const { return markets_[k].price; }
    // Called before a liquidation that leaves a deficit, with the deficit of a full close at the
    // mark (atoms): a layer beyond the fund pays its part into the fund (engine().fund_deposit).
    void set_before_deficit(std::function<void(std::int64_t)> hook) { before_deficit_ = std::move(hook); }

private:
    static Engine create_engine(const Scenario& scenario, std::uint32_t account_count) {
        const auto markets = static_cast<std::uint32_t>(scenario.market_count());
        auto created = Engine::create(EngineLimits{account_count, markets, markets}, detail::make_fee_capture(scenario.fund),
                                         detail::make_settlement(scenario.fund),
                                         detail::make_socialized_loss(scenario.fund, account_count));
        if (!created) throw std::invalid_argument("scenario: invalid fund policies");
        return std::move(*created);
    }

    void set_up();
    void move_markets(std::uint32_t step, const double* log_returns);
    std::int64_t price_raw(double price, std::size_t k = 0) const {
        const std::int64_t tick = scenario_.market_of(k).tick_size;
        const std::int64_t raw = detail::to_atoms(price, price_decimals);
        return std::max(tick, raw / tick * tick);
    }
    double impact(double volume, std::size_t k) const {
        const PriceImpact& impact = scenario_.impact_of(k);
        if (impact.kind == ImpactKind::none || volume == 0.0) return 0.0;
        const double x = std::abs(volume) / impact.depth_base_units;
        const double size = impact.kind == ImpactKind::linear ? x : std::sqrt(x);
        return (volume > 0 ? -1.0 : 1.0) * impact.coefficient * size;
    }
    std::size_t market_index(MarketId id) const {
        for (std::size_t k = 0; k < markets_.size(); ++k) {
            if (markets_[k].id == id) return k;
        }
        return 0;
    }
    void enter(std::uint32_t trader);
    void record_liquidation(const LiquidationReport<USDC>& report);
    void update_target() {
        if (!target_) return;
        const auto report = target_->compute(engine_);
        if (report) target_now_ = report->target.atoms();
    }
    void update_penalty() {
        // One dynamic penalty per market, each following its own mark.
        for (std::size_t k = 0; k < dynamic_penalties_.size(); ++k) {
            const Int128 balance(fund_atoms() + holding_atoms());
            const Result<PenaltyUpdate> update = dynamic_penalties_[k].update(
                engine_.mark(markets_[k].id), balance, target_ ? target_now_ : fixed_health_target_);
            if (update) (void)engine_.set_liquidation_penalty(markets_[k].id, update->penalty);
        }
    }

    void rebalance_hedge() {
        if (!hedge_ || now_ms_ < next_hedge_ms_) return;
        next_hedge_ms_ = now_ms_ + hedge_every_ms_;
        // Refused (inside the band, or the fund cannot pay the margin) changes nothing; counted.
        auto r = hedge_->rebalance(engine_, hedge_account_, AccountId{maker_index}, market_,
                                   Quantity<BTC>(holding_->base_atoms()), now_ms_);
        // The USDC part cannot pay the hedge's margin: sell BTC for what the plan's top-up lacks (as
        // for a deficit) and try again. The sale shrinks what is to be hedged, which can move the
        // plan (a trade the band allowed before): up to three times.
        for (int attempt = 0; attempt < 3 && !r && r.error().code == ErrorCode::insufficient_balance; ++attempt) {
            const Result<std::int64_t> top_up = hedge_->top_up_needed(
                engine_, hedge_account_, AccountId{maker_index}, market_, Quantity<BTC>(holding_->base_atoms()), now_ms_);
            if (!top_up || *top_up <= fund_atoms()) break;  // refused for another reason (a return's check)
            const std::int64_t raised =
                holding_->raise(*top_up - fund_atoms(), [&](Amount<USDC> proceeds) { (void)engine_.fund_deposit(proceeds); });
            if (raised == 0) break;  // no BTC left to sell
            r = hedge_->rebalance(engine_, hedge_account_, AccountId{maker_index}, market_,
                                  Quantity<BTC>(holding_->base_atoms()), now_ms_);
        }
        if (!r && r.error().code != ErrorCode::hedge_not_needed) ++summary_.hedge_refusals;
    }

    using ModelState = std::variant<std::monostate, Gbm::State, MertonJump::State, HawkesJump::State, Bootstrap::State>;

    const Scenario& scenario_;
    std::uint64_t path_ = 0;
    std::uint32_t account_count_ = 0;
    Engine engine_;
    MarketId market_{};  // the first market's: the base-asset holding and its hedge are in it
    std::vector<LabMarket> markets_;
    std::vector<double> step_returns_;       // per market, this step's log returns
    std::vector<double> closed_by_market_;   // per market, one liquidation's closed notional
    RandomStream rng_;
    std::vector<double>* fund_path_ = nullptr;
    std::vector<double>* target_path_ = nullptr;
    std::optional<BaseAssetHolding> holding_;
    std::optional<LabStakers> stakers_;
    std::optional<LabYield> yield_;
    // A hedge of the BTC holding: a short perpetual in the last account, against the market maker.
    std::optional<FundHedge<Engine>> hedge_;
    AccountId hedge_account_{};
    std::int64_t hedge_every_ms_ = 0;
    std::int64_t next_hedge_ms_ = 0;
    PathSummary summary_;
    std::int64_t fund_initial_atoms_ = 0;
    std::int64_t required_atoms_ = 0;
    std::vector<LabTrader> traders_;
    EntryIndex entries_;
    double fund_peak_ = 0.0;
    double dt_ = 0.0;
    // Step models carry a state from step to step; whole-path models (GarchT, GarchJump) write
    // the path's log returns up front, in SIMD lanes.
    std::vector<double> path_log_returns_;
    ModelState model_state_;
    std::int64_t now_ms_ = 0;
    std::vector<AccountId> due_;
    std::vector<std::uint32_t> waiting_;  // steps an account has been liquidatable
    std::vector<Allocation<USDC>> allocations_;
    // A dynamic penalty (one per market) follows the mark and the fund's health from the first mark on.
    std::vector<DynamicPenalty> dynamic_penalties_;
    // A computed target, at every mark: recorded, and read by the dynamic penalty as health.
    std::optional<FundTarget> target_;
    Int128 target_now_{0};
    Int128 fixed_health_target_{0};
    std::function<void(std::int64_t)> before_deficit_;
    std::vector<std::int64_t> pre_claimed_;  // per account: the deficit a layer already paid for
    std::optional<PredictiveMargins> predictive_;  // Scenario::predictive_margin
};

using PathRunner = BasicPathRunner<>;

template <class Fund> void BasicPathRunner<Fund>::set_up() {
    const Scenario& scenario = scenario_;
    if (!markets_consistent(scenario)) throw std::invalid_argument("scenario: inconsistent markets, model or weights");
    const std::size_t market_count = scenario.market_count();
    markets_.resize(market_count);
    step_returns_.assign(market_count, 0.0);
    closed_by_market_.assign(market_count, 0.0);
    summary_.markets.resize(market_count);
    for (std::size_t k = 0; k < market_count; ++k) {
        // Every market's base asset is a BTC-like 8-decimal asset: the engine needs a type, the
        // lab only its decimals.
        auto market_id = engine_.template add_market<BTC>(scenario.market_of(k));
        if (!market_id) throw std::invalid_argument("scenario: invalid market configuration");
        LabMarket& m = markets_[k];
        m.id = *market_id;
        m.price = scenario.initial_price_of(k);
        m.peak = m.price;
        // Nobody can open beyond the market's maximum leverage (its first tier's initial margin).
        m.max_leverage = 1e6 / static_cast<double>(std::max<std::int64_t>(1, scenario.market_of(k).tiers[0].initial.count()));
    }
    market_ = markets_[0].id;

    for (std::uint32_t i = 0; i < account_count_; ++i) (void)engine_.open_account();
    // The market maker and the liquidator are deep-pocketed, so that they are never the story.
    const Amount<USDC> deep(detail::to_atoms(50'000'000'000.0, quote_decimals));
    (void)engine_.deposit(AccountId{maker_index}, deep);
    (void)engine_.deposit(AccountId{liquidator_index}, deep);
    // A fund held in part in BTC (the currency-mismatch stress) keeps only the rest in USDC.
    const double base_fraction = std::clamp(scenario.fund.base_asset_fraction, 0.0, 1.0);
    if (scenario.fund.initial > 0 && base_fraction < 1.0) {
        (void)engine_.fund_deposit(Amount<USDC>(detail::to_atoms_nearest(scenario.fund.initial * (1.0 - base_fraction), quote_decimals)));
    }
    if (base_fraction > 0.0) {
        Result<BaseAssetHolding> opened = BaseAssetHolding::open(
            detail::to_atoms(scenario.fund.initial * base_fraction / scenario.initial_price, base_decimals),
            detail::ppm_from_fraction(scenario.fund.base_haircut), detail::ppm_from_fraction(scenario.fund.base_slippage));
        if (!opened) throw std::invalid_argument("scenario: invalid base-asset haircut or slippage");
        holding_.emplace(std::move(*opened));
        holding_->set_price(detail::to_atoms(scenario.initial_price, price_decimals));
    }
    if (scenario.fund.staking) {
        if (base_fraction > 0.0) throw std::invalid_argument("scenario: stakers in a fund held in the base asset");
        Result<LabStakers> opened = LabStakers::open(*scenario.fund.staking, fund_atoms(), 0);
        if (!opened) throw std::invalid_argument("scenario: invalid staking set-up");
        stakers_.emplace(std::move(*opened));
    }
    if (scenario.fund.hedge) {
        if (!holding_) throw std::invalid_argument("scenario: a hedge without a base-asset holding");
        HedgePolicy policy;
        policy.hedge_ratio = detail::ppm_from_fraction(scenario.fund.hedge->ratio);
        policy.band = detail::ppm_from_fraction(scenario.fund.hedge->band);
        policy.margin_ratio = detail::ppm_from_fraction(scenario.fund.hedge->margin_ratio);
        Result<FundHedge<LabEngine>> opened = FundHedge<LabEngine>::open(policy);
        if (!opened) throw std::invalid_argument("scenario: invalid hedge set-up");
        hedge_.emplace(std::move(*opened));
        hedge_account_ = AccountId{account_count_ - 1};
        hedge_every_ms_ = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::llround(scenario.fund.hedge->rebalance_hours * 3'600'000.0)));
    }
    if (scenario.fund.yield) {
        Result<LabYield> opened = LabYield::open(*scenario.fund.yield, detail::to_atoms(scenario.fund.yield->floor, quote_decimals),
                                                 scenario.seed, path_);
        if (!opened) throw std::invalid_argument("scenario: invalid yield set-up");
        yield_.emplace(std::move(*opened));
    }

    summary_.path = path_;
    fund_initial_atoms_ = fund_atoms();
    summary_.fund_initial = detail::to_units(fund_initial_atoms_ + holding_atoms(), quote_decimals);
    summary_.fund_min = summary_.fund_initial;
    fund_peak_ = summary_.fund_initial;

    // Trader attributes come from steps beyond the horizon of the same stream.
    draw_traders(scenario, rng_, traders_);
    entries_.build(traders_);

    dt_ = scenario.step_years();
    model_state_ = std::visit([&](const auto& m) -> ModelState {
        using M = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<M, CorrelatedMarkets>) {
            return std::monostate{};
        } else if constexpr (whole_path_model_v<M>) {
            path_log_returns_.resize(scenario.horizon_steps);
            m.log_returns(scenario.seed, path_, dt_, path_log_returns_.data(), path_log_returns_.size());
            return std::monostate{};
        } else {
            return m.initial_state();
        }
    }, scenario.model);
    due_.resize(account_count_);
    waiting_.assign(account_count_, 0);
    pre_claimed_.assign(account_count_, 0);
    allocations_.resize(std::size_t{account_count_} + 1);
    if (fund_path_ != nullptr) fund_path_->assign(scenario.horizon_steps, 0.0);

    if (scenario.fund.dynamic_penalty) {
        Result<DynamicPenalty> opened = DynamicPenalty::open(*scenario.fund.dynamic_penalty);
        if (!opened) throw std::invalid_argument("scenario: invalid dynamic penalty");
        dynamic_penalties_.assign(market_count, *opened);
    }
    if (scenario.fund.target) {
        Result<FundTarget> opened = FundTarget::open(*scenario.fund.target, 1);
        if (!opened) throw std::invalid_argument("scenario: invalid fund target");
        target_.emplace(std::move(*opened));
    }
    if (target_path_ != nullptr) target_path_->assign(scenario.horizon_steps, 0.0);
    // The health of a fund held in part in BTC counts its holding (at the mark less the haircut),
    // against its whole initial value.
    fixed_health_target_ = Int128(scenario.fund.fund_target > 0
                                      ? detail::to_atoms_nearest(scenario.fund.fund_target, quote_decimals)
                                      : fund_initial_atoms_ + holding_atoms());
    for (std::size_t k = 0; k < market_count; ++k) {
        (void)engine_.set_mark(markets_[k].id, Price<BTC, USDC>(price_raw(markets_[k].price, k)), Timestamp{now_ms_});
    }
    if (scenario.predictive_margin) predictive_.emplace(*scenario.predictive_margin, scenario, engine_, markets_);
    update_target();
    update_penalty();
    rebalance_hedge();  // hedged from the first mark on, before the first move
}

template <class Fund> void BasicPathRunner<Fund>::move_markets(std::uint32_t step, const double* log_returns) {
    now_ms_ += static_cast<std::int64_t>(scenario_.step_hours * 3'600'000.0);
    double shock = 0.0;
    for (const PriceShock& scheduled : scenario_.shocks) {
        if (scheduled.step == step) shock += scheduled.log_return;
    }
    for (std::size_t k = 0; k < markets_.size(); ++k) {
        LabMarket& m = markets_[k];
        m.price *= std::exp(log_returns[k] + shock + impact(m.forced_volume, k));
        m.forced_volume = 0.0;
        (void)engine_.set_mark(m.id, Price<BTC, USDC>(price_raw(m.price, k)), Timestamp{now_ms_});
        m.peak = std::max(m.peak, m.price);
        MarketPathSummary& market = summary_.markets[k];
        market.price_drawdown_max = std::max(market.price_drawdown_max, 1.0 - m.price / m.peak);
    }
    update_target();
    update_penalty();
    if (holding_) holding_->set_price(engine_.mark(market_));

    // Entries: traders open their positions against the market maker at the mark.
    entries_.each_entering(step, [&](std::uint32_t i) { enter(i); });

    // Liquidations (after the configured delay), then the liquidator unwinds to the maker.
    std::uint64_t in_step = 0;
    const auto found = engine_.liquidatable_accounts(Span<AccountId>(due_));
    for (const AccountId id : found) {
        if (id.value == maker_index || id.value == liquidator_index) continue;
        if (waiting_[id.value]++ < scenario_.population.liquidator_delay_steps) continue;
        for (int round = 0; round < 4 && engine_.is_liquidatable(id); ++round) {
            if (holding_ || before_deficit_) {
                // The deficit of a full close at the mark is the negative equity (penalty and
                // discount are forgone).
                const auto account = engine_.summary(id);
                const std::int64_t deficit = account && account->equity.is_negative() ? -account->equity.atoms() : 0;
                // A layer beyond the fund (a reinsurer, a pool) pays its part of it first; once per
                // deficit: a liquidation refused after the claim does not claim it again.
                if (before_deficit_ && deficit > pre_claimed_[id.value]) {
                    before_deficit_(deficit - pre_claimed_[id.value]);
                    pre_claimed_[id.value] = deficit;
                }
                if (holding_) {
                    // Sell BTC for what the USDC part cannot pay, plus a unit.
                    const std::int64_t floor = scenario_.fund.settlement == SettlementChoice::cover_above_floor
                                                   ? detail::to_atoms(scenario_.fund.floor, quote_decimals)
                                                   : 0;
                    const std::int64_t needed = deficit > 0 ? deficit + floor + 1'000'000 - fund_atoms() : 0;
                    holding_->raise(needed, [&](Amount<USDC> proceeds) { (void)engine_.fund_deposit(proceeds); });
                }
            }
            const std::int64_t fund_before = engine_.fund().balance(engine_.ledger()).atoms();
            auto report = engine_.liquidate(id, AccountId{liquidator_index}, Span<Allocation<USDC>>(allocations_));
            if (!report) {
                ++summary_.liquidations_refused;
                break;
            }
            pre_claimed_[id.value] = 0;
            if (report->deficit.is_positive()) {
                // A liquidation that leaves a deficit charges no penalty (it is capped by the
                // equity left), so this is the fund's gain when the deficit falls due.
                const std::int64_t gained = fund_before + report->penalty_split.to_fund.atoms() - fund_initial_atoms_;
                required_atoms_ = std::max(required_atoms_, report->deficit.atoms() - gained);
            }
            std::int64_t charged_atoms = 0;
            // Auto-deleveraging closes positions in the defaulter's market (its first closed one).
            const std::int64_t adl_mark = engine_.mark(report->closed_count > 0 ? report->closed[0].market : market_);
            for (std::size_t a = 0; a < report->allocation_count; ++a) {
                charged_atoms += allocations_[a].amount.atoms();
                const Allocation<USDC>& allocation = allocations_[a];
                const double amount = detail::to_units(allocation.amount.atoms(), quote_decimals);
                const bool venue = allocation.account.value == maker_index || allocation.account.value == liquidator_index;
                (venue ? summary_.socialized_maker : summary_.socialized_traders) += amount;
                ++summary_.bearer_charges;
                summary_.deleveraged_notional += detail::to_units(allocation.quantity_atoms, base_decimals) *
                                                detail::to_units(adl_mark, price_decimals);
            }
            summary_.charged_beyond_socialized +=
                detail::to_units(charged_atoms - report->socialized.atoms(), quote_decimals);
            ++in_step;
            ++summary_.liquidations;
            summary_.penalties_to_fund += detail::to_units(report->penalty_split.to_fund.atoms(), quote_decimals);
            summary_.penalties_charged += detail::to_units(report->penalty.atoms(), quote_decimals);
            summary_.closed_notional += detail::to_units(report->closed_notional.atoms(), quote_decimals);
            const double deficit = detail::to_units(report->deficit.atoms(), quote_decimals);
            summary_.bad_debt += deficit;
            summary_.bad_debt_events += deficit > 0 ? 1 : 0;
            summary_.fund_paid += detail::to_units(report->fund_paid.atoms(), quote_decimals);
            summary_.socialized += detail::to_units(report->socialized.atoms(), quote_decimals);
            summary_.uncovered += detail::to_units(report->uncovered.atoms(), quote_decimals);
            if (report->remainder.is_positive()) {
                ++summary_.adl_events;
                if (summary_.first_depletion_step < 0) summary_.first_depletion_step = step;
            }
            record_liquidation(*report);
        }
        waiting_[id.value] = 0;
        // The liquidator unwinds what it took over against the market maker, in every market.
        for (const LabMarket& m : markets_) {
            const std::int64_t inventory = engine_.position(AccountId{liquidator_index}, m.id).size;
            const Price<BTC, USDC> mark(engine_.mark(m.id));
            Result<TradeReport<USDC>> unwound = make_error(ErrorCode::invalid_argument, "no inventory");
            if (inventory > 0) {
                unwound = engine_.trade(m.id, AccountId{maker_index}, AccountId{liquidator_index}, Quantity<BTC>(inventory),
                                       mark, Taker::seller);
            } else if (inventory < 0) {
                unwound = engine_.trade(m.id, AccountId{liquidator_index}, AccountId{maker_index}, Quantity<BTC>(-inventory),
                                       mark, Taker::buyer);
            }
            if (unwound) summary_.fees_to_fund += detail::to_units(unwound->fees_to_fund.atoms(), quote_decimals);
        }
    }
    summary_.largest_cascade = std::max(summary_.largest_cascade, in_step);
    if (predictive_) summary_.margin_changes += predictive_->on_step(engine_, step, markets_);
    if (stakers_) {
        const std::int64_t claimed = stakers_->step(engine_.fund().balance(engine_.ledger()).atoms(), now_ms_,
                                                   [&](Amount<USDC> amount) { (void)engine_.fund_withdraw(amount); });
        summary_.staker_claims += detail::to_units(claimed, quote_decimals);
    }
    if (yield_) yield_->step(engine_, step, now_ms_, dt_);
    rebalance_hedge();
    const double fund_now = detail::to_units(fund_value_atoms(), quote_decimals);
    summary_.fund_min = std::min(summary_.fund_min, fund_now);
    fund_peak_ = std::max(fund_peak_, fund_now);
    summary_.fund_drawdown_max = std::max(summary_.fund_drawdown_max, fund_peak_ - fund_now);
    if (fund_path_ != nullptr) (*fund_path_)[step] = fund_now;
    if (target_) {
        // The target at this step's mark (before its liquidations), against the fund after them.
        const double target_units = detail::to_units(static_cast<std::int64_t>(std::min(target_now_, Int128(std::numeric_limits<std::int64_t>::max()))), quote_decimals);
        summary_.target_final = target_units;
        summary_.target_max = std::max(summary_.target_max, target_units);
        if (target_units > 0.0) summary_.coverage_min = std::min(summary_.coverage_min, fund_now / target_units);
        if (target_path_ != nullptr) (*target_path_)[step] = target_units;
    }
    if (scenario_.audit_every_step && !engine_.ledger().audit().balanced()) summary_.conserved = false;
}

// A trader deposits its collateral and opens its position (half the notional in each market when
// it holds two) against the market maker at the mark; a market refusing it changes nothing.
template <class Fund> void BasicPathRunner<Fund>::enter(std::uint32_t trader) {
    const LabTrader& t = traders_[trader];
    const AccountId id{trader + 2};
    const std::int64_t collateral = detail::to_atoms(t.collateral, quote_decimals);
    if (collateral <= 0 || !engine_.deposit(id, Amount<USDC>(collateral))) return;
    const LabMarket& main = markets_[t.market];
    const bool crossed = t.second_market >= 0;
    const double leverage_max = crossed ? std::min(main.max_leverage, markets_[static_cast<std::size_t>(t.second_market)].max_leverage)
                                        : main.max_leverage;
    // Asking for more than the market allows opens at 99.9% of its maximum: exactly the maximum is
    // refused, the initial margin rounding up in the protocol's favour.
    const double notional = t.collateral * (t.leverage < leverage_max ? t.leverage : 0.999 * leverage_max);
    auto open = [&](std::size_t k, double in_market, bool is_long) {
        const std::int64_t mark = engine_.mark(markets_[k].id);
        const std::int64_t lot = scenario_.market_of(k).lot_size;
        std::int64_t size = detail::to_atoms(in_market / detail::to_units(mark, price_decimals), base_decimals);
        size = size / lot * lot;
        if (size <= 0) return false;
        const AccountId maker{maker_index};
        const MarketId market = markets_[k].id;
        // The trader takes liquidity; the market maker makes it.
        auto traded = is_long ? engine_.trade(market, id, maker, Quantity<BTC>(size), Price<BTC, USDC>(mark), Taker::buyer)
                              : engine_.trade(market, maker, id, Quantity<BTC>(size), Price<BTC, USDC>(mark), Taker::seller);
        if (traded) summary_.fees_to_fund += detail::to_units(traded->fees_to_fund.atoms(), quote_decimals);
        return traded.has_value();
    };
    bool entered = open(t.market, crossed ? 0.5 * notional : notional, t.is_long);
    if (crossed) entered = open(static_cast<std::size_t>(t.second_market), 0.5 * notional, t.second_long) || entered;
    summary_.traders_entered += entered ? 1u : 0u;
}

// Per market: the liquidation's closed notional, its volume (which moves the next mark), and its
// deficit and socialized remainder in proportion to the notional closed in each market.
template <class Fund> void BasicPathRunner<Fund>::record_liquidation(const LiquidationReport<USDC>& report) {
    std::fill(closed_by_market_.begin(), closed_by_market_.end(), 0.0);
    for (std::size_t c = 0; c < report.closed_count; ++c) {
        const PositionChange& change = report.closed[c];
        const std::size_t k = market_index(change.market);
        const double volume = detail::to_units(change.size_before - change.size_after, base_decimals);
        markets_[k].forced_volume += volume;
        closed_by_market_[k] += std::abs(volume) * detail::to_units(engine_.mark(change.market), price_decimals);
    }
    attribute_liquidation(closed_by_market_, report.closed_count > 0, detail::to_units(report.deficit.atoms(), quote_decimals),
                          detail::to_units(report.socialized.atoms(), quote_decimals), report.remainder.is_positive(),
                          summary_.markets);
}

template <class Fund> PathSummary BasicPathRunner<Fund>::finish() {
    summary_.fund_final = detail::to_units(fund_value_atoms(), quote_decimals);
    if (yield_) {
        summary_.yield_income = detail::to_units(yield_->income_atoms(), quote_decimals);
        summary_.yield_losses = detail::to_units(yield_->losses_atoms(), quote_decimals);
        summary_.yield_defaults = yield_->defaults();
        summary_.yield_placed_final = detail::to_units(yield_->holding(), quote_decimals);
    }
    if (hedge_) {
        summary_.hedge_fees = detail::to_units(static_cast<std::int64_t>(hedge_->fees_total().atoms()), quote_decimals);
        const Result<Amount<USDC, Int128>> equity = hedge_value(engine_, hedge_account_);
        summary_.hedge_value_final = equity ? detail::to_units(static_cast<std::int64_t>(equity->atoms()), quote_decimals) : 0.0;
    }
    summary_.final_price = markets_[0].price;
    if (predictive_) predictive_->summarize(summary_);
    if (!predictive_) static_margin_summary(summary_, scenario_.market);
    for (std::size_t k = 0; k < markets_.size(); ++k) summary_.markets[k].final_price = markets_[k].price;
    summary_.fund_required = detail::to_units(required_atoms_, quote_decimals);
    summary_.conserved = summary_.conserved && engine_.ledger().audit().balanced() && (!holding_ || holding_->conserved()) &&
                        (!stakers_ || stakers_->conserved()) && (!yield_ || yield_->conserved());
    summary_.digest = engine_.digest();
    return summary_;
}

}  // namespace risk
}  // namespace backstop
