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
// returns a typed Error and changes nothing (digest() is unchanged). A liquidation is planned
// whole (every fill, the discount, the penalty, the fund's payment, each bearer's close and
// charge, the funding move) from const state, checked transfer by transfer against the ledger,
// and only then committed by operations that cannot fail.
//
// The loss waterfall of a liquidation (docs/engine.md): the account's collateral, then its
// penalty forgone, then the liquidator's discount forgone, then the insurance fund (its
// settlement policy), then the socialized-loss policy; what nothing covers is booked as
// uncovered. The waterfall never refuses and never aborts.
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/checked_arith.hpp"
#include "backstop/core/config.hpp"
#include "backstop/core/hash.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/engine/engine_journal.hpp"
#include "backstop/engine/engine_reports.hpp"
#include "backstop/engine/liquidation_plan.hpp"
#include "backstop/engine/margin_math.hpp"
#include "backstop/engine/oracle_marks.hpp"
#include "backstop/engine/transfer_check.hpp"
#include "backstop/engine/market.hpp"
#include "backstop/fund/fund_types.hpp"
#include "backstop/fund/insurance_fund.hpp"
#include "backstop/fund/socialization_kind.hpp"
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

struct EngineLimits {
    std::uint32_t accounts_max = 1024;
    std::uint32_t positions_per_account = 4;  // at most positions_per_account_max
    std::uint32_t markets_max = 16;
};

// `Journal` is the ledger's journal (its transfers); `CommandJournal` the engine's own, of the
// commands (engine_journal.hpp): NullJournal, BasicRingJournal<EngineCommand> or
// BasicVectorJournal<EngineCommand>.
template <class Fund, class Journal = NullJournal, class CommandJournal = NullJournal>
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
                                       Journal journal = Journal{}, CommandJournal commands = CommandJournal{}) {
        if (limits.accounts_max == 0 || limits.positions_per_account == 0 ||
            limits.positions_per_account > positions_per_account_max || limits.markets_max == 0 ||
            limits.markets_max > 0xFFFF) {
            return make_error(ErrorCode::invalid_argument, "engine limits out of range");
        }
        // The socialized-loss step must never refuse for lack of room: a policy that can plan
        // for fewer bearers than there can be accounts is refused here, once.
        if (bearers_max_of(socialized_loss) < limits.accounts_max) {
            return make_error(ErrorCode::invalid_policy_parameter,
                              "the socialized-loss policy's bearers_max is below accounts_max");
        }
        MarginEngine engine(limits, std::move(journal), std::move(commands));
        Result<Fund> fund = Fund::open(engine.ledger_, std::move(fee_capture), std::move(settlement),
                                       std::move(socialized_loss), FundLimits{limits.markets_max});
        if (!fund) return fund.error();
        engine.fund_.emplace(std::move(*fund));
        return engine;
    }

    // ---- set-up ---------------------------------------------------------------------------

    template <class Base>
    Result<MarketId> add_market(const MarketConfig& config) {
        return add_market_untyped(config, AssetTraits<Base>::symbol, AssetTraits<Base>::decimals,
                                  PriceScale<Base, Asset>::decimals);
    }

    Result<void> set_market_status(MarketId market, MarketStatus status) {
        if (Result<void> ok = check_market(market); !ok) return ok;
        if (status != MarketStatus::active && status != MarketStatus::reduce_only && status != MarketStatus::halted) {
            return make_error(ErrorCode::invalid_argument, "unknown market status");
        }
        markets_[market.value].config.status = status;
        record_command(EngineCommandKind::set_market_status, market.value, 0, 0, static_cast<std::int64_t>(status));
        return {};
    }

    Result<AccountId> open_account() {
        Result<AccountId> id = ledger_.open_account();
        if (!id) return id;
        record_command(EngineCommandKind::open_account, 0, id->value);
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
        Result<void> moved = ledger_.transfer(Place::external(), Place::collateral(account), amount, TransferReason::deposit);
        if (moved) record_command(EngineCommandKind::deposit, 0, account.value, 0, amount.atoms());
        return moved;
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
        record_command(EngineCommandKind::withdraw, 0, account.value, 0, amount.atoms());
        return {};
    }

    Result<void> fund_deposit(const Money& amount) {
        Result<void> moved = fund().deposit(ledger_, Place::external(), amount);
        if (moved) record_command(EngineCommandKind::fund_deposit, 0, 0, 0, amount.atoms());
        return moved;
    }

    // Another fund place in the engine's ledger (a clearing house's default fund, say), and
    // capital for it from outside.
    Result<FundId> open_auxiliary_fund() {
        Result<FundId> id = ledger_.open_fund();
        if (id) record_command(EngineCommandKind::open_auxiliary_fund, 0, id->value);
        return id;
    }
    Result<void> auxiliary_fund_deposit(FundId id, const Money& amount) {
        if (id == fund().id()) return make_error(ErrorCode::invalid_argument, "use fund_deposit for the insurance fund");
        Result<void> moved = ledger_.transfer(Place::external(), Place::fund(id), amount, TransferReason::fund_deposit);
        if (moved) record_command(EngineCommandKind::auxiliary_fund_deposit, 0, id.value, 0, amount.atoms());
        return moved;
    }

    // ---- marks, time and funding -------------------------------------------------------------

    template <class Base>
    Result<void> set_mark(MarketId market, Price<Base, Asset> price, Timestamp at) {
        if (Result<void> ok = check_market_base<Base>(market); !ok) return ok;
        return set_mark_untyped(market, price.raw(), at);
    }

    Result<void> advance_time(Timestamp now) {
        if (now.ms < now_ms_) return make_error(ErrorCode::time_backwards, "time cannot go back");
        now_ms_ = now.ms;
        record_command(EngineCommandKind::advance_time, 0, 0, 0, now.ms);
        return {};
    }

    // Adds `delta` (quote units per whole base unit x funding_precision, Drift's precision: a
    // Drift cumulative funding rate delta passes as it is) to the market's cumulative funding:
    // positive, longs pay shorts. Settled into each position when its account is touched.
    // Refused with `overflow` if an index would leave +-funding_index_max.
    Result<void> update_funding(MarketId market, std::int64_t delta) {
        if (Result<void> ok = check_market(market); !ok) return ok;
        detail::MarketState& state = markets_[market.value];
        const detail::int128 longs = state.funding_index_long + delta;
        const detail::int128 shorts = state.funding_index_short + delta;
        if (detail::abs128(longs) > funding_index_max || detail::abs128(shorts) > funding_index_max) {
            return make_error(ErrorCode::overflow, "funding index beyond funding_index_max");
        }
        state.set_funding_indices(longs, shorts);
        record_command(EngineCommandKind::update_funding, market.value, 0, 0, delta);
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
        return trade_untyped(market, buyer, seller, size.atoms(), price.raw());
    }

    // ---- replay -------------------------------------------------------------------------------

    // Applies one command of an engine journal (engine_journal.hpp: replay_commands verifies the
    // whole journal first). Markets added by replay take the recorded decimals untyped: the
    // replayed engine is for inspection and further replay.
    Result<void> apply_command(const EngineCommand& c) {
        switch (c.kind) {
            case EngineCommandKind::add_market: {
                Result<MarketId> id = add_market_untyped(c.config, std::string_view{}, c.base_decimals, c.price_decimals,
                                                         c.base_symbol_hash);
                if (!id) return id.error();
                if (id->value != c.market) return make_error(ErrorCode::journal_corrupt, "markets added out of order");
                return {};
            }
            case EngineCommandKind::set_market_status:
                return set_market_status(MarketId{c.market}, static_cast<MarketStatus>(c.value));
            case EngineCommandKind::open_account: {
                Result<AccountId> id = open_account();
                if (!id) return id.error();
                if (id->value != c.account) return make_error(ErrorCode::journal_corrupt, "accounts opened out of order");
                return {};
            }
            case EngineCommandKind::deposit: return deposit(AccountId{c.account}, Money(c.value));
            case EngineCommandKind::withdraw: return withdraw(AccountId{c.account}, Money(c.value));
            case EngineCommandKind::fund_deposit: return fund_deposit(Money(c.value));
            case EngineCommandKind::open_auxiliary_fund: {
                Result<FundId> id = open_auxiliary_fund();
                if (!id) return id.error();
                if (id->value != c.account) return make_error(ErrorCode::journal_corrupt, "funds opened out of order");
                return {};
            }
            case EngineCommandKind::auxiliary_fund_deposit: return auxiliary_fund_deposit(FundId{c.account}, Money(c.value));
            case EngineCommandKind::set_mark: return set_mark_untyped(MarketId{c.market}, c.value, Timestamp{c.value2});
            case EngineCommandKind::advance_time: return advance_time(Timestamp{c.value});
            case EngineCommandKind::update_funding: return update_funding(MarketId{c.market}, c.value);
            case EngineCommandKind::trade: {
                Result<TradeReport<Asset>> done =
                    trade_untyped(MarketId{c.market}, AccountId{c.account}, AccountId{c.counterparty}, c.value, c.value2);
                if (!done) return done.error();
                return {};
            }
            case EngineCommandKind::liquidate: {
                Result<LiquidationReport<Asset>> done = liquidate(AccountId{c.account}, AccountId{c.counterparty});
                if (!done) return done.error();
                return {};
            }
        }
        return make_error(ErrorCode::journal_corrupt, "unknown engine command");
    }

    const CommandJournal& command_journal() const { return commands_; }
    CommandJournal& command_journal() { return commands_; }
    const JournalSeal& command_seal() const { return command_seal_; }

private:
    Result<MarketId> add_market_untyped(const MarketConfig& config, std::string_view symbol, int base_decimals,
                                        int price_decimals, std::uint64_t hash_of_symbol = 0) {
        if (Result<void> ok = validate_market_config(config); !ok) return ok.error();
        if (markets_.size() >= limits_.markets_max) {
            return make_error(ErrorCode::capacity_exceeded, "engine is full of markets");
        }
        const int exponent = base_decimals + price_decimals - AssetTraits<Asset>::decimals;
        if (exponent < 0 || exponent > 18) {
            return make_error(ErrorCode::invalid_market_config,
                              "base decimals + price decimals - quote decimals must be in [0, 18]");
        }
        // Funding indices are in quote units per whole base unit x 10^9 (funding_precision).
        const int funding_exponent = base_decimals + 9 - AssetTraits<Asset>::decimals;
        if (funding_exponent < 0 || funding_exponent > 36) {
            return make_error(ErrorCode::invalid_market_config,
                              "base decimals + 9 - quote decimals must be in [0, 36] (funding precision)");
        }
        detail::MarketState market;
        market.config = config;
        market.base_symbol = symbol;
        market.base_decimals = base_decimals;
        market.price_decimals = price_decimals;
        market.notional_divisor = pow10<std::int64_t>(exponent);
        market.funding_divisor = 1;
        for (int i = 0; i < funding_exponent; ++i) market.funding_divisor *= 10;
        market.funding_per_unit = 1.0 / static_cast<double>(market.funding_divisor);
        detail::compute_tier_offsets(market);
        market.maintenance_fraction = static_cast<double>(config.tiers[0].maintenance.count()) / Ppm::denominator;
        markets_.push_back(market);  // within reserved capacity
        const auto id = static_cast<std::uint32_t>(markets_.size() - 1);
        if constexpr (CommandJournal::enabled) {
            EngineCommand command;
            command.kind = EngineCommandKind::add_market;
            command.market = id;
            command.config = config;
            command.base_decimals = base_decimals;
            command.price_decimals = price_decimals;
            command.base_symbol_hash = symbol.empty() ? hash_of_symbol : symbol_hash(symbol);
            record(command);
        }
        return MarketId{id};
    }

    Result<void> set_mark_untyped(MarketId market, std::int64_t raw_price, Timestamp at) {
        if (Result<void> ok = check_market(market); !ok) return ok;
        if (at.ms < now_ms_) return make_error(ErrorCode::time_backwards, "mark older than the engine's time");
        if (raw_price <= 0) return make_error(ErrorCode::price_not_positive, "a mark must be positive");
        detail::MarketState& state = markets_[market.value];
        // A maximal position's value must fit comfortably in int64 at this mark.
        const detail::int128 value_max =
            detail::int128(state.config.position_max) * raw_price / state.notional_divisor;
        if (value_max > std::numeric_limits<std::int64_t>::max() / 8) {
            return make_error(ErrorCode::price_out_of_range, "mark too large for the position limit");
        }
        state.mark = raw_price;
        state.has_mark = true;
        state.mark_per_atom = static_cast<double>(raw_price) / static_cast<double>(state.notional_divisor);
        state.mark_time_ms = at.ms;
        now_ms_ = at.ms;
        record_command(EngineCommandKind::set_mark, market.value, 0, 0, raw_price, at.ms);
        return {};
    }

    Result<TradeReport<Asset>> trade_untyped(MarketId market, AccountId buyer, AccountId seller, std::int64_t size_atoms,
                                             std::int64_t raw_price) {
        if (Result<void> ok = check_market(market); !ok) return ok.error();
        if (Result<void> ok = check_account(buyer); !ok) return ok.error();
        if (Result<void> ok = check_account(seller); !ok) return ok.error();
        if (buyer == seller) return make_error(ErrorCode::self_trade, "buyer and seller are the same");
        const detail::MarketState& state = markets_[market.value];
        if (state.config.status == MarketStatus::halted) {
            return make_error(ErrorCode::market_halted, "market is halted");
        }
        if (Result<void> ok = check_mark_fresh(state); !ok) return ok.error();
        if (size_atoms <= 0) return make_error(ErrorCode::size_not_positive, "trade size must be positive");
        if (size_atoms % state.config.lot_size != 0) return make_error(ErrorCode::off_lot, "size off the lot size");
        if (raw_price <= 0) return make_error(ErrorCode::price_not_positive, "price must be positive");
        if (raw_price % state.config.tick_size != 0) return make_error(ErrorCode::off_tick, "price off the tick size");

        const std::int64_t q = size_atoms;
        Result<std::int64_t> value = trade_value(state, q, raw_price);
        if (!value) return value.error();
        Result<FillPlan> buy = plan_fill(buyer, market, q, *value);
        if (!buy) return buy.error();
        Result<FillPlan> sell = plan_fill(seller, market, -q, -*value);
        if (!sell) return sell.error();
        if (state.config.status == MarketStatus::reduce_only && (!buy->reduces || !sell->reduces)) {
            return make_error(ErrorCode::market_reduce_only, "market accepts only reducing trades");
        }
        // Sizes are below 2^63 each: the sum of three fits in 128 bits.
        const detail::int128 open_interest = detail::int128(state.open_interest) + buy->open_interest_change_long() +
                                             sell->open_interest_change_long();
        if (open_interest > state.config.open_interest_max && open_interest > state.open_interest) {
            return make_error(ErrorCode::open_interest_limit, "open interest limit");
        }
        for (const FillPlan* plan : {&*buy, &*sell}) {
            if (Result<void> ok = check_fill_margin(*plan); !ok) return ok.error();
        }
        // Both fills' transfers, in commit order, fit every balance (a realised gain, the pools).
        TransferCheck check(ledger_);
        check_fill(check, *buy);
        check_fill(check, *sell);
        if (!check.ok()) return make_error(ErrorCode::overflow, "the fills would overflow a balance");

        TradeReport<Asset> report;
        report.value = Money(*value);
        report.buyer = commit_fill(*buy, report.transfers);
        report.seller = commit_fill(*sell, report.transfers);
        report.buyer_realised_pnl = Money(buy->realised);
        report.seller_realised_pnl = Money(sell->realised);
        // Within open_interest_max, or no larger than before: fits int64.
        markets_[market.value].open_interest = static_cast<std::int64_t>(open_interest);
        record_command(EngineCommandKind::trade, market.value, buyer.value, seller.value, size_atoms, raw_price);
        return report;
    }

public:

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

    // Liquidates `account`: `liquidator` takes over what is closed, at the mark. Partial when
    // closing part of the account's positions restores the target (the initial requirement, or
    // with a buffer, maintenance + buffer x notional) after the penalty and the discount: the
    // positions with the least penalty per unit of relief first, the last one to the lot. Full
    // when equity is not positive, below the markets' full-liquidation fraction of maintenance,
    // or no partial close restores it. Positions in halted or stale markets cannot be closed,
    // count no profit, and do not block the others. A deficit goes down the waterfall: the fund,
    // then the socialized-loss policy, then uncovered; that part never refuses. Allocations are
    // copied to `allocations` (as many as fit; report.allocation_count says how many there were).
    Result<LiquidationReport<Asset>> liquidate(AccountId account, AccountId liquidator,
                                               Span<Allocation<Asset>> allocations = {}) {
        if (Result<void> ok = check_account(account); !ok) return ok.error();
        if (Result<void> ok = check_account(liquidator); !ok) return ok.error();
        if (account == liquidator) return make_error(ErrorCode::self_trade, "an account cannot liquidate itself");
        const Metrics before = metrics(account, {}, 0);
        if (!before.has_positions || before.equity >= before.maintenance) {
            return make_error(ErrorCode::not_liquidatable, "account meets its maintenance requirement");
        }
        // At least one position must be closable; the first reason another is not, otherwise.
        Result<void> blocked{};
        bool any_closable = false;
        for (std::uint32_t s = 0; s < limits_.positions_per_account; ++s) {
            const std::uint16_t market = slot_market_[slot(account.value, s)];
            if (market == empty_slot) continue;
            const detail::MarketState& state = markets_[market];
            if (closable(state)) {
                any_closable = true;
            } else if (blocked) {
                blocked = state.config.status == MarketStatus::halted
                              ? Result<void>(make_error(ErrorCode::market_halted, "every market of the account is halted or stale"))
                              : check_mark_fresh(state);
            }
        }
        if (!any_closable) return blocked.error();
        Result<LiquidationPlan> planned = plan_liquidation(account, liquidator, before);
        if (!planned) return planned.error();
        const LiquidationPlan& plan = *planned;

        // ---- commit: cannot fail ----
        LiquidationReport<Asset> report;
        report.account = account;
        report.liquidator = liquidator;
        report.full = plan.full;
        report.equity_before = Money(clamp64(before.equity));
        commit_liquidation(plan, account, liquidator, report);
        record_command(EngineCommandKind::liquidate, 0, account.value, liquidator.value);
        report.closed_notional = Money(clamp64(plan.effect.notional));
        detail::int128 realised = 0;
        for (std::size_t k = 0; k < plan.fill_count; ++k) realised += plan.defaulter_fills[k].realised;
        report.realised_pnl = Money(clamp64(realised));
        report.discount = Money(plan.discount);
        report.penalty = Money(plan.penalty);
        report.penalty_split = plan.split;
        report.deficit = Money(plan.deficit_settled);
        report.fund_paid = Money(plan.fund_paid);
        report.remainder = Money(plan.remainder);
        report.socialized = Money(plan.covered);
        report.uncovered = Money(clamp64((plan.deficit - plan.deficit_settled) + (plan.remainder - plan.covered)));
        report.allocation_count = plan.allocation_count;
        report.funding_delta_per_unit = clamp64(plan.funding_delta);
        report.socialization_failed = plan.socialization_failed;
        report.socialization_error = plan.socialization_error;
        if (plan.allocation_count > 0) report.socialized_by = allocation_scratch_[0].layer;
        const std::size_t copied = std::min(plan.allocation_count, allocations.size());
        for (std::size_t k = 0; k < copied; ++k) allocations[k] = allocation_scratch_[k];
        report.equity_after = Money(clamp64(metrics(account, {}, 0).equity));
        return report;
    }

    // ---- inspection -----------------------------------------------------------------------------

    struct PositionView {
        MarketId market;
        std::int64_t size = 0;   // base atoms, signed
        std::int64_t cost = 0;   // quote atoms, signed
        detail::int128 funding_index = 0;  // the index at its last settlement
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
    detail::int128 funding_index_long(MarketId market) const { return markets_[market.value].funding_index_long; }
    detail::int128 funding_index_short(MarketId market) const { return markets_[market.value].funding_index_short; }
    Timestamp now() const { return Timestamp{now_ms_}; }
    // Deficits nobody could bear, in total: pnl_pool + sum of costs = -uncovered_total.
    detail::int128 uncovered_total() const { return uncovered_total_; }

    // A stable digest of the whole engine: ledger, positions, markets, time.
    std::uint64_t digest() const {
        StableHash hash(ledger_.digest());
        hash.add_signed(now_ms_);
        add_wide(hash, uncovered_total_);
        for (const detail::MarketState& m : markets_) {
            hash.add_signed(m.mark).add_signed(m.mark_time_ms).add(m.has_mark ? 1u : 0u);
            add_wide(hash, m.funding_index_long);
            add_wide(hash, m.funding_index_short);
            hash.add_signed(m.open_interest);
            hash.add(static_cast<std::uint64_t>(m.config.status));
        }
        for (std::size_t i = 0; i < slot_market_.size(); ++i) {
            hash.add(slot_market_[i]).add_signed(slot_size_[i]).add_signed(slot_cost_[i]);
            add_wide(hash, slot_funding_[i]);
        }
        return hash.value();
    }

private:
    static constexpr std::uint16_t empty_slot = detail::empty_slot_market;

    static void add_wide(StableHash& hash, detail::int128 value) {
        const auto bits = static_cast<detail::uint128>(value);
        hash.add(static_cast<std::uint64_t>(bits)).add(static_cast<std::uint64_t>(bits >> 64));
    }

    // Equity and requirements of an account, exact in 128 bits (quote atoms).
    struct Metrics {
        detail::int128 equity = 0;
        detail::int128 initial = 0;
        detail::int128 maintenance = 0;
        detail::int128 notional = 0;  // sum of |size x mark| over positions, rounded up
        std::size_t position_count = 0;
        bool has_positions = false;
    };

    using SlotOverride = detail::SlotOverride;
    using FillPlan = detail::FillPlan;
    using PositionState = detail::PositionState;
    using CloseEffect = detail::CloseEffect;
    using Closes = detail::Closes;
    using LiquidationPlan = detail::LiquidationPlan<Asset>;

    MarginEngine(EngineLimits limits, Journal journal, CommandJournal commands)
        : limits_(limits),
          ledger_(LedgerLimits{limits.accounts_max, 4, 1}, std::move(journal)),
          commands_(std::move(commands)) {
        markets_.reserve(limits.markets_max);
        const std::size_t slots = std::size_t{limits.accounts_max} * limits.positions_per_account;
        slot_market_.reserve(slots);
        slot_size_.reserve(slots);
        slot_cost_.reserve(slots);
        slot_funding_.reserve(slots);
        bearers_.resize(limits.accounts_max);
        bearer_fills_.resize(limits.accounts_max);
        bearer_charges_.resize(limits.accounts_max);
        allocation_scratch_.resize(std::size_t{limits.accounts_max} + 1);
    }

    std::size_t slot(std::uint32_t account, std::uint32_t s) const {
        return std::size_t{account} * limits_.positions_per_account + s;
    }

    // Records a command that succeeded (nothing, not even the chain, with a NullJournal).
    void record_command(EngineCommandKind kind, std::uint32_t market, std::uint32_t account,
                        std::uint32_t counterparty = 0, std::int64_t value = 0, std::int64_t value2 = 0) {
        if constexpr (CommandJournal::enabled) {
            EngineCommand command;
            command.kind = kind;
            command.market = market;
            command.account = account;
            command.counterparty = counterparty;
            command.value = value;
            command.value2 = value2;
            record(command);
        } else {
            (void)kind, (void)market, (void)account, (void)counterparty, (void)value, (void)value2;
        }
    }
    void record(EngineCommand& command) {
        record_chained(commands_, command_seal_, command, &engine_command_chain);
    }
    int find_slot(std::uint32_t account, std::uint32_t market) const {
        for (std::uint32_t s = 0; s < limits_.positions_per_account; ++s) {
            if (slot_market_[slot(account, s)] == market) return static_cast<int>(s);
        }
        return -1;
    }
    int free_slot(std::uint32_t account) const { return find_slot(account, empty_slot); }
    std::int32_t free_slot_count(std::uint32_t account) const {
        std::int32_t free = 0;
        for (std::uint32_t s = 0; s < limits_.positions_per_account; ++s) {
            free += slot_market_[slot(account, s)] == empty_slot ? 1 : 0;
        }
        return free;
    }

    PositionState position_state(AccountId account, std::uint32_t market) const {
        PositionState p;
        p.slot = find_slot(account.value, market);
        if (p.slot >= 0) {
            const std::size_t i = slot(account.value, static_cast<std::uint32_t>(p.slot));
            p.size = slot_size_[i];
            p.cost = slot_cost_[i];
            p.snapshot = slot_funding_[i];
        }
        return p;
    }

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
    Result<void> check_mark_fresh(const detail::MarketState& state) const { return detail::check_mark_fresh(state, now_ms_); }
    bool closable(const detail::MarketState& state) const { return detail::is_closable(state, now_ms_); }

    static std::int64_t clamp64(detail::int128 value) {
        if (value > std::numeric_limits<std::int64_t>::max()) return std::numeric_limits<std::int64_t>::max();
        if (value < std::numeric_limits<std::int64_t>::min()) return std::numeric_limits<std::int64_t>::min();
        return static_cast<std::int64_t>(value);
    }
    static bool fits64(detail::int128 value) {
        return value >= std::numeric_limits<std::int64_t>::min() && value <= std::numeric_limits<std::int64_t>::max();
    }

    Result<std::int64_t> trade_value(const detail::MarketState& state, std::int64_t size, std::int64_t price) const {
        const detail::int128 value = detail::floor_div(detail::int128(size) * price, state.notional_divisor);
        if (value > std::numeric_limits<std::int64_t>::max() / 8) {
            return make_error(ErrorCode::overflow, "trade value too large");
        }
        return static_cast<std::int64_t>(value);
    }

    // Adds one position's contribution to `m`: unrealised PnL at the mark (values round down),
    // funding owed, and requirements on the notional rounded up. `conservative`: a position in
    // a market a liquidation cannot close counts its losses but not its profits.
    void add_position(Metrics& m, const detail::MarketState& state, std::int64_t size, std::int64_t cost,
                      detail::int128 funding_owed, bool conservative = false) const {
        if (size == 0) return;
        const detail::int128 notional = detail::position_notional(state, size);
        detail::int128 pnl = detail::position_value(state, size) - cost - funding_owed;
        if (conservative && pnl > 0 && !closable(state)) pnl = 0;
        m.equity += pnl;
        m.initial += detail::initial_requirement(state, notional);
        m.maintenance += detail::maintenance_requirement(state, notional);
        m.notional += notional;
        m.has_positions = true;
        m.position_count += 1;
    }

    // Metrics of an account, with some positions replaced (overrides settle their funding: the
    // override's cost already includes it) and collateral changed by `collateral_change`.
    Metrics metrics(AccountId account, Span<const SlotOverride> overrides, detail::int128 collateral_change,
                    bool conservative = false) const {
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
            add_position(m, state, slot_size_[i], slot_cost_[i], detail::funding_owed(state, slot_size_[i], slot_funding_[i]),
                         conservative);
        }
        for (const SlotOverride& o : overrides) {
            if (o.market != empty_slot) add_position(m, markets_[o.market], o.size, o.cost, 0, conservative);
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
            // Settled positions (the common case) owe nothing; otherwise the difference is exact in
            // 128 bits (indices stay within +-2^62) and fits int64, then one rounding.
            // The 64-bit copies of the indices select without a branch (sides are mixed at random).
            const std::int64_t index = slot_size_[i] > 0 ? state.funding_index_long64 : state.funding_index_short64;
            const double funding = size * static_cast<double>(index - slot_funding_[i]) * state.funding_per_unit;
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

    // Plans a fill of signed size `delta` (buy > 0) worth signed `value` for `account`, whose
    // position in `market` is `position`, after settling its pending funding. Pure.
    Result<FillPlan> plan_fill_on(AccountId account, std::uint32_t market, const PositionState& position,
                                  std::int64_t delta, std::int64_t value) const {
        FillPlan plan;
        plan.account = account;
        plan.market = market;
        const detail::MarketState& state = markets_[market];
        plan.new_slot = position.slot < 0 && position.size == 0;
        if (plan.new_slot && free_slot(account.value) < 0) {
            return make_error(ErrorCode::position_slots_full, "no free position slot");
        }
        const std::int64_t size = position.size;
        const detail::int128 owed = detail::funding_owed(state, size, position.snapshot);
        const detail::int128 cost_settled = detail::int128(position.cost) + owed;
        if (!fits64(owed) || !fits64(cost_settled)) {
            return make_error(ErrorCode::overflow, "funding owed does not fit the position's cost");
        }
        plan.funding = static_cast<std::int64_t>(owed);
        const std::int64_t cost = static_cast<std::int64_t>(cost_settled);
        plan.size_before = size;
        Result<std::int64_t> size_after = checked_add(size, delta);
        if (!size_after) return size_after.error();
        plan.size_after = *size_after;
        const detail::int128 magnitude_after = detail::abs128(plan.size_after);
        const detail::int128 magnitude_before = detail::abs128(size);
        plan.reduces = magnitude_after <= magnitude_before && (plan.size_after == 0 || (plan.size_after > 0) == (size > 0));
        if (magnitude_after > state.config.position_max && magnitude_after > magnitude_before) {
            return make_error(ErrorCode::position_limit, "position limit");
        }
        // Split the fill into the part that closes the existing position and the part that opens.
        const bool closing = size != 0 && delta != 0 && ((size > 0) != (delta > 0));
        const detail::int128 delta_magnitude = detail::abs128(delta);
        const detail::int128 closed = closing ? std::min(delta_magnitude, magnitude_before) : 0;
        detail::int128 value_closed = 0;
        detail::int128 cost_removed = 0;
        if (closed > 0) {
            value_closed = detail::int128(value) * closed / delta_magnitude;  // toward zero
            cost_removed = detail::int128(cost) * closed / magnitude_before;  // toward zero
        }
        const detail::int128 realised = -value_closed - cost_removed;
        const detail::int128 cost_after = detail::int128(cost) - cost_removed + (value - value_closed);
        if (!fits64(realised) || !fits64(cost_after)) return make_error(ErrorCode::overflow, "fill value overflow");
        plan.realised = static_cast<std::int64_t>(realised);
        plan.cost_after = static_cast<std::int64_t>(cost_after);
        // A position closed in full leaves no cost, save what a fill with no size carries (none).
        BACKSTOP_ASSERT(plan.size_after != 0 || plan.cost_after == 0 || delta == 0, "a closed position keeps a cost");
        plan.collateral_change = plan.realised;
        return plan;
    }
    Result<FillPlan> plan_fill(AccountId account, MarketId market, std::int64_t delta, std::int64_t value) const {
        return plan_fill_on(account, market.value, position_state(account, market.value), delta, value);
    }
    // The state a planned fill leaves (its funding settled).
    static PositionState after(const FillPlan& fill, const detail::MarketState& state, int slot_index) {
        PositionState p;
        p.slot = fill.size_after == 0 ? -1 : slot_index;
        p.size = fill.size_after;
        p.cost = fill.cost_after;
        p.snapshot = detail::funding_index_for(state, fill.size_after);
        return p;
    }

    // Initial margin after the fill, unless it only reduces; and collateral for realised losses.
    Result<void> check_fill_margin(const FillPlan& plan) const {
        const Money collateral = ledger_.balance_of(Place::collateral(plan.account));
        if (plan.collateral_change < 0 && collateral.atoms() < -plan.collateral_change) {
            return make_error(ErrorCode::insufficient_collateral, "realised loss exceeds collateral");
        }
        if (plan.reduces) return {};
        // Equity backs new risk only at fresh marks: every market the account holds must have one.
        for (std::uint32_t s = 0; s < limits_.positions_per_account; ++s) {
            const std::uint16_t held = slot_market_[slot(plan.account.value, s)];
            if (held == empty_slot || held == plan.market) continue;
            if (Result<void> ok = check_mark_fresh(markets_[held]); !ok) return ok;
        }
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
        int s = find_slot(plan.account.value, plan.market);
        if (s < 0) {
            s = free_slot(plan.account.value);
            BACKSTOP_ASSERT(s >= 0, "planned fill has no slot");
        }
        const std::size_t i = slot(plan.account.value, static_cast<std::uint32_t>(s));
        slot_market_[i] = static_cast<std::uint16_t>(plan.market);
        // Funding owed moves from the position's PnL (its cost) to the funding pool.
        move(Place::pnl_pool(), Place::funding_pool(), plan.funding, TransferReason::funding_payment, log);
        move(Place::pnl_pool(), Place::collateral(plan.account), plan.collateral_change, TransferReason::realised_pnl, log);
        slot_size_[i] = plan.size_after;
        slot_cost_[i] = plan.cost_after;
        // An index stays within +-2^62 (funding_index_max): its snapshot fits 64 bits, which keeps
        // the scan's bytes per slot at 26.
        slot_funding_[i] = static_cast<std::int64_t>(detail::funding_index_for(state, plan.size_after));
        if (plan.size_after == 0) {
            slot_market_[i] = empty_slot;
            slot_funding_[i] = 0;
        }
        return PositionChange{plan.account, MarketId{plan.market}, plan.size_before, plan.size_after};
    }

    // ---- liquidation planning ---------------------------------------------------------------

    // The signed value (paid, + for a buy) of the fill by which an account holding `size` closes
    // `close` (signed like its position) at the mark against the liquidator, who holds `taker`.
    // Each side's equity changes by the difference of its position's values (rounded down) and
    // the value: the liquidator's rounding never gains and the closing account's never loses,
    // so a close at the mark costs the closing account nothing and pays the liquidator nothing
    // (at most an atom goes the closing account's way).
    static std::int64_t close_value(const detail::MarketState& state, std::int64_t size, std::int64_t close,
                                    std::int64_t taker) {
        const detail::int128 own = detail::position_value(state, size - close) - detail::position_value(state, size);
        const detail::int128 liquidator = detail::position_value(state, taker) - detail::position_value(state, taker + close);
        return static_cast<std::int64_t>(std::min(own, liquidator));
    }

    // What closing `closes` (per slot, signed like each position, at the mark) does to the account.
    CloseEffect evaluate_closes(AccountId account, AccountId liquidator, const Closes& closes) const {
        CloseEffect effect;
        effect.collateral = ledger_.balance_of(Place::collateral(account)).atoms();
        detail::int128 pnl = 0;
        for (std::uint32_t s = 0; s < limits_.positions_per_account; ++s) {
            const std::size_t i = slot(account.value, s);
            if (slot_market_[i] == empty_slot) continue;
            const detail::MarketState& state = markets_[slot_market_[i]];
            const std::int64_t size = slot_size_[i];
            const detail::int128 owed = detail::funding_owed(state, size, slot_funding_[i]);
            const std::int64_t close = closes[s];
            if (close == 0) {
                detail::int128 position_pnl = detail::position_value(state, size) - slot_cost_[i] - owed;
                if (position_pnl > 0 && !closable(state)) position_pnl = 0;
                pnl += position_pnl;
                effect.target += detail::target_requirement(state, detail::position_notional(state, size));
                effect.positions_left = true;
                continue;
            }
            const std::int64_t left = size - close;
            const detail::int128 cost = detail::int128(slot_cost_[i]) + owed;
            if (!fits64(owed) || !fits64(cost)) {
                effect.unrepresentable = true;
                continue;
            }
            const detail::int128 cost_removed = cost * detail::abs128(close) / detail::abs128(size);  // toward zero
            const std::int64_t taker = position_state(liquidator, slot_market_[i]).size;
            const std::int64_t value = close_value(state, size, close, taker);
            effect.values[s] = value;
            effect.collateral += -value - cost_removed;
            pnl += detail::position_value(state, left) - (cost - cost_removed);
            const detail::int128 notional = detail::closed_notional(state, close);
            effect.notional += notional;
            effect.penalty += detail::ceil_div(notional * state.config.liquidation_penalty.count(), Ppm::denominator);
            effect.discount += detail::floor_div(notional * state.config.liquidator_discount.count(), Ppm::denominator);
            if (left != 0) {
                effect.target += detail::target_requirement(state, detail::position_notional(state, left));
                effect.positions_left = true;
            }
        }
        effect.equity = effect.collateral + pnl;
        return effect;
    }

    // The partial close of slot `s` (on top of `closes`) that restores the target with the fewest
    // lots: an estimate from the linear condition, then confirmed exactly and walked to the lot.
    // Returns 0 when no close that leaves at least a lot restores it.
    std::int64_t partial_close_of(AccountId account, AccountId liquidator, Closes closes, std::uint32_t s) const {
        const std::size_t i = slot(account.value, s);
        const detail::MarketState& state = markets_[slot_market_[i]];
        const std::int64_t size = slot_size_[i];
        const std::int64_t magnitude = size < 0 ? -size : size;
        const std::int64_t lot = state.config.lot_size;
        const std::int64_t lots = magnitude / lot;
        if (lots <= 1) return 0;
        auto restores = [&](std::int64_t close_lots) {
            closes[s] = size > 0 ? close_lots * lot : -close_lots * lot;
            return evaluate_closes(account, liquidator, closes).restores();
        };
        // Relief per lot closed: the target it frees less the penalty and discount it costs.
        const double relief_ppm = static_cast<double>(detail::target_rate_ppm(state, detail::position_notional(state, size)) -
                                                      state.config.liquidation_penalty.count() -
                                                      state.config.liquidator_discount.count());
        if (relief_ppm <= 0) return 0;
        const double relief_per_lot = relief_ppm / Ppm::denominator * static_cast<double>(lot) *
                                      static_cast<double>(state.mark) / static_cast<double>(state.notional_divisor);
        closes[s] = 0;
        const CloseEffect base = evaluate_closes(account, liquidator, closes);
        auto lots_for = [&](const CloseEffect& e) {
            const double gap = static_cast<double>(e.target + e.penalty + e.discount - e.equity);
            return std::max(1.0, std::ceil(gap / relief_per_lot));
        };
        double estimate = lots_for(base);
        for (int round = 0; round < 24 && estimate < static_cast<double>(lots); ++round) {
            std::int64_t close_lots = static_cast<std::int64_t>(estimate);
            closes[s] = size > 0 ? close_lots * lot : -close_lots * lot;
            const CloseEffect effect = evaluate_closes(account, liquidator, closes);
            if (effect.restores()) {
                // The smallest: walk down while a lot less still restores (rounding is not monotone).
                for (int step = 0; step < 64 && close_lots > 1 && restores(close_lots - 1); ++step) --close_lots;
                return size > 0 ? close_lots * lot : -close_lots * lot;
            }
            // Short of cash rather than of equity: closing more of this position will not help.
            if (effect.equity - effect.penalty - effect.discount >= effect.target) return 0;
            estimate += lots_for(effect);
        }
        return 0;
    }

    // Which positions a liquidation closes and how much: everything a liquidation can close when
    // it is full; otherwise, the positions that restore the target with the least penalty per unit
    // of relief, each in full but the last, the last to the lot.
    Closes choose_closes(AccountId account, AccountId liquidator, const Metrics& before, bool& full) const {
        Closes closes{};
        std::array<std::uint32_t, positions_per_account_max> order{};
        std::size_t count = 0;
        for (std::uint32_t s = 0; s < limits_.positions_per_account; ++s) {
            const std::size_t i = slot(account.value, s);
            if (slot_market_[i] == empty_slot) continue;
            const detail::MarketState& state = markets_[slot_market_[i]];
            if (!closable(state)) continue;
            order[count++] = s;
            const Ppm threshold = state.config.full_liquidation_below;
            if (before.equity * Ppm::denominator < before.maintenance * threshold.count()) full = true;
        }
        if (before.equity <= 0) full = true;
        if (!full) {
            // Least penalty per unit of relief first; ties in slot order (stable).
            auto relief_of = [&](std::uint32_t s) {
                const std::size_t i = slot(account.value, s);
                const detail::MarketState& state = markets_[slot_market_[i]];
                return detail::target_rate_ppm(state, detail::position_notional(state, slot_size_[i])) -
                       state.config.liquidation_penalty.count() - state.config.liquidator_discount.count();
            };
            auto penalty_of = [&](std::uint32_t s) {
                return markets_[slot_market_[slot(account.value, s)]].config.liquidation_penalty.count();
            };
            // Insertion sort: stable, and std::stable_sort would allocate a buffer.
            auto before_in_order = [&](std::uint32_t a, std::uint32_t b) {
                const std::int64_t ra = relief_of(a);
                const std::int64_t rb = relief_of(b);
                if ((ra > 0) != (rb > 0)) return ra > 0;
                if (ra <= 0) return false;
                return detail::int128(penalty_of(a)) * rb < detail::int128(penalty_of(b)) * ra;
            };
            for (std::size_t k = 1; k < count; ++k) {
                for (std::size_t j = k; j > 0 && before_in_order(order[j], order[j - 1]); --j) std::swap(order[j], order[j - 1]);
            }
            for (std::size_t k = 0; k < count; ++k) {
                const std::uint32_t s = order[k];
                const std::int64_t part = partial_close_of(account, liquidator, closes, s);
                if (part != 0) {
                    closes[s] = part;
                    return closes;
                }
                closes[s] = slot_size_[slot(account.value, s)];
                if (evaluate_closes(account, liquidator, closes).restores()) return closes;
            }
            full = true;
        }
        for (std::size_t k = 0; k < count; ++k) closes[order[k]] = slot_size_[slot(account.value, order[k])];
        return closes;
    }

    using TransferCheck = detail::TransferCheck<LedgerType>;

    static void check_fill(TransferCheck& check, const FillPlan& fill) {
        check.apply(Place::pnl_pool(), Place::funding_pool(), fill.funding);
        check.apply(Place::pnl_pool(), Place::collateral(fill.account), fill.collateral_change);
    }

    // Every fill of `fills` whose realised PnL is a gain, then every loss: a collateral never
    // dips below zero on the way (the plan only guarantees the net).
    template <class Visit>
    static void gains_then_losses(const std::array<FillPlan, positions_per_account_max>& fills, std::size_t count,
                                  Visit visit) {
        for (const bool gains : {true, false}) {
            for (std::size_t k = 0; k < count; ++k) {
                if ((fills[k].collateral_change >= 0) == gains) visit(fills[k]);
            }
        }
    }

    Result<LiquidationPlan> plan_liquidation(AccountId account, AccountId liquidator, const Metrics& before) const {
        LiquidationPlan plan;
        bool full = false;
        plan.closes = choose_closes(account, liquidator, before, full);
        plan.effect = evaluate_closes(account, liquidator, plan.closes);
        if (plan.effect.unrepresentable) {
            return make_error(ErrorCode::overflow, "a position's funding debt does not fit the ledger's int64");
        }
        plan.full = !plan.effect.positions_left;

        // The fills: the defaulter closes at the mark, the liquidator takes the other side.
        detail::int128 defaulting_notional = -1;
        for (std::uint32_t s = 0; s < limits_.positions_per_account; ++s) {
            const std::int64_t close = plan.closes[s];
            if (close == 0) continue;
            const std::size_t i = slot(account.value, s);
            const std::uint32_t market = slot_market_[i];
            const detail::MarketState& state = markets_[market];
            const std::int64_t value = plan.effect.values[s];  // as evaluated
            Result<FillPlan> defaulter = plan_fill_on(account, market, position_state(account, market), -close, value);
            if (!defaulter) return defaulter.error();
            Result<FillPlan> taker = plan_fill(liquidator, MarketId{market}, close, -value);
            if (!taker) return taker.error();
            plan.defaulter_fills[plan.fill_count] = *defaulter;
            plan.liquidator_fills[plan.fill_count] = *taker;
            ++plan.fill_count;
            // The defaulting market (its bearers take a socialized loss) is where the most
            // notional closes: sizes in different markets count different atoms.
            const detail::int128 notional = detail::closed_notional(state, close);
            if (notional > defaulting_notional) {
                defaulting_notional = notional;
                plan.defaulting_market = MarketId{market};
                plan.defaulting_size = close < 0 ? -close : close;
                plan.defaulting_side = close > 0 ? 1 : -1;
            }
        }
        BACKSTOP_ASSERT(plan.fill_count > 0, "a liquidation plan closes nothing");

        // The waterfall. 1. The collateral pays the realised losses; what it cannot pay is the
        // deficit, and the loss transfers are cut to what the collateral and the gains hold.
        if (plan.effect.collateral < 0) {
            plan.deficit = -plan.effect.collateral;
            detail::int128 shortfall = plan.deficit;
            for (std::size_t k = 0; k < plan.fill_count && shortfall > 0; ++k) {
                FillPlan& fill = plan.defaulter_fills[k];
                if (fill.collateral_change >= 0) continue;
                const detail::int128 relief = std::min<detail::int128>(-detail::int128(fill.collateral_change), shortfall);
                fill.collateral_change = static_cast<std::int64_t>(fill.collateral_change + relief);
                shortfall -= relief;
            }
        } else {
            // 2.-3. The discount, then the penalty, from what equity and cash leave: the penalty is
            // forgone first, then the discount, before anything reaches the fund.
            const detail::int128 available = std::max<detail::int128>(std::min(plan.effect.equity, plan.effect.collateral), 0);
            plan.discount = static_cast<std::int64_t>(std::min(plan.effect.discount, available));
            plan.penalty = static_cast<std::int64_t>(std::min(plan.effect.penalty, available - plan.discount));
        }
        if (plan.penalty > 0) {
            plan.split = fund().fee_capture().split(Money(plan.penalty), fund().state(ledger_));
            BACKSTOP_ASSERT(plan.split.total() == Money(plan.penalty), "fee capture split does not add up to the penalty");
        }
        // 4. The fund pays what its settlement policy allows (a deficit beyond int64 is uncovered).
        plan.deficit_settled = static_cast<std::int64_t>(
            std::min<detail::int128>(plan.deficit, std::numeric_limits<std::int64_t>::max()));
        if (plan.deficit_settled > 0) {
            Result<Money> paid = fund().plan_settle(ledger_, Money(plan.deficit_settled),
                                                    SettleContext{Place::pnl_pool(), plan.defaulting_market});
            plan.fund_paid = paid ? paid->atoms() : 0;  // a fund that cannot pay leaves it to the next layer
            plan.remainder = plan.deficit_settled - plan.fund_paid;
        }
        // 5. The socialized-loss policy; what it cannot cover stays uncovered.
        if (plan.remainder > 0) plan_socialization(plan, account, liquidator);

        if (Result<void> ok = check_liquidator(plan, liquidator); !ok) return ok.error();
        if (!transfers_fit(plan, account, liquidator)) {
            return make_error(ErrorCode::overflow, "the liquidation would overflow a balance");
        }
        return plan;
    }

    // The liquidator needs free slots, and its initial requirement after taking over; its cash is
    // checked with every other balance by transfers_fit.
    Result<void> check_liquidator(const LiquidationPlan& plan, AccountId liquidator) const {
        std::array<SlotOverride, positions_per_account_max> taken{};
        std::int32_t new_slots = 0;
        detail::int128 cash = plan.discount + plan.split.to_liquidator.atoms();
        for (std::size_t k = 0; k < plan.fill_count; ++k) {
            const FillPlan& fill = plan.liquidator_fills[k];
            FillPlan final_fill = fill;
            if (plan.has_adl_fill && plan.adl_liquidator_fill.market == fill.market) {
                final_fill.size_after = plan.adl_liquidator_fill.size_after;
                final_fill.cost_after = plan.adl_liquidator_fill.cost_after;
                cash += plan.adl_liquidator_fill.collateral_change;
            }
            taken[k] = SlotOverride{fill.market, final_fill.size_after, final_fill.cost_after};
            cash += fill.collateral_change;
            if (fill.new_slot && fill.size_after != 0) ++new_slots;
        }
        if (new_slots > free_slot_count(liquidator.value)) {
            return make_error(ErrorCode::position_slots_full, "liquidator has no free slot");
        }
        // Its cash pays the losses its fills realise (gains are credited first), before its reward.
        detail::int128 running = ledger_.balance_of(Place::collateral(liquidator)).atoms();
        for (std::size_t k = 0; k < plan.fill_count; ++k) running += plan.liquidator_fills[k].collateral_change;
        const detail::int128 after_takeover = running;
        if (plan.has_adl_fill) running += plan.adl_liquidator_fill.collateral_change;
        if (after_takeover < 0 || running < 0) {
            return make_error(ErrorCode::insufficient_collateral, "liquidator cannot pay the loss its takeover realises");
        }
        // Its positions in halted or stale markets count their losses, not their profits.
        const Metrics after =
            metrics(liquidator, Span<const SlotOverride>(taken.data(), plan.fill_count), cash, /*conservative*/ true);
        if (after.has_positions && after.equity < after.initial) {
            return make_error(ErrorCode::insufficient_margin, "liquidator lacks initial margin for the takeover");
        }
        return {};
    }

    // Replays the plan's transfers in commit order on copies of the balances.
    bool transfers_fit(const LiquidationPlan& plan, AccountId account, AccountId liquidator) const {
        TransferCheck check(ledger_);
        gains_then_losses(plan.defaulter_fills, plan.fill_count, [&](const FillPlan& f) { check_fill(check, f); });
        gains_then_losses(plan.liquidator_fills, plan.fill_count, [&](const FillPlan& f) { check_fill(check, f); });
        for (std::size_t k = 0; k < plan.bearer_fill_count; ++k) {
            check_fill(check, bearer_fills_[k]);
            check.apply(Place::collateral(bearer_fills_[k].account), Place::pnl_pool(), bearer_charges_[k]);
            check.release(Place::collateral(bearer_fills_[k].account));
        }
        if (plan.has_adl_fill) check_fill(check, plan.adl_liquidator_fill);
        const Place source = Place::collateral(account);
        check.apply(source, Place::collateral(liquidator), plan.discount);
        check.apply(source, Place::collateral(liquidator), plan.split.to_liquidator.atoms());
        check.apply(source, fund().place(), plan.split.to_fund.atoms());
        check.apply(source, Place::treasury(), plan.split.to_treasury.atoms());
        check.apply(source, Place::dust(), plan.split.to_dust.atoms());
        check.apply(fund().place(), Place::pnl_pool(), plan.fund_paid);
        if (plan.kind == SocializationKind::charges_collateral) {
            for (std::size_t k = 0; k < plan.allocation_count; ++k) {
                const Allocation<Asset>& allocation = allocation_scratch_[k];
                check.apply(allocation.source, Place::pnl_pool(), allocation.amount.atoms());
                if (allocation.source.kind() == PlaceKind::collateral) check.release(allocation.source);
            }
        }
        if (plan.kind == SocializationKind::funding_index) {
            check.apply(Place::funding_pool(), Place::pnl_pool(), plan.covered);
        }
        return check.ok();
    }

    // Positions in the defaulting market that can bear the remainder, in account order, never the
    // defaulter's: the opposite side for ADL and charges (not the liquidator), every position for
    // funding (the liquidator's as it will be). A bearer's capacity is its profit there, and no
    // more than its account's equity above maintenance, so that bearing it leaves it healthy.
    std::size_t collect_bearers(const LiquidationPlan& plan, AccountId account, AccountId liquidator) const {
        std::size_t count = 0;
        const std::uint32_t market = plan.defaulting_market.value;
        const detail::MarketState& state = markets_[market];
        const bool funding = plan.kind == SocializationKind::funding_index;
        const std::uint32_t accounts = ledger_.account_count();
        for (std::uint32_t a = 0; a < accounts; ++a) {
            if (a == account.value) continue;
            PositionState position;
            if (a == liquidator.value) {
                if (!funding) continue;
                for (std::size_t k = 0; k < plan.fill_count; ++k) {
                    const FillPlan& fill = plan.liquidator_fills[k];
                    if (fill.market == market) position = after(fill, state, 0);
                }
            } else {
                position = position_state(AccountId{a}, market);
            }
            if (position.size == 0) continue;
            const bool long_side = position.size > 0;
            if (!funding && long_side == (plan.defaulting_side > 0)) continue;
            LossBearer<Asset>& bearer = bearers_[count++];
            const Money collateral = ledger_.balance_of(Place::collateral(AccountId{a}));
            const detail::int128 value = detail::position_value(state, position.size);
            const detail::int128 pnl = value - position.cost - detail::funding_owed(state, position.size, position.snapshot);
            bearer.account = AccountId{a};
            bearer.side = long_side ? Side::long_side : Side::short_side;
            bearer.size_atoms = position.size < 0 ? -position.size : position.size;
            bearer.position_value = Money(clamp64(detail::abs128(value)));
            bearer.entry_value = Money(clamp64(detail::abs128(position.cost)));
            bearer.maintenance =
                Money(clamp64(detail::maintenance_requirement(state, detail::position_notional(state, position.size))));
            if (funding) {
                bearer.unrealised_pnl = Money(clamp64(pnl));
                bearer.collateral = collateral;
                continue;
            }
            const Metrics m = metrics(AccountId{a}, {}, 0, /*conservative*/ true);
            const detail::int128 headroom = std::max<detail::int128>(m.equity - m.maintenance, 0);
            const detail::int128 capacity = std::min(std::max<detail::int128>(pnl, 0), headroom);
            bearer.unrealised_pnl = Money(clamp64(capacity));
            // ADL pays from the profit its close realises; a charge comes from collateral.
            bearer.collateral = plan.kind == SocializationKind::auto_deleveraging
                                    ? Money(clamp64(collateral.atoms() + capacity))
                                    : Money(clamp64(std::min<detail::int128>(collateral.atoms(), headroom)));
        }
        return count;
    }

    // Plans the socialized-loss step. Never refuses: a policy that cannot plan leaves the
    // remainder uncovered (and says why in the report).
    void plan_socialization(LiquidationPlan& plan, AccountId account, AccountId liquidator) const {
        plan.kind = socialization_kind_of(fund().socialized_loss());
        const std::size_t bearer_count = collect_bearers(plan, account, liquidator);
        const Span<const LossBearer<Asset>> bearers(bearers_.data(), bearer_count);
        const detail::MarketState& state = markets_[plan.defaulting_market.value];
        if (plan.kind == SocializationKind::funding_index) {
            // The engine moves its own indices, in its own precision: what the policy would
            // compute in its units (which may not fit) is not needed.
            plan_funding_socialization(plan, bearers, state);
            return;
        }
        SocializeContext context{Place::pnl_pool(), plan.defaulting_market};
        context.defaulter_size_atoms = plan.defaulting_size;
        context.commit_transfers = false;
        context.event_seed = StableHash().add(account.value).add(static_cast<std::uint64_t>(now_ms_)).value();
        Result<SocializePlan<Asset>> planned = fund().socialized_loss().plan(
            Money(plan.remainder), bearers, Span<Allocation<Asset>>(allocation_scratch_), context, ledger_);
        if (!planned) {
            plan.socialization_failed = true;
            plan.socialization_error = planned.error().code;
            return;
        }
        plan.allocation_count = planned->allocation_count;
        if (plan.kind == SocializationKind::auto_deleveraging) {
            plan_deleveraging(plan, liquidator, state);
        } else {
            detail::int128 covered = 0;
            std::size_t kept = 0;
            for (std::size_t k = 0; k < plan.allocation_count; ++k) {
                Allocation<Asset> allocation = allocation_scratch_[k];
                const detail::int128 room = std::max<detail::int128>(ledger_.balance_of(allocation.source).atoms(), 0);
                allocation.amount = Money(static_cast<std::int64_t>(
                    std::min<detail::int128>({allocation.amount.atoms(), room, plan.remainder - covered})));
                if (!allocation.amount.is_positive()) continue;
                covered += allocation.amount.atoms();
                allocation_scratch_[kept++] = allocation;
            }
            plan.allocation_count = kept;
            plan.covered = static_cast<std::int64_t>(covered);
        }
    }

    // Every position pays the same per unit at its next settlement: both indices move by
    // ceil(remainder x funding_divisor / total size), so the charges add up to at least the
    // remainder. Beyond funding_index_max it covers nothing (the remainder is uncovered).
    void plan_funding_socialization(LiquidationPlan& plan, Span<const LossBearer<Asset>> bearers,
                                    const detail::MarketState& state) const {
        detail::int128 total = 0;
        for (const LossBearer<Asset>& bearer : bearers) total += bearer.size_atoms;
        plan.allocation_count = 0;
        if (total == 0) return;
        const Int256 delta_wide = (Int256(plan.remainder) * Int256(state.funding_divisor) + Int256(total) - 1) / Int256(total);
        if (delta_wide > Int256(funding_index_max)) return;
        const detail::int128 delta = static_cast<detail::int128>(static_cast<std::int64_t>(delta_wide));
        if (detail::abs128(state.funding_index_long + delta) > funding_index_max ||
            detail::abs128(state.funding_index_short - delta) > funding_index_max) {
            return;
        }
        plan.funding_delta = delta;
        plan.covered = plan.remainder;
        for (std::uint32_t k = 0; k < bearers.size(); ++k) {
            const detail::int128 charge = detail::ceil_div(detail::int128(bearers[k].size_atoms) * delta, state.funding_divisor);
            if (charge <= 0) continue;
            allocation_scratch_[plan.allocation_count++] =
                Allocation<Asset>{k, bearers[k].account, Place::collateral(bearers[k].account), Money(clamp64(charge)), 0,
                                  LossLayer::funding};
        }
    }

    // Auto-deleveraging: each chosen bearer closes its quantity against the liquidator at the mark
    // and pays its charge, which together is closing at the defaulter's bankruptcy price. The
    // charge is cut to the cash the close leaves and to the account's equity above maintenance
    // after the close, exactly: a bearer is never overdrawn nor made liquidatable.
    void plan_deleveraging(LiquidationPlan& plan, AccountId liquidator, const detail::MarketState& state) const {
        const std::uint32_t market = plan.defaulting_market.value;
        // The liquidator's position after its takeover: the bearers close against it in turn.
        std::int64_t taker = position_state(liquidator, market).size;
        for (std::size_t k = 0; k < plan.fill_count; ++k) {
            if (plan.liquidator_fills[k].market == market) taker = plan.liquidator_fills[k].size_after;
        }
        std::int64_t liquidator_delta = 0;
        detail::int128 liquidator_value = 0;
        detail::int128 covered = 0;
        std::size_t kept = 0;
        for (std::size_t k = 0; k < plan.allocation_count; ++k) {
            Allocation<Asset> allocation = allocation_scratch_[k];
            if (allocation.quantity_atoms <= 0) continue;
            const PositionState position = position_state(allocation.account, market);
            const std::int64_t magnitude = position.size < 0 ? -position.size : position.size;
            const std::int64_t quantity = std::min(allocation.quantity_atoms, magnitude);
            if (quantity <= 0) continue;
            const std::int64_t close = position.size > 0 ? quantity : -quantity;
            const std::int64_t value = close_value(state, position.size, close, taker);
            Result<FillPlan> fill = plan_fill_on(allocation.account, market, position, -close, value);
            if (!fill) continue;
            taker += close;
            const SlotOverride o{market, fill->size_after, fill->cost_after};
            const Metrics m = metrics(allocation.account, Span<const SlotOverride>(&o, 1), fill->collateral_change, true);
            const detail::int128 cash = detail::int128(ledger_.balance_of(Place::collateral(allocation.account)).atoms()) +
                                        fill->collateral_change;
            const detail::int128 charge = std::max<detail::int128>(
                0, std::min<detail::int128>({allocation.amount.atoms(), cash, m.equity - m.maintenance, plan.remainder - covered}));
            bearer_fills_[plan.bearer_fill_count] = *fill;
            bearer_charges_[plan.bearer_fill_count] = static_cast<std::int64_t>(charge);
            ++plan.bearer_fill_count;
            liquidator_delta += close;
            liquidator_value -= value;
            covered += charge;
            allocation.quantity_atoms = quantity;
            allocation.amount = Money(static_cast<std::int64_t>(charge));
            if (charge > 0) allocation_scratch_[kept++] = allocation;
        }
        plan.allocation_count = kept;
        plan.covered = static_cast<std::int64_t>(covered);
        if (plan.bearer_fill_count == 0) return;
        // The liquidator's side, net, on top of its takeover in that market.
        for (std::size_t k = 0; k < plan.fill_count; ++k) {
            const FillPlan& takeover = plan.liquidator_fills[k];
            if (takeover.market != market) continue;
            const PositionState taken = after(takeover, state, takeover.new_slot ? -1 : find_slot(liquidator.value, market));
            Result<FillPlan> net = plan_fill_on(liquidator, market, taken, liquidator_delta,
                                                static_cast<std::int64_t>(liquidator_value));
            if (net) {
                plan.adl_liquidator_fill = *net;
                plan.adl_liquidator_fill.new_slot = false;
                plan.adl_liquidator_fill.size_before = takeover.size_before;
                plan.has_adl_fill = true;
                return;
            }
        }
        // Cannot happen (the bearers close at most what the liquidator took over); if it did,
        // nobody is deleveraged and the remainder stays uncovered.
        plan.bearer_fill_count = 0;
        plan.allocation_count = 0;
        plan.covered = 0;
    }

    // Commits a plan: the same transfers, in the same order, as transfers_fit checked.
    void commit_liquidation(const LiquidationPlan& plan, AccountId account, AccountId liquidator,
                            LiquidationReport<Asset>& report) {
        gains_then_losses(plan.defaulter_fills, plan.fill_count, [&](const FillPlan& fill) {
            report.closed[report.closed_count++] = commit_fill(fill, report.transfers);
        });
        gains_then_losses(plan.liquidator_fills, plan.fill_count,
                          [&](const FillPlan& fill) { (void)commit_fill(fill, report.transfers); });
        for (std::size_t k = 0; k < plan.fill_count; ++k) {
            markets_[plan.defaulter_fills[k].market].open_interest +=
                plan.defaulter_fills[k].open_interest_change_long() + plan.liquidator_fills[k].open_interest_change_long();
        }
        detail::MarketState& state = markets_[plan.defaulting_market.value];
        for (std::size_t k = 0; k < plan.bearer_fill_count; ++k) {
            const FillPlan& fill = bearer_fills_[k];
            (void)commit_fill(fill, report.transfers);
            state.open_interest += fill.open_interest_change_long();
            move(Place::collateral(fill.account), Place::pnl_pool(), bearer_charges_[k], TransferReason::auto_deleveraging,
                 report.transfers);
        }
        if (plan.has_adl_fill) {
            // Its open-interest change counts from after the takeover (already counted).
            const FillPlan& fill = plan.adl_liquidator_fill;
            std::int64_t taken_size = 0;
            for (std::size_t k = 0; k < plan.fill_count; ++k) {
                if (plan.liquidator_fills[k].market == fill.market) taken_size = plan.liquidator_fills[k].size_after;
            }
            (void)commit_fill(fill, report.transfers);
            state.open_interest += std::max<std::int64_t>(fill.size_after, 0) - std::max<std::int64_t>(taken_size, 0);
        }
        move(Place::collateral(account), Place::collateral(liquidator), plan.discount, TransferReason::liquidator_discount,
             report.transfers);
        if (plan.penalty > 0) {
            const CaptureContext capture{Place::collateral(account), Place::collateral(liquidator), plan.defaulting_market};
            const CaptureReport<Asset> captured = fund().commit_capture(ledger_, plan.split, capture);
            const PenaltySplit<Asset>& split = captured.split;
            log_if_positive(report.transfers, capture.source, capture.liquidator, split.to_liquidator,
                            TransferReason::penalty_to_liquidator);
            log_if_positive(report.transfers, capture.source, fund().place(), split.to_fund, TransferReason::penalty_to_fund);
            log_if_positive(report.transfers, capture.source, Place::treasury(), split.to_treasury,
                            TransferReason::penalty_to_treasury);
            log_if_positive(report.transfers, capture.source, Place::dust(), split.to_dust, TransferReason::rounding_residue);
        }
        if (plan.deficit_settled > 0) {
            const SettlementReport<Asset> settled =
                fund().commit_settle(ledger_, Money(plan.deficit_settled), Money(plan.fund_paid),
                                     SettleContext{Place::pnl_pool(), plan.defaulting_market});
            log_if_positive(report.transfers, fund().place(), Place::pnl_pool(), settled.paid, TransferReason::bad_debt_payment);
        }
        if (plan.kind == SocializationKind::charges_collateral) {
            for (std::size_t k = 0; k < plan.allocation_count; ++k) {
                const Allocation<Asset>& allocation = allocation_scratch_[k];
                move(allocation.source, Place::pnl_pool(), allocation.amount.atoms(), transfer_reason_of(allocation.layer),
                     report.transfers);
            }
        }
        if (plan.kind == SocializationKind::funding_index && plan.covered > 0) {
            // The positions owe `covered` through the indices; the funding pool advances it now.
            move(Place::funding_pool(), Place::pnl_pool(), plan.covered, TransferReason::socialized_loss, report.transfers);
            state.set_funding_indices(state.funding_index_long + plan.funding_delta,
                                      state.funding_index_short - plan.funding_delta);
        }
        if (plan.remainder > 0) {
            SocializePlan<Asset> social;
            social.covered = Money(plan.covered);
            social.allocation_count = plan.allocation_count;
            social.funding_delta_per_unit = clamp64(plan.funding_delta);
            SocializeContext context{Place::pnl_pool(), plan.defaulting_market};
            context.commit_transfers = false;
            (void)fund().commit_socialize(ledger_, Money(plan.remainder),
                                          Span<const Allocation<Asset>>(allocation_scratch_.data(), plan.allocation_count),
                                          social, context);
        }
        uncovered_total_ += (plan.deficit - plan.deficit_settled) + (plan.remainder - plan.covered);
    }

    EngineLimits limits_;
    LedgerType ledger_;
    std::optional<Fund> fund_;
    std::vector<detail::MarketState> markets_;
    std::vector<std::uint16_t> slot_market_;
    std::vector<std::int64_t> slot_size_;
    std::vector<std::int64_t> slot_cost_;
    std::vector<std::int64_t> slot_funding_;  // the index at the last settlement (|x| <= 2^62)
    // Planning scratch, sized once: a plan is a pure function of the state, these only hold it.
    mutable std::vector<LossBearer<Asset>> bearers_;
    mutable std::vector<FillPlan> bearer_fills_;
    mutable std::vector<std::int64_t> bearer_charges_;
    mutable std::vector<Allocation<Asset>> allocation_scratch_;
    std::int64_t now_ms_ = std::numeric_limits<std::int64_t>::min();
    detail::int128 uncovered_total_ = 0;
    CommandJournal commands_;
    JournalSeal command_seal_{};
};

}  // namespace backstop
