// A market's engine state from its configuration and its assets' decimals (validated), and the
// checks a new mark must pass. Used by MarginEngine::add_market and set_mark, and by replay.
#pragma once

#include "backstop/core/checked_arith.hpp"
#include "backstop/core/config.hpp"
#include "backstop/core/hash.hpp"
#include "backstop/core/result.hpp"
#include "backstop/engine/margin_math.hpp"
#include "backstop/engine/market.hpp"
#include "backstop/engine/position_book.hpp"
#include "backstop/money/asset.hpp"
#include "backstop/money/price.hpp"
#include "backstop/money/rate.hpp"

#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>
#include <vector>

namespace backstop {
namespace detail {

// `config` with one parameter changed, validated as a whole (a penalty within [0, 100%], ...).
inline Result<MarketConfig> config_with(MarketConfig config, MarketParameter parameter, std::int64_t value) {
    switch (parameter) {
        case MarketParameter::status:
            if (value != static_cast<std::int64_t>(MarketStatus::active) &&
                value != static_cast<std::int64_t>(MarketStatus::reduce_only) &&
                value != static_cast<std::int64_t>(MarketStatus::halted)) {
                return make_error(ErrorCode::invalid_argument, "unknown market status");
            }
            config.status = static_cast<MarketStatus>(value);
            return config;
        case MarketParameter::liquidation_penalty: config.liquidation_penalty = Ppm{value}; break;
        case MarketParameter::taker_fee: config.taker_fee = Ppm{value}; break;
        case MarketParameter::maker_fee: config.maker_fee = Ppm{value}; break;
        case MarketParameter::fee_to_fund: config.fee_to_fund = Ppm{value}; break;
        case MarketParameter::shared_fund_draw_max: config.shared_fund_draw_max = value; break;
        // Tier 0's fractions: the whole config is validated below, so 0 < maintenance <= initial
        // <= 100% and the tiers above still do not fall below tier 0.
        case MarketParameter::initial_margin: config.tiers[0].initial = Ppm{value}; break;
        case MarketParameter::maintenance_margin: config.tiers[0].maintenance = Ppm{value}; break;
        default: return make_error(ErrorCode::invalid_argument, "unknown market parameter");
    }
    if (Result<void> ok = validate_market_config(config); !ok) return ok.error();
    return config;
}

// The parameters config_with changes, into an engine's digest.
inline void hash_changeable_parameters(StableHash& hash, const MarketConfig& config) {
    hash.add(static_cast<std::uint64_t>(config.status)).add_signed(config.liquidation_penalty.count());
    hash.add_signed(config.taker_fee.count()).add_signed(config.maker_fee.count()).add_signed(config.fee_to_fund.count());
    hash.add_signed(config.shared_fund_draw_max);
    hash.add_signed(config.tiers[0].initial.count()).add_signed(config.tiers[0].maintenance.count());
}

// The engine's digest: its ledger's, time, the uncovered total, every market's state and the
// positions.
inline std::uint64_t engine_digest(std::uint64_t ledger_digest, std::int64_t now_ms, int128 uncovered_total,
                                   const std::vector<MarketState>& markets, const PositionBook& book) {
    auto add_wide = [](StableHash& hash, int128 value) {
        const auto bits = static_cast<uint128>(value);
        hash.add(static_cast<std::uint64_t>(bits)).add(static_cast<std::uint64_t>(bits >> 64));
    };
    StableHash hash(ledger_digest);
    hash.add_signed(now_ms);
    add_wide(hash, uncovered_total);
    for (const MarketState& m : markets) {
        hash.add_signed(m.mark).add_signed(m.mark_time_ms).add(m.has_mark ? 1u : 0u);
        add_wide(hash, m.funding_index_long);
        add_wide(hash, m.funding_index_short);
        hash.add_signed(m.open_interest).add(m.isolated_fund);
        add_wide(hash, m.shared_fund_drawn);
        hash_changeable_parameters(hash, m.config);
        if (m.is_option()) {  // (so that a digest of an engine without options is unchanged)
            std::uint64_t volatility_bits = 0;
            static_assert(sizeof volatility_bits == sizeof m.option_volatility, "a double is 64 bits");
            std::memcpy(&volatility_bits, &m.option_volatility, sizeof volatility_bits);
            hash.add(volatility_bits).add(m.option_expired ? 1u : 0u);
        }
    }
    book.hash_into(hash);
    return hash.value();
}

// A typed call's base asset against the market's (its symbol, decimals and price scale).
template <class Base, class Quote>
Result<void> check_base_asset(const MarketState& state) {
    if (state.base_symbol != AssetTraits<Base>::symbol || state.base_decimals != AssetTraits<Base>::decimals ||
        state.price_decimals != PriceScale<Base, Quote>::decimals) {
        return make_error(ErrorCode::market_asset_mismatch, "the market trades another base asset");
    }
    return {};
}

// Sets a market's configuration (a validated one) with what the engine derives from it: the
// tiers' cumulative offsets and the fast pass's maintenance fraction, which a change of tier 0's
// fractions would otherwise leave stale.
inline void apply_market_config(MarketState& market, const MarketConfig& config) {
    market.config = config;
    compute_tier_offsets(market);
    market.maintenance_fraction = static_cast<double>(config.tiers[0].maintenance.count()) / Ppm::denominator;
    market.exact_only = config.tier_count != 1 || config.option.is_option;
    market.refresh_scan_bands();
}

inline Result<MarketState> make_market_state(const MarketConfig& config, std::string_view symbol, int base_decimals,
                                             int price_decimals, int quote_decimals) {
    if (Result<void> ok = validate_market_config(config); !ok) return ok.error();
    // The decimals may come from a replayed command: each in [0, 18] before any sum of them.
    for (const int decimals : {base_decimals, price_decimals, quote_decimals}) {
        if (decimals < 0 || decimals > 18) return make_error(ErrorCode::invalid_market_config, "decimals must be in [0, 18]");
    }
    const int exponent = base_decimals + price_decimals - quote_decimals;
    if (exponent < 0 || exponent > 18) {
        return make_error(ErrorCode::invalid_market_config, "base decimals + price decimals - quote decimals must be in [0, 18]");
    }
    // Funding indices are in quote units per whole base unit x 10^9 (funding_precision).
    const int funding_exponent = base_decimals + 9 - quote_decimals;
    if (funding_exponent < 0 || funding_exponent > 36) {
        return make_error(ErrorCode::invalid_market_config,
                          "base decimals + 9 - quote decimals must be in [0, 36] (funding precision)");
    }
    MarketState market;
    market.base_symbol = symbol;
    market.base_decimals = base_decimals;
    market.price_decimals = price_decimals;
    market.notional_divisor = pow10<std::int64_t>(exponent);
    market.notional_division = InvariantDivisor(static_cast<std::uint64_t>(market.notional_divisor));
    market.funding_divisor = 1;
    for (int i = 0; i < funding_exponent; ++i) market.funding_divisor *= 10;
    market.funding_per_unit = 1.0 / static_cast<double>(market.funding_divisor);
    apply_market_config(market, config);
    return market;
}

// A mark must be positive, and a maximal position's value must fit comfortably in int64 at it
// (int64 max / 8: the bound every 128-bit sum of the margin arithmetic relies on).
inline bool maximal_position_value_fits(const MarketState& state, std::int64_t raw_price) {
    const int128 value_max = int128(state.config.position_max) * raw_price / state.notional_divisor;
    return value_max <= std::numeric_limits<std::int64_t>::max() / 8;
}
inline Result<void> check_mark_in_range(const MarketState& state, std::int64_t raw_price) {
    if (raw_price <= 0) return make_error(ErrorCode::price_not_positive, "a mark must be positive");
    if (!maximal_position_value_fits(state, raw_price)) {
        return make_error(ErrorCode::price_out_of_range, "mark too large for the position limit");
    }
    return {};
}

// Sets a mark that passed check_mark_in_range, observed at `at_ms`.
inline void apply_mark(MarketState& state, std::int64_t raw_price, std::int64_t at_ms) {
    state.mark = raw_price;
    state.has_mark = true;
    state.mark_per_atom = static_cast<double>(raw_price) / static_cast<double>(state.notional_divisor);
    state.mark_time_ms = at_ms;
    state.refresh_scan_bands();
}

}  // namespace detail
}  // namespace backstop
