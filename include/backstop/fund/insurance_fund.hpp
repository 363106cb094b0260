// InsuranceFund<Asset, FeeCapture, BadDebtSettlement, SocializedLoss>: a fund whose balance is a
// place in a ledger, with its behaviour chosen by three policies (see policy_traits.hpp).
//
// Each operation is a plan and a commit. The plan is const: it validates the input, asks the
// policy (pure), and checks the result against the ledger, every receiving place's overflow
// included; a refused plan is a typed Error and nothing changed. The commit applies a plan made
// on the same ledger state and cannot fail. An engine plans a whole liquidation first (penalty,
// fund payment, socialization), then commits it all. The ledger is passed to every call: the
// fund does not own it (an engine does), and any ledger journal type works.
//
//   plan_capture / commit_capture       inflow: split a liquidation penalty
//   plan_settle / commit_settle         outflow: pay (part of) a deficit now
//   plan_socialize / commit_socialize   fallback: allocate what the fund did not cover
//
// capture, settle and socialize are plan + commit in one call.
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/checked_arith.hpp"
#include "backstop/core/config.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/core/int128.hpp"
#include "backstop/core/int192.hpp"
#include "backstop/fund/fund_statistics.hpp"
#include "backstop/fund/fund_types.hpp"
#include "backstop/fund/policy_traits.hpp"
#include "backstop/fund/socialized_loss/allocation_support.hpp"
#include "backstop/ledger/ledger.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

namespace backstop {

struct FundLimits {
    std::uint32_t markets_max = 64;  // size of the per-market payout table
};

template <class Asset, class FeeCapture, class BadDebtSettlement, class SocializedLoss>
class InsuranceFund {
    static_assert(check_fee_capture_policy<FeeCapture, Asset>::value, "");
    static_assert(check_settlement_policy<BadDebtSettlement, Asset>::value, "");
    static_assert(check_socialized_loss_policy<SocializedLoss, Asset>::value, "");

public:
    using asset_type = Asset;
    using Money = Amount<Asset>;
    using fee_capture_type = FeeCapture;
    using settlement_type = BadDebtSettlement;
    using socialized_loss_type = SocializedLoss;

    InsuranceFund() = default;

    // Opens the fund's place in `ledger` after validating every policy.
    template <class Ledger>
    static Result<InsuranceFund> open(Ledger& ledger, FeeCapture fee_capture,
                                      BadDebtSettlement settlement, SocializedLoss socialized_loss,
                                      FundLimits limits = {}) {
        if (Result<void> ok = fee_capture.validate(); !ok) return ok.error();
        if (Result<void> ok = settlement.validate(); !ok) return ok.error();
        if (Result<void> ok = socialized_loss.validate(); !ok) return ok.error();
        if (limits.markets_max == 0) {
            return make_error(ErrorCode::invalid_policy_parameter, "markets_max must be > 0");
        }
        Result<FundId> id = ledger.open_fund();
        if (!id) return id.error();
        return InsuranceFund(*id, std::move(fee_capture), std::move(settlement),
                             std::move(socialized_loss), limits);
    }

    FundId id() const { return id_; }
    Place place() const { return Place::fund(id_); }
    template <class Ledger>
    Money balance(const Ledger& ledger) const { return ledger.balance_of(place()); }
    const FundStatistics<Asset>& statistics() const { return statistics_; }
    // Bad debt paid so far in `market`, wide (the fund can be refilled and pay again).
    Amount<Asset, Int128> paid_in(MarketId market) const {
        return market.value < paid_by_market_.size() ? paid_by_market_[market.value]
                                                     : Amount<Asset, Int128>::zero();
    }
    const FeeCapture& fee_capture() const { return fee_capture_; }
    const BadDebtSettlement& settlement() const { return settlement_; }
    const SocializedLoss& socialized_loss() const { return socialized_loss_; }

    template <class Ledger>
    FundState<Asset> state(const Ledger& ledger) const {
        return FundState<Asset>{balance(ledger), paid_by_market_.data(),
                                static_cast<std::uint32_t>(paid_by_market_.size())};
    }

    // A new fee-capture policy, validated, from the next capture on (a fund-first target that a
    // management FundTarget recomputes, a governance change); refused, the old one stays.
    Result<void> set_fee_capture(FeeCapture fee_capture) {
        if (Result<void> ok = fee_capture.validate(); !ok) return ok;
        fee_capture_ = std::move(fee_capture);
        return {};
    }
    // A new settlement policy of the same type (its floor, its caps), validated; from the next
    // settlement on.
    Result<void> set_settlement(BadDebtSettlement settlement) {
        if (Result<void> ok = settlement.validate(); !ok) return ok;
        settlement_ = std::move(settlement);
        return {};
    }

    // ---- capital ------------------------------------------------------------------------------

    template <class Ledger>
    Result<void> deposit(Ledger& ledger, Place source, const Money& amount) {
        Result<void> moved = ledger.transfer(source, place(), amount, TransferReason::fund_deposit);
        if (!moved) return moved;
        FundStatistics<Asset>::add(statistics_.deposited_total, amount);
        statistics_.observe_balance(balance(ledger));
        return {};
    }

    // Commits a planned backing of a backstop liquidator (the engine's liquidation plan checked it:
    // cannot fail): capital from the fund to `target`, counted apart from withdrawals.
    template <class Ledger>
    void commit_backing(Ledger& ledger, Place target, const Money& amount) {
        if (!amount.is_positive()) return;
        ledger.commit(place(), target, amount, TransferReason::backstop_backing);
        FundStatistics<Asset>::add(statistics_.backed_total, amount);
        statistics_.observe_balance(balance(ledger));
    }

    template <class Ledger>
    Result<void> withdraw(Ledger& ledger, Place target, const Money& amount) {
        Result<void> moved = ledger.transfer(place(), target, amount, TransferReason::fund_withdrawal);
        if (!moved) return moved;
        FundStatistics<Asset>::add(statistics_.withdrawn_total, amount);
        statistics_.observe_balance(balance(ledger));
        return {};
    }

    // ---- capture ------------------------------------------------------------------------------

    // Splits `penalty` by the fee-capture policy and checks that the source can pay it and that
    // every receiving place can take what it gets: the liquidator may be the fund, the treasury
    // or dust, and then that place gets two parts, summed before the check.
    template <class Ledger>
    Result<PenaltySplit<Asset>> plan_capture(const Ledger& ledger, const Money& penalty,
                                             const CaptureContext& context) const {
        if (penalty.is_negative()) return make_error(ErrorCode::amount_negative, "penalty below zero");
        if (!ledger.contains(context.source) || !ledger.contains(context.liquidator)) {
            return make_error(ErrorCode::unknown_place, "capture names an unknown place");
        }
        if (context.source == place() || context.source == context.liquidator ||
            context.source == Place::treasury() || context.source == Place::dust()) {
            return make_error(ErrorCode::same_place, "a penalty cannot come from where it goes");
        }
        if (Result<void> market = check_market(context.market); !market) return market.error();
        if (penalty.is_positive()) {
            const Result<Rep> source_after =
                checked_sub(ledger.balance_of(context.source).atoms(), penalty.atoms());
            if (!place_kind_may_be_negative(context.source.kind()) &&
                (!source_after.has_value() || *source_after < 0)) {
                return make_error(ErrorCode::insufficient_balance, "the source cannot pay the penalty");
            }
            if (!source_after) return source_after.error();
        }
        const PenaltySplit<Asset> split = fee_capture_.split(penalty, state(ledger));
        BACKSTOP_ASSERT(!split.to_liquidator.is_negative() && !split.to_fund.is_negative() &&
                            !split.to_treasury.is_negative() && !split.to_dust.is_negative(),
                        "fee capture split has a negative part");
        BACKSTOP_ASSERT(split.total() == penalty, "fee capture split does not add up to the penalty");
        const Receipt receipts[] = {{context.liquidator, split.to_liquidator},
                                    {place(), split.to_fund},
                                    {Place::treasury(), split.to_treasury},
                                    {Place::dust(), split.to_dust}};
        for (std::size_t i = 0; i < 4; ++i) {
            // Each place once, with everything it receives: parts are positive, so adding them
            // one by one overflows exactly when their sum does.
            bool seen = false;
            for (std::size_t k = 0; k < i; ++k) seen = seen || receipts[k].place == receipts[i].place;
            if (seen) continue;
            Rep balance = ledger.balance_of(receipts[i].place).atoms();
            for (std::size_t k = i; k < 4; ++k) {
                if (receipts[k].place != receipts[i].place || !receipts[k].amount.is_positive()) continue;
                const Result<Rep> after = checked_add(balance, receipts[k].amount.atoms());
                if (!after) return after.error();
                balance = *after;
            }
        }
        return split;
    }

    // Makes the transfers of a split that plan_capture returned on this ledger state.
    template <class Ledger>
    CaptureReport<Asset> commit_capture(Ledger& ledger, const PenaltySplit<Asset>& split,
                                        const CaptureContext& context) {
        commit_if_positive(ledger, context.source, context.liquidator, split.to_liquidator,
                           TransferReason::penalty_to_liquidator);
        commit_if_positive(ledger, context.source, place(), split.to_fund, TransferReason::penalty_to_fund);
        commit_if_positive(ledger, context.source, Place::treasury(), split.to_treasury,
                           TransferReason::penalty_to_treasury);
        commit_if_positive(ledger, context.source, Place::dust(), split.to_dust,
                           TransferReason::rounding_residue);
        FundStatistics<Asset>::add(statistics_.captured_total, split.to_fund);
        statistics_.capture_count += 1;
        statistics_.observe_balance(balance(ledger));
        return CaptureReport<Asset>{split.total(), split};
    }

    // Receives a share of a trading fee from `source`, a transfer the caller checked (the engine's
    // trade plan): it cannot fail.
    template <class Ledger>
    void commit_fee(Ledger& ledger, Place source, const Money& amount) {
        if (!amount.is_positive()) return;
        ledger.commit(source, place(), amount, TransferReason::trading_fee);
        FundStatistics<Asset>::add(statistics_.fees_total, amount);
        statistics_.observe_balance(balance(ledger));
    }

    template <class Ledger>
    Result<CaptureReport<Asset>> capture(Ledger& ledger, const Money& penalty,
                                         const CaptureContext& context) {
        Result<PenaltySplit<Asset>> split = plan_capture(ledger, penalty, context);
        if (!split) return split.error();
        return commit_capture(ledger, *split, context);
    }

    // ---- settlement ---------------------------------------------------------------------------

    // The part of `deficit` the settlement policy pays now, checked against the ledger and the
    // market's payout total.
    template <class Ledger>
    Result<Money> plan_settle(const Ledger& ledger, const Money& deficit,
                              const SettleContext& context) const {
        if (deficit.is_negative()) return make_error(ErrorCode::amount_negative, "deficit below zero");
        if (!ledger.contains(context.target)) {
            return make_error(ErrorCode::unknown_place, "settlement target is unknown");
        }
        if (context.target == place()) return make_error(ErrorCode::same_place, "fund pays itself");
        if (Result<void> market = check_market(context.market); !market) return market.error();
        if (context.committed_atoms < 0) return make_error(ErrorCode::amount_negative, "committed outflow below zero");
        FundState<Asset> fund = state(ledger);
        fund.balance = Money(std::max<std::int64_t>(0, fund.balance.atoms() - context.committed_atoms));  // (balance >= 0)
        const Money paid = settlement_.payable(deficit, context, fund);
        BACKSTOP_ASSERT(!paid.is_negative() && paid <= deficit && paid <= std::max(fund.balance, Money::zero()),
                        "settlement policy pays more than the deficit or the balance");
        if (paid.is_positive() && context.check_target_room) {
            if (Result<void> ok = ledger.check_transfer(place(), context.target, paid); !ok) return ok.error();
        }
        // Wide, so only after about 2^64 payments; checked all the same, as every sum of input is.
        // paid >= 0: the total leaves Int128 exactly when it exceeds max - paid (one compare, not
        // a 256-bit sum: this is on every fund-settled liquidation's path).
        if (paid_by_market_[context.market.value].atoms() > std::numeric_limits<Int128>::max() - Int128(paid.atoms())) {
            return detail::overflow_error();
        }
        return paid;
    }

    // Pays `paid` (at most what plan_settle returned; the fund's balance has not dropped since)
    // towards `deficit`.
    template <class Ledger>
    SettlementReport<Asset> commit_settle(Ledger& ledger, const Money& deficit, const Money& paid,
                                          const SettleContext& context) {
        BACKSTOP_ASSERT(!paid.is_negative() && paid <= deficit, "a settlement pays more than the deficit");
        // plan_settle refused any other market; indexing with one would write out of bounds.
        BACKSTOP_ASSERT(context.market.value < paid_by_market_.size(), "a settlement in a market plan_settle accepted");
        if (paid.is_positive()) ledger.commit(place(), context.target, paid, TransferReason::bad_debt_payment);
        SettlementReport<Asset> report{deficit, paid, deficit - paid, false};
        const Money balance_after = balance(ledger);
        report.depleted = report.remainder.is_positive() &&
                          balance_after <= settlement_.reserve(state(ledger));
        paid_by_market_[context.market.value] += Total(paid);
        FundStatistics<Asset>::add(statistics_.paid_total, paid);
        statistics_.largest_payout = std::max(statistics_.largest_payout, paid);
        statistics_.settle_count += 1;
        if (report.depleted) statistics_.depletion_count += 1;
        statistics_.observe_balance(balance_after);
        return report;
    }

    template <class Ledger>
    Result<SettlementReport<Asset>> settle(Ledger& ledger, const Money& deficit,
                                           const SettleContext& context) {
        Result<Money> paid = plan_settle(ledger, deficit, context);
        if (!paid) return paid.error();
        return commit_settle(ledger, deficit, *paid, context);
    }

    // ---- socialized loss ----------------------------------------------------------------------

    // Allocates `remainder` over `bearers` (strictly increasing account order) into `out` by the
    // socialized-loss policy. With context.commit_transfers it also checks that each allocation
    // can move from its source to context.target, that the target can take them all, and that
    // dust can take the surplus (what a policy collects above the remainder: funding rounds each
    // charge up), which goes on from the target to dust, unless the target is dust itself.
    // A policy's allocations name distinct sources (one per bearer, or its default fund).
    template <class Ledger>
    Result<SocializePlan<Asset>> plan_socialize(const Ledger& ledger, const Money& remainder,
                                                Span<const LossBearer<Asset>> bearers,
                                                Span<Allocation<Asset>> out,
                                                const SocializeContext& context) const {
        if (remainder.is_negative()) {
            return make_error(ErrorCode::amount_negative, "remainder below zero");
        }
        if (!ledger.contains(context.target)) {
            return make_error(ErrorCode::unknown_place, "socialization target is unknown");
        }
        if (Result<void> market = check_market(context.market); !market) return market.error();
        if (Result<void> sorted = detail::check_bearers(bearers); !sorted) return sorted.error();
        Result<SocializePlan<Asset>> planned =
            socialized_loss_.plan(remainder, bearers, out, context, ledger);
        if (!planned) return planned.error();
        const SocializePlan<Asset>& plan = *planned;
        BACKSTOP_ASSERT(plan.allocation_count <= out.size(), "plan wrote past the buffer");
        BACKSTOP_ASSERT(!plan.covered.is_negative() && plan.covered <= remainder,
                        "plan covers more than the remainder");

        WideSum allocated = 0;
        for (const Allocation<Asset>& allocation : out.first(plan.allocation_count)) {
            BACKSTOP_ASSERT(allocation.amount.is_positive(), "an allocation moves nothing");
            allocated += WideSum(allocation.amount.atoms());
            if (context.commit_transfers) {
                if (allocation.source == context.target) {
                    return make_error(ErrorCode::same_place, "a bearer is the socialization target");
                }
                // Sources are distinct, so checking each alone is checking them all.
                Result<void> ok = ledger.check_transfer(allocation.source, context.target, allocation.amount);
                if (!ok) return ok.error();
            }
        }
        BACKSTOP_ASSERT(allocated >= WideSum(plan.covered.atoms()), "allocations do not cover what the plan says");
        if (context.commit_transfers) {
            if (!fits_rep(WideSum(ledger.balance_of(context.target).atoms()) + allocated)) {
                return make_error(ErrorCode::overflow, "the socialization target cannot hold the allocations");
            }
            const WideSum surplus = allocated - WideSum(plan.covered.atoms());
            if (surplus > 0 && context.target != Place::dust() &&
                !fits_rep(WideSum(ledger.balance_of(Place::dust()).atoms()) + surplus)) {
                return make_error(ErrorCode::overflow, "dust cannot hold the rounding surplus");
            }
        }
        return plan;
    }

    // Records a socialization of `remainder`: `plan.covered` of it is borne by `allocations`.
    // With context.commit_transfers, moves each allocation to the target and the surplus on to
    // dust, as plan_socialize checked them on this ledger state. Without, moves nothing: the
    // engine applies the allocations itself (closing positions first, perhaps lowering an
    // allocation, in which case it passes what it actually collects as `plan.covered`).
    template <class Ledger>
    SocializeReport<Asset> commit_socialize(Ledger& ledger, const Money& remainder,
                                            Span<const Allocation<Asset>> allocations,
                                            const SocializePlan<Asset>& plan,
                                            const SocializeContext& context) {
        BACKSTOP_ASSERT(!plan.covered.is_negative() && plan.covered <= remainder,
                        "a socialization covers more than the remainder");
        if (context.commit_transfers) {
            WideSum allocated = 0;
            for (const Allocation<Asset>& allocation : allocations) {
                ledger.commit(allocation.source, context.target, allocation.amount,
                              transfer_reason_of(allocation.layer));
                allocated += WideSum(allocation.amount.atoms());
            }
            const WideSum surplus = allocated - WideSum(plan.covered.atoms());
            BACKSTOP_ASSERT(surplus >= 0, "allocations do not cover what the plan says");
            // A surplus collected into dust is already where it belongs.
            if (surplus > 0 && context.target != Place::dust()) {
                BACKSTOP_ASSERT(fits_rep(surplus), "planned surplus does not fit a transfer");
                ledger.commit(context.target, Place::dust(), Money(narrow(surplus)), TransferReason::rounding_residue);
            }
        }
        FundStatistics<Asset>::add(statistics_.socialized_total, plan.covered);
        FundStatistics<Asset>::add(statistics_.uncovered_total, remainder - plan.covered);
        statistics_.socialize_count += 1;
        return SocializeReport<Asset>{remainder, plan.covered, remainder - plan.covered,
                                      allocations.size(), plan.funding_delta_per_unit};
    }

    template <class Ledger>
    Result<SocializeReport<Asset>> socialize(Ledger& ledger, const Money& remainder,
                                             Span<const LossBearer<Asset>> bearers,
                                             Span<Allocation<Asset>> out,
                                             const SocializeContext& context) {
        Result<SocializePlan<Asset>> plan = plan_socialize(ledger, remainder, bearers, out, context);
        if (!plan) return plan.error();
        return commit_socialize(ledger, remainder,
                                Span<const Allocation<Asset>>(out.data(), plan->allocation_count), *plan,
                                context);
    }

private:
    using Rep = typename Money::rep;
    using Total = Amount<Asset, Int128>;
    // Sums of many amounts, wide enough that no count of them overflows: __int128 for int64
    // money (it is on the liquidation path, and cheap), Int192 for Int128 money.
    using WideSum = std::conditional_t<std::is_same<Rep, std::int64_t>::value, detail::int128, Int192>;

    struct Receipt {
        Place place;
        Money amount;
    };

    static bool fits_rep(const WideSum& value) {
        if constexpr (std::is_same<Rep, std::int64_t>::value) {
            return value >= std::numeric_limits<std::int64_t>::min() &&
                   value <= std::numeric_limits<std::int64_t>::max();
        } else {
            return value.fits_int128();
        }
    }
    static Rep narrow(const WideSum& value) {
        if constexpr (std::is_same<Rep, std::int64_t>::value) {
            return static_cast<Rep>(value);
        } else {
            return value.to_int128();
        }
    }

    InsuranceFund(FundId id, FeeCapture fee_capture, BadDebtSettlement settlement,
                  SocializedLoss socialized_loss, FundLimits limits)
        : id_(id),
          fee_capture_(std::move(fee_capture)),
          settlement_(std::move(settlement)),
          socialized_loss_(std::move(socialized_loss)),
          paid_by_market_(limits.markets_max) {}

    Result<void> check_market(MarketId market) const {
        if (market.value >= paid_by_market_.size()) {
            return make_error(ErrorCode::unknown_market, "market id beyond the fund's markets_max");
        }
        return {};
    }

    template <class Ledger>
    static void commit_if_positive(Ledger& ledger, Place source, Place target, const Money& amount,
                                   TransferReason reason) {
        if (amount.is_positive()) ledger.commit(source, target, amount, reason);
    }


    FundId id_{};
    FeeCapture fee_capture_{};
    BadDebtSettlement settlement_{};
    SocializedLoss socialized_loss_{};
    std::vector<Total> paid_by_market_;  // wide: a market's payouts outgrow any one balance
    FundStatistics<Asset> statistics_{};
};

}  // namespace backstop
