// Historical bootstrap: each step's log return is drawn uniformly, with replacement, from a
// sample of past returns (read from a CSV: one return per line, a header line allowed).
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/risk/detail/text_file.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace backstop {
namespace risk {

struct Bootstrap {
    // Shared so that copying a scenario does not copy the sample.
    std::shared_ptr<const std::vector<double>> returns;

    struct State {};
    State initial_state() const { return {}; }

    template <class Rng>
    double log_return(State&, Rng& rng, double /*dt_years*/) const {
        const auto count = static_cast<double>(returns->size());
        auto index = static_cast<std::size_t>(rng.uniform() * count);
        if (index >= returns->size()) index = returns->size() - 1;
        return (*returns)[index];
    }

    // Reads log returns from CSV text: one number per line; a first line that is not a number is
    // a header. Empty input or a bad line is ErrorCode::parse_error.
    static Result<Bootstrap> from_csv_text(const std::string& text) {
        detail::TextLines lines(text);
        std::string_view next_line;
        auto values = std::make_shared<std::vector<double>>();
        bool first = true;
        while (lines.next(next_line)) {
            std::string line(next_line);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.empty()) continue;
            std::size_t used = 0;
            double value = 0.0;
            bool ok = true;
            try {
                value = std::stod(line, &used);
            } catch (...) {
                ok = false;
            }
            if (!ok || used != line.size()) {
                if (first) {
                    first = false;
                    continue;  // a header
                }
                return make_error(ErrorCode::parse_error, "a line of the returns file is not a number");
            }
            first = false;
            values->push_back(value);
        }
        if (values->empty()) return make_error(ErrorCode::parse_error, "the returns file has no returns");
        return Bootstrap{std::move(values)};
    }

    static Result<Bootstrap> from_csv_file(const std::string& path) {
        std::string text;
        if (!detail::read_text_file(path, text)) {
            return make_error(ErrorCode::invalid_argument, "cannot open the returns file");
        }
        return from_csv_text(text);
    }
};

}  // namespace risk
}  // namespace backstop
