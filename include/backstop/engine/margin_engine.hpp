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
// Every operation validates and plans without touching state, then commits; a refused one returns
// a typed Error and changes nothing (digest() is unchanged). A liquidation is planned whole from
// const state, checked transfer by transfer, then committed by operations that cannot fail; its
// loss waterfall (docs/engine.md) never refuses and never aborts.
//
// This header is the orchestrator: it validates, calls the planners and commits (the parts:
// docs/engine.md, "Where the code is").
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/checked_arith.hpp"
#include "backstop/core/config.hpp"
#include "backstop/core/hash.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/core/int128.hpp"
#include "backstop/engine/account_metrics.hpp"
#include "backstop/engine/contract_spec.hpp"
#include "backstop/engine/engine_journal.hpp"
#include "backstop/engine/engine_reports.hpp"
#include "backstop/engine/engine_view.hpp"
#include "backstop/engine/fills.hpp"
#include "backstop/engine/liquidation_commit.hpp"
#include "backstop/engine/liquidation_plan.hpp"
#include "backstop/engine/liquidation_planner.hpp"
#include "backstop/engine/margin_math.hpp"
#include "backstop/engine/market.hpp"
#include "backstop/engine/market_setup.hpp"
#include "backstop/engine/option_markets.hpp"
#include "backstop/engine/option_settlement.hpp"
#include "backstop/engine/oracle_marks.hpp"
#include "backstop/engine/position_book.hpp"
#include "backstop/engine/scan_keys.hpp"
#include "backstop/engine/trade_planner.hpp"
#include "backstop/engine/transfer_check.hpp"
#include "backstop/fund/fund_types.hpp"
#include "backstop/fund/insurance_fund.hpp"
#include "backstop/fund/socialization_kind.hpp"
#include "backstop/ledger/ledger.hpp"
#include "backstop/money/amount.hpp"
#include "backstop/money/asset.hpp"
#include "backstop/money/price.hpp"
#include "backstop/money/quantity.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace backstop {

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

    // A market trading `Base` against the engine's asset: from a contract specification in the
    // assets' units, or a unit-free MarketConfig (a preset) with sizes in base atoms and prices in
    // the market's price units.
    template <class Base>
    Result<MarketId> add_market(const ContractSpec<Base, Asset>& spec) {
        return add_market<Base>(spec.config());
    }
    template <class Base>
    Result<MarketId> add_market(const MarketConfig& config) {
        return add_market_untyped(config, AssetTraits<Base>::symbol, AssetTraits<Base>::decimals,
                                  PriceScale<Base, Asset>::decimals);
    }

    Result<void> set_market_status(MarketId m, MarketStatus s) { return set_market_parameter(m, MarketParameter::status, static_cast<std::int64_t>(s)); }
    // From the next liquidation on: a dynamic penalty's update, a governance change.
    Result<void> set_liquidation_penalty(MarketId m, Ppm p) { return set_market_parameter(m, MarketParameter::liquidation_penalty, p.count()); }
    Result<void> set_market_parameter(MarketId market, MarketParameter parameter, std::int64_t value) {
        if (Result<void> ok = check_market(market); !ok) return ok;
        Result<MarketConfig> changed = detail::config_with(markets_[market.value].config, parameter, value);
        if (!changed) return changed.error();
        detail::apply_market_config(markets_[market.value], *changed);  // recomputes the tier offsets
        record_command(EngineCommandKind::set_market_parameter, market.value, 0, 0, value, static_cast<std::int64_t>(parameter));
        return {};
    }

    Result<AccountId> open_account() {
        Result<AccountId> id = ledger_.open_account();
        if (!id) return id;
        record_command(EngineCommandKind::open_account, 0, id->value);
        book_.add_account();
        return id;
    }

    // ---- collateral -----------------------------------------------------------------------

    Result<void> deposit(AccountId account, const Money& amount) {
        if (Result<void> ok = check_account(account); !ok) return ok;
        Result<void> moved = ledger_.transfer(Place::external(), Place::collateral(account), amount, TransferReason::deposit);
        if (!moved) return moved;
        refresh_scan_key(account);
        record_command(EngineCommandKind::deposit, 0, account.value, 0, amount.atoms());
        return {};
    }

    // Refused if it would leave the account below its initial requirement.
    Result<void> withdraw(AccountId account, const Money& amount) {
        if (Result<void> ok = check_account(account); !ok) return ok;
        if (Result<void> ok = ledger_.check_transfer(Place::collateral(account), Place::external(), amount); !ok) return ok;
        // With positions, the margin check needs fresh marks: a stale one blocks the withdrawal.
        if (Result<void> ok = view().check_marks_fresh(account); !ok) return ok;
        const detail::Metrics after = detail::account_metrics(view(), account, {}, -static_cast<detail::int128>(amount.atoms()));
        if (after.has_positions && after.equity < after.initial) {
            return make_error(ErrorCode::insufficient_margin, "withdrawal would breach initial margin");
        }
        ledger_.commit(Place::collateral(account), Place::external(), amount, TransferReason::withdrawal);
        refresh_scan_key(account);
        record_command(EngineCommandKind::withdraw, 0, account.value, 0, amount.atoms());
        return {};
    }

    Result<void> fund_deposit(const Money& amount) {
        Result<void> moved = fund().deposit(ledger_, Place::external(), amount);
        if (moved) record_command(EngineCommandKind::fund_deposit, 0, 0, 0, amount.atoms());
        return moved;
    }
    // Capital out of the insurance fund (a staker's claim, governance): at most its balance.
    Result<void> fund_withdraw(const Money& amount) {
        Result<void> moved = fund().withdraw(ledger_, Place::external(), amount);
        if (moved) record_command(EngineCommandKind::fund_withdraw, 0, 0, 0, amount.atoms());
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
        for (const detail::MarketState& m : markets_) {
            if (m.isolated_fund == id.value) return make_error(ErrorCode::invalid_argument, "use isolated_fund_deposit");
        }
        Result<void> moved = ledger_.transfer(Place::external(), Place::fund(id), amount, TransferReason::fund_deposit);
        if (moved) record_command(EngineCommandKind::auxiliary_fund_deposit, 0, id.value, 0, amount.atoms());
        return moved;
    }

    // A market's own (isolated) insurance fund: its fee and penalty shares go there, and it pays
    // the market's bad debt before the shared fund, which pays within the market's
    // shared_fund_draw_max (dYdX's isolated markets, Drift's per-market caps). Once per market.
    Result<FundId> isolate_market(MarketId market) {
        if (Result<void> ok = check_market(market); !ok) return ok.error();
        if (markets_[market.value].isolated()) return make_error(ErrorCode::market_already_isolated, "market has its own fund");
        // Its positions must stand alone in their accounts (fills.hpp): isolated before anyone trades.
        if (markets_[market.value].open_interest != 0) return make_error(ErrorCode::isolated_market_conflict, "market has positions");
        Result<FundId> id = ledger_.open_fund();
        if (!id) return id;
        markets_[market.value].isolated_fund = id->value;
        record_command(EngineCommandKind::isolate_market, market.value, id->value);
        return id;
    }
    Result<void> isolated_fund_deposit(MarketId market, const Money& amount) {
        Result<Place> place = isolated_fund_place(market);
        if (!place) return place.error();
        Result<void> moved = ledger_.transfer(Place::external(), *place, amount, TransferReason::fund_deposit);
        if (moved) record_command(EngineCommandKind::isolated_fund_deposit, market.value, 0, 0, amount.atoms());
        return moved;
    }
    // A settled market (not active, no open interest) hands its fund's balance to the shared fund.
    Result<Money> sweep_isolated_fund(MarketId market) {
        Result<Place> place = isolated_fund_place(market);
        if (!place) return place.error();
        const detail::MarketState& state = markets_[market.value];
        if (state.config.status == MarketStatus::active || state.open_interest != 0) {
            return make_error(ErrorCode::market_not_settled, "only a settled market's fund is swept");
        }
        const Money balance = ledger_.balance_of(*place);
        if (Result<void> moved = fund().deposit(ledger_, *place, balance); !moved) return moved.error();
        record_command(EngineCommandKind::sweep_isolated_fund, market.value, 0, 0, balance.atoms());
        return balance;
    }
    Result<Place> isolated_fund_place(MarketId market) const {
        if (Result<void> ok = check_market(market); !ok) return ok.error();
        if (!markets_[market.value].isolated()) return make_error(ErrorCode::market_not_isolated, "market has no fund of its own");
        return Place::fund(FundId{markets_[market.value].isolated_fund});
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
    Result<void> update_funding(MarketId market, FundingDelta delta) {
        if (Result<void> ok = check_market(market); !ok) return ok;
        detail::MarketState& state = markets_[market.value];
        if (state.is_option()) return make_error(ErrorCode::invalid_argument, "an option series pays no funding");
        const detail::int128 longs = state.funding_index_long + delta.value();
        const detail::int128 shorts = state.funding_index_short + delta.value();
        if (detail::abs128(longs) > funding_index_max || detail::abs128(shorts) > funding_index_max) {
            return make_error(ErrorCode::overflow, "funding index beyond funding_index_max");
        }
        state.set_funding_indices(longs, shorts);
        record_command(EngineCommandKind::update_funding, market.value, 0, 0, delta.value());
        return {};
    }

    // A series' implied volatility (ppm of 1.00, [0.01%, 1000%]): its mark follows (option_markets.hpp).
    Result<void> set_option_volatility(MarketId market, Ppm volatility) {
        if (Result<void> ok = check_market(market); !ok) return ok;
        const Result<std::int64_t> mark = detail::plan_option_volatility(markets_, market.value, volatility, now_ms_);
        if (!mark) return mark.error();
        detail::MarketState& option = markets_[market.value];
        option.option_volatility = volatility.to_double();
        detail::apply_option_mark(option, *mark, markets_[option.config.option.underlying].mark_time_ms, now_ms_);
        record_command(EngineCommandKind::set_option_volatility, market.value, 0, 0, volatility.count());
        return {};
    }

    // Cash-settles an expired series at its payoff: every holder's position closes, gains paid from
    // the pnl_pool, losses into it, rounding residue to dust (option_settlement.hpp). Refused,
    // changing nothing, before the payoff is fixed or if a holder cannot pay (liquidate it first).
    Result<SeriesSettlementReport<Asset>> settle_expired_series(MarketId series) {
        if (Result<void> ok = check_market(series); !ok) return ok.error();
        const Result<detail::SeriesSettlementPlan> plan = detail::plan_series_settlement(view(), series.value, settlement_);
        if (!plan) return plan.error();
        record_command(EngineCommandKind::settle_expired_series, series.value, 0);
        auto report = detail::commit_series_settlement<LedgerType, Asset>(ledger_, book_, markets_[series.value], settlement_, *plan);
        detail::refresh_scan_keys(book_, view(), *plan, settlement_);
        return report;
    }

    // ---- trading ------------------------------------------------------------------------------

    // A fill of `size` between two accounts at `price` (the matching engine is outside). Funding
    // of both accounts is settled first; each side must meet its initial requirement afterwards
    // unless the fill only reduces its position.
    // `taker` pays the market's taker fee, the other side its maker fee (each of the fill's value,
    // rounded up; trade_planner.hpp); the fund's share goes to the market's fund.
    template <class Base>
    Result<TradeReport<Asset>> trade(MarketId market, AccountId buyer, AccountId seller,
                                     Quantity<Base> size, Price<Base, Asset> price, Taker taker = Taker::buyer) {
        if (Result<void> ok = check_market_base<Base>(market); !ok) return ok.error();
        return trade_untyped(market, buyer, seller, size.atoms(), price.raw(), taker);
    }

    // ---- replay -------------------------------------------------------------------------------

    // Applies one command of an engine journal (engine_journal.hpp: replay_commands verifies the
    // whole journal first). Markets added by replay take the recorded decimals untyped: the
    // replayed engine is for inspection and further replay.
    Result<void> apply_command(const EngineCommand& c) {
        switch (c.kind) {
            case EngineCommandKind::add_market:
                return replayed_id(add_market_untyped(c.config, {}, c.base_decimals, c.price_decimals, c.base_symbol_hash), c.market);
            case EngineCommandKind::set_market_parameter:
                return set_market_parameter(MarketId{c.market}, static_cast<MarketParameter>(c.value2), c.value);
            case EngineCommandKind::open_account: return replayed_id(open_account(), c.account);
            case EngineCommandKind::deposit: return deposit(AccountId{c.account}, Money(c.value));
            case EngineCommandKind::withdraw: return withdraw(AccountId{c.account}, Money(c.value));
            case EngineCommandKind::fund_deposit: return fund_deposit(Money(c.value));
            case EngineCommandKind::fund_withdraw: return fund_withdraw(Money(c.value));
            case EngineCommandKind::open_auxiliary_fund: return replayed_id(open_auxiliary_fund(), c.account);
            case EngineCommandKind::auxiliary_fund_deposit: return auxiliary_fund_deposit(FundId{c.account}, Money(c.value));
            case EngineCommandKind::set_mark: return set_mark_untyped(MarketId{c.market}, c.value, Timestamp{c.value2});
            case EngineCommandKind::advance_time: return advance_time(Timestamp{c.value});
            case EngineCommandKind::update_funding: return update_funding(MarketId{c.market}, FundingDelta(c.value));
            case EngineCommandKind::trade:
                return replayed(trade_untyped(MarketId{c.market}, AccountId{c.account}, AccountId{c.counterparty}, c.value, c.value2, c.taker));
            case EngineCommandKind::isolate_market: return replayed_id(isolate_market(MarketId{c.market}), c.account);
            case EngineCommandKind::isolated_fund_deposit: return isolated_fund_deposit(MarketId{c.market}, Money(c.value));
            case EngineCommandKind::sweep_isolated_fund: {
                const Result<Money> swept = sweep_isolated_fund(MarketId{c.market});
                if (swept && swept->atoms() != c.value) return make_error(ErrorCode::journal_corrupt, "a sweep moved another amount");
                return replayed(swept);
            }
            case EngineCommandKind::liquidate: return replayed(liquidate(AccountId{c.account}, AccountId{c.counterparty}, {}, Money(c.value)));
            case EngineCommandKind::set_option_volatility: return set_option_volatility(MarketId{c.market}, Ppm{c.value});
            case EngineCommandKind::settle_expired_series: return replayed(settle_expired_series(MarketId{c.market}));
        }
        return make_error(ErrorCode::journal_corrupt, "unknown engine command");
    }

    const CommandJournal& command_journal() const { return commands_; }
    CommandJournal& command_journal() { return commands_; }
    const JournalSeal& command_seal() const { return command_seal_; }

    // ---- margin ---------------------------------------------------------------------------------

    Result<AccountSummary<Asset>> summary(AccountId account) const {
        if (Result<void> ok = check_account(account); !ok) return ok.error();
        return detail::account_summary<Asset>(view(), account);
    }

    bool is_liquidatable(AccountId account) const {
        return check_account(account).has_value() && detail::is_below_maintenance_exact(view(), account.value);
    }

    // Every account below its maintenance requirement, in account order, written to `out`;
    // returns the filled prefix (if `out` is too small, the first out.size(): scan again after
    // liquidating them). No allocation.
    Span<AccountId> liquidatable_accounts(Span<AccountId> out) const {
        return out.first(detail::scan_below_maintenance(view(), ledger_.account_count(), out));
    }

    // ---- liquidation ----------------------------------------------------------------------------

    // Liquidates `account`: `liquidator` takes over what is closed, at the mark. Partial when
    // closing part of the account's positions restores the target (the initial requirement, or
    // with a buffer, maintenance + buffer x notional) after the penalty and the discount: the
    // positions with the least penalty per unit of relief first, the last one to the lot (with
    // live options: by risk reduction, liquidation_closes.hpp's choose_option_closes). Full
    // when equity is not positive, below the markets' full-liquidation fraction of maintenance,
    // or no partial close restores it. Positions in halted or stale markets cannot be closed,
    // count no profit, and do not block the others. A deficit goes down the waterfall: the fund,
    // then the socialized-loss policy, then uncovered; that part never refuses. Allocations are
    // copied to `allocations` (as many as fit; report.allocation_count says how many there were).
    // `fund_backing`: the fund's capital moved to the liquidator's collateral last, once the fund
    // has paid its part (the fund as backstop liquidator: management/fund_backstop.hpp).
    Result<LiquidationReport<Asset>> liquidate(AccountId account, AccountId liquidator, Span<Allocation<Asset>> allocations = {},
                                               const Money& fund_backing = Money(0)) {
        // Filled where the caller receives it (every path returns `result`): 1.1 KB not copied.
        Result<LiquidationReport<Asset>> result(std::in_place);
        const Result<detail::Metrics> before = plan_liquidation_of(account, liquidator, fund_backing.atoms());
        if (!before) {
            result = before.error();
            return result;
        }
        const LiquidationPlan& plan = scratch_.plan;
        // ---- commit: cannot fail ----
        LiquidationReport<Asset>& report = *result;
        report.account = account;
        report.liquidator = liquidator;
        report.full = plan.full;
        report.equity_before = Money(detail::clamp_int64(before->equity));
        detail::commit_liquidation(ledger_, book_, markets_, fund(), plan, scratch_, account, liquidator, report);
        detail::refresh_scan_keys(book_, view(), plan, scratch_, account, liquidator);
        uncovered_total_ += detail::uncovered_of(plan);
        record_command(EngineCommandKind::liquidate, 0, account.value, liquidator.value, fund_backing.atoms());
        detail::report_plan(plan, scratch_, allocations, report);
        // A full liquidation leaves no position, not even in a market that cannot close: its
        // equity is its collateral.
        report.equity_after = plan.full ? collateral(account)
                                        : Money(detail::clamp_int64(detail::account_metrics(view(), account, {}, 0).equity));
        return result;
    }

    // ---- inspection -----------------------------------------------------------------------------

    using PositionView = EnginePosition;

    // The account's position in a market trading `Base`, typed (size 0 when it has none):
    // market_asset_mismatch if the market trades another asset.
    template <class Base>
    Result<Position<Base, Asset>> position(AccountId account, MarketId market) const {
        if (Result<void> ok = check_market_base<Base>(market); !ok) return ok.error();
        if (Result<void> ok = check_account(account); !ok) return ok.error();
        const detail::PositionState p = book_.position(account, market.value);
        return Position<Base, Asset>{Quantity<Base>(p.size), Money(p.cost)};
    }
    template <class Base>
    Result<Price<Base, Asset>> mark(MarketId market) const {
        if (Result<void> ok = check_market_base<Base>(market); !ok) return ok.error();
        if (!markets_[market.value].has_mark) return make_error(ErrorCode::no_mark, "market has no mark yet");
        return Price<Base, Asset>::from_raw(markets_[market.value].mark);
    }
    template <class Base>
    Result<Quantity<Base>> open_interest(MarketId market) const {
        if (Result<void> ok = check_market_base<Base>(market); !ok) return ok.error();
        return Quantity<Base>(markets_[market.value].open_interest);
    }

    // The same in atoms and price units, for any market (a replayed engine's markets are untyped).
    PositionView position(AccountId account, MarketId market) const {
        if (!check_account(account)) return PositionView{market, 0, 0, 0};
        const detail::PositionState p = book_.position(account, market.value);
        return PositionView{market, p.size, p.cost, p.snapshot};
    }

    // Reads of an unknown account or market give zero (the typed reads above: a typed error).
    Money collateral(AccountId a) const { return check_account(a) ? ledger_.balance_of(Place::collateral(a)) : Money::zero(); }
    const LedgerType& ledger() const { return ledger_; }
    const Fund& fund() const { return *fund_; }
    Fund& fund() { return *fund_; }
    const EngineLimits& limits() const { return limits_; }
    std::uint32_t market_count() const { return static_cast<std::uint32_t>(markets_.size()); }
    Result<MarketConfig> market_config(MarketId market) const {
        if (Result<void> ok = check_market(market); !ok) return ok.error();
        return markets_[market.value].config;
    }
    std::int64_t mark(MarketId m) const { return check_market(m) ? markets_[m.value].mark : 0; }
    std::int64_t open_interest(MarketId m) const { return check_market(m) ? markets_[m.value].open_interest : 0; }
    // What the shared fund has paid for liquidations closing a position in `m` (its cap bounds it).
    detail::int128 shared_fund_drawn(MarketId m) const { return check_market(m) ? markets_[m.value].shared_fund_drawn : 0; }
    detail::int128 funding_index_long(MarketId m) const { return check_market(m) ? markets_[m.value].funding_index_long : 0; }
    detail::int128 funding_index_short(MarketId m) const { return check_market(m) ? markets_[m.value].funding_index_short : 0; }
    Timestamp now() const { return Timestamp{now_ms_}; }
    // What a plan reads (every planning function is a function of it); management's stress tests too.
    detail::EngineView<LedgerType> view() const { return {ledger_, markets_, book_, now_ms_, option_models_.data()}; }
    // Deficits nobody could bear, in total: pnl_pool + sum of costs = -uncovered_total. Wide: it
    // sums deficits that are each up to int64.
    Amount<Asset, Int128> uncovered_total() const { return Amount<Asset, Int128>(Int128(uncovered_total_)); }

    // A stable digest of the whole engine: ledger, positions, markets, time.
    std::uint64_t digest() const { return detail::engine_digest(ledger_.digest(), now_ms_, uncovered_total_, markets_, book_); }

private:
    using FillPlan = detail::FillPlan;
    using LiquidationPlan = detail::LiquidationPlan<Asset>;

    Result<MarketId> add_market_untyped(const MarketConfig& config, std::string_view symbol, int base_decimals,
                                        int price_decimals, std::uint64_t hash_of_symbol = 0);

    Result<void> set_mark_untyped(MarketId market, std::int64_t raw_price, Timestamp at);

    Result<TradeReport<Asset>> trade_untyped(MarketId market, AccountId buyer, AccountId seller, std::int64_t size_atoms,
                                             std::int64_t raw_price, Taker taker);

    MarginEngine(EngineLimits limits, Journal journal, CommandJournal commands)
        : limits_(limits),
          // The insurance fund, three auxiliary funds, an isolated fund per market.
          ledger_(LedgerLimits{limits.accounts_max, 4 + limits.markets_max, 1}, std::move(journal)),
          book_(limits.positions_per_account, limits.accounts_max),
          scratch_(limits.accounts_max),
          settlement_(limits.accounts_max),
          commands_(std::move(commands)) {
        markets_.reserve(limits.markets_max);
        option_models_.reserve(limits.markets_max);
        option_marks_.assign(limits.markets_max, -1);
    }

    // Validates liquidating `account` and plans it whole into scratch_.plan: its metrics before.
    Result<detail::Metrics> plan_liquidation_of(AccountId account, AccountId liquidator, std::int64_t backing) {
        if (Result<void> ok = check_account(account); !ok) return ok.error();
        if (Result<void> ok = check_account(liquidator); !ok) return ok.error();
        return detail::plan_liquidation_checked(view(), fund(), account, liquidator, scratch_, backing);
    }

    // The scan's key of an account whose collateral or positions an operation moved (scan_keys.hpp).
    void refresh_scan_key(AccountId account) { detail::refresh_scan_key(book_, view(), account); }

    // Records a command that succeeded (nothing, not even the chain, with a NullJournal).
    void record_command(EngineCommandKind kind, std::uint32_t market, std::uint32_t account,
                        std::uint32_t counterparty = 0, std::int64_t value = 0, std::int64_t value2 = 0) {
        if constexpr (CommandJournal::enabled) {
            EngineCommand command = make_engine_command(kind, market, account, counterparty, value, value2);
            record(command);
        } else {
            (void)kind, (void)market, (void)account, (void)counterparty, (void)value, (void)value2;
        }
    }
    void record(EngineCommand& command) { record_chained(commands_, command_seal_, command, &engine_command_chain); }

    Result<void> check_account(AccountId account) const {
        return account.value < ledger_.account_count() ? Result<void>{} : make_error(ErrorCode::unknown_account, "no such account");
    }
    Result<void> check_market(MarketId market) const {
        return market.value < markets_.size() ? Result<void>{} : make_error(ErrorCode::unknown_market, "no such market");
    }
    template <class Base>
    Result<void> check_market_base(MarketId market) const {
        if (Result<void> ok = check_market(market); !ok) return ok;
        return detail::check_base_asset<Base, Asset>(markets_[market.value]);
    }

    EngineLimits limits_;
    LedgerType ledger_;
    std::optional<Fund> fund_;
    std::vector<detail::MarketState> markets_;
    std::vector<std::optional<PortfolioMargin>> option_models_;  // per market: one that lists options
    std::vector<std::int64_t> option_marks_;  // a mark update's planned series marks (-1: unchanged)
    detail::PositionBook book_;
    detail::LiquidationScratch<Asset> scratch_;
    detail::SettlementScratch settlement_;  // a series settlement's plan
    std::int64_t now_ms_ = std::numeric_limits<std::int64_t>::min();
    detail::int128 uncovered_total_ = 0;
    CommandJournal commands_;
    JournalSeal command_seal_{};
};

}  // namespace backstop

// The typed commands' bodies (add_market_untyped, ...), defined after the class and not inline:
// why is in that header.
#include "backstop/engine/detail/margin_engine_commands.hpp"
