// Historical bootstrap: each step's log return is drawn uniformly, with replacement, from a
// sample of past returns (read from a CSV by returns_file.hpp: one return per line, a header line
// allowed).
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/risk/detail/text_file.hpp"
#include "backstop/risk/returns_file.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
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

    // Reads log returns from CSV text by read_returns_text's rules (returns_file.hpp): one number
    // per line, a header line allowed. No returns or a bad line is ErrorCode::parse_error
    // (read_returns_text's ReturnsFile says which line).
    static Result<Bootstrap> from_csv_text(const std::string& text) {
        ReturnsFile file = read_returns_text(text);
        if (!file.ok()) {
            return make_error(ErrorCode::parse_error, file.bad_line != 0 ? "a line of the returns file is not one finite number"
                                                                         : "the returns file has no returns");
        }
        return Bootstrap{std::make_shared<const std::vector<double>>(std::move(file.returns))};
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
