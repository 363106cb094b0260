// YieldStrategies<Asset>: a fund's idle capital above its liquidity floor (liquidity_floor.hpp)
// placed with yield strategies, and recalled when the floor rises or a deficit arrives.
//
// Each strategy is a ledger place (Place::strategy): capital placed there is no longer the
// fund's balance, so an InsuranceFund, which pays a deficit from its own place only, cannot pay
// with it; a deficit that meets placed capital goes on down the waterfall. A strategy is a
// yearly rate, a lock-up (from each allocation), a withdrawal delay (from a recall request) and
// a loss process (probability and severity: the caller, the lab, draws; apply_loss applies).
//
//   allocate         fund -> strategy (yield_allocation)  refused below_liquidity_floor if the
//                    fund would end below the floor; lock-up end = max(end, now + lockup)
//   accrue           external -> strategy (yield_income)  holding x rate x elapsed / 365 days,
//                    rounded down (income never overstated); simple from the last accrual, so
//                    accruals (every operation, every rebalance) compound
//   apply_loss       strategy -> external (yield_loss)    holding x severity, rounded up (a loss
//                    is never understated)
//   request_recall   none                                 due at max(lock-up end, now + delay)
//   complete_recall  strategy -> fund (yield_recall)      once due: min(requested, holding now)
//   rebalance        the period's step: recalls below the floor, allocations above it (below)
// An operation that changes a holding first accrues its income to now. One lock-up end per
// strategy: each allocation extends it over the whole holding (never shorter than that
// allocation's own). One recall at a time per strategy: a second, or an allocation while one is
// pending, is refused with recall_pending.
// Validate, plan, commit (a refused operation changes nothing); no allocation after open; time
// is the caller's and never goes back.
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/checked_arith.hpp"
#include "backstop/core/config.hpp"
#include "backstop/core/result.hpp"
#include "backstop/ledger/place.hpp"
#include "backstop/ledger/transfer.hpp"
#include "backstop/management/yield_types.hpp"
#include "backstop/money/amount.hpp"
#include "backstop/money/rate.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

namespace backstop {

template <class Asset>
class YieldStrategies {
public:
    using asset_type = Asset;
    using Money = Amount<Asset>;
    using Rep = typename Money::rep;
    using Wide = Amount<Asset, Int128>;
    using Strategy = YieldStrategy<Asset>;
    using Plan = YieldPlan<Asset>;
    using Report = YieldReport<Asset>;
    static_assert(is_exact_rep_v<Rep>, "yield works on exact money");

    YieldStrategies() = default;

    template <class Ledger>
    static Result<YieldStrategies> open(const Ledger& ledger, FundId fund, YieldConfig config = {},
                                        YieldLimits limits = {}) {
        static_assert(std::is_same<typename Ledger::Rep, Rep>::value, "the ledger holds this asset's money");
        if (!ledger.contains(Place::fund(fund))) return make_error(ErrorCode::unknown_place, "no such fund");
        if (Result<void> ok = config.validate(); !ok) return ok.error();
        if (limits.strategies_max == 0) return make_error(ErrorCode::invalid_policy_parameter, "no strategies_max");
        YieldStrategies yield;
        yield.fund_ = fund;
        yield.config_ = config;
        yield.limits_ = limits;
        yield.strategies_.reserve(limits.strategies_max);
        yield.next_.reserve(limits.strategies_max);
        yield.holdings_.reserve(limits.strategies_max);
        yield.moves_.reserve(2 * std::size_t{limits.strategies_max});
        return yield;
    }

    // Opens the strategy's place in the ledger.
    template <class Ledger>
    Result<StrategyId> open_strategy(Ledger& ledger, const StrategyConfig& config) {
        if (Result<void> ok = config.validate(); !ok) return ok.error();
        if (strategies_.size() >= limits_.strategies_max) return make_error(ErrorCode::capacity_exceeded, "strategies_max");
        Result<StrategyId> id = ledger.open_strategy();
        if (!id) return id.error();
        Strategy strategy;
        strategy.id = *id;
        strategy.config = config;
        strategies_.push_back(strategy);  // within the capacity reserved at open
        return *id;
    }

    FundId fund() const { return fund_; }
    Place place() const { return Place::fund(fund_); }
    const YieldConfig& config() const { return config_; }
    Result<void> set_config(const YieldConfig& config) {  // from the next rebalance on
        if (Result<void> ok = config.validate(); !ok) return ok;
        config_ = config;
        return {};
    }
    std::uint32_t strategy_count() const { return static_cast<std::uint32_t>(strategies_.size()); }
    Result<Strategy> strategy(StrategyId id) const {
        Result<std::uint32_t> index = index_of(id);
        if (!index) return index.error();
        return strategies_[*index];
    }
    std::int64_t now_ms() const { return now_ms_; }

    // ---- what can pay a deficit: only the fund's own balance ---------------------------------
    template <class Ledger>  // capital placed in a strategy is never available to pay
    Wide available_to_pay(const Ledger& ledger) const { return Wide(ledger.balance_of(place()).atoms()); }
    // All the strategies hold (sums saturate at the Int128 maximum, out of reach of real money).
    template <class Ledger>
    Wide placed(const Ledger& ledger) const {
        return sum_over(ledger, [](const Strategy&, const Rep& holding) { return holding; });
    }
    // What the fund could have back by `at_ms`: recalls pending and due by then (at most the
    // holding), and the whole holding of a strategy without one whose request made at `now_ms`
    // would be due by then. The rest of a strategy with a pending recall waits for it.
    template <class Ledger>
    Wide recallable_by(const Ledger& ledger, std::int64_t now_ms, std::int64_t at_ms) const {
        return sum_over(ledger, [now_ms, at_ms](const Strategy& s, const Rep& holding) {
            if (s.recall_pending) return s.recall_at_ms <= at_ms ? std::min(holding, s.recall_amount.atoms()) : Rep(0);
            const Result<std::int64_t> due = available_at(s, now_ms);
            return due && *due <= at_ms ? holding : Rep(0);
        });
    }
    // Placed capital that cannot come back to the fund at `now_ms` (a due recall can).
    template <class Ledger>
    Wide locked(const Ledger& ledger, std::int64_t now_ms) const {
        return sum_over(ledger, [now_ms](const Strategy& s, const Rep& holding) {
            const bool due = s.recall_pending && s.recall_at_ms <= now_ms;
            return due ? holding - std::min(holding, s.recall_amount.atoms()) : holding;
        });
    }

    // ---- plans (const: each validates everything and checks its transfers) -------------------

    template <class Ledger>
    Result<Plan> plan_accrue(const Ledger& ledger, StrategyId id, std::int64_t now_ms) const {
        Balances b;
        Result<Plan> plan = begin(ledger, id, now_ms, b);
        if (!plan) return plan;
        if (Result<void> ok = accrue_into(*plan, b); !ok) return ok.error();
        return plan;
    }

    // fund -> strategy; refused if the fund would end below `floor` (one beyond the balance does).
    template <class Ledger>
    Result<Plan> plan_allocate(const Ledger& ledger, StrategyId id, const Money& amount, const Wide& floor,
                               std::int64_t now_ms) const {
        Balances b;
        Result<Plan> plan = begin(ledger, id, now_ms, b);
        if (!plan) return plan;
        if (!amount.is_positive()) return make_error(ErrorCode::amount_not_positive, "allocate a positive amount");
        if (floor.is_negative()) return make_error(ErrorCode::amount_negative, "a liquidity floor below zero");
        if (plan->strategy.recall_pending) return make_error(ErrorCode::recall_pending, "a recall is pending");
        Result<Int128> fund_after = checked_sub(Int128(b[fund_at]), Int128(amount.atoms()));
        if (!fund_after || *fund_after < floor.atoms()) return make_error(ErrorCode::below_liquidity_floor, "below the floor");
        Result<std::int64_t> lockup_end = checked_add(now_ms, plan->strategy.config.lockup_ms);
        if (!lockup_end) return lockup_end.error();
        if (Result<void> ok = accrue_into(*plan, b); !ok) return ok.error();
        Result<void> moved = move(*plan, b, fund_at, strategy_at, amount, TransferReason::yield_allocation);
        if (!moved) return moved.error();
        plan->strategy.lockup_end_ms = std::max(plan->strategy.lockup_end_ms, *lockup_end);
        plan->report.moved = amount;
        return plan;
    }

    // strategy -> external: the holding after accrual x severity, rounded up.
    template <class Ledger>
    Result<Plan> plan_apply_loss(const Ledger& ledger, StrategyId id, Ppm severity, std::int64_t now_ms) const {
        Balances b;
        Result<Plan> plan = begin(ledger, id, now_ms, b);
        if (!plan) return plan;
        if (severity < Ppm{0} || severity.count() > Ppm::denominator) return make_error(ErrorCode::invalid_argument, "severity");
        if (Result<void> ok = accrue_into(*plan, b); !ok) return ok.error();
        Result<Int128> loss = mul_div(Int128(b[strategy_at]), Int128(severity.count()), Int128(Ppm::denominator), round_up);
        if (!loss) return loss.error();
        const Money amount(to_rep(*loss));  // <= the holding: severity <= 100%
        if (amount.is_positive()) {
            Result<void> moved = move(*plan, b, strategy_at, external_at, amount, TransferReason::yield_loss);
            if (!moved) return moved.error();
        }
        plan->report.moved = amount;
        return plan;
    }

    // No transfer: fixes the amount (at most the holding now) and when it is due.
    template <class Ledger>
    Result<Plan> plan_request_recall(const Ledger& ledger, StrategyId id, const Money& amount,
                                     std::int64_t now_ms) const {
        Balances b;
        Result<Plan> plan = begin(ledger, id, now_ms, b);
        if (!plan) return plan;
        if (!amount.is_positive()) return make_error(ErrorCode::amount_not_positive, "recall a positive amount");
        if (plan->strategy.recall_pending) return make_error(ErrorCode::recall_pending, "a recall is pending");
        if (amount.atoms() > b[strategy_at]) return make_error(ErrorCode::insufficient_balance, "more than it holds");
        Result<std::int64_t> at = available_at(plan->strategy, now_ms);
        if (!at) return at.error();
        plan->strategy.recall_pending = true;
        plan->strategy.recall_amount = amount;
        plan->strategy.recall_at_ms = *at;
        plan->report.moved = amount;
        plan->report.available_at_ms = *at;
        return plan;
    }

    // strategy -> fund: min(requested, holding after accrual), once the recall is due.
    template <class Ledger>
    Result<Plan> plan_complete_recall(const Ledger& ledger, StrategyId id, std::int64_t now_ms) const {
        Balances b;
        Result<Plan> plan = begin(ledger, id, now_ms, b);
        if (!plan) return plan;
        if (!plan->strategy.recall_pending) return make_error(ErrorCode::no_recall_pending, "no recall requested");
        if (now_ms < plan->strategy.recall_at_ms) return make_error(ErrorCode::strategy_locked, "lock-up or delay not over");
        if (Result<void> ok = accrue_into(*plan, b); !ok) return ok.error();
        if (Result<void> ok = complete_into(*plan, b); !ok) return ok.error();
        return plan;
    }

    // Applies a plan made on this ledger state and this component's state: cannot fail.
    template <class Ledger>
    Report commit(Ledger& ledger, const Plan& plan) {
        BACKSTOP_ASSERT(plan.index < strategies_.size() && strategies_[plan.index].id == plan.strategy.id,
                        "a plan for another strategy");
        for (std::uint32_t i = 0; i < plan.move_count; ++i) {
            ledger.commit(plan.moves[i].source, plan.moves[i].target, plan.moves[i].amount, plan.moves[i].reason);
        }
        strategies_[plan.index] = plan.strategy;
        now_ms_ = plan.now_ms;
        return plan.report;
    }

    // ---- one-call operations (plan, then commit) ---------------------------------------------

    template <class L>
    Result<Report> accrue(L& ledger, StrategyId id, std::int64_t now_ms) { return run(ledger, plan_accrue(ledger, id, now_ms)); }
    template <class L>
    Result<Report> allocate(L& ledger, StrategyId id, const Money& amount, const Wide& floor, std::int64_t now_ms) {
        return run(ledger, plan_allocate(ledger, id, amount, floor, now_ms));
    }
    template <class L>
    Result<Report> apply_loss(L& ledger, StrategyId id, Ppm severity, std::int64_t now_ms) {
        return run(ledger, plan_apply_loss(ledger, id, severity, now_ms));
    }
    template <class L>  // commits no transfer
    Result<Report> request_recall(L& ledger, StrategyId id, const Money& amount, std::int64_t now_ms) {
        return run(ledger, plan_request_recall(ledger, id, amount, now_ms));
    }
    template <class L>
    Result<Report> complete_recall(L& ledger, StrategyId id, std::int64_t now_ms) {
        return run(ledger, plan_complete_recall(ledger, id, now_ms));
    }

    // ---- the per-period step ---------------------------------------------------------------

    // Below `floor`, requests recalls for the shortfall; accrues every strategy and completes the
    // due recalls (one just requested included); above floor x (1 + band), allocates the excess
    // by weight. Planned whole in buffers reserved at open (a refusal changes nothing), then committed.
    template <class Ledger>
    Result<RebalanceReport<Asset>> rebalance(Ledger& ledger, const Wide& floor, std::int64_t now_ms) {
        Result<RebalanceReport<Asset>> report = plan_rebalance(ledger, floor, now_ms);
        if (!report) return report;
        for (const Transfer<Asset>& m : moves_) ledger.commit(m.source, m.target, m.amount, m.reason);
        strategies_.swap(next_);  // equal capacities: no allocation
        now_ms_ = now_ms;
        return report;
    }

private:
    // The planned balances of the places one operation touches, by these indices.
    using Balances = std::array<Rep, 3>;
    static constexpr std::size_t external_at = 0, fund_at = 1, strategy_at = 2;

    Result<std::uint32_t> index_of(StrategyId id) const {
        for (std::size_t i = 0; i < strategies_.size(); ++i) {
            if (strategies_[i].id == id) return static_cast<std::uint32_t>(i);
        }
        return make_error(ErrorCode::unknown_strategy, "a strategy this fund never opened");
    }

    // The plan's start, and the balances of its places in `b`.
    template <class Ledger>
    Result<Plan> begin(const Ledger& ledger, StrategyId id, std::int64_t now_ms, Balances& b) const {
        static_assert(std::is_same<typename Ledger::Rep, Rep>::value, "the ledger holds this asset's money");
        Result<std::uint32_t> index = index_of(id);
        if (!index) return index.error();
        if (!ledger.contains(Place::strategy(id)) || !ledger.contains(place())) {
            return make_error(ErrorCode::unknown_place, "a ledger without this fund's places");
        }
        if (now_ms < now_ms_) return make_error(ErrorCode::time_backwards, "time cannot go back");
        b = Balances{ledger.balance_of(Place::external()).atoms(), ledger.balance_of(place()).atoms(),
                     ledger.balance_of(Place::strategy(id)).atoms()};
        Plan plan;
        plan.index = *index;
        plan.strategy = strategies_[*index];
        plan.now_ms = now_ms;
        return plan;
    }

    Place place_of(const Plan& plan, std::size_t at) const {
        return at == external_at ? Place::external() : at == fund_at ? place() : Place::strategy(plan.strategy.id);
    }

    // Of a value bounded by a balance: it fits.
    static Rep to_rep(const Int128& value) {
        BACKSTOP_ASSERT(value <= Int128(std::numeric_limits<Rep>::max()) && value >= 0, "to_rep out of range");
        return static_cast<Rep>(value);
    }

    template <class Ledger, class Part>
    Wide sum_over(const Ledger& ledger, Part part) const {
        Wide sum;
        for (const Strategy& s : strategies_) {
            if (!add_to(sum, part(s, ledger.balance_of(Place::strategy(s.id)).atoms()))) {
                return Wide(std::numeric_limits<Int128>::max());
            }
        }
        return sum;
    }
    static bool add_to(Wide& sum, const Rep& value) {
        Result<Int128> after = checked_add(sum.atoms(), Int128(value));
        if (after) sum = Wide(*after);
        return after.has_value();
    }

    // When a recall requested at `now_ms` would be due.
    static Result<std::int64_t> available_at(const Strategy& s, std::int64_t now_ms) {
        Result<std::int64_t> after_delay = checked_add(now_ms, s.config.withdrawal_delay_ms);
        if (!after_delay) return after_delay.error();
        return std::max(s.lockup_end_ms, *after_delay);
    }

    // holding x rate x elapsed / year, rounded down; 0 on an empty holding.
    static Result<Rep> income_of(const Strategy& s, const Rep& holding, std::int64_t now_ms) {
        // Never accrued (capital that reached the place from outside before any operation): no
        // clock to count from, so no income, rather than 2^63 ms of it.
        if (holding <= 0 || s.config.rate_per_year.count() == 0 || now_ms <= s.accrued_to_ms ||
            s.accrued_to_ms == std::numeric_limits<std::int64_t>::min()) {
            return Rep(0);
        }
        Result<std::int64_t> elapsed = checked_sub(now_ms, s.accrued_to_ms);
        if (!elapsed) return elapsed.error();
        const Int128 rate_time = Int128(s.config.rate_per_year.count()) * Int128(*elapsed);  // < 2^14 x 2^63
        Result<Int128> income = mul_div(Int128(holding), rate_time,
                                        Int128(Bps::denominator) * Int128(StrategyConfig::ms_per_year), round_down);
        if (!income) return income.error();
        if (*income > Int128(std::numeric_limits<Rep>::max())) return detail::overflow_error();
        return to_rep(*income);
    }

    // Moves `amount` from `from` to `to` in planned balances, checked as the ledger would.
    static Result<void> plan_move(Rep& from, bool from_may_be_negative, Rep& to, const Money& amount) {
        Result<Rep> from_after = checked_sub(from, amount.atoms());
        const bool short_of = !from_after || *from_after < 0;
        if (!from_may_be_negative && short_of) return make_error(ErrorCode::insufficient_balance, "source too small");
        if (!from_after) return from_after.error();
        Result<Rep> to_after = checked_add(to, amount.atoms());
        if (!to_after) return to_after.error();
        from = *from_after;
        to = *to_after;
        return {};
    }

    // A transfer into a single-strategy plan, checked against its planned balances.
    Result<void> move(Plan& plan, Balances& b, std::size_t from, std::size_t to, const Money& amount,
                      TransferReason reason) const {
        if (Result<void> ok = plan_move(b[from], from == external_at, b[to], amount); !ok) return ok;
        BACKSTOP_ASSERT(plan.move_count < plan.moves.size(), "a plan holds at most two moves");
        plan.moves[plan.move_count++] = Transfer<Asset>{place_of(plan, from), place_of(plan, to), amount, reason};
        return {};
    }

    // Income to now (external -> strategy); the accrual clock moves to now.
    Result<void> accrue_into(Plan& plan, Balances& b) const {
        Result<Rep> income = income_of(plan.strategy, b[strategy_at], plan.now_ms);
        if (!income) return income.error();
        if (*income > 0) {
            Result<void> moved = move(plan, b, external_at, strategy_at, Money(*income), TransferReason::yield_income);
            if (!moved) return moved;
        }
        plan.strategy.accrued_to_ms = std::max(plan.strategy.accrued_to_ms, plan.now_ms);
        plan.report.income = Money(*income);
        return {};
    }

    // Pays a due recall: at most the holding (a loss since the request may have shrunk it).
    Result<void> complete_into(Plan& plan, Balances& b) const {
        const Money paid(std::min(b[strategy_at], plan.strategy.recall_amount.atoms()));
        if (paid.is_positive()) {
            if (Result<void> ok = move(plan, b, strategy_at, fund_at, paid, TransferReason::yield_recall); !ok) return ok;
        }
        plan.strategy.recall_pending = false;
        plan.strategy.recall_amount = Money::zero();
        plan.strategy.last_recall_ms = plan.now_ms;
        plan.report.moved = paid;
        return {};
    }

    template <class Ledger>
    Result<Report> run(Ledger& ledger, Result<Plan> plan) {
        if (!plan) return plan.error();
        return commit(ledger, *plan);
    }

    // Fills next_ (the strategies after), holdings_ and moves_; the component and the ledger are
    // untouched. Sums are checked: with Int128 money a few holdings near 2^127 would overflow.
    template <class Ledger>
    Result<RebalanceReport<Asset>> plan_rebalance(const Ledger& ledger, const Wide& floor, std::int64_t now_ms) {
        static_assert(std::is_same<typename Ledger::Rep, Rep>::value, "the ledger holds this asset's money");
        if (floor.is_negative()) return make_error(ErrorCode::amount_negative, "a liquidity floor below zero");
        if (now_ms < now_ms_) return make_error(ErrorCode::time_backwards, "time cannot go back");
        Result<Money> fund_balance = ledger.balance(place());
        if (!fund_balance) return fund_balance.error();
        Rep fund = fund_balance->atoms();
        Rep external = ledger.balance_of(Place::external()).atoms();
        next_.assign(strategies_.begin(), strategies_.end());  // within capacity: no allocation
        holdings_.clear();
        moves_.clear();
        RebalanceReport<Asset> report;
        Wide on_the_way;  // what the pending recalls will bring, at most
        for (const Strategy& s : strategies_) {
            Result<Money> holding = ledger.balance(Place::strategy(s.id));
            if (!holding) return holding.error();
            holdings_.push_back(holding->atoms());
            if (s.recall_pending && !add_to(on_the_way, std::min(holding->atoms(), s.recall_amount.atoms()))) {
                return detail::overflow_error();
            }
        }
        // 1. Below the floor: recalls for the shortfall not already on its way, soonest due first
        // (ties: the strategy opened first), each for at most its holding.
        Result<Int128> gap = checked_sub(floor.atoms(), Int128(fund));
        if (!gap) return gap.error();
        Int128 shortfall = *gap - std::min(*gap, on_the_way.atoms());
        while (shortfall > 0) {
            std::size_t best = next_.size();
            std::int64_t best_at = 0;
            for (std::size_t i = 0; i < next_.size(); ++i) {
                if (next_[i].recall_pending || holdings_[i] <= 0) continue;
                Result<std::int64_t> at = available_at(next_[i], now_ms);
                if (!at) return at.error();
                if (best == next_.size() || *at < best_at) {
                    best = i;
                    best_at = *at;
                }
            }
            if (best == next_.size()) break;  // nothing left to recall
            const Money amount(to_rep(std::min(Int128(holdings_[best]), shortfall)));
            shortfall -= Int128(amount.atoms());
            next_[best].recall_pending = true;
            next_[best].recall_amount = amount;
            next_[best].recall_at_ms = best_at;
            if (!add_to(report.requested, amount.atoms())) return detail::overflow_error();
            report.recalls_requested += 1;
        }
        // 2. Each strategy's income, then its recall if due (one just requested included).
        for (std::size_t i = 0; i < next_.size(); ++i) {
            Plan plan;
            plan.strategy = next_[i];
            plan.now_ms = now_ms;
            Balances b{external, fund, holdings_[i]};
            if (Result<void> ok = accrue_into(plan, b); !ok) return ok.error();
            if (!add_to(report.income, plan.report.income.atoms())) return detail::overflow_error();
            if (plan.strategy.recall_pending && plan.strategy.recall_at_ms <= now_ms) {
                if (Result<void> ok = complete_into(plan, b); !ok) return ok.error();
                if (!add_to(report.recalled, plan.report.moved.atoms())) return detail::overflow_error();
                report.recalls_completed += 1;
            }
            for (std::uint32_t m = 0; m < plan.move_count; ++m) moves_.push_back(plan.moves[m]);
            external = b[external_at];
            fund = b[fund_at];
            holdings_[i] = b[strategy_at];
            next_[i] = plan.strategy;
        }
        // 3. The excess above floor x (1 + band), the band rounded up (more stays liquid), shared by
        // weight among the strategies free to take it, each share rounded down.
        Result<Int128> band =
            mul_div(floor.atoms(), Int128(config_.rebalance_band.count()), Int128(Bps::denominator), round_up);
        if (!band) return band.error();
        Result<Int128> above_floor = checked_sub(Int128(fund), floor.atoms());
        if (!above_floor) return above_floor.error();
        const Int128 excess = *above_floor > *band ? *above_floor - *band : Int128(0);
        Int128 weights = 0;
        for (const Strategy& s : next_) {
            if (takes_allocation(s, now_ms)) weights += Int128(s.config.weight);  // <= 2^20 x 2^32
        }
        for (std::size_t i = 0; i < next_.size() && excess > 0 && weights > 0; ++i) {
            if (!takes_allocation(next_[i], now_ms)) continue;
            Result<Int128> share = mul_div(excess, Int128(next_[i].config.weight), weights, round_down);
            Result<std::int64_t> lockup_end = checked_add(now_ms, next_[i].config.lockup_ms);
            if (!share || !lockup_end) return detail::overflow_error();
            if (*share <= 0) continue;
            const Money amount(to_rep(*share));  // <= excess <= the fund's balance
            if (Result<void> ok = plan_move(fund, false, holdings_[i], amount); !ok) return ok.error();
            moves_.push_back(Transfer<Asset>{place(), Place::strategy(next_[i].id), amount, TransferReason::yield_allocation});
            next_[i].lockup_end_ms = std::max(next_[i].lockup_end_ms, *lockup_end);
            if (!add_to(report.allocated, amount.atoms())) return detail::overflow_error();
            report.allocations += 1;
        }
        BACKSTOP_ASSERT(moves_.size() <= 2 * std::size_t{limits_.strategies_max}, "more moves than reserved");
        for (std::size_t i = 0; i < next_.size(); ++i) {
            const Rep due = next_[i].recall_pending ? std::min(holdings_[i], next_[i].recall_amount.atoms()) : Rep(0);
            if (!add_to(report.locked, holdings_[i]) || !add_to(report.pending, due)) return detail::overflow_error();
        }
        report.fund_balance = Wide(Int128(fund));
        return report;
    }

    bool takes_allocation(const Strategy& s, std::int64_t now_ms) const {
        return s.config.weight > 0 && !s.recall_pending && s.last_recall_ms != now_ms;
    }

    FundId fund_{};
    YieldConfig config_{};
    YieldLimits limits_{};
    std::int64_t now_ms_ = std::numeric_limits<std::int64_t>::min();
    std::vector<Strategy> strategies_;
    // Rebalance's plan, reserved at open.
    std::vector<Strategy> next_;
    std::vector<Rep> holdings_;
    std::vector<Transfer<Asset>> moves_;
};

}  // namespace backstop
