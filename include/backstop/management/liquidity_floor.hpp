// The liquidity floor: how much of an insurance fund must stay in the fund's own place, ready to
// pay a deficit at once, before any of it may go to yield strategies (yield_strategies.hpp).
// It is computed, not guessed, from either or both of:
//
//   stressed outflows   a sample, one value per stressed path, of what the fund paid out over
//                       `horizon_ms` (e.g. the lab's largest drawdown of the fund over the
//                       horizon); the floor is its empirical upper `quantile`:
//                           the smallest x of the sample with at least q of the sample <= x,
//                           i.e. the k-th smallest with k = ceil(q x n)   (1 <= k <= n)
//                       k rounds up, so the floor is never below the true q-quantile of the
//                       sample (the fund's favour); at q = 100% it is the sample's maximum
//   Cover-2             the fund target's cover_target (fund_target.hpp): the stressed loss of
//                       the two accounts that would leave the most bad debt
//   floor               the larger of the two
//
// The quantile is exact on integers and in place: the caller's buffer is reordered (its order
// afterwards is unspecified) and nothing is allocated. A sample measured over a horizon shorter
// than the configured one would understate the outflows, so it is refused; a longer one is only
// more prudent and is accepted.
#pragma once

#include "backstop/core/checked_arith.hpp"
#include "backstop/core/config.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/management/fund_target.hpp"
#include "backstop/money/amount.hpp"
#include "backstop/money/rate.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace backstop {

struct LiquidityFloorConfig {
    Ppm quantile{990'000};                          // the 99% stressed outflow
    std::int64_t horizon_ms = 7 * 86'400'000LL;     // a week: how long a recall may take to arrive

    static constexpr std::int64_t horizon_max_ms = 3'650 * 86'400'000LL;  // 10 years

    Result<void> validate() const {
        if (quantile.count() <= 0 || quantile.count() > Ppm::denominator) {
            return make_error(ErrorCode::invalid_policy_parameter, "quantile must be within (0, 100%]");
        }
        if (horizon_ms <= 0 || horizon_ms > horizon_max_ms) {
            return make_error(ErrorCode::invalid_policy_parameter, "horizon must be within (0, 10 years]");
        }
        return {};
    }
};

// Stressed outflows in atoms of the fund's asset, one per path, each measured over horizon_ms.
struct OutflowSample {
    Span<std::int64_t> outflows_atoms;
    std::int64_t horizon_ms = 0;
};

template <class Asset>
struct LiquidityFloorReport {
    using Wide = Amount<Asset, Int128>;
    Wide from_sample;  // the stressed-outflow quantile
    Wide from_target;  // Cover-2
    Wide floor;        // the larger
    std::uint64_t rank = 0;  // k: the floor from the sample is the k-th smallest outflow
};

namespace liquidity {

// k = ceil(q x n): the rank of the empirical upper q-quantile in a sample of n (1 <= k <= n for
// q in (0, 100%]). Rounded up: a higher rank, a higher floor.
inline Result<std::uint64_t> quantile_rank(std::uint64_t n, Ppm quantile) {
    if (n == 0) return make_error(ErrorCode::invalid_argument, "an empty sample has no quantile");
    if (quantile.count() <= 0 || quantile.count() > Ppm::denominator) {
        return make_error(ErrorCode::invalid_policy_parameter, "quantile must be within (0, 100%]");
    }
    const detail::int128 product = detail::int128(n) * quantile.count();  // < 2^64 x 2^20: exact
    const detail::int128 k = (product + Ppm::denominator - 1) / Ppm::denominator;
    return static_cast<std::uint64_t>(k);  // in [1, n]: q <= 1 and q x n > 0
}

// The empirical upper `quantile` of `sample`, in place (the buffer is reordered). Outflows are
// amounts paid out: a negative one is refused, before anything is reordered.
inline Result<std::int64_t> stressed_outflow_quantile(Span<std::int64_t> sample, Ppm quantile) {
    Result<std::uint64_t> rank = quantile_rank(sample.size(), quantile);
    if (!rank) return rank.error();
    for (const std::int64_t outflow : sample) {
        if (outflow < 0) return make_error(ErrorCode::amount_negative, "a stressed outflow below zero");
    }
    std::int64_t* const kth = sample.begin() + (*rank - 1);
    std::nth_element(sample.begin(), kth, sample.end());  // O(n), in place: no allocation
    return *kth;
}

}  // namespace liquidity

// The floor from a sample of stressed outflows (its quantile), checked against the config.
template <class Asset>
Result<LiquidityFloorReport<Asset>> liquidity_floor_from_sample(const OutflowSample& sample,
                                                                 const LiquidityFloorConfig& config) {
    if (Result<void> ok = config.validate(); !ok) return ok.error();
    if (sample.horizon_ms < config.horizon_ms) {
        return make_error(ErrorCode::invalid_argument, "outflows measured over a horizon shorter than the floor's");
    }
    Result<std::uint64_t> rank = liquidity::quantile_rank(sample.outflows_atoms.size(), config.quantile);
    if (!rank) return rank.error();
    Result<std::int64_t> quantile = liquidity::stressed_outflow_quantile(sample.outflows_atoms, config.quantile);
    if (!quantile) return quantile.error();
    LiquidityFloorReport<Asset> report;
    report.from_sample = Amount<Asset, Int128>(Int128(*quantile));
    report.floor = report.from_sample;
    report.rank = *rank;
    return report;
}

// The floor from the management layer's target: its Cover-2 (cover_target).
template <class Asset>
Result<LiquidityFloorReport<Asset>> liquidity_floor_from_target(const FundTargetReport<Asset>& target) {
    if (target.cover_target.is_negative()) {
        return make_error(ErrorCode::amount_negative, "a Cover-N target below zero");
    }
    LiquidityFloorReport<Asset> report;
    report.from_target = target.cover_target;
    report.floor = report.from_target;
    return report;
}

// Both, and the larger of them.
template <class Asset>
Result<LiquidityFloorReport<Asset>> liquidity_floor(const OutflowSample& sample, const FundTargetReport<Asset>& target,
                                                    const LiquidityFloorConfig& config) {
    // The target first: it is const, so a refusal there leaves the caller's buffer as it was.
    Result<LiquidityFloorReport<Asset>> from_target = liquidity_floor_from_target(target);
    if (!from_target) return from_target.error();
    Result<LiquidityFloorReport<Asset>> report = liquidity_floor_from_sample<Asset>(sample, config);
    if (!report) return report.error();
    report->from_target = from_target->from_target;
    report->floor = std::max(report->from_sample, report->from_target);
    return report;
}

}  // namespace backstop
