// The formatters of backstop's text types take fmt's string options and print what fmt's own
// string formatter prints for them, without deriving from it (core/format.hpp, TextFormatter).
#include "backstop/core/format.hpp"
#include "backstop/engine/engine_format.hpp"
#include "backstop/fund/fund_format.hpp"
#include "backstop/ledger/ledger_format.hpp"
#include "backstop/money/assets.hpp"
#include "backstop/money/format.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <string>
#include <string_view>
#include <type_traits>

namespace test_core_text_format {

using namespace backstop;
using namespace backstop::assets;

// Each formatter prints through TextFormatter, not fmt's string formatter, whose format() costs
// every translation unit that prints one of these about 0.4 s of g++ -O2.
template <class T>
constexpr bool text_formatter = std::is_base_of<detail::TextFormatter, fmt::formatter<T>>::value &&
                                !std::is_base_of<fmt::formatter<std::string_view>, fmt::formatter<T>>::value;
static_assert(text_formatter<ErrorCode> && text_formatter<Error> && text_formatter<Rounding>);
static_assert(text_formatter<Int128> && text_formatter<Int192>);
static_assert(text_formatter<Amount<USDC>> && text_formatter<Quantity<BTC>> && text_formatter<Price<BTC, USDC>>);
static_assert(text_formatter<Bps> && text_formatter<Ppm>);
static_assert(text_formatter<AccountId> && text_formatter<FundId> && text_formatter<LiquidatorId> &&
              text_formatter<StrategyId> && text_formatter<MarketId>);
static_assert(text_formatter<PlaceKind> && text_formatter<TransferReason> && text_formatter<Place> &&
              text_formatter<Transfer<USDC, std::int64_t>>);
static_assert(text_formatter<Side> && text_formatter<LossLayer> && text_formatter<PenaltySplit<USDC>>);
static_assert(text_formatter<PositionChange> && text_formatter<AccountSummary<USDC>>);

// The string options, each against fmt's string formatter on the same text.
const char* const string_specs[] = {"{}",     "{:s}",    "{:30}",    "{:<30}",    "{:>30}",  "{:^30}",
                                    "{:^31}", "{:*>30}", "{:·^31}",  "{:€<30s}",  "{:3}",    "{:>1}",
                                    "{:x<}",  "{:^}",    "{:𝄞>32}", "{:<<30}",   "{:>>30}", "{:}",
                                    "{:.3}",  "{:.0}",   "{:>9.4}", "{:*^20.7s}", "{:.300}"};

template <class T>
void check_string_options(const T& value) {
    const std::string text = fmt::format("{}", value);
    INFO(text);
    for (const char* spec : string_specs) {
        INFO(spec);
        CHECK(fmt::format(fmt::runtime(spec), value) == fmt::format(fmt::runtime(spec), std::string_view(text)));
    }
    // What a line of text does not take.
    for (const char* spec :
         {"{:.}", "{:.x}", "{:+}", "{:?}", "{:d}", "{:030}", "{:#}", "{:L}", "{:>5n}", "{:{<5}", "{:5s5}"}) {
        INFO(spec);
        CHECK_THROWS_AS(fmt::format(fmt::runtime(spec), value), fmt::format_error);
    }
    CHECK_THROWS_AS(fmt::format(fmt::runtime("{:{}}"), value, 12), fmt::format_error);
    CHECK_THROWS_AS(fmt::format(fmt::runtime("{:99999999999}"), value), fmt::format_error);
}

TEST_CASE("text types take fmt's string options and print what fmt prints for their text", "[format]") {
    check_string_options(ErrorCode::overflow);
    check_string_options(Error{ErrorCode::invalid_argument, "ünïcode detail"});
    check_string_options(Rounding::half_even);
    check_string_options(Int128(-170141183460469231LL));
    check_string_options(Int192(42));
    check_string_options(Bps{150});
    check_string_options(Ppm{-15'000});
    check_string_options(AccountId{7});
    check_string_options(FundId{2});
    check_string_options(LiquidatorId{3});
    check_string_options(StrategyId{4});
    check_string_options(MarketId{5});
    check_string_options(PlaceKind::fund);
    check_string_options(TransferReason::bad_debt_payment);
    check_string_options(Place::collateral(AccountId{9}));
    check_string_options(Transfer<USDC, std::int64_t>{Place::collateral(AccountId{1}), Place::dust(), Amount<USDC>(12),
                                                      TransferReason::other});
    check_string_options(Side::short_side);
    check_string_options(LossLayer::funding);
    check_string_options(PenaltySplit<USDC>{Amount<USDC>(1), Amount<USDC>(2), Amount<USDC>(3), Amount<USDC>(4)});
    check_string_options(PositionChange{AccountId{1}, MarketId{0}, -5, 7});
    AccountSummary<USDC> summary;
    summary.position_count = 1;
    check_string_options(summary);
}

TEST_CASE("a width counts code points; a fill is one code point of up to four bytes", "[format]") {
    CHECK(fmt::format("{:·>10}|", Rounding::up) == "········up|");
    CHECK(fmt::format("{:𝄞^6}", Side::long_side) == "𝄞long𝄞");
    CHECK(fmt::format("{:>12}|", ErrorCode::overflow) == "    overflow|");
    CHECK(fmt::format("{:.4}|", Error{ErrorCode::overflow, ""}) == "over|");
    // "é" is two bytes and one code point: the padding counts it once.
    const Error error{ErrorCode::overflow, "é"};
    const std::string plain = fmt::format("{}", error);
    CHECK(fmt::format("{:*<30}", error) == plain + std::string(30 - (plain.size() - 1), '*'));
    CHECK(fmt::format("{:.1}", Error{ErrorCode::overflow, "é"}.detail) == "é");  // fmt's own, for reference
    CHECK(fmt::format(fmt::runtime("{:." + std::to_string(plain.size() - 1) + "}|"), error) == plain + "|");
}

TEST_CASE("money keeps its own options: right-aligned numbers, 'n' for the number alone", "[format]") {
    const auto amount = Amount<USDC>(1'234'567'891);
    CHECK(fmt::format("{:·>20}", amount) == "····1234.567891 USDC");
    CHECK(fmt::format("{:·<18n}|", amount) == "1234.567891·······|");
    CHECK_THROWS_AS(fmt::format(fmt::runtime("{:s}"), amount), fmt::format_error);
    CHECK_THROWS_AS(fmt::format(fmt::runtime("{:.3}"), amount), fmt::format_error);
    CHECK_THROWS_AS(fmt::format(fmt::runtime("{:{}}"), amount, 20), fmt::format_error);
}

}  // namespace test_core_text_format
