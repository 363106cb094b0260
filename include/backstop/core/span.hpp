// Span<T>: a pointer and a length, for caller-owned input and output buffers (C++17 has no
// std::span). Bounds are asserted.
#pragma once

#include "backstop/core/assert.hpp"

#include <array>
#include <cstddef>
#include <type_traits>
#include <vector>

namespace backstop {

template <class T>
class Span {
public:
    using element_type = T;
    using value_type = std::remove_cv_t<T>;

    constexpr Span() = default;
    constexpr Span(T* data, std::size_t size) : data_(data), size_(size) {}
    template <std::size_t N>
    constexpr Span(T (&array)[N]) : data_(array), size_(N) {}  // NOLINT: implicit like std::span
    template <std::size_t N>
    constexpr Span(std::array<value_type, N>& array) : data_(array.data()), size_(N) {}  // NOLINT
    template <std::size_t N, class U = T, std::enable_if_t<std::is_const<U>::value, int> = 0>
    constexpr Span(const std::array<value_type, N>& array) : data_(array.data()), size_(N) {}  // NOLINT
    template <class Allocator>
    Span(std::vector<value_type, Allocator>& vector) : data_(vector.data()), size_(vector.size()) {}  // NOLINT
    template <class Allocator, class U = T, std::enable_if_t<std::is_const<U>::value, int> = 0>
    Span(const std::vector<value_type, Allocator>& vector)  // NOLINT
        : data_(vector.data()), size_(vector.size()) {}
    template <class U, std::enable_if_t<std::is_const<T>::value &&
                                            std::is_same<std::remove_cv_t<U>, value_type>::value,
                                        int> = 0>
    constexpr Span(Span<U> other) : data_(other.data()), size_(other.size()) {}  // NOLINT

    constexpr T* data() const { return data_; }
    constexpr std::size_t size() const { return size_; }
    constexpr bool empty() const { return size_ == 0; }
    constexpr T* begin() const { return data_; }
    constexpr T* end() const { return data_ + size_; }
    constexpr T& operator[](std::size_t i) const {
        BACKSTOP_ASSERT(i < size_, "Span index out of range");
        return data_[i];
    }
    constexpr Span first(std::size_t count) const {
        BACKSTOP_ASSERT(count <= size_, "Span::first beyond the end");
        return Span(data_, count);
    }

private:
    T* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace backstop
