// Result<T> behaves like std::expected for the subset we use; errors format through fmt.
#include <backstop/core/format.hpp>
#include <backstop/core/result.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

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

namespace {
// Counts live objects, and throws from its copy constructor when asked.
struct Tracked {
    static int live;
    bool throw_on_copy = false;
    int payload = 0;
    explicit Tracked(int p, bool throws = false) : throw_on_copy(throws), payload(p) { ++live; }
    Tracked(const Tracked& other) : throw_on_copy(other.throw_on_copy), payload(other.payload) {
        if (other.throw_on_copy) throw std::runtime_error("copy refused");
        ++live;
    }
    Tracked(Tracked&& other) noexcept : throw_on_copy(other.throw_on_copy), payload(other.payload) { ++live; }
    Tracked& operator=(const Tracked&) = default;
    Tracked& operator=(Tracked&&) = default;
    ~Tracked() { --live; }
};
int Tracked::live = 0;
}  // namespace

TEST_CASE("Result holds a non-trivial value through copies, moves and assignments", "[core][result]") {
    STATIC_REQUIRE_FALSE(std::is_trivially_copyable<Result<std::string>>::value);
    Result<std::vector<int>> values = std::vector<int>{1, 2, 3};
    Result<std::vector<int>> copy = values;
    REQUIRE(copy.has_value());
    CHECK(*copy == std::vector<int>{1, 2, 3});
    Result<std::vector<int>> moved = std::move(copy);
    CHECK(moved->size() == 3);

    Result<std::vector<int>> error = make_error(ErrorCode::overflow, "wide");
    moved = error;  // value replaced by an error
    REQUIRE_FALSE(moved.has_value());
    CHECK(moved.error().code == ErrorCode::overflow);
    moved = values;  // error replaced by a value
    CHECK(*moved == std::vector<int>{1, 2, 3});
    moved = Result<std::vector<int>>(std::vector<int>{4});  // value by value
    CHECK(*moved == std::vector<int>{4});
    error = Result<std::vector<int>>(make_error(ErrorCode::division_by_zero));  // error by error
    CHECK(error.error().code == ErrorCode::division_by_zero);
    const auto& same = moved;
    moved = same;  // self-assignment keeps the value
    CHECK(*moved == std::vector<int>{4});
    CHECK(std::move(moved).value() == std::vector<int>{4});

    Result<std::string> built(std::in_place, std::size_t{3}, 'x');
    CHECK(*built == "xxx");
    CHECK(Result<std::string>(make_error(ErrorCode::overflow)).value_or("none") == "none");
}

TEST_CASE("Result destroys exactly what it built, and keeps its error when a copy throws", "[core][result]") {
    Tracked::live = 0;
    {
        Result<Tracked> a = Tracked(1);
        Result<Tracked> b = make_error(ErrorCode::overflow);
        Result<Tracked> c = a;
        b = a;
        a = make_error(ErrorCode::invalid_argument);
        CHECK(Tracked::live == 2);
        CHECK(b->payload == 1);

        Result<Tracked> thrower = Tracked(2, true);
        Result<Tracked> kept = make_error(ErrorCode::division_by_zero, "kept");
        CHECK_THROWS_AS(kept = thrower, std::runtime_error);
        REQUIRE_FALSE(kept.has_value());
        CHECK(kept.error().code == ErrorCode::division_by_zero);
        CHECK(Tracked::live == 3);
    }
    CHECK(Tracked::live == 0);
}

namespace {
struct ConstMember {  // constructible, not assignable
    const std::string name;
};
struct NoMoveAssign {
    std::string text;
    NoMoveAssign(std::string t) : text(std::move(t)) {}
    NoMoveAssign(const NoMoveAssign&) = default;
    NoMoveAssign(NoMoveAssign&&) = default;
    NoMoveAssign& operator=(const NoMoveAssign&) = default;
    NoMoveAssign& operator=(NoMoveAssign&&) = delete;
};
}  // namespace

// The traits tell the truth (as std::variant's did): a Result is assignable only when its T is
// both constructible and assignable the same way.
TEST_CASE("Result is copyable, movable and assignable exactly as far as its value is", "[core][result]") {
    STATIC_REQUIRE(std::is_copy_constructible<Result<ConstMember>>::value);
    STATIC_REQUIRE_FALSE(std::is_copy_assignable<Result<ConstMember>>::value);
    STATIC_REQUIRE_FALSE(std::is_move_assignable<Result<ConstMember>>::value);
    STATIC_REQUIRE(std::is_copy_assignable<Result<NoMoveAssign>>::value);  // falls back to the copy
    STATIC_REQUIRE(std::is_copy_assignable<Result<std::string>>::value);
    STATIC_REQUIRE(std::is_move_assignable<Result<std::string>>::value);
    STATIC_REQUIRE(std::is_nothrow_move_constructible<Result<std::string>>::value);
    Result<ConstMember> kept = ConstMember{"kept"};
    Result<ConstMember> copy = kept;
    CHECK(copy->name == "kept");
}

TEST_CASE("Result of a move-only value is move-only", "[core][result]") {
    STATIC_REQUIRE_FALSE(std::is_copy_constructible<Result<std::unique_ptr<int>>>::value);
    STATIC_REQUIRE_FALSE(std::is_copy_assignable<Result<std::unique_ptr<int>>>::value);
    STATIC_REQUIRE(std::is_nothrow_move_constructible<Result<std::unique_ptr<int>>>::value);
    Result<std::unique_ptr<int>> owner = std::make_unique<int>(5);
    Result<std::unique_ptr<int>> taken = std::move(owner);
    CHECK(**taken == 5);
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
