// RiskPool<Asset>: several funds (several exchanges or protocols) share risk through a pool. The
// pool is a fund place of the same ledger as its members; members contribute to it each period
// and it pays their losses. Every movement is a transfer: nothing is created or lost.
//
//   contribute   once per period (period_ms from the opening), each member pays its rule:
//                  share_of_balance   floor(share x the member's balance)   (rounded down: a
//                                     member never pays more than its rule)
//                  fixed              min(amount, the member's balance)      (pays what it has)
//                member -> pool (pool_contribution). The clock then moves to the first period end
//                after now: periods the caller skipped are not collected twice.
//   settle       the members' losses L_i of a period, T = sum L_i, P = the pool's balance:
//                  P >= T   each member is paid L_i
//                  P <  T   each member is paid floor(L_i x P / T) (pro rata, rounded down);
//                           the residue P - sum of those (< the number of losses) stays in the
//                           pool, in its favour, for the next period
//                pool -> member (pool_payout); what the pool could not pay is reported as unpaid
//                and the pool counts as depleted from then on (the lab's "pool's own depletion").
//
// plan_* is const and validates everything; commit cannot fail; storage is reserved at open, so
// no operation allocates. A refused operation changes nothing.
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/checked_arith.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/rounding.hpp"
#include "backstop/core/span.hpp"
#include "backstop/ledger/place.hpp"
#include "backstop/ledger/transfer.hpp"
#include "backstop/money/amount.hpp"
#include "backstop/money/rate.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

namespace backstop {

enum class ContributionKind : std::uint8_t {
    share_of_balance = 0,  // a share of the member's balance each period
    fixed = 1,             // a fixed amount each period, or all the member has if less
};

template <class Asset>
struct ContributionRule {
    using Wide = Amount<Asset, Int128>;

    ContributionKind kind = ContributionKind::share_of_balance;
    Ppm share{0};  // share_of_balance: (0, 100%]; 0 for fixed
    Wide amount;   // fixed: (0, 10^30] atoms; 0 for share_of_balance

    static Int128 amount_max() { return pow10<Int128>(30); }

    Result<void> validate() const {
        if (kind == ContributionKind::share_of_balance) {
            if (share.count() <= 0 || share.count() > Ppm::denominator || !amount.is_zero()) {
                return make_error(ErrorCode::invalid_policy_parameter,
                                  "a share of balance is within (0, 100%] and has no amount");
            }
            return {};
        }
        if (kind == ContributionKind::fixed) {
            if (!amount.is_positive() || amount.atoms() > amount_max() || share.count() != 0) {
                return make_error(ErrorCode::invalid_policy_parameter,
                                  "a fixed contribution is within (0, 10^30] atoms and has no share");
            }
            return {};
        }
        return make_error(ErrorCode::invalid_policy_parameter, "unknown contribution kind");
    }
};

template <class Asset>
struct PoolMember {
    using Wide = Amount<Asset, Int128>;
    FundId fund;
    ContributionRule<Asset> rule;
    Wide contributed;  // over the pool's life
    Wide received;
    Wide unpaid;       // losses the pool could not pay
};

template <class Asset>
struct MemberLoss {
    FundId member;
    Amount<Asset, Int128> loss;
};

template <class Asset>
struct ContributionReport {
    using Wide = Amount<Asset, Int128>;
    Wide collected;                 // members -> pool
    Wide shortfall;                 // fixed rules: what members lacked
    std::uint32_t members_paid = 0; // members that paid a positive amount
};

template <class Asset>
struct SettleReport {
    using Wide = Amount<Asset, Int128>;
    Wide claimed;   // sum of the losses
    Wide paid;      // pool -> members
    Wide unpaid;    // claimed - paid
    Wide residue;   // pro rata rounding kept by the pool (0 when paid in full)
    bool pro_rata = false;
};

template <class Asset>
class RiskPool {
public:
    using asset_type = Asset;
    using Wide = Amount<Asset, Int128>;
    using Rule = ContributionRule<Asset>;
    using Member = PoolMember<Asset>;
    using Loss = MemberLoss<Asset>;

    static constexpr std::uint32_t members_limit = 4'096;
    static constexpr std::int64_t period_max_ms = 3'650 * 86'400'000LL;  // 10 years

    RiskPool() = default;

    // The pool's fund place must exist and hold the pool alone (no member may be it). The first
    // contribution is due at now_ms + period_ms.
    template <class Ledger>
    static Result<RiskPool> open(const Ledger& ledger, FundId pool, std::int64_t period_ms, std::uint32_t members_max,
                                 std::int64_t now_ms) {
        if (!ledger.contains(Place::fund(pool))) {
            return make_error(ErrorCode::unknown_place, "the pool names a fund the ledger lacks");
        }
        if (period_ms <= 0 || period_ms > period_max_ms) {
            return make_error(ErrorCode::invalid_policy_parameter, "period must be within (0, 10 years]");
        }
        if (members_max == 0 || members_max > members_limit) {
            return make_error(ErrorCode::invalid_policy_parameter, "members_max must be within [1, 4096]");
        }
        Result<std::int64_t> due = checked_add(now_ms, period_ms);
        if (!due) return due.error();
        RiskPool result;
        result.pool_ = pool;
        result.period_ms_ = period_ms;
        result.members_max_ = members_max;
        result.contribution_due_ms_ = *due;
        result.members_.reserve(members_max);
        return result;
    }

    template <class Ledger>
    Result<std::uint32_t> add_member(const Ledger& ledger, FundId fund, const Rule& rule) {
        if (Result<void> ok = rule.validate(); !ok) return ok.error();
        if (!ledger.contains(Place::fund(fund))) {
            return make_error(ErrorCode::unknown_place, "a member names a fund the ledger lacks");
        }
        if (fund == pool_) return make_error(ErrorCode::invalid_argument, "the pool cannot be its own member");
        if (find(fund) < members_.size()) return make_error(ErrorCode::invalid_argument, "already a member");
        if (members_.size() >= members_max_) {
            return make_error(ErrorCode::capacity_exceeded, "more members than members_max");
        }
        Member member;
        member.fund = fund;
        member.rule = rule;
        members_.push_back(member);  // within the capacity reserved at open: no allocation
        return static_cast<std::uint32_t>(members_.size() - 1);
    }

    FundId fund() const { return pool_; }
    Place place() const { return Place::fund(pool_); }
    std::int64_t period_ms() const { return period_ms_; }
    std::int64_t contribution_due_ms() const { return contribution_due_ms_; }
    std::uint32_t member_count() const { return static_cast<std::uint32_t>(members_.size()); }
    // A member's record (a copy), unknown_pool_member for an index beyond the members.
    Result<Member> member(std::uint32_t index) const {
        if (index >= members_.size()) return make_error(ErrorCode::unknown_pool_member, "no member at that index");
        return members_[index];
    }
    bool is_member(FundId fund) const { return find(fund) < members_.size(); }
    template <class Ledger>
    Wide balance(const Ledger& ledger) const {
        return Wide(Int128(ledger.balance_of(place()).atoms()));
    }
    // A settle has left a loss unpaid: the pool's own depletion (sticky, as a fund's on a path).
    bool depleted() const { return settles_short_ > 0; }
    std::uint64_t settles_short() const { return settles_short_; }

    // ---- contributions ---------------------------------------------------------------------

    // What contribute would collect now (premium_not_due before the period's end), const.
    template <class Ledger>
    Result<ContributionReport<Asset>> plan_contribute(const Ledger& ledger, std::int64_t now_ms) const {
        if (now_ms < contribution_due_ms_) {
            return make_error(ErrorCode::premium_not_due, "the pool's period has not ended");
        }
        Result<typename Ledger::Money> held = ledger.balance(place());
        if (!held) return held.error();
        ContributionReport<Asset> report;
        Int128 pool_after = Int128(held->atoms());
        for (const Member& member : members_) {
            Result<Contribution> c = contribution(ledger, member);
            if (!c) return c.error();
            Result<Int128> after = checked_add(pool_after, c->paid);
            Result<Int128> shortfall = checked_add(report.shortfall.atoms(), c->shortfall);
            if (!after || !shortfall) return make_error(ErrorCode::overflow, "contributions overflow");
            pool_after = *after;
            report.shortfall = Wide(*shortfall);
            if (c->paid > 0) ++report.members_paid;
        }
        // The pool's balance after every contribution must fit the ledger's representation.
        using Rep = typename Ledger::Rep;
        if (pool_after > Int128(std::numeric_limits<Rep>::max())) {
            return make_error(ErrorCode::overflow, "the pool's balance would overflow");
        }
        report.collected = Wide(pool_after - Int128(held->atoms()));
        return report;
    }

    // Collects the period's contributions, member -> pool (pool_contribution).
    template <class Ledger>
    Result<ContributionReport<Asset>> contribute(Ledger& ledger, std::int64_t now_ms) {
        Result<ContributionReport<Asset>> report = plan_contribute(ledger, now_ms);
        if (!report) return report.error();
        // Commit: each member's amount depends on its own balance alone, which no earlier transfer
        // of this loop touched (members are distinct and none is the pool), so it is the planned one.
        for (Member& member : members_) {
            const Contribution c = *contribution(ledger, member);
            if (c.paid > 0) {
                ledger.commit(Place::fund(member.fund), place(), to_money<Ledger>(c.paid),
                              TransferReason::pool_contribution);
            }
            member.contributed = Wide(saturating_add(member.contributed.atoms(), c.paid));
        }
        // The first period end after now: skipped periods are not collected twice.
        const Result<std::int64_t> late = checked_sub(now_ms, contribution_due_ms_);  // >= 0
        const std::int64_t periods = late ? *late / period_ms_ + 1 : std::numeric_limits<std::int64_t>::max();
        const Result<std::int64_t> step = checked_mul(periods, period_ms_);
        const Result<std::int64_t> next = step ? checked_add(contribution_due_ms_, *step) : step;
        contribution_due_ms_ = next ? *next : std::numeric_limits<std::int64_t>::max();
        return report;
    }

    // ---- settlement ------------------------------------------------------------------------

    // What settle would pay, const; `paid_out` (empty, or one per loss) receives each payment.
    template <class Ledger>
    Result<SettleReport<Asset>> plan_settle(const Ledger& ledger, Span<const Loss> losses,
                                            Span<Wide> paid_out = {}) const {
        if (!paid_out.empty() && paid_out.size() != losses.size()) {
            return make_error(ErrorCode::invalid_argument, "paid_out must be empty or one per loss");
        }
        Int128 total = 0;
        for (std::size_t i = 0; i < losses.size(); ++i) {
            if (find(losses[i].member) >= members_.size()) {
                return make_error(ErrorCode::unknown_pool_member, "a loss of a fund outside the pool");
            }
            if (!losses[i].loss.is_positive()) return make_error(ErrorCode::amount_not_positive, "a loss is positive");
            for (std::size_t j = 0; j < i; ++j) {
                if (losses[j].member == losses[i].member) {
                    return make_error(ErrorCode::invalid_argument, "one loss per member per settlement");
                }
            }
            Result<Int128> sum = checked_add(total, losses[i].loss.atoms());
            if (!sum) return sum.error();
            total = *sum;
        }
        Result<typename Ledger::Money> held = ledger.balance(place());
        if (!held) return held.error();
        const Int128 pool = std::max(Int128(held->atoms()), Int128(0));
        SettleReport<Asset> report;
        report.claimed = Wide(total);
        report.pro_rata = pool < total;
        Int128 paid_total = 0;
        for (std::size_t i = 0; i < losses.size(); ++i) {
            Result<Int128> paid = payout(losses[i].loss.atoms(), pool, total);
            if (!paid) return paid.error();
            if (*paid > 0) {
                // The pool covers the sum (<= its balance); this checks the member's side.
                Result<void> ok = ledger.check_transfer(place(), Place::fund(losses[i].member), to_money<Ledger>(*paid));
                if (!ok) return ok.error();
            }
            paid_total += *paid;  // <= total
        }
        for (std::size_t i = 0; i < paid_out.size(); ++i) paid_out[i] = Wide(*payout(losses[i].loss.atoms(), pool, total));
        report.paid = Wide(paid_total);
        report.unpaid = Wide(total - paid_total);
        report.residue = report.pro_rata ? Wide(pool - paid_total) : Wide::zero();
        return report;
    }

    // Pays the members' losses of a period, pool -> member (pool_payout), pro rata when short.
    template <class Ledger>
    Result<SettleReport<Asset>> settle(Ledger& ledger, Span<const Loss> losses, Span<Wide> paid_out = {}) {
        Result<SettleReport<Asset>> report = plan_settle(ledger, losses, paid_out);
        if (!report) return report.error();
        // The pool's balance before any payout, as planned: each share is computed from it.
        const Int128 pool = std::max(Int128(ledger.balance_of(place()).atoms()), Int128(0));
        const Int128 total = report->claimed.atoms();
        for (const Loss& loss : losses) {
            const Int128 paid = *payout(loss.loss.atoms(), pool, total);
            if (paid > 0) {
                ledger.commit(place(), Place::fund(loss.member), to_money<Ledger>(paid), TransferReason::pool_payout);
            }
            Member& member = members_[find(loss.member)];
            member.received = Wide(saturating_add(member.received.atoms(), paid));
            member.unpaid = Wide(saturating_add(member.unpaid.atoms(), loss.loss.atoms() - paid));
        }
        if (report->unpaid.is_positive()) ++settles_short_;
        return report;
    }

private:
    struct Contribution {
        Int128 paid = 0;
        Int128 shortfall = 0;
    };

    template <class Ledger>
    static Result<Contribution> contribution(const Ledger& ledger, const Member& member) {
        Result<typename Ledger::Money> held = ledger.balance(Place::fund(member.fund));
        if (!held) return held.error();
        const Int128 balance = std::max(Int128(held->atoms()), Int128(0));
        Contribution c;
        if (member.rule.kind == ContributionKind::share_of_balance) {
            // Rounded down: the member never pays more than its rule.
            Result<Int128> part = mul_div(balance, Int128(member.rule.share.count()), Int128(Ppm::denominator), round_down);
            if (!part) return part.error();
            c.paid = *part;
        } else {
            c.paid = std::min(balance, member.rule.amount.atoms());  // pays what it has
            c.shortfall = member.rule.amount.atoms() - c.paid;
        }
        return c;
    }

    // A loss's payout: in full when the pool covers the total, else floor(loss x pool / total).
    static Result<Int128> payout(const Int128& loss, const Int128& pool, const Int128& total) {
        if (pool >= total) return loss;
        return mul_div(loss, pool, total, round_down);  // total > pool >= 0
    }

    std::size_t find(FundId fund) const {
        for (std::size_t i = 0; i < members_.size(); ++i) {
            if (members_[i].fund == fund) return i;
        }
        return members_.size();
    }

    template <class Ledger>
    static typename Ledger::Money to_money(const Int128& atoms) {
        // Callers pass at most a ledger balance, which fits the ledger's representation.
        using Rep = typename Ledger::Rep;
        return typename Ledger::Money(static_cast<Rep>(atoms));
    }

    static Int128 saturating_add(const Int128& a, const Int128& b) {
        Result<Int128> sum = checked_add(a, b);
        return sum ? *sum : std::numeric_limits<Int128>::max();
    }

    FundId pool_;
    std::int64_t period_ms_ = 0;
    std::uint32_t members_max_ = 0;
    std::int64_t contribution_due_ms_ = 0;
    std::vector<Member> members_;
    std::uint64_t settles_short_ = 0;
};

}  // namespace backstop
