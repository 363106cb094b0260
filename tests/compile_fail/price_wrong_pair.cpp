// The notional of a BTC quantity at an ETH price.
#include <backstop/money/assets.hpp>
#include <backstop/money/price.hpp>
using namespace backstop;
using namespace backstop::assets;
int main() {
    Quantity<BTC> quantity(100'000'000);
#ifdef BACKSTOP_COMPILE_FAIL
    Price<ETH, USDC> price(3'000'000'000);
#else
    Price<BTC, USDC> price(65'000'000'000);
#endif
    auto value = notional(quantity, price, round_down);
    return value.has_value() ? 0 : 1;
}
