// Result<T> behaves like std::expected for the subset we use; errors format through fmt.
#include <backstop/core/format.hpp>
#include <backstop/core/result.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <type_traits>

namespace test_core_result_test {

using namespace backstop;

TEST_CASE("Result holds a value or an error", "[core][result]") {
    Result<int> ok = 7;
    REQUIRE(ok.has_value());
    CHECK(static_cast<bool>(ok));
    CHECK(*ok == 7);
    CHECK(ok.value() == 7);
    CHECK(ok.value_or(3) == 7);

    Result<int> bad = make_error(ErrorCode::overflow, "too big");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == ErrorCode::overflow);
    CHECK(bad.value_or(3) == 3);
    CHECK_THROWS_AS(bad.value(), BadResultAccess);
    try {
        (void)bad.value();
    } catch (const BadResultAccess& thrown) {
        CHECK(thrown.error().code == ErrorCode::overflow);
        CHECK(std::string(thrown.what()).find("too big") != std::string::npos);
    }

    Result<void> done;
    CHECK(done.has_value());
    Result<void> failed = make_error(ErrorCode::invalid_argument);
    CHECK_FALSE(failed.has_value());
    CHECK_THROWS_AS(failed.value(), BadResultAccess);
}

TEST_CASE("Result and Error are trivially copyable when T is", "[core][result]") {
    STATIC_REQUIRE(std::is_trivially_copyable<Error>::value);
    STATIC_REQUIRE(std::is_trivially_copyable<Result<long>>::value);
    STATIC_REQUIRE(std::is_trivially_copyable<Result<void>>::value);
}

TEST_CASE("error codes have stable numbers, names and a category", "[core][result]") {
    // The numbers are part of the API: clients and journals store them.
    CHECK(static_cast<int>(ErrorCode::invalid_argument) == 1);
    CHECK(static_cast<int>(ErrorCode::overflow) == 2);
    CHECK(static_cast<int>(ErrorCode::division_by_zero) == 3);
    CHECK(static_cast<int>(ErrorCode::parse_error) == 100);
    CHECK(static_cast<int>(ErrorCode::parse_too_many_decimals) == 101);
    CHECK(static_cast<int>(ErrorCode::parse_out_of_range) == 102);
    CHECK(static_cast<int>(ErrorCode::parse_wrong_symbol) == 103);
    CHECK(static_cast<int>(ErrorCode::not_representable) == 104);

    const std::error_code code = ErrorCode::division_by_zero;
    CHECK(code.category().name() == std::string("backstop"));
    CHECK(code.message() == "division_by_zero");

    CHECK(fmt::format("{}", ErrorCode::overflow) == "overflow");
    CHECK(fmt::format("{}", make_error(ErrorCode::overflow, "too big")) == "overflow (2): too big");
    CHECK(fmt::format("{}", make_error(ErrorCode::parse_error)) == "parse_error (100)");
    CHECK(fmt::format("{:>10}", Rounding::up) == "        up");
}

}  // namespace test_core_result_test
