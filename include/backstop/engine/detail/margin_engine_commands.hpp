// MarginEngine's typed commands' bodies (add_market, set_mark, trade: the members named
// *_untyped), defined after the class and not inline. Included at the end of margin_engine.hpp;
// including this first works as well (it includes the class, which includes it back once).
#pragma once

#include "backstop/engine/margin_engine.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

namespace backstop {

// The typed members' bodies (add_market, set_mark, trade), defined after the class and not
// inline: a translation unit that declares its engine `extern template` (README, "Compile the
// engine once") then calls them rather than compiling them, with the market set-up and the option
// helpers they reach. GCC compiles an extern template's in-class members again wherever it may
// inline them, and the member templates that call these are instantiated in every such unit:
// 0.85 s of the README's extern program at -O2 (docs/benchmarks.md, Compile time).
template <class Fund, class Journal, class CommandJournal>
Result<MarketId> MarginEngine<Fund, Journal, CommandJournal>::add_market_untyped(const MarketConfig& config,
                                                                                 std::string_view symbol,
                                                                                 int base_decimals, int price_decimals,
                                                                                 std::uint64_t hash_of_symbol) {
    Result<detail::MarketState> market =
        detail::make_market_state(config, symbol, base_decimals, price_decimals, AssetTraits<Asset>::decimals);
    if (!market) return market.error();
    if (markets_.size() >= limits_.markets_max) {
        return make_error(ErrorCode::capacity_exceeded, "engine is full of markets");
    }
    if (Result<void> ok = detail::check_option_series(markets_, *market); !ok) return ok.error();
    std::optional<PortfolioMargin> model = detail::make_option_model(config.option_margin);
    if (market->lists_options() && !model) return make_error(ErrorCode::invalid_market_config, "option margin terms");
    markets_.push_back(*market);  // within reserved capacity
    option_models_.push_back(std::move(model));
    const auto id = static_cast<std::uint32_t>(markets_.size() - 1);
    if constexpr (CommandJournal::enabled) {
        EngineCommand command = make_engine_command(EngineCommandKind::add_market, id, 0, 0, 0, 0);
        command.config = config;
        command.base_decimals = base_decimals;
        command.price_decimals = price_decimals;
        command.base_symbol_hash = symbol.empty() ? hash_of_symbol : symbol_hash(symbol);
        record(command);
    }
    return MarketId{id};
}

template <class Fund, class Journal, class CommandJournal>
Result<void> MarginEngine<Fund, Journal, CommandJournal>::set_mark_untyped(MarketId market, std::int64_t raw_price,
                                                                           Timestamp at) {
    if (Result<void> ok = check_market(market); !ok) return ok;
    if (at.ms < now_ms_) return make_error(ErrorCode::time_backwards, "mark older than the engine's time");
    detail::MarketState& state = markets_[market.value];
    if (state.is_option()) return make_error(ErrorCode::invalid_argument, "an option's mark follows its underlying's");
    if (Result<void> ok = detail::check_mark_in_range(state, raw_price); !ok) return ok;
    if (state.lists_options()) {  // its series' marks, planned whole before anything changes
        if (Result<void> ok = detail::plan_option_marks(markets_, market.value, raw_price, at.ms, option_marks_); !ok) return ok;
        detail::apply_option_marks(markets_, option_marks_, at.ms);
    }
    detail::apply_mark(state, raw_price, at.ms);
    now_ms_ = at.ms;
    record_command(EngineCommandKind::set_mark, market.value, 0, 0, raw_price, at.ms);
    return {};
}

template <class Fund, class Journal, class CommandJournal>
auto MarginEngine<Fund, Journal, CommandJournal>::trade_untyped(MarketId market, AccountId buyer, AccountId seller,
                                                                std::int64_t size_atoms, std::int64_t raw_price,
                                                                Taker taker) -> Result<TradeReport<Asset>> {
    if (Result<void> ok = check_market(market); !ok) return ok.error();
    if (Result<void> ok = check_account(buyer); !ok) return ok.error();
    if (Result<void> ok = check_account(seller); !ok) return ok.error();
    Result<detail::TradePlan> plan =
        detail::plan_trade(view(), fund().place(), market.value, buyer, seller, size_atoms, raw_price, taker);
    if (!plan) return plan.error();
    // ---- commit: cannot fail ----
    // The report is built where it is returned (one named Result, returned from a lambda whose
    // only return it is), not copied into it.
    return [&] {
        Result<TradeReport<Asset>> report(std::in_place);
        detail::commit_trade(ledger_, book_, markets_, fund(), *plan, *report);
        refresh_scan_key(buyer);
        refresh_scan_key(seller);
        if constexpr (CommandJournal::enabled) {
            EngineCommand command =
                make_engine_command(EngineCommandKind::trade, market.value, buyer.value, seller.value, size_atoms, raw_price);
            command.taker = taker;
            record(command);
        }
        return report;
    }();
}

}  // namespace backstop
