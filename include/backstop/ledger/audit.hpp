// The conservation equation, term by term. The sum of every balance, the outside world
// included, is zero at all times; when it is not, the terms show where value went.
#pragma once

#include "backstop/core/int128.hpp"
#include "backstop/core/int192.hpp"
#include "backstop/ledger/place.hpp"

#include <array>
#include <cstdint>
#include <type_traits>

namespace backstop {

// A type wide enough to sum any number of balances of Rep that a ledger can hold.
template <class Rep>
struct wide_sum {
    static_assert(std::is_same<Rep, std::int64_t>::value, "ledgers hold exact representations");
    using type = Int128;
};
template <>
struct wide_sum<Int128> {
    using type = Int192;
};
template <class Rep>
using wide_sum_t = typename wide_sum<Rep>::type;

// A balance widened to its sum type.
inline Int128 to_wide_sum(std::int64_t balance) { return Int128(balance); }
inline Int192 to_wide_sum(Int128 balance) { return Int192(balance); }

template <class Rep>
struct Audit {
    using Wide = wide_sum_t<Rep>;

    std::array<Wide, place_kind_count> sum_by_kind{};    // indexed by PlaceKind
    std::array<std::uint32_t, place_kind_count> places_by_kind{};
    Wide total = 0;

    bool balanced() const { return total == 0; }
    const Wide& sum(PlaceKind kind) const { return sum_by_kind[static_cast<std::size_t>(kind)]; }
};

}  // namespace backstop
