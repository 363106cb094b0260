// Result<T>: a value or an Error, shaped like C++23 std::expected (has_value, value, error,
// value_or, operator*, operator->). Operating errors travel as values and never allocate;
// only value() on an error throws (the notebook convenience edge).
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/error_code.hpp"

#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

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

namespace detail {

// Result's storage: a tagged union of T and Error. A hand-written union rather than
// std::variant<T, Error>, because a variant's instantiation (its generic visitation and
// special-member layers) cost about 12 ms of compile time per Result type, and a translation
// unit of the whole library names over a hundred of them. Trivial when T is trivially copyable
// and destructible, so such a Result stays trivially copyable (and usable in constant
// expressions); a Result of any other T is not a literal type.
template <class T, bool Trivial = std::is_trivially_copyable<T>::value && std::is_trivially_destructible<T>::value>
struct ResultStorage {
    template <class... Args>
    constexpr explicit ResultStorage(std::in_place_index_t<0>, Args&&... args)
        : value(std::forward<Args>(args)...), has_value(true) {}
    constexpr explicit ResultStorage(std::in_place_index_t<1>, Error e) noexcept : error(e), has_value(false) {}

    union {
        T value;
        Error error;
    };
    bool has_value;
};

template <class T>
struct ResultStorage<T, false> {
    template <class... Args>
    explicit ResultStorage(std::in_place_index_t<0>, Args&&... args)
        : value(std::forward<Args>(args)...), has_value(true) {}
    explicit ResultStorage(std::in_place_index_t<1>, Error e) noexcept : error(e), has_value(false) {}

    ResultStorage(const ResultStorage& other) : has_value(other.has_value) {
        if (has_value) {
            ::new (static_cast<void*>(std::addressof(value))) T(other.value);
        } else {
            ::new (static_cast<void*>(std::addressof(error))) Error(other.error);
        }
    }
    ResultStorage(ResultStorage&& other) noexcept(std::is_nothrow_move_constructible<T>::value)
        : has_value(other.has_value) {
        if (has_value) {
            ::new (static_cast<void*>(std::addressof(value))) T(std::move(other.value));
        } else {
            ::new (static_cast<void*>(std::addressof(error))) Error(other.error);
        }
    }
    ResultStorage& operator=(const ResultStorage& other) {
        if (this != &other) assign(other.has_value, other.value, other.error);
        return *this;
    }
    ResultStorage& operator=(ResultStorage&& other) noexcept(std::is_nothrow_move_constructible<T>::value &&
                                                           std::is_nothrow_move_assignable<T>::value) {
        if (this != &other) assign(other.has_value, std::move(other.value), other.error);
        return *this;
    }
    ~ResultStorage() {
        if (has_value) value.~T();
    }

    union {
        T value;
        Error error;
    };
    bool has_value;

private:
    // Strong for an error on either side; when a value replaces an error and T's constructor
    // throws, the old error stays.
    template <class U>
    void assign(bool other_has_value, U&& other_value, const Error& other_error) {
        if (has_value && other_has_value) {
            value = std::forward<U>(other_value);
        } else if (has_value) {
            const Error replacement = other_error;  // read before the value goes: it may hold it
            value.~T();
            ::new (static_cast<void*>(std::addressof(error))) Error(replacement);
            has_value = false;
        } else if (other_has_value) {
            const Error kept = error;
            try {
                ::new (static_cast<void*>(std::addressof(value))) T(std::forward<U>(other_value));
            } catch (...) {
                ::new (static_cast<void*>(std::addressof(error))) Error(kept);
                throw;
            }
            has_value = true;
        } else {
            error = other_error;
        }
    }
};

// Delete Result's copy and move, construction and assignment, where T's are deleted (as
// std::optional does: assignment needs both T's constructor and its assignment).
// ResultStorage<T, false> defines all four whatever T is, so that the traits
// (std::is_copy_assignable<Result<T>>, ...) tell the truth; each base deletes one.
template <bool Allowed>
struct ResultCopyConstruct {};
template <>
struct ResultCopyConstruct<false> {
    ResultCopyConstruct() = default;
    ResultCopyConstruct(const ResultCopyConstruct&) = delete;
    ResultCopyConstruct(ResultCopyConstruct&&) = default;
    ResultCopyConstruct& operator=(const ResultCopyConstruct&) = default;
    ResultCopyConstruct& operator=(ResultCopyConstruct&&) = default;
};
template <bool Allowed>
struct ResultMoveConstruct {};
template <>
struct ResultMoveConstruct<false> {
    ResultMoveConstruct() = default;
    ResultMoveConstruct(const ResultMoveConstruct&) = default;
    ResultMoveConstruct(ResultMoveConstruct&&) = delete;
    ResultMoveConstruct& operator=(const ResultMoveConstruct&) = default;
    ResultMoveConstruct& operator=(ResultMoveConstruct&&) = default;
};
template <bool Allowed>
struct ResultCopyAssign {};
template <>
struct ResultCopyAssign<false> {
    ResultCopyAssign() = default;
    ResultCopyAssign(const ResultCopyAssign&) = default;
    ResultCopyAssign(ResultCopyAssign&&) = default;
    ResultCopyAssign& operator=(const ResultCopyAssign&) = delete;
    ResultCopyAssign& operator=(ResultCopyAssign&&) = default;
};
template <bool Allowed>
struct ResultMoveAssign {};
template <>
struct ResultMoveAssign<false> {
    ResultMoveAssign() = default;
    ResultMoveAssign(const ResultMoveAssign&) = default;
    ResultMoveAssign(ResultMoveAssign&&) = default;
    ResultMoveAssign& operator=(const ResultMoveAssign&) = default;
    ResultMoveAssign& operator=(ResultMoveAssign&&) = delete;
};

}  // namespace detail

template <class T>
class [[nodiscard]] Result
    : private detail::ResultCopyConstruct<std::is_copy_constructible<T>::value>,
      private detail::ResultMoveConstruct<std::is_move_constructible<T>::value>,
      private detail::ResultCopyAssign<std::is_copy_constructible<T>::value && std::is_copy_assignable<T>::value>,
      private detail::ResultMoveAssign<std::is_move_constructible<T>::value && std::is_move_assignable<T>::value> {
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

    constexpr bool has_value() const noexcept { return state_.has_value; }
    constexpr explicit operator bool() const noexcept { return has_value(); }

    constexpr const T& value() const& {
        if (!has_value()) throw BadResultAccess(state_.error);
        return state_.value;
    }
    constexpr T& value() & {
        if (!has_value()) throw BadResultAccess(state_.error);
        return state_.value;
    }
    constexpr T&& value() && {
        if (!has_value()) throw BadResultAccess(state_.error);
        return std::move(state_.value);
    }
    template <class U>
    constexpr T value_or(U&& fallback) const& {
        return has_value() ? state_.value : static_cast<T>(std::forward<U>(fallback));
    }

    constexpr const Error& error() const& noexcept {
        BACKSTOP_ASSERT(!has_value(), "error() on a Result that holds a value");
        return state_.error;
    }

    constexpr const T& operator*() const& noexcept {
        BACKSTOP_ASSERT(has_value(), "operator* on a Result that holds an error");
        return state_.value;
    }
    constexpr T& operator*() & noexcept {
        BACKSTOP_ASSERT(has_value(), "operator* on a Result that holds an error");
        return state_.value;
    }
    constexpr const T* operator->() const noexcept { return &**this; }
    constexpr T* operator->() noexcept { return &**this; }

private:
    detail::ResultStorage<T> state_;
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
