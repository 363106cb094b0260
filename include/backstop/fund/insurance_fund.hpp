// InsuranceFund<Asset, FeeCapture, BadDebtSettlement, SocializedLoss>: a fund whose balance is a
// place in a ledger, with its behaviour chosen by three policies (see policy_traits.hpp).
//
// Each operation validates its input, asks its policy for a plan (pure), checks the plan against
// the ledger, and only then commits the plan's transfers, which cannot fail. A refused operation
// changes no balance and no statistic. The ledger is passed to every call: the fund does not own
// it (an engine does), and any ledger journal type works.
//
//   capture(ledger, penalty, context)      inflow: split a liquidation penalty
//   settle(ledger, deficit, context)       outflow: pay (part of) a deficit now
//   socialize(ledger, remainder, bearers, out, context)
//                                          fallback: allocate what the fund did not cover
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/checked_arith.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/fund/fund_statistics.hpp"
#include "backstop/fund/fund_types.hpp"
#include "backstop/fund/policy_traits.hpp"
#include "backstop/fund/socialized_loss/allocation_support.hpp"
#include "backstop/ledger/ledger.hpp"

#include <cstdint>
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
    Money paid_in(MarketId market) const {
        return market.value < paid_by_market_.size() ? paid_by_market_[market.value] : Money::zero();
    }
    const FeeCapture& fee_capture() const { return fee_capture_; }
    const BadDebtSettlement& settlement() const { return settlement_; }
    const SocializedLoss& socialized_loss() const { return socialized_loss_; }

    template <class Ledger>
    FundState<Asset> state(const Ledger& ledger) const {
        return FundState<Asset>{balance(ledger), paid_by_market_.data(),
                                static_cast<std::uint32_t>(paid_by_market_.size())};
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

    template <class Ledger>
    Result<void> withdraw(Ledger& ledger, Place target, const Money& amount) {
        Result<void> moved = ledger.transfer(place(), target, amount, TransferReason::fund_withdrawal);
        if (!moved) return moved;
        FundStatistics<Asset>::add(statistics_.withdrawn_total, amount);
        statistics_.observe_balance(balance(ledger));
        return {};
    }

    // ---- capture ------------------------------------------------------------------------------

    template <class Ledger>
    Result<CaptureReport<Asset>> capture(Ledger& ledger, const Money& penalty,
                                         const CaptureContext& context) {
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
            if (Result<void> ok = ledger.check_transfer(context.source, place(), penalty); !ok) {
                return ok.error();
            }
        }
        const PenaltySplit<Asset> split = fee_capture_.split(penalty, state(ledger));
        BACKSTOP_ASSERT(split.total() == penalty, "fee capture split does not add up to the penalty");
        BACKSTOP_ASSERT(!split.to_liquidator.is_negative() && !split.to_fund.is_negative() &&
                            !split.to_treasury.is_negative() && !split.to_dust.is_negative(),
                        "fee capture split has a negative part");
        // Receiving places could overflow only if they held nearly int64 max: check, then commit.
        const std::pair<Place, Money> parts[] = {{context.liquidator, split.to_liquidator},
                                                 {place(), split.to_fund},
                                                 {Place::treasury(), split.to_treasury},
                                                 {Place::dust(), split.to_dust}};
        for (const auto& part : parts) {
            if (!part.second.is_positive()) continue;
            if (Result<Rep> after = checked_add(ledger.balance_of(part.first).atoms(), part.second.atoms());
                !after) {
                return after.error();
            }
        }
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
        return CaptureReport<Asset>{penalty, split};
    }

    // ---- settlement ---------------------------------------------------------------------------

    template <class Ledger>
    Result<SettlementReport<Asset>> settle(Ledger& ledger, const Money& deficit,
                                           const SettleContext& context) {
        if (deficit.is_negative()) return make_error(ErrorCode::amount_negative, "deficit below zero");
        if (!ledger.contains(context.target)) {
            return make_error(ErrorCode::unknown_place, "settlement target is unknown");
        }
        if (context.target == place()) return make_error(ErrorCode::same_place, "fund pays itself");
        if (Result<void> market = check_market(context.market); !market) return market.error();
        const FundState<Asset> fund = state(ledger);
        const Money paid = settlement_.payable(deficit, context, fund);
        BACKSTOP_ASSERT(!paid.is_negative() && paid <= deficit && paid <= std::max(fund.balance, Money::zero()),
                        "settlement policy pays more than the deficit or the balance");
        if (paid.is_positive()) {
            if (Result<void> ok = ledger.check_transfer(place(), context.target, paid); !ok) {
                return ok.error();
            }
            ledger.commit(place(), context.target, paid, TransferReason::bad_debt_payment);
        }
        SettlementReport<Asset> report{deficit, paid, deficit - paid, false};
        const Money balance_after = balance(ledger);
        report.depleted = report.remainder.is_positive() &&
                          balance_after <= settlement_.reserve(state(ledger));
        paid_by_market_[context.market.value] += paid;
        FundStatistics<Asset>::add(statistics_.paid_total, paid);
        statistics_.largest_payout = std::max(statistics_.largest_payout, paid);
        statistics_.settle_count += 1;
        if (report.depleted) statistics_.depletion_count += 1;
        statistics_.observe_balance(balance_after);
        return report;
    }

    // ---- socialized loss ----------------------------------------------------------------------

    // Allocates `remainder` over `bearers` (strictly increasing account order) into `out`, and
    // unless context.commit_transfers is false, moves each allocation from its source to
    // context.target. Any surplus a policy collects above the remainder (funding rounds each
    // charge up) goes on from the target to dust.
    template <class Ledger>
    Result<SocializeReport<Asset>> socialize(Ledger& ledger, const Money& remainder,
                                             Span<const LossBearer<Asset>> bearers,
                                             Span<Allocation<Asset>> out,
                                             const SocializeContext& context) {
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

        Money allocated;
        for (std::size_t i = 0; i < plan.allocation_count; ++i) {
            const Allocation<Asset>& allocation = out[i];
            BACKSTOP_ASSERT(allocation.amount.is_positive(), "an allocation moves nothing");
            allocated += allocation.amount;
            if (context.commit_transfers) {
                if (allocation.source == context.target) {
                    return make_error(ErrorCode::same_place, "a bearer is the socialization target");
                }
                // Sources are distinct (sorted bearers, one default fund), so checking each alone
                // is checking them all.
                Result<void> ok = ledger.check_transfer(allocation.source, context.target, allocation.amount);
                if (!ok) return ok.error();
            }
        }
        BACKSTOP_ASSERT(allocated >= plan.covered, "allocations do not cover what the plan says");
        const Money surplus = allocated - plan.covered;
        if (context.commit_transfers) {
            if (Result<Rep> after = checked_add(ledger.balance_of(context.target).atoms(), allocated.atoms());
                !after) {
                return after.error();
            }
            for (std::size_t i = 0; i < plan.allocation_count; ++i) {
                ledger.commit(out[i].source, context.target, out[i].amount, transfer_reason_of(out[i].layer));
            }
            commit_if_positive(ledger, context.target, Place::dust(), surplus,
                               TransferReason::rounding_residue);
        }
        FundStatistics<Asset>::add(statistics_.socialized_total, plan.covered);
        FundStatistics<Asset>::add(statistics_.uncovered_total, remainder - plan.covered);
        statistics_.socialize_count += 1;
        return SocializeReport<Asset>{remainder, plan.covered, remainder - plan.covered,
                                      plan.allocation_count, plan.funding_delta_per_unit};
    }

private:
    using Rep = typename Money::rep;

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
    std::vector<Money> paid_by_market_;
    FundStatistics<Asset> statistics_{};
};

}  // namespace backstop
