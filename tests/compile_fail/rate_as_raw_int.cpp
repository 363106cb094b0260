// Applying "150" as a rate: bps or ppm? Rates must be typed.
#include <backstop/money/amount.hpp>
#include <backstop/money/assets.hpp>
#include <backstop/money/rate.hpp>
using namespace backstop;
using namespace backstop::assets;
int main() {
    Amount<USDC> amount(1'000'000);
#ifdef BACKSTOP_COMPILE_FAIL
    auto fee = apply_rate(amount, 150, round_up);
#else
    auto fee = apply_rate(amount, Bps(150), round_up);
#endif
    return fee.has_value() ? 0 : 1;
}
