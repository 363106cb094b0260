// One market's configuration (margin tiers, liquidation parameters, tick, lot, limits, fees) as
// JSON and back: the scenario's first market and every market beyond it are written and read the
// same way. Fractions are written as fractions, tick and lot in atoms.
#pragma once

#include "backstop/engine/market.hpp"
#include "backstop/risk/report/json_fields.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace backstop {
namespace risk {

inline nlohmann::json market_config_json(const MarketConfig& config) {
    nlohmann::json market;
    nlohmann::json tiers = nlohmann::json::array();
    for (std::size_t i = 0; i < config.tier_count; ++i) {
        const MarginTier& tier = config.tiers[i];
        tiers.push_back({{"notional_max_atoms", tier.notional_max},
                         {"initial_margin", tier.initial.to_double()},
                         {"maintenance_margin", tier.maintenance.to_double()}});
    }
    market["tiers"] = tiers;
    market["liquidation_penalty"] = config.liquidation_penalty.to_double();
    market["liquidator_discount"] = config.liquidator_discount.to_double();
    market["full_liquidation_below"] = config.full_liquidation_below.to_double();
    market["liquidation_buffer"] = config.liquidation_buffer.to_double();
    market["tick_size"] = config.tick_size;
    market["lot_size"] = config.lot_size;
    market["position_max"] = config.position_max;
    market["open_interest_max"] = config.open_interest_max;
    market["staleness_max_ms"] = config.staleness_max_ms;
    // Fees and the draw cap: written only when set, so that older files and outputs stay as they were.
    const MarketConfig plain{};
    if (config.taker_fee != plain.taker_fee) market["taker_fee"] = config.taker_fee.to_double();
    if (config.maker_fee != plain.maker_fee) market["maker_fee"] = config.maker_fee.to_double();
    if (config.fee_to_fund != plain.fee_to_fund) market["fee_to_fund"] = config.fee_to_fund.to_double();
    if (config.shared_fund_draw_max != plain.shared_fund_draw_max) market["shared_fund_draw_max"] = config.shared_fund_draw_max;
    return market;
}

namespace detail {

// Reads `object` over `config`; `written` is what the writer writes for a market (its known keys).
inline void read_market_config(const nlohmann::json& object, const std::string& where, const nlohmann::json& written,
                               MarketConfig& config, std::string& error) {
    JsonFields fields(object, where, error);
    if (const nlohmann::json* tiers = fields.find("tiers")) {
        if (!tiers->is_array() || tiers->empty() || tiers->size() > margin_tiers_max) {
            fields.fail(where + ".tiers: expected 1 to 4 tiers");
        } else {
            config.tier_count = static_cast<std::uint8_t>(tiers->size());
            for (std::size_t i = 0; i < tiers->size(); ++i) {
                MarginTier& tier = config.tiers[i];
                JsonFields t((*tiers)[i], where + ".tiers[" + std::to_string(i) + "]", error);
                t.integer("notional_max_atoms", tier.notional_max, std::int64_t{1});
                t.fraction_ppm("initial_margin", tier.initial);
                t.fraction_ppm("maintenance_margin", tier.maintenance);
                t.only_known(written["tiers"][0]);
            }
        }
    }
    fields.fraction_ppm("liquidation_penalty", config.liquidation_penalty);
    fields.fraction_ppm("liquidator_discount", config.liquidator_discount);
    fields.fraction_ppm("full_liquidation_below", config.full_liquidation_below);
    fields.fraction_ppm("liquidation_buffer", config.liquidation_buffer);
    fields.integer("tick_size", config.tick_size, std::int64_t{1});
    fields.integer("lot_size", config.lot_size, std::int64_t{1});
    fields.integer("position_max", config.position_max, std::int64_t{1});
    fields.integer("open_interest_max", config.open_interest_max, std::int64_t{1});
    fields.integer("staleness_max_ms", config.staleness_max_ms, std::int64_t{0});
    fields.fraction_ppm("taker_fee", config.taker_fee);
    fields.fraction_ppm("maker_fee", config.maker_fee);
    fields.fraction_ppm("fee_to_fund", config.fee_to_fund);
    fields.integer("shared_fund_draw_max", config.shared_fund_draw_max, std::int64_t{0});
    nlohmann::json known_market = written;
    for (const char* key : {"taker_fee", "maker_fee", "fee_to_fund", "shared_fund_draw_max"}) known_market[key] = nullptr;
    fields.only_known(known_market);
    if (error.empty()) {
        if (Result<void> valid = validate_market_config(config); !valid) {
            error = where + ": " + std::string(valid.error().detail);
        }
    }
}

}  // namespace detail
}  // namespace risk
}  // namespace backstop
