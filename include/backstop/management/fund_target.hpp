// FundTarget: the balance an insurance fund should hold, from the engine's state.
//
//   open-interest target   sum over markets of fraction x open interest x mark (dYdX sizes its
//                          fund against open interest), each notional rounded up
//   Cover-N target         the stress loss of the N accounts that would leave the most bad debt
//                          if every position moved `shock` against itself (longs down, shorts
//                          up; clearing houses' Cover-2), with the engine's own margin arithmetic:
//                          an account's loss is what its stressed equity falls below zero
//   target                 the larger of the two
// with the gap (target - balance, at least 0) and the coverage ratio (balance / target). The
// fee capture's fund-first target and the dynamic penalty's health read it.
//
// compute() reads a const engine and allocates nothing: the shocked market states live in
// buffers sized at open for the engine's markets_max.
#pragma once

#include "backstop/core/checked_arith.hpp"
#include "backstop/core/config.hpp"
#include "backstop/core/result.hpp"
#include "backstop/engine/account_metrics.hpp"
#include "backstop/engine/engine_view.hpp"
#include "backstop/engine/margin_math.hpp"
#include "backstop/engine/market.hpp"
#include "backstop/money/amount.hpp"
#include "backstop/money/rate.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <vector>

namespace backstop {

struct FundTargetConfig {
    Ppm open_interest_fraction{50'000};  // 5% of open interest's notional
    Ppm shock{150'000};                  // each position moves 15% against itself
    std::uint32_t cover = 2;             // Cover-2

    static constexpr std::uint32_t cover_max = 8;

    Result<void> validate() const {
        if (open_interest_fraction < Ppm{0} || open_interest_fraction > Ppm{Ppm::denominator}) {
            return make_error(ErrorCode::invalid_policy_parameter, "open-interest fraction must be within [0, 100%]");
        }
        if (shock < Ppm{0} || shock > Ppm{Ppm::denominator}) {
            return make_error(ErrorCode::invalid_policy_parameter, "shock must be within [0, 100%]");
        }
        if (cover > cover_max) return make_error(ErrorCode::invalid_policy_parameter, "cover must be within [0, 8]");
        return {};
    }
};

template <class Asset>
struct FundTargetReport {
    using Wide = Amount<Asset, Int128>;
    Wide open_interest_target;
    Wide cover_target;
    Wide target;
    Wide balance;
    Wide gap;                        // target - balance, at least 0
    std::int64_t coverage_ppm = 0;   // balance / target (10^6: at target); int64 max if the target is 0
    std::array<AccountId, FundTargetConfig::cover_max> largest{};  // the accounts behind cover_target
    std::array<Wide, FundTargetConfig::cover_max> largest_loss{};
    std::uint32_t largest_count = 0;
};

class FundTarget {
public:
    FundTarget() = default;

    static Result<FundTarget> open(const FundTargetConfig& config, std::uint32_t markets_max) {
        if (Result<void> ok = config.validate(); !ok) return ok.error();
        FundTarget target;
        target.config_ = config;
        target.down_.reserve(markets_max);
        target.up_.reserve(markets_max);
        return target;
    }

    const FundTargetConfig& config() const { return config_; }
    // A new configuration (validated whole); the buffers sized at open stay.
    Result<void> set_config(const FundTargetConfig& config) {
        if (Result<void> ok = config.validate(); !ok) return ok;
        config_ = config;
        return {};
    }

    // The target for `engine` (a MarginEngine) and the balance of its insurance fund.
    template <class Engine>
    Result<FundTargetReport<typename Engine::Asset>> compute(const Engine& engine) {
        using Asset = typename Engine::Asset;
        using Wide = Amount<Asset, Int128>;
        const auto view = engine.view();
        if (view.markets.size() > down_.capacity()) {
            return make_error(ErrorCode::capacity_exceeded, "more markets than the target was opened for");
        }
        FundTargetReport<Asset> report;
        // Open interest, and the shocked copies of every market.
        down_.clear();
        up_.clear();
        detail::int128 open_interest_target = 0;
        for (const detail::MarketState& state : view.markets) {
            const detail::int128 notional = detail::position_notional(state, state.open_interest);
            open_interest_target += ceil_div(notional * config_.open_interest_fraction.count(), Ppm::denominator);
            down_.push_back(state);  // within the capacity reserved at open: no allocation
            up_.push_back(state);
            const detail::int128 move = ceil_div(detail::int128(state.mark) * config_.shock.count(), Ppm::denominator);
            down_.back().mark = static_cast<std::int64_t>(std::max<detail::int128>(0, state.mark - move));
            up_.back().mark = static_cast<std::int64_t>(
                std::min<detail::int128>(std::numeric_limits<std::int64_t>::max(), state.mark + move));
        }
        // Cover-N: the N largest stressed losses, kept sorted (N <= 8: an insertion per account).
        const std::uint32_t cover = config_.cover;
        const std::uint32_t accounts = view.ledger.account_count();
        for (std::uint32_t a = 0; a < accounts; ++a) {
            const detail::int128 loss = stressed_loss(view, AccountId{a});
            if (loss <= 0 || cover == 0) continue;
            if (report.largest_count == cover && loss <= report.largest_loss[cover - 1].atoms()) continue;
            std::uint32_t at = std::min(report.largest_count, cover - 1);
            while (at > 0 && report.largest_loss[at - 1].atoms() < loss) {
                report.largest[at] = report.largest[at - 1];
                report.largest_loss[at] = report.largest_loss[at - 1];
                --at;
            }
            report.largest[at] = AccountId{a};
            report.largest_loss[at] = Wide(Int128(loss));
            report.largest_count = std::min(report.largest_count + 1, cover);
        }
        Int128 cover_target = 0;
        for (std::uint32_t i = 0; i < report.largest_count; ++i) cover_target += report.largest_loss[i].atoms();
        report.open_interest_target = Wide(Int128(open_interest_target));
        report.cover_target = Wide(cover_target);
        report.target = std::max(report.open_interest_target, report.cover_target);
        report.balance = Wide(Int128(engine.fund().balance(engine.ledger()).atoms()));
        report.gap = std::max(Wide::zero(), report.target - report.balance);
        if (report.target.is_positive()) {
            const Result<Int128> ratio =
                mul_div(report.balance.atoms(), Int128(Ppm::denominator), report.target.atoms(), round_down);
            const Int128 capped = ratio ? std::min(*ratio, Int128(std::numeric_limits<std::int64_t>::max()))
                                        : Int128(std::numeric_limits<std::int64_t>::max());
            report.coverage_ppm = static_cast<std::int64_t>(capped);
        } else {
            report.coverage_ppm = std::numeric_limits<std::int64_t>::max();
        }
        return report;
    }

private:
    // How far below zero the account's equity falls with every position moved `shock` against it,
    // funding owed included; the engine's arithmetic (detail::add_position) at the shocked marks.
    template <class View>
    detail::int128 stressed_loss(const View& view, AccountId account) const {
        detail::Metrics m;
        m.equity = view.collateral(account);
        const detail::PositionBook& book = view.book;
        for (std::uint32_t s = 0; s < book.per_account; ++s) {
            const std::size_t i = book.index(account.value, s);
            const std::uint16_t market = book.market[i];
            if (market == detail::PositionBook::empty) continue;
            const std::int64_t size = book.size[i];
            const detail::MarketState& shocked = size > 0 ? down_[market] : up_[market];
            detail::add_position(m, shocked, size, book.cost[i], detail::funding_owed(shocked, size, book.funding[i]),
                                 false, true);
        }
        return m.equity < 0 ? -m.equity : 0;
    }

    static detail::int128 ceil_div(detail::int128 a, detail::int128 b) {
        const detail::int128 q = a / b;
        return (a % b != 0 && a > 0) ? q + 1 : q;
    }

    FundTargetConfig config_;
    std::vector<detail::MarketState> down_;
    std::vector<detail::MarketState> up_;
};

}  // namespace backstop
