// fmt formatters for the core vocabulary: ErrorCode ("overflow"), Error
// ("overflow (2): result does not fit the representation"), Rounding ("half_even") and the wide
// integers Int128 and Int192 (decimal digits, "-170141183460469231731687303715884105727").
// They accept the usual string options (width, fill, alignment): fmt::format("{:>12}", code).
#pragma once

#include "backstop/core/error_code.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/rounding.hpp"
#include "backstop/core/int128.hpp"
#include "backstop/core/int192.hpp"

#include <fmt/format.h>

#include <string>
#include <string_view>

template <>
struct fmt::formatter<backstop::ErrorCode> : fmt::formatter<std::string_view> {
    template <class FormatContext>
    auto format(backstop::ErrorCode code, FormatContext& ctx) const {
        return fmt::formatter<std::string_view>::format(backstop::error_code_name(code), ctx);
    }
};

template <>
struct fmt::formatter<backstop::Error> : fmt::formatter<std::string_view> {
    template <class FormatContext>
    auto format(const backstop::Error& error, FormatContext& ctx) const {
        std::string text = fmt::format("{} ({})", backstop::error_code_name(error.code),
                                       static_cast<unsigned>(error.code));
        if (!error.detail.empty()) {
            text += ": ";
            text += error.detail;
        }
        return fmt::formatter<std::string_view>::format(text, ctx);
    }
};

template <>
struct fmt::formatter<backstop::Rounding> : fmt::formatter<std::string_view> {
    template <class FormatContext>
    auto format(backstop::Rounding rounding, FormatContext& ctx) const {
        return fmt::formatter<std::string_view>::format(backstop::rounding_name(rounding), ctx);
    }
};

// The wide integers print as exact decimal text, with the string options (fill, align, width).
template <>
struct fmt::formatter<backstop::Int128> : fmt::formatter<std::string_view> {
    template <class FormatContext>
    auto format(backstop::Int128 value, FormatContext& ctx) const {
        return fmt::formatter<std::string_view>::format(backstop::to_string(value), ctx);
    }
};

template <>
struct fmt::formatter<backstop::Int192> : fmt::formatter<std::string_view> {
    template <class FormatContext>
    auto format(backstop::Int192 value, FormatContext& ctx) const {
        return fmt::formatter<std::string_view>::format(to_string(value), ctx);
    }
};
