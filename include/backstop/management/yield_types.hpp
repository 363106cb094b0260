// The yield component's value types (management/yield_strategies.hpp): a strategy's
// configuration and state, the component's config and limits, and what its operations report.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/ledger/place.hpp"
#include "backstop/ledger/transfer.hpp"
#include "backstop/money/amount.hpp"
#include "backstop/money/rate.hpp"

#include <array>
#include <cstdint>
#include <limits>

namespace backstop {

struct StrategyConfig {
    Bps rate_per_year{0};                // simple yearly rate, in [0, 100%]
    std::int64_t lockup_ms = 0;          // from each allocation, in [0, 10 years]
    std::int64_t withdrawal_delay_ms = 0;  // from a recall request, in [0, 10 years]
    std::uint32_t weight = 1;            // its share of a rebalance's excess (0: never by rebalance)
    // The loss process, for the caller to draw (apply_loss applies a drawn severity).
    Ppm loss_probability_per_year{0};
    Ppm loss_severity{0};

    static constexpr std::int64_t ms_per_year = 365 * 86'400'000LL;
    static constexpr std::int64_t duration_max_ms = 10 * ms_per_year;
    static constexpr std::uint32_t weight_max = 1'000'000;

    Result<void> validate() const {
        const auto within = [](std::int64_t x, std::int64_t max) { return x >= 0 && x <= max; };
        if (!within(rate_per_year.count(), Bps::denominator) || !within(lockup_ms, duration_max_ms) ||
            !within(withdrawal_delay_ms, duration_max_ms) || weight > weight_max ||
            !within(loss_probability_per_year.count(), Ppm::denominator) ||
            !within(loss_severity.count(), Ppm::denominator)) {
            return make_error(ErrorCode::invalid_policy_parameter, "a strategy parameter out of its bounds");
        }
        return {};
    }
};

struct YieldConfig {
    // A rebalance allocates only what lies above floor x (1 + band), rounded up: between the
    // floor and there it does nothing, so small flows do not churn allocations and recalls.
    Bps rebalance_band{1'000};
    static constexpr std::int64_t band_max_bps = 100'000;  // 10x the floor

    Result<void> validate() const {
        if (rebalance_band >= Bps{0} && rebalance_band.count() <= band_max_bps) return {};
        return make_error(ErrorCode::invalid_policy_parameter, "rebalance band must be within [0, 1000%]");
    }
};

struct YieldLimits {
    std::uint32_t strategies_max = 8;  // reserved at open
};

// A strategy's state; its holding is its ledger place's balance.
template <class Asset>
struct YieldStrategy {
    StrategyId id;
    StrategyConfig config;
    std::int64_t accrued_to_ms = std::numeric_limits<std::int64_t>::min();  // income accounted to here
    std::int64_t lockup_end_ms = std::numeric_limits<std::int64_t>::min();
    std::int64_t last_recall_ms = std::numeric_limits<std::int64_t>::min();  // not re-allocated then
    bool recall_pending = false;
    Amount<Asset> recall_amount;
    std::int64_t recall_at_ms = 0;
};

template <class Asset>
struct YieldReport {
    Amount<Asset> income;    // accrued first (external -> strategy)
    Amount<Asset> moved;     // allocated, lost, paid back, or requested (request_recall)
    std::int64_t available_at_ms = 0;  // request_recall: from when it can be completed
};

// One single-strategy operation's whole effect: the strategy after it and its transfers.
template <class Asset>
struct YieldPlan {
    std::uint32_t index = 0;
    YieldStrategy<Asset> strategy;
    std::array<Transfer<Asset>, 2> moves{};
    std::uint32_t move_count = 0;
    std::int64_t now_ms = 0;
    YieldReport<Asset> report;
};

template <class Asset>
struct RebalanceReport {
    using Wide = Amount<Asset, Int128>;
    Wide income;
    Wide recalled;    // completed recalls, paid into the fund
    Wide requested;   // new recall requests
    Wide allocated;
    Wide locked;      // in strategies after the step: not available to pay a deficit
    Wide pending;     // recalls pending after the step (what they will pay at most)
    Wide fund_balance;
    std::uint32_t recalls_completed = 0, recalls_requested = 0, allocations = 0;
};

}  // namespace backstop
