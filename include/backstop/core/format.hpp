// fmt formatters for the core vocabulary: ErrorCode ("overflow"), Error
// ("overflow (2): result does not fit the representation"), Rounding ("half_even") and the wide
// integers Int128 and Int192 (decimal digits, "-170141183460469231731687303715884105727").
// They take the string options (fill, align, width, precision; TextFormatter below):
// fmt::format("{:>12}", code).
#pragma once

#include "backstop/core/error_code.hpp"
#include "backstop/core/result.hpp"
#include "backstop/core/rounding.hpp"
#include "backstop/core/int128.hpp"
#include "backstop/core/int192.hpp"

#include <fmt/format.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace backstop::detail {

// Base of every backstop formatter that prints one line of text: the string options
// [[fill]align][width][.precision][s] (fill one UTF-8 code point; width and precision counted in
// code points; left-aligned by default). Anything else (a sign, zero padding, '?', a width from an
// argument) is a format_error, at compile time where fmt checks the format string. The output
// is fmt's own string formatter's for the options it takes (tests/unit/core/text_format_test.cpp).
//
// Why not inherit fmt::formatter<std::string_view>: its format() is a template that brings fmt's
// escaping writer (the '?' presentation) and its spec parser into every translation unit that
// prints one of our types, about 0.4 s of g++ -O2 for the README's engine program
// (docs/benchmarks.md, Compile time).
struct TextFormatter {
    static constexpr std::size_t width_max = std::size_t{1} << 30;  // fmt's own limit is INT_MAX

    char fill[4] = {' ', 0, 0, 0};
    std::size_t fill_size = 1;
    char align = '<';
    std::size_t width = 0;
    bool zero_flag = false;  // the width began with '0', fmt's zero padding, which text refuses
    std::size_t precision = static_cast<std::size_t>(-1);  // the most code points printed

    constexpr TextFormatter() = default;
    constexpr explicit TextFormatter(char default_align) : align(default_align) {}

    // [[fill]align][width], up to the first character it does not take.
    template <class ParseContext>
    constexpr auto parse_fill_align_width(ParseContext& ctx) {
        auto it = ctx.begin();
        const auto end = ctx.end();
        const auto is_align = [](char c) { return c == '<' || c == '>' || c == '^'; };
        if (it != end && *it != '}') {
            // The fill is one code point: its lead byte says how many bytes it has.
            const auto lead = static_cast<unsigned char>(*it);
            const std::size_t size = lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
            if (static_cast<std::size_t>(end - it) > size && is_align(it[static_cast<std::ptrdiff_t>(size)])) {
                if (*it == '{') throw fmt::format_error("backstop: invalid fill character '{'");
                for (std::size_t i = 0; i < size; ++i) fill[i] = it[static_cast<std::ptrdiff_t>(i)];
                fill_size = size;
                it += static_cast<std::ptrdiff_t>(size);
                align = *it++;
            } else if (is_align(*it)) {
                align = *it++;
            }
        }
        zero_flag = it != end && *it == '0';
        while (it != end && *it >= '0' && *it <= '9') {
            width = width * 10 + static_cast<std::size_t>(*it - '0');
            if (width > width_max) throw fmt::format_error("backstop: width too large");
            ++it;
        }
        return it;
    }

    template <class ParseContext>
    constexpr auto parse(ParseContext& ctx) {
        auto it = parse_fill_align_width(ctx);
        if (zero_flag) throw fmt::format_error("backstop: zero padding needs a number");
        if (it != ctx.end() && *it == '.') {
            ++it;
            if (it == ctx.end() || *it < '0' || *it > '9') throw fmt::format_error("backstop: missing precision");
            precision = 0;
            while (it != ctx.end() && *it >= '0' && *it <= '9') {
                precision = precision * 10 + static_cast<std::size_t>(*it - '0');
                if (precision > width_max) throw fmt::format_error("backstop: precision too large");
                ++it;
            }
        }
        if (it != ctx.end() && *it == 's') ++it;
        if (it != ctx.end() && *it != '}') throw fmt::format_error("backstop: invalid format spec");
        return it;
    }

    // `text` with the fill around it up to the width.
    template <class OutputIt>
    OutputIt write_padded(OutputIt out, std::string_view text) const {
        // Code points start at every byte but UTF-8's continuation bytes (10xxxxxx).
        const auto starts_code_point = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; };
        std::size_t columns = 0;
        std::size_t bytes = 0;
        for (; bytes < text.size(); ++bytes) {
            if (starts_code_point(text[bytes])) {
                if (columns == precision) break;
                ++columns;
            }
        }
        text = text.substr(0, bytes);
        const std::size_t padding = width > columns ? width - columns : 0;
        const std::size_t left = align == '<' ? 0 : align == '^' ? padding / 2 : padding;
        const auto pad = [&](std::size_t count) {
            for (std::size_t i = 0; i < count; ++i) {
                for (std::size_t b = 0; b < fill_size; ++b) *out++ = fill[b];
            }
        };
        pad(left);
        for (const char c : text) *out++ = c;
        pad(padding - left);
        return out;
    }
};

}  // namespace backstop::detail

template <>
struct fmt::formatter<backstop::ErrorCode> : backstop::detail::TextFormatter {
    template <class FormatContext>
    auto format(backstop::ErrorCode code, FormatContext& ctx) const {
        return write_padded(ctx.out(), backstop::error_code_name(code));
    }
};

template <>
struct fmt::formatter<backstop::Error> : backstop::detail::TextFormatter {
    template <class FormatContext>
    auto format(const backstop::Error& error, FormatContext& ctx) const {
        std::string text = fmt::format("{} ({})", backstop::error_code_name(error.code),
                                       static_cast<unsigned>(error.code));
        if (!error.detail.empty()) {
            text += ": ";
            text += error.detail;
        }
        return write_padded(ctx.out(), text);
    }
};

template <>
struct fmt::formatter<backstop::Rounding> : backstop::detail::TextFormatter {
    template <class FormatContext>
    auto format(backstop::Rounding rounding, FormatContext& ctx) const {
        return write_padded(ctx.out(), backstop::rounding_name(rounding));
    }
};

// The wide integers print as exact decimal text, with the string options (fill, align, width).
template <>
struct fmt::formatter<backstop::Int128> : backstop::detail::TextFormatter {
    template <class FormatContext>
    auto format(backstop::Int128 value, FormatContext& ctx) const {
        return write_padded(ctx.out(), backstop::to_string(value));
    }
};

template <>
struct fmt::formatter<backstop::Int192> : backstop::detail::TextFormatter {
    template <class FormatContext>
    auto format(backstop::Int192 value, FormatContext& ctx) const {
        return write_padded(ctx.out(), to_string(value));
    }
};
