// Adding a raw integer to an amount: the unit of 5 is unknown (atoms? dollars?).
#include <backstop/money/amount.hpp>
#include <backstop/money/assets.hpp>
using namespace backstop;
using namespace backstop::assets;
int main() {
    Amount<USDC> amount(1);
#ifdef BACKSTOP_COMPILE_FAIL
    auto sum = amount + 5;
#else
    auto sum = amount + Amount<USDC>(5);
#endif
    return sum.is_zero() ? 1 : 0;
}
