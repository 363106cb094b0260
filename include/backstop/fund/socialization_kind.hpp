// What a socialized-loss policy declares about itself, so that an engine can treat it right
// without knowing its type:
//
//   SocializationKind kind() const;      how its allocations are applied (default:
//                                        charges_collateral)
//   std::uint32_t bearers_max() const;   the most eligible bearers it can plan for (default:
//                                        unlimited, std::numeric_limits<std::uint32_t>::max())
//
// Both members are optional; socialization_kind_of(policy) and bearers_max_of(policy) read them
// or give the defaults, so a custom policy without them still works.
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>

namespace backstop {

enum class SocializationKind : std::uint8_t {
    charges_collateral = 0,  // each allocation is a transfer out of a bearer's collateral (or a
                             // default fund): the fund can commit it as planned
    auto_deleveraging = 1,   // each allocation closes part of a bearer's position against the
                             // defaulter before it is charged: the engine applies it
    funding_index = 2,       // the remainder moves the funding index; every position pays its
                             // charge at its next funding settlement: the engine applies it
};

namespace detail {

template <class Policy, class = void>
struct has_socialization_kind : std::false_type {};
template <class Policy>
struct has_socialization_kind<
    Policy, std::enable_if_t<std::is_same<decltype(std::declval<const Policy&>().kind()), SocializationKind>::value>>
    : std::true_type {};

template <class Policy, class = void>
struct has_bearers_max : std::false_type {};
template <class Policy>
struct has_bearers_max<
    Policy, std::enable_if_t<std::is_same<decltype(std::declval<const Policy&>().bearers_max()), std::uint32_t>::value>>
    : std::true_type {};

}  // namespace detail

template <class Policy>
SocializationKind socialization_kind_of(const Policy& policy) {
    if constexpr (detail::has_socialization_kind<Policy>::value) {
        return policy.kind();
    } else {
        (void)policy;
        return SocializationKind::charges_collateral;
    }
}

template <class Policy>
std::uint32_t bearers_max_of(const Policy& policy) {
    if constexpr (detail::has_bearers_max<Policy>::value) {
        return policy.bearers_max();
    } else {
        (void)policy;
        return std::numeric_limits<std::uint32_t>::max();
    }
}

}  // namespace backstop
