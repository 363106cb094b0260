// Governance targets for the management components (management/governance.hpp's duck-typed
// target: read, check, apply). Each governs the integer fields of a component's configuration:
// read copies the configuration and reads the field; check sets the field on a copy and validates
// the whole configuration as the component would; apply sets it through the component's own
// setter, which cannot fail after the check.
//
//   ConfigGovernanceTarget<Component, Config, N>   components[key.index], a table of N fields
//   hedge_policy_fields()      FundHedge's HedgePolicy: hedge_ratio, band, margin_ratio (Ppm)
//   fund_target_fields()       FundTarget's config: open_interest_fraction, shock (Ppm), cover
//   liquidity_floor_fields()   a LiquidityFloorConfig: quantile (Ppm), horizon_ms
//   yield_config_fields()      YieldStrategies' YieldConfig: rebalance_band (Bps)
//   StakingGovernanceTarget    FundStaking's StakingConfig: cooldown_ms, protocol_revenue_share,
//                              claims_per_day_max (Bps), revenue_vesting_ms; its setter syncs the
//                              pool at the caller's time, so check plans that sync too
//   FundGovernanceTarget       an InsuranceFund's own policies (GovernedTarget::fund): a FixedShares
//                              fee capture's shares, a CoverAboveFloor settlement's floor
//
// A governor holds parameters of several components: give each its own key.index range, or write
// a target that dispatches on the index (the tests' composite). Key.target is
// GovernedTarget::component for the components, GovernedTarget::fund for the fund.
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/fund/fee_capture/fixed_shares.hpp"
#include "backstop/fund/settlement/cover_above_floor.hpp"
#include "backstop/management/fund_hedge.hpp"
#include "backstop/management/fund_staking.hpp"
#include "backstop/management/fund_target.hpp"
#include "backstop/management/governance_journal.hpp"
#include "backstop/management/liquidity_floor.hpp"
#include "backstop/management/yield_strategies.hpp"
#include "backstop/money/rate.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace backstop {

template <class Config>
struct GovernedField {
    std::uint32_t parameter = 0;
    std::int64_t (*get)(const Config&) = nullptr;
    void (*set)(Config&, std::int64_t) = nullptr;
};

// Component: what the target changes; Read gives its Config, Write sets a validated one.
template <class Component, class Config, std::size_t N>
class ConfigGovernanceTarget {
public:
    using Read = Config (*)(const Component&);
    using Write = Result<void> (*)(Component&, const Config&);

    ConfigGovernanceTarget(Span<Component> components, const std::array<GovernedField<Config>, N>& fields, Read read,
                           Write write)
        : components_(components), fields_(fields), read_(read), write_(write) {}

    Result<std::int64_t> read(ParameterKey key) const {
        Config config{};
        Result<const GovernedField<Config>*> field = locate(key, config);
        if (!field) return field.error();
        return (*field)->get(config);
    }
    Result<void> check(ParameterKey key, std::int64_t value) const {
        Config config{};
        Result<const GovernedField<Config>*> field = locate(key, config);
        if (!field) return field.error();
        (*field)->set(config, value);
        return config.validate();
    }
    void apply(ParameterKey key, std::int64_t value) {
        Config config{};
        Result<const GovernedField<Config>*> field = locate(key, config);
        BACKSTOP_ASSERT(field.has_value(), "a checked parameter exists");
        (*field)->set(config, value);
        const Result<void> done = write_(components_[key.index], config);
        BACKSTOP_ASSERT(done.has_value(), "a checked configuration applies");
        (void)done;
    }

private:
    Result<const GovernedField<Config>*> locate(ParameterKey key, Config& config) const {
        if (key.target != GovernedTarget::component || key.index >= components_.size()) {
            return make_error(ErrorCode::unknown_parameter, "no such component");
        }
        for (const GovernedField<Config>& field : fields_) {
            if (field.parameter == key.parameter) {
                config = read_(components_[key.index]);
                return &field;
            }
        }
        return make_error(ErrorCode::unknown_parameter, "not a parameter of this component");
    }

    Span<Component> components_;
    std::array<GovernedField<Config>, N> fields_;
    Read read_;
    Write write_;
};

// ---- the components' field tables --------------------------------------------------------------

enum class HedgeParameter : std::uint32_t { hedge_ratio = 0, band = 1, margin_ratio = 2 };

inline std::array<GovernedField<HedgePolicy>, 3> hedge_policy_fields() {
    return {{{0, [](const HedgePolicy& c) { return c.hedge_ratio.count(); }, [](HedgePolicy& c, std::int64_t v) { c.hedge_ratio = Ppm{v}; }},
             {1, [](const HedgePolicy& c) { return c.band.count(); }, [](HedgePolicy& c, std::int64_t v) { c.band = Ppm{v}; }},
             {2, [](const HedgePolicy& c) { return c.margin_ratio.count(); },
              [](HedgePolicy& c, std::int64_t v) { c.margin_ratio = Ppm{v}; }}}};
}

// FundHedges, each its policy.
template <class Engine>
ConfigGovernanceTarget<FundHedge<Engine>, HedgePolicy, 3> hedge_governance_target(Span<FundHedge<Engine>> hedges) {
    return {hedges, hedge_policy_fields(), [](const FundHedge<Engine>& h) { return h.policy(); },
            [](FundHedge<Engine>& h, const HedgePolicy& p) { return h.set_policy(p); }};
}

enum class FundTargetParameter : std::uint32_t { open_interest_fraction = 0, shock = 1, cover = 2 };

inline std::array<GovernedField<FundTargetConfig>, 3> fund_target_fields() {
    return {{{0, [](const FundTargetConfig& c) { return c.open_interest_fraction.count(); },
              [](FundTargetConfig& c, std::int64_t v) { c.open_interest_fraction = Ppm{v}; }},
             {1, [](const FundTargetConfig& c) { return c.shock.count(); }, [](FundTargetConfig& c, std::int64_t v) { c.shock = Ppm{v}; }},
             // cover is unsigned: a value outside [0, 2^32) is clamped to one validate refuses.
             {2, [](const FundTargetConfig& c) { return static_cast<std::int64_t>(c.cover); },
              [](FundTargetConfig& c, std::int64_t v) {
                  c.cover = v < 0 || v > FundTargetConfig::cover_max ? FundTargetConfig::cover_max + 1 : static_cast<std::uint32_t>(v);
              }}}};
}

inline ConfigGovernanceTarget<FundTarget, FundTargetConfig, 3> fund_target_governance_target(Span<FundTarget> targets) {
    return {targets, fund_target_fields(), [](const FundTarget& t) { return t.config(); },
            [](FundTarget& t, const FundTargetConfig& c) { return t.set_config(c); }};
}

enum class LiquidityFloorParameter : std::uint32_t { quantile = 0, horizon_ms = 1 };

inline ConfigGovernanceTarget<LiquidityFloorConfig, LiquidityFloorConfig, 2> liquidity_floor_governance_target(
    Span<LiquidityFloorConfig> configs) {
    const std::array<GovernedField<LiquidityFloorConfig>, 2> fields{
        {{0, [](const LiquidityFloorConfig& c) { return c.quantile.count(); },
          [](LiquidityFloorConfig& c, std::int64_t v) { c.quantile = Ppm{v}; }},
         {1, [](const LiquidityFloorConfig& c) { return c.horizon_ms; }, [](LiquidityFloorConfig& c, std::int64_t v) { c.horizon_ms = v; }}}};
    return {configs, fields, [](const LiquidityFloorConfig& c) { return c; },
            [](LiquidityFloorConfig& c, const LiquidityFloorConfig& next) -> Result<void> {
                if (Result<void> ok = next.validate(); !ok) return ok;
                c = next;
                return {};
            }};
}

template <class Asset>
ConfigGovernanceTarget<YieldStrategies<Asset>, YieldConfig, 1> yield_governance_target(Span<YieldStrategies<Asset>> yields) {
    const std::array<GovernedField<YieldConfig>, 1> fields{
        {{0, [](const YieldConfig& c) { return c.rebalance_band.count(); }, [](YieldConfig& c, std::int64_t v) { c.rebalance_band = Bps{v}; }}}};
    return {yields, fields, [](const YieldStrategies<Asset>& y) { return y.config(); },
            [](YieldStrategies<Asset>& y, const YieldConfig& c) { return y.set_config(c); }};
}

// ---- staking: its setter syncs the pool at the caller's time ------------------------------------

enum class StakingParameter : std::uint32_t {
    cooldown_ms = 0,
    protocol_revenue_share = 1,
    claims_per_day_max = 2,
    revenue_vesting_ms = 3,
};

// One FundStaking on `ledger`; set_now before each governor call that may apply (execute,
// emergency) to the time passed to it.
template <class Asset, class Ledger>
class StakingGovernanceTarget {
public:
    StakingGovernanceTarget(FundStaking<Asset>& staking, const Ledger& ledger) : staking_(&staking), ledger_(&ledger) {}
    void set_now(std::int64_t now_ms) { now_ms_ = now_ms; }

    Result<std::int64_t> read(ParameterKey key) const {
        if (key.target != GovernedTarget::component || key.index != 0) {
            return make_error(ErrorCode::unknown_parameter, "no such staking pool");
        }
        const StakingConfig& c = staking_->config();
        switch (static_cast<StakingParameter>(key.parameter)) {
            case StakingParameter::cooldown_ms: return c.cooldown_ms;
            case StakingParameter::protocol_revenue_share: return c.protocol_revenue_share.count();
            case StakingParameter::claims_per_day_max: return c.claims_per_day_max.count();
            case StakingParameter::revenue_vesting_ms: return c.revenue_vesting_ms;
        }
        return make_error(ErrorCode::unknown_parameter, "not a staking parameter");
    }
    Result<void> check(ParameterKey key, std::int64_t value) const {
        StakingConfig config = staking_->config();
        if (Result<void> ok = set_field(key, config, value); !ok) return ok;
        if (Result<void> ok = config.validate(); !ok) return ok;
        // set_config syncs the pool first: the sync must plan at this time.
        if (Result<typename FundStaking<Asset>::Plan> sync = staking_->plan_sync(*ledger_, now_ms_); !sync) return sync.error();
        return {};
    }
    void apply(ParameterKey key, std::int64_t value) {
        StakingConfig config = staking_->config();
        const Result<void> set = set_field(key, config, value);
        BACKSTOP_ASSERT(set.has_value(), "a checked staking parameter exists");
        const Result<void> done = staking_->set_config(*ledger_, config, now_ms_);
        BACKSTOP_ASSERT(done.has_value(), "a checked staking configuration applies");
        (void)set;
        (void)done;
    }

private:
    static Result<void> set_field(ParameterKey key, StakingConfig& config, std::int64_t value) {
        if (key.target != GovernedTarget::component || key.index != 0) {
            return make_error(ErrorCode::unknown_parameter, "no such staking pool");
        }
        switch (static_cast<StakingParameter>(key.parameter)) {
            case StakingParameter::cooldown_ms: config.cooldown_ms = value; return {};
            case StakingParameter::revenue_vesting_ms: config.revenue_vesting_ms = value; return {};
            case StakingParameter::protocol_revenue_share: config.protocol_revenue_share = Bps{value}; return {};
            case StakingParameter::claims_per_day_max: config.claims_per_day_max = Bps{value}; return {};
        }
        return make_error(ErrorCode::unknown_parameter, "not a staking parameter");
    }

    FundStaking<Asset>* staking_;
    const Ledger* ledger_;
    std::int64_t now_ms_ = 0;
};

// ---- the fund's own policy parameters -----------------------------------------------------------

enum class FundParameter : std::uint32_t {
    liquidator_share = 0,  // FixedShares fee capture, Bps
    treasury_share = 1,    // FixedShares fee capture, Bps
    settlement_floor = 2,  // CoverAboveFloor settlement, atoms
};

// An InsuranceFund (key.target = GovernedTarget::fund, index 0): the penalty shares of a
// FixedShares fee capture and the floor of a CoverAboveFloor settlement, whichever it has (a
// fund's policies are types: a parameter its policies do not have is unknown_parameter). Set on a
// copy of the policy, validated by it, applied with set_fee_capture / set_settlement.
template <class Fund>
class FundGovernanceTarget {
public:
    using Asset = typename Fund::asset_type;
    explicit FundGovernanceTarget(Fund& fund) : fund_(&fund) {}

    Result<std::int64_t> read(ParameterKey key) const {
        if (Result<void> ok = known(key); !ok) return ok.error();
        switch (static_cast<FundParameter>(key.parameter)) {
            case FundParameter::liquidator_share:
                if constexpr (has_shares) return fund_->fee_capture().liquidator_share.count();
                break;
            case FundParameter::treasury_share:
                if constexpr (has_shares) return fund_->fee_capture().treasury_share.count();
                break;
            case FundParameter::settlement_floor:
                if constexpr (has_floor) return static_cast<std::int64_t>(fund_->settlement().floor.atoms());
                break;
        }
        return make_error(ErrorCode::unknown_parameter, "the fund's policies have no such parameter");
    }
    Result<void> check(ParameterKey key, std::int64_t value) const {
        if (Result<std::int64_t> ok = read(key); !ok) return ok.error();
        if (key.parameter == static_cast<std::uint32_t>(FundParameter::settlement_floor)) {
            if constexpr (has_floor) return with_floor(value).validate();
        } else {
            if constexpr (has_shares) return with_share(key, value).validate();
        }
        return make_error(ErrorCode::unknown_parameter, "the fund's policies have no such parameter");
    }
    void apply(ParameterKey key, std::int64_t value) {
        Result<void> done = make_error(ErrorCode::unknown_parameter, "unreachable after check");
        if (key.parameter == static_cast<std::uint32_t>(FundParameter::settlement_floor)) {
            if constexpr (has_floor) done = fund_->set_settlement(with_floor(value));
        } else {
            if constexpr (has_shares) done = fund_->set_fee_capture(with_share(key, value));
        }
        BACKSTOP_ASSERT(done.has_value(), "a checked fund parameter applies");
        (void)done;
    }

private:
    using FeeCapture = std::decay_t<decltype(std::declval<const Fund&>().fee_capture())>;
    using Settlement = std::decay_t<decltype(std::declval<const Fund&>().settlement())>;
    static constexpr bool has_shares = std::is_same<FeeCapture, fee_capture::FixedShares<Asset>>::value;
    static constexpr bool has_floor = std::is_same<Settlement, settlement::CoverAboveFloor<Asset>>::value;

    static Result<void> known(ParameterKey key) {
        if (key.target != GovernedTarget::fund || key.index != 0) return make_error(ErrorCode::unknown_parameter, "no such fund");
        return {};
    }
    FeeCapture with_share(ParameterKey key, std::int64_t value) const {
        FeeCapture policy = fund_->fee_capture();
        if constexpr (has_shares) {
            (key.parameter == static_cast<std::uint32_t>(FundParameter::liquidator_share) ? policy.liquidator_share
                                                                                            : policy.treasury_share) = Bps{value};
        }
        return policy;
    }
    Settlement with_floor(std::int64_t value) const {
        Settlement policy = fund_->settlement();
        if constexpr (has_floor) policy.floor = typename Settlement::Money(value);
        return policy;
    }

    Fund* fund_;
};

}  // namespace backstop
