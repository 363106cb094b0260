// Reinsurance between funds and a risk-sharing pool: excess of loss with reinstatements, quota
// share, stop loss, premiums and lapse, a pool paying pro rata, bad input refused with nothing
// changed, and a randomised run against an independent model with exact conservation.
#include "support/random.hpp"

#include <backstop/ledger/ledger.hpp>
#include <backstop/management/reinsurance.hpp>
#include <backstop/management/risk_pool.hpp>
#include <backstop/money/assets.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace test_management_reinsurance_test {

using namespace backstop;
using namespace backstop::assets;
using namespace backstop::testing;

namespace {

using Wide = Amount<USDC, Int128>;
using Book = Reinsurance<USDC>;
using Terms = TreatyTerms<USDC>;
using Pool = RiskPool<USDC>;
using Loss = MemberLoss<USDC>;

constexpr std::int64_t day_ms = 86'400'000;

Wide w(std::int64_t atoms) { return Wide(atoms); }

struct World {
    Ledger<USDC> ledger{LedgerLimits{1, 8, 1, 1}};
    std::array<FundId, 6> funds{};

    World() {
        for (FundId& f : funds) f = ledger.open_fund().value();
    }
    void deposit(FundId f, std::int64_t atoms) {
        ledger.transfer(Place::external(), Place::fund(f), Amount<USDC>(atoms), TransferReason::fund_deposit).value();
    }
    // The cedent's loss event: value leaves the fund for the outside (bad debt it covered).
    void lose(FundId f, std::int64_t atoms) {
        ledger.transfer(Place::fund(f), Place::external(), Amount<USDC>(atoms), TransferReason::bad_debt_payment)
            .value();
    }
    std::int64_t balance(FundId f) const { return ledger.balance_of(Place::fund(f)).atoms(); }
};

Terms excess_of_loss(FundId cedent, FundId reinsurer, std::int64_t attachment, std::int64_t limit,
                     std::uint32_t reinstatements) {
    Terms t;
    t.kind = TreatyKind::excess_of_loss;
    t.cedent = cedent;
    t.reinsurer = reinsurer;
    t.attachment = w(attachment);
    t.limit = w(limit);
    t.reinstatements = reinstatements;
    t.period_ms = day_ms;
    return t;
}

template <class T>
ErrorCode code_of(const Result<T>& r) {
    REQUIRE_FALSE(r.has_value());
    return r.error().code;
}

// Every field the book keeps for a treaty, to show a refusal changed none.
bool same(const Treaty<USDC>& a, const Treaty<USDC>& b) {
    return a.status == b.status && a.premium_due_ms == b.premium_due_ms && a.last_claim_ms == b.last_claim_ms &&
           a.used == b.used && a.period_index == b.period_index && a.period_loss == b.period_loss &&
           a.period_covered == b.period_covered && a.claims_paid == b.claims_paid &&
           a.claims_unpaid == b.claims_unpaid && a.premiums_paid == b.premiums_paid &&
           a.periods_paid == b.periods_paid;
}

}  // namespace

TEST_CASE("reinsurance: excess of loss per event, reinstatements, exhaustion, a reinsurer short",
          "[management][reinsurance]") {
    World world;
    const FundId cedent = world.funds[0];
    const FundId reinsurer = world.funds[1];
    world.deposit(reinsurer, 10'000);
    Book book = Book::open(4).value();
    // Attachment 100, limit 400, one reinstatement: the aggregate is 400 x (1 + 1) = 800.
    const TreatyId id = book.write(world.ledger, excess_of_loss(cedent, reinsurer, 100, 400, 1), 0).value();
    CHECK(book.treaty(id)->aggregate == w(800));

    // 50 is below the attachment: due max(50 - 100, 0) = 0, no transfer.
    const std::uint64_t before = world.ledger.digest();
    ClaimReport<USDC> r = book.claim(world.ledger, id, w(50), 10).value();
    CHECK(r.due == w(0));
    CHECK(r.paid == w(0));
    CHECK(r.limit_left == w(800));
    CHECK(world.ledger.digest() == before);

    // 300: due min(300 - 100, 400) = 200, paid in full; 800 - 200 = 600 left.
    r = book.claim(world.ledger, id, w(300), 20).value();
    CHECK(r.due == w(200));
    CHECK(r.paid == w(200));
    CHECK(r.unpaid == w(0));
    CHECK(r.limit_left == w(600));
    CHECK(world.balance(cedent) == 200);
    CHECK(world.balance(reinsurer) == 9'800);

    // 600: min(600 - 100, 400) = 400 (the limit; the reinstatement restores it); 600 - 400 = 200 left.
    r = book.claim(world.ledger, id, w(600), 30).value();
    CHECK(r.due == w(400));
    CHECK(r.limit_left == w(200));
    CHECK(book.treaty(id)->status == TreatyStatus::active);

    // 700: min(700 - 100, 400, 200 left of the aggregate) = 200; the treaty is exhausted.
    r = book.claim(world.ledger, id, w(700), 40).value();
    CHECK(r.due == w(200));
    CHECK(r.paid == w(200));
    CHECK(r.limit_left == w(0));
    CHECK(r.status == TreatyStatus::exhausted);
    CHECK(world.balance(cedent) == 200 + 400 + 200);
    CHECK(world.balance(reinsurer) == 10'000 - 800);
    CHECK(book.treaty(id)->claims_paid == w(800));

    // 100 more: nothing is left, refused, nothing changes.
    const std::uint64_t exhausted = world.ledger.digest();
    const Treaty<USDC> kept = book.treaty(id).value();
    CHECK(code_of(book.claim(world.ledger, id, w(100), 50)) == ErrorCode::treaty_exhausted);
    CHECK(world.ledger.digest() == exhausted);
    CHECK(same(book.treaty(id).value(), kept));

    // A reinsurer holding only 150: a loss of 300 is due 200, it pays 150, 50 unpaid (not created).
    const FundId thin = world.funds[2];
    world.deposit(thin, 150);
    const TreatyId second = book.write(world.ledger, excess_of_loss(cedent, thin, 100, 400, 1), 0).value();
    r = book.claim(world.ledger, second, w(300), 60).value();
    CHECK(r.due == w(200));
    CHECK(r.paid == w(150));
    CHECK(r.unpaid == w(50));
    CHECK(r.limit_left == w(600));  // the cover was called: 800 - 200
    CHECK(world.balance(thin) == 0);
    CHECK(world.balance(cedent) == 800 + 150);
    CHECK(book.treaty(second)->claims_unpaid == w(50));
    // An empty reinsurer: everything due is unpaid, no transfer.
    r = book.claim(world.ledger, second, w(150), 61).value();
    CHECK(r.due == w(50));
    CHECK(r.paid == w(0));
    CHECK(r.unpaid == w(50));
    CHECK(world.ledger.audit().balanced());
}

TEST_CASE("reinsurance: bad input is refused with its typed error and changes nothing",
          "[management][reinsurance]") {
    World world;
    const FundId cedent = world.funds[0];
    const FundId reinsurer = world.funds[1];
    world.deposit(reinsurer, 1'000);
    Book book = Book::open(2).value();
    CHECK(code_of(Book::open(0)) == ErrorCode::invalid_policy_parameter);
    const Terms good = excess_of_loss(cedent, reinsurer, 100, 400, 1);

    auto refused_terms = [&](Terms t) {
        const Result<TreatyId> r = book.write(world.ledger, t, 0);
        return r ? ErrorCode::invalid_argument : r.error().code;  // invalid_argument: not refused
    };
    Terms t = good;
    t.reinsurer = cedent;
    CHECK(refused_terms(t) == ErrorCode::invalid_policy_parameter);
    t = good;
    t.limit = w(0);
    CHECK(refused_terms(t) == ErrorCode::invalid_policy_parameter);
    t = good;
    t.attachment = w(-1);
    CHECK(refused_terms(t) == ErrorCode::invalid_policy_parameter);
    t = good;
    t.premium_per_period = w(-1);
    CHECK(refused_terms(t) == ErrorCode::invalid_policy_parameter);
    t = good;
    t.limit = Wide(pow10<Int128>(30) + 1);
    CHECK(refused_terms(t) == ErrorCode::invalid_policy_parameter);
    t = good;
    t.reinstatements = Terms::reinstatements_max + 1;
    CHECK(refused_terms(t) == ErrorCode::invalid_policy_parameter);
    t = good;
    t.period_ms = 0;
    CHECK(refused_terms(t) == ErrorCode::invalid_policy_parameter);
    t = good;
    t.share = Ppm{300'000};  // only a quota share has a share
    CHECK(refused_terms(t) == ErrorCode::invalid_policy_parameter);
    t = good;
    t.kind = TreatyKind::quota_share;
    t.attachment = w(0);
    t.share = Ppm{0};
    CHECK(refused_terms(t) == ErrorCode::invalid_policy_parameter);
    t.share = Ppm{1'000'001};
    CHECK(refused_terms(t) == ErrorCode::invalid_policy_parameter);
    t.share = Ppm{300'000};
    t.attachment = w(1);  // a quota share has no attachment
    CHECK(refused_terms(t) == ErrorCode::invalid_policy_parameter);
    t = good;
    t.kind = static_cast<TreatyKind>(7);
    CHECK(refused_terms(t) == ErrorCode::invalid_policy_parameter);
    t = good;
    t.reinsurer = FundId{7};  // the ledger has six funds
    CHECK(refused_terms(t) == ErrorCode::unknown_place);
    t = good;
    t.period_ms = day_ms;
    CHECK(code_of(book.write(world.ledger, t, std::numeric_limits<std::int64_t>::max())) == ErrorCode::overflow);
    CHECK(book.treaty_count() == 0);

    const TreatyId id = book.write(world.ledger, good, 1'000).value();
    book.write(world.ledger, good, 1'000).value();
    CHECK(code_of(book.write(world.ledger, good, 1'000)) == ErrorCode::capacity_exceeded);

    const std::uint64_t digest = world.ledger.digest();
    const Treaty<USDC> kept = book.treaty(id).value();
    CHECK(code_of(book.claim(world.ledger, TreatyId{2}, w(500), 2'000)) == ErrorCode::unknown_treaty);
    CHECK(code_of(book.claim(world.ledger, id, w(0), 2'000)) == ErrorCode::amount_not_positive);
    CHECK(code_of(book.claim(world.ledger, id, w(-5), 2'000)) == ErrorCode::amount_not_positive);
    CHECK(code_of(book.claim(world.ledger, id, w(500), 999)) == ErrorCode::time_backwards);  // before the writing
    CHECK(code_of(book.charge_premium(world.ledger, TreatyId{9}, 2'000)) == ErrorCode::unknown_treaty);
    CHECK(world.ledger.digest() == digest);
    CHECK(same(book.treaty(id).value(), kept));
    // A claim then one earlier: time does not go back.
    book.claim(world.ledger, id, w(500), 5'000).value();
    const std::uint64_t after = world.ledger.digest();
    const Treaty<USDC> claimed = book.treaty(id).value();
    CHECK(code_of(book.claim(world.ledger, id, w(500), 4'999)) == ErrorCode::time_backwards);
    CHECK(world.ledger.digest() == after);
    CHECK(same(book.treaty(id).value(), claimed));
}

TEST_CASE("reinsurance: quota share rounds down, stop loss per period with reset", "[management][reinsurance]") {
    World world;
    const FundId cedent = world.funds[0];
    const FundId reinsurer = world.funds[1];
    world.deposit(reinsurer, 100'000);
    Book book = Book::open(4).value();

    SECTION("quota share 30%") {
        Terms t;
        t.kind = TreatyKind::quota_share;
        t.cedent = cedent;
        t.reinsurer = reinsurer;
        t.share = Ppm{300'000};
        t.limit = w(1'000);  // per event
        t.reinstatements = 2;  // aggregate 3,000
        const TreatyId id = book.write(world.ledger, t, 0).value();
        // 1,001 x 30% = 300.3, rounded down to 300: the reinsurer never pays more than its share.
        ClaimReport<USDC> r = book.claim(world.ledger, id, w(1'001), 1).value();
        CHECK(r.due == w(300));
        CHECK(r.paid == w(300));
        // 7 x 30% = 2.1 -> 2; the cedent keeps 5.
        r = book.claim(world.ledger, id, w(7), 2).value();
        CHECK(r.due == w(2));
        // 3 x 30% = 0.9 -> 0: nothing due, no transfer.
        r = book.claim(world.ledger, id, w(3), 3).value();
        CHECK(r.due == w(0));
        // 5,000 x 30% = 1,500, capped at the event limit 1,000.
        r = book.claim(world.ledger, id, w(5'000), 4).value();
        CHECK(r.due == w(1'000));
        CHECK(r.limit_left == w(3'000 - 300 - 2 - 1'000));
        CHECK(world.balance(cedent) == 300 + 2 + 1'000);
        CHECK(world.balance(reinsurer) == 100'000 - 1'302);
    }

    SECTION("stop loss over a period, reset the next") {
        Terms t;
        t.kind = TreatyKind::stop_loss;
        t.cedent = cedent;
        t.reinsurer = reinsurer;
        t.attachment = w(1'000);
        t.limit = w(500);
        t.reinstatements = 9;  // the life aggregate: 10 x 500
        t.period_ms = day_ms;
        const TreatyId id = book.write(world.ledger, t, 0).value();
        // Period 0. S = 600: covered max(600 - 1,000, 0) = 0.
        ClaimReport<USDC> r = book.claim(world.ledger, id, w(600), 1'000).value();
        CHECK(r.due == w(0));
        CHECK(r.period_loss == w(600));
        // S = 1,200: covered 200, of which 0 already due: 200.
        r = book.claim(world.ledger, id, w(600), 2'000).value();
        CHECK(r.due == w(200));
        // S = 2,200: covered min(1,200, 500) = 500; due 500 - 200 = 300.
        r = book.claim(world.ledger, id, w(1'000), 3'000).value();
        CHECK(r.due == w(300));
        // S = 2,250: still 500 covered, nothing more this period.
        r = book.claim(world.ledger, id, w(50), 4'000).value();
        CHECK(r.due == w(0));
        CHECK(r.period_loss == w(2'250));
        // Period 1 (a day after the writing): the tally resets. S = 1,100: due 100.
        r = book.claim(world.ledger, id, w(1'100), day_ms).value();
        CHECK(r.period_loss == w(1'100));
        CHECK(r.due == w(100));
        CHECK(r.limit_left == w(5'000 - 500 - 100));
        CHECK(book.treaty(id)->period_index == 1);
        CHECK(world.balance(cedent) == 600);
        // Back in period 0: refused, nothing changes.
        const std::uint64_t digest = world.ledger.digest();
        CHECK(code_of(book.claim(world.ledger, id, w(5'000), day_ms - 1)) == ErrorCode::time_backwards);
        CHECK(world.ledger.digest() == digest);
        // Two periods later (skipping one): S = 1,600 -> 500.
        r = book.claim(world.ledger, id, w(1'600), 3 * day_ms + 5).value();
        CHECK(r.due == w(500));
        CHECK(book.treaty(id)->period_index == 3);
    }
    CHECK(world.ledger.audit().balanced());
}

TEST_CASE("reinsurance: premiums per period, not due early, a treaty lapses when unpaid",
          "[management][reinsurance]") {
    World world;
    const FundId cedent = world.funds[0];
    const FundId reinsurer = world.funds[1];
    const FundId other = world.funds[2];
    world.deposit(cedent, 45);
    world.deposit(reinsurer, 10'000);
    Book book = Book::open(4).value();
    Terms t = excess_of_loss(cedent, reinsurer, 100, 400, 0);
    t.premium_per_period = w(10);
    t.period_ms = day_ms;
    const TreatyId id = book.write(world.ledger, t, 0).value();
    // A second treaty, reinsurer -> other, with a weekly premium: not due during this test's days.
    Terms weekly = excess_of_loss(reinsurer, other, 0, 100, 0);
    weekly.premium_per_period = w(1);
    weekly.period_ms = 7 * day_ms;
    const TreatyId week = book.write(world.ledger, weekly, 0).value();

    // A millisecond before the first period ends: not due, nothing changes.
    const std::uint64_t digest = world.ledger.digest();
    CHECK(code_of(book.charge_premium(world.ledger, id, day_ms - 1)) == ErrorCode::premium_not_due);
    CHECK(world.ledger.digest() == digest);
    PremiumsReport<USDC> step = book.charge_premiums(world.ledger, day_ms - 1);
    CHECK(step.treaties_charged == 0);
    CHECK(world.ledger.digest() == digest);

    // Day 1: one period, 10. Cedent 45 -> 35.
    PremiumReport<USDC> p = book.charge_premium(world.ledger, id, day_ms).value();
    CHECK(p.paid == w(10));
    CHECK(p.periods_paid == 1);
    CHECK(book.treaty(id)->premium_due_ms == 2 * day_ms);
    // Day 3.5, the step: periods ending at days 2 and 3, 20; the weekly treaty is skipped.
    step = book.charge_premiums(world.ledger, 3 * day_ms + day_ms / 2);
    CHECK(step.treaties_charged == 1);
    CHECK(step.paid == w(20));
    CHECK(world.balance(cedent) == 15);
    CHECK(world.balance(reinsurer) == 10'030);
    CHECK(book.treaty(week)->periods_paid == 0);
    // Day 5: periods ending at days 4 and 5 are due, 20; the cedent holds 15: it pays the first
    // (floor(15 / 10) = 1 period) and the treaty lapses at the second.
    step = book.charge_premiums(world.ledger, 5 * day_ms);
    CHECK(step.treaties_charged == 1);
    CHECK(step.lapsed == 1);
    CHECK(step.paid == w(10));
    CHECK(world.balance(cedent) == 5);
    CHECK(book.treaty(id)->status == TreatyStatus::lapsed);
    CHECK(book.treaty(id)->periods_paid == 4);
    CHECK(book.treaty(id)->premiums_paid == w(40));

    // A lapsed treaty: no cover, no premium; refused, nothing changes.
    const std::uint64_t lapsed = world.ledger.digest();
    CHECK(code_of(book.claim(world.ledger, id, w(500), 5 * day_ms)) == ErrorCode::treaty_lapsed);
    CHECK(code_of(book.charge_premium(world.ledger, id, 6 * day_ms)) == ErrorCode::treaty_lapsed);
    step = book.charge_premiums(world.ledger, 6 * day_ms);
    CHECK(step.treaties_charged == 0);
    CHECK(world.ledger.digest() == lapsed);

    // Day 7: the weekly treaty's first period, 1 from the reinsurer (now itself a cedent).
    step = book.charge_premiums(world.ledger, 7 * day_ms);
    CHECK(step.treaties_charged == 1);
    CHECK(world.balance(other) == 1);

    // A free treaty (premium 0) never lapses: its periods pass with no transfer.
    Terms free = excess_of_loss(cedent, reinsurer, 0, 100, 0);
    free.period_ms = day_ms;
    const TreatyId gratis = book.write(world.ledger, free, 7 * day_ms).value();
    const std::uint64_t before_free = world.ledger.digest();
    p = book.charge_premium(world.ledger, gratis, 10 * day_ms).value();
    CHECK(p.periods_paid == 3);
    CHECK(p.paid == w(0));
    CHECK_FALSE(p.lapsed);
    CHECK(world.ledger.digest() == before_free);
    CHECK(world.ledger.audit().balanced());
}

TEST_CASE("risk pool: contributions, a loss paid, losses beyond the pool paid pro rata", "[management][reinsurance]") {
    World world;
    const FundId a = world.funds[0];
    const FundId b = world.funds[1];
    const FundId c = world.funds[2];
    const FundId outsider = world.funds[3];
    const FundId pool_fund = world.funds[5];
    world.deposit(a, 10'005);
    world.deposit(b, 5'000);
    world.deposit(c, 2'000);
    Pool pool = Pool::open(world.ledger, pool_fund, day_ms, 4, 0).value();
    ContributionRule<USDC> tenth{ContributionKind::share_of_balance, Ppm{100'000}, w(0)};
    ContributionRule<USDC> fixed{ContributionKind::fixed, Ppm{0}, w(300)};
    CHECK(pool.add_member(world.ledger, a, tenth).value() == 0);
    CHECK(pool.add_member(world.ledger, b, tenth).value() == 1);
    CHECK(pool.add_member(world.ledger, c, fixed).value() == 2);

    // Bad members: refused, nothing changes.
    CHECK(code_of(pool.add_member(world.ledger, a, tenth)) == ErrorCode::invalid_argument);          // twice
    CHECK(code_of(pool.add_member(world.ledger, pool_fund, tenth)) == ErrorCode::invalid_argument);  // itself
    CHECK(code_of(pool.add_member(world.ledger, FundId{9}, tenth)) == ErrorCode::unknown_place);
    CHECK(code_of(pool.add_member(world.ledger, outsider, ContributionRule<USDC>{ContributionKind::fixed, Ppm{0},
                                                                                 w(0)})) ==
          ErrorCode::invalid_policy_parameter);
    CHECK(code_of(pool.add_member(world.ledger, outsider, ContributionRule<USDC>{
                                                              ContributionKind::share_of_balance, Ppm{1'000'001},
                                                              w(0)})) == ErrorCode::invalid_policy_parameter);
    CHECK(pool.member_count() == 3);

    // Before the period ends: not due.
    std::uint64_t digest = world.ledger.digest();
    CHECK(code_of(pool.contribute(world.ledger, day_ms - 1)) == ErrorCode::premium_not_due);
    CHECK(world.ledger.digest() == digest);

    // Day 1: A pays floor(10,005 x 10%) = floor(1,000.5) = 1,000; B 500; C its fixed 300.
    ContributionReport<USDC> cr = pool.contribute(world.ledger, day_ms).value();
    CHECK(cr.collected == w(1'800));
    CHECK(cr.members_paid == 3);
    CHECK(world.balance(pool_fund) == 1'800);
    CHECK(world.balance(a) == 9'005);
    CHECK(pool.contribution_due_ms() == 2 * day_ms);

    // B loses 700: the pool holds 1,800 and pays it in full.
    world.lose(b, 700);  // B 4,500 -> 3,800
    std::array<Loss, 1> one{{Loss{b, w(700)}}};
    SettleReport<USDC> sr = pool.settle(world.ledger, Span<const Loss>(one)).value();
    CHECK(sr.paid == w(700));
    CHECK(sr.unpaid == w(0));
    CHECK_FALSE(sr.pro_rata);
    CHECK(world.balance(b) == 4'500);
    CHECK(world.balance(pool_fund) == 1'100);
    CHECK_FALSE(pool.depleted());

    // Day 2.5 (due at 2): A floor(900.5) = 900, B 450, C 300: pool 1,100 + 1,650 = 2,750; next due day 3.
    cr = pool.contribute(world.ledger, 2 * day_ms + day_ms / 2).value();
    CHECK(cr.collected == w(1'650));
    CHECK(world.balance(pool_fund) == 2'750);
    CHECK(pool.contribution_due_ms() == 3 * day_ms);

    // Bad settlements: refused, nothing changes.
    digest = world.ledger.digest();
    std::array<Loss, 2> stranger{{Loss{a, w(10)}, Loss{outsider, w(10)}}};
    CHECK(code_of(pool.settle(world.ledger, Span<const Loss>(stranger))) == ErrorCode::unknown_pool_member);
    std::array<Loss, 2> twice{{Loss{a, w(10)}, Loss{a, w(10)}}};
    CHECK(code_of(pool.settle(world.ledger, Span<const Loss>(twice))) == ErrorCode::invalid_argument);
    std::array<Loss, 1> zero{{Loss{a, w(0)}}};
    CHECK(code_of(pool.settle(world.ledger, Span<const Loss>(zero))) == ErrorCode::amount_not_positive);
    std::array<Wide, 1> too_short{};
    std::array<Loss, 2> fine{{Loss{a, w(1)}, Loss{c, w(1)}}};
    CHECK(code_of(pool.settle(world.ledger, Span<const Loss>(fine), Span<Wide>(too_short))) ==
          ErrorCode::invalid_argument);
    CHECK(world.ledger.digest() == digest);
    CHECK(pool.member(0)->received == w(0));

    // A loses 2,500 and C 1,000: T = 3,500 > P = 2,750. A gets floor(2,500 x 2,750 / 3,500) =
    // floor(1,964.28...) = 1,964, C floor(1,000 x 2,750 / 3,500) = floor(785.71...) = 785:
    // 2,749 paid, 751 unpaid, the residue 2,750 - 2,749 = 1 stays in the pool.
    world.lose(a, 2'500);
    world.lose(c, 1'000);
    std::array<Loss, 2> two{{Loss{a, w(2'500)}, Loss{c, w(1'000)}}};
    std::array<Wide, 2> paid{};
    sr = pool.settle(world.ledger, Span<const Loss>(two), Span<Wide>(paid)).value();
    CHECK(sr.pro_rata);
    CHECK(paid[0] == w(1'964));
    CHECK(paid[1] == w(785));
    CHECK(sr.claimed == w(3'500));
    CHECK(sr.paid == w(2'749));
    CHECK(sr.unpaid == w(751));
    CHECK(sr.residue == w(1));
    CHECK(world.balance(pool_fund) == 1);
    CHECK(pool.depleted());
    CHECK(pool.member(0)->unpaid == w(2'500 - 1'964));
    CHECK(pool.member(2)->received == w(785));
    CHECK(pool.member(2)->contributed == w(600));
    // Conservation: every atom deposited is in a fund or went out as a loss.
    CHECK(world.balance(a) + world.balance(b) + world.balance(c) + world.balance(pool_fund) ==
          10'005 + 5'000 + 2'000 - 700 - 2'500 - 1'000);
    CHECK(world.ledger.audit().balanced());
}

// ---- randomised: an independent model of every treaty, the pool and every balance -------------

namespace {

struct ModelTreaty {
    TreatyKind kind = TreatyKind::excess_of_loss;
    std::size_t cedent = 0;
    std::size_t reinsurer = 0;
    std::int64_t attachment = 0, limit = 0, aggregate = 0, share_ppm = 0, premium = 0, period = 0;
    std::int64_t due_ms = 0, last_claim_ms = 0, used = 0, period_index = 0, period_loss = 0, period_covered = 0;
    std::int64_t written_ms = 0;
    TreatyStatus status = TreatyStatus::active;
};

struct Model {
    std::vector<std::int64_t> balance;  // per fund index; the pool is the last
    std::vector<ModelTreaty> treaties;
    std::vector<std::int64_t> member_share_ppm;  // 0: fixed
    std::vector<std::int64_t> member_fixed;
    std::int64_t pool_due_ms = 0, pool_period = 0;
    bool depleted = false;
};

}  // namespace

TEST_CASE("reinsurance and pool randomised: conservation after every operation, an independent model agrees",
          "[management][reinsurance]") {
    const std::uint64_t seed = GENERATE(11u, 23u, 37u, 41u);
    TestRandom rng(seed);
    Ledger<USDC> ledger{LedgerLimits{1, 8, 1, 1}};
    const std::size_t n = 3 + static_cast<std::size_t>(rng.below(3));  // 3-5 funds
    std::vector<FundId> funds;
    for (std::size_t i = 0; i <= n; ++i) funds.push_back(ledger.open_fund().value());  // funds[n]: the pool
    const std::size_t pool_index = n;
    Model m;
    m.balance.assign(n + 1, 0);
    auto fund_place = [&](std::size_t i) { return Place::fund(funds[i]); };
    auto deposit = [&](std::size_t i, std::int64_t atoms) {
        ledger.transfer(Place::external(), fund_place(i), Amount<USDC>(atoms), TransferReason::fund_deposit).value();
        m.balance[i] += atoms;
    };
    for (std::size_t i = 0; i < n; ++i) deposit(i, 1'000 + static_cast<std::int64_t>(rng.below(20'000)));

    // Treaties: each kind at least twice, with a chain 0 -> 1 -> 2 (1 reinsures 0, 2 reinsures 1).
    Book book = Book::open(16).value();
    std::int64_t now = 0;
    auto write = [&](TreatyKind kind, std::size_t cedent, std::size_t reinsurer) {
        Terms t;
        t.kind = kind;
        t.cedent = funds[cedent];
        t.reinsurer = funds[reinsurer];
        if (kind != TreatyKind::quota_share) t.attachment = w(static_cast<std::int64_t>(rng.below(2'000)));
        t.limit = w(100 + static_cast<std::int64_t>(rng.below(3'000)));
        t.reinstatements = static_cast<std::uint32_t>(rng.below(4));
        if (kind == TreatyKind::quota_share) t.share = Ppm{1 + static_cast<std::int64_t>(rng.below(1'000'000))};
        t.premium_per_period = w(static_cast<std::int64_t>(rng.below(4) == 0 ? 0 : rng.below(300)));
        t.period_ms = 100 + static_cast<std::int64_t>(rng.below(900));
        book.write(ledger, t, now).value();
        ModelTreaty mt;
        mt.kind = kind;
        mt.cedent = cedent;
        mt.reinsurer = reinsurer;
        mt.attachment = static_cast<std::int64_t>(t.attachment.atoms());
        mt.limit = static_cast<std::int64_t>(t.limit.atoms());
        mt.aggregate = mt.limit * (1 + std::int64_t{t.reinstatements});
        mt.share_ppm = t.share.count();
        mt.premium = static_cast<std::int64_t>(t.premium_per_period.atoms());
        mt.period = t.period_ms;
        mt.due_ms = now + t.period_ms;
        mt.last_claim_ms = now;
        mt.written_ms = now;
        m.treaties.push_back(mt);
    };
    write(TreatyKind::excess_of_loss, 0, 1);
    write(TreatyKind::excess_of_loss, 1, 2);
    write(TreatyKind::quota_share, 0, 2);
    write(TreatyKind::quota_share, 2, 1);
    write(TreatyKind::stop_loss, 1, 0);
    write(TreatyKind::stop_loss, n - 1, 0);
    for (int extra = 0; extra < 4; ++extra) {
        const std::size_t cedent = static_cast<std::size_t>(rng.below(n));
        const std::size_t reinsurer = (cedent + 1 + static_cast<std::size_t>(rng.below(n - 1))) % n;
        write(static_cast<TreatyKind>(rng.below(3)), cedent, reinsurer);
    }

    // The pool: every fund a member, a share of its balance or a fixed amount.
    m.pool_period = 200 + static_cast<std::int64_t>(rng.below(800));
    Pool pool = Pool::open(ledger, funds[pool_index], m.pool_period, 8, now).value();
    m.pool_due_ms = now + m.pool_period;
    for (std::size_t i = 0; i < n; ++i) {
        ContributionRule<USDC> rule;
        if (rng.chance(2)) {
            rule.kind = ContributionKind::share_of_balance;
            rule.share = Ppm{1 + static_cast<std::int64_t>(rng.below(200'000))};
            m.member_share_ppm.push_back(rule.share.count());
            m.member_fixed.push_back(0);
        } else {
            rule.kind = ContributionKind::fixed;
            rule.amount = w(1 + static_cast<std::int64_t>(rng.below(500)));
            m.member_share_ppm.push_back(0);
            m.member_fixed.push_back(static_cast<std::int64_t>(rule.amount.atoms()));
        }
        pool.add_member(ledger, funds[i], rule).value();
    }

    auto funds_sum = [&]() { return ledger.audit().sum(PlaceKind::fund); };
    auto check_model = [&]() {
        REQUIRE(ledger.audit().balanced());
        for (std::size_t i = 0; i <= n; ++i) REQUIRE(ledger.balance_of(fund_place(i)).atoms() == m.balance[i]);
        for (std::size_t k = 0; k < m.treaties.size(); ++k) {
            const Treaty<USDC> t = book.treaty(TreatyId{static_cast<std::uint32_t>(k)}).value();
            const ModelTreaty& mt = m.treaties[k];
            REQUIRE(t.limit_left() == w(mt.aggregate - mt.used));
            REQUIRE(t.status == mt.status);
            REQUIRE(t.premium_due_ms == mt.due_ms);
            REQUIRE(t.period_loss == w(mt.period_loss));
        }
        REQUIRE(pool.depleted() == m.depleted);
        REQUIRE(pool.contribution_due_ms() == m.pool_due_ms);
    };

    // One claim on treaty k, the model first; returns what was paid (0 when refused).
    auto claim = [&](std::size_t k, std::int64_t loss, std::int64_t at) -> std::int64_t {
        ModelTreaty& mt = m.treaties[k];
        const std::uint64_t digest = ledger.digest();
        const Result<ClaimReport<USDC>> r =
            book.claim(ledger, TreatyId{static_cast<std::uint32_t>(k)}, w(loss), at);
        ErrorCode expected = ErrorCode::invalid_argument;  // invalid_argument: expected to succeed
        if (loss <= 0) expected = ErrorCode::amount_not_positive;
        else if (mt.status == TreatyStatus::lapsed) expected = ErrorCode::treaty_lapsed;
        else if (mt.status == TreatyStatus::exhausted) expected = ErrorCode::treaty_exhausted;
        else if (at < mt.last_claim_ms) expected = ErrorCode::time_backwards;
        else if (mt.premium > 0 && at > mt.due_ms) expected = ErrorCode::premium_overdue;  // cover is paid for first
        if (expected != ErrorCode::invalid_argument) {
            REQUIRE_FALSE(r.has_value());
            REQUIRE(r.error().code == expected);
            REQUIRE(ledger.digest() == digest);  // refused: nothing changed
            return 0;
        }
        REQUIRE(r.has_value());
        std::int64_t due = 0;
        if (mt.kind == TreatyKind::excess_of_loss) {
            due = std::min(std::max<std::int64_t>(loss - mt.attachment, 0), mt.limit);
        } else if (mt.kind == TreatyKind::quota_share) {
            due = std::min(loss * mt.share_ppm / 1'000'000, mt.limit);
        } else {
            const std::int64_t index = (at - mt.written_ms) / mt.period;
            if (index != mt.period_index) {
                mt.period_index = index;
                mt.period_loss = 0;
                mt.period_covered = 0;
            }
            mt.period_loss += loss;
            const std::int64_t covered = std::min(std::max<std::int64_t>(mt.period_loss - mt.attachment, 0), mt.limit);
            due = covered - mt.period_covered;
        }
        due = std::min(due, mt.aggregate - mt.used);
        if (mt.kind == TreatyKind::stop_loss) mt.period_covered += due;
        const std::int64_t paid = std::min(due, m.balance[mt.reinsurer]);
        m.balance[mt.reinsurer] -= paid;
        m.balance[mt.cedent] += paid;
        mt.used += due;
        if (mt.used == mt.aggregate) mt.status = TreatyStatus::exhausted;
        mt.last_claim_ms = at;
        REQUIRE(r->due == w(due));
        REQUIRE(r->paid == w(paid));
        REQUIRE(r->unpaid == w(due - paid));
        return paid;
    };

    auto premiums = [&](std::int64_t at) {
        for (ModelTreaty& mt : m.treaties) {
            if (mt.status != TreatyStatus::active || at < mt.due_ms) continue;
            const std::int64_t periods = (at - mt.due_ms) / mt.period + 1;
            std::int64_t k = periods;
            if (mt.premium > 0) k = std::min(periods, m.balance[mt.cedent] / mt.premium);
            m.balance[mt.cedent] -= k * mt.premium;
            m.balance[mt.reinsurer] += k * mt.premium;
            mt.due_ms += k * mt.period;
            if (k < periods) mt.status = TreatyStatus::lapsed;
        }
        const PremiumsReport<USDC> report = book.charge_premiums(ledger, at);
        REQUIRE(report.refused == 0);
    };

    std::uint64_t claims = 0, refusals = 0, premium_steps = 0, settles = 0, contributions = 0;
    for (int op = 0; op < 3'000; ++op) {
        now += static_cast<std::int64_t>(rng.below(60));
        const auto before_funds = funds_sum();
        const auto before_external = ledger.balance_of(Place::external()).atoms();
        const std::uint64_t choice = rng.below(100);
        bool moves_within = true;  // the operation moves value only between funds
        if (choice < 10) {
            const auto fund = static_cast<std::size_t>(rng.below(n));  // one draw per statement (argument order)
            deposit(fund, 1 + static_cast<std::int64_t>(rng.below(3'000)));
            moves_within = false;
        } else if (choice < 50) {
            // A loss event at fund i: it pays what it can to the outside, then claims on its treaties,
            // and a reinsurer that paid claims in turn on its own (the chain).
            const std::size_t i = static_cast<std::size_t>(rng.below(n));
            const std::int64_t loss = 1 + static_cast<std::int64_t>(rng.below(4'000));
            const std::int64_t out = std::min(loss, m.balance[i]);
            if (out > 0) {
                ledger.transfer(fund_place(i), Place::external(), Amount<USDC>(out), TransferReason::bad_debt_payment)
                    .value();
                m.balance[i] -= out;
                check_model();
            }
            for (std::size_t k = 0; k < m.treaties.size(); ++k) {
                if (m.treaties[k].cedent != i) continue;
                const auto inside = funds_sum();
                const std::int64_t paid = claim(k, loss, now);
                ++claims;
                REQUIRE(funds_sum() == inside);  // a claim moves value between funds, creates none
                check_model();
                const std::size_t reinsurer = m.treaties[k].reinsurer;
                for (std::size_t j = 0; paid > 0 && j < m.treaties.size(); ++j) {
                    if (m.treaties[j].cedent != reinsurer || j == k) continue;
                    claim(j, paid, now);
                    ++claims;
                    REQUIRE(funds_sum() == inside);
                    check_model();
                }
            }
            continue;
        } else if (choice < 60) {
            // Refusals: an unknown treaty, a non-positive loss, a claim back in time.
            const std::uint64_t digest = ledger.digest();
            const std::size_t k = static_cast<std::size_t>(rng.below(m.treaties.size()));
            REQUIRE(code_of(book.claim(ledger, TreatyId{99}, w(10), now)) == ErrorCode::unknown_treaty);
            claim(k, -static_cast<std::int64_t>(rng.below(3)), now);
            if (m.treaties[k].last_claim_ms > 0) claim(k, 10, m.treaties[k].last_claim_ms - 1);
            REQUIRE(ledger.digest() == digest);
            ++refusals;
        } else if (choice < 72) {
            premiums(now);
            ++premium_steps;
        } else if (choice < 78) {
            // One treaty's premium, early or due.
            const std::size_t k = static_cast<std::size_t>(rng.below(m.treaties.size()));
            ModelTreaty& mt = m.treaties[k];
            const std::uint64_t digest = ledger.digest();
            const Result<PremiumReport<USDC>> r = book.charge_premium(ledger, TreatyId{static_cast<std::uint32_t>(k)}, now);
            if (mt.status != TreatyStatus::active || now < mt.due_ms) {
                REQUIRE_FALSE(r.has_value());
                REQUIRE(r.error().code == (mt.status == TreatyStatus::lapsed      ? ErrorCode::treaty_lapsed
                                           : mt.status == TreatyStatus::exhausted ? ErrorCode::treaty_exhausted
                                                                                  : ErrorCode::premium_not_due));
                REQUIRE(ledger.digest() == digest);
            } else {
                REQUIRE(r.has_value());
                const std::int64_t periods = (now - mt.due_ms) / mt.period + 1;
                const std::int64_t k_paid =
                    mt.premium > 0 ? std::min(periods, m.balance[mt.cedent] / mt.premium) : periods;
                m.balance[mt.cedent] -= k_paid * mt.premium;
                m.balance[mt.reinsurer] += k_paid * mt.premium;
                mt.due_ms += k_paid * mt.period;
                if (k_paid < periods) mt.status = TreatyStatus::lapsed;
                REQUIRE(r->paid == w(k_paid * mt.premium));
                REQUIRE(r->lapsed == (k_paid < periods));
            }
        } else if (choice < 88) {
            const std::uint64_t digest = ledger.digest();
            const Result<ContributionReport<USDC>> r = pool.contribute(ledger, now);
            if (now < m.pool_due_ms) {
                REQUIRE(code_of(r) == ErrorCode::premium_not_due);
                REQUIRE(ledger.digest() == digest);
            } else {
                REQUIRE(r.has_value());
                std::int64_t collected = 0;
                for (std::size_t i = 0; i < n; ++i) {
                    const std::int64_t pay = m.member_share_ppm[i] > 0
                                                 ? m.balance[i] * m.member_share_ppm[i] / 1'000'000
                                                 : std::min(m.member_fixed[i], m.balance[i]);
                    m.balance[i] -= pay;
                    m.balance[pool_index] += pay;
                    collected += pay;
                }
                m.pool_due_ms += ((now - m.pool_due_ms) / m.pool_period + 1) * m.pool_period;
                REQUIRE(r->collected == w(collected));
                ++contributions;
            }
        } else {
            // Settle the losses of a random set of members (sometimes an outsider or a duplicate).
            std::vector<Loss> losses;
            std::vector<std::size_t> who;
            for (std::size_t i = 0; i < n; ++i) {
                if (!rng.chance(2)) continue;
                losses.push_back(Loss{funds[i], w(1 + static_cast<std::int64_t>(rng.below(2'500)))});
                who.push_back(i);
            }
            const std::uint64_t digest = ledger.digest();
            if (!losses.empty() && rng.chance(8)) {
                std::vector<Loss> bad = losses;
                bad.push_back(rng.chance(2) ? Loss{funds[pool_index], w(5)} : losses.front());
                const Result<SettleReport<USDC>> r = pool.settle(ledger, Span<const Loss>(bad));
                REQUIRE_FALSE(r.has_value());
                REQUIRE(ledger.digest() == digest);
                ++refusals;
                continue;
            }
            std::int64_t total = 0;
            for (const Loss& l : losses) total += static_cast<std::int64_t>(l.loss.atoms());
            const std::int64_t p = m.balance[pool_index];
            std::int64_t paid_total = 0;
            for (std::size_t x = 0; x < losses.size(); ++x) {
                const std::int64_t loss = static_cast<std::int64_t>(losses[x].loss.atoms());
                const std::int64_t paid = p >= total ? loss : static_cast<std::int64_t>(
                                                                  loss * p / total);
                m.balance[pool_index] -= paid;
                m.balance[who[x]] += paid;
                paid_total += paid;
            }
            if (paid_total < total) m.depleted = true;
            const SettleReport<USDC> r = pool.settle(ledger, Span<const Loss>(losses)).value();
            REQUIRE(r.paid == w(paid_total));
            REQUIRE(r.unpaid == w(total - paid_total));
            if (p < total) REQUIRE(r.residue == w(p - paid_total));  // stays in the pool
            ++settles;
        }
        if (moves_within) {
            REQUIRE(funds_sum() == before_funds);
            REQUIRE(ledger.balance_of(Place::external()).atoms() == before_external);
        }
        check_model();
    }
    // The run exercised every operation.
    CHECK(claims > 500);
    CHECK(refusals > 100);
    CHECK(premium_steps > 100);
    CHECK(contributions > 20);
    CHECK(settles > 50);
}

}  // namespace test_management_reinsurance_test
