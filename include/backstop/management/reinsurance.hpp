// Reinsurance<Asset>: treaties between funds of one ledger. A cedent fund passes part of its
// losses to a reinsurer (another protocol's fund, or a reinsurer's capital: just another fund
// place) for a premium per period. Claims and premiums are ledger transfers between the two
// funds: nothing is created or lost across funds.
//
// Per claim of a loss L (the cedent's loss event, already paid by it), what the treaty owes:
//   excess of loss   due = min(max(L - attachment, 0), limit)
//   quota share      due = min(floor(share x L), limit)   rounded down: the reinsurer never pays
//                    more than its share, the cedent keeps the residue atom
//   stop loss        per period (period_ms from the writing): S = the cedent's losses claimed in
//                    the period, covered(S) = min(max(S - attachment, 0), limit);
//                    due = covered(S after L) - covered(S before L); S resets each period
// and, for every kind, over the treaty's whole life at most aggregate = limit x (1 +
// reinstatements): each reinstatement restores the limit once (no reinstatement premium: the
// premium per period prices the whole aggregate). The claim's due uses the aggregate whether or
// not the reinsurer pays it: the cover was called.
//
// Counterparty risk: a claim pays min(due, the reinsurer's balance), reinsurer -> cedent
// (reinsurance_claim). What the reinsurer cannot pay is reported as unpaid and is not created:
// it is a loss the cedent keeps (the contagion the lab measures). A chain (A reinsures B, B
// reinsures C) is the caller's to follow: what B pays C is a loss B may claim on A.
//
// Premiums are paid in arrears: at the end of each period of the treaty, premium_per_period
// cedent -> reinsurer (reinsurance_premium). A cedent that cannot pay a period's premium in full
// pays none of it and the treaty lapses (no more cover: claims are refused with treaty_lapsed),
// as an unpaid premium ends cover in practice. An exhausted treaty owes no more premium.
//
// Operations (plan_* is const and validates everything; commit cannot fail): write, claim,
// charge_premium (one treaty; premium_not_due before its period ends), charge_premiums (the
// per-period step: every treaty due pays or lapses, the others are skipped). Storage is reserved
// at open: no operation allocates. A refused operation changes nothing.
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/checked_arith.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/rounding.hpp"
#include "backstop/ledger/place.hpp"
#include "backstop/ledger/transfer.hpp"
#include "backstop/money/amount.hpp"
#include "backstop/money/rate.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

namespace backstop {

namespace detail {
struct TreatyIdTag {};
}  // namespace detail
using TreatyId = StrongId<detail::TreatyIdTag>;

enum class TreatyKind : std::uint8_t {
    excess_of_loss = 0,  // per loss event, the part beyond the attachment, up to the limit
    quota_share = 1,     // a fixed share of every loss
    stop_loss = 2,       // per period, the cedent's aggregate loss beyond the attachment
};

enum class TreatyStatus : std::uint8_t {
    active = 0,
    exhausted = 1,  // the aggregate (limit x (1 + reinstatements)) is used up
    lapsed = 2,     // a premium went unpaid
};

template <class Asset>
struct TreatyTerms {
    using Wide = Amount<Asset, Int128>;

    TreatyKind kind = TreatyKind::excess_of_loss;
    FundId cedent;
    FundId reinsurer;
    Wide attachment;                // excess of loss, stop loss; 0 for a quota share
    Wide limit;                     // per event (per period for a stop loss), > 0
    std::uint32_t reinstatements = 0;
    Ppm share{0};                   // quota share, (0, 100%]; 0 for the other kinds
    Wide premium_per_period;        // >= 0
    std::int64_t period_ms = 30 * 86'400'000LL;

    static constexpr std::uint32_t reinstatements_max = 1'000'000;
    static constexpr std::int64_t period_max_ms = 3'650 * 86'400'000LL;  // 10 years
    static Int128 amount_max() { return pow10<Int128>(30); }  // so that aggregates fit Int128

    Result<void> validate() const {
        if (kind != TreatyKind::excess_of_loss && kind != TreatyKind::quota_share && kind != TreatyKind::stop_loss) {
            return make_error(ErrorCode::invalid_policy_parameter, "unknown treaty kind");
        }
        if (cedent == reinsurer) {
            return make_error(ErrorCode::invalid_policy_parameter, "a fund cannot reinsure itself");
        }
        if (!limit.is_positive() || limit.atoms() > amount_max()) {
            return make_error(ErrorCode::invalid_policy_parameter, "limit must be within (0, 10^30] atoms");
        }
        if (attachment.is_negative() || attachment.atoms() > amount_max()) {
            return make_error(ErrorCode::invalid_policy_parameter, "attachment must be within [0, 10^30] atoms");
        }
        if (premium_per_period.is_negative() || premium_per_period.atoms() > amount_max()) {
            return make_error(ErrorCode::invalid_policy_parameter, "premium must be within [0, 10^30] atoms");
        }
        if (reinstatements > reinstatements_max) {
            return make_error(ErrorCode::invalid_policy_parameter, "reinstatements must be within [0, 10^6]");
        }
        if (period_ms <= 0 || period_ms > period_max_ms) {
            return make_error(ErrorCode::invalid_policy_parameter, "period must be within (0, 10 years]");
        }
        if (kind == TreatyKind::quota_share) {
            if (share.count() <= 0 || share.count() > Ppm::denominator) {
                return make_error(ErrorCode::invalid_policy_parameter, "a quota share must be within (0, 100%]");
            }
            if (!attachment.is_zero()) {
                return make_error(ErrorCode::invalid_policy_parameter, "a quota share has no attachment");
            }
        } else if (share.count() != 0) {
            return make_error(ErrorCode::invalid_policy_parameter, "only a quota share has a share");
        }
        return {};
    }
};

// A treaty's whole state: a claim or a premium plan holds the treaty after it.
template <class Asset>
struct Treaty {
    using Wide = Amount<Asset, Int128>;

    TreatyTerms<Asset> terms;
    TreatyStatus status = TreatyStatus::active;
    std::int64_t written_ms = 0;
    std::int64_t premium_due_ms = 0;  // end of the first period whose premium is unpaid
    std::int64_t last_claim_ms = 0;   // claims never go back in time
    Wide aggregate;                   // limit x (1 + reinstatements)
    Wide used;                        // the due of every claim so far, paid or not
    std::int64_t period_index = 0;    // stop loss: the period period_loss counts
    Wide period_loss;                 // stop loss: the cedent's losses claimed in that period
    Wide period_covered;              // stop loss: what that period's claims were due
    Wide claims_paid;
    Wide claims_unpaid;
    Wide premiums_paid;
    std::int64_t periods_paid = 0;

    Wide limit_left() const { return aggregate - used; }
};

template <class Asset>
struct ClaimReport {
    using Wide = Amount<Asset, Int128>;
    Wide loss;
    Wide due;         // what the terms owe for this loss
    Wide paid;        // min(due, the reinsurer's balance): reinsurer -> cedent
    Wide unpaid;      // due - paid: the reinsurer's default, a loss the cedent keeps
    Wide limit_left;  // of the aggregate, after this claim
    Wide period_loss; // stop loss: the cedent's losses in the period, this one included
    TreatyStatus status = TreatyStatus::active;
};

template <class Asset>
struct ClaimPlan {
    TreatyId id;
    Treaty<Asset> after;
    ClaimReport<Asset> report;
};

template <class Asset>
struct PremiumReport {
    using Wide = Amount<Asset, Int128>;
    Wide paid;                    // cedent -> reinsurer
    std::int64_t periods_paid = 0;
    bool lapsed = false;          // a period's premium could not be paid
};

template <class Asset>
struct PremiumPlan {
    TreatyId id;
    Treaty<Asset> after;
    PremiumReport<Asset> report;
};

// The per-period step's summary.
template <class Asset>
struct PremiumsReport {
    Amount<Asset, Int128> paid;
    std::uint32_t treaties_charged = 0;  // treaties with a period due (paid or lapsed)
    std::uint32_t lapsed = 0;
    std::uint32_t refused = 0;           // a transfer the ledger would refuse (overflow): left due
};

template <class Asset>
class Reinsurance {
public:
    using asset_type = Asset;
    using Wide = Amount<Asset, Int128>;
    using Terms = TreatyTerms<Asset>;
    using TreatyType = Treaty<Asset>;
    using Claim = ClaimPlan<Asset>;
    using Premium = PremiumPlan<Asset>;

    static constexpr std::uint32_t treaties_limit = 1u << 20;

    Reinsurance() = default;

    static Result<Reinsurance> open(std::uint32_t treaties_max) {
        if (treaties_max == 0 || treaties_max > treaties_limit) {
            return make_error(ErrorCode::invalid_policy_parameter, "treaties_max must be within [1, 2^20]");
        }
        Reinsurance book;
        book.treaties_max_ = treaties_max;
        book.treaties_.reserve(treaties_max);
        return book;
    }

    std::uint32_t treaty_count() const { return static_cast<std::uint32_t>(treaties_.size()); }
    std::uint32_t treaties_max() const { return treaties_max_; }
    // A treaty's whole state (a copy), unknown_treaty for an id never written.
    Result<TreatyType> treaty(TreatyId id) const {
        if (id.value >= treaties_.size()) return make_error(ErrorCode::unknown_treaty, "no such treaty");
        return treaties_[id.value];
    }

    // A treaty from now_ms: its first period ends at now_ms + period_ms.
    template <class Ledger>
    Result<TreatyId> write(const Ledger& ledger, const Terms& terms, std::int64_t now_ms) {
        if (Result<void> ok = terms.validate(); !ok) return ok.error();
        if (!ledger.contains(Place::fund(terms.cedent)) || !ledger.contains(Place::fund(terms.reinsurer))) {
            return make_error(ErrorCode::unknown_place, "a treaty names a fund the ledger lacks");
        }
        if (treaties_.size() >= treaties_max_) {
            return make_error(ErrorCode::capacity_exceeded, "more treaties than treaties_max");
        }
        Result<std::int64_t> due = checked_add(now_ms, terms.period_ms);
        if (!due) return due.error();
        TreatyType treaty;
        treaty.terms = terms;
        treaty.written_ms = now_ms;
        treaty.premium_due_ms = *due;
        treaty.last_claim_ms = now_ms;
        // Fits: limit <= 10^30 and 1 + reinstatements <= 10^6 + 1.
        treaty.aggregate = Wide(terms.limit.atoms() * Int128(std::int64_t{terms.reinstatements} + 1));
        treaties_.push_back(treaty);  // within the capacity reserved at open: no allocation
        return TreatyId{static_cast<std::uint32_t>(treaties_.size() - 1)};
    }

    // ---- claims ----------------------------------------------------------------------------

    template <class Ledger>
    Result<Claim> plan_claim(const Ledger& ledger, TreatyId id, const Wide& loss, std::int64_t now_ms) const {
        if (id.value >= treaties_.size()) return make_error(ErrorCode::unknown_treaty, "no such treaty");
        if (!loss.is_positive()) return make_error(ErrorCode::amount_not_positive, "a claim is for a positive loss");
        const TreatyType& treaty = treaties_[id.value];
        if (treaty.status == TreatyStatus::lapsed) {
            return make_error(ErrorCode::treaty_lapsed, "the treaty lapsed: a premium went unpaid");
        }
        if (treaty.status == TreatyStatus::exhausted) {
            return make_error(ErrorCode::treaty_exhausted, "the treaty's limit and reinstatements are used up");
        }
        if (now_ms < treaty.last_claim_ms) {
            return make_error(ErrorCode::time_backwards, "a claim before the treaty's last claim or writing");
        }
        // Cover is for periods paid for: past a period's end with its premium unpaid, charge it
        // first (a claim at the very end of the period is still within it).
        if (treaty.terms.premium_per_period.is_positive() && now_ms > treaty.premium_due_ms) {
            return make_error(ErrorCode::premium_overdue, "a period's premium is due: charge it before claiming");
        }
        const Terms& terms = treaty.terms;
        Claim plan;
        plan.id = id;
        plan.after = treaty;
        TreatyType& after = plan.after;
        after.last_claim_ms = now_ms;
        // What the terms owe for this loss, before the aggregate.
        Int128 due = 0;
        switch (terms.kind) {
            case TreatyKind::excess_of_loss: {
                Result<Int128> excess = checked_sub(loss.atoms(), terms.attachment.atoms());
                if (!excess) return excess.error();
                due = std::min(std::max(*excess, Int128(0)), terms.limit.atoms());
                break;
            }
            case TreatyKind::quota_share: {
                // Rounded down: the reinsurer pays at most its share; the cedent keeps the residue.
                Result<Int128> part = mul_div(loss.atoms(), Int128(terms.share.count()), Int128(Ppm::denominator), round_down);
                if (!part) return part.error();
                due = std::min(*part, terms.limit.atoms());
                break;
            }
            case TreatyKind::stop_loss: {
                Result<std::int64_t> since = checked_sub(now_ms, treaty.written_ms);
                if (!since) return since.error();
                const std::int64_t index = *since / terms.period_ms;  // since >= 0: claims follow the writing
                if (index != after.period_index) {  // a new period: the tallies reset
                    after.period_index = index;
                    after.period_loss = Wide::zero();
                    after.period_covered = Wide::zero();
                }
                Result<Int128> total = checked_add(after.period_loss.atoms(), loss.atoms());
                if (!total) return total.error();
                const Int128 covered = std::min(std::max(*total - terms.attachment.atoms(), Int128(0)), terms.limit.atoms());
                due = covered - after.period_covered.atoms();  // covered(S) never falls as S grows
                after.period_loss = Wide(*total);
                break;
            }
        }
        due = std::min(due, treaty.limit_left().atoms());
        if (terms.kind == TreatyKind::stop_loss) after.period_covered = Wide(after.period_covered.atoms() + due);
        // Counterparty risk: the reinsurer pays what it holds, no more.
        Result<typename Ledger::Money> held = ledger.balance(Place::fund(terms.reinsurer));
        if (!held) return held.error();
        const Int128 paid = std::min(due, std::max(Int128(held->atoms()), Int128(0)));
        if (paid > 0) {
            Result<void> ok = ledger.check_transfer(Place::fund(terms.reinsurer), Place::fund(terms.cedent),
                                                    to_money<Ledger>(paid));
            if (!ok) return ok.error();
        }
        Result<Int128> paid_total = checked_add(treaty.claims_paid.atoms(), paid);
        Result<Int128> unpaid_total = checked_add(treaty.claims_unpaid.atoms(), due - paid);
        if (!paid_total || !unpaid_total) return make_error(ErrorCode::overflow, "claim totals overflow");
        after.used = Wide(treaty.used.atoms() + due);  // <= aggregate
        after.claims_paid = Wide(*paid_total);
        after.claims_unpaid = Wide(*unpaid_total);
        if (after.used == after.aggregate) after.status = TreatyStatus::exhausted;
        ClaimReport<Asset>& report = plan.report;
        report.loss = loss;
        report.due = Wide(due);
        report.paid = Wide(paid);
        report.unpaid = Wide(due - paid);
        report.limit_left = after.limit_left();
        report.period_loss = after.period_loss;
        report.status = after.status;
        return plan;
    }

    template <class Ledger>
    ClaimReport<Asset> commit(Ledger& ledger, const Claim& plan) {
        BACKSTOP_ASSERT(plan.id.value < treaties_.size(), "a claim plan for an unknown treaty");
        if (plan.report.paid.is_positive()) {
            ledger.commit(Place::fund(plan.after.terms.reinsurer), Place::fund(plan.after.terms.cedent),
                          to_money<Ledger>(plan.report.paid.atoms()), TransferReason::reinsurance_claim);
        }
        treaties_[plan.id.value] = plan.after;
        return plan.report;
    }

    template <class Ledger>
    Result<ClaimReport<Asset>> claim(Ledger& ledger, TreatyId id, const Wide& loss, std::int64_t now_ms) {
        Result<Claim> plan = plan_claim(ledger, id, loss, now_ms);
        if (!plan) return plan.error();
        return commit(ledger, *plan);
    }

    // ---- premiums --------------------------------------------------------------------------

    // Every period ended by now_ms and not yet paid, in order: the cedent pays whole periods
    // while it can; at the first it cannot pay in full the treaty lapses (that period unpaid).
    template <class Ledger>
    Result<Premium> plan_premium(const Ledger& ledger, TreatyId id, std::int64_t now_ms) const {
        if (id.value >= treaties_.size()) return make_error(ErrorCode::unknown_treaty, "no such treaty");
        const TreatyType& treaty = treaties_[id.value];
        if (treaty.status == TreatyStatus::lapsed) return make_error(ErrorCode::treaty_lapsed, "the treaty lapsed");
        if (treaty.status == TreatyStatus::exhausted) {
            return make_error(ErrorCode::treaty_exhausted, "an exhausted treaty owes no more premium");
        }
        if (now_ms < treaty.premium_due_ms) {
            return make_error(ErrorCode::premium_not_due, "the treaty's period has not ended");
        }
        const Terms& terms = treaty.terms;
        Result<std::int64_t> late = checked_sub(now_ms, treaty.premium_due_ms);
        if (!late) return late.error();
        const std::int64_t periods = *late / terms.period_ms + 1;  // >= 1, no overflow: period_ms >= 1
        std::int64_t paid_periods = periods;
        Int128 amount = 0;
        if (terms.premium_per_period.is_positive()) {
            Result<typename Ledger::Money> held = ledger.balance(Place::fund(terms.cedent));
            if (!held) return held.error();
            const Int128 affordable = std::max(Int128(held->atoms()), Int128(0)) / terms.premium_per_period.atoms();
            if (affordable < Int128(periods)) paid_periods = static_cast<std::int64_t>(affordable);
            amount = terms.premium_per_period.atoms() * Int128(paid_periods);  // <= the cedent's balance
            if (amount > 0) {
                Result<void> ok = ledger.check_transfer(Place::fund(terms.cedent), Place::fund(terms.reinsurer),
                                                        to_money<Ledger>(amount));
                if (!ok) return ok.error();
            }
        }
        Result<Int128> total = checked_add(treaty.premiums_paid.atoms(), amount);
        Result<std::int64_t> count = checked_add(treaty.periods_paid, paid_periods);
        if (!total || !count) return make_error(ErrorCode::overflow, "premium totals overflow");
        Premium plan;
        plan.id = id;
        plan.after = treaty;
        plan.after.premiums_paid = Wide(*total);
        plan.after.periods_paid = *count;
        plan.after.premium_due_ms = later(treaty.premium_due_ms, paid_periods, terms.period_ms);
        if (paid_periods < periods) plan.after.status = TreatyStatus::lapsed;
        plan.report.paid = Wide(amount);
        plan.report.periods_paid = paid_periods;
        plan.report.lapsed = paid_periods < periods;
        return plan;
    }

    template <class Ledger>
    PremiumReport<Asset> commit(Ledger& ledger, const Premium& plan) {
        BACKSTOP_ASSERT(plan.id.value < treaties_.size(), "a premium plan for an unknown treaty");
        if (plan.report.paid.is_positive()) {
            ledger.commit(Place::fund(plan.after.terms.cedent), Place::fund(plan.after.terms.reinsurer),
                          to_money<Ledger>(plan.report.paid.atoms()), TransferReason::reinsurance_premium);
        }
        treaties_[plan.id.value] = plan.after;
        return plan.report;
    }

    // One treaty's premium: premium_not_due before its period has ended.
    template <class Ledger>
    Result<PremiumReport<Asset>> charge_premium(Ledger& ledger, TreatyId id, std::int64_t now_ms) {
        Result<Premium> plan = plan_premium(ledger, id, now_ms);
        if (!plan) return plan.error();
        return commit(ledger, *plan);
    }

    // The per-period step: every active treaty whose period has ended pays (or lapses), in the
    // order written, each against the balances the previous ones left (a premium received may
    // pay the next). Treaties not due, lapsed or exhausted are skipped. A treaty whose transfer
    // the ledger would refuse (a balance overflow) is left unchanged and counted as refused.
    // Never fails and allocates nothing.
    template <class Ledger>
    PremiumsReport<Asset> charge_premiums(Ledger& ledger, std::int64_t now_ms) {
        PremiumsReport<Asset> summary;
        for (std::uint32_t i = 0; i < treaties_.size(); ++i) {
            const TreatyType& treaty = treaties_[i];
            if (treaty.status != TreatyStatus::active || now_ms < treaty.premium_due_ms) continue;
            Result<Premium> plan = plan_premium(ledger, TreatyId{i}, now_ms);
            if (!plan) {
                ++summary.refused;
                continue;
            }
            const PremiumReport<Asset> report = commit(ledger, *plan);
            ++summary.treaties_charged;
            if (report.lapsed) ++summary.lapsed;
            // Cannot overflow in practice (each paid <= a ledger balance); saturate rather than assert.
            Result<Int128> paid = checked_add(summary.paid.atoms(), report.paid.atoms());
            summary.paid = Wide(paid ? *paid : std::numeric_limits<Int128>::max());
        }
        return summary;
    }

private:
    template <class Ledger>
    static typename Ledger::Money to_money(const Int128& atoms) {
        // Callers pass at most a ledger balance, which fits the ledger's representation.
        using Rep = typename Ledger::Rep;
        return typename Ledger::Money(static_cast<Rep>(atoms));
    }

    // from + periods x period, or int64 max (never due again) beyond the clock's range.
    static std::int64_t later(std::int64_t from, std::int64_t periods, std::int64_t period_ms) {
        Result<std::int64_t> step = checked_mul(periods, period_ms);
        if (!step) return std::numeric_limits<std::int64_t>::max();
        Result<std::int64_t> at = checked_add(from, *step);
        return at ? *at : std::numeric_limits<std::int64_t>::max();
    }

    std::uint32_t treaties_max_ = 0;
    std::vector<TreatyType> treaties_;
};

}  // namespace backstop
