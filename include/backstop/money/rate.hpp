// Dimensionless rates as distinct types: Bps (1/10,000) and Ppm (1/1,000,000). Adding one to the
// other does not compile; converting is explicit (to_ppm is exact). Rates are signed because
// funding rates can be negative.
#pragma once

#include "backstop/core/result.hpp"
#include "backstop/core/rounding.hpp"
#include "backstop/money/amount.hpp"

#include <cstdint>
#include <string_view>
#include <type_traits>

namespace backstop {

template <class Tag>
class Rate {
public:
    static constexpr std::int64_t denominator = Tag::denominator;
    static constexpr std::string_view unit = Tag::unit;

    constexpr Rate() = default;
    template <class T, std::enable_if_t<std::is_integral<T>::value && !std::is_same<T, bool>::value &&
                                            (std::is_signed<T>::value ? sizeof(T) <= 8 : sizeof(T) < 8),
                                        int> = 0>
    constexpr explicit Rate(T count) : count_(count) {}

    // The number of units: Bps{150}.count() == 150.
    constexpr std::int64_t count() const { return count_; }
    // The rate as a fraction, for research code and display only.
    constexpr double to_double() const {
        return static_cast<double>(count_) / static_cast<double>(denominator);
    }

    friend Rate operator+(Rate a, Rate b) { return Rate(detail::add_or_assert(a.count_, b.count_)); }
    friend Rate operator-(Rate a, Rate b) { return Rate(detail::sub_or_assert(a.count_, b.count_)); }
    Rate operator-() const { return Rate(detail::sub_or_assert(std::int64_t{0}, count_)); }
    friend constexpr bool operator==(Rate a, Rate b) { return a.count_ == b.count_; }
    friend constexpr bool operator!=(Rate a, Rate b) { return a.count_ != b.count_; }
    friend constexpr bool operator<(Rate a, Rate b) { return a.count_ < b.count_; }
    friend constexpr bool operator<=(Rate a, Rate b) { return a.count_ <= b.count_; }
    friend constexpr bool operator>(Rate a, Rate b) { return a.count_ > b.count_; }
    friend constexpr bool operator>=(Rate a, Rate b) { return a.count_ >= b.count_; }

private:
    std::int64_t count_ = 0;
};

namespace detail {
struct BpsTag {
    static constexpr std::int64_t denominator = 10'000;
    static constexpr std::string_view unit = "bps";
};
struct PpmTag {
    static constexpr std::int64_t denominator = 1'000'000;
    static constexpr std::string_view unit = "ppm";
};
}  // namespace detail

using Bps = Rate<detail::BpsTag>;  // basis points: Bps{150} is 1.5%
using Ppm = Rate<detail::PpmTag>;  // parts per million: Ppm{15000} is 1.5% (dYdX's fee unit)

template <class T>
struct is_rate : std::false_type {};
template <class Tag>
struct is_rate<Rate<Tag>> : std::true_type {};

// Exact: one basis point is 100 ppm. A count beyond int64 / 100 is an overflow error.
inline Result<Ppm> to_ppm(Bps rate) {
    Result<std::int64_t> count = checked_mul(rate.count(), std::int64_t{100});
    if (!count) return count.error();
    return Ppm(*count);
}

// amount * rate, rounded once as asked: apply_rate(notional, Bps{150}, round_up).
template <class Asset, class Rep, class Tag>
Result<Amount<Asset, Rep>> apply_rate(const Amount<Asset, Rep>& amount, Rate<Tag> rate,
                                      Rounding rounding) {
    // Rate counts are small integers, exact in every representation (double included).
    Result<Rep> atoms = mul_div(amount.atoms(), static_cast<Rep>(rate.count()),
                                static_cast<Rep>(Rate<Tag>::denominator), rounding);
    if (!atoms) return atoms.error();
    return Amount<Asset, Rep>(*atoms);
}

}  // namespace backstop
