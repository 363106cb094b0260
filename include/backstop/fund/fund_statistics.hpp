// The history a fund keeps of itself, for reports and the risk lab.
#pragma once

#include "backstop/core/int128.hpp"
#include "backstop/money/amount.hpp"

#include <algorithm>
#include <cstdint>

namespace backstop {

template <class Asset>
struct FundStatistics {
    using Money = Amount<Asset>;
    // Running totals can outgrow any one balance (money flows in and out again), so they are
    // kept in the wide representation.
    using Total = Amount<Asset, Int128>;

    Total captured_total;      // penalty shares received
    Total fees_total;          // trading-fee shares received (MarketConfig::fee_to_fund)
    Total paid_total;          // bad debt paid
    Total socialized_total;    // remainders covered by socialized loss
    Total uncovered_total;     // remainders nobody could bear
    Total deposited_total;
    Total withdrawn_total;
    Total backed_total;        // capital moved to a backstop liquidator's account (FundBackstop)
    Money largest_payout;
    Money high_water_mark;     // highest balance seen after any fund operation
    Money drawdown_max;        // largest fall from the high-water mark
    std::uint64_t capture_count = 0;
    std::uint64_t settle_count = 0;
    std::uint64_t socialize_count = 0;
    std::uint64_t depletion_count = 0;  // settlements cut short at zero or the reserve floor

    static void add(Total& total, const Money& amount) { total += Total(Int128(amount.atoms())); }

    void observe_balance(const Money& balance) {
        high_water_mark = std::max(high_water_mark, balance);
        drawdown_max = std::max(drawdown_max, high_water_mark - balance);
    }
};

}  // namespace backstop
