// Fuzz target: the margin engine (MarginEngine<RuntimeInsuranceFund<USDC>>) under operation
// sequences decoded from the bytes.
//
// The bytes decode to a world: small EngineLimits (sometimes invalid), the fund's three policies
// chosen at run time with fuzzed parameters, 1 to 3 markets whose base assets differ (tags of 0,
// 6, 8 and 9 decimals declared here, one with a 9-decimal price scale), each with a MarketConfig
// that is usually valid (tiers, ticks, lots, penalty, discount, buffer, limits drawn from
// plausible and extreme values) and sometimes raw. Then up to 96 operations: open accounts,
// deposits and withdrawals, marks at any price and time (relative to the last mark, on and off the
// tick, near the int64 limits, backwards), time advances, market status changes, funding updates
// of any size, trades of any size and price (on and off the lot and tick, with the wrong base
// asset now and then), the liquidatable scan with a span of any size, liquidations of any account
// by any liquidator with an allocation span of any size, fund and auxiliary-fund deposits.
//
// After every operation (any failure traps; the library's BACKSTOP_ASSERT traps too, so any abort
// is a finding):
//   - the ledger's audit balances;
//   - per market, position sizes sum to zero and the longs sum to the open interest;
//   - pnl_pool + sum of every position's cost + uncovered_total() == 0 (128 bits);
//   - a refused operation (and the scan, always) leaves engine.digest() unchanged;
//   - the scan returns exactly the accounts is_liquidatable() names, in order, cut to the span;
//   - a liquidation's report: deficit > 0 means no penalty and no discount; socialized +
//     uncovered == remainder; deficit == fund_paid + remainder; every part non-negative;
//     uncovered_total() grows by the report's uncovered; and afterwards the account is not
//     liquidatable, or has no position left in a market that is not halted and has a fresh mark.
//
// BACKSTOP_FUZZ_TRACE=1 prints the world and each operation in words with its outcome.
#include <cstdio>

namespace backstop_fuzz {
[[noreturn]] inline void assertion_trap(const char* condition, const char* message, const char* file,
                                        int line) {
    std::fprintf(stderr, "backstop assertion failed: %s (%s) at %s:%d\n", condition, message, file, line);
    __builtin_trap();
}
}  // namespace backstop_fuzz
#define BACKSTOP_ASSERT_HANDLER(condition, message, file, line) \
    ::backstop_fuzz::assertion_trap(condition, message, file, line)

#include <backstop/engine/margin_engine.hpp>
#include <backstop/fund/any_policy.hpp>
#include <backstop/money/assets.hpp>
#include <backstop/money/format.hpp>

#include "fuzz_input.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fuzz_assets {
struct Zero { static constexpr std::string_view symbol = "ZERO"; static constexpr int decimals = 0; };
struct Six { static constexpr std::string_view symbol = "SIX"; static constexpr int decimals = 6; };
struct Eight { static constexpr std::string_view symbol = "EIGHT"; static constexpr int decimals = 8; };
struct Nine { static constexpr std::string_view symbol = "NINE"; static constexpr int decimals = 9; };
}  // namespace fuzz_assets

// A price scale other than the quote's: ZERO/USDC prices have 9 decimals (notional divisor 10^3).
template <>
struct backstop::PriceScale<fuzz_assets::Zero, backstop::assets::USDC> {
    static constexpr int decimals = 9;
};

using namespace backstop;
using namespace backstop::assets;
using backstop_fuzz::FuzzInput;

namespace {

using Money = Amount<USDC>;
using Fund = RuntimeInsuranceFund<USDC>;
using Engine = MarginEngine<Fund>;
using int128 = detail::int128;

constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t int64_min = std::numeric_limits<std::int64_t>::min();

bool tracing() {
    static const bool on = std::getenv("BACKSTOP_FUZZ_TRACE") != nullptr;
    return on;
}
template <class... Args>
void trace(fmt::format_string<Args...> format, Args&&... args) {
    if (tracing()) fmt::print(stderr, "{}\n", fmt::format(format, std::forward<Args>(args)...));
}
std::string wide(int128 value) {
    if (value == 0) return "0";
    const bool negative = value < 0;
    auto magnitude = static_cast<detail::uint128>(negative ? -(value + 1) : value) + (negative ? 1u : 0u);
    std::string digits;
    while (magnitude != 0) {
        digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
        magnitude /= 10;
    }
    return negative ? "-" + digits : digits;
}

// Calls f with a value of asset tag `tag` (0: ZERO, 1: SIX, 2: EIGHT, 3: NINE).
template <class F>
auto with_asset(std::uint32_t tag, F&& f) {
    switch (tag % 4) {
        case 0: return f(fuzz_assets::Zero{});
        case 1: return f(fuzz_assets::Six{});
        case 2: return f(fuzz_assets::Eight{});
        default: return f(fuzz_assets::Nine{});
    }
}
constexpr std::array<const char*, 4> asset_names = {"ZERO", "SIX", "EIGHT", "NINE"};

std::int64_t clamp64(int128 value) {
    if (value > int64_max) return int64_max;
    if (value < int64_min) return int64_min;
    return static_cast<std::int64_t>(value);
}

// ---- the world ------------------------------------------------------------------------------

Bps bps(FuzzInput& in) { return (in.byte() & 3) ? Bps(in.below(41) * 250) : Bps(in.int64()); }
Money money(FuzzInput& in) { return Money(in.int64()); }

fee_capture::AnyFeeCapture<USDC> fee_capture_from(FuzzInput& in) {
    switch (in.below(3)) {
        case 0: return fee_capture::FixedShares<USDC>{bps(in), bps(in)};
        case 1: return fee_capture::FundFirstUntilTarget<USDC>{bps(in), money(in)};
        default: return fee_capture::CappedLiquidatorShare<USDC>{bps(in), money(in), bps(in)};
    }
}
settlement::AnySettlement<USDC> settlement_from(FuzzInput& in) {
    switch (in.below(3)) {
        case 0: return settlement::CoverUpToBalance<USDC>{};
        case 1: return settlement::CoverAboveFloor<USDC>{money(in)};
        default: return settlement::CappedPerEventAndMarket<USDC>{money(in), money(in)};
    }
}
socialized_loss::AnySocializedLoss<USDC> socialized_loss_from(FuzzInput& in, std::uint32_t accounts_max) {
    using namespace socialized_loss;
    // Usually room for every account; now and then less (create must refuse it).
    const std::uint32_t bearers = (in.byte() & 7) ? accounts_max + in.below(4) : in.below(8);
    // Bytes 247-251 pick WaterFillingAdl (added later): no input of the corpus had one of them
    // here, and every other byte keeps its meaning, so the corpus still reaches what it reached.
    const std::uint8_t pick = in.byte();
    if (pick >= 247 && pick <= 251) return WaterFillingAdl<USDC>(bearers);
    switch (pick % 6) {
        case 0: return RankedAdl<USDC, adl_rank::PnlTimesLeverage>(bearers);
        case 1: return RankedAdl<USDC, adl_rank::BinanceLeveragePnl>(bearers);
        case 2: return RandomStartAdl<USDC>{bearers};
        case 3: return ProRataHaircut<USDC>{};
        case 4: return FundingSocialization<USDC>{(in.byte() & 3) ? funding_precision : in.int64()};
        default: return ClearingHouseWaterfall<USDC>{FundId{in.below(4)}, money(in), bps(in)};
    }
}

std::int64_t pick(FuzzInput& in, std::initializer_list<std::int64_t> values) {
    const std::uint32_t k = in.below(static_cast<std::uint32_t>(values.size() + 1));
    if (k == values.size()) return in.int64();
    return *(values.begin() + k);
}

// Usually valid (plausible and extreme values within the rules), sometimes anything.
MarketConfig market_config_from(FuzzInput& in) {
    MarketConfig config;
    const bool raw = (in.byte() & 7) == 0;
    config.tier_count = static_cast<std::uint8_t>(raw ? in.below(6) : 1 + in.below(4));
    std::int64_t notional_max = 0;
    std::int64_t maintenance = 0;
    std::int64_t initial = 0;
    for (std::size_t t = 0; t < margin_tiers_max; ++t) {
        MarginTier& tier = config.tiers[t];
        if (raw) {
            tier = MarginTier{in.int64(), Ppm(in.int64()), Ppm(in.int64())};
            continue;
        }
        maintenance = std::max(maintenance, pick(in, {1, 1'000, 5'000, 30'000, 50'000, 100'000, 200'000, 500'000}));
        maintenance = std::clamp<std::int64_t>(maintenance, 1, 1'000'000);
        const int128 above = int128(maintenance) + pick(in, {0, 1, 1'000, 20'000, 50'000, 500'000});
        initial = std::max({initial, maintenance, clamp64(std::clamp<int128>(above, maintenance, 1'000'000))});
        const std::int64_t step = std::max<std::int64_t>(1, pick(in, {1, 1'000'000, 100'000'000'000, 1'000'000'000'000}));
        notional_max = notional_max > int64_max - step ? int64_max : notional_max + step;
        const bool last = t + 1 >= config.tier_count;
        tier = MarginTier{last ? int64_max : notional_max, Ppm(initial), Ppm(maintenance)};
    }
    const auto fraction = [&](std::initializer_list<std::int64_t> values) {
        const std::int64_t v = pick(in, values);
        return raw ? Ppm(v) : Ppm(std::clamp<std::int64_t>(v, 0, 1'000'000));
    };
    config.liquidation_penalty = fraction({0, 1, 10'000, 15'000, 100'000, 1'000'000});
    config.liquidator_discount = fraction({0, 0, 1, 10'000, 999'999});
    if (!raw && config.liquidator_discount >= Ppm(1'000'000)) config.liquidator_discount = Ppm(999'999);
    config.full_liquidation_below = fraction({0, 0, 500'000, 1'000'000});
    config.liquidation_buffer = fraction({0, 0, 20'000, 1'000'000});
    const auto positive = [&](std::initializer_list<std::int64_t> values) {
        const std::int64_t v = pick(in, values);
        return raw ? v : std::max<std::int64_t>(1, v < 0 ? -(v + 1) : v);
    };
    config.tick_size = positive({1, 1, 10, 1'000, 1'000'000, 7});
    config.lot_size = positive({1, 1, 100, 100'000, 3});
    const std::int64_t lots = positive({1'000'000'000, 1, 2, 1'000'000'000'000});
    config.position_max = raw ? lots : (lots > int64_max / config.lot_size ? int64_max / config.lot_size : lots) * config.lot_size;
    config.open_interest_max = positive({100'000'000'000'000'000, 1, int64_max / 4});
    if (!raw) config.open_interest_max = std::min(config.open_interest_max, int64_max / 4);
    config.staleness_max_ms = raw ? in.int64() : pick(in, {60'000, 1'000, 0, int64_max});
    if (config.staleness_max_ms < 0 && !raw) config.staleness_max_ms = 0;
    config.status = static_cast<MarketStatus>(in.below(8) == 0 ? 1 + in.below(2) : 0);
    return config;
}

// The harness's view of a market: what it needs and cannot read back from the engine.
struct MarketView {
    std::uint32_t asset = 0;
    bool has_mark = false;
    std::int64_t mark_time = 0;
};

class EngineRun {
public:
    EngineRun(Engine& engine, std::vector<MarketView> markets) : engine_(engine), markets_(std::move(markets)) {}

    void step(FuzzInput& in) {
        const std::uint64_t digest = engine_.digest();
        std::optional<Error> refused;
        switch (in.below(16)) {
            case 0: refused = open_account(); break;
            case 1: case 2: refused = deposit(in); break;
            case 3: refused = withdraw(in); break;
            case 4: case 5: refused = set_mark(in); break;
            case 6: refused = advance_time(in); break;
            case 7: refused = set_status(in); break;
            case 8: refused = update_funding(in); break;
            case 9: case 10: case 11: refused = trade(in); break;
            case 12: case 13: refused = liquidate(in); break;
            case 14: scan(in); break;
            default: refused = fund_deposit(in); break;
        }
        if (refused) {
            trace("  refused: {}", refused->code);
            FUZZ_CHECK(error_code_name(refused->code) != "unknown");
            FUZZ_CHECK(engine_.digest() == digest);
        }
        check_world();
    }

private:
    std::uint32_t account_count() const { return engine_.ledger().account_count(); }
    AccountId account(FuzzInput& in) const { return AccountId{in.below(account_count() + 1)}; }  // may not exist
    MarketId market(FuzzInput& in) const { return MarketId{in.below(static_cast<std::uint32_t>(markets_.size()) + 1)}; }
    // The market's base asset, or now and then another (market_asset_mismatch).
    std::uint32_t asset_for(FuzzInput& in, MarketId m) {
        const std::uint8_t b = in.byte();
        if (m.value >= markets_.size() || (b & 15) == 0) return b >> 4;
        return markets_[m.value].asset;
    }
    std::int64_t now() const { return engine_.now().ms; }
    std::int64_t later(FuzzInput& in) const {
        switch (in.below(4)) {
            case 0: return clamp64(int128(now()) + in.byte());
            case 1: return clamp64(int128(now()) + int128(in.byte()) * 1'000);
            case 2: return clamp64(int128(now()) + int128(in.bits32()) * 1'000);
            default: return in.int64();
        }
    }
    // A reference price for a market: its mark, or 1000 quote units.
    std::int64_t reference(MarketId m) const {
        if (m.value < markets_.size() && markets_[m.value].has_mark) return engine_.mark(m);
        const std::uint32_t asset = m.value < markets_.size() ? markets_[m.value].asset : 1;
        return with_asset(asset, [](auto base) { return Price<decltype(base), USDC>::decimals; }) == 9
                   ? 1'000'000'000'000
                   : 1'000'000'000;
    }
    std::int64_t tick(MarketId m) const {
        return m.value < markets_.size() ? engine_.market_config(m).value().tick_size : 1;
    }
    std::int64_t lot(MarketId m) const {
        return m.value < markets_.size() ? engine_.market_config(m).value().lot_size : 1;
    }

    std::optional<Error> open_account() {
        trace("open account");
        const Result<AccountId> id = engine_.open_account();
        if (!id) return id.error();
        trace("  account {}", id->value);
        return std::nullopt;
    }

    std::optional<Error> deposit(FuzzInput& in) {
        const AccountId a = account(in);
        const Money amount = money(in);
        trace("deposit {} to account {}", amount, a.value);
        if (Result<void> ok = engine_.deposit(a, amount); !ok) return ok.error();
        return std::nullopt;
    }

    std::optional<Error> withdraw(FuzzInput& in) {
        const AccountId a = account(in);
        const Money amount = money(in);
        trace("withdraw {} from account {}", amount, a.value);
        if (Result<void> ok = engine_.withdraw(a, amount); !ok) return ok.error();
        return std::nullopt;
    }

    std::optional<Error> fund_deposit(FuzzInput& in) {
        const std::uint8_t kind = in.byte();
        const Money amount = money(in);
        if ((kind & 3) != 0) {
            trace("fund deposit {}", amount);
            if (Result<void> ok = engine_.fund_deposit(amount); !ok) return ok.error();
            return std::nullopt;
        }
        if ((kind & 4) != 0) {
            trace("open auxiliary fund");
            const Result<FundId> id = engine_.open_auxiliary_fund();
            if (!id) return id.error();
            trace("  fund {}", id->value);
            return std::nullopt;
        }
        const FundId id{static_cast<std::uint32_t>(kind >> 4)};
        trace("auxiliary fund {} deposit {}", id.value, amount);
        if (Result<void> ok = engine_.auxiliary_fund_deposit(id, amount); !ok) return ok.error();
        return std::nullopt;
    }

    std::int64_t price_for(FuzzInput& in, MarketId m) const {
        const std::int64_t base = reference(m);
        const std::uint8_t mode = in.byte();
        const int128 factor = 1000 + (int128(in.byte()) - 128) * 4;  // 48.8% to 150.8%
        const int128 moved = int128(base) * factor / 1000;
        const std::int64_t t = tick(m);
        switch (mode % 8) {
            case 0: case 1: case 2: return clamp64(moved);                                    // any atom
            case 3: case 4: return clamp64(std::max<int128>(moved / t, 1) * t);                // on the tick
            case 5: return clamp64(int128(base) + (int128(in.byte()) - 128) * t);             // a few ticks away
            default: return in.int64();                                                       // anything
        }
    }

    std::optional<Error> set_mark(FuzzInput& in) {
        const MarketId m = market(in);
        const std::uint32_t asset = asset_for(in, m);
        const std::int64_t price = price_for(in, m);
        const std::int64_t at = later(in);
        trace("set mark of market {} ({}) to {} at {} ms", m.value, asset_names[asset % 4], price, at);
        const Result<void> ok = with_asset(asset, [&](auto base) {
            return engine_.set_mark(m, Price<decltype(base), USDC>::from_raw(price), Timestamp{at});
        });
        if (!ok) return ok.error();
        markets_[m.value].has_mark = true;
        markets_[m.value].mark_time = at;
        return std::nullopt;
    }

    std::optional<Error> advance_time(FuzzInput& in) {
        const std::int64_t at = later(in);
        trace("advance time to {} ms", at);
        if (Result<void> ok = engine_.advance_time(Timestamp{at}); !ok) return ok.error();
        return std::nullopt;
    }

    std::optional<Error> set_status(FuzzInput& in) {
        const MarketId m = market(in);
        const auto status = static_cast<MarketStatus>(in.below(3));
        trace("set status of market {} to {}", m.value, static_cast<int>(status));
        if (Result<void> ok = engine_.set_market_status(m, status); !ok) return ok.error();
        return std::nullopt;
    }

    std::optional<Error> update_funding(FuzzInput& in) {
        const MarketId m = market(in);
        const std::uint8_t mode = in.byte();
        const std::int64_t delta = (mode & 1) ? (static_cast<std::int64_t>(in.byte()) - 128) * 100'000'000
                                              : in.int64();
        trace("update funding of market {} by {}", m.value, delta);
        if (Result<void> ok = engine_.update_funding(m, FundingDelta(delta)); !ok) return ok.error();
        return std::nullopt;
    }

    std::optional<Error> trade(FuzzInput& in) {
        const MarketId m = market(in);
        const std::uint32_t asset = asset_for(in, m);
        const AccountId buyer = account(in);
        const AccountId seller = account(in);
        const std::uint8_t mode = in.byte();
        std::int64_t size = 0;
        const int128 lots = int128(in.byte()) + 1;
        switch (mode % 8) {
            case 0: case 1: case 2: case 3: case 4: size = clamp64(lots * lot(m)); break;
            case 5: size = clamp64(lots * lot(m) + 1); break;  // off the lot unless it is 1
            default: size = in.int64();
        }
        const std::int64_t price = price_for(in, m);
        trace("trade market {} ({}): account {} buys {} from account {} at {}", m.value, asset_names[asset % 4],
              buyer.value, size, seller.value, price);
        const Result<TradeReport<USDC>> report = with_asset(asset, [&](auto base) {
            using Base = decltype(base);
            return engine_.trade(m, buyer, seller, Quantity<Base>::from_atoms(size),
                                 Price<Base, USDC>::from_raw(price));
        });
        if (!report) return report.error();
        trace("  value {}, buyer {} -> {} (realised {}), seller {} -> {} (realised {})", report->value,
              report->buyer.size_before, report->buyer.size_after, report->buyer_realised_pnl,
              report->seller.size_before, report->seller.size_after, report->seller_realised_pnl);
        return std::nullopt;
    }

    std::vector<AccountId> liquidatable() const {
        std::vector<AccountId> out(account_count());
        const Span<AccountId> found = engine_.liquidatable_accounts(Span<AccountId>(out.data(), out.size()));
        out.resize(found.size());
        return out;
    }

    // The scan is exact: the accounts is_liquidatable() names, in order, cut to the span.
    void scan(FuzzInput& in) {
        const std::uint64_t digest = engine_.digest();
        std::vector<AccountId> out(in.below(account_count() + 2));
        trace("scan with a span of {}", out.size());
        const Span<AccountId> found = engine_.liquidatable_accounts(Span<AccountId>(out.data(), out.size()));
        std::vector<AccountId> expected;
        for (std::uint32_t a = 0; a < account_count(); ++a) {
            if (engine_.is_liquidatable(AccountId{a})) expected.push_back(AccountId{a});
        }
        trace("  {} liquidatable", expected.size());
        FUZZ_CHECK(found.size() == std::min(out.size(), expected.size()));
        for (std::size_t k = 0; k < found.size(); ++k) FUZZ_CHECK(found[k] == expected[k]);
        FUZZ_CHECK(engine_.digest() == digest);
    }

    bool fresh_and_open(MarketId m) const {
        const MarketView& view = markets_[m.value];
        return engine_.market_config(m).value().status != MarketStatus::halted && view.has_mark &&
               int128(now()) - view.mark_time <= engine_.market_config(m).value().staleness_max_ms;
    }

    std::optional<Error> liquidate(FuzzInput& in) {
        const std::vector<AccountId> due = liquidatable();
        const std::uint8_t mode = in.byte();
        const AccountId a = (!due.empty() && (mode & 3) != 0) ? due[in.below(static_cast<std::uint32_t>(due.size()))]
                                                              : account(in);
        const AccountId liquidator = account(in);
        const std::uint32_t span = in.below(account_count() + 3);  // 0: the engine's scratch
        std::vector<Allocation<USDC>> allocations(span);
        trace("liquidate account {} by account {}, allocation span {}", a.value, liquidator.value, span);
        const int128 uncovered_before = uncovered_total();
        const Result<LiquidationReport<USDC>> result =
            engine_.liquidate(a, liquidator, Span<Allocation<USDC>>(allocations.data(), allocations.size()));
        if (!result) return result.error();
        const LiquidationReport<USDC>& r = *result;
        trace("  {} closed {} positions, notional {}, equity {} -> {}, discount {}, penalty {}, deficit {}, "
              "fund paid {}, remainder {}, socialized {} ({} allocations{}), uncovered {}",
              r.full ? "full" : "partial", r.closed_count, r.closed_notional, r.equity_before, r.equity_after,
              r.discount, r.penalty, r.deficit, r.fund_paid, r.remainder, r.socialized, r.allocation_count,
              r.socialization_failed ? ", policy refused" : "", r.uncovered);
        for (std::size_t k = 0; k < r.closed_count; ++k) {
            trace("    market {}: {} -> {}", r.closed[k].market.value, r.closed[k].size_before, r.closed[k].size_after);
        }
        FUZZ_CHECK(r.account == a && r.liquidator == liquidator);
        FUZZ_CHECK(!r.deficit.is_negative() && !r.fund_paid.is_negative() && !r.remainder.is_negative() &&
                   !r.socialized.is_negative() && !r.uncovered.is_negative() && !r.penalty.is_negative() &&
                   !r.discount.is_negative());
        if (r.deficit.is_positive()) FUZZ_CHECK(r.penalty.is_zero() && r.discount.is_zero());
        FUZZ_CHECK(int128(r.socialized.atoms()) + r.uncovered.atoms() == r.remainder.atoms());
        FUZZ_CHECK(int128(r.deficit.atoms()) == int128(r.fund_paid.atoms()) + r.remainder.atoms());
        FUZZ_CHECK(r.penalty_split.total() == r.penalty);
        FUZZ_CHECK(uncovered_total() - uncovered_before == r.uncovered.atoms());
        if (engine_.is_liquidatable(a)) {
            // Only positions a liquidation cannot close may be left.
            for (std::uint32_t m = 0; m < markets_.size(); ++m) {
                const bool left = engine_.position(a, MarketId{m}).size != 0;
                if (left) trace("    still liquidatable, holds market {} (closable: {})", m, fresh_and_open(MarketId{m}));
                FUZZ_CHECK(!left || !fresh_and_open(MarketId{m}));
            }
        }
        return std::nullopt;
    }

    void check_world() const {
        FUZZ_CHECK(engine_.ledger().audit().balanced());
        int128 costs = 0;
        for (std::uint32_t m = 0; m < markets_.size(); ++m) {
            int128 sizes = 0;
            int128 longs = 0;
            for (std::uint32_t a = 0; a < account_count(); ++a) {
                const Engine::PositionView p = engine_.position(AccountId{a}, MarketId{m});
                sizes += p.size;
                longs += std::max<std::int64_t>(p.size, 0);
                costs += p.cost;
                if (p.size == 0) FUZZ_CHECK(p.cost == 0);
            }
            FUZZ_CHECK(sizes == 0);
            FUZZ_CHECK(longs == engine_.open_interest(MarketId{m}));
        }
        const int128 pool = engine_.ledger().balance_of(Place::pnl_pool()).atoms();
        if (pool + costs + uncovered_total() != 0) {
            trace("  pnl_pool {} + costs {} + uncovered {} != 0", wide(pool), wide(costs), wide(uncovered_total()));
        }
        FUZZ_CHECK(pool + costs + uncovered_total() == 0);
    }

    // The engine's wide total, in 128 bits: the fuzzer's identities are in int128.
    int128 uncovered_total() const { return static_cast<int128>(engine_.uncovered_total().atoms()); }

    Engine& engine_;
    std::vector<MarketView> markets_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzInput in(data, size);
    EngineLimits limits;
    const std::uint8_t shape = in.byte();
    limits.accounts_max = 2 + in.below(5);
    limits.positions_per_account = 1 + in.below(4);
    limits.markets_max = 1 + in.below(3);
    if ((shape & 15) == 0) {  // now and then out of range
        limits.positions_per_account = in.below(10);
        limits.markets_max = in.below(2) * 0x10000u;
    }
    const fee_capture::AnyFeeCapture<USDC> fee_capture = fee_capture_from(in);
    const settlement::AnySettlement<USDC> settlement = settlement_from(in);
    const socialized_loss::AnySocializedLoss<USDC> socialized_loss = socialized_loss_from(in, limits.accounts_max);
    Result<Engine> created = Engine::create(limits, fee_capture, settlement, socialized_loss);
    trace("engine: {} accounts, {} slots, {} markets; fee capture #{}, settlement #{}, socialized loss #{}",
          limits.accounts_max, limits.positions_per_account, limits.markets_max, fee_capture.variant().index(),
          settlement.variant().index(), socialized_loss.variant().index());
    if (!created) {
        trace("  refused: {}", created.error().code);
        FUZZ_CHECK(created.error().code == ErrorCode::invalid_argument ||
                   created.error().code == ErrorCode::invalid_policy_parameter);
        return 0;
    }
    Engine& engine = *created;

    // 1 to 3 markets, each with its own base asset.
    std::array<std::uint32_t, 4> order = {0, 1, 2, 3};
    for (std::uint32_t i = 3; i > 0; --i) std::swap(order[i], order[in.below(i + 1)]);
    std::vector<MarketView> markets;
    const std::uint32_t market_count = 1 + in.below(3);
    for (std::uint32_t i = 0; i < market_count; ++i) {
        const MarketConfig config = market_config_from(in);
        const std::uint64_t digest = engine.digest();
        const Result<MarketId> id =
            with_asset(order[i], [&](auto base) { return engine.add_market<decltype(base)>(config); });
        trace("market {} ({}): {} tiers, first {}/{} ppm, penalty {}, discount {}, full below {}, buffer {}, "
              "tick {}, lot {}, position max {}, open interest max {}, staleness {} ms, status {}",
              markets.size(), asset_names[order[i]], static_cast<int>(config.tier_count),
              config.tiers[0].initial.count(), config.tiers[0].maintenance.count(), config.liquidation_penalty.count(),
              config.liquidator_discount.count(), config.full_liquidation_below.count(),
              config.liquidation_buffer.count(), config.tick_size, config.lot_size, config.position_max,
              config.open_interest_max, config.staleness_max_ms, static_cast<int>(config.status));
        for (std::size_t t = 1; t < config.tier_count && t < margin_tiers_max; ++t) {
            trace("  tier {}: up to {}, {}/{} ppm", t, config.tiers[t].notional_max, config.tiers[t].initial.count(),
                  config.tiers[t].maintenance.count());
        }
        if (!id) {
            trace("  refused: {}", id.error().code);
            FUZZ_CHECK(id.error().code == ErrorCode::invalid_market_config ||
                       id.error().code == ErrorCode::capacity_exceeded);
            FUZZ_CHECK(engine.digest() == digest);
            continue;
        }
        FUZZ_CHECK(id->value == markets.size());
        markets.push_back(MarketView{order[i], false, 0});
    }
    const std::uint32_t accounts = 2 + in.below(limits.accounts_max - 1);
    for (std::uint32_t i = 0; i < accounts; ++i) FUZZ_CHECK(engine.open_account().has_value());
    trace("{} accounts open", accounts);

    EngineRun run(engine, std::move(markets));
    for (int step = 0; step < 96 && !in.empty(); ++step) run.step(in);
    return 0;
}
