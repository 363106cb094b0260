// Reading a JSON object field by field into a value (the scenario files, risk/report/scenario_json.hpp):
// a missing field keeps its value; a wrong type, an out-of-range value or an unknown field is an
// error naming the field, and the first error is kept.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/money/rate.hpp"
#include "backstop/risk/scenario.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace backstop {
namespace risk {
namespace detail {

// Reads the fields of one JSON object into a value, field by field, remembering the first error.
class JsonFields {
public:
    JsonFields(const nlohmann::json& object, std::string where, std::string& error)
        : object_(object), where_(std::move(where)), error_(error) {
        if (error_.empty() && !object_.is_object()) error_ = where_ + ": expected an object";
    }

    bool failed() const { return !error_.empty(); }
    const nlohmann::json* find(const char* key) const {
        if (failed() || !object_.is_object()) return nullptr;
        const auto it = object_.find(key);
        return it == object_.end() ? nullptr : &*it;
    }
    std::string path(const char* key) const { return where_ + std::string(".") + key; }
    void fail(const std::string& message) {
        if (error_.empty()) error_ = message;
    }

    void number(const char* key, double& out, double low = -std::numeric_limits<double>::infinity(),
                double high = std::numeric_limits<double>::infinity()) {
        const nlohmann::json* value = find(key);
        if (value == nullptr) return;
        if (!value->is_number()) return fail(path(key) + ": expected a number");
        const double x = value->get<double>();
        if (!std::isfinite(x) || x < low || x > high) return fail(path(key) + ": out of range");
        out = x;
    }
    template <class Int>
    void integer(const char* key, Int& out, Int low = std::numeric_limits<Int>::min(),
                 Int high = std::numeric_limits<Int>::max()) {
        const nlohmann::json* value = find(key);
        if (value == nullptr) return;
        if (!value->is_number_integer()) return fail(path(key) + ": expected an integer");
        if (value->is_number_unsigned()) {
            const auto x = value->get<std::uint64_t>();
            if (x > static_cast<std::uint64_t>(high) || (low > 0 && x < static_cast<std::uint64_t>(low))) {
                return fail(path(key) + ": out of range");
            }
            out = static_cast<Int>(x);
            return;
        }
        const auto x = value->get<std::int64_t>();
        if (x < 0 && low >= 0) return fail(path(key) + ": out of range");
        if (x < static_cast<std::int64_t>(low) ||
            (x >= 0 && static_cast<std::uint64_t>(x) > static_cast<std::uint64_t>(high))) {
            return fail(path(key) + ": out of range");
        }
        out = static_cast<Int>(x);
    }
    void boolean(const char* key, bool& out) {
        const nlohmann::json* value = find(key);
        if (value == nullptr) return;
        if (!value->is_boolean()) return fail(path(key) + ": expected true or false");
        out = value->get<bool>();
    }
    template <class Enum, class Parse>
    void name(const char* key, Enum& out, Parse parse) {
        const nlohmann::json* value = find(key);
        if (value == nullptr) return;
        if (!value->is_string()) return fail(path(key) + ": expected a name");
        const Result<Enum> parsed = parse(value->get<std::string>());
        if (!parsed) return fail(path(key) + std::string(": ") + std::string(parsed.error().detail));
        out = *parsed;
    }
    void fraction_ppm(const char* key, Ppm& out) {
        double x = out.to_double();
        number(key, x, 0.0, 1.0);
        out = ppm_from_fraction(x);
    }
    // Every key of the object must be one the writer writes (those of `written`).
    void only_known(const nlohmann::json& written) {
        if (failed() || !object_.is_object()) return;
        for (auto it = object_.begin(); it != object_.end(); ++it) {
            if (!written.contains(it.key())) return fail(path(it.key().c_str()) + ": unknown field");
        }
    }

private:
    const nlohmann::json& object_;
    std::string where_;
    std::string& error_;
};

// Degrees of freedom above 2 (unit-variance shocks need a variance), alpha + beta below 1.
template <class Garch>
void read_garch(JsonFields& fields, Garch& m) {
    fields.number("mean_per_step", m.mean_per_step);
    fields.number("omega", m.omega, 0.0);
    fields.number("alpha", m.alpha, 0.0, 1.0);
    fields.number("beta", m.beta, 0.0, 1.0);
    fields.number("degrees_of_freedom", m.degrees_of_freedom, 2.0001, 1e6);
    if (m.alpha + m.beta >= 1.0) fields.fail("scenario.model: alpha + beta must be below 1");
}

// Jumps at most 1e9 a year, of any mean and a volatility of at least 0.
template <class Jumps>
void read_merton_jumps(JsonFields& fields, Jumps& m) {
    fields.number("jump_intensity_per_year", m.jump_intensity_per_year, 0.0, 1e9);
    fields.number("jump_mean", m.jump_mean);
    fields.number("jump_volatility", m.jump_volatility, 0.0);
}

// An array of numbers, each within [low, high], at most 16 of them.
inline void read_numbers(JsonFields& fields, const char* key, std::vector<double>& out, double low, double high) {
    const nlohmann::json* value = fields.find(key);
    if (value == nullptr) return;
    if (!value->is_array() || value->size() > 16) return fields.fail(fields.path(key) + ": expected an array of at most 16 numbers");
    std::vector<double> read;
    for (const nlohmann::json& x : *value) {
        if (!x.is_number() || !std::isfinite(x.get<double>()) || x.get<double>() < low || x.get<double>() > high) {
            return fields.fail(fields.path(key) + ": expected numbers in range");
        }
        read.push_back(x.get<double>());
    }
    out = std::move(read);
}

}  // namespace detail
}  // namespace risk
}  // namespace backstop
