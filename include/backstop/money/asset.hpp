// An asset is a tag type naming a symbol and a number of decimals; an Amount counts its smallest
// unit (atoms). Declaring one is a single line:
//
//     struct SOL { static constexpr std::string_view symbol = "SOL"; static constexpr int decimals = 9; };
//
// An asset may also name the representation its amounts use by default (`using rep = Int128;`),
// which 18-decimal assets need: int64 holds only ~9.22 whole units of them.
#pragma once

#include "backstop/core/checked_arith.hpp"

#include <cstdint>
#include <string_view>
#include <type_traits>

namespace backstop {

namespace detail {
template <class Asset, class = void>
struct has_symbol : std::false_type {};
template <class Asset>
struct has_symbol<Asset, std::enable_if_t<std::is_convertible<decltype(Asset::symbol),
                                                              std::string_view>::value>>
    : std::true_type {};

template <class Asset, class = void>
struct has_decimals : std::false_type {};
template <class Asset>
struct has_decimals<Asset, std::enable_if_t<std::is_integral<decltype(Asset::decimals)>::value>>
    : std::true_type {};

template <class Asset, class = void>
struct declared_rep {
    using type = std::int64_t;
};
template <class Asset>
struct declared_rep<Asset, std::void_t<typename Asset::rep>> {
    using type = typename Asset::rep;
};
}  // namespace detail

// Checks an asset tag once, with messages that say what is missing.
template <class Asset>
struct AssetTraits {
    static_assert(detail::has_symbol<Asset>::value,
                  "an asset needs `static constexpr std::string_view symbol = \"...\";`");
    static_assert(detail::has_decimals<Asset>::value,
                  "an asset needs `static constexpr int decimals = N;`");
    static_assert(Asset::decimals >= 0 && Asset::decimals <= 18,
                  "asset decimals must be within [0, 18]");

    static constexpr std::string_view symbol = Asset::symbol;
    static constexpr int decimals = static_cast<int>(Asset::decimals);
    using default_rep = typename detail::declared_rep<Asset>::type;
    static_assert(is_money_rep_v<default_rep>,
                  "an asset's rep must be std::int64_t, backstop::Int128 or double");
};

template <class Asset>
using default_rep_t = typename AssetTraits<Asset>::default_rep;

}  // namespace backstop
