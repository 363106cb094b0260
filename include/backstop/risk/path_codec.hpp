// What a path produced (PathSummary, a recorded series) as bytes and back, bit for bit: how a
// distributed run (risk/path_distribution.hpp) sends each rank's paths to every other. Doubles
// travel as their bits, so NaN, infinities and -0.0 come back unchanged; the ranks of one run
// share the byte order and double format (every MPI cluster does).
//
// Every field of PathSummary is written by name below. A field added to it and not here would
// be lost on the way; the member counts at the end stop the build until it is added.
#pragma once

#include "backstop/risk/path_summary.hpp"

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace backstop {
namespace risk {

class ByteWriter {
public:
    explicit ByteWriter(std::vector<unsigned char>& out) : out_(out) {}

    template <class T>
    void put(const T& value) {
        static_assert(std::is_arithmetic_v<T>, "bytes of numbers only");
        unsigned char bytes[sizeof(T)];
        std::memcpy(bytes, &value, sizeof(T));
        out_.insert(out_.end(), bytes, bytes + sizeof(T));
    }
    void put(bool value) { put(static_cast<std::uint8_t>(value ? 1 : 0)); }
    void put_series(const std::vector<double>& series) {
        put(static_cast<std::uint64_t>(series.size()));
        for (const double x : series) put(x);
    }
    void put_text(const std::string& text) {
        put(static_cast<std::uint64_t>(text.size()));
        out_.insert(out_.end(), text.begin(), text.end());
    }

private:
    std::vector<unsigned char>& out_;
};

// Reads what ByteWriter wrote; a short or malformed buffer throws std::runtime_error (the
// transport broke), never reads past the end.
class ByteReader {
public:
    ByteReader(const unsigned char* data, std::size_t size) : data_(data), size_(size) {}

    template <class T>
    T get() {
        static_assert(std::is_arithmetic_v<T>, "bytes of numbers only");
        static_assert(!std::is_same_v<T, bool>, "a bool is read by get(bool&), which checks its byte");
        if (size_ - offset_ < sizeof(T)) throw std::runtime_error("path codec: the buffer ends inside a value");
        T value;
        std::memcpy(&value, data_ + offset_, sizeof(T));
        offset_ += sizeof(T);
        return value;
    }
    template <class T>
    void get(T& value) {
        value = get<T>();
    }
    // A bool travels as one byte, 0 or 1; anything else is a broken buffer (never a bool holding
    // another value).
    void get(bool& value) {
        const auto byte = get<std::uint8_t>();
        if (byte > 1) throw std::runtime_error("path codec: a bool that is neither 0 nor 1");
        value = byte == 1;
    }
    std::string get_text() {
        const auto size = get<std::uint64_t>();
        if (size > remaining()) throw std::runtime_error("path codec: a text longer than the buffer");
        std::string text(reinterpret_cast<const char*>(data_ + offset_), static_cast<std::size_t>(size));
        offset_ += static_cast<std::size_t>(size);
        return text;
    }
    // The next `size` bytes as a reader of their own (the caller checked they are there).
    ByteReader sub_reader(std::size_t size) {
        if (size > remaining()) throw std::runtime_error("path codec: a part longer than the buffer");
        ByteReader part(data_ + offset_, size);
        offset_ += size;
        return part;
    }
    std::vector<double> get_series() {
        const auto count = get<std::uint64_t>();
        if (count > remaining() / sizeof(double)) throw std::runtime_error("path codec: a series longer than the buffer");
        std::vector<double> series(static_cast<std::size_t>(count));
        for (double& x : series) x = get<double>();
        return series;
    }
    std::size_t remaining() const { return size_ - offset_; }
    bool at_end() const { return offset_ == size_; }

private:
    const unsigned char* data_;
    std::size_t size_;
    std::size_t offset_ = 0;
};

namespace detail {

// One function for both directions, so that the field lists cannot differ: `io` is a writer
// (fields read) or a reader (fields assigned).
struct EncodeFields {
    ByteWriter& out;
    template <class T>
    void operator()(const T& field) {
        out.put(field);
    }
};
struct DecodeFields {
    ByteReader& in;
    template <class T>
    void operator()(T& field) {
        in.get(field);
    }
};

template <class Summary, class Io>
void market_fields(Summary& m, Io&& io) {
    io(m.liquidations);
    io(m.closed_notional);
    io(m.bad_debt);
    io(m.socialized);
    io(m.shortfall);
    io(m.first_shortfall);
    io(m.final_price);
    io(m.price_drawdown_max);
}

template <class Summary, class Io>
void path_fields(Summary& s, Io&& io) {
    io(s.path);
    io(s.fund_initial);
    io(s.fund_min);
    io(s.fund_final);
    io(s.penalties_to_fund);
    io(s.penalties_charged);
    io(s.fees_to_fund);
    io(s.target_final);
    io(s.target_max);
    io(s.coverage_min);
    io(s.staker_claims);
    io(s.fund_drawdown_max);
    io(s.yield_income);
    io(s.yield_losses);
    io(s.yield_defaults);
    io(s.yield_placed_final);
    io(s.hedge_fees);
    io(s.hedge_value_final);
    io(s.hedge_refusals);
    io(s.closed_notional);
    io(s.bad_debt);
    io(s.fund_paid);
    io(s.socialized);
    io(s.uncovered);
    io(s.liquidations);
    io(s.liquidations_refused);
    io(s.bad_debt_events);
    io(s.adl_events);
    io(s.largest_cascade);
    io(s.first_depletion_step);
    io(s.fund_required);
    io(s.socialized_traders);
    io(s.socialized_maker);
    io(s.bearer_charges);
    io(s.charged_beyond_socialized);
    io(s.deleveraged_notional);
    io(s.traders_entered);
    io(s.final_price);
    io(s.leverage_allowed_mean);
    io(s.initial_margin_mean);
    io(s.maintenance_margin_max);
    io(s.margin_changes);
    io(s.margin_refusals);
    io(s.volatility_forecast.count);
    io(s.volatility_forecast.f);
    io(s.volatility_forecast.y);
    io(s.volatility_forecast.ff);
    io(s.volatility_forecast.yy);
    io(s.volatility_forecast.fy);
    io(s.conserved);
    io(s.digest);
}

// The guard: how many members each struct has, counted by the compiler (the largest number of
// initializers its aggregate initialization accepts), against the fields listed above. A member
// added to a struct and not to its list stops the build here.
struct AnyField {
    template <class T>
    constexpr operator T() const;  // never defined: only asked whether it would convert
};
template <class T, class Void, class... Fields>
struct brace_constructible : std::false_type {};
template <class T, class... Fields>
struct brace_constructible<T, std::void_t<decltype(T{std::declval<Fields>()...})>, Fields...> : std::true_type {};
template <class T, std::size_t... I>
constexpr bool brace_constructible_from(std::index_sequence<I...>) {
    return brace_constructible<T, void, decltype((void)I, AnyField{})...>::value;
}
template <class T, std::size_t N = 0>
constexpr std::size_t field_count() {
    if constexpr (!brace_constructible_from<T>(std::make_index_sequence<N + 1>{})) {
        return N;
    } else {
        return field_count<T, N + 1>();
    }
}

static_assert(field_count<MarketPathSummary>() == 8, "MarketPathSummary changed: list the new field in market_fields");
static_assert(field_count<ForecastSums>() == 6, "ForecastSums changed: list the new field in path_fields");
// 47 members: the 46 that path_fields lists (volatility_forecast field by field), and markets,
// encoded after them.
static_assert(field_count<PathSummary>() == 47, "PathSummary changed: list the new field in path_fields");

}  // namespace detail

inline void encode(ByteWriter& out, const PathSummary& summary) {
    detail::path_fields(summary, detail::EncodeFields{out});
    out.put(static_cast<std::uint64_t>(summary.markets.size()));
    for (const MarketPathSummary& m : summary.markets) detail::market_fields(m, detail::EncodeFields{out});
}

inline PathSummary decode_path_summary(ByteReader& in) {
    PathSummary summary;
    detail::path_fields(summary, detail::DecodeFields{in});
    const auto markets = in.get<std::uint64_t>();
    // Refused before it sizes an allocation: more markets than the buffer could hold.
    if (markets > in.remaining() / sizeof(MarketPathSummary::liquidations)) {
        throw std::runtime_error("path codec: more markets than the buffer holds");
    }
    summary.markets.resize(static_cast<std::size_t>(markets));
    for (MarketPathSummary& m : summary.markets) detail::market_fields(m, detail::DecodeFields{in});
    return summary;
}

}  // namespace risk
}  // namespace backstop
