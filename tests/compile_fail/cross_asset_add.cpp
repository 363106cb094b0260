// Adding amounts of two different assets.
#include <backstop/money/amount.hpp>
#include <backstop/money/assets.hpp>
using namespace backstop;
using namespace backstop::assets;
int main() {
    Amount<USDC> usdc(1);
#ifdef BACKSTOP_COMPILE_FAIL
    Amount<BTC> btc(1);
    auto sum = usdc + btc;
#else
    Amount<USDC> more(1);
    auto sum = usdc + more;
#endif
    return sum.is_zero() ? 1 : 0;
}
