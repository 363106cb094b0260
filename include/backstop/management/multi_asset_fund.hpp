// MultiAssetFund<Settle, Held...>: an insurance fund that holds other assets beside its
// settlement asset (USDC, and BTC, ETH, ...), each in its own typed ledger, valued at its oracle
// price less a haircut, and sold in a configured order when a deficit needs settlement money.
//
// Exact money: each held asset keeps its own Ledger<Held> (one fund place, FundId 0, and the
// outside world); the settlement side is the caller's ledger (the engine's), at the fund's place
// there. A sale is a pair of transfers, one in each ledger: q atoms of Held from the fund to the
// outside world, the proceeds from the outside world into the fund's settlement place. Each
// ledger conserves on its own. Rounding favours the protocol: the sale price (oracle less haircut
// less slippage) rounds down, the quantity sold for a need rounds up, the proceeds round down.
//
//   value(settle_ledger, place)      settlement balance + sum of holding x price x (1 - haircut)
//   plan_raise / commit_raise        raise `needed` into the settlement place by selling, in order
#pragma once

#include "backstop/core/checked_arith.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/int128.hpp"
#include "backstop/ledger/ledger.hpp"
#include "backstop/ledger/place.hpp"
#include "backstop/ledger/transfer.hpp"
#include "backstop/money/amount.hpp"
#include "backstop/money/price.hpp"
#include "backstop/money/quantity.hpp"
#include "backstop/money/rate.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <tuple>
#include <type_traits>
#include <utility>

namespace backstop {

struct HoldingConfig {
    Ppm haircut{0};   // off the oracle price, for valuation and sales
    Ppm slippage{0};  // off the oracle price as well, for sales only

    Result<void> validate() const {
        if (haircut < Ppm{0} || slippage < Ppm{0} || haircut.count() + slippage.count() > Ppm::denominator) {
            return make_error(ErrorCode::invalid_policy_parameter, "haircut and slippage must be >= 0, together <= 100%");
        }
        return {};
    }
};

// One holding's part of a raise: the atoms sold and what they fetched, in settlement atoms.
struct HoldingSale {
    Int128 sold_atoms = 0;  // in the held asset's atoms (an 18-decimal asset needs 128 bits)
    std::int64_t proceeds = 0;
    std::int64_t sale_price_raw = 0;
};

template <std::size_t N>
struct RaisePlan {
    std::array<HoldingSale, N> sales{};
    std::int64_t needed = 0;
    std::int64_t raised = 0;     // sum of proceeds, >= needed unless short
    std::int64_t shortfall = 0;  // what the holdings could not raise
};

template <class Settle, class... Held>
class MultiAssetFund {
public:
    static constexpr std::size_t holding_count = sizeof...(Held);
    static_assert(holding_count > 0, "a multi-asset fund holds at least one other asset");
    using Plan = RaisePlan<holding_count>;
    using SettleMoney = Amount<Settle>;

    MultiAssetFund() = default;

    // `sale_order` lists each holding's index (its position in Held...) once: the first is sold
    // first.
    static Result<MultiAssetFund> open(const std::array<HoldingConfig, holding_count>& configs,
                                       const std::array<std::uint8_t, holding_count>& sale_order) {
        std::array<bool, holding_count> seen{};
        for (std::size_t i = 0; i < holding_count; ++i) {
            if (Result<void> ok = configs[i].validate(); !ok) return ok.error();
            if (sale_order[i] >= holding_count || seen[sale_order[i]]) {
                return make_error(ErrorCode::invalid_policy_parameter, "the sale order names each holding once");
            }
            seen[sale_order[i]] = true;
        }
        MultiAssetFund fund;
        fund.configs_ = configs;
        fund.order_ = sale_order;
        fund.for_each([](auto& ledger, std::size_t) { (void)ledger.open_fund(); });
        return fund;
    }

    template <class A>
    const Ledger<A>& ledger() const { return std::get<index_of<A>()>(ledgers_); }
    template <class A>
    Amount<A> holding() const { return ledger<A>().balance_of(Place::fund(FundId{0})); }
    template <class A>
    Price<A, Settle> price() const { return Price<A, Settle>::from_raw(prices_[index_of<A>()]); }
    const HoldingConfig& config(std::size_t index) const { return configs_[index]; }

    // Capital in a held asset from outside.
    template <class A>
    Result<void> deposit(const Amount<A>& amount) {
        return std::get<index_of<A>()>(ledgers_).transfer(Place::external(), Place::fund(FundId{0}), amount,
                                                           TransferReason::fund_deposit);
    }
    // The oracle price of a held asset in the settlement asset (> 0).
    template <class A>
    Result<void> set_price(Price<A, Settle> price) {
        if (price.raw() <= 0) return make_error(ErrorCode::price_not_positive, "a price must be positive");
        prices_[index_of<A>()] = price.raw();
        return {};
    }

    // Settlement balance plus every holding at its price less its haircut, each rounded down.
    template <class SettleLedger>
    Result<Amount<Settle, Int128>> value(const SettleLedger& settle_ledger, Place settle_place) const {
        if (!settle_ledger.contains(settle_place)) return make_error(ErrorCode::unknown_place, "no settlement place");
        Int128 total = Int128(settle_ledger.balance_of(settle_place).atoms());
        Result<void> status = {};
        for_each_const([&](const auto& ledger, std::size_t i) {
            if (!status) return;
            const Result<Int128> held = holding_value(ledger, i, configs_[i].haircut.count());
            const Result<Int128> sum = held ? checked_add(total, *held) : held;
            if (!sum) status = sum.error();
            else total = *sum;
        });
        if (!status) return status.error();
        return Amount<Settle, Int128>(total);
    }

    // Sells holdings, in order, until `needed` settlement atoms have come in or nothing is left.
    // Refused (nothing planned) for a negative need, an unknown place, or a holding to sell whose
    // price was never set; a short raise is not an error: plan.shortfall says how short.
    template <class SettleLedger>
    Result<Plan> plan_raise(const SettleLedger& settle_ledger, Place settle_place, const SettleMoney& needed) const {
        if (needed.is_negative()) return make_error(ErrorCode::amount_negative, "a need below zero");
        if (!settle_ledger.contains(settle_place)) return make_error(ErrorCode::unknown_place, "no settlement place");
        Plan plan;
        plan.needed = needed.atoms();
        std::int64_t remaining = needed.atoms();
        for (std::size_t k = 0; k < holding_count && remaining > 0; ++k) {
            const std::size_t i = order_[k];
            Result<void> planned = {};
            visit(i, [&](const auto& ledger) {
                using LedgerA = std::decay_t<decltype(ledger)>;
                using A = typename LedgerA::Money::asset_type;
                const Int128 held = Int128(ledger.balance_of(Place::fund(FundId{0})).atoms());
                if (held <= 0) return;
                if (prices_[i] <= 0) {
                    planned = make_error(ErrorCode::no_mark, "a holding to sell has no price");
                    return;
                }
                const HoldingConfig& c = configs_[i];
                const std::int64_t sale_price =
                    mul_div(prices_[i], Ppm::denominator - c.haircut.count() - c.slippage.count(), Ppm::denominator,
                            round_down).value();  // <= the price: fits
                if (sale_price <= 0) return;
                // The fewest atoms whose proceeds cover what remains, at most what is held.
                const Result<Int128> wanted = atoms_for<A>(remaining, sale_price);
                const Int128 sold = wanted && *wanted < held ? *wanted : held;
                const Result<Amount<Settle, Int128>> proceeds =
                    notional(Quantity<A, Int128>(sold), Price<A, Settle>::from_raw(sale_price), round_down);
                if (!proceeds) {
                    planned = proceeds.error();
                    return;
                }
                const Result<std::int64_t> raised = checked_add(plan.raised, to_int64(proceeds->atoms()));
                if (!raised || proceeds->atoms() > Int128(std::numeric_limits<std::int64_t>::max())) {
                    planned = make_error(ErrorCode::overflow, "proceeds beyond int64");
                    return;
                }
                const std::int64_t got = to_int64(proceeds->atoms());
                if (got == 0) return;  // dust that would fetch nothing is kept, not given away
                plan.sales[i] = HoldingSale{sold, got, sale_price};
                plan.raised = *raised;
                remaining = std::max<std::int64_t>(0, remaining - got);
            });
            if (!planned) return planned.error();
        }
        plan.shortfall = remaining;
        if (plan.raised > 0) {
            if (Result<void> ok = settle_ledger.check_transfer(Place::external(), settle_place, SettleMoney(plan.raised));
                !ok) {
                return ok.error();
            }
        }
        return plan;
    }

    template <class SettleLedger>
    Plan commit_raise(SettleLedger& settle_ledger, Place settle_place, const Plan& plan) {
        for (std::size_t i = 0; i < holding_count; ++i) {
            if (plan.sales[i].sold_atoms <= 0) continue;
            visit(i, [&](auto& ledger) {
                using Money = typename std::decay_t<decltype(ledger)>::Money;
                using Rep = typename Money::rep;
                ledger.commit(Place::fund(FundId{0}), Place::external(), Money(static_cast<Rep>(plan.sales[i].sold_atoms)),
                              TransferReason::fund_asset_sale);
            });
        }
        if (plan.raised > 0) {
            settle_ledger.commit(Place::external(), settle_place, SettleMoney(plan.raised), TransferReason::fund_asset_sale);
        }
        return plan;
    }

    template <class SettleLedger>
    Result<Plan> raise(SettleLedger& settle_ledger, Place settle_place, const SettleMoney& needed) {
        Result<Plan> plan = plan_raise(settle_ledger, settle_place, needed);
        if (!plan) return plan;
        return commit_raise(settle_ledger, settle_place, *plan);
    }

private:
    template <class A, std::size_t I = 0>
    static constexpr std::size_t index_of() {
        static_assert(I < holding_count, "not an asset this fund holds");
        if constexpr (std::is_same<A, std::tuple_element_t<I, std::tuple<Held...>>>::value) return I;
        else return index_of<A, I + 1>();
    }

    // ceil(amount / sale price) in atoms of A: amount x 10^e / price with e the notional exponent.
    template <class A>
    static Result<Int128> atoms_for(std::int64_t amount, std::int64_t sale_price) {
        constexpr int exponent = AssetTraits<A>::decimals + Price<A, Settle>::decimals - AssetTraits<Settle>::decimals;
        if constexpr (exponent >= 0) {
            return mul_div(Int128(amount), pow10<Int128>(exponent), Int128(sale_price), round_up);
        } else {
            const Result<Int128> divisor = checked_mul(Int128(sale_price), pow10<Int128>(-exponent));
            if (!divisor) return divisor.error();
            return mul_div(Int128(amount), Int128(1), *divisor, round_up);
        }
    }

    // A value known to lie within int64 (the caller checked).
    static std::int64_t to_int64(const Int128& x) {
        return x > Int128(std::numeric_limits<std::int64_t>::max()) ? std::numeric_limits<std::int64_t>::max()
                                                                    : static_cast<std::int64_t>(x);
    }

    template <class LedgerA>
    Result<Int128> holding_value(const LedgerA& ledger, std::size_t i, std::int64_t haircut_ppm) const {
        using A = typename LedgerA::Money::asset_type;
        const Int128 held = Int128(ledger.balance_of(Place::fund(FundId{0})).atoms());
        if (held == 0) return Int128(0);
        if (prices_[i] <= 0) return make_error(ErrorCode::no_mark, "a holding has no price");
        const std::int64_t price =
            mul_div(prices_[i], Ppm::denominator - haircut_ppm, Ppm::denominator, round_down).value();
        const Result<Amount<Settle, Int128>> value =
            notional(Quantity<A, Int128>(held), Price<A, Settle>::from_raw(price), round_down);
        if (!value) return value.error();
        return value->atoms();
    }

    template <class F, std::size_t... I>
    void for_each_impl(F&& f, std::index_sequence<I...>) {
        (f(std::get<I>(ledgers_), I), ...);
    }
    template <class F>
    void for_each(F&& f) { for_each_impl(f, std::index_sequence_for<Held...>{}); }
    template <class F, std::size_t... I>
    void for_each_const_impl(F&& f, std::index_sequence<I...>) const {
        (f(std::get<I>(ledgers_), I), ...);
    }
    template <class F>
    void for_each_const(F&& f) const { for_each_const_impl(f, std::index_sequence_for<Held...>{}); }
    // f(ledger) on the holding at a runtime index.
    template <class F, std::size_t... I>
    void visit_impl(std::size_t index, F&& f, std::index_sequence<I...>) const {
        ((index == I ? (f(std::get<I>(ledgers_)), 0) : 0), ...);
    }
    template <class F, std::size_t... I>
    void visit_impl(std::size_t index, F&& f, std::index_sequence<I...>) {
        ((index == I ? (f(std::get<I>(ledgers_)), 0) : 0), ...);
    }
    template <class F>
    void visit(std::size_t index, F&& f) const { visit_impl(index, f, std::index_sequence_for<Held...>{}); }
    template <class F>
    void visit(std::size_t index, F&& f) { visit_impl(index, f, std::index_sequence_for<Held...>{}); }

    std::tuple<Ledger<Held>...> ledgers_{Ledger<Held>(LedgerLimits{0, 1, 0})...};
    std::array<HoldingConfig, holding_count> configs_{};
    std::array<std::uint8_t, holding_count> order_{};
    std::array<std::int64_t, holding_count> prices_{};  // raw, 0: not set
};

}  // namespace backstop
