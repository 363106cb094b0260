// A returns file: the log returns the lab reads from text (the bootstrap's sample,
// Bootstrap::from_csv_text; the returns fit_garch fits, the demo's --fit-garch), one rule for
// both: one number per line, trimmed of spaces and tabs; a first line with a letter in it is a
// header; blank lines and CRLF are fine; anything else that is not one finite number is an error
// that names its line, never a return dropped.
#pragma once

#include "backstop/risk/detail/text_file.hpp"

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace backstop {
namespace risk {

// The returns in the file's order; `error` names the first bad line (1-based) and is empty on
// success.
struct ReturnsFile {
    std::vector<double> returns;
    std::string error;
    std::size_t bad_line = 0;  // that line's number; 0 when none is bad (no returns, or no file)

    bool ok() const { return error.empty(); }
};

inline ReturnsFile read_returns_text(const std::string& text) {
    ReturnsFile file;
    detail::TextLines lines(text);
    std::string_view next_line;
    std::size_t line_number = 0;
    bool first_content = true;
    while (lines.next(next_line)) {
        std::string line(next_line);
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const std::size_t begin = line.find_first_not_of(" \t");
        if (begin == std::string::npos) continue;
        const std::size_t end = line.find_last_not_of(" \t");
        const std::string cell = line.substr(begin, end - begin + 1);
        std::size_t used = 0;
        double value = 0.0;
        bool parsed = true;
        try {
            value = std::stod(cell, &used);
        } catch (...) {
            parsed = false;
        }
        // Only a first line with a letter in it is a header ("log_return"); a first line that is a
        // malformed or out-of-range number is an error like any other.
        const bool has_letter = cell.find_first_of("abcdfghijklmnopqrstuvwxyzABCDFGHIJKLMNOPQRSTUVWXYZ_") != std::string::npos;
        const bool is_header = first_content && !parsed && has_letter;
        first_content = false;
        if (is_header) continue;
        if (!parsed || used != cell.size()) {
            file.error = "line " + std::to_string(line_number) + ": not a single number: '" + cell + "'";
            file.bad_line = line_number;
            file.returns.clear();
            return file;
        }
        if (!std::isfinite(value)) {
            file.error = "line " + std::to_string(line_number) + ": not a finite number: '" + cell + "'";
            file.bad_line = line_number;
            file.returns.clear();
            return file;
        }
        file.returns.push_back(value);
    }
    if (file.returns.empty()) file.error = "the returns file has no returns";
    return file;
}

inline ReturnsFile read_returns_file(const std::string& path) {
    std::string text;
    if (!detail::read_text_file(path, text)) {
        ReturnsFile file;
        file.error = "cannot open the returns file '" + path + "'";
        return file;
    }
    return read_returns_text(text);
}

}  // namespace risk
}  // namespace backstop
