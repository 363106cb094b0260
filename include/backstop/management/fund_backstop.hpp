// FundBackstop: the insurance fund as backstop liquidator (Hyperliquid's HLP; docs/options.md: an
// option book no keeper will take over). The fund owns an engine account; a takeover is one engine
// liquidation with that account as liquidator and the fund's capital behind it, moved inside the
// liquidation's own plan (MarginEngine::liquidate's fund_backing: the fund's place to the
// account's collateral, first, counted by the fund's statistics as backing; the fund settles the
// deficit from what remains), so a takeover happens whole or changes nothing. What the account
// holds beyond its goal returns to the fund later (withdraw, then fund_deposit: two engine
// commands, both checked before the first; the fund counts it as a deposit).
//
// The engine moves backing for whoever calls liquidate with it: a venue gives keepers a liquidate
// without that argument and keeps the backed one to its operator (docs/management.md).
//
//   goal     = ceil((initial of the account + initial of the defaulter) x (1 + margin_buffer)):
//              the worst-scenario part of a requirement is subadditive, so the sum bounds the
//              account's requirement after taking part or all of the book over (tiers may not be:
//              the engine checks the takeover exactly and refuses it, unchanged, when short)
//   backing  = min(goal - the account's equity, the fund's balance - fund_floor - the defaulter's
//              deficit at the marks), at least 0
//   release  = min(collateral, equity - ceil(initial x (1 + margin_buffer))), when positive
#pragma once

#include "backstop/core/checked_arith.hpp"
#include "backstop/core/config.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/span.hpp"
#include "backstop/engine/engine_reports.hpp"
#include "backstop/engine/margin_math.hpp"
#include "backstop/fund/fund_types.hpp"
#include "backstop/ledger/place.hpp"
#include "backstop/money/amount.hpp"
#include "backstop/money/rate.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

namespace backstop {

template <class Asset>
struct BackstopPolicy {
    Ppm margin_buffer{200'000};  // equity kept above the account's initial requirement, [0, 1000%]
    Amount<Asset> fund_floor;    // the fund keeps at least this for bad debt, >= 0

    Result<void> validate() const {
        if (margin_buffer < Ppm{0} || margin_buffer > Ppm{10 * Ppm::denominator}) {
            return make_error(ErrorCode::invalid_policy_parameter, "margin buffer must be within [0, 1000%]");
        }
        if (fund_floor.is_negative()) return make_error(ErrorCode::invalid_policy_parameter, "fund floor cannot be negative");
        return {};
    }
};

template <class Asset>
struct BackstopTakeover {
    LiquidationReport<Asset> liquidation;
    Amount<Asset> backing;  // the fund's capital moved to the backstop account
};

template <class Engine>
class FundBackstop {
public:
    using Asset = typename Engine::Asset;
    using Money = Amount<Asset>;

    // Opens the fund's engine account (validating the policy first: a refusal opens nothing).
    static Result<FundBackstop> open(Engine& engine, const BackstopPolicy<Asset>& policy) {
        if (Result<void> ok = policy.validate(); !ok) return ok.error();
        Result<AccountId> account = engine.open_account();
        if (!account) return account.error();
        return FundBackstop(*account, policy);
    }

    // The fund's existing account again (after a restart or a replay): `account` must exist.
    static Result<FundBackstop> attach(const Engine& engine, AccountId account, const BackstopPolicy<Asset>& policy) {
        if (Result<void> ok = policy.validate(); !ok) return ok.error();
        if (const auto known = engine.summary(account); !known) return known.error();
        return FundBackstop(account, policy);
    }

    AccountId account() const { return account_; }
    const BackstopPolicy<Asset>& policy() const { return policy_; }
    const Money& backing_total() const { return backing_total_; }
    const Money& released_total() const { return released_total_; }

    // The backing a takeover of `defaulter` would bring (see the header); a typed error for an
    // unknown account.
    Result<Money> backing_for(const Engine& engine, AccountId defaulter) const {
        const auto own = engine.summary(account_);
        if (!own) return own.error();
        const auto book = engine.summary(defaulter);
        if (!book) return book.error();
        const detail::int128 initial = detail::int128(own->initial_requirement.atoms()) + book->initial_requirement.atoms();
        const detail::int128 goal = initial + detail::ceil_div(initial * policy_.margin_buffer.count(), Ppm::denominator);
        // The backing leaves the fund first; the fund settles the defaulter's deficit from what
        // remains, so the backing leaves room for it (its equity below zero, at the marks).
        const detail::int128 deficit = std::max<detail::int128>(0, -detail::int128(book->equity.atoms()));
        const detail::int128 available =
            detail::int128(engine.ledger().balance_of(engine.fund().place()).atoms()) - policy_.fund_floor.atoms() - deficit;
        const detail::int128 backing = std::max<detail::int128>(0, std::min(goal - own->equity.atoms(), available));
        return Money(static_cast<std::int64_t>(std::min<detail::int128>(backing, std::numeric_limits<std::int64_t>::max())));
    }

    // Liquidates `defaulter` into the fund's account, backed by the fund (one engine operation:
    // refused whole, with the engine's typed error, when even the backing cannot carry it).
    Result<BackstopTakeover<Asset>> take_over(Engine& engine, AccountId defaulter, Span<Allocation<Asset>> allocations = {}) {
        const Result<Money> backing = backing_for(engine, defaulter);
        if (!backing) return backing.error();
        Result<LiquidationReport<Asset>> report = engine.liquidate(defaulter, account_, allocations, *backing);
        if (!report) return report.error();
        backing_total_ = Money(detail::clamp_int64(detail::int128(backing_total_.atoms()) + backing->atoms()));
        return BackstopTakeover<Asset>{*report, *backing};
    }

    // Returns what the account holds beyond its goal to the fund; zero when nothing is beyond it.
    Result<Money> release(Engine& engine) {
        const auto own = engine.summary(account_);
        if (!own) return own.error();
        const detail::int128 initial = own->initial_requirement.atoms();
        const detail::int128 goal = initial + detail::ceil_div(initial * policy_.margin_buffer.count(), Ppm::denominator);
        const detail::int128 amount = std::min<detail::int128>(own->collateral.atoms(), own->equity.atoms() - goal);
        if (amount <= 0) return Money(0);
        const Money back(static_cast<std::int64_t>(amount));  // <= collateral: fits
        // The fund takes it back whole (checked before the withdrawal: the deposit cannot fail).
        const std::int64_t fund_balance = engine.ledger().balance_of(engine.fund().place()).atoms();
        if (!checked_add(fund_balance, back.atoms())) return make_error(ErrorCode::overflow, "the fund cannot take the release back");
        if (Result<void> ok = engine.withdraw(account_, back); !ok) return ok.error();
        const bool in = engine.fund_deposit(back).has_value();
        BACKSTOP_ASSERT(in, "a checked release reached the fund");
        released_total_ = Money(detail::clamp_int64(detail::int128(released_total_.atoms()) + back.atoms()));
        return back;
    }

private:
    FundBackstop(AccountId account, const BackstopPolicy<Asset>& policy) : account_(account), policy_(policy) {}

    AccountId account_;
    BackstopPolicy<Asset> policy_;
    Money backing_total_;
    Money released_total_;
};

}  // namespace backstop
