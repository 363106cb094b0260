// Result<T>: a value or an Error, shaped like C++23 std::expected (has_value, value, error,
// value_or, operator*, operator->). Operating errors travel as values and never allocate;
// only value() on an error throws (the notebook convenience edge).
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/error_code.hpp"

#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace backstop {

// What went wrong: a stable code and a short static explanation. The detail points at a string
// literal (or other storage that outlives the error) so that an Error is trivially copyable.
struct Error {
    ErrorCode code = ErrorCode::invalid_argument;
    std::string_view detail;

    friend constexpr bool operator==(const Error& a, const Error& b) noexcept {
        return a.code == b.code;
    }
    friend constexpr bool operator!=(const Error& a, const Error& b) noexcept { return !(a == b); }
};

constexpr Error make_error(ErrorCode code, std::string_view detail = {}) noexcept {
    return Error{code, detail};
}

// Thrown only by Result::value() on an error.
class BadResultAccess : public std::runtime_error {
public:
    explicit BadResultAccess(Error error)
        : std::runtime_error(std::string("backstop error ") +
                             std::string(error_code_name(error.code)) + ": " +
                             std::string(error.detail)),
          error_(error) {}
    Error error() const noexcept { return error_; }

private:
    Error error_;
};

template <class T>
class [[nodiscard]] Result {
    static_assert(!std::is_reference<T>::value, "Result<T> holds values, not references");
    static_assert(!std::is_same<std::decay_t<T>, Error>::value, "Result<Error> is ambiguous");

public:
    using value_type = T;

    constexpr Result(const T& value) : state_(std::in_place_index<0>, value) {}  // NOLINT: implicit like expected
    constexpr Result(T&& value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
    constexpr Result(Error error) noexcept : state_(std::in_place_index<1>, error) {}  // NOLINT
    // The value built in place (a large report filled where the caller receives it).
    template <class... Args>
    constexpr explicit Result(std::in_place_t, Args&&... args) : state_(std::in_place_index<0>, std::forward<Args>(args)...) {}

    constexpr bool has_value() const noexcept { return state_.index() == 0; }
    constexpr explicit operator bool() const noexcept { return has_value(); }

    constexpr const T& value() const& {
        if (!has_value()) throw BadResultAccess(*std::get_if<1>(&state_));
        return *std::get_if<0>(&state_);
    }
    constexpr T& value() & {
        if (!has_value()) throw BadResultAccess(*std::get_if<1>(&state_));
        return *std::get_if<0>(&state_);
    }
    constexpr T&& value() && {
        if (!has_value()) throw BadResultAccess(*std::get_if<1>(&state_));
        return std::move(*std::get_if<0>(&state_));
    }
    template <class U>
    constexpr T value_or(U&& fallback) const& {
        return has_value() ? *std::get_if<0>(&state_) : static_cast<T>(std::forward<U>(fallback));
    }

    constexpr const Error& error() const& noexcept {
        BACKSTOP_ASSERT(!has_value(), "error() on a Result that holds a value");
        return *std::get_if<1>(&state_);
    }

    constexpr const T& operator*() const& noexcept {
        BACKSTOP_ASSERT(has_value(), "operator* on a Result that holds an error");
        return *std::get_if<0>(&state_);
    }
    constexpr T& operator*() & noexcept {
        BACKSTOP_ASSERT(has_value(), "operator* on a Result that holds an error");
        return *std::get_if<0>(&state_);
    }
    constexpr const T* operator->() const noexcept { return &**this; }
    constexpr T* operator->() noexcept { return &**this; }

private:
    // A variant: T needs no default constructor, and Result stays trivially copyable when T is.
    std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    using value_type = void;

    constexpr Result() noexcept = default;
    constexpr Result(Error error) noexcept : has_value_(false), error_(error) {}  // NOLINT

    constexpr bool has_value() const noexcept { return has_value_; }
    constexpr explicit operator bool() const noexcept { return has_value_; }
    constexpr void value() const {
        if (!has_value_) throw BadResultAccess(error_);
    }
    constexpr const Error& error() const& noexcept {
        BACKSTOP_ASSERT(!has_value_, "error() on a Result that holds a value");
        return error_;
    }

private:
    bool has_value_ = true;
    Error error_{};
};

}  // namespace backstop
