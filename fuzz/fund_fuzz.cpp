// Fuzz target: the insurance fund with runtime-chosen policies (RuntimeInsuranceFund<USDC>).
//
// The bytes decode to a ledger with a few accounts, liquidators and funds, the fund's three
// policies and their parameters (any int64, so shares above 100%, negative caps and values near
// the limits come up), then a sequence of deposits, withdrawals, captures, settlements and
// socializations with edge-biased amounts, places that do and do not exist, and loss bearers
// whose figures need not agree with the ledger. After every operation:
//   - the ledger's audit balances, and nothing aborts or trips ASan/UBSan;
//   - a refused operation (any typed error) leaves the ledger digest and the fund's statistics
//     unchanged;
//   - an accepted one moves what its report says: a capture's split adds up to the penalty and
//     leaves the source by exactly it; a settlement pays at most the deficit and the balance, the
//     report's remainder is the rest, and the per-market total (wide) grows by the payment; a
//     socialization covers at most the remainder, no bearer gives more than its capacity
//     (profit and collateral for auto-deleveraging and haircuts, collateral for funding and
//     assessments), and committed allocations leave their bearers' collateral exactly;
//   - plan then commit is the one-call operation: each capture, settlement and socialization is
//     planned on the fund (plan_*), which must change nothing, then committed (commit_*), while
//     a copy of the ledger and fund makes the one call (capture/settle/socialize); both refuse
//     with the same code or both succeed with the same report, allocations, ledger digest and
//     statistics.
//
// The fund's findings of issue 12 (finding 9) are fixed; their reproducers are replayed as
// fuzz_fund_known_crashes (fuzz/known_crashes/fund/), which must pass.
#include <backstop/fund/any_policy.hpp>
#include <backstop/ledger/ledger.hpp>
#include <backstop/money/assets.hpp>
#include <backstop/money/format.hpp>

#include "fuzz_input.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <string>
#include <utility>
#include <cstdint>
#include <limits>
#include <optional>
#include <type_traits>
#include <vector>

using namespace backstop;
using namespace backstop::assets;
using backstop_fuzz::FuzzInput;

namespace {

using Money = Amount<USDC>;
using Fund = RuntimeInsuranceFund<USDC>;
using Book = Ledger<USDC>;
using Bearer = LossBearer<USDC>;

// BACKSTOP_FUZZ_TRACE=1 prints each operation as it is decoded: what a reproducer does, in
// words, for turning a crash file into a regression test.
bool tracing() {
    static const bool on = std::getenv("BACKSTOP_FUZZ_TRACE") != nullptr;
    return on;
}
template <class... Args>
void trace(fmt::format_string<Args...> format, Args&&... args) {
    if (tracing()) fmt::print(stderr, "{}\n", fmt::format(format, std::forward<Args>(args)...));
}
std::string place_text(Place p) {
    return fmt::format("{}#{}", place_kind_name(p.kind()), p.index());
}

Money money(FuzzInput& in) { return Money(in.int64()); }
Bps bps(FuzzInput& in) {
    // Mostly a plausible share, sometimes any int64 (validate() must refuse what is out of range).
    return (in.byte() & 3) ? Bps(in.below(200) * 50) : Bps(in.int64());
}

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

socialized_loss::AnySocializedLoss<USDC> socialized_loss_from(FuzzInput& in) {
    using namespace socialized_loss;
    // Bytes 247-251 pick WaterFillingAdl (added later): no input of the corpus or known_crashes/
    // had one of them here, and every other byte keeps its meaning, so they still reach what
    // they reached.
    const std::uint8_t pick = in.byte();
    if (pick >= 247 && pick <= 251) return WaterFillingAdl<USDC>(in.below(8));
    switch (pick % 6) {
        case 0: return RankedAdl<USDC, adl_rank::PnlTimesLeverage>(in.below(8));
        case 1: return RankedAdl<USDC, adl_rank::BinanceLeveragePnl>(in.below(8));
        case 2: return RandomStartAdl<USDC>{in.below(8)};
        case 3: return ProRataHaircut<USDC>{};
        case 4: return FundingSocialization<USDC>{in.int64()};
        default: return ClearingHouseWaterfall<USDC>{FundId{in.below(4)}, money(in), bps(in)};
    }
}

// The fund's statistics, all of them: a refused operation or a plan must not change them, and
// plan + commit must leave them as the one call does.
struct StatisticsSnapshot {
    Amount<USDC, Int128> captured, paid, socialized, uncovered, deposited, withdrawn;
    Money largest_payout, high_water_mark, drawdown_max;
    std::uint64_t captures, settles, socializes, depletions;

    static StatisticsSnapshot of(const FundStatistics<USDC>& s) {
        return {s.captured_total, s.paid_total, s.socialized_total, s.uncovered_total,
                s.deposited_total, s.withdrawn_total, s.largest_payout, s.high_water_mark,
                s.drawdown_max, s.capture_count, s.settle_count, s.socialize_count,
                s.depletion_count};
    }
    friend bool operator==(const StatisticsSnapshot& a, const StatisticsSnapshot& b) {
        return a.captured == b.captured && a.paid == b.paid && a.socialized == b.socialized &&
               a.uncovered == b.uncovered && a.deposited == b.deposited &&
               a.withdrawn == b.withdrawn && a.largest_payout == b.largest_payout &&
               a.high_water_mark == b.high_water_mark && a.drawdown_max == b.drawdown_max &&
               a.captures == b.captures && a.settles == b.settles &&
               a.socializes == b.socializes && a.depletions == b.depletions;
    }
};

bool fits_int64_sum(const Money& a, const Money& b) { return checked_add(a, b).has_value(); }

bool same_split(const PenaltySplit<USDC>& a, const PenaltySplit<USDC>& b) {
    return a.to_liquidator == b.to_liquidator && a.to_fund == b.to_fund &&
           a.to_treasury == b.to_treasury && a.to_dust == b.to_dust;
}
bool same_allocation(const Allocation<USDC>& a, const Allocation<USDC>& b) {
    return a.bearer_index == b.bearer_index && a.account == b.account && a.source == b.source &&
           a.amount == b.amount && a.quantity_atoms == b.quantity_atoms && a.layer == b.layer;
}

// What a bearer can give up under each layer, as fund_types.hpp and the policies document it.
Money profit_capacity(const Bearer& bearer) {
    return std::min(std::max(bearer.unrealised_pnl, Money::zero()), bearer.collateral);
}

class FundRun {
public:
    FundRun(Book& ledger, Fund& fund, std::vector<Place> places)
        : ledger_(ledger), fund_(fund), places_(std::move(places)) {}

    void step(FuzzInput& in) {
        const std::uint64_t digest = ledger_.digest();
        const StatisticsSnapshot statistics = StatisticsSnapshot::of(fund_.statistics());
        std::optional<Error> refused;
        switch (in.below(8)) {
            case 0: case 1: refused = move(in); break;  // balances for the fund's operations to use
            case 2: refused = deposit(in); break;
            case 3: refused = withdraw(in); break;
            case 4: refused = capture(in); break;
            case 5: refused = settle(in); break;
            default: refused = socialize(in); break;
        }
        FUZZ_CHECK(ledger_.audit().balanced());
        if (refused) trace("  refused: {}", refused->code);
        if (refused) {
            FUZZ_CHECK(error_code_name(refused->code) != "unknown");
            FUZZ_CHECK(ledger_.digest() == digest);
            FUZZ_CHECK(StatisticsSnapshot::of(fund_.statistics()) == statistics);
        }
    }

private:
    Place place(FuzzInput& in) { return places_[in.below(static_cast<std::uint32_t>(places_.size()))]; }
    Money balance(Place p) const { return ledger_.balance(p).value_or(Money::zero()); }

    // A plan is const: the ledger and the fund are as they were.
    void check_plan_changed_nothing(std::uint64_t digest, const StatisticsSnapshot& statistics) const {
        FUZZ_CHECK(ledger_.digest() == digest);
        FUZZ_CHECK(StatisticsSnapshot::of(fund_.statistics()) == statistics);
    }
    // After plan + commit here and the one call on the copies: the same state.
    void check_same_state(const Book& ledger, const Fund& fund) const {
        FUZZ_CHECK(ledger.digest() == ledger_.digest());
        FUZZ_CHECK(StatisticsSnapshot::of(fund.statistics()) == StatisticsSnapshot::of(fund_.statistics()));
        for (std::uint32_t m = 0; m < 10; ++m) FUZZ_CHECK(fund.paid_in(MarketId{m}) == fund_.paid_in(MarketId{m}));
    }

    std::optional<Error> move(FuzzInput& in) {
        const Place source = place(in);
        const Place target = place(in);
        const Money amount = money(in);
        trace("transfer {} from {} to {}", amount, place_text(source), place_text(target));
        const Result<void> moved = ledger_.transfer(source, target, amount, TransferReason::other);
        if (!moved) return moved.error();
        return std::nullopt;
    }

    std::optional<Error> deposit(FuzzInput& in) {
        const Place source = place(in);
        const Money amount = money(in);
        trace("deposit {} from {}", amount, place_text(source));
        const Money before = fund_.balance(ledger_);
        const Result<void> done = fund_.deposit(ledger_, source, amount);
        if (!done) return done.error();
        FUZZ_CHECK(fund_.balance(ledger_) == before + amount);
        return std::nullopt;
    }

    std::optional<Error> withdraw(FuzzInput& in) {
        const Place target = place(in);
        const Money amount = money(in);
        trace("withdraw {} to {}", amount, place_text(target));
        const Money before = fund_.balance(ledger_);
        const Result<void> done = fund_.withdraw(ledger_, target, amount);
        if (!done) return done.error();
        FUZZ_CHECK(fund_.balance(ledger_) == before - amount);
        return std::nullopt;
    }

    std::optional<Error> capture(FuzzInput& in) {
        const Money penalty = money(in);
        const CaptureContext context{place(in), place(in), MarketId{in.below(10)}};
        trace("capture {} from {} liquidator {} market {}", penalty, place_text(context.source),
              place_text(context.liquidator), context.market.value);
        const Money source_before = balance(context.source);
        const std::uint64_t digest = ledger_.digest();
        const StatisticsSnapshot statistics = StatisticsSnapshot::of(fund_.statistics());
        Book one_call_ledger = ledger_;
        Fund one_call_fund = fund_;
        const Result<CaptureReport<USDC>> one_call = one_call_fund.capture(one_call_ledger, penalty, context);

        const Result<PenaltySplit<USDC>> split = fund_.plan_capture(ledger_, penalty, context);
        check_plan_changed_nothing(digest, statistics);
        FUZZ_CHECK(split.has_value() == one_call.has_value());
        if (!split) {
            FUZZ_CHECK(split.error().code == one_call.error().code);
            return split.error();
        }
        const CaptureReport<USDC> report = fund_.commit_capture(ledger_, *split, context);
        FUZZ_CHECK(report.penalty == one_call->penalty && same_split(report.split, one_call->split));
        check_same_state(one_call_ledger, one_call_fund);

        FUZZ_CHECK(report.penalty == penalty && report.split.total() == penalty);
        FUZZ_CHECK(balance(context.source) == source_before - penalty);
        return std::nullopt;
    }

    std::optional<Error> settle(FuzzInput& in) {
        const Money deficit = money(in);
        const SettleContext context{place(in), MarketId{in.below(10)}};
        using PaidTotal = Amount<USDC, Int128>;
        static_assert(std::is_same<decltype(fund_.paid_in(context.market)), PaidTotal>::value,
                      "the per-market payout total is wide");
        trace("settle {} to {} market {}", deficit, place_text(context.target), context.market.value);
        const Money fund_before = fund_.balance(ledger_);
        const PaidTotal paid_before = fund_.paid_in(context.market);
        const std::uint64_t digest = ledger_.digest();
        const StatisticsSnapshot statistics = StatisticsSnapshot::of(fund_.statistics());
        Book one_call_ledger = ledger_;
        Fund one_call_fund = fund_;
        const Result<SettlementReport<USDC>> one_call = one_call_fund.settle(one_call_ledger, deficit, context);

        const Result<Money> paid = fund_.plan_settle(ledger_, deficit, context);
        check_plan_changed_nothing(digest, statistics);
        FUZZ_CHECK(paid.has_value() == one_call.has_value());
        if (!paid) {
            FUZZ_CHECK(paid.error().code == one_call.error().code);
            return paid.error();
        }
        const SettlementReport<USDC> report = fund_.commit_settle(ledger_, deficit, *paid, context);
        FUZZ_CHECK(report.deficit == one_call->deficit && report.paid == one_call->paid &&
                   report.remainder == one_call->remainder && report.depleted == one_call->depleted);
        check_same_state(one_call_ledger, one_call_fund);

        FUZZ_CHECK(report.deficit == deficit);
        FUZZ_CHECK(!report.paid.is_negative() && report.paid <= deficit);
        FUZZ_CHECK(report.paid <= std::max(fund_before, Money::zero()));
        FUZZ_CHECK(report.remainder == deficit - report.paid);
        FUZZ_CHECK(fund_.balance(ledger_) == fund_before - report.paid);
        FUZZ_CHECK(fund_.paid_in(context.market) == paid_before + PaidTotal(report.paid));
        return std::nullopt;
    }

    std::vector<Bearer> bearers(FuzzInput& in) {
        std::vector<Bearer> result(in.below(6));
        std::uint32_t account = in.below(3);
        for (Bearer& bearer : result) {
            bearer.account = AccountId{account};
            account += in.below(8) == 0 ? 0u : 1u + in.below(2);  // now and then out of order
            bearer.side = in.boolean() ? Side::long_side : Side::short_side;
            bearer.size_atoms = (in.byte() & 7) ? in.non_negative() : in.int64();
            bearer.unrealised_pnl = money(in);
            // Usually what the ledger holds, as an engine would say; sometimes anything.
            const Result<Money> held = ledger_.balance(Place::collateral(bearer.account));
            bearer.collateral = (held && (in.byte() & 3)) ? *held : money(in);
            bearer.position_value = Money(in.non_negative());
            bearer.entry_value = Money(in.non_negative());
            bearer.maintenance = Money(in.non_negative());
        }
        return result;
    }

    std::optional<Error> socialize(FuzzInput& in) {
        const Money remainder = money(in);
        const std::vector<Bearer> group = bearers(in);
        std::vector<Allocation<USDC>> out(in.below(8));
        SocializeContext context;
        context.target = place(in);
        context.market = MarketId{in.below(10)};
        context.defaulter_size_atoms = in.int64();
        context.event_seed = in.bits64();
        context.commit_transfers = (in.byte() & 3) != 0;

        trace("socialize {} to {} market {} defaulter size {} seed {} commit {} out {}", remainder,
              place_text(context.target), context.market.value, context.defaulter_size_atoms,
              context.event_seed, context.commit_transfers, out.size());
        for (const Bearer& b : group) {
            trace("  bearer account {} size {} pnl {} collateral {} value {} entry {} maintenance {}",
                  b.account.value, b.size_atoms, b.unrealised_pnl, b.collateral, b.position_value,
                  b.entry_value, b.maintenance);
        }
        std::vector<Money> before(group.size());
        for (std::size_t i = 0; i < group.size(); ++i) before[i] = balance(Place::collateral(group[i].account));
        const Money target_before = balance(context.target);
        const Span<const Bearer> bearers_span(group.data(), group.size());
        const std::uint64_t digest = ledger_.digest();
        const StatisticsSnapshot statistics = StatisticsSnapshot::of(fund_.statistics());
        Book one_call_ledger = ledger_;
        Fund one_call_fund = fund_;
        std::vector<Allocation<USDC>> one_call_out(out.size());
        const Result<SocializeReport<USDC>> one_call = one_call_fund.socialize(
            one_call_ledger, remainder, bearers_span,
            Span<Allocation<USDC>>(one_call_out.data(), one_call_out.size()), context);

        const Result<SocializePlan<USDC>> plan = fund_.plan_socialize(
            ledger_, remainder, bearers_span, Span<Allocation<USDC>>(out.data(), out.size()), context);
        check_plan_changed_nothing(digest, statistics);
        FUZZ_CHECK(plan.has_value() == one_call.has_value());
        if (!plan) {
            FUZZ_CHECK(plan.error().code == one_call.error().code);
            return plan.error();
        }
        const SocializeReport<USDC> report = fund_.commit_socialize(
            ledger_, remainder, Span<const Allocation<USDC>>(out.data(), plan->allocation_count), *plan, context);
        FUZZ_CHECK(report.remainder == one_call->remainder && report.covered == one_call->covered &&
                   report.uncovered == one_call->uncovered &&
                   report.allocation_count == one_call->allocation_count &&
                   report.funding_delta_per_unit == one_call->funding_delta_per_unit);
        for (std::size_t k = 0; k < report.allocation_count && k < out.size(); ++k) {
            FUZZ_CHECK(same_allocation(out[k], one_call_out[k]));
        }
        check_same_state(one_call_ledger, one_call_fund);
        trace("  covered {} in {} allocations", report.covered, report.allocation_count);

        FUZZ_CHECK(report.remainder == remainder);
        FUZZ_CHECK(!report.covered.is_negative() && report.covered <= remainder);
        FUZZ_CHECK(report.uncovered == remainder - report.covered);
        FUZZ_CHECK(report.allocation_count <= out.size());
        std::vector<Money> taken(group.size());
        // Wide: allocations owed through the funding index (not committed) may add up past int64.
        Int128 allocated = 0;
        for (std::size_t k = 0; k < report.allocation_count; ++k) {
            const Allocation<USDC>& allocation = out[k];
            FUZZ_CHECK(allocation.amount.is_positive());
            allocated += Int128(allocation.amount.atoms());
            if (allocation.layer == LossLayer::default_fund) continue;
            FUZZ_CHECK(allocation.bearer_index < group.size());
            const Bearer& bearer = group[allocation.bearer_index];
            FUZZ_CHECK(allocation.account == bearer.account);
            if (fits_int64_sum(taken[allocation.bearer_index], allocation.amount)) {
                taken[allocation.bearer_index] += allocation.amount;
            }
            const bool profit_layer = allocation.layer == LossLayer::auto_deleveraging ||
                                      allocation.layer == LossLayer::haircut;
            if (profit_layer) FUZZ_CHECK(allocation.amount <= profit_capacity(bearer));
            if (allocation.layer == LossLayer::assessment) FUZZ_CHECK(allocation.amount <= bearer.collateral);
            if (allocation.layer == LossLayer::funding && context.commit_transfers) {
                FUZZ_CHECK(allocation.amount <= bearer.collateral);
            }
        }
        FUZZ_CHECK(allocated >= Int128(report.covered.atoms()));
        if (!context.commit_transfers) return std::nullopt;
        // Committed: each bearer's collateral fell by what it gave, and the target holds the
        // covered part (any surplus went on to dust).
        for (std::size_t i = 0; i < group.size(); ++i) {
            if (taken[i].is_positive() && Place::collateral(group[i].account) != context.target) {
                FUZZ_CHECK(balance(Place::collateral(group[i].account)) == before[i] - taken[i]);
            }
        }
        if (context.target != Place::dust()) {
            bool target_is_source = false;
            for (std::size_t k = 0; k < report.allocation_count; ++k) {
                target_is_source = target_is_source || out[k].source == context.target;
            }
            if (!target_is_source) FUZZ_CHECK(balance(context.target) == target_before + report.covered);
        }
        return std::nullopt;
    }

    Book& ledger_;
    Fund& fund_;
    std::vector<Place> places_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzInput in(data, size);
    Book ledger(LedgerLimits{1u + in.below(5), 3, 2});
    // A default fund (for the clearing house policy) may be opened before the fund itself.
    const bool default_fund_first = in.boolean();
    if (default_fund_first) (void)ledger.open_fund();
    const std::uint32_t accounts = 1 + in.below(ledger.limits().accounts_max);
    for (std::uint32_t i = 0; i < accounts; ++i) (void)ledger.open_account();
    (void)ledger.open_liquidator();

    const fee_capture::AnyFeeCapture<USDC> fee_capture = fee_capture_from(in);
    const settlement::AnySettlement<USDC> settlement = settlement_from(in);
    const socialized_loss::AnySocializedLoss<USDC> socialized_loss = socialized_loss_from(in);
    const FundLimits limits{in.below(9)};  // 0 is refused

    const std::uint64_t digest = ledger.digest();
    Result<Fund> opened = Fund::open(ledger, fee_capture, settlement, socialized_loss, limits);
    if (!opened) {
        FUZZ_CHECK(opened.error().code == ErrorCode::invalid_policy_parameter);
        FUZZ_CHECK(ledger.digest() == digest);  // validated before the fund's place is opened
        return 0;
    }
    Fund& fund = *opened;
    trace("fund opened: fee capture #{}, settlement #{}, socialized loss #{}, {} accounts",
          fee_capture.variant().index(), settlement.variant().index(), socialized_loss.variant().index(),
          accounts);
    if (!default_fund_first) (void)ledger.open_fund();

    // Every place a fund operation may name, and some that do not exist.
    std::vector<Place> places = {Place::external(), Place::treasury(), Place::dust(),
                                 Place::socialized_loss(), Place::pnl_pool(), Place::funding_pool(),
                                 Place::fund(FundId{0}), Place::fund(FundId{1}), Place::fund(FundId{2}),
                                 Place::liquidator(LiquidatorId{0}), Place::liquidator(LiquidatorId{1})};
    for (std::uint32_t i = 0; i <= accounts; ++i) places.push_back(Place::collateral(AccountId{i}));

    FundRun run(ledger, fund, std::move(places));
    for (int step = 0; step < 64 && !in.empty(); ++step) run.step(in);
    return 0;
}
