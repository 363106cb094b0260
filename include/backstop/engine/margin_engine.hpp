// MarginEngine<Fund, Journal>: markets, oracle marks, accounts with a fixed number of position
// slots, funding, margin, liquidation and the loss waterfall, on a ledger that it owns and an
// insurance fund whose place is in that ledger.
//
// Money model. Collateral is quote-asset money in the ledger. A position is (size, cost): size in
// base atoms (positive long), cost the signed quote value paid to open it. Its unrealised PnL is
// size x mark - cost. Realised PnL moves between an account's collateral and the pnl_pool place,
// so that at all times pnl_pool + sum of costs = -(loss nobody could bear): with positions
// matched (sizes sum to zero per market), unrealised PnL is zero-sum against the pool. Funding
// moves value between positions' costs and the funding_pool place when an account is touched.
//
// Every operation validates and plans without touching state, then commits. A refused operation
// returns a typed Error and changes nothing (digest() is unchanged).
//
// The loss waterfall of a liquidation: the account's collateral, then its penalty forgone
// (the penalty is capped by the equity left), then the insurance fund (its settlement policy),
// then the socialized-loss policy: auto-deleveraging closes opposite positions against the
// liquidator and charges each its share; a haircut or a clearing-house waterfall takes from
// bearers' collateral; funding socialization moves the funding indices.
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/checked_arith.hpp"
#include "backstop/core/config.hpp"
#include "backstop/core/hash.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/engine/engine_reports.hpp"
#include "backstop/engine/market.hpp"
#include "backstop/fund/fund_types.hpp"
#include "backstop/fund/insurance_fund.hpp"
#include "backstop/fund/socialized_loss/funding_socialization.hpp"
#include "backstop/ledger/ledger.hpp"
#include "backstop/money/amount.hpp"
#include "backstop/money/asset.hpp"
#include "backstop/money/price.hpp"
#include "backstop/money/quantity.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace backstop {

namespace detail {
template <class Policy>
struct is_funding_socialization : std::false_type {};
template <class Asset>
struct is_funding_socialization<socialized_loss::FundingSocialization<Asset>> : std::true_type {};

template <class Policy, class = void>
struct has_variant : std::false_type {};
template <class Policy>
struct has_variant<Policy, std::void_t<decltype(std::declval<const Policy&>().variant())>> : std::true_type {};
}  // namespace detail

struct EngineLimits {
    std::uint32_t accounts_max = 1024;
    std::uint32_t positions_per_account = 4;  // at most positions_per_account_max
    std::uint32_t markets_max = 16;
};

template <class Fund, class Journal = NullJournal>
class MarginEngine {
public:
    using Asset = typename Fund::asset_type;
    using Money = Amount<Asset>;
    using LedgerType = Ledger<Asset, Journal>;
    static_assert(std::is_same<default_rep_t<Asset>, std::int64_t>::value,
                  "the engine keeps its quote asset in int64 atoms");

    // Builds the ledger (sized by `limits`) and opens the fund in it.
    static Result<MarginEngine> create(EngineLimits limits, typename Fund::fee_capture_type fee_capture,
                                       typename Fund::settlement_type settlement,
                                       typename Fund::socialized_loss_type socialized_loss,
                                       Journal journal = Journal{}) {
        if (limits.accounts_max == 0 || limits.positions_per_account == 0 ||
            limits.positions_per_account > positions_per_account_max || limits.markets_max == 0 ||
            limits.markets_max > 0xFFFF) {
            return make_error(ErrorCode::invalid_argument, "engine limits out of range");
        }
        if (!funding_precision_matches(socialized_loss)) {
            return make_error(ErrorCode::invalid_policy_parameter,
                              "funding socialization must use the engine's funding_precision (1e9)");
        }
        MarginEngine engine(limits, std::move(journal));
        Result<Fund> fund = Fund::open(engine.ledger_, std::move(fee_capture), std::move(settlement),
                                       std::move(socialized_loss), FundLimits{limits.markets_max});
        if (!fund) return fund.error();
        engine.fund_.emplace(std::move(*fund));
        return engine;
    }

    // ---- set-up ---------------------------------------------------------------------------

    template <class Base>
    Result<MarketId> add_market(const MarketConfig& config) {
        if (Result<void> ok = validate_market_config(config); !ok) return ok.error();
        if (markets_.size() >= limits_.markets_max) {
            return make_error(ErrorCode::capacity_exceeded, "engine is full of markets");
        }
        const int exponent = AssetTraits<Base>::decimals + PriceScale<Base, Asset>::decimals -
                             AssetTraits<Asset>::decimals;
        if (exponent < 0 || exponent > 18) {
            return make_error(ErrorCode::invalid_market_config,
                              "base decimals + price decimals - quote decimals must be in [0, 18]");
        }
        detail::MarketState market;
        market.config = config;
        market.base_symbol = AssetTraits<Base>::symbol;
        market.base_decimals = AssetTraits<Base>::decimals;
        market.price_decimals = PriceScale<Base, Asset>::decimals;
        market.notional_divisor = pow10<std::int64_t>(exponent);
        market.maintenance_fraction = static_cast<double>(config.tiers[0].maintenance.count()) / Ppm::denominator;
        markets_.push_back(market);  // within reserved capacity
        return MarketId{static_cast<std::uint32_t>(markets_.size() - 1)};
    }

    Result<void> set_market_status(MarketId market, MarketStatus status) {
        if (Result<void> ok = check_market(market); !ok) return ok;
        markets_[market.value].config.status = status;
        return {};
    }

    Result<AccountId> open_account() {
        Result<AccountId> id = ledger_.open_account();
        if (!id) return id;
        for (std::uint32_t s = 0; s < limits_.positions_per_account; ++s) {
            slot_market_.push_back(empty_slot);
            slot_size_.push_back(0);
            slot_cost_.push_back(0);
            slot_funding_.push_back(0);
        }
        return id;
    }

    // ---- collateral -----------------------------------------------------------------------

    Result<void> deposit(AccountId account, const Money& amount) {
        if (Result<void> ok = check_account(account); !ok) return ok;
        return ledger_.transfer(Place::external(), Place::collateral(account), amount,
                                TransferReason::deposit);
    }

    // Refused if it would leave the account below its initial requirement.
    Result<void> withdraw(AccountId account, const Money& amount) {
        if (Result<void> ok = check_account(account); !ok) return ok;
        if (Result<void> ok = ledger_.check_transfer(Place::collateral(account), Place::external(), amount);
            !ok) {
            return ok;
        }
        // With positions, the margin check needs fresh marks: a stale one blocks the withdrawal.
        for (std::uint32_t s = 0; s < limits_.positions_per_account; ++s) {
            const std::uint16_t market = slot_market_[slot(account.value, s)];
            if (market == empty_slot) continue;
            if (Result<void> ok = check_mark_fresh(markets_[market]); !ok) return ok;
        }
        const Metrics after = metrics(account, {}, -static_cast<detail::int128>(amount.atoms()));
        if (after.has_positions && after.equity < after.initial) {
            return make_error(ErrorCode::insufficient_margin, "withdrawal would breach initial margin");
        }
        ledger_.commit(Place::collateral(account), Place::external(), amount, TransferReason::withdrawal);
        return {};
    }

    Result<void> fund_deposit(const Money& amount) {
        return fund().deposit(ledger_, Place::external(), amount);
    }

    // Another fund place in the engine's ledger (a clearing house's default fund, say), and
    // capital for it from outside.
    Result<FundId> open_auxiliary_fund() { return ledger_.open_fund(); }
    Result<void> auxiliary_fund_deposit(FundId id, const Money& amount) {
        if (id == fund().id()) return make_error(ErrorCode::invalid_argument, "use fund_deposit for the insurance fund");
        return ledger_.transfer(Place::external(), Place::fund(id), amount, TransferReason::fund_deposit);
    }

    // ---- marks, time and funding -------------------------------------------------------------

    template <class Base>
    Result<void> set_mark(MarketId market, Price<Base, Asset> price, Timestamp at) {
        if (Result<void> ok = check_market_base<Base>(market); !ok) return ok;
        if (at.ms < now_ms_) return make_error(ErrorCode::time_backwards, "mark older than the engine's time");
        if (price.raw() <= 0) return make_error(ErrorCode::price_not_positive, "a mark must be positive");
        detail::MarketState& state = markets_[market.value];
        // A maximal position's value must fit comfortably in int64 at this mark.
        const detail::int128 value_max =
            detail::int128(state.config.position_max) * price.raw() / state.notional_divisor;
        if (value_max > std::numeric_limits<std::int64_t>::max() / 8) {
            return make_error(ErrorCode::price_out_of_range, "mark too large for the position limit");
        }
        state.mark = price.raw();
        state.mark_per_atom = static_cast<double>(price.raw()) / static_cast<double>(state.notional_divisor);
        state.mark_time_ms = at.ms;
        now_ms_ = at.ms;
        return {};
    }

    Result<void> advance_time(Timestamp now) {
        if (now.ms < now_ms_) return make_error(ErrorCode::time_backwards, "time cannot go back");
        now_ms_ = now.ms;
        return {};
    }

    // Adds `delta` (quote atoms per base atom x funding_precision) to the market's cumulative
    // funding: positive, longs pay shorts. Settled into each position when its account is touched.
    Result<void> update_funding(MarketId market, std::int64_t delta) {
        if (Result<void> ok = check_market(market); !ok) return ok;
        detail::MarketState& state = markets_[market.value];
        Result<std::int64_t> longs = checked_add(state.funding_index_long, delta);
        Result<std::int64_t> shorts = checked_add(state.funding_index_short, delta);
        if (!longs || !shorts) return make_error(ErrorCode::overflow, "funding index overflow");
        state.funding_index_long = *longs;
        state.funding_index_short = *shorts;
        return {};
    }

    // ---- trading ------------------------------------------------------------------------------

    // A fill of `size` between two accounts at `price` (the matching engine is outside). Funding
    // of both accounts is settled first; each side must meet its initial requirement afterwards
    // unless the fill only reduces its position.
    template <class Base>
    Result<TradeReport<Asset>> trade(MarketId market, AccountId buyer, AccountId seller,
                                     Quantity<Base> size, Price<Base, Asset> price) {
        if (Result<void> ok = check_market_base<Base>(market); !ok) return ok.error();
        if (Result<void> ok = check_account(buyer); !ok) return ok.error();
        if (Result<void> ok = check_account(seller); !ok) return ok.error();
        if (buyer == seller) return make_error(ErrorCode::self_trade, "buyer and seller are the same");
        const detail::MarketState& state = markets_[market.value];
        if (state.config.status == MarketStatus::halted) {
            return make_error(ErrorCode::market_halted, "market is halted");
        }
        if (Result<void> ok = check_mark_fresh(state); !ok) return ok.error();
        if (size.atoms() <= 0) return make_error(ErrorCode::size_not_positive, "trade size must be positive");
        if (size.atoms() % state.config.lot_size != 0) return make_error(ErrorCode::off_lot, "size off the lot size");
        if (price.raw() <= 0) return make_error(ErrorCode::price_not_positive, "price must be positive");
        if (price.raw() % state.config.tick_size != 0) return make_error(ErrorCode::off_tick, "price off the tick size");

        const std::int64_t q = size.atoms();
        Result<std::int64_t> value = trade_value(state, q, price.raw());
        if (!value) return value.error();
        Result<FillPlan> buy = plan_fill(buyer, market, q, *value);
        if (!buy) return buy.error();
        Result<FillPlan> sell = plan_fill(seller, market, -q, -*value);
        if (!sell) return sell.error();
        if (state.config.status == MarketStatus::reduce_only && (!buy->reduces || !sell->reduces)) {
            return make_error(ErrorCode::market_reduce_only, "market accepts only reducing trades");
        }
        const std::int64_t open_interest = state.open_interest + buy->open_interest_change_long() +
                                           sell->open_interest_change_long();
        if (open_interest > state.config.open_interest_max && open_interest > state.open_interest) {
            return make_error(ErrorCode::open_interest_limit, "open interest limit");
        }
        for (const FillPlan* plan : {&*buy, &*sell}) {
            if (Result<void> ok = check_fill_margin(*plan); !ok) return ok.error();
        }

        TradeReport<Asset> report;
        report.value = Money(*value);
        report.buyer = commit_fill(*buy, report.transfers);
        report.seller = commit_fill(*sell, report.transfers);
        report.buyer_realised_pnl = Money(buy->realised);
        report.seller_realised_pnl = Money(sell->realised);
        markets_[market.value].open_interest = open_interest;
        return report;
    }

    // ---- margin ---------------------------------------------------------------------------------

    Result<AccountSummary<Asset>> summary(AccountId account) const {
        if (Result<void> ok = check_account(account); !ok) return ok.error();
        const Metrics m = metrics(account, {}, 0);
        AccountSummary<Asset> result;
        result.collateral = ledger_.balance_of(Place::collateral(account));
        result.equity = Money(clamp64(m.equity));
        result.initial_requirement = Money(clamp64(m.initial));
        result.maintenance_requirement = Money(clamp64(m.maintenance));
        result.free_collateral = Money(clamp64(m.equity - m.initial));
        result.position_count = m.position_count;
        result.liquidatable = m.has_positions && m.equity < m.maintenance;
        return result;
    }

    bool is_liquidatable(AccountId account) const {
        return check_account(account).has_value() && is_below_maintenance_exact(account.value);
    }

    // Every account below its maintenance requirement, in account order, written to `out`;
    // returns the filled prefix (if `out` is too small, the first out.size(): scan again after
    // liquidating them). No allocation.
    Span<AccountId> liquidatable_accounts(Span<AccountId> out) const {
        std::size_t found = 0;
        const std::uint32_t count = ledger_.account_count();
        for (std::uint32_t a = 0; a < count && found < out.size(); ++a) {
            if (is_below_maintenance(a)) out[found++] = AccountId{a};
        }
        return out.first(found);
    }

    // ---- liquidation ----------------------------------------------------------------------------

    // Liquidates `account` with `liquidator` taking over the closed size at the mark adjusted by
    // the market's discount. Partial when closing part of the largest position restores the
    // initial requirement (or, with a buffer, maintenance + buffer x notional); full when equity is below the
    // market's full-liquidation fraction of maintenance, not positive, or a partial close would
    // leave less than a lot. A deficit left after a full close goes to the fund, then to the
    // socialized-loss policy; allocations are written to `allocations` (or the engine's scratch).
    Result<LiquidationReport<Asset>> liquidate(AccountId account, AccountId liquidator,
                                               Span<Allocation<Asset>> allocations = {}) {
        if (Result<void> ok = check_account(account); !ok) return ok.error();
        if (Result<void> ok = check_account(liquidator); !ok) return ok.error();
        if (account == liquidator) return make_error(ErrorCode::self_trade, "an account cannot liquidate itself");
        const Metrics before = metrics(account, {}, 0);
        if (!before.has_positions || before.equity >= before.maintenance) {
            return make_error(ErrorCode::not_liquidatable, "account meets its maintenance requirement");
        }
        // Every market the account trades must be open to liquidation with a fresh mark.
        for (std::uint32_t s = 0; s < limits_.positions_per_account; ++s) {
            const std::size_t i = slot(account.value, s);
            if (slot_market_[i] == empty_slot) continue;
            const detail::MarketState& state = markets_[slot_market_[i]];
            if (state.config.status == MarketStatus::halted) {
                return make_error(ErrorCode::market_halted, "a market of the account is halted");
            }
            if (Result<void> ok = check_mark_fresh(state); !ok) return ok.error();
        }
        Result<LiquidationPlan> planned = plan_liquidation(account, liquidator, before);
        if (!planned) return planned.error();
        LiquidationPlan& plan = *planned;

        // The socialized-loss policy plans before anything is committed, so that its refusal
        // (a buffer too small, say) leaves everything unchanged.
        Span<Allocation<Asset>> out = allocations.empty() ? Span<Allocation<Asset>>(allocation_scratch_)
                                                          : allocations;
        SocializeContext social_context{Place::pnl_pool(), plan.defaulting_market};
        std::size_t bearer_count = 0;
        if (plan.remainder > 0) {
            bearer_count = collect_bearers(plan, account, liquidator);
            social_context.defaulter_size_atoms = plan.defaulting_size;
            social_context.commit_transfers = !fund_policy_is_funding();
            social_context.event_seed = StableHash().add(account.value).add(static_cast<std::uint64_t>(now_ms_)).value();
            Result<SocializePlan<Asset>> dry = fund().socialized_loss().plan(
                Money(plan.remainder), Span<const LossBearer<Asset>>(bearers_.data(), bearer_count), out,
                social_context, ledger_);
            if (!dry) return dry.error();
            plan.funding_socialization = !social_context.commit_transfers;
        }

        // ---- commit ----
        LiquidationReport<Asset> report;
        report.account = account;
        report.liquidator = liquidator;
        report.full = plan.full;
        report.equity_before = Money(clamp64(before.equity));
        // Gains are credited before losses are debited, so that no collateral dips below zero
        // on the way (the plan only guarantees the net).
        for (const bool gains : {true, false}) {
            for (const FillPlan& fill : plan.planned_fills()) {
                if (fill.account != account || (fill.collateral_change >= 0) != gains) continue;
                report.closed[report.closed_count++] = commit_fill(fill, report.transfers);
            }
        }
        for (const bool gains : {true, false}) {
            for (const FillPlan& fill : plan.planned_fills()) {
                if (fill.account != liquidator || (fill.collateral_change >= 0) != gains) continue;
                (void)commit_fill(fill, report.transfers);
            }
        }
        for (const FillPlan& fill : plan.planned_fills()) {
            markets_[fill.market].open_interest += fill.open_interest_change_long();
        }
        report.closed_notional = Money(plan.closed_notional);
        report.realised_pnl = Money(plan.realised);
        report.deficit = Money(plan.deficit);
        if (plan.penalty > 0) {
            CaptureContext capture{Place::collateral(account), Place::collateral(liquidator), plan.defaulting_market};
            Result<CaptureReport<Asset>> captured = fund().capture(ledger_, Money(plan.penalty), capture);
            BACKSTOP_ASSERT(captured.has_value(), "planned penalty capture failed");
            report.penalty = Money(plan.penalty);
            report.penalty_split = captured->split;
            const PenaltySplit<Asset>& split = captured->split;
            log_if_positive(report.transfers, capture.source, capture.liquidator, split.to_liquidator,
                            TransferReason::penalty_to_liquidator);
            log_if_positive(report.transfers, capture.source, fund().place(), split.to_fund, TransferReason::penalty_to_fund);
            log_if_positive(report.transfers, capture.source, Place::treasury(), split.to_treasury,
                            TransferReason::penalty_to_treasury);
            log_if_positive(report.transfers, capture.source, Place::dust(), split.to_dust, TransferReason::rounding_residue);
        }
        if (plan.deficit > 0) {
            Result<SettlementReport<Asset>> settled =
                fund().settle(ledger_, Money(plan.deficit), SettleContext{Place::pnl_pool(), plan.defaulting_market});
            BACKSTOP_ASSERT(settled.has_value(), "planned settlement failed");
            BACKSTOP_ASSERT(settled->paid.atoms() == plan.fund_paid, "settlement differs from its plan");
            report.fund_paid = settled->paid;
            report.remainder = settled->remainder;
            log_if_positive(report.transfers, fund().place(), Place::pnl_pool(), settled->paid,
                            TransferReason::bad_debt_payment);
        }
        if (plan.remainder > 0) {
            Result<SocializeReport<Asset>> socialized = fund().socialize(
                ledger_, Money(plan.remainder), Span<const LossBearer<Asset>>(bearers_.data(), bearer_count),
                out, social_context);
            BACKSTOP_ASSERT(socialized.has_value(), "planned socialization failed");
            report.socialized = socialized->covered;
            report.uncovered = socialized->uncovered;
            report.allocation_count = socialized->allocation_count;
            report.funding_delta_per_unit = socialized->funding_delta_per_unit;
            if (socialized->allocation_count > 0) report.socialized_by = out[0].layer;
            if (social_context.commit_transfers) {
                Money allocated;
                for (const Allocation<Asset>& allocation : out.first(socialized->allocation_count)) {
                    log_if_positive(report.transfers, allocation.source, Place::pnl_pool(), allocation.amount,
                                    transfer_reason_of(allocation.layer));
                    allocated += allocation.amount;
                }
                log_if_positive(report.transfers, Place::pnl_pool(), Place::dust(), allocated - socialized->covered,
                                TransferReason::rounding_residue);
            }
            apply_socialization(plan, liquidator, out.first(socialized->allocation_count), *socialized,
                                report.transfers);
            uncovered_total_ += socialized->uncovered.atoms();
        }
        report.equity_after = Money(clamp64(metrics(account, {}, 0).equity));
        return report;
    }

    // ---- inspection -----------------------------------------------------------------------------

    struct PositionView {
        MarketId market;
        std::int64_t size = 0;   // base atoms, signed
        std::int64_t cost = 0;   // quote atoms, signed
        std::int64_t funding_index = 0;
    };

    // The account's position in `market` (size 0 when it has none).
    PositionView position(AccountId account, MarketId market) const {
        PositionView view{market, 0, 0, 0};
        if (!check_account(account)) return view;
        const int s = find_slot(account.value, market.value);
        if (s >= 0) {
            const std::size_t i = slot(account.value, static_cast<std::uint32_t>(s));
            view.size = slot_size_[i];
            view.cost = slot_cost_[i];
            view.funding_index = slot_funding_[i];
        }
        return view;
    }

    Money collateral(AccountId account) const { return ledger_.balance_of(Place::collateral(account)); }
    const LedgerType& ledger() const { return ledger_; }
    const Fund& fund() const { return *fund_; }
    Fund& fund() { return *fund_; }
    const EngineLimits& limits() const { return limits_; }
    std::uint32_t market_count() const { return static_cast<std::uint32_t>(markets_.size()); }
    const MarketConfig& market_config(MarketId market) const { return markets_[market.value].config; }
    std::int64_t mark(MarketId market) const { return markets_[market.value].mark; }
    std::int64_t open_interest(MarketId market) const { return markets_[market.value].open_interest; }
    std::int64_t funding_index_long(MarketId market) const { return markets_[market.value].funding_index_long; }
    std::int64_t funding_index_short(MarketId market) const { return markets_[market.value].funding_index_short; }
    Timestamp now() const { return Timestamp{now_ms_}; }
    // Deficits nobody could bear, in total: pnl_pool + sum of costs = -uncovered_total.
    detail::int128 uncovered_total() const { return uncovered_total_; }

    // A stable digest of the whole engine: ledger, positions, markets, time.
    std::uint64_t digest() const {
        StableHash hash(ledger_.digest());
        hash.add_signed(now_ms_);
        for (const detail::MarketState& m : markets_) {
            hash.add_signed(m.mark).add_signed(m.mark_time_ms).add_signed(m.funding_index_long);
            hash.add_signed(m.funding_index_short).add_signed(m.open_interest);
            hash.add(static_cast<std::uint64_t>(m.config.status));
        }
        for (std::size_t i = 0; i < slot_market_.size(); ++i) {
            hash.add(slot_market_[i]).add_signed(slot_size_[i]).add_signed(slot_cost_[i]).add_signed(slot_funding_[i]);
        }
        return hash.value();
    }

private:
    static constexpr std::uint16_t empty_slot = 0xFFFF;

    // Equity and requirements of an account, exact in 128 bits (quote atoms).
    struct Metrics {
        detail::int128 equity = 0;
        detail::int128 initial = 0;
        detail::int128 maintenance = 0;
        detail::int128 notional = 0;  // sum of |size x mark| over positions, rounded up
        std::size_t position_count = 0;
        bool has_positions = false;
    };

    // A hypothetical position of an account, used to evaluate a plan before committing it.
    struct SlotOverride {
        std::uint32_t market = empty_slot;
        std::int64_t size = 0;
        std::int64_t cost = 0;
    };

    // The effect of one fill (or one funding settlement plus fill) on one account.
    struct FillPlan {
        AccountId account;
        std::uint32_t market = 0;
        std::int32_t slot = -1;             // existing slot, or -1 when a new one is needed
        std::int64_t size_before = 0;
        std::int64_t size_after = 0;
        std::int64_t cost_after = 0;
        std::int64_t funding = 0;           // owed (+) or due (-), settled into the cost first
        std::int64_t realised = 0;          // realised PnL of the fill
        std::int64_t collateral_change = 0; // realised PnL actually moved (may be capped: bad debt)
        bool reduces = false;               // |size_after| <= |size_before| on the same side

        std::int64_t open_interest_change_long() const {
            return std::max<std::int64_t>(size_after, 0) - std::max<std::int64_t>(size_before, 0);
        }
    };

    struct LiquidationPlan {
        bool full = false;
        std::array<FillPlan, 2 * positions_per_account_max> fills{};  // defaulter's and liquidator's
        std::size_t fill_count = 0;
        Span<FillPlan> planned_fills() { return Span<FillPlan>(fills.data(), fill_count); }
        Span<const FillPlan> planned_fills() const { return Span<const FillPlan>(fills.data(), fill_count); }
        std::int64_t closed_notional = 0;
        std::int64_t realised = 0;
        std::int64_t penalty = 0;
        std::int64_t deficit = 0;
        std::int64_t fund_paid = 0;
        std::int64_t remainder = 0;
        MarketId defaulting_market;
        std::int64_t defaulting_size = 0;   // size closed in the defaulting market (base atoms)
        std::int64_t defaulting_notional = 0;
        std::int64_t defaulting_side = 0;   // +1: the defaulter was long there, -1 short
        std::int64_t defaulting_price = 0;  // the liquidator's price in that market
        bool funding_socialization = false;
    };

    MarginEngine(EngineLimits limits, Journal journal)
        : limits_(limits), ledger_(LedgerLimits{limits.accounts_max, 4, 1}, std::move(journal)) {
        markets_.reserve(limits.markets_max);
        const std::size_t slots = std::size_t{limits.accounts_max} * limits.positions_per_account;
        slot_market_.reserve(slots);
        slot_size_.reserve(slots);
        slot_cost_.reserve(slots);
        slot_funding_.reserve(slots);
        bearers_.resize(limits.accounts_max);
        allocation_scratch_.resize(std::size_t{limits.accounts_max} + 1);
    }

    std::size_t slot(std::uint32_t account, std::uint32_t s) const {
        return std::size_t{account} * limits_.positions_per_account + s;
    }
    int find_slot(std::uint32_t account, std::uint32_t market) const {
        for (std::uint32_t s = 0; s < limits_.positions_per_account; ++s) {
            if (slot_market_[slot(account, s)] == market) return static_cast<int>(s);
        }
        return -1;
    }
    int free_slot(std::uint32_t account) const { return find_slot(account, empty_slot); }

    Result<void> check_account(AccountId account) const {
        if (account.value >= ledger_.account_count()) return make_error(ErrorCode::unknown_account, "no such account");
        return {};
    }
    Result<void> check_market(MarketId market) const {
        if (market.value >= markets_.size()) return make_error(ErrorCode::unknown_market, "no such market");
        return {};
    }
    template <class Base>
    Result<void> check_market_base(MarketId market) const {
        if (Result<void> ok = check_market(market); !ok) return ok;
        const detail::MarketState& state = markets_[market.value];
        if (state.base_symbol != AssetTraits<Base>::symbol || state.base_decimals != AssetTraits<Base>::decimals ||
            state.price_decimals != PriceScale<Base, Asset>::decimals) {
            return make_error(ErrorCode::market_asset_mismatch, "the market trades another base asset");
        }
        return {};
    }
    Result<void> check_mark_fresh(const detail::MarketState& state) const {
        if (state.mark <= 0) return make_error(ErrorCode::no_mark, "market has no mark yet");
        if (now_ms_ - state.mark_time_ms > state.config.staleness_max_ms) {
            return make_error(ErrorCode::stale_mark, "mark older than the staleness limit");
        }
        return {};
    }

    static std::int64_t clamp64(detail::int128 value) {
        if (value > std::numeric_limits<std::int64_t>::max()) return std::numeric_limits<std::int64_t>::max();
        if (value < std::numeric_limits<std::int64_t>::min()) return std::numeric_limits<std::int64_t>::min();
        return static_cast<std::int64_t>(value);
    }
    static detail::int128 div_floor(detail::int128 n, std::int64_t d) {
        detail::int128 q = n / d;
        if ((n % d != 0) && ((n < 0) != (d < 0))) q -= 1;
        return q;
    }
    static detail::int128 div_ceil(detail::int128 n, std::int64_t d) { return -div_floor(-n, d); }

    Result<std::int64_t> trade_value(const detail::MarketState& state, std::int64_t size, std::int64_t price) const {
        const detail::int128 value = div_floor(detail::int128(size) * price, state.notional_divisor);
        if (value > std::numeric_limits<std::int64_t>::max() / 8) {
            return make_error(ErrorCode::overflow, "trade value too large");
        }
        return static_cast<std::int64_t>(value);
    }

    const MarginTier& tier_for(const detail::MarketState& state, detail::int128 notional) const {
        for (std::size_t t = 0; t + 1 < state.config.tier_count; ++t) {
            if (notional <= state.config.tiers[t].notional_max) return state.config.tiers[t];
        }
        return state.config.tiers[state.config.tier_count - 1];
    }

    // Funding a position owes (+) or is due (-) since its last settlement: charges round up,
    // credits round down (both: ceiling of the signed amount).
    detail::int128 pending_funding(const detail::MarketState& state, std::int64_t size, std::int64_t snapshot) const {
        if (size == 0) return 0;
        const std::int64_t index = size > 0 ? state.funding_index_long : state.funding_index_short;
        return div_ceil(detail::int128(size) * (detail::int128(index) - snapshot), funding_precision);
    }

    // Adds one position's contribution to `m`: unrealised PnL at the mark (values round down),
    // funding owed, and requirements on the notional rounded up.
    void add_position(Metrics& m, const detail::MarketState& state, std::int64_t size, std::int64_t cost,
                      detail::int128 funding_owed) const {
        if (size == 0) return;
        const detail::int128 value = div_floor(detail::int128(size) * state.mark, state.notional_divisor);
        const detail::int128 magnitude = size < 0 ? -detail::int128(size) : detail::int128(size);
        const detail::int128 notional = div_ceil(magnitude * state.mark, state.notional_divisor);
        const MarginTier& tier = tier_for(state, notional);
        m.equity += value - cost - funding_owed;
        m.initial += div_ceil(notional * tier.initial.count(), Ppm::denominator);
        m.maintenance += div_ceil(notional * tier.maintenance.count(), Ppm::denominator);
        m.notional += notional;
        m.has_positions = true;
        m.position_count += 1;
    }

    // Metrics of an account, with some positions replaced (overrides settle their funding: the
    // override's cost already includes it) and collateral changed by `collateral_change`.
    Metrics metrics(AccountId account, Span<const SlotOverride> overrides, detail::int128 collateral_change) const {
        Metrics m;
        m.equity = detail::int128(ledger_.balance_of(Place::collateral(account)).atoms()) + collateral_change;
        for (std::uint32_t s = 0; s < limits_.positions_per_account; ++s) {
            const std::size_t i = slot(account.value, s);
            const std::uint16_t market = slot_market_[i];
            if (market == empty_slot) continue;
            bool replaced = false;
            for (const SlotOverride& o : overrides) replaced = replaced || o.market == market;
            if (replaced) continue;
            const detail::MarketState& state = markets_[market];
            add_position(m, state, slot_size_[i], slot_cost_[i], pending_funding(state, slot_size_[i], slot_funding_[i]));
        }
        for (const SlotOverride& o : overrides) {
            if (o.market != empty_slot) add_position(m, markets_[o.market], o.size, o.cost, 0);
        }
        return m;
    }

    // The scan's inner test. A fast pass in double decides every account that is clearly on one
    // side of its maintenance requirement (by far the most); an account within the pass's error
    // bound of the boundary, or in a tiered market, is decided by the exact arithmetic of
    // metrics(). So the answer is always the exact one, without 128-bit divisions for most.
    bool is_below_maintenance(std::uint32_t account) const {
        const double collateral = static_cast<double>(ledger_.balance_of(Place::collateral(AccountId{account})).atoms());
        double equity = collateral;
        double maintenance = 0.0;
        double magnitude = std::abs(collateral);
        bool has_positions = false;
        bool exact_needed = false;
        for (std::uint32_t s = 0; s < limits_.positions_per_account; ++s) {
            const std::size_t i = slot(account, s);
            const std::uint16_t market = slot_market_[i];
            if (market == empty_slot) continue;
            const detail::MarketState& state = markets_[market];
            has_positions = true;
            exact_needed = exact_needed || state.config.tier_count != 1;
            const double size = static_cast<double>(slot_size_[i]);
            const double value = size * state.mark_per_atom;
            const std::int64_t index = slot_size_[i] > 0 ? state.funding_index_long : state.funding_index_short;
            const double funding = size * static_cast<double>(index - slot_funding_[i]) * (1.0 / funding_precision);
            const double cost = static_cast<double>(slot_cost_[i]);
            equity += value - cost - funding;
            maintenance += std::abs(value) * state.maintenance_fraction;
            magnitude += std::abs(value) + std::abs(cost) + std::abs(funding);
        }
        if (!has_positions) return false;
        // Each term is within a few ulps; the exact version also rounds each position to atoms.
        const double tolerance = magnitude * 1e-12 + 16.0 * (limits_.positions_per_account + 1);
        if (!exact_needed && equity - maintenance > tolerance) return false;
        if (!exact_needed && equity - maintenance < -tolerance) return true;
        return is_below_maintenance_exact(account);
    }

    bool is_below_maintenance_exact(std::uint32_t account) const {
        const Metrics m = metrics(AccountId{account}, {}, 0);
        return m.has_positions && m.equity < m.maintenance;
    }

    // Plans a fill of signed size `delta` (buy > 0) worth signed `value` for `account`, after
    // settling its pending funding in that market. Pure.
    Result<FillPlan> plan_fill(AccountId account, MarketId market, std::int64_t delta, std::int64_t value) const {
        FillPlan plan;
        plan.account = account;
        plan.market = market.value;
        const detail::MarketState& state = markets_[market.value];
        plan.slot = find_slot(account.value, market.value);
        std::int64_t size = 0;
        std::int64_t cost = 0;
        if (plan.slot >= 0) {
            const std::size_t i = slot(account.value, static_cast<std::uint32_t>(plan.slot));
            size = slot_size_[i];
            cost = slot_cost_[i];
            plan.funding = static_cast<std::int64_t>(pending_funding(state, size, slot_funding_[i]));
            cost += plan.funding;
        } else if (free_slot(account.value) < 0) {
            return make_error(ErrorCode::position_slots_full, "no free position slot");
        }
        plan.size_before = size;
        Result<std::int64_t> size_after = checked_add(size, delta);
        if (!size_after) return size_after.error();
        plan.size_after = *size_after;
        const std::int64_t magnitude_after = plan.size_after < 0 ? -plan.size_after : plan.size_after;
        const std::int64_t magnitude_before = size < 0 ? -size : size;
        plan.reduces = magnitude_after <= magnitude_before && (plan.size_after == 0 || (plan.size_after > 0) == (size > 0));
        if (magnitude_after > state.config.position_max && magnitude_after > magnitude_before) {
            return make_error(ErrorCode::position_limit, "position limit");
        }
        // Split the fill into the part that closes the existing position and the part that opens.
        const bool closing = size != 0 && ((size > 0) != (delta > 0));
        const std::int64_t delta_magnitude = delta < 0 ? -delta : delta;
        const std::int64_t closed = closing ? std::min(delta_magnitude, magnitude_before) : 0;
        std::int64_t value_closed = 0;
        std::int64_t cost_removed = 0;
        if (closed > 0) {
            value_closed = static_cast<std::int64_t>(detail::int128(value) * closed / delta_magnitude);  // toward zero
            cost_removed = static_cast<std::int64_t>(detail::int128(cost) * closed / magnitude_before);  // toward zero
            plan.realised = -value_closed - cost_removed;
        }
        plan.cost_after = cost - cost_removed + (value - value_closed);
        if (plan.size_after == 0) BACKSTOP_ASSERT(plan.cost_after == 0, "a closed position keeps a cost");
        plan.collateral_change = plan.realised;
        return plan;
    }

    // Initial margin after the fill, unless it only reduces; and collateral for realised losses.
    Result<void> check_fill_margin(const FillPlan& plan) const {
        const Money collateral = ledger_.balance_of(Place::collateral(plan.account));
        if (plan.collateral_change < 0 && collateral.atoms() < -plan.collateral_change) {
            return make_error(ErrorCode::insufficient_collateral, "realised loss exceeds collateral");
        }
        if (plan.reduces) return {};
        const SlotOverride o{plan.market, plan.size_after, plan.cost_after};
        const Metrics after = metrics(plan.account, Span<const SlotOverride>(&o, 1), plan.collateral_change);
        if (after.equity < after.initial) {
            return make_error(ErrorCode::insufficient_margin, "fill would breach initial margin");
        }
        return {};
    }

    // Records a transfer the fund made on the engine's behalf (the fund commits its own).
    static void log_if_positive(TransferLog<Asset>& log, Place source, Place target, const Money& amount,
                                TransferReason reason) {
        if (amount.is_positive()) log.add(Transfer<Asset>{source, target, amount, reason});
    }

    void move(Place source, Place target, std::int64_t atoms, TransferReason reason, TransferLog<Asset>& log) {
        if (atoms == 0) return;
        if (atoms < 0) {
            std::swap(source, target);
            atoms = -atoms;
        }
        ledger_.commit(source, target, Money(atoms), reason);
        log.add(Transfer<Asset>{source, target, Money(atoms), reason});
    }

    PositionChange commit_fill(const FillPlan& plan, TransferLog<Asset>& log) {
        const detail::MarketState& state = markets_[plan.market];
        std::size_t i = 0;
        if (plan.slot >= 0) {
            i = slot(plan.account.value, static_cast<std::uint32_t>(plan.slot));
        } else {
            const int s = free_slot(plan.account.value);
            BACKSTOP_ASSERT(s >= 0, "planned fill has no slot");
            i = slot(plan.account.value, static_cast<std::uint32_t>(s));
            slot_market_[i] = static_cast<std::uint16_t>(plan.market);
        }
        // Funding owed moves from the position's PnL (its cost) to the funding pool.
        move(Place::pnl_pool(), Place::funding_pool(), plan.funding, TransferReason::funding_payment, log);
        move(Place::pnl_pool(), Place::collateral(plan.account), plan.collateral_change, TransferReason::realised_pnl, log);
        slot_size_[i] = plan.size_after;
        slot_cost_[i] = plan.cost_after;
        slot_funding_[i] = plan.size_after > 0 ? state.funding_index_long : state.funding_index_short;
        if (plan.size_after == 0) {
            slot_market_[i] = empty_slot;
            slot_funding_[i] = 0;
        }
        return PositionChange{plan.account, MarketId{plan.market}, plan.size_before, plan.size_after};
    }

    // Liquidator's price: the mark moved by the discount in the liquidator's favour, rounded to
    // the tick toward the mark (the defaulter keeps the rounding).
    std::int64_t liquidation_price(const detail::MarketState& state, std::int64_t size) const {
        const std::int64_t discount = static_cast<std::int64_t>(
            div_floor(detail::int128(state.mark) * state.config.liquidator_discount.count(), Ppm::denominator));
        const std::int64_t tick = state.config.tick_size;
        if (size > 0) {  // a long is sold to the liquidator below the mark
            const std::int64_t price = state.mark - discount;
            return std::max<std::int64_t>(tick, static_cast<std::int64_t>(div_ceil(price, tick)) * tick);
        }
        const std::int64_t price = state.mark + discount;
        return static_cast<std::int64_t>(div_floor(price, tick)) * tick;
    }

    // Plans the close of `close` atoms (signed like the position being reduced) of the account's
    // position in slot `s`, and the liquidator's matching fill; appends both to `plan.fills`.
    Result<void> plan_close(LiquidationPlan& plan, AccountId account, AccountId liquidator, std::uint32_t s,
                            std::int64_t close) const {
        const std::size_t i = slot(account.value, s);
        const MarketId market{slot_market_[i]};
        const detail::MarketState& state = markets_[market.value];
        const std::int64_t price = liquidation_price(state, slot_size_[i]);
        Result<std::int64_t> value = trade_value(state, close < 0 ? -close : close, price);
        if (!value) return value.error();
        const std::int64_t signed_value = close > 0 ? *value : -*value;
        // The defaulter sells its long (delta -close) and receives the value; the liquidator buys.
        Result<FillPlan> defaulter = plan_fill(account, market, -close, -signed_value);
        if (!defaulter) return defaulter.error();
        Result<FillPlan> taker = plan_fill(liquidator, market, close, signed_value);
        if (!taker) return taker.error();
        BACKSTOP_ASSERT(plan.fill_count + 2 <= plan.fills.size(), "too many liquidation fills");
        plan.fills[plan.fill_count++] = *defaulter;
        plan.fills[plan.fill_count++] = *taker;
        const std::int64_t magnitude = close < 0 ? -close : close;
        const std::int64_t notional =
            static_cast<std::int64_t>(div_floor(detail::int128(magnitude) * state.mark, state.notional_divisor));
        plan.closed_notional += notional;
        plan.realised += defaulter->realised;
        // The defaulting market (its penalty rate, its bearers) is the one with the largest
        // closed notional: sizes in different markets count different atoms.
        if (plan.defaulting_size == 0 || notional > plan.defaulting_notional) {
            plan.defaulting_notional = notional;
            plan.defaulting_market = market;
            plan.defaulting_size = magnitude;
            plan.defaulting_side = close > 0 ? 1 : -1;
            plan.defaulting_price = price;
        }
        return {};
    }

    Result<LiquidationPlan> plan_liquidation(AccountId account, AccountId liquidator, const Metrics& before) const {
        LiquidationPlan plan;
        // The largest maintenance requirement decides which position a partial liquidation cuts.
        std::int32_t largest = -1;
        detail::int128 largest_requirement = -1;
        bool full = before.equity <= 0;
        for (std::uint32_t s = 0; s < limits_.positions_per_account; ++s) {
            const std::size_t i = slot(account.value, s);
            if (slot_market_[i] == empty_slot) continue;
            Metrics one;
            add_position(one, markets_[slot_market_[i]], slot_size_[i], slot_cost_[i], 0);
            if (one.maintenance > largest_requirement) {
                largest_requirement = one.maintenance;
                largest = static_cast<std::int32_t>(s);
            }
            const Ppm threshold = markets_[slot_market_[i]].config.full_liquidation_below;
            if (before.equity * Ppm::denominator < before.maintenance * threshold.count()) full = true;
        }
        BACKSTOP_ASSERT(largest >= 0, "liquidating an account without positions");

        std::int64_t partial_close = 0;
        if (!full) {
            Result<std::int64_t> size = partial_size(account, static_cast<std::uint32_t>(largest));
            if (!size) return size.error();
            partial_close = *size;
            if (partial_close == 0) full = true;
        }
        plan.full = full;
        if (full) {
            for (std::uint32_t s = 0; s < limits_.positions_per_account; ++s) {
                const std::size_t i = slot(account.value, s);
                if (slot_market_[i] == empty_slot) continue;
                if (Result<void> ok = plan_close(plan, account, liquidator, s, slot_size_[i]); !ok) return ok.error();
            }
        } else {
            if (Result<void> ok = plan_close(plan, account, liquidator, static_cast<std::uint32_t>(largest), partial_close); !ok) {
                return ok.error();
            }
        }
        if (Result<void> ok = plan_money(plan, account, liquidator); !ok) return ok.error();
        return plan;
    }

    // Collateral after the closes, the penalty, the deficit and the fund's share; and the
    // liquidator's margin with its new positions.
    Result<void> plan_money(LiquidationPlan& plan, AccountId account, AccountId liquidator) const {
        // Realised PnL of the defaulter: moved in full when the collateral covers it, otherwise
        // the collateral is taken and the rest is the deficit.
        const std::int64_t collateral = ledger_.balance_of(Place::collateral(account)).atoms();
        std::int64_t realised = 0;
        for (const FillPlan& fill : plan.planned_fills()) {
            if (fill.account == account) realised += fill.collateral_change;
        }
        std::int64_t collateral_after = collateral + realised;
        if (collateral_after < 0) {
            // Cap the defaulter's loss transfers at its collateral; the shortfall is the deficit.
            std::int64_t shortfall = -collateral_after;
            for (FillPlan& fill : plan.planned_fills()) {
                if (fill.account != account || fill.collateral_change >= 0 || shortfall == 0) continue;
                const std::int64_t relief = std::min(-fill.collateral_change, shortfall);
                fill.collateral_change += relief;
                shortfall -= relief;
            }
            plan.deficit = -collateral_after;
            collateral_after = 0;
        }
        // Penalty: of the closed notional, capped by what the account has left (equity and cash).
        std::array<SlotOverride, positions_per_account_max> overrides{};
        std::size_t override_count = 0;
        for (const FillPlan& fill : plan.planned_fills()) {
            if (fill.account == account) overrides[override_count++] = SlotOverride{fill.market, fill.size_after, fill.cost_after};
        }
        const Metrics after = metrics(account, Span<const SlotOverride>(overrides.data(), override_count),
                                      detail::int128(collateral_after) - collateral);
        if (plan.deficit == 0) {
            const detail::MarketState& state = markets_[plan.defaulting_market.value];
            const std::int64_t uncapped = static_cast<std::int64_t>(
                div_ceil(detail::int128(plan.closed_notional) * state.config.liquidation_penalty.count(), Ppm::denominator));
            const detail::int128 equity_left = after.equity > 0 ? after.equity : 0;
            plan.penalty = static_cast<std::int64_t>(std::min<detail::int128>({detail::int128(uncapped), equity_left,
                                                                               detail::int128(collateral_after)}));
        }
        // The fund's share of a deficit, as its settlement policy will decide it.
        if (plan.deficit > 0) {
            const Money paid = fund().settlement().payable(Money(plan.deficit),
                                                           SettleContext{Place::pnl_pool(), plan.defaulting_market},
                                                           fund().state(ledger_));
            plan.fund_paid = paid.atoms();
            plan.remainder = plan.deficit - plan.fund_paid;
        }
        // The liquidator must afford what it takes over.
        std::size_t liquidator_overrides = 0;
        std::int64_t liquidator_cash = 0;
        std::array<SlotOverride, positions_per_account_max> taken{};
        std::int32_t new_slots = 0;
        for (const FillPlan& fill : plan.planned_fills()) {
            if (fill.account != liquidator) continue;
            taken[liquidator_overrides++] = SlotOverride{fill.market, fill.size_after, fill.cost_after};
            liquidator_cash += fill.collateral_change;
            if (fill.slot < 0) ++new_slots;
        }
        std::int32_t free_slots = 0;
        for (std::uint32_t s = 0; s < limits_.positions_per_account; ++s) {
            free_slots += slot_market_[slot(liquidator.value, s)] == empty_slot ? 1 : 0;
        }
        if (new_slots > free_slots) return make_error(ErrorCode::position_slots_full, "liquidator has no free slot");
        const std::int64_t liquidator_collateral = ledger_.balance_of(Place::collateral(liquidator)).atoms();
        if (liquidator_cash < 0 && liquidator_collateral < -liquidator_cash) {
            return make_error(ErrorCode::insufficient_collateral, "liquidator cannot pay its realised loss");
        }
        const Metrics liquidator_after = metrics(
            liquidator, Span<const SlotOverride>(taken.data(), liquidator_overrides), liquidator_cash);
        if (liquidator_after.equity < liquidator_after.initial) {
            return make_error(ErrorCode::insufficient_margin, "liquidator lacks initial margin for the takeover");
        }
        return {};
    }

    // The smallest lot-rounded size (signed like the position) whose close restores the target
    // (initial, or maintenance x (1 + buffer)); 0 when no partial close can (go full).
    Result<std::int64_t> partial_size(AccountId account, std::uint32_t s) const {
        const std::size_t i = slot(account.value, s);
        const detail::MarketState& state = markets_[slot_market_[i]];
        const std::int64_t size = slot_size_[i];
        const std::int64_t magnitude = size < 0 ? -size : size;
        const std::int64_t lot = state.config.lot_size;
        auto restores = [&](std::int64_t close_magnitude) {
            const std::int64_t close = size > 0 ? close_magnitude : -close_magnitude;
            const std::int64_t price = liquidation_price(state, size);
            const std::int64_t value = static_cast<std::int64_t>(
                div_floor(detail::int128(close_magnitude) * price, state.notional_divisor));
            Result<FillPlan> fill = plan_fill(account, MarketId{slot_market_[i]}, -close, size > 0 ? -value : value);
            if (!fill) return false;
            const std::int64_t notional = static_cast<std::int64_t>(
                div_floor(detail::int128(close_magnitude) * state.mark, state.notional_divisor));
            const std::int64_t penalty = static_cast<std::int64_t>(
                div_ceil(detail::int128(notional) * state.config.liquidation_penalty.count(), Ppm::denominator));
            const SlotOverride o{fill->market, fill->size_after, fill->cost_after};
            const Metrics after = metrics(account, Span<const SlotOverride>(&o, 1),
                                          detail::int128(fill->collateral_change) - penalty);
            const detail::int128 target =
                state.config.liquidation_buffer.count() == 0
                    ? after.initial
                    : after.maintenance +
                          div_ceil(after.notional * state.config.liquidation_buffer.count(), Ppm::denominator);
            const std::int64_t collateral = ledger_.balance_of(Place::collateral(account)).atoms();
            return after.equity >= target && collateral + fill->collateral_change >= penalty;
        };
        // Binary search over lots: restoring is monotone in the size closed while closing costs
        // less than the requirement it frees (checked by the final test).
        std::int64_t low = 0;
        std::int64_t high = magnitude / lot;  // in lots
        if (high <= 1 || !restores((high - 1) * lot)) return std::int64_t{0};  // a lot or less would be left
        while (high - low > 1) {
            const std::int64_t middle = low + (high - low) / 2;
            if (restores(middle * lot)) {
                high = middle;
            } else {
                low = middle;
            }
        }
        const std::int64_t close = high * lot;
        return size > 0 ? close : -close;
    }

    // Opposite-side positions in the defaulting market (for ADL and haircuts), or every position
    // there (funding socialization), in account order; neither the defaulter nor the liquidator.
    std::size_t collect_bearers(const LiquidationPlan& plan, AccountId account, AccountId liquidator) {
        std::size_t count = 0;
        const detail::MarketState& state = markets_[plan.defaulting_market.value];
        const std::uint32_t accounts = ledger_.account_count();
        const bool funding = fund_policy_is_funding();
        for (std::uint32_t a = 0; a < accounts; ++a) {
            if (a == account.value) continue;
            std::int64_t size = 0;
            std::int64_t cost = 0;
            std::int64_t snapshot = 0;
            if (a == liquidator.value) {
                // Funding socialization charges every open position, the liquidator's new one
                // included (as it will be after the takeover); ADL and haircuts skip the liquidator.
                if (!funding) continue;
                for (const FillPlan& fill : plan.planned_fills()) {
                    if (fill.account == liquidator && fill.market == plan.defaulting_market.value) {
                        size = fill.size_after;
                        cost = fill.cost_after;
                        snapshot = size > 0 ? state.funding_index_long : state.funding_index_short;
                    }
                }
                if (size == 0) continue;
            } else {
                const int s = find_slot(a, plan.defaulting_market.value);
                if (s < 0) continue;
                const std::size_t i = slot(a, static_cast<std::uint32_t>(s));
                size = slot_size_[i];
                cost = slot_cost_[i];
                snapshot = slot_funding_[i];
            }
            LossBearer<Asset>& bearer = bearers_[count];
            bearer.account = AccountId{a};
            bearer.side = size > 0 ? Side::long_side : Side::short_side;
            bearer.size_atoms = size < 0 ? -size : size;
            Metrics one;
            add_position(one, state, size, cost, pending_funding(state, size, snapshot));
            bearer.unrealised_pnl = Money(clamp64(one.equity));
            bearer.collateral = ledger_.balance_of(Place::collateral(AccountId{a}));
            bearer.position_value = Money(clamp64(div_floor(detail::int128(bearer.size_atoms) * state.mark, state.notional_divisor)));
            bearer.entry_value = Money(cost < 0 ? -cost : cost);
            bearer.maintenance = Money(clamp64(one.maintenance));
            ++count;
        }
        // ADL and haircuts take from the side that gained: opposite to the defaulter's.
        if (!funding) {
            std::size_t kept = 0;
            const Side opposite = plan.defaulting_side > 0 ? Side::short_side : Side::long_side;
            for (std::size_t k = 0; k < count; ++k) {
                if (bearers_[k].side == opposite) bearers_[kept++] = bearers_[k];
            }
            count = kept;
        }
        return count;
    }

    bool fund_policy_is_funding() const {
        // Funding socialization charges every position; asking the policy with a probe plan
        // would cost a plan, so the fund's policy type decides.
        return is_funding_policy(fund().socialized_loss());
    }
    template <class Policy>
    static bool funding_precision_matches(const Policy& policy) {
        if constexpr (detail::is_funding_socialization<Policy>::value) {
            return policy.precision == funding_precision;
        } else if constexpr (detail::has_variant<Policy>::value) {
            return std::visit([](const auto& p) { return funding_precision_matches(p); }, policy.variant());
        } else {
            (void)policy;
            return true;
        }
    }
    template <class Policy>
    static bool is_funding_policy(const Policy& policy) {
        if constexpr (detail::is_funding_socialization<Policy>::value) {
            return true;
        } else if constexpr (detail::has_variant<Policy>::value) {
            return std::visit([](const auto& p) { return is_funding_policy(p); }, policy.variant());
        } else {
            (void)policy;
            return false;
        }
    }

    // Applies what the fund did not apply itself: ADL trades at the liquidator's price, or the
    // funding indices moving apart.
    void apply_socialization(const LiquidationPlan& plan, AccountId liquidator, Span<Allocation<Asset>> allocations,
                             const SocializeReport<Asset>& report, TransferLog<Asset>& log) {
        const MarketId market = plan.defaulting_market;
        detail::MarketState& state = markets_[market.value];
        if (plan.funding_socialization) {
            // The positions owe `covered` through the indices; the funding pool advances it now.
            move(Place::funding_pool(), Place::pnl_pool(), report.covered.atoms(), TransferReason::socialized_loss, log);
            state.funding_index_long += report.funding_delta_per_unit;
            state.funding_index_short -= report.funding_delta_per_unit;
            return;
        }
        for (const Allocation<Asset>& allocation : allocations) {
            if (allocation.layer != LossLayer::auto_deleveraging || allocation.quantity_atoms == 0) continue;
            // The bearer closes `quantity` against the liquidator, who took the defaulter's side.
            const std::int64_t q = allocation.quantity_atoms;
            const std::int64_t value = static_cast<std::int64_t>(
                div_floor(detail::int128(q) * plan.defaulting_price, state.notional_divisor));
            // defaulting_side > 0: the liquidator is long now and sells q to the short bearer.
            const std::int64_t liquidator_delta = plan.defaulting_side > 0 ? -q : q;
            Result<FillPlan> taker = plan_fill(liquidator, market, liquidator_delta,
                                               liquidator_delta > 0 ? value : -value);
            Result<FillPlan> bearer = plan_fill(allocation.account, market, -liquidator_delta,
                                                liquidator_delta > 0 ? -value : value);
            BACKSTOP_ASSERT(taker.has_value() && bearer.has_value(), "an ADL fill could not be planned");
            // An ADL close may realise a loss beyond the bearer's cash only if its profit was
            // overstated; the policy caps allocations by profit and collateral, so it cannot.
            (void)commit_fill(*taker, log);
            (void)commit_fill(*bearer, log);
            state.open_interest += taker->open_interest_change_long() + bearer->open_interest_change_long();
        }
    }

    EngineLimits limits_;
    LedgerType ledger_;
    std::optional<Fund> fund_;
    std::vector<detail::MarketState> markets_;
    std::vector<std::uint16_t> slot_market_;
    std::vector<std::int64_t> slot_size_;
    std::vector<std::int64_t> slot_cost_;
    std::vector<std::int64_t> slot_funding_;
    std::vector<LossBearer<Asset>> bearers_;
    std::vector<Allocation<Asset>> allocation_scratch_;
    std::int64_t now_ms_ = std::numeric_limits<std::int64_t>::min();
    detail::int128 uncovered_total_ = 0;
};

}  // namespace backstop
