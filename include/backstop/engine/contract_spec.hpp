// ContractSpec<Base, Quote>: a market's contract specification in the units of its assets. The
// tick is a price, the lot and the limits are base quantities, the tier bounds are quote amounts,
// the fractions are Ppm; MarginEngine::add_market(spec) takes it, so a size cannot be passed where
// a price belongs. It holds the unit-free MarketConfig the engine keeps (a preset gives one:
// ContractSpec<BTC, USDC>(presets::dydx_v4::large_cap()).tick(...)).
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/engine/market.hpp"
#include "backstop/money/amount.hpp"
#include "backstop/money/price.hpp"
#include "backstop/money/quantity.hpp"
#include "backstop/money/rate.hpp"

#include <cstddef>
#include <cstdint>
#include <initializer_list>

namespace backstop {

template <class Base, class Quote>
class ContractSpec {
public:
    using PriceType = Price<Base, Quote>;
    using QuantityType = Quantity<Base>;
    using Money = Amount<Quote>;
    struct MarginTierSpec {
        Money notional_max;
        Ppm initial;
        Ppm maintenance;
    };

    explicit ContractSpec(MarketConfig config = MarketConfig{}) : config_(config) {}

    ContractSpec& tick(PriceType tick_size) { config_.tick_size = tick_size.raw(); return *this; }
    ContractSpec& lot(QuantityType lot_size) { config_.lot_size = lot_size.atoms(); return *this; }
    ContractSpec& position_max(QuantityType size) { config_.position_max = size.atoms(); return *this; }
    ContractSpec& open_interest_max(QuantityType size) { config_.open_interest_max = size.atoms(); return *this; }
    ContractSpec& staleness_max_ms(std::int64_t ms) { config_.staleness_max_ms = ms; return *this; }
    ContractSpec& penalty(Ppm fraction) { config_.liquidation_penalty = fraction; return *this; }
    ContractSpec& liquidator_discount(Ppm fraction) { config_.liquidator_discount = fraction; return *this; }
    // The margin tiers, replaced: tier k applies to positions of notional up to `notional_max`
    // (the last one to any larger size too). Fewer than 1 or more than margin_tiers_max tiers, and bounds
    // or fractions out of order, are refused by add_market (invalid_market_config).
    ContractSpec& tiers(std::initializer_list<MarginTierSpec> list) {
        config_.tier_count = static_cast<std::uint8_t>(list.size() > margin_tiers_max ? margin_tiers_max + 1 : list.size());
        std::size_t k = 0;
        for (const MarginTierSpec& t : list) {
            if (k == margin_tiers_max) break;
            config_.tiers[k++] = MarginTier{t.notional_max.atoms(), t.initial, t.maintenance};
        }
        return *this;
    }

    PriceType tick() const { return PriceType::from_raw(config_.tick_size); }
    QuantityType lot() const { return QuantityType(config_.lot_size); }
    QuantityType position_max() const { return QuantityType(config_.position_max); }
    QuantityType open_interest_max() const { return QuantityType(config_.open_interest_max); }
    Result<Money> tier_notional_max(std::size_t k) const {
        if (k >= config_.tier_count || k >= margin_tiers_max) return make_error(ErrorCode::invalid_argument, "no such tier");
        return Money(config_.tiers[k].notional_max);
    }
    const MarketConfig& config() const { return config_; }
    MarketConfig& config() { return config_; }

private:
    MarketConfig config_;
};

}  // namespace backstop
