// The runner: for each path a fresh engine and fund built from the scenario; each step moves the
// mark by the price model (plus the impact of the previous step's forced volume), finds the
// liquidatable accounts, liquidates them (the liquidator unwinds what it took over against the
// market maker, which is the volume that moves the price), and runs the waterfall. Every trade is
// between two accounts (traders against a market maker), so money stays conserved; the ledger
// audit is checked at the end of every path (and after every step in the debug option).
//
// Paths run on std::thread workers; path p always uses the random stream (seed, p), and the
// summaries are stored by path index, so the results are identical for any number of threads,
// and any single path can be replayed alone with run_path().
#pragma once

#include "backstop/core/span.hpp"
#include "backstop/engine/margin_engine.hpp"
#include "backstop/fund/any_policy.hpp"
#include "backstop/management/dynamic_penalty.hpp"
#include "backstop/money/assets.hpp"
#include "backstop/risk/base_asset_holding.hpp"
#include "backstop/risk/lab_stakers.hpp"
#include "backstop/risk/progress.hpp"
#include "backstop/risk/rng/random_stream.hpp"
#include "backstop/risk/scenario.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <variant>
#include <vector>

namespace backstop {
namespace risk {

using assets::BTC;
using assets::USDC;

// What one path did. Amounts in quote units (USDC) as doubles: the lab reports, the engine
// inside computed them exactly.
struct PathSummary {
    std::uint64_t path = 0;
    double fund_initial = 0.0;
    double fund_min = 0.0;
    double fund_final = 0.0;
    double penalties_to_fund = 0.0;
    double penalties_charged = 0.0;  // what liquidated traders paid in penalties
    double fees_to_fund = 0.0;       // the fund's share of trading fees (MarketConfig::fee_to_fund)
    // With FundSetup::target: the target at the end, its highest, and the fund's lowest coverage
    // of it (balance / target, over the steps where the target was positive).
    double target_final = 0.0;
    double target_max = 0.0;
    double coverage_min = std::numeric_limits<double>::infinity();  // infinite: the target was never positive
    double staker_claims = 0.0;  // with FundSetup::staking: what stakers took out of the fund
    double closed_notional = 0.0;    // what their liquidations closed, at the mark
    double bad_debt = 0.0;         // deficits left by liquidations
    double fund_paid = 0.0;
    double socialized = 0.0;
    double uncovered = 0.0;
    std::uint64_t liquidations = 0;
    std::uint64_t liquidations_refused = 0;  // liquidatable, but the engine refused (e.g. a policy could not plan)
    std::uint64_t bad_debt_events = 0;
    std::uint64_t adl_events = 0;  // liquidations whose remainder went to the socialized-loss policy
    std::uint64_t largest_cascade = 0;   // most liquidations in one step
    std::int64_t first_depletion_step = -1;  // first step the fund could not pay in full
    // The smallest initial fund that would have paid every deficit of this path in full: the
    // largest deficit less what the fund had gained since the start when it was due. Exact when
    // the path was not depleted, no liquidation was refused, and the fund's policies do not look
    // at its balance (the path is then the same for every initial fund at least this large;
    // calibration checks the policies). Otherwise the path diverged at its first shortfall and
    // this says nothing.
    double fund_required = 0.0;
    // Who bore what the fund could not pay (quote units), and how: charges to traders and to the
    // venue's own accounts (the market maker, the counterparty of every entry, and the
    // liquidator, which unwinds to it), the number of charges, and the notional of positions
    // closed by auto-deleveraging (at the mark).
    double socialized_traders = 0.0;
    double socialized_maker = 0.0;
    std::uint64_t bearer_charges = 0;
    double charged_beyond_socialized = 0.0;  // charges above the amounts socialized (rounding up)
    double deleveraged_notional = 0.0;
    std::uint64_t traders_entered = 0;
    double final_price = 0.0;
    bool conserved = true;         // ledger audit balanced
    std::uint64_t digest = 0;      // engine digest at the end: equal paths, equal digests

    bool depleted() const { return first_depletion_step >= 0; }
    bool fund_required_exact() const { return !depleted() && liquidations_refused == 0; }
    double fund_loss() const { return fund_initial - fund_final; }
};

struct RunResult {
    std::vector<PathSummary> paths;              // in path order
    std::vector<std::vector<double>> fund_paths;  // per path, the fund balance after each step (if recorded)
    std::vector<std::vector<double>> target_paths;  // per path, its target after each step (recorded, with a target)
};

namespace detail {

// Quote or base units to atoms, rounded down (collateral and sizes: never more than asked),
// within the int64 range (a wild scenario saturates rather than overflows).
inline std::int64_t to_atoms(double units, int decimals) {
    const double atoms = std::floor(units * std::pow(10.0, decimals));
    return static_cast<std::int64_t>(std::clamp(atoms, -9.0e18, 9.0e18));
}
// Rounded to the nearest atom: for the fund's initial balance, so that a size the lab reported
// (atoms / 10^decimals) comes back as the same atoms.
inline std::int64_t to_atoms_nearest(double units, int decimals) {
    return static_cast<std::int64_t>(std::llround(std::clamp(units * std::pow(10.0, decimals), -9.0e18, 9.0e18)));
}
inline double to_units(std::int64_t atoms, int decimals) {
    return static_cast<double>(atoms) / std::pow(10.0, decimals);
}

inline fee_capture::AnyFeeCapture<USDC> make_fee_capture(const FundSetup& setup) {
    const Bps share{static_cast<std::int64_t>(std::llround(setup.liquidator_share * 10'000.0))};
    switch (setup.fee_capture) {
        case FeeCaptureChoice::fixed_shares: return fee_capture::FixedShares<USDC>{share, Bps{0}};
        case FeeCaptureChoice::fund_first_until_target:
            return fee_capture::FundFirstUntilTarget<USDC>{share, Amount<USDC>(to_atoms(setup.fund_target, 6))};
        case FeeCaptureChoice::fund_only: break;
    }
    return fee_capture::FixedShares<USDC>{Bps{0}, Bps{0}};
}
inline settlement::AnySettlement<USDC> make_settlement(const FundSetup& setup) {
    if (setup.settlement == SettlementChoice::cover_above_floor) {
        return settlement::CoverAboveFloor<USDC>{Amount<USDC>(to_atoms(setup.floor, 6))};
    }
    return settlement::CoverUpToBalance<USDC>{};
}
inline socialized_loss::AnySocializedLoss<USDC> make_socialized_loss(const FundSetup& setup, std::uint32_t bearers_max) {
    switch (setup.socialized_loss) {
        case SocializedLossChoice::pro_rata_haircut: return socialized_loss::ProRataHaircut<USDC>{};
        case SocializedLossChoice::funding: return socialized_loss::FundingSocialization<USDC>{};
        case SocializedLossChoice::random_start_adl: return socialized_loss::RandomStartAdl<USDC>{};
        case SocializedLossChoice::ranked_adl: break;
    }
    return socialized_loss::RankedAdl<USDC, adl_rank::PnlTimesLeverage>(bearers_max);
}

}  // namespace detail

using LabFund = RuntimeInsuranceFund<USDC>;
using LabEngine = MarginEngine<LabFund>;

// Runs one path. Deterministic in (scenario, path). `fund_path`, when given, receives the fund
// balance after every step.
inline PathSummary run_path(const Scenario& scenario, std::uint64_t path, std::vector<double>* fund_path = nullptr,
                            std::vector<double>* target_path = nullptr) {
    const Population& population = scenario.population;
    const std::uint32_t maker_index = 0;
    const std::uint32_t liquidator_index = 1;
    const std::uint32_t account_count = population.trader_count + 2;
    auto created = LabEngine::create(EngineLimits{account_count, 1, 1}, detail::make_fee_capture(scenario.fund),
                                     detail::make_settlement(scenario.fund),
                                     detail::make_socialized_loss(scenario.fund, account_count));
    if (!created) throw std::invalid_argument("scenario: invalid fund policies");
    LabEngine engine = std::move(*created);
    auto market_id = engine.add_market<BTC>(scenario.market);
    if (!market_id) throw std::invalid_argument("scenario: invalid market configuration");
    const MarketId market = *market_id;
    const MarketConfig& config = scenario.market;
    constexpr int quote_decimals = 6;
    constexpr int base_decimals = 8;
    constexpr int price_decimals = 6;

    for (std::uint32_t i = 0; i < account_count; ++i) (void)engine.open_account();
    // The market maker and the liquidator are deep-pocketed, so that they are never the story.
    const Amount<USDC> deep(detail::to_atoms(50'000'000'000.0, quote_decimals));
    (void)engine.deposit(AccountId{maker_index}, deep);
    (void)engine.deposit(AccountId{liquidator_index}, deep);
    // A fund held in part in BTC (the currency-mismatch stress) keeps only the rest in USDC.
    const double base_fraction = std::clamp(scenario.fund.base_asset_fraction, 0.0, 1.0);
    if (scenario.fund.initial > 0 && base_fraction < 1.0) {
        (void)engine.fund_deposit(Amount<USDC>(detail::to_atoms_nearest(scenario.fund.initial * (1.0 - base_fraction), quote_decimals)));
    }
    std::optional<BaseAssetHolding> holding;
    if (base_fraction > 0.0) {
        Result<BaseAssetHolding> opened = BaseAssetHolding::open(
            detail::to_atoms(scenario.fund.initial * base_fraction / scenario.initial_price, base_decimals),
            detail::ppm_from_fraction(scenario.fund.base_haircut), detail::ppm_from_fraction(scenario.fund.base_slippage));
        if (!opened) throw std::invalid_argument("scenario: invalid base-asset haircut or slippage");
        holding.emplace(std::move(*opened));
        holding->set_price(detail::to_atoms(scenario.initial_price, price_decimals));
    }
    const auto holding_atoms = [&] { return holding ? holding->value_atoms() : std::int64_t{0}; };
    std::optional<LabStakers> stakers;
    if (scenario.fund.staking) {
        if (base_fraction > 0.0) throw std::invalid_argument("scenario: stakers in a fund held in the base asset");
        Result<LabStakers> opened =
            LabStakers::open(*scenario.fund.staking, engine.fund().balance(engine.ledger()).atoms(), 0);
        if (!opened) throw std::invalid_argument("scenario: invalid staking set-up");
        stakers.emplace(std::move(*opened));
    }

    RandomStream rng(scenario.seed, path);
    PathSummary summary;
    summary.path = path;
    const std::int64_t fund_initial_atoms = engine.fund().balance(engine.ledger()).atoms();
    std::int64_t required_atoms = 0;
    summary.fund_initial = detail::to_units(fund_initial_atoms + holding_atoms(), quote_decimals);
    summary.fund_min = summary.fund_initial;

    // Trader attributes come from steps beyond the horizon of the same stream.
    struct Trader {
        std::uint32_t entry_step = 0;
        bool is_long = true;
        double leverage = 1.0;
        double collateral = 0.0;
    };
    std::vector<Trader> traders(population.trader_count);
    for (std::uint32_t i = 0; i < population.trader_count; ++i) {
        rng.at_step(std::uint64_t{scenario.horizon_steps} + 1 + i);
        Trader& t = traders[i];
        t.entry_step = static_cast<std::uint32_t>(rng.uniform() * std::max<std::uint32_t>(1, population.entry_steps));
        t.is_long = rng.uniform() < population.long_fraction;
        t.leverage = population.leverage_min + rng.uniform() * (population.leverage_max - population.leverage_min);
        t.collateral = population.collateral_median * std::exp(population.collateral_log_sigma * rng.normal());
    }

    auto price_raw = [&](double price) {
        const std::int64_t tick = config.tick_size;
        const std::int64_t raw = detail::to_atoms(price, price_decimals);
        return std::max(tick, raw / tick * tick);
    };
    const std::int64_t lot = config.lot_size;
    // Nobody can open beyond the market's maximum leverage (its first tier's initial margin).
    const double max_leverage = 1e6 / static_cast<double>(std::max<std::int64_t>(1, config.tiers[0].initial.count()));
    double price = scenario.initial_price;
    double forced_volume = 0.0;  // base units, + for forced selling
    const PriceModel& model = scenario.model;  // models are immutable; each path owns its state
    const double dt = scenario.step_years();
    // Step models carry a state from step to step; whole-path models (GarchJump) write the
    // path's log returns up front, in SIMD lanes.
    std::vector<double> path_log_returns;
    auto state = std::visit([&](const auto& m) -> std::variant<std::monostate, Gbm::State, MertonJump::State, GarchT::State,
                                                               HawkesJump::State, Bootstrap::State> {
        using M = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<M, GarchJump>) {
            path_log_returns.resize(scenario.horizon_steps);
            m.log_returns(scenario.seed, path, dt, path_log_returns.data(), path_log_returns.size());
            return std::monostate{};
        } else {
            return m.initial_state();
        }
    }, model);
    std::int64_t now_ms = 0;
    std::vector<AccountId> due(account_count);
    std::vector<std::uint32_t> waiting(account_count, 0);  // steps an account has been liquidatable
    std::vector<Allocation<USDC>> allocations(std::size_t{account_count} + 1);
    if (fund_path != nullptr) fund_path->assign(scenario.horizon_steps, 0.0);
    const auto impact = [&](double volume) {
        if (scenario.impact.kind == ImpactKind::none || volume == 0.0) return 0.0;
        const double x = std::abs(volume) / scenario.impact.depth_base_units;
        const double size = scenario.impact.kind == ImpactKind::linear ? x : std::sqrt(x);
        return (volume > 0 ? -1.0 : 1.0) * scenario.impact.coefficient * size;
    };

    // A dynamic penalty follows the mark and the fund's health from the first mark on.
    std::optional<DynamicPenalty> dynamic_penalty;
    if (scenario.fund.dynamic_penalty) {
        Result<DynamicPenalty> opened = DynamicPenalty::open(*scenario.fund.dynamic_penalty);
        if (!opened) throw std::invalid_argument("scenario: invalid dynamic penalty");
        dynamic_penalty = *opened;
    }
    // A computed target, at every mark: recorded, and read by the dynamic penalty as health.
    std::optional<FundTarget> target;
    if (scenario.fund.target) {
        Result<FundTarget> opened = FundTarget::open(*scenario.fund.target, 1);
        if (!opened) throw std::invalid_argument("scenario: invalid fund target");
        target.emplace(std::move(*opened));
    }
    if (target_path != nullptr) target_path->assign(scenario.horizon_steps, 0.0);
    Int128 target_now(0);
    const auto update_target = [&] {
        if (!target) return;
        const auto report = target->compute(engine);
        if (report) target_now = report->target.atoms();
    };
    // The health of a fund held in part in BTC counts its holding (at the mark less the haircut),
    // against its whole initial value.
    const Int128 fixed_health_target(scenario.fund.fund_target > 0
                                         ? detail::to_atoms_nearest(scenario.fund.fund_target, quote_decimals)
                                         : fund_initial_atoms + holding_atoms());
    const auto update_penalty = [&] {
        if (!dynamic_penalty) return;
        const Int128 balance(engine.fund().balance(engine.ledger()).atoms() + holding_atoms());
        const Result<PenaltyUpdate> update =
            dynamic_penalty->update(engine.mark(market), balance, target ? target_now : fixed_health_target);
        if (update) (void)engine.set_liquidation_penalty(market, update->penalty);
    };
    (void)engine.set_mark(market, Price<BTC, USDC>(price_raw(price)), Timestamp{now_ms});
    update_target();
    update_penalty();
    for (std::uint32_t step = 0; step < scenario.horizon_steps; ++step) {
        rng.at_step(step);
        now_ms += static_cast<std::int64_t>(scenario.step_hours * 3'600'000.0);
        const double log_return = std::visit(
            [&](const auto& m) {
                using M = std::decay_t<decltype(m)>;
                if constexpr (std::is_same_v<M, GarchJump>) {
                    return path_log_returns[step];
                } else {
                    return m.log_return(std::get<typename M::State>(state), rng, dt);
                }
            },
            model);
        double shock = 0.0;
        for (const PriceShock& scheduled : scenario.shocks) {
            if (scheduled.step == step) shock += scheduled.log_return;
        }
        price *= std::exp(log_return + shock + impact(forced_volume));
        forced_volume = 0.0;
        (void)engine.set_mark(market, Price<BTC, USDC>(price_raw(price)), Timestamp{now_ms});
        update_target();
        update_penalty();
        const std::int64_t mark = engine.mark(market);
        if (holding) holding->set_price(mark);

        // Entries: traders open their position against the market maker at the mark.
        for (std::uint32_t i = 0; i < population.trader_count; ++i) {
            const Trader& t = traders[i];
            if (t.entry_step != step) continue;
            const AccountId id{i + 2};
            const std::int64_t collateral = detail::to_atoms(t.collateral, quote_decimals);
            if (collateral <= 0 || !engine.deposit(id, Amount<USDC>(collateral))) continue;
            const double notional = t.collateral * std::min(t.leverage, max_leverage);
            std::int64_t size = detail::to_atoms(notional / detail::to_units(mark, price_decimals), base_decimals);
            size = size / lot * lot;
            if (size <= 0) continue;
            const AccountId maker{maker_index};
            // The trader takes liquidity; the market maker makes it.
            auto traded = t.is_long ? engine.trade(market, id, maker, Quantity<BTC>(size), Price<BTC, USDC>(mark), Taker::buyer)
                                    : engine.trade(market, maker, id, Quantity<BTC>(size), Price<BTC, USDC>(mark), Taker::seller);
            summary.traders_entered += traded.has_value();
            if (traded) summary.fees_to_fund += detail::to_units(traded->fees_to_fund.atoms(), quote_decimals);
        }

        // Liquidations (after the configured delay), then the liquidator unwinds to the maker.
        std::uint64_t in_step = 0;
        const auto found = engine.liquidatable_accounts(Span<AccountId>(due));
        for (const AccountId id : found) {
            if (id.value == maker_index || id.value == liquidator_index) continue;
            if (waiting[id.value]++ < population.liquidator_delay_steps) continue;
            for (int round = 0; round < 4 && engine.is_liquidatable(id); ++round) {
                if (holding) {
                    // Sell BTC for what the USDC part cannot pay: the deficit of a full close at the
                    // mark is the negative equity (penalty and discount are forgone), plus a unit.
                    const auto account = engine.summary(id);
                    const std::int64_t deficit = account && account->equity.is_negative() ? -account->equity.atoms() : 0;
                    const std::int64_t floor = scenario.fund.settlement == SettlementChoice::cover_above_floor
                                                   ? detail::to_atoms(scenario.fund.floor, quote_decimals)
                                                   : 0;
                    const std::int64_t needed = deficit > 0 ? deficit + floor + 1'000'000 - engine.fund().balance(engine.ledger()).atoms() : 0;
                    holding->raise(needed, [&](Amount<USDC> proceeds) { (void)engine.fund_deposit(proceeds); });
                }
                const std::int64_t fund_before = engine.fund().balance(engine.ledger()).atoms();
                auto report = engine.liquidate(id, AccountId{liquidator_index}, Span<Allocation<USDC>>(allocations));
                if (!report) {
                    ++summary.liquidations_refused;
                    break;
                }
                if (report->deficit.is_positive()) {
                    // A liquidation that leaves a deficit charges no penalty (it is capped by the
                    // equity left), so this is the fund's gain when the deficit falls due.
                    const std::int64_t gained = fund_before + report->penalty_split.to_fund.atoms() - fund_initial_atoms;
                    required_atoms = std::max(required_atoms, report->deficit.atoms() - gained);
                }
                std::int64_t charged_atoms = 0;
                for (std::size_t a = 0; a < report->allocation_count; ++a) {
                    charged_atoms += allocations[a].amount.atoms();
                    const Allocation<USDC>& allocation = allocations[a];
                    const double amount = detail::to_units(allocation.amount.atoms(), quote_decimals);
                    const bool venue = allocation.account.value == maker_index || allocation.account.value == liquidator_index;
                    (venue ? summary.socialized_maker : summary.socialized_traders) += amount;
                    ++summary.bearer_charges;
                    summary.deleveraged_notional += detail::to_units(allocation.quantity_atoms, base_decimals) *
                                                    detail::to_units(mark, price_decimals);
                }
                summary.charged_beyond_socialized +=
                    detail::to_units(charged_atoms - report->socialized.atoms(), quote_decimals);
                ++in_step;
                ++summary.liquidations;
                summary.penalties_to_fund += detail::to_units(report->penalty_split.to_fund.atoms(), quote_decimals);
                summary.penalties_charged += detail::to_units(report->penalty.atoms(), quote_decimals);
                summary.closed_notional += detail::to_units(report->closed_notional.atoms(), quote_decimals);
                const double deficit = detail::to_units(report->deficit.atoms(), quote_decimals);
                summary.bad_debt += deficit;
                summary.bad_debt_events += deficit > 0 ? 1 : 0;
                summary.fund_paid += detail::to_units(report->fund_paid.atoms(), quote_decimals);
                summary.socialized += detail::to_units(report->socialized.atoms(), quote_decimals);
                summary.uncovered += detail::to_units(report->uncovered.atoms(), quote_decimals);
                if (report->remainder.is_positive()) {
                    ++summary.adl_events;
                    if (summary.first_depletion_step < 0) summary.first_depletion_step = step;
                }
                for (std::size_t c = 0; c < report->closed_count; ++c) {
                    const PositionChange& change = report->closed[c];
                    forced_volume += detail::to_units(change.size_before - change.size_after, base_decimals);
                }
            }
            waiting[id.value] = 0;
            // The liquidator unwinds what it took over against the market maker.
            const std::int64_t inventory = engine.position(AccountId{liquidator_index}, market).size;
            Result<TradeReport<USDC>> unwound = make_error(ErrorCode::invalid_argument, "no inventory");
            if (inventory > 0) {
                unwound = engine.trade(market, AccountId{maker_index}, AccountId{liquidator_index}, Quantity<BTC>(inventory),
                                       Price<BTC, USDC>(mark), Taker::seller);
            } else if (inventory < 0) {
                unwound = engine.trade(market, AccountId{liquidator_index}, AccountId{maker_index},
                                       Quantity<BTC>(-inventory), Price<BTC, USDC>(mark), Taker::buyer);
            }
            if (unwound) summary.fees_to_fund += detail::to_units(unwound->fees_to_fund.atoms(), quote_decimals);
        }
        summary.largest_cascade = std::max(summary.largest_cascade, in_step);
        if (stakers) {
            const std::int64_t claimed = stakers->step(engine.fund().balance(engine.ledger()).atoms(), now_ms,
                                                       [&](Amount<USDC> amount) { (void)engine.fund_withdraw(amount); });
            summary.staker_claims += detail::to_units(claimed, quote_decimals);
        }
        const double fund_now = detail::to_units(engine.fund().balance(engine.ledger()).atoms() + holding_atoms(), quote_decimals);
        summary.fund_min = std::min(summary.fund_min, fund_now);
        if (fund_path != nullptr) (*fund_path)[step] = fund_now;
        if (target) {
            // The target at this step's mark (before its liquidations), against the fund after them.
            const double target_units = detail::to_units(static_cast<std::int64_t>(std::min(target_now, Int128(std::numeric_limits<std::int64_t>::max()))), quote_decimals);
            summary.target_final = target_units;
            summary.target_max = std::max(summary.target_max, target_units);
            if (target_units > 0.0) summary.coverage_min = std::min(summary.coverage_min, fund_now / target_units);
            if (target_path != nullptr) (*target_path)[step] = target_units;
        }
        if (scenario.audit_every_step && !engine.ledger().audit().balanced()) summary.conserved = false;
    }
    summary.fund_final = detail::to_units(engine.fund().balance(engine.ledger()).atoms() + holding_atoms(), quote_decimals);
    summary.final_price = price;
    summary.fund_required = detail::to_units(required_atoms, quote_decimals);
    summary.conserved = summary.conserved && engine.ledger().audit().balanced() && (!holding || holding->conserved()) &&
                        (!stakers || stakers->conserved());
    summary.digest = engine.digest();
    return summary;
}

namespace detail {

// Calls job(i) for i in [0, count) on the scenario's threads, each i exactly once.
template <class Job>
void for_each_path(const Scenario& scenario, std::uint64_t count, Job job) {
    unsigned threads = scenario.threads != 0 ? scenario.threads : std::max(1u, std::thread::hardware_concurrency());
    threads = static_cast<unsigned>(std::min<std::uint64_t>(threads, std::max<std::uint64_t>(1, count)));
    std::atomic<std::uint64_t> next{0};
    auto worker = [&]() {
        for (std::uint64_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) job(i);
    };
    if (threads == 1) {
        worker();
    } else {
        std::vector<std::thread> pool;
        for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
        for (auto& thread : pool) thread.join();
    }
}

}  // namespace detail

// Runs every path of the scenario on `scenario.threads` threads (0: every core). The result is
// the same for any number of threads. `progress`, when given, counts the paths as they finish.
inline RunResult run(const Scenario& scenario, bool record_fund_paths = false, Progress* progress = nullptr) {
    RunResult result;
    result.paths.resize(scenario.paths);
    if (record_fund_paths) result.fund_paths.resize(scenario.paths);
    if (record_fund_paths && scenario.fund.target) result.target_paths.resize(scenario.paths);
    add_work(progress, scenario.paths);
    detail::for_each_path(scenario, scenario.paths, [&](std::uint64_t p) {
        result.paths[p] = run_path(scenario, p, record_fund_paths ? &result.fund_paths[p] : nullptr,
                                   result.target_paths.empty() ? nullptr : &result.target_paths[p]);
        complete(progress);
    });
    return result;
}

// Runs the given paths of the scenario (path indices, any order) on its threads; the summaries
// come back in the order asked.
inline std::vector<PathSummary> run_paths(const Scenario& scenario, Span<const std::uint64_t> paths,
                                          Progress* progress = nullptr) {
    std::vector<PathSummary> summaries(paths.size());
    add_work(progress, paths.size());
    detail::for_each_path(scenario, paths.size(), [&](std::uint64_t i) {
        summaries[i] = run_path(scenario, paths[i]);
        complete(progress);
    });
    return summaries;
}

}  // namespace risk
}  // namespace backstop
