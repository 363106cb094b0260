// EngineView: what a plan reads, all const: the ledger's balances, the markets, the position book
// and the engine's time. Every planning function (account_metrics.hpp, fills.hpp,
// liquidation_closes.hpp, socialization_plan.hpp, liquidation_planner.hpp) takes one, so that a
// plan is visibly a function of the state and nothing else.
#pragma once

#include "backstop/core/config.hpp"
#include "backstop/core/result.hpp"
#include "backstop/engine/market.hpp"
#include "backstop/engine/options/portfolio_margin.hpp"
#include "backstop/engine/oracle_marks.hpp"
#include "backstop/engine/position_book.hpp"
#include "backstop/ledger/place.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace backstop {
namespace detail {

template <class LedgerType>
struct EngineView {
    const LedgerType& ledger;
    const std::vector<MarketState>& markets;
    const PositionBook& book;
    std::int64_t now_ms;
    // Per market, the portfolio model of a market that lists options (option_markets.hpp). No
    // default: a view built without it would read every option holder as unmargined.
    const std::optional<PortfolioMargin>* option_models;

    std::int64_t collateral(AccountId account) const { return ledger.collateral_of(account).atoms(); }
    const MarketState& market_of_slot(std::size_t i) const { return markets[book.market[i]]; }
    Result<void> check_mark_fresh(const MarketState& state) const { return detail::check_mark_fresh(state, now_ms); }
    bool closable(const MarketState& state) const { return is_closable(state, now_ms); }
    // Every market the account holds, but `except`, has a fresh mark (equity backs new risk, or a
    // withdrawal, only at fresh marks).
    Result<void> check_marks_fresh(AccountId account, std::uint32_t except = PositionBook::empty) const {
        for (std::uint32_t s = 0; s < book.per_account; ++s) {
            const std::uint16_t held = book.market[book.index(account.value, s)];
            if (held == PositionBook::empty || held == except) continue;
            if (Result<void> ok = check_mark_fresh(markets[held]); !ok) return ok;
        }
        return {};
    }
};

}  // namespace detail
}  // namespace backstop
