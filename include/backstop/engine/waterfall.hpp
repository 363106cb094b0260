// The loss waterfall of a liquidation, planned (docs/engine.md): the account's collateral pays
// the losses its closes realise; then its penalty is forgone, then the liquidator's discount;
// then an isolated market's own fund, all it holds; then the shared insurance fund what its
// settlement policy and the market's draw cap allow; then the socialized-loss
// policy (socialization_plan.hpp); what nothing covers is booked as uncovered. Never refuses.
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/config.hpp"
#include "backstop/engine/market.hpp"
#include "backstop/engine/engine_view.hpp"
#include "backstop/engine/liquidation_plan.hpp"
#include "backstop/engine/socialization_plan.hpp"
#include "backstop/fund/fund_types.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace backstop {
namespace detail {

// What the market's draw cap still lets the shared fund pay for it: the cap less what the fund
// has paid for the market so far (a cap of int64 max is no cap).
// What the draw caps still let the shared fund pay for a liquidation: the least, over the markets
// it closes, of the cap less what the shared fund has paid for liquidations closing there (drawn
// may exceed a cap that was lowered: no room then). A cap of int64 max is no cap.
template <class Asset>
int128 shared_draw_room(const std::vector<MarketState>& markets, const LiquidationPlan<Asset>& plan) {
    int128 room = std::numeric_limits<std::int64_t>::max();
    for (std::size_t k = 0; k < plan.fill_count; ++k) {
        const MarketState& state = markets[plan.defaulter_fills[k].market];
        if (state.config.shared_fund_draw_max == std::numeric_limits<std::int64_t>::max()) continue;
        room = std::min(room, std::max<int128>(0, int128(state.config.shared_fund_draw_max) - state.shared_fund_drawn));
    }
    return room;
}

// Fills the waterfall part of `plan`, whose closes, effect and fills are planned.
template <class LedgerType, class Fund, class Asset>
void plan_waterfall(const EngineView<LedgerType>& v, const Fund& fund, LiquidationPlan<Asset>& plan, AccountId account,
                    AccountId liquidator, LiquidationScratch<Asset>& scratch) {
    // 1. The collateral pays the realised losses; what it cannot pay is the deficit, and the loss
    // transfers are cut to what the collateral and the gains hold.
    if (plan.effect.collateral < 0) {
        plan.deficit = -plan.effect.collateral;
        int128 shortfall = plan.deficit;
        for (std::size_t k = 0; k < plan.fill_count && shortfall > 0; ++k) {
            FillPlan& fill = plan.defaulter_fills[k];
            if (fill.collateral_change >= 0) continue;
            const int128 relief = std::min<int128>(-int128(fill.collateral_change), shortfall);
            fill.collateral_change = static_cast<std::int64_t>(fill.collateral_change + relief);
            shortfall -= relief;
        }
    } else {
        // 2.-3. The discount, then the penalty, from what equity and cash leave: the penalty is
        // forgone first, then the discount, before anything reaches the fund.
        const int128 available = std::max<int128>(std::min(plan.effect.equity, plan.effect.collateral), 0);
        plan.discount = static_cast<std::int64_t>(std::min(plan.effect.discount, available));
        plan.penalty = static_cast<std::int64_t>(std::min(plan.effect.penalty, available - plan.discount));
    }
    const MarketState& defaulting = v.markets[plan.defaulting_market.value];
    plan.isolated = defaulting.isolated();
    plan.market_fund = plan.isolated ? Place::fund(FundId{defaulting.isolated_fund}) : fund.place();
    if (plan.penalty > 0) {
        FundState<Asset> state = fund.state(v.ledger);  // less the backing, which left first
        state.balance = Amount<Asset>(std::max<std::int64_t>(0, state.balance.atoms() - plan.backing));
        plan.split = fund.fee_capture().split(Amount<Asset>(plan.penalty), state);
        BACKSTOP_ASSERT(plan.split.total() == Amount<Asset>(plan.penalty), "fee capture split does not add up to the penalty");
    }
    // 4. An isolated market's own fund pays first, all it holds; then the shared fund what its
    // settlement policy allows, within what the market's draw cap leaves (a deficit beyond int64
    // is uncovered). Both pay into the pnl_pool after the takeover, the ADL closes and the
    // penalty (before the charges and the funding move): no more than the pool can hold after the
    // takeover. (The sum of all balances bounds the pool; it is that full only when the
    // funding_pool is deeply negative.) The funds plan against their balances before the penalty
    // reaches them; the socialized loss keeps room for their payments.
    plan.deficit_settled = static_cast<std::int64_t>(std::min<int128>(plan.deficit, std::numeric_limits<std::int64_t>::max()));
    if (plan.deficit_settled > 0) {
        const int128 pool_room = std::numeric_limits<std::int64_t>::max() - pools_after_takeover(v, plan).pnl_pool;
        if (plan.isolated) {
            const int128 own = v.ledger.balance_of(plan.market_fund).atoms();
            plan.isolated_paid = static_cast<std::int64_t>(std::max<int128>(0, std::min<int128>({plan.deficit_settled, own, pool_room})));
        }
        const std::int64_t rest = plan.deficit_settled - plan.isolated_paid;
        if (rest > 0) {
            SettleContext context{Place::pnl_pool(), plan.defaulting_market};
            context.check_target_room = false;
            context.committed_atoms = plan.backing;  // the shared fund backed the liquidator first
            Result<Amount<Asset>> paid = fund.plan_settle(v.ledger, Amount<Asset>(rest), context);
            plan.shared_room = shared_draw_room(v.markets, plan);
            // A fund that cannot pay leaves it to the next layer.
            plan.fund_paid = paid ? static_cast<std::int64_t>(std::max<int128>(
                                        0, std::min<int128>({paid->atoms(), pool_room - plan.isolated_paid, plan.shared_room})))
                                  : 0;
        }
        plan.remainder = rest - plan.fund_paid;
    }
    // 5. The socialized-loss policy; what it cannot cover stays uncovered.
    if (plan.remainder > 0) plan_socialization(v, fund, plan, account, liquidator, scratch);
}

// What nothing covered: the deficit beyond int64 and the remainder the socialized loss left.
template <class Asset>
int128 uncovered_of(const LiquidationPlan<Asset>& plan) {
    return (plan.deficit - plan.deficit_settled) + (plan.remainder - plan.covered);
}

}  // namespace detail
}  // namespace backstop
