// FundStaking<Asset>: outside capital in an insurance fund through shares (Drift's insurance
// fund staking, share_math.hpp), with three things Drift lacks: the cooldown fixed when a request
// is made, a daily limit on claims (Hyperliquid's HLP), and a choice of who absorbs a loss first.
//
// The fund's ledger place is the vault: every atom in it belongs to the shares, staked
// (user_shares) or protocol-owned (the rest). The component does not watch the fund; each
// operation first accounts for what the balance did since the previous one (sync):
//   - a rise is revenue: protocol_revenue_share of it is minted as protocol-owned shares at the
//     price before it, the rest raises every share (at once, or vested linearly);
//   - a fall is a loss (bad debt paid): it takes unvested revenue first, then the shares' value
//     in the configured LossOrder.
// So capital the protocol adds must come through add_protocol_capital (a plain deposit into the
// fund would count as revenue, shared with the stakers).
//
// Operations (each plan_* is const and validates everything; commit cannot fail; the one-call
// form is plan + commit). Time is the caller's (no clock) and never goes back:
//   stake                  capital from `source` for shares at the current price
//   request_unstake        fixes the value of n shares and the claim time (now + cooldown)
//   cancel_unstake         drops the request; the shares that stand for the gain since it pass
//                          to the protocol (Drift burns them: see plan_cancel_unstake)
//   claim                  after the cooldown: pays min(value at request, value now), burns n;
//                          within the daily limit, in parts (the rest stays pending)
//   add/withdraw_protocol_capital   the protocol's own shares
//   sync                   accounts revenue and losses without anything else
// A refused operation changes nothing: not the ledger, not the pool, not a record.
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/checked_arith.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/rounding.hpp"
#include "backstop/ledger/place.hpp"
#include "backstop/ledger/transfer.hpp"
#include "backstop/management/share_math.hpp"
#include "backstop/management/staking_pool.hpp"
#include "backstop/management/staking_types.hpp"
#include "backstop/money/amount.hpp"
#include "backstop/money/rate.hpp"

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace backstop {

// An operation's whole effect: the pool after it, the one record it rewrites, the one transfer.
template <class Asset>
struct StakingPlan {
    StakingPool pool;
    bool has_staker = false;
    StakerId staker;
    StakerRecord record;
    Place source;
    Place target;
    Int128 amount = 0;  // 0: no transfer
    TransferReason reason = TransferReason::other;
    StakingReport<Asset> report;
};

template <class Asset>
class FundStaking {
public:
    using asset_type = Asset;
    using Wide = Amount<Asset, Int128>;
    using Plan = StakingPlan<Asset>;
    using Report = StakingReport<Asset>;

    FundStaking() = default;

    // Stakes `fund`'s place in `ledger`; what the fund already holds is the protocol's (its
    // shares are minted 1:1 at the first operation, as Drift seeds an unowned vault).
    template <class Ledger>
    static Result<FundStaking> open(const Ledger& ledger, FundId fund, StakingConfig config,
                                    StakingLimits limits = {}) {
        if (!ledger.contains(Place::fund(fund))) {
            return make_error(ErrorCode::unknown_place, "staking names a fund the ledger lacks");
        }
        if (Result<void> ok = config.validate(); !ok) return ok.error();
        if (limits.stakers_max == 0) {
            return make_error(ErrorCode::invalid_policy_parameter, "stakers_max must be > 0");
        }
        FundStaking staking;
        staking.fund_ = fund;
        staking.config_ = config;
        staking.limits_ = limits;
        staking.pool_.accounted = Int128(ledger.balance_of(Place::fund(fund)).atoms());
        staking.records_.reserve(limits.stakers_max);
        return staking;
    }

    Result<StakerId> open_staker() {
        if (records_.size() >= limits_.stakers_max) {
            return make_error(ErrorCode::capacity_exceeded, "more stakers than stakers_max");
        }
        StakerRecord record;
        record.shares_base = pool_.shares_base;
        record.epoch = pool_.user_epoch;
        records_.push_back(record);
        return StakerId{static_cast<std::uint32_t>(records_.size() - 1)};
    }

    FundId fund() const { return fund_; }
    Place place() const { return Place::fund(fund_); }
    const StakingConfig& config() const { return config_; }
    const StakingPool& pool() const { return pool_; }
    std::uint32_t staker_count() const { return static_cast<std::uint32_t>(records_.size()); }
    // The record as stored (shares in the base it was last touched at); see staker() for now.
    Result<StakerRecord> stored_record(StakerId id) const {
        if (id.value >= records_.size()) return make_error(ErrorCode::unknown_staker, "stored_record of an unknown staker");
        return records_[id.value];
    }

    // ---- views at a time, with the revenue and losses since the last operation accounted ----

    template <class Ledger>
    Result<StakingPool> pool_at(const Ledger& ledger, std::int64_t now_ms) const {
        Result<Plan> plan = plan_sync(ledger, now_ms);
        if (!plan) return plan.error();
        return plan->pool;
    }
    // The shares' value: the fund's balance less the revenue not yet vested.
    template <class Ledger>
    Result<Wide> value_at(const Ledger& ledger, std::int64_t now_ms) const {
        Result<StakingPool> pool = pool_at(ledger, now_ms);
        if (!pool) return pool.error();
        return Wide(value_of(*pool));
    }
    template <class Ledger>
    Result<StakerRecord> staker_at(const Ledger& ledger, StakerId id, std::int64_t now_ms) const {
        if (id.value >= records_.size()) return make_error(ErrorCode::unknown_staker, "no such staker");
        Result<StakingPool> pool = pool_at(ledger, now_ms);
        if (!pool) return pool.error();
        return current(records_[id.value], *pool);
    }
    template <class Ledger>
    Result<Wide> staker_value_at(const Ledger& ledger, StakerId id, std::int64_t now_ms) const {
        if (id.value >= records_.size()) return make_error(ErrorCode::unknown_staker, "no such staker");
        Result<StakingPool> pool = pool_at(ledger, now_ms);  // one sync for the record and the value
        if (!pool) return pool.error();
        const StakerRecord record = current(records_[id.value], *pool);
        Result<Int128> value = share_math::shares_to_amount(record.shares, pool->total_shares, value_of(*pool));
        if (!value) return value.error();
        return Wide(*value);
    }

    // ---- configuration ---------------------------------------------------------------------

    // A new configuration from `now_ms` on: the revenue and losses before it are accounted under
    // the old one, and a pending request keeps the claim time it was given.
    template <class Ledger>
    Result<void> set_config(const Ledger& ledger, const StakingConfig& config, std::int64_t now_ms) {
        if (Result<void> ok = config.validate(); !ok) return ok;
        Result<Plan> plan = plan_sync(ledger, now_ms);
        if (!plan) return plan.error();
        pool_ = plan->pool;  // a sync makes no transfer
        config_ = config;
        return {};
    }

    // ---- plans -----------------------------------------------------------------------------

    template <class Ledger>
    Result<Plan> plan_sync(const Ledger& ledger, std::int64_t now_ms) const {
        Plan plan;
        if (Result<void> ok = sync_into(plan, ledger, now_ms); !ok) return ok.error();
        plan.report.action = StakingAction::sync;
        return plan;
    }

    template <class Ledger>
    Result<Plan> plan_stake(const Ledger& ledger, StakerId id, Place source, const Wide& amount,
                            std::int64_t now_ms) const {
        if (id.value >= records_.size()) return make_error(ErrorCode::unknown_staker, "no such staker");
        if (Result<void> ok = check_inflow(ledger, source, amount); !ok) return ok.error();
        Plan plan;
        if (Result<void> ok = sync_into(plan, ledger, now_ms); !ok) return ok.error();
        StakerRecord record = current(records_[id.value], plan.pool);
        if (record.request_pending) {
            return make_error(ErrorCode::unstake_request_pending, "a staker with a pending request cannot stake");
        }
        Result<Shares> minted = shares_for_inflow(plan.pool, amount.atoms());
        if (!minted) return minted.error();
        Result<Shares> user = checked_add(plan.pool.user_shares, *minted);
        Result<Shares> total = checked_add(plan.pool.total_shares, *minted);
        Result<Shares> own = checked_add(record.shares, *minted);
        if (!user || !total || !own) return make_error(ErrorCode::overflow, "shares overflow");
        // Drift resets the cost basis of a staker who held nothing.
        Result<Int128> basis = record.shares == 0 ? Result<Int128>(amount.atoms())
                                                  : checked_add(record.cost_basis, amount.atoms());
        if (!basis) return basis.error();
        plan.pool.user_shares = *user;
        plan.pool.total_shares = *total;
        plan.pool.accounted += amount.atoms();  // fits: check_inflow checked the fund's balance
        record.shares = *own;
        record.cost_basis = *basis;
        set_transfer(plan, source, place(), amount.atoms(), TransferReason::stake);
        set_staker(plan, id, record);
        plan.report.action = StakingAction::stake;
        plan.report.amount = amount;
        plan.report.shares = *minted;
        return plan;
    }

    template <class Ledger>
    Result<Plan> plan_request_unstake(const Ledger& ledger, StakerId id, const Shares& shares,
                                      std::int64_t now_ms) const {
        if (id.value >= records_.size()) return make_error(ErrorCode::unknown_staker, "no such staker");
        if (shares <= 0) return make_error(ErrorCode::amount_not_positive, "unstake at least one share");
        Plan plan;
        if (Result<void> ok = sync_into(plan, ledger, now_ms); !ok) return ok.error();
        StakerRecord record = current(records_[id.value], plan.pool);
        if (record.request_pending) {
            return make_error(ErrorCode::unstake_request_pending, "one request at a time");
        }
        if (shares > record.shares) {
            return make_error(ErrorCode::insufficient_shares, "more shares than the staker holds");
        }
        const Int128 value = value_of(plan.pool);
        Result<Int128> worth = share_math::shares_to_amount(shares, plan.pool.total_shares, value);
        if (!worth) return worth.error();
        Result<std::int64_t> claimable_at = checked_add(now_ms, config_.cooldown_ms);
        if (!claimable_at) return claimable_at.error();
        record.request_pending = true;
        record.request_shares = shares;
        // Drift keeps one atom in the vault: a request is worth at most the vault less one.
        record.request_value = std::min(*worth, std::max(Int128(0), value - 1));
        record.claimable_at_ms = *claimable_at;
        set_staker(plan, id, record);
        plan.report.action = StakingAction::request_unstake;
        plan.report.request_value = Wide(record.request_value);
        plan.report.shares = shares;
        return plan;
    }

    template <class Ledger>
    Result<Plan> plan_cancel_unstake(const Ledger& ledger, StakerId id, std::int64_t now_ms) const {
        if (id.value >= records_.size()) return make_error(ErrorCode::unknown_staker, "no such staker");
        Plan plan;
        if (Result<void> ok = sync_into(plan, ledger, now_ms); !ok) return ok.error();
        StakerRecord record = current(records_[id.value], plan.pool);
        if (!record.request_pending) return make_error(ErrorCode::no_unstake_request, "nothing to cancel");
        // The shares that stand for the gain since the request pass to the protocol: the staker
        // keeps n x value at request / worth now of them, rounded down. Drift burns them instead
        // (share_math::shares_lost_on_cancel), which with few other shares burns up to a whole
        // share of the rest of the pool too, and a sole staker's whole request.
        Result<Int128> worth = share_math::shares_to_amount(record.request_shares, plan.pool.total_shares,
                                                            value_of(plan.pool));
        if (!worth) return worth.error();
        Shares forfeited = 0;
        if (*worth > record.request_value) {
            Result<Shares> kept = mul_div(record.request_shares, record.request_value, *worth, round_down);
            if (!kept) return kept.error();
            forfeited = record.request_shares - *kept;  // kept <= request_shares: value < worth
        }
        record.shares -= forfeited;  // forfeited <= request_shares <= shares
        plan.pool.user_shares -= forfeited;  // the total is unchanged: they are protocol-owned now
        clear_request(record);
        set_staker(plan, id, record);
        plan.report.action = StakingAction::cancel_unstake;
        plan.report.shares = forfeited;
        return plan;
    }

    template <class Ledger>
    Result<Plan> plan_claim(const Ledger& ledger, StakerId id, Place target, std::int64_t now_ms) const {
        if (id.value >= records_.size()) return make_error(ErrorCode::unknown_staker, "no such staker");
        if (!ledger.contains(target)) return make_error(ErrorCode::unknown_place, "unknown target place");
        if (target == place()) return make_error(ErrorCode::same_place, "a claim cannot pay the fund itself");
        Plan plan;
        if (Result<void> ok = sync_into(plan, ledger, now_ms); !ok) return ok.error();
        StakerRecord record = current(records_[id.value], plan.pool);
        if (!record.request_pending) return make_error(ErrorCode::no_unstake_request, "request first, then claim");
        if (now_ms < record.claimable_at_ms) {
            return make_error(ErrorCode::cooldown_not_over, "the request's cooldown has not passed");
        }
        Result<Int128> worth = share_math::shares_to_amount(record.request_shares,
                                                            plan.pool.total_shares, value_of(plan.pool));
        if (!worth) return worth.error();
        const Int128 pay = std::min(*worth, record.request_value);
        // Within the day's claim limit: a request worth more is paid in part, its shares burned
        // in proportion (rounded up), and the rest stays pending for the next days.
        Int128 paid = pay;
        Shares burned = record.request_shares;
        if (pay > 0) {
            const Int128 room = claim_room(plan);
            if (room <= 0) return make_error(ErrorCode::claim_limit_reached, "the day's claim limit is used up");
            if (pay > room) {
                paid = room;
                Result<Shares> part = mul_div(record.request_shares, room, pay, round_up);
                if (!part) return part.error();
                burned = *part;  // <= request_shares: room < pay
            }
        }
        if (Result<void> ok = check_outflow(plan, ledger, target, paid); !ok) return ok.error();
        record.shares -= burned;
        plan.pool.total_shares -= burned;
        plan.pool.user_shares -= burned;
        Result<Int128> basis = checked_sub(record.cost_basis, paid);
        if (!basis) return basis.error();
        record.cost_basis = *basis;
        plan.report.shares = burned;
        if (burned == record.request_shares) {
            clear_request(record);
        } else {
            record.request_shares -= burned;
            record.request_value -= paid;  // paid < pay <= request_value
        }
        set_transfer(plan, place(), target, paid, TransferReason::unstake);
        set_staker(plan, id, record);
        plan.report.action = StakingAction::claim;
        plan.report.amount = Wide(paid);
        return plan;
    }

    template <class Ledger>
    Result<Plan> plan_add_protocol_capital(const Ledger& ledger, Place source, const Wide& amount,
                                           std::int64_t now_ms) const {
        if (Result<void> ok = check_inflow(ledger, source, amount); !ok) return ok.error();
        Plan plan;
        if (Result<void> ok = sync_into(plan, ledger, now_ms); !ok) return ok.error();
        Result<Shares> minted = shares_for_inflow(plan.pool, amount.atoms());
        if (!minted) return minted.error();
        Result<Shares> total = checked_add(plan.pool.total_shares, *minted);
        if (!total) return total.error();
        plan.pool.total_shares = *total;
        plan.pool.accounted += amount.atoms();
        set_transfer(plan, source, place(), amount.atoms(), TransferReason::fund_deposit);
        plan.report.action = StakingAction::add_protocol_capital;
        plan.report.amount = amount;
        plan.report.shares = *minted;
        return plan;
    }

    // Burns the protocol-owned shares worth `amount`, rounded up (the stakers never pay for the
    // protocol's rounding), within the daily claim limit.
    template <class Ledger>
    Result<Plan> plan_withdraw_protocol_capital(const Ledger& ledger, Place target, const Wide& amount,
                                                std::int64_t now_ms) const {
        if (!amount.is_positive()) return make_error(ErrorCode::amount_not_positive, "withdraw a positive amount");
        if (!ledger.contains(target)) return make_error(ErrorCode::unknown_place, "unknown target place");
        if (target == place()) return make_error(ErrorCode::same_place, "a withdrawal cannot pay the fund itself");
        Plan plan;
        if (Result<void> ok = sync_into(plan, ledger, now_ms); !ok) return ok.error();
        const Int128 value = value_of(plan.pool);
        if (amount.atoms() > value) {
            return make_error(ErrorCode::insufficient_shares, "more than the shares are worth");
        }
        Result<Shares> burned = mul_div(amount.atoms(), plan.pool.total_shares, value, round_up);
        if (!burned) return burned.error();
        if (*burned > plan.pool.protocol_shares()) {
            return make_error(ErrorCode::insufficient_shares, "more than the protocol's shares are worth");
        }
        if (amount.atoms() > claim_room(plan)) {
            return make_error(ErrorCode::claim_limit_reached, "beyond the day's claim limit");
        }
        if (Result<void> ok = check_outflow(plan, ledger, target, amount.atoms()); !ok) return ok.error();
        plan.pool.total_shares -= *burned;
        set_transfer(plan, place(), target, amount.atoms(), TransferReason::fund_withdrawal);
        plan.report.action = StakingAction::withdraw_protocol_capital;
        plan.report.amount = amount;
        plan.report.shares = *burned;
        return plan;
    }

    // ---- commit and the one-call forms -------------------------------------------------------

    // Applies a plan made on this ledger state and this component's state. Cannot fail.
    template <class Ledger>
    Report commit(Ledger& ledger, const Plan& plan) {
        if (plan.amount > 0) {
            using Money = typename Ledger::Money;
            using Rep = typename Money::rep;
            ledger.commit(plan.source, plan.target, Money(static_cast<Rep>(plan.amount)), plan.reason);
        }
        pool_ = plan.pool;
        if (plan.has_staker) records_[plan.staker.value] = plan.record;
        return plan.report;
    }

    template <class Ledger>
    Result<Report> sync(Ledger& ledger, std::int64_t now_ms) {
        return run(ledger, plan_sync(ledger, now_ms));
    }
    template <class Ledger>
    Result<Report> stake(Ledger& ledger, StakerId id, Place source, const Wide& amount, std::int64_t now_ms) {
        return run(ledger, plan_stake(ledger, id, source, amount, now_ms));
    }
    template <class Ledger>
    Result<Report> request_unstake(Ledger& ledger, StakerId id, const Shares& shares, std::int64_t now_ms) {
        return run(ledger, plan_request_unstake(ledger, id, shares, now_ms));
    }
    template <class Ledger>
    Result<Report> cancel_unstake(Ledger& ledger, StakerId id, std::int64_t now_ms) {
        return run(ledger, plan_cancel_unstake(ledger, id, now_ms));
    }
    template <class Ledger>
    Result<Report> claim(Ledger& ledger, StakerId id, Place target, std::int64_t now_ms) {
        return run(ledger, plan_claim(ledger, id, target, now_ms));
    }
    template <class Ledger>
    Result<Report> add_protocol_capital(Ledger& ledger, Place source, const Wide& amount, std::int64_t now_ms) {
        return run(ledger, plan_add_protocol_capital(ledger, source, amount, now_ms));
    }
    template <class Ledger>
    Result<Report> withdraw_protocol_capital(Ledger& ledger, Place target, const Wide& amount,
                                             std::int64_t now_ms) {
        return run(ledger, plan_withdraw_protocol_capital(ledger, target, amount, now_ms));
    }

    // The shares' value in `pool`: its accounted balance less revenue not yet vested.
    static Int128 value_of(const StakingPool& pool) { return staking::pool_value(pool); }
    // A record brought to the pool's epoch and base (staking::current_record).
    static StakerRecord current(const StakerRecord& record, const StakingPool& pool) {
        return staking::current_record(record, pool);
    }

private:
    template <class Ledger>
    Result<Report> run(Ledger& ledger, Result<Plan> plan) {
        if (!plan) return plan.error();
        return commit(ledger, *plan);
    }

    // Accounts the fund's balance change since the last operation into plan.pool.
    template <class Ledger>
    Result<void> sync_into(Plan& plan, const Ledger& ledger, std::int64_t now_ms) const {
        if (now_ms < pool_.now_ms) return make_error(ErrorCode::time_backwards, "time cannot go back");
        staking::BalanceChange change;
        plan.pool = staking::account_balance(pool_, config_, Int128(ledger.balance_of(place()).atoms()), now_ms, change);
        plan.report.revenue = Wide(change.revenue);
        plan.report.loss = Wide(change.loss);
        plan.report.protocol_shares_minted = change.protocol_shares_minted;
        plan.report.stakers_wiped_out = change.stakers_wiped_out;
        return {};
    }

    template <class Ledger>
    Result<void> check_inflow(const Ledger& ledger, Place source, const Wide& amount) const {
        if (!amount.is_positive()) return make_error(ErrorCode::amount_not_positive, "stake a positive amount");
        using Money = typename Ledger::Money;
        using Rep = typename Money::rep;
        if (amount.atoms() > Int128(std::numeric_limits<Rep>::max())) {
            return make_error(ErrorCode::overflow, "amount beyond the ledger's representation");
        }
        if (source == place()) return make_error(ErrorCode::same_place, "the fund cannot stake into itself");
        return ledger.check_transfer(source, place(), Money(static_cast<Rep>(amount.atoms())));
    }

    // Shares for capital coming in at the current price (the first 1:1); refused when the fund is
    // empty but shares exist (Drift) or when the amount buys no share.
    Result<Shares> shares_for_inflow(const StakingPool& pool, const Int128& amount) const {
        Result<Shares> minted = share_math::amount_to_shares(amount, pool.total_shares, value_of(pool));
        if (!minted) return minted.error();
        if (*minted <= 0) return make_error(ErrorCode::stake_below_one_share, "the amount buys no share");
        return minted;
    }

    // What may still be claimed today (the day of plan.pool.now_ms), rolling the day over into
    // plan.pool: the allowance is fixed at the day's first claim. No limit at 100%.
    Int128 claim_room(Plan& plan) const {
        if (config_.claims_per_day_max.count() == Bps::denominator) return plan.pool.accounted;
        const std::int64_t day = floor_div(plan.pool.now_ms, ms_per_day);
        if (day != plan.pool.claim_day) {
            plan.pool.claim_day = day;
            plan.pool.claimed_in_day = 0;
            // Rounded up: at least an atom while the fund holds any, so that the last staker
            // leaves in finitely many days (a rate limit, not a payment: the rounding moves time).
            plan.pool.claim_day_allowance =
                mul_div(plan.pool.accounted, Int128(config_.claims_per_day_max.count()), Int128(Bps::denominator),
                        round_up).value();  // <= accounted
        }
        return plan.pool.claim_day_allowance - plan.pool.claimed_in_day;  // >= 0
    }

    // The transfer's own checks and the day's tally, into plan.pool (the caller kept `pay` within
    // claim_room).
    template <class Ledger>
    Result<void> check_outflow(Plan& plan, const Ledger& ledger, Place target, const Int128& pay) const {
        if (pay <= 0) return {};
        using Money = typename Ledger::Money;
        using Rep = typename Money::rep;
        if (Result<void> ok = ledger.check_transfer(place(), target, Money(static_cast<Rep>(pay))); !ok) return ok;
        if (config_.claims_per_day_max.count() != Bps::denominator) {
            plan.pool.claimed_in_day += pay;  // <= the allowance <= accounted: no overflow
        }
        plan.pool.accounted -= pay;
        return {};
    }

    static std::int64_t floor_div(std::int64_t a, std::int64_t b) {
        const std::int64_t q = a / b;
        return (a % b != 0 && a < 0) ? q - 1 : q;
    }

    static void clear_request(StakerRecord& record) {
        record.request_pending = false;
        record.request_shares = 0;
        record.request_value = 0;
        record.claimable_at_ms = 0;
    }
    static void set_transfer(Plan& plan, Place source, Place target, const Int128& amount, TransferReason reason) {
        plan.source = source;
        plan.target = target;
        plan.amount = amount;
        plan.reason = reason;
    }
    static void set_staker(Plan& plan, StakerId id, const StakerRecord& record) {
        plan.has_staker = true;
        plan.staker = id;
        plan.record = record;
    }

    FundId fund_;
    StakingConfig config_;
    StakingLimits limits_;
    StakingPool pool_;
    std::vector<StakerRecord> records_;
};

}  // namespace backstop
